//! Finding and reading the inventory for a command, and today's date. Shared by `scan`,
//! `audit` and `inventory`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use jiff::civil::Date;

use crate::inventory::{self, Loaded, INVENTORY_FILE};

/// `--now DATE`, or today (UTC).
pub fn today(now: Option<Date>) -> Date {
    now.unwrap_or_else(|| {
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
    })
}

/// Which inventory a scan of `root` uses: `--inventory`, else `inventory:` in the config, else
/// `nhi-inventory.yaml` in the scanned directory when it exists.
pub fn locate(root: &Path, explicit: Option<&Path>, from_config: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit.or(from_config) {
        return Some(p.to_path_buf());
    }
    let p = root.join(INVENTORY_FILE);
    (root.is_dir() && p.is_file()).then_some(p)
}

/// Read an inventory; a file that cannot be read at all is a fatal error, a file with problems
/// is returned with them (each names file, line and column).
pub fn read(path: &Path) -> Result<Loaded> {
    inventory::load(path).map_err(|e| anyhow!("{e}"))
}
