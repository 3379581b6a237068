//! The detection engine: one Aho-Corasick pass over every rule keyword picks the candidate
//! rules, their regexes run only in windows around the keyword hits, and each captured secret
//! passes the entropy, placeholder, allowlist and offline-check filters. The engine is built
//! once per scan and shared by reference across worker threads; it holds no mutable state.

pub mod checks;
pub mod entropy;
pub mod filters;
pub mod selftest;

use std::collections::BTreeMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::rules::{Confidence, RuleSet};
use checks::{Input, Outcome};
use filters::{Allowlist, Placeholders};

/// How far back from a keyword hit a window starts (bounded by the line start).
const WINDOW_BACK: usize = 256;
/// How far forward a single-line window reaches (bounded by the line end).
const WINDOW_LINE: usize = 4096;
/// How far forward a multi-line window reaches.
const WINDOW_MULTILINE: usize = 16 * 1024;
/// A `key_id_from` partner must sit within this many lines.
const PAIR_LINES: usize = 10;
/// Rules of this provider yield to provider-specific rules on the same text.
pub const GENERIC_PROVIDER: &str = "generic";
/// The comment that suppresses a finding on its line.
pub const INLINE_ALLOW: &[u8] = b"nhiscan:allow";

/// Words that begin ordinary values as often as tokens (`prod_…`, `secret-…`, `token-…`): a
/// provider keyword made only of them (`token-`, `secret-live-`, `access-production-`) is no
/// claim on the value, so a password `prod_R7x9…` the provider rule rejected is still the
/// generic rules' to report. Distinctive prefixes (`ghp_`, `sk-proj-`, `glpat-`) stay claimed.
const WORD_PREFIX_PARTS: &[&str] = &[
    "access",
    "api",
    "console",
    "development",
    "key",
    "live",
    "perm",
    "prod",
    "production",
    "sand",
    "sandbox",
    "sdk",
    "secret",
    "test",
    "token",
];

/// A keyword prefix made only of [`WORD_PREFIX_PARTS`].
fn word_prefix(k: &str) -> bool {
    k.split(['_', '-'])
        .filter(|p| !p.is_empty())
        .all(|p| WORD_PREFIX_PARTS.contains(&p.to_ascii_lowercase().as_str()))
}

/// Settings of the engine that do not come from rules.
#[derive(Debug)]
pub struct EngineOptions {
    pub min_confidence: Confidence,
    pub placeholders: Placeholders,
    pub allowlist: Allowlist,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            min_confidence: Confidence::Medium,
            placeholders: Placeholders::builtin(),
            allowlist: Allowlist::default(),
        }
    }
}

/// One secret found in one piece of content.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index of the rule in the engine's [`RuleSet`].
    pub rule: usize,
    pub secret: crate::secret::Secret,
    /// Byte span of the secret in the content.
    pub start: usize,
    pub end: usize,
    /// 1-based line and column (in characters) of the secret's first character.
    pub line: usize,
    pub column: usize,
    /// 1-based line and column just past the secret's last character (SARIF style).
    pub end_line: usize,
    pub end_column: usize,
    pub confidence: Confidence,
    pub key_id: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// One occurrence of a rule keyword in a content (see [`Engine::keyword_hits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeywordHit {
    /// Byte offset of the occurrence's first byte.
    pub start: usize,
    /// The keyword's number in the engine's automaton.
    pub pattern: u32,
}

/// What the regex pass yields: matches, and the spans provider rules matched but rejected.
#[derive(Default)]
struct Candidates {
    out: Vec<Match>,
    judged: Vec<(usize, usize)>,
}

/// Why candidates were dropped, for the summary: nothing is dropped silently.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Dropped {
    pub placeholder: u64,
    /// A provider's documented example credential (`rules/filters/examples.yaml`).
    pub documented_example: u64,
    pub low_entropy: u64,
    pub allowlisted: u64,
    pub inline_allowed: u64,
    pub check_rejected: u64,
    pub below_confidence: u64,
}

impl Dropped {
    pub fn add(&mut self, o: &Dropped) {
        self.placeholder += o.placeholder;
        self.documented_example += o.documented_example;
        self.low_entropy += o.low_entropy;
        self.allowlisted += o.allowlisted;
        self.inline_allowed += o.inline_allowed;
        self.check_rejected += o.check_rejected;
        self.below_confidence += o.below_confidence;
    }
}

pub struct Engine {
    rules: Arc<RuleSet>,
    keywords: AhoCorasick,
    /// For each keyword pattern, the rules it triggers.
    keyword_rules: Vec<Vec<u32>>,
    /// For each keyword pattern, its length in bytes.
    keyword_lens: Vec<u32>,
    /// Prefixes that provider rules own (`ghp_`, `glpat-`, `sk-`: keywords ending in `_` or
    /// `-`): a generic match whose value starts with one is that provider's token, malformed or
    /// truncated, and its rule has already judged it.
    claimed_prefixes: Vec<String>,
    opts: EngineOptions,
}

impl Engine {
    pub fn new(rules: Arc<RuleSet>, opts: EngineOptions) -> Engine {
        let mut words: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<u32>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for kw in &rule.keywords {
                let kw = kw.to_ascii_lowercase();
                let slot = *index.entry(kw.clone()).or_insert_with(|| {
                    words.push(kw);
                    keyword_rules.push(Vec::new());
                    words.len() - 1
                });
                if !keyword_rules[slot].contains(&(ri as u32)) {
                    keyword_rules[slot].push(ri as u32);
                }
            }
        }
        // A full DFA: ~4 ms to build for ~500 keywords, and 2-3x faster to search than the
        // NFA the builder would pick for a set this large. The keyword pass is most of a scan.
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .expect("keyword automaton builds");
        let mut claimed_prefixes: Vec<String> = rules
            .rules
            .iter()
            .filter(|r| r.provider != GENERIC_PROVIDER)
            .flat_map(|r| r.keywords.iter())
            .filter(|k| k.len() >= 3 && (k.ends_with('_') || k.ends_with('-')))
            .filter(|k| !word_prefix(k))
            .cloned()
            .collect();
        claimed_prefixes.sort();
        claimed_prefixes.dedup();
        let keyword_lens = words.iter().map(|w| w.len() as u32).collect();
        Engine {
            rules,
            keywords,
            keyword_rules,
            keyword_lens,
            claimed_prefixes,
            opts,
        }
    }

    /// Whether the config's allowlist (regexes, stopwords) lets `secret` pass unreported.
    pub fn allowlisted(&self, secret: &[u8]) -> bool {
        self.opts.allowlist.allows(secret)
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Every keyword of every rule (lower-case, unique), e.g. for a benchmark floor.
    pub fn keyword_count(&self) -> usize {
        self.keyword_rules.len()
    }

    /// Scan one piece of content. Matches come back in content order.
    pub fn scan(&self, data: &[u8], dropped: &mut Dropped) -> Vec<Match> {
        self.scan_inner(data, dropped, None, self.opts.min_confidence)
    }

    /// Scan with one rule only, keeping matches of any confidence (for `rules check`).
    pub fn scan_rule(&self, data: &[u8], rule: usize, dropped: &mut Dropped) -> Vec<Match> {
        self.scan_inner(data, dropped, Some(rule), Confidence::Low)
    }

    /// Every occurrence of every rule keyword that lies wholly inside `data[range]`, appended
    /// to `out` with its offset in `data`, sorted by (start, keyword). The automaton reports
    /// overlapping occurrences by where they end, so a keyword inside a longer one (`dapi` in
    /// `ddapikey`) comes out before the longer one that starts earlier; those who derive a
    /// delta's occurrences from its base's (a binary search by start) need them sorted. The engine
    /// is local: what [`Engine::scan_hits`] makes of a content depends on these occurrences
    /// and the bytes near them, so a source that knows a content's occurrences some other
    /// way (a git delta's copies of its base, see `sources::git::packed`) need not search it.
    pub fn keyword_hits(
        &self,
        data: &[u8],
        range: std::ops::Range<usize>,
        out: &mut Vec<KeywordHit>,
    ) {
        let (base, from) = (range.start, out.len());
        for hit in self.keywords.find_overlapping_iter(&data[range]) {
            out.push(KeywordHit {
                start: base + hit.start(),
                pattern: hit.pattern().as_u32(),
            });
        }
        out[from..].sort_unstable();
    }

    /// The byte length of the longest keyword: an occurrence of any keyword is at most this
    /// long (case-insensitive matching is ASCII only, so lengths do not change).
    pub fn max_keyword_len(&self) -> usize {
        self.keyword_lens.iter().copied().max().unwrap_or(0) as usize
    }

    /// The byte length of keyword `pattern`.
    pub fn keyword_len(&self, pattern: u32) -> usize {
        self.keyword_lens[pattern as usize] as usize
    }

    /// [`Engine::scan`] of `data` given every keyword occurrence in it (as
    /// [`Engine::keyword_hits`] over all of `data` finds them, in any order): the same matches.
    pub fn scan_hits(&self, data: &[u8], hits: &[KeywordHit], dropped: &mut Dropped) -> Vec<Match> {
        let hits = hits.iter().map(|h| {
            let len = self.keyword_lens[h.pattern as usize] as usize;
            (h.pattern as usize, h.start, h.start + len)
        });
        self.scan_windows(data, hits, dropped, None, self.opts.min_confidence)
    }

    fn scan_inner(
        &self,
        data: &[u8],
        dropped: &mut Dropped,
        only: Option<usize>,
        min_confidence: Confidence,
    ) -> Vec<Match> {
        let hits = self
            .keywords
            .find_overlapping_iter(data)
            .map(|h| (h.pattern().as_usize(), h.start(), h.end()));
        self.scan_windows(data, hits, dropped, only, min_confidence)
    }

    fn scan_windows(
        &self,
        data: &[u8],
        hits: impl Iterator<Item = (usize, usize, usize)>,
        dropped: &mut Dropped,
        only: Option<usize>,
        min_confidence: Confidence,
    ) -> Vec<Match> {
        // 1. Keyword pass: windows per candidate rule.
        let mut windows: Vec<(u32, usize, usize)> = Vec::new();
        for (pattern, hs, he) in hits {
            for &ri in &self.keyword_rules[pattern] {
                if only.is_some_and(|o| o != ri as usize) {
                    continue;
                }
                let rule = &self.rules.rules[ri as usize];
                let (s, e) = if rule.enclosing {
                    enclosing_window(data, hs, he)
                } else {
                    window(data, hs, he, rule.multiline)
                };
                windows.push((ri, s, e));
            }
        }
        if windows.is_empty() {
            return Vec::new();
        }
        windows.sort_unstable();
        windows.dedup();

        // 2. Regexes in merged windows. `judged`: spans a provider rule matched but rejected
        // (failed check, below the confidence floor), which the generic rules must not re-report.
        let mut c = Candidates::default();
        let mut i = 0;
        while i < windows.len() {
            let (ri, s, mut e) = windows[i];
            i += 1;
            while i < windows.len() && windows[i].0 == ri && windows[i].1 <= e {
                e = e.max(windows[i].2);
                i += 1;
            }
            self.run_rule(ri as usize, data, (s, e), min_confidence, &mut c, dropped);
        }
        let Candidates { mut out, judged } = c;

        // 3. Place, pair, suppress.
        self.one_rule_per_span(&mut out);
        self.drop_generic_overlaps(&mut out, &judged, dropped);
        locate(data, &mut out);
        out.retain(|m| {
            let allowed =
                line_has_allow(data, m.start) || line_has_allow(data, m.end.saturating_sub(1));
            if allowed {
                dropped.inline_allowed += 1;
            }
            !allowed
        });
        self.pair_key_ids(&mut out);
        if only.is_none() {
            out.retain(|m| !self.rules.rules[m.rule].identifier_only);
        }
        out
    }

    fn run_rule(
        &self,
        ri: usize,
        data: &[u8],
        (ws, we): (usize, usize),
        min_confidence: Confidence,
        c: &mut Candidates,
        dropped: &mut Dropped,
    ) {
        let rule = &self.rules.rules[ri];
        let provider = rule.provider != GENERIC_PROVIDER;
        let re = rule.regex();
        let group = rule.secret_group();
        let hay = &data[ws..we];
        for caps in re.captures_iter(hay) {
            let (Some(whole), Some(sec)) = (caps.get(0), caps.get(group)) else {
                continue;
            };
            let secret = sec.as_bytes();
            if secret.is_empty() {
                continue;
            }
            if rule.enclosing {
                let before = &hay[whole.start()..sec.start()];
                if let Some(nl) = memchr::memrchr(b'\n', before) {
                    if !filters::inside_enclosing_block(data, ws + whole.start(), ws + sec.start())
                    {
                        continue;
                    }
                    // The enclosed value's own key, as the generic rule judges it:
                    // `private_key_id:` or `token_url:` under `datadog:` holds no secret.
                    if checks::names_a_non_secret(&before[nl + 1..]) {
                        dropped.check_rejected += 1;
                        c.judged.push((ws + sec.start(), ws + sec.end()));
                        continue;
                    }
                }
            }
            if self.opts.placeholders.is_documented_example(secret) {
                dropped.documented_example += 1;
                continue;
            }
            if (rule.placeholders && self.opts.placeholders.is_placeholder(secret))
                || filters::in_action_ref(data, ws + sec.start(), ws + sec.end())
            {
                dropped.placeholder += 1;
                continue;
            }
            if let Some(min) = rule.min_entropy {
                if entropy::shannon(secret) < min {
                    dropped.low_entropy += 1;
                    continue;
                }
            }
            if self.opts.allowlist.allows(secret) {
                dropped.allowlisted += 1;
                continue;
            }
            let (start, end) = (ws + sec.start(), ws + sec.end());
            let mut confidence = rule.confidence;
            let mut identity = checks::Identity::default();
            if let Some(check) = rule.check {
                let input = Input {
                    secret,
                    matched: whole.as_bytes(),
                    matched_start: ws + whole.start(),
                    data,
                    span: (start, end),
                };
                match check.run(&input) {
                    Outcome::Pass(id) => identity = id,
                    Outcome::Fail => confidence = Confidence::Low,
                    Outcome::Reject => {
                        dropped.check_rejected += 1;
                        if provider {
                            c.judged.push((start, end));
                        }
                        continue;
                    }
                }
            }
            if confidence < min_confidence {
                dropped.below_confidence += 1;
                if provider {
                    c.judged.push((start, end));
                }
                continue;
            }
            c.out.push(Match {
                rule: ri,
                secret: crate::secret::Secret::new(secret),
                start,
                end,
                line: 0,
                column: 0,
                end_line: 0,
                end_column: 0,
                confidence,
                key_id: identity.key_id,
                attributes: identity.attributes,
            });
        }
    }

    /// Two rules that capture the very same bytes (an `npm_` token inside `.npmrc`) make one
    /// finding: a provider rule over a `generic` one, then the more confident match, then the
    /// one with an offline check, then the rule id that sorts first. Leaves `out` sorted by position.
    fn one_rule_per_span(&self, out: &mut Vec<Match>) {
        let rank = |m: &Match| {
            let r = &self.rules.rules[m.rule];
            (
                r.provider == GENERIC_PROVIDER,
                std::cmp::Reverse(m.confidence),
                std::cmp::Reverse(r.check.is_some()),
                m.rule,
            )
        };
        out.sort_by(|a, b| {
            (a.start, a.end)
                .cmp(&(b.start, b.end))
                .then_with(|| rank(a).cmp(&rank(b)))
        });
        out.dedup_by_key(|m| (m.start, m.end));
    }

    /// A secret a provider rule recognises is reported by that rule only: the `generic`
    /// provider's rules give way where their span overlaps a provider-specific match, where a
    /// provider rule matched and rejected it (`judged`: a GitHub token failing its CRC32), and
    /// where the value starts with a prefix a provider owns but its rule did not match (a
    /// truncated `ghp_` token, an `sk-proj-` look-alike). Those count as check-rejected.
    fn drop_generic_overlaps(
        &self,
        out: &mut Vec<Match>,
        judged: &[(usize, usize)],
        dropped: &mut Dropped,
    ) {
        let generic = |m: &Match| self.rules.rules[m.rule].provider == GENERIC_PROVIDER;
        if !out.iter().any(generic) {
            return;
        }
        let specific: Vec<(usize, usize)> = out
            .iter()
            .filter(|m| !generic(m))
            .map(|m| (m.start, m.end))
            .collect();
        out.retain(|m| {
            if !generic(m) {
                return true;
            }
            let overlaps = |&(s, e): &(usize, usize)| s < m.end && m.start < e;
            if specific.iter().any(overlaps) {
                return false;
            }
            let value = m.secret.expose();
            let claimed = judged.iter().any(overlaps)
                || self
                    .claimed_prefixes
                    .iter()
                    .any(|p| value.starts_with(p.as_str()));
            if claimed {
                dropped.check_rejected += 1;
            }
            !claimed
        });
    }

    /// `key_id_from`: the nearest match of the partner rule within a few lines names this one.
    fn pair_key_ids(&self, out: &mut [Match]) {
        for i in 0..out.len() {
            let rule = &self.rules.rules[out[i].rule];
            let Some(partner) = &rule.key_id_from else {
                continue;
            };
            if out[i].key_id.is_some() {
                continue;
            }
            let line = out[i].line;
            let best = out
                .iter()
                .filter(|m| self.rules.rules[m.rule].id == *partner)
                .map(|m| (m.line.abs_diff(line), m))
                .filter(|(d, _)| *d <= PAIR_LINES)
                .min_by_key(|(d, m)| (*d, m.start))
                .map(|(_, m)| m.secret.expose().into_owned());
            out[i].key_id = best;
        }
    }
}

/// The window a rule's regex runs in around a keyword hit `[s, e)`.
fn window(data: &[u8], s: usize, e: usize, multiline: bool) -> (usize, usize) {
    let back_limit = s.saturating_sub(WINDOW_BACK);
    let start = match memchr::memrchr(b'\n', &data[back_limit..s]) {
        Some(nl) => back_limit + nl + 1,
        None => back_limit,
    };
    let end = if multiline {
        (e + WINDOW_MULTILINE).min(data.len())
    } else {
        let limit = (e + WINDOW_LINE).min(data.len());
        match memchr::memchr(b'\n', &data[e..limit]) {
            Some(nl) => e + nl,
            None => limit,
        }
    };
    (start, end)
}

/// The window of a context rule: the keyword's line, and when the rest of that line opens a
/// block (at most 24 bytes ending in `:`, `{` or `]`, as `openweathermap:` or
/// `[services.datadog]` do) the seven lines below it too, where its enclosed value may be.
fn enclosing_window(data: &[u8], s: usize, e: usize) -> (usize, usize) {
    let (start, end) = window(data, s, e, false);
    let rest = data[e..end].trim_ascii_end();
    if rest.len() > 24 || !matches!(rest.last(), Some(b':' | b'{' | b']')) {
        return (start, end);
    }
    let limit = (end + WINDOW_LINE).min(data.len());
    let below = memchr::memchr_iter(b'\n', &data[end..limit])
        .nth(7)
        .map_or(limit, |nl| end + nl);
    (start, below)
}

/// Fill in line and column numbers; `out` is sorted by start.
fn locate(data: &[u8], out: &mut [Match]) {
    let mut pos = 0;
    let mut line = 1;
    let mut line_start = 0;
    let advance = |to: usize, pos: &mut usize, line: &mut usize, line_start: &mut usize| {
        for nl in memchr::memchr_iter(b'\n', &data[*pos..to]) {
            *line += 1;
            *line_start = *pos + nl + 1;
        }
        *pos = to;
    };
    for m in out.iter_mut() {
        advance(m.start, &mut pos, &mut line, &mut line_start);
        m.line = line;
        m.column = chars(&data[line_start..m.start]) + 1;
        // The end may lie on a later line: count from the start without moving the cursor.
        let (mut el, mut els) = (line, line_start);
        for nl in memchr::memchr_iter(b'\n', &data[m.start..m.end]) {
            el += 1;
            els = m.start + nl + 1;
        }
        m.end_line = el;
        m.end_column = chars(&data[els..m.end]) + 1;
    }
}

/// Number of characters in UTF-8 bytes (invalid bytes count as one each).
fn chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

fn line_has_allow(data: &[u8], at: usize) -> bool {
    let at = at.min(data.len());
    let s = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
    let e = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
    // Bound the look on huge single-line files.
    let s = s.max(at.saturating_sub(WINDOW_LINE));
    let e = e.min(at + WINDOW_LINE);
    memchr::memmem::find(&data[s..e], INLINE_ALLOW).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_line_bounded() {
        let d = b"first line\nsecond token line\nthird";
        let (s, e) = window(d, 18, 23, false);
        assert_eq!(&d[s..e], b"second token line");
        let (s, e) = window(d, 18, 23, true);
        assert_eq!(&d[s..e], b"second token line\nthird");
    }

    #[test]
    fn window_on_a_huge_line_is_bounded() {
        let d = vec![b'a'; 100_000];
        let (s, e) = window(&d, 50_000, 50_005, false);
        assert_eq!(s, 50_000 - WINDOW_BACK);
        assert_eq!(e, 50_005 + WINDOW_LINE);
    }

    #[test]
    fn keyword_hits_come_sorted_by_start_even_when_nested() {
        let rules = Arc::new(RuleSet::load(&crate::rules::RuleSources::default()).unwrap());
        let engine = Engine::new(rules, EngineOptions::default());
        let data = b"x ddapikey and ory_apikey_ y";
        let mut hits = Vec::new();
        engine.keyword_hits(data, 0..data.len(), &mut hits);
        let words: Vec<&[u8]> = hits
            .iter()
            .map(|h| &data[h.start..h.start + engine.keyword_len(h.pattern)])
            .collect();
        // The nested keywords are there, and the list is in start order.
        for w in [&b"ddapikey"[..], b"dapi", b"ory_apikey_", b"apikey"] {
            assert!(
                words.iter().any(|x| x.eq_ignore_ascii_case(w)),
                "{:?}",
                String::from_utf8_lossy(w)
            );
        }
        assert!(hits.windows(2).all(|w| w[0] <= w[1]), "{hits:?}");
        // Appending keeps what was there and sorts only the new part.
        let mut more = vec![KeywordHit {
            start: 99,
            pattern: 0,
        }];
        engine.keyword_hits(data, 2..10, &mut more);
        assert_eq!(more[0].start, 99);
        assert!(more[1..].windows(2).all(|w| w[0] <= w[1]), "{more:?}");
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(chars("héllo".as_bytes()), 5);
    }
}
