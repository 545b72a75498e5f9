//! Building a [`Network`] from polylines: node candidates (ends, T-junctions,
//! crossings, shared vertices), snapping within the tolerance, and edges between nodes.
//! The rules are in the docs of the parent module.

use geo::LineString;
use rstar::primitives::{GeomWithData, Line};
use rstar::{RTree, RTreeObject};

use super::{BuildReport, Edge, Network, NetworkParams};
use crate::error::{Error, Result};
use crate::index::PointIndex;

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
}
