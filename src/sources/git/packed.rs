//! The blobs of a history scan read straight from their packs: every object inflated once,
//! each delta applied to its base while the base is still in memory (bases before deltas, a
//! walk of each pack's delta tree), and the keyword automaton run only over what a delta
//! inserts. The occurrences of keywords in the bytes a delta copies from its base are the
//! base's occurrences there, moved: on git/git the 262,000 blob versions hold 8.1 GB of text
//! but their pack entries only 0.7 GB, so most of what the engine's slowest pass would read
//! is known without reading it. The rest of the engine (windows, regexes, filters) then runs
//! on the whole content with the whole list, as [`Engine::scan_hits`] promises, so a blob's
//! matches are the same as scanning it from the object store would give.
//!
//! Anything this pass cannot read (loose objects, alternates, a delta whose base is in another
//! pack, a corrupt entry) is left to the object store (`history::scan` reads it as before).

use std::path::{Path, PathBuf};

use gix::odb::pack;
use gix::ObjectId;

use super::Tally;
use crate::detect::{Dropped, Engine, KeywordHit, Match};
use crate::sources::content::{self, Text};
use crate::sources::Progress;

/// Delta trees a thread takes at a time.
const ROOT_RUN: usize = 4;
/// No node of a delta tree: a full object, or not reached.
const NONE: u32 = u32::MAX;

/// What the pass read.
pub(crate) struct Outcome {
    /// For each item of `todo`: whether this pass read (or skipped, as binary or too large) it.
    pub done: Vec<bool>,
    /// `(index into todo, matches)` of the blobs with matches, in `todo` order.
    pub found: Vec<(usize, Vec<Match>)>,
}

/// The blobs of `todo` that the packs of `repo`'s object directory hold, read and scanned.
pub(crate) fn scan(
    repo: &gix::Repository,
    engine: &Engine,
    todo: &[(ObjectId, &str)],
    threads: usize,
    max_file_size: u64,
    progress: Option<&Progress>,
    tally: &mut Tally,
) -> Outcome {
    let mut out = Outcome {
        done: vec![false; todo.len()],
        found: Vec::new(),
    };
    let hash = repo.object_hash();
    for idx in pack_indexes(repo.objects.store_ref().path()) {
        let (Ok(index), Ok(data)) = (
            pack::index::File::at(&idx, hash),
            PackFile::open(&idx.with_extension("pack"), hash),
        ) else {
            continue;
        };
        let graph = Graph::of(&index, &data, todo, &out.done);
        drop(index);
        if graph.roots.is_empty() {
            continue;
        }
        let ctx = Ctx {
            graph: &graph,
            engine,
            max_file_size,
            progress,
        };
        let (found, states) = super::history::in_runs(
            &graph.roots,
            threads,
            ROOT_RUN,
            || Walker::new(&data),
            |w, _, &root| {
                let mut found = Vec::new();
                w.tree(&ctx, root, &mut found);
                (!found.is_empty()).then_some(found)
            },
        );
        for w in states {
            for ti in &w.done {
                out.done[*ti] = true;
            }
            tally.merge(w.tally);
        }
        out.found.extend(found.into_iter().flat_map(|(_, f)| f));
    }
    out.found.sort_by_key(|f| f.0);
    out
}

/// The pack indexes of an object directory, in name order.
fn pack_indexes(objects: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(objects.join("pack")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "idx") && p.with_extension("pack").is_file())
        .collect();
    out.sort();
    out
}

/// A pack's data file, read with positioned reads rather than mapped: a history reads its
/// entries all over the pack, and every page a mapping faults in (with the pages the kernel
/// maps around it) would stay counted in the process's resident memory until it is unmapped.
struct PackFile {
    file: std::fs::File,
    /// Where the entries end (the checksum trailer starts).
    end: u64,
    hash: gix::hash::Kind,
}

impl PackFile {
    fn open(path: &Path, hash: gix::hash::Kind) -> std::io::Result<PackFile> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        let end = len
            .checked_sub(hash.len_in_bytes() as u64)
            .ok_or(std::io::ErrorKind::InvalidData)?;
        Ok(PackFile { file, end, hash })
    }

    /// Read the bytes of the entry at `offset`, which ends at `next` (or the pack's end),
    /// into `buf`; with at most `limit` bytes read.
    fn read(&self, offset: u64, next: Option<u64>, limit: usize, buf: &mut Vec<u8>) -> Option<()> {
        let end = next.unwrap_or(self.end).min(self.end);
        let len = usize::try_from(end.checked_sub(offset)?).ok()?.min(limit);
        buf.clear();
        buf.try_reserve_exact(len).ok()?;
        buf.resize(len, 0);
        read_exact_at(&self.file, buf, offset).ok()
    }

    /// The header of the entry at `offset`.
    fn header(
        &self,
        offset: u64,
        next: Option<u64>,
        buf: &mut Vec<u8>,
    ) -> Option<pack::data::Entry> {
        // A header is a few bytes of type and size, then a base's offset or id.
        self.read(offset, next, 64, buf)?;
        pack::data::Entry::from_bytes(buf, offset, self.hash).ok()
    }
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// The part of one pack's delta forest that leads to wanted blobs.
struct Graph {
    /// Every entry's offset, ascending (a node is an index into this).
    offsets: Vec<u64>,
    /// Per node: the index into `todo` of the blob it is, or [`NONE`].
    wanted: Vec<u32>,
    /// Children of each node (`start[n]..start[n + 1]` into `kids`).
    start: Vec<u32>,
    kids: Vec<u32>,
    /// Full blob objects with a wanted blob in their tree, the heaviest tree first.
    roots: Vec<u32>,
}

impl Graph {
    fn of(
        index: &pack::index::File,
        data: &PackFile,
        todo: &[(ObjectId, &str)],
        done: &[bool],
    ) -> Graph {
        let n = index.num_objects() as usize;
        let mut offsets: Vec<u64> = (0..n as u32)
            .map(|i| index.pack_offset_at_index(i))
            .collect();
        offsets.sort_unstable();
        let node_at = |off: u64| offsets.binary_search(&off).ok().map(|i| i as u32);
        let mut wanted = vec![NONE; n];
        let mut needed = Vec::new();
        for (ti, (id, _)) in todo.iter().enumerate() {
            if done[ti] {
                continue;
            }
            let Some(e) = index.lookup(id) else { continue };
            if let Some(node) = node_at(index.pack_offset_at_index(e)) {
                if wanted[node as usize] == NONE {
                    wanted[node as usize] = ti as u32;
                    needed.push(node);
                }
            }
        }
        // Follow each wanted blob's chain of bases up to a full blob: the nodes met are the
        // ones to decode. A chain that ends anywhere else (a base outside the pack, a tree, a
        // corrupt entry, a cycle) is left to the object store.
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const USABLE: u8 = 2;
        const UNUSABLE: u8 = 3;
        let mut state = vec![UNSEEN; n];
        let mut base = vec![NONE; n];
        let mut path = Vec::new();
        let mut buf = Vec::new();
        for &node in &needed {
            path.clear();
            let mut cur = node;
            let verdict = loop {
                match state[cur as usize] {
                    UNSEEN => {}
                    ON_PATH => break UNUSABLE,
                    s => break s,
                }
                state[cur as usize] = ON_PATH;
                path.push(cur);
                let next = offsets.get(cur as usize + 1).copied();
                let Some(entry) = data.header(offsets[cur as usize], next, &mut buf) else {
                    break UNUSABLE;
                };
                let up = match entry.header {
                    pack::data::entry::Header::Blob => break USABLE,
                    pack::data::entry::Header::OfsDelta { base_distance } => entry
                        .checked_base_pack_offset(base_distance)
                        .and_then(&node_at),
                    pack::data::entry::Header::RefDelta { base_id } => index
                        .lookup(base_id)
                        .and_then(|e| node_at(index.pack_offset_at_index(e))),
                    _ => None,
                };
                match up {
                    Some(b) => {
                        base[cur as usize] = b;
                        cur = b;
                    }
                    None => break UNUSABLE,
                }
            };
            for &p in &path {
                state[p as usize] = verdict;
            }
        }
        let usable = |i: usize| state[i] == USABLE;
        let mut start = vec![0u32; n + 1];
        for i in (0..n).filter(|&i| usable(i) && base[i] != NONE) {
            start[base[i] as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut kids = vec![0u32; start[n] as usize];
        for i in (0..n).filter(|&i| usable(i) && base[i] != NONE) {
            let p = base[i] as usize;
            kids[fill[p] as usize] = i as u32;
            fill[p] += 1;
        }
        let mut roots: Vec<u32> = (0..n)
            .filter(|&i| usable(i) && base[i] == NONE)
            .map(|i| i as u32)
            .collect();
        let mut graph = Graph {
            offsets,
            wanted,
            start,
            kids,
            roots: Vec::new(),
        };
        // Heaviest first, so that two threads finish together.
        let weights: Vec<(u32, u32)> = roots.iter().map(|&r| (graph.weight(r), r)).collect();
        let mut weights = weights;
        weights.sort_unstable_by(|a, b| b.cmp(a));
        roots = weights.into_iter().map(|(_, r)| r).collect();
        graph.roots = roots;
        graph
    }

    /// Where the entry after `node` starts, if another does.
    fn next(&self, node: u32) -> Option<u64> {
        self.offsets.get(node as usize + 1).copied()
    }

    fn children(&self, node: u32) -> &[u32] {
        let n = node as usize;
        &self.kids[self.start[n] as usize..self.start[n + 1] as usize]
    }

    /// Nodes in the tree under `root`.
    fn weight(&self, root: u32) -> u32 {
        let mut count = 0;
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            count += 1;
            stack.extend_from_slice(self.children(n));
        }
        count
    }
}

/// What every thread shares.
struct Ctx<'a> {
    graph: &'a Graph,
    engine: &'a Engine,
    max_file_size: u64,
    progress: Option<&'a Progress>,
}

/// One thread's reader and scratch.
struct Walker<'p> {
    pack: &'p PackFile,
    inflate: gix::zlib::Inflate,
    raw: Vec<u8>,
    delta: Vec<u8>,
    scratch: Vec<KeywordHit>,
    done: Vec<usize>,
    tally: Tally,
}

/// A node of the walk that still has children to decode.
struct Level {
    node: u32,
    content: Vec<u8>,
    /// Every keyword occurrence in `content`, by offset; `None` when the content was not
    /// searched as it is (binary, UTF-16, too large).
    hits: Option<Vec<KeywordHit>>,
    next: usize,
}

impl<'p> Walker<'p> {
    fn new(pack: &'p PackFile) -> Walker<'p> {
        Walker {
            pack,
            inflate: gix::zlib::Inflate::default(),
            raw: Vec::new(),
            delta: Vec::new(),
            scratch: Vec::new(),
            done: Vec::new(),
            tally: Tally::default(),
        }
    }

    /// Inflate entry `node` (a full object or a delta's instructions) into `out`.
    fn inflate(&mut self, g: &Graph, node: u32, out: &mut Vec<u8>) -> Option<()> {
        let offset = g.offsets[node as usize];
        self.pack
            .read(offset, g.next(node), usize::MAX, &mut self.raw)?;
        let entry = pack::data::Entry::from_bytes(&self.raw, offset, self.pack.hash).ok()?;
        let size = usize::try_from(entry.decompressed_size).ok()?;
        let input = self.raw.get(entry.header_size()..)?;
        out.clear();
        out.try_reserve_exact(size).ok()?;
        out.resize(size, 0);
        self.inflate.reset();
        let (_, _, produced) = self.inflate.once(input, out).ok()?;
        (produced == size).then_some(())
    }

    /// Decode and scan the delta tree under full object `root`, bases before their deltas;
    /// a content stays in memory only while deltas of it remain to be decoded.
    fn tree(&mut self, ctx: &Ctx, root: u32, found: &mut Vec<(usize, Vec<Match>)>) {
        let g = ctx.graph;
        let mut content = Vec::new();
        if self.inflate(g, root, &mut content).is_none() {
            return;
        }
        let hits = self.visit(ctx, root, &content, None, found);
        let mut stack = vec![Level {
            node: root,
            content,
            hits,
            next: 0,
        }];
        let mut copies = Vec::new();
        let mut delta = std::mem::take(&mut self.delta);
        while let Some(top) = stack.last_mut() {
            let kids = g.children(top.node);
            let Some(&child) = kids.get(top.next) else {
                stack.pop();
                continue;
            };
            top.next += 1;
            let last = top.next == kids.len();
            let mut content = Vec::new();
            let decoded = self.inflate(g, child, &mut delta).is_some()
                && apply(&top.content, &delta, &mut content, &mut copies).is_ok();
            if !decoded {
                // Left, with everything below it, to the object store.
                continue;
            }
            let base = top.hits.as_deref().map(|h| (h, copies.as_slice()));
            let hits = self.visit(ctx, child, &content, base, found);
            if last {
                stack.pop();
            }
            if !g.children(child).is_empty() {
                stack.push(Level {
                    node: child,
                    content,
                    hits,
                    next: 0,
                });
            }
        }
        self.delta = delta;
    }

    /// Scan `content` (node `node`) if it is wanted, and return its keyword occurrences when
    /// deltas of it follow. `base`: the base's occurrences and the delta's copies from it.
    fn visit(
        &mut self,
        ctx: &Ctx,
        node: u32,
        content: &[u8],
        base: Option<(&[KeywordHit], &[Copy])>,
        found: &mut Vec<(usize, Vec<Match>)>,
    ) -> Option<Vec<KeywordHit>> {
        let g = ctx.graph;
        let wanted = g.wanted[node as usize];
        let has_kids = !g.children(node).is_empty();
        let too_large = content.len() as u64 > ctx.max_file_size;
        let text = (!too_large).then(|| content::as_text(content));
        let plain = matches!(&text, Some(Text::Bytes { utf16: false, .. }));
        let hits = if plain && (has_kids || wanted != NONE) {
            let mut hits = Vec::new();
            match base {
                Some((base_hits, copies)) => derive(
                    ctx.engine,
                    content,
                    copies,
                    base_hits,
                    &mut self.scratch,
                    &mut hits,
                ),
                None => ctx
                    .engine
                    .keyword_hits(content, 0..content.len(), &mut hits),
            }
            // Debug builds (the tests) check the derivation against a search of it all.
            #[cfg(debug_assertions)]
            if base.is_some() {
                let mut all = Vec::new();
                ctx.engine.keyword_hits(content, 0..content.len(), &mut all);
                all.sort_unstable();
                assert!(
                    all == hits,
                    "keyword occurrences derived from a delta's base differ"
                );
            }
            Some(hits)
        } else {
            None
        };
        if wanted != NONE {
            let ti = wanted as usize;
            self.done.push(ti);
            let before = self.tally.stats.bytes;
            let matches = match text {
                None => {
                    self.tally.stats.skipped.too_large += 1;
                    Vec::new()
                }
                Some(Text::Binary) => {
                    self.tally.stats.skipped.binary += 1;
                    Vec::new()
                }
                Some(Text::Bytes { data, utf8, utf16 }) => match &hits {
                    Some(hits) => {
                        super::count_text(&mut self.tally, data.len(), utf8, utf16);
                        let mut dropped = Dropped::default();
                        let m = ctx.engine.scan_hits(content, hits, &mut dropped);
                        self.tally.stats.dropped.add(&dropped);
                        m
                    }
                    None => super::scan_text(ctx.engine, &data, utf8, utf16, &mut self.tally),
                },
            };
            if let Some(p) = ctx.progress {
                Progress::add(&p.blobs_done, 1);
                Progress::add(&p.bytes_done, self.tally.stats.bytes - before);
            }
            if !matches.is_empty() {
                found.push((ti, matches));
            }
        }
        hits.filter(|_| has_kids)
    }
}

/// A run of a delta's result copied from one stretch of its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Copy {
    /// Offset in the result.
    to: usize,
    /// Offset in the base.
    from: usize,
    len: usize,
}

/// Apply git's delta `delta` to `base` into `out`, and record in `copies` the runs of `out`
/// copied from `base` (neighbouring copies of neighbouring base bytes as one run). The format,
/// as `Documentation/gitformat-pack.txt` ("Deltified representation") gives it: the base's
/// and the result's sizes as little-endian base-128 numbers, then instructions: a byte with its
/// high bit set copies (its low 4 bits say which offset bytes follow, the next 3 which size
/// bytes follow; size 0 means 0x10000), a byte 1-127 inserts that many following bytes, 0 is
/// reserved. gix-pack applies deltas the same way but keeps that code to itself, and the
/// copies are what this pass needs from it.
fn apply(
    base: &[u8],
    delta: &[u8],
    out: &mut Vec<u8>,
    copies: &mut Vec<Copy>,
) -> Result<(), &'static str> {
    const BAD: &str = "malformed delta";
    fn size(d: &[u8], i: &mut usize) -> Result<usize, &'static str> {
        let mut v: u64 = 0;
        let mut shift = 0;
        loop {
            let b = *d.get(*i).ok_or(BAD)?;
            *i += 1;
            if shift > 56 {
                return Err(BAD);
            }
            v |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return usize::try_from(v).map_err(|_| BAD);
            }
        }
    }
    let mut i = 0;
    let base_size = size(delta, &mut i)?;
    let result_size = size(delta, &mut i)?;
    if base_size != base.len() {
        return Err(BAD);
    }
    out.clear();
    out.try_reserve_exact(result_size).map_err(|_| BAD)?;
    copies.clear();
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut field = |bits: u8, first: u8| -> Result<usize, &'static str> {
                let mut v = 0usize;
                for k in 0..bits {
                    if op & (first << k) != 0 {
                        v |= usize::from(*delta.get(i).ok_or(BAD)?) << (8 * k);
                        i += 1;
                    }
                }
                Ok(v)
            };
            let from = field(4, 0x01)?;
            let mut len = field(3, 0x10)?;
            if len == 0 {
                len = 0x10000;
            }
            let src = from
                .checked_add(len)
                .and_then(|end| base.get(from..end))
                .ok_or(BAD)?;
            let to = out.len();
            match copies.last_mut() {
                Some(c) if c.to + c.len == to && c.from + c.len == from => c.len += len,
                _ => copies.push(Copy { to, from, len }),
            }
            out.extend_from_slice(src);
        } else if op != 0 {
            let n = usize::from(op);
            out.extend_from_slice(delta.get(i..i + n).ok_or(BAD)?);
            i += n;
        } else {
            return Err(BAD);
        }
        if out.len() > result_size {
            return Err(BAD);
        }
    }
    if out.len() != result_size {
        return Err(BAD);
    }
    Ok(())
}

/// Every keyword occurrence in `data`, a delta's result, from its base's occurrences
/// (`base`, by offset) and its copies: an occurrence wholly inside one copied run is the
/// base's, moved; any other touches an inserted byte or the seam between two runs, so lies
/// within a keyword's length of one, and only those stretches are searched. Appends to `out`
/// sorted by offset.
fn derive(
    engine: &Engine,
    data: &[u8],
    copies: &[Copy],
    base: &[KeywordHit],
    scratch: &mut Vec<KeywordHit>,
    out: &mut Vec<KeywordHit>,
) {
    let k = engine.max_keyword_len();
    for c in copies {
        let lo = base.partition_point(|h| h.start < c.from);
        for h in &base[lo..] {
            if h.start >= c.from + c.len {
                break;
            }
            if h.start + engine.keyword_len(h.pattern) <= c.from + c.len {
                out.push(KeywordHit {
                    start: h.start - c.from + c.to,
                    pattern: h.pattern,
                });
            }
        }
    }
    let inside_a_copy = |s: usize, e: usize| {
        let i = copies.partition_point(|c| c.to <= s);
        i > 0 && e <= copies[i - 1].to + copies[i - 1].len
    };
    // Stretches to search: each inserted run and each seam, widened by a keyword's length.
    let mut zones: Vec<(usize, usize)> = Vec::new();
    let mut add = |s: usize, e: usize| {
        let (s, e) = (s.saturating_sub(k), (e + k).min(data.len()));
        match zones.last_mut() {
            Some(z) if s <= z.1 => z.1 = z.1.max(e),
            _ => zones.push((s, e)),
        }
    };
    let mut pos = 0;
    for c in copies {
        if c.to > pos || pos > 0 {
            add(pos, c.to);
        }
        pos = c.to + c.len;
    }
    if pos < data.len() || copies.is_empty() {
        add(pos, data.len());
    }
    for &(s, e) in &zones {
        scratch.clear();
        engine.keyword_hits(data, s..e, scratch);
        out.extend(
            scratch
                .iter()
                .filter(|h| !inside_a_copy(h.start, h.start + engine.keyword_len(h.pattern))),
        );
    }
    out.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A delta as git writes one: sizes, then instructions.
    fn delta(base_len: usize, result_len: usize, ops: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        for mut v in [base_len, result_len] {
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    d.push(b);
                    break;
                }
                d.push(b | 0x80);
            }
        }
        d.extend_from_slice(ops);
        d
    }

    #[test]
    fn apply_copies_and_inserts_and_records_the_copies() {
        let base = b"hello world, hello git";
        // copy 6..11 ("world"), insert "!!", copy 0..5 ("hello"), copy 5..6 (" ").
        let ops = [0x91, 6, 5, 2, b'!', b'!', 0x90, 5, 0x91, 5, 1];
        let d = delta(base.len(), 13, &ops);
        let (mut out, mut copies) = (Vec::new(), Vec::new());
        apply(base, &d, &mut out, &mut copies).unwrap();
        assert_eq!(out, b"world!!hello ");
        // "hello" then " " are neighbours in the base too: one run.
        assert_eq!(
            copies,
            vec![
                Copy {
                    to: 0,
                    from: 6,
                    len: 5
                },
                Copy {
                    to: 7,
                    from: 0,
                    len: 6
                }
            ]
        );
    }

    #[test]
    fn apply_rejects_malformed_deltas() {
        let base = b"abc";
        let (mut out, mut copies) = (Vec::new(), Vec::new());
        // Wrong base size, copy past the base, reserved opcode, short result, truncated insert.
        for d in [
            delta(4, 3, &[0x90, 3]),
            delta(3, 4, &[0x91, 1, 3]),
            delta(3, 1, &[0]),
            delta(3, 5, &[0x90, 3]),
            delta(3, 5, &[5, b'x']),
        ] {
            assert!(apply(base, &d, &mut out, &mut copies).is_err(), "{d:?}");
        }
        // Size 0 means 0x10000.
        let big = vec![b'z'; 0x10000];
        let d = delta(big.len(), big.len(), &[0x80]);
        apply(&big, &d, &mut out, &mut copies).unwrap();
        assert_eq!(out, big);
    }
}
