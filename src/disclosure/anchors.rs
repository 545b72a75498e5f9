//! Anonymous map points (data.police.uk's approach) and plain snapping.
//!
//! # Algorithm
//! 1. Each address is assigned to its nearest candidate anchor (street-segment
//!    midpoints, public places; Euclidean distance in the working CRS, lowest index on
//!    ties). Anchors with no address are dropped.
//! 2. While some anchor covers fewer than `k` addresses, the anchor with the fewest
//!    (lowest index on ties) is merged into its nearest remaining anchor (by anchor
//!    location), which keeps its own location and takes over the addresses.
//! 3. An incident is published at the anchor of its nearest address
//!    ([`AnonymousMap::snap`]) — so an incident is shown at a point that at least `k`
//!    addresses share, which is the k-anonymity the police.uk scheme gives (a point
//!    covers at least eight postal addresses there).
//!
//! Without an address layer there is no count of households to protect: incidents are
//! moved to the nearest of a set of points (segment midpoints, [`snap_to_points`]) or
//! to the centre of their grid cell ([`snap_to_cell_centres`]), and the report states
//! that rule. Every snap reports the mean and maximum displacement (metres).

use crate::error::{Error, Result};
use crate::index::PointIndex;
use rstar::primitives::GeomWithData;
use rstar::RTree;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Parameters of [`anonymous_map_points`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnonymousMapParams {
    k: usize,
}

impl AnonymousMapParams {
    /// Each published point covers at least `k` addresses (police.uk uses 8).
    pub fn new(k: usize) -> Self {
        AnonymousMapParams { k }
    }

    /// The parameters that go with a policy (`None` for the internal audience).
    pub fn for_policy(policy: &super::Disclosure) -> Option<Self> {
        policy.k().map(|k| Self::new(k as usize))
    }
}

/// The published anonymous map points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnonymousMap {
    /// The minimum number of addresses per point.
    pub k: usize,
    /// Published points (a subset of the candidate anchors), in candidate order.
    pub points: Vec<[f64; 2]>,
    /// For each published point, its index among the candidate anchors.
    pub source: Vec<usize>,
    /// For each published point, the number of addresses it covers (≥ k).
    pub addresses: Vec<usize>,
    /// For each address (input order), the published point it belongs to.
    pub address_point: Vec<usize>,
    /// Candidate anchors merged into a neighbour (they covered fewer than k addresses).
    pub merged: usize,
    /// Candidate anchors dropped because no address was nearest to them.
    pub empty: usize,
    #[serde(skip)]
    address_coords: Vec<[f64; 2]>,
}

/// Points as published, with their displacement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapped {
    /// The published location of each incident (input order).
    pub points: Vec<[f64; 2]>,
    /// For each incident, the index of its published point (anchor, midpoint or cell).
    pub target: Vec<usize>,
    /// Incidents whose published location differs from the true one.
    pub moved: usize,
    /// Mean displacement (m); `None` without incidents.
    pub mean_displacement_m: Option<f64>,
    /// Maximum displacement (m); `None` without incidents.
    pub max_displacement_m: Option<f64>,
    /// The rule applied, in plain words, for the disclosure report.
    pub rule: String,
}

fn check_points(what: &str, pts: &[[f64; 2]]) -> Result<()> {
    if let Some((i, p)) = pts
        .iter()
        .enumerate()
        .find(|(_, p)| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Err(Error::invalid(
            what,
            format!("point {i}"),
            format!("({}, {})", p[0], p[1]),
            "coordinates must be finite",
        ));
    }
    Ok(())
}

/// Chooses anonymous map points among `anchors` so that each covers at least `k`
/// of the `addresses` (see the module docs). Deterministic: ties are broken by index.
///
/// Errors when `k` is 0, a coordinate is not finite, there is no anchor, or there are
/// fewer than `k` addresses in all (no point could be published).
///
/// ```
/// use crimescape::{anonymous_map_points, AnonymousMapParams};
/// let addresses = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [50.0, 0.0], [100.0, 0.0], [101.0, 0.0]];
/// let anchors = [[1.0, 1.0], [50.0, 1.0], [100.0, 1.0]];
/// let m = anonymous_map_points(&addresses, &anchors, &AnonymousMapParams::new(3))?;
/// assert!(m.addresses.iter().all(|&n| n >= 3));
/// let s = m.snap(&[[0.5, 0.0], [99.0, 0.0]])?;
/// assert!(s.points.iter().all(|p| m.points.contains(p)));
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn anonymous_map_points(
    addresses: &[[f64; 2]],
    anchors: &[[f64; 2]],
    params: &AnonymousMapParams,
) -> Result<AnonymousMap> {
    let k = params.k;
    if k == 0 {
        return Err(Error::invalid(
            "anonymous map points",
            "k",
            k,
            "must be at least 1",
        ));
    }
    check_points("address layer", addresses)?;
    check_points("anchor points", anchors)?;
    if anchors.is_empty() {
        return Err(Error::empty(
            "anonymous map points",
            "candidate anchor point",
            "street segments or public places",
        ));
    }
    if addresses.len() < k {
        return Err(Error::too_few(
            "anonymous map points (each point covers k addresses)",
            "addresses",
            k,
            addresses.len(),
        ));
    }
    let anchor_index = PointIndex::new(anchors);
    let mut first: Vec<usize> = Vec::with_capacity(addresses.len());
    let mut count = vec![0usize; anchors.len()];
    for a in addresses {
        let (j, _) = anchor_index
            .nearest(*a)
            .ok_or_else(|| Error::empty("anonymous map points", "anchor point", ""))?;
        first.push(j);
        count[j] += 1;
    }
    let empty = count.iter().filter(|&&c| c == 0).count();
    let mut parent: Vec<usize> = (0..anchors.len()).collect();
    let mut tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
        (0..anchors.len())
            .filter(|&j| count[j] > 0)
            .map(|j| GeomWithData::new(anchors[j], j))
            .collect(),
    );
    let mut heap: BinaryHeap<Reverse<(usize, usize)>> = (0..anchors.len())
        .filter(|&j| count[j] > 0)
        .map(|j| Reverse((count[j], j)))
        .collect();
    let mut merged = 0;
    while let Some(Reverse((c, a))) = heap.pop() {
        if parent[a] != a || c != count[a] {
            continue; // stale entry
        }
        if c >= k {
            break;
        }
        tree.remove(&GeomWithData::new(anchors[a], a));
        let mut best: Option<(usize, f64)> = None;
        for (item, d2) in tree.nearest_neighbor_iter_with_distance_2(&anchors[a]) {
            match best {
                Some((_, bd)) if d2 > bd => break,
                Some((bi, _)) if item.data >= bi => {}
                _ => best = Some((item.data, d2)),
            }
        }
        let Some((b, _)) = best else {
            // Cannot happen: the addresses total at least k.
            return Err(Error::too_few(
                "anonymous map points (each point covers k addresses)",
                "addresses",
                k,
                addresses.len(),
            ));
        };
        parent[a] = b;
        count[b] += c;
        count[a] = 0;
        merged += 1;
        heap.push(Reverse((count[b], b)));
    }
    let root = |mut j: usize| {
        while parent[j] != j {
            j = parent[j];
        }
        j
    };
    let mut published = vec![usize::MAX; anchors.len()];
    let (mut points, mut source, mut covered) = (Vec::new(), Vec::new(), Vec::new());
    for j in 0..anchors.len() {
        if parent[j] == j && count[j] > 0 {
            published[j] = points.len();
            points.push(anchors[j]);
            source.push(j);
            covered.push(count[j]);
        }
    }
    let address_point = first.iter().map(|&j| published[root(j)]).collect();
    Ok(AnonymousMap {
        k,
        points,
        source,
        addresses: covered,
        address_point,
        merged,
        empty,
        address_coords: addresses.to_vec(),
    })
}

impl AnonymousMap {
    /// Publishes each incident at the anchor of its nearest address.
    pub fn snap(&self, incidents: &[[f64; 2]]) -> Result<Snapped> {
        check_points("incidents", incidents)?;
        if self.address_coords.len() != self.address_point.len() {
            return Err(Error::degenerate(
                "anonymous map points",
                "the address layer was not kept (deserialised map): build the map again",
            ));
        }
        let index = PointIndex::new(&self.address_coords);
        let mut target = Vec::with_capacity(incidents.len());
        for p in incidents {
            let (a, _) = index
                .nearest(*p)
                .ok_or_else(|| Error::empty("anonymous map points", "address", ""))?;
            target.push(self.address_point[a]);
        }
        Ok(finish(
            incidents,
            &self.points,
            target,
            format!(
                "incidents shown at anonymous map points: each point (a street-segment midpoint or public place) covers at least {} addresses; an incident is shown at the point of its nearest address (data.police.uk's method)",
                self.k
            ),
        ))
    }
}

fn finish(
    incidents: &[[f64; 2]],
    points: &[[f64; 2]],
    target: Vec<usize>,
    rule: String,
) -> Snapped {
    let mut out = Vec::with_capacity(incidents.len());
    let (mut sum, mut max, mut moved) = (0.0f64, 0.0f64, 0usize);
    for (p, &t) in incidents.iter().zip(&target) {
        let q = points[t];
        let d = (p[0] - q[0]).hypot(p[1] - q[1]);
        if d > 0.0 {
            moved += 1;
        }
        sum += d;
        max = max.max(d);
        out.push(q);
    }
    let n = incidents.len();
    Snapped {
        points: out,
        target,
        moved,
        mean_displacement_m: (n > 0).then(|| sum / n as f64),
        max_displacement_m: (n > 0).then_some(max),
        rule,
    }
}

/// Moves each incident to the nearest of `points` (e.g. street-segment midpoints;
/// lowest index on ties). `what` names the points in the rule ("street-segment
/// midpoints"). Without an address layer no count of households is guaranteed: the
/// rule says so.
pub fn snap_to_points(incidents: &[[f64; 2]], points: &[[f64; 2]], what: &str) -> Result<Snapped> {
    check_points("incidents", incidents)?;
    check_points(what, points)?;
    if points.is_empty() && !incidents.is_empty() {
        return Err(Error::degenerate(
            "snapping",
            format!("no {what} to snap to"),
        ));
    }
    let index = PointIndex::new(points);
    let target: Vec<usize> = incidents
        .iter()
        .map(|p| index.nearest(*p).map_or(0, |(j, _)| j))
        .collect();
    Ok(finish(
        incidents,
        points,
        target,
        format!(
            "incidents shown at the nearest of {} {what} (no address layer: the number of households per point is not guaranteed)",
            points.len()
        ),
    ))
}

/// Moves each incident to the centre of its square cell of side `cell` (m) on a grid
/// anchored at `origin`; cells are `[x0 + i·cell, x0 + (i+1)·cell)` (half-open). The
/// target index is the position of the cell among the distinct cells, in order of
/// first appearance.
///
/// ```
/// use crimescape::snap_to_cell_centres;
/// let s = snap_to_cell_centres(&[[10.0, 10.0], [99.0, 0.0], [100.0, 0.0]], [0.0, 0.0], 100.0)?;
/// assert_eq!(s.points, vec![[50.0, 50.0], [50.0, 50.0], [150.0, 50.0]]);
/// assert_eq!(s.target, vec![0, 0, 1]);
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn snap_to_cell_centres(
    incidents: &[[f64; 2]],
    origin: [f64; 2],
    cell: f64,
) -> Result<Snapped> {
    check_points("incidents", incidents)?;
    if !(cell.is_finite() && cell > 0.0) {
        return Err(Error::invalid(
            "cell snapping",
            "cell",
            cell,
            "must be a positive number of metres",
        ));
    }
    let mut ids: std::collections::HashMap<(i64, i64), usize> = Default::default();
    let mut centres = Vec::new();
    let mut target = Vec::with_capacity(incidents.len());
    for p in incidents {
        let i = ((p[0] - origin[0]) / cell).floor() as i64;
        let j = ((p[1] - origin[1]) / cell).floor() as i64;
        let id = *ids.entry((i, j)).or_insert_with(|| {
            centres.push([
                origin[0] + (i as f64 + 0.5) * cell,
                origin[1] + (j as f64 + 0.5) * cell,
            ]);
            centres.len() - 1
        });
        target.push(id);
    }
    Ok(finish(
        incidents,
        &centres,
        target,
        format!("incidents shown at the centre of their {cell} m grid cell (no address layer)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn synthetic(seed: u64, n_addr: usize, n_anchor: usize) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Clustered addresses (houses along a few streets) and anchors on a grid.
        let addr = (0..n_addr)
            .map(|i| {
                let street = (i % 7) as f64 * 140.0;
                [
                    rng.random_range(0.0..1000.0),
                    street + rng.random_range(-8.0..8.0),
                ]
            })
            .collect();
        let anchors = (0..n_anchor)
            .map(|_| [rng.random_range(0.0..1000.0), rng.random_range(0.0..1000.0)])
            .collect();
        (addr, anchors)
    }

    #[test]
    fn anonymous_map_points_k_anonymous() {
        for k in [3usize, 8] {
            let (addr, anchors) = synthetic(7, 2_000, 600);
            let m = anonymous_map_points(&addr, &anchors, &AnonymousMapParams::new(k)).unwrap();
            assert!(m.merged > 0, "the test should exercise merging");
            assert!(m.addresses.iter().all(|&n| n >= k));
            assert_eq!(m.addresses.iter().sum::<usize>(), addr.len());
            // Recount from the per-address assignment.
            let mut recount = vec![0usize; m.points.len()];
            for &p in &m.address_point {
                recount[p] += 1;
            }
            assert_eq!(recount, m.addresses);
            // Every snapped incident lands on a published point covering ≥ k addresses.
            let (inc, _) = synthetic(8, 500, 0);
            let s = m.snap(&inc).unwrap();
            for (p, &t) in s.points.iter().zip(&s.target) {
                assert_eq!(*p, m.points[t]);
                assert!(m.addresses[t] >= k);
            }
            assert_eq!(m.points.len() + m.merged + m.empty, anchors.len());
        }
    }

    #[test]
    fn anonymous_map_points_deterministic() {
        let (addr, anchors) = synthetic(3, 800, 300);
        let p = AnonymousMapParams::new(5);
        let a = anonymous_map_points(&addr, &anchors, &p).unwrap();
        let b = anonymous_map_points(&addr, &anchors, &p).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.snap(&addr).unwrap(), b.snap(&addr).unwrap());
    }

    #[test]
    fn anonymous_map_points_hand_case_displacement() {
        // Addresses: three at x = 0..2 (anchor A at (1, 0)), one at x = 10 (anchor B at
        // (10, 0), merged into A since it covers 1 < 3).
        let addr = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [10.0, 0.0]];
        let anchors = [[1.0, 0.0], [10.0, 0.0]];
        let m = anonymous_map_points(&addr, &anchors, &AnonymousMapParams::new(3)).unwrap();
        assert_eq!(m.points, vec![[1.0, 0.0]]);
        assert_eq!(m.addresses, vec![4]);
        assert_eq!(m.merged, 1);
        // Incidents at (1, 4) (displacement 4) and (10, 3) (nearest address (10, 0),
        // published at (1, 0): displacement hypot(9, 3)).
        let s = m.snap(&[[1.0, 4.0], [10.0, 3.0]]).unwrap();
        let d2 = 9.0f64.hypot(3.0);
        approx::assert_relative_eq!(s.max_displacement_m.unwrap(), d2);
        approx::assert_relative_eq!(s.mean_displacement_m.unwrap(), (4.0 + d2) / 2.0);
        assert_eq!(s.moved, 2);
    }

    #[test]
    fn anonymous_map_points_too_few_addresses() {
        let e = anonymous_map_points(
            &[[0.0, 0.0], [1.0, 1.0]],
            &[[0.0, 0.0]],
            &AnonymousMapParams::new(3),
        );
        assert!(matches!(
            e.unwrap_err(),
            Error::TooFew {
                what: "addresses",
                need: 3,
                got: 2,
                ..
            }
        ));
        let e = anonymous_map_points(&[[0.0, 0.0]], &[], &AnonymousMapParams::new(1));
        assert!(matches!(
            e.unwrap_err(),
            Error::Empty {
                what: "candidate anchor point",
                ..
            }
        ));
        assert!(anonymous_map_points(
            &[[f64::NAN, 0.0]; 3],
            &[[0.0, 0.0]],
            &AnonymousMapParams::new(1)
        )
        .is_err());
        assert!(anonymous_map_points(&[[0.0, 0.0]; 3], &[], &AnonymousMapParams::new(1)).is_err());
    }

    #[test]
    fn snap_to_points_nearest_midpoint() {
        let s = snap_to_points(
            &[[0.0, 3.0], [9.0, 0.0]],
            &[[0.0, 0.0], [10.0, 0.0]],
            "street-segment midpoints",
        )
        .unwrap();
        assert_eq!(s.target, vec![0, 1]);
        approx::assert_relative_eq!(s.mean_displacement_m.unwrap(), 2.0);
        approx::assert_relative_eq!(s.max_displacement_m.unwrap(), 3.0);
        assert!(s.rule.contains("not guaranteed"));
        assert!(snap_to_points(&[[0.0, 0.0]], &[], "midpoints").is_err());
    }

    #[test]
    fn snap_to_cell_centres_bad_cell() {
        assert!(snap_to_cell_centres(&[[0.0, 0.0]], [0.0, 0.0], 0.0).is_err());
        let s = snap_to_cell_centres(&[], [0.0, 0.0], 10.0).unwrap();
        assert_eq!(s.mean_displacement_m, None);
    }
}
