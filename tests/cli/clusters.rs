//! `clusters`, `segments`, `evaluate-hotspots`.

use crate::common::{crimescape, fixture, shared_golden, tmp};

fn golden_labels(set: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(fixture(&format!("golden/dbscan/{set}/labels.csv"))).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let v = l.split(',').nth(1).unwrap();
            if v == "-1" {
                String::new()
            } else {
                v.to_string()
            }
        })
        .collect()
}

#[test]
fn clusters_dbscan_matches_sklearn_golden_a() {
    let d = tmp();
    crimescape()
        .args([
            "clusters",
            "--quiet",
            "--crs",
            "local-m",
            "--keep-outliers",
            "--eps",
            "100",
            "--min-samples",
            "10",
            "-o",
        ])
        .arg(d.path())
        .arg(fixture("golden/dbscan/A/input_xy.csv"))
        .assert()
        .success();
    let text = std::fs::read_to_string(d.path().join("labels.csv")).unwrap();
    let got: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(got, golden_labels("A"));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("clusters.json")).unwrap()).unwrap();
    assert_eq!(j["n_clusters"], 4);
    assert_eq!(j["n_noise"], 1846);
    assert_eq!(j["n_core"], 100);
    for f in [
        "clusters.geojson",
        "clusters.png",
        "labels.csv.provenance.json",
    ] {
        assert!(d.path().join(f).exists(), "{f}");
    }
}

#[test]
fn clusters_st_dbscan_needs_eps_days() {
    let d = tmp();
    crimescape()
        .args([
            "clusters",
            "--quiet",
            "--crs",
            "local-m",
            "--method",
            "st-dbscan",
            "-o",
        ])
        .arg(d.path())
        .arg(fixture("golden/dbscan/A/input_xy.csv"))
        .assert()
        .code(2);
}

#[test]
fn evaluate_hotspots_matches_golden_pai_b() {
    let Some(input) = shared_golden("pai/B/input.csv") else {
        return;
    };
    let d = tmp();
    crimescape()
        .args([
            "evaluate-hotspots",
            "--quiet",
            "--x",
            "x",
            "--y",
            "y",
            "--time",
            "datetime",
            "--crs",
            "EPSG:26971",
            "--keep-outliers",
            "--cell",
            "250",
            "--train-from",
            "2016-01-01",
            "--train-until",
            "2016-10-01",
            "-o",
        ])
        .arg(d.path())
        .arg(input)
        .assert()
        .success();
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("accuracy.json")).unwrap()).unwrap();
    assert_eq!(j["grid"]["x0"], 340250.0);
    assert_eq!(j["grid"]["ncols"], 108);
    assert_eq!(j["grid"]["nrows"], 168);
    let rows = j["methods"][0]["rows"].as_array().unwrap();
    // f = 1 %, 5 %, 10 %: (k, n, N, n_max, PAI) from ../shared/golden/pai/B/pai.csv
    for (i, k, n, nmax, pai) in [
        (0, 182, 316.0, 710.0, 9.801732803599636),
        (4, 908, 988.0, 1969.0, 6.142685223512771),
        (9, 1815, 1546.0, 2876.0, 4.808615201057358),
    ] {
        assert_eq!(rows[i]["k_cells"], k);
        assert_eq!(rows[i]["n_hot"], n);
        assert_eq!(rows[i]["n_test"], 3214.0);
        assert_eq!(rows[i]["n_max"], nmax);
        assert!((rows[i]["pai"].as_f64().unwrap() - pai).abs() < 1e-12 * pai);
    }
    assert!(d.path().join("pai.png").exists());
    // all four methods of the toolkit on the same split, 20 area shares each
    let names: Vec<&str> = j["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["counts", "kde-quartic", "gi-star", "promap"]);
    assert_eq!(j["skipped"].as_array().unwrap().len(), 0);
    for m in j["methods"].as_array().unwrap() {
        let rows = m["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 20);
        assert_eq!(rows[0]["k_cells"], 182);
        assert_eq!(rows[0]["n_test"], 3214.0);
        // a hotspot map beats the uniform map (PAI 1) on this clustered city
        assert!(rows[0]["pai"].as_f64().unwrap() > 1.0, "{}", m["method"]);
    }
    let csv = std::fs::read_to_string(d.path().join("accuracy.csv")).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("gi-star,")).count(),
        20
    );
    assert_eq!(csv.lines().filter(|l| l.starts_with("promap,")).count(), 20);
}

#[test]
fn segments_counts_snapping_and_degenerate_lines() {
    let d = tmp();
    let streets = d.path().join("streets.geojson");
    std::fs::write(
        &streets,
        r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"a"},"geometry":{"type":"LineString","coordinates":[[0,0],[100,0]]}},
 {"type":"Feature","properties":{"id":"b"},"geometry":{"type":"LineString","coordinates":[[50,-50],[50,50]]}},
 {"type":"Feature","properties":{"id":"z"},"geometry":{"type":"LineString","coordinates":[[500,500],[500,500]]}}
]}"#,
    )
    .unwrap();
    let inc = d.path().join("inc.csv");
    std::fs::write(&inc, "x,y\n10,2\n20,-3\n80,1\n52,40\n300,300\n").unwrap();
    let out = d.path().join("out");
    crimescape()
        .args([
            "segments",
            "--quiet",
            "--crs",
            "local-m",
            "--keep-outliers",
            "--streets-crs",
            "local-m",
            "--split",
            "--tolerance",
            "5",
            "--cell",
            "50",
            "-o",
        ])
        .arg(&out)
        .arg(&inc)
        .arg("--streets")
        .arg(&streets)
        .assert()
        .success();
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("concentration.json")).unwrap()).unwrap();
    assert_eq!(j["segments"]["n_segments"], 4);
    assert_eq!(j["segments"]["skipped_degenerate_lines"], 1);
    assert_eq!(j["segments"]["unsnapped"], 1);
    // counts per segment: a-west 2, a-east 1, b-south 0, b-north 1
    let csv = std::fs::read_to_string(out.join("segments.csv")).unwrap();
    let counts: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(counts, vec!["2", "1", "0", "1"]);
    let c = &j["segments"]["concentration"];
    assert_eq!(c["n_nonzero"], 3);
    // 50 % of 4 incidents: the segment with 2
    assert_eq!(c["shares"][1]["units"], 1);
    for f in [
        "segments.geojson",
        "lorenz.png",
        "segments.png",
        "top_segments.csv",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn clusters_hdbscan_and_nnh_run_on_golden_a() {
    let d = tmp();
    crimescape()
        .args([
            "clusters",
            "--quiet",
            "--crs",
            "local-m",
            "--keep-outliers",
            "--method",
            "hdbscan",
            "--min-cluster-size",
            "25",
            "-o",
        ])
        .arg(d.path())
        .arg(fixture("golden/dbscan/A/input_xy.csv"))
        .assert()
        .success();
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("clusters.json")).unwrap()).unwrap();
    // sklearn.cluster.HDBSCAN(min_cluster_size=25): 9 clusters
    assert_eq!(j["n_clusters"], 9);
    let d2 = tmp();
    crimescape()
        .args([
            "clusters",
            "--crs",
            "local-m",
            "--keep-outliers",
            "--method",
            "nnh",
            "--nnh-probability",
            "0.01",
            "--min-points",
            "10",
            "--simulations",
            "9",
            "-o",
        ])
        .arg(d2.path())
        .arg(fixture("golden/dbscan/A/input_xy.csv"))
        .assert()
        .success()
        .stdout(predicates::str::contains("Monte Carlo (9 replicates"));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d2.path().join("clusters.json")).unwrap()).unwrap();
    assert!(j["n_clusters"].as_u64().unwrap() > 0);
    assert_eq!(j["nnh"]["simulation"]["simulations"], 9);
}

#[test]
fn segments_with_nothing_snapped_still_reports() {
    let d = tmp();
    let streets = d.path().join("streets.geojson");
    std::fs::write(
        &streets,
        r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[100,0]]}},
 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,5]]}}
]}"#,
    )
    .unwrap();
    let inc = d.path().join("inc.csv");
    std::fs::write(&inc, "x,y\n500,500\n500,500\n600,600\n").unwrap();
    let out = d.path().join("out");
    crimescape()
        .args([
            "segments",
            "--crs",
            "local-m",
            "--keep-outliers",
            "--streets-crs",
            "local-m",
            "--tolerance",
            "1",
            "--cell",
            "50",
            "-o",
        ])
        .arg(&out)
        .arg(&inc)
        .arg("--streets")
        .arg(&streets)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "no incident within the tolerance",
        ));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("concentration.json")).unwrap()).unwrap();
    assert_eq!(j["segments"]["unsnapped"], 3);
    assert!(j["segments"]["concentration"].is_null());
}
