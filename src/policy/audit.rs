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
        }
    }

    /// The OWASP Non-Human Identities Top 10 (2025) risk this state maps to.
    pub fn owasp(self) -> &'static str {
        match self {
            StateKind::Exposed => "NHI2",
            StateKind::Stale | StateKind::Ownerless | StateKind::RevokedStillReferenced => "NHI1",
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
    /// No owner.
    AssignOwner,
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
        let (decision, recommendation) = decide(id, policy, &self.states, self.days_since_use);
        self.decision = decision;
        self.recommendation = recommendation;
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

/// `n` and the noun, singular or plural.
pub fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Review `id`: `usage` is the evidence of use, `seen` where the scan found it, `now` today.
pub fn audit_identity(
    id: &Identity,
    policy: &Policy,
    usage: &Usage,
    seen: &Sightings,
    now: Date,
) -> IdentityAudit {
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

    let period = i64::from(id.rotation_period(policy));
    if let (false, Some(b), Some(age)) = (expired, basis, age_days) {
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

    let mut review = IdentityAudit {
        decision: Decision::Keep,
        states,
        recommendation: String::new(),
        age_days,
        days_since_use,
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
    } else if has(StateKind::Expiring) {
        let e = id.expires.map(|e| e.to_string()).unwrap_or_default();
        (Decision::Renew, format!("renew it before {e}"))
    } else {
        let period = i64::from(id.rotation_period(policy));
        let mut rec = "keep it".to_string();
        if period > i64::from(policy.rotation_days) {
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
    // Whatever the decision leaves undone.
    if has(StateKind::Ownerless) && decision != Decision::AssignOwner {
        rec.push_str("; also name an owning team or person and a contact");
    }
    if has(StateKind::Expiring) && matches!(decision, Decision::AssignOwner) {
        let e = id.expires.map(|e| e.to_string()).unwrap_or_default();
        rec.push_str(&format!("; renew it before {e}"));
    }
    (decision, rec)
}
