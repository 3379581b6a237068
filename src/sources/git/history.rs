//! The full history: walk the commits of every ref (or one branch), diff each commit's tree
//! against its first parent to learn which blob it introduced at which path, keep only a
//! blob -> (path, earliest introducing commit) index, then read and scan each unique blob
//! once. Both the tree diffs and the blob scans run on every thread, each thread taking runs
//! of neighbouring items (commits in walk order, blobs in pack order) so that its delta-base
//! cache keeps hitting. Blob contents are read one at a time per thread, never all held.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gix::bstr::ByteSlice;
use gix::objs::TreeRefIter;
use gix::ObjectId;

use super::{
    allowlisted, other, path_string, resolve, scan_blob, tree_files, Blob, CommitMeta, GitError,
    GitOptions, GitScanned, Hit, Tally,
};
use crate::detect::Engine;
use crate::findings::{GitRef, Presence};
use crate::sources::{Progress, Sink};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Only commits reachable from this revision (default: every ref and HEAD).
    pub branch: Option<String>,
    /// Leave out this commit and its ancestors.
    pub since_commit: Option<String>,
    /// Stop after this many commits.
    pub max_commits: Option<usize>,
    /// Blobs scanned by an earlier run (`org scan`): not read again.
    pub skip_blobs: Option<Arc<HashSet<ObjectId>>>,
    /// Blobs whose state the caller tracks (`org scan`: those of its findings): each one the
    /// walk meets is reported in [`GitScanned::tracked`].
    pub track_blobs: Option<Arc<HashSet<ObjectId>>>,
}

/// Per-thread cache of delta bases (measured on git/git: 4 MiB and 64 MiB scan equally fast
/// once blobs are read in pack order, and a larger cache only costs memory).
const DELTA_CACHE_BYTES: usize = 4 << 20;
/// Bytes of a pack read through one object store before it is dropped (see `scan`). On
/// git/git (all refs), peak RSS 16 MiB spans: 337 MiB, 8 MiB: 290 MiB (with a 4 MiB delta
/// cache), and no slower: the delta bases a span reads lie all over the pack, and the
/// pages they touched are what a store keeps mapped.
const PACK_SPAN: u64 = 8 << 20;
/// Commits diffed through one object store, their changes merged into the index at once.
const COMMIT_BATCH: usize = 16 << 10;
/// Commits a thread diffs in one run (neighbours share trees).
const COMMIT_RUN: usize = 32;
/// Blobs a thread reads in one run (neighbours in a pack share delta bases).
const BLOB_RUN: usize = 64;

/// Where a blob was introduced: paths (into the [`Interner`]), each with the earliest commit
/// (index into the commit table) that introduced the blob there; and when it was last removed
/// from a tree.
#[derive(Default)]
struct BlobEntry {
    paths: Vec<(u32, u32)>,
    removed: Option<i64>,
}

/// Each string once, by number: the paths of the history (the versions of a file are many
/// blobs at one path: on git/git 780,000 introductions at a few thousand paths) and the
/// commits' authors (203,000 commits, a few thousand authors).
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, path: &str) -> u32 {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(path.to_string());
        self.ids.insert(path.to_string(), id);
        id
    }

    fn get(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// One commit of the walk, as the index and the findings need it.
struct Commit {
    id: ObjectId,
    time: gix::date::Time,
    /// Into [`Commits::authors`].
    author: u32,
}

/// The walked commits, newest first (an index into `list` is a commit's number).
#[derive(Default)]
struct Commits {
    list: Vec<Commit>,
    authors: Interner,
}

impl Commits {
    fn seconds(&self, ci: usize) -> i64 {
        self.list[ci].time.seconds
    }

    fn git_ref(&self, ci: u32) -> GitRef {
        let c = &self.list[ci as usize];
        GitRef {
            time: c.time.seconds,
            commit: c.id.to_string(),
            author: self.authors.get(c.author).to_string(),
            date: super::format_time(c.time),
        }
    }
}

/// The trees one commit's diff compares, kept only until the diffs are done.
struct Trees {
    tree: ObjectId,
    /// The first parent's tree; `None` for a root commit, a shallow boundary or a missing
    /// parent (then everything in the tree counts as introduced here).
    parent: Option<ObjectId>,
}

/// What the diff of one commit yielded.
#[derive(Default)]
struct CommitChanges {
    added: Vec<(ObjectId, String)>,
    removed: Vec<ObjectId>,
}

pub fn scan(
    repo: &gix::Repository,
    engine: &Engine,
    sink: &dyn Sink,
    opts: &GitOptions,
    h: &HistoryOptions,
) -> Result<GitScanned, GitError> {
    let mut out = GitScanned::default();
    let mut tally = Tally::default();
    // Every phase reads objects through an object store of its own, dropped after it: the
    // pages of the pack (and of its index) a store touched stay mapped, and counted in the
    // process's resident memory, for as long as the store lives.
    let tips = match &h.branch {
        Some(b) => vec![resolve(repo, b)?],
        None => all_tips(&fresh(opts)?, &mut tally)?,
    };
    let hidden = match &h.since_commit {
        Some(c) => vec![resolve(repo, c)?],
        None => Vec::new(),
    };
    let (commits, trees, boundary) = walk(&fresh(opts)?, tips, hidden, h.max_commits, &mut tally)?;
    let progress = opts.progress.as_deref();
    if let Some(p) = progress {
        Progress::set(&p.commits_total, commits.list.len() as u64);
    }
    if !boundary.is_empty() {
        let list: Vec<String> = boundary.iter().map(|b| b.to_string()).collect();
        out.notes.push(format!(
            "shallow clone: history before {} is not visible (its blobs are dated to that \
             commit); fetch it with `git fetch --unshallow`, or `fetch-depth: 0` in \
             actions/checkout",
            list.join(", ")
        ));
    }

    // Diff every commit against its first parent, on every thread, a batch of commits at a
    // time: each batch reads trees through an object store of its own, dropped (and the pack
    // pages it touched unmapped) before the next, and its changes go into the index at once,
    // so neither the mapped pages nor the pending changes of the whole history are held.
    let threads = opts.threads.max(1);
    let mut blobs: HashMap<ObjectId, BlobEntry> = HashMap::new();
    let mut names = Interner::default();
    for (batch, chunk) in trees.chunks(COMMIT_BATCH).enumerate() {
        let offset = batch * COMMIT_BATCH;
        let sync = own_store(opts)?;
        let (diffs, diff_tallies) = in_runs(
            chunk,
            threads,
            COMMIT_RUN,
            || {
                // No object cache for trees: on git/git it made the diffs no faster and cost
                // several times its nominal size in memory.
                let mut repo = sync.to_thread_local();
                repo.object_cache_size(0);
                repo.objects.set_pack_cache(delta_cache);
                (
                    repo,
                    gix::diff::tree::State::default(),
                    Vec::new(),
                    Vec::new(),
                    Tally::default(),
                )
            },
            |(repo, state, old_buf, new_buf, t), i, c| {
                if let Some(p) = progress {
                    Progress::add(&p.commits_done, 1);
                }
                match diff_trees(repo, c.parent, c.tree, state, old_buf, new_buf) {
                    Ok(changes) => Some(changes_of(changes, opts, t)),
                    Err(e) => {
                        let id = commits.list[offset + i].id;
                        t.error(id.to_string(), format!("cannot diff tree: {e}"));
                        None
                    }
                }
            },
        );
        drop(sync);
        for s in diff_tallies {
            tally.merge(s.4);
        }
        // The index: each blob's paths with their earliest introducing commit. Ties on the
        // commit date go to the commit walked later (the walk is newest first), whatever
        // order the threads (or batches) finished in.
        for (ci, changes) in diffs {
            let ci = offset + ci;
            let time = commits.seconds(ci);
            let ci = ci as u32;
            for old in changes.removed {
                let e = blobs.entry(old).or_default();
                e.removed = Some(e.removed.map_or(time, |r| r.max(time)));
            }
            for (oid, path) in changes.added {
                let path = names.intern(&path);
                let e = blobs.entry(oid).or_default();
                match e.paths.iter_mut().find(|(p, _)| *p == path) {
                    Some(slot) => {
                        tally.stats.duplicates += 1;
                        let st = commits.seconds(slot.1 as usize);
                        if time < st || (time == st && ci > slot.1) {
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
    drop(trees);
    for e in blobs.values_mut() {
        e.paths
            .sort_by(|a, b| names.get(a.0).cmp(names.get(b.0)).then(a.1.cmp(&b.1)));
    }

    // What HEAD still holds, and when HEAD was made.
    let (head_blobs, head_time) = {
        let repo = fresh(opts)?;
        let head = match repo.head_commit() {
            Ok(c) => {
                let t = c.time().unwrap_or_default();
                let files = match c.tree_id() {
                    Ok(tree) => tree_files(&repo, tree.detach())?,
                    Err(_) => Vec::new(),
                };
                (
                    files.into_iter().map(|(_, id)| id).collect::<HashSet<_>>(),
                    Some(t),
                )
            }
            Err(_) => (HashSet::new(), None),
        };
        head
    };

    // Scan each introduced blob once, in pack order, on every thread.
    let skip = |id: &ObjectId| h.skip_blobs.as_ref().is_some_and(|s| s.contains(id));
    let mut todo: Vec<(ObjectId, &str)> = blobs
        .iter()
        .filter(|(id, _)| !skip(id))
        .filter_map(|(id, e)| e.paths.first().map(|(p, _)| (*id, names.get(*p))))
        .collect();
    out.scanned_blobs = todo.iter().map(|t| t.0).collect();
    if let Some(p) = progress {
        Progress::set(&p.blobs_total, todo.len() as u64);
    }
    out.scanned_blobs.sort_unstable();
    if let Some(track) = &h.track_blobs {
        let mut tracked: Vec<_> = track
            .iter()
            .filter_map(|id| {
                let e = blobs.get(id)?;
                Some(super::Tracked {
                    blob: *id,
                    at_head: head_blobs.contains(id),
                    removed: e.removed,
                })
            })
            .collect();
        tracked.sort_unstable_by_key(|t| t.blob);
        out.tracked = tracked;
    }
    // Blobs in packs: each pack's delta trees, every object inflated once (see `packed`).
    // What that cannot read (loose objects, alternates, corrupt entries) is read below
    // through the object store, in pack order.
    let mut found = Vec::new();
    {
        let repo = fresh(opts)?;
        let packed = super::packed::scan(
            &repo,
            engine,
            &todo,
            threads,
            opts.max_file_size,
            progress,
            &mut tally,
        );
        drop(repo);
        for (i, m) in packed.found {
            found.push((todo[i].0, m));
        }
        let mut done = packed.done.into_iter();
        todo.retain(|_| !done.next().unwrap_or(false));
    }
    let keys = pack_order(&fresh(opts)?, &mut todo);
    // Spans of the pack, each read through an object store of its own, so that the pages of
    // the pack a span touched are unmapped once it is done instead of piling up in the
    // process's resident memory until the end (the pack alone is 300 MiB on git/git).
    for std::ops::Range { start, end } in spans(&keys, PACK_SPAN) {
        let store = own_store(opts)?;
        let (got, scan_tallies) = in_runs(
            &todo[start..end],
            threads,
            BLOB_RUN,
            || {
                let mut repo = store.to_thread_local();
                repo.object_cache_size(0);
                repo.objects.set_pack_cache(delta_cache);
                (repo, Vec::new(), Tally::default())
            },
            |(repo, buf, t), _, (id, path)| {
                let before = t.stats.bytes;
                let got = scan_blob(repo, engine, *id, path, opts.max_file_size, buf, t);
                if let Some(p) = progress {
                    Progress::add(&p.blobs_done, 1);
                    Progress::add(&p.bytes_done, t.stats.bytes - before);
                }
                match got {
                    Blob::Matches(m) => Some((*id, m)),
                    Blob::Clean | Blob::Skipped => None,
                }
            },
        );
        for s in scan_tallies {
            tally.merge(s.2);
        }
        found.extend(got.into_iter().map(|(_, r)| r));
    }

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
                blob: Some(id),
                path: names.get(*path).to_string(),
                git: Some(commits.git_ref(*ci)),
                presence: presence.clone(),
                matches: matches.clone(),
            });
        }
    }
    // Pipeline configs: each unique blob also gets the hardcoded-credential check.
    super::pipelines_in_history(
        &fresh(opts)?,
        sink,
        blobs.iter().filter(|(id, _)| !skip(id)).map(|(id, e)| {
            let paths: Vec<(&str, u32)> =
                e.paths.iter().map(|(p, ci)| (names.get(*p), *ci)).collect();
            (*id, paths, e.removed)
        }),
        &|ci| commits.git_ref(ci),
        (&head_blobs, head_time),
        opts.max_file_size,
    );
    out.stats = tally.stats;
    out.errors = tally.errors;
    Ok(out)
}

/// The commits to diff, newest first, each with its first parent's tree; and the shallow
/// boundary commits met on the way.
fn walk(
    repo: &gix::Repository,
    tips: Vec<ObjectId>,
    hidden: Vec<ObjectId>,
    max_commits: Option<usize>,
    tally: &mut Tally,
) -> Result<(Commits, Vec<Trees>, Vec<ObjectId>), GitError> {
    let shallow: HashSet<ObjectId> = repo
        .shallow_commits()
        .map_err(other)?
        .map(|c| c.iter().copied().collect())
        .unwrap_or_default();
    let walk = repo
        .rev_walk(tips)
        .with_hidden(hidden)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .all()
        .map_err(other)?;
    let mut commits = Commits::default();
    let mut diffs = Vec::new();
    let mut parents: Vec<Option<ObjectId>> = Vec::new();
    let mut trees: HashMap<ObjectId, ObjectId> = HashMap::new();
    let mut boundary = Vec::new();
    for (n, info) in walk.enumerate() {
        if max_commits.is_some_and(|max| n >= max) {
            break;
        }
        let commit = match super::walked(info, "history", tally) {
            std::ops::ControlFlow::Break(()) => break,
            std::ops::ControlFlow::Continue(None) => continue,
            std::ops::ControlFlow::Continue(Some(c)) => c,
        };
        let Ok(tree) = commit.tree_id() else {
            tally.error(commit.id.to_string(), "corrupt commit: no tree".into());
            continue;
        };
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let parent = match parent {
            Some(_) if shallow.contains(&commit.id) => {
                boundary.push(commit.id);
                None
            }
            p => p,
        };
        trees.insert(commit.id, tree.detach());
        parents.push(parent);
        let meta = CommitMeta::of(&commit);
        let author = commits.authors.intern(&meta.author);
        commits.list.push(Commit {
            id: meta.id,
            time: meta.time,
            author,
        });
        diffs.push(Trees {
            tree: tree.detach(),
            parent: None,
        });
    }
    commits.list.shrink_to_fit();
    // Parents are usually walked too; the others (hidden by --since-commit, past
    // --max-commits) are read here.
    for ((c, d), parent) in commits.list.iter().zip(&mut diffs).zip(parents) {
        let Some(p) = parent else { continue };
        d.parent = match trees.get(&p) {
            Some(t) => Some(*t),
            None => match repo.find_commit(p).ok().and_then(|c| c.tree_id().ok()) {
                Some(t) => Some(t.detach()),
                None => {
                    tally.error(
                        c.id.to_string(),
                        format!("parent commit {p} is missing; diffed against an empty tree"),
                    );
                    None
                }
            },
        };
    }
    boundary.sort();
    Ok((commits, diffs, boundary))
}

/// The blobs a commit adds (with their paths, allowlisted paths left out) and removes.
fn changes_of(
    changes: Vec<gix::diff::tree::recorder::Change>,
    opts: &GitOptions,
    tally: &mut Tally,
) -> CommitChanges {
    use gix::diff::tree::recorder::Change;
    let mut out = CommitChanges::default();
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
        out.removed.extend(removed);
        if let Some((oid, path)) = added {
            let path = path_string(path.as_bstr());
            if allowlisted(opts, &path) {
                tally.stats.skipped.allowlisted_path += 1;
                continue;
            }
            out.added.push((oid, path));
        }
    }
    out
}

/// Run `work` over `items` on `threads` threads (scoped threads rather than rayon: a rayon
/// version with `par_chunks().map_init()` took 27.4 and 28.4 s on git/git against 22.8-26.1 s
/// for this one, its jobs rebuilding repository handles and caches at every split). Each
/// thread makes its state once with
/// `init` and takes runs of `run` neighbouring items at a time, so that per-thread caches see
/// neighbours. Returns the `Some` results as `(index, result)` in item order, and every
/// thread's state.
pub(super) fn in_runs<T, S, R>(
    items: &[T],
    threads: usize,
    run: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize, &T) -> Option<R> + Sync,
) -> (Vec<(usize, R)>, Vec<S>)
where
    T: Sync,
    S: Send,
    R: Send,
{
    let next = AtomicUsize::new(0);
    let per_thread = |state: &mut S| {
        let mut got = Vec::new();
        loop {
            let start = next.fetch_add(run, Ordering::Relaxed);
            if start >= items.len() {
                return got;
            }
            let end = (start + run).min(items.len());
            for (i, item) in items[start..end].iter().enumerate() {
                if let Some(r) = work(state, start + i, item) {
                    got.push((start + i, r));
                }
            }
        }
    };
    let (mut results, states): (Vec<Vec<(usize, R)>>, Vec<S>) = if threads <= 1 {
        let mut s = init();
        let got = per_thread(&mut s);
        (vec![got], vec![s])
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut s = init();
                        let got = per_thread(&mut s);
                        (got, s)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(r) => r,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .unzip()
        })
    };
    let mut all: Vec<(usize, R)> = results.drain(..).flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    (all, states)
}

fn delta_cache() -> Box<gix::odb::cache::PackCache> {
    Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::new(
        DELTA_CACHE_BYTES,
    ))
}

/// Sort blobs into the order their packs store them (loose objects last, by id). A pack keeps
/// an object's delta base close to it, so neighbours in pack order share bases: read in that
/// order, a thread's delta-base cache hits instead of inflating whole chains again. Offsets
/// come from the pack indexes, one pass per pack, without reading the packs themselves.
fn pack_order(repo: &gix::Repository, todo: &mut [(ObjectId, &str)]) -> Vec<(u32, u64)> {
    use gix::odb::pack::Find;
    let mut handle = repo.objects.clone();
    handle.prevent_pack_unload();
    // Pack locations must not be looked up through replacement refs.
    handle.ignore_replacements = true;
    todo.sort_unstable_by_key(|t| t.0);
    const LOOSE: (u32, u64) = (u32::MAX, u64::MAX);
    let mut key = vec![LOOSE; todo.len()];
    let mut seen_packs = HashSet::new();
    let mut buf = Vec::new();
    for i in 0..todo.len() {
        if key[i] != LOOSE {
            continue;
        }
        // One lookup finds the pack; its index then places every blob it holds.
        let Some(loc) = handle.location_by_oid(&todo[i].0, &mut buf) else {
            continue;
        };
        if !seen_packs.insert(loc.pack_id) {
            continue;
        }
        let Some(mut entries) = handle.pack_offsets_and_oid(loc.pack_id) else {
            continue;
        };
        entries.sort_unstable_by_key(|e| e.1);
        let mut j = 0;
        for (offset, oid) in entries {
            while j < todo.len() && todo[j].0 < oid {
                j += 1;
            }
            if j < todo.len() && todo[j].0 == oid && key[j] == LOOSE {
                key[j] = (loc.pack_id, offset);
            }
        }
    }
    let mut order: Vec<usize> = (0..todo.len()).collect();
    order.sort_unstable_by_key(|&i| (key[i], todo[i].0));
    let sorted: Vec<(ObjectId, &str)> = order.iter().map(|&i| todo[i]).collect();
    todo.copy_from_slice(&sorted);
    order.iter().map(|&i| key[i]).collect()
}

/// Consecutive ranges of `keys` (pack id, offset; sorted) each within one pack and `span`
/// bytes of it; loose objects (`u32::MAX`) form one range.
fn spans(keys: &[(u32, u64)], span: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < keys.len() {
        let first = keys[start];
        let len = keys[start..]
            .iter()
            .take_while(|k| k.0 == first.0 && k.1.saturating_sub(first.1) < span)
            .count()
            .max(1);
        out.push(start..start + len);
        start += len;
    }
    out
}

/// A repository handle on an object store of its own (see [`own_store`]).
fn fresh(opts: &GitOptions) -> Result<gix::Repository, GitError> {
    Ok(own_store(opts)?.to_thread_local())
}

/// The repository again, on an object store of its own: the packs it maps are unmapped when
/// the last handle on it is dropped, which a clone of `repo` (sharing its store) would not do.
fn own_store(opts: &GitOptions) -> Result<gix::ThreadSafeRepository, GitError> {
    gix::ThreadSafeRepository::discover(&opts.repo).map_err(other)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_stay_within_one_pack_and_the_span() {
        let loose = (u32::MAX, u64::MAX);
        let keys = [
            (0, 0),
            (0, 10),
            (0, 99),
            (0, 100),
            (0, 250),
            (1, 5),
            (1, 6),
            loose,
            loose,
        ];
        assert_eq!(spans(&keys, 100), vec![0..3, 3..4, 4..5, 5..7, 7..9]);
        assert_eq!(spans(&keys, u64::MAX), vec![0..5, 5..7, 7..9]);
        assert!(spans(&[], 100).is_empty());
    }
}
