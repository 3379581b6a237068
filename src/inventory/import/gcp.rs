//! `--from gcp-keys`: the JSON of `gcloud iam service-accounts keys list --format=json`, a list
//! of `{name: "projects/P/serviceAccounts/EMAIL/keys/KEYID", validAfterTime, validBeforeTime,
//! keyAlgorithm, keyOrigin, keyType: USER_MANAGED|SYSTEM_MANAGED, disabled?}`. A key matches
//! the identities whose `match.key_ids` list its KEYID (a key file's `private_key_id`) or, for
//! a user-managed key, its service account's email (`client_email`); system-managed keys are
//! Google's own, never downloaded, so they match by KEYID only and are never "unregistered".
//! `validAfterTime` is creation/rotation evidence, `validBeforeTime` the expiry (a user-managed
//! key valid until year 9999 does not expire), `disabled` suggests `status: revoked`.

use jiff::civil::Date;
use serde::Deserialize;

use super::{de_utc_date, expect_shape, json_error, Evidence, Kind};
use crate::yaml::{Located, Pos};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Key {
    name: String,
    #[serde(deserialize_with = "de_utc_date")]
    valid_after_time: Date,
    #[serde(deserialize_with = "de_utc_date")]
    valid_before_time: Date,
    key_type: KeyType,
    #[serde(default)]
    disabled: bool,
}

#[derive(Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum KeyType {
    UserManaged,
    SystemManaged,
}

/// The evidence of a keys list. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<Evidence>, Located> {
    expect_shape(
        file,
        Kind::GcpKeys,
        text,
        '[',
        "a list of keys [{\"name\": \"projects/P/serviceAccounts/EMAIL/keys/KEYID\", ...}]",
    )?;
    let keys: Vec<Key> =
        serde_json::from_str(text).map_err(|e| json_error(file, Kind::GcpKeys, &e))?;
    let mut out = Vec::new();
    for (i, k) in keys.into_iter().enumerate() {
        let parts: Vec<&str> = k.name.split('/').collect();
        let (email, key_id) = match parts.as_slice() {
            ["projects", _, "serviceAccounts", email, "keys", key_id] => (*email, *key_id),
            _ => {
                return Err(Located::new(
                    file,
                    Pos::new(1, 1),
                    format!(
                        "not a valid gcp-keys export: key #{}: name is not projects/P/serviceAccounts/EMAIL/keys/KEYID",
                        i + 1
                    ),
                ))
            }
        };
        let user = k.key_type == KeyType::UserManaged;
        let mut key_ids = vec![key_id.to_string()];
        if user {
            key_ids.push(email.to_string());
        }
        out.push(Evidence {
            label: format!("{email} key {key_id}"),
            ci_secret: None,
            key_ids,
            created: Some(k.valid_after_time),
            last_rotated: Some(k.valid_after_time),
            last_used: None,
            expires: (k.valid_before_time.year() < 9999).then_some(k.valid_before_time),
            inactive: k.disabled,
            registrable: user,
            note: None,
        });
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}
