//! The rule set: every built-in rule proves its examples, and rule files are validated.

use std::sync::Arc;

use nhiscan::rules::{RuleSet, RuleSources};

use crate::harness::{rule_lines, Tree};

#[test]
fn every_builtin_rule_passes_its_examples() {
    let set = Arc::new(
        RuleSet::load(&RuleSources {
            compile_all: true,
            ..Default::default()
        })
        .expect("built-in rules load"),
    );
    let failures = nhiscan::detect::selftest::check(&set, false);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn builtin_rules_cover_the_providers() {
    let set = RuleSet::load(&RuleSources {
        compile_all: true,
        ..Default::default()
    })
    .unwrap();
    let specific = set.rules.iter().filter(|r| r.provider != "generic").count();
    assert!(specific >= 150, "only {specific} provider-specific rules");
    for r in &set.rules {
        assert!(!r.references.is_empty(), "{} cites no reference", r.id);
        assert!(
            r.examples.len() >= 2 || r.provider == "generic",
            "{} has < 2 examples",
            r.id
        );
        assert!(
            !r.negative_examples.is_empty(),
            "{} has no negative example",
            r.id
        );
    }
    let providers: std::collections::BTreeSet<&str> =
        set.rules.iter().map(|r| r.provider.as_str()).collect();
    for p in [
        "aws",
        "gcp",
        "azure",
        "github",
        "gitlab",
        "slack",
        "stripe",
        "openai",
        "anthropic",
        "npm",
        "pypi",
        "datadog",
        "sendgrid",
        "okta",
    ] {
        assert!(providers.contains(p), "no rule for provider {p}");
    }
}

#[test]
fn unknown_rule_key_names_file_line_and_column() {
    let t = Tree::new();
    let p = t.write(
        "bad.yaml",
        "rules:\n  - id: x-y\n    name: n\n    descripton: typo\n",
    );
    let out = t.run(&[
        "rules",
        "check",
        "--no-builtin",
        "--rules",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("bad.yaml:4:5: rules[0]: unknown field `descripton`"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_pattern_and_missing_secret_group_are_located() {
    let t = Tree::new();
    let rule = |pattern: &str| {
        format!(
            "rules:\n  - id: bad-rule\n    name: n\n    description: d\n    provider: p\n    kind: token\n    pattern: '{pattern}'\n    keywords: [abc]\n    severity: error\n    confidence: high\n    references: [r]\n    remediation: r\n    examples: [{{text: abc, secret: abc}}]\n    negative_examples: [x]\n"
        )
    };
    let p = t.write("r1.yaml", rule("(abc"));
    let out = t.run(&[
        "rules",
        "check",
        "--no-builtin",
        "--rules",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("r1.yaml:7:14: rule `bad-rule`: pattern does not compile"),
        "{}",
        out.stderr
    );
    let p = t.write("r2.yaml", rule("abc"));
    let out = t.run(&[
        "rules",
        "check",
        "--no-builtin",
        "--rules",
        p.to_str().unwrap(),
    ]);
    assert!(
        out.stderr
            .contains("r2.yaml:7:14: rule `bad-rule`: pattern must have exactly one named group"),
        "{}",
        out.stderr
    );
}

#[test]
fn failing_example_fails_the_check() {
    let t = Tree::new();
    let p = t.write(
        "r.yaml",
        "rules:\n  - id: weak-rule\n    name: n\n    description: d\n    provider: p\n    kind: token\n    pattern: '(?P<secret>abc_[0-9]{4})'\n    keywords: [abc_]\n    severity: error\n    confidence: high\n    references: [r]\n    remediation: r\n    examples: [{text: 'abc_12', secret: abc_12}]\n    negative_examples: ['abc_9876']\n",
    );
    let out = t.run(&[
        "rules",
        "check",
        "--no-builtin",
        "--rules",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("rule `weak-rule`: example 1 should find secret"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("negative example 1 should find nothing"),
        "{}",
        out.stderr
    );
}

#[test]
fn disabling_a_rule() {
    let t = Tree::new();
    t.write("a.env", "DB_PASSWORD = \"q7Rz2LxN4vKp9TmW\"\n");
    let out = t.run(&["scan", ".", "-f", "json"]);
    assert_eq!(out.json()["summary"]["findings"], 1, "{}", out.stderr);
    let out = t.run(&[
        "scan",
        ".",
        "-f",
        "json",
        "--disable-rule",
        "generic-secret-assignment",
    ]);
    assert_eq!(out.json()["summary"]["findings"], 0);
    let out = t.run(&["scan", ".", "--disable-rule", "no-such-rule"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no rule has the id `no-such-rule`"),
        "{}",
        out.stderr
    );
}

/// The generic assignment rule does not re-report what a provider rule owns: a `ghp_` token of
/// the right length whose CRC32 fails, a truncated one, an `sk-proj-` look-alike. A value in no
/// provider's format is still reported (the control).
#[test]
fn generic_rule_leaves_provider_formats_to_their_rules() {
    let t = Tree::new();
    t.write(
        "app.env",
        "API_TOKEN=ghp_Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2QeZZ\n\
         API_TOKEN2=\"ghp_Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw\"\n\
         OPENAI_API_KEY=sk-proj-Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6\n\
         SERVICE_SECRET=Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2QeR7\n",
    );
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    let found = rule_lines(&doc);
    assert_eq!(
        found,
        vec![("generic-secret-assignment".to_string(), 4)],
        "{doc:#}"
    );
    // The GitHub rule's CRC32 rejects line 1, and the generic rule's re-report is dropped.
    assert!(
        doc["summary"]["dropped"]["check_rejected"]
            .as_u64()
            .unwrap()
            >= 2,
        "{doc:#}"
    );
}

/// Credentials providers publish in their own documentation (the Azure Storage emulator's key,
/// jwt.io's sample token, Stripe's docs test keys) are not reported; the same shapes with other
/// values are (the control).
#[test]
fn providers_documented_example_credentials_are_not_reported() {
    let t = Tree::new();
    t.write(
        "settings.py",
        "AZURE_STORAGE_CONNECTION_STRING = \"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\"\n\
         SAMPLE_JWT = \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\"\n\
         stripe.api_key = \"sk_test_4eC39HqLyjWDarjtT1zdp7dc\"\n\
         STRIPE_PUBLISHABLE_KEY = \"pk_test_TYooMQauvdEDq54NiTphI7jx\"\n\
         DT_API_TOKEN = \"dt0c01.ST2EY72KQINMH574WMNVI7YN.G3DFPBEJYMODIDAEX454M7YWBUVEFOWKPRVMWFASS64NFH52PX6BNDVFFM572RZM\"\n\
         X_BEARER_TOKEN = \"AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F\"\n",
    );
    t.write(
        "real.py",
        "SAMPLE_JWT = \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI5ODc2NTQzMjEwIiwibmFtZSI6IkphbmUgUm9lIiwiaWF0IjoxNzE2MjM5MDIyfQ.Qm3xT8rVn2Lk7Pw4Zs9Hd6Yc1Bf5Jg0Ae8Rt3Uq7Xo2\"\n\
         stripe.api_key = \"sk_test_51Hq8ZrLm2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2QeR7Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2QeR7ab\"\n\
         DT_API_TOKEN = \"dt0c01.ST2EY72KQINMH574WMNVI7YN.G3DFPBEJYMODIDAEX454M7YWBUVEFOWKPRVMWFASS64NFH52PX6BNDVFFM572RZN\"\n",
    );
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    let mut found: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule_id"].as_str().unwrap(),
                f["locations"][0]["path"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "dynatrace-api-token real.py",
            "jwt real.py",
            "stripe-test-secret-key real.py"
        ],
        "{doc:#}"
    );
    // Counted per candidate: a value two rules match (a key inside a connection string) counts twice.
    let documented = doc["summary"]["dropped"]["documented_example"]
        .as_u64()
        .unwrap();
    assert!(documented >= 6, "{doc:#}");
    assert_eq!(doc["summary"]["dropped"]["placeholder"], 0, "{doc:#}");
}

/// Issue 15: the checked formats' look-alikes (a wrong CRC-32, Bech32 or CRC-16, a payload
/// without its documented keys, a truncated token) are judged by their provider rule alone:
/// the generic assignment rule never re-reports them. At `--confidence low` the failed checks
/// appear under their provider rule, still never under the generic one; the control line (a
/// value in no provider's format) is reported by the generic rule in both runs.
#[test]
fn generic_rule_never_re_reports_a_failed_checked_format() {
    let t = Tree::new();
    t.write(
        "deploy.env",
        "GRAFANA_TOKEN=glsa_ISpP11yjbhSj90ADf0u5IkdKFbflUNn5_9254848e\n\
         GRAFANA_TOKEN2=glsa_ISpP11yjbhSj90ADf0u5Ik\n\
         AGE_SECRET_KEY=AGE-SECRET-KEY-14PFJLM8M834GF5A420E66D8362S5U2TR6CHR5RQP90VZACLZJ9RQKYJ3FJ\n\
         NATS_SECRET=SUAJ7VOM6LVML63F7CHQAYDZNOLGSNJWGOPQAUOETVX2GJY6QJE7TSPBEA\n\
         GRAFANA_CLOUD_TOKEN=glc_eyJvIjoiMzMxMjk0IiwibiI6InN0YWNrLTcyMDAzNC1obS1yZWFkIiwibSI6eyJyIjoicHJvZC11cy1lYXN0LTAifX0=\n\
         SENTRY_AUTH_TOKEN=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\n\
         SENTRY_TOKEN=sntrys_eyJpYXQiOjE3MTI1MjQxNzc\n\
         BWS_ACCESS_TOKEN=0.e36fbe9c-0f1d-4ba6-b55f-40b27b23636f.fWOj03Bdn5uohYGsgXtNxBmrjKxyrX:KOk1ehnRnKbFvKIoLLTQYgAA\n\
         SERVICE_SECRET=Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2QeR7\n",
    );
    let found = |extra: &[&str]| -> Vec<(String, u64)> {
        let mut args = vec!["scan", ".", "--format", "json", "--fail-on", "none"];
        args.extend(extra);
        let out = t.run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let doc = out.json();
        rule_lines(&doc)
    };
    let control = ("generic-secret-assignment".to_string(), 9);
    assert_eq!(found(&[]), vec![control.clone()]);
    let low = found(&["--confidence", "low"]);
    let expect: Vec<(String, u64)> = [
        ("grafana-service-account-token", 1),
        ("age-secret-key", 3),
        ("nats-user-nkey-seed", 4),
        ("grafana-cloud-token", 5),
        ("sentry-org-auth-token", 6),
        ("bitwarden-secrets-manager-access-token", 8),
        ("generic-secret-assignment", 9),
    ]
    .iter()
    .map(|(r, l)| (r.to_string(), *l))
    .collect();
    assert_eq!(low, expect);
}

/// A provider keyword that is only words (`token-`, `secret-live-`, `prod_`, `key-`) claims no
/// value: passwords that merely begin with such a word are still the generic rules' to report,
/// while a distinctive prefix a provider rule rejected (`ghp_` failing its CRC32) stays claimed.
#[test]
fn word_like_provider_prefixes_do_not_hide_passwords() {
    let t = Tree::new();
    t.write(
        ".env",
        "DB_PASSWORD=prod_R7x9kLm2QwZt4Vb\n\
         API_SECRET=secret-live-Q8m2Lx7Rt4Kp9Wz3\n\
         SERVICE_TOKEN=token-Hq3Zr8Lm5Xt2Wp7K\n\
         APP_KEY=key-9fT2mQ7xR4kL8wZ3pB6n\n\
         GH_TOKEN=ghp_Zq8Lr2Vn4Xc7Bm1Ks9Pd3Tw6Hy0Ju5Ga2QeR\n",
    );
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    let found = rule_lines(&doc);
    let lines: Vec<u64> = found.iter().map(|(_, l)| *l).collect();
    assert_eq!(lines, [1, 2, 3, 4], "{doc:#}");
    assert!(
        found.iter().all(|(r, _)| r == "generic-secret-assignment"),
        "{found:?}"
    );
    assert_eq!(doc["summary"]["dropped"]["check_rejected"], 1, "{doc:#}");
}

/// Issue 15: a keyword that every "google" contains (the GCS HMAC rule's `GOOG`, matched
/// case-insensitively) ran that rule's regex on every line naming Google. Keywords of the
/// built-in rules occur in none of the Google words code is full of; the HMAC rule's is its
/// documented prefix `GOOG1`, and it still finds a 61-character access ID.
#[test]
fn no_keyword_fires_on_every_google_word() {
    let set = RuleSet::load(&RuleSources::default()).unwrap();
    let words = "google googleapis.com google-cloud-sdk GOOGLE_CLOUD_PROJECT \
                 storage.googleapis.com goog.require";
    let lower = words.to_ascii_lowercase();
    for r in &set.rules {
        for k in &r.keywords {
            assert!(
                !lower.contains(&k.to_ascii_lowercase()),
                "rule {} keyword {k:?} occurs in common Google words",
                r.id
            );
        }
    }
    let hmac = set
        .rules
        .iter()
        .find(|r| r.id == "gcp-storage-hmac-access-id")
        .unwrap();
    assert_eq!(hmac.keywords, ["GOOG1"]);

    let t = Tree::new();
    t.write(
        "gcs.py",
        "from google.cloud import storage  # GOOGLE_APPLICATION_CREDENTIALS\n\
         HMAC_ACCESS_ID = \"GOOG1EWSY75R87C620TCOUJV83M5N81QC1HZ5TPPPMWXO12ZZ686CYTVXBFON\"\n",
    );
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    let doc = out.json();
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gcp-storage-hmac-access-id"], "{doc:#}");
}

/// Issue 15: Socket's public demo token, the key of TaxJar's Python quickstart and the ApiKey of
/// Namecheap's method pages are dropped as documented examples, and SQLAlchemy's
/// `scott:tiger` URL (its engine docs) is a stand-in password; the same shapes with other
/// values are still reported (the twins in `real.env`).
#[test]
fn documented_socket_taxjar_namecheap_and_sqlalchemy_examples_are_not_reported() {
    let t = Tree::new();
    t.write(
        "docs.env",
        "SOCKET_SECURITY_API_KEY=sktsec_t_--RAN5U4ivauy4w37-6aoKyYPDt5ZbaT5JBVMqiwKo_api\n\
         TAXJAR_API_KEY=9e0cd62a22f451701f29c3bde214\n\
         NAMECHEAP_API_KEY=56b4c87ef4fd49cb96d915c0db68194\n\
         DATABASE_URL=postgresql://scott:tiger@localhost/mydatabase\n",
    );
    t.write(
        "real.env",
        "SOCKET_SECURITY_API_KEY=sktsec_t_ggtbmtoDZ5Qav0yTAGYaOCTDBUZBz04MFGDFq3ti3_api\n\
         TAXJAR_API_KEY=93cbf8136d4c817c4642bbf80ce4\n\
         NAMECHEAP_API_KEY=232cc5d10f58cd49d82fd3910a56fd1\n\
         DATABASE_URL=postgresql://scott:Qv7mT2xLp9wZ@db1.corp.lan/mydatabase\n",
    );
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    let mut found: Vec<(String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["locations"][0]["path"].as_str().unwrap().to_string(),
                f["locations"][0]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found.dedup();
    let expect: Vec<(String, u64)> = (1..=4).map(|l| ("real.env".to_string(), l)).collect();
    assert_eq!(found, expect, "{doc:#}");
    let documented = doc["summary"]["dropped"]["documented_example"]
        .as_u64()
        .unwrap();
    assert!(documented >= 3, "{doc:#}");
}
