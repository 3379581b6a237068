//! Command-line syntax only (clap structs). Commands turn these into library settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::rules::{Confidence, Severity};

#[derive(Debug, Parser)]
#[command(
    name = "nhiscan",
    version,
    about = "Find non-human-identity credentials in code and CI, and tie each to an owner",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a directory tree (or a file) for credentials.
    Scan(ScanArgs),
    /// List or check the detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Accept today's findings: write or refresh a baseline file for `scan --baseline`.
    #[command(subcommand)]
    Baseline(BaselineCommand),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules in use.
    List {
        #[command(flatten)]
        rules: RuleArgs,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Compile every rule and prove its examples match and its negative examples do not.
    Check {
        #[command(flatten)]
        rules: RuleArgs,
        /// Print example secrets in failure messages instead of their redacted form.
        #[arg(long)]
        show_secrets: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RuleArgs {
    /// Extra rule file or directory of *.yaml rule files (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rules (use only --rules).
    #[arg(long)]
    pub no_builtin: bool,
    /// Disable a rule by id (repeatable).
    #[arg(long = "disable-rule", value_name = "ID")]
    pub disable: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// JSON Lines: one finding per line, then a summary line.
    Jsonl,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations); the job summary goes to
    /// $GITHUB_STEP_SUMMARY when set.
    Github,
    /// The pull-request comment.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    None,
    Note,
    Warning,
    Error,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::None => None,
            FailOn::Note => Some(Severity::Note),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Error => Some(Severity::Error),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Directory or file to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format on stdout.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Config file (default: .nhiscan.yaml in the scanned directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour .gitignore, .ignore and .nhiscanignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected, counted and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Worker threads (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip (and count) files larger than this: bytes or 10MB, 512K, 1G [default: 20MB].
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
    /// Lowest confidence reported (low includes tokens that fail their checksum).
    #[arg(long, value_enum, default_value_t = Confidence::Medium)]
    pub confidence: Confidence,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Note)]
    pub fail_on: FailOn,
    /// Print secrets unredacted (never use in CI logs).
    #[arg(long)]
    pub show_secrets: bool,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub outputs: OutputArgs,
}

/// Report files written by the same scan, besides the format on stdout.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    /// Also write SARIF 2.1.0 to this file.
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<PathBuf>,
    /// Also write the Markdown pull-request comment to this file.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Also write the JSON Lines report to this file.
    #[arg(long, value_name = "PATH")]
    pub jsonl: Option<PathBuf>,
    /// Suppress the findings a baseline file accepts (they are counted in the summary).
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    /// Write an empty Markdown file (instead of a short "no findings" body) when nothing is
    /// found, so a workflow can skip commenting.
    #[arg(long)]
    pub markdown_skip_empty: bool,
    /// Prefix of file links in Markdown, e.g. https://github.com/OWNER/REPO/blob/SHA
    /// [default: from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_SHA when set].
    #[arg(long, value_name = "URL")]
    pub link_base: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a baseline of every current finding (replacing the file).
    Create(BaselineArgs),
    /// Keep entries still found, add new findings, drop entries no longer found.
    Update(BaselineArgs),
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The baseline file to write.
    #[arg(value_name = "BASELINE_FILE")]
    pub file: PathBuf,
    /// Directory or file to scan.
    #[arg(default_value = ".", value_name = "SCAN_PATH")]
    pub path: PathBuf,
    /// Why these findings are accepted (stored on each new entry).
    #[arg(long)]
    pub reason: Option<String>,
    /// Last day (YYYY-MM-DD) new entries suppress their findings.
    #[arg(long, value_name = "DATE")]
    pub expires: Option<jiff::civil::Date>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Config file (default: .nhiscan.yaml in the scanned directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour .gitignore, .ignore and .nhiscanignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Lowest confidence recorded.
    #[arg(long, value_enum, default_value_t = Confidence::Medium)]
    pub confidence: Confidence,
}
