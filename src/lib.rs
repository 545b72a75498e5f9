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
//! * **High-crime places**: [`hotspot`] — grid counts, [`kde()`], [`gi_star`],
//!   [`local_moran`], change over time; global autocorrelation ([`global_moran`],
//!   [`geary_c`], [`general_g`]) and the scale of clustering
//!   ([`hotspot::incremental_autocorrelation`], [`hotspot::choose_gistar_band`]).
//! * **Point patterns**: [`pattern`] — nearest neighbour index, Ripley's K/L, cross-K,
//!   with CSR envelopes on the study area.
//! * **Demo city**: [`demo::generate`] with a known ground truth.
//! * **Clusters**: [`cluster`] — DBSCAN / space-time DBSCAN (scikit-learn semantics),
//!   cluster summaries with convex hulls and standard deviational ellipses.
//! * **Street segments**: [`street`] — segments, snapping, counts per 100 m;
//!   [`concentration`] — law of crime concentration, Lorenz curve, Gini.
//! * **Prediction accuracy**: [`accuracy`] — hit rate, PAI, PEI, RRI.
//! * **Repeat victimization**: [`knox`] near-repeat test ([`KnoxParams`]), exact
//!   repeats, near-repeat chains, prospective maps in [`repeat`].
//! * **Evaluate interventions**: [`evaluate::evaluate`] — before/after with a control,
//!   odds ratio, difference in differences, WDQ displacement, cost-benefit.
//! * **When**: [`when`] — occurrence windows, aoristic hour-of-week profiles
//!   (R `aoristic` parity), NOAA sunrise/sunset and night shares, temporal signatures
//!   of places with a permutation test, time filters, the Knox window rule.
//! * **Publishing safely**: [`disclosure`] — a public-audience [`disclosure::Disclosure`]
//!   policy, small-count and complementary suppression with an audit, anonymous map
//!   points, a re-identification scanner.
//! * **Provenance**: [`Provenance`] for every output.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod accuracy;
pub mod cluster;
pub mod concentration;
pub mod crs;
pub mod demo;
pub mod demo_run;
pub mod disclosure;
pub mod error;
pub mod evaluate;
pub mod export;
pub mod glm;
pub mod grid;
pub mod hotspot;
pub mod index;
pub mod info;
pub mod io;
pub mod layer;
pub mod limits;
pub mod network;
pub mod pattern;
pub mod render;
pub mod repeat;
pub mod risk;
pub mod special;
pub mod street;
pub mod study;
pub mod time;
pub mod when;

pub use access::{assess, AccessThresholds, AssessParams, Assessment, Proposal, RiskModel, Study};
pub use crs::{Crs, CrsChoice, Reprojector};
pub use error::{Error, Result};
pub use export::Provenance;
pub use grid::{Grid, PrefixSum};
pub use hotspot::{
    build_grid, dual_kde, geary_c, general_g, gi_star, global_moran, grid_counts, kde, local_moran,
    CellGrid, GiStarParams, GlobalParams, GridParams, KdeParams, LocalMoranParams, WeightsSpec,
};
pub use index::{GeometryIndex, PointIndex};
pub use io::Attributes;
pub use io::{
    load_incidents, load_layer, LayerOptions, LayerReport, LoadOptions, LoadReport, RejectReason,
    WhereFilter,
};
pub use layer::{Incidents, Layer};
pub use pattern::{cross_k, nearest_neighbour_index, ripley_k, StudyArea};
pub use repeat::knox::{knox, KnoxParams, KnoxResult, Metric};
pub use time::TimePrecision;
