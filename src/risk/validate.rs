//! Validity of a risk terrain model: fit on one period, test on the next.
//!
//! The RTM is fitted on the **training** incidents only (same grid, layers, factor
//! settings and study area as a normal [`fit_rtm_in`]); its top-risk cells are then
//! scored on the **test** incidents with hit rate, PAI, PEI and RRI
//! ([`crate::accuracy`], Chainey, Tompson & Uhlig 2008; Hunt 2016; Levine 2008), side
//! by side with the hotspot maps of the same training incidents on the same cells:
//! naive counts, quartic KDE and Gi* ([`accuracy::training_surfaces`]) and, when the
//! incidents carry times, promap — every surface ranked by the same code
//! ([`accuracy::evaluate_surface`] and its tie variants), so the numbers are comparable.
//!
//! # Study area
//! With a study-area mask (e.g. cells whose centre is inside the city boundary) every
//! method is evaluated on those cells only: `A` = the study cells, `k = ⌈f · A⌉`, `N` =
//! test incidents in study cells; Gi* is computed over the study cells. Without a mask
//! every cell of the grid counts.
//!
//! # Ties (see [`TIE_RULE`])
//! An RTM with a few binary factors gives many cells the same risk (every cell with no
//! factor has risk 1), so "the top 5 % of cells" is not defined by the risk alone. Three
//! RTM rows are reported:
//! * `rtm` — the **expected** accuracy over a uniformly random order of tied cells
//!   ([`accuracy::evaluate_surface_random_ties`]): the model alone, no other information;
//! * `rtm-then-counts` — ties broken by training counts (descending), then by cell id:
//!   the top-k area is exact and reproducible ("RTM, then counts");
//! * `rtm-x-kde` — risk × training KDE (the environmental risk weighted by recent
//!   concentration), ties as `rtm-then-counts`.
//!
//! The baselines keep the toolkit's standard rule (ties by ascending cell id), as in
//! `crimescape evaluate-hotspots`.

use serde::Serialize;

use crate::accuracy::{self, AccuracyRow, MethodAccuracy, NamedSurface};
use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::layer::Incidents;
use crate::risk::rtm::{fit_rtm_in, FactorRow, LayerInput, RtmParams, RtmResult};

/// The tie rule of the RTM rows, as text for outputs.
pub const TIE_RULE: &str = "rtm: expected value over a uniformly random order of cells with \
equal risk; rtm-then-counts: equal risk ordered by training counts (descending), then cell id; \
rtm-x-kde: risk x training KDE, ties as rtm-then-counts; baselines: ties by cell id";

/// Parameters of [`validate_rtm`] / [`validate_rtm_samples`].
#[derive(Debug, Clone, Serialize)]
pub struct ValidateParams {
    /// Start of the training period (inclusive); `None` = open. Time split only.
    pub train_from: Option<i64>,
    /// End of the training period (exclusive) = start of the test period. Required by
    /// [`validate_rtm`]; ignored by [`validate_rtm_samples`].
    pub train_until: Option<i64>,
    /// End of the test period (exclusive); `None` = open. Time split only.
    pub test_until: Option<i64>,
    /// The model settings (as for a normal fit).
    pub rtm: RtmParams,
    /// Quartic KDE bandwidth (m); `None` = 3 cells (as `evaluate-hotspots`).
    pub kde_bandwidth: Option<f64>,
    /// Area shares evaluated; default [`accuracy::default_fractions`] (1–20 %).
    pub fractions: Vec<f64>,
}

impl ValidateParams {
    /// Defaults around the given model settings (no time split set).
    pub fn new(rtm: RtmParams) -> Self {
        ValidateParams {
            train_from: None,
            train_until: None,
            test_until: None,
            rtm,
            kde_bandwidth: None,
            fractions: accuracy::default_fractions(),
        }
    }
    /// Sets the time split: training `[from, until)`, test `[until, test_until)`.
    pub fn split(mut self, from: Option<i64>, until: i64, test_until: Option<i64>) -> Self {
        self.train_from = from;
        self.train_until = Some(until);
        self.test_until = test_until;
        self
    }
    /// Sets the KDE bandwidth (m).
    pub fn kde_bandwidth(mut self, h: Option<f64>) -> Self {
        self.kde_bandwidth = h;
        self
    }
    /// Sets the area shares.
    pub fn fractions(mut self, f: Vec<f64>) -> Self {
        self.fractions = f;
        self
    }
}

/// Result of a validation.
#[derive(Debug, Clone, Serialize)]
pub struct RtmValidation {
    /// The grid.
    pub grid: Grid,
    /// Cells evaluated (the study area, or the whole grid).
    pub study_cells: usize,
    /// Training incidents in the study cells.
    pub n_train: f64,
    /// Test incidents in the study cells (`N`).
    pub n_test: f64,
    /// Training incidents outside the grid or the study area.
    pub train_outside: usize,
    /// Test incidents outside the grid or the study area.
    pub test_outside: usize,
    /// Incidents without time or outside both periods (time split only).
    pub unused: usize,
    /// KDE bandwidth used (m).
    pub kde_bandwidth_m: f64,
    /// Methods in the order counts, kde-quartic, gi-star, promap (when available), rtm,
    /// rtm-then-counts, rtm-x-kde.
    pub methods: Vec<MethodAccuracy>,
    /// Methods not built on these data, with the reason.
    pub skipped: Vec<(String, String)>,
    /// The training-period model's factor table.
    pub factors: Vec<FactorRow>,
    /// Family of the training-period model.
    pub family: String,
    /// Distinct risk values over the study cells (few = many ties).
    pub risk_levels: usize,
    /// Study cells at the lowest risk (no factor present).
    pub baseline_cells: usize,
    /// The tie rule ([`TIE_RULE`]).
    pub tie_rule: String,
    /// The full training-period fit.
    #[serde(skip)]
    pub fit: RtmResult,
}

impl RtmValidation {
    /// The row of method `name` at area share `frac` (matched to 1e-9).
    pub fn at(&self, name: &str, frac: f64) -> Option<&AccuracyRow> {
        self.methods
            .iter()
            .find(|m| m.name == name)?
            .rows
            .iter()
            .find(|r| (r.frac - frac).abs() < 1e-9)
    }
}

/// Fits the RTM on incidents of `[train_from, train_until)` and evaluates it, with
/// counts, KDE, Gi* and promap of the same training incidents, on the incidents of
/// `[train_until, test_until)`. Incidents without a time are not used. The grid should
/// cover the incidents (e.g. [`Grid::covering`] of their bounding box) — promap is
/// built on that grid and skipped otherwise.
///
/// # Errors
/// [`Error::InvalidParam`] without `train_until` or with a bad mask; [`Error::Degenerate`] when a
/// period has no incident in the study area; model-fitting errors of [`fit_rtm_in`].
pub fn validate_rtm(
    inc: &Incidents,
    grid: &Grid,
    study: Option<&[bool]>,
    layers: &[LayerInput],
    p: &ValidateParams,
) -> Result<RtmValidation> {
    let until = p.train_until.ok_or_else(|| {
        Error::invalid_param(
            "train_until",
            "none",
            "a validation needs the time split between training and test",
        )
    })?;
    let (mut train, mut test, mut unused) = (Vec::new(), Vec::new(), 0);
    for (xy, t) in inc.xy.iter().zip(&inc.time) {
        match *t {
            Some(t) if t < until && p.train_from.is_none_or(|f| t >= f) => train.push(*xy),
            Some(t) if t >= until && p.test_until.is_none_or(|u| t < u) => test.push(*xy),
            _ => unused += 1,
        }
    }
    let mut extra = Vec::new();
    let mut skipped = Vec::new();
    let pp = crate::repeat::promap::PromapParams::new(until).cell(grid.cell);
    // promap sees the same training window as the other surfaces
    let in_window: Vec<usize> = (0..inc.len())
        .filter(|&i| inc.time[i].is_some_and(|t| p.train_from.is_none_or(|f| t >= f)))
        .collect();
    let train_inc = inc.select(&in_window);
    match crate::repeat::promap::promap(&train_inc, &pp) {
        Ok(pm) if pm.grid == *grid => extra.push(NamedSurface {
            name: "promap".into(),
            params: serde_json::json!({
                "surface": "prospective map at train_until (Bowers, Johnson & Pease 2004)",
                "at": crate::time::format(until, crate::time::TimePrecision::Second),
                "bandwidth_m": pp.bandwidth_m,
                "bandwidth_days": pp.bandwidth_days,
                "events_used": pm.n_recent,
            }),
            scores: pm.promap,
        }),
        Ok(_) => skipped.push((
            "promap".into(),
            "grid differs from the validation grid".into(),
        )),
        Err(e) => skipped.push(("promap".into(), e.to_string())),
    }
    let samples = Samples {
        train: &train,
        test: &test,
    };
    let mut v = validate_core(samples, grid, study, layers, p, extra, skipped)?;
    v.unused = unused;
    Ok(v)
}

/// Fits the RTM on the points `train` and evaluates it on the points `test` (e.g. two
/// yearly files without dates), with counts, KDE and Gi* of `train` on the same cells.
/// The time fields of `p` are ignored; promap is skipped (it needs times).
///
/// # Errors
/// As [`validate_rtm`].
pub fn validate_rtm_samples(
    train: &[[f64; 2]],
    test: &[[f64; 2]],
    grid: &Grid,
    study: Option<&[bool]>,
    layers: &[LayerInput],
    p: &ValidateParams,
) -> Result<RtmValidation> {
    let skipped = vec![(
        "promap".to_string(),
        "needs incident times (training and test given as separate samples)".to_string(),
    )];
    validate_core(
        Samples { train, test },
        grid,
        study,
        layers,
        p,
        Vec::new(),
        skipped,
    )
}

/// The incident points of the two sides of a split.
struct Samples<'a> {
    train: &'a [[f64; 2]],
    test: &'a [[f64; 2]],
}

fn validate_core(
    samples: Samples<'_>,
    grid: &Grid,
    study: Option<&[bool]>,
    layers: &[LayerInput],
    p: &ValidateParams,
    extra: Vec<NamedSurface>,
    mut skipped: Vec<(String, String)>,
) -> Result<RtmValidation> {
    let Samples { train, test } = samples;
    let keep = crate::risk::rtm::study_cells(grid, study, "validation")?;
    let sub = |v: &[f64]| -> Vec<f64> { keep.iter().map(|&i| v[i]).collect() };
    let (train_full, _) = grid.counts_checked(train);
    let (test_full, _) = grid.counts_checked(test);
    let (tr, te) = (sub(&train_full), sub(&test_full));
    let (n_train, n_test): (f64, f64) = (tr.iter().sum(), te.iter().sum());
    if n_train <= 0.0 {
        return Err(Error::degenerate(
            "validation",
            "no training incident in the study area",
        ));
    }
    if n_test <= 0.0 {
        return Err(Error::degenerate(
            "validation",
            "no test incident in the study area",
        ));
    }
    let fit = fit_rtm_in(train, grid, study, layers, &p.rtm)?;
    let h = p.kde_bandwidth.unwrap_or(3.0 * grid.cell);
    let cells = study.map(|_| keep.as_slice());
    let (mut surfaces, sk) = accuracy::training_surfaces(grid, cells, train, &train_full, h)?;
    skipped.extend(sk);
    let kde = surfaces
        .iter()
        .find(|s| s.name == "kde-quartic")
        .map(|s| s.scores.clone())
        .ok_or_else(|| Error::Numerical("validation: KDE surface missing".into()))?;
    surfaces.extend(extra);
    let fr = &p.fractions;
    let mut methods = Vec::with_capacity(surfaces.len() + 3);
    for s in surfaces {
        methods.push(MethodAccuracy {
            rows: accuracy::evaluate_surface(&sub(&s.scores), &tr, &te, fr)?,
            name: s.name,
            params: s.params,
        });
    }
    let risk = sub(&fit.risk);
    let combined: Vec<f64> = keep.iter().map(|&i| fit.risk[i] * kde[i]).collect();
    let factors: Vec<String> = fit.factors.iter().map(|f| f.label.clone()).collect();
    methods.push(MethodAccuracy {
        name: "rtm".into(),
        params: serde_json::json!({
            "surface": "RTM relative risk fitted on the training incidents",
            "factors": factors,
            "ties": "expected value over a uniformly random order of equal-risk cells",
        }),
        rows: accuracy::evaluate_surface_random_ties(&risk, &tr, &te, fr)?,
    });
    methods.push(MethodAccuracy {
        name: "rtm-then-counts".into(),
        params: serde_json::json!({
            "surface": "RTM relative risk; equal risk ordered by training counts, then cell id",
        }),
        rows: accuracy::evaluate_surface_tiebreak(&risk, &tr, &tr, &te, fr)?,
    });
    methods.push(MethodAccuracy {
        name: "rtm-x-kde".into(),
        params: serde_json::json!({
            "surface": "RTM relative risk x quartic KDE of the training incidents; ties by training counts, then cell id",
            "bandwidth_m": h,
        }),
        rows: accuracy::evaluate_surface_tiebreak(&combined, &tr, &tr, &te, fr)?,
    });
    let mut levels = risk.clone();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let min = levels.first().copied().unwrap_or(1.0);
    Ok(RtmValidation {
        grid: *grid,
        study_cells: keep.len(),
        n_train,
        n_test,
        train_outside: train.len() - n_train as usize,
        test_outside: test.len() - n_test as usize,
        unused: 0,
        kde_bandwidth_m: h,
        methods,
        skipped,
        factors: fit.factors.clone(),
        family: fit.diagnostics.family.clone(),
        risk_levels: levels.len(),
        baseline_cells: risk.iter().filter(|&&r| r == min).count(),
        tie_rule: TIE_RULE.into(),
        fit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::risk::fixtures::{demo_inputs as inputs, proximity_params as params, small_city};

    /// Day `d` of the demo year.
    fn day(d: i64) -> i64 {
        (crate::demo::DEMO_START_DAY + d) * crate::time::DAY
    }

    #[test]
    fn validate_rtm_factor_city_beats_sparse_counts() {
        // crime follows the planted factors only; train on ~2 months (sparse), test on the rest
        let city = small_city(5, 4000, [1.0, 0.0, 0.0, 0.0]);
        let grid = Grid::covering(city.incidents.bbox().unwrap(), 40.0).unwrap();
        let p = ValidateParams::new(params()).split(None, day(60), None);
        let v = validate_rtm(&city.incidents, &grid, None, &inputs(&city), &p).unwrap();
        let names: Vec<&str> = v.methods.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "counts",
                "kde-quartic",
                "gi-star",
                "promap",
                "rtm",
                "rtm-then-counts",
                "rtm-x-kde"
            ]
        );
        assert!(v.n_train < 0.5 * grid.len() as f64, "sparse: {}", v.n_train);
        assert!(
            v.factors.iter().any(|f| f.layer == "bars"),
            "{:?}",
            v.factors
        );
        for f in [0.05, 0.10] {
            let rtm = v.at("rtm", f).unwrap();
            let counts = v.at("counts", f).unwrap();
            assert!(
                rtm.pai > counts.pai && rtm.pai > 1.5,
                "{f}: rtm {} counts {}",
                rtm.pai,
                counts.pai
            );
            // same test incidents, same area for every method
            for m in &v.methods {
                let r = v.at(&m.name, f).unwrap();
                assert_eq!((r.n_test, r.k_cells), (rtm.n_test, rtm.k_cells));
            }
        }
        assert!(v.risk_levels >= 2 && v.baseline_cells > 0);
        // the samples entry point on the same split gives the same RTM rows
        let (mut tr, mut te) = (Vec::new(), Vec::new());
        for (xy, t) in city.incidents.xy.iter().zip(&city.incidents.time) {
            if t.is_some_and(|t| t < day(60)) {
                tr.push(*xy)
            } else {
                te.push(*xy)
            }
        }
        let s = validate_rtm_samples(&tr, &te, &grid, None, &inputs(&city), &p).unwrap();
        assert_eq!(s.at("rtm", 0.05), v.at("rtm", 0.05));
        assert!(s.at("promap", 0.05).is_none());
        assert_eq!(s.skipped[0].0, "promap");
    }

    #[test]
    fn validate_rtm_no_factor_effect_does_not_beat_kde() {
        // crime sits in four planted Gaussian hotspots, independent of every layer:
        // the environment explains nothing that KDE of the past does not do better
        let city = small_city(8, 3000, [0.0, 1.0, 0.0, 0.0]);
        let grid = Grid::covering(city.incidents.bbox().unwrap(), 40.0).unwrap();
        let p = ValidateParams::new(params()).split(None, day(182), None);
        let v = validate_rtm(&city.incidents, &grid, None, &inputs(&city), &p).unwrap();
        let kde = v.at("kde-quartic", 0.05).unwrap();
        let rtm = v.at("rtm", 0.05).unwrap();
        assert!(kde.pai > 2.0 * rtm.pai, "kde {} rtm {}", kde.pai, rtm.pai);
        assert!(kde.pai > 4.0, "kde {}", kde.pai);
    }

    #[test]
    fn validate_rtm_study_mask_and_errors() {
        let city = generate(
            &DemoParams::new(3)
                .incidents(1500)
                .size(1500.0)
                .shares([1.0, 0.0, 0.0, 0.0]),
        )
        .unwrap();
        let grid = Grid::covering(city.incidents.bbox().unwrap(), 50.0).unwrap();
        let mask: Vec<bool> = (0..grid.len())
            .map(|i| grid.col_row(i).0 < grid.ncols / 2)
            .collect();
        let p = ValidateParams::new(params()).split(None, day(120), None);
        let v = validate_rtm(&city.incidents, &grid, Some(&mask), &inputs(&city), &p).unwrap();
        let in_mask = mask.iter().filter(|m| **m).count();
        assert_eq!(v.study_cells, in_mask);
        let r = v.at("gi-star", 0.05).unwrap();
        assert_eq!(r.k_cells, accuracy::cells_for_fraction(0.05, in_mask));
        assert!(v.train_outside > 0 && v.test_outside > 0);
        assert_eq!(
            v.n_test + v.test_outside as f64 + v.n_train + v.train_outside as f64,
            (city.incidents.len() - v.unused) as f64
        );
        let no_split = ValidateParams::new(params());
        assert!(validate_rtm(&city.incidents, &grid, None, &inputs(&city), &no_split).is_err());
        let late = ValidateParams::new(params()).split(None, day(400), None);
        let e = validate_rtm(&city.incidents, &grid, None, &inputs(&city), &late).unwrap_err();
        assert!(e.to_string().contains("no test incident"), "{e}");
        assert!(
            validate_rtm(&city.incidents, &grid, Some(&mask[1..]), &inputs(&city), &p).is_err()
        );
    }
}
