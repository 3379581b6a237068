//! `nhiscan scan PATH`: the command line to [`ScanSettings`], the library scan, the renderers,
//! the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;

use super::output::{write_all, Outputs};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::{ColorChoice, ScanArgs};
use crate::config;
use crate::report::{self, Report};
use crate::scan::{Outcome, ScanPlan, ScanSettings};

/// Exit code for a finished scan: findings that fail the policy win over per-file errors.
pub fn exit_code(report: &Report) -> i32 {
    if report.summary.failing > 0 {
        EXIT_FINDINGS
    } else if report.summary.stats.errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

/// The closing line of a run whose inventory was given but not applied (its problems are
/// listed above it, located): `None` when the inventory was fine or there was none.
pub fn inventory_failure(outcome: &Outcome) -> Option<String> {
    let errors = outcome.inventory_errors();
    let first = errors.first()?;
    Some(format!(
        "the inventory {} has {} (listed above): it was not applied and no finding was judged; fix {} (`nhiscan inventory check {}`)",
        first.file,
        crate::words::count(errors.len(), "problem", "problems"),
        crate::words::noun(errors.len(), "it", "them"),
        first.file,
    ))
}

pub fn main(args: ScanArgs) -> Result<i32> {
    let max_file_size = args
        .max_file_size
        .as_deref()
        .map(config::parse_size)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let settings = ScanSettings {
        root: args.path.clone(),
        rules: args.rules.sources(false),
        config: args.config.clone(),
        no_ignore: args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        threads: args.threads.unwrap_or(0),
        max_file_size,
        min_confidence: args.confidence,
        fail_on: args.fail_on.threshold(),
        show_secrets: args.show_secrets,
        inventory: args.inventory.clone(),
        now: args.now,
        // As a hook (`--staged`), pre-commit's pre-push stage hands over the pushed range.
        git: if args.git.staged {
            Some(super::hook::staged_mode_from_env())
        } else {
            args.git.mode()
        },
        baseline: args.outputs.baseline.clone(),
        fingerprint_key: args
            .fingerprint_key_env
            .as_deref()
            .map(super::fingerprint_key)
            .transpose()?,
        progress: None,
    };
    // A history scan can take minutes: a bar on a terminal, nothing on a pipe or with --quiet.
    let history = matches!(settings.git, Some(crate::sources::git::GitMode::History(_)));
    let bar = super::progress::GitBar::start(history && super::progress::wanted(args.quiet));
    let settings = ScanSettings {
        progress: bar.counters(),
        ..settings
    };
    let outcome = ScanPlan::resolve(&settings).and_then(|p| p.run());
    bar.finish();
    let outcome = outcome?;
    let inventory_failed = inventory_failure(&outcome);
    let report = outcome.report;
    let stdout = std::io::stdout();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && stdout.is_terminal(),
    };
    let outputs = Outputs {
        stdout: args.format,
        files: args.outputs.clone(),
        color,
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    };
    write_all(&report, &args.path, &outputs, &mut stdout.lock())?;
    let err_color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
        }
    };
    report::text::summary(
        &report,
        report::text::Style { color: err_color },
        std::io::stderr(),
    )?;
    if let Some(msg) = &inventory_failed {
        eprintln!("nhiscan: error: {msg}");
        return Ok(EXIT_ERROR);
    }
    let code = exit_code(&report);
    if args.git.staged && code == EXIT_FINDINGS {
        super::hook::write_allow_hint(std::io::stderr())?;
    }
    Ok(code)
}
