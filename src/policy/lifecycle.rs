//! Verdicts on one finding joined to its identity: revoked, expired, rotation, owner, place.

use jiff::civil::Date;
use serde::Serialize;

use super::{Verdict, VerdictKind};
use crate::findings::{Finding, IdentityRef, Location, MatchedBy};
use crate::inventory::{Identity, Policy, Status};
use crate::rules::Severity;
use crate::words::count;

/// Evidence that an identity is in use. Filled from the inventory's `last_used` today; the
/// pipeline analysis adds the CI jobs that reference its secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Date>,
    /// Pipeline references to the identity's CI secret (`file:line job`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pipeline_refs: Vec<String>,
}

impl Usage {
    /// The evidence the inventory itself records.
    pub fn from_identity(id: &Identity) -> Usage {
        Usage {
            last_used: id.last_used,
            pipeline_refs: Vec::new(),
        }
    }
}

impl IdentityRef {
    pub fn new(id: &Identity, by: MatchedBy) -> IdentityRef {
        IdentityRef {
            id: id.id.clone(),
            owner: id.owner().map(str::to_string),
            contact: id.contact.clone(),
            matched_by: by,
            age_days: None,
        }
    }
}

/// Which date an identity's age is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeBasis {
    LastRotated(Date),
    Created(Date),
    FirstSeen(Date),
}

impl AgeBasis {
    pub fn date(self) -> Date {
        match self {
            AgeBasis::LastRotated(d) | AgeBasis::Created(d) | AgeBasis::FirstSeen(d) => d,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AgeBasis::LastRotated(_) => "last rotated",
            AgeBasis::Created(_) => "created",
            AgeBasis::FirstSeen(_) => "first seen in git",
        }
    }
}

/// Age from `last_rotated`, else `created`, else the git history's first sighting.
pub fn age_basis(id: &Identity, first_seen: Option<Date>) -> Option<AgeBasis> {
    id.last_rotated
        .map(AgeBasis::LastRotated)
        .or(id.created.map(AgeBasis::Created))
        .or(first_seen.map(AgeBasis::FirstSeen))
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    i64::from((to - from).get_days())
}

fn verdict(kind: VerdictKind, severity: Severity, message: String, action: String) -> Verdict {
    Verdict {
        kind,
        severity,
        owasp: kind.owasp(),
        message,
        action,
    }
}

fn who(id: &Identity) -> String {
    let owner = id
        .owner()
        .map_or_else(|| "no owner".to_string(), |o| format!("owner {o}"));
    match id.contact.as_deref() {
        Some(c) => format!("{owner}, contact {c}"),
        None => owner,
    }
}

/// The verdicts on a finding at `locations` that matched `id`. `first_seen` is when the git
/// history first shows the secret (if known); `now` is today.
pub fn evaluate(
    locations: &[Location],
    id: &Identity,
    policy: &Policy,
    first_seen: Option<Date>,
    now: Date,
) -> Vec<Verdict> {
    let policy = &policy.for_identity(id);
    if id.status == Status::Revoked {
        return vec![verdict(
            VerdictKind::RevokedPresent,
            Severity::Error,
            format!("`{}` is revoked but its credential is still in the code", id.id),
            format!(
                "confirm it is revoked at the provider, then delete it from the code and the git history ({})",
                who(id)
            ),
        )];
    }
    let mut out = Vec::new();
    let expired = id.expires.filter(|e| now >= *e);
    if let Some(e) = expired {
        let ago = days_between(e, now);
        out.push(verdict(
            VerdictKind::Expired,
            Severity::Error,
            format!(
                "`{}` expired on {e}{}",
                id.id,
                if ago == 0 {
                    " (today)".to_string()
                } else {
                    format!(" ({} ago)", count(ago, "day", "days"))
                }
            ),
            format!(
                "take it out of use: if it is still needed, issue a new credential and register it, otherwise retire the identity ({})",
                who(id)
            ),
        ));
    }
    // A workload identity (federated) has no secret to rotate.
    if expired.is_none() && !super::is_workload_identity(id) {
        if let Some(basis) = age_basis(id, first_seen) {
            let age = days_between(basis.date(), now);
            let period = i64::from(id.rotation_period(policy));
            if age > period {
                let severity = if age > 2 * period {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                out.push(verdict(
                    VerdictKind::RotationOverdue,
                    severity,
                    format!(
                        "`{}` is {} old ({} {}), past its rotation period of {}",
                        id.id,
                        count(age, "day", "days"),
                        basis.label(),
                        basis.date(),
                        count(period, "day", "days")
                    ),
                    format!(
                        "rotate it and update `last_rotated` in the inventory ({})",
                        who(id)
                    ),
                ));
            }
        }
    }
    if policy.require_owner && id.owner().is_none() {
        out.push(verdict(
            VerdictKind::Ownerless,
            Severity::Warning,
            format!("`{}` has no owner", id.id),
            "name an owning team or person and a contact in the inventory, or revoke it".into(),
        ));
    }
    let outside = outside_allowed(id, locations);
    if outside.is_empty() {
        // "Nothing to do" only when nothing else is wrong: next to `expired` it would contradict.
        let action = if out.is_empty() {
            "nothing to do"
        } else {
            "its place is fine; act on the other verdicts"
        };
        out.push(verdict(
            VerdictKind::Allowed,
            Severity::Note,
            format!("`{}` is registered and found only where it may live", id.id),
            action.into(),
        ));
    } else {
        let allowed = if id.matchers.paths.is_empty() {
            "no allowed paths are registered".to_string()
        } else {
            format!("allowed: {}", id.matchers.paths.join(", "))
        };
        out.push(verdict(
            VerdictKind::Exposed,
            Severity::Error,
            format!(
                "`{}` ({}) found outside its allowed paths at {} ({allowed})",
                id.id,
                who(id),
                outside.join(", ")
            ),
            format!(
                "ask {} to rotate it, then remove it from the code or move it to an allowed (sealed or encrypted) place",
                id.contact.as_deref().or(id.owner()).unwrap_or("its owner")
            ),
        ));
    }
    out
}

/// The places (`path:line`) of `locations` outside `id`'s allowed paths.
pub fn outside_allowed(id: &Identity, locations: &[Location]) -> Vec<String> {
    locations
        .iter()
        .filter(|l| !id.matchers.allows(&l.path))
        .map(|l| format!("{}:{}", l.path, l.line))
        .collect()
}

/// The verdict for a finding that several identities claim.
pub fn ambiguous(ids: &[&str], by: MatchedBy) -> Verdict {
    verdict(
        VerdictKind::Unregistered,
        Severity::Error,
        format!(
            "matches {} identities by {}: {}; the inventory must name exactly one",
            ids.len(),
            by.as_str(),
            ids.join(", ")
        ),
        "make the identities' match entries distinct (`nhiscan inventory check` lists overlaps)"
            .into(),
    )
}

/// The severity `--fail-on` compares: with an inventory, the most severe verdict (governance
/// decides: an allowed credential is a note, an exposed one an error); without one, the rule's.
pub fn fail_severity(f: &Finding, with_inventory: bool) -> Severity {
    if with_inventory {
        f.verdicts
            .iter()
            .map(|v| v.severity)
            .max()
            .unwrap_or(f.severity)
    } else {
        f.severity
    }
}
