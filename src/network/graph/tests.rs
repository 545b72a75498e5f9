//! Building, Dijkstra and edge geometry on small hand-made networks.
use super::*;
use crate::layer::Layer;
use approx::assert_abs_diff_eq;

#[test]
fn build_cross_and_t_junction() {
    let lines = vec![
        LineString::from(vec![(-100.0, 0.0), (100.0, 0.0)]),
        LineString::from(vec![(0.0, -100.0), (0.0, 100.0)]),
        LineString::from(vec![(50.0, 0.5), (50.0, 80.0)]),
    ];
    let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    assert_eq!(net.report.crossings, 1);
    assert_eq!(net.report.t_junctions, 1);
    assert_eq!(net.report.snapped_endpoints, 1);
    assert_eq!(net.nodes.len(), 7);
    assert_eq!(net.edges.len(), 6);
    assert_eq!(net.report.components, 1);
    assert_abs_diff_eq!(net.report.total_length_m, 400.0 + 79.5, epsilon = 1e-9);
    // with tolerance 0 the path stays separate
    let net0 = Network::build(&lines, &NetworkParams::new().snap_tolerance(0.0)).unwrap();
    assert_eq!(net0.report.t_junctions, 0);
    assert_eq!(net0.report.components, 2);
    // without crossings: two separate lines plus the T
    let net1 = Network::build(&lines, &NetworkParams::new().split_crossings(false)).unwrap();
    assert_eq!(net1.report.crossings, 0);
    assert_eq!(net1.report.components, 2);
}

#[test]
fn build_snaps_close_endpoints() {
    let lines = vec![
        LineString::from(vec![(0.0, 0.0), (100.0, 0.0)]),
        LineString::from(vec![(100.4, 0.3), (200.0, 0.0)]),
        LineString::from(vec![(300.0, 0.0), (200.0, 0.0)]),
    ];
    let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    assert_eq!(net.nodes.len(), 4);
    assert_eq!(net.report.snapped_endpoints, 2);
    assert_abs_diff_eq!(net.report.max_snap_m, 0.5, epsilon = 1e-9);
    let d = net.distances_from(0, &[true; 3]);
    assert!(d.iter().all(|x| x.is_finite()));
}

#[test]
fn build_shared_interior_vertex() {
    // an L-shaped line through (100, 0) which is the start of another line
    let lines = vec![
        LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0)]),
        LineString::from(vec![(100.0, 0.0), (200.0, 0.0)]),
    ];
    let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    assert_eq!(net.nodes.len(), 4);
    assert_eq!(net.edges.len(), 3);
    assert_eq!(net.report.snapped_endpoints, 0);
}

#[test]
fn build_rejects_bad_input() {
    let bad = vec![LineString::from(vec![(0.0, 0.0), (f64::NAN, 1.0)])];
    assert!(matches!(
        Network::build(&bad, &NetworkParams::new()),
        Err(Error::NonFinitePoint { .. })
    ));
    assert!(matches!(
        Network::build(&[], &NetworkParams::new().snap_tolerance(-1.0)),
        Err(Error::InvalidParam {
            param: "snap_tolerance",
            ..
        })
    ));
}

#[test]
fn dijkstra_multi_takes_the_nearest_source() {
    // path 0 - 1 - 2 - 3 (100, 200, 300 m): sources 0 at 50 m and 3 at 0 m
    let net = Network::from_edges(
        vec![[0.0, 0.0], [100.0, 0.0], [300.0, 0.0], [600.0, 0.0]],
        &[(0, 1, 100.0), (1, 2, 200.0), (2, 3, 300.0)],
    )
    .unwrap();
    let mut ws = Workspace::new(4);
    net.dijkstra_multi(&[(0, 50.0), (3, 0.0)], 1000.0, None, &mut ws);
    assert_eq!(ws.dist(0), 50.0);
    assert_eq!(ws.dist(1), 150.0);
    assert_eq!(ws.dist(2), 300.0);
    assert_eq!(ws.dist(3), 0.0);
    assert_eq!(ws.settled(), &[3, 0, 1, 2]);
    // bounded (inclusive): node 2 at exactly 300 m is settled
    net.dijkstra_multi(&[(3, 0.0)], 300.0, None, &mut ws);
    assert_eq!(ws.settled(), &[3, 2]);
    // a closed edge
    net.dijkstra_multi(&[(0, 0.0)], 1000.0, Some(&[true, false, true]), &mut ws);
    assert_eq!(ws.settled(), &[0, 1]);
    assert!(ws.dist(2).is_infinite());
}

#[test]
fn degree_counts_loop_twice() {
    let net = Network::from_edges(
        vec![[0.0, 0.0], [100.0, 0.0]],
        &[(0, 1, 100.0), (1, 1, 80.0)],
    )
    .unwrap();
    assert_eq!(net.degree(0), 1);
    assert_eq!(net.degree(1), 3);
}

#[test]
fn point_at_and_edge_slice_follow_the_geometry() {
    // an L-shaped line: 100 m east then 100 m north
    let lines = vec![LineString::from(vec![
        (0.0, 0.0),
        (100.0, 0.0),
        (100.0, 100.0),
    ])];
    let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    assert_eq!(net.edges.len(), 1);
    let p = net.point_at(0, 150.0);
    assert_abs_diff_eq!(p[0], 100.0, epsilon = 1e-9);
    assert_abs_diff_eq!(p[1], 50.0, epsilon = 1e-9);
    let s = net.edge_slice(0, 50.0, 150.0);
    let v: Vec<(f64, f64)> = s.0.iter().map(|c| (c.x, c.y)).collect();
    assert_eq!(v, vec![(50.0, 0.0), (100.0, 0.0), (100.0, 50.0)]);
    assert_abs_diff_eq!(net.total_length(), 200.0);
}

#[test]
fn from_layer_skips_points_and_keeps_sources() {
    use geo::Geometry as G;
    let layer = Layer {
        name: "streets".into(),
        geometries: vec![
            G::Point(geo::Point::new(5.0, 5.0)),
            G::LineString(LineString::from(vec![(0.0, 0.0), (100.0, 0.0)])),
            G::MultiLineString(geo::MultiLineString(vec![
                LineString::from(vec![(100.0, 0.0), (100.0, 100.0)]),
                LineString::from(vec![(100.0, 100.0), (0.0, 100.0)]),
            ])),
        ],
        properties: vec![Default::default(); 3],
        crs: crate::crs::CrsChoice {
            input: crate::crs::Crs::Local { unit_to_metre: 1.0 },
            input_source: "test".into(),
            working: crate::crs::Crs::Local { unit_to_metre: 1.0 },
            reason: "test".into(),
        },
    };
    let ln = Network::from_layer(&layer, &NetworkParams::new()).unwrap();
    assert_eq!(ln.skipped_non_line, 1);
    assert_eq!(ln.net.edges.len(), 3);
    assert_eq!(ln.line_feature, vec![1, 2, 2]);
    assert_eq!(ln.feature_of_edge(2), 2);
    let empty = Layer {
        geometries: vec![G::Point(geo::Point::new(0.0, 0.0))],
        properties: vec![Default::default()],
        ..layer
    };
    assert!(matches!(
        Network::from_layer(&empty, &NetworkParams::new()),
        Err(Error::Degenerate { .. })
    ));
}
