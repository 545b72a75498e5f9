//! Network K-function and cross K-function (Okabe & Yamada 2001, *Geographical
//! Analysis* 33(3)) with Monte Carlo envelopes of points placed uniformly on the
//! network.
//!
//! # Definitions
//! With `n` points on a network of total length `L`, network distances `d_ij`
//! ([`super::paths`]) and a distance `t`:
//! * **K** (Okabe & Yamada's estimator): `K(t) = L · #{ordered pairs i ≠ j : d_ij ≤ t}
//!   / (n (n − 1))`; under complete spatial randomness on the network its
//!   expectation is the network length within `t` of a typical point (`2t` on a
//!   long line, more at junctions).
//! * **spaghetti's** `GlobalAutoK` (PySAL spaghetti 1.7): `K_s(t) = 2 · #{pairs
//!   i < j : d_ij < t} / (n · λ)` with `λ = n / L`, i.e. a strict `<` and `n²`
//!   instead of `n (n − 1)`; reported as `k_spaghetti` for parity (spaghetti uses
//!   `t = linspace(0, upper, nsteps)`, see [`KParams::steps`]).
//! * **cross K** (incidents `A` against facilities `B`): `K_AB(t) = L · #{(i, j) :
//!   d(a_i, b_j) ≤ t} / (n_A n_B)`; `k_spaghetti` is the same with `<`.
//!
//! Positions are the snapped incidents; snap distances are not added.
//!
//! # Monte Carlo envelopes
//! Simulation `s` draws `n` (for cross K: `n_A`; the facilities stay fixed) points
//! uniformly on the network — a uniform position along the concatenated edges,
//! so edges are chosen in proportion to their length — from ChaCha8 stream `s` of
//! `seed`, and recomputes the function. Per distance the envelope is the minimum
//! and maximum of the simulations (pointwise, `2/(S + 1)` two-sided for `S`
//! simulations), with `p_clustered = (#{sim ≥ obs} + 1)/(S + 1)` and
//! `p_dispersed = (#{sim ≤ obs} + 1)/(S + 1)` (one-sided, pointwise).
//!
//! # Algorithm
//! One Dijkstra bounded by the largest distance per point, points grouped by edge,
//! in parallel over points; counts are integers, so the result does not depend on
//! the thread count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::graph::Network;
use super::paths::{PerThread, PointsByEdge, ReachBuffers};
use super::snap::{NetPos, NetworkSpace, Snapped};
use crate::error::{Error, Result};

/// Parameters of [`network_k`] / [`network_cross_k`] (builder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KParams {
    /// Distances `t` (m), strictly increasing, `>= 0`.
    pub distances: Vec<f64>,
    /// Simulations of uniform points for the envelope (default 99; 0 = none).
    pub simulations: usize,
    /// Seed (default 42).
    pub seed: u64,
}

impl KParams {
    /// K at the given distances.
    pub fn new(distances: Vec<f64>) -> Self {
        KParams {
            distances,
            simulations: 99,
            seed: 42,
        }
    }
    /// spaghetti's distances: `nsteps` values from 0 to `upper` inclusive.
    pub fn steps(upper: f64, nsteps: usize) -> Self {
        let d = if nsteps <= 1 {
            vec![upper]
        } else {
            (0..nsteps)
                .map(|i| upper * i as f64 / (nsteps - 1) as f64)
                .collect()
        };
        Self::new(d)
    }
    /// Sets the number of simulations.
    pub fn simulations(mut self, s: usize) -> Self {
        self.simulations = s;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
}

/// Envelope from simulations of uniform points.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KEnvelope {
    /// Simulations.
    pub simulations: usize,
    /// Seed.
    pub seed: u64,
    /// Smallest simulated K per distance.
    pub lo: Vec<f64>,
    /// Largest simulated K per distance.
    pub hi: Vec<f64>,
    /// Mean simulated K.
    pub mean: Vec<f64>,
    /// `(#{sim ≥ obs} + 1)/(S + 1)`.
    pub p_clustered: Vec<f64>,
    /// `(#{sim ≤ obs} + 1)/(S + 1)`.
    pub p_dispersed: Vec<f64>,
}

/// A network K (or cross K) function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KResult {
    /// `auto` or `cross`.
    pub kind: String,
    /// Points (incidents, `A` for cross K).
    pub n: usize,
    /// Facilities (`B`), cross K only.
    pub n_b: Option<usize>,
    /// Network length `L` (m).
    pub total_length_m: f64,
    /// Distances `t` (m).
    pub distances: Vec<f64>,
    /// Pairs with `d <= t` (unordered for K, (a, b) pairs for cross K).
    pub pairs_within: Vec<u64>,
    /// Pairs with `d < t`.
    pub pairs_below: Vec<u64>,
    /// Okabe & Yamada's K.
    pub k: Vec<f64>,
    /// spaghetti's `GlobalAutoK` values (strict `<`, `n²`).
    pub k_spaghetti: Vec<f64>,
    /// Monte Carlo envelope of `k`.
    pub envelope: Option<KEnvelope>,
}

/// `n` points uniformly on the network (edges in proportion to their length).
pub fn uniform_points(net: &Network, n: usize, rng: &mut impl Rng) -> Vec<NetPos> {
    uniform_points_cum(net, &cumulative_lengths(net), n, rng)
}

/// Running sums of the edge lengths, in edge order.
fn cumulative_lengths(net: &Network) -> Vec<f64> {
    let mut cum = Vec::with_capacity(net.edges.len());
    let mut s = 0.0;
    for e in &net.edges {
        s += e.length;
        cum.push(s);
    }
    cum
}

fn uniform_points_cum(net: &Network, cum: &[f64], n: usize, rng: &mut impl Rng) -> Vec<NetPos> {
    let total = cum.last().copied().unwrap_or(0.0);
    (0..n)
        .map(|_| {
            let u = rng.random::<f64>() * total;
            let e = cum.partition_point(|c| *c <= u).min(cum.len() - 1);
            let before = if e == 0 { 0.0 } else { cum[e - 1] };
            NetPos::new(e as u32, (u - before).clamp(0.0, net.edges[e].length))
        })
        .collect()
}

fn check(net: &Network, p: &KParams) -> Result<()> {
    let d = &p.distances;
    if d.is_empty() || d.len() > 10_000 {
        return Err(Error::invalid_param(
            "distances",
            format!("{} distances", d.len()),
            "the network K function takes 1 to 10000 distances",
        ));
    }
    if !d.iter().all(|v| v.is_finite() && *v >= 0.0) || d.windows(2).any(|w| w[1] <= w[0]) {
        return Err(Error::invalid_param(
            "distances",
            format!("{d:?}"),
            "distances must be finite, >= 0 and strictly increasing",
        ));
    }
    if net.total_length() <= 0.0 {
        return Err(Error::degenerate(
            "the network K function",
            "the network has no length",
        ));
    }
    Ok(())
}

/// Pair counts `(d <= t, d < t)` per distance; `b = None` for the auto function
/// (pairs i < j of `a`).
fn counts(
    net: &Network,
    a: &[NetPos],
    b: Option<&[NetPos]>,
    t: &[f64],
    bufs: &PerThread<ReachBuffers>,
) -> (Vec<u64>, Vec<u64>) {
    let tmax = t[t.len() - 1];
    let targets = b.unwrap_or(a);
    let by = PointsByEdge::new(targets, net.edges.len());
    let nt = t.len();
    let chunk = 256;
    let (le, lt) = (0..a.len())
        .into_par_iter()
        .step_by(chunk)
        .map(|start| {
            bufs.with(
                || ReachBuffers::new(net),
                |buf| {
                    let mut le = vec![0u64; nt + 1];
                    let mut lt = vec![0u64; nt + 1];
                    let end = (start + chunk).min(a.len());
                    for (i, &ai) in a.iter().enumerate().take(end).skip(start) {
                        net.for_each_within(ai, tmax, targets, &by, buf, |j, d| {
                            if b.is_none() && j <= i {
                                return;
                            }
                            le[t.partition_point(|x| *x < d)] += 1;
                            lt[t.partition_point(|x| *x <= d)] += 1;
                        });
                    }
                    (le, lt)
                },
            )
        })
        .reduce(
            || (vec![0u64; nt + 1], vec![0u64; nt + 1]),
            |mut x, y| {
                for k in 0..=nt {
                    x.0[k] += y.0[k];
                    x.1[k] += y.1[k];
                }
                x
            },
        );
    let cumulate = |h: Vec<u64>| -> Vec<u64> {
        let mut c = 0;
        h[..nt]
            .iter()
            .map(|v| {
                c += v;
                c
            })
            .collect()
    };
    (cumulate(le), cumulate(lt))
}

fn k_values(total: f64, n: usize, n_b: Option<usize>, c: &[u64]) -> Vec<f64> {
    let nf = n as f64;
    c.iter()
        .map(|&v| match n_b {
            None => total * 2.0 * v as f64 / (nf * (nf - 1.0)),
            Some(m) => total * v as f64 / (nf * m as f64),
        })
        .collect()
}

fn k_spaghetti(total: f64, n: usize, n_b: Option<usize>, c: &[u64]) -> Vec<f64> {
    let nf = n as f64;
    c.iter()
        .map(|&v| match n_b {
            None => 2.0 * v as f64 * total / (nf * nf),
            Some(m) => total * v as f64 / (nf * m as f64),
        })
        .collect()
}

fn run(net: &Network, a: &[NetPos], b: Option<&[NetPos]>, p: &KParams) -> Result<KResult> {
    check(net, p)?;
    match b {
        None if a.len() < 2 => {
            return Err(Error::too_few(
                "the network K function",
                "points on the network",
                2,
                a.len(),
            ))
        }
        Some(bb) if a.is_empty() || bb.is_empty() => {
            return Err(Error::degenerate(
                "the cross K function",
                format!(
                    "it needs points of both kinds on the network, got {} and {}",
                    a.len(),
                    bb.len()
                ),
            ))
        }
        _ => {}
    }
    for q in a.iter().chain(b.unwrap_or(&[])) {
        let ok = (q.edge as usize) < net.edges.len()
            && q.offset >= 0.0
            && q.offset <= net.edges[q.edge as usize].length;
        if !ok {
            return Err(Error::invalid_param(
                "points",
                format!("{q:?}"),
                "the position is not on the network",
            ));
        }
    }
    let total = net.total_length();
    let n_b = b.map(|x| x.len());
    let t = &p.distances;
    let bufs = PerThread::new();
    let (le, lt) = counts(net, a, b, t, &bufs);
    let k = k_values(total, a.len(), n_b, &le);
    let envelope = (p.simulations > 0).then(|| {
        let cum = cumulative_lengths(net);
        let sims: Vec<Vec<f64>> = (0..p.simulations)
            .map(|s| {
                let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
                rng.set_stream(s as u64);
                let pts = uniform_points_cum(net, &cum, a.len(), &mut rng);
                let (c, _) = counts(net, &pts, b, t, &bufs);
                k_values(total, a.len(), n_b, &c)
            })
            .collect();
        let ns = sims.len() as f64;
        let e = crate::envelope::summarise(&sims, &k);
        let p_of = |c: Vec<usize>| {
            c.into_iter()
                .map(|c| (c as f64 + 1.0) / (ns + 1.0))
                .collect()
        };
        KEnvelope {
            simulations: p.simulations,
            seed: p.seed,
            lo: e.lo,
            hi: e.hi,
            mean: e.mean,
            p_clustered: p_of(e.ge),
            p_dispersed: p_of(e.le),
        }
    });
    Ok(KResult {
        kind: if b.is_some() { "cross" } else { "auto" }.into(),
        n: a.len(),
        n_b,
        total_length_m: total,
        distances: t.clone(),
        k_spaghetti: k_spaghetti(total, a.len(), n_b, &lt),
        pairs_within: le,
        pairs_below: lt,
        k,
        envelope,
    })
}

/// The network K function of `points` (see the module docs).
///
/// # Errors
/// [`Error::InvalidParam`] for bad distances or a position off the network;
/// [`Error::TooFew`] for fewer than 2 points; [`Error::Degenerate`] for a network
/// without length.
///
/// # Examples
/// ```
/// use crimescape::{network_k, KParams, NetPos, Network};
/// // a 1 km street; points at 0, 100 and 350 m
/// let net = Network::from_edges(vec![[0.0, 0.0], [1000.0, 0.0]], &[(0, 1, 1000.0)]).unwrap();
/// let pts = [NetPos::new(0, 0.0), NetPos::new(0, 100.0), NetPos::new(0, 350.0)];
/// let k = network_k(&net, &pts, &KParams::new(vec![100.0, 300.0]).simulations(0)).unwrap();
/// assert_eq!(k.pairs_within, vec![1, 2]);
/// assert!((k.k[0] - 1000.0 * 2.0 / 6.0).abs() < 1e-9);
/// ```
pub fn network_k(net: &Network, points: &[NetPos], p: &KParams) -> Result<KResult> {
    run(net, points, None, p)
}

/// The network cross K function of `a` (e.g. incidents, simulated in the
/// envelope) against `b` (e.g. bars or bus stops, fixed).
///
/// # Errors
/// As [`network_k`]; [`Error::Degenerate`] when either set is empty.
pub fn network_cross_k(net: &Network, a: &[NetPos], b: &[NetPos], p: &KParams) -> Result<KResult> {
    run(net, a, Some(b), p)
}

/// A K function with the snapping of its points.
#[derive(Debug, Clone, Serialize)]
pub struct KStudy {
    /// Parameters.
    pub params: KParams,
    /// Snapping of the incidents (`A`).
    pub snapped: Snapped,
    /// Snapping of the facilities (`B`), cross K only.
    pub snapped_b: Option<Snapped>,
    /// The function.
    pub result: KResult,
}

/// Snaps incidents (and facilities, for cross K) and computes the network K
/// (`b = None`) or cross K function.
///
/// # Errors
/// As [`network_k`] / [`network_cross_k`].
pub fn k_study(
    space: &NetworkSpace,
    a: &[[f64; 2]],
    b: Option<&[[f64; 2]]>,
    p: &KParams,
) -> Result<KStudy> {
    let snapped = space.snap_all(a);
    let (_, pa) = snapped.positions();
    let snapped_b = b.map(|b| space.snap_all(b));
    let result = match &snapped_b {
        None => network_k(&space.net, &pa, p)?,
        Some(sb) => network_cross_k(&space.net, &pa, &sb.positions().1, p)?,
    };
    Ok(KStudy {
        params: p.clone(),
        snapped,
        snapped_b,
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn brute(net: &Network, a: &[NetPos], b: Option<&[NetPos]>, t: &[f64]) -> (Vec<u64>, Vec<u64>) {
        let m = net.distance_matrix(a, b.unwrap_or(a), f64::INFINITY);
        let mut le = vec![0u64; t.len()];
        let mut lt = vec![0u64; t.len()];
        for (i, row) in m.iter().enumerate() {
            for (j, &d) in row.iter().enumerate() {
                if b.is_none() && j <= i {
                    continue;
                }
                for (k, &tk) in t.iter().enumerate() {
                    le[k] += u64::from(d <= tk);
                    lt[k] += u64::from(d < tk);
                }
            }
        }
        (le, lt)
    }

    fn grid() -> Network {
        let mut lines = Vec::new();
        for i in 0..6 {
            let c = i as f64 * 100.0;
            lines.push(geo::LineString::from(vec![(0.0, c), (500.0, c)]));
            lines.push(geo::LineString::from(vec![(c, 0.0), (c, 500.0)]));
        }
        lines.push(geo::LineString::from(vec![(500.0, 500.0), (650.0, 650.0)]));
        crate::network::Network::build(&lines, &crate::network::NetworkParams::new()).unwrap()
    }

    #[test]
    fn network_k_counts_equal_brute_force() {
        let net = grid();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let a = uniform_points(&net, 150, &mut rng);
        let b = uniform_points(&net, 40, &mut rng);
        let mut a2 = a.clone();
        a2.push(a[0]); // a duplicate: distance 0
        let t = vec![0.0, 50.0, 100.0, 150.0, 300.0, 700.0];
        let p = KParams::new(t.clone()).simulations(0);
        let r = network_k(&net, &a2, &p).unwrap();
        let (le, lt) = brute(&net, &a2, None, &t);
        assert_eq!(r.pairs_within, le);
        assert_eq!(r.pairs_below, lt);
        assert_eq!(r.pairs_within[0], 1);
        let n = a2.len() as f64;
        let l = net.total_length();
        assert_abs_diff_eq!(
            r.k[3],
            l * 2.0 * le[3] as f64 / (n * (n - 1.0)),
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(
            r.k_spaghetti[3],
            2.0 * lt[3] as f64 * l / (n * n),
            epsilon = 1e-9
        );
        let c = network_cross_k(&net, &a, &b, &p).unwrap();
        let (le, lt) = brute(&net, &a, Some(&b), &t);
        assert_eq!(c.pairs_within, le);
        assert_eq!(c.pairs_below, lt);
        assert_abs_diff_eq!(c.k[4], l * le[4] as f64 / (150.0 * 40.0), epsilon = 1e-9);
    }

    #[test]
    fn network_k_uniform_points_within_envelope_clustered_above() {
        let net = grid();
        let t = KParams::steps(300.0, 7).distances;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let csr = uniform_points(&net, 120, &mut rng);
        let p = KParams::new(t.clone()).simulations(39).seed(5);
        let r = network_k(&net, &csr, &p).unwrap();
        let env = r.envelope.as_ref().unwrap();
        // uniform points: not above the envelope at more than one distance
        let above = (1..t.len()).filter(|&j| r.k[j] > env.hi[j]).count();
        assert!(above <= 1, "{r:?}");
        // clustered: 120 points on three short stretches
        let clustered: Vec<NetPos> = (0..120)
            .map(|i| NetPos::new([0u32, 17, 33][i % 3], 10.0 + (i / 3) as f64 * 0.5))
            .collect();
        let rc = network_k(&net, &clustered, &p).unwrap();
        let ec = rc.envelope.as_ref().unwrap();
        for j in 1..4 {
            assert!(rc.k[j] > ec.hi[j]);
            assert_abs_diff_eq!(ec.p_clustered[j], 1.0 / 40.0);
        }
        // same seed, same envelope, whatever the thread count
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let r1 = pool.install(|| network_k(&net, &csr, &p).unwrap());
        assert_eq!(r1.envelope.unwrap().mean, env.mean);
    }

    #[test]
    fn network_k_expectation_on_a_line_is_2t() {
        // on a long line, uniform points: E[K(t)] = 2t (minus the edge effect t²/L)
        let net =
            Network::from_edges(vec![[0.0, 0.0], [10_000.0, 0.0]], &[(0, 1, 10_000.0)]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let pts = uniform_points(&net, 2000, &mut rng);
        let r = network_k(&net, &pts, &KParams::new(vec![100.0, 200.0]).simulations(0)).unwrap();
        for (j, t) in [100.0f64, 200.0].iter().enumerate() {
            let e = 2.0 * t - t * t / 10_000.0;
            assert!((r.k[j] - e).abs() < 0.08 * e, "{} vs {e}", r.k[j]);
        }
    }

    #[test]
    fn network_k_rejects_bad_input() {
        let net = grid();
        let p = KParams::new(vec![100.0]).simulations(0);
        assert!(network_k(&net, &[NetPos::new(0, 1.0)], &p).is_err());
        assert!(network_k(
            &net,
            &[NetPos::new(0, 1.0); 3],
            &KParams::new(vec![100.0, 50.0])
        )
        .is_err());
        assert!(network_k(&net, &[NetPos::new(999, 1.0); 3], &p).is_err());
        assert!(network_cross_k(&net, &[NetPos::new(0, 1.0)], &[], &p).is_err());
    }
}
