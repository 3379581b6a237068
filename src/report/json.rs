//! The JSON report: the [`super::Report`] document as is (schema in the README).

use std::io::Write;

use super::Report;

pub fn write(report: &Report, mut w: impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, report)?;
    writeln!(w)
}
