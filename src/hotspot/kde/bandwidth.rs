//! The data-driven bandwidth rules of [`Bandwidth`](super::Bandwidth): ArcGIS's
//! (Silverman's spatial variant), Scott's, and the adaptive k-th-neighbour distances
//! (formulas in the [module docs](super)).

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::index::PointIndex;

/// `h` from a bandwidth rule, or an error when the points have no spread (h = 0).
pub(super) fn spread_bandwidth(h: f64) -> Result<f64> {
    if h > 0.0 {
        Ok(h)
    } else {
        Err(Error::degenerate(
            "kernel density bandwidth",
            "the points have no spread: give a fixed bandwidth",
        ))
    }
}

/// ArcGIS's default bandwidth (see the module docs).
pub fn bandwidth_arcgis(pts: &[[f64; 2]]) -> Result<f64> {
    let n = pts.len();
    if n < 2 {
        return Err(Error::too_few("a bandwidth rule", "points", 2, n));
    }
    let nf = n as f64;
    let mx = pts.iter().map(|p| p[0]).sum::<f64>() / nf;
    let my = pts.iter().map(|p| p[1]).sum::<f64>() / nf;
    let sd = (pts.iter().map(|p| (p[0] - mx).powi(2)).sum::<f64>() / nf
        + pts.iter().map(|p| (p[1] - my).powi(2)).sum::<f64>() / nf)
        .sqrt();
    let mut d: Vec<f64> = pts
        .par_iter()
        .map(|p| (p[0] - mx).hypot(p[1] - my))
        .collect();
    // the median by selection (the same order statistics as sorting, in O(n))
    let (below, &mut upper, _) = d.select_nth_unstable_by(n / 2, f64::total_cmp);
    let dm = if n % 2 == 1 {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lower + upper)
    };
    let h = 0.9 * sd.min((1.0 / std::f64::consts::LN_2).sqrt() * dm) * nf.powf(-0.2);
    spread_bandwidth(h)
}

/// Scott's rule for two dimensions (see the module docs).
pub fn bandwidth_scott(pts: &[[f64; 2]]) -> Result<f64> {
    let n = pts.len();
    if n < 2 {
        return Err(Error::too_few("a bandwidth rule", "points", 2, n));
    }
    let nf = n as f64;
    let var = |k: usize| {
        let m = pts.iter().map(|p| p[k]).sum::<f64>() / nf;
        pts.iter().map(|p| (p[k] - m).powi(2)).sum::<f64>() / (nf - 1.0)
    };
    let h = ((var(0) + var(1)) / 2.0).sqrt() * nf.powf(-1.0 / 6.0);
    spread_bandwidth(h)
}

/// Distance from each point to its k-th nearest other point (R-tree).
pub fn knn_bandwidths(pts: &[[f64; 2]], k: usize) -> Result<Vec<f64>> {
    if k == 0 || k >= pts.len() {
        return Err(Error::invalid_param(
            "bandwidth",
            format!("knn:{k}"),
            format!(
                "an adaptive bandwidth needs 1 <= k < number of points ({})",
                pts.len()
            ),
        ));
    }
    let idx = PointIndex::new(pts);
    Ok(pts
        .par_iter()
        .map(|p| idx.k_nearest(*p, k + 1).last().map_or(0.0, |x| x.1))
        .collect())
}
