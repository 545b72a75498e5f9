//! `crimescape evaluate` end to end on a small demo city.

use std::path::{Path, PathBuf};

use crate::common::{crimescape, tmp};

/// Writes a small demo city and returns the incidents file.
fn city(dir: &Path) -> PathBuf {
    let out = dir.join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--city-only",
            "--incidents",
            "4000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city/incidents.csv")
}

/// A square polygon in the demo CRS (EPSG:32631) as a GeoJSON file.
fn square(path: &Path, name: &str, x: f64, y: f64, s: f64) {
    let gj = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}]}}"#,
        x1 = x + s,
        y1 = y + s
    );
    std::fs::write(path, gj).unwrap();
}

#[test]
fn evaluate_writes_summary_plots_and_costs() {
    let d = tmp();
    let inc = city(d.path());
    let t = d.path().join("treat.geojson");
    square(&t, "centre", 430_700.0, 5_400_700.0, 600.0);
    let costs = d.path().join("costs.toml");
    std::fs::write(
        &costs,
        "currency = \"EUR\"\nintervention_cost = 20000\n[offence_costs]\nburglary = 3000\ndefault = 500\n",
    )
    .unwrap();
    let out = d.path().join("ev");
    let a = crimescape()
        .arg("evaluate")
        .arg(&inc)
        .args(["--treatment"])
        .arg(&t)
        .args([
            "--areas-crs",
            "EPSG:32631",
            "--intervention-date",
            "2024-07-01",
            "--buffer",
            "200",
            "--control-cell",
            "150",
        ])
        .arg("--costs")
        .arg(&costs)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(
        stdout.contains("treat:") && stdout.contains("Effect:"),
        "{stdout}"
    );
    for f in [
        "evaluation.json",
        "evaluation.md",
        "timeseries_treat.png",
        "areas.png",
        "areas.geojson",
        "evaluation.json.provenance.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("evaluation.json")).unwrap()).unwrap();
    let a0 = &v["areas"][0];
    assert!(a0["treatment"]["pre"].as_f64().unwrap() > 0.0);
    assert_eq!(a0["control_info"]["source"], "automatic");
    let or = &a0["odds_ratio"];
    assert!(or["lower"].as_f64().unwrap() < or["estimate"].as_f64().unwrap());
    assert!(a0["wdq"]["success_measure"].is_number());
    assert_eq!(a0["cost"]["currency"], "EUR");
    assert!(a0["cost"]["benefit_cost_ratio"]["estimate"].is_number());
    let gj = std::fs::read_to_string(out.join("areas.geojson")).unwrap();
    for z in ["\"treatment\"", "\"buffer\"", "\"control\""] {
        assert!(gj.contains(z), "{z}");
    }
    let md = std::fs::read_to_string(out.join("evaluation.md")).unwrap();
    assert!(
        md.contains("WDQ") && md.contains("benefit-cost ratio"),
        "{md}"
    );
    // overwriting needs --force
    crimescape()
        .arg("evaluate")
        .arg(&inc)
        .arg("--treatment")
        .arg(&t)
        .args([
            "--areas-crs",
            "EPSG:32631",
            "--intervention-date",
            "2024-07-01",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .failure();
}

#[test]
fn evaluate_bad_input_gives_clear_errors() {
    let d = tmp();
    let inc = city(d.path());
    let t = d.path().join("treat.geojson");
    square(&t, "centre", 430_700.0, 5_400_700.0, 600.0);
    let run = |extra: &[&str], out: &str| {
        let a = crimescape()
            .arg("evaluate")
            .arg(&inc)
            .arg("--treatment")
            .arg(&t)
            .args(["--areas-crs", "EPSG:32631", "--quiet"])
            .args(extra)
            .arg("--out")
            .arg(d.path().join(out))
            .assert()
            .failure();
        let o = a.get_output();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, err) = run(&["--intervention-date", "2026-01-01"], "a");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("outside the data"), "{err}");
    let (code, err) = run(&[], "b");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--intervention-date"), "{err}");
    let (_, err) = run(
        &[
            "--pre",
            "2024-02-01..2024-02-01",
            "--post",
            "2024-07-01..2024-12-01",
        ],
        "c",
    );
    assert!(err.contains("end after it starts"), "{err}");
    // control overlapping the treatment area
    let c = d.path().join("ctrl.geojson");
    square(&c, "ctrl", 431_000.0, 5_400_900.0, 600.0);
    let (code, err) = run(
        &[
            "--intervention-date",
            "2024-07-01",
            "--control",
            c.to_str().unwrap(),
        ],
        "d",
    );
    // the content of the area files, not a flag: exit code 1
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("overlaps its treatment area"), "{err}");
    // a cost file with a typo
    let k = d.path().join("k.toml");
    std::fs::write(&k, "intervention_cots = 1\n[offence_costs]\ndefault = 1\n").unwrap();
    let (_, err) = run(
        &[
            "--intervention-date",
            "2024-07-01",
            "--costs",
            k.to_str().unwrap(),
        ],
        "e",
    );
    assert!(err.contains("intervention_cots"), "{err}");
}

#[test]
fn evaluate_several_areas_by_field() {
    let d = tmp();
    let inc = city(d.path());
    let t = d.path().join("sites.geojson");
    std::fs::write(
        &t,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"North"},"geometry":{"type":"Point","coordinates":[431000,5401500]}},
{"type":"Feature","properties":{"name":"South"},"geometry":{"type":"Point","coordinates":[431000,5400500]}},
{"type":"Feature","properties":{"name":"South"},"geometry":{"type":"Point","coordinates":[431100,5400500]}}]}"#,
    )
    .unwrap();
    let out = d.path().join("ev");
    crimescape()
        .arg("evaluate")
        .arg(&inc)
        .arg("--treatment")
        .arg(&t)
        .args([
            "--areas-crs",
            "EPSG:32631",
            "--area-field",
            "name",
            "--radius",
            "200",
            "--buffer",
            "150",
            "--control-cell",
            "150",
            "--intervention-date",
            "2024-07-01",
            "--its",
            "poisson",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("evaluation.json")).unwrap()).unwrap();
    assert_eq!(v["areas"].as_array().unwrap().len(), 2);
    assert_eq!(v["areas"][0]["name"], "North");
    assert_eq!(v["areas"][1]["radius"], 200.0);
    assert!(v["pooled"]["odds_ratio"]["estimate"].is_number());
    assert!(out.join("timeseries_north.png").exists() && out.join("timeseries_south.png").exists());
}
