//! Risk terrain modelling (RTM): which built-environment factors explain where crime
//! concentrates, with what spatial influence and relative risk.
//!
//! # Algorithm (after Caplan & Kennedy's RTMDx; Caplan, Kennedy & Piza 2013)
//! 1. **Cells**: incidents are counted on a [`Grid`]; every layer gives candidate 0/1
//!    variables ([`layer_columns`]: proximity and/or density × spatial influences).
//!    Constant columns and exact duplicates of an earlier column are dropped (reported
//!    in `notes`).
//! 2. **Screening**: elastic-net penalised Poisson ([`crate::glm::fit_poisson_penalized`], mixing
//!    `l1_ratio`, each column's penalty factor = its standard deviation, intercept
//!    unpenalised) along a log-spaced path of `n_lambda` values from λ_max down to
//!    λ_max/100, with `cv_folds`-fold cross-validation (cells shuffled by a seeded
//!    ChaCha8 stream; held-out loss = Poisson negative log-likelihood). Variables with a
//!    positive coefficient at the λ of least CV loss go on.
//! 3. **Selection**: bidirectional stepwise search by BIC from the intercept-only model,
//!    separately for Poisson and for negative binomial (θ held at its estimate for the
//!    screened model during the search). Moves: add a variable of a layer not yet in the
//!    model, remove one, or swap a layer's variable for another distance /
//!    operationalisation of the same layer — at most one variable per layer, as RTMDx
//!    reports one spatial influence per factor. Only risk-increasing variables
//!    (coefficient > 0) are added. The search stops when no move lowers BIC.
//! 4. **Family**: both final models are refitted (NB with θ by maximum likelihood) and the
//!    one with lower BIC (`−2ℓ + k ln n`, θ counted for NB) is kept.
//! 5. **Spatial null** ([`crate::risk::null`], on by default): every selected factor is
//!    refitted in place of copies of its own raster moved by random toroidal shifts
//!    (199 by default); a factor whose likelihood-ratio statistic is not beaten by the
//!    shifted copies at `p < 0.05` is removed and the model refitted once. This removes
//!    layers that only look significant because they cluster where crime clusters for
//!    other reasons (hot spots, repeats); the share of copies that did as well is
//!    reported per factor.
//!
//!    No spatial term (e.g. a smooth of past intensity) is added to the model: built
//!    from the same incidents, such a term also absorbs the factors' own effect (crime
//!    near bars is part of the smooth), so RRVs would no longer mean "risk near a bar
//!    against elsewhere", and the choice of its bandwidth would decide which factors
//!    survive. The shift test asks the question directly — is this layer's position
//!    special, given how it and the crime cluster — and leaves the coefficients as
//!    RTMDx reports them.
//! 6. **Output**: per factor coefficient, SE, Wald p, relative risk value RRV = e^β with a
//!    Wald CI `e^{β ± z·SE}`; cell risk = `exp(Σ βⱼ xⱼ)` scaled so the lowest-risk cell is 1.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::glm::{
    fit_glm, fit_grouped, fit_poisson_penalized_design, normal_quantile, Design, Family, GlmFit,
    GlmParams, IndicatorDesign, PenalizedParams,
};
use crate::grid::Grid;
use crate::layer::Layer;
use crate::risk::factors::{
    layer_columns, variable_values, FactorColumn, FactorParams, FactorVariable,
};
use crate::risk::null::{
    pattern_groups_cols, test_factors, FactorNullTest, NullFactor, SpatialNullParams,
};

/// A layer offered to the model, with an optional feature filter (`status=out`).
#[derive(Debug, Clone, Copy)]
pub struct LayerInput<'a> {
    /// The layer (its `name` names the factor).
    pub layer: &'a Layer,
    /// Feature filter `column=value`.
    pub filter: Option<&'a str>,
}

/// Settings of [`fit_rtm`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RtmParams {
    /// Candidate variables (distances, operationalisations, density rule).
    pub factors: FactorParams,
    /// Cross-validation folds of the elastic-net screen.
    pub cv_folds: usize,
    /// Number of λ values on the path.
    pub n_lambda: usize,
    /// Elastic-net mixing (1 = lasso).
    pub l1_ratio: f64,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Confidence level of the RRV intervals.
    pub confidence: f64,
    /// IRLS settings.
    pub glm: GlmParams,
    /// Spatial null test of the selected factors (toroidal shifts).
    #[serde(default = "SpatialNullParams::off")]
    pub null: SpatialNullParams,
}

impl RtmParams {
    /// Defaults: distances 0.5–3 × `block` (half-block steps), proximity and density,
    /// 5 folds, 20 λ values, l1_ratio 0.5, seed 1, 95 % intervals, spatial null with 199
    /// toroidal shifts at α = 0.05.
    pub fn new(block: f64) -> Self {
        RtmParams {
            factors: FactorParams::new(block),
            cv_folds: 5,
            n_lambda: 20,
            l1_ratio: 0.5,
            seed: 1,
            confidence: 0.95,
            glm: GlmParams::new().tol(1e-9),
            null: SpatialNullParams::new(),
        }
    }
    /// Sets the spatial null test (`SpatialNullParams::off()` disables it).
    pub fn spatial_null(mut self, n: SpatialNullParams) -> Self {
        self.null = n;
        self
    }
    /// Sets the candidate-variable settings.
    pub fn factors(mut self, f: FactorParams) -> Self {
        self.factors = f;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Sets the number of folds.
    pub fn cv_folds(mut self, k: usize) -> Self {
        self.cv_folds = k;
        self
    }
    /// Sets the elastic-net mixing.
    pub fn l1_ratio(mut self, a: f64) -> Self {
        self.l1_ratio = a;
        self
    }
}

/// One selected factor of a fitted model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFactor {
    /// What the variable is.
    pub variable: FactorVariable,
    /// Coefficient β.
    pub coef: f64,
}

/// A fitted risk terrain model, saved as JSON and re-applied with [`apply_model`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RtmModel {
    /// `"poisson"` or `"negative_binomial"`.
    pub family: String,
    /// NB θ.
    pub theta: Option<f64>,
    /// Intercept (log expected count of a cell with no factor).
    pub intercept: f64,
    /// Selected factors.
    pub factors: Vec<ModelFactor>,
    /// Covariance of (intercept, factor coefficients…).
    pub cov: Vec<Vec<f64>>,
    /// The grid the model was fitted on.
    pub grid: Grid,
    /// `exp(Σβx)` of the lowest-risk cell of the fitted surface (risk is divided by it).
    pub risk_scale: f64,
    /// Study area of the fit as runs `[start, end)` of cell ids inside it (set by
    /// [`fit_rtm_in`] with a mask); `None` = the whole grid. Model files written before
    /// this field existed load with `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study: Option<Vec<[usize; 2]>>,
}

impl RtmModel {
    /// Whether `cell` is inside the model's study area (always true without a mask).
    pub fn in_study(&self, cell: usize) -> bool {
        match &self.study {
            None => cell < self.grid.len(),
            Some(runs) => {
                let k = runs.partition_point(|r| r[1] <= cell);
                k < runs.len() && runs[k][0] <= cell
            }
        }
    }

    /// The study-area mask per cell (`None` = the whole grid).
    pub fn study_mask(&self) -> Option<Vec<bool>> {
        self.study.as_ref()?;
        Some((0..self.grid.len()).map(|i| self.in_study(i)).collect())
    }
}

/// Runs `[start, end)` of the `true` entries of a mask.
pub fn mask_runs(mask: &[bool]) -> Vec<[usize; 2]> {
    let mut runs: Vec<[usize; 2]> = Vec::new();
    for (i, &m) in mask.iter().enumerate() {
        if m {
            match runs.last_mut() {
                Some(r) if r[1] == i => r[1] = i + 1,
                _ => runs.push([i, i + 1]),
            }
        }
    }
    runs
}

/// A row of the factor table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactorRow {
    /// Label, e.g. `bars:proximity@100m`.
    pub label: String,
    /// Layer.
    pub layer: String,
    /// Feature filter.
    pub filter: Option<String>,
    /// `proximity` / `density`.
    pub operationalisation: String,
    /// Spatial influence (m).
    pub distance: f64,
    /// Coefficient.
    pub coef: f64,
    /// Standard error.
    pub se: f64,
    /// Two-sided Wald p.
    pub p: f64,
    /// Relative risk value e^β.
    pub rrv: f64,
    /// Lower CI bound of the RRV.
    pub rrv_lo: f64,
    /// Upper CI bound of the RRV.
    pub rrv_hi: f64,
    /// Share of cells where the factor is present.
    pub cell_share: f64,
    /// Spatial null: share of toroidally shifted copies of the layer that fit at least as
    /// well (`None` when the test was off).
    #[serde(default)]
    pub null_share: Option<f64>,
    /// Spatial null p, `(#{LR_shifted ≥ LR} + 1)/(shifts + 1)`.
    #[serde(default)]
    pub null_p: Option<f64>,
}

/// Model diagnostics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RtmDiagnostics {
    /// Family kept.
    pub family: String,
    /// BIC of the kept model.
    pub bic: f64,
    /// AIC of the kept model.
    pub aic: f64,
    /// Residual deviance.
    pub deviance: f64,
    /// Null deviance.
    pub null_deviance: f64,
    /// Pearson χ²/(n − p) of the kept model.
    pub dispersion: f64,
    /// Pearson χ²/(n − p) of the Poisson model: overdispersion when well above 1.
    pub poisson_dispersion: f64,
    /// BIC of the final Poisson model.
    pub poisson_bic: f64,
    /// BIC of the final negative binomial model (None when θ diverged: no overdispersion).
    pub nb_bic: Option<f64>,
    /// NB θ.
    pub theta: Option<f64>,
    /// Cells.
    pub cells: usize,
    /// Incidents counted in the grid.
    pub incidents: usize,
    /// Candidate variables after dropping constant/duplicate columns.
    pub candidates: usize,
    /// Variables kept by the elastic-net screen.
    pub screened: Vec<String>,
    /// λ chosen by cross-validation.
    pub lambda: f64,
    /// Notes (dropped columns, fallbacks).
    pub notes: Vec<String>,
    /// Spatial null test of every factor the stepwise search selected, kept or not.
    #[serde(default)]
    pub spatial_null: Vec<FactorNullTest>,
}

/// Result of [`fit_rtm`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RtmResult {
    /// The model to save / re-apply.
    pub model: RtmModel,
    /// Factor table, in order of decreasing RRV.
    pub factors: Vec<FactorRow>,
    /// Diagnostics.
    pub diagnostics: RtmDiagnostics,
    /// Relative risk per cell (lowest = 1; NaN outside the study area), cell-id order.
    pub risk: Vec<f64>,
    /// Incident count per cell.
    pub counts: Vec<f64>,
}

fn design(cols: &[&[u8]], n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let mut r = Vec::with_capacity(cols.len() + 1);
            r.push(1.0);
            for c in cols {
                r.push(c[i] as f64);
            }
            r
        })
        .collect()
}

/// Elastic-net screen with K-fold CV; returns (screened column indices, λ).
fn screen(
    cands: &[FactorColumn],
    y: &[f64],
    params: &RtmParams,
    notes: &mut Vec<String>,
) -> Result<(Vec<usize>, f64)> {
    let n = y.len();
    let p = cands.len();
    let cols: Vec<&[u8]> = cands.iter().map(|c| c.values.as_slice()).collect();
    let ybar = y.iter().sum::<f64>() / n as f64;
    let mut pf = vec![0.0];
    let mut lmax: f64 = 0.0;
    for c in &cols {
        let m = c.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let sd = (m * (1.0 - m)).sqrt();
        pf.push(sd);
        let g: f64 = c
            .iter()
            .zip(y)
            .map(|(&v, &yi)| v as f64 * (yi - ybar))
            .sum::<f64>()
            / n as f64;
        lmax = lmax.max(g.abs() / (params.l1_ratio.max(1e-3) * sd));
    }
    if lmax <= 0.0 {
        return Ok(((0..p).collect(), 0.0));
    }
    let nl = params.n_lambda.max(2);
    let lambdas: Vec<f64> = (0..nl)
        .map(|k| lmax * (1e-2f64).powf(k as f64 / (nl - 1) as f64))
        .collect();
    let k = params.cv_folds.max(2);
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    order.shuffle(&mut rng);
    let mut fold = vec![0usize; n];
    for (pos, &i) in order.iter().enumerate() {
        fold[i] = pos % k;
    }
    // Cells with identical candidate patterns share their linear predictor: the Poisson
    // fit on groups (count sums, offset ln(cells)) has the same coefficients as on cells
    // when λ is rescaled by cells/groups (the objective is a mean over rows).
    let mut gid = vec![0usize; n];
    let mut reps: Vec<usize> = Vec::new();
    {
        let mut map: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        for (i, g) in gid.iter_mut().enumerate() {
            let key: Vec<u8> = cols.iter().map(|c| c[i]).collect();
            let next = reps.len();
            let id = *map.entry(key).or_insert(next);
            if id == next {
                reps.push(i);
            }
            *g = id;
        }
    }
    let ng = reps.len();
    // The groups' design, stored as per-block pattern ids (see `IndicatorDesign`).
    let gd = IndicatorDesign::new(&cols, &reps, 256);
    // Group cell counts and count sums of the cells with `in_set(fold)`.
    let tally = |in_set: &dyn Fn(usize) -> bool| -> (Vec<f64>, Vec<f64>, usize) {
        let mut cnt = vec![0.0f64; ng];
        let mut ysum = vec![0.0; ng];
        let mut rows = 0usize;
        for i in (0..n).filter(|&i| in_set(fold[i])) {
            cnt[gid[i]] += 1.0;
            ysum[gid[i]] += y[i];
            rows += 1;
        }
        (cnt, ysum, rows)
    };
    let path = |cnt: &[f64], ysum: &[f64], rows: usize| -> Vec<Option<Vec<f64>>> {
        let used: Vec<usize> = (0..ng).filter(|&g| cnt[g] > 0.0).collect();
        let xs = gd.select(&used);
        let ys: Vec<f64> = used.iter().map(|&g| ysum[g]).collect();
        let off: Vec<f64> = used.iter().map(|&g| cnt[g].ln()).collect();
        let scale = rows as f64 / used.len() as f64;
        let mut start: Option<Vec<f64>> = None;
        let mut out = Vec::with_capacity(nl);
        for &l in &lambdas {
            let pp = PenalizedParams::new(l * scale, params.l1_ratio)
                .penalty_factor(pf.clone())
                .tol(1e-5);
            match fit_poisson_penalized_design(&xs, &ys, Some(&off), &pp, start.as_deref()) {
                Ok(f) => {
                    start = Some(f.coef.clone());
                    out.push(Some(f.coef));
                }
                Err(_) => out.push(None),
            }
        }
        out
    };
    // Task f < k: the path on the cells outside fold f and its held-out losses; task k:
    // the path on every cell. Independent tasks, so the result does not depend on threads.
    type Task = (Vec<Option<Vec<f64>>>, Vec<f64>);
    let tasks: Vec<Task> = (0..=k)
        .into_par_iter()
        .map(|f| {
            if f == k {
                let (cnt, ysum, rows) = tally(&|_| true);
                return (path(&cnt, &ysum, rows), Vec::new());
            }
            let (cnt, ysum, rows) = tally(&|fi| fi != f);
            let fits = path(&cnt, &ysum, rows);
            let (hc, hy, _) = tally(&|fi| fi == f);
            let held: Vec<usize> = (0..ng).filter(|&g| hc[g] > 0.0).collect();
            let hd = gd.select(&held);
            let losses = fits
                .iter()
                .map(|b| match b {
                    None => f64::INFINITY,
                    Some(b) => hd
                        .eta(b, None)
                        .iter()
                        .zip(&held)
                        .map(|(eta, &g)| hc[g] * eta.exp() - hy[g] * eta)
                        .sum::<f64>(),
                })
                .collect();
            (fits, losses)
        })
        .collect();
    let mut best = 0;
    let mut best_loss = f64::INFINITY;
    for j in 0..nl {
        let l: f64 = tasks[..k].iter().map(|t| t.1[j]).sum();
        if l < best_loss {
            best_loss = l;
            best = j;
        }
    }
    let full = &tasks[k].0;
    let coef = full[..=best]
        .iter()
        .rev()
        .find_map(|c| c.clone())
        .ok_or_else(|| Error::Numerical("RTM: the elastic-net screen failed at every λ".into()))?;
    if full[best].is_none() {
        notes.push("elastic-net fit failed at the CV-chosen λ; used the next larger λ".into());
    }
    let kept: Vec<usize> = (0..p).filter(|&j| coef[j + 1] > 0.0).collect();
    Ok((kept, lambdas[best]))
}

/// Cells grouped by their 0/1 pattern on the columns `set` (< 64 of them): per distinct
/// pattern (bit `b` = column `set[b]`), in increasing order of the pattern, the number of
/// cells and their count sum (see [`pattern_groups_cols`]).
fn pattern_groups(cands: &[FactorColumn], set: &[usize], y: &[f64]) -> Vec<(u64, f64, f64)> {
    let cols: Vec<&[u8]> = set.iter().map(|&j| cands[j].values.as_slice()).collect();
    pattern_groups_cols(&cols, y)
}

struct Move {
    set: Vec<usize>,
    added: Option<usize>,
}

/// Bidirectional stepwise BIC search over `screened` (indices into `cands`).
fn stepwise(
    cands: &[FactorColumn],
    screened: &[usize],
    y: &[f64],
    family: Family,
    glm: &GlmParams,
) -> Vec<usize> {
    let n = y.len();
    let theta = match family {
        Family::Poisson => None,
        Family::NegativeBinomial { theta } => theta,
    };
    let ln_n = (n as f64).ln();
    // (coefficients, BIC up to a constant shared by every model of this family and θ).
    let fit = |set: &[usize]| -> Option<(Vec<f64>, f64)> {
        if set.len() >= 64 {
            let cols: Vec<&[u8]> = set.iter().map(|&j| cands[j].values.as_slice()).collect();
            return fit_glm(&design(&cols, n), y, None, family, glm)
                .ok()
                .map(|f| (f.coef, f.bic));
        }
        // Group cells by their indicator pattern (exact for fixed θ, see `fit_grouped`),
        // groups in increasing order of the pattern's bits.
        let groups = pattern_groups(cands, set, y);
        let xg: Vec<Vec<f64>> = groups
            .iter()
            .map(|(k, _, _)| {
                let mut r = vec![1.0];
                r.extend((0..set.len()).map(|b| ((k >> b) & 1) as f64));
                r
            })
            .collect();
        let cells: Vec<f64> = groups.iter().map(|v| v.1).collect();
        let ysum: Vec<f64> = groups.iter().map(|v| v.2).collect();
        fit_grouped(&xg, &cells, &ysum, theta, glm).ok().map(|f| {
            (
                f.coef,
                -2.0 * f.loglik_kernel + (set.len() + 1) as f64 * ln_n,
            )
        })
    };
    let mut current: Vec<usize> = Vec::new();
    let Some(f0) = fit(&current) else {
        return current;
    };
    let mut bic = f0.1;
    let layer_of = |j: usize| {
        (
            cands[j].variable.layer.clone(),
            cands[j].variable.filter.clone(),
        )
    };
    for _ in 0..100 {
        let mut moves: Vec<Move> = Vec::new();
        for &j in screened {
            if current.contains(&j) {
                continue;
            }
            let lj = layer_of(j);
            match current.iter().position(|&c| layer_of(c) == lj) {
                None => {
                    let mut s = current.clone();
                    s.push(j);
                    moves.push(Move {
                        set: s,
                        added: Some(j),
                    });
                }
                Some(pos) => {
                    let mut s = current.clone();
                    s[pos] = j;
                    moves.push(Move {
                        set: s,
                        added: Some(j),
                    });
                }
            }
        }
        for pos in 0..current.len() {
            let mut s = current.clone();
            s.remove(pos);
            moves.push(Move {
                set: s,
                added: None,
            });
        }
        let scores: Vec<f64> = moves
            .par_iter()
            .map(|m| match fit(&m.set) {
                Some((coef, fbic)) => {
                    let ok = match m.added {
                        Some(j) => {
                            let pos = m.set.iter().position(|&c| c == j).unwrap_or(0);
                            coef[pos + 1] > 0.0
                        }
                        None => true,
                    };
                    if ok {
                        fbic
                    } else {
                        f64::INFINITY
                    }
                }
                None => f64::INFINITY,
            })
            .collect();
        let mut best: Option<usize> = None;
        for (i, s) in scores.iter().enumerate() {
            let better = match best {
                None => true,
                Some(b) => *s < scores[b],
            };
            if *s < bic - 1e-9 && better {
                best = Some(i);
            }
        }
        match best {
            Some(i) => {
                bic = scores[i];
                current = moves[i].set.clone();
            }
            None => break,
        }
    }
    current
}

/// Fits a risk terrain model of the incident points on `grid`.
///
/// # Errors
/// [`Error::Data`] when no incident falls in the grid, a layer has no features in the
/// study area, or no usable candidate variable remains; [`Error::Param`] for bad
/// settings; [`Error::Numerical`] when the final model cannot be fitted.
///
/// # Examples
/// ```
/// use crimescape::demo::{generate, DemoParams};
/// use crimescape::risk::{fit_rtm, FactorParams, LayerInput, Operationalisation, RtmParams};
/// use crimescape::Grid;
/// // a demo city whose incidents all follow its planted risk factors (bars,
/// // lights that are out, bus stops, ATMs, vacant lots) and two decoy layers
/// let city = generate(
///     &DemoParams::new(11).incidents(4000).size(2000.0).shares([1.0, 0.0, 0.0, 0.0]),
/// )
/// .unwrap();
/// let grid = Grid::covering(city.truth.extent, 40.0).unwrap();
/// let layers: Vec<LayerInput> = city
///     .layers
///     .iter()
///     .filter(|l| l.name != "parks")
///     .map(|l| LayerInput { layer: l, filter: (l.name == "lights").then_some("status=out") })
///     .collect();
/// let fp = FactorParams::new(50.0)
///     .distances(vec![50.0, 100.0])
///     .operationalisations(vec![Operationalisation::Proximity]);
/// let r = fit_rtm(&city.incidents.xy, &grid, &layers, &RtmParams::new(50.0).factors(fp)).unwrap();
/// let found: Vec<&str> = r.factors.iter().map(|f| f.layer.as_str()).collect();
/// assert!(found.contains(&"bars"), "{found:?}");
/// assert!(!found.contains(&"hydrants") && !found.contains(&"mailboxes"), "{found:?}");
/// for f in &r.factors {
///     // relative risk values e^β above 1, inside their 95 % interval
///     assert!(f.rrv > 1.0 && f.rrv_lo < f.rrv && f.rrv < f.rrv_hi);
/// }
/// // cell risk is scaled so that the lowest-risk cell is 1
/// let min = r.risk.iter().cloned().fold(f64::INFINITY, f64::min);
/// assert!((min - 1.0).abs() < 1e-12);
/// ```
pub fn fit_rtm(
    points: &[[f64; 2]],
    grid: &Grid,
    layers: &[LayerInput],
    params: &RtmParams,
) -> Result<RtmResult> {
    fit_rtm_in(points, grid, None, layers, params)
}

/// Ids of the cells in the study area (`study = None`: every cell), in id order.
///
/// # Errors
/// [`Error::LengthMismatch`] when the mask length differs from the grid,
/// [`Error::Degenerate`] when it selects no cell; `what` names the analysis.
pub(crate) fn study_cells(
    grid: &Grid,
    study: Option<&[bool]>,
    what: &'static str,
) -> Result<Vec<usize>> {
    if let Some(m) = study {
        if m.len() != grid.len() {
            return Err(Error::length_mismatch(
                "study-area mask cells",
                m.len(),
                "grid cells",
                grid.len(),
            ));
        }
    }
    let keep: Vec<usize> = (0..grid.len())
        .filter(|&i| study.is_none_or(|m| m[i]))
        .collect();
    if keep.is_empty() {
        return Err(Error::degenerate(what, "the study area contains no cell"));
    }
    Ok(keep)
}

/// [`fit_rtm`] restricted to a study area: only cells with `study[cell] == true` (e.g.
/// cell centres inside the city boundary) enter the model; `risk` is NaN elsewhere, and
/// the lowest-risk cell of the study area is 1.
///
/// # Errors
/// As [`fit_rtm`]; [`Error::Param`] when the mask length differs from the grid or the
/// mask selects no cell.
pub fn fit_rtm_in(
    points: &[[f64; 2]],
    grid: &Grid,
    study: Option<&[bool]>,
    layers: &[LayerInput],
    params: &RtmParams,
) -> Result<RtmResult> {
    let keep = study_cells(grid, study, "RTM")?;
    crate::limits::check_count(
        "cv_folds",
        params.cv_folds,
        crate::limits::MAX_FOLDS,
        "each fold refits the whole regularisation path",
    )?;
    if !(params.l1_ratio > 0.0 && params.l1_ratio <= 1.0) {
        return Err(Error::invalid_param(
            "l1_ratio",
            params.l1_ratio,
            "the elastic-net mixing must be in (0, 1]",
        ));
    }
    if !(params.confidence > 0.0 && params.confidence < 1.0) {
        return Err(Error::invalid_param(
            "confidence",
            params.confidence,
            "a confidence level must be in (0, 1)",
        ));
    }
    if layers.is_empty() {
        return Err(Error::invalid_param(
            "layers",
            "none",
            "a risk terrain model needs at least one layer",
        ));
    }
    let (y_full, outside) = grid.counts_checked(points);
    let y: Vec<f64> = keep.iter().map(|&i| y_full[i]).collect();
    let total: f64 = y.iter().sum();
    if total == 0.0 {
        return Err(Error::degenerate(
            "RTM",
            "no incident falls inside the grid / study area (all-zero counts)",
        ));
    }
    let mut notes = Vec::new();
    if outside > 0 {
        notes.push(format!(
            "{outside} incident(s) outside the grid were ignored"
        ));
    }
    let outside_study = y_full.iter().sum::<f64>() - total;
    if outside_study > 0.0 {
        notes.push(format!(
            "{outside_study} incident(s) in cells outside the study area were ignored"
        ));
    }
    // 1. candidates (values on study cells; full-grid values kept for the surface)
    let mut cands: Vec<FactorColumn> = Vec::new();
    let mut full_values: Vec<Vec<u8>> = Vec::new();
    for li in layers {
        for full in layer_columns(grid, li.layer, li.filter, &params.factors)? {
            let c = FactorColumn {
                variable: full.variable.clone(),
                values: keep.iter().map(|&i| full.values[i]).collect(),
            };
            let ones = c.values.iter().filter(|&&v| v == 1).count();
            if ones == 0 || ones == c.values.len() {
                notes.push(format!(
                    "{}: dropped ({} every cell)",
                    c.variable.label(),
                    if ones == 0 {
                        "absent from"
                    } else {
                        "present in"
                    }
                ));
                continue;
            }
            if let Some(dup) = cands.iter().find(|d| d.values == c.values) {
                notes.push(format!(
                    "{}: dropped (identical to {})",
                    c.variable.label(),
                    dup.variable.label()
                ));
                continue;
            }
            cands.push(c);
            full_values.push(full.values);
        }
    }
    if cands.is_empty() {
        return Err(Error::degenerate(
            "RTM",
            "no usable candidate variable (every indicator is constant over the grid)",
        ));
    }
    // 2. screen
    let (screened, lambda) = screen(&cands, &y, params, &mut notes)?;
    // 3. stepwise per family
    let pois_set = stepwise(&cands, &screened, &y, Family::Poisson, &params.glm);
    let n = y.len();
    let fit_set = |set: &[usize], fam: Family| -> Result<GlmFit> {
        let cols: Vec<&[u8]> = set.iter().map(|&j| cands[j].values.as_slice()).collect();
        fit_glm(&design(&cols, n), &y, None, fam, &params.glm)
    };
    let pois = fit_set(&pois_set, Family::Poisson)?;
    // θ for the NB search: from the screened model, else the Poisson-selected one.
    let theta0 = {
        let scr_fit = fit_set(&screened, Family::NegativeBinomial { theta: None });
        match scr_fit {
            Ok(f) => f.theta,
            Err(_) => fit_set(&pois_set, Family::NegativeBinomial { theta: None })
                .ok()
                .and_then(|f| f.theta),
        }
    };
    let nb = match theta0 {
        Some(t) => {
            let nb_set = stepwise(
                &cands,
                &screened,
                &y,
                Family::NegativeBinomial { theta: Some(t) },
                &params.glm,
            );
            match fit_set(&nb_set, Family::NegativeBinomial { theta: None }) {
                Ok(f) => Some((nb_set, f)),
                Err(e) => {
                    notes.push(format!("negative binomial not fitted: {e}"));
                    None
                }
            }
        }
        None => {
            notes.push(
                "negative binomial not fitted: θ diverges (no overdispersion); Poisson kept".into(),
            );
            None
        }
    };
    let poisson_bic = pois.bic;
    let poisson_dispersion = pois.dispersion;
    let nb_bic = nb.as_ref().map(|(_, f)| f.bic);
    let (mut set, mut fit) = match nb {
        Some((s, f)) if f.bic < pois.bic => (s, f),
        _ => (pois_set, pois),
    };
    // 4b. spatial null: does each factor beat shifted copies of itself?
    let factors_null: Vec<NullFactor> = set
        .iter()
        .map(|&j| NullFactor {
            label: cands[j].variable.label(),
            distance: cands[j].variable.distance,
            full: &full_values[j],
            study: &cands[j].values,
        })
        .collect();
    let spatial_null = test_factors(
        grid,
        &keep,
        &factors_null,
        &y,
        fit.theta,
        &params.glm,
        &params.null,
        params.seed.wrapping_add(0x9E37_79B9_7F4A_7C15),
    )?;
    if spatial_null.iter().any(|t| !t.kept) {
        let kept: Vec<usize> = set
            .iter()
            .zip(&spatial_null)
            .filter(|(_, t)| t.kept)
            .map(|(j, _)| *j)
            .collect();
        for t in spatial_null.iter().filter(|t| !t.kept) {
            notes.push(format!(
                "{}: removed by the spatial null ({:.0} % of {} shifted copies fit at least as well, p = {:.3})",
                t.label,
                100.0 * t.share,
                t.shifts,
                t.p
            ));
        }
        let fam = match fit.theta {
            Some(_) => Family::NegativeBinomial { theta: None },
            None => Family::Poisson,
        };
        fit = fit_set(&kept, fam)?;
        set = kept;
    }
    // 4. outputs
    let z = normal_quantile(0.5 + params.confidence / 2.0);
    let mut rows: Vec<FactorRow> = set
        .iter()
        .enumerate()
        .map(|(k, &j)| {
            let v = &cands[j].variable;
            let (b, se) = (fit.coef[k + 1], fit.se[k + 1]);
            FactorRow {
                label: v.label(),
                layer: v.layer.clone(),
                filter: v.filter.clone(),
                operationalisation: v.operationalisation.as_str().into(),
                distance: v.distance,
                coef: b,
                se,
                p: fit.p[k + 1],
                rrv: b.exp(),
                rrv_lo: (b - z * se).exp(),
                rrv_hi: (b + z * se).exp(),
                cell_share: cands[j].values.iter().filter(|&&x| x == 1).count() as f64 / n as f64,
                null_share: spatial_null
                    .iter()
                    .find(|t| t.label == v.label())
                    .map(|t| t.share),
                null_p: spatial_null
                    .iter()
                    .find(|t| t.label == v.label())
                    .map(|t| t.p),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.rrv.total_cmp(&a.rrv).then(a.label.cmp(&b.label)));
    let factors: Vec<ModelFactor> = set
        .iter()
        .enumerate()
        .map(|(k, &j)| ModelFactor {
            variable: cands[j].variable.clone(),
            coef: fit.coef[k + 1],
        })
        .collect();
    let cols: Vec<&[u8]> = set.iter().map(|&j| full_values[j].as_slice()).collect();
    let raw = linear_risk(&factors, &cols, grid.len());
    let risk_scale = keep.iter().map(|&i| raw[i]).fold(f64::INFINITY, f64::min);
    let mut risk = vec![f64::NAN; grid.len()];
    for &i in &keep {
        risk[i] = raw[i] / risk_scale;
    }
    let model = RtmModel {
        family: fit.family.clone(),
        theta: fit.theta,
        intercept: fit.coef[0],
        factors,
        cov: fit.cov.clone(),
        grid: *grid,
        risk_scale,
        study: study.map(mask_runs),
    };
    let diagnostics = RtmDiagnostics {
        family: fit.family.clone(),
        bic: fit.bic,
        aic: fit.aic,
        deviance: fit.deviance,
        null_deviance: fit.null_deviance,
        dispersion: fit.dispersion,
        poisson_dispersion,
        poisson_bic,
        nb_bic,
        theta: fit.theta,
        cells: n,
        incidents: total as usize,
        candidates: cands.len(),
        screened: screened
            .iter()
            .map(|&j| cands[j].variable.label())
            .collect(),
        lambda,
        notes,
        spatial_null,
    };
    Ok(RtmResult {
        model,
        factors: rows,
        diagnostics,
        risk,
        counts: y_full,
    })
}

/// `exp(Σ βⱼ xⱼ)` per cell.
fn linear_risk(factors: &[ModelFactor], cols: &[&[u8]], n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let s: f64 = factors
                .iter()
                .zip(cols)
                .map(|(f, c)| f.coef * c[i] as f64)
                .sum();
            s.exp()
        })
        .collect()
}

/// A model applied to (possibly changed) layers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppliedRisk {
    /// Relative risk per cell, on the fitted model's scale (`exp(Σβx) / risk_scale`).
    pub risk: Vec<f64>,
    /// Expected incidents per cell, `exp(intercept + Σβx)`.
    pub expected: Vec<f64>,
}

/// The presence column of every factor of `model` on `grid`, from the layers named as
/// in the model.
///
/// # Errors
/// [`Error::MissingInput`] naming every layer the model needs that is not among
/// `layers`, all at once.
pub fn factor_columns(model: &RtmModel, grid: &Grid, layers: &[&Layer]) -> Result<Vec<Vec<u8>>> {
    let mut missing: Vec<String> = Vec::new();
    for f in &model.factors {
        if !layers.iter().any(|l| l.name == f.variable.layer) {
            let what = format!(
                "layer '{}' (factor {})",
                f.variable.layer,
                f.variable.label()
            );
            if !missing.contains(&what) {
                missing.push(what);
            }
        }
    }
    if !missing.is_empty() {
        return Err(Error::MissingInput { what: missing });
    }
    model
        .factors
        .iter()
        .map(|f| {
            let l = layers
                .iter()
                .find(|l| l.name == f.variable.layer)
                .ok_or_else(|| Error::MissingInput {
                    what: vec![format!("layer '{}'", f.variable.layer)],
                })?;
            variable_values(grid, l, &f.variable)
        })
        .collect()
}

/// Re-applies a fitted model to layers (e.g. after a design change), on the model's grid
/// or another grid of the same cell size. Layers are looked up by the factors' layer
/// names; each factor's filter and operationalisation are recomputed. On the model's own
/// grid, `risk` is NaN for cells outside the fitted study area ([`RtmModel::study`]).
///
/// # Errors
/// [`Error::Data`] when a layer the model needs is missing or has no features in the area.
pub fn apply_model(model: &RtmModel, grid: &Grid, layers: &[&Layer]) -> Result<AppliedRisk> {
    let n = grid.len();
    let cols = factor_columns(model, grid, layers)?;
    let refs: Vec<&[u8]> = cols.iter().map(|c| c.as_slice()).collect();
    let raw = linear_risk(&model.factors, &refs, n);
    let scale = if model.risk_scale > 0.0 {
        model.risk_scale
    } else {
        1.0
    };
    // Outside the fitted study area (same grid only) the risk is undefined.
    let outside = |i: usize| model.study.is_some() && *grid == model.grid && !model.in_study(i);
    Ok(AppliedRisk {
        risk: raw
            .iter()
            .enumerate()
            .map(|(i, r)| if outside(i) { f64::NAN } else { r / scale })
            .collect(),
        expected: raw
            .iter()
            .map(|r| (model.intercept + r.ln()).exp())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoCity, DemoParams};
    use crate::risk::null::SpatialNullParams;

    pub(crate) fn demo_inputs(city: &DemoCity) -> Vec<LayerInput<'_>> {
        city.layers
            .iter()
            .filter(|l| l.name != "parks")
            .map(|l| LayerInput {
                layer: l,
                filter: (l.name == "lights").then_some("status=out"),
            })
            .collect()
    }

    #[test]
    fn fit_rtm_finds_strong_factors_and_reapplies() {
        let city = generate(
            &DemoParams::new(11)
                .incidents(4000)
                .size(2000.0)
                .shares([1.0, 0.0, 0.0, 0.0]),
        )
        .unwrap();
        let grid = Grid::covering(city.truth.extent, 40.0).unwrap();
        let fp = FactorParams::new(50.0)
            .distances(vec![50.0, 100.0])
            .operationalisations(vec![crate::risk::Operationalisation::Proximity]);
        let params = RtmParams::new(50.0).factors(fp);
        let r = fit_rtm(&city.incidents.xy, &grid, &demo_inputs(&city), &params).unwrap();
        let layers: Vec<&str> = r.factors.iter().map(|f| f.layer.as_str()).collect();
        assert!(layers.contains(&"bars"), "{layers:?}");
        assert!(!layers.contains(&"hydrants"), "{layers:?}");
        let min = r.risk.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!((min - 1.0).abs() < 1e-12);
        for f in &r.factors {
            assert!(f.rrv_lo < f.rrv && f.rrv < f.rrv_hi && f.rrv > 1.0);
        }
        // Re-applying the saved model (through JSON) to the same layers gives the same surface.
        let json = serde_json::to_string(&r.model).unwrap();
        let model: RtmModel = serde_json::from_str(&json).unwrap();
        let ls: Vec<&Layer> = city.layers.iter().collect();
        let ap = apply_model(&model, &grid, &ls).unwrap();
        for (a, b) in ap.risk.iter().zip(&r.risk) {
            assert!((a - b).abs() < 1e-9);
        }
        // A study-area mask: the western half only.
        let mask: Vec<bool> = (0..grid.len())
            .map(|i| grid.col_row(i).0 < grid.ncols / 2)
            .collect();
        let rm = fit_rtm_in(
            &city.incidents.xy,
            &grid,
            Some(&mask),
            &demo_inputs(&city),
            &params,
        )
        .unwrap();
        assert_eq!(rm.diagnostics.cells, mask.iter().filter(|m| **m).count());
        for (i, m) in mask.iter().enumerate() {
            assert_eq!(rm.risk[i].is_nan(), !m);
        }
        // The model keeps its study area (ranked sites and apply_model respect it).
        assert_eq!(rm.model.study_mask().as_deref(), Some(mask.as_slice()));
        assert!(r.model.study.is_none());
        assert!(fit_rtm_in(
            &city.incidents.xy,
            &grid,
            Some(&mask[1..]),
            &demo_inputs(&city),
            &params
        )
        .is_err());
        // A layer the model needs must be given.
        let no_bars: Vec<&Layer> = ls.iter().copied().filter(|l| l.name != "bars").collect();
        assert!(apply_model(&model, &grid, &no_bars)
            .unwrap_err()
            .to_string()
            .contains("layer 'bars' (factor bars"));
    }

    /// Simulation study: planted factors selected with RRVs inside their CIs, decoys
    /// rejected, over several background-only demo cities.
    #[test]
    #[ignore = "simulation over 4 cities, ~1 min in the test profile; run with --ignored"]
    fn fit_rtm_simulation_recovery_rates() {
        let (mut planted, mut found, mut covered, mut right_d) = (0, 0, 0, 0);
        let (mut decoys, mut decoys_kept) = (0, 0);
        for seed in 1..=4u64 {
            let city = generate(
                &DemoParams::new(seed)
                    .incidents(6000)
                    .size(3000.0)
                    .shares([1.0, 0.0, 0.0, 0.0]),
            )
            .unwrap();
            let grid = Grid::covering(city.truth.extent, 25.0).unwrap();
            let r = fit_rtm(
                &city.incidents.xy,
                &grid,
                &demo_inputs(&city),
                &RtmParams::new(50.0).seed(seed),
            )
            .unwrap();
            for t in &city.truth.factors {
                let row = r.factors.iter().find(|f| f.layer == t.layer);
                if t.relative_risk == 1.0 {
                    decoys += 1;
                    decoys_kept += usize::from(row.is_some());
                    continue;
                }
                planted += 1;
                if let Some(f) = row {
                    found += 1;
                    covered +=
                        usize::from(f.rrv_lo <= t.relative_risk && t.relative_risk <= f.rrv_hi);
                    right_d += usize::from(
                        f.distance == t.distance && f.operationalisation == "proximity",
                    );
                    eprintln!(
                        "seed {seed} {} rrv {:.2} [{:.2}, {:.2}] truth {} @{}m",
                        f.label, f.rrv, f.rrv_lo, f.rrv_hi, t.relative_risk, t.distance
                    );
                } else {
                    eprintln!("seed {seed} missed {}", t.layer);
                }
            }
        }
        eprintln!(
            "RECOVERY planted selected {found}/{planted}, right distance {right_d}/{found}, \
             truth inside CI {covered}/{found}, decoys kept {decoys_kept}/{decoys}"
        );
        assert!(found as f64 >= 0.9 * planted as f64);
        assert!(covered as f64 >= 0.75 * found as f64);
        assert!(decoys_kept as f64 <= 0.25 * decoys as f64);
    }

    /// The full demo city (20,000 incidents with hot spots, repeats and chains, 50 m
    /// cells, the demo's settings): the spatial null leaves exactly the planted factors;
    /// without it a decoy enters.
    #[test]
    fn fit_rtm_full_demo_selects_exactly_the_planted_factors() {
        // The demo city as the `demo` command builds it (river included). ATMs carry
        // RR 2.0 at 50 m: at RR 1.6 stepwise BIC entered them in only 3 of 8 cities
        // (seeds 1-7, 42), so the exact selection held in 2 of 8 (branch `rtmriver`);
        // `fit_rtm_full_demo_exact_selection_rate` measures the rate over seeds.
        let city = generate(&DemoParams::new(42)).unwrap();
        let grid = Grid::covering(city.truth.extent, 50.0).unwrap();
        let r = fit_rtm(
            &city.incidents.xy,
            &grid,
            &demo_inputs(&city),
            &RtmParams::new(50.0),
        )
        .unwrap();
        for t in &r.diagnostics.spatial_null {
            eprintln!(
                "NULL {:<36} LR {:>8.1} share {:.3} p {:.3} kept {}",
                t.label, t.lr, t.share, t.p, t.kept
            );
        }
        let mut got: Vec<&str> = r.factors.iter().map(|f| f.layer.as_str()).collect();
        got.sort_unstable();
        let mut planted: Vec<&str> = city
            .truth
            .factors
            .iter()
            .filter(|t| t.relative_risk != 1.0)
            .map(|t| t.layer.as_str())
            .collect();
        planted.sort_unstable();
        assert_eq!(got, planted, "{:?}", r.diagnostics.notes);
    }

    /// How often the full demo city (default settings, river included) selects
    /// exactly the planted factors, over seeds 1-7 and 42. Planted effects are
    /// modest (RR 1.5-2.5 within 50-100 m) and the cities carry hot spots, repeats
    /// and chains besides, so exact selection is not certain for every seed; the test
    /// asserts a majority, and that decoys (2 per city) are kept in at most 2 of the
    /// 16 chances (measured: 5/8 exact, one decoy kept, mailboxes at seed 4).
    #[test]
    #[ignore = "8 full demo cities, ~10 s in the test profile; run with --ignored"]
    fn fit_rtm_full_demo_exact_selection_rate() {
        let (mut exact, mut decoy_kept) = (0, 0);
        let seeds = [1u64, 2, 3, 4, 5, 6, 7, 42];
        for seed in seeds {
            let city = generate(&DemoParams::new(seed)).unwrap();
            let grid = Grid::covering(city.truth.extent, 50.0).unwrap();
            let r = fit_rtm(
                &city.incidents.xy,
                &grid,
                &demo_inputs(&city),
                &RtmParams::new(50.0),
            )
            .unwrap();
            let mut got: Vec<&str> = r.factors.iter().map(|f| f.layer.as_str()).collect();
            got.sort_unstable();
            let mut planted: Vec<&str> = city
                .truth
                .factors
                .iter()
                .filter(|t| t.relative_risk != 1.0)
                .map(|t| t.layer.as_str())
                .collect();
            planted.sort_unstable();
            let decoys = city
                .truth
                .factors
                .iter()
                .filter(|t| t.relative_risk == 1.0 && got.contains(&t.layer.as_str()))
                .count();
            eprintln!("seed {seed}: selected {got:?}");
            exact += usize::from(got == planted);
            decoy_kept += decoys;
        }
        eprintln!("EXACT {exact}/{}, decoys kept {decoy_kept}", seeds.len());
        assert!(
            exact * 2 > seeds.len(),
            "exact in {exact} of {}",
            seeds.len()
        );
        assert!(
            decoy_kept <= 2,
            "decoys kept {decoy_kept} of {}",
            2 * seeds.len()
        );
    }

    /// Simulation with residual clustering (the demo's default mix: 70 % factor-driven
    /// background, hot spots, exact repeats and near-repeat chains): decoys kept and
    /// planted factors found, with and without the spatial null, over 4 cities.
    #[test]
    #[ignore = "simulation over 4 cities x 2 fits, ~15 s in the test profile; run with --ignored"]
    fn fit_rtm_simulation_spatial_null_with_residual_clustering() {
        let mut tally = [[0usize; 2]; 2]; // [null off/on][planted found, decoys kept]
        let (mut planted, mut decoys) = (0, 0);
        for seed in 1..=4u64 {
            let city = generate(&DemoParams::new(seed).incidents(8000).size(3000.0)).unwrap();
            let grid = Grid::covering(city.truth.extent, 25.0).unwrap();
            for (k, null) in [SpatialNullParams::off(), SpatialNullParams::new()]
                .into_iter()
                .enumerate()
            {
                let r = fit_rtm(
                    &city.incidents.xy,
                    &grid,
                    &demo_inputs(&city),
                    &RtmParams::new(50.0).seed(seed).spatial_null(null),
                )
                .unwrap();
                for t in &city.truth.factors {
                    let kept = r.factors.iter().any(|f| f.layer == t.layer);
                    if t.relative_risk == 1.0 {
                        tally[k][1] += usize::from(kept);
                    } else {
                        tally[k][0] += usize::from(kept);
                    }
                }
                for t in &r.diagnostics.spatial_null {
                    eprintln!(
                        "seed {seed} {:<36} LR {:>7.1} share {:.3} kept {}",
                        t.label, t.lr, t.share, t.kept
                    );
                }
            }
            planted += city
                .truth
                .factors
                .iter()
                .filter(|t| t.relative_risk != 1.0)
                .count();
            decoys += city
                .truth
                .factors
                .iter()
                .filter(|t| t.relative_risk == 1.0)
                .count();
        }
        eprintln!(
            "RESIDUAL without null: planted {}/{planted}, decoys kept {}/{decoys}; with null: planted {}/{planted}, decoys kept {}/{decoys}",
            tally[0][0], tally[0][1], tally[1][0], tally[1][1]
        );
        assert!(tally[1][1] <= tally[0][1]);
        assert!(tally[1][1] as f64 <= 0.25 * decoys as f64);
        assert!(tally[1][0] as f64 >= 0.8 * planted as f64);
    }

    #[test]
    fn pattern_groups_equal_btree_reference() {
        use rand::{Rng, SeedableRng};
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let n = 3000;
        let cands: Vec<FactorColumn> = (0..20)
            .map(|j| FactorColumn {
                variable: FactorVariable {
                    layer: format!("l{j}"),
                    filter: None,
                    operationalisation: crate::risk::Operationalisation::Proximity,
                    distance: 1.0,
                    density_sd: 2.0,
                },
                values: (0..n)
                    .map(|_| u8::from(rng.random::<f64>() < 0.3))
                    .collect(),
            })
            .collect();
        let y: Vec<f64> = (0..n).map(|_| rng.random_range(0..4) as f64).collect();
        for set in [
            vec![],
            vec![3],
            vec![5, 0, 7],
            (0..16).collect(),
            (0..20).rev().collect(),
        ] {
            let mut reference: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
            for (i, yi) in y.iter().enumerate() {
                let mut key = 0u64;
                for (b, &j) in set.iter().enumerate() {
                    key |= u64::from(cands[j].values[i]) << b;
                }
                let e = reference.entry(key).or_insert((0.0, 0.0));
                e.0 += 1.0;
                e.1 += yi;
            }
            let expect: Vec<(u64, f64, f64)> =
                reference.into_iter().map(|(k, e)| (k, e.0, e.1)).collect();
            assert_eq!(pattern_groups(&cands, &set, &y), expect, "set {set:?}");
        }
    }

    /// Pins the selection and coefficients of a demo-city fit with both
    /// operationalisations (screen, stepwise and family choice all exercised), so the
    /// optimised paths (compact screen design, pattern grouping, one-pass densities) are
    /// checked against the values of the reference implementation.
    #[test]
    fn fit_rtm_demo_selection_is_pinned() {
        // the city of the pinned reference numbers (before the demo river, and with
        // the ATM effect of that time)
        let city = generate(
            &DemoParams::new(11)
                .incidents(4000)
                .size(2000.0)
                .shares([1.0, 0.0, 0.0, 0.0])
                .river(false)
                .relative_risk("atms", 1.6),
        )
        .unwrap();
        let grid = Grid::covering(city.truth.extent, 40.0).unwrap();
        let fp = FactorParams::new(50.0).distances(vec![50.0, 100.0, 150.0]);
        let r = fit_rtm(
            &city.incidents.xy,
            &grid,
            &demo_inputs(&city),
            &RtmParams::new(50.0).factors(fp),
        )
        .unwrap();
        assert_eq!(r.diagnostics.family, "negative_binomial");
        assert_eq!(r.diagnostics.candidates, 42, "{:?}", r.diagnostics.notes);
        assert_eq!(
            r.diagnostics.screened.len(),
            19,
            "{:?}",
            r.diagnostics.screened
        );
        // (label, coefficient) of the reference implementation, by decreasing RRV.
        let pinned = [
            ("bars:proximity@100m", 0.8709985619782895),
            ("lights[status=out]:proximity@50m", 0.5768488207162366),
            ("vacant_lots:proximity@100m", 0.45158570752252036),
            ("bus_stops:density@100m", 0.3992591875450572),
            ("atms:proximity@50m", 0.3426529072619376),
        ];
        assert_eq!(r.factors.len(), pinned.len());
        for (f, (label, coef)) in r.factors.iter().zip(pinned) {
            assert_eq!(f.label, label);
            assert!(
                (f.coef - coef).abs() < 1e-8 * coef.abs(),
                "{label}: {}",
                f.coef
            );
        }
        assert!((r.model.intercept + 0.221904718467).abs() < 1e-9);
        assert!((r.diagnostics.bic - 7860.980219597).abs() < 1e-6);
    }

    #[test]
    fn fit_rtm_all_zero_counts_is_an_error() {
        let city = generate(&DemoParams::new(3).incidents(100).size(1000.0)).unwrap();
        let grid = Grid::new(0.0, 0.0, 50.0, 10, 10).unwrap();
        let e = fit_rtm(
            &city.incidents.xy,
            &grid,
            &demo_inputs(&city),
            &RtmParams::new(50.0),
        )
        .unwrap_err();
        assert!(e.to_string().contains("all-zero"), "{e}");
    }
}
