//! Report formats: SARIF (against the official OASIS schema and GitHub's needs), the Markdown
//! pull-request comment, GitHub annotations and JSON Lines, on the demo tree with a finding of
//! every verdict; odd paths, the size limits, and several outputs from one scan.

use std::path::{Path, PathBuf};

use nhiscan::policy::{Verdict, VerdictKind};
use nhiscan::report::markdown::{self, MarkdownOptions, MARKER};
use nhiscan::report::sarif::line_hashes_for;
use nhiscan::report::sarif::{self, SarifOptions};
use nhiscan::report::{github, Report};
use nhiscan::rules::Severity;
use nhiscan::scan::{run, ScanSettings};
use serde_json::Value;

use crate::harness::Tree;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

const KINDS: [VerdictKind; 7] = [
    VerdictKind::Unregistered,
    VerdictKind::RevokedPresent,
    VerdictKind::Expired,
    VerdictKind::RotationOverdue,
    VerdictKind::Ownerless,
    VerdictKind::Exposed,
    VerdictKind::Allowed,
];

fn verdict(kind: VerdictKind) -> Verdict {
    let severity = match kind {
        VerdictKind::RotationOverdue | VerdictKind::Ownerless => Severity::Warning,
        VerdictKind::Allowed => Severity::Note,
        _ => Severity::Error,
    };
    Verdict {
        kind,
        severity,
        owasp: kind.owasp(),
        message: format!("the credential is {}", kind.as_str()),
        action: format!("act on {}", kind.as_str()),
    }
}

/// The demo tree's report, its findings given every verdict kind in turn (the inventory that
/// produces them is another issue's; the renderers only read `Finding::verdicts`).
fn demo_report() -> Report {
    let mut r = run(&ScanSettings::new(demo())).unwrap();
    assert_eq!(r.findings.len(), 12);
    for (i, f) in r.findings.iter_mut().enumerate() {
        f.verdicts = vec![verdict(KINDS[i % KINDS.len()])];
    }
    r
}

/// The report without what changes with every release: the version, and the number of
/// built-in rules in the footer (`with 369 rules` → `with [n] rules`).
fn version_free(s: &str) -> String {
    let s = s.replace(env!("CARGO_PKG_VERSION"), "[version]");
    regex::Regex::new(r"with \d+ rules")
        .unwrap()
        .replace_all(&s, "with [n] rules")
        .into_owned()
}

fn sarif_json(r: &Report, opts: &SarifOptions) -> Value {
    let mut buf = Vec::new();
    sarif::write(r, opts, &mut buf).unwrap();
    serde_json::from_slice(&buf).unwrap()
}

fn assert_schema_valid(doc: &Value) {
    let schema: Value = serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json"))
        .expect("schema parses");
    let v = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

#[test]
fn sarif_is_valid_against_the_oasis_schema_and_has_what_github_uses() {
    let r = demo_report();
    let opts = SarifOptions {
        line_hashes: line_hashes_for(&r, &demo()),
        ..SarifOptions::default()
    };
    let doc = sarif_json(&r, &opts);
    assert_schema_valid(&doc);
    // The check above can fail: a result without a message is invalid.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    assert!(!jsonschema::draft4::new(&schema).unwrap().is_valid(&broken));

    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["automationDetails"]["id"], "nhiscan/secrets/");
    assert_eq!(runs[1]["automationDetails"]["id"], "nhiscan/governance/");
    for run in runs {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(!rules.is_empty());
        for rule in rules {
            for key in ["shortDescription", "fullDescription"] {
                assert!(
                    rule[key]["text"].as_str().is_some_and(|s| !s.is_empty()),
                    "{rule}"
                );
            }
            assert!(rule["help"]["text"]
                .as_str()
                .unwrap()
                .contains("How to fix"));
            assert!(rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("**How to fix.**"));
            let sev: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&sev));
            assert!(rule["properties"]["precision"].is_string());
            let tags: Vec<&str> = rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert!(
                tags.iter().any(|t| t.starts_with("owasp-nhi/NHI")),
                "{tags:?}"
            );
        }
        for res in run["results"].as_array().unwrap() {
            let rule_id = res["ruleId"].as_str().unwrap();
            let idx = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], rule_id);
            assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
            let loc = &res["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            for k in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(loc["region"][k].as_u64().unwrap() >= 1);
            }
            let fp = &res["partialFingerprints"];
            assert!(fp["primaryLocationLineHash"]
                .as_str()
                .unwrap()
                .contains(':'));
            assert!(fp[sarif::FINGERPRINT_KEY]
                .as_str()
                .unwrap()
                .starts_with("sha256:"));
            assert!(res["properties"]["verdicts"].is_array());
        }
    }
    // One secrets result per location; one governance result per verdict but `allowed`.
    assert_eq!(runs[0]["results"].as_array().unwrap().len(), 12);
    let allowed = r
        .findings
        .iter()
        .filter(|f| f.verdicts[0].kind == VerdictKind::Allowed)
        .count();
    assert_eq!(runs[1]["results"].as_array().unwrap().len(), 12 - allowed);
    // The message names the verdict.
    let msg = runs[0]["results"][0]["message"]["text"].as_str().unwrap();
    assert!(
        msg.contains(r.findings[0].verdicts[0].kind.as_str()),
        "{msg}"
    );
    assert!(msg.contains("Owner: unknown"), "{msg}");
}

#[test]
fn sarif_results_snapshot() {
    let r = demo_report();
    let opts = SarifOptions {
        line_hashes: line_hashes_for(&r, &demo()),
        ..SarifOptions::default()
    };
    let doc = sarif_json(&r, &opts);
    // Rules are long and mostly data; the results and the run shape are what is pinned.
    let mut runs = Vec::new();
    for run in doc["runs"].as_array().unwrap() {
        runs.push(serde_json::json!({
            "automationDetails": run["automationDetails"],
            "columnKind": run["columnKind"],
            "rules": run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            "invocations": run["invocations"],
            "results": run["results"],
        }));
    }
    // Rule indexes move when rules are added; their correctness is checked elsewhere.
    for run in &mut runs {
        for res in run["results"].as_array_mut().unwrap() {
            res.as_object_mut().unwrap().remove("ruleIndex");
        }
    }
    insta::assert_snapshot!(
        "sarif_results",
        serde_json::to_string_pretty(&runs).unwrap()
    );
}

#[test]
fn sarif_line_hash_is_githubs() {
    // Known value for this exact file, computed from the algorithm's definition (see
    // findings::linehash): the 100-unit window "API_TOKEN="q7Rz2LxN4vKp9TmW"" "\n" 65535 0….
    let t = Tree::new();
    t.write("conf/app.env", "  API_TOKEN = \"q7Rz2LxN4vKp9TmW\"\r\n");
    let out = t.run(&["scan", ".", "--format", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc = out.json();
    let res = &doc["runs"][0]["results"][0];
    assert_eq!(
        res["partialFingerprints"]["primaryLocationLineHash"],
        "a168732574732e66:1"
    );
}

#[test]
fn sarif_uris_encode_spaces_and_non_ascii() {
    let t = Tree::new();
    t.write("my dir/ünïcødé #1.env", "API_TOKEN=\"q7Rz2LxN4vKp9TmW\"\n");
    let out = t.run(&["scan", ".", "--format", "sarif"]);
    let doc = out.json();
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(uri, "my%20dir/%C3%BCn%C3%AFc%C3%B8d%C3%A9%20%231.env");
    // And the line hash was still found for the odd path.
    assert!(
        doc["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"].is_string()
    );
    assert_eq!(sarif::uri("a b/c%d"), "a%20b/c%25d");
}

fn many_findings(n: usize) -> Tree {
    let t = Tree::new();
    for i in 0..n {
        // Distinct, high-entropy values.
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let hex = nhiscan::findings::fingerprint(format!("value {i}").as_bytes());
        let v: String = (0..20)
            .map(|k| {
                let b = u8::from_str_radix(&hex[7 + 2 * k..9 + 2 * k], 16).unwrap();
                ABC[b as usize % ABC.len()] as char
            })
            .collect();
        t.write(
            &format!("svc{i:04}/app.env"),
            format!("API_TOKEN=\"Zq{v}\"\n"),
        );
    }
    t
}

#[test]
fn sarif_truncates_at_the_result_limit_keeping_the_most_severe() {
    let t = many_findings(30);
    let mut r = run(&ScanSettings::new(t.path())).unwrap();
    assert_eq!(r.findings.len(), 30);
    // Make three findings more severe: they must survive the cut.
    for f in r.findings.iter_mut().take(30) {
        f.severity = Severity::Note;
        f.verdicts = vec![verdict(VerdictKind::RotationOverdue)];
    }
    for i in [3, 17, 29] {
        r.findings[i].severity = Severity::Error;
        r.findings[i].verdicts = vec![verdict(VerdictKind::Exposed)];
    }
    let opts = SarifOptions {
        max_results: 5,
        ..SarifOptions::default()
    };
    let doc = sarif_json(&r, &opts);
    assert_schema_valid(&doc);
    for run in doc["runs"].as_array().unwrap() {
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 5);
        let errors = results.iter().filter(|x| x["level"] == "error").count();
        assert_eq!(errors, 3);
        let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap();
        assert!(note.starts_with("25 of 30 results are left out"), "{note}");
    }
    // The gzip limit: half of what the full log needs, so results must go until it fits.
    let full = serde_json::to_vec_pretty(&sarif_json(&r, &SarifOptions::default())).unwrap();
    let limit = gzip_len(&full) / 2;
    let opts = SarifOptions {
        max_gzip_bytes: limit,
        ..SarifOptions::default()
    };
    let doc = sarif_json(&r, &opts);
    let out = serde_json::to_vec_pretty(&doc).unwrap();
    assert!(gzip_len(&out) <= limit, "{} > {limit}", gzip_len(&out));
    let n = doc["runs"][0]["results"].as_array().unwrap().len()
        + doc["runs"][1]["results"].as_array().unwrap().len();
    assert!((1..60).contains(&n), "{n}");
    let errors = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["level"] == "error")
        .count();
    assert_eq!(errors, 3, "the most severe are kept");
    let text = serde_json::to_string(&doc).unwrap();
    assert!(text.contains("results are left out"));
}

fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap().len()
}

#[test]
fn markdown_snapshot_groups_by_verdict() {
    let r = demo_report();
    let body = markdown::render(
        &r,
        &MarkdownOptions {
            link_base: Some("https://github.com/o/r/blob/abc123".into()),
            ..MarkdownOptions::default()
        },
    );
    assert!(body.starts_with(MARKER));
    for k in KINDS {
        assert!(body.contains(&format!(" {} (", k.as_str())), "{k:?}");
    }
    assert!(body.contains("[src/notify.py:5](https://github.com/o/r/blob/abc123/src/notify.py#L5)"));
    insta::assert_snapshot!("markdown_demo", version_free(&body));
}

#[test]
fn markdown_collapses_long_groups_and_stays_under_the_comment_limit() {
    let t = many_findings(700);
    let r = run(&ScanSettings::new(t.path())).unwrap();
    // A few generated values fall to the entropy filter; several hundred remain.
    let n = r.findings.len();
    assert!(n > 600, "{n}");
    let body = markdown::render(&r, &MarkdownOptions::default());
    assert!(body.chars().count() <= markdown::GITHUB_COMMENT_LIMIT);
    assert!(
        body.chars().count() > markdown::GITHUB_COMMENT_LIMIT - 1000,
        "fills the room"
    );
    assert!(body.contains(&format!("<details><summary>{n} findings</summary>")));
    assert!(
        body.contains("rows are not shown"),
        "expected a truncation note"
    );
    assert!(body.trim_end().ends_with("</sub>"));
    // Small limits too.
    let body = markdown::render(
        &r,
        &MarkdownOptions {
            max_chars: 3000,
            ..MarkdownOptions::default()
        },
    );
    assert!(body.chars().count() <= 3000, "{}", body.chars().count());
    assert!(body.contains("rows are not shown"));
}

#[test]
fn markdown_for_an_empty_scan() {
    let t = Tree::new();
    t.write("README.md", "nothing here\n");
    let out = t.run(&["scan", ".", "--markdown", "pr.md"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let body = std::fs::read_to_string(t.path().join("pr.md")).unwrap();
    assert!(body.starts_with(MARKER));
    assert!(body.contains("no findings"));
    assert!(body.len() < 300, "{body}");
    let out = t.run(&["scan", ".", "--markdown", "pr.md", "--markdown-skip-empty"]);
    assert_eq!(out.code, 0);
    assert_eq!(std::fs::read_to_string(t.path().join("pr.md")).unwrap(), "");
}

#[test]
fn github_annotations_and_job_summary() {
    let t = Tree::new();
    t.write("conf/app, v2.env", "API_TOKEN=\"q7Rz2LxN4vKp9TmW\"\n");
    let summary = t.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"))
        .args(["scan", ".", "--format", "github"])
        .current_dir(t.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "::error file=conf/app%2C v2.env,line=1,col=12,endColumn=28,\
             title=Secret assigned to a secret-named key (generic-secret-assignment)::"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("::Secret assigned to a secret-named key q7Rz…(16 chars) is unregistered"),
        "{stdout}"
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("missing", t.path().join("dangling")).unwrap();
        let out = t.run(&["scan", ".", "--format", "github", "--follow-symlinks"]);
        assert!(
            out.stdout
                .contains("::warning file=dangling,title=nhiscan could not scan this file::"),
            "{}",
            out.stdout
        );
    }
    let s = std::fs::read_to_string(&summary).unwrap();
    assert!(s.starts_with("earlier step\n"), "appended, not replaced");
    assert!(s.contains(MARKER));

    let r = demo_report();
    let mut buf = Vec::new();
    github::write_annotations(&r, &mut buf).unwrap();
    insta::assert_snapshot!("github_demo", String::from_utf8(buf).unwrap());
}

#[test]
fn jsonl_has_one_finding_per_line_then_a_summary() {
    let out = crate::harness::run_in(&demo(), &["scan", ".", "--format", "jsonl"]);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 13);
    assert!(lines[..12].iter().all(|l| l["type"] == "finding"));
    assert_eq!(lines[12]["type"], "summary");
    assert_eq!(lines[12]["schema_version"], 1);
    assert_eq!(lines[12]["summary"]["findings"], 12);
    assert!(lines[12].get("findings").is_none());
}

#[test]
fn several_outputs_from_one_scan() {
    let t = Tree::new();
    t.write("conf/app.env", "API_TOKEN=\"q7Rz2LxN4vKp9TmW\"\n");
    let out = t.run(&[
        "scan",
        ".",
        "--sarif",
        "o/r.sarif",
        "--markdown",
        "o/r.md",
        "--json",
        "o/r.json",
        "--jsonl",
        "o/r.jsonl",
    ]);
    // The output directory does not exist: a clear error, exit 2.
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("o/r.sarif: cannot write report"),
        "{}",
        out.stderr
    );
    std::fs::create_dir(t.path().join("o")).unwrap();
    let out = t.run(&[
        "scan",
        ".",
        "--sarif",
        "o/r.sarif",
        "--markdown",
        "o/r.md",
        "--json",
        "o/r.json",
        "--jsonl",
        "o/r.jsonl",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("conf/app.env\n"),
        "text still on stdout"
    );
    let read = |p: &str| std::fs::read_to_string(t.path().join(p)).unwrap();
    let sarif: Value = serde_json::from_str(&read("o/r.sarif")).unwrap();
    assert_schema_valid(&sarif);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
    assert!(read("o/r.md").contains("generic-secret-assignment"));
    let json: Value = serde_json::from_str(&read("o/r.json")).unwrap();
    assert_eq!(json["summary"]["findings"], 1);
    assert_eq!(read("o/r.jsonl").lines().count(), 2);
}

fn report_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/report.schema.json")).unwrap();
    jsonschema::draft7::new(&schema).expect("report schema compiles")
}

#[test]
fn json_and_jsonl_follow_the_documented_schema() {
    let v = report_validator();
    let check = |doc: &Value| {
        let errors: Vec<String> = v
            .iter_errors(doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    };
    // Every optional field present: a baseline, a file that cannot be read, --show-secrets.
    let t = Tree::new();
    t.write("a.env", "API_TOKEN=\"q7Rz2LxN4vKp9TmW\"\n");
    t.write(
        "db.env",
        "DATABASE_URL=postgres://app:Hj38dkQpZ1xVw7Lm@db.internal:5432/x\n",
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink("missing", t.path().join("dangling")).unwrap();
    let side = Tree::new();
    let bl = side.path().join("b.json");
    std::fs::write(&bl, "{\"version\": 1, \"entries\": []}").unwrap();
    let out = t.run(&[
        "scan",
        ".",
        "--format",
        "json",
        "--show-secrets",
        "--follow-symlinks",
        "--baseline",
        bl.to_str().unwrap(),
    ]);
    let doc = out.json();
    assert!(doc["baseline"].is_object() && doc["findings"][0]["secret"].is_string());
    #[cfg(unix)]
    assert_eq!(doc["errors"].as_array().unwrap().len(), 1, "{doc}");
    assert!(doc["findings"][0]["key_id"].is_string() || doc["findings"][1]["key_id"].is_string());
    check(&doc);
    check(&crate::harness::run_in(&demo(), &["scan", ".", "--format", "json"]).json());
    // JSONL: each finding line is a finding; the summary line is the report minus findings.
    let out = crate::harness::run_in(&demo(), &["scan", ".", "--format", "jsonl"]);
    let mut findings = Vec::new();
    let mut summary = Value::Null;
    for line in out.stdout.lines() {
        let mut l: Value = serde_json::from_str(line).unwrap();
        let kind = l.as_object_mut().unwrap().remove("type").unwrap();
        if kind == "finding" {
            findings.push(l);
        } else {
            summary = l;
        }
    }
    summary["findings"] = Value::Array(findings);
    check(&summary);
    // The schema can fail: an undocumented field is rejected.
    let mut doc = doc;
    doc["findings"][0]["surprise"] = Value::Bool(true);
    assert!(!v.is_valid(&doc));
}

#[test]
fn real_verdicts_and_identities_from_the_demo_inventory_in_every_format() {
    let inv = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory/demo-inventory.yaml");
    let inv = inv.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = |n: &str| dir.path().join(n).display().to_string();
    let (sarif_path, md_path) = (file("r.sarif"), file("r.md"));
    let args = [
        "scan",
        ".",
        "--inventory",
        inv,
        "--now",
        "2025-06-01",
        "--format",
        "github",
        "--sarif",
        &sarif_path,
        "--markdown",
        &md_path,
    ];
    let out = crate::harness::run_in(&demo(), &args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_schema_valid(&doc);
    let gov: Vec<&Value> = doc["runs"][1]["results"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let kinds: std::collections::BTreeSet<&str> =
        gov.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert!(kinds.len() >= 3, "several verdict kinds: {kinds:?}");
    let pat = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "github-pat-classic")
        .unwrap();
    assert_eq!(pat["properties"]["owner"], "platform-team");
    assert_eq!(pat["properties"]["identityId"], "github-ci");
    let msg = pat["message"]["text"].as_str().unwrap();
    assert!(
        msg.contains("Owner: platform-team (identity `github-ci`)"),
        "{msg}"
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(md.contains("platform-team (`github-ci`)"), "{md}");
    assert!(
        out.stdout.contains("Owner: platform-team"),
        "{}",
        out.stdout
    );
    insta::assert_snapshot!("markdown_demo_inventory", version_free(&md));
}
