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
