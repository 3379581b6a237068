//! Offline validators named by a rule's `check`. They cut false positives (a GitHub token whose
//! CRC-32 does not match was typed by a person, not issued by GitHub) and derive non-secret
//! identifiers (`key_id`, attributes) that the inventory can match on. A validator never returns
//! the secret itself as an identifier.

use std::collections::BTreeMap;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    GithubCrc32,
    NpmCrc32,
    PypiMacaroon,
    AwsAccessKeyId,
    GcpServiceAccount,
    Jwt,
    PemPrivateKey,
    ConnectionUri,
    AzureStorageKey,
    GenericSecret,
}

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
    /// The whole regex match (URI around a password, JSON around a key).
    pub matched: &'a [u8],
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
            Check::GenericSecret => generic_secret(input.secret),
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
    let text = String::from_utf8_lossy(secret);
    let mut body = String::new();
    let mut encrypted = text.contains("ENCRYPTED");
    for line in text.lines().map(str::trim) {
        if line.is_empty()
            || line.starts_with("-----")
            || line.contains(':')
            || (line.starts_with('=') && line.len() <= 6)
        {
            if line.contains("ENCRYPTED") {
                encrypted = true;
            }
            continue;
        }
        // Keys embedded in code often carry string quoting and escaped newlines per line.
        let cleaned = line
            .trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == '+')
            .replace("\\n", "")
            .replace("\\r", "");
        body.push_str(cleaned.trim());
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

/// `scheme://user:password@host/...`, or a `key=value;` connection string: the secret is the
/// password; it must not be a variable or a well-known stand-in, and `user@host` names it.
fn connection_uri(input: &Input) -> Outcome {
    let pw = input.secret;
    if pw.is_empty() || matches!(pw.first(), Some(b'$' | b'{' | b'<' | b'%')) {
        return Outcome::Reject;
    }
    const STAND_INS: &[&str] = &[
        "password", "passwd", "pass", "pwd", "secret", "pw", "user", "username", "null", "none",
    ];
    if STAND_INS
        .iter()
        .any(|s| pw.eq_ignore_ascii_case(s.as_bytes()))
    {
        return Outcome::Reject;
    }
    let m = String::from_utf8_lossy(input.matched);
    let mut id = Identity::default();
    if let Some(rest) = m.split("://").nth(1) {
        // URI form: user[:pw]@host[:port][/db]
        if let Some(at) = rest.rfind('@') {
            let user = rest[..at].split(':').next().unwrap_or("");
            let host: String = rest[at + 1..]
                .chars()
                .take_while(|c| !matches!(c, '/' | '?' | '#' | ';' | '"' | '\'' | ' ' | ','))
                .collect();
            if !host.is_empty() {
                id.key_id = Some(if user.is_empty() {
                    host.clone()
                } else {
                    format!("{user}@{host}")
                });
                id.attributes.insert("host".into(), host);
            }
        }
    } else {
        // key=value; form (ADO.NET, ODBC, JDBC properties).
        let mut user = None;
        let mut host = None;
        for part in m.split(';') {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            match k.trim().to_ascii_lowercase().as_str() {
                "user id" | "uid" | "user" | "username" => user = Some(v.trim().to_string()),
                "server" | "data source" | "host" | "address" => host = Some(v.trim().to_string()),
                _ => {}
            }
        }
        match (user, host) {
            (Some(u), Some(h)) => id.key_id = Some(format!("{u}@{h}")),
            (None, Some(h)) => id.key_id = Some(h),
            _ => {}
        }
    }
    Outcome::Pass(id)
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

/// A value assigned to a secret-named key must look like a credential, not like code: not a
/// member access (`config.db.password`), an identifier (`DEFAULT_TOKEN`, `accessToken`), a
/// path or a URL; and it mixes at least two of lower case, upper case, digits and symbols.
fn generic_secret(v: &[u8]) -> Outcome {
    let s = String::from_utf8_lossy(v);
    if s.contains("://") || s.starts_with('/') || s.starts_with("./") || s.starts_with("../") {
        return Outcome::Reject;
    }
    let ident = |p: &str| {
        let mut c = p.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
            && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    };
    // Member access or namespaced identifier: a.b.c, a::b, a->b
    let parts: Vec<&str> = s.split(['.', ':']).filter(|p| !p.is_empty()).collect();
    if parts.len() > 1 && parts.iter().all(|p| ident(p)) && !s.ends_with('.') {
        return Outcome::Reject;
    }
    // A plain identifier without digits: snake_case, SCREAMING_CASE, camelCase words.
    if ident(&s) && !s.bytes().any(|b| b.is_ascii_digit()) {
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
        for v in ["q7Rz2LxN4vKp9TmW", "s3cr3t-P4ss", "a1b2c3d4e5f6a7b8"] {
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
            data: m,
            span: (13, 21),
        };
        match Check::ConnectionUri.run(&i) {
            Outcome::Pass(id) => assert_eq!(id.key_id.as_deref(), Some("app@db.internal:5432")),
            o => panic!("{o:?}"),
        }
        let i = Input {
            secret: b"${PGPASSWORD}",
            matched: b"",
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
