//! End to end: `action.yml` run step by step as the runner runs it (`runner`), on a checkout
//! made exactly as actions/checkout@v4 makes one (depth 1 of the PR merge ref or of the pushed
//! SHA, credentials persisted as an `http.<server>/.extraheader`), from a real bare repository
//! served by `git http-backend` on 127.0.0.1, with the GitHub API a wiremock on 127.0.0.1.
//! Every event the action supports: the planted secret is found (exit 1, never 2), the `sarif`
//! output names a schema-valid file holding it, pull requests get a comment naming the file
//! and line, and no raw secret appears anywhere the run leaves a trace.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::git;
use crate::runner::githttp::GitServer;
use crate::runner::{run_action, ActionRun, Job};

const TOKEN: &str = "ghs_harnessTokenNotARealOne0000000000";
/// Planted on the feature branch (app.env:2), on main (config/old.env:3) and in a fork PR
/// (fork.env:1).
const S_FEATURE: &str = "q7Rz2LxN4vKp9TmW";
const S_MAIN: &str = "Zt8wQ3nVb6Ly1KsR";
const S_FORK: &str = "Hm4pX9cE2rTy7UjN";
const ZEROS: &str = "0000000000000000000000000000000000000000";

struct Origin {
    dir: tempfile::TempDir,
    server: GitServer,
    c2: String,
    main: String,
    f1: String,
    f2: String,
    merge7: String,
    fork: String,
    merge8: String,
    gone: String,
}

fn commit(work: &Path, msg: &str, n: u32) -> String {
    git(work, &["add", "-A"], None);
    let date = format!("2026-11-{:02}T10:00:00Z", n);
    git(work, &["commit", "-q", "-m", msg], Some(&date));
    git(work, &["rev-parse", "HEAD"], None)
}

impl Origin {
    fn new() -> Origin {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        let bare = dir.path().join("git/acme/app.git");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "-q", "--bare"], None);
        // What GitHub serves: any commit reachable from a ref can be fetched by its id.
        git(
            &bare,
            &["config", "uploadpack.allowReachableSHA1InWant", "true"],
            None,
        );
        let w = |rel: &str, text: &str| {
            let p = work.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        git(&work, &["init", "-q"], None);
        w("README.md", "# app\n");
        commit(&work, "init", 1);
        w("src/lib.txt", "v1\n");
        let c2 = commit(&work, "lib", 2);
        git(&work, &["checkout", "-q", "-b", "feature"], None);
        w("src/lib.txt", "v2\n");
        let f1 = commit(&work, "lib v2", 3);
        w("app.env", &format!("# cfg\nAPI_TOKEN=\"{S_FEATURE}\"\n"));
        let f2 = commit(&work, "config", 4);
        git(&work, &["checkout", "-q", "-b", "gone", &f1], None);
        w("gone.txt", "never pushed\n");
        let gone = commit(&work, "force-pushed away", 5);
        git(&work, &["checkout", "-q", "main"], None);
        w(
            "config/old.env",
            &format!("# old\n\nDB_PASSWORD=\"{S_MAIN}\"\n"),
        );
        let main = commit(&work, "old config", 6);
        let merge = |head: &str, n: u32| {
            git(&work, &["checkout", "-q", "--detach", &main], None);
            let date = format!("2026-11-{:02}T10:00:00Z", n);
            git(
                &work,
                &["merge", "-q", "--no-ff", "-m", "Merge into main", head],
                Some(&date),
            );
            git(&work, &["rev-parse", "HEAD"], None)
        };
        let merge7 = merge(&f2, 7);
        git(&work, &["checkout", "-q", "--detach", &c2], None);
        w("fork.env", &format!("SERVICE_SECRET=\"{S_FORK}\"\n"));
        let fork = commit(&work, "fork change", 8);
        let merge8 = merge(&fork, 9);
        let queue = format!("refs/heads/gh-readonly-queue/main/pr-7-{f2}");
        let refspecs = [
            "main:refs/heads/main".to_string(),
            "feature:refs/heads/feature".to_string(),
            format!("{f2}:refs/pull/7/head"),
            format!("{merge7}:refs/pull/7/merge"),
            format!("{fork}:refs/pull/8/head"),
            format!("{merge8}:refs/pull/8/merge"),
            format!("{merge7}:{queue}"),
        ];
        let mut args = vec!["push", "-q", bare.to_str().unwrap()];
        args.extend(refspecs.iter().map(String::as_str));
        git(&work, &args, None);
        let server = GitServer::start(&dir.path().join("git"), TOKEN);
        Origin {
            dir,
            server,
            c2,
            main,
            f1,
            f2,
            merge7,
            fork,
            merge8,
            gone,
        }
    }

    fn url(&self) -> String {
        format!("{}/acme/app", self.server.url)
    }

    /// A workspace checked out as actions/checkout@v4 does: `git init`, `remote add`, the
    /// persisted token, a depth-1 fetch of `sha` into `local_ref`, a forced checkout.
    fn checkout(
        &self,
        name: &str,
        (sha, local_ref, branch): (&str, &str, Option<&str>),
        persist_credentials: bool,
    ) -> PathBuf {
        let ws = self.dir.path().join(name).join("workspace");
        std::fs::create_dir_all(&ws).unwrap();
        git(&ws, &["init", "-q"], None);
        git(&ws, &["remote", "add", "origin", &self.url()], None);
        git(&ws, &["config", "--local", "gc.auto", "0"], None);
        let basic = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"))
        };
        git(
            &ws,
            &[
                "config",
                "--local",
                &format!("http.{}/.extraheader", self.server.url),
                &format!("AUTHORIZATION: basic {basic}"),
            ],
            None,
        );
        git(
            &ws,
            &[
                "-c",
                "protocol.version=2",
                "fetch",
                "--no-tags",
                "--prune",
                "--no-recurse-submodules",
                "--depth=1",
                "origin",
                &format!("+{sha}:{local_ref}"),
            ],
            None,
        );
        match branch {
            Some(b) => git(
                &ws,
                &["checkout", "-q", "--force", "-B", b, local_ref],
                None,
            ),
            None => git(&ws, &["checkout", "-q", "--force", local_ref], None),
        };
        if !persist_credentials {
            // `persist-credentials: false`: the token is removed once checked out.
            git(
                &ws,
                &[
                    "config",
                    "--local",
                    "--unset-all",
                    &format!("http.{}/.extraheader", self.server.url),
                ],
                None,
            );
        }
        ws
    }
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Event<'a> {
    name: &'a str,
    payload: Value,
    /// (sha, ref it is fetched into, branch to check out)
    checkout: (String, String, Option<&'a str>),
    github_ref: String,
    persist_credentials: bool,
}

fn run(origin: &Origin, api: &str, label: &str, ev: &Event, with: &[(&str, &str)]) -> ActionRun {
    let (sha, local_ref, branch) = &ev.checkout;
    let ws = origin.checkout(label, (sha, local_ref, *branch), ev.persist_credentials);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nhiscan")).parent().unwrap();
    let job = Job {
        workspace: ws,
        runner_dir: origin.dir.path().join(label).join("runner"),
        event_name: ev.name.to_string(),
        event: ev.payload.clone(),
        github: json!({
            "sha": ev.checkout.0, "ref": ev.github_ref, "repository": "acme/app",
            "repository_owner": "acme", "token": TOKEN, "api_url": api,
            "server_url": origin.server.url,
        })
        .as_object()
        .unwrap()
        .clone(),
        path: vec![bin_dir.to_path_buf()],
    };
    run_action(&repo_root(), &job, with)
}

fn assert_sarif_valid(doc: &Value) {
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    let v = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// What every event must show: the scan found `secret` at `file:line` and exited 1, the
/// `sarif` output names a schema-valid file holding that result (and no other file), and the
/// secret is nowhere in the log, the outputs, the summary or the runner's files.
fn assert_found(run: &ActionRun, ws: &Path, runner: &Path, secret: &str, file: &str, line: u64) {
    let log = run.log();
    let scan = run.step("scan");
    assert_eq!(scan.code, Some(1), "scan step:\n{log}");
    assert!(run.failed, "findings fail the action");
    assert!(!log.contains(secret), "raw secret in the log:\n{log}");
    for v in run.outputs.values() {
        assert!(!v.contains(secret));
    }
    assert!(!run.summary.contains(secret));
    assert!(
        run.summary.contains("<!-- nhiscan:report -->"),
        "{}",
        run.summary
    );
    for s in &run.steps {
        assert!(s.summary_bytes < 1 << 20, "step {} summary too big", s.name);
    }
    let mut files = Vec::new();
    all_files(runner, &mut files);
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        assert!(!text.contains(secret), "raw secret in {}", f.display());
    }
    let sarif = &run.outputs["sarif"];
    assert!(!sarif.is_empty(), "no sarif output:\n{log}");
    let sarif_path = ws.join(sarif);
    let text = std::fs::read_to_string(&sarif_path)
        .unwrap_or_else(|e| panic!("{}: {e}", sarif_path.display()));
    assert!(!text.contains(secret), "raw secret in the SARIF");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_sarif_valid(&doc);
    let places: Vec<(String, u64)> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let l = &r["locations"][0]["physicalLocation"];
            (
                l["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                l["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(places, vec![(file.to_string(), line)], "{log}");
    assert_eq!(run.outputs["findings"], "1", "{log}");
    // The cache stand-in was asked for the pinned version; nhiscan on PATH needed no save.
    let restore = run.step("cache");
    assert_eq!(restore.outcome, "stand-in");
    assert!(
        restore.with["key"].starts_with("nhiscan-0.1.0-Linux-X64"),
        "{:?}",
        restore.with
    );
    assert!(run.step("install").stdout.contains("on PATH"), "{log}");
    assert!(run
        .steps
        .iter()
        .any(|s| s.name.starts_with("Save") && s.outcome == "skipped"));
}

fn is_shallow(ws: &Path) -> bool {
    git(ws, &["rev-parse", "--is-shallow-repository"], None) == "true"
}

async fn api() -> MockServer {
    let server = MockServer::start().await;
    for pr in [7, 8] {
        let p = format!("/repos/acme/app/issues/{pr}/comments");
        Mock::given(method("GET"))
            .and(path(p.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(p.as_str()))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 100 + pr})))
            .mount(&server)
            .await;
    }
    server
}

fn pr_event(o: &Origin, name: &'static str, number: u64, fork: bool) -> Event<'static> {
    let (head, merge, head_repo) = if fork {
        (&o.fork, &o.merge8, "mallory/app")
    } else {
        (&o.f2, &o.merge7, "acme/app")
    };
    Event {
        name,
        payload: json!({
            "action": "synchronize", "number": number,
            "pull_request": {"number": number,
                "base": {"sha": o.main, "ref": "main", "repo": {"full_name": "acme/app"}},
                "head": {"sha": head, "ref": "feature", "repo": {"full_name": head_repo}}},
            "repository": {"full_name": "acme/app", "default_branch": "main"},
        }),
        // pull_request_target checks out the base branch; pull_request the merge ref.
        checkout: if name == "pull_request_target" {
            (
                o.main.clone(),
                "refs/remotes/origin/main".into(),
                Some("main"),
            )
        } else {
            (
                merge.clone(),
                format!("refs/remotes/pull/{number}/merge"),
                None,
            )
        },
        github_ref: format!("refs/pull/{number}/merge"),
        persist_credentials: true,
    }
}

async fn posted_bodies(api: &MockServer) -> Vec<String> {
    api.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

#[tokio::test]
async fn pull_requests_on_a_depth_1_checkout_find_comment_and_upload() {
    let o = Origin::new();
    let api = api().await;

    // Same repository: the diff of base...head only (main's own secret is not the PR's).
    let ev = pr_event(&o, "pull_request", 7, false);
    let with = [("comment", "summary"), ("sarif-category", "nhiscan-pr")];
    let r = run(&o, &api.uri(), "pr", &ev, &with);
    let (ws, runner) = (
        o.dir.path().join("pr/workspace"),
        o.dir.path().join("pr/runner"),
    );
    assert_found(&r, &ws, &runner, S_FEATURE, "app.env", 2);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join(&r.outputs["sarif"])).unwrap())
            .unwrap();
    let ids: Vec<&str> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["nhiscan-pr/secrets/", "nhiscan-pr/governance/"]);
    assert!(
        r.step("scan")
            .stdout
            .contains(&format!("--diff {}...{}", o.main, o.f2)),
        "{}",
        r.log()
    );
    assert!(
        is_shallow(&ws),
        "the action fetched the least history, not all of it"
    );
    let comment = r
        .steps
        .iter()
        .find(|s| s.name.starts_with("Comment"))
        .unwrap();
    assert_eq!(comment.outcome, "success", "{}", r.log());
    let bodies = posted_bodies(&api).await;
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].contains("nhiscan:summary"), "{}", bodies[0]);
    assert!(
        bodies[0].contains("app.env:2"),
        "the comment names file and line: {}",
        bodies[0]
    );
    assert!(!bodies[0].contains(S_FEATURE));

    // A fork's pull_request: its head is only in refs/pull/8/head; a read-only token gets a
    // notice, no request, and the report and SARIF are all there.
    let ev = pr_event(&o, "pull_request", 8, true);
    let r = run(&o, &api.uri(), "fork", &ev, &[]);
    let (ws, runner) = (
        o.dir.path().join("fork/workspace"),
        o.dir.path().join("fork/runner"),
    );
    assert_found(&r, &ws, &runner, S_FORK, "fork.env", 1);
    assert!(r.log().contains("comes from a fork"), "{}", r.log());
    assert_eq!(
        posted_bodies(&api).await.len(),
        1,
        "nothing posted for the fork"
    );

    // pull_request_target from the fork: the base is checked out, the head fetched by the
    // action; the base repository's token may comment.
    let ev = pr_event(&o, "pull_request_target", 8, true);
    let r = run(&o, &api.uri(), "target", &ev, &[]);
    let (ws, runner) = (
        o.dir.path().join("target/workspace"),
        o.dir.path().join("target/runner"),
    );
    assert_found(&r, &ws, &runner, S_FORK, "fork.env", 1);
    let bodies = posted_bodies(&api).await;
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies[1].contains("fork.env:1"), "{}", bodies[1]);
    for b in &bodies {
        assert!(!b.contains(S_FORK) && !b.contains(S_FEATURE) && !b.contains(S_MAIN));
    }
    // A read-only token: the comment step gives a notice, and the report and SARIF are all
    // there. (5xx and rate limits: tests/it/github.rs.)
    let down = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration"})))
        .mount(&down)
        .await;
    let ev = pr_event(&o, "pull_request", 7, false);
    let r = run(&o, &down.uri(), "api-down", &ev, &[]);
    let d = o.dir.path().join("api-down");
    assert_found(
        &r,
        &d.join("workspace"),
        &d.join("runner"),
        S_FEATURE,
        "app.env",
        2,
    );
    assert!(r.log().contains("token may not comment"), "{}", r.log());
    assert!(!down.received_requests().await.unwrap().is_empty());

    // Every fetch carried the token: the origin never answered 401.
    let reqs = o.server.requests.lock().unwrap().clone();
    assert!(!reqs.iter().any(|r| r.ends_with(" 401")), "{reqs:?}");
}

fn push_event(o: &Origin, before: &str, commits: &[&str], default_branch: &str) -> Event<'static> {
    let commits: Vec<Value> = commits
        .iter()
        .map(|c| json!({"id": c, "distinct": true, "message": "m"}))
        .collect();
    Event {
        name: "push",
        payload: json!({
            "ref": "refs/heads/feature", "before": before, "after": o.f2,
            "created": before == ZEROS, "forced": before == o.gone, "deleted": false,
            "commits": commits,
            "repository": {"full_name": "acme/app", "default_branch": default_branch},
        }),
        checkout: (
            o.f2.clone(),
            "refs/remotes/origin/feature".into(),
            Some("feature"),
        ),
        github_ref: "refs/heads/feature".into(),
        persist_credentials: true,
    }
}

#[tokio::test]
async fn pushes_merge_groups_and_scheduled_runs_on_a_depth_1_checkout() {
    let o = Origin::new();
    let api = api().await;
    let uri = api.uri();
    let check = |label: &str, ev: &Event, with: &[(&str, &str)], secret, file, line| {
        let r = run(&o, &uri, label, ev, with);
        let d = o.dir.path().join(label);
        assert_found(
            &r,
            &d.join("workspace"),
            &d.join("runner"),
            secret,
            file,
            line,
        );
        r
    };

    // A normal push: before..after, before fetched by the action.
    let r = check(
        "push",
        &push_event(&o, &o.f1, &[&o.f2], "main"),
        &[],
        S_FEATURE,
        "app.env",
        2,
    );
    assert!(
        r.step("scan")
            .stdout
            .contains(&format!("--diff {}..{}", o.f1, o.f2)),
        "{}",
        r.log()
    );

    // A new branch: the pushed commits (from commits[]) start after c2.
    let ev = push_event(&o, ZEROS, &[&o.f1, &o.f2], "main");
    let r = check("new-branch", &ev, &[], S_FEATURE, "app.env", 2);
    assert!(
        r.step("scan")
            .stdout
            .contains(&format!("--diff {}..{}", o.c2, o.f2)),
        "{}",
        r.log()
    );

    // The checkout did not persist its credentials: the action fetches with the token input.
    let mut ev = push_event(&o, ZEROS, &[&o.f1, &o.f2], "main");
    ev.persist_credentials = false;
    let r = check("no-creds", &ev, &[], S_FEATURE, "app.env", 2);
    assert!(!r.log().contains(TOKEN), "{}", r.log());

    // A force-push: `before` is gone from origin; the pushed commits again.
    let ev = push_event(&o, &o.gone, &[&o.f1, &o.f2], "main");
    let r = check("force-push", &ev, &[], S_FEATURE, "app.env", 2);
    assert!(r.log().contains("force-push"), "{}", r.log());

    // A push to the default branch: the whole tree, so code scanning keeps its alerts.
    let ev = push_event(&o, &o.f1, &[&o.f2], "feature");
    let r = check("default-push", &ev, &[], S_FEATURE, "app.env", 2);
    assert!(!r.step("scan").stdout.contains("--diff"), "{}", r.log());

    // A merge queue: base_sha...head_sha of the queue's merge commit.
    let queue = format!("gh-readonly-queue/main/pr-7-{}", o.f2);
    let ev = Event {
        name: "merge_group",
        payload: json!({"action": "checks_requested", "merge_group": {
            "base_sha": o.main, "head_sha": o.merge7, "base_ref": "refs/heads/main",
            "head_ref": format!("refs/heads/{queue}")},
            "repository": {"full_name": "acme/app", "default_branch": "main"}}),
        checkout: (
            o.merge7.clone(),
            format!("refs/remotes/origin/{queue}"),
            Some(queue.as_str()),
        ),
        github_ref: format!("refs/heads/{queue}"),
        persist_credentials: true,
    };
    let r = check("merge-group", &ev, &[], S_FEATURE, "app.env", 2);
    assert!(
        r.step("scan")
            .stdout
            .contains(&format!("--diff {}...{}", o.main, o.merge7)),
        "{}",
        r.log()
    );

    // schedule and workflow_dispatch: the whole tree of the default branch.
    for name in ["schedule", "workflow_dispatch"] {
        let ev = Event {
            name,
            payload: json!({"repository": {"full_name": "acme/app", "default_branch": "main"}}),
            checkout: (
                o.main.clone(),
                "refs/remotes/origin/main".into(),
                Some("main"),
            ),
            github_ref: "refs/heads/main".into(),
            persist_credentials: true,
        };
        let r = check(
            name,
            &ev,
            &[("comment", "off")],
            S_MAIN,
            "config/old.env",
            3,
        );
        assert!(r.summary.contains("whole tree"), "{}", r.summary);
    }
    // No event made a request to the API (nothing to comment on).
    assert!(posted_bodies(&api).await.is_empty());
}
