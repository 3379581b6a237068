//! The full history: walk the commits of every ref (or one branch), diff each commit's tree
//! against its first parent to learn which blob it introduced at which path, keep only a
//! blob -> (path, earliest introducing commit) index, then read and scan each unique blob
//! once, in parallel. Blob contents are read one at a time per worker, never all held.

use std::collections::{HashMap, HashSet};

use gix::bstr::ByteSlice;
use gix::objs::TreeRefIter;
use gix::ObjectId;
use rayon::prelude::*;

use super::{
    allowlisted, other, path_string, resolve, scan_blob, tree_files, Blob, CommitMeta, GitError,
    GitOptions, GitScanned, Hit, Tally,
};
use crate::detect::Engine;
use crate::findings::Presence;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Only commits reachable from this revision (default: every ref and HEAD).
    pub branch: Option<String>,
    /// Leave out this commit and its ancestors.
    pub since_commit: Option<String>,
    /// Stop after this many commits.
    pub max_commits: Option<usize>,
}

/// Where a blob was introduced: paths, each with the earliest commit (index into the
/// commit table) that introduced the blob there; and when it was last removed from a tree.
#[derive(Default)]
struct BlobEntry {
    paths: Vec<(String, u32)>,
    removed: Option<i64>,
}

pub fn scan(
    repo: &gix::Repository,
    engine: &Engine,
    opts: &GitOptions,
    h: &HistoryOptions,
) -> Result<GitScanned, GitError> {
    // Trees are read again and again by neighbouring commits' diffs: cache them.
    let mut repo = repo.clone();
    repo.object_cache_size_if_unset(64 << 20);
    let repo = &repo;
    let mut out = GitScanned::default();
    let mut tally = Tally::default();
    let tips = match &h.branch {
        Some(b) => vec![resolve(repo, b)?],
        None => all_tips(repo, &mut tally)?,
    };
    let hidden = match &h.since_commit {
        Some(c) => vec![resolve(repo, c)?],
        None => Vec::new(),
    };
    let shallow: HashSet<ObjectId> = repo
        .shallow_commits()
        .map_err(other)?
        .map(|c| c.iter().copied().collect())
        .unwrap_or_default();

    let mut commits: Vec<CommitMeta> = Vec::new();
    let mut blobs: HashMap<ObjectId, BlobEntry> = HashMap::new();
    let mut state = gix::diff::tree::State::default();
    let mut old_buf = Vec::new();
    let mut new_buf = Vec::new();
    let mut boundary = Vec::new();
    let walk = repo
        .rev_walk(tips.iter().copied())
        .with_hidden(hidden)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .all()
        .map_err(other)?;
    for (n, info) in walk.enumerate() {
        if h.max_commits.is_some_and(|max| n >= max) {
            break;
        }
        let info = match info {
            Ok(i) => i,
            Err(e) => {
                tally.error("history".into(), format!("commit walk stopped: {e}"));
                break;
            }
        };
        let commit = match info.object() {
            Ok(c) => c,
            Err(e) => {
                tally.error(
                    info.id.to_string(),
                    format!("missing or corrupt commit: {e}"),
                );
                continue;
            }
        };
        let Ok(tree) = commit.tree_id() else {
            tally.error(info.id.to_string(), "corrupt commit: no tree".into());
            continue;
        };
        // The first parent's tree; none for a root commit or a shallow boundary.
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let parent_tree = match parent {
            Some(_) if shallow.contains(&info.id) => {
                boundary.push(info.id);
                None
            }
            Some(p) => match repo.find_commit(p).ok().and_then(|c| c.tree_id().ok()) {
                Some(t) => Some(t.detach()),
                None => {
                    tally.error(
                        info.id.to_string(),
                        format!("parent commit {p} is missing; diffed against an empty tree"),
                    );
                    None
                }
            },
            None => None,
        };
        let meta = CommitMeta::of(&commit);
        let time = meta.time.seconds;
        let ci = commits.len() as u32;
        commits.push(meta);
        let changes = match diff_trees(
            repo,
            parent_tree,
            tree.detach(),
            &mut state,
            &mut old_buf,
            &mut new_buf,
        ) {
            Ok(c) => c,
            Err(e) => {
                tally.error(info.id.to_string(), format!("cannot diff tree: {e}"));
                continue;
            }
        };
        use gix::diff::tree::recorder::Change;
        for change in changes {
            let (added, removed) = match change {
                Change::Addition {
                    entry_mode,
                    oid,
                    path,
                    ..
                } => (entry_mode.is_blob().then_some((oid, path)), None),
                Change::Deletion {
                    entry_mode, oid, ..
                } => (None, entry_mode.is_blob().then_some(oid)),
                Change::Modification {
                    previous_entry_mode,
                    previous_oid,
                    entry_mode,
                    oid,
                    path,
                } => (
                    (entry_mode.is_blob() && oid != previous_oid).then_some((oid, path)),
                    (previous_entry_mode.is_blob() && oid != previous_oid).then_some(previous_oid),
                ),
            };
            if let Some(old) = removed {
                let e = blobs.entry(old).or_default();
                e.removed = Some(e.removed.map_or(time, |r| r.max(time)));
            }
            if let Some((oid, path)) = added {
                let path = path_string(path.as_bstr());
                if allowlisted(opts, &path) {
                    tally.stats.skipped.allowlisted_path += 1;
                    continue;
                }
                let e = blobs.entry(oid).or_default();
                match e.paths.iter_mut().find(|(p, _)| *p == path) {
                    Some(slot) => {
                        tally.stats.duplicates += 1;
                        // Newest first: on a tie the later-walked commit is the older one.
                        if time <= commits[slot.1 as usize].time.seconds {
                            slot.1 = ci;
                        }
                    }
                    None => {
                        if !e.paths.is_empty() {
                            tally.stats.duplicates += 1;
                        }
                        e.paths.push((path, ci));
                    }
                }
            }
        }
    }
    if !boundary.is_empty() {
        boundary.sort();
        let list: Vec<String> = boundary.iter().map(|b| b.to_string()).collect();
        out.notes.push(format!(
            "shallow clone: history before {} is not visible (its blobs are dated to that \
             commit); fetch it with `git fetch --unshallow`, or `fetch-depth: 0` in \
             actions/checkout",
            list.join(", ")
        ));
    }

    // What HEAD still holds, and when HEAD was made.
    let (head_blobs, head_time) = match repo.head_commit() {
        Ok(c) => {
            let t = c.time().unwrap_or_default();
            let files = match c.tree_id() {
                Ok(tree) => tree_files(repo, tree.detach())?,
                Err(_) => Vec::new(),
            };
            (
                files.into_iter().map(|(_, id)| id).collect::<HashSet<_>>(),
                Some(t),
            )
        }
        Err(_) => (HashSet::new(), None),
    };

    // Scan each introduced blob once, in parallel; contents are read per worker.
    let todo: Vec<(ObjectId, String)> = blobs
        .iter()
        .filter_map(|(id, e)| e.paths.first().map(|(p, _)| (*id, p.clone())))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(other)?;
    let sync = repo.clone().into_sync();
    let (found, worker_tally) = pool.install(|| {
        todo.par_iter()
            .fold(
                || (Vec::new(), Tally::default(), None::<gix::Repository>),
                |(mut found, mut t, repo), (id, path)| {
                    let repo = repo.unwrap_or_else(|| sync.to_thread_local());
                    if let Blob::Matches(m) =
                        scan_blob(&repo, engine, *id, path, opts.max_file_size, &mut t)
                    {
                        found.push((*id, m));
                    }
                    (found, t, Some(repo))
                },
            )
            .map(|(found, t, _)| (found, t))
            .reduce(
                || (Vec::new(), Tally::default()),
                |(mut a, mut ta), (b, tb)| {
                    a.extend(b);
                    ta.merge(tb);
                    (a, ta)
                },
            )
    });
    tally.merge(worker_tally);

    for (id, matches) in found {
        let e = &blobs[&id];
        let at_head = head_blobs.contains(&id);
        let last = if at_head {
            head_time.map(|t| (t.seconds, super::format_time(t)))
        } else {
            e.removed.map(|r| {
                let t = gix::date::Time::new(r, 0);
                (r, super::format_time(t))
            })
        };
        let presence = Presence {
            at_head: Some(at_head),
            last,
        };
        for (path, ci) in &e.paths {
            out.hits.push(Hit {
                path: path.clone(),
                git: Some(commits[*ci as usize].git_ref()),
                presence: presence.clone(),
                matches: matches.clone(),
            });
        }
    }
    // Pipeline configs: each unique blob also gets the hardcoded-credential check.
    out.pipelines = super::pipelines_in_history(
        repo,
        blobs
            .iter()
            .map(|(id, e)| (*id, e.paths.as_slice(), e.removed)),
        &commits,
        (&head_blobs, head_time),
        opts.max_file_size,
    );
    out.stats = tally.stats;
    out.errors = tally.errors;
    Ok(out)
}

/// HEAD and the commit every ref points at (tags peeled); refs that do not lead to a commit
/// are skipped.
fn all_tips(repo: &gix::Repository, tally: &mut Tally) -> Result<Vec<ObjectId>, GitError> {
    let mut tips = Vec::new();
    if let Ok(id) = repo.head_id() {
        tips.push(id.detach());
    }
    let refs = repo.references().map_err(other)?;
    for r in refs.all().map_err(other)? {
        let mut r = match r {
            Ok(r) => r,
            Err(e) => {
                tally.error("refs".into(), format!("unreadable ref: {e}"));
                continue;
            }
        };
        if let Ok(c) = r.peel_to_commit() {
            tips.push(c.id);
        }
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// The changes from tree `old` (or nothing) to tree `new`, with full paths.
fn diff_trees(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: ObjectId,
    state: &mut gix::diff::tree::State,
    old_buf: &mut Vec<u8>,
    new_buf: &mut Vec<u8>,
) -> Result<Vec<gix::diff::tree::recorder::Change>, Box<dyn std::error::Error + Send + Sync>> {
    let kind = repo.object_hash();
    let old_iter = match old {
        Some(o) => {
            let obj = repo.find_object(o)?;
            old_buf.clear();
            old_buf.extend_from_slice(&obj.data);
            TreeRefIter::from_bytes(old_buf, kind)
        }
        None => TreeRefIter::from_bytes(&[], kind),
    };
    let obj = repo.find_object(new)?;
    new_buf.clear();
    new_buf.extend_from_slice(&obj.data);
    let new_iter = TreeRefIter::from_bytes(new_buf, kind);
    let mut rec = gix::diff::tree::Recorder::default();
    gix::diff::tree(old_iter, new_iter, state, &repo.objects, &mut rec)?;
    Ok(rec.records)
}
