//! Point-pattern statistics on a study area: the nearest neighbour index (Clark–Evans,
//! with CrimeStat's border correction), Ripley's K and L, and the cross-K function of
//! incidents against a second layer (e.g. bus stops), with Monte Carlo envelopes of
//! complete spatial randomness simulated inside the real study area (a boundary polygon,
//! not the bounding box).
//!
//! * [`StudyArea`]: polygons (or a rectangle), their area, distances to the boundary
//!   and uniform random points inside them.
//! * [`nearest_neighbour_index`] ([`NniParams`], [`BorderCorrection`]).
//! * [`ripley_k`], [`cross_k`] ([`RipleyParams`], [`EdgeCorrection`]).
//!
//! All distances are metres in the working CRS; every simulation has its own ChaCha8
//! stream, so results do not depend on the number of threads.
//!
//! # Example
//! ```
//! use crimescape::{ripley_k, RipleyParams, StudyArea};
//! let area = StudyArea::rectangle([0.0, 0.0, 100.0, 100.0]).unwrap();
//! // two tight groups of points
//! let pts: Vec<[f64; 2]> = (0..40)
//!     .map(|i| {
//!         let c = if i % 2 == 0 { 20.0 } else { 80.0 };
//!         [c + (i % 7) as f64 * 0.5, c + (i % 5) as f64 * 0.5]
//!     })
//!     .collect();
//! let r = ripley_k(&pts, &area, &RipleyParams::new().distances(vec![0.0, 5.0, 10.0]).simulations(19)).unwrap();
//! assert!(r.k[1] > std::f64::consts::PI * 25.0); // more pairs within 5 m than under CSR
//! assert_eq!(r.clustered.first().map(|c| c[0]), Some(5.0));
//! ```

pub mod area;
pub mod nni;
#[cfg(test)]
mod parity;
pub mod ripley;

pub use area::StudyArea;
pub use nni::{nearest_neighbour_index, BorderCorrection, NniParams, NniResult, NniSimulation};
pub use ripley::{cross_k, ripley_k, EdgeCorrection, Envelope, RipleyParams, RipleyResult};
