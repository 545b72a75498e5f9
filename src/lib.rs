//! # crimescape
//!
//! Geospatial situational crime prevention: load incident points and
//! built-environment layers, find high-crime places, repeat and near-repeat
//! victimization, score places for environmental-design changes, assess design
//! proposals, and evaluate interventions — in metres, deterministically, fast.
//!
//! ## By task
//! * **Load**: [`load_incidents`] / [`load_layer`] with [`LoadOptions`] → [`Incidents`],
//!   [`Layer`] and a [`LoadReport`] that counts every rejected row by reason.
//! * **CRS**: [`crs`] — geographic input is projected to the UTM zone of the data.
//! * **Index**: [`PointIndex`], [`GeometryIndex`] (R-trees) for nearest/within queries.
//! * **Grids**: [`Grid`], [`PrefixSum`].
//! * **Demo city**: [`demo::generate`] with a known ground truth.
//! * **Provenance**: [`Provenance`] for every output.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod crs;
pub mod demo;
pub mod error;
pub mod glm;
pub mod grid;
pub mod index;
pub mod info;
pub mod io;
pub mod layer;
pub mod render;
pub mod report;
pub mod risk;
pub mod time;

pub use access::{assess, AccessThresholds, AssessParams, Assessment, Proposal, RiskModel, Study};
pub use crs::{Crs, CrsChoice, Reprojector};
pub use error::{Error, Result};
pub use grid::{Grid, PrefixSum};
pub use index::{GeometryIndex, PointIndex};
pub use io::{
    load_incidents, load_layer, LayerOptions, LayerReport, LoadOptions, LoadReport, RejectReason,
    WhereFilter,
};
pub use layer::{Incidents, Layer};
pub use report::Provenance;
pub use time::TimePrecision;
