//! Risky pipeline patterns, each with its OWASP NHI Top 10 risk and a fix: long-lived cloud
//! keys where OIDC is available, secrets handed to third-party code not pinned to a commit,
//! untrusted checkouts next to secrets, secrets on command lines, broad permissions next to
//! secrets, and one secret shared by production and non-production environments. For GitHub
//! also (issue 16, `risks/github/flow.rs`): unpinned reusable workflows with secrets, `secrets:
//! inherit` to another repository, long-lived registry tokens where trusted publishing exists,
//! template injection in jobs holding secrets, persisted checkout credentials next to artifact
//! uploads, GitHub App tokens without permission inputs, secrets written to `GITHUB_ENV`.
//!
//! GitHub Actions workflows get every check (`risks/github.rs`, one function per check). The
//! other systems (`risks/other.rs`) get those that mean something there:
//!
//! | check | where |
//! | --- | --- |
//! | long-lived cloud key | GitLab (no `id_tokens:`), CircleCI (orb logins without `role_arn` / `use_oidc`, no `$CIRCLE_OIDC_TOKEN`), Bitbucket (no `oidc: true`), Azure (service-principal secrets, `az login --service-principal -p`) |
//! | secret in a command | every system: GitLab, CircleCI, Bitbucket, Buildkite, Drone/Woodpecker and Azure scripts, Jenkins `sh`/`bat` with `credentials()`-bound variables |
//! | unpinned third-party code with secrets | GitLab `include: project:` / `remote:` / `component:`, CircleCI orbs, Bitbucket pipes |
//! | shared across environments | every system (from the usage map) |
//! | reusable workflows, registry tokens, template injection, persisted checkout credentials, app tokens, `GITHUB_ENV` | GitHub only (no counterpart in the others' YAML) |
//!
//! Skipped, because the system has no such thing in its config: untrusted checkouts
//! (GitHub's `pull_request_target` / `workflow_run` run fork code with the base repository's
//! secrets; GitLab, Bitbucket and Azure do not hand secrets to fork pipelines by config, and
//! nothing in their YAML turns that on) and broad permissions (only GitHub declares the job
//! token's scopes in the pipeline; elsewhere they are project settings). Drone, Woodpecker,
//! Buildkite and Jenkins have no built-in OIDC in their config to recommend, so no long-lived
//! key check; they do not pull third-party code by reference either (plugins and images are
//! outside this check). Composite actions get risks through their callers: a workflow of the
//! tree that calls `./path` with a secret in `with:` flows it into the composite's
//! `inputs.X`, and the composite's steps are checked for it (unpinned third-party action,
//! secret expanded into `run:`; `pipelines/composite.rs`).

use serde::Serialize;

mod github;
mod other;
pub use github::check as github;
pub use other::check as other_systems;

use super::Usage;
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
pub const UNPINNED_REUSABLE: &str = "pipeline-unpinned-reusable-workflow";
pub const SECRETS_INHERIT: &str = "pipeline-secrets-inherit";
pub const REGISTRY_TOKEN: &str = "pipeline-long-lived-registry-token";
pub const TEMPLATE_INJECTION: &str = "pipeline-template-injection-with-secrets";
pub const PERSISTED_CHECKOUT: &str = "pipeline-persisted-checkout-credentials";
pub const APP_TOKEN_PERMISSIONS: &str = "pipeline-app-token-without-permissions";
pub const SECRET_TO_GITHUB_ENV: &str = "pipeline-secret-to-github-env";

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
