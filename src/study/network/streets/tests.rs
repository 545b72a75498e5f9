use super::*;

fn local() -> Crs {
    Crs::Local { unit_to_metre: 1.0 }
}

/// Two 100 m streets meeting at a junction, written as GeoJSON.
fn streets_file(dir: &Path) -> PathBuf {
    let f = dir.join("streets.geojson");
    std::fs::write(
        &f,
        r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [100, 0]]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[100, 0], [100, 100]]}}]}"#,
    )
    .unwrap();
    f
}

#[test]
fn new_defaults_match_the_cli() {
    let s = StreetSource::new("s.geojson");
    assert_eq!(s.crs, None);
    assert_eq!(s.params.snap_tolerance, NetworkParams::new().snap_tolerance);
    assert!(s.params.split_crossings);
    assert_eq!(s.snap, 30.0);
}

#[test]
fn network_loads_in_the_target_crs_as_streets() {
    let d = tempfile::tempdir().unwrap();
    let src = StreetSource::new(streets_file(d.path()))
        .crs(Some(local()))
        .snap(5.0);
    let layer = src.load(&local()).unwrap();
    assert_eq!(layer.layer.len(), 2);
    assert_eq!(layer.source.as_ref().unwrap().role, "streets");
    assert_eq!(layer.warnings().count(), 0);
    let net = src.network(&local()).unwrap();
    assert_eq!(net.layer.net.report.edges, 2);
    assert_eq!(net.layer.net.report.nodes, 3);
    let (space, rec) = net.into_space();
    assert_eq!(space.tolerance, 5.0);
    assert_eq!(rec.unwrap().role, "streets");
}

#[test]
fn network_of_a_missing_file_fails() {
    let src = StreetSource::new("/no/such/streets.geojson");
    assert!(src.network(&local()).is_err());
}

#[test]
fn for_metric_needs_streets_only_for_the_network() {
    let src = StreetSource::new("s.geojson");
    let metric = |m, s| StreetSource::for_metric(m, s).map(|s| s.map(|s| s.path.clone()));
    assert_eq!(metric(crate::Metric::Euclidean, Some(&src)).unwrap(), None);
    assert_eq!(metric(crate::Metric::Manhattan, None).unwrap(), None);
    assert_eq!(
        metric(crate::Metric::Network, Some(&src)).unwrap(),
        Some(PathBuf::from("s.geojson"))
    );
    match StreetSource::for_metric(crate::Metric::Network, None) {
        Err(Error::MissingParam { param, .. }) => assert_eq!(param, "network"),
        other => panic!("expected MissingParam, got {other:?}"),
    }
}
