//! The model reading shared by the YAML systems other than GitHub and GitLab (CircleCI,
//! Drone, Woodpecker, Buildkite, Bitbucket, Azure): each system's file says where its jobs and
//! steps are and how a value reads a secret; here they become the model's jobs and steps, and
//! every reference of a name the file does not define itself is a secret read.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::yaml::{Node, Pos};
use super::{
    azure, buildkite, char_column, circleci, drone, strip_comment, woodpecker, CiSystem, Job,
    Pipeline, Ranges, SecretRef, Step,
};

/// `$NAME` / `${NAME}` as a shell (CircleCI, Buildkite, Bitbucket) reads a variable.
static DOLLAR_VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))").expect("valid regex")
});

/// Variables the runners of these systems set themselves.
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
pub fn job_nodes(docs: &[Node], system: CiSystem) -> Vec<(String, Pos, &Node)> {
    let mut out = Vec::new();
    for doc in docs {
        match system {
            CiSystem::Circleci => circleci::jobs(doc, &mut out),
            CiSystem::Drone => drone::jobs(doc, &mut out),
            CiSystem::Woodpecker => woodpecker::jobs(doc, &mut out),
            CiSystem::Buildkite => buildkite::jobs(doc, &mut out),
            _ => {}
        }
    }
    out
}

fn steps_of(job: &Node, system: CiSystem) -> Vec<(Option<String>, &Node)> {
    match system {
        CiSystem::Drone => drone::steps(job),
        CiSystem::Woodpecker => woodpecker::steps(job),
        CiSystem::Circleci => circleci::steps(job),
        _ => Vec::new(),
    }
}

/// A list of steps (named by their `name:`) or a map of them (named by their key).
pub(super) fn named_steps(steps: Option<&Node>) -> Vec<(Option<String>, &Node)> {
    match steps {
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

pub fn read(docs: &[Node], system: CiSystem, p: &mut Pipeline) {
    for (id, pos, job) in job_nodes(docs, system) {
        let mut j = Job::new(id, pos.line, pos.column);
        j.steps = steps_of(job, system)
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
        p.jobs.push(j);
    }
}

pub fn ranges(docs: &[Node], system: CiSystem) -> Ranges {
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

/// The names the file defines itself: not secrets.
pub fn defined_names(docs: &[Node]) -> HashSet<String> {
    let mut d = HashSet::new();
    docs.iter().for_each(|doc| defined(doc, &mut d));
    d
}

/// `$NAME` / `${NAME}` references, the runner's own variables left out.
pub(super) fn dollar_refs(value: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for c in DOLLAR_VAR.captures_iter(value) {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        if PREDEFINED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        out.push((name.to_string(), c.get(0).expect("match").start()));
    }
    out
}

/// The secrets one value reads, with their byte offsets.
pub fn refs_in(value: &str, system: CiSystem, defined: &HashSet<String>) -> Vec<(String, usize)> {
    let mut out = match system {
        CiSystem::Azure => azure::refs_in(value),
        CiSystem::Drone => drone::refs_in(value),
        CiSystem::Woodpecker => woodpecker::refs_in(value),
        _ => dollar_refs(value),
    };
    out.retain(|(n, _)| !defined.contains(n));
    out
}

pub fn secret_refs(text: &str, docs: &[Node], system: CiSystem) -> Vec<SecretRef> {
    let defined = defined_names(docs);
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
    if system == CiSystem::Circleci {
        out.extend(circleci::context_refs(docs));
    }
    out.sort_by(|a, b| (a.line, a.column, &a.name).cmp(&(b.line, b.column, &b.name)));
    out
}
