//! A fitted risk terrain model and what a fit reports (factor rows, diagnostics).

use super::*;

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
