//! CI test databases are not leaks: a connection URI in pipeline YAML whose password is its
//! user name (`postgres://postgres:postgres@localhost`), or a word-like password
//! (`redis://:devpass@redis:6379`) for a server on localhost or a service container, is the
//! throwaway database of the job. Such matches of the connection-string rules are dropped
//! from pipeline files before they become findings; a real-looking password (`Zx9-qL2v`) on
//! the same host is still reported.

use crate::detect::Match;
use crate::rules::{Kind, RuleSet};

/// The matches of one file at `path` that are not a CI job's throwaway database.
pub fn drop_ci_databases(path: &str, matches: &[Match], rules: &RuleSet) -> Vec<Match> {
    if super::system_of(path).is_none() {
        return matches.to_vec();
    }
    matches
        .iter()
        .filter(|m| rules.rules[m.rule].kind != Kind::ConnectionString || !throwaway(m))
        .cloned()
        .collect()
}

fn throwaway(m: &Match) -> bool {
    let Some(key) = m.key_id.as_deref() else {
        return false;
    };
    let pw = m.secret.expose();
    let (user, host) = key.rsplit_once('@').unwrap_or(("", key));
    let host = host
        .trim_start_matches('[')
        .split([':', ']', ','])
        .next()
        .unwrap_or("");
    if !user.is_empty() && user == pw.as_ref() {
        return true;
    }
    let local = matches!(host, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0")
        // A service container is reached by its bare name (`postgres`, `redis`, `db`).
        || (!host.is_empty() && !host.contains('.') && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    local && crate::detect::checks::weak_word(pw.as_bytes())
}
