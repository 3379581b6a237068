//! The `nhiscan-bin` pre-commit hook, run by the real `pre-commit` (`try-repo`) from a hook
//! repository holding this repository's `.pre-commit-hooks.yaml`, `Cargo.toml` and `action/`
//! scripts unchanged, against a release directory (`file://`) holding the test build of
//! nhiscan as `nhiscan-v0.1.0-x86_64-unknown-linux-musl.tar.gz` with its SHA256SUMS. PATH has
//! no nhiscan: only the downloaded, verified binary can find the secret.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::action::{output, publish_release};
use crate::harness::python_tool;
use crate::harness::{git, Output};

const SECRET: &str = "q7Rz2LxN4vKp9TmW";

struct Env {
    dir: tempfile::TempDir,
    hooks: PathBuf,
    project: PathBuf,
}

impl Env {
    fn new(good_checksum: bool) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let hooks = dir.path().join("hooks");
        std::fs::create_dir_all(hooks.join("action")).unwrap();
        for f in [".pre-commit-hooks.yaml", "Cargo.toml"] {
            std::fs::copy(root.join(f), hooks.join(f)).unwrap();
        }
        for f in ["hook-bin.sh", "release.sh"] {
            std::fs::copy(root.join("action").join(f), hooks.join("action").join(f)).unwrap();
        }
        git(&hooks, &["init", "-q"], None);
        git(&hooks, &["add", "-A"], None);
        git(&hooks, &["commit", "-q", "-m", "hooks"], None);

        let rel = dir.path().join("releases/v0.1.0");
        let stage = dir.path().join("stage");
        std::fs::create_dir_all(&rel).unwrap();
        std::fs::create_dir_all(&stage).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_nhiscan"), stage.join("nhiscan")).unwrap();
        publish_release(&stage, &rel, good_checksum);

        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).unwrap();
        git(&project, &["init", "-q"], None);
        std::fs::write(project.join("README.md"), "hello\n").unwrap();
        git(&project, &["add", "-A"], None);
        git(&project, &["commit", "-q", "-m", "init"], None);
        Env {
            dir,
            hooks,
            project,
        }
    }

    fn try_repo(&self) -> Output {
        let d = self.dir.path();
        let out = python_tool("pre-commit")
            .args([
                "try-repo",
                self.hooks.to_str().unwrap(),
                "nhiscan-bin",
                "--verbose",
            ])
            .current_dir(&self.project)
            .env("PRE_COMMIT_HOME", d.join("pre-commit-home"))
            .env("NHISCAN_CACHE_DIR", d.join("cache"))
            .env(
                "NHISCAN_RELEASE_URL",
                format!("file://{}", d.join("releases").display()),
            )
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env_remove("PRE_COMMIT_FROM_REF")
            .env_remove("PRE_COMMIT_TO_REF")
            .output()
            .expect("run pre-commit: `python3 -m pip install pre-commit`");
        let out = output(out);
        assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));
        out
    }
}

#[test]
fn the_binary_hook_downloads_verifies_caches_and_blocks_a_staged_secret() {
    let which = Command::new("sh")
        .args(["-c", "command -v nhiscan"])
        .output()
        .unwrap();
    assert!(
        !which.status.success(),
        "an nhiscan on PATH would hide what this test checks"
    );
    let e = Env::new(true);
    std::fs::write(
        e.project.join("deploy.env"),
        format!("API_TOKEN=\"{SECRET}\"\n"),
    )
    .unwrap();
    git(&e.project, &["add", "deploy.env"], None);
    let start = Instant::now();
    let out = e.try_repo();
    let first = start.elapsed();
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("deploy.env"), "{}", out.stdout);
    assert!(out.stdout.contains("as in SHA256SUMS"), "{}", out.stdout);
    let cached = e
        .dir
        .path()
        .join("cache/0.1.0/x86_64-unknown-linux-musl/nhiscan");
    assert!(cached.is_file());
    // Installed once: with the release gone, the cached binary still runs.
    std::fs::remove_dir_all(e.dir.path().join("releases")).unwrap();
    let out = e.try_repo();
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("SHA256SUMS"), "{}", out.stdout);
    eprintln!("nhiscan-bin first install + run (local release): {first:?}");

    // A binary that does not match SHA256SUMS is never run.
    let e = Env::new(false);
    let out = e.try_repo();
    // pre-commit exits 1 for any failed hook; the hook's own exit code is in its report.
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("exit code: 2"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("does not match the release's SHA256SUMS"),
        "{}",
        out.stdout
    );
    assert!(!e
        .dir
        .path()
        .join("cache/0.1.0/x86_64-unknown-linux-musl/nhiscan")
        .exists());
}
