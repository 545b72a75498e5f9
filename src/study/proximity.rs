//! Nearest feature of a layer and features within a distance, per incident: one CSV.

use rayon::prelude::*;
use serde_json::json;

use super::{IncidentInput, StudyLayer};
use crate::error::{Error, Result};
use crate::export::{table_indexed, Cell, Column, Outputs, Provenance};
use crate::index::GeometryIndex;

/// Per incident: the nearest feature (index, distance in metres) and the number of
/// features within the distance.
#[derive(Debug, Clone)]
pub struct ProximityStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// Distance (m, inclusive) of the counts.
    pub within: f64,
    /// Nearest feature and distance per incident (`None` for an empty layer).
    pub nearest: Vec<Option<(usize, f64)>>,
    /// Features within `within` metres per incident.
    pub counts: Vec<usize>,
    /// Provenance of the output.
    pub provenance: Provenance,
}

/// R-tree queries of the layer for every incident.
pub fn proximity<'a>(
    input: &'a IncidentInput,
    layer: &StudyLayer,
    within: f64,
) -> Result<ProximityStudy<'a>> {
    if !(within.is_finite() && within >= 0.0) {
        return Err(Error::Param(format!(
            "proximity: distance {within} must be >= 0"
        )));
    }
    let idx = GeometryIndex::of_layer(&layer.layer);
    let (nearest, counts): (Vec<_>, Vec<_>) = input
        .incidents
        .xy
        .par_iter()
        .map(|p| (idx.nearest(*p), idx.count_within(*p, within)))
        .unzip();
    let provenance = Provenance::new(
        json!({"within_m": within, "layer": layer.source.as_ref().map(|s| &s.path)}),
    )
    .with_inputs(input.inputs())
    .with_inputs(layer.source.clone())
    .with_crs(&input.incidents.crs);
    Ok(ProximityStudy {
        input,
        within,
        nearest,
        counts,
        provenance,
    })
}

impl ProximityStudy<'_> {
    /// Writes the table as `name`: row, nearest feature, distance (m), count within.
    pub fn write(&self, out: &mut Outputs, name: &str) -> Result<()> {
        out.provenance(self.provenance.clone());
        let count_col = format!("count_within_{}m", self.within);
        let rows = &self.input.incidents.row;
        let t = table_indexed(
            vec![
                Column::int("row"),
                Column::int("nearest_feature"),
                Column::float("distance_m"),
                Column::int(count_col),
            ],
            rows.len(),
            |i, sink| {
                let (f, d) = match self.nearest[i] {
                    Some((f, d)) => (Cell::count(f), Cell::Fixed(d, 3)),
                    None => (Cell::Null, Cell::Null),
                };
                sink.row(&[Cell::Int(rows[i] as i64), f, d, Cell::count(self.counts[i])])
            },
        );
        out.table(name, &t)
    }
}
