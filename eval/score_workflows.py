#!/usr/bin/env python3
"""Score nhiscan and zizmor on the labelled workflows of eval/workflows/repo in the same run.

Each file's first line is `# label: +cat -cat ...`: `+cat` must be reported in that file,
`-cat` must not. Prints, per category, recall (labelled `+` files where the tool reports the
category) and false positives (labelled `-` files where it does) for both tools, and the
median wall time of --runs runs of each.

usage: eval/score_workflows.py [--nhiscan BIN] [--zizmor BIN] [--runs N] [--show-misses]
zizmor is installed by bench/zizmor.sh (zizmor==1.32.0 from PyPI, run with --offline)."""

import argparse
import collections
import json
import os
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPO = os.path.join(HERE, "workflows", "repo")

NHISCAN = {
    "pipeline-unpinned-action-with-secrets": ["unpinned-with-secrets"],
    "pipeline-broad-permissions-with-secrets": ["broad-permissions"],
    "pipeline-untrusted-checkout-with-secrets": ["untrusted-checkout"],
    "pipeline-secret-in-command": ["secret-in-command"],
    "pipeline-unpinned-reusable-workflow": ["unpinned-reusable"],
    "pipeline-secrets-inherit": ["secrets-inherit"],
    "pipeline-long-lived-registry-token": ["registry-token"],
    "pipeline-long-lived-cloud-key": ["long-lived-cloud"],
    "pipeline-template-injection-with-secrets": ["template-injection"],
    "pipeline-persisted-checkout-credentials": ["persisted-checkout"],
    "pipeline-app-token-without-permissions": ["app-token"],
    "pipeline-secret-to-github-env": ["github-env"],
}
# zizmor audit ids -> categories. zizmor's audits are broader than the secret-centred checks
# (unpinned-uses fires on any unpinned action, with or without secrets; dangerous-triggers on
# the trigger itself): BENCHMARKS.md reads those differences.
ZIZMOR = {
    "unpinned-uses": ["unpinned-with-secrets", "unpinned-reusable"],
    "excessive-permissions": ["broad-permissions"],
    "dangerous-triggers": ["untrusted-checkout"],
    "secrets-inherit": ["secrets-inherit"],
    "use-trusted-publishing": ["registry-token"],
    "template-injection": ["template-injection"],
    "artipacked": ["persisted-checkout"],
    "github-app": ["app-token"],
    "github-env": ["github-env"],
    "hardcoded-container-credentials": ["hardcoded"],
}
ZIZMOR_CATS = sorted({c for v in ZIZMOR.values() for c in v})


def labels():
    out = {}
    for d, _, fs in os.walk(REPO):
        for f in fs:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, REPO)
            first = open(p).readline()
            if not first.startswith("# label:"):
                continue
            want = collections.defaultdict(set)
            for t in first.split(":", 1)[1].split():
                want[t[0]].add(t[1:])
            out[rel] = want
    return out


def timed(cmd, runs):
    times, last = [], None
    for _ in range(runs):
        t = time.perf_counter()
        last = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
    return last, statistics.median(times)


def nhiscan(bin_, runs):
    r, t = timed([bin_, "scan", ".", "-f", "json", "--no-ignore"], runs)
    got = collections.defaultdict(set)
    for f in json.loads(r.stdout)["findings"]:
        cats = NHISCAN.get(f["rule_id"], ["hardcoded"])
        for loc in f["locations"]:
            got[os.path.normpath(loc["path"])].update(cats)
    return got, t


def zizmor(bin_, runs):
    r, t = timed([bin_, "--offline", "--format", "json", "."], runs)
    got = collections.defaultdict(set)
    for f in json.loads(r.stdout or "[]"):
        cats = ZIZMOR.get(f["ident"], [])
        for loc in f["locations"]:
            p = loc["symbolic"]["key"]["Local"]["verbatim_path"]
            got[os.path.normpath(p)].update(cats)
    return got, t


def main():
    ap = argparse.ArgumentParser()
    rel = os.path.join(ROOT, "target-rel", "release", "nhiscan")
    ap.add_argument("--nhiscan", default=rel if os.path.exists(rel) else os.path.join(ROOT, "target", "debug", "nhiscan"))
    ap.add_argument("--zizmor", default=os.path.join(ROOT, "target", "zizmor-venv", "bin", "zizmor"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--show-misses", action="store_true")
    a = ap.parse_args()
    want = labels()
    tools = {"nhiscan": nhiscan(a.nhiscan, a.runs), "zizmor": zizmor(a.zizmor, a.runs)}
    cats = sorted({c for w in want.values() for s in w.values() for c in s})
    print(f"{len(want)} labelled files")
    print(f"{'category':22} {'+':>3} {'-':>3} | {'nhiscan recall':>14} {'FP':>3} | {'zizmor recall':>13} {'FP':>3}")
    for c in cats:
        pos = [p for p, w in want.items() if c in w["+"]]
        neg = [p for p, w in want.items() if c in w["-"]]
        row = f"{c:22} {len(pos):>3} {len(neg):>3}"
        for name, (got, _) in tools.items():
            covers = name == "nhiscan" or c in ZIZMOR_CATS
            if not covers:
                row += f" | {'(no audit)':>14} {'':>3}" if name == "nhiscan" else f" | {'(no audit)':>13} {'':>3}"
                continue
            hit = [p for p in pos if c in got.get(p, set())]
            fp = [p for p in neg if c in got.get(p, set())]
            w = 14 if name == "nhiscan" else 13
            row += f" | {f'{len(hit)}/{len(pos)}':>{w}} {len(fp):>3}"
            if a.show_misses:
                for p in sorted(set(pos) - set(hit)):
                    print(f"  {name} misses {c}: {p}")
                for p in fp:
                    print(f"  {name} false positive {c}: {p}")
        print(row)
    for name, (_, t) in tools.items():
        print(f"{name}: median {t * 1000:.0f} ms over {a.runs} runs")


if __name__ == "__main__":
    main()
