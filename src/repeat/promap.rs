//! Prospective hotspotting ("promap", Bowers, Johnson & Pease 2004).
//!
//! # Definition
//! For a prediction time `T`, every event in `[T − days, T)` within `bandwidth_m`
//! (Euclidean, inclusive) of a cell centre adds
//! `1 / (1 + d / cell) · 1 / (1 + Δt / 7)` to that cell, with `d` the distance from the
//! event to the cell centre (so `d / cell` is the distance in cells) and `Δt` the age of
//! the event in days (`Δt / 7` in weeks), as in Bowers, Johnson & Pease (2004,
//! *Br. J. Criminol.* 44:641–658). Older or farther events add nothing.
//!
//! The comparison is a **plain KDE** of the same history (every event before `T`):
//! quartic kernel `3/(π h²)(1 − d²/h²)²`, `h = kde_bandwidth_m`, no edge correction.
//!
//! Both surfaces are evaluated on the events in `[T, T + horizon)`: the top `c` share
//! of cells (ranked by value, ties by cell id) is flagged; **hit rate** = share of the
//! test events inside flagged cells; **PAI** = hit rate / area share of the flagged cells
//! (Chainey, Tompson & Uhlig 2008). The area is the grid's rectangle.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::layer::Incidents;
use crate::time::DAY;

/// Parameters of [`promap`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PromapParams {
    /// Prediction time (seconds since 1970, local clock); events before it are history.
    pub at: i64,
    /// Grid cell size (m).
    pub cell: f64,
    /// Spatial bandwidth (m).
    pub bandwidth_m: f64,
    /// Temporal bandwidth (days).
    pub bandwidth_days: f64,
    /// Quartic KDE bandwidth of the comparison (m).
    pub kde_bandwidth_m: f64,
    /// Evaluation horizons (days).
    pub horizons_days: Vec<f64>,
    /// Shares of cells flagged (e.g. 0.05 = top 5 %).
    pub coverages: Vec<f64>,
}

impl PromapParams {
    /// Defaults of Bowers et al. (400 m, 8 weeks) on 50 m cells; KDE h = 400 m;
    /// horizons one week and 30 days; coverages 1, 5 and 10 %.
    pub fn new(at: i64) -> Self {
        PromapParams {
            at,
            cell: 50.0,
            bandwidth_m: 400.0,
            bandwidth_days: 56.0,
            kde_bandwidth_m: 400.0,
            horizons_days: vec![7.0, 30.0],
            coverages: vec![0.01, 0.05, 0.10],
        }
    }
    /// Sets the cell size.
    pub fn cell(mut self, c: f64) -> Self {
        self.cell = c;
        self
    }
    /// Sets the spatial and temporal bandwidths.
    pub fn bandwidths(mut self, m: f64, days: f64) -> Self {
        self.bandwidth_m = m;
        self.bandwidth_days = days;
        self
    }
}

/// Hit rate and PAI of one surface at one horizon and coverage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Accuracy {
    /// `promap` or `kde`.
    pub method: String,
    /// Horizon (days).
    pub horizon_days: f64,
    /// Share of cells flagged.
    pub coverage: f64,
    /// Test events.
    pub n_test: usize,
    /// Test events in flagged cells.
    pub hits: usize,
    /// hits / n_test.
    pub hit_rate: f64,
    /// hit_rate / area share.
    pub pai: f64,
}

/// Result of [`promap`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PromapResult {
    /// The grid (covers all incidents).
    pub grid: Grid,
    /// Promap risk per cell.
    pub promap: Vec<f64>,
    /// KDE per cell (per m²).
    pub kde: Vec<f64>,
    /// Events used by promap (within the temporal bandwidth).
    pub n_recent: usize,
    /// Events in the KDE history.
    pub n_history: usize,
    /// Hit rate / PAI table.
    pub accuracy: Vec<Accuracy>,
    /// Incidents with and without a time (those without are left out).
    pub time_use: crate::layer::TimeUse,
}

/// Builds the promap and KDE surfaces at `p.at` and evaluates them.
pub fn promap(inc: &Incidents, p: &PromapParams) -> Result<PromapResult> {
    for (v, what) in [
        (p.cell, "cell"),
        (p.bandwidth_m, "bandwidth_m"),
        (p.bandwidth_days, "bandwidth_days"),
        (p.kde_bandwidth_m, "kde_bandwidth_m"),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(Error::invalid_param(what, v, "must be > 0"));
        }
    }
    if let Some(c) = p.coverages.iter().find(|c| !(**c > 0.0 && **c <= 1.0)) {
        return Err(Error::invalid_param(
            "coverages",
            c,
            "a coverage (share of the area) must be in (0, 1]",
        ));
    }
    for &h in &p.horizons_days {
        if !(h.is_finite() && h > 0.0) {
            return Err(Error::invalid_param(
                "horizons_days",
                h,
                "an evaluation horizon must be a positive number of days",
            ));
        }
        if h > crate::limits::MAX_HORIZON_DAYS {
            return Err(Error::limit(
                "horizons_days",
                h,
                crate::limits::MAX_HORIZON_DAYS,
                "a prospective map predicts the next days or weeks; ten years is far beyond",
            ));
        }
    }
    let bbox = inc
        .bbox()
        .ok_or_else(|| Error::too_few("promap", "incidents", 1, 0))?;
    let grid = Grid::covering(bbox, p.cell)?;
    let history: Vec<usize> = (0..inc.len())
        .filter(|&i| inc.time[i].is_some_and(|t| t < p.at))
        .collect();
    if history.is_empty() {
        return Err(Error::empty(
            "promap",
            "incident before the prediction date",
            "",
        ));
    }
    let oldest = p.at - (p.bandwidth_days * DAY as f64).round() as i64;
    let recent: Vec<usize> = history
        .iter()
        .copied()
        .filter(|&i| inc.time[i].is_some_and(|t| t >= oldest))
        .collect();
    let mut pm = vec![0.0; grid.len()];
    let mut kde = vec![0.0; grid.len()];
    let add = |surf: &mut Vec<f64>, q: [f64; 2], r: f64, f: &dyn Fn(f64) -> f64| {
        let c0 = ((q[0] - r - grid.x0) / grid.cell).floor().max(0.0) as usize;
        let r0 = ((q[1] - r - grid.y0) / grid.cell).floor().max(0.0) as usize;
        let c1 = (((q[0] + r - grid.x0) / grid.cell).floor() as usize).min(grid.ncols - 1);
        let r1 = (((q[1] + r - grid.y0) / grid.cell).floor() as usize).min(grid.nrows - 1);
        for row in r0..=r1 {
            for col in c0..=c1 {
                let id = row * grid.ncols + col;
                let c = grid.centre(id);
                let d = ((c[0] - q[0]).powi(2) + (c[1] - q[1]).powi(2)).sqrt();
                if d <= r {
                    surf[id] += f(d);
                }
            }
        }
    };
    for &i in &recent {
        let age = (p.at - inc.time[i].unwrap_or(p.at)) as f64 / DAY as f64;
        let wt = 1.0 / (1.0 + age / 7.0);
        add(&mut pm, inc.xy[i], p.bandwidth_m, &|d| {
            wt / (1.0 + d / p.cell)
        });
    }
    let h = p.kde_bandwidth_m;
    for &i in &history {
        add(&mut kde, inc.xy[i], h, &|d| {
            let u = 1.0 - d * d / (h * h);
            3.0 / (std::f64::consts::PI * h * h) * u * u
        });
    }
    let mut accuracy = Vec::new();
    for &hz in &p.horizons_days {
        let end = p.at + (hz * DAY as f64).round() as i64;
        let test: Vec<usize> = (0..inc.len())
            .filter(|&i| inc.time[i].is_some_and(|t| t >= p.at && t < end))
            .filter_map(|i| grid.cell_of(inc.xy[i][0], inc.xy[i][1]))
            .collect();
        for &cov in &p.coverages {
            for (name, surf) in [("promap", &pm), ("kde", &kde)] {
                accuracy.push(hit_rate_pai(name, surf, &test, cov, hz));
            }
        }
    }
    Ok(PromapResult {
        grid,
        promap: pm,
        kde,
        n_recent: recent.len(),
        n_history: history.len(),
        accuracy,
        time_use: inc.time_use(),
    })
}

/// Minimal hit rate / PAI of the top `coverage` share of cells.
fn hit_rate_pai(
    method: &str,
    surf: &[f64],
    test_cells: &[usize],
    coverage: f64,
    hz: f64,
) -> Accuracy {
    let k = ((coverage * surf.len() as f64).ceil() as usize).clamp(1, surf.len());
    let mut order: Vec<usize> = (0..surf.len()).collect();
    order.sort_by(|&a, &b| surf[b].total_cmp(&surf[a]).then(a.cmp(&b)));
    let mut flagged = vec![false; surf.len()];
    for &c in &order[..k] {
        flagged[c] = true;
    }
    let hits = test_cells.iter().filter(|&&c| flagged[c]).count();
    let n = test_cells.len();
    let hit_rate = if n > 0 {
        hits as f64 / n as f64
    } else {
        f64::NAN
    };
    Accuracy {
        method: method.into(),
        horizon_days: hz,
        coverage,
        n_test: n,
        hits,
        hit_rate,
        pai: hit_rate / (k as f64 / surf.len() as f64),
    }
}

impl PromapResult {
    /// A readable evaluation table.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "prospective map: {} recent events (promap), {} events of history (KDE), {} cells of {} m\n  method  horizon  coverage  test  hits  hit rate  PAI\n",
            self.n_recent,
            self.n_history,
            self.grid.len(),
            self.grid.cell
        );
        if let Some(n) = self.time_use.note("promap") {
            s = format!("  note: {n}\n{s}");
        }
        for a in &self.accuracy {
            s.push_str(&format!(
                "  {:<6}  {:>5} d  {:>7.0}%  {:>4}  {:>4}  {:>8.3}  {:>5.2}\n",
                a.method,
                a.horizon_days,
                100.0 * a.coverage,
                a.n_test,
                a.hits,
                a.hit_rate,
                a.pai
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repeat::tests::incidents;
    use crate::time::TimePrecision;

    #[test]
    fn promap_weights_decay_in_space_and_time() {
        let inc = incidents(
            &[[0.0, 0.0], [1000.0, 1000.0], [0.0, 0.0]],
            &[Some(9 * DAY), Some(2 * DAY), Some(11 * DAY)],
            TimePrecision::Day,
        );
        let p = PromapParams::new(10 * DAY).cell(100.0);
        let r = promap(&inc, &p).unwrap();
        assert_eq!(r.n_recent, 2);
        let c0 = r.grid.cell_of(0.0, 0.0).unwrap();
        let c1 = r.grid.cell_of(1000.0, 1000.0).unwrap();
        // event at (0,0) 1 day old, centre 50*sqrt(2) m away
        let d = 50.0 * 2f64.sqrt();
        let want = 1.0 / (1.0 + 1.0 / 7.0) / (1.0 + d / 100.0);
        assert!((r.promap[c0] - want).abs() < 1e-12);
        // 8 days old, so also within 56 days, but older: smaller weight
        assert!(r.promap[c1] > 0.0 && r.promap[c1] < r.promap[c0]);
        // the one test event (day 11 at the origin) is in the top cell of both surfaces
        let a = r
            .accuracy
            .iter()
            .find(|a| a.method == "promap" && a.coverage == 0.01 && a.horizon_days == 7.0)
            .unwrap();
        assert_eq!((a.n_test, a.hits), (1, 1));
        assert!(a.pai > 1.0);
        assert!(promap(&inc, &PromapParams::new(0)).is_err());
    }

    #[test]
    fn hit_rate_pai_counts_flagged_cells() {
        let a = hit_rate_pai("x", &[0.0, 5.0, 1.0, 0.0], &[1, 1, 2, 3], 0.25, 7.0);
        assert_eq!(a.hits, 2);
        assert_eq!(a.hit_rate, 0.5);
        assert_eq!(a.pai, 2.0);
    }

    #[test]
    fn promap_without_history_is_empty() {
        let inc = incidents(&[[0.0, 0.0]], &[Some(20 * DAY)], TimePrecision::Day);
        let e = promap(&inc, &PromapParams::new(10 * DAY).cell(100.0)).unwrap_err();
        assert!(matches!(
            e,
            Error::Empty {
                analysis: "promap",
                what: "incident before the prediction date",
                ..
            }
        ));
    }
}
