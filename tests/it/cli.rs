//! The command line as a user meets it.

use crate::harness::Tree;

#[test]
fn help_and_version() {
    let t = Tree::new();
    let out = t.run(&["--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("scan"));
    let out = t.run(&["--version"]);
    assert!(out.stdout.starts_with("nhiscan "));
}

#[test]
fn bad_arguments_exit_2() {
    let t = Tree::new();
    assert_eq!(t.run(&["scan", "--format", "xml"]).code, 2);
    assert_eq!(t.run(&["scan", "--max-file-size", "lots"]).code, 2);
    assert_eq!(t.run(&["frobnicate"]).code, 2);
}

#[test]
fn rules_list_and_check_through_the_binary() {
    let t = Tree::new();
    let out = t.run(&["rules", "list"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("generic-secret-assignment"));
    let out = t.run(&["rules", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() > 150);
    let out = t.run(&["rules", "check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("all passed"));
}

#[test]
fn text_output_groups_by_file_with_a_summary() {
    let t = Tree::new();
    t.write("conf/app.env", "API_TOKEN=\"q7Rz2LxN4vKp9TmW\"\n");
    let out = t.run(&["scan", "."]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("conf/app.env\n"), "{}", out.stdout);
    assert!(out.stdout.contains("1:12"), "{}", out.stdout);
    assert!(out.stdout.contains("generic-secret-assignment"));
    assert!(
        out.stderr.contains("1 finding (1 location)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("scanned 1 file"), "{}", out.stderr);
    assert!(
        !out.stdout.contains('\x1b'),
        "NO_COLOR is set: no escape codes"
    );
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    // `nhiscan scan … | head -c 100`: the reader leaves long before the report is written.
    let t = Tree::new();
    let body = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/demo/config/aws-credentials"),
    )
    .unwrap();
    // Enough locations that the JSON report is far larger than a pipe's buffer.
    for i in 0..600 {
        t.write(&format!("d{i}/credentials"), &body);
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"))
        .args(["scan", ".", "--format", "json", "--fail-on", "none"])
        .current_dir(t.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    use std::io::Read;
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stdout is dropped here: the pipe's reading end is closed.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("error"), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}
