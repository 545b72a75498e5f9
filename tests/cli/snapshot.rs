//! Snapshot of the demo's whole output tree: every file name and the SHA-256 of its
//! contents, so that a refactor of the output code cannot change an output unseen.
//!
//! Machine-dependent text is normalised before hashing: the output folder's path
//! (`<OUT>`), the binary's path in the recorded command line (`crimescape`), the
//! tool version (`crimescape <VERSION>`) and the file sizes an HTML report lists
//! (`<span class="size">…</span>`: a JSON result embeds its provenance, whose paths
//! make its size depend on the output folder's length). Everything else, PNG bytes
//! included, must match exactly.
//!
//! After an intended change, regenerate the snapshot and commit it with the change:
//!
//! ```sh
//! UPDATE_SNAPSHOTS=1 cargo test --test cli snapshot
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// The committed snapshot: `<sha256>  <relative path>` per line, sorted by path.
fn snapshot_path() -> PathBuf {
    fixture("snapshots/demo_tree.txt")
}

/// Every file under `dir` (relative path with `/` separators) → its normalised hash.
fn tree(dir: &Path, subs: &[(String, String)]) -> BTreeMap<String, String> {
    fn walk(d: &Path, base: &Path, subs: &[(String, String)], out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .expect("readable folder")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, base, subs, out);
                continue;
            }
            let rel = p
                .strip_prefix(base)
                .expect("under base")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&p).expect("readable file");
            let bytes = match String::from_utf8(bytes) {
                Ok(mut text) => {
                    for (from, to) in subs {
                        text = text.replace(from.as_str(), to);
                    }
                    without_sizes(&text).into_bytes()
                }
                Err(e) => e.into_bytes(),
            };
            out.insert(rel, crimescape::sha256_hex(&bytes));
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, subs, &mut out);
    out
}

/// `text` with the contents of every `<span class="size">…</span>` replaced by `SIZE`.
fn without_sizes(text: &str) -> String {
    const OPEN: &str = "<span class=\"size\">";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        let after = &rest[i + OPEN.len()..];
        let Some(j) = after.find("</span>") else {
            break;
        };
        out.push_str(&rest[..i + OPEN.len()]);
        out.push_str("SIZE");
        rest = &after[j..];
    }
    out.push_str(rest);
    out
}

fn render(t: &BTreeMap<String, String>) -> String {
    t.iter().map(|(p, h)| format!("{h}  {p}\n")).collect()
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once("  "))
        .map(|(h, p)| (p.to_string(), h.to_string()))
        .collect()
}

#[test]
fn snapshot_demo_output_tree() {
    let d = tmp();
    let out = d.path().join("demo");
    crimescape()
        .args(["demo", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let bin = assert_cmd::cargo::cargo_bin("crimescape");
    let subs = vec![
        (out.display().to_string(), "<OUT>".to_string()),
        (bin.display().to_string(), "crimescape".to_string()),
        (
            format!("crimescape {}", env!("CARGO_PKG_VERSION")),
            "crimescape <VERSION>".to_string(),
        ),
    ];
    let got = tree(&out, &subs);
    let path = snapshot_path();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, render(&got)).expect("write snapshot");
        eprintln!("updated {} ({} files)", path.display(), got.len());
        return;
    }
    let want = parse(&std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_SNAPSHOTS=1 cargo test --test cli snapshot",
            path.display()
        )
    }));
    let changed: Vec<&String> = got
        .iter()
        .filter(|(p, h)| want.get(*p).is_some_and(|w| w != *h))
        .map(|(p, _)| p)
        .collect();
    let appeared: Vec<&String> = got.keys().filter(|p| !want.contains_key(*p)).collect();
    let vanished: Vec<&String> = want.keys().filter(|p| !got.contains_key(*p)).collect();
    if !(changed.is_empty() && appeared.is_empty() && vanished.is_empty()) {
        let list = |v: &[&String]| v.iter().map(|p| format!("    {p}\n")).collect::<String>();
        panic!(
            "the demo's output tree differs from {}:\n  changed ({}):\n{}  appeared ({}):\n{}  vanished ({}):\n{}\
             if the change is intended: UPDATE_SNAPSHOTS=1 cargo test --test cli snapshot",
            path.display(),
            changed.len(),
            list(&changed),
            appeared.len(),
            list(&appeared),
            vanished.len(),
            list(&vanished),
        );
    }
}

#[test]
fn report_file_sizes_are_normalised() {
    let html = "<li>a</li> <span class=\"size\">2.7 kB</span><span class=\"size\">12 B</span> end";
    assert_eq!(
        without_sizes(html),
        "<li>a</li> <span class=\"size\">SIZE</span><span class=\"size\">SIZE</span> end"
    );
    assert_eq!(
        without_sizes("<span class=\"size\">open"),
        "<span class=\"size\">open"
    );
}
