//! Near-repeat chains: space-time connected components.
//!
//! # Definition (after Townsley, Homel & Chaseling 2003; Haberman & Ratcliffe 2012)
//! Two events are **linked** when their distance is `≤ distance` metres
//! (Euclidean by default, inclusive) and their time difference is `≤ days`
//! (inclusive, in the time unit of [`crate::repeat::prepare_times`]: for date-only
//! data whole days, so events on the same day are linked). A **chain** is a
//! connected component of the link graph with at least `min_length` events; its
//! members are ordered by time (ties by input order) and the first is the
//! **originator**. Chains are undirected: each member is within the distance and
//! time of at least one other member, earlier or later.
//!
//! The null model permutes the time stamps over the events (locations fixed), as
//! the Knox test does; replicate `r` draws from ChaCha8 stream `r` of `seed`, so
//! the result does not depend on the thread count. For each chain length the
//! expected number of chains is the mean over replicates and
//! `p = (#{sim ≥ obs} + 1)/(nrep + 1)`.
//!
//! With [`Metric::Network`] ([`ChainParams::network`]) the distance is the shortest
//! path along the street network: events are snapped to it (those farther than its
//! tolerance are excluded and counted in `excluded_off_network`) and stand at their
//! snapped positions; candidate partners within the straight-line distance (a lower
//! bound of the path) are checked by one Dijkstra bounded by `distance` per event.
//! A chain's extent and distance from the originator stay straight-line measures.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::PointIndex;
use crate::layer::Incidents;
use crate::network::{NetPos, NetworkSpace};
use crate::repeat::knox::Metric;
use crate::repeat::OnNetwork;
use crate::time::TimePrecision;

/// Parameters of [`near_repeat_chains`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainParams {
    /// Link distance (m, inclusive).
    pub distance: f64,
    /// Link time (days, inclusive).
    pub days: f64,
    /// Distance metric (default Euclidean).
    pub metric: Metric,
    /// Smallest chain reported (default 2).
    pub min_length: usize,
    /// Permutations for the null distribution of chain lengths (default 99; 0 = none).
    pub nrep: usize,
    /// Seed.
    pub seed: u64,
    /// The network of [`Metric::Network`] (not serialised).
    #[serde(skip)]
    pub network: Option<std::sync::Arc<NetworkSpace>>,
}

impl ChainParams {
    /// Chains linking events within `distance` m and `days` days.
    pub fn new(distance: f64, days: f64) -> Self {
        ChainParams {
            distance,
            days,
            metric: Metric::Euclidean,
            min_length: 2,
            nrep: 99,
            seed: 42,
            network: None,
        }
    }
    /// Sets the metric.
    pub fn metric(mut self, m: Metric) -> Self {
        self.metric = m;
        self
    }
    /// Sets the number of permutations.
    pub fn nrep(mut self, n: usize) -> Self {
        self.nrep = n;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Links events along this network ([`Metric::Network`]).
    pub fn network(mut self, space: std::sync::Arc<NetworkSpace>) -> Self {
        self.metric = Metric::Network;
        self.network = Some(space);
        self
    }
    /// Sets the minimum chain length.
    pub fn min_length(mut self, m: usize) -> Self {
        self.min_length = m;
        self
    }
}

/// One chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Chain {
    /// Members (indices into the incidents), in time order.
    pub members: Vec<usize>,
    /// The first member.
    pub originator: usize,
    /// Number of members.
    pub length: usize,
    /// Time of the originator (days since 1970-01-01, local clock).
    pub start_day: f64,
    /// Last minus first time (days).
    pub duration_days: f64,
    /// Diagonal of the members' bounding box (m).
    pub extent_m: f64,
    /// Largest distance of a member from the originator (m).
    pub max_from_originator_m: f64,
}

/// Observed and expected number of chains of one length.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LengthRow {
    /// Length label (`2`, `3`, …, `11+`).
    pub length: String,
    /// Observed chains.
    pub observed: u64,
    /// Mean under permuted times.
    pub expected: f64,
    /// (#{sim ≥ obs} + 1)/(nrep + 1).
    pub p_value: f64,
}

/// Result of [`near_repeat_chains`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainResult {
    /// Events used.
    pub n_events: usize,
    /// Events excluded for a missing time.
    pub excluded_missing_time: usize,
    /// Events excluded for a month/year-only time.
    pub excluded_coarse_time: usize,
    /// Events excluded for lying farther than the tolerance from the network
    /// ([`Metric::Network`] only).
    #[serde(default)]
    pub excluded_off_network: usize,
    /// Time unit.
    pub time_unit: TimePrecision,
    /// Linked pairs.
    pub links: u64,
    /// Chains, longest first (ties: earliest originator first).
    pub chains: Vec<Chain>,
    /// Events in chains.
    pub events_in_chains: usize,
    /// Chain-length distribution vs permuted times (lengths 2..=10, then 11+).
    pub length_distribution: Vec<LengthRow>,
    /// Number of chains: observed, expected, p.
    pub n_chains: LengthRow,
    /// Longest chain: observed, expected, p.
    pub max_length: LengthRow,
    /// Events in chains: observed, expected, p.
    pub events_in_chains_null: LengthRow,
    /// Permutations used.
    pub nrep: usize,
    /// Warnings (time precision, exclusions).
    pub warnings: Vec<String>,
}

const NBUCKETS: usize = 10; // lengths 2..=10 and 11+

fn uf_find(p: &mut [u32], mut i: u32) -> u32 {
    while p[i as usize] != i {
        p[i as usize] = p[p[i as usize] as usize];
        i = p[i as usize];
    }
    i
}

/// Component sizes (≥ 1) of the graph of `pairs` whose time difference ≤ `th`.
fn components(n: usize, pairs: &[[u32; 2]], t: &[i64], th: i64, parent: &mut Vec<u32>) {
    parent.clear();
    parent.extend(0..n as u32);
    for &[i, j] in pairs {
        if t[i as usize].abs_diff(t[j as usize]) <= th as u64 {
            let (a, b) = (uf_find(parent, i), uf_find(parent, j));
            if a != b {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                parent[hi as usize] = lo;
            }
        }
    }
}

type Stats = ([u64; NBUCKETS], u64, u64, u64);

/// (histogram by bucket, number of chains, max length, events in chains) of the components.
fn stats(parent: &mut [u32], min_len: usize) -> Stats {
    let n = parent.len();
    let mut size = vec![0u32; n];
    for i in 0..n as u32 {
        let r = uf_find(parent, i);
        size[r as usize] += 1;
    }
    let mut h = [0u64; NBUCKETS];
    let (mut nc, mut mx, mut ev) = (0u64, 0u64, 0u64);
    for &s in &size {
        let s = s as usize;
        if s >= 2 {
            h[(s - 2).min(NBUCKETS - 1)] += 1;
        }
        if s >= min_len.max(2) {
            nc += 1;
            ev += s as u64;
        }
        mx = mx.max(s as u64);
    }
    (h, nc, mx, ev)
}

/// Finds near-repeat chains (see the module docs).
pub fn near_repeat_chains(inc: &Incidents, p: &ChainParams) -> Result<ChainResult> {
    crate::limits::check_replicates("nrep", p.nrep)?;
    if !(p.distance.is_finite() && p.distance >= 0.0) {
        return Err(Error::invalid_param(
            "distance",
            p.distance,
            "a chain distance must be >= 0 m",
        ));
    }
    if !(p.days.is_finite() && p.days >= 0.0) {
        return Err(Error::invalid_param(
            "days",
            p.days,
            "a chain time must be >= 0 days",
        ));
    }
    let mut pt = crate::repeat::prepare_times(inc)?;
    let mut excluded_off_network = 0;
    let mut on_net: Option<(&NetworkSpace, Vec<NetPos>)> = None;
    let mut xy: Vec<[f64; 2]> = pt.keep.iter().map(|&i| inc.xy[i]).collect();
    if p.metric == Metric::Network {
        let space = p
            .network
            .as_deref()
            .ok_or_else(|| Error::missing_param("network", "metric", "network"))?;
        let on = OnNetwork::snap(space, &xy);
        pt.warnings.extend(on.warning());
        pt.keep = on.keep.iter().map(|&k| pt.keep[k]).collect();
        pt.t = on.keep.iter().map(|&k| pt.t[k]).collect();
        excluded_off_network = on.excluded;
        xy = on.xy;
        on_net = Some((space, on.pos));
    }
    let n = pt.keep.len();
    if n > u32::MAX as usize - 1 {
        return Err(Error::limit(
            "events",
            n,
            u32::MAX - 1,
            "chains index events with 32 bits",
        ));
    }
    let th = (p.days * crate::time::DAY as f64 / pt.unit.seconds() as f64).floor() as i64;
    let ud = pt.unit_days();
    // spatial links (time-independent)
    let idx = PointIndex::new(&xy);
    let per: Vec<Vec<[u32; 2]>> = (0..n)
        .into_par_iter()
        .map(|i| match &on_net {
            None => idx
                .within(xy[i], p.distance)
                .into_iter()
                .filter(|&(j, _)| j > i && p.metric.distance(xy[i], xy[j]) <= p.distance)
                .map(|(j, _)| [i as u32, j as u32])
                .collect(),
            Some((space, pos)) => {
                // the straight line is a lower bound of the path (slack for rounding)
                let cand: Vec<usize> = idx
                    .within(xy[i], p.distance * (1.0 + 1e-9))
                    .into_iter()
                    .filter(|&(j, _)| j > i)
                    .map(|(j, _)| j)
                    .collect();
                if cand.is_empty() {
                    return Vec::new();
                }
                space.with_dijkstra(pos[i], p.distance, |ws| {
                    cand.into_iter()
                        .filter(|&j| space.net.distance_in(ws, pos[i], pos[j]) <= p.distance)
                        .map(|j| [i as u32, j as u32])
                        .collect()
                })
            }
        })
        .collect();
    let pairs: Vec<[u32; 2]> = per.into_iter().flatten().collect();

    let mut parent = Vec::with_capacity(n);
    components(n, &pairs, &pt.t, th, &mut parent);
    let links = pairs
        .iter()
        .filter(|&&[i, j]| pt.t[i as usize].abs_diff(pt.t[j as usize]) <= th as u64)
        .count() as u64;
    // chains
    let roots: Vec<u32> = (0..n as u32).map(|i| uf_find(&mut parent, i)).collect();
    let mut by_root: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, &r) in roots.iter().enumerate() {
        by_root.entry(r).or_default().push(i);
    }
    let mut chains: Vec<Chain> = Vec::new();
    for (_, mut m) in by_root {
        if m.len() < p.min_length.max(2) {
            continue;
        }
        m.sort_by_key(|&i| (pt.t[i], i));
        let o = m[0];
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        let mut far: f64 = 0.0;
        for &i in &m {
            x0 = x0.min(xy[i][0]);
            y0 = y0.min(xy[i][1]);
            x1 = x1.max(xy[i][0]);
            y1 = y1.max(xy[i][1]);
            far = far.max(Metric::Euclidean.distance(xy[o], xy[i]));
        }
        let last = m[m.len() - 1];
        chains.push(Chain {
            originator: pt.keep[o],
            length: m.len(),
            start_day: pt.t[o] as f64 * ud,
            duration_days: (pt.t[last] - pt.t[o]) as f64 * ud,
            extent_m: ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt(),
            max_from_originator_m: far,
            members: m.iter().map(|&i| pt.keep[i]).collect(),
        });
    }
    chains.sort_by(|a, b| {
        b.length
            .cmp(&a.length)
            .then(a.start_day.total_cmp(&b.start_day))
            .then(a.originator.cmp(&b.originator))
    });
    let events_in_chains = chains.iter().map(|c| c.length).sum();
    let (obs_h, obs_n, obs_max, obs_ev) = stats(&mut parent, p.min_length);

    // null distribution
    let sims: Vec<Stats> = (0..p.nrep)
        .into_par_iter()
        .map_init(
            || (vec![0i64; n], Vec::with_capacity(n)),
            |(tt, par), rep| {
                tt.copy_from_slice(&pt.t);
                let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
                rng.set_stream(rep as u64);
                for k in (1..n).rev() {
                    let j = rng.random_range(0..=k);
                    tt.swap(k, j);
                }
                components(n, &pairs, tt, th, par);
                stats(par, p.min_length)
            },
        )
        .collect();
    let row = |label: String, obs: u64, f: &dyn Fn(&Stats) -> u64| {
        let (mean, ge) = if sims.is_empty() {
            (f64::NAN, 0)
        } else {
            let sum: u64 = sims.iter().map(f).sum();
            (
                sum as f64 / sims.len() as f64,
                sims.iter().filter(|s| f(s) >= obs).count(),
            )
        };
        LengthRow {
            length: label,
            observed: obs,
            expected: mean,
            p_value: if sims.is_empty() {
                f64::NAN
            } else {
                (ge + 1) as f64 / (sims.len() + 1) as f64
            },
        }
    };
    let length_distribution = (0..NBUCKETS)
        .map(|b| {
            let label = if b == NBUCKETS - 1 {
                format!("{}+", NBUCKETS + 1)
            } else {
                (b + 2).to_string()
            };
            row(label, obs_h[b], &|s| s.0[b])
        })
        .collect();
    Ok(ChainResult {
        n_events: n,
        excluded_missing_time: pt.excluded_missing,
        excluded_coarse_time: pt.excluded_coarse,
        excluded_off_network,
        time_unit: pt.unit,
        links,
        chains,
        events_in_chains,
        length_distribution,
        n_chains: row("chains".into(), obs_n, &|s| s.1),
        max_length: row("max length".into(), obs_max, &|s| s.2),
        events_in_chains_null: row("events in chains".into(), obs_ev, &|s| s.3),
        nrep: p.nrep,
        warnings: pt.warnings,
    })
}

impl ChainResult {
    /// A readable summary.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "near-repeat chains: {} events, {} links, {} chains holding {} events; longest {} \
             (expected under permuted times {:.1}, p = {})\n",
            self.n_events,
            self.links,
            self.chains.len(),
            self.events_in_chains,
            self.max_length.observed,
            self.max_length.expected,
            crate::repeat::knox::fmt_p(self.max_length.p_value)
        );
        s.push_str(&format!(
            "  chains observed {} vs expected {:.1} (p = {}); events in chains {} vs {:.1} (p = {})\n  length  observed  expected  p\n",
            self.n_chains.observed,
            self.n_chains.expected,
            crate::repeat::knox::fmt_p(self.n_chains.p_value),
            self.events_in_chains_null.observed,
            self.events_in_chains_null.expected,
            crate::repeat::knox::fmt_p(self.events_in_chains_null.p_value)
        ));
        for r in &self.length_distribution {
            s.push_str(&format!(
                "  {:>6}  {:>8}  {:>8.1}  {}\n",
                r.length,
                r.observed,
                r.expected,
                crate::repeat::knox::fmt_p(r.p_value)
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repeat::tests::incidents;
    use crate::time::DAY;

    #[test]
    fn near_repeat_chains_links_within_distance_and_time() {
        // a chain of 3 (0 -> 1 -> 2: each 80 m and 5 days apart), a far event, and an
        // event close in space but 60 days later
        let inc = incidents(
            &[
                [0.0, 0.0],
                [80.0, 0.0],
                [160.0, 0.0],
                [5000.0, 0.0],
                [0.0, 10.0],
            ],
            &[
                Some(0),
                Some(5 * DAY),
                Some(10 * DAY),
                Some(DAY),
                Some(70 * DAY),
            ],
            TimePrecision::Day,
        );
        let r = near_repeat_chains(&inc, &ChainParams::new(100.0, 7.0).nrep(19)).unwrap();
        assert_eq!(r.chains.len(), 1);
        let c = &r.chains[0];
        assert_eq!(c.members, vec![0, 1, 2]);
        assert_eq!(c.originator, 0);
        assert_eq!(c.duration_days, 10.0);
        assert_eq!(c.max_from_originator_m, 160.0);
        assert_eq!(r.links, 2);
        assert_eq!(r.length_distribution[1].observed, 1);
        // inclusive edges: exactly 100 m and 7 days still link
        let inc = incidents(
            &[[0.0, 0.0], [100.0, 0.0]],
            &[Some(0), Some(7 * DAY)],
            TimePrecision::Day,
        );
        let r = near_repeat_chains(&inc, &ChainParams::new(100.0, 7.0).nrep(0)).unwrap();
        assert_eq!(r.chains.len(), 1);
        assert!(near_repeat_chains(&inc, &ChainParams::new(-1.0, 7.0)).is_err());
    }

    #[test]
    fn near_repeat_chains_demo_exceeds_permuted_times() {
        let city = crate::demo::generate(
            &crate::demo::DemoParams::new(11)
                .incidents(5000)
                .size(3000.0),
        )
        .unwrap();
        let inc = &city.incidents;
        let c = inc.categories.iter().position(|c| c == "burglary").unwrap() as u32;
        let burg = inc.filter(|i| inc.category[i] == c);
        let r = near_repeat_chains(&burg, &ChainParams::new(100.0, 14.0).nrep(49).seed(1)).unwrap();
        let e = &r.events_in_chains_null;
        assert!(e.observed as f64 > 1.15 * e.expected, "{}", r.to_text());
        assert!(e.p_value <= 0.02, "{}", r.to_text());
        assert_eq!(e.observed as usize, r.events_in_chains);
        // same result on one thread
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let r1 = pool
            .install(|| near_repeat_chains(&burg, &ChainParams::new(100.0, 14.0).nrep(49).seed(1)))
            .unwrap();
        assert_eq!(r1.n_chains.expected, r.n_chains.expected);
    }
}
