//! Error messages in the words of the command line (issue 13): a switch shown without a
//! value, a command's own flag names, refused settings.

use predicates::prelude::*;

use crate::common::*;

/// A projected incident file (EPSG:26971).
fn incidents() -> std::path::PathBuf {
    fixture("incidents/projected_26971.csv")
}

#[test]
fn empty_value_is_shown_without_one() {
    // an empty time zone: `--tz: empty name`, not `--tz : empty name`
    crimescape()
        .args(["info", "--crs", "EPSG:26971", "--tz", ""])
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--tz: empty name"));
}

#[test]
fn to_crs_in_feet_is_refused() {
    let d = tmp();
    crimescape()
        .args(["info", "--crs", "EPSG:26971", "--to-crs", "local-ft"])
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--to-crs local-ft: a local frame in units of 0.3048 m",
        ))
        .stderr(predicate::str::contains("use local-m"));
    // a metric local frame stays a valid target
    crimescape()
        .args([
            "hotspots", "grid", "--quiet", "--crs", "local-m", "--to-crs", "local-m",
        ])
        .arg("-o")
        .arg(d.path().join("c"))
        .arg(incidents())
        .assert()
        .success();
}

#[test]
fn near_repeat_names_its_time_column_flag() {
    let d = tmp();
    crimescape()
        .args([
            "near-repeat",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--time-column",
            "datetime",
            "--time-from",
            "start",
            "-o",
        ])
        .arg(d.path().join("nr"))
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--time-from \"start\": names another column than --time-column (\"datetime\")",
        ))
        .stderr(predicate::str::contains("--time ").not());
    // elsewhere the time column is --time
    crimescape()
        .args([
            "info",
            "--crs",
            "EPSG:26971",
            "--time",
            "datetime",
            "--time-from",
            "start",
        ])
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--time-from \"start\": names another column than --time (\"datetime\")",
        ));
}

#[test]
fn a_switch_is_named_without_a_value() {
    // `hotspots change --hex`: `--hex: …`, not `--hex true: …`
    let d = tmp();
    crimescape()
        .args(["hotspots", "change", "--crs", "EPSG:26971", "--hex"])
        .args(["--split", "2024-01-01", "-o"])
        .arg(d.path().join("c"))
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--hex: hexagonal cells are not available for change",
        ));
}

#[test]
fn risk_apply_refuses_a_working_crs_in_feet() {
    // the model's working CRS, as every --to-crs, must be in metres (checked before the
    // model file is read)
    let d = tmp();
    crimescape()
        .args([
            "risk",
            "apply",
            "--to-crs",
            "local-ft",
            "--layer",
            "bars=bars.geojson",
        ])
        .arg("-o")
        .arg(d.path().join("ra"))
        .arg(d.path().join("model.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--to-crs local-ft: a local frame in units of 0.3048 m",
        ));
}

#[test]
fn date_flags_are_read_by_the_library() {
    // hotspots change --split, evaluate-hotspots --train-until: one date grammar, one
    // message form
    let d = tmp();
    crimescape()
        .args([
            "hotspots",
            "change",
            "--crs",
            "EPSG:26971",
            "--split",
            "someday",
            "-o",
        ])
        .arg(d.path().join("c"))
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--split \"someday\": not a date (use YYYY-MM-DD)",
        ));
    crimescape()
        .args([
            "evaluate-hotspots",
            "--crs",
            "EPSG:26971",
            "--train-until",
            "2024-13-01",
        ])
        .arg("-o")
        .arg(d.path().join("e"))
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--train-until \"2024-13-01\": not a date (use YYYY-MM-DD)",
        ));
}
