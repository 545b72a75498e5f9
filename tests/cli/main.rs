//! Integration tests through the `crimescape` binary (one test binary, one module per area).

mod clusters;
mod access;
mod common;
mod evaluate;
mod foundation;
mod hotspots;
mod nearrepeat;
mod risk;
