//! Hot spots on street segments: Getis–Ord Gi* and Local Moran's I with
//! neighbours defined on the network, joined with the law of crime concentration.
//!
//! # Units and values
//! The units are the network's edges — street segments between junctions (see
//! [`super::graph`]). Incidents are snapped to their nearest segment within the
//! tolerance ([`super::snap`]); the value of a segment is its incident count or
//! its rate per 100 m (`count / length × 100`; 0 for a zero-length segment).
//!
//! # Neighbours ([`SegmentWeights`], binary, self excluded)
//! * **contiguity**: segments sharing a junction (an end node) — the network
//!   analogue of queen contiguity;
//! * **band**: segments whose midpoints are within network distance `r` of each
//!   other (inclusive), by one bounded Dijkstra per midpoint.
//!
//! Gi* adds the self weight (`w_ii = 1`); Local Moran row-standardises — the
//! conventions of [`crate::hotspot::gistar`] and [`crate::hotspot::moran`], whose
//! functions compute the statistics.
//!
//! # Concentration
//! Segments ranked by count (descending; ties: higher rate, then lower index, as
//! [`crate::street::top_segments`]); each row carries its rank, the cumulative
//! share of incidents up to it and whether it is among the fewest segments holding
//! 25 % / 50 % of the incidents ([`crate::concentration`], Weisburd 2015).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::graph::Network;
use super::paths::{PointsByEdge, ReachBuffers};
use super::snap::{NetPos, NetworkSpace, Snapped};
use crate::concentration::{concentration, Concentration};
use crate::error::{Error, Result};
use crate::hotspot::gistar::{gi_star, GiStarParams, GiStarResult};
use crate::hotspot::moran::{local_moran, LocalMoranParams, LocalMoranResult};
use crate::hotspot::weights::Weights;

/// Neighbours between segments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SegmentWeights {
    /// Segments sharing a junction.
    Contiguity,
    /// Segments whose midpoints are within this network distance (m, inclusive).
    Band {
        /// Radius (m).
        radius: f64,
    },
}

impl SegmentWeights {
    /// A readable description.
    pub fn describe(&self) -> String {
        match self {
            SegmentWeights::Contiguity => "segments sharing a junction (binary)".into(),
            SegmentWeights::Band { radius } => {
                format!("segment midpoints within {radius} m along the network (binary)")
            }
        }
    }
}

/// Binary weights between the edges of `net` (edge order).
///
/// # Errors
/// [`Error::InvalidParam`] for a band radius that is not > 0.
pub fn segment_weights(net: &Network, spec: SegmentWeights) -> Result<Weights> {
    let m = net.edges.len();
    let lists: Vec<Vec<(usize, f64)>> = match spec {
        SegmentWeights::Contiguity => (0..m)
            .into_par_iter()
            .map(|e| {
                let ed = &net.edges[e];
                let mut v: Vec<usize> = net
                    .neighbours(ed.a)
                    .iter()
                    .chain(net.neighbours(ed.b))
                    .map(|&(_, f)| f as usize)
                    .filter(|&f| f != e)
                    .collect();
                v.sort_unstable();
                v.dedup();
                v.into_iter().map(|f| (f, 1.0)).collect()
            })
            .collect(),
        SegmentWeights::Band { radius } => {
            if !(radius.is_finite() && radius > 0.0) {
                return Err(Error::invalid_param(
                    "radius",
                    radius,
                    "a segment neighbour radius must be > 0 m",
                ));
            }
            let mid: Vec<NetPos> = net
                .edges
                .iter()
                .enumerate()
                .map(|(e, ed)| NetPos::new(e as u32, ed.length / 2.0))
                .collect();
            let by = PointsByEdge::new(&mid, m);
            (0..m)
                .into_par_iter()
                .map_init(
                    || ReachBuffers::new(net),
                    |buf, e| {
                        let mut v: Vec<usize> = Vec::new();
                        net.for_each_within(mid[e], radius, &mid, &by, buf, |j, _| {
                            if j != e {
                                v.push(j);
                            }
                        });
                        v.sort_unstable();
                        v.into_iter().map(|f| (f, 1.0)).collect()
                    },
                )
                .collect()
        }
    };
    Weights::from_lists(lists, true)
}

/// What is tested per segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentValue {
    /// Incidents snapped to the segment.
    #[default]
    Count,
    /// Incidents per 100 m of segment.
    Rate,
}

/// Parameters of [`segment_hotspots`] (builder).
#[derive(Debug, Clone, Serialize)]
pub struct SegmentHotspotParams {
    /// Neighbours.
    pub weights: SegmentWeights,
    /// Value tested.
    pub value: SegmentValue,
    /// Gi* parameters (`None`: Gi* not computed).
    pub gistar: Option<GiStarParams>,
    /// Local Moran parameters (`None`: not computed).
    pub moran: Option<LocalMoranParams>,
}

impl SegmentHotspotParams {
    /// Gi* and Local Moran (their defaults) with contiguity neighbours on counts.
    pub fn new() -> Self {
        SegmentHotspotParams {
            weights: SegmentWeights::Contiguity,
            value: SegmentValue::Count,
            gistar: Some(GiStarParams::new()),
            moran: Some(LocalMoranParams::new()),
        }
    }
    /// Sets the neighbours.
    pub fn weights(mut self, w: SegmentWeights) -> Self {
        self.weights = w;
        self
    }
    /// Sets the value tested.
    pub fn value(mut self, v: SegmentValue) -> Self {
        self.value = v;
        self
    }
    /// Sets (or turns off) Gi*.
    pub fn gistar(mut self, g: Option<GiStarParams>) -> Self {
        self.gistar = g;
        self
    }
    /// Sets (or turns off) Local Moran.
    pub fn moran(mut self, m: Option<LocalMoranParams>) -> Self {
        self.moran = m;
        self
    }
}

impl Default for SegmentHotspotParams {
    fn default() -> Self {
        Self::new()
    }
}

/// One segment: counts and its place in the concentration of incidents.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentRow {
    /// Segment (edge) index.
    pub segment: usize,
    /// Length (m).
    pub length_m: f64,
    /// Incidents snapped to it.
    pub count: usize,
    /// Incidents per 100 m (`None` for a zero-length segment).
    pub rate_per_100m: Option<f64>,
    /// Rank by count (1 = most incidents).
    pub rank: usize,
    /// Share of all snapped incidents on the segments ranked up to this one.
    pub cumulative_share: f64,
    /// Among the fewest segments holding 25 % of the incidents.
    pub top_25: bool,
    /// Among the fewest segments holding 50 % of the incidents.
    pub top_50: bool,
}

/// Segment hot spots joined with the concentration of incidents.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentHotspots {
    /// Parameters.
    pub params: SegmentHotspotParams,
    /// Snapping of the incidents.
    pub snapped: Snapped,
    /// One row per segment (edge order).
    pub rows: Vec<SegmentRow>,
    /// Concentration of the counts over segments (`None` without any snapped incident).
    pub concentration: Option<Concentration>,
    /// Neighbours: segments without any, and the largest number.
    pub isolates: usize,
    /// Largest number of neighbours of a segment.
    pub max_neighbours: usize,
    /// Gi* per segment.
    pub gistar: Option<GiStarResult>,
    /// Local Moran per segment.
    pub moran: Option<LocalMoranResult>,
}

/// Counts incidents per segment and runs Gi* / Local Moran with network neighbours.
///
/// # Errors
/// [`Error::Degenerate`] when no incident lies on the network or the values do not vary
/// (the statistics are undefined); as [`segment_weights`], [`gi_star`],
/// [`local_moran`].
pub fn segment_hotspots(
    space: &NetworkSpace,
    xy: &[[f64; 2]],
    p: &SegmentHotspotParams,
) -> Result<SegmentHotspots> {
    let net = &space.net;
    let snapped = space.snap_all(xy);
    let mut count = vec![0usize; net.edges.len()];
    for q in snapped.pos.iter().flatten() {
        count[q.edge as usize] += 1;
    }
    let total: usize = count.iter().sum();
    if total == 0 {
        return Err(Error::degenerate(
            "street segments",
            format!(
                "none of the {} incidents lies within {} m of a street segment",
                xy.len(),
                space.tolerance
            ),
        ));
    }
    let rate: Vec<Option<f64>> = net
        .edges
        .iter()
        .zip(&count)
        .map(|(e, &c)| (e.length > 0.0).then(|| c as f64 / e.length * 100.0))
        .collect();
    let cf: Vec<f64> = count.iter().map(|&c| c as f64).collect();
    let conc = concentration(&cf, &[0.25, 0.5])?;
    let mut order: Vec<usize> = (0..count.len()).collect();
    order.sort_by(|&a, &b| {
        count[b]
            .cmp(&count[a])
            .then(rate[b].unwrap_or(0.0).total_cmp(&rate[a].unwrap_or(0.0)))
            .then(a.cmp(&b))
    });
    let mut rows: Vec<SegmentRow> = (0..count.len())
        .map(|e| SegmentRow {
            segment: e,
            length_m: net.edges[e].length,
            count: count[e],
            rate_per_100m: rate[e],
            rank: 0,
            cumulative_share: 0.0,
            top_25: false,
            top_50: false,
        })
        .collect();
    let mut cum = 0usize;
    for (r, &e) in order.iter().enumerate() {
        cum += count[e];
        let row = &mut rows[e];
        row.rank = r + 1;
        row.cumulative_share = cum as f64 / total as f64;
        row.top_25 = r < conc.shares[0].units;
        row.top_50 = r < conc.shares[1].units;
    }
    let w = segment_weights(net, p.weights)?;
    let values: Vec<f64> = match p.value {
        SegmentValue::Count => cf,
        SegmentValue::Rate => rate.iter().map(|r| r.unwrap_or(0.0)).collect(),
    };
    let gistar = p
        .gistar
        .as_ref()
        .map(|g| gi_star(&values, &w, g))
        .transpose()?;
    let moran = p
        .moran
        .as_ref()
        .map(|m| local_moran(&values, &w, m))
        .transpose()?;
    Ok(SegmentHotspots {
        params: p.clone(),
        snapped,
        rows,
        concentration: Some(conc),
        isolates: w.isolates(),
        max_neighbours: w.max_neighbours(),
        gistar,
        moran,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::NetworkParams;
    use geo::LineString;

    fn grid(k: usize, block: f64) -> Network {
        let mut lines = Vec::new();
        let end = (k - 1) as f64 * block;
        for i in 0..k {
            let c = i as f64 * block;
            lines.push(LineString::from(vec![(0.0, c), (end, c)]));
            lines.push(LineString::from(vec![(c, 0.0), (c, end)]));
        }
        Network::build(&lines, &NetworkParams::new()).unwrap()
    }

    #[test]
    fn segment_weights_contiguity_and_band() {
        // a T: three edges meeting at one node, plus a far edge joined to arm 2
        let net = Network::from_edges(
            vec![
                [0.0, 0.0],
                [-100.0, 0.0],
                [100.0, 0.0],
                [0.0, 100.0],
                [300.0, 0.0],
            ],
            &[(0, 1, 100.0), (0, 2, 100.0), (0, 3, 100.0), (2, 4, 200.0)],
        )
        .unwrap();
        let w = segment_weights(&net, SegmentWeights::Contiguity).unwrap();
        assert_eq!(w.neighbours(0), &[1, 2]);
        assert_eq!(w.neighbours(1), &[0, 2, 3]);
        assert_eq!(w.neighbours(3), &[1]);
        // midpoints: arms at 50 m from the junction (100 m apart); edge 3's midpoint is
        // 50 + 100 = 150 m from arm 1's and 250 m from arms 0 and 2
        let w = segment_weights(&net, SegmentWeights::Band { radius: 150.0 }).unwrap();
        assert_eq!(w.neighbours(0), &[1, 2]);
        assert_eq!(w.neighbours(1), &[0, 2, 3]);
        assert_eq!(w.neighbours(3), &[1]);
        let w = segment_weights(&net, SegmentWeights::Band { radius: 99.0 }).unwrap();
        assert_eq!(w.isolates(), 4);
        assert!(segment_weights(&net, SegmentWeights::Band { radius: 0.0 }).is_err());
    }

    #[test]
    fn segment_hotspots_finds_a_planted_street() {
        // 10 x 10 grid of 100 m blocks; incidents spread thinly everywhere and densely
        // along three consecutive segments of one street
        let net = grid(10, 100.0);
        let sp = NetworkSpace::new(net, 15.0).unwrap();
        let mut xy = Vec::new();
        for i in 0..9 {
            for j in 0..10 {
                xy.push([i as f64 * 100.0 + 50.0, j as f64 * 100.0 + 3.0]);
            }
        }
        for k in 0..60 {
            xy.push([305.0 + (k as f64 * 4.9) % 290.0, 502.0]);
        }
        xy.push([5000.0, 5000.0]); // off the network
        let p = SegmentHotspotParams::new()
            .gistar(Some(GiStarParams::new().permutations(99).seed(1)))
            .moran(Some(LocalMoranParams::new().permutations(99).seed(1)));
        let r = segment_hotspots(&sp, &xy, &p).unwrap();
        assert_eq!(r.snapped.unsnapped, 1);
        let planted: Vec<usize> = (0..3)
            .map(|k| sp.snap([350.0 + k as f64 * 100.0, 500.0]).unwrap().0.edge as usize)
            .collect();
        let g = r.gistar.as_ref().unwrap();
        let m = r.moran.as_ref().unwrap();
        for &e in &planted {
            assert_eq!(g.bin[e], 3, "segment {e}");
            assert!(r.rows[e].top_50);
            assert!(r.rows[e].rank <= 3);
        }
        // the middle planted segment is high among high neighbours
        assert_eq!(m.quadrant[planted[1]], crate::hotspot::moran::Quadrant::HH);
        assert!(m.significant[planted[1]]);
        // the parallel street one block away is not hot
        let parallel = sp.snap([450.0, 600.0]).unwrap().0.edge as usize;
        assert!(g.bin[parallel] <= 0);
        let c = r.concentration.as_ref().unwrap();
        assert_eq!(c.total, 150.0);
        let total: usize = r.rows.iter().map(|x| x.count).sum();
        assert_eq!(total, 150);
    }
}
