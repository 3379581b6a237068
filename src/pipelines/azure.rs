//! Azure Pipelines (`azure-pipelines.yml`): secret variables read file-wide as `$(NAME)`,
//! steps in stages, jobs and deployment strategies, and `template:` references to other files.

use std::sync::LazyLock;

use regex::Regex;

use super::yaml::{Node, Pos};

static AZURE_VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)").expect("valid regex"));

/// The variables one value reads (`$(NAME)`), with their byte offsets.
pub fn refs_in(value: &str) -> Vec<(String, usize)> {
    AZURE_VAR
        .captures_iter(value)
        .map(|c| (c[1].to_string(), c.get(0).expect("match").start()))
        .collect()
}

/// Every Azure Pipelines `template:` reference (stages, jobs, steps, variables, `extends:`).
pub fn templates(docs: &[Node]) -> Vec<(String, Pos)> {
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

/// Every item of an Azure `steps:` list (in stages, jobs, deployment strategies), with the
/// name of the job it belongs to.
pub fn steps<'a>(n: &'a Node, job: &str, out: &mut Vec<(String, &'a Node)>) {
    let name = n
        .get("job")
        .or_else(|| n.get("deployment"))
        .and_then(Node::str)
        .unwrap_or(job);
    for (k, v) in n.entries() {
        if k.value == "steps" {
            out.extend(v.items().iter().map(|s| (name.to_string(), s)));
        } else {
            steps(v, name, out);
        }
    }
    for i in n.items() {
        steps(i, name, out);
    }
}
