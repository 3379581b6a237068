//! Runs a composite `action.yml` the way the GitHub Actions runner does: inputs (defaults
//! evaluated, `with:` values over them), then each step in order — `if:` with the status
//! functions, `${{ }}` in `env:`, `with:` and `run:`, `shell: bash` as `bash --noprofile
//! --norc -eo pipefail {0}` on a script file, the file commands `GITHUB_OUTPUT`, `GITHUB_ENV`
//! (both with the `name<<EOF` heredoc form), `GITHUB_PATH` and `GITHUB_STEP_SUMMARY` (one fresh
//! file per step), `::add-mask::` from step output, `continue-on-error` — and finally the
//! action's `outputs:`. A `uses:` step is a stand-in: recorded with its evaluated inputs, not
//! run (it has no outputs, as a cache miss would have). Any construct the runner would treat
//! differently from this (another shell, an unknown input, an expression outside the subset
//! of [`expr`]) fails the test.

pub mod expr;
pub mod githttp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Map, Value};

use expr::{Ctx, Status};

/// What the runner knows of the job around the action.
pub struct Job {
    pub workspace: PathBuf,
    /// RUNNER_TEMP, RUNNER_TOOL_CACHE and a HOME of its own live under here.
    pub runner_dir: PathBuf,
    pub event_name: String,
    pub event: Value,
    /// `github.*` besides `event_name`/`event`: sha, ref, repository, token, api_url, …
    pub github: Map<String, Value>,
    /// Directories put in front of PATH (the test build of nhiscan).
    pub path: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct StepRecord {
    pub id: String,
    pub name: String,
    pub uses: Option<String>,
    pub with: BTreeMap<String, String>,
    /// `success`, `failure` or `skipped`; a `uses:` stand-in that ran is `stand-in`.
    pub outcome: String,
    pub conclusion: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub summary_bytes: usize,
}

pub struct ActionRun {
    pub steps: Vec<StepRecord>,
    pub outputs: BTreeMap<String, String>,
    /// Every step's `GITHUB_STEP_SUMMARY`, in order.
    pub summary: String,
    pub failed: bool,
    /// Values the runner masks in the log (the token, `::add-mask::`).
    pub masks: Vec<String>,
}

impl ActionRun {
    pub fn step(&self, id: &str) -> &StepRecord {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no step {id}"))
    }

    /// The job log as the runner shows it: every step's output, masked.
    pub fn log(&self) -> String {
        let mut log = String::new();
        for s in &self.steps {
            log.push_str(&format!(
                "##[group]{} ({})\n{}{}##[endgroup]\n",
                s.name, s.outcome, s.stdout, s.stderr
            ));
        }
        for m in &self.masks {
            if !m.is_empty() {
                log = log.replace(m.as_str(), "***");
            }
        }
        log
    }
}

fn yaml_to_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let y: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::to_value(y).unwrap()
}

/// `name=value` and `name<<DELIM … DELIM` lines of a file command.
pub fn file_commands(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            loop {
                let l = lines
                    .next()
                    .unwrap_or_else(|| panic!("file command {name}: no closing {delim}"));
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_string(), value.join("\n")));
        } else {
            let (name, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("malformed file command line {line:?}"));
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

fn str_map(v: &Value, ctx: &Ctx) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(m) = v.as_object() {
        for (k, v) in m {
            let raw = match v {
                Value::String(s) => s.clone(),
                other => expr::to_string(other),
            };
            out.insert(k.clone(), expr::interpolate(&raw, ctx).unwrap());
        }
    }
    out
}

/// Run the composite action in `action_dir` for `job` with the `with:` inputs.
pub fn run_action(action_dir: &Path, job: &Job, with: &[(&str, &str)]) -> ActionRun {
    let action = yaml_to_json(&action_dir.join("action.yml"));
    assert_eq!(
        action["runs"]["using"], "composite",
        "not a composite action"
    );
    let temp = job.runner_dir.join("temp");
    let tool_cache = job.runner_dir.join("tool_cache");
    let home = job.runner_dir.join("home");
    let files = job.runner_dir.join("file_commands");
    for d in [&temp, &tool_cache, &home, &files] {
        std::fs::create_dir_all(d).unwrap();
    }
    let event_path = job.runner_dir.join("event.json");
    std::fs::write(&event_path, job.event.to_string()).unwrap();

    let mut github = job.github.clone();
    github.insert("event_name".into(), json!(job.event_name));
    github.insert("event".into(), job.event.clone());
    github.insert("event_path".into(), json!(event_path));
    github.insert("workspace".into(), json!(job.workspace));
    github.insert("action_path".into(), json!(action_dir));
    github.insert("action_repository".into(), json!(""));
    let runner = json!({"os": "Linux", "arch": "X64", "name": "nhiscan-harness",
        "temp": temp, "tool_cache": tool_cache});
    let mut data =
        json!({"inputs": {}, "github": github, "runner": runner, "steps": {}, "env": {}});

    // Inputs: `with:` values, else the evaluated defaults.
    let declared = action["inputs"].as_object().cloned().unwrap_or_default();
    for (k, _) in with {
        assert!(declared.contains_key(*k), "unknown input {k}");
    }
    let mut inputs = Map::new();
    for (name, spec) in &declared {
        let v = match with.iter().find(|(k, _)| k == name) {
            Some((_, v)) => v.to_string(),
            None => {
                let ctx = Ctx {
                    data: &data,
                    status: Status::Success,
                };
                let raw = spec["default"].as_str().unwrap_or_default().to_string();
                expr::interpolate(&raw, &ctx).unwrap()
            }
        };
        inputs.insert(name.clone(), json!(v));
    }
    data["inputs"] = Value::Object(inputs);

    let mut status = Status::Success;
    let mut masks = vec![job.github["token"].as_str().unwrap_or_default().to_string()];
    let mut job_env: BTreeMap<String, String> = BTreeMap::new();
    let mut extra_path: Vec<String> = Vec::new();
    let mut records = Vec::new();
    let mut summary = String::new();
    let steps = action["runs"]["steps"].as_array().expect("steps").clone();
    for (n, step) in steps.iter().enumerate() {
        let id = step["id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("__step{n}"));
        let name = step["name"].as_str().unwrap_or(&id).to_string();
        data["env"] = json!(job_env);
        let ctx = Ctx {
            data: &data,
            status,
        };
        let run = expr::condition(step["if"].as_str(), &ctx)
            .unwrap_or_else(|e| panic!("step {name}: if: {e}"));
        let with = str_map(&step["with"], &ctx);
        let mut rec = StepRecord {
            id: id.clone(),
            name: name.clone(),
            uses: step["uses"].as_str().map(str::to_string),
            with,
            outcome: "skipped".into(),
            conclusion: "skipped".into(),
            code: None,
            stdout: String::new(),
            stderr: String::new(),
            summary_bytes: 0,
        };
        let mut outputs = Map::new();
        if run && rec.uses.is_some() {
            rec.outcome = "stand-in".into();
            rec.conclusion = "success".into();
        } else if run {
            let shell = step["shell"].as_str().unwrap_or_default();
            assert_eq!(shell, "bash", "step {name}: only `shell: bash` is modelled");
            // A YAML scalar such as `run: false` is the script text `false`.
            let text = match &step["run"] {
                Value::Null => panic!("step {name}: neither run nor uses"),
                v => v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| expr::to_string(v)),
            };
            let script =
                expr::interpolate(&text, &ctx).unwrap_or_else(|e| panic!("step {name}: run: {e}"));
            let script_path = temp.join(format!("step{n}.sh"));
            std::fs::write(&script_path, script).unwrap();
            let cmd_file = |kind: &str| {
                let p = files.join(format!("{kind}_{n}"));
                std::fs::write(&p, "").unwrap();
                p
            };
            let (out_f, env_f, path_f, sum_f) = (
                cmd_file("set_output"),
                cmd_file("set_env"),
                cmd_file("add_path"),
                cmd_file("step_summary"),
            );
            let mut path: Vec<String> = extra_path.iter().rev().cloned().collect();
            path.extend(job.path.iter().map(|p| p.display().to_string()));
            path.push(std::env::var("PATH").unwrap_or_default());
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_path)
                .current_dir(&job.workspace)
                .env_clear()
                .env("PATH", path.join(":"))
                .env("HOME", &home)
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_TERMINAL_PROMPT", "0")
                .env("NO_COLOR", "1")
                .env("GITHUB_EVENT_NAME", &job.event_name)
                .env("GITHUB_EVENT_PATH", &event_path)
                .env("GITHUB_WORKSPACE", &job.workspace)
                .env("GITHUB_ACTION_PATH", action_dir)
                .env("GITHUB_OUTPUT", &out_f)
                .env("GITHUB_ENV", &env_f)
                .env("GITHUB_PATH", &path_f)
                .env("GITHUB_STEP_SUMMARY", &sum_f)
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .env("RUNNER_TEMP", &temp)
                .env("RUNNER_TOOL_CACHE", &tool_cache);
            for (k, v) in &job.github {
                let var = match k.as_str() {
                    "sha" => "GITHUB_SHA",
                    "ref" => "GITHUB_REF",
                    "repository" => "GITHUB_REPOSITORY",
                    "api_url" => "GITHUB_API_URL",
                    "server_url" => "GITHUB_SERVER_URL",
                    _ => continue,
                };
                cmd.env(var, expr::to_string(v));
            }
            cmd.envs(&job_env);
            cmd.envs(str_map(&step["env"], &ctx));
            let out = cmd.output().expect("run bash");
            rec.code = out.status.code();
            rec.stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            rec.stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            for l in rec.stdout.lines() {
                if let Some(m) = l.strip_prefix("::add-mask::") {
                    masks.push(m.to_string());
                }
            }
            let read = |p: &Path| std::fs::read_to_string(p).unwrap();
            for (k, v) in file_commands(&read(&out_f)) {
                outputs.insert(k, json!(v));
            }
            for (k, v) in file_commands(&read(&env_f)) {
                job_env.insert(k, v);
            }
            extra_path.extend(read(&path_f).lines().map(str::to_string));
            let s = read(&sum_f);
            rec.summary_bytes = s.len();
            summary.push_str(&s);
            let ok = out.status.success();
            let continue_on_error = match &step["continue-on-error"] {
                Value::Bool(b) => *b,
                Value::String(s) => expr::truthy(&expr::eval(s, &ctx).unwrap()),
                _ => false,
            };
            rec.outcome = if ok { "success" } else { "failure" }.into();
            rec.conclusion = if ok || continue_on_error {
                "success"
            } else {
                "failure"
            }
            .into();
            if !ok && !continue_on_error {
                status = Status::Failure;
            }
        }
        data["steps"][id.as_str()] = json!({
            "outputs": outputs, "outcome": rec.outcome.replace("stand-in", "success"),
            "conclusion": rec.conclusion,
        });
        records.push(rec);
    }

    data["env"] = json!(job_env);
    let ctx = Ctx {
        data: &data,
        status,
    };
    let mut outputs = BTreeMap::new();
    if let Some(m) = action["outputs"].as_object() {
        for (k, v) in m {
            let raw = v["value"].as_str().unwrap_or_default();
            outputs.insert(k.clone(), expr::interpolate(raw, &ctx).unwrap());
        }
    }
    ActionRun {
        steps: records,
        outputs,
        summary,
        failed: status == Status::Failure,
        masks,
    }
}

/// The runner model itself, on a small composite action: the status functions,
/// `continue-on-error`, the file commands (heredoc form too), `GITHUB_PATH`, masking, and
/// the action's outputs — each a behaviour `action.yml` relies on.
#[test]
fn the_runner_model_follows_githubs_rules() {
    let dir = tempfile::tempdir().unwrap();
    let action = dir.path().join("action");
    std::fs::create_dir_all(action.join("bin")).unwrap();
    std::fs::write(
        action.join("bin/hello"),
        "#!/bin/sh\necho hello from path\n",
    )
    .unwrap();
    let st = Command::new("chmod")
        .arg("+x")
        .arg(action.join("bin/hello"))
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(
        action.join("action.yml"),
        r##"name: t
description: t
inputs:
  who: {description: w, default: "${{ github.repository }}"}
outputs:
  greeting: {description: g, value: "${{ steps.one.outputs.greeting }}"}
  multi: {description: m, value: "${{ steps.one.outputs.multi }}"}
runs:
  using: composite
  steps:
    - id: one
      shell: bash
      run: |
        echo "greeting=hi ${{ inputs.who }}" >> "$GITHUB_OUTPUT"
        printf 'multi<<EOF\nline 1\nline 2\nEOF\n' >> "$GITHUB_OUTPUT"
        echo "FROM_ENV=set" >> "$GITHUB_ENV"
        echo "$GITHUB_ACTION_PATH/bin" >> "$GITHUB_PATH"
        echo "::add-mask::hush-hush"
        echo "the value is hush-hush"
        echo "# summary" >> "$GITHUB_STEP_SUMMARY"
    - id: soft
      shell: bash
      continue-on-error: true
      run: echo "$FROM_ENV"; hello; exit 3
    - id: after-soft
      shell: bash
      run: echo "soft was ${{ steps.soft.outcome }}/${{ steps.soft.conclusion }}"
    - id: hard
      shell: bash
      run: false
    - id: skipped
      shell: bash
      run: echo never
    - id: on-failure
      if: failure()
      shell: bash
      run: echo "pipefail is on"; false | true
    - id: stand-in
      if: ${{ always() }}
      uses: actions/cache/save@v4
      with: {key: "k-${{ runner.os }}"}
"##,
    )
    .unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let job = Job {
        workspace: ws,
        runner_dir: dir.path().join("runner"),
        event_name: "push".into(),
        event: json!({}),
        github: json!({"repository": "acme/app", "token": "t0ken"})
            .as_object()
            .unwrap()
            .clone(),
        path: vec![],
    };
    let r = run_action(&action, &job, &[]);
    assert_eq!(r.outputs["greeting"], "hi acme/app");
    assert_eq!(r.outputs["multi"], "line 1\nline 2");
    assert!(r.log().contains("the value is ***"), "{}", r.log());
    assert!(!r.log().contains("hush-hush"));
    assert_eq!(r.summary, "# summary\n");
    let soft = r.step("soft");
    assert_eq!(
        (soft.outcome.as_str(), soft.conclusion.as_str()),
        ("failure", "success")
    );
    assert!(
        soft.stdout.contains("set\nhello from path"),
        "{}",
        soft.stdout
    );
    assert!(r
        .step("after-soft")
        .stdout
        .contains("soft was failure/success"));
    assert_eq!(r.step("hard").outcome, "failure");
    assert_eq!(r.step("skipped").outcome, "skipped");
    // `false | true` fails under -o pipefail, as on the runner.
    assert_eq!(r.step("on-failure").outcome, "failure");
    assert_eq!(r.step("stand-in").outcome, "stand-in");
    assert_eq!(r.step("stand-in").with["key"], "k-Linux");
    assert!(r.failed);
}
