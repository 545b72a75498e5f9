use super::*;

#[test]
fn hours_parse_and_union() {
    let h = Hours::parse("22:00-06:00").unwrap();
    assert_eq!(h.minutes(), 480);
    assert_eq!(h.to_string(), "22:00-06:00");
    assert_eq!(Hours::parse("07:00-24:00").unwrap().minutes(), 1020);
    assert!(Hours::parse("25:00-06:00").is_none());
    assert!(Hours::parse("06:00-06:00").is_none());
    assert!(Hours::parse("evening").is_none());
    assert_eq!(union_minutes(&[Some(h), Hours::parse("05:00-07:00")]), 540);
    assert_eq!(union_minutes(&[Some(h), None]), 1440);
    assert_eq!(union_minutes(&[]), 0);
}

#[test]
fn points_along_spaces_evenly() {
    let l = LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 50.0)]);
    let p = points_along(&l, 50.0).unwrap();
    let xy: Vec<(f64, f64)> = p
        .iter()
        .map(|g| match g {
            Geometry::Point(q) => (q.x(), q.y()),
            _ => (f64::NAN, f64::NAN),
        })
        .collect();
    assert_eq!(xy, vec![(25.0, 0.0), (75.0, 0.0), (100.0, 25.0)]);
}

#[test]
fn points_along_tiny_spacing_is_an_error() {
    // issue 12: "spacing": 1e-9 allocated 74 TB
    let l = LineString::from(vec![(0.0, 0.0), (100.0, 0.0)]);
    let e = points_along(&l, 1e-9).unwrap_err();
    assert!(e.is_usage() && e.to_string().contains("spacing"), "{e}");
}
