use super::*;

const STREETS: &str = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:32616"}},"features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[440000,4630000],[440100,4630000],[440100,4630100]]}}]}"#;
const LIGHTS: &str = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:32616"}},"features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[440050,4630000]}}]}"#;

fn files(tag: &str) -> (std::path::PathBuf, StudyFiles) {
    let d = std::env::temp_dir().join(format!("crimescape-assess-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("streets.geojson"), STREETS).unwrap();
    std::fs::write(d.join("lights.geojson"), LIGHTS).unwrap();
    let f = StudyFiles {
        streets: d.join("streets.geojson"),
        ..StudyFiles::default()
    };
    (d, f)
}

#[test]
fn load_study_names_layers_by_spec() {
    let (d, mut f) = files("named");
    let spec = format!("lamps={}", d.join("lights.geojson").display());
    f.layers = vec![LayerSpec::named_or_bare(&spec).unwrap()];
    let (study, inputs) = load_study(&f).unwrap();
    assert!(
        study.layers.iter().any(|l| l.name == "lamps"),
        "{:?}",
        study.layers.iter().map(|l| &l.name).collect::<Vec<_>>()
    );
    assert_eq!(inputs.len(), 2);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn load_study_refuses_a_feature_filter() {
    let (d, mut f) = files("filter");
    let spec = format!("lamps={}:status=out", d.join("lights.geojson").display());
    f.layers = vec![spec.parse().unwrap()];
    match load_study(&f) {
        Err(Error::InvalidParam { param, value, .. }) => {
            assert_eq!((param, value.as_str()), ("layers", "lamps:status=out"));
        }
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn load_study_keeps_each_layers_warnings() {
    let (d, mut f) = files("warnings");
    // a self-intersecting public space, repaired with a warning
    std::fs::write(
        d.join("plaza.geojson"),
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:32616"}},"features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[440000,4630000],[440040,4630040],[440040,4630000],[440000,4630040],[440000,4630000]]]}}]}"#,
    )
    .unwrap();
    f.spaces = vec![d.join("plaza.geojson")];
    // the loader sees each layer with its warnings (the binary prints them)
    let mut seen = Vec::new();
    let (study, inputs) = load_study_with(&f, |p, o, role| {
        let l = StudyLayer::load(p, o, role)?;
        seen.extend(l.warnings().map(|w| format!("{role}: {w}")));
        Ok::<_, Error>(l)
    })
    .unwrap();
    assert!(study.layers.iter().any(|l| l.name == "plaza"));
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("public spaces: "), "{seen:?}");
    assert!(seen[0].contains("self-intersection"), "{seen:?}");
    // and the input records (provenance) list them
    let (_, inputs_default) = load_study(&f).unwrap();
    for inputs in [inputs, inputs_default] {
        let plaza = inputs.iter().find(|i| i.role == "public spaces").unwrap();
        assert_eq!(plaza.reading.len(), 1, "{:?}", plaza.reading);
        assert!(
            plaza.reading[0].starts_with("WARNING: "),
            "{:?}",
            plaza.reading
        );
        assert!(plaza.reading[0].contains("self-intersection"));
        let streets = inputs.iter().find(|i| i.role == "streets").unwrap();
        assert!(streets.reading.is_empty(), "{:?}", streets.reading);
    }
    std::fs::remove_dir_all(&d).unwrap();
}
