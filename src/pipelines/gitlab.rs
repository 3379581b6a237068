//! GitLab CI: `.gitlab-ci.yml` (and `*.gitlab-ci.yml` files it includes). A job is any
//! top-level mapping that is not a global keyword; its script sections are its steps. Secrets
//! are CI/CD variables: `$NAME` / `${NAME}` not defined in the file and not predefined by
//! GitLab, plus `secrets:` (Vault and cloud secret managers).

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::yaml::Node;
use super::{char_column, environment, strip_comment, Job, Pipeline, Ranges, SecretRef, Step};

const GLOBAL_KEYWORDS: &[&str] = &[
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "spec",
];

const SCRIPT_SECTIONS: &[&str] = &["before_script", "script", "after_script"];

/// Variables every job has without anyone defining them.
const PREDEFINED_PREFIXES: &[&str] = &["CI_", "GITLAB_", "FF_", "DOCKER_", "KUBERNETES_"];
const PREDEFINED: &[&str] = &["CI", "HOME", "PATH", "PWD", "USER", "SHELL", "HOSTNAME"];

static VAR_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))").expect("valid regex")
});

fn jobs(doc: &Node) -> impl Iterator<Item = (&super::yaml::Scalar, &Node)> {
    doc.entries()
        .iter()
        .filter(|(k, v)| {
            !GLOBAL_KEYWORDS.contains(&k.value.as_str()) && matches!(v, Node::Map { .. })
        })
        .map(|(k, v)| (k, v))
}

pub fn read(doc: &Node, p: &mut Pipeline) {
    for (key, job) in jobs(doc) {
        let oidc = job.get("id_tokens").is_some();
        let (oidc_use, oidc_identities) = if oidc {
            let (u, ids) = super::oidc::gitlab_job(job);
            (Some(u), ids)
        } else {
            (None, Vec::new())
        };
        p.jobs.push(Job {
            id: key.value.clone(),
            line: key.pos.line,
            column: key.pos.column,
            name: None,
            environment: environment(job.get("environment")),
            permissions: None,
            oidc,
            oidc_identities,
            oidc_use,
            inherits_secrets: false,
            uses: job
                .get("extends")
                .and_then(|e| e.str().or_else(|| e.items().first().and_then(Node::str)))
                .map(str::to_string),
            secrets: Vec::new(),
            steps: SCRIPT_SECTIONS
                .iter()
                .filter_map(|s| job.get(s).map(|n| (s, n)))
                .map(|(s, n)| {
                    let at = n.start();
                    Step {
                        line: at.line,
                        column: at.column,
                        name: Some((*s).to_string()),
                        uses: None,
                        secrets: Vec::new(),
                    }
                })
                .collect(),
        });
    }
}

/// Names the file defines itself (global and job `variables:`): not secrets.
pub fn defined(docs: &[Node]) -> HashSet<String> {
    let mut out = HashSet::new();
    for doc in docs {
        for (k, _) in doc.get("variables").map(Node::entries).unwrap_or(&[]) {
            out.insert(k.value.clone());
        }
        for (_, job) in jobs(doc) {
            for (k, _) in job.get("variables").map(Node::entries).unwrap_or(&[]) {
                out.insert(k.value.clone());
            }
        }
    }
    out
}

pub fn secret_refs(text: &str, docs: &[Node]) -> Vec<SecretRef> {
    let defined = defined(docs);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for c in VAR_REF.captures_iter(strip_comment(line)) {
            let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            if defined.contains(name)
                || PREDEFINED.contains(&name)
                || PREDEFINED_PREFIXES.iter().any(|p| name.starts_with(p))
            {
                continue;
            }
            out.push(SecretRef {
                name: name.to_string(),
                line: i + 1,
                column: char_column(line, c.get(0).expect("whole match").start()),
            });
        }
    }
    // `secrets: {NAME: {vault: …}}`: the job reads NAME from a secret manager.
    for doc in docs {
        for (_, job) in jobs(doc) {
            for (k, _) in job.get("secrets").map(Node::entries).unwrap_or(&[]) {
                out.push(SecretRef {
                    name: k.value.clone(),
                    line: k.pos.line,
                    column: k.pos.column,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.line, a.column, &a.name).cmp(&(b.line, b.column, &b.name)));
    out.dedup();
    out
}

/// The node of every job, in the order `read` lists them.
pub fn job_nodes(docs: &[Node]) -> Vec<&Node> {
    docs.iter().flat_map(|d| jobs(d).map(|(_, v)| v)).collect()
}

/// The variables one value reads (predefined ones left out), with their byte offsets.
pub fn refs_in(value: &str) -> Vec<(String, usize)> {
    VAR_REF
        .captures_iter(value)
        .filter_map(|c| {
            let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            let predefined = PREDEFINED.contains(&name)
                || PREDEFINED_PREFIXES.iter().any(|p| name.starts_with(p));
            (!predefined).then(|| (name.to_string(), c.get(0).expect("whole match").start()))
        })
        .collect()
}

pub fn ranges(docs: &[Node]) -> Ranges {
    let mut out = Vec::new();
    for doc in docs {
        for (key, job) in jobs(doc) {
            let steps = SCRIPT_SECTIONS
                .iter()
                .filter_map(|s| job.get(s))
                .map(|n| (n.start(), n.end().max(n.start())))
                .collect();
            out.push(((key.pos, job.end()), steps));
        }
    }
    out
}

/// `include:` entries that name a file of this repository: `include: path.yml`, a list of
/// paths, `- local: path.yml` maps (remote URLs, other projects, templates and components
/// are not local).
pub fn local_includes(docs: &[Node]) -> Vec<(String, super::yaml::Pos)> {
    let mut out = Vec::new();
    for d in docs {
        let Some(inc) = d.get("include") else {
            continue;
        };
        let items: Vec<&Node> = match inc {
            Node::Seq { items, .. } => items.iter().collect(),
            n => vec![n],
        };
        for i in items {
            let local = match i {
                Node::Scalar(s) => Some(s),
                n => match n.get("local") {
                    Some(Node::Scalar(s)) => Some(s),
                    _ => None,
                },
            };
            if let Some(s) = local.filter(|s| !s.value.contains("://")) {
                out.push((s.value.clone(), s.pos));
            }
        }
    }
    out
}
