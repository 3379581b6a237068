//! The keyword-context family: tokens without a prefix, declared per service as data.
//!
//! A context file names token *shapes* (a regex fragment made of character classes with
//! counts and literals, plus an entropy floor) and *services* (a slug, keywords, a shape, a
//! distance). Each service expands into an ordinary [`RawRule`] whose pattern is "one of the
//! keywords, then within `distance` characters a token of the shape", with examples and
//! negative twins generated deterministically from the shape. The keywords join the one shared
//! keyword automaton like every other rule's, so a hundred services cost one automaton pass
//! and, per keyword hit, one bounded regex.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::raw::{Confidence, Kind, RawExample, RawRule, Severity};
use crate::yaml::{Located, Positions};

/// Characters a token of any shape must not touch on either side: a longer run of token
/// characters is another value, not this service's token.
const BOUNDARY: &str = "0-9A-Za-z_+\\-";
/// Default and largest `distance`.
const DEFAULT_DISTANCE: usize = 40;
const MAX_DISTANCE: usize = 200;
/// The enclosing-block branch of a context pattern: the rest of the keyword's line is at most
/// 16 characters and an opener (`:`, `{`, `]`); then up to 6 lines that are not `[section]`
/// headers; then a credential-named key (`api_key`, `token`, `clientSecret`, ...), its `:` or
/// `=`, and an optional quote.
const ENCLOSED: &str = concat!(
    "[^\\r\\n]{0,16}?[:{\\]][ \\t]*\\r?\\n",
    "(?:[ \\t]*(?:[^\\[\\r\\n \\t][^\\r\\n]*)?\\r?\\n){0,6}?",
    "[ \\t]*[\"']?[0-9A-Za-z_.-]*(?i:key|token|secret|password|passwd|credential)[0-9A-Za-z_.-]*[\"']?",
    "[ \\t]*[:=][ \\t]*[\"']?"
);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContextFile {
    pub shapes: BTreeMap<String, RawShape>,
    pub services: Vec<RawService>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShape {
    /// Character classes with counts and literals only: `[0-9a-f]{32}`,
    /// `[0-9a-f]{8}-[0-9a-f]{4}-…`, `[A-Za-z0-9]{40,44}`.
    pub pattern: String,
    pub min_entropy: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub slug: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub shape: String,
    pub kind: Kind,
    #[serde(default)]
    pub distance: Option<usize>,
    pub references: Vec<String>,
    /// A token of the shape to use in the examples instead of a generated one.
    #[serde(default)]
    pub example: Option<String>,
    /// A URL the token is appended to in one more example (`...?appid=`).
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub confidence: Option<Confidence>,
}

/// One element of a shape: a class repeated `min..=max` times, or a literal byte.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Class {
        chars: Vec<u8>,
        min: usize,
        max: usize,
    },
    Literal(u8),
}

/// Parse a shape's pattern; the error says what is not allowed.
fn parse_shape(p: &str) -> Result<Vec<Part>, String> {
    let b = p.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'[' => {
                let close = p[i..].find(']').map(|c| i + c).ok_or("unclosed `[`")?;
                let inner = &b[i + 1..close];
                let mut chars = Vec::new();
                let mut j = 0;
                while j < inner.len() {
                    let c = inner[j];
                    if c == b'\\' || c == b'^' || c == b'[' {
                        return Err(format!("`{}` is not allowed in a class", c as char));
                    }
                    if j + 2 < inner.len() && inner[j + 1] == b'-' {
                        let hi = inner[j + 2];
                        if hi < c {
                            return Err(format!(
                                "range `{}-{}` is reversed",
                                c as char, hi as char
                            ));
                        }
                        chars.extend(c..=hi);
                        j += 3;
                    } else {
                        chars.push(c);
                        j += 1;
                    }
                }
                if let Some(&c) = chars.iter().find(|c| !c.is_ascii_graphic()) {
                    return Err(format!("class holds a non-printable byte {c:#x}"));
                }
                chars.sort_unstable();
                chars.dedup();
                if chars.len() < 2 {
                    return Err("a class needs at least two characters".into());
                }
                i = close + 1;
                let (min, max) = if b.get(i) == Some(&b'{') {
                    let end = p[i..].find('}').map(|c| i + c).ok_or("unclosed `{`")?;
                    let spec = &p[i + 1..end];
                    i = end + 1;
                    let num = |s: &str| {
                        s.parse::<usize>()
                            .map_err(|_| format!("bad count `{{{spec}}}`"))
                    };
                    match spec.split_once(',') {
                        Some((a, bb)) => (num(a)?, num(bb)?),
                        None => (num(spec)?, num(spec)?),
                    }
                } else {
                    (1, 1)
                };
                if min == 0 || max < min || max > 256 {
                    return Err(format!("count {min},{max} must be 1..=256 and ordered"));
                }
                parts.push(Part::Class { chars, min, max });
            }
            b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => {
                parts.push(Part::Literal(b[i + 1]));
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b':' => {
                parts.push(Part::Literal(c));
                i += 1;
            }
            c => {
                return Err(format!(
                    "`{}` is not allowed: a shape is character classes with counts and literals",
                    c as char
                ))
            }
        }
    }
    if !parts.iter().any(|p| matches!(p, Part::Class { .. })) {
        return Err("a shape needs at least one character class".into());
    }
    Ok(parts)
}

/// SplitMix64: a tiny deterministic generator, seeded by the service, for example tokens.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        // FNV-1a of the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Rng(h)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// How a generated token deviates from the shape.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    /// Random characters of each class, the lower count.
    Good,
    /// The first class one character shorter than its lower count.
    Short,
    /// The last class one character longer than its upper count.
    Long,
    /// Only two characters of each class, alternating: the shape, without the entropy.
    Flat,
}

fn generate(parts: &[Part], rng: &mut Rng, v: Variant) -> String {
    let first = parts
        .iter()
        .position(|p| matches!(p, Part::Class { .. }))
        .unwrap_or(0);
    let last = parts
        .iter()
        .rposition(|p| matches!(p, Part::Class { .. }))
        .unwrap_or(0);
    let mut s = String::new();
    for (i, p) in parts.iter().enumerate() {
        match p {
            Part::Literal(c) => s.push(*c as char),
            Part::Class { chars, min, max } => {
                let n = match v {
                    Variant::Short if i == first => min - 1,
                    Variant::Long if i == last => max + 1,
                    _ => *min,
                };
                for k in 0..n {
                    let c = if v == Variant::Flat {
                        chars[k % 2]
                    } else {
                        chars[(rng.next() % chars.len() as u64) as usize]
                    };
                    s.push(c as char);
                }
            }
        }
    }
    s
}

/// Generic remediation for a kind of credential of `name`.
fn remediation(kind: Kind, name: &str) -> String {
    let what = match kind {
        Kind::Webhook => "Delete the webhook URL and create a new one",
        Kind::OauthSecret => "Reset the client secret in the application's settings",
        Kind::Password => "Change the password",
        _ => "Revoke the credential in the service's dashboard or API settings and issue a new one",
    };
    format!(
        "{what} ({name}), scoped to what its user needs; store it in a secret manager or CI \
         secret and read it at run time. It has been in the repository, so treat it as exposed."
    )
}

/// Whether a YAML or JSON document is a context file (top-level `services`), not a rule file.
pub fn is_context_file(doc: &serde_json::Value) -> bool {
    doc.get("services").is_some()
}

/// Expand every service into a rule. `with_examples`: generate examples (not needed for a
/// built-in file a scan loads lean). Errors point at the service's key in the file.
pub fn expand(
    file: &str,
    positions: &Positions,
    raw: RawContextFile,
    with_examples: bool,
) -> Result<Vec<(String, RawRule)>, Located> {
    let mut shapes = BTreeMap::new();
    for (name, s) in &raw.shapes {
        let at = positions.find(&format!("shapes.{name}"));
        let parts = parse_shape(&s.pattern)
            .map_err(|e| Located::new(file, at, format!("shape `{name}`: {e}")))?;
        if !(2.0..=8.0).contains(&s.min_entropy) {
            return Err(Located::new(
                file,
                at,
                format!("shape `{name}`: min_entropy must be between 2 and 8"),
            ));
        }
        shapes.insert(name.clone(), (parts, s.min_entropy, s.pattern.clone()));
    }
    let mut out = Vec::new();
    for (i, s) in raw.services.into_iter().enumerate() {
        let path = format!("services[{i}]");
        let fail = |key: &str, m: String| {
            Located::new(
                file,
                positions.find(&format!("{path}.{key}")),
                format!("service `{}`: {m}", s.slug),
            )
        };
        let Some((parts, min_entropy, shape_re)) = shapes.get(&s.shape) else {
            return Err(fail("shape", format!("unknown shape `{}`", s.shape)));
        };
        let distance = s.distance.unwrap_or(DEFAULT_DISTANCE);
        if distance == 0 || distance > MAX_DISTANCE {
            return Err(fail(
                "distance",
                format!("distance must be 1..={MAX_DISTANCE}"),
            ));
        }
        if let Some(k) = s.keywords.iter().find(|k| k.trim().len() < 4) {
            return Err(fail(
                "keywords",
                format!("keyword `{k}` is shorter than 4 characters: too common to give context"),
            ));
        }
        let kw_alt = s
            .keywords
            .iter()
            .map(|k| regex::escape(k))
            .collect::<Vec<_>>()
            .join("|");
        // Either the token follows the keyword on its line, or the keyword names an enclosing
        // block (a YAML/JSON key opening a mapping or object, a TOML/INI `[section]`) and the
        // token is the value of a credential-named key at most six lines below it;
        // the engine then checks the indentation (`detect::filters::inside_enclosing_block`).
        let pattern = format!(
            "(?m)(?i:{kw_alt})(?:[^\\r\\n]{{0,{gap}}}?[^{BOUNDARY}\\r\\n]|{ENCLOSED})(?P<secret>{shape_re})(?:[^{BOUNDARY}]|$)",
            gap = distance - 1
        );
        let id = format!("{}-context-{}", s.slug, s.kind.as_str().replace('_', "-"));
        let mut examples = Vec::new();
        let mut negative_examples = Vec::new();
        if with_examples {
            let mut rng = Rng::new(&id);
            let tok = s
                .example
                .clone()
                .unwrap_or_else(|| generate(parts, &mut rng, Variant::Good));
            let kw = &s.keywords[0];
            // An env assignment needs a keyword that can be part of a variable name.
            if let Some(env_kw) = s
                .keywords
                .iter()
                .find(|k| k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            {
                examples.push(RawExample {
                    text: format!("{}_API_KEY={tok}", env_kw.to_ascii_uppercase()),
                    secret: tok.clone(),
                });
            }
            examples.push(RawExample {
                text: format!("  \"{kw}\": {{ \"key\": \"{tok}\" }},"),
                secret: tok.clone(),
            });
            examples.push(RawExample {
                text: format!("client = connect(\"{kw}\", api_key='{tok}')"),
                secret: tok.clone(),
            });
            if let Some(url) = &s.url {
                examples.push(RawExample {
                    text: format!("fetch(\"{url}{tok}\")"),
                    secret: tok.clone(),
                });
            }
            negative_examples.push(format!("api_key = \"{tok}\""));
            negative_examples.push(format!("# {kw}{}= \"{tok}\"", " ".repeat(distance + 1)));
            for v in [Variant::Short, Variant::Long, Variant::Flat] {
                let bad = generate(parts, &mut rng, v);
                negative_examples.push(format!("  \"{kw}\": {{ \"key\": \"{bad}\" }},"));
            }
        }
        let rule = RawRule {
            id,
            name: s.name.clone(),
            description: format!(
                "A {} found by context: a `{}` value within {distance} characters after `{}`.",
                s.name,
                s.shape,
                s.keywords.join("`, `")
            ),
            provider: s.slug.clone(),
            kind: s.kind,
            pattern,
            keywords: s.keywords.clone(),
            min_entropy: Some(*min_entropy),
            check: None,
            severity: s.severity.unwrap_or(Severity::Error),
            confidence: s.confidence.unwrap_or(Confidence::Medium),
            references: s.references.clone(),
            remediation: remediation(s.kind, &s.name),
            examples,
            negative_examples,
            multiline: false,
            key_id_from: None,
            placeholders: true,
            identifier_only: false,
            enclosing: true,
        };
        out.push((path, rule));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse_into_regex_and_generate_matching_tokens() {
        let shape = "[0-9a-f]{8}-[0-9a-f]{4}";
        let parts = parse_shape(shape).unwrap();
        let re = regex::Regex::new(&format!("^{shape}$")).unwrap();
        let mut rng = Rng::new("x");
        let good = generate(&parts, &mut rng, Variant::Good);
        assert!(re.is_match(&good), "{good}");
        for v in [Variant::Short, Variant::Long] {
            let bad = generate(&parts, &mut rng, v);
            assert!(!re.is_match(&bad), "{bad}");
        }
        let flat = generate(&parts, &mut rng, Variant::Flat);
        assert!(re.is_match(&flat));
        assert!(crate::detect::entropy::shannon(flat.as_bytes()) < 2.0);
        // Deterministic: the same seed gives the same token.
        assert_eq!(
            generate(&parts, &mut Rng::new("s"), Variant::Good),
            generate(&parts, &mut Rng::new("s"), Variant::Good)
        );
        assert!(parse_shape("[0-9a-f]+").is_err());
        assert!(parse_shape("(a|b)").is_err());
        assert!(parse_shape("[a]{3}").is_err());
    }

    #[test]
    fn a_service_expands_into_one_ordinary_rule() {
        let yaml = "shapes:\n  hex32: { pattern: '[0-9a-f]{32}', min_entropy: 3.0 }\nservices:\n  - slug: acme\n    name: Acme API key\n    keywords: [acmecorp]\n    shape: hex32\n    kind: api_key\n    references: [https://acme.invalid/docs]\n";
        let raw: RawContextFile = serde_yaml::from_str(yaml).unwrap();
        let rules = expand("f.yaml", &Positions::of(yaml), raw, true).unwrap();
        assert_eq!(rules.len(), 1);
        let r = &rules[0].1;
        assert_eq!(r.id, "acme-context-api-key");
        assert_eq!(r.provider, "acme");
        assert_eq!(r.keywords, vec!["acmecorp".to_string()]);
        assert_eq!(r.min_entropy, Some(3.0));
        assert_eq!(r.examples.len(), 3);
        assert_eq!(r.negative_examples.len(), 5);
        assert!(r.pattern.contains("{0,39}?"), "{}", r.pattern);
    }
}
