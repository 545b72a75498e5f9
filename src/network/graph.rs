//! The street network: nodes, undirected edges with lengths, a CSR adjacency and
//! bounded Dijkstra. One model for every network analysis (walking access,
//! network KDE, network K, segment hot spots, network near repeats).
//!
//! # Building ([`Network::build`])
//! Every input line is a polyline in the working CRS (metres). Nodes are made at
//! * the two endpoints of every line;
//! * **T-junctions**: where a line's endpoint lies within the snapping tolerance of
//!   another line's interior (that line is split there);
//! * **crossings**: where two segments of different lines properly cross (both are
//!   split), unless [`NetworkParams::split_crossings`] is off (bridges/tunnels);
//! * interior vertices shared (within the tolerance) with another line or a node.
//!
//! Node candidates within the tolerance of each other are merged greedily in
//! `(x, y)` order (the first candidate's position is the node's position). The
//! [`BuildReport`] says how many line endpoints were joined only thanks to the
//! tolerance (`snapped_endpoints`) and the largest snap distance. Edges are the
//! pieces of lines between nodes; an edge's length is the length of its piece
//! of the input line (snapping moves ends by at most the tolerance). Zero-length
//! loops created by snapping are dropped and counted. Edges are undirected
//! (walking). An edge's geometry runs from node `a` to node `b`.
//!
//! # Shortest paths
//! Dijkstra's algorithm on a compressed adjacency (CSR) with a binary heap,
//! bounded by a distance (inclusive), with ties in the heap broken by node id and
//! the first relaxation kept on equal distances, so results are deterministic.
//! [`Network::dijkstra_multi`] starts from several nodes at given distances (a
//! point inside an edge is the two ends of its edge, see [`super::paths`]). A
//! scenario is a mask `open[e]` over the edges, so "before" and "after" a design
//! proposal share one node set and compare node by node.

mod build;
mod dijkstra;
mod geometry;
mod layer;

pub use dijkstra::Workspace;
pub(crate) use geometry::polyline_length;
pub use layer::LayerNetwork;

use geo::LineString;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Parameters of [`Network::build`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkParams {
    /// Points (line ends, junctions) closer than this are the same node (m). Default 1 m.
    pub snap_tolerance: f64,
    /// Split lines where they properly cross (default true; turn off when crossings
    /// are bridges or tunnels that are not junctions).
    pub split_crossings: bool,
}

impl Default for NetworkParams {
    fn default() -> Self {
        NetworkParams {
            snap_tolerance: 1.0,
            split_crossings: true,
        }
    }
}

impl NetworkParams {
    /// Defaults (1 m tolerance, split crossings).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the snapping tolerance (m).
    pub fn snap_tolerance(mut self, t: f64) -> Self {
        self.snap_tolerance = t;
        self
    }
    /// Sets whether proper crossings become junctions.
    pub fn split_crossings(mut self, yes: bool) -> Self {
        self.split_crossings = yes;
        self
    }
}

/// An undirected edge between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// One end (node id).
    pub a: u32,
    /// The other end (node id).
    pub b: u32,
    /// Length (m).
    pub length: f64,
    /// Index of the input line this edge is a piece of.
    pub line: u32,
}

/// What [`Network::build`] did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuildReport {
    /// Input lines (polylines).
    pub lines: usize,
    /// Lines skipped because they have fewer than two distinct vertices.
    pub degenerate_lines: usize,
    /// Nodes.
    pub nodes: usize,
    /// Edges.
    pub edges: usize,
    /// Line endpoints (2 per line).
    pub endpoints: usize,
    /// Line endpoints joined to a node at another position thanks to the tolerance.
    pub snapped_endpoints: usize,
    /// Largest distance an endpoint was moved by snapping (m).
    pub max_snap_m: f64,
    /// Lines split at a T-junction (an endpoint on another line's interior).
    pub t_junctions: usize,
    /// Proper crossings split.
    pub crossings: usize,
    /// Zero-length loops dropped after snapping.
    pub dropped_zero_length: usize,
    /// Total edge length (m).
    pub total_length_m: f64,
    /// Connected components (isolated nodes count as components).
    pub components: usize,
    /// The tolerance used (m).
    pub snap_tolerance_m: f64,
}

/// A walking network: nodes, undirected edges with lengths, CSR adjacency.
#[derive(Debug, Clone)]
pub struct Network {
    /// Node positions (working CRS, m).
    pub nodes: Vec<[f64; 2]>,
    /// Edges.
    pub edges: Vec<Edge>,
    /// Geometry of each edge (for maps and GeoJSON).
    pub geometry: Vec<LineString<f64>>,
    offsets: Vec<u32>,
    adj: Vec<(u32, u32)>,
    /// Build statistics (snapping, splits).
    pub report: BuildReport,
}

impl Network {
    /// A network from explicit nodes and edges (for hand-made graphs and tests);
    /// edge geometry is the straight segment between the nodes.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if an edge names a missing node; [`Error::BadValue`]
    /// if it has a negative or non-finite length.
    pub fn from_edges(nodes: Vec<[f64; 2]>, edges: &[(u32, u32, f64)]) -> Result<Network> {
        let mut es = Vec::with_capacity(edges.len());
        let mut geometry = Vec::with_capacity(edges.len());
        for (k, &(a, b, len)) in edges.iter().enumerate() {
            if a as usize >= nodes.len() || b as usize >= nodes.len() {
                return Err(Error::invalid_param(
                    "edges",
                    format!("edge {k} ({a}, {b})"),
                    format!(
                        "the edge names a node that does not exist ({} nodes)",
                        nodes.len()
                    ),
                ));
            }
            if !(len.is_finite() && len >= 0.0) {
                return Err(Error::BadValue {
                    what: "edge length",
                    index: k,
                    value: len,
                    expected: "not a finite length >= 0",
                });
            }
            es.push(Edge {
                a,
                b,
                length: len,
                line: k as u32,
            });
            let (p, q) = (nodes[a as usize], nodes[b as usize]);
            geometry.push(LineString::from(vec![(p[0], p[1]), (q[0], q[1])]));
        }
        let report = BuildReport {
            lines: edges.len(),
            nodes: nodes.len(),
            edges: es.len(),
            endpoints: 2 * es.len(),
            total_length_m: es.iter().map(|e| e.length).sum(),
            ..Default::default()
        };
        let mut net = Network::from_parts(nodes, es, geometry, report);
        let comp = net.components(&vec![true; net.edges.len()]);
        net.report.components = comp.iter().copied().max().map_or(0, |m| m as usize + 1);
        Ok(net)
    }

    fn from_parts(
        nodes: Vec<[f64; 2]>,
        edges: Vec<Edge>,
        geometry: Vec<LineString<f64>>,
        report: BuildReport,
    ) -> Network {
        let n = nodes.len();
        let mut deg = vec![0u32; n + 1];
        for e in &edges {
            deg[e.a as usize] += 1;
            if e.b != e.a {
                deg[e.b as usize] += 1;
            }
        }
        let mut offsets = vec![0u32; n + 1];
        for i in 0..n {
            offsets[i + 1] = offsets[i] + deg[i];
        }
        let mut fill = offsets.clone();
        let mut adj = vec![(0u32, 0u32); offsets[n] as usize];
        for (k, e) in edges.iter().enumerate() {
            adj[fill[e.a as usize] as usize] = (e.b, k as u32);
            fill[e.a as usize] += 1;
            if e.b != e.a {
                adj[fill[e.b as usize] as usize] = (e.a, k as u32);
                fill[e.b as usize] += 1;
            }
        }
        Network {
            nodes,
            edges,
            geometry,
            offsets,
            adj,
            report,
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Neighbours of node `u` as `(node, edge)` pairs.
    pub fn neighbours(&self, u: u32) -> &[(u32, u32)] {
        &self.adj[self.offsets[u as usize] as usize..self.offsets[u as usize + 1] as usize]
    }

    /// Number of edge ends at node `u` (a loop edge counts twice): the degree used
    /// by the equal-split kernels.
    pub fn degree(&self, u: u32) -> usize {
        self.neighbours(u)
            .iter()
            .map(|&(_, e)| {
                let ed = &self.edges[e as usize];
                if ed.a == ed.b {
                    2
                } else {
                    1
                }
            })
            .sum()
    }

    /// Total edge length (m).
    pub fn total_length(&self) -> f64 {
        self.edges.iter().map(|e| e.length).sum()
    }
}

#[cfg(test)]
mod tests;
