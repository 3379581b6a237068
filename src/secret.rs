//! A secret value that cannot be printed by accident: its `Debug` shows the redacted form, and
//! the raw bytes come out only through [`Secret::expose`].

use std::borrow::Cow;
use std::fmt;

use sha2::{Digest, Sha256};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: &[u8]) -> Secret {
        Secret(bytes.to_vec())
    }

    /// The raw value. Call only for `--show-secrets` output or a comparison.
    pub fn expose(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }

    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// `sha256:` + lower-case hex of the SHA-256 of the exact secret bytes. Stable across
/// versions, rules, paths and commits: the inventory and baselines key on it.
pub fn fingerprint(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A preview that identifies a secret to its owner without revealing it: up to 4 leading
/// characters (fewer for short values, so at least three quarters stay hidden) and the length.
pub fn redact(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let n = text.chars().count();
    let shown = (n / 4).min(4);
    let prefix: String = text
        .chars()
        .take(shown)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{prefix}…({n} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_most_of_the_value() {
        assert_eq!(
            redact(b"ghp_R8xZq3Lm7Tn2Vb5Kc9Wd4Yf6Hj1Gs0Pa3QeU"),
            "ghp_…(40 chars)"
        );
        assert_eq!(redact(b"hunter22"), "hu…(8 chars)");
        assert_eq!(redact(b"abc"), "…(3 chars)");
        assert_eq!(redact(b"\n---\nabcdefgh"), "?--…(13 chars)");
        let s = Secret::new(b"s3cr3t-value-9876");
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn fingerprint_is_sha256_of_the_value() {
        assert_eq!(
            fingerprint(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
