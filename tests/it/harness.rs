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
    run_in_env(dir, args, &[])
}

/// `run_in` with extra environment variables.
pub fn run_in_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_nhiscan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
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

/// `(rule_id, line)` of every location in a JSON report, sorted by line (then rule).
pub fn rule_lines(report: &serde_json::Value) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = locations(report)
        .into_iter()
        .map(|(rule, _, line, _)| (rule, line))
        .collect();
    out.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    out
}

/// `(rule_id, fingerprint)` of every finding of a JSON report, in report order.
pub fn rule_fingerprints(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `(path, rule_id, line, column)` of every risk of a `pipelines -f json` report, in order.
pub fn risk_rows(report: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    report["risks"]
        .as_array()
        .expect("risks array")
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["rule_id"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["column"].as_u64().unwrap(),
            )
        })
        .collect()
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

/// A command for the Python tool `name` (pre-commit, check-jsonschema, shellcheck) from the
/// test suite's own virtual environment: `target/test-tools/venv-<hash of
/// tests/tools/requirements.txt>`, made on first use with `python3 -m venv` and the pinned
/// versions, never the system's or the user's Python. One process makes it under an exclusive
/// file lock (test threads and concurrent test processes wait for it); a half-made
/// environment is never used. When it cannot be made, the test fails with one line saying
/// what is missing and how to get it.
pub fn python_tool(name: &str) -> Command {
    static BIN: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    match BIN.get_or_init(provision_tools) {
        Ok(bin) => Command::new(bin.join(name)),
        Err(e) => panic!("{e}"),
    }
}

fn provision_tools() -> Result<PathBuf, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let req = manifest.join("tests/tools/requirements.txt");
    let text = std::fs::read(&req).map_err(|e| format!("{}: {e}", req.display()))?;
    // FNV-1a: stable across Rust versions, unlike the std hasher.
    let hash = text.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    });
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("target"));
    let root = target.join("test-tools");
    let venv = root.join(format!("venv-{hash:016x}"));
    let bin = venv.join(if cfg!(windows) { "Scripts" } else { "bin" });
    let done = venv.join(".complete");
    if done.is_file() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    // The lock is a directory (its creation is atomic); one left by a killed process is
    // taken over once older than the longest install.
    let lock = root.join(format!("venv-{hash:016x}.lock"));
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if done.is_file() {
                    return Ok(bin);
                }
                let age = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok());
                if age.is_some_and(|a| a > std::time::Duration::from_secs(600)) {
                    let _ = std::fs::remove_dir(&lock);
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            Err(e) => return Err(format!("{}: {e}", lock.display())),
        }
    }
    let made = make_venv(&venv, &bin, &req, &done);
    let _ = std::fs::remove_dir(&lock);
    made.map(|()| bin)
}

fn make_venv(venv: &Path, bin: &Path, req: &Path, done: &Path) -> Result<(), String> {
    if done.is_file() {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(venv);
    let fail = |what: &str, out: std::io::Result<std::process::Output>| -> Result<(), String> {
        match out {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "test tools: {what} failed: {}",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
            )),
            Err(e) => Err(format!("test tools: {what} could not run: {e}")),
        }
    };
    fail(
        "`python3 -m venv` (install python3 with venv, e.g. `apt install python3-venv`)",
        Command::new("python3")
            .args(["-m", "venv"])
            .arg(venv)
            .output(),
    )?;
    fail(
        "`pip install -r tests/tools/requirements.txt` (needs access to PyPI)",
        Command::new(bin.join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(req)
            .output(),
    )?;
    std::fs::write(done, b"").map_err(|e| format!("{}: {e}", done.display()))
}
