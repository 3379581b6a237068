//! GitHub secret flow (issue 16): secrets reach a step from the workflow's `env:`, the job's
//! `env:` and the step's own `env:`/`with:`, and every risk check runs on what flowed; the
//! risks of reusable workflows, registry tokens, untrusted checkouts, template injection,
//! persisted checkout credentials, app tokens and `GITHUB_ENV` writes, each with a negative
//! twin.

use crate::pipelines_more::risks_in;

fn r(id: &str, line: u64, column: u64) -> (String, u64, u64) {
    (format!("pipeline-{id}"), line, column)
}

const WF: &str = ".github/workflows/ci.yml";

#[test]
fn workflow_level_env_secrets_reach_every_job() {
    let wf = |env: &str| {
        format!("name: ci\non: [push]\n{env}jobs:\n  changes:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v47\n      - run: make test\n")
    };
    assert_eq!(
        risks_in(
            WF,
            &wf("env:\n  GH_TOKEN: ${{ secrets.RELEASE_BOT_TOKEN }}\n")
        ),
        vec![
            r("broad-permissions-with-secrets", 6, 3),
            r("unpinned-action-with-secrets", 9, 15),
        ]
    );
    // Twin: the same workflow, the variable not a secret.
    assert_eq!(risks_in(WF, &wf("env:\n  GH_REPO: acme/shop\n")), vec![]);
}

#[test]
fn job_level_env_secrets_reach_every_step_of_that_job_only() {
    let wf = "name: ci\non: [push]\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env:\n      SONAR_TOKEN: ${{ secrets.SONAR_TOKEN }}\n    steps:\n      - uses: SonarSource/sonarqube-scan-action@v5\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: reviewdog/action-actionlint@v1\n";
    assert_eq!(
        risks_in(WF, wf),
        vec![r("unpinned-action-with-secrets", 11, 15)]
    );
}

const SHA: &str = "8f4b7f84864484a7bf31766abe9204da3cbe65b3";

fn wf(on: &str, jobs: &str) -> String {
    format!("name: wf\non: {on}\npermissions:\n  contents: read\njobs:\n{jobs}")
}

#[test]
fn reusable_workflows_unpinned_or_inheriting_every_secret() {
    let call = |uses: &str, secrets: &str| {
        wf(
            "[push]",
            &format!("  deploy:\n    uses: {uses}\n    secrets:{secrets}\n"),
        )
    };
    let explicit = "\n      DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}";
    let remote = "octo-org/shared/.github/workflows/deploy.yml";
    assert_eq!(
        risks_in(WF, &call(&format!("{remote}@main"), explicit)),
        vec![r("unpinned-reusable-workflow", 7, 11)]
    );
    // Twins: pinned to a commit, or a workflow of this repository.
    assert_eq!(
        risks_in(WF, &call(&format!("{remote}@{SHA}"), explicit)),
        vec![]
    );
    assert_eq!(
        risks_in(WF, &call("./.github/workflows/deploy.yml", explicit)),
        vec![]
    );
    // `secrets: inherit` to another repository; twin: to this repository's own workflow.
    assert_eq!(
        risks_in(WF, &call(&format!("{remote}@{SHA}"), " inherit")),
        vec![r("secrets-inherit", 8, 14)]
    );
    assert_eq!(
        risks_in(WF, &call(&format!("{remote}@v2"), " inherit")),
        vec![
            r("unpinned-reusable-workflow", 7, 11),
            r("secrets-inherit", 8, 14)
        ]
    );
    assert_eq!(
        risks_in(WF, &call("./.github/workflows/deploy.yml", " inherit")),
        vec![]
    );
}

#[test]
fn long_lived_registry_and_cloud_keys_in_env_at_every_level() {
    let job = |env: &str, with: &str| {
        wf(
            "[push]",
            &format!("  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: pypa/gh-action-pypi-publish@{SHA}\n{with}{env}"),
        )
    };
    assert_eq!(
        risks_in(
            WF,
            &job(
                "",
                "        with:\n          password: ${{ secrets.PYPI_API_TOKEN }}\n"
            )
        ),
        vec![r("long-lived-registry-token", 11, 11)]
    );
    assert_eq!(
        risks_in(
            WF,
            &job(
                "        env:\n          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n",
                ""
            )
        ),
        vec![r("long-lived-registry-token", 11, 11)]
    );
    // Twin: trusted publishing, no token at all.
    assert_eq!(risks_in(WF, &job("", "")), vec![]);
    // npm: a token secret; twin: GitHub Packages with the run's own token.
    let npm = |secret: &str| {
        wf(
            "[push]",
            &format!("  npm:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{{{ secrets.{secret} }}}}\n"),
        )
    };
    assert_eq!(
        risks_in(WF, &npm("NPM_TOKEN")),
        vec![r("long-lived-registry-token", 11, 11)]
    );
    assert_eq!(risks_in(WF, &npm("GITHUB_TOKEN")), vec![]);
    // Cloud keys in job and workflow env: one risk per key pair, with or without a job.
    let cloud = |wf_env: &str, job_env: &str| {
        format!("name: wf\non: [push]\npermissions:\n  contents: read\n{wf_env}jobs:\n  deploy:\n    runs-on: ubuntu-latest\n{job_env}    steps:\n      - run: ./deploy.sh\n")
    };
    assert_eq!(
        risks_in(
            WF,
            &cloud(
                "env:\n  AZURE_CLIENT_SECRET: ${{ secrets.AZURE_SP_SECRET }}\n",
                "    env:\n      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_KEY_ID }}\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET }}\n"
            )
        ),
        vec![
            r("long-lived-cloud-key", 6, 3),
            r("long-lived-cloud-key", 12, 7)
        ]
    );
    // Twin: only the region in env (the role comes through OIDC).
    assert_eq!(
        risks_in(WF, &cloud("", "    env:\n      AWS_REGION: eu-west-1\n")),
        vec![]
    );
}

#[test]
fn untrusted_checkout_in_all_its_forms_with_workflow_level_secrets() {
    let steps = "      - uses: actions/checkout@v4\n        with:\n          ref: refs/pull/${{ github.event.number }}/merge\n      - run: gh pr checkout ${{ github.event.number }}\n      - run: |\n          git fetch origin pull/${{ github.event.number }}/head:pr\n          make test\n";
    let file = |on: &str, env: &str| {
        format!("name: wf\non: {on}\npermissions:\n  contents: read\n{env}jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n{steps}")
    };
    let env = "env:\n  CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}\n";
    let three = vec![
        r("untrusted-checkout-with-secrets", 13, 16),
        r("untrusted-checkout-with-secrets", 14, 14),
        r("untrusted-checkout-with-secrets", 16, 11),
    ];
    assert_eq!(risks_in(WF, &file("pull_request_target", env)), three);
    assert_eq!(risks_in(WF, &file("[workflow_run]", env)), three);
    // Twins: `pull_request` (no secrets for forks), or no secret in the job.
    assert_eq!(risks_in(WF, &file("pull_request", env)), vec![]);
    assert_eq!(risks_in(WF, &file("pull_request_target", "")), vec![]);
}

#[test]
fn template_injection_in_jobs_holding_secrets() {
    let file = |env: &str, run: &str| {
        wf(
            "issues",
            &format!(
                "  triage:\n    runs-on: ubuntu-latest\n{env}    steps:\n      - run: {run}\n"
            ),
        )
    };
    let secret = "    env:\n      SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}\n";
    assert_eq!(
        risks_in(
            WF,
            &file(secret, "echo \"New issue ${{ github.event.issue.title }}\"")
        ),
        vec![r("template-injection-with-secrets", 11, 30)]
    );
    assert_eq!(
        risks_in(WF, &file(secret, "./notify.sh \"${{ github.head_ref }}\"")),
        vec![r("template-injection-with-secrets", 11, 27)]
    );
    // Twins: the value through env (not expanded into the script), a trusted context, a
    // job holding no secret.
    assert_eq!(
        risks_in(WF, &file(secret, "echo \"New issue $TITLE\"")),
        vec![]
    );
    assert_eq!(
        risks_in(
            WF,
            &file(secret, "echo \"${{ github.event.issue.number }}\"")
        ),
        vec![]
    );
    assert_eq!(
        risks_in(WF, &file("", "echo \"${{ github.event.issue.title }}\"")),
        vec![]
    );
}

#[test]
fn persisted_checkout_credentials_app_tokens_and_github_env() {
    let artifact = |with: &str, upload: bool| {
        let up = if upload {
            "      - uses: actions/upload-artifact@v4\n        with:\n          path: .\n"
        } else {
            ""
        };
        wf(
            "[push]",
            &format!("  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{with}      - run: make\n{up}"),
        )
    };
    assert_eq!(
        risks_in(WF, &artifact("", true)),
        vec![r("persisted-checkout-credentials", 9, 15)]
    );
    assert_eq!(
        risks_in(
            WF,
            &artifact(
                "        with:\n          persist-credentials: false\n",
                true
            )
        ),
        vec![]
    );
    assert_eq!(risks_in(WF, &artifact("", false)), vec![]);
    let app = |extra: &str| {
        wf(
            "[push]",
            &format!("  bump:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/create-github-app-token@{SHA}\n        with:\n          app-id: ${{{{ vars.APP_ID }}}}\n          private-key: ${{{{ secrets.APP_KEY }}}}\n{extra}"),
        )
    };
    assert_eq!(
        risks_in(WF, &app("")),
        vec![r("app-token-without-permissions", 9, 15)]
    );
    assert_eq!(
        risks_in(WF, &app("          permission-contents: write\n")),
        vec![]
    );
    let env_file = |env: &str, run: &str| {
        wf(
            "[push]",
            &format!("  login:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {run}\n{env}"),
        )
    };
    let token = "        env:\n          TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n";
    assert_eq!(
        risks_in(
            WF,
            &env_file(token, "echo \"TOKEN=$TOKEN\" >> \"$GITHUB_ENV\"")
        ),
        vec![r("secret-to-github-env", 9, 26)]
    );
    assert_eq!(
        risks_in(
            WF,
            &env_file(
                "",
                "echo \"t=${{ secrets.DEPLOY_TOKEN }}\" >> $GITHUB_OUTPUT"
            )
        ),
        vec![
            r("secret-in-command", 9, 26),
            r("secret-to-github-env", 9, 26)
        ]
    );
    // Twins: a version (no secret) into GITHUB_OUTPUT, the token used but not written out.
    assert_eq!(
        risks_in(
            WF,
            &env_file(token, "echo \"version=1.4.2\" >> $GITHUB_OUTPUT")
        ),
        vec![]
    );
    assert_eq!(risks_in(WF, &env_file(token, "./deploy.sh --prod")), vec![]);
}

#[test]
fn secrets_flow_into_local_composite_actions_through_their_inputs() {
    let action = "name: deploy\ninputs:\n  token:\n    required: true\nruns:\n  using: composite\n  steps:\n    - uses: some-org/upload-action@v3\n      with:\n        api-key: ${{ inputs.token }}\n    - run: ./deploy.sh --token ${{ inputs.token }}\n      shell: bash\n    - run: ./notify.sh \"${{ inputs.channel }}\"\n      shell: bash\n";
    let risks = |token: &str| {
        let t = crate::harness::Tree::new();
        t.write(".github/actions/deploy/action.yml", action);
        t.write(
            WF,
            wf(
                "[push]",
                &format!("  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/deploy\n        with:\n          token: {token}\n          channel: releases\n"),
            ),
        );
        let out = t.run(&["pipelines", ".", "-f", "json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        crate::harness::risk_rows(&out.json())
    };
    let at = |rule: &str, line, column| {
        (
            ".github/actions/deploy/action.yml".to_string(),
            format!("pipeline-{rule}"),
            line,
            column,
        )
    };
    assert_eq!(
        risks("${{ secrets.DEPLOY_TOKEN }}"),
        vec![
            at("unpinned-action-with-secrets", 8, 13),
            at("secret-in-command", 11, 32),
        ]
    );
    // Twin: the same composite given a non-secret value.
    assert_eq!(risks("${{ vars.DEPLOY_TARGET }}"), vec![]);
}

#[test]
fn ci_service_databases_are_not_credentials_and_real_passwords_still_are() {
    let file = |url: &str| {
        format!("name: ci\non: [push]\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      postgres:\n        image: postgres:16\n        env:\n          POSTGRES_USER: postgres\n          POSTGRES_PASSWORD: postgres\n      redis:\n        image: redis:7\n    env:\n      DATABASE_URL: {url}\n      REDIS_URL: redis://:devpass@redis:6379/0\n    steps:\n      - run: make test\n")
    };
    let found = |url: &str| {
        let t = crate::harness::Tree::new();
        t.write(WF, file(url));
        let out = t.run(&["scan", ".", "-f", "json"]);
        assert!(!out.stdout.contains("Vq7-Lm29xRw"), "secret printed");
        crate::harness::rule_lines(&out.json())
    };
    assert_eq!(
        found("postgres://postgres:postgres@localhost:5432/app_test"),
        vec![]
    );
    assert_eq!(found("postgresql://app:app@db.internal/app"), vec![]);
    // Twins: a real-looking password, on localhost or on a real host, is still reported.
    assert_eq!(
        found("postgres://app:Vq7-Lm29xRw@localhost:5432/app_test"),
        vec![("postgres-connection-uri".to_string(), 17)]
    );
    assert_eq!(
        found("postgres://app:Vq7-Lm29xRw@orders-db.eu-west-1.rds.amazonaws.com/app"),
        vec![("postgres-connection-uri".to_string(), 17)]
    );
    // Outside pipeline YAML nothing changes.
    let t = crate::harness::Tree::new();
    t.write(
        "config/test.env",
        "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_test\n",
    );
    let out = t.run(&["scan", ".", "-f", "json"]);
    assert_eq!(out.json()["findings"].as_array().unwrap().len(), 1);
}
