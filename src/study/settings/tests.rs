use super::*;

fn invalid(r: Result<impl std::fmt::Debug>) -> (&'static str, String) {
    match r {
        Err(Error::InvalidParam { param, value, .. }) => (param, value),
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

#[test]
fn options_default_reads_everything_detected() {
    let o = LoadSettings::default().options().unwrap();
    assert_eq!(o.max_window, Some(DEFAULT_MAX_WINDOW));
    assert_eq!(o.outlier_factor, Some(1.0));
    assert_eq!(o.attributes, Attributes::None);
    assert!(o.time.is_none() && o.filters.is_empty() && o.target_crs.is_none());
}

#[test]
fn options_converts_each_setting() {
    let s = LoadSettings {
        time_from: Some("start".into()),
        max_window_days: 0.5,
        time_precision: Some("hour".into()),
        target_crs: Some("local-m".into()),
        delimiter: Some(';'),
        filters: vec!["Beat!=1A".into()],
        from: Some("2024-01-01".into()),
        to: Some("2024-02-01 12:00".into()),
        keep_outliers: true,
        strict: true,
        attributes: vec!["addr".into()],
        ..LoadSettings::default()
    };
    let o = s.options().unwrap();
    assert_eq!(o.time.as_deref(), Some("start"));
    assert_eq!(o.max_window, Some(43_200));
    assert_eq!(o.time_precision, Some(TimePrecision::Hour));
    assert_eq!(o.delimiter, Some(b';'));
    assert_eq!(o.filters[0].column, "Beat");
    assert_eq!(o.from, crate::time::parse_date("2024-01-01"));
    assert_eq!(
        o.to,
        crate::time::parse_date("2024-02-01").map(|d| d + 12 * 3600)
    );
    assert!(o.outlier_factor.is_none() && o.strict);
    assert_eq!(o.attributes, Attributes::Only(vec!["addr".into()]));
}

#[test]
fn options_time_and_time_from_must_agree() {
    let s = LoadSettings {
        time: Some("a".into()),
        time_from: Some("a".into()),
        ..LoadSettings::default()
    };
    assert_eq!(s.options().unwrap().time.as_deref(), Some("a"));
    let s = LoadSettings {
        time_from: Some("b".into()),
        ..s
    };
    assert_eq!(invalid(s.options()), ("time_from", "\"b\"".into()));
}

#[test]
fn options_rejects_bad_values_by_field() {
    let bad = |s: LoadSettings| invalid(s.options()).0;
    let d = LoadSettings::default;
    for days in [-1.0, f64::NAN, f64::INFINITY] {
        let s = LoadSettings {
            max_window_days: days,
            ..d()
        };
        assert_eq!(bad(s), "max_window");
    }
    for p in ["second", "week"] {
        let s = LoadSettings {
            time_precision: Some(p.into()),
            ..d()
        };
        assert_eq!(bad(s), "time_precision");
    }
    for crs in ["EPSG:4326", "local-ft"] {
        let s = LoadSettings {
            target_crs: Some(crs.into()),
            ..d()
        };
        assert_eq!(bad(s), "target_crs", "{crs}");
    }
    let s = LoadSettings {
        delimiter: Some('é'),
        ..d()
    };
    assert_eq!(bad(s), "delimiter");
    let s = LoadSettings {
        filters: vec!["nocondition".into()],
        ..d()
    };
    assert_eq!(bad(s), "where");
    let s = LoadSettings {
        to: Some("someday".into()),
        ..d()
    };
    assert_eq!(bad(s), "to");
}

#[test]
fn incident_load_carries_filter_zone_and_rejects() {
    let s = LoadSettings {
        hours: Some("22-04".into()),
        time_zone: Some("+02:00".into()),
        rejects: Some("r.csv".into()),
        force: true,
        ..LoadSettings::default()
    };
    let l = s.incident_load().unwrap();
    assert!(l.time_zone.is_some() && l.force);
    assert_eq!(l.rejects, Some(PathBuf::from("r.csv")));
    assert_eq!(
        l.time_filter,
        TimeFilter::new().with_hours("22-04").unwrap()
    );
    let s = LoadSettings {
        weekdays: Some("funday".into()),
        ..LoadSettings::default()
    };
    assert!(s.incident_load().is_err());
}

#[test]
fn parse_date_setting_names_the_field() {
    assert_eq!(
        parse_date_setting("date", " 2024-01-02 ").unwrap(),
        crate::time::parse_date("2024-01-02").unwrap()
    );
    assert_eq!(
        invalid(parse_date_setting("date", "2024-13-01")),
        ("date", "\"2024-13-01\"".into())
    );
}

#[test]
fn time_precision_from_str_names() {
    for p in [
        TimePrecision::Second,
        TimePrecision::Minute,
        TimePrecision::Hour,
        TimePrecision::Day,
        TimePrecision::Month,
        TimePrecision::Year,
    ] {
        assert_eq!(p.name().parse::<TimePrecision>().unwrap(), p);
    }
    assert_eq!(invalid("Day".parse::<TimePrecision>()).0, "time_precision");
}

#[test]
fn check_threads_limit() {
    assert!(check_threads(MAX_THREADS).is_ok());
    assert!(matches!(
        check_threads(MAX_THREADS + 1),
        Err(Error::Limit { ref field, .. }) if field == "threads"
    ));
}

#[test]
fn target_crs_in_feet_is_refused_local_m_kept() {
    let ok = LoadSettings {
        target_crs: Some("local-m".into()),
        ..LoadSettings::default()
    };
    let o = ok.options().unwrap();
    assert_eq!(o.target_crs, Some(Crs::Local { unit_to_metre: 1.0 }));
    let ft = LoadSettings {
        target_crs: Some("local-ft".into()),
        ..LoadSettings::default()
    };
    match ft.options() {
        Err(Error::InvalidParam {
            param,
            value,
            reason,
        }) => {
            assert_eq!((param, value.as_str()), ("target_crs", "local-ft"));
            assert!(reason.contains("use local-m"), "{reason}");
        }
        other => panic!("expected InvalidParam on target_crs, got {other:?}"),
    }
}
