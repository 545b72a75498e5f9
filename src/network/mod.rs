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
//! * [`snap`] — positions on edges, snapping points within a tolerance, and
//!   [`NetworkSpace`] (network + snapping index + tolerance).
//! * [`paths`] — shortest-path distances between positions, distance matrices,
//!   points within a distance (one bounded Dijkstra per origin, in parallel).
//! * [`lixel`] — edges cut into short pieces, the sampling units of network KDE.
//! * [`kde`] — network KDE in spNetwork's simple, discontinuous and continuous
//!   forms (quartic, triangular, Gaussian), per-metre density per lixel.
//! * [`kfunction`] — network K and cross K functions (Okabe & Yamada 2001) with
//!   Monte Carlo envelopes; spaghetti's `GlobalAutoK` values for parity.
//! * [`segments`] — Gi* and Local Moran on street segments with network
//!   neighbours, joined with the law of crime concentration.
//!
//! Near repeats on the network: [`crate::repeat::knox::Metric::Network`] (Knox) and
//! [`crate::repeat::chains::ChainParams::network`] (chains) run in a [`NetworkSpace`].
//!
//! # Examples
//! ```
//! use crimescape::{nkde_study, Network, NetworkParams, NetworkSpace, NkdeParams};
//! use geo::LineString;
//! // two parallel streets 60 m apart (a river between them), one bridge at x = 1000
//! let lines = vec![
//!     LineString::from(vec![(-1000.0, 0.0), (1000.0, 0.0)]),
//!     LineString::from(vec![(-1000.0, 60.0), (1000.0, 60.0)]),
//!     LineString::from(vec![(1000.0, 0.0), (1000.0, 60.0)]),
//! ];
//! let net = Network::build(&lines, &NetworkParams::new()).unwrap();
//! let space = NetworkSpace::new(net, 25.0).unwrap();
//! let incidents = [[100.0, 3.0], [120.0, -4.0], [140.0, 2.0]];
//! let st = nkde_study(&space, &incidents, None, &NkdeParams::new(300.0)).unwrap();
//! // the far bank, opposite the incidents, gets nothing: it is 1.8 km away on foot
//! let far = space.snap([120.0, 60.0]).unwrap().0;
//! let k = st.lixels.of_edge(far.edge)
//!     .find(|&k| st.lixels.start[k] <= far.offset && far.offset <= st.lixels.end[k])
//!     .unwrap();
//! assert_eq!(st.density[k], 0.0);
//! assert!((st.mass - 3.0).abs() < 0.05); // continuous form: mass kept (dead ends aside)
//! ```

pub mod graph;
pub mod kde;
pub mod kfunction;
pub mod lixel;
#[cfg(test)]
mod parity;
pub mod paths;
#[cfg(test)]
mod repeat_tests;
pub mod segments;
#[cfg(test)]
mod simulation;
pub mod snap;

pub use graph::{BuildReport, Edge, LayerNetwork, Network, NetworkParams, Workspace};
pub use kde::{nkde, nkde_study, NetKernel, NkdeMethod, NkdeParams, NkdeStudy};
pub use kfunction::{
    k_study, network_cross_k, network_k, uniform_points, KEnvelope, KParams, KResult, KStudy,
};
pub use lixel::Lixels;
pub use paths::{PointsByEdge, ReachBuffers};
pub use segments::{
    segment_hotspots, segment_weights, SegmentHotspotParams, SegmentHotspots, SegmentRow,
    SegmentValue, SegmentWeights,
};
pub use snap::{NetPos, NetworkSpace, Snapped};
