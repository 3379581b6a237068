//! Progress on a terminal (indicatif) for long work: the library reports through
//! [`crate::org::Observer`]; this draws it on stderr. Nothing is drawn on a non-terminal or
//! with `--quiet` (the bar is then hidden and writes no byte).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

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
