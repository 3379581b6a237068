//! Listing the repositories of an organisation or a user for `org scan`, through the same
//! client (retries on rate limits and 5xx, `Link` pagination) as the pull-request comments.

use serde_json::Value;

use super::{Client, CommentMode, CommentSettings, GithubError};

/// Whose repositories to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Org(String),
    User(String),
}

/// One listed repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// `owner/name`.
    pub full_name: String,
    pub clone_url: String,
    pub archived: bool,
    pub fork: bool,
    pub private: bool,
}

/// Every repository of `owner` the token can read (all pages), sorted by name.
pub async fn list(api_url: &str, token: &str, owner: &Owner) -> Result<Vec<Listed>, GithubError> {
    let s = CommentSettings::new(api_url, token, CommentMode::Summary);
    let client = Client::new(&s)?;
    let path = match owner {
        Owner::Org(o) => format!("/orgs/{}/repos?type=all", seg(o)),
        Owner::User(u) => format!("/users/{}/repos?type=owner", seg(u)),
    };
    let mut out: Vec<Listed> = client
        .get_all(&path)
        .await?
        .iter()
        .filter_map(listed)
        .collect();
    out.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    out.dedup_by(|a, b| a.full_name == b.full_name);
    Ok(out)
}

fn listed(v: &Value) -> Option<Listed> {
    Some(Listed {
        full_name: v["full_name"].as_str()?.to_string(),
        clone_url: v["clone_url"].as_str()?.to_string(),
        archived: v["archived"].as_bool().unwrap_or(false),
        fork: v["fork"].as_bool().unwrap_or(false),
        private: v["private"].as_bool().unwrap_or(false),
    })
}

fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
