//! Risk terrain modelling: fit a model, re-apply a saved model to changed layers, and
//! validate a model fitted on one period on the next.
//!
//! One file per step: the inputs ([`RiskInput`]), [`fit`], [`apply`] (of a saved model),
//! [`validate`], and the risk surface that a fit and an application both write.

mod apply;
mod fit;
mod input;
mod surface;
mod validate;

pub use apply::{apply, load_model, read_model, ApplyStudy, SavedModel};
pub use fit::{factor_table, fit, FitStudy, FitStudyParams, Operationalisations};
pub use input::{RiskInput, RiskLayer};
pub use validate::{validate, validation_table, ValidateStudy, ValidateStudyParams};

#[cfg(test)]
mod tests;
