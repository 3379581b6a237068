//! `org merge`: shard datastores folded into one. Shards hold disjoint repositories, so a merge
//! copies each repository with its refs, scanned blobs, findings and locations; a repository
//! present in several inputs keeps the copy fetched last. Runs are appended. Each input is
//! merged in one transaction.

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::{params, OptionalExtension};

use super::store::Store;

/// Merge `inputs` into the datastore at `out` (created when missing).
pub fn merge(out: &Path, inputs: &[&Path]) -> Result<()> {
    let mut store = Store::open(out)?;
    for input in inputs {
        // Opening migrates an input of an older schema and refuses a newer one.
        drop(Store::open(input)?);
        store
            .conn
            .execute("ATTACH DATABASE ?1 AS src", [input.display().to_string()])
            .with_context(|| format!("cannot attach {}", input.display()))?;
        let done = merge_one(&mut store).with_context(|| format!("merging {}", input.display()));
        store.conn.execute("DETACH DATABASE src", [])?;
        done?;
    }
    Ok(())
}

fn merge_one(store: &mut Store) -> Result<()> {
    let tx = store.conn.transaction()?;
    let repos: Vec<(i64, String, Option<String>)> = {
        let mut st = tx.prepare("SELECT id, name, last_fetch FROM src.repos ORDER BY name")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (old, name, fetched) in repos {
        let mine: Option<(i64, Option<String>)> = tx
            .query_row(
                "SELECT id, last_fetch FROM main.repos WHERE name = ?1",
                [&name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, mine_fetched)) = mine {
            if mine_fetched >= fetched {
                continue;
            }
            tx.execute("DELETE FROM main.repos WHERE id = ?1", [id])?;
        }
        tx.execute(
            "INSERT INTO main.repos (name, url, last_fetch, head_commit, blobs_scanned, error,
             codeowners, detection)
             SELECT name, url, last_fetch, head_commit, blobs_scanned, error, codeowners, detection
             FROM src.repos WHERE id = ?1",
            [old],
        )?;
        let new = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO main.refs (repo_id, name, commit_id)
             SELECT ?2, name, commit_id FROM src.refs WHERE repo_id = ?1",
            params![old, new],
        )?;
        tx.execute(
            "INSERT INTO main.blobs (repo_id, blob) SELECT ?2, blob FROM src.blobs WHERE repo_id = ?1",
            params![old, new],
        )?;
        tx.execute(
            "INSERT INTO main.findings (repo_id, rule_id, fingerprint, rule_name, provider, kind,
             severity, confidence, redacted, key_id, attributes, first_seen, first_seen_time,
             last_seen, present_at_head, status, resolved_at, confidence_reason)
             SELECT ?2, rule_id, fingerprint, rule_name, provider, kind, severity, confidence,
             redacted, key_id, attributes, first_seen, first_seen_time, last_seen,
             present_at_head, status, resolved_at, confidence_reason FROM src.findings
             WHERE repo_id = ?1",
            params![old, new],
        )?;
        tx.execute(
            "INSERT INTO main.locations (finding_id, blob, path, line, col, end_line, end_col,
             commit_id, author, date, time)
             SELECT nf.id, l.blob, l.path, l.line, l.col, l.end_line, l.end_col, l.commit_id,
             l.author, l.date, l.time
             FROM src.locations l JOIN src.findings sf ON sf.id = l.finding_id
             JOIN main.findings nf ON nf.repo_id = ?2 AND nf.rule_id = sf.rule_id
             AND nf.fingerprint = sf.fingerprint
             WHERE sf.repo_id = ?1",
            params![old, new],
        )?;
    }
    let runs: Vec<i64> = {
        let mut st = tx.prepare("SELECT id FROM src.runs ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for old in runs {
        tx.execute(
            "INSERT INTO main.runs (started, finished, shard, repos, blobs_scanned, findings, errors)
             SELECT started, finished, shard, repos, blobs_scanned, findings, errors
             FROM src.runs WHERE id = ?1",
            [old],
        )?;
        let new = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO main.run_errors (run_id, repo, message)
             SELECT ?2, repo, message FROM src.run_errors WHERE run_id = ?1",
            params![old, new],
        )?;
    }
    tx.commit()?;
    Ok(())
}
