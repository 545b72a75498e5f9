//! The risk surface written by a fit and by an application of a saved model.

use crate::crs::Crs;
use crate::error::Result;
use crate::export::{features_indexed, table_indexed, Cell, Column, Figure, Outputs};
use crate::grid::Grid;
use crate::render::{ColourScale, MapOptions};

/// Writes `risk.geojson` (cells with risk above the baseline or with incidents),
/// `risk.csv` (every cell) and `risk.png`.
pub(super) fn write_surface(
    out: &mut Outputs,
    grid: &Grid,
    crs: &Crs,
    risk: &[f64],
    counts: Option<&[f64]>,
    title: &str,
) -> Result<()> {
    let f = features_indexed(crs, grid.len(), |id, sink| {
        let c = counts.map(|c| c[id]);
        if !risk[id].is_nan() && (risk[id] > 1.0 + 1e-12 || c.is_some_and(|v| v > 0.0)) {
            let mut p = vec![
                ("cell", Cell::count(id)),
                ("risk", Cell::Float((risk[id] * 1e6).round() / 1e6)),
            ];
            if let Some(v) = c {
                p.push(("count", Cell::Float(v)));
            }
            sink.feature(&geo::Geometry::Polygon(grid.cell_polygon(id)), &p)?;
        }
        Ok(())
    });
    out.features("risk.geojson", &f)?;
    let t = table_indexed(
        vec![
            Column::int("cell"),
            Column::float("x"),
            Column::float("y"),
            Column::float("risk"),
            Column::float("count"),
        ],
        grid.len(),
        |id, sink| {
            let cc = grid.centre(id);
            sink.row(&[
                Cell::count(id),
                Cell::Fixed(cc[0], 2),
                Cell::Fixed(cc[1], 2),
                if risk[id].is_nan() {
                    Cell::Null
                } else {
                    Cell::Fixed(risk[id], 6)
                },
                counts.map_or(Cell::Null, |c| Cell::Float(c[id])),
            ])
        },
    );
    out.table("risk.csv", &t)?;
    let options = MapOptions {
        title: vec![
            title.to_string(),
            match counts {
                Some(c) => format!(
                    "relative risk (lowest-risk cell = 1) fitted to {:.0} incidents in {} cells of {} m",
                    c.iter().filter(|v| v.is_finite()).sum::<f64>(),
                    risk.iter().filter(|v| !v.is_nan()).count(),
                    grid.cell
                ),
                None => format!(
                    "relative risk (lowest-risk cell = 1) in {} cells of {} m",
                    risk.iter().filter(|v| !v.is_nan()).count(),
                    grid.cell
                ),
            },
        ],
        legend: "relative risk".into(),
        scale: ColourScale::Continuous {
            min: 1.0,
            max: risk
                .iter()
                .cloned()
                .filter(|v| !v.is_nan())
                .fold(1.0 + 1e-9, f64::max),
            sqrt: true,
        },
        ..Default::default()
    };
    let fig = Figure::grid_map(*grid, risk.to_vec(), options);
    out.figure("risk.png", &fig)?;
    out.qml(
        "risk.geojson",
        &fig,
        &crate::export::qml::ClassedField::column("risk"),
        crate::export::qml::SymbolKind::Fill,
    )
}

/// The files of a risk surface.
pub(super) const SURFACE: [&str; 4] = ["risk.geojson", "risk.csv", "risk.png", "risk.qml"];
