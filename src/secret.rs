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
    prefixed_hex("sha256:", &Sha256::digest(secret))
}

/// `prefix` + lower-case hex of `digest`.
pub fn prefixed_hex(prefix: &str, digest: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(prefix.len() + 2 * digest.len());
    s.push_str(prefix);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A key for [`keyed_fingerprint`]. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct FingerprintKey(Vec<u8>);

impl FingerprintKey {
    pub fn new(key: impl Into<Vec<u8>>) -> FingerprintKey {
        FingerprintKey(key.into())
    }
}

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FingerprintKey({} bytes)", self.0.len())
    }
}

/// `hmac-sha256:` + lower-case hex of HMAC-SHA256, keyed with `key`, of the plain
/// [`fingerprint`] text (`sha256:…`). Without the key, a short human password cannot be
/// brute-forced from a report; with it, the same secret always gives the same value.
pub fn keyed_fingerprint(key: &FingerprintKey, plain: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC takes a key of any length");
    mac.update(plain.as_bytes());
    prefixed_hex("hmac-sha256:", &mac.finalize().into_bytes())
}

/// A deserializer's message with the values it quotes redacted: serde names the offending value
/// (`invalid type: string "ghp_…", expected a sequence`, ``unknown variant `…` ``), and a value
/// typed in the wrong place may be a credential. Field names (``unknown field `x` ``,
/// ``missing field `x` ``) stay readable.
pub fn redact_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    loop {
        let quote = rest.find('"');
        let variant = rest
            .find("unknown variant `")
            .map(|i| i + "unknown variant ".len());
        let (at, close) = match (quote, variant) {
            (Some(q), Some(v)) if v < q => (v, '`'),
            (Some(q), _) => (q, '"'),
            (None, Some(v)) => (v, '`'),
            (None, None) => break,
        };
        let Some(len) = rest[at + 1..].find(close) else {
            break;
        };
        out.push_str(&rest[..=at]);
        out.push_str(&redact(&rest.as_bytes()[at + 1..at + 1 + len]));
        out.push(close);
        rest = &rest[at + 2 + len..];
    }
    out.push_str(rest);
    out
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
    fn keyed_fingerprints_depend_on_the_key_and_hide_it() {
        let plain = fingerprint(b"hunter2");
        let k1 = FingerprintKey::new(b"key-one".to_vec());
        let k2 = FingerprintKey::new(b"key-two".to_vec());
        let a = keyed_fingerprint(&k1, &plain);
        assert!(a.starts_with("hmac-sha256:") && a.len() == 12 + 64, "{a}");
        assert_eq!(a, keyed_fingerprint(&k1, &plain));
        assert_ne!(a, keyed_fingerprint(&k2, &plain));
        assert!(!format!("{k1:?}").contains("key-one"));
        // RFC 4231 test case 2 shape: HMAC-SHA256("Jefe", "what do ya want for nothing?").
        let mut mac = <hmac::Hmac<Sha256> as hmac::Mac>::new_from_slice(b"Jefe").unwrap();
        hmac::Mac::update(&mut mac, b"what do ya want for nothing?");
        assert_eq!(
            prefixed_hex("", &hmac::Mac::finalize(mac).into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn quoted_values_in_deserializer_messages_are_redacted() {
        let token = "ghp_Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2Qe00";
        let m = redact_quoted(&format!(
            "identities[0].match.fingerprints: invalid type: string \"{token}\", expected a sequence"
        ));
        assert!(!m.contains(token), "{m}");
        assert!(
            m.contains("string \"ghp_…(41 chars)\", expected a sequence"),
            "{m}"
        );
        let m = redact_quoted(&format!(
            "status: unknown variant `{token}`, expected one of `active`, `revoked`"
        ));
        assert!(!m.contains(token), "{m}");
        assert!(m.ends_with("expected one of `active`, `revoked`"), "{m}");
        assert_eq!(
            redact_quoted("rules[0]: unknown field `descripton`"),
            "rules[0]: unknown field `descripton`"
        );
    }

    #[test]
    fn fingerprint_is_sha256_of_the_value() {
        assert_eq!(
            fingerprint(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
