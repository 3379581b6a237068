//! A PR or push range: only secrets on lines the range adds count, with line numbers in
//! HEAD's version of the file. By default that is what the merge result adds (`BASE..HEAD`
//! tree against tree, `BASE...HEAD` from the merge base), so a secret added and removed again
//! inside the range does not fail the PR; `--each-commit` also reports what each commit of the
//! range added. An all-zero BASE (a push of a new branch) scans the commits new to the branch.

use std::collections::HashSet;

use gix::ObjectId;

use super::{
    allowlisted, other, path_string, resolve, scan_added, CommitMeta, GitError, GitOptions,
    GitScanned, Hit, Tally,
};
use crate::detect::Engine;
use crate::findings::Presence;
use crate::secret::Secret;
use crate::sources::Provenance;
use crate::sources::Sink;

/// `BASE..HEAD` or `BASE...HEAD`; an empty side means `HEAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub base: String,
    pub head: String,
    /// `...`: from the merge base of BASE and HEAD.
    pub merge_base: bool,
}

impl Range {
    pub fn parse(s: &str) -> Result<Range, GitError> {
        let (base, head, merge_base) = if let Some((b, h)) = s.split_once("...") {
            (b, h, true)
        } else if let Some((b, h)) = s.split_once("..") {
            (b, h, false)
        } else {
            return Err(GitError::BadRange(s.to_string()));
        };
        if base.is_empty() {
            return Err(GitError::BadRange(s.to_string()));
        }
        let head = if head.is_empty() { "HEAD" } else { head };
        Ok(Range {
            base: base.to_string(),
            head: head.to_string(),
            merge_base,
        })
    }

    /// A BASE of all zeros: git's "no previous commit" in a push event.
    pub fn base_is_null(&self) -> bool {
        self.base.len() >= 40 && self.base.bytes().all(|b| b == b'0')
    }
}

pub fn scan(
    repo: &gix::Repository,
    engine: &Engine,
    sink: &dyn Sink,
    opts: &GitOptions,
    range: &str,
    each_commit: bool,
) -> Result<GitScanned, GitError> {
    let range = Range::parse(range)?;
    let head = resolve(repo, &range.head)?;
    let head_commit = repo.find_commit(head).map_err(other)?;
    let head_meta = CommitMeta::of(&head_commit);
    let mut out = GitScanned::default();
    let mut tally = Tally::default();

    if range.base_is_null() {
        // A new branch: the commits reachable from HEAD and from no other ref.
        let mut others = Vec::new();
        for r in repo
            .references()
            .map_err(other)?
            .all()
            .map_err(other)?
            .flatten()
        {
            let mut r = r;
            if let Ok(c) = r.peel_to_commit() {
                if c.id != head {
                    others.push(c.id);
                }
            }
        }
        commits_added(
            repo, engine, sink, opts, head, others, None, &mut out, &mut tally,
        )?;
        finish(repo, &mut out, tally);
        return Ok(out);
    }

    let base = match resolve(repo, &range.base) {
        Ok(b) => b,
        Err(GitError::BadRevision { rev, .. }) => {
            let hint = if repo.is_shallow() {
                " (this is a shallow clone)".to_string()
            } else {
                String::new()
            };
            return Err(GitError::MissingBase { rev, hint });
        }
        Err(e) => return Err(e),
    };
    let base = if range.merge_base {
        repo.merge_base(base, head)
            .map_err(|e| {
                GitError::Other(format!(
                    "no merge base between {} and {}: {e}{}",
                    range.base,
                    range.head,
                    if repo.is_shallow() {
                        " (this is a shallow clone: fetch more history or use `fetch-depth: 0`)"
                    } else {
                        ""
                    }
                ))
            })?
            .detach()
    } else {
        base
    };
    let base_tree = repo
        .find_commit(base)
        .map_err(other)?
        .tree_id()
        .map_err(other)?
        .detach();
    let head_tree = head_commit.tree_id().map_err(other)?.detach();
    let git = head_meta.git_ref();
    let mut at_head: HashSet<(usize, Secret)> = HashSet::new();
    for (path, old, new) in changed_files(repo, Some(base_tree), head_tree)? {
        if allowlisted(opts, &path) {
            tally.stats.skipped.allowlisted_path += 1;
            continue;
        }
        let matches = scan_added(
            repo,
            engine,
            old,
            new,
            &path,
            opts.max_file_size,
            &mut tally,
        );
        let presence = Presence {
            at_head: Some(true),
            last: Some((head_meta.time.seconds, super::format_time(head_meta.time))),
        };
        let to_sink = super::ToSink {
            sink,
            provenance: &Provenance::Diff(git.clone()),
            presence: &presence,
        };
        super::pipeline_added(
            repo,
            old,
            new,
            &path,
            opts.max_file_size,
            &mut tally,
            to_sink,
        );
        if matches.is_empty() {
            continue;
        }
        at_head.extend(matches.iter().map(|m| (m.rule, m.secret.clone())));
        out.hits.push(Hit {
            blob: None,
            path,
            git: Some(git.clone()),
            presence,
            matches,
        });
    }
    out.hits = date_hits(repo, head, base, std::mem::take(&mut out.hits));
    if each_commit {
        commits_added(
            repo,
            engine,
            sink,
            opts,
            head,
            vec![base],
            Some(&at_head),
            &mut out,
            &mut tally,
        )?;
    }
    finish(repo, &mut out, tally);
    Ok(out)
}

/// Ranges longer than this keep HEAD's date on their findings (dating reads the file at
/// every commit of the range).
const MAX_DATED_COMMITS: usize = 10_000;

/// Date what the merge result adds: each secret gets the oldest commit of the range whose
/// version of the file already holds it (the commit that introduced it, when the file kept
/// its path), instead of HEAD. A secret no commit's version holds (the file was renamed)
/// keeps HEAD.
fn date_hits(repo: &gix::Repository, head: ObjectId, base: ObjectId, hits: Vec<Hit>) -> Vec<Hit> {
    if hits.is_empty() {
        return hits;
    }
    // The range's commits, newest first, with their trees.
    let mut commits: Vec<(CommitMeta, ObjectId)> = Vec::new();
    let walk = match repo
        .rev_walk([head])
        .with_hidden([base])
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .all()
    {
        Ok(w) => w,
        Err(_) => return hits,
    };
    for info in walk {
        let Ok(info) = info else { break };
        let Ok(c) = info.object() else { continue };
        let Ok(tree) = c.tree_id() else { continue };
        commits.push((CommitMeta::of(&c), tree.detach()));
        if commits.len() > MAX_DATED_COMMITS {
            return hits;
        }
    }
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for hit in hits {
        // For each match, the index of the oldest commit holding its secret at this path.
        let mut oldest: Vec<Option<usize>> = vec![None; hit.matches.len()];
        let mut last: Option<(ObjectId, Vec<bool>)> = None;
        for (ci, (_, tree)) in commits.iter().enumerate() {
            let Some(blob) = blob_at(repo, *tree, &hit.path) else {
                continue;
            };
            let holds = match &last {
                Some((id, holds)) if *id == blob => holds.clone(),
                _ => {
                    let mut scratch = Tally::default();
                    let text =
                        super::read_text(repo, blob, &hit.path, u64::MAX, &mut scratch, &mut buf)
                            .map(|t| t.0)
                            .unwrap_or_default();
                    hit.matches
                        .iter()
                        .map(|m| memchr::memmem::find(&text, m.secret.as_bytes()).is_some())
                        .collect()
                }
            };
            for (o, h) in oldest.iter_mut().zip(&holds) {
                if *h {
                    *o = Some(ci);
                }
            }
            last = Some((blob, holds));
        }
        let mut groups: std::collections::BTreeMap<Option<usize>, Vec<crate::detect::Match>> =
            Default::default();
        for (m, o) in hit.matches.into_iter().zip(oldest) {
            groups.entry(o).or_default().push(m);
        }
        for (o, matches) in groups {
            out.push(Hit {
                blob: None,
                path: hit.path.clone(),
                git: match o {
                    Some(ci) => Some(commits[ci].0.git_ref()),
                    None => hit.git.clone(),
                },
                presence: hit.presence.clone(),
                matches,
            });
        }
    }
    out
}

/// The blob at `path` in `tree`, if it is a file there.
fn blob_at(repo: &gix::Repository, tree: ObjectId, path: &str) -> Option<ObjectId> {
    let tree = repo.find_tree(tree).ok()?;
    let entry = tree.lookup_entry_by_path(path).ok()??;
    entry.mode().is_blob().then(|| entry.object_id())
}

fn finish(repo: &gix::Repository, out: &mut GitScanned, tally: Tally) {
    if repo.is_shallow() {
        out.notes.push(
            "shallow clone: commits beyond the clone's depth are not visible; fetch the base \
             (`git fetch origin BASE`) or use `fetch-depth: 0` in actions/checkout"
                .into(),
        );
    }
    out.stats = tally.stats;
    out.errors = tally.errors;
}

/// What each non-merge commit reachable from `head` but not from `hidden` added, attributed
/// to that commit. `at_head` (the secrets the merge result adds) decides `present_at_head`;
/// without it, whether the blob is in HEAD's tree does.
#[allow(clippy::too_many_arguments)]
fn commits_added(
    repo: &gix::Repository,
    engine: &Engine,
    sink: &dyn Sink,
    opts: &GitOptions,
    head: ObjectId,
    hidden: Vec<ObjectId>,
    at_head: Option<&HashSet<(usize, Secret)>>,
    out: &mut GitScanned,
    tally: &mut Tally,
) -> Result<(), GitError> {
    let head_time = repo
        .find_commit(head)
        .ok()
        .and_then(|c| c.time().ok())
        .unwrap_or_default();
    let head_tree = repo
        .find_commit(head)
        .map_err(other)?
        .tree_id()
        .map_err(other)?
        .detach();
    let head_files: HashSet<ObjectId> = super::tree_files(repo, head_tree)?
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let walk = repo
        .rev_walk([head])
        .with_hidden(hidden)
        .all()
        .map_err(other)?;
    for info in walk {
        let commit = match super::walked(info, "range", tally) {
            std::ops::ControlFlow::Break(()) => break,
            std::ops::ControlFlow::Continue(None) => continue,
            std::ops::ControlFlow::Continue(Some(c)) => c,
        };
        let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
        if parents.len() > 1 {
            // Like `git log -p`: a merge's own changes are those of the commits it merges.
            continue;
        }
        let parent_tree = match parents.first() {
            Some(p) => match repo.find_commit(*p).ok().and_then(|c| c.tree_id().ok()) {
                Some(t) => Some(t.detach()),
                None => {
                    tally.error(
                        commit.id.to_string(),
                        format!("parent commit {p} is missing (shallow clone?); compared with an empty tree"),
                    );
                    None
                }
            },
            None => None,
        };
        let meta = CommitMeta::of(&commit);
        let git = meta.git_ref();
        let tree = commit.tree_id().map_err(other)?.detach();
        for (path, old, new) in changed_files(repo, parent_tree, tree)? {
            if allowlisted(opts, &path) {
                tally.stats.skipped.allowlisted_path += 1;
                continue;
            }
            let matches = scan_added(repo, engine, old, new, &path, opts.max_file_size, tally);
            let present = head_files.contains(&new);
            let to_sink = super::ToSink {
                sink,
                provenance: &Provenance::Diff(git.clone()),
                presence: &Presence {
                    at_head: Some(present),
                    last: present.then(|| (head_time.seconds, super::format_time(head_time))),
                },
            };
            super::pipeline_added(repo, old, new, &path, opts.max_file_size, tally, to_sink);
            for m in matches {
                let present = match at_head {
                    Some(set) => set.contains(&(m.rule, m.secret.clone())),
                    None => head_files.contains(&new),
                };
                out.hits.push(Hit {
                    blob: None,
                    path: path.clone(),
                    git: Some(git.clone()),
                    presence: Presence {
                        at_head: Some(present),
                        last: present.then(|| (head_time.seconds, super::format_time(head_time))),
                    },
                    matches: vec![m],
                });
            }
        }
    }
    Ok(())
}

/// Files whose content `new` differs from `old`: (path in new, old blob if any, new blob).
/// Renames and copies are tracked so a moved file adds only the lines that changed; deletions,
/// links, submodules and pure mode changes add nothing.
fn changed_files(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: ObjectId,
) -> Result<Vec<(String, Option<ObjectId>, ObjectId)>, GitError> {
    use gix::object::tree::diff::ChangeDetached as C;
    let old_tree = match old {
        Some(o) => repo.find_tree(o).map_err(other)?,
        None => repo.empty_tree(),
    };
    let new_tree = repo.find_tree(new).map_err(other)?;
    let mut options = gix::diff::Options::default();
    options
        .track_path()
        .track_rewrites(Some(gix::diff::Rewrites::default()));
    let changes = repo
        .diff_tree_to_tree(&old_tree, &new_tree, options)
        .map_err(other)?;
    let mut out = Vec::new();
    for c in changes {
        match c {
            C::Addition {
                location,
                entry_mode,
                id,
                ..
            } if entry_mode.is_blob() => out.push((path_string(location.as_ref()), None, id)),
            C::Modification {
                location,
                previous_entry_mode,
                previous_id,
                entry_mode,
                id,
            } if entry_mode.is_blob() && id != previous_id => out.push((
                path_string(location.as_ref()),
                previous_entry_mode.is_blob().then_some(previous_id),
                id,
            )),
            C::Rewrite {
                source_entry_mode,
                source_id,
                entry_mode,
                id,
                location,
                ..
            } if entry_mode.is_blob() && id != source_id => out.push((
                path_string(location.as_ref()),
                source_entry_mode.is_blob().then_some(source_id),
                id,
            )),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let r = Range::parse("main..feature").unwrap();
        assert_eq!(
            (r.base.as_str(), r.head.as_str(), r.merge_base),
            ("main", "feature", false)
        );
        let r = Range::parse("origin/main...").unwrap();
        assert_eq!(
            (r.base.as_str(), r.head.as_str(), r.merge_base),
            ("origin/main", "HEAD", true)
        );
        assert!(Range::parse("main").is_err());
        assert!(Range::parse("..HEAD").is_err());
        assert!(Range::parse(&format!("{}..HEAD", "0".repeat(40)))
            .unwrap()
            .base_is_null());
    }
}
