//! The pre-commit hook, run by the real `pre-commit` (PyPI; `.ci/run` installs it) through
//! `pre-commit try-repo` in temporary repositories.
//!
//! The hook repository is this repository's `.pre-commit-hooks.yaml` with one change:
//! `language: rust` becomes `language: system`, so pre-commit runs the `nhiscan` this test
//! suite built (found on `PATH`) instead of a release `cargo install` of the whole crate.
//! Everything else — id, entry, `pass_filenames`, stages — is used as written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::Output;

const SECRET: &str = "q7Rz2LxN4vKp9TmW";

fn git(dir: &Path, args: &[&str]) -> String {
    crate::harness::git(dir, args, None)
}

/// The command that runs pre-commit, from the suite's pinned tools.
fn pre_commit_command() -> Command {
    crate::harness::python_tool("pre-commit")
}

struct HookEnv {
    _dir: tempfile::TempDir,
    hooks: PathBuf,
    project: PathBuf,
    home: PathBuf,
}

impl HookEnv {
    fn new() -> HookEnv {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("hooks");
        let project = dir.path().join("project");
        let home = dir.path().join("pre-commit-home");
        for d in [&hooks, &project, &home] {
            std::fs::create_dir_all(d).unwrap();
        }
        let def = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        )
        .unwrap();
        assert!(def.contains("  language: rust\n"), "{def}");
        assert!(def.contains("  entry: nhiscan scan --staged\n"), "{def}");
        assert!(def.contains("  pass_filenames: false\n"), "{def}");
        assert!(def.contains("  stages: [pre-commit, pre-push]\n"), "{def}");
        let def = def.replace("  language: rust\n", "  language: system\n");
        std::fs::write(hooks.join(".pre-commit-hooks.yaml"), def).unwrap();
        git(&hooks, &["init", "-q"]);
        git(&hooks, &["add", "-A"]);
        git(&hooks, &["commit", "-q", "-m", "hooks"]);

        git(&project, &["init", "-q"]);
        std::fs::write(project.join("README.md"), "hello\n").unwrap();
        git(&project, &["add", "-A"]);
        git(&project, &["commit", "-q", "-m", "init"]);
        HookEnv {
            _dir: dir,
            hooks,
            project,
            home,
        }
    }

    fn write(&self, rel: &str, content: &str) {
        std::fs::write(self.project.join(rel), content).unwrap();
    }

    /// `pre-commit try-repo HOOKS nhiscan EXTRA…` in the project.
    fn try_repo(&self, extra: &[&str]) -> Output {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_nhiscan")).parent().unwrap();
        let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let out = pre_commit_command()
            .args([
                "try-repo",
                self.hooks.to_str().unwrap(),
                "nhiscan",
                "--verbose",
            ])
            .args(extra)
            .current_dir(&self.project)
            .env("PATH", path)
            .env("PRE_COMMIT_HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env_remove("PRE_COMMIT_FROM_REF")
            .env_remove("PRE_COMMIT_TO_REF")
            .output()
            .expect("run pre-commit");
        let out = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
            "the hook printed the secret:\n{}\n{}",
            out.stdout,
            out.stderr
        );
        out
    }
}

#[test]
fn a_staged_secret_blocks_the_commit_and_says_how_to_allow_it() {
    let h = HookEnv::new();
    h.write("app.env", &format!("API_TOKEN=\"{SECRET}\"\n"));
    git(&h.project, &["add", "app.env"]);
    let out = h.try_repo(&[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    // pre-commit merges the hook's stdout and stderr into its own stdout.
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("app.env"), "{all}");
    assert!(all.contains("generic-secret-assignment"), "{all}");
    assert!(all.contains("q7Rz…(16 chars)"), "{all}");
    assert!(all.contains("nhiscan:allow"), "{all}");
    assert!(all.contains("inventory add"), "{all}");
    assert!(all.contains("Failed"), "{all}");
}

#[test]
fn a_clean_change_passes_and_an_unstaged_secret_is_not_its_business() {
    let h = HookEnv::new();
    h.write("notes.txt", "nothing to see\n");
    git(&h.project, &["add", "notes.txt"]);
    h.write("later.env", &format!("API_TOKEN=\"{SECRET}\"\n"));
    let out = h.try_repo(&[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Passed"), "{}", out.stdout);

    // An allowed line passes too.
    h.write(
        "allowed.env",
        &format!("API_TOKEN=\"{SECRET}\" # nhiscan:allow\n"),
    );
    git(&h.project, &["add", "allowed.env"]);
    let out = h.try_repo(&[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn pre_push_scans_the_pushed_range() {
    let h = HookEnv::new();
    let base = git(&h.project, &["rev-parse", "HEAD"]);
    h.write("deploy.env", &format!("API_TOKEN=\"{SECRET}\"\n"));
    git(&h.project, &["add", "-A"]);
    git(&h.project, &["commit", "-q", "-m", "add deploy config"]);
    let head = git(&h.project, &["rev-parse", "HEAD"]);
    // Nothing is staged: only the range can find it.
    let push = |from: &str, to: &str| {
        h.try_repo(&[
            "--hook-stage",
            "pre-push",
            "--from-ref",
            from,
            "--to-ref",
            to,
        ])
    };
    let out = push(&base, &head);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("deploy.env"), "{}", out.stdout);
    // A range that adds nothing passes.
    let out = push(&head, &head);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}
