//! `nhiscan github comment`: the pull-request comments, fed by files that earlier steps wrote
//! (the Markdown body, the JSON report). A failure to comment is a warning: exit 0, so the
//! job's verdict stays the scan's.

use std::path::Path;

use anyhow::{Context, Result};

use super::EXIT_CLEAN;
use crate::cli::{CommentModeArg, GithubCommentArgs};
use crate::github::{self, CommentMode, CommentSettings, PullRequest};
use crate::report::view::ReportView;

fn read(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{what} {}", path.display()))
}

pub fn comment(args: GithubCommentArgs) -> Result<i32> {
    let report = ReportView::read(&args.report).map_err(anyhow::Error::msg)?;
    let findings = github::line_findings(&report);
    let body = match &args.body {
        Some(p) => read(p, "cannot read the comment body")?,
        None => default_body(&report),
    };
    let event_path = args
        .event
        .clone()
        .or_else(|| std::env::var_os("GITHUB_EVENT_PATH").map(Into::into))
        .context("no event: pass --event FILE or set GITHUB_EVENT_PATH")?;
    let event_name = args
        .event_name
        .clone()
        .or_else(|| std::env::var("GITHUB_EVENT_NAME").ok())
        .unwrap_or_else(|| "pull_request".to_string());
    let event_text = read(&event_path, "cannot read the event")?;
    let event: serde_json::Value = serde_json::from_str(&event_text)
        .with_context(|| format!("{}: not JSON", event_path.display()))?;
    let pr = match PullRequest::from_event(&event_name, &event) {
        Ok(pr) => pr,
        Err(e) => {
            eprintln!("nhiscan: notice: no pull request to comment on: {e}");
            return Ok(EXIT_CLEAN);
        }
    };
    let Some(token) = std::env::var(&args.token_env)
        .ok()
        .filter(|t| !t.is_empty())
    else {
        eprintln!(
            "nhiscan: warning: no token in ${}: not commenting",
            args.token_env
        );
        return Ok(EXIT_CLEAN);
    };
    let api_url = args
        .api_url
        .clone()
        .or_else(|| std::env::var("GITHUB_API_URL").ok())
        .unwrap_or_else(|| "https://api.github.com".to_string());
    let mode = match args.mode {
        CommentModeArg::Summary => CommentMode::Summary,
        CommentModeArg::Review => CommentMode::Review,
        CommentModeArg::Both => CommentMode::Both,
    };
    let mut s = CommentSettings::new(&api_url, &token, mode);
    s.body = body;
    s.findings = findings;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match rt.block_on(github::comment(&s, &pr)) {
        Ok(o) => {
            if let Some(why) = &o.skipped {
                eprintln!("nhiscan: notice: {why}");
            } else {
                eprintln!(
                    "nhiscan: pull request #{}: summary {:?}; {} line comment(s), {} already there, {} outside the diff, {} refused by GitHub",
                    pr.number, o.summary, o.review_comments, o.duplicates, o.outside_diff, o.rejected
                );
            }
        }
        Err(e) if e.to_string().contains("HTTP 403") => eprintln!(
            "nhiscan: notice: this token may not comment ({e}); grant `pull-requests: write` (a fork's pull_request run never can). The report, SARIF and job summary are unaffected."
        ),
        Err(e) => eprintln!("nhiscan: warning: could not comment: {e}"),
    }
    Ok(EXIT_CLEAN)
}

/// A plain body when no `--body` file is given: counts only, every value redacted.
fn default_body(report: &ReportView) -> String {
    let n = report.summary.findings;
    let failing = report.summary.failing;
    format!(
        "### nhiscan\n\n**{n}** {}, **{failing}** failing the policy. See the job summary for details.",
        crate::words::noun(n, "finding", "findings")
    )
}
