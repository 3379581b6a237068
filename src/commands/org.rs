//! `nhiscan org scan|merge|report`: wiring only (see `crate::org`).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::{OrgCommand, OrgFormat, OrgReportOptions, OrgScanArgs};
use crate::github::repos::{self as gh, Owner};
use crate::org::{self, report, store::Store, OrgSettings, RepoSpec};

pub fn main(cmd: OrgCommand) -> Result<i32> {
    match cmd {
        OrgCommand::Scan(args) => scan(*args),
        OrgCommand::Merge { datastore, inputs } => {
            let inputs: Vec<&std::path::Path> = inputs.iter().map(|p| p.as_path()).collect();
            org::merge::merge(&datastore, &inputs)?;
            Ok(EXIT_CLEAN)
        }
        OrgCommand::Report(args) => {
            if !args.datastore.is_file() {
                bail!("{}: no such datastore", args.datastore.display());
            }
            let store = Store::open(&args.datastore)?;
            render(&store, &args.report, None)
        }
    }
}

fn scan(args: OrgScanArgs) -> Result<i32> {
    let token = std::env::var(&args.token_env)
        .ok()
        .filter(|t| !t.is_empty());
    let repos = match (&args.repos, &args.github_org, &args.github_user) {
        (Some(file), _, _) => org::repos::read_list(file)?,
        (None, org, user) => {
            let owner = match (org, user) {
                (Some(o), _) => Owner::Org(o.clone()),
                (None, Some(u)) => Owner::User(u.clone()),
                (None, None) => bail!("give --repos, --github-org or --github-user"),
            };
            listed(&owner, token.as_deref(), &args)?
        }
    };
    let max_file_size = args
        .max_file_size
        .as_deref()
        .map(crate::config::parse_size)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let cache = match &args.cache {
        Some(c) => c.clone(),
        None => dirs::cache_dir()
            .context("no cache directory for this user: give --cache")?
            .join("nhiscan")
            .join("repos"),
    };
    let settings = OrgSettings {
        repos,
        cache,
        datastore: args.datastore.clone(),
        token,
        jobs: args.jobs,
        threads: 0,
        shard: args.shard,
        rules: args.rules.sources(false),
        config: args.config.clone(),
        min_confidence: args.confidence,
        max_file_size,
    };
    // TLS for https remotes (the git transport's client brings no crypto provider of its own).
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Ctrl-C: no repository is started after it, the ones under way are written, and the
    // next run resumes. A second Ctrl-C stops at once (each repository is one transaction).
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_ERROR);
        }
    });
    let bar = super::progress::OrgBar::new(super::progress::wanted(args.quiet));
    let run = org::scan(&settings, &interrupt, &bar)?;
    for (repo, message) in &run.errors {
        eprintln!("nhiscan: {repo}: {message}");
    }
    if run.rescanned > 0 {
        eprintln!(
            "nhiscan: the rules or detection settings changed since the last run: {} read in \
             full again{}",
            crate::words::count(run.rescanned, "repository", "repositories"),
            match run.dropped_findings {
                0 => String::new(),
                n => format!(
                    "; {} no longer reported, dropped",
                    crate::words::count(n, "finding", "findings")
                ),
            }
        );
    }
    if run.interrupted > 0 {
        eprintln!(
            "nhiscan: interrupted: {} not scanned; the next run resumes",
            crate::words::count(run.interrupted, "repository", "repositories")
        );
    }
    eprintln!(
        "nhiscan: {} ({} checked, {} failed), {} scanned, {}",
        crate::words::count(run.repos, "repository", "repositories"),
        run.ok,
        run.errors.len(),
        crate::words::count(run.blobs_scanned, "blob", "blobs"),
        crate::words::count(run.new_findings, "new finding", "new findings")
    );
    let store = Store::open(&args.datastore)?;
    let code = render(&store, &args.report, Some(run.blobs_scanned))?;
    if run.interrupted > 0 || (run.repos > 0 && run.ok == 0) {
        return Ok(EXIT_ERROR);
    }
    Ok(code)
}

/// The repositories of a GitHub owner, archived ones and forks left out unless asked.
fn listed(owner: &Owner, token: Option<&str>, args: &OrgScanArgs) -> Result<Vec<RepoSpec>> {
    let api = std::env::var("GITHUB_API_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "https://api.github.com".into());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let all = rt
        .block_on(gh::list(&api, token.unwrap_or(""), owner))
        .map_err(|e| anyhow::anyhow!(org::cache::scrub(&e.to_string(), token)))?;
    Ok(all
        .into_iter()
        .filter(|r| args.include_archived || !r.archived)
        .filter(|r| args.include_forks || !r.fork)
        .map(|r| RepoSpec {
            name: r.full_name,
            url: r.clone_url,
            local: None,
        })
        .collect())
}

/// Print the datastore's report (and with `--per-repo`, write one per repository); the exit
/// code `--fail-on` gives.
fn render(store: &Store, o: &OrgReportOptions, blobs_this_run: Option<u64>) -> Result<i32> {
    let inventory = o
        .inventory
        .as_deref()
        .map(crate::scan::read_inventory)
        .transpose()?;
    let inventory = inventory.as_ref().map(|l| &l.inventory);
    let now = crate::scan::today(o.now);
    let key = o
        .fingerprint_key_env
        .as_deref()
        .map(super::fingerprint_key)
        .transpose()?;
    let build = |repo: Option<&str>| -> Result<report::OrgReport> {
        let mut r = report::build(store, inventory, now, o.fail_on.threshold(), repo)?;
        if let Some(key) = &key {
            report::key_fingerprints(&mut r, key);
        }
        Ok(r)
    };
    let mut r = build(o.repo.as_deref())?;
    if let Some(name) = o.repo.as_deref() {
        if r.summary.repos == 0 {
            bail!("{name}: no such repository in the datastore");
        }
    }
    if let Some(b) = blobs_this_run {
        r.summary.blobs_scanned = b;
    }
    if let Some(dir) = &o.per_repo {
        let ext = match o.format {
            OrgFormat::Json => "json",
            OrgFormat::Markdown => "md",
            OrgFormat::Sarif => "sarif",
            OrgFormat::Text => "txt",
        };
        let names = report::repo_names(store)?;
        for name in &names {
            let path = dir.join(format!("{}.{ext}", org::cache::safe_name(name)));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            );
            write_report(&build(Some(name))?, o.format, &mut file)?;
            file.flush()?;
        }
        eprintln!(
            "nhiscan: {} per-repository reports in {}",
            names.len(),
            dir.display()
        );
    }
    write_report(&r, o.format, &mut std::io::stdout().lock())?;
    Ok(if r.summary.failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn write_report(r: &report::OrgReport, format: OrgFormat, out: &mut dyn Write) -> Result<()> {
    match format {
        OrgFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, r)?;
            writeln!(out)?;
        }
        OrgFormat::Markdown => write!(out, "{}", report::markdown(r))?,
        OrgFormat::Sarif => {
            let rules = std::sync::Arc::new(crate::rules::RuleSet::load(&Default::default())?);
            let scan = report::as_scan_report(r, rules);
            crate::report::sarif::write(&scan, &Default::default(), &mut *out)?;
        }
        OrgFormat::Text => {
            for f in &r.findings {
                let l = f.finding.locations.first();
                writeln!(
                    out,
                    "{} {}:{} {} {} [{}] first seen {}",
                    f.repo,
                    l.map_or("", |l| l.path.as_str()),
                    l.map_or(0, |l| l.line),
                    f.finding.rule_id,
                    f.finding.redacted,
                    f.status,
                    f.finding.first_seen.as_deref().unwrap_or("-"),
                )?;
            }
            writeln!(out, "{}", r.summary.line())?;
        }
    }
    Ok(())
}
