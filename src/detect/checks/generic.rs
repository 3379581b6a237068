//! Values assigned to secret-named keys: do they look like a credential?

use super::{Identity, Outcome};

/// A value assigned to a secret-named key must look like a credential, not like code or prose:
/// not a URL, path or ARN, not words and numbers joined by punctuation (`config.db.password`,
/// `keyword.tag-if`, `MI_UserCredentials_0`, `Token2022Program`, `custom_admin/form.html`), and
/// it mixes at least two of lower case, upper case, digits and symbols.
pub(super) fn generic_secret(v: &[u8]) -> Outcome {
    let s = String::from_utf8_lossy(v);
    // A value cut short for display (`eyJ2IjoiMSIs...`) is an example, not a credential.
    if s.ends_with("...") || s.contains('…') {
        return Outcome::Reject;
    }
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
    if crate::detect::entropy::shannon(v) < min_entropy_for_shape(v) {
        return Outcome::Reject;
    }
    Outcome::Pass(Identity::default())
}

/// The entropy a random value of this shape reaches: one bar for every value would drop a
/// third of random 32-digit hex keys (4 bits per character at most, ~3.7 typical) or keep
/// long repetitive words. Hex needs 3.0; other values 3.5, less when short, since a string of
/// n characters cannot exceed log2(n) bits: the bar is 0.7 below that (`trN7S2p_FxF7w7B`, 15
/// characters, has 3.46 of at most 3.91).
fn min_entropy_for_shape(v: &[u8]) -> f64 {
    if v.iter().all(u8::is_ascii_hexdigit) {
        return 3.0;
    }
    let cap = (v.len() as f64).log2() - 0.7;
    cap.min(3.5)
}

/// An HTTP Basic credential: base64 of `user:password` (RFC 7617), both printable, the user
/// a name and the password credential-like by the same test as [`generic_secret`] (so the
/// RFC's `Aladdin:open sesame` and `username:password` are not reported). The user becomes the
/// finding's `key_id`: it names the account without revealing the password.
pub(super) fn basic_auth(v: &[u8]) -> Outcome {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use base64::Engine as _;
    let Some(raw) = STANDARD
        .decode(v)
        .ok()
        .or_else(|| STANDARD_NO_PAD.decode(v).ok())
    else {
        return Outcome::Reject;
    };
    let Ok(text) = std::str::from_utf8(&raw) else {
        return Outcome::Reject;
    };
    let Some((user, password)) = text.split_once(':') else {
        return Outcome::Reject;
    };
    let printable = |s: &str| s.bytes().all(|b| (0x21..0x7f).contains(&b));
    if user.is_empty() || password.len() < 8 || !printable(user) || !printable(password) {
        return Outcome::Reject;
    }
    match generic_secret(password.as_bytes()) {
        Outcome::Pass(_) => Outcome::Pass(Identity {
            key_id: Some(user.to_string()),
            attributes: Default::default(),
        }),
        other => other,
    }
}

/// Words that, before `token` in a key, name a value that is no credential: pagination
/// cursors (`NextToken`, `nextPageToken`, `continuationToken`), anti-forgery and idempotency
/// tokens (`csrf_token`, `ClientRequestToken`, `ChangeToken`, `LifecycleActionToken` in AWS
/// APIs), store purchase tokens and DNS verification tokens (public by design).
const NOT_SECRET_TOKEN_PREFIX: &[&str] = &[
    "next",
    "page",
    "continuation",
    "pagination",
    "cursor",
    "sync",
    "csrf",
    "xsrf",
    "idempotency",
    "request",
    "change",
    "action",
    "purchase",
    "verification",
    "resumption",
    "marker",
    "start",
    "cancel",
];

/// The words of an identifier: split at punctuation and at lower-to-upper case humps.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in key.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cur = String::new();
        let mut prev_lower = false;
        for c in part.chars() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                words.push(std::mem::take(&mut cur).to_ascii_lowercase());
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            cur.push(c);
        }
        if !cur.is_empty() {
            words.push(cur.to_ascii_lowercase());
        }
    }
    words
}

/// Keys that mention a secret but hold something else: `private_key_id`, `token_url`,
/// `password_length`, `secret_name`. The key is the text before the assignment operator.
pub(crate) fn names_a_non_secret(matched: &[u8]) -> bool {
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
    let text = text.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '<');
    // An XML element, `<secret_name>value</secret_name>`: the key is the tag.
    let key = match text.strip_prefix('<') {
        Some(rest) => &rest[..rest.find('>').unwrap_or(rest.len())],
        None => &text[..text.find(['=', ':', '<']).unwrap_or(text.len())],
    };
    let mut key = key.trim().trim_end_matches(['"', '\'', '?']);
    // A name/value pair, `key="ApiKeyHeader" value=…`, `"name": "DB_PASSWORD", "value": …`:
    // the key is the quoted name.
    if key.eq_ignore_ascii_case("key") || key.eq_ignore_ascii_case("name") {
        let rest = &text[key.len()..];
        if let Some(q) = rest.find(['"', '\'']) {
            let rest = &rest[q + 1..];
            key = &rest[..rest.find(['"', '\'']).unwrap_or(rest.len())];
        }
    }
    let words = key_words(key);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_SECRET.contains(&last.as_str()) {
        return true;
    }
    // `token_cache_key`, `self.cached_token_key`: where a cache entry lives (a hash of the
    // request), not a key that opens anything (issue 15, read on the bench corpus).
    let n = words.len();
    if last == "key" && n >= 2 && (words[n - 2] == "cache" || words.iter().any(|w| w == "cached")) {
        return true;
    }
    // `NextToken`, `next_page_token`: the word before `token` says what sort of token.
    last == "token" && n >= 2 && NOT_SECRET_TOKEN_PREFIX.contains(&words[n - 2].as_str())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_needs_a_credential_like_password() {
        // base64 of "ci-bot:q7Rz2LxN4vKp9TmWb3Yc"
        match basic_auth(b"Y2ktYm90OnE3UnoyTHhONHZLcDlUbVdiM1lj") {
            Outcome::Pass(id) => assert_eq!(id.key_id.as_deref(), Some("ci-bot")),
            other => panic!("{other:?}"),
        }
        for v in [
            "dXNlcm5hbWU6cGFzc3dvcmQ=",         // username:password
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",     // Aladdin:open sesame (RFC 7617)
            "c29tZXRoaW5nIHdpdGhvdXQgY29sb24=", // no colon
            "Oq7Rz2LxN4vKp9TmWb3Yc",            // not base64 of text
        ] {
            assert!(!matches!(basic_auth(v.as_bytes()), Outcome::Pass(_)), "{v}");
        }
    }

    #[test]
    fn keys_that_name_something_else() {
        for m in [
            "\"NextToken\": \"AAEAAb3JpZ2luX2Zvb2Jhcg\"",
            "nextPageToken: \"CiAKGjBpNDd2Nmp2Zml2\"",
            "<secret_name>prod/db</secret_name>",
            "key=\"ApiKeyHeader\" value=\"X-Api-Key\"",
            "  \"private_key_id\": \"7db588db39da\"",
            "csrf_token = \"abc\"",
            "\"ClientRequestToken\": \"a8ca07e4-61ec-4399-99f4-19853801bcd5\",",
            "\"ChangeToken\": \"abcd12f2-46da-4fdb-b8d5-fbd4c466928f\",",
            "token_cache_key = '4d1f0a7be9c2d35e8f60a1b27c94e3d5f8a06b12'",
            "self.cached_token_key = '4d1f0a7be9c2d35e8f60a1b27c94e3d5f8a06b12'",
        ] {
            assert!(names_a_non_secret(m.as_bytes()), "{m}");
        }
        for m in [
            "clientSecret := \"Zp4xQ8rNw2LmK7vTy5Bs\"",
            "<password>Zp4xQ8rNw2LmK7vTy5Bs</password>",
            "{\"name\": \"DB_PASSWORD\", \"value\": \"hT3nR8pW2qL6xZ9vK4mB\"}",
            "refresh_token = \"abc\"",
            "cache_api_key = \"Zp4xQ8rNw2LmK7vTy5Bs\"",
        ] {
            assert!(!names_a_non_secret(m.as_bytes()), "{m}");
        }
        assert_eq!(key_words("nextPageToken"), ["next", "page", "token"]);
        assert_eq!(key_words("DB_PASSWORD"), ["db", "password"]);
    }

    #[test]
    fn entropy_bar_follows_the_shape() {
        // Random hex with repeats, a short mixed password: kept.
        for v in ["4a411eea393b1600c640643486887803", "trN7S2p_FxF7w7B"] {
            assert!(
                matches!(generic_secret(v.as_bytes()), Outcome::Pass(_)),
                "{v}"
            );
        }
        // Long but repetitive.
        for v in ["abababababab12", "aaaaaaaaaaaaaaaaaaaB1"] {
            assert_eq!(generic_secret(v.as_bytes()), Outcome::Reject, "{v}");
        }
    }
}
