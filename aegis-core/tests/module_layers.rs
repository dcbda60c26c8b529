//! The module layers of aegis-core (keys/mod.rs states them): a module imports only modules
//! below it, so there is no import cycle. Checked on the sources, outside doc comments and test
//! code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

/// Lowest first. `error`, `time`, `json` and `b64` are leaves any module may use.
const LAYERS: &[&[&str]] = &[
    &["error", "time", "json", "b64"],
    &["tpm"],
    &["keys"],
    &["crypto"],
    &["credential", "x509", "compat", "ear"],
    &["ek"],
    &["verify"],
    &["geo"],
    &["appraise", "inspect"],
    &["svid"],
    &["token"],
];

fn layer(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| {
            panic!("module {module} is in no layer: add it to LAYERS and keys/mod.rs")
        })
}

/// Non-test, non-comment source of a file: lines before the first `#[cfg(test)]`, without `//`
/// comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            sources(&p, out);
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.starts_with("test_") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_imports_only_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let text = code(f);
        for (i, _) in text.match_indices("crate::") {
            let used: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if used.is_empty() || used == module || used.chars().next().unwrap().is_uppercase() {
                continue;
            }
            if layer(&used) >= layer(&module) && !LAYERS[0].contains(&used.as_str()) {
                edges.push(format!("{} uses crate::{used}", rel.display()));
            }
        }
    }
    edges.sort();
    edges.dedup();
    assert!(
        edges.is_empty(),
        "imports against the layers:\n{}",
        edges.join("\n")
    );
}
