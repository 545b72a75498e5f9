use std::path::{Path, PathBuf};

use super::*;
use crate::crs::{Crs, CrsChoice};
use crate::error::Error;
use crate::layer::{Incidents, Layer};
use crate::risk::{Operationalisation, RtmParams};
use crate::study::{IncidentInput, LayerSpec, StudyLayer};

fn choice() -> CrsChoice {
    let crs = Crs::Local { unit_to_metre: 1.0 };
    CrsChoice {
        input: crs.clone(),
        input_source: "test".into(),
        working: crs,
        reason: "test".into(),
    }
}

fn incidents() -> IncidentInput {
    IncidentInput::in_memory(Incidents::empty(choice()))
}

fn layer(name: &str) -> StudyLayer {
    StudyLayer::in_memory(Layer {
        name: name.into(),
        geometries: vec![geo::Geometry::Point(geo::Point::new(0.0, 0.0))],
        properties: vec![Default::default()],
        crs: choice(),
    })
}

#[test]
fn operationalisations_list() {
    use Operationalisation as O;
    assert_eq!(Operationalisations::Proximity.list(), vec![O::Proximity]);
    assert_eq!(Operationalisations::Density.list(), vec![O::Density]);
    assert_eq!(
        Operationalisations::Both.list(),
        vec![O::Proximity, O::Density]
    );
}

#[test]
fn load_with_names_layers_keeps_filters_and_loads_the_boundary() {
    let specs: Vec<LayerSpec> = ["bars=b.geojson", "lights=l.geojson:status=out"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let mut seen = Vec::new();
    let input = RiskInput::load_with(
        incidents(),
        &specs,
        Some(Path::new("city.geojson")),
        |p, role| {
            seen.push((p.to_path_buf(), role.to_string()));
            Ok::<_, Error>(layer("file stem"))
        },
    )
    .unwrap();
    assert_eq!(input.names(), vec!["bars", "lights:status=out"]);
    assert!(input.boundary.is_some());
    assert_eq!(
        seen,
        vec![
            (PathBuf::from("b.geojson"), "layer".to_string()),
            (PathBuf::from("l.geojson"), "layer".to_string()),
            (PathBuf::from("city.geojson"), "boundary".to_string()),
        ]
    );
}

#[test]
fn load_with_stops_at_the_first_error() {
    let specs: Vec<LayerSpec> = vec!["a=a.geojson".parse().unwrap()];
    let r = RiskInput::load_with(incidents(), &specs, None, |_, _| Err("no file"));
    assert_eq!(r.unwrap_err(), "no file");
}

#[test]
fn load_reads_a_missing_file_as_an_error() {
    let specs: Vec<LayerSpec> = vec!["a=/no/such/dir/a.geojson".parse().unwrap()];
    assert!(RiskInput::load(incidents(), &specs, None, None).is_err());
}

#[test]
fn validate_params_split_only_with_until() {
    let p = ValidateStudyParams::new(RtmParams::new(100.0), 50.0)
        .kde_bandwidth(Some(120.0))
        .split(Some(1), None, Some(9));
    assert_eq!(
        (
            p.validate.train_from,
            p.validate.train_until,
            p.validate.test_until
        ),
        (None, None, None)
    );
    assert_eq!((p.cell, p.validate.kde_bandwidth), (50.0, Some(120.0)));
    let p = p.split(Some(1), Some(5), Some(9));
    assert_eq!(
        (
            p.validate.train_from,
            p.validate.train_until,
            p.validate.test_until
        ),
        (Some(1), Some(5), Some(9))
    );
}

#[test]
fn validate_params_split_dates_parses_and_names_the_field() {
    let p = ValidateStudyParams::new(RtmParams::new(100.0), 50.0)
        .split_dates(Some("1970-01-01"), Some(" 1970-01-02 "), Some("1970-01-03"))
        .unwrap();
    assert_eq!(
        (
            p.validate.train_from,
            p.validate.train_until,
            p.validate.test_until
        ),
        (Some(0), Some(86_400), Some(2 * 86_400))
    );
    let p = ValidateStudyParams::new(RtmParams::new(100.0), 50.0)
        .split_dates(None, None, None)
        .unwrap();
    assert_eq!(p.validate.train_until, None);
    for (from, until, test_until, field) in [
        (None, Some("2024-13-01"), None, "train_until"),
        (Some("soon"), Some("2024-01-01"), None, "train_from"),
        (None, Some("2024-01-01"), Some("later"), "test_until"),
        // the end of training is checked first
        (Some("soon"), Some("never"), None, "train_until"),
    ] {
        match ValidateStudyParams::new(RtmParams::new(100.0), 50.0)
            .split_dates(from, until, test_until)
        {
            Err(Error::InvalidParam { param, reason, .. }) => {
                assert_eq!(param, field);
                assert!(reason.contains("YYYY-MM-DD"), "{reason}");
            }
            other => panic!("expected InvalidParam on {field}, got {other:?}"),
        }
    }
}
