//! Figures: what a map or chart shows, drawn by [`crate::render`] when written.
//!
//! A result describes its figures as [`Figure`] values (data + options); the output
//! layer draws each once as a vector [`Scene`] and writes it in the format the name
//! asks for: `.svg` (the scene itself) or `.png` (the scene rasterised).

use geo::Geometry;

use super::describe::Role;
use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::render::{self, MapOptions, PlotOptions, Scene, Series, Style};

pub use crate::render::heat::HeatTable;

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
        /// What the values are (as a table column's role): [`Role::Count`] values are
        /// suppressed for the public audience before the map is drawn, every other
        /// role is drawn as it is. See [`Figure::with_role`].
        role: Role,
        /// Indices of the overlays whose vertices are incident locations (chain
        /// lines, cluster hulls): moved for the public audience, see
        /// [`Figure::with_incident_overlays`].
        incident_overlays: Vec<usize>,
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
            _ => Err(Error::invalid_param(
                "figure",
                format!("{name:?}"),
                "unknown format (supported: .png, .svg)",
            )),
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
            role: Role::Value,
            incident_overlays: Vec::new(),
        }
    }

    /// The figure with the overlays `idx` (indices into its overlays) marked as drawn
    /// through incident locations (chain lines, cluster hulls; grid maps, other
    /// figures are returned as they are). A public output set moves their vertices to
    /// the published points, draws polygons as the convex hull of the moved vertices
    /// and leaves out lines through fewer than k distinct incidents.
    pub fn with_incident_overlays(mut self, idx: &[usize]) -> Figure {
        if let Figure::GridMap {
            incident_overlays, ..
        } = &mut self
        {
            incident_overlays.extend_from_slice(idx);
        }
        self
    }

    /// The figure with the role of its values set (grid maps; other figures are
    /// returned as they are): [`Role::Count`] for counts of incidents, so that a
    /// public output set draws it from the published counts (a cell with fewer than
    /// k incidents is not coloured), [`Role::Value`] (the default) for statistics.
    ///
    /// ```
    /// use crimescape::{Figure, Grid, Role};
    /// let g = Grid::new(0.0, 0.0, 100.0, 2, 1)?;
    /// let f = Figure::grid_map(g, vec![1.0, 5.0], Default::default()).with_role(Role::Count);
    /// assert_eq!(f.values_role(), Role::Count);
    /// # Ok::<(), crimescape::Error>(())
    /// ```
    pub fn with_role(mut self, r: Role) -> Figure {
        if let Figure::GridMap { role, .. } = &mut self {
            *role = r;
        }
        self
    }

    /// The role of the figure's values ([`Role::Value`] unless set).
    pub fn values_role(&self) -> Role {
        match self {
            Figure::GridMap { role, .. } => *role,
            _ => Role::Value,
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
                ..
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
            Figure::HeatTable(h) => render::heat::heat_table_scene(h, style)?,
        })
    }
}
