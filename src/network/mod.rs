//! The street network as the space of analysis.
//!
//! Crime at place concentrates on street segments and people move along streets,
//! not through walls: a planar 400 m disc around a bar counts incidents across a
//! river that are 2 km away on foot. This module holds the one network model every
//! network-constrained analysis uses (Okabe & Sugihara 2012, *Spatial Analysis
//! along Networks*):
//!
//! * [`graph`] — the network: nodes at line ends, junctions and crossings (with a
//!   snapping tolerance), undirected edges with lengths, CSR adjacency, bounded
//!   multi-source Dijkstra. The walking network of [`crate::access`] is this one.

pub mod graph;

pub use graph::{BuildReport, Edge, LayerNetwork, Network, NetworkParams, Workspace};
