//! The only place that talks to the GitHub API: pull-request comments through octocrab (and
//! the repository and Actions-secret listings of `org scan` and `inventory import --live`).
//!
//! One summary comment per pull request, found again by a hidden marker and edited in place
//! (never a second one), marked resolved when findings drop to zero; optional review comments
//! on added lines only, never duplicating one already there. Every request goes through
//! [`Client::send`], which retries rate limits (403/429, `retry-after`, backoff) and 5xx.
//! A failure to comment is a warning for the caller, never a reason to change the exit code.

pub mod diff;
pub mod repos;
pub mod secrets;

use std::collections::BTreeSet;
use std::time::Duration;

use http::header::HeaderMap;
use http::StatusCode;
use serde_json::{json, Value};

/// Hidden marker of the summary comment.
pub const SUMMARY_MARKER: &str = "<!-- nhiscan:summary -->";
/// Hidden marker prefix of a line comment; followed by the rule id.
pub const LINE_MARKER: &str = "<!-- nhiscan:finding ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentMode {
    Summary,
    Review,
    Both,
}

impl CommentMode {
    fn summary(self) -> bool {
        matches!(self, CommentMode::Summary | CommentMode::Both)
    }
    fn review(self) -> bool {
        matches!(self, CommentMode::Review | CommentMode::Both)
    }
}

/// The pull request, from the event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub owner: String,
    pub repo: String,
    pub number: u64,
    pub head_sha: String,
    /// The head branch lives in another repository, whose token cannot comment here.
    pub fork: bool,
}

impl PullRequest {
    /// From a `pull_request` (or `pull_request_target`) event payload. A `pull_request_target`
    /// run has a token of the base repository, so a fork PR can be commented on there.
    pub fn from_event(event_name: &str, payload: &Value) -> Result<PullRequest, String> {
        let pr = payload
            .get("pull_request")
            .ok_or_else(|| format!("the {event_name} event has no pull_request"))?;
        let s = |v: &Value| v.as_str().map(str::to_string);
        let base_repo = s(&pr["base"]["repo"]["full_name"])
            .or_else(|| s(&payload["repository"]["full_name"]))
            .ok_or("the event names no repository")?;
        let head_repo = s(&pr["head"]["repo"]["full_name"]);
        let (owner, repo) = base_repo
            .split_once('/')
            .ok_or_else(|| format!("bad repository name {base_repo:?}"))?;
        Ok(PullRequest {
            owner: owner.to_string(),
            repo: repo.to_string(),
            number: pr["number"]
                .as_u64()
                .or_else(|| payload["number"].as_u64())
                .ok_or("the event has no pull request number")?,
            head_sha: s(&pr["head"]["sha"]).ok_or("the event has no head sha")?,
            fork: event_name != "pull_request_target"
                && head_repo.is_some_and(|h| !h.eq_ignore_ascii_case(&base_repo)),
        })
    }
}

/// One place to comment on, from a JSON report (`nhiscan scan -f json`): redacted only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFinding {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: String,
    pub redacted: String,
    pub path: String,
    pub line: u64,
}

/// The findings of a JSON report, one per location.
pub fn line_findings(report: &crate::report::view::ReportView) -> Vec<LineFinding> {
    let mut out = Vec::new();
    for f in &report.findings {
        for l in &f.locations {
            out.push(LineFinding {
                rule_id: f.rule_id.clone(),
                rule_name: f.rule_name.clone(),
                severity: f.severity.clone(),
                redacted: f.redacted.clone(),
                path: l.path.clone(),
                line: l.line,
            });
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct CommentSettings {
    /// API root: `https://api.github.com`, or a GitHub Enterprise Server's `https://HOST/api/v3`.
    pub api_url: String,
    pub token: String,
    pub mode: CommentMode,
    /// Markdown body of the summary comment (e.g. what `--markdown` writes).
    pub body: String,
    pub findings: Vec<LineFinding>,
    /// Attempts per request (rate limits and 5xx).
    pub attempts: u32,
    /// First backoff delay; doubled each retry.
    pub backoff: Duration,
    /// Longest wait honoured from `retry-after` or a rate-limit reset; a longer one is not
    /// waited for (the request fails, the report is kept).
    pub max_wait: Duration,
    /// First wait after a secondary rate limit or a 429 that names no time (GitHub: at least
    /// a minute, then exponentially longer).
    pub rate_limit_wait: Duration,
}

impl CommentSettings {
    pub fn new(api_url: &str, token: &str, mode: CommentMode) -> CommentSettings {
        CommentSettings {
            api_url: api_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            mode,
            body: String::new(),
            findings: Vec::new(),
            attempts: 5,
            backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(300),
            rate_limit_wait: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryAction {
    Created(u64),
    Updated(u64),
    Unchanged(u64),
    Resolved(u64),
    /// No findings and no earlier comment: nothing to say.
    Nothing,
    NotAsked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub summary: SummaryAction,
    pub review_comments: usize,
    /// Findings not on an added line of the diff (no line comment possible).
    pub outside_diff: usize,
    /// Already commented on.
    pub duplicates: usize,
    /// Line comments GitHub refused one by one (422) after it refused the whole review.
    pub rejected: usize,
    /// Set when nothing was attempted (fork PR).
    pub skipped: Option<String>,
}

impl GithubError {
    /// The request may have been carried out (a 5xx, or no answer): a POST is not simply
    /// sent again.
    fn maybe_done(&self) -> bool {
        match self {
            GithubError::Status { status, .. } => *status >= 500,
            GithubError::Transport { .. } => true,
            GithubError::Client(_) => false,
        }
    }
    fn status(&self) -> Option<u16> {
        match self {
            GithubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub API {method} {path}: HTTP {status}: {message}")]
    Status {
        method: &'static str,
        path: String,
        status: u16,
        message: String,
    },
    #[error("GitHub API {method} {path}: {source}")]
    Transport {
        method: &'static str,
        path: String,
        source: Box<octocrab::Error>,
    },
    #[error("GitHub client: {0}")]
    Client(String),
}

struct Response {
    headers: HeaderMap,
    json: Value,
}

struct Client<'a> {
    octo: octocrab::Octocrab,
    s: &'a CommentSettings,
    /// Path prefix of the API root (GitHub Enterprise Server: `/api/v3`).
    prefix: String,
}

impl<'a> Client<'a> {
    fn new(s: &'a CommentSettings) -> Result<Client<'a>, GithubError> {
        let uri: http::Uri = s
            .api_url
            .parse()
            .map_err(|e| GithubError::Client(format!("bad API URL {:?}: {e}", s.api_url)))?;
        let prefix = uri.path().trim_end_matches('/').to_string();
        let root = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or("https"),
            uri.authority().map(|a| a.as_str()).unwrap_or_default()
        );
        let octo = octocrab::Octocrab::builder()
            .base_uri(root)
            .map_err(|e| GithubError::Client(e.to_string()))?
            .personal_token(s.token.clone())
            .build()
            .map_err(|e| GithubError::Client(e.to_string()))?;
        Ok(Client { octo, s, prefix })
    }

    /// One request with retries. Rate limits (429, 403 with `retry-after`, an exhausted
    /// primary limit, a secondary limit) are retried after the time GitHub names, or at least
    /// [`CommentSettings::rate_limit_wait`] doubling, for every method: GitHub refused the
    /// request before acting on it. 5xx and transport errors are retried with exponential
    /// backoff except for POST, which may have been carried out: the caller checks first.
    async fn send(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, GithubError> {
        let full = if path.starts_with(&self.prefix) {
            path.to_string()
        } else {
            format!("{}{}", self.prefix, path)
        };
        let retry_unknown = method != "POST";
        let mut delay = self.s.backoff;
        let mut rate_delay = self.s.rate_limit_wait;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = match method {
                "GET" => self.octo._get(full.as_str()).await,
                "POST" => self.octo._post(full.as_str(), body).await,
                "PATCH" => self.octo._patch(full.as_str(), body).await,
                _ => self.octo._delete(full.as_str(), body).await,
            };
            let resp = match sent {
                Ok(r) => r,
                Err(e) if retry_unknown && attempt < self.s.attempts => {
                    eprintln!("nhiscan: GitHub {method} {path}: {e}; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    continue;
                }
                Err(source) => {
                    return Err(GithubError::Transport {
                        method,
                        path: path.to_string(),
                        source: Box::new(source),
                    })
                }
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            let text =
                self.octo
                    .body_to_string(resp)
                    .await
                    .map_err(|source| GithubError::Transport {
                        method,
                        path: path.to_string(),
                        source: Box::new(source),
                    })?;
            if status.is_success() {
                let json = if text.trim().is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&text).unwrap_or(Value::Null)
                };
                return Ok(Response { headers, json });
            }
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| text.chars().take(200).collect());
            let wait = match retry_wait(status, &headers, &message, delay, rate_delay) {
                Retry::RateLimited(w) if w <= self.s.max_wait => {
                    rate_delay *= 2;
                    Some(w)
                }
                Retry::RateLimited(w) => {
                    eprintln!(
                        "nhiscan: GitHub {method} {path}: rate limited for {}s, longer than the {}s this run waits",
                        w.as_secs(),
                        self.s.max_wait.as_secs()
                    );
                    None
                }
                Retry::Server(w) if retry_unknown => Some(w.min(self.s.max_wait)),
                Retry::Server(_) | Retry::No => None,
            };
            if let Some(wait) = wait.filter(|_| attempt < self.s.attempts) {
                eprintln!(
                    "nhiscan: GitHub {method} {path}: HTTP {}; retrying in {:.1}s",
                    status.as_u16(),
                    wait.as_secs_f64()
                );
                tokio::time::sleep(wait).await;
                delay *= 2;
                continue;
            }
            return Err(GithubError::Status {
                method,
                path: path.to_string(),
                status: status.as_u16(),
                message,
            });
        }
    }

    /// POST that never posts twice: when the answer leaves it unknown whether GitHub carried
    /// it out (5xx, no answer), `landed` looks for the result (re-listing by marker) before
    /// the POST is sent again.
    async fn post_once<F, Fut>(
        &self,
        path: &str,
        body: &Value,
        landed: F,
    ) -> Result<Value, GithubError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<Value>, GithubError>>,
    {
        let mut delay = self.s.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send("POST", path, Some(body)).await {
                Ok(r) => return Ok(r.json),
                Err(e) if e.maybe_done() && attempt < self.s.attempts => {
                    eprintln!("nhiscan: {e}; checking whether it was posted before retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    if let Some(found) = landed().await? {
                        eprintln!("nhiscan: it was: not posting it again");
                        return Ok(found);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Every item of a list endpoint, following `Link: <…>; rel="next"`.
    async fn get_all(&self, path: &str) -> Result<Vec<Value>, GithubError> {
        self.get_all_in(path, None).await
    }

    /// Every item of a paged list: the page itself, or its array under `key` (the secrets
    /// endpoints answer `{"total_count": N, "secrets": [...]}`).
    async fn get_all_in(&self, path: &str, key: Option<&str>) -> Result<Vec<Value>, GithubError> {
        let mut out = Vec::new();
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        while let Some(p) = next.take() {
            let r = self.send("GET", &p, None).await?;
            let page = match key {
                Some(k) => r.json.get(k).cloned().unwrap_or(Value::Null),
                None => r.json,
            };
            if let Value::Array(items) = page {
                out.extend(items);
            }
            next = next_link(&r.headers);
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    No,
    /// GitHub refused the request for now: wait this long.
    RateLimited(Duration),
    /// A server error: the request may or may not have been carried out.
    Server(Duration),
}

/// Whether and how long to wait before retrying. GitHub's rules: `retry-after` seconds when
/// given; an exhausted primary limit (`x-ratelimit-remaining: 0`) until `x-ratelimit-reset`;
/// a secondary limit (403 or 429 saying so) or a 429 without either header at least a minute,
/// then exponentially longer (`rate_wait` is the current step).
fn retry_wait(
    status: StatusCode,
    headers: &HeaderMap,
    message: &str,
    backoff: Duration,
    rate_wait: Duration,
) -> Retry {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let retry_after = header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let exhausted = header("x-ratelimit-remaining") == Some("0");
    let reset = header("x-ratelimit-reset")
        .and_then(|v| v.parse::<u64>().ok())
        .map(|t| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            // One second past the reset, as GitHub's own clients do.
            Duration::from_secs(t.saturating_sub(now) + 1)
        });
    let secondary = message
        .to_ascii_lowercase()
        .contains("secondary rate limit");
    match status.as_u16() {
        403 | 429 if retry_after.is_some() => Retry::RateLimited(retry_after.unwrap_or(rate_wait)),
        403 | 429 if exhausted && reset.is_some() => Retry::RateLimited(reset.unwrap_or(rate_wait)),
        429 => Retry::RateLimited(rate_wait),
        403 if secondary || exhausted => Retry::RateLimited(rate_wait),
        s if s >= 500 => Retry::Server(retry_after.unwrap_or(backoff)),
        _ => Retry::No,
    }
}

/// The path and query of the `rel="next"` link, if any.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        if !rel.contains("rel=\"next\"") {
            return None;
        }
        let url = url.trim().trim_start_matches('<').trim_end_matches('>');
        let uri: http::Uri = url.parse().ok()?;
        uri.path_and_query().map(|pq| pq.as_str().to_string())
    })
}

fn summary_body(body: &str) -> String {
    format!("{SUMMARY_MARKER}\n{}", body.trim_end())
}

fn resolved_body() -> String {
    format!("{SUMMARY_MARKER}\n### nhiscan\n\n✅ Resolved: this pull request no longer adds any credential finding.")
}

fn line_body(f: &LineFinding) -> String {
    format!(
        "{LINE_MARKER}{} -->\n**nhiscan** `{}` ({}): {} — `{}`\n\nIf it is meant to be here: `nhiscan:allow` on the line, an allowlist entry in `.nhiscan.yaml`, or register it with `nhiscan inventory add`; otherwise remove and rotate it.",
        f.rule_id, f.rule_id, f.severity, f.rule_name, f.redacted
    )
}

/// Post or update the comments for one pull request.
pub async fn comment(s: &CommentSettings, pr: &PullRequest) -> Result<Outcome, GithubError> {
    let mut outcome = Outcome {
        summary: SummaryAction::NotAsked,
        review_comments: 0,
        outside_diff: 0,
        duplicates: 0,
        rejected: 0,
        skipped: None,
    };
    if pr.fork {
        outcome.skipped = Some(format!(
            "pull request #{} comes from a fork: its token cannot comment; see the job summary and SARIF instead",
            pr.number
        ));
        return Ok(outcome);
    }
    let c = Client::new(s)?;
    let base = format!("/repos/{}/{}", pr.owner, pr.repo);
    if s.mode.summary() {
        let list = format!("{base}/issues/{}/comments", pr.number);
        let existing = find_summary(&c, &list).await?;
        let want = if s.findings.is_empty() {
            existing.as_ref().map(|_| resolved_body())
        } else {
            Some(summary_body(&s.body))
        };
        outcome.summary = match (existing, want) {
            (_, None) => SummaryAction::Nothing,
            (Some(e), Some(body)) => {
                let id = e["id"].as_u64().unwrap_or_default();
                if e["body"].as_str() == Some(body.as_str()) {
                    SummaryAction::Unchanged(id)
                } else {
                    c.send(
                        "PATCH",
                        &format!("{base}/issues/comments/{id}"),
                        Some(&json!({ "body": body })),
                    )
                    .await?;
                    if s.findings.is_empty() {
                        SummaryAction::Resolved(id)
                    } else {
                        SummaryAction::Updated(id)
                    }
                }
            }
            (None, Some(body)) => {
                let r = c
                    .post_once(&list, &json!({ "body": body }), || {
                        let (c, list) = (&c, &list);
                        async move { find_summary(c, list).await }
                    })
                    .await?;
                SummaryAction::Created(r["id"].as_u64().unwrap_or_default())
            }
        };
    }
    if s.mode.review() && !s.findings.is_empty() {
        review(&c, s, pr, &base, &mut outcome).await?;
    }
    Ok(outcome)
}

type LineKey = (String, u64, String);

/// The summary comment, found by its marker.
async fn find_summary(c: &Client<'_>, list: &str) -> Result<Option<Value>, GithubError> {
    Ok(c.get_all(list).await?.into_iter().find(|v| {
        v["body"]
            .as_str()
            .is_some_and(|b| b.starts_with(SUMMARY_MARKER))
    }))
}

/// (path, line, rule) of every nhiscan line comment on the pull request.
async fn line_comments(c: &Client<'_>, list: &str) -> Result<BTreeSet<LineKey>, GithubError> {
    Ok(c.get_all(list)
        .await?
        .iter()
        .filter_map(|v| {
            let body = v["body"].as_str()?;
            let rule = body.strip_prefix(LINE_MARKER)?.split(' ').next()?;
            let line = v["line"].as_u64().or_else(|| v["original_line"].as_u64())?;
            Some((v["path"].as_str()?.to_string(), line, rule.to_string()))
        })
        .collect())
}

/// One review with a line comment per new finding on an added line. When GitHub refuses the
/// whole review (422: one line it cannot resolve spoils all), the comments go one by one and
/// those it refuses are counted and skipped.
async fn review(
    c: &Client<'_>,
    s: &CommentSettings,
    pr: &PullRequest,
    base: &str,
    outcome: &mut Outcome,
) -> Result<(), GithubError> {
    let files = c
        .get_all(&format!("{base}/pulls/{}/files", pr.number))
        .await?;
    let added: std::collections::BTreeMap<String, BTreeSet<u64>> = files
        .iter()
        .filter_map(|f| {
            Some((
                f["filename"].as_str()?.to_string(),
                diff::added_lines(f["patch"].as_str().unwrap_or_default()),
            ))
        })
        .collect();
    let list = format!("{base}/pulls/{}/comments", pr.number);
    let existing = line_comments(c, &list).await?;
    let mut seen = BTreeSet::new();
    let mut planned: Vec<(LineKey, Value)> = Vec::new();
    for f in &s.findings {
        let key = (f.path.clone(), f.line, f.rule_id.clone());
        if !added.get(&f.path).is_some_and(|l| l.contains(&f.line)) {
            outcome.outside_diff += 1;
            continue;
        }
        if existing.contains(&key) || !seen.insert(key.clone()) {
            outcome.duplicates += 1;
            continue;
        }
        let comment = json!({
            "path": f.path, "line": f.line, "side": "RIGHT", "body": line_body(f),
        });
        planned.push((key, comment));
    }
    if planned.is_empty() {
        return Ok(());
    }
    let n = planned.len();
    let keys: Vec<LineKey> = planned.iter().map(|(k, _)| k.clone()).collect();
    let review = json!({
        "commit_id": pr.head_sha,
        "event": "COMMENT",
        "body": format!("nhiscan: {n} new finding(s) on lines this pull request adds."),
        "comments": planned.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
    });
    let posted = c
        .post_once(
            &format!("{base}/pulls/{}/reviews", pr.number),
            &review,
            || {
                let (c, list, keys) = (c, &list, &keys);
                async move {
                    let now = line_comments(c, list).await?;
                    Ok(keys.iter().all(|k| now.contains(k)).then_some(Value::Null))
                }
            },
        )
        .await;
    match posted {
        Ok(_) => {
            outcome.review_comments = n;
            return Ok(());
        }
        Err(e) if e.status() == Some(422) => {
            eprintln!("nhiscan: GitHub refused the review ({e}); posting its comments one by one");
        }
        Err(e) => return Err(e),
    }
    let now = line_comments(c, &list).await?;
    for (key, mut comment) in planned {
        if now.contains(&key) {
            outcome.duplicates += 1;
            continue;
        }
        comment["commit_id"] = json!(pr.head_sha);
        let one = c
            .post_once(&list, &comment, || {
                let (c, list, key) = (c, &list, &key);
                async move {
                    let now = line_comments(c, list).await?;
                    Ok(now.contains(key).then_some(Value::Null))
                }
            })
            .await;
        match one {
            Ok(_) => outcome.review_comments += 1,
            Err(e) if e.status() == Some(422) => {
                eprintln!("nhiscan: {}:{}: {e}; skipped", key.0, key.1);
                outcome.rejected += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_takes_the_next_relation_only() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            "<https://api.github.com/repositories/1/issues/2/comments?page=3>; rel=\"next\", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/repositories/1/issues/2/comments?page=3")
        );
        h.insert(
            "link",
            "<https://x/y?page=1>; rel=\"prev\"".parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn retries_only_rate_limits_and_server_errors() {
        let b = Duration::from_millis(10);
        let minute = Duration::from_secs(60);
        let w =
            |status: StatusCode, h: &HeaderMap, msg: &str| retry_wait(status, h, msg, b, minute);
        let mut h = HeaderMap::new();
        // A 403 that is not a rate limit (no permission) and a 422 are final.
        assert_eq!(
            w(StatusCode::FORBIDDEN, &h, "Resource not accessible"),
            Retry::No
        );
        assert_eq!(w(StatusCode::UNPROCESSABLE_ENTITY, &h, ""), Retry::No);
        assert_eq!(w(StatusCode::BAD_GATEWAY, &h, ""), Retry::Server(b));
        // 429 and a secondary limit without headers: at least a minute, never the 1 s backoff.
        assert_eq!(
            w(StatusCode::TOO_MANY_REQUESTS, &h, ""),
            Retry::RateLimited(minute)
        );
        assert_eq!(
            w(
                StatusCode::FORBIDDEN,
                &h,
                "You have exceeded a secondary rate limit."
            ),
            Retry::RateLimited(minute)
        );
        h.insert("retry-after", "30".parse().unwrap());
        assert_eq!(
            w(StatusCode::FORBIDDEN, &h, ""),
            Retry::RateLimited(Duration::from_secs(30))
        );
        let mut h = HeaderMap::new();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert(
            "x-ratelimit-reset",
            (now + 120).to_string().parse().unwrap(),
        );
        let Retry::RateLimited(d) = w(StatusCode::FORBIDDEN, &h, "API rate limit exceeded") else {
            panic!("not a rate limit")
        };
        assert!(
            (Duration::from_secs(119)..=Duration::from_secs(122)).contains(&d),
            "{d:?}"
        );
    }

    #[test]
    fn fork_is_read_from_the_event() {
        let ev = json!({"number": 3, "pull_request": {"number": 3,
            "base": {"repo": {"full_name": "acme/app"}},
            "head": {"sha": "abc", "repo": {"full_name": "mallory/app"}}}});
        let pr = PullRequest::from_event("pull_request", &ev).unwrap();
        assert!(pr.fork);
        assert_eq!(
            (pr.owner.as_str(), pr.repo.as_str(), pr.number),
            ("acme", "app", 3)
        );
        assert!(
            !PullRequest::from_event("pull_request_target", &ev)
                .unwrap()
                .fork
        );
        assert!(PullRequest::from_event("push", &json!({})).is_err());
    }
}
