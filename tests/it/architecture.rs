//! The data flows one way: no import cycle between the top-level modules of `src/`.
//!
//! Every `crate::name` path in non-test code (a `use` line or an inline path, grouped imports
//! included) is an edge from the file's top-level module to `name`. The test fails on any
//! strongly connected component of more than one module and names the lines that close it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (from, to) -> the first `file:line` that makes the edge.
type Edges = BTreeMap<(String, String), String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The non-test part of a source file: everything before its `#[cfg(test)]` module.
fn non_test(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The top-level module names a `crate::` path at `rest` (the text after `crate::`) refers to.
fn targets(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    if !rest.starts_with('{') {
        return vec![ident(rest)];
    }
    let (mut depth, mut out, mut at_item) = (0usize, Vec::new(), false);
    for (i, c) in rest.char_indices() {
        match c {
            '{' => {
                depth += 1;
                at_item = depth == 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => at_item = true,
            c if at_item && (c.is_ascii_alphanumeric() || c == '_') => {
                out.push(ident(&rest[i..]));
                at_item = false;
            }
            _ => {}
        }
    }
    out
}

fn edges(src: &Path) -> (BTreeSet<String>, Edges) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules = BTreeSet::new();
    let mut edges = Edges::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        // A file of tests (`tests.rs`, or under a `tests/` folder) is test code.
        if rel
            .components()
            .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "tests.rs")
        {
            continue;
        }
        modules.insert(module.clone());
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in non_test(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                let before = code[..i].chars().last();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                    continue;
                }
                for to in targets(&text_from(&text, &code[i + 7..], n)) {
                    if !to.is_empty() && to != module {
                        edges
                            .entry((module.clone(), to))
                            .or_insert_with(|| format!("src/{}:{}", rel.display(), n + 1));
                    }
                }
            }
        }
    }
    (modules, edges)
}

/// The rest of a grouped import may run over several lines: continue from this line's text to
/// the end of the file when the path opens a brace.
fn text_from(text: &str, rest: &str, line: usize) -> String {
    if !rest.starts_with('{') {
        return rest.to_string();
    }
    let mut s = rest.to_string();
    for l in text.lines().skip(line + 1).take(40) {
        s.push('\n');
        s.push_str(l);
    }
    s
}

/// Strongly connected components (Tarjan), each sorted; only those of more than one module.
fn cycles(modules: &BTreeSet<String>, edges: &Edges) -> Vec<Vec<String>> {
    struct T<'a> {
        adj: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.adj.get(v).cloned().unwrap_or_default() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                scc.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                t.out.push(scc);
            }
        }
    }
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        if modules.contains(to) {
            adj.entry(from).or_default().push(to);
        }
    }
    let mut t = T {
        adj,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for m in modules {
        if !t.index.contains_key(m.as_str()) {
            visit(&mut t, m);
        }
    }
    t.out.sort();
    t.out
}

#[test]
fn top_level_modules_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (modules, edges) = edges(&src);
    assert!(
        modules.len() >= 10 && edges.len() >= 10,
        "the parser found too little: {modules:?} {edges:?}"
    );
    let found = cycles(&modules, &edges);
    let mut msg = String::new();
    for scc in &found {
        msg.push_str(&format!("import cycle between {}:\n", scc.join(", ")));
        for ((from, to), at) in &edges {
            if scc.contains(from) && scc.contains(to) {
                msg.push_str(&format!("  {from} -> {to}  ({at})\n"));
            }
        }
    }
    assert!(found.is_empty(), "{msg}");
}

#[test]
fn the_cycle_finder_finds_cycles() {
    // The check above could pass by finding nothing; prove it sees a cycle and grouped imports.
    let modules: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let mut e = Edges::new();
    for (f, t) in [("a", "b"), ("b", "c"), ("c", "a")] {
        e.insert((f.into(), t.into()), String::new());
    }
    assert_eq!(cycles(&modules, &e), vec![vec!["a", "b", "c"]]);
    e.remove(&("c".to_string(), "a".to_string()));
    assert!(cycles(&modules, &e).is_empty());
    assert_eq!(
        targets("{detect::{Engine, Match}, findings::Finding,\n policy}"),
        vec!["detect", "findings", "policy"]
    );
    assert_eq!(targets("rules::RuleSet;"), vec!["rules"]);
}

#[test]
fn tests_use_the_library_not_the_command_layer() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    rust_files(&tests, &mut files);
    assert!(files.len() >= 10, "found too few test files: {files:?}");
    let mut bad = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            // Written split so this file does not name what it forbids.
            for layer in [
                concat!("nhiscan::", "commands"),
                concat!("nhiscan::", "cli"),
            ] {
                if line.contains(layer) {
                    bad.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "tests reach into the command layer:\n{}",
        bad.join("\n")
    );
}
