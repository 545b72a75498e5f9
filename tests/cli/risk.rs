//! Risk terrain model and ranked sites through the CLI.

use predicates::prelude::*;

use crate::common::*;

fn city(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--city-only",
            "--incidents",
            "3000",
            "--size",
            "2000",
            "--seed",
            "3",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

fn layer_args(c: &std::path::Path, lights_filter: bool) -> Vec<String> {
    let mut v = Vec::new();
    for (n, f) in [("bars", ""), ("lights", ":status=out"), ("hydrants", "")] {
        v.push("--layer".to_string());
        let filt = if lights_filter { f } else { "" };
        v.push(format!(
            "{n}={}{filt}",
            c.join(format!("{n}.geojson")).display()
        ));
    }
    v
}

#[test]
fn risk_fit_apply_and_sites_write_outputs() {
    let d = tmp();
    let c = city(d.path());
    let r = d.path().join("rtm");
    crimescape()
        .arg("risk")
        .arg("fit")
        .arg(c.join("incidents.csv"))
        .args(layer_args(&c, true))
        .args([
            "--block",
            "50",
            "--distances",
            "50,100",
            "--op",
            "proximity",
            "--cell",
            "40",
            "--out",
        ])
        .arg(&r)
        .assert()
        .success()
        .stdout(predicate::str::contains("bars"))
        .stdout(predicate::str::contains("RRV"))
        .stdout(predicate::str::contains(
            "spatial null (199 toroidal shifts",
        ));
    for f in [
        "factors.csv",
        "factors.json",
        "model.json",
        "risk.geojson",
        "risk.png",
        "risk.csv",
        "model.json.provenance.json",
    ] {
        assert!(r.join(f).exists(), "{f}");
    }
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r.join("model.json")).unwrap()).unwrap();
    assert!(model["factors"].as_array().is_some_and(|a| !a.is_empty()));
    // every selected factor went through the spatial null; kept ones carry their share
    let table: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r.join("factors.json")).unwrap()).unwrap();
    let tests = table["diagnostics"]["spatial_null"].as_array().unwrap();
    assert!(!tests.is_empty());
    for f in table["factors"].as_array().unwrap() {
        assert!(f["null_p"].as_f64().is_some_and(|p| p < 0.05), "{f}");
    }
    let a = d.path().join("applied");
    crimescape()
        .arg("risk")
        .arg("apply")
        .arg(r.join("model.json"))
        .args(layer_args(&c, false))
        // the working CRS comes from model.json (no --to-crs)
        .arg("--out")
        .arg(&a)
        .assert()
        .success()
        .stdout(predicate::str::contains("applied"));
    assert!(a.join("risk.geojson").exists());
    let s = d.path().join("sites");
    crimescape()
        .arg("sites")
        .arg(c.join("incidents.csv"))
        .arg("--model")
        .arg(r.join("model.json"))
        .args(layer_args(&c, false))
        .args(["--top", "5", "--out"])
        .arg(&s)
        .assert()
        .success()
        .stdout(predicate::str::contains("rank"));
    for f in ["sites.csv", "sites.json", "sites.geojson", "sites.png"] {
        assert!(s.join(f).exists(), "{f}");
    }
    // A broken mapping names the line.
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "[[rule]]\nlayer = \"bars\"\nmodifiable = maybe\n").unwrap();
    crimescape()
        .arg("sites")
        .arg(c.join("incidents.csv"))
        .arg("--model")
        .arg(r.join("model.json"))
        .args(layer_args(&c, false))
        .arg("--mapping")
        .arg(&bad)
        .args(["--out"])
        .arg(d.path().join("s2"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("line 3"));
}

#[test]
fn risk_fit_rejects_bad_layer_spec_and_empty_layer() {
    let d = tmp();
    let c = city(d.path());
    crimescape()
        .arg("risk")
        .arg("fit")
        .arg(c.join("incidents.csv"))
        .args(["--layer", "=lights.geojson", "--out"])
        .arg(d.path().join("x"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--layer \"=lights.geojson\": empty name or path",
        ));
    crimescape()
        .arg("risk")
        .arg("fit")
        .arg(c.join("incidents.csv"))
        .arg("--layer")
        .arg(format!(
            "lights={}:status=broken",
            c.join("lights.geojson").display()
        ))
        .args(["--out"])
        .arg(d.path().join("y"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no features"));
}
