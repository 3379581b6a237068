//! Jenkinsfiles, read as text (Groovy is not YAML): the credential ids a pipeline binds
//! (`credentials('id')`, `credentialsId: 'id'`) and literal values assigned to secret-named
//! variables (`environment { DB_PASSWORD = 'hunter22' }`).

use std::sync::LazyLock;

use regex::Regex;

use super::hardcoded::{drop_inline_allowed, literal, secret_key, Hardcoded, PLACEHOLDERS};
use super::{char_column, CiSystem, Job, Pipeline, SecretRef};
use crate::secret::Secret;

static JENKINS_CRED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:credentials\(\s*|credentialsId\s*:\s*)['"]([^'"]+)['"]"#).expect("valid regex")
});
static JENKINS_ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*['"]([^'"]*)['"]\s*$"#).expect("valid regex")
});

/// A Jenkinsfile, read as text: the credential ids it binds, and literal values assigned to
/// secret-named variables (`environment { DB_PASSWORD = 'hunter22' }`).
pub fn read(path: &str, text: &str) -> (Pipeline, Vec<Hardcoded>) {
    let mut refs = Vec::new();
    let mut hard = Vec::new();
    let placeholders = &*PLACEHOLDERS;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or(line);
        for c in JENKINS_CRED.captures_iter(code) {
            let m = c.get(1).expect("group");
            refs.push(SecretRef {
                name: m.as_str().to_string(),
                line: i + 1,
                column: char_column(line, m.start()),
            });
        }
        if let Some(c) = JENKINS_ASSIGN.captures(code) {
            let (k, v) = (c.get(1).expect("key"), c.get(2).expect("value"));
            if secret_key(k.as_str()) && literal(v.as_str(), placeholders) {
                let column = char_column(line, v.start());
                hard.push(Hardcoded {
                    key: format!("environment.{}", k.as_str()),
                    secret: Secret::new(v.as_str().as_bytes()),
                    line: i + 1,
                    column,
                    end_column: column + v.as_str().chars().count(),
                });
            }
        }
    }
    let mut p = Pipeline::new(path, CiSystem::Jenkins);
    let mut job = Job::new("pipeline", 1, 1);
    job.secrets = refs;
    p.jobs.push(job);
    drop_inline_allowed(text, &mut hard);
    (p, hard)
}
