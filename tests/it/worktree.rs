//! Working-tree scans: walking rules, de-duplication, bad inputs, suppression.

use crate::harness::{locations, Tree};

/// A rule that only these tests use, so the mechanics are tested independently of the
/// built-in rule set.
const TEST_RULE: &str = r#"
rules:
  - id: test-token
    name: Test token
    description: A token format used only by the test suite.
    provider: testprov
    kind: token
    pattern: '\b(?P<secret>tkn_[A-Za-z0-9]{24})\b'
    keywords: [tkn_]
    min_entropy: 3.0
    severity: error
    confidence: high
    references: [https://example.invalid/doc]
    remediation: Revoke it.
    examples:
      - text: 'x = tkn_Q8rN2LmK7vTy5Bs4Zp9xW3hD'
        secret: tkn_Q8rN2LmK7vTy5Bs4Zp9xW3hD
    negative_examples:
      - 'tkn_short'
  - id: test-pem
    name: Test multi-line key
    description: A multi-line block used only by the test suite.
    provider: testprov
    kind: private_key
    pattern: '(?P<secret>-----BEGIN TEST KEY-----[A-Za-z0-9+/=\s]{16,}?-----END TEST KEY-----)'
    keywords: [BEGIN TEST KEY]
    multiline: true
    placeholders: false
    severity: error
    confidence: high
    references: [https://example.invalid/doc]
    remediation: Revoke it.
    examples:
      - text: "-----BEGIN TEST KEY-----\nQ8rN2LmK7vTy5Bs4Zp9xW3hD\n-----END TEST KEY-----"
        secret: "-----BEGIN TEST KEY-----\nQ8rN2LmK7vTy5Bs4Zp9xW3hD\n-----END TEST KEY-----"
    negative_examples:
      - '-----BEGIN TEST KEY-----'
"#;

pub const T1: &str = "tkn_Q8rN2LmK7vTy5Bs4Zp9xW3hD";
pub const T2: &str = "tkn_Zp4xQ8rNw2LmK7vTy5Bs9cVe";
pub const T3: &str = "tkn_hT3nR8pW2qL6xZ9vK4mB7sJa";

/// A tree plus a rule directory outside it; `scan` runs with only the test rules.
pub struct Fixture {
    pub tree: Tree,
    rules: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let rules = tempfile::tempdir().unwrap();
        std::fs::write(rules.path().join("test.yaml"), TEST_RULE).unwrap();
        Fixture {
            tree: Tree::new(),
            rules,
        }
    }

    /// The rule file holding the test rules.
    pub fn rules_path(&self) -> std::path::PathBuf {
        self.rules.path().join("test.yaml")
    }

    pub fn scan(&self, extra: &[&str]) -> crate::harness::Output {
        let rules = self.rules.path().join("test.yaml");
        let mut args = vec![
            "scan",
            ".",
            "--no-builtin",
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        self.tree.run(&args)
    }
}

fn loc(rule: &str, path: &str, line: u64, col: u64) -> (String, String, u64, u64) {
    (rule.into(), path.into(), line, col)
}

#[test]
fn finds_secrets_with_exact_places_and_exit_1() {
    let f = Fixture::new();
    f.tree
        .write("src/app.py", format!("import os\n\nTOKEN = \"{T1}\"\n"));
    f.tree
        .write("config/prod.yaml", format!("deploy:\n  key: {T2}\n"));
    f.tree.write(
        "keys/k.pem",
        "junk\n-----BEGIN TEST KEY-----\nQ8rN2LmK7vTy5Bs4Zp9xW3hD\n-----END TEST KEY-----\n",
    );
    let out = f.scan(&[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    let r = out.json();
    assert_eq!(
        locations(&r),
        vec![
            loc("test-pem", "keys/k.pem", 2, 1),
            loc("test-token", "config/prod.yaml", 2, 8),
            loc("test-token", "src/app.py", 3, 10),
        ]
    );
    let pem = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "test-pem")
        .unwrap();
    assert_eq!(pem["locations"][0]["end_line"], 4);
    assert_eq!(r["summary"]["findings"], 3);
    assert_eq!(r["summary"]["failing"], 3);
    assert_eq!(r["schema_version"], 1);
}

#[test]
fn same_secret_is_one_finding_with_every_location() {
    let f = Fixture::new();
    f.tree.write("a.env", format!("A={T1}\n"));
    f.tree.write("b/c.env", format!("\n\nB={T1}\n"));
    // Identical content is scanned once but reported at both paths.
    f.tree.write("copy1.txt", format!("{T3}\n"));
    f.tree.write("vendor/copy2.txt", format!("{T3}\n"));
    let r = f.scan(&[]).json();
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    for fd in findings {
        assert_eq!(fd["locations"].as_array().unwrap().len(), 2);
        let fp = fd["fingerprint"].as_str().unwrap();
        assert!(fp.starts_with("sha256:") && fp.len() == 7 + 64, "{fp}");
    }
    assert_eq!(r["summary"]["duplicates"], 1);
    assert_eq!(r["summary"]["files"], 3);
}

#[test]
fn fingerprints_are_stable_sha256_of_the_secret() {
    let f = Fixture::new();
    f.tree.write("x", T1);
    let r = f.scan(&[]).json();
    // sha256 of the literal token, computed independently with `printf %s TOKEN | sha256sum`.
    use sha2::Digest;
    let want = format!("sha256:{:x}", sha2::Sha256::digest(T1.as_bytes()));
    assert_eq!(r["findings"][0]["fingerprint"], want.as_str());
}

#[test]
fn honours_gitignore_nhiscanignore_and_never_reads_dot_git() {
    let f = Fixture::new();
    f.tree.write(".gitignore", "ignored.txt\n");
    f.tree.write(".nhiscanignore", "fixtures/\n");
    f.tree.write("ignored.txt", T1);
    f.tree.write("fixtures/fake.txt", T2);
    f.tree.write(".git/config", T3);
    f.tree.write(".env", T3);
    let r = f.scan(&[]).json();
    assert_eq!(locations(&r), vec![loc("test-token", ".env", 1, 1)]);
    let r = f.scan(&["--no-ignore"]).json();
    let paths: Vec<String> = locations(&r).into_iter().map(|l| l.1).collect();
    assert_eq!(paths, vec![".env", "fixtures/fake.txt", "ignored.txt"]);
}

#[test]
fn inline_allow_and_config_allowlists_suppress_and_count() {
    let f = Fixture::new();
    f.tree
        .write("a.txt", format!("k = {T1}  # nhiscan:allow\nk2 = {T2}\n"));
    f.tree.write("tests/data.txt", T3);
    f.tree.write(
        ".nhiscan.yaml",
        "allowlist:\n  paths: ['tests/**']\n  stopwords: [Zp4xQ8]\n",
    );
    let out = f.scan(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 0);
    assert_eq!(r["summary"]["dropped"]["inline_allowed"], 1);
    assert_eq!(r["summary"]["dropped"]["allowlisted"], 1);
    assert_eq!(r["summary"]["skipped"]["allowlisted_path"], 1);
}

#[test]
fn config_with_unknown_key_is_an_error_with_line_and_column() {
    let f = Fixture::new();
    f.tree
        .write(".nhiscan.yaml", "allowlist:\n  pathz: ['x']\n");
    let out = f.scan(&[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains(".nhiscan.yaml:2:3: allowlist: unknown field `pathz`"),
        "{}",
        out.stderr
    );
}

#[test]
fn binary_non_utf8_and_utf16_files() {
    let f = Fixture::new();
    let mut bin = b"\x00\x01\x02PK".to_vec();
    bin.extend_from_slice(T1.as_bytes());
    f.tree.write("blob.bin", bin);
    let mut latin1 = b"caf\xe9 = ".to_vec();
    latin1.extend_from_slice(T2.as_bytes());
    f.tree.write("latin1.txt", latin1);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in format!("x\n{T3}").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    f.tree.write("utf16.txt", utf16);
    let r = f.scan(&[]).json();
    assert_eq!(
        locations(&r),
        vec![
            loc("test-token", "latin1.txt", 1, 8),
            loc("test-token", "utf16.txt", 2, 1),
        ]
    );
    assert_eq!(r["summary"]["skipped"]["binary"], 1);
    assert_eq!(r["summary"]["non_utf8"], 1);
    assert_eq!(r["summary"]["utf16"], 1);
}

#[test]
fn huge_single_line_file_is_skipped_by_default_and_scanned_linearly_when_allowed() {
    let f = Fixture::new();
    // 50 MB on one line, with a token near the end and keyword-like noise throughout.
    let mut big = Vec::with_capacity(50 << 20);
    while big.len() < (50 << 20) - 100 {
        big.extend_from_slice(b"tkn_ tkn_abc \"x\":1,");
    }
    big.extend_from_slice(T1.as_bytes());
    f.tree.write("min.js", &big);
    let out = f.scan(&[]);
    let r = out.json();
    assert_eq!(r["summary"]["skipped"]["too_large"], 1);
    assert_eq!(r["summary"]["findings"], 0);
    let start = std::time::Instant::now();
    let out = f.scan(&["--max-file-size", "64MB"]);
    let took = start.elapsed();
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 1, "{}", out.stderr);
    assert_eq!(r["findings"][0]["locations"][0]["line"], 1);
    // Not a benchmark: a generous bound that only a quadratic scan would break.
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[cfg(unix)]
#[test]
fn symlinks_loops_and_dangling_links_are_counted_not_fatal() {
    use std::os::unix::fs::symlink;
    let f = Fixture::new();
    f.tree.write("real/a.txt", T1);
    symlink(f.tree.path().join("real"), f.tree.path().join("real/loop")).unwrap();
    symlink(
        f.tree.path().join("missing"),
        f.tree.path().join("dangling"),
    )
    .unwrap();
    // Not following links (the default): links are skipped and counted.
    let out = f.scan(&[]);
    assert_eq!(out.code, 1);
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 1);
    assert_eq!(r["summary"]["skipped"]["symlinks"], 2);
    // Following them: the loop and the dangling link are errors, the rest is scanned.
    let out = f.scan(&["--follow-symlinks", "--fail-on", "none"]);
    let r = out.json();
    assert_eq!(r["summary"]["findings"], 1);
    assert_eq!(r["summary"]["errors"], 2, "{}", out.stdout);
    let errors = r["errors"].as_array().unwrap();
    assert!(errors
        .iter()
        .any(|e| e["message"].as_str().unwrap().contains("loop")));
    assert!(errors
        .iter()
        .any(|e| e["path"].as_str().unwrap().contains("dangling")));
    // Errors and no failing findings: exit 2, and stderr says what went wrong.
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("dangling"), "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    f.tree.write("ok.txt", T1);
    let p = f.tree.write("locked.txt", T2);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = f.scan(&["--fail-on", "none"]);
    let r = out.json();
    let readable_by_us = std::fs::read(&p).is_ok();
    if readable_by_us {
        // Running as root, who may read any file: it is scanned like any other. (The
        // dangling-link test above covers a failing read under root.)
        assert_eq!(r["summary"]["findings"], 2);
    } else {
        assert_eq!(r["summary"]["findings"], 1);
        assert_eq!(r["summary"]["errors"], 1);
        assert!(r["errors"][0]["path"]
            .as_str()
            .unwrap()
            .contains("locked.txt"));
    }
}

#[test]
fn empty_directory_and_missing_path() {
    let f = Fixture::new();
    std::fs::create_dir(f.tree.path().join("empty")).unwrap();
    let rules = f.rules.path().join("test.yaml");
    let out = f.tree.run(&[
        "scan",
        "empty",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("0 findings"), "{}", out.stderr);
    let out = f.tree.run(&["scan", "does-not-exist"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("does-not-exist: no such file or directory"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn fail_on_and_confidence_thresholds() {
    let f = Fixture::new();
    f.tree.write("a", T1);
    assert_eq!(f.scan(&[]).code, 1);
    assert_eq!(f.scan(&["--fail-on", "error"]).code, 1);
    assert_eq!(f.scan(&["--fail-on", "none"]).code, 0);
    let out = f.scan(&["--fail-on", "nonsense"]);
    assert_eq!(out.code, 2);
}

#[test]
fn scanning_a_single_file() {
    let f = Fixture::new();
    f.tree.write("dir/one.txt", format!("\n{T1}"));
    let rules = f.rules.path().join("test.yaml");
    let out = f.tree.run(&[
        "scan",
        "dir/one.txt",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert_eq!(
        locations(&out.json()),
        vec![loc("test-token", "one.txt", 2, 1)]
    );
}
