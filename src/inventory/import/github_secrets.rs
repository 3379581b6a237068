//! `--from github-secrets`: the JSON of GitHub's "list repository secrets", "list environment
//! secrets" and "list organization secrets" REST endpoints —
//! `{"total_count": N, "secrets": [{"name", "created_at", "updated_at", "visibility"?,
//! "selected_repositories_url"?}]}`. A secret's value is never in it; `updated_at` (when the
//! value was last set) is rotation evidence for the identities whose `match.ci_secrets` name it.

use jiff::civil::Date;
use serde::Deserialize;

use super::{de_utc_date, expect_shape, json_error, Evidence, Kind};
use crate::yaml::Located;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    #[allow(dead_code)]
    total_count: u64,
    secrets: Vec<Secret>,
}

/// One listed secret (the endpoints may add fields: those are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Secret {
    pub name: String,
    #[serde(deserialize_with = "de_utc_date")]
    pub created_at: Date,
    #[serde(deserialize_with = "de_utc_date")]
    pub updated_at: Date,
    /// Organization secrets: `all`, `private` or `selected`.
    #[serde(default)]
    pub visibility: Option<String>,
}

/// The evidence of a secrets list. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<Evidence>, Located> {
    expect_shape(
        file,
        Kind::GithubSecrets,
        text,
        '{',
        r#"an object {"total_count": N, "secrets": [...]}"#,
    )?;
    let list: List =
        serde_json::from_str(text).map_err(|e| json_error(file, Kind::GithubSecrets, &e))?;
    Ok(evidence(list.secrets))
}

/// Evidence of listed secrets (from a file, or read live), sorted by name.
pub fn evidence(secrets: impl IntoIterator<Item = Secret>) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = secrets
        .into_iter()
        .map(|s| Evidence {
            label: s.name.clone(),
            ci_secret: Some(s.name),
            last_rotated: Some(s.updated_at),
            registrable: true,
            note: s
                .visibility
                .map(|v| format!("organization secret, visibility {v}")),
            ..Default::default()
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}
