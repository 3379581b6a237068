//! CI pipeline configs (issue 5): hardcoded credentials found in the pipeline's structure with
//! exact positions, the usage map of `nhiscan pipelines`, malformed YAML, and the audit's
//! `ci_secrets` hook-up. Fixtures are realistic pipelines under `fixtures/pipelines/`.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::harness::{locations, run_in, Tree};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pipelines")
        .join(name)
}

fn owned(v: Vec<(&str, &str, u64, u64)>) -> Vec<(String, String, u64, u64)> {
    v.into_iter()
        .map(|(a, b, c, d)| (a.into(), b.into(), c, d))
        .collect()
}

/// Plain-text secrets planted in the fixtures: none may ever be printed.
const PLANTED: &[&str] = &[
    "Tr0ub4dor-Horse-83x",
    "pg-Svc-4417-Qz",
    "Dh-pass-7731-Kq",
    "gl-Reg-99172-Xw",
    "sq-tok-58210-Lm",
    "pg-Gl-3391-Tz",
];

fn assert_no_secret(s: &str) {
    for p in PLANTED {
        assert!(!s.contains(p), "secret {p} printed:\n{s}");
    }
}

#[test]
fn github_workflows_hardcoded_credentials_exact_positions() {
    let out = run_in(&fixture("github"), &["scan", ".", "-f", "json"]);
    // Findings fail (exit 1) even though broken.yml is an error.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_no_secret(&out.stdout);
    assert_no_secret(&out.stderr);
    let r = out.json();
    assert_eq!(
        locations(&r),
        owned(vec![
            // A provider-less rule already reports this one: no second finding.
            (
                "generic-secret-assignment",
                ".github/workflows/release.yml",
                44,
                25
            ),
            (
                "pipeline-broad-permissions-with-secrets",
                ".github/workflows/docs.yml",
                8,
                3
            ),
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/release.yml",
                54,
                30
            ),
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/release.yml",
                65,
                44
            ),
            (
                "pipeline-long-lived-cloud-key",
                ".github/workflows/release.yml",
                96,
                11
            ),
            // The anchored env map (`&node-env`) hands NPM_TOKEN to the jobs that alias it.
            (
                "pipeline-long-lived-registry-token",
                ".github/workflows/release.yml",
                19,
                3
            ),
            (
                "pipeline-secret-in-command",
                ".github/workflows/release.yml",
                70,
                30
            ),
            (
                "pipeline-unpinned-action-with-secrets",
                ".github/workflows/release.yml",
                47,
                15
            ),
            (
                "pipeline-unpinned-action-with-secrets",
                ".github/workflows/release.yml",
                93,
                15
            ),
        ])
    );
    let hard: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "pipeline-hardcoded-credential")
        .collect();
    let f = hard[0];
    assert_eq!(
        f["attributes"],
        json!({"ci_system": "github-actions", "key": "jobs.build.services.postgres.env.POSTGRES_PASSWORD"})
    );
    assert_eq!(f["kind"], "password");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["redacted"], "pg-…(14 chars)");
    assert_eq!(f["locations"][0]["end_column"], 44);
    // Same fingerprint scheme as every finding: sha256 of the secret.
    assert_eq!(
        f["fingerprint"],
        format!("sha256:{}", sha256_hex(b"pg-Svc-4417-Qz"))
    );
    assert_eq!(f["verdicts"][0]["kind"], "unregistered");
    assert_eq!(hard[1]["attributes"]["key"], "docker login -p");
    // The malformed workflow: located, counted, the rest scanned.
    assert_eq!(
        r["errors"],
        json!([{"path": ".github/workflows/broken.yml:6:9",
                "message": "invalid YAML: while parsing a block mapping, did not find expected key"}])
    );
    assert_eq!(r["summary"]["errors"], 1);
}

fn sha256_hex(b: &[u8]) -> String {
    // The integration tests have no sha2 dependency: ask the binary's own library.
    nhiscan::findings::fingerprint(b)
        .trim_start_matches("sha256:")
        .to_string()
}

#[test]
fn gitlab_ci_hardcoded_credentials_exact_positions() {
    let out = run_in(&fixture("gitlab"), &["scan", ".", "-f", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_no_secret(&out.stdout);
    let r = out.json();
    assert_eq!(
        locations(&r),
        owned(vec![
            ("pipeline-hardcoded-credential", ".gitlab-ci.yml", 5, 23),
            ("pipeline-hardcoded-credential", ".gitlab-ci.yml", 7, 12),
            ("pipeline-hardcoded-credential", ".gitlab-ci.yml", 23, 24),
            ("pipeline-secret-in-command", ".gitlab-ci.yml", 15, 29),
            ("pipeline-secret-in-command", ".gitlab-ci.yml", 26, 34),
            (
                "pipeline-secret-shared-across-environments",
                ".gitlab-ci.yml",
                15,
                16
            ),
            (
                "pipeline-secret-shared-across-environments",
                ".gitlab-ci.yml",
                15,
                29
            ),
        ])
    );
    let keys: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "pipeline-hardcoded-credential")
        .map(|f| f["attributes"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "variables.REGISTRY_PASSWORD",
            "variables.SONAR_TOKEN",
            "test.variables.POSTGRES_PASSWORD"
        ]
    );
    assert_eq!(r["errors"], json!([]));
}

#[test]
fn references_and_placeholders_are_not_credentials() {
    let t = Tree::new();
    t.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      TOKEN: ${{ secrets.TOKEN }}\n      DB_PASSWORD: $DB_PASSWORD\n      API_KEY: $(API_KEY)\n      NPM_TOKEN: <your-npm-token>\n      VAULT_TOKEN: vault:secret/data/ci#token\n      SHORT_PASSWORD: abc\n      TOKEN_FILE: /run/secrets/token-file-x1\n      AWS_ACCESS_KEY_ID: ${{ vars.KEY_ID }}\n    permissions:\n      id-token: write\n    steps:\n      - run: docker login -u bot -p \"$REGISTRY_PASSWORD\" r.io\n      - run: curl -u bot:${{ secrets.P }} https://x\n",
    );
    let out = t.run(&["scan", ".", "-f", "json"]);
    let hard: Vec<_> = locations(&out.json())
        .into_iter()
        .filter(|l| l.0 == "pipeline-hardcoded-credential")
        .collect();
    assert_eq!(hard, vec![], "{}", out.stdout);
    // The positive twin: the same keys with literal values are found.
    t.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      DB_PASSWORD: Kq81-lit3ral-Pw\n    steps:\n      - run: docker login -u bot -p Rg-lit3ral-77 r.io\n      - run: curl -u bot:Cu-lit3ral-55 https://x\n",
    );
    let out = t.run(&["scan", ".", "-f", "json"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        locations(&out.json())
            .into_iter()
            .filter(|l| l.0 == "pipeline-hardcoded-credential")
            .collect::<Vec<_>>(),
        owned(vec![
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/ci.yml",
                6,
                20
            ),
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/ci.yml",
                8,
                37
            ),
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/ci.yml",
                9,
                26
            ),
        ])
    );
}

const COMMAND_LINE_FIX: &str = "let the tool read it from its environment variable (or stdin, e.g. `--password-stdin`) instead of passing it as an argument";

const SHARED_FIX: &str = "give each environment its own credential (environment-scoped secrets), so a non-production leak cannot reach production";

#[test]
fn gitlab_usage_map_exact_json() {
    let out = run_in(&fixture("gitlab"), &["pipelines", ".", "-f", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    let template_steps = json!([
        {"line": 13, "column": 5, "name": "before_script", "secrets": []},
        {"line": 15, "column": 5, "name": "script", "secrets": []}
    ]);
    let deploy_refs = [
        json!({"name": "DEPLOY_USER", "line": 15, "column": 16}),
        json!({"name": "DEPLOY_PASSWORD", "line": 15, "column": 29}),
    ];
    let want = json!({
        "schema_version": 1,
        "pipelines": [{
            "path": ".gitlab-ci.yml",
            "system": "gitlab-ci",
            "jobs": [
                {"id": ".deploy-template", "line": 10, "column": 1, "oidc": false, "secrets": [],
                 "steps": [
                    {"line": 13, "column": 5, "name": "before_script", "secrets": []},
                    {"line": 15, "column": 5, "name": "script", "secrets": deploy_refs}
                 ]},
                {"id": "test", "line": 17, "column": 1, "oidc": false, "secrets": [],
                 "steps": [{"line": 25, "column": 5, "name": "script",
                            "secrets": [{"name": "TEST_DB_PASSWORD", "line": 26, "column": 34}]}]},
                {"id": "deploy-staging", "line": 28, "column": 1, "environment": "staging",
                 "oidc": false, "secrets": deploy_refs, "steps": template_steps},
                {"id": "deploy-production", "line": 33, "column": 1, "environment": "production",
                 "oidc": true, "oidc_use": {"purpose": "secret_manager", "provider": "vault"},
                 "secrets": [deploy_refs[0], deploy_refs[1],
                             {"name": "DATABASE_PASSWORD", "line": 42, "column": 5}],
                 "steps": template_steps}
            ]
        }],
        "secrets": {
            "DATABASE_PASSWORD": [
                {"path": ".gitlab-ci.yml", "line": 42, "column": 5, "job": "deploy-production", "environment": "production"}
            ],
            "DEPLOY_PASSWORD": [
                {"path": ".gitlab-ci.yml", "line": 15, "column": 29, "job": ".deploy-template", "step": "script"},
                {"path": ".gitlab-ci.yml", "line": 15, "column": 29, "job": "deploy-production", "environment": "production"},
                {"path": ".gitlab-ci.yml", "line": 15, "column": 29, "job": "deploy-staging", "environment": "staging"}
            ],
            "DEPLOY_USER": [
                {"path": ".gitlab-ci.yml", "line": 15, "column": 16, "job": ".deploy-template", "step": "script"},
                {"path": ".gitlab-ci.yml", "line": 15, "column": 16, "job": "deploy-production", "environment": "production"},
                {"path": ".gitlab-ci.yml", "line": 15, "column": 16, "job": "deploy-staging", "environment": "staging"}
            ],
            "TEST_DB_PASSWORD": [
                {"path": ".gitlab-ci.yml", "line": 26, "column": 34, "job": "test", "step": "script"}
            ]
        },
        "risks": [
            {"rule_id": "pipeline-secret-shared-across-environments", "severity": "warning",
             "owasp": "NHI8", "path": ".gitlab-ci.yml", "line": 15, "column": 16,
             "job": "deploy-production", "subject": "DEPLOY_USER",
             "message": "secret DEPLOY_USER is used by the `production` and the `staging` environments",
             "fix": SHARED_FIX},
            {"rule_id": "pipeline-secret-in-command", "severity": "warning",
             "owasp": "NHI2", "path": ".gitlab-ci.yml", "line": 15, "column": 29,
             "job": ".deploy-template", "subject": "DEPLOY_PASSWORD",
             "message": "secret DEPLOY_PASSWORD is expanded onto a command line in a script, where it can reach logs, the process list and shell history",
             "fix": COMMAND_LINE_FIX},
            {"rule_id": "pipeline-secret-shared-across-environments", "severity": "warning",
             "owasp": "NHI8", "path": ".gitlab-ci.yml", "line": 15, "column": 29,
             "job": "deploy-production", "subject": "DEPLOY_PASSWORD",
             "message": "secret DEPLOY_PASSWORD is used by the `production` and the `staging` environments",
             "fix": SHARED_FIX},
            {"rule_id": "pipeline-secret-in-command", "severity": "warning",
             "owasp": "NHI2", "path": ".gitlab-ci.yml", "line": 26, "column": 34,
             "job": "test", "subject": "TEST_DB_PASSWORD",
             "message": "secret TEST_DB_PASSWORD is expanded onto a command line in a script, where it can reach logs, the process list and shell history",
             "fix": COMMAND_LINE_FIX}
        ],
        "errors": []
    });
    assert_eq!(r, want);
}

#[test]
fn github_usage_map_jobs_environments_permissions_oidc() {
    let out = run_in(&fixture("github"), &["pipelines", ".", "-f", "json"]);
    // broken.yml is an error: exit 2, named on stderr with its position.
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("error: .github/workflows/broken.yml:6:9: invalid YAML"),
        "{}",
        out.stderr
    );
    let r = out.json();
    let paths: Vec<&str> = r["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            ".github/actions/publish/action.yml",
            ".github/workflows/docs.yml",
            ".github/workflows/release.yml"
        ]
    );
    let release = &r["pipelines"][2];
    assert_eq!(release["triggers"], json!(["push", "workflow_dispatch"]));
    assert_eq!(release["permissions"], json!({"contents": "read"}));
    let jobs = release["jobs"].as_array().unwrap();
    let job = |id: &str| jobs.iter().find(|j| j["id"] == id).unwrap().clone();
    let aws = job("deploy-aws");
    assert_eq!(aws["environment"], "production");
    assert_eq!(aws["oidc"], true);
    assert_eq!(
        aws["permissions"],
        json!({"id-token": "write", "contents": "read"})
    );
    let legacy = job("deploy-legacy");
    assert_eq!(legacy["environment"], "staging");
    assert_eq!(legacy["oidc"], false);
    assert_eq!(
        legacy["steps"][0]["secrets"],
        json!([
            {"name": "AWS_ACCESS_KEY_ID", "line": 95, "column": 34},
            {"name": "AWS_SECRET_ACCESS_KEY", "line": 96, "column": 38}
        ])
    );
    let docs = job("docs");
    assert_eq!(docs["inherits_secrets"], true);
    assert_eq!(docs["uses"], "./.github/workflows/docs.yml");
    // `env: *node-env` reads NPM_TOKEN through the anchor: the build job's, at the anchor.
    assert_eq!(
        job("build")["secrets"],
        json!([{"name": "NPM_TOKEN", "line": 19, "column": 18}])
    );
    assert_eq!(
        r["secrets"]["CODECOV_TOKEN"],
        json!([{"path": ".github/workflows/release.yml", "line": 49, "column": 22,
                "job": "build", "step": "Upload coverage"}])
    );
    assert_eq!(
        r["secrets"]["NPM_PUBLISH_TOKEN"],
        json!([{"path": ".github/actions/publish/action.yml", "line": 17, "column": 30,
                "job": "composite", "step": "Publish"}])
    );
    let names: Vec<&String> = r["secrets"].as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "CODECOV_TOKEN",
            "DOCS_TOKEN",
            "HOOK_PASSWORD",
            "NPM_PUBLISH_TOKEN",
            "NPM_TOKEN",
            "SLACK_WEBHOOK"
        ]
    );
    // Text output names each job and what it reads.
    let text = run_in(&fixture("github"), &["pipelines", "."]);
    assert!(text.stdout.contains(
        "  job deploy-aws (72:3)  [environment production; permissions {\"contents\":\"read\",\"id-token\":\"write\"}; OIDC: cloud federation (aws)]"
    ), "{}", text.stdout);
    assert!(text
        .stdout
        .contains("  HOOK_PASSWORD: .github/workflows/release.yml:70 publish"));
    assert!(
        text.stdout.contains(
            "risks:\n  .github/workflows/docs.yml:8:3  warning pipeline-broad-permissions-with-secrets (NHI5)  "
        ),
        "{}",
        text.stdout
    );
    assert!(text
        .stdout
        .contains("    fix: pin the action to a full 40-character commit SHA"));
}

#[test]
fn malformed_pipeline_is_located_and_still_plain_text_scanned() {
    let t = Tree::new();
    let token = format!(
        "xoxb-{}",
        "359285685793-2398037976790-XdKZNdBod6ix8zGcACEMRKh7"
    );
    t.write(
        ".github/workflows/bad.yml",
        format!("on: push\njobs:\n  a: {{\n    env: {{ T: {token} }}\n  steps: [\n"),
    );
    t.write(
        ".gitlab-ci.yml",
        "test:\n  variables:\n    DB_PASSWORD: Zx-lit3ral-19\n  script: [./t]\n",
    );
    // An alias bomb is refused, not expanded.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    t.write(".github/workflows/bomb.yml", bomb);
    let out = t.run(&["scan", ".", "-f", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0]["path"]
        .as_str()
        .unwrap()
        .starts_with(".github/workflows/bad.yml:"));
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("invalid YAML: "));
    assert!(errors[1]["path"]
        .as_str()
        .unwrap()
        .starts_with(".github/workflows/bomb.yml:"));
    assert!(errors[1]["message"]
        .as_str()
        .unwrap()
        .contains("billion laughs"));
    // The broken file still gets the provider rules; the other pipeline its structure.
    assert_eq!(
        locations(&r),
        owned(vec![
            ("pipeline-hardcoded-credential", ".gitlab-ci.yml", 3, 18),
            ("slack-bot-token", ".github/workflows/bad.yml", 4, 15),
        ])
    );
    assert!(!out.stdout.contains(&token));
    assert!(!out.stdout.contains("Zx-lit3ral-19"));
}

#[test]
fn audit_matches_ci_secrets_against_pipelines() {
    let t = Tree::new();
    t.write(
        ".github/workflows/deploy.yml",
        "on: push\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: x\n    environment: production\n    steps:\n      - run: ./deploy\n        env:\n          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n          MYSTERY: ${{ secrets.MYSTERY_KEY }}\n          GH: ${{ secrets.GITHUB_TOKEN }}\n",
    );
    t.write(
        "nhi-inventory.yaml",
        "version: 1\nidentities:\n  - id: deployer\n    owner: platform\n    created: 2025-05-01\n    match:\n      ci_secrets: [DEPLOY_TOKEN]\n  - id: old-bot\n    owner: platform\n    created: 2025-05-01\n    match:\n      ci_secrets: [OLD_BOT_TOKEN]\n",
    );
    let out = t.run(&["audit", ".", "-f", "json", "--now", "2025-06-01"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    let ids = r["identities"].as_array().unwrap();
    assert_eq!(ids[0]["id"], "deployer");
    assert_eq!(
        ids[0]["usage"]["pipeline_refs"],
        json!([".github/workflows/deploy.yml:11 deploy"])
    );
    assert_eq!(ids[0]["decision"], "keep");
    assert_eq!(ids[1]["id"], "old-bot");
    assert_eq!(ids[1]["decision"], "remove");
    assert_eq!(
        ids[1]["states"],
        json!([{"state": "stale", "severity": "warning", "owasp": "NHI1",
                "message": "no pipeline of this repository reads its CI secret OLD_BOT_TOKEN, and no `last_used` shows a use elsewhere"}])
    );
    // GITHUB_TOKEN is issued per run: never "unregistered".
    assert_eq!(
        r["unregistered_ci_secrets"],
        json!([{"name": "MYSTERY_KEY", "severity": "warning", "owasp": "NHI2",
                "used_by": [{"path": ".github/workflows/deploy.yml", "line": 12, "column": 24,
                             "job": "deploy", "step": "line 9", "environment": "production"}]}])
    );
    let md = t.run(&["audit", ".", "-f", "markdown", "--now", "2025-06-01"]);
    assert!(
        md.stdout.contains("## CI secrets no identity registers\n\n| secret | read at |\n| --- | --- |\n| `MYSTERY_KEY` | .github/workflows/deploy.yml:12 deploy |"),
        "{}",
        md.stdout
    );
    let text = t.run(&["audit", ".", "--now", "2025-06-01"]);
    assert!(
        text.stdout.contains("CI secrets no identity registers:\n  warning  MYSTERY_KEY  read at .github/workflows/deploy.yml:12 deploy (1 read)"),
        "{}",
        text.stdout
    );
}

/// `(rule_id, line, column)` of the risky patterns `nhiscan pipelines` reports for one workflow.
fn risks_of(workflow: &str) -> Vec<(String, u64, u64)> {
    crate::pipelines_more::risks_in(".github/workflows/w.yml", workflow)
}

fn risk(id: &str, line: u64, column: u64) -> Vec<(String, u64, u64)> {
    vec![(id.to_string(), line, column)]
}

const HEAD: &str = "on: push\npermissions:\n  contents: read\njobs:\n  j:\n    runs-on: x\n";

#[test]
fn risky_patterns_each_with_a_negative_twin() {
    // Long-lived AWS key where OIDC is available; twin: role-to-assume.
    let aws = |with: &str| {
        format!("{HEAD}    steps:\n      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502\n        with:\n{with}")
    };
    assert_eq!(
        risks_of(&aws("          aws-access-key-id: ${{ secrets.K }}\n          aws-secret-access-key: ${{ secrets.S }}\n")),
        risk("pipeline-long-lived-cloud-key", 11, 11)
    );
    assert_eq!(
        risks_of(&aws("          role-to-assume: arn:aws:iam::1:role/r\n")),
        vec![]
    );
    // Secrets to an unpinned third-party action; twin: pinned to a SHA.
    let action = |r: &str| {
        format!("{HEAD}    steps:\n      - uses: some/action@{r}\n        with:\n          token: ${{{{ secrets.T }}}}\n")
    };
    assert_eq!(
        risks_of(&action("v2")),
        risk("pipeline-unpinned-action-with-secrets", 8, 15)
    );
    assert_eq!(
        risks_of(&action("0123456789abcdef0123456789abcdef01234567")),
        vec![]
    );
    // pull_request_target checking out the PR head with secrets; twin: pull_request.
    let prt = |on: &str| {
        format!("on: {on}\npermissions:\n  contents: read\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{{{ github.event.pull_request.head.sha }}}}\n      - run: ./build\n        env:\n          T: ${{{{ secrets.T }}}}\n")
    };
    assert_eq!(
        risks_of(&prt("pull_request_target")),
        risk("pipeline-untrusted-checkout-with-secrets", 10, 16)
    );
    assert_eq!(risks_of(&prt("pull_request")), vec![]);
    // A secret on a command line; twin: passed through env.
    assert_eq!(
        risks_of(&format!(
            "{HEAD}    steps:\n      - run: echo ${{{{ secrets.T }}}} > t.txt\n"
        )),
        risk("pipeline-secret-in-command", 8, 23)
    );
    assert_eq!(
        risks_of(&format!("{HEAD}    steps:\n      - run: ./use-token\n        env:\n          T: ${{{{ secrets.T }}}}\n")),
        vec![]
    );
    // A secret passed through env, then echoed or written to a file; twin: only used.
    let via_env = |cmd: &str| {
        format!("{HEAD}    steps:\n      - env:\n          TOKEN: ${{{{ secrets.T }}}}\n        run: |\n          ./login\n          {cmd}\n")
    };
    assert_eq!(
        risks_of(&via_env("echo \"$TOKEN\" > token.txt")),
        risk("pipeline-secret-in-command", 12, 17)
    );
    assert_eq!(risks_of(&via_env("./use --from-env TOKEN")), vec![]);
    // write-all / missing permissions with secrets; twin: explicit least privilege.
    let perms = |p: &str| {
        format!("on: push\n{p}jobs:\n  j:\n    runs-on: x\n    steps:\n      - run: ./t\n        env:\n          T: ${{{{ secrets.T }}}}\n")
    };
    assert_eq!(
        risks_of(&perms("")),
        risk("pipeline-broad-permissions-with-secrets", 3, 3)
    );
    assert_eq!(
        risks_of(&perms("permissions: write-all\n")),
        risk("pipeline-broad-permissions-with-secrets", 2, 14)
    );
    assert_eq!(risks_of(&perms("permissions:\n  contents: read\n")), vec![]);
    // One secret for production and staging; twin: one per environment.
    let envs = |second: &str| {
        format!("on: push\npermissions: {{}}\njobs:\n  prod:\n    runs-on: x\n    environment: production\n    steps:\n      - run: ./d\n        env:\n          T: ${{{{ secrets.DEPLOY }}}}\n  stage:\n    runs-on: x\n    environment: staging\n    steps:\n      - run: ./d\n        env:\n          T: ${{{{ secrets.{second} }}}}\n")
    };
    assert_eq!(
        risks_of(&envs("DEPLOY")),
        risk("pipeline-secret-shared-across-environments", 10, 18)
    );
    assert_eq!(risks_of(&envs("DEPLOY_STAGING")), vec![]);
}

#[test]
fn circleci_drone_jenkins_azure_bitbucket() {
    let out = run_in(&fixture("others"), &["scan", ".", "-f", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for s in ["Cc-reg-4410-Vb", "Dr-slk-9920-Pq", "Jk-db-6621-Hn"] {
        assert!(!out.stdout.contains(s));
    }
    let r = out.json();
    assert_eq!(
        locations(&r),
        owned(vec![
            (
                "pipeline-hardcoded-credential",
                ".circleci/config.yml",
                9,
                21
            ),
            ("pipeline-hardcoded-credential", ".drone.yml", 17, 20),
            ("pipeline-hardcoded-credential", "Jenkinsfile", 5, 20),
            // Static AWS keys handed to a pipe, in a step without `oidc: true`.
            (
                "pipeline-long-lived-cloud-key",
                "bitbucket-pipelines.yml",
                10,
                38
            ),
            ("pipeline-secret-in-command", ".circleci/config.yml", 25, 38),
            ("pipeline-secret-in-command", "azure-pipelines.yml", 5, 29),
        ])
    );
    let out = run_in(&fixture("others"), &["pipelines", ".", "-f", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    let at = |name: &str| -> Vec<(String, u64, u64, Option<String>)> {
        r["secrets"][name]
            .as_array()
            .unwrap_or_else(|| panic!("{name} not in the usage map"))
            .iter()
            .map(|u| {
                (
                    u["path"].as_str().unwrap().to_string(),
                    u["line"].as_u64().unwrap(),
                    u["column"].as_u64().unwrap(),
                    u["job"].as_str().map(str::to_string),
                )
            })
            .collect()
    };
    let one = |p: &str, l: u64, c: u64, j: Option<&str>| {
        vec![(p.to_string(), l, c, j.map(str::to_string))]
    };
    assert_eq!(
        at("DEPLOY_TOKEN"),
        one(".circleci/config.yml", 25, 38, Some("deploy"))
    );
    assert_eq!(
        at("context:aws-prod"),
        one(".circleci/config.yml", 32, 21, Some("deploy"))
    );
    assert_eq!(
        at("docker_password"),
        one(".drone.yml", 9, 22, Some("build"))
    );
    assert_eq!(
        at("aws-deploy-key"),
        one("Jenkinsfile", 4, 30, Some("pipeline"))
    );
    assert_eq!(
        at("slack-token"),
        one("Jenkinsfile", 11, 49, Some("pipeline"))
    );
    assert_eq!(at("NUGET_API_KEY"), one("azure-pipelines.yml", 5, 29, None));
    assert_eq!(
        at("AWS_SECRET_ACCESS_KEY"),
        one("bitbucket-pipelines.yml", 10, 38, None)
    );
    // Names the file defines itself are not secrets.
    assert!(r["secrets"].get("buildConfiguration").is_none());
    assert!(r["secrets"].get("APP_ENV").is_none());
    let systems: Vec<&str> = r["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["system"].as_str().unwrap())
        .collect();
    assert_eq!(
        systems,
        [
            "circleci",
            "drone",
            "jenkins",
            "azure-pipelines",
            "bitbucket-pipelines"
        ]
    );
    // Drone: one job per document.
    let drone = &r["pipelines"][1]["jobs"];
    assert_eq!(drone[0]["id"], "build");
    assert_eq!(drone[1]["id"], "notify");
}

#[test]
fn pipelines_follow_the_walk_allowlist_and_duplicates() {
    let t = Tree::new();
    let wf = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    env:\n      DB_PASSWORD: Kq81-lit3ral-Pw\n    steps:\n      - run: ./t\n";
    t.write(".github/workflows/a.yml", wf);
    // Same content under a second pipeline path: both places are reported.
    t.write(".github/workflows/b.yml", wf);
    let out = t.run(&["scan", ".", "-f", "json"]);
    assert_eq!(
        locations(&out.json()),
        owned(vec![
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/a.yml",
                8,
                20
            ),
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/b.yml",
                8,
                20
            ),
        ])
    );
    // An allowlisted path is not walked, so its pipeline is not read either.
    t.write(
        ".nhiscan.yaml",
        "allowlist:\n  paths: ['.github/workflows/b.yml']\n",
    );
    let out = t.run(&["scan", ".", "-f", "json"]);
    assert_eq!(
        locations(&out.json()),
        owned(vec![(
            "pipeline-hardcoded-credential",
            ".github/workflows/a.yml",
            8,
            20
        )])
    );
}

#[test]
fn inline_allow_and_allowlist_apply_to_hardcoded_pipeline_credentials() {
    let t = Tree::new();
    let wf = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    env:\n      DB_PASSWORD: Kq81-lit3ral-Pw  # nhiscan:allow\n      API_TOKEN: Vb27-fixture-Tk\n      SMTP_PASSWORD: Mz55-lit3ral-Sm\n    steps:\n      - run: ./t\n";
    t.write(".github/workflows/a.yml", wf);
    t.write(
        "Jenkinsfile",
        "pipeline {\n  environment {\n    DEPLOY_PASSWORD = 'Jx40-lit3ral-Dp' // nhiscan:allow\n  }\n}\n",
    );
    let out = t.run(&["scan", ".", "-f", "json"]);
    let j = out.json();
    // The marked lines are left out; the rest are still found.
    assert_eq!(
        locations(&j),
        owned(vec![
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/a.yml",
                9,
                18
            ),
            (
                "pipeline-hardcoded-credential",
                ".github/workflows/a.yml",
                10,
                22
            ),
        ]),
        "{j}"
    );
    // The config's allowlist (a stopword here) applies to them as to every rule's match.
    t.write(".nhiscan.yaml", "allowlist:\n  stopwords: [fixture]\n");
    let j = t.run(&["scan", ".", "-f", "json"]).json();
    assert_eq!(
        locations(&j),
        owned(vec![(
            "pipeline-hardcoded-credential",
            ".github/workflows/a.yml",
            10,
            22
        )]),
        "{j}"
    );
    // Counted once by the generic rule that also saw it and once by the pipeline check.
    assert_eq!(j["summary"]["dropped"]["allowlisted"], 2, "{j}");
}
