use super::*;

#[test]
fn parse_breaks_numbers_and_inf() {
    let b = parse_breaks("space_breaks", &["0", "1.5", "Infinity", " INF "]).unwrap();
    assert_eq!(b, [0.0, 1.5, f64::INFINITY, f64::INFINITY]);
    let none: [&str; 0] = [];
    assert!(parse_breaks("space_breaks", &none).unwrap().is_empty());
}

#[test]
fn parse_breaks_names_the_field() {
    match parse_breaks("time_breaks", &["0", "x"]) {
        Err(crate::Error::InvalidParam { param, value, .. }) => {
            assert_eq!((param, value.as_str()), ("time_breaks", "\"x\""));
        }
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

#[test]
fn nrc_bands_parse_forms() {
    assert_eq!(
        NrcBands::parse("nrc_time", " 7 , 4 ").unwrap(),
        NrcBands {
            bandwidth: 7.0,
            n: 4
        }
    );
    for bad in ["7", "7,4,1", "a,4", "7,-1", "7,2.5", ""] {
        assert!(
            matches!(
                NrcBands::parse("nrc_time", bad),
                Err(crate::Error::InvalidParam {
                    param: "nrc_time",
                    ..
                })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        "x".parse::<NrcBands>(),
        Err(crate::Error::InvalidParam { param: "nrc", .. })
    ));
}

#[test]
fn nrc_bands_breaks() {
    let b = NrcBands {
        bandwidth: 50.0,
        n: 2,
    };
    assert_eq!(
        b.space_breaks().unwrap(),
        [0.0, 1.0, 50.0, 100.0, f64::INFINITY]
    );
    assert_eq!(b.time_breaks().unwrap(), [0.0, 50.0, 100.0, f64::INFINITY]);
    assert!(NrcBands {
        bandwidth: 0.5,
        n: 2
    }
    .space_breaks()
    .is_err());
}
