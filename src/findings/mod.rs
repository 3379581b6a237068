//! Raw matches become findings: one finding per (rule, secret) with every place it was seen,
//! a stable fingerprint and a redacted preview. This is the last place a raw secret is held;
//! everything downstream sees the fingerprint and the preview unless the user asked for
//! `--show-secrets`.

pub mod baseline;
mod context;
pub(crate) use context::BUILTIN_TEST_PATHS;
pub mod linehash;
mod verdict;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use crate::secret::{fingerprint, redact, Secret};
pub use context::{TestPaths, TEST_PATH_REASON};
pub use verdict::{IdentityRef, MatchedBy, Verdict, VerdictKind};

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
    /// The commit this location was seen in, for git sources (absent for the working tree).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitRef>,
    /// What differs from one place of a secret to the next (the key a pipeline assigns it to,
    /// the CI system): `attributes` of the JSON location, absent when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// The commit a git location was seen in: `commit`, `author`, `date` in the JSON location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GitRef {
    /// Committer time, seconds since the epoch: orders locations and gives the age.
    #[serde(skip)]
    pub time: i64,
    /// Full hex commit id.
    pub commit: String,
    /// `Name <email>` of the author.
    pub author: String,
    /// Committer date, RFC 3339 with the committer's offset.
    pub date: String,
}

/// What a git source knows about a content beyond the commit that introduced it.
#[derive(Debug, Clone, Default)]
pub struct Presence {
    /// Whether the content is in HEAD's tree; `None` when the source cannot tell.
    pub at_head: Option<bool>,
    /// The newest time (and its formatted date) the content was still in a tree.
    pub last: Option<(i64, String)>,
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
    /// Why `confidence` is lower than the rule's: `test or fixture path` when every location
    /// is a test, fixture, mock or example path (`rules/context/test-paths.yaml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence_reason: Option<String>,
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
    /// Git sources: date of the earliest commit that introduced this secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Git sources: the newest date the secret was still in a tree (HEAD's date when it still
    /// is, else the date of the commit that removed it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Git sources: whether HEAD's tree still holds the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present_at_head: Option<bool>,
    /// Governance verdicts (see `policy`); without an inventory, `unregistered`; none when the
    /// inventory given had problems and was not applied.
    pub verdicts: Vec<Verdict>,
    /// The inventory identity this credential belongs to, when one matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityRef>,
}

/// `first_seen` and `last_seen` of a secret from its git locations and the newest time a
/// source saw its content still in a tree (`last`).
pub fn seen_dates(
    locations: &[Location],
    last: Option<(i64, String)>,
) -> (Option<String>, Option<String>) {
    let first = locations
        .iter()
        .filter_map(|l| l.git.as_ref())
        .min_by_key(|r| r.time);
    let first_seen = first.map(|r| r.date.clone());
    // A secret introduced later than it was last removed was re-added: the newest
    // introduction then bounds last_seen from below.
    let newest = locations
        .iter()
        .filter_map(|l| l.git.as_ref())
        .max_by_key(|r| r.time);
    let last_seen = match (last, newest) {
        (Some(l), Some(n)) if n.time > l.0 => Some(n.date.clone()),
        (Some(l), _) => Some(l.1),
        (None, n) => n.map(|r| r.date.clone()),
    };
    (first_seen, last_seen)
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
    at_head: Option<bool>,
    last: Option<(i64, String)>,
}

impl FindingsBuilder {
    /// Record the matches of one content seen at `path`.
    pub fn add(&mut self, path: &str, matches: &[Match]) {
        self.add_git(path, None, &Presence::default(), matches);
    }

    /// Record the matches of one content seen at `path` in a commit (`git`), with what the
    /// source knows about where else that content still is.
    pub fn add_git(
        &mut self,
        path: &str,
        git: Option<&GitRef>,
        presence: &Presence,
        matches: &[Match],
    ) {
        for m in matches {
            let g = self
                .groups
                .entry((m.rule, m.secret.clone()))
                .or_insert_with(|| Group {
                    confidence: m.confidence,
                    key_id: None,
                    attributes: BTreeMap::new(),
                    locations: Vec::new(),
                    at_head: None,
                    last: None,
                });
            if let Some(h) = presence.at_head {
                g.at_head = Some(g.at_head.unwrap_or(false) || h);
            }
            if let Some(l) = &presence.last {
                if g.last.as_ref().is_none_or(|cur| l.0 > cur.0) {
                    g.last = Some(l.clone());
                }
            }
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
                git: git.cloned(),
                attributes: BTreeMap::new(),
            });
        }
    }

    /// Findings in a stable order: by first location, then rule id, then fingerprint.
    pub fn finish(self, rules: &RuleSet, show_secrets: bool) -> Vec<Finding> {
        // Built once per process: an org run finishes one builder per blob with findings.
        static TEST_PATHS: std::sync::LazyLock<TestPaths> =
            std::sync::LazyLock::new(TestPaths::builtin);
        let test_paths = &*TEST_PATHS;
        let mut out: Vec<Finding> = self
            .groups
            .into_iter()
            .map(|((ri, secret), mut g)| {
                let rule = &rules.rules[ri];
                g.locations.sort();
                g.locations.dedup();
                let (first_seen, last_seen) = seen_dates(&g.locations, g.last);
                // Lowered, never dropped: a finding seen only in tests and fixtures stays.
                let in_tests = !g.locations.is_empty()
                    && g.locations.iter().all(|l| test_paths.matches(&l.path));
                let (confidence, confidence_reason) = if in_tests {
                    (Confidence::Low, Some(TEST_PATH_REASON.to_string()))
                } else {
                    (g.confidence, None)
                };
                Finding {
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    provider: rule.provider.clone(),
                    kind: rule.kind,
                    severity: rule.severity,
                    confidence,
                    confidence_reason,
                    fingerprint: secret.fingerprint(),
                    redacted: secret.redacted(),
                    secret: show_secrets.then(|| secret.expose().into_owned()),
                    key_id: g.key_id,
                    attributes: g.attributes,
                    locations: g.locations,
                    first_seen,
                    last_seen,
                    present_at_head: g.at_head,
                    verdicts: Vec::new(),
                    identity: None,
                }
            })
            .collect();
        sort_in_report_order(&mut out);
        out
    }
}

/// The one order of a report's findings: first location, then rule id, then fingerprint
/// (stable across runs, so CI diffs and baselines work).
pub fn sort_in_report_order(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.locations
            .first()
            .cmp(&b.locations.first())
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
}
