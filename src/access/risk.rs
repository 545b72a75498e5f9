//! The risk side of a proposal assessment: a small boundary to any risk model,
//! and a log-linear factor model (the form of a risk terrain model) with
//! simulated intervals.
//!
//! A risk terrain model (Caplan & Kennedy 2016, *Risk Terrain Modeling*) predicts
//! expected incidents per cell as `exp(β₀ + Σ βf·xf)`, where `xf = 1` when the cell
//! centre is within the factor's distance of a feature of its layer. Applying it to
//! the layers before and after a proposal gives the change in expected incidents.
//! **This is a model estimate**: it assumes the fitted associations are causal and
//! transfer to the changed place, and ignores displacement.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::index::GeometryIndex;
use crate::layer::Layer;

/// The risk before and after a change, per cell and in total.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiskChange {
    /// The model's description.
    pub model: String,
    /// The grid of the per-cell values.
    pub grid: Grid,
    /// Expected incidents per cell before.
    #[serde(skip)]
    pub before: Vec<f64>,
    /// Expected incidents per cell after.
    #[serde(skip)]
    pub after: Vec<f64>,
    /// City-wide expected incidents before.
    pub expected_before: f64,
    /// City-wide expected incidents after.
    pub expected_after: f64,
    /// Expected incidents prevented (before − after; negative = more risk).
    pub prevented: f64,
    /// 95 % simulation interval of `prevented` (2.5 and 97.5 percentiles), when
    /// the model has a coefficient covariance.
    pub interval: Option<[f64; 2]>,
    /// Number of coefficient draws behind `interval`.
    pub draws: usize,
    /// Cells whose risk changes (the affected area).
    pub cells_changed: usize,
    /// Expected incidents in the affected cells before.
    pub affected_before: f64,
    /// Expected incidents in the affected cells after.
    pub affected_after: f64,
    /// The cells with the largest reduction (up to 10): `(cell id, centre x, centre y, before, after)`.
    pub top_cells: Vec<(usize, f64, f64, f64, f64)>,
    /// Warnings about the model and the study area (e.g. the model's grid covers only
    /// part of it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Anything that predicts expected incidents per cell from layers.
///
/// The assessment calls [`RiskModel::risk_change`] with the study's layers before
/// and after a proposal. A fitted risk terrain model implements it by applying
/// its coefficients to both; [`FactorModel`] is a ready implementation.
pub trait RiskModel: Sync {
    /// One line shown in reports (what model, fitted on what).
    fn describe(&self) -> String;
    /// Expected incidents per cell before and after, on a grid over `extent`.
    fn risk_change(
        &self,
        before: &[Layer],
        after: &[Layer],
        extent: [f64; 4],
    ) -> Result<RiskChange>;
}

/// One factor of a [`FactorModel`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFactor {
    /// Layer name.
    pub layer: String,
    /// Only features with `key=value` count (e.g. `status=out`).
    #[serde(default)]
    pub filter: Option<String>,
    /// Influence distance (m, inclusive, from the cell centre to the feature).
    pub distance: f64,
    /// Coefficient (log relative risk).
    pub coefficient: f64,
}

/// A log-linear factor model: `E[count in cell] = exp(intercept + Σ coef·[within distance])`.
///
/// JSON form: `{"name", "cell_size", "intercept", "factors": [{"layer", "filter",
/// "distance", "coefficient"}], "covariance": [[...]] (optional, order intercept
/// then factors), "draws": 1000, "seed": 42}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactorModel {
    /// Description.
    pub name: String,
    /// Cell size (m).
    pub cell_size: f64,
    /// Log expected incidents per cell with no factor present.
    pub intercept: f64,
    /// Factors.
    pub factors: Vec<ModelFactor>,
    /// Covariance of `(intercept, coefficients...)`, for simulated intervals.
    #[serde(default)]
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Coefficient draws for the interval.
    #[serde(default = "default_draws")]
    pub draws: usize,
    /// Seed of the draws (draw `i` uses ChaCha8 stream `i`).
    #[serde(default = "default_seed")]
    pub seed: u64,
}

/// Most coefficient draws a factor model may ask for.
pub const MAX_DRAWS: usize = 100_000;

fn default_draws() -> usize {
    1000
}
fn default_seed() -> u64 {
    42
}

impl FactorModel {
    /// Reads a model from JSON.
    pub fn from_json(bytes: &[u8], path: &std::path::Path) -> Result<FactorModel> {
        let m: FactorModel = serde_json::from_slice(bytes)
            .map_err(|e| Error::format(path, format!("not a factor model: {e}")))?;
        m.validate()
            .map_err(|e| Error::format(path, e.to_string()))?;
        Ok(m)
    }

    /// Checks sizes and values; errors name the field and the value
    /// ([`Error::Invalid`]).
    pub fn validate(&self) -> Result<()> {
        use crate::risk::model_file::show;
        let what = "factor model";
        let bad = |field: String, v: &dyn std::fmt::Display, msg: &str| {
            Err(Error::invalid(what, field, v, msg))
        };
        if !(self.cell_size.is_finite() && self.cell_size > 0.0) {
            return bad(
                "cell_size".into(),
                &show(self.cell_size),
                "must be a positive number of metres",
            );
        }
        let max = crate::risk::model_file::MAX_ABS_COEF;
        let coef_msg = format!("must be a finite number between -{max} and {max}");
        if !(self.intercept.is_finite() && self.intercept.abs() <= max) {
            return bad("intercept".into(), &show(self.intercept), &coef_msg);
        }
        for (k, f) in self.factors.iter().enumerate() {
            if f.layer.trim().is_empty() {
                return bad(format!("factors[{k}].layer"), &"\"\"", "empty layer name");
            }
            if !(f.distance.is_finite() && f.distance >= 0.0) {
                return bad(
                    format!("factors[{k}].distance"),
                    &show(f.distance),
                    "must be a distance >= 0 m",
                );
            }
            if !(f.coefficient.is_finite() && f.coefficient.abs() <= max) {
                return bad(
                    format!("factors[{k}].coefficient"),
                    &show(f.coefficient),
                    &coef_msg,
                );
            }
        }
        if self.draws > MAX_DRAWS {
            return Err(Error::limit(
                "draws",
                self.draws,
                MAX_DRAWS,
                "the interval's 2.5 and 97.5 percentiles are stable long before; each draw re-evaluates every changed cell",
            ));
        }
        if let Some(c) = &self.covariance {
            let k = self.factors.len() + 1;
            if c.len() != k || c.iter().any(|r| r.len() != k) {
                return bad(
                    "covariance".into(),
                    &format!("{} rows", c.len()),
                    &format!("must be {k} x {k} (intercept, then factors)"),
                );
            }
            if let Some((i, j, x)) = c
                .iter()
                .enumerate()
                .flat_map(|(i, r)| r.iter().enumerate().map(move |(j, x)| (i, j, *x)))
                .find(|t| !t.2.is_finite())
            {
                return bad(format!("covariance[{i}][{j}]"), &show(x), "must be finite");
            }
            if cholesky(c).is_none() {
                return bad(
                    "covariance".into(),
                    &"matrix",
                    "is not positive semi-definite",
                );
            }
        }
        Ok(())
    }

    /// Indicators per factor and cell centre.
    ///
    /// # Errors
    /// [`Error::MissingInput`] naming every factor layer that is not among `layers`
    /// (it would otherwise be silently absent everywhere).
    fn indicators(&self, layers: &[Layer], centres: &[[f64; 2]]) -> Result<Vec<Vec<bool>>> {
        missing_layers(
            "factor model",
            self.factors.iter().map(|f| f.layer.as_str()),
            layers,
        )?;
        self.factors
            .iter()
            .map(|f| {
                let Some(l) = layers.iter().find(|l| l.name == f.layer) else {
                    return Err(Error::MissingInput {
                        what: vec![format!("layer {} (factor model)", f.layer)],
                    });
                };
                let l = match &f.filter {
                    Some(flt) => {
                        let (k, v) = flt.split_once('=').unwrap_or((flt.as_str(), ""));
                        l.filter(|i| l.property_str(i, k.trim()).as_deref() == Some(v.trim()))
                    }
                    None => l.clone(),
                };
                if l.is_empty() {
                    return Ok(vec![false; centres.len()]);
                }
                Ok(GeometryIndex::of_layer(&l)
                    .nearest_distances(centres)
                    .into_iter()
                    .map(|d| d <= f.distance)
                    .collect())
            })
            .collect()
    }

    fn eta(&self, theta: &[f64], x: &[Vec<bool>], c: usize) -> f64 {
        let mut e = theta[0];
        for (k, xk) in x.iter().enumerate() {
            if xk[c] {
                e += theta[k + 1];
            }
        }
        e
    }

    /// Sets the intercept so that the expected total over `extent` with `layers` is `total`.
    pub fn calibrate_intercept(
        &mut self,
        layers: &[Layer],
        extent: [f64; 4],
        total: f64,
    ) -> Result<()> {
        let grid = Grid::covering(extent, self.cell_size)?;
        let x = self.indicators(layers, &grid.centres())?;
        let mut theta = vec![0.0];
        theta.extend(self.factors.iter().map(|f| f.coefficient));
        let s: f64 = (0..grid.len()).map(|c| self.eta(&theta, &x, c).exp()).sum();
        if !(total > 0.0 && s > 0.0) {
            return Err(Error::invalid_param(
                "total",
                total,
                "a calibration needs a positive total (and a positive surface)",
            ));
        }
        self.intercept = (total / s).ln();
        Ok(())
    }
}

/// Lower Cholesky factor of a symmetric positive semi-definite matrix.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d < -1e-12 * a[i][i].abs().max(1.0) {
                    return None;
                }
                l[i][j] = d.max(0.0).sqrt();
            } else {
                l[i][j] = if l[j][j] > 0.0 {
                    (a[i][j] - s) / l[j][j]
                } else {
                    0.0
                };
            }
        }
    }
    Some(l)
}

impl RiskModel for FactorModel {
    fn describe(&self) -> String {
        format!(
            "{} (log-linear factor model, {} factors, {} m cells)",
            self.name,
            self.factors.len(),
            self.cell_size
        )
    }

    fn risk_change(
        &self,
        before: &[Layer],
        after: &[Layer],
        extent: [f64; 4],
    ) -> Result<RiskChange> {
        self.validate()?;
        let grid = Grid::covering(extent, self.cell_size)?;
        let centres = grid.centres();
        let xb = self.indicators(before, &centres)?;
        let xa = self.indicators(after, &centres)?;
        let mut theta = vec![self.intercept];
        theta.extend(self.factors.iter().map(|f| f.coefficient));
        let m = LogLinear {
            theta: &theta,
            cov: self.covariance.as_deref(),
            draws: self.draws,
            seed: self.seed,
        };
        change_from_indicators(self.describe(), grid, &m, &xb, &xa)
    }
}

/// The coefficients of a log-linear model `exp(θ₀ + Σ θk·xk)` and how to simulate
/// their uncertainty, for [`change_from_indicators`].
#[derive(Debug, Clone, Copy)]
pub struct LogLinear<'a> {
    /// `θ`: the intercept, then one coefficient per indicator.
    pub theta: &'a [f64],
    /// The covariance of `θ` (same order), if known: then an interval is simulated.
    pub cov: Option<&'a [Vec<f64>]>,
    /// Draws of `θ ~ N(θ̂, Σ)` for the interval.
    pub draws: usize,
    /// Seed of the draws (draw `i` uses stream `i`).
    pub seed: u64,
}

/// Risk change of a log-linear model `exp(θ₀ + Σ θk·xk)` from 0/1 indicators
/// before (`xb[k][cell]`) and after (`xa`), with a simulated 95 % interval of the
/// expected incidents prevented when a covariance of `θ` is given: draw `i` of
/// `θ ~ N(θ̂, Σ)` uses ChaCha8 seeded with `seed`, stream `i` (thread-count
/// independent); only cells whose indicators change contribute.
pub fn change_from_indicators(
    model: String,
    grid: Grid,
    m: &LogLinear<'_>,
    xb: &[Vec<bool>],
    xa: &[Vec<bool>],
) -> Result<RiskChange> {
    let &LogLinear {
        theta,
        cov,
        draws,
        seed,
    } = m;
    let eta = |th: &[f64], x: &[Vec<bool>], c: usize| -> f64 {
        let mut e = th[0];
        for (k, xk) in x.iter().enumerate() {
            if xk[c] {
                e += th[k + 1];
            }
        }
        e
    };
    let rb: Vec<f64> = (0..grid.len()).map(|c| eta(theta, xb, c).exp()).collect();
    let ra: Vec<f64> = (0..grid.len()).map(|c| eta(theta, xa, c).exp()).collect();
    let changed: Vec<usize> = (0..grid.len())
        .filter(|&c| xb.iter().zip(xa).any(|(b, a)| b[c] != a[c]))
        .collect();
    let (affected_before, affected_after) = changed
        .iter()
        .fold((0.0, 0.0), |(b, a), &c| (b + rb[c], a + ra[c]));
    let expected_before: f64 = rb.iter().sum();
    let expected_after: f64 = ra.iter().sum();
    let mut interval = None;
    let mut n_draws = 0;
    if let Some(cov) = cov {
        if changed.is_empty() {
            interval = Some([0.0, 0.0]);
        } else if draws > 0 {
            let l = cholesky(cov).ok_or_else(|| {
                Error::invalid_param(
                    "covariance",
                    format!("{0} x {0}", cov.len()),
                    "a covariance matrix must be positive semi-definite",
                )
            })?;
            let k = theta.len();
            if l.len() != k {
                return Err(Error::length_mismatch(
                    "covariance rows",
                    l.len(),
                    "coefficients",
                    k,
                ));
            }
            let mut sims: Vec<f64> = (0..draws as u64)
                .into_par_iter()
                .map(|i| {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    rng.set_stream(i);
                    let z: Vec<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
                    let th: Vec<f64> = (0..k)
                        .map(|r| theta[r] + (0..=r).map(|c| l[r][c] * z[c]).sum::<f64>())
                        .collect();
                    changed
                        .iter()
                        .map(|&c| eta(&th, xb, c).exp() - eta(&th, xa, c).exp())
                        .sum::<f64>()
                })
                .collect();
            sims.sort_by(f64::total_cmp);
            interval = Some([
                crate::access::network::quantile_sorted(&sims, 0.025).unwrap_or(f64::NAN),
                crate::access::network::quantile_sorted(&sims, 0.975).unwrap_or(f64::NAN),
            ]);
            n_draws = draws;
        }
    }
    let mut top: Vec<usize> = changed.clone();
    top.sort_by(|&a, &b| (rb[b] - ra[b]).total_cmp(&(rb[a] - ra[a])).then(a.cmp(&b)));
    let top_cells = top
        .into_iter()
        .take(10)
        .map(|c| {
            let p = grid.centre(c);
            (c, p[0], p[1], rb[c], ra[c])
        })
        .collect();
    Ok(RiskChange {
        model,
        grid,
        before: rb,
        after: ra,
        expected_before,
        expected_after,
        prevented: expected_before - expected_after,
        interval,
        draws: n_draws,
        cells_changed: changed.len(),
        affected_before,
        affected_after,
        top_cells,
        notes: Vec::new(),
    })
}

/// [`Error::MissingInput`] naming, once each and all at once, the layers a model's
/// factors need that are not among the study's `layers`.
fn missing_layers<'a>(
    model: &str,
    needed: impl Iterator<Item = &'a str>,
    layers: &[Layer],
) -> Result<()> {
    let mut what: Vec<String> = Vec::new();
    for name in needed {
        let w = format!("layer {name} ({model})");
        if !layers.iter().any(|l| l.name == name) && !what.contains(&w) {
            what.push(w);
        }
    }
    if what.is_empty() {
        Ok(())
    } else {
        Err(Error::MissingInput { what })
    }
}

/// Indicators of a fitted risk terrain model's factors on its grid; a layer whose
/// (filtered) features all left the area gives all-zero indicators.
fn rtm_indicators(model: &crate::risk::RtmModel, layers: &[Layer]) -> Result<Vec<Vec<bool>>> {
    use geo::BoundingRect;
    missing_layers(
        "risk model",
        model.factors.iter().map(|f| f.variable.layer.as_str()),
        layers,
    )?;
    let grid = &model.grid;
    model
        .factors
        .iter()
        .map(|f| {
            let v = &f.variable;
            let l =
                layers
                    .iter()
                    .find(|l| l.name == v.layer)
                    .ok_or_else(|| Error::MissingInput {
                        what: vec![format!("layer {} (factor {})", v.layer, v.label())],
                    })?;
            let fl = crate::risk::factors::filter_layer(l, v.filter.as_deref())?;
            let e = grid.extent();
            let m = v.distance;
            let any = fl.geometries.iter().any(|g| {
                g.bounding_rect().is_some_and(|r| {
                    r.max().x >= e[0] - m
                        && r.min().x <= e[2] + m
                        && r.max().y >= e[1] - m
                        && r.min().y <= e[3] + m
                })
            });
            if !any {
                return Ok(vec![false; grid.len()]);
            }
            Ok(crate::risk::factors::variable_values(grid, l, v)?
                .into_iter()
                .map(|x| x != 0)
                .collect())
        })
        .collect()
}

/// A fitted risk terrain model (`crimescape risk fit`) applied to the layers before
/// and after, on the model's own grid (which must cover at least part of `extent`,
/// the study area: none is an error, part a note in the result), with the interval
/// simulated from the model's coefficient covariance (1000 draws, seed 42).
impl RiskModel for crate::risk::RtmModel {
    fn describe(&self) -> String {
        let labels: Vec<String> = self.factors.iter().map(|f| f.variable.label()).collect();
        format!(
            "risk terrain model ({}, {} m cells; factors: {})",
            self.family,
            self.grid.cell,
            labels.join(", ")
        )
    }

    fn risk_change(
        &self,
        before: &[Layer],
        after: &[Layer],
        extent: [f64; 4],
    ) -> Result<RiskChange> {
        crate::risk::model_file::check_model(self, "risk terrain model")?;
        let note = crate::risk::model_file::check_coverage(self, extent, "risk terrain model")?;
        let xb = rtm_indicators(self, before)?;
        let xa = rtm_indicators(self, after)?;
        let mut theta = vec![self.intercept];
        theta.extend(self.factors.iter().map(|f| f.coef));
        let cov = (!self.cov.is_empty()).then_some(self.cov.as_slice());
        let m = LogLinear {
            theta: &theta,
            cov,
            draws: 1000,
            seed: 42,
        };
        let mut r = change_from_indicators(self.describe(), self.grid, &m, &xb, &xa)?;
        r.notes.extend(note);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::fixtures::status_layer;
    use approx::assert_abs_diff_eq;

    fn layer(name: &str, pts: &[[f64; 2]], status: &str) -> Layer {
        status_layer(name, pts, &vec![status; pts.len()])
    }

    fn model(cov: Option<Vec<Vec<f64>>>) -> FactorModel {
        FactorModel {
            name: "test".into(),
            cell_size: 10.0,
            intercept: 0.0,
            factors: vec![ModelFactor {
                layer: "lights".into(),
                filter: Some("status=out".into()),
                distance: 5.0,
                coefficient: 2f64.ln(),
            }],
            covariance: cov,
            draws: 200,
            seed: 1,
        }
    }

    #[test]
    fn risk_change_exact_for_one_repaired_light() {
        // one out light at a cell centre: that cell (only) has risk 2 instead of 1
        let before = vec![layer("lights", &[[15.0, 15.0]], "out")];
        let after = vec![layer("lights", &[[15.0, 15.0]], "on")];
        let m = model(None);
        let r = m
            .risk_change(&before, &after, [0.0, 0.0, 99.0, 99.0])
            .unwrap();
        assert_eq!(r.cells_changed, 1);
        assert_abs_diff_eq!(r.prevented, 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(r.expected_before, 101.0, epsilon = 1e-9);
        assert!(r.interval.is_none());
        // no change: zero
        let r0 = m
            .risk_change(&before, &before, [0.0, 0.0, 99.0, 99.0])
            .unwrap();
        assert_eq!(r0.prevented, 0.0);
        assert_eq!(r0.cells_changed, 0);
    }

    #[test]
    fn risk_change_interval_is_deterministic_and_covers() {
        let before = vec![layer("lights", &[[15.0, 15.0]], "out")];
        let after = vec![layer("lights", &[[15.0, 15.0]], "on")];
        let m = model(Some(vec![vec![0.01, 0.0], vec![0.0, 0.04]]));
        let a = m
            .risk_change(&before, &after, [0.0, 0.0, 99.0, 99.0])
            .unwrap();
        let b = m
            .risk_change(&before, &after, [0.0, 0.0, 99.0, 99.0])
            .unwrap();
        let (ia, ib) = (a.interval.unwrap(), b.interval.unwrap());
        assert_eq!(ia, ib);
        assert!(ia[0] < 1.0 && 1.0 < ia[1], "{ia:?}");
    }

    #[test]
    fn risk_change_names_every_missing_layer() {
        let mut m = model(None);
        m.factors.push(ModelFactor {
            layer: "bars".into(),
            filter: None,
            distance: 5.0,
            coefficient: 0.5,
        });
        let parks = vec![layer("parks", &[[15.0, 15.0]], "on")];
        let e = m
            .risk_change(&parks, &parks, [0.0, 0.0, 99.0, 99.0])
            .unwrap_err();
        match &e {
            Error::MissingInput { what } => assert_eq!(
                what,
                &["layer lights (factor model)", "layer bars (factor model)"]
            ),
            other => panic!("{other}"),
        }
        assert!(e.is_usage());
    }

    #[test]
    fn validate_rejects_bad_covariance() {
        let m = model(Some(vec![vec![1.0]]));
        assert!(m.validate().is_err());
        let m = model(Some(vec![vec![1.0, 2.0], vec![2.0, 1.0]]));
        assert!(m.validate().is_err());
    }
}
