//! [`nkde_study`]: snap incidents, cut lixels, run [`nkde`], and the mass and counts
//! a report needs ([`NkdeStudy`]).

use serde::Serialize;

use super::{nkde, NkdeParams};
use crate::error::{Error, Result};
use crate::network::lixel::Lixels;
use crate::network::snap::{NetworkSpace, Snapped};

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
