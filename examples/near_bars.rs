//! Library example: build the demo city, index the bars, and compare the
//! incident density near bars with the rest of the city.
//!
//! Run with `cargo run --release --example near_bars`.

use crimescape::{generate_demo as generate, DemoParams, GeometryIndex, Result};

fn main() -> Result<()> {
    let city = generate(&DemoParams::new(42).incidents(20_000))?;
    let bars = city.layer("bars").expect("the demo city has bars");
    let idx = GeometryIndex::of_layer(bars);
    let d = idx.nearest_distances(&city.incidents.xy);
    let near = d.iter().filter(|&&x| x <= 100.0).count();
    // area within 100 m of a bar, estimated on a 10 m raster
    let e = city.truth.extent;
    let (mut cells, mut near_cells) = (0usize, 0usize);
    let mut y = e[1] + 5.0;
    while y < e[3] {
        let mut x = e[0] + 5.0;
        while x < e[2] {
            cells += 1;
            if idx.nearest([x, y]).is_some_and(|(_, d)| d <= 100.0) {
                near_cells += 1;
            }
            x += 10.0;
        }
        y += 10.0;
    }
    let share_inc = near as f64 / city.incidents.len() as f64;
    let share_area = near_cells as f64 / cells as f64;
    println!(
        "{near} of {} incidents ({:.1} %) lie within 100 m of a bar, on {:.1} % of the city's area: {:.2}x the city-wide density",
        city.incidents.len(),
        100.0 * share_inc,
        100.0 * share_area,
        share_inc / share_area
    );
    println!(
        "planted relative risk near bars: {}",
        city.truth
            .factors
            .iter()
            .find(|f| f.layer == "bars")
            .map_or(f64::NAN, |f| f.relative_risk)
    );
    Ok(())
}
