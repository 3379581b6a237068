//! CI pipelines, the rest of issue 5: risky patterns on every CI system (each with a negative
//! twin), GitLab and Azure includes followed wherever they live, pipelines in `--staged`,
//! `--diff` and `--git` scans, and risk findings tied to the inventory's `ci_secrets`.

use crate::harness::Tree;

/// `(rule_id, line, column)` of the risky patterns `nhiscan pipelines` reports for one file.
pub(crate) fn risks_in(path: &str, content: &str) -> Vec<(String, u64, u64)> {
    let t = Tree::new();
    t.write(path, content);
    let out = t.run(&["pipelines", ".", "-f", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::harness::risk_rows(&out.json())
        .into_iter()
        .map(|(_, rule, line, column)| (rule, line, column))
        .collect()
}

fn r(id: &str, line: u64, column: u64) -> (String, u64, u64) {
    (format!("pipeline-{id}"), line, column)
}

#[test]
fn gitlab_risks_each_with_a_negative_twin() {
    // Static AWS keys read by a job without `id_tokens:`; twin: the same job with OIDC.
    let deploy = |extra: &str| {
        format!("deploy:\n  image: amazon/aws-cli:2.17.0\n  variables:\n    AWS_ACCESS_KEY_ID: $PROD_AWS_ACCESS_KEY_ID\n    AWS_SECRET_ACCESS_KEY: $PROD_AWS_SECRET_ACCESS_KEY\n{extra}  script:\n    - aws s3 sync dist/ s3://shop-prod\n")
    };
    assert_eq!(
        risks_in(".gitlab-ci.yml", &deploy("")),
        vec![r("long-lived-cloud-key", 5, 28)]
    );
    assert_eq!(
        risks_in(
            ".gitlab-ci.yml",
            &deploy("  id_tokens:\n    AWS_ID_TOKEN:\n      aud: https://gitlab.example.com\n")
        ),
        vec![]
    );
    // A secret echoed to a file, or passed as an argument; twins: exported, piped to stdin.
    let script = |line: &str| {
        format!("release:\n  stage: deploy\n  script:\n    - {line}\n    - ./release.sh\n")
    };
    assert_eq!(
        risks_in(".gitlab-ci.yml", &script("echo \"$DEPLOY_TOKEN\" > .token")),
        vec![r("secret-in-command", 4, 13)]
    );
    assert_eq!(
        risks_in(
            ".gitlab-ci.yml",
            &script("./run-tests --db-password \"$TEST_DB_PASSWORD\"")
        ),
        vec![r("secret-in-command", 4, 34)]
    );
    assert_eq!(
        risks_in(
            ".gitlab-ci.yml",
            &script("export PGPASSWORD=\"$TEST_DB_PASSWORD\"")
        ),
        vec![]
    );
    assert_eq!(
        risks_in(
            ".gitlab-ci.yml",
            &script("echo \"$REGISTRY_PASSWORD\" | docker login -u ci --password-stdin registry.example.com")
        ),
        vec![]
    );
    // Another project's template on its default branch, a remote file; twin: a commit SHA.
    let include = |r#ref: &str| {
        format!("include:\n  - project: platform/ci-templates\n    file: /deploy.yml\n{ref}  - remote: https://ci.example.com/lint.yml\n    integrity: sha256-L3y2Jt0bO0uN0Y9p3Ck5Yq0h8Y2c9G0Vn1HcB2Xw8kE=\n\ndeploy:\n  script: [./deploy]\n  secrets:\n    DEPLOY_TOKEN:\n      vault: production/deploy/token@ops\n")
    };
    assert_eq!(
        risks_in(".gitlab-ci.yml", &include("")),
        vec![r("unpinned-action-with-secrets", 2, 14)]
    );
    assert_eq!(
        risks_in(
            ".gitlab-ci.yml",
            &include("    ref: 7f3c2a1e9b8d4c6f5a0e1d2c3b4a59687f6e5d4c\n")
        ),
        vec![]
    );
    assert_eq!(
        risks_in(
            ".gitlab-ci.yml",
            "include: 'https://ci.example.com/shared.yml'\nbuild:\n  script: [make]\n  secrets:\n    NPM_TOKEN:\n      vault: ci/npm@ops\n"
        ),
        vec![r("unpinned-action-with-secrets", 1, 11)]
    );
    // No secrets read: an unpinned include is not this rule's business.
    assert_eq!(
        risks_in(
            ".gitlab-ci.yml",
            "include:\n  - project: platform/ci-templates\n    file: /lint.yml\nlint:\n  script: [make lint]\n"
        ),
        vec![]
    );
}

#[test]
fn circleci_risks_each_with_a_negative_twin() {
    let config = |orb: &str, setup: &str| {
        format!("version: 2.1\norbs:\n  aws-cli: circleci/aws-cli@{orb}\njobs:\n  deploy:\n    docker:\n      - image: cimg/base:2024.06\n    steps:\n      - checkout\n{setup}      - run:\n          name: Deploy\n          command: ./deploy --bucket shop-prod\nworkflows:\n  main:\n    jobs:\n      - deploy:\n          context: [aws-prod]\n")
    };
    assert_eq!(
        risks_in(
            ".circleci/config.yml",
            &config("volatile", "      - aws-cli/setup\n")
        ),
        vec![
            r("unpinned-action-with-secrets", 3, 12),
            r("long-lived-cloud-key", 10, 9),
        ]
    );
    assert_eq!(
        risks_in(
            ".circleci/config.yml",
            &config(
                "4.1.3",
                "      - aws-cli/setup:\n          role_arn: arn:aws:iam::123456789012:role/circleci-deploy\n"
            )
        ),
        vec![]
    );
    // A major-version pin floats too.
    assert_eq!(
        risks_in(
            ".circleci/config.yml",
            &config(
                "4",
                "      - aws-cli/setup:\n          role_arn: arn:aws:iam::123456789012:role/circleci-deploy\n"
            )
        ),
        vec![r("unpinned-action-with-secrets", 3, 12)]
    );
    let command = |cmd: &str| {
        format!("version: 2.1\njobs:\n  publish:\n    docker:\n      - image: cimg/node:20.11\n    steps:\n      - run:\n          name: Publish\n          command: {cmd}\n")
    };
    assert_eq!(
        risks_in(
            ".circleci/config.yml",
            &command("npm publish --//registry.npmjs.org/:_authToken=$NPM_TOKEN")
        ),
        vec![r("secret-in-command", 9, 67)]
    );
    assert_eq!(
        risks_in(".circleci/config.yml", &command("npm publish")),
        vec![]
    );
}

#[test]
fn bitbucket_risks_each_with_a_negative_twin() {
    let step = |oidc: &str, tag: &str, vars: &str| {
        format!("pipelines:\n  branches:\n    main:\n      - step:\n          name: Deploy\n          deployment: production\n{oidc}          script:\n            - pipe: atlassian/aws-s3-deploy:{tag}\n              variables:\n{vars}                S3_BUCKET: shop-prod\n")
    };
    let keys = "                AWS_ACCESS_KEY_ID: $AWS_ACCESS_KEY_ID\n                AWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY\n";
    assert_eq!(
        risks_in("bitbucket-pipelines.yml", &step("", "1", keys)),
        vec![
            r("unpinned-action-with-secrets", 8, 21),
            r("long-lived-cloud-key", 11, 40),
        ]
    );
    let oidc =
        "                AWS_OIDC_ROLE_ARN: arn:aws:iam::123456789012:role/bitbucket-deploy\n";
    assert_eq!(
        risks_in(
            "bitbucket-pipelines.yml",
            &step("          oidc: true\n", "1.1.0", oidc)
        ),
        vec![]
    );
    let script = |line: &str| {
        format!("pipelines:\n  default:\n    - step:\n        name: Scan\n        script:\n          - {line}\n")
    };
    assert_eq!(
        risks_in(
            "bitbucket-pipelines.yml",
            &script("curl --fail -u \"$SONAR_TOKEN:\" https://sonar.example.com/api/ce/submit")
        ),
        vec![r("secret-in-command", 6, 29)]
    );
    assert_eq!(
        risks_in(
            "bitbucket-pipelines.yml",
            &script("sonar-scanner -Dsonar.host.url=https://sonar.example.com")
        ),
        vec![]
    );
}

#[test]
fn azure_drone_buildkite_jenkins_risks_each_with_a_negative_twin() {
    // A service-principal secret interpolated into an `az login`; twin: a service connection
    // (workload identity federation lives on the connection).
    assert_eq!(
        risks_in(
            "azure-pipelines.yml",
            "trigger: [main]\njobs:\n  - job: deploy\n    steps:\n      - bash: az login --service-principal -u $(ARM_CLIENT_ID) -p $(ARM_CLIENT_SECRET) --tenant contoso.onmicrosoft.com\n        displayName: Login\n"
        ),
        // ARM_CLIENT_ID is not a secret: only the client secret is named.
        vec![
            r("long-lived-cloud-key", 5, 67),
            r("secret-in-command", 5, 67),
        ]
    );
    assert_eq!(
        risks_in(
            "azure-pipelines.yml",
            "trigger: [main]\njobs:\n  - job: deploy\n    steps:\n      - task: AzureCLI@2\n        inputs:\n          azureSubscription: prod-workload-identity\n          scriptType: bash\n          scriptLocation: inlineScript\n          inlineScript: az webapp deploy --name shop --src-path app.zip\n"
        ),
        vec![]
    );
    // Drone: a from_secret variable written to a file; twin: only used by the tool.
    let drone = |cmd: &str| {
        format!("kind: pipeline\nname: publish\nsteps:\n  - name: publish\n    image: node:20\n    environment:\n      NPM_TOKEN:\n        from_secret: npm_token\n    commands:\n      - {cmd}\n      - npm publish\n")
    };
    assert_eq!(
        risks_in(
            ".drone.yml",
            &drone("echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\" > ~/.npmrc")
        ),
        vec![r("secret-in-command", 10, 48)]
    );
    assert_eq!(
        risks_in(
            ".drone.yml",
            &drone(
                "npm config set //registry.npmjs.org/:_authToken '${NPM_TOKEN}' --location=project"
            )
        ),
        vec![r("secret-in-command", 10, 58)]
    );
    assert_eq!(risks_in(".drone.yml", &drone("npm ci")), vec![]);
    // Buildkite interpolates `$NAME` at upload time; twin: `$$NAME` leaves it to the shell.
    let bk = |var: &str| {
        format!("steps:\n  - label: deploy\n    command: ./deploy.sh --token-env {var}\n    env:\n      DEPLOY_ENV: production\n  - label: notify\n    command: ./notify.sh\n")
    };
    assert_eq!(
        risks_in(".buildkite/pipeline.yml", &bk("$DEPLOY_TOKEN")),
        vec![r("secret-in-command", 3, 38)]
    );
    assert_eq!(
        risks_in(".buildkite/pipeline.yml", &bk("DEPLOY_TOKEN")),
        vec![]
    );
    // Jenkins: Groovy interpolation of a bound credential; twin: single quotes, from env.
    let jenkins = |sh: &str| {
        format!("pipeline {{\n  agent any\n  environment {{\n    SLACK = credentials('slack-token')\n  }}\n  stages {{\n    stage('Notify') {{\n      steps {{\n        {sh}\n      }}\n    }}\n  }}\n}}\n")
    };
    assert_eq!(
        risks_in(
            "Jenkinsfile",
            &jenkins("sh \"./notify.sh --token ${SLACK}\"")
        ),
        vec![r("secret-in-command", 9, 33)]
    );
    assert_eq!(
        risks_in("Jenkinsfile", &jenkins("sh './notify.sh'")),
        vec![]
    );
    assert_eq!(
        risks_in("Jenkinsfile", &jenkins("sh 'echo $SLACK_PSW > .slack'")),
        vec![r("secret-in-command", 9, 18)]
    );
}

#[test]
fn risk_findings_carry_the_identity_of_their_ci_secret() {
    let t = Tree::new();
    t.write(
        ".gitlab-ci.yml",
        "release:\n  stage: deploy\n  script:\n    - ./publish --token \"$NPM_TOKEN\"\n    - echo \"$SLACK_WEBHOOK_TOKEN\" > hook.txt\n",
    );
    // Jenkins: the variable is bound to a credential id, and the id is what is registered.
    t.write(
        "Jenkinsfile",
        "pipeline {\n  agent any\n  environment {\n    SLACK = credentials('slack-token')\n  }\n  stages {\n    stage('Notify') {\n      steps {\n        sh \"./notify.sh --token ${SLACK}\"\n      }\n    }\n  }\n}\n",
    );
    t.write(
        "nhi-inventory.yaml",
        "version: 1\nidentities:\n  - id: npm-publisher\n    owner: web-team\n    contact: web@example.com\n    created: 2025-05-01\n    match:\n      ci_secrets: [NPM_TOKEN]\n  - id: slack-notifier\n    owner: chatops\n    created: 2025-05-01\n    match:\n      ci_secrets: [slack-token]\n",
    );
    let out = t.run(&["scan", ".", "-f", "json", "--now", "2025-06-01"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let risks: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "pipeline-secret-in-command")
        .filter(|f| f["locations"][0]["path"] == ".gitlab-ci.yml")
        .collect();
    assert_eq!(risks.len(), 2, "{:#}", r["findings"]);
    let jenkins = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["locations"][0]["path"] == "Jenkinsfile"
                && f["rule_id"] == "pipeline-secret-in-command"
        })
        .expect("the Groovy-interpolated credential");
    assert_eq!(jenkins["identity"]["id"], "slack-notifier");
    assert_eq!(jenkins["attributes"]["ci_secrets"], "slack-token");
    assert_eq!(
        risks[0]["identity"],
        serde_json::json!({"id": "npm-publisher", "owner": "web-team",
                           "contact": "web@example.com", "matched_by": "ci_secret",
                           "age_days": 31})
    );
    assert_eq!(risks[0]["attributes"]["ci_secrets"], "NPM_TOKEN");
    assert!(risks[0]["attributes"]
        .get("unregistered_ci_secrets")
        .is_none());
    assert!(risks[1].get("identity").is_none());
    assert_eq!(
        risks[1]["attributes"]["unregistered_ci_secrets"],
        "SLACK_WEBHOOK_TOKEN"
    );
    // Risks are not credentials: still no verdicts.
    assert_eq!(risks[0]["verdicts"], serde_json::json!([]));
    // The report stays valid against the documented schema (which rejects unknown fields).
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/report.schema.json")).unwrap();
    let v = jsonschema::draft7::new(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&r).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Text and SARIF show the owner, and say which CI secret nobody registered.
    let text = t.run(&["scan", ".", "--now", "2025-06-01"]);
    assert!(
        text.stdout.contains(
            "identity npm-publisher (owner web-team, contact web@example.com, matched by ci_secret)"
        ),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains(
        "unregistered CI secret SLACK_WEBHOOK_TOKEN: no inventory identity lists it in `ci_secrets`"
    ));
    let sarif = t.run(&["scan", ".", "-f", "sarif", "--now", "2025-06-01"]);
    let s = sarif.json();
    let msgs: Vec<&str> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["ruleId"] == "pipeline-secret-in-command")
        .map(|x| x["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.ends_with("Owner: web-team (identity `npm-publisher`).")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("Unregistered CI secret SLACK_WEBHOOK_TOKEN")),
        "{msgs:?}"
    );
}

#[test]
fn gitlab_and_azure_includes_are_followed_wherever_they_live() {
    let t = Tree::new();
    t.write(
        ".gitlab-ci.yml",
        "include:\n  - local: /ci/deploy.yml\n  - local: ci/missing.yml\n  - 'ci/lint.yml'\n  - remote: https://ci.example.com/shared.yml\n  - template: Security/SAST.gitlab-ci.yml\nstages: [test, deploy]\n",
    );
    // Includes its includer back: a cycle ends at the file already analysed.
    t.write(
        "ci/deploy.yml",
        "include:\n  - local: /.gitlab-ci.yml\ndeploy:\n  variables:\n    DEPLOY_PASSWORD: Kq81-lit3ral-Pw\n  script:\n    - ./deploy --token \"$DEPLOY_TOKEN\"\n",
    );
    t.write(
        "ci/lint.yml",
        "lint:\n  stage: test\n  script: [make lint]\n",
    );
    t.write(
        "azure-pipelines.yml",
        "trigger: [main]\nstages:\n  - stage: deploy\n    jobs:\n      - template: templates/deploy-job.yml\n      - template: /shared/steps.yml@tools\n",
    );
    t.write(
        "templates/deploy-job.yml",
        "jobs:\n  - job: deploy\n    steps:\n      - template: ../steps/publish.yml\n",
    );
    t.write(
        "steps/publish.yml",
        "steps:\n  - script: ./publish --key $(NUGET_API_KEY)\n",
    );
    let out = t.run(&["pipelines", ".", "-f", "json"]);
    // The missing include is an error at the line that names it.
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: .gitlab-ci.yml:3:12: included file ci/missing.yml not found"),
        "{}",
        out.stderr
    );
    let r = out.json();
    let pipelines: Vec<(&str, &str)> = r["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["system"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pipelines,
        [
            (".gitlab-ci.yml", "gitlab-ci"),
            ("azure-pipelines.yml", "azure-pipelines"),
            ("ci/deploy.yml", "gitlab-ci"),
            ("ci/lint.yml", "gitlab-ci"),
            ("steps/publish.yml", "azure-pipelines"),
            ("templates/deploy-job.yml", "azure-pipelines"),
        ]
    );
    assert_eq!(
        r["secrets"]["DEPLOY_TOKEN"],
        serde_json::json!([{"path": "ci/deploy.yml", "line": 7, "column": 25,
                            "job": "deploy", "step": "script"}])
    );
    assert_eq!(
        r["secrets"]["NUGET_API_KEY"][0]["path"],
        "steps/publish.yml"
    );
    // The scan reports what the included files hold, and the missing include as an error.
    let scan = t.run(&["scan", ".", "-f", "json"]);
    assert_eq!(scan.code, 1, "{}", scan.stderr);
    assert!(!scan.stdout.contains("Kq81-lit3ral-Pw"));
    let s = scan.json();
    assert_eq!(
        crate::harness::locations(&s),
        vec![
            (
                "pipeline-hardcoded-credential".to_string(),
                "ci/deploy.yml".to_string(),
                5,
                22
            ),
            (
                "pipeline-secret-in-command".to_string(),
                "ci/deploy.yml".to_string(),
                7,
                25
            ),
            (
                "pipeline-secret-in-command".to_string(),
                "steps/publish.yml".to_string(),
                2,
                29
            ),
        ]
    );
    let hard = s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "pipeline-hardcoded-credential")
        .unwrap();
    assert_eq!(hard["attributes"]["ci_system"], "gitlab-ci");
    assert_eq!(
        s["errors"],
        serde_json::json!([{"path": ".gitlab-ci.yml:3:12",
                            "message": "included file ci/missing.yml not found"}])
    );
}

#[test]
fn git_staged_diff_and_history_find_hardcoded_pipeline_credentials() {
    use crate::harness::git;
    let t = Tree::new();
    let dir = t.path();
    git(dir, &["init", "-q"], None);
    let ci = |registry: &str, extra: &str| {
        format!("variables:\n  REGISTRY_PASSWORD: {registry}\n  POSTGRES_PASSWORD: pg-keep-5521-Hq\n{extra}\ntest:\n  script: [./run-tests]\n")
    };
    t.write(".gitlab-ci.yml", ci("Rg-old-4471-Xz", ""));
    git(dir, &["add", "."], None);
    let d1 = "2024-01-03T10:00:00+00:00";
    git(dir, &["commit", "-qm", "ci"], Some(d1));
    let first = git(dir, &["rev-parse", "HEAD"], None);
    t.write(".gitlab-ci.yml", ci("$REGISTRY_PASSWORD", ""));
    git(
        dir,
        &["commit", "-qam", "registry password from CI variables"],
        Some("2024-02-01T10:00:00+00:00"),
    );
    // Staged: only the line the index adds counts, not the password HEAD already holds.
    t.write(
        ".gitlab-ci.yml",
        ci("$REGISTRY_PASSWORD", "  SONAR_TOKEN: Sq-new-8812-Lm\n"),
    );
    git(dir, &["add", "."], None);
    let staged = t.run(&["scan", "--staged", "-f", "json"]);
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    let want_new = vec![(
        "pipeline-hardcoded-credential".to_string(),
        ".gitlab-ci.yml".to_string(),
        4,
        16,
    )];
    assert_eq!(crate::harness::locations(&staged.json()), want_new);
    // A PR range: the same, dated to HEAD.
    git(
        dir,
        &["commit", "-qm", "sonar"],
        Some("2024-03-01T10:00:00+00:00"),
    );
    let head = git(dir, &["rev-parse", "HEAD"], None);
    let diff = t.run(&["scan", "--diff", "HEAD~1..HEAD", "-f", "json"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let d = diff.json();
    assert_eq!(crate::harness::locations(&d), want_new);
    assert_eq!(d["findings"][0]["locations"][0]["commit"], head.as_str());
    // History: every pipeline blob, each secret at the commit that introduced it; the removed
    // registry password is no longer at HEAD.
    let hist = t.run(&["scan", "--git", "-f", "json"]);
    assert_eq!(hist.code, 1, "{}", hist.stderr);
    let h = hist.json();
    for s in ["Rg-old-4471-Xz", "pg-keep-5521-Hq", "Sq-new-8812-Lm"] {
        assert!(!hist.stdout.contains(s) && !diff.stdout.contains(s) && !staged.stdout.contains(s));
    }
    let registry = h["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["attributes"]["key"] == "variables.REGISTRY_PASSWORD")
        .expect("the removed password is found in history");
    assert_eq!(registry["locations"][0]["commit"], first.as_str());
    assert_eq!(registry["locations"][0]["line"], 2);
    assert_eq!(registry["first_seen"], d1);
    assert_eq!(registry["present_at_head"], false);
    let postgres = h["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["attributes"]["key"] == "variables.POSTGRES_PASSWORD")
        .unwrap();
    assert_eq!(postgres["present_at_head"], true);
    assert_eq!(postgres["first_seen"], d1);
    // Risks describe the pipelines as they are: not part of git scans.
    assert!(h["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule_id"] == "pipeline-hardcoded-credential"));
}
