//! The JSON report read back: what later steps of a pipeline (`github comment`, `inventory add`)
//! need from a report an earlier step wrote, as types, so a report of another shape is one
//! clear error naming the field instead of silently empty values. Only the fields those steps
//! read; everything else in the document is ignored.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

/// A JSON report as read back.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportView {
    pub summary: SummaryView,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SummaryView {
    pub findings: u64,
    #[serde(default)]
    pub failing: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FindingView {
    pub rule_id: String,
    #[serde(default)]
    pub rule_name: String,
    pub severity: String,
    /// Always the redacted preview (the report's `secret` field is never read back).
    pub redacted: String,
    pub fingerprint: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub key_id: Option<String>,
    /// Non-secret identifiers the rule derived (`private_key_id`, `client_email`, …).
    #[serde(default)]
    pub attributes: BTreeMap<String, serde_json::Value>,
    pub locations: Vec<LocationView>,
}

impl FindingView {
    /// A string attribute.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).and_then(|v| v.as_str())
    }

    /// The finding as the policy's matcher sees it (fingerprint, key id, string attributes,
    /// provider, location paths), so a report read back is matched against an inventory
    /// exactly as the scan matched it (`inventory add`, `inventory check --report`). What
    /// matching does not read (kind, confidence) takes a neutral value; never a secret.
    pub fn probe(&self) -> crate::findings::Finding {
        use crate::rules::{Confidence, Kind, Severity};
        let parse = |v: &str| serde_json::Value::String(v.to_string());
        crate::findings::Finding {
            rule_id: self.rule_id.clone(),
            rule_name: self.rule_name.clone(),
            provider: self.provider.clone().unwrap_or_default(),
            kind: self
                .kind
                .as_deref()
                .and_then(|k| serde_json::from_value::<Kind>(parse(k)).ok())
                .unwrap_or(Kind::Token),
            severity: serde_json::from_value::<Severity>(parse(&self.severity))
                .unwrap_or(Severity::Warning),
            confidence: Confidence::Medium,
            confidence_reason: None,
            fingerprint: self.fingerprint.clone(),
            redacted: self.redacted.clone(),
            secret: None,
            key_id: self.key_id.clone(),
            attributes: self
                .attributes
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            locations: self
                .locations
                .iter()
                .map(|l| crate::findings::Location {
                    path: l.path.clone(),
                    line: l.line as usize,
                    column: 0,
                    end_line: l.line as usize,
                    end_column: 0,
                    git: None,
                    attributes: Default::default(),
                })
                .collect(),
            first_seen: None,
            last_seen: None,
            present_at_head: None,
            verdicts: Vec::new(),
            identity: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LocationView {
    pub path: String,
    pub line: u64,
}

impl ReportView {
    /// Parse a report; `name` names it in the error (`report.json:3:14: …`).
    pub fn parse(name: &str, text: &str) -> Result<ReportView, String> {
        serde_json::from_str(text).map_err(|e| {
            let what = if e.is_data() {
                "not an nhiscan JSON report"
            } else {
                "not JSON"
            };
            // serde_json appends " at line L column C"; the place goes up front instead, and
            // a value it quotes (a field of the wrong type) is redacted.
            let msg = e.to_string();
            let msg = crate::secret::redact_quoted(
                msg.find(" at line ").map_or(msg.as_str(), |i| &msg[..i]),
            );
            format!("{name}:{}:{}: {what}: {msg}", e.line(), e.column())
        })
    }

    /// Read a report from a file, or standard input for `-`.
    pub fn read(path: &Path) -> Result<ReportView, String> {
        let name = path.display().to_string();
        let mut text = String::new();
        if path == Path::new("-") {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("standard input: cannot read the report: {e}"))?;
        } else {
            text = std::fs::read_to_string(path)
                .map_err(|e| format!("{name}: cannot read the report: {e}"))?;
        }
        ReportView::parse(&name, &text)
    }

    pub fn finding(&self, fingerprint: &str) -> Option<&FindingView> {
        self.findings.iter().find(|f| f.fingerprint == fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_of_another_shape_is_one_located_error() {
        let e = ReportView::parse(
            "r.json",
            r#"{"summary": {"findings": 1}, "findings": [{"rule_id": 3}]}"#,
        )
        .unwrap_err();
        assert!(e.starts_with("r.json:1:"), "{e}");
        assert!(e.contains("not an nhiscan JSON report"), "{e}");
        let e = ReportView::parse("r.json", "{").unwrap_err();
        assert!(e.contains("not JSON"), "{e}");
        // A value of the wrong type is named by type and redacted, never printed.
        let e = ReportView::parse(
            "r.json",
            r#"{"summary": {"findings": 1}, "findings": "ghp_Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2Qe00"}"#,
        )
        .unwrap_err();
        assert!(!e.contains("Zq8Lr2Vn4Xc7"), "{e}");
        assert!(
            e.contains("invalid type: string \"ghp_…(41 chars)\""),
            "{e}"
        );
        assert!(!e.contains(" at line "), "{e}");
        let ok = ReportView::parse(
            "r.json",
            r#"{"summary": {"findings": 1, "failing": 1}, "findings": [{"rule_id": "x", "severity": "error", "redacted": "ab…", "fingerprint": "sha256:00", "attributes": {"private_key_id": "k1"}, "locations": [{"path": "a", "line": 2, "column": 1}]}], "extra": true}"#,
        )
        .unwrap();
        assert_eq!(
            ok.finding("sha256:00").unwrap().attribute("private_key_id"),
            Some("k1")
        );
    }
}
