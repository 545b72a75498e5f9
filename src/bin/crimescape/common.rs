//! Shared CLI pieces: loading flags, load summaries, output helpers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use crimescape::export::{Export, OutputOptions, Outputs, PROVENANCE_SUFFIX};
use crimescape::io::{LayerOptions, LoadOptions, LoadReport, WhereFilter};
use crimescape::study::{IncidentInput, StudyLayer};
use crimescape::when::{SunParams, TimeFilter, TimeZone};
use crimescape::{Crs, Incidents, Layer, LayerReport};

use crate::cli::GlobalArgs;

/// Distance metric.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MetricArg {
    /// |dx| + |dy| (NearRepeat's and the Near Repeat Calculator's default).
    Manhattan,
    /// Straight-line distance.
    Euclidean,
    /// Shortest path along the street network of --streets.
    Network,
}

impl From<MetricArg> for crimescape::Metric {
    fn from(m: MetricArg) -> crimescape::Metric {
        match m {
            MetricArg::Manhattan => crimescape::Metric::Manhattan,
            MetricArg::Euclidean => crimescape::Metric::Euclidean,
            MetricArg::Network => crimescape::Metric::Network,
        }
    }
}

/// A parsed `NAME=PATH[:FILTER]`.
pub struct LayerSpec {
    pub name: String,
    pub path: PathBuf,
    pub filter: Option<String>,
}

/// Parses `NAME=PATH` or `NAME=PATH:COLUMN=VALUE`.
pub fn parse_layer_spec(s: &str) -> Result<LayerSpec> {
    let (name, rest) = s.split_once('=').ok_or_else(|| {
        crimescape::Error::Param(format!(
            "--layer {s:?}: expected NAME=PATH or NAME=PATH:COLUMN=VALUE"
        ))
    })?;
    let name = name.trim();
    if name.is_empty() || rest.is_empty() {
        return Err(crimescape::Error::Param(format!("--layer {s:?}: empty name or path")).into());
    }
    let (path, filter) = match rest.rsplit_once(':') {
        Some((p, f)) if f.contains('=') && !p.is_empty() => (p, Some(f.to_string())),
        _ => (rest, None),
    };
    Ok(LayerSpec {
        name: name.to_string(),
        path: PathBuf::from(path),
        filter,
    })
}

/// Flags that say how to read an incident file.
#[derive(Debug, Args, Clone, Default)]
pub struct LoadArgs {
    /// X (easting or longitude) column [default: detected].
    #[arg(long)]
    pub x: Option<String>,
    /// Y (northing or latitude) column [default: detected].
    #[arg(long)]
    pub y: Option<String>,
    /// A single location column such as "(41.87, -87.62)" or "POINT (lon lat)".
    #[arg(long)]
    pub location: Option<String>,
    /// Time column [default: detected; split year/month/day/hour/minute columns too].
    #[arg(long)]
    pub time: Option<String>,
    /// strftime format of the time column, e.g. "%d.%m.%Y %H:%M".
    #[arg(long)]
    pub time_format: Option<String>,
    /// Category (offence type) column [default: detected].
    #[arg(long)]
    pub category: Option<String>,
    /// CRS of the coordinates: EPSG:xxxx, ESRI:xxxx, a PROJ string, local-m, local-ft
    /// [default: lon/lat columns → EPSG:4326; GeoJSON → its crs member or EPSG:4326].
    #[arg(long)]
    pub crs: Option<String>,
    /// Metric CRS to analyse in [default: as is when metric, else UTM zone of the data].
    #[arg(long)]
    pub to_crs: Option<String>,
    /// Field delimiter for text files [default: sniffed from the header].
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Keep rows where COLUMN=VALUE (alternatives with |; != to exclude). Repeatable.
    #[arg(long = "where", value_name = "COLUMN=VALUE")]
    pub filters: Vec<String>,
    /// Keep incidents at or after this date/time.
    #[arg(long)]
    pub from: Option<String>,
    /// Keep incidents before this date/time.
    #[arg(long)]
    pub to: Option<String>,
    /// Keep points far outside the data's extent instead of rejecting them.
    #[arg(long)]
    pub keep_outliers: bool,
    /// Write every rejected row to this CSV (row, reason, column, value, raw fields).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Fail if any row is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Start column of occurrence windows (same as --time) [default: detected from
    /// pairs such as date_start/date_end, from/to, Occurred From/Occurred To].
    #[arg(long, value_name = "COLUMN")]
    pub time_from: Option<String>,
    /// End column of occurrence windows.
    #[arg(long, value_name = "COLUMN")]
    pub time_to: Option<String>,
    /// Reject (and count) occurrence windows longer than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 14.0)]
    pub max_window: f64,
    /// Force the precision of every time (truncating it): day, hour or minute —
    /// e.g. day for exports that write local midnight as a UTC time of day.
    #[arg(long, value_name = "PRECISION")]
    pub time_precision: Option<String>,
    /// Keep incidents in these clock hours, e.g. 22-04 (22:00-03:59) or 9-17; an
    /// incident with a window is kept when at least half of it is in the hours.
    #[arg(long, value_name = "A-B")]
    pub hours: Option<String>,
    /// Keep incidents on these days of the week, e.g. fri,sat or mon-fri
    /// (half-window rule). (`--days` is taken: chains and promap use it for a
    /// number of days.)
    #[arg(long, value_name = "DAYS")]
    pub weekdays: Option<String>,
    /// Keep incidents at night (sun below -0.833°, per date and place; half-window
    /// rule). Needs --tz.
    #[arg(long)]
    pub night: bool,
    /// Time zone of the clock times (IANA name such as America/Chicago, or UTC+02:00);
    /// needed for sun times (--night).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// A date or date-time flag value (seconds, local clock).
pub fn parse_day(flag: &str, s: &str) -> Result<i64> {
    crimescape::time::parse(s.trim())
        .map(|t| t.0)
        .ok_or_else(|| {
            crimescape::Error::Param(format!("{flag} {s:?}: not a date (use YYYY-MM-DD)")).into()
        })
}

impl LoadArgs {
    /// The library options.
    pub fn options(&self) -> Result<LoadOptions> {
        let mut o = LoadOptions::new();
        o.x = self.x.clone();
        o.y = self.y.clone();
        o.location = self.location.clone();
        o.time = match (&self.time, &self.time_from) {
            (Some(a), Some(b)) if a != b => {
                return Err(crimescape::Error::Param(format!(
                    "--time {a:?} and --time-from {b:?} name different columns"
                ))
                .into())
            }
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        o.time_to = self.time_to.clone();
        if !(self.max_window.is_finite() && self.max_window >= 0.0) {
            return Err(crimescape::Error::Param(format!(
                "--max-window {}: a number of days >= 0",
                self.max_window
            ))
            .into());
        }
        o.max_window = Some((self.max_window * 86_400.0).round() as i64);
        o.time_precision = match self.time_precision.as_deref() {
            None => None,
            Some("day") => Some(crimescape::time::TimePrecision::Day),
            Some("hour") => Some(crimescape::time::TimePrecision::Hour),
            Some("minute") => Some(crimescape::time::TimePrecision::Minute),
            Some(p) => {
                return Err(crimescape::Error::Param(format!(
                    "--time-precision {p:?}: use day, hour or minute"
                ))
                .into())
            }
        };
        o.time_format = self.time_format.clone();
        o.category = self.category.clone();
        o.crs = self.crs.as_deref().map(Crs::parse).transpose()?;
        o.target_crs = self.to_crs.as_deref().map(Crs::parse).transpose()?;
        if let Some(t) = &o.target_crs {
            if t.is_geographic() || !t.is_metric_projected() && !matches!(t, Crs::Local { .. }) {
                return Err(crimescape::Error::Param(format!(
                    "--to-crs {t} is not a projected CRS in metres"
                ))
                .into());
            }
        }
        o.delimiter = match self.delimiter {
            Some(c) if c.is_ascii() => Some(c as u8),
            Some(c) => {
                return Err(crimescape::Error::Param(format!(
                    "--delimiter {c:?} must be one ASCII character"
                ))
                .into())
            }
            None => None,
        };
        o.filters = self
            .filters
            .iter()
            .map(|f| WhereFilter::parse(f))
            .collect::<crimescape::Result<_>>()?;
        o.from = self
            .from
            .as_deref()
            .map(|s| parse_day("--from", s))
            .transpose()?;
        o.to = self
            .to
            .as_deref()
            .map(|s| parse_day("--to", s))
            .transpose()?;
        if self.keep_outliers {
            o.outlier_factor = None;
        }
        o.strict = self.strict;
        Ok(o)
    }

    /// The time filter of `--hours/--days/--night`.
    pub fn time_filter(&self) -> Result<TimeFilter> {
        let mut f = TimeFilter::new().with_night(self.night);
        if let Some(h) = &self.hours {
            f = f.with_hours(h)?;
        }
        if let Some(d) = &self.weekdays {
            f = f.with_days(d)?;
        }
        Ok(f)
    }

    /// The time zone of `--tz`.
    pub fn time_zone(&self) -> Result<Option<TimeZone>> {
        Ok(self.tz.as_deref().map(TimeZone::parse).transpose()?)
    }
}

/// A spinner on stderr while something slow runs (hidden when not a terminal or quiet).
pub fn spinner(g: &GlobalArgs, msg: String) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if g.quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg);
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Loads incidents, prints the load summary on stderr (warnings even with
/// `--quiet`), writes rejects if asked.
pub fn load_incidents(
    path: &Path,
    args: &LoadArgs,
    g: &GlobalArgs,
) -> Result<(Incidents, LoadReport)> {
    load_incidents_with(path, args, g, true)
}

/// As [`load_incidents`]; `warn` says whether to print the load's warnings on
/// stderr (`info` shows them in its own output).
pub fn load_incidents_with(
    path: &Path,
    args: &LoadArgs,
    g: &GlobalArgs,
    warn: bool,
) -> Result<(Incidents, LoadReport)> {
    let opts = args.options()?;
    let filter = args.time_filter()?;
    let tz = args.time_zone()?;
    let pb = spinner(g, format!("loading {}", path.display()));
    let res = crimescape::load_incidents(path, &opts);
    pb.finish_and_clear();
    let (inc, mut rep) = match res {
        Ok(x) => x,
        Err(e) => {
            // a failed load (strict, nothing usable) still writes its rejected rows
            if let (Some(rp), Some(rep)) = (&args.rejects, e.load_report()) {
                write_rejects(rep, rp, &opts, g.force)?;
                eprintln!(
                    "  wrote {} rejected row(s) to {}",
                    rep.rejections.len(),
                    rp.display()
                );
            }
            return Err(
                anyhow::Error::new(e).context(format!("loading incidents from {}", path.display()))
            );
        }
    };
    // --hours/--days/--night: the library's half-window rule, counted and recorded
    let inc = if filter.is_all() {
        inc
    } else {
        let (kept, frep) = crimescape::when::incidents::filter_incidents(
            &inc,
            &filter,
            tz.as_ref(),
            SunParams::default(),
        )
        .with_context(|| format!("filtering the incidents of {} by time", path.display()))?;
        rep.filtered_out += (frep.removed + frep.without_time) as u64;
        rep.filtered_without_time += frep.without_time as u64;
        rep.accepted = kept.len() as u64;
        rep.notes.push(frep.describe());
        kept
    };
    if !g.quiet {
        eprintln!("{}", rep.summary(3));
        eprintln!(
            "  CRS: {} ({}) -> {} ({})",
            rep.crs.input, rep.crs.input_source, rep.crs.working, rep.crs.reason
        );
        for n in &rep.notes {
            eprintln!("  note: {n}");
        }
    }
    // warnings are printed even with --quiet: the data are probably misread
    if warn {
        for w in &rep.warnings {
            eprintln!("  WARNING: {w}");
        }
    }
    if let Some(rp) = &args.rejects {
        write_rejects(&rep, rp, &opts, g.force)?;
        if !g.quiet {
            eprintln!(
                "  wrote {} rejected row(s) to {}",
                rep.rejections.len(),
                rp.display()
            );
        }
    }
    Ok((inc, rep))
}

/// Writes the rejected rows of a load with their raw fields.
pub fn write_rejects(rep: &LoadReport, out: &Path, opts: &LoadOptions, force: bool) -> Result<()> {
    let mut rep = rep.clone();
    let header = if rep.format == "csv" {
        let rows = rep
            .rejections
            .iter()
            .filter(|r| r.raw.is_empty())
            .map(|r| r.row)
            .collect();
        let (header, raw) = crimescape::io::csv::raw_records(&rep.path, opts, &rows)?;
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
            let rows = rep
                .rejections
                .iter()
                .filter(|r| r.raw.is_empty())
                .map(|r| r.row)
                .collect();
            let raw = crimescape::io::geojson::raw_features(&rep.path, &rows)?;
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
    rep.write_rejects(out, &header, force)?;
    Ok(())
}

/// Loads a layer with an optional CRS and target CRS.
pub fn load_layer(
    path: &Path,
    crs: Option<&str>,
    target: Option<&Crs>,
    filters: &[String],
) -> Result<(Layer, LayerReport)> {
    let opts = LayerOptions {
        crs: crs.map(Crs::parse).transpose()?,
        target: target.cloned(),
        name: None,
        filters: filters
            .iter()
            .map(|f| WhereFilter::parse(f))
            .collect::<crimescape::Result<_>>()?,
    };
    let (layer, rep) = crimescape::load_layer(path, &opts)
        .with_context(|| format!("loading layer {}", path.display()))?;
    for w in &rep.warnings {
        eprintln!("  WARNING: {}: {w}", path.display());
    }
    Ok((layer, rep))
}

/// Loads a layer for a study, recorded in provenance under `role`.
pub fn study_layer(
    path: &Path,
    crs: Option<&str>,
    target: Option<&Crs>,
    role: &str,
) -> Result<StudyLayer> {
    let (l, rep) = load_layer(path, crs, target, &[])?;
    Ok(StudyLayer::loaded(l, &rep, role))
}

/// Loads incidents for a study (summary on stderr, rejects written if asked).
pub fn study_incidents(path: &Path, args: &LoadArgs, g: &GlobalArgs) -> Result<IncidentInput> {
    let (inc, rep) = load_incidents(path, args, g)?;
    Ok(IncidentInput::loaded(inc, rep, "incidents"))
}

/// The output set of a command: the folder `dir`, the files it will write checked now.
pub fn outputs<S: AsRef<str>>(
    dir: &Path,
    files: impl IntoIterator<Item = S>,
    g: &GlobalArgs,
) -> Result<Outputs> {
    let mut out = Outputs::folder(dir, &output_options(g))?;
    out.plan(files)?;
    Ok(out)
}

/// The output options of the global flags.
pub fn output_options(g: &GlobalArgs) -> OutputOptions {
    OutputOptions {
        force: g.force,
        sync: g.sync,
        command: None,
        style: FIGURE_STYLE.get().cloned().unwrap_or_default(),
    }
}

// --- figures (issue 14) ---
/// The figure style of this run (`--title`, `--palette`, `--context`), set once by
/// [`init_figure_style`] before any command runs.
static FIGURE_STYLE: std::sync::OnceLock<crimescape::render::Style> = std::sync::OnceLock::new();

/// Builds the run's figure style from the global flags (loading the context layers).
pub fn init_figure_style(g: &GlobalArgs) -> Result<()> {
    use crimescape::render::{ContextLayer, Palette, Style};
    let mut context = Vec::new();
    for path in &g.context {
        let (l, _) = load_layer(path, None, None, &[])?;
        let key = [
            "name",
            "NAME",
            "Name",
            "street",
            "STREET",
            "street_name",
            "FULLNAME",
        ]
        .into_iter()
        .find(|k| l.properties.iter().any(|p| p.contains_key(*k)));
        let labels = (0..l.len())
            .map(|i| key.and_then(|k| l.property_str(i, k)))
            .collect();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        context.push(ContextLayer::new(&name, l.geometries, labels));
    }
    let style = Style {
        palette: match g.palette {
            crate::cli::PaletteArg::BlueOrange => Palette::BlueOrange,
            crate::cli::PaletteArg::Arcgis => Palette::Arcgis,
        },
        title: g.title.clone(),
        qualifier: filters_phrase(&std::env::args().collect::<Vec<_>>()),
        source: Vec::new(),
        context,
    };
    let _ = FIGURE_STYLE.set(style);
    Ok(())
}

/// The filters of a command line in words, for map titles: `--where` conditions and
/// the `--from`/`--to` window, e.g. "Offense=BURGLARY, from 2024-10-01".
pub fn filters_phrase(args: &[String]) -> Option<String> {
    let mut wheres = Vec::new();
    let (mut from, mut to) = (None, None);
    let mut k = 0;
    while k < args.len() {
        let a = args[k].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        if matches!(flag, "--where" | "--from" | "--to") {
            let v = match inline {
                Some(v) => Some(v),
                None => {
                    k += 1;
                    args.get(k).cloned()
                }
            };
            if let Some(v) = v {
                match flag {
                    "--where" => wheres.push(v),
                    "--from" => from = Some(v),
                    _ => to = Some(v),
                }
            }
        }
        k += 1;
    }
    let mut parts = wheres;
    match (from, to) {
        (Some(f), Some(t)) => parts.push(format!("{f} to {t}")),
        (Some(f), None) => parts.push(format!("from {f}")),
        (None, Some(t)) => parts.push(format!("until {t}")),
        (None, None) => {}
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Writes a result into its (planned) output set and commits the set.
pub fn finish(mut out: Outputs, result: &dyn Export, g: &GlobalArgs) -> Result<()> {
    result.write(&mut out)?;
    commit(out, g)
}

/// Moves a finished set into place and lists its files on stderr.
pub fn commit(out: Outputs, g: &GlobalArgs) -> Result<()> {
    let files = out.commit()?;
    if !g.quiet {
        for f in files
            .iter()
            .filter(|f| !f.to_string_lossy().ends_with(PROVENANCE_SUFFIX))
        {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(())
}
