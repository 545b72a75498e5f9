//! [`dual_kde`]: two layers' surfaces on one grid, combined as a ratio or a difference.

use serde::Serialize;

use super::{kde, Bandwidth, Evaluation, KdeParams, KdeResult};
use crate::error::Result;
use crate::grid::Grid;

/// How two surfaces are combined by [`dual_kde`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DualMode {
    /// `a / b` (e.g. incidents per resident): NaN where `b` is below
    /// 1e-9 × its maximum (no denominator support).
    #[default]
    Ratio,
    /// `a − b` (per km²).
    Difference,
    /// `a/N_a − b/N_b`: difference of the shares of each layer per km².
    ShareDifference,
}

/// Two surfaces on the same grid and their combination.
#[derive(Debug, Clone, Serialize)]
pub struct DualKdeResult {
    /// Surface of the first layer (numerator).
    pub a: KdeResult,
    /// Surface of the second layer (denominator / subtrahend).
    pub b: KdeResult,
    /// Combination.
    pub mode: DualMode,
    /// Combined value per cell (full grid), NaN where undefined.
    #[serde(skip)]
    pub values: Vec<f64>,
    /// Cells where the ratio is undefined.
    pub undefined: usize,
}

/// Dual kernel density: both layers with the same kernel and bandwidth (a
/// data-driven rule is computed from layer `a` and then applied to both;
/// adaptive bandwidths are computed per layer), combined by `mode`.
pub fn dual_kde(
    grid: &Grid,
    a: &[[f64; 2]],
    b: &[[f64; 2]],
    params: &KdeParams,
    mode: DualMode,
) -> Result<DualKdeResult> {
    let ka = kde(grid, a, None, params)?;
    let pb = match params.bandwidth {
        Bandwidth::Adaptive { .. } => params.clone(),
        _ => {
            let mut p = params.clone().fixed(ka.bandwidth_m);
            // keep the same sampling as a
            p.evaluation = Evaluation::CellAverage {
                samples: ka.samples_per_side,
            };
            p
        }
    };
    let kb = kde(grid, b, None, &pb)?;
    let bmax = kb.density_km2.iter().copied().fold(0.0, f64::max);
    let (na, nb) = (ka.total_weight, kb.total_weight);
    let values: Vec<f64> = ka
        .density_km2
        .iter()
        .zip(&kb.density_km2)
        .map(|(&x, &y)| match mode {
            DualMode::Ratio => {
                if y > 1e-9 * bmax && y > 0.0 {
                    x / y
                } else {
                    f64::NAN
                }
            }
            DualMode::Difference => x - y,
            DualMode::ShareDifference => x / na - y / nb,
        })
        .collect();
    let undefined = values.iter().filter(|v| v.is_nan()).count();
    Ok(DualKdeResult {
        a: ka,
        b: kb,
        mode,
        values,
        undefined,
    })
}
