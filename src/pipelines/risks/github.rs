//! The risky patterns of GitHub Actions workflows, one function per check. Each step of each
//! job is looked at in turn (long-lived cloud key, unpinned third-party action, untrusted
//! checkout, secret in a command), then the job (broad permissions).
//!
//! Secrets flow as GitHub evaluates them: the workflow's `env:` reaches every job, the job's
//! `env:` every step, and a step also gets its own `env:` and `with:`. A job is a
//! secret-reading job when any of those levels reads a secret (other than `GITHUB_TOKEN`).

use super::{
    Risk, BROAD_PERMISSIONS, LONG_LIVED_KEY, SECRET_IN_COMMAND, UNPINNED, UNTRUSTED_CHECKOUT,
};
use crate::pipelines::yaml::{Node, Pos};
use crate::pipelines::{char_column, github, strip_comment, CiSystem, Job, Pipeline, SecretRef};
use crate::rules::Severity;

mod flow;

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
        self.push_opt(
            rule_id,
            severity,
            owasp,
            at,
            Some(job),
            subject,
            message,
            fix,
        );
    }

    /// [`Ctx::push`] for a risk that may belong to no job (the workflow's own `env:`).
    #[allow(clippy::too_many_arguments)]
    fn push_opt(
        &mut self,
        rule_id: &'static str,
        severity: Severity,
        owasp: &'static str,
        at: Pos,
        job: Option<&Job>,
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
            job: job.map(|j| j.id.clone()),
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

/// One step as the checks see it: the model's step and job, and their YAML.
struct StepView<'a> {
    job: &'a Job,
    job_node: &'a Node,
    step: &'a crate::pipelines::Step,
    node: &'a Node,
    /// `uses:` as written, `""` for a `run:` step.
    uses: &'a str,
    /// The action without its ref, lower-cased.
    action: String,
    /// Every secret the step receives, as GitHub evaluates it: its own `env:`/`with:`, the
    /// job's `env:` and the workflow's `env:` (sorted, deduplicated).
    flowed: Vec<String>,
}

impl StepView<'_> {
    /// Where `with: {key: …}` names `key`.
    fn with_key(&self, key: &str) -> Option<Pos> {
        self.node
            .get("with")
            .and_then(|w| w.entries().iter().find(|(k, _)| k.value == key))
            .map(|(k, _)| k.pos)
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
pub fn check(p: &Pipeline, docs: &[Node], text: &str) -> Vec<Risk> {
    let mut cx = Ctx { p, out: Vec::new() };
    let untrusted_trigger = p
        .triggers
        .iter()
        .any(|t| t == "pull_request_target" || t == "workflow_run");
    let wf_permissions = docs.iter().find_map(|d| d.get("permissions"));
    let wf_env = docs.iter().find_map(|d| d.get("env"));
    let wf_secrets = env_secrets(wf_env);
    flow::long_lived_env(&mut cx, wf_env, None, false);
    for (job, node) in p
        .jobs
        .iter()
        .zip(github::job_nodes(docs, CiSystem::GithubActions))
    {
        let steps = node.get("steps").map(Node::items).unwrap_or(&[]);
        let mut inherited = wf_secrets.clone();
        inherited.extend(env_secrets(node.get("env")));
        let secrets = job_reads_secrets(job) || inherited.iter().any(|n| n != "GITHUB_TOKEN");
        flow::reusable_workflow(&mut cx, job, node);
        flow::long_lived_env(&mut cx, node.get("env"), Some(job), false);
        flow::persisted_checkout(&mut cx, job, steps);
        for (step, sn) in job.steps.iter().zip(steps) {
            let uses = sn.get("uses").and_then(Node::str).unwrap_or("");
            let mut flowed: Vec<String> = step.secrets.iter().map(|r| r.name.clone()).collect();
            flowed.extend(inherited.iter().cloned());
            flowed.sort();
            flowed.dedup();
            let s = StepView {
                job,
                job_node: node,
                step,
                node: sn,
                uses,
                action: uses.split('@').next().unwrap_or("").to_ascii_lowercase(),
                flowed,
            };
            long_lived_key(&mut cx, &s);
            flow::long_lived_env(&mut cx, sn.get("env"), Some(job), false);
            flow::long_lived_env(&mut cx, sn.get("with"), Some(job), true);
            unpinned_action(&mut cx, &s);
            if untrusted_trigger && secrets {
                untrusted_checkout(&mut cx, &s);
                flow::untrusted_fetch(&mut cx, &s, text);
            }
            if secrets {
                flow::template_injection(&mut cx, &s, text);
            }
            flow::app_token_permissions(&mut cx, &s);
            secret_in_command(&mut cx, &s, docs, text);
        }
        if secrets {
            broad_permissions(&mut cx, job, node, wf_permissions, &inherited);
        }
    }
    cx.out
}

/// A cloud login action given a static key where the provider supports OIDC (NHI7).
fn long_lived_key(cx: &mut Ctx, s: &StepView) {
    let at = match s.action.as_str() {
        "aws-actions/configure-aws-credentials" if s.with_key("role-to-assume").is_none() => {
            s.with_key("aws-secret-access-key")
        }
        "google-github-actions/auth" => s.with_key("credentials_json"),
        "azure/login" => s.with_key("creds"),
        _ => None,
    };
    let Some(at) = at else { return };
    let action = &s.action;
    cx.push(
        LONG_LIVED_KEY,
        Severity::Warning,
        "NHI7",
        at,
        s.job,
        action.clone(),
        format!("`{action}` is given a long-lived cloud key although the provider supports OIDC workload identity (NHI7, NHI4)"),
        "grant `id-token: write` and use `role-to-assume` (AWS), `workload_identity_provider` (GCP) or a federated `client-id` (Azure); then delete the static key",
    );
    cx.about(s.step.secrets.iter().map(|r| r.name.as_str()));
}

/// Secrets handed to a third-party action not pinned to a commit SHA (NHI3).
fn unpinned_action(cx: &mut Ctx, s: &StepView) {
    let uses = s.uses;
    let names: Vec<&str> = s.flowed.iter().map(String::as_str).collect();
    if uses.is_empty() || pinned(uses) || first_party(uses) || names.is_empty() {
        return;
    }
    let at = match s.node.get("uses") {
        Some(n) => n.start(),
        None => s.node.start(),
    };
    cx.push(
        UNPINNED,
        Severity::Warning,
        "NHI3",
        at,
        s.job,
        uses.to_string(),
        format!("secrets {} are passed to `{uses}`, a third-party action not pinned to a commit SHA", names.join(", ")),
        "pin the action to a full 40-character commit SHA (keep the tag in a comment) and review its updates",
    );
    cx.about(names);
}

/// A `pull_request_target` / `workflow_run` job that holds secrets checks out the pull
/// request's code (NHI2). Called only for such jobs.
fn untrusted_checkout(cx: &mut Ctx, s: &StepView) {
    if s.action != "actions/checkout" {
        return;
    }
    let with = s.node.get("with");
    let Some(r) = with
        .and_then(|w| w.get("ref"))
        .or_else(|| with.and_then(|w| w.get("repository")))
    else {
        return;
    };
    let v = r.str().unwrap_or("");
    if v.contains("pull_request.head")
        || v.contains("github.head_ref")
        || v.contains("workflow_run.head")
        || v.contains("refs/pull/")
    {
        cx.push(
            UNTRUSTED_CHECKOUT,
            Severity::Error,
            "NHI2",
            r.start(),
            s.job,
            "actions/checkout".into(),
            "a pull_request_target/workflow_run job checks out the pull request's code while secrets are available to it".into(),
            "use `pull_request` for untrusted code, or split the job so the checkout of the PR head never runs with secrets",
        );
    }
}

/// A `run:` script that echoes or writes a secret-holding environment variable, or has a
/// secret interpolated into its text (NHI2).
fn secret_in_command(cx: &mut Ctx, s: &StepView, docs: &[Node], text: &str) {
    let sn = s.node;
    let Some((start, end)) = github::run_range(sn) else {
        return;
    };
    let envs = envs_of(docs, s.job_node, sn);
    // Secrets that reach the script through `env:`, then echoed or written out.
    let mut names: Vec<String> = Vec::new();
    for e in &envs {
        for (k, v) in e.entries() {
            if v.str().is_some_and(|s| !github::refs_in(s).is_empty()) {
                names.push(k.value.clone());
            }
        }
    }
    flow::secret_to_github_env(cx, s, text, &names);
    for (name, at) in exposed(text, start, end, &names) {
        cx.push(
            SECRET_IN_COMMAND,
            Severity::Warning,
            "NHI2",
            at,
            s.job,
            name.clone(),
            format!("`{name}` holds a secret and is echoed or written to a file in `run:`"),
            "do not print or write secrets; pass them to the tool that needs them through its environment",
        );
        let from = secret_names(&envs, &name);
        cx.about(from.iter().map(String::as_str));
    }
    for r in s.step.secrets.iter().filter(|r| in_range(r, start, end)) {
        cx.push(
            SECRET_IN_COMMAND,
            Severity::Warning,
            "NHI2",
            Pos::new(r.line, r.column),
            s.job,
            r.name.clone(),
            format!("secret {} is interpolated into a `run:` command line, where it can reach logs, files and the process list", r.name),
            "pass it to the step through `env:` and read it from the environment; never echo it or write it to files",
        );
        cx.about([r.name.as_str()]);
    }
}

/// A job that reads secrets with `write-all` or default token permissions (NHI5).
fn broad_permissions(
    cx: &mut Ctx,
    job: &Job,
    node: &Node,
    wf_permissions: Option<&Node>,
    inherited: &[String],
) {
    let effective = node.get("permissions").or(wf_permissions);
    let at = match effective {
        None => Pos::new(job.line, job.column),
        Some(n) if n.str() == Some("write-all") => n.start(),
        Some(_) => return,
    };
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
            .map(|r| r.name.as_str())
            .chain(inherited.iter().map(String::as_str)),
    );
}

/// The secrets the values of one `env:` map read, by name.
fn env_secrets(env: Option<&Node>) -> Vec<String> {
    env.map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .flat_map(|(_, v)| github::secret_names(v))
        .collect()
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
        .flat_map(|(_, v)| github::secret_names(v))
        .collect()
}

fn in_range(r: &SecretRef, start: Pos, end: Pos) -> bool {
    let at = Pos::new(r.line, r.column);
    start <= at && at < end
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
        let code = strip_comment(line);
        if code.contains("GITHUB_ENV") || code.contains("GITHUB_OUTPUT") {
            // pipeline-secret-to-github-env says it.
            continue;
        }
        if code.contains("--password-stdin") && !code.contains('>') {
            // `echo "$S" | docker login --password-stdin`: the secret goes to stdin.
            continue;
        }
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
                        let at = Pos::new(ln, char_column(line, b));
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
