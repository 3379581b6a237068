//! The library scan API: plain [`ScanSettings`] (no command line) resolve into a [`ScanPlan`]
//! (config merged, rule set, engine, source, inventory, baseline: every fatal error here), and
//! `plan.run()` walks the source once and returns the [`Report`]. The `scan`, `audit` and
//! `baseline` commands, the hook and org-wide scans are all this call plus a renderer.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use jiff::civil::Date;

use crate::config::{self, Config};
use crate::detect::filters::{Allowlist, Placeholders};
use crate::detect::{Engine, EngineOptions};
use crate::findings::baseline::{self, Baseline};
use crate::findings::FindingsBuilder;
use crate::inventory::{self, Loaded, INVENTORY_FILE};
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
    /// Report keyed fingerprints (`hmac-sha256:`) instead of plain SHA-256. The inventory and
    /// the baseline are still matched on the plain fingerprint, before the report is keyed.
    pub fingerprint_key: Option<crate::secret::FingerprintKey>,
    /// Counters a git history scan advances as it goes (a caller's progress bar reads them).
    pub progress: Option<std::sync::Arc<crate::sources::Progress>>,
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
            fingerprint_key: None,
            progress: None,
        }
    }
}

/// A scan resolved from its settings: config merged, rules loaded, engine built, source
/// chosen, inventory and baseline read. Every fatal error (exit 2) surfaces in
/// [`ScanPlan::resolve`], located; [`ScanPlan::run`] fails only when the source itself cannot
/// be read at all (a missing path, a revision that does not resolve).
pub struct ScanPlan {
    settings: ScanSettings,
    rules: Arc<RuleSet>,
    engine: Engine,
    opts: WorktreeOptions,
    inventory: Option<Loaded>,
    baseline: Option<(Baseline, String)>,
}

/// What a scan produced: its report, and the inventory it read (applied to the findings only
/// when it had no problem: see [`Outcome::inventory_errors`]).
pub struct Outcome {
    pub report: Report,
    pub inventory: Option<Loaded>,
}

impl Outcome {
    /// The problems of an inventory that was given but not applied (it did not parse or
    /// validate): the run is an error (exit 2) whatever it found.
    pub fn inventory_errors(&self) -> &[crate::inventory::InventoryError] {
        self.inventory.as_ref().map_or(&[], |l| &l.errors)
    }
}

/// Where an inventory problem is, as a report error's `path`: `file:line:column`, or the file
/// alone for a problem with the whole file.
fn located_path(e: &crate::inventory::InventoryError) -> String {
    e.at()
}

/// Resolve and run a scan: its report.
pub fn run(s: &ScanSettings) -> Result<Report> {
    Ok(ScanPlan::resolve(s)?.run()?.report)
}

impl ScanPlan {
    pub fn resolve(s: &ScanSettings) -> Result<ScanPlan> {
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
        let inventory = locate_inventory(&s.root, s.inventory.as_deref(), cfg.inventory.as_deref())
            .as_deref()
            .map(read_inventory)
            .transpose()?;
        let baseline = match &s.baseline {
            Some(p) => Some((Baseline::load(p)?, p.display().to_string())),
            None => None,
        };
        Ok(ScanPlan {
            settings: s.clone(),
            rules,
            engine,
            opts,
            inventory,
            baseline,
        })
    }

    /// The rules this plan scans with.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Walk the source once, detect, group, judge against the inventory, apply the baseline
    /// and count: the report.
    pub fn run(self) -> Result<Outcome> {
        let started = Instant::now();
        let ScanPlan {
            settings: s,
            rules,
            engine,
            opts,
            inventory,
            baseline: accepted,
        } = self;
        let s = &s;
        let mut builder = FindingsBuilder::default();
        let mut analyses = None;
        let mut git_pipelines = Vec::new();
        let (source, mut stats, mut errors, notes) = match &s.git {
            None => {
                let sink = crate::pipelines::Collector::default();
                let scanned = worktree::scan(Some(&engine), &sink, &opts)?;
                for (path, id) in &scanned.occurrences {
                    let kept =
                        crate::pipelines::drop_ci_databases(path, &scanned.matches[id], &rules);
                    builder.add(path, &kept);
                }
                let mut stats = scanned.stats;
                let mut pipelines = sink.analyses(&|rel| worktree::read(&opts, rel));
                for (_, a) in &mut pipelines {
                    stats.dropped.allowlisted += allowlisted(&engine, &mut a.hardcoded);
                }
                analyses = Some(pipelines);
                (
                    crate::sources::SourceKind::Worktree,
                    stats,
                    scanned.errors,
                    Vec::new(),
                )
            }
            Some(mode) => {
                let gopts = GitOptions {
                    repo: opts.root.clone(),
                    threads: opts.threads,
                    max_file_size: opts.max_file_size,
                    path_allowlist: opts.path_allowlist.clone(),
                    progress: s.progress.clone(),
                };
                let sink = crate::pipelines::Collector::default();
                let scanned = git::scan(&engine, &sink, &gopts, mode)?;
                for h in &scanned.hits {
                    let kept = crate::pipelines::drop_ci_databases(&h.path, &h.matches, &rules);
                    builder.add_git(&h.path, h.git.as_ref(), &h.presence, &kept);
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
        let now = today(s.now);
        // Git sources date each secret: the age of a registered credential without `created` or
        // `last_rotated` is counted from the first commit that exposed it.
        let mut first_seen: std::collections::HashMap<String, jiff::civil::Date> =
            Default::default();
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
        // An inventory with any problem is not applied: judged against half an inventory
        // (or none, when it does not parse) every finding would look unregistered or wrongly
        // dated. Its findings stay unjudged, its problems go to `errors`, the run exits 2.
        let applied = inventory
            .as_ref()
            .filter(|l| l.errors.is_empty())
            .map(|l| &l.inventory);
        if inventory.is_none() || applied.is_some() {
            policy::judge(
                &mut findings,
                applied,
                &|fp| first_seen.get(fp).copied(),
                now,
            );
        }
        if let Some(m) = &pipelines {
            crate::policy::add_risks(m, &mut findings, applied, now);
        }
        let mut run_errors = Vec::new();
        if let Some(l) = &inventory {
            for e in &l.errors {
                run_errors.push(located_path(e));
                errors.push(ScanError {
                    path: located_path(e),
                    message: e.message.clone(),
                });
                stats.errors += 1;
            }
        }
        // Accepted findings leave the report after they are judged (a baseline never hides a
        // verdict it was not written for: it matches rule and fingerprint only).
        let baseline = accepted.map(|(b, name)| baseline::apply(&mut findings, &b, &name, now));
        let judged = applied.is_some();
        let failing = match s.fail_on {
            Some(level) => findings
                .iter()
                .filter(|f| policy::fail_severity(f, judged) >= level)
                .count(),
            None => 0,
        };
        let governance = applied.map(|inv| Governance::new(inv, now, &findings));
        // Judged and matched on plain fingerprints; the report carries keyed ones.
        if let Some(key) = &s.fingerprint_key {
            for f in &mut findings {
                f.fingerprint = crate::secret::keyed_fingerprint(key, &f.fingerprint);
            }
        }
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
            run_errors,
        };
        Ok(Outcome { report, inventory })
    }
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

/// `--now DATE`, or today (UTC).
pub fn today(now: Option<Date>) -> Date {
    now.unwrap_or_else(|| {
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
    })
}

/// Which inventory a scan of `root` uses: `--inventory`, else `inventory:` in the config, else
/// `nhi-inventory.yaml` in the scanned directory when it exists.
pub fn locate_inventory(
    root: &Path,
    explicit: Option<&Path>,
    from_config: Option<&Path>,
) -> Option<PathBuf> {
    if let Some(p) = explicit.or(from_config) {
        return Some(p.to_path_buf());
    }
    let p = root.join(INVENTORY_FILE);
    (root.is_dir() && p.is_file()).then_some(p)
}

/// Read an inventory; a file that cannot be read at all is a fatal error, a file with problems
/// is returned with them (each names file, line and column).
pub fn read_inventory(path: &Path) -> Result<Loaded> {
    inventory::load(path).map_err(|e| anyhow!("{e}"))
}
