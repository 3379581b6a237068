//! Cloud credentials: AWS key ids, GCP service-account files.

use std::collections::BTreeMap;

use super::{Identity, Input, Outcome};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// An AWS access key id is a non-secret identifier (it appears in CloudTrail and IAM); the
/// 16 characters after its 4-letter prefix are base32 whose first 6 bytes hold the account id
/// shifted left by 7 bits.
pub(super) fn aws_access_key_id(secret: &[u8]) -> Outcome {
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
pub(super) fn gcp_service_account(input: &Input) -> Outcome {
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

/// A whole service-account key file, base64-encoded (how CI systems and Kubernetes want it:
/// `GCP_SA_KEY`, `credentials.json` in a Secret). It must decode to JSON of type
/// `service_account` that holds a private key; a base64 file without a key is rejected.
/// The scan window may cut a long value: only the whole 4-character groups are decoded.
pub(super) fn gcp_service_account_base64(secret: &[u8]) -> Outcome {
    let whole = &secret[..secret.len() / 4 * 4];
    let Some(raw) = STANDARD.decode(whole).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(whole.trim_ascii_end())
            .ok()
    }) else {
        return Outcome::Reject;
    };
    let has = |needle: &[u8]| memchr::memmem::find(&raw, needle).is_some();
    if json_string_field(&raw, b"type").as_deref() != Some("service_account")
        || !has(b"\"private_key\"")
        || !has(b"PRIVATE KEY-----")
    {
        return Outcome::Reject;
    }
    let mut id = Identity {
        key_id: json_string_field(&raw, b"client_email"),
        attributes: BTreeMap::new(),
    };
    if let Some(k) = json_string_field(&raw, b"private_key_id") {
        id.attributes.insert("private_key_id".into(), k);
    }
    Outcome::Pass(id)
}

/// The string value of `"field": "value"` in a JSON text (escaped quotes are not expected in
/// the identifiers we read).
pub(super) fn json_string_field(text: &[u8], field: &[u8]) -> Option<String> {
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

/// Azure storage account keys are base64 of 64 random bytes; the account name sits nearby.
pub(super) fn azure_storage_key(input: &Input) -> Outcome {
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
