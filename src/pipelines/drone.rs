//! Drone (`.drone.yml`): one job per document (or `pipeline:`), its `steps:`, and secrets
//! read as `from_secret: NAME`. Woodpecker, Drone's fork, reads its files with these too.

use std::sync::LazyLock;

use regex::Regex;

use super::generic::named_steps;
use super::yaml::{Node, Pos};

static FROM_SECRET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"from_secret:\s*['"]?([A-Za-z0-9_.-]+)"#).expect("valid regex"));

pub fn jobs<'a>(doc: &'a Node, out: &mut Vec<(String, Pos, &'a Node)>) {
    if doc.get("steps").is_some() || doc.get("pipeline").is_some() {
        let name = doc.get("name").and_then(Node::str).unwrap_or("default");
        out.push((name.to_string(), doc.start(), doc));
    }
}

pub fn steps(job: &Node) -> Vec<(Option<String>, &Node)> {
    let key = if job.get("steps").is_some() {
        "steps"
    } else {
        "pipeline"
    };
    named_steps(job.get(key))
}

/// The secrets one value reads (`from_secret: NAME`), with their byte offsets.
pub fn refs_in(value: &str) -> Vec<(String, usize)> {
    FROM_SECRET
        .captures_iter(value)
        .map(|c| (c[1].to_string(), c.get(1).expect("group").start()))
        .collect()
}
