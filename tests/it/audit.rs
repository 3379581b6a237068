//! Issue 14's scenarios for `nhiscan audit`, each with the verdict a platform team expects:
//! audit ⊇ scan, dated evidence before static references, ages from git history.

use crate::harness::{Output, Tree};

const NOW: &str = "2025-06-01";
const KEY_ID: &str = "AKIAU36QWASULXKGEJLZ";

/// The demo's AWS key pair (fake), as a credentials file.
fn aws_pair() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo/config/aws-credentials");
    std::fs::read_to_string(p).unwrap()
}

fn audit(t: &Tree, extra: &[&str]) -> Output {
    t.run(&[&["audit", ".", "-f", "json", "--now", NOW][..], extra].concat())
}

fn identity<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no identity {id} in {r}"))
}

fn states(i: &serde_json::Value) -> Vec<String> {
    i["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}/{}/{}",
                s["state"].as_str().unwrap(),
                s["severity"].as_str().unwrap(),
                s["owasp"].as_str().unwrap()
            )
        })
        .collect()
}

fn aws_inventory(paths: &str) -> String {
    format!(
        "version: 1\nidentities:\n  - id: aws-deploy\n    owner: infra\n    contact: infra@example.com\n    created: 2025-05-20\n    last_used: 2025-05-31\n    match:\n      key_ids: [{KEY_ID}]\n{paths}"
    )
}

#[test]
fn issue_14_a_registered_credential_found_in_code_fails_audit_as_it_fails_scan() {
    let t = Tree::new();
    t.write("deploy/aws.ini", aws_pair());
    t.write("nhi-inventory.yaml", aws_inventory(""));
    // The inventory names the (non-secret) key id, which the AWS rule would find there too.
    t.write(".nhiscanignore", "nhi-inventory.yaml\n");
    let scan = t.run(&[
        "scan",
        ".",
        "-f",
        "json",
        "--now",
        NOW,
        "--fail-on",
        "error",
    ]);
    assert_eq!(scan.code, 1, "{}", scan.stderr);
    let out = audit(&t, &["--fail-on", "error"]);
    assert_eq!(
        out.code, 1,
        "audit must fail where scan does: {}",
        out.stdout
    );
    let r = out.json();
    let i = identity(&r, "aws-deploy");
    assert_eq!(states(i), vec!["exposed/error/NHI2"]);
    assert!(
        i["states"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("found outside its allowed paths at deploy/aws.ini:2, deploy/aws.ini:3 "),
        "{i}"
    );
    assert_eq!(i["decision"], "rotate-and-remove");
    assert_eq!(r["summary"]["failing"], 1);
    assert_eq!(r["summary"]["states"]["exposed"], 1);
    // Where it may live, the same credential is kept, and neither command fails.
    t.write(
        "nhi-inventory.yaml",
        aws_inventory("      paths: ['deploy/*']\n"),
    );
    let scan = t.run(&[
        "scan",
        ".",
        "-f",
        "json",
        "--now",
        NOW,
        "--fail-on",
        "error",
    ]);
    assert_eq!(scan.code, 0, "{}", scan.stdout);
    let out = audit(&t, &["--fail-on", "error"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let r = out.json();
    let i = identity(&r, "aws-deploy");
    assert_eq!(states(i), Vec::<String>::new());
    assert_eq!(i["decision"], "keep");
}

const WORKFLOW: &str = "on: push\njobs:\n  deploy:\n    runs-on: x\n    steps:\n      - run: ./deploy\n        env:\n          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n          GH: ${{ secrets.GITHUB_TOKEN }}\n";

fn ci_inventory(name: &str, last_used: &str) -> String {
    format!(
        "version: 1\nidentities:\n  - id: deployer\n    owner: platform\n    created: 2025-05-01\n{last_used}    match:\n      ci_secrets: [{name}]\n"
    )
}

#[test]
fn issue_14_dated_evidence_outranks_a_workflow_reference() {
    let t = Tree::new();
    t.write(".github/workflows/deploy.yml", WORKFLOW);
    // Last used 517 days ago: stale, though a workflow still references it.
    t.write(
        "nhi-inventory.yaml",
        ci_inventory("DEPLOY_TOKEN", "    last_used: 2024-01-01\n"),
    );
    let out = audit(&t, &[]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let r = out.json();
    let i = identity(&r, "deployer");
    assert_eq!(
        i["usage"]["pipeline_refs"],
        serde_json::json!([".github/workflows/deploy.yml:8 deploy"])
    );
    assert_eq!(states(i), vec!["stale/warning/NHI1"]);
    let msg = i["states"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("517 days") && msg.contains("no evidence of use"),
        "{msg}"
    );
    assert_eq!(i["decision"], "remove");
    // Referenced without any date: not stale, but shown as unverified.
    t.write("nhi-inventory.yaml", ci_inventory("DEPLOY_TOKEN", ""));
    let r = audit(&t, &[]).json();
    let i = identity(&r, "deployer");
    assert_eq!(i["decision"], "keep");
    assert!(
        i["recommendation"]
            .as_str()
            .unwrap()
            .contains("record `last_used`"),
        "{i}"
    );
    let text = t.run(&["audit", ".", "--now", NOW]);
    assert!(
        text.stdout
            .contains("last used: referenced by a pipeline, unverified"),
        "{}",
        text.stdout
    );
}

#[test]
fn issue_14_an_organisation_secret_used_elsewhere_is_kept() {
    let t = Tree::new();
    t.write(".github/workflows/deploy.yml", WORKFLOW);
    // No workflow here reads ORG_TOKEN, but it was used 2 days ago: keep it.
    t.write(
        "nhi-inventory.yaml",
        ci_inventory("ORG_TOKEN", "    last_used: 2025-05-30\n").replace(
            "ci_secrets: [ORG_TOKEN]",
            "ci_secrets: [ORG_TOKEN, DEPLOY_TOKEN]",
        ),
    );
    let out = audit(&t, &[]);
    // What fails is the workflow's default token permissions (a risk `scan` fails on too),
    // not the identity.
    assert_eq!(out.code, 1, "{}", out.stdout);
    let r = out.json();
    assert_eq!(
        r["pipeline_risks"][0]["rule_id"],
        "pipeline-broad-permissions-with-secrets"
    );
    assert_eq!(r["summary"]["failing"], 1);
    let i = identity(&r, "deployer").clone();
    assert_eq!(states(&i), Vec::<String>::new());
    assert_eq!(i["decision"], "keep");
    // Only ORG_TOKEN, read by no pipeline of this repository: still kept on its date.
    t.write(
        "nhi-inventory.yaml",
        ci_inventory("ORG_TOKEN", "    last_used: 2025-05-30\n"),
    );
    let out = audit(&t, &[]);
    assert_eq!(
        out.code, 1,
        "DEPLOY_TOKEN is now unregistered: {}",
        out.stdout
    );
    let r = out.json();
    let i = identity(&r, "deployer");
    assert_eq!(states(i), Vec::<String>::new());
    assert_eq!(i["decision"], "keep");
    assert_eq!(r["unregistered_ci_secrets"][0]["name"], "DEPLOY_TOKEN");
}

/// Issue 14: `audit --git` ages a credential as `scan --git` does, from the first commit that
/// holds it when the inventory records no date.
#[test]
fn issue_14_audit_git_ages_from_the_first_commit_like_scan_git() {
    use crate::harness::git;
    let t = Tree::new();
    let day = Some("2024-01-05T10:00:00+00:00");
    git(t.path(), &["init", "-q"], day);
    t.write("deploy/aws.ini", aws_pair());
    git(t.path(), &["add", "-A"], day);
    git(t.path(), &["commit", "-q", "-m", "keys"], day);
    // Not committed: the history holds only the key pair.
    t.write(
        "nhi-inventory.yaml",
        "version: 1\nidentities:\n  - id: aws-deploy\n    owner: infra\n    last_used: 2025-05-31\n    match:\n      key_ids: [AKIAU36QWASULXKGEJLZ]\n      paths: ['deploy/*']\n",
    );
    t.write(".nhiscanignore", "nhi-inventory.yaml\n");
    let scan = t.run(&["scan", ".", "--git", "-f", "json", "--now", NOW]);
    let s = scan.json();
    let f = &s["findings"][0];
    assert_eq!(f["identity"]["age_days"], 513, "{s}");
    assert_eq!(f["verdicts"][0]["kind"], "rotation-overdue");
    assert_eq!(f["verdicts"][0]["severity"], "error");
    // Without --git the audit has no date to count from…
    let r = audit(&t, &[]).json();
    let i = identity(&r, "aws-deploy");
    assert!(i.get("age_days").is_none(), "{i}");
    assert_eq!(i["decision"], "keep");
    // …with it, the same age and the same severity as the scan.
    let out = audit(&t, &["--git", "--fail-on", "error"]);
    assert_eq!(out.code, scan.code, "{}", out.stdout);
    assert_eq!(out.code, 1);
    let r = out.json();
    let i = identity(&r, "aws-deploy");
    assert_eq!(i["age_days"], 513, "{i}");
    assert_eq!(states(i), vec!["overdue/error/NHI7"]);
    assert!(
        i["states"][0]["message"]
            .as_str()
            .unwrap()
            .contains("since first seen in git 2024-01-05"),
        "{i}"
    );
    assert_eq!(i["decision"], "rotate");
    assert_eq!(r["scan"]["source"], s["scan"]["source"]);
}

/// Issue 14: federated identities, deprecation, offboarding with `--owners`, admin scopes —
/// each with its state, OWASP id and decision.
#[test]
fn issue_14_lifecycle_states_workload_deprecated_orphaned_over_privileged() {
    let t = Tree::new();
    let common = "    created: 2025-05-01\n    last_used: 2025-05-31\n";
    t.write(
        "nhi-inventory.yaml",
        format!(
            "version: 1\nidentities:\n  - id: oidc-deploy\n    kind: workload_identity\n    owner: platform\n    created: 2023-01-01\n    last_used: 2025-05-31\n  - id: legacy\n    owner: platform\n    status: deprecated\n    retire_by: 2025-06-10\n{common}  - id: old-bot\n    owner: gone-team\n{common}  - id: gh-admin\n    owner: platform\n    provider: github\n    scopes: [repo, admin:org]\n{common}  - id: leaver\n    owner: platform\n    offboarding: [ada leaves]\n{common}"
        ),
    );
    t.write(
        "members.json",
        r#"[{"login": "bob", "id": 2}, {"slug": "platform"}]"#,
    );
    let out = audit(&t, &["--owners", "members.json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["owners"], "members.json");
    let got: Vec<(String, Vec<String>, String)> = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                states(i),
                i["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = vec![
        ("oidc-deploy", vec![], "keep"),
        ("legacy", vec!["deprecated/warning/NHI1"], "retire"),
        ("old-bot", vec!["orphaned/warning/NHI1"], "assign-owner"),
        (
            "gh-admin",
            vec!["over-privileged/warning/NHI5"],
            "reduce-scopes",
        ),
        ("leaver", vec!["orphaned/warning/NHI1"], "assign-owner"),
    ];
    let want: Vec<(String, Vec<String>, String)> = want
        .into_iter()
        .map(|(a, b, c)| {
            (
                a.to_string(),
                b.into_iter().map(String::from).collect(),
                c.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        identity(&r, "legacy")["states"][0]["message"],
        "deprecated: retire it by 2025-06-10 (in 9 days)"
    );
    assert_eq!(
        identity(&r, "oidc-deploy")["recommendation"],
        "keep it: federated, nothing to rotate"
    );
    // Without the export, nobody is known to be gone.
    let r = audit(&t, &[]).json();
    assert_eq!(identity(&r, "old-bot")["decision"], "keep");
    // A broken export is a located error, and nothing is printed on stdout.
    t.write("members.json", "[\n  {\"login\": \"bob\"},\n  nope\n]\n");
    let out = audit(&t, &["--owners", "members.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("members.json:3:"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

/// Issue 14: audit as SARIF, valid against the official SARIF 2.1.0 schema: one result per
/// state, with its level, OWASP id and decision, and never a secret.
#[test]
fn issue_14_audit_sarif_is_valid_and_carries_every_state() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let out = crate::harness::run_in(
        &demo,
        &[
            "audit",
            ".",
            "-f",
            "sarif",
            "--inventory",
            "../inventory/demo-inventory.yaml",
            "--now",
            NOW,
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc = out.json();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    let v = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let run = &doc["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "nhiscan/audit/");
    let results = run["results"].as_array().unwrap();
    // As many results as states in the JSON audit.
    let json = crate::harness::run_in(
        &demo,
        &[
            "audit",
            ".",
            "-f",
            "json",
            "--inventory",
            "../inventory/demo-inventory.yaml",
            "--now",
            NOW,
        ],
    )
    .json();
    let n: u64 = json["summary"]["states"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(results.len() as u64, n);
    let aws: Vec<(&str, &str, &str)> = results
        .iter()
        .filter(|r| r["properties"]["identity"] == "aws-admin")
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["properties"]["owasp"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        aws,
        [
            ("nhi-audit/exposed", "error", "NHI2"),
            ("nhi-audit/stale", "warning", "NHI1"),
            ("nhi-audit/over-privileged", "warning", "NHI5")
        ]
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    // ci-deployer is found nowhere: its results would sit at its inventory entry (it has none).
    assert!(results
        .iter()
        .all(|r| r["properties"]["identity"] != "ci-deployer"));
    let text = out.stdout;
    let secrets =
        crate::harness::run_in(&demo, &["scan", ".", "-f", "json", "--show-secrets"]).json();
    for f in secrets["findings"].as_array().unwrap() {
        if f["rule_id"] == "aws-access-key-id" {
            continue;
        }
        assert!(
            !text.contains(f["secret"].as_str().unwrap()),
            "SARIF leaks a secret"
        );
    }
}

/// Issue 14: `--since PREVIOUS.json` lists what is new and what was resolved.
#[test]
fn issue_14_audit_since_lists_new_and_resolved() {
    let t = Tree::new();
    t.write("deploy/aws.ini", aws_pair());
    t.write("nhi-inventory.yaml", aws_inventory(""));
    t.write(".nhiscanignore", "nhi-inventory.yaml\n");
    let store = Tree::new();
    let prev = store.write("prev.json", audit(&t, &[]).stdout);
    let prev = prev.to_str().unwrap();
    // Moved to an allowed place, but the owner left the entry.
    t.write(
        "nhi-inventory.yaml",
        aws_inventory("      paths: ['deploy/*']\n").replace("    owner: infra\n", ""),
    );
    let r = audit(&t, &["--since", prev]).json();
    assert_eq!(r["since"]["previous"], prev);
    assert_eq!(
        r["since"]["new"],
        serde_json::json!([{"identity": "aws-deploy", "state": "ownerless"}])
    );
    assert_eq!(
        r["since"]["resolved"],
        serde_json::json!([{"identity": "aws-deploy", "state": "exposed"}])
    );
    let text = t.run(&["audit", ".", "--now", NOW, "--since", prev]);
    assert!(
        text.stdout.contains(&format!(
            "since {prev}: 1 new, 1 resolved\n  new       aws-deploy: ownerless\n  resolved  aws-deploy: exposed\n"
        )),
        "{}",
        text.stdout
    );
    // A scan report is not an audit: a located error, exit 2.
    let scan = store.write(
        "scan.json",
        t.run(&["scan", ".", "-f", "json", "--now", NOW]).stdout,
    );
    let out = audit(&t, &["--since", scan.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("scan.json:") && out.stderr.contains("not an audit JSON report"),
        "{}",
        out.stderr
    );
}

/// `--since` also tracks pipeline risks: a risk fixed since the previous audit is resolved, and
/// one only moved down the file (same rule, file, job and subject) is no change.
#[test]
fn audit_since_tracks_pipeline_risks_and_ignores_a_moved_line() {
    let t = Tree::new();
    let wf = |pin: &str, pad: &str| {
        format!("on: push\npermissions: {{contents: read}}\njobs:\n  deploy:\n    runs-on: x\n    steps:\n{pad}      - uses: acme/deploy-action@{pin}\n        with:\n          token: ${{{{ secrets.DEPLOY_TOKEN }}}}\n")
    };
    t.write(".github/workflows/deploy.yml", wf("v1", ""));
    t.write("nhi-inventory.yaml", ci_inventory("DEPLOY_TOKEN", ""));
    let store = Tree::new();
    let first = audit(&t, &[]);
    let risks: Vec<String> = first.json()["pipeline_risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(risks, ["pipeline-unpinned-action-with-secrets"]);
    let prev = store.write("prev.json", first.stdout);
    let prev = prev.to_str().unwrap();
    // Moved two lines down: nothing new, nothing resolved.
    t.write(
        ".github/workflows/deploy.yml",
        wf("v1", "      - run: echo one\n      - run: echo two\n"),
    );
    let moved = audit(&t, &["--since", prev]).json();
    assert_eq!(moved["pipeline_risks"][0]["location"]["line"], 9, "{moved}");
    assert_eq!(moved["since"]["new"], serde_json::json!([]), "{moved}");
    assert_eq!(moved["since"]["resolved"], serde_json::json!([]), "{moved}");
    // Pinned to a full commit: the risk is resolved.
    t.write(
        ".github/workflows/deploy.yml",
        wf("3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a098", ""),
    );
    let r = audit(&t, &["--since", prev]).json();
    assert_eq!(r["since"]["new"], serde_json::json!([]), "{r}");
    assert_eq!(
        r["since"]["resolved"][0]["rule_id"], "pipeline-unpinned-action-with-secrets",
        "{r}"
    );
    assert_eq!(
        r["since"]["resolved"][0]["path"],
        ".github/workflows/deploy.yml"
    );
    let text = t.run(&["audit", ".", "--now", NOW, "--since", prev]);
    assert!(
        text.stdout.contains(
            "  resolved  pipeline risk pipeline-unpinned-action-with-secrets in .github/workflows/deploy.yml\n"
        ),
        "{}",
        text.stdout
    );
}

/// Issue 14: `policy.tiers` read from the inventory: prod identities rotate every 30 days.
#[test]
fn issue_14_policy_tiers_from_the_inventory() {
    let t = Tree::new();
    t.write(
        "nhi-inventory.yaml",
        "version: 1\npolicy:\n  tiers:\n    - environment: prod\n      rotation_days: 30\n    - criticality: high\n      stale_after_days: 7\nidentities:\n  - id: prod-key\n    owner: a\n    environment: prod\n    last_rotated: 2025-04-20\n    last_used: 2025-05-31\n  - id: dev-key\n    owner: a\n    environment: dev\n    last_rotated: 2025-04-20\n    last_used: 2025-05-31\n  - id: crown-jewel\n    owner: a\n    criticality: high\n    last_rotated: 2025-05-20\n    last_used: 2025-05-20\n",
    );
    let r = audit(&t, &[]).json();
    assert_eq!(
        states(identity(&r, "prod-key")),
        vec!["overdue/warning/NHI7"]
    );
    assert_eq!(states(identity(&r, "dev-key")), Vec::<String>::new());
    assert_eq!(
        states(identity(&r, "crown-jewel")),
        vec!["stale/warning/NHI1"]
    );
    // A tier key that does not exist is a located error.
    t.write(
        "nhi-inventory.yaml",
        "version: 1\npolicy:\n  tiers:\n    - environment: prod\n      rotate_days: 30\nidentities: []\n",
    );
    let out = audit(&t, &[]);
    assert!(
        out.stderr.contains("nhi-inventory.yaml:5:"),
        "{}",
        out.stderr
    );
}

/// Issue 14: a workload identity is tied to the pipelines whose OIDC steps assume it (by its
/// `key_ids`: role ARN, workload identity provider, client id), and has nothing to rotate.
#[test]
fn issue_14_workload_identity_is_tied_to_oidc_jobs() {
    let t = Tree::new();
    t.write(
        ".github/workflows/deploy.yml",
        "on: push\npermissions:\n  id-token: write\n  contents: read\njobs:\n  deploy:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/deploy\n          aws-region: eu-west-1\n  other:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/other\n",
    );
    t.write(
        "nhi-inventory.yaml",
        "version: 1\nidentities:\n  - id: deploy-role\n    kind: workload_identity\n    provider: aws\n    owner: platform\n    created: 2023-01-01\n    match:\n      key_ids: ['arn:aws:iam::123456789012:role/deploy']\n",
    );
    let out = audit(&t, &[]);
    let r = out.json();
    let i = identity(&r, "deploy-role");
    assert_eq!(
        i["usage"]["pipeline_refs"],
        serde_json::json!([".github/workflows/deploy.yml:6 deploy (OIDC, aws)"])
    );
    // Referenced, unverified: kept (not stale), never overdue.
    assert_eq!(states(i), Vec::<String>::new());
    assert_eq!(i["decision"], "keep");
    let p = t.run(&["pipelines", ".", "-f", "json"]).json();
    assert_eq!(
        p["pipelines"][0]["jobs"][0]["oidc_identities"],
        serde_json::json!(["arn:aws:iam::123456789012:role/deploy"])
    );
}

/// Issue 14: the pipeline risks the audit lists are SARIF results of their own rules, valid
/// against the schema, at the risk's place.
#[test]
fn issue_14_audit_sarif_carries_pipeline_risks() {
    let t = Tree::new();
    t.write(
        ".github/workflows/pr.yml",
        "on: pull_request_target\npermissions: {contents: read}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: ./test --token ${{ secrets.DEPLOY_TOKEN }}\n",
    );
    t.write(
        "nhi-inventory.yaml",
        ci_inventory("DEPLOY_TOKEN", "    last_used: 2025-05-31\n"),
    );
    let out = t.run(&["audit", ".", "-f", "sarif", "--now", NOW]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc = out.json();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    let v = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let mut got: Vec<(String, String, u64)> = Vec::new();
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        got.push((
            r["ruleId"].as_str().unwrap().to_string(),
            r["level"].as_str().unwrap().to_string(),
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap(),
        ));
    }
    got.sort();
    assert_eq!(
        got,
        [
            (
                "pipeline-secret-in-command".to_string(),
                "warning".to_string(),
                10
            ),
            (
                "pipeline-untrusted-checkout-with-secrets".to_string(),
                "error".to_string(),
                9
            ),
        ]
    );
}

/// Issue 16: a workload identity is tied to GitLab jobs that federate into its cloud through
/// `id_tokens:`, as to GitHub's, and never to a job whose token only signs (even when its
/// script names the role).
#[test]
fn issue_16_workload_identity_is_tied_to_gitlab_cloud_federation_only() {
    let t = Tree::new();
    t.write(
        ".gitlab-ci.yml",
        "deploy:\n  id_tokens:\n    AWS_TOKEN:\n      aud: https://sts.amazonaws.com\n  variables:\n    ROLE_ARN: arn:aws:iam::123456789012:role/deploy\n  script:\n    - aws sts assume-role-with-web-identity --role-arn $ROLE_ARN --role-session-name ci --web-identity-token $AWS_TOKEN\nsign:\n  id_tokens:\n    SIGSTORE_ID_TOKEN:\n      aud: sigstore\n  script:\n    - echo signing for arn:aws:iam::123456789012:role/signer\n    - cosign sign --yes $IMAGE\n",
    );
    t.write(
        "nhi-inventory.yaml",
        "version: 1\nidentities:\n  - id: deploy-role\n    kind: workload_identity\n    provider: aws\n    owner: platform\n    created: 2023-01-01\n    match:\n      key_ids: ['arn:aws:iam::123456789012:role/deploy']\n  - id: signer-role\n    kind: workload_identity\n    provider: aws\n    owner: platform\n    created: 2023-01-01\n    match:\n      key_ids: ['arn:aws:iam::123456789012:role/signer']\n",
    );
    let r = audit(&t, &[]).json();
    assert_eq!(
        identity(&r, "deploy-role")["usage"]["pipeline_refs"],
        serde_json::json!([".gitlab-ci.yml:1 deploy (OIDC, aws)"])
    );
    assert_eq!(
        identity(&r, "signer-role")["usage"]["pipeline_refs"],
        serde_json::Value::Null,
        "{}",
        identity(&r, "signer-role")
    );
}
