//! `clusters --method nnh --area-km2`: a bad study area is reported in km², as typed.

use predicates::prelude::*;

use crate::common::{crimescape, fixture, tmp};

#[test]
fn clusters_nnh_bad_area_km2_shows_the_value_typed() {
    for (typed, shown) in [("0", "--area-km2 0:"), ("-2.5", "--area-km2 -2.5:")] {
        let d = tmp();
        crimescape()
            .args(["clusters", "--quiet", "--crs", "local-m", "--method", "nnh"])
            .arg(format!("--area-km2={typed}"))
            .arg("-o")
            .arg(d.path())
            .arg(fixture("golden/dbscan/A/input_xy.csv"))
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!(
                "{shown} the study area (km²) must be > 0"
            )))
            .stderr(predicates::str::contains("000000").not());
    }
}

#[test]
fn clusters_nnh_area_km2_is_used_in_m2() {
    let d = tmp();
    crimescape()
        .args(["clusters", "--quiet", "--crs", "local-m", "--method", "nnh"])
        .args(["--area-km2", "2.5", "-o"])
        .arg(d.path())
        .arg(fixture("golden/dbscan/A/input_xy.csv"))
        .assert()
        .success();
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("clusters.json")).unwrap()).unwrap();
    assert_eq!(j["nnh"]["study_area_m2"], 2.5e6, "{}", j["nnh"]);
}
