//! `nhiscan rules list` and `nhiscan rules check`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Result;

use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::cli::{ListFormat, RulesCommand};
use crate::rules::RuleSet;

pub fn main(cmd: RulesCommand) -> Result<i32> {
    match cmd {
        RulesCommand::List { rules, format } => {
            let set = RuleSet::load(&rules.sources(false))?;
            let mut out = std::io::stdout().lock();
            match format {
                ListFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &set.rules)?;
                    writeln!(out)?;
                }
                ListFormat::Text => {
                    for r in &set.rules {
                        writeln!(
                            out,
                            "{:<40} {:<8} {:<20} {:<20} {}",
                            r.id,
                            r.severity.as_str(),
                            r.provider,
                            r.kind.as_str(),
                            r.name
                        )?;
                    }
                    writeln!(out, "{} rules", set.rules.len())?;
                }
            }
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Check {
            rules,
            show_secrets,
        } => {
            let set = Arc::new(RuleSet::load(&rules.sources(true))?);
            let failures = crate::detect::selftest::check(&set, show_secrets);
            let mut err = std::io::stderr().lock();
            for f in &failures {
                writeln!(err, "{f}")?;
            }
            let examples: usize = set
                .rules
                .iter()
                .map(|r| r.examples.len() + r.negative_examples.len())
                .sum();
            if failures.is_empty() {
                println!(
                    "rules check: {} rules, {examples} examples: all passed",
                    set.rules.len()
                );
                Ok(EXIT_CLEAN)
            } else {
                println!(
                    "rules check: {} rules, {examples} examples: {} failed",
                    set.rules.len(),
                    failures.len()
                );
                Ok(EXIT_FINDINGS)
            }
        }
    }
}
