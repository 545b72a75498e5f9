//! `crimescape hotspots ...`: outputs, golden parity through the CLI, errors.

use std::path::Path;

use predicates::prelude::*;

use crate::common::*;

fn read_csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(p).expect("csv");
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

fn col(h: &[String], name: &str) -> usize {
    h.iter()
        .position(|x| x == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn demo_city(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--city-only",
            "--incidents",
            "3000",
            "--size",
            "3000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city/incidents.csv")
}

#[test]
fn hotspots_gistar_cli_matches_golden_slice() {
    let d = tmp();
    let out = d.path().join("gi");
    crimescape()
        .args([
            "hotspots",
            "gistar",
            "--quiet",
            "--crs",
            "local-m",
            "--cell",
            "200",
            "--permutations",
            "99",
            "-o",
        ])
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success();
    for f in [
        "gistar.csv",
        "gistar.geojson",
        "gistar.png",
        "gistar.json",
        "gistar.csv.provenance.json",
        "gistar.png.provenance.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let (h, rows) = read_csv(&out.join("gistar.csv"));
    assert_eq!(rows.len(), 10_000);
    let (gh, grows) = read_csv(&fixture("golden/hotspots/A_cells_sample.csv"));
    let (zi, gz, gid) = (col(&h, "gi_z"), col(&gh, "gi_z"), col(&gh, "cell_id"));
    for g in &grows {
        let id: usize = g[gid].parse().unwrap();
        let ours: f64 = rows[id][zi].parse().unwrap();
        let theirs: f64 = g[gz].parse().unwrap();
        assert!(
            (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1e-9),
            "cell {id}: {ours} vs {theirs}"
        );
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("gistar.json")).unwrap()).unwrap();
    assert_eq!(s["grid"]["n_cells"], 10_000);
    assert_eq!(s["result"]["params"]["permutations"], 99);
    let gj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("gistar.geojson")).unwrap()).unwrap();
    assert_eq!(gj["features"].as_array().unwrap().len(), 10_000);
    assert!(gj["features"][0]["properties"]["gi_z"].is_number());
}

#[test]
fn hotspots_grid_kde_moran_on_demo_city() {
    let d = tmp();
    let inc = demo_city(d.path());
    let out = d.path().join("hs");
    crimescape()
        .args(["hotspots", "grid", "--quiet", "--by-category", "-o"])
        .arg(&out)
        .arg(&inc)
        .assert()
        .success();
    let (h, rows) = read_csv(&out.join("counts.csv"));
    assert!(h.iter().any(|c| c.starts_with("n_")));
    let total: f64 = rows
        .iter()
        .map(|r| r[col(&h, "count")].parse::<f64>().unwrap())
        .sum();
    assert_eq!(total, 3000.0);
    crimescape()
        .args([
            "hotspots",
            "kde",
            "--quiet",
            "--bandwidth",
            "150",
            "--kernel",
            "epanechnikov",
            "-o",
        ])
        .arg(&out)
        .arg(&inc)
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("kde.json")).unwrap()).unwrap();
    let exp = s["result"]["kde"]["expected_sum"].as_f64().unwrap();
    assert!(exp > 2700.0 && exp <= 3000.0, "{exp}");
    // dual KDE of a layer over itself: ratio 1 wherever defined
    let dual = d.path().join("dual");
    crimescape()
        .args(["hotspots", "kde", "--quiet", "--bandwidth", "200", "--dual"])
        .arg(&inc)
        .arg("-o")
        .arg(&dual)
        .arg(&inc)
        .assert()
        .success();
    let (h, rows) = read_csv(&dual.join("kde.csv"));
    let dv = col(&h, "dual_value");
    let defined: Vec<f64> = rows
        .iter()
        .filter_map(|r| r[dv].parse::<f64>().ok())
        .collect();
    assert!(!defined.is_empty());
    assert!(defined.iter().all(|v| (v - 1.0).abs() < 1e-12));
    crimescape()
        .args(["hotspots", "moran", "--quiet", "--permutations", "99", "-o"])
        .arg(&out)
        .arg(&inc)
        .assert()
        .success();
    assert!(out.join("moran.png").exists());
    // outputs are not overwritten without --force
    crimescape()
        .args(["hotspots", "grid", "--quiet", "-o"])
        .arg(&out)
        .arg(&inc)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force"));
}

#[test]
fn hotspots_change_classify_emerging_on_demo_city() {
    let d = tmp();
    let inc = demo_city(d.path());
    let out = d.path().join("t");
    // the demo city spans 2024; split mid-year
    crimescape()
        .args([
            "hotspots",
            "change",
            "--quiet",
            "--cell",
            "250",
            "--split",
            "2024-07-01",
            "-o",
        ])
        .arg(&out)
        .arg(&inc)
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("change.json")).unwrap()).unwrap();
    let (b, a) = (
        s["result"]["n_before"].as_u64().unwrap(),
        s["result"]["n_after"].as_u64().unwrap(),
    );
    assert!(b > 0 && a > 0);
    assert!(out.join("change_kde.png").exists());
    crimescape()
        .args([
            "hotspots",
            "classify",
            "--quiet",
            "--cell",
            "250",
            "--period-days",
            "30",
            "-o",
        ])
        .arg(&out)
        .arg(&inc)
        .assert()
        .success();
    let (h, rows) = read_csv(&out.join("classify.csv"));
    let c = col(&h, "category");
    assert!(rows.iter().any(|r| r[c].contains("hotspot")));
    crimescape()
        .args([
            "hotspots",
            "emerging",
            "--quiet",
            "--cell",
            "250",
            "--period-days",
            "30",
            "-o",
        ])
        .arg(&out)
        .arg(&inc)
        .assert()
        .success();
    assert!(out.join("emerging.geojson").exists());
}

#[test]
fn hotspots_errors_are_clear() {
    let d = tmp();
    let f = d.path().join("same.csv");
    std::fs::write(&f, "x,y\n5,5\n15,5\n5,15\n15,15\n").unwrap();
    // one incident per cell: no variation
    crimescape()
        .args([
            "hotspots", "gistar", "--quiet", "--crs", "local-m", "--cell", "10", "-o",
        ])
        .arg(d.path().join("o"))
        .arg(&f)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("same value"));
    crimescape()
        .args([
            "hotspots",
            "kde",
            "--quiet",
            "--crs",
            "local-m",
            "--bandwidth",
            "wide",
            "-o",
        ])
        .arg(d.path().join("o"))
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bandwidth"));
}

#[test]
fn hotspots_hexagons() {
    let d = tmp();
    let out = d.path().join("hex");
    crimescape()
        .args([
            "hotspots",
            "gistar",
            "--quiet",
            "--hex",
            "--crs",
            "local-m",
            "--cell",
            "400",
            "--permutations",
            "0",
            "-o",
        ])
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success();
    let gj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("gistar.geojson")).unwrap()).unwrap();
    let f = &gj["features"][0];
    assert_eq!(f["geometry"]["coordinates"][0].as_array().unwrap().len(), 7);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("gistar.json")).unwrap()).unwrap();
    assert!(s["result"]["weights"]
        .as_str()
        .unwrap()
        .contains("6 adjacent"));
    let (h, rows) = read_csv(&out.join("gistar.csv"));
    let total: f64 = rows
        .iter()
        .map(|r| r[col(&h, "count")].parse::<f64>().unwrap())
        .sum();
    assert_eq!(total, 2000.0);
    crimescape()
        .args([
            "hotspots", "kde", "--quiet", "--hex", "--crs", "local-m", "-o",
        ])
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--hex"));
}

#[test]
fn hotspots_boundary_filters_and_clips_cells() {
    let d = tmp();
    let b = d.path().join("boundary.geojson");
    std::fs::write(
        &b,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[441000,4421000],[452500,4421000],[446000,4433000],[441000,4421000]]]}}]}"#,
    )
    .unwrap();
    let out = d.path().join("b");
    crimescape()
        .args([
            "hotspots",
            "grid",
            "--quiet",
            "--crs",
            "local-m",
            "--boundary-crs",
            "local-m",
            "--cell",
            "500",
            "--boundary",
        ])
        .arg(&b)
        .arg("-o")
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("counts.json")).unwrap()).unwrap();
    assert_eq!(s["grid"]["extent_rule"], "boundary");
    let n = s["grid"]["n_cells"].as_u64().unwrap();
    assert!(n > 100 && n < 23 * 24, "{n}");
    assert!(s["result"]["outside"].as_u64().unwrap() > 0);
    let gj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("counts.geojson")).unwrap()).unwrap();
    assert_eq!(gj["features"].as_array().unwrap().len() as u64, n);
    assert_eq!(gj["features"][0]["geometry"]["type"], "MultiPolygon");
}

#[test]
fn hotspots_layer_reproduces_grid_gistar() {
    let d = tmp();
    let out = d.path().join("g");
    crimescape()
        .args([
            "hotspots",
            "gistar",
            "--quiet",
            "--crs",
            "local-m",
            "--cell",
            "400",
            "--permutations",
            "0",
            "-o",
        ])
        .arg(&out)
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .assert()
        .success();
    // the cells as a polygon layer, neighbours = centroids within 400*sqrt(2)
    let lo = d.path().join("l");
    crimescape()
        .args([
            "hotspots",
            "layer",
            "--quiet",
            "--value",
            "count",
            "--neighbours",
            "band",
            "--radius",
            "566",
            "--permutations",
            "0",
            "-o",
        ])
        .arg(&lo)
        .arg(out.join("gistar.geojson"))
        .assert()
        .success();
    let (ha, a) = read_csv(&out.join("gistar.csv"));
    let (hb, b) = read_csv(&lo.join("layer.csv"));
    assert_eq!(a.len(), b.len());
    let (za, zb) = (col(&ha, "gi_z"), col(&hb, "gi_z"));
    for (x, y) in a.iter().zip(&b) {
        let (x, y): (f64, f64) = (x[za].parse().unwrap(), y[zb].parse().unwrap());
        assert!((x - y).abs() < 1e-9, "{x} {y}");
    }
    // --incidents counts the points per polygon: the grid counts again
    let lc = d.path().join("lc");
    crimescape()
        .args([
            "hotspots",
            "layer",
            "--quiet",
            "--incidents-crs",
            "local-m",
            "--neighbours",
            "band",
            "--radius",
            "566",
            "--permutations",
            "0",
            "--incidents",
        ])
        .arg(fixture("golden/hotspots/A_input_xy.csv"))
        .arg("-o")
        .arg(&lc)
        .arg(out.join("gistar.geojson"))
        .assert()
        .success();
    let (hc, cnt) = read_csv(&lc.join("layer.csv"));
    // with incidents the layer gains the temporal signature columns (empty here: no times)
    for c in [
        "night_share",
        "weekend_night_share",
        "peak_hour_of_week",
        "time_profile_p",
    ] {
        assert!(hc.iter().any(|h| h == c), "{c} in {hc:?}");
    }
    let (ca, cc) = (col(&ha, "count"), col(&hc, "value"));
    for (x, y) in a.iter().zip(&cnt) {
        assert_eq!(x[ca].parse::<f64>().unwrap(), y[cc].parse::<f64>().unwrap());
    }
    for png in ["layer_value.png", "layer_gistar.png", "layer_moran.png"] {
        let bytes = std::fs::read(lo.join(png)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG", "{png}");
    }
    crimescape()
        .args([
            "hotspots", "layer", "--quiet", "--force", "--value", "nope", "-o",
        ])
        .arg(&lo)
        .arg(out.join("gistar.geojson"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("numeric 'nope'"));
}
