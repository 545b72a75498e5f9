//! `crimescape hotspots global|incremental` and `crimescape pattern nni|k|cross-k`:
//! golden parity through the CLI, outputs, errors.

use std::path::Path;

use predicates::prelude::*;

use crate::common::*;

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap()
}

fn golden(name: &str) -> serde_json::Value {
    json(&fixture(&format!("golden/stats/{name}")))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

/// Clustered points in local metres (groups of 12 around 15 centres) and a triangular
/// boundary holding them, written into `dir`.
fn pattern_inputs(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let mut csv = String::from("x,y\n");
    let mut stops = Vec::new();
    for c in 0..15u32 {
        let cx = 200.0 + 97.0 * ((c * 7) % 15) as f64;
        let cy = 150.0 + 61.0 * ((c * 4) % 15) as f64;
        // keep inside the triangle x + y < 2200
        let (cx, cy) = if cx + cy > 2000.0 {
            (cx * 0.5, cy * 0.5)
        } else {
            (cx, cy)
        };
        stops.push(format!(
            r#"{{"type":"Feature","properties":{{"id":{c}}},"geometry":{{"type":"Point","coordinates":[{cx},{cy}]}}}}"#
        ));
        for k in 0..12u32 {
            let a = k as f64 * std::f64::consts::FRAC_PI_6;
            let r = 5.0 + 3.0 * (k % 4) as f64;
            csv.push_str(&format!(
                "{:.2},{:.2}\n",
                cx + r * a.cos(),
                cy + r * a.sin()
            ));
        }
    }
    let pts = dir.join("pts.csv");
    std::fs::write(&pts, csv).unwrap();
    let boundary = dir.join("boundary.geojson");
    std::fs::write(
        &boundary,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2200,0],[0,2200],[0,0]]]}}]}"#,
    )
    .unwrap();
    let layer = dir.join("bus_stops.geojson");
    std::fs::write(
        &layer,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            stops.join(",")
        ),
    )
    .unwrap();
    (pts, boundary, layer)
}

#[test]
fn hotspots_global_matches_esda_golden_through_the_cli() {
    let d = tmp();
    let out = d.path().join("g");
    crimescape()
        .args([
            "hotspots",
            "global",
            "--crs",
            "local-m",
            "--cell",
            "400",
            "--permutations",
            "99",
            "-o",
        ])
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("Moran's I = 0.4386"))
        .stdout(predicate::str::contains("Geary's C = 0.5612"))
        .stdout(predicate::str::contains("General G"));
    let r = json(&out.join("global.json"));
    let g = golden("global.json");
    let e = &g["cases"]["grid_queen"];
    let res = r["results"].as_array().unwrap();
    assert_eq!(res.len(), 3);
    assert!(close(
        res[0]["value"].as_f64().unwrap(),
        e["moran_r"]["I"].as_f64().unwrap(),
        1e-9
    ));
    assert!(close(
        res[0]["z_rand"].as_f64().unwrap(),
        e["moran_r"]["z_rand"].as_f64().unwrap(),
        1e-9
    ));
    assert!(close(
        res[1]["value"].as_f64().unwrap(),
        e["geary_r"]["C"].as_f64().unwrap(),
        1e-9
    ));
    assert!(close(
        res[2]["value"].as_f64().unwrap(),
        e["g"]["G"].as_f64().unwrap(),
        1e-9
    ));
    for f in ["global.csv", "global.json", "global.json.provenance.json"] {
        assert!(out.join(f).exists(), "{f}");
    }
    // binary transformation
    let ob = d.path().join("gb");
    crimescape()
        .args([
            "hotspots",
            "global",
            "-q",
            "--crs",
            "local-m",
            "--cell",
            "400",
            "--permutations",
            "0",
            "--transform",
            "binary",
            "-o",
        ])
        .arg(&ob)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success();
    let rb = json(&ob.join("global.json"));
    assert!(close(
        rb["results"][0]["value"].as_f64().unwrap(),
        e["moran_b"]["I"].as_f64().unwrap(),
        1e-9
    ));
    assert!(rb["results"][0]["permutation"].is_null());
}

#[test]
fn hotspots_global_on_a_layer_equals_the_grid() {
    let d = tmp();
    let gi = d.path().join("gi");
    crimescape()
        .args([
            "hotspots",
            "gistar",
            "-q",
            "--crs",
            "local-m",
            "--cell",
            "400",
            "--permutations",
            "0",
            "-o",
        ])
        .arg(&gi)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success();
    let lo = d.path().join("lg");
    crimescape()
        .args([
            "hotspots",
            "global",
            "-q",
            "--value",
            "count",
            "--neighbours",
            "band",
            "--radius",
            "566",
            "--permutations",
            "0",
            "--layer",
        ])
        .arg(gi.join("gistar.geojson"))
        .arg("-o")
        .arg(&lo)
        .assert()
        .success();
    let r = json(&lo.join("global.json"));
    let e = golden("global.json");
    assert!(close(
        r["results"][0]["value"].as_f64().unwrap(),
        e["cases"]["grid_queen"]["moran_r"]["I"].as_f64().unwrap(),
        1e-9
    ));
    // queen is for grids; band needs a radius
    crimescape()
        .args([
            "hotspots",
            "global",
            "-q",
            "--value",
            "count",
            "--neighbours",
            "queen",
            "--layer",
        ])
        .arg(gi.join("gistar.geojson"))
        .arg("-o")
        .arg(d.path().join("x"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("queen is for grids"));
    crimescape()
        .args([
            "hotspots",
            "global",
            "-q",
            "--crs",
            "local-m",
            "--neighbours",
            "band",
            "-o",
        ])
        .arg(d.path().join("y"))
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs --radius"));
}

#[test]
fn hotspots_incremental_matches_esda_and_reports_the_gistar_band() {
    let d = tmp();
    let out = d.path().join("inc");
    crimescape()
        .args([
            "hotspots",
            "incremental",
            "--crs",
            "local-m",
            "--cell",
            "400",
            "--start",
            "400",
            "--increment",
            "200",
            "-o",
        ])
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("first significant peak"))
        .stdout(predicate::str::contains("Gi* distance band"))
        .stdout(predicate::str::contains("Optimized Hot Spot Analysis rule"));
    let g = golden("incremental.json");
    let r = json(&out.join("incremental.json"));
    let bands = r["result"]["bands"].as_array().unwrap();
    assert_eq!(bands.len(), 10);
    for (b, e) in bands.iter().zip(g["bands"].as_array().unwrap()) {
        assert!(close(
            b["moran_i"].as_f64().unwrap(),
            e["I"].as_f64().unwrap(),
            1e-9
        ));
        assert!(close(
            b["z"].as_f64().unwrap(),
            e["z_rand"].as_f64().unwrap(),
            1e-9
        ));
    }
    assert_eq!(r["result"]["first_significant_peak"], 2); // 800 m
    assert!(r["gistar_band"]["distance"].as_f64().is_some());
    for f in [
        "incremental.csv",
        "incremental.png",
        "incremental.csv.provenance.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let csv = std::fs::read_to_string(out.join("incremental.csv")).unwrap();
    assert_eq!(csv.lines().count(), 11);
    assert!(csv.lines().nth(3).unwrap().ends_with("first_significant"));
}

#[test]
fn pattern_k_matches_pointpats_through_the_cli() {
    let d = tmp();
    let out = d.path().join("k");
    let g = golden("ripley.json");
    let support: Vec<String> = g["A"]["support"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap().to_string())
        .collect();
    crimescape()
        .args([
            "pattern",
            "k",
            "-q",
            "--crs",
            "local-m",
            "--simulations",
            "0",
            "--distances",
        ])
        .arg(support.join(","))
        .arg("-o")
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success();
    let r = json(&out.join("k.json"));
    let k = r["result"]["k"].as_array().unwrap();
    for (a, b) in k.iter().zip(g["A"]["k"].as_array().unwrap()) {
        assert!(close(a.as_f64().unwrap(), b.as_f64().unwrap(), 1e-12));
    }
    assert!(r["result"]["envelope"].is_null());
}

#[test]
fn pattern_nni_k_cross_k_on_a_boundary() {
    let d = tmp();
    let (pts, boundary, layer) = pattern_inputs(d.path());
    let common = [
        "--crs",
        "local-m",
        "--boundary-crs",
        "local-m",
        "--simulations",
        "99",
    ];
    let nni = d.path().join("nni");
    crimescape()
        .args(["pattern", "nni", "--correction", "boundary"])
        .args(common)
        .arg("--boundary")
        .arg(&boundary)
        .arg("-o")
        .arg(&nni)
        .arg(&pts)
        .assert()
        .success()
        .stdout(predicate::str::contains("clustered"))
        .stdout(predicate::str::contains("2.42 km2 (1 polygon(s))"));
    let r = json(&nni.join("nni.json"));
    assert_eq!(r["result"]["n"], 180);
    assert!(r["result"]["nni"].as_f64().unwrap() < 0.5);
    let k = d.path().join("k");
    crimescape()
        .args([
            "pattern",
            "k",
            "--max-distance",
            "200",
            "--steps",
            "5",
            "--edge",
            "border",
        ])
        .args(common)
        .arg("--boundary")
        .arg(&boundary)
        .arg("-o")
        .arg(&k)
        .arg(&pts)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "incidents cluster more than chance predicts at 50",
        ));
    for f in ["k.csv", "k.json", "k.png", "k.png.provenance.json"] {
        assert!(k.join(f).exists(), "{f}");
    }
    let ck = d.path().join("ck");
    crimescape()
        .args([
            "pattern",
            "cross-k",
            "--max-distance",
            "100",
            "--steps",
            "5",
        ])
        .args(common)
        .arg("--boundary")
        .arg(&boundary)
        .arg("--layer")
        .arg(&layer)
        .arg("--layer-crs")
        .arg("local-m")
        .arg("-o")
        .arg(&ck)
        .arg(&pts)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "15 features of bus stops inside the study area",
        ))
        .stdout(predicate::str::contains(
            "incidents are closer to bus stops than chance predicts at 25",
        ));
    let r = json(&ck.join("cross_k.json"));
    assert_eq!(r["result"]["function"], "cross-K");
    // same seed, same output; bad distances are a usage error; no point inside: an error
    let ck2 = d.path().join("ck2");
    crimescape()
        .args([
            "pattern",
            "cross-k",
            "-q",
            "--max-distance",
            "100",
            "--steps",
            "5",
            "--threads",
            "1",
        ])
        .args(common)
        .arg("--boundary")
        .arg(&boundary)
        .arg("--layer")
        .arg(&layer)
        .arg("--layer-crs")
        .arg("local-m")
        .arg("-o")
        .arg(&ck2)
        .arg(&pts)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(ck.join("cross_k.csv")).unwrap(),
        std::fs::read(ck2.join("cross_k.csv")).unwrap()
    );
    crimescape()
        .args([
            "pattern",
            "k",
            "-q",
            "--crs",
            "local-m",
            "--distances",
            "10,5",
            "-o",
        ])
        .arg(d.path().join("bad"))
        .arg(&pts)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("increasing"));
    let far = d.path().join("far.geojson");
    std::fs::write(
        &far,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[9000,9000],[9100,9000],[9100,9100],[9000,9000]]]}}]}"#,
    )
    .unwrap();
    crimescape()
        .args([
            "pattern",
            "nni",
            "-q",
            "--crs",
            "local-m",
            "--boundary-crs",
            "local-m",
            "--boundary",
        ])
        .arg(&far)
        .arg("-o")
        .arg(d.path().join("far"))
        .arg(&pts)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("inside the study area"));
}
