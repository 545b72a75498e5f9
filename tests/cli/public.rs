//! `--audience public` (issue 18): every command, run in public mode, is scanned for
//! incident locations (working CRS and lon/lat, to 1 m) and counts below k; commands
//! that cannot publish safely refuse; public mode leaves statistics alone.

use std::path::{Path, PathBuf};

use crimescape::{Scanner, COUNT_NAMES};

use crate::common::*;

/// The incidents of a demo-city or shared-data CSV (`x,y,lon,lat` columns).
fn incidents(csv_path: &Path) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let mut r = csv::Reader::from_path(csv_path).expect("csv");
    let h = r.headers().unwrap().clone();
    let ix = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (x, y, lon, lat) = (ix("x"), ix("y"), ix("lon"), ix("lat"));
    let mut w = Vec::new();
    let mut ll = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let f = |i: usize| rec[i].parse::<f64>().unwrap();
        w.push([f(x), f(y)]);
        ll.push([f(lon), f(lat)]);
    }
    (w, ll)
}

/// Every file under `dir` (recursively).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The vertices of 4-corner rings (grid cells) and of street pieces (segments,
/// lixels) in the GeoJSON files of `dir`, in lon/lat: published aggregate geometry, not
/// incident locations, even when one lies within a metre of an incident by chance.
fn cell_corners(dir: &Path) -> Vec<[f64; 2]> {
    let mut out = Vec::new();
    for f in files(dir) {
        if f.extension().is_none_or(|e| e != "geojson") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        for feat in v["features"].as_array().into_iter().flatten() {
            // street pieces (segments, lixels): their vertices are street geometry from
            // the street layer (a lixel ends every few metres, so an incident on a
            // street lies within a metre of one by chance), as the tool's own check
            // treats them; chain lines (property `chain`) are not exempt
            let street_piece = feat["properties"]["segment"].is_number()
                || feat["properties"]["lixel"].is_number();
            if street_piece && feat["geometry"]["type"] == "LineString" {
                for c in feat["geometry"]["coordinates"].as_array().unwrap() {
                    out.push([c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]);
                }
                continue;
            }
            if feat["geometry"]["type"] != "Polygon" {
                continue;
            }
            let ring = &feat["geometry"]["coordinates"][0];
            let ring = ring.as_array().unwrap();
            if ring.len() == 5 {
                for c in ring {
                    out.push([c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]);
                }
            }
        }
    }
    out
}

/// Scans every file of `dir` (PNG rasters excepted); returns (files scanned, findings).
fn scan_dir(
    dir: &Path,
    working: &[[f64; 2]],
    lonlat: &[[f64; 2]],
    crs: Option<&str>,
) -> (usize, Vec<String>) {
    // the published points: centres of the 100 m squares of the incidents
    let centres: Vec<[f64; 2]> = working
        .iter()
        .map(|p| {
            [
                ((p[0] / 100.0).floor() + 0.5) * 100.0,
                ((p[1] / 100.0).floor() + 0.5) * 100.0,
            ]
        })
        .collect();
    let mut allowed_ll = cell_corners(dir);
    if let Some(c) = crs {
        let r =
            crimescape::Reprojector::new(&crimescape::Crs::parse(c).unwrap(), &crimescape::WGS84)
                .unwrap();
        let mut ll = centres.clone();
        r.apply_all(&mut ll);
        allowed_ll.extend(ll);
    }
    let scanner = Scanner::new(working, lonlat, 1.0)
        .unwrap()
        .counts(3, COUNT_NAMES)
        .allow(&centres)
        .allow_lonlat(&allowed_ll);
    let mut n = 0;
    let mut found = Vec::new();
    for f in files(dir) {
        if f.extension().is_some_and(|e| e == "png") {
            continue;
        }
        n += 1;
        for x in scanner.scan(&std::fs::read(&f).unwrap()) {
            found.push(format!("{}: {:?} {}", f.display(), x.kind, x.text));
        }
    }
    (n, found)
}

fn demo_city(dir: &Path) -> PathBuf {
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
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

/// Runs `crimescape --audience public <args> --out <out>`; panics with its stderr on
/// failure.
fn public(args: &[&str], out: &Path) {
    let a = crimescape()
        .args(["--quiet", "--audience", "public"])
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        a.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&a.stderr)
    );
    assert!(out.join("disclosure.json").exists(), "{args:?}");
}

#[test]
fn public_every_command_on_the_demo_city_leaks_nothing() {
    let d = tmp();
    let c = demo_city(d.path());
    let inc = c.join("incidents.csv");
    let (w, ll) = incidents(&inc);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (i, streets) = (s(&inc), s(&c.join("streets.geojson")));
    let treat = d.path().join("treat.geojson");
    std::fs::write(
        &treat,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"centre"},"geometry":{"type":"Polygon","coordinates":[[[430700,5400700],[431300,5400700],[431300,5401300],[430700,5401300],[430700,5400700]]]}}]}"#,
    )
    .unwrap();
    let bars = format!("bars={}", s(&c.join("bars.geojson")));
    let lights = format!("lights={}", s(&c.join("lights.geojson")));
    let o = |n: &str| d.path().join("pub").join(n);
    let model = o("risk").join("model.json");
    let runs: Vec<(&str, Vec<String>)> = vec![
        (
            "hotspots grid",
            vec![
                "hotspots".into(),
                "grid".into(),
                i.clone(),
                "--cell".into(),
                "100".into(),
            ],
        ),
        (
            "hotspots kde",
            vec![
                "hotspots".into(),
                "kde".into(),
                i.clone(),
                "--cell".into(),
                "100".into(),
            ],
        ),
        (
            "hotspots gistar",
            vec![
                "hotspots".into(),
                "gistar".into(),
                i.clone(),
                "--cell".into(),
                "100".into(),
                "--permutations".into(),
                "19".into(),
            ],
        ),
        (
            "hotspots moran",
            vec![
                "hotspots".into(),
                "moran".into(),
                i.clone(),
                "--cell".into(),
                "100".into(),
                "--permutations".into(),
                "19".into(),
            ],
        ),
        ("clusters", vec!["clusters".into(), i.clone()]),
        (
            "segments",
            vec![
                "segments".into(),
                i.clone(),
                "--streets".into(),
                streets.clone(),
            ],
        ),
        (
            "near-repeat",
            vec!["near-repeat".into(), i.clone(), "--nrep".into(), "9".into()],
        ),
        ("repeats", vec!["repeats".into(), i.clone()]),
        ("when", vec!["when".into(), i.clone()]),
        (
            "chains",
            vec!["chains".into(), i.clone(), "--nrep".into(), "9".into()],
        ),
        (
            "promap",
            vec![
                "promap".into(),
                i.clone(),
                "--date".into(),
                "2024-06-01".into(),
            ],
        ),
        (
            "pattern nni",
            vec!["pattern".into(), "nni".into(), i.clone()],
        ),
        (
            "evaluate-hotspots",
            vec![
                "evaluate-hotspots".into(),
                i.clone(),
                "--train-until".into(),
                "2024-09-01".into(),
            ],
        ),
        (
            "risk fit",
            vec![
                "risk".into(),
                "fit".into(),
                i.clone(),
                "--layer".into(),
                bars.clone(),
                "--layer".into(),
                lights.clone(),
                "--block".into(),
                "50".into(),
                "--distances".into(),
                "50,100".into(),
                "--op".into(),
                "proximity".into(),
                "--cell".into(),
                "50".into(),
            ],
        ),
        (
            "sites",
            vec![
                "sites".into(),
                i.clone(),
                "--model".into(),
                s(&model),
                "--layer".into(),
                bars.clone(),
                "--layer".into(),
                lights.clone(),
                "--top".into(),
                "5".into(),
            ],
        ),
        (
            "sites units sites",
            vec![
                "sites".into(),
                i.clone(),
                "--model".into(),
                s(&model),
                "--layer".into(),
                bars.clone(),
                "--layer".into(),
                lights.clone(),
                "--units".into(),
                "sites".into(),
                "--site-layer".into(),
                s(&c.join("bars.geojson")),
                "--site-radius".into(),
                "40".into(),
            ],
        ),
        (
            "network kde",
            vec![
                "network".into(),
                "kde".into(),
                i.clone(),
                "--streets".into(),
                streets.clone(),
            ],
        ),
        (
            "network gistar",
            vec![
                "network".into(),
                "gistar".into(),
                i.clone(),
                "--streets".into(),
                streets.clone(),
                "--permutations".into(),
                "19".into(),
            ],
        ),
        (
            "network moran",
            vec![
                "network".into(),
                "moran".into(),
                i.clone(),
                "--streets".into(),
                streets.clone(),
                "--permutations".into(),
                "19".into(),
            ],
        ),
        (
            "evaluate",
            vec![
                "evaluate".into(),
                i.clone(),
                "--treatment".into(),
                s(&treat),
                "--areas-crs".into(),
                "EPSG:32631".into(),
                "--intervention-date".into(),
                "2024-07-01".into(),
                "--buffer".into(),
                "200".into(),
                "--control-cell".into(),
                "150".into(),
            ],
        ),
    ];
    let mut report = Vec::new();
    for (name, args) in &runs {
        let dir = o(&name.replace(' ', "_"));
        let dir = if *name == "risk fit" { o("risk") } else { dir };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        public(&args, &dir);
        let (n, found) = scan_dir(&dir, &w, &ll, Some("EPSG:32631"));
        report.push(format!(
            "{name}: {n} files scanned, {} findings",
            found.len()
        ));
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
    eprintln!("{}", report.join("\n"));
    // per-incident outputs are withheld
    assert!(!o("clusters").join("labels.csv").exists());
    // user sites with fewer than k incidents are withheld (and said so)
    let site_counts = |f: &Path| -> Vec<String> {
        let mut r = csv::Reader::from_path(f).unwrap();
        let k = r
            .headers()
            .unwrap()
            .iter()
            .position(|c| c == "count")
            .unwrap();
        r.records().map(|x| x.unwrap()[k].to_string()).collect()
    };
    let ps = site_counts(&o("sites_units_sites").join("sites.csv"));
    assert!(
        !ps.is_empty() && ps.iter().all(|c| c.parse::<u32>().unwrap() >= 3),
        "{ps:?}"
    );
    let txt = std::fs::read_to_string(o("sites_units_sites").join("disclosure.txt")).unwrap();
    assert!(
        txt.contains("ranked sites with fewer than 3 incidents"),
        "{txt}"
    );
    // network: without --addresses, anchors are the street-segment midpoints
    let txt = std::fs::read_to_string(o("network_gistar").join("disclosure.txt")).unwrap();
    assert!(txt.contains("street-segment midpoints"), "{txt}");
    // network segments: no column from which a suppressed count can be recomputed
    let seg = std::fs::read_to_string(o("network_gistar").join("segments.csv")).unwrap();
    let header = seg.lines().next().unwrap();
    for c in ["rate_per_100m", "rank", "cumulative_share"] {
        assert!(!header.split(',').any(|h| h == c), "{header}");
    }
    assert!(seg.contains(",<3,"), "no suppressed segment count");
    // `info`: the summary without the extent, rejected values or locations (stdout)
    let scanner = Scanner::new(&w, &ll, 1.0).unwrap().counts(3, COUNT_NAMES);
    for json in [false, true] {
        let mut cmd = crimescape();
        cmd.args(["--quiet", "--audience", "public", "info", i.as_str()]);
        if json {
            cmd.arg("--json");
        }
        let a = cmd.output().unwrap();
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        let text = String::from_utf8_lossy(&a.stdout);
        let found = scanner.scan(&a.stdout);
        assert!(found.is_empty(), "info (json {json}): {found:?}");
        assert!(
            !text.contains("extent (") && !text.contains("bbox\": ["),
            "{text}"
        );
        assert!(!text.contains("48.7"), "the data's centre: {text}");
        eprintln!("info (json {json}): stdout scanned, 0 findings");
    }
    // proximity: the aggregate (bands x kinds, per feature), not one row per incident
    let prox = o("proximity.csv");
    let a = crimescape()
        .args(["--quiet", "--audience", "public", "proximity", i.as_str()])
        .args(["--layer", &s(&c.join("bars.geojson")), "--out"])
        .arg(&prox)
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let feats = o("proximity.features.csv");
    let mut n = 0;
    for f in [
        prox.clone(),
        feats.clone(),
        o("proximity.csv.disclosure.json"),
        o("proximity.csv.disclosure.txt"),
        o("proximity.csv.provenance.json"),
    ] {
        let found = scanner.scan(&std::fs::read(&f).unwrap());
        assert!(found.is_empty(), "{}: {found:?}", f.display());
        n += 1;
    }
    eprintln!("proximity: {n} files scanned, 0 findings");
    let table = std::fs::read_to_string(&prox).unwrap();
    assert!(table.starts_with("from_m,to_m,count,n_bar"), "{table}");
    assert_eq!(table.lines().count(), 7, "{table}");
    let per = std::fs::read_to_string(&feats).unwrap();
    assert!(per.contains(",<3"), "{per}");
    let txt = std::fs::read_to_string(o("proximity.csv.disclosure.txt")).unwrap();
    assert!(txt.contains("per-incident rows of proximity.csv"), "{txt}");
    // --rejects stays refused: a rejects file is raw rows
    let rejects = o("rejects.csv");
    let a = crimescape()
        .args([
            "--quiet",
            "--audience",
            "public",
            "hotspots",
            "grid",
            i.as_str(),
        ])
        .arg("--rejects")
        .arg(&rejects)
        .arg("--out")
        .arg(o("refused"))
        .output()
        .unwrap();
    assert!(!a.status.success());
    let e = String::from_utf8_lossy(&a.stderr);
    assert!(e.contains("--rejects writes rejected rows"), "{e}");
    assert!(!rejects.exists() && !o("refused").exists());
}

#[test]
fn public_gistar_with_no_small_counts_is_identical_to_internal() {
    let d = tmp();
    let c = demo_city(d.path());
    let inc = c.join("incidents.csv");
    // 400 m cells over the 2 km demo city: every cell holds 3 or more incidents
    let run = |audience: &str, out: &Path| {
        crimescape()
            .args(["--quiet", "--audience", audience, "hotspots", "gistar"])
            .arg(&inc)
            .args(["--cell", "400", "--permutations", "19", "--out"])
            .arg(out)
            .assert()
            .success();
    };
    let (a, b) = (d.path().join("int"), d.path().join("pub"));
    run("internal", &a);
    run("public", &b);
    let counts: Vec<String> = {
        let mut r = csv::Reader::from_path(a.join("gistar.csv")).unwrap();
        let h = r.headers().unwrap().clone();
        let k = h.iter().position(|c| c == "count").unwrap();
        r.records().map(|x| x.unwrap()[k].to_string()).collect()
    };
    assert!(
        counts.iter().all(|c| c.parse::<f64>().unwrap() >= 3.0),
        "the test needs no small count: {counts:?}"
    );
    for f in ["gistar.csv", "gistar.geojson", "gistar.png"] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between the audiences"
        );
    }
    // the summary: identical but for its provenance (command line, output paths)
    let json = |d: &Path| -> serde_json::Value {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("gistar.json")).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("provenance");
        v
    };
    assert_eq!(json(&a), json(&b));
    let rep: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("disclosure.json")).unwrap()).unwrap();
    assert_eq!(rep["k"], 3);
    assert_eq!(rep["cells_suppressed_primary"], 0);
    assert!(!a.join("disclosure.json").exists());
}

#[test]
fn public_small_counts_are_suppressed_and_reported() {
    let d = tmp();
    let c = demo_city(d.path());
    let out = d.path().join("grid");
    public(
        &[
            "hotspots",
            "grid",
            c.join("incidents.csv").to_str().unwrap(),
            "--cell",
            "100",
            "--min-count",
            "4",
        ],
        &out,
    );
    let text = std::fs::read_to_string(out.join("counts.csv")).unwrap();
    assert!(text.contains(",<4"), "{}", &text[..300.min(text.len())]);
    let rep: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("disclosure.json")).unwrap()).unwrap();
    assert_eq!(rep["k"], 4);
    assert!(rep["cells_suppressed_primary"].as_u64().unwrap() > 0);
    let txt = std::fs::read_to_string(out.join("disclosure.txt")).unwrap();
    assert!(txt.contains("k (minimum count):            4"), "{txt}");
}

#[test]
fn public_real_data_memphis_leaks_nothing() {
    let Some(inc) = shared_data("memphis/robberies_2019.csv") else {
        return;
    };
    let Some(addr) = shared_data("memphis/layer_census_block_population_centroids.geojson") else {
        return;
    };
    let d = tmp();
    let (w_ll, ll) = incidents(&inc);
    // x/y of this file are lon/lat too: the working CRS (UTM) comes from the tool
    let _ = w_ll;
    let i = inc.to_str().unwrap();
    let a = addr.to_str().unwrap();
    let mut report = Vec::new();
    for (name, args) in [
        (
            "hotspots grid",
            vec!["hotspots", "grid", i, "--cell", "250"],
        ),
        (
            "hotspots gistar",
            vec![
                "hotspots",
                "gistar",
                i,
                "--cell",
                "500",
                "--permutations",
                "19",
            ],
        ),
        ("near-repeat", vec!["near-repeat", i, "--nrep", "9"]),
        ("repeats", vec!["repeats", i]),
        ("chains", vec!["chains", i, "--nrep", "9"]),
        ("clusters", vec!["clusters", i]),
        ("when", vec!["when", i]),
    ] {
        let out = d.path().join(name.replace(' ', "_"));
        let mut args: Vec<&str> = args;
        args.extend(["--addresses", a]);
        public(&args, &out);
        let (n, found) = scan_dir(&out, &[], &ll, None);
        report.push(format!(
            "{name}: {n} files scanned, {} findings",
            found.len()
        ));
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
    // info (stdout) and proximity (the aggregate) on the real file
    let scanner = Scanner::new(&[], &ll, 1.0).unwrap().counts(3, COUNT_NAMES);
    let info = crimescape()
        .args(["--quiet", "--audience", "public", "info", "--json", i])
        .output()
        .unwrap();
    assert!(info.status.success());
    let found = scanner.scan(&info.stdout);
    assert!(found.is_empty(), "info: {found:?}");
    assert!(!String::from_utf8_lossy(&info.stdout).contains("bbox\": ["));
    report.push("info: stdout scanned, 0 findings".into());
    let prox = d.path().join("proximity.csv");
    let a = crimescape()
        .args([
            "--quiet",
            "--audience",
            "public",
            "proximity",
            i,
            "--layer",
            a,
        ])
        .args(["--within", "200", "--out"])
        .arg(&prox)
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let mut n = 0;
    for f in [
        "proximity.csv",
        "proximity.features.csv",
        "proximity.csv.disclosure.json",
    ] {
        let found = scanner.scan(&std::fs::read(d.path().join(f)).unwrap());
        assert!(found.is_empty(), "{f}: {found:?}");
        n += 1;
    }
    report.push(format!("proximity: {n} files scanned, 0 findings"));
    eprintln!("{}", report.join("\n"));
}

/// The pixels (RGBA, top row first) of the raster a grid-map SVG embeds.
fn svg_raster(svg: &Path) -> (usize, usize, Vec<[u8; 4]>) {
    let text = std::fs::read_to_string(svg).unwrap();
    let tag = "data:image/png;base64,";
    let start = text.find(tag).expect("an embedded raster") + tag.len();
    let b64 = &text[start..start + text[start..].find('"').unwrap()];
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            _ => 63,
        }
    };
    let mut bytes = Vec::new();
    for chunk in b64.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk
            .iter()
            .fold(0u32, |a, &c| (a << 6) | if c == b'=' { 0 } else { val(c) });
        bytes.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks(ch)
        .map(|p| match ch {
            4 => [p[0], p[1], p[2], p[3]],
            3 => [p[0], p[1], p[2], 255],
            _ => [p[0], p[0], p[0], 255],
        })
        .collect();
    (info.width as usize, info.height as usize, px)
}

#[test]
fn public_count_map_colours_only_published_counts() {
    let d = tmp();
    let c = demo_city(d.path());
    let inc = c.join("incidents.csv");
    let (a, b) = (d.path().join("int"), d.path().join("pub"));
    for (aud, out) in [("internal", &a), ("public", &b)] {
        crimescape()
            .args(["--quiet", "--audience", aud, "hotspots", "grid"])
            .arg(&inc)
            .args(["--cell", "100", "--out"])
            .arg(out)
            .assert()
            .success();
    }
    // the published counts per cell (col, row)
    let mut r = csv::Reader::from_path(b.join("counts.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let ix = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (ic, ir, in_) = (ix("col"), ix("row"), ix("count"));
    let cells: Vec<(usize, usize, String)> = r
        .records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[ic].parse().unwrap(),
                x[ir].parse().unwrap(),
                x[in_].to_string(),
            )
        })
        .collect();
    let mut rint = csv::Reader::from_path(a.join("counts.csv")).unwrap();
    let exact: Vec<f64> = rint
        .records()
        .map(|x| x.unwrap()[in_].parse().unwrap())
        .collect();
    let (w, hgt, int_px) = svg_raster(&a.join("counts.svg"));
    let (w2, h2, pub_px) = svg_raster(&b.join("counts.svg"));
    assert_eq!((w, hgt), (w2, h2));
    let at = |px: &[[u8; 4]], col: usize, row: usize| px[(hgt - 1 - row) * w + col];
    // internally, counts 1 and 2 have classes of their own (the test can fail)
    let colour_of = |n: f64| {
        cells
            .iter()
            .zip(&exact)
            .find(|(_, e)| **e == n)
            .map(|((col, row, _), _)| at(&int_px, *col, *row))
    };
    let (c1, c2) = (colour_of(1.0).unwrap(), colour_of(2.0).unwrap());
    assert_ne!(c1, c2);
    let mut hidden = std::collections::BTreeSet::new();
    let mut shown = std::collections::BTreeSet::new();
    // when any count is suppressed the map also leaves the smallest published count
    // of k or more uncoloured (it cannot tell which cell a table chose as the
    // complementary one; `Publisher::suppress_figure_counts`)
    let smallest = cells
        .iter()
        .filter_map(|(_, _, p)| p.parse::<f64>().ok())
        .filter(|v| *v >= 3.0)
        .fold(f64::INFINITY, f64::min);
    for ((col, row, published), e) in cells.iter().zip(&exact) {
        let p = at(&pub_px, *col, *row);
        if published == "<3" || published == "x" || published.parse::<f64>().ok() == Some(smallest)
        {
            hidden.insert(p);
        } else {
            // a published count is drawn exactly as internally
            assert_eq!(published.parse::<f64>().unwrap(), *e);
            assert_eq!(p, at(&int_px, *col, *row), "cell {col},{row} = {published}");
            shown.insert(p);
        }
    }
    // every suppressed cell is drawn in one colour ("no data"), which no published
    // count has, and the classes of 1 and 2 appear nowhere on the public map
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert!(hidden.is_disjoint(&shown));
    assert!(!pub_px.contains(&c1) && !pub_px.contains(&c2));
}

#[test]
fn public_remaining_commands_leak_nothing() {
    let d = tmp();
    let c = demo_city(d.path());
    let inc = c.join("incidents.csv");
    let (w, ll) = incidents(&inc);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let i = s(&inc);
    let streets = s(&c.join("streets.geojson"));
    let bars = s(&c.join("bars.geojson"));
    let layers = [
        "--layer".to_string(),
        format!("bars={bars}"),
        "--layer".to_string(),
        format!("lights={}:status=out", s(&c.join("lights.geojson"))),
    ];
    let o = |n: &str| d.path().join(n);
    let model = s(&o("risk_fit").join("model.json"));
    let proposal = o("lights.geojson");
    std::fs::write(
        &proposal,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"action":"modify","layer":"lights","where":{"status":"out"},"set":{"status":"on"}}}]}"#,
    )
    .unwrap();
    let v = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let with = |mut a: Vec<String>, b: &[String]| {
        a.extend_from_slice(b);
        a
    };
    let fit = [
        "--block",
        "50",
        "--distances",
        "50,100",
        "--op",
        "proximity",
        "--cell",
        "50",
    ];
    let runs: Vec<(&str, Vec<String>)> = vec![
        (
            "risk fit",
            with(with(v(&["risk", "fit", &i]), &layers), &v(&fit)),
        ),
        ("risk apply", with(v(&["risk", "apply", &model]), &layers)),
        (
            "risk validate",
            with(
                with(
                    v(&["risk", "validate", &i, "--train-until", "2024-09-01"]),
                    &layers,
                ),
                &v(&fit),
            ),
        ),
        (
            "assess",
            v(&[
                "assess",
                "--streets",
                &streets,
                "--layer",
                &s(&c.join("lights.geojson")),
                "--layer",
                &bars,
                "--proposal",
                &s(&proposal),
                "--model",
                &model,
            ]),
        ),
        (
            "pattern k",
            v(&["pattern", "k", &i, "--max-distance", "100", "--steps", "4"]),
        ),
        (
            "pattern cross-k",
            v(&[
                "pattern",
                "cross-k",
                &i,
                "--layer",
                &bars,
                "--max-distance",
                "100",
                "--steps",
                "4",
            ]),
        ),
        (
            "network k",
            v(&[
                "network",
                "k",
                &i,
                "--streets",
                &streets,
                "--max-distance",
                "400",
                "--steps",
                "4",
                "--simulations",
                "9",
            ]),
        ),
        (
            "network cross-k",
            v(&[
                "network",
                "cross-k",
                &i,
                "--streets",
                &streets,
                "--facilities",
                &bars,
                "--max-distance",
                "400",
                "--steps",
                "4",
                "--simulations",
                "9",
            ]),
        ),
    ];
    let mut report = Vec::new();
    for (name, args) in &runs {
        let dir = o(&name.replace(' ', "_"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        public(&args, &dir);
        let (n, found) = scan_dir(&dir, &w, &ll, Some("EPSG:32631"));
        report.push(format!(
            "{name}: {n} files scanned, {} findings",
            found.len()
        ));
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
    let txt = std::fs::read_to_string(o("assess").join("disclosure.txt")).unwrap();
    assert!(txt.contains("street-segment midpoints"), "{txt}");
    eprintln!("{}", report.join("\n"));
}

/// Two streets 3 km apart (EPSG:32631): 30 incidents along street 0 and one isolated
/// incident on street 1 at `x_isolated`; writes `streets.geojson` and `inc.csv` in `dir`.
fn isolated_incident_city(dir: &Path, x_isolated: f64) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let streets = dir.join("streets.geojson");
    std::fs::write(
        &streets,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"LineString","coordinates":[[430000,5400000],[432000,5400000]]}},
{"type":"Feature","properties":{"name":"B"},"geometry":{"type":"LineString","coordinates":[[430000,5403000],[432000,5403000]]}}]}"#,
    )
    .unwrap();
    let mut csv = String::from("x,y\n");
    for i in 0..30 {
        let x = 430_100.0 + 60.0 * f64::from(i);
        let y = 5_400_000.0 + f64::from((i * 7) % 5) - 2.0;
        csv.push_str(&format!("{x},{y}\n"));
    }
    csv.push_str(&format!("{x_isolated},5403004\n"));
    let inc = dir.join("inc.csv");
    std::fs::write(&inc, csv).unwrap();
    (streets, inc)
}

/// Runs `network kde` on an [`isolated_incident_city`] for an audience.
fn network_kde_run(inc: &Path, streets: &Path, out: &Path, public: bool) {
    let mut c = crimescape();
    c.arg("--quiet");
    if public {
        c.args(["--audience", "public"]);
    }
    let a = c
        .args(["network", "kde"])
        .arg(inc)
        .args([
            "--crs",
            "EPSG:32631",
            "--streets-crs",
            "EPSG:32631",
            "--streets",
        ])
        .arg(streets)
        .args(["--bandwidth", "300", "--lixel", "20", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
}

/// (source feature, lixel centre x, published density per m) of `lixels.csv`; the
/// lixels run from the start of each street, so centre x = 430000 + (start + end) / 2.
fn lixel_rows(dir: &Path) -> Vec<(u32, f64, Option<f64>)> {
    let mut r = csv::Reader::from_path(dir.join("lixels.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let ix = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (f, s, e, d) = (
        ix("source_feature"),
        ix("start_m"),
        ix("end_m"),
        ix("density_per_m"),
    );
    r.records()
        .map(|x| {
            let x = x.unwrap();
            let v = |i: usize| x[i].parse::<f64>().unwrap();
            (
                x[f].parse().unwrap(),
                430_000.0 + (v(s) + v(e)) / 2.0,
                x[d].parse::<f64>().ok(),
            )
        })
        .collect()
}

#[test]
fn public_network_kde_isolated_incident_not_localised() {
    let d = tmp();
    let city = d.path().join("city");
    let (s1, i1) = isolated_incident_city(&city, 430_637.0);
    // internal: the density on street 1 peaks at the isolated incident (the leak)
    let internal = d.path().join("internal");
    network_kde_run(&i1, &s1, &internal, false);
    let rows = lixel_rows(&internal);
    let peak = rows
        .iter()
        .filter(|r| r.0 == 1)
        .max_by(|a, b| a.2.unwrap().total_cmp(&b.2.unwrap()))
        .unwrap();
    assert!((peak.1 - 430_637.0).abs() <= 20.0, "{peak:?}");
    // public: nothing is published on street 1 (no argmax to find), street 0 is
    let (pa, pb) = (d.path().join("pub_a"), d.path().join("pub_b"));
    network_kde_run(&i1, &s1, &pa, true);
    let w = std::fs::read_to_string(&i1).unwrap();
    // the same file (its name is in the map's title), the isolated incident moved
    isolated_incident_city(&city, 431_402.0);
    network_kde_run(&i1, &s1, &pb, true);
    let rows = lixel_rows(&pa);
    assert!(rows.iter().filter(|r| r.0 == 1).all(|r| r.2.is_none()));
    assert!(rows.iter().filter(|r| r.0 == 0).all(|r| r.2.is_some()));
    // every lixel made of k or more incidents keeps its exact density
    let exact = lixel_rows(&internal);
    for (p, e) in rows.iter().zip(&exact) {
        if let Some(v) = p.2 {
            assert_eq!(Some(v), e.2);
        }
    }
    let rep: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pa.join("disclosure.json")).unwrap()).unwrap();
    let rules = rep["rules"].to_string();
    assert!(rules.contains("lixels (fewer than 3 incidents"), "{rules}");
    // moving the isolated incident 765 m along its street changes no published byte
    // (CSV, GeoJSON, QML, SVG, PNG, the JSON summary but for its provenance and the
    // network mass, a Riemann sum of the kernels)
    let strip = |v: &mut serde_json::Value| {
        let m = v.as_object_mut().unwrap();
        for k in ["provenance", "mass_on_network"] {
            m.remove(k);
        }
    };
    let mut n = 0;
    for f in files(&pa) {
        let name = f.file_name().unwrap().to_str().unwrap().to_string();
        if name.contains("provenance") {
            continue;
        }
        let (a, b) = (
            std::fs::read(&f).unwrap(),
            std::fs::read(pb.join(&name)).unwrap(),
        );
        if name == "report.html" {
            // the page names its folder and the input's hash (provenance)
            let lines = |b: &[u8]| -> Vec<String> {
                String::from_utf8_lossy(b)
                    .replace("><", ">\n<")
                    .replace("pub_b", "pub_a")
                    .lines()
                    .filter(|l| {
                        !l.split(|c: char| !c.is_ascii_hexdigit())
                            .any(|w| w.len() == 64)
                    })
                    .map(String::from)
                    .collect()
            };
            assert_eq!(lines(&a), lines(&b));
        } else if name == "nkde.json" {
            let mut va: serde_json::Value = serde_json::from_slice(&a).unwrap();
            let mut vb: serde_json::Value = serde_json::from_slice(&b).unwrap();
            strip(&mut va);
            strip(&mut vb);
            assert_eq!(va, vb);
        } else {
            assert!(a == b, "{name} differs with the isolated incident moved");
        }
        n += 1;
    }
    assert!(n >= 6, "{n} files compared");
    // and the scan finds neither incident location nor small count
    let w: Vec<[f64; 2]> = w
        .lines()
        .skip(1)
        .map(|l| {
            let mut p = l.split(',').map(|v| v.parse::<f64>().unwrap());
            [p.next().unwrap(), p.next().unwrap()]
        })
        .collect();
    let mut ll = w.clone();
    crimescape::Reprojector::new(
        &crimescape::Crs::parse("EPSG:32631").unwrap(),
        &crimescape::WGS84,
    )
    .unwrap()
    .apply_all(&mut ll);
    let (n, found) = scan_dir(&pa, &w, &ll, Some("EPSG:32631"));
    eprintln!(
        "network kde (isolated incident): {n} files scanned, {} findings",
        found.len()
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// Runs `crimescape --audience public <args> --out <dir>` for each run, scans every
/// file (PNG rasters excepted) for the incidents' locations (`working` in the metric
/// CRS `crs`, whose 100 m square centres are the published points, and lon/lat; 1 m)
/// and counts below 3, and returns the per-command lines "name: N files scanned, 0
/// findings".
fn scan_runs(
    base: &Path,
    (working, ll, crs): (&[[f64; 2]], &[[f64; 2]], Option<&str>),
    runs: &[(&str, Vec<&str>)],
) -> Vec<String> {
    let mut report = Vec::new();
    for (name, args) in runs {
        let out = base.join(name.replace(' ', "_"));
        public(args, &out);
        let (n, found) = scan_dir(&out, working, ll, crs);
        report.push(format!(
            "{name}: {n} files scanned, {} findings",
            found.len()
        ));
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
    report
}

/// Network KDE and Gi* on real streets (Mesa, AZ: 287 crimes and its street layer,
/// spNetwork's test data), public mode without an address layer.
#[test]
fn public_real_data_mesa_network_leaks_nothing() {
    let Some(inc) = shared_data("mesa_az/crimes_geodanet.csv") else {
        return;
    };
    let Some(streets) = shared_data("mesa_az/layer_streets.geojson") else {
        return;
    };
    let d = tmp();
    let (_, ll) = incidents(&inc);
    let (i, s) = (inc.to_str().unwrap(), streets.to_str().unwrap());
    let crs = ["--crs", "EPSG:2223"];
    let runs: Vec<(&str, Vec<&str>)> = vec![
        (
            "network kde",
            [&["network", "kde", i, "--streets", s][..], &crs[..]].concat(),
        ),
        (
            "network gistar",
            [
                &[
                    "network",
                    "gistar",
                    i,
                    "--streets",
                    s,
                    "--permutations",
                    "19",
                ][..],
                &crs[..],
            ]
            .concat(),
        ),
        (
            "segments",
            [&["segments", i, "--streets", s][..], &crs[..]].concat(),
        ),
    ];
    // x/y are in feet (EPSG:2223): the working CRS is the tool's UTM zone, so only
    // lon/lat are scanned
    let report = scan_runs(d.path(), (&[], &ll, None), &runs);
    // the withheld lixels are counted in the summary and the report
    let j: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.path().join("network_kde").join("nkde.json")).unwrap(),
    )
    .unwrap();
    assert!(j["lixels_withheld"].as_u64().is_some(), "{j}");
    eprintln!("{}", report.join("\n"));
}

/// Vancouver 2020 (33,761 crimes, offset to the hundred block by VPD, with a
/// free-text `HUNDRED_BLOCK` column), public mode without an address layer (square
/// centres). Slow in a debug build (about a minute); run with
/// `cargo test --test cli public_real_data_vancouver -- --ignored --nocapture`.
#[test]
#[ignore]
fn public_real_data_vancouver_leaks_nothing() {
    let Some(inc) = shared_data("vancouver/vpd_crimes_2020.csv") else {
        return;
    };
    let Some(stops) = shared_data("vancouver/layer_translink_transit_stops.geojson") else {
        return;
    };
    let d = tmp();
    let (w, ll) = incidents(&inc);
    let (i, st) = (inc.to_str().unwrap(), stops.to_str().unwrap());
    let crs = ["--crs", "EPSG:32610"];
    let runs: Vec<(&str, Vec<&str>)> = vec![
        (
            "hotspots grid",
            [&["hotspots", "grid", i, "--cell", "100"][..], &crs[..]].concat(),
        ),
        (
            "hotspots gistar",
            [
                &[
                    "hotspots",
                    "gistar",
                    i,
                    "--cell",
                    "250",
                    "--permutations",
                    "19",
                ][..],
                &crs[..],
            ]
            .concat(),
        ),
        (
            "hotspots kde",
            [&["hotspots", "kde", i, "--cell", "100"][..], &crs[..]].concat(),
        ),
        ("repeats", [&["repeats", i][..], &crs[..]].concat()),
        ("when", [&["when", i][..], &crs[..]].concat()),
        ("clusters", [&["clusters", i][..], &crs[..]].concat()),
    ];
    // x/y are the working CRS (EPSG:32610): its 100 m square centres are published
    let mut report = scan_runs(d.path(), (&w, &ll, Some("EPSG:32610")), &runs);
    // the free-text column never leaves the tool
    for f in files(&d.path().join("hotspots_grid")) {
        let b = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&b).contains("ALBERNI ST"),
            "{}",
            f.display()
        );
    }
    let scanner = Scanner::new(&[], &ll, 1.0).unwrap().counts(3, COUNT_NAMES);
    let prox = d.path().join("proximity.csv");
    let a = crimescape()
        .args(["--quiet", "--audience", "public", "proximity", i])
        .args(crs)
        .args(["--layer", st, "--within", "100", "--out"])
        .arg(&prox)
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    for f in ["proximity.csv", "proximity.features.csv"] {
        let found = scanner.scan(&std::fs::read(d.path().join(f)).unwrap());
        assert!(found.is_empty(), "{f}: {found:?}");
    }
    report.push("proximity: 2 files scanned, 0 findings".into());
    eprintln!("{}", report.join("\n"));
}
