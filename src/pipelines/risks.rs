//! Risky pipeline patterns, each with its OWASP NHI Top 10 risk and a fix: long-lived cloud
//! keys where OIDC is available, secrets handed to third-party code not pinned to a commit,
//! untrusted checkouts next to secrets, secrets on command lines, broad permissions next to
//! secrets, and one secret shared by production and non-production environments.
//!
//! GitHub Actions workflows get every check (here). The other systems (`risks/other.rs`) get those
//! that mean something there:
//!
//! | check | where |
//! | --- | --- |
//! | long-lived cloud key | GitLab (no `id_tokens:`), CircleCI (orb logins without `role_arn` / `use_oidc`, no `$CIRCLE_OIDC_TOKEN`), Bitbucket (no `oidc: true`), Azure (service-principal secrets, `az login --service-principal -p`) |
//! | secret in a command | every system: GitLab, CircleCI, Bitbucket, Buildkite, Drone/Woodpecker and Azure scripts, Jenkins `sh`/`bat` with `credentials()`-bound variables |
//! | unpinned third-party code with secrets | GitLab `include: project:` / `remote:` / `component:`, CircleCI orbs, Bitbucket pipes |
//! | shared across environments | every system (from the usage map) |
//!
//! Skipped, because the system has no such thing in its config: untrusted checkouts
//! (GitHub's `pull_request_target` / `workflow_run` run fork code with the base repository's
//! secrets; GitLab, Bitbucket and Azure do not hand secrets to fork pipelines by config, and
//! nothing in their YAML turns that on) and broad permissions (only GitHub declares the job
//! token's scopes in the pipeline; elsewhere they are project settings). Drone, Woodpecker,
//! Buildkite and Jenkins have no built-in OIDC in their config to recommend, so no long-lived
//! key check; they do not pull third-party code by reference either (plugins and images are
//! outside this check). Composite actions get no risks of their own: their secrets arrive as
//! inputs, and the calling workflow is checked.

use serde::Serialize;

mod other;
pub use other::check as other_systems;

use super::github;
use super::yaml::{Node, Pos};
use super::{Job, Pipeline, SecretRef, Usage};
use crate::rules::Severity;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Risk {
    pub rule_id: &'static str,
    pub severity: Severity,
    pub owasp: &'static str,
    pub path: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// What it is about (an action, a secret name): never a secret value.
    pub subject: String,
    pub message: String,
    pub fix: String,
    /// The CI secrets it is about, by name (joined to the inventory's `ci_secrets`).
    #[serde(skip)]
    pub secrets: Vec<String>,
}

pub const LONG_LIVED_KEY: &str = "pipeline-long-lived-cloud-key";
pub const UNPINNED: &str = "pipeline-unpinned-action-with-secrets";
pub const UNTRUSTED_CHECKOUT: &str = "pipeline-untrusted-checkout-with-secrets";
pub const SECRET_IN_COMMAND: &str = "pipeline-secret-in-command";
pub const BROAD_PERMISSIONS: &str = "pipeline-broad-permissions-with-secrets";
pub const SHARED_ACROSS_ENVS: &str = "pipeline-secret-shared-across-environments";

struct Ctx<'a> {
    p: &'a Pipeline,
    out: Vec<Risk>,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule_id: &'static str,
        severity: Severity,
        owasp: &'static str,
        at: Pos,
        job: &Job,
        subject: String,
        message: String,
        fix: &str,
    ) {
        self.out.push(Risk {
            rule_id,
            severity,
            owasp,
            path: self.p.path.clone(),
            line: at.line,
            column: at.column,
            job: Some(job.id.clone()),
            subject,
            message,
            fix: fix.to_string(),
            secrets: Vec::new(),
        });
    }

    /// Name the CI secrets the last risk pushed is about.
    fn about<'s>(&mut self, names: impl IntoIterator<Item = &'s str>) {
        if let Some(r) = self.out.last_mut() {
            r.secrets = names
                .into_iter()
                .filter(|n| *n != "GITHUB_TOKEN")
                .map(str::to_string)
                .collect();
            r.secrets.sort();
            r.secrets.dedup();
        }
    }
}

fn job_reads_secrets(j: &Job) -> bool {
    j.inherits_secrets
        || j.secrets.iter().any(|r| r.name != "GITHUB_TOKEN")
        || j.steps
            .iter()
            .any(|s| s.secrets.iter().any(|r| r.name != "GITHUB_TOKEN"))
}

fn pinned(uses: &str) -> bool {
    if uses.starts_with("./") || uses.starts_with("docker://") {
        return true;
    }
    let Some((_, r)) = uses.split_once('@') else {
        return false;
    };
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn first_party(uses: &str) -> bool {
    uses.starts_with("actions/") || uses.starts_with("github/")
}

/// The risks of one GitHub workflow, given its documents and its parsed pipeline.
pub fn github(p: &Pipeline, docs: &[Node], system: &str, text: &str) -> Vec<Risk> {
    let mut cx = Ctx { p, out: Vec::new() };
    let untrusted_trigger = p
        .triggers
        .iter()
        .any(|t| t == "pull_request_target" || t == "workflow_run");
    let wf_permissions = docs.iter().find_map(|d| d.get("permissions"));
    for (job, node) in p.jobs.iter().zip(github::job_nodes(docs, system)) {
        let steps = node.get("steps").map(Node::items).unwrap_or(&[]);
        let secrets = job_reads_secrets(job);
        for (step, sn) in job.steps.iter().zip(steps) {
            let uses = sn.get("uses").and_then(Node::str).unwrap_or("");
            let action = uses.split('@').next().unwrap_or("").to_ascii_lowercase();
            let with = sn.get("with");
            let with_key = |k: &str| {
                with.and_then(|w| w.entries().iter().find(|(key, _)| key.value == k))
                    .map(|(key, _)| key.pos)
            };
            let long_lived = match action.as_str() {
                "aws-actions/configure-aws-credentials" if with_key("role-to-assume").is_none() => {
                    with_key("aws-secret-access-key")
                }
                "google-github-actions/auth" => with_key("credentials_json"),
                "azure/login" => with_key("creds"),
                _ => None,
            };
            if let Some(at) = long_lived {
                cx.push(
                    LONG_LIVED_KEY,
                    Severity::Warning,
                    "NHI7",
                    at,
                    job,
                    action.clone(),
                    format!("`{action}` is given a long-lived cloud key although the provider supports OIDC workload identity (NHI7, NHI4)"),
                    "grant `id-token: write` and use `role-to-assume` (AWS), `workload_identity_provider` (GCP) or a federated `client-id` (Azure); then delete the static key",
                );
                cx.about(step.secrets.iter().map(|r| r.name.as_str()));
            }
            if !uses.is_empty() && !pinned(uses) && !first_party(uses) && !step.secrets.is_empty() {
                let at = match sn.get("uses") {
                    Some(n) => n.start(),
                    None => sn.start(),
                };
                let names: Vec<&str> = step.secrets.iter().map(|r| r.name.as_str()).collect();
                cx.push(
                    UNPINNED,
                    Severity::Warning,
                    "NHI3",
                    at,
                    job,
                    uses.to_string(),
                    format!("secrets {} are passed to `{uses}`, a third-party action not pinned to a commit SHA", names.join(", ")),
                    "pin the action to a full 40-character commit SHA (keep the tag in a comment) and review its updates",
                );
                cx.about(names);
            }
            if untrusted_trigger && secrets && action == "actions/checkout" {
                if let Some(r) = with.and_then(|w| w.get("ref")) {
                    let v = r.str().unwrap_or("");
                    if v.contains("pull_request.head")
                        || v.contains("github.head_ref")
                        || v.contains("workflow_run.head")
                    {
                        cx.push(
                            UNTRUSTED_CHECKOUT,
                            Severity::Error,
                            "NHI2",
                            r.start(),
                            job,
                            "actions/checkout".into(),
                            "a pull_request_target/workflow_run job checks out the pull request's code while secrets are available to it".into(),
                            "use `pull_request` for untrusted code, or split the job so the checkout of the PR head never runs with secrets",
                        );
                    }
                }
            }
            if let Some((rk, rv)) = sn.entries().iter().find(|(k, _)| k.value == "run") {
                let end = sn
                    .entries()
                    .iter()
                    .map(|(k, _)| k.pos)
                    .filter(|p| *p > rk.pos)
                    .min()
                    .unwrap_or(sn.end());
                let start = rv.start().min(rk.pos);
                // Secrets that reach the script through `env:`, then echoed or written out.
                let mut names: Vec<String> = Vec::new();
                for envs in [
                    docs.iter().find_map(|d| d.get("env")),
                    node.get("env"),
                    sn.get("env"),
                ]
                .into_iter()
                .flatten()
                {
                    for (k, v) in envs.entries() {
                        if v.str().is_some_and(|s| !github::refs_in(s).is_empty()) {
                            names.push(k.value.clone());
                        }
                    }
                }
                for (name, at) in exposed(text, start, end, &names) {
                    cx.push(
                        SECRET_IN_COMMAND,
                        Severity::Warning,
                        "NHI2",
                        at,
                        job,
                        name.clone(),
                        format!("`{name}` holds a secret and is echoed or written to a file in `run:`"),
                        "do not print or write secrets; pass them to the tool that needs them through its environment",
                    );
                    let from = secret_names(&envs_of(docs, node, sn), &name);
                    cx.about(from.iter().map(String::as_str));
                }
                for r in step.secrets.iter().filter(|r| in_range(r, start, end)) {
                    cx.push(
                        SECRET_IN_COMMAND,
                        Severity::Warning,
                        "NHI2",
                        Pos::new(r.line, r.column),
                        job,
                        r.name.clone(),
                        format!("secret {} is interpolated into a `run:` command line, where it can reach logs, files and the process list", r.name),
                        "pass it to the step through `env:` and read it from the environment; never echo it or write it to files",
                    );
                    cx.about([r.name.as_str()]);
                }
            }
        }
        if secrets {
            let own = node.get("permissions");
            let effective = own.or(wf_permissions);
            let broad = match effective {
                None => Some(Pos::new(job.line, job.column)),
                Some(n) if n.str() == Some("write-all") => Some(n.start()),
                Some(_) => None,
            };
            if let Some(at) = broad {
                cx.push(
                    BROAD_PERMISSIONS,
                    Severity::Warning,
                    "NHI5",
                    at,
                    job,
                    job.id.clone(),
                    "a job that reads secrets runs with `write-all` or default (unrestricted) token permissions".into(),
                    "declare `permissions:` with the least access the job needs (e.g. `contents: read`)",
                );
                cx.about(
                    job.secrets
                        .iter()
                        .chain(job.steps.iter().flat_map(|s| &s.secrets))
                        .map(|r| r.name.as_str()),
                );
            }
        }
    }
    cx.out
}

/// The `env:` maps a step's script sees: the workflow's, the job's and the step's own.
fn envs_of<'a>(docs: &'a [Node], job: &'a Node, step: &'a Node) -> Vec<&'a Node> {
    [
        docs.iter().find_map(|d| d.get("env")),
        job.get("env"),
        step.get("env"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The secrets an environment variable of those maps takes its value from.
fn secret_names(envs: &[&Node], var: &str) -> Vec<String> {
    envs.iter()
        .flat_map(|e| e.entries())
        .filter(|(k, _)| k.value == var)
        .filter_map(|(_, v)| v.str())
        .flat_map(|v| github::refs_in(v).into_iter().map(|(n, _)| n))
        .collect()
}

fn in_range(r: &SecretRef, start: Pos, end: Pos) -> bool {
    let at = Pos::new(r.line, r.column);
    start <= at && at < end
}

fn production(env: &str) -> bool {
    let e = env.to_ascii_lowercase();
    e.starts_with("prod") || e == "live"
}

/// One secret name read by jobs of production and of non-production environments (NHI8).
pub fn shared_across_environments(
    secrets: &std::collections::BTreeMap<String, Vec<Usage>>,
) -> Vec<Risk> {
    let mut out = Vec::new();
    for (name, uses) in secrets {
        let prod = uses
            .iter()
            .find(|u| u.environment.as_deref().is_some_and(production));
        let other: Vec<&str> = uses
            .iter()
            .filter_map(|u| u.environment.as_deref())
            .filter(|e| !production(e))
            .collect();
        if let (Some(p), Some(o)) = (prod, other.first()) {
            out.push(Risk {
                rule_id: SHARED_ACROSS_ENVS,
                severity: Severity::Warning,
                owasp: "NHI8",
                path: p.path.clone(),
                line: p.line,
                column: p.column,
                job: p.job.clone(),
                subject: name.clone(),
                message: format!(
                    "secret {name} is used by the `{}` and the `{o}` environments",
                    p.environment.as_deref().unwrap_or("")
                ),
                fix: "give each environment its own credential (environment-scoped secrets), so a non-production leak cannot reach production".into(),
                secrets: vec![name.clone()],
            });
        }
    }
    out
}

/// `$NAME` / `${NAME}` of `names` on a script line that echoes, prints or redirects, between
/// `start` and `end`.
fn exposed(text: &str, start: Pos, end: Pos, names: &[String]) -> Vec<(String, Pos)> {
    let mut out = Vec::new();
    if names.is_empty() {
        return out;
    }
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        if ln < start.line || ln > end.line {
            continue;
        }
        let code = github::strip_comment(line);
        let writes = code.contains("echo ")
            || code.contains("printf ")
            || code.contains("tee ")
            || code.contains('>');
        if !writes {
            continue;
        }
        for n in names {
            for pat in [format!("${{{n}}}"), format!("${n}")] {
                if let Some(b) = code.find(&pat) {
                    // `$NAME` must not be the prefix of a longer name.
                    let after = code[b + pat.len()..].chars().next();
                    if pat.ends_with('}') || !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        let at = Pos::new(ln, super::char_column(line, b));
                        if at >= start && at < end {
                            out.push((n.clone(), at));
                        }
                        break;
                    }
                }
            }
        }
    }
    out
}
