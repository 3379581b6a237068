//! Tracking across runs: one repository's scan outcome folded into the datastore. A secret's
//! `first_seen` is the earliest commit date that introduced it (never moved by a later run);
//! while HEAD holds one of its blobs it is `open` and `last_seen` is HEAD's date; once no blob
//! of it is at HEAD it becomes `resolved`, `resolved_at` (and `last_seen`) the date of the
//! newest commit that removed it, and it stays listed: it is still in history.

use std::collections::HashMap;

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Transaction};

use crate::findings::Finding;

/// What one scan of one repository learnt.
#[derive(Debug, Default)]
pub struct RepoOutcome {
    /// Every ref and its commit, sorted.
    pub refs: Vec<(String, String)>,
    /// HEAD's commit and committer date.
    pub head: Option<(String, String)>,
    /// Blobs read this run (hex).
    pub scanned_blobs: Vec<String>,
    /// Bytes of the blobs read this run.
    pub bytes: u64,
    /// Findings of the blobs read this run, each from one blob.
    pub found: Vec<(String, Finding)>,
    /// Where each blob of a finding (old or new) stands: at HEAD, removal time.
    pub blob_state: HashMap<String, (bool, Option<i64>)>,
    /// When the repository was fetched (RFC 3339).
    pub fetched: String,
    /// The CODEOWNERS file at HEAD (`.github/`, the root, then `docs/`, as GitHub looks).
    pub codeowners: Option<String>,
    /// The detection digest this outcome was scanned with (see `org::detection_digest`).
    pub detection: String,
    /// Every blob was read again: the detection digest differed from the last run's.
    pub rescanned: bool,
}

/// Fold `o` into the store for repository `repo` (one transaction, committed by the caller).
/// Returns how many findings were dropped: after a full rescan with changed detection, those
/// that every blob they were seen in was read again and that the scan no longer reports (a
/// rule removed or narrowed, a new allowlist entry), as a fresh datastore would not hold them.
pub fn apply(tx: &Transaction<'_>, repo: i64, o: &RepoOutcome) -> Result<u64> {
    tx.execute("DELETE FROM refs WHERE repo_id = ?1", [repo])?;
    for (name, commit) in &o.refs {
        tx.execute(
            "INSERT INTO refs (repo_id, name, commit_id) VALUES (?1, ?2, ?3)",
            params![repo, name, commit],
        )?;
    }
    {
        let mut ins =
            tx.prepare_cached("INSERT OR IGNORE INTO blobs (repo_id, blob) VALUES (?1, ?2)")?;
        for b in &o.scanned_blobs {
            ins.execute(params![repo, b])?;
        }
    }
    for (blob, f) in &o.found {
        upsert(tx, repo, blob, f)?;
    }
    let dropped = if o.rescanned {
        drop_unreported(tx, repo, o)?
    } else {
        0
    };
    update_presence(tx, repo, o)?;
    tx.execute(
        "UPDATE repos SET last_fetch = ?2, head_commit = ?3, blobs_scanned = ?4, error = NULL,
         codeowners = ?5, detection = ?6 WHERE id = ?1",
        params![
            repo,
            o.fetched,
            o.head.as_ref().map(|h| h.0.as_str()),
            o.scanned_blobs.len() as i64,
            o.codeowners,
            o.detection
        ],
    )?;
    Ok(dropped)
}

/// Delete the findings of `repo` that this full rescan read every blob of and did not report.
/// A finding with a blob this run could not read is kept: nothing says it went.
fn drop_unreported(tx: &Transaction<'_>, repo: i64, o: &RepoOutcome) -> Result<u64> {
    use std::collections::{BTreeMap, HashSet};
    let scanned: HashSet<&str> = o.scanned_blobs.iter().map(String::as_str).collect();
    let reported: HashSet<(&str, &str)> = o
        .found
        .iter()
        .map(|(_, f)| (f.rule_id.as_str(), f.fingerprint.as_str()))
        .collect();
    let mut blobs_of: BTreeMap<i64, (String, String, Vec<String>)> = BTreeMap::new();
    {
        let mut st = tx.prepare(
            "SELECT f.id, f.rule_id, f.fingerprint, l.blob
             FROM findings f JOIN locations l ON l.finding_id = f.id WHERE f.repo_id = ?1",
        )?;
        let rows = st.query_map([repo], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, rule, fp, blob) = row?;
            blobs_of
                .entry(id)
                .or_insert_with(|| (rule, fp, Vec::new()))
                .2
                .push(blob);
        }
    }
    let mut dropped = 0;
    for (id, (rule, fp, blobs)) in blobs_of {
        if !reported.contains(&(rule.as_str(), fp.as_str()))
            && blobs.iter().all(|b| scanned.contains(b.as_str()))
        {
            tx.execute("DELETE FROM findings WHERE id = ?1", [id])?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

fn upsert(tx: &Transaction<'_>, repo: i64, blob: &str, f: &Finding) -> Result<()> {
    let first = f
        .locations
        .iter()
        .filter_map(|l| l.git.as_ref())
        .min_by_key(|g| g.time);
    let existing: Option<(i64, Option<i64>)> = tx
        .query_row(
            "SELECT id, first_seen_time FROM findings
             WHERE repo_id = ?1 AND rule_id = ?2 AND fingerprint = ?3",
            params![repo, f.rule_id, f.fingerprint],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let id = match existing {
        Some((id, old)) => {
            // Seen outside test paths too: no longer only a fixture, so the rule's confidence.
            if f.confidence_reason.is_none() {
                tx.execute(
                    "UPDATE findings SET confidence = ?2, confidence_reason = NULL
                     WHERE id = ?1 AND confidence_reason IS NOT NULL",
                    params![id, enum_str(&f.confidence)],
                )?;
            }
            if let Some(g) = first.filter(|g| old.is_none_or(|o| g.time < o)) {
                tx.execute(
                    "UPDATE findings SET first_seen = ?2, first_seen_time = ?3 WHERE id = ?1",
                    params![id, g.date, g.time],
                )?;
            }
            id
        }
        None => {
            tx.execute(
                "INSERT INTO findings (repo_id, rule_id, fingerprint, rule_name, provider, kind,
                 severity, confidence, redacted, key_id, attributes, first_seen, first_seen_time,
                 last_seen, present_at_head, status, confidence_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0, 'open', ?15)",
                params![
                    repo,
                    f.rule_id,
                    f.fingerprint,
                    f.rule_name,
                    f.provider,
                    enum_str(&f.kind),
                    enum_str(&f.severity),
                    enum_str(&f.confidence),
                    f.redacted,
                    f.key_id,
                    serde_json::to_string(&f.attributes)?,
                    first.map(|g| g.date.as_str()),
                    first.map(|g| g.time),
                    f.last_seen,
                    f.confidence_reason,
                ],
            )?;
            tx.last_insert_rowid()
        }
    };
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO locations (finding_id, blob, path, line, col, end_line, end_col,
         commit_id, author, date, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for l in &f.locations {
        let g = l.git.as_ref();
        ins.execute(params![
            id,
            blob,
            l.path,
            l.line as i64,
            l.column as i64,
            l.end_line as i64,
            l.end_column as i64,
            g.map(|g| g.commit.as_str()),
            g.map(|g| g.author.as_str()),
            g.map(|g| g.date.as_str()),
            g.map(|g| g.time),
        ])?;
    }
    Ok(())
}

/// A serde enum's name (`error`, `token`, …).
fn enum_str(v: &impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Status, `present_at_head`, `last_seen` and `resolved_at` of every finding of the
/// repository whose blobs' state this run knows.
fn update_presence(tx: &Transaction<'_>, repo: i64, o: &RepoOutcome) -> Result<()> {
    let mut blobs_of: HashMap<i64, Vec<String>> = HashMap::new();
    {
        let mut st = tx.prepare(
            "SELECT f.id, l.blob FROM findings f JOIN locations l ON l.finding_id = f.id
             WHERE f.repo_id = ?1",
        )?;
        let rows = st.query_map([repo], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (id, blob) = row?;
            blobs_of.entry(id).or_default().push(blob);
        }
    }
    let head_date = o.head.as_ref().map(|h| h.1.as_str());
    for (id, blobs) in blobs_of {
        let known: Vec<(bool, Option<i64>)> = blobs
            .iter()
            .filter_map(|b| o.blob_state.get(b).copied())
            .collect();
        if known.is_empty() {
            continue;
        }
        if known.iter().any(|k| k.0) {
            tx.execute(
                "UPDATE findings SET present_at_head = 1, status = 'open', resolved_at = NULL,
                 last_seen = COALESCE(?2, last_seen) WHERE id = ?1",
                params![id, head_date],
            )?;
            continue;
        }
        match known.iter().filter_map(|k| k.1).max() {
            Some(removed) => {
                let date = crate::sources::git::format_time(gix::date::Time::new(removed, 0));
                tx.execute(
                    "UPDATE findings SET present_at_head = 0, status = 'resolved',
                     resolved_at = ?2, last_seen = ?2 WHERE id = ?1",
                    params![id, date],
                )?;
            }
            // Never at HEAD, never removed: it lives on another branch.
            None => {
                tx.execute(
                    "UPDATE findings SET present_at_head = 0, status = 'open', resolved_at = NULL
                     WHERE id = ?1",
                    [id],
                )?;
            }
        }
    }
    Ok(())
}
