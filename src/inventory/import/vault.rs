//! `--from vault-token`: the JSON of `vault token lookup -format=json` (or of `vault token
//! lookup -accessor A`): `{"data": {"accessor", "creation_time" (unix seconds), "expire_time"
//! (RFC 3339 or null), "last_renewal_time"? (unix seconds), "policies", "display_name", "id",
//! ...}}`. It matches the identities whose `match.key_ids` list its accessor. Its `id` is the
//! token itself: it is not even read (serde skips it), so it cannot reach any output.

use jiff::civil::Date;
use serde::Deserialize;

use super::{de_opt_utc_date, expect_shape, json_error, unix_date, Evidence, Kind};
use crate::yaml::{Located, Pos};

#[derive(Deserialize)]
struct Lookup {
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    accessor: String,
    creation_time: i64,
    #[serde(default, deserialize_with = "de_opt_utc_date")]
    expire_time: Option<Date>,
    #[serde(default)]
    last_renewal_time: Option<i64>,
    #[serde(default)]
    policies: Vec<String>,
    #[serde(default)]
    display_name: Option<String>,
}

/// The evidence of a token lookup. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<Evidence>, Located> {
    expect_shape(
        file,
        Kind::VaultToken,
        text,
        '{',
        "an object {\"data\": {\"accessor\": ..., ...}}",
    )?;
    let l: Lookup =
        serde_json::from_str(text).map_err(|e| json_error(file, Kind::VaultToken, &e))?;
    let d = l.data;
    let bad = |e: String| {
        Located::new(
            file,
            Pos::new(1, 1),
            format!("not a valid vault-token export: {e}"),
        )
    };
    let created = unix_date(d.creation_time).map_err(bad)?;
    let renewed = d
        .last_renewal_time
        .map(unix_date)
        .transpose()
        .map_err(bad)?;
    let mut note = format!("policies: {}", d.policies.join(", "));
    if d.policies.iter().any(|p| p == "root") {
        note.push_str(" (a root token)");
    }
    Ok(vec![Evidence {
        label: match &d.display_name {
            Some(n) => format!("token {} ({n})", d.accessor),
            None => format!("token {}", d.accessor),
        },
        ci_secret: None,
        key_ids: vec![d.accessor],
        created: Some(created),
        // A token is replaced, not rotated: a newer token under the identity is its rotation.
        last_rotated: Some(created),
        // Renewing takes the token itself: evidence of use.
        last_used: renewed,
        expires: d.expire_time,
        inactive: false,
        registrable: true,
        note: Some(note),
    }])
}
