//! Issue 16, items 3 and 4: what pipeline YAML holds that is not a secret (action references,
//! placeholders and dummy values), per-location attributes of grouped findings, and the
//! purpose of each job's OIDC token in the usage map. Workflows are written here after the
//! patterns public repositories show.

use crate::harness::{locations, Tree};

/// A legacy 40-hex GitHub token (random, never issued).
const LEGACY: &str = "d3f1a97c5b20e84f6a1c9d7e3b5f08a2c4e6d1b9";
/// The commit SHA an action is pinned to.
const SHA: &str = "1b10c78c7865c340bc4f6099eb2f838309f1e8c3";

#[test]
fn issue_16_action_references_are_never_secrets_and_env_tokens_still_are() {
    let t = Tree::new();
    let wf = format!(
        "name: release
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  release:
    runs-on: ubuntu-latest
    env:
      GITHUB_TOKEN: {LEGACY}
    steps:
      - uses: actions/create-github-app-token@{SHA} # v2.0.6
        id: app-token
        with:
          app-id: ${{{{ vars.RELEASE_APP_ID }}}}
          private-key: ${{{{ secrets.RELEASE_APP_KEY }}}}
      - uses: 'octo-org/gh-token-action@{SHA}'
      - uses: docker://ghcr.io/octo-org/gh-token-tool@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1
      - uses: ./.github/actions/github-token
  publish:
    uses: octo-org/ci/.github/workflows/github-token-publish.yml@{SHA}
"
    );
    t.write(".github/workflows/release.yml", &wf);
    // The same 40 hex outside a `uses:` value is text like any other: the filter knows the
    // place, not the value.
    t.write("docs/pins.env", format!("GITHUB_TOKEN_PIN={SHA}\n"));
    let out = t.run(&["scan", ".", "-f", "json"]);
    let r = out.json();
    let legacy: Vec<(String, String, u64, u64)> = locations(&r)
        .into_iter()
        .filter(|l| l.0 == "github-legacy-token")
        .collect();
    assert_eq!(
        legacy,
        vec![
            (
                "github-legacy-token".to_string(),
                ".github/workflows/release.yml".to_string(),
                11,
                21
            ),
            (
                "github-legacy-token".to_string(),
                "docs/pins.env".to_string(),
                1,
                18
            ),
        ],
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(LEGACY), "a secret was printed");
}

/// `(rule, line, column)` of the findings in `path`.
fn at(r: &serde_json::Value, path: &str) -> Vec<(String, u64, u64)> {
    locations(r)
        .into_iter()
        .filter(|l| l.1 == path)
        .map(|l| (l.0, l.2, l.3))
        .collect()
}

#[test]
fn issue_16_placeholders_and_dummy_values_in_pipeline_yaml_with_real_looking_twins() {
    let t = Tree::new();
    // The dummies: a label where a key goes, a test key next to an endpoint that cannot exist.
    t.write(
        ".github/workflows/review.yml",
        "on: pull_request
permissions:
  contents: read
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: anthropics/claude-code-action@beta
        with:
          claude-api-key: \"github-actions\"
  s3-tests:
    runs-on: ubuntu-latest
    env:
      AWS_ENDPOINT_URL: https://minio.example.com:9000
      AWS_ACCESS_KEY_ID: minio-test-user
      AWS_SECRET_ACCESS_KEY: Mz55-lit3ral-Sm
      S3_SIGNING_SECRET: duckdb-signing-validation
    steps:
      - run: make test-s3
",
    );
    // Their twins: the same keys with real-looking values, a real endpoint.
    t.write(
        ".github/workflows/deploy.yml",
        "on: push
permissions:
  contents: read
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: anthropics/claude-code-action@beta
        with:
          claude-api-key: \"Kq81-lit3ral-Pw\"
  s3-tests:
    runs-on: ubuntu-latest
    env:
      AWS_ENDPOINT_URL: https://s3.eu-west-1.amazonaws.com
      AWS_ACCESS_KEY_ID: deploy-user
      AWS_SECRET_ACCESS_KEY: Mz55-lit3ral-Sm
      S3_SIGNING_SECRET: Vb27-fixture-Tk
    steps:
      - run: make deploy
",
    );
    let out = t.run(&["scan", ".", "-f", "json"]);
    let r = out.json();
    let hard = "pipeline-hardcoded-credential".to_string();
    assert_eq!(
        at(&r, ".github/workflows/review.yml")
            .into_iter()
            .filter(|f| f.0 == hard)
            .collect::<Vec<_>>(),
        vec![],
        "{}",
        out.stdout
    );
    assert_eq!(
        at(&r, ".github/workflows/deploy.yml")
            .into_iter()
            .filter(|f| f.0 == hard)
            .collect::<Vec<_>>(),
        vec![
            (hard.clone(), 10, 28),
            (hard.clone(), 16, 30),
            (hard, 17, 26)
        ],
        "{}",
        out.stdout
    );
    for secret in ["Kq81-lit3ral-Pw", "Mz55-lit3ral-Sm", "Vb27-fixture-Tk"] {
        assert!(!out.stdout.contains(secret), "{secret} printed");
    }
}

#[test]
fn issue_16_a_grouped_finding_reports_each_locations_own_key() {
    let t = Tree::new();
    // One database password, written into two pipelines under two different keys.
    t.write(
        ".github/workflows/ci.yml",
        "on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: Zx-lit3ral-19
    steps:
      - run: make test
",
    );
    t.write(
        ".gitlab-ci.yml",
        "integration:
  variables:
    DB_PASSWORD: Zx-lit3ral-19
  script:
    - make integration
",
    );
    let out = t.run(&["scan", ".", "-f", "json"]);
    let r = out.json();
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "pipeline-hardcoded-credential")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let per_location: Vec<(&str, &str, &str)> = f["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap(),
                l["attributes"]["key"].as_str().unwrap(),
                l["attributes"]["ci_system"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_location,
        vec![
            (
                ".github/workflows/ci.yml",
                "jobs.test.services.postgres.env.POSTGRES_PASSWORD",
                "github-actions"
            ),
            (
                ".gitlab-ci.yml",
                "integration.variables.DB_PASSWORD",
                "gitlab-ci"
            ),
        ]
    );
    // The finding names every key and system, in location order, not the first one's only.
    assert_eq!(
        f["attributes"]["key"],
        "jobs.test.services.postgres.env.POSTGRES_PASSWORD, integration.variables.DB_PASSWORD"
    );
    assert_eq!(f["attributes"]["ci_system"], "github-actions, gitlab-ci");
    assert!(!out.stdout.contains("Zx-lit3ral-19"));
}

#[test]
fn issue_16_the_usage_map_says_what_each_oidc_token_is_for() {
    let t = Tree::new();
    t.write(
        ".github/workflows/release.yml",
        "on:
  push:
    tags: ['v*']
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/release
          aws-region: eu-west-1
  provenance:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      attestations: write
    steps:
      - uses: actions/attest-build-provenance@v2
        with:
          subject-path: dist/*
  pypi:
    runs-on: ubuntu-latest
    environment: pypi
    permissions:
      id-token: write
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
  npm:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: npm publish --provenance --access public
  mystery:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: ./release.sh
  plain:
    runs-on: ubuntu-latest
    steps:
      - run: make
",
    );
    t.write(
        ".gitlab-ci.yml",
        "deploy:
  id_tokens:
    AWS_TOKEN:
      aud: https://sts.amazonaws.com
  variables:
    ROLE_ARN: arn:aws:iam::123456789012:role/gitlab-deploy
  script:
    - aws sts assume-role-with-web-identity --role-arn $ROLE_ARN --role-session-name ci --web-identity-token $AWS_TOKEN
sign:
  id_tokens:
    SIGSTORE_ID_TOKEN:
      aud: sigstore
  script:
    - cosign sign --yes $IMAGE
",
    );
    let r = t.run(&["pipelines", ".", "-f", "json"]).json();
    let uses: Vec<(String, serde_json::Value)> = r["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["jobs"].as_array().unwrap().iter())
        .map(|j| (j["id"].as_str().unwrap().to_string(), j["oidc_use"].clone()))
        .collect();
    let u = |purpose: &str, provider: &str| serde_json::json!({"purpose": purpose, "provider": provider});
    assert_eq!(
        uses,
        vec![
            ("deploy".into(), u("cloud_federation", "aws")),
            ("provenance".into(), u("attestation", "github")),
            ("pypi".into(), u("package_publishing", "pypi")),
            ("npm".into(), u("package_publishing", "npm")),
            ("mystery".into(), serde_json::json!({"purpose": "unknown"})),
            ("plain".into(), serde_json::Value::Null),
        ]
        .into_iter()
        .chain([
            ("deploy".into(), u("cloud_federation", "aws")),
            ("sign".into(), u("attestation", "sigstore")),
        ])
        .collect::<Vec<_>>()
    );
    // The GitLab job's role is its OIDC identity, as GitHub's `role-to-assume` is.
    assert_eq!(
        r["pipelines"][1]["jobs"][0]["oidc_identities"],
        serde_json::json!(["arn:aws:iam::123456789012:role/gitlab-deploy"])
    );
    let text = t.run(&["pipelines", "."]).stdout;
    for want in [
        "job deploy (7:3)  [permissions {\"id-token\":\"write\"}; OIDC: cloud federation (aws)]",
        "job provenance (16:3)  [permissions {\"attestations\":\"write\",\"id-token\":\"write\"}; OIDC: attestation (github)]",
        "job mystery (38:3)  [permissions {\"id-token\":\"write\"}; OIDC: purpose unknown]",
        "job sign (9:1)  [OIDC: attestation (sigstore)]",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
}
