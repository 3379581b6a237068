//! SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer), built with `serde-sarif`.
//!
//! Two runs, one per category: `nhiscan/secrets/` has one result per place a credential was
//! seen, under its detection rule; `nhiscan/governance/` has one result per verdict (every
//! verdict but `allowed`), under a rule per verdict kind. Results carry GitHub's
//! `primaryLocationLineHash` (computed by the command from the scanned file, see
//! `findings::linehash`) and our own stable key, the secret's fingerprint. Never a secret:
//! SARIF is uploaded and shared, so only redacted previews appear, even with `--show-secrets`.
//!
//! GitHub's limits are honoured: at most [`MAX_RESULTS`] results per run and [`MAX_GZIP_BYTES`]
//! gzipped; beyond them the most severe results are kept and a run notification says so.

use std::collections::BTreeMap;
use std::io::Write;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use serde_sarif::sarif;

use super::facts;
use super::Report;
use crate::findings::{Finding, Location};
use crate::policy::{Verdict, VerdictKind};
use crate::rules::{Confidence, Rule, Severity};

/// Characters percent-encoded in a relative URI: everything but RFC 3986 unreserved
/// characters and `/`. Spaces and non-ASCII (as UTF-8 bytes) are encoded.
pub const PATH_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// GitHub code scanning accepts at most this many results per run.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub code scanning accepts at most this many bytes of gzipped SARIF.
pub const MAX_GZIP_BYTES: usize = 10_000_000;

/// `automationDetails.id` of the two runs (the category is the part before the last `/`).
pub const SECRETS_RUN: &str = "nhiscan/secrets/";
pub const GOVERNANCE_RUN: &str = "nhiscan/governance/";

/// Our partial fingerprint: the secret's fingerprint, stable across moves and rebases.
pub const FINGERPRINT_KEY: &str = "nhiscanSecret/v1";

/// `(path, line)` -> GitHub line hash (`hex:n`).
pub type LineHashes = BTreeMap<(String, usize), String>;

#[derive(Debug, Clone)]
pub struct SarifOptions {
    pub line_hashes: LineHashes,
    pub max_results: usize,
    pub max_gzip_bytes: usize,
    /// Code-scanning category in place of `nhiscan`: the runs become `CATEGORY/secrets/` and
    /// `CATEGORY/governance/`, so scans of different scope (pull requests, the default branch)
    /// keep separate alert states.
    pub category: Option<String>,
}

impl Default for SarifOptions {
    fn default() -> Self {
        SarifOptions {
            line_hashes: LineHashes::new(),
            max_results: MAX_RESULTS,
            max_gzip_bytes: MAX_GZIP_BYTES,
            category: None,
        }
    }
}

/// Write the SARIF log, pretty-printed.
pub fn write(report: &Report, opts: &SarifOptions, mut w: impl Write) -> std::io::Result<()> {
    let log = build(report, opts);
    serde_json::to_writer_pretty(&mut w, &log)?;
    writeln!(w)
}

/// One result before it becomes SARIF: kept or dropped by severity when over the limits.
struct Item {
    severity: Severity,
    result: sarif::Result,
}

/// The SARIF log.
pub fn build(report: &Report, opts: &SarifOptions) -> sarif::Sarif {
    let secrets = secret_items(report, opts);
    let governance = governance_items(report, opts);
    let mut keep = [
        secrets.len().min(opts.max_results),
        governance.len().min(opts.max_results),
    ];
    loop {
        let log = assemble(
            report,
            &secrets,
            &governance,
            keep,
            opts.category.as_deref(),
        );
        if keep == [0, 0] || fits(&log, opts.max_gzip_bytes) {
            return log;
        }
        // Too large: cut the bigger run by a fifth and try again.
        let i = usize::from(keep[1] > keep[0]);
        keep[i] = keep[i] * 4 / 5;
    }
}

fn assemble(
    report: &Report,
    secrets: &[Item],
    governance: &[Item],
    keep: [usize; 2],
    category: Option<&str>,
) -> sarif::Sarif {
    let id = |default: &str| match category {
        Some(c) => format!(
            "{}/{}",
            c.trim_end_matches('/'),
            &default["nhiscan/".len()..]
        ),
        None => default.to_string(),
    };
    let runs = vec![
        run(
            report,
            &id(SECRETS_RUN),
            secret_rules(report),
            secrets,
            keep[0],
            scan_errors(report),
        ),
        run(
            report,
            &id(GOVERNANCE_RUN),
            verdict_rules(),
            governance,
            keep[1],
            Vec::new(),
        ),
    ];
    sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL.to_string())
        .version(json!("2.1.0"))
        .runs(runs)
        .build()
}

fn fits(log: &sarif::Sarif, max: usize) -> bool {
    let bytes = serde_json::to_vec_pretty(log).expect("SARIF serializes");
    if bytes.len() <= max {
        return true;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).expect("gzip to memory");
    gz.finish().expect("gzip to memory").len() <= max
}

fn run(
    report: &Report,
    id: &str,
    rules: Vec<sarif::ReportingDescriptor>,
    items: &[Item],
    keep: usize,
    mut notes: Vec<sarif::Notification>,
) -> sarif::Run {
    let index: BTreeMap<String, i64> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i as i64))
        .collect();
    // The most severe `keep` items, in their original order.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(items[i].severity));
    let mut kept: Vec<usize> = order.into_iter().take(keep).collect();
    kept.sort_unstable();
    if kept.len() < items.len() {
        let least = kept
            .iter()
            .map(|&i| items[i].severity)
            .min()
            .map_or("none", Severity::as_str);
        notes.push(notification(
            "warning",
            &format!(
                "{} of {} results are left out to stay within GitHub's limits ({} results per \
                 run, {} bytes gzipped); the most severe were kept (down to `{least}`). The \
                 JSON report lists every finding.",
                items.len() - kept.len(),
                items.len(),
                MAX_RESULTS,
                MAX_GZIP_BYTES
            ),
        ));
    }
    let results: Vec<sarif::Result> = kept
        .iter()
        .map(|&i| {
            let mut r = items[i].result.clone();
            if let Some(rid) = &r.rule_id {
                r.rule_index = index.get(rid).copied();
            }
            r
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("nhiscan".to_string())
        .semantic_version(report.tool.version.to_string())
        .rules(rules)
        .build();
    let invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notes)
        .build();
    sarif::Run::builder()
        .tool(sarif::Tool::from(driver))
        .automation_details(
            sarif::RunAutomationDetails::builder()
                .id(id.to_string())
                .build(),
        )
        .column_kind(json!("unicodeCodePoints"))
        .invocations(vec![invocation])
        .results(results)
        .build()
}

fn notification(level: &str, text: &str) -> sarif::Notification {
    sarif::Notification::builder()
        .level(json!(level))
        .message(sarif::Message::from(text))
        .build()
}

/// Files that could not be scanned, and what a baseline suppressed (never silently).
fn scan_errors(report: &Report) -> Vec<sarif::Notification> {
    let mut out: Vec<sarif::Notification> = report
        .errors
        .iter()
        .map(|e| notification("error", &format!("{}: {}", e.path, e.message)))
        .collect();
    if let Some(b) = &report.baseline {
        out.push(notification(
            "note",
            &format!(
                "{} suppressed by the baseline {} ({}, {} expired, {} unmatched)",
                crate::words::count(b.suppressed, "finding", "findings"),
                b.file,
                crate::words::count(b.entries, "entry", "entries"),
                b.expired,
                b.unmatched
            ),
        ));
    }
    out
}

/// A relative URI under `%SRCROOT%`.
pub fn uri(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, PATH_ENCODE).to_string()
}

fn location(l: &Location) -> sarif::Location {
    let region = sarif::Region::builder()
        .start_line(l.line as i64)
        .start_column(l.column as i64)
        .end_line(l.end_line as i64)
        .end_column(l.end_column as i64)
        .build();
    let artifact = sarif::ArtifactLocation::builder()
        .uri(uri(&l.path))
        .uri_base_id("%SRCROOT%".to_string())
        .build();
    sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        )
        .build()
}

fn fingerprints(f: &Finding, l: &Location, opts: &SarifOptions) -> BTreeMap<String, String> {
    let mut fp = BTreeMap::new();
    if let Some(h) = opts.line_hashes.get(&(l.path.clone(), l.line)) {
        fp.insert("primaryLocationLineHash".to_string(), h.clone());
    }
    fp.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    fp
}

/// Result properties: inventory owner, identity id, age in days, verdicts, and the finding's
/// non-secret facts. Unknown identity facts are left out.
fn properties(f: &Finding) -> sarif::PropertyBag {
    let id = facts::identity(f);
    let mut m = BTreeMap::new();
    m.insert("fingerprint".to_string(), json!(f.fingerprint));
    m.insert("redacted".to_string(), json!(f.redacted));
    m.insert("confidence".to_string(), json!(f.confidence.as_str()));
    if let Some(r) = &f.confidence_reason {
        m.insert("confidenceReason".to_string(), json!(r));
    }
    m.insert("provider".to_string(), json!(f.provider));
    m.insert("kind".to_string(), json!(f.kind.as_str()));
    if let Some(k) = &f.key_id {
        m.insert("keyId".to_string(), json!(k));
    }
    if let Some(o) = &id.owner {
        m.insert("owner".to_string(), json!(o));
    }
    if let Some(i) = &id.id {
        m.insert("identityId".to_string(), json!(i));
    }
    if let Some(a) = id.age_days {
        m.insert("ageDays".to_string(), json!(a));
    }
    let verdicts: Vec<&str> = facts::verdicts(f).iter().map(|v| v.kind.as_str()).collect();
    m.insert("verdicts".to_string(), json!(verdicts));
    m.insert("locations".to_string(), json!(f.locations.len()));
    sarif::PropertyBag::builder()
        .additional_properties(m)
        .build()
}

/// "<verdict>: <message>. Owner: …. Age: …." for a message.
fn verdict_sentence(f: &Finding, v: &Verdict) -> String {
    let id = facts::identity(f);
    let who = match &id.id {
        Some(i) => format!("{} (identity `{i}`)", facts::owner_text(&id)),
        None => facts::owner_text(&id),
    };
    format!(
        "{}: {}. Owner: {who}. Age: {}. Next: {}.",
        v.kind.as_str(),
        v.message,
        facts::age_text(&id),
        v.action
    )
}

fn secret_items(report: &Report, opts: &SarifOptions) -> Vec<Item> {
    let mut out = Vec::new();
    for f in &report.findings {
        let verdicts = facts::verdicts(f);
        let mut text = format!("{} `{}` is committed here", f.rule_name, f.redacted);
        match verdicts.first() {
            Some(v) => {
                text.push_str("; verdict ");
                text.push_str(&verdict_sentence(f, v));
            }
            None => {
                text.push('.');
                // A pipeline risk tied to an identity through its CI secrets.
                let id = facts::identity(f);
                if let Some(i) = &id.id {
                    text.push_str(&format!(
                        " Owner: {} (identity `{i}`).",
                        facts::owner_text(&id)
                    ));
                }
            }
        }
        for n in facts::ci_secret_notes(f) {
            text.push_str(&format!(" {}{}.", n[..1].to_uppercase(), &n[1..]));
        }
        if f.locations.len() > 1 {
            text.push_str(&format!(
                " The same secret is in {} places.",
                f.locations.len()
            ));
        }
        for l in &f.locations {
            let result = sarif::Result::builder()
                .rule_id(f.rule_id.clone())
                .level(result_level(f.severity))
                .message(sarif::Message::from(text.as_str()))
                .locations(vec![location(l)])
                .partial_fingerprints(fingerprints(f, l, opts))
                .properties(properties(f))
                .build();
            out.push(Item {
                severity: f.severity,
                result,
            });
        }
    }
    out
}

fn governance_items(report: &Report, opts: &SarifOptions) -> Vec<Item> {
    let mut out = Vec::new();
    for f in &report.findings {
        let Some(first) = f.locations.first() else {
            continue;
        };
        for v in facts::verdicts(f) {
            if v.kind == VerdictKind::Allowed {
                continue;
            }
            let mut text = format!(
                "{} `{}` ({}) is {}",
                f.rule_name,
                f.redacted,
                f.rule_id,
                verdict_sentence(f, v)
            );
            if f.locations.len() > 1 {
                text.push_str(&format!(
                    " Also in {}.",
                    crate::words::count(f.locations.len() - 1, "other place", "other places")
                ));
            }
            let mut fp = fingerprints(f, first, opts);
            fp.insert(
                "nhiscanVerdict/v1".to_string(),
                format!("{}:{}", v.kind.as_str(), f.fingerprint),
            );
            let result = sarif::Result::builder()
                .rule_id(verdict_rule_id(v.kind))
                .level(result_level(v.severity))
                .message(sarif::Message::from(text.as_str()))
                .locations(vec![location(first)])
                .partial_fingerprints(fp)
                .properties(properties(f))
                .build();
            out.push(Item {
                severity: v.severity,
                result,
            });
        }
    }
    out
}

fn result_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Note => sarif::ResultLevel::Note,
    }
}

/// GitHub's `security-severity`: critical above 9.0, high from 7.0, medium from 4.0.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "9.1",
        Severity::Warning => "7.5",
        Severity::Note => "4.0",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// What a `reportingDescriptor` says.
struct RuleDoc<'a> {
    id: &'a str,
    name: &'a str,
    full: &'a str,
    help_text: String,
    help_markdown: String,
    help_uri: Option<&'a str>,
    level: Severity,
    props: Value,
}

fn descriptor(d: RuleDoc<'_>) -> sarif::ReportingDescriptor {
    let help = sarif::MultiformatMessageString::builder()
        .text(d.help_text)
        .markdown(d.help_markdown)
        .build();
    let mut props: BTreeMap<String, Value> = serde_json::from_value(d.props).expect("object");
    let tags: Vec<String> = props
        .remove("tags")
        .and_then(|t| serde_json::from_value(t).ok())
        .unwrap_or_default();
    let config = sarif::ReportingConfiguration::builder()
        .level(json!(d.level.as_str()))
        .build();
    let text = |s: &str| {
        sarif::MultiformatMessageString::builder()
            .text(s.to_string())
            .build()
    };
    let b = sarif::ReportingDescriptor::builder()
        .id(d.id.to_string())
        .name(d.name.to_string())
        .short_description(text(d.name))
        .full_description(text(d.full))
        .help(help)
        .default_configuration(config)
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        );
    match d.help_uri {
        Some(u) => b.help_uri(u.to_string()).build(),
        None => b.build(),
    }
}

/// The rules the results use, in rule-set order (a log of every enabled rule would be mostly
/// descriptions: about 3.5 KB each). A rule a finding names that is not in the set gets a
/// minimal description.
fn secret_rules(report: &Report) -> Vec<sarif::ReportingDescriptor> {
    let used: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    let mut out: Vec<sarif::ReportingDescriptor> = report
        .rules
        .rules
        .iter()
        .filter(|r| used.contains(r.id.as_str()))
        .map(secret_rule)
        .collect();
    let known: std::collections::BTreeSet<&str> =
        report.rules.rules.iter().map(|r| r.id.as_str()).collect();
    let mut extra: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for f in &report.findings {
        if !known.contains(f.rule_id.as_str()) && extra.insert(f.rule_id.as_str()) {
            out.push(descriptor(RuleDoc {
                id: &f.rule_id,
                name: &f.rule_name,
                full: &f.rule_name,
                help_text: format!("{}\n\nHow to fix: {SECRET_FIX}", f.rule_name),
                help_markdown: format!("{}\n\n**How to fix.** {SECRET_FIX}", f.rule_name),
                help_uri: None,
                level: f.severity,
                props: json!({"tags": ["security", "secret", "owasp-nhi/NHI2"],
                              "precision": precision(f.confidence),
                              "security-severity": security_severity(f.severity)}),
            }));
        }
    }
    out
}

const SECRET_WHY: &str = "A credential committed to a repository can be read by everyone who can \
read the repository, its forks and clones, and it stays in the history after the line is \
removed. Whoever holds it acts as the non-human identity it belongs to (OWASP NHI2: Secret \
Leakage).";

const SECRET_FIX: &str = "Revoke or rotate the credential at its provider first (removing it \
from the code does not make it safe), update the systems that use it to read the new value \
from a secret manager, remove it from the code, and record the identity, its owner and its \
rotation policy in the inventory.";

fn secret_rule(r: &Rule) -> sarif::ReportingDescriptor {
    let what = if r.description.trim().is_empty() {
        r.name.clone()
    } else {
        r.description.trim().to_string()
    };
    let remediation = r.remediation.trim();
    let fix = if remediation.is_empty() {
        SECRET_FIX.to_string()
    } else {
        format!("{remediation} {SECRET_FIX}")
    };
    let text = format!("{what}\n\nWhy it matters: {SECRET_WHY}\n\nHow to fix: {fix}");
    let mut md = format!(
        "**{}** (`{}`)\n\n{what}\n\n**Why it matters.** {SECRET_WHY}\n\n**How to fix.** {fix}\n",
        r.name, r.id
    );
    if !r.references.is_empty() {
        md.push_str("\n**References**\n\n");
        for u in &r.references {
            md.push_str(&format!("- <{u}>\n"));
        }
    }
    descriptor(RuleDoc {
        id: &r.id,
        name: &r.name,
        full: &what,
        help_text: text,
        help_markdown: md,
        help_uri: r.references.first().map(String::as_str),
        level: r.severity,
        props: json!({
            "tags": ["security", "secret", "non-human-identity", "owasp-nhi/NHI2",
                     format!("provider/{}", r.provider), format!("kind/{}", r.kind.as_str())],
            "precision": precision(r.confidence),
            "security-severity": security_severity(r.severity),
        }),
    })
}

pub fn verdict_rule_id(k: VerdictKind) -> String {
    format!("nhi-{}", k.as_str())
}

fn verdict_rules() -> Vec<sarif::ReportingDescriptor> {
    facts::VERDICT_KINDS
        .iter()
        .map(|&k| {
            let t = facts::verdict_text(k);
            let text = format!(
                "{}\n\nWhy it matters: {}\n\nHow to fix: {}",
                t.what, t.why, t.fix
            );
            let md = format!(
                "**{}** (`{}`, OWASP NHI Top 10 {})\n\n{}\n\n**Why it matters.** {}\n\n**How to fix.** {}\n",
                t.title,
                k.as_str(),
                k.owasp(),
                t.what,
                t.why,
                t.fix
            );
            descriptor(RuleDoc {
                id: &verdict_rule_id(k),
                name: t.title,
                full: t.what,
                help_text: text,
                help_markdown: md,
                help_uri: Some("https://owasp.org/www-project-non-human-identities-top-10/"),
                level: t.severity,
                props: json!({
                    "tags": ["security", "non-human-identity", "governance",
                             format!("owasp-nhi/{}", k.owasp())],
                    "precision": "very-high",
                    "security-severity": security_severity(t.severity),
                }),
            })
        })
        .collect()
}

/// The line hash of each finding location's line, read from the scanned files the way GitHub's
/// upload would read them. A file that cannot be read now gets no hash (the uploader then
/// computes its own, or none); so do git sources, whose blobs need not match the checkout.
pub fn line_hashes_for(report: &Report, root: &std::path::Path) -> LineHashes {
    if report.scan.source.is_git() {
        return LineHashes::new();
    }
    let mut wanted: std::collections::BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for f in &report.findings {
        for l in &f.locations {
            wanted.entry(l.path.as_str()).or_default().push(l.line);
        }
    }
    let mut out = LineHashes::new();
    for (path, lines) in wanted {
        let file = if root.is_file() {
            root.to_path_buf()
        } else {
            root.join(path)
        };
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let hashes = crate::findings::linehash::line_hashes(&bytes);
        for line in lines {
            if let Some(h) = hashes.get(&line) {
                out.insert((path.to_string(), line), h.clone());
            }
        }
    }
    out
}
