//! A small test harness: a temporary tree per test, helpers to write files into it, and a
//! runner for the real `nhiscan` binary that captures stdout, stderr and the exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Run `nhiscan` with `args`, in this tree.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args)
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_nhiscan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run nhiscan");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `(rule_id, path, line, column)` of every location in a JSON report, sorted.
pub fn locations(report: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    let mut out = Vec::new();
    for f in report["findings"].as_array().expect("findings array") {
        for l in f["locations"].as_array().expect("locations array") {
            out.push((
                f["rule_id"].as_str().unwrap().to_string(),
                l["path"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
                l["column"].as_u64().unwrap(),
            ));
        }
    }
    out.sort();
    out
}

/// Run `git` in `dir` with a fixed identity, no user or system config, and (when given) a
/// fixed author and committer date; panics with git's stderr on failure. Returns stdout,
/// trimmed.
pub fn git(dir: &Path, args: &[&str], date: Option<&str>) -> String {
    let mut cmd = Command::new("git");
    cmd.args([
        "-c",
        "commit.gpgsign=false",
        "-c",
        "init.defaultBranch=main",
    ])
    .args(args)
    .current_dir(dir)
    .env("GIT_CONFIG_GLOBAL", "/dev/null")
    .env("GIT_CONFIG_NOSYSTEM", "1")
    .env("GIT_AUTHOR_NAME", "Ada Lovelace")
    .env("GIT_AUTHOR_EMAIL", "ada@example.com")
    .env("GIT_COMMITTER_NAME", "Ada Lovelace")
    .env("GIT_COMMITTER_EMAIL", "ada@example.com");
    if let Some(d) = date {
        cmd.env("GIT_AUTHOR_DATE", d).env("GIT_COMMITTER_DATE", d);
    }
    let out = cmd.output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
