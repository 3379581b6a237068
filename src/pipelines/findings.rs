//! Where the pipeline analysis meets the scan's findings: analysed files become the usage
//! map, their hardcoded credentials and risky patterns become findings (in the findings'
//! stable order), their parse errors become the scan's counted errors.

use std::collections::BTreeMap;

use super::hardcoded::{to_findings, HardcodedHit};
use super::{risks, Analysis, Located, UsageMap};

/// The usage map of analysed files, and their hardcoded credentials by path.
pub fn collect(
    analyses: Vec<(String, Analysis)>,
    mut errors: Vec<Located>,
) -> (UsageMap, Vec<HardcodedHit>) {
    let mut pipelines = Vec::new();
    let mut risks = Vec::new();
    let mut hard = Vec::new();
    let mut calls = Vec::new();
    let mut composites = BTreeMap::new();
    for (rel, a) in analyses {
        calls.extend(a.local_calls);
        if let Some(c) = a.composite {
            composites.insert(rel.clone(), c);
        }
        if let (false, Some(p)) = (a.hardcoded.is_empty(), &a.pipeline) {
            hard.push(HardcodedHit {
                path: rel,
                system: p.system,
                git: None,
                presence: Default::default(),
                found: a.hardcoded,
            });
        }
        pipelines.extend(a.pipeline);
        errors.extend(a.error);
        risks.extend(a.risks);
    }
    hard.sort_by(|a, b| a.path.cmp(&b.path));
    risks.extend(super::composite::risks(&calls, &composites));
    (UsageMap::new(pipelines, risks, errors), hard)
}

/// The scan's part: from the pipeline configs the walk analysed, add their hardcoded
/// credentials to `findings` (in the findings' stable order) and their parse errors to
/// `errors`, and return the usage map.
pub fn scan_into(
    analyses: Vec<(String, Analysis)>,
    findings: &mut Vec<crate::findings::Finding>,
    errors: &mut Vec<crate::sources::ScanError>,
    stats: &mut crate::sources::SourceStats,
    show_secrets: bool,
) -> UsageMap {
    let (map, hard) = collect(analyses, Vec::new());
    add_hardcoded(&hard, findings, show_secrets);
    for e in &map.errors {
        errors.push(crate::sources::ScanError {
            path: e.at(),
            message: e.message.clone(),
        });
        stats.errors += 1;
    }
    errors.sort();
    map
}

/// Add hardcoded pipeline credentials to the findings of a scan (working tree or git), in the
/// findings' stable order. Git scans see only hardcoded credentials: risks and the usage map
/// describe the pipelines as they are now, so they come from working-tree scans alone.
pub fn add_hardcoded(
    hits: &[HardcodedHit],
    findings: &mut Vec<crate::findings::Finding>,
    show_secrets: bool,
) {
    let extra = to_findings(hits, findings, show_secrets);
    if !extra.is_empty() {
        findings.extend(extra);
        crate::findings::sort_in_report_order(findings);
    }
}

/// Risky patterns as findings: fingerprinted by rule, path, job and subject (never by line,
/// so they survive edits), severity, OWASP id and fix in `attributes`. They hold no secret.
pub fn risk_findings(risks: &[risks::Risk]) -> Vec<crate::findings::Finding> {
    risks
        .iter()
        .map(|r| {
            let identity = format!(
                "{}\0{}\0{}\0{}",
                r.rule_id,
                r.path,
                r.job.as_deref().unwrap_or(""),
                r.subject
            );
            let mut attributes = BTreeMap::new();
            attributes.insert("owasp".to_string(), r.owasp.to_string());
            attributes.insert("message".to_string(), r.message.clone());
            attributes.insert("fix".to_string(), r.fix.clone());
            if let Some(j) = &r.job {
                attributes.insert("job".to_string(), j.clone());
            }
            crate::findings::Finding {
                rule_id: r.rule_id.to_string(),
                rule_name: r.message.clone(),
                provider: "ci".into(),
                kind: crate::rules::Kind::Token,
                severity: r.severity,
                confidence: crate::rules::Confidence::High,
                confidence_reason: None,
                fingerprint: crate::findings::fingerprint(identity.as_bytes()),
                redacted: r.subject.clone(),
                secret: None,
                key_id: None,
                attributes,
                locations: vec![crate::findings::Location {
                    path: r.path.clone(),
                    line: r.line,
                    column: r.column,
                    end_line: r.line,
                    end_column: r.column,
                    git: None,
                    attributes: Default::default(),
                }],
                first_seen: None,
                last_seen: None,
                present_at_head: None,
                verdicts: Vec::new(),
                identity: None,
            }
        })
        .collect()
}
