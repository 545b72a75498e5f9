//! Integration tests through the `crimescape` binary (one test binary, one module per area).

mod access;
mod clusters;
mod common;
mod evaluate;
mod foundation;
mod hotspots;
mod malformed;
mod maps;
mod nearrepeat;
mod network;
mod outputs;
mod risk;
mod sites;
mod snapshot;
mod stats;
mod validate;
mod when;
