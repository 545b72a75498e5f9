//! Interrupted time series (segmented regression) of monthly counts per zone.
//!
//! # Model
//! For the bins of the pre and post periods (gap bins are left out), with `y_i`
//! incidents in `d_i` days and mid-time `t_i` in years from the intervention:
//!
//! `ln E[y_i] = ln d_i + β0 + β1·t_i + β2·post_i [+ β3·t_i·post_i] + Σ_k (a_k sin 2πk·doy_i/365.25 + b_k cos …)`
//!
//! fitted as a negative binomial (NB2, θ by maximum likelihood) or Poisson GLM
//! ([`crate::glm::fit_glm`]). `exp(β2)` is the **level change** (rate ratio at the
//! intervention), `exp(β1)` the pre-period trend per year and `exp(β3)` the change
//! of trend per year (Bernal, Cummins & Gasparrini 2017). Seasonal harmonics
//! (`k = 1, 2`) are used only when the pre period covers at least a year, since a
//! season cannot be told apart from a step otherwise. When the negative binomial
//! θ diverges (no over-dispersion) the Poisson model is used instead; Poisson
//! standard errors are scaled by `√max(1, X²/(n − p))` (quasi-Poisson).
//!
//! The **controlled level change** is the treatment's level change over the
//! control's, with `Var = Var_T + Var_C` on the log scale (separate fits).
//!
//! # Reference
//! Bernal, J. L., Cummins, S. & Gasparrini, A. (2017). Interrupted time series
//! regression for the evaluation of public health interventions: a tutorial.
//! *International Journal of Epidemiology* 46(1), 348–355.

use serde::{Deserialize, Serialize};

use super::stats::{normal_cdf, z_for, Estimate};
use super::{Evaluation, Period};
use crate::error::Result;
use crate::glm::{fit_glm, Family, GlmParams};
use crate::time::DAY;

/// Settings of the interrupted time series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItsParams {
    /// GLM family (default negative binomial with θ estimated).
    pub family: Family,
    /// Also model a change of trend after the intervention (default false: the
    /// impact model is a step, the usual a-priori choice for a situational
    /// measure; a slope change makes the level change much less precise in
    /// short series).
    pub slope_change: bool,
    /// Seasonal harmonic pairs; `None` = 2 when the pre period covers a year, else 0.
    pub harmonics: Option<usize>,
}

impl Default for ItsParams {
    fn default() -> Self {
        ItsParams {
            family: Family::NegativeBinomial { theta: None },
            slope_change: false,
            harmonics: None,
        }
    }
}

/// The fit of one zone.
#[derive(Debug, Clone, Serialize)]
pub struct ItsFit {
    /// `poisson` or `negative_binomial`.
    pub family: String,
    /// Number of bins fitted.
    pub bins: usize,
    /// Term names, in coefficient order.
    pub terms: Vec<String>,
    /// Coefficients (log scale).
    pub coef: Vec<f64>,
    /// Their standard errors.
    pub se: Vec<f64>,
    /// Level change at the intervention as a rate ratio.
    pub level_change: Estimate,
    /// Pre-period trend as a rate ratio per year.
    pub trend: Estimate,
    /// Change of trend after the intervention (rate ratio per year).
    pub slope_change: Option<Estimate>,
    /// θ of the negative binomial.
    pub theta: Option<f64>,
    /// Pearson X²/(n − p).
    pub dispersion: f64,
    /// Fitted expected counts per fitted bin.
    pub fitted: Vec<f64>,
    /// Expected counts without the intervention terms (the counterfactual).
    pub counterfactual: Vec<f64>,
}

/// Interrupted time series of one area.
#[derive(Debug, Clone, Serialize)]
pub struct AreaIts {
    /// Area name.
    pub name: String,
    /// Indices into [`Evaluation::bins`] of the fitted bins.
    pub bin_index: Vec<usize>,
    /// Treatment area fit.
    pub treatment: Option<ItsFit>,
    /// Buffer fit.
    pub buffer: Option<ItsFit>,
    /// Control fit.
    pub control: Option<ItsFit>,
    /// Treatment level change over the control's.
    pub controlled_level_change: Option<Estimate>,
    /// Why a fit is missing or which model was used.
    pub notes: Vec<String>,
}

fn ratio_estimate(b: f64, se: f64, z: f64) -> Estimate {
    Estimate {
        estimate: b.exp(),
        lower: (b - z * se).exp(),
        upper: (b + z * se).exp(),
        se,
        p_value: if se > 0.0 {
            (2.0 * (1.0 - normal_cdf((b / se).abs()))).clamp(0.0, 1.0)
        } else {
            f64::NAN
        },
    }
}

/// Fits the interrupted time series of every area of an evaluation.
///
/// Fits that cannot be made (too few bins, no incidents, a failed GLM) are
/// reported in [`AreaIts::notes`] rather than as errors.
///
/// # Errors
/// [`crate::Error::InvalidParam`] for an invalid confidence level.
pub fn interrupted_time_series(ev: &Evaluation, p: &ItsParams) -> Result<Vec<AreaIts>> {
    let z = z_for(ev.confidence)?;
    let d = ev.periods.intervention as f64 / DAY as f64;
    let idx: Vec<usize> = (0..ev.bins.len())
        .filter(|&i| ev.bins[i].period != Period::Gap && ev.bins[i].days > 0.0)
        .collect();
    let n_pre = idx
        .iter()
        .filter(|&&i| ev.bins[i].period == Period::Pre)
        .count();
    let n_post = idx.len() - n_pre;
    let harmonics = p
        .harmonics
        .unwrap_or(if ev.periods.pre_days >= 365.0 { 2 } else { 0 });
    // design
    let mut terms = vec![
        "intercept".to_string(),
        "trend_per_year".to_string(),
        "level_change".to_string(),
    ];
    if p.slope_change {
        terms.push("slope_change_per_year".into());
    }
    for k in 1..=harmonics {
        terms.push(format!("sin{k}"));
        terms.push(format!("cos{k}"));
    }
    let mut x = Vec::with_capacity(idx.len());
    let mut offset = Vec::with_capacity(idx.len());
    for &i in &idx {
        let b = &ev.bins[i];
        let mid = (b.start + b.end) as f64 / 2.0 / DAY as f64;
        let t = (mid - d) / 365.25;
        let post = f64::from(u8::from(b.period == Period::Post));
        let mut row = vec![1.0, t, post];
        if p.slope_change {
            row.push(t * post);
        }
        let doy = mid.rem_euclid(365.25);
        for k in 1..=harmonics {
            let a = std::f64::consts::TAU * k as f64 * doy / 365.25;
            row.push(a.sin());
            row.push(a.cos());
        }
        x.push(row);
        offset.push(b.days.ln());
    }
    let npar = terms.len();
    let mut out = Vec::with_capacity(ev.areas.len());
    for a in &ev.areas {
        let mut notes = Vec::new();
        let mut fits: [Option<ItsFit>; 3] = [None, None, None];
        if n_pre < 3 || n_post < 3 || idx.len() < npar + 2 {
            notes.push(format!(
                "interrupted time series needs at least 3 monthly bins before and after the intervention and more bins than {npar} parameters + 1 (have {n_pre} before, {n_post} after)"
            ));
        } else {
            for (col, zone) in ["treatment", "buffer", "control"].iter().enumerate() {
                if col == 1 && a.buffer <= 0.0 {
                    continue;
                }
                let y: Vec<f64> = idx.iter().map(|&i| a.series[i][col]).collect();
                if y.iter().sum::<f64>() <= 0.0 {
                    notes.push(format!("{zone}: no incidents, no time series fit"));
                    continue;
                }
                match fit_zone(&x, &y, &offset, p, z, &terms) {
                    Ok((f, note)) => {
                        if let Some(n) = note {
                            notes.push(format!("{zone}: {n}"));
                        }
                        fits[col] = Some(f);
                    }
                    Err(e) => notes.push(format!("{zone}: time series fit failed: {e}")),
                }
            }
        }
        let [treatment, buffer, control] = fits;
        let controlled_level_change = match (&treatment, &control) {
            (Some(t), Some(c)) => {
                let b = t.coef[2] - c.coef[2];
                let se = (t.se[2].powi(2) + c.se[2].powi(2)).sqrt();
                Some(ratio_estimate(b, se, z))
            }
            _ => None,
        };
        out.push(AreaIts {
            name: a.name.clone(),
            bin_index: idx.clone(),
            treatment,
            buffer,
            control,
            controlled_level_change,
            notes,
        });
    }
    Ok(out)
}

fn fit_zone(
    x: &[Vec<f64>],
    y: &[f64],
    offset: &[f64],
    p: &ItsParams,
    z: f64,
    terms: &[String],
) -> Result<(ItsFit, Option<String>)> {
    let gp = GlmParams::new();
    let (fit, note) = match fit_glm(x, y, Some(offset), p.family, &gp) {
        Ok(f) => (f, None),
        Err(e) if matches!(p.family, Family::NegativeBinomial { .. }) => (
            fit_glm(x, y, Some(offset), Family::Poisson, &gp)?,
            Some(if e.to_string().contains("diverges") {
                "no over-dispersion (negative binomial θ → ∞): Poisson used".to_string()
            } else {
                format!("negative binomial failed ({e}): Poisson used")
            }),
        ),
        Err(e) => return Err(e),
    };
    let scale = if fit.family == "poisson" {
        fit.dispersion.max(1.0).sqrt()
    } else {
        1.0
    };
    let se: Vec<f64> = fit.se.iter().map(|s| s * scale).collect();
    let eta = |row: &Vec<f64>, o: f64, full: bool| -> f64 {
        let mut e = o;
        for (j, (xj, bj)) in row.iter().zip(&fit.coef).enumerate() {
            let intervention_term = j == 2 || (p.slope_change && j == 3);
            if full || !intervention_term {
                e += xj * bj;
            }
        }
        e.exp()
    };
    let fitted = x
        .iter()
        .zip(offset)
        .map(|(r, o)| eta(r, *o, true))
        .collect();
    let counterfactual = x
        .iter()
        .zip(offset)
        .map(|(r, o)| eta(r, *o, false))
        .collect();
    Ok((
        ItsFit {
            family: fit.family.clone(),
            bins: y.len(),
            terms: terms.to_vec(),
            level_change: ratio_estimate(fit.coef[2], se[2], z),
            trend: ratio_estimate(fit.coef[1], se[1], z),
            slope_change: p
                .slope_change
                .then(|| ratio_estimate(fit.coef[3], se[3], z)),
            theta: fit.theta,
            dispersion: fit.dispersion,
            coef: fit.coef,
            se,
            fitted,
            counterfactual,
        },
        note,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate, Dispersion, EvaluateParams, TreatmentArea};
    use super::*;
    use crate::crs::CrsChoice;
    use crate::demo::{DEMO_CRS, DEMO_START_DAY};
    use crate::layer::Incidents;
    use crate::time::TimePrecision;

    /// Treatment site at (0, 0): one incident a day before July, one every other
    /// day after; control cell area far away: one a day all year.
    fn halved() -> Incidents {
        let mut inc = Incidents::empty(CrsChoice {
            input: DEMO_CRS,
            input_source: "test".into(),
            working: DEMO_CRS,
            reason: "test".into(),
        });
        let july = DEMO_START_DAY + 182;
        for day in DEMO_START_DAY..DEMO_START_DAY + 366 {
            let t = day * DAY + 12 * 3600;
            let mut push = |x: f64, y: f64| {
                inc.xy.push([x, y]);
                inc.time.push(Some(t));
                inc.precision.push(TimePrecision::Minute);
                inc.category.push(crate::layer::NO_CATEGORY);
                inc.row.push(inc.row.len() as u64 + 1);
            };
            if day < july || (day - july) % 2 == 0 {
                push(0.0, 0.0);
            }
            push(3000.0, 3000.0);
            push(-3000.0, -3000.0);
        }
        inc
    }

    /// The treated site of [`halved`] (no buffer) with its control square.
    fn halved_area() -> TreatmentArea {
        TreatmentArea::sites("t", &[[0.0, 0.0]], 10.0)
            .buffer(0.0)
            .control(vec![geo::Geometry::Rect(geo::Rect::new(
                (2900.0, 2900.0),
                (3100.0, 3100.0),
            ))])
    }

    #[test]
    fn interrupted_time_series_recovers_a_halving() {
        let inc = halved();
        let area = halved_area();
        let date = (DEMO_START_DAY + 182) * DAY;
        let p = EvaluateParams::at(date)
            .dispersion(Dispersion::Poisson)
            .its(Some(ItsParams {
                family: Family::Poisson,
                slope_change: true,
                harmonics: None,
            }));
        let ev = evaluate(&inc, &[area], &p).unwrap();
        let t = &ev.its[0];
        let f = t.treatment.as_ref().unwrap();
        assert_eq!(f.family, "poisson");
        assert!(
            (f.level_change.estimate - 0.5).abs() < 0.03,
            "{:?}",
            f.level_change
        );
        assert!((f.trend.estimate - 1.0).abs() < 0.05, "{:?}", f.trend);
        let c = t.controlled_level_change.unwrap();
        assert!(c.covers(0.5), "{c:?}");
        let ctl = t.control.as_ref().unwrap();
        assert!(
            (ctl.level_change.estimate - 1.0).abs() < 1e-6,
            "{:?}",
            ctl.level_change
        );
        // the counterfactual continues the pre-period level
        let post0 = t
            .bin_index
            .iter()
            .position(|&i| ev.bins[i].period == Period::Post)
            .unwrap();
        let days = ev.bins[t.bin_index[post0]].days;
        assert!((f.counterfactual[post0] / days - 1.0).abs() < 0.05);
        assert!(ev.to_markdown().contains("Interrupted time series"));
    }

    #[test]
    fn interrupted_time_series_needs_enough_bins() {
        let inc = halved();
        let area = halved_area();
        // two months before and after
        let p = EvaluateParams::periods(
            ((DEMO_START_DAY + 121) * DAY, (DEMO_START_DAY + 182) * DAY),
            ((DEMO_START_DAY + 182) * DAY, (DEMO_START_DAY + 243) * DAY),
        )
        .dispersion(Dispersion::Poisson);
        let ev = evaluate(&inc, &[area], &p).unwrap();
        assert!(ev.its[0].treatment.is_none());
        assert!(
            ev.its[0].notes[0].contains("at least 3 monthly bins"),
            "{:?}",
            ev.its[0].notes
        );
    }
}
