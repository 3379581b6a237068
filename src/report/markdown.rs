//! The pull-request comment: findings grouped by verdict, most urgent first, each with rule,
//! a file:line link, owner, age and the next action. Starts with a hidden marker so a workflow
//! can find and update its comment in place, and stays under GitHub's comment limit by cutting
//! rows (and saying so). Never shows a secret: only redacted previews, even with
//! `--show-secrets`, because a comment is a shared place.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use percent_encoding::utf8_percent_encode;

use super::facts;
use super::Report;
use crate::findings::{Finding, Location};
use crate::policy::{Verdict, VerdictKind};
use crate::rules::Severity;
use crate::words::count;

/// The first line of every comment, for finding it again.
pub const MARKER: &str = "<!-- nhiscan:report -->";

/// GitHub's limit on a comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

#[derive(Debug, Clone)]
pub struct MarkdownOptions {
    /// Prefix for file links, e.g. `https://github.com/o/r/blob/<sha>`; plain `path:line`
    /// without one.
    pub link_base: Option<String>,
    /// Most characters in the body.
    pub max_chars: usize,
    /// Groups with more rows than this are collapsed under `<details>`.
    pub collapse_after: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            link_base: None,
            max_chars: GITHUB_COMMENT_LIMIT,
            collapse_after: 10,
        }
    }
}

/// (most severe first, kind) -> rows of (finding, verdict).
type Groups<'a> =
    BTreeMap<(std::cmp::Reverse<Severity>, VerdictKind), Vec<(&'a Finding, &'a Verdict)>>;

/// Room kept for the truncation note and the footer.
const RESERVE: usize = 600;

/// The comment body.
pub fn render(report: &Report, opts: &MarkdownOptions) -> String {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push('\n');
    let n = report.findings.len();
    if n == 0 {
        out.push_str("### nhiscan: no findings\n\n");
        footer(report, &mut out);
        return out;
    }
    let _ = writeln!(
        out,
        "### nhiscan: {} ({})\n",
        count(n, "credential finding", "credential findings"),
        count(report.summary.locations, "location", "locations")
    );

    let mut groups: Groups = BTreeMap::new();
    for f in &report.findings {
        for v in &f.verdicts {
            groups
                .entry((std::cmp::Reverse(v.severity), v.kind))
                .or_default()
                .push((f, v));
        }
    }
    out.push_str("| verdict | findings | OWASP NHI |\n| --- | ---: | --- |\n");
    for ((_, kind), rows) in &groups {
        let _ = writeln!(
            out,
            "| {} {} | {} | {} |",
            icon(rows[0].1.severity),
            kind.as_str(),
            rows.len(),
            kind.owasp()
        );
    }
    out.push('\n');

    let budget = opts.max_chars.saturating_sub(RESERVE);
    let total_rows: usize = groups.values().map(Vec::len).sum();
    let mut shown = 0;
    'groups: for ((_, kind), rows) in &groups {
        let collapsed = rows.len() > opts.collapse_after;
        let mut head = String::new();
        let _ = writeln!(
            head,
            "#### {} {} ({})\n\n{}\n",
            icon(rows[0].1.severity),
            kind.as_str(),
            rows.len(),
            facts::verdict_text(*kind).title
        );
        if collapsed {
            let _ = writeln!(
                head,
                "<details><summary>{} findings</summary>\n",
                rows.len()
            );
        }
        head.push_str("| rule | where | secret | owner | age | why | next action |\n");
        head.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        let tail = if collapsed { "\n</details>\n\n" } else { "\n" };
        if chars(&out) + chars(&head) + chars(tail) > budget {
            break;
        }
        out.push_str(&head);
        for (f, v) in rows {
            let row = row(f, v, opts);
            if chars(&out) + chars(&row) + chars(tail) > budget {
                out.push_str(tail);
                break 'groups;
            }
            out.push_str(&row);
            shown += 1;
        }
        out.push_str(tail);
    }
    if shown < total_rows {
        let _ = writeln!(
            out,
            "> [!NOTE]\n> {} of {total_rows} rows are not shown: the comment would pass GitHub's \
             {}-character limit. The SARIF report and the job log list every finding.\n",
            total_rows - shown,
            opts.max_chars
        );
    }
    footer(report, &mut out);
    debug_assert!(chars(&out) <= opts.max_chars);
    out
}

fn footer(report: &Report, out: &mut String) {
    let mut notes = Vec::new();
    if let Some(b) = &report.baseline {
        notes.push(format!(
            "{} accepted by the baseline `{}`{}",
            count(b.suppressed, "finding", "findings"),
            escape(&b.file),
            if b.expired > 0 {
                format!(" ({} expired)", count(b.expired, "entry", "entries"))
            } else {
                String::new()
            }
        ));
    }
    let st = &report.summary.stats;
    if st.errors > 0 {
        notes.push(format!(
            "{} could not be scanned",
            count(st.errors, "file", "files")
        ));
    }
    notes.push(format!(
        "scanned {} with {}",
        count(st.files, "file", "files"),
        count(report.scan.rules, "rule", "rules")
    ));
    let _ = writeln!(
        out,
        "<sub>{} · nhiscan {}</sub>",
        notes.join(" · "),
        report.tool.version
    );
}

fn row(f: &Finding, v: &Verdict, opts: &MarkdownOptions) -> String {
    let id = facts::identity(f);
    let mut place = match f.locations.first() {
        Some(l) => link(l, opts),
        None => "—".to_string(),
    };
    if f.locations.len() > 1 {
        let _ = write!(place, " (+{} more)", f.locations.len() - 1);
    }
    let owner = match &id.id {
        Some(i) => format!("{} (`{}`)", escape(&facts::owner_text(&id)), escape(i)),
        None => escape(&facts::owner_text(&id)),
    };
    format!(
        "| `{}` | {} | `{}` | {} | {} | {} | {} |\n",
        escape(&f.rule_id),
        place,
        escape(&f.redacted),
        owner,
        facts::age_text(&id),
        escape(&v.message),
        escape(&v.action)
    )
}

fn link(l: &Location, opts: &MarkdownOptions) -> String {
    let text = format!("{}:{}", escape(&l.path), l.line);
    match &opts.link_base {
        Some(base) => format!(
            "[{text}]({}/{}#L{})",
            base.trim_end_matches('/'),
            utf8_percent_encode(&l.path, super::sarif::PATH_ENCODE),
            l.line
        ),
        None => format!("`{}:{}`", l.path.replace('`', "'"), l.line),
    }
}

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🔴",
        Severity::Warning => "🟠",
        Severity::Note => "🔵",
    }
}

/// Table-cell text: no pipes, no newlines, no HTML.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

fn chars(s: &str) -> usize {
    s.chars().count()
}
