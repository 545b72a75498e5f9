//! Events on a street network ([`Metric::Network`](crate::repeat::knox::Metric::Network)),
//! shared by the Knox test and near-repeat chains: each event snapped to its nearest
//! network position within the network's tolerance, the others excluded with a count.

use crate::network::{NetPos, NetworkSpace};

/// The events within the network's tolerance, snapped ([`NetworkSpace::snap_all`]).
pub(crate) struct OnNetwork {
    /// Indices (into the points given) of the events kept, in input order.
    pub(crate) keep: Vec<usize>,
    /// Network position of each kept event.
    pub(crate) pos: Vec<NetPos>,
    /// Coordinates of each kept event's position.
    pub(crate) xy: Vec<[f64; 2]>,
    /// Events farther than the tolerance from the network.
    pub(crate) excluded: usize,
    /// The network's snapping tolerance (m).
    tolerance: f64,
}

impl OnNetwork {
    /// Snaps the events at `xy` to `space`.
    pub(crate) fn snap(space: &NetworkSpace, xy: &[[f64; 2]]) -> Self {
        let snapped = space.snap_all(xy);
        let (keep, pos) = snapped.positions();
        OnNetwork {
            xy: pos.iter().map(|&q| space.xy(q)).collect(),
            keep,
            pos,
            excluded: snapped.unsnapped,
            tolerance: snapped.tolerance,
        }
    }

    /// The warning about the events excluded, if any.
    pub(crate) fn warning(&self) -> Option<String> {
        (self.excluded > 0).then(|| {
            format!(
                "{} event(s) farther than {} m from the network excluded",
                self.excluded, self.tolerance
            )
        })
    }
}
