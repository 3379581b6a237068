//! Issue 14's scenario table: what a platform team hits, each sub-case one row — an inventory,
//! a real tree (the demo's GitHub token, AWS key pair and GCP key, workflows reading CI
//! secrets, a git history where one is needed), one command of the real binary — and the
//! verdict, state, decision and exit code the semantics of issue 14 ("What to build" 2–4)
//! give it. Every row runs, and every row that fails is named; no output of any row may hold
//! a secret of the tree.

use std::path::Path;

use serde_json::{json, Value};

use crate::harness::{git, Output, Tree};

const NOW: &str = "2025-06-01";
const AWS_KEY_ID: &str = "AKIAU36QWASULXKGEJLZ";
const GCP_EMAIL: &str = "exporter@billing-exports-prod.iam.gserviceaccount.com";
const GCP_KEY_ID: &str = "7db588db39da38bc0f00b4889e033a500a2a1564";
/// Files of the tree that are not scanned: the inventory names key ids, the reports
/// fingerprints.
const IGNORE: &str = "nhi-inventory.yaml\nreport.json\nowners.txt\nexport/\n";

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .unwrap()
}

/// The demo's (fake) GitHub token, from its `.env`.
fn gh_token() -> String {
    fixture("demo/.env")
        .lines()
        .find_map(|l| l.strip_prefix("GITHUB_TOKEN="))
        .unwrap()
        .to_string()
}

fn aws_secret() -> String {
    fixture("demo/config/aws-credentials")
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
        .unwrap()
        .to_string()
}

fn fp(secret: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(secret.as_bytes());
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Every secret a row's tree may hold: none may reach any output.
fn secrets() -> Vec<String> {
    let gcp = fixture("demo/deploy/service-account.json");
    let key: Value = serde_json::from_str(&gcp).unwrap();
    let pem = key["private_key"].as_str().unwrap();
    let body: String = pem.lines().nth(1).unwrap().to_string();
    vec![gh_token(), aws_secret(), body]
}

/// How a row's output is checked. Paths: `/json/pointer` into the JSON on stdout;
/// `@ID/pointer` into the audit's identity `ID`; `#RULE/pointer` into the first finding of
/// rule `RULE`; `states ID` the audit states of `ID` as `state/severity/owasp`; `verdicts
/// RULE` the verdicts of the first finding of `RULE` as `kind/severity`.
enum Expect {
    Eq(&'static str, Value),
    Has(&'static str, String),
    Lacks(&'static str, String),
    Stdout(String),
    StdoutLacks(String),
    Stderr(String),
    StderrLacks(String),
    /// A file of the tree after the command, checked by a predicate (named for the message).
    File(&'static str, &'static str, fn(&str) -> bool),
}

enum Step {
    Write(String, String),
    Remove(String),
    /// `git add -A && git commit` at this date (the first one also runs `git init`).
    Commit(&'static str),
    /// Run nhiscan and keep its stdout in a file (a report for `--report`, say).
    Keep(Vec<String>, &'static str),
}

struct Case {
    name: &'static str,
    steps: Vec<Step>,
    cmd: Vec<String>,
    code: i32,
    expect: Vec<Expect>,
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        steps: Vec::new(),
        cmd: Vec::new(),
        code: 0,
        expect: Vec::new(),
    }
}

impl Case {
    fn file(mut self, path: &str, content: impl Into<String>) -> Case {
        self.steps
            .push(Step::Write(path.to_string(), content.into()));
        self
    }
    fn inv(self, text: impl Into<String>) -> Case {
        self.file("nhi-inventory.yaml", text)
    }
    fn remove(mut self, path: &str) -> Case {
        self.steps.push(Step::Remove(path.to_string()));
        self
    }
    fn commit(mut self, date: &'static str) -> Case {
        self.steps.push(Step::Commit(date));
        self
    }
    fn keep(mut self, args: &[&str], to: &'static str) -> Case {
        self.steps
            .push(Step::Keep(args.iter().map(|s| s.to_string()).collect(), to));
        self
    }
    /// The demo tree (its files, not its README) and, as `nhi-inventory.yaml`, its inventory.
    fn demo(mut self) -> Case {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().is_some_and(|n| n != "README.md") {
                    let rel = p
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    self = self.file(&rel, std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        self.inv(fixture("inventory/demo-inventory.yaml"))
    }
    fn run(mut self, args: &[&str]) -> Case {
        self.cmd = args.iter().map(|s| s.to_string()).collect();
        self
    }
    /// `audit . -f json --now 2025-06-01` and `extra`.
    fn audit(self, extra: &[&str]) -> Case {
        self.run(&[&["audit", ".", "-f", "json", "--now", NOW][..], extra].concat())
    }
    /// `scan . -f json --now 2025-06-01` and `extra`.
    fn scan(self, extra: &[&str]) -> Case {
        self.run(&[&["scan", ".", "-f", "json", "--now", NOW][..], extra].concat())
    }
    /// `inventory check --now 2025-06-01` and `extra`.
    fn check(self, extra: &[&str]) -> Case {
        self.run(&[&["inventory", "check", "--now", NOW][..], extra].concat())
    }
    fn code(mut self, code: i32) -> Case {
        self.code = code;
        self
    }
    fn eq(mut self, path: &'static str, v: Value) -> Case {
        self.expect.push(Expect::Eq(path, v));
        self
    }
    fn states(self, id: &'static str, want: &[&str]) -> Case {
        let path: &'static str = Box::leak(format!("states {id}").into_boxed_str());
        self.eq(path, json!(want))
    }
    fn decision(self, id: &'static str, want: &str) -> Case {
        let path: &'static str = Box::leak(format!("@{id}/decision").into_boxed_str());
        self.eq(path, json!(want))
    }
    fn has(mut self, path: &'static str, s: impl Into<String>) -> Case {
        self.expect.push(Expect::Has(path, s.into()));
        self
    }
    fn lacks(mut self, path: &'static str, s: impl Into<String>) -> Case {
        self.expect.push(Expect::Lacks(path, s.into()));
        self
    }
    fn stdout(mut self, s: impl Into<String>) -> Case {
        self.expect.push(Expect::Stdout(s.into()));
        self
    }
    fn stdout_lacks(mut self, s: impl Into<String>) -> Case {
        self.expect.push(Expect::StdoutLacks(s.into()));
        self
    }
    fn stderr(mut self, s: impl Into<String>) -> Case {
        self.expect.push(Expect::Stderr(s.into()));
        self
    }
    fn stderr_lacks(mut self, s: impl Into<String>) -> Case {
        self.expect.push(Expect::StderrLacks(s.into()));
        self
    }
    fn file_is(mut self, path: &'static str, what: &'static str, f: fn(&str) -> bool) -> Case {
        self.expect.push(Expect::File(path, what, f));
        self
    }
}

/// The value at a check path (see [`Expect`]).
fn at(r: &Value, path: &str) -> Option<Value> {
    let by = |list: &str, key: &str, want: &str| -> Option<Value> {
        r[list].as_array()?.iter().find(|x| x[key] == want).cloned()
    };
    if let Some(id) = path.strip_prefix("states ") {
        let i = by("identities", "id", id)?;
        let s: Vec<String> = i["states"]
            .as_array()?
            .iter()
            .map(|s| {
                format!(
                    "{}/{}/{}",
                    s["state"].as_str().unwrap_or(""),
                    s["severity"].as_str().unwrap_or(""),
                    s["owasp"].as_str().unwrap_or("")
                )
            })
            .collect();
        return Some(json!(s));
    }
    if let Some(rule) = path.strip_prefix("verdicts ") {
        let f = by("findings", "rule_id", rule)?;
        let v: Vec<String> = f["verdicts"]
            .as_array()?
            .iter()
            .map(|v| {
                format!(
                    "{}/{}",
                    v["kind"].as_str().unwrap_or(""),
                    v["severity"].as_str().unwrap_or("")
                )
            })
            .collect();
        return Some(json!(v));
    }
    let (base, rest) = match path.as_bytes().first() {
        Some(b'@') | Some(b'#') => {
            let (head, rest) = path[1..].split_once('/').unwrap_or((&path[1..], ""));
            let base = if path.starts_with('@') {
                by("identities", "id", head)?
            } else {
                by("findings", "rule_id", head)?
            };
            (base, format!("/{rest}"))
        }
        _ => (r.clone(), path.to_string()),
    };
    let rest = if rest == "/" { String::new() } else { rest };
    base.pointer(&rest).cloned()
}

fn text_of(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// Run one row; `Err` says what differs.
fn run(c: &Case, secrets: &[String]) -> Result<(), String> {
    let t = Tree::new();
    t.write(".nhiscanignore", IGNORE);
    let mut inited = false;
    for s in &c.steps {
        match s {
            Step::Write(p, text) => {
                t.write(p, text);
            }
            Step::Remove(p) => std::fs::remove_file(t.path().join(p)).unwrap(),
            Step::Commit(date) => {
                let d = Some(*date);
                if !inited {
                    git(t.path(), &["init", "-q"], d);
                    inited = true;
                }
                git(t.path(), &["add", "-A"], d);
                git(t.path(), &["commit", "-q", "-m", "change"], d);
            }
            Step::Keep(args, to) => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = t.run(&args);
                t.write(to, &out.stdout);
            }
        }
    }
    let args: Vec<&str> = c.cmd.iter().map(String::as_str).collect();
    let out: Output = t.run(&args);
    let mut problems = Vec::new();
    let shown = || format!("\n--- stdout\n{}\n--- stderr\n{}", out.stdout, out.stderr);
    if out.code != c.code {
        problems.push(format!("exit code {} (expected {})", out.code, c.code));
    }
    for s in secrets {
        if out.stdout.contains(s.as_str()) || out.stderr.contains(s.as_str()) {
            problems.push("a secret reached the output".to_string());
        }
    }
    let json: Option<Value> = serde_json::from_str(&out.stdout).ok();
    let value = |p: &str| json.as_ref().and_then(|r| at(r, p));
    for e in &c.expect {
        match e {
            Expect::Eq(p, want) => {
                // A field left out of the JSON reads as null.
                let got = value(p).unwrap_or(Value::Null);
                if got != *want {
                    problems.push(format!("{p}: {got} (expected {want})"));
                }
            }
            Expect::Has(p, s) => {
                let got = text_of(&value(p));
                if !got.contains(s.as_str()) {
                    problems.push(format!("{p}: `{got}` lacks `{s}`"));
                }
            }
            Expect::Lacks(p, s) => {
                let got = text_of(&value(p));
                if got.contains(s.as_str()) {
                    problems.push(format!("{p}: `{got}` has `{s}`"));
                }
            }
            Expect::Stdout(s) if !out.stdout.contains(s.as_str()) => {
                problems.push(format!("stdout lacks `{s}`"))
            }
            Expect::StdoutLacks(s) if out.stdout.contains(s.as_str()) => {
                problems.push(format!("stdout has `{s}`"))
            }
            Expect::Stderr(s) if !out.stderr.contains(s.as_str()) => {
                problems.push(format!("stderr lacks `{s}`"))
            }
            Expect::StderrLacks(s) if out.stderr.contains(s.as_str()) => {
                problems.push(format!("stderr has `{s}`"))
            }
            Expect::File(p, what, f) => {
                let text = std::fs::read_to_string(t.path().join(p)).unwrap_or_default();
                if !f(&text) {
                    problems.push(format!("{p} is not {what}:\n{text:?}"));
                }
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}{}", problems.join("\n  "), shown()))
    }
}

const WORKFLOW: &str = "on: push\npermissions: {contents: read}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy\n        env:\n          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n          GH: ${{ secrets.GITHUB_TOKEN }}\n";

/// A `pull_request_target` job that checks out the PR's head and reads a secret.
const UNTRUSTED: &str = "on: pull_request_target\npermissions: {contents: read}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: ./test\n        env:\n          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n";

/// A secret interpolated into a script.
const IN_COMMAND: &str = "on: push\npermissions: {contents: read}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy --token ${{ secrets.DEPLOY_TOKEN }}\n";

/// A job that assumes an AWS role through OIDC.
const OIDC: &str = "on: push\npermissions: {id-token: write, contents: read}\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/release\n          aws-region: eu-west-1\n";

fn inventory(identities: &str) -> String {
    format!("version: 1\nidentities:\n{identities}")
}

/// The GitHub token registered by its fingerprint, with `more` fields (indented 4).
fn gh_identity(more: &str) -> String {
    inventory(&format!(
        "  - id: github-ci\n    kind: token\n    provider: github\n    owner: platform\n    contact: platform@example.com\n    created: 2025-05-01\n    last_used: 2025-05-31\n{more}    match:\n      fingerprints: ['{}']\n",
        fp(&gh_token())
    ))
}

/// A CI-held identity (`DEPLOY_TOKEN` unless `secret` says otherwise) with `more` fields.
fn ci_identity(id: &str, secret: &str, more: &str) -> String {
    format!(
        "  - id: {id}\n    owner: platform\n    created: 2025-05-01\n{more}    match:\n      ci_secrets: [{secret}]\n"
    )
}

/// A lone identity with `fields` (no match on anything found), for lifecycle states.
fn lone(fields: &str) -> String {
    inventory(&format!(
        "  - id: svc\n    provider: github\n    owner: platform\n    contact: platform@example.com\n    created: 2025-05-01\n    last_used: 2025-05-31\n    scopes: [repo]\n{fields}    match:\n      ci_secrets: [SVC_TOKEN]\n"
    ))
}

fn all_crlf(s: &str) -> bool {
    !s.is_empty() && s.matches('\n').count() == s.matches("\r\n").count()
}

fn cases() -> Vec<Case> {
    let token_file = format!("GITHUB_TOKEN={}\n", gh_token());
    let aws = fixture("demo/config/aws-credentials");
    let gcp = fixture("demo/deploy/service-account.json");
    let aws_identity = |more: &str| {
        inventory(&format!(
            "  - id: aws-deploy\n    provider: aws\n    owner: infra\n    contact: infra@example.com\n    created: 2025-05-20\n    last_used: 2025-05-31\n    scopes: [s3:PutObject]\n{more}    match:\n      key_ids: [{AWS_KEY_ID}]\n"
        ))
    };
    let history = |c: Case| {
        c.file("deploy/aws.ini", aws.clone())
            .commit("2024-01-05T10:00:00+00:00")
    };
    let fresh_aws_report = fixture("evidence/aws-credential-report.csv")
        .replace("2025-04-03T16:20:00+00:00", "2025-08-30T16:20:00+00:00");
    vec![
        // — audit ⊇ scan —
        case("a registered token found in code: scan fails at --fail-on error")
            .file("src/app.env", &token_file)
            .inv(gh_identity(""))
            .scan(&["--fail-on", "error"])
            .code(1)
            .eq("verdicts github-pat-classic", json!(["exposed/error"]))
            .eq("/summary/failing", json!(1)),
        case("a registered token found in code: audit fails as scan does, exposed, rotate-and-remove")
            .file("src/app.env", &token_file)
            .inv(gh_identity(""))
            .audit(&["--fail-on", "error"])
            .code(1)
            .states("github-ci", &["exposed/error/NHI2"])
            .decision("github-ci", "rotate-and-remove")
            .has("@github-ci/recommendation", "rotate it")
            .eq("/summary/failing", json!(1))
            .eq("@github-ci/risk/exposure", json!(3)),
        case("a registered key only the git history holds: scan --git fails")
            .file("deploy/aws.ini", aws.clone())
            .commit("2025-05-21T10:00:00+00:00")
            .remove("deploy/aws.ini")
            .commit("2025-05-22T10:00:00+00:00")
            .inv(aws_identity(""))
            .scan(&["--git", "--fail-on", "error"])
            .code(1)
            .eq("verdicts aws-secret-access-key", json!(["exposed/error"]))
            .eq("#aws-secret-access-key/present_at_head", json!(false)),
        case("a registered key only the git history holds: audit --git fails, exposed, rotate-and-remove")
            .file("deploy/aws.ini", aws.clone())
            .commit("2025-05-21T10:00:00+00:00")
            .remove("deploy/aws.ini")
            .commit("2025-05-22T10:00:00+00:00")
            .inv(aws_identity(""))
            .audit(&["--git", "--fail-on", "error"])
            .code(1)
            .states("aws-deploy", &["exposed/error/NHI2"])
            .decision("aws-deploy", "rotate-and-remove"),
        case("a registered key where it may live: scan and audit pass at --fail-on warning (audit)")
            .file("sealed/aws.ini", aws.clone())
            .inv(aws_identity("").replace(
                "      key_ids:",
                "      paths: ['sealed/*']\n      key_ids:",
            ))
            .audit(&["--fail-on", "warning"])
            .code(0)
            .states("aws-deploy", &[])
            .decision("aws-deploy", "keep")
            .eq("@aws-deploy/found/0/path", json!("sealed/aws.ini"))
            .eq("@aws-deploy/risk/exposure", json!(2)),
        case("a registered key where it may live: scan passes at --fail-on warning (scan)")
            .file("sealed/aws.ini", aws.clone())
            .inv(aws_identity("").replace(
                "      key_ids:",
                "      paths: ['sealed/*']\n      key_ids:",
            ))
            .scan(&["--fail-on", "warning"])
            .code(0)
            .eq("verdicts aws-secret-access-key", json!(["allowed/note"])),
        case("an unregistered credential: scan and audit both fail, audit lists it uncovered")
            .file("src/app.env", &token_file)
            .inv(aws_identity(""))
            .audit(&["--fail-on", "error"])
            .code(1)
            .eq("/uncovered/0/rule_id", json!("github-pat-classic"))
            .eq("/uncovered/0/verdicts/0/kind", json!("unregistered")),
        case("a pipeline risk (untrusted checkout, error): scan fails at --fail-on error")
            .file(".github/workflows/pr.yml", UNTRUSTED)
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2025-05-31\n")))
            .scan(&["--fail-on", "error"])
            .code(1)
            .eq("#pipeline-untrusted-checkout-with-secrets/severity", json!("error"))
            // An untrusted checkout is about the job, not one credential: not attributed.
            .eq("#pipeline-untrusted-checkout-with-secrets/identity", Value::Null),
        case("a pipeline risk (untrusted checkout, error): audit reports it, with its identity, and fails")
            .file(".github/workflows/pr.yml", UNTRUSTED)
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2025-05-31\n")))
            .audit(&["--fail-on", "error"])
            .code(1)
            .eq("/pipeline_risks/0/rule_id", json!("pipeline-untrusted-checkout-with-secrets"))
            .eq("/pipeline_risks/0/severity", json!("error"))
            .eq("/pipeline_risks/0/identity", Value::Null)
            .eq("/summary/failing", json!(1))
            .eq("/summary/pipeline_risks", json!(1))
            .decision("deployer", "keep"),
        case("a pipeline risk (secret in a command, warning): scan fails at --fail-on warning")
            .file(".github/workflows/deploy.yml", IN_COMMAND)
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2025-05-31\n")))
            .scan(&["--fail-on", "warning"])
            .code(1)
            .eq("#pipeline-secret-in-command/severity", json!("warning"))
            .eq("#pipeline-secret-in-command/identity/id", json!("deployer")),
        case("a pipeline risk (secret in a command, warning): audit fails at --fail-on warning, passes at error")
            .file(".github/workflows/deploy.yml", IN_COMMAND)
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2025-05-31\n")))
            .audit(&["--fail-on", "warning"])
            .code(1)
            .eq("/pipeline_risks/0/rule_id", json!("pipeline-secret-in-command"))
            .eq("/pipeline_risks/0/identity", json!("deployer"))
            .eq("/pipeline_risks/0/owner", json!("platform"))
            .eq("/summary/failing", json!(1))
            // A risk is no sighting of the credential itself.
            .eq("@deployer/found", json!([]))
            .eq("@deployer/risk/exposure", json!(1)),
        case("a pipeline risk in the audit's text, Markdown and SARIF")
            .file(".github/workflows/pr.yml", UNTRUSTED)
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2025-05-31\n")))
            .run(&["audit", ".", "--now", NOW, "-f", "markdown"])
            .code(1)
            .stdout("## Pipeline risks")
            .stdout("`pipeline-untrusted-checkout-with-secrets` (NHI2)")
            .stdout("1 pipeline risk, 1 failing"),
        // — dated evidence outranks references, both ways —
        case("referenced by a workflow, last used 517 days ago: stale, remove")
            .file(".github/workflows/deploy.yml", WORKFLOW)
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2024-01-01\n").replace("created: 2025-05-01", "created: 2023-12-01")))
            .audit(&[])
            .code(1)
            .states("deployer", &["stale/warning/NHI1", "overdue/error/NHI7"])
            .has("@deployer/states/0/message", "517 days")
            .has("@deployer/states/0/message", "no evidence of use")
            .decision("deployer", "remove")
            // Removal subsumes rotation: the one recommendation never says both.
            .lacks("@deployer/recommendation", "rotate"),
        case("referenced by a workflow, no dated evidence: kept as referenced, unverified")
            .file(".github/workflows/deploy.yml", WORKFLOW)
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "")))
            .audit(&[])
            .code(0)
            .states("deployer", &[])
            .decision("deployer", "keep")
            .has("@deployer/recommendation", "record `last_used`")
            .eq("@deployer/usage/pipeline_refs", json!([".github/workflows/deploy.yml:9 deploy"]))
            .eq("@deployer/risk/usage", json!(2)),
        case("an organisation secret no workflow here reads, used 2 days ago: kept, not removed")
            .file(".github/workflows/deploy.yml", WORKFLOW)
            .inv(inventory(&format!(
                "{}{}",
                ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2025-05-31\n"),
                ci_identity("org-token", "ORG_TOKEN", "    last_used: 2025-05-30\n")
            )))
            .audit(&[])
            .code(0)
            .states("org-token", &[])
            .decision("org-token", "keep")
            .eq("@org-token/usage/pipeline_refs", Value::Null)
            .eq("@org-token/risk/usage", json!(1)),
        case("a CI secret no workflow reads and no evidence of use: stale, remove")
            .file(".github/workflows/deploy.yml", WORKFLOW)
            .inv(inventory(&format!(
                "{}{}",
                ci_identity("deployer", "DEPLOY_TOKEN", "    last_used: 2025-05-31\n"),
                ci_identity("org-token", "ORG_TOKEN", "")
            )))
            .audit(&[])
            .code(1)
            .states("org-token", &["stale/warning/NHI1"])
            .has("@org-token/states/0/message", "no pipeline of this repository reads its CI secret ORG_TOKEN")
            .decision("org-token", "remove"),
        // — workload identities —
        case("a workload identity created two years ago: never overdue, tied to its OIDC job")
            .file(".github/workflows/release.yml", OIDC)
            .inv(inventory("  - id: release-role\n    kind: workload_identity\n    provider: aws\n    owner: platform\n    created: 2023-06-01\n    scopes: [s3:PutObject]\n    match:\n      key_ids: ['arn:aws:iam::123456789012:role/release']\n"))
            .audit(&["--fail-on", "warning"])
            .code(0)
            .states("release-role", &[])
            .decision("release-role", "keep")
            .has("@release-role/recommendation", "federated, nothing to rotate")
            .eq("@release-role/usage/pipeline_refs", json!([".github/workflows/release.yml:4 release (OIDC, aws)"]))
            .eq("@release-role/risk/age", json!(1)),
        case("the same identity as a static key: overdue, rotate")
            .file(".github/workflows/release.yml", OIDC)
            .inv(inventory("  - id: release-role\n    kind: access_key\n    provider: aws\n    owner: platform\n    created: 2023-06-01\n    last_used: 2025-05-31\n    scopes: [s3:PutObject]\n    match:\n      key_ids: ['arn:aws:iam::123456789012:role/release']\n"))
            .audit(&["--fail-on", "warning"])
            .code(1)
            .states("release-role", &["overdue/error/NHI7"])
            .decision("release-role", "rotate"),
        // — deprecation —
        case("deprecated with a retire_by ahead: warning with the date, retire")
            .inv(lone("    status: deprecated\n    retire_by: 2025-07-01\n"))
            .audit(&["--fail-on", "warning"])
            .code(1)
            .states("svc", &["deprecated/warning/NHI1"])
            .eq("@svc/states/0/message", json!("deprecated: retire it by 2025-07-01 (in 30 days)"))
            .decision("svc", "retire")
            .has("@svc/recommendation", "by 2025-07-01"),
        case("deprecated past its retire_by: error")
            .inv(lone("    status: deprecated\n    retire_by: 2025-05-31\n"))
            .audit(&["--fail-on", "error"])
            .code(1)
            .states("svc", &["deprecated/error/NHI1"])
            .has("@svc/states/0/message", "past its retire_by date 2025-05-31 (1 day ago)")
            .decision("svc", "retire"),
        case("deprecated without retire_by: warning asking for one")
            .inv(lone("    status: deprecated\n"))
            .audit(&[])
            .code(1)
            .states("svc", &["deprecated/warning/NHI1"])
            .has("@svc/recommendation", "record `retire_by`"),
        // — offboarding —
        case("an owner missing from the owners export: orphaned, assign-owner")
            .file("owners.txt", "# gh api orgs/acme/teams\nsecurity\n")
            .inv(lone(""))
            .audit(&["--owners", "owners.txt"])
            .code(1)
            .states("svc", &["orphaned/warning/NHI1"])
            .has("@svc/states/0/message", "owner platform is not in the owners export owners.txt")
            .decision("svc", "assign-owner"),
        case("an offboarding event naming someone who left: orphaned")
            .file("owners.txt", "[{\"login\": \"platform\"}, {\"login\": \"grace\"}]")
            .inv(lone("    offboarding: [ada leaves the company]\n"))
            .audit(&["--owners", "owners.txt"])
            .code(1)
            .states("svc", &["orphaned/warning/NHI1"])
            .has("@svc/states/0/message", "ada is not in the owners export")
            .decision("svc", "assign-owner"),
        case("owner and offboarding people all present: nothing orphaned")
            .file("owners.txt", "platform\nada\n")
            .inv(lone("    offboarding: [ada leaves the company]\n"))
            .audit(&["--owners", "owners.txt", "--fail-on", "warning"])
            .code(0)
            .states("svc", &[])
            .decision("svc", "keep"),
        // — scopes —
        case("admin-like scopes: over-privileged (NHI5), reduce-scopes")
            .inv(lone("").replace("scopes: [repo]", "scopes: [repo, admin:org]"))
            .audit(&[])
            .code(1)
            .states("svc", &["over-privileged/warning/NHI5"])
            .has("@svc/states/0/message", "admin:org")
            .decision("svc", "reduce-scopes")
            .eq("@svc/risk/privilege", json!(3)),
        case("scopes recorded, none admin-like: keep, privilege 1")
            .inv(lone(""))
            .audit(&["--fail-on", "warning"])
            .code(0)
            .decision("svc", "keep")
            .eq("@svc/risk/privilege", json!(1)),
        // — ages: scan --git and audit --git agree —
        history(case("scan --git ages a key from its first commit: overdue, error"))
            .inv(aws_identity("").replace("    created: 2025-05-20\n", "").replace("      key_ids:", "      paths: ['deploy/*']\n      key_ids:"))
            .scan(&["--git", "--fail-on", "error"])
            .code(1)
            .eq("#aws-secret-access-key/identity/age_days", json!(513))
            .eq("verdicts aws-secret-access-key", json!(["rotation-overdue/error", "allowed/note"])),
        history(case("audit --git ages it the same: overdue, error, same exit code"))
            .inv(aws_identity("").replace("    created: 2025-05-20\n", "").replace("      key_ids:", "      paths: ['deploy/*']\n      key_ids:"))
            .audit(&["--git", "--fail-on", "error"])
            .code(1)
            .eq("@aws-deploy/age_days", json!(513))
            .states("aws-deploy", &["overdue/error/NHI7"])
            .has("@aws-deploy/states/0/message", "since first seen in git 2024-01-05")
            .decision("aws-deploy", "rotate"),
        // — a strict inventory —
        case("an unknown key in the inventory: scan is a located error, exit 2, no verdicts")
            .file("src/app.env", &token_file)
            .inv(gh_identity("    onwer: typo\n"))
            .scan(&[])
            .code(2)
            .stderr("error: ./nhi-inventory.yaml:10:5: identities[0]: unknown field `onwer`")
            .stderr("it was not applied")
            .stderr_lacks("warning: ")
            .eq("#github-pat-classic/verdicts", json!([])),
        case("an unknown key in the inventory: audit is a located error, exit 2")
            .file("src/app.env", &token_file)
            .inv(gh_identity("    onwer: typo\n"))
            .audit(&[])
            .code(2)
            .stderr("error: ./nhi-inventory.yaml:10:5: ")
            .stderr_lacks("warning: ")
            .eq("/identities", json!([])),
        case("a missing --inventory file: named, never at :0:0:")
            .run(&["scan", ".", "--inventory", "missing.yaml"])
            .code(2)
            .stderr("missing.yaml: not found")
            .stderr_lacks(":0:0"),
        // — inventory check lints —
        case("check: a last_rotated in the future")
            .inv(lone("    last_rotated: 2025-07-01\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:10:19: last_rotated 2025-07-01 of `svc` is in the future (today is 2025-06-01)"),
        case("check: expires before created")
            .inv(lone("    expires: 2025-04-01\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:10:14: expires 2025-04-01 is before created 2025-05-01"),
        case("check: stale_after_days 0")
            .inv(lone("").replace("version: 1\n", "version: 1\npolicy:\n  stale_after_days: 0\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:3:21: stale_after_days must be at least 1"),
        case("check: a provider slug no rule has (postgres for postgresql)")
            .inv(lone("").replace("provider: github", "provider: postgres"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:4:15: provider `postgres` of `svc` is no rule's provider: did you mean `postgresql`?"),
        case("check: a duplicate id")
            .inv(format!("{}{}", lone(""), "  - id: svc\n    owner: platform\n    match: {ci_secrets: [OTHER]}\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:12:9: duplicate identity id `svc` (first at line 3)"),
        case("check --report: an AWS key id in one identity, its secret's fingerprint in another")
            .file("config/aws.ini", aws.clone())
            .inv(inventory(&format!(
                "  - id: aws-admin\n    owner: infra\n    match:\n      key_ids: [{AWS_KEY_ID}]\n  - id: aws-admin-secret\n    owner: infra\n    match:\n      fingerprints: ['{}']\n",
                fp(&aws_secret())
            )))
            .keep(&["scan", ".", "-f", "json", "--fail-on", "none"], "report.json")
            .check(&["--report", "report.json"])
            .code(1)
            .stdout("nhi-inventory.yaml:10:22: finding `aws-secret-access-key` ")
            .stdout("is claimed by `aws-admin-secret` by its fingerprint and by `aws-admin` by key id `AKIAU36QWASULXKGEJLZ`"),
        case("check --report: a GCP client_email in one identity, its private_key_id in another")
            .file("deploy/sa.json", gcp.clone())
            .inv(inventory(&format!(
                "  - id: exporter\n    owner: data\n    match:\n      key_ids: ['{GCP_EMAIL}']\n  - id: exporter-key\n    owner: data\n    match:\n      key_ids: ['{GCP_KEY_ID}']\n"
            )))
            .keep(&["scan", ".", "-f", "json", "--fail-on", "none"], "report.json")
            .check(&["--report", "report.json"])
            .code(1)
            .stdout(format!("is claimed by `exporter-key` by key id `{GCP_KEY_ID}` and by `exporter` by key id `{GCP_EMAIL}`")),
        case("check: retire_by before created")
            .inv(lone("    status: deprecated\n    retire_by: 2025-04-01\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:11:16: retire_by 2025-04-01 is before created 2025-05-01"),
        case("check: retire_by passed while still deprecated")
            .inv(lone("    status: deprecated\n    retire_by: 2025-05-20\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:11:16: retire_by 2025-05-20 of `svc` has passed (today is 2025-06-01) and it is still deprecated"),
        case("check: retire_by on an active identity")
            .inv(lone("    retire_by: 2025-09-01\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:10:16: retire_by 2025-09-01 of `svc` goes with `status: deprecated`, but it is active"),
        case("check: retire_by on a revoked identity is its record, not a problem")
            .inv(lone("    status: revoked\n    retire_by: 2025-05-20\n"))
            .check(&[])
            .code(0)
            .stdout("inventory check: 1 identity, 0 problems"),
        case("check: a tier for an environment no identity has")
            .inv(lone("    environment: prod\n").replace("version: 1\n", "version: 1\npolicy:\n  tiers:\n    - environment: production\n      rotation_days: 30\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:4:20: tier 1 (environment `production`) applies to no identity: did you mean `prod`?"),
        case("check: a tier minimum of 0")
            .inv(lone("    environment: prod\n").replace("version: 1\n", "version: 1\npolicy:\n  tiers:\n    - environment: prod\n      rotation_days: 0\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:5:22: rotation_days must be at least 1"),
        case("check: a tier with no selector")
            .inv(lone("").replace("version: 1\n", "version: 1\npolicy:\n  tiers:\n    - rotation_days: 30\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:4:7: a tier needs `environment:` or `criticality:`"),
        case("check: a tier an earlier one shadows")
            .inv(lone("    environment: prod\n    criticality: high\n").replace("version: 1\n", "version: 1\npolicy:\n  tiers:\n    - environment: prod\n      rotation_days: 30\n    - environment: prod\n      criticality: high\n      rotation_days: 7\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:6:7: tier 2 is never used: tier 1 comes first"),
        case("check: a criticality value no tier can match")
            .inv(lone("    criticality: hgh\n"))
            .check(&[])
            .code(1)
            .stdout("nhi-inventory.yaml:10:18: criticality `hgh` of `svc` is none of critical, high, medium, low and no tier names it: did you mean `high`?"),
        case("check: a clean inventory")
            .inv(lone("    environment: prod\n    criticality: high\n").replace("version: 1\n", "version: 1\npolicy:\n  tiers:\n    - criticality: high\n      rotation_days: 30\n"))
            .check(&[])
            .code(0)
            .stdout("inventory check: 1 identity, 0 problems"),
        // — inventory add —
        case("inventory add refuses a credential another identity matches, and writes nothing")
            .file("src/app.env", &token_file)
            .inv(gh_identity(""))
            .keep(&["scan", ".", "-f", "json", "--fail-on", "none"], "report.json")
            .run(&["inventory", "add", "--report", "report.json", "--fingerprint", &fp(&gh_token()), "--owner", "someone"])
            .code(2)
            .stderr("is already registered as `github-ci` (matched by fingerprint)")
            .file_is("nhi-inventory.yaml", "unchanged", |t| !t.contains("someone")),
        case("inventory add into a CRLF file keeps it CRLF")
            .file("src/app.env", &token_file)
            .inv("version: 1\r\nidentities:\r\n  - id: ci\r\n    owner: platform\r\n    match: {ci_secrets: [DEPLOY_TOKEN]}\r\n")
            .keep(&["scan", ".", "-f", "json", "--fail-on", "none"], "report.json")
            .run(&["inventory", "add", "--report", "report.json", "--fingerprint", &fp(&gh_token()), "--owner", "app-team"])
            .code(0)
            .file_is("nhi-inventory.yaml", "all CRLF with the new identity", |t| all_crlf(t) && t.contains("    owner: app-team\r\n")),
        // — imports report what they changed —
        case("inventory import -f json: each change old → new, unregistered names, written")
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "")))
            .file("export/secrets.json", fixture("evidence/github-secrets.json"))
            .run(&["inventory", "import", "--from", "github-secrets", "export/secrets.json", "-f", "json"])
            .code(0)
            .eq("/kind", json!("github-secrets"))
            .eq("/credentials", json!(3))
            .eq("/matched", json!(1))
            .eq("/changes", json!([{"identity": "deployer", "field": "last_rotated", "old": null, "new": "2025-05-20"}]))
            .eq("/unregistered", json!([{"name": "NPM_TOKEN"}, {"name": "SLACK_WEBHOOK_URL"}]))
            .eq("/written", json!(true))
            .file_is("nhi-inventory.yaml", "updated", |t| t.contains("    last_rotated: 2025-05-20\n")),
        case("inventory import -f json --dry-run --add-unregistered: the stubs it would write, nothing written")
            .inv(inventory(&ci_identity("deployer", "DEPLOY_TOKEN", "")))
            .file("export/secrets.json", fixture("evidence/github-secrets.json"))
            .run(&["inventory", "import", "--from", "github-secrets", "export/secrets.json", "-f", "json", "--dry-run", "--add-unregistered"])
            .code(0)
            .eq("/unregistered/0/stub", json!("npm-token"))
            .eq("/dry_run", json!(true))
            .eq("/written", json!(false))
            .file_is("nhi-inventory.yaml", "unchanged", |t| !t.contains("last_rotated") && !t.contains("npm-token")),
        // — usage evidence decays without imports —
        case("the demo as of 2025-06-01: three exposed, one revoked but present, two kept")
            .demo()
            .audit(&[])
            .code(1)
            .eq("/summary/decisions", json!({"keep": 2, "purge": 1, "rotate-and-remove": 3}))
            .eq("/summary/states/stale", json!(1))
            .states("aws-admin", &["exposed/error/NHI2", "stale/warning/NHI1", "over-privileged/warning/NHI5"])
            // Exposed and unused: revoke, replace only on a confirmed need.
            .has("@aws-admin/recommendation", "revoke it and remove it"),
        case("the demo as of 2025-09-01, with the evidence typed by hand: five of six decay to stale")
            .demo()
            .run(&["audit", ".", "-f", "json", "--now", "2025-09-01"])
            .code(1)
            .eq("/summary/states/stale", json!(5))
            .eq("/summary/decisions", json!({"purge": 1, "remove": 2, "rotate-and-remove": 3}))
            .decision("orders-db", "remove")
            .decision("ci-deployer", "remove"),
        case("the demo as of 2025-09-01, after importing a fresh credential report: the used key no longer decays")
            .demo()
            .file("export/report.csv", fresh_aws_report)
            .file("export/keys.json", fixture("evidence/aws-access-keys-migration-admin.json"))
            .keep(&["inventory", "import", "--from", "aws-credential-report", "export/report.csv", "--access-keys", "export/keys.json"], "import.txt")
            .run(&["audit", ".", "-f", "json", "--now", "2025-09-01"])
            .code(1)
            .eq("@aws-admin/usage/last_used", json!("2025-08-30"))
            .eq("@aws-admin/days_since_use", json!(2))
            .states("aws-admin", &["exposed/error/NHI2", "overdue/warning/NHI7", "over-privileged/warning/NHI5"])
            // Used: rotate it (no longer "revoke it, it shows no recent use").
            .has("@aws-admin/recommendation", "rotate it (issue a new credential")
            .eq("/summary/states/stale", json!(4))
            .file_is("import.txt", "the change summary", |t| t.contains("aws-admin: last_used 2025-02-01 → 2025-08-30")),
        case("the README's weekly loop on the demo: imports move the states, the audit shows it")
            .demo()
            .file("export/github-secrets.json", fixture("evidence/github-secrets.json"))
            .file("export/gcp-keys.json", fixture("evidence/gcp-keys.json"))
            .file("export/report.csv", fixture("evidence/aws-credential-report.csv"))
            .file("export/admin.json", fixture("evidence/aws-access-keys-migration-admin.json"))
            .file("export/bot.json", fixture("evidence/aws-access-keys-ci-bot.json"))
            .keep(&["inventory", "import", "--from", "github-secrets", "export/github-secrets.json"], "export/1.txt")
            .keep(&["inventory", "import", "--from", "gcp-keys", "export/gcp-keys.json"], "export/2.txt")
            .keep(&["inventory", "import", "--from", "aws-credential-report", "export/report.csv", "--access-keys", "export/admin.json", "--access-keys", "export/bot.json"], "export/3.txt")
            .audit(&[])
            .code(1)
            .eq("/summary/decisions", json!({"keep": 2, "purge": 1, "rotate-and-remove": 3}))
            .states("billing-exporter", &["exposed/error/NHI2", "ownerless/warning/NHI1"])
            .eq("@billing-exporter/risk/score", json!(6))
            .states("aws-admin", &["exposed/error/NHI2", "over-privileged/warning/NHI5"])
            .eq("@aws-admin/risk/score", json!(9))
            .file_is("export/1.txt", "the github-secrets summary", |t| t.contains("  ci-deployer: last_rotated (none) → 2025-05-20\n  unregistered: NPM_TOKEN\n  unregistered: SLACK_WEBHOOK_URL\n"))
            .file_is("export/2.txt", "the gcp-keys summary", |t| t.contains("  billing-exporter: last_rotated (none) → 2025-05-25\n  billing-exporter: expires 2025-06-01 → 2025-08-23\n"))
            .file_is("export/3.txt", "the aws summary", |t| t.contains("  aws-admin: last_used 2025-02-01 → 2025-04-03\n  unregistered: ci-bot key AKIAQ7CIBOTFAKEKEY01\n")),
        // — wording —
        case("wording: expiring tomorrow is \"in 1 day\"")
            .inv(lone("    expires: 2025-06-02\n"))
            .run(&["audit", ".", "--now", NOW])
            .code(1)
            .stdout("expires on 2025-06-02, in 1 day")
            .stdout_lacks("1 days"),
        case("wording: an unregistered CI secret read once is \"(1 read)\"")
            .file(".github/workflows/deploy.yml", WORKFLOW)
            .inv(lone(""))
            .run(&["audit", ".", "--now", NOW])
            .code(1)
            .stdout("DEPLOY_TOKEN  read at .github/workflows/deploy.yml:9 deploy (1 read)")
            .stdout_lacks("1 reads"),
        case("wording: an expired credential where it may live is never \"nothing to do\"")
            .file("sealed/aws.ini", aws.clone())
            .inv(aws_identity("    expires: 2025-05-25\n").replace("      key_ids:", "      paths: ['sealed/*']\n      key_ids:"))
            .run(&["scan", ".", "--now", NOW])
            .code(1)
            .stdout("expired on 2025-05-25 (7 days ago)")
            .stdout("its place is fine; act on the other verdicts")
            .stdout_lacks("nothing to do"),
        case("wording: a missing pipelines path is named, never at :0:0:")
            .run(&["pipelines", "no-such-dir"])
            .code(2)
            .stderr("no-such-dir")
            .stderr_lacks(":0:0"),
    ]
}

#[test]
fn issue_14_scenarios() {
    let secrets = secrets();
    let cases = cases();
    let mut failed = Vec::new();
    for c in &cases {
        if let Err(e) = run(c, &secrets) {
            failed.push(format!("{}:\n  {e}", c.name));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n\n")
    );
}
