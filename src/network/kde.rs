//! Network kernel density estimation (NKDE) on lixels, in the three forms of the
//! R package spNetwork (Gelb 2021, *R Journal* 13(2)).
//!
//! # Kernels (one-dimensional, as spNetwork's `kernel_functions.R`)
//! With `u = d/h` for network distance `d` and bandwidth `h`, zero for `d > h`:
//! * quartic `K(d) = (15/16)(1 − u²)² / h`;
//! * triangular `K(d) = (1 − u) / h`;
//! * Gaussian `K(d) = φ(u) / h` with `φ` the standard normal density, **truncated
//!   at `d = h`** as spNetwork does (it keeps 68.3 % of the mass; σ = h).
//!
//! Each integrates to 1 over the line `[−h, h]` (the Gaussian to 0.683), so on a
//! single street the density is in **events per metre**; the density of lixel
//! `k` is the estimate at its centre `s_k`, weighted by the event weights `w_i`.
//!
//! # The three forms
//! * **Simple** (Xie & Yan 2008): `λ(s) = Σ_i w_i K(d(s, e_i))` with `d` the
//!   shortest-path distance. Mass is not conserved: at a junction of degree `n`
//!   the kernel continues undiminished into `n − 1` edges.
//! * **Discontinuous** (Okabe, Satoh & Sugihara 2009, equal split): the kernel
//!   travels every path from the event (not only shortest ones) and is divided
//!   equally at each junction it passes: `λ(s) = Σ_i w_i Σ_paths K(|path|) · Π_v
//!   1/(n_v − 1)`. Mass is conserved except at dead ends (where it stops); the
//!   density jumps at junctions.
//! * **Continuous** (Okabe & Sugihara 2012, §9.3; spNetwork's `continuous`): at a
//!   junction of degree `n` the kernel continues into every other edge with factor
//!   `2/n` and is sent **back** along the edge it came from with factor
//!   `(2 − n)/n` (negative for `n > 2`): continuous at junctions and mass
//!   conserving (back-propagation); mass stops at dead ends.
//!
//! An event inside an edge starts two rays (factor 1 each, so the two halves of
//! the kernel hold the whole mass); an event exactly on a node of degree `n`
//! starts one ray into each edge with factor `2/n` (spNetwork's continuous form;
//! its discontinuous form uses the same for `n > 2`). A loop edge counts twice in
//! a degree. A path passes at most [`NkdeParams::max_depth`] junctions of degree
//! `≥ 3` (spNetwork's `max_depth`, default 15): the number of paths grows
//! exponentially with `h` over the edge length, the cost of the two equal-split
//! forms. Distances along an edge are the edge's own metric (offsets, not the
//! straight line between a node and a sample as spNetwork uses: they agree on
//! straight edges).
//!
//! A fourth form, **planar**, evaluates the same one-dimensional kernel of the
//! straight-line distance at the same lixel centres: what a planar KDE shows
//! along the streets (it crosses rivers and blocks), for comparison.
//!
//! # Algorithm and determinism
//! Events are processed in blocks of 512 in parallel; each block accumulates into
//! a sparse buffer in event order and the blocks are added into the result in
//! block order, so the floating-point sums do not depend on the thread count.
//! The simple form runs one Dijkstra bounded by `h` per event; the equal-split
//! forms walk the paths with an explicit stack.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::graph::{Network, Workspace};
use super::lixel::Lixels;
use super::paths::PerThread;
use super::snap::{NetPos, NetworkSpace, Snapped};
use crate::error::{Error, Result};
use crate::index::PointIndex;

/// Kernel of a network KDE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetKernel {
    /// `(15/16)(1 − u²)²/h`.
    #[default]
    Quartic,
    /// `(1 − u)/h`.
    Triangular,
    /// `φ(u)/h`, truncated at `h`.
    Gaussian,
}

impl NetKernel {
    /// Kernel value at distance `d >= 0` for bandwidth `h` (per metre; 0 beyond `h`).
    #[inline]
    pub fn eval(self, d: f64, h: f64) -> f64 {
        if d > h {
            return 0.0;
        }
        let u = d / h;
        match self {
            NetKernel::Quartic => {
                let t = 1.0 - u * u;
                15.0 / 16.0 * t * t / h
            }
            NetKernel::Triangular => (1.0 - u) / h,
            NetKernel::Gaussian => (-0.5 * u * u).exp() / (2.0 * std::f64::consts::PI).sqrt() / h,
        }
    }

    /// Name.
    pub fn name(self) -> &'static str {
        match self {
            NetKernel::Quartic => "quartic",
            NetKernel::Triangular => "triangular",
            NetKernel::Gaussian => "gaussian",
        }
    }
}

/// Form of the network KDE (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NkdeMethod {
    /// Kernel of the shortest-path distance (Xie & Yan 2008).
    Simple,
    /// Equal split at junctions (Okabe et al. 2009).
    Discontinuous,
    /// Equal split with back-propagation: continuous, mass conserving.
    #[default]
    Continuous,
    /// The same kernel of the straight-line distance (planar comparison).
    Planar,
}

impl NkdeMethod {
    /// Name.
    pub fn name(self) -> &'static str {
        match self {
            NkdeMethod::Simple => "simple",
            NkdeMethod::Discontinuous => "discontinuous",
            NkdeMethod::Continuous => "continuous",
            NkdeMethod::Planar => "planar",
        }
    }
}

/// Parameters of [`nkde`] (builder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NkdeParams {
    /// Bandwidth `h` (m).
    pub bandwidth: f64,
    /// Kernel (default quartic).
    pub kernel: NetKernel,
    /// Form (default continuous).
    pub method: NkdeMethod,
    /// Longest lixel (m, default 20), used by [`nkde_study`].
    pub lixel_length: f64,
    /// Junctions of degree ≥ 3 a path may pass in the equal-split forms (default 15).
    pub max_depth: usize,
}

impl NkdeParams {
    /// Defaults (quartic, continuous, 20 m lixels, depth 15) with bandwidth `h` metres.
    pub fn new(bandwidth: f64) -> Self {
        NkdeParams {
            bandwidth,
            kernel: NetKernel::Quartic,
            method: NkdeMethod::Continuous,
            lixel_length: 20.0,
            max_depth: 15,
        }
    }
    /// Sets the kernel.
    pub fn kernel(mut self, k: NetKernel) -> Self {
        self.kernel = k;
        self
    }
    /// Sets the form.
    pub fn method(mut self, m: NkdeMethod) -> Self {
        self.method = m;
        self
    }
    /// Sets the lixel length (m).
    pub fn lixel_length(mut self, l: f64) -> Self {
        self.lixel_length = l;
        self
    }
    /// Sets the maximum depth.
    pub fn max_depth(mut self, d: usize) -> Self {
        self.max_depth = d;
        self
    }
}

const BLOCK: usize = 512;
const WAVE: usize = 32;

/// A sparse accumulator over lixels (dense values, list of touched lixels).
struct Scratch {
    vals: Vec<f64>,
    mark: Vec<bool>,
    touched: Vec<u32>,
    ws: Workspace,
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<Case>,
}

impl Scratch {
    fn new(nlix: usize, net: &Network) -> Self {
        Scratch {
            vals: vec![0.0; nlix],
            mark: vec![false; nlix],
            touched: Vec::new(),
            ws: Workspace::new(net.nodes.len()),
            seen: vec![0; net.edges.len()],
            stamp: 0,
            stack: Vec::new(),
        }
    }
    #[inline]
    fn add(&mut self, k: usize, v: f64) {
        if !self.mark[k] {
            self.mark[k] = true;
            self.touched.push(k as u32);
        }
        self.vals[k] += v;
    }
    fn drain(&mut self) -> Vec<(u32, f64)> {
        let out: Vec<(u32, f64)> = self
            .touched
            .iter()
            .map(|&k| (k, self.vals[k as usize]))
            .collect();
        for &k in &self.touched {
            self.vals[k as usize] = 0.0;
            self.mark[k as usize] = false;
        }
        self.touched.clear();
        out
    }
    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.stamp = 1;
        }
        self.stamp
    }
}

/// One ray of an equal-split kernel: traverse edge `e` from its end `a` (or `b`),
/// having come `d` metres with factor `alpha` through `depth` junctions.
#[derive(Debug, Clone, Copy)]
struct Case {
    e: u32,
    from_a: bool,
    d: f64,
    alpha: f64,
    depth: u32,
}

struct Ctx<'a> {
    net: &'a Network,
    lx: &'a Lixels,
    p: &'a NkdeParams,
}

impl Ctx<'_> {
    fn simple(&self, pos: NetPos, w: f64, s: &mut Scratch) {
        let h = self.p.bandwidth;
        self.net.dijkstra_from(pos, h, &mut s.ws);
        let stamp = s.next_stamp();
        self.simple_edge(pos, pos.edge, w, stamp, s);
        for n in 0..s.ws.order.len() {
            let u = s.ws.order[n];
            for &(_, e) in self.net.neighbours(u) {
                self.simple_edge(pos, e, w, stamp, s);
            }
        }
    }

    /// The simple form on the lixels of edge `e` (once per event: `stamp`).
    #[inline]
    fn simple_edge(&self, pos: NetPos, e: u32, w: f64, stamp: u32, s: &mut Scratch) {
        if s.seen[e as usize] == stamp {
            return;
        }
        s.seen[e as usize] = stamp;
        let h = self.p.bandwidth;
        let ed = &self.net.edges[e as usize];
        let (da, db) = (s.ws.dist(ed.a), s.ws.dist(ed.b));
        for k in self.lx.of_edge(e) {
            let c = self.lx.centre(k);
            let mut d = (da + c).min(db + (ed.length - c));
            if e == pos.edge {
                d = d.min((c - pos.offset).abs());
            }
            if d <= h {
                s.add(k, w * self.p.kernel.eval(d, h));
            }
        }
    }

    /// The exits of node `v`: (edge, leaving from its end `a`).
    fn exits(&self, v: u32, mut f: impl FnMut(u32, bool)) {
        for &(_, e) in self.net.neighbours(v) {
            let ed = &self.net.edges[e as usize];
            if ed.a == ed.b {
                f(e, true);
                f(e, false);
            } else {
                f(e, ed.a == v);
            }
        }
    }

    /// The ray arrives at node `v` through the end (`e_in`, `end_a`) with distance `d`.
    #[allow(clippy::too_many_arguments)]
    fn arrive(
        &self,
        v: u32,
        e_in: u32,
        end_a: bool,
        d: f64,
        alpha: f64,
        depth: u32,
        stack: &mut Vec<Case>,
    ) {
        if d >= self.p.bandwidth {
            return;
        }
        let n = self.net.degree(v);
        if n <= 1 {
            return; // dead end
        }
        let depth = depth + u32::from(n > 2);
        if depth as usize > self.p.max_depth {
            return;
        }
        let nf = n as f64;
        let continuous = self.p.method == NkdeMethod::Continuous;
        self.exits(v, |e, from_a| {
            let back = e == e_in && from_a == end_a;
            let a = if continuous {
                if back {
                    if n > 2 {
                        alpha * (2.0 - nf) / nf
                    } else {
                        return;
                    }
                } else {
                    alpha * 2.0 / nf
                }
            } else if back {
                return;
            } else {
                alpha / (nf - 1.0)
            };
            stack.push(Case {
                e,
                from_a,
                d,
                alpha: a,
                depth,
            });
        });
    }

    fn split(&self, pos: NetPos, w: f64, s: &mut Scratch) {
        let h = self.p.bandwidth;
        let kern = self.p.kernel;
        let mut stack = std::mem::take(&mut s.stack);
        stack.clear();
        let ed = self.net.edges[pos.edge as usize];
        let eps = 1e-9 * ed.length.max(1.0);
        if pos.offset <= eps || pos.offset >= ed.length - eps {
            // on a node: one ray into every edge with factor 2/n
            let v = if pos.offset <= eps { ed.a } else { ed.b };
            let nf = self.net.degree(v) as f64;
            self.exits(v, |e, from_a| {
                stack.push(Case {
                    e,
                    from_a,
                    d: 0.0,
                    alpha: 2.0 / nf,
                    depth: 0,
                })
            });
        } else {
            for k in self.lx.of_edge(pos.edge) {
                let d = (self.lx.centre(k) - pos.offset).abs();
                if d <= h {
                    s.add(k, w * kern.eval(d, h));
                }
            }
            self.arrive(ed.a, pos.edge, true, pos.offset, 1.0, 0, &mut stack);
            self.arrive(
                ed.b,
                pos.edge,
                false,
                ed.length - pos.offset,
                1.0,
                0,
                &mut stack,
            );
        }
        while let Some(c) = stack.pop() {
            let ed = self.net.edges[c.e as usize];
            let r = self.lx.of_edge(c.e);
            if c.from_a {
                for k in r {
                    let d = c.d + self.lx.centre(k);
                    if d > h {
                        break;
                    }
                    s.add(k, w * c.alpha * kern.eval(d, h));
                }
            } else {
                for k in r.rev() {
                    let d = c.d + (ed.length - self.lx.centre(k));
                    if d > h {
                        break;
                    }
                    s.add(k, w * c.alpha * kern.eval(d, h));
                }
            }
            let (v, end_a) = if c.from_a {
                (ed.b, false)
            } else {
                (ed.a, true)
            };
            self.arrive(v, c.e, end_a, c.d + ed.length, c.alpha, c.depth, &mut stack);
        }
        s.stack = stack;
    }
}

fn check(net: &Network, events: &[NetPos], weights: Option<&[f64]>, p: &NkdeParams) -> Result<()> {
    if !(p.bandwidth.is_finite() && p.bandwidth > 0.0) {
        return Err(Error::invalid_param(
            "bandwidth",
            p.bandwidth,
            "a network KDE bandwidth must be > 0 m",
        ));
    }
    if let Some(w) = weights {
        if w.len() != events.len() {
            return Err(Error::length_mismatch(
                "weights",
                w.len(),
                "events",
                events.len(),
            ));
        }
        if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::BadValue {
                what: "weight of event",
                index: i,
                value: w[i],
                expected: "not a finite number >= 0",
            });
        }
    }
    for (i, e) in events.iter().enumerate() {
        let ok = (e.edge as usize) < net.edges.len()
            && e.offset.is_finite()
            && e.offset >= 0.0
            && e.offset <= net.edges[e.edge as usize].length;
        if !ok {
            return Err(Error::invalid_param(
                "events",
                format!("event {i} at {e:?}"),
                "the position is not on the network",
            ));
        }
    }
    Ok(())
}

/// Network KDE of `events` (with optional weights) at the lixel centres: density
/// in events per metre, one value per lixel (lixel order). See the module docs.
///
/// # Errors
/// [`Error::InvalidParam`] for a bandwidth that is not > 0 or a position off the
/// network; [`Error::LengthMismatch`] for weights of the wrong length;
/// [`Error::BadValue`] for a negative or non-finite weight.
///
/// # Examples
/// ```
/// use crimescape::{nkde, Lixels, NetPos, Network, NkdeMethod, NkdeParams};
/// // a T junction: three 100 m arms from node 0; one event 40 m up arm 0
/// let net = Network::from_edges(
///     vec![[0.0, 0.0], [-100.0, 0.0], [100.0, 0.0], [0.0, 100.0]],
///     &[(0, 1, 100.0), (0, 2, 100.0), (0, 3, 100.0)],
/// ).unwrap();
/// let lx = Lixels::new(&net, 10.0).unwrap();
/// let p = NkdeParams::new(100.0).method(NkdeMethod::Discontinuous);
/// let d = nkde(&net, &lx, &[NetPos::new(0, 40.0)], None, &p).unwrap();
/// // arm 1, lixel centre 25 m from the junction: 65 m from the event, mass halved
/// let u: f64 = 65.0 / 100.0;
/// let k = 15.0 / 16.0 * (1.0 - u * u).powi(2) / 100.0;
/// assert!((d[12] - k / 2.0).abs() < 1e-15);
/// ```
pub fn nkde(
    net: &Network,
    lixels: &Lixels,
    events: &[NetPos],
    weights: Option<&[f64]>,
    p: &NkdeParams,
) -> Result<Vec<f64>> {
    check(net, events, weights, p)?;
    let nlix = lixels.len();
    if p.method == NkdeMethod::Planar {
        return Ok(planar(net, lixels, events, weights, p));
    }
    let ctx = Ctx { net, lx: lixels, p };
    let mut acc = vec![0.0; nlix];
    let blocks: Vec<(usize, usize)> = (0..events.len())
        .step_by(BLOCK)
        .map(|s| (s, (s + BLOCK).min(events.len())))
        .collect();
    let scratch = PerThread::new();
    for wave in blocks.chunks(WAVE) {
        let outs: Vec<Vec<(u32, f64)>> = wave
            .par_iter()
            .map(|&(a, b)| {
                scratch.with(
                    || Scratch::new(nlix, net),
                    |s| {
                        for i in a..b {
                            let w = weights.map_or(1.0, |w| w[i]);
                            if w == 0.0 {
                                continue;
                            }
                            match p.method {
                                NkdeMethod::Simple => ctx.simple(events[i], w, s),
                                _ => ctx.split(events[i], w, s),
                            }
                        }
                        s.drain()
                    },
                )
            })
            .collect();
        for o in outs {
            for (k, v) in o {
                acc[k as usize] += v;
            }
        }
    }
    Ok(acc)
}

fn planar(
    net: &Network,
    lixels: &Lixels,
    events: &[NetPos],
    weights: Option<&[f64]>,
    p: &NkdeParams,
) -> Vec<f64> {
    let xy: Vec<[f64; 2]> = events
        .iter()
        .map(|e| net.point_at(e.edge, e.offset))
        .collect();
    let idx = PointIndex::new(&xy);
    let h = p.bandwidth;
    (0..lixels.len())
        .into_par_iter()
        .map(|k| {
            let c = net.point_at(lixels.edge[k], lixels.centre(k));
            let mut hits = idx.within(c, h);
            hits.sort_by_key(|x| x.0);
            hits.iter()
                .map(|&(i, d)| weights.map_or(1.0, |w| w[i]) * p.kernel.eval(d, h))
                .sum()
        })
        .collect()
}

/// Everything [`nkde_study`] computed.
#[derive(Debug, Clone, Serialize)]
pub struct NkdeStudy {
    /// Parameters.
    pub params: NkdeParams,
    /// Snapping of the incidents (input order).
    pub snapped: Snapped,
    /// The lixels.
    pub lixels: Lixels,
    /// Density of each lixel (events per metre).
    pub density: Vec<f64>,
    /// Events used (snapped, with a weight > 0).
    pub n_events: usize,
    /// Total weight of the events used.
    pub total_weight: f64,
    /// `Σ density × lixel length`: the estimated mass on the network (≈ total weight
    /// for the continuous form away from dead ends; the simple form exceeds it).
    pub mass: f64,
}

/// Snaps incidents to the network, cuts it into lixels and runs [`nkde`].
///
/// # Errors
/// As [`nkde`] and [`Lixels::new`]; [`Error::Degenerate`] when no incident lies within
/// the snapping tolerance of the network.
pub fn nkde_study(
    space: &NetworkSpace,
    xy: &[[f64; 2]],
    weights: Option<&[f64]>,
    p: &NkdeParams,
) -> Result<NkdeStudy> {
    let snapped = space.snap_all(xy);
    let (idx, pos) = snapped.positions();
    if pos.is_empty() {
        return Err(Error::degenerate(
            "network KDE",
            format!(
                "none of the {} incidents lies within {} m of the network",
                xy.len(),
                space.tolerance
            ),
        ));
    }
    if let Some(ww) = weights {
        if ww.len() != xy.len() {
            return Err(Error::length_mismatch(
                "weights",
                ww.len(),
                "incidents",
                xy.len(),
            ));
        }
    }
    let w: Option<Vec<f64>> = weights.map(|w| idx.iter().map(|&i| w[i]).collect());
    let lixels = Lixels::new(&space.net, p.lixel_length)?;
    let density = nkde(&space.net, &lixels, &pos, w.as_deref(), p)?;
    let mass = density
        .iter()
        .enumerate()
        .map(|(k, d)| d * lixels.length(k))
        .sum();
    let total_weight = w.as_ref().map_or(pos.len() as f64, |w| w.iter().sum());
    let n_events = w
        .as_ref()
        .map_or(pos.len(), |w| w.iter().filter(|v| **v > 0.0).count());
    Ok(NkdeStudy {
        params: p.clone(),
        snapped,
        lixels,
        density,
        n_events,
        total_weight,
        mass,
    })
}

/// The number of events that contribute to each lixel's density (lixel order): an
/// event contributes when its kernel term at the lixel centre is not zero, i.e. its
/// network distance along some path the method follows is below the bandwidth
/// (straight-line distance for [`NkdeMethod::Planar`]). Weights are ignored (an
/// event of weight 0 still counts: it is an incident). Used by the public audience
/// to publish a lixel's density only where at least k incidents make it
/// (`crimescape::study::network`), so that a single incident's bump cannot place it.
///
/// # Errors
/// As [`nkde`] (bandwidth, positions off the network).
///
/// # Examples
/// ```
/// use crimescape::{nkde_support, Lixels, NetPos, Network, NkdeParams};
/// let net = Network::from_edges(vec![[0.0, 0.0], [1000.0, 0.0]], &[(0, 1, 1000.0)]).unwrap();
/// let lx = Lixels::new(&net, 100.0).unwrap();
/// let ev = [NetPos::new(0, 120.0), NetPos::new(0, 180.0), NetPos::new(0, 900.0)];
/// let n = nkde_support(&net, &lx, &ev, &NkdeParams::new(100.0)).unwrap();
/// // lixel 1 (centre 150 m) has the two close events; lixel 9 (950 m) the far one
/// assert_eq!(n[1], 2);
/// assert_eq!(n[9], 1);
/// assert_eq!(n[5], 0);
/// ```
pub fn nkde_support(
    net: &Network,
    lixels: &Lixels,
    events: &[NetPos],
    p: &NkdeParams,
) -> Result<Vec<u32>> {
    check(net, events, None, p)?;
    let nlix = lixels.len();
    let mut acc = vec![0u32; nlix];
    if p.method == NkdeMethod::Planar {
        let xy: Vec<[f64; 2]> = events
            .iter()
            .map(|e| net.point_at(e.edge, e.offset))
            .collect();
        let idx = PointIndex::new(&xy);
        let h = p.bandwidth;
        let counts: Vec<u32> = (0..nlix)
            .into_par_iter()
            .map(|k| {
                let c = net.point_at(lixels.edge[k], lixels.centre(k));
                idx.within(c, h)
                    .iter()
                    .filter(|&&(_, d)| p.kernel.eval(d, h) != 0.0)
                    .count() as u32
            })
            .collect();
        return Ok(counts);
    }
    let ctx = Ctx { net, lx: lixels, p };
    let blocks: Vec<(usize, usize)> = (0..events.len())
        .step_by(BLOCK)
        .map(|s| (s, (s + BLOCK).min(events.len())))
        .collect();
    let scratch = PerThread::new();
    for wave in blocks.chunks(WAVE) {
        let outs: Vec<Vec<u32>> = wave
            .par_iter()
            .map(|&(a, b)| {
                scratch.with(
                    || Scratch::new(nlix, net),
                    |s| {
                        let mut hit = Vec::new();
                        for &e in &events[a..b] {
                            match p.method {
                                NkdeMethod::Simple => ctx.simple(e, 1.0, s),
                                _ => ctx.split(e, 1.0, s),
                            }
                            hit.extend(s.drain().into_iter().filter(|x| x.1 != 0.0).map(|x| x.0));
                        }
                        hit
                    },
                )
            })
            .collect();
        for o in outs {
            for k in o {
                acc[k as usize] += 1;
            }
        }
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    const H: f64 = 100.0;
    const ALL: [NkdeMethod; 3] = [
        NkdeMethod::Simple,
        NkdeMethod::Discontinuous,
        NkdeMethod::Continuous,
    ];
    const KERNELS: [NetKernel; 3] = [
        NetKernel::Quartic,
        NetKernel::Triangular,
        NetKernel::Gaussian,
    ];

    fn k(kern: NetKernel, d: f64) -> f64 {
        kern.eval(d, H)
    }

    fn run(net: &Network, lx: &Lixels, ev: &[NetPos], m: NkdeMethod, kern: NetKernel) -> Vec<f64> {
        nkde(
            net,
            lx,
            ev,
            None,
            &NkdeParams::new(H).method(m).kernel(kern),
        )
        .unwrap()
    }

    /// The simple, discontinuous and continuous densities, in that order.
    fn run3(net: &Network, lx: &Lixels, ev: &[NetPos], kern: NetKernel) -> [Vec<f64>; 3] {
        [
            NkdeMethod::Simple,
            NkdeMethod::Discontinuous,
            NkdeMethod::Continuous,
        ]
        .map(|m| run(net, lx, ev, m, kern))
    }

    /// Lixel of edge `e` whose centre is at `c` (10 m lixels: centres 5, 15, ...).
    fn at(lx: &Lixels, e: u32, c: f64) -> usize {
        lx.of_edge(e)
            .find(|&k| (lx.centre(k) - c).abs() < 1e-9)
            .expect("a lixel centre there")
    }

    #[test]
    fn net_kernel_integrates_to_one() {
        for (kern, mass) in [
            (NetKernel::Quartic, 1.0),
            (NetKernel::Triangular, 1.0),
            (NetKernel::Gaussian, 0.682_689_492_137_085_9),
        ] {
            let n = 200_000;
            let s: f64 = (0..n)
                .map(|i| kern.eval((i as f64 + 0.5) / n as f64 * H, H))
                .sum::<f64>()
                * (H / n as f64)
                * 2.0;
            assert_abs_diff_eq!(s, mass, epsilon = 1e-8);
        }
        assert_eq!(NetKernel::Quartic.eval(100.0 + 1e-9, 100.0), 0.0);
    }

    #[test]
    fn nkde_line_every_form_is_the_1d_kernel() {
        // a 400 m line of two edges (node 1 at 200 m has degree 2): one event at 150 m
        let net = Network::from_edges(
            vec![[0.0, 0.0], [200.0, 0.0], [400.0, 0.0]],
            &[(0, 1, 200.0), (1, 2, 200.0)],
        )
        .unwrap();
        let lx = Lixels::new(&net, 10.0).unwrap();
        let ev = [NetPos::new(0, 150.0)];
        for kern in KERNELS {
            for m in ALL {
                let d = run(&net, &lx, &ev, m, kern);
                for (e, c, dist) in [
                    (0, 145.0, 5.0),
                    (0, 95.0, 55.0),
                    (0, 195.0, 45.0),
                    (1, 5.0, 55.0),
                    (1, 45.0, 95.0),
                    (1, 55.0, 105.0),
                    (0, 45.0, 105.0),
                ] {
                    assert_abs_diff_eq!(d[at(&lx, e, c)], k(kern, dist), epsilon = 1e-15);
                }
            }
        }
        // two events: additive; weights scale
        let ev2 = [NetPos::new(0, 150.0), NetPos::new(1, 10.0)];
        let p = NkdeParams::new(H).method(NkdeMethod::Continuous);
        let d = nkde(&net, &lx, &ev2, Some(&[2.0, 0.5]), &p).unwrap();
        let q = NetKernel::Quartic;
        assert_abs_diff_eq!(
            d[at(&lx, 1, 5.0)],
            2.0 * k(q, 55.0) + 0.5 * k(q, 5.0),
            epsilon = 1e-15
        );
    }

    /// Three arms of 100 m from node 0 (degree 3).
    fn tee() -> Network {
        Network::from_edges(
            vec![[0.0, 0.0], [-300.0, 0.0], [300.0, 0.0], [0.0, 300.0]],
            &[(0, 1, 300.0), (0, 2, 300.0), (0, 3, 300.0)],
        )
        .unwrap()
    }

    #[test]
    fn nkde_t_junction_by_hand() {
        // event 40 m up arm 0 from the junction
        let net = tee();
        let lx = Lixels::new(&net, 10.0).unwrap();
        let ev = [NetPos::new(0, 40.0)];
        for kern in KERNELS {
            let [s, dc, c] = run3(&net, &lx, &ev, kern);
            // other arm, 25 m from the junction: 65 m away
            let o = at(&lx, 1, 25.0);
            assert_abs_diff_eq!(s[o], k(kern, 65.0), epsilon = 1e-15);
            assert_abs_diff_eq!(dc[o], k(kern, 65.0) / 2.0, epsilon = 1e-15);
            assert_abs_diff_eq!(c[o], k(kern, 65.0) * 2.0 / 3.0, epsilon = 1e-15);
            // own arm between the junction and the event, 15 m from the junction (25 m
            // from the event): continuous adds the back-propagated -1/3 K(40 + 15)
            let b = at(&lx, 0, 15.0);
            assert_abs_diff_eq!(s[b], k(kern, 25.0), epsilon = 1e-15);
            assert_abs_diff_eq!(dc[b], k(kern, 25.0), epsilon = 1e-15);
            assert_abs_diff_eq!(c[b], k(kern, 25.0) - k(kern, 55.0) / 3.0, epsilon = 1e-15);
            // own arm beyond the event, 85 m from the junction (45 m from the event)
            let f = at(&lx, 0, 85.0);
            assert_abs_diff_eq!(s[f], k(kern, 45.0), epsilon = 1e-15);
            assert_abs_diff_eq!(dc[f], k(kern, 45.0), epsilon = 1e-15);
            assert_abs_diff_eq!(c[f], k(kern, 45.0) - k(kern, 125.0) / 3.0, epsilon = 1e-15);
        }
    }

    #[test]
    fn nkde_cross_by_hand() {
        // four arms of 300 m from node 0 (degree 4); event 30 m up arm 2
        let net = Network::from_edges(
            vec![
                [0.0, 0.0],
                [-300.0, 0.0],
                [300.0, 0.0],
                [0.0, 300.0],
                [0.0, -300.0],
            ],
            &[(0, 1, 300.0), (0, 2, 300.0), (0, 3, 300.0), (0, 4, 300.0)],
        )
        .unwrap();
        let lx = Lixels::new(&net, 10.0).unwrap();
        let ev = [NetPos::new(2, 30.0)];
        for kern in KERNELS {
            let [s, dc, c] = run3(&net, &lx, &ev, kern);
            for arm in [0u32, 3] {
                let o = at(&lx, arm, 45.0);
                assert_abs_diff_eq!(s[o], k(kern, 75.0), epsilon = 1e-15);
                assert_abs_diff_eq!(dc[o], k(kern, 75.0) / 3.0, epsilon = 1e-15);
                assert_abs_diff_eq!(c[o], k(kern, 75.0) / 2.0, epsilon = 1e-15);
            }
            // own arm at 5 m from the junction: 25 m from the event, back ray 30 + 5
            let b = at(&lx, 2, 5.0);
            assert_abs_diff_eq!(c[b], k(kern, 25.0) - k(kern, 35.0) / 2.0, epsilon = 1e-15);
            assert_abs_diff_eq!(dc[b], k(kern, 25.0), epsilon = 1e-15);
        }
        // an event on the junction itself: 2/n = 1/2 into every arm in both equal-split forms
        let ev0 = [NetPos::new(1, 0.0)];
        for m in [NkdeMethod::Discontinuous, NkdeMethod::Continuous] {
            let d = run(&net, &lx, &ev0, m, NetKernel::Quartic);
            for arm in 0..4 {
                assert_abs_diff_eq!(
                    d[at(&lx, arm, 35.0)],
                    k(NetKernel::Quartic, 35.0) / 2.0,
                    epsilon = 1e-15
                );
            }
        }
    }

    #[test]
    fn nkde_loop_by_hand() {
        // a ring of four 50 m edges (200 m round, every node of degree 2) and h = 100:
        // the kernel meets itself; equal-split forms sum both ways round, simple takes
        // the shorter
        let net = Network::from_edges(
            vec![[0.0, 0.0], [50.0, 0.0], [50.0, 50.0], [0.0, 50.0]],
            &[(0, 1, 50.0), (1, 2, 50.0), (2, 3, 50.0), (3, 0, 50.0)],
        )
        .unwrap();
        let lx = Lixels::new(&net, 10.0).unwrap();
        let ev = [NetPos::new(0, 20.0)];
        for kern in KERNELS {
            let [s, dc, c] = run3(&net, &lx, &ev, kern);
            // edge 2 centre 25 m from node 2: forward 30 + 50 + 25 = 105 (> h),
            // backward 20 + 50 + 25 = 95
            let o = at(&lx, 2, 25.0);
            assert_abs_diff_eq!(s[o], k(kern, 95.0), epsilon = 1e-15);
            assert_abs_diff_eq!(dc[o], k(kern, 95.0) + k(kern, 105.0), epsilon = 1e-15);
            assert_abs_diff_eq!(c[o], dc[o], epsilon = 1e-15);
            // edge 0 at 5 m: 15 m away, and 185 m the long way round (beyond h)
            let b = at(&lx, 0, 5.0);
            assert_abs_diff_eq!(s[b], k(kern, 15.0), epsilon = 1e-15);
            assert_abs_diff_eq!(c[b], k(kern, 15.0), epsilon = 1e-15);
        }
        // a bigger bandwidth: both ways round, the long way too (h = 300 > 185)
        let p = NkdeParams::new(300.0).method(NkdeMethod::Discontinuous);
        let d = nkde(&net, &lx, &ev, None, &p).unwrap();
        let q = |x: f64| NetKernel::Quartic.eval(x, 300.0);
        assert_abs_diff_eq!(
            d[at(&lx, 0, 5.0)],
            q(15.0) + q(185.0) + q(215.0),
            epsilon = 1e-15
        );
        // a one-edge loop (a circle of 200 m) gives the same as the ring
        let one = Network::from_edges(vec![[0.0, 0.0]], &[(0, 0, 200.0)]).unwrap();
        let lx1 = Lixels::new(&one, 10.0).unwrap();
        let d1 = nkde(&one, &lx1, &ev, None, &p).unwrap();
        assert_abs_diff_eq!(d1[0], d[at(&lx, 0, 5.0)], epsilon = 1e-15);
    }

    #[test]
    fn nkde_mass_conserved_by_the_split_forms() {
        // a 3 x 3 block grid of 100 m with long exits; events near the centre,
        // bandwidth 150 m: continuous and discontinuous keep the mass (no dead end
        // within reach), simple exceeds it
        let mut lines = Vec::new();
        for i in 0..6 {
            let c = -100.0 + i as f64 * 100.0;
            lines.push(geo::LineString::from(vec![(-1000.0, c), (1400.0, c)]));
            lines.push(geo::LineString::from(vec![(c, -1000.0), (c, 1400.0)]));
        }
        let net = Network::build(&lines, &crate::network::NetworkParams::new()).unwrap();
        let lx = Lixels::new(&net, 1.0).unwrap();
        let sp = NetworkSpace::new(net.clone(), 5.0).unwrap();
        let ev: Vec<NetPos> = [[150.0, 100.0], [200.0, 230.0], [310.0, 300.0]]
            .iter()
            .map(|p| sp.snap(*p).unwrap().0)
            .collect();
        let mass = |m: NkdeMethod| -> f64 {
            let d = nkde(&net, &lx, &ev, None, &NkdeParams::new(150.0).method(m)).unwrap();
            d.iter().enumerate().map(|(k, v)| v * lx.length(k)).sum()
        };
        assert_abs_diff_eq!(mass(NkdeMethod::Continuous), 3.0, epsilon = 1e-4);
        assert_abs_diff_eq!(mass(NkdeMethod::Discontinuous), 3.0, epsilon = 1e-4);
        assert!(mass(NkdeMethod::Simple) > 3.5);
    }

    #[test]
    fn nkde_same_for_any_thread_count_and_rejects_bad_input() {
        let net = tee();
        let lx = Lixels::new(&net, 7.0).unwrap();
        let ev: Vec<NetPos> = (0..2000)
            .map(|i| NetPos::new((i % 3) as u32, (i as f64 * 13.7) % 300.0))
            .collect();
        let p = NkdeParams::new(120.0);
        let a = nkde(&net, &lx, &ev, None, &p).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| nkde(&net, &lx, &ev, None, &p).unwrap());
        assert_eq!(a, b);
        assert!(nkde(&net, &lx, &ev, None, &NkdeParams::new(0.0)).is_err());
        assert!(nkde(&net, &lx, &[NetPos::new(9, 0.0)], None, &p).is_err());
        assert!(nkde(&net, &lx, &[NetPos::new(0, 400.0)], None, &p).is_err());
        assert!(nkde(&net, &lx, &ev[..1], Some(&[f64::NAN]), &p).is_err());
    }

    #[test]
    fn nkde_planar_crosses_what_the_network_does_not() {
        // two parallel streets 60 m apart, joined only 1 km away: an event on one
        // lights the other in the planar form only
        let lines = vec![
            geo::LineString::from(vec![(0.0, 0.0), (1000.0, 0.0)]),
            geo::LineString::from(vec![(0.0, 60.0), (1000.0, 60.0)]),
            geo::LineString::from(vec![(1000.0, 0.0), (1000.0, 60.0)]),
        ];
        let net = Network::build(&lines, &crate::network::NetworkParams::new()).unwrap();
        let sp = NetworkSpace::new(net, 10.0).unwrap();
        let st = nkde_study(&sp, &[[100.0, 2.0]], None, &NkdeParams::new(200.0)).unwrap();
        let other = sp.snap([100.0, 60.0]).unwrap().0;
        let k = st
            .lixels
            .of_edge(other.edge)
            .find(|&k| (st.lixels.centre(k) - other.offset).abs() <= 10.0)
            .unwrap();
        assert_eq!(st.density[k], 0.0);
        let pl = nkde_study(
            &sp,
            &[[100.0, 2.0]],
            None,
            &NkdeParams::new(200.0).method(NkdeMethod::Planar),
        )
        .unwrap();
        assert!(pl.density[k] > 0.5 * NetKernel::Quartic.eval(60.0, 200.0));
        assert_eq!(st.n_events, 1);
    }
}
