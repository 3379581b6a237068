//! `nhiscan rules list` and `nhiscan rules check`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Result;

use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::cli::{ListFormat, RulesCommand};
use crate::detect::{Dropped, Engine, EngineOptions};
use crate::findings::redact;
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
            let failures = check(&set, show_secrets);
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

/// Run every example through the real engine with only its rule enabled. Returns one message
/// per failure, naming the rule's file and line.
pub fn check(set: &Arc<RuleSet>, show_secrets: bool) -> Vec<String> {
    let engine = Engine::new(set.clone(), EngineOptions::default());
    let shown = |s: &str| {
        if show_secrets {
            format!("{s:?}")
        } else {
            redact(s.as_bytes())
        }
    };
    let mut failures = Vec::new();
    for (ri, rule) in set.rules.iter().enumerate() {
        let place = format!("{}:{}: rule `{}`", rule.source, rule.line, rule.id);
        // Patterns of built-in rules compile lazily; force it here.
        let _ = rule.regex();
        for (i, ex) in rule.examples.iter().enumerate() {
            let mut dropped = Dropped::default();
            let got = engine.scan_rule(ex.text.as_bytes(), ri, &mut dropped);
            let ok = got.iter().any(|m| {
                m.secret.as_bytes() == ex.secret.as_bytes() && m.confidence >= rule.confidence
            });
            if !ok {
                let found: Vec<String> = got
                    .iter()
                    .map(|m| {
                        format!(
                            "{} ({} confidence)",
                            shown(&m.secret.expose()),
                            m.confidence.as_str()
                        )
                    })
                    .collect();
                failures.push(format!(
                    "{place}: example {} should find secret {} but found [{}]{}",
                    i + 1,
                    shown(&ex.secret),
                    found.join(", "),
                    why_dropped(&dropped)
                ));
            }
        }
        for (i, text) in rule.negative_examples.iter().enumerate() {
            let mut dropped = Dropped::default();
            let got = engine.scan_rule(text.as_bytes(), ri, &mut dropped);
            if let Some(m) = got.first() {
                failures.push(format!(
                    "{place}: negative example {} should find nothing but found {}",
                    i + 1,
                    shown(&m.secret.expose())
                ));
            }
        }
    }
    failures
}

fn why_dropped(d: &Dropped) -> String {
    let mut why = Vec::new();
    for (n, label) in [
        (d.placeholder, "placeholder filter"),
        (d.low_entropy, "below min_entropy"),
        (d.check_rejected, "rejected by check"),
        (d.below_confidence, "check failed (low confidence)"),
        (d.inline_allowed, "nhiscan:allow on the line"),
    ] {
        if n > 0 {
            why.push(format!("{n} dropped: {label}"));
        }
    }
    if why.is_empty() {
        String::new()
    } else {
        format!(" ({})", why.join("; "))
    }
}
