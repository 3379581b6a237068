//! Values assigned to secret-named keys: do they look like a credential?

use super::{Identity, Outcome};

/// A value assigned to a secret-named key must look like a credential, not like code or prose:
/// not a URL, path or ARN, not words and numbers joined by punctuation (`config.db.password`,
/// `keyword.tag-if`, `MI_UserCredentials_0`, `Token2022Program`, `custom_admin/form.html`), and
/// it mixes at least two of lower case, upper case, digits and symbols.
pub(super) fn generic_secret(v: &[u8]) -> Outcome {
    let s = String::from_utf8_lossy(v);
    if s.contains("://")
        || s.starts_with(['/', '.'])
        || s.starts_with("arn:")
        || s.contains("%2F")
        || made_of_words(&s)
    {
        return Outcome::Reject;
    }
    let classes = [
        s.bytes().any(|b| b.is_ascii_lowercase()),
        s.bytes().any(|b| b.is_ascii_uppercase()),
        s.bytes().any(|b| b.is_ascii_digit()),
        s.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&c| c).count() < 2 {
        return Outcome::Reject;
    }
    Outcome::Pass(Identity::default())
}

/// Keys that mention a secret but hold something else: `private_key_id`, `token_url`,
/// `password_length`, `secret_name`. The key is the text before the assignment operator.
pub(super) fn names_a_non_secret(matched: &[u8]) -> bool {
    const NOT_SECRET: &[&str] = &[
        "id",
        "ids",
        "name",
        "names",
        "type",
        "types",
        "path",
        "file",
        "filename",
        "dir",
        "url",
        "uri",
        "endpoint",
        "host",
        "length",
        "len",
        "size",
        "count",
        "min",
        "max",
        "prefix",
        "suffix",
        "header",
        "field",
        "env",
        "var",
        "param",
        "format",
        "version",
        "ref",
        "arn",
        "expiry",
        "expires",
        "expiration",
        "timeout",
        "ttl",
        "pattern",
        "regex",
        "label",
        "hint",
        "policy",
        "rotation",
        "mode",
        "kind",
        "scope",
        "scopes",
        "provider",
        "location",
        "algorithm",
        "alg",
        "hash",
        "digest",
        "fingerprint",
        "age",
        "index",
        "enabled",
    ];
    let text = String::from_utf8_lossy(matched);
    let key_end = text.find(['=', ':', '<']).unwrap_or(text.len());
    let key = text[..key_end]
        .trim()
        .trim_end_matches(['"', '\'', '?'])
        .to_ascii_lowercase();
    let last = key
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .find(|s| !s.is_empty())
        .unwrap_or("");
    NOT_SECRET.contains(&last)
}

/// True when every piece between punctuation is a word people write: letters only, digits
/// only, or `camelCase`/`PascalCase`/`SCREAMING` words followed by numbers. Random tokens
/// almost never split that way; names, keys and messages always do.
pub(super) fn made_of_words(s: &str) -> bool {
    // SCREAMING_SNAKE constants, digits or not: `D3DKMT_PRESENTHISTORYTOKEN_0`.
    if s.contains('_') && !s.bytes().any(|b| b.is_ascii_lowercase()) {
        return true;
    }
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|seg| !seg.is_empty())
        .all(is_word_run)
}

pub(super) fn is_word_run(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.iter().all(u8::is_ascii_alphabetic) || b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        }
        if !b[i].is_ascii_alphabetic() {
            return false;
        }
        let start = i;
        if b[i].is_ascii_uppercase() {
            // An upper-case run: an acronym (`HTTP2`) or a capital starting a word (`Token`).
            while i < b.len() && b[i].is_ascii_uppercase() {
                i += 1;
            }
            let upper = i - start;
            let mut lower = 0;
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
                lower += 1;
            }
            // `Q8`, `Rz2` or `xN4` are noise; `Token`, `HTTP`, `My` are words.
            if upper == 1 && lower < 2 && !(start == 0 && lower >= 1) {
                return false;
            }
        } else {
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
            }
            // A word starts the segment or follows digits; lone lower-case letters are noise.
            if i - start < 3 && start != 0 {
                return false;
            }
            if i - start < 2 {
                return false;
            }
        }
    }
    true
}
