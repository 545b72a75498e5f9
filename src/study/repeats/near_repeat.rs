//! The Knox near-repeat study: space-time bands, the Knox table with Monte Carlo
//! p-values, and its heat-table figure (`knox.csv`, `knox.json`, `knox.png`).

use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::export::{table, Cell, Column, Export, Figure, HeatTable, Outputs, Provenance};
use crate::layer::Incidents;
use crate::repeat::knox::{self, KnoxParams, KnoxResult};
use crate::study::IncidentInput;

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

#[cfg(test)]
mod tests;
