//! Local Moran's I (Anselin 1995, LISA) with conditional permutation inference.
//!
//! # Algorithm
//! Values are standardised with the **population** sd: `z_i = (x_i − x̄)/s`.
//! Weights are the neighbour weights **without** the unit itself,
//! row-standardised (`w̃_ij = w_ij / Σ_j w_ij`). With `lag_i = Σ_j w̃_ij z_j`:
//!
//! * `I_i = (n − 1) z_i lag_i / Σ_k z_k²` (esda `Moran_Local.Is`);
//! * analytical moments under **total randomisation** (Sokal, Oden & Thomson
//!   1998, as in esda): `E[I_i] = −w_i/(n − 1)`,
//!   `Var[I_i] = w_i2 (n − b2)/(n − 1) + (w_i² − w_i2)(2 b2 − n)/((n − 1)(n − 2)) − E[I_i]²`
//!   with `w_i = Σ_j w̃_ij` (1, or 0 for an isolate), `w_i2 = Σ_j w̃_ij²`,
//!   `b2 = m4/m2²`; `z_norm = (I_i − E)/√Var`, `p_norm` its two-sided p;
//! * quadrant: HH if `z_i > 0` and `lag_i > 0`, LH if `z_i ≤ 0 < lag_i`, LL if
//!   both ≤ 0, HL if `z_i > 0 ≥ lag_i` (esda's `q` 1/2/3/4, `geoda_quads=False`).
//!
//! Permutations: as for Gi* (shared draw table, one ChaCha8 stream per
//! permutation); `p_sim = (min(#{sim ≥ I}, #{sim ≤ I}) + 1)/(P + 1)`, except for
//! units whose neighbours all hold the smallest (or largest) value of all units
//! (e.g. an empty cell among empty neighbours, always LL): their `p_sim` is the
//! exact hypergeometric tail probability `C(m_v, k)/C(m, k)` (see `perm.rs`),
//! flagged in [`LocalMoranResult::exact`]. Without it, thousands of such cells
//! with `p ≈ 0.048` would cross α together from one seed to the next.
//!
//! # Significance
//! A unit is significant when `p < alpha` (strict, as Gi*'s bins and esda), with
//! the permutation p when permutations were run, else the analytical `p_norm`.
//!
//! # Notes
//! * An isolate (no neighbour) has `I = 0`, `z_norm = 0`, `p = 1`.
//! * Constant values → [`Error::Degenerate`]; fewer than 3 units → [`Error::TooFew`].

use rayon::prelude::*;
use serde::Serialize;

use crate::error::Result;
use crate::hotspot::gistar::{check_units, moments};
use crate::hotspot::perm::{
    all_equal, binary_window_stats, folded_p, other, DrawTable, Extremes, Tally,
};
use crate::hotspot::stats::normal_p_two_sided;
use crate::hotspot::weights::Weights;

/// Parameters of [`local_moran`].
#[derive(Debug, Clone, Serialize)]
pub struct LocalMoranParams {
    /// Number of conditional permutations (0 = none). Default 999.
    pub permutations: usize,
    /// Seed. Default 12345.
    pub seed: u64,
    /// Significance level for `significant` quadrants. Default 0.05.
    pub alpha: f64,
}

impl Default for LocalMoranParams {
    fn default() -> Self {
        LocalMoranParams {
            permutations: 999,
            seed: 12345,
            alpha: 0.05,
        }
    }
}

impl LocalMoranParams {
    /// Defaults (999 permutations, seed 12345, α = 0.05).
    pub fn new() -> Self {
        Self::default()
    }
    permutation_setters!();
    /// Sets α.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }
}

/// LISA quadrant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Quadrant {
    /// High value among high neighbours (esda q = 1).
    HH,
    /// Low among high (q = 2).
    LH,
    /// Low among low (q = 3).
    LL,
    /// High among low (q = 4).
    HL,
}

impl Quadrant {
    /// esda's code 1..4.
    pub fn code(self) -> u8 {
        match self {
            Quadrant::HH => 1,
            Quadrant::LH => 2,
            Quadrant::LL => 3,
            Quadrant::HL => 4,
        }
    }
    /// "HH", "LH", ...
    pub fn label(self) -> &'static str {
        match self {
            Quadrant::HH => "HH",
            Quadrant::LH => "LH",
            Quadrant::LL => "LL",
            Quadrant::HL => "HL",
        }
    }
}

/// Local Moran per unit (input order).
#[derive(Debug, Clone, Serialize)]
pub struct LocalMoranResult {
    /// Number of units.
    pub n: usize,
    /// Parameters.
    pub params: LocalMoranParams,
    /// I_i.
    pub i: Vec<f64>,
    /// Analytical z (total randomisation).
    pub z_norm: Vec<f64>,
    /// Two-sided p of `z_norm`.
    pub p_norm: Vec<f64>,
    /// Permutation pseudo p.
    pub p_sim: Option<Vec<f64>>,
    /// Permutation z (ddof 0).
    pub z_sim: Option<Vec<f64>>,
    /// Quadrants.
    pub quadrant: Vec<Quadrant>,
    /// Spatial lag of the standardised values.
    pub lag: Vec<f64>,
    /// Significance at `alpha` (permutation p when computed, else `p_norm`).
    pub significant: Vec<bool>,
    /// Counts of significant units per quadrant HH, LH, LL, HL.
    pub significant_counts: [usize; 4],
    /// Units whose `p_sim` is the exact tail probability (all neighbours at the
    /// smallest or largest value; empty when no permutations were run).
    pub exact: Vec<bool>,
    /// Significant LL units whose own value and all neighbours' values are the
    /// smallest value (on counts: empty cells among empty neighbours); they are
    /// part of `significant_counts[2]`.
    pub significant_ll_at_minimum: usize,
}

/// Local Moran's I of `values` with neighbour weights `w` (self excluded).
///
/// # Examples
/// ```
/// use crimescape::{grid_weights, local_moran, CellGrid, Grid, LocalMoranParams, Quadrant, WeightsSpec};
/// // 10 × 10 cells of 100 m: a quiet city (1 incident per cell) with a busy
/// // block of 3 × 3 cells (10 each) in the middle
/// let cells = CellGrid::full(Grid::new(0.0, 0.0, 100.0, 10, 10).unwrap());
/// let mut counts = vec![1.0; 100];
/// for row in 4..7 {
///     for col in 4..7 {
///         counts[row * 10 + col] = 10.0;
///     }
/// }
/// // queen neighbours: a binary band of cell·√2
/// let w = grid_weights(&cells, &WeightsSpec::default()).unwrap();
/// let centre = 5 * 10 + 5;
/// let p = LocalMoranParams::new().permutations(99).seed(1).alpha(0.05);
/// let r = local_moran(&counts, &w, &p).unwrap();
/// // the busy centre among busy neighbours: a significant high-high cluster
/// assert_eq!(r.quadrant[centre], Quadrant::HH);
/// assert!(r.significant[centre] && r.i[centre] > 0.0);
/// // a busy cell on the block's edge has quiet neighbours too, but is still HH
/// assert_eq!(r.quadrant[4 * 10 + 4], Quadrant::HH);
/// // a quiet corner among quiet cells: low-low
/// assert_eq!(r.quadrant[0], Quadrant::LL);
/// // counts of significant HH, LH, LL, HL cells add up
/// assert_eq!(
///     r.significant_counts.iter().sum::<usize>(),
///     r.significant.iter().filter(|s| **s).count()
/// );
/// ```
pub fn local_moran(
    values: &[f64],
    w: &Weights,
    params: &LocalMoranParams,
) -> Result<LocalMoranResult> {
    crate::limits::check_permutations("permutations", params.permutations)?;
    let n = values.len();
    check_units(values, w, "Local Moran", "units (cells)", 3)?;
    let (mean, sd) = moments(values, "Local Moran")?;
    let z: Vec<f64> = values.iter().map(|v| (v - mean) / sd).collect();
    let nf = n as f64;
    let sz2: f64 = z.iter().map(|v| v * v).sum();
    let m2 = sz2 / nf;
    let m4 = z.iter().map(|v| v.powi(4)).sum::<f64>() / nf;
    let b2 = m4 / (m2 * m2);
    // row-standardised weights of unit i
    let row = |i: usize| -> (Vec<f64>, f64) {
        let nb = w.neighbours(i);
        match w.weights(i) {
            None => {
                let k = nb.len() as f64;
                (
                    vec![1.0 / k; nb.len()],
                    if nb.is_empty() { 0.0 } else { 1.0 },
                )
            }
            Some(ws) => {
                let t: f64 = ws.iter().sum();
                if t > 0.0 {
                    (ws.iter().map(|v| v / t).collect(), 1.0)
                } else {
                    (vec![0.0; ws.len()], 0.0)
                }
            }
        }
    };
    let stat: Vec<(f64, f64, f64, f64)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let (wr, wi) = row(i);
            let nb = w.neighbours(i);
            let lag: f64 = nb.iter().zip(&wr).map(|(&j, &wj)| wj * z[j as usize]).sum();
            let ii = (nf - 1.0) * z[i] * lag / sz2;
            if wi == 0.0 {
                return (ii, lag, 0.0, 1.0);
            }
            let wi2: f64 = wr.iter().map(|v| v * v).sum();
            let ei = -wi / (nf - 1.0);
            let vi = wi2 * (nf - b2) / (nf - 1.0)
                + (wi * wi - wi2) * (2.0 * b2 - nf) / ((nf - 1.0) * (nf - 2.0))
                - ei * ei;
            if vi > 0.0 {
                let zn = (ii - ei) / vi.sqrt();
                (ii, lag, zn, normal_p_two_sided(zn))
            } else {
                (ii, lag, 0.0, 1.0)
            }
        })
        .collect();
    let ext = Extremes::new(values);
    let (p_sim, z_sim, exact) = if params.permutations > 0 {
        let perms = params.permutations;
        let table = DrawTable::new(n, w.max_neighbours(), perms, params.seed);
        let res: Vec<(f64, f64, bool)> = if w.is_binary() {
            // fast path: I_i is linear in S_i, the sum of the raw values drawn for
            // the neighbours (exact for counts), with the sign of z_i
            let (ks, obs, st) = binary_window_stats(values, w, &table);
            (0..n)
                .map(|i| {
                    if z[i] == 0.0 || ks[i] == 0 {
                        return (1.0, 0.0, false);
                    }
                    let (m, var) = (st.mean[i], st.var[i]);
                    let zs = if var > 1e-24 * (m * m).max(1.0) {
                        z[i].signum() * (obs[i] - m) / var.sqrt()
                    } else {
                        0.0
                    };
                    match all_equal(w.neighbours(i).iter().map(|&j| values[j as usize]))
                        .and_then(|v| ext.tail(values[i], ks[i], v))
                    {
                        Some(q) => (q, zs, true),
                        None => (
                            folded_p(st.ge[i] as usize, st.le[i] as usize, perms),
                            zs,
                            false,
                        ),
                    }
                })
                .collect()
        } else {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let (wr, _) = row(i);
                    let k = wr.len();
                    let scale = (nf - 1.0) * z[i] / sz2;
                    let obs = stat[i].0;
                    let mut tally = Tally::default();
                    for pi in 0..perms {
                        let r = &table.row(pi)[..k];
                        let lag: f64 = r.iter().zip(&wr).map(|(&t, &wj)| wj * z[other(t, i)]).sum();
                        let sim = scale * lag;
                        tally.add(sim, obs);
                    }
                    let (m, var) = tally.mean_var(perms);
                    let zs = if var > 0.0 {
                        (obs - m) / var.sqrt()
                    } else {
                        0.0
                    };
                    let nb = w.neighbours(i);
                    let positive = wr.iter().all(|v| *v > 0.0);
                    match all_equal(nb.iter().map(|&j| values[j as usize]))
                        .filter(|_| positive && z[i] != 0.0)
                        .and_then(|v| ext.tail(values[i], k, v))
                    {
                        Some(q) => (q, zs, true),
                        None => (folded_p(tally.ge, tally.le, perms), zs, false),
                    }
                })
                .collect()
        };
        (
            Some(res.iter().map(|r| r.0).collect::<Vec<_>>()),
            Some(res.iter().map(|r| r.1).collect::<Vec<_>>()),
            res.iter().map(|r| r.2).collect::<Vec<_>>(),
        )
    } else {
        (None, None, Vec::new())
    };
    let quadrant: Vec<Quadrant> = stat
        .iter()
        .zip(&z)
        .map(|(s, &zi)| match (zi > 0.0, s.1 > 0.0) {
            (true, true) => Quadrant::HH,
            (false, true) => Quadrant::LH,
            (false, false) => Quadrant::LL,
            (true, false) => Quadrant::HL,
        })
        .collect();
    let p_norm: Vec<f64> = stat.iter().map(|s| s.3).collect();
    let sig_p = p_sim.as_ref().unwrap_or(&p_norm);
    let significant: Vec<bool> = sig_p.iter().map(|p| *p < params.alpha).collect();
    let mut significant_counts = [0usize; 4];
    for (q, s) in quadrant.iter().zip(&significant) {
        if *s {
            significant_counts[q.code() as usize - 1] += 1;
        }
    }
    let significant_ll_at_minimum = (0..n)
        .filter(|&i| {
            significant[i]
                && quadrant[i] == Quadrant::LL
                && values[i] == ext.min()
                && w.neighbours(i)
                    .iter()
                    .all(|&j| values[j as usize] == ext.min())
        })
        .count();
    Ok(LocalMoranResult {
        n,
        params: params.clone(),
        i: stat.iter().map(|s| s.0).collect(),
        z_norm: stat.iter().map(|s| s.2).collect(),
        p_norm,
        p_sim,
        z_sim,
        quadrant,
        lag: stat.iter().map(|s| s.1).collect(),
        significant,
        significant_counts,
        exact,
        significant_ll_at_minimum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::hotspot::weights::{grid_weights, WeightsSpec};
    use crate::hotspot::CellGrid;

    #[test]
    fn local_moran_hand_computed() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 1.0, 4, 1).unwrap());
        let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        let x = [1.0, 2.0, 3.0, 10.0];
        let r = local_moran(&x, &w, &LocalMoranParams::new().permutations(0)).unwrap();
        let mean = 4.0;
        let sd = ((9.0 + 4.0 + 1.0 + 36.0) / 4.0f64).sqrt();
        let z: Vec<f64> = x.iter().map(|v| (v - mean) / sd).collect();
        let sz2: f64 = z.iter().map(|v| v * v).sum();
        let i0 = 3.0 * z[0] * z[1] / sz2;
        assert!((r.i[0] - i0).abs() < 1e-14);
        let i1 = 3.0 * z[1] * (z[0] + z[2]) / 2.0 / sz2;
        assert!((r.i[1] - i1).abs() < 1e-14);
        assert_eq!(r.quadrant[0], Quadrant::LL);
        assert_eq!(r.quadrant[3], Quadrant::HL);
        assert!(r.z_norm.iter().all(|v| v.is_finite()));
    }

    /// 70 % of 2,500 cells empty in one block: every interior empty cell has
    /// `p = C(1717, 8)/C(2499, 8) ≈ 0.0494`, next to α. The LL count must not
    /// depend on the seed (before exact tails it swung by ~1,500 cells).
    #[test]
    fn local_moran_ll_count_stable_across_seeds() {
        let (nc, nr) = (50usize, 50usize);
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 100.0, nc, nr).unwrap());
        let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        let values: Vec<f64> = (0..nc * nr)
            .map(|id| {
                let (c, r) = (id % nc, id / nc);
                if c < 34 || (c == 49 && (r % 3 == 0 || r == 1)) {
                    0.0
                } else {
                    (1 + (c * 13 + r * 7) % 4) as f64
                }
            })
            .collect();
        assert_eq!(values.iter().filter(|v| **v == 0.0).count(), 1718);
        let q = (0..8)
            .map(|j| (1717 - j) as f64 / (2499 - j) as f64)
            .product::<f64>();
        assert!(q > 0.049 && q < 0.05, "{q}");
        let mut ll = Vec::new();
        let mut first: Option<Vec<f64>> = None;
        for seed in 1..=6 {
            let r = local_moran(&values, &w, &LocalMoranParams::new().seed(seed)).unwrap();
            let p = r.p_sim.clone().unwrap();
            // interior empty cells: exact p, identical for every seed
            for id in (0..nc * nr)
                .filter(|id| (1..33).contains(&(id % nc)) && (1..49).contains(&(id / nc)))
            {
                assert!(r.exact[id], "cell {id}");
                assert!((p[id] - q).abs() < 1e-12, "cell {id}: {}", p[id]);
            }
            if let Some(f) = &first {
                let same = (0..p.len()).filter(|&i| r.exact[i]).all(|i| p[i] == f[i]);
                assert!(same);
            } else {
                first = Some(p);
            }
            assert!(r.significant_ll_at_minimum >= 32 * 48);
            ll.push(r.significant_counts[2]);
        }
        let (lo, hi) = (ll.iter().min().unwrap(), ll.iter().max().unwrap());
        assert!(hi - lo <= 10, "LL counts over seeds 1-6: {ll:?}");
    }

    #[test]
    fn local_moran_significance_is_strict() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 1.0, 5, 5).unwrap());
        let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        let x: Vec<f64> = (0..25).map(|i| ((i * 7) % 5) as f64).collect();
        let r = local_moran(&x, &w, &LocalMoranParams::new().permutations(0)).unwrap();
        // α equal to a unit's p: not significant (p < α, as Gi* and esda)
        let a = r.p_norm[12];
        let r2 = local_moran(&x, &w, &LocalMoranParams::new().permutations(0).alpha(a)).unwrap();
        assert!(!r2.significant[12]);
    }

    #[test]
    fn local_moran_errors() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 1.0, 2, 1).unwrap());
        let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        assert!(local_moran(&[1.0, 2.0], &w, &LocalMoranParams::new()).is_err());
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 1.0, 3, 3).unwrap());
        let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        assert!(local_moran(&[4.0; 9], &w, &LocalMoranParams::new()).is_err());
    }
}
