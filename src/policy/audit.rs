//! The governance review of one identity: is it used, is it due, should it exist at all.

use jiff::civil::Date;
use serde::Serialize;

use super::lifecycle::{age_basis, days_between, Usage};
use crate::inventory::{Identity, Policy, Status};
use crate::rules::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateKind {
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
            StateKind::Stale => "stale",
            StateKind::Expiring => "expiring",
            StateKind::Overdue => "overdue",
            StateKind::Expired => "expired",
            StateKind::Ownerless => "ownerless",
            StateKind::RevokedStillReferenced => "revoked-still-referenced",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct State {
    pub state: StateKind,
    pub severity: Severity,
    pub message: String,
}

/// The review of one identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityAudit {
    /// `keep`, `remove` (candidate for removal), `rotate`, `renew`, `assign-owner`,
    /// `purge` (revoked but still referenced) or `retired` (revoked, nothing left).
    pub decision: &'static str,
    pub states: Vec<State>,
    pub recommendations: Vec<String>,
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
}

/// Review `id`: `found` is how many places the scan found its credential, `usage` the evidence
/// of use, `first_seen` the git history's first sighting, `now` today.
pub fn audit_identity(
    id: &Identity,
    policy: &Policy,
    usage: &Usage,
    found: usize,
    first_seen: Option<Date>,
    now: Date,
) -> IdentityAudit {
    let mut states = Vec::new();
    let mut recs = Vec::new();
    let state = |state, severity, message: String| State {
        state,
        severity,
        message,
    };
    let basis = age_basis(id, first_seen);
    let age_days = basis.map(|b| days_between(b.date(), now));
    let days_since_use = usage.last_used.map(|d| days_between(d, now));

    if id.status == Status::Revoked {
        let refs = usage.pipeline_refs.len();
        if found > 0 || refs > 0 {
            states.push(state(
                StateKind::RevokedStillReferenced,
                Severity::Error,
                format!(
                    "revoked, but found in {found} place(s) of the code and referenced by {refs} pipeline(s)"
                ),
            ));
            recs.push(
                "delete every reference and purge it from the git history; confirm the revocation at the provider"
                    .into(),
            );
            return IdentityAudit {
                decision: "purge",
                states,
                recommendations: recs,
                age_days,
                days_since_use,
            };
        }
        return IdentityAudit {
            decision: "retired",
            states,
            recommendations: vec![
                "revoked and unreferenced: drop the entry when the audit trail no longer needs it"
                    .into(),
            ],
            age_days,
            days_since_use,
        };
    }

    // Usage: a pipeline reference or a recent `last_used` is evidence; without either, the
    // newest date the inventory knows stands in for the last sign of life.
    let stale = if !usage.pipeline_refs.is_empty() {
        None
    } else {
        let evidence = usage
            .last_used
            .map(|d| (d, "last used"))
            .or(basis.map(|b| (b.date(), b.label())));
        match evidence {
            Some((d, label)) => {
                let idle = days_between(d, now);
                (idle >= i64::from(policy.stale_after_days)).then(|| {
                    format!(
                        "no usage evidence for {idle} days ({label} {d}; stale after {} days)",
                        policy.stale_after_days
                    )
                })
            }
            None => {
                recs.push("record `last_used` (or `created`) so staleness can be judged".into());
                None
            }
        }
    };
    if let Some(msg) = &stale {
        states.push(state(StateKind::Stale, Severity::Warning, msg.clone()));
        let scopes = if id.scopes.is_empty() {
            String::new()
        } else {
            format!(" (it holds scopes: {})", id.scopes.join(", "))
        };
        recs.push(format!(
            "candidate for removal{scopes}: confirm with {} that nothing needs it, then revoke it and delete the entry",
            id.owner().unwrap_or("its requester")
        ));
    }

    let mut expired = false;
    if let Some(e) = id.expires {
        let left = days_between(now, e);
        if left <= 0 {
            expired = true;
            states.push(state(
                StateKind::Expired,
                Severity::Error,
                format!("expired on {e}"),
            ));
            recs.push(
                "issue a new credential (or remove the identity) and update `expires`".into(),
            );
        } else if left <= i64::from(policy.expiring_within_days) {
            states.push(state(
                StateKind::Expiring,
                Severity::Warning,
                format!("expires on {e}, in {left} days"),
            ));
            recs.push(format!("renew it before {e}"));
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
            states.push(state(
                StateKind::Overdue,
                severity,
                format!(
                    "{age} days since {} {}, rotation period {period} days",
                    b.label(),
                    b.date()
                ),
            ));
            recs.push("rotate it and update `last_rotated`".into());
        }
    }

    if policy.require_owner && id.owner().is_none() {
        states.push(state(
            StateKind::Ownerless,
            Severity::Warning,
            "no owner".into(),
        ));
        recs.push("name an owning team or person and a contact".into());
    }

    if stale.is_none() && period > i64::from(policy.rotation_days) {
        recs.push(format!(
            "in use: keep it, but shorten its secret's lifetime: rotation every {period} days exceeds the policy's {} (prefer short-lived or federated credentials)",
            policy.rotation_days
        ));
    }

    let decision = if stale.is_some() {
        "remove"
    } else if expired {
        "renew"
    } else if states.iter().any(|s| s.state == StateKind::Overdue) {
        "rotate"
    } else if states.iter().any(|s| s.state == StateKind::Ownerless) {
        "assign-owner"
    } else if states.iter().any(|s| s.state == StateKind::Expiring) {
        "renew"
    } else {
        "keep"
    };
    IdentityAudit {
        decision,
        states,
        recommendations: recs,
        age_days,
        days_since_use,
    }
}
