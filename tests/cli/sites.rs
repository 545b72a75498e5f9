//! Ranked sites through the CLI: street segments, user sites, seriousness weights.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::common::*;

/// Demo city (3000 incidents, 2 km) and an RTM fitted on it.
fn city_and_model(dir: &Path) -> (PathBuf, PathBuf) {
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
    let c = out.join("city");
    let r = dir.join("rtm");
    crimescape()
        .arg("--quiet")
        .arg("risk")
        .arg("fit")
        .arg(c.join("incidents.csv"))
        .args(layers(&c, true))
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
        .success();
    (c, r.join("model.json"))
}

fn layers(c: &Path, filter: bool) -> Vec<String> {
    let mut v = Vec::new();
    for (n, f) in [("bars", ""), ("lights", ":status=out"), ("hydrants", "")] {
        v.push("--layer".to_string());
        let f = if filter { f } else { "" };
        v.push(format!(
            "{n}={}{f}",
            c.join(format!("{n}.geojson")).display()
        ));
    }
    v
}

fn geometry_types(path: &Path) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["geometry"]["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sites_segments_and_user_sites_with_seriousness() {
    let d = tmp();
    let (c, model) = city_and_model(d.path());
    let run = |extra: &[&str], out: &Path| {
        let mut cmd = crimescape();
        cmd.arg("sites")
            .arg(c.join("incidents.csv"))
            .arg("--model")
            .arg(&model)
            .args(layers(&c, false))
            .args(extra)
            .args(["--top", "5", "--out"])
            .arg(out);
        cmd
    };
    // street segments
    let seg = d.path().join("seg");
    let streets = c.join("streets.geojson");
    run(
        &[
            "--units",
            "segments",
            "--streets",
            streets.to_str().unwrap(),
            "--tz",
            "Europe/Paris",
        ],
        &seg,
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("segments"))
    .stdout(predicate::str::contains("persist"))
    .stdout(predicate::str::contains(
        "weights: burden 0.35 persistence 0.15",
    ));
    let types = geometry_types(&seg.join("sites.geojson"));
    assert_eq!(types.len(), 5);
    assert!(types.iter().all(|t| t == "LineString"), "{types:?}");
    assert!(seg.join("sites.png").exists());
    let csv = std::fs::read_to_string(seg.join("sites.csv")).unwrap();
    assert!(csv.starts_with("rank,units,unit,id,x,y,cells,count,burden,persistence,"));
    // temporal signature columns (the demo city is near Paris; times every hour)
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (ns, wn, pk) = (
        col("night_share"),
        col("weekend_night_share"),
        col("peak_hour"),
    );
    let first = rd.records().next().unwrap().unwrap();
    let night: f64 = first[ns].parse().unwrap();
    let weekend: f64 = first[wn].parse().unwrap();
    assert!(
        (0.0..=1.0).contains(&night) && weekend <= night,
        "{first:?}"
    );
    assert!(first[pk].contains('h'), "{first:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(seg.join("sites.json")).unwrap()).unwrap();
    assert_eq!(json["units"], "segments");
    assert_eq!(json["periods"].as_array().unwrap().len(), 4);
    assert!(json["sites"][0]["persistence"].as_f64().unwrap() > 0.0);
    // user sites: polygons (parks) and points with a radius (bars), seriousness weights
    let parks = d.path().join("parks");
    let pf = c.join("parks.geojson");
    run(
        &[
            "--units",
            "sites",
            "--site-layer",
            pf.to_str().unwrap(),
            "--period-days",
            "30",
        ],
        &parks,
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("sites"));
    let types = geometry_types(&parks.join("sites.geojson"));
    assert!(types.iter().all(|t| t == "Polygon"), "{types:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(parks.join("sites.json")).unwrap()).unwrap();
    let periods = json["periods"].as_array().unwrap();
    assert!(periods.len() > 4, "{}", periods.len());
    for p in periods {
        assert_eq!(p[1].as_i64().unwrap() - p[0].as_i64().unwrap(), 30 * 86_400);
    }
    let ser = d.path().join("ser.csv");
    std::fs::write(&ser, "category,weight\nassault,5\nrobbery,4\ntheft,1\n").unwrap();
    let bars = d.path().join("bars");
    let bf = c.join("bars.geojson");
    run(
        &[
            "--units",
            "sites",
            "--site-layer",
            bf.to_str().unwrap(),
            "--site-radius",
            "40",
            "--seriousness",
            ser.to_str().unwrap(),
        ],
        &bars,
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("not in the table"));
    let types = geometry_types(&bars.join("sites.geojson"));
    assert!(types.iter().all(|t| t == "Point"), "{types:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bars.join("sites.json")).unwrap()).unwrap();
    assert!(json["seriousness"]["weighted"].as_bool().unwrap());
    assert!(json["seriousness"]["unknown"]["burglary"].as_u64().unwrap() > 0);
    let top = &json["sites"][0];
    assert!(top["burden"].as_f64().unwrap() >= top["count"].as_f64().unwrap());
    // strict: unknown categories are an error
    run(
        &[
            "--units",
            "sites",
            "--site-layer",
            bf.to_str().unwrap(),
            "--seriousness",
            ser.to_str().unwrap(),
            "--strict-seriousness",
        ],
        &d.path().join("strict"),
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("burglary"));
    // a bad seriousness table names the line
    let bad = d.path().join("bad.csv");
    std::fs::write(&bad, "category,weight\ntheft,1\nrobbery,high\n").unwrap();
    run(
        &["--seriousness", bad.to_str().unwrap()],
        &d.path().join("b"),
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("line 3"));
    // segments need a street layer
    run(&["--units", "segments"], &d.path().join("n"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--streets"));
}

#[test]
fn sites_respect_the_study_area_of_the_model() {
    let d = tmp();
    let (c, model) = city_and_model(d.path());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert!(m.get("study").is_none(), "no boundary, no study area");
    let g = &m["grid"];
    let (x0, y0, cell) = (
        g["x0"].as_f64().unwrap(),
        g["y0"].as_f64().unwrap(),
        g["cell"].as_f64().unwrap(),
    );
    let (ncols, nrows) = (g["ncols"].as_u64().unwrap(), g["nrows"].as_u64().unwrap());
    // the western half of the grid, in the working CRS (UTM 31N for the demo city)
    let (x1, y1) = (x0 + cell * (ncols / 2) as f64, y0 + cell * nrows as f64);
    let boundary = d.path().join("west.geojson");
    std::fs::write(
        &boundary,
        serde_json::json!({"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:32631"}},
            "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}}]})
        .to_string(),
    )
    .unwrap();
    let r = d.path().join("rtm-west");
    crimescape()
        .arg("--quiet")
        .arg("risk")
        .arg("fit")
        .arg(c.join("incidents.csv"))
        .args(layers(&c, true))
        .args(["--distances", "50,100", "--op", "proximity", "--cell", "40"])
        .arg("--boundary")
        .arg(&boundary)
        .arg("--out")
        .arg(&r)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r.join("model.json")).unwrap()).unwrap();
    assert!(m["study"].as_array().is_some_and(|a| !a.is_empty()));
    let s = d.path().join("s");
    crimescape()
        .arg("sites")
        .arg(c.join("incidents.csv"))
        .arg("--model")
        .arg(r.join("model.json"))
        .args(layers(&c, false))
        .args(["--top", "5", "--out"])
        .arg(&s)
        .assert()
        .success()
        .stdout(predicate::str::contains("incidents in no unit"));
    let csv = std::fs::read_to_string(s.join("sites.csv")).unwrap();
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        let unit: u64 = line.split(',').nth(2).unwrap().parse().unwrap();
        assert!(
            unit % ncols < ncols / 2,
            "cell {unit} is outside the study area"
        );
        rows += 1;
    }
    assert!(rows > 10);
}

#[test]
fn sites_name_every_missing_model_layer_at_once() {
    let d = tmp();
    let (c, model) = city_and_model(d.path());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let factors = m["factors"].to_string();
    let used: Vec<&str> = ["bars", "lights", "hydrants"]
        .into_iter()
        .filter(|n| factors.contains(&format!("\"{n}\"")))
        .collect();
    assert!(!used.is_empty(), "{factors}");
    // a layer the model does not use, so that every model layer is missing
    let other = d.path().join("other.geojson");
    std::fs::copy(c.join("bars.geojson"), &other).unwrap();
    // refused before the incidents are loaded (no load summary)
    let mut pred = predicate::str::contains("missing input")
        .and(predicate::str::contains("rows read").not())
        .boxed();
    for n in &used {
        pred = pred
            .and(predicate::str::contains(format!("layer '{n}'")))
            .boxed();
    }
    crimescape()
        .arg("sites")
        .arg(c.join("incidents.csv"))
        .arg("--model")
        .arg(&model)
        .arg("--layer")
        .arg(format!("unused={}", other.display()))
        .arg("--out")
        .arg(d.path().join("s"))
        .assert()
        .code(2)
        .stderr(pred);
}

#[test]
fn risk_apply_names_every_missing_model_layer_before_loading() {
    let d = tmp();
    let (_, model) = city_and_model(d.path());
    crimescape()
        .args(["risk", "apply"])
        .arg(&model)
        .arg("--layer")
        // does not exist: the missing model layers are named before any layer is read
        .arg(format!(
            "unused={}",
            d.path().join("nowhere.geojson").display()
        ))
        .arg("--out")
        .arg(d.path().join("a"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("missing input: layer '")
                .and(predicate::str::contains("nowhere").not()),
        );
}
