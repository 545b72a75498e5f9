//! Design proposals: what a change to the built environment does to crime risk
//! and to free access to public space, side by side.
//!
//! * [`network`] — a walking network from street and path lines (nodes at
//!   endpoints and intersections, snapping tolerance reported), bounded
//!   Dijkstra on a CSR graph, and the access measures: reachability
//!   (street length and public space within 400/800 m, after cityseer), detour
//!   ratios, local edge betweenness (Brandes 2001) and public-space changes.
//! * [`proposal`] — the proposal GeoJSON schema, its validation (errors name the
//!   feature index and property) and applying a proposal to the layers.
//! * [`risk`] — the boundary to a risk model ([`risk::RiskModel`]) and a simple
//!   log-linear factor model ([`risk::FactorModel`]) with simulated intervals.
//! * [`mod@assess`] — the assessment of one or more proposals: per proposal and per
//!   action access change, risk change, verdict against free access to public
//!   space (UN Guidelines for the Prevention of Crime, 2002, §26(d)) and
//!   dominated proposals; Markdown/HTML reports, GeoJSON and PNG maps.
//! * [`report`] — Markdown/HTML summaries, GeoJSON of the changes, PNG maps.
//! * [`demo`] — the two demo-city proposals (repair lights, gate a park).

pub mod assess;
pub mod demo;
pub mod network;
pub mod proposal;
pub mod report;
pub mod risk;
#[cfg(test)]
mod tests;

pub use assess::{assess, AccessThresholds, AssessParams, Assessment, HoursWeighted};
pub use proposal::{read_proposals, ActionKind, Proposal, Study};
pub use risk::{FactorModel, RiskModel};
