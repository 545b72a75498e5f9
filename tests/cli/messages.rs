//! Error messages in the words of the command line (issue 13): a switch shown without a
//! value, a command's own flag names, refused settings.

use predicates::prelude::*;

use crate::common::*;

/// A projected incident file (EPSG:26971).
fn incidents() -> std::path::PathBuf {
    fixture("incidents/projected_26971.csv")
}

#[test]
fn empty_value_is_shown_without_one() {
    // an empty time zone: `--tz: empty name`, not `--tz : empty name`
    crimescape()
        .args(["info", "--crs", "EPSG:26971", "--tz", ""])
        .arg(incidents())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--tz: empty name"));
}
