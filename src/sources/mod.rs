//! Where bytes come from. Each source walks its inputs, reads each unique content once, runs
//! the engine on it and hands back matches keyed by content plus the paths that content was
//! seen at. Other consumers of the same bytes (the pipeline analyser) are [`Sink`]s the caller
//! supplies: a source hands each one the files it wants, with their [`Provenance`], during the
//! one walk. Sources never format output and know nothing of what a sink does.

pub mod content;
pub mod git;
pub mod worktree;

use serde::Serialize;

use crate::detect::Dropped;
use crate::findings::{GitRef, Presence};

/// Where a content came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A file of the working tree.
    Worktree,
    /// The index: what `git commit` would record.
    Staged,
    /// A blob as a commit of the history introduced it.
    Commit(GitRef),
    /// A blob as a commit of a diff range (`BASE..HEAD`) changed it.
    Diff(GitRef),
}

impl Provenance {
    /// The commit, for git provenances.
    pub fn git(&self) -> Option<&GitRef> {
        match self {
            Provenance::Commit(g) | Provenance::Diff(g) => Some(g),
            Provenance::Worktree | Provenance::Staged => None,
        }
    }
}

/// Which source a scan read: the report's `scan.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A directory tree.
    Worktree,
    /// Every commit of the history (`--git`).
    Git,
    /// A commit range (`--diff BASE..HEAD`).
    Diff,
    /// The index (`--staged`).
    Staged,
}

impl SourceKind {
    pub fn is_git(self) -> bool {
        self != SourceKind::Worktree
    }
}

/// One file handed to a sink.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    /// Relative, `/`-separated.
    pub path: &'a str,
    pub text: &'a str,
    pub provenance: &'a Provenance,
    /// Git provenances: whether HEAD still holds this content, and since when it is gone.
    pub presence: &'a Presence,
    /// Diff provenances: for each line of `text`, whether the change adds it. A sink reports
    /// what lies on added lines only.
    pub added: Option<&'a [bool]>,
}

/// A consumer of a source's files besides the detection engine.
pub trait Sink: Sync {
    /// Whether the file at `path` is for this sink (decided by path alone, before reading).
    fn wants(&self, path: &str) -> bool;
    /// One file. An error (located) is counted by the source and the scan goes on.
    fn consume(&self, content: Content<'_>) -> Result<(), ScanError>;
}

/// Counters a long scan advances as it goes, for whoever draws its progress (the scan only
/// writes them, never waits on them). Relaxed atomics: a reader sees a recent value, enough
/// for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    /// Commits to diff, once the walk knows them; then those diffed.
    pub commits_total: std::sync::atomic::AtomicU64,
    pub commits_done: std::sync::atomic::AtomicU64,
    /// Blobs to read, once the diffs are done; then those read and their bytes.
    pub blobs_total: std::sync::atomic::AtomicU64,
    pub blobs_done: std::sync::atomic::AtomicU64,
    pub bytes_done: std::sync::atomic::AtomicU64,
}

impl Progress {
    pub fn add(counter: &std::sync::atomic::AtomicU64, n: u64) {
        counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn set(counter: &std::sync::atomic::AtomicU64, n: u64) {
        counter.store(n, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn get(counter: &std::sync::atomic::AtomicU64) -> u64 {
        counter.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The sink that wants nothing, for scans without other consumers.
pub struct NoSink;

impl Sink for NoSink {
    fn wants(&self, _: &str) -> bool {
        false
    }
    fn consume(&self, _: Content<'_>) -> Result<(), ScanError> {
        Ok(())
    }
}

/// A file that could not be scanned, and why. Counted and reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScanError {
    pub path: String,
    pub message: String,
}

/// What a source read and what it passed over, for the summary line.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SourceStats {
    /// Files (or blobs) whose content was scanned.
    pub files: u64,
    pub bytes: u64,
    /// Files whose content was identical to one already scanned (scanned once).
    pub duplicates: u64,
    /// Files scanned as bytes although they are not valid UTF-8.
    pub non_utf8: u64,
    /// UTF-16 files transcoded before scanning.
    pub utf16: u64,
    pub skipped: Skipped,
    pub errors: u64,
    pub dropped: Dropped,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Skipped {
    pub binary: u64,
    pub too_large: u64,
    pub symlinks: u64,
    pub allowlisted_path: u64,
}

impl Skipped {
    pub fn total(&self) -> u64 {
        self.binary + self.too_large + self.symlinks + self.allowlisted_path
    }
}

impl SourceStats {
    pub fn add(&mut self, o: &SourceStats) {
        self.files += o.files;
        self.bytes += o.bytes;
        self.duplicates += o.duplicates;
        self.non_utf8 += o.non_utf8;
        self.utf16 += o.utf16;
        self.skipped.binary += o.skipped.binary;
        self.skipped.too_large += o.skipped.too_large;
        self.skipped.symlinks += o.skipped.symlinks;
        self.skipped.allowlisted_path += o.skipped.allowlisted_path;
        self.errors += o.errors;
        self.dropped.add(&o.dropped);
    }
}
