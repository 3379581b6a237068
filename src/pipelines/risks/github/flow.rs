//! The checks issue 16 added to GitHub workflows, one function per check: reusable workflows
//! (unpinned, `secrets: inherit`), long-lived keys in `env:` (cloud, package registries),
//! untrusted checkouts in `run:`, template injection, persisted checkout credentials, GitHub
//! App tokens without permission inputs and secrets written to `GITHUB_ENV`/`GITHUB_OUTPUT`.

use std::sync::LazyLock;

use regex::Regex;

use super::{pinned, Ctx, StepView};
use crate::pipelines::risks::{
    APP_TOKEN_PERMISSIONS, LONG_LIVED_KEY, PERSISTED_CHECKOUT, REGISTRY_TOKEN, SECRETS_INHERIT,
    SECRET_TO_GITHUB_ENV, TEMPLATE_INJECTION, UNPINNED_REUSABLE, UNTRUSTED_CHECKOUT,
};
use crate::pipelines::yaml::{Node, Pos};
use crate::pipelines::{char_column, github, strip_comment, Job};
use crate::rules::Severity;

/// Contexts an outside contributor writes (GitHub's "Security hardening for GitHub Actions"
/// lists them as untrusted input): titles, bodies, branch names, commit messages and authors.
static UNTRUSTED_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\bgithub\.(?:head_ref\b|event\.(?:",
        r"issue\.(?:title|body)|pull_request\.(?:title|body|head\.(?:ref|label|repo\.default_branch))",
        r"|comment\.body|review\.body|review_comment\.body|discussion\.(?:title|body)",
        r"|pages\.[^.\s]+\.page_name|commits\.[^.\s]+\.(?:message|author\.(?:email|name))",
        r"|head_commit\.(?:message|author\.(?:email|name))",
        r"|workflow_run\.(?:head_branch|display_title|head_commit\.(?:message|author\.(?:email|name)))",
        r")\b)"
    ))
    .expect("valid regex")
});

/// A `run:` line that checks out or fetches the pull request's head.
static PR_HEAD_FETCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\bgh\s+pr\s+checkout\b",
        r"|\bgit\s+(?:fetch|checkout|pull)\b.*(?:\bpull/(?:\$\{\{[^}]*\}\}|[^\s/]+)/(?:head|merge)\b|pull_request\.head\.|github\.head_ref|workflow_run\.head_)"
    ))
    .expect("valid regex")
});

/// The lines of a step's `run:` script, `(line number, line)`, or nothing for an action step.
pub(super) fn run_lines<'t>(s: &StepView, text: &'t str) -> Vec<(usize, &'t str)> {
    let Some((start, end)) = github::run_range(s.node) else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(ln, _)| *ln >= start.line && *ln <= end.line)
        .filter(|(ln, _)| *ln < end.line || end.column > 1)
        .collect()
}

/// A reusable workflow of another repository called with secrets at a branch or tag (NHI3),
/// and `secrets: inherit` handed to another repository's workflow (NHI5).
pub(super) fn reusable_workflow(cx: &mut Ctx, job: &Job, node: &Node) {
    let Some(u) = node.get("uses") else { return };
    let uses = u.str().unwrap_or("");
    if uses.starts_with("./") || uses.is_empty() {
        return;
    }
    let secrets = node.get("secrets");
    let inherit = secrets.and_then(Node::str) == Some("inherit");
    let mut names: Vec<String> = secrets
        .map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .flat_map(|(_, v)| github::secret_names(v))
        .filter(|n| n != "GITHUB_TOKEN")
        .collect();
    names.sort();
    names.dedup();
    if !pinned(uses) && (inherit || !names.is_empty()) {
        let what = if inherit {
            "every secret of the caller (`secrets: inherit`)".to_string()
        } else {
            format!("secrets {}", names.join(", "))
        };
        cx.push(
            UNPINNED_REUSABLE,
            Severity::Warning,
            "NHI3",
            u.start(),
            job,
            uses.to_string(),
            format!("{what} are passed to the reusable workflow `{uses}`, not pinned to a commit SHA"),
            "pin the reusable workflow to a full 40-character commit SHA (keep the tag in a comment)",
        );
        cx.about(names.iter().map(String::as_str));
    }
    if let (true, Some(s)) = (inherit, secrets) {
        cx.push(
            SECRETS_INHERIT,
            Severity::Warning,
            "NHI5",
            s.start(),
            job,
            uses.to_string(),
            format!("`secrets: inherit` hands every secret of this repository to `{uses}`, a workflow of another repository"),
            "pass only the secrets the called workflow needs, by name under `secrets:`",
        );
    }
}

/// Which registry a variable or secret name is a long-lived publishing token of, and the
/// trusted-publishing alternative.
fn registry(name: &str) -> Option<(&'static str, &'static str)> {
    let n = name.to_ascii_uppercase();
    let is = |parts: &[&str]| parts.iter().any(|p| n.contains(p));
    if is(&["PYPI", "TWINE_PASSWORD"]) {
        Some(("PyPI", "PyPI trusted publishing (`id-token: write` with pypa/gh-action-pypi-publish, no password)"))
    } else if is(&["NPM_TOKEN", "NPM_AUTH", "NODE_AUTH_TOKEN", "NPMJS"]) {
        Some(("npm", "npm trusted publishing (`id-token: write`, `npm publish` from GitHub Actions with no token)"))
    } else if is(&["CARGO_REGISTRY_TOKEN", "CRATES_IO", "CRATESIO"]) {
        Some((
            "crates.io",
            "crates.io trusted publishing (`id-token: write` with rust-lang/crates-io-auth-action)",
        ))
    } else if is(&["RUBYGEMS", "GEM_HOST_API_KEY"]) {
        Some(("RubyGems", "RubyGems trusted publishing (`id-token: write` with rubygems/configure-rubygems-credentials)"))
    } else {
        None
    }
}

/// The cloud a static-key variable belongs to.
fn cloud_key(var: &str, map: &Node) -> Option<&'static str> {
    match var {
        "AWS_SECRET_ACCESS_KEY" => Some("AWS"),
        "AWS_ACCESS_KEY_ID" if map.get("AWS_SECRET_ACCESS_KEY").is_none() => Some("AWS"),
        "AZURE_CLIENT_SECRET" | "ARM_CLIENT_SECRET" => Some("Azure"),
        "GOOGLE_CREDENTIALS" | "GOOGLE_APPLICATION_CREDENTIALS_JSON" | "GCP_SA_KEY" => Some("GCP"),
        _ => None,
    }
}

/// Long-lived keys read from secrets into one `env:` (or a step's `with:`) map: cloud keys
/// where the provider supports OIDC (NHI7), registry tokens where trusted publishing exists
/// (NHI7). `job` is `None` for the workflow's own `env:`.
pub(super) fn long_lived_env(cx: &mut Ctx, map: Option<&Node>, job: Option<&Job>, with: bool) {
    let Some(map) = map else { return };
    for (k, v) in map.entries() {
        let names: Vec<String> = github::secret_names(v)
            .into_iter()
            .filter(|n| n != "GITHUB_TOKEN")
            .collect();
        let Some(first) = names.first() else { continue };
        if let (false, Some(cloud)) = (with, cloud_key(&k.value, map)) {
            cx.push_opt(
                LONG_LIVED_KEY,
                Severity::Warning,
                "NHI7",
                k.pos,
                job,
                k.value.clone(),
                format!("`{}` takes a long-lived {cloud} key from secret {first} although {cloud} supports OIDC workload identity (NHI7, NHI4)", k.value),
                "grant `id-token: write` and log in through OIDC (`role-to-assume` for AWS, `workload_identity_provider` for GCP, a federated `client-id` for Azure); then delete the static key",
            );
            cx.about(names.iter().map(String::as_str));
            continue;
        }
        let found = registry(&k.value).or_else(|| names.iter().find_map(|n| registry(n)));
        if let Some((reg, alt)) = found {
            cx.push_opt(
                REGISTRY_TOKEN,
                Severity::Warning,
                "NHI7",
                k.pos,
                job,
                k.value.clone(),
                format!("`{}` takes a long-lived {reg} token from secret {first} although {reg} supports trusted publishing", k.value),
                &format!("use {alt}; then revoke the token"),
            );
            cx.about(names.iter().map(String::as_str));
        }
    }
}

/// A `run:` step of a `pull_request_target` / `workflow_run` job with secrets that checks
/// out or fetches the pull request's head (`gh pr checkout`, `git fetch origin pull/N/head`).
pub(super) fn untrusted_fetch(cx: &mut Ctx, s: &StepView, text: &str) {
    for (ln, line) in run_lines(s, text) {
        let code = strip_comment(line);
        if let Some(m) = PR_HEAD_FETCH.find(code) {
            cx.push(
                UNTRUSTED_CHECKOUT,
                Severity::Error,
                "NHI2",
                Pos::new(ln, char_column(line, m.start())),
                s.job,
                m.as_str().split_whitespace().take(3).collect::<Vec<_>>().join(" "),
                "a pull_request_target/workflow_run job fetches the pull request's code in `run:` while secrets are available to it".into(),
                "use `pull_request` for untrusted code, or split the job so the pull request's code never runs with secrets",
            );
        }
    }
}

/// An attacker-written context (`github.event.issue.title`, `github.head_ref` …) expanded into
/// the `run:` script of a job that holds secrets: the text becomes shell code (NHI2).
pub(super) fn template_injection(cx: &mut Ctx, s: &StepView, text: &str) {
    let mut spots: Vec<(Pos, String)> = Vec::new();
    for (ln, line) in run_lines(s, text) {
        let code = strip_comment(line);
        spots.extend(untrusted_in(code).map(|(b, c)| (Pos::new(ln, char_column(line, b)), c)));
    }
    if s.action == "actions/github-script" {
        if let Some(sc) = s.node.get("with").and_then(|w| w.get("script")) {
            let mut scalars = Vec::new();
            sc.scalars(&mut scalars);
            for x in scalars {
                spots.extend(untrusted_in(&x.value).map(|(_, c)| (x.pos, c)));
            }
        }
    }
    for (at, context) in spots {
        cx.push(
            TEMPLATE_INJECTION,
            Severity::Error,
            "NHI2",
            at,
            s.job,
            context.clone(),
            format!("`${{{{ {context} }}}}` (written by whoever opens the issue, pull request or commit) is expanded into a script of a job that holds secrets"),
            "pass the value through `env:` (`TITLE: ${{ github.event.issue.title }}`) and use \"$TITLE\" in the script",
        );
        cx.about(s.flowed.iter().map(String::as_str));
    }
}

/// `(byte offset of `${{`, context)` of each untrusted context inside `${{ … }}` of `code`.
fn untrusted_in(code: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    code.match_indices("${{").filter_map(move |(b, _)| {
        let rest = &code[b + 3..];
        let inner = &rest[..rest.find("}}").unwrap_or(rest.len())];
        UNTRUSTED_CONTEXT
            .find(inner)
            .map(|m| (b, m.as_str().to_string()))
    })
}

/// `actions/checkout` leaves the job's token in `.git/config` (no `persist-credentials:
/// false`) in a job that uploads artifacts, which can carry it out (NHI2).
pub(super) fn persisted_checkout(cx: &mut Ctx, job: &Job, steps: &[Node]) {
    let action = |n: &Node| {
        n.get("uses")
            .and_then(Node::str)
            .unwrap_or("")
            .split('@')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    if !steps.iter().any(|n| action(n) == "actions/upload-artifact") {
        return;
    }
    for n in steps.iter().filter(|n| action(n) == "actions/checkout") {
        let persist = n.get("with").and_then(|w| w.get("persist-credentials"));
        if persist.and_then(Node::str) == Some("false") {
            continue;
        }
        let at = n.get("uses").map_or(n.start(), Node::start);
        cx.push(
            PERSISTED_CHECKOUT,
            Severity::Warning,
            "NHI2",
            at,
            job,
            "actions/checkout".into(),
            "`actions/checkout` keeps the job's token in `.git/config` and the job uploads artifacts, which can carry it out".into(),
            "set `persist-credentials: false` on the checkout (and upload only the paths you mean to)",
        );
    }
}

/// `actions/create-github-app-token` without any `permission-*` input mints a token with every
/// permission the app was granted (NHI5).
pub(super) fn app_token_permissions(cx: &mut Ctx, s: &StepView) {
    if s.action != "actions/create-github-app-token" {
        return;
    }
    let with = s.node.get("with").map(Node::entries).unwrap_or(&[]);
    if with.iter().any(|(k, _)| k.value.starts_with("permission-")) {
        return;
    }
    let at = s.node.get("uses").map_or(s.node.start(), Node::start);
    cx.push(
        APP_TOKEN_PERMISSIONS,
        Severity::Warning,
        "NHI5",
        at,
        s.job,
        "actions/create-github-app-token".into(),
        "a GitHub App token is minted without `permission-*` inputs, so it has every permission of the app's installation".into(),
        "add the `permission-<name>: read|write` inputs the job needs (e.g. `permission-contents: write`)",
    );
    cx.about(s.step.secrets.iter().map(|r| r.name.as_str()));
}

/// A secret written into `$GITHUB_ENV` or `$GITHUB_OUTPUT`: it then reaches every later step
/// (or job), and outputs are stored in the clear (NHI2). `vars` are the environment variables
/// that hold a secret.
pub(super) fn secret_to_github_env(cx: &mut Ctx, s: &StepView, text: &str, vars: &[String]) {
    for (ln, line) in run_lines(s, text) {
        let code = strip_comment(line);
        let Some(file) = ["GITHUB_ENV", "GITHUB_OUTPUT"]
            .into_iter()
            .find(|f| code.contains(f))
        else {
            continue;
        };
        let direct = github::refs_in(code).into_iter().next();
        let via_env = vars.iter().find_map(|v| {
            [format!("${{{v}}}"), format!("${v}")]
                .into_iter()
                .find_map(|p| code.find(&p).map(|b| (v.clone(), b)))
        });
        let Some((name, b)) = direct.or(via_env) else {
            continue;
        };
        cx.push(
            SECRET_TO_GITHUB_ENV,
            Severity::Warning,
            "NHI2",
            Pos::new(ln, char_column(line, b)),
            s.job,
            name.clone(),
            format!("`{name}` holds a secret and is written to `${file}`, where later steps and jobs read it and it is no longer masked as a secret"),
            "pass the secret to each step that needs it through `env:` from `secrets.*`; never write it to GITHUB_ENV/GITHUB_OUTPUT",
        );
    }
}
