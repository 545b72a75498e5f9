//! Maps and charts drawn once as vector scenes and written as SVG or PNG, with no
//! system library.
//!
//! Every figure is a [`Scene`] (shapes and text in pixel coordinates); SVG is its
//! direct serialisation and PNG its rasterisation by resvg with anti-aliased text from
//! the bundled DejaVu Sans, so the two formats show the same drawing and a PNG is the
//! same bytes for the same input on every machine. Text is measured with the font's
//! glyph advances and wrapped, never cut.
//!
//! * [`grid_map`] / [`map::grid_map_scene`] — per-cell values with a colour ramp
//!   (viridis, perceptually uniform and colour-blind safe) or the diverging Gi* bins
//!   (blue–orange by default, ArcGIS red/blue as [`Palette::Arcgis`]).
//! * [`feature_map`] / [`map::feature_map_scene`] — one value per feature (a choropleth).
//! * [`line_plot`], [`bar_plot`] — curves, time series and histograms.
//! * [`heat_table`] — a labelled matrix (e.g. Knox ratios) with marked cells.
//!
//! Maps carry a title and subtitle, a classed legend with units, a scale bar, a north
//! arrow, context layers ([`ContextLayer`]), a footnote with the technical parameters,
//! the source line and the crimescape version; [`Style`] holds the settings a run
//! shares (title override, palette, source, context).
//!
//! One concept per file: [`scene`] (the drawing model, SVG and PNG), [`text`] (font
//! and layout), [`palette`] (colours and scales), [`furniture`] (shared map and chart
//! parts), [`map`], `clip` (clipping lines, rings and items to a box), [`chart`],
//! [`heat`].

pub mod chart;
mod clip;
pub mod furniture;
pub mod heat;
pub mod map;
pub mod palette;
pub mod scene;
pub mod text;

use geo::Geometry;

pub use chart::{PlotOptions, Series};
pub use furniture::{ContextKind, ContextLayer, Style};
pub use heat::HeatTable;
pub use map::{MapOptions, Overlay};
pub use palette::{auto_scale, ColourScale, Palette, Rgba, BLACK};
pub use scene::Scene;

use crate::error::Result;
use crate::grid::Grid;

/// Per-cell `values` (NaN = no data, drawn light grey) of `grid` as a PNG map with
/// the default [`Style`].
///
/// # Errors
/// [`crate::Error::LengthMismatch`] when `values` does not have one value per cell.
pub fn grid_map(grid: &Grid, values: &[f64], opts: &MapOptions) -> Result<Vec<u8>> {
    map::grid_map_scene(grid, values, opts, &Style::default())?.to_png()
}

/// One value per feature as a PNG choropleth, see `feature_map_scene`.
///
/// # Errors
/// [`crate::Error::LengthMismatch`] when the lengths differ, [`crate::Error::Degenerate`]
/// when no feature has a finite coordinate.
pub fn feature_map(
    geometries: &[Geometry<f64>],
    values: &[f64],
    opts: &MapOptions,
) -> Result<Vec<u8>> {
    map::feature_map_scene(geometries, values, opts, &Style::default())?.to_png()
}

/// x/y series as a PNG line plot.
///
/// # Errors
/// Only when the PNG cannot be encoded.
pub fn line_plot(series: &[Series], o: &PlotOptions) -> Result<Vec<u8>> {
    chart::line_plot_scene(series, o, &Style::default()).to_png()
}

/// A PNG bar chart (e.g. a histogram): `bars` = (label, value).
///
/// # Errors
/// Only when the PNG cannot be encoded.
pub fn bar_plot(bars: &[(String, f64)], o: &PlotOptions) -> Result<Vec<u8>> {
    chart::bar_plot_scene(bars, o, &Style::default()).to_png()
}

/// A labelled matrix as PNG, see `heat_table_scene`.
///
/// # Errors
/// [`crate::Error::InvalidParam`] (`centre`) when `log_ratio` is asked with a centre that
/// is not positive.
pub fn heat_table(table: &HeatTable) -> Result<Vec<u8>> {
    heat::heat_table_scene(table, &Style::default())?.to_png()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_map_png_is_deterministic() {
        let g = Grid::new(0.0, 0.0, 100.0, 20, 10).unwrap();
        let v: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let opts = MapOptions {
            title: vec!["t".into(), "sub".into()],
            legend: "incidents per km²".into(),
            scale: auto_scale(&v, true),
            ..Default::default()
        };
        let a = grid_map(&g, &v, &opts).unwrap();
        assert_eq!(&a[1..4], b"PNG");
        assert_eq!(a, grid_map(&g, &v, &opts).unwrap());
        assert!(grid_map(&g, &v[..10], &MapOptions::default()).is_err());
    }
}
