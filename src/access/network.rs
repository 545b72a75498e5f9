//! A walking network from street and path lines, and the access measures on it.
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
//! (walking).
//!
//! # Shortest paths
//! Dijkstra's algorithm on a compressed adjacency (CSR) with a binary heap,
//! bounded by a distance, with ties in the heap broken by node id and the first
//! relaxation kept on equal distances, so results are deterministic. Every
//! measure runs in parallel over origins (rayon) and is independent of the
//! thread count. A scenario is a mask `open[e]` over the edges, so "before" and
//! "after" a proposal share one node set and compare node by node.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use geo::LineString;
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line};
use rstar::{RTree, RTreeObject};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::PointIndex;

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
/// Per-node reach: street length, space count, space area, gravity (one value per distance).
type ReachRow = (Vec<f64>, Vec<u32>, Vec<f64>, Vec<f64>);

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
    /// [`Error::Param`] for a negative or non-finite tolerance, [`Error::Data`]
    /// for a non-finite coordinate (naming the line) or more than 2³² − 2 nodes.
    ///
    /// # Examples
    /// ```
    /// use crimescape::access::{Network, NetworkParams};
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
            return Err(Error::Param(format!(
                "snapping tolerance must be a distance >= 0 m, got {tol}"
            )));
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
                    return Err(Error::Data(format!(
                        "network line {li}: non-finite coordinate ({}, {})",
                        c.x, c.y
                    )));
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
            return Err(Error::Data(format!(
                "network too large: {} node candidates",
                cands.len()
            )));
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
    /// [`Error::Param`] if an edge names a missing node or has a negative or
    /// non-finite length.
    pub fn from_edges(nodes: Vec<[f64; 2]>, edges: &[(u32, u32, f64)]) -> Result<Network> {
        let mut es = Vec::with_capacity(edges.len());
        let mut geometry = Vec::with_capacity(edges.len());
        for (k, &(a, b, len)) in edges.iter().enumerate() {
            if a as usize >= nodes.len() || b as usize >= nodes.len() {
                return Err(Error::Param(format!(
                    "edge {k} names a node that does not exist"
                )));
            }
            if !(len.is_finite() && len >= 0.0) {
                return Err(Error::Param(format!("edge {k} has length {len}")));
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
        ws.reset();
        ws.touch(src, 0.0, u32::MAX);
        ws.heap.push(Reverse((0f64.to_bits(), src)));
        while let Some(Reverse((bits, u))) = ws.heap.pop() {
            let d = f64::from_bits(bits);
            if ws.done[u as usize] || d > ws.dist[u as usize] {
                continue;
            }
            ws.done[u as usize] = true;
            ws.order.push(u);
            for &(v, e) in self.neighbours(u) {
                if !open[e as usize] || ws.done[v as usize] {
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
    dist: Vec<f64>,
    pred: Vec<u32>,
    done: Vec<bool>,
    flag: Vec<bool>,
    target: Vec<bool>,
    remaining: usize,
    touched: Vec<u32>,
    order: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
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
    fn reset(&mut self) {
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
    fn touch(&mut self, v: u32, d: f64, e: u32) {
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

/// Public spaces as seen from the network: area and entrance nodes of each.
#[derive(Debug, Clone, Default)]
pub struct SpaceAccess {
    /// Area of each space (m²).
    pub area: Vec<f64>,
    /// Entrance nodes of each space.
    pub entrances: Vec<Vec<u32>>,
    /// Spaces of each node (inverse of `entrances`).
    node_spaces: Vec<Vec<u32>>,
}

impl SpaceAccess {
    /// Spaces with their areas and entrance nodes on a network of `n` nodes.
    pub fn new(n: usize, area: Vec<f64>, entrances: Vec<Vec<u32>>) -> Self {
        let mut node_spaces = vec![Vec::new(); n];
        for (s, es) in entrances.iter().enumerate() {
            for &v in es {
                if (v as usize) < n {
                    node_spaces[v as usize].push(s as u32);
                }
            }
        }
        SpaceAccess {
            area,
            entrances,
            node_spaces,
        }
    }
    /// Number of spaces.
    pub fn len(&self) -> usize {
        self.area.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.area.is_empty()
    }
}

impl Network {
    /// Entrance nodes of polygons: nodes within `max_d` metres of the polygon
    /// (0 inside it); when there is none, the node nearest to the polygon's centroid.
    pub fn entrances(&self, polygons: &[geo::Geometry<f64>], max_d: f64) -> Vec<Vec<u32>> {
        use geo::{BoundingRect, Centroid};
        let pidx = PointIndex::new(&self.nodes);
        polygons
            .iter()
            .map(|g| {
                let mut v: Vec<u32> = match g.bounding_rect() {
                    Some(r) => pidx
                        .in_box(
                            [r.min().x - max_d, r.min().y - max_d],
                            [r.max().x + max_d, r.max().y + max_d],
                        )
                        .into_iter()
                        .filter(|&i| {
                            crate::index::point_geometry_distance(self.nodes[i], g) <= max_d
                        })
                        .map(|i| i as u32)
                        .collect(),
                    None => Vec::new(),
                };
                if v.is_empty() {
                    if let Some(c) = g.centroid() {
                        if let Some((i, _)) = pidx.nearest([c.x(), c.y()]) {
                            v.push(i as u32);
                        }
                    }
                }
                v.sort_unstable();
                v
            })
            .collect()
    }
}

/// Reachability of every node (see [`Network::reach`]); `[distance][node]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reach {
    /// The walking distances (m).
    pub distances: Vec<f64>,
    /// Street length within each distance (m).
    pub street_m: Vec<Vec<f64>>,
    /// Number of public spaces within each distance.
    pub spaces: Vec<Vec<u32>>,
    /// Area of the public spaces within each distance (m²).
    pub space_area_m2: Vec<Vec<f64>>,
    /// Gravity access to public space: Σ area·exp(−4d/D) over spaces within D (m²).
    pub space_gravity: Vec<Vec<f64>>,
}

impl Network {
    /// Reachability from every node over the `open` edges, cityseer-style
    /// (Simons 2023, *cityseer*, Env. & Planning B 50(5)):
    /// * **street length within D**: the length of network within network
    ///   distance `D` — for an open edge of length `l` whose ends are at
    ///   distances `du`, `dv`, `min(l, max(0, D−du) + max(0, D−dv))` (exact: the
    ///   part of the edge reachable from either end);
    /// * **public spaces within D**: spaces with an entrance node at distance `<= D`
    ///   (inclusive), their count and area, and the gravity sum
    ///   `Σ area·exp(−β d)` with `β = 4/D` (cityseer's default, weight 0.018 at `D`).
    ///
    /// Only spaces with `active[s]` count. The origin node itself is at distance 0.
    pub fn reach(
        &self,
        open: &[bool],
        spaces: &SpaceAccess,
        active: &[bool],
        distances: &[f64],
    ) -> Reach {
        let dmax = distances.iter().copied().fold(0.0, f64::max);
        let nd = distances.len();
        let ns = spaces.len();
        let rows: Vec<ReachRow> = (0..self.nodes.len() as u32)
            .into_par_iter()
            .map_init(
                || (Workspace::new(self.nodes.len()), vec![u32::MAX; ns]),
                |(ws, seen), o| {
                    self.dijkstra(o, dmax, open, ws);
                    let mut street = vec![0.0; nd];
                    let mut cnt = vec![0u32; nd];
                    let mut area = vec![0.0; nd];
                    let mut grav = vec![0.0; nd];
                    for &u in ws.settled() {
                        let du = ws.dist(u);
                        for &(v, e) in self.neighbours(u) {
                            if !open[e as usize] {
                                continue;
                            }
                            let dv = ws.dist(v);
                            if dv.is_finite() && v < u {
                                continue; // counted from v
                            }
                            let l = self.edges[e as usize].length;
                            for (k, &dd) in distances.iter().enumerate() {
                                street[k] += l.min((dd - du).max(0.0) + (dd - dv).max(0.0));
                            }
                        }
                        for &s in spaces
                            .node_spaces
                            .get(u as usize)
                            .map_or(&[][..], |v| &v[..])
                        {
                            if !active[s as usize] || seen[s as usize] == o {
                                continue;
                            }
                            seen[s as usize] = o;
                            let a = spaces.area[s as usize];
                            for (k, &dd) in distances.iter().enumerate() {
                                if du <= dd {
                                    cnt[k] += 1;
                                    area[k] += a;
                                    grav[k] += a * (-4.0 * du / dd).exp();
                                }
                            }
                        }
                    }
                    (street, cnt, area, grav)
                },
            )
            .collect();
        let mut r = Reach {
            distances: distances.to_vec(),
            street_m: vec![Vec::with_capacity(rows.len()); nd],
            spaces: vec![Vec::with_capacity(rows.len()); nd],
            space_area_m2: vec![Vec::with_capacity(rows.len()); nd],
            space_gravity: vec![Vec::with_capacity(rows.len()); nd],
        };
        for (s, c, a, g) in rows {
            for k in 0..nd {
                r.street_m[k].push(s[k]);
                r.spaces[k].push(c[k]);
                r.space_area_m2[k].push(a[k]);
                r.space_gravity[k].push(g[k]);
            }
        }
        r
    }
}

/// Detour caused by closing edges (see [`Network::detour`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DetourSummary {
    /// Origin–destination radius (m).
    pub radius_m: f64,
    /// Edges open before and closed after.
    pub changed_edges: usize,
    /// Ordered node pairs within the radius whose shortest path used a changed edge.
    pub pairs_affected: u64,
    /// Of those, pairs no longer connected at all.
    pub pairs_disconnected: u64,
    /// Mean new/old distance ratio over the affected, still connected pairs.
    pub mean_ratio: Option<f64>,
    /// Median ratio.
    pub median_ratio: Option<f64>,
    /// 95th percentile ratio.
    pub p95_ratio: Option<f64>,
    /// Largest ratio.
    pub max_ratio: Option<f64>,
    /// Mean extra walking distance over the affected, connected pairs (m).
    pub mean_extra_m: Option<f64>,
}

/// Quantile by linear interpolation between order statistics (type 7, as R's default).
pub fn quantile_sorted(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

impl Network {
    /// Detour for origin–destination pairs whose shortest path crossed a changed edge.
    ///
    /// For every origin, the shortest-path tree over the `before` edges is grown to
    /// `radius` (inclusive); a destination is **affected** when its tree path uses an
    /// edge open before and closed after (with equal-length alternatives the tree's
    /// deterministic tie-break decides, so an affected pair may keep ratio 1).
    /// Affected pairs in different components of the `after` network are
    /// **disconnected**; for the others the exact new distance (unbounded
    /// Dijkstra stopped when every affected destination is settled) gives the
    /// ratio new/old. Pairs are ordered (a→b and b→a both count).
    pub fn detour(&self, before: &[bool], after: &[bool], radius: f64) -> DetourSummary {
        let changed: Vec<bool> = before.iter().zip(after).map(|(b, a)| *b && !*a).collect();
        let n_changed = changed.iter().filter(|c| **c).count();
        let mut out = DetourSummary {
            radius_m: radius,
            changed_edges: n_changed,
            ..Default::default()
        };
        if n_changed == 0 {
            return out;
        }
        // only origins near a changed edge can have affected pairs
        let mut near = vec![false; self.nodes.len()];
        {
            let mut ws = Workspace::new(self.nodes.len());
            let mut seeds: Vec<u32> = Vec::new();
            for (k, e) in self.edges.iter().enumerate() {
                if changed[k] {
                    seeds.push(e.a);
                    seeds.push(e.b);
                }
            }
            seeds.sort_unstable();
            seeds.dedup();
            for s in seeds {
                self.dijkstra(s, radius, before, &mut ws);
                for &v in ws.settled() {
                    near[v as usize] = true;
                }
            }
        }
        let comp = self.components(after);
        let per: Vec<(Vec<(f64, f64)>, u64)> = (0..self.nodes.len() as u32)
            .into_par_iter()
            .map_init(
                || {
                    (
                        Workspace::new(self.nodes.len()),
                        Workspace::new(self.nodes.len()),
                    )
                },
                |(w1, w2), o| {
                    if !near[o as usize] {
                        return (Vec::new(), 0);
                    }
                    self.dijkstra(o, radius, before, w1);
                    let mut targets: Vec<u32> = Vec::new();
                    let order: Vec<u32> = w1.settled().to_vec();
                    for &v in &order {
                        if v == o {
                            continue;
                        }
                        let e = w1.pred[v as usize];
                        let ed = &self.edges[e as usize];
                        let u = if ed.a == v { ed.b } else { ed.a };
                        let f = w1.flag[u as usize] || changed[e as usize];
                        w1.flag[v as usize] = f;
                        if f {
                            targets.push(v);
                        }
                    }
                    if targets.is_empty() {
                        return (Vec::new(), 0);
                    }
                    let mut disc = 0u64;
                    let reach: Vec<u32> = targets
                        .iter()
                        .copied()
                        .filter(|&v| {
                            let same = comp[v as usize] == comp[o as usize];
                            if !same {
                                disc += 1;
                            }
                            same
                        })
                        .collect();
                    let mut res = Vec::with_capacity(reach.len());
                    if !reach.is_empty() {
                        for &v in &reach {
                            w2.target[v as usize] = true;
                        }
                        w2.remaining = reach.len();
                        self.dijkstra(o, f64::INFINITY, after, w2);
                        w2.remaining = 0;
                        for &v in &reach {
                            w2.target[v as usize] = false;
                            let (d0, d1) = (w1.dist(v), w2.dist(v));
                            if d0 > 0.0 && d1.is_finite() {
                                res.push((d1 / d0, d1 - d0));
                            }
                        }
                    }
                    (res, disc)
                },
            )
            .collect();
        let mut ratios: Vec<f64> = Vec::new();
        let mut extra = 0.0;
        for (r, d) in &per {
            out.pairs_disconnected += d;
            out.pairs_affected += d + r.len() as u64;
            for (q, x) in r {
                ratios.push(*q);
                extra += x;
            }
        }
        if !ratios.is_empty() {
            let n = ratios.len() as f64;
            out.mean_ratio = Some(ratios.iter().sum::<f64>() / n);
            out.mean_extra_m = Some(extra / n);
            ratios.sort_by(f64::total_cmp);
            out.median_ratio = quantile_sorted(&ratios, 0.5);
            out.p95_ratio = quantile_sorted(&ratios, 0.95);
            out.max_ratio = ratios.last().copied();
        }
        out
    }
}

/// Fixed-point scale of the betweenness accumulators (integer sums are
/// associative, so the result does not depend on the thread count).
const BC_SCALE: f64 = 16_777_216.0;

impl Network {
    /// Local edge betweenness (Brandes 2001, *J. Math. Sociol.* 25(2); Brandes
    /// 2008 for edges): for every edge, the number of shortest paths between
    /// **ordered** node pairs `(s, t)`, `s ≠ t`, with network distance `<= radius`
    /// that use it, each pair's paths sharing one unit (ties: equal lengths
    /// within 1e-7 m split the unit by path counts). `radius = ∞` gives the
    /// global measure. This is the through-movement measure of space syntax /
    /// cityseer; Johnson & Bowers (2010, *Criminology & Public Policy* 9(1))
    /// relate burglary risk to it.
    pub fn betweenness(&self, open: &[bool], radius: f64) -> Vec<f64> {
        const EPS: f64 = 1e-7;
        let n = self.nodes.len();
        let m = self.edges.len();
        // fixed chunks of origins, one set of buffers per chunk (bounded memory)
        let chunk = n.div_ceil(4 * rayon::current_num_threads().max(1)).max(64);
        let nchunks = n.div_ceil(chunk);
        let acc = (0..nchunks)
            .into_par_iter()
            .map(|c| {
                let mut acc = vec![0u64; m];
                let mut dist = vec![f64::INFINITY; n];
                let mut sigma = vec![0f64; n];
                let mut delta = vec![0f64; n];
                let mut preds = vec![Vec::<(u32, u32)>::new(); n];
                let mut done = vec![false; n];
                let mut touched = Vec::<u32>::new();
                let mut order = Vec::<u32>::new();
                let mut heap = BinaryHeap::<Reverse<(u64, u32)>>::new();
                for s in (c * chunk) as u32..((c + 1) * chunk).min(n) as u32 {
                    for &v in &touched {
                        dist[v as usize] = f64::INFINITY;
                        sigma[v as usize] = 0.0;
                        delta[v as usize] = 0.0;
                        preds[v as usize].clear();
                        done[v as usize] = false;
                    }
                    touched.clear();
                    order.clear();
                    heap.clear();
                    dist[s as usize] = 0.0;
                    sigma[s as usize] = 1.0;
                    touched.push(s);
                    heap.push(Reverse((0f64.to_bits(), s)));
                    while let Some(Reverse((bits, u))) = heap.pop() {
                        let d = f64::from_bits(bits);
                        if done[u as usize] || d > dist[u as usize] {
                            continue;
                        }
                        done[u as usize] = true;
                        order.push(u);
                        for &(v, e) in self.neighbours(u) {
                            if !open[e as usize] || done[v as usize] || v == u {
                                continue;
                            }
                            let nd = d + self.edges[e as usize].length;
                            if nd > radius + EPS {
                                continue;
                            }
                            let dv = dist[v as usize];
                            if nd < dv - EPS {
                                if dv == f64::INFINITY {
                                    touched.push(v);
                                }
                                dist[v as usize] = nd;
                                sigma[v as usize] = sigma[u as usize];
                                preds[v as usize].clear();
                                preds[v as usize].push((u, e));
                                heap.push(Reverse((nd.to_bits(), v)));
                            } else if (nd - dv).abs() <= EPS {
                                sigma[v as usize] += sigma[u as usize];
                                preds[v as usize].push((u, e));
                            }
                        }
                    }
                    for &w in order.iter().rev() {
                        let coef = (1.0 + delta[w as usize]) / sigma[w as usize];
                        for &(v, e) in &preds[w as usize] {
                            let c = sigma[v as usize] * coef;
                            acc[e as usize] += (c * BC_SCALE).round() as u64;
                            delta[v as usize] += c;
                        }
                    }
                }
                acc
            })
            .reduce(
                || vec![0u64; m],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                },
            );
        acc.into_iter().map(|x| x as f64 / BC_SCALE).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// A path 0 - 1 - 2 - 3 with lengths 100, 200, 300.
    fn path() -> Network {
        Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [300.0, 0.0], [600.0, 0.0]],
            &[(0, 1, 100.0), (1, 2, 200.0), (2, 3, 300.0)],
        )
        .unwrap()
    }

    #[test]
    fn reach_path_exact() {
        let net = path();
        let open = vec![true; 3];
        let sp = SpaceAccess::new(4, vec![1000.0], vec![vec![3]]);
        let r = net.reach(&open, &sp, &[true], &[150.0, 400.0]);
        // from node 0: within 150 m: edge 0 whole (100) + 50 m of edge 1
        assert_abs_diff_eq!(r.street_m[0][0], 150.0, epsilon = 1e-9);
        // within 400: 100 + 200 + 100 of edge 2
        assert_abs_diff_eq!(r.street_m[1][0], 400.0, epsilon = 1e-9);
        // from node 1 within 150: 100 (edge 0) + 150 of edge 1
        assert_abs_diff_eq!(r.street_m[0][1], 250.0, epsilon = 1e-9);
        // from node 2 within 400: edge 1 (200) + edge 2 (300) + 100 of edge 0 (reached at 200, 200 left)
        assert_abs_diff_eq!(r.street_m[1][2], 600.0, epsilon = 1e-9);
        // space at node 3: 600 m from node 0, 300 m from node 2
        assert_eq!(r.spaces[1], vec![0, 0, 1, 1]);
        assert_abs_diff_eq!(r.space_area_m2[1][2], 1000.0);
        assert_abs_diff_eq!(
            r.space_gravity[1][2],
            1000.0 * (-4.0f64 * 300.0 / 400.0).exp(),
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(r.space_gravity[1][3], 1000.0, epsilon = 1e-9);
        // inactive space is not counted
        let r2 = net.reach(&open, &sp, &[false], &[400.0]);
        assert_eq!(r2.spaces[0], vec![0, 0, 0, 0]);
    }

    #[test]
    fn reach_cycle_counts_each_edge_once() {
        // a square of 100 m sides: from a corner within 150 m: 2*100 + 2*50 = 300
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]],
            &[(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0), (3, 0, 100.0)],
        )
        .unwrap();
        let r = net.reach(
            &[true; 4],
            &SpaceAccess::new(4, vec![], vec![]),
            &[],
            &[150.0, 1000.0],
        );
        assert_abs_diff_eq!(r.street_m[0][0], 300.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.street_m[1][2], 400.0, epsilon = 1e-9);
    }

    #[test]
    fn detour_square_exact() {
        // square: closing edge 0-1 sends 0->1 round the other three sides (300 / 100)
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]],
            &[(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0), (3, 0, 100.0)],
        )
        .unwrap();
        let before = vec![true; 4];
        let after = vec![false, true, true, true];
        let d = net.detour(&before, &after, 150.0);
        // within 150 m: 0<->1 use edge 0; also 0->... 1->0 only. Pairs: (0,1),(1,0)
        assert_eq!(d.changed_edges, 1);
        assert_eq!(d.pairs_affected, 2);
        assert_eq!(d.pairs_disconnected, 0);
        assert_abs_diff_eq!(d.mean_ratio.unwrap(), 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(d.mean_extra_m.unwrap(), 200.0, epsilon = 1e-9);
    }

    #[test]
    fn detour_disconnects_path() {
        let net = path();
        let d = net.detour(&[true; 3], &[true, false, true], 1000.0);
        // pairs crossing edge 1: {0,1} x {2,3} both ways = 8, all disconnected
        assert_eq!(d.pairs_affected, 8);
        assert_eq!(d.pairs_disconnected, 8);
        assert!(d.mean_ratio.is_none());
    }

    #[test]
    fn detour_no_change_is_zero() {
        let net = path();
        let d = net.detour(&[true; 3], &[true; 3], 1000.0);
        assert_eq!(d.pairs_affected, 0);
        assert_eq!(d.changed_edges, 0);
    }

    #[test]
    fn betweenness_path_exact() {
        // path of 4 nodes: edge (1,2) is used by pairs {0,1}x{2,3}: 4 unordered = 8 ordered
        let net = path();
        let bc = net.betweenness(&[true; 3], f64::INFINITY);
        assert_abs_diff_eq!(bc[0], 6.0, epsilon = 1e-6); // 0 with 1,2,3
        assert_abs_diff_eq!(bc[1], 8.0, epsilon = 1e-6);
        assert_abs_diff_eq!(bc[2], 6.0, epsilon = 1e-6);
        // radius 300: pairs within 300 m: (0,1)=100,(1,2)=200,(0,2)=300,(2,3)=300
        let bc = net.betweenness(&[true; 3], 300.0);
        assert_abs_diff_eq!(bc[0], 4.0, epsilon = 1e-6); // (0,1),(0,2)
        assert_abs_diff_eq!(bc[1], 4.0, epsilon = 1e-6); // (1,2),(0,2)
        assert_abs_diff_eq!(bc[2], 2.0, epsilon = 1e-6); // (2,3)
    }

    #[test]
    fn betweenness_splits_ties() {
        // square: 0 to 2 has two shortest paths (via 1 and via 3), each edge gets 1/2 per direction
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]],
            &[(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0), (3, 0, 100.0)],
        )
        .unwrap();
        let bc = net.betweenness(&[true; 4], f64::INFINITY);
        // edge (0,1): pairs (0,1),(1,0) = 2; (0,2),(2,0) = 2*1/2; (1,3),(3,1) = 2*1/2 -> 4
        for b in bc {
            assert_abs_diff_eq!(b, 4.0, epsilon = 1e-6);
        }
    }

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
            Err(Error::Data(_))
        ));
        assert!(matches!(
            Network::build(&[], &NetworkParams::new().snap_tolerance(-1.0)),
            Err(Error::Param(_))
        ));
    }

    #[test]
    fn grid_network_runs_all_measures() {
        // 30 x 30 nodes, 100 m blocks: 1740 edges
        let k = 30usize;
        let mut lines = Vec::new();
        for i in 0..k {
            let c = i as f64 * 100.0;
            lines.push(LineString::from(vec![
                (0.0, c),
                ((k - 1) as f64 * 100.0, c),
            ]));
            lines.push(LineString::from(vec![
                (c, 0.0),
                (c, (k - 1) as f64 * 100.0),
            ]));
        }
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.nodes.len(), k * k);
        assert_eq!(net.edges.len(), 2 * k * (k - 1));
        let open = vec![true; net.edges.len()];
        let r = net.reach(&open, &SpaceAccess::default(), &[], &[400.0]);
        // an interior node: the L1 ball of 4 blocks holds 4+12+20+28 = 64 whole edges
        let centre = (15 * k + 15) as u32;
        let d = net.distances_from(centre, &open);
        let brute: f64 = net
            .edges
            .iter()
            .map(|e| {
                e.length
                    .min((400.0 - d[e.a as usize]).max(0.0) + (400.0 - d[e.b as usize]).max(0.0))
            })
            .sum();
        assert_abs_diff_eq!(r.street_m[0][centre as usize], brute, epsilon = 1e-6);
        assert_abs_diff_eq!(brute, 6400.0, epsilon = 1e-6);
        let bc = net.betweenness(&open, 300.0);
        assert!(bc.iter().all(|b| *b > 0.0));
    }

    /// All-pairs distances by Floyd–Warshall (independent of Dijkstra).
    fn floyd(n: usize, edges: &[(u32, u32, f64)], open: &[bool]) -> Vec<Vec<f64>> {
        let mut d = vec![vec![f64::INFINITY; n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        for (k, &(a, b, l)) in edges.iter().enumerate() {
            if open[k] {
                let (a, b) = (a as usize, b as usize);
                d[a][b] = d[a][b].min(l);
                d[b][a] = d[b][a].min(l);
            }
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    if d[i][k] + d[k][j] < d[i][j] {
                        d[i][j] = d[i][k] + d[k][j];
                    }
                }
            }
        }
        d
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn reach_and_detour_match_floyd_warshall(
            n in 2usize..10,
            raw in proptest::collection::vec((0u32..10, 0u32..10, 1u32..300), 1..25),
            closed in proptest::collection::vec(proptest::bool::weighted(0.2), 25),
            dd in 50.0f64..700.0,
        ) {
            let edges: Vec<(u32, u32, f64)> = raw
                .iter()
                .map(|&(a, b, l)| (a % n as u32, b % n as u32, l as f64))
                .collect();
            let nodes: Vec<[f64; 2]> = (0..n).map(|i| [i as f64, 0.0]).collect();
            let net = Network::from_edges(nodes, &edges).unwrap();
            let before = vec![true; edges.len()];
            let after: Vec<bool> = (0..edges.len()).map(|k| !closed[k]).collect();
            let fw = floyd(n, &edges, &before);
            let r = net.reach(&before, &SpaceAccess::default(), &[], &[dd]);
            for (o, fo) in fw.iter().enumerate() {
                let brute: f64 = edges
                    .iter()
                    .map(|&(a, b, l)| l.min((dd - fo[a as usize]).max(0.0) + (dd - fo[b as usize]).max(0.0)))
                    .sum();
                proptest::prop_assert!((r.street_m[0][o] - brute).abs() < 1e-6, "node {}: {} vs {}", o, r.street_m[0][o], brute);
            }
            // detours: ratios >= 1, never more pairs than the ordered pairs within the radius
            let d = net.detour(&before, &after, dd);
            let within = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i != j && fw[i][j] <= dd).count() as u64;
            proptest::prop_assert!(d.pairs_affected <= within);
            if let Some(m) = d.median_ratio {
                proptest::prop_assert!(m >= 1.0 - 1e-12);
            }
            let fa = floyd(n, &edges, &after);
            let lost = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i != j && fw[i][j] <= dd && fa[i][j].is_infinite()).count() as u64;
            proptest::prop_assert_eq!(d.pairs_disconnected, lost);
        }
    }

    #[test]
    fn large_grid_network_runs_in_bounded_memory() {
        // ~10^4 edges (71 x 71 lines); the 10^5-edge case is in benches/network.rs
        let k = 71usize;
        let mut lines = Vec::new();
        for i in 0..k {
            let c = i as f64 * 120.0;
            let end = (k - 1) as f64 * 120.0;
            lines.push(LineString::from(vec![(0.0, c), (end, c)]));
            lines.push(LineString::from(vec![(c, 0.0), (c, end)]));
        }
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.edges.len(), 2 * k * (k - 1));
        let open = vec![true; net.edges.len()];
        let r = net.reach(&open, &SpaceAccess::default(), &[], &[400.0]);
        assert_eq!(r.street_m[0].len(), k * k);
        let mut after = open.clone();
        after[5000] = false;
        let d = net.detour(&open, &after, 400.0);
        assert_eq!(d.pairs_disconnected, 0);
        assert!(d.pairs_affected > 0);
        // one closed edge in a grid: every detour goes round one block (ratio <= 3)
        assert!(d.max_ratio.unwrap() <= 3.0 + 1e-9);
        let bc = net.betweenness(&open, 400.0);
        assert_eq!(bc.len(), net.edges.len());
    }
}
