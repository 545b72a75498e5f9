//! Nearest-neighbour hierarchical clustering (Nnh) in the manner of CrimeStat
//! (Levine, *CrimeStat IV*, ch. 7), with Monte Carlo significance.
//!
//! # Definitions
//! * Study area `A`: the bounding rectangle of the points unless given.
//! * Mean random nearest-neighbour distance `d_ran = 0.5 · √(A / N)` and its
//!   standard error `SE = 0.26136 · √(A / N²)` (Clark & Evans 1954).
//! * **Threshold**: `d_ran + z_p · SE`, `z_p` the standard-normal quantile of the
//!   one-tailed probability `p` (CrimeStat's "probability of selecting a pair by
//!   chance"; `p = 0.5` gives `d_ran`, smaller `p` a stricter threshold; CrimeStat
//!   uses Student's t, equal to z for its large degrees of freedom) — or a fixed
//!   distance.
//! * **Clusters** of one order: connected components of the graph linking every
//!   pair at distance `<= threshold` (single linkage cut at the threshold) with at
//!   least `min_points` members; others are unclustered. CrimeStat's exact pair
//!   merge order is not published; this is the deterministic reading.
//! * **Higher orders**: the mean centres of the order-k clusters are clustered the
//!   same way (threshold recomputed with `N` = number of order-k clusters, same
//!   `A`), until fewer than `min_points` clusters remain or none form.
//! * **Monte Carlo**: `N` uniform random points in the rectangle, `simulations`
//!   times (replicate `i` draws from its own ChaCha8 stream `i`); the number of
//!   first-order clusters is compared with the observed one:
//!   `p = (#{sim ≥ obs} + 1) / (simulations + 1)` (one-sided).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::dbscan::Clustering;
use super::PointTree;
use crate::error::{Error, Result};
pub use crate::special::normal_quantile;

/// How the linking threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NnhThreshold {
    /// From the random NN distance at this one-tailed probability (0 < p < 1).
    Probability(f64),
    /// A fixed distance (m).
    Fixed(f64),
}

impl NnhThreshold {
    /// The fixed distance `fixed` (m) when given, else the rule of the one-tailed
    /// `probability` (a command line's `--nnh-threshold` overriding
    /// `--nnh-probability`).
    pub fn fixed_or_probability(fixed: Option<f64>, probability: f64) -> Self {
        fixed.map_or(NnhThreshold::Probability(probability), NnhThreshold::Fixed)
    }
}

/// Parameters of [`nnh`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NnhParams {
    /// Threshold rule.
    pub threshold: NnhThreshold,
    /// Minimum points (or lower-order clusters) per cluster (≥ 2).
    pub min_points: usize,
    /// Study area (m²); `None` = bounding rectangle of the points.
    pub area: Option<f64>,
    /// Highest order to build.
    pub max_order: usize,
    /// Monte Carlo replicates (0 = none).
    pub simulations: usize,
    /// Seed of the simulations.
    pub seed: u64,
}

impl NnhParams {
    /// CrimeStat-like defaults: p = 0.5, min points 10, up to order 3, no simulation.
    pub fn new() -> Self {
        NnhParams {
            threshold: NnhThreshold::Probability(0.5),
            min_points: 10,
            area: None,
            max_order: 3,
            simulations: 0,
            seed: 1,
        }
    }
    /// Sets the threshold rule (checked by [`nnh`]: `0 < p < 1`, distance `>= 0`).
    pub fn threshold(mut self, t: NnhThreshold) -> Self {
        self.threshold = t;
        self
    }
    /// Sets the minimum points (or lower-order clusters) per cluster (`>= 2`).
    pub fn min_points(mut self, n: usize) -> Self {
        self.min_points = n;
        self
    }
    /// Sets the study area in m² (`> 0`); `None` = the points' bounding rectangle.
    pub fn area(mut self, m2: impl Into<Option<f64>>) -> Self {
        self.area = m2.into();
        self
    }
    /// A study area given in another unit (`unit`, e.g. `"km²"`, named in the error), in
    /// m² for [`NnhParams::area`]: `value · m2_per_unit` (e.g. `1e6` for km²), checked
    /// as [`nnh`] checks the area.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] (`area`, with `value` as given) unless the area is a
    /// finite number `> 0` in both units.
    pub fn area_m2(value: f64, unit: &str, m2_per_unit: f64) -> Result<f64> {
        let m2 = value * m2_per_unit;
        if value.is_finite() && value > 0.0 && m2.is_finite() && m2 > 0.0 {
            Ok(m2)
        } else {
            Err(Error::invalid_param(
                "area",
                value,
                format!("the study area ({unit}) must be > 0"),
            ))
        }
    }
    /// Sets the highest order to build.
    pub fn max_order(mut self, k: usize) -> Self {
        self.max_order = k;
        self
    }
    /// Sets the Monte Carlo replicates (0 = none).
    pub fn simulations(mut self, n: usize) -> Self {
        self.simulations = n;
        self
    }
    /// Sets the seed of the simulations.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
}

impl Default for NnhParams {
    fn default() -> Self {
        Self::new()
    }
}

/// One order of the hierarchy.
#[derive(Debug, Clone, Serialize)]
pub struct NnhLevel {
    /// Order (1 = clusters of points).
    pub order: usize,
    /// Number of objects clustered (points, or clusters of the order below).
    pub n_objects: usize,
    /// Mean random NN distance `d_ran` (m).
    pub d_ran: f64,
    /// Its standard error (m).
    pub se: f64,
    /// Threshold used (m).
    pub threshold: f64,
    /// Mean centre of each cluster.
    pub centres: Vec<[f64; 2]>,
    /// Objects (indices into the level below; points for order 1) of each cluster.
    pub members: Vec<Vec<usize>>,
}

/// Monte Carlo comparison of the number of first-order clusters.
#[derive(Debug, Clone, Serialize)]
pub struct NnhSimulation {
    /// Replicates.
    pub simulations: usize,
    /// Observed first-order clusters.
    pub observed: usize,
    /// 2.5 %, 50 %, 97.5 % quantiles of the simulated counts (nearest rank).
    pub quantiles: [usize; 3],
    /// Mean simulated count.
    pub mean: f64,
    /// One-sided p-value `(#{sim >= obs} + 1) / (sims + 1)`.
    pub p_value: f64,
    /// Seed.
    pub seed: u64,
}

/// Result of [`nnh`].
#[derive(Debug, Clone, Serialize)]
pub struct NnhResult {
    /// First-order labels of the points (input order).
    pub clustering: Clustering,
    /// Orders 1, 2, …
    pub levels: Vec<NnhLevel>,
    /// Study area used (m²).
    pub area: f64,
    /// Monte Carlo result, if asked.
    pub simulation: Option<NnhSimulation>,
}

fn level_threshold(t: NnhThreshold, area: f64, n: usize) -> (f64, f64, f64) {
    let n = n.max(1) as f64;
    let d_ran = 0.5 * (area / n).sqrt();
    let se = 0.26136 * (area / (n * n)).sqrt();
    let thr = match t {
        NnhThreshold::Probability(p) => (d_ran + normal_quantile(p) * se).max(0.0),
        NnhThreshold::Fixed(d) => d,
    };
    (d_ran, se, thr)
}

/// Components of the threshold graph with at least `min` members, numbered by
/// their lowest member index; members ascending.
fn components(xy: &[[f64; 2]], thr: f64, min: usize) -> Vec<Vec<usize>> {
    let n = xy.len();
    let tree = PointTree::new(xy);
    let nb: Vec<Vec<usize>> = xy
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut v = Vec::new();
            tree.within_into(*p, thr * thr, &mut v);
            v.retain(|&j| j > i);
            v
        })
        .collect();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for (i, v) in nb.iter().enumerate() {
        for &j in v {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().filter(|g| g.len() >= min).collect()
}

fn centre(xy: &[[f64; 2]], m: &[usize]) -> [f64; 2] {
    let k = m.len() as f64;
    [
        m.iter().map(|&i| xy[i][0]).sum::<f64>() / k,
        m.iter().map(|&i| xy[i][1]).sum::<f64>() / k,
    ]
}

/// Nnh clustering (see the module docs).
pub fn nnh(xy: &[[f64; 2]], p: &NnhParams) -> Result<NnhResult> {
    crate::limits::check_replicates("simulations", p.simulations)?;
    if p.min_points < 2 {
        return Err(Error::invalid_param(
            "min_points",
            p.min_points,
            "Nnh min_points must be >= 2",
        ));
    }
    match p.threshold {
        NnhThreshold::Probability(q) if !(q > 0.0 && q < 1.0) => {
            return Err(Error::invalid_param(
                "threshold.probability",
                q,
                "the Nnh probability must be in (0, 1)",
            ))
        }
        NnhThreshold::Fixed(d) if !(d.is_finite() && d >= 0.0) => {
            return Err(Error::invalid_param(
                "threshold.fixed",
                d,
                "the Nnh threshold distance must be >= 0 m",
            ))
        }
        _ => {}
    }
    Error::check_finite("point", xy)?;
    let bbox = crate::layer::bbox_of(xy.iter().copied());
    let area = match (p.area, bbox) {
        (Some(a), _) => NnhParams::area_m2(a, "m²", 1.0)?,
        (None, Some(b)) => (b[2] - b[0]) * (b[3] - b[1]),
        (None, None) => 0.0,
    };
    let n = xy.len();
    let mut labels = vec![None; n];
    let mut levels = Vec::new();
    if n >= p.min_points && area > 0.0 {
        let mut objs: Vec<[f64; 2]> = xy.to_vec();
        for order in 1..=p.max_order.max(1) {
            if objs.len() < p.min_points {
                break;
            }
            let (d_ran, se, thr) = level_threshold(p.threshold, area, objs.len());
            let members = components(&objs, thr, p.min_points);
            if members.is_empty() {
                break;
            }
            let centres: Vec<[f64; 2]> = members.iter().map(|m| centre(&objs, m)).collect();
            if order == 1 {
                for (k, m) in members.iter().enumerate() {
                    for &i in m {
                        labels[i] = Some(k);
                    }
                }
            }
            levels.push(NnhLevel {
                order,
                n_objects: objs.len(),
                d_ran,
                se,
                threshold: thr,
                centres: centres.clone(),
                members,
            });
            objs = centres;
        }
    }
    let n_clusters = levels.first().map_or(0, |l| l.members.len());
    let simulation = match (p.simulations, bbox) {
        (s, Some(b)) if s > 0 && area > 0.0 && n >= p.min_points => {
            // uniform points in the bounding rectangle (or a square of the given area
            // centred on it when the area was given)
            let (w, h) = if p.area.is_some() {
                (area.sqrt(), area.sqrt())
            } else {
                (b[2] - b[0], b[3] - b[1])
            };
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            let (_, _, thr) = level_threshold(p.threshold, area, n);
            let mut counts: Vec<usize> = (0..s)
                .into_par_iter()
                .map(|i| {
                    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
                    rng.set_stream(i as u64);
                    let pts: Vec<[f64; 2]> = (0..n)
                        .map(|_| {
                            [
                                cx + (rng.random::<f64>() - 0.5) * w,
                                cy + (rng.random::<f64>() - 0.5) * h,
                            ]
                        })
                        .collect();
                    components(&pts, thr, p.min_points).len()
                })
                .collect();
            let ge = counts.iter().filter(|&&c| c >= n_clusters).count();
            let mean = counts.iter().sum::<usize>() as f64 / s as f64;
            counts.sort_unstable();
            let q = |f: f64| counts[((f * s as f64).ceil() as usize).clamp(1, s) - 1];
            Some(NnhSimulation {
                simulations: s,
                observed: n_clusters,
                quantiles: [q(0.025), q(0.5), q(0.975)],
                mean,
                p_value: (ge + 1) as f64 / (s + 1) as f64,
                seed: p.seed,
            })
        }
        _ => None,
    };
    Ok(NnhResult {
        clustering: Clustering {
            core: vec![false; n],
            labels,
            n_clusters,
        },
        levels,
        area,
        simulation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_known_values() {
        assert!(normal_quantile(0.5).abs() < 1e-12);
        assert!((normal_quantile(0.05) + 1.6448536269514722).abs() < 1e-8);
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090232306167813).abs() < 1e-7);
    }

    #[test]
    fn nnh_finds_planted_groups_and_second_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut pts = Vec::new();
        // 4 tight groups of 15 in two pairs, 200 background points in 10 km x 10 km
        for c in [
            [2000.0, 2000.0],
            [3000.0, 2000.0],
            [7000.0, 7000.0],
            [8000.0, 7000.0],
        ] {
            for _ in 0..15 {
                pts.push([
                    c[0] + rng.random_range(-15.0..15.0),
                    c[1] + rng.random_range(-15.0..15.0),
                ]);
            }
        }
        for _ in 0..200 {
            pts.push([
                rng.random_range(0.0..10_000.0),
                rng.random_range(0.0..10_000.0),
            ]);
        }
        let mut p = NnhParams::new();
        p.threshold = NnhThreshold::Probability(0.001);
        p.min_points = 10;
        p.simulations = 19;
        let r = nnh(&pts, &p).unwrap();
        assert_eq!(r.clustering.n_clusters, 4);
        for g in 0..4 {
            let l = r.clustering.labels[g * 15];
            assert!(l.is_some());
            assert!((g * 15..g * 15 + 15).all(|i| r.clustering.labels[i] == l));
        }
        let sim = r.simulation.unwrap();
        assert_eq!(sim.quantiles[2], 0);
        assert!((sim.p_value - 0.05).abs() < 1e-12);
    }

    #[test]
    fn nnh_second_order_links_pairs_of_groups() {
        // 4 groups of 15 within 30 m; pairs 1 km apart, the two pairs 7 km apart
        let mut pts = Vec::new();
        for c in [
            [2000.0, 2000.0],
            [3000.0, 2000.0],
            [7000.0, 9000.0],
            [8000.0, 9000.0],
        ] {
            for k in 0..15 {
                pts.push([c[0] + (k % 4) as f64 * 10.0, c[1] + (k / 4) as f64 * 10.0]);
            }
        }
        let mut p = NnhParams::new();
        p.min_points = 2;
        p.area = Some(1e8);
        // order 1: d_ran = 0.5 sqrt(1e8/60) = 645 m; order 2: 0.5 sqrt(1e8/4) = 2500 m
        let r = nnh(&pts, &p).unwrap();
        assert_eq!(r.levels[0].members.len(), 4);
        assert!((r.levels[0].threshold - 0.5 * (1e8f64 / 60.0).sqrt()).abs() < 1e-6);
        assert_eq!(r.levels[1].members, vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(r.levels.len(), 2);
    }

    #[test]
    fn nnh_degenerate_inputs() {
        let p = NnhParams::new();
        assert_eq!(nnh(&[], &p).unwrap().clustering.n_clusters, 0);
        assert_eq!(nnh(&[[1.0, 1.0]; 50], &p).unwrap().clustering.n_clusters, 0); // zero area
        let line: Vec<[f64; 2]> = (0..50).map(|i| [i as f64, 0.0]).collect();
        assert_eq!(nnh(&line, &p).unwrap().area, 0.0);
        let mut q = NnhParams::new();
        q.area = Some(1e6);
        assert_eq!(nnh(&line, &q).unwrap().clustering.n_clusters, 1);
        q.threshold = NnhThreshold::Probability(1.5);
        assert!(nnh(&line, &q).is_err());
    }

    #[test]
    fn nnh_params_builder() {
        let p = NnhParams::new()
            .threshold(NnhThreshold::fixed_or_probability(None, 0.1))
            .min_points(5)
            .area(2e6)
            .max_order(2)
            .simulations(9)
            .seed(7);
        assert_eq!(p.threshold, NnhThreshold::Probability(0.1));
        assert_eq!((p.min_points, p.area, p.max_order), (5, Some(2e6), 2));
        assert_eq!((p.simulations, p.seed), (9, 7));
        let q = p
            .area(None)
            .threshold(NnhThreshold::fixed_or_probability(Some(80.0), 0.1));
        assert_eq!((q.threshold, q.area), (NnhThreshold::Fixed(80.0), None));
    }

    #[test]
    fn nnh_typed_errors_name_the_field() {
        let xy = [[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]];
        let mut p = NnhParams::new();
        p.threshold = NnhThreshold::Probability(1.5);
        let e = nnh(&xy, &p).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidParam {
                param: "threshold.probability",
                ..
            }
        ));
        p.threshold = NnhThreshold::Fixed(-1.0);
        let e = nnh(&xy, &p).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidParam {
                param: "threshold.fixed",
                ..
            }
        ));
        let mut p = NnhParams::new();
        p.area = Some(-1.0);
        let e = nnh(&xy, &p).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { param: "area", .. }));
    }

    #[test]
    fn area_m2_converts_and_reports_the_value_as_given() {
        assert_eq!(NnhParams::area_m2(2.5, "km²", 1e6).ok(), Some(2.5 * 1e6));
        assert_eq!(NnhParams::area_m2(7.0, "m²", 1.0).ok(), Some(7.0));
        for bad in [0.0, -2.5, f64::NAN, f64::INFINITY, 1e305] {
            match NnhParams::area_m2(bad, "km²", 1e6) {
                Err(Error::InvalidParam {
                    param,
                    value,
                    reason,
                }) => {
                    assert_eq!((param, value), ("area", bad.to_string()));
                    assert_eq!(reason, "the study area (km²) must be > 0");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
