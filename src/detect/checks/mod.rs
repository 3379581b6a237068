//! Offline validators named by a rule's `check`. They cut false positives (a GitHub token whose
//! CRC-32 does not match was typed by a person, not issued by GitHub) and derive non-secret
//! identifiers (`key_id`, attributes) that the inventory can match on. A validator never returns
//! the secret itself as an identifier.

use std::collections::BTreeMap;

use crate::rules::Check;
mod cloud;
mod connection;
mod formats;
mod generic;
mod structure;
mod tokens;

use cloud::{
    aws_access_key_id, azure_storage_key, gcp_service_account, gcp_service_account_base64,
};
use connection::connection_uri;
use formats::{
    age_bech32, bitwarden_access_token, cloudflare_tunnel_token, grafana_cloud_token,
    grafana_crc32, minisign_secret_key, nkey_crc16, sentry_org_token,
};
pub(crate) use generic::names_a_non_secret;
use generic::{basic_auth, generic_secret};
use structure::{jwt, kubernetes_secret_data, pem_private_key};
use tokens::{base62_crc32, pypi_macaroon};

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
            Check::BasicAuth => basic_auth(input.secret),
            Check::GrafanaCrc32 => grafana_crc32(input.secret),
            Check::GrafanaCloudToken => grafana_cloud_token(input.secret),
            Check::SentryOrgToken => sentry_org_token(input.secret),
            Check::AgeBech32 => age_bech32(input.secret),
            Check::NkeyCrc16 => nkey_crc16(input.secret),
            Check::CloudflareTunnelToken => cloudflare_tunnel_token(input.secret),
            Check::BitwardenAccessToken => bitwarden_access_token(input.secret),
            Check::MinisignSecretKey => minisign_secret_key(input.secret),
            Check::KubernetesSecretData => kubernetes_secret_data(input.secret),
            Check::GcpServiceAccountBase64 => gcp_service_account_base64(input.secret),
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

/// A value assigned to a secret-named key that the generic check would never take for a
/// credential whatever its entropy: a URL, a path, an ARN, or words joined by punctuation
/// without a digit (`github-actions`, `duckdb-signing-validation`: names and labels people
/// put where a key would go in a test setup). The pipeline check of literal credentials in
/// CI YAML applies it as the engine does in code.
pub fn dummy_value(v: &[u8]) -> bool {
    let s = String::from_utf8_lossy(v);
    generic_secret(v) == Outcome::Reject
        && (s.contains("://")
            || s.starts_with(['/', '.'])
            || s.starts_with("arn:")
            || s.contains("%2F")
            || (generic::made_of_words(&s) && !s.bytes().any(|b| b.is_ascii_digit())))
}

/// A password the generic check would never take for a credential (a word, no digits, low
/// entropy: `postgres`, `devpass`, `root`).
pub fn weak_word(v: &[u8]) -> bool {
    generic_secret(v) == Outcome::Reject
}

#[cfg(test)]
mod tests {
    use super::tokens::base62_encode;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
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
        // Pasted on one line, the base64 lines joined by spaces (issue 15).
        let long = STANDARD.encode([9u8; 300]);
        let one_line = format!(
            "-----BEGIN RSA PRIVATE KEY----- {} {} -----END RSA PRIVATE KEY-----",
            &long[..64],
            &long[64..]
        );
        assert!(matches!(
            Check::PemPrivateKey.run(&input(one_line.as_bytes())),
            Outcome::Pass(_)
        ));
        let one_line_dots =
            "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA... -----END RSA PRIVATE KEY-----";
        assert_eq!(
            Check::PemPrivateKey.run(&input(one_line_dots.as_bytes())),
            Outcome::Reject
        );
        let dots = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            Check::PemPrivateKey.run(&input(dots.as_bytes())),
            Outcome::Reject
        );
    }

    #[test]
    fn kubernetes_secret_data_rejects_public_material_issue_15() {
        let cert = STANDARD.encode(format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            STANDARD.encode([3u8; 90])
        ));
        assert_eq!(
            Check::KubernetesSecretData.run(&input(cert.as_bytes())),
            Outcome::Reject
        );
        let password = STANDARD.encode("q7Rz2LxN4vKp9TmW");
        assert!(matches!(
            Check::KubernetesSecretData.run(&input(password.as_bytes())),
            Outcome::Pass(_)
        ));
    }

    #[test]
    fn gcp_service_account_base64_issue_15() {
        let key = format!(
            "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
            STANDARD.encode([5u8; 600])
        );
        let file = format!(
            "{{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{key}\",\n  \"client_email\": \"ci@proj.iam.gserviceaccount.com\"\n}}",
            "ab".repeat(20)
        );
        let b64 = STANDARD.encode(&file);
        match Check::GcpServiceAccountBase64.run(&input(b64.as_bytes())) {
            Outcome::Pass(id) => {
                assert_eq!(
                    id.key_id.as_deref(),
                    Some("ci@proj.iam.gserviceaccount.com")
                );
                assert_eq!(id.attributes["private_key_id"], "ab".repeat(20));
            }
            o => panic!("{o:?}"),
        }
        // Cut by the scan window: the whole groups still decode.
        let cut = &b64[..b64.len() - 7];
        assert!(matches!(
            Check::GcpServiceAccountBase64.run(&input(cut.as_bytes())),
            Outcome::Pass(_)
        ));
        let no_key = STANDARD.encode(file.replace(&key, ""));
        assert_eq!(
            Check::GcpServiceAccountBase64.run(&input(no_key.as_bytes())),
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
