//! Raw matches become findings: one finding per (rule, secret) with every place it was seen,
//! a stable fingerprint and a redacted preview. This is the last place a raw secret is held;
//! everything downstream sees the fingerprint and the preview unless the user asked for
//! `--show-secrets`.

pub mod baseline;
pub mod linehash;
mod secret;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use secret::{fingerprint, redact, Secret};

use crate::detect::Match;
use crate::rules::{Confidence, Kind, RuleSet, Severity};

/// One place a secret was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Path relative to the scan root, `/`-separated.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    /// Exclusive, like SARIF's `endColumn`.
    pub end_column: usize,
}

/// One secret found by one rule, with every location.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub kind: Kind,
    pub severity: Severity,
    pub confidence: Confidence,
    /// `sha256:` + hex SHA-256 of the exact secret bytes.
    pub fingerprint: String,
    /// First characters and length, e.g. `ghp_…(40 chars)`.
    pub redacted: String,
    /// The raw secret; only with `--show-secrets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    pub locations: Vec<Location>,
    /// Governance verdicts (see `policy`); without an inventory, `unregistered`.
    pub verdicts: Vec<crate::policy::Verdict>,
}

/// Collects matches from any number of contents and paths, then groups them.
#[derive(Default)]
pub struct FindingsBuilder {
    groups: HashMap<(usize, Secret), Group>,
}

struct Group {
    confidence: Confidence,
    key_id: Option<String>,
    attributes: BTreeMap<String, String>,
    locations: Vec<Location>,
}

impl FindingsBuilder {
    /// Record the matches of one content seen at `path`.
    pub fn add(&mut self, path: &str, matches: &[Match]) {
        for m in matches {
            let g = self
                .groups
                .entry((m.rule, m.secret.clone()))
                .or_insert_with(|| Group {
                    confidence: m.confidence,
                    key_id: None,
                    attributes: BTreeMap::new(),
                    locations: Vec::new(),
                });
            g.confidence = g.confidence.max(m.confidence);
            if g.key_id.is_none() {
                g.key_id = m.key_id.clone();
            }
            for (k, v) in &m.attributes {
                g.attributes.entry(k.clone()).or_insert_with(|| v.clone());
            }
            g.locations.push(Location {
                path: path.to_string(),
                line: m.line,
                column: m.column,
                end_line: m.end_line,
                end_column: m.end_column,
            });
        }
    }

    /// Findings in a stable order: by first location, then rule id, then fingerprint.
    pub fn finish(self, rules: &RuleSet, show_secrets: bool) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .groups
            .into_iter()
            .map(|((ri, secret), mut g)| {
                let rule = &rules.rules[ri];
                g.locations.sort();
                g.locations.dedup();
                Finding {
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    provider: rule.provider.clone(),
                    kind: rule.kind,
                    severity: rule.severity,
                    confidence: g.confidence,
                    fingerprint: secret.fingerprint(),
                    redacted: secret.redacted(),
                    secret: show_secrets.then(|| secret.expose().into_owned()),
                    key_id: g.key_id,
                    attributes: g.attributes,
                    locations: g.locations,
                    verdicts: Vec::new(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.locations
                .first()
                .cmp(&b.locations.first())
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        out
    }
}
