//! The datastore of org-wide scans: one SQLite file (rusqlite, bundled) that remembers, across
//! runs, each repository's refs, the blobs already scanned, every finding with its dates and
//! locations, and the runs themselves. The schema is versioned: [`MIGRATIONS`] are applied in
//! order inside one transaction, and a file made by a newer nhiscan is refused with a clear
//! error. WAL and a busy timeout let shard readers and the one writer share the file; every
//! repository's results are written in one transaction, so an interrupted run leaves the
//! store as it was before that repository (the next run resumes).

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension};

/// The schema each migration leads to is its index + 1.
pub const MIGRATIONS: &[&str] = &[
    // v1: repositories, refs, scanned blobs, findings and their locations.
    "CREATE TABLE repos (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        last_fetch TEXT,
        head_commit TEXT,
        blobs_scanned INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE TABLE refs (
        repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        PRIMARY KEY (repo_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE blobs (
        repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
        blob TEXT NOT NULL,
        PRIMARY KEY (repo_id, blob)
    ) WITHOUT ROWID;
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
        rule_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        rule_name TEXT NOT NULL,
        provider TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        confidence TEXT NOT NULL,
        redacted TEXT NOT NULL,
        key_id TEXT,
        attributes TEXT NOT NULL DEFAULT '{}',
        first_seen TEXT,
        first_seen_time INTEGER,
        last_seen TEXT,
        present_at_head INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'open',
        UNIQUE (repo_id, rule_id, fingerprint)
    );
    CREATE TABLE locations (
        finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
        blob TEXT NOT NULL,
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        col INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        end_col INTEGER NOT NULL,
        commit_id TEXT,
        author TEXT,
        date TEXT,
        time INTEGER,
        UNIQUE (finding_id, blob, path, line, col)
    );
    CREATE INDEX locations_blob ON locations(blob);",
    // v2: when a finding left HEAD, and a log of runs with their errors.
    "ALTER TABLE findings ADD COLUMN resolved_at TEXT;
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        shard TEXT,
        repos INTEGER NOT NULL DEFAULT 0,
        blobs_scanned INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE run_errors (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        repo TEXT NOT NULL,
        message TEXT NOT NULL
    );",
    // v3: each repository's CODEOWNERS at HEAD, the owners of findings no inventory owns.
    "ALTER TABLE repos ADD COLUMN codeowners TEXT;",
    // v4: why a finding's confidence is lower than its rule's (`test or fixture path`), as
    // `scan` reports it: kept only while every blob it was seen in is a test path.
    "ALTER TABLE findings ADD COLUMN confidence_reason TEXT;",
    // v5: the digest of the detection settings (nhiscan version, rules, filters, allowlists,
    // minimum confidence, file size limit) each repository was last scanned with: when it
    // changes, the repository's blobs are all read again, so new rules reach old history.
    "ALTER TABLE repos ADD COLUMN detection TEXT;",
];

/// The schema this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// An open datastore.
pub struct Store {
    pub conn: Connection,
}

impl Store {
    /// Open (creating when missing) and migrate to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_at(path, SCHEMA_VERSION)
    }

    /// Open and migrate up to `version` only: how a test makes a datastore of an older schema.
    pub fn open_at(path: &Path, version: i64) -> Result<Store> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open datastore {}", path.display()))?;
        let mut store = Store { conn };
        store
            .setup(version)
            .with_context(|| format!("datastore {}", path.display()))?;
        Ok(store)
    }

    fn setup(&mut self, target: i64) -> Result<()> {
        self.conn.busy_timeout(Duration::from_secs(30))?;
        self.conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
        let current: i64 = tx
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        if current > SCHEMA_VERSION {
            bail!(
                "schema version {current} is newer than this nhiscan knows ({SCHEMA_VERSION}): \
                 upgrade nhiscan to read it"
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let v = i as i64 + 1;
            if v > current && v <= target {
                tx.execute_batch(sql)
                    .with_context(|| format!("migration to schema version {v}"))?;
            }
        }
        let new = current.max(target.min(SCHEMA_VERSION));
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [new])?;
        tx.commit()?;
        Ok(())
    }

    pub fn version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))?)
    }

    /// The repository's row id, created when new.
    pub fn repo_id(&self, name: &str, url: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO repos (name, url) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET url = excluded.url",
            params![name, url],
        )?;
        Ok(self
            .conn
            .query_row("SELECT id FROM repos WHERE name = ?1", [name], |r| r.get(0))?)
    }

    /// The refs recorded by the last scan of a repository, sorted by name.
    pub fn refs(&self, repo: i64) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT name, commit_id FROM refs WHERE repo_id = ?1 ORDER BY name")?;
        let rows = st.query_map([repo], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The detection digest a repository was last scanned with (`None`: never, or by an
    /// nhiscan older than schema v5).
    pub fn detection(&self, repo: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT detection FROM repos WHERE id = ?1", [repo], |r| {
                r.get(0)
            })?)
    }

    /// Hex ids of the blobs scanned in a repository.
    pub fn scanned_blobs(&self, repo: i64) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT blob FROM blobs WHERE repo_id = ?1")?;
        let rows = st.query_map([repo], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Hex ids of the blobs a repository's findings were seen in.
    pub fn finding_blobs(&self, repo: i64) -> Result<Vec<String>> {
        let mut st = self.conn.prepare(
            "SELECT DISTINCT l.blob FROM locations l JOIN findings f ON f.id = l.finding_id
             WHERE f.repo_id = ?1",
        )?;
        let rows = st.query_map([repo], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Start a run; its id.
    pub fn start_run(&self, started: &str, shard: Option<&str>) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO runs (started, shard) VALUES (?1, ?2)",
            params![started, shard],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Close a run with its counts and the errors of its repositories.
    pub fn finish_run(
        &mut self,
        run: i64,
        finished: &str,
        counts: [u64; 4],
        errors: &[(String, String)],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE runs SET finished = ?2, repos = ?3, blobs_scanned = ?4, findings = ?5,
             errors = ?6 WHERE id = ?1",
            params![
                run,
                finished,
                counts[0] as i64,
                counts[1] as i64,
                counts[2] as i64,
                counts[3] as i64
            ],
        )?;
        for (repo, message) in errors {
            tx.execute(
                "INSERT INTO run_errors (run_id, repo, message) VALUES (?1, ?2, ?3)",
                params![run, repo, message],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Record that a repository could not be fetched or scanned this run (its findings stay).
    pub fn set_error(&self, repo: i64, error: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE repos SET error = ?2 WHERE id = ?1",
            params![repo, error],
        )?;
        Ok(())
    }
}
