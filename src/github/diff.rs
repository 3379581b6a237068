//! Which lines of a pull request's files GitHub accepts review comments on: the added lines
//! of each file's unified-diff `patch`, numbered in the new version (a comment anywhere else is
//! rejected with 422).

use std::collections::BTreeSet;

/// Line numbers (1-based, new side) that `patch` adds.
pub fn added_lines(patch: &str) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    let mut new_line: Option<u64> = None;
    for line in patch.lines() {
        if let Some(rest) = line.strip_prefix("@@") {
            // @@ -a,b +c,d @@ heading
            new_line = rest
                .split_whitespace()
                .find_map(|w| w.strip_prefix('+'))
                .and_then(|w| w.split(',').next())
                .and_then(|n| n.parse().ok());
            continue;
        }
        let Some(n) = new_line.as_mut() else { continue };
        if line.starts_with('+') {
            out.insert(*n);
            *n += 1;
        } else if line.starts_with('-') || line.starts_with('\\') {
            // removed line, or "\ No newline at end of file": no new-side line
        } else {
            *n += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_follow_hunk_headers_and_skip_removed_and_context_lines() {
        let patch = "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n@@ -10,2 +11,3 @@ fn x()\n k\n+new\n k2\n\\ No newline at end of file";
        let got: Vec<u64> = added_lines(patch).into_iter().collect();
        assert_eq!(got, vec![2, 3, 12]);
        assert!(added_lines("").is_empty());
        assert!(added_lines("+not in a hunk").is_empty());
    }
}
