use super::*;

#[test]
fn files_name_one_plot_per_area_by_its_slug() {
    let f = EvaluateStudy::files(&["Main St.", "??", "north-2"]);
    assert_eq!(
        f,
        [
            "evaluation.json",
            "evaluation.md",
            "timeseries_main_st.png",
            "timeseries_area.png",
            "timeseries_north_2.png",
            "areas.png",
            "areas.geojson",
            "areas.qml",
        ]
    );
}
