//! The risky patterns of the CI systems other than GitHub Actions. Each system is cut into
//! units (a GitLab, CircleCI, Buildkite or Drone job; a Bitbucket or Azure step; the whole
//! Jenkinsfile), each with the secrets the usage map says it reads, the text of its scripts and
//! whether it uses OIDC; the checks then run on units, whatever their system.

use std::sync::LazyLock;

use regex::Regex;

use super::{Risk, LONG_LIVED_KEY, SECRET_IN_COMMAND, UNPINNED};
use crate::pipelines::hardcoded::secret_key;
use crate::pipelines::yaml::{Node, Pos};
use crate::pipelines::{
    azure, bitbucket, char_column, generic, gitlab, strip_comment, CiSystem, Job, Pipeline,
    SecretRef,
};
use crate::rules::Severity;

/// CI variable names that hold a long-lived cloud key (AWS secret key, GCP service-account key
/// JSON, Azure service-principal secret).
const CLOUD_KEYS: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CREDENTIALS",
    "GCP_SERVICE_ACCOUNT_KEY",
    "GCP_SA_KEY",
    "GCLOUD_SERVICE_KEY",
    "AZURE_CLIENT_SECRET",
    "ARM_CLIENT_SECRET",
];

/// CircleCI orb commands that log in with the static keys of a context unless told to use
/// `$CIRCLE_OIDC_TOKEN` (the parameter that does).
const CIRCLECI_LOGINS: &[(&str, &str)] = &[
    ("aws-cli/setup", "role_arn"),
    ("gcp-cli/setup", "use_oidc"),
    ("gcp-cli/initialize", "use_oidc"),
];

static EXACT_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^v?\d+\.\d+\.\d+$").expect("valid regex"));
static SHA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9a-f]{40}$").expect("valid regex"));
static ASSIGNMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$").expect("valid regex"));
static AZ_SP_LOGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\baz\s+login\b.*--service-principal\b.*\s(?:-p|--password|--secret)[\s=]")
        .expect("valid regex")
});

/// One job-like piece of a pipeline the checks look at.
struct Unit<'a> {
    job: String,
    node: &'a Node,
    /// The secrets it reads, at the places it reads them.
    secrets: Vec<SecretRef>,
    /// Text ranges of its shell scripts.
    scripts: Vec<(Pos, Pos)>,
    /// Environment variables that hold a secret the scripts read by name (Drone and
    /// Woodpecker `NAME: {from_secret: …}`), where the usage map knows the secret by its own
    /// name at the `from_secret:` line.
    env_names: Vec<String>,
    oidc: bool,
}

fn refs_of(j: &Job) -> Vec<SecretRef> {
    let mut out = j.secrets.clone();
    out.extend(j.steps.iter().flat_map(|s| s.secrets.iter().cloned()));
    out.sort_by(|a, b| (a.line, a.column, &a.name).cmp(&(b.line, b.column, &b.name)));
    out
}

fn at(r: &SecretRef) -> Pos {
    Pos::new(r.line, r.column)
}

fn within(p: Pos, (start, end): (Pos, Pos)) -> bool {
    start <= p && p < end
}

/// From a map's `key` to the next key of that map (or the map's end).
fn key_range(map: &Node, key: &str) -> Option<(Pos, Pos)> {
    let (k, v) = map.entries().iter().find(|(k, _)| k.value == key)?;
    let start = k.pos.min(v.start());
    let end = map
        .entries()
        .iter()
        .map(|(k, _)| k.pos)
        .filter(|p| *p > k.pos)
        .min()
        .unwrap_or(map.end());
    Some((start, end.max(v.end())))
}

/// Every `$NAME` a map's values read: the file-wide references inside its text.
fn refs_within(all: &[SecretRef], range: (Pos, Pos)) -> Vec<SecretRef> {
    all.iter()
        .filter(|r| within(at(r), range))
        .cloned()
        .collect()
}

fn node_range(n: &Node) -> (Pos, Pos) {
    (n.start(), n.end().max(n.start()))
}

fn has_key_or_value(n: &Node, key: &str) -> bool {
    let mut scalars = Vec::new();
    n.scalars(&mut scalars);
    scalars
        .iter()
        .any(|s| s.value == key || s.value.contains(key))
}

fn units<'a>(p: &Pipeline, docs: &'a [Node], system: CiSystem) -> Vec<Unit<'a>> {
    let mut out = Vec::new();
    match system {
        CiSystem::Gitlab => {
            for (j, n) in p.jobs.iter().zip(gitlab::job_nodes(docs)) {
                out.push(Unit {
                    job: j.id.clone(),
                    node: n,
                    secrets: refs_of(j),
                    scripts: ["before_script", "script", "after_script"]
                        .iter()
                        .filter_map(|k| key_range(n, k))
                        .collect(),
                    env_names: Vec::new(),
                    oidc: j.oidc,
                });
            }
        }
        CiSystem::Circleci | CiSystem::Buildkite | CiSystem::Drone | CiSystem::Woodpecker => {
            for (j, (_, _, n)) in p.jobs.iter().zip(generic::job_nodes(docs, system)) {
                let mut scripts = Vec::new();
                match system {
                    CiSystem::Circleci => {
                        for s in n.get("steps").map(Node::items).unwrap_or(&[]) {
                            match s.get("run") {
                                Some(Node::Map { .. }) => scripts
                                    .extend(s.get("run").and_then(|r| key_range(r, "command"))),
                                Some(_) => scripts.extend(key_range(s, "run")),
                                None => {}
                            }
                        }
                    }
                    CiSystem::Buildkite => scripts.extend(
                        ["command", "commands"]
                            .iter()
                            .filter_map(|k| key_range(n, k)),
                    ),
                    _ => {
                        let steps = n.get("steps").or_else(|| n.get("pipeline"));
                        let steps: Vec<&Node> = match steps {
                            Some(Node::Map { entries, .. }) => {
                                entries.iter().map(|e| &e.1).collect()
                            }
                            Some(s) => s.items().iter().collect(),
                            None => Vec::new(),
                        };
                        scripts.extend(steps.iter().filter_map(|s| key_range(s, "commands")));
                    }
                }
                let oidc = system == CiSystem::Circleci
                    && (has_key_or_value(n, "CIRCLE_OIDC_TOKEN")
                        || CIRCLECI_LOGINS.iter().any(|(_, k)| has_key_or_value(n, k)));
                let mut env_names = Vec::new();
                from_secret_env(n, &mut env_names);
                out.push(Unit {
                    job: j.id.clone(),
                    node: n,
                    secrets: refs_of(j),
                    scripts,
                    env_names,
                    oidc,
                });
            }
        }
        CiSystem::Bitbucket => {
            let mut steps = Vec::new();
            for d in docs {
                if let Some(p) = d.get("pipelines") {
                    bitbucket::steps(p, &mut steps);
                }
            }
            for s in steps {
                let mut scripts = Vec::new();
                for key in ["script", "after-script"] {
                    let items = s.get(key).map(Node::items).unwrap_or(&[]);
                    for (i, item) in items.iter().enumerate() {
                        if let Node::Scalar(_) = item {
                            let end = items
                                .get(i + 1)
                                .map(Node::start)
                                .unwrap_or(s.get(key).map_or(item.end(), Node::end));
                            scripts.push((item.start(), end.max(item.start())));
                        }
                    }
                }
                out.push(Unit {
                    job: s
                        .get("name")
                        .and_then(Node::str)
                        .map_or_else(|| format!("step-{}", s.start().line), str::to_string),
                    node: s,
                    secrets: refs_within(&p.secrets, node_range(s)),
                    scripts,
                    env_names: Vec::new(),
                    oidc: s.get("oidc").and_then(Node::str) == Some("true"),
                });
            }
        }
        CiSystem::Azure => {
            let mut steps = Vec::new();
            for d in docs {
                azure::steps(d, "steps", &mut steps);
            }
            for (job, s) in steps {
                let scripts = ["script", "bash", "powershell", "pwsh"]
                    .iter()
                    .filter_map(|k| key_range(s, k))
                    .collect();
                let task = s.get("task").and_then(Node::str);
                out.push(Unit {
                    job: s
                        .get("displayName")
                        .and_then(Node::str)
                        .or(task)
                        .map_or_else(|| format!("{job}@{}", s.start().line), str::to_string),
                    node: s,
                    secrets: refs_within(&p.secrets, node_range(s)),
                    scripts,
                    env_names: Vec::new(),
                    oidc: false,
                });
            }
        }
        _ => {}
    }
    out
}

/// Keys of `environment:` maps whose value is `{from_secret: …}`.
fn from_secret_env(n: &Node, out: &mut Vec<String>) {
    for (k, v) in n.entries() {
        if k.value == "environment" {
            for (ek, ev) in v.entries() {
                if ev.get("from_secret").is_some() {
                    out.push(ek.value.clone());
                }
            }
        }
        from_secret_env(v, out);
    }
    for i in n.items() {
        from_secret_env(i, out);
    }
}

fn risk(
    p: &Pipeline,
    rule_id: &'static str,
    owasp: &'static str,
    at: Pos,
    job: Option<&str>,
) -> Risk {
    Risk {
        rule_id,
        severity: Severity::Warning,
        owasp,
        path: p.path.clone(),
        line: at.line,
        column: at.column,
        job: job.map(str::to_string),
        subject: String::new(),
        message: String::new(),
        fix: String::new(),
        secrets: Vec::new(),
    }
}

fn long_lived_fix(system: CiSystem) -> &'static str {
    match system {
        CiSystem::Gitlab => "request an OIDC token with `id_tokens:` and exchange it for short-lived credentials (AWS `assume-role-with-web-identity`, GCP workload identity federation, Azure federated credentials); then delete the static key",
        CiSystem::Circleci => "use `$CIRCLE_OIDC_TOKEN`: `aws-cli/setup` with `role_arn`, `gcp-cli/setup` with `use_oidc: true`; then delete the static key from the project or context",
        CiSystem::Bitbucket => "set `oidc: true` on the step and assume a role with `$BITBUCKET_STEP_OIDC_TOKEN` (AWS `AWS_OIDC_ROLE_ARN`, GCP workload identity federation); then delete the static key",
        _ => "use an Azure Resource Manager service connection with workload identity federation (`AzureCLI@2` / `AzurePowerShell@5` with `azureSubscription:`); then delete the client secret",
    }
}

/// The risks of one pipeline of a system other than GitHub Actions.
pub fn check(p: &Pipeline, docs: &[Node], system: CiSystem, text: &str) -> Vec<Risk> {
    let mut out = Vec::new();
    if system == CiSystem::Jenkins {
        jenkins(p, text, &mut out);
        return dedup(out);
    }
    let units = units(p, docs, system);
    let lines: Vec<&str> = text.lines().collect();
    for u in &units {
        long_lived(p, system, u, &lines, &mut out);
        for r in &u.secrets {
            if !u.scripts.iter().any(|s| within(at(r), *s)) {
                continue;
            }
            let Some(line) = lines.get(r.line - 1) else {
                continue;
            };
            // The usage map takes every variable the file does not define for a secret;
            // only secret-named ones are worth a warning here (`$DEPLOY_USER` is not).
            if !secret_key(&r.name) {
                continue;
            }
            if let Some((message, fix)) = exposure(system, strip_comment(line), r) {
                let mut x = risk(p, SECRET_IN_COMMAND, "NHI2", at(r), Some(&u.job));
                x.subject = r.name.clone();
                x.secrets = vec![r.name.clone()];
                x.message = message;
                x.fix = fix.into();
                out.push(x);
            }
        }
        for r in named_reads(&lines, &u.scripts, &u.env_names) {
            let code = strip_comment(lines[r.line - 1]);
            if let Some((message, fix)) = exposure(system, code, &r) {
                let mut x = risk(p, SECRET_IN_COMMAND, "NHI2", at(&r), Some(&u.job));
                x.subject = r.name.clone();
                x.secrets = vec![r.name.clone()];
                x.message = message;
                x.fix = fix.into();
                out.push(x);
            }
        }
    }
    match system {
        CiSystem::Gitlab => gitlab_includes(p, docs, &mut out),
        CiSystem::Circleci => circleci_orbs(p, docs, &units, &mut out),
        CiSystem::Bitbucket => bitbucket_pipes(p, &units, &mut out),
        _ => {}
    }
    dedup(out)
}

/// The same place, rule and subject reached through several jobs (a template and the jobs
/// that merge it) is one risk, named after the first job.
fn dedup(mut out: Vec<Risk>) -> Vec<Risk> {
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert((r.rule_id, r.line, r.column, r.subject.clone())));
    out
}

fn long_lived(p: &Pipeline, system: CiSystem, u: &Unit, lines: &[&str], out: &mut Vec<Risk>) {
    if u.oidc {
        return;
    }
    let mut found: Option<(Pos, String)> = u
        .secrets
        .iter()
        .find(|r| CLOUD_KEYS.iter().any(|k| r.name.ends_with(k)))
        .map(|r| (at(r), r.name.clone()));
    if system == CiSystem::Circleci && found.is_none() {
        for s in u.node.get("steps").map(Node::items).unwrap_or(&[]) {
            let key = match s {
                Node::Scalar(sc) => Some(sc),
                _ => s.entries().first().map(|e| &e.0),
            };
            if let Some(k) = key.filter(|k| CIRCLECI_LOGINS.iter().any(|(c, _)| k.value == *c)) {
                found = Some((k.pos, k.value.clone()));
                break;
            }
        }
    }
    if system == CiSystem::Azure && found.is_none() {
        for (start, end) in &u.scripts {
            for ln in start.line..=end.line {
                if let Some(l) = lines.get(ln - 1) {
                    if let Some(m) = AZ_SP_LOGIN.find(strip_comment(l)) {
                        let pos = Pos::new(ln, char_column(l, m.start()));
                        if within(pos, (*start, *end)) && found.is_none() {
                            found = Some((pos, "az login --service-principal".into()));
                        }
                    }
                }
            }
        }
    }
    if !matches!(
        system,
        CiSystem::Gitlab | CiSystem::Circleci | CiSystem::Bitbucket | CiSystem::Azure
    ) {
        return;
    }
    let Some((pos, subject)) = found else { return };
    let mut x = risk(p, LONG_LIVED_KEY, "NHI7", pos, Some(&u.job));
    if u.secrets.iter().any(|r| r.name == subject) {
        x.secrets = vec![subject.clone()];
    }
    x.message = format!("`{subject}` is a long-lived cloud key used by `{}` although the CI system supports OIDC workload identity (NHI7, NHI4)", u.job);
    x.subject = subject;
    x.fix = long_lived_fix(system).into();
    out.push(x);
}

/// `$NAME` / `${NAME}` of `names` inside the script ranges.
fn named_reads(lines: &[&str], scripts: &[(Pos, Pos)], names: &[String]) -> Vec<SecretRef> {
    let mut out = Vec::new();
    for &(start, end) in scripts {
        for ln in start.line..=end.line {
            let Some(line) = lines.get(ln - 1) else {
                continue;
            };
            let code = strip_comment(line);
            for n in names {
                for pat in [format!("${{{n}}}"), format!("${n}")] {
                    let Some(b) = code.find(&pat) else { continue };
                    let after = code[b + pat.len()..].chars().next();
                    if !pat.ends_with('}') && after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        continue;
                    }
                    let pos = Pos::new(ln, char_column(line, b));
                    if within(pos, (start, end)) {
                        out.push(SecretRef {
                            name: n.clone(),
                            line: ln,
                            column: pos.column,
                        });
                    }
                    break;
                }
            }
        }
    }
    out
}

/// How a secret on a script line is exposed, if it is: printed or written, interpolated into
/// the script before it runs, or expanded onto a command line. A plain assignment or export
/// (`export X=$SECRET`) hands it on without exposing it.
fn exposure(system: CiSystem, code: &str, r: &SecretRef) -> Option<(String, &'static str)> {
    let name = &r.name;
    if system == CiSystem::Buildkite && !code.contains(&format!("$${name}")) {
        return Some((
            format!("secret {name} is interpolated into the step when the pipeline is uploaded, so its value is stored in the pipeline shown in Buildkite"),
            "escape it as `$$NAME` so the agent's shell expands it at run time, and never echo it or write it to files",
        ));
    }
    let interpolated = system == CiSystem::Azure && code.contains(&format!("$({name})"));
    if interpolated {
        return Some((
            format!("secret {name} is interpolated into a script as `$({name})`, so it is part of the script text and of any command line it reaches"),
            "map it into the step with `env:` and read it from the environment; never echo it or write it to files",
        ));
    }
    let trimmed = code.trim_start().trim_start_matches("- ").trim_start();
    let assignment = trimmed.starts_with("export ") || ASSIGNMENT.is_match(trimmed.trim_end());
    if assignment {
        return None;
    }
    if piped_to_stdin(code) {
        return None;
    }
    if writes(code) {
        return Some((
            format!("`{name}` holds a secret and is echoed or written to a file in a script"),
            "do not print or write secrets; pass them to the tool that needs them through its environment",
        ));
    }
    Some((
        format!("secret {name} is expanded onto a command line in a script, where it can reach logs, the process list and shell history"),
        "let the tool read it from its environment variable (or stdin, e.g. `--password-stdin`) instead of passing it as an argument",
    ))
}

fn redirects(code: &str) -> bool {
    code.match_indices('>')
        .any(|(i, _)| !code[i..].starts_with(">&") && !code[..i].ends_with('2'))
        || code.contains("tee ")
}

fn prints(code: &str) -> bool {
    code.contains("echo ") || code.contains("printf ")
}

/// `echo "$TOKEN" | docker login --password-stdin`: printed into a pipe, to the next
/// command's stdin, is the safe way to hand a secret over, not a leak.
fn piped_to_stdin(code: &str) -> bool {
    prints(code) && code.contains('|') && !redirects(code)
}

/// A line that echoes, prints or redirects to a file.
fn writes(code: &str) -> bool {
    redirects(code) || prints(code)
}

fn pinned_sha(r: &str) -> bool {
    SHA.is_match(r)
}

/// `include: project:` without a commit SHA `ref:`, `include: remote:` without `integrity:`,
/// and CI/CD components not pinned to a SHA, in a pipeline whose jobs read secrets.
fn gitlab_includes(p: &Pipeline, docs: &[Node], out: &mut Vec<Risk>) {
    if !p.jobs.iter().any(|j| !refs_of(j).is_empty()) {
        return;
    }
    for d in docs {
        let Some(inc) = d.get("include") else {
            continue;
        };
        let items: Vec<&Node> = match inc {
            Node::Seq { items, .. } => items.iter().collect(),
            n => vec![n],
        };
        for i in items {
            let (subject, pos, what) = match i {
                Node::Scalar(s)
                    if s.value.starts_with("http://") || s.value.starts_with("https://") =>
                {
                    (s.value.clone(), s.pos, "a remote file")
                }
                Node::Scalar(_) => continue,
                n => {
                    if let Some(pr) = n.get("project").and_then(Node::str) {
                        if n.get("ref").and_then(Node::str).is_some_and(pinned_sha) {
                            continue;
                        }
                        (
                            pr.to_string(),
                            n.get("project").map_or(n.start(), Node::start),
                            "another project's file",
                        )
                    } else if let Some(r) = n.get("remote").and_then(Node::str) {
                        if n.get("integrity").is_some() {
                            continue;
                        }
                        (
                            r.to_string(),
                            n.get("remote").map_or(n.start(), Node::start),
                            "a remote file",
                        )
                    } else if let Some(c) = n.get("component").and_then(Node::str) {
                        if c.rsplit_once('@').is_some_and(|(_, v)| pinned_sha(v)) {
                            continue;
                        }
                        (
                            c.to_string(),
                            n.get("component").map_or(n.start(), Node::start),
                            "a CI/CD component",
                        )
                    } else {
                        continue;
                    }
                }
            };
            let mut x = risk(p, UNPINNED, "NHI3", pos, None);
            x.message = format!("the pipeline includes {what} (`{subject}`) not pinned to a commit SHA, and its jobs read secrets");
            x.subject = subject;
            x.fix = "pin `include: project:` with `ref:` set to a full commit SHA (remote files with `integrity:`, components with `@<SHA>`) and review updates".into();
            out.push(x);
        }
    }
}

/// Orbs not pinned to an exact `x.y.z` version, used by a job that reads secrets.
fn circleci_orbs(p: &Pipeline, docs: &[Node], units: &[Unit], out: &mut Vec<Risk>) {
    for d in docs {
        for (alias, v) in d.get("orbs").map(Node::entries).unwrap_or(&[]) {
            let Node::Scalar(s) = v else { continue };
            let version = s.value.rsplit_once('@').map_or("", |(_, v)| v);
            if EXACT_VERSION.is_match(version) {
                continue;
            }
            let prefix = format!("{}/", alias.value);
            let user = units.iter().find(|u| {
                let mut keys = Vec::new();
                u.node.scalars(&mut keys);
                !u.secrets.is_empty() && keys.iter().any(|k| k.value.starts_with(&prefix))
            });
            // Orb jobs run straight from a workflow with a context.
            let workflow_user = d
                .get("workflows")
                .map(Node::entries)
                .unwrap_or(&[])
                .iter()
                .flat_map(|(_, wf)| wf.get("jobs").map(Node::items).unwrap_or(&[]))
                .flat_map(Node::entries)
                .find(|(k, cfg)| k.value.starts_with(&prefix) && cfg.get("context").is_some())
                .map(|(k, _)| k.value.clone());
            let Some(job) = user.map(|u| u.job.clone()).or(workflow_user) else {
                continue;
            };
            let mut x = risk(p, UNPINNED, "NHI3", s.pos, Some(&job));
            x.message = format!("orb `{}` is not pinned to an exact version, and job `{job}` that uses it reads secrets", s.value);
            x.subject = s.value.clone();
            x.fix = "pin the orb to an exact `x.y.z` version (not `@volatile` or a major version) and review its updates".into();
            out.push(x);
        }
    }
}

/// `pipe:` references not pinned to an exact version or digest, whose variables read secrets.
fn bitbucket_pipes(p: &Pipeline, units: &[Unit], out: &mut Vec<Risk>) {
    for u in units {
        for item in u.node.get("script").map(Node::items).unwrap_or(&[]) {
            let Some(Node::Scalar(pipe)) = item.get("pipe") else {
                continue;
            };
            let tag = pipe.value.rsplit_once(':').map_or("", |(_, t)| t);
            if EXACT_VERSION.is_match(tag) || pipe.value.contains("@sha256:") {
                continue;
            }
            let names: Vec<&str> = u
                .secrets
                .iter()
                .filter(|r| within(at(r), node_range(item)))
                .map(|r| r.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let mut x = risk(p, UNPINNED, "NHI3", pipe.pos, Some(&u.job));
            x.secrets = names.iter().map(|n| n.to_string()).collect();
            x.message = format!(
                "secrets {} are passed to pipe `{}`, which is not pinned to an exact version",
                names.join(", "),
                pipe.value
            );
            x.subject = pipe.value.clone();
            x.fix = "pin the pipe to an exact `x.y.z` version (or an image digest) and review its updates".into();
            out.push(x);
        }
    }
}

static JENKINS_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:\b(?:variable|usernameVariable|passwordVariable|keyFileVariable|passphraseVariable|tokenVariable)\s*:\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"])|(?:^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*credentials\()"#)
        .expect("valid regex")
});
static JENKINS_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:credentials\(\s*|credentialsId\s*:\s*)['"]([^'"]+)['"]"#).expect("valid regex")
});
static JENKINS_SH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?:sh|bat|powershell|pwsh)\s*\(?\s*(?:script\s*:\s*)?('''|"""|'|")"#)
        .expect("valid regex")
});

/// Jenkinsfile `sh`/`bat` steps using a variable bound by `credentials()` or
/// `withCredentials`: Groovy string interpolation (`sh "… $TOKEN"`) puts the secret into the
/// script text; a shell-expanded one is a risk when echoed, written or passed as an argument.
fn jenkins(p: &Pipeline, text: &str, out: &mut Vec<Risk>) {
    let mut vars: Vec<String> = Vec::new();
    // Variable -> the credential id bound to it (what the usage map and `ci_secrets` name).
    let mut ids: std::collections::HashMap<String, String> = Default::default();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or(line);
        let id = JENKINS_ID.captures(code).map(|c| c[1].to_string());
        for c in JENKINS_BOUND.captures_iter(code) {
            let mut bound = Vec::new();
            if let Some(m) = c.get(1) {
                bound.push(m.as_str().to_string());
            }
            if let Some(m) = c.get(2) {
                // `credentials()` of a username/password also defines NAME_USR and NAME_PSW.
                for suffix in ["", "_USR", "_PSW"] {
                    bound.push(format!("{}{suffix}", m.as_str()));
                }
            }
            for v in bound {
                if let Some(id) = &id {
                    ids.insert(v.clone(), id.clone());
                }
                vars.push(v);
            }
        }
    }
    if vars.is_empty() {
        return;
    }
    vars.sort();
    vars.dedup();
    // Longer names first, so `$TOKEN_PSW` is not taken for `$TOKEN`.
    vars.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut open: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let (body, quote): (&str, &str) = match open {
            Some(q) => {
                if line.contains(q) {
                    open = None;
                }
                (line, q)
            }
            None => match JENKINS_SH.captures(line) {
                Some(c) => {
                    let q = c.get(1).expect("quote");
                    let rest = &line[q.end()..];
                    let q = q.as_str();
                    if q.len() == 3 && !rest.contains(q) {
                        open = Some(if q == "'''" { "'''" } else { "\"\"\"" });
                    }
                    (rest, q)
                }
                None => continue,
            },
        };
        let offset = line.len() - body.len();
        let groovy = quote.starts_with('"');
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for v in &vars {
            for pat in [format!("${{{v}}}"), format!("${v}")] {
                let Some(b) = body.find(&pat) else { continue };
                let after = body[b + pat.len()..].chars().next();
                if !pat.ends_with('}') && after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                if taken.iter().any(|(s, e)| b >= *s && b < *e) {
                    break;
                }
                taken.push((b, b + pat.len()));
                let pos = Pos::new(i + 1, char_column(line, offset + b));
                let (message, fix) = if groovy {
                    (
                        format!("credential variable {v} is interpolated by Groovy into a `sh` script (double quotes), so the secret is part of the script text"),
                        "use single quotes (`sh 'curl -H \"Authorization: $TOKEN\" …'`) so the shell, not Groovy, expands it; never echo it or write it to files",
                    )
                } else {
                    let r = SecretRef {
                        name: v.clone(),
                        line: pos.line,
                        column: pos.column,
                    };
                    match exposure(CiSystem::Jenkins, body, &r) {
                        Some((m, f)) => (m, f),
                        None => break,
                    }
                };
                let mut x = risk(p, SECRET_IN_COMMAND, "NHI2", pos, Some("pipeline"));
                x.subject = v.clone();
                x.secrets = vec![ids.get(v).unwrap_or(v).clone()];
                x.message = message;
                x.fix = fix.into();
                out.push(x);
                break;
            }
        }
    }
}
