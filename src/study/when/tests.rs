//! The `when` study: the groups grammar, grouping by polygon, hot spot, site and column, signatures and the demo.
use super::*;
use crate::demo::{generate, DemoParams};
use crate::study::hotspots::HotspotInput;
use geo::Geometry;

#[test]
fn groups_parse_forms() {
    let p = |s: &str| WhenGroups::parse(s, Some(100.0)).unwrap();
    assert!(matches!(p("category"), (WhenGroups::Category, None)));
    assert!(matches!(p("column:beat"), (WhenGroups::Column { name }, None) if name == "beat"));
    assert!(matches!(p("cell:250"), (WhenGroups::Cell { size }, None) if size == 250.0));
    assert!(matches!(p("hotspot"), (WhenGroups::Hotspot(g), None) if g.cells.cell == Some(100.0)));
    assert!(matches!(
        p("cluster:dbscan:50:5"),
        (WhenGroups::Cluster(_), None)
    ));
    // a suffix is split off only when the part before it is an existing file
    let (g, f) = p("site:/no/such/bars.geojson:80");
    assert!(matches!(g, WhenGroups::Site { radius } if radius == 50.0));
    assert_eq!(f, Some(PathBuf::from("/no/such/bars.geojson:80")));
    let (g, f) = p("zone:areas.geojson");
    assert!(matches!(g, WhenGroups::Zone) && f == Some(PathBuf::from("areas.geojson")));
}

#[test]
fn groups_parse_rejects_bad_text() {
    for bad in [
        "weekday",
        "cell:-5",
        "cell:x",
        "cluster:dbscan:50",
        "cluster:hdbscan:2.5",
        "column",
    ] {
        assert!(
            matches!(
                WhenGroups::parse(bad, None),
                Err(Error::InvalidParam { param: "by", .. })
            ),
            "{bad}"
        );
    }
}
use crate::layer::Layer;

fn city_input() -> (WhenInput, crate::demo::DemoCity) {
    let city = generate(&DemoParams::new(3).incidents(1500).size(3000.0)).expect("city");
    let input = WhenInput::new(IncidentInput::in_memory(city.incidents.clone()));
    (input, city)
}

#[test]
fn when_groups_polygon_first_match_and_outside() {
    let (input, city) = city_input();
    let b = city.incidents.bbox().expect("bbox");
    let mx = (b[0] + b[2]) / 2.0;
    let rect = |x0: f64, x1: f64| {
        Geometry::Polygon(geo::Polygon::new(
            geo::LineString::from(vec![
                (x0, b[1] - 1.0),
                (x1, b[1] - 1.0),
                (x1, b[3] + 1.0),
                (x0, b[3] + 1.0),
                (x0, b[1] - 1.0),
            ]),
            vec![],
        ))
    };
    let mut layer = Layer {
        name: "beats".into(),
        geometries: Vec::new(),
        properties: Vec::new(),
        crs: city.incidents.crs.clone(),
    };
    for (name, g) in [
        ("west", rect(b[0] - 1.0, mx)),
        ("east", rect(mx, b[2] + 1.0)),
    ] {
        let mut m = serde_json::Map::new();
        m.insert("beat".into(), json!(name));
        layer.geometries.push(g);
        layer.properties.push(m);
    }
    let input = input.with_layer(StudyLayer::in_memory(layer));
    let p = WhenParams::new()
        .groups(WhenGroups::Polygon {
            field: Some("beat".into()),
        })
        .test(PlaceTestParams::new().nrep(99));
    let r = when(&input, &p).expect("when");
    let g = r.groups.expect("groups");
    assert_eq!(g.groups.len(), 2);
    assert_eq!(g.ungrouped, 0);
    let n: usize = g.groups.iter().map(|x| x.signature.n).sum();
    assert_eq!(n, 1500, "every incident in exactly one beat");
    let west = g.groups.iter().find(|x| x.name == "west").expect("west");
    let expect_west = city.incidents.xy.iter().filter(|p| p[0] <= mx).count();
    assert_eq!(
        west.signature.n, expect_west,
        "edge points go to the first polygon"
    );
}

#[test]
fn when_groups_polygon_needs_layer() {
    let (input, _) = city_input();
    let p = WhenParams::new().groups(WhenGroups::Zone);
    let e = when(&input, &p).expect_err("no layer");
    assert!(matches!(e, Error::MissingInput { .. }), "{e}");
}

#[test]
fn when_groups_hotspot_two_groups() {
    let (input, _) = city_input();
    let mut gp = GiStarStudyParams::default();
    gp.gistar = gp.gistar.permutations(0);
    let p = WhenParams::new()
        .groups(WhenGroups::Hotspot(gp))
        .test(PlaceTestParams::new().nrep(99));
    let r = when(&input, &p).expect("when");
    let g = r.groups.expect("groups");
    let names: Vec<&str> = g.groups.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["hot", "rest"]);
    assert_eq!(g.groups[0].signature.n + g.groups[1].signature.n, 1500);
    assert!(g.groups[0].signature.n > 0, "the planted hot spots are hot");
}

#[test]
fn when_groups_site_radius_and_names() {
    let (input, city) = city_input();
    let bars = city.layer("bars").expect("bars").clone();
    let input = input.with_layer(StudyLayer::in_memory(bars.clone()));
    let p = WhenParams::new()
        .groups(WhenGroups::Site { radius: 50.0 })
        .test(PlaceTestParams::new().nrep(0));
    let r = when(&input, &p).expect("when");
    let g = r.groups.expect("groups");
    // brute force: incidents within 50 m of some bar
    let pts = bars.representative_points();
    let near = city
        .incidents
        .xy
        .iter()
        .filter(|q| pts.iter().any(|b| (b[0] - q[0]).hypot(b[1] - q[1]) <= 50.0))
        .count();
    let n: usize = g.groups.iter().map(|x| x.signature.n).sum();
    assert_eq!(n, near);
    assert_eq!(g.ungrouped, 1500 - near);
    assert!(g.groups.iter().all(|x| x.name.starts_with("bar")));
}

#[test]
fn when_groups_bad_column_names_columns() {
    let (input, _) = city_input();
    let p = WhenParams::new().groups(WhenGroups::Column {
        name: "nope".into(),
    });
    let e = when(&input, &p).expect_err("bad column");
    assert!(e.to_string().contains("nope"), "{e}");
}

#[test]
fn signatures_gistar_cells_empty_without_incidents() {
    let (input, _) = city_input();
    let hs = HotspotInput::new(input.incidents.clone());
    let mut gp = GiStarStudyParams::default();
    gp.gistar = gp.gistar.permutations(0);
    let r = super::super::hotspots::gistar(&hs, &gp).expect("gistar");
    let s = &r.signatures;
    assert_eq!(s.peak_hour_of_week.len(), r.counts.len());
    for (k, &c) in r.counts.iter().enumerate() {
        assert_eq!(s.peak_hour_of_week[k].is_some(), c > 0.0, "cell {k}");
        assert_eq!(s.time_profile_p[k].is_some(), c >= 10.0, "cell {k}");
        assert!(s.night_share[k].is_none(), "no time zone, no night share");
    }
}

#[test]
fn signatures_clusters_night_with_time_zone() {
    let (input, _) = city_input();
    let tz = TimeZone::parse(crate::demo::DEMO_TIME_ZONE).expect("tz");
    let input = input.incidents.with_time_zone(Some(tz));
    let r =
        super::super::clusters::clusters(&input, &super::super::clusters::dbscan_params(60.0, 10))
            .expect("clusters");
    let s = &r.signatures;
    assert_eq!(s.night_share.len(), r.clustering.n_clusters);
    assert!(r.clustering.n_clusters > 0);
    for k in 0..r.clustering.n_clusters {
        let v = s.night_share[k].expect("every cluster has timed incidents");
        assert!((0.0..=1.0).contains(&v));
        assert!(s.weekend_night_share[k].expect("weekend") <= v + 1e-12);
    }
}

/// The demo's planted night pattern around the bars is found by `when --by site`:
/// bars with enough incidents are night-dominant; bus stops far from any bar are
/// not (beyond the test's false-positive rate).
#[test]
fn when_demo_bars_are_night_dominant() {
    let city = generate(&DemoParams::new(42)).expect("city");
    let tz = TimeZone::parse(crate::demo::DEMO_TIME_ZONE).expect("tz");
    let inc = IncidentInput::in_memory(city.incidents.clone()).with_time_zone(Some(tz));
    let test = PlaceTestParams::new().nrep(199).seed(1);
    let run = |layer: Layer| {
        let input = WhenInput::new(inc.clone()).with_layer(StudyLayer::in_memory(layer));
        let p = WhenParams::new()
            .groups(WhenGroups::Site {
                radius: crate::demo::BAR_NIGHT_M - 1.0,
            })
            .test(test.clone());
        when(&input, &p).expect("when").groups.expect("groups")
    };
    let bars = city.layer("bars").expect("bars").clone();
    let g = run(bars.clone());
    let tested = g.tested();
    let dominant = g.night_dominant().len();
    eprintln!(
        "bars: {} groups, {tested} tested (>= 10 incidents), {dominant} night-dominant",
        g.groups.len(),
    );
    assert!(tested >= 10, "enough bars with incidents to test");
    assert!(
        dominant * 3 >= tested * 2,
        "at least 2/3 of the tested bars are night-dominant: {dominant} of {tested}"
    );
    // bus stops at least 300 m from every bar: daylight places
    let bar_pts = bars.representative_points();
    let stops = city.layer("bus_stops").expect("stops");
    let sp = stops.representative_points();
    let far = stops.filter(|i| {
        let q = sp[i];
        bar_pts
            .iter()
            .all(|b| (b[0] - q[0]).hypot(b[1] - q[1]) >= 300.0)
    });
    let g = run(far);
    let tested = g.tested();
    let dominant = g.night_dominant().len();
    eprintln!("far bus stops: {tested} tested, {dominant} night-dominant");
    assert!(tested >= 5);
    assert!(
        dominant as f64 <= 0.05 * tested as f64 + 2.0,
        "daylight places are not night-dominant: {dominant} of {tested}"
    );
}
