#!/usr/bin/env python3
"""Score secret scanners on the labelled corpus (eval/corpus): recall and false positives per
category, from each tool's JSON report.

    python3 eval/score.py --corpus eval/corpus TOOL=REPORT.json [TOOL=REPORT.json ...]
    python3 eval/score.py --corpus eval/corpus --markdown nhiscan=a.json gitleaks=b.json

TOOL is one of nhiscan, gitleaks, betterleaks, kingfisher (it picks the report parser).
A finding counts for a label when it is in the same file and its line range meets the label's
(`line`..`end_line`); each finding counts for at most one label, each label once. A finding on a
look-alike (`expect: none`) is a false positive of that look-alike's category; a finding that
meets no label at all is a false positive of category `unlabelled`. `negative files flagged`:
files with no planted secret in which the tool reported anything.
"""

import argparse
import json
import os
import sys
from collections import defaultdict


def rel(path, corpus_files):
    p = os.path.normpath(path)
    root = os.path.normpath(os.path.abspath(corpus_files))
    if os.path.isabs(p):
        p = os.path.relpath(p, root)
    elif p.startswith(os.path.normpath(corpus_files) + os.sep):
        p = p[len(os.path.normpath(corpus_files)) + 1 :]
    return p.replace(os.sep, "/")


def parse(tool, doc, files):
    """-> list of (path, start_line, end_line, rule)"""
    out = []
    if tool.startswith("nhiscan"):
        for f in doc.get("findings", []):
            for l in f["locations"]:
                out.append((rel(l["path"], files), l["line"], l.get("end_line", l["line"]), f["rule_id"]))
    elif tool == "gitleaks":
        for f in doc or []:
            out.append((rel(f["File"], files), f["StartLine"], f["EndLine"], f["RuleID"]))
    elif tool == "betterleaks":
        for f in doc.get("findings", []) or []:
            loc = f["location"]
            out.append((rel(loc["path"], files), loc["start_line"], loc["end_line"], f["rule_id"]))
    elif tool == "kingfisher":
        for f in doc.get("findings", []) or []:
            fi = f["finding"]
            out.append((rel(fi["path"], files), fi["line"], fi["line"], f["rule"]["id"]))
    else:
        raise SystemExit("unknown tool %r" % tool)
    return out


def load_labels(corpus):
    with open(os.path.join(corpus, "labels.json"), encoding="utf-8") as fh:
        doc = json.load(fh)
    if doc.get("version") != 1:
        raise SystemExit("labels.json: unsupported version")
    return doc


def score(labels, findings):
    by_file = defaultdict(list)
    for i, l in enumerate(labels["labels"]):
        by_file[l["path"]].append(i)
    positive_files = {l["path"] for l in labels["labels"] if l["expect"] == "secret"}
    hit = set()
    fp = defaultdict(int)
    flagged_negative = set()
    # Deterministic: findings in file/line order, labels in file order.
    for path, s, e, rule in sorted(findings):
        if path not in positive_files:
            flagged_negative.add(path)
        cands = [i for i in by_file.get(path, []) if labels["labels"][i]["line"] <= e and s <= labels["labels"][i]["end_line"]]
        pos = [i for i in cands if labels["labels"][i]["expect"] == "secret"]
        free = [i for i in pos if i not in hit]
        if free:
            hit.add(free[0])
        elif pos:
            pass  # a second finding on a label already found: a duplicate, not a false positive
        elif cands:
            fp[labels["labels"][cands[0]]["category"]] += 1
        else:
            fp["unlabelled"] += 1
    per = defaultdict(lambda: {"secrets": 0, "found": 0, "lookalikes": 0, "fp": 0})
    for i, l in enumerate(labels["labels"]):
        c = per[l["category"]]
        if l["expect"] == "secret":
            c["secrets"] += 1
            c["found"] += i in hit
        else:
            c["lookalikes"] += 1
    for cat, n in fp.items():
        per[cat]["fp"] += n
    neg_files = sorted(set(labels["files"]) - positive_files)
    return {
        "per_category": dict(per),
        "secrets": sum(c["secrets"] for c in per.values()),
        "found": sum(c["found"] for c in per.values()),
        "fp": sum(fp.values()),
        "negative_files": len(neg_files),
        "negative_files_flagged": sorted(flagged_negative),
        "missed": sorted(
            (labels["labels"][i]["path"], labels["labels"][i]["line"], labels["labels"][i]["category"])
            for i, l in enumerate(labels["labels"])
            if l["expect"] == "secret" and i not in hit
        ),
    }


def pct(a, b):
    return "%.1f%%" % (100.0 * a / b) if b else "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus"))
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--json", help="also write the scores as JSON to this path")
    ap.add_argument("--details", action="store_true", help="list misses and flagged negative files")
    ap.add_argument("reports", nargs="+", metavar="TOOL=REPORT")
    a = ap.parse_args()
    labels = load_labels(a.corpus)
    files = os.path.join(a.corpus, "files")
    results = {}
    for spec in a.reports:
        tool, _, path = spec.partition("=")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        doc = json.loads(text) if text.strip() else {}
        results[tool] = score(labels, parse(tool, doc, files))
    cats = sorted({c for r in results.values() for c in r["per_category"]})
    tools = list(results)
    sep = " | " if a.markdown else "  "
    head = ["category", "secrets", "look-alikes"] + ["%s recall / FP" % t for t in tools]
    rows = []
    for c in cats:
        any_r = next(iter(results.values()))["per_category"].get(c, {"secrets": 0, "lookalikes": 0})
        row = [c, str(any_r.get("secrets", 0)), str(any_r.get("lookalikes", 0))]
        for t in tools:
            pc = results[t]["per_category"].get(c, {"secrets": 0, "found": 0, "fp": 0})
            row.append("%s / %d" % (pct(pc["found"], pc["secrets"]), pc["fp"]))
        rows.append(row)
    total = ["**all**" if a.markdown else "ALL", str(results[tools[0]]["secrets"]), ""]
    for t in tools:
        r = results[t]
        total.append("%s / %d" % (pct(r["found"], r["secrets"]), r["fp"]))
    rows.append(total)
    flagged = ["negative files flagged", "", ""] + [
        "%d of %d" % (len(results[t]["negative_files_flagged"]), results[t]["negative_files"]) for t in tools
    ]
    rows.append(flagged)
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |")
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        for r in [head] + rows:
            print(sep.join(x.ljust(w) for x, w in zip(r, widths)))
    if a.details:
        for t in tools:
            print("\n%s missed: %s" % (t, ", ".join("%s:%d (%s)" % m for m in results[t]["missed"]) or "none"))
            print("%s flagged negative files: %s" % (t, ", ".join(results[t]["negative_files_flagged"]) or "none"))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
