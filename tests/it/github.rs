//! Pull-request comments against a local mock GitHub API on 127.0.0.1 (wiremock), with payloads
//! shaped like GitHub's documented responses.

use std::time::Duration;

use nhiscan::github::{
    self, CommentMode, CommentSettings, LineFinding, PullRequest, SummaryAction, SUMMARY_MARKER,
};
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const C: &str = "/repos/acme/app/issues/7/comments";

fn pr() -> PullRequest {
    PullRequest {
        owner: "acme".into(),
        repo: "app".into(),
        number: 7,
        head_sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e".into(),
        fork: false,
    }
}

fn finding(path: &str, line: u64) -> LineFinding {
    LineFinding {
        rule_id: "github-pat-classic".into(),
        rule_name: "GitHub personal access token (classic)".into(),
        severity: "error".into(),
        redacted: "ghp_…(40 chars)".into(),
        path: path.into(),
        line,
    }
}

fn settings(server: &MockServer, mode: CommentMode, findings: Vec<LineFinding>) -> CommentSettings {
    let mut s = CommentSettings::new(&server.uri(), "test-token", mode);
    s.body = "### nhiscan\n\n1 finding".into();
    s.findings = findings;
    s.backoff = Duration::from_millis(10);
    s.rate_limit_wait = Duration::from_millis(300);
    s
}

/// An issue comment as `GET /repos/{owner}/{repo}/issues/{n}/comments` lists it.
fn issue_comment(id: u64, body: &str) -> serde_json::Value {
    json!({
        "id": id, "node_id": "MDEyOklzc3VlQ29tbWVudDE=",
        "url": format!("https://api.github.com/repos/acme/app/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/app/pull/7#issuecomment-{id}"),
        "body": body, "user": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
        "created_at": "2024-01-01T10:00:00Z", "updated_at": "2024-01-01T10:00:00Z",
        "author_association": "NONE"
    })
}

#[tokio::test]
async fn first_run_creates_second_updates_the_same_comment_zero_findings_resolve_it() {
    let server = MockServer::start().await;
    // First run: no comment yet.
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([issue_comment(1, "LGTM")])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(C))
        .and(body_string_contains("nhiscan:summary"))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue_comment(99, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let s = settings(&server, CommentMode::Summary, vec![finding("a.env", 1)]);
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Created(99));

    // Second run: the marker finds comment 99; it is edited, never a second one.
    let ours = issue_comment(99, &format!("{SUMMARY_MARKER}\n### old"));
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([issue_comment(1, "LGTM"), ours])),
        )
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/app/issues/comments/99"))
        .and(body_string_contains("1 finding"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue_comment(99, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Updated(99));

    // Zero findings: the same comment says resolved.
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/app/issues/comments/99"))
        .and(body_string_contains("Resolved"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue_comment(99, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let s = settings(&server, CommentMode::Summary, vec![]);
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Resolved(99));
    // `expect` counts are verified when the server drops: one POST, two PATCHes.
}

#[tokio::test]
async fn zero_findings_and_no_comment_say_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let o = github::comment(&settings(&server, CommentMode::Both, vec![]), &pr())
        .await
        .unwrap();
    assert_eq!(o.summary, SummaryAction::Nothing);
}

#[tokio::test]
async fn review_comments_only_on_added_lines_and_never_twice() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/pulls/7/files"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "app.env",
             "status": "modified", "additions": 2, "deletions": 1, "changes": 3,
             "patch": "@@ -1,3 +1,4 @@\n keep\n-old\n+NEW_TOKEN=1\n+OTHER=2\n tail"},
            {"sha": "aacd538c8e72b8c175046e27cc8f907076331401", "filename": "image.png",
             "status": "added", "additions": 0, "deletions": 0, "changes": 0}
        ])))
        .mount(&server)
        .await;
    // Line 3 was commented on by an earlier run.
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/pulls/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 10, "path": "app.env", "line": 3, "side": "RIGHT", "original_line": 3,
             "commit_id": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
             "body": "<!-- nhiscan:finding github-pat-classic -->\n**nhiscan** …",
             "user": {"login": "github-actions[bot]"}}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/pulls/7/reviews"))
        .and(body_string_contains("\"line\":2"))
        .and(body_string_contains("\"side\":\"RIGHT\""))
        .and(body_string_contains(
            "6dcb09b5b57875f334f61aebed695e2e4193db5e",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 80, "state": "COMMENTED"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let s = settings(
        &server,
        CommentMode::Review,
        vec![
            finding("app.env", 2),   // added: commented
            finding("app.env", 3),   // added, already commented
            finding("app.env", 1),   // context line: GitHub would answer 422
            finding("other.env", 5), // not in the diff
        ],
    );
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.review_comments, 1);
    assert_eq!(o.duplicates, 1);
    assert_eq!(o.outside_diff, 2);
    let reqs = server.received_requests().await.unwrap();
    let review = reqs
        .iter()
        .find(|r| r.url.path().ends_with("/reviews"))
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&review.body).unwrap();
    assert_eq!(body["comments"].as_array().unwrap().len(), 1);
    assert_eq!(body["comments"][0]["line"], 2);
    assert!(body["comments"][0]["body"]
        .as_str()
        .unwrap()
        .contains("ghp_…(40 chars)"));
    assert_eq!(
        reqs[0]
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        "Bearer test-token"
    );
}

#[tokio::test]
async fn rate_limit_403_with_retry_after_then_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .insert_header("x-ratelimit-remaining", "0")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue_comment(5, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let start = std::time::Instant::now();
    let s = settings(&server, CommentMode::Summary, vec![finding("a", 1)]);
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Created(5));
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "retry-after was not honoured"
    );
}

#[tokio::test]
async fn server_errors_twice_then_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "Server Error"})))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue_comment(6, "x")))
        .mount(&server)
        .await;
    let s = settings(&server, CommentMode::Summary, vec![finding("a", 1)]);
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Created(6));

    // A server that never recovers: an error after the attempts, not a hang.
    let down = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&down)
        .await;
    let mut s = settings(&down, CommentMode::Summary, vec![finding("a", 1)]);
    s.attempts = 3;
    let e = github::comment(&s, &pr()).await.unwrap_err();
    assert!(e.to_string().contains("HTTP 502"), "{e}");
}

/// Issue 12: one line GitHub cannot resolve made it reject the whole review (422); now the
/// comments go one by one, and the one it refuses is skipped.
#[tokio::test]
async fn issue_12_rejected_review_falls_back_to_single_comments() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/pulls/7/files"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"filename": "a.env", "status": "added", "patch": "@@ -0,0 +1,2 @@\n+T=1\n+U=2"}])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/pulls/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/pulls/7/reviews"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Unprocessable Entity",
            "errors": ["Line could not be resolved"],
            "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"})))
        .expect(1) // 422 is not retried
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/pulls/7/comments"))
        .and(body_string_contains("\"line\":2"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{"resource": "PullRequestReviewComment", "code": "custom",
                        "field": "pull_request_review_thread.line", "message": "could not be resolved"}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/pulls/7/comments"))
        .and(body_string_contains("\"line\":1"))
        .and(body_string_contains("commit_id"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let s = settings(
        &server,
        CommentMode::Review,
        vec![finding("a.env", 1), finding("a.env", 2)],
    );
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!((o.review_comments, o.rejected), (1, 1), "{o:?}");
}

/// A secondary rate limit (403 saying so, no retry-after) is retried after the configured
/// wait (a minute by default), not dropped.
#[tokio::test]
async fn secondary_rate_limit_without_retry_after_is_retried_after_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue_comment(8, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let s = settings(&server, CommentMode::Summary, vec![finding("a", 1)]);
    let start = std::time::Instant::now();
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Created(8));
    assert!(
        start.elapsed() >= s.rate_limit_wait,
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        CommentSettings::new("x", "t", CommentMode::Summary).rate_limit_wait,
        Duration::from_secs(60)
    );

    // A 429 asking for longer than the run waits: an error at once, not a hang.
    let busy = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&busy)
        .await;
    let s = settings(&busy, CommentMode::Summary, vec![finding("a", 1)]);
    let start = std::time::Instant::now();
    let e = github::comment(&s, &pr()).await.unwrap_err();
    assert!(e.to_string().contains("HTTP 429"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// Issue 12: a POST answered 502 may have been carried out; it is not sent again blindly.
/// The comments are listed first, and the one that landed is the result: one comment.
#[tokio::test]
async fn issue_12_post_answered_502_is_not_posted_twice() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // The POST lands, but the answer is lost behind a 502.
    Mock::given(method("POST"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let landed = issue_comment(42, &format!("{SUMMARY_MARKER}\n### nhiscan"));
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([landed])))
        .mount(&server)
        .await;
    let s = settings(&server, CommentMode::Summary, vec![finding("a", 1)]);
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Created(42));

    // When it did not land, it is posted again: still exactly one comment.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue_comment(43, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let o = github::comment(&s_for(&server), &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Created(43));
}

fn s_for(server: &MockServer) -> CommentSettings {
    settings(server, CommentMode::Summary, vec![finding("a", 1)])
}

#[tokio::test]
async fn fork_pull_requests_are_skipped_with_a_notice() {
    let server = MockServer::start().await;
    let mut p = pr();
    p.fork = true;
    let s = settings(&server, CommentMode::Both, vec![finding("a", 1)]);
    let o = github::comment(&s, &p).await.unwrap();
    assert!(o.skipped.unwrap().contains("fork"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn pagination_over_three_pages_finds_the_marker_on_the_last() {
    let server = MockServer::start().await;
    let link = |page: u32| {
        format!(
            "<{}/repositories/1/issues/7/comments?per_page=100&page={page}>; rel=\"next\", <{}/repositories/1/issues/7/comments?per_page=100&page=3>; rel=\"last\"",
            server.uri(),
            server.uri()
        )
    };
    Mock::given(method("GET"))
        .and(path(C))
        .and(query_param("per_page", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", link(2).as_str())
                .set_body_json(json!([issue_comment(1, "first page")])),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repositories/1/issues/7/comments"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", link(3).as_str())
                .set_body_json(json!([issue_comment(2, "second page")])),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repositories/1/issues/7/comments"))
        .and(query_param("page", "3"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([issue_comment(3, &format!("{SUMMARY_MARKER}\nold"))])),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/app/issues/comments/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue_comment(3, "x")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let s = settings(&server, CommentMode::Summary, vec![finding("a", 1)]);
    let o = github::comment(&s, &pr()).await.unwrap();
    assert_eq!(o.summary, SummaryAction::Updated(3));
}

/// `nhiscan github comment` through the binary, against `server`.
async fn run_binary(server_uri: String, event: serde_json::Value) -> crate::harness::Output {
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let report = json!({"schema_version": 1, "summary": {"findings": 1, "failing": 1},
            "findings": [{"rule_id": "github-pat-classic", "rule_name": "GitHub PAT",
                "severity": "error", "redacted": "ghp_…(40 chars)", "fingerprint": "sha256:00",
                "locations": [{"path": "a.env", "line": 1, "column": 1}]}]});
        std::fs::write(dir.path().join("report.json"), report.to_string()).unwrap();
        std::fs::write(dir.path().join("event.json"), event.to_string()).unwrap();
        std::fs::write(dir.path().join("body.md"), "### from the markdown report\n").unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"))
            .args([
                "github",
                "comment",
                "--report",
                "report.json",
                "--body",
                "body.md",
            ])
            .args(["--event", "event.json", "--event-name", "pull_request"])
            .args(["--api-url", &server_uri])
            .current_dir(dir.path())
            .env("GITHUB_TOKEN", "test-token")
            .output()
            .unwrap();
        crate::harness::Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

fn event(head_repo: &str) -> serde_json::Value {
    json!({"action": "synchronize", "number": 7, "pull_request": {"number": 7,
        "base": {"sha": "a", "repo": {"full_name": "acme/app"}},
        "head": {"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "repo": {"full_name": head_repo}}}})
}

#[tokio::test]
async fn the_binary_posts_the_body_file_and_a_failure_is_only_a_warning() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(C))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(C))
        .and(body_string_contains("from the markdown report"))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue_comment(11, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let out = run_binary(server.uri(), event("acme/app")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Created(11)"), "{}", out.stderr);

    // GitHub refuses (403 without rate limit: a read-only token): a notice naming the
    // permission, exit 0.
    let refusing = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration"})))
        .mount(&refusing)
        .await;
    let out = run_binary(refusing.uri(), event("acme/app")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("notice: this token may not comment")
            && out.stderr.contains("pull-requests: write"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Resource not accessible"),
        "{}",
        out.stderr
    );

    // A fork: a notice, no request at all.
    let quiet = MockServer::start().await;
    let out = run_binary(quiet.uri(), event("mallory/app")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("notice") && out.stderr.contains("fork"),
        "{}",
        out.stderr
    );
    assert!(quiet.received_requests().await.unwrap().is_empty());
}
