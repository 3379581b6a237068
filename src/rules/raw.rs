//! The rule file exactly as written: plain serde types that reject unknown keys.

use serde::{Deserialize, Serialize};

use crate::rules::Check;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleFile {
    pub rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub provider: String,
    pub kind: Kind,
    pub pattern: String,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub min_entropy: Option<f64>,
    #[serde(default)]
    pub check: Option<Check>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub references: Vec<String>,
    pub remediation: String,
    #[serde(default)]
    pub examples: Vec<RawExample>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub multiline: bool,
    #[serde(default)]
    pub key_id_from: Option<String>,
    #[serde(default = "yes")]
    pub placeholders: bool,
    #[serde(default)]
    pub identifier_only: bool,
    /// Set by a context expansion, never by a rule file: the pattern may find its keyword in
    /// an enclosing key or section a few lines above the value (see `detect::nested`).
    #[serde(skip)]
    pub enclosing: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    pub text: String,
    pub secret: String,
}

/// What sort of credential a rule finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ApiKey,
    AccessKey,
    Token,
    OauthSecret,
    PrivateKey,
    ServiceAccountKey,
    ConnectionString,
    Webhook,
    Password,
    Certificate,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ApiKey => "api_key",
            Kind::AccessKey => "access_key",
            Kind::Token => "token",
            Kind::OauthSecret => "oauth_secret",
            Kind::PrivateKey => "private_key",
            Kind::ServiceAccountKey => "service_account_key",
            Kind::ConnectionString => "connection_string",
            Kind::Webhook => "webhook",
            Kind::Password => "password",
            Kind::Certificate => "certificate",
        }
    }
}

/// How bad a finding is; also the `--fail-on` threshold (SARIF levels).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How sure a rule is that a match is a real credential.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}
