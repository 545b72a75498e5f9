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
//!
//! # Files
//! This file holds the kernels, the parameters and the estimators ([`nkde`],
//! [`nkde_support`]); `kde/walk.rs` the per-event traversals and the block-parallel
//! driver; `kde/study.rs` [`nkde_study`]; `kde/tests.rs` the hand-computed cases.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::graph::Network;
use super::lixel::Lixels;
use super::snap::NetPos;
use crate::error::{Error, Result};
use crate::index::PointIndex;

mod study;
#[cfg(test)]
mod tests;
mod walk;

pub use study::{nkde_study, NkdeStudy};
use walk::{in_blocks, Ctx};

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
        let h = p.bandwidth;
        return Ok(planar(net, lixels, events, h, |mut hits| {
            hits.sort_by_key(|x| x.0);
            hits.iter()
                .map(|&(i, d)| weights.map_or(1.0, |w| w[i]) * p.kernel.eval(d, h))
                .sum()
        }));
    }
    let ctx = Ctx { net, lx: lixels, p };
    let mut acc = vec![0.0; nlix];
    in_blocks(
        net,
        nlix,
        events.len(),
        |s, r| {
            for i in r {
                let w = weights.map_or(1.0, |w| w[i]);
                if w == 0.0 {
                    continue;
                }
                ctx.spread(events[i], w, s);
            }
            s.drain()
        },
        |o| {
            for (k, v) in o {
                acc[k as usize] += v;
            }
        },
    );
    Ok(acc)
}

/// The planar form: `per_lixel` of the events within the bandwidth of each lixel
/// centre in a straight line (`(event, distance)`, in the index's order), lixel order.
fn planar<T: Send>(
    net: &Network,
    lixels: &Lixels,
    events: &[NetPos],
    h: f64,
    per_lixel: impl Fn(Vec<(usize, f64)>) -> T + Sync,
) -> Vec<T> {
    let xy: Vec<[f64; 2]> = events
        .iter()
        .map(|e| net.point_at(e.edge, e.offset))
        .collect();
    let idx = PointIndex::new(&xy);
    (0..lixels.len())
        .into_par_iter()
        .map(|k| per_lixel(idx.within(net.point_at(lixels.edge[k], lixels.centre(k)), h)))
        .collect()
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
        let h = p.bandwidth;
        let counts = planar(net, lixels, events, h, |hits| {
            hits.iter()
                .filter(|&&(_, d)| p.kernel.eval(d, h) != 0.0)
                .count() as u32
        });
        return Ok(counts);
    }
    let ctx = Ctx { net, lx: lixels, p };
    in_blocks(
        net,
        nlix,
        events.len(),
        |s, r| {
            let mut hit = Vec::new();
            for &e in &events[r] {
                ctx.spread(e, 1.0, s);
                hit.extend(s.drain().into_iter().filter(|x| x.1 != 0.0).map(|x| x.0));
            }
            hit
        },
        |o| {
            for k in o {
                acc[k as usize] += 1;
            }
        },
    );
    Ok(acc)
}
