//! The keyword-context family (issue #15 item 2): unprefixed tokens found by a service keyword
//! within a declared distance before a token of a declared shape. Each positive case has a
//! negative twin (too far, wrong shape, low entropy, placeholder, no keyword). Secrets are
//! compared by fingerprint, so nothing here needs `--show-secrets`.

use std::sync::Arc;

use nhiscan::detect::{Engine, EngineOptions};
use nhiscan::rules::{RuleSet, RuleSources};
use nhiscan::secret::fingerprint;

use crate::harness::Tree;

/// `(rule_id, fingerprint)` of every finding of a scan of one file.
fn scan(file: &str, content: &str) -> Vec<(String, String)> {
    let t = Tree::new();
    t.write(file, content);
    let out = t.run(&["scan", ".", "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stdout.contains(HEX) && !out.stdout.contains(HEX2),
        "a secret was printed"
    );
    crate::harness::rule_fingerprints(&out.json())
}

fn found(file: &str, content: &str, rule: &str, secret: &str) {
    assert_eq!(
        scan(file, content),
        vec![(rule.to_string(), fingerprint(secret.as_bytes()))],
        "{file}:\n{content}"
    );
}

fn none_of(file: &str, content: &str, rule: &str) {
    let f = scan(file, content);
    assert!(
        f.iter().all(|(r, _)| r != rule),
        "{file}:\n{content}\n{f:?}"
    );
}

const HEX: &str = "2d106600b259daa006e1580ce8f936ea";
const HEX2: &str = "b7f5130b5ea3be256d10fd95c6dd2f24";
const OWM: &str = "openweathermap-context-api-key";

#[test]
fn url_query_parameter_after_the_service_host() {
    let url = format!(
        "const u = \"https://api.openweathermap.org/data/2.5/weather?q=Oslo&appid={HEX}\";"
    );
    found("weather.js", &url, OWM, HEX);
    // Twin: the same URL with a 31-character value (wrong shape).
    none_of("weather.js", &url.replace(HEX, &HEX[1..]), OWM);
}

#[test]
fn env_yaml_json_and_code_assignments() {
    for (file, text) in [
        (".env", format!("OPENWEATHERMAP_API_KEY={HEX}\n")),
        (
            "config.yaml",
            format!("weather:\n  openweathermap_key: \"{HEX}\"\n"),
        ),
        (
            "settings.json",
            format!("{{\n  \"openweathermap\": {{ \"appid\": \"{HEX}\" }}\n}}\n"),
        ),
        ("client.py", format!("OpenWeather(api_key='{HEX}')\n")),
    ] {
        found(file, &text, OWM, HEX);
    }
    // Twin: the same value under a key that names no service: the generic rule may see it,
    // this rule must not.
    none_of(".env", &format!("WEATHER_API_KEY={HEX}\n"), OWM);
}

#[test]
fn keyword_case_does_not_matter_but_token_case_does() {
    found("a.env", &format!("OpenWeatherMap_KEY={HEX}\n"), OWM, HEX);
    // hex32 is lower-case hex: an upper-case value is another shape.
    none_of(
        "a.env",
        &format!("OpenWeatherMap_KEY={}\n", HEX.to_uppercase()),
        OWM,
    );
}

#[test]
fn distance_is_bounded() {
    // `distance: 80` for this service: 70 characters between keyword and token pass, 90 not.
    let near = format!("# openweathermap{}{HEX}\n", " ".repeat(69) + "=");
    found("n.txt", &near, OWM, HEX);
    let far = format!("# openweathermap{}{HEX}\n", " ".repeat(89) + "=");
    none_of("n.txt", &far, OWM);
    // The keyword on another line gives no context.
    none_of("n.txt", &format!("# openweathermap\nkey = {HEX}\n"), OWM);
}

#[test]
fn longer_runs_low_entropy_and_placeholders_are_not_tokens() {
    // A 40-hex value (a commit id) is not a 32-hex token inside it.
    none_of(
        "a.env",
        "OPENWEATHERMAP_KEY=979e464cad42563db42b6c379fb71892e4ed6705\n",
        OWM,
    );
    // The right shape without entropy.
    none_of(
        "a.env",
        "OPENWEATHERMAP_KEY=abababababababababababababababab\n",
        OWM,
    );
    // A placeholder.
    none_of(
        "a.env",
        "OPENWEATHERMAP_KEY=0123456789abcdef0123456789abcdef\n",
        OWM,
    );
    // Positive twin: a random value of the same shape.
    found("a.env", &format!("OPENWEATHERMAP_KEY={HEX2}\n"), OWM, HEX2);
}

#[test]
fn uuid_and_composite_shapes() {
    let uuid = "0ab4dac5-8efd-4dfe-8a1b-457704141076";
    found(
        "cmc.py",
        &format!("headers = {{'X-CMC_PRO_API_KEY': '{uuid}'}}\n"),
        "coinmarketcap-context-api-key",
        uuid,
    );
    none_of(
        "cmc.py",
        &format!("headers = {{'X-Request-Id': '{uuid}'}}\n"),
        "coinmarketcap-context-api-key",
    );
    let eth = "BZ6EGJV63KWENEFYZC38YVIA7YIBZ3LKQP";
    found(
        "hardhat.config.js",
        &format!("etherscan: {{ apiKey: \"{eth}\" }},\n"),
        "etherscan-context-api-key",
        eth,
    );
    none_of(
        "hardhat.config.js",
        &format!("etherscan: {{ apiKey: \"{}\" }},\n", &eth[..33]),
        "etherscan-context-api-key",
    );
}

/// A user context file with N services of new keywords grows the one keyword automaton by
/// exactly those keywords: services add automaton patterns, not passes.
#[test]
fn services_share_the_one_keyword_automaton() {
    let builtin = Arc::new(RuleSet::load(&RuleSources::default()).unwrap());
    let base = Engine::new(builtin.clone(), EngineOptions::default()).keyword_count();
    let n = 30;
    let mut yaml = String::from(
        "shapes:\n  hex32: { pattern: '[0-9a-f]{32}', min_entropy: 3.0 }\nservices:\n",
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "  - slug: acme{i}\n    name: Acme {i} key\n    keywords: [acmeservice{i}, acme{i}.invalid]\n    shape: hex32\n    kind: api_key\n    references: [https://acme.invalid/docs]\n"
        ));
    }
    let t = Tree::new();
    let p = t.write("ctx.yaml", &yaml);
    let set = Arc::new(
        RuleSet::load(&RuleSources {
            paths: vec![p],
            ..Default::default()
        })
        .unwrap(),
    );
    assert_eq!(set.rules.len(), builtin.rules.len() + n);
    let engine = Engine::new(set.clone(), EngineOptions::default());
    assert_eq!(engine.keyword_count(), base + 2 * n);
    // And each expanded rule runs its examples like any other rule (`rules check`).
    let out = t.run(&["rules", "check", "--no-builtin", "--rules", "ctx.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let list = t.run(&[
        "rules",
        "list",
        "--no-builtin",
        "--rules",
        "ctx.yaml",
        "--format",
        "json",
    ]);
    let ids: Vec<String> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        ids.contains(&"acme7-context-api-key".to_string()),
        "{ids:?}"
    );
}

#[test]
fn unknown_context_keys_and_bad_shapes_are_located() {
    let t = Tree::new();
    t.write(
        "bad.yaml",
        "shapes:\n  hex32: { pattern: '[0-9a-f]{32}', min_entropy: 3.0 }\nservices:\n  - slug: acme\n    name: Acme key\n    keyword: [acmeservice]\n",
    );
    let out = t.run(&["rules", "check", "--no-builtin", "--rules", "bad.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("bad.yaml:6:5: services[0]: unknown field `keyword`"),
        "{}",
        out.stderr
    );
    t.write(
        "shape.yaml",
        "shapes:\n  hexes: { pattern: '[0-9a-f]+', min_entropy: 3.0 }\nservices: []\n",
    );
    let out = t.run(&["rules", "check", "--no-builtin", "--rules", "shape.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("shape.yaml:2:") && out.stderr.contains("shape `hexes`"),
        "{}",
        out.stderr
    );
    t.write(
        "far.yaml",
        "shapes:\n  hex32: { pattern: '[0-9a-f]{32}', min_entropy: 3.0 }\nservices:\n  - slug: acme\n    name: Acme key\n    keywords: [acmeservice]\n    shape: hex32\n    kind: api_key\n    distance: 500\n    references: [r]\n",
    );
    let out = t.run(&["rules", "check", "--no-builtin", "--rules", "far.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("far.yaml:9:15: service `acme`: distance"),
        "{}",
        out.stderr
    );
}

/// Issue 15, third pass: AI21 keys sit in `AI21Client(api_key="...")` calls of the SDK, which
/// the `ai21_` keyword does not reach; `ai21client` does. Twin: the same call to another
/// client is not an AI21 key.
#[test]
fn ai21_key_in_the_sdk_client_call() {
    const KEY: &str = "SvCgqy0togqP3SKRYN5R3ZpTR2JFovlt";
    let call = format!("client = AI21Client(api_key=\"{KEY}\")\n");
    found("chat.py", &call, "ai21-context-api-key", KEY);
    none_of(
        "chat.py",
        &call.replace("AI21Client", "OtherClient"),
        "ai21-context-api-key",
    );
}

/// The keyword names an enclosing block and the token is the value of a credential-named key
/// inside it: YAML parent keys, JSON parent objects, TOML tables and INI sections.
#[test]
fn keyword_in_an_enclosing_key_or_section() {
    for (file, text) in [
        (
            "config.yaml",
            format!("weather:\n  openweathermap:\n    units: metric\n    api_key: {HEX}\n"),
        ),
        (
            "settings.json",
            format!(
                "{{\n  \"openweathermap\": {{\n    \"units\": \"metric\",\n    \"apiKey\": \"{HEX}\"\n  }}\n}}\n"
            ),
        ),
        (
            "app.toml",
            format!("[services.openweathermap]\nunits = \"metric\"\napi_key = \"{HEX}\"\n"),
        ),
        ("app.ini", format!("[openweathermap]\nunits=metric\ntoken={HEX}\n")),
    ] {
        found(file, &text, OWM, HEX);
    }
}

#[test]
fn enclosing_block_twins_are_not_the_services_key() {
    // A sibling block after the service's block: the key is someone else's (the generic
    // rule may still report it, as generic).
    let sibling = format!("openweathermap:\n  units: metric\nother:\n  api_key: {HEX}\n");
    none_of("config.yaml", &sibling, OWM);
    assert!(
        !scan("config.yaml", &sibling).is_empty(),
        "the generic rule still reports the sibling's key"
    );
    let json = format!(
        "{{\n  \"openweathermap\": {{ \"units\": \"metric\" }},\n  \"other\": {{\n    \"apiKey\": \"{HEX}\"\n  }}\n}}\n"
    );
    none_of("settings.json", &json, OWM);
    // Another TOML table in between.
    let toml = format!("[openweathermap]\nunits = 1\n[other]\napi_key = \"{HEX}\"\n");
    none_of("app.toml", &toml, OWM);
    // A key name that is not a credential's.
    none_of(
        "config.yaml",
        &format!("openweathermap:\n  city_hash: {HEX}\n"),
        OWM,
    );
    // Credential-named keys that hold something else (an id, a name, a hash): neither the
    // service's rule nor the generic one reports them.
    for key in [
        "api_key_id",
        "secret_name",
        "token_hash",
        "\"privateKeyId\"",
    ] {
        let text = format!("openweathermap:\n  {key}: {HEX}\n");
        assert_eq!(scan("config.yaml", &text), vec![], "{text}");
    }
    // ... while a credential's key below such a key is still reported (by the generic rule:
    // the service's pattern stops at the first credential-named key under its keyword), and
    // the id is not.
    let beside = format!("openweathermap:\n  api_key_id: {HEX2}\n  api_key: {HEX}\n");
    let got = scan("config.yaml", &beside);
    assert_eq!(got.len(), 1, "{beside}\n{got:?}");
    assert_eq!(got[0].1, fingerprint(HEX.as_bytes()), "{beside}\n{got:?}");
    // Wrong shape, low entropy, and more than six lines below.
    none_of(
        "config.yaml",
        &format!("openweathermap:\n  api_key: {}\n", &HEX[1..]),
        OWM,
    );
    none_of(
        "config.yaml",
        "openweathermap:\n  api_key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
        OWM,
    );
    let far = format!(
        "openweathermap:\n{}  api_key: {HEX}\n",
        "  units: metric\n".repeat(7)
    );
    none_of("config.yaml", &far, OWM);
}
