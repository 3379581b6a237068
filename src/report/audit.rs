//! The audit document (`nhiscan audit`): every identity of the inventory with where it was
//! found, its usage and its review, plus the findings no identity covers. Rendered as text,
//! JSON or Markdown; only redacted secrets ever reach it.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{Report, ScanInfo, Tool};
use crate::findings::{Finding, Location, VerdictKind};
use crate::inventory::Inventory;
use crate::policy::{self, IdentityAudit, Sightings, StateKind, Usage, Verdict};
use crate::rules::Severity;
use crate::sources::ScanError;
use crate::words::count;

/// Version of the audit JSON schema (documented in the README).
pub const AUDIT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct AuditReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub scan: ScanInfo,
    pub inventory: String,
    /// The owners export given with `--owners`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners: Option<String>,
    pub now: jiff::civil::Date,
    pub summary: AuditSummary,
    pub identities: Vec<AuditedIdentity>,
    /// Findings no identity covers (or that several claim).
    pub uncovered: Vec<Uncovered>,
    /// Secrets pipelines read that no identity lists in `ci_secrets` (warnings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unregistered_ci_secrets: Vec<crate::policy::pipelines::UnregisteredCiSecret>,
    /// The risky pipeline patterns the scan reports (each with the identity its CI secrets
    /// belong to, when one does): whatever `scan` fails on, the audit lists and counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pipeline_risks: Vec<PipelineRisk>,
    /// With `--since PREVIOUS.json`: what is new and what was resolved since that audit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Changes>,
    pub errors: Vec<ScanError>,
}

/// What changed since a previous audit: identity states and uncovered findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// The previous audit's file, as given.
    pub previous: String,
    pub new: Vec<Change>,
    pub resolved: Vec<Change>,
}

/// One identity state (`identity`, `state`), one uncovered finding (`fingerprint`,
/// `rule_id`) or one pipeline risk (`fingerprint`, `rule_id` and the workflow's `path`; its
/// fingerprint is the rule, file, job and subject, so a moved line is no change).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Change {
    fn describe(&self) -> String {
        match (
            &self.identity,
            &self.state,
            &self.fingerprint,
            &self.rule_id,
            &self.path,
        ) {
            (Some(i), Some(s), _, _, _) => format!("{i}: {s}"),
            (_, _, Some(_), Some(r), Some(p)) => format!("pipeline risk {r} in {p}"),
            (_, _, Some(f), Some(r), None) => format!("uncovered {r} {f}"),
            _ => String::new(),
        }
    }
}

/// The parts of a previous audit JSON that `--since` compares.
#[derive(serde::Deserialize)]
struct PreviousAudit {
    identities: Vec<PreviousIdentity>,
    #[serde(default)]
    uncovered: Vec<PreviousUncovered>,
    #[serde(default)]
    pipeline_risks: Vec<PreviousRisk>,
}

#[derive(serde::Deserialize)]
struct PreviousRisk {
    fingerprint: String,
    rule_id: String,
    location: PreviousLocation,
}

#[derive(serde::Deserialize)]
struct PreviousLocation {
    path: String,
}

#[derive(serde::Deserialize)]
struct PreviousIdentity {
    id: String,
    states: Vec<PreviousState>,
}

#[derive(serde::Deserialize)]
struct PreviousState {
    state: String,
}

#[derive(serde::Deserialize)]
struct PreviousUncovered {
    fingerprint: String,
    rule_id: String,
}

/// Identity states, uncovered findings (fingerprint, rule) and pipeline risks (fingerprint,
/// rule, path) as changes, sorted.
fn changes_of(
    identities: &[(String, Vec<String>)],
    uncovered: &[(String, String)],
    risks: &[(String, String, String)],
) -> Vec<Change> {
    let mut out: Vec<Change> = identities
        .iter()
        .flat_map(|(id, states)| {
            states.iter().map(move |s| Change {
                identity: Some(id.clone()),
                state: Some(s.clone()),
                fingerprint: None,
                rule_id: None,
                path: None,
            })
        })
        .chain(uncovered.iter().map(|(f, r)| Change {
            identity: None,
            state: None,
            fingerprint: Some(f.clone()),
            rule_id: Some(r.clone()),
            path: None,
        }))
        .chain(risks.iter().map(|(f, r, p)| Change {
            identity: None,
            state: None,
            fingerprint: Some(f.clone()),
            rule_id: Some(r.clone()),
            path: Some(p.clone()),
        }))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Compare `r` with a previous audit's JSON (`text`, read from `name`): the states and
/// uncovered findings that are new, and those that were resolved. A file that is not an
/// audit JSON is a located error.
pub fn since(name: &str, text: &str, r: &AuditReport) -> Result<Changes, crate::yaml::Located> {
    let prev: PreviousAudit = serde_json::from_str(text).map_err(|e| {
        crate::yaml::Located::new(
            name,
            crate::yaml::Pos::new(e.line(), e.column()),
            format!(
                "not an audit JSON report (`nhiscan audit -f json`): {}",
                crate::secret::redact_quoted(&e.to_string())
            ),
        )
    })?;
    let before = changes_of(
        &prev
            .identities
            .into_iter()
            .map(|i| (i.id, i.states.into_iter().map(|s| s.state).collect()))
            .collect::<Vec<_>>(),
        &prev
            .uncovered
            .into_iter()
            .map(|u| (u.fingerprint, u.rule_id))
            .collect::<Vec<_>>(),
        &prev
            .pipeline_risks
            .into_iter()
            .map(|p| (p.fingerprint, p.rule_id, p.location.path))
            .collect::<Vec<_>>(),
    );
    let now = changes_of(
        &r.identities
            .iter()
            .map(|i| {
                (
                    i.id.clone(),
                    i.review
                        .states
                        .iter()
                        .map(|s| s.state.as_str().to_string())
                        .collect(),
                )
            })
            .collect::<Vec<_>>(),
        &r.uncovered
            .iter()
            .map(|u| (u.fingerprint.clone(), u.rule_id.clone()))
            .collect::<Vec<_>>(),
        &r.pipeline_risks
            .iter()
            .map(|p| {
                (
                    p.fingerprint.clone(),
                    p.rule_id.clone(),
                    p.location.path.clone(),
                )
            })
            .collect::<Vec<_>>(),
    );
    Ok(Changes {
        previous: name.to_string(),
        new: now
            .iter()
            .filter(|c| !before.contains(c))
            .cloned()
            .collect(),
        resolved: before
            .iter()
            .filter(|c| !now.contains(c))
            .cloned()
            .collect(),
    })
}

#[derive(Debug, Default, Serialize)]
pub struct AuditSummary {
    pub identities: usize,
    /// Identities whose credential the scan found.
    pub found: usize,
    /// Identities per state.
    pub states: BTreeMap<&'static str, usize>,
    /// Identities per decision.
    pub decisions: BTreeMap<&'static str, usize>,
    pub uncovered: usize,
    /// Risky pipeline patterns (`pipeline_risks`).
    #[serde(skip_serializing_if = "is_zero")]
    pub pipeline_risks: usize,
    /// Identities, uncovered findings, unregistered CI secrets and pipeline risks at or above
    /// `--fail-on`.
    pub failing: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Serialize)]
pub struct AuditedIdentity {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<jiff::civil::Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Where the scan found its credential.
    pub found: Vec<Found>,
    pub usage: Usage,
    #[serde(flatten)]
    pub review: IdentityAudit,
    /// Where the identity starts in the inventory file (1-based), for SARIF.
    #[serde(skip)]
    pub line: usize,
    #[serde(skip)]
    pub column: usize,
}

#[derive(Debug, Serialize)]
pub struct Found {
    pub rule_id: String,
    pub fingerprint: String,
    #[serde(flatten)]
    pub location: Location,
}

/// A risky pipeline pattern (`pipeline-*` rules): no secret, a place to fix.
#[derive(Debug, Serialize)]
pub struct PipelineRisk {
    pub rule_id: String,
    pub severity: Severity,
    pub owasp: String,
    pub message: String,
    pub fix: String,
    /// The identity whose `ci_secrets` the risk is about, and its owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub fingerprint: String,
    pub location: Location,
}

/// A finding that is a risky pipeline pattern rather than a credential.
fn is_pipeline_risk(f: &Finding) -> bool {
    f.provider == "ci" && f.attributes.contains_key("fix")
}

#[derive(Debug, Serialize)]
pub struct Uncovered {
    pub rule_id: String,
    pub fingerprint: String,
    pub redacted: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    pub locations: Vec<Location>,
    pub verdicts: Vec<Verdict>,
}

/// Build the audit document from a judged scan report and its inventory. Pure: `now` is
/// passed in. Usage is the inventory's own evidence plus the pipelines' references; ages are
/// counted as `scan` counts them (from the git history's first sighting when the scan read
/// history and the inventory records no date), and every credential the scan judged exposed
/// is `exposed` here too, so the audit fails wherever the scan does.
pub fn build(
    mut report: Report,
    inv: &Inventory,
    now: jiff::civil::Date,
    fail_on: Option<Severity>,
    owners: Option<&policy::Owners>,
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
            .filter(|f| !is_pipeline_risk(f) && f.identity.as_ref().is_some_and(|r| r.id == id.id))
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
        let mut exposed: Vec<String> = mine
            .iter()
            .filter(|f| f.verdicts.iter().any(|v| v.kind == VerdictKind::Exposed))
            .flat_map(|f| policy::outside_allowed(id, &f.locations))
            .collect();
        exposed.sort();
        exposed.dedup();
        let first_seen = mine
            .iter()
            .filter_map(|f| f.first_seen.as_deref()?.get(..10)?.parse().ok())
            .min();
        let seen = Sightings {
            found: found.len(),
            exposed,
            first_seen,
        };
        let mut usage = Usage::from_identity(id);
        if let Some(m) = &pipelines {
            usage.pipeline_refs = policy::pipelines::references(m, id);
            usage
                .pipeline_refs
                .extend(policy::pipelines::oidc_references(m, id));
        }
        let mut review = policy::audit_identity(id, &inv.policy, &usage, &seen, owners, now);
        if let Some(m) = &pipelines {
            policy::pipelines::unused_ci_secrets(m, id, &inv.policy, &usage, &mut review);
        }
        if !found.is_empty() {
            summary.found += 1;
        }
        for s in &review.states {
            *summary.states.entry(s.state.as_str()).or_insert(0) += 1;
        }
        *summary
            .decisions
            .entry(review.decision.as_str())
            .or_insert(0) += 1;
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
            environment: id.environment.clone(),
            expires: id.expires,
            approved_by: id.approved_by.clone(),
            ticket: id.ticket.clone(),
            scopes: id.scopes.clone(),
            found,
            usage,
            review,
            line: id.line,
            column: id.column,
        });
    }
    let (risks, credentials): (Vec<Finding>, Vec<Finding>) =
        report.findings.into_iter().partition(is_pipeline_risk);
    // Risky pipeline patterns are not credentials to account for, but `scan` fails on them:
    // listed, and counted at their rule's severity as `scan` counts them.
    let pipeline_risks: Vec<PipelineRisk> = risks
        .into_iter()
        .filter_map(|mut f| {
            // A risk is always at one place.
            let location = std::mem::take(&mut f.locations).into_iter().next()?;
            if fail_on.is_some_and(|level| f.severity >= level) {
                summary.failing += 1;
            }
            let attr = |f: &mut Finding, k: &str| f.attributes.remove(k).unwrap_or_default();
            Some(PipelineRisk {
                owasp: attr(&mut f, "owasp"),
                message: attr(&mut f, "message"),
                fix: attr(&mut f, "fix"),
                rule_id: f.rule_id,
                severity: f.severity,
                identity: f.identity.as_ref().map(|r| r.id.clone()),
                owner: f.identity.and_then(|r| r.owner),
                fingerprint: f.fingerprint,
                location,
            })
        })
        .collect();
    summary.pipeline_risks = pipeline_risks.len();
    let uncovered: Vec<Uncovered> = credentials
        .into_iter()
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
        .map(|m| policy::pipelines::unregistered(m, inv))
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
        owners: owners.map(|o| o.source.clone()),
        now,
        summary,
        identities,
        uncovered,
        unregistered_ci_secrets,
        pipeline_risks,
        since: None,
        errors: report.errors,
    }
}

pub fn json(r: &AuditReport, mut w: impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, r)?;
    writeln!(w)
}

fn states(i: &AuditedIdentity) -> String {
    if i.review.states.is_empty() {
        "ok".into()
    } else {
        i.review
            .states
            .iter()
            .map(|s| s.state.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn last_used(i: &AuditedIdentity) -> String {
    match (i.usage.last_used, i.review.days_since_use) {
        (Some(d), Some(0)) => format!("{d} (today)"),
        (Some(d), Some(n)) => format!("{d} ({} ago)", count(n, "day", "days")),
        _ if !i.usage.pipeline_refs.is_empty() => "referenced by a pipeline, unverified".into(),
        _ => "no evidence".into(),
    }
}

fn places(i: &AuditedIdentity) -> String {
    if i.found.is_empty() {
        "not found".into()
    } else {
        i.found
            .iter()
            .map(|f| format!("{}:{}", f.location.path, f.location.line))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The identities grouped by owner: owners in name order, those without one last; file order
/// within a group.
pub fn by_owner(r: &AuditReport) -> Vec<(Option<&str>, Vec<&AuditedIdentity>)> {
    let mut groups: BTreeMap<(bool, &str), Vec<&AuditedIdentity>> = BTreeMap::new();
    for i in &r.identities {
        let key = match i.owner.as_deref() {
            Some(o) => (false, o),
            None => (true, ""),
        };
        groups.entry(key).or_default().push(i);
    }
    groups
        .into_iter()
        .map(|((none, o), v)| ((!none).then_some(o), v))
        .collect()
}

fn totals(r: &AuditReport) -> String {
    let s = &r.summary;
    let risks = if s.pipeline_risks > 0 {
        format!(
            ", {}",
            count(s.pipeline_risks, "pipeline risk", "pipeline risks")
        )
    } else {
        String::new()
    };
    format!(
        "{}, {} found in the scan, {}{risks}, {} failing; decisions: {}",
        count(s.identities, "identity", "identities"),
        s.found,
        count(s.uncovered, "uncovered finding", "uncovered findings"),
        s.failing,
        s.decisions
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub fn text(r: &AuditReport, mut w: impl Write) -> std::io::Result<()> {
    writeln!(w, "audit of {} as of {}", r.inventory, r.now)?;
    for (owner, ids) in by_owner(r) {
        writeln!(w)?;
        writeln!(w, "== {} ==", owner.unwrap_or("(no owner)"))?;
        for i in ids {
            writeln!(w)?;
            writeln!(
                w,
                "{}  [{}]  {}  risk {}",
                i.id,
                i.review.decision,
                i.owner.as_deref().unwrap_or("(no owner)"),
                i.review.risk.score
            )?;
            writeln!(w, "  status:    {}", i.status)?;
            writeln!(w, "  found:     {}", places(i))?;
            writeln!(w, "  last used: {}", last_used(i))?;
            for s in &i.review.states {
                writeln!(
                    w,
                    "  {:<8} {} [{}]: {}",
                    s.severity.as_str(),
                    s.state.as_str(),
                    s.owasp,
                    s.message
                )?;
            }
            writeln!(w, "  -> {}", i.review.recommendation)?;
        }
    }
    if !r.uncovered.is_empty() {
        writeln!(w)?;
        writeln!(w, "not in the inventory:")?;
        for u in &r.uncovered {
            let at = u
                .locations
                .first()
                .map(|l| format!("{}:{}", l.path, l.line))
                .unwrap_or_default();
            let why = u.verdicts.first().map_or("", |v| v.message.as_str());
            writeln!(w, "  {at}  {}  {}  {why}", u.rule_id, u.redacted)?;
        }
    }
    if !r.unregistered_ci_secrets.is_empty() {
        writeln!(w)?;
        writeln!(w, "CI secrets no identity registers:")?;
        for u in &r.unregistered_ci_secrets {
            let at = u.used_by.first().map(|x| x.evidence()).unwrap_or_default();
            writeln!(
                w,
                "  warning  {}  read at {at} ({})",
                u.name,
                count(u.used_by.len() as i64, "read", "reads")
            )?;
        }
    }
    if !r.pipeline_risks.is_empty() {
        writeln!(w)?;
        writeln!(w, "pipeline risks:")?;
        for p in &r.pipeline_risks {
            let owner = match (&p.identity, &p.owner) {
                (Some(i), Some(o)) => format!(" (identity {i}, owner {o})"),
                (Some(i), None) => format!(" (identity {i})"),
                _ => String::new(),
            };
            writeln!(
                w,
                "  {:<8} {}:{}  {} [{}]: {}{owner}\n    fix: {}",
                p.severity.as_str(),
                p.location.path,
                p.location.line,
                p.rule_id,
                p.owasp,
                p.message,
                p.fix
            )?;
        }
    }
    if let Some(c) = &r.since {
        writeln!(w)?;
        writeln!(
            w,
            "since {}: {} new, {} resolved",
            c.previous,
            c.new.len(),
            c.resolved.len()
        )?;
        for x in &c.new {
            writeln!(w, "  new       {}", x.describe())?;
        }
        for x in &c.resolved {
            writeln!(w, "  resolved  {}", x.describe())?;
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", totals(r))
}

/// Markdown cells hold no `|` or newline of their own.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(r: &AuditReport, mut w: impl Write) -> std::io::Result<()> {
    writeln!(w, "# NHI governance audit\n")?;
    writeln!(
        w,
        "Inventory `{}`, scan of `{}`, as of {}.\n",
        r.inventory, r.scan.root, r.now
    )?;
    writeln!(w, "{}.", totals(r))?;
    if let Some(c) = &r.since {
        writeln!(w, "\n## Since `{}`\n", cell(&c.previous))?;
        writeln!(w, "{} new, {} resolved.\n", c.new.len(), c.resolved.len())?;
        for x in &c.new {
            writeln!(w, "- new: {}", cell(&x.describe()))?;
        }
        for x in &c.resolved {
            writeln!(w, "- resolved: {}", cell(&x.describe()))?;
        }
    }
    for (owner, ids) in by_owner(r) {
        match owner {
            Some(o) => writeln!(w, "\n## Owner: {}\n", cell(o))?,
            None => writeln!(w, "\n## No owner\n")?,
        }
        writeln!(
            w,
            "| identity | decision | risk | states | found | last used |"
        )?;
        writeln!(w, "| --- | --- | --- | --- | --- | --- |")?;
        for i in &ids {
            writeln!(
                w,
                "| `{}` | **{}** | {} | {} | {} | {} |",
                cell(&i.id),
                i.review.decision,
                i.review.risk.score,
                states(i),
                cell(&places(i)),
                last_used(i)
            )?;
        }
        writeln!(w)?;
        for i in &ids {
            writeln!(
                w,
                "- `{}` (**{}**): {}",
                cell(&i.id),
                i.review.decision,
                cell(&i.review.recommendation)
            )?;
            for s in &i.review.states {
                writeln!(
                    w,
                    "  - {} `{}` ({}): {}",
                    s.severity.as_str(),
                    s.state.as_str(),
                    s.owasp,
                    cell(&s.message)
                )?;
            }
        }
    }
    if !r.uncovered.is_empty() {
        writeln!(w, "\n## Findings no identity covers\n")?;
        writeln!(w, "| rule | secret | where | why |")?;
        writeln!(w, "| --- | --- | --- | --- |")?;
        for u in &r.uncovered {
            let at: Vec<String> = u
                .locations
                .iter()
                .map(|l| format!("{}:{}", l.path, l.line))
                .collect();
            writeln!(
                w,
                "| `{}` | `{}` | {} | {} |",
                u.rule_id,
                cell(&u.redacted),
                cell(&at.join(", ")),
                cell(u.verdicts.first().map_or("", |v| v.message.as_str()))
            )?;
        }
    }
    if !r.pipeline_risks.is_empty() {
        writeln!(w, "\n## Pipeline risks\n")?;
        writeln!(w, "| severity | rule | where | identity | risk | fix |")?;
        writeln!(w, "| --- | --- | --- | --- | --- | --- |")?;
        for p in &r.pipeline_risks {
            writeln!(
                w,
                "| {} | `{}` ({}) | {}:{} | {} | {} | {} |",
                p.severity.as_str(),
                p.rule_id,
                p.owasp,
                cell(&p.location.path),
                p.location.line,
                p.identity
                    .as_deref()
                    .map_or("-".to_string(), |i| format!("`{}`", cell(i))),
                cell(&p.message),
                cell(&p.fix)
            )?;
        }
    }
    if !r.unregistered_ci_secrets.is_empty() {
        writeln!(w, "\n## CI secrets no identity registers\n")?;
        writeln!(w, "| secret | read at |")?;
        writeln!(w, "| --- | --- |")?;
        for u in &r.unregistered_ci_secrets {
            let at: Vec<String> = u.used_by.iter().map(|x| x.evidence()).collect();
            writeln!(w, "| `{}` | {} |", cell(&u.name), cell(&at.join(", ")))?;
        }
    }
    Ok(())
}

/// `automationDetails.id` of the audit's SARIF run.
pub const AUDIT_RUN: &str = "nhiscan/audit/";

const AUDIT_STATES: &[StateKind] = &[
    StateKind::Exposed,
    StateKind::Stale,
    StateKind::Expiring,
    StateKind::Overdue,
    StateKind::Expired,
    StateKind::Ownerless,
    StateKind::RevokedStillReferenced,
    StateKind::Deprecated,
    StateKind::Orphaned,
    StateKind::OverPrivileged,
];

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        _ => "note",
    }
}

/// SARIF 2.1.0 of the audit: one run, a rule per state (`nhi-audit/STATE`), one result per
/// state of an identity, located where the credential was found (else at the identity in the
/// inventory), with the decision, the recommendation and the OWASP id. Never a secret.
pub fn sarif(r: &AuditReport, mut w: impl Write) -> std::io::Result<()> {
    use serde_json::json;
    let rules: Vec<serde_json::Value> = AUDIT_STATES
        .iter()
        .map(|k| {
            json!({
                "id": format!("nhi-audit/{}", k.as_str()),
                "name": k.as_str(),
                "shortDescription": {"text": format!("NHI audit state `{}`", k.as_str())},
                "helpUri": "https://owasp.org/www-project-non-human-identities-top-10/",
                "properties": {"tags": ["security", "nhi", k.owasp()]},
            })
        })
        .collect();
    let mut results = Vec::new();
    for i in &r.identities {
        let location = match i.found.first() {
            Some(f) => json!({"physicalLocation": {
                "artifactLocation": {"uri": super::sarif::uri(&f.location.path)},
                "region": {"startLine": f.location.line, "startColumn": f.location.column},
            }}),
            None => json!({"physicalLocation": {
                "artifactLocation": {"uri": super::sarif::uri(&r.inventory)},
                "region": {"startLine": i.line.max(1), "startColumn": i.column.max(1)},
            }}),
        };
        for s in &i.review.states {
            let index = AUDIT_STATES.iter().position(|k| *k == s.state).unwrap_or(0);
            results.push(json!({
                "ruleId": format!("nhi-audit/{}", s.state.as_str()),
                "ruleIndex": index,
                "level": level(s.severity),
                "message": {"text": format!(
                    "`{}` ({}): {}. Decision: {}; {}",
                    i.id,
                    i.owner.as_deref().unwrap_or("no owner"),
                    s.message,
                    i.review.decision,
                    i.review.recommendation
                )},
                "locations": [location.clone()],
                "partialFingerprints": {"nhiscanIdentity/v1": format!("{}/{}", i.id, s.state.as_str())},
                "properties": {"owasp": s.owasp, "identity": i.id, "decision": i.review.decision},
            }));
        }
    }
    // The pipeline risks, each under its own rule after the states'.
    let mut risk_rules: Vec<&str> = r
        .pipeline_risks
        .iter()
        .map(|p| p.rule_id.as_str())
        .collect();
    risk_rules.sort();
    risk_rules.dedup();
    let mut rules = rules;
    for id in &risk_rules {
        rules.push(json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": format!("Risky pipeline pattern `{id}`")},
            "helpUri": "https://owasp.org/www-project-non-human-identities-top-10/",
            "properties": {"tags": ["security", "nhi", "pipeline"]},
        }));
    }
    for p in &r.pipeline_risks {
        let index =
            AUDIT_STATES.len() + risk_rules.iter().position(|k| *k == p.rule_id).unwrap_or(0);
        let who = match (&p.identity, &p.owner) {
            (Some(i), Some(o)) => format!(" (identity `{i}`, owner {o})"),
            (Some(i), None) => format!(" (identity `{i}`)"),
            _ => String::new(),
        };
        results.push(json!({
            "ruleId": p.rule_id,
            "ruleIndex": index,
            "level": level(p.severity),
            "message": {"text": format!("{}{who}. Fix: {}", p.message, p.fix)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": super::sarif::uri(&p.location.path)},
                "region": {"startLine": p.location.line.max(1), "startColumn": p.location.column.max(1)},
            }}],
            "partialFingerprints": {"nhiscanRisk/v1": p.fingerprint},
            "properties": {"owasp": p.owasp, "identity": p.identity},
        }));
    }
    let log = json!({
        "$schema": serde_sarif::sarif::SCHEMA_URL,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": r.tool.name,
                "version": r.tool.version,
                "informationUri": "https://owasp.org/www-project-non-human-identities-top-10/",
                "rules": rules,
            }},
            "automationDetails": {"id": AUDIT_RUN},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut w, &log)?;
    writeln!(w)
}
