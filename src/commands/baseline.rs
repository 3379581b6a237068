//! `nhiscan baseline create|update BASELINE_FILE [SCAN_PATH]`: scan, then write the findings'
//! stable identities (rule id + fingerprint) so `scan --baseline` accepts them.

use anyhow::Result;

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::cli::{BaselineArgs, BaselineCommand};
use crate::findings::baseline::Baseline;
use crate::scan::{self, ScanSettings};

pub fn main(cmd: BaselineCommand) -> Result<i32> {
    let (args, update) = match cmd {
        BaselineCommand::Create(a) => (a, false),
        BaselineCommand::Update(a) => (a, true),
    };
    let settings = settings(&args);
    let report = scan::run(&settings)?;
    let (baseline, message) = if update && args.file.exists() {
        let old = Baseline::load(&args.file)?;
        let (new, added, pruned) =
            old.updated(&report.findings, args.reason.as_deref(), args.expires);
        let msg = format!(
            "{}: {} ({added} added, {pruned} pruned)",
            args.file.display(),
            crate::words::count(new.entries.len(), "entry", "entries")
        );
        (new, msg)
    } else {
        let new = Baseline::from_findings(&report.findings, args.reason.as_deref(), args.expires);
        let msg = format!(
            "{}: {}",
            args.file.display(),
            crate::words::count(new.entries.len(), "entry", "entries")
        );
        (new, msg)
    };
    let text = baseline.to_json();
    std::fs::write(&args.file, text)
        .map_err(|e| anyhow::anyhow!("{}: cannot write baseline: {e}", args.file.display()))?;
    eprintln!("nhiscan: baseline {message}");
    // The baseline is written either way; files that could not be scanned make the exit code
    // say so, as a scan's would.
    for e in &report.errors {
        eprintln!("warning: {}: {}", e.path, e.message);
    }
    Ok(if report.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}

fn settings(a: &BaselineArgs) -> ScanSettings {
    ScanSettings {
        rules: a.rules.sources(false),
        config: a.config.clone(),
        no_ignore: a.no_ignore,
        min_confidence: a.confidence,
        fail_on: None,
        ..ScanSettings::new(&a.path)
    }
}
