//! Evidence importers (`nhiscan inventory import`): what a provider knows about a credential —
//! when it was created, rotated, last used, when it expires, whether it is disabled — read from
//! the provider's own export and written into the inventory **in place** (the inventory is the
//! record people review, so evidence shows up as a diff). One file per export kind turns the
//! export into [`Evidence`]; [`plan`] decides what changes (only newer evidence replaces older);
//! [`apply`] edits the text through [`super::edit::set_field`]; [`write_atomic`] replaces the
//! file so an interrupted import never leaves it half-written. No export field that holds a
//! secret (a Vault token's `id`) is ever read.

pub mod aws;
pub mod gcp;
pub mod github_secrets;
pub mod vault;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::{edit, Inventory, RawIdentity, RawMatch, Status};
use crate::yaml::{Located, Pos};

/// The export kinds `--from` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    GithubSecrets,
    GcpKeys,
    AwsCredentialReport,
    VaultToken,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::GithubSecrets => "github-secrets",
            Kind::GcpKeys => "gcp-keys",
            Kind::AwsCredentialReport => "aws-credential-report",
            Kind::VaultToken => "vault-token",
        }
    }
}

/// What an export says about one credential, under the non-secret names it goes by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// How the summary names it: a CI secret name, a key id, a token accessor.
    pub label: String,
    /// The CI secret name an identity's `match.ci_secrets` would list.
    pub ci_secret: Option<String>,
    /// Identifiers an identity's `match.key_ids` would list (a key id, a service account email).
    pub key_ids: Vec<String>,
    pub created: Option<Date>,
    pub last_rotated: Option<Date>,
    pub last_used: Option<Date>,
    pub expires: Option<Date>,
    /// Disabled or inactive at the provider: suggests `status: revoked`.
    pub inactive: bool,
    /// Listed as unregistered when no identity matches it (a provider-managed key is not).
    pub registrable: bool,
    /// A provider fact worth showing next to it (Vault policies, an org secret's visibility).
    pub note: Option<String>,
}

impl Evidence {
    fn matches(&self, m: &super::Matchers) -> bool {
        self.ci_secret
            .as_ref()
            .is_some_and(|s| m.ci_secrets.iter().any(|c| c == s))
            || self
                .key_ids
                .iter()
                .any(|k| m.key_ids.iter().any(|i| i == k))
    }
}

/// A located error in an export: `file:line:column: message`, values it quotes redacted.
pub fn json_error(file: &str, kind: Kind, e: &serde_json::Error) -> Located {
    let msg = e.to_string();
    let msg = msg.find(" at line ").map_or(msg.as_str(), |i| &msg[..i]);
    Located::new(
        file,
        Pos::new(e.line().max(1), e.column().max(1)),
        format!(
            "not a valid {} export: {}",
            kind.as_str(),
            crate::secret::redact_quoted(msg)
        ),
    )
}

/// The export must open with `open` (`{` for an object, `[` for a list): serde would read a
/// list into a struct field by field, and a foreign export deserves a plain message.
pub fn expect_shape(
    file: &str,
    kind: Kind,
    text: &str,
    open: char,
    shape: &str,
) -> Result<(), Located> {
    let at = text.len() - text.trim_start().len();
    match text[at..].chars().next() {
        Some(c) if c == open => Ok(()),
        _ => {
            let before = &text[..at];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            Err(Located::new(
                file,
                Pos::new(line, column),
                format!("not a valid {} export: expected {shape}", kind.as_str()),
            ))
        }
    }
}

/// An RFC 3339 timestamp (`2025-05-20T10:00:00Z`, any offset, fractional seconds) as its UTC
/// date.
pub fn utc_date(s: &str) -> Result<Date, String> {
    match s.parse::<Timestamp>() {
        Ok(ts) => Ok(ts.to_zoned(TimeZone::UTC).date()),
        // The end of time some providers write for "never expires" (9999-12-31T23:59:59Z) is
        // past the last timestamp jiff represents: a UTC one is its date.
        Err(_) if (s.ends_with('Z') || s.ends_with("+00:00")) && s.len() > 10 => s[..10]
            .parse::<Date>()
            .map_err(|e| format!("\"{s}\" is not an RFC 3339 timestamp: {e}")),
        Err(e) => Err(format!("\"{s}\" is not an RFC 3339 timestamp: {e}")),
    }
}

/// serde: an RFC 3339 timestamp field as its UTC date (a bad one is located by serde_json).
pub fn de_utc_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    utc_date(&s).map_err(serde::de::Error::custom)
}

/// serde: an optional (or null) RFC 3339 timestamp field as its UTC date.
pub fn de_opt_utc_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let s = <Option<String> as serde::Deserialize>::deserialize(d)?;
    s.map(|s| utc_date(&s).map_err(serde::de::Error::custom))
        .transpose()
}

/// Unix seconds as their UTC date.
pub fn unix_date(secs: i64) -> Result<Date, String> {
    let ts = Timestamp::from_second(secs).map_err(|e| format!("{secs}: {e}"))?;
    Ok(ts.to_zoned(TimeZone::UTC).date())
}

/// One field written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub identity: String,
    pub index: usize,
    pub field: &'static str,
    pub old: Option<String>,
    pub new: String,
}

/// What an import does to an inventory, and what it found no place for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Evidence that changes nothing, per identity: older than the record, a suggestion not
    /// written, a provider fact.
    pub notes: Vec<(String, String)>,
    /// Evidence no identity matches, by label.
    pub unregistered: Vec<Evidence>,
    /// Identities some evidence matched.
    pub matched: usize,
}

/// What the import writes: the inventory's own dates replaced only by newer evidence.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Write `status: revoked` for identities whose every credential is disabled at the
    /// provider (otherwise only suggested).
    pub write_status: bool,
}

/// The changes `evidence` makes to `inv`. Per identity, evidence of all its credentials is
/// merged (earliest creation, latest rotation, use and expiry; disabled only if all are), then
/// each field changes only when the evidence is newer than what is recorded: `created` only
/// when missing, `last_rotated` when later than the recorded rotation (or creation),
/// `last_used` and `expires` when later.
pub fn plan(inv: &Inventory, evidence: &[Evidence], opts: Options) -> Plan {
    let mut plan = Plan::default();
    let mut used = vec![false; evidence.len()];
    for ident in &inv.identities {
        let mine: Vec<&Evidence> = evidence
            .iter()
            .enumerate()
            .filter(|(_, e)| e.matches(&ident.matchers))
            .map(|(i, e)| {
                used[i] = true;
                e
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        plan.matched += 1;
        let min = |f: fn(&Evidence) -> Option<Date>| mine.iter().filter_map(|e| f(e)).min();
        let max = |f: fn(&Evidence) -> Option<Date>| mine.iter().filter_map(|e| f(e)).max();
        let id = &ident.id;
        let mut change = |field: &'static str, old: Option<Date>, new: Date| {
            plan.changes.push(Change {
                identity: id.clone(),
                index: ident.index,
                field,
                old: old.map(|d| d.to_string()),
                new: new.to_string(),
            })
        };
        let mut older = Vec::new();
        if let Some(c) = min(|e| e.created) {
            if ident.created.is_none() {
                change("created", None, c);
            }
        }
        let created = ident.created.or(min(|e| e.created));
        if let Some(r) = max(|e| e.last_rotated) {
            match ident.last_rotated.or(created) {
                Some(rec) if r <= rec => {
                    if r < rec {
                        older.push(format!(
                            "last_rotated: evidence {r} is older than the recorded {rec}"
                        ));
                    }
                }
                _ => change("last_rotated", ident.last_rotated, r),
            }
        }
        for (field, rec, new) in [
            ("last_used", ident.last_used, max(|e| e.last_used)),
            ("expires", ident.expires, max(|e| e.expires)),
        ] {
            let Some(new) = new else { continue };
            match rec {
                Some(rec) if new <= rec => {
                    if new < rec {
                        older.push(format!(
                            "{field}: evidence {new} is older than the recorded {rec}"
                        ));
                    }
                }
                _ => change(field, rec, new),
            }
        }
        let inactive = mine.iter().all(|e| e.inactive);
        if inactive && ident.status != Status::Revoked {
            if opts.write_status {
                plan.changes.push(Change {
                    identity: id.clone(),
                    index: ident.index,
                    field: "status",
                    old: Some(ident.status.as_str().to_string()),
                    new: "revoked".into(),
                });
            } else {
                older.push(
                    "disabled at the provider: suggest status revoked (--write-status writes it)"
                        .into(),
                );
            }
        }
        if !inactive && ident.status == Status::Revoked {
            older.push("status revoked, but the provider still has it active".into());
        }
        let notes: BTreeSet<&str> = mine.iter().filter_map(|e| e.note.as_deref()).collect();
        for n in notes {
            older.push(n.to_string());
        }
        for n in older {
            plan.notes.push((id.clone(), n));
        }
    }
    for (e, used) in evidence.iter().zip(used) {
        if !used && e.registrable {
            plan.unregistered.push(e.clone());
        }
    }
    plan
}

/// `text` with the plan's changes made.
pub fn apply(text: &str, plan: &Plan) -> Result<String, String> {
    let mut out = text.to_string();
    for c in &plan.changes {
        out = edit::set_field(&out, c.index, c.field, &c.new)
            .map_err(|e| format!("identity `{}`: {e}", c.identity))?;
    }
    Ok(out)
}

/// A stub identity for evidence no identity matches (`--add-unregistered`): its name, its
/// dates, no owner (which `inventory check` then asks for). `taken` holds the ids in use.
pub fn stub(e: &Evidence, taken: &mut BTreeSet<String>) -> RawIdentity {
    let base: String = e
        .label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let base = if base.is_empty() {
        "imported".into()
    } else {
        base
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(id.clone());
    let d = |d: Option<Date>| d.map(|d| d.to_string());
    RawIdentity {
        id,
        created: d(e.created),
        last_rotated: d(e.last_rotated.filter(|r| e.created.is_none_or(|c| *r > c))),
        expires: d(e.expires),
        last_used: d(e.last_used),
        status: e.inactive.then_some(Status::Revoked),
        r#match: Some(RawMatch {
            ci_secrets: e.ci_secret.iter().cloned().collect(),
            key_ids: if e.ci_secret.is_some() {
                Vec::new()
            } else {
                e.key_ids.first().cloned().into_iter().collect()
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Replace `path` with `text` atomically: a temporary file in the same directory, written and
/// flushed to disk, then renamed over it. A symbolic link is followed (its target is replaced,
/// the link stays a link).
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let resolved;
    let path = if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        resolved = std::fs::canonicalize(path)?;
        resolved.as_path()
    } else {
        path
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "inventory".into());
    let tmp = dir.join(format!(".{name}.nhiscan-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        // Keep the file's permissions.
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The lines that differ between two texts, as `-`/`+` lines with their line numbers (a
/// longest-common-subsequence diff: inventories are small).
pub fn line_diff(file: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            out.push_str(&format!(
                "{file}:{}: + {}\n",
                j + 1,
                b[j].trim_end_matches('\r')
            ));
            j += 1;
        } else {
            out.push_str(&format!(
                "{file}:{}: - {}\n",
                i + 1,
                a[i].trim_end_matches('\r')
            ));
            i += 1;
        }
    }
    out
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {} → {}",
            self.identity,
            self.field,
            self.old.as_deref().unwrap_or("(none)"),
            self.new
        )
    }
}

#[cfg(test)]
mod tests;
