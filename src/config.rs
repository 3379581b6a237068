//! `.nhiscan.yaml`: per-project settings, validated like rule files (unknown keys are errors
//! with file, line and column). Paths inside it are relative to the file.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

pub const CONFIG_FILE: &str = ".nhiscan.yaml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub allowlist: AllowlistConfig,
    /// Files larger than this are skipped and counted: bytes, or `10MB`, `512KiB`, ...
    #[serde(default)]
    pub max_file_size: Option<ByteSize>,
    /// The governance inventory (default: `nhi-inventory.yaml` in the scanned directory).
    #[serde(default)]
    pub inventory: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Extra rule files or directories.
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    /// Rule ids to disable.
    #[serde(default)]
    pub disable: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistConfig {
    /// Globs of paths (relative to the scan root) never scanned.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes: a secret matching one is not reported.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Words: a secret containing one (case-insensitive) is not reported.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(ByteSize(n)),
            Raw::S(s) => parse_size(&s)
                .map(ByteSize)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// `1048576`, `512K`, `10MB`, `1.5GiB` (K/M/G are powers of 1024, as users of ripgrep expect).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid size `{s}`: expected a number like 10MB"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1u64,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "invalid size unit `{other}` in `{s}`: use K, M or G"
            ))
        }
    };
    Ok((n * mult as f64) as u64)
}

/// A config file that cannot be used, located.
pub type ConfigError = crate::yaml::Located;

impl Config {
    /// Read a config file; paths in it are made relative to its directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::whole_file(file.clone(), format!("cannot read config: {e}"))
        })?;
        let mut cfg: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_yaml::from_str(&text).map_err(|e| ConfigError::from_serde(file.clone(), &e))?
        };
        let base = path.parent().unwrap_or(Path::new("."));
        for p in cfg.rules.paths.iter_mut().chain(cfg.inventory.as_mut()) {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(cfg)
    }

    pub fn path_globs(&self) -> Result<Option<GlobSet>, String> {
        if self.allowlist.paths.is_empty() {
            return Ok(None);
        }
        let mut b = GlobSetBuilder::new();
        for g in &self.allowlist.paths {
            b.add(Glob::new(g).map_err(|e| format!("allowlist path `{g}`: {e}"))?);
        }
        b.build().map(Some).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert_eq!(parse_size("10MB").unwrap(), 10 << 20);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10 parsecs").is_err());
    }
}
