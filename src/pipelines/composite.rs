//! Secrets that flow into a local composite action: a workflow step `uses: ./path` with a
//! secret in `with:` hands it to the action's `inputs.X`, and every step of the composite that
//! reads `${{ inputs.X }}` receives the secret. Each file is read on its own ([`calls`],
//! [`read`]); [`risks`] joins them once the whole tree is analysed, and checks the
//! composite's steps on what flowed in (unpinned third-party action, secret in a command).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::risks::{Risk, SECRET_IN_COMMAND, UNPINNED};
use super::yaml::{Node, Pos};
use super::{char_column, github, strip_comment};
use crate::rules::Severity;

static INPUT_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\binputs\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)").expect("valid regex")
});

/// A workflow step that calls a local composite action with secrets.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalCall {
    /// The action's directory, relative to the tree (`.github/actions/deploy`).
    pub dir: String,
    /// Input name -> the secrets its value reads.
    pub inputs: BTreeMap<String, Vec<String>>,
}

/// One step of a composite action: what it runs and which inputs reach it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompositeStep {
    pub uses: Option<(String, Pos)>,
    /// Inputs read in `with:` / `env:` (handed to the action or the script's environment).
    pub passed: Vec<String>,
    /// Inputs expanded into the `run:` script, where each is read.
    pub expanded: Vec<(String, Pos)>,
}

/// The local composite actions a workflow calls with secrets (`root` is the tree path the
/// workflow's `./` refers to, `""` or `sub/`).
pub fn calls(docs: &[Node], root: &str) -> Vec<LocalCall> {
    let mut out = Vec::new();
    for doc in docs {
        for (_, job) in doc.get("jobs").map(Node::entries).unwrap_or(&[]) {
            for step in job.get("steps").map(Node::items).unwrap_or(&[]) {
                let Some(dir) = step
                    .get("uses")
                    .and_then(Node::str)
                    .and_then(|u| u.strip_prefix("./"))
                else {
                    continue;
                };
                let mut inputs = BTreeMap::new();
                for (k, v) in step.get("with").map(Node::entries).unwrap_or(&[]) {
                    let names = github::secret_names(v);
                    if !names.is_empty() {
                        inputs.insert(k.value.clone(), names);
                    }
                }
                if !inputs.is_empty() {
                    out.push(LocalCall {
                        dir: format!("{root}{}", dir.trim_end_matches('/')),
                        inputs,
                    });
                }
            }
        }
    }
    out
}

/// The steps of a composite action and the inputs each reads.
pub fn read(docs: &[Node], text: &str) -> Vec<CompositeStep> {
    let mut out = Vec::new();
    for doc in docs {
        let Some(runs) = doc.get("runs") else {
            continue;
        };
        if runs.get("using").and_then(Node::str) != Some("composite") {
            continue;
        }
        for sn in runs.get("steps").map(Node::items).unwrap_or(&[]) {
            let mut s = CompositeStep {
                uses: sn
                    .get("uses")
                    .and_then(|u| Some((u.str()?.to_string(), u.start()))),
                ..Default::default()
            };
            for key in ["with", "env"] {
                let mut scalars = Vec::new();
                if let Some(n) = sn.get(key) {
                    n.scalars(&mut scalars);
                }
                for x in scalars {
                    s.passed
                        .extend(INPUT_REF.captures_iter(&x.value).map(|c| c[1].to_string()));
                }
            }
            if let Some((start, end)) = github::run_range(sn) {
                for (i, line) in text.lines().enumerate() {
                    let at_line = i + 1;
                    if at_line < start.line || at_line > end.line {
                        continue;
                    }
                    let code = strip_comment(line);
                    for b in code.match_indices("${{").map(|m| m.0) {
                        let rest = &code[b..];
                        let inner = &rest[..rest.find("}}").unwrap_or(rest.len())];
                        for c in INPUT_REF.captures_iter(inner) {
                            let at = Pos::new(at_line, char_column(line, b));
                            if at >= start && at < end {
                                s.expanded.push((c[1].to_string(), at));
                            }
                        }
                    }
                }
            }
            out.push(s);
        }
    }
    out
}

/// The risks of composite actions given secrets by the tree's workflows: `composites` maps
/// each action file's path to its steps.
pub fn risks(calls: &[LocalCall], composites: &BTreeMap<String, Vec<CompositeStep>>) -> Vec<Risk> {
    let mut out: Vec<Risk> = Vec::new();
    for call in calls {
        let file = ["action.yml", "action.yaml"]
            .iter()
            .map(|f| format!("{}/{f}", call.dir))
            .find(|p| composites.contains_key(p));
        let Some(file) = file else { continue };
        let secrets_of = |input: &str| call.inputs.get(input).cloned().unwrap_or_default();
        let mut push = |rule_id, at: Pos, subject: String, message: String, fix: &str, secrets| {
            let r = Risk {
                rule_id,
                severity: Severity::Warning,
                owasp: if rule_id == UNPINNED { "NHI3" } else { "NHI2" },
                path: file.clone(),
                line: at.line,
                column: at.column,
                job: Some("composite".into()),
                subject,
                message,
                fix: fix.to_string(),
                secrets,
            };
            if !out.contains(&r) {
                out.push(r);
            }
        };
        for s in &composites[&file] {
            let mut given: Vec<String> = s.passed.iter().flat_map(|i| secrets_of(i)).collect();
            given.sort();
            given.dedup();
            if let (Some((uses, at)), false) = (&s.uses, given.is_empty()) {
                let third_party = !(uses.starts_with("actions/")
                    || uses.starts_with("github/")
                    || uses.starts_with("./")
                    || uses.starts_with("docker://"));
                let sha = uses.split_once('@').is_some_and(|(_, r)| {
                    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
                });
                if third_party && !sha {
                    push(
                        UNPINNED,
                        *at,
                        uses.clone(),
                        format!("secrets {} reach `{uses}` through the composite action's inputs; it is a third-party action not pinned to a commit SHA", given.join(", ")),
                        "pin the action to a full 40-character commit SHA (keep the tag in a comment) and review its updates",
                        given.iter().filter(|n| *n != "GITHUB_TOKEN").cloned().collect(),
                    );
                }
            }
            for (input, at) in &s.expanded {
                let names = secrets_of(input);
                if names.is_empty() {
                    continue;
                }
                push(
                    SECRET_IN_COMMAND,
                    *at,
                    format!("inputs.{input}"),
                    format!("`inputs.{input}` carries secret {} and is expanded into a `run:` command line of the composite action", names.join(", ")),
                    "map the input to an `env:` variable of the step and read it from the environment; never expand it into the script",
                    names.iter().filter(|n| *n != "GITHUB_TOKEN").cloned().collect(),
                );
            }
        }
    }
    out
}
