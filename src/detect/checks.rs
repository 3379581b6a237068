//! Offline validators named by a rule's `check`. They cut false positives (a GitHub token whose
//! CRC-32 does not match was typed by a person, not issued by GitHub) and derive non-secret
//! identifiers (`key_id`, attributes) that the inventory can match on. A validator never returns
//! the secret itself as an identifier.

use std::collections::BTreeMap;

use crate::rules::Check;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// What a validator says about one candidate.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Structurally valid; may carry identifiers.
    Pass(Identity),
    /// The shape matched but the checksum or structure did not: keep at low confidence.
    Fail,
    /// Not this kind of secret at all (a JWT that is not JSON, a password that is a variable).
    Reject,
}

/// Non-secret identifiers derived from a credential.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Identity {
    pub key_id: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

impl Identity {
    fn key(key_id: impl Into<String>) -> Identity {
        Identity {
            key_id: Some(key_id.into()),
            attributes: BTreeMap::new(),
        }
    }
    fn attr(mut self, k: &str, v: impl Into<String>) -> Identity {
        self.attributes.insert(k.to_string(), v.into());
        self
    }
}

/// A candidate as the validator sees it: the secret, and the content around it.
pub struct Input<'a> {
    pub secret: &'a [u8],
    /// The whole regex match (URI around a password, JSON around a key), and where it starts
    /// in `data`.
    pub matched: &'a [u8],
    pub matched_start: usize,
    /// The whole content and the secret's span in it, for identifiers that sit nearby.
    pub data: &'a [u8],
    pub span: (usize, usize),
}

impl Check {
    pub fn run(self, input: &Input) -> Outcome {
        match self {
            Check::GithubCrc32 | Check::NpmCrc32 => base62_crc32(input.secret),
            Check::PypiMacaroon => pypi_macaroon(input.secret),
            Check::AwsAccessKeyId => aws_access_key_id(input.secret),
            Check::GcpServiceAccount => gcp_service_account(input),
            Check::Jwt => jwt(input.secret),
            Check::PemPrivateKey => pem_private_key(input.secret),
            Check::ConnectionUri => connection_uri(input),
            Check::AzureStorageKey => azure_storage_key(input),
            Check::GenericSecret => {
                if names_a_non_secret(input.matched) {
                    Outcome::Reject
                } else {
                    generic_secret(input.secret)
                }
            }
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_encode(mut n: u32, width: usize) -> Vec<u8> {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// GitHub (`gh?_`) and npm (`npm_`) tokens: 30 random base62 characters after the prefix, then
/// 6 characters of base62 CRC-32 of those 30 (GitHub blog, 2021-04-05; npm changelog 2021-09-23).
fn base62_crc32(secret: &[u8]) -> Outcome {
    let Some(us) = secret.iter().position(|&b| b == b'_') else {
        return Outcome::Fail;
    };
    let body = &secret[us + 1..];
    if body.len() != 36 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return Outcome::Fail;
    }
    let (random, sum) = body.split_at(30);
    if base62_encode(crc32fast::hash(random), 6) == sum {
        Outcome::Pass(Identity::default())
    } else {
        Outcome::Fail
    }
}

/// `pypi-` + base64 of a v2 macaroon whose location is pypi.org; the identifier names the token.
fn pypi_macaroon(secret: &[u8]) -> Outcome {
    let Some(body) = secret.strip_prefix(b"pypi-") else {
        return Outcome::Fail;
    };
    let Some(bin) = decode_b64(body) else {
        return Outcome::Fail;
    };
    // v2 binary format: version byte 2, then fields (type varint, length varint, bytes).
    if bin.first() != Some(&2) {
        return Outcome::Fail;
    }
    let mut i = 1;
    let mut location = None;
    let mut identifier = None;
    while i < bin.len() && (location.is_none() || identifier.is_none()) {
        let Some((ty, n)) = varint(&bin[i..]) else {
            break;
        };
        i += n;
        if ty == 0 {
            break;
        }
        let Some((len, n)) = varint(&bin[i..]) else {
            break;
        };
        i += n;
        let Some(value) = bin.get(i..i + len as usize) else {
            break;
        };
        i += len as usize;
        match ty {
            1 => location = Some(value),
            2 => identifier = Some(value),
            _ => {}
        }
    }
    match location {
        Some(loc) if loc.ends_with(b"pypi.org") => {
            let id = identifier
                .filter(|v| v.len() <= 128 && v.iter().all(|b| b.is_ascii_graphic()))
                .map(|v| format!("pypi:{}", String::from_utf8_lossy(v)));
            Outcome::Pass(Identity {
                key_id: id,
                attributes: BTreeMap::from([(
                    "location".to_string(),
                    String::from_utf8_lossy(loc).into_owned(),
                )]),
            })
        }
        _ => Outcome::Fail,
    }
}

fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(9) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// An AWS access key id is a non-secret identifier (it appears in CloudTrail and IAM); the
/// 16 characters after its 4-letter prefix are base32 whose first 6 bytes hold the account id
/// shifted left by 7 bits.
fn aws_access_key_id(secret: &[u8]) -> Outcome {
    if secret.len() != 20 {
        return Outcome::Fail;
    }
    let mut bits: u128 = 0;
    for &c in &secret[4..] {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return Outcome::Fail,
        };
        bits = (bits << 5) | u128::from(v);
    }
    // 16 chars * 5 bits = 80 bits; the top 48 bits are the first 6 bytes.
    let first6 = (bits >> 32) as u64;
    let account = (first6 & 0x7fff_ffff_ff80) >> 7;
    Outcome::Pass(
        Identity::key(String::from_utf8_lossy(secret)).attr("account_id", format!("{account:012}")),
    )
}

/// A service-account key file: `client_email` and `private_key_id` sit in the same JSON object.
fn gcp_service_account(input: &Input) -> Outcome {
    let lo = input.span.0.saturating_sub(4096);
    let hi = (input.span.1 + 4096).min(input.data.len());
    let around = &input.data[lo..hi];
    let email = json_string_field(around, b"client_email");
    let key_id = json_string_field(around, b"private_key_id");
    let mut id = Identity {
        key_id: email.clone(),
        attributes: BTreeMap::new(),
    };
    if let Some(k) = key_id {
        id.attributes.insert("private_key_id".into(), k);
    }
    if let Some(e) = email {
        if let Some(project) = e.split('@').nth(1).and_then(|d| d.split('.').next()) {
            id.attributes.insert("project".into(), project.to_string());
        }
    }
    Outcome::Pass(id)
}

/// The string value of `"field": "value"` in a JSON text (escaped quotes are not expected in
/// the identifiers we read).
fn json_string_field(text: &[u8], field: &[u8]) -> Option<String> {
    let mut needle = Vec::with_capacity(field.len() + 2);
    needle.push(b'"');
    needle.extend_from_slice(field);
    needle.push(b'"');
    let at = memchr::memmem::find(text, &needle)? + needle.len();
    let rest = &text[at..];
    let colon = rest.iter().position(|&b| !b.is_ascii_whitespace())?;
    if rest[colon] != b':' {
        return None;
    }
    let rest = &rest[colon + 1..];
    let q = rest.iter().position(|&b| !b.is_ascii_whitespace())?;
    if rest[q] != b'"' {
        return None;
    }
    let rest = &rest[q + 1..];
    let end = rest.iter().position(|&b| b == b'"')?;
    let v = &rest[..end];
    (!v.is_empty() && v.len() <= 256).then(|| String::from_utf8_lossy(v).into_owned())
}

fn decode_b64(s: &[u8]) -> Option<Vec<u8>> {
    let s: Vec<u8> = s
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    [&URL_SAFE_NO_PAD, &URL_SAFE, &STANDARD, &STANDARD_NO_PAD]
        .iter()
        .find_map(|e| e.decode(&s).ok())
}

/// Three base64url segments; header and payload are JSON objects and the header names `alg`.
fn jwt(secret: &[u8]) -> Outcome {
    let parts: Vec<&[u8]> = secret.split(|&b| b == b'.').collect();
    if parts.len() != 3 {
        return Outcome::Reject;
    }
    let json = |seg: &[u8]| -> Option<serde_json::Map<String, serde_json::Value>> {
        let bytes = URL_SAFE_NO_PAD
            .decode(seg)
            .ok()
            .or_else(|| URL_SAFE.decode(seg).ok())?;
        match serde_json::from_slice(&bytes).ok()? {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }
    };
    let (Some(header), Some(claims)) = (json(parts[0]), json(parts[1])) else {
        return Outcome::Reject;
    };
    if !header.contains_key("alg") {
        return Outcome::Reject;
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut id = Identity::default();
    if let Some(alg) = header.get("alg").and_then(text) {
        id.attributes.insert("alg".into(), alg);
    }
    for claim in ["iss", "sub", "aud", "exp", "iat", "role"] {
        if let Some(v) = claims.get(claim).and_then(text) {
            // Keep identifiers short: a claim is context, not a payload dump.
            if v.len() <= 200 {
                id.attributes.insert(claim.into(), v);
            }
        }
    }
    id.key_id = id
        .attributes
        .get("iss")
        .or_else(|| id.attributes.get("sub"))
        .cloned();
    if parts[2].is_empty() || header.get("alg").and_then(text).as_deref() == Some("none") {
        // Unsigned tokens carry no authority of their own.
        return Outcome::Fail;
    }
    Outcome::Pass(id)
}

/// The body of a PEM/OpenSSH/PGP block is base64 that decodes to something key-sized.
fn pem_private_key(secret: &[u8]) -> Outcome {
    // Keys embedded in code or env vars often carry escaped newlines and string quoting.
    let text = String::from_utf8_lossy(secret)
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\r", "");
    let mut body = String::new();
    let mut encrypted = text.contains("ENCRYPTED");
    for raw in text.lines() {
        let mut line = raw.trim();
        // String concatenation in code: `"MIIE..." +` or `'MIIE...',`
        for tail in ["\" +", "' +", "\"+", "'+", "\",", "',"] {
            if let Some(l) = line.strip_suffix(tail) {
                line = l;
            }
        }
        let line = line.trim_matches(|c| c == '"' || c == '\'').trim();
        if line.is_empty()
            || line.contains("-----")
            || line.contains(':')
            || (line.starts_with('=') && line.len() <= 6)
        {
            continue;
        }
        body.push_str(line);
    }
    let Some(der) = STANDARD
        .decode(body.as_bytes())
        .ok()
        .or_else(|| STANDARD_NO_PAD.decode(body.as_bytes()).ok())
    else {
        return Outcome::Reject;
    };
    if der.len() < 32 {
        return Outcome::Reject;
    }
    if der.starts_with(b"openssh-key-v1\0") {
        // The cipher name follows the magic as a length-prefixed string: "none" if unencrypted.
        let rest = &der[15..];
        if rest.len() >= 4 {
            let n = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            if rest.get(4..4 + n).is_some_and(|c| c != b"none") {
                encrypted = true;
            }
        }
    }
    let id = Identity::default().attr("encrypted", if encrypted { "true" } else { "false" });
    Outcome::Pass(id)
}

/// A password inside a connection string: `scheme://user:password@host/db`,
/// `jdbc:sqlserver://host;user=u;password=p`, `Server=h;User Id=u;Password=p`, or Oracle's
/// `user/password@host`. The rule's `secret` group is the password; the check rejects
/// variables and stand-ins and names the credential `user@host` from the rest of the match.
fn connection_uri(input: &Input) -> Outcome {
    let pw = String::from_utf8_lossy(input.secret);
    if is_stand_in(&pw) {
        return Outcome::Reject;
    }
    let raw = input.matched;
    // Where the password sits in the match: from the spans, not a text search (in
    // `postgres://postgres:postgres@` the first "postgres" is not the password).
    let at = input
        .span
        .0
        .saturating_sub(input.matched_start)
        .min(raw.len());
    let end = input
        .span
        .1
        .saturating_sub(input.matched_start)
        .clamp(at, raw.len());
    let m = String::from_utf8_lossy(raw);
    let before = String::from_utf8_lossy(&raw[..at]);
    let after = String::from_utf8_lossy(&raw[end..]);
    let (before, after) = (before.as_ref(), after.as_ref());
    let stop =
        |c: char| matches!(c, '/' | '?' | '#' | ';' | '"' | '\'' | ',' | '&') || c.is_whitespace();
    let mut user: Option<String> = None;
    let mut host: Option<String> = None;
    if let Some(rest) = after.strip_prefix('@') {
        // user:password@host, user/password@host, Oracle's user/password@//host
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        host = Some(if rest.starts_with('(') {
            tns_host(rest).unwrap_or_default()
        } else {
            rest.chars().take_while(|&c| !stop(c)).collect()
        });
        let before = before
            .strip_suffix(':')
            .or_else(|| before.strip_suffix('/'))
            .unwrap_or(before);
        let u: String = before
            .chars()
            .rev()
            .take_while(|&c| {
                !(c == '/' || c == '=' || c == ':' || c.is_whitespace() || c == '"' || c == '\'')
            })
            .collect();
        user = Some(u.chars().rev().collect());
    }
    // key=value properties anywhere in the match (JDBC, ADO.NET, ODBC, query strings).
    for part in m.split([';', '&', '?']) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        // DB2 starts its properties after the database name: `/SAMPLE:user=db2inst1;`
        let k = k.rsplit(':').next().unwrap_or(k);
        let v = v
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '{' || c == '}');
        match k.trim().to_ascii_lowercase().as_str() {
            "user id" | "userid" | "uid" | "user" | "username" | "user name"
                if user.as_deref().is_none_or(str::is_empty) =>
            {
                user = Some(v.to_string());
            }
            "server" | "data source" | "host" | "address" | "addr" | "hostname"
                if host.is_none() =>
            {
                host = Some(if v.starts_with('(') {
                    tns_host(&m[m.find(v).unwrap_or(0)..]).unwrap_or_default()
                } else {
                    v.to_string()
                });
            }
            _ => {}
        }
    }
    if host.is_none() {
        if let Some(i) = m.find("://") {
            let auth: String = m[i + 3..].chars().take_while(|&c| !stop(c)).collect();
            let auth = auth.rsplit('@').next().unwrap_or("").to_string();
            if !auth.is_empty() {
                host = Some(auth);
            }
        }
    }
    let host = host.map(|h| {
        let h = h.strip_prefix("tcp:").unwrap_or(&h);
        // ADO.NET writes the port after a comma.
        h.split(',').next().unwrap_or(h).to_string()
    });
    // Hosts reserved for documentation (RFC 2606) never hold real accounts.
    if host.as_deref().is_some_and(is_documentation_host) {
        return Outcome::Reject;
    }
    let mut id = Identity::default();
    match (
        user.filter(|u| !u.is_empty()),
        host.filter(|h| !h.is_empty()),
    ) {
        (Some(u), Some(h)) => {
            id.attributes.insert("host".into(), h.clone());
            id.key_id = Some(format!("{u}@{h}"));
        }
        (None, Some(h)) => {
            id.attributes.insert("host".into(), h.clone());
            id.key_id = Some(h);
        }
        (Some(u), None) => id.key_id = Some(u),
        (None, None) => {}
    }
    Outcome::Pass(id)
}

/// `HOST:PORT` out of an Oracle TNS descriptor `(DESCRIPTION=(ADDRESS=(HOST=h)(PORT=p))...)`.
fn tns_host(desc: &str) -> Option<String> {
    let upper = desc.to_ascii_uppercase();
    let value = |key: &str| {
        let i = upper.find(key)? + key.len();
        Some(
            desc[i..]
                .chars()
                .take_while(|&c| c != ')')
                .collect::<String>()
                .trim()
                .to_string(),
        )
    };
    let host = value("HOST=")?;
    Some(match value("PORT=") {
        Some(p) if !p.is_empty() => format!("{host}:{p}"),
        _ => host,
    })
}

fn is_documentation_host(host: &str) -> bool {
    let name = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| name == *d || name.ends_with(&format!(".{d}")))
        || [".example", ".invalid", ".test"]
            .iter()
            .any(|t| name.ends_with(t))
}

/// A password that stands in for one: a variable, a template, a mask or a word like `password`.
fn is_stand_in(pw: &str) -> bool {
    const WORDS: &[&str] = &[
        "password", "passwd", "pass", "pwd", "secret", "pw", "user", "username", "null", "none",
        "changeit", "admin", "guest", "tiger",
    ];
    // ADO.NET and ODBC quote values in braces: `{s3cr;t}` is a password, `{db_password}` and
    // `{{ pw }}` are templates.
    if let Some(inner) = pw.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        let template = inner.starts_with('{')
            || inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ' ' | '-'));
        return template || is_stand_in(inner);
    }
    // Shorter than four characters: `U:PS@H`, `a:b@` are documentation, not accounts.
    pw.chars().count() < 4
        || pw.starts_with(['$', '{', '<', '%', '*', '['])
        || pw.ends_with(['}', '>', '%', ']'])
        || WORDS.iter().any(|w| pw.eq_ignore_ascii_case(w))
        || pw.bytes().all(|b| b == pw.as_bytes()[0])
}

/// Azure storage account keys are base64 of 64 random bytes; the account name sits nearby.
fn azure_storage_key(input: &Input) -> Outcome {
    match STANDARD.decode(input.secret) {
        Ok(b) if b.len() == 64 => {}
        _ => return Outcome::Reject,
    }
    let lo = input.span.0.saturating_sub(512);
    let hi = (input.span.1 + 512).min(input.data.len());
    let around = String::from_utf8_lossy(&input.data[lo..hi]);
    let mut id = Identity::default();
    if let Some(i) = around.find("AccountName=") {
        let name: String = around[i + 12..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !name.is_empty() {
            id.key_id = Some(format!("azure-storage:{name}"));
        }
    }
    Outcome::Pass(id)
}

/// A value assigned to a secret-named key must look like a credential, not like code or prose:
/// not a URL, path or ARN, not words and numbers joined by punctuation (`config.db.password`,
/// `keyword.tag-if`, `MI_UserCredentials_0`, `Token2022Program`, `custom_admin/form.html`), and
/// it mixes at least two of lower case, upper case, digits and symbols.
fn generic_secret(v: &[u8]) -> Outcome {
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
fn names_a_non_secret(matched: &[u8]) -> bool {
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
fn made_of_words(s: &str) -> bool {
    // SCREAMING_SNAKE constants, digits or not: `D3DKMT_PRESENTHISTORYTOKEN_0`.
    if s.contains('_') && !s.bytes().any(|b| b.is_ascii_lowercase()) {
        return true;
    }
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|seg| !seg.is_empty())
        .all(is_word_run)
}

fn is_word_run(seg: &str) -> bool {
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
    #[test]
    fn generic_values() {
        for v in [
            "config.db.password",
            "DEFAULT_TOKEN_NAME",
            "accessTokenValue",
            "/etc/secret/key",
            "https://a.b/c",
        ] {
            assert_eq!(generic_secret(v.as_bytes()), Outcome::Reject, "{v}");
        }
        for v in [
            "q7Rz2LxN4vKp9TmW",
            "s3cr3t-P4ss",
            "a1b2c3d4e5f6a7b8",
            "f395038c92f1828cbb3991d2d6152d326b895606",
            "oT5ZkS8ctnrhYeeGsGTvOzPhoc/Jd1cO5fueBWFVmp8=",
            "a9f4-f152e97ad808",
        ] {
            assert!(
                matches!(generic_secret(v.as_bytes()), Outcome::Pass(_)),
                "{v}"
            );
        }
    }

    use super::*;

    fn input(secret: &[u8]) -> Input<'_> {
        Input {
            secret,
            matched: secret,
            matched_start: 0,
            data: secret,
            span: (0, secret.len()),
        }
    }

    fn github_token(random: &str) -> String {
        let sum = base62_encode(crc32fast::hash(random.as_bytes()), 6);
        format!("ghp_{random}{}", String::from_utf8(sum).unwrap())
    }

    #[test]
    fn github_checksum() {
        let t = github_token("R8xZq3Lm7Tn2Vb5Kc9Wd4Yf6Hj1Gs0");
        assert!(matches!(
            Check::GithubCrc32.run(&input(t.as_bytes())),
            Outcome::Pass(_)
        ));
        let mut bad = t.into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(Check::GithubCrc32.run(&input(&bad)), Outcome::Fail);
    }

    #[test]
    fn base62_padding() {
        assert_eq!(base62_encode(0, 6), b"000000");
        assert_eq!(base62_encode(61, 6), b"00000z");
        assert_eq!(base62_encode(62, 6), b"000010");
        assert_eq!(base62_encode(u32::MAX, 6), b"4gfFC3");
    }

    #[test]
    fn aws_account_from_key_id() {
        // Derivation documented publicly: ASIAY34FZKBOKMUTVV7A belongs to account 609629065308.
        match Check::AwsAccessKeyId.run(&input(b"ASIAY34FZKBOKMUTVV7A")) {
            Outcome::Pass(id) => {
                assert_eq!(id.attributes["account_id"], "609629065308");
                assert_eq!(id.key_id.as_deref(), Some("ASIAY34FZKBOKMUTVV7A"));
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn jwt_claims() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"iss":"https://auth.example.org","exp":1700000000}"#);
        let t = format!("{h}.{p}.c2lnbmF0dXJlLWJ5dGVz");
        match Check::Jwt.run(&input(t.as_bytes())) {
            Outcome::Pass(id) => {
                assert_eq!(id.key_id.as_deref(), Some("https://auth.example.org"));
                assert_eq!(id.attributes["exp"], "1700000000");
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(
            Check::Jwt.run(&input(b"eyJhbGciOi.not-json.x")),
            Outcome::Reject
        );
    }

    #[test]
    fn pem_body() {
        let body = STANDARD.encode([7u8; 100]);
        let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
        assert!(matches!(
            Check::PemPrivateKey.run(&input(pem.as_bytes())),
            Outcome::Pass(_)
        ));
        // Lines that begin or end with `+` are ordinary base64 (0xFB 0xEF 0xBE encodes as `++++`).
        let pluses = STANDARD.encode([0xFBu8, 0xEF, 0xBE].repeat(30));
        let plus = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n{}\n-----END PRIVATE KEY-----",
            &pluses[..60],
            &pluses[60..]
        );
        assert!(matches!(
            Check::PemPrivateKey.run(&input(plus.as_bytes())),
            Outcome::Pass(_)
        ));
        // Escaped newlines, as in an environment variable or a JSON string.
        let escaped = pem.replace('\n', "\\n");
        assert!(matches!(
            Check::PemPrivateKey.run(&input(escaped.as_bytes())),
            Outcome::Pass(_)
        ));
        let dots = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            Check::PemPrivateKey.run(&input(dots.as_bytes())),
            Outcome::Reject
        );
    }

    #[test]
    fn connection_uri_identity() {
        let m = b"postgres://app:Zx9-qL2v@db.internal:5432/orders";
        let i = Input {
            secret: b"Zx9-qL2v",
            matched: m,
            matched_start: 0,
            data: m,
            span: (15, 23),
        };
        match Check::ConnectionUri.run(&i) {
            Outcome::Pass(id) => assert_eq!(id.key_id.as_deref(), Some("app@db.internal:5432")),
            o => panic!("{o:?}"),
        }
        let cases = [
            ("postgres://postgres:postgres@localhost:5432/app", "postgres@localhost:5432"),
            ("jdbc:oracle:thin:scott/Zx9-qL2v@//ora1.corp.lan:1521/HR", "scott@ora1.corp.lan:1521"),
            ("scott/Zx9-qL2v@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora1)(PORT=1521)))", "scott@ora1:1521"),
            ("jdbc:db2://db2.corp.lan:50000/SAMPLE:user=db2inst1;password=Zx9-qL2v;", "db2inst1@db2.corp.lan:50000"),
            ("jdbc:sqlserver://bi-sql.database.windows.net:1433;user=bi_reader@bi-sql;password=Zx9-qL2v;", "bi_reader@bi-sql@bi-sql.database.windows.net:1433"),
            ("Server=tcp:prod.database.windows.net,1433;User Id=svc;Password=Zx9-qL2v;", "svc@prod.database.windows.net"),
            ("jdbc:postgresql://db:5432/app?user=etl&password=Zx9-qL2v", "etl@db:5432"),
            ("scott/Zx9-qL2v@orahost:1521/ORCL", "scott@orahost:1521"),
            ("redis://:Zx9-qL2v@cache:6379/0", "cache:6379"),
        ];
        for (m, want) in cases {
            let pw = if m.contains("Zx9-qL2v") {
                "Zx9-qL2v"
            } else {
                "postgres"
            };
            let start = m.rfind(pw).unwrap();
            let i = Input {
                secret: pw.as_bytes(),
                matched: m.as_bytes(),
                matched_start: 0,
                data: m.as_bytes(),
                span: (start, start + pw.len()),
            };
            match Check::ConnectionUri.run(&i) {
                Outcome::Pass(id) => assert_eq!(id.key_id.as_deref(), Some(want), "{m}"),
                o => panic!("{m}: {o:?}"),
            }
        }
        for pw in [
            "password",
            "${PW}",
            "$PW",
            "***",
            "<pw>",
            "%PW%",
            "{pw}",
            "Password",
            "{{ pw }}",
            "{db_password}",
        ] {
            let i = Input {
                secret: pw.as_bytes(),
                matched: b"",
                matched_start: 0,
                data: b"",
                span: (0, 0),
            };
            assert_eq!(Check::ConnectionUri.run(&i), Outcome::Reject, "{pw}");
        }
        let i = Input {
            secret: b"{qssQ8jYjKcMNJY~dHw}",
            matched: b"",
            matched_start: 0,
            data: b"",
            span: (0, 0),
        };
        assert!(matches!(Check::ConnectionUri.run(&i), Outcome::Pass(_)));
        let i = Input {
            secret: b"${PGPASSWORD}",
            matched: b"",
            matched_start: 0,
            data: b"",
            span: (0, 0),
        };
        assert_eq!(Check::ConnectionUri.run(&i), Outcome::Reject);
    }

    #[test]
    fn pypi_location() {
        // version 2, location "pypi.org", identifier "abc", end of section.
        let mut mac = vec![2u8, 1, 8];
        mac.extend_from_slice(b"pypi.org");
        mac.extend_from_slice(&[2, 3]);
        mac.extend_from_slice(b"abc");
        mac.push(0);
        let tok = format!("pypi-{}", URL_SAFE_NO_PAD.encode(&mac));
        match Check::PypiMacaroon.run(&input(tok.as_bytes())) {
            Outcome::Pass(id) => assert_eq!(id.key_id.as_deref(), Some("pypi:abc")),
            o => panic!("{o:?}"),
        }
    }
}
