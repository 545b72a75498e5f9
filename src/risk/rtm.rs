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

mod apply;
mod fit;
mod model;
mod params;
mod select;

pub use apply::*;
pub use fit::*;
pub use model::*;
pub use params::*;
use select::*;

#[cfg(test)]
mod tests;
