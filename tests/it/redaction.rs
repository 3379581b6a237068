//! No output shows a raw secret unless `--show-secrets` is given. The tree holds every example
//! of every built-in rule, so each rule's secrets are checked in every format.

use nhiscan::rules::Check;
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
    for format in ["text", "json", "jsonl", "sarif", "github", "markdown"] {
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

#[test]
fn shared_formats_never_print_a_secret_even_with_show_secrets() {
    // SARIF is uploaded, comments and job logs are shared: they stay redacted.
    let (t, secrets) = planted();
    let out_dir = tempfile::tempdir().unwrap();
    let file = |n: &str| out_dir.path().join(n).display().to_string();
    let (sarif, md) = (file("r.sarif"), file("r.md"));
    let summary = file("summary.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"))
        .args([
            "scan",
            ".",
            "--format",
            "github",
            "--show-secrets",
            "--confidence",
            "low",
        ])
        .args(["--sarif", &sarif, "--markdown", &md])
        .current_dir(t.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    for (name, text) in [
        ("github", String::from_utf8_lossy(&out.stdout).into_owned()),
        ("sarif", std::fs::read_to_string(&sarif).unwrap()),
        ("markdown", std::fs::read_to_string(&md).unwrap()),
        ("summary", std::fs::read_to_string(&summary).unwrap()),
    ] {
        assert!(text.len() > 1000, "{name} is empty");
        let leaked = leaks(&text, &secrets);
        assert!(leaked.is_empty(), "{name} leaks {} secrets", leaked.len());
    }
}

/// A credential typed where a file expects something else (a token instead of a list of
/// fingerprints, a token as a status, a report field of the wrong type) is named in the error
/// by type and redacted: deserializers quote the offending value, the error never does.
#[test]
fn errors_about_misplaced_values_never_print_them() {
    const TOKEN: &str = "ghp_Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2QeR7";
    let t = Tree::new();
    for (file, text, args) in [
        (
            "inv1.yaml",
            format!(
                "version: 1\nidentities:\n  - id: a\n    match:\n      fingerprints: {TOKEN}\n"
            ),
            vec!["inventory", "check", "inv1.yaml"],
        ),
        (
            "inv2.yaml",
            format!("version: 1\nidentities:\n  - id: a\n    status: {TOKEN}\n"),
            vec!["inventory", "check", "inv2.yaml"],
        ),
        (
            "report.json",
            format!("{{\"summary\": {{\"findings\": 1}}, \"findings\": \"{TOKEN}\"}}"),
            vec![
                "inventory",
                "add",
                "--report",
                "report.json",
                "--fingerprint",
                "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            ],
        ),
    ] {
        t.write(file, text);
        let out = t.run(&args);
        assert_eq!(out.code, 2, "{file}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(file), "{file}: {}", out.stderr);
        assert!(out.stderr.contains("ghp_…("), "{file}: {}", out.stderr);
        assert!(
            !out.stderr.contains("Zq8Lr2Vn4Xc7") && !out.stdout.contains("Zq8Lr2Vn4Xc7"),
            "{file}: {}{}",
            out.stdout,
            out.stderr
        );
    }
}
