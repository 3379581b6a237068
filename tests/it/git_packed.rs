//! `scan --git` reads the blobs of a pack by walking its delta trees, searching only what each
//! delta inserts for keywords (`src/sources/git/packed.rs`); loose objects go through the
//! object store. One history, left loose and then repacked with long delta chains, must give
//! the very same report: findings, locations, commits, dates and counts.

use std::path::Path;

use crate::harness::{git, run_in, Tree};

/// A small deterministic generator (no randomness crate needed for test data).
struct Lcg(u64, Vec<String>);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A random string that is no secret.
    fn id(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
    /// A random string, remembered when it is long enough to be a secret.
    fn token(&mut self, n: usize, alphabet: &[u8]) -> String {
        let t: String = (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect();
        if n >= 14 {
            self.1.push(t.clone());
        }
        t
    }
}

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A line that some rule reports (or a look-alike no rule should).
fn secret_line(g: &mut Lcg) -> String {
    match g.below(6) {
        0 => format!("    password = \"{}\"\n", g.token(18, ALNUM)),
        1 => format!("STRIPE_KEY=sk_live_{}\n", g.token(24, ALNUM)),
        2 => format!(
            "aws_access_key_id = AKIA{}\naws_secret_access_key = {}\n",
            // The key id names the key (reports show it); not remembered as a secret.
            g.id(16, B32),
            g.token(40, ALNUM)
        ),
        3 => format!("openweathermap:\n  api_key: {}\n", g.token(32, HEX)),
        4 => format!("token: {}  # not a credential name\n", g.token(6, ALNUM)),
        _ => format!(
            "db = \"postgres://app:{}@db.internal:5432/app\"\n",
            g.token(14, ALNUM)
        ),
    }
}

/// Sixty commits over files that change a few lines at a time (so that a repack stores most
/// versions as deltas): secrets added in the middle of unchanged text, next to it, removed
/// again; a copy of a file under another name; a binary file; a UTF-16 file; a file that
/// grows past `--max-file-size`.
/// Returns the secrets written.
fn build_history(dir: &Path) -> Vec<String> {
    let mut g = Lcg(0x5eed, Vec::new());
    git(dir, &["init", "-q"], None);
    // Every tenth line holds keywords inside longer keywords (`dapi` in `ddapikey`, `apikey`
    // in `ory_apikey_`): the automaton reports such occurrences out of start order, and the
    // derivation from a base must not depend on that order.
    let mut lines: Vec<String> = (0..300)
        .map(|i| match i % 10 {
            0 => format!("# {i}: see ddapikey and ory_apikey_ notes\n"),
            _ => format!("setting_{i} = value {} for the service\n", i * 7),
        })
        .collect();
    let mut big = String::new();
    for v in 0..60u32 {
        for _ in 0..4 {
            let i = g.below(lines.len());
            match g.below(5) {
                0 | 1 => lines[i] = secret_line(&mut g),
                2 => lines.insert(i, secret_line(&mut g)),
                3 => {
                    lines.remove(i);
                }
                _ => lines[i] = format!("setting_{i} = changed {}\n", g.token(8, ALNUM)),
            }
        }
        let text: String = lines.concat();
        std::fs::write(dir.join("config.yaml"), &text).unwrap();
        std::fs::write(
            dir.join("app.env"),
            lines.iter().step_by(3).cloned().collect::<String>(),
        )
        .unwrap();
        if v % 10 == 5 {
            // The same content under another name, then edited there.
            let mut copy = text.clone();
            copy.push_str(&secret_line(&mut g));
            std::fs::write(dir.join(format!("backup-{v}.yaml")), copy).unwrap();
        }
        let mut bin = vec![0u8, 1, 2, 3];
        bin.extend_from_slice(text.as_bytes());
        std::fs::write(dir.join("blob.bin"), bin).unwrap();
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text[..text.len().min(2000)].encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        std::fs::write(dir.join("notes-utf16.txt"), utf16).unwrap();
        big.push_str(&text[..text.len().min(1500)]);
        std::fs::write(dir.join("grows.txt"), &big).unwrap();
        let date = format!("2024-02-{:02}T{:02}:00:00+00:00", 1 + v / 24, v % 24);
        git(dir, &["add", "-A"], Some(&date));
        git(
            dir,
            &["commit", "-q", "-m", &format!("version {v}")],
            Some(&date),
        );
    }
    g.1
}

/// The report of `scan --git` without what differs between two copies of one repository
/// (the root as given, the time taken).
fn report(dir: &Path) -> (serde_json::Value, String) {
    let out = run_in(
        dir,
        &[
            "scan",
            ".",
            "--git",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--max-file-size",
            "40K",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["summary"].as_object_mut().unwrap().remove("duration_ms");
    (v, out.stdout)
}

#[test]
fn packed_and_loose_history_give_the_same_report() {
    let loose = Tree::new();
    let secrets = build_history(loose.path());
    let packed = Tree::new();
    for entry in std::fs::read_dir(loose.path()).unwrap() {
        let from = entry.unwrap().path();
        let st = std::process::Command::new("cp")
            .arg("-a")
            .arg(&from)
            .arg(packed.path())
            .status()
            .unwrap();
        assert!(st.success());
    }
    git(
        packed.path(),
        &[
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
            "--depth=50",
            "--window=50",
        ],
        None,
    );
    // The repack made delta chains of blobs (what the pack walk is for) and left nothing loose.
    let pack_dir = packed.path().join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .expect("a pack index");
    let verify = git(
        packed.path(),
        &["verify-pack", "-v", idx.to_str().unwrap()],
        None,
    );
    let deltified_blobs = verify
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() >= 7 && f[1] == "blob"
        })
        .count();
    assert!(deltified_blobs >= 150, "{deltified_blobs} deltified blobs");
    let loose_objects = git(packed.path(), &["count-objects"], None);
    assert!(loose_objects.starts_with("0 objects"), "{loose_objects}");
    let in_loose = git(loose.path(), &["count-objects"], None);
    assert!(!in_loose.starts_with("0 objects"), "{in_loose}");

    let (a, a_text) = report(loose.path());
    let (b, b_text) = report(packed.path());
    let findings = a["findings"].as_array().unwrap();
    let locations: usize = findings
        .iter()
        .map(|f| f["locations"].as_array().unwrap().len())
        .sum();
    assert!(findings.len() >= 40, "{} findings", findings.len());
    assert!(locations >= 400, "{locations} locations");
    let summary = &a["summary"];
    assert!(
        summary["skipped"]["binary"].as_u64().unwrap() >= 60,
        "{summary}"
    );
    assert!(
        summary["skipped"]["too_large"].as_u64().unwrap() >= 10,
        "{summary}"
    );
    assert!(summary["utf16"].as_u64().unwrap() >= 20, "{summary}");
    assert!(
        findings
            .iter()
            .any(|f| f["rule_id"] == "openweathermap-context-api-key"),
        "no enclosed context finding"
    );
    if a != b {
        let pa = serde_json::to_string_pretty(&a).unwrap();
        let pb = serde_json::to_string_pretty(&b).unwrap();
        let first = pa
            .lines()
            .zip(pb.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "loose and packed reports differ from line {first}:\nloose:  {:?}\npacked: {:?}",
            pa.lines().nth(first),
            pb.lines().nth(first)
        );
    }
    // Redacted in both.
    for text in [a_text, b_text] {
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "a secret in the report: {}…",
                &s[..4]
            );
        }
    }
}
