//! No output shows a raw secret unless `--show-secrets` is given. The tree holds every example
//! of every built-in rule, so each rule's secrets are checked in every format.

use nhiscan::detect::checks::Check;
use nhiscan::rules::{RuleSet, RuleSources};

use crate::harness::Tree;

/// The planted tree and the secret values that must never be printed. Identifiers are left
/// out: access key ids (AWS, Alibaba) and `identifier_only` rules (Twilio SIDs) are non-secret
/// by design and are printed as the `key_id` the inventory matches on.
fn planted() -> (Tree, Vec<String>) {
    let set = RuleSet::load(&RuleSources {
        compile_all: true,
        ..Default::default()
    })
    .unwrap();
    let t = Tree::new();
    let mut secrets = Vec::new();
    // Rules whose matches name other findings (`key_id_from`) find identifiers.
    let namers: Vec<&str> = set
        .rules
        .iter()
        .filter_map(|r| r.key_id_from.as_deref())
        .collect();
    for r in &set.rules {
        for (i, ex) in r.examples.iter().enumerate() {
            t.write(&format!("planted/{}/{i}.txt", r.id), &ex.text);
            let identifier = r.identifier_only
                || r.check == Some(Check::AwsAccessKeyId)
                || namers.contains(&r.id.as_str());
            if !identifier && ex.secret.len() >= 8 {
                secrets.push(ex.secret.clone());
            }
        }
    }
    (t, secrets)
}

fn leaks<'a>(text: &str, secrets: &'a [String]) -> Vec<&'a str> {
    secrets
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .map(|s| s.as_str())
        .collect()
}

#[test]
fn no_format_prints_a_secret() {
    let (t, secrets) = planted();
    assert!(secrets.len() > 100, "planted {} secrets", secrets.len());
    for format in ["text", "json"] {
        let out = t.run(&["scan", ".", "--format", format, "--confidence", "low"]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        let all = format!("{}\n{}", out.stdout, out.stderr);
        let leaked = leaks(&all, &secrets);
        assert!(
            leaked.is_empty(),
            "{format} output leaks {} secrets",
            leaked.len()
        );
    }
}

#[test]
fn show_secrets_prints_them_so_the_check_above_can_fail() {
    let (t, secrets) = planted();
    let out = t.run(&["scan", ".", "--format", "json", "--show-secrets"]);
    let leaked = leaks(&out.stdout, &secrets);
    assert!(
        leaked.len() > secrets.len() / 2,
        "only {} of {} shown",
        leaked.len(),
        secrets.len()
    );
}
