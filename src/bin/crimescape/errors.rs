//! The library's typed errors in the words of the command line: a parameter's name
//! becomes its flag (one table), and an existing output points to `--force`.

use std::sync::OnceLock;

use crimescape::Error;

/// Library parameter names whose flag is not `--` + the name with `-` for `_`.
const FLAGS: &[(&str, &str)] = &[
    ("neighbours", "--neighbours"),
    ("window", "--window"),
    ("seriousness", "--seriousness"),
    ("layers", "--layer"),
    ("layer", "--layer"),
    ("target_crs", "--to-crs"),
    ("input_crs", "--crs"),
    ("where", "--where"),
    ("weight", "--weight"),
    ("train_until", "--train-until"),
    ("test_from", "--test-from"),
    ("time_filter_hours", "--hours"),
    ("time_filter_days", "--weekdays"),
    ("time_zone", "--tz"),
    // repeats, near repeats, promap (issue 13: typed errors)
    ("network", "--streets"),
    ("address_column", "--address"),
    ("space_breaks", "--space"),
    ("time_breaks", "--time"),
    ("bandwidth_m", "--bandwidth"),
    ("bandwidth_days", "--days"),
    ("kde_bandwidth_m", "--kde-bandwidth"),
    ("horizons_days", "--horizon"),
    // evaluate
    ("intervention", "--intervention-date"),
    // clusters (nnh's threshold rule and study area)
    ("threshold.probability", "--nnh-probability"),
    ("threshold.fixed", "--nnh-threshold"),
    ("area", "--area-km2"),
    // risk, sites
    ("operationalisations", "--op"),
    (
        "weights",
        "--w-burden/--w-persistence/--w-repeat/--w-risk/--w-modifiable",
    ),
];

/// Library settings that library messages (errors, warnings, notes) name in backticks,
/// e.g. "raise the limit (`max_pairs`)"; [`with_flags`] shows them as flags.
const NAMED_IN_TEXT: &[&str] = &[
    "max_pairs",
    "nrep",
    "time_format",
    "exact_locations",
    "audience",
    "crs",
    // settings named by the loaders (the loaders' options)
    "x",
    "y",
    "location",
    "delimiter",
    "where",
    "category",
    "time",
    "layer_crs",
    // loader notes, CRS sources and reject reasons (issue 17)
    "time_precision",
    "max_window",
    "target_crs",
    // the public audience's refusal of a rejects file
    "rejects",
    // evaluate's periods
    "intervention",
    "pre",
    "post",
    // the pattern commands' note on the study area
    "boundary",
];

/// A library message in the words of the command line: each setting it names in
/// backticks (see [`NAMED_IN_TEXT`]) becomes its flag.
pub fn with_flags(text: &str) -> String {
    let mut s = text.to_string();
    for p in NAMED_IN_TEXT {
        let quoted = format!("`{p}`");
        if s.contains(&quoted) {
            s = s.replace(&quoted, &flag(p));
        }
    }
    s
}

/// The flags the running command names differently from [`FLAGS`], set by
/// [`command_flags`].
static COMMAND_FLAGS: OnceLock<&'static [(&'static str, &'static str)]> = OnceLock::new();

/// Sets the flags the running command names differently from [`FLAGS`], before any
/// work (e.g. `near-repeat`'s time column is `--time-column`: its `--time` is the
/// time bands). One command runs per process; the first call wins.
pub fn command_flags(flags: &'static [(&'static str, &'static str)]) {
    let _ = COMMAND_FLAGS.set(flags);
}

/// The flag of a library parameter (the running command's own name first).
pub fn flag(param: &str) -> String {
    flag_with(param, COMMAND_FLAGS.get().copied().unwrap_or_default())
}

/// The flag of a library parameter with a command's own names `own` first.
fn flag_with(param: &str, own: &[(&str, &str)]) -> String {
    own.iter()
        .chain(FLAGS)
        .find(|(p, _)| *p == param)
        .map_or_else(
            || format!("--{}", param.replace('_', "-")),
            |(_, f)| f.to_string(),
        )
}

/// How the CLI shows one error of a chain.
pub fn show(e: &(dyn std::error::Error + 'static)) -> String {
    match e.downcast_ref::<Error>() {
        // a switch (empty value) is shown without one: `--hex: …`
        Some(Error::InvalidParam {
            param,
            value,
            reason,
        }) if value.is_empty() => format!("{}: {}", flag(param), with_flags(reason)),
        Some(Error::InvalidParam {
            param,
            value,
            reason,
        }) => format!("{} {value}: {}", flag(param), with_flags(reason)),
        Some(Error::MissingParam {
            param,
            needed_by,
            value,
        }) if value.is_empty() => format!("{} needs {}", flag(needed_by), flag(param)),
        Some(Error::MissingParam {
            param,
            needed_by,
            value,
        }) => format!("{} {value} needs {}", flag(needed_by), flag(param)),
        Some(Error::Exists(p)) => {
            format!("{}: already exists (use --force to overwrite)", p.display())
        }
        Some(Error::OutputsExist { dir, names }) => format!(
            "{}: {} already exist{} (use --force to overwrite)",
            dir.display(),
            names.join(", "),
            if names.len() == 1 { "s" } else { "" }
        ),
        _ => with_flags(&e.to_string()),
    }
}

#[cfg(test)]
mod tests;
