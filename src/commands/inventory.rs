//! `nhiscan inventory check`, `nhiscan inventory add` and `nhiscan inventory import`.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::cli::{ImportFrom, InventoryAddArgs, InventoryCommand, InventoryImportArgs, ListFormat};
use crate::github::secrets::SecretsOf;
use crate::inventory::import::{self as imp, Evidence, Kind};
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
        InventoryCommand::Import(args) => import(&args),
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
    all.extend(check::used_before_created(&loaded));
    all.extend(check::unknown_providers(&loaded, &opts.providers));
    all.extend(check::retire_by(&loaded, opts.now));
    all.extend(check::tiers(&loaded));
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
                "inventory check: {}, {}",
                crate::words::count(identities, "identity", "identities"),
                crate::words::count(problems.len(), "problem", "problems")
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
        criticality: None,
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
        retire_by: None,
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

fn read_export(path: &Path) -> Result<(String, String)> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("{file}: cannot read"))?;
    Ok((file, text))
}

/// The evidence `--from` names, from its file(s) or read live.
fn evidence(a: &InventoryImportArgs) -> Result<(Kind, String, Vec<Evidence>)> {
    let kind = match a.from {
        ImportFrom::GithubSecrets => Kind::GithubSecrets,
        ImportFrom::GcpKeys => Kind::GcpKeys,
        ImportFrom::AwsCredentialReport => Kind::AwsCredentialReport,
        ImportFrom::VaultToken => Kind::VaultToken,
    };
    if a.live {
        if kind != Kind::GithubSecrets {
            bail!("--live reads github-secrets only");
        }
        let (of, source) = match (&a.repo, &a.org) {
            (Some(r), _) => {
                if r.split('/').count() != 2 || r.split('/').any(str::is_empty) {
                    bail!("--repo `{r}`: expected OWNER/NAME");
                }
                (SecretsOf::Repo(r.clone()), format!("repository {r}"))
            }
            (None, Some(o)) => (SecretsOf::Org(o.clone()), format!("organization {o}")),
            (None, None) => bail!("--live needs --repo OWNER/NAME or --org ORG"),
        };
        let token = std::env::var(&a.token_env)
            .ok()
            .filter(|t| !t.is_empty())
            .with_context(|| format!("--live: no token in ${}", a.token_env))?;
        let api_url = a
            .api_url
            .clone()
            .or_else(|| std::env::var("GITHUB_API_URL").ok())
            .unwrap_or_else(|| "https://api.github.com".to_string());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let secrets = rt.block_on(crate::github::secrets::list(&api_url, &token, &of))?;
        return Ok((kind, source, imp::github_secrets::evidence(secrets)));
    }
    let path = a.file.as_deref().context("an export FILE is needed")?;
    let (file, text) = read_export(path)?;
    let ev = match kind {
        Kind::GithubSecrets => imp::github_secrets::parse(&file, &text)?,
        Kind::GcpKeys => imp::gcp::parse(&file, &text)?,
        Kind::VaultToken => imp::vault::parse(&file, &text)?,
        Kind::AwsCredentialReport => {
            let keys = a
                .access_keys
                .iter()
                .map(|p| read_export(p))
                .collect::<Result<Vec<_>>>()?;
            imp::aws::parse(&file, &text, &keys)?
        }
    };
    Ok((kind, file, ev))
}

fn import(a: &InventoryImportArgs) -> Result<i32> {
    if !a.access_keys.is_empty() && a.from != ImportFrom::AwsCredentialReport {
        bail!("--access-keys goes with --from aws-credential-report");
    }
    let inv_file = a.inventory.display().to_string();
    let before = std::fs::read_to_string(&a.inventory)
        .with_context(|| format!("{inv_file}: cannot read inventory"))?;
    let loaded = inventory::parse(&inv_file, &before);
    if let Some(e) = loaded.errors.first() {
        bail!("{e} (fix the inventory before importing into it)");
    }
    let (kind, source, ev) = evidence(a)?;
    let plan = imp::plan(
        &loaded.inventory,
        &ev,
        imp::Options {
            write_status: a.write_status,
        },
    );
    let mut text = imp::apply(&before, &plan).map_err(|e| anyhow!("{inv_file}: {e}"))?;
    let mut added = Vec::new();
    if a.add_unregistered {
        let mut taken = loaded
            .inventory
            .identities
            .iter()
            .map(|i| i.id.clone())
            .collect();
        for e in &plan.unregistered {
            let stub = imp::stub(e, &mut taken);
            text =
                edit::add_identity(Some(&text), &stub).map_err(|e| anyhow!("{inv_file}: {e}"))?;
            added.push((stub.id, e.label.clone()));
        }
    }
    let after = inventory::parse(&inv_file, &text);
    if let Some(e) = after.errors.first() {
        bail!("the imported evidence would make the inventory invalid: {e}");
    }
    let n = plan.changes.len() + added.len();
    let changes = crate::words::count(n, "change", "changes");
    let write = !a.dry_run && text != before;
    if write {
        imp::write_atomic(&a.inventory, &text)
            .with_context(|| format!("{inv_file}: cannot write"))?;
    }
    let mut out = std::io::stdout().lock();
    if a.format == ListFormat::Json {
        let summary = ImportSummary {
            inventory: &inv_file,
            kind: kind.as_str(),
            source: &source,
            credentials: ev.len(),
            matched: plan.matched,
            changes: plan
                .changes
                .iter()
                .map(|c| ImportChange {
                    identity: &c.identity,
                    field: c.field,
                    old: c.old.as_deref(),
                    new: &c.new,
                })
                .collect(),
            notes: plan
                .notes
                .iter()
                .map(|(identity, note)| ImportNote { identity, note })
                .collect(),
            unregistered: plan
                .unregistered
                .iter()
                .map(|e| ImportUnregistered {
                    name: &e.label,
                    stub: added
                        .iter()
                        .find(|(_, l)| *l == e.label)
                        .map(|(id, _)| id.as_str()),
                })
                .collect(),
            dry_run: a.dry_run,
            written: write,
        };
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(EXIT_CLEAN);
    }
    writeln!(
        out,
        "inventory import: {} from {source}: {}, {} matched",
        kind.as_str(),
        crate::words::count(ev.len(), "credential", "credentials"),
        crate::words::count(plan.matched, "identity", "identities")
    )?;
    for c in &plan.changes {
        writeln!(out, "  {c}")?;
    }
    for (id, note) in &plan.notes {
        writeln!(out, "  {id}: {note}")?;
    }
    for e in &plan.unregistered {
        let added = added.iter().find(|(_, l)| *l == e.label);
        match added {
            Some((id, _)) => writeln!(out, "  unregistered: {} (stub `{id}` added)", e.label)?,
            None => writeln!(out, "  unregistered: {}", e.label)?,
        }
    }
    if a.dry_run {
        write!(out, "{}", imp::line_diff(&inv_file, &before, &text))?;
        writeln!(out, "dry run: {changes}, nothing written")?;
    } else if !write {
        writeln!(out, "{inv_file}: up to date")?;
    } else {
        writeln!(out, "wrote {inv_file}: {changes}")?;
    }
    Ok(EXIT_CLEAN)
}

/// `inventory import -f json`: what the import changed (or, with `--dry-run`, would change).
#[derive(Serialize)]
struct ImportSummary<'a> {
    inventory: &'a str,
    kind: &'static str,
    /// The export file, or the repository or organization read live.
    source: &'a str,
    /// Credentials the export lists.
    credentials: usize,
    /// Identities some of them matched.
    matched: usize,
    /// Fields written, old -> new (`old` null when the field was not set).
    changes: Vec<ImportChange<'a>>,
    /// Evidence that changed nothing (older than the record, a suggestion not written).
    notes: Vec<ImportNote<'a>>,
    /// Credentials no identity registers, with the stub `--add-unregistered` wrote.
    unregistered: Vec<ImportUnregistered<'a>>,
    dry_run: bool,
    /// Whether the inventory file was rewritten.
    written: bool,
}

#[derive(Serialize)]
struct ImportChange<'a> {
    identity: &'a str,
    field: &'static str,
    old: Option<&'a str>,
    new: &'a str,
}

#[derive(Serialize)]
struct ImportNote<'a> {
    identity: &'a str,
    note: &'a str,
}

#[derive(Serialize)]
struct ImportUnregistered<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stub: Option<&'a str>,
}
