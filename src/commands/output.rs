//! Every report one scan writes: the format on stdout plus any of `--sarif`, `--markdown`,
//! `--json`, `--jsonl` files, so CI scans once. Also the places the command layer (not the
//! renderers) reads the outside world for a report: the scanned files for SARIF line hashes,
//! the GitHub environment for links and the job summary.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::{Format, OutputArgs};
use crate::report::markdown::MarkdownOptions;
use crate::report::sarif::{LineHashes, SarifOptions};
use crate::report::{self, Report};

/// Where a scan's reports go.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub stdout: Format,
    pub files: OutputArgs,
    /// Colour for text on stdout.
    pub color: bool,
    /// `$GITHUB_STEP_SUMMARY`, for `--format github`.
    pub step_summary: Option<PathBuf>,
}

/// Write every report. Files are written whole (a partial report is never left behind).
pub fn write_all(report: &Report, root: &Path, o: &Outputs, out: &mut dyn Write) -> Result<()> {
    let needs_hashes = o.stdout == Format::Sarif || o.files.sarif.is_some();
    let sarif_opts = SarifOptions {
        line_hashes: if needs_hashes {
            crate::report::sarif::line_hashes_for(report, root)
        } else {
            LineHashes::new()
        },
        category: o.files.sarif_category.clone(),
        ..SarifOptions::default()
    };
    let md_opts = MarkdownOptions {
        link_base: o.files.link_base.clone().or_else(github_link_base),
        ..MarkdownOptions::default()
    };
    let markdown = |skip_empty: bool| -> String {
        if skip_empty && report.findings.is_empty() {
            String::new()
        } else {
            report::markdown::render(report, &md_opts)
        }
    };
    match o.stdout {
        Format::Text => {
            report::text::write(report, report::text::Style { color: o.color }, &mut *out)?
        }
        Format::Json => report::json::write(report, &mut *out)?,
        Format::Jsonl => report::json::write_lines(report, &mut *out)?,
        Format::Sarif => report::sarif::write(report, &sarif_opts, &mut *out)?,
        Format::Markdown => out.write_all(markdown(o.files.markdown_skip_empty).as_bytes())?,
        Format::Github => {
            report::github::write_annotations(report, &mut *out)?;
            if let Some(p) = &o.step_summary {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("{}: cannot open job summary", p.display()))?;
                f.write_all(markdown(false).as_bytes())
                    .with_context(|| format!("{}: cannot write job summary", p.display()))?;
            }
        }
    }
    out.flush()?;
    if let Some(p) = &o.files.sarif {
        let mut buf = Vec::new();
        report::sarif::write(report, &sarif_opts, &mut buf)?;
        write_file(p, &buf)?;
    }
    if let Some(p) = &o.files.markdown {
        write_file(p, markdown(o.files.markdown_skip_empty).as_bytes())?;
    }
    if let Some(p) = &o.files.json {
        let mut buf = Vec::new();
        report::json::write(report, &mut buf)?;
        write_file(p, &buf)?;
    }
    if let Some(p) = &o.files.jsonl {
        let mut buf = Vec::new();
        report::json::write_lines(report, &mut buf)?;
        write_file(p, &buf)?;
    }
    Ok(())
}

fn write_file(p: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(p, bytes).with_context(|| format!("{}: cannot write report", p.display()))
}

/// `https://github.com/OWNER/REPO/blob/SHA` inside a GitHub Actions job.
fn github_link_base() -> Option<String> {
    let server = std::env::var("GITHUB_SERVER_URL").ok()?;
    let repo = std::env::var("GITHUB_REPOSITORY").ok()?;
    let sha = std::env::var("GITHUB_SHA").ok()?;
    Some(format!(
        "{}/{repo}/blob/{sha}",
        server.trim_end_matches('/')
    ))
}
