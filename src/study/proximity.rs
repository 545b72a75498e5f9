//! Nearest feature of a layer and features within a distance, per incident: one CSV.
//!
//! For the public audience ([`Outputs::is_public`]) the per-incident rows, which
//! locate incidents, are replaced by aggregates: incidents by distance band of their
//! nearest feature and kind of that feature (a two-way table with its row totals,
//! suppressed and complementary-suppressed by the output layer), and incidents per
//! feature (`<name stem>.features.csv`).

use rayon::prelude::*;
use serde_json::json;

use super::{IncidentInput, StudyLayer};
use crate::error::{Error, Result};
use crate::export::{table, table_indexed, Cell, Column, Outputs, Provenance};
use crate::index::GeometryIndex;

/// Upper edges of the distance bands of the public aggregate, as multiples of the
/// `within` distance; the last band is open (`[4 × within, ∞)`). Bands are `[a, b)`.
pub const PUBLIC_BAND_FACTORS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// Properties read (in this order, case-insensitive) for the kind of a feature in the
/// public aggregate; a layer without any of them has the single kind `feature`.
pub const KIND_KEYS: [&str; 5] = ["kind", "type", "category", "class", "amenity"];

/// Most kinds kept as their own column of the public aggregate; rarer kinds are
/// merged into `other`.
const MAX_KINDS: usize = 12;

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
    /// Kind of each feature of the layer (see [`KIND_KEYS`]), for the public aggregate.
    pub feature_kinds: Vec<String>,
    /// Provenance of the output.
    pub provenance: Provenance,
}

/// The kind of feature `i` of `layer`: the first of [`KIND_KEYS`] it has, as a
/// column-name-safe word (lowercase letters, digits, `_`), else `feature`.
fn kind_of(layer: &crate::layer::Layer, i: usize) -> String {
    let raw = KIND_KEYS
        .iter()
        .find_map(|k| layer.property_str(i, k))
        .unwrap_or_default();
    let mut s: String = raw
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "feature".into()
    } else {
        s
    }
}

/// Checks the distance of [`proximity`]'s counts (before any file is read).
///
/// # Errors
/// [`Error::InvalidParam`] (`within`) unless a finite distance in metres >= 0.
pub fn check_within(within: f64) -> Result<()> {
    if !(within.is_finite() && within >= 0.0) {
        return Err(Error::invalid_param(
            "within",
            within,
            "a distance in metres >= 0",
        ));
    }
    Ok(())
}

/// R-tree queries of the layer for every incident.
pub fn proximity<'a>(
    input: &'a IncidentInput,
    layer: &StudyLayer,
    within: f64,
) -> Result<ProximityStudy<'a>> {
    check_within(within)?;
    let idx = GeometryIndex::of_layer(&layer.layer);
    let (nearest, counts): (Vec<_>, Vec<_>) = input
        .incidents
        .xy
        .par_iter()
        .map(|p| (idx.nearest(*p), idx.count_within(*p, within)))
        .unzip();
    let feature_kinds = (0..layer.layer.len())
        .map(|i| kind_of(&layer.layer, i))
        .collect();
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
        feature_kinds,
        provenance,
    })
}

/// The incidents of a [`ProximityStudy`] aggregated for the public audience.
#[derive(Debug, Clone, PartialEq)]
pub struct ProximityAggregate {
    /// Band edges (m): band `b` is `[edges[b], edges[b + 1])`, the last is open.
    pub edges: Vec<f64>,
    /// The kinds (columns), most frequent first; `other` merges the rarest.
    pub kinds: Vec<String>,
    /// Incidents per band (rows) and kind of their nearest feature (columns).
    pub counts: Vec<Vec<u64>>,
    /// Incidents without a nearest feature (empty layer).
    pub no_feature: u64,
    /// Incidents whose nearest feature is feature `i` (layer order).
    pub per_feature: Vec<u64>,
}

impl ProximityStudy<'_> {
    /// The public aggregate: incidents by distance band of their nearest feature
    /// ([`PUBLIC_BAND_FACTORS`] × `within`) and its kind, and per feature.
    pub fn aggregate(&self) -> ProximityAggregate {
        let mut edges = vec![0.0];
        edges.extend(PUBLIC_BAND_FACTORS.iter().map(|f| f * self.within));
        edges.dedup();
        let nf = self.feature_kinds.len();
        let mut per_feature = vec![0u64; nf];
        let mut no_feature = 0;
        for n in &self.nearest {
            match n {
                Some((f, _)) if *f < nf => per_feature[*f] += 1,
                _ => no_feature += 1,
            }
        }
        // kinds by incidents (then name), the rarest merged into `other`
        let mut by_kind: std::collections::BTreeMap<&str, u64> = Default::default();
        for (f, k) in self.feature_kinds.iter().enumerate() {
            *by_kind.entry(k.as_str()).or_default() += per_feature[f];
        }
        let mut order: Vec<(&str, u64)> = by_kind.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut kinds: Vec<String> = order.iter().map(|(k, _)| k.to_string()).collect();
        if kinds.len() > MAX_KINDS {
            kinds.truncate(MAX_KINDS - 1);
            kinds.push("other".into());
        }
        let col_of = |k: &str| {
            kinds
                .iter()
                .position(|x| x == k)
                .unwrap_or(kinds.len().saturating_sub(1))
        };
        let feature_col: Vec<usize> = self.feature_kinds.iter().map(|k| col_of(k)).collect();
        let nb = edges.len();
        let mut counts = vec![vec![0u64; kinds.len()]; nb];
        for (f, d) in self.nearest.iter().flatten() {
            if *f >= nf {
                continue;
            }
            // the last band whose lower edge is <= d
            let b = edges.iter().rposition(|e| *e <= *d).unwrap_or(0);
            counts[b][feature_col[*f]] += 1;
        }
        ProximityAggregate {
            edges,
            kinds,
            counts,
            no_feature,
            per_feature,
        }
    }

    /// The name of the per-feature table of the public aggregate beside `name`
    /// (`prox.csv` → `prox.features.csv`).
    pub fn features_name(name: &str) -> String {
        match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.features.{ext}"),
            None => format!("{name}.features"),
        }
    }

    /// Writes the table as `name`: row, nearest feature, distance (m), count within.
    /// For the public audience: the aggregate ([`Self::aggregate`]) as `name` and
    /// [`Self::features_name`] instead.
    pub fn write(&self, out: &mut Outputs, name: &str) -> Result<()> {
        out.provenance(self.provenance.clone());
        if out.is_public() {
            return self.write_public(out, name);
        }
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

    fn write_public(&self, out: &mut Outputs, name: &str) -> Result<()> {
        let a = self.aggregate();
        let fname = Self::features_name(name);
        out.plan([fname.as_str()])?;
        out.note_withheld(&format!(
            "the per-incident rows of {name} (each incident's nearest feature and distances locate it): published instead as incidents by distance band of the nearest feature and its kind ({name}) and per feature ({fname})"
        ));
        let mut columns = vec![
            Column::float("from_m"),
            Column::float("to_m"),
            Column::int("count"),
        ];
        columns.extend(a.kinds.iter().map(|k| Column::int(format!("n_{k}"))));
        let t = table(columns, |sink| {
            for (b, row) in a.counts.iter().enumerate() {
                let to = a.edges.get(b + 1).map_or(Cell::Null, |e| Cell::Float(*e));
                let mut cells = vec![
                    Cell::Float(a.edges[b]),
                    to,
                    Cell::Int(row.iter().sum::<u64>() as i64),
                ];
                cells.extend(row.iter().map(|v| Cell::Int(*v as i64)));
                sink.row(&cells)?;
            }
            Ok(())
        });
        out.table(name, &t)?;
        let t = table_indexed(
            vec![
                Column::int("feature"),
                Column::text("kind"),
                Column::int("count"),
            ],
            a.per_feature.len(),
            |i, sink| {
                sink.row(&[
                    Cell::count(i),
                    Cell::Str(&self.feature_kinds[i]),
                    Cell::Int(a.per_feature[i] as i64),
                ])
            },
        );
        out.table(&fname, &t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Layer;

    fn study(xy: Vec<[f64; 2]>, features: Vec<([f64; 2], &str)>) -> ProximityAggregate {
        let crs = crate::study::network::utm31_crs();
        let mut inc = crate::layer::Incidents::empty(crs.clone());
        for (k, p) in xy.into_iter().enumerate() {
            inc.xy.push(p);
            inc.time.push(None);
            inc.precision.push(crate::time::TimePrecision::Day);
            inc.category.push(0);
            inc.row.push(k as u64 + 1);
        }
        inc.categories = vec!["burglary".into()];
        let input = IncidentInput::in_memory(inc);
        let layer = Layer {
            name: "features".into(),
            geometries: features
                .iter()
                .map(|(p, _)| geo::Geometry::Point(geo::Point::new(p[0], p[1])))
                .collect(),
            properties: features
                .iter()
                .map(|(_, k)| {
                    let mut m = serde_json::Map::new();
                    m.insert("kind".into(), json!(k));
                    m
                })
                .collect(),
            crs,
        };
        let st = proximity(&input, &StudyLayer::in_memory(layer), 100.0).unwrap();
        st.aggregate()
    }

    #[test]
    fn aggregate_bands_and_kinds() {
        // bands [0,25) [25,50) [50,100) [100,200) [200,400) [400,inf)
        let a = study(
            vec![
                [0.0, 10.0],
                [0.0, 30.0],
                [0.0, 60.0],
                [1000.0, 150.0],
                [0.0, 5000.0],
            ],
            vec![([0.0, 0.0], "Bar"), ([1000.0, 0.0], "bus stop")],
        );
        assert_eq!(a.edges, vec![0.0, 25.0, 50.0, 100.0, 200.0, 400.0]);
        assert_eq!(a.kinds, vec!["bar".to_string(), "bus_stop".to_string()]);
        assert_eq!(
            a.counts,
            vec![
                vec![1, 0],
                vec![1, 0],
                vec![1, 0],
                vec![0, 1],
                vec![0, 0],
                vec![1, 0]
            ]
        );
        assert_eq!(a.per_feature, vec![4, 1]);
        assert_eq!(a.no_feature, 0);
    }

    #[test]
    fn aggregate_empty_layer_counts_no_feature() {
        let a = study(vec![[0.0, 0.0], [1.0, 1.0]], vec![]);
        assert_eq!(a.no_feature, 2);
        assert!(a.per_feature.is_empty());
        assert!(a.counts.iter().all(|r| r.is_empty()));
    }

    #[test]
    fn features_name_beside_the_table() {
        assert_eq!(ProximityStudy::features_name("p.csv"), "p.features.csv");
        assert_eq!(ProximityStudy::features_name("p"), "p.features");
    }

    #[test]
    fn check_within_rejects_negative_and_nan() {
        assert!(check_within(0.0).is_ok());
        assert!(check_within(25.5).is_ok());
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                check_within(bad),
                Err(Error::InvalidParam {
                    param: "within",
                    ..
                })
            ));
        }
    }
}
