//! Every shell example in README.md and docs/*.md runs as written, and every relative
//! link in them points to a file that exists.
//!
//! Convention (also in docs/CONTRIBUTING.md):
//! - A fenced block tagged exactly ```` ```sh ```` is an example that must run. All of a
//!   page's `sh` blocks run in order, with bash (`set -euo pipefail`), from inside the
//!   folder `crimescape demo` writes (`crimescape-demo/`: the demo city in `city/` plus
//!   the demo's own outputs), with the `crimescape` under test first on `PATH`. Pages run
//!   one after the other (README.md, then docs/*.md by name) in the same folder.
//! - Every `-o`/`--out` folder or file named by a `crimescape` command must exist after
//!   its block ran, and no two examples (nor an example and the demo) write the same
//!   output: each example works without `--force`.
//! - ```` ```sh no-run ```` marks commands shown but not run (installing, `cargo`, data
//!   that is not in the demo city); ```` ```console ```` and ```` ```text ```` are output.
//!
//! Set `DOCS_EXAMPLES_PAGE=risk` to run only the pages whose name contains `risk`
//! (the demo is still built first).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::common::{crimescape, tmp};

/// The pages holding examples, in the order they run.
fn pages() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut all = vec![root.join("README.md")];
    all.extend(docs);
    all
}

/// One fenced code block: its info string, first line number (1-based) and body.
struct Block {
    tag: String,
    line: usize,
    body: String,
}

fn fenced_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("```") {
            match open.take() {
                None => {
                    open = Some(Block {
                        tag: rest.trim().to_string(),
                        line: i + 2,
                        body: String::new(),
                    })
                }
                Some(b) => blocks.push(b),
            }
        } else if let Some(b) = open.as_mut() {
            b.body.push_str(line);
            b.body.push('\n');
        }
    }
    assert!(open.is_none(), "unclosed code block");
    blocks
}

/// The commands of a shell block: continuation lines joined, comments and blanks dropped.
fn commands(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_heredoc: Option<String> = None;
    for line in body.lines() {
        if let Some(end) = &in_heredoc {
            if line.trim() == end {
                in_heredoc = None;
            }
            continue;
        }
        if let Some(pos) = line.find("<<'") {
            let end = line[pos + 3..].split('\'').next().unwrap_or("").to_string();
            in_heredoc = Some(end);
        }
        let t = line.trim();
        if cur.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
        } else {
            cur.push_str(t);
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The outputs a `crimescape` command names with `-o`/`--out`.
fn outputs(command: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.first() != Some(&"crimescape") {
        return Vec::new();
    }
    let mut outs = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if *w == "-o" || *w == "--out" {
            if let Some(next) = words.get(i + 1) {
                outs.push(next.trim_end_matches('/').to_string());
            }
        } else if let Some(v) = w.strip_prefix("--out=") {
            outs.push(v.trim_end_matches('/').to_string());
        }
    }
    outs
}

#[test]
fn docs_examples_run_as_written() {
    let start = Instant::now();
    let only = std::env::var("DOCS_EXAMPLES_PAGE").ok();
    let dir = tmp();
    let demo = dir.path().join("crimescape-demo");
    crimescape()
        .args(["-q", "demo", "--out"])
        .arg(&demo)
        .assert()
        .success();
    eprintln!("demo built in {:.1} s", start.elapsed().as_secs_f64());

    // `crimescape` on PATH is the binary under test.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_crimescape"));
    let bin_dir = bin.parent().expect("binary has a folder").to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH joins");

    // Outputs already written by the demo: examples must not write them again.
    let mut written: BTreeMap<String, String> = std::fs::read_dir(&demo)
        .expect("demo folder")
        .map(|e| {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            (name, "crimescape demo".to_string())
        })
        .collect();

    let mut ran = 0;
    for page in pages() {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&page).expect("page reads");
        for block in fenced_blocks(&text) {
            if block.tag != "sh" {
                continue;
            }
            let at = format!("{name}:{}", block.line);
            let cmds = commands(&block.body);
            assert!(!cmds.is_empty(), "{at}: empty sh block");
            let mut outs = Vec::new();
            for c in &cmds {
                for o in outputs(c) {
                    if let Some(prev) = written.insert(o.clone(), at.clone()) {
                        panic!("{at}: output {o} is also written by {prev}");
                    }
                    outs.push(o);
                }
            }
            if only.as_deref().is_some_and(|p| !name.contains(p)) {
                continue;
            }
            let t = Instant::now();
            let script = format!("set -euo pipefail\n{}", block.body);
            let out = std::process::Command::new("bash")
                .arg("-c")
                .arg(&script)
                .current_dir(&demo)
                .env("PATH", &path)
                .env_remove("RUST_LOG")
                .output()
                .expect("bash runs");
            assert!(
                out.status.success(),
                "{at}: example failed ({}):\n{}\n--- stdout\n{}\n--- stderr\n{}",
                out.status,
                block.body,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            for o in &outs {
                assert!(
                    demo.join(o).exists(),
                    "{at}: the example says it writes {o}, which does not exist"
                );
            }
            eprintln!("{at}: ok in {:.1} s", t.elapsed().as_secs_f64());
            ran += 1;
        }
    }
    eprintln!(
        "{ran} examples ran in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    if only.is_none() {
        assert!(ran >= 20, "only {ran} sh examples found");
    }
}

#[test]
fn docs_relative_links_resolve() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page reads");
        let base = page.parent().expect("page has a folder");
        let mut in_code = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if in_code {
                continue;
            }
            for target in link_targets(line) {
                if target.contains("://")
                    || target.starts_with('#')
                    || target.starts_with("mailto:")
                {
                    continue;
                }
                let file = target.split('#').next().unwrap_or("");
                let resolved = base.join(file);
                if resolved.exists() {
                    continue;
                }
                let missing = normalise(&resolved, &root);
                broken.push(format!(
                    "{}:{}: {target} ({missing})",
                    page.display(),
                    i + 1
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Targets of markdown links `[text](target)` and images `![alt](target)` on a line.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(pos) = rest.find("](") {
        let after = &rest[pos + 2..];
        match after.find(')') {
            Some(end) => {
                let t = after[..end].split_whitespace().next().unwrap_or("");
                if !t.is_empty() {
                    out.push(t.to_string());
                }
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

/// `path` relative to `root`, with `..` resolved lexically and `/` separators.
fn normalise(path: &Path, root: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    let root = root.to_string_lossy().trim_end_matches('/').to_string();
    joined
        .trim_start_matches('/')
        .strip_prefix(root.trim_start_matches('/'))
        .unwrap_or(&joined)
        .trim_start_matches('/')
        .to_string()
}

#[test]
fn docs_examples_commands_parse() {
    let cmds = commands("# a comment\ncrimescape a \\\n  -o x/\n\ncrimescape b --out=y\n");
    assert_eq!(cmds.len(), 2);
    assert_eq!(outputs(&cmds[0]), vec!["x".to_string()]);
    assert_eq!(outputs(&cmds[1]), vec!["y".to_string()]);
    assert!(outputs("cat -o z").is_empty());
}

#[test]
fn docs_readme_lists_every_command() {
    let out = crimescape().arg("--help").assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md reads");
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(
        commands.len() >= 15,
        "commands parsed from --help: {commands:?}"
    );
    let missing: Vec<&&str> = commands
        .iter()
        .filter(|c| !readme.contains(&format!("| `{c}")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's command table lacks {missing:?}"
    );
}
