//! Verdicts: what a finding means for governance, given its inventory entry (if any), its usage
//! evidence, its age and `now`. Pure functions of their inputs: `now` is passed in, never read
//! from the clock here. (The inventory and the full set of verdicts arrive with the inventory
//! issue; without an inventory every finding is `unregistered`.)

use crate::rules::Severity;

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
mod join;
mod lifecycle;
pub mod pipelines;

pub use crate::findings::{IdentityRef, MatchedBy, Verdict, VerdictKind};
pub use join::{key_ids_of, match_finding, MatchOutcome};
pub use pipelines::add_risks;

pub use audit::{
    admin_scopes, audit_identity, is_workload_identity, Decision, IdentityAudit, Owners, Risk,
    Sightings, State, StateKind,
};
pub use lifecycle::{
    age_basis, ambiguous, days_between, evaluate, fail_severity, outside_allowed, AgeBasis, Usage,
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
