//! The shared model every CI system is read into: Pipeline -> Job -> Step, each secret read
//! with its line and column, the usage map of a whole tree, and the CI systems themselves.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use super::includes::Include;
use super::oidc::OidcUse;
use super::risks;
use super::{Hardcoded, Located};

/// Version of the `nhiscan pipelines` JSON document.
pub const USAGE_SCHEMA_VERSION: u32 = 1;

/// A CI system whose config nhiscan understands. JSON and text show the names in
/// [`CiSystem::as_str`] (`github-actions`, `gitlab-ci`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CiSystem {
    /// A GitHub Actions workflow (`.github/workflows/*.yml`).
    #[serde(rename = "github-actions")]
    GithubActions,
    /// A GitHub composite action (`action.yml`).
    #[serde(rename = "github-action")]
    GithubAction,
    #[serde(rename = "gitlab-ci")]
    Gitlab,
    #[serde(rename = "circleci")]
    Circleci,
    #[serde(rename = "drone")]
    Drone,
    #[serde(rename = "woodpecker")]
    Woodpecker,
    #[serde(rename = "buildkite")]
    Buildkite,
    #[serde(rename = "bitbucket-pipelines")]
    Bitbucket,
    #[serde(rename = "azure-pipelines")]
    Azure,
    #[serde(rename = "jenkins")]
    Jenkins,
}

impl CiSystem {
    /// The name JSON and text show.
    pub fn as_str(self) -> &'static str {
        match self {
            CiSystem::GithubActions => "github-actions",
            CiSystem::GithubAction => "github-action",
            CiSystem::Gitlab => "gitlab-ci",
            CiSystem::Circleci => "circleci",
            CiSystem::Drone => "drone",
            CiSystem::Woodpecker => "woodpecker",
            CiSystem::Buildkite => "buildkite",
            CiSystem::Bitbucket => "bitbucket-pipelines",
            CiSystem::Azure => "azure-pipelines",
            CiSystem::Jenkins => "jenkins",
        }
    }

    /// A GitHub workflow or composite action: secrets are `${{ secrets.NAME }}`.
    pub fn is_github(self) -> bool {
        matches!(self, CiSystem::GithubActions | CiSystem::GithubAction)
    }
}

impl fmt::Display for CiSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which CI system a path holds the config of, if any (paths are relative, `/`-separated).
///
/// ```
/// use nhiscan::pipelines::{system_of, CiSystem};
/// assert_eq!(system_of(".github/workflows/ci.yml"), Some(CiSystem::GithubActions));
/// assert_eq!(system_of(".gitlab/ci/deploy.yml"), Some(CiSystem::Gitlab));
/// assert_eq!(system_of("docs/ci.yml"), None);
/// ```
pub fn system_of(path: &str) -> Option<CiSystem> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if yaml && (path.starts_with(".github/workflows/") || path.contains("/.github/workflows/")) {
        let rest = path.rsplit_once(".github/workflows/").map_or("", |r| r.1);
        if !rest.contains('/') {
            return Some(CiSystem::GithubActions);
        }
    }
    if name == "action.yml" || name == "action.yaml" {
        return Some(CiSystem::GithubAction);
    }
    // Local includes conventionally live under `.gitlab/` (`.gitlab/ci/deploy.yml`).
    let gitlab_dir = path.starts_with(".gitlab/") || path.contains("/.gitlab/");
    if name == ".gitlab-ci.yml" || name.ends_with(".gitlab-ci.yml") || (gitlab_dir && yaml) {
        return Some(CiSystem::Gitlab);
    }
    if path == ".circleci/config.yml" || path.ends_with("/.circleci/config.yml") {
        return Some(CiSystem::Circleci);
    }
    if (path.starts_with(".buildkite/") || path.contains("/.buildkite/"))
        && yaml
        && name.starts_with("pipeline")
    {
        return Some(CiSystem::Buildkite);
    }
    match name {
        ".drone.yml" | ".drone.yaml" => Some(CiSystem::Drone),
        ".woodpecker.yml" | ".woodpecker.yaml" => Some(CiSystem::Woodpecker),
        "bitbucket-pipelines.yml" => Some(CiSystem::Bitbucket),
        "azure-pipelines.yml" | "azure-pipelines.yaml" => Some(CiSystem::Azure),
        "Jenkinsfile" => Some(CiSystem::Jenkins),
        _ => None,
    }
}

/// One pipeline config file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pipeline {
    pub path: String,
    pub system: CiSystem,
    /// Events that start it (GitHub `on:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
    /// File-wide permissions (GitHub `permissions:`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<serde_json::Value>,
    /// Secrets read outside any job (file-wide `env:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretRef>,
    pub jobs: Vec<Job>,
}

impl Pipeline {
    /// A pipeline of `system` at `path` with nothing read yet.
    pub fn new(path: &str, system: CiSystem) -> Pipeline {
        Pipeline {
            path: path.to_string(),
            system,
            triggers: Vec::new(),
            permissions: None,
            secrets: Vec::new(),
            jobs: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Job {
    pub id: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The job's own permissions (the pipeline's apply when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<serde_json::Value>,
    /// Uses OIDC workload identity (`id-token: write`, `role-to-assume`, GitLab `id_tokens`…).
    pub oidc: bool,
    /// The cloud identities its OIDC steps name, as written: AWS `role-to-assume`, GCP
    /// `workload_identity_provider` / `service_account`, Azure `client-id`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub oidc_identities: Vec<String>,
    /// With `oidc`: what the token is for (cloud federation, attestation, package
    /// publishing, a secret manager, unknown) and to whom it is presented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc_use: Option<OidcUse>,
    /// A reusable workflow called with `secrets: inherit`: every secret of the caller.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inherits_secrets: bool,
    /// A reusable workflow this job calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    /// Secrets read by the job outside its steps.
    pub secrets: Vec<SecretRef>,
    pub steps: Vec<Step>,
}

impl Job {
    /// A job named `id` at `line:column` with nothing else known yet.
    pub fn new(id: impl Into<String>, line: usize, column: usize) -> Job {
        Job {
            id: id.into(),
            line,
            column,
            name: None,
            environment: None,
            permissions: None,
            oidc: false,
            oidc_identities: Vec::new(),
            oidc_use: None,
            inherits_secrets: false,
            uses: None,
            secrets: Vec::new(),
            steps: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    pub secrets: Vec<SecretRef>,
}

/// One read of a secret.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecretRef {
    pub name: String,
    pub line: usize,
    pub column: usize,
}

/// What one file yielded.
#[derive(Debug, Default)]
pub struct Analysis {
    pub pipeline: Option<Pipeline>,
    pub hardcoded: Vec<Hardcoded>,
    pub risks: Vec<risks::Risk>,
    /// Why the file could not be understood (not YAML, an include that is missing).
    pub error: Option<Located>,
    /// Files this one includes (GitLab `include: local:`, Azure `template:`), to be analysed
    /// as its system whatever their path looks like.
    pub includes: Vec<Include>,
    /// A GitHub workflow's calls of local composite actions with secrets.
    pub local_calls: Vec<super::composite::LocalCall>,
    /// A composite action's steps and the inputs each reads.
    pub composite: Option<Vec<super::composite::CompositeStep>>,
}

/// The usage map of a whole tree: every pipeline, and for each secret name every place it is
/// read.
#[derive(Debug, Default, Serialize)]
pub struct UsageMap {
    pub schema_version: u32,
    pub pipelines: Vec<Pipeline>,
    /// Secret name -> every read of it, in path, line, column order.
    pub secrets: BTreeMap<String, Vec<Usage>>,
    /// Risky patterns, in path, line, column order.
    pub risks: Vec<risks::Risk>,
    /// Configs that could not be understood; shown as `{path, line, column, message}`.
    #[serde(serialize_with = "errors_with_paths")]
    pub errors: Vec<Located>,
}

/// The usage map's errors keep the field name they have always had (`path`, not `file`).
fn errors_with_paths<S: Serializer>(errors: &[Located], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Shown<'a> {
        path: &'a str,
        line: usize,
        column: usize,
        message: &'a str,
    }
    s.collect_seq(errors.iter().map(|e| Shown {
        path: &e.file,
        line: e.line,
        column: e.column,
        message: &e.message,
    }))
}

/// One read of a secret, with its context.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usage {
    pub path: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl Usage {
    /// `path:line job` for the audit's evidence.
    pub fn evidence(&self) -> String {
        match &self.job {
            Some(j) => format!("{}:{} {j}", self.path, self.line),
            None => format!("{}:{}", self.path, self.line),
        }
    }
}

impl UsageMap {
    pub fn new(
        mut pipelines: Vec<Pipeline>,
        mut risks: Vec<risks::Risk>,
        mut errors: Vec<Located>,
    ) -> UsageMap {
        pipelines.sort_by(|a, b| a.path.cmp(&b.path));
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        let mut secrets: BTreeMap<String, Vec<Usage>> = BTreeMap::new();
        for p in &pipelines {
            let mut add = |r: &SecretRef, job: Option<&Job>, step: Option<&Step>| {
                secrets.entry(r.name.clone()).or_default().push(Usage {
                    path: p.path.clone(),
                    line: r.line,
                    column: r.column,
                    job: job.map(|j| j.id.clone()),
                    step: step.map(|s| {
                        s.name
                            .clone()
                            .or(s.uses.clone())
                            .unwrap_or_else(|| format!("line {}", s.line))
                    }),
                    environment: job.and_then(|j| j.environment.clone()),
                });
            };
            for r in &p.secrets {
                add(r, None, None);
            }
            for j in &p.jobs {
                for r in &j.secrets {
                    add(r, Some(j), None);
                }
                for s in &j.steps {
                    for r in &s.secrets {
                        add(r, Some(j), Some(s));
                    }
                }
            }
        }
        for v in secrets.values_mut() {
            v.sort();
        }
        risks.extend(risks::shared_across_environments(&secrets));
        risks.sort_by(|a, b| {
            (&a.path, a.line, a.column, a.rule_id, &a.subject)
                .cmp(&(&b.path, b.line, b.column, b.rule_id, &b.subject))
        });
        UsageMap {
            schema_version: USAGE_SCHEMA_VERSION,
            pipelines,
            secrets,
            risks,
            errors,
        }
    }
}
