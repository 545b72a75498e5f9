//! Repeat and near-repeat victimisation: the Knox near-repeat test, exact repeats,
//! near-repeat chains and prospective (promap) maps.

use serde::Serialize;
use serde_json::{json, Value};

use super::IncidentInput;
use crate::error::Result;
use crate::export::{
    features, table, Cell, Column, Export, Figure, HeatTable, Outputs, Provenance,
};
use crate::grid::Grid;
use crate::layer::Incidents;
use crate::render::{self, MapOptions, Overlay, PlotOptions};
use crate::repeat::chains::{self, ChainParams, ChainResult};
use crate::repeat::exact::{self, ExactRepeatParams, ExactRepeats};
use crate::repeat::knox::{self, KnoxParams, KnoxResult};
use crate::repeat::promap::{self, PromapParams, PromapResult};

/// The incidents' source file name (for titles), or "incidents".
fn file_name(input: &IncidentInput) -> String {
    input
        .source
        .as_ref()
        .and_then(|s| {
            std::path::Path::new(&s.path)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "incidents".into())
}

// ---------------------------------------------------------------- Knox

/// Settings of [`near_repeat`].
#[derive(Debug, Clone, Serialize)]
pub struct NearRepeatParams {
    /// Bands, metric, permutations, seed.
    pub knox: KnoxParams,
    /// What an event is, for the summary sentence [default: the category when there is
    /// only one, else "incident"].
    pub label: Option<String>,
    /// Second title line of the heat table [default: the incident file's name].
    pub title: Option<String>,
}

/// Knox band breaks as a user writes them (`0,100,200,Inf`): numbers, or `Inf` /
/// `Infinity` (any case) for a "beyond" band after the last finite break, as NearRepeat
/// writes it. The breaks themselves are checked by [`KnoxParams`].
///
/// ```
/// use crimescape::study::repeats::parse_breaks;
///
/// assert_eq!(parse_breaks("space_breaks", &["0", " 100", "inf"])?, [0.0, 100.0, f64::INFINITY]);
/// assert!(parse_breaks("time_breaks", &["0", "a week"]).is_err());
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParam`](crate::Error::InvalidParam) on `param` for a value that is
/// not a number.
pub fn parse_breaks(param: &'static str, values: &[impl AsRef<str>]) -> Result<Vec<f64>> {
    values
        .iter()
        .map(|s| {
            let s = s.as_ref().trim();
            match s.to_ascii_lowercase().as_str() {
                "inf" | "infinity" => Ok(f64::INFINITY),
                _ => s.parse::<f64>().map_err(|_| {
                    crate::Error::invalid_param(param, format!("{s:?}"), "not a number (or Inf)")
                }),
            }
        })
        .collect()
}

/// Near Repeat Calculator style bands `BANDWIDTH,N`: `N` bands of `BANDWIDTH` (metres
/// or days) and a "beyond" band ([`knox::nrc_space_breaks`], [`knox::nrc_time_breaks`]).
///
/// ```
/// use crimescape::study::repeats::NrcBands;
///
/// let b: NrcBands = "100, 3".parse()?;
/// assert_eq!(b.space_breaks()?, [0.0, 1.0, 100.0, 200.0, 300.0, f64::INFINITY]);
/// assert_eq!(b.time_breaks()?, [0.0, 100.0, 200.0, 300.0, f64::INFINITY]);
/// # Ok::<(), crimescape::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NrcBands {
    /// Width of each band.
    pub bandwidth: f64,
    /// Number of bands before the "beyond" band.
    pub n: usize,
}

impl NrcBands {
    /// Parses `BANDWIDTH,N`, naming `param` in the error.
    ///
    /// # Errors
    /// [`Error::InvalidParam`](crate::Error::InvalidParam) on `param` when `s` is not
    /// two numbers (the second a count) separated by a comma.
    pub fn parse(param: &'static str, s: &str) -> Result<NrcBands> {
        let bad = || crate::Error::invalid_param(param, format!("{s:?}"), "expected BANDWIDTH,N");
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [bw, n] = parts[..] else {
            return Err(bad());
        };
        Ok(NrcBands {
            bandwidth: bw.parse().map_err(|_| bad())?,
            n: n.parse().map_err(|_| bad())?,
        })
    }

    /// The spatial breaks: a "same location" band [0, 1) m, the bands, "beyond".
    ///
    /// # Errors
    /// As [`knox::nrc_space_breaks`].
    pub fn space_breaks(&self) -> Result<Vec<f64>> {
        knox::nrc_space_breaks(self.bandwidth, self.n)
    }

    /// The temporal breaks in days: the bands, "beyond".
    ///
    /// # Errors
    /// As [`knox::nrc_time_breaks`].
    pub fn time_breaks(&self) -> Result<Vec<f64>> {
        knox::nrc_time_breaks(self.bandwidth, self.n)
    }
}

/// `BANDWIDTH,N` ([`NrcBands::parse`] naming `nrc`).
impl std::str::FromStr for NrcBands {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<NrcBands> {
        NrcBands::parse("nrc", s)
    }
}

/// The Knox test: `knox.csv`, `knox.json`, `knox.png`.
#[derive(Debug, Clone)]
pub struct NearRepeatStudy {
    /// Settings.
    pub params: NearRepeatParams,
    /// The test.
    pub result: KnoxResult,
    /// What an event is.
    pub label: String,
    /// Title of the heat table.
    pub title: String,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// The label for the summary: the single category, or "incident".
pub fn default_label(inc: &Incidents) -> String {
    let used: std::collections::BTreeSet<u32> = inc.category.iter().copied().collect();
    if used.len() == 1 {
        if let Some(name) = inc.category_name(0) {
            return name.replace('_', " ").to_lowercase();
        }
    }
    "incident".into()
}

/// Prepares the incidents' occurrence windows for the Knox test of `knox` by `rule`
/// ([`crate::when::window_rule::knox_incidents`]: windows longer than the first time
/// band are left out or replaced by their midpoint). When any window changed, the
/// change is recorded in the input's provenance and returned in words.
///
/// # Errors
/// As [`crate::when::window_rule::knox_incidents`].
pub fn knox_windows(
    input: &mut IncidentInput,
    knox: &KnoxParams,
    rule: crate::when::WindowRule,
) -> Result<Option<String>> {
    let first = crate::when::window_rule::first_band_days(&knox.time_breaks)?;
    let (inc, wr) = crate::when::window_rule::knox_incidents(&input.incidents, first, rule)?;
    input.incidents = inc;
    if wr.midpoint_short + wr.midpoint_long + wr.excluded_long == 0 {
        return Ok(None);
    }
    if let Some(s) = &mut input.source {
        s.reading.push(wr.describe());
    }
    Ok(Some(wr.describe()))
}

/// Runs the Knox near-repeat test (NearRepeat semantics) on the incidents.
///
/// ```
/// use crimescape::{generate_demo as generate, DemoParams, KnoxParams};
/// use crimescape::study::{repeats, IncidentInput};
///
///let city = generate(&DemoParams::new(1).incidents(3000).size(3000.0))?;
/// let input = IncidentInput::in_memory(city.incidents);
/// let p = repeats::NearRepeatParams {
///     knox: KnoxParams::new(vec![0.0, 100.0, 200.0], vec![0.0, 7.0, 14.0]).nrep(99).seed(1),
///     label: None,
///     title: None,
/// };
/// let r = repeats::near_repeat(&input, &p)?;
/// assert_eq!(r.result.n_events, 3000);
/// // the planted near-repeat chains: more close pairs than chance in [0, 100) m x [0, 7) days
/// let close = r.result.observed[0][0] as f64;
/// assert!(close > r.result.analytic.expected[0][0], "{close}");
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn near_repeat(input: &IncidentInput, p: &NearRepeatParams) -> Result<NearRepeatStudy> {
    let inc = &input.incidents;
    let result = knox::knox(inc, &p.knox)?;
    let provenance = Provenance::of(&p.knox)
        .with_inputs(input.inputs())
        .with_seed(p.knox.seed)
        .with_crs(&inc.crs);
    Ok(NearRepeatStudy {
        params: p.clone(),
        result,
        label: p.label.clone().unwrap_or_else(|| default_label(inc)),
        title: p.title.clone().unwrap_or_else(|| file_name(input)),
        provenance,
    })
}

impl NearRepeatStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        ["knox.csv", "knox.json", "knox.png"]
            .map(String::from)
            .to_vec()
    }

    /// What the run counted, for the terminal (stderr).
    pub fn run_text(&self) -> String {
        let r = &self.result;
        let mut s = format!(
            "Knox test: {} events ({} without time, {} too coarse excluded), {} pairs, {} close pairs stored ({:.1} MB), {} permutations\n",
            r.n_events,
            r.excluded_missing_time,
            r.excluded_coarse_time,
            r.n_pairs,
            r.close_pairs,
            r.close_pair_bytes as f64 / 1e6,
            self.params.knox.nrep,
        );
        for w in &r.warnings {
            s.push_str(&format!("  warning: {w}\n"));
        }
        s
    }

    /// The table and the summary sentence.
    pub fn summary_text(&self) -> String {
        format!(
            "{}{}\n",
            self.result.to_text(),
            self.result.summary(&self.label)
        )
    }
}

impl Export for NearRepeatStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, p) = (&self.result, &self.params.knox);
        out.provenance(self.provenance.clone());
        let sig = r.significant(knox::RATIO_THRESHOLD, knox::ALPHA);
        let nl = r.time_labels.len();
        let f = |v: f64| Cell::String(knox::fmt_num(v));
        let cells = r.cells();
        let t = table(
            [
                "s_band",
                "t_band",
                "s_lo",
                "s_hi",
                "t_lo",
                "t_hi",
                "observed",
                "expected",
                "expected_median",
                "knox_ratio",
                "p_value",
                "significant",
                "expected_analytic",
                "knox_ratio_analytic",
                "p_poisson",
            ]
            .iter()
            .enumerate()
            .map(|(k, n)| match k {
                0 | 1 => Column::text(*n),
                6 => Column::int(*n),
                11 => Column::bool(*n),
                _ => Column::float(*n),
            })
            .collect(),
            |sink| {
                for (k, c) in cells.iter().enumerate() {
                    sink.row(&[
                        Cell::Str(&c.s_band),
                        Cell::Str(&c.t_band),
                        f(c.s_lo),
                        f(c.s_hi),
                        f(c.t_lo),
                        f(c.t_hi),
                        Cell::Int(c.observed as i64),
                        f(c.expected),
                        f(c.expected_median),
                        f(c.knox_ratio),
                        f(c.p_value),
                        Cell::Bool(sig[k / nl][k % nl]),
                        f(c.expected_analytic),
                        f(c.knox_ratio_analytic),
                        f(c.p_poisson),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("knox.csv", &t)?;
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("summary".into(), r.summary(&self.label).into());
        }
        out.json("knox.json", &v)?;
        let (kr, _) = r.ratio_and_p();
        let values: Vec<Vec<f64>> = kr
            .iter()
            .map(|row| {
                row.iter()
                    .map(|x| if x.is_finite() { *x } else { f64::NAN })
                    .collect()
            })
            .collect();
        let fig = Figure::HeatTable(HeatTable {
            values,
            marked: sig,
            rows: r.space_labels.clone(),
            cols: r.time_labels.clone(),
            centre: 1.0,
            log_ratio: true,
            title: vec![
                "Knox ratios".to_string(),
                self.title.clone(),
                format!(
                    "{}, {} distance, {} events",
                    if r.permutation.is_some() {
                        format!("{} permutations (seed {})", p.nrep, p.seed)
                    } else {
                        "analytic expectation".into()
                    },
                    r.metric.name(),
                    r.n_events,
                ),
                format!(
                    "bold: ratio >= {} and p < {}",
                    knox::RATIO_THRESHOLD,
                    knox::ALPHA
                ),
            ],
            corner: "metres \\ days".into(),
        });
        out.figure("knox.png", &fig)
    }
}

// ---------------------------------------------------------------- exact repeats

/// Settings of [`exact_repeats`].
#[derive(Debug, Clone, Serialize)]
pub struct RepeatStudyParams {
    /// Places, tolerance, aggregation cell, suppression.
    pub repeats: ExactRepeatParams,
    /// Also write the `top` exact repeat locations (identifies households: internal
    /// use only).
    pub exact_locations: bool,
    /// Locations written with `exact_locations`.
    pub top: usize,
}

/// Exact repeats: `repeats.json`, `repeat_counts.csv`, `time_between.csv`,
/// `time_between.png`, `repeat_cells.geojson` (cells with at least `min_count` repeat
/// locations) and, on request, `repeat_locations.geojson`.
#[derive(Debug, Clone)]
pub struct RepeatStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// Settings.
    pub params: RepeatStudyParams,
    /// The repeats.
    pub result: ExactRepeats,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Finds incidents at the same place.
pub fn exact_repeats<'a>(
    input: &'a IncidentInput,
    p: &RepeatStudyParams,
) -> Result<RepeatStudy<'a>> {
    let result = exact::exact_repeats(&input.incidents, &p.repeats)?;
    let provenance = Provenance::of(&p.repeats)
        .with_inputs(input.inputs())
        .with_crs(&input.incidents.crs);
    Ok(RepeatStudy {
        input,
        params: p.clone(),
        result,
        provenance,
    })
}

impl RepeatStudy<'_> {
    /// The files written.
    pub fn files(p: &RepeatStudyParams) -> Vec<String> {
        let mut v: Vec<String> = [
            "repeats.json",
            "repeat_counts.csv",
            "time_between.csv",
            "time_between.png",
            "repeat_cells.geojson",
        ]
        .map(String::from)
        .to_vec();
        if p.exact_locations {
            v.push("repeat_locations.geojson".into());
        }
        v
    }

    /// A note when the exact locations are withheld.
    pub fn note(&self) -> Option<String> {
        let p = &self.params.repeats;
        (!self.params.exact_locations).then(|| {
            let (_, suppressed) = self.result.cells(p.min_count);
            format!(
                "  exact repeat locations not written (aggregated to {} m cells, {} cell(s) with < {} locations suppressed); write them (`exact_locations`) for internal use only",
                p.cell, suppressed, p.min_count
            )
        })
    }
}

impl Export for RepeatStudy<'_> {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, p) = (&self.result, &self.params.repeats);
        let inc = &self.input.incidents;
        out.provenance(self.provenance.clone());
        let (cells, suppressed) = r.cells(p.min_count);
        // summary JSON: never the locations themselves
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        // public: places of fewer than k incidents form one row "<k" (one row per small count would give each one)
        let kp = out.public_min_count().map_or(0, |k| k as usize);
        let small: usize = r
            .count_distribution
            .iter()
            .filter(|d| d.0 < kp)
            .map(|d| d.1)
            .sum();
        let dist: Vec<(Cell<'static>, usize)> = (small > 0)
            .then(|| (Cell::String(format!("<{kp}")), small))
            .into_iter()
            .chain(
                r.count_distribution
                    .iter()
                    .filter(|d| d.0 >= kp)
                    .map(|d| (Cell::count(d.0), d.1)),
            )
            .collect();
        if let (Value::Object(m), true) = (&mut v, kp > 0) {
            let d: Vec<Value> = (small > 0)
                .then(|| json!([format!("<{kp}"), small]))
                .into_iter()
                .chain(
                    r.count_distribution
                        .iter()
                        .filter(|d| d.0 >= kp)
                        .map(|d| json!([d.0, d.1])),
                )
                .collect();
            m.insert("count_distribution".into(), Value::Array(d));
        }
        if let Value::Object(m) = &mut v {
            m.remove("locations");
            m.insert("cells_written".into(), cells.len().into());
            m.insert("cells_suppressed".into(), suppressed.into());
            m.insert("min_count".into(), p.min_count.into());
        }
        out.json("repeats.json", &v)?;
        let t = table(
            vec![Column::int("incidents_at_place"), Column::int("places")],
            |sink| {
                for (k, c) in &dist {
                    sink.row(&[k.clone(), Cell::count(*c)])?;
                }
                Ok(())
            },
        );
        out.table("repeat_counts.csv", &t)?;
        let hist = r.gap_histogram(7.0, 182.0);
        let t = table(
            vec![Column::text("from_days"), Column::float("repeats")],
            |sink| {
                for (l, c) in &hist {
                    sink.row(&[Cell::Str(l), Cell::Float(*c)])?;
                }
                Ok(())
            },
        );
        out.table("time_between.csv", &t)?;
        let fig = Figure::BarPlot {
            bars: hist.clone(),
            options: PlotOptions {
                title: vec![
                    "Time between repeats at the same place".into(),
                    format!(
                        "{} gaps at {} repeat locations ({}); weekly bins",
                        r.gaps_days.len(),
                        r.repeat_locations,
                        r.grouping
                    ),
                ],
                x_label: "days since the previous incident at the place".into(),
                y_label: "repeats".into(),
                ..Default::default()
            },
        };
        out.figure("time_between.png", &fig)?;
        if let Some(grid) = &r.grid {
            let f = features(&inc.crs.working, |sink| {
                for c in &cells {
                    sink.feature(
                        &geo::Geometry::Polygon(grid.cell_polygon(c.cell)),
                        &[
                            ("cell", Cell::count(c.cell)),
                            ("repeat_locations", Cell::count(c.repeat_locations)),
                            ("incidents", Cell::count(c.incidents)),
                            ("cell_m", Cell::Float(grid.cell)),
                        ],
                    )?;
                }
                Ok(())
            });
            out.features("repeat_cells.geojson", &f)?;
        }
        if self.params.exact_locations {
            let f = features(&inc.crs.working, |sink| {
                for (k, l) in r.locations.iter().take(self.params.top).enumerate() {
                    let rows = json!(l.members.iter().map(|&i| inc.row[i]).collect::<Vec<_>>());
                    sink.feature(
                        &geo::Geometry::Point(geo::Point::new(l.xy[0], l.xy[1])),
                        &[
                            ("rank", Cell::count(k + 1)),
                            ("incidents", Cell::count(l.count)),
                            ("rows", Cell::Json(std::borrow::Cow::Owned(rows))),
                            (
                                "address",
                                l.address.as_deref().map_or(Cell::Null, Cell::Str),
                            ),
                            ("min_gap_days", Cell::some(l.min_gap_days)),
                        ],
                    )?;
                }
                Ok(())
            });
            out.features("repeat_locations.geojson", &f)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- chains

/// Settings of [`chains`](fn@chain_study).
#[derive(Debug, Clone, Serialize)]
pub struct ChainStudyParams {
    /// Links, metric, permutations.
    pub chains: ChainParams,
    /// Chains drawn on the map.
    pub top: usize,
    /// Write exact member coordinates (default: snapped to the centres of a 50 m grid).
    pub exact_locations: bool,
}

/// Near-repeat chains: `chains.json`, `chain_lengths.csv`, `chains.geojson`,
/// `chains.png`.
#[derive(Debug, Clone)]
pub struct ChainStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// Settings.
    pub params: ChainStudyParams,
    /// The chains.
    pub result: ChainResult,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Links events within a distance and a time into chains and compares the chain
/// lengths with those under permuted times.
pub fn chain_study<'a>(input: &'a IncidentInput, p: &ChainStudyParams) -> Result<ChainStudy<'a>> {
    let result = chains::near_repeat_chains(&input.incidents, &p.chains)?;
    let provenance = Provenance::of(&p.chains)
        .with_inputs(input.inputs())
        .with_seed(p.chains.seed)
        .with_crs(&input.incidents.crs);
    Ok(ChainStudy {
        input,
        params: p.clone(),
        result,
        provenance,
    })
}

impl ChainStudy<'_> {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "chains.json",
            "chain_lengths.csv",
            "chains.geojson",
            "chains.png",
        ]
        .map(String::from)
        .to_vec()
    }

    /// Warnings of the run.
    pub fn warnings(&self) -> &[String] {
        &self.result.warnings
    }

    fn snap(&self, q: [f64; 2]) -> [f64; 2] {
        if self.params.exact_locations {
            q
        } else {
            let s = 50.0;
            [
                ((q[0] / s).floor() + 0.5) * s,
                ((q[1] / s).floor() + 0.5) * s,
            ]
        }
    }

    fn day_str(&self, d: f64) -> String {
        crate::time::format(
            (d * crate::time::DAY as f64) as i64,
            self.result.time_unit.max(crate::TimePrecision::Minute),
        )
    }
}

impl Export for ChainStudy<'_> {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, p) = (&self.result, &self.params);
        let inc = &self.input.incidents;
        out.provenance(self.provenance.clone());
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            // members as source rows, not coordinates
            let ch: Vec<Value> = r
                .chains
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    json!({
                        "chain": k + 1,
                        "length": c.length,
                        "originator_row": inc.row[c.originator],
                        "member_rows": c.members.iter().map(|&i| inc.row[i]).collect::<Vec<_>>(),
                        "start": self.day_str(c.start_day),
                        "duration_days": c.duration_days,
                        "extent_m": c.extent_m,
                        "max_from_originator_m": c.max_from_originator_m,
                    })
                })
                .collect();
            m.insert("chains".into(), Value::Array(ch));
        }
        out.json("chains.json", &v)?;
        let t = table(
            vec![
                Column::text("length"),
                Column::int("observed"),
                Column::float("expected"),
                Column::float("p_value"),
            ],
            |sink| {
                for l in r.length_distribution.iter().chain([
                    &r.n_chains,
                    &r.events_in_chains_null,
                    &r.max_length,
                ]) {
                    sink.row(&[
                        Cell::Str(&l.length),
                        Cell::Int(l.observed as i64),
                        Cell::Float(l.expected),
                        Cell::Float(l.p_value),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("chain_lengths.csv", &t)?;
        // a line per chain through its members in time order + member points
        let line_of = |c: &chains::Chain| {
            geo::Geometry::LineString(geo::LineString::new(
                c.members
                    .iter()
                    .map(|&i| {
                        let q = self.snap(inc.xy[i]);
                        geo::Coord { x: q[0], y: q[1] }
                    })
                    .collect(),
            ))
        };
        let f = features(&inc.crs.working, |sink| {
            for (k, c) in r.chains.iter().enumerate() {
                let start = self.day_str(c.start_day);
                sink.feature(
                    &line_of(c),
                    &[
                        ("chain", Cell::count(k + 1)),
                        ("length", Cell::count(c.length)),
                        ("start", Cell::Str(&start)),
                        ("duration_days", Cell::Float(c.duration_days)),
                        ("extent_m", Cell::Float(c.extent_m)),
                    ],
                )?;
                for (o, &i) in c.members.iter().enumerate() {
                    let q = self.snap(inc.xy[i]);
                    sink.feature(
                        &geo::Geometry::Point(geo::Point::new(q[0], q[1])),
                        &[
                            ("chain", Cell::count(k + 1)),
                            ("order", Cell::count(o + 1)),
                            ("originator", Cell::Bool(o == 0)),
                            ("row", Cell::Int(inc.row[i] as i64)),
                        ],
                    )?;
                }
            }
            Ok(())
        });
        out.features("chains.geojson", &f)?;
        // map: incident counts per cell with the longest chains on top
        if let Some(bbox) = inc.bbox() {
            if let Ok(cell) = Grid::default_cell_size(bbox) {
                let grid = Grid::covering(bbox, cell)?;
                let counts = grid.counts(&inc.xy);
                let lines: Vec<geo::Geometry<f64>> =
                    r.chains.iter().take(p.top).map(line_of).collect();
                let options = MapOptions {
                    title: vec![
                        format!("Near-repeat chains: the {} longest", lines.len().min(p.top)),
                        format!(
                            "links within {} m and {} days; {} chains, {} events",
                            p.chains.distance,
                            p.chains.days,
                            r.chains.len(),
                            r.events_in_chains
                        ),
                    ],
                    legend: format!("incidents per {cell} m cell"),
                    scale: render::auto_scale(&counts, true),
                    overlays: vec![Overlay {
                        geometries: lines,
                        colour: [220, 30, 30, 255],
                        width: 2.0,
                    }],
                    ..Default::default()
                };
                out.figure(
                    "chains.png",
                    &Figure::grid_map(grid, counts, options)
                        .with_role(crate::export::Role::Count)
                        .with_incident_overlays(&[0]),
                )?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- promap

/// Prospective hot spot map for a date, evaluated on the following days next to a
/// plain KDE: `promap.json`, `accuracy.csv`, `promap.png`, `kde.png`.
#[derive(Debug, Clone)]
pub struct PromapStudy {
    /// Settings.
    pub params: PromapParams,
    /// Surfaces and accuracy.
    pub result: PromapResult,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// The promap surface for `p.at` from the incidents before it.
pub fn promap_study(input: &IncidentInput, p: &PromapParams) -> Result<PromapStudy> {
    let result = promap::promap(&input.incidents, p)?;
    let provenance = Provenance::of(p)
        .with_inputs(input.inputs())
        .with_crs(&input.incidents.crs);
    Ok(PromapStudy {
        params: p.clone(),
        result,
        provenance,
    })
}

impl PromapStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        ["promap.json", "accuracy.csv", "promap.png", "kde.png"]
            .map(String::from)
            .to_vec()
    }
}

impl Export for PromapStudy {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, p) = (&self.result, &self.params);
        out.provenance(self.provenance.clone());
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.remove("promap");
            m.remove("kde");
            m.insert(
                "params".into(),
                serde_json::to_value(p).unwrap_or(Value::Null),
            );
        }
        out.json("promap.json", &v)?;
        let t = table(
            vec![
                Column::text("method"),
                Column::float("horizon_days"),
                Column::float("coverage"),
                Column::int("n_test"),
                Column::int("hits"),
                Column::float("hit_rate"),
                Column::float("pai"),
            ],
            |sink| {
                for a in &r.accuracy {
                    sink.row(&[
                        Cell::Str(&a.method),
                        Cell::Float(a.horizon_days),
                        Cell::Float(a.coverage),
                        Cell::count(a.n_test),
                        Cell::count(a.hits),
                        Cell::Float(a.hit_rate),
                        Cell::Float(a.pai),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("accuracy.csv", &t)?;
        let date = crate::time::format(p.at, crate::TimePrecision::Day);
        for (name, surf, legend) in [
            ("promap", &r.promap, "promap risk (weighted recent events)"),
            ("kde", &r.kde, "quartic KDE (per m2)"),
        ] {
            let options = MapOptions {
                title: vec![
                    format!(
                        "{} surface for {date}",
                        if name == "kde" {
                            "KDE"
                        } else {
                            "Prospective (promap)"
                        }
                    ),
                    if name == "kde" {
                        format!(
                            "{} events before {date}, h = {} m",
                            r.n_history, p.kde_bandwidth_m
                        )
                    } else {
                        format!(
                            "{} events in the {} days before, {} m bandwidth",
                            r.n_recent, p.bandwidth_days, p.bandwidth_m
                        )
                    },
                ],
                legend: legend.into(),
                scale: render::auto_scale(surf, true),
                ..Default::default()
            };
            out.figure(
                &format!("{name}.png"),
                &Figure::grid_map(r.grid, surf.clone(), options),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
