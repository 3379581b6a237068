//! Where a finding was seen says how likely it is to be real: credentials under `tests/`,
//! `fixtures/`, `__mocks__/`, in `*_test.go` or `.env.example` are mostly fakes. Such findings
//! are kept with confidence `low` and a reason, never dropped, because a real key committed
//! to a fixture is still a leak. The globs are data: `rules/context/test-paths.yaml`.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

pub(crate) const BUILTIN_TEST_PATHS: &str = include_str!("../../rules/context/test-paths.yaml");

/// The reason a finding's confidence was lowered, as reported.
pub const TEST_PATH_REASON: &str = "test or fixture path";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTestPaths {
    test_paths: Vec<String>,
}

/// Recognises test and fixture paths (relative, `/`-separated).
#[derive(Debug)]
pub struct TestPaths {
    set: GlobSet,
}

impl TestPaths {
    /// The list shipped in the binary.
    pub fn builtin() -> TestPaths {
        let raw: RawTestPaths =
            serde_yaml::from_str(BUILTIN_TEST_PATHS).expect("built-in test-paths.yaml parses");
        let mut b = GlobSetBuilder::new();
        for g in &raw.test_paths {
            b.add(
                GlobBuilder::new(g)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .build()
                    .expect("built-in test path glob is valid"),
            );
        }
        TestPaths {
            set: b.build().expect("built-in test path globs build"),
        }
    }

    pub fn matches(&self, path: &str) -> bool {
        // A relative path `tests/x` must match `**/tests/**` as `a/tests/x` does.
        self.set.is_match(path) || self.set.is_match(format!("/{path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_and_fixture_paths() {
        let t = TestPaths::builtin();
        for p in [
            "tests/fixtures/a.json",
            "internal/auth/client_test.go",
            "web/src/__mocks__/stripe.js",
            "spec/client_spec.rb",
            "app/.env.example",
            "src/Tests/LoginTests.cs",
            "pkg/testdata/key.pem",
            "docs/examples/config.yaml",
            "web/src/api.test.ts",
        ] {
            assert!(t.matches(p), "{p}");
        }
        for p in [
            "src/app.py",
            "config/settings.yaml",
            "app/.env.production",
            "contest/main.go",
            "latest/config.toml",
            "src/testing_utils_prod.rs",
        ] {
            assert!(!t.matches(p), "{p}");
        }
    }
}
