//! Point-pattern studies of incidents on their study area (a boundary polygon, or the
//! points' bounding box / convex hull): the nearest neighbour index (`nni.csv`,
//! `nni.json`) and Ripley's K / cross K with a CSR envelope (`k.csv`, `k.json`,
//! `k.png`; `cross_k.*`), with provenance. [`analyse`] runs any of them in one call
//! ([`PatternAnalysis`]), as `crimescape pattern nni|k|cross-k` does.
//!
//! ```no_run
//! use crimescape::{Export, NniParams, OutputOptions, Outputs};
//! use crimescape::study::{pattern, IncidentInput};
//!
//! let input = pattern::PatternInput::new(IncidentInput::load("incidents.csv", &Default::default())?);
//! let mut out = Outputs::folder("nni", &OutputOptions::default())?;
//! out.plan(pattern::NniStudy::files())?;
//! pattern::nni(&input, &Default::default(), &NniParams::new())?.write(&mut out)?;
//! out.commit()?;
//! # Ok::<(), crimescape::Error>(())
//! ```

use geo::ConvexHull;
use serde_json::json;

use super::hotspots::ExtentChoice;
use super::{IncidentInput, StudyLayer};
use crate::error::Result;
use crate::export::{table, Cell, Column, Export, Figure, Outputs, Provenance};
use crate::pattern::{
    cross_k, nearest_neighbour_index, ripley_k, NniParams, NniResult, RipleyParams, RipleyResult,
    StudyArea,
};
use crate::render::{PlotOptions, Series};

mod analysis;

pub use analysis::{analyse, PatternAnalysis, PatternResult};

/// The inputs of a point-pattern study.
#[derive(Debug, Clone)]
pub struct PatternInput {
    /// The incidents.
    pub incidents: IncidentInput,
    /// Study-area polygons in the incidents' working CRS: the area, the border and
    /// where random points are simulated (recommended: a bounding box includes water,
    /// parks and land outside the jurisdiction, which makes any pattern look clustered).
    pub boundary: Option<StudyLayer>,
    /// The second layer of the cross K function (its features' representative points)
    /// with its name in sentences and titles ([`PatternInput::with_layer`]).
    pub layer: Option<(StudyLayer, String)>,
}

impl PatternInput {
    /// Incidents only (the study area is then their bounding box or convex hull).
    pub fn new(incidents: IncidentInput) -> Self {
        PatternInput {
            incidents,
            boundary: None,
            layer: None,
        }
    }

    /// Sets the study-area polygons (in the incidents' working CRS); `None`: the
    /// points' bounding box or convex hull.
    pub fn with_boundary(mut self, boundary: Option<StudyLayer>) -> Self {
        self.boundary = boundary;
        self
    }

    /// Sets the second layer of the cross K function (in the incidents' working CRS),
    /// named `name` in sentences and titles, by default after its file ([`layer_name`];
    /// "the layer" for a layer made in memory).
    pub fn with_layer(mut self, layer: StudyLayer, name: Option<String>) -> Self {
        let name = name.unwrap_or_else(|| match &layer.source {
            Some(s) => layer_name(std::path::Path::new(&s.path)),
            None => "the layer".into(),
        });
        self.layer = Some((layer, name));
        self
    }

    /// The incidents' working CRS: the CRS the boundary and the layer are read in.
    pub fn working_crs(&self) -> &crate::crs::Crs {
        &self.incidents.incidents.crs.working
    }

    /// A note when the study area is not a boundary but the points' `extent`: areas
    /// without incidents inside it make the pattern look more clustered. `None` with a
    /// boundary. The setting of the boundary is named `` `boundary` ``.
    pub fn area_note(&self, extent: ExtentChoice) -> Option<String> {
        let name = match extent {
            ExtentChoice::Bbox => "bounding box",
            ExtentChoice::Hull => "convex hull",
        };
        self.boundary.is_none().then(|| {
            format!(
                "no `boundary`: the study area is the points' {name}; areas without incidents inside it make the pattern look more clustered"
            )
        })
    }
}

/// The name of a second layer (cross K) in sentences and titles: its file name
/// without extensions, as the loaders name a layer, with `_` read as spaces; "the
/// layer" when the path has none.
pub fn layer_name(path: &std::path::Path) -> String {
    match crate::io::csv::stem(path) {
        s if s.is_empty() => "the layer".into(),
        s => s.replace('_', " "),
    }
}

/// The study area of `input`: the boundary's polygons, else the points' bounding box
/// or convex hull (`extent`).
///
/// # Errors
/// [`crate::Error::EmptyInput`] when the boundary holds no polygon; as [`StudyArea`]'s constructors.
pub fn study_area(input: &PatternInput, extent: ExtentChoice) -> Result<StudyArea> {
    let xy = &input.incidents.incidents.xy;
    match &input.boundary {
        Some(b) => StudyArea::polygons(&b.boundary_polygons()?),
        None => match extent {
            ExtentChoice::Bbox => StudyArea::bounding_box(xy),
            ExtentChoice::Hull => {
                let mp: geo::MultiPoint<f64> =
                    xy.iter().map(|p| geo::Point::new(p[0], p[1])).collect();
                let mut a = StudyArea::polygons(&[mp.convex_hull()])?;
                a.set_kind("convex hull of the points");
                Ok(a)
            }
        },
    }
}

/// The area and the incidents in words ("N incidents, study area A km2 (kind)").
fn describe(n: usize, area: &StudyArea) -> String {
    format!(
        "{} incidents, study area {:.2} km2 ({})",
        n,
        area.area() / 1e6,
        area.kind()
    )
}

fn provenance(input: &PatternInput, params: serde_json::Value, seed: u64) -> Provenance {
    let inc = &input.incidents;
    Provenance::new(params)
        .with_inputs(inc.inputs())
        .with_inputs(input.boundary.iter().flat_map(|b| {
            b.source.iter().cloned().map(|mut s| {
                s.role = "boundary".into();
                s
            })
        }))
        .with_crs(&inc.incidents.crs)
        .with_seed(seed)
}

/// A nearest neighbour index study ([`nni`]).
#[derive(Debug, Clone)]
pub struct NniStudy {
    /// The study area.
    pub area: StudyArea,
    /// The index, its test and envelope.
    pub result: NniResult,
    /// The incidents and the area in words.
    pub what: String,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// The nearest neighbour index (Clark & Evans 1954) of the incidents in their study
/// area ([`nearest_neighbour_index`]; border correction and CSR simulations per `p`).
///
/// # Errors
/// As [`study_area`] and [`nearest_neighbour_index`].
pub fn nni(input: &PatternInput, extent: &ExtentChoice, p: &NniParams) -> Result<NniStudy> {
    input.incidents.require_some()?;
    let area = study_area(input, *extent)?;
    let result = nearest_neighbour_index(&input.incidents.incidents.xy, &area, p)?;
    Ok(NniStudy {
        what: describe(input.incidents.incidents.len(), &area),
        area,
        result,
        provenance: provenance(input, json!({"analysis": "nni", "nni": p}), p.seed),
    })
}

impl NniStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        vec!["nni.csv".into(), "nni.json".into()]
    }

    /// The result for the terminal: the input, points left out, the sentence.
    pub fn summary_text(&self) -> String {
        let r = &self.result;
        let mut s = format!("{}\n", self.what);
        if r.outside > 0 {
            s.push_str(&format!(
                "{} incidents outside the study area were left out\n",
                r.outside
            ));
        }
        s.push_str(&format!("{}\n", r.sentence()));
        s
    }
}

impl Export for NniStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        out.provenance(self.provenance.clone());
        let r = &self.result;
        let sim = r.simulation.as_ref();
        let correction = format!("{:?}", r.correction).to_lowercase();
        let t = table(
            vec![
                Column::int("n"),
                Column::int("outside"),
                Column::float("area_m2"),
                Column::text("correction"),
                Column::int("corrected_points"),
                Column::float("mean_distance_m"),
                Column::float("expected_distance_m"),
                Column::float("nni"),
                Column::float("se_m"),
                Column::float("z"),
                Column::float("p"),
                Column::float("p_sim"),
                Column::float("nni_lo"),
                Column::float("nni_hi"),
            ],
            |sink| {
                sink.row(&[
                    Cell::count(r.n),
                    Cell::count(r.outside),
                    Cell::Float(r.area_m2),
                    Cell::Str(&correction),
                    Cell::count(r.corrected_points),
                    Cell::Float(r.mean_distance),
                    Cell::Float(r.expected_distance),
                    Cell::Float(r.nni),
                    Cell::Float(r.se),
                    Cell::Float(r.z),
                    Cell::Float(r.p),
                    Cell::some(sim.map(|s| s.p_sim)),
                    Cell::some(sim.map(|s| s.nni_lo)),
                    Cell::some(sim.map(|s| s.nni_hi)),
                ])
            },
        );
        out.table("nni.csv", &t)?;
        let summary = json!({"analysis": "nni", "input": self.what, "result": r,
            "summary": r.sentence(), "provenance": out.current_provenance(&["nni.json"])});
        out.json("nni.json", &summary)
    }
}

/// A Ripley's K or cross K study ([`k`]).
#[derive(Debug, Clone)]
pub struct RipleyStudy {
    /// The study area.
    pub area: StudyArea,
    /// K, L, L − r and the envelope per distance.
    pub result: RipleyResult,
    /// Name of the second layer in sentences and titles (cross K), else empty.
    pub other: String,
    /// The incidents and the area in words.
    pub what: String,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Ripley's K function of the incidents in their study area ([`ripley_k`]), or with
/// `other = Some((layer, name))` their cross K function against the layer's
/// representative points ([`cross_k`]), with a CSR envelope seeded by `p.seed`.
///
/// # Errors
/// As [`study_area`], [`ripley_k`] and [`cross_k`].
pub fn k(
    input: &PatternInput,
    extent: &ExtentChoice,
    other: Option<(&StudyLayer, &str)>,
    p: &RipleyParams,
) -> Result<RipleyStudy> {
    input.incidents.require_some()?;
    let area = study_area(input, *extent)?;
    let xy = &input.incidents.incidents.xy;
    let name = RipleyStudy::stem(other.is_some());
    let mut provenance = provenance(input, json!({"analysis": name, "ripley": p}), p.seed);
    let (result, other) = match other {
        None => (ripley_k(xy, &area, p)?, String::new()),
        Some((layer, nm)) => {
            provenance
                .inputs
                .extend(layer.source.iter().cloned().map(|mut s| {
                    s.role = "layer".into();
                    s
                }));
            let pts = layer.layer.representative_points();
            (cross_k(xy, &pts, &area, p)?, nm.to_string())
        }
    };
    Ok(RipleyStudy {
        what: describe(xy.len(), &area),
        area,
        result,
        other,
        provenance,
    })
}

/// `L(r) − r` of a K value at distance `d`.
fn l_minus_r(k: f64, d: f64) -> f64 {
    (k.max(0.0) / std::f64::consts::PI).sqrt() - d
}

impl RipleyStudy {
    /// The stem of the files: `k` or `cross_k`.
    pub fn stem(cross: bool) -> &'static str {
        super::kplot::stem(cross)
    }

    /// The files written.
    pub fn files(cross: bool) -> Vec<String> {
        super::kplot::files(cross)
    }

    /// The result in one sentence.
    pub fn sentence(&self) -> String {
        self.result.sentence("incidents", &self.other)
    }

    /// The result for the terminal: the input, the distances, L − r with its envelope
    /// per distance, the sentence.
    pub fn summary_text(&self) -> String {
        let r = &self.result;
        let mut s = format!("{}; distances: {}\n", self.what, r.distance_rule);
        if let (Some(n2), Some(out2)) = (r.n_other, r.other_outside) {
            s.push_str(&format!(
                "{n2} features of {} inside the study area ({out2} outside, left out)\n",
                self.other
            ));
        }
        s.push_str(&format!(
            "{:>10} {:>14} {:>10} {:>10} {:>10}\n",
            "r_m", "K", "L-r", "L-r lo", "L-r hi"
        ));
        for q in 0..r.distances.len() {
            let d = r.distances[q];
            let (lo, hi) = match &r.envelope {
                Some(e) => (l_minus_r(e.k_lo[q], d), l_minus_r(e.k_hi[q], d)),
                None => (f64::NAN, f64::NAN),
            };
            s.push_str(&format!(
                "{:>10.1} {:>14.1} {:>10.2} {:>10.2} {:>10.2}\n",
                d, r.k[q], r.l_minus_r[q], lo, hi
            ));
        }
        s.push_str(&format!("{}\n", self.sentence()));
        s
    }

    /// L(r) − r of the observed pattern and of the envelope.
    pub fn figure(&self) -> Figure {
        let r = &self.result;
        let mut series = vec![Series {
            label: "observed".into(),
            points: r
                .distances
                .iter()
                .zip(&r.l_minus_r)
                .map(|(d, v)| (*d, *v))
                .collect(),
            markers: true,
        }];
        if let Some(e) = &r.envelope {
            for (label, k) in [("envelope high", &e.k_hi), ("envelope low", &e.k_lo)] {
                series.push(Series {
                    label: label.into(),
                    points: r
                        .distances
                        .iter()
                        .zip(k)
                        .map(|(d, k)| (*d, l_minus_r(*k, *d)))
                        .collect(),
                    markers: false,
                });
            }
        }
        let title = vec![
            if r.function != "cross-K" {
                "Ripley's L function: L(r) - r with the CSR envelope".to_string()
            } else {
                format!(
                    "Cross-L function: incidents against {}, L(r) - r",
                    self.other
                )
            },
            self.what.clone(),
        ];
        Figure::line_plot(
            series,
            PlotOptions {
                title,
                x_label: "distance r (m)".into(),
                y_label: "L(r) - r (m)".into(),
                ..Default::default()
            },
        )
    }
}

impl Export for RipleyStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        out.provenance(self.provenance.clone());
        let r = &self.result;
        let stem = Self::stem(r.function == "cross-K");
        let env = r.envelope.as_ref();
        let t = table(
            [
                "distance_m",
                "k",
                "l",
                "l_minus_r",
                "k_csr",
                "k_lo",
                "k_hi",
                "k_mean",
                "p_sim",
            ]
            .iter()
            .map(|n| Column::float(*n))
            .collect(),
            |sink| {
                for q in 0..r.distances.len() {
                    sink.row(&[
                        Cell::Float(r.distances[q]),
                        Cell::Float(r.k[q]),
                        Cell::Float(r.l[q]),
                        Cell::Float(r.l_minus_r[q]),
                        Cell::Float(r.k_csr[q]),
                        Cell::some(env.map(|e| e.k_lo[q])),
                        Cell::some(env.map(|e| e.k_hi[q])),
                        Cell::some(env.map(|e| e.k_mean[q])),
                        Cell::some(env.map(|e| e.p_sim[q])),
                    ])?;
                }
                Ok(())
            },
        );
        out.table(&format!("{stem}.csv"), &t)?;
        let json_name = format!("{stem}.json");
        let png = format!("{stem}.png");
        let svg = format!("{stem}.svg");
        let summary = json!({"analysis": stem, "input": self.what, "result": r,
            "summary": self.sentence(),
            "provenance": out.current_provenance(&[json_name.as_str(), png.as_str(), svg.as_str()])});
        out.json(&json_name, &summary)?;
        out.figure(&png, &self.figure())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::{Crs, CrsChoice};
    use crate::export::collect_table;
    use crate::layer::Incidents;

    pub(super) fn input(xy: &[[f64; 2]]) -> PatternInput {
        let crs = Crs::Local { unit_to_metre: 1.0 };
        let mut inc = Incidents::empty(CrsChoice {
            input: crs.clone(),
            input_source: "test".into(),
            working: crs,
            reason: "test".into(),
        });
        for (k, p) in xy.iter().enumerate() {
            inc.xy.push(*p);
            inc.time.push(None);
            inc.precision.push(crate::time::TimePrecision::Day);
            inc.category.push(0);
            inc.row.push(k as u64 + 1);
        }
        PatternInput::new(IncidentInput::in_memory(inc))
    }

    #[test]
    fn nni_of_a_square_lattice() {
        // 4 points on the corners of a 100 m square: mean NN distance 100 m, area 10^4 m2
        let inp = input(&[[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]]);
        let st = nni(&inp, &ExtentChoice::Bbox, &NniParams::new().simulations(0)).unwrap();
        assert_eq!(st.result.n, 4);
        assert!((st.result.mean_distance - 100.0).abs() < 1e-9);
        // expected 0.5 / sqrt(n / A) = 0.5 / sqrt(4 / 10^4) = 25 m
        assert!((st.result.expected_distance - 25.0).abs() < 1e-9);
        assert!(st
            .summary_text()
            .starts_with("4 incidents, study area 0.01 km2"));
    }

    #[test]
    fn k_table_rows_per_distance() {
        let inp = input(&[[0.0, 0.0], [10.0, 0.0], [100.0, 100.0], [90.0, 100.0]]);
        let mut p = RipleyParams::new().simulations(0);
        p.distances = Some(vec![5.0, 20.0]);
        let st = k(&inp, &ExtentChoice::Bbox, None, &p).unwrap();
        // ordered pairs closer than 20 m: 4; K = A * 4 / n^2 (pointpats' estimator)
        assert!(
            (st.result.k[1] - 1e4 * 4.0 / 16.0).abs() < 1e-6,
            "{:?}",
            st.result.k
        );
        assert_eq!(st.result.k[0], 0.0);
        let t = table(vec![Column::float("k")], |sink| {
            for v in &st.result.k {
                sink.row(&[Cell::Float(*v)])?;
            }
            Ok(())
        });
        assert_eq!(collect_table(&t).unwrap().1.len(), 2);
        assert_eq!(RipleyStudy::files(true)[0], "cross_k.csv");
    }

    #[test]
    fn study_area_rejects_a_boundary_without_polygon() {
        let mut inp = input(&[[0.0, 0.0], [1.0, 1.0]]);
        let crs = inp.incidents.incidents.crs.clone();
        inp.boundary = Some(StudyLayer::in_memory(crate::layer::Layer {
            name: "b".into(),
            geometries: vec![geo::Geometry::Point(geo::Point::new(0.0, 0.0))],
            properties: vec![Default::default()],
            crs,
        }));
        let e = study_area(&inp, ExtentChoice::Bbox).unwrap_err();
        assert!(e.to_string().contains("no polygon"), "{e}");
    }

    #[test]
    fn layer_name_from_the_file_stem() {
        assert_eq!(
            layer_name(std::path::Path::new("d/bus_stops.geojson")),
            "bus stops"
        );
        assert_eq!(
            layer_name(std::path::Path::new("d/bus_stops.geojson.gz")),
            "bus stops"
        );
        assert_eq!(layer_name(std::path::Path::new("")), "the layer");
    }

    #[test]
    fn area_note_without_boundary_only() {
        let mut i = input(&[[0.0, 0.0], [10.0, 10.0]]);
        let note = i.area_note(ExtentChoice::Hull).unwrap();
        assert!(note.starts_with("no `boundary`: the study area is the points' convex hull;"));
        assert!(i
            .area_note(ExtentChoice::Bbox)
            .unwrap()
            .contains("bounding box"));
        i.boundary = Some(StudyLayer::in_memory(crate::layer::Layer {
            name: "b".into(),
            geometries: Vec::new(),
            properties: Vec::new(),
            crs: i.incidents.incidents.crs.clone(),
        }));
        assert_eq!(i.area_note(ExtentChoice::Bbox), None);
    }
}
