//! The pipelines' part of the governance audit: an identity's CI secrets that pipelines read
//! (usage evidence), that none reads (stale), and secrets pipelines read that no identity
//! registers; and pipeline risks joined to the identity whose `ci_secrets` they name.

use serde::Serialize;

use super::{IdentityAudit, State, StateKind};
use crate::findings::{IdentityRef, MatchedBy};
use crate::inventory::{Identity, Inventory, Status};
use crate::pipelines::oidc::OidcPurpose;
use crate::pipelines::{Usage, UsageMap};
use crate::rules::Severity;

/// Tokens the CI system issues per run: never registered, never stale.
pub(crate) const ISSUED_PER_RUN: &[&str] = &["GITHUB_TOKEN", "CI_JOB_TOKEN"];

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

/// `path:line job (OIDC, cloud)` for every job that federates into a cloud (the usage map's
/// `oidc_use` says cloud federation: GitHub login actions, GitLab `id_tokens:` exchanged for
/// cloud credentials) naming one of a workload identity's `key_ids` (its role ARN, workload
/// identity provider, service account or client id). Attestation and trusted-publishing
/// jobs are no evidence of a cloud identity's use.
pub fn oidc_references(m: &UsageMap, id: &Identity) -> Vec<String> {
    if !super::is_workload_identity(id) || id.matchers.key_ids.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = m
        .pipelines
        .iter()
        .flat_map(|p| p.jobs.iter().map(move |j| (p, j)))
        .filter(|(_, j)| {
            j.oidc_use
                .is_some_and(|u| u.purpose == OidcPurpose::CloudFederation)
                && j.oidc_identities
                    .iter()
                    .any(|o| id.matchers.key_ids.contains(o))
        })
        .map(|(p, j)| {
            let provider = j.oidc_use.and_then(|u| u.provider);
            match provider {
                Some(c) => format!("{}:{} {} (OIDC, {})", p.path, j.line, j.id, c.as_str()),
                None => format!("{}:{} {} (OIDC)", p.path, j.line, j.id),
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// An identity held in CI secrets that no pipeline of this repository reads, and that no
/// dated evidence shows in use, is a stale entitlement. With a `last_used`, the date decides
/// (an organisation secret may be read by other repositories): no local reference is no
/// proof of disuse.
pub fn unused_ci_secrets(
    m: &UsageMap,
    id: &Identity,
    policy: &crate::inventory::Policy,
    usage: &crate::policy::Usage,
    review: &mut IdentityAudit,
) {
    if id.matchers.ci_secrets.is_empty()
        || !usage.pipeline_refs.is_empty()
        || usage.last_used.is_some()
        || id.status == Status::Revoked
        || review.has(StateKind::Stale)
        || m.pipelines.is_empty()
    {
        return;
    }
    review.states.push(State::new(
        StateKind::Stale,
        Severity::Warning,
        format!(
            "no pipeline of this repository reads its CI {} {}, and no `last_used` shows a use elsewhere",
            crate::words::noun(id.matchers.ci_secrets.len(), "secret", "secrets"),
            id.matchers.ci_secrets.join(", ")
        ),
    ));
    review.decide(id, policy);
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

/// Add the risky patterns to judged findings (they are not credentials: no verdicts), keeping
/// the findings' stable order. With an inventory, a risk about CI secrets is tied to the
/// identity whose `ci_secrets` list them (`matched_by: ci_secret`), or says which of them no
/// identity registers.
pub fn add_risks(
    map: &crate::pipelines::UsageMap,
    findings: &mut Vec<crate::findings::Finding>,
    inventory: Option<&crate::inventory::Inventory>,
    now: jiff::civil::Date,
) {
    if map.risks.is_empty() {
        return;
    }
    let mut extra = crate::pipelines::risk_findings(&map.risks);
    if let Some(inv) = inventory {
        for (f, r) in extra.iter_mut().zip(&map.risks) {
            tie_to_inventory(f, &r.secrets, inv, now);
        }
    }
    findings.extend(extra);
    crate::findings::sort_in_report_order(findings);
}

/// Join a risk finding to the identities that list its CI secrets.
fn tie_to_inventory(
    f: &mut crate::findings::Finding,
    names: &[String],
    inv: &crate::inventory::Inventory,
    now: jiff::civil::Date,
) {
    let names: Vec<&String> = names
        .iter()
        .filter(|n| !ISSUED_PER_RUN.contains(&n.as_str()))
        .collect();
    if names.is_empty() {
        return;
    }
    let owners = |n: &str| -> Vec<usize> {
        (0..inv.identities.len())
            .filter(|&i| inv.identities[i].matchers.ci_secrets.iter().any(|c| c == n))
            .collect()
    };
    let mut ids: Vec<usize> = names.iter().flat_map(|n| owners(n)).collect();
    ids.sort();
    ids.dedup();
    let unregistered: Vec<&str> = names
        .iter()
        .filter(|n| owners(n).is_empty())
        .map(|n| n.as_str())
        .collect();
    let list: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
    f.attributes
        .insert("ci_secrets".to_string(), list.join(", "));
    if !unregistered.is_empty() {
        f.attributes.insert(
            "unregistered_ci_secrets".to_string(),
            unregistered.join(", "),
        );
    }
    match ids.as_slice() {
        [i] => {
            let id = &inv.identities[*i];
            let mut r = IdentityRef::new(id, MatchedBy::CiSecret);
            r.age_days = super::age_basis(id, None).map(|b| super::days_between(b.date(), now));
            f.identity = Some(r);
        }
        [] => {}
        many => {
            // Several identities: named, never attributed by guess.
            let names: Vec<&str> = many
                .iter()
                .map(|&i| inv.identities[i].id.as_str())
                .collect();
            f.attributes
                .insert("ci_secret_identities".to_string(), names.join(", "));
        }
    }
}
