//! What a job mints its OIDC token for. `id-token: write` (GitHub) or `id_tokens:` (GitLab)
//! says only that a job may mint one; most do so to sign attestations or publish packages
//! through trusted publishing, not to reach a cloud. The usage map says which, so that a
//! workload identity is tied to the jobs that federate into its cloud, and nothing else.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::yaml::Node;

/// Why a job mints an OIDC token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OidcPurpose {
    /// Exchanged for short-lived cloud credentials (AWS, GCP, Azure workload identity).
    CloudFederation,
    /// Exchanged for secrets from a secret manager (HashiCorp Vault JWT auth).
    SecretManager,
    /// Trusted publishing to a package registry (PyPI, npm, RubyGems, crates.io).
    PackagePublishing,
    /// Signing: artifact attestations, build provenance, Sigstore keyless signatures.
    Attestation,
    /// Nothing in the job says what it is for.
    Unknown,
}

/// Who the token is presented to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum OidcProvider {
    #[serde(rename = "aws")]
    Aws,
    #[serde(rename = "gcp")]
    Gcp,
    #[serde(rename = "azure")]
    Azure,
    #[serde(rename = "vault")]
    Vault,
    #[serde(rename = "pypi")]
    Pypi,
    #[serde(rename = "npm")]
    Npm,
    #[serde(rename = "rubygems")]
    Rubygems,
    #[serde(rename = "crates-io")]
    CratesIo,
    /// GitHub artifact attestations (`actions/attest-build-provenance`).
    #[serde(rename = "github")]
    Github,
    #[serde(rename = "sigstore")]
    Sigstore,
}

impl OidcProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            OidcProvider::Aws => "aws",
            OidcProvider::Gcp => "gcp",
            OidcProvider::Azure => "azure",
            OidcProvider::Vault => "vault",
            OidcProvider::Pypi => "pypi",
            OidcProvider::Npm => "npm",
            OidcProvider::Rubygems => "rubygems",
            OidcProvider::CratesIo => "crates-io",
            OidcProvider::Github => "github",
            OidcProvider::Sigstore => "sigstore",
        }
    }
}

/// What a job's OIDC token is for: the usage map's `oidc_use`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OidcUse {
    pub purpose: OidcPurpose,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<OidcProvider>,
}

impl OidcUse {
    fn new(purpose: OidcPurpose, provider: OidcProvider) -> OidcUse {
        OidcUse {
            purpose,
            provider: Some(provider),
        }
    }

    const UNKNOWN: OidcUse = OidcUse {
        purpose: OidcPurpose::Unknown,
        provider: None,
    };

    /// `cloud federation (aws)`, for text and Markdown.
    pub fn describe(&self) -> String {
        let purpose = match self.purpose {
            OidcPurpose::CloudFederation => "cloud federation",
            OidcPurpose::SecretManager => "secret manager",
            OidcPurpose::PackagePublishing => "package publishing",
            OidcPurpose::Attestation => "attestation",
            OidcPurpose::Unknown => "purpose unknown",
        };
        match self.provider {
            Some(p) => format!("{purpose} ({})", p.as_str()),
            None => purpose.to_string(),
        }
    }
}

/// The use that matters most when a job has several: reaching a cloud first.
fn strongest(uses: impl IntoIterator<Item = OidcUse>) -> OidcUse {
    uses.into_iter()
        .min_by_key(|u| u.purpose)
        .unwrap_or(OidcUse::UNKNOWN)
}

/// The action of a step, without its ref, lower-cased.
fn action(step: &Node) -> String {
    let uses = step.get("uses").and_then(Node::str).unwrap_or("");
    uses.split('@').next().unwrap_or("").to_ascii_lowercase()
}

fn with(step: &Node, key: &str) -> bool {
    step.get("with").and_then(|w| w.get(key)).is_some()
}

/// A GitHub step that exchanges an OIDC token for cloud credentials, and its cloud.
pub fn github_cloud_step(step: &Node) -> Option<OidcProvider> {
    match action(step).as_str() {
        "aws-actions/configure-aws-credentials" if with(step, "role-to-assume") => {
            Some(OidcProvider::Aws)
        }
        "google-github-actions/auth" if with(step, "workload_identity_provider") => {
            Some(OidcProvider::Gcp)
        }
        "azure/login" if with(step, "client-id") && !with(step, "creds") => {
            Some(OidcProvider::Azure)
        }
        _ => None,
    }
}

/// What one GitHub step uses the job's token for, if it says.
fn github_step(step: &Node) -> Option<OidcUse> {
    use OidcProvider as P;
    use OidcPurpose::*;
    if let Some(cloud) = github_cloud_step(step) {
        return Some(OidcUse::new(CloudFederation, cloud));
    }
    let run = step.get("run").and_then(Node::str).unwrap_or("");
    let found = match action(step).as_str() {
        "hashicorp/vault-action"
            if step
                .get("with")
                .and_then(|w| w.get("method"))
                .and_then(Node::str)
                == Some("jwt") =>
        {
            OidcUse::new(SecretManager, P::Vault)
        }
        // With `password:` it uploads with a static token instead.
        "pypa/gh-action-pypi-publish" if !with(step, "password") => {
            OidcUse::new(PackagePublishing, P::Pypi)
        }
        "rubygems/release-gem" | "rubygems/configure-rubygems-credentials" => {
            OidcUse::new(PackagePublishing, P::Rubygems)
        }
        "rust-lang/crates-io-auth-action" => OidcUse::new(PackagePublishing, P::CratesIo),
        "actions/attest-build-provenance" | "actions/attest" | "actions/attest-sbom" => {
            OidcUse::new(Attestation, P::Github)
        }
        "sigstore/gh-action-sigstore-python" => OidcUse::new(Attestation, P::Sigstore),
        _ if run.contains("npm publish") || run.contains("pnpm publish") => {
            OidcUse::new(PackagePublishing, P::Npm)
        }
        _ if COSIGN_KEYLESS.is_match(run) && !run.contains("--key") => {
            OidcUse::new(Attestation, P::Sigstore)
        }
        _ => return None,
    };
    Some(found)
}

static COSIGN_KEYLESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bcosign\s+(?:sign|sign-blob|attest|attest-blob)\b").expect("valid regex")
});

/// What a GitHub job (its steps, or the reusable workflow it calls) mints its token for.
pub fn github_job(steps: &[Node], uses: Option<&str>) -> OidcUse {
    let mut found: Vec<OidcUse> = steps.iter().filter_map(github_step).collect();
    if uses.is_some_and(|u| u.starts_with("slsa-framework/slsa-github-generator/")) {
        found.push(OidcUse::new(
            OidcPurpose::Attestation,
            OidcProvider::Sigstore,
        ));
    }
    strongest(found)
}

static AWS_ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+").expect("valid regex")
});
static GCP_PROVIDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"projects/\d+/locations/global/workloadIdentityPools/[A-Za-z0-9_-]+/providers/[A-Za-z0-9_-]+",
    )
    .expect("valid regex")
});
static GCP_SERVICE_ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com",
    )
    .expect("valid regex")
});
static AZURE_CLIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:--username|-u|AZURE_CLIENT_ID:|ARM_CLIENT_ID:)\s*['\x22]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
        .expect("valid regex")
});

/// A GitLab job with `id_tokens:`: what its tokens are for (their `aud:`, its scripts and
/// `secrets:`), and the cloud identities it names (role ARN, workload identity provider,
/// service account, client id), as literal values of its text.
pub fn gitlab_job(job: &Node) -> (OidcUse, Vec<String>) {
    use OidcProvider as P;
    use OidcPurpose::*;
    let mut aud = Vec::new();
    for (_, token) in job.get("id_tokens").map(Node::entries).unwrap_or(&[]) {
        match token.get("aud") {
            Some(Node::Scalar(s)) => aud.push(s.value.to_ascii_lowercase()),
            Some(n) => aud.extend(
                n.items()
                    .iter()
                    .filter_map(Node::str)
                    .map(str::to_ascii_lowercase),
            ),
            None => {}
        }
    }
    let mut scalars = Vec::new();
    job.scalars(&mut scalars);
    let text: String = scalars
        .iter()
        .map(|s| s.value.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let lower = text.to_ascii_lowercase();
    let aud_has = |s: &str| aud.iter().any(|a| a.contains(s));
    let mut found = Vec::new();
    if aud_has("sts.amazonaws.com") || lower.contains("assume-role-with-web-identity") {
        found.push(OidcUse::new(CloudFederation, P::Aws));
    }
    if aud_has("iam.googleapis.com")
        || lower.contains("workloadidentitypools")
        || lower.contains("create-cred-config")
    {
        found.push(OidcUse::new(CloudFederation, P::Gcp));
    }
    if aud_has("azureadtokenexchange") || lower.contains("--federated-token") {
        found.push(OidcUse::new(CloudFederation, P::Azure));
    }
    let vault_secrets = job
        .get("secrets")
        .map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .any(|(_, v)| v.get("vault").is_some());
    if vault_secrets || aud_has("vault") {
        found.push(OidcUse::new(SecretManager, P::Vault));
    }
    if aud.iter().any(|a| a == "pypi") {
        found.push(OidcUse::new(PackagePublishing, P::Pypi));
    }
    if aud_has("npm") {
        found.push(OidcUse::new(PackagePublishing, P::Npm));
    }
    if aud_has("sigstore") || COSIGN_KEYLESS.is_match(&text) {
        found.push(OidcUse::new(Attestation, P::Sigstore));
    }
    let used = strongest(found);
    let mut ids = Vec::new();
    if used.purpose == CloudFederation {
        for re in [&*AWS_ROLE, &*GCP_PROVIDER, &*GCP_SERVICE_ACCOUNT] {
            ids.extend(re.find_iter(&text).map(|m| m.as_str().to_string()));
        }
        ids.extend(AZURE_CLIENT.captures_iter(&text).map(|c| c[1].to_string()));
        ids.sort();
        ids.dedup();
    }
    (used, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(yaml: &str) -> Vec<Node> {
        let docs = crate::yaml::tree::parse(yaml).unwrap();
        docs[0].items().to_vec()
    }

    #[test]
    fn github_purposes_and_providers() {
        for (yaml, want) in [
            ("- uses: aws-actions/configure-aws-credentials@v4\n  with: {role-to-assume: arn:aws:iam::1:role/x}\n", "cloud federation (aws)"),
            ("- uses: google-github-actions/auth@v2\n  with: {workload_identity_provider: p}\n", "cloud federation (gcp)"),
            ("- uses: azure/login@v2\n  with: {client-id: c, tenant-id: t}\n", "cloud federation (azure)"),
            ("- uses: actions/attest-build-provenance@v2\n  with: {subject-path: dist/*}\n", "attestation (github)"),
            ("- uses: pypa/gh-action-pypi-publish@release/v1\n", "package publishing (pypi)"),
            ("- run: npm publish --provenance --access public\n", "package publishing (npm)"),
            ("- uses: sigstore/cosign-installer@v3\n- run: cosign sign --yes ghcr.io/o/i@sha256:abc\n", "attestation (sigstore)"),
            ("- uses: hashicorp/vault-action@v3\n  with: {method: jwt, url: https://v}\n", "secret manager (vault)"),
            // Attesting and deploying: the cloud is what matters.
            ("- uses: actions/attest-build-provenance@v2\n- uses: aws-actions/configure-aws-credentials@v4\n  with: {role-to-assume: r}\n", "cloud federation (aws)"),
            ("- run: make\n", "purpose unknown"),
            // Static credentials, whatever the permissions say.
            ("- uses: pypa/gh-action-pypi-publish@release/v1\n  with: {password: x}\n", "purpose unknown"),
            ("- uses: azure/login@v2\n  with: {client-id: c, creds: x}\n", "purpose unknown"),
            ("- run: cosign sign --key env://COSIGN_KEY img\n", "purpose unknown"),
        ] {
            assert_eq!(github_job(&steps(yaml), None).describe(), want, "{yaml}");
        }
    }

    #[test]
    fn gitlab_purposes_and_identities() {
        let job = |yaml: &str| {
            let docs = crate::yaml::tree::parse(yaml).unwrap();
            gitlab_job(&docs[0])
        };
        let (u, ids) = job("id_tokens:\n  AWS_TOKEN:\n    aud: https://sts.amazonaws.com\nvariables:\n  ROLE_ARN: arn:aws:iam::123456789012:role/deploy\nscript:\n  - aws sts assume-role-with-web-identity --role-arn $ROLE_ARN --web-identity-token $AWS_TOKEN\n");
        assert_eq!(u.describe(), "cloud federation (aws)");
        assert_eq!(ids, vec!["arn:aws:iam::123456789012:role/deploy"]);
        let (u, ids) = job("id_tokens:\n  GCP_TOKEN:\n    aud: https://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/gl/providers/gitlab\nscript:\n  - gcloud iam workload-identity-pools create-cred-config projects/42/locations/global/workloadIdentityPools/gl/providers/gitlab --service-account=deployer@my-project.iam.gserviceaccount.com\n");
        assert_eq!(u.describe(), "cloud federation (gcp)");
        assert_eq!(ids.len(), 2, "{ids:?}");
        let (u, _) = job("id_tokens:\n  SIGSTORE_ID_TOKEN:\n    aud: sigstore\nscript:\n  - cosign sign $IMAGE\n");
        assert_eq!(u.describe(), "attestation (sigstore)");
        let (u, ids) = job("id_tokens:\n  VAULT_ID_TOKEN:\n    aud: https://vault.internal\nsecrets:\n  DB:\n    vault: prod/db@ops\n");
        assert_eq!(
            (u.describe().as_str(), ids.len()),
            ("secret manager (vault)", 0)
        );
        let (u, _) = job("id_tokens:\n  PYPI_ID_TOKEN:\n    aud: pypi\nscript:\n  - uv publish\n");
        assert_eq!(u.describe(), "package publishing (pypi)");
        let (u, _) = job("id_tokens:\n  T:\n    aud: https://example.org\nscript:\n  - ./run.sh\n");
        assert_eq!(u.describe(), "purpose unknown");
    }
}
