//! The shape of the code: imports only point down the layers of docs/architecture.md,
//! with no loops (checked by `scripts/layers`), and no source file (code, template, style,
//! script, SQL; tests included) passes 500 lines.

use std::path::Path;
use std::process::Command;

#[test]
fn imports_point_down_the_layers_without_loops() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("scripts/layers"))
        .output()
        .expect("python3 runs scripts/layers");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("no loops, every import points down"),
        "{report}"
    );
}

/// The kinds of file the 500-line rule covers: code, templates, styles, scripts, SQL.
const SOURCE_KINDS: &[&str] = &["rs", "html", "css", "js", "py", "sql"];

fn source_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            // Installed packages (npm's, and bench/run's virtualenv) are not ours.
            let ours = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n != "node_modules" && !n.starts_with('.'));
            if ours {
                source_files(&path, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| SOURCE_KINDS.iter().any(|k| e == *k))
        {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_is_longer_than_500_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "src",
        "tests",
        "templates",
        "static",
        "e2e",
        "migrations",
        "bench",
    ] {
        if root.join(dir).is_dir() {
            source_files(&root.join(dir), &mut files);
        }
    }
    assert!(files.len() > 200, "found only {} files", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).expect("utf-8").lines().count();
            (lines > 500).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by what they do: {long:?}");
}
