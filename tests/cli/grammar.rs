//! One CLI grammar (issue 13): every `--layer` takes `NAME=PATH` or a bare `PATH`, a
//! `--where` that matches nothing lists the values that exist.

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

#[test]
fn every_layer_flag_takes_name_equals_path_or_a_bare_path() {
    let d = tmp();
    let c = city(d.path());
    let bars = c.join("bars.geojson");
    // proximity, hotspots global and pattern cross-k took a bare path only
    // (`bars=…` was read as a file name)
    for (k, layer) in [
        bars.display().to_string(),
        format!("pubs={}", bars.display()),
    ]
    .into_iter()
    .enumerate()
    {
        crimescape()
            .args(["proximity", "-q", "--layer", &layer, "--out"])
            .arg(d.path().join(format!("near{k}.csv")))
            .arg(c.join("incidents.csv"))
            .assert()
            .success();
        crimescape()
            .args([
                "pattern",
                "cross-k",
                "-q",
                "--simulations",
                "0",
                "--layer",
                &layer,
            ])
            .arg("--out")
            .arg(d.path().join(format!("ck{k}")))
            .arg(c.join("incidents.csv"))
            .assert()
            .success();
    }
    // a filter is refused where layers take none, with the words of the grammar
    crimescape()
        .args(["proximity", "-q", "--layer"])
        .arg(format!("{}:kind=pub", bars.display()))
        .arg("--out")
        .arg(d.path().join("near_f.csv"))
        .arg(c.join("incidents.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "feature filters (:kind=pub) are not supported here",
        ));
    // NAME= names the layer in the cross-K's sentences (as --layer-name)
    let summary = std::fs::read_to_string(d.path().join("ck1/cross_k.json")).unwrap();
    assert!(summary.contains("pubs"), "{summary}");
    // risk fit takes a bare path too, named by its file stem
    crimescape()
        .args(["risk", "fit", "-q", "--null-shifts", "0", "--layer"])
        .arg(&bars)
        .arg("--out")
        .arg(d.path().join("rf"))
        .arg(c.join("incidents.csv"))
        .assert()
        .success();
    let model = std::fs::read_to_string(d.path().join("rf/model.json")).unwrap();
    assert!(model.contains("\"bars\""), "{model}");
}
