//! `crimescape risk validate` end to end on a small demo city.

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
            "4",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

fn fit_args(c: &std::path::Path) -> Vec<String> {
    let mut v = Vec::new();
    for (n, f) in [("bars", ""), ("lights", ":status=out"), ("hydrants", "")] {
        v.push("--layer".to_string());
        v.push(format!(
            "{n}={}{f}",
            c.join(format!("{n}.geojson")).display()
        ));
    }
    for a in [
        "--block",
        "50",
        "--distances",
        "50,100",
        "--op",
        "proximity",
        "--cell",
        "40",
    ] {
        v.push(a.to_string());
    }
    v
}

#[test]
fn risk_validate_time_split_and_two_files() {
    let d = tmp();
    let c = city(d.path());
    let out = d.path().join("val");
    crimescape()
        .args(["risk", "validate"])
        .arg(c.join("incidents.csv"))
        .args(fit_args(&c))
        .args(["--train-until", "2024-05-01", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("rtm-then-counts"))
        .stdout(predicate::str::contains("kde-quartic"))
        .stdout(predicate::str::contains("gi-star"))
        .stdout(predicate::str::contains("promap"));
    for f in [
        "validation.json",
        "validation.csv",
        "hit_rate.png",
        "pai.png",
        "validation.json.provenance.json",
        "pai.png.provenance.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("validation.json")).unwrap()).unwrap();
    let methods = doc["validation"]["methods"].as_array().unwrap();
    let names: Vec<&str> = methods
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"rtm") && names.contains(&"counts"),
        "{names:?}"
    );
    // 20 area shares per method, same N for every method
    let n_test = doc["validation"]["n_test"].as_f64().unwrap();
    for m in methods {
        let rows = m["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 20);
        assert!(rows.iter().all(|r| r["n_test"].as_f64() == Some(n_test)));
    }
    assert!(doc["tie_rule"].as_str().unwrap().contains("random order"));
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 20 * methods.len());

    // two files: odd rows train, even rows test (no dates needed)
    let text = std::fs::read_to_string(c.join("incidents.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut a, mut b) = (format!("{header}\n"), format!("{header}\n"));
    for (i, l) in lines.enumerate() {
        let t = if i % 2 == 0 { &mut a } else { &mut b };
        t.push_str(l);
        t.push('\n');
    }
    let (fa, fb) = (d.path().join("a.csv"), d.path().join("b.csv"));
    std::fs::write(&fa, a).unwrap();
    // one unusable row in the test file: its rejects file is its own, beside the
    // training file's (which used to make the second load fail: "already exists")
    b.push_str("not,a,usable,row\n");
    std::fs::write(&fb, b).unwrap();
    let out2 = d.path().join("val2");
    let rej = d.path().join("rej.csv");
    crimescape()
        .args(["risk", "validate"])
        .arg(&fa)
        .args(fit_args(&c))
        .arg("--test")
        .arg(&fb)
        .arg("--rejects")
        .arg(&rej)
        .arg("--out")
        .arg(&out2)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("promap")
                .and(predicate::str::contains("needs incident times")),
        );
    assert!(out2.join("validation.csv").exists());
    let test_rejects = std::fs::read_to_string(d.path().join("rej.test.csv")).unwrap();
    assert!(test_rejects.contains("malformed row"), "{test_rejects}");
    assert!(test_rejects.contains("not,a,usable,row"), "{test_rejects}");
    assert!(rej.exists());
}

#[test]
fn risk_validate_needs_a_split() {
    let d = tmp();
    let c = city(d.path());
    crimescape()
        .args(["risk", "validate"])
        .arg(c.join("incidents.csv"))
        .args(fit_args(&c))
        .arg("--out")
        .arg(d.path().join("x"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--train-until"));
    crimescape()
        .args(["risk", "validate"])
        .arg(c.join("incidents.csv"))
        .args(fit_args(&c))
        .args(["--train-until", "2030-01-01", "--out"])
        .arg(d.path().join("y"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no test incident"));
}
