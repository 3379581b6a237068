//! CI pipeline configs understood, not just grepped: which job reads which secret, in which
//! environment, with which permissions and whether it uses OIDC workload identity (the usage
//! map), and literal credentials written into the pipeline's structure (hardcoded credentials,
//! found even when no provider rule knows their format).
//!
//! The shared model (Pipeline -> Job -> Step, every value with its line and column, the usage
//! map) is in `model`; one file per CI system reads its configs into it (`github`, `gitlab`,
//! `circleci`, `drone`, `woodpecker`, `buildkite`, `bitbucket`, `azure`, `jenkins`; the
//! YAML systems but GitHub and GitLab share `generic`); `oidc` says what a job's OIDC token is
//! for; `includes` follows local includes,
//! `hardcoded` finds literal credentials, `risks` the risky patterns, `sink` takes configs from
//! a source's walk and `findings` turns the results into the scan's findings and errors. This
//! file drives one config through them.

mod azure;
mod bitbucket;
mod buildkite;
mod circleci;
mod composite;
mod drone;
mod dummy;
mod findings;
mod generic;
mod github;
mod gitlab;
mod hardcoded;
mod includes;
mod jenkins;
mod model;
pub mod oidc;
pub mod risks;
mod sink;
mod woodpecker;
/// Positioned YAML, as the CI systems evaluate it (aliases expanded, merge keys applied).
pub use crate::yaml::tree as yaml;
pub use crate::yaml::Located;

use std::path::Path;

use yaml::Pos;

pub use dummy::drop_ci_databases;
pub use findings::{add_hardcoded, collect, risk_findings, scan_into};
pub use hardcoded::{to_findings, Hardcoded, HardcodedHit, HARDCODED_RULE};
pub use includes::{follow_includes, Include};
pub use model::{
    system_of, Analysis, CiSystem, Job, Pipeline, SecretRef, Step, Usage, UsageMap,
    USAGE_SCHEMA_VERSION,
};
pub use sink::Collector;

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
pub fn hardcoded_in(path: &str, text: &str, system: CiSystem) -> Result<Vec<Hardcoded>, Located> {
    if system == CiSystem::Jenkins {
        return Ok(jenkins::read(path, text).1);
    }
    match yaml::parse(text) {
        Ok(docs) => Ok(hardcoded::find(text, &docs)),
        Err(e) => Err(Located::new(
            path,
            e.pos,
            format!("invalid YAML: {}", e.message),
        )),
    }
}

/// [`analyze`] as the config of `system`, whatever the path looks like (an included file).
pub fn analyze_as(path: &str, text: &str, system: CiSystem) -> Analysis {
    if system == CiSystem::Jenkins {
        let (p, hardcoded) = jenkins::read(path, text);
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
                error: Some(Located::new(
                    path,
                    e.pos,
                    format!("invalid YAML: {}", e.message),
                )),
                ..Default::default()
            }
        }
    };
    let mut pipeline = Pipeline::new(path, system);
    let refs = match system {
        CiSystem::Gitlab => {
            for d in &docs {
                gitlab::read(d, &mut pipeline);
            }
            gitlab::secret_refs(text, &docs)
        }
        CiSystem::GithubActions | CiSystem::GithubAction => {
            for d in &docs {
                github::read(d, system, &mut pipeline);
            }
            github::secret_refs(text)
        }
        _ => {
            generic::read(&docs, system, &mut pipeline);
            generic::secret_refs(text, &docs, system)
        }
    };
    attribute(&mut pipeline, &docs, system, refs);
    aliased_refs(&mut pipeline, &docs, system);
    if system == CiSystem::Circleci {
        // A context is read by the job the workflow gives it to.
        for (job, at) in circleci::context_jobs(&docs) {
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
        CiSystem::GithubActions => risks::github(&pipeline, &docs, text),
        // A composite action's secrets arrive as inputs: the calling workflow is checked.
        CiSystem::GithubAction => Vec::new(),
        _ => risks::other_systems(&pipeline, &docs, system, text),
    };
    let includes = match system {
        CiSystem::Gitlab => gitlab::local_includes(&docs),
        CiSystem::Azure => azure::templates(&docs),
        _ => Vec::new(),
    }
    .into_iter()
    .filter_map(|(target, at)| {
        Some(Include {
            target: includes::resolve_include(path, &target, system)?,
            system,
            line: at.line,
            column: at.column,
        })
    })
    .collect();
    let root = path.rsplit_once(".github/workflows/").map_or("", |r| r.0);
    Analysis {
        pipeline: Some(pipeline),
        hardcoded,
        risks,
        error: None,
        includes,
        local_calls: match system {
            CiSystem::GithubActions => composite::calls(&docs, root),
            _ => Vec::new(),
        },
        composite: (system == CiSystem::GithubAction).then(|| composite::read(&docs, text)),
    }
}

/// Give each secret reference to the innermost step or job whose text holds it.
fn attribute(p: &mut Pipeline, docs: &[yaml::Node], system: CiSystem, refs: Vec<SecretRef>) {
    let ranges = match system {
        CiSystem::Gitlab => gitlab::ranges(docs),
        CiSystem::GithubActions | CiSystem::GithubAction => github::ranges(docs, system),
        _ => generic::ranges(docs, system),
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
fn aliased_refs(p: &mut Pipeline, docs: &[yaml::Node], system: CiSystem) {
    let (nodes, ranges) = match system {
        CiSystem::Gitlab => (gitlab::job_nodes(docs), gitlab::ranges(docs)),
        CiSystem::GithubActions | CiSystem::GithubAction => (
            github::job_nodes(docs, system),
            github::ranges(docs, system),
        ),
        _ => (
            generic::job_nodes(docs, system)
                .into_iter()
                .map(|n| n.2)
                .collect(),
            generic::ranges(docs, system),
        ),
    };
    let defined = match system {
        CiSystem::Gitlab | CiSystem::GithubActions | CiSystem::GithubAction => Default::default(),
        _ => generic::defined_names(docs),
    };
    for ((job, node), (range, _)) in p.jobs.iter_mut().zip(nodes).zip(ranges) {
        let mut scalars = Vec::new();
        node.scalars(&mut scalars);
        for s in scalars {
            if within(s.pos, range) {
                continue;
            }
            let found = match system {
                CiSystem::Gitlab => gitlab::refs_in(&s.value),
                CiSystem::GithubActions | CiSystem::GithubAction => github::refs_in(&s.value),
                _ => generic::refs_in(&s.value, system, &defined),
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
        if system == CiSystem::Gitlab {
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
                .map(|e| Located::whole_file(e.path, e.message)),
        ),
        Err(e) => errors.push(Located::whole_file(
            root.display().to_string(),
            e.to_string(),
        )),
    }
    let analyses = sink.analyses(&|rel| crate::sources::worktree::read(&opts, rel));
    collect(analyses, errors)
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

/// A YAML comment starts at a `#` at the line start or after whitespace.
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t') {
            return &line[..i];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardcoded_only_for_git_blobs() {
        let found = hardcoded_in(
            "x.yml",
            "test:\n  variables:\n    DB_PASSWORD: Zx-lit3ral-19\n",
            CiSystem::Gitlab,
        )
        .unwrap();
        assert_eq!((found.len(), found[0].line, found[0].column), (1, 3, 18));
        let err = hardcoded_in("x.yml", "a: [\n", CiSystem::Gitlab).unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{err:?}");
    }
}
