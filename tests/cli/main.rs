//! Integration tests through the `crimescape` binary (one test binary, one module per area).

mod access;
mod clusters;
mod common;
mod docs_examples;
mod evaluate;
mod evaluate_params;
mod examples_run;
mod foundation;
mod grammar;
mod hotspots;
mod malformed;
mod maps;
mod messages;
mod nearrepeat;
mod network;
mod nnh_area;
mod outputs;
mod public;
mod report;
mod risk;
mod sites;
mod snapshot;
mod stats;
mod validate;
mod when;
