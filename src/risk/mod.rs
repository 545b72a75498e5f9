//! Risk terrain modelling and ranked sites for situational crime prevention.
//!
//! * [`factors`]: built-environment layers → 0/1 cell indicators (proximity, density).
//! * [`null`]: the spatial null test of selected factors (toroidal shifts).
//! * [`rtm`]: the risk terrain model (elastic-net screen, stepwise BIC, Poisson/NB),
//!   saved and re-applied to changed layers; [`model_file`] reads saved models back,
//!   checking every value, the CRS and the grid's cover of the study area.
//! * [`sites`]: ranked cells, street segments or user sites with transparent score
//!   components (burden, persistence, repeats, risk, modifiable share) and CPTED suggestions.
//! * [`validate`]: fit on one period, test on the next (PAI / hit rate vs KDE, Gi*, counts).

pub mod factors;
#[cfg(test)]
#[path = "tests/fixtures.rs"]
pub(crate) mod fixtures;
pub mod model_file;
pub mod null;
pub mod rtm;
pub mod sites;
pub mod validate;

pub use factors::{FactorParams, FactorVariable, Operationalisation};
pub use model_file::{read_model, ModelFile};
pub use null::{FactorNullTest, SpatialNullParams};
pub use rtm::{
    apply_model, fit_rtm, fit_rtm_in, FactorRow, LayerInput, RtmModel, RtmParams, RtmResult,
};
pub use sites::{
    rank_cells, rank_sites, AccessClass, CptedMapping, Seriousness, SeriousnessReport, Site,
    SiteComponents, SiteParams, SiteRanking, SiteUnits, SiteWeights,
};
pub use validate::{validate_rtm, validate_rtm_samples, RtmValidation, ValidateParams};
