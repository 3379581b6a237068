//! The pipeline analyser as a sink of the sources: a source hands it every CI config it
//! walks (decided by path), and it keeps what each provenance needs. Working-tree configs are
//! analysed in full (usage map, risks, hardcoded credentials); git blobs get the hardcoded-
//! credential check only (on the added lines, in diff modes), since risks and the usage map
//! describe the pipelines as they are now.

use std::sync::Mutex;

use super::{analyze, follow_includes, hardcoded_in, system_of, Analysis, HardcodedHit};
use crate::sources::{Content, Provenance, ScanError, Sink};

#[derive(Debug, Default)]
pub struct Collector {
    analyses: Mutex<Vec<(String, Analysis)>>,
    hits: Mutex<Vec<HardcodedHit>>,
}

impl Sink for Collector {
    fn wants(&self, path: &str) -> bool {
        system_of(path).is_some()
    }

    fn consume(&self, c: Content<'_>) -> Result<(), ScanError> {
        let Some(system) = system_of(c.path) else {
            return Ok(());
        };
        if *c.provenance == Provenance::Worktree {
            let a = analyze(c.path, c.text);
            self.analyses
                .lock()
                .expect("no sink user panicked")
                .push((c.path.to_string(), a));
            return Ok(());
        }
        let mut found = hardcoded_in(c.path, c.text, system).map_err(|e| ScanError {
            path: e.at(),
            message: e.message,
        })?;
        if let Some(added) = c.added {
            found.retain(|h| added.get(h.line - 1).copied().unwrap_or(false));
        }
        if !found.is_empty() {
            self.hits
                .lock()
                .expect("no sink user panicked")
                .push(HardcodedHit {
                    path: c.path.to_string(),
                    system,
                    git: c.provenance.git().cloned(),
                    presence: c.presence.clone(),
                    found,
                });
        }
        Ok(())
    }
}

impl Collector {
    /// The working-tree configs analysed, by path, with their includes followed (`read`
    /// returns `None` for a path the scan must not read): an included file is understood as
    /// its includer's system, wherever it lives.
    pub fn analyses(
        self,
        read: &dyn Fn(&str) -> Option<std::io::Result<Vec<u8>>>,
    ) -> Vec<(String, Analysis)> {
        let mut a = self.analyses.into_inner().expect("no sink user panicked");
        a.sort_by(|x, y| x.0.cmp(&y.0));
        follow_includes(&mut a, read);
        a
    }

    /// The hardcoded credentials of git blobs, in (path, commit) order.
    pub fn git_hits(self) -> Vec<HardcodedHit> {
        let mut h = self.hits.into_inner().expect("no sink user panicked");
        h.sort_by(|a, b| (&a.path, &a.git).cmp(&(&b.path, &b.git)));
        h
    }
}
