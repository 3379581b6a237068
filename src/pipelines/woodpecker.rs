//! Woodpecker CI (`.woodpecker.yml`), the fork of Drone: it kept Drone's config language (one
//! job per document, `steps:` or the older `pipeline:`, `from_secret: NAME`), so it is read
//! with Drone's functions; where Woodpecker's language departs from Drone's, it goes here.

pub use super::drone::{jobs, refs_in, steps};
