//! The pipelines' part of the governance audit: an identity's CI secrets that pipelines read
//! (usage evidence), that none reads (stale), and secrets pipelines read that no identity
//! registers.

use serde::Serialize;

use super::{Usage, UsageMap};
use crate::inventory::{Identity, Inventory, Status};
use crate::policy::{IdentityAudit, State, StateKind};
use crate::rules::Severity;

/// Tokens the CI system issues per run: never registered, never stale.
pub(super) const ISSUED_PER_RUN: &[&str] = &["GITHUB_TOKEN", "CI_JOB_TOKEN"];

/// `path:line job` for every pipeline read of one of the identity's CI secrets.
pub fn references(m: &UsageMap, id: &Identity) -> Vec<String> {
    let mut out: Vec<String> = id
        .matchers
        .ci_secrets
        .iter()
        .filter_map(|n| m.secrets.get(n))
        .flatten()
        .map(Usage::evidence)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// An identity held in CI secrets that no pipeline reads any more is a stale entitlement.
pub fn unused_ci_secrets(
    m: &UsageMap,
    id: &Identity,
    usage: &crate::policy::Usage,
    review: &mut IdentityAudit,
) {
    if id.matchers.ci_secrets.is_empty()
        || !usage.pipeline_refs.is_empty()
        || id.status == Status::Revoked
        || review.has(StateKind::Stale)
        || m.pipelines.is_empty()
    {
        return;
    }
    review.states.push(State {
        state: StateKind::Stale,
        severity: Severity::Warning,
        message: format!(
            "no pipeline reads its CI secret(s) {}",
            id.matchers.ci_secrets.join(", ")
        ),
    });
    review.recommendations.push(
        "candidate for removal: delete the CI secret and revoke the credential, or record the pipeline that uses it".into(),
    );
    if review.decision == "keep" {
        review.decision = "remove";
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnregisteredCiSecret {
    pub name: String,
    pub severity: Severity,
    pub owasp: &'static str,
    pub used_by: Vec<Usage>,
}

/// Secrets pipelines read that no identity lists in `ci_secrets`, by name.
pub fn unregistered(m: &UsageMap, inv: &Inventory) -> Vec<UnregisteredCiSecret> {
    m.secrets
        .iter()
        .filter(|(name, _)| {
            !ISSUED_PER_RUN.contains(&name.as_str())
                && !inv
                    .identities
                    .iter()
                    .any(|i| i.matchers.ci_secrets.iter().any(|c| c == *name))
        })
        .map(|(name, used)| UnregisteredCiSecret {
            name: name.clone(),
            severity: Severity::Warning,
            owasp: "NHI2",
            used_by: used.clone(),
        })
        .collect()
}
