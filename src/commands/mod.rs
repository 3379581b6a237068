//! One module per subcommand, wiring sources, detection, findings and reports together.

pub mod audit;
pub mod baseline;
pub mod github;
pub mod hook;
pub mod inventory;
pub mod org;
pub mod output;
pub mod pipelines;
pub mod progress;
pub mod rules;
pub mod scan;

/// Exit codes: 0 nothing failing, 1 findings that fail the policy, 2 error.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// The key of `--fingerprint-key-env NAME`: the variable's value, which must be set.
pub fn fingerprint_key(name: &str) -> anyhow::Result<crate::secret::FingerprintKey> {
    match std::env::var_os(name) {
        Some(v) if !v.is_empty() => Ok(crate::secret::FingerprintKey::new(v.into_encoded_bytes())),
        _ => anyhow::bail!(
            "--fingerprint-key-env {name}: the environment variable {name} is not set or empty"
        ),
    }
}
