//! One [`Report`] document per scan, rendered as text or JSON. Renderers only format: they
//! never scan, read files or decide policy, and they only ever see redacted secrets unless the
//! user passed `--show-secrets` (then `Finding::secret` is set).

pub mod facts;
pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

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
    /// Present when a baseline was applied: what it suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// The rules the scan used (for SARIF's rule descriptions); not part of the JSON report.
    #[serde(skip)]
    pub rules: Arc<RuleSet>,
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
    /// `worktree` for a directory scan.
    pub source: &'static str,
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
