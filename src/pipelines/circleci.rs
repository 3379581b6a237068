//! CircleCI (`.circleci/config.yml`): the jobs of `jobs:`, their `steps:`, and contexts
//! (`context: org-global`), the named sets of secrets a workflow gives to a job.

use super::generic::named_steps;
use super::yaml::{Node, Pos};
use super::SecretRef;

pub fn jobs<'a>(doc: &'a Node, out: &mut Vec<(String, Pos, &'a Node)>) {
    for (k, v) in doc.get("jobs").map(Node::entries).unwrap_or(&[]) {
        out.push((k.value.clone(), k.pos, v));
    }
}

pub fn steps(job: &Node) -> Vec<(Option<String>, &Node)> {
    named_steps(job.get("steps"))
}

/// Every context named anywhere (`context: org-global` or a list of them), read as the secret
/// `context:NAME`.
pub fn context_refs(docs: &[Node]) -> Vec<SecretRef> {
    let mut ctx = Vec::new();
    for d in docs {
        contexts(d, &mut ctx);
    }
    ctx.into_iter()
        .map(|(name, at)| SecretRef {
            name: format!("context:{name}"),
            line: at.line,
            column: at.column,
        })
        .collect()
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
