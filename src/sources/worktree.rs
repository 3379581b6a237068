//! The working tree: a parallel `ignore` walk that honours `.gitignore` and `.nhiscanignore`,
//! scans hidden files (`.env`, `.npmrc`) but never `.git/`, and reads each unique content once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

use super::content::{self, BlobId, Text};
use super::{Content, Provenance, ScanError, Sink, SourceStats};
use crate::detect::{Dropped, Engine, Match};

/// The per-project ignore file, same syntax as `.gitignore`.
pub const IGNORE_FILE: &str = ".nhiscanignore";

#[derive(Debug, Clone)]
pub struct WorktreeOptions {
    pub root: PathBuf,
    pub no_ignore: bool,
    pub follow_symlinks: bool,
    pub threads: usize,
    pub max_file_size: u64,
    /// Paths (relative, `/`-separated) matching these globs are not scanned.
    pub path_allowlist: Option<GlobSet>,
}

/// Everything a working-tree scan saw.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Every path whose content had matches, with that content's id.
    pub occurrences: Vec<(String, BlobId)>,
    pub matches: HashMap<BlobId, Vec<Match>>,
    pub stats: SourceStats,
    pub errors: Vec<ScanError>,
}

#[derive(Debug, thiserror::Error)]
pub enum WorktreeError {
    #[error("{0}: no such file or directory")]
    Missing(String),
}

/// Walk the tree once: every content through `engine` (when given), every file `sink` wants
/// to `sink`.
pub fn scan(
    engine: Option<&Engine>,
    sink: &dyn Sink,
    opts: &WorktreeOptions,
) -> Result<Scanned, WorktreeError> {
    if std::fs::symlink_metadata(&opts.root).is_err() {
        return Err(WorktreeError::Missing(opts.root.display().to_string()));
    }
    let mut wb = WalkBuilder::new(&opts.root);
    wb.hidden(false)
        .follow_links(opts.follow_symlinks)
        .threads(opts.threads)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git");
    if opts.no_ignore {
        wb.git_ignore(false)
            .git_global(false)
            .git_exclude(false)
            .ignore(false)
            .parents(false);
    } else {
        wb.add_custom_ignore_filename(IGNORE_FILE);
    }
    let ctx = Ctx {
        engine,
        sink,
        opts,
        seen: Mutex::new(HashSet::new()),
        dups: Mutex::new(Vec::new()),
        out: Mutex::new(Scanned::default()),
    };
    wb.build_parallel().visit(&mut Builder { ctx: &ctx });
    let mut out = ctx.out.into_inner().expect("no worker panicked");
    // Files whose content was scanned under another path share that content's matches.
    for (path, id) in ctx.dups.into_inner().expect("no worker panicked") {
        if out.matches.contains_key(&id) {
            out.occurrences.push((path, id));
        }
    }
    out.occurrences.sort();
    out.errors.sort();
    Ok(out)
}

/// Read one more file of the tree by relative path, as the walk would have: `None` for a path
/// the allowlist excludes (never read) or one too large to scan. For sinks that follow
/// references between files (pipeline includes).
pub fn read(opts: &WorktreeOptions, rel: &str) -> Option<std::io::Result<Vec<u8>>> {
    if opts
        .path_allowlist
        .as_ref()
        .is_some_and(|g| g.is_match(rel))
    {
        return None;
    }
    let path = opts.root.join(rel);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > opts.max_file_size) {
        return None;
    }
    Some(std::fs::read(path))
}

struct Ctx<'a> {
    engine: Option<&'a Engine>,
    sink: &'a dyn Sink,
    opts: &'a WorktreeOptions,
    seen: Mutex<HashSet<BlobId>>,
    dups: Mutex<Vec<(String, BlobId)>>,
    out: Mutex<Scanned>,
}

struct Builder<'a, 'b> {
    ctx: &'b Ctx<'a>,
}

impl<'s, 'a: 's, 'b: 's> ParallelVisitorBuilder<'s> for Builder<'a, 'b> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Worker {
            ctx: self.ctx,
            local: Scanned::default(),
            buf: Vec::new(),
        })
    }
}

struct Worker<'a, 'b> {
    ctx: &'b Ctx<'a>,
    local: Scanned,
    /// One read buffer per worker, reused for every file: allocating and freeing a buffer per
    /// file makes the allocator keep large freed blocks around and memory creep up.
    buf: Vec<u8>,
}

impl Drop for Worker<'_, '_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        if let Ok(mut out) = self.ctx.out.lock() {
            out.occurrences.extend(local.occurrences);
            out.matches.extend(local.matches);
            out.stats.add(&local.stats);
            out.errors.extend(local.errors);
        }
    }
}

impl ParallelVisitor for Worker<'_, '_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(e) => self.file(e),
            Err(err) => {
                let path = error_path(&err).unwrap_or_default();
                self.error(path, walk_message(&err));
            }
        }
        WalkState::Continue
    }
}

impl Worker<'_, '_> {
    fn error(&mut self, path: String, message: String) {
        self.local.stats.errors += 1;
        self.local.errors.push(ScanError { path, message });
    }

    fn file(&mut self, e: DirEntry) {
        let Some(ft) = e.file_type() else { return };
        if ft.is_dir() {
            return;
        }
        let rel = relative(&self.ctx.opts.root, e.path());
        if ft.is_symlink() {
            // Not followed (like git, which stores the link, not its target).
            self.local.stats.skipped.symlinks += 1;
            return;
        }
        if !ft.is_file() {
            return;
        }
        if let Some(allow) = &self.ctx.opts.path_allowlist {
            if allow.is_match(&rel) {
                self.local.stats.skipped.allowlisted_path += 1;
                return;
            }
        }
        match e.metadata() {
            Ok(m) if m.len() > self.ctx.opts.max_file_size => {
                self.local.stats.skipped.too_large += 1;
                return;
            }
            Ok(_) => {}
            Err(err) => {
                self.error(rel, walk_message(&err));
                return;
            }
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let read = std::fs::File::open(e.path()).and_then(|mut f| {
            use std::io::Read;
            f.read_to_end(&mut buf)
        });
        if let Err(err) = read {
            self.error(rel, format!("cannot read: {err}"));
            self.buf = buf;
            return;
        }
        self.scan_content(rel, &buf);
        self.buf = buf;
    }

    fn scan_content(&mut self, rel: String, data: &[u8]) {
        // A file may have grown since it was measured.
        if data.len() as u64 > self.ctx.opts.max_file_size {
            self.local.stats.skipped.too_large += 1;
            return;
        }
        // A sink decides by path, so it also gets a content that was seen elsewhere.
        if self.ctx.sink.wants(&rel) {
            let text = String::from_utf8_lossy(data);
            let c = Content {
                path: &rel,
                text: &text,
                provenance: &Provenance::Worktree,
                presence: &Default::default(),
                added: None,
            };
            if let Err(e) = self.ctx.sink.consume(c) {
                self.error(e.path, e.message);
            }
        }
        let Some(engine) = self.ctx.engine else {
            return;
        };
        let id = content::blob_id(data);
        if !self.ctx.seen.lock().expect("seen set").insert(id) {
            self.local.stats.duplicates += 1;
            self.ctx.dups.lock().expect("dups").push((rel, id));
            return;
        }
        let (text, utf8, utf16) = match content::as_text(data) {
            Text::Binary => {
                self.local.stats.skipped.binary += 1;
                return;
            }
            Text::Bytes { data, utf8, utf16 } => (data, utf8, utf16),
        };
        let stats = &mut self.local.stats;
        stats.files += 1;
        stats.bytes += data.len() as u64;
        stats.non_utf8 += u64::from(!utf8);
        stats.utf16 += u64::from(utf16);
        let mut dropped = Dropped::default();
        let matches = engine.scan(&text, &mut dropped);
        self.local.stats.dropped.add(&dropped);
        if !matches.is_empty() {
            self.local.occurrences.push((rel, id));
            self.local.matches.insert(id, matches);
        }
    }
}

/// `path` relative to the scan root, `/`-separated; the file name when the root is the file.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() {
        path.file_name().map(Path::new).unwrap_or(path)
    } else {
        rel
    };
    let s = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    }
}

fn error_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithLineNumber { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.display().to_string()),
        _ => None,
    }
}

fn walk_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } => walk_message(err),
        ignore::Error::WithDepth { err, .. } => walk_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symlink loop (back to {})", ancestor.display())
        }
        other => other.to_string(),
    }
}
