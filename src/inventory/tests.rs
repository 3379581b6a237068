//! Validation (every error located) and matching (fingerprint, key id, path; ambiguity).

use super::*;
use crate::findings::{Finding, Location, MatchedBy};
use crate::policy::{match_finding, MatchOutcome};

const FP_A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const FP_B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// (file:line:column: message) of every error.
fn errors(text: &str) -> Vec<String> {
    parse("inv.yaml", text)
        .errors
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn malformed_inventories_are_located() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown key",
            "version: 1\nidentities:\n  - id: a\n    onwer: me\n".into(),
            "inv.yaml:4:5: identities[0]: unknown field `onwer`",
        ),
        (
            "not YAML",
            "version: 1\nidentities: [\n".into(),
            "inv.yaml:3:1:",
        ),
        (
            "wrong type",
            "version: 1\npolicy:\n  rotation_days: soon\n".into(),
            "inv.yaml:3:18: policy.rotation_days: invalid type",
        ),
        (
            "bad status",
            "version: 1\nidentities:\n  - id: a\n    status: paused\n".into(),
            "inv.yaml:4:13: identities[0].status: unknown variant `p…(6 chars)`",
        ),
        (
            "missing version",
            "identities: []\n".into(),
            "inv.yaml:1:1: missing field `version`",
        ),
        (
            "unsupported version",
            "version: 2\n".into(),
            "inv.yaml:1:10: unsupported inventory version 2",
        ),
        (
            "bad date",
            "version: 1\nidentities:\n  - id: a\n    created: 2025-13-01\n".into(),
            "inv.yaml:4:14: created: `2025-13-01` is not a calendar date",
        ),
        (
            "date in another format",
            "version: 1\nidentities:\n  - id: a\n    expires: 01/06/2025\n".into(),
            "inv.yaml:4:14: expires: `01/06/2025` is not a date: expected YYYY-MM-DD",
        ),
        (
            "rotated before created",
            "version: 1\nidentities:\n  - id: a\n    created: 2025-02-01\n    last_rotated: 2025-01-01\n"
                .into(),
            "inv.yaml:5:19: last_rotated 2025-01-01 is before created 2025-02-01",
        ),
        (
            "duplicate id",
            "version: 1\nidentities:\n  - id: a\n  - id: b\n  - id: a\n".into(),
            "inv.yaml:5:9: duplicate identity id `a` (first at line 3)",
        ),
        (
            "empty id",
            "version: 1\nidentities:\n  - id: ''\n".into(),
            "inv.yaml:3:9: identity id `` must be",
        ),
        (
            "a secret where a fingerprint belongs",
            "version: 1\nidentities:\n  - id: a\n    match:\n      fingerprints: [ghp_abcdefghijklmnopqrstuvwxyz0123456789]\n"
                .into(),
            "inv.yaml:5:22: fingerprint must be `sha256:`",
        ),
        (
            "upper-case fingerprint",
            format!(
                "version: 1\nidentities:\n  - id: a\n    match:\n      fingerprints:\n        - '{}'\n",
                FP_A.to_uppercase().replace("SHA256", "sha256")
            ),
            "inv.yaml:6:11: fingerprint must be",
        ),
        (
            "bad glob",
            "version: 1\nidentities:\n  - id: a\n    match:\n      paths: ['secrets/[a']\n".into(),
            "inv.yaml:5:15: bad path glob `secrets/[a`",
        ),
        (
            "zero rotation",
            "version: 1\nidentities:\n  - id: a\n    rotation_days: 0\n".into(),
            "inv.yaml:4:20: rotation_days must be at least 1",
        ),
    ];
    for (name, text, want) in cases {
        let got = errors(&text);
        assert_eq!(got.len(), 1, "case {name}: {got:?}");
        assert!(
            got[0].starts_with(want),
            "case {name}: got {:?}, want {want:?}",
            got[0]
        );
    }
}

#[test]
fn one_bad_value_keeps_the_rest() {
    let text = format!(
        "version: 1\nidentities:\n  - id: a\n    created: yesterday\n    owner: me\n    match: {{fingerprints: ['{FP_A}']}}\n  - id: b\n    expires: 2025-02-30\n"
    );
    let l = parse("inv.yaml", &text);
    assert_eq!(l.errors.len(), 2, "{:?}", l.errors);
    assert_eq!((l.errors[0].line, l.errors[1].line), (4, 8));
    let ids: Vec<&str> = l
        .inventory
        .identities
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(ids, vec!["a", "b"]);
    assert_eq!(l.inventory.identities[0].created, None);
    assert_eq!(l.inventory.identities[0].matchers.fingerprints, vec![FP_A]);
}

#[test]
fn policy_defaults_and_overrides() {
    let l = parse("i", "version: 1\n");
    assert!(l.errors.is_empty());
    assert_eq!(l.inventory.policy, Policy::default());
    assert_eq!(l.inventory.policy.rotation_days, 90);
    assert_eq!(l.inventory.policy.expiring_within_days, 14);
    let l = parse(
        "i",
        "version: 1\npolicy:\n  rotation_days: 30\n  require_owner: false\n",
    );
    assert_eq!(l.inventory.policy.rotation_days, 30);
    assert_eq!(l.inventory.policy.stale_after_days, 90);
    assert!(!l.inventory.policy.require_owner);
}

#[test]
fn lint_finds_owners_empty_matchers_and_overlaps() {
    let text = format!(
        "version: 1\nidentities:\n  - id: a\n    owner: x\n    match: {{fingerprints: ['{FP_A}'], ci_secrets: [TOKEN]}}\n  - id: b\n    match:\n      fingerprints: ['{FP_A}']\n  - id: c\n    owner: y\n  - id: d\n    owner: z\n    match:\n      ci_secrets: [TOKEN]\n"
    );
    let l = parse("inv.yaml", &text);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let got: Vec<String> = lint(&l).iter().map(|e| e.to_string()).collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(
        got[0].starts_with("inv.yaml:6:5: identity `b` has no owner"),
        "{got:?}"
    );
    assert!(got[1].starts_with("inv.yaml:8:22: `sha256:aaaa"), "{got:?}");
    assert!(got[1].contains("also in `a` (line 5)"), "{got:?}");
    assert!(
        got[2].starts_with("inv.yaml:9:5: identity `c` has nothing to match on"),
        "{got:?}"
    );
    assert!(
        got[3].starts_with("inv.yaml:14:20: `TOKEN` in match.ci_secrets of `d`"),
        "{got:?}"
    );
}

fn finding(fp: &str, key_id: Option<&str>, provider: &str, path: &str) -> Finding {
    Finding {
        rule_id: "r".into(),
        rule_name: "r".into(),
        provider: provider.into(),
        kind: crate::rules::Kind::Token,
        severity: crate::rules::Severity::Error,
        confidence: crate::rules::Confidence::High,
        confidence_reason: None,
        fingerprint: fp.into(),
        redacted: "x".into(),
        secret: None,
        key_id: key_id.map(str::to_string),
        attributes: Default::default(),
        locations: vec![Location {
            path: path.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            git: None,
            attributes: Default::default(),
        }],
        first_seen: None,
        last_seen: None,
        present_at_head: None,
        verdicts: vec![],
        identity: None,
    }
}

#[test]
fn matching_order_and_ambiguity() {
    let text = format!(
        "version: 1\nidentities:\n  - id: by-fp\n    match: {{fingerprints: ['{FP_A}']}}\n  - id: by-key\n    match: {{key_ids: [AKIAKEY, KEY2]}}\n  - id: by-key-too\n    match: {{key_ids: [KEY2]}}\n  - id: sealed\n    provider: vault\n    match: {{paths: ['sealed/**']}}\n  - id: pinned-with-path\n    match: {{fingerprints: ['{FP_B}'], paths: ['pinned/*']}}\n"
    );
    let l = parse("inv.yaml", &text);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let inv = &l.inventory;
    let one = |i: usize, by| MatchOutcome::One(i, by);
    let cases: Vec<(&str, Finding, MatchOutcome)> = vec![
        (
            "fingerprint",
            finding(FP_A, None, "x", "a"),
            one(0, MatchedBy::Fingerprint),
        ),
        (
            "fingerprint beats key id",
            finding(FP_A, Some("AKIAKEY"), "x", "a"),
            one(0, MatchedBy::Fingerprint),
        ),
        (
            "key id",
            finding("sha256:c", Some("AKIAKEY"), "x", "a"),
            one(1, MatchedBy::KeyId),
        ),
        (
            "key id named twice",
            finding("sha256:c", Some("KEY2"), "x", "a"),
            MatchOutcome::Ambiguous(vec![1, 2], MatchedBy::KeyId),
        ),
        (
            "path, provider agrees",
            finding("sha256:c", None, "vault", "sealed/x/y.enc"),
            one(3, MatchedBy::Path),
        ),
        (
            "path, other provider",
            finding("sha256:c", None, "github", "sealed/x/y.enc"),
            MatchOutcome::None,
        ),
        (
            "pinned identities are not matched by path",
            finding("sha256:c", None, "x", "pinned/a"),
            MatchOutcome::None,
        ),
        (
            "nothing",
            finding("sha256:c", Some("OTHER"), "x", "a"),
            MatchOutcome::None,
        ),
    ];
    for (name, f, want) in cases {
        assert_eq!(match_finding(inv, &f), want, "case: {name}");
    }
    // Two identities with the same fingerprint.
    let text = format!(
        "version: 1\nidentities:\n  - id: x\n    match: {{fingerprints: ['{FP_A}']}}\n  - id: y\n    match: {{fingerprints: ['{FP_A}']}}\n"
    );
    let l = parse("inv.yaml", &text);
    assert_eq!(
        match_finding(&l.inventory, &finding(FP_A, None, "x", "a")),
        MatchOutcome::Ambiguous(vec![0, 1], MatchedBy::Fingerprint)
    );
}

#[test]
fn gcp_private_key_id_attribute_matches_key_ids() {
    let l = parse(
        "i",
        "version: 1\nidentities:\n  - id: sa\n    match: {key_ids: [0123abcd]}\n",
    );
    let mut f = finding(
        "sha256:c",
        Some("sa@p.iam.gserviceaccount.com"),
        "gcp",
        "k.json",
    );
    f.attributes
        .insert("private_key_id".into(), "0123abcd".into());
    assert_eq!(
        match_finding(&l.inventory, &f),
        MatchOutcome::One(0, MatchedBy::KeyId)
    );
}

/// The published JSON Schema and the serde types list the same keys, both ways.
#[test]
fn json_schema_matches_the_serde_types() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/inventory.schema.json")).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    let full = RawIdentity {
        id: "a".into(),
        kind: Some("x".into()),
        provider: Some("x".into()),
        owner: Some("x".into()),
        contact: Some("x".into()),
        purpose: Some("x".into()),
        environment: Some("x".into()),
        criticality: Some("x".into()),
        created: Some("2025-01-01".into()),
        last_rotated: Some("2025-01-01".into()),
        expires: Some("2026-01-01".into()),
        rotation_days: Some(30),
        status: Some(Status::Active),
        approved_by: Some("x".into()),
        ticket: Some("x".into()),
        scopes: vec!["x".into()],
        offboarding: vec!["x".into()],
        last_used: Some("2025-01-01".into()),
        retire_by: Some("2026-01-01".into()),
        r#match: Some(RawMatch {
            fingerprints: vec![FP_A.into()],
            key_ids: vec!["k".into()],
            ci_secrets: vec!["C".into()],
            paths: vec!["p/*".into()],
        }),
    };
    let v = serde_json::to_value(&full).unwrap();
    let mut got: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    got.sort();
    let ident = &schema["$defs"]["identity"];
    assert_eq!(got, keys(ident));
    let mut m: Vec<String> = v["match"].as_object().unwrap().keys().cloned().collect();
    m.sort();
    assert_eq!(m, keys(&ident["properties"]["match"]));
    assert_eq!(
        keys(&schema["properties"]["policy"]),
        vec![
            "expiring_within_days",
            "require_owner",
            "rotation_days",
            "stale_after_days",
            "tiers"
        ]
    );
    // And a document using every key parses cleanly.
    let doc = serde_yaml::to_string(&RawInventory {
        version: 1,
        policy: Some(RawPolicy {
            rotation_days: Some(1),
            stale_after_days: Some(1),
            expiring_within_days: Some(1),
            require_owner: Some(true),
            tiers: vec![RawTier {
                environment: Some("prod".into()),
                criticality: Some("high".into()),
                rotation_days: Some(1),
                stale_after_days: Some(1),
                expiring_within_days: Some(1),
                require_owner: Some(true),
            }],
        }),
        identities: vec![full],
    })
    .unwrap();
    let l = parse("i", &doc);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    assert!(lint(&l).is_empty());
    // The demo fixture parses too.
    let l = parse(
        "demo",
        include_str!("../../fixtures/inventory/demo-inventory.yaml"),
    );
    assert!(l.errors.is_empty(), "{:?}", l.errors);
}
