//! Words in messages: the one place that counts things ("1 day", "2 days"). Every renderer
//! and every message that says how many goes through [`count`], so no output ever reads "in 1
//! days" or "(1 reads)". A leaf: it imports nothing of the crate.

/// `n` and the noun, singular when `n` is 1 (or -1), else plural: `count(1, "day", "days")` is
/// `1 day`, `count(0, "entry", "entries")` is `0 entries`.
pub fn count(n: impl TryInto<i64>, one: &str, many: &str) -> String {
    let n: i64 = n.try_into().unwrap_or(i64::MAX);
    format!("{n} {}", noun(n, one, many))
}

/// The noun alone, singular when `n` is 1 (or -1).
pub fn noun<'a>(n: impl TryInto<i64>, one: &'a str, many: &'a str) -> &'a str {
    let n: i64 = n.try_into().unwrap_or(i64::MAX);
    if n.abs() == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_only_for_one() {
        assert_eq!(count(1, "day", "days"), "1 day");
        assert_eq!(count(-1, "day", "days"), "-1 day");
        assert_eq!(count(0, "day", "days"), "0 days");
        assert_eq!(count(2usize, "read", "reads"), "2 reads");
        assert_eq!(count(1u64, "entry", "entries"), "1 entry");
        assert_eq!(noun(1, "identity", "identities"), "identity");
        assert_eq!(noun(3, "identity", "identities"), "identities");
    }
}
