use super::*;

fn params(units: Units) -> UnitsParams {
    UnitsParams {
        units,
        streets: None,
        split: true,
        tolerance: 30.0,
        site_layer: None,
        site_radius: 50.0,
    }
}

fn layer() -> StudyLayer {
    let crs = crate::crs::Crs::Local { unit_to_metre: 1.0 };
    StudyLayer::in_memory(Layer {
        name: "l".into(),
        geometries: vec![],
        properties: vec![],
        crs: crate::crs::CrsChoice {
            input: crs.clone(),
            input_source: "test".into(),
            working: crs,
            reason: "test".into(),
        },
    })
}

#[test]
fn units_file_needs_the_kind_s_file() {
    assert_eq!(params(Units::Cells).file().unwrap(), None);
    for (u, param, value) in [
        (Units::Segments, "streets", "segments"),
        (Units::Sites, "site_layer", "sites"),
    ] {
        match params(u).file() {
            Err(Error::MissingParam {
                param: p,
                needed_by,
                value: v,
            }) => assert_eq!((p, needed_by, v.as_str()), (param, "units", value)),
            other => panic!("{other:?}"),
        }
    }
    let mut p = params(Units::Sites);
    p.site_layer = Some("s.geojson".into());
    assert_eq!(p.file().unwrap(), Some(Path::new("s.geojson")));
}

#[test]
fn units_load_with_reads_the_file_in_its_role() {
    let mut p = params(Units::Segments);
    p.streets = Some("streets.geojson".into());
    let u = p
        .load_with(|f, role| {
            assert_eq!((f, role), (Path::new("streets.geojson"), "segments"));
            Ok::<_, Error>(layer())
        })
        .unwrap();
    assert!(matches!(u, UnitsInput::Segments { split: true, tolerance, .. } if tolerance == 30.0));
    let mut p = params(Units::Sites);
    p.site_layer = Some("sites.geojson".into());
    let u = p.load_with(|_, role| {
        assert_eq!(role, "sites");
        Ok::<_, Error>(layer())
    });
    assert!(matches!(u, Ok(UnitsInput::Sites { radius, .. }) if radius == 50.0));
    let u = params(Units::Cells).load_with(|_, _| -> Result<StudyLayer> { panic!("no file") });
    assert!(matches!(u, Ok(UnitsInput::Cells)));
    assert!(params(Units::Sites)
        .load_with(|_, _| Ok::<_, Error>(layer()))
        .is_err());
}
