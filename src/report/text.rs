//! Human output: findings grouped by file, then one summary line. Colour only on a terminal,
//! and never when `NO_COLOR` is set.

use std::collections::BTreeMap;
use std::io::Write;

use super::Report;
use crate::findings::{Finding, Location};
use crate::rules::Severity;
use crate::words::count;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "36",
        };
        self.paint(code, &format!("{:<7}", s.as_str()))
    }
}

pub fn write(report: &Report, style: Style, mut w: impl Write) -> std::io::Result<()> {
    // path -> (line, column, finding)
    let mut by_file: BTreeMap<&str, Vec<(usize, usize, &Finding, &Location)>> = BTreeMap::new();
    for f in &report.findings {
        for l in &f.locations {
            by_file
                .entry(l.path.as_str())
                .or_default()
                .push((l.line, l.column, f, l));
        }
    }
    for (path, mut hits) in by_file {
        hits.sort_by(|a, b| {
            (a.0, a.1, &a.2.rule_id, &a.3.git).cmp(&(b.0, b.1, &b.2.rule_id, &b.3.git))
        });
        writeln!(w, "{}", style.paint("1", path))?;
        for (line, col, f, loc) in hits {
            let shown = f.secret.as_deref().unwrap_or(&f.redacted);
            let mut extra = String::new();
            if let Some(k) = &f.key_id {
                extra.push_str(&format!("  key_id={k}"));
            }
            writeln!(
                w,
                "  {:>5}:{:<4} {} {}  {}  {}  [{} confidence{}]{}",
                line,
                col,
                style.severity(f.severity),
                style.paint("1", &f.rule_id),
                f.rule_name,
                style.paint("2", shown),
                f.confidence.as_str(),
                f.confidence_reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default(),
                extra,
            )?;
            if let Some(g) = &loc.git {
                writeln!(
                    w,
                    "               {} {}  {}  {}",
                    style.paint("2", "commit"),
                    style.paint("33", g.commit.get(..12).unwrap_or(&g.commit)),
                    g.author,
                    g.date,
                )?;
            }
            if report.governance.is_some() {
                governance(f, style, &mut w)?;
            }
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The identity and verdicts under a finding (only when an inventory judged it).
fn governance(f: &Finding, style: Style, w: &mut impl Write) -> std::io::Result<()> {
    if let Some(id) = &f.identity {
        let mut who = Vec::new();
        if let Some(o) = &id.owner {
            who.push(format!("owner {o}"));
        }
        if let Some(c) = &id.contact {
            who.push(format!("contact {c}"));
        }
        who.push(format!("matched by {}", id.matched_by.as_str()));
        writeln!(
            w,
            "               identity {} ({})",
            style.paint("1", &id.id),
            who.join(", ")
        )?;
    }
    for n in super::facts::ci_secret_notes(f) {
        writeln!(w, "               {n}")?;
    }
    for v in &f.verdicts {
        writeln!(
            w,
            "               {} {} [{}] {}; {}",
            style.severity(v.severity),
            style.paint("1", v.kind.as_str()),
            v.owasp,
            v.message,
            v.action
        )?;
    }
    Ok(())
}

/// The summary line(s), written to stderr by the CLI so stdout stays the findings.
pub fn summary(report: &Report, style: Style, mut w: impl Write) -> std::io::Result<()> {
    let s = &report.summary;
    let st = &s.stats;
    for n in &report.notes {
        writeln!(w, "{} {n}", style.paint("33", "note:"))?;
    }
    for e in &report.errors {
        let label = if report.run_errors.contains(&e.path) {
            style.paint("31", "error:")
        } else {
            style.paint("33", "warning:")
        };
        writeln!(w, "{label} {}: {}", e.path, e.message)?;
    }
    let mut parts = vec![format!(
        "{} ({})",
        count(s.findings, "finding", "findings"),
        count(s.locations, "location", "locations")
    )];
    parts.push(format!(
        "scanned {}, {}",
        count(st.files, "file", "files"),
        human_bytes(st.bytes)
    ));
    if st.duplicates > 0 {
        parts.push(format!(
            "{} scanned once",
            count(st.duplicates, "duplicate", "duplicates")
        ));
    }
    let sk = &st.skipped;
    if sk.total() > 0 {
        let mut why = Vec::new();
        for (n, label) in [
            (sk.binary, "binary"),
            (sk.too_large, "too large"),
            (sk.symlinks, "symlink"),
            (sk.allowlisted_path, "allowlisted path"),
        ] {
            if n > 0 {
                why.push(format!("{n} {label}"));
            }
        }
        parts.push(format!("skipped {} ({})", sk.total(), why.join(", ")));
    }
    if st.non_utf8 > 0 {
        parts.push(format!("{} not UTF-8 (scanned as bytes)", st.non_utf8));
    }
    if st.errors > 0 {
        parts.push(style.paint("33", &count(st.errors, "error", "errors")));
    }
    let d = &st.dropped;
    let suppressed = d.inline_allowed + d.allowlisted;
    if suppressed > 0 {
        parts.push(format!("{suppressed} suppressed by allowlist"));
    }
    if let Some(b) = &report.baseline {
        let mut part = format!("{} suppressed by baseline", b.suppressed);
        if b.expired > 0 {
            part.push_str(&format!(
                " ({} expired)",
                count(b.expired, "entry", "entries")
            ));
        }
        parts.push(part);
    }
    if let Some(g) = &report.governance {
        let counts: Vec<String> = g.verdicts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        parts.push(format!(
            "inventory: {}, {} matched{}",
            count(g.identities, "identity", "identities"),
            g.matched,
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            }
        ));
    }
    parts.push(format!("{:.2}s", s.duration_ms as f64 / 1000.0));
    let head = if s.failing > 0 {
        style.paint("1;31", "nhiscan:")
    } else {
        style.paint("1;32", "nhiscan:")
    };
    writeln!(w, "{head} {}", parts.join(" · "))
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
