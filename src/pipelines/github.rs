//! GitHub Actions: workflows (`.github/workflows/*.yml`) and composite actions (`action.yml`).

use std::sync::LazyLock;

use regex::Regex;

use super::yaml::{Node, Pos};
use super::{
    char_column, environment, oidc, permissions, strip_comment, CiSystem, Job, Pipeline, Ranges,
    SecretRef, Step,
};

static SECRET_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'([^']+)'\s*\]|\[\s*"([^"]+)"\s*\])"#,
    )
    .expect("valid regex")
});

/// Read one document of a workflow or composite action into `p`.
pub fn read(doc: &Node, system: CiSystem, p: &mut Pipeline) {
    if system == CiSystem::GithubAction {
        let Some(runs) = doc.get("runs") else { return };
        let steps = runs.get("steps").map(|s| s.items()).unwrap_or(&[]);
        let start = runs.start();
        p.jobs.push(Job {
            id: "composite".into(),
            line: start.line,
            column: start.column,
            name: doc.get("name").and_then(Node::str).map(str::to_string),
            environment: None,
            permissions: None,
            oidc: steps.iter().any(step_oidc),
            oidc_identities: steps.iter().flat_map(oidc_identities).collect(),
            oidc_use: steps
                .iter()
                .any(step_oidc)
                .then(|| oidc::github_job(steps, None)),
            inherits_secrets: false,
            uses: None,
            secrets: Vec::new(),
            steps: steps.iter().map(step).collect(),
        });
        return;
    }
    if let Some(on) = doc.get("on") {
        match on {
            Node::Scalar(s) => p.triggers.push(s.value.clone()),
            Node::Seq { items, .. } => p
                .triggers
                .extend(items.iter().filter_map(Node::str).map(str::to_string)),
            Node::Map { entries, .. } => p
                .triggers
                .extend(entries.iter().map(|(k, _)| k.value.clone())),
        }
    }
    p.permissions = doc.get("permissions").map(permissions);
    let wf_oidc = doc.get("permissions").is_some_and(id_token_write);
    for (key, job) in doc.get("jobs").map(Node::entries).unwrap_or(&[]) {
        let steps = job.get("steps").map(Node::items).unwrap_or(&[]);
        let own = job.get("permissions");
        let oidc = match own {
            Some(perm) => id_token_write(perm),
            None => wf_oidc,
        } || steps.iter().any(step_oidc);
        let uses = job.get("uses").and_then(Node::str);
        p.jobs.push(Job {
            id: key.value.clone(),
            line: key.pos.line,
            column: key.pos.column,
            name: job.get("name").and_then(Node::str).map(str::to_string),
            environment: environment(job.get("environment")),
            permissions: own.map(permissions),
            oidc,
            oidc_identities: steps.iter().flat_map(oidc_identities).collect(),
            oidc_use: oidc.then(|| oidc::github_job(steps, uses)),
            inherits_secrets: job.get("secrets").and_then(Node::str) == Some("inherit"),
            uses: uses.map(str::to_string),
            secrets: Vec::new(),
            steps: steps.iter().map(step).collect(),
        });
    }
}

fn step(n: &Node) -> Step {
    let s = n.start();
    Step {
        line: s.line,
        column: s.column,
        name: n
            .get("name")
            .or_else(|| n.get("id"))
            .and_then(Node::str)
            .map(str::to_string),
        uses: n.get("uses").and_then(Node::str).map(str::to_string),
        secrets: Vec::new(),
    }
}

fn id_token_write(perm: &Node) -> bool {
    match perm {
        Node::Scalar(s) => s.value == "write-all",
        _ => perm.get("id-token").and_then(Node::str) == Some("write"),
    }
}

/// A step that exchanges an OIDC token for cloud credentials.
fn step_oidc(n: &Node) -> bool {
    oidc::github_cloud_step(n).is_some()
}

/// The cloud identities an OIDC step names (literal `with:` values).
fn oidc_identities(n: &Node) -> Vec<String> {
    if !step_oidc(n) {
        return Vec::new();
    }
    let keys = [
        "role-to-assume",
        "workload_identity_provider",
        "service_account",
        "client-id",
    ];
    keys.iter()
        .filter_map(|k| n.get("with")?.get(k)?.str())
        .map(str::to_string)
        .collect()
}

/// The node of every job, in the order `read` lists them.
pub fn job_nodes(docs: &[Node], system: CiSystem) -> Vec<&Node> {
    let mut out = Vec::new();
    for doc in docs {
        if system == CiSystem::GithubAction {
            out.extend(doc.get("runs"));
            continue;
        }
        out.extend(
            doc.get("jobs")
                .map(Node::entries)
                .unwrap_or(&[])
                .iter()
                .map(|e| &e.1),
        );
    }
    out
}

/// The secrets one value reads, with their byte offsets.
pub fn refs_in(value: &str) -> Vec<(String, usize)> {
    SECRET_REF
        .captures_iter(value)
        .map(|c| {
            let name = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3));
            (
                name.map_or("", |m| m.as_str()).to_string(),
                c.get(0).expect("whole match").start(),
            )
        })
        .collect()
}

/// The names of the secrets a YAML value reads (`${{ secrets.A }}-${{ secrets.B }}`: A, B);
/// none for a value that is not a string.
pub fn secret_names(v: &Node) -> Vec<String> {
    v.str()
        .map(refs_in)
        .unwrap_or_default()
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// Every `secrets.NAME` (and `secrets['NAME']`) in the text, outside comments.
pub fn secret_refs(text: &str) -> Vec<SecretRef> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = strip_comment(line);
        for c in SECRET_REF.captures_iter(code) {
            let m = c.get(0).expect("whole match");
            let name = c
                .get(1)
                .or_else(|| c.get(2))
                .or_else(|| c.get(3))
                .map_or("", |m| m.as_str());
            out.push(SecretRef {
                name: name.to_string(),
                line: i + 1,
                column: char_column(line, m.start()),
            });
        }
    }
    out
}

pub fn ranges(docs: &[Node], system: CiSystem) -> Ranges {
    let mut out = Vec::new();
    for doc in docs {
        if system == CiSystem::GithubAction {
            if let Some(runs) = doc.get("runs") {
                let steps = runs.get("steps").map(Node::items).unwrap_or(&[]);
                out.push((
                    (runs.start(), runs.end()),
                    steps.iter().map(|s| (s.start(), s.end())).collect(),
                ));
            }
            continue;
        }
        for (key, job) in doc.get("jobs").map(Node::entries).unwrap_or(&[]) {
            let steps = job.get("steps").map(Node::items).unwrap_or(&[]);
            out.push((
                (key.pos, job.end().max(key.pos)),
                steps
                    .iter()
                    .map(|s| (s.start(), s.end()))
                    .collect::<Vec<(Pos, Pos)>>(),
            ));
        }
    }
    out
}

/// Where a step's `run:` starts and where the next key of the step starts.
pub(crate) fn run_range(sn: &Node) -> Option<(Pos, Pos)> {
    let (rk, rv) = sn.entries().iter().find(|(k, _)| k.value == "run")?;
    let end = sn
        .entries()
        .iter()
        .map(|(k, _)| k.pos)
        .filter(|p| *p > rk.pos)
        .min()
        .unwrap_or(sn.end());
    Some((rv.start().min(rk.pos), end))
}
