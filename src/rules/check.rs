//! The offline validators a rule may name in its `check:` key. Rules declare which one applies;
//! `detect::checks` implements them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    GithubCrc32,
    NpmCrc32,
    PypiMacaroon,
    AwsAccessKeyId,
    GcpServiceAccount,
    Jwt,
    PemPrivateKey,
    ConnectionUri,
    AzureStorageKey,
    GenericSecret,
    BasicAuth,
    GrafanaCrc32,
    GrafanaCloudToken,
    SentryOrgToken,
    AgeBech32,
    NkeyCrc16,
    CloudflareTunnelToken,
    BitwardenAccessToken,
    MinisignSecretKey,
    KubernetesSecretData,
    GcpServiceAccountBase64,
}
