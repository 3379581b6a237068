//! The labelled evaluation corpus (`eval/corpus`, scored by `bench/corpus-eval.sh`) stays
//! usable: its labels parse, every labelled file exists and every label points at a line that
//! holds a value, and the files are exactly what the seeded generator writes. No recall is
//! asserted here: recall is measured, in BENCHMARKS.md.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/corpus")
}

#[test]
fn corpus_labels_parse_and_point_at_files() {
    let root = corpus();
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("labels.json")).unwrap())
            .expect("labels.json is JSON");
    assert_eq!(labels["version"], 1);
    let files: BTreeSet<String> = labels["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    // Every file on disk is listed, and every listed file is on disk.
    let mut on_disk = BTreeSet::new();
    let base = root.join("files");
    let mut stack = vec![base.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                on_disk.insert(rel);
            }
        }
    }
    assert_eq!(files, on_disk);
    let entries = labels["labels"].as_array().unwrap();
    let mut secrets = 0;
    for l in entries {
        let path = l["path"].as_str().unwrap();
        assert!(files.contains(path), "label for unlisted file {path}");
        let text = std::fs::read_to_string(base.join(path)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let (line, end) = (
            l["line"].as_u64().unwrap() as usize,
            l["end_line"].as_u64().unwrap() as usize,
        );
        assert!(line >= 1 && line <= end && end <= lines.len(), "{l}");
        assert!(!lines[line - 1].trim().is_empty(), "{path}:{line} is empty");
        assert!(
            !l["category"].as_str().unwrap().is_empty(),
            "{path}:{line} has no category"
        );
        match l["expect"].as_str().unwrap() {
            "secret" => secrets += 1,
            "none" => {}
            other => panic!("{path}:{line}: expect `{other}`"),
        }
    }
    assert!(secrets >= 50, "only {secrets} planted secrets");
    assert!(entries.len() - secrets >= 30, "too few look-alikes");
    // Some files hold no secret at all: the negative files.
    let positive: BTreeSet<&str> = entries
        .iter()
        .filter(|l| l["expect"] == "secret")
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert!(files.len() - positive.len() >= 10);
}

/// The committed corpus is what `eval/gen_corpus.py` writes from its seed: nobody edits the
/// generated files by hand, so the labels cannot drift from them.
#[test]
fn corpus_is_what_the_seeded_generator_writes() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/gen_corpus.py"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("python3 runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let want = std::fs::read(corpus().join("labels.json")).unwrap();
    let got = std::fs::read(out.path().join("labels.json")).unwrap();
    assert!(
        want == got,
        "labels.json differs from the generator's: run python3 eval/gen_corpus.py"
    );
    let labels: serde_json::Value = serde_json::from_slice(&want).unwrap();
    for f in labels["files"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        assert!(
            std::fs::read(corpus().join("files").join(f)).unwrap()
                == std::fs::read(out.path().join("files").join(f)).unwrap(),
            "eval/corpus/files/{f} differs from the generator's output"
        );
    }
}
