//! Foundation: `info` on every real file and on synthetic fixtures, loading errors,
//! rejects, filters, exit codes, `proximity`, demo determinism.

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::*;

/// `crimescape info --json FILE ARGS...`, which must succeed.
fn info_json(file: &Path, args: &[&str]) -> Value {
    let out = crimescape()
        .arg("info")
        .arg("--json")
        .arg(file)
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "info {} {args:?} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("info --json prints JSON")
}

fn crs_name(v: &Value) -> String {
    match v["kind"].as_str() {
        Some("epsg") => format!("EPSG:{}", v["code"]),
        Some("esri") => format!("ESRI:{}", v["code"]),
        Some("local") => format!("local x{}", v["unit_to_metre"]),
        _ => v.to_string(),
    }
}

/// What a real file must load as.
struct Expect<'a> {
    rows: u64,
    accepted: u64,
    input: &'a str,
    working: &'a str,
    time: Option<(&'a str, &'a str)>,
    missing_time: u64,
}

fn check_real(rel: &str, args: &[&str], e: Expect<'_>) {
    let Some(p) = shared_data(rel) else { return };
    let v = info_json(&p, args);
    let l = &v["load"];
    assert_eq!(l["rows_read"], e.rows, "{rel} rows");
    assert_eq!(l["accepted"], e.accepted, "{rel} accepted");
    assert_eq!(l["missing_time"], e.missing_time, "{rel} missing time");
    assert_eq!(crs_name(&v["crs"]["input"]), e.input, "{rel} input CRS");
    assert_eq!(
        crs_name(&v["crs"]["working"]),
        e.working,
        "{rel} working CRS"
    );
    match e.time {
        Some((a, b)) => {
            assert_eq!(v["time_range"][0], a, "{rel} first time");
            assert_eq!(v["time_range"][1], b, "{rel} last time");
        }
        None => assert!(v["time_range"].is_null(), "{rel} has no times"),
    }
}

#[test]
fn real_chicago_aggravated_assaults_csv_and_geojson() {
    for rel in [
        "chicago/aggravated_assaults_2010_2019.csv",
        "chicago/aggravated_assaults_2010_2019.geojson.gz",
    ] {
        check_real(
            rel,
            &[],
            Expect {
                rows: 148_636,
                accepted: 148_636,
                input: "EPSG:4326",
                working: "EPSG:32616",
                time: Some(("2010-01-01 00:05", "2019-12-31 23:54")),
                missing_time: 0,
            },
        );
    }
}

#[test]
fn real_chicago_burglaries_ppa() {
    for (rel, n) in [
        ("chicago/burglaries_2017_ppa.csv", 6876),
        ("chicago/burglaries_2018_ppa.csv", 6125),
    ] {
        let e = || Expect {
            rows: n,
            accepted: n,
            input: "EPSG:4326",
            working: "EPSG:32616",
            time: None,
            missing_time: n,
        };
        check_real(rel, &[], e());
        // native x/y in ESRI:102271 (Illinois East, metres) are used as is
        check_real(
            rel,
            &["--x", "x", "--y", "y", "--crs", "ESRI:102271"],
            Expect {
                input: "ESRI:102271",
                working: "ESRI:102271",
                ..e()
            },
        );
    }
}

#[test]
fn real_chicago_near_repeat_sets() {
    let e = || Expect {
        rows: 11_701,
        accepted: 11_701,
        input: "EPSG:4326",
        working: "EPSG:32616",
        time: Some(("2015-12-31", "2016-12-31")),
        missing_time: 1,
    };
    let rel = "chicago/residential_burglary_2016_nearrepeat.csv";
    check_real(rel, &[], e());
    check_real(
        rel,
        &["--x", "x", "--y", "y", "--crs", "EPSG:26971"],
        Expect {
            input: "EPSG:26971",
            working: "EPSG:26971",
            ..e()
        },
    );
    check_real(
        "chicago/arson_2016_nearrepeat.csv",
        &[],
        Expect {
            rows: 522,
            accepted: 522,
            input: "EPSG:4326",
            working: "EPSG:32616",
            time: Some(("2016-01-01", "2016-12-29")),
            missing_time: 0,
        },
    );
}

#[test]
fn real_chicago_spatstat_local_feet_uses_xy_when_lonlat_empty() {
    let rel = "chicago/spatstat_chicago_2002_local_feet.csv";
    let e = || Expect {
        rows: 116,
        accepted: 116,
        input: "local x0.3048",
        working: "local x1.0",
        time: None,
        missing_time: 116,
    };
    check_real(rel, &["--crs", "local-ft"], e());
    check_real(rel, &["--crs", "local-ft", "--x", "x", "--y", "y"], e());
    // without --crs: x/y are used (lon/lat are empty), assumed metres, with a note
    check_real(
        rel,
        &[],
        Expect {
            input: "local x1.0",
            ..e()
        },
    );
    let Some(p) = shared_data(rel) else { return };
    let v = info_json(&p, &[]);
    let notes = v["load"]["notes"].to_string();
    assert!(notes.contains("are empty"), "{notes}");
    assert_eq!(v["n_categories"], 7);
}

#[test]
fn real_memphis_robberies() {
    check_real(
        "memphis/robberies_2019.csv",
        &[],
        Expect {
            rows: 2245,
            accepted: 2245,
            input: "EPSG:4326",
            working: "EPSG:32616",
            time: Some(("2019-01-01 01:30:00", "2019-12-31 15:30:00")),
            missing_time: 0,
        },
    );
}

#[test]
fn real_vancouver_crimes() {
    let e = || Expect {
        rows: 33_761,
        accepted: 33_761,
        input: "EPSG:4326",
        working: "EPSG:32610",
        time: Some(("2020-01-01 00:00", "2020-12-31 23:55")),
        missing_time: 0,
    };
    let rel = "vancouver/vpd_crimes_2020.csv";
    check_real(rel, &[], e());
    check_real(
        rel,
        &["--x", "x", "--y", "y", "--crs", "EPSG:32610"],
        Expect {
            input: "EPSG:32610",
            working: "EPSG:32610",
            ..e()
        },
    );
    let Some(p) = shared_data(rel) else { return };
    let v = info_json(&p, &["--where", "category=Theft of Bicycle"]);
    assert_eq!(v["load"]["accepted"], 1987);
    assert_eq!(v["load"]["filtered_out"], 33_761 - 1987);
}

#[test]
fn real_mesa_crimes_in_feet_are_reprojected() {
    let e = || Expect {
        rows: 287,
        accepted: 287,
        input: "EPSG:4326",
        working: "EPSG:32612",
        time: None,
        missing_time: 287,
    };
    let rel = "mesa_az/crimes_geodanet.csv";
    check_real(rel, &[], e());
    // EPSG:2223 (Arizona Central, international feet) → UTM 12N metres
    check_real(
        rel,
        &["--x", "x", "--y", "y", "--crs", "EPSG:2223"],
        Expect {
            input: "EPSG:2223",
            ..e()
        },
    );
    // both readings give the same extent within a metre
    let Some(p) = shared_data(rel) else { return };
    let a = info_json(&p, &[]);
    let b = info_json(&p, &["--x", "x", "--y", "y", "--crs", "EPSG:2223"]);
    for k in 0..4 {
        let (u, v) = (
            a["bbox"][k].as_f64().unwrap(),
            b["bbox"][k].as_f64().unwrap(),
        );
        assert!((u - v).abs() < 1.0, "bbox[{k}]: {u} vs {v}");
    }
}

#[test]
fn real_layers_load_with_their_geometry() {
    for (rel, args, kind, n) in [
        (
            "chicago/layer_campus_parks_polygons.geojson",
            &[][..],
            "polygon",
            112,
        ),
        ("chicago/layer_riverwalk_lines.geojson", &[][..], "line", 70),
        (
            "chicago/boundary_police_districts.geojson",
            &[][..],
            "polygon",
            25,
        ),
        (
            "chicago/layer_cta_bus_stops.geojson",
            &["--layer"][..],
            "point",
            10_833,
        ),
        (
            "chicago/spatstat_chicago_street_network_local_feet.geojson",
            &["--crs", "local-ft"][..],
            "line",
            503,
        ),
        (
            "vancouver/boundary_neighbourhoods.geojson",
            &[][..],
            "polygon",
            22,
        ),
        (
            "memphis/boundary_police_precincts.geojson",
            &[][..],
            "polygon",
            9,
        ),
        ("mesa_az/layer_streets.geojson", &[][..], "line", 293),
    ] {
        let Some(p) = shared_data(rel) else { return };
        let v = info_json(&p, args);
        assert_eq!(v["geometry"][kind], n, "{rel}");
        assert_eq!(v["load"]["accepted"], n, "{rel}");
    }
    // a local-frame file without a crs member: a clear error, not garbage
    let Some(p) = shared_data("chicago/spatstat_chicago_street_network_local_feet.geojson") else {
        return;
    };
    crimescape()
        .arg("info")
        .arg(&p)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--crs local-ft"));
}

// ---------------------------------------------------------------- fixtures

#[test]
fn fixture_bad_rows_counted_by_reason() {
    let v = info_json(&fixture("incidents/bad_rows.csv"), &[]);
    let l = &v["load"];
    assert_eq!(l["rows_read"], 69);
    // the row with an unreadable time (67) is kept, without time
    assert_eq!(l["accepted"], 62);
    assert_eq!(l["missing_time"], 2);
    assert_eq!(l["unparseable_time"], 1);
    assert_eq!(l["time_unparsed"][0]["row"], 67);
    for reason in [
        "missing_coordinates",
        "unparseable_coordinates",
        "non_finite_coordinates",
        "out_of_range_lon_lat",
        "null_island",
        "malformed_row",
        "far_outside_extent",
    ] {
        assert_eq!(l["rejected"][reason], 1, "{reason}");
    }
    assert!(l["rejected"].get("unparseable_time").is_none());
    // text summary names reasons with example rows
    crimescape()
        .args(["info"])
        .arg(fixture("incidents/bad_rows.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("rejected 7"))
        .stdout(predicate::str::contains("unreadable time, kept"))
        .stdout(predicate::str::contains("null-island"));
}

#[test]
fn fixture_rejects_file_has_every_rejected_row_with_raw_fields() {
    let d = tmp();
    let rej = d.path().join("rejects.csv");
    let run = |force: bool| {
        let mut c = crimescape();
        c.arg("info")
            .arg(fixture("incidents/bad_rows.csv"))
            .arg("--rejects")
            .arg(&rej);
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    run(false).success();
    let text = std::fs::read_to_string(&rej).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["row", "reason", "column", "value", "id", "lon", "lat", "datetime", "category"]
    );
    let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(recs.len(), 7);
    let rows: Vec<&str> = recs.iter().map(|x| x.get(0).unwrap()).collect();
    assert_eq!(rows, ["62", "63", "64", "65", "66", "68", "69"]);
    for rec in &recs {
        // the raw id field equals the data row number here
        assert_eq!(rec.get(4), rec.get(0), "{rec:?}");
    }
    // the null-island row (rejected after parsing) still carries its raw fields
    let ni = recs.iter().find(|x| x.get(0) == Some("65")).unwrap();
    assert_eq!(ni.get(1), Some("(0, 0) null-island placeholder"));
    assert_eq!(ni.get(7), Some("2019-01-05 10:00"));
    // not overwritten without --force, overwritten with it
    run(false)
        .code(1)
        .stderr(predicate::str::contains("--force"));
    run(true).success();
}

#[test]
fn fixture_geojson_rejects_carry_the_feature() {
    let d = tmp();
    let rej = d.path().join("rejects.csv");
    let v = info_json(
        &fixture("incidents/bad_features.geojson"),
        &["--rejects", rej.to_str().unwrap()],
    );
    assert_eq!(v["load"]["accepted"], 3);
    assert_eq!(v["load"]["rejected"]["missing_coordinates"], 1);
    assert_eq!(v["load"]["rejected"]["null_island"], 1);
    assert_eq!(v["load"]["unparseable_time"], 1);
    assert_eq!(v["load"]["rejected"]["out_of_range_lon_lat"], 1);
    let mut r = csv::Reader::from_path(&rej).unwrap();
    let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(recs.len(), 3);
    for rec in &recs {
        let f: Value = serde_json::from_str(&rec[4]).expect("raw feature JSON");
        assert_eq!(f["type"], "Feature", "{rec:?}");
    }
    let ni = recs.iter().find(|x| &x[0] == "3").unwrap();
    assert!(ni[4].contains("2019-01-04"), "{ni:?}");
}

#[test]
fn fixture_strict_fails_on_any_rejection() {
    crimescape()
        .arg("info")
        .arg(fixture("incidents/bad_rows.csv"))
        .arg("--strict")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("8 row(s) rejected in strict mode"))
        .stderr(predicate::str::contains("row 62"));
    crimescape()
        .arg("info")
        .arg(fixture("incidents/projected_26971.csv"))
        .args(["--strict", "--crs", "EPSG:26971"])
        .assert()
        .success();
}

#[test]
fn fixture_where_and_time_window_filter() {
    let f = fixture("incidents/bad_rows.csv");
    let v = info_json(&f, &["--where", "category=theft"]);
    assert_eq!(v["load"]["accepted"], 22);
    assert_eq!(v["load"]["filtered_out"], 41);
    assert_eq!(v["n_categories"], 1);
    let v = info_json(&f, &["--where", "category!=theft|battery"]);
    assert_eq!(v["top_categories"][0][0], "BURGLARY");
    assert_eq!(v["n_categories"], 1);
    let v = info_json(&f, &["--from", "2019-02-01", "--to", "2019-03-01"]);
    assert_eq!(v["load"]["accepted"], 28);
    let (a, b) = (
        v["time_range"][0].as_str().unwrap(),
        v["time_range"][1].as_str().unwrap(),
    );
    assert!(
        a.starts_with("2019-02") && b.starts_with("2019-02"),
        "{a} {b}"
    );
    // an unknown --where column is an error naming the columns
    crimescape()
        .arg("info")
        .arg(&f)
        .args(["--where", "district=1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("district"))
        .stderr(predicate::str::contains("id, lon, lat"));
}

#[test]
fn fixture_timestamp_forms_and_precision() {
    let v = info_json(&fixture("incidents/timestamps.csv"), &[]);
    assert_eq!(v["load"]["accepted"], 12);
    let p = &v["time_precision"];
    assert_eq!(
        (
            &p["second"],
            &p["minute"],
            &p["hour"],
            &p["day"],
            &p["month"]
        ),
        (&5.into(), &2.into(), &1.into(), &3.into(), &1.into())
    );
    let v = info_json(
        &fixture("incidents/split_time.csv"),
        &["--crs", "EPSG:32610"],
    );
    assert_eq!(v["load"]["columns"]["year"], "YEAR");
    assert_eq!(v["time_range"][0], "2020-01-03 06:43");
    assert_eq!(v["time_range"][1], "2020-12-31");
    assert_eq!(v["crs"]["working"]["code"], 32610);
}

#[test]
fn fixture_semicolon_decimal_comma_and_time_format() {
    let f = fixture("incidents/semicolon_decimal_comma.csv");
    let v = info_json(
        &f,
        &[
            "--time",
            "tatzeit",
            "--time-format",
            "%d.%m.%Y %H:%M",
            "--category",
            "delikt",
        ],
    );
    assert_eq!(v["load"]["accepted"], 3);
    assert_eq!(v["time_range"][0], "2019-03-04 17:30");
    assert_eq!(v["time_range"][1], "2019-03-06 23:59");
    assert_eq!(v["n_categories"], 2);
    // without the format the dotted dates are read day-first (no field above 12
    // decides it: a loud warning says so)
    let v = info_json(&f, &["--time", "tatzeit"]);
    assert_eq!(v["load"]["accepted"], 3);
    assert_eq!(v["time_range"][0], "2019-03-04 17:30");
    assert_eq!(v["load"]["date_order"]["order"], "day_first");
    assert_eq!(v["load"]["date_order"]["ambiguous"], true);
    assert!(v["load"]["warnings"][0]
        .as_str()
        .is_some_and(|w| w.contains("AMBIGUOUS")));
}

#[test]
fn fixture_location_column() {
    let v = info_json(&fixture("incidents/location_column.csv"), &[]);
    assert_eq!(v["load"]["accepted"], 3);
    assert_eq!(v["load"]["rejected"]["missing_coordinates"], 1);
    assert_eq!(v["load"]["columns"]["location"], "Location");
    assert_eq!(v["time_range"][0], "2018-01-02 13:30:00");
    assert_eq!(v["crs"]["working"]["code"], 32616);
}

/// Runs `info` expecting failure with exit code `code` and every `needle` on stderr.
fn info_fails(file: &Path, args: &[&str], code: i32, needles: &[&str]) {
    let out = crimescape()
        .arg("info")
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "errors go to stderr");
    for n in needles {
        assert!(err.contains(n), "{file:?} {args:?}: {n:?} not in {err}");
    }
}

#[test]
fn fixture_bad_files_give_clear_errors() {
    let f = |n: &str| fixture(&format!("incidents/{n}"));
    info_fails(&f("empty.csv"), &[], 1, &["empty.csv", "empty"]);
    info_fails(&f("header_only.csv"), &[], 1, &["no data rows"]);
    info_fails(
        &f("semicolon_decimal_comma.csv"),
        &["--delimiter", ","],
        1,
        &["wrong delimiter", "nr;lat;lon"],
    );
    info_fails(
        &f("no_coordinates.csv"),
        &[],
        1,
        &["no coordinate column", "id, address, datetime"],
    );
    info_fails(
        &f("projected_26971.csv"),
        &["--time", "occurred_at"],
        1,
        &["occurred_at", "id, x, y, datetime, category"],
    );
    info_fails(
        &f("latin1.csv"),
        &[],
        1,
        &["latin1.csv", "row 2", "category", "UTF-8"],
    );
    // lon/lat values declared as a projected CRS
    info_fails(
        &f("lonlat_in_xy.csv"),
        &["--crs", "EPSG:26971"],
        1,
        &["did you mean --crs EPSG:4326"],
    );
    // projected values declared as lon/lat
    info_fails(
        &f("projected_26971.csv"),
        &["--crs", "EPSG:4326"],
        1,
        &["outside lon/lat ranges", "row 1"],
    );
    info_fails(&f("no_such_file.csv"), &[], 1, &["no_such_file.csv"]);
}

#[test]
fn bad_flags_exit_with_code_2() {
    let f = fixture("incidents/bad_rows.csv");
    info_fails(&f, &["--bogus"], 2, &["--bogus"]);
    info_fails(&f, &["--where", "category"], 2, &["column=value"]);
    info_fails(&f, &["--from", "yesterday"], 2, &["--from"]);
    info_fails(&f, &["--to-crs", "EPSG:4326"], 2, &["--to-crs"]);
    crimescape().assert().code(2);
}

// ---------------------------------------------------------------- demo city

#[test]
fn demo_writes_city_and_refuses_overwrite() {
    let d = tmp();
    let out = d.path().join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--incidents",
            "2000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    for f in [
        "city/incidents.csv",
        "city/streets.geojson",
        "city/ground_truth.json",
        "info.json",
        "provenance.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--incidents",
            "2000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force"));
}

/// All files under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    fn walk(d: &Path, base: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

#[test]
fn demo_is_byte_identical_across_runs_and_thread_counts() {
    let run = |threads: &str| {
        let d = tmp();
        crimescape()
            .current_dir(d.path())
            .args(["demo", "--quiet", "--seed", "7", "--incidents", "1500"])
            .args(["--size", "2000", "--threads", threads, "--out", "demo"])
            .assert()
            .success();
        d
    };
    let a = run("1");
    let b = run("1");
    let c = run("2");
    let (da, db, dc) = (
        a.path().join("demo"),
        b.path().join("demo"),
        c.path().join("demo"),
    );
    let fa = files(&da);
    assert!(fa.len() >= 10, "{fa:?}");
    assert_eq!(fa, files(&db));
    assert_eq!(fa, files(&dc));
    for f in &fa {
        let x = std::fs::read(da.join(f)).unwrap();
        assert_eq!(
            x,
            std::fs::read(db.join(f)).unwrap(),
            "{f:?} differs between runs"
        );
        // provenance records the command line, which differs in --threads (JSON
        // summaries embed the record)
        let name = f.to_string_lossy();
        let y = std::fs::read(dc.join(f)).unwrap();
        if name.ends_with(".json") && !name.ends_with("provenance.json") {
            let strip = |b: &[u8]| {
                let mut v: Value = serde_json::from_slice(b).unwrap();
                if let Some(p) = v.get_mut("provenance").and_then(|p| p.as_object_mut()) {
                    p.remove("command");
                }
                v
            };
            assert!(strip(&x) == strip(&y), "{f:?} depends on threads");
        } else if name.ends_with(".html") {
            // reports show the command line of their provenance
            let y = String::from_utf8(y)
                .unwrap()
                .replace("--threads 2", "--threads 1");
            assert!(x == y.as_bytes(), "{f:?} depends on threads");
        } else if !name.ends_with("provenance.json") {
            assert!(x == y, "{f:?} depends on threads");
        }
    }
    // a different seed gives a different city
    let d = tmp();
    crimescape()
        .current_dir(d.path())
        .args(["demo", "--quiet", "--seed", "8", "--incidents", "1500"])
        .args(["--size", "2000", "--city-only", "--out", "demo"])
        .assert()
        .success();
    assert_ne!(
        std::fs::read(da.join("city/incidents.csv")).unwrap(),
        std::fs::read(d.path().join("demo/city/incidents.csv")).unwrap()
    );
}

#[test]
fn proximity_on_demo_city() {
    let d = tmp();
    let city = d.path().join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--city-only",
            "--incidents",
            "1000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&city)
        .assert()
        .success();
    let out = d.path().join("prox.csv");
    let run = || {
        let mut c = crimescape();
        c.arg("proximity")
            .arg(city.join("city/incidents.csv"))
            .arg("--layer")
            .arg(city.join("city/bars.geojson"))
            .args(["--within", "150", "--quiet", "--out"])
            .arg(&out);
        c
    };
    run().assert().success();
    let mut r = csv::Reader::from_path(&out).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["row", "nearest_feature", "distance_m", "count_within_150m"]
    );
    let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(recs.len(), 1000);
    let mut some_near = false;
    for (i, rec) in recs.iter().enumerate() {
        assert_eq!(rec[0].parse::<usize>().unwrap(), i + 1, "input order");
        let dist: f64 = rec[2].parse().unwrap();
        let count: usize = rec[3].parse().unwrap();
        assert!((0.0..3000.0).contains(&dist), "{rec:?}");
        // inclusive radius: the nearest bar counts when within 150 m
        assert_eq!(count >= 1, dist <= 150.0, "{rec:?}");
        some_near |= count >= 1;
    }
    assert!(some_near);
    let prov: Value =
        serde_json::from_slice(&std::fs::read(d.path().join("prox.csv.provenance.json")).unwrap())
            .unwrap();
    assert_eq!(prov["inputs"][0]["rows_used"], 1000);
    run()
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force"));
    run().arg("--force").assert().success();
    // a negative distance is a usage error
    run().args(["--within", "-1", "--force"]).assert().code(2);
}
