//! The demo tree from the README: planted credentials of many providers in many file types,
//! scanned with the built-in rules. Exact findings, places, identifiers and exit code.

use std::path::Path;

use crate::harness::{locations, run_in};

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

#[test]
fn demo_tree_exact_findings() {
    let out = run_in(&demo(), &["scan", ".", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let want: Vec<(&str, &str, u64, u64)> = vec![
        ("aws-access-key-id", "config/aws-credentials", 2, 21),
        ("aws-secret-access-key", "config/aws-credentials", 3, 25),
        (
            "gcp-service-account-key",
            "deploy/service-account.json",
            5,
            19,
        ),
        ("generic-secret-assignment", "src/settings.py", 9, 29),
        ("github-pat-classic", ".env", 3, 14),
        ("npm-access-token", ".npmrc", 1, 34),
        ("openai-project-key", "src/llm.ts", 4, 38),
        ("postgres-connection-uri", ".env", 2, 34),
        ("private-key-openssh", "deploy/id_ed25519", 1, 1),
        ("slack-bot-token", "src/notify.py", 5, 20),
        ("slack-incoming-webhook-url", "src/notify.py", 6, 48),
        ("stripe-secret-key", ".env", 4, 19),
    ];
    let want: Vec<(String, String, u64, u64)> = want
        .into_iter()
        .map(|(a, b, c, d)| (a.into(), b.into(), c, d))
        .collect();
    assert_eq!(locations(&r), want);
    let by_rule = |id: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    // Non-secret identifiers derived offline.
    let aws = by_rule("aws-secret-access-key");
    assert_eq!(aws["key_id"], by_rule("aws-access-key-id")["key_id"]);
    assert!(by_rule("aws-access-key-id")["attributes"]["account_id"]
        .as_str()
        .unwrap()
        .chars()
        .all(|c| c.is_ascii_digit()));
    assert_eq!(
        by_rule("gcp-service-account-key")["key_id"],
        "exporter@billing-exports-prod.iam.gserviceaccount.com"
    );
    assert_eq!(
        by_rule("postgres-connection-uri")["key_id"],
        "app_user@orders-db.internal:5432"
    );
    assert_eq!(
        by_rule("private-key-openssh")["attributes"]["encrypted"],
        "false"
    );
    // The same tree twice gives the same report (but for the duration).
    let again = run_in(&demo(), &["scan", ".", "--format", "json"]).json();
    let strip = |mut v: serde_json::Value| {
        v["summary"]["duration_ms"] = 0.into();
        v
    };
    assert_eq!(strip(r), strip(again));
}

#[test]
fn fail_on_error_passes_when_only_warnings_remain() {
    let args = ["scan", "src/settings.py", "--format", "json"];
    assert_eq!(run_in(&demo(), &args).code, 1);
    let out = run_in(&demo(), &[&args[..], &["--fail-on", "error"]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 1);
    assert_eq!(r["findings"][0]["severity"], "warning");
    assert_eq!(r["summary"]["failing"], 0);
    // `changeme-before-release` was recognised as a placeholder, and counted.
    assert_eq!(r["summary"]["dropped"]["placeholder"], 1, "{r}");
}
