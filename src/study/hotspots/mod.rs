//! Hot spot studies: grid counts, kernel density, Gi*, Local Moran, change between
//! two periods, classification over periods, emerging hot spots, and Gi*/LISA on any
//! layer. Each writes `<stem>.csv` and `<stem>.geojson` (one row/feature per analysis
//! cell), PNG maps and a `<stem>.json` summary, with provenance.

use geo::MultiPolygon;
use serde::Serialize;
use serde_json::{json, Value};

use super::{IncidentInput, StudyLayer};
use crate::crs::CrsChoice;
use crate::error::{Error, Result};
use crate::export::{
    features, features_indexed, json_properties, table, table_indexed, Cell, Column, Export,
    Figure, InputFile, Outputs, Property, Provenance,
};
use crate::hotspot::change::{emerging_hotspots, EmergingClass, EmergingResult};
use crate::hotspot::kde::{bandwidth_arcgis, DualKdeResult, DualMode, KdeResult};
use crate::hotspot::{
    build_grid, build_hex, classify_periods, count_change, count_in_features, dual_kde, gi_star,
    grid_counts, grid_weights, hex_counts, kde, local_moran, CellGrid, ChangeParams, ChangeResult,
    ClassifyParams, ClassifyResult, Extent, FeatureCounts, GiStarParams, GiStarResult, GridCounts,
    GridParams, HexCells, HotspotClass, KdeParams, LocalMoranParams, LocalMoranResult, Weights,
    WeightsSpec,
};
use crate::layer::{Incidents, Layer};
use crate::render::{self, ColourScale, MapOptions, Overlay, Rgba};
use crate::when::incidents::{group_signatures, SignatureColumns, SignatureParams};

mod bandwidth;
mod cells;
mod change;
mod classify;
mod density;
mod emerging;
mod gistar;
mod grid;
mod layer;
mod map;
mod moran;
mod neighbours;
mod periods;
mod study;

pub use cells::*;
pub use change::*;
pub use classify::*;
pub use density::*;
pub use emerging::*;
pub use gistar::*;
pub use grid::*;
pub use layer::*;
pub use map::*;
pub use moran::*;
pub use neighbours::{NeighbourSpec, Neighbours};
pub use periods::PeriodStudyParams;
pub use study::HotspotStudy;
