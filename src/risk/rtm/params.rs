//! The inputs of a fit: layers with their filters and the fitting parameters.

use super::*;

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
