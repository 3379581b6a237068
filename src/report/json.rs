//! The JSON report: the [`super::Report`] document as is (schema in the README).

use std::io::Write;

use super::Report;

pub fn write(report: &Report, mut w: impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, report)?;
    writeln!(w)
}

/// JSON Lines: one `{"type": "finding", …}` object per finding, then one
/// `{"type": "summary", …}` with the rest of the report (schema version, tool, scan, summary,
/// baseline, errors). Each line is a complete JSON document, for streaming into log stores.
pub fn write_lines(report: &Report, mut w: impl Write) -> std::io::Result<()> {
    for f in &report.findings {
        let mut v = serde_json::to_value(f)?;
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("type".into(), "finding".into());
        }
        serde_json::to_writer(&mut w, &v)?;
        writeln!(w)?;
    }
    let mut v = serde_json::to_value(report)?;
    if let serde_json::Value::Object(m) = &mut v {
        m.remove("findings");
        m.insert("type".into(), "summary".into());
    }
    serde_json::to_writer(&mut w, &v)?;
    writeln!(w)
}
