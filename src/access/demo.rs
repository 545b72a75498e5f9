//! The demo city's two design proposals and its ground-truth risk model.
//!
//! * **repair-lights**: repair the street lights that are out (`status=out`) in a
//!   600 m square around the largest outage cluster (the out light with most out
//!   lights within 250 m). The demo city planted a relative risk of 1.8 within 50 m
//!   of an out light, so risk goes down; the network is untouched, so access does
//!   not change.
//! * **gate-park**: gate at night (19:00–07:00) the park with the most street length
//!   running through it (a through-route), which closes those streets while the
//!   gates are shut. No park effect was planted, so risk does not change; access
//!   goes down.
//!
//! [`demo_model`] is the ground truth as a [`FactorModel`]: the planted relative
//! risks as coefficients, the intercept calibrated to the background incidents.
//! It has no estimation uncertainty (no covariance), unlike a fitted model.

use geo::{Contains, Geometry, LineString, Point, Polygon};
use serde_json::{Map, Value};

use super::proposal::{Action, ActionKind, Hours, Proposal, Study, DEFAULT_SPACING};
use super::risk::{FactorModel, ModelFactor};
use crate::demo::DemoCity;
use crate::error::{Error, Result};
use crate::index::PointIndex;

/// The study of the demo city: its streets and every other layer.
pub fn demo_study(city: &DemoCity) -> Result<Study> {
    let mut layers = vec![city.streets.clone()];
    layers.extend(city.layers.iter().cloned());
    Study::new(layers)
}

fn square(c: [f64; 2], half: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (c[0] - half, c[1] - half),
            (c[0] + half, c[1] - half),
            (c[0] + half, c[1] + half),
            (c[0] - half, c[1] + half),
            (c[0] - half, c[1] - half),
        ]),
        vec![],
    )
}

/// The two demo proposals (`repair-lights`, `gate-park`), in the city's CRS.
///
/// # Errors
/// [`Error::Degenerate`] when the city has no out lights or no parks.
pub fn demo_proposals(city: &DemoCity) -> Result<Vec<Proposal>> {
    let lights = city
        .layer("lights")
        .ok_or_else(|| Error::degenerate("the access demo", "the city has no lights layer"))?;
    let out: Vec<[f64; 2]> = (0..lights.len())
        .filter(|&i| lights.property_str(i, "status").as_deref() == Some("out"))
        .map(|i| lights.representative_points()[i])
        .collect();
    let idx = PointIndex::new(&out);
    let best = (0..out.len())
        .map(|i| (idx.count_within(out[i], 250.0), i))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .ok_or_else(|| Error::degenerate("the access demo", "the city has no light that is out"))?;
    let centre = out[best.1];
    let mut set = Map::new();
    set.insert("status".into(), Value::from("on"));
    let repair = Proposal {
        name: "repair-lights".into(),
        source: "demo".into(),
        actions: vec![Action {
            index: 0,
            kind: ActionKind::Modify,
            layer: "lights".into(),
            label: "repair the lights that are out around the largest outage cluster".into(),
            geometry: Some(Geometry::Polygon(square(centre, 300.0))),
            hours: None,
            days: None,
            target: None,
            filter: vec![("status".into(), "out".into())],
            set,
            properties: Map::new(),
            spacing: DEFAULT_SPACING,
        }],
    };
    // the park with most street length through it
    let parks = city
        .layer("parks")
        .ok_or_else(|| Error::degenerate("the access demo", "the city has no parks layer"))?;
    let mut best_park: Option<(f64, f64, usize)> = None;
    for (k, g) in parks.geometries.iter().enumerate() {
        let inside: f64 = city
            .streets
            .geometries
            .iter()
            .filter_map(|s| match s {
                Geometry::LineString(l) if l.0.len() >= 2 => {
                    let (a, b) = (l.0[0], l.0[l.0.len() - 1]);
                    let m = Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
                    g.contains(&m).then(|| (b.x - a.x).hypot(b.y - a.y))
                }
                _ => None,
            })
            .sum();
        use geo::Area;
        let area = g.unsigned_area();
        let better = match best_park {
            None => true,
            Some((bi, ba, _)) => inside > bi || (inside == bi && area > ba),
        };
        if better {
            best_park = Some((inside, area, k));
        }
    }
    let (_, _, k) =
        best_park.ok_or_else(|| Error::degenerate("the access demo", "the city has no park"))?;
    let park_id = parks
        .property_str(k, "id")
        .unwrap_or_else(|| format!("park{k}"));
    let gate = Proposal {
        name: "gate-park".into(),
        source: "demo".into(),
        actions: vec![Action {
            index: 0,
            kind: ActionKind::Gate,
            layer: "parks".into(),
            label: format!("gate {park_id} at night, closing the streets through it"),
            geometry: None,
            hours: Hours::parse("19:00-07:00"),
            days: None,
            target: Some(park_id),
            filter: Vec::new(),
            set: Map::new(),
            properties: Map::new(),
            spacing: DEFAULT_SPACING,
        }],
    };
    Ok(vec![repair, gate])
}

/// The demo city's ground truth as a factor model on `cell` m cells, calibrated
/// to the background incidents.
pub fn demo_model(city: &DemoCity, cell: f64) -> Result<FactorModel> {
    let mut m = FactorModel {
        name: format!(
            "demo-city ground truth (planted relative risks, seed {})",
            city.truth.params.seed
        ),
        cell_size: cell,
        intercept: 0.0,
        factors: city
            .truth
            .factors
            .iter()
            .filter(|f| f.relative_risk != 1.0)
            .map(|f| ModelFactor {
                layer: f.layer.clone(),
                filter: f.filter.clone(),
                distance: f.distance,
                coefficient: f.relative_risk.ln(),
            })
            .collect(),
        covariance: None,
        draws: 0,
        seed: city.truth.params.seed,
    };
    let study = demo_study(city)?;
    let bg = city
        .truth
        .components
        .get("background")
        .copied()
        .unwrap_or(0) as f64;
    m.calibrate_intercept(&study.layers, study.extent, bg.max(1.0))?;
    Ok(m)
}
