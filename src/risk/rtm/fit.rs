//! Fitting a model on a grid (whole or masked) and its linear predictor.

use super::*;

/// Fits a risk terrain model of the incident points on `grid`.
///
/// # Errors
/// [`Error::Degenerate`] when no incident falls in the grid, a layer has no features in the
/// study area, or no usable candidate variable remains; [`Error::InvalidParam`] for bad
/// settings; [`Error::Numerical`] when the final model cannot be fitted.
///
/// # Examples
/// ```
/// use crimescape::{fit_rtm, generate_demo as generate, DemoParams, FactorParams, Grid, LayerInput, Operationalisation, RtmParams};
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
/// As [`fit_rtm`]; [`Error::InvalidParam`] when the mask length differs from the grid or the
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
pub(super) fn linear_risk(factors: &[ModelFactor], cols: &[&[u8]], n: usize) -> Vec<f64> {
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
