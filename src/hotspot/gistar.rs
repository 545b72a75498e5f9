//! Getis–Ord Gi* local statistic (Getis & Ord 1992; Ord & Getis 1995).
//!
//! # Algorithm
//! With values `x` of all `n` units (empty cells included), `x̄ = Σx/n`, the
//! **population** standard deviation `s = √(Σ(x − x̄)²/n)`, and weights
//! `w_ij` that **include the unit itself** (`w_ii = 1`):
//!
//! * `W_i = Σ_j w_ij`, `S1_i = Σ_j w_ij²`, `L_i = Σ_j w_ij x_j`;
//! * `G*_i = L_i / Σ_j x_j`;
//! * `z_i = (L_i − x̄ W_i) / (s √((n S1_i − W_i²)/(n − 1)))` — the ArcGIS /
//!   Ord & Getis (1995) form. With binary weights this equals
//!   `esda.G_Local(star=True, transform='B')`'s `Zs` (checked on the golden
//!   grids to ~1e-14).
//! * `p` = analytical **two-sided** p `2(1 − Φ(|z|))` (esda's `p_norm` is one-sided).
//!
//! # Conditional permutation inference
//! Unit `i` keeps its value; its `k_i` neighbour values are replaced by a
//! sample without replacement of the other `n − 1` values (esda's "conditional
//! randomisation"), `permutations` times, from a draw table shared by all
//! units with one ChaCha8 stream per permutation (results do not depend on the
//! number of threads). `p_sim = (min(#{sim ≥ obs}, #{sim ≤ obs}) + 1)/(P + 1)`,
//! one-sided toward the observed tail. esda counts `P − #{sim ≥ obs}` for the
//! lower tail, which gives every cell with an empty window the minimum p
//! (0.001) although nothing is there; counting ties on both sides removes that
//! artefact and is otherwise identical. `z_sim = (L_i − mean(sim))/sd(sim)`
//! (ddof 0; 0 when the permutation distribution is degenerate). When all
//! neighbours of a unit hold the smallest (or largest) value of all units — an
//! empty window among empty cells — `p_sim` is the exact hypergeometric tail
//! probability instead of its Monte Carlo estimate (see `perm.rs`), so it does
//! not depend on the seed.
//!
//! # Bins
//! ArcGIS-style confidence bins −3…+3: `sign(z)·3` when `p < 0.01`, `·2` when
//! `p < 0.05`, `·1` when `p < 0.10`, else 0. With FDR the thresholds are the
//! Benjamini–Hochberg cutoffs at each level over all units (`p ≤ cutoff`). The
//! p used is the analytical one or, with [`BinP::Permutation`], the two-sided
//! permutation p `min(1, 2·p_sim)`.
//!
//! # Notes
//! * All values equal (including all zeros) → [`Error::Degenerate`]: Gi* is undefined.
//! * A unit whose window holds every unit (`n S1 − W² = 0`) gets `z = 0`,
//!   `p = 1`, bin 0; these are counted in [`GiStarResult::undefined`].
//! * Cost: O(Σ k_i) for the statistic, O(P Σ k_i) for the permutations.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::perm::{
    all_equal, binary_window_stats, folded_p, other, DrawTable, Extremes, Tally,
};
use crate::hotspot::stats::{bh_cutoff, normal_p_two_sided};
use crate::hotspot::weights::Weights;

/// Which p-value decides the confidence bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinP {
    /// The analytical two-sided normal p.
    #[default]
    Analytical,
    /// The two-sided permutation p `min(1, 2·p_sim)` (needs permutations).
    Permutation,
}

/// Parameters of [`gi_star`].
#[derive(Debug, Clone, Serialize)]
pub struct GiStarParams {
    /// Number of conditional permutations (0 = none). Default 999.
    pub permutations: usize,
    /// Seed of the permutations. Default 12345.
    pub seed: u64,
    /// Benjamini–Hochberg FDR control of the bins. Default false.
    pub fdr: bool,
    /// p-value behind the bins.
    pub bin_p: BinP,
}

impl Default for GiStarParams {
    fn default() -> Self {
        GiStarParams {
            permutations: 999,
            seed: 12345,
            fdr: false,
            bin_p: BinP::Analytical,
        }
    }
}

impl GiStarParams {
    /// Defaults: 999 permutations, seed 12345, no FDR, analytical p for bins.
    pub fn new() -> Self {
        Self::default()
    }
    permutation_setters!();
    /// Turns FDR control of the bins on or off.
    pub fn fdr(mut self, on: bool) -> Self {
        self.fdr = on;
        self
    }
    /// Chooses the p-value behind the bins.
    pub fn bin_p(mut self, b: BinP) -> Self {
        self.bin_p = b;
        self
    }
}

/// Gi* per unit (input order) and global moments.
#[derive(Debug, Clone, Serialize)]
pub struct GiStarResult {
    /// Number of units.
    pub n: usize,
    /// Mean of the values.
    pub mean: f64,
    /// Population standard deviation of the values.
    pub sd: f64,
    /// Parameters used.
    pub params: GiStarParams,
    /// G*_i (NaN only if the values sum to 0, possible with negative values).
    pub g: Vec<f64>,
    /// z-scores.
    pub z: Vec<f64>,
    /// Analytical two-sided p.
    pub p: Vec<f64>,
    /// Permutation pseudo p (folded, one-sided toward the observed tail).
    pub p_sim: Option<Vec<f64>>,
    /// Permutation z.
    pub z_sim: Option<Vec<f64>>,
    /// Number of permutations with a window sum ≥ the observed one.
    pub n_sim_ge: Option<Vec<u32>>,
    /// Confidence bins −3…3.
    pub bin: Vec<i8>,
    /// Neighbours of each unit, self excluded.
    pub n_neighbours: Vec<u32>,
    /// Units with an undefined z (window = all units), set to z = 0.
    pub undefined: usize,
    /// Number of units per bin, from −3 to 3.
    pub bin_counts: [usize; 7],
}

/// Checks that there is one value per row of `w` and at least `min` units (`units`
/// names them in the error of `what`).
pub(crate) fn check_units(
    values: &[f64],
    w: &Weights,
    what: &'static str,
    units: &'static str,
    min: usize,
) -> Result<()> {
    if w.len() != values.len() {
        return Err(Error::length_mismatch(
            "values",
            values.len(),
            "weight rows",
            w.len(),
        ));
    }
    if values.len() < min {
        return Err(Error::too_few(what, units, min, values.len()));
    }
    Ok(())
}

/// Validates values and returns (mean, population sd).
pub(crate) fn moments(x: &[f64], what: &'static str) -> Result<(f64, f64)> {
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::BadValue {
            what: "value",
            index,
            value: x[index],
            expected: "not a finite number",
        });
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let sd = var.sqrt();
    if sd.is_nan() || sd <= 1e-12 * mean.abs() || sd <= 0.0 {
        return Err(Error::degenerate(
            what,
            format!(
                "undefined: all {} units have the same value ({mean}); there is no variation to test",
                x.len()
            ),
        ));
    }
    Ok((mean, sd))
}

/// Computes Gi* for `values` with neighbour weights `w` (self excluded; the
/// self weight 1 is added). See the module docs for every convention.
///
/// # Examples
/// ```
/// use crimescape::{gi_star, grid_weights, CellGrid, GiStarParams, Grid, WeightsSpec};
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
/// let r = gi_star(&counts, &w, &GiStarParams::new().permutations(99).seed(1)).unwrap();
/// // the busy block is a 99 % hot spot: G*ᵢ of its centre cell by hand, with the
/// // population SD of all cells (as esda and ArcGIS)
/// let (n, wsum) = (100.0, 9.0);
/// let mean = counts.iter().sum::<f64>() / n;
/// let sd = (counts.iter().map(|x| x * x).sum::<f64>() / n - mean * mean).sqrt();
/// let z = (90.0 - mean * wsum) / (sd * ((n * wsum - wsum * wsum) / (n - 1.0)).sqrt());
/// assert!((r.z[centre] - z).abs() < 1e-9);
/// assert_eq!(r.bin[centre], 3);
/// // a quiet corner is below the mean, and no cell is a cold spot at 95 %
/// assert!(r.z[0] < 0.0);
/// assert!(r.bin.iter().all(|&b| b > -2));
/// // the centre's 8 neighbours hold the largest value of all cells, so its permutation
/// // p is the exact tail of drawing those 8 from the 99 other cells: 1 / C(99, 8)
/// let p_sim = r.p_sim.as_ref().unwrap()[centre];
/// assert!((p_sim * 171_200_862_756.0 - 1.0).abs() < 1e-9, "{p_sim}");
/// ```
pub fn gi_star(values: &[f64], w: &Weights, params: &GiStarParams) -> Result<GiStarResult> {
    crate::limits::check_permutations("permutations", params.permutations)?;
    let n = values.len();
    check_units(values, w, "Gi*", "units (cells)", 2)?;
    if params.bin_p == BinP::Permutation && params.permutations == 0 {
        return Err(Error::invalid_param(
            "permutations",
            params.permutations,
            "bins from permutation p need permutations > 0",
        ));
    }
    let (mean, sd) = moments(values, "Gi*")?;
    let sum: f64 = values.iter().sum();
    let nf = n as f64;
    let stat: Vec<(f64, f64, f64, bool)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let nb = w.neighbours(i);
            let (mut wsum, mut s1, mut lag) = (1.0, 1.0, values[i]);
            match w.weights(i) {
                None => {
                    for &j in nb {
                        lag += values[j as usize];
                    }
                    wsum += nb.len() as f64;
                    s1 += nb.len() as f64;
                }
                Some(ws) => {
                    for (&j, &wj) in nb.iter().zip(ws) {
                        lag += wj * values[j as usize];
                        wsum += wj;
                        s1 += wj * wj;
                    }
                }
            }
            let den2 = (nf * s1 - wsum * wsum) / (nf - 1.0);
            let g = if sum != 0.0 { lag / sum } else { f64::NAN };
            if den2 <= 1e-12 * nf * s1 {
                (g, 0.0, 1.0, true)
            } else {
                let z = (lag - mean * wsum) / (sd * den2.sqrt());
                (g, z, normal_p_two_sided(z), false)
            }
        })
        .collect();
    let g: Vec<f64> = stat.iter().map(|s| s.0).collect();
    let z: Vec<f64> = stat.iter().map(|s| s.1).collect();
    let p: Vec<f64> = stat.iter().map(|s| s.2).collect();
    let undefined = stat.iter().filter(|s| s.3).count();
    let n_neighbours: Vec<u32> = (0..n).map(|i| w.neighbours(i).len() as u32).collect();

    let (p_sim, z_sim, n_sim_ge) = if params.permutations > 0 {
        let perms = params.permutations;
        let table = DrawTable::new(n, w.max_neighbours(), perms, params.seed);
        let res: Vec<(f64, f64, u32)> = if w.is_binary() {
            // fast path: permutation sums without gathering (see perm.rs)
            let (ks, obs, st) = binary_window_stats(values, w, &table);
            let ext = Extremes::new(values);
            (0..n)
                .map(|i| {
                    let zs = z_sim(obs[i], st.mean[i], st.var[i]);
                    let exact = all_equal(w.neighbours(i).iter().map(|&j| values[j as usize]))
                        .and_then(|v| ext.tail(values[i], ks[i], v));
                    (
                        exact.unwrap_or_else(|| {
                            folded_p(st.ge[i] as usize, st.le[i] as usize, perms)
                        }),
                        zs,
                        st.ge[i],
                    )
                })
                .collect()
        } else {
            let ext = Extremes::new(values);
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let nb = w.neighbours(i);
                    let ws = w.weights(i);
                    let obs: f64 = match ws {
                        None => nb.iter().map(|&j| values[j as usize]).sum(),
                        Some(ws) => nb
                            .iter()
                            .zip(ws)
                            .map(|(&j, &wj)| wj * values[j as usize])
                            .sum(),
                    };
                    let k = nb.len();
                    let mut tally = Tally::default();
                    for pi in 0..perms {
                        let row = &table.row(pi)[..k];
                        let sim: f64 = match ws {
                            None => row.iter().map(|&t| values[other(t, i)]).sum(),
                            Some(ws) => row
                                .iter()
                                .zip(ws)
                                .map(|(&t, &wj)| wj * values[other(t, i)])
                                .sum(),
                        };
                        tally.add(sim, obs);
                    }
                    let (m, var) = tally.mean_var(perms);
                    let zs = z_sim(obs, m, var);
                    let positive = ws.is_none_or(|ws| ws.iter().all(|v| *v > 0.0));
                    let exact = all_equal(nb.iter().map(|&j| values[j as usize]))
                        .filter(|_| positive)
                        .and_then(|v| ext.tail(values[i], k, v));
                    (
                        exact.unwrap_or_else(|| folded_p(tally.ge, tally.le, perms)),
                        zs,
                        tally.ge as u32,
                    )
                })
                .collect()
        };
        (
            Some(res.iter().map(|r| r.0).collect::<Vec<_>>()),
            Some(res.iter().map(|r| r.1).collect::<Vec<_>>()),
            Some(res.iter().map(|r| r.2).collect::<Vec<_>>()),
        )
    } else {
        (None, None, None)
    };
    let pb: Vec<f64> = match (params.bin_p, &p_sim) {
        (BinP::Permutation, Some(ps)) => ps.iter().map(|v| (2.0 * v).min(1.0)).collect(),
        _ => p.clone(),
    };
    let mut bin = confidence_bins(&z, &pb, params.fdr);
    for (b, s) in bin.iter_mut().zip(&stat) {
        if s.3 {
            *b = 0;
        }
    }
    let mut bin_counts = [0usize; 7];
    for b in &bin {
        bin_counts[(*b + 3) as usize] += 1;
    }
    Ok(GiStarResult {
        n,
        mean,
        sd,
        params: params.clone(),
        g,
        z,
        p,
        p_sim,
        z_sim,
        n_sim_ge,
        bin,
        n_neighbours,
        undefined,
        bin_counts,
    })
}

/// The permutation z of an observed window sum from the permutation mean and
/// variance; 0 when the variance vanishes (relative to the mean).
fn z_sim(obs: f64, m: f64, var: f64) -> f64 {
    if var > 1e-24 * (m * m).max(1.0) {
        (obs - m) / var.sqrt()
    } else {
        0.0
    }
}

/// ArcGIS-style confidence bins −3…3 from z-scores and two-sided p-values
/// (see the module docs), optionally with Benjamini–Hochberg FDR control.
pub fn confidence_bins(z: &[f64], p: &[f64], fdr: bool) -> Vec<i8> {
    let levels = [(0.10, 1i8), (0.05, 2), (0.01, 3)];
    let cut: Vec<Option<f64>> = levels
        .iter()
        .map(|(a, _)| if fdr { bh_cutoff(p, *a) } else { None })
        .collect();
    z.iter()
        .zip(p)
        .map(|(&zi, &pi)| {
            let mut lvl = 0i8;
            for (k, (a, l)) in levels.iter().enumerate() {
                let sig = if fdr {
                    cut[k].is_some_and(|c| pi <= c)
                } else {
                    pi < *a
                };
                if sig {
                    lvl = *l;
                }
            }
            if zi > 0.0 {
                lvl
            } else if zi < 0.0 {
                -lvl
            } else {
                0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::hotspot::weights::{grid_weights, WeightsSpec};
    use crate::hotspot::CellGrid;

    fn queen(nc: usize, nr: usize) -> Weights {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 10.0, nc, nr).unwrap());
        grid_weights(&cg, &WeightsSpec::default()).unwrap()
    }

    #[test]
    fn gi_star_hand_computed() {
        // 3x1 row: values 1, 2, 6; cell 0 window = {0, 1}
        let w = queen(3, 1);
        let r = gi_star(&[1.0, 2.0, 6.0], &w, &GiStarParams::new().permutations(0)).unwrap();
        let (n, mean) = (3.0f64, 3.0f64);
        let s = ((4.0 + 1.0 + 9.0) / 3.0f64).sqrt();
        let z0 = (3.0 - mean * 2.0) / (s * ((n * 2.0 - 4.0) / (n - 1.0)).sqrt());
        assert!((r.z[0] - z0).abs() < 1e-14);
        assert!((r.g[0] - 3.0 / 9.0).abs() < 1e-15);
        // the middle cell's window is every cell: undefined, reported as 0
        assert_eq!(r.z[1], 0.0);
        assert_eq!(r.p[1], 1.0);
        assert_eq!(r.undefined, 1);
    }

    #[test]
    fn gi_star_constant_and_tiny_inputs_error() {
        let w = queen(3, 3);
        assert!(gi_star(&[0.0; 9], &w, &GiStarParams::new()).is_err());
        assert!(gi_star(&[2.0; 9], &w, &GiStarParams::new()).is_err());
        let w1 = queen(1, 1);
        let e = gi_star(&[5.0], &w1, &GiStarParams::new()).unwrap_err();
        assert!(e.to_string().contains("at least 2"));
        let mut v = vec![0.0; 9];
        v[0] = f64::NAN;
        assert!(gi_star(&v, &w, &GiStarParams::new()).is_err());
    }

    #[test]
    fn gi_star_permutations_deterministic_and_thread_independent() {
        let w = queen(12, 10);
        let v: Vec<f64> = (0..120).map(|i| ((i * 37) % 11) as f64).collect();
        let p = GiStarParams::new().permutations(199).seed(9);
        let a = gi_star(&v, &w, &p).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| gi_star(&v, &w, &p).unwrap());
        assert_eq!(a.p_sim, b.p_sim);
        assert_eq!(a.z_sim, b.z_sim);
        let ps = a.p_sim.unwrap();
        assert!(ps.iter().all(|x| *x >= 1.0 / 200.0 && *x <= 1.0));
    }

    #[test]
    fn gi_star_fast_binary_path_equals_general_path() {
        let w = queen(15, 9);
        let lists: Vec<Vec<(usize, f64)>> = (0..w.len())
            .map(|i| w.neighbours(i).iter().map(|&j| (j as usize, 1.0)).collect())
            .collect();
        let general = Weights::from_lists(lists, false).unwrap();
        assert!(!general.is_binary());
        let v: Vec<f64> = (0..135).map(|i| ((i * 13) % 7) as f64).collect();
        let p = GiStarParams::new().permutations(99).seed(5);
        let a = gi_star(&v, &w, &p).unwrap();
        let b = gi_star(&v, &general, &p).unwrap();
        assert_eq!(a.n_sim_ge, b.n_sim_ge);
        assert_eq!(a.p_sim, b.p_sim);
        for (x, y) in a.z_sim.unwrap().iter().zip(b.z_sim.unwrap()) {
            assert!((x - y).abs() < 1e-9);
        }
        assert_eq!(a.z, b.z);
    }

    #[test]
    fn gi_star_empty_window_not_significant_by_permutation() {
        // one busy corner, the rest mostly empty: an empty window among many
        // empty windows must not get the minimum p
        let w = queen(10, 10);
        let mut v = vec![0.0; 100];
        v[0] = 9.0;
        v[1] = 7.0;
        v[10] = 8.0;
        v[55] = 1.0;
        let r = gi_star(&v, &w, &GiStarParams::new().permutations(99)).unwrap();
        let ps = r.p_sim.unwrap();
        assert!(ps[99] > 0.3, "p_sim of an empty window {}", ps[99]);
        assert!(r.bin[0] > 0 || r.bin[11] > 0);
    }

    #[test]
    fn confidence_bins_levels() {
        let z = [3.0, 2.0, 1.7, 0.5, -2.7];
        let p: Vec<f64> = z.iter().map(|v| normal_p_two_sided(*v)).collect();
        assert_eq!(confidence_bins(&z, &p, false), vec![3, 2, 1, 0, -3]);
        // with FDR over 5 tests the weaker ones drop
        // (BH cutoffs: none at 0.01, 0.0069 at 0.05, 0.0455 at 0.10)
        assert_eq!(confidence_bins(&z, &p, true), vec![2, 1, 0, 0, -2]);
    }
}
