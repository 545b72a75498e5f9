//! Monte Carlo envelopes: per-distance summaries of simulated curves (Ripley's K on
//! the plane, the network K function).

/// Per-position summary of simulated curves against an observed one.
///
/// NaN simulated values are left out of every statistic (the K of a simulation with
/// an undefined value at some distance); `mean` divides by the values kept (at least 1).
pub(crate) struct SimSummary {
    /// Lowest simulated value (`+inf` when none is kept).
    pub lo: Vec<f64>,
    /// Highest simulated value (`-inf` when none is kept).
    pub hi: Vec<f64>,
    /// Mean simulated value, summed in simulation order.
    pub mean: Vec<f64>,
    /// Simulations at or above the observed value.
    pub ge: Vec<usize>,
    /// Simulations at or below the observed value.
    pub le: Vec<usize>,
}

/// Summarises `sims` (one curve per simulation, each as long as `obs`) against `obs`.
pub(crate) fn summarise(sims: &[Vec<f64>], obs: &[f64]) -> SimSummary {
    let col = |j: usize| sims.iter().map(move |s| s[j]).filter(|v| !v.is_nan());
    let m = obs.len();
    SimSummary {
        lo: (0..m)
            .map(|j| col(j).fold(f64::INFINITY, f64::min))
            .collect(),
        hi: (0..m)
            .map(|j| col(j).fold(f64::NEG_INFINITY, f64::max))
            .collect(),
        mean: (0..m)
            .map(|j| col(j).sum::<f64>() / col(j).count().max(1) as f64)
            .collect(),
        ge: (0..m)
            .map(|j| col(j).filter(|v| *v >= obs[j]).count())
            .collect(),
        le: (0..m)
            .map(|j| col(j).filter(|v| *v <= obs[j]).count())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarise_skips_nan() {
        let sims = vec![vec![1.0, f64::NAN], vec![3.0, 2.0], vec![2.0, 4.0]];
        let s = summarise(&sims, &[2.0, 3.0]);
        assert_eq!(s.lo, [1.0, 2.0]);
        assert_eq!(s.hi, [3.0, 4.0]);
        assert_eq!(s.mean, [2.0, 3.0]);
        assert_eq!(s.ge, [2, 1]);
        assert_eq!(s.le, [2, 1]);
    }
}
