//! `nhiscan inventory check` beyond validity and [`super::lint`]: what an inventory can only be
//! judged against from outside — today (`--now`: dates in the future), the loaded rule set
//! (provider slugs no rule has, which never match a finding's provider), and a scan report
//! (findings two identities would claim across match kinds). Each problem is located at the
//! value to change.

use std::collections::BTreeSet;

use jiff::civil::Date;

use super::{InventoryError, Loaded};

/// A finding of a report, as the inventory sees it: what names it (`rule at path:line`, the
/// redacted preview, never the secret), its fingerprint and the key ids the policy matches on.
#[derive(Debug, Clone)]
pub struct Probe {
    pub label: String,
    pub fingerprint: String,
    pub key_ids: Vec<String>,
}

/// Dates after `now`: a `created`, `last_rotated` or `last_used` in the future is a typo, and
/// would make ages negative and evidence look fresher than it is.
pub fn future_dates(loaded: &Loaded, now: Date) -> Vec<InventoryError> {
    let mut out = Vec::new();
    for id in &loaded.inventory.identities {
        for (field, d) in [
            ("created", id.created),
            ("last_rotated", id.last_rotated),
            ("last_used", id.last_used),
        ] {
            if let Some(d) = d.filter(|d| *d > now) {
                out.push(loaded.error_at(
                    &format!("identities[{}].{field}", id.index),
                    format!(
                        "{field} {d} of `{}` is in the future (today is {now})",
                        id.id
                    ),
                ));
            }
        }
    }
    out
}

/// Evidence older than the credential: a `last_used` before `created` cannot describe this
/// credential (an import from the wrong account, or a typo). Only a lint: a scan still loads the
/// file, since an imported date must never make the inventory unreadable.
pub fn used_before_created(loaded: &Loaded) -> Vec<InventoryError> {
    let mut out = Vec::new();
    for id in &loaded.inventory.identities {
        if let (Some(c), Some(u)) = (id.created, id.last_used) {
            if u < c {
                out.push(loaded.error_at(
                    &format!("identities[{}].last_used", id.index),
                    format!(
                        "last_used {u} of `{}` is before created {c}: the evidence predates the credential; check both dates",
                        id.id
                    ),
                ));
            }
        }
    }
    out
}

/// `retire_by` that says something the status contradicts: a date on an identity that is not
/// `deprecated` (only deprecation has a retirement date; a revoked one is retired already and
/// keeps its date as a record), or a date that has passed while it is still deprecated (it
/// should be revoked by now, or the date moved).
pub fn retire_by(loaded: &Loaded, now: Date) -> Vec<InventoryError> {
    let mut out = Vec::new();
    for id in &loaded.inventory.identities {
        let Some(d) = id.retire_by else {
            continue;
        };
        let at = format!("identities[{}].retire_by", id.index);
        match id.status {
            super::Status::Active => out.push(loaded.error_at(
                &at,
                format!(
                    "retire_by {d} of `{}` goes with `status: deprecated`, but it is active: mark it deprecated, or drop the date",
                    id.id
                ),
            )),
            super::Status::Deprecated if d < now => out.push(loaded.error_at(
                &at,
                format!(
                    "retire_by {d} of `{}` has passed (today is {now}) and it is still deprecated: revoke it and set `status: revoked`, or move the date",
                    id.id
                ),
            )),
            _ => {}
        }
    }
    out
}

/// The conventional criticality levels (`criticality:` is free text, matched by tiers).
const CRITICALITY: &[&str] = &["critical", "high", "medium", "low"];

/// `policy.tiers` that cannot apply as written, and `criticality:` values that no tier can
/// match: a tier whose `environment`/`criticality` no identity has (a typo such as
/// `production` for `prod` silently applies the defaults), a tier that sets no override, a
/// tier an earlier one with the same selectors shadows, and a criticality outside the
/// conventional levels that no tier names.
pub fn tiers(loaded: &Loaded) -> Vec<InventoryError> {
    let inv = &loaded.inventory;
    let mut out = Vec::new();
    let values = |f: &dyn Fn(&super::Identity) -> Option<&String>| -> BTreeSet<String> {
        inv.identities
            .iter()
            .filter_map(|i| f(i).cloned())
            .collect()
    };
    let environments = values(&|i| i.environment.as_ref());
    let criticalities = values(&|i| i.criticality.as_ref());
    for (n, t) in inv.policy.tiers.iter().enumerate() {
        let at = |field: &str| format!("policy.tiers[{n}]{field}");
        for (field, want, have) in [
            ("environment", &t.environment, &environments),
            ("criticality", &t.criticality, &criticalities),
        ] {
            let Some(w) = want else { continue };
            if have.contains(w) {
                continue;
            }
            let hint = match closest(w, have) {
                Some(c) => format!(": did you mean `{c}`?"),
                None if have.is_empty() => format!(": no identity sets `{field}:`"),
                None => format!(
                    " (identities use {})",
                    have.iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(loaded.error_at(
                &at(&format!(".{field}")),
                format!(
                    "tier {} ({field} `{w}`) applies to no identity{hint}",
                    n + 1
                ),
            ));
        }
        if t.rotation_days.is_none()
            && t.stale_after_days.is_none()
            && t.expiring_within_days.is_none()
            && t.require_owner.is_none()
        {
            out.push(loaded.error_at(
                &at(""),
                format!(
                    "tier {} overrides nothing: set rotation_days, stale_after_days, expiring_within_days or require_owner",
                    n + 1
                ),
            ));
        }
        if let Some(e) = inv.policy.tiers[..n].iter().position(|p| {
            (p.environment.is_none() || p.environment == t.environment)
                && (p.criticality.is_none() || p.criticality == t.criticality)
                && (p.environment.is_some() || p.criticality.is_some())
        }) {
            out.push(loaded.error_at(
                &at(""),
                format!(
                    "tier {} is never used: tier {} comes first and covers every identity it would (the first matching tier wins)",
                    n + 1,
                    e + 1
                ),
            ));
        }
    }
    let named: BTreeSet<String> = inv
        .policy
        .tiers
        .iter()
        .filter_map(|t| t.criticality.clone())
        .collect();
    for id in &inv.identities {
        let Some(c) = id.criticality.as_deref() else {
            continue;
        };
        if CRITICALITY.contains(&c) || named.contains(c) {
            continue;
        }
        let known: BTreeSet<String> = CRITICALITY
            .iter()
            .map(|s| s.to_string())
            .chain(named.iter().cloned())
            .collect();
        let hint = closest(c, &known).map_or(String::new(), |k| format!(": did you mean `{k}`?"));
        out.push(loaded.error_at(
            &format!("identities[{}].criticality", id.index),
            format!(
                "criticality `{c}` of `{}` is none of {} and no tier names it{hint}",
                id.id,
                CRITICALITY.join(", ")
            ),
        ));
    }
    out
}

/// `provider:` slugs no rule of the set has: a finding's provider is its rule's, so such an
/// identity never matches by path and reads as another provider in reports.
pub fn unknown_providers(loaded: &Loaded, known: &BTreeSet<String>) -> Vec<InventoryError> {
    let mut out = Vec::new();
    for id in &loaded.inventory.identities {
        let Some(p) = id.provider.as_deref() else {
            continue;
        };
        if known.contains(p) {
            continue;
        }
        let hint = match closest(p, known) {
            Some(c) => format!(": did you mean `{c}`?"),
            None => ": see `nhiscan rules list` for the providers".to_string(),
        };
        out.push(loaded.error_at(
            &format!("identities[{}].provider", id.index),
            format!("provider `{p}` of `{}` is no rule's provider{hint}", id.id),
        ));
    }
    out
}

/// The known slug nearest to `p`: one that starts with it or it starts with, else the smallest
/// edit distance within a third of its length (at least 2).
fn closest<'a>(p: &str, known: &'a BTreeSet<String>) -> Option<&'a str> {
    let lower = p.to_ascii_lowercase();
    let limit = (lower.len() / 3).max(2);
    known
        .iter()
        .filter(|k| !k.is_empty())
        .map(|k| {
            let d = if k.starts_with(&lower) || lower.starts_with(k.as_str()) {
                k.len().abs_diff(lower.len()).min(limit)
            } else {
                distance(&lower, k)
            };
            (d, k.as_str())
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance over bytes (slugs are ASCII).
fn distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Findings of a report that more than one identity claims, across match kinds: one by the
/// secret's fingerprint and another by its key id (an AWS key pair), or two by two of its key
/// ids (a GCP key's `client_email` and `private_key_id`). The scan would decide by the first
/// criterion that names anyone; the inventory should not leave it to the order. One problem
/// per finding and identity pair, at the later identity's matcher.
pub fn overlaps(loaded: &Loaded, probes: &[Probe]) -> Vec<InventoryError> {
    let inv = &loaded.inventory;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in probes {
        // (identity index, matcher path, what matched) for every identity that claims it.
        let mut claims: Vec<(usize, String, String)> = Vec::new();
        for id in &inv.identities {
            let m = &id.matchers;
            if let Some(j) = m.fingerprints.iter().position(|f| *f == p.fingerprint) {
                claims.push((
                    id.index,
                    format!("match.fingerprints[{j}]"),
                    "its fingerprint".to_string(),
                ));
                continue;
            }
            if let Some((j, k)) = m
                .key_ids
                .iter()
                .enumerate()
                .find(|(_, k)| p.key_ids.contains(k))
            {
                claims.push((
                    id.index,
                    format!("match.key_ids[{j}]"),
                    format!("key id `{k}`"),
                ));
            }
        }
        let mut claims = claims.into_iter();
        let Some(first) = claims.next() else {
            continue;
        };
        for (index, at, by) in claims {
            if !seen.insert((p.fingerprint.clone(), first.0, index)) {
                continue;
            }
            let name = |i: usize| {
                inv.identities
                    .iter()
                    .find(|id| id.index == i)
                    .map_or("", |id| id.id.as_str())
            };
            out.push(loaded.error_at(
                &format!("identities[{index}].{at}"),
                format!(
                    "{} ({}) is claimed by `{}` by {by} and by `{}` by {}: matches would be ambiguous; register it in one identity",
                    p.label,
                    p.fingerprint,
                    name(index),
                    name(first.0),
                    first.2
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_slug() {
        let known: BTreeSet<String> = ["postgresql", "github", "gitlab", "gcp", "aws"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(closest("postgres", &known), Some("postgresql"));
        assert_eq!(closest("githb", &known), Some("github"));
        assert_eq!(closest("GCP", &known), Some("gcp"));
        assert_eq!(closest("salesforce", &known), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
