//! Embeds every `rules/*.yaml` file into the binary twice: the YAML itself (for `rules check`,
//! whose errors point at YAML lines) and a lean JSON copy without examples, which a scan parses
//! in a fraction of the time YAML takes. A built-in rule file that is not valid YAML fails the
//! build with its file, line and column.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not `env!` at compile time: a build script compiled in another
    // checkout (a shared or copied target directory) would otherwise embed that checkout's rules.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let out_dir = std::env::var("OUT_DIR").unwrap();
    let mut out = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(f).unwrap();
        let mut value: serde_json::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        if let Some(rules) = value.get_mut("rules").and_then(|r| r.as_array_mut()) {
            for rule in rules {
                if let Some(obj) = rule.as_object_mut() {
                    obj.remove("examples");
                    obj.remove("negative_examples");
                }
            }
        }
        let lean = Path::new(&out_dir).join(format!("{name}.json"));
        std::fs::write(&lean, serde_json::to_string(&value).unwrap()).unwrap();
        writeln!(
            out,
            "    ({name:?}, include_str!({:?}), include_str!({:?})),",
            f.display().to_string(),
            lean.display().to_string()
        )
        .unwrap();
    }
    out.push(']');
    std::fs::write(Path::new(&out_dir).join("builtin_rules.rs"), out).unwrap();
}
