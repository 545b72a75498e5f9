//! Evaluation of an intervention: before/after counts in treatment, buffer and control
//! areas, displacement, interrupted time series, cost-benefit: `evaluation.json`,
//! `evaluation.md`, `timeseries_<area>.png`, `areas.png`, `areas.geojson`.
//!
//! One file per part: the settings written as text, the treatment areas, the inputs
//! read besides the incidents, the study and its outputs.

mod areas;
mod inputs;
mod outputs;
mod settings;
mod study;

pub use areas::{treatment_areas, AreaParams};
pub use inputs::{read_costs, EvaluationInputs};
pub use settings::{evaluate_params, parse_span, ItsModel};
pub use study::{evaluate_study, EvaluateStudy};

#[cfg(test)]
mod tests;
