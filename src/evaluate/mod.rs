//! Evaluating interventions: before/after with a control, displacement and
//! diffusion of benefits, cost-benefit.
//!
//! # What it computes
//! For each [`TreatmentArea`], incidents are counted in the **pre** and **post**
//! periods in the treatment area, its buffer ring and a control area (given, or
//! chosen automatically as grid cells with a similar pre-period level and trend).
//! From these counts:
//! * the relative effect size of Farrington & Welsh (2005), an odds ratio with its
//!   interval, and the relative change it implies ([`stats::odds_ratio`]);
//! * a difference-in-differences estimate in incidents ([`stats::did_counts`]);
//! * the Weighted Displacement Quotient of Bowers & Johnson (2003) with its
//!   components ([`stats::wdq`]) and the buffer's own odds ratio against the control;
//! * the total net effect in incidents prevented ([`stats::net_effect`]);
//! * optionally a cost-benefit account from user costs ([`CostSpec`]);
//! * a placebo check of parallel pre-period trends (the odds ratio between the two
//!   halves of the pre period);
//! * monthly counts per zone for plots and interrupted time series;
//! * a plain-language reading with the conditions it rests on.
//!
//! Several areas are evaluated at once; their odds ratios are then pooled
//! (inverse-variance fixed effect, with Cochran's Q and I²).
//!
//! # Periods
//! Periods are half-open `[start, end)` in local-clock seconds. Given only an
//! intervention date `D`, the periods are the longest equal spans on both sides
//! inside the data: `pre = [D − L, D)`, `post = [D, D + L)`, with the data span
//! running from the first incident's day to the end of the last incident's day.
//!
//! # Over-dispersion
//! Crime counts vary more than Poisson counts (repeats, near repeats). By default
//! the variances are inflated by `φ = max(1, X²/df)`, the Pearson statistic of the
//! monthly pre-period counts of each zone of the area around a constant rate
//! ([`stats::pearson_dispersion`]); trends and seasonality raise `φ`, which keeps
//! the intervals conservative. See [`Dispersion`].

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
