//! Loading the inputs of a study as a front end does: the incident file with its
//! time filter and rejected rows, a second incident file beside the first, the context
//! layers of the maps.
//!
//! ```no_run
//! use crimescape::{LoadOptions, TimeFilter};
//! use crimescape::study::load::IncidentLoad;
//!
//!let load = IncidentLoad::new(LoadOptions::new())
//!     .time_filter(TimeFilter::new().with_hours("22-04")?)
//!     .rejects("rejected.csv");
//! let input = load.input("burglaries.csv", "incidents")?;
//! println!("{} incidents", input.incidents.len());
//! # Ok::<(), crimescape::Error>(())
//! ```

use std::path::{Path, PathBuf};

use super::setup::LoadedPoints;
use super::{filter_by_time, write_rejects, IncidentInput};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::{LayerOptions, LayerReport, LoadOptions, LoadReport, WhereFilter};
use crate::layer::Incidents;
use crate::render::ContextLayer;
use crate::when::{TimeFilter, TimeZone};

/// How a study reads an incident file: the loader's options, the time filter
/// (`hours`, `weekdays`, `night`: the half-window rule of
/// [`crate::when::incidents::filter_incidents`]), the time zone of the clock times and
/// where to write the rejected rows.
#[derive(Debug, Clone, Default)]
pub struct IncidentLoad {
    /// The loader's options.
    pub options: LoadOptions,
    /// Time filter applied after loading (all-pass by default).
    pub time_filter: TimeFilter,
    /// Time zone of the clock times (sun times of the night filter and of the
    /// temporal signatures).
    pub time_zone: Option<TimeZone>,
    /// CSV file for every rejected row (row, reason, column, value, raw fields).
    pub rejects: Option<PathBuf>,
    /// Overwrite an existing rejects file.
    pub force: bool,
}

impl IncidentLoad {
    /// Loads with these options, no time filter and no rejects file.
    pub fn new(options: LoadOptions) -> Self {
        IncidentLoad {
            options,
            ..Default::default()
        }
    }

    /// Sets the time filter.
    pub fn time_filter(mut self, f: TimeFilter) -> Self {
        self.time_filter = f;
        self
    }

    /// Sets the time zone of the clock times.
    pub fn time_zone(mut self, tz: Option<TimeZone>) -> Self {
        self.time_zone = tz;
        self
    }

    /// Writes the rejected rows to this CSV file.
    pub fn rejects(mut self, path: impl Into<PathBuf>) -> Self {
        self.rejects = Some(path.into());
        self
    }

    /// Options for a second incident file read beside a first one (test incidents, the
    /// second layer of a dual KDE): the same options, projected to the first file's
    /// working CRS `working` unless a target CRS is set. Its rejected rows go to a
    /// file of their own named for `role`: `rejected.csv` becomes
    /// `rejected.<role>.csv` (the first file's rejects file is not overwritten).
    pub fn beside(&self, working: &Crs, role: &str) -> IncidentLoad {
        let mut l = self.clone();
        if l.options.target_crs.is_none() {
            l.options.target_crs = Some(working.clone());
        }
        l.rejects = self.rejects.as_deref().map(|p| role_path(p, role));
        l
    }

    /// Loads the incidents of `path`, applies the time filter (recorded in the report,
    /// [`filter_by_time`]) and writes the rejected rows when asked — also when the load
    /// fails for want of usable rows (the error's report holds them). The two steps are
    /// [`read`](Self::read) and [`filter`](Self::filter).
    ///
    /// # Errors
    /// As [`crate::load_incidents`], [`filter_by_time`] and [`write_rejects`].
    pub fn load(&self, path: impl AsRef<Path>) -> Result<(Incidents, LoadReport)> {
        let (inc, rep) = self.read(path)?;
        self.filter(inc, rep)
    }

    /// The first step of [`load`](Self::load): reads the file (the rejected rows are
    /// written when the read fails for want of usable rows).
    ///
    /// # Errors
    /// As [`crate::load_incidents`] and [`write_rejects`].
    pub fn read(&self, path: impl AsRef<Path>) -> Result<(Incidents, LoadReport)> {
        crate::io::load_incidents(path.as_ref(), &self.options).or_else(|e| {
            if let (Some(out), Some(rep)) = (&self.rejects, e.load_report()) {
                write_rejects(rep, out, &self.options, self.force)?;
            }
            Err(e)
        })
    }

    /// The second step of [`load`](Self::load): the time filter, then the rejected
    /// rows written when asked.
    ///
    /// # Errors
    /// As [`filter_by_time`] and [`write_rejects`].
    pub fn filter(&self, inc: Incidents, rep: LoadReport) -> Result<(Incidents, LoadReport)> {
        let (inc, rep) = filter_by_time(inc, rep, &self.time_filter, self.time_zone.as_ref())?;
        if let Some(out) = &self.rejects {
            write_rejects(&rep, out, &self.options, self.force)?;
        }
        Ok((inc, rep))
    }

    /// How a second point file is read beside the incidents (the second layer of a dual
    /// KDE, incidents counted per feature of a layer): the loader's defaults with the
    /// input CRS `crs` (detected when `None`), projected to `target` (the working CRS of
    /// the first file; chosen from the data when `None`); no filter and no attribute
    /// column.
    pub fn second_file(crs: Option<Crs>, target: Option<Crs>) -> IncidentLoad {
        let mut options = LoadOptions::new().attributes(crate::io::Attributes::None);
        options.crs = crs;
        options.target_crs = target;
        IncidentLoad::new(options)
    }

    /// The filters of this load in words, for the default title of maps
    /// ([`crate::render::Style::qualifier`]): [`filters_phrase`] of the options'
    /// `where` conditions and `from`/`to` window.
    pub fn filters_phrase(&self) -> Option<String> {
        filters_phrase(&self.options.filters, self.options.from, self.options.to)
    }

    /// [`load`](Self::load) as a study's input, recorded in provenance under `role`
    /// ("incidents", "test incidents", ...), with the time zone.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn input(&self, path: impl AsRef<Path>, role: &str) -> Result<IncidentInput> {
        let (inc, rep) = self.load(path)?;
        Ok(IncidentInput::loaded(inc, rep, role).with_time_zone(self.time_zone.clone()))
    }
}

/// `dir/stem.ext` → `dir/stem.<role>.ext` (`role` with spaces as `-`).
fn role_path(p: &Path, role: &str) -> PathBuf {
    let role = role.replace(' ', "-");
    let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
    let name = match (stem, p.extension()) {
        (Some(s), Some(e)) => format!("{s}.{role}.{}", e.to_string_lossy()),
        (Some(s), None) => format!("{s}.{role}"),
        (None, _) => format!("rejected.{role}.csv"),
    };
    p.with_file_name(name)
}

/// Incidents loaded for a front end ([`IncidentLoad::load_shown`]): the incidents and
/// their report, with what a terminal shows about the load.
#[derive(Debug, Clone)]
pub struct LoadedInput {
    /// The incidents, time-filtered.
    pub incidents: Incidents,
    /// The load report (the time filter recorded in it).
    pub report: LoadReport,
    /// Every location read, before the time filter, when asked: no public output may
    /// hold one of them ([`LoadedPoints::guard`]).
    pub points: Option<LoadedPoints>,
    /// The summary ([`load_lines`](super::load_lines) with 3 rejected rows per
    /// reason), then where the rejected rows were written: shown unless the front end
    /// is quiet.
    pub lines: Vec<String>,
    /// The loader's warnings: shown even when quiet (the data are probably misread).
    pub warnings: Vec<String>,
}

impl IncidentLoad {
    /// Refuses a rejects file for outputs meant for the public: it holds the rejected
    /// rows with their raw fields (locations, free text).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] on `rejects` when `public` and a rejects file is set.
    pub fn check_public(&self, public: bool) -> Result<()> {
        match &self.rejects {
            Some(p) if public => Err(Error::invalid_param(
                "rejects",
                p.display(),
                "not for the public (`audience` public): `rejects` writes rejected rows with \
                 their raw fields (locations, free text), which no public output may hold; \
                 `info` of a public run publishes them counted by reason",
            )),
            _ => Ok(()),
        }
    }

    /// The line saying how many rejected rows were written where (`None` without a
    /// rejects file).
    pub fn rejects_line(&self, rep: &LoadReport) -> Option<String> {
        let p = self.rejects.as_ref()?;
        Some(format!(
            "  wrote {} rejected row(s) to {}",
            rep.rejections.len(),
            p.display()
        ))
    }

    /// The rejects line of a failed load ([`rejects_line`](Self::rejects_line) of the
    /// error's report, [`Error::load_report`]): a load that fails for want of usable
    /// rows, or in strict mode, still writes its rejected rows, and a front end says so.
    /// `None` without a rejects file or when the error holds no load report.
    pub fn failed_rejects_line(&self, e: &Error) -> Option<String> {
        e.load_report().and_then(|r| self.rejects_line(r))
    }

    /// [`load`](Self::load) for a front end: also the lines and warnings to show and,
    /// when `keep_points`, every location read before the time filter.
    ///
    /// # Errors
    /// As [`load`](Self::load); when the read fails for want of usable rows, the
    /// error's report ([`Error::load_report`]) says what was rejected
    /// ([`rejects_line`](Self::rejects_line)).
    pub fn load_shown(&self, path: impl AsRef<Path>, keep_points: bool) -> Result<LoadedInput> {
        let (inc, rep) = self.read(path)?;
        let points = keep_points.then(|| LoadedPoints::of(&inc));
        let (incidents, report) = self.filter(inc, rep)?;
        let mut lines = crate::study::load_lines(&report, 3);
        lines.extend(self.rejects_line(&report));
        Ok(LoadedInput {
            incidents,
            warnings: report.warnings.clone(),
            report,
            points,
            lines,
        })
    }
}

/// The filters of a load in words, for map titles: each `where` condition as
/// `column=v1|v2` (`!=` when it excludes; values as the filter holds them, lower-cased),
/// then the time window (`from`/`to`, seconds of the local clock: dates when at
/// midnight, else date and minute) as "A to B", "from A" or "until B"; parts joined by
/// ", ". `None` when there is no filter.
///
/// ```
/// use crimescape::WhereFilter;
/// use crimescape::study::load::filters_phrase;
///
/// let f = [WhereFilter::parse("Offense=BURGLARY")?];
/// let from = crimescape::parse_date("2024-10-01");
/// assert_eq!(
///     filters_phrase(&f, from, None).as_deref(),
///     Some("Offense=burglary, from 2024-10-01")
/// );
/// assert_eq!(filters_phrase(&[], None, None), None);
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn filters_phrase(
    filters: &[WhereFilter],
    from: Option<i64>,
    to: Option<i64>,
) -> Option<String> {
    let when = |t: i64| {
        let precision = if t.rem_euclid(crate::time::DAY) == 0 {
            crate::time::TimePrecision::Day
        } else {
            crate::time::TimePrecision::Minute
        };
        crate::time::format(t, precision)
    };
    let mut parts: Vec<String> = filters
        .iter()
        .map(|f| {
            let op = if f.negate { "!=" } else { "=" };
            format!("{}{op}{}", f.column, f.values.join("|"))
        })
        .collect();
    match (from, to) {
        (Some(f), Some(t)) => parts.push(format!("{} to {}", when(f), when(t))),
        (Some(f), None) => parts.push(format!("from {}", when(f))),
        (None, Some(t)) => parts.push(format!("until {}", when(t))),
        (None, None) => {}
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Property names that label the features of a context layer, in order of preference.
const LABEL_KEYS: [&str; 7] = [
    "name",
    "NAME",
    "Name",
    "street",
    "STREET",
    "street_name",
    "FULLNAME",
];

/// Loads a context layer for the maps (streets, parks, water: drawn under every map,
/// [`crate::render::Style::context`]): its geometries, labelled by the first of the
/// properties `name`, `street`, `street_name`, `FULLNAME` (any case as listed) that a
/// feature carries, and named by its file name. The layer is read in its own CRS
/// ([`LayerOptions`] default: its crs member or EPSG:4326, projected to its working
/// CRS); the report carries the loader's warnings.
///
/// # Errors
/// As [`crate::load_layer`].
pub fn context_layer(path: impl AsRef<Path>) -> Result<(ContextLayer, LayerReport)> {
    let path = path.as_ref();
    let (l, rep) = crate::io::load_layer(path, &LayerOptions::default())?;
    let key = LABEL_KEYS
        .into_iter()
        .find(|k| l.properties.iter().any(|p| p.contains_key(*k)));
    let labels = (0..l.len())
        .map(|i| key.and_then(|k| l.property_str(i, k)))
        .collect();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((ContextLayer::new(&name, l.geometries, labels), rep))
}

/// Loads the address (or building) points a public output's locations are moved to
/// ([`crate::export::AddressLayer`]): the point features of the layer, in its working
/// CRS; other geometries are ignored.
///
/// # Errors
/// As [`crate::load_layer`]; [`crate::Error::EmptyInput`] when the layer has no point.
pub fn address_layer(path: impl AsRef<Path>) -> Result<crate::export::AddressLayer> {
    let path = path.as_ref();
    let (l, _) = crate::io::load_layer(path, &LayerOptions::default())?;
    let points: Vec<[f64; 2]> = l
        .geometries
        .iter()
        .filter_map(|geom| match geom {
            geo::Geometry::Point(q) => Some([q.x(), q.y()]),
            _ => None,
        })
        .collect();
    if points.is_empty() {
        return Err(crate::Error::EmptyInput {
            input: path.display().to_string(),
            reason: "no point features (address or building points are needed)".into(),
        });
    }
    Ok(crate::export::AddressLayer {
        points,
        crs: l.crs.working.clone(),
        anchors: None,
        source: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_phrase_negation_alternatives_and_until() {
        let f = [
            WhereFilter::parse("Beat!=1A").unwrap(),
            WhereFilter::parse("type=Burglary|Theft").unwrap(),
        ];
        let to = crate::time::from_fields(2024, 3, 1, 18, 30, 0);
        assert_eq!(
            filters_phrase(&f, None, to).as_deref(),
            Some("Beat!=1a, type=burglary|theft, until 2024-03-01 18:30")
        );
    }

    #[test]
    fn filters_phrase_window_only() {
        let from = crate::time::parse_date("2024-01-01");
        let to = crate::time::parse_date("2024-07-01");
        assert_eq!(
            filters_phrase(&[], from, to).as_deref(),
            Some("2024-01-01 to 2024-07-01")
        );
    }

    #[test]
    fn second_file_keeps_only_the_crs() {
        let local = Crs::parse("local-m").unwrap();
        let l = IncidentLoad::second_file(None, Some(local.clone()));
        assert_eq!(l.options.target_crs, Some(local));
        assert!(l.options.crs.is_none() && l.options.filters.is_empty());
        assert_eq!(l.options.max_window, None);
        assert!(l.rejects.is_none() && l.filters_phrase().is_none());
    }

    #[test]
    fn check_public_refuses_rejects() {
        let load = IncidentLoad::new(LoadOptions::new());
        assert!(load.check_public(true).is_ok());
        let load = load.rejects("rejected.csv");
        assert!(load.check_public(false).is_ok());
        match load.check_public(true) {
            Err(Error::InvalidParam { param, value, .. }) => {
                assert_eq!((param, value.as_str()), ("rejects", "rejected.csv"));
            }
            other => panic!("expected InvalidParam, got {other:?}"),
        }
    }

    #[test]
    fn failed_rejects_line_of_a_strict_load() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("inc.csv");
        std::fs::write(&csv, "x,y,date\n1000,2000,2024-01-01\nbad,5,2024-01-03\n").unwrap();
        let mut opts = LoadOptions::new();
        opts.crs = Some(Crs::parse("local-m").unwrap());
        opts.strict = true;
        let rejects = dir.path().join("rejects.csv");
        let load = IncidentLoad::new(opts).rejects(&rejects);
        let e = load.load_shown(&csv, false).unwrap_err();
        let line = load.failed_rejects_line(&e).unwrap();
        assert!(line.contains("wrote 1 rejected row(s)"), "{line}");
        assert!(rejects.exists());
        // no rejects file, or an error without a load report: no line
        let plain = IncidentLoad::new(load.options.clone());
        assert_eq!(plain.failed_rejects_line(&e), None);
        assert_eq!(load.failed_rejects_line(&Error::Param("x".into())), None);
    }

    #[test]
    fn load_shown_lines_rejects_and_points() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("inc.csv");
        std::fs::write(
            &csv,
            "x,y,date\n1000,2000,2024-01-01\n1100,2050,2024-01-02\nbad,5,2024-01-03\n",
        )
        .unwrap();
        let mut opts = LoadOptions::new();
        opts.crs = Some(Crs::parse("local-m").unwrap());
        let rejects = dir.path().join("rejects.csv");
        let load = IncidentLoad::new(opts).rejects(&rejects);
        let l = load.load_shown(&csv, true).unwrap();
        assert_eq!(l.incidents.len(), 2);
        assert_eq!(l.points.as_ref().map(|p| p.working.len()), Some(2));
        let last = l.lines.last().unwrap();
        assert!(last.contains("wrote 1 rejected row(s)"), "{last}");
        assert!(rejects.exists());
        // without a rejects file and points: the summary only
        let load = IncidentLoad::new(load.options.clone());
        let l = load.load_shown(&csv, false).unwrap();
        assert!(l.points.is_none());
        assert_eq!(l.lines, crate::study::load_lines(&l.report, 3));
        assert_eq!(load.rejects_line(&l.report), None);
    }
}
