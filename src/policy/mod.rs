//! Verdicts: what a finding means for governance, given its inventory entry (if any), its usage
//! evidence, its age and `now`. Pure functions of their inputs: `now` is passed in, never read
//! from the clock here. (The inventory and the full set of verdicts arrive with the inventory
//! issue; without an inventory every finding is `unregistered`.)

use serde::{Deserialize, Serialize};

use crate::rules::Severity;

/// The governance state of one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    /// No inventory entry covers this credential.
    Unregistered,
    /// Matches a revoked identity but is still in the code.
    RevokedPresent,
    /// Past its identity's `expires` date.
    Expired,
    /// Older than its rotation period.
    RotationOverdue,
    /// Its identity has no owner.
    Ownerless,
    /// Registered, but found outside the paths it may live in.
    Exposed,
    /// Registered and where it is allowed to be.
    Allowed,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Unregistered => "unregistered",
            VerdictKind::RevokedPresent => "revoked-present",
            VerdictKind::Expired => "expired",
            VerdictKind::RotationOverdue => "rotation-overdue",
            VerdictKind::Ownerless => "ownerless",
            VerdictKind::Exposed => "exposed",
            VerdictKind::Allowed => "allowed",
        }
    }

    /// The OWASP Non-Human Identities Top 10 (2025) risk this verdict maps to.
    pub fn owasp(self) -> &'static str {
        match self {
            VerdictKind::Unregistered | VerdictKind::Exposed | VerdictKind::Allowed => "NHI2",
            VerdictKind::RevokedPresent | VerdictKind::Ownerless => "NHI1",
            VerdictKind::Expired | VerdictKind::RotationOverdue => "NHI7",
        }
    }
}

/// One verdict on one finding, with what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    pub severity: Severity,
    pub owasp: &'static str,
    /// One sentence: what is wrong (never the secret).
    pub message: String,
    /// The recommended next step.
    pub action: String,
}

/// The verdict for a credential no inventory entry covers.
pub fn unregistered() -> Verdict {
    Verdict {
        kind: VerdictKind::Unregistered,
        severity: Severity::Error,
        owasp: VerdictKind::Unregistered.owasp(),
        message: "no inventory entry covers this credential".into(),
        action: "register it in the inventory with an owner and a purpose, or revoke it".into(),
    }
}

mod audit;
mod lifecycle;

pub use audit::{audit_identity, IdentityAudit, State, StateKind};
pub use lifecycle::{
    age_basis, ambiguous, days_between, evaluate, fail_severity, AgeBasis, IdentityRef, Usage,
};

/// Join every finding to the inventory and give it its verdicts. Without an inventory every
/// finding is `unregistered`. `first_seen` gives the git history's first sighting of a
/// fingerprint, when known.
pub fn judge(
    findings: &mut [crate::findings::Finding],
    inventory: Option<&crate::inventory::Inventory>,
    first_seen: &dyn Fn(&str) -> Option<jiff::civil::Date>,
    now: jiff::civil::Date,
) {
    use crate::inventory::{match_finding, MatchOutcome};
    for f in findings {
        let Some(inv) = inventory else {
            f.verdicts = vec![unregistered()];
            continue;
        };
        match match_finding(inv, f) {
            MatchOutcome::None => f.verdicts = vec![unregistered()],
            MatchOutcome::Ambiguous(ids, by) => {
                let names: Vec<&str> = ids.iter().map(|&i| inv.identities[i].id.as_str()).collect();
                f.verdicts = vec![ambiguous(&names, by)];
            }
            MatchOutcome::One(i, by) => {
                let id = &inv.identities[i];
                let seen = first_seen(&f.fingerprint);
                f.verdicts = evaluate(&f.locations, id, &inv.policy, seen, now);
                let mut r = IdentityRef::new(id, by);
                r.age_days = age_basis(id, seen).map(|b| days_between(b.date(), now));
                f.identity = Some(r);
            }
        }
    }
}

#[cfg(test)]
mod tests;
