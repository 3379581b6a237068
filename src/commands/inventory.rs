//! `nhiscan inventory check` and `nhiscan inventory add`.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::cli::{InventoryAddArgs, InventoryCommand, ListFormat};
use crate::inventory::{self, check, edit, InventoryError, RawIdentity, RawMatch};
use crate::policy::{key_ids_of, match_finding, MatchOutcome};
use crate::report::view::ReportView;

pub fn main(cmd: InventoryCommand) -> Result<i32> {
    match cmd {
        InventoryCommand::Check {
            path,
            inventory,
            format,
            now,
            report,
            config,
            rules,
        } => {
            let path = path
                .or(inventory)
                .unwrap_or_else(|| inventory::INVENTORY_FILE.into());
            let mut sources = rules.sources(false);
            if let Some(c) = &config {
                let cfg = crate::config::Config::load(c)?;
                sources.paths.extend(cfg.rules.paths.iter().cloned());
                sources.disable.extend(cfg.rules.disable.iter().cloned());
            }
            let set = crate::rules::RuleSet::load(&sources)?;
            let providers = set.rules.iter().map(|r| r.provider.clone()).collect();
            let probes = match &report {
                Some(r) => probes(&ReportView::read(r).map_err(anyhow::Error::msg)?),
                None => Vec::new(),
            };
            let opts = CheckOptions {
                now: crate::scan::today(now),
                providers,
                probes,
            };
            check(&path, &opts, format)
        }
        InventoryCommand::Add(args) => add(&args),
    }
}

#[derive(Serialize)]
struct CheckReport<'a> {
    inventory: String,
    identities: usize,
    problems: &'a [InventoryError],
}

/// What `inventory check` judges an inventory against beyond the file itself.
pub struct CheckOptions {
    pub now: jiff::civil::Date,
    /// Every provider slug of the loaded rule set.
    pub providers: std::collections::BTreeSet<String>,
    /// The findings of `--report`, as the policy's matcher sees them.
    pub probes: Vec<check::Probe>,
}

/// A report's findings as the inventory sees them: the key ids are the ones the policy
/// matches on (`policy::join::key_ids_of`), so the simulation is the scan's.
pub fn probes(report: &ReportView) -> Vec<check::Probe> {
    report
        .findings
        .iter()
        .map(|f| {
            let probe = f.probe();
            let at = f
                .locations
                .first()
                .map_or(String::new(), |l| format!(" at {}:{}", l.path, l.line));
            check::Probe {
                label: format!("finding `{}` {}{at}", f.rule_id, f.redacted),
                fingerprint: f.fingerprint.clone(),
                key_ids: key_ids_of(&probe).iter().map(|k| k.to_string()).collect(),
            }
        })
        .collect()
}

/// Every problem of an inventory file: invalid values, then lint (owners, dates, providers,
/// overlaps, ...), in file order.
pub fn problems(path: &Path, opts: &CheckOptions) -> Result<(usize, Vec<InventoryError>)> {
    let loaded = crate::scan::read_inventory(path)?;
    if loaded.malformed {
        // Not an inventory at all: an error (exit 2), not a problem found in one.
        let e = &loaded.errors[0];
        bail!("{e} (not a valid inventory file)");
    }
    let mut all = loaded.errors.clone();
    all.extend(inventory::lint(&loaded));
    all.extend(check::future_dates(&loaded, opts.now));
    all.extend(check::unknown_providers(&loaded, &opts.providers));
    all.extend(check::overlaps(&loaded, &opts.probes));
    all.sort_by(|a, b| (a.line, a.column, &a.message).cmp(&(b.line, b.column, &b.message)));
    all.dedup();
    Ok((loaded.inventory.identities.len(), all))
}

fn check(path: &Path, opts: &CheckOptions, format: ListFormat) -> Result<i32> {
    let (identities, problems) = problems(path, opts)?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let r = CheckReport {
                inventory: path.display().to_string(),
                identities,
                problems: &problems,
            };
            serde_json::to_writer_pretty(&mut out, &r)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            writeln!(
                out,
                "inventory check: {identities} identities, {} problem{}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(if problems.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}

/// The identity entry for the finding with `fingerprint` in a JSON report: fingerprint and
/// non-secret identifiers only (a report made with `--show-secrets` still gives no secret).
pub fn entry_from_report(report: &ReportView, a: &InventoryAddArgs) -> Result<RawIdentity> {
    if !inventory::is_fingerprint(&a.fingerprint) {
        bail!(
            "--fingerprint `{}`: expected `sha256:` and 64 lower-case hex digits",
            a.fingerprint
        );
    }
    let f = report.finding(&a.fingerprint).ok_or_else(|| {
        anyhow!(
            "no finding with fingerprint {} in the report",
            a.fingerprint
        )
    })?;
    let rule = f.rule_id.clone();
    let mut key_ids: Vec<String> = f.key_id.iter().cloned().collect();
    if let Some(k) = f.attribute("private_key_id") {
        key_ids.push(k.to_string());
    }
    let date = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string());
    Ok(RawIdentity {
        id: a
            .id
            .clone()
            .unwrap_or_else(|| format!("{rule}-{}", &a.fingerprint[7..15])),
        kind: f.kind.clone(),
        provider: f.provider.clone(),
        owner: a.owner.clone(),
        contact: a.contact.clone(),
        purpose: a.purpose.clone(),
        environment: a.environment.clone(),
        created: date(a.created),
        last_rotated: date(a.last_rotated),
        expires: date(a.expires),
        rotation_days: a.rotation_days,
        status: None,
        approved_by: a.approved_by.clone(),
        ticket: a.ticket.clone(),
        scopes: a.scopes.clone(),
        offboarding: Vec::new(),
        last_used: None,
        r#match: Some(RawMatch {
            fingerprints: vec![a.fingerprint.clone()],
            key_ids,
            ci_secrets: a.ci_secrets.clone(),
            paths: a.paths.clone(),
        }),
    })
}

fn add(a: &InventoryAddArgs) -> Result<i32> {
    let report = ReportView::read(&a.report).map_err(anyhow::Error::msg)?;
    let entry = entry_from_report(&report, a)?;
    let file = a.inventory.display().to_string();
    let existing = if a.inventory.exists() {
        Some(
            std::fs::read_to_string(&a.inventory)
                .with_context(|| format!("{file}: cannot read inventory"))?,
        )
    } else {
        None
    };
    let before = existing.as_deref().map(|t| inventory::parse(&file, t));
    if let Some(b) = &before {
        if let Some(e) = b.errors.first() {
            bail!("{e} (fix the inventory before adding to it)");
        }
        // Whatever the scan would match it to (fingerprint, key id, allowed path) already
        // registers it: a second identity would only make its matches ambiguous.
        let finding = report
            .finding(&a.fingerprint)
            .ok_or_else(|| anyhow!("no finding with fingerprint {}", a.fingerprint))?
            .probe();
        let ids = &b.inventory.identities;
        match match_finding(&b.inventory, &finding) {
            MatchOutcome::None => {}
            MatchOutcome::One(i, by) => bail!(
                "{file}:{}:{}: {} is already registered as `{}` (matched by {}): update that identity instead",
                ids[i].line,
                ids[i].column,
                a.fingerprint,
                ids[i].id,
                by.as_str()
            ),
            MatchOutcome::Ambiguous(is, by) => bail!(
                "{file}:{}:{}: {} is already matched by {} identities ({}, by {}): fix the inventory first (`nhiscan inventory check`)",
                ids[is[0]].line,
                ids[is[0]].column,
                a.fingerprint,
                is.len(),
                is.iter().map(|&i| format!("`{}`", ids[i].id)).collect::<Vec<_>>().join(", "),
                by.as_str()
            ),
        }
        if let Some(other) = b.inventory.identities.iter().find(|i| i.id == entry.id) {
            bail!(
                "{file}:{}:{}: an identity `{}` exists already: choose another --id",
                other.line,
                other.column,
                entry.id
            );
        }
    }
    let text =
        edit::add_identity(existing.as_deref(), &entry).map_err(|e| anyhow!("{file}: {e}"))?;
    let after = inventory::parse(&file, &text);
    if let Some(e) = after.errors.first() {
        bail!("the new entry would make the inventory invalid: {e}");
    }
    if a.dry_run {
        print!("{text}");
    } else {
        std::fs::write(&a.inventory, &text).with_context(|| format!("{file}: cannot write"))?;
        eprintln!("nhiscan: registered `{}` in {file}", entry.id);
    }
    Ok(EXIT_CLEAN)
}
