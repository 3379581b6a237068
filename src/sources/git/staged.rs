//! The index against HEAD (or an empty tree before the first commit): the lines a pre-commit
//! hook must check. No history walk: HEAD's tree and the index are read once, and only
//! entries whose blob changed are read and diffed.

use std::collections::{HashMap, HashSet};

use gix::index::entry::{Flags, Mode, Stage};
use gix::ObjectId;

use super::{
    allowlisted, other, path_string, scan_added, GitError, GitOptions, GitScanned, Hit, Tally,
};
use crate::detect::Engine;
use crate::findings::Presence;
use crate::sources::Provenance;
use crate::sources::Sink;

pub fn scan(
    repo: &gix::Repository,
    engine: &Engine,
    sink: &dyn Sink,
    opts: &GitOptions,
) -> Result<GitScanned, GitError> {
    let head_tree = repo.head_tree_id_or_empty().map_err(other)?.detach();
    let head: HashMap<String, ObjectId> = super::tree_files(repo, head_tree)?.into_iter().collect();
    let head_blobs: HashSet<ObjectId> = head.values().copied().collect();
    let index = repo.index_or_empty().map_err(other)?;
    let mut tally = Tally::default();
    let mut out = GitScanned::default();
    for entry in index.entries() {
        if entry.stage() != Stage::Unconflicted
            || entry.flags.contains(Flags::INTENT_TO_ADD)
            || !(entry.mode == Mode::FILE || entry.mode == Mode::FILE_EXECUTABLE)
        {
            continue;
        }
        let path = path_string(entry.path(&index));
        let old = head.get(&path).copied();
        // Unchanged, or an exact rename or copy of content HEAD already holds.
        if old == Some(entry.id) || (old.is_none() && head_blobs.contains(&entry.id)) {
            continue;
        }
        if allowlisted(opts, &path) {
            tally.stats.skipped.allowlisted_path += 1;
            continue;
        }
        let matches = scan_added(
            repo,
            engine,
            old,
            entry.id,
            &path,
            opts.max_file_size,
            &mut tally,
        );
        let to_sink = super::ToSink {
            sink,
            provenance: &Provenance::Staged,
            presence: &Presence::default(),
        };
        super::pipeline_added(
            repo,
            old,
            entry.id,
            &path,
            opts.max_file_size,
            &mut tally,
            to_sink,
        );
        if !matches.is_empty() {
            out.hits.push(Hit {
                blob: None,
                path,
                git: None,
                presence: Presence::default(),
                matches,
            });
        }
    }
    out.stats = tally.stats;
    out.errors = tally.errors;
    Ok(out)
}
