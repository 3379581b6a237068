//! Rules are data: YAML files parsed into plain serde types (`raw`), then validated into
//! [`Rule`]s that cannot be wrong, and gathered into one [`RuleSet`]. Built-in rule files are
//! embedded at build time; user rule files are added at run time. A typo in a key or a bad
//! pattern is an error naming the file, line and column.

mod check;
mod context;
mod raw;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use serde::Serialize;

pub use raw::{Confidence, Kind, Severity};
use raw::{RawExample, RawRule, RawRuleFile};

pub use check::Check;

use crate::yaml::Positions;

/// Built-in rule files, embedded by `build.rs` as `(file name, YAML, JSON without examples)`.
const BUILTIN: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule file or rule could not be loaded. Always names a place the user can open.
pub type RuleError = crate::yaml::Located;

/// One validated detection rule.
#[derive(Debug, Serialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub provider: String,
    pub kind: Kind,
    pub pattern: String,
    pub keywords: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_entropy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub references: Vec<String>,
    pub remediation: String,
    pub multiline: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id_from: Option<String>,
    pub placeholders: bool,
    /// Finds a non-secret identifier that only names other findings (`key_id_from`); its
    /// matches are never reported on their own.
    pub identifier_only: bool,
    /// A context rule that also finds its keyword in an enclosing key or `[section]` above
    /// the value: a match spanning lines must sit inside that block (`detect::nested`).
    #[serde(skip)]
    pub enclosing: bool,
    #[serde(skip)]
    pub examples: Vec<Example>,
    #[serde(skip)]
    pub negative_examples: Vec<String>,
    /// File the rule came from (`builtin:cloud.yaml` or a user path).
    pub source: String,
    /// Line of the rule's `id:` in its file, for error messages.
    #[serde(skip)]
    pub line: usize,
    #[serde(skip)]
    regex: OnceLock<Regex>,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub secret: String,
}

impl Rule {
    /// The compiled pattern. Compiled on first use and shared by every thread, so start-up
    /// pays only for rules whose keywords occur. Patterns were checked to compile when the
    /// rule was validated, so this cannot fail.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            compile(&self.pattern).expect("pattern was validated when the rule was loaded")
        })
    }

    /// Index of the `secret` group in the pattern.
    pub fn secret_group(&self) -> usize {
        self.regex()
            .capture_names()
            .position(|n| n == Some("secret"))
            .expect("validated: pattern has a secret group")
    }
}

/// Rule patterns run on bytes with ASCII classes: tokens are ASCII, and Unicode-aware `\w`
/// under bounded repetition makes automata many times larger for no gain.
fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(8 << 20)
        // The lazy DFA cache is per rule and per thread: keep it small so memory stays flat
        // with 250 rules (the windows it runs on are short).
        .dfa_size_limit(1 << 20)
        .build()
}

/// The first `{n,m}` whose upper bound exceeds 256, or whose nesting inside another counted
/// repetition multiplies past 1024 (`(?:x{0,100};){0,20}`).
fn large_repetition(pattern: &str) -> Option<String> {
    let counted = regex::Regex::new(r"\{(\d+),(\d+)\}").expect("static regex");
    let mut depth_bounds: Vec<u64> = Vec::new();
    let mut group_stack: Vec<usize> = Vec::new();
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' => group_stack.push(depth_bounds.len()),
            b')' => {
                let mark = group_stack.pop().unwrap_or(0);
                // A group followed by a counted repetition multiplies what is inside it.
                if let Some(m) = counted
                    .captures(&pattern[i + 1..])
                    .filter(|m| m.get(0).unwrap().start() == 0)
                {
                    let max: u64 = m[2].parse().unwrap_or(0);
                    let inner = depth_bounds[mark..].iter().copied().max().unwrap_or(1);
                    if max.saturating_mul(inner) > 1024 {
                        return Some(format!("(…){}", &m[0]));
                    }
                }
                depth_bounds.truncate(mark);
            }
            b'{' => {
                if let Some(m) = counted
                    .captures(&pattern[i..])
                    .filter(|m| m.get(0).unwrap().start() == 0)
                {
                    let max: u64 = m[2].parse().unwrap_or(0);
                    if max > 256 {
                        return Some(m[0].to_string());
                    }
                    depth_bounds.push(max);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The rules a scan uses, in a stable order (by id).
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

/// Where to take rules from.
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    /// Leave the embedded rules out.
    pub no_builtin: bool,
    /// Extra rule files or directories of `*.yaml` / `*.yml`.
    pub paths: Vec<PathBuf>,
    /// Rule ids to disable.
    pub disable: Vec<String>,
    /// Compile every pattern and load every example (for `rules check`); a scan needs neither
    /// for built-in rules. User rules are always compiled and validated in full.
    pub compile_all: bool,
}

impl RuleSet {
    pub fn load(src: &RuleSources) -> Result<RuleSet, RuleError> {
        let mut rules = Vec::new();
        if !src.no_builtin {
            for (name, yaml, lean_json) in BUILTIN {
                let file = format!("builtin:{name}");
                if src.compile_all {
                    rules.extend(parse_file(&file, yaml, true)?);
                } else {
                    rules.extend(parse_lean(&file, lean_json)?);
                }
            }
        }
        for path in &src.paths {
            for file in rule_files(path)? {
                let text = std::fs::read_to_string(&file).map_err(|e| RuleError {
                    file: file.display().to_string(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read rule file: {e}"),
                })?;
                rules.extend(parse_file(&file.display().to_string(), &text, true)?);
            }
        }
        let mut seen = HashSet::new();
        for r in &rules {
            if !seen.insert(r.id.as_str()) {
                return Err(RuleError {
                    file: r.source.clone(),
                    line: r.line,
                    column: 1,
                    message: format!("duplicate rule id `{}`", r.id),
                });
            }
        }
        for id in &src.disable {
            if !seen.contains(id.as_str()) {
                return Err(RuleError {
                    file: "(--disable-rule / rules.disable)".into(),
                    line: 0,
                    column: 0,
                    message: format!("no rule has the id `{id}`"),
                });
            }
        }
        for r in &rules {
            if let Some(pair) = &r.key_id_from {
                if !seen.contains(pair.as_str()) {
                    return Err(RuleError {
                        file: r.source.clone(),
                        line: r.line,
                        column: 1,
                        message: format!(
                            "rule `{}`: key_id_from names unknown rule `{pair}`",
                            r.id
                        ),
                    });
                }
            }
        }
        rules.retain(|r| !src.disable.contains(&r.id));
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RuleSet { rules })
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn rule_files(path: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let err = |m: String| RuleError {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        message: m,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read rules path: {e}")))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| err(format!("cannot list rules directory: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml") | Some("yml")
                )
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Parse and validate one rule file.
pub fn parse_file(file: &str, text: &str, compile_now: bool) -> Result<Vec<Rule>, RuleError> {
    let positions = Positions::of(text);
    let doc: serde_json::Value =
        serde_yaml::from_str(text).map_err(|e| RuleError::from_serde(file, &e))?;
    if context::is_context_file(&doc) {
        let raw: context::RawContextFile =
            serde_yaml::from_str(text).map_err(|e| RuleError::from_serde(file, &e))?;
        return context::expand(file, &positions, raw, compile_now)?
            .into_iter()
            .map(|(path, r)| validate(file, &positions, &path, r, compile_now))
            .collect();
    }
    let raw: RawRuleFile =
        serde_yaml::from_str(text).map_err(|e| RuleError::from_serde(file, &e))?;
    raw.rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| validate(file, &positions, &format!("rules[{i}]"), r, compile_now))
        .collect()
}

/// A built-in file as the JSON `build.rs` made of it: no examples, patterns compiled lazily.
fn parse_lean(file: &str, json: &str) -> Result<Vec<Rule>, RuleError> {
    let err = |e: serde_json::Error| RuleError {
        file: file.to_string(),
        line: 0,
        column: 0,
        message: e.to_string(),
    };
    let positions = Positions::default();
    let doc: serde_json::Value = serde_json::from_str(json).map_err(err)?;
    if context::is_context_file(&doc) {
        let raw: context::RawContextFile = serde_json::from_value(doc).map_err(err)?;
        return context::expand(file, &positions, raw, false)?
            .into_iter()
            .map(|(path, r)| validate(file, &positions, &path, r, false))
            .collect();
    }
    let raw: RawRuleFile = serde_json::from_value(doc).map_err(err)?;
    raw.rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| validate(file, &positions, &format!("rules[{i}]"), r, false))
        .collect()
}

/// Validate the rule at `path` (`rules[3]`, or `services[3]` for a context service);
/// `positions` locates its values in the file (empty for a built-in file read from its JSON form).
fn validate(
    file: &str,
    positions: &Positions,
    path: &str,
    r: RawRule,
    compile_now: bool,
) -> Result<Rule, RuleError> {
    let line = positions
        .find(&format!("{path}.id"))
        .line
        .max(positions.find(&format!("{path}.slug")).line);
    let fail = |key: &str, message: String| {
        let at = positions.find(&format!("{path}.{key}"));
        Err(RuleError::new(
            file,
            at,
            format!("rule `{}`: {message}", r.id),
        ))
    };
    if r.id.is_empty()
        || !r
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return fail(
            "id",
            "id must be kebab-case: lower-case letters, digits and `-`".into(),
        );
    }
    for (key, value) in [
        ("name", &r.name),
        ("description", &r.description),
        ("provider", &r.provider),
        ("remediation", &r.remediation),
    ] {
        if value.trim().is_empty() {
            return fail(key, format!("`{key}` must not be empty"));
        }
    }
    // Built-in patterns are proven by `rules check` in CI and compile lazily, so start-up does
    // not pay for them; user rules are compiled and checked here, where errors can point at them.
    let regex = if compile_now {
        if let Some(rep) = large_repetition(&r.pattern) {
            return fail(
                "pattern",
                format!(
                    "counted repetition `{rep}` is too large: every count is a state of the \
                     automaton (megabytes per rule); write an open bound such as `{{64,}}`, \
                     the window already limits how far a match can reach"
                ),
            );
        }
        let regex = match compile(&r.pattern) {
            Ok(re) => re,
            Err(e) => return fail("pattern", format!("pattern does not compile: {e}")),
        };
        let secret_groups = regex
            .capture_names()
            .filter(|n| *n == Some("secret"))
            .count();
        if secret_groups != 1 {
            return fail(
                "pattern",
                "pattern must have exactly one named group `(?P<secret>...)`".into(),
            );
        }
        Some(regex)
    } else {
        None
    };
    if r.keywords.is_empty() {
        return fail("keywords", "at least one keyword is required".into());
    }
    if let Some(k) = r.keywords.iter().find(|k| k.len() < 3) {
        return fail(
            "keywords",
            format!("keyword `{k}` is shorter than 3 characters: it would run the rule everywhere"),
        );
    }
    if r.references.is_empty() {
        return fail(
            "references",
            "cite at least one reference documenting the format".into(),
        );
    }
    // Lean built-in rules come without examples; everything else must have them.
    let lean = !compile_now;
    if r.examples.is_empty() && !lean {
        return fail("examples", "at least one example is required".into());
    }
    if r.negative_examples.is_empty() && !lean {
        return fail(
            "negative_examples",
            "at least one negative example is required".into(),
        );
    }
    if let Some(e) = r.min_entropy {
        if !(0.0..=8.0).contains(&e) {
            return fail("min_entropy", "min_entropy must be between 0 and 8".into());
        }
    }
    let rule = Rule {
        id: r.id,
        name: r.name,
        description: r.description.trim().to_string(),
        provider: r.provider,
        kind: r.kind,
        pattern: r.pattern,
        keywords: r.keywords,
        min_entropy: r.min_entropy,
        check: r.check,
        severity: r.severity,
        confidence: r.confidence,
        references: r.references,
        remediation: r.remediation.trim().to_string(),
        multiline: r.multiline,
        key_id_from: r.key_id_from,
        placeholders: r.placeholders,
        identifier_only: r.identifier_only,
        enclosing: r.enclosing,
        examples: r
            .examples
            .into_iter()
            .map(|RawExample { text, secret }| Example { text, secret })
            .collect(),
        negative_examples: r.negative_examples,
        source: file.to_string(),
        line,
        regex: OnceLock::new(),
    };
    if let Some(regex) = regex {
        let _ = rule.regex.set(regex);
    }
    Ok(rule)
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::large_repetition;

    #[test]
    fn large_counted_repetitions_are_refused() {
        assert_eq!(
            large_repetition(r"[A-Z]{64,4096}").as_deref(),
            Some("{64,4096}")
        );
        assert_eq!(
            large_repetition(r"(?:[^;]{0,100};){0,20}").as_deref(),
            Some("(…){0,20}")
        );
        assert_eq!(large_repetition(r"ghp_[0-9A-Za-z]{36}\{1,300\}"), None);
        assert_eq!(large_repetition(r"(?:ab{1,10}){0,4}x{0,256}"), None);
        assert_eq!(large_repetition(r"[A-Z]{64,}"), None);
    }
}
