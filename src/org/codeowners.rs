//! CODEOWNERS: who owns a path of a repository when no inventory identity does. GitHub's rules:
//! one `pattern owner…` a line, `#` starts a comment line, patterns follow gitignore syntax
//! (through the `ignore` crate's matcher), and the last matching line wins — a line with a
//! pattern and no owners leaves its paths unowned.

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The parsed file: the matcher and, per pattern as written, its last line and owners.
pub struct CodeOwners {
    matcher: Gitignore,
    owners: std::collections::HashMap<String, (usize, Vec<String>)>,
}

impl CodeOwners {
    /// Lines that are no valid pattern are skipped, as GitHub skips them.
    pub fn parse(text: &str) -> CodeOwners {
        let mut b = GitignoreBuilder::new("");
        let mut owners = std::collections::HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            if pattern.starts_with('!') || b.add_line(None, pattern).is_err() {
                continue;
            }
            let who: Vec<String> = parts
                .take_while(|p| !p.starts_with('#'))
                .map(str::to_string)
                .collect();
            owners.insert(pattern.to_string(), (n, who));
        }
        let matcher = b.build().unwrap_or_else(|_| Gitignore::empty());
        CodeOwners { matcher, owners }
    }

    /// The owners of `path` (relative to the repository root); empty when none. A line owns a
    /// path when it matches the path or one of its folders; of those, the last line wins.
    /// (Not gitignore's rule, where a match on the path itself ends the search.)
    pub fn of(&self, path: &str) -> &[String] {
        let path = std::path::Path::new(path.trim_start_matches('/'));
        let mut best: Option<&(usize, Vec<String>)> = None;
        let mut candidate = Some(path);
        let mut is_dir = false;
        while let Some(p) = candidate.filter(|p| !p.as_os_str().is_empty()) {
            if let ignore::Match::Ignore(g) = self.matcher.matched(p, is_dir) {
                if let Some(line) = self.owners.get(g.original()) {
                    if best.is_none_or(|b| line.0 > b.0) {
                        best = Some(line);
                    }
                }
            }
            candidate = p.parent();
            is_dir = true;
        }
        best.map_or(&[][..], |b| b.1.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::CodeOwners;

    #[test]
    fn last_matching_line_wins_and_directories_own_what_they_hold() {
        let c = CodeOwners::parse(
            "# owners\n\
             *            @acme/everyone\n\
             /deploy/     @acme/platform @ops@example.com\n\
             *.env        @acme/secrets # inline comment\n\
             /deploy/kept.env\n\
             docs/**      @acme/docs\n",
        );
        assert_eq!(c.of("src/main.rs"), ["@acme/everyone"]);
        assert_eq!(
            c.of("deploy/k8s/values.yaml"),
            ["@acme/platform", "@ops@example.com"]
        );
        assert_eq!(c.of("deploy/prod.env"), ["@acme/secrets"]);
        // A pattern with no owners unsets them.
        assert!(c.of("deploy/kept.env").is_empty());
        assert_eq!(c.of("docs/a/b.md"), ["@acme/docs"]);
        assert!(CodeOwners::parse("").of("a").is_empty());
    }

    #[test]
    fn an_anchored_pattern_matches_only_at_the_root() {
        let c = CodeOwners::parse("/config/ @root-config\nsecrets/ @any-secrets\n");
        assert_eq!(c.of("config/a.yml"), ["@root-config"]);
        assert!(c.of("app/config/a.yml").is_empty());
        assert_eq!(c.of("app/secrets/key.pem"), ["@any-secrets"]);
    }
}
