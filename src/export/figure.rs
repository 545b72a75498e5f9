//! Figures: what a map or chart shows, drawn by [`crate::render`] when written.
//!
//! A result describes its figures as [`Figure`] values (data + options); the output
//! layer draws each once as a vector [`Scene`] and writes it in the format the name
//! asks for: `.svg` (the scene itself) or `.png` (the scene rasterised).

use geo::Geometry;

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::render::{self, MapOptions, PlotOptions, Scene, Series, Style};

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
    /// SVG vector drawing (prints sharply at any size; text stays text).
    Svg,
}

impl FigureFormat {
    /// The format a file name asks for (by extension).
    pub fn of_name(name: &str) -> Result<FigureFormat> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("png") => Ok(FigureFormat::Png),
            Some("svg") => Ok(FigureFormat::Svg),
            _ => Err(Error::Param(format!(
                "figure {name:?}: unknown format (supported: .png, .svg)"
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

    /// The figure in `format` with the default [`Style`].
    pub fn render(&self, format: FigureFormat) -> Result<Vec<u8>> {
        self.render_styled(format, &Style::default())
    }

    /// The figure in `format` with the run's `style` (title, palette, context, source).
    pub fn render_styled(&self, format: FigureFormat, style: &Style) -> Result<Vec<u8>> {
        let scene = self.scene(style)?;
        match format {
            FigureFormat::Png => scene.to_png(),
            FigureFormat::Svg => Ok(scene.to_svg()?.into_bytes()),
        }
    }

    /// The figure as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>> {
        self.render(FigureFormat::Png)
    }

    /// The figure drawn once as a vector scene.
    pub fn scene(&self, style: &Style) -> Result<Scene> {
        Ok(match self {
            Figure::GridMap {
                grid,
                values,
                options,
            } => render::map::grid_map_scene(grid, values, options, style)?,
            Figure::FeatureMap {
                geometries,
                values,
                options,
            } => render::map::feature_map_scene(geometries, values, options, style)?,
            Figure::LinePlot { series, options } => {
                render::chart::line_plot_scene(series, options, style)
            }
            Figure::BarPlot { bars, options } => {
                render::chart::bar_plot_scene(bars, options, style)
            }
            Figure::HeatTable(h) => render::heat::heat_table_scene(
                &h.values,
                &h.marked,
                &h.rows,
                &h.cols,
                h.centre,
                h.log_ratio,
                &h.title,
                &h.corner,
                style,
            )?,
        })
    }
}
