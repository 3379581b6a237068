//! Filters that drop candidates which match a pattern but are not credentials: placeholders
//! (data in `rules/filters/placeholders.yaml`) and the user's allowlist from `.nhiscan.yaml`.
//! Both are values handed to the engine, never global state.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::bytes::RegexSet;
use serde::Deserialize;

pub(crate) const BUILTIN_PLACEHOLDERS: &str = include_str!("../../rules/filters/placeholders.yaml");
pub(crate) const BUILTIN_EXAMPLES: &str = include_str!("../../rules/filters/examples.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaceholderFile {
    placeholders: RawPlaceholders,
}

/// `rules/filters/examples.yaml`: providers' documented example credentials.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExamplesFile {
    examples: Vec<RawDocumented>,
}

/// A credential its provider publishes in its documentation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // provider, what and source are documentation of the data
struct RawDocumented {
    value: String,
    provider: String,
    what: String,
    source: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaceholders {
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    max_repeat: Option<usize>,
    #[serde(default)]
    max_sequence: Option<usize>,
}

/// Recognises placeholder values: `${VAR}`, `<token>`, `xxxx`, `changeme`, `abcdef123456`.
#[derive(Debug)]
pub struct Placeholders {
    contains: Option<AhoCorasick>,
    patterns: RegexSet,
    max_repeat: usize,
    max_sequence: usize,
    /// Providers' documented example credentials (exact values).
    documented: std::collections::HashSet<Vec<u8>>,
}

impl Placeholders {
    /// The placeholder list shipped in the binary.
    pub fn builtin() -> Placeholders {
        let raw: RawPlaceholderFile =
            serde_yaml::from_str(BUILTIN_PLACEHOLDERS).expect("built-in placeholders.yaml parses");
        let examples: RawExamplesFile =
            serde_yaml::from_str(BUILTIN_EXAMPLES).expect("built-in examples.yaml parses");
        let documented = examples
            .examples
            .into_iter()
            .map(|d| d.value.into_bytes())
            .collect();
        Self::from_raw(raw.placeholders, documented).expect("built-in placeholder patterns compile")
    }

    /// A credential its provider publishes in its own documentation (exact value).
    pub fn is_documented_example(&self, value: &[u8]) -> bool {
        self.documented.contains(value)
    }

    fn from_raw(
        raw: RawPlaceholders,
        documented: std::collections::HashSet<Vec<u8>>,
    ) -> Result<Placeholders, regex::Error> {
        let contains = if raw.contains.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&raw.contains)
                    .expect("literal placeholder list builds"),
            )
        };
        Ok(Placeholders {
            contains,
            patterns: RegexSet::new(&raw.patterns)?,
            max_repeat: raw.max_repeat.unwrap_or(usize::MAX),
            max_sequence: raw.max_sequence.unwrap_or(usize::MAX),
            documented,
        })
    }

    pub fn is_placeholder(&self, value: &[u8]) -> bool {
        if let Some(ac) = &self.contains {
            if ac.is_match(value) {
                return true;
            }
        }
        if self.patterns.is_match(value) {
            return true;
        }
        has_repeat(value, self.max_repeat) || has_sequence(value, self.max_sequence)
    }
}

/// A run of more than `max` identical bytes.
fn has_repeat(v: &[u8], max: usize) -> bool {
    let mut run = 1;
    for w in v.windows(2) {
        if w[0] == w[1] {
            run += 1;
            if run > max {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// An ascending or descending run of `len` letters or digits (`abcdef`, `654321`).
fn has_sequence(v: &[u8], len: usize) -> bool {
    if len < 2 || v.len() < len {
        return false;
    }
    let (mut up, mut down) = (1, 1);
    for w in v.windows(2) {
        let (a, b) = (w[0].to_ascii_lowercase(), w[1].to_ascii_lowercase());
        let alnum = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
        up = if alnum && b == a.wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if alnum && a == b.wrapping_add(1) {
            down + 1
        } else {
            1
        };
        if up >= len || down >= len {
            return true;
        }
    }
    false
}

/// The value of a `uses:` key (GitHub Actions steps and reusable-workflow jobs) on one line:
/// `- uses: owner/repo@ref`, quoted or not, up to whitespace, a quote or the line end.
static USES_VALUE: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"^[ \t]*(?:-[ \t]+)?uses[ \t]*:[ \t]*["']?([^\s"'#]+)"#)
        .expect("valid regex")
});

/// What GitHub accepts in `uses:`: `owner/repo@ref`, `owner/repo/path@ref` (an action in a
/// subdirectory, a reusable workflow `owner/repo/.github/workflows/x.yml@ref`), `./local`
/// and `docker://image[:tag|@sha256:digest]`.
/// <https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idstepsuses>
static ACTION_REF: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"^(?:\./\S*|docker://\S+|[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^\s@]+)?@[A-Za-z0-9_./-]+)$",
    )
    .expect("valid regex")
});

/// Whether `data[start..end]` lies inside an action reference: the value of a `uses:` key
/// that has the shape GitHub accepts there. A commit SHA pinning an action
/// (`actions/create-github-app-token@<40 hex>`) or an image digest is never a secret, whatever
/// the action's name suggests, for any rule.
pub fn in_action_ref(data: &[u8], start: usize, end: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &data[..start]).map_or(0, |i| i + 1);
    // `uses:` starts its line (after indentation and a list dash): a few bytes back at most.
    if start - line_start > 1024 {
        return false;
    }
    let line_end = memchr::memchr(b'\n', &data[end..]).map_or(data.len(), |i| end + i);
    let line = &data[line_start..line_end];
    let Some(v) = USES_VALUE.captures(line).and_then(|c| c.get(1)) else {
        return false;
    };
    let (vs, ve) = (line_start + v.start(), line_start + v.end());
    vs <= start && end <= ve && ACTION_REF.is_match(v.as_bytes())
}

/// Whether a value at `value_at` lies inside the block that the key or section header on the
/// line of `key_at` opens: a `[section]` lasts until the next header (which a context pattern
/// never crosses); a YAML key or JSON object key encloses the lines below it that are indented
/// deeper than its own line. A sibling or a dedented key in between closes the block:
/// `mailgun:` then `  domain: x` then `other:` then `  api_key: ...` is not Mailgun's key.
pub fn inside_enclosing_block(data: &[u8], key_at: usize, value_at: usize) -> bool {
    let indent = |line: &[u8]| {
        line.iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count()
    };
    let head_start = memchr::memrchr(b'\n', &data[..key_at]).map_or(0, |i| i + 1);
    let head_end = memchr::memchr(b'\n', &data[key_at..]).map_or(data.len(), |i| key_at + i);
    let head = &data[head_start..head_end];
    let depth = indent(head);
    if head[depth..].starts_with(b"[") {
        return true;
    }
    let value_line_end =
        memchr::memchr(b'\n', &data[value_at..]).map_or(data.len(), |i| value_at + i);
    data[(head_end + 1).min(value_line_end)..value_line_end]
        .split(|&b| b == b'\n')
        .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
        .all(|line| indent(line) > depth)
}

/// The user's allowlist: secrets matching a regex or containing a stopword are dropped.
/// (Path allowlists are applied by the sources, which know paths.)
#[derive(Debug, Default)]
pub struct Allowlist {
    pub regexes: Option<RegexSet>,
    pub stopwords: Option<AhoCorasick>,
}

impl Allowlist {
    pub fn new(regexes: &[String], stopwords: &[String]) -> Result<Allowlist, String> {
        let regexes = if regexes.is_empty() {
            None
        } else {
            Some(RegexSet::new(regexes).map_err(|e| format!("allowlist regex: {e}"))?)
        };
        let stopwords = if stopwords.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(stopwords)
                    .map_err(|e| format!("allowlist stopwords: {e}"))?,
            )
        };
        Ok(Allowlist { regexes, stopwords })
    }

    pub fn allows(&self, secret: &[u8]) -> bool {
        self.regexes.as_ref().is_some_and(|r| r.is_match(secret))
            || self.stopwords.as_ref().is_some_and(|s| s.is_match(secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of `examples.yaml` is recognised, and none of its one-character variants
    /// (first, middle or last character changed) is: the list matches exact values only.
    #[test]
    fn documented_examples_are_exact() {
        let p = Placeholders::builtin();
        let raw: RawExamplesFile = serde_yaml::from_str(BUILTIN_EXAMPLES).unwrap();
        assert!(raw.examples.len() >= 12);
        for e in &raw.examples {
            assert!(e.source.starts_with("https://"), "{}", e.value);
            let v = e.value.as_bytes();
            assert!(p.is_documented_example(v), "{}", e.value);
            for i in [0, v.len() / 2, v.len() - 1] {
                let mut w = v.to_vec();
                w[i] = if w[i] == b'7' { b'8' } else { b'7' };
                assert!(
                    !p.is_documented_example(&w),
                    "{}",
                    String::from_utf8_lossy(&w)
                );
            }
        }
    }

    #[test]
    fn placeholders() {
        let p = Placeholders::builtin();
        for v in [
            "${GITHUB_TOKEN}",
            "${{ secrets.NPM_TOKEN }}",
            "<your-token>",
            "changeme",
            "xxxxxxxxxxxxxxxx",
            "AKIAIOSFODNN7EXAMPLE",
            "sk_live_aaaaaaaaaaaaaaaa",
            "abcdefgh12",
            "pass9876543",
            "$DB_PASSWORD",
            "{{ vault_token }}",
            "%API_KEY%",
            "Lorem-ipsum",
        ] {
            assert!(
                p.is_placeholder(v.as_bytes()),
                "{v} should be a placeholder"
            );
        }
        for v in [
            "ghp_R8xZq3Lm7Tn2Vb5Kc9Wd4Yf6Hj1Gs0Pa3QeUx",
            "s3cr3t-P4ssw0rd!x",
            "AKIAZ7Q4M2VXL5RB3TWN",
        ] {
            assert!(
                !p.is_placeholder(v.as_bytes()),
                "{v} should not be a placeholder"
            );
        }
    }

    #[test]
    fn repeat_and_sequence_bounds() {
        assert!(!has_repeat(b"aaaaa", 5));
        assert!(has_repeat(b"aaaaaa", 5));
        assert!(!has_sequence(b"abcde", 6));
        assert!(has_sequence(b"xabcdefx", 6));
        assert!(has_sequence(b"x987654", 6));
        assert!(!has_sequence(b"a-b-c-d-e-f", 6));
    }

    #[test]
    fn action_references_are_never_secrets() {
        let sha = "1b10c78c7865c340bc4f6099eb2f838309f1e8c3";
        let digest = "sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1";
        for line in [
            format!("      - uses: actions/create-github-app-token@{sha}"),
            format!("      - uses: 'actions/create-github-app-token@{sha}' # v2"),
            format!("    uses: octo-org/ci/.github/workflows/release.yml@{sha}"),
            format!("      - uses: octo-org/mono/actions/token@{sha}"),
            format!("      - uses: docker://ghcr.io/octo/img@{digest}"),
            "      - uses: ./.github/actions/gh-token".to_string(),
        ] {
            let d = line.as_bytes();
            let at = line.rfind(['@', '/']).unwrap() + 1;
            assert!(in_action_ref(d, at, d.len().min(at + 40)), "{line}");
        }
        // Not a `uses:` value, or not a reference's shape: candidates stay candidates.
        let env = format!("      GITHUB_TOKEN: {sha}");
        assert!(!in_action_ref(env.as_bytes(), 20, 60));
        let url = format!("      - uses: https://x:{sha}@github.com/a/b");
        let at = url.find(sha).unwrap();
        assert!(!in_action_ref(url.as_bytes(), at, at + 40));
        let two = format!("      - run: echo uses: a/b@x\n        env: {{GH_TOKEN: {sha}}}");
        let at = two.find(sha).unwrap();
        assert!(!in_action_ref(two.as_bytes(), at, at + 40));
    }

    #[test]
    fn allowlist() {
        let a = Allowlist::new(&["^test-".into()], &["fixture".into()]).unwrap();
        assert!(a.allows(b"test-123"));
        assert!(a.allows(b"myFIXTUREkey"));
        assert!(!a.allows(b"prod-123"));
    }
}
