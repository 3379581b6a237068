//! `--from aws-credential-report`: the IAM credential report (`aws iam
//! generate-credential-report`, then `get-credential-report`, base64-decoded: a CSV with one row
//! per user and the columns `user, arn, user_creation_time, …, access_key_1_active,
//! access_key_1_last_rotated, access_key_1_last_used_date, access_key_1_last_used_region,
//! access_key_1_last_used_service, access_key_2_…`; a missing value is `N/A`, `no_information`
//! or `not_supported`), joined with `aws iam list-access-keys` JSON (`{"AccessKeyMetadata":
//! [{"UserName", "AccessKeyId", "Status", "CreateDate"}]}`, one or more files) because the
//! report has no key ids: a key is the report's slot whose `last_rotated` is its `CreateDate`.
//! Keys match the identities whose `match.key_ids` list the key id; `CreateDate` is
//! creation/rotation evidence, `last_used_date` use, an inactive key suggests `revoked`.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;

use super::{expect_shape, json_error, utc_date, Evidence, Kind};
use crate::yaml::{Located, Pos};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKeys {
    access_key_metadata: Vec<AccessKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKey {
    user_name: String,
    access_key_id: String,
    status: String,
    create_date: String,
}

/// One CSV cell and where it starts.
type Cell = (String, Pos);

/// RFC 4180 CSV: quoted fields with `""` escapes, LF or CRLF rows (the report quotes nothing
/// today, but IAM user names may hold commas). No crate for one small well-defined format.
fn csv(file: &str, text: &str) -> Result<Vec<Vec<Cell>>, Located> {
    let mut rows = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut cell = String::new();
    let (mut line, mut col) = (1usize, 1usize);
    let mut start = Pos::new(1, 1);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        col += 1;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    col += 1;
                    cell.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    col = 1;
                    cell.push(c);
                }
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            ',' => {
                row.push((std::mem::take(&mut cell), start));
                start = Pos::new(line, col);
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push((std::mem::take(&mut cell), start));
                rows.push(std::mem::take(&mut row));
                line += 1;
                col = 1;
                start = Pos::new(line, col);
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err(Located::new(
            file,
            start,
            "not a valid aws-credential-report export: unterminated quoted field",
        ));
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push((cell, start));
        rows.push(row);
    }
    Ok(rows)
}

fn missing(v: &str) -> bool {
    matches!(v, "" | "N/A" | "no_information" | "not_supported")
}

/// One access key slot of a report row.
struct Slot {
    rotated: Option<Timestamp>,
    last_used: Option<jiff::civil::Date>,
}

/// The report's slots per user. `file` names it in errors.
fn report(file: &str, text: &str) -> Result<HashMap<String, Vec<Slot>>, Located> {
    let rows = csv(file, text)?;
    let Some((header, body)) = rows.split_first() else {
        return Err(Located::new(
            file,
            Pos::new(1, 1),
            "not a valid aws-credential-report export: empty",
        ));
    };
    let col = |name: &str| -> Result<usize, Located> {
        header.iter().position(|(h, _)| h == name).ok_or_else(|| {
            Located::new(
                file,
                Pos::new(1, 1),
                format!("not a valid aws-credential-report export: no column `{name}`"),
            )
        })
    };
    let user = col("user")?;
    let mut slots_at = Vec::new();
    for n in 1..=2 {
        slots_at.push((
            col(&format!("access_key_{n}_active"))?,
            col(&format!("access_key_{n}_last_rotated"))?,
            col(&format!("access_key_{n}_last_used_date"))?,
        ));
    }
    let mut out = HashMap::new();
    for row in body {
        if row.len() == 1 && row[0].0.is_empty() {
            continue;
        }
        if row.len() != header.len() {
            return Err(Located::new(
                file,
                row[0].1,
                format!(
                    "not a valid aws-credential-report export: {} fields where the header has {}",
                    row.len(),
                    header.len()
                ),
            ));
        }
        let date = |(v, pos): &Cell| -> Result<Option<String>, Located> {
            if missing(v) {
                return Ok(None);
            }
            utc_date(v).map(|_| Some(v.clone())).map_err(|e| {
                Located::new(
                    file,
                    *pos,
                    format!(
                        "not a valid aws-credential-report export: {}",
                        crate::secret::redact_quoted(&e)
                    ),
                )
            })
        };
        let mut slots = Vec::new();
        for &(a, r, u) in &slots_at {
            let rotated = date(&row[r])?.and_then(|v| v.parse::<Timestamp>().ok());
            let last_used = date(&row[u])?.map(|v| utc_date(&v).expect("checked"));
            // `access_key_N_active` is not read: the listing's Status is current.
            let _ = a;
            slots.push(Slot { rotated, last_used });
        }
        out.insert(row[user].0.clone(), slots);
    }
    Ok(out)
}

/// The evidence of a credential report joined with access-key listings (file name, text).
pub fn parse(
    file: &str,
    text: &str,
    access_keys: &[(String, String)],
) -> Result<Vec<Evidence>, Located> {
    if access_keys.is_empty() {
        return Err(Located::whole_file(
            file,
            "the credential report names no key ids: give `aws iam list-access-keys` JSON with --access-keys",
        ));
    }
    let report = report(file, text)?;
    let mut out = Vec::new();
    for (kfile, ktext) in access_keys {
        expect_shape(
            kfile,
            Kind::AwsCredentialReport,
            ktext,
            '{',
            "list-access-keys JSON {\"AccessKeyMetadata\": [...]}",
        )?;
        let keys: AccessKeys = serde_json::from_str(ktext)
            .map_err(|e| json_error(kfile, Kind::AwsCredentialReport, &e))?;
        for k in keys.access_key_metadata {
            let bad = |e: String| {
                Located::new(
                    kfile.as_str(),
                    Pos::new(1, 1),
                    format!("not valid list-access-keys JSON: {}: {e}", k.access_key_id),
                )
            };
            let created: Timestamp = k
                .create_date
                .parse()
                .map_err(|e| bad(format!("CreateDate: {e}")))?;
            let created_date = utc_date(&k.create_date).map_err(bad)?;
            let slot = report.get(&k.user_name).and_then(|slots| {
                slots.iter().find(|s| {
                    s.rotated
                        .is_some_and(|r| r.as_second() == created.as_second())
                })
            });
            out.push(Evidence {
                label: format!("{} key {}", k.user_name, k.access_key_id),
                ci_secret: None,
                key_ids: vec![k.access_key_id.clone()],
                created: Some(created_date),
                last_rotated: Some(created_date),
                last_used: slot.and_then(|s| s.last_used),
                expires: None,
                // The listing is current; the report may be hours old.
                inactive: k.status != "Active",
                registrable: true,
                note: slot
                    .is_none()
                    .then(|| "not in the credential report (no use evidence)".to_string()),
            });
        }
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}
