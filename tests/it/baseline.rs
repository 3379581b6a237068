//! Baselines through the binary: a real git repository is rebased and squashed, and the same
//! findings stay accepted while a new one is reported.

use std::path::Path;

use crate::harness::{run_in, Tree};

fn git(dir: &Path, args: &[&str]) {
    crate::harness::git(dir, args, Some("2025-01-02T03:04:05Z"));
}

const OLD: &str = "API_TOKEN=\"q7Rz2LxN4vKp9TmW\"\n";
const OLD2: &str = "SERVICE_PASSWORD=\"Hj38dkQpZ1xVw7Lm\"\n";
const NEW: &str = "DEPLOY_SECRET=\"Yt5Pq9Wz2Kd8Rm4N\"\n";

#[test]
fn baseline_survives_rebase_and_squash_and_reports_new_findings() {
    let repo = Tree::new();
    let side = Tree::new();
    let bl = side.path().join("baseline.json");
    let bl_s = bl.to_str().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    repo.write("app.env", format!("# app\n{OLD}"));
    repo.write("db.env", OLD2);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "base"]);
    git(dir, &["checkout", "-qb", "feature"]);
    repo.write("notes.txt", "feature work\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "feature 1"]);
    repo.write("notes.txt", "feature work, more\n");
    git(dir, &["commit", "-qam", "feature 2"]);

    let out = run_in(
        dir,
        &["baseline", "create", bl_s, ".", "--reason", "legacy"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("2 entries"), "{}", out.stderr);
    let text = std::fs::read_to_string(&bl).unwrap();
    assert!(!text.contains("q7Rz2LxN4vKp9TmW") && !text.contains("\"line\""));

    // main moves on: the secret's line moves down and the file is renamed.
    git(dir, &["checkout", "-q", "main"]);
    repo.write("app.env", format!("# app\n# owned by payments\n\n\n{OLD}"));
    git(dir, &["commit", "-qam", "main moves"]);
    git(dir, &["mv", "app.env", "service.env"]);
    git(dir, &["commit", "-qm", "rename"]);
    // Rebase the feature onto it, then squash the feature into one commit.
    git(dir, &["checkout", "-q", "feature"]);
    git(dir, &["rebase", "-q", "main"]);
    git(dir, &["reset", "-q", "--soft", "main"]);
    git(dir, &["commit", "-qm", "feature, squashed"]);

    let out = run_in(dir, &["scan", ".", "--baseline", bl_s, "--format", "json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 0);
    assert_eq!(r["baseline"]["suppressed"], 2);
    assert_eq!(r["baseline"]["unmatched"], 0);
    let out = run_in(dir, &["scan", ".", "--baseline", bl_s, "--format", "sarif"]);
    let sarif = out.json();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
    let note = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert!(
        note["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("2 findings suppressed by the baseline"),
        "{note}"
    );

    // A new secret is reported; the accepted ones stay accepted, and the summary says so.
    repo.write("deploy.env", NEW);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "new secret"]);
    let out = run_in(dir, &["scan", ".", "--baseline", bl_s]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.starts_with("deploy.env\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("service.env"), "{}", out.stdout);
    assert!(
        out.stderr.contains("2 suppressed by baseline"),
        "{}",
        out.stderr
    );

    // update: adds the new one, prunes the removed one, and is idempotent.
    std::fs::remove_file(dir.join("db.env")).unwrap();
    let out = run_in(dir, &["baseline", "update", bl_s, "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("(1 added, 1 pruned)"), "{}", out.stderr);
    let once = std::fs::read_to_string(&bl).unwrap();
    assert!(
        once.contains("\"reason\": \"legacy\""),
        "kept entries keep their reason"
    );
    let out = run_in(dir, &["baseline", "update", bl_s, "."]);
    assert!(out.stderr.contains("(0 added, 0 pruned)"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&bl).unwrap(), once);
    let out = run_in(dir, &["scan", ".", "--baseline", bl_s]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn expired_entries_report_again_and_bad_baselines_are_clear_errors() {
    let t = Tree::new();
    let side = Tree::new();
    t.write("app.env", OLD);
    let bl = side.path().join("b.json");
    let bl_s = bl.to_str().unwrap();
    let out = t.run(&["baseline", "create", bl_s, ".", "--expires", "2020-01-31"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = t.run(&["scan", ".", "--baseline", bl_s, "--format", "json"]);
    assert_eq!(out.code, 1);
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 1);
    assert_eq!(r["baseline"]["expired"], 1);
    assert_eq!(r["baseline"]["suppressed"], 0);

    std::fs::write(&bl, "{\"version\": 1,\n \"entries\": [{\"rule\": \"x\"}]}").unwrap();
    let out = t.run(&["scan", ".", "--baseline", bl_s]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!("{bl_s}:2:")),
        "names file and line: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"));
    let out = t.run(&["scan", ".", "--baseline", "missing.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("missing.json: cannot read baseline"),
        "{}",
        out.stderr
    );
    let out = t.run(&["baseline", "create", bl_s, ".", "--expires", "soon"]);
    assert_eq!(out.code, 2);
}

#[test]
fn a_baseline_inside_the_scanned_tree_finds_nothing_itself() {
    let t = Tree::new();
    t.write("app.env", OLD);
    t.write("db.env", OLD2);
    let out = t.run(&["baseline", "create", ".nhiscan-baseline.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = t.run(&["scan", ".", "--baseline", ".nhiscan-baseline.json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("2 suppressed by baseline"),
        "{}",
        out.stderr
    );
    let out = t.run(&["baseline", "update", ".nhiscan-baseline.json"]);
    assert!(
        out.stderr.contains("2 entries (0 added, 0 pruned)"),
        "{}",
        out.stderr
    );
}
