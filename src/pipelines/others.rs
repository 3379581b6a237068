//! The other CI systems, on the same model: CircleCI (jobs, contexts), Drone/Woodpecker (one
//! job per document or pipeline, `from_secret:`), Buildkite (steps), Bitbucket Pipelines and
//! Azure Pipelines (secrets read file-wide: `$NAME`, `$(NAME)`), and Jenkinsfiles, read as
//! text (`credentials('id')`, `credentialsId: 'id'`, `environment {}` literals).

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::github::strip_comment;
use super::hardcoded::Hardcoded;
use super::yaml::{Node, Pos};
use super::{char_column, Job, Pipeline, Ranges, SecretRef, Step};
use crate::secret::Secret;

pub const CIRCLECI: &str = "circleci";
pub const DRONE: &str = "drone";
pub const WOODPECKER: &str = "woodpecker";
pub const BUILDKITE: &str = "buildkite";
pub const BITBUCKET: &str = "bitbucket-pipelines";
pub const AZURE: &str = "azure-pipelines";
pub const JENKINS: &str = "jenkins";

static DOLLAR_VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))").expect("valid regex")
});
static AZURE_VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)").expect("valid regex"));
static FROM_SECRET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"from_secret:\s*['"]?([A-Za-z0-9_.-]+)"#).expect("valid regex"));
static JENKINS_CRED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:credentials\(\s*|credentialsId\s*:\s*)['"]([^'"]+)['"]"#).expect("valid regex")
});
static JENKINS_ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*['"]([^'"]*)['"]\s*$"#).expect("valid regex")
});

const PREDEFINED_PREFIXES: &[&str] = &[
    "CIRCLE_",
    "BITBUCKET_",
    "BUILDKITE_",
    "DRONE_",
    "CI_",
    "HOME",
    "PATH",
    "PWD",
];

/// Jobs of a YAML-based system, with the key (if any) they are named by.
pub fn job_nodes<'a>(docs: &'a [Node], system: &str) -> Vec<(String, Pos, &'a Node)> {
    let mut out = Vec::new();
    for doc in docs {
        match system {
            CIRCLECI => {
                for (k, v) in doc.get("jobs").map(Node::entries).unwrap_or(&[]) {
                    out.push((k.value.clone(), k.pos, v));
                }
            }
            DRONE | WOODPECKER if doc.get("steps").is_some() || doc.get("pipeline").is_some() => {
                let name = doc.get("name").and_then(Node::str).unwrap_or("default");
                out.push((name.to_string(), doc.start(), doc));
            }
            BUILDKITE => {
                for (i, s) in doc
                    .get("steps")
                    .map(Node::items)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let name = s
                        .get("key")
                        .or_else(|| s.get("label"))
                        .and_then(Node::str)
                        .map_or_else(|| format!("step-{}", i + 1), str::to_string);
                    out.push((name, s.start(), s));
                }
            }
            _ => {}
        }
    }
    out
}

fn steps_of<'a>(job: &'a Node, system: &str) -> Vec<(Option<String>, &'a Node)> {
    let key = match system {
        DRONE | WOODPECKER => {
            if job.get("steps").is_some() {
                "steps"
            } else {
                "pipeline"
            }
        }
        CIRCLECI => "steps",
        _ => return Vec::new(),
    };
    match job.get(key) {
        Some(Node::Seq { items, .. }) => items
            .iter()
            .map(|s| (s.get("name").and_then(Node::str).map(str::to_string), s))
            .collect(),
        Some(Node::Map { entries, .. }) => entries
            .iter()
            .map(|(k, v)| (Some(k.value.clone()), v))
            .collect(),
        _ => Vec::new(),
    }
}

pub fn read(docs: &[Node], system: &str, p: &mut Pipeline) {
    for (id, pos, job) in job_nodes(docs, system) {
        let steps = steps_of(job, system)
            .into_iter()
            .map(|(name, s)| {
                let at = s.start();
                Step {
                    line: at.line,
                    column: at.column,
                    name,
                    uses: s
                        .get("image")
                        .or_else(|| s.get("plugins"))
                        .and_then(Node::str)
                        .map(str::to_string),
                    secrets: Vec::new(),
                }
            })
            .collect();
        p.jobs.push(Job {
            id,
            line: pos.line,
            column: pos.column,
            name: None,
            environment: None,
            permissions: None,
            oidc: false,
            oidc_identities: Vec::new(),
            inherits_secrets: false,
            uses: None,
            secrets: Vec::new(),
            steps,
        });
    }
}

pub fn ranges(docs: &[Node], system: &str) -> Ranges {
    job_nodes(docs, system)
        .into_iter()
        .map(|(_, pos, job)| {
            let steps = steps_of(job, system)
                .into_iter()
                .map(|(_, s)| (s.start(), s.end()))
                .collect();
            ((pos.min(job.start()), job.end()), steps)
        })
        .collect()
}

/// Keys of every `environment:` / `variables:` / `env:` mapping: defined in the file.
fn defined(n: &Node, out: &mut HashSet<String>) {
    for (k, v) in n.entries() {
        if matches!(k.value.as_str(), "environment" | "variables" | "env") {
            // `X: $X` passes a secret on; it does not define one.
            for (vk, vv) in v.entries() {
                if !vv.str().is_some_and(|s| s.contains('$')) {
                    out.insert(vk.value.clone());
                }
            }
        }
        defined(v, out);
    }
    for i in n.items() {
        defined(i, out);
    }
}

/// The secrets one value reads, with their byte offsets.
pub fn refs_in(value: &str, system: &str, defined: &HashSet<String>) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    match system {
        AZURE => {
            for c in AZURE_VAR.captures_iter(value) {
                out.push((c[1].to_string(), c.get(0).expect("match").start()));
            }
        }
        DRONE | WOODPECKER => {
            for c in FROM_SECRET.captures_iter(value) {
                out.push((c[1].to_string(), c.get(1).expect("group").start()));
            }
        }
        _ => {
            for c in DOLLAR_VAR.captures_iter(value) {
                let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
                if PREDEFINED_PREFIXES.iter().any(|p| name.starts_with(p)) {
                    continue;
                }
                out.push((name.to_string(), c.get(0).expect("match").start()));
            }
        }
    }
    out.retain(|(n, _)| !defined.contains(n));
    out
}

/// GitHub and GitLab read their own way; every other system's file-defined names count.
fn github_like(system: &str) -> &str {
    match system {
        "github-actions" | "github-action" | "gitlab-ci" => system,
        _ => "",
    }
}

pub fn defined_names(docs: &[Node], system: &str) -> HashSet<String> {
    let mut d = HashSet::new();
    if system != github_like(system) {
        docs.iter().for_each(|doc| defined(doc, &mut d));
    }
    d
}

pub fn secret_refs(text: &str, docs: &[Node], system: &str) -> Vec<SecretRef> {
    let defined = defined_names(docs, system);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = strip_comment(line);
        for (name, off) in refs_in(code, system, &defined) {
            out.push(SecretRef {
                name,
                line: i + 1,
                column: char_column(line, off),
            });
        }
    }
    // CircleCI contexts: `context: org-global` or a list of them.
    if system == CIRCLECI {
        let mut ctx = Vec::new();
        for d in docs {
            contexts(d, &mut ctx);
        }
        for s in ctx {
            out.push(SecretRef {
                name: format!("context:{}", s.0),
                line: s.1.line,
                column: s.1.column,
            });
        }
    }
    out.sort_by(|a, b| (a.line, a.column, &a.name).cmp(&(b.line, b.column, &b.name)));
    out
}

fn contexts(n: &Node, out: &mut Vec<(String, Pos)>) {
    for (k, v) in n.entries() {
        if k.value == "context" {
            match v {
                Node::Scalar(s) => out.push((s.value.clone(), s.pos)),
                Node::Seq { items, .. } => {
                    for i in items {
                        if let Node::Scalar(s) = i {
                            out.push((s.value.clone(), s.pos));
                        }
                    }
                }
                _ => {}
            }
        }
        contexts(v, out);
    }
    for i in n.items() {
        contexts(i, out);
    }
}

/// A Jenkinsfile, read as text: the credential ids it binds, and literal values assigned to
/// secret-named variables (`environment { DB_PASSWORD = 'hunter22' }`).
pub fn jenkins(path: &str, text: &str) -> (Pipeline, Vec<Hardcoded>) {
    let mut refs = Vec::new();
    let mut hard = Vec::new();
    let placeholders = &*super::hardcoded::PLACEHOLDERS;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or(line);
        for c in JENKINS_CRED.captures_iter(code) {
            let m = c.get(1).expect("group");
            refs.push(SecretRef {
                name: m.as_str().to_string(),
                line: i + 1,
                column: char_column(line, m.start()),
            });
        }
        if let Some(c) = JENKINS_ASSIGN.captures(code) {
            let (k, v) = (c.get(1).expect("key"), c.get(2).expect("value"));
            if super::hardcoded::secret_key(k.as_str())
                && super::hardcoded::literal(v.as_str(), placeholders)
            {
                let column = char_column(line, v.start());
                hard.push(Hardcoded {
                    key: format!("environment.{}", k.as_str()),
                    secret: Secret::new(v.as_str().as_bytes()),
                    line: i + 1,
                    column,
                    end_column: column + v.as_str().chars().count(),
                });
            }
        }
    }
    let p = Pipeline {
        path: path.to_string(),
        system: JENKINS,
        triggers: Vec::new(),
        permissions: None,
        secrets: Vec::new(),
        jobs: vec![Job {
            id: "pipeline".into(),
            line: 1,
            column: 1,
            name: None,
            environment: None,
            permissions: None,
            oidc: false,
            oidc_identities: Vec::new(),
            inherits_secrets: false,
            uses: None,
            secrets: refs,
            steps: Vec::new(),
        }],
    };
    super::hardcoded::drop_inline_allowed(text, &mut hard);
    (p, hard)
}

/// CircleCI workflow entries `- deploy: {context: [a, b]}`: the job each context is given to.
pub fn context_jobs(docs: &[Node]) -> Vec<(String, Pos)> {
    let mut out = Vec::new();
    for doc in docs {
        for (_, wf) in doc.get("workflows").map(Node::entries).unwrap_or(&[]) {
            for item in wf.get("jobs").map(Node::items).unwrap_or(&[]) {
                for (job, cfg) in item.entries() {
                    let mut ctx = Vec::new();
                    if let Some(c) = cfg.get("context") {
                        match c {
                            Node::Scalar(s) => ctx.push(s.pos),
                            _ => ctx.extend(c.items().iter().map(Node::start)),
                        }
                    }
                    out.extend(ctx.into_iter().map(|p| (job.value.clone(), p)));
                }
            }
        }
    }
    out
}

/// Every Azure Pipelines `template:` reference (stages, jobs, steps, variables, `extends:`).
pub fn azure_templates(docs: &[Node]) -> Vec<(String, Pos)> {
    fn walk(n: &Node, out: &mut Vec<(String, Pos)>) {
        for (k, v) in n.entries() {
            match v {
                Node::Scalar(s) if k.value == "template" => out.push((s.value.clone(), s.pos)),
                _ => walk(v, out),
            }
        }
        for i in n.items() {
            walk(i, out);
        }
    }
    let mut out = Vec::new();
    for d in docs {
        walk(d, &mut out);
    }
    out
}
