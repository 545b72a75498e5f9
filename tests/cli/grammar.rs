//! One CLI grammar (issue 13): `--layer NAME=PATH` everywhere, a `--where` that
//! matches nothing lists the values that exist.

use predicates::prelude::*;
use serde_json::json;

use crate::common::*;

fn city(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--city-only",
            "--incidents",
            "500",
            "--size",
            "1500",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

#[test]
fn where_matching_nothing_lists_the_values() {
    let d = tmp();
    let c = city(d.path());
    crimescape()
        .args(["hotspots", "grid", "--where", "category=Burglery", "-o"])
        .arg(d.path().join("g"))
        .arg(c.join("incidents.csv"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--where category=burglery: no row of")
                .and(predicate::str::contains("burglary ("))
                .and(predicate::str::contains("theft ("))
                .and(predicate::str::contains("no incident left").not())
                .and(predicate::str::contains("centre").not()),
        );
    assert!(!d.path().join("g").exists());
    // a filter that matches keeps working
    crimescape()
        .args([
            "hotspots",
            "grid",
            "-q",
            "--where",
            "category=Burglary",
            "-o",
        ])
        .arg(d.path().join("g"))
        .arg(c.join("incidents.csv"))
        .assert()
        .success();
}

#[test]
fn assess_layer_is_name_equals_path_or_a_bare_path() {
    let d = tmp();
    let c = city(d.path());
    let p = d.path().join("fix.geojson");
    std::fs::write(
        &p,
        json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": null, "properties": {
                "action": "modify", "layer": "lamps", "where": {"status": "out"}, "set": {"status": "on"}}}
        ]})
        .to_string(),
    )
    .unwrap();
    let run = |layer: String, out: &str| {
        crimescape()
            .args(["assess", "--quiet", "--streets"])
            .arg(c.join("streets.geojson"))
            .arg("--layer")
            .arg(layer)
            .arg("--proposal")
            .arg(&p)
            .arg("--out")
            .arg(d.path().join(out))
            .assert()
    };
    // NAME=PATH names the layer as the proposal does
    run(
        format!("lamps={}", c.join("lights.geojson").display()),
        "named",
    )
    .success();
    // a bare path is named by its stem: the proposal's layer 'lamps' is then unknown
    run(c.join("lights.geojson").display().to_string(), "bare")
        .failure()
        .stderr(predicate::str::contains("lamps"));
}
