//! Which identity a finding belongs to: by fingerprint, then by key id, then by path. The
//! first criterion that names any identity decides; two identities named by it make the match
//! ambiguous (reported, never guessed).
//!
//! Path matching only considers identities that name neither fingerprints nor key ids (those
//! known only by where they live, e.g. a sealed file), and whose provider, when set, is the
//! finding's: otherwise one `.env` allowed for one token would adopt every other secret in it.

use crate::findings::{Finding, MatchedBy};
use crate::inventory::{Identity, Inventory};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchOutcome {
    None,
    /// Index into `Inventory::identities`.
    One(usize, MatchedBy),
    /// Every identity the deciding criterion named (indices, in file order).
    Ambiguous(Vec<usize>, MatchedBy),
}

/// Identifiers of a finding that an inventory's `key_ids` may name.
pub fn key_ids_of(f: &Finding) -> Vec<&str> {
    let mut out: Vec<&str> = f.key_id.iter().map(String::as_str).collect();
    if let Some(k) = f.attributes.get("private_key_id") {
        out.push(k);
    }
    out
}

pub fn match_finding(inv: &Inventory, f: &Finding) -> MatchOutcome {
    let pick = |hits: Vec<usize>, by: MatchedBy| match hits.len() {
        0 => None,
        1 => Some(MatchOutcome::One(hits[0], by)),
        _ => Some(MatchOutcome::Ambiguous(hits, by)),
    };
    let all = |p: &dyn Fn(&Identity) -> bool| -> Vec<usize> {
        inv.identities
            .iter()
            .enumerate()
            .filter(|(_, i)| p(i))
            .map(|(n, _)| n)
            .collect()
    };
    if let Some(m) = pick(
        all(&|i| i.matchers.fingerprints.contains(&f.fingerprint)),
        MatchedBy::Fingerprint,
    ) {
        return m;
    }
    let ids = key_ids_of(f);
    if let Some(m) = pick(
        all(&|i| i.matchers.key_ids.iter().any(|k| ids.contains(&k.as_str()))),
        MatchedBy::KeyId,
    ) {
        return m;
    }
    let by_path = |i: &Identity| {
        i.matchers.fingerprints.is_empty()
            && i.matchers.key_ids.is_empty()
            && i.provider.as_deref().is_none_or(|p| p == f.provider)
            && f.locations.iter().any(|l| i.matchers.allows(&l.path))
    };
    pick(all(&by_path), MatchedBy::Path).unwrap_or(MatchOutcome::None)
}
