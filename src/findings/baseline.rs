//! Baselines: a team accepts today's known findings without hiding tomorrow's. A baseline
//! entry is a finding's stable identity, rule id + secret fingerprint, never a line number or a
//! commit, so moves, rebases and squashes do not break it. Entries may carry a reason and an
//! expiry date; an expired entry no longer suppresses anything.
//!
//! The file is JSON (schema in the README), written sorted and without timestamps so that
//! `baseline update` on an unchanged tree rewrites the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Finding;

/// Version of the baseline file format.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule_id: String,
    /// `sha256:` + hex, as in the report.
    pub fingerprint: String,
    /// For the reader only: the redacted preview and a path where it was first seen when the
    /// entry was written. Matching never looks at them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Last day (inclusive) this entry suppresses its finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

impl Entry {
    fn key(&self) -> (&str, &str) {
        (&self.rule_id, &self.fingerprint)
    }

    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| d < today)
    }
}

/// A baseline file could not be read or is invalid. Names file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read baseline: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: invalid baseline: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Baseline::parse(&path.display().to_string(), &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Baseline, BaselineError> {
        let invalid = |line, column, message: String| BaselineError::Invalid {
            path: name.to_string(),
            line,
            column,
            message,
        };
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            invalid(
                e.line(),
                e.column(),
                crate::secret::redact_quoted(&e.to_string()),
            )
        })?;
        if b.version != BASELINE_VERSION {
            return Err(invalid(
                1,
                1,
                format!(
                    "version {} is not supported (this nhiscan writes version {BASELINE_VERSION})",
                    b.version
                ),
            ));
        }
        for (i, e) in b.entries.iter().enumerate() {
            if !is_fingerprint(&e.fingerprint) {
                return Err(invalid(
                    1,
                    1,
                    format!(
                        "entry {} ({}): fingerprint must be `sha256:` and 64 hex digits",
                        i + 1,
                        e.rule_id
                    ),
                ));
            }
        }
        Ok(b)
    }

    /// The file's text: pretty JSON, entries sorted by rule id and fingerprint, newline-ended.
    pub fn to_json(&self) -> String {
        let mut b = self.clone();
        b.entries
            .sort_by(|x, y| x.key().cmp(&y.key()).then_with(|| x.path.cmp(&y.path)));
        b.entries.dedup_by(|x, y| x.key() == y.key());
        let mut s = serde_json::to_string_pretty(&b).expect("baseline serializes");
        s.push('\n');
        s
    }

    /// A baseline of `findings`, each entry with the given reason and expiry.
    pub fn from_findings(
        findings: &[Finding],
        reason: Option<&str>,
        expires: Option<Date>,
    ) -> Self {
        Baseline {
            version: BASELINE_VERSION,
            entries: findings
                .iter()
                .map(|f| Entry {
                    rule_id: f.rule_id.clone(),
                    fingerprint: f.fingerprint.clone(),
                    redacted: Some(f.redacted.clone()),
                    path: f.locations.first().map(|l| l.path.clone()),
                    reason: reason.map(str::to_string),
                    expires,
                })
                .collect(),
        }
    }

    /// `update`: keep the entries still found (with their reason and expiry), add the new
    /// findings with `reason`/`expires`, and drop entries no longer found. Returns the new
    /// baseline and how many entries were added and pruned.
    pub fn updated(
        &self,
        findings: &[Finding],
        reason: Option<&str>,
        expires: Option<Date>,
    ) -> (Baseline, usize, usize) {
        let found: BTreeSet<(&str, &str)> = findings
            .iter()
            .map(|f| (f.rule_id.as_str(), f.fingerprint.as_str()))
            .collect();
        let old: BTreeMap<(&str, &str), &Entry> =
            self.entries.iter().map(|e| (e.key(), e)).collect();
        let kept: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| found.contains(&e.key()))
            .cloned()
            .collect();
        let pruned = old.len() - old.keys().filter(|k| found.contains(*k)).count();
        let new: Vec<Finding> = findings
            .iter()
            .filter(|f| !old.contains_key(&(f.rule_id.as_str(), f.fingerprint.as_str())))
            .cloned()
            .collect();
        let mut added = Baseline::from_findings(&new, reason, expires);
        added.entries.sort_by(|x, y| x.key().cmp(&y.key()));
        added.entries.dedup_by(|x, y| x.key() == y.key());
        let n_added = added.entries.len();
        let mut entries = kept;
        entries.extend(added.entries);
        (
            Baseline {
                version: BASELINE_VERSION,
                entries,
            },
            n_added,
            pruned,
        )
    }
}

fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What applying a baseline did, for the summary (suppressions are counted, never silent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BaselineSummary {
    /// The baseline file, as given.
    pub file: String,
    pub entries: usize,
    /// Findings suppressed by an entry.
    pub suppressed: usize,
    /// Entries past their `expires` date: their findings are reported again.
    pub expired: usize,
    /// Entries that matched no finding in this scan (candidates for `baseline update`).
    pub unmatched: usize,
}

/// Remove the findings `baseline` accepts (on `today`) and say what was done.
pub fn apply(
    findings: &mut Vec<Finding>,
    baseline: &Baseline,
    file: &str,
    today: Date,
) -> BaselineSummary {
    let live: BTreeSet<(&str, &str)> = baseline
        .entries
        .iter()
        .filter(|e| !e.expired(today))
        .map(|e| e.key())
        .collect();
    let present: BTreeSet<(String, String)> = findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.fingerprint.clone()))
        .collect();
    let before = findings.len();
    findings.retain(|f| !live.contains(&(f.rule_id.as_str(), f.fingerprint.as_str())));
    let unmatched = baseline
        .entries
        .iter()
        .filter(|e| !present.contains(&(e.rule_id.clone(), e.fingerprint.clone())))
        .count();
    BaselineSummary {
        file: file.to_string(),
        entries: baseline.entries.len(),
        suppressed: before - findings.len(),
        expired: baseline.entries.iter().filter(|e| e.expired(today)).count(),
        unmatched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Location;
    use crate::rules::{Confidence, Kind, Severity};

    fn finding(rule: &str, secret: &str, path: &str, line: usize) -> Finding {
        Finding {
            rule_id: rule.into(),
            rule_name: rule.into(),
            provider: "test".into(),
            kind: Kind::Token,
            severity: Severity::Error,
            confidence: Confidence::High,
            confidence_reason: None,
            fingerprint: crate::findings::fingerprint(secret.as_bytes()),
            redacted: crate::findings::redact(secret.as_bytes()),
            secret: None,
            key_id: None,
            attributes: Default::default(),
            locations: vec![Location {
                path: path.into(),
                line,
                column: 1,
                end_line: line,
                end_column: 5,
                git: None,
                attributes: Default::default(),
            }],
            first_seen: None,
            last_seen: None,
            present_at_head: None,
            verdicts: vec![],
            identity: None,
        }
    }

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn matching_ignores_path_and_line() {
        let b = Baseline::from_findings(&[finding("r", "s3cr3tvalue1", "a.txt", 3)], None, None);
        let mut now = vec![
            finding("r", "s3cr3tvalue1", "moved/b.txt", 40),
            finding("r", "an0thervalue", "a.txt", 3),
            finding("other-rule", "s3cr3tvalue1", "a.txt", 3),
        ];
        let s = apply(&mut now, &b, "bl.json", day("2026-01-01"));
        assert_eq!(s.suppressed, 1);
        assert_eq!(now.len(), 2);
        assert_eq!(s.unmatched, 0);
    }

    #[test]
    fn expired_entries_stop_suppressing() {
        let f = finding("r", "s3cr3tvalue1", "a.txt", 3);
        let b = Baseline::from_findings(
            std::slice::from_ref(&f),
            Some("migrating"),
            Some(day("2026-03-01")),
        );
        let mut on_day = vec![f.clone()];
        assert_eq!(apply(&mut on_day, &b, "x", day("2026-03-01")).suppressed, 1);
        let mut after = vec![f];
        let s = apply(&mut after, &b, "x", day("2026-03-02"));
        assert_eq!((s.suppressed, s.expired, after.len()), (0, 1, 1));
    }

    #[test]
    fn update_is_idempotent_and_prunes() {
        let a = finding("r", "s3cr3tvalue1", "a.txt", 3);
        let b = finding("r", "an0thervalue", "b.txt", 1);
        let c = finding("r", "th1rdvalue99", "c.txt", 1);
        let base = Baseline::from_findings(&[a.clone(), b.clone()], Some("old"), None);
        let (next, added, pruned) = base.updated(&[b.clone(), c.clone()], Some("new"), None);
        assert_eq!((added, pruned), (1, 1));
        assert_eq!(next.entries.len(), 2);
        let reasons: Vec<_> = next.entries.iter().map(|e| e.reason.as_deref()).collect();
        assert!(reasons.contains(&Some("old")) && reasons.contains(&Some("new")));
        let (again, added, pruned) = next.updated(&[b, c], Some("new"), None);
        assert_eq!((added, pruned), (0, 0));
        assert_eq!(again.to_json(), next.to_json());
    }

    #[test]
    fn json_round_trip_and_errors_name_the_place() {
        let b = Baseline::from_findings(
            &[finding("r", "s3cr3tvalue1", "a.txt", 3)],
            Some("ok"),
            Some(day("2027-01-31")),
        );
        let text = b.to_json();
        assert!(text.contains("\"expires\": \"2027-01-31\""), "{text}");
        assert!(!text.contains("s3cr3tvalue1"));
        assert_eq!(Baseline::parse("b.json", &text).unwrap(), b);
        let bad = text.replace("\"reason\"", "\"reasn\"");
        let e = Baseline::parse("b.json", &bad).unwrap_err().to_string();
        assert!(e.starts_with("b.json:"), "{e}");
        assert!(e.contains("reasn"), "{e}");
        let e = Baseline::parse(
            "b.json",
            "{\"version\": 1, \"entries\": [\n{\"rule_id\": \"r\", \"fingerprint\": \"md5:x\"}]}",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("fingerprint must be"), "{e}");
    }
}
