//! Git sources: history, PR ranges and the staged index, on real repositories built here
//! with the `git` CLI (fixed names and dates, no user or system config).

use std::path::Path;

use crate::harness::Output;
use crate::worktree::{Fixture, T1, T2, T3};

const AUTHOR: &str = "Ada Lovelace <ada@example.com>";

fn date(day: u32) -> String {
    format!("2024-01-{day:02}T10:00:00+00:00")
}

fn git_in(dir: &Path, args: &[&str], day: u32) -> String {
    crate::harness::git(dir, args, Some(&date(day)))
}

/// A repository in a fixture tree; the test rules (`tkn_…`) are the only rules.
struct Repo {
    fx: Fixture,
}

impl Repo {
    fn new() -> Repo {
        let fx = Fixture::new();
        git_in(fx.tree.path(), &["init", "-q"], 1);
        Repo { fx }
    }

    fn path(&self) -> &Path {
        self.fx.tree.path()
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args, 1)
    }

    fn write(&self, rel: &str, content: &str) {
        self.fx.tree.write(rel, content);
    }

    /// Stage everything and commit on `day` of January 2024; the commit id.
    fn commit(&self, msg: &str, day: u32) -> String {
        git_in(self.path(), &["add", "-A"], day);
        git_in(
            self.path(),
            &["commit", "-q", "--allow-empty", "-m", msg],
            day,
        );
        git_in(self.path(), &["rev-parse", "HEAD"], day)
    }

    fn scan(&self, extra: &[&str]) -> Output {
        let out = self.fx.scan(extra);
        for secret in [T1, T2, T3] {
            assert!(
                !out.stdout.contains(secret),
                "secret on stdout:\n{}",
                out.stdout
            );
            assert!(
                !out.stderr.contains(secret),
                "secret on stderr:\n{}",
                out.stderr
            );
        }
        out
    }
}

fn findings(r: &serde_json::Value) -> &Vec<serde_json::Value> {
    r["findings"].as_array().expect("findings")
}

/// `(path, line, commit)` of every location of a finding.
fn places(f: &serde_json::Value) -> Vec<(String, u64, String)> {
    f["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
                l["commit"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn secret_added_then_deleted_is_found_in_history_with_its_commit_and_date() {
    let r = Repo::new();
    r.write("app/config.py", &format!("# settings\ntoken = \"{T1}\"\n"));
    let c1 = r.commit("add config", 3);
    std::fs::remove_file(r.path().join("app/config.py")).unwrap();
    r.write("README.md", "nothing here\n");
    r.commit("remove config", 9);

    // The working tree no longer holds it.
    assert_eq!(r.scan(&[]).json()["summary"]["findings"], 0);

    let out = r.scan(&["--git"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["scan"]["source"], "git");
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    let f = &fs[0];
    assert_eq!(places(f), vec![("app/config.py".into(), 2, c1.clone())]);
    let loc = &f["locations"][0];
    assert_eq!(loc["author"], AUTHOR);
    assert_eq!(loc["date"], date(3));
    assert_eq!(loc["column"], 10);
    assert_eq!(f["first_seen"], date(3));
    assert_eq!(f["last_seen"], date(9), "removed on the 9th");
    assert_eq!(f["present_at_head"], false);
    assert_eq!(f["redacted"], "tkn_…(28 chars)");

    // Text output names the commit, author and date.
    let rules = r.fx.rules_path().display().to_string();
    let text =
        r.fx.tree
            .run(&["scan", "--git", "--no-builtin", "--rules", &rules]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    assert!(text.stdout.contains(&c1[..12]), "{}", text.stdout);
    assert!(text.stdout.contains(AUTHOR), "{}", text.stdout);
    assert!(text.stdout.contains(&date(3)), "{}", text.stdout);
    assert!(!text.stdout.contains(T1));
}

#[test]
fn secret_in_a_feature_branch_only() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    r.commit("init", 1);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("deploy.sh", &format!("export TOKEN={T2}\n"));
    let c2 = r.commit("deploy", 2);
    r.git(&["checkout", "-q", "main"]);

    let j = r.scan(&["--git"]).json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(places(&fs[0]), vec![("deploy.sh".into(), 1, c2)]);
    assert_eq!(fs[0]["present_at_head"], false);

    // Only main's history: nothing.
    let out = r.scan(&["--git", "--branch", "main"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["summary"]["findings"], 0);
    // The feature branch by name: found.
    assert_eq!(
        r.scan(&["--git", "--branch", "feature"]).json()["summary"]["findings"],
        1
    );
}

#[test]
fn a_rename_keeps_the_first_commit_and_adds_the_new_path() {
    let r = Repo::new();
    let filler = "some long and unchanging configuration line\n".repeat(8);
    r.write("old/creds.txt", &format!("a\n{T1}\n{filler}"));
    let c1 = r.commit("add", 2);
    std::fs::create_dir(r.path().join("new")).unwrap();
    r.git(&["mv", "old/creds.txt", "new/creds.txt"]);
    let c2 = r.commit("move", 5);

    let j = r.scan(&["--git"]).json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(
        places(&fs[0]),
        vec![
            ("new/creds.txt".into(), 2, c2.clone()),
            ("old/creds.txt".into(), 2, c1.clone()),
        ]
    );
    assert_eq!(fs[0]["first_seen"], date(2));
    assert_eq!(fs[0]["present_at_head"], true);
    assert_eq!(
        fs[0]["last_seen"],
        date(5),
        "HEAD's date while it is at HEAD"
    );

    // A PR that only renames adds no line.
    let out = r.scan(&["--diff", &format!("{c1}..{c2}")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["summary"]["findings"], 0);

    // Rename plus an edit: only the added line counts, numbered in the new file.
    r.git(&["mv", "new/creds.txt", "moved.txt"]);
    r.write("moved.txt", &format!("a\n{T1}\nnew line {T2}\n{filler}"));
    let c3 = r.commit("move and edit", 6);
    let j = r.scan(&["--diff", &format!("{c2}..{c3}")]).json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(places(&fs[0]), vec![("moved.txt".into(), 3, c3)]);
}

#[test]
fn a_merge_commit_does_not_take_the_branch_commit_date() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    r.commit("init", 1);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("f.py", &format!("KEY = '{T1}'\n"));
    let c2 = r.commit("feature", 2);
    r.git(&["checkout", "-q", "main"]);
    r.write("other.txt", "x\n");
    r.commit("main work", 3);
    git_in(
        r.path(),
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
        4,
    );

    let j = r.scan(&["--git"]).json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(places(&fs[0]), vec![("f.py".into(), 1, c2)]);
    assert_eq!(fs[0]["first_seen"], date(2));
    assert_eq!(fs[0]["present_at_head"], true);
}

#[test]
fn pr_range_reports_only_what_head_adds_on_the_right_line() {
    let r = Repo::new();
    r.write("a.py", &format!("OLD = '{T1}'\n"));
    r.commit("base already has a secret", 1);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("a.py", &format!("OLD = '{T1}'\nprint('hi')\n"));
    r.write("b.py", &format!("import os\n\nNEW = '{T2}'\n"));
    let head = r.commit("feature work", 2);
    // Added and removed again inside the range.
    r.write("c.py", &format!("TMP = '{T3}'\n"));
    let c3 = r.commit("oops", 3);
    std::fs::remove_file(r.path().join("c.py")).unwrap();
    let c4 = r.commit("fix oops", 4);

    for range in ["main..feature", "main...feature", "main..HEAD", "main.."] {
        let out = r.scan(&["--diff", range]);
        assert_eq!(out.code, 1, "{range}: {}", out.stderr);
        let j = out.json();
        assert_eq!(j["scan"]["source"], "diff");
        let fs = findings(&j);
        assert_eq!(fs.len(), 1, "{range}: {j}");
        // Dated to the commit of the range that introduced it, not to HEAD (c4).
        assert_ne!(head, c4);
        assert_eq!(places(&fs[0]), vec![("b.py".into(), 3, head.clone())]);
        assert_eq!(fs[0]["locations"][0]["column"], 8);
        assert!(
            fs[0]["first_seen"]
                .as_str()
                .unwrap()
                .starts_with("2024-01-02"),
            "{range}: {}",
            fs[0]
        );
        assert_eq!(fs[0]["present_at_head"], true);
    }

    // --each-commit also reports the secret that came and went, attributed to its commit.
    let j = r.scan(&["--diff", "main..feature", "--each-commit"]).json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 2, "{j}");
    let t3 = fs
        .iter()
        .find(|f| places(f)[0].0 == "c.py")
        .expect("c.py finding");
    assert_eq!(places(t3), vec![("c.py".into(), 1, c3)]);
    assert_eq!(t3["present_at_head"], false);
    let t2 = fs.iter().find(|f| places(f)[0].0 == "b.py").unwrap();
    assert_eq!(t2["present_at_head"], true);
    assert!(places(t2).contains(&("b.py".into(), 3, head)), "{t2}");
}

#[test]
fn push_of_a_new_branch_scans_the_commits_new_to_it() {
    let r = Repo::new();
    r.write("a.py", &format!("OLD = '{T1}'\n"));
    r.commit("base", 1);
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.write("b.py", &format!("X = '{T2}'\n"));
    let c2 = r.commit("topic", 2);
    let zero = "0".repeat(40);
    let out = r.scan(&["--diff", &format!("{zero}..topic")]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let j = out.json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(places(&fs[0]), vec![("b.py".into(), 1, c2)]);
}

#[test]
fn missing_base_commit_is_a_clear_error() {
    let r = Repo::new();
    r.write("a.txt", "x\n");
    r.commit("init", 1);
    let missing = "1234567890abcdef1234567890abcdef12345678";
    let out = r.scan(&["--diff", &format!("{missing}..HEAD")]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(missing), "{}", out.stderr);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    let out = r.scan(&["--diff", "nonsense"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("BASE..HEAD"), "{}", out.stderr);
}

#[test]
fn staged_file_in_an_empty_repository() {
    let r = Repo::new();
    r.write("settings.env", &format!("# local\nTOKEN={T1}\n"));
    r.write("unstaged.env", &format!("TOKEN={T2}\n"));
    r.git(&["add", "settings.env"]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["scan"]["source"], "staged");
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(
        places(&fs[0]),
        vec![("settings.env".into(), 2, String::new())]
    );
    assert!(fs[0].get("present_at_head").is_none());
    assert!(fs[0]["locations"][0].get("commit").is_none());

    // After a commit, a staged edit reports only its added line.
    r.git(&["add", "-A"]);
    r.commit("init", 2);
    assert_eq!(r.scan(&["--staged"]).code, 0);
    r.write("unstaged.env", &format!("TOKEN={T2}\nOTHER={T3}\n"));
    r.git(&["add", "unstaged.env"]);
    let j = r.scan(&["--staged"]).json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(
        places(&fs[0]),
        vec![("unstaged.env".into(), 2, String::new())]
    );
}

#[test]
fn shallow_clone_says_what_it_cannot_see() {
    let r = Repo::new();
    r.write("a.py", &format!("A = '{T1}'\n"));
    let c1 = r.commit("one", 1);
    r.write("b.py", "b\n");
    r.commit("two", 2);
    r.write("c.py", "c\n");
    let c3 = r.commit("three", 3);

    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.path().display());
    git_in(
        parent.path(),
        &["clone", "-q", "--depth", "1", &url, "clone"],
        4,
    );
    let clone = parent.path().join("clone");
    let rules = r.fx.rules_path();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "scan".to_string(),
            ".".into(),
            "--no-builtin".into(),
            "--rules".into(),
            rules.display().to_string(),
            "--format".into(),
            "json".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        crate::harness::run_in(&clone, &a)
    };
    let out = run(&["--git"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("shallow clone"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&c3),
        "names the boundary: {}",
        out.stderr
    );
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    let j = out.json();
    assert!(
        j["notes"][0].as_str().unwrap().contains("shallow clone"),
        "{j}"
    );
    // Seen, but only from the boundary commit on.
    assert_eq!(
        places(&findings(&j)[0]),
        vec![("a.py".into(), 1, c3.clone())]
    );

    // A base outside the clone: exit 2, naming it.
    let out = run(&["--diff", &format!("{c1}..HEAD")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(&c1), "{}", out.stderr);
    assert!(out.stderr.contains("shallow"), "{}", out.stderr);
}

#[test]
fn binary_blobs_are_skipped_and_counted() {
    let r = Repo::new();
    let mut data = b"\x00\x01\x02".to_vec();
    data.extend_from_slice(T1.as_bytes());
    std::fs::write(r.path().join("blob.bin"), &data).unwrap();
    r.write("ok.txt", "fine\n");
    r.commit("binary", 1);
    let j = r.scan(&["--git"]).json();
    assert_eq!(j["summary"]["findings"], 0, "{j}");
    assert_eq!(j["summary"]["skipped"]["binary"], 1, "{j}");
    assert_eq!(j["summary"]["files"], 1, "{j}");
}

#[test]
fn same_secret_in_three_commits_is_one_finding_with_three_locations() {
    let r = Repo::new();
    r.write("svc.yaml", &format!("token: {T1}\n"));
    let c1 = r.commit("one", 5);
    r.write("svc.yaml", &format!("# v2\ntoken: {T1}\n"));
    let c2 = r.commit("two", 6);
    r.write("svc.yaml", &format!("# v3\n\ntoken: {T1}\n"));
    let c3 = r.commit("three", 7);
    let j = r.scan(&["--git"]).json();
    let fs = findings(&j);
    assert_eq!(fs.len(), 1, "{j}");
    assert_eq!(
        places(&fs[0]),
        vec![
            ("svc.yaml".into(), 1, c1),
            ("svc.yaml".into(), 2, c2),
            ("svc.yaml".into(), 3, c3),
        ]
    );
    assert_eq!(fs[0]["first_seen"], date(5));
    assert_eq!(fs[0]["last_seen"], date(7));
    assert_eq!(fs[0]["present_at_head"], true);
    assert_eq!(j["summary"]["locations"], 3);

    // --max-commits 1 sees only the newest; --since-commit leaves out the older ones.
    let j = r.scan(&["--git", "--max-commits", "1"]).json();
    assert_eq!(places(&findings(&j)[0]).len(), 1, "{j}");
    let j = r.scan(&["--git", "--since-commit", "HEAD~1"]).json();
    assert_eq!(places(&findings(&j)[0]).len(), 1, "{j}");
}

#[test]
fn missing_objects_are_counted_and_the_scan_goes_on() {
    let r = Repo::new();
    r.write("a.py", &format!("A = '{T1}'\n"));
    r.write("lost.txt", "this blob will go missing\n");
    r.commit("one", 1);
    let lost = r.git(&["rev-parse", "HEAD:lost.txt"]);
    let obj = r
        .path()
        .join(".git/objects")
        .join(&lost[..2])
        .join(&lost[2..]);
    std::fs::remove_file(obj).unwrap();
    let out = r.scan(&["--git"]);
    assert_eq!(out.code, 1, "findings still fail: {}", out.stderr);
    let j = out.json();
    assert_eq!(j["summary"]["findings"], 1, "{j}");
    assert_eq!(j["summary"]["errors"], 1, "{j}");
    assert!(
        j["errors"][0]["message"].as_str().unwrap().contains(&lost),
        "{j}"
    );
    assert!(out.stderr.contains(&lost), "{}", out.stderr);
}

#[test]
fn not_a_repository_is_an_error() {
    let fx = Fixture::new();
    fx.tree.write("a.txt", "x\n");
    let out = fx.scan(&["--git"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not a git repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn pr_range_ignores_deletions_mode_changes_links_and_submodules() {
    let r = Repo::new();
    r.write("run.sh", &format!("TOKEN={T1}\n"));
    r.write("gone.txt", &format!("T={T2}\n"));
    r.commit("base", 1);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.git(&["update-index", "--chmod=+x", "run.sh"]);
    r.git(&["rm", "-q", "gone.txt"]);
    // A link whose target text looks like a token, and a submodule entry.
    std::os::unix::fs::symlink(T3, r.path().join("link")).unwrap();
    let sub = r.git(&["rev-parse", "HEAD"]);
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{sub},vendor/sub"),
    ]);
    git_in(r.path(), &["add", "link"], 2);
    git_in(
        r.path(),
        &["commit", "-q", "-m", "chmod, delete, link, submodule"],
        2,
    );
    let out = r.scan(&["--diff", "main..feature", "--each-commit"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let j = out.json();
    assert_eq!(j["summary"]["findings"], 0, "{j}");
    assert_eq!(j["summary"]["errors"], 0, "{j}");
}

#[test]
fn library_settings_run_a_history_scan() {
    use nhiscan::scan::{run, ScanSettings};
    use nhiscan::sources::git::{history::HistoryOptions, GitMode};
    let r = Repo::new();
    r.write("k.txt", &format!("{T1}\n"));
    let c1 = r.commit("one", 8);
    let mut s = ScanSettings::new(r.path());
    s.rules.no_builtin = true;
    s.rules.paths = vec![r.fx.rules_path()];
    s.git = Some(GitMode::History(HistoryOptions::default()));
    let report = run(&s).expect("scan runs");
    assert_eq!(report.scan.source, nhiscan::sources::SourceKind::Git);
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(f.first_seen.as_deref(), Some(date(8).as_str()));
    assert_eq!(f.present_at_head, Some(true));
    assert_eq!(f.locations[0].git.as_ref().unwrap().commit, c1);
    assert!(f.secret.is_none());
}

/// `scan --git` on a terminal draws a progress bar on stderr (run under `script`, which gives
/// the command a pseudo-terminal); `--quiet` and a pipe draw nothing. No secret either way.
#[cfg(unix)]
#[test]
fn history_scans_draw_progress_on_a_terminal_only() {
    let r = Repo::new();
    r.write("a.env", &format!("A={T1}\n"));
    r.commit("a", 2);
    for i in 0..20 {
        r.write(&format!("f{i}.txt"), &format!("line {i}\n"));
        r.commit(&format!("c{i}"), 3);
    }
    let on_tty = |extra: &str| -> String {
        let log = r.path().join("typescript");
        let cmd = format!(
            "{} scan --git {} --no-builtin --rules {} --fail-on none -f json {extra} >/dev/null",
            env!("CARGO_BIN_EXE_nhiscan"),
            r.path().display(),
            r.fx.rules_path().display()
        );
        let st = std::process::Command::new("script")
            .args(["-qec", &cmd])
            .arg(&log)
            .env("TERM", "xterm")
            .stdout(std::process::Stdio::null())
            .status()
            .expect("script (util-linux) runs");
        assert!(st.success(), "{st:?}");
        let text = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
        assert!(!text.contains(T1), "secret on the terminal");
        text
    };
    let drawn = on_tty("");
    assert!(
        drawn.contains("walking the commits")
            || drawn.contains("commits diffed")
            || drawn.contains(" blobs, "),
        "no progress on a terminal:\n{drawn}"
    );
    assert!(drawn.contains("nhiscan:"), "no summary:\n{drawn}");
    let quiet = on_tty("--quiet");
    assert!(
        !quiet.contains("commits") && !quiet.contains(" blobs, "),
        "progress despite --quiet:\n{quiet}"
    );
    assert!(quiet.contains("nhiscan:"), "no summary:\n{quiet}");
    let piped = r.scan(&["--git", "--fail-on", "none"]);
    assert!(
        !piped.stderr.contains('\r') && !piped.stderr.contains("commits diffed"),
        "progress on a pipe: {:?}",
        piped.stderr
    );
}
