use super::*;

#[test]
fn flag_maps_names_and_table() {
    assert_eq!(flag("radius"), "--radius");
    assert_eq!(flag("train_until"), "--train-until");
    assert_eq!(flag("target_crs"), "--to-crs");
    // the parameters of the typed errors of repeats, evaluate and risk
    assert_eq!(flag("space_breaks"), "--space");
    assert_eq!(flag("time_breaks"), "--time");
    assert_eq!(flag("intervention"), "--intervention-date");
    assert_eq!(flag("operationalisations"), "--op");
    assert_eq!(flag("site_radius"), "--site-radius");
}

#[test]
fn flag_with_a_commands_own_names_first() {
    let own = [("time", "--time-column")];
    assert_eq!(flag_with("time", &own), "--time-column");
    assert_eq!(flag_with("time_breaks", &own), "--time");
    assert_eq!(flag_with("target_crs", &own), "--to-crs");
    assert_eq!(flag_with("time", &[]), "--time");
}

#[test]
fn show_names_the_flag() {
    let e = Error::missing_param("radius", "neighbours", "band");
    assert_eq!(show(&e), "--neighbours band needs --radius");
    let e = Error::invalid_param("train_until", "2024-13-01", "not a date");
    assert_eq!(show(&e), "--train-until 2024-13-01: not a date");
    let e = Error::invalid_switch("hex", "hexagonal cells are not available for change");
    assert_eq!(
        show(&e),
        "--hex: hexagonal cells are not available for change"
    );
}

#[test]
fn with_flags_names_settings_in_text() {
    assert_eq!(
        with_flags("raise the limit (`max_pairs`) or run with (`nrep` 0)"),
        "raise the limit (--max-pairs) or run with (--nrep 0)"
    );
    assert_eq!(with_flags("`unknown` stays"), "`unknown` stays");
    // the loaders' messages read as before
    assert_eq!(
        with_flags("Check the coordinate columns (`x`/`y` or `location`), `crs` and `time_format`"),
        "Check the coordinate columns (--x/--y or --location), --crs and --time-format"
    );
    assert_eq!(
        with_flags("\"Beat\" (for `where`); name it with `category`; (`layer_crs`) `time`"),
        "\"Beat\" (for --where); name it with --category; (--layer-crs) --time"
    );
    assert_eq!(
        with_flags("given (`target_crs`); (`time_precision`); longer than `max_window`"),
        "given (--to-crs); (--time-precision); longer than --max-window"
    );
}
