//! The clone cache: one bare repository per scanned repository, made with gix and fetched (not
//! cloned again) on later runs. The fetch goes through an anonymous remote, so the URL is never
//! written into the cache's git config; a token reaches the transport only through a
//! credentials callback (HTTP basic auth on a 401), never a URL, a config file, a log or an
//! error message ([`scrub`] removes it from any message as a last guard).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::bstr::ByteSlice;

/// Fetch every branch and tag of `url` into the bare clone for `name` under `cache`
/// (created on first use); the clone's path. Errors are one line, without the token.
pub fn fetch(
    cache: &Path,
    name: &str,
    url: &str,
    token: Option<&str>,
    interrupt: &AtomicBool,
) -> Result<PathBuf, String> {
    let dir = cache.join(format!("{}.git", safe_name(name)));
    fetch_into(&dir, url, token, interrupt).map_err(|e| scrub(&e, token))?;
    Ok(dir)
}

fn fetch_into(
    dir: &Path,
    url: &str,
    token: Option<&str>,
    interrupt: &AtomicBool,
) -> Result<(), String> {
    use gix::remote::Direction;
    let repo = if dir.join("HEAD").is_file() {
        gix::open(dir).map_err(|e| format!("cache {}: {e}", dir.display()))?
    } else {
        std::fs::create_dir_all(dir).map_err(|e| format!("cache {}: {e}", dir.display()))?;
        gix::init_bare(dir).map_err(|e| format!("cache {}: {e}", dir.display()))?
    };
    let remote = repo
        .remote_at(url)
        .map_err(|e| format!("bad URL {}: {e}", display_url(url)))?
        .with_refspecs(
            ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
            Direction::Fetch,
        )
        .map_err(|e| e.to_string())?;
    let conn = remote
        .connect(Direction::Fetch)
        .map_err(|e| format!("cannot connect: {e}"))?;
    // A token goes over TLS, or in clear only to this machine (a test or a local mirror).
    let token = token.filter(|_| may_send_token(url)).map(str::to_string);
    // Without a token, a server asking for credentials is an error, never a prompt.
    // (The error type is gix's own, large or not.)
    #[allow(clippy::result_large_err)]
    let conn = conn.with_credentials(move |action| match (action, &token) {
        (gix::credentials::helper::Action::Get(ctx), Some(t)) => {
            Ok(Some(gix::credentials::protocol::Outcome {
                identity: gix::sec::identity::Account {
                    username: "x-access-token".into(),
                    password: t.clone(),
                    oauth_refresh_token: None,
                },
                next: ctx.into(),
            }))
        }
        _ => Ok(None),
    });
    let outcome = conn
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(|e| format!("fetch: {e}"))?
        .receive(gix::progress::Discard, interrupt)
        .map_err(|e| format!("fetch: {e}"))?;
    point_head(&repo, &outcome.ref_map.remote_refs)
}

/// Make the clone's HEAD name the branch the remote's HEAD names (what a clone does).
fn point_head(
    repo: &gix::Repository,
    remote: &[gix::protocol::handshake::Ref],
) -> Result<(), String> {
    use gix::protocol::handshake::Ref;
    use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit};
    let target = remote.iter().find_map(|r| match r {
        Ref::Symbolic {
            full_ref_name,
            target,
            ..
        }
        | Ref::Unborn {
            full_ref_name,
            target,
        } if full_ref_name == "HEAD" => Some(target.clone()),
        _ => None,
    });
    let Some(target) = target else {
        return Ok(());
    };
    let target: gix::refs::FullName = target
        .as_bstr()
        .try_into()
        .map_err(|e| format!("remote HEAD: {e}"))?;
    repo.edit_reference(RefEdit {
        change: Change::Update {
            log: LogChange::default(),
            expected: PreviousValue::Any,
            new: gix::refs::Target::Symbolic(target),
        },
        name: "HEAD".try_into().map_err(|e| format!("HEAD: {e}"))?,
        deref: false,
    })
    .map_err(|e| format!("cannot set HEAD: {e}"))?;
    Ok(())
}

/// Whether credentials may be sent to `url`: https, or plain http to a loopback address.
fn may_send_token(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A repository name as a relative path inside the cache: `/` keeps its meaning (owner
/// folders); anything else but `[A-Za-z0-9._-]` becomes `_`, and no part may be `.` or `..`.
pub fn safe_name(name: &str) -> String {
    name.split('/')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let s: String = p
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if s.chars().all(|c| c == '.') {
                s.replace('.', "_")
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A URL without its user name and password, for messages and the datastore.
pub fn display_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

/// `message` with every occurrence of the token replaced.
pub fn scrub(message: &str, token: Option<&str>) -> String {
    match token.filter(|t| !t.is_empty()) {
        Some(t) => message.replace(t, "***"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_cache() {
        assert_eq!(safe_name("acme/api"), "acme/api");
        assert_eq!(safe_name("../../etc"), "__/__/etc");
        assert_eq!(safe_name("a b/c:d"), "a_b/c_d");
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            display_url("https://x:ghp_secret@github.com/acme/api.git"),
            "https://github.com/acme/api.git"
        );
        assert_eq!(display_url("file:///tmp/r.git"), "file:///tmp/r.git");
        assert_eq!(scrub("bad ghp_secret", Some("ghp_secret")), "bad ***");
    }

    #[test]
    fn tokens_go_over_tls_or_to_this_machine_only() {
        assert!(may_send_token("https://github.com/acme/api.git"));
        assert!(may_send_token("http://127.0.0.1:8080/acme/api.git"));
        assert!(may_send_token("http://[::1]:8080/a.git"));
        assert!(may_send_token("http://localhost/a.git"));
        assert!(!may_send_token("http://example.com/a.git"));
        assert!(!may_send_token("http://127.0.0.1.example.com/a.git"));
        assert!(!may_send_token("git://host/a.git"));
    }
}
