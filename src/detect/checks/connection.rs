//! Passwords inside connection strings.

use super::{Identity, Input, Outcome};

/// A password inside a connection string: `scheme://user:password@host/db`,
/// `jdbc:sqlserver://host;user=u;password=p`, `Server=h;User Id=u;Password=p`, or Oracle's
/// `user/password@host`. The rule's `secret` group is the password; the check rejects
/// variables and stand-ins and names the credential `user@host` from the rest of the match.
pub(super) fn connection_uri(input: &Input) -> Outcome {
    let pw = String::from_utf8_lossy(input.secret);
    if is_stand_in(&pw) {
        return Outcome::Reject;
    }
    let raw = input.matched;
    // Where the password sits in the match: from the spans, not a text search (in
    // `postgres://postgres:postgres@` the first "postgres" is not the password).
    let at = input
        .span
        .0
        .saturating_sub(input.matched_start)
        .min(raw.len());
    let end = input
        .span
        .1
        .saturating_sub(input.matched_start)
        .clamp(at, raw.len());
    let m = String::from_utf8_lossy(raw);
    let before = String::from_utf8_lossy(&raw[..at]);
    let after = String::from_utf8_lossy(&raw[end..]);
    let (before, after) = (before.as_ref(), after.as_ref());
    let stop =
        |c: char| matches!(c, '/' | '?' | '#' | ';' | '"' | '\'' | ',' | '&') || c.is_whitespace();
    let mut user: Option<String> = None;
    let mut host: Option<String> = None;
    if let Some(rest) = after.strip_prefix('@') {
        // user:password@host, user/password@host, Oracle's user/password@//host
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        host = Some(if rest.starts_with('(') {
            tns_host(rest).unwrap_or_default()
        } else {
            rest.chars().take_while(|&c| !stop(c)).collect()
        });
        let before = before
            .strip_suffix(':')
            .or_else(|| before.strip_suffix('/'))
            .unwrap_or(before);
        let u: String = before
            .chars()
            .rev()
            .take_while(|&c| {
                !(c == '/' || c == '=' || c == ':' || c.is_whitespace() || c == '"' || c == '\'')
            })
            .collect();
        user = Some(u.chars().rev().collect());
    }
    // key=value properties anywhere in the match (JDBC, ADO.NET, ODBC, query strings).
    for part in m.split([';', '&', '?']) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        // DB2 starts its properties after the database name: `/SAMPLE:user=db2inst1;`
        let k = k.rsplit(':').next().unwrap_or(k);
        let v = v
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '{' || c == '}');
        match k.trim().to_ascii_lowercase().as_str() {
            "user id" | "userid" | "uid" | "user" | "username" | "user name"
                if user.as_deref().is_none_or(str::is_empty) =>
            {
                user = Some(v.to_string());
            }
            "server" | "data source" | "host" | "address" | "addr" | "hostname"
                if host.is_none() =>
            {
                host = Some(if v.starts_with('(') {
                    tns_host(&m[m.find(v).unwrap_or(0)..]).unwrap_or_default()
                } else {
                    v.to_string()
                });
            }
            _ => {}
        }
    }
    if host.is_none() {
        if let Some(i) = m.find("://") {
            let auth: String = m[i + 3..].chars().take_while(|&c| !stop(c)).collect();
            let auth = auth.rsplit('@').next().unwrap_or("").to_string();
            if !auth.is_empty() {
                host = Some(auth);
            }
        }
    }
    let host = host.map(|h| {
        let h = h.strip_prefix("tcp:").unwrap_or(&h);
        // ADO.NET writes the port after a comma.
        h.split(',').next().unwrap_or(h).to_string()
    });
    // Hosts reserved for documentation (RFC 2606) never hold real accounts.
    if host.as_deref().is_some_and(is_documentation_host) {
        return Outcome::Reject;
    }
    let mut id = Identity::default();
    match (
        user.filter(|u| !u.is_empty()),
        host.filter(|h| !h.is_empty()),
    ) {
        (Some(u), Some(h)) => {
            id.attributes.insert("host".into(), h.clone());
            id.key_id = Some(format!("{u}@{h}"));
        }
        (None, Some(h)) => {
            id.attributes.insert("host".into(), h.clone());
            id.key_id = Some(h);
        }
        (Some(u), None) => id.key_id = Some(u),
        (None, None) => {}
    }
    Outcome::Pass(id)
}

/// `HOST:PORT` out of an Oracle TNS descriptor `(DESCRIPTION=(ADDRESS=(HOST=h)(PORT=p))...)`.
pub(super) fn tns_host(desc: &str) -> Option<String> {
    let upper = desc.to_ascii_uppercase();
    let value = |key: &str| {
        let i = upper.find(key)? + key.len();
        Some(
            desc[i..]
                .chars()
                .take_while(|&c| c != ')')
                .collect::<String>()
                .trim()
                .to_string(),
        )
    };
    let host = value("HOST=")?;
    Some(match value("PORT=") {
        Some(p) if !p.is_empty() => format!("{host}:{p}"),
        _ => host,
    })
}

pub(super) fn is_documentation_host(host: &str) -> bool {
    let name = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| name == *d || name.ends_with(&format!(".{d}")))
        || [".example", ".invalid", ".test"]
            .iter()
            .any(|t| name.ends_with(t))
}

/// A password that stands in for one: a variable, a template, a mask or a word like `password`.
pub(super) fn is_stand_in(pw: &str) -> bool {
    const WORDS: &[&str] = &[
        "password", "passwd", "pass", "pwd", "secret", "pw", "user", "username", "null", "none",
        "changeit", "admin", "guest", "tiger",
    ];
    // ADO.NET and ODBC quote values in braces: `{s3cr;t}` is a password, `{db_password}` and
    // `{{ pw }}` are templates.
    if let Some(inner) = pw.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        let template = inner.starts_with('{')
            || inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ' ' | '-'));
        return template || is_stand_in(inner);
    }
    // Shorter than four characters: `U:PS@H`, `a:b@` are documentation, not accounts.
    pw.chars().count() < 4
        || pw.starts_with(['$', '{', '<', '%', '['])
        // `***`, `**redacted**`: masked; one leading `*` is just a character of a password.
        || pw.starts_with("**")
        || pw.ends_with(['}', '>', '%', ']'])
        || WORDS.iter().any(|w| pw.eq_ignore_ascii_case(w))
        || documentation_word(pw, WORDS)
        || joined_stand_ins(pw, WORDS)
        || pw.bytes().all(|b| b == pw.as_bytes()[0])
}

/// Stand-in words joined, percent-escaped or qualified, as URL-parsing tests and docs write
/// them: `pass%20pass`, `pass%23pass`, `user_pass`, `otherpassword`, `newPassword`,
/// `dummy-secret`. Every part between separators (after percent-decoding) is a stand-in word
/// (maybe after a qualifier) or a qualifier, and one at least is a word; a digit anywhere makes
/// it a real password (`pass2pass`).
fn joined_stand_ins(pw: &str, words: &[&str]) -> bool {
    const QUALIFIERS: &[&str] = &[
        "other", "another", "new", "old", "dummy", "fake", "sample", "example", "test", "wrong",
        "bad",
    ];
    // Percent escapes decoded (the URL form of the password), then split at what is not a
    // letter or digit: `pass%20pass` is `pass pass`.
    let plain = percent_encoding::percent_decode_str(pw)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    let parts: Vec<&str> = plain
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    let word = |p: &&str| {
        words.contains(p)
            || QUALIFIERS
                .iter()
                .filter_map(|q| p.strip_prefix(q))
                .any(|r| words.contains(&r))
    };
    parts.iter().any(word) && parts.iter().all(|p| word(p) || QUALIFIERS.contains(p))
}

/// The stand-ins of documentation and connection-string cheat sheets: `myPassword`,
/// `your_password`, `YourStrongPassword`, `my-secret-pw` (a possessive, maybe an adjective,
/// then one of the stand-in words, nothing else).
fn documentation_word(pw: &str, words: &[&str]) -> bool {
    let lower = pw.to_ascii_lowercase();
    let Some(rest) = ["my", "your", "the", "some"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
    else {
        return false;
    };
    let rest = rest.trim_start_matches(['_', '-', '.']);
    words.contains(&rest)
        || ["strong", "secure", "secret", "db", "database", "own"]
            .iter()
            .filter_map(|a| rest.strip_prefix(a))
            .any(|r| words.contains(&r.trim_start_matches(['_', '-', '.'])))
}

#[cfg(test)]
mod tests {
    use super::is_stand_in;

    #[test]
    fn documentation_stand_ins_issue_15() {
        for pw in [
            "myPassword",
            "your_password",
            "YourStrongPassword",
            "mysecret",
            "my-db-pass",
            "pass%20pass",
            "pass%23pass",
            "user_pass",
            "otherpassword",
            "newPassword",
            "dummy-secret",
        ] {
            assert!(is_stand_in(pw), "{pw}");
        }
        // Real passwords that merely start with a possessive stay.
        for pw in [
            "myq7Rz2LxN4v",
            "yourTurn-8812!",
            "thePassword9x",
            "password1X!",
            "pass2pass",
            "otherq7Rz2LxN",
            "pass%20word%21Zk9",
        ] {
            assert!(!is_stand_in(pw), "{pw}");
        }
    }
}
