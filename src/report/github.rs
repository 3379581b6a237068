//! GitHub Actions output: one workflow command per finding location (`::error file=…,line=…`),
//! which the runner turns into annotations on the pull request, and a job summary (the
//! Markdown report) for `$GITHUB_STEP_SUMMARY`. Redacted previews only, always: job logs are
//! shared.

use std::io::Write;

use super::facts;
use super::Report;
use crate::rules::Severity;

/// Write one workflow command per (finding, location), then a warning per file that could
/// not be scanned.
pub fn write_annotations(report: &Report, mut w: impl Write) -> std::io::Result<()> {
    for f in &report.findings {
        let id = facts::identity(f);
        let verdicts = facts::verdicts(f);
        let command = match facts::level(f) {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let title = format!("{} ({})", f.rule_name, f.rule_id);
        let mut message = format!("{} {}", f.rule_name, f.redacted);
        if let Some(v) = verdicts.first() {
            message.push_str(&format!(
                " is {}: {}. Owner: {}. Age: {}. Next: {}.",
                v.kind.as_str(),
                v.message,
                facts::owner_text(&id),
                facts::age_text(&id),
                v.action
            ));
        }
        message.push_str(&format!(" Fingerprint {}.", f.fingerprint));
        for l in &f.locations {
            let mut props = format!("file={},line={}", property(&l.path), l.line);
            if l.end_line == l.line {
                props.push_str(&format!(",col={},endColumn={}", l.column, l.end_column));
            } else {
                props.push_str(&format!(",endLine={}", l.end_line));
            }
            props.push_str(&format!(",title={}", property(&title)));
            writeln!(w, "::{command} {props}::{}", data(&message))?;
        }
    }
    for e in &report.errors {
        writeln!(
            w,
            "::warning file={},title=nhiscan could not scan this file::{}",
            property(e.path.strip_prefix("./").unwrap_or(&e.path)),
            data(&e.message)
        )?;
    }
    Ok(())
}

/// Escape a workflow command's message.
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50%\nnext\r"), "50%25%0Anext%0D");
        assert_eq!(property("a,b:c%"), "a%2Cb%3Ac%25");
    }
}
