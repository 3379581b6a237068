//! A finding's governance facts, as reports show them: its verdicts and the inventory identity
//! it was matched to. The finding model owns these types; `policy` decides their values.

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

/// What matched a finding to its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Fingerprint,
    KeyId,
    Path,
    /// A pipeline risk about a CI secret the identity lists in `ci_secrets`.
    CiSecret,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Fingerprint => "fingerprint",
            MatchedBy::KeyId => "key_id",
            MatchedBy::Path => "path",
            MatchedBy::CiSecret => "ci_secret",
        }
    }
}

/// The identity a finding was matched to, as shown on the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityRef {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub matched_by: MatchedBy,
    /// Days since `last_rotated`, else `created`, else the first commit that exposed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
}
