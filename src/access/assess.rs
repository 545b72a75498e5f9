//! Assessing design proposals: access change and risk change, side by side.
//!
//! # Algorithm
//! 1. Every proposal is applied to the study's layers (`proposal::apply`).
//! 2. One walking network is built from the union of the base network lines and
//!    every line the proposals add, so that before and after share nodes; each
//!    scenario is a mask of open edges. An edge is closed in a scenario when its
//!    line is removed or closed, when a fence crosses it, or when its midpoint lies
//!    in a gated or enclosed public space. Time-restricted closures are assessed
//!    **while in force** (the worst hour), and the hours per day are reported.
//! 3. Access measures (see [`SpaceAccess`]) before and after: reachability at
//!    each distance (mean over the nodes with an open edge before), detour for
//!    pairs within the detour radius, local edge betweenness, public space
//!    enclosed / time-restricted / opened and frontage lost.
//! 4. With a [`RiskModel`], expected incidents before and after (a model estimate).
//!    With the incidents' hour-of-week profile ([`AssessParams::incident_times()`]), a
//!    proposal with time-restricted actions (`close`/`fence`/`gate` with `hours` or
//!    `days`) is also **hours-weighted** ([`HoursWeighted`]):
//!
//!    `prevented_hw = s · prevented_in_force + (1 − s) · prevented_out_of_force`
//!
//!    where `s` is the share of the incidents (aoristic weights, hour-of-week bins,
//!    each bin counted by the minutes of it the restrictions are in force) that fall
//!    while the restrictions are in force, `prevented_in_force` the change with every
//!    action applied and `prevented_out_of_force` the change with only the actions that
//!    are not time-restricted (0 for a proposal of timed actions only). Assumptions:
//!    the risk model's expected incidents follow the incidents' week profile at every
//!    place, and a restriction acts only while in force (no displacement in time, no
//!    lasting effect); several timed actions are taken to be in force together during
//!    the union of their hours.
//! 5. Each proposal and, with [`AssessParams::per_action`], each action alone gets a
//!    verdict against [`AccessThresholds`]; restrictive actions that cross a
//!    threshold are flagged as conflicting with free access to public space (UN
//!    Guidelines for the Prevention of Crime, ECOSOC res. 2002/13, §26(d)) and
//!    the less restrictive alternative — repairing the street lights that are out
//!    around the restricted place — is assessed with the same model.
//! 6. A proposal is **dominated** when another prevents at least as many expected
//!    incidents while losing no more street reach and no more public space, and is
//!    strictly better in one of these.

use std::collections::HashMap;

use geo::{BoundingRect, Contains, Geometry, Intersects, LineString, Point, Polygon};
use serde::{Deserialize, Serialize};

use super::network;
use super::network::{BuildReport, DetourSummary, Network, NetworkParams, SpaceAccess};
use super::proposal::{
    self, union_minutes, ActionKind, Applied, Hours, Origin, Proposal, Restriction, Study,
};
use super::risk::{RiskChange, RiskModel};
use crate::error::{Error, Result};
use crate::index::{point_geometry_distance, GeometryIndex};
use crate::when::WeekProfile;

mod context;
mod hours;
mod params;
mod results;
mod run;
mod verdict;

pub use hours::*;
pub use params::*;
pub use results::*;
pub use run::*;
use verdict::*;

type LineKey = (Option<usize>, String, Origin, usize);

struct Ctx<'a> {
    study: &'a Study,
    params: &'a AssessParams,
    net: Network,
    keys: Vec<LineKey>,
    space_keys: Vec<(Option<usize>, String, Origin)>,
    spaces: SpaceAccess,
    space_geoms: Vec<Geometry<f64>>,
    edge_index: GeometryIndex,
    before: Vec<bool>,
    active_before: Vec<bool>,
    origins: Vec<bool>,
    reach_before: super::network::Reach,
    bc_before: Vec<f64>,
    base: Applied,
    model: Option<&'a dyn RiskModel>,
}
