//! Shared CLI pieces: loading flags, load summaries, output helpers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use crimescape::study::load::address_layer;
use crimescape::study::load::IncidentLoad;
use crimescape::study::network::{StreetSource, StudyNetwork};
use crimescape::study::settings::LoadSettings;
use crimescape::study::setup::{audience, check_gpkg, figure_style, RunOutputs};
use crimescape::study::{IncidentInput, StudyLayer};
use crimescape::{
    Crs, Export, Incidents, LayerOptions, LoadReport, NetworkParams, OutputOptions, Outputs,
    TimeZone, PROVENANCE_SUFFIX,
};

use crate::cli::GlobalArgs;

choices! {
    /// Distance metric.
    MetricArg => crimescape::Metric {
        /// |dx| + |dy| (NearRepeat's and the Near Repeat Calculator's default).
        Manhattan,
        /// Straight-line distance.
        Euclidean,
        /// Shortest path along the street network of --streets.
        Network,
    }
}

/// Flags that say how to read an incident file.
#[derive(Debug, Args, Clone)]
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
    /// The attribute columns the command reads (`--weight`, `--address`, `--by
    /// column:NAME`), set by the command with [`LoadArgs::reading`]: only these are loaded.
    #[arg(skip)]
    pub attributes: Vec<String>,
}

impl LoadArgs {
    /// The library's settings of these flags.
    pub fn settings(&self, force: bool) -> LoadSettings {
        LoadSettings {
            x: self.x.clone(),
            y: self.y.clone(),
            location: self.location.clone(),
            time: self.time.clone(),
            time_from: self.time_from.clone(),
            time_to: self.time_to.clone(),
            time_format: self.time_format.clone(),
            category: self.category.clone(),
            crs: self.crs.clone(),
            target_crs: self.to_crs.clone(),
            delimiter: self.delimiter,
            filters: self.filters.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            keep_outliers: self.keep_outliers,
            strict: self.strict,
            max_window_days: self.max_window,
            time_precision: self.time_precision.clone(),
            hours: self.hours.clone(),
            weekdays: self.weekdays.clone(),
            night: self.night,
            time_zone: self.tz.clone(),
            rejects: self.rejects.clone(),
            force,
            attributes: self.attributes.clone(),
        }
    }

    /// The time zone of `--tz`.
    pub fn time_zone(&self) -> Result<Option<TimeZone>> {
        Ok(self.tz.as_deref().map(TimeZone::parse).transpose()?)
    }

    /// These flags with the attribute columns the command reads (the values of
    /// `--weight`, `--address`, `--by column:NAME`; no command reads any other, and
    /// `--where` reads its columns while loading). Loading the others would cost ~150
    /// bytes per data.police.uk row for nothing (issue 17).
    pub fn reading<'a>(&self, columns: impl IntoIterator<Item = &'a String>) -> LoadArgs {
        let mut a = self.clone();
        a.attributes.extend(columns.into_iter().cloned());
        a
    }

    /// How the library reads the incident file of these flags.
    pub fn study_load(&self, g: &GlobalArgs) -> Result<IncidentLoad> {
        Ok(self.settings(g.force).incident_load()?)
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
    let load = args.study_load(g)?;
    load.check_public(run_outputs().is_public())?;
    load_via(path, &load, g)
}

/// Loads incidents as the library's `load` says ([`IncidentLoad::load_shown`]) and
/// prints its lines, as [`load_incidents`].
pub fn load_via(
    path: &Path,
    load: &IncidentLoad,
    g: &GlobalArgs,
) -> Result<(Incidents, LoadReport)> {
    let pb = spinner(g, format!("loading {}", path.display()));
    let res = load.load_shown(path, run_outputs().is_public());
    pb.finish_and_clear();
    let l = res.map_err(|e| {
        // a failed load (strict, nothing usable) still writes its rejected rows
        if let Some(line) = load.failed_rejects_line(&e) {
            eprintln!("{line}");
        }
        anyhow::Error::new(e).context(format!("loading incidents from {}", path.display()))
    })?;
    // the first load's filters title the maps; no public output holds a location read
    run_outputs().loaded(load, l.points);
    if !g.quiet {
        for line in &l.lines {
            eprintln!("{}", crate::errors::with_flags(line));
        }
    }
    // warnings are printed even with --quiet: the data are probably misread
    for w in &l.warnings {
        eprintln!("  WARNING: {}", crate::errors::with_flags(w));
    }
    Ok((l.incidents, l.report))
}

/// Loads a study's second point file as `load` says (printing as [`load_via`]),
/// recorded in provenance under `role`.
pub fn load_input(
    path: &Path,
    load: &IncidentLoad,
    role: &str,
    g: &GlobalArgs,
) -> Result<IncidentInput> {
    let (inc, rep) = load_via(path, load, g)?;
    Ok(IncidentInput::loaded(inc, rep, role))
}

/// The CRS of a `--crs`-like flag.
pub fn crs_of(s: &Option<String>) -> Result<Option<Crs>> {
    Ok(s.as_deref().map(Crs::parse).transpose()?)
}

/// Loads a layer for a study in the CRS `target` (its own working CRS when `None`),
/// recorded in provenance under `role`; prints the loader's warnings.
pub fn study_layer(
    path: &Path,
    crs: Option<&str>,
    target: Option<&Crs>,
    role: &str,
) -> Result<StudyLayer> {
    let opts = LayerOptions {
        crs: crs.map(Crs::parse).transpose()?,
        target: target.cloned(),
        ..LayerOptions::default()
    };
    shown(StudyLayer::load(path, &opts, role), path)
}

/// A layer just loaded from `path`: the file named in its error, its warnings printed
/// ([`show_layer`]).
pub fn shown(layer: crimescape::Result<StudyLayer>, path: &Path) -> Result<StudyLayer> {
    let layer = layer.with_context(|| format!("loading layer {}", path.display()))?;
    show_layer(&layer);
    Ok(layer)
}

/// Loads a study's street network as `src` says, in the CRS `target`
/// ([`StreetSource::load`], [`StudyNetwork::build`]); prints the street layer's
/// warnings (before the build: they may explain why it fails) and (unless quiet) the
/// network's description.
pub fn study_network(src: &StreetSource, target: &Crs, g: &GlobalArgs) -> Result<StudyNetwork> {
    let context = || format!("loading the street network {}", src.path.display());
    let streets = src.load(target).with_context(context)?;
    show_layer(&streets);
    let net = StudyNetwork::build(streets, &src.params, src.snap).with_context(context)?;
    if !g.quiet {
        eprintln!("{}", net.describe());
    }
    Ok(net)
}

/// Prints a loaded layer's warnings ([`StudyLayer::warnings`]) on stderr, even with
/// `--quiet`: the data are probably misread.
pub fn show_layer(layer: &StudyLayer) {
    for w in layer.warnings() {
        eprintln!("  WARNING: {}: {w}", layer.label());
    }
}

/// Loads incidents for a study (summary on stderr, rejects written if asked).
pub fn study_incidents(path: &Path, args: &LoadArgs, g: &GlobalArgs) -> Result<IncidentInput> {
    let (inc, rep) = load_incidents(path, args, g)?;
    Ok(IncidentInput::loaded(inc, rep, "incidents").with_time_zone(args.time_zone()?))
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

/// The output options of the run ([`RunOutputs::options`]).
pub fn output_options(_g: &GlobalArgs) -> OutputOptions {
    run_outputs().options()
}

/// `--audience`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AudienceArg {
    /// Analysts inside the organisation: exact outputs.
    Internal,
    /// The public: locations moved to anonymous points, small counts suppressed.
    Public,
}

/// The outputs of this run, set once by [`init_run`] before any command runs.
static RUN: OnceLock<RunOutputs> = OnceLock::new();

/// The outputs of this run ([`init_run`]).
pub fn run_outputs() -> &'static RunOutputs {
    RUN.get_or_init(RunOutputs::default)
}

/// Checks the global flags and sets up the run's outputs before any work: the
/// audience (issue 18: the policy and the address layer) and the figures (issue 14:
/// the GeoPackage name, the context layers).
pub fn init_run(g: &GlobalArgs) -> Result<()> {
    let public = g.audience == AudienceArg::Public;
    let disclosure = audience(public, g.min_count, g.addresses.as_deref())?;
    let addresses = match g.addresses.as_ref().filter(|_| public) {
        None => None,
        Some(p) => Some(Arc::new(
            address_layer(p).with_context(|| format!("--addresses {}", p.display()))?,
        )),
    };
    if let Some(name) = &g.gpkg {
        check_gpkg(name)?;
    }
    let (style, warnings) = figure_style(g.palette.into(), g.title.clone(), None, &g.context)
        .context("loading the --context layers")?;
    for w in warnings {
        eprintln!("  WARNING: {w}");
    }
    let _ = RUN.set(RunOutputs::new(OutputOptions {
        force: g.force,
        sync: g.sync,
        command: None,
        disclosure,
        addresses,
        style,
        gpkg: g.gpkg.clone(),
    }));
    Ok(())
}

/// A command's study: plans its output set in `dir` (refused before any work when a
/// file exists without --force), loads its input and runs the study under a spinner
/// saying `what`. The caller prints and writes the result ([`finish`]).
pub fn run_study<I, R, S: AsRef<str>>(
    g: &GlobalArgs,
    dir: &Path,
    files: impl IntoIterator<Item = S>,
    load: impl FnOnce() -> Result<I>,
    what: &str,
    study: impl FnOnce(&I) -> crimescape::Result<R>,
) -> Result<(Outputs, R)> {
    let out = outputs(dir, files, g)?;
    let input = load()?;
    Ok((out, spin(g, what, || study(&input))?))
}

/// Runs `f` under a spinner saying `what`.
pub fn spin<R>(g: &GlobalArgs, what: &str, f: impl FnOnce() -> crimescape::Result<R>) -> Result<R> {
    let pb = spinner(g, what.to_string());
    let r = f();
    pb.finish_and_clear();
    Ok(r?)
}

/// Prints a result's summary on stdout (unless quiet) and writes it ([`finish`]).
pub fn done(out: Outputs, r: &dyn Export, g: &GlobalArgs) -> Result<()> {
    if !g.quiet {
        print!("{}", r.summary().unwrap_or_default());
    }
    finish(out, r, g)
}

/// Writes a result into its (planned) output set and commits the set.
pub fn finish(mut out: Outputs, result: &dyn Export, g: &GlobalArgs) -> Result<()> {
    // the set was planned before the incidents were loaded: their filters title the maps
    run_outputs().qualify(&mut out);
    out.write_result(result)?;
    commit(out, g)
}

/// Moves a finished set into place and lists its files on stderr. A public set is
/// first checked against every incident this run loaded.
pub fn commit(out: Outputs, g: &GlobalArgs) -> Result<()> {
    let files = run_outputs().commit(out)?;
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

/// Permutation inference.
#[derive(Debug, Args)]
pub struct PermArgs {
    /// Conditional permutations (0 = analytical p only).
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
}

/// The street network and how incidents are snapped to it.
#[derive(Debug, Args, Clone)]
pub struct StreetArgs {
    /// Street layer (lines): the network.
    #[arg(long)]
    pub streets: PathBuf,
    /// CRS of the street file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub streets_crs: Option<String>,
    /// Snap incidents within this distance of a street (m, inclusive); farther ones
    /// are left out and counted.
    #[arg(long, default_value_t = 30.0)]
    pub snap: f64,
    /// Line ends and junctions closer than this are one node (m).
    #[arg(long, default_value_t = 1.0)]
    pub node_tolerance: f64,
    /// Do not join lines where they cross (crossings are bridges or tunnels).
    #[arg(long)]
    pub no_crossings: bool,
}

/// `--metric network` for `near-repeat` and `chains`: the street network.
#[derive(Debug, Args, Clone, Default)]
pub struct NetworkMetricArgs {
    /// With --metric network: the street layer (lines) distances are measured along.
    #[arg(long = "streets", value_name = "FILE")]
    pub streets: Option<PathBuf>,
    /// With --metric network: CRS of the street file [default: its crs member or EPSG:4326].
    #[arg(long = "streets-crs")]
    pub streets_crs: Option<String>,
    /// With --metric network: snap events within this distance of a street (m); farther
    /// ones are excluded and counted.
    #[arg(long = "snap", default_value_t = 30.0)]
    pub snap: f64,
}

impl StreetArgs {
    /// The library's street source of these flags.
    pub fn source(&self) -> Result<StreetSource> {
        let params = NetworkParams::new()
            .snap_tolerance(self.node_tolerance)
            .split_crossings(!self.no_crossings);
        Ok(StreetSource::new(&self.streets)
            .crs(crs_of(&self.streets_crs)?)
            .params(params)
            .snap(self.snap))
    }
}

impl NetworkMetricArgs {
    /// The street network of `metric` (loaded only for the network metric, which needs
    /// it), in the incidents' working CRS.
    pub fn network(
        &self,
        metric: crimescape::Metric,
        inc: &Incidents,
        g: &GlobalArgs,
    ) -> Result<Option<StudyNetwork>> {
        let src = match &self.streets {
            Some(p) => Some(
                StreetSource::new(p)
                    .crs(crs_of(&self.streets_crs)?)
                    .snap(self.snap),
            ),
            None => None,
        };
        StreetSource::for_metric(metric, src.as_ref())?
            .map(|s| study_network(s, &inc.crs.working, g))
            .transpose()
    }
}
