//! Buildkite (`.buildkite/pipeline*.yml`): each item of `steps:` is a job, named by its `key:`
//! or `label:`; secrets are environment variables the agent provides (`$NAME`).

use super::yaml::{Node, Pos};

pub fn jobs<'a>(doc: &'a Node, out: &mut Vec<(String, Pos, &'a Node)>) {
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
