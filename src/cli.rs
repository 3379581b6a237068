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
    Scan(Box<ScanArgs>),
    /// List or check the detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Accept today's findings: write or refresh a baseline file for `scan --baseline`.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Governance review: every inventory identity against one scan (use, age, expiry, owner).
    Audit(AuditArgs),
    /// Validate the inventory, or register a finding in it.
    #[command(subcommand)]
    Inventory(InventoryCommand),
    /// GitHub integration: pull-request comments.
    #[command(subcommand)]
    Github(GithubCommand),
    /// The CI usage map: which pipeline job reads which secret, with environment, permissions
    /// and OIDC use.
    Pipelines(PipelinesArgs),
    /// Org-wide scans: many repositories, incremental, tracked across runs, sharded.
    #[command(subcommand)]
    Org(OrgCommand),
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Fetch and scan every repository (only blobs no earlier run read) into the datastore.
    Scan(Box<OrgScanArgs>),
    /// Merge shard datastores into one.
    Merge {
        /// The merged datastore (created when missing).
        #[arg(long, value_name = "PATH")]
        datastore: PathBuf,
        /// Shard datastores.
        #[arg(required = true, value_name = "IN")]
        inputs: Vec<PathBuf>,
    },
    /// Render a datastore.
    Report(OrgReportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrgFormat {
    Text,
    Json,
    Markdown,
    Sarif,
}

#[derive(Debug, Args)]
pub struct OrgReportArgs {
    /// The datastore to render.
    #[arg(long, value_name = "PATH")]
    pub datastore: PathBuf,
    #[command(flatten)]
    pub report: OrgReportOptions,
}

#[derive(Debug, Args)]
pub struct OrgScanArgs {
    /// File of repositories: one clone URL or local path a line, `#` comments.
    #[arg(long, value_name = "FILE", required_unless_present_any = ["github_org", "github_user"])]
    pub repos: Option<PathBuf>,
    /// Every repository of this GitHub organisation (API root: $GITHUB_API_URL).
    #[arg(long, value_name = "ORG", conflicts_with = "github_user")]
    pub github_org: Option<String>,
    /// Every repository of this GitHub user.
    #[arg(long, value_name = "USER")]
    pub github_user: Option<String>,
    /// With --github-org/--github-user: also archived repositories.
    #[arg(long)]
    pub include_archived: bool,
    /// With --github-org/--github-user: also forks.
    #[arg(long)]
    pub include_forks: bool,
    /// Environment variable holding the token (API and git transport only).
    #[arg(long, value_name = "VAR", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// Clone cache [default: the user's cache directory/nhiscan/repos].
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// The datastore (SQLite; created when missing).
    #[arg(long, value_name = "PATH")]
    pub datastore: PathBuf,
    /// Repositories fetched and scanned at once.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 4)]
    pub jobs: usize,
    /// Only the repositories of shard K of N (by a stable hash of the name).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::org::Shard>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Config file for every repository (rules, allowlists, max_file_size).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Skip (and count) blobs larger than this [default: 20MB].
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
    #[arg(long, value_enum, default_value_t = Confidence::Medium)]
    pub confidence: Confidence,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub report: OrgReportOptions,
}

/// How `org scan` reports the datastore after the run.
#[derive(Debug, Args)]
pub struct OrgReportOptions {
    #[arg(long, short = 'f', value_enum, default_value_t = OrgFormat::Text)]
    pub format: OrgFormat,
    /// Report `hmac-sha256:` fingerprints keyed with the value of this environment variable
    /// (the datastore and the inventory keep matching on plain `sha256:` ones).
    #[arg(long, value_name = "NAME")]
    pub fingerprint_key_env: Option<String>,
    /// Only this repository (its name as the report shows it, e.g. `acme/api`).
    #[arg(long, value_name = "NAME")]
    pub repo: Option<String>,
    /// Also write one report per repository into DIR (`DIR/<name>.sarif|json|md|txt`, `/` in
    /// names kept as folders), in the chosen format: per-repository SARIF for code scanning.
    #[arg(long, value_name = "DIR", conflicts_with = "repo")]
    pub per_repo: Option<PathBuf>,
    /// Governance inventory: verdicts on every finding, grouped by owner.
    #[arg(long, value_name = "PATH")]
    pub inventory: Option<PathBuf>,
    /// Today's date for verdicts, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = crate::inventory::parse_date)]
    pub now: Option<jiff::civil::Date>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Note)]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct PipelinesArgs {
    /// Directory to read the pipeline configs of.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Do not honour .gitignore, .ignore and .nhiscanignore files.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Debug, Subcommand)]
pub enum GithubCommand {
    /// Upsert the summary comment (and review line comments) on the event's pull request.
    /// A failure to comment is a warning: the exit code stays 0.
    Comment(GithubCommentArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommentModeArg {
    Summary,
    Review,
    Both,
}

#[derive(Debug, Args)]
pub struct GithubCommentArgs {
    /// JSON report of the scan (`nhiscan scan -f json`): the findings for line comments.
    #[arg(long, value_name = "FILE")]
    pub report: PathBuf,
    /// Markdown body of the summary comment (e.g. what `--markdown` writes).
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// summary: one comment, edited in place; review: line comments on added lines; both.
    #[arg(long, value_enum, default_value_t = CommentModeArg::Summary)]
    pub mode: CommentModeArg,
    /// Event payload [default: $GITHUB_EVENT_PATH].
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,
    /// Event name [default: $GITHUB_EVENT_NAME, else pull_request].
    #[arg(long, value_name = "NAME")]
    pub event_name: Option<String>,
    /// API root [default: $GITHUB_API_URL, else https://api.github.com].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Environment variable holding the token.
    #[arg(long, value_name = "VAR", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
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

impl RuleArgs {
    /// Where a command takes its rules from; `compile_all` also loads examples (`rules check`).
    pub fn sources(&self, compile_all: bool) -> crate::rules::RuleSources {
        crate::rules::RuleSources {
            no_builtin: self.no_builtin,
            paths: self.rules.clone(),
            disable: self.disable.clone(),
            compile_all,
        }
    }
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
    /// No progress bar (`--git` draws one on a terminal).
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    /// Report `hmac-sha256:` fingerprints keyed with the value of this environment variable, so
    /// a short password cannot be brute-forced from a report. The inventory and the baseline
    /// still match on plain `sha256:` fingerprints.
    #[arg(long, value_name = "NAME")]
    pub fingerprint_key_env: Option<String>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Governance inventory (default: `inventory:` in the config, else nhi-inventory.yaml in
    /// the scanned directory when present).
    #[arg(long, value_name = "PATH")]
    pub inventory: Option<PathBuf>,
    /// Today's date for verdicts, YYYY-MM-DD (default: today, UTC): makes results reproducible.
    #[arg(long, value_name = "DATE", value_parser = crate::inventory::parse_date)]
    pub now: Option<jiff::civil::Date>,
    #[command(flatten)]
    pub git: GitArgs,
    #[command(flatten)]
    pub outputs: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Markdown,
    Sarif,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Directory to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format on stdout.
    #[arg(long, short = 'f', value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
    /// Governance inventory (default: `inventory:` in the config, else nhi-inventory.yaml in
    /// the scanned directory).
    #[arg(long, value_name = "PATH")]
    pub inventory: Option<PathBuf>,
    /// Today's date, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = crate::inventory::parse_date)]
    pub now: Option<jiff::civil::Date>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Config file (default: .nhiscan.yaml in the scanned directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour .gitignore, .ignore and .nhiscanignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Exit with 1 when an identity's state or an uncovered finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Note)]
    pub fail_on: FailOn,
    /// Owners export: who still exists (a JSON array of names or of objects with `login`,
    /// `slug` or `name`, e.g. GitHub's organisation members or teams; or one name per line). An
    /// identity whose owner it lacks, or whose `offboarding` event names someone it lacks, is
    /// `orphaned`.
    #[arg(long, value_name = "FILE")]
    pub owners: Option<PathBuf>,
    /// A previous `audit -f json` report: list the states and uncovered findings that are new
    /// since then, and those that were resolved.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub since: Option<PathBuf>,
    /// Report `hmac-sha256:` fingerprints keyed with the value of this environment variable (as
    /// `scan`); identities are still matched on plain `sha256:` fingerprints. Compare `--since`
    /// only with an audit keyed the same way.
    #[arg(long, value_name = "NAME")]
    pub fingerprint_key_env: Option<String>,
    /// The git history (`--git`, as `scan --git`): credentials found only in the history count,
    /// and ages without a recorded date run from the first commit.
    #[command(flatten)]
    pub history: HistoryArgs,
}

impl AuditArgs {
    /// The git history source asked for, if any (the same options as `scan --git`).
    pub fn git_mode(&self) -> Option<crate::sources::git::GitMode> {
        self.history.mode()
    }
}

#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// Validate the inventory: schema, unique ids, dates (order, none in the future), owners,
    /// fingerprint format, provider slugs against the rules, overlapping matches.
    Check {
        /// Inventory file (default: nhi-inventory.yaml).
        #[arg(value_name = "PATH", conflicts_with = "inventory")]
        path: Option<PathBuf>,
        /// Inventory file, as `scan` and `audit` take it.
        #[arg(long, value_name = "PATH")]
        inventory: Option<PathBuf>,
        /// Output format on stdout.
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Today, for dates in the future (default: today, UTC).
        #[arg(long, value_name = "DATE", value_parser = crate::inventory::parse_date)]
        now: Option<jiff::civil::Date>,
        /// A JSON scan report: match each of its findings against the inventory and name those
        /// two identities would claim.
        #[arg(long, value_name = "SCAN.json")]
        report: Option<PathBuf>,
        /// Config file whose `rules:` add to the rule set providers are checked against.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Register a finding of a JSON report (by fingerprint) as an identity. Writes the
    /// fingerprint and key id, never the secret.
    Add(Box<InventoryAddArgs>),
    /// Update the inventory in place from a provider's export: rotation, creation, use and
    /// expiry dates (only newer evidence replaces older), what no identity registers.
    Import(Box<InventoryImportArgs>),
}

/// The export kinds of `inventory import --from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFrom {
    /// GitHub's list repository / environment / organization secrets JSON.
    GithubSecrets,
    /// `gcloud iam service-accounts keys list --format=json`.
    GcpKeys,
    /// The IAM credential report CSV (with --access-keys).
    AwsCredentialReport,
    /// `vault token lookup -format=json`.
    VaultToken,
}

#[derive(Debug, Args)]
pub struct InventoryImportArgs {
    /// Kind of export.
    #[arg(long, value_enum)]
    pub from: ImportFrom,
    /// The export file (not with --live).
    #[arg(
        value_name = "FILE",
        required_unless_present = "live",
        conflicts_with = "live"
    )]
    pub file: Option<PathBuf>,
    /// Inventory file to update.
    #[arg(long, value_name = "PATH", default_value = "nhi-inventory.yaml")]
    pub inventory: PathBuf,
    /// Print the summary and the lines that would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write a stub identity (no owner yet) for each credential no identity registers.
    #[arg(long)]
    pub add_unregistered: bool,
    /// Write `status: revoked` for identities whose credentials are all disabled at the
    /// provider (otherwise suggested only).
    #[arg(long)]
    pub write_status: bool,
    /// aws-credential-report: the JSON of `aws iam list-access-keys` (key ids per user;
    /// repeatable, one file per user).
    #[arg(long, value_name = "JSON")]
    pub access_keys: Vec<PathBuf>,
    /// github-secrets: read the secrets through the GitHub API instead of a file.
    #[arg(long, requires = "live_target")]
    pub live: bool,
    /// With --live: a repository's secrets.
    #[arg(
        long,
        value_name = "OWNER/NAME",
        group = "live_target",
        requires = "live"
    )]
    pub repo: Option<String>,
    /// With --live: an organization's secrets.
    #[arg(long, value_name = "ORG", group = "live_target", requires = "live")]
    pub org: Option<String>,
    /// With --live: API root [default: $GITHUB_API_URL, else https://api.github.com].
    #[arg(long, value_name = "URL", requires = "live")]
    pub api_url: Option<String>,
    /// With --live: environment variable holding the token.
    #[arg(long, value_name = "VAR", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// The change summary on stdout: text, or JSON (changed fields old -> new, unregistered
    /// names, what was written).
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct InventoryAddArgs {
    /// Inventory file (created when missing).
    #[arg(long, value_name = "PATH", default_value = "nhi-inventory.yaml")]
    pub inventory: PathBuf,
    /// JSON report of `nhiscan scan -f json` (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub report: PathBuf,
    /// Fingerprint of the finding to register (`sha256:...`).
    #[arg(long)]
    pub fingerprint: String,
    /// Identity id (default: the rule id and the first 8 hex digits of the fingerprint).
    #[arg(long)]
    pub id: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub contact: Option<String>,
    #[arg(long)]
    pub purpose: Option<String>,
    #[arg(long)]
    pub environment: Option<String>,
    /// When the credential was created, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = crate::inventory::parse_date)]
    pub created: Option<jiff::civil::Date>,
    /// When it was last rotated, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = crate::inventory::parse_date)]
    pub last_rotated: Option<jiff::civil::Date>,
    /// When it expires, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = crate::inventory::parse_date)]
    pub expires: Option<jiff::civil::Date>,
    #[arg(long, value_name = "DAYS")]
    pub rotation_days: Option<u32>,
    #[arg(long)]
    pub approved_by: Option<String>,
    #[arg(long)]
    pub ticket: Option<String>,
    /// A scope it holds (repeatable).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// A glob where it may live (repeatable).
    #[arg(long = "allow-path", value_name = "GLOB")]
    pub paths: Vec<String>,
    /// A CI secret name that holds it (repeatable).
    #[arg(long = "ci-secret", value_name = "NAME")]
    pub ci_secrets: Vec<String>,
    /// Print the new file on stdout instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
}

/// The git history source (`--git` and its limits), shared by `scan` and `audit`.
#[derive(Debug, Args, Clone, Default)]
pub struct HistoryArgs {
    /// Scan every blob in the git history of all refs (see --branch, --since-commit).
    #[arg(long, help_heading = "Git")]
    pub git: bool,
    /// With --git: only the history of this revision.
    #[arg(long, value_name = "REF", requires = "git", help_heading = "Git")]
    pub branch: Option<String>,
    /// With --git: leave out this commit and its ancestors.
    #[arg(long, value_name = "REV", requires = "git", help_heading = "Git")]
    pub since_commit: Option<String>,
    /// With --git: stop after N commits.
    #[arg(long, value_name = "N", requires = "git", help_heading = "Git")]
    pub max_commits: Option<usize>,
}

impl HistoryArgs {
    pub fn mode(&self) -> Option<crate::sources::git::GitMode> {
        use crate::sources::git::{history::HistoryOptions, GitMode};
        self.git.then(|| {
            GitMode::History(HistoryOptions {
                branch: self.branch.clone(),
                since_commit: self.since_commit.clone(),
                max_commits: self.max_commits,
                ..Default::default()
            })
        })
    }
}

/// Git sources (PATH is then a directory inside the repository).
#[derive(Debug, Args, Clone, Default)]
pub struct GitArgs {
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Only lines added in BASE..HEAD (or BASE...HEAD, from the merge base).
    #[arg(
        long,
        value_name = "RANGE",
        conflicts_with_all = ["staged", "git"],
        help_heading = "Git"
    )]
    pub diff: Option<String>,
    /// With --diff: also report what each commit of the range added, even if removed later.
    #[arg(long, requires = "diff", help_heading = "Git")]
    pub each_commit: bool,
    /// Only lines added in the index relative to HEAD (for a pre-commit hook).
    #[arg(long, conflicts_with = "git", help_heading = "Git")]
    pub staged: bool,
}

impl GitArgs {
    /// The git mode asked for, if any.
    pub fn mode(&self) -> Option<crate::sources::git::GitMode> {
        use crate::sources::git::GitMode;
        if let Some(history) = self.history.mode() {
            Some(history)
        } else if let Some(range) = &self.diff {
            Some(GitMode::Diff {
                range: range.clone(),
                each_commit: self.each_commit,
            })
        } else if self.staged {
            Some(GitMode::Staged)
        } else {
            None
        }
    }
}

/// Report files written by the same scan, besides the format on stdout.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    /// Also write SARIF 2.1.0 to this file.
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<PathBuf>,
    /// Code-scanning category of the SARIF runs (automationDetails.id CATEGORY/secrets/ and
    /// CATEGORY/governance/) [default: nhiscan].
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,
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
