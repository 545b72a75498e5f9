//! Design proposals: `crimescape assess` and the demo's assessment step.

use predicates::prelude::*;
use serde_json::{json, Value};

use crate::common::*;

fn write(path: &std::path::Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

fn city(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("demo");
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
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

#[test]
fn assess_two_proposals_with_model() {
    let d = tmp();
    let c = city(d.path());
    let p1 = d.path().join("lights.geojson");
    write(
        &p1,
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": null, "properties": {
                "action": "modify", "layer": "lights", "where": {"status": "out"}, "set": {"status": "on"}}}
        ]}),
    );
    let p2 = d.path().join("gate.geojson");
    write(
        &p2,
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": null, "properties": {
                "action": "gate", "layer": "parks", "target": "park0", "hours": "20:00-06:00"}}
        ]}),
    );
    let model = d.path().join("model.json");
    write(
        &model,
        &json!({
            "name": "test model", "cell_size": 50.0, "intercept": -3.0,
            "factors": [{"layer": "lights", "filter": "status=out", "distance": 50.0, "coefficient": 0.5}],
            "covariance": [[0.01, 0.0], [0.0, 0.01]], "draws": 200, "seed": 7
        }),
    );
    let out = d.path().join("assess");
    crimescape()
        .args(["assess", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .arg("--spaces")
        .arg(c.join("parks.geojson"))
        .arg("--layer")
        .arg(c.join("lights.geojson"))
        .arg("--proposal")
        .arg(&p1)
        .arg("--proposal")
        .arg(&p2)
        .arg("--model")
        .arg(&model)
        .arg("--incidents")
        .arg(c.join("incidents.csv"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    for f in [
        "assessment.json",
        "assessment.json.provenance.json",
        "assessment.md",
        "assessment.html",
        "changes.geojson",
        "reach_before.png",
        "reach_after_gate.png",
        "reach_change_lights.png",
        "risk_change_lights.png",
        "risk_before.png",
        "risk_after_gate.png",
        "tradeoff.png",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let a: Value =
        serde_json::from_slice(&std::fs::read(out.join("assessment.json")).unwrap()).unwrap();
    let ps = a["proposals"].as_array().unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0]["name"], "lights");
    let prevented = ps[0]["risk"]["prevented"].as_f64().unwrap();
    let iv = ps[0]["risk"]["interval"].as_array().unwrap();
    assert!(prevented > 0.0);
    assert!(iv[0].as_f64().unwrap() <= prevented && prevented <= iv[1].as_f64().unwrap());
    assert_eq!(ps[0]["verdict"]["restricts_access"], false);
    assert_eq!(ps[1]["verdict"]["restricts_access"], true);
    assert_eq!(ps[1]["access"]["restricted_hours_per_day"], 10.0);
    assert!(
        ps[1]["access"]["public_space"]["time_restricted_m2"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(ps[1]["dominated_by"][0], "lights");
    // --incidents: the night gate is also weighted by the hours it is in force; the
    // lights (always) are not
    assert!(ps[0].get("hours_weighted").is_none());
    let hw = &ps[1]["hours_weighted"];
    assert_eq!(hw["hours_in_force_per_week"], 70.0);
    let share = hw["share_in_force"].as_f64().unwrap();
    assert!(share > 0.0 && share < 1.0, "{share}");
    assert_eq!(hw["incidents"], 1000);
    let md = std::fs::read_to_string(out.join("assessment.md")).unwrap();
    assert!(md.contains("## Side by side") && md.contains("less restrictive alternative"));
    assert!(
        md.contains("hours-weighted prevented") && md.contains("- hours-weighted:"),
        "{md}"
    );
    let prov = std::fs::read_to_string(out.join("assessment.json.provenance.json")).unwrap();
    assert!(prov.contains("incidents.csv"), "{prov}");
    // issue 14: the planners' page shows each proposal's maps inline, as written
    let html = std::fs::read_to_string(out.join("assessment.html")).unwrap();
    for p in ["lights", "gate"] {
        assert!(out.join(format!("proposal_{p}.png")).exists(), "{p}");
        let svg = std::fs::read_to_string(out.join(format!("proposal_{p}.svg"))).unwrap();
        let title = format!(">Proposal {p}: what it changes</text>");
        assert!(svg.contains(&title) && html.contains(&title), "{p}");
    }
    // per proposal: its actions, the risk change and the access change
    assert_eq!(html.matches("data-expected-figures=\"3\"").count(), 2);
    assert_eq!(html.matches("<svg class=\"figure\"").count(), 6);
    assert!(html.contains("href=\"risk_change_gate.svg\""));
}

#[test]
fn assess_invalid_proposal_names_feature_and_property() {
    let d = tmp();
    let c = city(d.path());
    let p = d.path().join("bad.geojson");
    write(
        &p,
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": null, "properties": {"action": "modify", "layer": "lights", "target": "light1", "set": {"status": "on"}}},
            {"type": "Feature", "geometry": null, "properties": {"action": "bulldoze", "layer": "lights"}}
        ]}),
    );
    crimescape()
        .args(["assess", "--quiet", "--streets"])
        .arg(c.join("streets.geojson"))
        .arg("--layer")
        .arg(c.join("lights.geojson"))
        .arg("--proposal")
        .arg(&p)
        .arg("--out")
        .arg(d.path().join("o"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("row 1, column 'action'")
                .and(predicate::str::contains("unknown action")),
        );
}

#[test]
fn demo_assesses_its_two_proposals() {
    let d = tmp();
    let out = d.path().join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--incidents",
            "1000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let a: Value =
        serde_json::from_slice(&std::fs::read(out.join("assess/assessment.json")).unwrap())
            .unwrap();
    let ps = a["proposals"].as_array().unwrap();
    assert_eq!(ps[0]["name"], "repair-lights");
    assert_eq!(ps[1]["name"], "gate-park");
    assert!(ps[0]["risk"]["prevented"].as_f64().unwrap() > 0.0);
    assert_eq!(ps[0]["access"]["edges_closed"], 0);
    assert_eq!(ps[1]["risk"]["prevented"], 0.0);
    assert!(ps[1]["access"]["edges_closed"].as_u64().unwrap() > 0);
    assert_eq!(ps[1]["verdict"]["restricts_access"], true);
    assert!(out.join("assess/proposal_gate-park.geojson").exists());
    assert!(out.join("assess/truth_model.json").exists());
    // the fitted risk terrain model gives an interval
    assert!(ps[0]["risk"]["interval"].is_array());
    assert!(ps[0]["risk"]["model"]
        .as_str()
        .unwrap()
        .starts_with("risk terrain model"));
}
