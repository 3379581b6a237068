//! What `nhiscan scan --staged` does differently when it runs as a git hook: under pre-commit's
//! pre-push stage it scans the pushed range instead of the index, and a blocked commit or push
//! says how to allow what it found.

use std::io::Write;

use crate::sources::git::GitMode;

/// pre-commit sets these for `pre-push` (and for `pre-commit run --from-ref --to-ref`).
pub const FROM_REF: &str = "PRE_COMMIT_FROM_REF";
pub const TO_REF: &str = "PRE_COMMIT_TO_REF";

/// The git source for `--staged` given pre-commit's environment: the pushed range
/// `FROM..TO` when both refs are set (a push has nothing staged), else the index.
pub fn staged_mode(from_ref: Option<&str>, to_ref: Option<&str>) -> GitMode {
    match (from_ref, to_ref) {
        (Some(from), Some(to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            GitMode::Diff {
                range: format!("{}..{}", from.trim(), to.trim()),
                each_commit: false,
            }
        }
        _ => GitMode::Staged,
    }
}

/// [`staged_mode`] reading the process environment.
pub fn staged_mode_from_env() -> GitMode {
    let from = std::env::var(FROM_REF).ok();
    let to = std::env::var(TO_REF).ok();
    staged_mode(from.as_deref(), to.as_deref())
}

/// The three ways to let a blocked credential through, printed after a failing hook scan.
pub fn write_allow_hint(mut w: impl Write) -> std::io::Result<()> {
    writeln!(
        w,
        "nhiscan: blocked. If this credential is meant to be here:"
    )?;
    writeln!(
        w,
        "  - a test value or false positive: add `nhiscan:allow` in a comment on its line"
    )?;
    writeln!(
        w,
        "  - a known finding to tolerate: an `allowlist:` entry (paths, regexes) in .nhiscan.yaml"
    )?;
    writeln!(
        w,
        "  - a governed credential: register it with `nhiscan inventory add --report REPORT.json --fingerprint sha256:… --owner TEAM`"
    )?;
    writeln!(
        w,
        "  Otherwise remove it from the change, and rotate it if it was ever pushed."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_range_wins_over_the_index_only_with_both_refs() {
        match staged_mode(Some("aaa"), Some("bbb")) {
            GitMode::Diff { range, each_commit } => {
                assert_eq!(range, "aaa..bbb");
                assert!(!each_commit);
            }
            other => panic!("expected a diff, got {other:?}"),
        }
        assert!(matches!(staged_mode(Some("aaa"), None), GitMode::Staged));
        assert!(matches!(staged_mode(None, Some("bbb")), GitMode::Staged));
        assert!(matches!(
            staged_mode(Some(" "), Some("bbb")),
            GitMode::Staged
        ));
        assert!(matches!(staged_mode(None, None), GitMode::Staged));
    }

    #[test]
    fn allow_hint_names_all_three_ways() {
        let mut out = Vec::new();
        write_allow_hint(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("nhiscan:allow"));
        assert!(s.contains("allowlist"));
        assert!(s.contains("inventory add"));
    }
}
