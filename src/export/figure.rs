//! Figures: what a map or chart shows, drawn by [`crate::render`] when written.
//!
//! A result describes its figures as [`Figure`] values (data + options); the output
//! layer renders them into the file format the name asks for (PNG today). A new
//! format (SVG, issue "maps people can hand on") is one more arm in [`Figure::render`].

use geo::Geometry;

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::render::{self, MapOptions, PlotOptions, Series};

/// A labelled matrix (e.g. Knox ratios), see [`render::heat_table`].
#[derive(Debug, Clone)]
pub struct HeatTable {
    /// `values[row][col]`.
    pub values: Vec<Vec<f64>>,
    /// Cells outlined in bold.
    pub marked: Vec<Vec<bool>>,
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub cols: Vec<String>,
    /// Centre of the diverging colour scale.
    pub centre: f64,
    /// Deviation as `ln(v / centre)` (ratios).
    pub log_ratio: bool,
    /// Title lines.
    pub title: Vec<String>,
    /// Text of the top-left corner cell (axis names).
    pub corner: String,
}

/// A map or chart, described once and rendered per format.
#[derive(Debug, Clone)]
pub enum Figure {
    /// One value per grid cell (row-major, NaN = no data), see [`render::grid_map`].
    GridMap {
        /// The grid.
        grid: Grid,
        /// Values per cell of the full grid.
        values: Vec<f64>,
        /// Title, legend, colours, overlays.
        options: MapOptions,
    },
    /// One value per feature (a choropleth), see [`render::feature_map`].
    FeatureMap {
        /// The features, in the working CRS.
        geometries: Vec<Geometry<f64>>,
        /// One value per feature.
        values: Vec<f64>,
        /// Title, legend, colours, overlays.
        options: MapOptions,
    },
    /// Lines or markers over x/y axes, see [`render::line_plot`].
    LinePlot {
        /// The series.
        series: Vec<Series>,
        /// Title, axes.
        options: PlotOptions,
    },
    /// Bars (histograms), see [`render::bar_plot`].
    BarPlot {
        /// Label and height of each bar.
        bars: Vec<(String, f64)>,
        /// Title, axes.
        options: PlotOptions,
    },
    /// A labelled matrix.
    HeatTable(HeatTable),
}

/// Formats a figure can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureFormat {
    /// PNG raster.
    Png,
}

impl FigureFormat {
    /// The format a file name asks for (by extension).
    pub fn of_name(name: &str) -> Result<FigureFormat> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("png") => Ok(FigureFormat::Png),
            _ => Err(Error::Param(format!(
                "figure {name:?}: unknown format (supported: .png)"
            ))),
        }
    }
}

impl Figure {
    /// A grid map.
    pub fn grid_map(grid: Grid, values: Vec<f64>, options: MapOptions) -> Figure {
        Figure::GridMap {
            grid,
            values,
            options,
        }
    }

    /// A line plot.
    pub fn line_plot(series: Vec<Series>, options: PlotOptions) -> Figure {
        Figure::LinePlot { series, options }
    }

    /// The figure in `format`.
    pub fn render(&self, format: FigureFormat) -> Result<Vec<u8>> {
        match format {
            FigureFormat::Png => self.png(),
        }
    }

    /// The figure as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>> {
        match self {
            Figure::GridMap {
                grid,
                values,
                options,
            } => render::grid_map(grid, values, options),
            Figure::FeatureMap {
                geometries,
                values,
                options,
            } => render::feature_map(geometries, values, options),
            Figure::LinePlot { series, options } => render::line_plot(series, options),
            Figure::BarPlot { bars, options } => render::bar_plot(bars, options),
            Figure::HeatTable(h) => render::heat_table(
                &h.values,
                &h.marked,
                &h.rows,
                &h.cols,
                h.centre,
                h.log_ratio,
                &h.title,
                &h.corner,
            ),
        }
    }
}
