//! Tests of proposals and assessments on a hand-made study and the demo city.

use std::path::Path;

use approx::assert_abs_diff_eq;
use geo::{Geometry, LineString, Point, Polygon};
use serde_json::{json, Map, Value};

use super::assess::{assess, AssessParams};
use super::proposal::{apply, parse_proposals, Study};
use super::risk::{FactorModel, ModelFactor};
use crate::crs::{Crs, CrsChoice};
use crate::error::Error;
use crate::layer::Layer;

fn crs() -> CrsChoice {
    let c = Crs::Local { unit_to_metre: 1.0 };
    CrsChoice {
        input: c.clone(),
        input_source: "test".into(),
        working: c,
        reason: "test".into(),
    }
}

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn layer(name: &str, geoms: Vec<Geometry<f64>>, p: Vec<Map<String, Value>>) -> Layer {
    Layer {
        name: name.into(),
        geometries: geoms,
        properties: p,
        crs: crs(),
    }
}

/// Streets: a 4 x 4 grid of lines 0..300 m (100 m blocks, 24 edges); a park over the
/// two middle blocks (105..295 x 105..195) with the street x = 200 running through it;
/// out lights at (150, 50) and (150, 205); an on light far away.
fn study() -> Study {
    let mut streets = Vec::new();
    let mut sp = Vec::new();
    for i in 0..4 {
        let c = i as f64 * 100.0;
        streets.push(Geometry::LineString(LineString::from(vec![
            (0.0, c),
            (300.0, c),
        ])));
        sp.push(props(json!({"id": format!("h{i}")})));
        streets.push(Geometry::LineString(LineString::from(vec![
            (c, 0.0),
            (c, 300.0),
        ])));
        sp.push(props(json!({"id": format!("v{i}")})));
    }
    let park = Polygon::new(
        LineString::from(vec![
            (105.0, 105.0),
            (295.0, 105.0),
            (295.0, 195.0),
            (105.0, 195.0),
            (105.0, 105.0),
        ]),
        vec![],
    );
    let lights = vec![
        Geometry::Point(Point::new(150.0, 50.0)),
        Geometry::Point(Point::new(150.0, 205.0)),
        Geometry::Point(Point::new(20.0, 280.0)),
    ];
    let lp = vec![
        props(json!({"id": "l0", "status": "out"})),
        props(json!({"id": "l1", "status": "out"})),
        props(json!({"id": "l2", "status": "on"})),
    ];
    Study::new(vec![
        layer("streets", streets, sp),
        layer(
            "parks",
            vec![Geometry::Polygon(park)],
            vec![props(json!({"id": "p0"}))],
        ),
        layer("lights", lights, lp),
    ])
    .unwrap()
}

fn fc(features: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "local-m"}},
        "features": features
    }))
    .unwrap()
}

fn feature(p: Value, g: Value) -> Value {
    json!({"type": "Feature", "properties": p, "geometry": g})
}

fn model() -> FactorModel {
    FactorModel {
        name: "test".into(),
        cell_size: 10.0,
        intercept: -2.0,
        factors: vec![ModelFactor {
            layer: "lights".into(),
            filter: Some("status=out".into()),
            distance: 30.0,
            coefficient: 0.5,
        }],
        covariance: Some(vec![vec![0.01, 0.0], vec![0.0, 0.01]]),
        draws: 100,
        seed: 3,
    }
}

fn repair() -> Value {
    feature(
        json!({"action": "modify", "layer": "lights", "where": {"status": "out"}, "set": {"status": "on"}, "proposal": "repair"}),
        json!({"type": "Polygon", "coordinates": [[[0, 0], [300, 0], [300, 300], [0, 300], [0, 0]]]}),
    )
}

fn gate() -> Value {
    feature(
        json!({"action": "gate", "layer": "parks", "target": "p0", "hours": "19:00-07:00", "proposal": "gate"}),
        Value::Null,
    )
}

#[test]
fn assess_repair_and_gate_contrast() {
    let s = study();
    let ps = parse_proposals(&fc(vec![repair(), gate()]), Path::new("p.geojson"), &s).unwrap();
    assert_eq!(ps.len(), 2);
    let m = model();
    let a = assess(&s, &ps, Some(&m), &AssessParams::new()).unwrap();
    assert_eq!(a.network.edges, 24);
    let (r, g) = (&a.proposals[0], &a.proposals[1]);
    // repairing lights: access exactly unchanged, risk down
    assert_eq!(r.access.edges_closed, 0);
    for x in &r.access.reach {
        assert_eq!(x.street_change_pct, 0.0);
        assert_eq!(x.nodes_losing, 0);
    }
    assert_eq!(r.access.detour.pairs_affected, 0);
    assert!(!r.verdict.restricts_access);
    assert!(r.risk.as_ref().unwrap().prevented > 0.0);
    // gating the park: the street through it closes at night
    assert_eq!(g.access.edges_closed, 1);
    assert_abs_diff_eq!(g.access.length_closed_m, 100.0, epsilon = 1e-9);
    assert_abs_diff_eq!(
        g.access.public_space.time_restricted_m2,
        190.0 * 90.0,
        epsilon = 1e-6
    );
    assert_abs_diff_eq!(g.access.restricted_hours_per_day, 12.0);
    // the park sits 5 m from the streets on all sides: the whole boundary is frontage
    assert_abs_diff_eq!(
        g.access.public_space.frontage_lost_m,
        2.0 * (190.0 + 90.0),
        epsilon = 1e-6
    );
    assert!(g.access.reach[1].street_change_pct < 0.0);
    // (200,100) -> (200,200) was 100 m, now 200 m round the block
    assert_eq!(g.access.detour.pairs_disconnected, 0);
    assert!(g.access.detour.max_ratio.unwrap() >= 2.0 - 1e-9);
    assert!(g.access.through_movement.removed_from_closed_edges > 0.0);
    assert_eq!(g.risk.as_ref().unwrap().prevented, 0.0);
    assert!(g.verdict.restricts_access);
    let alt = g.verdict.alternative.as_ref().unwrap();
    assert_eq!(alt.lights_repaired, 2); // both out lights are within 100 m of the park's bounding box
    assert!(alt.risk.as_ref().unwrap().prevented > 0.0);
    // gate is dominated by repair
    assert_eq!(a.dominated, vec!["gate".to_string()]);
    assert_eq!(g.dominated_by, vec!["repair".to_string()]);
    // reports render
    let md = super::report::to_markdown(&a);
    assert!(md.contains("| repair |") && md.contains("restricts free access"));
    assert!(super::report::to_html(&a).contains("<table>"));
    let gj = crate::export::to_geojson(&super::report::changes(&a).unwrap()).unwrap();
    assert!(String::from_utf8(gj).unwrap().contains("edge_closed"));
    assert!(super::report::reach_map(&a, Some(1), true)
        .unwrap()
        .png()
        .unwrap()
        .starts_with(&[0x89, b'P', b'N', b'G']));
}

#[test]
fn assess_proposal_that_changes_nothing_is_zero() {
    let s = study();
    // set lights that are on to on, and close nothing
    let p = fc(vec![feature(
        json!({"action": "modify", "layer": "lights", "target": "l2", "set": {"status": "on"}}),
        Value::Null,
    )]);
    let ps = parse_proposals(&p, Path::new("noop.geojson"), &s).unwrap();
    let a = assess(&s, &ps, Some(&model()), &AssessParams::new()).unwrap();
    let r = &a.proposals[0];
    assert_eq!(r.access.edges_closed + r.access.edges_opened, 0);
    assert_eq!(r.access.detour.pairs_affected, 0);
    assert_eq!(
        r.access.public_space.enclosed_m2 + r.access.public_space.time_restricted_m2,
        0.0
    );
    assert_eq!(r.access.restricted_hours_per_day, 0.0);
    for x in &r.access.reach {
        assert_eq!(x.street_m_before, x.street_m_after);
        assert_eq!(x.space_area_before_m2, x.space_area_after_m2);
    }
    let risk = r.risk.as_ref().unwrap();
    assert_eq!(risk.prevented, 0.0);
    assert_eq!(risk.interval, Some([0.0, 0.0]));
    assert!(!r.verdict.restricts_access);
}

#[test]
fn assess_commuting_actions_in_either_order() {
    let s = study();
    let close = feature(
        json!({"action": "close", "layer": "streets", "proposal": "x"}),
        json!({"type": "Point", "coordinates": [50, 0]}),
    );
    let mut rep = repair();
    rep["properties"]["proposal"] = "x".into();
    let p1 = parse_proposals(
        &fc(vec![close.clone(), rep.clone()]),
        Path::new("a.geojson"),
        &s,
    )
    .unwrap();
    let p2 = parse_proposals(&fc(vec![rep, close]), Path::new("b.geojson"), &s).unwrap();
    let m = model();
    let params = AssessParams::new().per_action(false);
    let a1 = assess(&s, &p1, Some(&m), &params).unwrap();
    let a2 = assess(&s, &p2, Some(&m), &params).unwrap();
    let (x, y) = (&a1.proposals[0], &a2.proposals[0]);
    assert_eq!(x.access.edges_closed, 3); // the whole street y = 0 (one feature, three edges)
    assert_eq!(
        serde_json::to_value(&x.access).unwrap(),
        serde_json::to_value(&y.access).unwrap()
    );
    assert_eq!(
        x.risk.as_ref().unwrap().prevented,
        y.risk.as_ref().unwrap().prevented
    );
    assert_eq!(
        x.risk.as_ref().unwrap().interval,
        y.risk.as_ref().unwrap().interval
    );
}

fn row_error(bytes: &[u8]) -> (u64, String, String) {
    match parse_proposals(bytes, Path::new("bad.geojson"), &study()) {
        Err(Error::Row {
            row,
            column,
            message,
            ..
        }) => (row, column, message),
        other => panic!("expected a row error, got {other:?}"),
    }
}

#[test]
fn parse_proposals_invalid_gives_clear_errors() {
    let ok = repair();
    let (row, col, msg) = row_error(&fc(vec![
        ok.clone(),
        feature(
            json!({"action": "demolish", "layer": "lights"}),
            Value::Null,
        ),
    ]));
    assert_eq!((row, col.as_str()), (1, "action"));
    assert!(msg.contains("expected one of add, remove"), "{msg}");
    let (row, col, msg) = row_error(&fc(vec![feature(
        json!({"action": "remove", "layer": "benches"}),
        json!({"type": "Point", "coordinates": [10, 10]}),
    )]));
    assert_eq!((row, col.as_str()), (0, "layer"));
    assert!(msg.contains("lights") && msg.contains("streets"), "{msg}");
    // outside the study area
    let (row, col, msg) = row_error(&fc(vec![
        ok.clone(),
        ok.clone(),
        feature(
            json!({"action": "remove", "layer": "lights"}),
            json!({"type": "Point", "coordinates": [5000, 5000]}),
        ),
    ]));
    assert_eq!((row, col.as_str()), (2, "geometry"));
    assert!(msg.contains("outside the study area"), "{msg}");
    // far away: the CRS hint
    let (_, _, msg) = row_error(&fc(vec![feature(
        json!({"action": "remove", "layer": "lights"}),
        json!({"type": "Point", "coordinates": [430000, 5400000]}),
    )]));
    assert!(msg.contains("CRS is probably wrong"), "{msg}");
    // wrong CRS: metric coordinates in a file without a crs member
    let bytes = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": [
        feature(json!({"action": "remove", "layer": "lights"}), json!({"type": "Point", "coordinates": [150, 5000]}))
    ]}))
    .unwrap();
    let (row, col, msg) = row_error(&bytes);
    assert_eq!((row, col.as_str()), (0, "geometry"));
    assert!(msg.contains("wrong CRS"), "{msg}");
    // hours on the wrong action, bad hours, gate on a street layer
    let (_, col, _) = row_error(&fc(vec![feature(
        json!({"action": "remove", "layer": "lights", "hours": "22:00-06:00"}),
        json!({"type": "Point", "coordinates": [150, 50]}),
    )]));
    assert_eq!(col, "hours");
    let (_, col, _) = row_error(&fc(vec![feature(
        json!({"action": "close", "layer": "streets", "hours": "25:00-06:00"}),
        json!({"type": "Point", "coordinates": [50, 0]}),
    )]));
    assert_eq!(col, "hours");
    let (_, col, msg) = row_error(&fc(vec![feature(
        json!({"action": "gate", "layer": "streets"}),
        json!({"type": "Point", "coordinates": [50, 0]}),
    )]));
    assert_eq!(col, "layer");
    assert!(msg.contains("public-space"), "{msg}");
    // a selection that matches nothing
    let (_, col, msg) = row_error(&fc(vec![feature(
        json!({"action": "remove", "layer": "lights", "target": "nope"}),
        Value::Null,
    )]));
    assert_eq!(col, "target");
    assert!(msg.contains("matches no feature"), "{msg}");
    // modify without set; fence needs a line
    let (_, col, _) = row_error(&fc(vec![feature(
        json!({"action": "modify", "layer": "lights", "target": "l0"}),
        Value::Null,
    )]));
    assert_eq!(col, "set");
    let (_, col, _) = row_error(&fc(vec![feature(
        json!({"action": "fence", "layer": "barriers"}),
        json!({"type": "Point", "coordinates": [50, 0]}),
    )]));
    assert_eq!(col, "geometry");
}

#[test]
fn apply_open_fence_enclose_and_add_points() {
    let s = study();
    let p = fc(vec![
        // a diagonal path across the south-west block, ending on two streets (T-junctions)
        feature(
            json!({"action": "open", "layer": "paths", "proposal": "open"}),
            json!({"type": "LineString", "coordinates": [[0, 50], [50, 0]]}),
        ),
        // a fence across the street y = 300 between x = 0 and 100
        feature(
            json!({"action": "fence", "layer": "barriers", "proposal": "fence"}),
            json!({"type": "LineString", "coordinates": [[50, 290], [50, 310]]}),
        ),
        feature(
            json!({"action": "enclose", "layer": "parks", "proposal": "enclose"}),
            json!({"type": "Point", "coordinates": [200, 150]}),
        ),
        feature(
            json!({"action": "add", "layer": "lights", "spacing": 50, "status": "on", "proposal": "add"}),
            json!({"type": "LineString", "coordinates": [[0, 100], [300, 100]]}),
        ),
    ]);
    let ps = parse_proposals(&p, Path::new("x.geojson"), &s).unwrap();
    assert_eq!(ps.len(), 4);
    let added = apply(&s, &ps[3]).unwrap();
    let lights = added.layers.iter().find(|l| l.name == "lights").unwrap();
    assert_eq!(lights.len(), 3 + 6);
    let a = assess(&s, &ps, None, &AssessParams::new().per_action(false)).unwrap();
    let open = &a.proposals[0].access;
    assert_eq!(open.edges_opened, 1);
    assert_abs_diff_eq!(open.length_opened_m, 50.0 * 2f64.sqrt(), epsilon = 1e-9);
    assert!(open.reach[0].street_change_pct > 0.0);
    assert!(!a.proposals[0].verdict.restricts_access);
    let fence = &a.proposals[1].access;
    assert_eq!(fence.edges_closed, 1);
    assert_eq!(fence.detour.pairs_disconnected, 0);
    let enc = &a.proposals[2].access;
    assert_abs_diff_eq!(enc.public_space.enclosed_m2, 190.0 * 90.0, epsilon = 1e-6);
    assert_eq!(enc.restricted_hours_per_day, 24.0);
    assert!(enc.reach[1].space_area_change_pct < 0.0);
    assert!(a.proposals[2].verdict.restricts_access);
    // adding lights changes no access
    assert_eq!(
        a.proposals[3].access.edges_closed + a.proposals[3].access.edges_opened,
        0
    );
    assert!(a.proposals[0].risk.is_none());
}

#[test]
fn demo_city_proposals_show_the_contrast() {
    use crate::demo::{generate, DemoParams};
    let city = generate(&DemoParams::new(42).incidents(2000).size(2000.0)).unwrap();
    let study = super::demo::demo_study(&city).unwrap();
    let ps = super::demo::demo_proposals(&city).unwrap();
    let m = super::demo::demo_model(&city, 25.0).unwrap();
    // the calibrated model reproduces the background count
    let r0 = super::risk::RiskModel::risk_change(&m, &study.layers, &study.layers, study.extent)
        .unwrap();
    assert_abs_diff_eq!(
        r0.expected_before,
        city.truth.components["background"] as f64,
        epsilon = 1e-6
    );
    let a = assess(&study, &ps, Some(&m), &AssessParams::new()).unwrap();
    let (r, g) = (&a.proposals[0], &a.proposals[1]);
    assert_eq!(r.name, "repair-lights");
    assert!(r.risk.as_ref().unwrap().prevented > 1.0);
    assert_eq!(r.access.edges_closed, 0);
    assert_eq!(r.access.reach[1].street_change_pct, 0.0);
    assert!(!r.verdict.restricts_access);
    assert_eq!(g.risk.as_ref().unwrap().prevented, 0.0);
    assert!(g.access.edges_closed > 0);
    assert!(g.access.reach[1].street_change_pct < 0.0);
    assert!(g.verdict.restricts_access);
    assert_eq!(g.dominated_by, vec!["repair-lights".to_string()]);
}

#[test]
fn network_of_spatstat_chicago_matches_linnet() {
    // spatstat.data `chicago`: "Linear network with 338 vertices and 503 lines"
    // (fixtures/golden/access/README.md); the shared file holds its 503 segments.
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/chicago/spatstat_chicago_street_network_local_feet.geojson");
    if !p.exists() {
        eprintln!("skipping: {} not found", p.display());
        return;
    }
    let opts = crate::io::LayerOptions {
        crs: Some(Crs::parse("local-ft").unwrap()),
        ..Default::default()
    };
    let (streets, _) = crate::io::load_layer(&p, &opts).unwrap();
    let lines: Vec<LineString<f64>> = streets
        .geometries
        .iter()
        .filter_map(|g| match g {
            Geometry::LineString(l) => Some(l.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(lines.len(), 503);
    let net =
        super::network::Network::build(&lines, &super::network::NetworkParams::new()).unwrap();
    assert_eq!(net.report.nodes, 338);
    assert_eq!(net.report.edges, 503);
    assert_eq!(net.report.components, 1);
    assert_eq!(net.report.snapped_endpoints, 0);
}

/// A model in which gated parks lower the risk within 30 m (log relative risk −0.7).
fn gate_model() -> FactorModel {
    FactorModel {
        name: "gated parks".into(),
        cell_size: 10.0,
        intercept: -2.0,
        factors: vec![ModelFactor {
            layer: "parks".into(),
            filter: Some("access=gated".into()),
            distance: 30.0,
            coefficient: -0.7,
        }],
        covariance: None,
        draws: 0,
        seed: 1,
    }
}

/// Exact incidents at `hour:minute` on every day of March 2024 (the 3rd is a Sunday).
fn profile_at(hour: u32, minute: u32) -> crate::when::WeekProfile {
    let w: Vec<crate::when::Window> = (1..=28)
        .map(|d| {
            crate::when::Window::exact(
                crate::time::from_fields(2024, 3, d, hour, minute, 0).unwrap(),
            )
        })
        .collect();
    crate::when::aoristic::week_profile(&w, crate::when::AoristicRule::Minute)
}

fn night_gate(extra: Value) -> Value {
    let mut p = json!({"action": "gate", "layer": "parks", "target": "p0", "hours": "22:00-06:00", "proposal": "gate"});
    if let (Value::Object(m), Value::Object(e)) = (&mut p, extra) {
        m.extend(e);
    }
    feature(p, Value::Null)
}

#[test]
fn assess_hours_weighted_closure_at_noon_is_zero() {
    let s = study();
    let ps = parse_proposals(&fc(vec![night_gate(json!({}))]), Path::new("p.geojson"), &s).unwrap();
    let m = gate_model();
    let p = AssessParams::new().incident_times(profile_at(12, 0));
    let a = assess(&s, &ps, Some(&m), &p).unwrap();
    let g = &a.proposals[0];
    let while_in_force = g.risk.as_ref().unwrap().prevented;
    assert!(while_in_force > 0.0, "{while_in_force}");
    let h = g.hours_weighted.as_ref().unwrap();
    assert_eq!(h.share_in_force, 0.0);
    assert_eq!(h.incidents, 28);
    assert_abs_diff_eq!(h.hours_in_force_per_week, 56.0);
    assert_eq!(h.prevented_while_in_force, while_in_force);
    assert_eq!(h.prevented_out_of_force, 0.0);
    assert_abs_diff_eq!(h.prevented, 0.0);
    // the single action carries the same numbers
    assert_eq!(g.actions[0].hours_weighted.as_ref(), Some(h));
    let md = super::report::to_markdown(&a);
    assert!(
        md.contains("hours-weighted prevented") && md.contains("0% of incidents in force"),
        "{md}"
    );
}

#[test]
fn assess_hours_weighted_closure_at_midnight_is_while_in_force() {
    let s = study();
    let ps = parse_proposals(&fc(vec![night_gate(json!({}))]), Path::new("p.geojson"), &s).unwrap();
    let m = gate_model();
    let a = assess(
        &s,
        &ps,
        Some(&m),
        &AssessParams::new().incident_times(profile_at(0, 30)),
    )
    .unwrap();
    let g = &a.proposals[0];
    let h = g.hours_weighted.as_ref().unwrap();
    assert_eq!(h.share_in_force, 1.0);
    assert_abs_diff_eq!(
        h.prevented,
        g.risk.as_ref().unwrap().prevented,
        epsilon = 1e-12
    );
    // without incident times (or without a model) only "while in force"
    let a = assess(&s, &ps, Some(&m), &AssessParams::new()).unwrap();
    assert!(a.proposals[0].hours_weighted.is_none());
    let a = assess(
        &s,
        &ps,
        None,
        &AssessParams::new().incident_times(profile_at(0, 30)),
    )
    .unwrap();
    assert!(a.proposals[0].hours_weighted.is_none());
}

#[test]
fn assess_hours_weighted_mixes_timed_and_permanent_actions() {
    let s = study();
    // the night gate and the light repair in one proposal; incidents half at 23:00, half at noon
    let mut repair = repair();
    repair["properties"]["proposal"] = json!("gate");
    let ps = parse_proposals(
        &fc(vec![night_gate(json!({})), repair]),
        Path::new("p.geojson"),
        &s,
    )
    .unwrap();
    let mut m = gate_model();
    m.factors.push(ModelFactor {
        layer: "lights".into(),
        filter: Some("status=out".into()),
        distance: 30.0,
        coefficient: 0.5,
    });
    let mut prof = profile_at(23, 0);
    for (w, x) in prof.weights.iter_mut().zip(profile_at(12, 0).weights) {
        *w += x;
    }
    prof.n *= 2;
    let a = assess(&s, &ps, Some(&m), &AssessParams::new().incident_times(prof)).unwrap();
    let g = &a.proposals[0];
    let h = g.hours_weighted.as_ref().unwrap();
    assert_abs_diff_eq!(h.share_in_force, 0.5, epsilon = 1e-12);
    // out of force: the repair alone
    let repair_alone = g.actions[1].risk.as_ref().unwrap().prevented;
    assert!(repair_alone > 0.0);
    assert_abs_diff_eq!(h.prevented_out_of_force, repair_alone, epsilon = 1e-9);
    assert_abs_diff_eq!(
        h.prevented,
        0.5 * g.risk.as_ref().unwrap().prevented + 0.5 * repair_alone,
        epsilon = 1e-9
    );
    // the repair alone is not time-restricted: no hours-weighted figure
    assert!(g.actions[1].hours_weighted.is_none());
    assert!(g.actions[0].hours_weighted.is_some());
}

#[test]
fn assess_hours_weighted_days_count_the_night_from_its_start() {
    let s = study();
    // Friday and Saturday nights 22:00-06:00: Saturday 01:00 is in force, Monday 01:00 is not
    let ps = parse_proposals(
        &fc(vec![night_gate(json!({"days": "fri-sat"}))]),
        Path::new("p.geojson"),
        &s,
    )
    .unwrap();
    assert_eq!(
        ps[0].actions[0].days,
        Some([false, false, false, false, false, true, true])
    );
    let inf = super::assess::week_minutes_in_force(&ps[0].actions);
    assert_eq!(inf.iter().filter(|x| **x).count(), 2 * 8 * 60);
    let sat_1h = (6 * 24 + 1) * 60;
    let mon_1h = (24 + 1) * 60;
    let sun_1h = 60;
    assert!(inf[sat_1h] && inf[sun_1h] && !inf[mon_1h]);
    let m = gate_model();
    let a = assess(
        &s,
        &ps,
        Some(&m),
        &AssessParams::new().incident_times(profile_at(1, 0)),
    )
    .unwrap();
    let g = &a.proposals[0];
    let h = g.hours_weighted.as_ref().unwrap();
    // 28 days of March 1-28: four Saturdays and four Sundays at 01:00 are in force
    assert_abs_diff_eq!(h.share_in_force, 8.0 / 28.0, epsilon = 1e-12);
    assert_abs_diff_eq!(h.hours_in_force_per_week, 16.0);
    assert_eq!(g.actions[0].hours.as_deref(), Some("22:00-06:00 fri,sat"));
    // written back in the schema's words
    assert_eq!(
        super::proposal::days_text(&[true, false, false, false, false, true, true]),
        "sun,fri,sat"
    );
}

#[test]
fn parse_proposals_days_errors() {
    // days on an action that is never time-restricted
    let (row, col, msg) = row_error(&fc(vec![feature(
        json!({"action": "remove", "layer": "lights", "days": "fri,sat"}),
        json!({"type": "Point", "coordinates": [150, 50]}),
    )]));
    assert_eq!((row, col.as_str()), (0, "days"));
    assert!(msg.contains("only to close, fence and gate"), "{msg}");
    // unknown day
    let (_, col, msg) = row_error(&fc(vec![
        repair(),
        night_gate(json!({"days": "fri,funday"})),
    ]));
    assert_eq!(col, "days");
    assert!(msg.contains("unknown day \"funday\""), "{msg}");
    // not a text, and empty
    let (_, col, msg) = row_error(&fc(vec![night_gate(json!({"days": 5}))]));
    assert_eq!(col, "days");
    assert!(msg.contains("fri,sat"), "{msg}");
    let (row, col, msg) = row_error(&fc(vec![repair(), night_gate(json!({"days": ","}))]));
    assert_eq!((row, col.as_str()), (1, "days"));
    assert!(msg.contains("no day given"), "{msg}");
}

#[test]
fn to_html_with_maps_inlines_each_proposal_map() {
    use super::report::{
        proposal_map, reach_map, risk_map, to_html_with_maps, MapFile, ProposalMaps,
    };
    use crate::export::FigureFormat;
    let s = study();
    let ps = parse_proposals(&fc(vec![repair(), gate()]), Path::new("p.geojson"), &s).unwrap();
    let a = assess(&s, &ps, Some(&model()), &AssessParams::new()).unwrap();
    let file = |f: crate::export::Figure, stem: &str| {
        Some(MapFile {
            svg: String::from_utf8(f.render(FigureFormat::Svg).unwrap()).unwrap(),
            svg_name: format!("{stem}.svg"),
            png_name: Some(format!("{stem}.png")),
        })
    };
    let maps: Vec<ProposalMaps> = (0..2)
        .map(|i| ProposalMaps {
            proposal: a.proposals[i].name.clone(),
            actions: file(proposal_map(&a, i).unwrap(), &format!("proposal_{i}")),
            risk: file(
                risk_map(
                    a.proposals[i].risk.as_ref().unwrap(),
                    "prevented",
                    Vec::new(),
                ),
                &format!("risk_change_{i}"),
            ),
            access: file(
                reach_map(&a, Some(i), true).unwrap(),
                &format!("reach_change_{i}"),
            ),
        })
        .collect();
    let h = to_html_with_maps(&a, &maps);
    // three maps per proposal, inline, before the verdicts; ids kept apart per figure
    assert_eq!(h.matches("<svg class=\"figure\"").count(), 6);
    assert_eq!(h.matches("data-expected-figures=\"3\"").count(), 2);
    let (maps_at, verdicts_at) = (
        h.find("id=\"maps\"").unwrap(),
        h.find("<h2>Verdicts").unwrap(),
    );
    assert!(maps_at < verdicts_at);
    assert!(h.contains("id=\"p1-access-cells\"") && h.contains("href=\"proposal_1.png\""));
    // the gate's map shows the street it closes in red, the repair's closes none
    let closed_line = "stroke=\"#dc1e1e\" stroke-width=\"4\"";
    assert!(maps[1].actions.as_ref().unwrap().svg.contains(closed_line));
    assert!(!maps[0].actions.as_ref().unwrap().svg.contains(closed_line));
    assert!(h.contains("data-errors=\"\"") && h.contains("<table>"));
    // without maps: the same tables, no maps section
    let plain = super::report::to_html(&a);
    assert!(!plain.contains("id=\"maps\"") && plain.contains("<h2>Verdicts"));
}
