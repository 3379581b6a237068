//! Org-wide scans (`nhiscan org scan|merge|report`): many repositories, each fetched into a
//! clone cache ([`cache`]), scanned incrementally (only blobs no earlier run read with the
//! same detection, see [`detection_digest`]) and folded into a datastore ([`store`]) that
//! tracks every finding across runs ([`track`]). Shards of a CI matrix each scan the
//! repositories a stable hash gives them ([`repos`]); their datastores are merged ([`merge`])
//! and rendered ([`report`]).
//!
//! One repository's failure (network, auth, 404, empty or corrupt) is recorded with its name
//! and the others go on. The scan of one repository goes through [`scan_repo`], the one place
//! that calls the git source, so that a library scan API can replace it in one place.

pub mod cache;
pub mod codeowners;
pub mod merge;
pub mod report;
pub mod repos;
pub mod store;
pub mod track;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use anyhow::{Context, Result};
use gix::ObjectId;

use crate::config::Config;
use crate::detect::filters::{Allowlist, Placeholders};
use crate::detect::{Engine, EngineOptions};
use crate::findings::FindingsBuilder;
use crate::rules::{Confidence, RuleSet, RuleSources};
use crate::sources::git::{self, history::HistoryOptions, GitMode, GitOptions, GitScanned};
pub use repos::{RepoSpec, Shard};
use store::Store;
use track::RepoOutcome;

/// Default `--max-file-size` of the blobs read.
const DEFAULT_MAX_FILE_SIZE: u64 = 20 << 20;

/// Everything an org scan needs, independent of the command line.
#[derive(Debug, Clone)]
pub struct OrgSettings {
    pub repos: Vec<RepoSpec>,
    pub cache: PathBuf,
    pub datastore: PathBuf,
    /// Given to the git transport only.
    pub token: Option<String>,
    /// Repositories fetched and scanned at once.
    pub jobs: usize,
    /// Threads in all (default: CPUs), shared by the jobs.
    pub threads: usize,
    pub shard: Option<Shard>,
    pub rules: RuleSources,
    pub config: Option<PathBuf>,
    pub min_confidence: Confidence,
    pub max_file_size: Option<u64>,
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Repositories of this shard.
    pub repos: usize,
    /// Repositories fetched and checked (scanned or found unchanged).
    pub ok: usize,
    pub blobs_scanned: u64,
    /// Findings new in this run.
    pub new_findings: u64,
    /// `(repository, message)` of each repository that failed.
    pub errors: Vec<(String, String)>,
    /// Repositories left for the next run because the run was interrupted.
    pub interrupted: usize,
    /// Repositories scanned before with other detection settings (a new nhiscan, changed
    /// rules, filters, allowlists, minimum confidence or size limit), so read again in full.
    pub rescanned: usize,
    /// Findings those full rescans no longer report (deleted from the datastore).
    pub dropped_findings: u64,
}

/// What a run tells whoever watches it. The library never prints: the command line draws a
/// progress bar from these calls, a test or another caller may count them.
pub trait Observer: Sync {
    /// The run starts over `repos` repositories.
    fn start(&self, _repos: usize) {}
    /// One repository is fetched (or opened, for a local path); its scan comes next.
    fn fetched(&self, _name: &str) {}
    /// One repository is done (scanned, unchanged or failed): its blobs and bytes read.
    fn repo_done(&self, _name: &str, _blobs: u64, _bytes: u64) {}
    /// The run is over.
    fn finish(&self) {}
}

/// The observer that watches nothing.
pub struct Unobserved;

impl Observer for Unobserved {}

/// Run an org scan into the datastore. Once `interrupt` is set no repository is started; the
/// ones under way are finished (or fail) and written, so the next run resumes where this one
/// stopped.
pub fn scan(s: &OrgSettings, interrupt: &AtomicBool, watch: &dyn Observer) -> Result<RunSummary> {
    let (engine, rules, gopts, detection) = build_engine(s)?;
    let mut store = Store::open(&s.datastore)?;
    let repos: Vec<&RepoSpec> = s
        .repos
        .iter()
        .filter(|r| s.shard.is_none_or(|sh| sh.holds(&r.name)))
        .collect();
    let started = now_string();
    let run = store.start_run(&started, s.shard.map(|sh| sh.to_string()).as_deref())?;
    let ids: Vec<i64> = repos
        .iter()
        .map(|r| store.repo_id(&r.name, &cache::display_url(&r.url)))
        .collect::<Result<_>>()?;
    let jobs = s.jobs.clamp(1, repos.len().max(1));
    let threads = if s.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        s.threads
    };
    let per_job = (threads / jobs).max(1);
    watch.start(repos.len());
    let mut summary = RunSummary {
        repos: repos.len(),
        ..Default::default()
    };
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<RepoOutcome, String>)>();
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, repos, ids) = (&next, &repos, &ids);
            let ctx = Ctx {
                engine: &engine,
                rules: &rules,
                gopts: &gopts,
                detection: &detection,
                threads: per_job,
                s,
                interrupt,
                watch,
            };
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= repos.len() || interrupt.load(Ordering::Relaxed) {
                    return;
                }
                let got = process(&ctx, repos[i], ids[i]);
                if tx.send((i, got)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        // The one writer: each repository's results in one transaction.
        for (i, got) in rx {
            let name = &repos[i].name;
            let (mut blobs, mut bytes) = (0, 0);
            match got {
                Ok(o) => {
                    summary.ok += 1;
                    summary.rescanned += usize::from(o.rescanned);
                    (blobs, bytes) = (o.scanned_blobs.len() as u64, o.bytes);
                    summary.blobs_scanned += blobs;
                    let before = count_findings(&store, ids[i])?;
                    let txn = store.conn.transaction()?;
                    let dropped = track::apply(&txn, ids[i], &o)?;
                    txn.commit()?;
                    summary.dropped_findings += dropped;
                    summary.new_findings += (count_findings(&store, ids[i])? + dropped) - before;
                }
                // A fetch cut short by the interrupt is not the repository's fault.
                Err(_) if interrupt.load(Ordering::Relaxed) => {}
                Err(e) => {
                    store.set_error(ids[i], Some(&e))?;
                    summary.errors.push((name.clone(), e));
                }
            }
            watch.repo_done(name, blobs, bytes);
        }
        Ok(())
    })?;
    watch.finish();
    summary.interrupted = repos.len() - summary.ok - summary.errors.len();
    summary.errors.sort();
    store.finish_run(
        run,
        &now_string(),
        [
            summary.repos as u64,
            summary.blobs_scanned,
            summary.new_findings,
            summary.errors.len() as u64,
        ],
        &summary.errors,
    )?;
    Ok(summary)
}

fn count_findings(store: &Store, repo: i64) -> Result<u64> {
    Ok(store.conn.query_row(
        "SELECT COUNT(*) FROM findings WHERE repo_id = ?1",
        [repo],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// The engine, git options and detection digest shared by every repository (rules and config
/// are the org's).
fn build_engine(s: &OrgSettings) -> Result<(Engine, Arc<RuleSet>, GitOptions, String)> {
    let cfg = match &s.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let mut sources = s.rules.clone();
    sources.paths.extend(cfg.rules.paths.iter().cloned());
    sources.disable.extend(cfg.rules.disable.iter().cloned());
    let rules = Arc::new(RuleSet::load(&sources)?);
    let allowlist = Allowlist::new(&cfg.allowlist.regexes, &cfg.allowlist.stopwords)
        .map_err(anyhow::Error::msg)
        .context("config")?;
    let path_allowlist = cfg
        .path_globs()
        .map_err(anyhow::Error::msg)
        .context("config")?;
    let engine = Engine::new(
        rules.clone(),
        EngineOptions {
            min_confidence: s.min_confidence,
            placeholders: Placeholders::builtin(),
            allowlist,
        },
    );
    let gopts = GitOptions {
        repo: PathBuf::new(),
        threads: 1,
        max_file_size: s
            .max_file_size
            .or(cfg.max_file_size.map(|b| b.0))
            .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        path_allowlist,
        progress: None,
    };
    let detection = detection_digest(&rules, &cfg, s.min_confidence, gopts.max_file_size);
    Ok((engine, rules, gopts, detection))
}

/// A digest of everything that decides what a blob's scan reports: the nhiscan version, every
/// rule as loaded (built-in and the user's, patterns, keywords, checks, confidence), the
/// built-in placeholder, example-credential and test-path lists, the config's allowlists,
/// the minimum confidence and the size limit. A repository last scanned with another digest
/// has all its blobs read again: the blobs an earlier run read are skipped only when the same
/// detection would read them the same way.
pub fn detection_digest(
    rules: &RuleSet,
    cfg: &Config,
    min_confidence: Confidence,
    max_file_size: u64,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut part = |bytes: &[u8]| {
        // Length-prefixed, so that no two sequences of parts hash alike.
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part(env!("CARGO_PKG_VERSION").as_bytes());
    for r in &rules.rules {
        part(&serde_json::to_vec(r).unwrap_or_default());
        part(&[u8::from(r.enclosing)]);
    }
    part(crate::detect::filters::BUILTIN_PLACEHOLDERS.as_bytes());
    part(crate::detect::filters::BUILTIN_EXAMPLES.as_bytes());
    part(crate::findings::BUILTIN_TEST_PATHS.as_bytes());
    part(format!("{:?}", cfg.allowlist).as_bytes());
    part(format!("{min_confidence:?} {max_file_size}").as_bytes());
    format!("sha256:{:x}", h.finalize())
}

/// Fetch (or open) one repository, and scan what is new in it.
/// What every job shares.
struct Ctx<'a> {
    engine: &'a Engine,
    rules: &'a RuleSet,
    gopts: &'a GitOptions,
    detection: &'a str,
    threads: usize,
    s: &'a OrgSettings,
    interrupt: &'a AtomicBool,
    watch: &'a dyn Observer,
}

fn process(c: &Ctx<'_>, spec: &RepoSpec, repo_id: i64) -> Result<RepoOutcome, String> {
    let s = c.s;
    let path = match &spec.local {
        Some(p) => p.clone(),
        None => cache::fetch(
            &s.cache,
            &spec.name,
            &spec.url,
            s.token.as_deref(),
            c.interrupt,
        )?,
    };
    c.watch.fetched(&spec.name);
    let fetched = now_string();
    let repo = gix::open(&path).map_err(|e| format!("not a git repository: {e}"))?;
    let (refs, head) = refs_of(&repo)?;
    if refs.is_empty() {
        return Err("empty repository: no commits".into());
    }
    let codeowners = codeowners_at_head(&repo);
    let reader = Store::open(&s.datastore).map_err(|e| format!("{e:#}"))?;
    let old = reader.refs(repo_id).map_err(|e| e.to_string())?;
    let same_detection = reader
        .detection(repo_id)
        .map_err(|e| e.to_string())?
        .as_deref()
        == Some(c.detection);
    if old == refs && same_detection {
        // Nothing new: the state of every finding stands as the last run left it.
        return Ok(RepoOutcome {
            refs,
            head,
            fetched,
            codeowners,
            detection: c.detection.to_string(),
            ..Default::default()
        });
    }
    // Scanned before with other detection settings: every blob is read again (the findings
    // of the earlier run stay; the new run's are added and their state updated).
    let rescanned = !same_detection && !old.is_empty();
    let ids = |v: Vec<String>| -> HashSet<ObjectId> {
        v.iter()
            .filter_map(|h| ObjectId::from_hex(h.as_bytes()).ok())
            .collect()
    };
    let skip = if same_detection {
        ids(reader.scanned_blobs(repo_id).map_err(|e| e.to_string())?)
    } else {
        HashSet::new()
    };
    let track = ids(reader.finding_blobs(repo_id).map_err(|e| e.to_string())?);
    drop(reader);
    let opts = GitOptions {
        repo: path,
        threads: c.threads,
        ..c.gopts.clone()
    };
    let scanned = scan_repo(c.engine, &opts, Arc::new(skip), Arc::new(track))?;
    Ok(RepoOutcome {
        codeowners,
        detection: c.detection.to_string(),
        rescanned,
        ..outcome(c.rules, scanned, refs, head, fetched)
    })
}

/// The CODEOWNERS file of HEAD's tree, where GitHub looks for it: `.github/`, the root, `docs/`.
/// Not valid UTF-8, or over 3 MB (GitHub's own limit), is as if absent.
fn codeowners_at_head(repo: &gix::Repository) -> Option<String> {
    let tree = repo.head_commit().ok()?.tree().ok()?;
    [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]
        .iter()
        .find_map(|p| {
            let entry = tree.lookup_entry_by_path(p).ok()??;
            let blob = entry.object().ok()?;
            (blob.data.len() <= 3 << 20)
                .then(|| String::from_utf8(blob.data.clone()).ok())
                .flatten()
        })
}

/// The git history scan of one repository, skipping the blobs of `skip` and reporting the
/// state of those of `track`. The one call into the scanning code (see the module docs).
pub fn scan_repo(
    engine: &Engine,
    opts: &GitOptions,
    skip: Arc<HashSet<ObjectId>>,
    track: Arc<HashSet<ObjectId>>,
) -> Result<GitScanned, String> {
    let mode = GitMode::History(HistoryOptions {
        skip_blobs: Some(skip),
        track_blobs: Some(track),
        ..Default::default()
    });
    git::scan(engine, &crate::sources::NoSink, opts, &mode).map_err(|e| e.to_string())
}

/// A scan's hits as findings, each tied to the blob it was seen in.
fn outcome(
    rules: &RuleSet,
    scanned: GitScanned,
    refs: Vec<(String, String)>,
    head: Option<(String, String)>,
    fetched: String,
) -> RepoOutcome {
    let mut blob_state: HashMap<String, (bool, Option<i64>)> = scanned
        .tracked
        .iter()
        .map(|t| (t.blob.to_string(), (t.at_head, t.removed)))
        .collect();
    let mut found = Vec::new();
    for h in &scanned.hits {
        let Some(blob) = h.blob.map(|b| b.to_string()) else {
            continue;
        };
        let at_head = h.presence.at_head.unwrap_or(false);
        let removed = if at_head {
            None
        } else {
            h.presence.last.as_ref().map(|l| l.0)
        };
        blob_state.insert(blob.clone(), (at_head, removed));
        let mut b = FindingsBuilder::default();
        // The same CI throwaway-database filter as `scan`: an org run reports what a repo's own
        // scan would.
        let kept = crate::pipelines::drop_ci_databases(&h.path, &h.matches, rules);
        b.add_git(&h.path, h.git.as_ref(), &h.presence, &kept);
        found.extend(
            b.finish(rules, false)
                .into_iter()
                .map(|f| (blob.clone(), f)),
        );
    }
    RepoOutcome {
        refs,
        head,
        bytes: scanned.stats.bytes,
        scanned_blobs: scanned
            .scanned_blobs
            .iter()
            .map(|b| b.to_string())
            .collect(),
        found,
        blob_state,
        fetched,
        codeowners: None,
        detection: String::new(),
        rescanned: false,
    }
}

/// Every ref (tags peeled) and HEAD with their commits, sorted; HEAD's commit and date.
#[allow(clippy::type_complexity)]
fn refs_of(
    repo: &gix::Repository,
) -> Result<(Vec<(String, String)>, Option<(String, String)>), String> {
    let mut refs = Vec::new();
    let mut broken = None;
    let all = repo.references().map_err(|e| e.to_string())?;
    for r in all.all().map_err(|e| e.to_string())? {
        let mut r = match r {
            Ok(r) => r,
            Err(e) => {
                broken.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        match r.peel_to_commit() {
            Ok(c) => refs.push((r.name().as_bstr().to_string(), c.id.to_string())),
            Err(e) => {
                // A tag of a tree or a blob is no commit and is skipped; a ref whose object
                // cannot be read is corruption.
                let readable = r
                    .peel_to_id()
                    .ok()
                    .is_some_and(|id| repo.find_object(id).is_ok());
                if !readable {
                    broken.get_or_insert_with(|| format!("{}: {e}", r.name().as_bstr()));
                }
            }
        }
    }
    let head = match repo.head_commit() {
        Ok(c) => {
            let time = c.time().map_err(|e| format!("corrupt HEAD commit: {e}"))?;
            refs.push(("HEAD".into(), c.id.to_string()));
            Some((c.id.to_string(), git::format_time(time)))
        }
        Err(_) => None,
    };
    if refs.is_empty() {
        if let Some(e) = broken {
            return Err(format!("corrupt repository: {e}"));
        }
    }
    refs.sort();
    Ok((refs, head))
}

/// Now, RFC 3339 in UTC (run and fetch times only: finding dates come from commits).
fn now_string() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Whether `p` is a local repository rather than a URL.
pub fn is_local(p: &str) -> bool {
    !p.contains("://") && Path::new(p).exists()
}
