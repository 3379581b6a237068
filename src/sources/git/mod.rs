//! Git as a source, read through gix (never a `git` subprocess): the full history
//! ([`history`]), the lines a PR or push range adds ([`diff`]) and the lines staged for the
//! next commit ([`staged`]). Every mode hands back [`Hit`]s: the matches of one content at one
//! path, with the commit it was seen in and what is known about where that content still is,
//! so the findings can carry `first_seen`, `last_seen` and `present_at_head`.

pub mod diff;
pub mod history;
mod packed;
pub mod staged;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::ObjectId;
use globset::GlobSet;

use super::content::{self, Text};
use super::{Content, Provenance, ScanError, Sink, SourceStats};
use crate::detect::{Dropped, Engine, Match};
use crate::findings::{GitRef, Presence};

/// Settings shared by every git mode.
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// A directory inside the repository (its work tree or the `.git` directory).
    pub repo: PathBuf,
    pub threads: usize,
    pub max_file_size: u64,
    /// Paths (relative to the repository root) matching these globs are not scanned.
    pub path_allowlist: Option<GlobSet>,
    /// Counters advanced as the history is read (`--git` progress on a terminal).
    pub progress: Option<std::sync::Arc<super::Progress>>,
}

/// Which git source to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitMode {
    /// Every blob reachable from the refs.
    History(history::HistoryOptions),
    /// Lines added in `BASE..HEAD` or `BASE...HEAD`.
    Diff { range: String, each_commit: bool },
    /// Lines added in the index relative to HEAD.
    Staged,
}

impl GitMode {
    /// The report's `scan.source`.
    pub fn source(&self) -> crate::sources::SourceKind {
        use crate::sources::SourceKind;
        match self {
            GitMode::History(_) => SourceKind::Git,
            GitMode::Diff { .. } => SourceKind::Diff,
            GitMode::Staged => SourceKind::Staged,
        }
    }
}

/// The matches of one content at one path (already narrowed to added lines for diff modes).
#[derive(Debug, Clone)]
pub struct Hit {
    /// The blob the matches are in (history scans).
    pub blob: Option<ObjectId>,
    pub path: String,
    pub git: Option<GitRef>,
    pub presence: Presence,
    pub matches: Vec<Match>,
}

/// Everything a git scan saw.
#[derive(Debug, Default)]
pub struct GitScanned {
    pub hits: Vec<Hit>,
    pub stats: SourceStats,
    pub errors: Vec<ScanError>,
    /// Things the user should know that are not errors, e.g. the part of history a shallow
    /// clone hides and how to fetch it.
    pub notes: Vec<String>,
    /// History scans: the ids of the blobs read (sorted).
    pub scanned_blobs: Vec<ObjectId>,
    /// History scans: the state of each blob of `HistoryOptions::track_blobs` the walk met.
    pub tracked: Vec<Tracked>,
}

/// Where a tracked blob stands after a history walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    pub blob: ObjectId,
    pub at_head: bool,
    /// The newest commit time (seconds) a commit removed it from a tree.
    pub removed: Option<i64>,
}

/// Fatal git errors (exit 2): no repository, a revision that does not resolve.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path}: not a git repository: {message}")]
    NotARepo { path: String, message: String },
    #[error("revision {rev:?} not found in the repository{hint}")]
    BadRevision { rev: String, hint: String },
    #[error(
        "base commit {rev} is not in the repository{hint}; fetch it (`git fetch origin {rev}`) \
         or clone with full history (`fetch-depth: 0` in actions/checkout)"
    )]
    MissingBase { rev: String, hint: String },
    #[error("invalid diff range {0:?}: expected BASE..HEAD or BASE...HEAD")]
    BadRange(String),
    #[error("{0}")]
    Other(String),
}

fn other(e: impl std::fmt::Display) -> GitError {
    GitError::Other(e.to_string())
}

/// Run one git mode.
/// Run one git mode: every blob it reads through `engine`, every file `sink` wants to `sink`
/// (with the added lines, in diff modes).
pub fn scan(
    engine: &Engine,
    sink: &dyn Sink,
    opts: &GitOptions,
    mode: &GitMode,
) -> Result<GitScanned, GitError> {
    let repo = open(&opts.repo)?;
    let mut out = match mode {
        GitMode::History(h) => history::scan(&repo, engine, sink, opts, h)?,
        GitMode::Diff { range, each_commit } => {
            diff::scan(&repo, engine, sink, opts, range, *each_commit)?
        }
        GitMode::Staged => staged::scan(&repo, engine, sink, opts)?,
    };
    out.errors.sort();
    out.hits
        .sort_by(|a, b| (&a.path, &a.git).cmp(&(&b.path, &b.git)));
    Ok(out)
}

fn open(path: &Path) -> Result<gix::Repository, GitError> {
    if std::fs::symlink_metadata(path).is_err() {
        return Err(GitError::NotARepo {
            path: path.display().to_string(),
            message: "no such file or directory".into(),
        });
    }
    gix::discover(path).map_err(|e| GitError::NotARepo {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Resolve a revision to a commit id.
fn resolve(repo: &gix::Repository, rev: &str) -> Result<ObjectId, GitError> {
    let hint = if repo.is_shallow() {
        " (this is a shallow clone: fetch more history or use `fetch-depth: 0`)".to_string()
    } else {
        String::new()
    };
    let id = repo
        .rev_parse_single(rev.as_bytes().as_bstr())
        .map_err(|_| GitError::BadRevision {
            rev: rev.to_string(),
            hint: hint.clone(),
        })?;
    let obj = id.object().map_err(|_| GitError::BadRevision {
        rev: rev.to_string(),
        hint: hint.clone(),
    })?;
    let commit = obj.peel_to_commit().map_err(|_| GitError::BadRevision {
        rev: rev.to_string(),
        hint: " (it does not name a commit)".to_string(),
    })?;
    Ok(commit.id)
}

/// One step of a rev walk as a commit: `Break` when the walk broke off, `Continue(None)` for a
/// commit that cannot be read; both are counted (the walk's error under `what`).
pub(crate) fn walked<'r>(
    step: Result<gix::revision::walk::Info<'r>, gix::revision::walk::iter::Error>,
    what: &str,
    tally: &mut Tally,
) -> std::ops::ControlFlow<(), Option<gix::Commit<'r>>> {
    use std::ops::ControlFlow;
    let info = match step {
        Ok(i) => i,
        Err(e) => {
            tally.error(what.into(), format!("commit walk stopped: {e}"));
            return ControlFlow::Break(());
        }
    };
    match info.object() {
        Ok(c) => ControlFlow::Continue(Some(c)),
        Err(e) => {
            tally.error(
                info.id.to_string(),
                format!("missing or corrupt commit: {e}"),
            );
            ControlFlow::Continue(None)
        }
    }
}

/// Who and when, for one commit.
#[derive(Debug, Clone)]
pub struct CommitMeta {
    pub id: ObjectId,
    pub author: String,
    pub time: gix::date::Time,
}

impl CommitMeta {
    fn of(commit: &gix::Commit<'_>) -> CommitMeta {
        let author = commit
            .author()
            .map(|a| {
                let a = a.trim();
                format!("{} <{}>", a.name, a.email)
            })
            .unwrap_or_default();
        let time = commit.time().unwrap_or_default();
        CommitMeta {
            id: commit.id,
            author,
            time,
        }
    }

    pub fn git_ref(&self) -> GitRef {
        GitRef {
            time: self.time.seconds,
            commit: self.id.to_string(),
            author: self.author.clone(),
            date: format_time(self.time),
        }
    }
}

pub fn format_time(t: gix::date::Time) -> String {
    t.format_or_unix(gix::date::time::format::ISO8601_STRICT)
}

/// A path gix hands out, as the report shows it.
fn path_string(p: &gix::bstr::BStr) -> String {
    p.to_str_lossy().into_owned()
}

/// What reading and scanning one blob gave.
pub(crate) enum Blob {
    Matches(Vec<Match>),
    /// Read and scanned, nothing found.
    Clean,
    Skipped,
}

/// Per-worker counters and errors, merged at the end.
#[derive(Default)]
pub(crate) struct Tally {
    pub stats: SourceStats,
    pub errors: Vec<ScanError>,
}

impl Tally {
    pub fn merge(&mut self, o: Tally) {
        self.stats.add(&o.stats);
        self.errors.extend(o.errors);
    }

    pub fn error(&mut self, path: String, message: String) {
        self.stats.errors += 1;
        self.errors.push(ScanError { path, message });
    }
}

/// Read a blob as text into `buf`: `None` (and counted) when it is too large, binary or
/// unreadable. The text borrows `buf` unless it had to be transcoded.
pub(crate) fn read_text<'b>(
    repo: &gix::Repository,
    id: ObjectId,
    what: &str,
    max_file_size: u64,
    tally: &mut Tally,
    buf: &'b mut Vec<u8>,
) -> Option<(Cow<'b, [u8]>, bool, bool)> {
    use gix::objs::Find;
    let missing = |tally: &mut Tally, e: &dyn std::fmt::Display| {
        tally.error(
            what.to_string(),
            format!("missing or corrupt object {id}: {e}"),
        );
    };
    match repo.find_header(id) {
        Ok(h) if h.size() > max_file_size => {
            tally.stats.skipped.too_large += 1;
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            missing(tally, &e);
            return None;
        }
    }
    let data = match repo.objects.try_find(&id, buf) {
        Ok(Some(o)) => o.data,
        Ok(None) => {
            missing(tally, &"not found");
            return None;
        }
        Err(e) => {
            missing(tally, &e);
            return None;
        }
    };
    match content::as_text(data) {
        Text::Binary => {
            tally.stats.skipped.binary += 1;
            None
        }
        Text::Bytes { data, utf8, utf16 } => Some((data, utf8, utf16)),
    }
}

/// Scan one text with the engine, counting what was scanned.
pub(crate) fn scan_text(
    engine: &Engine,
    text: &[u8],
    utf8: bool,
    utf16: bool,
    tally: &mut Tally,
) -> Vec<Match> {
    count_text(tally, text.len(), utf8, utf16);
    let mut dropped = Dropped::default();
    let matches = engine.scan(text, &mut dropped);
    tally.stats.dropped.add(&dropped);
    matches
}

/// Count one text of `len` bytes as scanned.
pub(crate) fn count_text(tally: &mut Tally, len: usize, utf8: bool, utf16: bool) {
    let st = &mut tally.stats;
    st.files += 1;
    st.bytes += len as u64;
    st.non_utf8 += u64::from(!utf8);
    st.utf16 += u64::from(utf16);
}

/// Read (into `buf`) and scan a whole blob.
pub(crate) fn scan_blob(
    repo: &gix::Repository,
    engine: &Engine,
    id: ObjectId,
    what: &str,
    max_file_size: u64,
    buf: &mut Vec<u8>,
    tally: &mut Tally,
) -> Blob {
    let Some((text, utf8, utf16)) = read_text(repo, id, what, max_file_size, tally, buf) else {
        return Blob::Skipped;
    };
    let matches = scan_text(engine, &text, utf8, utf16, tally);
    if matches.is_empty() {
        Blob::Clean
    } else {
        Blob::Matches(matches)
    }
}

/// For each line of `new` (0-based), whether a line diff from `old` adds it. Uses the
/// histogram diff of imara-diff, as gix and git do.
pub(crate) fn added_lines(old: &[u8], new: &[u8]) -> Vec<bool> {
    use gix::diff::blob::{Algorithm, Diff, InternedInput};
    let input = InternedInput::new(old, new);
    let diff = Diff::compute(Algorithm::Histogram, &input);
    (0..input.after.len() as u32)
        .map(|i| diff.is_added(i))
        .collect()
}

/// The matches that touch at least one added line.
pub(crate) fn on_added_lines(matches: Vec<Match>, added: &[bool]) -> Vec<Match> {
    matches
        .into_iter()
        .filter(|m| (m.line..=m.end_line).any(|l| added.get(l - 1).copied().unwrap_or(false)))
        .collect()
}

/// Scan the lines that turning blob `old` (or nothing) into blob `new` adds.
pub(crate) fn scan_added(
    repo: &gix::Repository,
    engine: &Engine,
    old: Option<ObjectId>,
    new: ObjectId,
    what: &str,
    max_file_size: u64,
    tally: &mut Tally,
) -> Vec<Match> {
    let mut new_buf = Vec::new();
    let Some((text, utf8, utf16)) = read_text(repo, new, what, max_file_size, tally, &mut new_buf)
    else {
        return Vec::new();
    };
    let matches = scan_text(engine, &text, utf8, utf16, tally);
    if matches.is_empty() {
        return matches;
    }
    let Some(old) = old else { return matches };
    // An old side that is binary or unreadable counts as empty: every line is new.
    let mut scratch = Tally::default();
    let mut old_buf = Vec::new();
    let old_text = read_text(repo, old, what, u64::MAX, &mut scratch, &mut old_buf)
        .map(|t| t.0)
        .unwrap_or_default();
    on_added_lines(matches, &added_lines(&old_text, &text))
}

/// Where a git source's sink content comes from, and whether HEAD still holds it.
#[derive(Clone, Copy)]
pub(crate) struct ToSink<'a> {
    pub sink: &'a dyn Sink,
    pub provenance: &'a Provenance,
    pub presence: &'a Presence,
}

/// When the sink wants `path`: hand it blob `new`, with the lines that turning `old` (or
/// nothing) into it adds. A sink's error is counted at its position.
pub(crate) fn pipeline_added(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: ObjectId,
    path: &str,
    max_file_size: u64,
    tally: &mut Tally,
    to: ToSink<'_>,
) {
    if !to.sink.wants(path) {
        return;
    }
    // Size, binary and missing-object problems were counted when the rules read this blob.
    let mut scratch = Tally::default();
    let mut new_buf = Vec::new();
    let Some((text, _, _)) = read_text(repo, new, path, max_file_size, &mut scratch, &mut new_buf)
    else {
        return;
    };
    let added = old.map(|old| {
        let mut old_buf = Vec::new();
        let old_text = read_text(repo, old, path, u64::MAX, &mut scratch, &mut old_buf)
            .map(|t| t.0)
            .unwrap_or_default();
        added_lines(&old_text, &text)
    });
    let content = Content {
        path,
        text: &String::from_utf8_lossy(&text),
        provenance: to.provenance,
        presence: to.presence,
        added: added.as_deref(),
    };
    if let Err(e) = to.sink.consume(content) {
        tally.error(e.path, e.message);
    }
}

/// The history's part: every unique blob the sink wants (by the paths it was introduced at)
/// goes to it once per path, attributed to that path's introducing commit, with the blob's
/// presence at HEAD. `blobs` yields (blob, paths with commit index, time removed). Sink
/// errors are not counted here: the history reports where a config is now, not every old
/// version that did not parse.
pub(crate) fn pipelines_in_history<'a>(
    repo: &gix::Repository,
    sink: &dyn Sink,
    blobs: impl Iterator<Item = (ObjectId, Vec<(&'a str, u32)>, Option<i64>)>,
    commit_ref: &dyn Fn(u32) -> GitRef,
    head: (
        &std::collections::HashSet<ObjectId>,
        Option<gix::date::Time>,
    ),
    max_file_size: u64,
) {
    let mut scratch = Tally::default();
    let mut buf = Vec::new();
    for (id, paths, removed) in blobs {
        if !paths.iter().any(|(p, _)| sink.wants(p)) {
            continue;
        }
        let Some((text, _, _)) =
            read_text(repo, id, "pipeline", max_file_size, &mut scratch, &mut buf)
        else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        let at_head = head.0.contains(&id);
        let last = if at_head {
            head.1.map(|t| (t.seconds, format_time(t)))
        } else {
            removed.map(|r| (r, format_time(gix::date::Time::new(r, 0))))
        };
        let presence = Presence {
            at_head: Some(at_head),
            last,
        };
        for (path, ci) in &paths {
            if !sink.wants(path) {
                continue;
            }
            let content = Content {
                path,
                text: &text,
                provenance: &Provenance::Commit(commit_ref(*ci)),
                presence: &presence,
                added: None,
            };
            let _ = sink.consume(content);
        }
    }
}

/// Every blob of a tree (regular and executable files; links and submodules are not content).
pub(crate) fn tree_files(
    repo: &gix::Repository,
    tree: ObjectId,
) -> Result<Vec<(String, ObjectId)>, GitError> {
    if tree == ObjectId::empty_tree(repo.object_hash()) {
        return Ok(Vec::new());
    }
    let tree = repo.find_tree(tree).map_err(other)?;
    let files = tree.traverse().breadthfirst.files().map_err(other)?;
    Ok(files
        .into_iter()
        .filter(|e| e.mode.is_blob())
        .map(|e| (path_string(e.filepath.as_ref()), e.oid))
        .collect())
}

/// Whether a path is excluded by the config's path allowlist.
pub(crate) fn allowlisted(opts: &GitOptions, path: &str) -> bool {
    opts.path_allowlist
        .as_ref()
        .is_some_and(|g| g.is_match(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_are_those_of_the_new_side() {
        let added = added_lines(b"a\nb\nc\n", b"a\nX\nb\nc\nY\n");
        assert_eq!(added, vec![false, true, false, false, true]);
        assert_eq!(added_lines(b"", b"a\nb"), vec![true, true]);
        assert_eq!(added_lines(b"a\nb\n", b"a\n"), vec![false]);
    }
}
