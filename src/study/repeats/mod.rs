//! Repeat and near-repeat victimisation: the Knox near-repeat test, exact repeats,
//! near-repeat chains and prospective (promap) maps.
//!
//! One file per study: [`near_repeat`](fn@near_repeat) (Knox test), [`exact_repeats`],
//! [`chain_study`] and [`promap_study`].

mod chains;
mod exact;
mod near_repeat;
mod promap;

pub use chains::*;
pub use exact::*;
pub use near_repeat::*;
pub use promap::*;
