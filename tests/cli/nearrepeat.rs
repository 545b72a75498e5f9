//! `crimescape near-repeat`: Knox test from the command line.

use predicates::prelude::*;

use crate::common::*;

#[test]
fn near_repeat_arson_matches_nearrepeat_observed() {
    let input = fixture("golden/near_repeat/C/input.csv");
    let d = tmp();
    let out = d.path().join("nr");
    crimescape()
        .args([
            "near-repeat",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--nrep",
            "99",
        ])
        .args([
            "--space",
            "0,1,201,401,601,801,1001,Inf",
            "--time",
            "0,1,8,15,22,29,Inf",
            "-o",
        ])
        .arg(&out)
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("knox ratio"))
        .stdout(predicate::str::contains("as likely as chance predicts"));
    for f in [
        "knox.csv",
        "knox.json",
        "knox.png",
        "knox.csv.provenance.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // observed column equals NearRepeat's (golden C, manhattan)
    let ours = std::fs::read_to_string(out.join("knox.csv")).unwrap();
    let gold =
        std::fs::read_to_string(fixture("golden/near_repeat/C/knox_manhattan.long.csv")).unwrap();
    let col = |text: &str, name: &str| -> Vec<String> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
        r.records().map(|x| x.unwrap()[i].to_string()).collect()
    };
    assert_eq!(col(&ours, "observed"), col(&gold, "observed"));
    assert_eq!(col(&ours, "s_band"), col(&gold, "s_band"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("knox.json")).unwrap()).unwrap();
    assert_eq!(v["n_events"], 522);
    assert_eq!(v["method_used"], "permutation");
}

#[test]
fn near_repeat_nrc_bands_and_analytic_only() {
    let input = fixture("golden/near_repeat/C/input.csv");
    let d = tmp();
    let out = d.path().join("nrc");
    crimescape()
        .args([
            "near-repeat",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--nrep",
            "0",
        ])
        .args([
            "--nrc",
            "200,3",
            "--nrc-time",
            "7,2",
            "--metric",
            "euclidean",
            "-o",
        ])
        .arg(&out)
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("[600,Inf)"))
        .stdout(predicate::str::contains("[14,Inf)"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("knox.json")).unwrap()).unwrap();
    assert_eq!(v["method_used"], "analytic");
    assert_eq!(v["metric"], "euclidean");
}

#[test]
fn near_repeat_rejects_bad_breaks() {
    let input = fixture("golden/near_repeat/C/input.csv");
    let d = tmp();
    crimescape()
        .args([
            "near-repeat",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--space",
            "100,50",
            "-o",
        ])
        .arg(d.path().join("x"))
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("strictly increasing"));
    crimescape()
        .args(["near-repeat", "--quiet", "--time", "0,seven", "-o"])
        .arg(d.path().join("y"))
        .arg(&input)
        .assert()
        .code(2);
}

#[test]
fn near_repeat_chicago_burglary_2016() {
    let Some(input) = shared_data("chicago/residential_burglary_2016_nearrepeat.csv") else {
        return;
    };
    let d = tmp();
    let out = d.path().join("b");
    crimescape()
        .args([
            "near-repeat",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--nrep",
            "49",
            "-o",
        ])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("knox.json")).unwrap()).unwrap();
    assert_eq!(v["n_events"], 11_700);
    assert_eq!(v["excluded_missing_time"], 1);
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn repeats_aggregates_by_default_and_exact_on_request() {
    // golden C: 9 rows repeat the (x, y) of an earlier row
    let input = fixture("golden/near_repeat/C/input.csv");
    let d = tmp();
    let out = d.path().join("rep");
    crimescape()
        .args(["repeats", "--quiet", "--crs", "EPSG:26971", "-o"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("9 incidents (1.7%) are repeats"));
    let v = json(&out.join("repeats.json"));
    assert_eq!(v["repeats"], 9);
    assert!(v.get("locations").is_none());
    for f in [
        "repeat_counts.csv",
        "time_between.csv",
        "time_between.png",
        "repeat_cells.geojson",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    assert!(!out.join("repeat_locations.geojson").exists());
    crimescape()
        .args([
            "repeats",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--exact-locations",
            "--force",
            "-o",
        ])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let v = json(&out.join("repeat_locations.geojson"));
    assert!(!v["features"].as_array().unwrap().is_empty());
}

#[test]
fn chains_and_promap_write_outputs() {
    let input = fixture("golden/near_repeat/C/input.csv");
    let d = tmp();
    let out = d.path().join("ch");
    crimescape()
        .args([
            "chains",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--distance",
            "400",
            "--days",
            "3",
        ])
        .args(["--nrep", "19", "-o"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("near-repeat chains: 522 events"));
    let v = json(&out.join("chains.json"));
    assert!(v["chains"].as_array().is_some_and(|c| !c.is_empty()));
    for f in ["chain_lengths.csv", "chains.geojson", "chains.png"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let out = d.path().join("pm");
    crimescape()
        .args([
            "promap",
            "--quiet",
            "--crs",
            "EPSG:26971",
            "--date",
            "2016-10-01",
            "--cell",
            "200",
        ])
        .arg("-o")
        .arg(&out)
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("PAI"));
    let acc = std::fs::read_to_string(out.join("accuracy.csv")).unwrap();
    assert_eq!(acc.lines().count(), 1 + 2 * 3 * 2);
    crimescape()
        .args(["promap", "--quiet", "--date", "someday", "-o"])
        .arg(d.path().join("x"))
        .arg(&input)
        .assert()
        .code(2);
}

#[test]
fn near_repeat_output_does_not_depend_on_threads() {
    let input = fixture("golden/near_repeat/A/input.csv");
    let d = tmp();
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = d.path().join(format!("t{threads}"));
        crimescape()
            .args([
                "near-repeat",
                "--quiet",
                "--nrep",
                "99",
                "--threads",
                threads,
                "-o",
            ])
            .arg(&out)
            .arg(&input)
            .assert()
            .success();
        outs.push(std::fs::read(out.join("knox.csv")).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn near_repeat_max_pairs_limit_and_streamed_analytic() {
    let input = fixture("golden/near_repeat/C/input.csv");
    let d = tmp();
    let run = |extra: &[&str], out: &str| {
        let mut c = crimescape();
        c.args(["near-repeat", "--quiet", "--crs", "EPSG:26971"])
            .args(["--space", "0,1,201,401,Inf", "--time", "0,8,15,Inf"])
            .args(extra)
            .arg("-o")
            .arg(d.path().join(out))
            .arg(&input);
        c.assert()
    };
    // too low a limit for the permutations: a clear error naming the flag and the
    // streamed alternative
    run(&["--nrep", "9", "--max-pairs", "10"], "a")
        .failure()
        .stderr(predicate::str::contains("--max-pairs"))
        .stderr(predicate::str::contains("--nrep 0"));
    // without permutations the pairs are only counted: the limit does not apply
    run(&["--nrep", "0", "--max-pairs", "10"], "b").success();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("b/knox.json")).unwrap())
            .unwrap();
    assert_eq!(v["method_used"], "analytic");
    assert_eq!(v["close_pair_bytes"], 0);
    assert!(v["close_pairs"].as_u64().unwrap() > 10);
}
