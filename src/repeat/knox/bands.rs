//! Spatial and temporal bands: the breaks checked, and a pair's band found fast.

use super::*;

/// Checks the breaks of the Params field `param` (`space_breaks`, `time_breaks`).
pub(super) fn check_breaks(b: &[f64], param: &'static str) -> Result<()> {
    let bad = |reason: &str| Error::invalid_param(param, format!("{b:?}"), reason);
    if b.len() < 2 {
        return Err(bad("breaks need at least two values (one band)"));
    }
    if b.len() > 201 {
        return Err(Error::limit(
            param,
            b.len() - 1,
            200,
            "bands of a Knox table",
        ));
    }
    if !(b[0] >= 0.0 && b[0].is_finite()) {
        return Err(bad("breaks must start at a finite value >= 0"));
    }
    if b.windows(2).any(|w| w[1].is_nan() || w[1] <= w[0]) {
        return Err(bad("breaks must be strictly increasing"));
    }
    if b[..b.len() - 1].iter().any(|v| v.is_infinite()) {
        return Err(bad("only the last break may be Inf"));
    }
    Ok(())
}

pub(super) const DROP: u8 = u8::MAX;

/// Temporal banding in integer time units.
#[derive(Debug, Clone)]
pub(super) struct TimeBands {
    /// Lower thresholds (units) of each band.
    pub(super) lo: Vec<i64>,
    /// Upper threshold of the last band, `None` = ∞.
    pub(super) hi: Option<i64>,
    /// Look-up table for small differences.
    pub(super) lut: Vec<u8>,
    /// Band for differences ≥ lut.len().
    pub(super) tail: u8,
    /// Whether the look-up table is used.
    pub(super) fast: bool,
}

impl TimeBands {
    pub(super) fn new(breaks: &[f64], units_per_day: f64) -> TimeBands {
        let th = |b: f64| (b * units_per_day).ceil() as i64;
        let l = breaks.len() - 1;
        let lo: Vec<i64> = breaks[..l].iter().map(|&b| th(b)).collect();
        let hi = breaks[l].is_finite().then(|| th(breaks[l]));
        let mut tb = TimeBands {
            lo,
            hi,
            lut: Vec::new(),
            tail: DROP,
            fast: false,
        };
        let lut_len = hi.unwrap_or(tb.lo[l - 1]).max(0);
        if lut_len <= 1 << 20 {
            tb.lut = (0..lut_len).map(|d| tb.band_slow(d)).collect();
            tb.tail = if hi.is_some() { DROP } else { (l - 1) as u8 };
            tb.fast = true;
        }
        tb
    }

    pub(super) fn band_slow(&self, dt: i64) -> u8 {
        if dt < self.lo[0] || self.hi.is_some_and(|h| dt >= h) {
            return DROP;
        }
        (self.lo.partition_point(|&l| l <= dt) - 1) as u8
    }

    #[inline]
    pub(super) fn band(&self, dt: u64) -> u8 {
        if !self.fast {
            self.band_slow(dt.min(i64::MAX as u64) as i64)
        } else if (dt as usize) < self.lut.len() {
            self.lut[dt as usize]
        } else {
            self.tail
        }
    }

    pub(super) fn nbands(&self) -> usize {
        self.lo.len()
    }

    /// Pairs with time difference in each band (all pairs, any distance), from sorted times.
    pub(super) fn margin(&self, sorted: &[i64], n_pairs: u64) -> Vec<u64> {
        // C(th) = #pairs with dt < th
        let below = |th: i64| -> u64 {
            let mut c = 0u64;
            let mut j = 0usize;
            for i in 0..sorted.len() {
                if j < i + 1 {
                    j = i + 1;
                }
                while j < sorted.len() && sorted[j] - sorted[i] < th {
                    j += 1;
                }
                c += (j - i - 1) as u64;
            }
            c
        };
        let l = self.lo.len();
        let cum: Vec<u64> = self
            .lo
            .iter()
            .map(|&th| below(th))
            .chain(std::iter::once(self.hi.map_or(n_pairs, below)))
            .collect();
        (0..l).map(|b| cum[b + 1] - cum[b]).collect()
    }
}

/// Spatial banding.
#[derive(Debug, Clone)]
pub(super) struct SpaceBands {
    pub(super) breaks: Vec<f64>,
    /// Number of bands with a finite upper edge (stored "close" rows).
    pub(super) n_close: usize,
    /// Whether the last band is `[R, ∞)`.
    pub(super) beyond: bool,
    /// Largest finite break.
    pub(super) r: f64,
}

impl SpaceBands {
    pub(super) fn new(breaks: &[f64]) -> SpaceBands {
        let k = breaks.len() - 1;
        let beyond = breaks[k].is_infinite();
        let n_close = if beyond { k - 1 } else { k };
        SpaceBands {
            breaks: breaks.to_vec(),
            n_close,
            beyond,
            r: if beyond { breaks[k - 1] } else { breaks[k] },
        }
    }
    /// Row of a close pair: band index, `n_close` for "below the first break", or
    /// `None` when `d >= R`.
    #[inline]
    pub(super) fn row(&self, d: f64) -> Option<usize> {
        // NaN-safe: `d >= r` or NaN -> not close
        if d.partial_cmp(&self.r) != Some(std::cmp::Ordering::Less) {
            return None;
        }
        if d < self.breaks[0] {
            return Some(self.n_close);
        }
        Some(self.breaks.partition_point(|&b| b <= d) - 1)
    }
}
