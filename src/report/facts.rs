//! Facts about a finding that every format shows the same way: its inventory identity (owner,
//! id, age) when one matched, and its verdicts in order of urgency. Renderers read optional
//! identity fields only through [`identity`], so they appear in every format at once when the
//! inventory provides them.

use crate::findings::Finding;
use crate::policy::{Verdict, VerdictKind};
use crate::rules::Severity;

/// What the inventory says about a finding's identity, when anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub id: Option<String>,
    pub owner: Option<String>,
    pub age_days: Option<i64>,
}

/// The one place renderers learn a finding's identity facts: what the inventory match
/// (`Finding::identity`) gives.
pub fn identity(f: &Finding) -> Identity {
    match &f.identity {
        Some(i) => Identity {
            id: Some(i.id.clone()),
            owner: i.owner.clone(),
            age_days: i.age_days,
        },
        None => Identity::default(),
    }
}

/// What the inventory says about the CI secrets a pipeline risk is about, beyond the identity
/// it was tied to: those no identity registers, and those several identities claim.
pub fn ci_secret_notes(f: &Finding) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = f.attributes.get("unregistered_ci_secrets") {
        out.push(format!(
            "unregistered CI secret {n}: no inventory identity lists it in `ci_secrets`"
        ));
    }
    if let Some(ids) = f.attributes.get("ci_secret_identities") {
        out.push(format!(
            "its CI secrets are listed by several identities ({ids}): not attributed"
        ));
    }
    out
}

/// The owner, or a dash, for tables and messages.
pub fn owner_text(i: &Identity) -> String {
    i.owner.clone().unwrap_or_else(|| "unknown".to_string())
}

/// The age as `N days`, or `unknown`.
pub fn age_text(i: &Identity) -> String {
    match i.age_days {
        Some(n) => crate::words::count(n, "day", "days"),
        None => "unknown".to_string(),
    }
}

/// Verdicts most urgent first (severity, then kind), so the first is the one to name.
pub fn verdicts(f: &Finding) -> Vec<&Verdict> {
    let mut v: Vec<&Verdict> = f.verdicts.iter().collect();
    v.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)));
    v
}

/// The level a finding is reported at: its rule's severity or its worst verdict's, whichever
/// is higher.
pub fn level(f: &Finding) -> Severity {
    f.verdicts
        .iter()
        .map(|v| v.severity)
        .fold(f.severity, Severity::max)
}

/// Every verdict kind, for listings that must name each one (SARIF rules).
pub const VERDICT_KINDS: [VerdictKind; 7] = [
    VerdictKind::Unregistered,
    VerdictKind::RevokedPresent,
    VerdictKind::Expired,
    VerdictKind::RotationOverdue,
    VerdictKind::Ownerless,
    VerdictKind::Exposed,
    VerdictKind::Allowed,
];

/// What a verdict kind means, for help texts and section headings.
#[derive(Debug, Clone, Copy)]
pub struct VerdictText {
    pub title: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    /// The usual severity (a verdict carries its own).
    pub severity: Severity,
}

pub fn verdict_text(k: VerdictKind) -> VerdictText {
    let (title, what, why, fix, severity) = match k {
        VerdictKind::Unregistered => (
            "Credential not in the inventory",
            "A credential was found that no inventory entry covers: nobody is recorded as owning it, and nobody knows what it is for or when it must be rotated.",
            "Unowned credentials are never rotated or revoked, and nobody is paged when they leak (OWASP NHI2: Secret Leakage).",
            "Find who uses it; register the identity in the inventory with an owner, a purpose and a rotation policy, or revoke it if nothing needs it.",
            Severity::Error,
        ),
        VerdictKind::RevokedPresent => (
            "Revoked credential still in the code",
            "The inventory says this identity was revoked, but its credential is still in the code.",
            "Code that still holds a revoked credential either fails or was quietly switched to a live copy; a revoked identity that is re-enabled is exposed again (OWASP NHI1: Improper Offboarding).",
            "Remove the credential from the code and confirm at the provider that it is revoked.",
            Severity::Error,
        ),
        VerdictKind::Expired => (
            "Credential past its expiry date",
            "The inventory gives this identity an expiry date, and it has passed.",
            "An identity used past its planned life is outside every review that was meant to end it (OWASP NHI7: Long-Lived Secrets).",
            "Rotate or retire the identity, then update its expiry date in the inventory.",
            Severity::Error,
        ),
        VerdictKind::RotationOverdue => (
            "Credential older than its rotation period",
            "This credential is older than the rotation period its policy allows.",
            "Long-lived secrets give a leaked copy a long useful life (OWASP NHI7: Long-Lived Secrets).",
            "Rotate the credential at its provider and record the rotation date in the inventory.",
            Severity::Warning,
        ),
        VerdictKind::Ownerless => (
            "Identity without an owner",
            "The inventory lists this identity but names no owner.",
            "Nobody is responsible for rotating it, and nobody is asked when it should be offboarded (OWASP NHI1: Improper Offboarding).",
            "Name an owning team or person in the inventory, or revoke the identity.",
            Severity::Warning,
        ),
        VerdictKind::Exposed => (
            "Registered credential outside its allowed paths",
            "The identity is registered, but its credential was found outside the paths the inventory allows it to live in.",
            "A copy outside its allowed place is a leak even when the identity is known (OWASP NHI2: Secret Leakage).",
            "Remove this copy, rotate the credential if the place was shared, and load it from a secret manager.",
            Severity::Error,
        ),
        VerdictKind::Allowed => (
            "Registered credential in an allowed place",
            "The identity is registered, owned and current, and this credential is where the inventory allows it.",
            "Nothing is wrong; the result is informational.",
            "No action.",
            Severity::Note,
        ),
    };
    VerdictText {
        title,
        what,
        why,
        fix,
        severity,
    }
}
