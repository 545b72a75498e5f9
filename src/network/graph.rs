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

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use geo::{Geometry, LineString};
use rstar::primitives::{GeomWithData, Line};
use rstar::{RTree, RTreeObject};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::PointIndex;
use crate::layer::Layer;

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

type Seg = GeomWithData<Line<[f64; 2]>, (u32, u32)>;
/// A proper crossing: (line, segment), parameter on it, the other (line, segment), its parameter.
type Crossing = ((u32, u32), f64, (u32, u32), f64);

fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
}

/// Proper crossing of segments `p0p1` and `q0q1`: parameters `(t, u)` on each.
fn crossing(p0: [f64; 2], p1: [f64; 2], q0: [f64; 2], q1: [f64; 2]) -> Option<(f64, f64)> {
    let r = [p1[0] - p0[0], p1[1] - p0[1]];
    let s = [q1[0] - q0[0], q1[1] - q0[1]];
    let den = r[0] * s[1] - r[1] * s[0];
    let scale = (r[0].hypot(r[1])) * (s[0].hypot(s[1]));
    if scale == 0.0 || den.abs() <= 1e-12 * scale {
        return None; // parallel or degenerate (collinear overlaps are not junctions)
    }
    let qp = [q0[0] - p0[0], q0[1] - p0[1]];
    let t = (qp[0] * s[1] - qp[1] * s[0]) / den;
    let u = (qp[0] * r[1] - qp[1] * r[0]) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some((t, u))
}

impl Network {
    /// Builds the network from polylines (see the module docs for the rules).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a negative or non-finite tolerance,
    /// [`Error::NonFinitePoint`] for a non-finite coordinate (naming the line),
    /// [`Error::Limit`] for more than 2³² − 2 nodes.
    ///
    /// # Examples
    /// ```
    /// use crimescape::{Network, NetworkParams};
    /// use geo::LineString;
    /// // a cross: two lines crossing at (0, 0), and a path ending 0.5 m from one of them
    /// let lines = vec![
    ///     LineString::from(vec![(-100.0, 0.0), (100.0, 0.0)]),
    ///     LineString::from(vec![(0.0, -100.0), (0.0, 100.0)]),
    ///     LineString::from(vec![(50.0, 0.5), (50.0, 80.0)]),
    /// ];
    /// let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    /// assert_eq!(net.report.crossings, 1);
    /// assert_eq!(net.report.t_junctions, 1);
    /// assert_eq!(net.report.snapped_endpoints, 1);
    /// assert_eq!(net.edges.len(), 6);
    /// ```
    pub fn build(lines: &[LineString<f64>], params: &NetworkParams) -> Result<Network> {
        let tol = params.snap_tolerance;
        if !(tol.is_finite() && tol >= 0.0) {
            return Err(Error::invalid_param(
                "snap_tolerance",
                tol,
                "a snapping tolerance must be a distance >= 0 m",
            ));
        }
        let mut report = BuildReport {
            lines: lines.len(),
            snap_tolerance_m: tol,
            ..Default::default()
        };
        // clean polylines
        let mut pts: Vec<Vec<[f64; 2]>> = Vec::with_capacity(lines.len());
        for (li, l) in lines.iter().enumerate() {
            let mut v: Vec<[f64; 2]> = Vec::with_capacity(l.0.len());
            for c in &l.0 {
                if !(c.x.is_finite() && c.y.is_finite()) {
                    return Err(Error::NonFinitePoint {
                        what: "network line",
                        index: li,
                        x: c.x,
                        y: c.y,
                    });
                }
                if v.last() != Some(&[c.x, c.y]) {
                    v.push([c.x, c.y]);
                }
            }
            if v.len() < 2 {
                report.degenerate_lines += 1;
                v.clear();
            }
            pts.push(v);
        }
        let nl = pts.len();
        let segs: Vec<Seg> = pts
            .iter()
            .enumerate()
            .flat_map(|(li, p)| {
                p.windows(2).enumerate().map(move |(k, w)| {
                    GeomWithData::new(Line::new(w[0], w[1]), (li as u32, k as u32))
                })
            })
            .collect();
        let tree = RTree::bulk_load(segs);

        let mut cands: Vec<[f64; 2]> = Vec::new();
        let mut is_end: Vec<bool> = Vec::new();
        let mut vert_cand: Vec<Vec<Option<u32>>> =
            pts.iter().map(|p| vec![None; p.len()]).collect();
        let mut splits: Vec<Vec<(u32, f64, u32)>> = vec![Vec::new(); nl];
        for (li, p) in pts.iter().enumerate() {
            if p.is_empty() {
                continue;
            }
            for vi in [0, p.len() - 1] {
                vert_cand[li][vi] = Some(cands.len() as u32);
                cands.push(p[vi]);
                is_end.push(true);
                report.endpoints += 1;
            }
        }
        // T-junctions: endpoints on another line's interior
        for (li, p) in pts.iter().enumerate() {
            if p.is_empty() {
                continue;
            }
            for e in [p[0], p[p.len() - 1]] {
                let mut hits: Vec<&Seg> = tree
                    .locate_within_distance(e, tol * tol)
                    .filter(|s| s.data.0 as usize != li)
                    .collect();
                hits.sort_by_key(|s| s.data);
                for s in hits {
                    let (a, b) = (s.geom().from, s.geom().to);
                    if d2(e, a) <= tol * tol || d2(e, b) <= tol * tol {
                        continue; // at a vertex: handled by the vertex rule
                    }
                    let l2 = d2(a, b);
                    let t = ((e[0] - a[0]) * (b[0] - a[0]) + (e[1] - a[1]) * (b[1] - a[1])) / l2;
                    if t <= 0.0 || t >= 1.0 {
                        continue;
                    }
                    let q = lerp(a, b, t);
                    splits[s.data.0 as usize].push((s.data.1, t, cands.len() as u32));
                    cands.push(q);
                    is_end.push(false);
                    report.t_junctions += 1;
                }
            }
        }
        // proper crossings
        if params.split_crossings {
            let mut found: Vec<Crossing> = Vec::new();
            for s1 in tree.iter() {
                for s2 in tree.locate_in_envelope_intersecting(&s1.envelope()) {
                    if s1.data >= s2.data || s1.data.0 == s2.data.0 {
                        continue;
                    }
                    let (p0, p1) = (s1.geom().from, s1.geom().to);
                    let (q0, q1) = (s2.geom().from, s2.geom().to);
                    let Some((t, u)) = crossing(p0, p1, q0, q1) else {
                        continue;
                    };
                    let (lp, lq) = (d2(p0, p1).sqrt(), d2(q0, q1).sqrt());
                    // both strictly interior (beyond the tolerance from any vertex)
                    if t * lp <= tol
                        || (1.0 - t) * lp <= tol
                        || u * lq <= tol
                        || (1.0 - u) * lq <= tol
                    {
                        continue;
                    }
                    found.push((s1.data, t, s2.data, u));
                }
            }
            found.sort_by_key(|x| (x.0, x.2));
            for (a, t, b, u) in found {
                let (p0, p1) = (
                    pts[a.0 as usize][a.1 as usize],
                    pts[a.0 as usize][a.1 as usize + 1],
                );
                let c = cands.len() as u32;
                cands.push(lerp(p0, p1, t));
                is_end.push(false);
                splits[a.0 as usize].push((a.1, t, c));
                splits[b.0 as usize].push((b.1, u, c));
                report.crossings += 1;
            }
        }
        // interior vertices shared with another line or lying on a node candidate
        {
            let cidx = PointIndex::new(&cands);
            let mut all: Vec<[f64; 2]> = Vec::new();
            let mut owner: Vec<u32> = Vec::new();
            for (li, p) in pts.iter().enumerate() {
                for q in p {
                    all.push(*q);
                    owner.push(li as u32);
                }
            }
            let vidx = PointIndex::new(&all);
            for (li, p) in pts.iter().enumerate() {
                if p.len() < 3 {
                    continue;
                }
                for vi in 1..p.len() - 1 {
                    let q = p[vi];
                    let shared = !cidx.within(q, tol).is_empty()
                        || vidx
                            .within(q, tol)
                            .iter()
                            .any(|(j, _)| owner[*j] as usize != li);
                    if shared {
                        vert_cand[li][vi] = Some(cands.len() as u32);
                        cands.push(q);
                        is_end.push(false);
                    }
                }
            }
        }
        // cluster candidates into nodes
        if cands.len() >= u32::MAX as usize {
            return Err(Error::limit(
                "node candidates",
                cands.len(),
                u32::MAX - 1,
                "a network indexes its nodes with 32 bits",
            ));
        }
        let mut order: Vec<usize> = (0..cands.len()).collect();
        order.sort_by(|&i, &j| {
            cands[i][0]
                .total_cmp(&cands[j][0])
                .then(cands[i][1].total_cmp(&cands[j][1]))
                .then(i.cmp(&j))
        });
        let cidx = PointIndex::new(&cands);
        let mut node_of = vec![u32::MAX; cands.len()];
        let mut nodes: Vec<[f64; 2]> = Vec::new();
        let mut members: Vec<Vec<u32>> = Vec::new();
        for &c in &order {
            if node_of[c] != u32::MAX {
                continue;
            }
            let id = nodes.len() as u32;
            nodes.push(cands[c]);
            let mut m = vec![c as u32];
            node_of[c] = id;
            for (j, _) in cidx.within(cands[c], tol) {
                if node_of[j] == u32::MAX {
                    node_of[j] = id;
                    m.push(j as u32);
                }
            }
            members.push(m);
        }
        for (c, &end) in is_end.iter().enumerate() {
            if !end {
                continue;
            }
            let n = node_of[c] as usize;
            if members[n].iter().any(|&o| cands[o as usize] != cands[c]) {
                report.snapped_endpoints += 1;
            }
            report.max_snap_m = report.max_snap_m.max(d2(cands[c], nodes[n]).sqrt());
        }
        // edges
        let mut edges: Vec<Edge> = Vec::new();
        let mut geometry: Vec<LineString<f64>> = Vec::new();
        for (li, p) in pts.iter().enumerate() {
            if p.is_empty() {
                continue;
            }
            let mut sp = std::mem::take(&mut splits[li]);
            sp.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
            let start = vert_cand[li][0].map(|c| node_of[c as usize]);
            let Some(mut cur) = start else { continue };
            let mut len = 0.0;
            let mut coords: Vec<[f64; 2]> = vec![p[0]];
            let mut emit =
                |a: u32, b: u32, len: f64, coords: &mut Vec<[f64; 2]>, last: [f64; 2]| {
                    if a == b && len <= tol.max(1e-9) {
                        report.dropped_zero_length += 1;
                    } else {
                        edges.push(Edge {
                            a,
                            b,
                            length: len,
                            line: li as u32,
                        });
                        geometry.push(LineString::from(
                            coords.iter().map(|q| (q[0], q[1])).collect::<Vec<_>>(),
                        ));
                    }
                    coords.clear();
                    coords.push(last);
                };
            let mut si = 0;
            for k in 0..p.len() - 1 {
                let (a, b) = (p[k], p[k + 1]);
                let sl = d2(a, b).sqrt();
                let mut last_t = 0.0;
                while si < sp.len() && sp[si].0 as usize == k {
                    let (_, t, c) = sp[si];
                    let q = lerp(a, b, t);
                    len += (t - last_t) * sl;
                    last_t = t;
                    coords.push(q);
                    let nd = node_of[c as usize];
                    emit(cur, nd, len, &mut coords, q);
                    cur = nd;
                    len = 0.0;
                    si += 1;
                }
                len += (1.0 - last_t) * sl;
                coords.push(b);
                if let Some(c) = vert_cand[li][k + 1] {
                    let nd = node_of[c as usize];
                    emit(cur, nd, len, &mut coords, b);
                    cur = nd;
                    len = 0.0;
                }
            }
        }
        report.nodes = nodes.len();
        report.edges = edges.len();
        report.total_length_m = edges.iter().map(|e| e.length).sum();
        let mut net = Network::from_parts(nodes, edges, geometry, report);
        let all_open = vec![true; net.edges.len()];
        let comp = net.components(&all_open);
        net.report.components = comp.iter().copied().max().map_or(0, |m| m as usize + 1);
        Ok(net)
    }

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

    /// Connected component of every node using the `open` edges (ids in order of
    /// the lowest node of each component).
    pub fn components(&self, open: &[bool]) -> Vec<u32> {
        let n = self.nodes.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn find(p: &mut [u32], mut x: u32) -> u32 {
            while p[x as usize] != x {
                p[x as usize] = p[p[x as usize] as usize];
                x = p[x as usize];
            }
            x
        }
        for (k, e) in self.edges.iter().enumerate() {
            if open[k] {
                let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
                if ra != rb {
                    let (lo, hi) = (ra.min(rb), ra.max(rb));
                    parent[hi as usize] = lo;
                }
            }
        }
        let mut id = vec![u32::MAX; n];
        let mut next = 0u32;
        let mut out = vec![0u32; n];
        for i in 0..n as u32 {
            let r = find(&mut parent, i);
            if id[r as usize] == u32::MAX {
                id[r as usize] = next;
                next += 1;
            }
            out[i as usize] = id[r as usize];
        }
        out
    }

    /// Nodes with at least one open edge.
    pub fn active_nodes(&self, open: &[bool]) -> Vec<bool> {
        let mut a = vec![false; self.nodes.len()];
        for (k, e) in self.edges.iter().enumerate() {
            if open[k] {
                a[e.a as usize] = true;
                a[e.b as usize] = true;
            }
        }
        a
    }

    /// Bounded single-source Dijkstra over the `open` edges: afterwards
    /// `ws.settled()` lists the nodes with network distance `<= limit` in
    /// order of distance and `ws.dist(v)` their distance.
    pub fn dijkstra(&self, src: u32, limit: f64, open: &[bool], ws: &mut Workspace) {
        self.dijkstra_multi(&[(src, 0.0)], limit, Some(open), ws);
    }

    /// Bounded multi-source Dijkstra: every source `(node, d0)` starts at distance
    /// `d0` (the smallest wins for a node listed twice); only `open` edges are used
    /// (all when `None`). Afterwards `ws.settled()` lists the nodes at distance
    /// `<= limit` in order of distance (ties: lower node id first) and `ws.dist(v)`
    /// is their distance; `ws.pred_edge(v)` the edge they were reached by (`None`
    /// for a source).
    pub fn dijkstra_multi(
        &self,
        sources: &[(u32, f64)],
        limit: f64,
        open: Option<&[bool]>,
        ws: &mut Workspace,
    ) {
        ws.reset();
        for &(s, d0) in sources {
            if d0 <= limit && d0 < ws.dist[s as usize] {
                ws.touch(s, d0, u32::MAX);
                ws.heap.push(Reverse((d0.to_bits(), s)));
            }
        }
        while let Some(Reverse((bits, u))) = ws.heap.pop() {
            let d = f64::from_bits(bits);
            if ws.done[u as usize] || d > ws.dist[u as usize] {
                continue;
            }
            ws.done[u as usize] = true;
            ws.order.push(u);
            for &(v, e) in self.neighbours(u) {
                if open.is_some_and(|o| !o[e as usize]) || ws.done[v as usize] {
                    continue;
                }
                let nd = d + self.edges[e as usize].length;
                if nd > limit {
                    continue;
                }
                if nd < ws.dist[v as usize] {
                    ws.touch(v, nd, e);
                    ws.heap.push(Reverse((nd.to_bits(), v)));
                }
            }
            if ws.remaining > 0 && ws.target[u as usize] {
                ws.remaining -= 1;
                if ws.remaining == 0 {
                    break;
                }
            }
        }
    }

    /// Network distances from `src` to every node (∞ where unreachable), unbounded.
    pub fn distances_from(&self, src: u32, open: &[bool]) -> Vec<f64> {
        let mut ws = Workspace::new(self.nodes.len());
        self.dijkstra(src, f64::INFINITY, open, &mut ws);
        (0..self.nodes.len() as u32).map(|v| ws.dist(v)).collect()
    }
}

/// Reusable buffers of one Dijkstra run (one per thread).
#[derive(Debug, Clone)]
pub struct Workspace {
    pub(crate) dist: Vec<f64>,
    pub(crate) pred: Vec<u32>,
    pub(crate) done: Vec<bool>,
    pub(crate) flag: Vec<bool>,
    pub(crate) target: Vec<bool>,
    pub(crate) remaining: usize,
    pub(crate) touched: Vec<u32>,
    pub(crate) order: Vec<u32>,
    pub(crate) heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Workspace {
    /// Buffers for a network of `n` nodes.
    pub fn new(n: usize) -> Self {
        Workspace {
            dist: vec![f64::INFINITY; n],
            pred: vec![u32::MAX; n],
            done: vec![false; n],
            flag: vec![false; n],
            target: vec![false; n],
            remaining: 0,
            touched: Vec::new(),
            order: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }
    pub(crate) fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = f64::INFINITY;
            self.pred[v as usize] = u32::MAX;
            self.done[v as usize] = false;
            self.flag[v as usize] = false;
        }
        self.touched.clear();
        self.order.clear();
        self.heap.clear();
    }
    pub(crate) fn touch(&mut self, v: u32, d: f64, e: u32) {
        if self.dist[v as usize] == f64::INFINITY {
            self.touched.push(v);
        }
        self.dist[v as usize] = d;
        self.pred[v as usize] = e;
    }
    /// Nodes settled by the last run, in order of distance.
    pub fn settled(&self) -> &[u32] {
        &self.order
    }
    /// Distance of `v` in the last run (∞ if not reached).
    pub fn dist(&self, v: u32) -> f64 {
        self.dist[v as usize]
    }
    /// Edge by which `v` was reached in the last run (`None` for the source).
    pub fn pred_edge(&self, v: u32) -> Option<u32> {
        let e = self.pred[v as usize];
        (e != u32::MAX).then_some(e)
    }
}

impl Network {
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

    /// The point at `offset` metres from node `a` along edge `e` (offsets are
    /// mapped proportionally onto the edge's geometry, whose drawn length may
    /// differ from the edge length by the snapping of its ends).
    pub fn point_at(&self, e: u32, offset: f64) -> [f64; 2] {
        let (g, len) = (&self.geometry[e as usize], self.edges[e as usize].length);
        let glen = polyline_length(g);
        let target = if len > 0.0 {
            (offset / len).clamp(0.0, 1.0) * glen
        } else {
            0.0
        };
        polyline_point(g, target)
    }

    /// The piece of edge `e` between offsets `from` and `to` (m from node `a`,
    /// `from <= to`) as a line string following the edge's geometry.
    pub fn edge_slice(&self, e: u32, from: f64, to: f64) -> LineString<f64> {
        let (g, len) = (&self.geometry[e as usize], self.edges[e as usize].length);
        let glen = polyline_length(g);
        let scale = if len > 0.0 { glen / len } else { 0.0 };
        let (s0, s1) = (
            (from * scale).clamp(0.0, glen),
            (to * scale).clamp(0.0, glen),
        );
        let mut out: Vec<[f64; 2]> = vec![polyline_point(g, s0)];
        let mut acc = 0.0;
        for w in g.0.windows(2) {
            let l = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
            acc += l;
            if acc > s0 && acc < s1 {
                out.push([w[1].x, w[1].y]);
            }
        }
        out.push(polyline_point(g, s1));
        LineString::from(out.into_iter().map(|p| (p[0], p[1])).collect::<Vec<_>>())
    }
}

/// Euclidean length of a polyline.
pub(crate) fn polyline_length(g: &LineString<f64>) -> f64 {
    g.0.windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum()
}

/// The point `s` metres along a polyline (clamped to its ends).
pub(crate) fn polyline_point(g: &LineString<f64>, s: f64) -> [f64; 2] {
    let mut acc = 0.0;
    for w in g.0.windows(2) {
        let l = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
        if acc + l >= s && l > 0.0 {
            let t = ((s - acc) / l).clamp(0.0, 1.0);
            return [
                w[0].x + t * (w[1].x - w[0].x),
                w[0].y + t * (w[1].y - w[0].y),
            ];
        }
        acc += l;
    }
    g.0.last().map_or([f64::NAN, f64::NAN], |c| [c.x, c.y])
}

/// A network built from the line features of a layer, with the source of each line.
#[derive(Debug, Clone)]
pub struct LayerNetwork {
    /// The network.
    pub net: Network,
    /// Source feature of each input line (index into the layer); edge `e` comes from
    /// feature `line_feature[net.edges[e].line]`.
    pub line_feature: Vec<usize>,
    /// Features that are not lines (points, polygons): skipped.
    pub skipped_non_line: usize,
}

impl LayerNetwork {
    /// Source feature of edge `e`.
    pub fn feature_of_edge(&self, e: usize) -> usize {
        self.line_feature[self.net.edges[e].line as usize]
    }
}

impl Network {
    /// Builds the network from the line features of `layer` (lines, line strings
    /// and every part of a multi-line string); other geometries are skipped and
    /// counted.
    ///
    /// # Errors
    /// As [`Network::build`]; [`Error::Degenerate`] when the layer has no line.
    pub fn from_layer(layer: &Layer, params: &NetworkParams) -> Result<LayerNetwork> {
        let mut lines = Vec::new();
        let mut line_feature = Vec::new();
        let mut skipped = 0;
        for (i, g) in layer.geometries.iter().enumerate() {
            match g {
                Geometry::Line(l) => {
                    lines.push(LineString::from(vec![l.start, l.end]));
                    line_feature.push(i);
                }
                Geometry::LineString(l) => {
                    lines.push(l.clone());
                    line_feature.push(i);
                }
                Geometry::MultiLineString(m) => {
                    for p in &m.0 {
                        lines.push(p.clone());
                        line_feature.push(i);
                    }
                }
                _ => skipped += 1,
            }
        }
        if lines.is_empty() {
            return Err(Error::degenerate(
                "a street network",
                format!(
                    "layer '{}' has no line feature to build a network from ({} other features)",
                    layer.name, skipped
                ),
            ));
        }
        let net = Network::build(&lines, params)?;
        if net.edges.is_empty() {
            return Err(Error::degenerate(
                "a street network",
                format!(
                    "layer '{}': no usable line ({} degenerate lines)",
                    layer.name, net.report.degenerate_lines
                ),
            ));
        }
        Ok(LayerNetwork {
            net,
            line_feature,
            skipped_non_line: skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn build_cross_and_t_junction() {
        let lines = vec![
            LineString::from(vec![(-100.0, 0.0), (100.0, 0.0)]),
            LineString::from(vec![(0.0, -100.0), (0.0, 100.0)]),
            LineString::from(vec![(50.0, 0.5), (50.0, 80.0)]),
        ];
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.report.crossings, 1);
        assert_eq!(net.report.t_junctions, 1);
        assert_eq!(net.report.snapped_endpoints, 1);
        assert_eq!(net.nodes.len(), 7);
        assert_eq!(net.edges.len(), 6);
        assert_eq!(net.report.components, 1);
        assert_abs_diff_eq!(net.report.total_length_m, 400.0 + 79.5, epsilon = 1e-9);
        // with tolerance 0 the path stays separate
        let net0 = Network::build(&lines, &NetworkParams::new().snap_tolerance(0.0)).unwrap();
        assert_eq!(net0.report.t_junctions, 0);
        assert_eq!(net0.report.components, 2);
        // without crossings: two separate lines plus the T
        let net1 = Network::build(&lines, &NetworkParams::new().split_crossings(false)).unwrap();
        assert_eq!(net1.report.crossings, 0);
        assert_eq!(net1.report.components, 2);
    }

    #[test]
    fn build_snaps_close_endpoints() {
        let lines = vec![
            LineString::from(vec![(0.0, 0.0), (100.0, 0.0)]),
            LineString::from(vec![(100.4, 0.3), (200.0, 0.0)]),
            LineString::from(vec![(300.0, 0.0), (200.0, 0.0)]),
        ];
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.nodes.len(), 4);
        assert_eq!(net.report.snapped_endpoints, 2);
        assert_abs_diff_eq!(net.report.max_snap_m, 0.5, epsilon = 1e-9);
        let d = net.distances_from(0, &[true; 3]);
        assert!(d.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn build_shared_interior_vertex() {
        // an L-shaped line through (100, 0) which is the start of another line
        let lines = vec![
            LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0)]),
            LineString::from(vec![(100.0, 0.0), (200.0, 0.0)]),
        ];
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.nodes.len(), 4);
        assert_eq!(net.edges.len(), 3);
        assert_eq!(net.report.snapped_endpoints, 0);
    }

    #[test]
    fn build_rejects_bad_input() {
        let bad = vec![LineString::from(vec![(0.0, 0.0), (f64::NAN, 1.0)])];
        assert!(matches!(
            Network::build(&bad, &NetworkParams::new()),
            Err(Error::NonFinitePoint { .. })
        ));
        assert!(matches!(
            Network::build(&[], &NetworkParams::new().snap_tolerance(-1.0)),
            Err(Error::InvalidParam {
                param: "snap_tolerance",
                ..
            })
        ));
    }

    #[test]
    fn dijkstra_multi_takes_the_nearest_source() {
        // path 0 - 1 - 2 - 3 (100, 200, 300 m): sources 0 at 50 m and 3 at 0 m
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [300.0, 0.0], [600.0, 0.0]],
            &[(0, 1, 100.0), (1, 2, 200.0), (2, 3, 300.0)],
        )
        .unwrap();
        let mut ws = Workspace::new(4);
        net.dijkstra_multi(&[(0, 50.0), (3, 0.0)], 1000.0, None, &mut ws);
        assert_eq!(ws.dist(0), 50.0);
        assert_eq!(ws.dist(1), 150.0);
        assert_eq!(ws.dist(2), 300.0);
        assert_eq!(ws.dist(3), 0.0);
        assert_eq!(ws.settled(), &[3, 0, 1, 2]);
        // bounded (inclusive): node 2 at exactly 300 m is settled
        net.dijkstra_multi(&[(3, 0.0)], 300.0, None, &mut ws);
        assert_eq!(ws.settled(), &[3, 2]);
        // a closed edge
        net.dijkstra_multi(&[(0, 0.0)], 1000.0, Some(&[true, false, true]), &mut ws);
        assert_eq!(ws.settled(), &[0, 1]);
        assert!(ws.dist(2).is_infinite());
    }

    #[test]
    fn degree_counts_loop_twice() {
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0]],
            &[(0, 1, 100.0), (1, 1, 80.0)],
        )
        .unwrap();
        assert_eq!(net.degree(0), 1);
        assert_eq!(net.degree(1), 3);
    }

    #[test]
    fn point_at_and_edge_slice_follow_the_geometry() {
        // an L-shaped line: 100 m east then 100 m north
        let lines = vec![LineString::from(vec![
            (0.0, 0.0),
            (100.0, 0.0),
            (100.0, 100.0),
        ])];
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.edges.len(), 1);
        let p = net.point_at(0, 150.0);
        assert_abs_diff_eq!(p[0], 100.0, epsilon = 1e-9);
        assert_abs_diff_eq!(p[1], 50.0, epsilon = 1e-9);
        let s = net.edge_slice(0, 50.0, 150.0);
        let v: Vec<(f64, f64)> = s.0.iter().map(|c| (c.x, c.y)).collect();
        assert_eq!(v, vec![(50.0, 0.0), (100.0, 0.0), (100.0, 50.0)]);
        assert_abs_diff_eq!(net.total_length(), 200.0);
    }

    #[test]
    fn from_layer_skips_points_and_keeps_sources() {
        use geo::Geometry as G;
        let layer = Layer {
            name: "streets".into(),
            geometries: vec![
                G::Point(geo::Point::new(5.0, 5.0)),
                G::LineString(LineString::from(vec![(0.0, 0.0), (100.0, 0.0)])),
                G::MultiLineString(geo::MultiLineString(vec![
                    LineString::from(vec![(100.0, 0.0), (100.0, 100.0)]),
                    LineString::from(vec![(100.0, 100.0), (0.0, 100.0)]),
                ])),
            ],
            properties: vec![Default::default(); 3],
            crs: crate::crs::CrsChoice {
                input: crate::crs::Crs::Local { unit_to_metre: 1.0 },
                input_source: "test".into(),
                working: crate::crs::Crs::Local { unit_to_metre: 1.0 },
                reason: "test".into(),
            },
        };
        let ln = Network::from_layer(&layer, &NetworkParams::new()).unwrap();
        assert_eq!(ln.skipped_non_line, 1);
        assert_eq!(ln.net.edges.len(), 3);
        assert_eq!(ln.line_feature, vec![1, 2, 2]);
        assert_eq!(ln.feature_of_edge(2), 2);
        let empty = Layer {
            geometries: vec![G::Point(geo::Point::new(0.0, 0.0))],
            properties: vec![Default::default()],
            ..layer
        };
        assert!(matches!(
            Network::from_layer(&empty, &NetworkParams::new()),
            Err(Error::Degenerate { .. })
        ));
    }
}
