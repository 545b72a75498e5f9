//! Whole studies: load → analyse → results that write themselves.
//!
//! Each command of the `crimescape` binary is one library call here, so a researcher
//! runs the same study in a few lines and gets the same files:
//!
//! ```no_run
//! use crimescape::{Export, OutputOptions, Outputs};
//! use crimescape::study::{hotspots, IncidentInput};
//!
//! let input = hotspots::HotspotInput::new(IncidentInput::load("burglaries.csv", &Default::default())?);
//! let params = hotspots::GiStarStudyParams::default();
//! let mut out = Outputs::folder("gistar", &OutputOptions::default())?;
//! out.plan(hotspots::GiStarStudy::files(&params))?;
//! hotspots::gistar(&input, &params)?.write(&mut out)?;
//! out.commit()?;
//! # Ok::<(), crimescape::Error>(())
//! ```
//!
//! Every study keeps the record of its inputs ([`InputFile`]: path, rows, SHA-256) so
//! the provenance beside each output names the real files it came from.

use std::path::Path;

use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::export::InputFile;
use crate::io::{LayerOptions, LayerReport, LoadOptions, LoadReport};
use crate::layer::{Incidents, Layer};

pub mod accuracy;
pub mod assess;
pub mod clusters;
pub mod evaluate;
pub mod global;
pub mod hotspots;
pub mod info;
pub mod kplot;
mod layer_spec;
pub mod load;
pub mod network;
pub mod pattern;
pub mod proximity;
pub mod repeats;
pub mod risk;
pub mod segments;
pub mod settings;
pub mod setup;
pub mod sites;
pub mod when;

pub use layer_spec::LayerSpec;

/// Incidents for a study, with the record of the file they came from.
#[derive(Debug, Clone)]
pub struct IncidentInput {
    /// The incidents (in the working CRS).
    pub incidents: Incidents,
    /// The load report (rows read, rejected by reason, CRS), when read from a file.
    pub report: Option<LoadReport>,
    /// The input record for provenance (`None` for incidents made in memory).
    pub source: Option<InputFile>,
    /// Time zone of the incidents' clock times: studies use it for sun times (the
    /// night shares of the temporal signature columns); `None`: no night shares.
    pub time_zone: Option<crate::when::TimeZone>,
}

impl IncidentInput {
    /// Sets the time zone of the clock times.
    pub fn with_time_zone(mut self, tz: Option<crate::when::TimeZone>) -> Self {
        self.time_zone = tz;
        self
    }

    /// Loads incidents from a file ([`crate::load_incidents`]).
    pub fn load(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Self> {
        let (incidents, report) = crate::io::load_incidents(path, opts)?;
        Ok(IncidentInput::loaded(incidents, report, "incidents"))
    }

    /// Incidents already loaded from a file, with their report; `role` names them in
    /// provenance ("incidents", "test incidents", ...).
    pub fn loaded(incidents: Incidents, report: LoadReport, role: &str) -> Self {
        let mut source = InputFile::incidents(role, &report);
        source.period = incidents_period(&incidents);
        let source = Some(source);
        IncidentInput {
            incidents,
            report: Some(report),
            source,
            time_zone: None,
        }
    }

    /// Incidents made in memory (no input file).
    pub fn in_memory(incidents: Incidents) -> Self {
        IncidentInput {
            incidents,
            report: None,
            source: None,
            time_zone: None,
        }
    }

    /// The input records (empty for incidents made in memory).
    pub fn inputs(&self) -> Vec<InputFile> {
        self.source.iter().cloned().collect()
    }

    /// Rows read and accepted (the incidents' count for incidents made in memory).
    pub fn counts(&self) -> (u64, u64) {
        match &self.report {
            Some(r) => (r.rows_read, r.accepted),
            None => (self.incidents.len() as u64, self.incidents.len() as u64),
        }
    }

    /// An error when there is no incident to analyse.
    pub fn require_some(&self) -> Result<()> {
        if self.incidents.is_empty() {
            let what = self
                .source
                .as_ref()
                .map_or_else(|| "the incidents".to_string(), |s| s.path.clone());
            return Err(Error::EmptyInput {
                input: what,
                reason: "no incident left to analyse".into(),
            });
        }
        Ok(())
    }
}

/// A layer for a study, with the record of the file it came from.
///
/// A layer loaded from a file keeps the loader's warnings (e.g. invalid polygons
/// repaired) in its input record, where provenance shows them; a front end prints
/// them from [`StudyLayer::warnings`].
#[derive(Debug, Clone)]
pub struct StudyLayer {
    /// The layer (in the working CRS).
    pub layer: Layer,
    /// The input record for provenance (`None` for layers made in memory).
    pub source: Option<InputFile>,
}

impl StudyLayer {
    /// Loads a layer ([`crate::load_layer`]); `role` names it in provenance.
    pub fn load(path: impl AsRef<Path>, opts: &LayerOptions, role: &str) -> Result<Self> {
        let (layer, report) = crate::io::load_layer(path, opts)?;
        Ok(StudyLayer::loaded(layer, &report, role))
    }

    /// A layer already loaded from a file; the report's warnings are kept in the input
    /// record (`WARNING: …` lines of [`InputFile::reading`], as an incident file's).
    pub fn loaded(layer: Layer, report: &LayerReport, role: &str) -> Self {
        let mut source = InputFile::layer(role, report);
        source.reading.extend(
            report
                .warnings
                .iter()
                .map(|w| format!("{LAYER_WARNING}{w}")),
        );
        StudyLayer {
            layer,
            source: Some(source),
        }
    }

    /// The loader's warnings about this layer's file (none for a layer made in
    /// memory): the data are probably not what was meant, but the load went on.
    ///
    /// ```no_run
    /// use crimescape::study::StudyLayer;
    ///
    /// let l = StudyLayer::load("areas.geojson", &Default::default(), "treatment")?;
    /// for w in l.warnings() {
    ///     eprintln!("WARNING: {}: {w}", l.label());
    /// }
    /// # Ok::<(), crimescape::Error>(())
    /// ```
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.source
            .iter()
            .flat_map(|s| s.reading.iter())
            .filter_map(|r| r.strip_prefix(LAYER_WARNING))
    }

    /// A layer made in memory (no input file).
    pub fn in_memory(layer: Layer) -> Self {
        StudyLayer {
            layer,
            source: None,
        }
    }

    /// The layer's file as recorded (its path), else its name.
    pub fn label(&self) -> String {
        self.source
            .as_ref()
            .map_or_else(|| self.layer.name.clone(), |s| s.path.clone())
    }

    /// The polygons of a boundary layer (multipolygons split into their parts).
    ///
    /// # Errors
    /// [`Error::EmptyInput`] when the layer holds no polygon.
    pub fn boundary_polygons(&self) -> Result<Vec<geo::Polygon<f64>>> {
        let polys = crate::pattern::StudyArea::polygons_of(&self.layer.geometries);
        if polys.is_empty() {
            return Err(Error::EmptyInput {
                input: self.label(),
                reason: "no polygon in the boundary file".into(),
            });
        }
        Ok(polys)
    }
}

/// The prefix of a warning line in an input record's `reading`.
const LAYER_WARNING: &str = "WARNING: ";

/// Options of a layer file in a study's working CRS.
pub fn layer_options(crs: Option<Crs>, target: &Crs) -> LayerOptions {
    LayerOptions {
        crs,
        target: Some(target.clone()),
        name: None,
        filters: Vec::new(),
    }
}

/// sfhotspot's automatic period length in days, from the incidents' time span:
/// ≤ 14 days → 1, ≤ 91 → 7, ≤ 732 → 28, ≤ 3653 → 91, else 365.
pub fn auto_period_days(inc: &Incidents) -> Result<i64> {
    let (a, b) = inc.time_range().ok_or_else(|| Error::EmptyInput {
        input: "incidents".into(),
        reason: "no incident has a time".into(),
    })?;
    let span = (b - a) as f64 / crate::time::DAY as f64;
    Ok(if span <= 14.0 {
        1
    } else if span <= 91.0 {
        7
    } else if span <= 732.0 {
        28
    } else if span <= 3653.0 {
        91
    } else {
        365
    })
}

/// A file-name-safe form of a name: ASCII letters, digits, `-` and `_` kept, the rest
/// `_`; `fallback` when nothing is left.
pub fn slug(s: &str, fallback: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.is_empty() {
        fallback.into()
    } else {
        t
    }
}

/// A grid for background maps of points: half the sfhotspot cell size, degenerate
/// extents padded by 50 m.
pub fn background_grid(bbox: [f64; 4]) -> Result<crate::grid::Grid> {
    let mut b = bbox;
    if b[2] - b[0] < 1.0 || b[3] - b[1] < 1.0 {
        b = [b[0] - 50.0, b[1] - 50.0, b[2] + 50.0, b[3] + 50.0];
    }
    let cell = crate::grid::Grid::default_cell_size(b)? / 2.0;
    crate::grid::Grid::covering(b, cell)
}

/// First and last day of the incidents' time windows ("2024-01-01 to 2024-12-31"),
/// `None` when no incident has a time (issue 14: the source line of maps).
pub fn incidents_period(inc: &Incidents) -> Option<String> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for (k, t) in inc.time.iter().enumerate() {
        if let Some(t) = t {
            let len = inc.window_len.get(k).copied().unwrap_or(0) as i64;
            lo = lo.min(*t);
            hi = hi.max(t.saturating_add(len.saturating_sub(1).max(0)));
        }
    }
    (lo <= hi).then(|| {
        let day = |s| crate::time::format(s, crate::TimePrecision::Day);
        format!("{} to {}", day(lo), day(hi))
    })
}

// -- incident loading for a study: time filter, terminal lines, rejected rows
// (issue 13: moved from the binary) --

/// Applies a time filter to loaded incidents (the library's half-window rule,
/// [`crate::when::incidents::filter_incidents`]) and records it in the load report:
/// the incidents removed (and those without a time) count as filtered out, and
/// `accepted` becomes the number kept. An all-pass filter returns the input unchanged.
///
/// # Errors
/// As [`crate::when::incidents::filter_incidents`] (e.g. a night filter without a
/// time zone).
pub fn filter_by_time(
    inc: Incidents,
    mut rep: LoadReport,
    filter: &crate::when::TimeFilter,
    tz: Option<&crate::when::TimeZone>,
) -> Result<(Incidents, LoadReport)> {
    if filter.is_all() {
        return Ok((inc, rep));
    }
    let (kept, frep) = crate::when::incidents::filter_incidents(
        &inc,
        filter,
        tz,
        crate::when::SunParams::default(),
    )?;
    rep.filtered_out += (frep.removed + frep.without_time) as u64;
    rep.filtered_without_time += frep.without_time as u64;
    rep.accepted = kept.len() as u64;
    rep.time_filter = Some(frep);
    Ok((kept, rep))
}

/// A load report as lines for the terminal: the summary (with up to `examples`
/// rejected rows per reason), the CRS (input, source, working, why), the notes and
/// the time filter. Warnings are not included (a front end shows them even when quiet).
pub fn load_lines(rep: &LoadReport, examples: usize) -> Vec<String> {
    let mut lines = vec![
        rep.summary(examples),
        format!(
            "  CRS: {} ({}) -> {} ({})",
            rep.crs.input, rep.crs.input_source, rep.crs.working, rep.crs.reason
        ),
    ];
    lines.extend(rep.notes.iter().map(|n| format!("  note: {n}")));
    if let Some(f) = &rep.time_filter {
        lines.push(format!("  note: {}", f.describe()));
    }
    lines
}

/// Writes the rejected rows of a load to `out` (CSV) with their raw fields, read back
/// from the loaded file where the report did not keep them (CSV: the file's header and
/// fields; GeoJSON: the feature as one field `feature`; other formats: what the report
/// holds). `opts` are the options of the load (delimiter, encoding).
///
/// # Errors
/// Reading the file again, or writing `out` (an existing file without `force`).
pub fn write_rejects(rep: &LoadReport, out: &Path, opts: &LoadOptions, force: bool) -> Result<()> {
    let mut rep = rep.clone();
    let missing: std::collections::BTreeSet<u64> = rep
        .rejections
        .iter()
        .filter(|r| r.raw.is_empty())
        .map(|r| r.row)
        .collect();
    let header = if rep.format == "csv" {
        let (header, raw) = crate::io::csv::raw_records(&rep.path, opts, &missing)?;
        for r in &mut rep.rejections {
            if r.raw.is_empty() {
                if let Some(v) = raw.get(&r.row) {
                    r.raw = v.clone();
                }
            }
        }
        header
    } else {
        if rep.format == "geojson" {
            let raw = crate::io::geojson::raw_features(&rep.path, &missing)?;
            for r in &mut rep.rejections {
                if r.raw.is_empty() {
                    if let Some(v) = raw.get(&r.row) {
                        r.raw = vec![v.clone()];
                    }
                }
            }
        }
        vec!["feature".to_string()]
    };
    rep.write_rejects(out, &header, force)
}

#[cfg(test)]
mod load_tests {
    //! `filter_by_time`, `load_lines`, `write_rejects` and [`load::IncidentLoad`] on a
    //! small CSV with a night incident, a day incident, one without a time and bad rows.
    use super::*;
    use crate::when::TimeFilter;

    const CSV: &str = "x,y,time,category\n\
        100,100,2024-01-01 23:00,burglary\n\
        110,110,2024-01-01 12:00,theft\n\
        120,120,,theft\n\
        abc,130,2024-01-02 01:00,theft\n\
        140,140,2024-01-03 02:00,theft,extra\n";

    fn file(dir: &tempfile::TempDir) -> std::path::PathBuf {
        let p = dir.path().join("inc.csv");
        std::fs::write(&p, CSV).unwrap();
        p
    }

    fn opts() -> LoadOptions {
        LoadOptions::new().crs(Crs::parse("local-m").unwrap())
    }

    fn load(dir: &tempfile::TempDir) -> (Incidents, LoadReport) {
        crate::io::load_incidents(file(dir), &opts()).unwrap()
    }

    #[test]
    fn filter_by_time_all_pass_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let (inc, rep) = load(&dir);
        let (n, accepted) = (inc.len(), rep.accepted);
        let (kept, rep2) = filter_by_time(inc, rep, &TimeFilter::new(), None).unwrap();
        assert_eq!(kept.len(), n);
        assert_eq!(rep2.accepted, accepted);
        assert_eq!(rep2.filtered_out, 0);
        assert!(rep2.time_filter.is_none());
    }

    #[test]
    fn filter_by_time_counts_removed_and_no_time_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (inc, rep) = load(&dir);
        assert_eq!(inc.len(), 3, "two bad rows rejected: {:?}", rep.rejections);
        let night = TimeFilter::new().with_hours("22-04").unwrap();
        let (kept, rep) = filter_by_time(inc, rep, &night, None).unwrap();
        // 23:00 kept; 12:00 removed; the row without a time cannot pass an hour filter
        assert_eq!(kept.len(), 1);
        assert_eq!(kept.xy[0], [100.0, 100.0]);
        assert_eq!(rep.accepted, 1);
        assert_eq!(rep.filtered_without_time, 1);
        assert_eq!(rep.filtered_out, 2);
        assert!(rep.time_filter.is_some());
    }

    #[test]
    fn filter_by_time_empty_window_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (inc, rep) = load(&dir);
        let morning = TimeFilter::new().with_hours("5-6").unwrap();
        let (kept, rep) = filter_by_time(inc, rep, &morning, None).unwrap();
        assert!(kept.is_empty());
        assert_eq!(rep.accepted, 0);
        assert_eq!(rep.filtered_out, 3);
    }

    #[test]
    fn filter_by_time_night_without_time_zone_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (inc, rep) = load(&dir);
        let night = TimeFilter::new().with_night(true);
        assert!(filter_by_time(inc, rep, &night, None).is_err());
    }

    #[test]
    fn load_lines_summary_crs_and_filter_note() {
        let dir = tempfile::tempdir().unwrap();
        let (inc, rep) = load(&dir);
        let plain = load_lines(&rep, 3);
        assert!(
            plain[0].contains("5 rows read, 3 accepted, 2 rejected"),
            "{plain:?}"
        );
        assert!(plain[1].starts_with("  CRS: "), "{plain:?}");
        assert!(plain.iter().all(|l| !l.contains("hours")));
        let night = TimeFilter::new().with_hours("22-04").unwrap();
        let (_, rep) = filter_by_time(inc, rep, &night, None).unwrap();
        let lines = load_lines(&rep, 3);
        assert_eq!(lines.len(), plain.len() + 1, "{lines:?}");
        assert!(lines.last().unwrap().starts_with("  note: "), "{lines:?}");
    }

    #[test]
    fn write_rejects_raw_fields_and_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let (_, rep) = load(&dir);
        let out = dir.path().join("rejects.csv");
        write_rejects(&rep, &out, &opts(), false).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "a header and two rejected rows: {text}");
        for col in ["row", "reason", "x", "y", "time", "category"] {
            assert!(
                lines[0].split(',').any(|h| h == col),
                "{col} in {}",
                lines[0]
            );
        }
        // the raw fields of the file, read back
        assert!(
            lines[1].contains("abc") && lines[1].contains("130"),
            "{text}"
        );
        assert!(lines[2].contains("140"), "{text}");
        // an existing file is kept without force, replaced with it
        let again = write_rejects(&rep, &out, &opts(), false);
        assert!(
            matches!(again, Err(Error::Exists(_) | Error::OutputsExist { .. })),
            "{again:?}"
        );
        write_rejects(&rep, &out, &opts(), true).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    }

    #[test]
    fn write_rejects_of_a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (_, mut rep) = load(&dir);
        rep.path = dir.path().join("gone.csv");
        let out = dir.path().join("rejects.csv");
        assert!(write_rejects(&rep, &out, &opts(), false).is_err());
        assert!(!out.exists());
    }

    #[test]
    fn incident_load_writes_rejects_even_when_strict_fails() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("rejects.csv");
        let l = load::IncidentLoad::new(opts().strict(true)).rejects(&out);
        assert!(l.load(file(&dir)).is_err());
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[test]
    fn incident_load_filters_and_records_role() {
        let dir = tempfile::tempdir().unwrap();
        let l = load::IncidentLoad::new(opts())
            .time_filter(TimeFilter::new().with_hours("22-04").unwrap());
        let input = l.input(file(&dir), "test incidents").unwrap();
        assert_eq!(input.incidents.len(), 1);
        assert_eq!(input.counts(), (5, 1));
        let working = input.incidents.crs.working.clone();
        assert_eq!(
            l.beside(&working, "test").options.target_crs,
            Some(working.clone())
        );
        // the second file's rejects go beside the first's, named for its role
        let r = l
            .rejects(dir.path().join("rej.csv"))
            .beside(&working, "test");
        assert_eq!(r.rejects, Some(dir.path().join("rej.test.csv")));
    }
}
