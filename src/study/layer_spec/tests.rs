use super::*;

fn reason(r: Result<LayerSpec>) -> String {
    match r {
        Err(Error::InvalidParam {
            param,
            value: _,
            reason,
        }) => {
            assert_eq!(param, "layer");
            reason
        }
        other => panic!("expected InvalidParam on layer, got {other:?}"),
    }
}

#[test]
fn from_str_name_and_path() {
    let s: LayerSpec = " bars =city/bars.geojson".parse().unwrap();
    assert_eq!(s.name, "bars");
    assert_eq!(s.path, PathBuf::from("city/bars.geojson"));
    assert_eq!(s.filter, None);
}

#[test]
fn from_str_filter_after_last_colon() {
    let s: LayerSpec = "lights=lights.geojson:status=out".parse().unwrap();
    assert_eq!(s.path, PathBuf::from("lights.geojson"));
    assert_eq!(s.filter.as_deref(), Some("status=out"));
}

#[test]
fn from_str_colon_without_equals_is_part_of_the_path() {
    let s: LayerSpec = r"bars=C:\data\bars.geojson".parse().unwrap();
    assert_eq!(s.path, PathBuf::from(r"C:\data\bars.geojson"));
    assert_eq!(s.filter, None);
    // a Windows path with a filter
    let s: LayerSpec = r"bars=C:\data\bars.geojson:kind=pub".parse().unwrap();
    assert_eq!(s.path, PathBuf::from(r"C:\data\bars.geojson"));
    assert_eq!(s.filter.as_deref(), Some("kind=pub"));
}

#[test]
fn from_str_filter_with_empty_path_stays_a_path() {
    let s: LayerSpec = "x=:a=b".parse().unwrap();
    assert_eq!(s.path, PathBuf::from(":a=b"));
    assert_eq!(s.filter, None);
}

#[test]
fn from_str_bare_path_named_by_its_stem() {
    let s: LayerSpec = "city/no-equals-sign.geojson".parse().unwrap();
    assert_eq!(s.name, "no-equals-sign");
    assert_eq!(s.path, PathBuf::from("city/no-equals-sign.geojson"));
    assert_eq!((s.filter.as_deref(), s.given_name()), (None, None));
    let s: LayerSpec = r"C:\data\bars.geojson".parse().unwrap();
    assert_eq!(s.path, PathBuf::from(r"C:\data\bars.geojson"));
    assert_eq!(s.filter, None);
}

#[test]
fn from_str_bare_path_named_as_the_loaders_name_a_layer() {
    // the file name without extensions, `.gz` included (as `io::csv::stem`)
    let s: LayerSpec = "gz/bars.geojson.gz".parse().unwrap();
    assert_eq!((s.name.as_str(), s.given_name()), ("bars", None));
    let s: LayerSpec = "bars=gz/bars.geojson.gz".parse().unwrap();
    assert_eq!(s.given_name(), None);
}

#[test]
fn from_str_bare_path_with_a_filter() {
    // `NAME=` needs a plain name before the first `=`: here it is a path
    let s: LayerSpec = "city/lights.geojson:status=out".parse().unwrap();
    assert_eq!(s.name, "lights");
    assert_eq!(s.path, PathBuf::from("city/lights.geojson"));
    assert_eq!(s.filter.as_deref(), Some("status=out"));
    let s: LayerSpec = "lights.geojson:status=out".parse().unwrap();
    assert_eq!(
        (s.name.as_str(), s.filter.as_deref()),
        ("lights", Some("status=out"))
    );
    let r = reason(LayerSpec::named_or_bare("lights.geojson:status=out"));
    assert!(r.contains("feature filters (:status=out)"), "{r}");
}

#[test]
fn given_name_only_when_not_the_stem() {
    let s: LayerSpec = "pubs=city/bars.geojson".parse().unwrap();
    assert_eq!(s.given_name(), Some("pubs"));
    let s: LayerSpec = "bars=city/bars.geojson".parse().unwrap();
    assert_eq!(s.given_name(), None);
}

#[test]
fn from_str_errors() {
    assert_eq!(reason(" =a.geojson".parse()), "empty name or path");
    assert_eq!(reason("a=".parse()), "empty name or path");
    assert_eq!(reason("".parse()), "expected NAME=PATH or PATH");
    match "x=".parse::<LayerSpec>() {
        Err(Error::InvalidParam { value, .. }) => assert_eq!(value, "\"x=\""),
        other => panic!("{other:?}"),
    }
}

#[test]
fn named_or_bare_bare_path_named_by_stem() {
    let s = LayerSpec::named_or_bare("dir/parks.geojson").unwrap();
    assert_eq!(s.name, "parks");
    assert_eq!(s.path, PathBuf::from("dir/parks.geojson"));
}

#[test]
fn named_or_bare_existing_file_with_equals() {
    let d = std::env::temp_dir().join(format!("crimescape-spec-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("a=b.geojson");
    std::fs::write(&f, "{}").unwrap();
    let s = LayerSpec::named_or_bare(&f.to_string_lossy()).unwrap();
    assert_eq!((s.name.as_str(), s.path.as_path()), ("a=b", f.as_path()));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn named_or_bare_named_and_errors() {
    let s = LayerSpec::named_or_bare("pubs=bars.geojson").unwrap();
    assert_eq!((s.name.as_str(), s.filter), ("pubs", None));
    assert_eq!(
        reason(LayerSpec::named_or_bare("")),
        "expected NAME=PATH or PATH"
    );
    let r = reason(LayerSpec::named_or_bare("l=lights.geojson:status=out"));
    assert!(
        r.contains("feature filters (:status=out) are not supported"),
        "{r}"
    );
    assert_eq!(reason(LayerSpec::named_or_bare("=x")), "empty name or path");
}

#[test]
fn parse_all_stops_at_the_first_error() {
    let v = LayerSpec::parse_all(&["a=a.geojson", "b.geojson"], LayerSpec::named_or_bare).unwrap();
    assert_eq!(v[1].name, "b");
    assert!(LayerSpec::parse_all(&["a=a.geojson", "b=", "c"], str::parse).is_err());
}

#[test]
fn load_names_the_layer() {
    let d = std::env::temp_dir().join(format!("crimescape-spec-load-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("pts.geojson");
    std::fs::write(
        &f,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-87.6,41.8]}}]}"#,
    )
    .unwrap();
    let spec: LayerSpec = format!("bars={}", f.display()).parse().unwrap();
    let l = spec.load(&LayerOptions::default()).unwrap();
    assert_eq!(l.layer.name, "bars");
    assert_eq!(l.source.unwrap().role, "layer");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn load_keeps_the_loaders_warnings() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("bowtie.geojson");
    // a self-intersecting polygon, repaired with a warning
    std::fs::write(
        &f,
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [4, 4], [4, 0], [0, 4], [0, 0]]]}}]}"#,
    )
    .unwrap();
    let spec = LayerSpec::named_or_bare(&format!("zone={}", f.display())).unwrap();
    let opts = LayerOptions {
        crs: Some(crate::Crs::Local { unit_to_metre: 1.0 }),
        ..LayerOptions::default()
    };
    let l = spec.load(&opts).unwrap();
    assert_eq!(l.layer.name, "zone");
    let w: Vec<&str> = l.warnings().collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("self-intersection"), "{w:?}");
    // recorded for provenance too
    let reading = &l.source.as_ref().unwrap().reading;
    assert_eq!(reading, &vec![format!("WARNING: {}", w[0])]);
}

#[test]
fn in_memory_layer_has_no_warnings() {
    let l = StudyLayer::in_memory(crate::Layer {
        name: "x".into(),
        geometries: Vec::new(),
        properties: Vec::new(),
        crs: crate::CrsChoice {
            input: crate::Crs::Local { unit_to_metre: 1.0 },
            input_source: "test".into(),
            working: crate::Crs::Local { unit_to_metre: 1.0 },
            reason: "test".into(),
        },
    });
    assert_eq!(l.warnings().count(), 0);
}
