//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;

/// The `crimescape` binary.
pub fn crimescape() -> Command {
    let mut c = Command::cargo_bin("crimescape").expect("binary built");
    c.env_remove("RUST_LOG");
    c
}

/// `../shared` (or `$CRIMESCAPE_SHARED`), if present. Tests that need it print why they skip.
pub fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("CRIMESCAPE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if p.join("data").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "skipping: {} not found (set CRIMESCAPE_SHARED)",
            p.display()
        );
        None
    }
}

/// A file under `../shared/data`, or `None` (with a printed reason).
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = shared()?.join("data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

/// A file under `../shared/golden`, or `None` (with a printed reason).
pub fn shared_golden(rel: &str) -> Option<PathBuf> {
    let p = shared()?.join("golden").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

/// A file under the repository's `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// A fresh temporary directory.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}
