//! Prefixed and structured formats whose issuer builds in a checksum or an encoded payload:
//! Grafana service-account tokens (CRC-32), age identities (Bech32), NATS NKey seeds (CRC-16),
//! and tokens that are base64 JSON (Grafana Cloud, Sentry, Cloudflare Tunnel) or a fixed binary
//! layout (Bitwarden Secrets Manager, minisign). A wrong checksum is a `Fail` (typed by hand, kept
//! at low confidence); a payload that is not the documented structure is a `Reject`.

use super::structure::decode_b64;
use super::{Identity, Outcome};

/// `glsa_` + 32 alphanumerics + `_` + 8 hex: the CRC-32 (IEEE) of everything before the last
/// `_`, as little-endian bytes in hex (Grafana `pkg/components/satokengen`).
pub(super) fn grafana_crc32(secret: &[u8]) -> Outcome {
    let Some(us) = secret.iter().rposition(|&b| b == b'_') else {
        return Outcome::Fail;
    };
    let (key, sum) = (&secret[..us], &secret[us + 1..]);
    if sum.len() != 8 || !key.starts_with(b"gl") {
        return Outcome::Fail;
    }
    let want = hex_lower(&crc32fast::hash(key).to_le_bytes());
    if sum.eq_ignore_ascii_case(want.as_bytes()) {
        Outcome::Pass(Identity::default())
    } else {
        Outcome::Fail
    }
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

type Object = serde_json::Map<String, serde_json::Value>;

fn b64_json(s: &[u8]) -> Option<Object> {
    match serde_json::from_slice(&decode_b64(s)?).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

fn string_field<'a>(o: &'a Object, k: &str) -> Option<&'a str> {
    o.get(k)?.as_str().filter(|s| !s.is_empty())
}

/// `glc_` + base64 of `{"o": org id, "n": token name, "k": key, "m": {"r": region}}`.
pub(super) fn grafana_cloud_token(secret: &[u8]) -> Outcome {
    let Some(body) = secret.strip_prefix(b"glc_") else {
        return Outcome::Reject;
    };
    let Some(o) = b64_json(body) else {
        return Outcome::Reject;
    };
    let (Some(org), Some(name), Some(_)) = (
        string_field(&o, "o"),
        string_field(&o, "n"),
        string_field(&o, "k"),
    ) else {
        return Outcome::Fail;
    };
    let mut id = Identity::key(format!("grafana-cloud:{org}:{name}")).attr("org_id", org);
    if let Some(region) = o.get("m").and_then(|m| m.get("r")).and_then(|r| r.as_str()) {
        id = id.attr("region", region);
    }
    Outcome::Pass(id)
}

/// `sntrys_` + base64 of `{"iat": .., "url": .., "region_url": .., "org": ..}` + `_` + secret
/// (Sentry's token-format page).
pub(super) fn sentry_org_token(secret: &[u8]) -> Outcome {
    let Some(rest) = secret.strip_prefix(b"sntrys_") else {
        return Outcome::Reject;
    };
    let Some(us) = rest.iter().rposition(|&b| b == b'_') else {
        return Outcome::Reject;
    };
    let Some(o) = b64_json(&rest[..us]) else {
        return Outcome::Reject;
    };
    let (Some(true), Some(url), Some(org)) = (
        o.get("iat").map(serde_json::Value::is_number),
        string_field(&o, "url"),
        string_field(&o, "org"),
    ) else {
        return Outcome::Fail;
    };
    if rest.len() - us - 1 < 32 {
        return Outcome::Fail;
    }
    Outcome::Pass(Identity::key(format!("sentry:{org}")).attr("url", url))
}

const BECH32: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk = 1u32;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// A Bech32 string (BIP-173, constant 1) with a valid checksum; either case, not mixed.
fn bech32_valid(s: &[u8]) -> bool {
    let lower = s.to_ascii_lowercase();
    if s != lower && s != s.to_ascii_uppercase() {
        return false;
    }
    let Some(sep) = lower.iter().rposition(|&b| b == b'1') else {
        return false;
    };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return false;
    }
    let mut values: Vec<u8> = hrp.iter().map(|b| b >> 5).collect();
    values.push(0);
    values.extend(hrp.iter().map(|b| b & 31));
    for c in data {
        match BECH32.iter().position(|x| x == c) {
            Some(v) => values.push(v as u8),
            None => return false,
        }
    }
    bech32_polymod(&values) == 1
}

/// `AGE-SECRET-KEY-1` + Bech32 data of a 32-byte X25519 key + checksum (age-encryption.org/v1).
pub(super) fn age_bech32(secret: &[u8]) -> Outcome {
    if bech32_valid(secret) {
        Outcome::Pass(Identity::default())
    } else {
        Outcome::Fail
    }
}

fn base32_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0), as the NATS nkeys library uses.
fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// A NATS NKey seed: base32 of two prefix bytes (seed marker 18<<3 plus the key type), a 32-byte
/// Ed25519 seed and a little-endian CRC-16/XMODEM of the 34 bytes before it.
pub(super) fn nkey_crc16(secret: &[u8]) -> Outcome {
    let Some(raw) = base32_decode(secret) else {
        return Outcome::Fail;
    };
    if raw.len() != 36 || raw[0] & 0xf8 != 18 << 3 {
        return Outcome::Fail;
    }
    let (body, sum) = raw.split_at(34);
    if crc16_xmodem(body).to_le_bytes() != sum {
        return Outcome::Fail;
    }
    let kind = match ((raw[0] & 7) << 5) | (raw[1] >> 3) {
        k if k == 20 << 3 => "user",
        0 => "account",
        k if k == 14 << 3 => "operator",
        k if k == 13 << 3 => "server",
        k if k == 2 << 3 => "cluster",
        k if k == 23 << 3 => "curve",
        _ => return Outcome::Fail,
    };
    Outcome::Pass(Identity::default().attr("nkey_type", kind))
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// base64 of `{"a": account tag (32 hex), "t": tunnel UUID, "s": base64 tunnel secret}`.
pub(super) fn cloudflare_tunnel_token(secret: &[u8]) -> Outcome {
    let Some(o) = b64_json(secret) else {
        return Outcome::Reject;
    };
    let (Some(account), Some(tunnel), Some(s)) = (
        string_field(&o, "a"),
        string_field(&o, "t"),
        string_field(&o, "s"),
    ) else {
        return Outcome::Reject;
    };
    let account_ok = account.len() == 32 && account.bytes().all(|c| c.is_ascii_hexdigit());
    let secret_ok = decode_b64(s.as_bytes()).is_some_and(|k| k.len() >= 32);
    if !account_ok || !is_uuid(tunnel) || !secret_ok {
        return Outcome::Fail;
    }
    Outcome::Pass(Identity::key(format!("cloudflare-tunnel:{tunnel}")).attr("account_tag", account))
}

/// `0.<access token id (UUID)>.<client secret>:<base64 of a 16-byte encryption key>`.
pub(super) fn bitwarden_access_token(secret: &[u8]) -> Outcome {
    let s = String::from_utf8_lossy(secret);
    let Some(rest) = s.strip_prefix("0.") else {
        return Outcome::Reject;
    };
    let Some((id, rest)) = rest.split_once('.') else {
        return Outcome::Reject;
    };
    let Some((client_secret, key)) = rest.split_once(':') else {
        return Outcome::Reject;
    };
    if !is_uuid(id) || client_secret.is_empty() {
        return Outcome::Reject;
    }
    if decode_b64(key.as_bytes()).is_none_or(|k| k.len() != 16) {
        return Outcome::Fail;
    }
    Outcome::Pass(Identity::key(format!("bitwarden:{id}")))
}

/// The base64 line of a minisign secret key: 158 bytes, signature algorithm `Ed`, KDF `Sc`
/// (scrypt) or two zero bytes (unencrypted), checksum algorithm `B2` (minisign's key format).
pub(super) fn minisign_secret_key(secret: &[u8]) -> Outcome {
    let Some(raw) = decode_b64(secret) else {
        return Outcome::Reject;
    };
    let kdf_ok = matches!(&raw.get(2..4), Some(b"Sc") | Some([0, 0]));
    if raw.len() != 158 || &raw[..2] != b"Ed" || !kdf_ok || &raw[4..6] != b"B2" {
        return Outcome::Fail;
    }
    Outcome::Pass(Identity::default())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use base64::Engine as _;

    fn pass(o: Outcome) -> bool {
        matches!(o, Outcome::Pass(_))
    }

    /// Replaces the character at `i` by another of the same class.
    fn flip(s: &str, i: usize) -> String {
        let mut b = s.as_bytes().to_vec();
        b[i] = match b[i] {
            b'9' => b'8',
            b'z' => b'y',
            b'Z' => b'Y',
            c => c + 1,
        };
        String::from_utf8(b).unwrap()
    }

    pub fn grafana_sa(random: &str) -> String {
        let key = format!("glsa_{random}");
        let sum = hex_lower(&crc32fast::hash(key.as_bytes()).to_le_bytes());
        format!("{key}_{sum}")
    }

    #[test]
    fn grafana_service_account_checksum() {
        let t = grafana_sa("Xq7Lm2Vn4Bc8Ks1Pd3Tw6Hy0Ju5Ga9Re");
        assert!(pass(grafana_crc32(t.as_bytes())));
        assert_eq!(grafana_crc32(flip(&t, 10).as_bytes()), Outcome::Fail);
        assert_eq!(
            grafana_crc32(flip(&t, t.len() - 1).as_bytes()),
            Outcome::Fail
        );
    }

    #[test]
    fn grafana_cloud_structure() {
        let body = STANDARD.encode(br#"{"o":"804213","n":"ci-publish","k":"r7Qm2Xv9Lk4Tn8Bw1Zc6Hs3J","m":{"r":"prod-eu-west-2"}}"#);
        match grafana_cloud_token(format!("glc_{body}").as_bytes()) {
            Outcome::Pass(id) => {
                assert_eq!(id.attributes["org_id"], "804213");
                assert_eq!(id.attributes["region"], "prod-eu-west-2");
            }
            o => panic!("{o:?}"),
        }
        let no_key = STANDARD.encode(br#"{"o":"804213","n":"ci-publish"}"#);
        assert_eq!(
            grafana_cloud_token(format!("glc_{no_key}").as_bytes()),
            Outcome::Fail
        );
        assert_eq!(grafana_cloud_token(b"glc_eyJub3QganNvbg"), Outcome::Reject);
    }

    #[test]
    fn sentry_org_structure() {
        let p = STANDARD.encode(br#"{"iat":1733480000.52,"url":"https://sentry.io","region_url":"https://de.sentry.io","org":"lumen-labs"}"#);
        let s = STANDARD_NO_PAD.encode([7u8; 32]);
        match sentry_org_token(format!("sntrys_{p}_{s}").as_bytes()) {
            Outcome::Pass(id) => assert_eq!(id.key_id.as_deref(), Some("sentry:lumen-labs")),
            o => panic!("{o:?}"),
        }
        let no_org = STANDARD.encode(br#"{"iat":1733480000,"url":"https://sentry.io"}"#);
        assert_eq!(
            sentry_org_token(format!("sntrys_{no_org}_{s}").as_bytes()),
            Outcome::Fail
        );
        assert_eq!(
            sentry_org_token(format!("sntrys_{p}_short").as_bytes()),
            Outcome::Fail
        );
        assert_eq!(
            sentry_org_token(b"sntrys_eyJpYXQiOjE3MzUw_x"),
            Outcome::Reject
        );
    }

    /// Encodes 32 bytes as an upper-case `AGE-SECRET-KEY-1` Bech32 string.
    pub fn age_key(bytes: &[u8; 32]) -> String {
        let hrp = b"age-secret-key-";
        let mut data = Vec::new();
        let (mut acc, mut bits) = (0u32, 0u32);
        for &b in bytes {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                data.push(((acc >> bits) & 31) as u8);
            }
        }
        if bits > 0 {
            data.push(((acc << (5 - bits)) & 31) as u8);
        }
        let mut values: Vec<u8> = hrp.iter().map(|b| b >> 5).collect();
        values.push(0);
        values.extend(hrp.iter().map(|b| b & 31));
        values.extend(&data);
        values.extend([0u8; 6]);
        let m = bech32_polymod(&values) ^ 1;
        data.extend((0..6).map(|i| ((m >> (5 * (5 - i))) & 31) as u8));
        let s: String = data.iter().map(|&v| BECH32[v as usize] as char).collect();
        format!("AGE-SECRET-KEY-1{s}").to_ascii_uppercase()
    }

    #[test]
    fn bech32_spec_vectors() {
        // Valid and invalid strings listed in BIP-173.
        assert!(bech32_valid(b"A12UEL5L"));
        assert!(bech32_valid(
            b"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"
        ));
        assert!(!bech32_valid(b"A12UEL5l"));
        assert!(!bech32_valid(
            b"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxx"
        ));
    }

    #[test]
    fn age_checksum() {
        let k = age_key(&[0x5a; 32]);
        assert_eq!(k.len(), 74);
        assert!(pass(age_bech32(k.as_bytes())));
        // Q and P are the Bech32 characters for 0 and 1.
        let mut bad = k.clone().into_bytes();
        bad[30] = if bad[30] == b'Q' { b'P' } else { b'Q' };
        assert_eq!(age_bech32(&bad), Outcome::Fail);
        assert!(pass(age_bech32(k.to_ascii_lowercase().as_bytes())));
    }

    fn base32_encode(b: &[u8]) -> String {
        const A: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let (mut acc, mut bits, mut out) = (0u32, 0u32, String::new());
        for &x in b {
            acc = (acc << 8) | u32::from(x);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(A[((acc >> bits) & 31) as usize] as char);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(A[((acc << (5 - bits)) & 31) as usize] as char);
        }
        out
    }

    /// A seed of NKey type `prefix` (user 20<<3, account 0, operator 14<<3...).
    pub fn nkey_seed(prefix: u8, seed: &[u8; 32]) -> String {
        let mut raw = vec![(18 << 3) | (prefix >> 5), (prefix & 31) << 3];
        raw.extend(seed);
        let sum = crc16_xmodem(&raw).to_le_bytes();
        raw.extend(sum);
        base32_encode(&raw)
    }

    #[test]
    fn nkey_checksum() {
        // CRC-16/XMODEM check value of "123456789".
        assert_eq!(crc16_xmodem(b"123456789"), 0x31c3);
        for (prefix, start, kind) in [
            (20 << 3, "SU", "user"),
            (0, "SA", "account"),
            (14 << 3, "SO", "operator"),
        ] {
            let s = nkey_seed(prefix, &[0x3c; 32]);
            assert_eq!(s.len(), 58);
            assert!(s.starts_with(start), "{s}");
            match nkey_crc16(s.as_bytes()) {
                Outcome::Pass(id) => assert_eq!(id.attributes["nkey_type"], kind),
                o => panic!("{o:?}"),
            }
            assert_eq!(nkey_crc16(flip(&s, 20).as_bytes()), Outcome::Fail, "{s}");
        }
    }

    #[test]
    fn cloudflare_tunnel_structure() {
        let s = STANDARD.encode([9u8; 32]);
        let j = format!(
            r#"{{"a":"3f9c1e7a2b4d6f8091a3c5e7f9b1d3e5","t":"5d2f8a4c-1b3e-4f6a-9c8d-7e0b2a4c6e8f","s":"{s}"}}"#
        );
        assert!(pass(cloudflare_tunnel_token(
            STANDARD.encode(&j).as_bytes()
        )));
        let bad = j.replace("5d2f8a4c-1b3e", "5d2f8a4c_1b3e");
        assert_eq!(
            cloudflare_tunnel_token(STANDARD.encode(bad).as_bytes()),
            Outcome::Fail
        );
        assert_eq!(
            cloudflare_tunnel_token(STANDARD.encode(br#"{"a":"x"}"#).as_bytes()),
            Outcome::Reject
        );
    }

    #[test]
    fn bitwarden_structure() {
        let key = STANDARD.encode([0xa7u8; 16]);
        let t =
            format!("0.8e1c2b3a-4d5f-4a6b-9c7d-0e1f2a3b4c5d.Qr7Lm2Vn4Bc8Ks1Pd3Tw6Hy0Ju5Ga:{key}");
        assert!(pass(bitwarden_access_token(t.as_bytes())));
        let short = STANDARD.encode([0xa7u8; 15]);
        let bad = t.replace(&key, &short);
        assert_eq!(bitwarden_access_token(bad.as_bytes()), Outcome::Fail);
        assert_eq!(bitwarden_access_token(b"0.not-a-uuid.x:y"), Outcome::Reject);
    }

    pub fn minisign_key(kdf: &[u8; 2], fill: u8) -> String {
        let mut raw = b"Ed".to_vec();
        raw.extend(kdf);
        raw.extend(b"B2");
        raw.extend(
            std::iter::repeat_n(fill, 152)
                .enumerate()
                .map(|(i, b)| b ^ i as u8),
        );
        STANDARD.encode(raw)
    }

    #[test]
    fn minisign_structure() {
        let enc = minisign_key(b"Sc", 0x41);
        assert!(enc.starts_with("RWRTY0Iy"), "{enc}");
        assert!(pass(minisign_secret_key(enc.as_bytes())));
        let plain = minisign_key(&[0, 0], 0x41);
        assert!(plain.starts_with("RWQAAEIy"), "{plain}");
        assert!(pass(minisign_secret_key(plain.as_bytes())));
        assert_eq!(
            minisign_secret_key(minisign_key(b"Xx", 1).as_bytes()),
            Outcome::Fail
        );
        assert_eq!(
            minisign_secret_key(&enc.as_bytes()[..enc.len() - 4]),
            Outcome::Fail
        );
    }
}
