//! The org report: every finding of a datastore, judged against an inventory when one is given
//! (verdicts are computed at report time, so a fixed inventory shows at once), grouped by
//! owner with time-to-resolve, with the secrets found in several repositories and the
//! identities found nowhere. Rendered as JSON (the contract of `docs/org-report.schema.json`),
//! Markdown, or SARIF (through the scan report's SARIF writer, paths prefixed by repository).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::Result;
use serde::Serialize;

use super::codeowners::CodeOwners;
use super::store::Store;
use crate::findings::{Finding, GitRef, Location};
use crate::inventory::Inventory;
use crate::rules::{RuleSet, Severity};

/// The org report's `schema_version`.
pub const ORG_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct OrgReport {
    pub schema_version: u32,
    pub tool: crate::report::Tool,
    pub summary: OrgSummary,
    pub findings: Vec<OrgFinding>,
    pub errors: Vec<RepoError>,
    pub owners: Vec<OwnerGroup>,
    /// Secrets found in more than one repository.
    pub shared: Vec<Shared>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub governance: Option<OrgGovernance>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct OrgSummary {
    pub repos: usize,
    /// Blobs read by the last run over each repository.
    pub blobs_scanned: u64,
    pub findings: usize,
    pub open: usize,
    pub resolved: usize,
    /// Findings at or above `--fail-on`.
    pub failing: usize,
    pub errors: usize,
}

impl OrgSummary {
    /// The one-line summary the text and Markdown reports share: `3 repositories, 2 findings
    /// (1 open, 1 resolved), 1 failing, 0 errors`.
    pub fn line(&self) -> String {
        format!(
            "{}, {} ({} open, {} resolved), {} failing, {}",
            crate::words::count(self.repos, "repository", "repositories"),
            crate::words::count(self.findings, "finding", "findings"),
            self.open,
            self.resolved,
            self.failing,
            crate::words::count(self.errors, "error", "errors")
        )
    }
}

/// Where an org finding stands: the datastore's `status` column (`open`, `resolved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingStatus {
    /// HEAD of its repository still holds it.
    Open,
    /// HEAD no longer holds it; its history does.
    Resolved,
}

impl FindingStatus {
    /// The datastore's value (anything but `resolved` is open, as the schema's default says).
    fn from_column(s: &str) -> FindingStatus {
        if s == "resolved" {
            FindingStatus::Resolved
        } else {
            FindingStatus::Open
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Resolved => "resolved",
        }
    }
}

impl std::fmt::Display for FindingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Serialize)]
pub struct OrgFinding {
    pub repo: String,
    /// `open` while HEAD holds it, else `resolved` (it is still in history: rotate it).
    pub status: FindingStatus,
    pub resolved_at: Option<String>,
    /// The repository's CODEOWNERS owners of its first location (HEAD's CODEOWNERS file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codeowners: Vec<String>,
    #[serde(flatten)]
    pub finding: Finding,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RepoError {
    pub repo: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct OwnerGroup {
    /// The inventory owner, else the CODEOWNERS owners (space-separated), else `(unowned)`.
    pub owner: String,
    /// Where the owner comes from.
    pub source: OwnerSource,
    pub findings: usize,
    pub open: usize,
    pub resolved: usize,
    /// Mean days from `first_seen` to `resolved_at` over the resolved findings.
    pub mean_days_to_resolve: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerSource {
    Inventory,
    Codeowners,
    None,
}

#[derive(Debug, Serialize)]
pub struct Shared {
    pub rule_id: String,
    pub fingerprint: String,
    pub redacted: String,
    pub repos: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OrgGovernance {
    pub inventory: String,
    pub now: jiff::civil::Date,
    pub identities: usize,
    pub matched: usize,
    /// Inventory identities no finding of any repository matched.
    pub not_found: Vec<String>,
}

/// Build the report of a datastore; with `repo`, of that one repository only.
pub fn build(
    store: &Store,
    inventory: Option<&Inventory>,
    now: jiff::civil::Date,
    fail_on: Option<Severity>,
    repo: Option<&str>,
) -> Result<OrgReport> {
    let (rows, mut findings): (Vec<_>, Vec<Finding>) = load(store)?
        .into_iter()
        .filter(|(name, ..)| repo.is_none_or(|r| r == name))
        .map(|(repo, status, resolved, f)| ((repo, status, resolved), f))
        .unzip();
    let seen: BTreeMap<String, jiff::civil::Date> = {
        let mut m: BTreeMap<String, jiff::civil::Date> = BTreeMap::new();
        for f in &findings {
            if let Some(d) = f
                .first_seen
                .as_deref()
                .and_then(|d| d.get(..10)?.parse().ok())
            {
                let e = m.entry(f.fingerprint.clone()).or_insert(d);
                *e = (*e).min(d);
            }
        }
        m
    };
    crate::policy::judge(&mut findings, inventory, &|fp| seen.get(fp).copied(), now);
    let judged = inventory.is_some();
    let failing = fail_on.map_or(0, |level| {
        findings
            .iter()
            .filter(|f| crate::policy::fail_severity(f, judged) >= level)
            .count()
    });
    let owners_files = codeowners(store)?;
    let out: Vec<OrgFinding> = rows
        .into_iter()
        .zip(findings)
        .map(|((repo, status, resolved_at), finding)| OrgFinding {
            codeowners: match (owners_files.get(&repo), finding.locations.first()) {
                (Some(c), Some(l)) => c.of(&l.path).to_vec(),
                _ => Vec::new(),
            },
            repo,
            status,
            resolved_at,
            finding,
        })
        .collect();
    let (repos, blobs_scanned, errors) = repo_rows(store, repo)?;
    let governance = inventory.map(|inv| {
        let matched: BTreeSet<&str> = out
            .iter()
            .filter_map(|f| f.finding.identity.as_ref().map(|i| i.id.as_str()))
            .collect();
        OrgGovernance {
            inventory: inv.source.clone(),
            now,
            identities: inv.identities.len(),
            matched: matched.len(),
            not_found: inv
                .identities
                .iter()
                .filter(|i| !matched.contains(i.id.as_str()))
                .map(|i| i.id.clone())
                .collect(),
        }
    });
    Ok(OrgReport {
        schema_version: ORG_SCHEMA_VERSION,
        tool: crate::report::Tool::default(),
        summary: OrgSummary {
            repos,
            blobs_scanned,
            findings: out.len(),
            open: out
                .iter()
                .filter(|f| f.status == FindingStatus::Open)
                .count(),
            resolved: out
                .iter()
                .filter(|f| f.status == FindingStatus::Resolved)
                .count(),
            failing,
            errors: errors.len(),
        },
        owners: owners(&out),
        shared: shared(&out),
        findings: out,
        errors,
        governance,
    })
}

type Row = (String, FindingStatus, Option<String>, Finding);

/// Replace every fingerprint of `r` by its keyed form (`--fingerprint-key-env`), once the
/// inventory has been matched on the plain ones.
pub fn key_fingerprints(r: &mut OrgReport, key: &crate::secret::FingerprintKey) {
    for f in &mut r.findings {
        f.finding.fingerprint = crate::secret::keyed_fingerprint(key, &f.finding.fingerprint);
    }
    for s in &mut r.shared {
        s.fingerprint = crate::secret::keyed_fingerprint(key, &s.fingerprint);
    }
}

/// Every finding of the store with its repository, status and `resolved_at`, sorted by
/// repository, first location, rule and fingerprint.
fn load(store: &Store) -> Result<Vec<Row>> {
    let mut st = store.conn.prepare(
        "SELECT f.id, r.name, f.rule_id, f.rule_name, f.provider, f.kind, f.severity,
         f.confidence, f.fingerprint, f.redacted, f.key_id, f.attributes, f.first_seen,
         f.last_seen, f.present_at_head, f.status, f.resolved_at, f.confidence_reason
         FROM findings f JOIN repos r ON r.id = f.repo_id",
    )?;
    let mut locs = store.conn.prepare(
        "SELECT path, line, col, end_line, end_col, commit_id, author, date, time
         FROM locations WHERE finding_id = ?1",
    )?;
    let mut out = Vec::new();
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let e = |s: String| serde_json::Value::String(s);
        let mut locations: Vec<Location> = locs
            .query_map([id], |l| {
                let commit: Option<String> = l.get(5)?;
                Ok(Location {
                    path: l.get(0)?,
                    line: l.get::<_, i64>(1)? as usize,
                    column: l.get::<_, i64>(2)? as usize,
                    end_line: l.get::<_, i64>(3)? as usize,
                    end_column: l.get::<_, i64>(4)? as usize,
                    git: match commit {
                        Some(commit) => Some(GitRef {
                            commit,
                            author: l.get::<_, Option<String>>(6)?.unwrap_or_default(),
                            date: l.get::<_, Option<String>>(7)?.unwrap_or_default(),
                            time: l.get::<_, Option<i64>>(8)?.unwrap_or_default(),
                        }),
                        None => None,
                    },
                    attributes: Default::default(),
                })
            })?
            .collect::<Result<_, _>>()?;
        locations.sort();
        locations.dedup();
        let status: String = r.get(15)?;
        let finding = Finding {
            rule_id: r.get(2)?,
            rule_name: r.get(3)?,
            provider: r.get(4)?,
            kind: serde_json::from_value(e(r.get(5)?))?,
            severity: serde_json::from_value(e(r.get(6)?))?,
            confidence: serde_json::from_value(e(r.get(7)?))?,
            confidence_reason: r.get(17)?,
            fingerprint: r.get(8)?,
            redacted: r.get(9)?,
            secret: None,
            key_id: r.get(10)?,
            attributes: serde_json::from_str(&r.get::<_, String>(11)?)?,
            locations,
            first_seen: r.get(12)?,
            last_seen: r.get(13)?,
            present_at_head: Some(r.get::<_, i64>(14)? != 0),
            verdicts: Vec::new(),
            identity: None,
        };
        let status = FindingStatus::from_column(&status);
        out.push((r.get(1)?, status, r.get(16)?, finding));
    }
    out.sort_by(|a, b| {
        (&a.0, a.3.locations.first(), &a.3.rule_id, &a.3.fingerprint).cmp(&(
            &b.0,
            b.3.locations.first(),
            &b.3.rule_id,
            &b.3.fingerprint,
        ))
    });
    Ok(out)
}

/// Each repository's CODEOWNERS, parsed.
fn codeowners(store: &Store) -> Result<BTreeMap<String, CodeOwners>> {
    let mut st = store
        .conn
        .prepare("SELECT name, codeowners FROM repos WHERE codeowners IS NOT NULL")?;
    let rows: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .map(|(name, text)| (name, CodeOwners::parse(&text)))
        .collect())
}

/// Every repository's name, sorted.
pub fn repo_names(store: &Store) -> Result<Vec<String>> {
    let mut st = store.conn.prepare("SELECT name FROM repos ORDER BY name")?;
    let names = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(names)
}

/// Repositories (all, or `only`), blobs read by their last runs, and the repositories whose
/// last run failed.
fn repo_rows(store: &Store, only: Option<&str>) -> Result<(usize, u64, Vec<RepoError>)> {
    let mut st = store
        .conn
        .prepare("SELECT name, blobs_scanned, error FROM repos ORDER BY name")?;
    let rows: Vec<(String, i64, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .filter(|r| {
            r.as_ref()
                .map_or(true, |(name, ..)| only.is_none_or(|o| o == name))
        })
        .collect::<Result<_, _>>()?;
    let blobs = rows.iter().map(|r| r.1 as u64).sum();
    let errors = rows
        .iter()
        .filter_map(|r| {
            r.2.as_ref().map(|m| RepoError {
                repo: r.0.clone(),
                message: m.clone(),
            })
        })
        .collect();
    Ok((rows.len(), blobs, errors))
}

/// Findings per owner: the inventory's, else CODEOWNERS', else none.
fn owners(findings: &[OrgFinding]) -> Vec<OwnerGroup> {
    let mut by: BTreeMap<(String, OwnerSource), Vec<&OrgFinding>> = BTreeMap::new();
    for f in findings {
        let key = match f.finding.identity.as_ref().and_then(|i| i.owner.clone()) {
            Some(o) => (o, OwnerSource::Inventory),
            None if !f.codeowners.is_empty() => (f.codeowners.join(" "), OwnerSource::Codeowners),
            None => ("(unowned)".into(), OwnerSource::None),
        };
        by.entry(key).or_default().push(f);
    }
    by.into_iter()
        .map(|((owner, source), fs)| {
            let days: Vec<i64> = fs
                .iter()
                .filter_map(|f| {
                    let a = date(f.finding.first_seen.as_deref()?)?;
                    let b = date(f.resolved_at.as_deref()?)?;
                    Some(crate::policy::days_between(a, b))
                })
                .collect();
            OwnerGroup {
                owner,
                source,
                findings: fs.len(),
                open: fs
                    .iter()
                    .filter(|f| f.status == FindingStatus::Open)
                    .count(),
                resolved: fs
                    .iter()
                    .filter(|f| f.status == FindingStatus::Resolved)
                    .count(),
                mean_days_to_resolve: (!days.is_empty())
                    .then(|| days.iter().sum::<i64>() as f64 / days.len() as f64),
            }
        })
        .collect()
}

fn date(s: &str) -> Option<jiff::civil::Date> {
    s.get(..10)?.parse().ok()
}

fn shared(findings: &[OrgFinding]) -> Vec<Shared> {
    let mut by: BTreeMap<(&str, &str), (&str, BTreeSet<&str>)> = BTreeMap::new();
    for f in findings {
        by.entry((&f.finding.rule_id, &f.finding.fingerprint))
            .or_insert((&f.finding.redacted, BTreeSet::new()))
            .1
            .insert(&f.repo);
    }
    by.into_iter()
        .filter(|(_, (_, repos))| repos.len() > 1)
        .map(|((rule, fp), (redacted, repos))| Shared {
            rule_id: rule.into(),
            fingerprint: fp.into(),
            redacted: redacted.into(),
            repos: repos.into_iter().map(str::to_string).collect(),
        })
        .collect()
}

/// The Markdown report: summary, owners, findings (redacted only).
pub fn markdown(r: &OrgReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let m = &r.summary;
    let _ = writeln!(s, "## nhiscan org report\n");
    let _ = writeln!(s, "{}.\n", m.line());
    if !r.owners.is_empty() {
        let _ = writeln!(
            s,
            "| owner | findings | open | resolved | mean days to resolve |"
        );
        let _ = writeln!(s, "| --- | ---: | ---: | ---: | ---: |");
        for o in &r.owners {
            let days = o
                .mean_days_to_resolve
                .map_or("–".to_string(), |d| format!("{d:.1}"));
            let _ = writeln!(
                s,
                "| {}{} | {} | {} | {} | {days} |",
                cell(&o.owner),
                if o.source == OwnerSource::Codeowners {
                    " (CODEOWNERS)"
                } else {
                    ""
                },
                o.findings,
                o.open,
                o.resolved
            );
        }
        let _ = writeln!(s);
    }
    if !r.findings.is_empty() {
        let _ = writeln!(
            s,
            "| repository | rule | secret | status | first seen | where |"
        );
        let _ = writeln!(s, "| --- | --- | --- | --- | --- | --- |");
        for f in &r.findings {
            let place = f
                .finding
                .locations
                .first()
                .map_or(String::new(), |l| format!("{}:{}", l.path, l.line));
            let _ = writeln!(
                s,
                "| {} | {} | `{}` | {} | {} | {} |",
                cell(&f.repo),
                cell(&f.finding.rule_id),
                f.finding.redacted.replace('`', "'"),
                f.status,
                f.finding
                    .first_seen
                    .as_deref()
                    .and_then(|d| d.get(..10))
                    .unwrap_or(""),
                cell(&place)
            );
        }
        let _ = writeln!(s);
    }
    if !r.shared.is_empty() {
        let _ = writeln!(s, "**Found in several repositories:**\n");
        for x in &r.shared {
            let _ = writeln!(
                s,
                "- `{}` ({}): {}",
                x.redacted,
                x.rule_id,
                x.repos.join(", ")
            );
        }
        let _ = writeln!(s);
    }
    if let Some(g) = r.governance.as_ref().filter(|g| !g.not_found.is_empty()) {
        let _ = writeln!(
            s,
            "**Identities found nowhere:** {}\n",
            g.not_found.join(", ")
        );
    }
    for e in &r.errors {
        let _ = writeln!(s, "- error: {}: {}", cell(&e.repo), cell(&e.message));
    }
    s
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as a scan report (paths `repo/path`) for the SARIF writer.
pub fn as_scan_report(r: &OrgReport, rules: Arc<RuleSet>) -> crate::report::Report {
    let findings: Vec<Finding> = r
        .findings
        .iter()
        .map(|f| {
            let mut x = f.finding.clone();
            for l in &mut x.locations {
                l.path = format!("{}/{}", f.repo, l.path);
            }
            x
        })
        .collect();
    crate::report::Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: crate::report::Tool::default(),
        scan: crate::report::ScanInfo {
            source: crate::sources::SourceKind::Git,
            root: ".".into(),
            rules: rules.rules.len(),
        },
        summary: crate::report::Summary {
            findings: findings.len(),
            locations: findings.iter().map(|f| f.locations.len()).sum(),
            failing: r.summary.failing,
            stats: Default::default(),
            duration_ms: 0,
        },
        findings,
        errors: Vec::new(),
        run_errors: Vec::new(),
        notes: Vec::new(),
        governance: None,
        pipelines: None,
        baseline: None,
        rules,
    }
}
