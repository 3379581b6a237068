use super::*;
use crate::inventory::parse;

fn inv(text: &str) -> Inventory {
    let l = parse("inv.yaml", text);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    l.inventory
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn key(id: &str) -> Evidence {
    Evidence {
        label: id.into(),
        key_ids: vec![id.into()],
        registrable: true,
        ..Default::default()
    }
}

const INV: &str = "version: 1\nidentities:\n  - id: a\n    created: 2025-01-01\n    last_rotated: 2025-03-01\n    last_used: 2025-04-01\n    match:\n      key_ids: [K1, K2]\n  - id: b\n    status: revoked\n    match:\n      key_ids: [K3]\n";

#[test]
fn only_newer_evidence_changes_a_field_and_keys_merge_per_identity() {
    let i = inv(INV);
    let ev = vec![
        Evidence {
            created: Some(d("2024-12-01")),
            last_rotated: Some(d("2025-02-01")),
            last_used: Some(d("2025-05-01")),
            inactive: true,
            ..key("K1")
        },
        Evidence {
            last_rotated: Some(d("2025-05-10")),
            last_used: Some(d("2025-03-01")),
            expires: Some(d("2026-01-01")),
            ..key("K2")
        },
        key("K3"),
        key("K9"),
        Evidence {
            registrable: false,
            ..key("K8")
        },
    ];
    let p = plan(&i, &ev, Options::default());
    let got: Vec<String> = p.changes.iter().map(|c| c.to_string()).collect();
    // created is recorded (an earlier one is not written); the latest rotation and use of
    // the two keys win; one key still active: not revoked.
    assert_eq!(
        got,
        [
            "a: last_rotated 2025-03-01 → 2025-05-10",
            "a: last_used 2025-04-01 → 2025-05-01",
            "a: expires (none) → 2026-01-01",
        ]
    );
    assert_eq!(
        p.notes,
        [(
            "b".to_string(),
            "status revoked, but the provider still has it active".to_string()
        )]
    );
    assert_eq!(p.matched, 2);
    let unreg: Vec<&str> = p.unregistered.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(unreg, ["K9"]);
}

#[test]
fn older_evidence_is_noted_and_a_rotation_not_after_creation_is_none() {
    let i = inv(INV);
    let p = plan(
        &i,
        &[Evidence {
            last_rotated: Some(d("2025-02-01")),
            last_used: Some(d("2025-03-01")),
            ..key("K1")
        }],
        Options::default(),
    );
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
    assert!(p.notes[0]
        .1
        .contains("evidence 2025-02-01 is older than the recorded 2025-03-01"));
    // No last_rotated recorded: a rotation on the creation day is no rotation.
    let i = inv("version: 1\nidentities:\n  - id: c\n    created: 2025-01-01\n    match:\n      key_ids: [K]\n");
    let p = plan(
        &i,
        &[Evidence {
            created: Some(d("2025-01-01")),
            last_rotated: Some(d("2025-01-01")),
            ..key("K")
        }],
        Options::default(),
    );
    assert!(p.changes.is_empty(), "{:?}", p.changes);
}

#[test]
fn disabled_everywhere_is_suggested_or_written_with_write_status() {
    let i = inv("version: 1\nidentities:\n  - id: c\n    match:\n      key_ids: [K]\n");
    let ev = [Evidence {
        inactive: true,
        ..key("K")
    }];
    let p = plan(&i, &ev, Options::default());
    assert!(p.changes.is_empty());
    assert!(
        p.notes[0].1.contains("suggest status revoked"),
        "{:?}",
        p.notes
    );
    let p = plan(&i, &ev, Options { write_status: true });
    assert_eq!(p.changes[0].to_string(), "c: status active → revoked");
    let text = "version: 1\nidentities:\n  - id: c\n    match:\n      key_ids: [K]\n";
    assert_eq!(
        apply(text, &p).unwrap(),
        "version: 1\nidentities:\n  - id: c\n    status: revoked\n    match:\n      key_ids: [K]\n"
    );
}

#[test]
fn stubs_get_free_ids_and_dates_parse_in_utc() {
    let mut taken: BTreeSet<String> = ["deploy-token".to_string()].into();
    let e = Evidence {
        label: "DEPLOY_TOKEN".into(),
        ci_secret: Some("DEPLOY_TOKEN".into()),
        last_rotated: Some(d("2025-05-20")),
        ..Default::default()
    };
    let s = stub(&e, &mut taken);
    assert_eq!(s.id, "deploy-token-2");
    assert_eq!(s.last_rotated.as_deref(), Some("2025-05-20"));
    assert_eq!(s.r#match.unwrap().ci_secrets, ["DEPLOY_TOKEN"]);
    assert_eq!(
        utc_date("2025-05-20T23:30:00-02:00").unwrap(),
        d("2025-05-21")
    );
    assert_eq!(utc_date("9999-12-31T23:59:59Z").unwrap(), d("9999-12-31"));
    assert!(utc_date("2025-05-20").is_err());
    assert_eq!(unix_date(1748563200).unwrap(), d("2025-05-30"));
}

#[test]
fn line_diff_shows_replaced_then_inserted_lines() {
    let got = line_diff("f", "a\nb\nc\n", "a\nB\nc\nd\n");
    assert_eq!(got, "f:2: - b\nf:2: + B\nf:4: + d\n");
}

#[cfg(unix)]
#[test]
fn write_atomic_replaces_a_symlinks_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.yaml");
    std::fs::write(&real, "old\n").unwrap();
    let link = dir.path().join("nhi-inventory.yaml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    write_atomic(&link, "new\n").unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}
