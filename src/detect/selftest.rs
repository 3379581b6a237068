//! The rules' self-test: every example and negative example of a rule set through the real
//! engine (`nhiscan rules check`, and the test suite over the built-in rules).

use std::sync::Arc;

use super::{Dropped, Engine, EngineOptions};
use crate::rules::RuleSet;
use crate::secret::redact;

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
            // A value whose checksum fails is kept at low confidence, reported only on request:
            // below the rule's own confidence it is the negative the rule means.
            if let Some(m) = got.iter().find(|m| m.confidence >= rule.confidence) {
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
        (d.documented_example, "a provider's documented example"),
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
