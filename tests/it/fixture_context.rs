//! Issue #15 item 4: test and fixture context lowers a finding's confidence, never hides it.

use crate::harness::Tree;
use nhiscan::secret::fingerprint;

const S: &str = "q7Rz2LxN4vKp9TmWb3Yc";

/// A credential seen only in test or fixture paths is still reported, with
/// confidence `low` and the reason, under the default `--confidence medium`; the same value
/// in application code keeps the rule's confidence.
#[test]
fn test_and_fixture_paths_lower_confidence_without_hiding() {
    let t = Tree::new();
    let line = format!("SERVICE_SECRET = \"{S}\"\n");
    for p in [
        "tests/fixtures/settings.py",
        "internal/auth/client_test.go",
        "web/src/__mocks__/client.js",
        "spec/client_spec.rb",
        "app/.env.example",
    ] {
        t.write(p, &line);
    }
    t.write("src/app.py", "OTHER_SECRET = \"Zp4xQ8rNw2LmK7vTy5Bs\"\n");
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{doc:#}");
    let fixture = findings
        .iter()
        .find(|f| f["fingerprint"] == fingerprint(S.as_bytes()))
        .expect("the fixture finding stays");
    assert_eq!(fixture["locations"].as_array().unwrap().len(), 5, "{doc:#}");
    assert_eq!(fixture["confidence"], "low", "{doc:#}");
    assert_eq!(
        fixture["confidence_reason"], "test or fixture path",
        "{doc:#}"
    );
    let app = findings
        .iter()
        .find(|f| f["fingerprint"] != fingerprint(S.as_bytes()))
        .unwrap();
    assert_eq!(app["confidence"], "medium", "{doc:#}");
    assert!(app.get("confidence_reason").is_none(), "{doc:#}");
    // Once the value is also in application code, it is no longer only a fixture.
    t.write("src/settings.py", &line);
    let doc = t
        .run(&["scan", ".", "--format", "json", "--fail-on", "none"])
        .json();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fingerprint"] == fingerprint(S.as_bytes()))
        .unwrap();
    assert_eq!(f["confidence"], "medium", "{doc:#}");
    // Text output names the reason.
    let text = t.run(&["scan", "tests", "--fail-on", "none"]);
    assert!(
        text.stdout
            .contains("[low confidence: test or fixture path]"),
        "{}",
        text.stdout
    );
}
