//! `nhiscan scan PATH`: walk, detect, group, report.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};

use super::governance;
use super::output::{write_all, Outputs};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::{ColorChoice, ScanArgs};
use crate::config::{self, Config};
use crate::detect::filters::{Allowlist, Placeholders};
use crate::detect::{Engine, EngineOptions};
use crate::findings::baseline::{self, Baseline};
use crate::findings::FindingsBuilder;
use crate::inventory::Loaded;
use crate::policy;
use crate::report::{self, Governance, Report, ScanInfo, Summary, Tool};
use crate::rules::{Confidence, RuleSet, RuleSources, Severity};
use crate::sources::git::{self, GitMode, GitOptions};
use crate::sources::worktree::{self, WorktreeOptions};
use crate::sources::ScanError;

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
    /// Governance inventory; otherwise `inventory:` in the config, else `nhi-inventory.yaml`
    /// in the root when present.
    pub inventory: Option<PathBuf>,
    /// Today, for verdicts (`--now`); `None` reads the clock.
    pub now: Option<jiff::civil::Date>,
    /// A git source instead of the working tree (`root` is then inside the repository).
    pub git: Option<GitMode>,
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
            inventory: None,
            now: None,
            git: None,
            baseline: None,
        }
    }
}

/// Run a scan and build its report. Errors here are the fatal kind (exit 2): a missing path,
/// an unreadable or invalid config, a bad rule file.
pub fn run(s: &ScanSettings) -> Result<Report> {
    run_with_inventory(s).map(|(r, _)| r)
}

/// [`run`], also returning the inventory it judged the findings by (for `audit`).
pub fn run_with_inventory(s: &ScanSettings) -> Result<(Report, Option<Loaded>)> {
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
    let inventory_path =
        governance::locate(&s.root, s.inventory.as_deref(), cfg.inventory.as_deref());
    let inventory = inventory_path
        .as_deref()
        .map(governance::read)
        .transpose()?;
    let mut builder = FindingsBuilder::default();
    let mut analyses = None;
    let mut git_pipelines = Vec::new();
    let (source, mut stats, mut errors, notes) = match &s.git {
        None => {
            let sink = crate::pipelines::Collector::default();
            let scanned = worktree::scan(Some(&engine), &sink, &opts)?;
            for (path, id) in &scanned.occurrences {
                builder.add(path, &scanned.matches[id]);
            }
            let mut stats = scanned.stats;
            let mut pipelines = sink.analyses(&|rel| worktree::read(&opts, rel));
            for (_, a) in &mut pipelines {
                stats.dropped.allowlisted += allowlisted(&engine, &mut a.hardcoded);
            }
            analyses = Some(pipelines);
            ("worktree", stats, scanned.errors, Vec::new())
        }
        Some(mode) => {
            let gopts = GitOptions {
                repo: opts.root.clone(),
                threads: opts.threads,
                max_file_size: opts.max_file_size,
                path_allowlist: opts.path_allowlist.clone(),
            };
            let sink = crate::pipelines::Collector::default();
            let scanned = git::scan(&engine, &sink, &gopts, mode)?;
            for h in &scanned.hits {
                builder.add_git(&h.path, h.git.as_ref(), &h.presence, &h.matches);
            }
            let mut stats = scanned.stats;
            git_pipelines = sink.git_hits();
            for h in &mut git_pipelines {
                stats.dropped.allowlisted += allowlisted(&engine, &mut h.found);
            }
            (mode.source(), stats, scanned.errors, scanned.notes)
        }
    };
    let mut findings = builder.finish(&rules, s.show_secrets);
    // Git sources: hardcoded pipeline credentials only (risks and the usage map are HEAD's).
    crate::pipelines::add_hardcoded(&git_pipelines, &mut findings, s.show_secrets);
    let pipelines = analyses.map(|a| {
        crate::pipelines::scan_into(a, &mut findings, &mut errors, &mut stats, s.show_secrets)
    });
    let now = governance::today(s.now);
    // Git sources date each secret: the age of a registered credential without `created` or
    // `last_rotated` is counted from the first commit that exposed it.
    let mut first_seen: std::collections::HashMap<String, jiff::civil::Date> = Default::default();
    for f in &findings {
        if let Some(d) = f
            .first_seen
            .as_deref()
            .and_then(|d| d.get(..10)?.parse().ok())
        {
            let e = first_seen.entry(f.fingerprint.clone()).or_insert(d);
            *e = (*e).min(d);
        }
    }
    policy::judge(
        &mut findings,
        inventory.as_ref().map(|l| &l.inventory),
        &|fp| first_seen.get(fp).copied(),
        now,
    );
    if let Some(m) = &pipelines {
        crate::policy::add_risks(
            m,
            &mut findings,
            inventory.as_ref().map(|l| &l.inventory),
            now,
        );
    }
    if let Some(l) = &inventory {
        // A bad inventory entry is an error of the run, like an unreadable file: reported,
        // counted, and the rest goes on.
        for e in &l.errors {
            errors.push(ScanError {
                path: format!("{}:{}:{}", e.file, e.line, e.column),
                message: e.message.clone(),
            });
            stats.errors += 1;
        }
    }
    // Accepted findings leave the report after they are judged (a baseline never hides a
    // verdict it was not written for: it matches rule and fingerprint only).
    let baseline = match &s.baseline {
        Some(p) => {
            let b = Baseline::load(p)?;
            Some(baseline::apply(
                &mut findings,
                &b,
                &p.display().to_string(),
                now,
            ))
        }
        None => None,
    };
    let judged = inventory.is_some();
    let failing = match s.fail_on {
        Some(level) => findings
            .iter()
            .filter(|f| policy::fail_severity(f, judged) >= level)
            .count(),
        None => 0,
    };
    let governance = inventory
        .as_ref()
        .map(|l| Governance::new(&l.inventory, now, &findings));
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        tool: Tool::default(),
        scan: ScanInfo {
            source,
            root: s.root.display().to_string(),
            rules: rules.rules.len(),
        },
        summary: Summary {
            findings: findings.len(),
            locations: findings.iter().map(|f| f.locations.len()).sum(),
            failing,
            stats,
            duration_ms: started.elapsed().as_millis() as u64,
        },
        findings,
        errors,
        governance,
        notes,
        pipelines,
        baseline,
        rules,
    };
    Ok((report, inventory))
}

/// Hardcoded pipeline credentials go through the config's allowlist like every rule's match;
/// how many it let pass.
fn allowlisted(engine: &Engine, found: &mut Vec<crate::pipelines::Hardcoded>) -> u64 {
    let before = found.len();
    found.retain(|h| !engine.allowlisted(h.secret.as_bytes()));
    (before - found.len()) as u64
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
        rules: args.rules.sources(false),
        config: args.config.clone(),
        no_ignore: args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        threads: args.threads.unwrap_or(0),
        max_file_size,
        min_confidence: args.confidence,
        fail_on: args.fail_on.threshold(),
        show_secrets: args.show_secrets,
        inventory: args.inventory.clone(),
        now: args.now,
        // As a hook (`--staged`), pre-commit's pre-push stage hands over the pushed range.
        git: if args.git.staged {
            Some(super::hook::staged_mode_from_env())
        } else {
            args.git.mode()
        },
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
    let code = exit_code(&report);
    if args.git.staged && code == EXIT_FINDINGS {
        super::hook::write_allow_hint(std::io::stderr())?;
    }
    Ok(code)
}
