//! Credentials whose body is structured base64: JWTs and PEM/OpenSSH/PGP private keys.

use super::{Identity, Outcome};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

pub(super) fn decode_b64(s: &[u8]) -> Option<Vec<u8>> {
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
pub(super) fn jwt(secret: &[u8]) -> Outcome {
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

/// A Kubernetes Secret `data` value is base64 of whatever the Secret holds. TLS and CA Secrets
/// keep the certificate (`tls.crt`, `ca.crt`) beside the key: a value that decodes to a
/// certificate, a public key or a CRL is public, so reject it; anything else passes.
pub(super) fn kubernetes_secret_data(secret: &[u8]) -> Outcome {
    let Ok(raw) = STANDARD.decode(secret) else {
        return Outcome::Pass(Identity::default());
    };
    let start = raw
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let text = &raw[start..];
    let public = [
        &b"-----BEGIN CERTIFICATE"[..],
        b"-----BEGIN TRUSTED CERTIFICATE",
        b"-----BEGIN PUBLIC KEY",
        b"-----BEGIN RSA PUBLIC KEY",
        b"-----BEGIN X509 CRL",
        b"-----BEGIN PGP PUBLIC KEY",
        b"ssh-rsa ",
        b"ssh-ed25519 ",
        b"ecdsa-sha2-",
    ];
    if public.iter().any(|p| text.starts_with(p)) {
        Outcome::Reject
    } else {
        Outcome::Pass(Identity::default())
    }
}

/// A block pasted on one line (a CI variable, a `.env` value): armor and base64 lines joined by
/// spaces, `-----BEGIN RSA PRIVATE KEY----- MIIE... -----END RSA PRIVATE KEY-----`. Returns
/// the body's words, or None when the block has line breaks (or no armor on this line).
fn one_line_body(text: &str) -> Option<Vec<&str>> {
    if text.trim().contains('\n') {
        return None;
    }
    let begin = text.find("-----BEGIN ")?;
    let open_end = begin + 11 + text[begin + 11..].find("-----")? + 5;
    let close = open_end + text[open_end..].find("-----END ")?;
    Some(text[open_end..close].split_whitespace().collect())
}

/// The body of a PEM/OpenSSH/PGP block is base64 that decodes to something key-sized.
pub(super) fn pem_private_key(secret: &[u8]) -> Outcome {
    // Keys embedded in code or env vars often carry escaped newlines and string quoting.
    let text = String::from_utf8_lossy(secret)
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\r", "");
    let mut body = String::new();
    let mut encrypted = text.contains("ENCRYPTED");
    let lines = one_line_body(&text).unwrap_or_else(|| text.lines().collect());
    for raw in lines {
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
            // RFC 4716-style armor of ssh.com keys has four dashes: `---- BEGIN SSH2 ...`.
            || line.starts_with("---- ")
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
