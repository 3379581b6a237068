//! The GitHub Action: `action.yml` and the workflows validated offline against GitHub's schemas
//! (`check-jsonschema`, from the suite's own pinned tools: `harness::python_tool`), and the composite's shell steps run with
//! a fabricated `GITHUB_EVENT_PATH`, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::Output;

const SECRET: &str = "q7Rz2LxN4vKp9TmW";

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn output(out: std::process::Output) -> Output {
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `check-jsonschema --builtin-schema SCHEMA FILES…`. Missing is a failure, never a skip.
fn check_jsonschema(schema: &str, files: &[&Path]) -> Output {
    let mut cmd = crate::harness::python_tool("check-jsonschema");
    let out = cmd
        .args(["--builtin-schema", schema])
        .args(files)
        .output()
        .expect("run check-jsonschema");
    output(out)
}

#[test]
fn action_and_workflows_are_valid_for_githubs_schemas() {
    let out = check_jsonschema("vendor.github-actions", &[&repo_file("action.yml")]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let workflows = [
        repo_file(".github/workflows/release.yml"),
        repo_file(".github/workflows/ci.yml"),
        repo_file(".github/workflows/self-test.yml"),
        repo_file("docs/workflow-pr.yml"),
        repo_file("docs/workflow-nightly.yml"),
        repo_file("docs/workflow-org.yml"),
    ];
    let refs: Vec<&Path> = workflows.iter().map(|p| p.as_path()).collect();
    let out = check_jsonschema("vendor.github-workflows", &refs);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // The validator does reject a broken action: the check above can fail.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("action.yml");
    let text = std::fs::read_to_string(repo_file("action.yml")).unwrap();
    std::fs::write(&broken, text.replace("using: composite", "using: teleport")).unwrap();
    let out = check_jsonschema("vendor.github-actions", &[&broken]);
    assert_ne!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

fn git(dir: &Path, args: &[&str]) -> String {
    crate::harness::git(dir, args, None)
}

/// A repository with a clean first commit and a second one that adds a secret.
struct Runner {
    dir: tempfile::TempDir,
    base: String,
    head: String,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q"]);
        std::fs::write(repo.join("README.md"), "hello\n").unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "init"]);
        let base = git(&repo, &["rev-parse", "HEAD"]);
        std::fs::write(
            repo.join("app.env"),
            format!("# cfg\nAPI_TOKEN=\"{SECRET}\"\n"),
        )
        .unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "config"]);
        let head = git(&repo, &["rev-parse", "HEAD"]);
        Runner { dir, base, head }
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// Run action/run.sh for `event` with `payload`; (output, GITHUB_OUTPUT, summary).
    fn run(
        &self,
        event: &str,
        payload: serde_json::Value,
        inputs: &[(&str, &str)],
    ) -> (Output, String, String) {
        let tmp = self.dir.path().join(format!("runner-{event}"));
        std::fs::create_dir_all(&tmp).unwrap();
        let event_path = tmp.join("event.json");
        std::fs::write(&event_path, payload.to_string()).unwrap();
        let gh_output = tmp.join("output");
        let gh_summary = tmp.join("summary.md");
        let mut cmd = Command::new("bash");
        cmd.arg(repo_file("action/run.sh"))
            .current_dir(self.repo())
            .env("NHISCAN", env!("CARGO_BIN_EXE_nhiscan"))
            .env("NO_COLOR", "1")
            .env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_OUTPUT", &gh_output)
            .env("GITHUB_STEP_SUMMARY", &gh_summary)
            .env("RUNNER_TEMP", &tmp);
        for (k, v) in inputs {
            cmd.env(k, v);
        }
        let out = output(cmd.output().expect("run action/run.sh"));
        let o = std::fs::read_to_string(&gh_output).unwrap_or_default();
        let s = std::fs::read_to_string(&gh_summary).unwrap_or_default();
        for text in [&out.stdout, &out.stderr, &o, &s] {
            assert!(
                !text.contains(SECRET),
                "the action printed the secret:\n{text}"
            );
        }
        let report = std::fs::read_to_string(tmp.join("nhiscan-report.json")).unwrap_or_default();
        assert!(!report.contains(SECRET));
        (out, o, s)
    }
}

#[test]
fn issue_12_pull_request_event_one_scan_writes_outputs_summary_annotations_and_sarif() {
    let r = Runner::new();
    let payload = serde_json::json!({
        "action": "opened",
        "number": 7,
        "pull_request": {"number": 7, "base": {"sha": r.base, "ref": "main"},
                          "head": {"sha": r.head, "ref": "feature"}}
    });
    let (out, o, s) = r.run(
        "pull_request",
        payload,
        &[("INPUT_MODE", "auto"), ("INPUT_SARIF", "nhiscan.sarif")],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("--diff {}...{}", r.base, r.head)),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "::error file=app.env,line=2,col=12,endColumn=28,title=Secret assigned to a secret-named key (generic-secret-assignment)::"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("q7Rz…(16 chars)"), "{}", out.stdout);
    assert!(o.contains("findings=1\n"), "{o}");
    assert!(o.contains("failing=1\n"), "{o}");
    // Findings fail the policy, and the SARIF output is still set (it used to be empty).
    assert!(o.contains("sarif=nhiscan.sarif\n"), "{o}");
    assert!(r.repo().join("nhiscan.sarif").is_file());
    // One scan: JSON, SARIF and Markdown from the same run.
    assert_eq!(
        out.stdout.matches("nhiscan scan ").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(o.contains("markdown="), "{o}");
    assert!(s.contains("<!-- nhiscan:report -->"), "{s}");
    assert!(s.contains("`app.env:2`"), "{s}");
    assert!(s.contains("q7Rz…(16 chars)"), "{s}");

    // fail-on none: the same findings, exit 0.
    let payload =
        serde_json::json!({"pull_request": {"base": {"sha": r.base}, "head": {"sha": r.head}}});
    let (out, o, _) = r.run("pull_request", payload, &[("INPUT_FAIL_ON", "none")]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        o.contains("findings=1\n") && o.contains("failing=0\n"),
        "{o}"
    );
}

#[test]
fn push_event_scans_before_to_after() {
    let r = Runner::new();
    // A push that only re-pushes the base adds nothing.
    let (out, o, s) = r.run(
        "push",
        serde_json::json!({"before": r.base, "after": r.base}),
        &[],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(o.contains("findings=0\n"), "{o}");
    assert!(s.contains(&format!("`{}..{}`", r.base, r.base)), "{s}");
    // The push of the commit that adds the secret fails.
    let (out, o, _) = r.run(
        "push",
        serde_json::json!({"before": r.base, "after": r.head}),
        &[],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(o.contains("findings=1\n"), "{o}");
    // A new branch (before is all zeros): the commits new to it.
    let zeros = "0".repeat(40);
    let (out, o, _) = r.run(
        "push",
        serde_json::json!({"before": zeros, "after": r.head}),
        &[],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(o.contains("findings=1\n"), "{o}");
}

#[test]
fn schedule_runs_a_full_scan_and_bad_input_is_a_clear_error() {
    let r = Runner::new();
    let (out, o, s) = r.run(
        "schedule",
        serde_json::json!({"schedule": "17 3 * * *"}),
        &[],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("--diff"), "{}", out.stdout);
    assert!(s.contains("whole tree (full)"), "{s}");
    assert!(o.contains("findings=1\n"), "{o}");

    // With an inventory, the nightly run adds the governance audit to the summary.
    std::fs::write(
        r.repo().join("nhi-inventory.yaml"),
        "version: 1\nidentities: []\n",
    )
    .unwrap();
    let (out, o, s) = r.run("workflow_dispatch", serde_json::json!({}), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(s.contains("whole tree (audit)"), "{s}");
    assert!(s.contains("### Governance audit"), "{s}");
    assert!(o.contains("audit="), "{o}");

    // Issue 12: a baseline with mode audit went to `nhiscan audit` too, which has no
    // --baseline (exit 2). The baseline accepts the finding: the scan passes.
    let b = crate::harness::run_in(&r.repo(), &["baseline", "create", "base.json", "."]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let (out, o, _) = r.run(
        "schedule",
        serde_json::json!({}),
        &[("INPUT_MODE", "audit"), ("INPUT_BASELINE", "base.json")],
    );
    assert_ne!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(o.contains("findings=0\n") && o.contains("audit="), "{o}");

    let (out, _, _) = r.run("schedule", serde_json::json!({}), &[("INPUT_MODE", "diff")]);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout.contains("::error::nhiscan: mode 'diff' needs"),
        "{}",
        out.stdout
    );
    let (out, _, _) = r.run("push", serde_json::json!({}), &[]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("has no commit range"), "{}", out.stdout);
}

/// Publish `stage/nhiscan` into the release directory `rel` as
/// `nhiscan-v0.1.0-x86_64-unknown-linux-musl.tar.gz` with its `SHA256SUMS` (a wrong sum when
/// `good_checksum` is false).
pub fn publish_release(stage: &Path, rel: &Path, good_checksum: bool) {
    let asset = "nhiscan-v0.1.0-x86_64-unknown-linux-musl.tar.gz";
    let st = Command::new("tar")
        .args([
            "-czf",
            rel.join(asset).to_str().unwrap(),
            "-C",
            stage.to_str().unwrap(),
            "nhiscan",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let sum = Command::new("sha256sum")
        .arg(asset)
        .current_dir(rel)
        .output()
        .unwrap();
    let mut sums = String::from_utf8(sum.stdout).unwrap();
    if !good_checksum {
        sums = format!("{}{}", "0".repeat(64), &sums[64..]);
    }
    std::fs::write(rel.join("SHA256SUMS"), sums).unwrap();
}

/// A fake release directory served through `file://`, and a stub `cargo` on PATH that records
/// how it was called (the fallback must not build the crate here).
struct Release {
    dir: tempfile::TempDir,
}

impl Release {
    fn new(good_checksum: bool) -> Release {
        let dir = tempfile::tempdir().unwrap();
        let stage = dir.path().join("stage");
        let rel = dir.path().join("releases/v0.1.0");
        std::fs::create_dir_all(&stage).unwrap();
        std::fs::create_dir_all(&rel).unwrap();
        std::fs::write(
            stage.join("nhiscan"),
            "#!/bin/sh\n[ \"$1\" = --version ] && echo nhiscan 0.1.0 && exit\necho released nhiscan\n",
        )
        .unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(stage.join("nhiscan"))
            .status()
            .unwrap();
        publish_release(&stage, &rel, good_checksum);
        let stub = dir.path().join("stub");
        std::fs::create_dir_all(&stub).unwrap();
        let cargo = stub.join("cargo");
        std::fs::write(
            &cargo,
            "#!/bin/sh\necho \"$@\" > \"$STUB_LOG\"\nwhile [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\" && printf '#!/bin/sh\\n' > \"$2/bin/nhiscan\" && chmod +x \"$2/bin/nhiscan\"\n",
        )
        .unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(&cargo)
            .status()
            .unwrap();
        Release { dir }
    }

    /// Run action/install.sh for `os`/`arch`; (output, GITHUB_PATH, cargo stub log).
    fn install(&self, os: &str, arch: &str) -> (Output, String, String) {
        let d = self.dir.path();
        let path = format!(
            "{}:{}",
            d.join("stub").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg(repo_file("action/install.sh"))
            .env("PATH", path)
            .env("NHISCAN_VERSION", "0.1.0")
            .env("NHISCAN_INSTALL_DIR", d.join("tool"))
            .env(
                "NHISCAN_RELEASE_URL",
                format!("file://{}", d.join("releases").display()),
            )
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("GITHUB_PATH", d.join("github_path"))
            .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
            .env("STUB_LOG", d.join("cargo.log"))
            .output()
            .unwrap();
        let gp = std::fs::read_to_string(d.join("github_path")).unwrap_or_default();
        let log = std::fs::read_to_string(d.join("cargo.log")).unwrap_or_default();
        (output(out), gp, log)
    }
}

#[test]
fn install_verifies_the_release_checksum_caches_and_falls_back_to_cargo() {
    let r = Release::new(true);
    let (out, gp, log) = r.install("Linux", "X64");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let bin = r.dir.path().join("tool/bin/nhiscan");
    assert!(std::fs::read_to_string(&bin)
        .unwrap()
        .contains("released nhiscan"));
    assert_eq!(
        gp.trim(),
        r.dir.path().join("tool/bin").display().to_string()
    );
    assert!(log.is_empty(), "cargo ran: {log}");
    let (out, _, _) = r.install("Linux", "X64");
    assert!(out.stdout.contains("cached"), "{}", out.stdout);

    // A binary that does not match SHA256SUMS is never installed: build from source instead.
    let r = Release::new(false);
    let (out, _, log) = r.install("Linux", "X64");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("does not match SHA256SUMS"),
        "{}",
        out.stdout
    );
    assert!(log.starts_with("install --locked --root "), "{log}");
    assert!(
        log.contains(&format!("--path {}", env!("CARGO_MANIFEST_DIR"))),
        "{log}"
    );
    let bin = r.dir.path().join("tool/bin/nhiscan");
    assert!(!std::fs::read_to_string(&bin).unwrap().contains("released"));

    // No binary for this platform: build from source.
    let r = Release::new(true);
    let (out, _, log) = r.install("FreeBSD", "X64");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(log.starts_with("install --locked"), "{log}");
    // A platform with a release name but no asset published: a notice, then cargo.
    let r = Release::new(true);
    let (out, _, log) = r.install("Linux", "ARM64");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("no release binary"), "{}", out.stdout);
    assert!(log.starts_with("install --locked"), "{log}");
}
