use super::*;

fn invalid(r: Result<impl std::fmt::Debug>) -> (&'static str, String, String) {
    match r {
        Err(Error::InvalidParam {
            param,
            value,
            reason,
        }) => (param, value, reason),
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

#[test]
fn parse_date_setting_intervention_dates_and_errors() {
    assert_eq!(parse_date_setting("x", " 1970-01-02 ").unwrap(), 86_400);
    let (p, v, r) = invalid(parse_date_setting("intervention", "2024-13-01"));
    assert_eq!((p, v.as_str()), ("intervention", "\"2024-13-01\""));
    assert!(r.contains("YYYY-MM-DD"), "{r}");
}

#[test]
fn parse_span_from_to() {
    assert_eq!(
        parse_span("pre", "1970-01-01..1970-01-03").unwrap(),
        (0, 2 * 86_400)
    );
    let (p, v, r) = invalid(parse_span("post", "1970-01-01"));
    assert_eq!((p, v.as_str()), ("post", "\"1970-01-01\""));
    assert!(r.contains("FROM..TO"), "{r}");
    // the bad date is named, not the whole span
    let (p, v, _) = invalid(parse_span("pre", "1970-01-01..soon"));
    assert_eq!((p, v.as_str()), ("pre", "\"soon\""));
}

#[test]
fn evaluate_params_periods_date_and_errors() {
    let p = evaluate_params(
        Some("1970-01-01..1970-01-03"),
        Some("1970-01-03..1970-01-05"),
        None,
    )
    .unwrap();
    assert_eq!(
        (p.pre, p.post),
        (Some((0, 172_800)), Some((172_800, 345_600)))
    );
    assert_eq!(p.intervention, None);
    let p = evaluate_params(
        Some("1970-01-01..1970-01-03"),
        Some("1970-01-03..1970-01-05"),
        Some("1970-01-04"),
    )
    .unwrap();
    assert_eq!(p.intervention, Some(3 * 86_400));
    let p = evaluate_params(None, None, Some("1970-01-02")).unwrap();
    assert_eq!((p.intervention, p.pre), (Some(86_400), None));
    for (pre, post, missing, given) in [
        (Some("1970-01-01..1970-01-02"), None, "post", "pre"),
        (None, Some("a..b"), "pre", "post"),
    ] {
        match evaluate_params(pre, post, Some("1970-01-02")) {
            Err(Error::MissingParam {
                param, needed_by, ..
            }) => assert_eq!((param, needed_by), (missing, given)),
            other => panic!("{other:?}"),
        }
    }
    match evaluate_params(None, None, None) {
        Err(Error::MissingInput { what }) => {
            assert!(what[0].contains("`intervention`"), "{what:?}")
        }
        other => panic!("{other:?}"),
    }
    let (p, _, _) = invalid(evaluate_params(None, None, Some("later")));
    assert_eq!(p, "intervention");
}

#[test]
fn dispersion_from_str() {
    assert!(matches!("auto".parse(), Ok(Dispersion::Estimate)));
    assert!(matches!("poisson".parse(), Ok(Dispersion::Poisson)));
    assert!(matches!("2".parse(), Ok(Dispersion::Fixed(f)) if f == 2.0));
    let (p, v, r) = invalid("lots".parse::<Dispersion>());
    assert_eq!((p, v.as_str()), ("dispersion", "\"lots\""));
    assert!(r.contains("auto, poisson"), "{r}");
}

#[test]
fn dispersion_from_str_refuses_factors_not_above_zero() {
    assert!(matches!("0.5".parse(), Ok(Dispersion::Fixed(f)) if f == 0.5));
    for s in ["0", "-0", "-1.5", "inf", "NaN"] {
        let (p, v, r) = invalid(s.parse::<Dispersion>());
        assert_eq!((p, v), ("dispersion", format!("{s:?}")));
        assert!(r.contains("> 0"), "{r}");
    }
}

#[test]
fn its_model_params() {
    assert!(ItsModel::None.params(true).is_none());
    let nb = ItsModel::Nb.params(false).unwrap();
    assert_eq!(nb.family, ItsParams::default().family);
    assert!(!nb.slope_change);
    let p = ItsModel::Poisson.params(true).unwrap();
    assert_eq!(p.family, Family::Poisson);
    assert!(p.slope_change);
}
