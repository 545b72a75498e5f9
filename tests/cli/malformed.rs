//! Malformed inputs and faults (issue 12): every input is generated here, and every
//! outcome is asserted: a clear error with the right exit code, a counted
//! rejection, or a result, never a panic (exit code 101) or an abort (134), and
//! always `accepted + rejected + filtered = rows read`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::common::*;

// ------------------------------------------------------------------ helpers

fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    crimescape().args(args).output().expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit code `code`, no panic, and `needles` in stderr.
#[track_caller]
fn expect(out: &Output, code: i32, needles: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {err}\nstdout: {}",
        text(&out.stdout)
    );
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in stderr: {err}");
    }
}

/// `info --json FILE ARGS`, which must succeed; checks that the counts add up.
#[track_caller]
fn info(file: &Path, args: &[&str]) -> Value {
    let out = crimescape()
        .arg("info")
        .arg("--json")
        .arg(file)
        .args(args)
        .output()
        .expect("runs");
    expect(&out, 0, &[]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    counts_add_up(&v["load"]);
    v
}

#[track_caller]
fn counts_add_up(l: &Value) {
    let n = |k: &str| l[k].as_u64().unwrap_or(0);
    let rejected: u64 = l["rejected"]
        .as_object()
        .map_or(0, |m| m.values().filter_map(Value::as_u64).sum());
    assert_eq!(
        n("accepted") + rejected + n("filtered_out"),
        n("rows_read"),
        "accepted + rejected + filtered = rows read: {l}"
    );
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write");
    p
}

fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    write(dir, name, serde_json::to_vec_pretty(v).expect("json"))
}

/// A small demo city (generated once per test run) and a risk model fitted on it.
struct City {
    dir: PathBuf,
    model: PathBuf,
}

impl City {
    fn f(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn city() -> &'static City {
    static CITY: OnceLock<City> = OnceLock::new();
    CITY.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("malformed-city");
        let out = run([
            OsStr::new("demo"),
            OsStr::new("--quiet"),
            OsStr::new("--force"),
            OsStr::new("--city-only"),
            OsStr::new("--incidents"),
            OsStr::new("800"),
            OsStr::new("--size"),
            OsStr::new("2000"),
            OsStr::new("--seed"),
            OsStr::new("3"),
            OsStr::new("--out"),
            root.as_os_str(),
        ]);
        expect(&out, 0, &[]);
        let dir = root.join("city");
        let fit = root.join("fit");
        let out = crimescape()
            .args(["risk", "fit", "--quiet", "--force"])
            .arg(dir.join("incidents.csv"))
            .arg("--layer")
            .arg(format!(
                "lights={}:status=out",
                dir.join("lights.geojson").display()
            ))
            .arg("--layer")
            .arg(format!("bars={}", dir.join("bars.geojson").display()))
            .arg("--out")
            .arg(&fit)
            .output()
            .expect("runs");
        expect(&out, 0, &[]);
        City {
            dir,
            model: fit.join("model.json"),
        }
    })
}

/// The city's model with a change applied to its JSON.
fn model_with(d: &Path, name: &str, f: impl FnOnce(&mut Value)) -> PathBuf {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(&city().model).expect("model")).expect("json");
    f(&mut v);
    write_json(d, name, &v)
}

// ------------------------------------------------------------------ 1. stray quote

#[test]
fn stray_quote_costs_one_row_not_the_rest() {
    let d = tmp();
    // the issue's reproduction
    let q = write(
        d.path(),
        "q.csv",
        "lon,lat,datetime,category\n2.08,48.77,2024-01-01,\"burglary\n2.09,48.78,2024-01-02,theft\n2.10,48.79,2024-01-03,theft\n",
    );
    let v = info(&q, &[]);
    assert_eq!(v["load"]["rows_read"], 3);
    assert_eq!(v["load"]["accepted"], 2);
    assert_eq!(v["load"]["rejected"]["unbalanced_quote"], 1);
    assert_eq!(v["load"]["rejections"][0]["row"], 1);
    let out = run([OsStr::new("info"), OsStr::new("--strict"), q.as_os_str()]);
    expect(&out, 1, &["strict", "row 1", "unbalanced quote"]);

    // 3,000 rows, one stray quote at row 100, legitimate multi-line narratives
    let mut s = String::from("lon,lat,datetime,category,narrative\n");
    for i in 0..3000u32 {
        let cat = if i == 99 { "\"burglary" } else { "burglary" };
        let nar = if i % 500 == 7 {
            "\"entered, took the TV\nand left, by the back door\""
        } else {
            "none"
        };
        s.push_str(&format!(
            "{:.5},{:.5},2024-{:02}-{:02},{cat},{nar}\n",
            2.05 + f64::from(i % 70) * 0.001,
            48.75 + f64::from(i / 70) * 0.001,
            1 + i % 12,
            1 + i % 28
        ));
    }
    let big = write(d.path(), "big.csv", s);
    let v = info(&big, &[]);
    assert_eq!(
        (
            v["load"]["rows_read"].as_u64(),
            v["load"]["accepted"].as_u64()
        ),
        (Some(3000), Some(2999))
    );
    assert_eq!(v["load"]["rejections"][0]["row"], 100);
    let out = crimescape()
        .args(["hotspots", "grid", "--cell", "100", "-o"])
        .arg(d.path().join("hs"))
        .arg(&big)
        .output()
        .expect("runs");
    expect(&out, 0, &[]);
    assert!(
        text(&out.stdout).starts_with("2999 in"),
        "{}",
        text(&out.stdout)
    );
    // --rejects writes the row with its own fields
    let rj = d.path().join("rejects.csv");
    let out = crimescape()
        .args(["info", "--rejects"])
        .arg(&rj)
        .arg(&q)
        .output()
        .expect("runs");
    expect(&out, 0, &[]);
    let r = std::fs::read_to_string(&rj).expect("rejects");
    assert!(
        r.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("1,unbalanced quote,category")),
        "{r}"
    );
}

// ------------------------------------------------------------------ 2. day-first dates

#[test]
fn day_first_dates_are_decided_from_the_whole_column() {
    let d = tmp();
    let f = write(
        d.path(),
        "dmy.csv",
        "lon,lat,date\n2.08,48.77,01/02/2024 10:00\n2.09,48.78,13/01/2024 00:09\n2.07,48.76,28/12/2024 23:00\n",
    );
    let v = info(&f, &[]);
    assert_eq!(v["load"]["missing_time"], 0);
    assert_eq!(v["load"]["date_order"]["order"], "day_first");
    assert_eq!(
        v["time_range"],
        json!(["2024-01-13 00:09", "2024-12-28 23:00"])
    );
    let out = run([OsStr::new("info"), f.as_os_str()]);
    expect(&out, 0, &[]);
    assert!(
        text(&out.stdout).contains("date order: day-first"),
        "{}",
        text(&out.stdout)
    );
    // provenance says how the dates were read
    let o = d.path().join("hs");
    let out = crimescape()
        .args(["hotspots", "grid", "--quiet", "--cell", "500", "-o"])
        .arg(&o)
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 0, &[]);
    let prov = std::fs::read_to_string(o.join("counts.csv.provenance.json")).expect("provenance");
    assert!(prov.contains("day-first"), "{prov}");

    // both orders in one column: an error naming the rows and --time-format
    let f = write(
        d.path(),
        "mixed.csv",
        "lon,lat,date\n2.08,48.77,13/01/2024\n2.09,48.78,01/13/2024\n",
    );
    expect(
        &run([OsStr::new("info"), f.as_os_str()]),
        1,
        &["row 1", "row 2", "--time-format"],
    );
    // nothing decides: a warning naming --time-format
    let f = write(
        d.path(),
        "amb.csv",
        "lon,lat,date\n2.08,48.77,01/02/2024\n2.09,48.78,03/04/2024\n",
    );
    let v = info(&f, &[]);
    assert_eq!(v["load"]["date_order"]["ambiguous"], true);
    let out = crimescape()
        .args(["hotspots", "grid", "--quiet", "--cell", "500", "-o"])
        .arg(d.path().join("amb"))
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 0, &["WARNING", "AMBIGUOUS", "--time-format"]);
    // an explicit format wins
    let v = info(&f, &["--time-format", "%d/%m/%Y"]);
    assert_eq!(v["time_range"], json!(["2024-02-01", "2024-04-03"]));
}

// ------------------------------------------------------------------ 3. rows without time

#[test]
fn unreadable_times_are_kept_for_time_free_analyses() {
    let d = tmp();
    let mut s = String::from("lon,lat,date\n");
    for i in 0..40 {
        let t = if i % 4 == 0 {
            "not recorded".to_string()
        } else {
            format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 27)
        };
        s.push_str(&format!(
            "{:.4},{:.4},{t}\n",
            2.08 + (i % 7) as f64 * 0.001,
            48.77 + (i / 7) as f64 * 0.001
        ));
    }
    let f = write(d.path(), "t.csv", s);
    let v = info(&f, &[]);
    assert_eq!(v["load"]["accepted"], 40);
    assert_eq!(
        (
            v["load"]["missing_time"].as_u64(),
            v["load"]["unparseable_time"].as_u64()
        ),
        (Some(10), Some(10))
    );
    assert!(v["load"]["rejected"]
        .as_object()
        .is_some_and(|m| m.is_empty()));
    // a time-free analysis uses all 40
    let out = crimescape()
        .args(["hotspots", "grid", "--cell", "100", "-o"])
        .arg(d.path().join("g"))
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 0, &[]);
    assert!(
        text(&out.stdout).starts_with("40 in"),
        "{}",
        text(&out.stdout)
    );
    // a time-based analysis says how many it could not use
    let out = crimescape()
        .args(["near-repeat", "--nrep", "9", "-o"])
        .arg(d.path().join("nr"))
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 0, &["10 without time"]);
    let out = crimescape()
        .args(["promap", "--quiet", "--date", "2024-06-01", "-o"])
        .arg(d.path().join("pm"))
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 0, &[]);
    assert!(
        text(&out.stdout).contains("10 of 40 incidents have no (readable) time"),
        "{}",
        text(&out.stdout)
    );
    // the time window counts them as filtered without time
    let v = info(&f, &["--from", "2024-01-01"]);
    assert_eq!(
        (
            v["load"]["filtered_out"].as_u64(),
            v["load"]["filtered_without_time"].as_u64()
        ),
        (Some(10), Some(10))
    );
}

// ------------------------------------------------------------------ 4. data.police.uk

#[test]
fn uk_police_month_layout_is_read() {
    let d = tmp();
    let f = write(
        d.path(),
        "2024-01-metropolitan-street.csv",
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
         ,2024-01,Metropolitan Police Service,Metropolitan Police Service,-0.106720,51.517913,On or near Holborn,E01000914,Camden 028B,Anti-social behaviour,,\n\
         abc1,2024-01,Metropolitan Police Service,Metropolitan Police Service,-0.111497,51.518226,On or near Parking Area,E01000914,Camden 028B,Burglary,Under investigation,\n\
         abc2,2024-02,Metropolitan Police Service,Metropolitan Police Service,,,No Location,,,Other crime,Under investigation,\n",
    );
    let v = info(&f, &[]);
    assert_eq!(v["load"]["columns"]["time"], "Month");
    assert_eq!(v["load"]["columns"]["category"], "Crime type");
    assert_eq!(v["time_precision"]["month"], 2);
    assert_eq!(v["load"]["rejected"]["missing_coordinates"], 1);
}

// ------------------------------------------------------------------ 5. implausible places

#[test]
fn implausible_locations_are_loud() {
    let d = tmp();
    // Chicago written latitude first: in range, near the South Pole
    let f = write(
        d.path(),
        "swapped.csv",
        "lon,lat\n41.8781,-87.6298\n41.8800,-87.6300\n41.8790,-87.6310\n",
    );
    let out = run([OsStr::new("info"), f.as_os_str()]);
    expect(&out, 0, &[]);
    assert!(text(&out.stdout).contains("WARNING") && text(&out.stdout).contains("swapped"));
    let out = crimescape()
        .args(["hotspots", "grid", "--quiet", "--cell", "100", "-o"])
        .arg(d.path().join("g"))
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 0, &["WARNING", "swapped"]);
    // --crs EPSG:26971 on a file with lon/lat and (UTM) x/y columns
    let c = city();
    let out = crimescape()
        .args(["info", "--crs", "EPSG:26971"])
        .arg(c.f("incidents.csv"))
        .output()
        .expect("runs");
    expect(&out, 1, &["not in EPSG:26971"]);
    // a layer of another city
    let far = write_json(
        d.path(),
        "chicago_bars.geojson",
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-87.63, 41.88]}}]}),
    );
    let out = crimescape()
        .args(["proximity", "--quiet", "--within", "100", "--layer"])
        .arg(&far)
        .arg("--out")
        .arg(d.path().join("p.csv"))
        .arg(c.f("incidents.csv"))
        .output()
        .expect("runs");
    expect(&out, 0, &["WARNING", "same place"]);
}

// ------------------------------------------------------------------ 6. headers, BOM, rejects

#[test]
fn duplicate_header_bom_layer_and_rejects_of_a_failed_load() {
    let d = tmp();
    let f = write(d.path(), "dup.csv", "lat,lat,lon\n41.8,41.9,-87.6\n");
    expect(
        &run([OsStr::new("info"), f.as_os_str()]),
        1,
        &["columns 1 ('lat') and 2 ('lat')"],
    );
    // a GeoJSON layer with a UTF-8 byte-order mark
    let mut b = b"\xef\xbb\xbf".to_vec();
    b.extend_from_slice(
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"p"},"geometry":{"type":"Polygon","coordinates":[[[2.0,48.0],[2.01,48.0],[2.01,48.01],[2.0,48.0]]]}}]}"#,
    );
    let g = write(d.path(), "bom.geojson", b);
    let out = run([OsStr::new("info"), OsStr::new("--layer"), g.as_os_str()]);
    expect(&out, 0, &[]);
    assert!(
        text(&out.stdout).contains("accepted 1"),
        "{}",
        text(&out.stdout)
    );
    // every row rejected: an error, and --rejects still writes them all
    let f = write(d.path(), "bad.csv", "lon,lat,id\n,,a\nabc,1,b\n0,0,c\n");
    let rj = d.path().join("rj.csv");
    let out = crimescape()
        .args(["info", "--rejects"])
        .arg(&rj)
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 1, &["no usable rows", "wrote 3 rejected row(s)"]);
    let r = std::fs::read_to_string(&rj).expect("rejects written");
    assert_eq!(r.lines().count(), 4, "{r}");
    assert!(
        r.contains(",a") && r.contains(",b") && r.contains(",c"),
        "{r}"
    );
    // --strict too
    let f = write(d.path(), "some.csv", "lon,lat\n2.0,48.0\n,\n");
    let rj2 = d.path().join("rj2.csv");
    let out = crimescape()
        .args(["info", "--strict", "--rejects"])
        .arg(&rj2)
        .arg(&f)
        .output()
        .expect("runs");
    expect(&out, 1, &["strict"]);
    assert_eq!(
        std::fs::read_to_string(&rj2)
            .expect("rejects")
            .lines()
            .count(),
        2
    );
}

// ------------------------------------------------------------------ sizes

#[test]
fn sizes_above_their_limits_are_usage_errors() {
    let c = city();
    let d = tmp();
    let inc = c.f("incidents.csv");
    let o = d.path().join("o");
    let cases: Vec<Vec<&OsStr>> = vec![
        vec![
            OsStr::new("hotspots"),
            OsStr::new("gistar"),
            OsStr::new("--permutations"),
            OsStr::new("18446744073709551615"),
        ],
        vec![
            OsStr::new("hotspots"),
            OsStr::new("moran"),
            OsStr::new("--permutations"),
            OsStr::new("4000000000"),
        ],
        vec![
            OsStr::new("near-repeat"),
            OsStr::new("--nrep"),
            OsStr::new("4000000000"),
        ],
        vec![
            OsStr::new("chains"),
            OsStr::new("--nrep"),
            OsStr::new("18446744073709551615"),
        ],
        vec![
            OsStr::new("clusters"),
            OsStr::new("--method"),
            OsStr::new("nnh"),
            OsStr::new("--simulations"),
            OsStr::new("4000000000"),
        ],
        vec![
            OsStr::new("promap"),
            OsStr::new("--date"),
            OsStr::new("2024-06-01"),
            OsStr::new("--horizon"),
            OsStr::new("1e308"),
        ],
        vec![
            OsStr::new("hotspots"),
            OsStr::new("gistar"),
            OsStr::new("--neighbours"),
            OsStr::new("band"),
            OsStr::new("--radius"),
            OsStr::new("1e308"),
        ],
        vec![
            OsStr::new("hotspots"),
            OsStr::new("grid"),
            OsStr::new("--cell"),
            OsStr::new("1e-6"),
        ],
    ];
    for args in cases {
        let out = crimescape()
            .args(&args)
            .args([
                OsStr::new("--quiet"),
                OsStr::new("-o"),
                o.as_os_str(),
                inc.as_os_str(),
            ])
            .output()
            .expect("runs");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("limit"), "{args:?}: {err}");
    }
    let out = crimescape()
        .args(["--threads", "100000", "info"])
        .arg(&inc)
        .output()
        .expect("runs");
    expect(&out, 2, &["threads = 100000", "limit"]);
    let out = crimescape()
        .args([
            "demo",
            "--city-only",
            "--incidents",
            "18446744073709551615",
            "--out",
        ])
        .arg(&o)
        .output()
        .expect("runs");
    expect(&out, 2, &["limit"]);
    let out = crimescape()
        .args(["risk", "fit", "--folds", "4000000000", "--layer"])
        .arg(format!("bars={}", c.f("bars.geojson").display()))
        .arg("-o")
        .arg(&o)
        .arg(&inc)
        .output()
        .expect("runs");
    expect(&out, 2, &["cv_folds", "limit"]);

    // a model grid of 10^9 columns (a file's content: exit code 1), in every command
    // that reads models
    let huge = model_with(d.path(), "huge.json", |v| {
        v["grid"]["ncols"] = json!(1_000_000_000u64)
    });
    let bars = format!("bars={}", c.f("bars.geojson").display());
    let lights = format!("lights={}", c.f("lights.geojson").display());
    let out = crimescape()
        .args([
            "risk",
            "apply",
            "--to-crs",
            "EPSG:32631",
            "--layer",
            &bars,
            "--layer",
            &lights,
            "-o",
        ])
        .arg(d.path().join("ra"))
        .arg(&huge)
        .output()
        .expect("runs");
    expect(&out, 1, &["grid cells", "limit"]);
    let out = crimescape()
        .args([
            "sites", "--quiet", "--layer", &bars, "--layer", &lights, "--model",
        ])
        .arg(&huge)
        .arg("-o")
        .arg(d.path().join("st"))
        .arg(&inc)
        .output()
        .expect("runs");
    expect(&out, 1, &["grid cells"]);
    let out = assess(c, d.path(), &huge, None);
    expect(&out, 1, &["grid cells"]);
    // a proposal adding lights every nanometre
    let p = write_json(
        d.path(),
        "spacing.geojson",
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"action": "add", "layer": "lights", "spacing": 1e-9, "status": "on"},
             "geometry": {"type": "LineString", "coordinates": [[2.055, 48.755], [2.065, 48.757]]}}]}),
    );
    let out = assess(c, d.path(), &c.model, Some(&p));
    expect(&out, 1, &["spacing", "limit"]);
}

/// `assess` on the city with a model and a proposal (default: repair the lights).
fn assess(c: &City, d: &Path, model: &Path, proposal: Option<&Path>) -> Output {
    let p = match proposal {
        Some(p) => p.to_path_buf(),
        None => write_json(
            d,
            "repair.geojson",
            &json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": null, "properties": {
                    "action": "modify", "layer": "lights", "where": {"status": "out"}, "set": {"status": "on"}}}]}),
        ),
    };
    crimescape()
        .args(["assess", "--streets"])
        .arg(c.f("streets.geojson"))
        .arg("--spaces")
        .arg(c.f("parks.geojson"))
        .arg("--layer")
        .arg(c.f("lights.geojson"))
        .arg("--layer")
        .arg(c.f("bars.geojson"))
        .arg("--proposal")
        .arg(p)
        .arg("--model")
        .arg(model)
        .arg("--no-per-action")
        .arg("--force")
        .arg("--out")
        .arg(d.join("assess"))
        .output()
        .expect("runs")
}

// ------------------------------------------------------------------ streams

#[test]
fn closed_and_full_output_streams() {
    let c = city();
    let d = tmp();
    let inc = c.f("incidents.csv");
    // stdout closed before anything is read (`| head -c0`): success
    for args in [
        vec!["near-repeat", "--nrep", "9", "-o"],
        vec!["info", "--json"],
    ] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("crimescape"));
        cmd.args(&args);
        if args[0] == "near-repeat" {
            cmd.arg(d.path().join("nr"));
        }
        let mut child = cmd
            .arg(&inc)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        expect(&out, 0, &[]);
    }
    let bars = format!("bars={}", c.f("bars.geojson").display());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("crimescape"))
        .args(["risk", "fit", "--layer", &bars, "-o"])
        .arg(d.path().join("fit"))
        .arg(&inc)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    expect(&child.wait_with_output().expect("wait"), 0, &[]);

    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipping the full-disk cases: no /dev/full");
        return;
    };
    // stdout on a full disk: a clear error, exit code 1
    let bin = assert_cmd::cargo::cargo_bin("crimescape");
    let out = std::process::Command::new(&bin)
        .args(["info", "--json"])
        .arg(&inc)
        .stdout(full.try_clone().expect("clone"))
        .output()
        .expect("runs");
    expect(&out, 1, &["writing to standard output", "No space left"]);
    // stderr on a full disk: messages are dropped, the work is done
    let out = std::process::Command::new(&bin)
        .args(["hotspots", "grid", "--force", "-o"])
        .arg(d.path().join("g"))
        .arg(&inc)
        .stderr(full)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(d.path().join("g/counts.csv").exists());
}

// ------------------------------------------------------------------ models

#[test]
fn models_are_checked_before_use() {
    let c = city();
    let d = tmp();
    // fitted in another CRS
    let other = model_with(d.path(), "other_crs.json", |v| {
        v["crs"] = json!("EPSG:32616")
    });
    expect(
        &assess(c, d.path(), &other, None),
        1,
        &["fitted in EPSG:32616", "EPSG:32631"],
    );
    // same CRS, another place: covers none of the study area
    let away = model_with(d.path(), "away.json", |v| {
        let x0 = v["grid"]["x0"].as_f64().unwrap_or(0.0);
        v["grid"]["x0"] = json!(x0 + 1.0e6);
    });
    expect(
        &assess(c, d.path(), &away, None),
        1,
        &["covers none of the study area"],
    );
    // half of it: a warning
    let half = model_with(d.path(), "half.json", |v| {
        let n = v["grid"]["ncols"].as_u64().unwrap_or(2);
        v["grid"]["ncols"] = json!(n / 2);
        v["study"] = Value::Null;
    });
    let out = assess(c, d.path(), &half, None);
    expect(&out, 0, &["WARNING", "covers"]);
    // values named by field
    // (file name, edits as (JSON pointer, value), the field the error names)
    let cases = [
        (
            "coef",
            vec![("/factors/0/coef", json!(1e308))],
            "factors[0].coef",
        ),
        ("family", vec![("/family", json!("gamma"))], "family"),
        (
            "theta",
            vec![
                ("/family", json!("negative_binomial")),
                ("/theta", json!(0.0)),
            ],
            "theta",
        ),
        ("cell0", vec![("/grid/cell", json!(0.0))], "cell size"),
        ("cell50", vec![("/grid/cell", json!(-50.0))], "cell size"),
        (
            "dist",
            vec![("/factors/0/variable/distance", json!(-5.0))],
            "distance",
        ),
    ];
    let bars = format!("bars={}", c.f("bars.geojson").display());
    let lights = format!("lights={}", c.f("lights.geojson").display());
    for (name, edits, field) in cases {
        let m = model_with(d.path(), &format!("{name}.json"), |v| {
            for (ptr, val) in edits {
                if let Some(x) = v.pointer_mut(ptr) {
                    *x = val;
                }
            }
        });
        expect(&assess(c, d.path(), &m, None), 1, &[field]);
        let out = crimescape()
            .args([
                "risk",
                "apply",
                "--to-crs",
                "EPSG:32631",
                "--layer",
                &bars,
                "--layer",
                &lights,
                "-o",
            ])
            .arg(d.path().join("ra"))
            .arg(&m)
            .output()
            .expect("runs");
        expect(&out, 1, &[field]);
    }
    // factor models (JSON): values and a factor whose layer is not given
    let fm = |v: Value| write_json(d.path(), "fm.json", &v);
    let base = json!({"name": "t", "cell_size": 50.0, "intercept": -3.0,
        "factors": [{"layer": "lights", "filter": "status=out", "distance": 50.0, "coefficient": 0.5}]});
    for (ptr, val, field) in [
        ("/cell_size", json!(0.0), "cell_size"),
        ("/cell_size", json!(-50.0), "cell_size"),
        ("/factors/0/distance", json!(-5.0), "factors[0].distance"),
        (
            "/factors/0/coefficient",
            json!(1e308),
            "factors[0].coefficient",
        ),
    ] {
        let mut v = base.clone();
        if let Some(x) = v.pointer_mut(ptr) {
            *x = val;
        }
        expect(&assess(c, d.path(), &fm(v), None), 1, &[field]);
    }
    // a factor whose layer the study lacks: a missing input (a usage error), named
    let mut v = base.clone();
    if let Some(x) = v.pointer_mut("/factors/0/layer") {
        *x = json!("atms");
    }
    expect(
        &assess(c, d.path(), &fm(v), None),
        2,
        &["missing input", "layer atms (factor model)"],
    );
}

// ------------------------------------------------------------------ geometry

#[test]
fn bow_tie_treatment_polygon_is_repaired() {
    let c = city();
    let d = tmp();
    // a bow-tie over the city centre (its signed area is ~0 as drawn)
    let t = write_json(
        d.path(),
        "bowtie.geojson",
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "centre"}, "geometry": {"type": "Polygon", "coordinates": [[
                [2.058, 48.755], [2.062, 48.759], [2.062, 48.755], [2.058, 48.759], [2.058, 48.755]]]}}]}),
    );
    let out = crimescape()
        .args([
            "evaluate",
            "--quiet",
            "--intervention-date",
            "2024-07-01",
            "--treatment",
        ])
        .arg(&t)
        .arg("--out")
        .arg(d.path().join("ev"))
        .arg(c.f("incidents.csv"))
        .output()
        .expect("runs");
    expect(
        &out,
        0,
        &["WARNING", "self-intersection", "repaired into 2 polygon(s)"],
    );
    let out = run([OsStr::new("info"), t.as_os_str()]);
    expect(&out, 0, &[]);
    let s = text(&out.stdout);
    assert!(s.contains("1 polygon") && s.contains("repaired"), "{s}");
}

// ------------------------------------------------------------------ exit codes

#[test]
fn input_file_content_errors_exit_1() {
    let c = city();
    let d = tmp();
    let inc = c.f("incidents.csv");
    let bars = format!("bars={}", c.f("bars.geojson").display());
    let lights = format!("lights={}", c.f("lights.geojson").display());
    let sites = |extra: &[&OsStr]| {
        crimescape()
            .args([
                "sites", "--quiet", "--layer", &bars, "--layer", &lights, "--model",
            ])
            .arg(&c.model)
            .args(extra)
            .arg("-o")
            .arg(d.path().join("st"))
            .arg(&inc)
            .output()
            .expect("runs")
    };
    let s = write(
        d.path(),
        "seriousness.csv",
        "category,weight\nburglary,-3\n",
    );
    expect(
        &sites(&[OsStr::new("--seriousness"), s.as_os_str()]),
        1,
        &["seriousness"],
    );
    let m = write(
        d.path(),
        "mapping.toml",
        "[[rule]]\nlayer = \"bars\"\nmodifiable = \"perhaps\"\n",
    );
    expect(
        &sites(&[OsStr::new("--mapping"), m.as_os_str()]),
        1,
        &["CPTED mapping"],
    );
    let ev = |extra: &[&OsStr], treatment: &Path| {
        crimescape()
            .args([
                "evaluate",
                "--quiet",
                "--intervention-date",
                "2024-07-01",
                "--treatment",
            ])
            .arg(treatment)
            .args(extra)
            .arg("--out")
            .arg(d.path().join("ev"))
            .arg(&inc)
            .output()
            .expect("runs")
    };
    let parks = c.f("parks.geojson");
    let costs = write(
        d.path(),
        "costs.toml",
        "intervention_cost = -5\n[offence_costs]\ndefault = 100\n",
    );
    expect(
        &ev(&[OsStr::new("--costs"), costs.as_os_str()], &parks),
        1,
        &["cost file"],
    );
    // control overlapping the treatment: the areas' content
    expect(
        &ev(&[OsStr::new("--control"), parks.as_os_str()], &parks),
        1,
        &["control"],
    );
    // a bad flag is still a usage error
    expect(
        &ev(&[OsStr::new("--buffer"), OsStr::new("-5")], &parks),
        2,
        &[],
    );
}

// ------------------------------------------------------------------ corpus

/// Deterministic xorshift, enough to vary the corpus.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    const NASTY: &[&[u8]] = &[
        b"\"",
        b"\"\"",
        b",",
        b";",
        b"\n",
        b"\r\n",
        b"\r",
        b"\0",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"NaN",
        b"1e308",
        b"-",
        b"13/01/2024",
        b"01/13/2024",
        b"2024-13-45",
        b"  ",
        b"(41.8, -87.6)",
    ];
    let mut b = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(4) {
            0 => {
                let n = NASTY[rng.below(NASTY.len())];
                b.splice(at..at, n.iter().copied());
            }
            1 => {
                let end = (at + rng.below(30)).min(b.len());
                b.drain(at..end);
            }
            2 => b.truncate(at),
            _ => {
                let line = b
                    .split(|&c| c == b'\n')
                    .nth(1 + rng.below(8))
                    .map(<[u8]>::to_vec);
                if let Some(l) = line {
                    b.splice(at..at, l.into_iter().chain([b'\n']));
                }
            }
        }
    }
    b
}

#[test]
fn corpus_of_mangled_files_never_crashes_and_counts_add_up() {
    let d = tmp();
    let mut base = String::from("id,lon,lat,date,category,narrative\n");
    for i in 0..12 {
        base.push_str(&format!(
            "{i},{:.4},{:.4},2024-0{}-1{} 10:3{},theft,\"said \"\"hi\"\", left\"\n",
            2.08 + i as f64 * 0.001,
            48.77 + i as f64 * 0.001,
            1 + i % 9,
            i % 10,
            i % 10
        ));
    }
    let geo = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": "2024-01-02", "category": "theft"}, "geometry": {"type": "Point", "coordinates": [2.08, 48.77]}},
        {"type": "Feature", "properties": {"date": "13/01/2024"}, "geometry": {"type": "Point", "coordinates": [2.09, 48.78]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.1, 48.1], [2.1, 48.0], [2.0, 48.1], [2.0, 48.0]]]}}
    ]}))
    .expect("json");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut ok, mut errors) = (0, 0);
    for k in 0..60 {
        let (name, bytes) = if k % 3 == 2 {
            (format!("m{k}.geojson"), mutate(&mut rng, &geo))
        } else {
            (format!("m{k}.csv"), mutate(&mut rng, base.as_bytes()))
        };
        let f = write(d.path(), &name, &bytes);
        let out = crimescape()
            .args(["info", "--json"])
            .arg(&f)
            .output()
            .expect("runs");
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{name}: {err}");
        match out.status.code() {
            Some(0) => {
                let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
                if v.get("load").and_then(|l| l.get("rows_read")).is_some() {
                    counts_add_up(&v["load"]);
                }
                ok += 1;
            }
            Some(1) => {
                assert!(err.contains("crimescape: error"), "{name}: {err}");
                errors += 1;
            }
            other => panic!("{name}: exit code {other:?}: {err}"),
        }
    }
    assert!(ok > 10 && errors > 0, "ok {ok}, errors {errors}");
}
