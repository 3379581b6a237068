//! Table-driven tests of every verdict and audit state at its boundaries.

use jiff::civil::{date, Date};
use jiff::ToSpan;

use super::*;
use crate::findings::Location;
use crate::inventory::{self, Identity, Policy, Status};

const NOW: Date = date(2025, 6, 1);

fn ago(days: i64) -> Date {
    NOW.checked_sub(days.days()).unwrap()
}

fn ident() -> Identity {
    Identity {
        id: "svc".into(),
        owner: Some("team".into()),
        contact: Some("team@example.com".into()),
        ..Default::default()
    }
}

fn at(path: &str) -> Vec<Location> {
    vec![Location {
        path: path.into(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 2,
        git: None,
        attributes: Default::default(),
    }]
}

fn kinds(v: &[Verdict]) -> Vec<(&'static str, Severity)> {
    v.iter().map(|v| (v.kind.as_str(), v.severity)).collect()
}

/// An identity with allowed paths, parsed like a real inventory (globs are compiled there).
fn with_paths(paths: &[&str]) -> Identity {
    let text = format!(
        "version: 1\nidentities:\n  - id: svc\n    owner: team\n    match:\n      paths: [{}]\n",
        paths
            .iter()
            .map(|p| format!("'{p}'"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let l = inventory::parse("inv.yaml", &text);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    l.inventory.identities[0].clone()
}

use Severity::{Error, Note, Warning};

#[test]
fn verdicts_table() {
    type Case = (
        &'static str,
        Identity,
        Option<Date>,
        Vec<(&'static str, Severity)>,
    );
    let exposed = ("exposed", Error);
    let cases: Vec<Case> = vec![
        ("fresh, no dates", ident(), None, vec![exposed]),
        (
            "exactly at the rotation period",
            Identity {
                last_rotated: Some(ago(90)),
                ..ident()
            },
            None,
            vec![exposed],
        ),
        (
            "one day over the period",
            Identity {
                last_rotated: Some(ago(91)),
                ..ident()
            },
            None,
            vec![("rotation-overdue", Warning), exposed],
        ),
        (
            "exactly twice the period is still a warning",
            Identity {
                last_rotated: Some(ago(180)),
                ..ident()
            },
            None,
            vec![("rotation-overdue", Warning), exposed],
        ),
        (
            "past twice the period is an error",
            Identity {
                last_rotated: Some(ago(181)),
                ..ident()
            },
            None,
            vec![("rotation-overdue", Error), exposed],
        ),
        (
            "age from created when never rotated",
            Identity {
                created: Some(ago(91)),
                ..ident()
            },
            None,
            vec![("rotation-overdue", Warning), exposed],
        ),
        (
            "last_rotated wins over an old created",
            Identity {
                created: Some(ago(400)),
                last_rotated: Some(ago(10)),
                ..ident()
            },
            None,
            vec![exposed],
        ),
        (
            "age from git first_seen when the inventory has no date",
            ident(),
            Some(ago(91)),
            vec![("rotation-overdue", Warning), exposed],
        ),
        (
            "identity's own rotation period",
            Identity {
                last_rotated: Some(ago(91)),
                rotation_days: Some(365),
                ..ident()
            },
            None,
            vec![exposed],
        ),
        (
            "expired today",
            Identity {
                expires: Some(NOW),
                ..ident()
            },
            None,
            vec![("expired", Error), exposed],
        ),
        (
            "expires tomorrow",
            Identity {
                expires: Some(ago(-1)),
                ..ident()
            },
            None,
            vec![exposed],
        ),
        (
            "expired and old: expired says it all",
            Identity {
                expires: Some(ago(1)),
                created: Some(ago(500)),
                ..ident()
            },
            None,
            vec![("expired", Error), exposed],
        ),
        (
            "revoked: only revoked-present",
            Identity {
                status: Status::Revoked,
                owner: None,
                expires: Some(ago(5)),
                ..ident()
            },
            None,
            vec![("revoked-present", Error)],
        ),
        (
            "deprecated is judged like active",
            Identity {
                status: Status::Deprecated,
                ..ident()
            },
            None,
            vec![exposed],
        ),
        (
            "no owner",
            Identity {
                owner: None,
                ..ident()
            },
            None,
            vec![("ownerless", Warning), exposed],
        ),
        (
            "blank owner is no owner",
            Identity {
                owner: Some("  ".into()),
                ..ident()
            },
            None,
            vec![("ownerless", Warning), exposed],
        ),
        (
            "in an allowed path",
            with_paths(&["secrets/*.enc"]),
            None,
            vec![("allowed", Note)],
        ),
    ];
    let policy = Policy::default();
    for (name, id, first_seen, want) in cases {
        let path = if id.matchers.paths.is_empty() {
            "src/a.py"
        } else {
            "secrets/a.enc"
        };
        let got = evaluate(&at(path), &id, &policy, first_seen, NOW);
        assert_eq!(kinds(&got), want, "case: {name}");
        for v in &got {
            assert_eq!(v.owasp, v.kind.owasp(), "case: {name}");
            assert!(!v.action.is_empty() && !v.message.is_empty());
        }
    }
}

#[test]
fn exposed_names_owner_contact_and_places() {
    let id = with_paths(&["secrets/**"]);
    let mut locs = at("secrets/deep/a.enc");
    locs.extend(at("src/app.py"));
    let got = evaluate(&locs, &id, &Policy::default(), None, NOW);
    assert_eq!(kinds(&got), vec![("exposed", Error)]);
    assert!(
        got[0].message.contains("src/app.py:1"),
        "{}",
        got[0].message
    );
    assert!(
        !got[0].message.contains("secrets/deep"),
        "{}",
        got[0].message
    );
    assert!(got[0].message.contains("owner team"), "{}", got[0].message);
    // `*` does not cross directories.
    let id = with_paths(&["secrets/*.enc"]);
    let got = evaluate(
        &at("secrets/deep/a.enc"),
        &id,
        &Policy::default(),
        None,
        NOW,
    );
    assert_eq!(kinds(&got), vec![("exposed", Error)]);
}

#[test]
fn owner_not_required_by_policy() {
    let policy = Policy {
        require_owner: false,
        ..Policy::default()
    };
    let id = Identity {
        owner: None,
        ..ident()
    };
    assert_eq!(
        kinds(&evaluate(&at("a"), &id, &policy, None, NOW)),
        vec![("exposed", Error)]
    );
    let a = audit_identity(
        &id,
        &policy,
        &Usage::default(),
        &Sightings::default(),
        None,
        NOW,
    );
    assert!(!a.has(StateKind::Ownerless));
}

fn states(a: &IdentityAudit) -> Vec<(&'static str, Severity)> {
    a.states
        .iter()
        .map(|s| (s.state.as_str(), s.severity))
        .collect()
}

#[test]
fn audit_states_table() {
    type Case = (
        &'static str,
        Identity,
        Usage,
        usize,
        &'static str,
        Vec<(&'static str, Severity)>,
    );
    let used = |d: i64| Usage {
        last_used: Some(ago(d)),
        pipeline_refs: vec![],
    };
    let cases: Vec<Case> = vec![
        ("used yesterday", ident(), used(1), 0, "keep", vec![]),
        (
            "unused exactly stale_after_days",
            ident(),
            used(90),
            0,
            "remove",
            vec![("stale", Warning)],
        ),
        ("unused one day less", ident(), used(89), 0, "keep", vec![]),
        (
            "no use recorded, created long ago",
            Identity {
                created: Some(ago(100)),
                ..ident()
            },
            Usage::default(),
            0,
            "remove",
            vec![("stale", Warning), ("overdue", Warning)],
        ),
        (
            // Issue 14: referenced, unverified: neither proof of use nor of disuse.
            "a pipeline reference without a date is not stale",
            Identity {
                created: Some(ago(30)),
                ..ident()
            },
            Usage {
                last_used: None,
                pipeline_refs: vec![".github/workflows/d.yml:9 deploy".into()],
            },
            0,
            "keep",
            vec![],
        ),
        (
            // Issue 14: dated evidence outranks a static reference.
            "last used 517 days ago, though a workflow references it",
            ident(),
            Usage {
                last_used: Some(ago(517)),
                pipeline_refs: vec![".github/workflows/d.yml:9 deploy".into()],
            },
            0,
            "remove",
            vec![("stale", Warning)],
        ),
        (
            // Issue 14: no local reference is no proof of disuse.
            "used 2 days ago, referenced nowhere here",
            Identity {
                created: Some(ago(30)),
                ..ident()
            },
            used(2),
            0,
            "keep",
            vec![],
        ),
        (
            "expires within the window",
            Identity {
                expires: Some(ago(-14)),
                ..ident()
            },
            used(0),
            0,
            "renew",
            vec![("expiring", Warning)],
        ),
        (
            "expires just outside the window",
            Identity {
                expires: Some(ago(-15)),
                ..ident()
            },
            used(0),
            0,
            "keep",
            vec![],
        ),
        (
            "expired today",
            Identity {
                expires: Some(NOW),
                ..ident()
            },
            used(0),
            0,
            "renew",
            vec![("expired", Error)],
        ),
        (
            "overdue past twice the period",
            Identity {
                last_rotated: Some(ago(181)),
                ..ident()
            },
            used(0),
            1,
            "rotate",
            vec![("overdue", Error)],
        ),
        (
            "ownerless",
            Identity {
                owner: None,
                ..ident()
            },
            used(0),
            0,
            "assign-owner",
            vec![("ownerless", Warning)],
        ),
        (
            "revoked and still in the code",
            Identity {
                status: Status::Revoked,
                ..ident()
            },
            Usage::default(),
            2,
            "purge",
            vec![("revoked-still-referenced", Error)],
        ),
        (
            "revoked and referenced by a pipeline",
            Identity {
                status: Status::Revoked,
                ..ident()
            },
            Usage {
                last_used: None,
                pipeline_refs: vec!["ci.yml:3 job".into()],
            },
            0,
            "purge",
            vec![("revoked-still-referenced", Error)],
        ),
        (
            "revoked and gone",
            Identity {
                status: Status::Revoked,
                ..ident()
            },
            Usage::default(),
            0,
            "retired",
            vec![],
        ),
    ];
    for (name, id, usage, found, decision, want) in cases {
        let seen = Sightings {
            found,
            ..Default::default()
        };
        let a = audit_identity(&id, &Policy::default(), &usage, &seen, None, NOW);
        assert_eq!(states(&a), want, "case: {name}");
        assert_eq!(a.decision.as_str(), decision, "case: {name}");
        // Every state names its OWASP risk.
        assert!(
            a.states.iter().all(|s| s.owasp.starts_with("NHI")),
            "case: {name}"
        );
    }
}

#[test]
fn design_note_examples() {
    // An API key with broad scopes, unused for 90 days: marked for removal.
    let key = Identity {
        scopes: vec!["admin:org".into(), "repo".into()],
        created: Some(ago(200)),
        last_rotated: Some(ago(30)),
        ..ident()
    };
    let usage = Usage {
        last_used: Some(ago(90)),
        pipeline_refs: vec![],
    };
    let seen = Sightings {
        found: 1,
        ..Default::default()
    };
    let a = audit_identity(&key, &Policy::default(), &usage, &seen, None, NOW);
    assert_eq!(a.decision, Decision::Remove);
    assert!(a.has(StateKind::Stale));
    assert!(
        a.recommendation.contains("candidate for removal"),
        "{:?}",
        a.recommendation
    );
    assert!(
        a.recommendation.contains("admin:org, repo"),
        "{:?}",
        a.recommendation
    );

    // A service account used every hour by a critical pipeline, rotated yearly: it stays,
    // with advice to shorten its secret's lifetime (its period exceeds the policy's 90 days).
    let sa = Identity {
        rotation_days: Some(365),
        last_rotated: Some(ago(100)),
        ..ident()
    };
    let usage = Usage {
        last_used: Some(NOW),
        pipeline_refs: vec![".github/workflows/release.yml:12 deploy".into()],
    };
    let a = audit_identity(
        &sa,
        &Policy::default(),
        &usage,
        &Sightings::default(),
        None,
        NOW,
    );
    assert_eq!(a.decision, Decision::Keep);
    assert!(a.states.is_empty(), "{:?}", a.states);
    let r = &a.recommendation;
    assert!(
        r.starts_with("keep it")
            && r.contains("shorten its secret's lifetime")
            && r.contains("365")
            && r.contains("90"),
        "{r:?}"
    );
    // Within the policy: no such advice.
    let sa = Identity {
        rotation_days: Some(30),
        last_rotated: Some(ago(10)),
        ..ident()
    };
    let a = audit_identity(
        &sa,
        &Policy::default(),
        &usage,
        &Sightings::default(),
        None,
        NOW,
    );
    assert_eq!(a.recommendation, "keep it");
}

#[test]
fn fail_severity_uses_verdicts_only_with_an_inventory() {
    let mut f = crate::findings::Finding {
        rule_id: "r".into(),
        rule_name: "r".into(),
        provider: "p".into(),
        kind: crate::rules::Kind::Token,
        severity: Severity::Warning,
        confidence: crate::rules::Confidence::High,
        confidence_reason: None,
        fingerprint: "sha256:x".into(),
        redacted: "x".into(),
        secret: None,
        key_id: None,
        attributes: Default::default(),
        locations: at("a"),
        first_seen: None,
        last_seen: None,
        present_at_head: None,
        verdicts: vec![unregistered()],
        identity: None,
    };
    assert_eq!(fail_severity(&f, false), Warning);
    assert_eq!(fail_severity(&f, true), Error);
    f.verdicts = evaluate(
        &at("secrets/a.enc"),
        &with_paths(&["secrets/*"]),
        &Policy::default(),
        None,
        NOW,
    );
    assert_eq!(fail_severity(&f, true), Note);
}

/// Issue 14: audit ⊇ scan. A registered credential found outside its allowed paths is
/// `exposed` in the audit too (error, NHI2), and the decision says to rotate and remove it;
/// the recommendation does not also tell to keep it or to delete the entry.
#[test]
fn audit_exposed_is_rotate_and_remove() {
    let id = Identity {
        created: Some(ago(10)),
        ..ident()
    };
    let seen = Sightings {
        found: 1,
        exposed: vec!["src/app.py:3".into()],
        first_seen: None,
    };
    let a = audit_identity(&id, &Policy::default(), &used_now(), &seen, None, NOW);
    assert_eq!(states(&a), vec![("exposed", Error)]);
    assert_eq!(a.states[0].owasp, "NHI2");
    assert!(
        a.states[0].message.contains("src/app.py:3"),
        "{:?}",
        a.states
    );
    assert_eq!(a.decision, Decision::RotateAndRemove);
    assert_eq!(
        serde_json::to_value(a.decision).unwrap(),
        serde_json::json!("rotate-and-remove")
    );
    assert!(
        a.recommendation.contains("rotate it"),
        "{}",
        a.recommendation
    );
    assert!(!a.recommendation.contains("keep"), "{}", a.recommendation);
    // Exposed and unused for months: revoke, and replace only on a confirmed need.
    let stale = Usage {
        last_used: Some(ago(200)),
        pipeline_refs: vec![],
    };
    let a = audit_identity(&id, &Policy::default(), &stale, &seen, None, NOW);
    assert_eq!(a.decision, Decision::RotateAndRemove);
    assert!(
        a.recommendation.contains("revoke it"),
        "{}",
        a.recommendation
    );
    assert!(
        !a.recommendation.contains("rotate it"),
        "{}",
        a.recommendation
    );
}

fn used_now() -> Usage {
    Usage {
        last_used: Some(NOW),
        pipeline_refs: vec![],
    }
}

/// Issue 14's wording: counts agree in number.
#[test]
fn audit_messages_are_singular_for_one() {
    let id = Identity {
        expires: Some(ago(-1)),
        ..ident()
    };
    let a = audit_identity(
        &id,
        &Policy::default(),
        &used_now(),
        &Sightings::default(),
        None,
        NOW,
    );
    assert_eq!(
        a.states[0].message,
        format!("expires on {}, in 1 day", ago(-1))
    );
    let id = Identity {
        status: Status::Revoked,
        ..ident()
    };
    let seen = Sightings {
        found: 1,
        ..Default::default()
    };
    let refs = Usage {
        last_used: None,
        pipeline_refs: vec!["ci.yml:3 job".into()],
    };
    let a = audit_identity(&id, &Policy::default(), &refs, &seen, None, NOW);
    assert_eq!(
        a.states[0].message,
        "revoked, but found in 1 place of the code and referenced by 1 pipeline job"
    );
    let a = audit_identity(&id, &Policy::default(), &Usage::default(), &seen, None, NOW);
    assert_eq!(
        a.states[0].message,
        "revoked, but found in 1 place of the code"
    );
}

/// Issue 14: a federated identity has nothing to rotate, in scan and in audit.
#[test]
fn workload_identity_is_exempt_from_rotation() {
    let id = Identity {
        kind: Some("workload_identity".into()),
        created: Some(ago(400)),
        ..ident()
    };
    let a = audit_identity(
        &id,
        &Policy::default(),
        &used_now(),
        &Sightings::default(),
        None,
        NOW,
    );
    assert_eq!(states(&a), vec![]);
    assert_eq!(a.decision, Decision::Keep);
    assert_eq!(a.recommendation, "keep it: federated, nothing to rotate");
    let v = evaluate(&at("a"), &id, &Policy::default(), None, NOW);
    assert!(
        v.iter().all(|v| v.kind != VerdictKind::RotationOverdue),
        "{v:?}"
    );
    // The same identity as a token is overdue.
    let token = Identity {
        kind: Some("token".into()),
        ..id
    };
    let a = audit_identity(
        &token,
        &Policy::default(),
        &used_now(),
        &Sightings::default(),
        None,
        NOW,
    );
    assert_eq!(states(&a), vec![("overdue", Error)]);
}

/// Issue 14: `status: deprecated` warns, with its `retire_by` date; past it, an error.
#[test]
fn deprecated_warns_with_retire_by() {
    let review = |retire_by: Option<Date>| {
        let id = Identity {
            status: Status::Deprecated,
            created: Some(ago(10)),
            retire_by,
            ..ident()
        };
        audit_identity(
            &id,
            &Policy::default(),
            &used_now(),
            &Sightings::default(),
            None,
            NOW,
        )
    };
    let a = review(Some(ago(-1)));
    assert_eq!(states(&a), vec![("deprecated", Warning)]);
    assert_eq!(a.states[0].owasp, "NHI1");
    assert_eq!(
        a.states[0].message,
        format!("deprecated: retire it by {} (in 1 day)", ago(-1))
    );
    assert_eq!(a.decision, Decision::Retire);
    assert!(
        a.recommendation.contains(&format!("by {}", ago(-1))),
        "{}",
        a.recommendation
    );
    let a = review(Some(ago(3)));
    assert_eq!(states(&a), vec![("deprecated", Error)]);
    assert!(a.states[0].message.contains("3 days ago"), "{:?}", a.states);
    let a = review(None);
    assert_eq!(states(&a), vec![("deprecated", Warning)]);
    assert!(
        a.recommendation.contains("record `retire_by`"),
        "{}",
        a.recommendation
    );
}

/// Issue 14: admin-like scopes per provider (the documented data file) are over-privilege.
#[test]
fn admin_like_scopes_are_over_privileged() {
    let review = |provider: &str, scopes: &[&str]| {
        let id = Identity {
            provider: Some(provider.into()),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            created: Some(ago(10)),
            ..ident()
        };
        audit_identity(
            &id,
            &Policy::default(),
            &used_now(),
            &Sightings::default(),
            None,
            NOW,
        )
    };
    let a = review("github", &["repo", "admin:org"]);
    assert_eq!(states(&a), vec![("over-privileged", Warning)]);
    assert_eq!(a.states[0].owasp, "NHI5");
    assert_eq!(
        a.states[0].message,
        "holds admin-like github scopes: admin:org"
    );
    assert_eq!(a.decision, Decision::ReduceScopes);
    assert_eq!(states(&review("github", &["repo", "read:org"])), vec![]);
    assert_eq!(
        states(&review("aws", &["AdministratorAccess"])),
        vec![("over-privileged", Warning)]
    );
    assert_eq!(
        states(&review("gcp", &["roles/owner"])),
        vec![("over-privileged", Warning)]
    );
    // Another provider's admin scope means nothing here.
    assert_eq!(states(&review("gcp", &["AdministratorAccess"])), vec![]);
}

/// Issue 14: with an owners export, an owner who is gone makes the identity orphaned, and so
/// does an `offboarding` event naming someone who is gone.
#[test]
fn orphaned_by_the_owners_export() {
    let owners = Owners::parse("owners.txt", "# teams\nteam\nbob\n").unwrap();
    let review = |owner: &str, offboarding: &[&str]| {
        let id = Identity {
            owner: Some(owner.into()),
            offboarding: offboarding.iter().map(|s| s.to_string()).collect(),
            created: Some(ago(10)),
            ..ident()
        };
        audit_identity(
            &id,
            &Policy::default(),
            &used_now(),
            &Sightings::default(),
            Some(&owners),
            NOW,
        )
    };
    assert_eq!(states(&review("team", &["bob leaves"])), vec![]);
    let a = review("old-team", &[]);
    assert_eq!(states(&a), vec![("orphaned", Warning)]);
    assert_eq!(
        a.states[0].message,
        "owner old-team is not in the owners export owners.txt"
    );
    assert_eq!(a.decision, Decision::AssignOwner);
    let a = review("team", &["alice leaves the company"]);
    assert_eq!(states(&a), vec![("orphaned", Warning)]);
    assert!(a.states[0].message.contains("alice"), "{:?}", a.states);
    // Without an export, nothing can be said.
    let id = Identity {
        owner: Some("old-team".into()),
        ..ident()
    };
    let a = audit_identity(
        &id,
        &Policy::default(),
        &used_now(),
        &Sightings::default(),
        None,
        NOW,
    );
    assert!(!a.has(StateKind::Orphaned));
}

#[test]
fn owners_export_formats() {
    let o = Owners::parse(
        "m.json",
        r#"[{"login": "ada", "id": 1}, {"slug": "platform"}, "bob"]"#,
    )
    .unwrap();
    assert_eq!(
        o.names.iter().map(String::as_str).collect::<Vec<_>>(),
        vec!["ada", "bob", "platform"]
    );
    let e = Owners::parse("m.json", "[\n  {\"login\": \"ada\"},\n  oops\n]").unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("m.json", 3), "{e}");
    let e = Owners::parse("m.json", "[{\"id\": 1}]").unwrap_err();
    assert!(e.message.contains("item 0"), "{e}");
}

/// Issue 14: the risk score is exposure × privilege × age × evidence of use.
#[test]
fn risk_score_multiplies_its_factors() {
    let id = Identity {
        provider: Some("aws".into()),
        scopes: vec!["AdministratorAccess".into()],
        created: Some(ago(10)),
        ..ident()
    };
    let stale = Usage {
        last_used: Some(ago(120)),
        pipeline_refs: vec![],
    };
    let seen = Sightings {
        found: 2,
        exposed: vec!["a:1".into()],
        first_seen: None,
    };
    let a = audit_identity(&id, &Policy::default(), &stale, &seen, None, NOW);
    assert_eq!(
        (
            a.risk.exposure,
            a.risk.privilege,
            a.risk.age,
            a.risk.usage,
            a.risk.score
        ),
        (3, 3, 1, 3, 27)
    );
    // Found only where it may live, recorded non-admin scopes, used yesterday: the minimum
    // but for exposure.
    let id = Identity {
        scopes: vec!["read".into()],
        ..id
    };
    let seen = Sightings {
        found: 1,
        ..Default::default()
    };
    let a = audit_identity(&id, &Policy::default(), &used_now(), &seen, None, NOW);
    assert_eq!((a.risk.exposure, a.risk.score), (2, 2));
    // Revoked and gone: no risk left.
    let gone = Identity {
        status: Status::Revoked,
        ..id
    };
    let a = audit_identity(
        &gone,
        &Policy::default(),
        &Usage::default(),
        &Sightings::default(),
        None,
        NOW,
    );
    assert_eq!(a.risk.score, 0);
}

/// Issue 14: `policy.tiers` apply stricter settings by environment or criticality; the first
/// tier that covers an identity wins, and its own `rotation_days` still overrides.
#[test]
fn policy_tiers_by_environment_or_criticality() {
    let tier = |env: Option<&str>, crit: Option<&str>, days: u32| inventory::Tier {
        environment: env.map(str::to_string),
        criticality: crit.map(str::to_string),
        rotation_days: Some(days),
        stale_after_days: None,
        expiring_within_days: None,
        require_owner: None,
    };
    let policy = Policy {
        tiers: vec![tier(Some("prod"), None, 30), tier(None, Some("high"), 60)],
        ..Policy::default()
    };
    let review = |env: Option<&str>, crit: Option<&str>, own: Option<u32>| {
        let id = Identity {
            environment: env.map(str::to_string),
            criticality: crit.map(str::to_string),
            last_rotated: Some(ago(45)),
            rotation_days: own,
            ..ident()
        };
        let v = evaluate(&at("a"), &id, &policy, None, NOW);
        let a = audit_identity(&id, &policy, &used_now(), &Sightings::default(), None, NOW);
        (
            states(&a),
            v.iter().any(|v| v.kind == VerdictKind::RotationOverdue),
        )
    };
    assert_eq!(
        review(Some("prod"), None, None),
        (vec![("overdue", Warning)], true)
    );
    assert_eq!(review(Some("dev"), None, None), (vec![], false));
    assert_eq!(review(None, Some("high"), None), (vec![], false));
    assert_eq!(
        review(Some("prod"), Some("high"), None).0,
        vec![("overdue", Warning)]
    );
    assert_eq!(review(Some("prod"), None, Some(50)), (vec![], false));
    let id = Identity {
        criticality: Some("high".into()),
        ..ident()
    };
    assert_eq!(policy.for_identity(&id).rotation_days, 60);
    assert_eq!(policy.for_identity(&ident()).rotation_days, 90);
}
