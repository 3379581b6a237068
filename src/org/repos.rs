//! Which repositories an org scan covers: a `--repos` file (one clone URL or local path a line,
//! `#` comments), or a GitHub listing; and which of them a shard takes (`--shard K/N`, by a
//! stable hash of the name, so every job of a CI matrix agrees without talking to the others).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One repository to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    /// `owner/name` (GitHub), else the last two parts of the URL or path, without `.git`.
    pub name: String,
    /// Clone URL (never printed with its user name or password), or the local path.
    pub url: String,
    /// A local repository, scanned where it is (not cloned).
    pub local: Option<PathBuf>,
}

impl RepoSpec {
    pub fn from_url(url: &str) -> RepoSpec {
        let local = super::is_local(url).then(|| PathBuf::from(url));
        RepoSpec {
            name: name_of(url),
            url: url.to_string(),
            local,
        }
    }
}

/// The name of a repository from its URL or path: its last two parts without `.git`.
pub fn name_of(url: &str) -> String {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        // scp-like `git@host:owner/repo.git`
        None if !url.starts_with('/') && url.contains(':') => {
            url.split_once(':').map_or(url, |(_, p)| p)
        }
        None => url,
    };
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".git")
        .collect();
    let tail = &parts[parts.len().saturating_sub(2)..];
    tail.join("/")
        .trim_end_matches(".git")
        .trim_end_matches('/')
        .to_string()
}

/// The repositories of a `--repos` file. Errors name the file and line.
pub fn read_list(file: &Path) -> anyhow::Result<Vec<RepoSpec>> {
    let text =
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut out: Vec<RepoSpec> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let spec = RepoSpec::from_url(line);
        if spec.name.is_empty() {
            anyhow::bail!(
                "{}:{}: no repository name in {line:?}",
                file.display(),
                n + 1
            );
        }
        if let Some(dup) = out.iter().find(|r| r.name == spec.name) {
            anyhow::bail!(
                "{}:{}: {} has the same name as {} ({})",
                file.display(),
                n + 1,
                super::cache::display_url(line),
                super::cache::display_url(&dup.url),
                spec.name
            );
        }
        out.push(spec);
    }
    Ok(out)
}

/// Shard `k` of `n` (1-based), as `--shard K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

impl Shard {
    /// Whether the repository named `name` belongs to this shard.
    pub fn holds(&self, name: &str) -> bool {
        shard_of(name, self.n) == self.k
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("invalid shard {s:?}: expected K/N with 1 <= K <= N");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// The shard (1..=n) a repository name falls in: SHA-256 of the name, so it never changes
/// between runs, machines or versions.
pub fn shard_of(name: &str, n: u32) -> u32 {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(b) % u64::from(n.max(1))) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_last_two_parts() {
        assert_eq!(name_of("https://github.com/acme/api.git"), "acme/api");
        assert_eq!(name_of("git@github.com:acme/web.git"), "acme/web");
        assert_eq!(name_of("file:///srv/git/acme/tools.git/"), "acme/tools");
        assert_eq!(name_of("/srv/repo"), "srv/repo");
    }

    #[test]
    fn shards_cover_every_repository_once() {
        let names: Vec<String> = (0..50).map(|i| format!("acme/r{i}")).collect();
        for n in 1..5 {
            for name in &names {
                let holders = (1..=n).filter(|&k| Shard { k, n }.holds(name)).count();
                assert_eq!(holders, 1, "{name} in {n} shards");
            }
        }
        assert_eq!(shard_of("acme/r1", 4), shard_of("acme/r1", 4));
        assert!("0/2".parse::<Shard>().is_err());
        assert!("3/2".parse::<Shard>().is_err());
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, n: 3 }));
    }
}
