//! Exact repeats: several incidents at the same place.
//!
//! # Definition
//! A **place** is either
//! * a value of an address column (trimmed, compared case-insensitively; empty
//!   values are places of their own), or
//! * a group of incidents whose coordinates lie within `tolerance` metres of each
//!   other, linked by single linkage (Euclidean, inclusive `d ≤ tolerance`);
//!   `tolerance = 0` means identical coordinates.
//!
//! A **repeat location** is a place with ≥ 2 incidents; a **repeat** is an incident
//! that follows an earlier incident at the same place (so a place with k incidents
//! has k − 1 repeats). The time between repeats is the gap between consecutive
//! incidents at a place (incidents without a time are skipped), in days, in the
//! unit of [`crate::repeat::prepare_times`] (whole days for date-only data).
//!
//! # Responsible use
//! Repeat locations identify households. [`RepeatCell`] aggregates them to grid
//! cells and [`ExactRepeats::cells`] suppresses cells with fewer than `min_count`
//! repeat locations; write exact locations only on explicit request.
//!
//! # Examples
//! ```
//! use crimescape::{exact_repeats, ExactRepeatParams};
//! # use crimescape::{Incidents, CrsChoice, Crs, TimePrecision};
//! # let mut inc = Incidents::empty(CrsChoice { input: Crs::Local { unit_to_metre: 1.0 },
//! #     input_source: String::new(), working: Crs::Local { unit_to_metre: 1.0 }, reason: String::new() });
//! # inc.xy = vec![[0.0, 0.0], [0.0, 0.0], [500.0, 0.0], [0.0, 0.0]];
//! # inc.time = vec![Some(0), Some(86_400 * 3), Some(0), Some(86_400 * 10)];
//! # inc.precision = vec![TimePrecision::Day; 4];
//! # inc.category = vec![u32::MAX; 4]; inc.row = vec![1, 2, 3, 4];
//! let r = exact_repeats(&inc, &ExactRepeatParams::default()).unwrap();
//! assert_eq!(r.repeat_locations, 1);
//! assert_eq!(r.repeats, 2);
//! assert_eq!(r.gaps_days, vec![3.0, 7.0]);
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::index::PointIndex;
use crate::layer::Incidents;

/// Parameters of [`exact_repeats`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExactRepeatParams {
    /// Same place within this distance (m, inclusive; 0 = identical coordinates).
    pub tolerance: f64,
    /// Use this address column instead of coordinates.
    pub address_column: Option<String>,
    /// Grid cell size (m) for aggregated output.
    pub cell: f64,
    /// Cells with fewer repeat locations than this are suppressed in aggregated output.
    pub min_count: usize,
}

impl Default for ExactRepeatParams {
    fn default() -> Self {
        ExactRepeatParams {
            tolerance: 0.0,
            address_column: None,
            cell: 250.0,
            min_count: 3,
        }
    }
}

impl ExactRepeatParams {
    /// Sets the tolerance (m).
    pub fn tolerance(mut self, t: f64) -> Self {
        self.tolerance = t;
        self
    }
    /// Groups by an address column.
    pub fn address_column(mut self, c: &str) -> Self {
        self.address_column = Some(c.to_string());
        self
    }
    /// Sets the aggregation cell size (m).
    pub fn cell(mut self, c: f64) -> Self {
        self.cell = c;
        self
    }
    /// Sets the suppression threshold.
    pub fn min_count(mut self, m: usize) -> Self {
        self.min_count = m;
        self
    }
}

/// One repeat location.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepeatLocation {
    /// Mean position of its incidents (working CRS).
    pub xy: [f64; 2],
    /// Number of incidents.
    pub count: usize,
    /// Indices of its incidents (input order).
    pub members: Vec<usize>,
    /// Address value, when grouped by address.
    pub address: Option<String>,
    /// Shortest gap between consecutive timed incidents (days).
    pub min_gap_days: Option<f64>,
}

/// Repeat locations aggregated to one grid cell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepeatCell {
    /// Cell id in the grid.
    pub cell: usize,
    /// Repeat locations in the cell.
    pub repeat_locations: usize,
    /// Incidents at those locations.
    pub incidents: usize,
}

/// Result of [`exact_repeats`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExactRepeats {
    /// Incidents analysed.
    pub n_incidents: usize,
    /// Distinct places.
    pub n_places: usize,
    /// Places with ≥ 2 incidents.
    pub repeat_locations: usize,
    /// Incidents at repeat locations.
    pub incidents_at_repeat_locations: usize,
    /// Incidents that follow an earlier one at the same place (Σ (k − 1)).
    pub repeats: usize,
    /// repeats / n_incidents.
    pub share_repeats: f64,
    /// incidents_at_repeat_locations / n_incidents.
    pub share_at_repeat_locations: f64,
    /// (k, number of places with exactly k incidents), k ascending.
    pub count_distribution: Vec<(usize, usize)>,
    /// Gaps between consecutive incidents at a place (days), ascending.
    pub gaps_days: Vec<f64>,
    /// Gap quantiles (25 %, 50 %, 75 %) in days.
    pub gap_quartiles: Option<[f64; 3]>,
    /// Share of gaps ≤ 7, 30 and 365 days.
    pub gap_share_within: Vec<(f64, f64)>,
    /// Repeat locations, most incidents first (ties: first incident first).
    pub locations: Vec<RepeatLocation>,
    /// Grid used for aggregation.
    pub grid: Option<Grid>,
    /// Time unit of the gaps.
    pub time_unit: Option<crate::time::TimePrecision>,
    /// How places were defined.
    pub grouping: String,
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n).collect())
    }
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // smaller root wins: deterministic
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

/// Finds exact repeats (see the module docs).
pub fn exact_repeats(inc: &Incidents, p: &ExactRepeatParams) -> Result<ExactRepeats> {
    if !(p.tolerance.is_finite() && p.tolerance >= 0.0) {
        return Err(Error::invalid_param(
            "tolerance",
            p.tolerance,
            "must be a distance >= 0 m",
        ));
    }
    if !(p.cell.is_finite() && p.cell > 0.0) {
        return Err(Error::invalid_param(
            "cell",
            p.cell,
            "a cell size must be > 0 m",
        ));
    }
    let n = inc.len();
    if n == 0 {
        return Err(Error::too_few("exact repeats", "incidents", 1, 0));
    }
    // place id per incident
    let (place, grouping): (Vec<usize>, String) = match &p.address_column {
        Some(col) => {
            let c = inc.attr(col).ok_or_else(|| {
                Error::invalid_param(
                    "address_column",
                    col,
                    format!("no such column; columns are: {}", inc.attr_names.join(", ")),
                )
            })?;
            let mut ids: HashMap<String, usize> = HashMap::new();
            let mut next = 0usize;
            let v = (0..n)
                .map(|i| {
                    let key = c.get(i).trim().to_lowercase();
                    if key.is_empty() {
                        next += 1;
                        usize::MAX - next
                    } else {
                        let k = ids.len();
                        *ids.entry(key).or_insert(k)
                    }
                })
                .collect();
            (v, format!("same value of the address column '{col}'"))
        }
        None if p.tolerance == 0.0 => {
            let mut ids: HashMap<(u64, u64), usize> = HashMap::new();
            let v = inc
                .xy
                .iter()
                .map(|q| {
                    let k = ids.len();
                    *ids.entry((q[0].to_bits(), q[1].to_bits())).or_insert(k)
                })
                .collect();
            (v, "identical coordinates".into())
        }
        None => {
            let idx = PointIndex::new(&inc.xy);
            let mut uf = UnionFind::new(n);
            for i in 0..n {
                for (j, _) in idx.within(inc.xy[i], p.tolerance) {
                    if j > i {
                        uf.union(i, j);
                    }
                }
            }
            (
                (0..n).map(|i| uf.find(i)).collect(),
                format!(
                    "coordinates within {} m (single linkage, inclusive)",
                    p.tolerance
                ),
            )
        }
    };
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &g) in place.iter().enumerate() {
        groups.entry(g).or_default().push(i);
    }
    let n_places = groups.len();
    let mut dist: HashMap<usize, usize> = HashMap::new();
    for m in groups.values() {
        *dist.entry(m.len()).or_insert(0) += 1;
    }
    let mut count_distribution: Vec<(usize, usize)> = dist.into_iter().collect();
    count_distribution.sort_unstable();

    // times (optional): unit from precision
    let pt = crate::repeat::prepare_times(inc).ok();
    let mut tday: Vec<Option<f64>> = vec![None; n];
    if let Some(pt) = &pt {
        let ud = pt.unit_days();
        for (k, &i) in pt.keep.iter().enumerate() {
            tday[i] = Some(pt.t[k] as f64 * ud);
        }
    }

    let mut locations: Vec<RepeatLocation> = Vec::new();
    let mut gaps = Vec::new();
    for m in groups.values() {
        if m.len() < 2 {
            continue;
        }
        let mut members = m.clone();
        members.sort_unstable();
        let mut ts: Vec<f64> = members.iter().filter_map(|&i| tday[i]).collect();
        ts.sort_by(f64::total_cmp);
        let my: Vec<f64> = ts.windows(2).map(|w| w[1] - w[0]).collect();
        let min_gap = my.iter().copied().reduce(f64::min);
        gaps.extend_from_slice(&my);
        let c = members.len() as f64;
        let xy = members.iter().fold([0.0, 0.0], |a, &i| {
            [a[0] + inc.xy[i][0] / c, a[1] + inc.xy[i][1] / c]
        });
        let address = p
            .address_column
            .as_ref()
            .and_then(|col| inc.attr(col))
            .map(|col| col.get(members[0]).to_string());
        locations.push(RepeatLocation {
            xy,
            count: members.len(),
            members,
            address,
            min_gap_days: min_gap,
        });
    }
    locations.sort_by(|a, b| b.count.cmp(&a.count).then(a.members[0].cmp(&b.members[0])));
    gaps.sort_by(f64::total_cmp);
    let q = |f: f64| -> f64 {
        // type-7 quantile (R default)
        let h = (gaps.len() - 1) as f64 * f;
        let lo = h.floor() as usize;
        let hi = h.ceil() as usize;
        gaps[lo] + (h - lo as f64) * (gaps[hi] - gaps[lo])
    };
    let gap_quartiles = (!gaps.is_empty()).then(|| [q(0.25), q(0.5), q(0.75)]);
    let gap_share_within = [7.0, 30.0, 365.0]
        .iter()
        .map(|&d| {
            let k = gaps.partition_point(|&g| g <= d);
            (
                d,
                if gaps.is_empty() {
                    f64::NAN
                } else {
                    k as f64 / gaps.len() as f64
                },
            )
        })
        .collect();
    let repeat_locations = locations.len();
    let incidents_at: usize = locations.iter().map(|l| l.count).sum();
    let repeats = incidents_at - repeat_locations;
    let grid = inc.bbox().and_then(|b| Grid::covering(b, p.cell).ok());
    Ok(ExactRepeats {
        n_incidents: n,
        n_places,
        repeat_locations,
        incidents_at_repeat_locations: incidents_at,
        repeats,
        share_repeats: repeats as f64 / n as f64,
        share_at_repeat_locations: incidents_at as f64 / n as f64,
        count_distribution,
        gaps_days: gaps,
        gap_quartiles,
        gap_share_within,
        locations,
        grid,
        time_unit: pt.map(|p| p.unit),
        grouping,
    })
}

impl ExactRepeats {
    /// Repeat locations aggregated to grid cells; cells with fewer than `min_count`
    /// repeat locations are left out. Returns the kept cells (by cell id) and the
    /// number of suppressed cells.
    pub fn cells(&self, min_count: usize) -> (Vec<RepeatCell>, usize) {
        let Some(g) = &self.grid else {
            return (Vec::new(), 0);
        };
        let mut m: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
        for l in &self.locations {
            if let Some(c) = g.cell_of(l.xy[0], l.xy[1]) {
                let e = m.entry(c).or_insert((0, 0));
                e.0 += 1;
                e.1 += l.count;
            }
        }
        let total = m.len();
        let kept: Vec<RepeatCell> = m
            .into_iter()
            .filter(|(_, v)| v.0 >= min_count.max(1))
            .map(|(cell, v)| RepeatCell {
                cell,
                repeat_locations: v.0,
                incidents: v.1,
            })
            .collect();
        let suppressed = total - kept.len();
        (kept, suppressed)
    }

    /// Histogram of gaps: weekly bins `[0,7), [7,14), …` up to `max_days`, then one
    /// bin `≥ max_days`. Returns (label, count).
    pub fn gap_histogram(&self, bin_days: f64, max_days: f64) -> Vec<(String, f64)> {
        let nb = (max_days / bin_days).ceil().max(1.0) as usize;
        let mut h = vec![0.0; nb + 1];
        for &g in &self.gaps_days {
            let b = ((g / bin_days).floor() as usize).min(nb);
            h[b] += 1.0;
        }
        h.into_iter()
            .enumerate()
            .map(|(k, c)| {
                let label = if k == nb {
                    format!(">={}", max_days)
                } else {
                    format!("{}", k as f64 * bin_days)
                };
                (label, c)
            })
            .collect()
    }

    /// A readable summary.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "exact repeats ({}): {} incidents at {} places; {} repeat locations hold {} incidents \
             ({:.1}%); {} incidents ({:.1}%) are repeats of an earlier incident at the same place\n",
            self.grouping,
            self.n_incidents,
            self.n_places,
            self.repeat_locations,
            self.incidents_at_repeat_locations,
            100.0 * self.share_at_repeat_locations,
            self.repeats,
            100.0 * self.share_repeats
        );
        s.push_str("  incidents per place: ");
        let parts: Vec<String> = self
            .count_distribution
            .iter()
            .map(|(k, c)| format!("{k}: {c}"))
            .collect();
        s.push_str(&parts.join(", "));
        s.push('\n');
        if let Some(q) = self.gap_quartiles {
            s.push_str(&format!(
                "  time between repeats (days): quartiles {:.0} / {:.0} / {:.0}; within 7 days {:.0}%, 30 days {:.0}%, 365 days {:.0}%\n",
                q[0],
                q[1],
                q[2],
                100.0 * self.gap_share_within[0].1,
                100.0 * self.gap_share_within[1].1,
                100.0 * self.gap_share_within[2].1
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repeat::tests::incidents;
    use crate::time::{TimePrecision, DAY};

    #[test]
    fn exact_repeats_identical_coordinates() {
        let inc = incidents(
            &[
                [0.0, 0.0],
                [5.0, 0.0],
                [0.0, 0.0],
                [0.0, 0.0],
                [5.0, 0.0],
                [9.0, 9.0],
            ],
            &[
                Some(0),
                Some(DAY),
                Some(10 * DAY),
                Some(2 * DAY),
                None,
                Some(0),
            ],
            TimePrecision::Day,
        );
        let r = exact_repeats(&inc, &ExactRepeatParams::default()).unwrap();
        assert_eq!(r.n_places, 3);
        assert_eq!(r.repeat_locations, 2);
        assert_eq!(r.incidents_at_repeat_locations, 5);
        assert_eq!(r.repeats, 3);
        assert_eq!(r.count_distribution, vec![(1, 1), (2, 1), (3, 1)]);
        // place (0,0): times 0, 2, 10 -> gaps 2, 8; place (5,0) has one timed incident
        assert_eq!(r.gaps_days, vec![2.0, 8.0]);
        assert_eq!(r.locations[0].members, vec![0, 2, 3]);
        // same answer in any input order
        let order = [5, 4, 3, 2, 1, 0];
        let r2 = exact_repeats(&inc.select(&order), &ExactRepeatParams::default()).unwrap();
        assert_eq!(r2.count_distribution, r.count_distribution);
        assert_eq!(r2.gaps_days, r.gaps_days);
    }

    #[test]
    fn exact_repeats_tolerance_and_address() {
        let mut inc = incidents(
            &[[0.0, 0.0], [0.5, 0.0], [1.0, 0.0], [100.0, 0.0]],
            &[Some(0), Some(DAY), Some(2 * DAY), Some(0)],
            TimePrecision::Day,
        );
        let r = exact_repeats(&inc, &ExactRepeatParams::default().tolerance(0.5)).unwrap();
        assert_eq!(r.repeat_locations, 1);
        assert_eq!(r.locations[0].count, 3);
        let mut col = crate::layer::StringColumn::new();
        for a in ["1 Main St", "", "1 main st ", ""] {
            col.push(a);
        }
        inc.attrs = vec![col];
        inc.attr_names = vec!["address".into()];
        let r = exact_repeats(
            &inc,
            &ExactRepeatParams::default().address_column("address"),
        )
        .unwrap();
        assert_eq!(r.repeat_locations, 1);
        assert_eq!(r.locations[0].members, vec![0, 2]);
        assert!(exact_repeats(&inc, &ExactRepeatParams::default().address_column("nope")).is_err());
        assert!(exact_repeats(&inc, &ExactRepeatParams::default().tolerance(-1.0)).is_err());
    }

    #[test]
    fn exact_repeats_cells_suppress_small_counts() {
        let xy: Vec<[f64; 2]> = (0..8)
            .map(|i| {
                if i < 6 {
                    [(i / 2) as f64 * 10.0, 0.0]
                } else {
                    [900.0, 900.0]
                }
            })
            .collect();
        let inc = incidents(&xy, &[Some(0); 8], TimePrecision::Day);
        let r = exact_repeats(&inc, &ExactRepeatParams::default()).unwrap();
        assert_eq!(r.repeat_locations, 4);
        let (cells, suppressed) = r.cells(3);
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].repeat_locations, 3);
        assert_eq!(suppressed, 1);
        let h = r.gap_histogram(7.0, 28.0);
        assert_eq!(h.len(), 5);
        assert_eq!(h[0].1, 4.0);
    }

    #[test]
    fn exact_repeats_finds_demo_city_repeats() {
        let city =
            crate::demo::generate(&crate::demo::DemoParams::new(3).incidents(3000).size(2000.0))
                .unwrap();
        let r = exact_repeats(
            &city.incidents,
            &ExactRepeatParams::default().address_column("address"),
        )
        .unwrap();
        assert_eq!(r.repeat_locations, city.truth.repeat_locations);
        let r2 = exact_repeats(&city.incidents, &ExactRepeatParams::default()).unwrap();
        assert!(r2.repeat_locations >= city.truth.repeat_locations);
    }
}
