//! The governance inventory end to end: `scan` and `audit` of the demo tree against
//! `fixtures/inventory/demo-inventory.yaml` as of a fixed date (exact JSON, kept in
//! `tests/golden/`; `NHISCAN_BLESS=1` rewrites them after a reviewed change), malformed
//! inventories, discovery, `--fail-on`, and `inventory check` / `inventory add`.

use std::path::{Path, PathBuf};

use crate::harness::{run_in, Tree};

const INV: &str = "../inventory/demo-inventory.yaml";
const NOW: &str = "2025-06-01";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// The report without what changes run to run or with the rule set (duration, rule count).
fn stable(mut v: serde_json::Value) -> serde_json::Value {
    if v["summary"]["duration_ms"].is_number() {
        v["summary"]["duration_ms"] = 0.into();
    }
    v["scan"]["rules"] = 0.into();
    v
}

fn golden(name: &str, got: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let text = serde_json::to_string_pretty(got).unwrap() + "\n";
    if std::env::var_os("NHISCAN_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with NHISCAN_BLESS=1)", path.display()));
    let want: serde_json::Value = serde_json::from_str(&want).unwrap();
    assert_eq!(got, &want, "{name} differs; got:\n{text}");
}

/// Every secret of the demo tree, from a `--show-secrets` run.
fn demo_secrets() -> Vec<String> {
    let r = run_in(&demo(), &["scan", ".", "-f", "json", "--show-secrets"]).json();
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] != "access_key" || f["rule_id"] != "aws-access-key-id")
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn scan_of_the_demo_tree_with_an_inventory_exact_json() {
    let out = run_in(
        &demo(),
        &["scan", ".", "-f", "json", "--inventory", INV, "--now", NOW],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    // The verdicts at a glance (the golden file holds every message and action).
    let mut got: Vec<(String, String, String)> = Vec::new();
    for f in r["findings"].as_array().unwrap() {
        let verdicts: Vec<String> = f["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                format!(
                    "{}/{}/{}",
                    v["kind"].as_str().unwrap(),
                    v["severity"].as_str().unwrap(),
                    v["owasp"].as_str().unwrap()
                )
            })
            .collect();
        got.push((
            f["rule_id"].as_str().unwrap().into(),
            f["identity"]["id"].as_str().unwrap_or("-").into(),
            verdicts.join(" "),
        ));
    }
    let want: Vec<(&str, &str, &str)> = vec![
        ("postgres-connection-uri", "orders-db", "allowed/note/NHI2"),
        (
            "github-pat-classic",
            "github-ci",
            "rotation-overdue/warning/NHI7 exposed/error/NHI2",
        ),
        ("stripe-secret-key", "-", "unregistered/error/NHI2"),
        (
            "npm-access-token",
            "legacy-npm",
            "revoked-present/error/NHI1",
        ),
        ("aws-access-key-id", "aws-admin", "exposed/error/NHI2"),
        ("aws-secret-access-key", "aws-admin", "exposed/error/NHI2"),
        ("private-key-openssh", "-", "unregistered/error/NHI2"),
        (
            "gcp-service-account-key",
            "billing-exporter",
            "expired/error/NHI7 ownerless/warning/NHI1 exposed/error/NHI2",
        ),
        ("openai-project-key", "-", "unregistered/error/NHI2"),
        ("slack-bot-token", "-", "unregistered/error/NHI2"),
        ("slack-incoming-webhook-url", "-", "unregistered/error/NHI2"),
        ("generic-secret-assignment", "-", "unregistered/error/NHI2"),
    ];
    let want: Vec<(String, String, String)> = want
        .into_iter()
        .map(|(a, b, c)| (a.into(), b.into(), c.into()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        r["findings"][1]["identity"]["contact"],
        "platform@example.com"
    );
    assert_eq!(r["findings"][1]["identity"]["matched_by"], "fingerprint");
    assert_eq!(r["findings"][0]["identity"]["matched_by"], "key_id");
    assert_eq!(r["governance"]["now"], NOW);
    assert_eq!(r["governance"]["matched"], 6);
    // Everything but the postgres `allowed` note fails the default --fail-on note... and
    // --fail-on error counts the findings with an error verdict.
    assert_eq!(r["summary"]["failing"], 12);
    golden("demo-scan-inventory.json", &stable(r));
    let r = run_in(
        &demo(),
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--inventory",
            INV,
            "--now",
            NOW,
            "--fail-on",
            "error",
        ],
    )
    .json();
    assert_eq!(r["summary"]["failing"], 11);
}

#[test]
fn text_output_shows_identity_and_verdicts_but_never_a_secret() {
    let out = run_in(&demo(), &["scan", ".", "--inventory", INV, "--now", NOW]);
    assert!(
        out.stdout.contains("identity github-ci (owner platform-team, contact platform@example.com, matched by fingerprint)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("warning rotation-overdue [NHI7] `github-ci` is 92 days old"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("note    allowed [NHI2]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("inventory: 6 identities, 6 matched"),
        "{}",
        out.stderr
    );
    let secrets = demo_secrets();
    assert!(secrets.len() >= 10);
    for fmt in ["text", "json", "markdown"] {
        let a = run_in(
            &demo(),
            &["audit", ".", "-f", fmt, "--inventory", INV, "--now", NOW],
        );
        let all = format!("{}{}{}{}", a.stdout, a.stderr, out.stdout, out.stderr);
        for s in &secrets {
            assert!(!all.contains(s.as_str()), "{fmt} output leaks a secret");
        }
    }
}

#[test]
fn without_an_inventory_every_finding_is_unregistered() {
    let r = run_in(&demo(), &["scan", ".", "-f", "json"]).json();
    assert!(r.get("governance").is_none());
    for f in r["findings"].as_array().unwrap() {
        assert_eq!(f["verdicts"].as_array().unwrap().len(), 1);
        assert_eq!(f["verdicts"][0]["kind"], "unregistered");
        assert!(f.get("identity").is_none());
    }
    // Text output is unchanged: no verdict lines without an inventory.
    let out = run_in(&demo(), &["scan", "."]);
    assert!(!out.stdout.contains("unregistered"), "{}", out.stdout);
}

#[test]
fn audit_of_the_demo_tree_exact_json() {
    let out = run_in(
        &demo(),
        &["audit", ".", "-f", "json", "--inventory", INV, "--now", NOW],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let decisions: Vec<(String, String)> = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().into(),
                i["decision"].as_str().unwrap().into(),
            )
        })
        .collect();
    // Issue 14: audit ⊇ scan. The three credentials `scan` judges exposed are `exposed` here
    // too, and their decision is rotate-and-remove (this test expected rotate, renew and
    // remove: the audit ignored where the credentials were found).
    let want = [
        ("github-ci", "rotate-and-remove"),
        ("orders-db", "keep"),
        ("billing-exporter", "rotate-and-remove"),
        ("legacy-npm", "purge"),
        ("aws-admin", "rotate-and-remove"),
        ("ci-deployer", "keep"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(decisions, want);
    // The design notes' two examples.
    // Exposed and unused for 120 days: revoke it, replace it only on a confirmed need.
    let aws = &r["identities"][4];
    assert_eq!(aws["states"][0]["state"], "exposed");
    assert_eq!(aws["states"][0]["owasp"], "NHI2");
    assert_eq!(aws["states"][1]["state"], "stale");
    let rec = aws["recommendation"].as_str().unwrap();
    assert!(
        rec.contains("revoke it") && rec.contains("(it holds scopes: AdministratorAccess)"),
        "{rec}"
    );
    let ci = &r["identities"][5];
    assert_eq!(ci["states"].as_array().unwrap().len(), 0);
    assert!(ci["recommendation"]
        .as_str()
        .unwrap()
        .contains("shorten its secret's lifetime"));
    assert_eq!(r["summary"]["uncovered"], 6);
    assert_eq!(r["summary"]["found"], 5);
    golden("demo-audit.json", &stable(r));
}

#[test]
fn audit_markdown_and_text() {
    let md = run_in(
        &demo(),
        &[
            "audit",
            ".",
            "-f",
            "markdown",
            "--inventory",
            INV,
            "--now",
            NOW,
        ],
    );
    assert_eq!(md.code, 1, "{}", md.stderr);
    assert!(md.stdout.starts_with("# NHI governance audit\n"));
    assert!(
        md.stdout.contains("## Owner: infra-team\n\n| identity | decision | risk | states | found | last used |\n| --- | --- | --- | --- | --- | --- |\n| `aws-admin` | **rotate-and-remove** | 27 | exposed, stale, over-privileged | config/aws-credentials:2, config/aws-credentials:3 | 2025-02-01 (120 days ago) |"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("## Findings no identity covers"));
    // Issue 14: each state with its severity, OWASP id and message, under its owner; the
    // identities without an owner last.
    assert!(
        md.stdout.contains("  - warning `over-privileged` (NHI5): holds admin-like aws scopes: AdministratorAccess"),
        "{}",
        md.stdout
    );
    let groups: Vec<&str> = md.stdout.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        groups,
        [
            "## Owner: data-team",
            "## Owner: infra-team",
            "## Owner: platform-team",
            "## Owner: web-team",
            "## No owner",
            "## Findings no identity covers"
        ]
    );
    let text = run_in(&demo(), &["audit", ".", "--inventory", INV, "--now", NOW]);
    assert!(
        text.stdout
            .contains("== web-team ==\n\nlegacy-npm  [purge]  web-team  risk 24"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("decisions: 2 keep, 1 purge, 3 rotate-and-remove"),
        "{}",
        text.stdout
    );
    // No inventory: a clear error.
    let t = Tree::new();
    let out = t.run(&["audit", "."]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no inventory"), "{}", out.stderr);
}

const TOKEN: &str = "ghp_R8x2LqN7vKp3TmWz9YbC4dFh6JsA1eGu5oPi";

fn fp(s: &str) -> String {
    use sha2::Digest;
    format!("sha256:{:x}", sha2::Sha256::digest(s.as_bytes()))
}

/// A tree with a GitHub token (valid checksum or not, `--confidence low` finds it).
fn token_tree() -> Tree {
    let t = Tree::new();
    t.write("src/app.py", format!("TOKEN = \"{TOKEN}\"\n"));
    t
}

fn scan(t: &Tree, extra: &[&str]) -> crate::harness::Output {
    t.run(
        &[
            &[
                "scan",
                ".",
                "-f",
                "json",
                "--confidence",
                "low",
                "--now",
                NOW,
            ][..],
            extra,
        ]
        .concat(),
    )
}

/// Issue 14: an inventory that does not parse or validate is an error of the run (exit 2,
/// whatever was found), located on stderr and in the report's `errors`; the report is still
/// written in full, and no finding is judged against half an inventory (before, one typo made
/// every finding `unregistered` and the run exit 1, like real findings).
#[test]
fn malformed_inventory_is_located_and_nothing_else_is_lost() {
    let t = token_tree();
    t.write(
        "nhi-inventory.yaml",
        format!("version: 1\nidentities:\n  - id: app\n    owner: me\n    created: 2025-02-30\n    match:\n      fingerprints: ['{}']\n", fp(TOKEN)),
    );
    let out = scan(&t, &["--sarif", "out.sarif"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 1, "{}", out.stderr);
    assert_eq!(r["errors"][0]["path"], "./nhi-inventory.yaml:5:14");
    assert!(r["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("`2025-02-30` is not a calendar date"));
    // Not judged: no identity, no verdict, no governance block.
    assert!(r["findings"][0].get("identity").is_none(), "{r}");
    assert_eq!(r["findings"][0]["verdicts"], serde_json::json!([]));
    assert!(r.get("governance").is_none(), "{r}");
    assert!(
        out.stderr.contains("./nhi-inventory.yaml:5:14: created:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nhiscan: error: the inventory ./nhi-inventory.yaml has 1 problem (listed above): it was not applied"),
        "{}",
        out.stderr
    );
    // The SARIF file is written too, with the error as a notification.
    let sarif = std::fs::read_to_string(t.path().join("out.sarif")).unwrap();
    assert!(sarif.contains("nhi-inventory.yaml"), "{sarif}");
    assert!(sarif.contains("is not a calendar date"), "{sarif}");
    assert_eq!(scan(&t, &["--fail-on", "none"]).code, 2);

    // A syntax error or an unknown key: the same, never a warning and a page of unregistered.
    for (text, at) in [
        (
            "version: 1\nidentities:\n  - id: app\n   owner: me\n",
            "./nhi-inventory.yaml:4:",
        ),
        (
            "version: 1\nidentities:\n  - id: app\n    ownr: me\n",
            "./nhi-inventory.yaml:4:5",
        ),
    ] {
        t.write("nhi-inventory.yaml", text);
        let out = scan(&t, &[]);
        assert_eq!(out.code, 2, "{text}: {}", out.stderr);
        let r = out.json();
        assert_eq!(r["summary"]["findings"], 1);
        assert_eq!(
            r["findings"][0]["verdicts"],
            serde_json::json!([]),
            "{text}"
        );
        let path = r["errors"][0]["path"].as_str().unwrap();
        assert!(path.starts_with(at), "{text}: {path}");
        assert!(out.stderr.contains(at), "{text}: {}", out.stderr);
        assert!(out.stderr.contains("was not applied"), "{}", out.stderr);
    }

    // An explicit inventory that does not exist is a fatal error, named without a position.
    let out = scan(&t, &["--inventory", "missing.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("nhiscan: error: missing.yaml: not found"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(":0:"), "{}", out.stderr);
}

/// Issue 14: `audit` with an inventory in error exits 2 and still writes its document, the
/// problems in its `errors`; a missing one is `FILE: not found`.
#[test]
fn audit_with_a_malformed_inventory_is_an_error() {
    let t = token_tree();
    t.write(
        "nhi-inventory.yaml",
        "version: 1\nidentities:\n  - id: app\n    owner: me\n    colour: red\n",
    );
    let out = t.run(&["audit", ".", "-f", "json", "--now", NOW]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["errors"][0]["path"], "./nhi-inventory.yaml:5:5", "{r}");
    assert!(r["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown field `colour`"));
    assert!(
        out.stderr
            .contains("./nhi-inventory.yaml:5:5: identities[0]: unknown field `colour`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("was not applied"), "{}", out.stderr);
    assert!(!out.stderr.contains(TOKEN), "{}", out.stderr);
    let out = t.run(&["audit", ".", "--inventory", "nope.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("nope.yaml: not found"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(":0:"), "{}", out.stderr);
}

#[test]
fn inventory_from_the_config_file_and_fail_on() {
    let t = token_tree();
    t.write(
        "governance/inv.yaml",
        format!("version: 1\nidentities:\n  - id: app\n    owner: me\n    last_rotated: 2025-05-01\n    match:\n      fingerprints: ['{}']\n      paths: ['src/*.py']\n", fp(TOKEN)),
    );
    t.write(".nhiscan.yaml", "inventory: governance/inv.yaml\n");
    let out = scan(&t, &[]);
    let r = out.json();
    assert_eq!(r["governance"]["inventory"], "./governance/inv.yaml");
    assert_eq!(r["findings"][0]["verdicts"][0]["kind"], "allowed");
    // An allowed credential is a note: it fails --fail-on note, passes --fail-on warning.
    assert_eq!(out.code, 1);
    assert_eq!(scan(&t, &["--fail-on", "warning"]).code, 0);
    // Forty days later it is overdue: a warning, failing --fail-on warning.
    let out = t.run(&[
        "scan",
        ".",
        "-f",
        "json",
        "--confidence",
        "low",
        "--now",
        "2025-08-10",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.json()["findings"][0]["verdicts"][0]["kind"],
        "rotation-overdue"
    );
    // A bad --now is a usage error.
    assert_eq!(scan(&t, &["--now", "tomorrow"]).code, 2);
}

#[test]
fn ambiguous_match_is_reported_not_guessed() {
    let t = token_tree();
    let f = fp(TOKEN);
    t.write(
        "nhi-inventory.yaml",
        format!("version: 1\nidentities:\n  - id: one\n    owner: a\n    match: {{fingerprints: ['{f}']}}\n  - id: two\n    owner: b\n    match: {{fingerprints: ['{f}']}}\n"),
    );
    let r = scan(&t, &[]).json();
    let v = &r["findings"][0]["verdicts"];
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["kind"], "unregistered");
    assert_eq!(
        v[0]["message"],
        "matches 2 identities by fingerprint: one, two; the inventory must name exactly one"
    );
    assert!(r["findings"][0].get("identity").is_none());
    // And `inventory check` names the overlap.
    let out = t.run(&["inventory", "check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("nhi-inventory.yaml:8:28: `sha256:"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("also in `one` (line 5)"),
        "{}",
        out.stdout
    );
}

#[test]
fn inventory_check_of_the_fixture_and_of_a_broken_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run_in(
        root,
        &[
            "inventory",
            "check",
            "--inventory",
            "fixtures/inventory/demo-inventory.yaml",
        ],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "fixtures/inventory/demo-inventory.yaml:42:5: identity `billing-exporter` has no owner (the policy requires one): add `owner:` and `contact:`\ninventory check: 6 identities, 1 problem\n"
    );
    let t = Tree::new();
    t.write("nhi-inventory.yaml", "version: 1\nidentities:\n  - id: a\n    owner: x\n    match: {ci_secrets: [T]}\n  - id: a\n    owner: x\n    expires: 2025-1-1\n    match: {ci_secrets: [U]}\n");
    let out = t.run(&["inventory", "check", "-f", "json"]);
    assert_eq!(out.code, 1);
    let r = out.json();
    let msgs: Vec<String> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}: {}",
                p["line"],
                p["column"],
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        msgs,
        vec![
            "6:9: duplicate identity id `a` (first at line 3)",
            "8:14: expires: `2025-1-1` is not a date: expected YYYY-MM-DD",
        ]
    );
    t.write(
        "nhi-inventory.yaml",
        "version: 1\nidentities:\n  - id: a\n    owner: x\n    match: {ci_secrets: [T]}\n",
    );
    let out = t.run(&["inventory", "check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.stdout, "inventory check: 1 identity, 0 problems\n");
}

#[test]
fn inventory_add_registers_a_finding_without_its_secret() {
    let t = token_tree();
    // A report made with --show-secrets: the secret must still not reach the inventory.
    let out = scan(&t, &["--show-secrets"]);
    t.write("report.json", &out.stdout);
    t.write(
        "nhi-inventory.yaml",
        "# Our identities.\nversion: 1\nidentities:\n  # CI\n  - id: ci\n    owner: platform\n    match: {ci_secrets: [DEPLOY_TOKEN]}\n\n# Defaults.\npolicy:\n  rotation_days: 30\n",
    );
    let f = fp(TOKEN);
    let out = t.run(&[
        "inventory",
        "add",
        "--report",
        "report.json",
        "--fingerprint",
        &f,
        "--owner",
        "app-team",
        "--contact",
        "app@example.com",
        "--purpose",
        "calls the GitHub API",
        "--created",
        "2025-05-01",
        "--allow-path",
        "secrets/**",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(t.path().join("nhi-inventory.yaml")).unwrap();
    assert!(!text.contains(TOKEN));
    let id = format!("github-pat-classic-{}", &f[7..15]);
    assert_eq!(
        text,
        format!("# Our identities.\nversion: 1\nidentities:\n  # CI\n  - id: ci\n    owner: platform\n    match: {{ci_secrets: [DEPLOY_TOKEN]}}\n  - id: {id}\n    kind: token\n    provider: github\n    owner: app-team\n    contact: app@example.com\n    purpose: calls the GitHub API\n    created: 2025-05-01\n    match:\n      fingerprints:\n      - {f}\n      paths:\n      - secrets/**\n\n# Defaults.\npolicy:\n  rotation_days: 30\n")
    );
    // The next scan knows it.
    let r = scan(&t, &[]).json();
    assert_eq!(r["findings"][0]["identity"]["id"], id.as_str());
    assert_eq!(r["findings"][0]["verdicts"][0]["kind"], "rotation-overdue");
    // Twice is an error, and so is an unknown fingerprint.
    let out = t.run(&[
        "inventory",
        "add",
        "--report",
        "report.json",
        "--fingerprint",
        &f,
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains(&format!("is already registered as `{id}`")),
        "{}",
        out.stderr
    );
    let other = fp("nothing");
    let out = t.run(&[
        "inventory",
        "add",
        "--report",
        "report.json",
        "--fingerprint",
        &other,
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no finding with fingerprint"),
        "{}",
        out.stderr
    );
    // A JSON file that is not an nhiscan report (the SARIF, say) is one located error.
    t.write(
        "sarif.json",
        "{\n  \"version\": \"2.1.0\",\n  \"runs\": []\n}\n",
    );
    let out = t.run(&[
        "inventory",
        "add",
        "--report",
        "sarif.json",
        "--fingerprint",
        &f,
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("sarif.json:4:1: not an nhiscan JSON report: missing field `summary`"),
        "{}",
        out.stderr
    );
    // A new inventory file is created when there is none.
    std::fs::remove_file(t.path().join("nhi-inventory.yaml")).unwrap();
    let out = t.run(&[
        "inventory",
        "add",
        "--report",
        "report.json",
        "--fingerprint",
        &f,
        "--id",
        "app",
        "--owner",
        "me",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = t.run(&["inventory", "check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn inventory_check_takes_a_path_and_a_malformed_file_is_exit_2() {
    let t = Tree::new();
    // A valid file with problems: exit 1, the problems on stdout; positional or --inventory.
    t.write(
        "inv.yaml",
        "version: 1\nidentities:\n  - id: a\n    match: {ci_secrets: [T]}\n",
    );
    for args in [
        &["inventory", "check", "inv.yaml"][..],
        &["inventory", "check", "--inventory", "inv.yaml"][..],
    ] {
        let out = t.run(args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout
                .contains("inv.yaml:3:5: identity `a` has no owner"),
            "{}",
            out.stdout
        );
    }
    // Not an inventory at all: exit 2, located on stderr.
    for (text, at, what) in [
        (
            "version: 1\nidentities: [\n  - id: a\n",
            "bad.yaml:",
            "YAML syntax",
        ),
        (
            "version: 1\nidentities:\n  - id: a\n    colour: red\n",
            "bad.yaml:4:5: ",
            "unknown field `colour`",
        ),
        (
            "version: 1\nidentities:\n  - id: a\n    owner: [x]\n",
            "bad.yaml:4:12: ",
            "invalid type",
        ),
    ] {
        t.write("bad.yaml", text);
        let out = t.run(&["inventory", "check", "bad.yaml"]);
        assert_eq!(out.code, 2, "{what}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(at), "{what}: {}", out.stderr);
        if what != "YAML syntax" {
            assert!(out.stderr.contains(what), "{what}: {}", out.stderr);
        }
        assert!(out.stdout.is_empty(), "{what}: {}", out.stdout);
    }
}

/// `--fingerprint-key-env`: the report's fingerprints are keyed (`hmac-sha256:`, different per
/// key, the plain `sha256:` nowhere in the output), the demo inventory still matches (it keys
/// on plain fingerprints), and the key never appears; an unset variable is exit 2.
#[test]
fn keyed_fingerprints_still_match_the_inventory_and_hide_the_key() {
    let scan = |key: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"));
        c.args(["scan", ".", "-f", "json", "--inventory", INV, "--now", NOW])
            .args(["--fingerprint-key-env", "NHISCAN_TEST_FP_KEY"])
            .current_dir(demo())
            .env_remove("NHISCAN_TEST_FP_KEY");
        if let Some(k) = key {
            c.env("NHISCAN_TEST_FP_KEY", k);
        }
        c.output().unwrap()
    };
    let plain = run_in(
        &demo(),
        &["scan", ".", "-f", "json", "--inventory", INV, "--now", NOW],
    )
    .json();
    let a = scan(Some("org-wide-fingerprint-key-1"));
    let b = scan(Some("another-key"));
    let (out_a, err_a) = (
        String::from_utf8_lossy(&a.stdout).into_owned(),
        String::from_utf8_lossy(&a.stderr).into_owned(),
    );
    assert_eq!(a.status.code(), Some(1), "{err_a}");
    let ka: serde_json::Value = serde_json::from_str(&out_a).unwrap();
    let kb: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    let fps = |v: &serde_json::Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let ids = |v: &serde_json::Value| -> Vec<Option<String>> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["identity"]["id"].as_str().map(str::to_string))
            .collect()
    };
    assert!(!fps(&ka).is_empty());
    assert!(
        fps(&ka).iter().all(|f| f.starts_with("hmac-sha256:")),
        "{:?}",
        fps(&ka)
    );
    assert_ne!(fps(&ka), fps(&kb));
    for p in fps(&plain) {
        assert!(
            !out_a.contains(&p),
            "plain fingerprint {p} in the keyed report"
        );
    }
    // Same identities matched as without a key, and at least one is matched.
    assert_eq!(ids(&ka), ids(&plain));
    assert!(ids(&ka).iter().any(Option::is_some));
    assert!(
        !out_a.contains("org-wide-fingerprint-key-1")
            && !err_a.contains("org-wide-fingerprint-key-1")
    );
    let unset = scan(None);
    assert_eq!(unset.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unset.stderr)
        .contains("the environment variable NHISCAN_TEST_FP_KEY is not set or empty"));
}

/// `audit --fingerprint-key-env`: the audit's fingerprints are keyed like `scan`'s (no plain
/// `sha256:` of a finding anywhere in it), the identities keep their states (matched on the
/// plain fingerprints before keying), and the key is never printed.
#[test]
fn audit_with_keyed_fingerprints_keeps_every_identity_state() {
    let args = ["audit", ".", "-f", "json", "--inventory", INV, "--now", NOW];
    let plain = run_in(&demo(), &args);
    let keyed = crate::harness::run_in_env(
        &demo(),
        &[&args[..], &["--fingerprint-key-env", "NHISCAN_TEST_FP_KEY"]].concat(),
        &[("NHISCAN_TEST_FP_KEY", "audit-fingerprint-key-7")],
    );
    assert_eq!(keyed.code, plain.code, "{}", keyed.stderr);
    let (p, k) = (plain.json(), keyed.json());
    let states = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].to_string(), i["states"].to_string()))
            .collect()
    };
    assert_eq!(states(&k), states(&p));
    let fingerprints = |v: &serde_json::Value| -> Vec<String> {
        let mut out = Vec::new();
        for u in v["uncovered"].as_array().unwrap() {
            out.push(u["fingerprint"].as_str().unwrap().to_string());
        }
        for i in v["identities"].as_array().unwrap() {
            for f in i["found"].as_array().into_iter().flatten() {
                out.push(f["fingerprint"].as_str().unwrap().to_string());
            }
        }
        out
    };
    let (fp_plain, fp_keyed) = (fingerprints(&p), fingerprints(&k));
    assert!(!fp_plain.is_empty());
    assert_eq!(fp_plain.len(), fp_keyed.len());
    assert!(
        fp_plain.iter().all(|f| f.starts_with("sha256:")),
        "{fp_plain:?}"
    );
    assert!(
        fp_keyed.iter().all(|f| f.starts_with("hmac-sha256:")),
        "{fp_keyed:?}"
    );
    for f in &fp_plain {
        assert!(
            !keyed.stdout.contains(f.as_str()),
            "plain {f} in the keyed audit"
        );
    }
    assert!(!keyed.stdout.contains("audit-fingerprint-key-7"));
    assert!(!keyed.stderr.contains("audit-fingerprint-key-7"));
}

/// The `file:line:column: message` lines of `inventory check` (the summary line left out).
fn check_lines(out: &crate::harness::Output) -> Vec<String> {
    out.stdout
        .lines()
        .filter(|l| !l.starts_with("inventory check:"))
        .map(|l| l.to_string())
        .collect()
}

/// Evidence that predates the credential (`last_used` before `created`) is a problem `inventory
/// check` names at the date to fix; a scan still loads the file, and the same dates in order pass.
#[test]
fn inventory_check_names_use_before_creation_and_a_scan_still_loads_it() {
    let t = token_tree();
    let inv = |used: &str| {
        format!("version: 1\nidentities:\n  - id: a\n    owner: x\n    created: 2025-03-01\n    last_used: {used}\n    match: {{ci_secrets: [T]}}\n")
    };
    t.write("nhi-inventory.yaml", inv("2025-02-01"));
    let out = t.run(&["inventory", "check", "--now", NOW]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        check_lines(&out),
        vec!["nhi-inventory.yaml:6:16: last_used 2025-02-01 of `a` is before created 2025-03-01: the evidence predates the credential; check both dates"],
        "{}",
        out.stdout
    );
    assert_ne!(scan(&t, &[]).code, 2);
    t.write("nhi-inventory.yaml", inv("2025-03-01"));
    let ok = t.run(&["inventory", "check", "--now", NOW]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
}

/// Issue 14: `inventory check` lints date order, dates after `--now`, minimums, provider slugs
/// against the rule set and duplicates, each one located line; a scan refuses the same file.
#[test]
fn inventory_check_lints_dates_minimums_providers_and_duplicates() {
    let t = token_tree();
    t.write(
        "nhi-inventory.yaml",
        "version: 1\npolicy:\n  stale_after_days: 0\nidentities:\n  - id: a\n    provider: githb\n    owner: x\n    created: 2025-05-01\n    last_rotated: 2025-04-01\n    expires: 2025-03-01\n    last_used: 2025-07-01\n    rotation_days: 0\n    match: {ci_secrets: [T, T]}\n  - id: b\n    provider: postgres\n    owner: y\n    created: 2025-12-01\n    match: {ci_secrets: [U]}\n  - id: c\n    provider: github\n    owner: z\n    last_rotated: 2025-06-01\n    match: {ci_secrets: [V]}\n",
    );
    let out = t.run(&["inventory", "check", "--now", NOW]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        check_lines(&out),
        vec![
            "nhi-inventory.yaml:3:21: stale_after_days must be at least 1",
            "nhi-inventory.yaml:6:15: provider `githb` of `a` is no rule's provider: did you mean `github`?",
            "nhi-inventory.yaml:9:19: last_rotated 2025-04-01 is before created 2025-05-01",
            "nhi-inventory.yaml:10:14: expires 2025-03-01 is before created 2025-05-01",
            "nhi-inventory.yaml:11:16: last_used 2025-07-01 of `a` is in the future (today is 2025-06-01)",
            "nhi-inventory.yaml:12:20: rotation_days must be at least 1",
            "nhi-inventory.yaml:13:29: `T` is listed twice in match.ci_secrets of `a` (first at line 13)",
            "nhi-inventory.yaml:15:15: provider `postgres` of `b` is no rule's provider: did you mean `postgresql`?",
            "nhi-inventory.yaml:17:14: created 2025-12-01 of `b` is in the future (today is 2025-06-01)",
        ],
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .ends_with("inventory check: 3 identities, 9 problems\n"));
    // Judged from a later day, none of those dates is in the future.
    let later = t.run(&["inventory", "check", "--now", "2026-01-01"]);
    assert!(!later.stdout.contains("in the future"), "{}", later.stdout);
    // A provider from a rule file of its own is known.
    t.write(
        "rules/pg.yaml",
        "rules:\n  - id: my-postgres\n    name: n\n    description: d\n    provider: postgres\n    kind: password\n    pattern: 'pgpass=(?P<secret>[a-z0-9]{24})'\n    keywords: [pgpass]\n    severity: error\n    confidence: high\n    references: [r]\n    remediation: r\n    examples: [{text: pgpass=abcdefghijklmnopqrstuvwx, secret: abcdefghijklmnopqrstuvwx}]\n    negative_examples: [x]\n",
    );
    let own = t.run(&[
        "inventory",
        "check",
        "--now",
        NOW,
        "--rules",
        "rules/pg.yaml",
    ]);
    assert!(own.stderr.is_empty(), "{}", own.stderr);
    assert!(!own.stdout.contains("`postgres`"), "{}", own.stdout);
    // The scan refuses the file that fails validation: exit 2, nothing judged.
    let out = scan(&t, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("nhi-inventory.yaml:3:21: stale_after_days must be at least 1"),
        "{}",
        out.stderr
    );
    // The demo inventory names the rule's slug.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let demo = run_in(
        root,
        &[
            "inventory",
            "check",
            "fixtures/inventory/demo-inventory.yaml",
            "--now",
            NOW,
        ],
    );
    assert!(
        !demo.stdout.contains("no rule's provider"),
        "{}",
        demo.stdout
    );
}

/// The demo's scan report and its inventory with two more identities that claim, by another
/// match kind, a credential the demo inventory registers already.
fn demo_with_overlaps() -> (Tree, serde_json::Value) {
    let out = run_in(
        &demo(),
        &["scan", ".", "-f", "json", "--inventory", INV, "--now", NOW],
    );
    let report = out.json();
    let fp_of = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let t = Tree::new();
    t.write("report.json", &out.stdout);
    let inv = std::fs::read_to_string(demo().join(INV)).unwrap();
    t.write(
        "nhi-inventory.yaml",
        format!(
            "{inv}  - id: aws-admin-secret\n    owner: infra-team\n    match:\n      fingerprints: ['{}']\n  - id: exporter-key\n    owner: data-team\n    match:\n      key_ids: ['7db588db39da38bc0f00b4889e033a500a2a1564']\n",
            fp_of("aws-secret-access-key")
        ),
    );
    (t, report)
}

/// Issue 14: overlaps across match kinds, found by matching each finding of `--report`: the AWS
/// secret's fingerprint in one identity while its key id is in another, a GCP key's
/// `private_key_id` in one identity while its `client_email` is in another.
#[test]
fn inventory_check_report_names_overlaps_across_match_kinds() {
    let (t, report) = demo_with_overlaps();
    // Without a report nothing links them.
    let out = t.run(&["inventory", "check", "--now", NOW]);
    assert!(!out.stdout.contains("claimed by"), "{}", out.stdout);
    let out = t.run(&[
        "inventory",
        "check",
        "--now",
        NOW,
        "--report",
        "report.json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let claims: Vec<String> = check_lines(&out)
        .into_iter()
        .filter(|l| l.contains("claimed by"))
        .collect();
    let aws = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "aws-secret-access-key")
        .unwrap();
    assert_eq!(claims.len(), 2, "{}", out.stdout);
    assert_eq!(
        claims[0],
        format!(
            "nhi-inventory.yaml:92:22: finding `aws-secret-access-key` {} at config/aws-credentials:3 ({}) is claimed by `aws-admin-secret` by its fingerprint and by `aws-admin` by key id `AKIAU36QWASULXKGEJLZ`: matches would be ambiguous; register it in one identity",
            aws["redacted"].as_str().unwrap(),
            aws["fingerprint"].as_str().unwrap()
        )
    );
    assert!(
        claims[1].starts_with("nhi-inventory.yaml:96:17: finding `gcp-service-account-key` "),
        "{}",
        claims[1]
    );
    assert!(
        claims[1].ends_with("is claimed by `exporter-key` by key id `7db588db39da38bc0f00b4889e033a500a2a1564` and by `billing-exporter` by key id `exporter@billing-exports-prod.iam.gserviceaccount.com`: matches would be ambiguous; register it in one identity"),
        "{}",
        claims[1]
    );
    // No secret of the demo reaches the output.
    for s in demo_secrets() {
        assert!(!out.stdout.contains(&s), "secret in check output");
    }
}

/// Issue 14: `inventory add` refuses a finding another identity already matches by key id (an
/// AWS secret whose access key id is registered), not only by fingerprint.
#[test]
fn inventory_add_refuses_what_another_identity_matches() {
    let (t, report) = demo_with_overlaps();
    t.write(
        "nhi-inventory.yaml",
        std::fs::read_to_string(demo().join(INV)).unwrap(),
    );
    let fp_of = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = std::fs::read_to_string(t.path().join("nhi-inventory.yaml")).unwrap();
    for (rule, owner) in [
        ("aws-secret-access-key", "`aws-admin` (matched by key_id)"),
        (
            "gcp-service-account-key",
            "`billing-exporter` (matched by key_id)",
        ),
        ("postgres-connection-uri", "`orders-db` (matched by key_id)"),
    ] {
        let out = t.run(&[
            "inventory",
            "add",
            "--report",
            "report.json",
            "--fingerprint",
            &fp_of(rule),
            "--owner",
            "someone",
        ]);
        assert_eq!(out.code, 2, "{rule}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("is already registered as {owner}")),
            "{rule}: {}",
            out.stderr
        );
        let now = std::fs::read_to_string(t.path().join("nhi-inventory.yaml")).unwrap();
        assert_eq!(now, before, "{rule}: the file changed");
    }
}

/// Issue 14: `inventory add` into a CRLF file keeps it entirely CRLF.
#[test]
fn inventory_add_keeps_crlf_line_endings() {
    let t = token_tree();
    let out = scan(&t, &[]);
    t.write("report.json", &out.stdout);
    let text = "# Ours.\r\nversion: 1\r\nidentities:\r\n  - id: ci\r\n    owner: platform\r\n    match: {ci_secrets: [DEPLOY_TOKEN]}\r\n\r\npolicy:\r\n  rotation_days: 30\r\n";
    t.write("nhi-inventory.yaml", text);
    let out = t.run(&[
        "inventory",
        "add",
        "--report",
        "report.json",
        "--fingerprint",
        &fp(TOKEN),
        "--owner",
        "app-team",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let got = std::fs::read_to_string(t.path().join("nhi-inventory.yaml")).unwrap();
    assert!(got.starts_with("# Ours.\r\nversion: 1\r\nidentities:\r\n  - id: ci\r\n    owner: platform\r\n    match: {ci_secrets: [DEPLOY_TOKEN]}\r\n  - id: github-pat-classic-"), "{got:?}");
    assert!(
        got.ends_with("\r\n\r\npolicy:\r\n  rotation_days: 30\r\n"),
        "{got:?}"
    );
    assert_eq!(
        got.matches('\n').count(),
        got.matches("\r\n").count(),
        "{got:?}"
    );
    assert!(got.contains("    owner: app-team\r\n"), "{got:?}");
    // And it is still a valid inventory the scan applies.
    let r = scan(&t, &[]).json();
    assert!(r["findings"][0]["identity"]["id"]
        .as_str()
        .unwrap()
        .starts_with("github-pat-classic-"));
}
