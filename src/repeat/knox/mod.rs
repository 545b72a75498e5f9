//! The Knox near-repeat test with the semantics of the R package NearRepeat,
//! at city and national scale.
//!
//! # Definition (Knox 1964; Townsley, Homel & Chaseling 2003; NearRepeat 0.1.1)
//! Every **unordered pair** of events `{i, j}`, `i < j`, is counted once in the
//! cell (spatial band, temporal band) of its distance and its time difference
//! `|tᵢ − tⱼ|`. Bands are **half-open `[a, b)`** (R `cut(right = FALSE)`): a pair
//! exactly 7 days apart falls in `[7, 14)`. Pairs below the first or at/after the
//! last break are **dropped**; give `f64::INFINITY` as the last break to keep them
//! (a "beyond" band). Distance is **Manhattan** `|Δx| + |Δy|` by default (as
//! NearRepeat) or Euclidean `sqrt(Δx² + Δy²)`, both computed in IEEE f64 exactly
//! as R's `stats::dist` does, so pairs on a band edge fall on the same side.
//!
//! With [`Metric::Network`] the distance is the shortest path along the street
//! network ([`crate::network::paths`]): events are snapped to the network of
//! [`KnoxParams::network`] (those farther than its tolerance are excluded and
//! counted in `excluded_off_network`) and stand at their snapped positions. The
//! straight line between two snapped positions is never longer than the path, so
//! the planar cell search below still enumerates every candidate pair; the network
//! distance is computed for those only (one Dijkstra bounded by the largest finite
//! break per event). Permutations, margins and the analytic screen are unchanged.
//!
//! The **null model** permutes the time stamps over the events (locations fixed),
//! `nrep` times. For each cell: `expected_mean` = mean of the simulated counts,
//! `expected_median` = their median, Knox ratio = observed / expected_mean (and /
//! expected_median; `Inf` when the expectation is 0 and observed > 0, `NaN` when both
//! are 0), and the one-sided **p = (#{sim ≥ obs} + 1) / (nrep + 1)** (ties count
//! against significance).
//!
//! The **analytic** expectation (a fast screen, as pointpats' Knox): a random
//! permutation sends a pair to a uniformly random unordered pair of time stamps, so
//! `E = S_s · T_b / P` exactly, with `S_s` the number of pairs in spatial band `s`,
//! `T_b` the number of pairs whose time difference is in band `b` and
//! `P = n(n−1)/2`; the p-value is the Poisson upper tail `P(X ≥ obs)`, `X ~ Poisson(E)`.
//!
//! # Algorithm
//! Never `n²`: events are sorted into square cells of side `R` (the largest finite
//! spatial break), and only pairs in neighbouring cells closer than `R` are stored,
//! grouped by spatial band (8 bytes per close pair). With an infinite last break the
//! "beyond" row is `T_b` (invariant under permutation, counted in `O(n log n)` from
//! sorted times) minus the close rows. Each permutation recounts only the close
//! pairs with permuted times (8 bytes per close pair, at most
//! `KnoxParams::max_close_pairs`). Without permutations (`nrep` = 0) nothing is
//! stored: one streaming pass counts the observed close rows by temporal band, so
//! inputs of any density get the observed table, the exact expectation
//! `S_s · T_b / P` and its Poisson p-values (the permutation p-values, medians and
//! standard deviations need the stored pairs). Permutation `r` draws from its own ChaCha8 stream
//! (`seed_from_u64(seed)`, `set_stream(r)`); events are first put in a canonical
//! order (cell, x, y, t), so every number — Monte Carlo ones included — is the same
//! for any input order and any thread count.
//!
//! # Time
//! Times are integers in a unit (see `prepare_times`); temporal
//! breaks are in days and a break `b` becomes the integer threshold `ceil(b · units
//! per day)`. For day-precision data a break that is not a whole number of days is
//! flagged in the warnings (`[0, 0.5)` then holds the pairs on the same calendar day).
//! The times may span at most 2³² units (136 years at second precision).
//!
//! # Examples
//! ```
//! use crimescape::{knox_xyt, KnoxParams, TimePrecision};
//! // three burglaries: two 50 m and 2 days apart, one far away much later
//! let xy = [[0.0, 0.0], [30.0, 20.0], [5000.0, 0.0]];
//! let t = [0, 2, 100];
//! let p = KnoxParams::new(vec![0.0, 100.0, f64::INFINITY], vec![0.0, 7.0, f64::INFINITY])
//!     .nrep(99)
//!     .seed(1);
//! let r = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
//! assert_eq!(r.observed, vec![vec![1, 0], vec![0, 2]]);
//! assert_eq!(r.n_pairs, 3);
//! ```

mod bands;
mod inference;
mod pairs;
mod params;
mod result;
#[cfg(test)]
mod tests;
mod text;

use bands::{check_breaks, SpaceBands, TimeBands, DROP};
use inference::knox_xyt_impl;
#[cfg(test)]
use inference::poisson_sf_ge;
use pairs::{canonical, network_events, PairSource};
pub use params::{nrc_space_breaks, nrc_time_breaks, KnoxParams, Metric};
pub use result::{AnalyticTables, KnoxCell, KnoxResult, PermutationTables, ALPHA, RATIO_THRESHOLD};
pub use text::{band_labels, fmt_num, fmt_p};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::layer::Incidents;
use crate::network::{NetPos, NetworkSpace};
pub use crate::special::gamma_p;
#[cfg(test)]
use crate::special::ln_gamma;
use crate::time::{TimePrecision, DAY};

/// Runs the Knox test on incidents, choosing the time unit from their precision
/// (see `prepare_times`); incidents without a usable time are
/// excluded with a count.
///
/// # Examples
/// ```
/// use crimescape::{generate_demo as generate, knox, DemoParams, KnoxParams};
/// // a small demo city: its burglaries carry planted near-repeat chains
/// // (within 100 m and 14 days)
/// let city = generate(&DemoParams::new(3).incidents(3000).size(2000.0)).unwrap();
/// let burglary = city.incidents.categories.iter().position(|c| c == "burglary").unwrap();
/// let burglaries = city.incidents.filter(|i| city.incidents.category[i] as usize == burglary);
/// let p = KnoxParams::new(vec![0.0, 100.0, 1000.0], vec![0.0, 14.0, 100.0])
///     .nrep(99)
///     .seed(1);
/// let r = knox(&burglaries, &p).unwrap();
/// let perm = r.permutation.as_ref().unwrap();
/// // close in space and time: more pairs than the permuted times give
/// assert!(perm.knox_ratio[0][0] > 1.2, "{:?}", perm.knox_ratio);
/// assert!(perm.p_value[0][0] <= 0.05);
/// // every pair within the bands is counted once
/// let obs: u64 = r.observed.iter().flatten().sum();
/// assert_eq!(obs, r.n_pairs_in_table);
/// // the same seed gives the same numbers
/// assert_eq!(knox(&burglaries, &p).unwrap().permutation.unwrap().p_value, perm.p_value);
/// ```
pub fn knox(inc: &Incidents, params: &KnoxParams) -> Result<KnoxResult> {
    let pt = crate::repeat::prepare_times(inc)?;
    let xy: Vec<[f64; 2]> = pt.keep.iter().map(|&i| inc.xy[i]).collect();
    let mut r = knox_xyt(&xy, &pt.t, pt.unit, params)?;
    r.excluded_missing_time = pt.excluded_missing;
    r.excluded_coarse_time = pt.excluded_coarse;
    let mut w = pt.warnings;
    w.append(&mut r.warnings);
    r.warnings = w;
    Ok(r)
}

/// Runs the Knox test on points with integer times in `unit`s (e.g. days for
/// [`TimePrecision::Day`]). See the module docs for the conventions.
pub fn knox_xyt(
    xy: &[[f64; 2]],
    t: &[i64],
    unit: TimePrecision,
    params: &KnoxParams,
) -> Result<KnoxResult> {
    knox_xyt_impl(xy, t, unit, params, false)
}
