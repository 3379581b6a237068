//! Include resolution: a pipeline may pull in local files (GitLab `include: local:`, Azure
//! `template:`) that are only understood as its system's config, wherever they live. Each
//! included file is read once (so cycles end) and analysed as its includer's system.

use super::{analyze_as, Analysis, CiSystem, Located};

/// A local file a pipeline includes, and where it says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// Relative to the scan root, `/`-separated, normalised.
    pub target: String,
    pub system: CiSystem,
    pub line: usize,
    pub column: usize,
}

/// The scan-root-relative path of an included file: GitLab local includes are relative to
/// the repository root; Azure templates to the including file, or to the root with a leading
/// `/`. `None` for what is not a plain local path (templates from other repositories
/// `file@alias`, template expressions, wildcards, paths that climb out of the root).
pub(super) fn resolve_include(from: &str, target: &str, system: CiSystem) -> Option<String> {
    let t = target.trim();
    if t.is_empty() || t.contains("${{") || t.contains('*') || t.contains('$') {
        return None;
    }
    if system == CiSystem::Azure && t.contains('@') {
        return None;
    }
    let joined = if system == CiSystem::Gitlab || t.starts_with('/') {
        t.trim_start_matches('/').to_string()
    } else {
        match from.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{t}"),
            None => t.to_string(),
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Follow the includes of analysed pipelines: every included file not analysed yet is read
/// (through `read`, which returns `None` for a path the scan must not read) and analysed as
/// the including file's system, and so on. Each file is analysed once, so cycles end; an
/// include of a missing file is an error at the `include`/`template` line of the includer.
pub fn follow_includes(
    analyses: &mut Vec<(String, Analysis)>,
    read: &dyn Fn(&str) -> Option<std::io::Result<Vec<u8>>>,
) {
    let mut known: std::collections::HashSet<String> =
        analyses.iter().map(|(p, _)| p.clone()).collect();
    let mut todo: Vec<(String, Include)> = analyses
        .iter()
        .flat_map(|(p, a)| a.includes.iter().map(move |i| (p.clone(), i.clone())))
        .collect();
    todo.sort_by(|a, b| (&a.0, a.1.line, a.1.column).cmp(&(&b.0, b.1.line, b.1.column)));
    todo.reverse();
    while let Some((from, inc)) = todo.pop() {
        if !known.insert(inc.target.clone()) {
            continue;
        }
        match read(&inc.target) {
            None => {}
            Some(Ok(bytes)) => {
                let a = analyze_as(&inc.target, &String::from_utf8_lossy(&bytes), inc.system);
                for i in a.includes.iter().rev() {
                    todo.push((inc.target.clone(), i.clone()));
                }
                analyses.push((inc.target.clone(), a));
            }
            Some(Err(e)) => {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("included file {} not found", inc.target)
                } else {
                    format!("included file {} cannot be read: {e}", inc.target)
                };
                let at = super::yaml::Pos::new(inc.line, inc.column);
                analyses.push((
                    from.clone(),
                    Analysis {
                        error: Some(Located::new(from, at, message)),
                        ..Default::default()
                    },
                ));
            }
        }
    }
    analyses.sort_by(|a, b| a.0.cmp(&b.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_paths_resolve_from_the_root_or_the_includer() {
        let gl = CiSystem::Gitlab;
        let az = CiSystem::Azure;
        assert_eq!(
            resolve_include(".gitlab-ci.yml", "/ci/a.yml", gl).as_deref(),
            Some("ci/a.yml")
        );
        // GitLab local includes are relative to the repository root, not the includer.
        assert_eq!(
            resolve_include("ci/a.yml", "ci/b.yml", gl).as_deref(),
            Some("ci/b.yml")
        );
        assert_eq!(
            resolve_include("templates/job.yml", "../steps/s.yml", az).as_deref(),
            Some("steps/s.yml")
        );
        assert_eq!(
            resolve_include("templates/job.yml", "/s.yml", az).as_deref(),
            Some("s.yml")
        );
        assert_eq!(
            resolve_include("a.yml", "./b/./c.yml", az).as_deref(),
            Some("b/c.yml")
        );
        for (from, t, sys) in [
            ("a.yml", "../../etc/passwd", az),
            ("a.yml", "steps.yml@tools", az),
            ("a.yml", "${{ parameters.t }}", az),
            (".gitlab-ci.yml", "ci/*.yml", gl),
            (".gitlab-ci.yml", "", gl),
        ] {
            assert_eq!(resolve_include(from, t, sys), None, "{t}");
        }
    }
}
