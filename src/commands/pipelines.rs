//! `nhiscan pipelines PATH`: the usage map of every CI config in a tree.

use std::io::Write;

use anyhow::{bail, Result};

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::cli::{ListFormat, PipelinesArgs};
use crate::pipelines;

pub fn main(args: PipelinesArgs) -> Result<i32> {
    if !args.path.exists() {
        bail!("{}: no such file or directory", args.path.display());
    }
    let (map, _) = pipelines::analyze_tree(&args.path, args.no_ignore);
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &map)?;
            writeln!(out)?;
        }
        ListFormat::Text => crate::report::pipelines::text(&map, &mut out)?,
    }
    out.flush()?;
    for e in &map.errors {
        eprintln!("error: {e}");
    }
    Ok(if map.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}
