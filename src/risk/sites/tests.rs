use super::*;
use crate::demo::{generate, DemoParams};
use crate::risk::rtm::{fit_rtm, LayerInput, RtmParams};
use crate::risk::{FactorParams, Operationalisation};

#[test]
fn default_mapping_parses() {
    let m = CptedMapping::parse(DEFAULT_MAPPING_TOML).unwrap();
    assert!(m.rule("lights").unwrap().modifiable);
    assert!(!m.rule("BARS").unwrap().modifiable);
    assert_eq!(m.rule("unknown_layer").unwrap().layer, "*");
    let lots = m.rule("vacant_lots").unwrap();
    assert!(lots
        .suggestion
        .iter()
        .any(|s| s.access == AccessClass::Restrictive));
}

#[test]
fn mapping_errors_name_the_line() {
    let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = true\n[[rule.suggestion]]\nprinciple = \"x\"\nmeasure = \"y\"\naccess = \"sometimes\"\n";
    let e = CptedMapping::parse(bad).unwrap_err().to_string();
    assert!(e.contains("line 7"), "{e}");
    let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = yes\n";
    let e = CptedMapping::parse(bad).unwrap_err().to_string();
    assert!(e.contains("line 3"), "{e}");
    let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = true\ncolour = 1\n";
    let e = CptedMapping::parse(bad).unwrap_err().to_string();
    assert!(e.contains("line 1") || e.contains("line 4"), "{e}");
}

#[test]
fn rank_cells_is_invariant_to_input_order_and_flags_restrictive() {
    let city = generate(
        &DemoParams::new(5)
            .incidents(3000)
            .size(2000.0)
            .shares([0.8, 0.0, 0.2, 0.0]),
    )
    .unwrap();
    let grid = Grid::covering(city.truth.extent, 40.0).unwrap();
    let inputs: Vec<LayerInput> = city
        .layers
        .iter()
        .filter(|l| ["bars", "vacant_lots", "lights"].contains(&l.name.as_str()))
        .map(|l| LayerInput {
            layer: l,
            filter: (l.name == "lights").then_some("status=out"),
        })
        .collect();
    let fp = FactorParams::new(50.0)
        .distances(vec![50.0, 100.0])
        .operationalisations(vec![Operationalisation::Proximity]);
    let r = fit_rtm(
        &city.incidents.xy,
        &grid,
        &inputs,
        &RtmParams::new(50.0).factors(fp),
    )
    .unwrap();
    let layers: Vec<&Layer> = city.layers.iter().collect();
    let m = CptedMapping::default_mapping();
    let p = SiteParams::new().top(50);
    let a = rank_cells(&city.incidents.xy, &r.model, &layers, &m, &p).unwrap();
    let mut rev = city.incidents.xy.clone();
    rev.reverse();
    let b = rank_cells(&rev, &r.model, &layers, &m, &p).unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.unit, y.unit);
        assert_eq!(x.score, y.score);
    }
    assert!(a.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(a[0].score > 0.0 && a[0].score <= 1.0);
    for s in a.iter().take(50).flat_map(|s| &s.suggestions) {
        assert_eq!(
            s.needs_access_assessment,
            s.access == AccessClass::Restrictive
        );
    }
    assert!(a.iter().any(|s| s.repeat_share > 0.0));
    let bad = SiteParams::new().weights(SiteWeights {
        burden: 0.0,
        persistence: 0.0,
        repeat: 0.0,
        risk: 0.0,
        modifiable: 0.0,
    });
    assert!(rank_cells(&city.incidents.xy, &r.model, &layers, &m, &bad).is_err());
}

// ---- synthetic model on a 10 × 10 grid of 100 m cells ------------------------

use crate::crs::{Crs, CrsChoice};
use crate::risk::rtm::{mask_runs, ModelFactor};
use crate::risk::FactorVariable;
use crate::street::build_segments;
use geo::{Geometry, LineString};

fn local() -> CrsChoice {
    CrsChoice {
        input: Crs::Local { unit_to_metre: 1.0 },
        input_source: "test".into(),
        working: Crs::Local { unit_to_metre: 1.0 },
        reason: "test".into(),
    }
}

fn layer(name: &str, geoms: Vec<Geometry<f64>>, props: Vec<serde_json::Value>) -> Layer {
    let n = geoms.len();
    let mut properties: Vec<serde_json::Map<String, serde_json::Value>> = props
        .into_iter()
        .map(|v| v.as_object().cloned().unwrap_or_default())
        .collect();
    properties.resize(n, serde_json::Map::new());
    Layer {
        name: name.into(),
        geometries: geoms,
        properties,
        crs: local(),
    }
}

fn pt(x: f64, y: f64) -> Geometry<f64> {
    Geometry::Point(geo::Point::new(x, y))
}

/// bars at (550, 550) → cell 55 (RRV 3, fixed); lights at (250, 250) → cell 22
/// (RRV 2, modifiable).
fn toy() -> (RtmModel, Vec<Layer>) {
    let var = |l: &str| FactorVariable {
        layer: l.into(),
        filter: None,
        operationalisation: Operationalisation::Proximity,
        distance: 50.0,
        density_sd: 2.0,
    };
    let model = RtmModel {
        family: "poisson".into(),
        theta: None,
        intercept: 0.0,
        factors: vec![
            ModelFactor {
                variable: var("bars"),
                coef: 3f64.ln(),
            },
            ModelFactor {
                variable: var("lights"),
                coef: 2f64.ln(),
            },
        ],
        cov: vec![],
        grid: Grid::new(0.0, 0.0, 100.0, 10, 10).unwrap(),
        risk_scale: 1.0,
        study: None,
    };
    let layers = vec![
        layer("bars", vec![pt(550.0, 550.0)], vec![]),
        layer("lights", vec![pt(250.0, 250.0)], vec![]),
    ];
    (model, layers)
}

fn incidents(xy: &[[f64; 2]], t: &[Option<i64>], cats: &[Option<&str>]) -> Incidents {
    let mut inc = Incidents::empty(local());
    inc.xy = xy.to_vec();
    inc.time = t.to_vec();
    inc.precision = vec![crate::time::TimePrecision::Second; xy.len()];
    for c in cats {
        let code = match c {
            None => crate::layer::NO_CATEGORY,
            Some(c) => match inc.categories.iter().position(|x| x == c) {
                Some(k) => k as u32,
                None => {
                    inc.categories.push(c.to_string());
                    (inc.categories.len() - 1) as u32
                }
            },
        };
        inc.category.push(code);
    }
    inc.row = (1..=xy.len() as u64).collect();
    inc
}

fn reversed(inc: &Incidents) -> Incidents {
    let keep: Vec<usize> = (0..inc.len()).rev().collect();
    inc.select(&keep)
}

fn rank(inc: &Incidents, units: &SiteUnits, p: &SiteParams) -> SiteRanking {
    let (model, layers) = toy();
    let refs: Vec<&Layer> = layers.iter().collect();
    let m = CptedMapping::default_mapping();
    rank_sites(inc, units, &model, &refs, &m, None, p).unwrap()
}

/// Cell 0 has 3 incidents in each of 4 periods; cell 11 one in three periods.
fn timed() -> Incidents {
    let mut xy = Vec::new();
    let mut t = Vec::new();
    for k in 0..4i64 {
        for j in 0..3i64 {
            xy.push([20.0 + 10.0 * j as f64, 50.0 + k as f64]);
            t.push(Some(k * 1000 + j));
        }
        if k < 3 {
            xy.push([150.0 + k as f64, 150.0]);
            t.push(Some(k * 1000 + 500));
        }
    }
    let n = xy.len();
    incidents(&xy, &t, &vec![None; n])
}

fn assert_same(a: &SiteRanking, b: &SiteRanking) {
    assert_eq!(a.sites.len(), b.sites.len());
    assert_eq!(a.unassigned, b.unassigned);
    for (x, y) in a.sites.iter().zip(&b.sites) {
        assert_eq!(
            (x.unit, x.count, x.hot_periods),
            (y.unit, y.count, y.hot_periods)
        );
        assert_eq!(x.score, y.score);
        assert_eq!(x.burden, y.burden);
    }
}

#[test]
fn rank_sites_persistence_one_for_always_hot_zero_for_never_hot() {
    let inc = timed();
    let p = SiteParams::new().persistence_top(0.01);
    let r = rank(&inc, &SiteUnits::Cells, &p);
    assert_eq!(r.periods.len(), 4);
    let cell = |id: usize| r.sites.iter().find(|s| s.unit == id).unwrap();
    assert_eq!(cell(0).persistence, 1.0);
    assert_eq!(cell(0).hot_periods, 4);
    // the sfhotspot class over the same periods
    let class0 = cell(0).hotspot_class.clone().unwrap();
    assert!(class0.contains("persistent"), "{class0}");
    assert!(r.sites.iter().all(|s| s.hotspot_class.is_some()));
    assert_eq!(cell(11).count, 3);
    assert_eq!(cell(11).persistence, 0.0);
    assert_eq!(r.sites[0].unit, 0);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    // Factor cells without incidents are ranked, empty cells are not.
    assert!(r.sites.iter().any(|s| s.unit == 55 && s.risk > 2.99));
    assert_eq!(r.sites.len(), 4);
    assert_same(&r, &rank(&reversed(&inc), &SiteUnits::Cells, &p));
    // One-day periods: all times fall on day 0, one period.
    let d = rank(&inc, &SiteUnits::Cells, &p.clone().period_days(Some(1)));
    assert_eq!(d.periods, vec![[0, crate::time::DAY]]);
    assert_eq!(
        (
            d.sites[0].unit,
            d.sites[0].persistence,
            d.sites[0].hot_periods
        ),
        (0, 1.0, 1)
    );
    // Without times: persistence 0, with a note.
    let mut untimed = inc.clone();
    untimed.time = vec![None; untimed.len()];
    let u = rank(&untimed, &SiteUnits::Cells, &p);
    assert!(u.sites.iter().all(|s| s.persistence == 0.0));
    assert!(u.notes.iter().any(|n| n.contains("no incident has a time")));
}

fn streets() -> Vec<StreetSegment> {
    let l = layer(
        "streets",
        vec![
            Geometry::LineString(LineString::from(vec![(0.0, 100.0), (1000.0, 100.0)])),
            Geometry::LineString(LineString::from(vec![(500.0, 300.0), (500.0, 1000.0)])),
        ],
        vec![],
    );
    build_segments(&l, false).unwrap().segments
}

#[test]
fn rank_sites_segments_snap_count_and_cover_cells() {
    let segs = streets();
    let inc = incidents(
        &[
            [100.0, 110.0],
            [500.0, 600.0],
            [300.0, 140.0],
            [700.0, 130.0],
        ],
        &[None; 4],
        &[None; 4],
    );
    let units = SiteUnits::Segments {
        segments: &segs,
        tolerance: 30.0,
    };
    let r = rank(&inc, &units, &SiteParams::new());
    assert_eq!(r.units, "segments");
    assert_eq!(r.unassigned, 1, "40 m from every street");
    let seg = |i: usize| r.sites.iter().find(|s| s.unit == i).unwrap();
    assert_eq!(seg(0).count, 2, "10 m and exactly 30 m (inclusive)");
    assert_eq!(seg(1).count, 1);
    assert_eq!(seg(0).id, "0:0");
    // centres at exactly cell/2 = 50 m from the line are covered: 2 rows × 10 cells
    assert_eq!(seg(0).cells, 20);
    assert!((seg(1).risk - 3.0).abs() < 1e-9);
    assert_eq!(seg(1).factors, vec!["bars".to_string()]);
    assert_eq!(seg(1).modifiable_share, 0.0);
    assert_same(&r, &rank(&reversed(&inc), &units, &SiteParams::new()));
}

#[test]
fn rank_sites_point_radius_is_inclusive_and_polygon_membership() {
    let sq = geo::Polygon::new(
        LineString::from(vec![
            (100.0, 100.0),
            (300.0, 100.0),
            (300.0, 300.0),
            (100.0, 300.0),
            (100.0, 100.0),
        ]),
        vec![],
    );
    let sites = layer(
        "sites",
        vec![pt(550.0, 550.0), pt(850.0, 850.0), Geometry::Polygon(sq)],
        vec![
            serde_json::json!({"id": "bar corner"}),
            serde_json::json!({"radius": 10.0}),
            serde_json::json!({"name": "plaza"}),
        ],
    );
    let inc = incidents(
        &[
            [600.0, 550.0],   // exactly 50 m: in site 0
            [600.001, 550.0], // just outside
            [855.0, 850.0],   // 5 m: in site 1 (radius 10)
            [865.0, 850.0],   // 15 m: outside
            [200.0, 200.0],   // inside the polygon
            [300.0, 250.0],   // on its boundary: inside
            [301.0, 200.0],   // outside
        ],
        &[None; 7],
        &[None; 7],
    );
    let units = SiteUnits::Sites {
        layer: &sites,
        radius: 50.0,
    };
    let r = rank(&inc, &units, &SiteParams::new());
    let site = |i: usize| r.sites.iter().find(|s| s.unit == i).unwrap();
    assert_eq!(r.sites.len(), 3, "user sites are always ranked");
    assert_eq!(site(0).count, 1);
    assert_eq!(site(0).id, "bar corner");
    assert!((site(0).risk - 3.0).abs() < 1e-9);
    assert_eq!(site(1).count, 1);
    assert_eq!(site(1).id, "1");
    assert_eq!(site(1).risk, 1.0);
    assert_eq!(site(2).count, 2);
    assert_eq!(site(2).id, "plaza");
    assert_eq!(site(2).cells, 4);
    assert!((site(2).risk - 2.0).abs() < 1e-9);
    assert_eq!(site(2).modifiable_share, 1.0, "lights are modifiable");
    assert_eq!(r.unassigned, 3);
    assert_same(&r, &rank(&reversed(&inc), &units, &SiteParams::new()));
    // a line is not a site
    let bad = layer(
        "sites",
        vec![Geometry::LineString(LineString::from(vec![
            (0.0, 0.0),
            (1.0, 1.0),
        ]))],
        vec![],
    );
    let (model, layers) = toy();
    let refs: Vec<&Layer> = layers.iter().collect();
    let e = rank_sites(
        &inc,
        &SiteUnits::Sites {
            layer: &bad,
            radius: 50.0,
        },
        &model,
        &refs,
        &CptedMapping::default_mapping(),
        None,
        &SiteParams::new(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("points or polygons"), "{e}");
}

#[test]
fn rank_sites_seriousness_reorders_planted_cells() {
    // cell 77: 3 thefts; cell 88: 2 robberies (distinct locations, no factor)
    let xy = [
        [710.0, 710.0],
        [720.0, 720.0],
        [730.0, 730.0],
        [810.0, 810.0],
        [820.0, 820.0],
    ];
    let cats = [
        Some("theft"),
        Some("theft"),
        Some("theft"),
        Some("Robbery"),
        Some("Robbery"),
    ];
    let inc = incidents(&xy, &[None; 5], &cats);
    let (model, layers) = toy();
    let refs: Vec<&Layer> = layers.iter().collect();
    let m = CptedMapping::default_mapping();
    let p = SiteParams::new();
    let plain = rank_sites(&inc, &SiteUnits::Cells, &model, &refs, &m, None, &p).unwrap();
    assert_eq!(plain.sites[0].unit, 77);
    let s = Seriousness::parse_csv("category,weight\ntheft,1\nrobbery,5\n").unwrap();
    let w = rank_sites(&inc, &SiteUnits::Cells, &model, &refs, &m, Some(&s), &p).unwrap();
    assert_eq!(w.sites[0].unit, 88);
    assert_eq!(w.sites[0].count, 2);
    assert_eq!(w.sites[0].burden, 10.0);
    assert!(w.seriousness.weighted && w.seriousness.unknown.is_empty());
    let t = Seriousness::parse_toml("[weights]\ntheft = 1\nRobbery = 5.0\n").unwrap();
    assert_eq!(t.weights, s.weights);
}

#[test]
fn seriousness_unknown_categories_weigh_one_or_fail_when_strict() {
    let inc = incidents(
        &[[0.0, 0.0]; 4],
        &[None; 4],
        &[Some("theft"), Some("arson"), Some("arson"), None],
    );
    let s = Seriousness::parse_csv("\u{feff}category,weight\nTheft,2.5\n").unwrap();
    let (w, rep) = s.incident_weights(&inc).unwrap();
    assert_eq!(w, vec![2.5, 1.0, 1.0, 1.0]);
    assert_eq!(rep.unknown.get("arson"), Some(&2));
    assert_eq!(rep.no_category, 1);
    let e = s.strict(true).incident_weights(&inc).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Degenerate {
                analysis: "seriousness (strict)",
                ..
            }
        ),
        "{e}"
    );
    let e = e.to_string();
    assert!(
        e.contains("'arson' (2)") && e.contains("1 incident(s) without"),
        "{e}"
    );
}

#[test]
fn seriousness_errors_name_the_line() {
    let e = Seriousness::parse_csv("category,weight\ntheft,1\nrobbery,abc\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("abc"), "{e}");
    let e = Seriousness::parse_csv("cat,w\ntheft,1\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1"), "{e}");
    let e = Seriousness::parse_csv("category,weight\n\ntheft,-1\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3"), "{e}");
    let e = Seriousness::parse_csv("category,weight\ntheft,1\nTHEFT,2\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("twice"), "{e}");
    let e = Seriousness::parse_toml("theft = 1\nrobbery = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2"), "{e}");
    let e = Seriousness::parse_toml("theft = 1\nrobbery = \n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2"), "{e}");
}

#[test]
fn rank_sites_mask_excludes_cells_outside_the_study_area() {
    let (mut model, layers) = toy();
    // study area: columns 0-4
    let mask: Vec<bool> = (0..100).map(|i| i % 10 < 5).collect();
    model.study = Some(mask_runs(&mask));
    assert_eq!(model.study_mask().unwrap(), mask);
    assert!(model.in_study(54) && !model.in_study(55) && !model.in_study(100));
    let refs: Vec<&Layer> = layers.iter().collect();
    let inc = incidents(&[[550.0, 550.0], [50.0, 50.0]], &[None; 2], &[None; 2]);
    let m = CptedMapping::default_mapping();
    let r = rank_sites(
        &inc,
        &SiteUnits::Cells,
        &model,
        &refs,
        &m,
        None,
        &SiteParams::new(),
    )
    .unwrap();
    assert_eq!(r.n_units, 50);
    assert!(r.sites.iter().all(|s| s.unit % 10 < 5));
    assert!(r.sites.iter().any(|s| s.unit == 0));
    assert_eq!(r.unassigned, 1);
    let a = crate::risk::rtm::apply_model(&model, &model.grid, &refs).unwrap();
    assert!(a.risk[55].is_nan() && (a.risk[22] - 2.0).abs() < 1e-9);
    // a point site on the excluded bar cell takes no risk from it
    let sites = layer("s", vec![pt(550.0, 550.0)], vec![]);
    let u = SiteUnits::Sites {
        layer: &sites,
        radius: 10.0,
    };
    let r = rank_sites(&inc, &u, &model, &refs, &m, None, &SiteParams::new()).unwrap();
    assert_eq!((r.sites[0].cells, r.sites[0].risk), (0, 1.0));
    assert!(r.notes.iter().any(|n| n.contains("no study-area cell")));
}

#[test]
fn model_json_without_mask_still_loads() {
    let (mut model, _) = toy();
    let old = serde_json::to_value(&model).unwrap();
    assert!(old.get("study").is_none());
    let back: RtmModel = serde_json::from_value(old).unwrap();
    assert!(back.study.is_none() && back.in_study(99));
    model.study = Some(vec![[0, 3], [10, 12]]);
    let text = serde_json::to_string(&model).unwrap();
    let back: RtmModel = serde_json::from_str(&text).unwrap();
    assert_eq!(back.study, Some(vec![[0, 3], [10, 12]]));
    assert_eq!(
        mask_runs(&[true, true, false, true, false, false, true]),
        vec![[0, 2], [3, 4], [6, 7]]
    );
}
