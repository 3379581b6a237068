//! Progress on a terminal (indicatif) for long work: the library reports through
//! [`crate::org::Observer`] (org scans) or advances [`crate::sources::Progress`] counters
//! (`scan --git`, read here by a drawing thread); this draws it on stderr. Nothing is drawn on a non-terminal or
//! with `--quiet` (the bar is then hidden and writes no byte).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::sources::Progress;

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether to draw: stderr is a terminal and the user did not ask for quiet.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// An org scan's bar: repositories done of all, fetched, blobs, bytes, rate, ETA.
pub struct OrgBar {
    bar: ProgressBar,
    fetched: AtomicU64,
    blobs: AtomicU64,
    bytes: AtomicU64,
}

impl OrgBar {
    pub fn new(show: bool) -> OrgBar {
        let bar = if show {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:25} {pos}/{len} repos scanned, {msg}, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        OrgBar {
            bar,
            fetched: AtomicU64::new(0),
            blobs: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    fn redraw(&self) {
        let bytes = self.bytes.load(Ordering::Relaxed);
        let secs = self.bar.elapsed().as_secs_f64().max(0.001);
        self.bar.set_message(format!(
            "{} fetched, {} blobs, {} ({}/s)",
            self.fetched.load(Ordering::Relaxed),
            self.blobs.load(Ordering::Relaxed),
            HumanBytes(bytes),
            HumanBytes((bytes as f64 / secs) as u64),
        ));
    }
}

impl crate::org::Observer for OrgBar {
    fn start(&self, repos: usize) {
        self.bar.set_length(repos as u64);
        self.redraw();
    }
    fn fetched(&self, _name: &str) {
        self.fetched.fetch_add(1, Ordering::Relaxed);
        self.redraw();
    }
    fn repo_done(&self, _name: &str, blobs: u64, bytes: u64) {
        self.blobs.fetch_add(blobs, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.bar.inc(1);
        self.redraw();
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `scan --git`'s bar: commits diffed, then blobs read of all, bytes, rate, ETA. Drawn by a
/// thread of its own that reads the scan's counters ten times a second; without a terminal
/// there is no thread and no counter.
pub struct GitBar {
    shown: Option<(Arc<Progress>, Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl GitBar {
    pub fn start(show: bool) -> GitBar {
        if !show {
            return GitBar { shown: None };
        }
        let counters = Arc::new(Progress::default());
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (counters.clone(), done.clone());
        let draw = std::thread::spawn(move || {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = |t: &str| {
                ProgressStyle::with_template(t).unwrap_or_else(|_| ProgressStyle::default_bar())
            };
            let walking = style("{spinner} [{elapsed_precise}] walking the commits");
            let diffing =
                style("{spinner} [{elapsed_precise}] {bar:20} {pos}/{len} commits diffed");
            let reading =
                style("{spinner} [{elapsed_precise}] {bar:20} {pos}/{len} blobs, {msg}, ETA {eta}");
            bar.set_style(walking);
            let mut phase = 0;
            let mut reading_since = std::time::Instant::now();
            loop {
                let commits = Progress::get(&c.commits_total);
                let blobs = Progress::get(&c.blobs_total);
                if phase == 0 && commits > 0 {
                    phase = 1;
                    bar.set_style(diffing.clone());
                    bar.set_length(commits);
                }
                if phase < 2 && blobs > 0 {
                    phase = 2;
                    bar.set_style(reading.clone());
                    bar.set_position(0);
                    bar.set_length(blobs);
                    bar.reset_eta();
                    reading_since = std::time::Instant::now();
                }
                match phase {
                    1 => bar.set_position(Progress::get(&c.commits_done)),
                    2 => {
                        let bytes = Progress::get(&c.bytes_done);
                        let secs = reading_since.elapsed().as_secs_f64().max(0.001);
                        bar.set_position(Progress::get(&c.blobs_done));
                        bar.set_message(format!(
                            "{} ({}/s)",
                            HumanBytes(bytes),
                            HumanBytes((bytes as f64 / secs) as u64)
                        ));
                    }
                    _ => {}
                }
                bar.tick();
                if d.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        GitBar {
            shown: Some((counters, done, draw)),
        }
    }

    /// The counters the scan advances, when a bar is drawn.
    pub fn counters(&self) -> Option<Arc<Progress>> {
        self.shown.as_ref().map(|s| s.0.clone())
    }

    /// Clear the bar (before the summary is written).
    pub fn finish(self) {
        if let Some((_, done, draw)) = self.shown {
            done.store(true, Ordering::Relaxed);
            let _ = draw.join();
        }
    }
}
