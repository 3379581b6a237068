//! Prefixed tokens with a checksum or an encoded structure: GitHub/npm base62 CRC-32, PyPI macaroons.

use super::{Identity, Outcome};
use std::collections::BTreeMap;

use super::structure::decode_b64;

pub(super) const BASE62: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub(super) fn base62_encode(mut n: u32, width: usize) -> Vec<u8> {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// GitHub (`gh?_`) and npm (`npm_`) tokens: 30 random base62 characters after the prefix, then
/// 6 characters of base62 CRC-32 of those 30 (GitHub blog, 2021-04-05; npm changelog 2021-09-23).
pub(super) fn base62_crc32(secret: &[u8]) -> Outcome {
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
pub(super) fn pypi_macaroon(secret: &[u8]) -> Outcome {
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

pub(super) fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(9) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}
