//! `nhiscan inventory import`: each importer on its fixture export (`fixtures/evidence/`)
//! against a copy of the demo inventory, end to end through the binary: the exact resulting
//! text (comments, quoting and CRLF kept), older evidence ignored, malformed or foreign exports
//! leaving the inventory byte-identical, and no secret in any output.

use std::path::{Path, PathBuf};

use crate::harness::{Output, Tree};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn demo_inventory() -> String {
    std::fs::read_to_string(fixture("inventory/demo-inventory.yaml")).unwrap()
}

/// A tree holding a copy of the demo inventory as `nhi-inventory.yaml`.
fn demo_tree() -> Tree {
    let t = Tree::new();
    t.write("nhi-inventory.yaml", demo_inventory());
    t
}

fn read(t: &Tree) -> String {
    std::fs::read_to_string(t.path().join("nhi-inventory.yaml")).unwrap()
}

fn import(t: &Tree, kind: &str, export: &Path, extra: &[&str]) -> Output {
    let export = export.to_str().unwrap();
    let mut args = vec!["inventory", "import", "--from", kind, export];
    args.extend_from_slice(extra);
    t.run(&args)
}

/// `text` with `new` inserted after the one line `after` (which must occur exactly once).
fn insert_after(text: &str, after: &str, new: &str) -> String {
    assert_eq!(text.matches(after).count(), 1, "{after:?} is not unique");
    text.replacen(after, &format!("{after}{new}"), 1)
}

/// The demo's ci-deployer entry, up to the line before which an import inserts.
const CI_DEPLOYER_CREATED: &str =
    "    purpose: hourly deploys by the release pipeline\n    created: 2025-03-01\n";

#[test]
fn github_secrets_fixture_updates_the_demo_inventory_in_place() {
    let t = demo_tree();
    let out = import(
        &t,
        "github-secrets",
        &fixture("evidence/github-secrets.json"),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "inventory import: github-secrets from {}: 3 credentials, 1 identity matched\n  ci-deployer: last_rotated (none) → 2025-05-20\n  unregistered: NPM_TOKEN\n  unregistered: SLACK_WEBHOOK_URL\nwrote nhi-inventory.yaml: 1 change\n",
            fixture("evidence/github-secrets.json").display()
        )
    );
    let want = insert_after(
        &demo_inventory(),
        CI_DEPLOYER_CREATED,
        "    last_rotated: 2025-05-20\n",
    );
    assert_eq!(read(&t), want);
    // A second import has nothing newer: the file stays as it is.
    let again = import(
        &t,
        "github-secrets",
        &fixture("evidence/github-secrets.json"),
        &[],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.ends_with("nhi-inventory.yaml: up to date\n"),
        "{}",
        again.stdout
    );
    assert_eq!(read(&t), want);
    // And the result is a valid inventory.
    let check = t.run(&["inventory", "check", "nhi-inventory.yaml"]);
    assert!(!check.stdout.contains("ci-deployer"), "{}", check.stdout);
}

#[test]
fn github_secrets_keeps_crlf_quotes_and_comments_and_ignores_older_evidence() {
    let t = Tree::new();
    let inv = "# CRLF, quoted dates\r\nversion: 1\r\nidentities:\r\n  - id: deployer # the deployer\r\n    owner: platform\r\n    last_rotated: '2025-04-01' # by hand\r\n    match:\r\n      ci_secrets: [DEPLOY_TOKEN]\r\n  - id: slack\r\n    owner: chat\r\n    last_rotated: \"2025-05-01\"\r\n    match:\r\n      ci_secrets: [SLACK_WEBHOOK_URL]\r\n";
    t.write("nhi-inventory.yaml", inv);
    let out = import(
        &t,
        "github-secrets",
        &fixture("evidence/github-secrets.json"),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        read(&t),
        inv.replace("'2025-04-01' # by hand", "'2025-05-20' # by hand")
    );
    // SLACK_WEBHOOK_URL was set on 2025-04-02, before the recorded 2025-05-01: unchanged, said.
    assert!(
        out.stdout
            .contains("  deployer: last_rotated 2025-04-01 → 2025-05-20\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "  slack: last_rotated: evidence 2025-04-02 is older than the recorded 2025-05-01\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  unregistered: NPM_TOKEN\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn github_secrets_dry_run_writes_nothing_and_add_unregistered_writes_stubs() {
    let t = demo_tree();
    let export = fixture("evidence/github-secrets.json");
    let dry = import(
        &t,
        "github-secrets",
        &export,
        &["--dry-run", "--add-unregistered"],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(read(&t), demo_inventory());
    assert!(
        dry.stdout
            .contains("nhi-inventory.yaml:84: +     last_rotated: 2025-05-20\n"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("nhi-inventory.yaml:90: +   - id: npm-token\n"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .ends_with("dry run: 3 changes, nothing written\n"),
        "{}",
        dry.stdout
    );

    let out = import(&t, "github-secrets", &export, &["--add-unregistered"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("  unregistered: NPM_TOKEN (stub `npm-token` added)\n"),
        "{}",
        out.stdout
    );
    let want = insert_after(
        &demo_inventory(),
        CI_DEPLOYER_CREATED,
        "    last_rotated: 2025-05-20\n",
    ) + "  - id: npm-token\n    last_rotated: 2024-11-02\n    match:\n      ci_secrets:\n      - NPM_TOKEN\n  - id: slack-webhook-url\n    last_rotated: 2025-04-02\n    match:\n      ci_secrets:\n      - SLACK_WEBHOOK_URL\n";
    assert_eq!(read(&t), want);
    // The stubs are registered now: a second run lists nothing as unregistered.
    let again = import(&t, "github-secrets", &export, &["--add-unregistered"]);
    assert!(!again.stdout.contains("unregistered"), "{}", again.stdout);
    assert_eq!(read(&t), want);
}

/// A malformed, truncated or foreign export is a located error (exit 2) that writes nothing.
fn assert_refused(kind: &str, name: &str, content: &str, located: &str) {
    let t = demo_tree();
    let export = t.write(name, content);
    // The credential report goes with its key listings.
    let out = if kind == "aws-credential-report" {
        aws_import(&t, &export, &[])
    } else {
        import(&t, kind, &export, &[])
    };
    assert_eq!(out.code, 2, "{kind} {name}: {}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "{}:{located}: not a valid {kind} export",
            export.display()
        )),
        "{kind} {name}: {}",
        out.stderr
    );
    assert_eq!(
        read(&t),
        demo_inventory(),
        "{kind} {name} changed the inventory"
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn github_secrets_malformed_truncated_or_foreign_exports_write_nothing() {
    let good = std::fs::read_to_string(fixture("evidence/github-secrets.json")).unwrap();
    // Truncated in the middle of the list.
    let cut = &good[..good.find("NPM_TOKEN").unwrap()];
    assert_refused("github-secrets", "cut.json", cut, "10:15");
    // A bad timestamp, located at the end of its entry (serde_json places a custom error there).
    let bad = good.replace("2025-05-20T14:32:10Z", "yesterday");
    assert_refused("github-secrets", "bad.json", &bad, "8:5");
    // A gcp-keys export (a list) given as github-secrets.
    assert_refused(
        "github-secrets",
        "gcp.json",
        "[\n  {\"name\": \"projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k\"}\n]\n",
        "1:1",
    );
}

#[test]
fn gcp_keys_fixture_rotates_and_extends_the_billing_exporter() {
    let t = demo_tree();
    let export = fixture("evidence/gcp-keys.json");
    let out = import(&t, "gcp-keys", &export, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Matched by client_email: the newest user-managed key is the rotation, its expiry the
    // new one; the disabled old key and Google's system-managed key change nothing.
    assert_eq!(
        out.stdout,
        format!(
            "inventory import: gcp-keys from {}: 4 credentials, 1 identity matched\n  billing-exporter: last_rotated (none) → 2025-05-25\n  billing-exporter: expires 2025-06-01 → 2025-08-23\n  unregistered: reports@billing-exports-prod.iam.gserviceaccount.com key c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7\nwrote nhi-inventory.yaml: 2 changes\n",
            export.display()
        )
    );
    let want = demo_inventory().replacen(
        "    created: 2025-04-01\n    expires: 2025-06-01\n",
        "    created: 2025-04-01\n    last_rotated: 2025-05-25\n    expires: 2025-08-23\n",
        1,
    );
    assert_ne!(want, demo_inventory());
    assert_eq!(read(&t), want);
}

#[test]
fn gcp_keys_disabled_key_suggests_revoked_and_write_status_writes_it() {
    let t = Tree::new();
    let inv = "version: 1\nidentities:\n  - id: old-exporter-key\n    owner: finance\n    created: 2025-04-01\n    status: active # until the provider says otherwise\n    match:\n      key_ids: ['4f1c2b9e0a7d6c5b3a29187f6e5d4c3b2a190817']\n";
    t.write("nhi-inventory.yaml", inv);
    let export = fixture("evidence/gcp-keys.json");
    let out = import(&t, "gcp-keys", &export, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "  old-exporter-key: disabled at the provider: suggest status revoked (--write-status writes it)\n"
        ),
        "{}",
        out.stdout
    );
    // The key's validAfterTime is its creation date, already recorded; its expiry is new.
    let dated = inv.replace(
        "    created: 2025-04-01\n",
        "    created: 2025-04-01\n    expires: 2025-06-01\n",
    );
    assert_eq!(read(&t), dated);
    let out = import(&t, "gcp-keys", &export, &["--write-status"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("  old-exporter-key: status active → revoked\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        read(&t),
        dated.replace("status: active #", "status: revoked #")
    );
}

#[test]
fn gcp_keys_malformed_or_foreign_exports_write_nothing() {
    let good = std::fs::read_to_string(fixture("evidence/gcp-keys.json")).unwrap();
    assert_refused(
        "gcp-keys",
        "cut.json",
        &good[..good.len() / 2],
        &located_eof(&good[..good.len() / 2]),
    );
    assert_refused(
        "gcp-keys",
        "github.json",
        &std::fs::read_to_string(fixture("evidence/github-secrets.json")).unwrap(),
        "1:1",
    );
    let bad = good.replacen("USER_MANAGED", "ALIEN_MANAGED", 1);
    assert_refused("gcp-keys", "type.json", &bad, "6:30");
}

/// Where serde_json reports the end of a truncated text: its last line and column.
fn located_eof(text: &str) -> String {
    let line = text.matches('\n').count() + 1;
    let column = text.len() - text.rfind('\n').map_or(0, |i| i + 1);
    format!("{line}:{}", column.max(1))
}

const VAULT_TOKEN: &str = "hvs.FAKEvaultTOKENnotREAL0123456789abcdef";

#[test]
fn vault_token_fixture_dates_an_identity_by_accessor_and_never_prints_the_token() {
    let t = Tree::new();
    let inv = "version: 1\nidentities:\n  # The orders service's AppRole token.\n  - id: orders-vault\n    kind: token\n    provider: vault\n    owner: data-team\n    created: 2025-03-01\n    last_used: 2025-06-10 # seen in the audit log\n    match:\n      key_ids: [Xk3pRq7sTv9wYz2aBc4dEf6g]\n";
    t.write("nhi-inventory.yaml", inv);
    let export = fixture("evidence/vault-token.json");
    assert!(std::fs::read_to_string(&export)
        .unwrap()
        .contains(VAULT_TOKEN));
    let out = import(&t, "vault-token", &export, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        read(&t),
        "version: 1\nidentities:\n  # The orders service's AppRole token.\n  - id: orders-vault\n    kind: token\n    provider: vault\n    owner: data-team\n    created: 2025-03-01\n    last_rotated: 2025-04-01\n    expires: 2025-07-01\n    last_used: 2025-06-10 # seen in the audit log\n    match:\n      key_ids: [Xk3pRq7sTv9wYz2aBc4dEf6g]\n"
    );
    assert!(
        out.stdout.contains(
            "  orders-vault: last_used: evidence 2025-05-30 is older than the recorded 2025-06-10\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  orders-vault: policies: default, orders-read\n"),
        "{}",
        out.stdout
    );
    // The token itself: in no output, not in the inventory, not with --dry-run or
    // --add-unregistered into an inventory that does not know the accessor either.
    let other = Tree::new();
    other.write("nhi-inventory.yaml", "version: 1\nidentities: []\n");
    let dry = import(
        &other,
        "vault-token",
        &export,
        &["--dry-run", "--add-unregistered"],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let stubbed = import(&other, "vault-token", &export, &["--add-unregistered"]);
    assert!(
        stubbed
            .stdout
            .contains("stub `token-xk3prq7stv9wyz2abc4def6g-approle-orders` added"),
        "{}",
        stubbed.stdout
    );
    for o in [&out, &dry, &stubbed] {
        assert!(!o.stdout.contains(VAULT_TOKEN) && !o.stderr.contains(VAULT_TOKEN));
    }
    assert!(!read(&t).contains(VAULT_TOKEN));
    assert!(!read(&other).contains(VAULT_TOKEN));
    assert!(
        read(&other).contains("key_ids:\n      - Xk3pRq7sTv9wYz2aBc4dEf6g\n"),
        "{}",
        read(&other)
    );
}

#[test]
fn vault_token_malformed_exports_write_nothing_and_never_quote_the_token() {
    let good = std::fs::read_to_string(fixture("evidence/vault-token.json")).unwrap();
    // The token pasted where the creation time belongs: serde quotes it, redacted.
    let bad = good.replace("1743465600", &format!("\"{VAULT_TOKEN}\""));
    let t = demo_tree();
    let export = t.write("bad.json", &bad);
    let out = import(&t, "vault-token", &export, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("bad.json:8:"), "{}", out.stderr);
    assert!(!out.stderr.contains(VAULT_TOKEN), "{}", out.stderr);
    assert!(!out.stderr.contains("FAKEvault"), "{}", out.stderr);
    assert_eq!(read(&t), demo_inventory());
    assert_refused(
        "vault-token",
        "github.json",
        &std::fs::read_to_string(fixture("evidence/github-secrets.json")).unwrap(),
        "20:1",
    );
}

fn aws_import(t: &Tree, report: &Path, extra: &[&str]) -> Output {
    let admin = fixture("evidence/aws-access-keys-migration-admin.json");
    let bot = fixture("evidence/aws-access-keys-ci-bot.json");
    let mut args = vec![
        "--access-keys",
        admin.to_str().unwrap(),
        "--access-keys",
        bot.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    import(t, "aws-credential-report", report, &args)
}

#[test]
fn aws_credential_report_fixture_joined_with_access_keys_dates_the_admin_key() {
    let t = demo_tree();
    let report = fixture("evidence/aws-credential-report.csv");
    let out = aws_import(&t, &report, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "inventory import: aws-credential-report from {}: 3 credentials, 1 identity matched\n  aws-admin: last_used 2025-02-01 → 2025-04-03\n  unregistered: ci-bot key AKIAQ7CIBOTFAKEKEY01\n  unregistered: ci-bot key AKIAQ7CIBOTFAKEKEY02\nwrote nhi-inventory.yaml: 1 change\n",
            report.display()
        )
    );
    let want = demo_inventory().replacen(
        "    status: active\n    last_used: 2025-02-01\n",
        "    status: active\n    last_used: 2025-04-03\n",
        1,
    );
    assert_ne!(want, demo_inventory());
    assert_eq!(read(&t), want);
}

#[test]
fn aws_inactive_key_suggests_revoked_and_the_active_one_is_rotation_and_use_evidence() {
    let t = Tree::new();
    let inv = "version: 1\r\nidentities:\r\n  - id: ci-bot-old\r\n    owner: platform\r\n    created: 2024-06-10\r\n    match:\r\n      key_ids: [AKIAQ7CIBOTFAKEKEY02]\r\n  - id: ci-bot\r\n    owner: platform\r\n    created: 2024-06-10\r\n    last_rotated: 2024-12-01\r\n    match:\r\n      key_ids: [AKIAQ7CIBOTFAKEKEY01]\r\n";
    t.write("nhi-inventory.yaml", inv);
    let out = aws_import(&t, &fixture("evidence/aws-credential-report.csv"), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("  ci-bot-old: disabled at the provider: suggest status revoked (--write-status writes it)\n"),
        "{}",
        out.stdout
    );
    // The old key's last use (2025-01-20) comes from its report slot, joined by CreateDate.
    assert_eq!(
        read(&t),
        "version: 1\r\nidentities:\r\n  - id: ci-bot-old\r\n    owner: platform\r\n    created: 2024-06-10\r\n    last_used: 2025-01-20\r\n    match:\r\n      key_ids: [AKIAQ7CIBOTFAKEKEY02]\r\n  - id: ci-bot\r\n    owner: platform\r\n    created: 2024-06-10\r\n    last_rotated: 2025-05-15\r\n    last_used: 2025-05-31\r\n    match:\r\n      key_ids: [AKIAQ7CIBOTFAKEKEY01]\r\n"
    );
}

#[test]
fn aws_malformed_reports_or_missing_access_keys_write_nothing() {
    let good = std::fs::read_to_string(fixture("evidence/aws-credential-report.csv")).unwrap();
    // A row cut short.
    let cut = &good[..good.rfind(",us-east-1,").unwrap()];
    assert_refused("aws-credential-report", "cut.csv", cut, "4:1");
    // A bad date, located at its cell.
    let bad = good.replacen("2025-04-03T16:20:00+00:00", "last tuesday", 1);
    let col = bad.lines().nth(2).unwrap().find("last tuesday").unwrap() + 1;
    assert_refused(
        "aws-credential-report",
        "bad.csv",
        &bad,
        &format!("3:{col}"),
    );
    // A JSON export given as the report.
    assert_refused(
        "aws-credential-report",
        "github.csv",
        &std::fs::read_to_string(fixture("evidence/github-secrets.json")).unwrap(),
        "1:1",
    );
    // No --access-keys: an error, nothing written.
    let t = demo_tree();
    let out = import(
        &t,
        "aws-credential-report",
        &fixture("evidence/aws-credential-report.csv"),
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--access-keys"), "{}", out.stderr);
    assert_eq!(read(&t), demo_inventory());
}

/// `inventory import --live` in `t` against the mock API at `uri`, with a test token.
async fn live(t: &Tree, uri: String, target: &[&str]) -> Output {
    let dir = t.path().to_path_buf();
    let mut args: Vec<String> = ["inventory", "import", "--from", "github-secrets", "--live"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(target.iter().map(|s| s.to_string()));
    args.extend(["--api-url".to_string(), uri]);
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        crate::harness::run_in_env(
            &dir,
            &args,
            &[("GITHUB_TOKEN", "ghp_livetesttoken0123456789abcdefghijkl")],
        )
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn github_secrets_live_reads_every_page_of_a_repository_and_an_organization() {
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let fixture_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("evidence/github-secrets.json")).unwrap(),
    )
    .unwrap();
    let secrets = fixture_json["secrets"].as_array().unwrap().clone();
    let server = MockServer::start().await;
    const REPO: &str = "/repos/acme/app/actions/secrets";
    let next = format!("<{}{REPO}?per_page=100&page=2>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"total_count": 3, "secrets": secrets[1..].to_vec()}),
            ),
        )
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(query_param("per_page", "100"))
        .and(header(
            "authorization",
            "Bearer ghp_livetesttoken0123456789abcdefghijkl",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .set_body_json(
                    serde_json::json!({"total_count": 3, "secrets": secrets[..1].to_vec()}),
                ),
        )
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/actions/secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "total_count": 1,
            "secrets": [{"name": "DEPLOY_TOKEN", "created_at": "2025-01-05T10:00:00Z",
                "updated_at": "2025-05-30T08:00:00Z", "visibility": "selected",
                "selected_repositories_url": format!("{}/orgs/acme/actions/secrets/DEPLOY_TOKEN/repositories", server.uri())}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orgs/nobody/actions/secrets"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(serde_json::json!({"message": "Not Found"})),
        )
        .mount(&server)
        .await;

    // The repository, over two pages: the same result as the file import.
    let t = demo_tree();
    let out = live(&t, server.uri(), &["--repo", "acme/app"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "inventory import: github-secrets from repository acme/app: 3 credentials, 1 identity matched\n  ci-deployer: last_rotated (none) → 2025-05-20\n  unregistered: NPM_TOKEN\n  unregistered: SLACK_WEBHOOK_URL\nwrote nhi-inventory.yaml: 1 change\n"
    );
    let after_repo = insert_after(
        &demo_inventory(),
        CI_DEPLOYER_CREATED,
        "    last_rotated: 2025-05-20\n",
    );
    assert_eq!(read(&t), after_repo);

    // The organization's copy was set later: newer evidence, and its visibility shown.
    let out = live(&t, server.uri(), &["--org", "acme"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("  ci-deployer: last_rotated 2025-05-20 → 2025-05-30\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  ci-deployer: organization secret, visibility selected\n"),
        "{}",
        out.stdout
    );
    let after_org = after_repo.replace(
        "    last_rotated: 2025-05-20\n",
        "    last_rotated: 2025-05-30\n",
    );
    assert_eq!(read(&t), after_org);

    // An API error: exit 2, nothing written, the token never printed.
    let out = live(&t, server.uri(), &["--org", "nobody"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("404"), "{}", out.stderr);
    assert!(!out.stderr.contains("ghp_livetesttoken") && !out.stdout.contains("ghp_livetesttoken"));
    assert_eq!(read(&t), after_org);
}
