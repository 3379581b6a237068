//! The governance inventory (`nhi-inventory.yaml`): every non-human identity the organisation
//! knows of, with its owner, purpose, dates and rotation policy, and how to recognise its
//! credential in a scan (fingerprints, key ids, pipeline secret names, allowed paths). It never
//! holds a secret. Parsed into raw serde types (unknown keys are errors), then validated into
//! [`Inventory`]; every problem names the file, line and column of the offending value.

pub mod check;
pub mod edit;
pub mod import;
mod raw;

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use jiff::civil::Date;
use serde::Serialize;

pub use crate::yaml::{Pos, Positions};
pub use raw::{RawIdentity, RawInventory, RawMatch, RawPolicy, RawTier};

/// Default inventory file name, looked up in the scanned directory.
pub const INVENTORY_FILE: &str = "nhi-inventory.yaml";

/// The inventory format version this build reads and writes.
pub const VERSION: u32 = 1;

/// Lifecycle status of an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Active,
    Deprecated,
    Revoked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Deprecated => "deprecated",
            Status::Revoked => "revoked",
        }
    }
}

/// Organisation-wide defaults (the `policy:` block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub rotation_days: u32,
    pub stale_after_days: u32,
    pub expiring_within_days: u32,
    pub require_owner: bool,
    /// Overrides for identities of one environment or criticality; the first that matches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
}

/// One `policy.tiers` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    pub environment: Option<String>,
    pub criticality: Option<String>,
    pub rotation_days: Option<u32>,
    pub stale_after_days: Option<u32>,
    pub expiring_within_days: Option<u32>,
    pub require_owner: Option<bool>,
}

impl Tier {
    /// Every selector the tier sets matches the identity (a tier without one matches none).
    pub fn covers(&self, id: &Identity) -> bool {
        let sel = |want: &Option<String>, have: &Option<String>| {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        (self.environment.is_some() || self.criticality.is_some())
            && sel(&self.environment, &id.environment)
            && sel(&self.criticality, &id.criticality)
    }
}

impl Policy {
    /// The policy that applies to `id`: the defaults with its tier's overrides (the first
    /// tier that covers it).
    pub fn for_identity(&self, id: &Identity) -> Policy {
        let mut p = Policy {
            tiers: Vec::new(),
            ..self.clone()
        };
        if let Some(t) = self.tiers.iter().find(|t| t.covers(id)) {
            p.rotation_days = t.rotation_days.unwrap_or(p.rotation_days);
            p.stale_after_days = t.stale_after_days.unwrap_or(p.stale_after_days);
            p.expiring_within_days = t.expiring_within_days.unwrap_or(p.expiring_within_days);
            p.require_owner = t.require_owner.unwrap_or(p.require_owner);
        }
        p
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            rotation_days: 90,
            stale_after_days: 90,
            expiring_within_days: 14,
            require_owner: true,
            tiers: Vec::new(),
        }
    }
}

/// How an identity's credential is recognised.
#[derive(Debug, Clone, Default)]
pub struct Matchers {
    /// `sha256:` fingerprints of its secret(s).
    pub fingerprints: Vec<String>,
    /// Non-secret identifiers: AWS access key id, GCP `client_email` / `private_key_id`, ...
    pub key_ids: Vec<String>,
    /// Names of CI secrets that hold it (`DEPLOY_TOKEN`).
    pub ci_secrets: Vec<String>,
    /// Globs (relative to the scan root) where it may live, e.g. sealed or encrypted files.
    pub paths: Vec<String>,
    globs: Option<GlobSet>,
}

impl Matchers {
    /// Whether `path` (relative to the scan root, `/`-separated) is an allowed place.
    pub fn allows(&self, path: &str) -> bool {
        self.globs.as_ref().is_some_and(|g| g.is_match(path))
    }
}

/// One validated identity.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub id: String,
    pub kind: Option<String>,
    pub provider: Option<String>,
    pub owner: Option<String>,
    pub contact: Option<String>,
    pub purpose: Option<String>,
    pub environment: Option<String>,
    /// Free text (e.g. high), matched by `policy.tiers`.
    pub criticality: Option<String>,
    pub created: Option<Date>,
    pub last_rotated: Option<Date>,
    pub expires: Option<Date>,
    pub rotation_days: Option<u32>,
    pub status: Status,
    pub approved_by: Option<String>,
    pub ticket: Option<String>,
    pub scopes: Vec<String>,
    pub offboarding: Vec<String>,
    pub last_used: Option<Date>,
    /// With `status: deprecated`: the date it must be gone by.
    pub retire_by: Option<Date>,
    pub matchers: Matchers,
    /// Its index in the file's `identities` list, and where it starts (1-based).
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

impl Identity {
    /// The identity's rotation period: its own, else the policy's.
    pub fn rotation_period(&self, policy: &Policy) -> u32 {
        self.rotation_days.unwrap_or(policy.rotation_days)
    }

    /// Owner, if set and not blank.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref().filter(|o| !o.trim().is_empty())
    }
}

/// A validated inventory.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The file it was read from, as given.
    pub source: String,
    pub policy: Policy,
    pub identities: Vec<Identity>,
}

/// A problem in an inventory file, located.
pub type InventoryError = crate::yaml::Located;

/// An inventory as read: what could be validated, and every problem found. A syntax error or an
/// unknown key leaves no identities; a bad value only drops that value, so `inventory check`
/// reports every problem at once. `scan` and `audit` apply an inventory only when `errors` is
/// empty (one with problems is an error of the run, never half-applied).
#[derive(Debug, Default)]
pub struct Loaded {
    pub inventory: Inventory,
    pub errors: Vec<InventoryError>,
    /// Where every value sits, for later messages (`inventory check`).
    pub positions: Positions,
    /// The file's text (for `inventory add`).
    pub text: String,
    /// The file is not an inventory at all (YAML syntax, an unknown key, a wrong type): its
    /// one error is in `errors` and nothing was validated.
    pub malformed: bool,
}

impl Loaded {
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> InventoryError {
        let p = self.positions.find(path);
        InventoryError {
            file: self.inventory.source.clone(),
            line: p.line,
            column: p.column,
            message: message.into(),
        }
    }
}

/// Read and validate an inventory file. `Err` only when it cannot be read at all (shown as
/// `file: not found`, `file: cannot read inventory: …`: a whole-file problem has no line).
pub fn load(path: &Path) -> Result<Loaded, InventoryError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => "not found".to_string(),
            _ => format!("cannot read inventory: {e}"),
        };
        InventoryError::whole_file(file.clone(), message)
    })?;
    Ok(parse(&file, &text))
}

/// Parse and validate inventory text; `file` names it in messages.
pub fn parse(file: &str, text: &str) -> Loaded {
    let mut loaded = Loaded {
        inventory: Inventory {
            source: file.to_string(),
            ..Default::default()
        },
        text: text.to_string(),
        ..Default::default()
    };
    let raw: RawInventory = match serde_yaml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            loaded.errors.push(InventoryError::from_serde(file, &e));
            loaded.malformed = true;
            return loaded;
        }
    };
    loaded.positions = Positions::of(text);
    validate(raw, &mut loaded);
    loaded
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return Err(format!("`{s}` is not a date: expected YYYY-MM-DD"));
    }
    s.parse::<Date>()
        .map_err(|_| format!("`{s}` is not a calendar date"))
}

/// `sha256:` and 64 lower-case hex digits.
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    })
}

fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@'))
}

fn validate(raw: RawInventory, loaded: &mut Loaded) {
    let mut errors = Vec::new();
    if raw.version != VERSION {
        errors.push(loaded.error_at(
            "version",
            format!(
                "unsupported inventory version {}: this nhiscan reads version {VERSION}",
                raw.version
            ),
        ));
    }
    let d = Policy::default();
    let rp = raw.policy.unwrap_or_default();
    let policy = Policy {
        rotation_days: rp.rotation_days.unwrap_or(d.rotation_days),
        stale_after_days: rp.stale_after_days.unwrap_or(d.stale_after_days),
        expiring_within_days: rp.expiring_within_days.unwrap_or(d.expiring_within_days),
        require_owner: rp.require_owner.unwrap_or(d.require_owner),
        tiers: rp
            .tiers
            .into_iter()
            .map(|t| Tier {
                environment: t.environment,
                criticality: t.criticality,
                rotation_days: t.rotation_days,
                stale_after_days: t.stale_after_days,
                expiring_within_days: t.expiring_within_days,
                require_owner: t.require_owner,
            })
            .collect(),
    };
    if policy.rotation_days == 0 {
        errors.push(loaded.error_at("policy.rotation_days", "rotation_days must be at least 1"));
    }
    if policy.stale_after_days == 0 {
        // Zero days without use would make every identity stale the day after it was used.
        errors.push(loaded.error_at(
            "policy.stale_after_days",
            "stale_after_days must be at least 1",
        ));
    }
    for (i, t) in policy.tiers.iter().enumerate() {
        for (field, v) in [
            ("rotation_days", t.rotation_days),
            ("stale_after_days", t.stale_after_days),
        ] {
            if v == Some(0) {
                errors.push(loaded.error_at(
                    &format!("policy.tiers[{i}].{field}"),
                    format!("{field} must be at least 1"),
                ));
            }
        }
        if t.environment.is_none() && t.criticality.is_none() {
            errors.push(loaded.error_at(
                &format!("policy.tiers[{i}]"),
                "a tier needs `environment:` or `criticality:` (or both): without one it applies to no identity",
            ));
        }
    }
    let mut identities = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (i, r) in raw.identities.into_iter().enumerate() {
        let at = |field: &str| format!("identities[{i}].{field}");
        if !is_valid_id(&r.id) {
            errors.push(loaded.error_at(
                &at("id"),
                format!(
                    "identity id `{}` must be non-empty letters, digits and - _ . / : @",
                    r.id
                ),
            ));
            continue;
        }
        let start = loaded.positions.find(&format!("identities[{i}]"));
        if let Some(first) = seen.get(&r.id) {
            errors.push(loaded.error_at(
                &at("id"),
                format!("duplicate identity id `{}` (first at line {first})", r.id),
            ));
        } else {
            seen.insert(r.id.clone(), loaded.positions.find(&at("id")).line);
        }
        let mut date = |field: &str, v: &Option<String>| -> Option<Date> {
            let v = v.as_deref()?;
            match parse_date(v) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(loaded.error_at(&at(field), format!("{field}: {e}")));
                    None
                }
            }
        };
        let created = date("created", &r.created);
        let last_rotated = date("last_rotated", &r.last_rotated);
        let expires = date("expires", &r.expires);
        let last_used = date("last_used", &r.last_used);
        let retire_by = date("retire_by", &r.retire_by);
        if let (Some(c), Some(l)) = (created, last_rotated) {
            if l < c {
                errors.push(loaded.error_at(
                    &at("last_rotated"),
                    format!("last_rotated {l} is before created {c}"),
                ));
            }
        }
        if let (Some(c), Some(x)) = (created, expires) {
            if x < c {
                errors.push(
                    loaded.error_at(&at("expires"), format!("expires {x} is before created {c}")),
                );
            }
        }
        if let (Some(c), Some(d)) = (created, retire_by) {
            if d < c {
                errors.push(loaded.error_at(
                    &at("retire_by"),
                    format!("retire_by {d} is before created {c}"),
                ));
            }
        }
        if r.rotation_days == Some(0) {
            errors.push(loaded.error_at(&at("rotation_days"), "rotation_days must be at least 1"));
        }
        let m = r.r#match.unwrap_or_default();
        let mut fingerprints = Vec::new();
        for (j, f) in m.fingerprints.into_iter().enumerate() {
            if is_fingerprint(&f) {
                fingerprints.push(f);
            } else {
                errors.push(loaded.error_at(
                    &at(&format!("match.fingerprints[{j}]")),
                    "fingerprint must be `sha256:` and 64 lower-case hex digits (the `fingerprint` of a finding); never the secret itself",
                ));
            }
        }
        let mut gb = GlobSetBuilder::new();
        let mut paths = Vec::new();
        for (j, p) in m.paths.into_iter().enumerate() {
            match GlobBuilder::new(&p).literal_separator(true).build() {
                Ok(g) => {
                    gb.add(g);
                    paths.push(p);
                }
                Err(e) => errors.push(loaded.error_at(
                    &at(&format!("match.paths[{j}]")),
                    format!("bad path glob `{p}`: {}", e.kind()),
                )),
            }
        }
        let globs = if paths.is_empty() {
            None
        } else {
            gb.build().ok()
        };
        identities.push(Identity {
            id: r.id,
            kind: r.kind,
            provider: r.provider,
            owner: r.owner,
            contact: r.contact,
            purpose: r.purpose,
            environment: r.environment,
            criticality: r.criticality,
            created,
            last_rotated,
            expires,
            rotation_days: r.rotation_days.filter(|d| *d > 0),
            status: r.status.unwrap_or_default(),
            approved_by: r.approved_by,
            ticket: r.ticket,
            scopes: r.scopes,
            offboarding: r.offboarding,
            last_used,
            retire_by,
            matchers: Matchers {
                fingerprints,
                key_ids: m.key_ids,
                ci_secrets: m.ci_secrets,
                paths,
                globs,
            },
            index: i,
            line: start.line,
            column: start.column,
        });
    }
    errors.sort_by_key(|e| (e.line, e.column));
    loaded.errors.extend(errors);
    loaded.inventory.policy = policy;
    loaded.inventory.identities = identities;
}

/// Lint an inventory beyond validity (`nhiscan inventory check`): owners where the policy
/// requires them, identities with nothing to match on, and matchers shared by two identities
/// (which make matches ambiguous).
pub fn lint(loaded: &Loaded) -> Vec<InventoryError> {
    let inv = &loaded.inventory;
    let mut out = Vec::new();
    let mut owners: std::collections::HashMap<(&str, &str), (usize, &str)> = Default::default();
    for id in &inv.identities {
        let at = |field: &str| loaded.error_at(&format!("identities[{}].{field}", id.index), "");
        if inv.policy.require_owner && id.owner().is_none() {
            let mut e = at("owner");
            e.message = format!(
                "identity `{}` has no owner (the policy requires one): add `owner:` and `contact:`",
                id.id
            );
            out.push(e);
        }
        let m = &id.matchers;
        if m.fingerprints.is_empty()
            && m.key_ids.is_empty()
            && m.ci_secrets.is_empty()
            && m.paths.is_empty()
        {
            let mut e = at("match");
            e.message = format!(
                "identity `{}` has nothing to match on: add fingerprints, key_ids, ci_secrets or paths",
                id.id
            );
            out.push(e);
        }
        for (what, values) in [
            ("fingerprints", &m.fingerprints),
            ("key_ids", &m.key_ids),
            ("ci_secrets", &m.ci_secrets),
        ] {
            for (j, v) in values.iter().enumerate() {
                match owners.get(&(what, v.as_str())) {
                    Some((line, other)) if *other != id.id => {
                        let mut e = at(&format!("match.{what}[{j}]"));
                        e.message = format!(
                            "`{v}` in match.{what} of `{}` is also in `{other}` (line {line}): matches would be ambiguous",
                            id.id
                        );
                        out.push(e);
                    }
                    Some((line, _)) => {
                        let mut e = at(&format!("match.{what}[{j}]"));
                        e.message = format!(
                            "`{v}` is listed twice in match.{what} of `{}` (first at line {line})",
                            id.id
                        );
                        out.push(e);
                    }
                    None => {
                        let line = at(&format!("match.{what}[{j}]")).line;
                        owners.insert((what, v.as_str()), (line, id.id.as_str()));
                    }
                }
            }
        }
    }
    out.sort_by_key(|e| (e.line, e.column));
    out
}

#[cfg(test)]
mod tests;
