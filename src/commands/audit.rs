//! `nhiscan audit PATH`: the governance review of the whole inventory against one scan.

use std::io::Write;

use anyhow::{bail, Result};

use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::{AuditArgs, AuditFormat};
use crate::findings::Finding;
use crate::inventory::Inventory;
use crate::policy::{self, Usage};
use crate::report::audit::{
    self, AuditReport, AuditSummary, AuditedIdentity, Found, Uncovered, AUDIT_SCHEMA_VERSION,
};
use crate::report::{Report, Tool};
use crate::rules::Severity;
use crate::scan::{self, ScanSettings};

/// Build the audit document from a judged scan report and its inventory. Pure: `now` is
/// passed in; usage is the inventory's own evidence (pipelines add theirs later).
pub fn build(
    mut report: Report,
    inv: &Inventory,
    now: jiff::civil::Date,
    fail_on: Option<Severity>,
) -> AuditReport {
    let mut summary = AuditSummary {
        identities: inv.identities.len(),
        ..Default::default()
    };
    let pipelines = report.pipelines.take();
    let mut identities = Vec::new();
    for id in &inv.identities {
        let mine: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.identity.as_ref().is_some_and(|r| r.id == id.id))
            .collect();
        let mut found: Vec<Found> = mine
            .iter()
            .flat_map(|f| {
                f.locations.iter().map(|l| Found {
                    rule_id: f.rule_id.clone(),
                    fingerprint: f.fingerprint.clone(),
                    location: l.clone(),
                })
            })
            .collect();
        found.sort_by(|a, b| {
            (&a.location, &a.rule_id, &a.fingerprint).cmp(&(
                &b.location,
                &b.rule_id,
                &b.fingerprint,
            ))
        });
        let mut usage = Usage::from_identity(id);
        if let Some(m) = &pipelines {
            usage.pipeline_refs = crate::policy::pipelines::references(m, id);
        }
        let mut review = policy::audit_identity(id, &inv.policy, &usage, found.len(), None, now);
        if let Some(m) = &pipelines {
            crate::policy::pipelines::unused_ci_secrets(m, id, &usage, &mut review);
        }
        if !found.is_empty() {
            summary.found += 1;
        }
        for s in &review.states {
            *summary.states.entry(s.state.as_str()).or_insert(0) += 1;
        }
        *summary.decisions.entry(review.decision).or_insert(0) += 1;
        if let (Some(level), Some(sev)) = (fail_on, review.severity()) {
            if sev >= level {
                summary.failing += 1;
            }
        }
        identities.push(AuditedIdentity {
            id: id.id.clone(),
            owner: id.owner().map(str::to_string),
            contact: id.contact.clone(),
            purpose: id.purpose.clone(),
            status: id.status.as_str(),
            scopes: id.scopes.clone(),
            found,
            usage,
            review,
        });
    }
    let uncovered: Vec<Uncovered> = report
        .findings
        .into_iter()
        // Risky pipeline patterns carry no verdicts: they are not credentials to account for.
        .filter(|f| f.identity.is_none() && !f.verdicts.is_empty())
        .map(|f| {
            if let Some(level) = fail_on {
                if policy::fail_severity(&f, true) >= level {
                    summary.failing += 1;
                }
            }
            Uncovered {
                rule_id: f.rule_id,
                fingerprint: f.fingerprint,
                redacted: f.redacted,
                key_id: f.key_id,
                locations: f.locations,
                verdicts: f.verdicts,
            }
        })
        .collect();
    summary.uncovered = uncovered.len();
    let unregistered_ci_secrets = pipelines
        .as_ref()
        .map(|m| crate::policy::pipelines::unregistered(m, inv))
        .unwrap_or_default();
    if let Some(level) = fail_on {
        if Severity::Warning >= level {
            summary.failing += unregistered_ci_secrets.len();
        }
    }
    AuditReport {
        schema_version: AUDIT_SCHEMA_VERSION,
        tool: Tool::default(),
        scan: report.scan,
        inventory: inv.source.clone(),
        now,
        summary,
        identities,
        uncovered,
        unregistered_ci_secrets,
        errors: report.errors,
    }
}

pub fn main(args: AuditArgs) -> Result<i32> {
    let settings = ScanSettings {
        rules: args.rules.sources(false),
        config: args.config.clone(),
        no_ignore: args.no_ignore,
        fail_on: args.fail_on.threshold(),
        inventory: args.inventory.clone(),
        now: args.now,
        ..ScanSettings::new(&args.path)
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
    let r = build(report, inv, now, settings.fail_on);
    let mut out = std::io::stdout().lock();
    match args.format {
        AuditFormat::Text => audit::text(&r, &mut out)?,
        AuditFormat::Json => audit::json(&r, &mut out)?,
        AuditFormat::Markdown => audit::markdown(&r, &mut out)?,
    }
    out.flush()?;
    for e in &r.errors {
        eprintln!("warning: {}: {}", e.path, e.message);
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
