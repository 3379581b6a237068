//! Where bytes come from. Each source walks its inputs, reads each unique content once, runs
//! the engine on it and hands back matches keyed by content plus the paths that content was
//! seen at. Sources never format output.

pub mod content;
pub mod git;
pub mod worktree;

use serde::Serialize;

use crate::detect::Dropped;

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
