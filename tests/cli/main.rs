//! Integration tests through the `crimescape` binary (one test binary, one module per area).

mod access;
mod common;
mod foundation;
