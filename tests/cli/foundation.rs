//! Foundation: info, demo, proximity, loading errors.

use predicates::prelude::*;

use crate::common::*;

#[test]
fn demo_writes_city_and_refuses_overwrite() {
    let d = tmp();
    let out = d.path().join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--incidents",
            "2000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    for f in [
        "city/incidents.csv",
        "city/streets.geojson",
        "city/ground_truth.json",
        "info.json",
        "provenance.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--incidents",
            "2000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force"));
}
