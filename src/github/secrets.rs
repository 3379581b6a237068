//! Listing a repository's or an organisation's Actions secrets (names and dates, never values)
//! for `inventory import --from github-secrets --live`, through the same client (retries,
//! `Link` pagination) as the pull-request comments.

use crate::inventory::import::github_secrets::Secret;

use super::{Client, CommentMode, CommentSettings, GithubError};

/// Whose secrets to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretsOf {
    /// `owner/name`.
    Repo(String),
    Org(String),
}

/// Every secret of `of` (all pages). An entry the list endpoint does not shape as documented
/// is an error naming it, not a silently missing secret.
pub async fn list(api_url: &str, token: &str, of: &SecretsOf) -> Result<Vec<Secret>, GithubError> {
    let s = CommentSettings::new(api_url, token, CommentMode::Summary);
    let client = Client::new(&s)?;
    let path = match of {
        SecretsOf::Repo(r) => {
            let (owner, name) = r.split_once('/').unwrap_or((r, ""));
            format!("/repos/{}/{}/actions/secrets", seg(owner), seg(name))
        }
        SecretsOf::Org(o) => format!("/orgs/{}/actions/secrets", seg(o)),
    };
    client
        .get_all_in(&path, Some("secrets"))
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| {
                GithubError::Client(format!(
                    "{path}: secret #{}: {}",
                    i + 1,
                    crate::secret::redact_quoted(&e.to_string())
                ))
            })
        })
        .collect()
}

fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
