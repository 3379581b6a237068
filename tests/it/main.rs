//! The one integration test binary. Each test gets its own temporary directory (and, where it
//! needs one, a real git repository) from `harness`.

mod harness;
mod runner;

mod action;
mod action_e2e;
mod action_scripts;
mod architecture;
mod audit;
mod baseline;
mod cli;
mod context_rules;
mod corpus_eval;
mod demo;
mod eval_workflows;
mod evidence;
mod fixture_context;
mod generic_syntaxes;
mod git;
mod git_packed;
mod githttp;
mod github;
mod hook;
mod hook_bin;
mod inventory;
mod org;
mod pipelines;
mod pipelines_flow;
mod pipelines_fp;
mod pipelines_more;
mod redaction;
mod reports;
mod rules;
mod scenarios;
mod worktree;
