//! Settings given as text to `evaluate` and `risk validate` are checked before any file
//! is read: a usage error (exit code 2) that names the flag.

use predicates::prelude::*;

use crate::common::{crimescape, tmp};

#[test]
fn evaluate_refuses_a_dispersion_not_above_zero() {
    let d = tmp();
    for v in ["0", "-1", "-0.5"] {
        let out = d.path().join("ev");
        crimescape()
            .args(["evaluate", "missing.csv", "--treatment", "missing.geojson"])
            .args(["--intervention-date", "2024-07-01"])
            .arg(format!("--dispersion={v}"))
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "--dispersion \"{v}\": use auto, poisson or a number > 0"
            )));
        assert!(!out.exists());
    }
}

#[test]
fn risk_validate_names_the_date_flag_that_does_not_parse() {
    let d = tmp();
    for (flag, bad) in [
        ("--train-until", "2024-13-01"),
        ("--train-from", "soon"),
        ("--test-until", "later"),
    ] {
        let mut args = vec!["--train-until", "2024-06-01"];
        if flag == "--train-until" {
            args.clear();
        }
        args.extend([flag, bad]);
        crimescape()
            .args([
                "risk",
                "validate",
                "missing.csv",
                "--layer",
                "bars=missing.geojson",
            ])
            .args(&args)
            .arg("--out")
            .arg(d.path().join("v"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{flag} \"{bad}\": not a date (use YYYY-MM-DD)"
            )));
    }
}

#[test]
fn evaluate_names_the_missing_periods_before_reading_a_file() {
    let d = tmp();
    for (args, want) in [
        (
            &[][..],
            "missing input: --intervention-date (a date), or --pre and --post periods (FROM..TO)",
        ),
        (
            &["--pre", "2024-01-01..2024-06-01"][..],
            "--pre needs --post",
        ),
        (
            &["--post", "2024-06-01..2024-12-01"][..],
            "--post needs --pre",
        ),
    ] {
        let out = d.path().join("ev");
        crimescape()
            .args(["evaluate", "missing.csv", "--treatment", "missing.geojson"])
            .args(args)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
        assert!(!out.exists());
    }
}
