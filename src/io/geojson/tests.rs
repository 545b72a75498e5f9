//! GeoJSON readers: geometry types, CRS member, structural errors, rejections and repairs.
use super::*;
use crate::io::{LayerOptions, LoadOptions, RejectReason};
use crate::time::TimePrecision;
use geo::Geometry;

/// Features of a layer read from `bytes` with the default options.
fn layer_len(bytes: &[u8], name: &str) -> usize {
    let opts = LayerOptions::default();
    let (l, _) = read_layer_from_bytes(bytes, Path::new(name), String::new(), &opts).unwrap();
    l.len()
}

#[test]
fn read_incidents_rejects_non_points() {
    let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"datetime":"2019-01-01"},"geometry":{"type":"Point","coordinates":[-87.60,41.80]}},
          {"type":"Feature","properties":{"datetime":"2019-01-02"},"geometry":{"type":"MultiPoint","coordinates":[[-87.61,41.81]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-87.60,41.80],[-87.59,41.80]]}}
        ]}"#;
    let (inc, rep) = read_incidents_from_bytes(
        text.as_bytes(),
        Path::new("m.geojson"),
        String::new(),
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(inc.len(), 2);
    assert_eq!(inc.row, vec![0, 1]);
    assert_eq!(rep.rejected.get(&RejectReason::NotAPoint), Some(&1));
    assert_eq!(rep.rejections[0].row, 2);
    assert_eq!(rep.crs.input_source, "GeoJSON default (RFC 7946)");
}

#[test]
fn read_layer_polygons_and_lines() {
    let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"park"},"geometry":{"type":"Polygon","coordinates":[[[-87.60,41.80],[-87.59,41.80],[-87.59,41.81],[-87.60,41.80]]]}},
          {"type":"Feature","properties":{"name":"st"},"geometry":{"type":"LineString","coordinates":[[-87.60,41.80],[-87.59,41.80]]}},
          {"type":"Feature","properties":{},"geometry":null},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["a",1]}}
        ]}"#;
    let (l, rep) = read_layer_from_bytes(
        text.as_bytes(),
        Path::new("parks.geojson"),
        String::new(),
        &LayerOptions::default(),
    )
    .unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(rep.rejected.values().sum::<u64>(), 2);
    assert_eq!(l.name, "parks");
    assert_eq!(rep.crs.working, Crs::Epsg { code: 32616 });
    // the line is ~830 m long
    use geo::{Euclidean, Length};
    if let Geometry::LineString(ls) = &l.geometries[1] {
        let len = Euclidean.length(ls);
        assert!((len - 830.0).abs() < 10.0, "{len}");
    } else {
        panic!("not a line");
    }
}

#[test]
fn crs_member_is_honoured() {
    let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::26971"}},"features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[359192.3,570510.9]}}]}"#;
    let (l, rep) = read_layer_from_bytes(
        text.as_bytes(),
        Path::new("a.geojson"),
        String::new(),
        &LayerOptions::default(),
    )
    .unwrap();
    assert_eq!(rep.crs.input, Crs::Epsg { code: 26971 });
    assert_eq!(l.len(), 1);
}

#[test]
fn bad_json_names_line() {
    let e = read_layer_from_bytes(
        b"{\"type\": \"FeatureCollection\",\n \"features\": [",
        Path::new("x.geojson"),
        String::new(),
        &LayerOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("x.geojson") && e.contains("line 2"), "{e}");
}

#[test]
fn members_in_any_order_feature_and_bare_geometry() {
    // features before type and crs; more than the 1000-feature key sample
    let mut text = String::from(r#"{"features":["#);
    for i in 0..1500 {
        if i > 0 {
            text.push(',');
        }
        let extra = if i == 1200 { r#","late":"x""# } else { "" };
        text.push_str(&format!(
                r#"{{"type":"Feature","properties":{{"id":{i}{extra}}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}}"#,
                359000.0 + i as f64,
                570000.0
            ));
    }
    text.push_str(
        r#"],"crs":{"type":"name","properties":{"name":"EPSG:26971"}},"type":"FeatureCollection"}"#,
    );
    let (inc, rep) = read_incidents_from_bytes(
        text.as_bytes(),
        Path::new("late.geojson"),
        String::new(),
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(inc.len(), 1500);
    assert_eq!(rep.crs.input, Crs::Epsg { code: 26971 });
    assert_eq!(inc.row[1499], 1499);
    // keys come from the first 1000 features only, as documented
    assert_eq!(inc.attr_names, vec!["id".to_string()]);
    // no attribute asked for: none kept, the rest unchanged
    let (none, _) = read_incidents_from_bytes(
        text.as_bytes(),
        Path::new("late.geojson"),
        String::new(),
        &LoadOptions::new().attributes(crate::io::Attributes::None),
    )
    .unwrap();
    assert!(none.attr_names.is_empty() && none.attrs.is_empty());
    assert_eq!((none.xy, none.row), (inc.xy, inc.row));
    let one = br#"{"geometry":{"type":"Point","coordinates":[-87.6,41.8]},"type":"Feature","properties":{"a":1}}"#;
    assert_eq!(layer_len(one, "f.geojson"), 1);
    let bare = br#"{"coordinates":[-87.6,41.8],"type":"Point"}"#;
    assert_eq!(layer_len(bare, "g.geojson"), 1);
}

#[test]
fn layer_rejections_keep_their_row_through_every_step() {
    // row 0 null, row 1 out of lon/lat range, row 2 fine, row 3 fails to project
    // to Web Mercator (the pole)
    let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":null},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,10]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2,48]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2,90]}}
        ]}"#;
    let opts = LayerOptions {
        target: Some(Crs::Epsg { code: 3857 }),
        ..Default::default()
    };
    let (l, rep) =
        read_layer_from_bytes(text, Path::new("r.geojson"), String::new(), &opts).unwrap();
    let mut rows: Vec<(u64, RejectReason)> =
        rep.rejections.iter().map(|r| (r.row, r.reason)).collect();
    rows.sort_by_key(|r| r.0);
    assert_eq!(rows[0], (0, RejectReason::MissingCoordinates));
    assert_eq!(rows[1], (1, RejectReason::OutOfRangeLonLat));
    if l.len() == 1 {
        assert_eq!(rows[2], (3, RejectReason::TransformFailed));
    }
}

#[test]
fn structural_errors_are_named() {
    let err = |b: &[u8]| {
        read_layer_from_bytes(
            b,
            Path::new("e.geojson"),
            String::new(),
            &LayerOptions::default(),
        )
        .unwrap_err()
        .to_string()
    };
    assert!(
        err(br#"{"type":"FeatureCollection","features":{}}"#).contains("without a features array")
    );
    assert!(err(br#"{"type":"FeatureCollection"}"#).contains("without a features array"));
    assert!(err(br#"{"features":[]}"#).contains("no \"type\""));
    assert!(err(b"[1,2]").contains("not GeoJSON"));
    assert!(err(br#"{"type":"Feature","features":[],"geometry":null}"#)
        .contains("only a FeatureCollection"));
    assert!(err(b"  \n").contains("empty"));
    assert!(err(br#"{"type":"Point","coordinates":[1,2]} x"#).contains("invalid JSON"));
    let e = read_incidents_from_bytes(
        br#"{"type":"FeatureCollection","features":[]}"#,
        Path::new("n.geojson"),
        String::new(),
        &LoadOptions::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no features"), "{e}");
}

#[test]
fn read_layer_with_utf8_bom() {
    // issue 12, item 6: Windows editors write a byte-order mark
    let mut b = b"\xef\xbb\xbf".to_vec();
    b.extend_from_slice(br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2.0,48.0]}}]}"#);
    assert_eq!(layer_len(&b, "bom.geojson"), 1);
    let (inc, _) = read_incidents_from_bytes(
        &b,
        Path::new("bom.geojson"),
        String::new(),
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(inc.len(), 1);
}

#[test]
fn read_incidents_window_pair_detected_and_rejected_by_reason() {
    let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":"2024-01-06 07:30"},"geometry":{"type":"Point","coordinates":[2.0,48.0]}},
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":""},"geometry":{"type":"Point","coordinates":[2.01,48.01]}},
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":"2024-01-04 07:30"},"geometry":{"type":"Point","coordinates":[2.02,48.02]}},
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":"2024-03-04 07:30"},"geometry":{"type":"Point","coordinates":[2.03,48.03]}}
        ]}"#;
    let (inc, rep) = read_incidents_from_bytes(
        text,
        Path::new("w.geojson"),
        String::new(),
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(inc.len(), 2, "{:?}", rep.rejected);
    assert_eq!(
        inc.time_to(0).unwrap() - inc.time[0].unwrap(),
        13 * 3600 + 1800
    );
    assert_eq!(inc.time_to(1), inc.time[1], "an empty end is an exact time");
    assert_eq!(
        rep.rejected.get(&RejectReason::WindowEndsBeforeStart),
        Some(&1)
    );
    assert_eq!(rep.rejected.get(&RejectReason::WindowTooLong), Some(&1));
    assert_eq!(
        rep.columns.get("time_to").map(String::as_str),
        Some("date_end")
    );
}

#[test]
fn read_incidents_explicit_window_columns_and_missing_end() {
    let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"a":"2024-01-05 22:00","b":"2024-01-06 02:00"},"geometry":{"type":"Point","coordinates":[2.0,48.0]}}
        ]}"#;
    let mut o = LoadOptions::new();
    o.time = Some("a".into());
    o.time_to = Some("b".into());
    let (inc, _) =
        read_incidents_from_bytes(text, Path::new("w.geojson"), String::new(), &o).unwrap();
    assert_eq!(inc.time_to(0).unwrap() - inc.time[0].unwrap(), 4 * 3600);
    o.time_to = Some("nope".into());
    let e = read_incidents_from_bytes(text, Path::new("w.geojson"), String::new(), &o)
        .expect_err("missing end property");
    assert!(e.to_string().contains("nope"), "{e}");
}

#[test]
fn read_incidents_day_first_and_unreadable_time() {
    let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"date":"13/01/2024"},"geometry":{"type":"Point","coordinates":[2.0,48.0]}},
          {"type":"Feature","properties":{"date":"02/03/2024"},"geometry":{"type":"Point","coordinates":[2.01,48.01]}},
          {"type":"Feature","properties":{"date":"soon"},"geometry":{"type":"Point","coordinates":[2.02,48.02]}}
        ]}"#;
    let (inc, rep) = read_incidents_from_bytes(
        text,
        Path::new("d.geojson"),
        String::new(),
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!((inc.len(), rep.unparseable_time), (3, 1));
    assert_eq!(
        crate::time::format(inc.time[1].unwrap(), TimePrecision::Day),
        "2024-03-02"
    );
}

#[test]
fn layer_far_from_the_working_zone_warns() {
    // a Chicago layer put into the UTM zone of a Paris study
    let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-87.6,41.8]}}]}"#;
    let opts = LayerOptions {
        target: Some(Crs::Epsg { code: 32631 }),
        ..Default::default()
    };
    let (_, rep) =
        read_layer_from_bytes(text, Path::new("bars.geojson"), String::new(), &opts).unwrap();
    assert!(
        rep.warnings
            .iter()
            .any(|w| w.contains("bars") && w.contains("same place")),
        "{:?}",
        rep.warnings
    );
    let (_, rep) = read_layer_from_bytes(
        text,
        Path::new("bars.geojson"),
        String::new(),
        &LayerOptions::default(),
    )
    .unwrap();
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
}

#[test]
fn read_layer_repairs_a_bow_tie_polygon() {
    // issue 12: a self-intersecting treatment polygon had an area of ~0 while
    // incidents fell inside it
    let text = br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"local-m"}},"features":[
          {"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}},
          {"type":"Feature","properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[100,100],[100,0],[0,100],[0,0]]]}}
        ]}"#;
    let (l, rep) = read_layer_from_bytes(
        text,
        Path::new("t.geojson"),
        String::new(),
        &LayerOptions::default(),
    )
    .unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(rep.repaired.len(), 1);
    assert_eq!(rep.repaired[0].row, 1);
    assert!(
        rep.repaired[0].value.contains("self-intersection"),
        "{:?}",
        rep.repaired
    );
    use geo::Area;
    match &l.geometries[1] {
        Geometry::MultiPolygon(m) => {
            assert_eq!(m.0.len(), 2);
            assert!((m.unsigned_area() - 5000.0).abs() < 1e-6);
        }
        other => panic!("not repaired: {other:?}"),
    }
    assert!(
        rep.warnings.iter().any(|w| w.contains("feature 1")),
        "{:?}",
        rep.warnings
    );
}
