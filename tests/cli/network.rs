//! The street network as the space: `crimescape network ...` and `--metric network`.

use predicates::prelude::*;
use serde_json::Value;

use crate::common::*;

/// A small demo city (with its river) written by `crimescape demo --city-only`.
fn city(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--city-only",
            "--incidents",
            "1500",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

fn json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn network_kde_every_form_writes_lixels_and_map() {
    let d = tmp();
    let c = city(d.path());
    for method in ["continuous", "discontinuous", "simple", "planar"] {
        let out = d.path().join(method);
        crimescape()
            .args(["network", "kde", "--quiet", "--streets"])
            .arg(c.join("streets.geojson"))
            .args(["--snap", "100", "--bandwidth", "250", "--lixel", "25"])
            .args(["--method", method, "--out"])
            .arg(&out)
            .arg(c.join("incidents.csv"))
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("{method} form")));
        for f in ["lixels.geojson", "lixels.csv", "nkde.json", "nkde.png"] {
            assert!(out.join(f).exists(), "{method}: {f}");
            assert!(out.join(format!("{f}.provenance.json")).exists());
        }
        let v = json(&out.join("nkde.json"));
        assert_eq!(v["method"], method);
        assert_eq!(v["snapping"]["unsnapped"], 0);
        let lixels = v["lixels"].as_u64().unwrap() as usize;
        let csv = std::fs::read_to_string(out.join("lixels.csv")).unwrap();
        assert_eq!(csv.lines().count(), lixels + 1);
        if method == "continuous" {
            // mass kept on the network, up to what leaves through the dead ends of the
            // city's edge
            let mass = v["mass_on_network"].as_f64().unwrap();
            assert!(mass > 0.9 * 1500.0 && mass <= 1500.0 * 1.001, "{mass}");
        }
    }
}

#[test]
fn network_kde_rejects_bad_input() {
    let d = tmp();
    let c = city(d.path());
    crimescape()
        .args(["network", "kde", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .args(["--bandwidth", "0", "--out"])
        .arg(d.path().join("x"))
        .arg(c.join("incidents.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bandwidth must be > 0"));
    // a point layer is no network
    crimescape()
        .args(["network", "kde", "--quiet", "--streets"])
        .arg(c.join("bars.geojson"))
        .args(["--out"])
        .arg(d.path().join("y"))
        .arg(c.join("incidents.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no line feature"));
}

#[test]
fn network_k_and_cross_k_with_envelopes() {
    let d = tmp();
    let c = city(d.path());
    let out = d.path().join("k");
    crimescape()
        .args(["network", "k", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .args(["--snap", "100", "--max-distance", "500", "--steps", "6"])
        .args(["--simulations", "9", "--out"])
        .arg(&out)
        .arg(c.join("incidents.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("auto K function"));
    let csv = std::fs::read_to_string(out.join("k.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7);
    let v = json(&out.join("k.json"));
    assert_eq!(v["result"]["envelope"]["simulations"], 9);
    assert_eq!(v["result"]["distances"][5], 500.0);
    assert!(out.join("k.png").exists());
    // the same seed gives the same numbers
    let out2 = d.path().join("k2");
    crimescape()
        .args(["network", "k", "--quiet", "--threads", "1", "--streets"])
        .arg(c.join("streets.geojson"))
        .args(["--snap", "100", "--max-distance", "500", "--steps", "6"])
        .args(["--simulations", "9", "--out"])
        .arg(&out2)
        .arg(c.join("incidents.csv"))
        .assert()
        .success();
    assert_eq!(csv, std::fs::read_to_string(out2.join("k.csv")).unwrap());

    let out = d.path().join("cross");
    crimescape()
        .args(["network", "cross-k", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .arg("--facilities")
        .arg(c.join("bars.geojson"))
        .args(["--snap", "100", "--max-distance", "400", "--steps", "5"])
        .args(["--simulations", "19", "--out"])
        .arg(&out)
        .arg(c.join("incidents.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("vs 60 facilities"));
    let v = json(&out.join("cross_k.json"));
    assert_eq!(v["result"]["kind"], "cross");
    assert_eq!(v["result"]["n_b"], 60);
    // incidents cluster around bars (a planted risk): above the envelope at 100 m
    let k = v["result"]["k"][1].as_f64().unwrap();
    let hi = v["result"]["envelope"]["hi"][1].as_f64().unwrap();
    assert!(k > hi, "{k} vs {hi}");
}

#[test]
fn network_gistar_and_moran_on_segments() {
    let d = tmp();
    let c = city(d.path());
    let out = d.path().join("gi");
    crimescape()
        .args(["network", "gistar", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .args(["--snap", "100", "--permutations", "99", "--out"])
        .arg(&out)
        .arg(c.join("incidents.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("Gi*: "));
    let gj = json(&out.join("segments.geojson"));
    let f = &gj["features"][0]["properties"];
    for k in [
        "count",
        "rate_per_100m",
        "rank",
        "cumulative_share",
        "top_50",
        "gi_z",
        "gi_bin",
        "source_id",
    ] {
        assert!(!f[k].is_null() || k == "rate_per_100m", "{k}: {f}");
    }
    let v = json(&out.join("gistar.json"));
    assert!(v["concentration"]["gini"].as_f64().unwrap() > 0.0);
    assert!(out.join("gistar.png").exists());

    let out = d.path().join("moran");
    crimescape()
        .args(["network", "moran", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .args(["--snap", "100", "--neighbours", "band", "--radius", "250"])
        .args(["--value", "rate", "--permutations", "99", "--out"])
        .arg(&out)
        .arg(c.join("incidents.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("Local Moran"));
    let csv = std::fs::read_to_string(out.join("segments.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("quadrant"));
    // band neighbours need a radius
    crimescape()
        .args(["network", "moran", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .args(["--neighbours", "band", "--out"])
        .arg(d.path().join("m2"))
        .arg(c.join("incidents.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--radius"));
}

#[test]
fn near_repeat_and_chains_with_network_metric() {
    let d = tmp();
    let c = city(d.path());
    let out = d.path().join("nr");
    crimescape()
        .args(["near-repeat", "--quiet", "--metric", "network", "--streets"])
        .arg(c.join("streets.geojson"))
        .args([
            "--snap",
            "100",
            "--space",
            "0,100,200,Inf",
            "--time",
            "0,7,14,Inf",
        ])
        .args(["--nrep", "19", "-o"])
        .arg(&out)
        .arg(c.join("incidents.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("network, m"));
    let v = json(&out.join("knox.json"));
    assert_eq!(v["metric"], "network");
    assert_eq!(v["excluded_off_network"], 0);
    // the metric needs the streets
    crimescape()
        .args(["near-repeat", "--quiet", "--metric", "network", "-o"])
        .arg(d.path().join("nr2"))
        .arg(c.join("incidents.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--streets"));

    let out = d.path().join("chains");
    crimescape()
        .args(["chains", "--quiet", "--metric", "network", "--streets"])
        .arg(c.join("streets.geojson"))
        .args(["--snap", "100", "--nrep", "9", "-o"])
        .arg(&out)
        .arg(c.join("incidents.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("near-repeat chains"));
}
