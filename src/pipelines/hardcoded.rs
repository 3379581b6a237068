//! Literal credentials in a pipeline's structure: the value of a secret-named key in `env:`,
//! `variables:`, `with:`, `services:` …, `docker login -p …` and `curl -u user:pass` in
//! scripts. References (`${{ secrets.X }}`, `$VAR`, `$(VAR)`, vault lookups) and placeholders
//! are not credentials.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::yaml::{Node, Scalar};
use super::{char_column, strip_comment, CiSystem};
use crate::detect::filters::Placeholders;
use crate::findings::{Finding, GitRef, Location, Presence};
use crate::rules::{Confidence, Kind, Severity};
use crate::secret::Secret;

pub const HARDCODED_RULE: &str = "pipeline-hardcoded-credential";

/// One literal credential in a pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct Hardcoded {
    /// The key (or command) that holds it: `env.DB_PASSWORD`, `docker login -p`.
    pub key: String,
    pub secret: Secret,
    pub line: usize,
    pub column: usize,
    pub end_column: usize,
}

static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[_.-])(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key)(?:$|[_.-])")
        .expect("valid regex")
});

/// A key whose last word names something that is not itself secret.
const NOT_SECRET_SUFFIX: &[&str] = &[
    "id",
    "file",
    "path",
    "name",
    "url",
    "type",
    "format",
    "length",
    "env",
    "ttl",
    "endpoint",
    "arn",
    "region",
    "user",
    "username",
    "header",
    "key-id",
    "expiry",
    "duration",
    "login",
    "email",
    "owner",
    "host",
    "scope",
    "scopes",
    "permissions",
];

static DOCKER_LOGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bdocker\s+login\b.*?\s(?:-p|--password)(?:\s+|=)['"]?([^\s'"]+)"#)
        .expect("valid regex")
});
static CURL_USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bcurl\b.*?\s(?:-u|--user)(?:\s+|=)['"]?[^\s:'"]+:([^\s'"@]+)"#)
        .expect("valid regex")
});

pub(super) fn secret_key(key: &str) -> bool {
    if !SECRET_KEY.is_match(key) {
        return false;
    }
    let lower = key.to_ascii_lowercase();
    let last = lower.rsplit(['_', '-', '.']).next().unwrap_or("");
    !NOT_SECRET_SUFFIX.contains(&last)
        && !matches!(lower.as_str(), "secrets" | "id-token" | "from_secret")
}

/// A value that points at a secret instead of holding one.
fn is_reference(v: &str) -> bool {
    v.contains('$')
        || v.contains("{{")
        || v.contains("((")
        || v.contains("%{")
        || v.starts_with("vault:")
        || v.starts_with('!')
        || v.contains("@Microsoft.KeyVault")
        || v.contains("secretsmanager")
        || v.starts_with("arn:")
}

pub(super) fn literal(v: &str, placeholders: &Placeholders) -> bool {
    v.chars().count() >= 6
        && !v.chars().any(char::is_whitespace)
        && !is_reference(v)
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "inherit" | "required" | "optional" | "true" | "false" | "write" | "read" | "none"
        )
        && !placeholders.is_placeholder(v.as_bytes())
        && !placeholders.is_documented_example(v.as_bytes())
        && !crate::detect::checks::dummy_value(v.as_bytes())
}

/// A URL whose host is reserved for documentation and tests (RFC 2606: `example.com`,
/// `example.net`, `example.org` and below, the `.example`, `.test` and `.invalid` TLDs): the
/// credentials next to it are for an endpoint that cannot exist.
fn reserved_endpoint(v: &str) -> bool {
    let Some((_, rest)) = v.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    ["example.com", "example.net", "example.org"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid"]
            .iter()
            .any(|t| host.ends_with(t))
}

/// The built-in placeholders, built once: git scans check every pipeline blob of a history.
pub(super) static PLACEHOLDERS: LazyLock<Placeholders> = LazyLock::new(Placeholders::builtin);

pub fn find(text: &str, docs: &[Node]) -> Vec<Hardcoded> {
    let placeholders = &*PLACEHOLDERS;
    let mut out = Vec::new();
    for d in docs {
        walk(d, "", placeholders, &mut out);
    }
    for (i, line) in text.lines().enumerate() {
        let code = strip_comment(line);
        for (re, key) in [
            (&*DOCKER_LOGIN, "docker login -p"),
            (&*CURL_USER, "curl -u"),
        ] {
            for c in re.captures_iter(code) {
                let m = c.get(1).expect("group 1");
                if !literal(m.as_str(), placeholders) {
                    continue;
                }
                let column = char_column(line, m.start());
                out.push(Hardcoded {
                    key: key.to_string(),
                    secret: Secret::new(m.as_str().as_bytes()),
                    line: i + 1,
                    column,
                    end_column: column + m.as_str().chars().count(),
                });
            }
        }
    }
    out.sort_by_key(|h| (h.line, h.column));
    // An alias repeats its anchor's value at the anchor's position: report it once.
    out.dedup_by(|a, b| a.line == b.line && a.column == b.column);
    drop_inline_allowed(text, &mut out);
    out
}

fn walk(n: &Node, path: &str, placeholders: &Placeholders, out: &mut Vec<Hardcoded>) {
    match n {
        Node::Map { entries, .. } => {
            // `AWS_SECRET_ACCESS_KEY: …` beside `AWS_ENDPOINT_URL: https://s3.example.com`.
            let dummy_endpoint = entries
                .iter()
                .any(|(_, v)| matches!(v, Node::Scalar(s) if reserved_endpoint(&s.value)));
            for (k, v) in entries {
                let p = if path.is_empty() {
                    k.value.clone()
                } else {
                    format!("{path}.{}", k.value)
                };
                if secret_key(&k.value) {
                    // GitLab's `VAR: {value: …, description: …}`.
                    let value = match v {
                        Node::Scalar(s) => Some(s),
                        _ => match v.get("value") {
                            Some(Node::Scalar(s)) => Some(s),
                            _ => None,
                        },
                    };
                    if let Some(s) = value.filter(|_| !dummy_endpoint) {
                        push(s, &p, placeholders, out);
                    }
                }
                walk(v, &p, placeholders, out);
            }
        }
        Node::Seq { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), placeholders, out);
            }
            // `env: [POSTGRES_PASSWORD=…]` (Drone, docker-compose-style lists).
            for item in items {
                if let Node::Scalar(s) = item {
                    if let Some((k, v)) = s.value.split_once('=') {
                        if secret_key(k) && s.inline {
                            let offset = k.chars().count() + 1;
                            let mut s2 = s.clone();
                            s2.value = v.to_string();
                            s2.pos.column += offset;
                            push(&s2, &format!("{path}.{k}"), placeholders, out);
                        }
                    }
                }
            }
        }
        Node::Scalar(_) => {}
    }
}

fn push(s: &Scalar, key: &str, placeholders: &Placeholders, out: &mut Vec<Hardcoded>) {
    if !s.inline || !literal(&s.value, placeholders) {
        return;
    }
    out.push(Hardcoded {
        key: key.to_string(),
        secret: Secret::new(s.value.as_bytes()),
        line: s.pos.line,
        column: s.pos.column,
        end_column: s.pos.column + s.value.chars().count(),
    });
}

fn kind(key: &str) -> Kind {
    let k = key.to_ascii_lowercase();
    if k.contains("pass") || k.contains("pwd") {
        Kind::Password
    } else if k.contains("private") {
        Kind::PrivateKey
    } else if k.contains("api") {
        Kind::ApiKey
    } else if k.contains("access") {
        Kind::AccessKey
    } else {
        Kind::Token
    }
}

/// The hardcoded credentials of one pipeline file as one source saw it: a working-tree file,
/// or a git blob at a path (with the commit that introduced it and where it still is).
#[derive(Debug, Clone)]
pub struct HardcodedHit {
    pub path: String,
    pub system: CiSystem,
    pub git: Option<GitRef>,
    pub presence: Presence,
    pub found: Vec<Hardcoded>,
}

/// Leave out what sits on a line marked `nhiscan:allow`, as the detection rules do.
pub fn drop_inline_allowed(text: &str, found: &mut Vec<Hardcoded>) {
    let marker = std::str::from_utf8(crate::detect::INLINE_ALLOW).unwrap_or("nhiscan:allow");
    let allowed: std::collections::HashSet<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(marker))
        .map(|(i, _)| i + 1)
        .collect();
    if !allowed.is_empty() {
        found.retain(|h| !allowed.contains(&h.line));
    }
}

/// Hardcoded credentials as findings (grouped by secret like every finding, git dates and
/// presence as the detection rules' findings get them), leaving out any secret a detection
/// rule already reported on the same line.
pub fn to_findings(
    files: &[HardcodedHit],
    existing: &[Finding],
    show_secrets: bool,
) -> Vec<Finding> {
    let mut groups: BTreeMap<String, (Finding, Option<(i64, String)>)> = BTreeMap::new();
    for hit in files {
        let path = &hit.path;
        for h in &hit.found {
            let fp = h.secret.fingerprint();
            let known = existing.iter().any(|f| {
                f.fingerprint == fp
                    && f.locations
                        .iter()
                        .any(|l| &l.path == path && l.line == h.line)
            });
            if known {
                continue;
            }
            let loc = Location {
                path: path.clone(),
                line: h.line,
                column: h.column,
                end_line: h.line,
                end_column: h.end_column,
                git: hit.git.clone(),
                attributes: BTreeMap::from([
                    ("key".to_string(), h.key.clone()),
                    ("ci_system".to_string(), hit.system.as_str().to_string()),
                ]),
            };
            let e = groups.entry(fp.clone()).or_insert_with(|| {
                (
                    Finding {
                        rule_id: HARDCODED_RULE.into(),
                        rule_name: "Hardcoded credential in a CI pipeline".into(),
                        provider: "generic".into(),
                        kind: kind(&h.key),
                        severity: Severity::Error,
                        confidence: Confidence::Medium,
                        confidence_reason: None,
                        fingerprint: fp.clone(),
                        redacted: h.secret.redacted(),
                        secret: show_secrets.then(|| h.secret.expose().into_owned()),
                        key_id: None,
                        attributes: BTreeMap::new(),
                        locations: Vec::new(),
                        first_seen: None,
                        last_seen: None,
                        present_at_head: None,
                        verdicts: Vec::new(),
                        identity: None,
                    },
                    None,
                )
            });
            e.0.locations.push(loc);
            if let Some(at) = hit.presence.at_head {
                e.0.present_at_head = Some(e.0.present_at_head.unwrap_or(false) || at);
            }
            if let Some(l) = &hit.presence.last {
                if e.1.as_ref().is_none_or(|cur| l.0 > cur.0) {
                    e.1 = Some(l.clone());
                }
            }
        }
    }
    groups
        .into_values()
        .map(|(mut f, last)| {
            f.locations.sort();
            f.locations.dedup();
            // Each location says which key holds the secret there; the finding lists every
            // one, in location order.
            for name in ["key", "ci_system"] {
                let mut values: Vec<&str> = Vec::new();
                for l in &f.locations {
                    if let Some(v) = l.attributes.get(name) {
                        if !values.contains(&v.as_str()) {
                            values.push(v);
                        }
                    }
                }
                let joined = values.join(", ");
                f.attributes.insert(name.to_string(), joined);
            }
            (f.first_seen, f.last_seen) = crate::findings::seen_dates(&f.locations, last);
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_named_keys() {
        for k in [
            "password",
            "DB_PASSWORD",
            "aws-secret-access-key",
            "token",
            "NPM_TOKEN",
            "api_key",
            "apiKey",
            "client_secret",
            "credentials",
        ] {
            assert!(secret_key(k), "{k}");
        }
        for k in [
            "AWS_ACCESS_KEY_ID",
            "TOKEN_FILE",
            "token-url",
            "secrets",
            "id-token",
            "from_secret",
            "username",
            "tokenizer",
            "passthrough",
            // Seen in git/git's history: a login name, not a token.
            "repo-token-user-login",
            "token-owner",
        ] {
            assert!(!secret_key(k), "{k}");
        }
    }

    #[test]
    fn endpoints_reserved_for_examples() {
        for v in [
            "https://s3.example.com",
            "http://user@minio.example.org:9000/bucket",
            "https://EXAMPLE.NET.",
            "https://api.service.test/v1",
            "s3://bucket.example",
        ] {
            assert!(reserved_endpoint(v), "{v}");
        }
        for v in [
            "https://s3.eu-west-1.amazonaws.com",
            "https://example.com.evil.io",
            "https://notexample.com",
            "example.com",
            "https://testing.io",
        ] {
            assert!(!reserved_endpoint(v), "{v}");
        }
    }

    const AZURITE: &str =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    #[test]
    fn references_and_placeholders() {
        let p = Placeholders::builtin();
        assert!(literal("Kq81-lit3ral-Pw", &p));
        for v in [
            "${{ secrets.X }}",
            "$X",
            "$(X)",
            "{{ x }}",
            "((x))",
            "vault:a/b#c",
            "changeme-now",
            "inherit",
            "short",
            "two words here",
            // Words, no digit: what the engine's generic check never takes for a key.
            "github-actions",
            "duckdb-signing-validation",
            "https://token.example.org/x",
            // A provider's documented example (rules/filters/examples.yaml), as the engine drops it.
            // (the Azure storage emulator's well-known account key).
            AZURITE,
        ] {
            assert!(!literal(v, &p), "{v}");
        }
        // One character off is no longer the published value.
        assert!(literal(&AZURITE.replace("GMGw==", "GMGx=="), &p));
    }
}
