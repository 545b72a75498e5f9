//! Lixels: edges cut into short pieces, the sampling units of network KDE.
//!
//! # Convention
//! Edge `e` of length `L` is cut into `⌈L / max_length⌉` pieces of equal length
//! (at least one), so every lixel is at most `max_length` long and no edge ends
//! with a sliver (spNetwork's `lixelize_lines` cuts fixed lengths and merges a
//! short remainder; equal pieces avoid the remainder altogether). Lixels are
//! numbered edge by edge, from node `a` to node `b`; a lixel is sampled at its
//! centre (Xie & Yan 2008; spNetwork's `lines_center`).

use geo::LineString;
use serde::Serialize;

use super::graph::Network;
use crate::error::{Error, Result};

/// The lixels of a network.
#[derive(Debug, Clone, Serialize)]
pub struct Lixels {
    /// Longest lixel allowed (m).
    pub max_length: f64,
    /// Edge of each lixel.
    pub edge: Vec<u32>,
    /// Start offset of each lixel along its edge (m from node `a`).
    pub start: Vec<f64>,
    /// End offset.
    pub end: Vec<f64>,
    #[serde(skip)]
    first: Vec<u32>,
}

impl Lixels {
    /// Cuts every edge of `net` into pieces of at most `max_length` metres.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] (`lixel_length`) for a length that is not > 0, or
    /// more than 2³² − 1 lixels.
    pub fn new(net: &Network, max_length: f64) -> Result<Self> {
        if !(max_length.is_finite() && max_length > 0.0) {
            return Err(Error::invalid_param(
                "lixel_length",
                max_length,
                "a lixel length must be > 0 m",
            ));
        }
        let total: f64 = net
            .edges
            .iter()
            .map(|e| (e.length / max_length).ceil().max(1.0))
            .sum();
        if total >= u32::MAX as f64 {
            return Err(Error::invalid_param(
                "lixel_length",
                max_length,
                format!("{total} lixels: use longer lixels"),
            ));
        }
        let n = total as usize;
        let mut lx = Lixels {
            max_length,
            edge: Vec::with_capacity(n),
            start: Vec::with_capacity(n),
            end: Vec::with_capacity(n),
            first: Vec::with_capacity(net.edges.len() + 1),
        };
        for (k, e) in net.edges.iter().enumerate() {
            lx.first.push(lx.edge.len() as u32);
            let m = (e.length / max_length).ceil().max(1.0) as usize;
            let step = e.length / m as f64;
            for i in 0..m {
                lx.edge.push(k as u32);
                lx.start.push(i as f64 * step);
                lx.end.push(if i + 1 == m {
                    e.length
                } else {
                    (i + 1) as f64 * step
                });
            }
        }
        lx.first.push(lx.edge.len() as u32);
        Ok(lx)
    }

    /// Number of lixels.
    pub fn len(&self) -> usize {
        self.edge.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.edge.is_empty()
    }

    /// The lixels of edge `e` (a range of lixel indices, from node `a` to `b`).
    #[inline]
    pub fn of_edge(&self, e: u32) -> std::ops::Range<usize> {
        self.first[e as usize] as usize..self.first[e as usize + 1] as usize
    }

    /// Centre of lixel `k` (m from its edge's node `a`).
    #[inline]
    pub fn centre(&self, k: usize) -> f64 {
        0.5 * (self.start[k] + self.end[k])
    }

    /// Length of lixel `k` (m).
    #[inline]
    pub fn length(&self, k: usize) -> f64 {
        self.end[k] - self.start[k]
    }

    /// Geometry of lixel `k`.
    pub fn geometry(&self, net: &Network, k: usize) -> LineString<f64> {
        net.edge_slice(self.edge[k], self.start[k], self.end[k])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn lixels_equal_pieces_cover_every_edge() {
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 45.0]],
            &[(0, 1, 100.0), (1, 2, 45.0), (2, 2, 0.0)],
        )
        .unwrap();
        let lx = Lixels::new(&net, 20.0).unwrap();
        // 100 m: 5 x 20; 45 m: 3 x 15; 0 m: one empty lixel
        assert_eq!(lx.len(), 9);
        assert_eq!(lx.of_edge(1), 5..8);
        assert_abs_diff_eq!(lx.length(5), 15.0);
        assert_abs_diff_eq!(lx.centre(7), 37.5);
        assert_eq!(lx.end[4], 100.0);
        let total: f64 = (0..lx.len()).map(|k| lx.length(k)).sum();
        assert_abs_diff_eq!(total, 145.0, epsilon = 1e-12);
        let g = lx.geometry(&net, 6);
        assert_abs_diff_eq!(g.0[0].y, 15.0, epsilon = 1e-12);
        assert_abs_diff_eq!(g.0[1].y, 30.0, epsilon = 1e-12);
        assert!(Lixels::new(&net, 0.0).is_err());
    }
}
