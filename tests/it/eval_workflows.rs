//! The labelled pipeline evaluation set (`eval/workflows/repo`, issue 16): every `+category`
//! in a file's `# label:` line must be reported by nhiscan in that file and no `-category`
//! may be. zizmor is compared by `eval/score_workflows.py`, never here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::harness::run_in;

fn category(rule_id: &str) -> &'static str {
    match rule_id {
        "pipeline-unpinned-action-with-secrets" => "unpinned-with-secrets",
        "pipeline-broad-permissions-with-secrets" => "broad-permissions",
        "pipeline-untrusted-checkout-with-secrets" => "untrusted-checkout",
        "pipeline-secret-in-command" => "secret-in-command",
        "pipeline-unpinned-reusable-workflow" => "unpinned-reusable",
        "pipeline-secrets-inherit" => "secrets-inherit",
        "pipeline-long-lived-registry-token" => "registry-token",
        "pipeline-long-lived-cloud-key" => "long-lived-cloud",
        "pipeline-template-injection-with-secrets" => "template-injection",
        "pipeline-persisted-checkout-credentials" => "persisted-checkout",
        "pipeline-app-token-without-permissions" => "app-token",
        "pipeline-secret-to-github-env" => "github-env",
        _ => "hardcoded",
    }
}

fn files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, root, out);
        } else {
            out.push(
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

#[test]
fn every_label_of_the_workflow_evaluation_set_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/workflows/repo");
    let mut paths = Vec::new();
    files(&root, &root, &mut paths);
    paths.sort();
    let mut want: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for p in &paths {
        let text = std::fs::read_to_string(root.join(p)).unwrap();
        let Some(labels) = text.lines().next().and_then(|l| l.strip_prefix("# label:")) else {
            continue;
        };
        let e = want.entry(p.clone()).or_default();
        for l in labels.split_whitespace() {
            let (sign, cat) = l.split_at(1);
            if sign == "+" { &mut e.0 } else { &mut e.1 }.insert(cat.to_string());
        }
    }
    assert!(want.len() >= 80, "{} labelled files", want.len());
    let out = run_in(&root, &["scan", ".", "-f", "json", "--no-ignore"]);
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in out.json()["findings"].as_array().unwrap() {
        let cat = category(f["rule_id"].as_str().unwrap());
        for l in f["locations"].as_array().unwrap() {
            got.entry(l["path"].as_str().unwrap().to_string())
                .or_default()
                .insert(cat.to_string());
        }
    }
    let mut wrong = Vec::new();
    for (p, (pos, neg)) in &want {
        let have = got.get(p).cloned().unwrap_or_default();
        wrong.extend(
            pos.difference(&have)
                .map(|c| format!("{p}: +{c} not reported")),
        );
        wrong.extend(
            neg.intersection(&have)
                .map(|c| format!("{p}: -{c} reported")),
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
