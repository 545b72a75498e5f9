//! `crimescape when` and the `--hours/--days/--night` filters shared by every
//! command that loads incidents.

use predicates::prelude::*;

use crate::common::*;

/// 60 incidents at a bar (23:00-01:30, some as windows), 60 at a shop (10-16h),
/// 60 elsewhere at every hour; Chicago, January-March 2024.
fn write_city(dir: &std::path::Path) -> std::path::PathBuf {
    let mut s = String::from("lon,lat,date_start,date_end,place\n");
    for i in 0..60u32 {
        let (d, m) = (1 + i % 28, 1 + i % 3);
        // bar: 23:00 + up to 150 min; every third as a 1-hour window
        let (h, min) = (23 + (i * 5) / 60, (i * 5) % 60);
        let (h, dd) = if h >= 24 { (h - 24, d + 1) } else { (h, d) };
        let from = format!("2024-{m:02}-{dd:02} {h:02}:{min:02}");
        let to = if i % 3 == 0 {
            let (th, td) = if h == 23 { (0, dd + 1) } else { (h + 1, dd) };
            format!("2024-{m:02}-{td:02} {th:02}:{min:02}")
        } else {
            String::new()
        };
        s += &format!("-87.6300,41.8800,{from},{to},bar\n");
        s += &format!(
            "-87.6500,41.9000,2024-{m:02}-{d:02} {:02}:{min:02},,shop\n",
            10 + i % 6
        );
        s += &format!(
            "-87.6{:03},41.8{:03},2024-{m:02}-{d:02} {:02}:17,,street\n",
            i * 7,
            i * 5,
            i % 24
        );
    }
    // a window that ends before it starts, and one of 20 days: rejected
    s += "-87.6300,41.8800,2024-02-02 10:00,2024-02-01 10:00,bar\n";
    s += "-87.6300,41.8800,2024-02-02 10:00,2024-02-22 10:00,bar\n";
    let p = dir.join("city.csv");
    std::fs::write(&p, s).unwrap();
    p
}

fn rows(p: &std::path::Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(p).unwrap();
    r.records().map(|x| x.unwrap()).collect()
}

#[test]
fn when_profile_groups_and_night_place() {
    let d = tmp();
    let city = write_city(d.path());
    let out = d.path().join("w");
    crimescape()
        .args([
            "when",
            "--quiet",
            "--tz",
            "America/Chicago",
            "--by",
            "column:place",
        ])
        .args(["--nrep", "199", "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 night-dominant: bar"));
    for f in [
        "profile.csv",
        "heat.png",
        "day_of_year.png",
        "groups.csv",
        "when.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
        assert!(out.join(format!("{f}.provenance.json")).exists(), "{f}");
    }
    let prof = rows(&out.join("profile.csv"));
    assert_eq!(prof.len(), 168);
    let total: f64 = prof.iter().map(|r| r[2].parse::<f64>().unwrap()).sum();
    assert!((total - 180.0).abs() < 1e-6, "{total}");
    let groups = rows(&out.join("groups.csv"));
    let bar = groups.iter().find(|r| &r[0] == "bar").unwrap();
    assert_eq!(&bar[1], "60");
    assert!(bar[2].parse::<f64>().unwrap() > 0.99, "{bar:?}");
    assert_eq!(&bar[10], "true");
    let shop = groups.iter().find(|r| &r[0] == "shop").unwrap();
    assert_eq!(shop[2].parse::<f64>().unwrap(), 0.0);
    assert_eq!(&shop[10], "false");
    assert!(out.join("groups.png").exists());
    // hour profile: 24 rows
    crimescape()
        .args(["when", "--quiet", "--force", "--profile", "hour", "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .success()
        .stdout(predicate::str::contains("night shares need the time zone"));
    assert_eq!(rows(&out.join("profile.csv")).len(), 24);
}

/// `--by site:FILE:RADIUS` and `--by polygon:FILE:FIELD`: the bar is found as a
/// night-dominant site and beat; incidents outside every site are in no group.
#[test]
fn when_by_site_and_polygon_layers() {
    let d = tmp();
    let city = write_city(d.path());
    let sites = d.path().join("sites.geojson");
    std::fs::write(
        &sites,
        r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"name":"the bar"},"geometry":{"type":"Point","coordinates":[-87.63,41.88]}},
  {"type":"Feature","properties":{"name":"the shop"},"geometry":{"type":"Point","coordinates":[-87.65,41.90]}}]}"#,
    )
    .unwrap();
    let beats = d.path().join("beats.geojson");
    std::fs::write(
        &beats,
        r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"beat":"B1"},"geometry":{"type":"Polygon","coordinates":[[[-87.632,41.878],[-87.628,41.878],[-87.628,41.882],[-87.632,41.882],[-87.632,41.878]]]}}]}"#,
    )
    .unwrap();
    let out = d.path().join("s");
    let by = format!("site:{}:30", sites.display());
    crimescape()
        .args(["when", "--quiet", "--tz", "America/Chicago", "--nrep", "99"])
        .args(["--by", &by, "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 night-dominant: the bar"));
    let groups = rows(&out.join("groups.csv"));
    let names: Vec<&str> = groups.iter().map(|r| &r[0]).collect();
    assert_eq!(names, ["the bar", "the shop"]);
    assert_eq!((&groups[0][1], &groups[1][1]), ("60", "60"));
    let out = d.path().join("p");
    let by = format!("polygon:{}:beat", beats.display());
    crimescape()
        .args(["when", "--quiet", "--tz", "America/Chicago", "--nrep", "99"])
        .args(["--by", &by, "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 night-dominant: B1"));
    crimescape()
        .args(["when", "--quiet", "--by", "polygon:/no/such.geojson", "-o"])
        .arg(d.path().join("x"))
        .arg(&city)
        .assert()
        .failure()
        .stderr(predicate::str::contains("/no/such.geojson"));
}

#[test]
fn time_filters_keep_half_window_and_report() {
    let d = tmp();
    let city = write_city(d.path());
    let out = d.path().join("w");
    crimescape()
        .args(["info", "--quiet"])
        .arg(&city)
        .assert()
        .success()
        .stdout(predicate::str::contains("window ends before it starts"))
        .stdout(predicate::str::contains("window longer than --max-window"))
        .stdout(predicate::str::contains(
            "occurrence windows: 88.9 % exact; length median 0.0 h, 90th percentile 1.0 h, longest 1.0 h",
        ));
    // 22-04: the 60 bar incidents and the street ones at 22, 23, 0..3 h (6 of 24
    // hours: 15 of 60)
    crimescape()
        .args(["when", "--hours", "22-04", "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "time filter hours 22-04: kept 75 of 180 incident(s)",
        ));
    let prov = std::fs::read_to_string(out.join("profile.csv.provenance.json")).unwrap();
    assert!(prov.contains("time filter hours 22-04"), "{prov}");
    // night without a time zone: a clear error
    crimescape()
        .args(["when", "--quiet", "--force", "--night", "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--tz"));
    // a bad day name names the flag's value
    crimescape()
        .args(["when", "--quiet", "--force", "--weekdays", "fry", "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown day \"fry\""));
}

#[test]
fn near_repeat_window_rule_counts() {
    let d = tmp();
    let city = write_city(d.path());
    let out = d.path().join("nr");
    // keep the 20-day window (--max-window 30): left out by default...
    crimescape()
        .args(["near-repeat", "--max-window", "30", "--nrep", "0", "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "window rule exclude (first time band 7.0 days): 160 exact, 20 window(s) within the band at their midpoint, 1 longer window(s) left out",
        ));
    let prov = std::fs::read_to_string(out.join("knox.csv.provenance.json")).unwrap();
    assert!(prov.contains("window rule exclude"), "{prov}");
    // ... or at its midpoint
    crimescape()
        .args([
            "near-repeat",
            "--force",
            "--max-window",
            "30",
            "--nrep",
            "0",
        ])
        .args(["--window-rule", "midpoint", "-o"])
        .arg(&out)
        .arg(&city)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 longer window(s) at their midpoint",
        ));
}
