use super::super::tests::input;
use super::*;
use crate::layer::Layer;
use crate::study::StudyLayer;

fn layer_at(xy: &[[f64; 2]], inp: &PatternInput) -> StudyLayer {
    StudyLayer::in_memory(Layer {
        name: "stops".into(),
        geometries: xy
            .iter()
            .map(|p| geo::Geometry::Point(geo::Point::new(p[0], p[1])))
            .collect(),
        properties: vec![Default::default(); xy.len()],
        crs: inp.incidents.incidents.crs.clone(),
    })
}

const SQUARE: [[f64; 2]; 4] = [[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]];

#[test]
fn analyse_runs_nni_and_k_as_their_studies() {
    let inp = input(&SQUARE);
    let nni_a = PatternAnalysis::Nni(NniParams::new().simulations(0));
    assert_eq!((nni_a.what(), nni_a.files()), ("NNI", NniStudy::files()));
    let r = analyse(&inp, ExtentChoice::Bbox, &nni_a).unwrap();
    let PatternResult::Nni(st) = &r else {
        panic!("not an NNI result: {r:?}")
    };
    assert!((st.result.mean_distance - 100.0).abs() < 1e-9);
    assert_eq!(r.summary(), Some(r.summary_text()));
    assert!(r
        .summary_text()
        .starts_with("4 incidents, study area 0.01 km2"));

    let p = RipleyParams::new()
        .simulations(0)
        .distances(vec![50.0, 150.0]);
    let k_a = PatternAnalysis::K(p);
    assert!(!k_a.needs_layer());
    assert_eq!(
        (k_a.what(), k_a.files()),
        ("K function", RipleyStudy::files(false))
    );
    let r = analyse(&inp, ExtentChoice::Hull, &k_a).unwrap();
    let PatternResult::K(st) = &r else {
        panic!("not a K result: {r:?}")
    };
    assert_eq!(st.result.distances, vec![50.0, 150.0]);
    assert_eq!(st.other, "");
    assert!(
        st.what.ends_with("(convex hull of the points)"),
        "{}",
        st.what
    );
}

#[test]
fn analyse_cross_k_needs_the_layer_and_only_it() {
    let inp = input(&SQUARE);
    let p = RipleyParams::new().simulations(0).distances(vec![10.0]);
    let cross = PatternAnalysis::CrossK(p.clone());
    assert!(cross.needs_layer());
    assert_eq!(cross.files(), RipleyStudy::files(true));
    assert!(matches!(
        analyse(&inp, ExtentChoice::Bbox, &cross),
        Err(Error::MissingParam { param: "layer", .. })
    ));
    let stops = layer_at(&[[1.0, 1.0], [50.0, 50.0]], &inp);
    let inp = inp.with_layer(stops, None);
    assert_eq!(inp.layer.as_ref().map(|l| l.1.as_str()), Some("the layer"));
    let r = analyse(&inp, ExtentChoice::Bbox, &cross).unwrap();
    let PatternResult::K(st) = &r else {
        panic!("not a K result: {r:?}")
    };
    assert_eq!(st.result.function, "cross-K");
    assert_eq!(st.result.n_other, Some(2));
    assert!(matches!(
        analyse(&inp, ExtentChoice::Bbox, &PatternAnalysis::K(p)),
        Err(Error::InvalidParam { param: "layer", .. })
    ));
}

#[test]
fn with_layer_names_it_after_its_file_or_as_given() {
    let inp = input(&SQUARE);
    let mut stops = layer_at(&[[1.0, 1.0]], &inp);
    let named = inp.clone().with_layer(stops.clone(), Some("bars".into()));
    assert_eq!(named.layer.map(|l| l.1), Some("bars".to_string()));
    stops.source = Some(crate::export::InputFile::file(
        std::path::Path::new("data/bus_stops.geojson"),
        "layer",
        1,
        b"x",
    ));
    let from_file = inp.with_boundary(None).with_layer(stops, None);
    assert_eq!(from_file.layer.map(|l| l.1), Some("bus stops".to_string()));
}
