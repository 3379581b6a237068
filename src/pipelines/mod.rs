//! CI pipeline configs understood, not just grepped: which job reads which secret, in which
//! environment, with which permissions and whether it uses OIDC workload identity (the usage
//! map), and literal credentials written into the pipeline's structure (hardcoded credentials,
//! found even when no provider rule knows their format). One file per CI system, on a shared
//! model: Pipeline -> Job -> Step, every value with its line and column.

mod github;
mod gitlab;
mod hardcoded;
mod others;
pub mod risks;
mod sink;
/// Positioned YAML, as the CI systems evaluate it (aliases expanded, merge keys applied).
pub use crate::yaml::tree as yaml;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use yaml::Pos;

pub use hardcoded::{to_findings, Hardcoded, HardcodedHit, HARDCODED_RULE};
pub use sink::Collector;

/// Version of the `nhiscan pipelines` JSON document.
pub const USAGE_SCHEMA_VERSION: u32 = 1;

/// Which CI system a path holds the config of, if any (paths are relative, `/`-separated).
///
/// ```
/// use nhiscan::pipelines::system_of;
/// assert_eq!(system_of(".github/workflows/ci.yml"), Some("github-actions"));
/// assert_eq!(system_of(".gitlab/ci/deploy.yml"), Some("gitlab-ci"));
/// assert_eq!(system_of("docs/ci.yml"), None);
/// ```
pub fn system_of(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if yaml && (path.starts_with(".github/workflows/") || path.contains("/.github/workflows/")) {
        let rest = path.rsplit_once(".github/workflows/").map_or("", |r| r.1);
        if !rest.contains('/') {
            return Some(github::SYSTEM);
        }
    }
    if name == "action.yml" || name == "action.yaml" {
        return Some(github::COMPOSITE);
    }
    // Local includes conventionally live under `.gitlab/` (`.gitlab/ci/deploy.yml`).
    let gitlab_dir = path.starts_with(".gitlab/") || path.contains("/.gitlab/");
    if name == ".gitlab-ci.yml" || name.ends_with(".gitlab-ci.yml") || (gitlab_dir && yaml) {
        return Some(gitlab::SYSTEM);
    }
    if path == ".circleci/config.yml" || path.ends_with("/.circleci/config.yml") {
        return Some(others::CIRCLECI);
    }
    if (path.starts_with(".buildkite/") || path.contains("/.buildkite/"))
        && yaml
        && name.starts_with("pipeline")
    {
        return Some(others::BUILDKITE);
    }
    match name {
        ".drone.yml" | ".drone.yaml" => Some(others::DRONE),
        ".woodpecker.yml" | ".woodpecker.yaml" => Some(others::WOODPECKER),
        "bitbucket-pipelines.yml" => Some(others::BITBUCKET),
        "azure-pipelines.yml" | "azure-pipelines.yaml" => Some(others::AZURE),
        "Jenkinsfile" => Some(others::JENKINS),
        _ => None,
    }
}

/// One pipeline config file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pipeline {
    pub path: String,
    pub system: &'static str,
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

/// A pipeline config that could not be understood.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PipelineError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl PipelineError {
    /// `path:line:column`, or the path alone for a problem with the whole file (one that
    /// could not be read has no position: never `path:0:0`).
    pub fn at(&self) -> String {
        if self.line == 0 {
            self.path.clone()
        } else {
            format!("{}:{}:{}", self.path, self.line, self.column)
        }
    }
}

/// What one file yielded.
#[derive(Debug, Default)]
pub struct Analysis {
    pub pipeline: Option<Pipeline>,
    pub hardcoded: Vec<Hardcoded>,
    pub risks: Vec<risks::Risk>,
    pub error: Option<PipelineError>,
    /// Files this one includes (GitLab `include: local:`, Azure `template:`), to be analysed
    /// as its system whatever their path looks like.
    pub includes: Vec<Include>,
}

/// A local file a pipeline includes, and where it says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// Relative to the scan root, `/`-separated, normalised.
    pub target: String,
    pub system: &'static str,
    pub line: usize,
    pub column: usize,
}

/// Understand the config at `path` (relative), given its text. Never panics: a file that is
/// not YAML yields an error with its position (the plain-text scan still covers it).
pub fn analyze(path: &str, text: &str) -> Analysis {
    match system_of(path) {
        Some(system) => analyze_as(path, text, system),
        None => Analysis::default(),
    }
}

/// Only the hardcoded credentials of a config of `system` (what git scans need: no usage map,
/// no risks), or where it is not YAML.
pub fn hardcoded_in(
    path: &str,
    text: &str,
    system: &'static str,
) -> Result<Vec<Hardcoded>, PipelineError> {
    if system == others::JENKINS {
        return Ok(others::jenkins(path, text).1);
    }
    match yaml::parse(text) {
        Ok(docs) => Ok(hardcoded::find(text, &docs)),
        Err(e) => Err(PipelineError {
            path: path.to_string(),
            line: e.pos.line,
            column: e.pos.column,
            message: format!("invalid YAML: {}", e.message),
        }),
    }
}

/// [`analyze`] as the config of `system`, whatever the path looks like (an included file).
pub fn analyze_as(path: &str, text: &str, system: &'static str) -> Analysis {
    if system == others::JENKINS {
        let (p, hardcoded) = others::jenkins(path, text);
        let risks = risks::other_systems(&p, &[], system, text);
        return Analysis {
            pipeline: Some(p),
            hardcoded,
            risks,
            ..Default::default()
        };
    }
    let docs = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            return Analysis {
                error: Some(PipelineError {
                    path: path.to_string(),
                    line: e.pos.line,
                    column: e.pos.column,
                    message: format!("invalid YAML: {}", e.message),
                }),
                ..Default::default()
            }
        }
    };
    let mut pipeline = Pipeline {
        path: path.to_string(),
        system,
        triggers: Vec::new(),
        permissions: None,
        secrets: Vec::new(),
        jobs: Vec::new(),
    };
    let refs = match system {
        gitlab::SYSTEM => {
            for d in &docs {
                gitlab::read(d, &mut pipeline);
            }
            gitlab::secret_refs(text, &docs)
        }
        github::SYSTEM | github::COMPOSITE => {
            for d in &docs {
                github::read(d, system, &mut pipeline);
            }
            github::secret_refs(text)
        }
        _ => {
            others::read(&docs, system, &mut pipeline);
            others::secret_refs(text, &docs, system)
        }
    };
    attribute(&mut pipeline, &docs, system, refs);
    aliased_refs(&mut pipeline, &docs, system);
    if system == others::CIRCLECI {
        // A context is read by the job the workflow gives it to.
        for (job, at) in others::context_jobs(&docs) {
            let Some(i) = pipeline
                .secrets
                .iter()
                .position(|r| r.line == at.line && r.column == at.column)
            else {
                continue;
            };
            if let Some(j) = pipeline.jobs.iter_mut().find(|j| j.id == job) {
                j.secrets.push(pipeline.secrets.remove(i));
            }
        }
    }
    let hardcoded = hardcoded::find(text, &docs);
    let risks = match system {
        github::SYSTEM => risks::github(&pipeline, &docs, system, text),
        // A composite action's secrets arrive as inputs: the calling workflow is checked.
        github::COMPOSITE => Vec::new(),
        _ => risks::other_systems(&pipeline, &docs, system, text),
    };
    let includes = match system {
        gitlab::SYSTEM => gitlab::local_includes(&docs),
        others::AZURE => others::azure_templates(&docs),
        _ => Vec::new(),
    }
    .into_iter()
    .filter_map(|(target, at)| {
        Some(Include {
            target: resolve_include(path, &target, system)?,
            system,
            line: at.line,
            column: at.column,
        })
    })
    .collect();
    Analysis {
        pipeline: Some(pipeline),
        hardcoded,
        risks,
        error: None,
        includes,
    }
}

/// The scan-root-relative path of an included file: GitLab local includes are relative to
/// the repository root; Azure templates to the including file, or to the root with a leading
/// `/`. `None` for what is not a plain local path (templates from other repositories
/// `file@alias`, template expressions, wildcards, paths that climb out of the root).
fn resolve_include(from: &str, target: &str, system: &str) -> Option<String> {
    let t = target.trim();
    if t.is_empty() || t.contains("${{") || t.contains('*') || t.contains('$') {
        return None;
    }
    if system == others::AZURE && t.contains('@') {
        return None;
    }
    let joined = if system == gitlab::SYSTEM || t.starts_with('/') {
        t.trim_start_matches('/').to_string()
    } else {
        match from.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{t}"),
            None => t.to_string(),
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Follow the includes of analysed pipelines: every included file not analysed yet is read
/// (through `read`, which returns `None` for a path the scan must not read) and analysed as
/// the including file's system, and so on. Each file is analysed once, so cycles end; an
/// include of a missing file is an error at the `include`/`template` line of the includer.
pub fn follow_includes(
    analyses: &mut Vec<(String, Analysis)>,
    read: &dyn Fn(&str) -> Option<std::io::Result<Vec<u8>>>,
) {
    let mut known: std::collections::HashSet<String> =
        analyses.iter().map(|(p, _)| p.clone()).collect();
    let mut todo: Vec<(String, Include)> = analyses
        .iter()
        .flat_map(|(p, a)| a.includes.iter().map(move |i| (p.clone(), i.clone())))
        .collect();
    todo.sort_by(|a, b| (&a.0, a.1.line, a.1.column).cmp(&(&b.0, b.1.line, b.1.column)));
    todo.reverse();
    while let Some((from, inc)) = todo.pop() {
        if !known.insert(inc.target.clone()) {
            continue;
        }
        match read(&inc.target) {
            None => {}
            Some(Ok(bytes)) => {
                let a = analyze_as(&inc.target, &String::from_utf8_lossy(&bytes), inc.system);
                for i in a.includes.iter().rev() {
                    todo.push((inc.target.clone(), i.clone()));
                }
                analyses.push((inc.target.clone(), a));
            }
            Some(Err(e)) => {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("included file {} not found", inc.target)
                } else {
                    format!("included file {} cannot be read: {e}", inc.target)
                };
                analyses.push((
                    from.clone(),
                    Analysis {
                        error: Some(PipelineError {
                            path: from,
                            line: inc.line,
                            column: inc.column,
                            message,
                        }),
                        ..Default::default()
                    },
                ));
            }
        }
    }
    analyses.sort_by(|a, b| a.0.cmp(&b.0));
}

/// Give each secret reference to the innermost step or job whose text holds it.
fn attribute(p: &mut Pipeline, docs: &[yaml::Node], system: &str, refs: Vec<SecretRef>) {
    let ranges = match system {
        gitlab::SYSTEM => gitlab::ranges(docs),
        github::SYSTEM | github::COMPOSITE => github::ranges(docs, system),
        _ => others::ranges(docs, system),
    };
    'refs: for r in refs {
        let at = Pos::new(r.line, r.column);
        for (ji, (jr, steps)) in ranges.iter().enumerate() {
            if !within(at, *jr) {
                continue;
            }
            let Some(job) = p.jobs.get_mut(ji) else {
                continue;
            };
            for (si, sr) in steps.iter().enumerate() {
                if within(at, *sr) {
                    if let Some(step) = job.steps.get_mut(si) {
                        step.secrets.push(r);
                        continue 'refs;
                    }
                }
            }
            job.secrets.push(r);
            continue 'refs;
        }
        p.secrets.push(r);
    }
}

/// A job that takes values from an anchor elsewhere in the file (`env: *defaults`, GitLab
/// `<<: *template`) reads the secrets those values name: they are the job's too, at the
/// anchor's position.
fn aliased_refs(p: &mut Pipeline, docs: &[yaml::Node], system: &str) {
    let (nodes, ranges) = match system {
        gitlab::SYSTEM => (gitlab::job_nodes(docs), gitlab::ranges(docs)),
        github::SYSTEM | github::COMPOSITE => (
            github::job_nodes(docs, system),
            github::ranges(docs, system),
        ),
        _ => (
            others::job_nodes(docs, system)
                .into_iter()
                .map(|n| n.2)
                .collect(),
            others::ranges(docs, system),
        ),
    };
    let defined = others::defined_names(docs, system);
    for ((job, node), (range, _)) in p.jobs.iter_mut().zip(nodes).zip(ranges) {
        let mut scalars = Vec::new();
        node.scalars(&mut scalars);
        for s in scalars {
            if within(s.pos, range) {
                continue;
            }
            let found = match system {
                gitlab::SYSTEM => gitlab::refs_in(&s.value),
                github::SYSTEM | github::COMPOSITE => github::refs_in(&s.value),
                _ => others::refs_in(&s.value, system, &defined),
            };
            for (name, offset) in found {
                let column = if s.inline {
                    s.pos.column + s.value[..offset].chars().count()
                } else {
                    s.pos.column
                };
                let r = SecretRef {
                    name,
                    line: s.pos.line,
                    column,
                };
                if !job.secrets.contains(&r) {
                    job.secrets.push(r);
                }
            }
        }
        if system == gitlab::SYSTEM {
            let defined = gitlab::defined(docs);
            job.secrets.retain(|r| !defined.contains(&r.name));
        }
        job.secrets
            .sort_by(|a, b| (a.line, a.column, &a.name).cmp(&(b.line, b.column, &b.name)));
    }
}

fn within(at: Pos, (start, end): (Pos, Pos)) -> bool {
    start <= at && at < end
}

/// A job's text: from its key to the end of its value; each step's likewise.
type Ranges = Vec<((Pos, Pos), Vec<(Pos, Pos)>)>;

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
    pub errors: Vec<PipelineError>,
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
        mut errors: Vec<PipelineError>,
    ) -> UsageMap {
        pipelines.sort_by(|a, b| a.path.cmp(&b.path));
        errors.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
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

/// Every pipeline config below `root` (honouring the ignore files like the scan does), read
/// and analysed. Used by `nhiscan pipelines`; the scan analyses the files its walk reads.
pub fn analyze_tree(root: &Path, no_ignore: bool) -> (UsageMap, Vec<HardcodedHit>) {
    let opts = crate::sources::worktree::WorktreeOptions {
        root: root.to_path_buf(),
        no_ignore,
        follow_symlinks: false,
        threads: 0,
        max_file_size: u64::MAX,
        path_allowlist: None,
    };
    let sink = Collector::default();
    let mut errors = Vec::new();
    match crate::sources::worktree::scan(None, &sink, &opts) {
        Ok(walked) => errors.extend(
            walked
                .errors
                .into_iter()
                .filter(|e| system_of(&e.path).is_some())
                .map(|e| PipelineError {
                    path: e.path,
                    line: 0,
                    column: 0,
                    message: e.message,
                }),
        ),
        Err(e) => errors.push(PipelineError {
            path: root.display().to_string(),
            line: 0,
            column: 0,
            message: e.to_string(),
        }),
    }
    let analyses = sink.analyses(&|rel| crate::sources::worktree::read(&opts, rel));
    collect(analyses, errors)
}

/// The usage map of analysed files, and their hardcoded credentials by path.
pub fn collect(
    analyses: Vec<(String, Analysis)>,
    mut errors: Vec<PipelineError>,
) -> (UsageMap, Vec<HardcodedHit>) {
    let mut pipelines = Vec::new();
    let mut risks = Vec::new();
    let mut hard = Vec::new();
    for (rel, a) in analyses {
        if !a.hardcoded.is_empty() {
            hard.push(HardcodedHit {
                path: rel,
                system: a.pipeline.as_ref().map_or("", |p| p.system),
                git: None,
                presence: Default::default(),
                found: a.hardcoded,
            });
        }
        pipelines.extend(a.pipeline);
        errors.extend(a.error);
        risks.extend(a.risks);
    }
    hard.sort_by(|a, b| a.path.cmp(&b.path));
    (UsageMap::new(pipelines, risks, errors), hard)
}

/// The permissions node as JSON (`write-all`, or a map of scope -> access).
fn permissions(n: &yaml::Node) -> serde_json::Value {
    match n {
        yaml::Node::Map { entries, .. } => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.value.clone(),
                        serde_json::Value::String(v.str().unwrap_or("").to_string()),
                    )
                })
                .collect(),
        ),
        yaml::Node::Scalar(s) => serde_json::Value::String(s.value.clone()),
        yaml::Node::Seq { .. } => serde_json::Value::Null,
    }
}

/// `environment: prod` or `environment: {name: prod}`.
fn environment(n: Option<&yaml::Node>) -> Option<String> {
    let n = n?;
    n.str()
        .or_else(|| n.get("name").and_then(|v| v.str()))
        .map(str::to_string)
}

/// 1-based character column of a byte offset in a line.
fn char_column(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

/// The scan's part: from the pipeline configs the walk analysed, add their hardcoded
/// credentials to `findings` (in the findings' stable order) and their parse errors to
/// `errors`, and return the usage map.
pub fn scan_into(
    analyses: Vec<(String, Analysis)>,
    findings: &mut Vec<crate::findings::Finding>,
    errors: &mut Vec<crate::sources::ScanError>,
    stats: &mut crate::sources::SourceStats,
    show_secrets: bool,
) -> UsageMap {
    let (map, hard) = collect(analyses, Vec::new());
    add_hardcoded(&hard, findings, show_secrets);
    for e in &map.errors {
        errors.push(crate::sources::ScanError {
            path: e.at(),
            message: e.message.clone(),
        });
        stats.errors += 1;
    }
    errors.sort();
    map
}

/// Add hardcoded pipeline credentials to the findings of a scan (working tree or git), in the
/// findings' stable order. Git scans see only hardcoded credentials: risks and the usage map
/// describe the pipelines as they are now, so they come from working-tree scans alone.
pub fn add_hardcoded(
    hits: &[HardcodedHit],
    findings: &mut Vec<crate::findings::Finding>,
    show_secrets: bool,
) {
    let extra = to_findings(hits, findings, show_secrets);
    if !extra.is_empty() {
        findings.extend(extra);
        findings.sort_by(|a, b| {
            a.locations
                .first()
                .cmp(&b.locations.first())
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
    }
}

/// Risky patterns as findings: fingerprinted by rule, path, job and subject (never by line,
/// so they survive edits), severity, OWASP id and fix in `attributes`. They hold no secret.
pub fn risk_findings(risks: &[risks::Risk]) -> Vec<crate::findings::Finding> {
    risks
        .iter()
        .map(|r| {
            let identity = format!(
                "{}\0{}\0{}\0{}",
                r.rule_id,
                r.path,
                r.job.as_deref().unwrap_or(""),
                r.subject
            );
            let mut attributes = BTreeMap::new();
            attributes.insert("owasp".to_string(), r.owasp.to_string());
            attributes.insert("message".to_string(), r.message.clone());
            attributes.insert("fix".to_string(), r.fix.clone());
            if let Some(j) = &r.job {
                attributes.insert("job".to_string(), j.clone());
            }
            crate::findings::Finding {
                rule_id: r.rule_id.to_string(),
                rule_name: r.message.clone(),
                provider: "ci".into(),
                kind: crate::rules::Kind::Token,
                severity: r.severity,
                confidence: crate::rules::Confidence::High,
                fingerprint: crate::findings::fingerprint(identity.as_bytes()),
                redacted: r.subject.clone(),
                secret: None,
                key_id: None,
                attributes,
                locations: vec![crate::findings::Location {
                    path: r.path.clone(),
                    line: r.line,
                    column: r.column,
                    end_line: r.line,
                    end_column: r.column,
                    git: None,
                }],
                first_seen: None,
                last_seen: None,
                present_at_head: None,
                verdicts: Vec::new(),
                identity: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_paths_resolve_from_the_root_or_the_includer() {
        let gl = gitlab::SYSTEM;
        let az = others::AZURE;
        assert_eq!(
            resolve_include(".gitlab-ci.yml", "/ci/a.yml", gl).as_deref(),
            Some("ci/a.yml")
        );
        // GitLab local includes are relative to the repository root, not the includer.
        assert_eq!(
            resolve_include("ci/a.yml", "ci/b.yml", gl).as_deref(),
            Some("ci/b.yml")
        );
        assert_eq!(
            resolve_include("templates/job.yml", "../steps/s.yml", az).as_deref(),
            Some("steps/s.yml")
        );
        assert_eq!(
            resolve_include("templates/job.yml", "/s.yml", az).as_deref(),
            Some("s.yml")
        );
        assert_eq!(
            resolve_include("a.yml", "./b/./c.yml", az).as_deref(),
            Some("b/c.yml")
        );
        for (from, t, sys) in [
            ("a.yml", "../../etc/passwd", az),
            ("a.yml", "steps.yml@tools", az),
            ("a.yml", "${{ parameters.t }}", az),
            (".gitlab-ci.yml", "ci/*.yml", gl),
            (".gitlab-ci.yml", "", gl),
        ] {
            assert_eq!(resolve_include(from, t, sys), None, "{t}");
        }
    }

    #[test]
    fn hardcoded_only_for_git_blobs() {
        let found = hardcoded_in(
            "x.yml",
            "test:\n  variables:\n    DB_PASSWORD: Zx-lit3ral-19\n",
            gitlab::SYSTEM,
        )
        .unwrap();
        assert_eq!((found.len(), found[0].line, found[0].column), (1, 3, 18));
        let err = hardcoded_in("x.yml", "a: [\n", gitlab::SYSTEM).unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{err:?}");
    }
}
