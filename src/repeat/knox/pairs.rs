//! Close-pair enumeration: events in canonical order on a grid (or a street network),
//! only the pairs within the largest finite spatial band.

use super::*;
use crate::repeat::OnNetwork;

/// Events in canonical order with a cell index for close-pair search.
pub(super) struct Prepared {
    pub(super) xy: Vec<[f64; 2]>,
    pub(super) t: Vec<i64>,
    /// Cell key (row, col) per event (sorted).
    pub(super) keys: Vec<(i64, i64)>,
}

pub(super) fn canonical(xy: &[[f64; 2]], t: &[i64], cell: f64) -> Prepared {
    let (minx, miny) = xy.iter().fold((f64::INFINITY, f64::INFINITY), |a, p| {
        (a.0.min(p[0]), a.1.min(p[1]))
    });
    let key = |p: [f64; 2]| -> (i64, i64) {
        if cell.is_finite() && cell > 0.0 {
            (
                ((p[1] - miny) / cell).floor() as i64,
                ((p[0] - minx) / cell).floor() as i64,
            )
        } else {
            (0, 0)
        }
    };
    let mut idx: Vec<usize> = (0..xy.len()).collect();
    let keys0: Vec<(i64, i64)> = xy.iter().map(|p| key(*p)).collect();
    idx.par_sort_unstable_by(|&a, &b| {
        keys0[a]
            .cmp(&keys0[b])
            .then(xy[a][0].total_cmp(&xy[b][0]))
            .then(xy[a][1].total_cmp(&xy[b][1]))
            .then(t[a].cmp(&t[b]))
    });
    Prepared {
        xy: idx.iter().map(|&i| xy[i]).collect(),
        t: idx.iter().map(|&i| t[i]).collect(),
        keys: idx.iter().map(|&i| keys0[i]).collect(),
    }
}

impl Prepared {
    /// Calls `f(j, d)` for every `j > i` in the same or the next cell row that is a
    /// neighbour of `i`'s cell.
    #[inline]
    pub(super) fn for_each_candidate(
        &self,
        i: usize,
        metric: Metric,
        mut f: impl FnMut(usize, f64),
    ) {
        let (r, c) = self.keys[i];
        let p = self.xy[i];
        // same row: cells c..=c+1 after i (c-1 precedes i in the order)
        let end_same = self.keys.partition_point(|&k| k <= (r, c + 1));
        for j in i + 1..end_same {
            f(j, metric.distance(p, self.xy[j]));
        }
        let a = self.keys.partition_point(|&k| k < (r + 1, c - 1));
        let b = self.keys.partition_point(|&k| k <= (r + 1, c + 1));
        for j in a..b {
            f(j, metric.distance(p, self.xy[j]));
        }
    }
}

/// For [`Metric::Network`]: the events snapped to the network and their times.
pub(super) fn network_events(
    xy: &[[f64; 2]],
    t: &[i64],
    params: &KnoxParams,
) -> Result<Option<(OnNetwork, Vec<i64>)>> {
    if params.metric != Metric::Network {
        return Ok(None);
    }
    let space = params
        .network
        .as_ref()
        .ok_or_else(|| Error::missing_param("network", "metric", "network"))?;
    let on = OnNetwork::snap(space, xy);
    let t = on.keep.iter().map(|&i| t[i]).collect();
    Ok(Some((on, t)))
}

/// Where candidate pairs come from: the planar cell search, refined to network
/// distances for [`Metric::Network`].
pub(super) struct PairSource<'a> {
    pub(super) ev: &'a Prepared,
    pub(super) metric: Metric,
    pub(super) net: Option<(&'a NetworkSpace, Vec<NetPos>, f64)>,
}

impl<'a> PairSource<'a> {
    pub(super) fn new(ev: &'a Prepared, params: &'a KnoxParams, r: f64) -> Result<Self> {
        let net = match (params.metric, params.network.as_deref()) {
            (Metric::Network, Some(space)) => {
                let pos = ev
                    .xy
                    .par_iter()
                    .map(|p| space.snap(*p).map(|x| x.0))
                    .collect::<Option<Vec<NetPos>>>()
                    .ok_or_else(|| {
                        Error::degenerate("the Knox test", "an event left the network")
                    })?;
                Some((space, pos, r))
            }
            _ => None,
        };
        Ok(PairSource {
            ev,
            metric: params.metric,
            net,
        })
    }

    /// Calls `f(j, d)` for the candidate partners `j > i` of event `i`.
    #[inline]
    pub(super) fn for_each(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        match &self.net {
            None => self.ev.for_each_candidate(i, self.metric, f),
            Some((space, pos, r)) => {
                let mut cand: Vec<usize> = Vec::new();
                self.ev.for_each_candidate(i, Metric::Euclidean, |j, d| {
                    if d < *r {
                        cand.push(j)
                    }
                });
                if cand.is_empty() {
                    return;
                }
                space.with_dijkstra(pos[i], *r, |ws| {
                    for j in cand {
                        f(j, space.net.distance_in(ws, pos[i], pos[j]));
                    }
                });
            }
        }
    }
}
