//! One [`Report`] document per scan, rendered as text or JSON. Renderers only format: they
//! never scan, read files or decide policy, and they only ever see redacted secrets unless the
//! user passed `--show-secrets` (then `Finding::secret` is set).

pub mod audit;
pub mod facts;
pub mod github;
pub mod json;
pub mod markdown;
pub mod pipelines;
pub mod sarif;
pub mod text;
pub mod view;

use std::sync::Arc;

use serde::Serialize;

use crate::findings::baseline::BaselineSummary;
use crate::findings::Finding;
use crate::rules::{RuleSet, Severity};
use crate::sources::{ScanError, SourceStats};

/// Version of the JSON report schema (documented in the README). Bump on breaking changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub scan: ScanInfo,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    /// Warnings that are not errors (e.g. the history a shallow clone hides).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Present when findings were judged against an inventory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub governance: Option<Governance>,
    /// The pipelines of a working-tree scan (for `audit`; `nhiscan pipelines` prints it).
    #[serde(skip)]
    pub pipelines: Option<crate::pipelines::UsageMap>,
    /// Present when a baseline was applied: what it suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// The rules the scan used (for SARIF's rule descriptions); not part of the JSON report.
    #[serde(skip)]
    pub rules: Arc<RuleSet>,
    /// The `path`s of `errors` that are errors of the run rather than of one file (an
    /// inventory's problems): shown as `error:`, not `warning:`.
    #[serde(skip)]
    pub run_errors: Vec<String>,
}

/// What the findings were judged by, and how they came out.
#[derive(Debug, Serialize)]
pub struct Governance {
    /// The inventory file, as given.
    pub inventory: String,
    /// The date verdicts were computed for (`--now`).
    pub now: jiff::civil::Date,
    /// Identities in the inventory.
    pub identities: usize,
    /// Findings matched to exactly one identity.
    pub matched: usize,
    /// Findings per verdict kind.
    pub verdicts: std::collections::BTreeMap<&'static str, usize>,
}

impl Governance {
    pub fn new(
        inv: &crate::inventory::Inventory,
        now: jiff::civil::Date,
        findings: &[Finding],
    ) -> Governance {
        let mut verdicts = std::collections::BTreeMap::new();
        for f in findings {
            for v in &f.verdicts {
                *verdicts.entry(v.kind.as_str()).or_insert(0) += 1;
            }
        }
        Governance {
            inventory: inv.source.clone(),
            now,
            identities: inv.identities.len(),
            matched: findings.iter().filter(|f| f.identity.is_some()).count(),
            verdicts,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "nhiscan",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ScanInfo {
    /// `worktree` for a directory scan; `git`, `diff` or `staged` for the git sources.
    pub source: crate::sources::SourceKind,
    pub root: String,
    /// Number of rules enabled.
    pub rules: usize,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    /// Findings (one per rule and secret).
    pub findings: usize,
    /// Places those secrets were seen.
    pub locations: usize,
    /// Findings at or above the `--fail-on` severity.
    pub failing: usize,
    #[serde(flatten)]
    pub stats: SourceStats,
    pub duration_ms: u64,
}

impl Report {
    pub fn count_at_least(&self, level: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= level).count()
    }
}
