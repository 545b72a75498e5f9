use super::*;
use crate::crs::CrsChoice;
use crate::demo::DEMO_CRS;
use crate::time::parse_date;
use approx::assert_relative_eq;
use geo::Geometry;

fn square(x: f64, y: f64, s: f64) -> Geometry<f64> {
    Geometry::Polygon(geo::Polygon::new(
        geo::LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]),
        vec![],
    ))
}

/// Treatment square [0,100]², buffer 50 m, control square at x = 1000.
/// Counts (pre, post): treatment (10, 5), buffer (4, 6), control (20, 20).
fn fixture() -> (Incidents, TreatmentArea) {
    let mut inc = Incidents::empty(CrsChoice {
        input: DEMO_CRS,
        input_source: "test".into(),
        working: DEMO_CRS,
        reason: "test".into(),
    });
    inc.categories = vec!["burglary".into(), "theft".into()];
    let mut push = |x: f64, y: f64, t: i64, cat: u32| {
        inc.xy.push([x, y]);
        inc.time.push(Some(t));
        inc.precision.push(TimePrecision::Minute);
        inc.category.push(cat);
        inc.row.push(inc.row.len() as u64 + 1);
    };
    let pre = parse_date("2024-02-10").unwrap();
    let post = parse_date("2024-09-10").unwrap();
    push(5000.0, 5000.0, parse_date("2024-01-01").unwrap() + 3600, 0);
    push(5000.0, 5000.0, parse_date("2024-12-30").unwrap() + 3600, 0);
    for (n, x, y, t) in [
        (10, 50.0, 50.0, pre),
        (5, 50.0, 50.0, post),
        (4, 130.0, 50.0, pre),
        (6, 130.0, 50.0, post),
        (20, 1050.0, 50.0, pre),
        (20, 1050.0, 50.0, post),
    ] {
        for k in 0..n {
            push(x, y, t + k as i64 * 3600, (k % 2) as u32);
        }
    }
    let area = TreatmentArea::polygons("square", vec![square(0.0, 0.0, 100.0)])
        .buffer(50.0)
        .control(vec![square(1000.0, 0.0, 100.0)]);
    (inc, area)
}

#[test]
fn evaluate_fixture_by_hand() {
    let (inc, area) = fixture();
    let p = EvaluateParams::at(parse_date("2024-07-01").unwrap()).dispersion(Dispersion::Poisson);
    let ev = evaluate(&inc, &[area], &p).unwrap();
    assert_eq!(ev.periods.labels[0], "2024-01-01");
    assert_eq!(ev.periods.labels[3], "2024-12-30");
    let a = &ev.areas[0];
    assert_eq!(
        a.treatment,
        PrePost {
            pre: 10.0,
            post: 5.0
        }
    );
    assert_eq!(
        a.buffer_counts,
        PrePost {
            pre: 4.0,
            post: 6.0
        }
    );
    assert_eq!(
        a.control,
        PrePost {
            pre: 20.0,
            post: 20.0
        }
    );
    // OR = 10·20/(5·20) = 2; relative change −50 %
    assert_relative_eq!(a.odds_ratio.estimate, 2.0, epsilon = 1e-12);
    assert_relative_eq!(a.relative_change.estimate, -0.5, epsilon = 1e-12);
    // DiD = 5 − 10·20/20 = −5
    assert_relative_eq!(a.did.estimate, -5.0, epsilon = 1e-12);
    // SM = 5/20 − 10/20 = −0.25; BDM = 6/20 − 4/20 = 0.1; WDQ = −0.4
    let w = a.wdq.as_ref().unwrap();
    assert_relative_eq!(w.wdq.unwrap(), -0.4, epsilon = 1e-12);
    // net: treatment 10 − 5 = 5, buffer 4 − 6 = −2
    assert_relative_eq!(a.net_effect.treatment, 5.0, epsilon = 1e-12);
    assert_relative_eq!(a.net_effect.buffer, -2.0, epsilon = 1e-12);
    assert_eq!(a.by_category.len(), 2);
    let md = ev.to_markdown();
    assert!(md.contains("| treatment | 10 | 5 |"), "{md}");
    assert!(a.reading.iter().any(|r| r.contains("displacement")));
    // monthly bins: January .. December, split at July 1 (a month start)
    assert_eq!(ev.bins.first().unwrap().label, "2024-01");
    assert_eq!(ev.bins.len(), 12);
    assert_eq!(
        ev.bins.iter().filter(|b| b.period == Period::Pre).count(),
        6
    );
}

#[test]
fn evaluate_cost_benefit_in_fixture() {
    let (inc, area) = fixture();
    let spec = CostSpec::from_toml_str(
        "intervention_cost = 100\n[offence_costs]\nburglary = 50\ntheft = 10\n",
    )
    .unwrap();
    let p = EvaluateParams::at(parse_date("2024-07-01").unwrap())
        .dispersion(Dispersion::Poisson)
        .costs(spec);
    let ev = evaluate(&inc, &[area], &p).unwrap();
    let c = ev.areas[0].cost.as_ref().unwrap();
    // s = 1. burglary: pre 5 + 2, post 3 + 3 -> 1 prevented; theft: pre 5 + 2, post 2 + 3 -> 2
    assert_relative_eq!(c.benefit.estimate, 50.0 + 20.0, epsilon = 1e-9);
    assert_relative_eq!(c.net_benefit.estimate, -30.0, epsilon = 1e-9);
}

#[test]
fn evaluate_several_areas_pools_them() {
    use crate::demo::{generate, DemoParams};
    let city = generate(&DemoParams::new(4).incidents(6000).size(3000.0)).unwrap();
    let e = city.truth.extent;
    let areas = [
        TreatmentArea::sites("west", &[[e[0] + 800.0, e[1] + 1500.0]], 300.0).buffer(200.0),
        TreatmentArea::sites("east", &[[e[0] + 2200.0, e[1] + 1500.0]], 300.0).buffer(200.0),
    ];
    let ev = evaluate(
        &city.incidents,
        &areas,
        &EvaluateParams::at(parse_date("2024-07-01").unwrap()),
    )
    .unwrap();
    assert_eq!(ev.areas.len(), 2);
    assert_eq!(ev.its.len(), 2);
    let p = ev.pooled.unwrap();
    assert_eq!(p.df, 1);
    // the pooled log odds ratio lies between the two areas' and is more precise
    let (a, b) = (ev.areas[0].odds_ratio, ev.areas[1].odds_ratio);
    let (lo, hi) = (a.estimate.min(b.estimate), a.estimate.max(b.estimate));
    assert!(p.odds_ratio.estimate >= lo && p.odds_ratio.estimate <= hi);
    assert!(p.odds_ratio.se < a.se.min(b.se));
    // automatic control cells stay out of both treatment areas and buffers
    for ar in &ev.areas {
        let g = ar.control_info.grid.unwrap();
        for &c in &ar.control_info.cells {
            let q = g.centre(c);
            for t in &areas {
                let d = AreaIndex::new(t).treatment_distance(q);
                assert!(
                    d > t.radius + t.buffer,
                    "cell {c} of {} too close to {}",
                    ar.name,
                    t.name
                );
            }
        }
    }
    assert!(ev.to_markdown().contains("Pooled odds ratio"));
}

#[test]
fn evaluate_rejects_dates_outside_the_data() {
    let (inc, area) = fixture();
    for d in ["2025-03-01", "2023-12-01", "2024-01-01"] {
        let e = evaluate(
            &inc,
            std::slice::from_ref(&area),
            &EvaluateParams::at(parse_date(d).unwrap()),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParam {
                    param: "intervention",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("outside the data"), "{e}");
    }
    let p = EvaluateParams::periods(
        (
            parse_date("2023-06-01").unwrap(),
            parse_date("2024-07-01").unwrap(),
        ),
        (
            parse_date("2024-07-01").unwrap(),
            parse_date("2024-12-01").unwrap(),
        ),
    );
    let e = evaluate(&inc, std::slice::from_ref(&area), &p).unwrap_err();
    assert!(e.to_string().contains("outside the data"), "{e}");
    let p = EvaluateParams::periods(
        (
            parse_date("2024-01-01").unwrap(),
            parse_date("2024-08-01").unwrap(),
        ),
        (
            parse_date("2024-07-01").unwrap(),
            parse_date("2024-12-01").unwrap(),
        ),
    );
    let e = evaluate(&inc, &[area], &p).unwrap_err();
    assert!(e.to_string().contains("overlaps the post period"), "{e}");
}

#[test]
fn evaluate_rejects_empty_periods() {
    let (inc, area) = fixture();
    let p = EvaluateParams::periods(
        (
            parse_date("2024-03-01").unwrap(),
            parse_date("2024-04-01").unwrap(),
        ),
        (
            parse_date("2024-07-01").unwrap(),
            parse_date("2024-12-01").unwrap(),
        ),
    );
    let e = evaluate(&inc, std::slice::from_ref(&area), &p).unwrap_err();
    assert!(matches!(e, Error::Degenerate { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("no incidents at all in the pre period"),
        "{e}"
    );
    // a period where the treatment area is empty: the odds ratio is undefined
    let p = EvaluateParams::periods(
        (
            parse_date("2024-01-01").unwrap(),
            parse_date("2024-02-01").unwrap(),
        ),
        (
            parse_date("2024-07-01").unwrap(),
            parse_date("2024-12-01").unwrap(),
        ),
    );
    let e = evaluate(&inc, &[area], &p).unwrap_err();
    assert!(e.to_string().contains("area 'square'"), "{e}");
    assert!(e.to_string().contains("treatment area, pre period"), "{e}");
}

#[test]
fn evaluate_rejects_overlapping_control_and_duplicate_names() {
    let (inc, area) = fixture();
    let d = EvaluateParams::at(parse_date("2024-07-01").unwrap());
    let bad = area.clone().control(vec![square(80.0, 0.0, 100.0)]);
    let e = evaluate(&inc, &[bad], &d).unwrap_err();
    assert!(e.to_string().contains("overlaps its treatment area"), "{e}");
    // another area's buffer
    let other = TreatmentArea::polygons("other", vec![square(1200.0, 0.0, 50.0)]).buffer(150.0);
    let e = evaluate(&inc, &[area.clone(), other], &d).unwrap_err();
    assert!(e.to_string().contains("area 'other''s buffer"), "{e}");
    let e = evaluate(&inc, &[area.clone(), area], &d).unwrap_err();
    assert!(e.to_string().contains("unique"), "{e}");
}
