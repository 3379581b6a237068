#!/usr/bin/env python3
"""Writes eval/workflows/: labelled GitHub workflow and composite-action files modelled on the
patterns public repositories show (release jobs with a workflow-wide token, PR-target bots,
issue triage, matrix tests with service databases, reusable deploy workflows, publish jobs).
Written for nhiscan; no file is copied from anywhere. Each file's first line carries its
labels: `+cat` must be reported, `-cat` must not. Re-run to regenerate (deterministic)."""

import os

SHA = "3b2f6a1c9d8e7f60514a2b3c4d5e6f7a8b9c0d1e"
SHA2 = "9e1d0c4b7a6f5e3d2c1b0a99887766554433221f"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workflows")

files = {}


def wf(name, labels, body, kind="workflow"):
    files[(kind, name)] = "# label: " + " ".join(labels) + "\n" + body


# ---- workflow-level env secret inherited by every job (duckdb/cli style) ----
for i, (action, perms) in enumerate(
    [
        ("tj-actions/changed-files@v47", ""),
        ("dorny/paths-filter@v3", ""),
        ("peter-evans/create-pull-request@v7", ""),
        ("softprops/action-gh-release@v2", "permissions:\n  contents: write\n"),
        ("tj-actions/changed-files@" + SHA, "permissions:\n  contents: read\n"),
        ("dorny/paths-filter@" + SHA, "permissions:\n  contents: read\n"),
    ]
):
    pinned = "@" + SHA in action
    labels = ["-unpinned-with-secrets" if pinned else "+unpinned-with-secrets"]
    labels.append("-broad-permissions" if perms else "+broad-permissions")
    labels += ["-template-injection", "-untrusted-checkout"]
    wf(
        f"wfenv-{i:02}.yml",
        labels,
        f"name: main\non:\n  push:\n    branches: [main]\n{perms}env:\n  GH_TOKEN: ${{{{ secrets.BOT_TOKEN_{i} }}}}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: {action}\n      - run: make build\n",
    )

# ---- same, but no secret anywhere (negative twins) ----
for i, action in enumerate(["tj-actions/changed-files@v47", "dorny/paths-filter@v3", "actions/setup-go@v5"]):
    wf(
        f"nosecret-{i:02}.yml",
        ["-unpinned-with-secrets", "-broad-permissions", "-template-injection"],
        f"name: lint\non: [push, pull_request]\npermissions:\n  contents: read\nenv:\n  GOFLAGS: -mod=readonly\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - uses: {action}\n      - run: make lint\n",
    )

# ---- job-level env secret + unpinned step ----
for i, (action, pinned) in enumerate(
    [("SonarSource/sonarqube-scan-action@v5", False), ("codecov/codecov-action@v5", False), ("codecov/codecov-action@" + SHA, True), ("slackapi/slack-github-action@v2", False)]
):
    wf(
        f"jobenv-{i:02}.yml",
        ["-unpinned-with-secrets" if pinned else "+unpinned-with-secrets", "-broad-permissions"],
        f"name: quality\non: [push]\npermissions:\n  contents: read\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    env:\n      SERVICE_TOKEN: ${{{{ secrets.SERVICE_TOKEN }}}}\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - uses: {action}\n",
    )

# ---- reusable workflows (loki/grafana style) ----
for i, (ref, secrets, labels) in enumerate(
    [
        ("@main", "    secrets:\n      DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}\n", ["+unpinned-reusable", "-secrets-inherit"]),
        ("@v1", "    secrets: inherit\n", ["+unpinned-reusable", "+secrets-inherit"]),
        ("@" + SHA, "    secrets: inherit\n", ["-unpinned-reusable", "+secrets-inherit"]),
        ("@" + SHA, "    secrets:\n      DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}\n", ["-unpinned-reusable", "-secrets-inherit"]),
        ("@release-2.x", "    secrets:\n      NPM_PUBLISH: ${{ secrets.NPM_PUBLISH }}\n", ["+unpinned-reusable", "-secrets-inherit"]),
    ]
):
    wf(
        f"reusable-{i:02}.yml",
        labels,
        f"name: deploy\non:\n  push:\n    tags: ['v*']\npermissions:\n  contents: read\njobs:\n  deploy:\n    uses: acme-platform/workflows/.github/workflows/deploy.yml{ref}\n    with:\n      environment: production\n{secrets}",
    )
wf(
    "reusable-local.yml",
    ["-unpinned-reusable", "-secrets-inherit"],
    "name: release\non:\n  workflow_dispatch:\npermissions:\n  contents: read\njobs:\n  publish:\n    uses: ./.github/workflows/publish-shared.yml\n    secrets: inherit\n",
)

# ---- long-lived cloud keys in env (localstack / duckdb style) ----
cloud = [
    ("job", "      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n", True),
    ("step", "          AZURE_CLIENT_SECRET: ${{ secrets.AZURE_CLIENT_SECRET }}\n", True),
    ("job", "      GOOGLE_CREDENTIALS: ${{ secrets.GCP_SA_JSON }}\n", True),
    ("job", "      AWS_REGION: us-east-1\n      AWS_DEFAULT_OUTPUT: json\n", False),
]
for i, (level, env, pos) in enumerate(cloud):
    job_env = "    env:\n" + env if level == "job" else ""
    step_env = "        env:\n" + env if level == "step" else ""
    wf(
        f"cloudkey-{i:02}.yml",
        ["+long-lived-cloud" if pos else "-long-lived-cloud", "-registry-token"],
        f"name: upload\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  upload:\n    runs-on: ubuntu-latest\n{job_env}    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: ./scripts/upload-nightly.sh\n{step_env}",
    )
wf(
    "cloudkey-oidc.yml",
    ["-long-lived-cloud"],
    f"name: upload\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\n  id-token: write\njobs:\n  upload:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@{SHA}\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/nightly-upload\n          aws-region: us-east-1\n      - run: aws s3 sync dist/ s3://nightly-builds\n",
)

# ---- registry tokens vs trusted publishing (huggingface_hub / sentry style) ----
reg = [
    ("pypa/gh-action-pypi-publish@" + SHA, "        with:\n          password: ${{ secrets.PYPI_API_TOKEN }}\n", True),
    ("", "        env:\n          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n", True),
    ("", "        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n", True),
    ("", "        env:\n          CARGO_REGISTRY_TOKEN: ${{ secrets.CRATES_IO_TOKEN }}\n", True),
    ("", "        env:\n          GEM_HOST_API_KEY: ${{ secrets.RUBYGEMS_API_KEY }}\n", True),
    ("pypa/gh-action-pypi-publish@" + SHA, "", False),
    ("", "        env:\n          NODE_AUTH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n", False),
]
for i, (uses, extra, pos) in enumerate(reg):
    step = f"      - uses: {uses}\n" if uses else "      - run: ./scripts/publish.sh\n"
    perms = "permissions:\n  contents: read\n" + ("" if pos else "  id-token: write\n  packages: write\n")
    wf(
        f"registry-{i:02}.yml",
        ["+registry-token" if pos else "-registry-token", "-long-lived-cloud"],
        f"name: publish\non:\n  release:\n    types: [published]\n{perms}jobs:\n  publish:\n    runs-on: ubuntu-latest\n    environment: release\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n{step}{extra}",
    )

# ---- untrusted checkout under pull_request_target / workflow_run ----
untrusted = [
    ("pull_request_target", "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n", True),
    ("pull_request_target", "      - uses: actions/checkout@v4\n        with:\n          ref: refs/pull/${{ github.event.pull_request.number }}/merge\n", True),
    ("pull_request_target", "      - uses: actions/checkout@v4\n      - run: gh pr checkout ${{ github.event.pull_request.number }}\n", True),
    ("pull_request_target", "      - uses: actions/checkout@v4\n      - run: |\n          git fetch origin pull/${{ github.event.pull_request.number }}/head:pr\n          git checkout pr\n", True),
    ("workflow_run", "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n", True),
    ("pull_request_target", "      - uses: actions/checkout@v4\n        with:\n          repository: ${{ github.event.pull_request.head.repo.full_name }}\n", True),
    ("pull_request_target", "      - uses: actions/checkout@v4\n", False),
    ("pull_request", "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n", False),
]
for i, (trigger, steps, pos) in enumerate(untrusted):
    for level in ["wf", "job"]:
        wfenv = "env:\n  CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}\n" if level == "wf" else ""
        on_opts = "workflows: [ci]\n    types: [completed]" if trigger == "workflow_run" else "types: [opened, synchronize]"
        jobenv = "    env:\n      CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}\n" if level == "job" else ""
        wf(
            f"untrusted-{i:02}-{level}.yml",
            ["+untrusted-checkout" if pos else "-untrusted-checkout", "-template-injection"],
            f"name: pr-bot\non:\n  {trigger}:\n    {on_opts}\npermissions:\n  contents: read\n  pull-requests: write\n{wfenv}jobs:\n  check:\n    runs-on: ubuntu-latest\n{jobenv}    steps:\n{steps}      - run: make coverage\n",
        )
wf(
    "untrusted-nosecret.yml",
    ["-untrusted-checkout"],
    "name: label\non:\n  pull_request_target:\npermissions:\n  contents: read\n  pull-requests: write\njobs:\n  label:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n          persist-credentials: false\n      - run: ./label.sh\n",
)

# ---- template injection in jobs holding secrets (issue triage, PR title bots) ----
inj = [
    ("issues", "echo \"Triage ${{ github.event.issue.title }}\" | ./notify"),
    ("issue_comment", "./bot.sh --comment \"${{ github.event.comment.body }}\""),
    ("pull_request_target", "echo \"PR ${{ github.event.pull_request.title }}\""),
    ("pull_request_target", "./check-branch.sh ${{ github.head_ref }}"),
    ("pull_request_target", "./check-branch.sh ${{ github.event.pull_request.head.ref }}"),
    ("pull_request_review", "echo '${{ github.event.review.body }}' > review.txt"),
    ("push", "./changelog.sh \"${{ github.event.head_commit.message }}\""),
    ("discussion", "./announce.sh \"${{ github.event.discussion.title }}\""),
]
for i, (trigger, run) in enumerate(inj):
    wf(
        f"injection-{i:02}.yml",
        ["+template-injection", "-untrusted-checkout"],
        f"name: bot\non:\n  {trigger}:\npermissions:\n  contents: read\njobs:\n  bot:\n    runs-on: ubuntu-latest\n    env:\n      SLACK_WEBHOOK_URL: ${{{{ secrets.SLACK_WEBHOOK_URL }}}}\n    steps:\n      - run: {run}\n",
    )
safe_inj = [
    ("issues", "    env:\n      SLACK_WEBHOOK_URL: ${{ secrets.SLACK_WEBHOOK_URL }}\n      TITLE: ${{ github.event.issue.title }}\n", "echo \"Triage $TITLE\" | ./notify"),
    ("issues", "    env:\n      SLACK_WEBHOOK_URL: ${{ secrets.SLACK_WEBHOOK_URL }}\n", "echo \"Issue ${{ github.event.issue.number }}\" | ./notify"),
    ("push", "    env:\n      SLACK_WEBHOOK_URL: ${{ secrets.SLACK_WEBHOOK_URL }}\n", "./deploy.sh ${{ github.sha }} ${{ github.ref_name }}"),
]
for i, (trigger, env, run) in enumerate(safe_inj):
    wf(
        f"injection-safe-{i:02}.yml",
        ["-template-injection"],
        f"name: bot\non:\n  {trigger}:\npermissions:\n  contents: read\njobs:\n  bot:\n    runs-on: ubuntu-latest\n{env}    steps:\n      - run: {run}\n",
    )
wf(
    "injection-script.yml",
    ["+template-injection"],
    f"name: greet\non:\n  issues:\n    types: [opened]\npermissions:\n  issues: write\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/github-script@{SHA}\n        with:\n          github-token: ${{{{ secrets.TRIAGE_BOT_TOKEN }}}}\n          script: |\n            const t = \"${{{{ github.event.issue.title }}}}\";\n            await github.rest.issues.createComment({{...context.repo, issue_number: context.issue.number, body: `Thanks: ${{t}}`}});\n",
)

# ---- persisted checkout credentials + artifact upload (artipacked) ----
arti = [
    ("", "          path: .\n", True),
    ("", "          path: dist/\n", True),
    ("        with:\n          persist-credentials: false\n", "          path: .\n", False),
    ("        with:\n          fetch-depth: 0\n", "          path: build/\n", True),
]
for i, (co, up, pos) in enumerate(arti):
    wf(
        f"artifact-{i:02}.yml",
        ["+persisted-checkout" if pos else "-persisted-checkout"],
        f"name: build\non: [push]\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{co}      - run: make dist\n      - uses: actions/upload-artifact@v4\n        with:\n          name: dist\n{up}",
    )

# ---- GitHub App tokens ----
for i, (perm, pos) in enumerate([("", True), ("          permission-contents: write\n          permission-pull-requests: write\n", False), ("          owner: acme\n", True)]):
    wf(
        f"apptoken-{i:02}.yml",
        ["+app-token" if pos else "-app-token", "-unpinned-with-secrets"],
        f"name: bump\non:\n  schedule:\n    - cron: '17 4 * * 1'\npermissions:\n  contents: read\njobs:\n  bump:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/create-github-app-token@{SHA}\n        id: app\n        with:\n          app-id: ${{{{ vars.BUMP_APP_ID }}}}\n          private-key: ${{{{ secrets.BUMP_APP_KEY }}}}\n{perm}      - run: ./bump.sh\n        env:\n          GH_TOKEN: ${{{{ steps.app.outputs.token }}}}\n",
    )

# ---- secrets into GITHUB_ENV / GITHUB_OUTPUT ----
genv = [
    ("        env:\n          TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n", "echo \"TOKEN=$TOKEN\" >> \"$GITHUB_ENV\"", True),
    ("", "echo \"token=${{ secrets.DEPLOY_TOKEN }}\" >> $GITHUB_OUTPUT", True),
    ("        env:\n          TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n", "echo \"version=$(cat VERSION)\" >> \"$GITHUB_OUTPUT\"", False),
    ("        env:\n          KEY: ${{ secrets.SIGNING_KEY }}\n", "echo \"SIGNING_KEY=${KEY}\" >> $GITHUB_ENV", True),
]
for i, (env, run, pos) in enumerate(genv):
    wf(
        f"githubenv-{i:02}.yml",
        ["+github-env" if pos else "-github-env"],
        f"name: release\non: [push]\npermissions:\n  contents: read\njobs:\n  prep:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {run}\n{env}",
    )

# ---- secrets in run: lines ----
cmd = [
    ("./deploy.sh --token ${{ secrets.DEPLOY_TOKEN }}", "", True),
    ("echo \"$API_KEY\" > .apikey", "        env:\n          API_KEY: ${{ secrets.API_KEY }}\n", True),
    ("./deploy.sh", "        env:\n          API_KEY: ${{ secrets.API_KEY }}\n", False),
    ("echo \"$REGISTRY_PASSWORD\" | docker login -u ci --password-stdin ghcr.io", "        env:\n          REGISTRY_PASSWORD: ${{ secrets.REGISTRY_PASSWORD }}\n", False),
]
for i, (run, env, pos) in enumerate(cmd):
    wf(
        f"command-{i:02}.yml",
        ["+secret-in-command" if pos else "-secret-in-command"],
        f"name: deploy\non: [push]\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {run}\n{env}",
    )

# ---- broad permissions ----
for i, (perms, pos) in enumerate([("permissions: write-all\n", True), ("", True), ("permissions:\n  contents: read\n", False), ("permissions: {}\n", False)]):
    wf(
        f"permissions-{i:02}.yml",
        ["+broad-permissions" if pos else "-broad-permissions"],
        f"name: notify\non: [push]\n{perms}jobs:\n  notify:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./notify.sh\n        env:\n          WEBHOOK: ${{{{ secrets.CHAT_WEBHOOK }}}}\n",
    )

# ---- CI service databases (false-positive set) ----
for i, url in enumerate(
    [
        "postgres://postgres:postgres@localhost:5432/test",
        "postgresql://app:app@127.0.0.1:5432/app_test",
        "mysql://root:root@127.0.0.1:3306/test",
        "redis://:devpass@redis:6379/0",
    ]
):
    wf(
        f"services-{i:02}.yml",
        ["-hardcoded", "-broad-permissions"],
        f"name: test\non: [push, pull_request]\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      postgres:\n        image: postgres:16\n        env:\n          POSTGRES_USER: postgres\n          POSTGRES_PASSWORD: postgres\n        ports: ['5432:5432']\n    env:\n      DATABASE_URL: {url}\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: make test\n",
    )

# ---- composite actions and their callers ----
files[("composite", "deploy-action/action.yml")] = (
    "# label: +unpinned-with-secrets +secret-in-command\n"
    "name: deploy\ndescription: deploy the site\ninputs:\n  token:\n    required: true\nruns:\n  using: composite\n  steps:\n"
    "    - uses: some-org/upload-action@v3\n      with:\n        api-key: ${{ inputs.token }}\n"
    "    - run: ./deploy.sh --token ${{ inputs.token }}\n      shell: bash\n"
)
files[("composite", "lint-action/action.yml")] = (
    "# label: -unpinned-with-secrets -secret-in-command\n"
    "name: lint\ndescription: lint\ninputs:\n  config:\n    required: false\nruns:\n  using: composite\n  steps:\n"
    "    - uses: some-org/lint-action@v2\n      with:\n        config: ${{ inputs.config }}\n"
    "    - run: ./lint.sh ${{ inputs.config }}\n      shell: bash\n"
)
wf(
    "composite-caller.yml",
    ["-unpinned-with-secrets", "-broad-permissions"],
    "name: site\non: [push]\npermissions:\n  contents: read\njobs:\n  site:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - uses: ./.github/actions/deploy-action\n        with:\n          token: ${{ secrets.SITE_DEPLOY_TOKEN }}\n      - uses: ./.github/actions/lint-action\n        with:\n          config: strict\n",
)


def main():
    import shutil

    for sub in ["repo"]:
        shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
    for (kind, name), text in sorted(files.items()):
        if kind == "workflow":
            p = os.path.join(OUT, "repo", ".github", "workflows", name)
        else:
            p = os.path.join(OUT, "repo", ".github", "actions", name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    print(len(files), "files")


if __name__ == "__main__":
    main()
