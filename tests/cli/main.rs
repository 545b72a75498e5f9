//! Integration tests through the `crimescape` binary (one test binary, one module per area).

mod common;
mod evaluate;
mod foundation;
