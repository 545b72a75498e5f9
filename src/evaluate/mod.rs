//! Evaluating interventions: before/after with a control, displacement and
//! diffusion of benefits, cost-benefit.
//!
//! The method, periods and over-dispersion are documented on [`evaluate`], the
//! entry point (the module is private; its items are re-exported at the crate root).

pub mod areas;
pub mod cost;
pub mod its;
pub mod simulate;
pub mod stats;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use areas::{ControlInfo, TreatmentArea, Zone, DEFAULT_BUFFER};
pub use cost::{cost_benefit, CategoryCounts, CostBenefit, CostLine, CostSpec};
pub use its::{interrupted_time_series, AreaIts, ItsFit, ItsParams};
pub use stats::{Estimate, NetEffect, Pooled, Wdq};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::layer::{Incidents, NO_CATEGORY};
use crate::time::{self, TimePrecision, DAY};
use areas::{check_control_overlap, choose_control, relative_trend, AreaIndex, ControlSearch};

mod compute;
mod params;
mod periods;
mod report;
mod results;

pub use compute::*;
pub use params::*;
pub use periods::*;
pub use report::*;
pub use results::*;

#[cfg(test)]
mod tests;
