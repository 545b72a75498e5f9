//! The programs in `examples/` run, with small arguments, and do what their docs say.
//!
//! `cargo test` builds the examples (into `target/<profile>/examples/`, beside this
//! test binary's `deps/`) but does not run them; this test does. Under a filtered run
//! that does not build them (`cargo test --test cli`) it skips with a message: build
//! them with `cargo build --examples` (or run plain `cargo test`).

use std::path::PathBuf;
use std::process::Command;

use predicates::prelude::*;

use crate::common::tmp;

/// `target/<profile>/examples/<name>`, if built.
fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/cli-<hash> -> target/<profile>/examples/<name>
    let dir = exe.parent()?.parent()?.join("examples");
    let p = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "skipping example {name}: {} not built (cargo build --examples, or plain cargo test)",
            p.display()
        );
        None
    }
}

/// Runs an example and returns its stdout, asserting success.
fn run(name: &str, args: &[&str]) -> Option<String> {
    let bin = example(name)?;
    let out = Command::new(&bin)
        .args(args)
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .expect("example starts");
    assert!(
        out.status.success(),
        "example {name} {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn examples_cluster_points_writes_n_rows() {
    let dir = tmp();
    let csv = dir.path().join("points.csv");
    let csv_s = csv.to_str().expect("utf-8 path");
    if run("cluster_points", &["200", csv_s, "7"]).is_none() {
        return;
    }
    let text = std::fs::read_to_string(&csv).expect("csv written");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,x,y,date"));
    assert_eq!(lines.count(), 200);
    // seeded: the same arguments give the same bytes
    let again = dir.path().join("again.csv");
    run("cluster_points", &["200", again.to_str().unwrap(), "7"]);
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());
}

#[test]
fn examples_grid_input_spans_20_km() {
    let dir = tmp();
    let csv = dir.path().join("grid.csv");
    if run("grid_input", &["500", csv.to_str().expect("utf-8 path")]).is_none() {
        return;
    }
    let text = std::fs::read_to_string(&csv).expect("csv written");
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 500);
    // the two corner points make the extent exactly 20 km
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let xi = header.iter().position(|h| *h == "x").expect("x column");
    let xs: Vec<f64> = rows
        .iter()
        .map(|r| r.split(',').nth(xi).unwrap().parse().unwrap())
        .collect();
    let span =
        xs.iter().cloned().fold(f64::MIN, f64::max) - xs.iter().cloned().fold(f64::MAX, f64::min);
    assert!((span - 20_000.0).abs() < 1.0, "x span {span}");
}

#[test]
fn examples_knox_scale_reports_each_size() {
    let Some(out) = run("knox_scale", &["300,600"]) else {
        return;
    };
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("events,close_pairs,close_pair_MB,permutations,seconds,threads")
    );
    let events: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(events, vec!["300", "600"]);
}

#[test]
fn examples_near_bars_compares_densities() {
    let Some(out) = run("near_bars", &[]) else {
        return;
    };
    // "N of M incidents (..) lie within 100 m of a bar, on ..: R.RRx the city-wide density"
    let ratio: f64 = out
        .split("x the city-wide density")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no density ratio in {out}"));
    // bars carry a planted relative risk: incidents are denser near them
    assert!(ratio > 1.2, "{out}");
    assert!(out.contains("planted relative risk near bars"), "{out}");
}

#[test]
fn examples_network_scale_small() {
    let Some(out) = run("network_scale", &["12", "300", "60", "3"]) else {
        return;
    };
    assert!(out.starts_with("step,wall_s,cpu_s,threads"), "{out}");
    assert!(out.contains("# ") && out.contains(" lixels"), "{out}");
}

#[test]
fn examples_national_writes_a_police_uk_file_crimescape_reads() {
    let dir = tmp();
    let csv = dir.path().join("national.csv");
    let csv_s = csv.to_str().expect("utf-8 path");
    if run("national", &["300", csv_s, "5"]).is_none() {
        return;
    }
    let text = std::fs::read_to_string(&csv).expect("csv written");
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("Crime ID,Month,Reported by,Falls within,Longitude")),
        "{text}"
    );
    assert_eq!(lines.count(), 300);
    // seeded: the same arguments give the same bytes
    let again = dir.path().join("again.csv");
    run(
        "national",
        &["300", again.to_str().expect("utf-8 path"), "5"],
    );
    assert_eq!(
        std::fs::read(&again).expect("again written"),
        text.as_bytes()
    );
    // the file is read as data.police.uk's: lon/lat columns, months as times
    crate::common::crimescape()
        .args(["info", csv_s])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("accepted 300  rejected 0")
                .and(predicates::str::contains("x=Longitude, y=Latitude"))
                .and(predicates::str::contains("precision: month 300")),
        );
}
