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
