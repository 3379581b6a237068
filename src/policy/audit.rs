//! The governance review of one identity: is it used, is it due, should it exist at all.
//!
//! Every state carries a severity and an OWASP NHI id; the identity gets one decision and one
//! recommendation, derived from its states so the two never disagree. Dated evidence
//! (`last_used`) outranks static references: a pipeline reading a secret is "referenced,
//! unverified", never proof of use, and no local reference is no proof of disuse either.

use jiff::civil::Date;
use serde::Serialize;

use super::lifecycle::{age_basis, days_between, Usage};
use crate::inventory::{Identity, Policy, Status};
use crate::rules::Severity;
use crate::words::count;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateKind {
    /// Found in the code or history outside its allowed paths (what `scan` calls `exposed`).
    Exposed,
    /// No usage evidence for `stale_after_days`: candidate for removal.
    Stale,
    /// Expires within `expiring_within_days`.
    Expiring,
    /// Older than its rotation period.
    Overdue,
    /// Past `expires`.
    Expired,
    /// No owner while the policy requires one.
    Ownerless,
    /// Revoked, yet found in the code or referenced by a pipeline.
    RevokedStillReferenced,
    /// `status: deprecated`: to be retired (by `retire_by`, when set).
    Deprecated,
    /// Its owner is gone: missing from the owners export, or an `offboarding` event happened.
    Orphaned,
    /// Holds admin-like scopes for its provider (`rules/policy/admin-scopes.yaml`).
    OverPrivileged,
}

impl StateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Exposed => "exposed",
            StateKind::Stale => "stale",
            StateKind::Expiring => "expiring",
            StateKind::Overdue => "overdue",
            StateKind::Expired => "expired",
            StateKind::Ownerless => "ownerless",
            StateKind::RevokedStillReferenced => "revoked-still-referenced",
            StateKind::Deprecated => "deprecated",
            StateKind::Orphaned => "orphaned",
            StateKind::OverPrivileged => "over-privileged",
        }
    }

    /// The OWASP Non-Human Identities Top 10 (2025) risk this state maps to.
    pub fn owasp(self) -> &'static str {
        match self {
            StateKind::Exposed => "NHI2",
            StateKind::Stale
            | StateKind::Ownerless
            | StateKind::RevokedStillReferenced
            | StateKind::Deprecated
            | StateKind::Orphaned => "NHI1",
            StateKind::OverPrivileged => "NHI5",
            StateKind::Expiring | StateKind::Overdue | StateKind::Expired => "NHI7",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct State {
    pub state: StateKind,
    pub severity: Severity,
    pub owasp: &'static str,
    pub message: String,
}

impl State {
    pub fn new(state: StateKind, severity: Severity, message: String) -> State {
        State {
            state,
            severity,
            owasp: state.owasp(),
            message,
        }
    }
}

/// What to do with an identity, from the most urgent of its states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Nothing is wrong.
    Keep,
    /// Stale: a candidate for removal.
    Remove,
    /// Past its rotation period.
    Rotate,
    /// Expired or expiring.
    Renew,
    /// No owner, or an owner who is gone.
    AssignOwner,
    /// Deprecated: retire it (by `retire_by`).
    Retire,
    /// Admin-like scopes: reduce them to what it needs.
    ReduceScopes,
    /// Exposed in the code or history: rotate it, and remove it from where it was found.
    RotateAndRemove,
    /// Revoked but still referenced.
    Purge,
    /// Revoked, nothing left.
    Retired,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::Remove => "remove",
            Decision::Rotate => "rotate",
            Decision::Renew => "renew",
            Decision::AssignOwner => "assign-owner",
            Decision::Retire => "retire",
            Decision::ReduceScopes => "reduce-scopes",
            Decision::RotateAndRemove => "rotate-and-remove",
            Decision::Purge => "purge",
            Decision::Retired => "retired",
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The review of one identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityAudit {
    pub decision: Decision,
    pub states: Vec<State>,
    /// One sentence that carries out the decision and addresses every state.
    pub recommendation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_since_use: Option<i64>,
    pub risk: Risk,
    /// How many places the scan found it (for the risk's exposure).
    #[serde(skip)]
    pub found: usize,
}

/// A documented risk score: exposure × privilege × age × evidence of use, each factor 1 (low)
/// to 3 (high), so the score runs from 1 to 81; 0 for a revoked identity nothing references.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub score: u32,
    /// 3 exposed (or revoked and still present), 2 found only where it may live, 1 not found.
    pub exposure: u32,
    /// 3 admin-like scopes, 2 scopes not recorded, 1 recorded and none admin-like.
    pub privilege: u32,
    /// 3 expired or past twice its rotation period, 2 overdue or of unknown age, 1 within its
    /// period (a workload identity has nothing to rotate: 1).
    pub age: u32,
    /// 3 stale, 2 no dated evidence (at most "referenced, unverified"), 1 used recently.
    pub usage: u32,
}

fn risk(
    id: &Identity,
    states: &[State],
    found: usize,
    days_since_use: Option<i64>,
    age_days: Option<i64>,
) -> Risk {
    let has = |k: StateKind| states.iter().any(|s| s.state == k);
    if id.status == Status::Revoked && states.is_empty() {
        return Risk::default();
    }
    let exposure = if has(StateKind::Exposed) || has(StateKind::RevokedStillReferenced) {
        3
    } else if found > 0 {
        2
    } else {
        1
    };
    let privilege = if has(StateKind::OverPrivileged) {
        3
    } else if id.scopes.is_empty() {
        2
    } else {
        1
    };
    let overdue_error = states
        .iter()
        .any(|s| s.state == StateKind::Overdue && s.severity == Severity::Error);
    let age = if has(StateKind::Expired) || overdue_error {
        3
    } else if has(StateKind::Overdue) || (age_days.is_none() && !is_workload_identity(id)) {
        2
    } else {
        1
    };
    let usage = if has(StateKind::Stale) {
        3
    } else if days_since_use.is_none() {
        2
    } else {
        1
    };
    Risk {
        score: exposure * privilege * age * usage,
        exposure,
        privilege,
        age,
        usage,
    }
}

impl IdentityAudit {
    pub fn severity(&self) -> Option<Severity> {
        self.states.iter().map(|s| s.severity).max()
    }
    pub fn has(&self, k: StateKind) -> bool {
        self.states.iter().any(|s| s.state == k)
    }
    /// Derive the decision and the recommendation from the states again (after a state was
    /// added from outside, e.g. by the pipelines' evidence).
    pub fn decide(&mut self, id: &Identity, policy: &Policy) {
        let policy = &policy.for_identity(id);
        let (decision, recommendation) = decide(id, policy, &self.states, self.days_since_use);
        self.decision = decision;
        self.recommendation = recommendation;
        self.risk = risk(
            id,
            &self.states,
            self.found,
            self.days_since_use,
            self.age_days,
        );
    }
}

/// Where the scan saw an identity's credential.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sightings {
    /// How many places the scan found it.
    pub found: usize,
    /// The places (`path:line`) outside its allowed paths.
    pub exposed: Vec<String>,
    /// The git history's first sighting, when the source is git history.
    pub first_seen: Option<Date>,
}

/// The people and teams that still exist, from an owners export (`audit --owners FILE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    /// The file it was read from, as given.
    pub source: String,
    pub names: std::collections::BTreeSet<String>,
}

impl Owners {
    /// Parse an owners export: a JSON array of names, or of objects with a `login` (GitHub's
    /// organisation members), `slug` (its teams) or `name`; otherwise one name per line, with
    /// blank lines and `#` comments ignored. A malformed JSON export is a located error.
    pub fn parse(source: &str, text: &str) -> Result<Owners, crate::yaml::Located> {
        let mut names = std::collections::BTreeSet::new();
        if text.trim_start().starts_with('[') {
            let v: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
                crate::yaml::Located::new(
                    source,
                    crate::yaml::Pos::new(e.line(), e.column()),
                    format!("not an owners export (a JSON array of names or of objects with `login`, `slug` or `name`): {e}"),
                )
            })?;
            for (i, item) in v.iter().enumerate() {
                let name = match item {
                    serde_json::Value::String(s) => Some(s.as_str()),
                    serde_json::Value::Object(o) => ["login", "slug", "name"]
                        .iter()
                        .find_map(|k| o.get(*k)?.as_str()),
                    _ => None,
                };
                match name {
                    Some(n) => {
                        names.insert(n.to_string());
                    }
                    None => {
                        return Err(crate::yaml::Located::whole_file(
                            source,
                            format!(
                                "item {i} of the owners export has no `login`, `slug` or `name`"
                            ),
                        ))
                    }
                }
            }
        } else {
            for line in text.lines() {
                let line = line.split('#').next().unwrap_or("").trim();
                if !line.is_empty() {
                    names.insert(line.to_string());
                }
            }
        }
        Ok(Owners {
            source: source.to_string(),
            names,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

/// The built-in admin-like scopes per provider, with where each provider documents them.
const ADMIN_SCOPES: &str = include_str!("../../rules/policy/admin-scopes.yaml");

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AdminScopes {
    #[allow(dead_code)] // Documentation for the reader of the data file.
    reference: String,
    scopes: Vec<String>,
}

/// The scopes of `id` that are admin-like for its provider.
pub fn admin_scopes(id: &Identity) -> Vec<String> {
    static TABLE: std::sync::OnceLock<std::collections::BTreeMap<String, AdminScopes>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        serde_yaml::from_str(ADMIN_SCOPES).expect("built-in admin-scopes.yaml parses")
    });
    let Some(list) = id.provider.as_deref().and_then(|p| table.get(p)) else {
        return Vec::new();
    };
    id.scopes
        .iter()
        .filter(|s| list.scopes.contains(s))
        .cloned()
        .collect()
}

/// `kind: workload_identity`: federated (OIDC), no secret to rotate.
pub fn is_workload_identity(id: &Identity) -> bool {
    id.kind.as_deref() == Some("workload_identity")
}

/// Review `id`: `usage` is the evidence of use, `seen` where the scan found it, `now` today.
pub fn audit_identity(
    id: &Identity,
    policy: &Policy,
    usage: &Usage,
    seen: &Sightings,
    owners: Option<&Owners>,
    now: Date,
) -> IdentityAudit {
    let policy = &policy.for_identity(id);
    let mut states = Vec::new();
    let basis = age_basis(id, seen.first_seen);
    let age_days = basis.map(|b| days_between(b.date(), now));
    let days_since_use = usage.last_used.map(|d| days_between(d, now));
    let refs = usage.pipeline_refs.len();

    if id.status == Status::Revoked {
        if seen.found > 0 || refs > 0 {
            states.push(State::new(
                StateKind::RevokedStillReferenced,
                Severity::Error,
                {
                    let mut parts = Vec::new();
                    if seen.found > 0 {
                        parts.push(format!(
                            "found in {} of the code",
                            count(seen.found as i64, "place", "places")
                        ));
                    }
                    if refs > 0 {
                        parts.push(format!(
                            "referenced by {}",
                            count(refs as i64, "pipeline job", "pipeline jobs")
                        ));
                    }
                    format!("revoked, but {}", parts.join(" and "))
                },
            ));
        }
        let mut review = IdentityAudit {
            decision: Decision::Keep,
            states,
            recommendation: String::new(),
            age_days,
            days_since_use,
            risk: Risk::default(),
            found: seen.found,
        };
        review.decide(id, policy);
        return review;
    }

    if !seen.exposed.is_empty() {
        let allowed = if id.matchers.paths.is_empty() {
            "no allowed paths are registered".to_string()
        } else {
            format!("allowed: {}", id.matchers.paths.join(", "))
        };
        states.push(State::new(
            StateKind::Exposed,
            Severity::Error,
            format!(
                "found outside its allowed paths at {} ({allowed})",
                seen.exposed.join(", ")
            ),
        ));
    }

    // Usage: dated evidence decides when there is any; a pipeline reference without it is
    // "referenced, unverified" (not stale, not proof of use); with neither, the newest date
    // the inventory knows stands in for the last sign of life.
    let threshold = i64::from(policy.stale_after_days);
    let stale = match (usage.last_used, basis) {
        (Some(d), _) => {
            let idle = days_between(d, now);
            (idle >= threshold).then(|| {
                let refs = if refs > 0 {
                    format!(
                        "; referenced by {}, which is no evidence of use",
                        count(refs as i64, "pipeline job", "pipeline jobs")
                    )
                } else {
                    String::new()
                };
                format!(
                    "no usage evidence for {} (last used {d}; stale after {}){refs}",
                    count(idle, "day", "days"),
                    count(threshold, "day", "days")
                )
            })
        }
        (None, _) if refs > 0 => None,
        (None, Some(b)) => {
            let idle = days_between(b.date(), now);
            (idle >= threshold).then(|| {
                format!(
                    "no usage evidence for {} ({} {}; stale after {})",
                    count(idle, "day", "days"),
                    b.label(),
                    b.date(),
                    count(threshold, "day", "days")
                )
            })
        }
        (None, None) => None,
    };
    if let Some(msg) = stale {
        states.push(State::new(StateKind::Stale, Severity::Warning, msg));
    }

    let mut expired = false;
    if let Some(e) = id.expires {
        let left = days_between(now, e);
        if left <= 0 {
            expired = true;
            let when = match -left {
                0 => "today".to_string(),
                n => format!("{} ago", count(n, "day", "days")),
            };
            states.push(State::new(
                StateKind::Expired,
                Severity::Error,
                format!("expired on {e} ({when})"),
            ));
        } else if left <= i64::from(policy.expiring_within_days) {
            states.push(State::new(
                StateKind::Expiring,
                Severity::Warning,
                format!("expires on {e}, in {}", count(left, "day", "days")),
            ));
        }
    }

    // A workload identity is federated: nothing to rotate.
    let period = i64::from(id.rotation_period(policy));
    let rotates = !is_workload_identity(id);
    if let (false, true, Some(b), Some(age)) = (expired, rotates, basis, age_days) {
        if age > period {
            let severity = if age > 2 * period {
                Severity::Error
            } else {
                Severity::Warning
            };
            states.push(State::new(
                StateKind::Overdue,
                severity,
                format!(
                    "{} since {} {}, rotation period {}",
                    count(age, "day", "days"),
                    b.label(),
                    b.date(),
                    count(period, "day", "days")
                ),
            ));
        }
    }

    if policy.require_owner && id.owner().is_none() {
        states.push(State::new(
            StateKind::Ownerless,
            Severity::Warning,
            "no owner".into(),
        ));
    }

    if let Some(o) = owners {
        let mut gone: Vec<String> = Vec::new();
        if let Some(owner) = id.owner().filter(|n| !o.has(n)) {
            gone.push(format!(
                "owner {owner} is not in the owners export {}",
                o.source
            ));
        }
        for event in &id.offboarding {
            let who = event.split_whitespace().next().unwrap_or("");
            if !who.is_empty() && !o.has(who) && Some(who) != id.owner() {
                gone.push(format!(
                    "offboarding event \"{event}\" happened ({who} is not in the owners export)"
                ));
            }
        }
        if !gone.is_empty() {
            states.push(State::new(
                StateKind::Orphaned,
                Severity::Warning,
                gone.join("; "),
            ));
        }
    }

    if id.status == Status::Deprecated {
        let (severity, message) = match id.retire_by {
            Some(d) => {
                let left = days_between(now, d);
                if left < 0 {
                    (
                        Severity::Error,
                        format!(
                            "deprecated, and past its retire_by date {d} ({} ago)",
                            count(-left, "day", "days")
                        ),
                    )
                } else {
                    let when = match left {
                        0 => "today".to_string(),
                        n => format!("in {}", count(n, "day", "days")),
                    };
                    (
                        Severity::Warning,
                        format!("deprecated: retire it by {d} ({when})"),
                    )
                }
            }
            None => (
                Severity::Warning,
                "deprecated, with no `retire_by` date".to_string(),
            ),
        };
        states.push(State::new(StateKind::Deprecated, severity, message));
    }

    let admin = admin_scopes(id);
    if !admin.is_empty() {
        states.push(State::new(
            StateKind::OverPrivileged,
            Severity::Warning,
            format!(
                "holds admin-like {} scopes: {}",
                id.provider.as_deref().unwrap_or(""),
                admin.join(", ")
            ),
        ));
    }

    let mut review = IdentityAudit {
        decision: Decision::Keep,
        states,
        recommendation: String::new(),
        age_days,
        days_since_use,
        risk: Risk::default(),
        found: seen.found,
    };
    review.decide(id, policy);
    review
}

/// The decision (the most urgent state's) and one recommendation that carries it out and
/// names what else the states ask for.
fn decide(
    id: &Identity,
    policy: &Policy,
    states: &[State],
    days_since_use: Option<i64>,
) -> (Decision, String) {
    let has = |k: StateKind| states.iter().any(|s| s.state == k);
    let owner = id.owner().unwrap_or("its requester");
    let ask = match id.contact.as_deref().or(id.owner()) {
        Some(c) => format!("ask {c} to "),
        None => String::new(),
    };
    if id.status == Status::Revoked {
        return if has(StateKind::RevokedStillReferenced) {
            (
                Decision::Purge,
                "delete every reference and purge it from the git history; confirm the revocation at the provider"
                    .into(),
            )
        } else {
            (
                Decision::Retired,
                "revoked and unreferenced: drop the entry when the audit trail no longer needs it"
                    .into(),
            )
        };
    }
    let scopes = if id.scopes.is_empty() {
        String::new()
    } else {
        format!(" (it holds scopes: {})", id.scopes.join(", "))
    };
    let (decision, mut rec) = if has(StateKind::Exposed) {
        if has(StateKind::Stale) {
            (
                Decision::RotateAndRemove,
                format!(
                    "{ask}revoke it and remove it from the code and the git history; it shows no recent use, so issue a replacement only if {owner} confirms a need{scopes}"
                ),
            )
        } else {
            (
                Decision::RotateAndRemove,
                format!(
                    "{ask}rotate it (issue a new credential, revoke this one, update `last_rotated`), then remove it from the code and the git history or move it to an allowed (sealed or encrypted) place"
                ),
            )
        }
    } else if has(StateKind::Stale) {
        (
            Decision::Remove,
            format!(
                "candidate for removal{scopes}: confirm with {owner} that nothing needs it, then revoke it and delete the entry"
            ),
        )
    } else if has(StateKind::Expired) {
        (
            Decision::Renew,
            "issue a new credential (or retire the identity) and update `expires`".into(),
        )
    } else if has(StateKind::Overdue) {
        (
            Decision::Rotate,
            "rotate it and update `last_rotated`".into(),
        )
    } else if has(StateKind::Ownerless) {
        (
            Decision::AssignOwner,
            "name an owning team or person and a contact".into(),
        )
    } else if has(StateKind::Orphaned) {
        (
            Decision::AssignOwner,
            "its owner is gone: name a new owning team or person and a contact, or retire it"
                .into(),
        )
    } else if has(StateKind::Deprecated) {
        let by = id.retire_by.map_or_else(
            || " and record `retire_by`".to_string(),
            |d| format!(" by {d}"),
        );
        (
            Decision::Retire,
            format!("retire it{by}: move its users off it, then revoke it and mark it `revoked`"),
        )
    } else if has(StateKind::OverPrivileged) {
        (
            Decision::ReduceScopes,
            format!(
                "reduce its scopes to what {} needs: {} are admin-like",
                id.purpose.as_deref().unwrap_or("it"),
                admin_scopes(id).join(", ")
            ),
        )
    } else if has(StateKind::Expiring) {
        let e = id.expires.map(|e| e.to_string()).unwrap_or_default();
        (Decision::Renew, format!("renew it before {e}"))
    } else {
        let period = i64::from(id.rotation_period(policy));
        let mut rec = "keep it".to_string();
        if is_workload_identity(id) {
            rec.push_str(": federated, nothing to rotate");
        } else if period > i64::from(policy.rotation_days) {
            rec.push_str(&format!(
                ": in use, but shorten its secret's lifetime: rotation every {period} days exceeds the policy's {} (prefer short-lived or federated credentials)",
                policy.rotation_days
            ));
        }
        if days_since_use.is_none() {
            rec.push_str("; record `last_used` (import usage evidence) so its use can be verified");
        }
        (Decision::Keep, rec)
    };
    // Whatever the decision leaves undone (removal and exposure subsume the rest).
    let removing = decision == Decision::Remove
        || (decision == Decision::RotateAndRemove && has(StateKind::Stale));
    if (has(StateKind::Ownerless) || has(StateKind::Orphaned)) && decision != Decision::AssignOwner
    {
        rec.push_str("; also name an owning team or person and a contact");
    }
    if has(StateKind::Deprecated) && !removing && decision != Decision::Retire {
        rec.push_str("; it is deprecated: retire it");
        if let Some(d) = id.retire_by {
            rec.push_str(&format!(" by {d}"));
        }
    }
    if has(StateKind::OverPrivileged) && !removing && decision != Decision::ReduceScopes {
        rec.push_str(&format!(
            "; also reduce its scopes ({} are admin-like)",
            admin_scopes(id).join(", ")
        ));
    }
    if has(StateKind::Expiring)
        && matches!(
            decision,
            Decision::AssignOwner | Decision::Retire | Decision::ReduceScopes
        )
    {
        let e = id.expires.map(|e| e.to_string()).unwrap_or_default();
        rec.push_str(&format!("; renew it before {e}"));
    }
    (decision, rec)
}
