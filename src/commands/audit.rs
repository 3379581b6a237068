//! `nhiscan audit PATH`: the governance review of the whole inventory against one scan.

use std::io::Write;

use anyhow::{bail, Result};

use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::{AuditArgs, AuditFormat};
use crate::inventory::Inventory;
use crate::report::audit;
use crate::scan::{self, ScanSettings};

pub fn main(args: AuditArgs) -> Result<i32> {
    let settings = ScanSettings {
        rules: args.rules.sources(false),
        config: args.config.clone(),
        no_ignore: args.no_ignore,
        fail_on: args.fail_on.threshold(),
        inventory: args.inventory.clone(),
        now: args.now,
        git: args.git_mode(),
        fingerprint_key: args
            .fingerprint_key_env
            .as_deref()
            .map(super::fingerprint_key)
            .transpose()?,
        ..ScanSettings::new(&args.path)
    };
    let owners = match &args.owners {
        Some(p) => {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("{name}: cannot read the owners export: {e}"))?;
            Some(crate::policy::Owners::parse(&name, &text).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        None => None,
    };
    let outcome = scan::ScanPlan::resolve(&settings)?.run()?;
    let inventory_failed = super::scan::inventory_failure(&outcome);
    let scan::Outcome {
        report,
        inventory: loaded,
    } = outcome;
    let Some(loaded) = loaded else {
        bail!(
            "no inventory: pass --inventory PATH, set `inventory:` in .nhiscan.yaml, or create {} in {}",
            crate::inventory::INVENTORY_FILE,
            args.path.display()
        );
    };
    let now = scan::today(args.now);
    let errors = report.summary.stats.errors;
    // An inventory with problems is reviewed as an empty one: its errors are in the document,
    // and the run is an error.
    let empty;
    let inv = if inventory_failed.is_some() {
        empty = Inventory {
            source: loaded.inventory.source.clone(),
            ..Default::default()
        };
        &empty
    } else {
        &loaded.inventory
    };
    let run_errors = report.run_errors.clone();
    let previous = match &args.since {
        Some(p) => Some((
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| {
                anyhow::anyhow!("{}: cannot read the previous audit: {e}", p.display())
            })?,
        )),
        None => None,
    };
    let mut r = audit::build(report, inv, now, settings.fail_on, owners.as_ref());
    if let Some((name, text)) = &previous {
        r.since = Some(audit::since(name, text, &r).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        AuditFormat::Text => audit::text(&r, &mut out)?,
        AuditFormat::Json => audit::json(&r, &mut out)?,
        AuditFormat::Markdown => audit::markdown(&r, &mut out)?,
        AuditFormat::Sarif => audit::sarif(&r, &mut out)?,
    }
    out.flush()?;
    for e in &r.errors {
        let label = if run_errors.contains(&e.path) {
            "error"
        } else {
            "warning"
        };
        eprintln!("{label}: {}: {}", e.path, e.message);
    }
    if let Some(msg) = &inventory_failed {
        eprintln!("nhiscan: error: {msg}");
        return Ok(EXIT_ERROR);
    }
    Ok(if r.summary.failing > 0 {
        EXIT_FINDINGS
    } else if errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    })
}
