//! `nhiscan scan PATH`: walk, detect, group, report.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};

use super::output::{write_all, Outputs};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::{ColorChoice, ScanArgs};
use crate::config::{self, Config};
use crate::detect::filters::{Allowlist, Placeholders};
use crate::detect::{Engine, EngineOptions};
use crate::findings::baseline::{self, Baseline};
use crate::findings::FindingsBuilder;
use crate::report::{self, Report, ScanInfo, Summary, Tool};
use crate::rules::{Confidence, RuleSet, RuleSources, Severity};
use crate::sources::worktree::{self, WorktreeOptions};

/// Default `--max-file-size`: larger files are skipped and counted.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 20 << 20;

/// Everything a working-tree scan needs, independent of the command line.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    pub root: PathBuf,
    pub rules: RuleSources,
    /// Explicit config file; otherwise `.nhiscan.yaml` in the root is used when present.
    pub config: Option<PathBuf>,
    pub no_ignore: bool,
    pub follow_symlinks: bool,
    pub threads: usize,
    pub max_file_size: Option<u64>,
    pub min_confidence: Confidence,
    pub fail_on: Option<Severity>,
    pub show_secrets: bool,
    /// Baseline file whose entries suppress matching findings (counted in the summary).
    pub baseline: Option<PathBuf>,
}

impl ScanSettings {
    pub fn new(root: impl Into<PathBuf>) -> ScanSettings {
        ScanSettings {
            root: root.into(),
            rules: RuleSources::default(),
            config: None,
            no_ignore: false,
            follow_symlinks: false,
            threads: 0,
            max_file_size: None,
            min_confidence: Confidence::Medium,
            fail_on: Some(Severity::Note),
            show_secrets: false,
            baseline: None,
        }
    }
}

/// Run a scan and build its report. Errors here are the fatal kind (exit 2): a missing path,
/// an unreadable or invalid config, a bad rule file.
pub fn run(s: &ScanSettings) -> Result<Report> {
    let started = Instant::now();
    let config_path = match &s.config {
        Some(p) => Some(p.clone()),
        None => {
            let p = s.root.join(config::CONFIG_FILE);
            p.is_file().then_some(p)
        }
    };
    let cfg = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let mut sources = s.rules.clone();
    sources.paths.extend(cfg.rules.paths.iter().cloned());
    sources.disable.extend(cfg.rules.disable.iter().cloned());
    let rules = Arc::new(RuleSet::load(&sources)?);
    let allowlist = Allowlist::new(&cfg.allowlist.regexes, &cfg.allowlist.stopwords)
        .map_err(anyhow::Error::msg)
        .with_context(|| config_name(&config_path))?;
    let path_allowlist = cfg
        .path_globs()
        .map_err(anyhow::Error::msg)
        .with_context(|| config_name(&config_path))?;
    let engine = Engine::new(
        rules.clone(),
        EngineOptions {
            min_confidence: s.min_confidence,
            placeholders: Placeholders::builtin(),
            allowlist,
        },
    );
    let threads = if s.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        s.threads
    };
    let opts = WorktreeOptions {
        root: s.root.clone(),
        no_ignore: s.no_ignore,
        follow_symlinks: s.follow_symlinks,
        threads,
        max_file_size: s
            .max_file_size
            .or(cfg.max_file_size.map(|b| b.0))
            .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        path_allowlist,
    };
    let scanned = worktree::scan(&engine, &opts)?;
    let mut builder = FindingsBuilder::default();
    for (path, id) in &scanned.occurrences {
        builder.add(path, &scanned.matches[id]);
    }
    let mut findings = builder.finish(&rules, s.show_secrets);
    for f in &mut findings {
        f.verdicts = vec![crate::policy::unregistered()];
    }
    let baseline = match &s.baseline {
        Some(p) => {
            let b = Baseline::load(p)?;
            let today = super::output::today();
            Some(baseline::apply(
                &mut findings,
                &b,
                &p.display().to_string(),
                today,
            ))
        }
        None => None,
    };
    let failing = match s.fail_on {
        Some(level) => findings.iter().filter(|f| f.severity >= level).count(),
        None => 0,
    };
    Ok(Report {
        schema_version: report::SCHEMA_VERSION,
        tool: Tool::default(),
        scan: ScanInfo {
            source: "worktree",
            root: s.root.display().to_string(),
            rules: rules.rules.len(),
        },
        summary: Summary {
            findings: findings.len(),
            locations: findings.iter().map(|f| f.locations.len()).sum(),
            failing,
            stats: scanned.stats,
            duration_ms: started.elapsed().as_millis() as u64,
        },
        findings,
        errors: scanned.errors,
        baseline,
        rules,
    })
}

fn config_name(p: &Option<PathBuf>) -> String {
    p.as_ref()
        .map_or_else(|| "config".to_string(), |p| p.display().to_string())
}

/// Exit code for a finished scan: findings that fail the policy win over per-file errors.
pub fn exit_code(report: &Report) -> i32 {
    if report.summary.failing > 0 {
        EXIT_FINDINGS
    } else if report.summary.stats.errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

pub fn main(args: ScanArgs) -> Result<i32> {
    let max_file_size = args
        .max_file_size
        .as_deref()
        .map(config::parse_size)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let settings = ScanSettings {
        root: args.path.clone(),
        rules: RuleSources {
            no_builtin: args.rules.no_builtin,
            paths: args.rules.rules.clone(),
            disable: args.rules.disable.clone(),
            compile_all: false,
        },
        config: args.config.clone(),
        no_ignore: args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        threads: args.threads.unwrap_or(0),
        max_file_size,
        min_confidence: args.confidence,
        fail_on: args.fail_on.threshold(),
        show_secrets: args.show_secrets,
        baseline: args.outputs.baseline.clone(),
    };
    let report = run(&settings)?;
    let stdout = std::io::stdout();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && stdout.is_terminal(),
    };
    let outputs = Outputs {
        stdout: args.format,
        files: args.outputs.clone(),
        color,
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    };
    write_all(&report, &args.path, &outputs, &mut stdout.lock())?;
    let err_color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
        }
    };
    report::text::summary(
        &report,
        report::text::Style { color: err_color },
        std::io::stderr(),
    )?;
    Ok(exit_code(&report))
}
