//! nhiscan finds credentials of non-human identities in code and CI, and (in later stages)
//! ties each one to an owner, a purpose, an age and a rotation policy.
//!
//! Data flows sources -> detection -> findings -> reports; see the README's architecture notes.

pub mod cli;
pub mod commands;
pub mod config;
pub mod detect;
pub mod findings;
pub mod github;
pub mod inventory;
pub mod org;
pub mod pipelines;
pub mod policy;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secret;
pub mod sources;
pub mod words;
pub mod yaml;
