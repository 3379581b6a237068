//! Org-wide scans: real repositories built here, fetched over `file://` into the clone cache,
//! tracked across runs in the datastore, sharded and merged, and listed from a loopback
//! GitHub API (wiremock on 127.0.0.1).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{run_in, run_in_env, Output};
use crate::worktree::{Fixture, T1, T2, T3};

const TOKEN: &str = "ghp_TestOnlyTokenForOrgScans000000000000";

fn day(d: u32) -> String {
    format!("2024-03-{d:02}T10:00:00+00:00")
}

/// A working repository whose commits carry fixed dates.
struct Source {
    dir: tempfile::TempDir,
}

impl Source {
    fn new() -> Source {
        let s = Source {
            dir: tempfile::tempdir().unwrap(),
        };
        crate::harness::git(s.path(), &["init", "-q"], Some(&day(1)));
        s
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap();
    }
    fn commit(&self, msg: &str, d: u32) {
        let date = day(d);
        crate::harness::git(self.path(), &["add", "-A"], Some(&date));
        crate::harness::git(self.path(), &["commit", "-q", "-m", msg], Some(&date));
    }
}

/// `org scan --repos repos.txt` into `store` as JSON, with the cache in `cache`: with only the
/// rules of `rules` when given, else the built-in ones.
fn org_scan_args<'a>(store: &'a str, rules: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec![
        "org",
        "scan",
        "--repos",
        "repos.txt",
        "--cache",
        "cache",
        "--datastore",
        store,
    ];
    if let Some(r) = rules {
        args.extend(["--no-builtin", "--rules", r]);
    }
    args.extend(["--format", "json"]);
    args
}

/// A place for the cache, the datastores and the repository list, with the test rules.
struct Org {
    fx: Fixture,
}

impl Org {
    fn new() -> Org {
        Org { fx: Fixture::new() }
    }
    fn path(&self) -> &Path {
        self.fx.tree.path()
    }
    fn list(&self, urls: &[String]) -> PathBuf {
        let mut text = String::from("# test repositories\n");
        for u in urls {
            text.push_str(u);
            text.push('\n');
        }
        self.fx.tree.write("repos.txt", text)
    }
    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }
    /// Run with extra environment; no test secret nor the token on stdout or stderr.
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = run_in_env(self.path(), args, env);
        for s in [T1, T2, T3, TOKEN] {
            assert!(!out.stdout.contains(s), "secret on stdout:\n{}", out.stdout);
            assert!(!out.stderr.contains(s), "secret on stderr:\n{}", out.stderr);
        }
        out
    }
    /// `org scan --repos repos.txt` into `store`, JSON on stdout.
    fn scan(&self, store: &str, extra: &[&str]) -> Output {
        self.scan_env(store, extra, &[])
    }
    /// `scan` with extra environment.
    fn scan_env(&self, store: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let rules = self.fx.rules_path();
        let mut args = org_scan_args(store, Some(rules.to_str().unwrap()));
        if !extra.contains(&"--fail-on") {
            args.extend(["--fail-on", "none"]);
        }
        args.extend_from_slice(extra);
        self.run_env(&args, env)
    }
    /// `scan`, authenticating with TOKEN through `--token-env ORG_TOKEN`.
    fn scan_with_token(&self, store: &str) -> Output {
        let rules = self.fx.rules_path();
        let mut args = org_scan_args(store, Some(rules.to_str().unwrap()));
        args.extend(["--fail-on", "none", "--token-env", "ORG_TOKEN"]);
        self.run_env(&args, &[("ORG_TOKEN", TOKEN)])
    }
    fn report(&self, store: &str) -> Value {
        let out = self.run(&[
            "org",
            "report",
            "--datastore",
            store,
            "--format",
            "json",
            "--fail-on",
            "none",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.json()
    }
}

/// The findings of a report as (repo, first redacted chars, status, first_seen, resolved_at).
fn states(r: &Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("-").to_string();
    let mut out: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                s(&f["repo"]),
                s(&f["locations"][0]["path"]),
                s(&f["status"]),
                s(&f["first_seen"]),
                s(&f["resolved_at"]),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn runs_track_added_removed_and_unchanged_secrets_and_a_third_run_reads_nothing() {
    let src = Source::new();
    src.write("keep.env", &format!("A={T1}\n"));
    src.write("gone.env", &format!("B={T2}\n"));
    src.commit("two secrets", 2);
    let org = Org::new();
    org.list(&[src.url()]);

    let first = org.scan("org.db", &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let r1 = first.json();
    assert_eq!(r1["summary"]["repos"], 1);
    assert_eq!(r1["summary"]["errors"], 0);
    assert!(r1["summary"]["blobs_scanned"].as_u64().unwrap() >= 2);
    let name = r1["findings"][0]["repo"].as_str().unwrap().to_string();
    assert_eq!(
        states(&r1),
        vec![
            (
                name.clone(),
                "gone.env".into(),
                "open".into(),
                day(2),
                "-".into()
            ),
            (
                name.clone(),
                "keep.env".into(),
                "open".into(),
                day(2),
                "-".into()
            ),
        ]
    );

    // Second run: one secret removed, one added, one unchanged.
    src.remove("gone.env");
    src.commit("remove B", 5);
    src.write("new.env", &format!("C={T3}\n"));
    src.commit("add C", 7);
    let second = org.scan("org.db", &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let r2 = second.json();
    assert_eq!(
        states(&r2),
        vec![
            (
                name.clone(),
                "gone.env".into(),
                "resolved".into(),
                day(2),
                day(5)
            ),
            (
                name.clone(),
                "keep.env".into(),
                "open".into(),
                day(2),
                "-".into()
            ),
            (
                name.clone(),
                "new.env".into(),
                "open".into(),
                day(7),
                "-".into()
            ),
        ]
    );
    let keep = r2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["locations"][0]["path"] == "keep.env")
        .unwrap();
    assert_eq!(keep["last_seen"], day(7), "last_seen moves with HEAD");
    assert_eq!(keep["present_at_head"], true);
    // Only the new blob was read.
    assert_eq!(r2["summary"]["blobs_scanned"], 1);
    assert_eq!(schema_errors(&r2), Vec::<String>::new());

    // Third run over nothing new: fetch and ref checks only.
    let third = org.scan("org.db", &[]);
    assert_eq!(third.code, 0, "{}", third.stderr);
    let r3 = third.json();
    assert_eq!(r3["summary"]["blobs_scanned"], 0);
    assert_eq!(states(&r3), states(&r2));

    // The cache is a bare clone whose config names no remote URL.
    let config = std::fs::read_to_string(org.path().join(format!("cache/{name}.git/config")))
        .expect("bare clone in the cache");
    assert!(!config.contains("url ="), "{config}");
}

#[test]
fn fail_on_and_formats_read_the_datastore() {
    let src = Source::new();
    src.write("a.env", &format!("A={T1}\n"));
    src.commit("a", 2);
    let org = Org::new();
    org.list(&[src.url()]);
    let out = org.scan("org.db", &["--fail-on", "error"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = org.run(&["org", "report", "--datastore", "org.db", "-f", "markdown"]);
    assert_eq!(md.code, 1);
    assert!(
        md.stdout.contains("| (unowned) | 1 | 1 | 0 |"),
        "{}",
        md.stdout
    );
    let sarif = org.run(&["org", "report", "--datastore", "org.db", "-f", "sarif"]);
    let v: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let uri = v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("/a.env"), "{uri}");
}

#[test]
fn shards_merged_equal_the_unsharded_scan() {
    let sources: Vec<Source> = (0..5)
        .map(|i| {
            let s = Source::new();
            s.write(&format!("r{i}.env"), &format!("A={T1}\nB={T2}\n"));
            s.commit("secrets", 2 + i);
            s
        })
        .collect();
    let org = Org::new();
    org.list(&sources.iter().map(|s| s.url()).collect::<Vec<_>>());
    assert_eq!(org.scan("all.db", &[]).code, 0);
    assert_eq!(org.scan("s1.db", &["--shard", "1/2"]).code, 0);
    assert_eq!(org.scan("s2.db", &["--shard", "2/2"]).code, 0);
    let s1 = org.report("s1.db");
    let s2 = org.report("s2.db");
    let n1 = s1["summary"]["repos"].as_u64().unwrap();
    let n2 = s2["summary"]["repos"].as_u64().unwrap();
    assert_eq!(n1 + n2, 5);
    let merged = org.run(&["org", "merge", "--datastore", "merged.db", "s1.db", "s2.db"]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let all = org.report("all.db");
    let m = org.report("merged.db");
    assert_eq!(all["findings"].as_array().unwrap().len(), 10);
    assert_eq!(m, all);
    // The same secret in five repositories is listed as shared.
    assert_eq!(all["shared"].as_array().unwrap().len(), 2);
    assert_eq!(all["shared"][0]["repos"].as_array().unwrap().len(), 5);
}

#[test]
fn a_previous_schema_migrates_and_a_newer_one_is_refused() {
    use nhiscan::org::store::{Store, SCHEMA_VERSION};
    let org = Org::new();
    let old = org.path().join("old.db");
    {
        let s = Store::open_at(&old, 1).unwrap();
        assert_eq!(s.version().unwrap(), 1);
        s.repo_id("acme/old", "file:///nowhere").unwrap();
    }
    let r = org.report("old.db");
    assert_eq!(r["summary"]["repos"], 1);
    assert_eq!(
        Store::open(&old).unwrap().version().unwrap(),
        SCHEMA_VERSION
    );
    // v2's column and table are there, and v1's row survived.
    let s = Store::open(&old).unwrap();
    let resolved: Option<String> = s
        .conn
        .query_row("SELECT MAX(resolved_at) FROM findings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(resolved, None);
    let runs: i64 = s
        .conn
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 0);
    drop(s);

    let s = Store::open(&old).unwrap();
    s.conn
        .execute("UPDATE schema_version SET version = 99", [])
        .unwrap();
    drop(s);
    let out = org.run(&["org", "report", "--datastore", "old.db"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("schema version 99 is newer"),
        "{}",
        out.stderr
    );
}

#[test]
fn one_broken_repository_is_named_and_the_others_are_scanned() {
    let good = Source::new();
    good.write("a.env", &format!("A={T1}\n"));
    good.commit("a", 2);
    let empty = Source::new();
    let org = Org::new();
    let missing = format!("file://{}/missing", org.path().display());
    org.list(&[good.url(), empty.url(), missing]);
    let out = org.scan("org.db", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["repos"], 3);
    assert_eq!(r["summary"]["errors"], 2);
    assert_eq!(r["findings"].as_array().unwrap().len(), 1);
    let errors: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["repo"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 2);
    assert!(out.stderr.contains("missing"), "{}", out.stderr);

    // Nothing scannable at all: exit 2.
    org.list(&[format!("file://{}/missing", org.path().display())]);
    let none = org.scan("none.db", &[]);
    assert_eq!(none.code, 2, "{}", none.stderr);
}

#[test]
fn bad_arguments_are_errors() {
    let org = Org::new();
    let out = org.run(&["org", "scan", "--datastore", "x.db", "--repos", "nope.txt"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nope.txt"), "{}", out.stderr);
    org.list(&["file:///x".into()]);
    let out = org.run(&[
        "org",
        "scan",
        "--datastore",
        "x.db",
        "--repos",
        "repos.txt",
        "--shard",
        "3/2",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid shard"), "{}", out.stderr);
}

/// Run the binary with extra environment, off the async runtime that serves the mock.
async fn run_env(dir: PathBuf, args: Vec<String>, env: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"))
            .args(&args)
            .current_dir(&dir)
            .envs(env)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn github_org_listing_pages_retries_and_skips_archived_and_forks() {
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let a = Source::new();
    a.write("a.env", &format!("A={T1}\n"));
    a.commit("a", 2);
    let b = Source::new();
    b.write("b.env", &format!("B={T2}\n"));
    b.commit("b", 3);
    let repo = |name: &str, url: &str, archived: bool, fork: bool| {
        serde_json::json!({"full_name": format!("acme/{name}"), "clone_url": url,
                           "archived": archived, "fork": fork, "private": name == "b"})
    };
    let gone = format!("{}/acme/gone.git", server.uri());
    let page1 = serde_json::json!([
        repo("a", &a.url(), false, false),
        repo("old", &a.url(), true, false),
        repo("gone", &gone, false, false)
    ]);
    let page2 = serde_json::json!([
        repo("b", &b.url(), false, false),
        repo("forked", &b.url(), false, true)
    ]);
    let next = format!(
        "<{}/orgs/acme/repos?type=all&per_page=100&page=2>; rel=\"next\"",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .and(query_param("page", "2"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(page2))
        .mount(&server)
        .await;
    // The first request is rate-limited once, then answered.
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(serde_json::json!({"message": "API rate limit exceeded"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .set_body_json(page1),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/acme/gone.git/info/refs"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let org = Org::new();
    let rules = org.fx.rules_path().display().to_string();
    let args: Vec<String> = [
        "org",
        "scan",
        "--github-org",
        "acme",
        "--cache",
        "cache",
        "--datastore",
        "org.db",
        "--no-builtin",
        "--rules",
        &rules,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = vec![
        ("GITHUB_API_URL".to_string(), server.uri()),
        ("GITHUB_TOKEN".to_string(), TOKEN.to_string()),
    ];
    let out = run_env(org.path().to_path_buf(), args, env).await;
    for s in [T1, T2, TOKEN] {
        assert!(
            !out.stdout.contains(s) && !out.stderr.contains(s),
            "leak: {}{}",
            out.stdout,
            out.stderr
        );
    }
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["repos"], 3, "archived and fork skipped");
    let repos: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["repo"].as_str().unwrap())
        .collect();
    assert_eq!(repos, ["acme/a", "acme/b"]);
    assert_eq!(r["errors"][0]["repo"], "acme/gone");
    // The token is in no file the run wrote: not the datastore, not the cache.
    assert_no_token(org.path());
}

fn assert_no_token(dir: &Path) {
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "token written to {}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn smart_http_clones_then_fetches_with_the_token_given_to_the_transport_only() {
    let src = Source::new();
    src.write("a.env", &format!("A={T1}\n"));
    src.commit("a", 2);
    let served = tempfile::tempdir().unwrap();
    let bare = served.path().join("acme/api.git");
    std::fs::create_dir_all(bare.parent().unwrap()).unwrap();
    crate::harness::git(
        served.path(),
        &[
            "clone",
            "-q",
            "--bare",
            src.path().to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
        None,
    );
    let server = crate::githttp::GitHttp::start(served.path(), TOKEN);
    let org = Org::new();
    org.list(&[format!("{}/acme/api.git", server.url)]);
    let with_token = |store: &str| {
        let out = org.scan_with_token(store);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.json()
    };
    let r1 = with_token("org.db");
    assert_eq!(r1["summary"]["errors"], 0, "{r1}");
    assert_eq!(r1["findings"][0]["repo"], "acme/api");
    assert_eq!(r1["findings"][0]["first_seen"], day(2));

    // A new commit reaches the cache by a fetch into the same bare clone.
    src.write("b.env", &format!("B={T2}\n"));
    src.commit("b", 4);
    crate::harness::git(
        src.path(),
        &["push", "-q", bare.to_str().unwrap(), "main"],
        None,
    );
    let r2 = with_token("org.db");
    assert_eq!(r2["findings"].as_array().unwrap().len(), 2, "{r2}");
    assert_eq!(r2["summary"]["blobs_scanned"], 1);
    let log = server.log.lock().unwrap().clone();
    assert!(log.iter().any(|l| l.ends_with(" 401")), "{log:?}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST") && l.ends_with(" 200")),
        "{log:?}"
    );
    assert_no_token(org.path());

    // Without the token the server refuses: named, counted, and nothing scanned is exit 2.
    let out = org.run(&[
        "org",
        "scan",
        "--repos",
        "repos.txt",
        "--cache",
        "cache2",
        "--datastore",
        "none.db",
        "-f",
        "json",
        "--token-env",
        "NO_SUCH_VAR",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["errors"][0]["repo"], "acme/api");
}

/// Errors of `doc` against the org report of the documented report schema.
fn schema_errors(doc: &Value) -> Vec<String> {
    let mut schema: Value =
        serde_json::from_str(include_str!("../../docs/report.schema.json")).unwrap();
    schema["$ref"] = "#/definitions/org_report".into();
    for k in ["properties", "required", "additionalProperties", "type"] {
        schema.as_object_mut().unwrap().remove(k);
    }
    let v = jsonschema::draft7::new(&schema).expect("schema compiles");
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn fingerprint(secret: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(secret.as_bytes());
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[test]
fn with_an_inventory_verdicts_owners_shared_secrets_and_identities_found_nowhere() {
    let a = Source::new();
    a.write("a.env", &format!("A={T1}\nB={T2}\n"));
    a.commit("a", 2);
    a.write("a.env", &format!("A={T1}\n"));
    a.commit("drop B", 12);
    let b = Source::new();
    b.write("b.env", &format!("A={T1}\n"));
    b.commit("b", 3);
    let org = Org::new();
    org.list(&[a.url(), b.url()]);
    org.fx.tree.write(
        "inv.yaml",
        format!(
            "version: 1\nidentities:\n  - id: deploy-token\n    kind: token\n    provider: testprov\n    \
             owner: team-a\n    purpose: deploys\n    created: 2024-01-01\n    status: active\n    \
             match:\n      fingerprints: ['{}']\n  - id: unused-token\n    kind: token\n    \
             provider: testprov\n    owner: team-b\n    purpose: nothing\n    created: 2024-01-01\n    \
             status: active\n    match:\n      fingerprints: ['{}']\n",
            fingerprint(T1),
            fingerprint(T3)
        ),
    );
    let out = org.scan(
        "org.db",
        &["--inventory", "inv.yaml", "--now", "2024-06-01"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    assert_eq!(schema_errors(&r), Vec::<String>::new());
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    for f in findings {
        assert!(!f["verdicts"].as_array().unwrap().is_empty(), "{f}");
    }
    let t1: Vec<&Value> = findings
        .iter()
        .filter(|f| f["fingerprint"] == fingerprint(T1))
        .collect();
    assert_eq!(t1.len(), 2);
    assert!(t1.iter().all(|f| f["identity"]["id"] == "deploy-token"));
    let owners = r["owners"].as_array().unwrap();
    assert_eq!(owners[0]["owner"], "(unowned)");
    assert_eq!(owners[0]["resolved"], 1);
    assert_eq!(owners[0]["mean_days_to_resolve"], 10.0);
    assert_eq!(owners[1]["owner"], "team-a");
    assert_eq!(owners[1]["findings"], 2);
    assert_eq!(r["shared"][0]["fingerprint"], fingerprint(T1));
    assert_eq!(r["shared"][0]["repos"].as_array().unwrap().len(), 2);
    assert_eq!(
        r["governance"]["not_found"],
        serde_json::json!(["unused-token"])
    );
    // Without an inventory the report is valid too, every finding unregistered.
    let plain = org.report("org.db");
    assert_eq!(schema_errors(&plain), Vec::<String>::new());
    assert!(plain.get("governance").is_none());
    // An undocumented field is caught.
    let mut broken = plain.clone();
    broken["summary"]["extra"] = 1.into();
    assert!(!schema_errors(&broken).is_empty());
}

/// A bare clone of `src` at `dest` (made by git, packed).
fn bare_clone(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    crate::harness::git(
        src,
        &[
            "clone",
            "-q",
            "--bare",
            "--no-local",
            src.to_str().unwrap(),
            dest.to_str().unwrap(),
        ],
        None,
    );
}

#[test]
fn a_404_an_empty_and_a_corrupt_repository_over_real_servers_are_named_and_counted() {
    let src = Source::new();
    src.write("a.env", &format!("A={T1}\n"));
    src.commit("a", 2);
    let served = tempfile::tempdir().unwrap();
    bare_clone(src.path(), &served.path().join("acme/api.git"));
    crate::harness::git(
        served.path(),
        &["init", "-q", "--bare", "acme/empty.git"],
        None,
    );
    // A bare repository whose objects are garbage: its refs point at nothing readable.
    let corrupt = served.path().join("local/corrupt.git");
    bare_clone(src.path(), &corrupt);
    for f in walk(&corrupt.join("objects")) {
        if f.is_file() {
            let len = std::fs::metadata(&f).unwrap().len() as usize;
            std::fs::write(&f, vec![0x5a; len]).unwrap();
        }
    }
    let server = crate::githttp::GitHttp::start(served.path(), TOKEN);
    let org = Org::new();
    org.list(&[
        format!("{}/acme/api.git", server.url),
        format!("{}/acme/missing.git", server.url),
        format!("{}/acme/empty.git", server.url),
        corrupt.display().to_string(),
    ]);
    let out = org.scan_with_token("org.db");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stderr = &out.stderr;
    let r: Value = out.json();
    assert_eq!(r["summary"]["repos"], 4, "{r}");
    assert_eq!(r["summary"]["errors"], 3, "{r}");
    let mut named: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["repo"].as_str().unwrap())
        .collect();
    named.sort();
    assert_eq!(
        named,
        ["acme/empty", "acme/missing", "local/corrupt"],
        "{r}"
    );
    let said = |repo: &str| {
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["repo"] == repo)
            .map(|e| e["message"].as_str().unwrap().to_string())
            .unwrap()
    };
    // Each failure says what it is: an empty repository is not called corrupt, nor the reverse.
    assert!(said("acme/empty").starts_with("empty repository"), "{r}");
    assert!(
        said("local/corrupt").starts_with("corrupt repository"),
        "{r}"
    );
    assert_eq!(r["findings"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["findings"][0]["repo"], "acme/api");
    for name in ["acme/empty", "acme/missing", "local/corrupt"] {
        assert!(
            stderr.contains(&format!("nhiscan: {name}: ")),
            "{name} not named on stderr:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("4 repositories (1 checked, 3 failed)"),
        "{stderr}"
    );
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|l| l.contains("/acme/missing.git/") && l.ends_with(" 404")),
        "{log:?}"
    );
    // The errors are recorded: a report of the datastore names them too.
    let rep = org.report("org.db");
    assert_eq!(rep["summary"]["errors"], 3, "{rep}");
}

#[test]
fn a_run_on_a_pipe_draws_no_progress() {
    let src = Source::new();
    src.write("a.env", &format!("A={T1}\n"));
    src.commit("a", 2);
    let org = Org::new();
    org.list(&[src.url()]);
    let out = org.scan("org.db", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stderr.contains('\r') && !out.stderr.contains('\u{1b}'),
        "progress bytes on a non-terminal: {:?}",
        out.stderr
    );
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines,
        ["nhiscan: 1 repository (1 checked, 0 failed), 1 blob scanned, 1 new finding"],
        "{:?}",
        out.stderr
    );
}

/// Ctrl-C mid-run: the repository written before it stays, none is started after it, the
/// run says so (exit 2), and the next run scans what was left and equals an uninterrupted run.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_the_datastore_consistent_and_the_next_run_resumes() {
    use std::net::TcpListener;
    let first = Source::new();
    first.write("a.env", &format!("A={T1}\n"));
    first.commit("a", 2);
    let last = Source::new();
    last.write("b.env", &format!("B={T2}\n"));
    last.commit("b", 3);
    // A server that accepts and says nothing until the test has pressed Ctrl-C.
    let stall = TcpListener::bind("127.0.0.1:0").unwrap();
    let stall_url = format!("http://{}/acme/stall.git", stall.local_addr().unwrap());
    let org = Org::new();
    org.list(&[first.url(), stall_url, last.url()]);
    let rules = org.fx.rules_path();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"))
        .args(["org", "scan", "--repos", "repos.txt", "--cache", "cache"])
        .args(["--datastore", "org.db", "--no-builtin", "--rules"])
        .arg(&rules)
        .args(["-j", "1", "-f", "json", "--fail-on", "none"])
        .current_dir(org.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // One job takes the list in order: the stalled fetch means the first repository is done.
    let (conn, _) = stall.accept().unwrap();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(conn);
    drop(stall);
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr).into_owned();
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("interrupted: 2 repositories not scanned; the next run resumes"),
        "{stderr}"
    );
    let after = org.report("org.db");
    assert_eq!(after["findings"].as_array().unwrap().len(), 1, "{after}");
    assert_eq!(after["summary"]["errors"], 0, "{after}");

    // The next run (the stalled server gone from the list) scans only what was left.
    org.list(&[first.url(), last.url()]);
    let next = org.scan("org.db", &[]);
    assert_eq!(next.code, 0, "{}", next.stderr);
    assert_eq!(next.json()["summary"]["blobs_scanned"], 1);
    let fresh = org.scan("fresh.db", &[]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert_eq!(
        states(&org.report("org.db")),
        states(&org.report("fresh.db"))
    );
}

/// The `run:` scripts of docs/workflow-org.yml that call `nhiscan org`, job by job, with the
/// matrix shard each runs for: the commands the example tells users to run, run here as they
/// are (the GitHub listing swapped for a repository list, the rules for the test rules).
#[test]
fn the_org_workflow_runs_as_written_and_its_merged_shards_equal_one_scan() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/workflow-org.yml"),
    )
    .unwrap();
    let wf: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let scripts = |job: &str| -> Vec<String> {
        wf["jobs"][job]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .filter(|r| r.contains("nhiscan org"))
            .map(str::to_string)
            .collect()
    };
    let shards: Vec<u64> = wf["jobs"]["shard"]["strategy"]["matrix"]["shard"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(shards, [1, 2]);

    let sources: Vec<Source> = (0..6)
        .map(|i| {
            let s = Source::new();
            s.write(&format!("r{i}/a.env"), &format!("A={T1}\nB={T2}\n"));
            s.commit("a", 2 + i);
            s
        })
        .collect();
    let org = Org::new();
    org.list(&sources.iter().map(Source::url).collect::<Vec<_>>());
    let rules = org.fx.rules_path();
    let bin = Path::new(env!("CARGO_BIN_EXE_nhiscan")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let summary = org.path().join("step-summary.md");
    let run = |script: &str, shard: u64| {
        let script = script
            .replace("${{ matrix.shard }}", &shard.to_string())
            .replace(
                "--github-org \"$ORG\"",
                &format!("--repos repos.txt --no-builtin --rules {}", rules.display()),
            );
        assert!(!script.contains("${{"), "{script}");
        let out = std::process::Command::new("bash")
            .args(["-eo", "pipefail", "-c", &script])
            .current_dir(org.path())
            .env("PATH", &path)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        let out = crate::action::output(out);
        assert_eq!(out.code, 0, "{script}\n{}{}", out.stdout, out.stderr);
    };
    let scan_scripts = scripts("shard");
    assert_eq!(scan_scripts.len(), 1, "{scan_scripts:?}");
    for &k in &shards {
        run(&scan_scripts[0], k);
    }
    let merge_scripts = scripts("merge");
    assert_eq!(merge_scripts.len(), 1, "{merge_scripts:?}");
    run(&merge_scripts[0], 0);

    let one = org.scan("one.db", &[]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let merged = org.report("org.db");
    assert_eq!(merged["findings"].as_array().unwrap().len(), 12, "{merged}");
    assert_eq!(states(&merged), states(&org.report("one.db")));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(org.path().join("org-report.json")).unwrap())
            .unwrap();
    assert_eq!(json["findings"], merged["findings"]);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(org.path().join("org.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // And one SARIF per repository, their results together those of the whole.
    let per_repo = walk(&org.path().join("sarif"));
    assert_eq!(per_repo.len(), 6, "{per_repo:?}");
    let results: usize = per_repo
        .iter()
        .map(|f| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            v["runs"][0]["results"].as_array().unwrap().len()
        })
        .sum();
    assert_eq!(
        results,
        sarif["runs"][0]["results"].as_array().unwrap().len()
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("12 findings"), "{md}");
    // Each repository went to exactly one shard.
    let per_shard: u64 = shards
        .iter()
        .map(|k| {
            let s: Value = serde_json::from_str(
                &std::fs::read_to_string(org.path().join(format!("shard-{k}.json"))).unwrap(),
            )
            .unwrap();
            s["summary"]["repos"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(per_shard, 6);
}

#[test]
fn codeowners_own_what_no_identity_does_and_per_repository_reports_hold_one_repository() {
    let a = Source::new();
    a.write(
        ".github/CODEOWNERS",
        "# owners\n*        @acme/everyone\n/deploy/ @acme/platform\n",
    );
    a.write("deploy/a.env", &format!("A={T1}\n"));
    a.write("deploy/b.env", &format!("B={T2}\n"));
    a.write("other/c.env", &format!("C={T3}\n"));
    a.commit("a", 2);
    let b = Source::new();
    b.write("x.env", &format!("X={T3}\n"));
    b.commit("b", 3);
    let org = Org::new();
    org.list(&[a.url(), b.url()]);
    org.fx.tree.write(
        "inv.yaml",
        format!(
            "version: 1\nidentities:\n  - id: deploy-token\n    kind: token\n    provider: testprov\n    \
             owner: team-a\n    purpose: deploys\n    created: 2024-01-01\n    status: active\n    \
             match:\n      fingerprints: ['{}']\n",
            fingerprint(T1)
        ),
    );
    let out = org.scan(
        "org.db",
        &["--inventory", "inv.yaml", "--now", "2024-06-01"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    assert_eq!(schema_errors(&r), Vec::<String>::new());
    let owners: Vec<(String, String, u64)> = r["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["owner"].as_str().unwrap().to_string(),
                o["source"].as_str().unwrap().to_string(),
                o["findings"].as_u64().unwrap(),
            )
        })
        .collect();
    let own = |o: &str, s: &str| (o.to_string(), s.to_string(), 1);
    // The inventory outranks CODEOWNERS; the last matching CODEOWNERS line wins; a repository
    // without CODEOWNERS leaves its findings unowned.
    assert_eq!(
        owners,
        [
            own("(unowned)", "none"),
            own("@acme/everyone", "codeowners"),
            own("@acme/platform", "codeowners"),
            own("team-a", "inventory"),
        ],
        "{r}"
    );
    let t2 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["locations"][0]["path"] == "deploy/b.env")
        .unwrap();
    assert_eq!(t2["codeowners"], serde_json::json!(["@acme/platform"]));
    let md = org.run(&[
        "org",
        "report",
        "--datastore",
        "org.db",
        "-f",
        "markdown",
        "--fail-on",
        "none",
        "--inventory",
        "inv.yaml",
        "--now",
        "2024-06-01",
    ]);
    assert!(
        md.stdout
            .contains("| @acme/platform (CODEOWNERS) | 1 | 1 | 0 |"),
        "{}",
        md.stdout
    );

    // One SARIF per repository, each valid and holding only its own repository's results.
    let out = org.run(&[
        "org",
        "report",
        "--datastore",
        "org.db",
        "-f",
        "sarif",
        "--fail-on",
        "none",
        "--per-repo",
        "sarif",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let whole: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(whole["runs"][0]["results"].as_array().unwrap().len(), 4);
    let mut files: Vec<PathBuf> = walk(&org.path().join("sarif"));
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    let v = jsonschema::draft4::new(&schema).unwrap();
    let mut counts = Vec::new();
    for f in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let repo = f
            .strip_prefix(org.path().join("sarif"))
            .unwrap()
            .with_extension("")
            .display()
            .to_string();
        for res in results {
            let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(uri.starts_with(&format!("{repo}/")), "{uri} not of {repo}");
        }
        counts.push(results.len());
    }
    counts.sort();
    assert_eq!(counts, [1, 3]);
    // --repo: one repository's report; an unknown one is an error.
    let one = org.run(&[
        "org",
        "report",
        "--datastore",
        "org.db",
        "-f",
        "json",
        "--fail-on",
        "none",
        "--repo",
        r["findings"][0]["repo"].as_str().unwrap(),
    ]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.json()["summary"]["repos"], 1);
    let none = org.run(&[
        "org",
        "report",
        "--datastore",
        "org.db",
        "--repo",
        "no/such",
    ]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("no/such: no such repository"),
        "{}",
        none.stderr
    );
}

#[test]
fn keyed_fingerprints_in_org_reports_still_match_the_inventory_and_hide_the_key() {
    let a = Source::new();
    a.write("a.env", &format!("A={T1}\n"));
    a.commit("a", 2);
    let org = Org::new();
    org.list(&[a.url()]);
    org.fx.tree.write(
        "inv.yaml",
        format!(
            "version: 1\nidentities:\n  - id: deploy-token\n    kind: token\n    provider: testprov\n    \
             owner: team-a\n    purpose: deploys\n    created: 2024-01-01\n    status: active\n    \
             match:\n      fingerprints: ['{}']\n",
            fingerprint(T1)
        ),
    );
    let key = "org-fingerprint-key-not-for-output";
    let out = org.scan_env(
        "org.db",
        &[
            "--inventory",
            "inv.yaml",
            "--now",
            "2024-06-01",
            "--fingerprint-key-env",
            "ORG_FP_KEY",
        ],
        &[("ORG_FP_KEY", key)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains(key) && !out.stderr.contains(key));
    let r = out.json();
    assert_eq!(schema_errors(&r), Vec::<String>::new());
    let f = &r["findings"][0];
    assert_eq!(f["identity"]["id"], "deploy-token", "{r}");
    let fp = f["fingerprint"].as_str().unwrap();
    assert!(fp.starts_with("hmac-sha256:"), "{fp}");
    assert_ne!(fp, fingerprint(T1).replace("sha256:", "hmac-sha256:"));
    // The datastore keeps the plain fingerprint: a report without the key shows it.
    assert_eq!(
        org.report("org.db")["findings"][0]["fingerprint"],
        fingerprint(T1)
    );
    // A key variable that is not set is an error, not a silently plain report.
    let unset = org.run(&[
        "org",
        "report",
        "--datastore",
        "org.db",
        "--fingerprint-key-env",
        "NO_SUCH_KEY_VAR",
    ]);
    assert_eq!(unset.code, 2);
    assert!(unset.stderr.contains("NO_SUCH_KEY_VAR"), "{}", unset.stderr);
}

/// An org run drops a CI job's throwaway database as `scan` does (password = user on
/// localhost), and still reports a real-looking password on another host of the same file.
#[test]
fn org_runs_drop_ci_throwaway_databases_as_scan_does() {
    let a = Source::new();
    a.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      postgres:\n        image: postgres:16\n    steps:\n      - run: make test\n        env:\n          DATABASE_URL: postgres://postgres:postgres@localhost:5432/app_test\n          REPLICA_URL: postgres://app:Zx9qL2vRt7KpW3@db.prod.acme-corp.io:5432/app\n",
    );
    a.commit("ci", 2);
    let org = Org::new();
    org.list(&[a.url()]);
    let previews = |args: &[&str]| -> Vec<String> {
        let out = run_in(org.path(), args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stdout.contains("Zx9qL2vRt7KpW3"), "{}", out.stdout);
        let mut p: Vec<String> = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["redacted"].as_str().unwrap_or("?").to_string())
            .collect();
        p.sort();
        p
    };
    let src = a.path().to_str().unwrap().to_string();
    let scan = previews(&[
        "scan",
        &src,
        "--git",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let mut org_args = org_scan_args("org.db", None);
    org_args.extend(["--fail-on", "none"]);
    let org_run = previews(&org_args);
    assert_eq!(scan, vec!["Zx9…(14 chars)".to_string()]);
    assert_eq!(org_run, scan);
}

/// The datastore keeps why a confidence was lowered: a secret seen only under `tests/` is
/// reported `low` with its reason by the run and by `org report`; once a later commit puts it
/// in application code too, it has the rule's confidence again.
#[test]
fn the_datastore_keeps_the_test_path_reason_until_the_secret_leaves_the_tests() {
    let a = Source::new();
    a.write("tests/fixtures/a.env", &format!("A={T1}\n"));
    a.commit("fixture", 2);
    let org = Org::new();
    org.list(&[a.url()]);
    let first = |r: &Value| {
        let f = &r["findings"][0];
        (
            f["confidence"].as_str().unwrap_or("?").to_string(),
            f["confidence_reason"].as_str().map(str::to_string),
        )
    };
    let low = ("low".to_string(), Some("test or fixture path".to_string()));
    let out = org.scan("org.db", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(first(&out.json()), low);
    assert_eq!(first(&org.report("org.db")), low);
    a.write("src/app.env", &format!("# the app\nA={T1}\n"));
    a.commit("app", 3);
    let out = org.scan("org.db", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = org.report("org.db");
    assert_eq!(r["findings"].as_array().unwrap().len(), 1, "{r}");
    assert_ne!(first(&r).0, "low", "{r}");
    assert_eq!(first(&r).1, None, "{r}");
}

/// A second rule file whose token (`oth_` + 24) the first runs' rules do not know.
const OTHER_RULE: &str = r#"
rules:
  - id: other-token
    name: Other test token
    description: A second token format used only by the test suite.
    provider: otherprov
    kind: token
    pattern: '\b(?P<secret>oth_[A-Za-z0-9]{24})\b'
    keywords: [oth_]
    min_entropy: 3.0
    severity: error
    confidence: high
    references: [https://example.invalid/doc]
    remediation: Revoke it.
    examples:
      - text: 'x = oth_Q8rN2LmK7vTy5Bs4Zp9xW3hD'
        secret: oth_Q8rN2LmK7vTy5Bs4Zp9xW3hD
    negative_examples:
      - 'oth_short'
"#;
const O1: &str = "oth_W3hDq8Rn2LmK7vTy5Bs4Zp9x";

/// Blobs an earlier run read are skipped only while the detection is the same: a rule added
/// (or any other change of what a scan reports) reaches the history already read, once.
#[test]
fn changed_rules_read_known_history_again_once() {
    let src = Source::new();
    src.write("a.env", &format!("A={T1}\n"));
    src.write("b.cfg", &format!("other = {O1}\n"));
    src.commit("two tokens, one the first rules know", 2);
    let org = Org::new();
    org.list(&[src.url()]);
    let rule_ids = |r: &Value| -> Vec<String> {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };

    let first = org.scan("org.db", &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(rule_ids(&first.json()), ["test-token"]);
    assert!(
        !first.stderr.contains("read in full again"),
        "{}",
        first.stderr
    );

    // The same refs, the same rules: nothing is read.
    let same = org.scan("org.db", &[]);
    assert_eq!(same.json()["summary"]["blobs_scanned"], 0);

    // A rule file added: both blobs of the unchanged history are read again.
    let other = org.path().join("other.yaml");
    std::fs::write(&other, OTHER_RULE).unwrap();
    let more = org.scan("org.db", &["--rules", other.to_str().unwrap()]);
    assert_eq!(more.code, 0, "{}", more.stderr);
    assert!(
        more.stderr
            .contains("the rules or detection settings changed since the last run: 1 repository read in full again"),
        "{}",
        more.stderr
    );
    let r = more.json();
    assert_eq!(r["summary"]["blobs_scanned"], 2, "{r}");
    assert_eq!(rule_ids(&r), ["other-token", "test-token"]);
    assert!(!more.stdout.contains(O1) && !more.stderr.contains(O1));
    // The known finding kept its history (first seen on day 2, still open).
    assert_eq!(
        states(&r)
            .into_iter()
            .map(|s| (s.1, s.2, s.3))
            .collect::<Vec<_>>(),
        vec![
            ("a.env".to_string(), "open".to_string(), day(2)),
            ("b.cfg".to_string(), "open".to_string(), day(2)),
        ]
    );

    // Once read with these rules, a run with them reads nothing again.
    let again = org.scan("org.db", &["--rules", other.to_str().unwrap()]);
    assert_eq!(again.json()["summary"]["blobs_scanned"], 0);
    assert!(
        !again.stderr.contains("read in full again"),
        "{}",
        again.stderr
    );

    // Another `--confidence` (the minimum reported) is another detection too.
    let conf = org.scan(
        "org.db",
        &["--rules", other.to_str().unwrap(), "--confidence", "high"],
    );
    assert_eq!(conf.code, 0, "{}", conf.stderr);
    assert_eq!(conf.json()["summary"]["blobs_scanned"], 2);

    // A datastore written before the digest was kept (schema v4) is read in full once.
    let s = nhiscan::org::store::Store::open(&org.path().join("org.db")).unwrap();
    s.conn
        .execute("UPDATE repos SET detection = NULL", [])
        .unwrap();
    drop(s);
    let upgraded = org.scan(
        "org.db",
        &["--rules", other.to_str().unwrap(), "--confidence", "high"],
    );
    assert_eq!(upgraded.json()["summary"]["blobs_scanned"], 2);
    assert!(
        upgraded.stderr.contains("read in full again"),
        "{}",
        upgraded.stderr
    );
    assert!(!upgraded.stderr.contains("dropped"), "{}", upgraded.stderr);

    // The rule file taken away again: its finding, whose every blob was read again, is no
    // longer reported and leaves the datastore, as a fresh datastore would not hold it; the
    // other keeps its history.
    let fewer = org.scan("org.db", &[]);
    assert_eq!(fewer.code, 0, "{}", fewer.stderr);
    assert!(
        fewer
            .stderr
            .contains("1 repository read in full again; 1 finding no longer reported, dropped"),
        "{}",
        fewer.stderr
    );
    let r = fewer.json();
    assert_eq!(rule_ids(&r), ["test-token"]);
    assert_eq!(r["findings"][0]["first_seen"], day(2));
    assert_eq!(rule_ids(&org.report("org.db")), ["test-token"]);
    let s = nhiscan::org::store::Store::open(&org.path().join("org.db")).unwrap();
    let orphans: i64 = s
        .conn
        .query_row(
            "SELECT COUNT(*) FROM locations WHERE finding_id NOT IN (SELECT id FROM findings)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "the dropped finding's locations went with it");
}
