//! Generic detection across syntaxes (issue #15 item 3): for each syntax, a file holding a
//! credential is reported by the expected rule with exactly that secret, and its negative twin
//! (the same file reading the value from somewhere else, or holding a non-secret) by none.
//! Secrets are compared by fingerprint, so nothing here needs `--show-secrets`.

use crate::harness::Tree;
use nhiscan::secret::fingerprint;

/// `(rule_id, fingerprint)` of every finding of a scan of one file.
fn scan(file: &str, content: &str) -> (Vec<(String, String)>, serde_json::Value) {
    let t = Tree::new();
    t.write(file, content);
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    (crate::harness::rule_fingerprints(&doc), doc)
}

fn twin(file: &str, positive: &str, negative: &str, rule: &str, secret: &str) {
    let (found, doc) = scan(file, positive);
    assert_eq!(
        found,
        vec![(rule.to_string(), fingerprint(secret.as_bytes()))],
        "positive {file}:\n{positive}\n{doc:#}"
    );
    let (found, doc) = scan(file, negative);
    assert!(
        found.is_empty(),
        "negative twin {file}:\n{negative}\n{doc:#}"
    );
}

const S: &str = "q7Rz2LxN4vKp9TmWb3Yc";
const HEX: &str = "4f9a1c7e2b8d6a3f5e0c9b7a1d4e8f2c";

macro_rules! syntax {
    ($name:ident, $file:expr, $pos:expr, $neg:expr, $rule:expr, $secret:expr) => {
        #[test]
        fn $name() {
            twin($file, &$pos, &$neg, $rule, $secret);
        }
    };
}

const G: &str = "generic-secret-assignment";

syntax!(
    env_file,
    ".env",
    format!("PORT=8080\nSESSION_SECRET={S}\n"),
    "PORT=8080\nSESSION_SECRET=${SESSION_SECRET}\n",
    G,
    S
);
syntax!(
    yaml_nested,
    "config/settings.yaml",
    format!("database:\n  host: db.internal\n  password: \"{S}\"\n"),
    "database:\n  host: db.internal\n  password: \"${DB_PASSWORD}\"\n",
    G,
    S
);
syntax!(
    json_nested_keys,
    "appsettings.json",
    format!("{{\n  \"Payments\": {{\n    \"Credentials\": {{\n      \"ClientSecret\": \"{S}\"\n    }}\n  }}\n}}\n"),
    "{\n  \"Payments\": {\n    \"Credentials\": {\n      \"ClientSecretName\": \"payments/client-secret\"\n    }\n  }\n}\n",
    G,
    S
);
syntax!(
    toml_table,
    "config.toml",
    format!("[notify]\nwebhook_token = \"{S}\"\n"),
    "[notify]\nwebhook_token = \"\"\n",
    G,
    S
);
syntax!(
    ini_section,
    "legacy.ini",
    format!("[database]\nuser = report\npasswd = {S}\n"),
    "[database]\nuser = report\npasswd = %(DB_PASSWD)s\n",
    G,
    S
);
syntax!(
    java_properties,
    "application.properties",
    format!("spring.datasource.username=ledger\nspring.datasource.password={S}\n"),
    "spring.datasource.username=ledger\nspring.datasource.password=${{DB_PASSWORD}}\n",
    G,
    S
);
syntax!(
    xml_attribute,
    "server.xml",
    format!("<configuration>\n  <smtp host=\"mail\" user=\"notify\" password=\"{S}\" />\n</configuration>\n"),
    "<configuration>\n  <smtp host=\"mail\" user=\"notify\" password=\"${SMTP_PASSWORD}\" />\n</configuration>\n",
    G,
    S
);
syntax!(
    xml_element,
    "datasource.xml",
    format!("<datasource>\n  <username>etl</username>\n  <password>{S}</password>\n</datasource>\n"),
    "<datasource>\n  <username>etl</username>\n  <password_file>/run/secrets/etl</password_file>\n</datasource>\n",
    G,
    S
);
syntax!(
    xml_add_key_value,
    "web.config",
    format!("<appSettings>\n  <add key=\"PartnerApiKey\" value=\"{S}\" />\n</appSettings>\n"),
    "<appSettings>\n  <add key=\"PartnerApiKeyHeader\" value=\"X-Partner-Api-Key\" />\n</appSettings>\n",
    "generic-named-secret-value",
    S
);
syntax!(
    hcl,
    "main.tf",
    format!("resource \"aws_db_instance\" \"r\" {{\n  username = \"reports\"\n  password = \"{S}\"\n}}\n"),
    "resource \"aws_db_instance\" \"r\" {\n  username = \"reports\"\n  password = var.db_password\n}\n",
    G,
    S
);
syntax!(
    dockerfile_env,
    "Dockerfile",
    format!("FROM python:3.12\nENV API_SECRET={S}\n"),
    "FROM python:3.12\nENV API_SECRET=${API_SECRET}\n",
    G,
    S
);
syntax!(
    dockerfile_arg,
    "Dockerfile",
    format!("FROM python:3.12\nARG PIP_INDEX_TOKEN={S}\n"),
    "FROM python:3.12\nARG PIP_INDEX_TOKEN\n",
    G,
    S
);
syntax!(
    shell_export,
    "deploy.sh",
    format!("#!/bin/sh\nexport DEPLOY_TOKEN={S}\n"),
    "#!/bin/sh\nexport DEPLOY_TOKEN=\"$(vault read -field=token secret/deploy)\"\n",
    G,
    S
);
syntax!(
    cli_long_flag,
    "release.sh",
    format!("./bin/release --token {S} --channel stable\n"),
    "./bin/release --token \"$RELEASE_TOKEN\" --channel stable\n",
    "generic-cli-secret-flag",
    S
);
syntax!(
    cli_password_equals,
    "login.sh",
    format!("docker login --password={S} registry.example.io\n"),
    "docker login --password-stdin registry.example.io < token.txt\n",
    "generic-cli-secret-flag",
    S
);
syntax!(
    cli_mysql_p,
    "migrate.sh",
    format!("mysql -h db.internal -u migrator -p'{S}' app < migrate.sql\n"),
    "mysql -h db.internal -u migrator -p app < migrate.sql\n",
    "generic-cli-secret-flag",
    S
);
syntax!(
    http_bearer_header,
    "ping.sh",
    format!("curl -sf -H \"Authorization: Bearer {S}\" https://deploy.example.io/ping\n"),
    "curl -sf -H \"Authorization: Bearer ${DEPLOY_TOKEN}\" https://deploy.example.io/ping\n",
    "generic-bearer-token",
    S
);
// base64("ci-bot:q7Rz2LxN4vKp9TmWb3Yc")
syntax!(
    http_basic_header,
    "client.py",
    "session.headers[\"Authorization\"] = \"Basic Y2ktYm90OnE3UnoyTHhONHZLcDlUbVdiM1lj\"\n",
    // base64("username:password"), the shape documentation shows
    "session.headers[\"Authorization\"] = \"Basic dXNlcm5hbWU6cGFzc3dvcmQ=\"\n",
    "generic-basic-auth-header",
    "Y2ktYm90OnE3UnoyTHhONHZLcDlUbVdiM1lj"
);
syntax!(
    http_x_api_key_header,
    "status.sh",
    format!("curl -X POST -H \"X-API-Key: {HEX}\" https://status.example.io/deploys\n"),
    "curl -X POST -H \"X-API-Key: $STATUS_KEY\" https://status.example.io/deploys\n",
    G,
    HEX
);
syntax!(
    url_query_parameter,
    "maps.ts",
    format!("const url = \"https://maps.example.io/search?q=x&api_key={HEX}&lang=en\";\n"),
    "const url = `https://maps.example.io/search?q=x&api_key=${process.env.MAPS_KEY}&lang=en`;\n",
    G,
    HEX
);
syntax!(
    python_assignment,
    "client.py",
    format!("api_secret = \"{S}\"\n"),
    "api_secret = os.environ[\"API_SECRET\"]\n",
    G,
    S
);
syntax!(
    javascript_object,
    "config.js",
    format!("export const config = {{\n  apiToken: \"{S}\",\n  retries: 3,\n}};\n"),
    "export const config = {\n  apiToken: process.env.API_TOKEN,\n  retries: 3,\n};\n",
    G,
    S
);
syntax!(
    typescript_const,
    "api.ts",
    format!("const authToken: string = \"{S}\";\n"),
    "const authToken: string = getToken();\n",
    G,
    S
);
syntax!(
    go_short_assignment,
    "client.go",
    format!("package auth\n\nfunc f() {{\n\tclientSecret := \"{S}\"\n\t_ = clientSecret\n}}\n"),
    "package auth\n\nfunc f() {\n\tclientSecret := os.Getenv(\"CLIENT_SECRET\")\n\t_ = clientSecret\n}\n",
    G,
    S
);
syntax!(
    java_field,
    "Payments.java",
    format!("class Payments {{\n    private static final String DB_PASSWORD = \"{S}\";\n}}\n"),
    "class Payments {\n    private static final String DB_PASSWORD = System.getenv(\"DB_PASSWORD\");\n}\n",
    G,
    S
);
syntax!(
    ruby_instance_variable,
    "mailer.rb",
    format!("class Mailer\n  def initialize\n    @password = \"{S}\"\n  end\nend\n"),
    "class Mailer\n  def initialize\n    @password = ENV.fetch(\"SMTP_PASSWORD\")\n  end\nend\n",
    G,
    S
);
syntax!(
    csharp_field,
    "Mailer.cs",
    format!("public class Mailer\n{{\n    private string smtpPassword = \"{S}\";\n}}\n"),
    "public class Mailer\n{\n    private string smtpPassword = Environment.GetEnvironmentVariable(\"SMTP_PASSWORD\");\n}\n",
    G,
    S
);
syntax!(
    php_array,
    "config.php",
    format!("<?php\nreturn [\n    'db' => [\n        'password' => '{S}',\n    ],\n];\n"),
    "<?php\nreturn [\n    'db' => [\n        'password' => getenv('DB_PASSWORD'),\n    ],\n];\n",
    G,
    S
);

/// A PEM private key inside a JSON string, newlines escaped as `\n` (service-account files,
/// secrets exported from a vault): reported as a private key; a public key in the same shape
/// is not.
#[test]
fn pem_block_escaped_in_a_json_string() {
    use base64::Engine as _;
    let der: Vec<u8> = (0..1216u32).map(|i| (i * 7919 % 251) as u8).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let body: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let block = |label: &str| {
        format!(
            "-----BEGIN {label}-----\\n{}\\n-----END {label}-----",
            body.join("\\n")
        )
    };
    let key = block("PRIVATE KEY");
    let (found, doc) = scan(
        "vault-export.json",
        &format!(
            "{{\n  \"signing\": {{\n    \"key\": \"{key}\\n\",\n    \"alg\": \"RS256\"\n  }}\n}}\n"
        ),
    );
    assert_eq!(
        found,
        vec![("private-key-pkcs8".to_string(), fingerprint(key.as_bytes()))],
        "{doc:#}"
    );
    let public = block("PUBLIC KEY");
    let (found, doc) = scan(
        "vault-export.json",
        &format!("{{\n  \"signing\": {{\n    \"key\": \"{public}\\n\"\n  }}\n}}\n"),
    );
    assert!(found.is_empty(), "{doc:#}");
}

/// An AWS key id and, on a neighbouring line, its secret under a name of no AWS convention
/// (`secret_key` in Terraform's provider block): the secret is reported with its key id. With
/// the secret read from a variable, only the key id is reported.
#[test]
fn aws_key_id_and_secret_on_neighbouring_lines_are_paired() {
    let id = "AKIAU36QWASULXKGEJLZ";
    let secret = "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";
    let (found, doc) = scan(
        "main.tf",
        &format!("provider \"aws\" {{\n  region     = \"eu-central-1\"\n  access_key = \"{id}\"\n  secret_key = \"{secret}\"\n}}\n"),
    );
    let mut want = vec![
        ("aws-access-key-id".to_string(), fingerprint(id.as_bytes())),
        (
            "aws-secret-access-key-near-key-id".to_string(),
            fingerprint(secret.as_bytes()),
        ),
    ];
    want.sort();
    let mut found = found;
    found.sort();
    assert_eq!(found, want, "{doc:#}");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "aws-secret-access-key-near-key-id")
        .unwrap();
    assert_eq!(f["key_id"], id, "{doc:#}");
    let (found, doc) = scan(
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  access_key = \"{id}\"\n  secret_key = var.aws_secret_key\n}}\n"
        ),
    );
    assert_eq!(
        found,
        vec![("aws-access-key-id".to_string(), fingerprint(id.as_bytes()))],
        "{doc:#}"
    );
}
