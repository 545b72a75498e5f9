//! [`Outputs`]: the object that owns an output folder and writes a result set into it
//! as a whole. See the module docs of [`crate::export`] for the guarantees.

mod commit;
mod fork;
mod in_memory;
mod reports;
mod section;
mod stage;
mod tally;
#[cfg(test)]
mod tests;
mod write;

use in_memory::InMemory;
pub use section::{PublicSection, Section};
pub use stage::abort_all;
use stage::Stage;
use tally::{FileInfo, Tally};

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::csv::CsvWriter;
use super::describe::{Features, Table};
use super::figure::{Figure, FigureFormat};
use super::geojson::GeoJsonWriter;
use super::provenance::Provenance;
use super::public::{AddressLayer, Publisher};
use super::report::{self, Collector, FigureNote};
use crate::crs::Crs;
use crate::disclosure::{Disclosure, DisclosureReport, Scanner};
use crate::error::{Error, Result};

/// Name of the disclosure report (JSON) written beside a public output set; the
/// plain-text rendering is [`DISCLOSURE_TEXT`].
pub const DISCLOSURE_JSON: &str = "disclosure.json";
/// Name of the plain-text disclosure report beside a public output set.
pub const DISCLOSURE_TEXT: &str = "disclosure.txt";

/// Column and key names whose values the commit-time scan treats as counts of
/// incidents (a value `0 < n < k` there refuses a public set).
pub const COUNT_NAMES: &[&str] = &[
    "count",
    "n",
    "incidents",
    "n_incidents",
    "incident_count",
    "crimes",
    "events",
    "repeat_locations",
];

/// Suffix of the provenance record written beside every output.
pub const PROVENANCE_SUFFIX: &str = ".provenance.json";

/// How an output set is written.
#[derive(Debug, Clone, Default)]
pub struct OutputOptions {
    /// Replace outputs that exist (never a non-regular file).
    pub force: bool,
    /// Command line recorded in provenance [default: this process's arguments].
    pub command: Option<Vec<String>>,
    /// Flush every file to the disk (`fsync`) before the set is moved into place, so
    /// that the set survives a power failure right after the run. Off by default, as in
    /// GDAL, QGIS or R: the set is atomic for every reader and against a killed run
    /// either way, and flushing 280 MB takes ~3 s on a 100 MB/s disk.
    pub sync: bool,
    /// Who the set is for ([`Disclosure::Internal`] by default: every output exact).
    /// With [`Disclosure::Public`] every table, feature layer, JSON value, figure and
    /// provenance record passes through the policy (see `crate::export` module docs,
    /// "Public audience"), and a disclosure report is written beside the set.
    pub disclosure: Disclosure,
    /// Address layer for anonymous map points (public audience only); without it,
    /// points are moved to the centres of 100 m squares.
    pub addresses: Option<std::sync::Arc<AddressLayer>>,
    /// How figures are drawn: title override, palette, context layers, source line.
    pub style: crate::render::Style,
    /// Also write every GeoJSON layer of the set, with its `.qml` style, into one
    /// GeoPackage of this name in the folder (e.g. `run.gpkg`; see `export::gpkg`).
    /// Needs the `gdal` feature: without it, committing the set fails with a message
    /// naming the feature.
    pub gpkg: Option<String>,
}

impl OutputOptions {
    /// Options that replace existing outputs or not.
    pub fn force(force: bool) -> Self {
        OutputOptions {
            force,
            ..Default::default()
        }
    }
}

/// How the finished set gets into place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The set owns the folder: staged beside it, swapped in with one rename.
    Swap,
    /// Files in a folder the set does not own (or cannot swap): staged inside it,
    /// each file renamed into place (atomic per file).
    InPlace,
}

/// One file of the set.
#[derive(Debug, Clone)]
struct Written {
    /// Path relative to the folder, `/`-separated.
    rel: String,
    /// Index of its provenance record.
    prov: Option<usize>,
    /// A provenance record or manifest (not listed among the outputs).
    meta: bool,
    /// Its size and what the report reads of it, learnt while it was written.
    info: FileInfo,
}

/// An output set: the files one run writes into one folder, written as a whole.
///
/// 1. [`Outputs::folder`] names the folder; [`Outputs::plan`] declares the files the
///    run will write and checks every target before any analysis runs: the run is
///    refused if one exists (unless `force`) or if a folder, device, link or other
///    non-regular file is in the way (always).
/// 2. The writers ([`table`](Outputs::table) → CSV, [`features`](Outputs::features)
///    → GeoJSON, [`json`](Outputs::json), [`figure`](Outputs::figure) → PNG,
///    [`text`](Outputs::text) → Markdown/HTML) stream into files of a staging folder;
///    errors name the final output, never the staging path.
/// 3. [`Outputs::commit`] writes the provenance records and moves the whole set into
///    place. Dropping an uncommitted set (an error, a panic) removes its staging
///    folder; [`abort_all`] does the same from a signal handler.
pub struct Outputs {
    /// The folder as given (used in messages and provenance).
    given: PathBuf,
    /// The folder with symbolic links resolved (where the set goes).
    dir: PathBuf,
    mode: Mode,
    opts: OutputOptions,
    planned: BTreeSet<String>,
    stage: Option<Stage>,
    files: Vec<Written>,
    provs: Vec<Provenance>,
    current: Option<usize>,
    prefix: String,
    manifest: Option<(String, Provenance)>,
    /// The public-audience policy in force (`None`: internal).
    public: Option<Publisher>,
    /// Incidents whose locations no file of a public set may hold (checked at commit).
    guard: Option<Scanner>,
    /// Outputs withheld by the policy: an older file of that name is removed.
    withheld: Vec<String>,
    /// The file name of a single-file set (its report is `<name>.disclosure.json`).
    single: Option<String>,
    /// What the HTML reports of the set need (see [`crate::export`], "Reports").
    report: Collector,
    /// Tables and JSON kept in memory instead of written ([`Outputs::in_memory`]).
    memory: Option<InMemory>,
    /// Prefixes of finished public sub-folders ([`Outputs::public_section`]): their
    /// files have their own manifest and are not listed in the set's.
    public_subsets: Vec<String>,
    /// A part of a set written on another thread ([`Outputs::fork`]): its staging
    /// folder belongs to the set.
    fork: bool,
    /// The set's files and provenance records when the fork was made.
    fork_base: (usize, usize),
}

/// The file name part of a path, or an error naming the path.
fn file_name(p: &Path) -> Result<String> {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Output {
            path: p.to_path_buf(),
            message: "not a file or folder name".into(),
        })
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether `a` and `b` are on different devices (`b` a mount point below `a`).
#[cfg(unix)]
fn other_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() != y.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn other_device(_a: &Path, _b: &Path) -> bool {
    false
}

fn check_name(name: &str) -> Result<()> {
    let p = Path::new(name);
    let ok = !name.is_empty()
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && !name.ends_with('/');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_param(
            "name",
            format!("{name:?}"),
            "an output name must be a relative path without '..'",
        ))
    }
}

impl Outputs {
    /// An output set that owns the folder `dir` (created when missing).
    ///
    /// The finished set replaces the folder's previous outputs in one atomic rename
    /// (Linux `renameat2(RENAME_EXCHANGE)`); files in the folder that are not part of
    /// the new set (other analyses' outputs, the user's files) are kept.
    pub fn folder(dir: impl AsRef<Path>, opts: &OutputOptions) -> Result<Outputs> {
        let given = dir.as_ref().to_path_buf();
        let meta = std::fs::symlink_metadata(&given);
        let mut resolved = given.clone();
        if let Ok(m) = &meta {
            if m.file_type().is_symlink() {
                resolved = std::fs::canonicalize(&given).map_err(|e| Error::io(&given, e))?;
            }
            let m = std::fs::metadata(&resolved).map_err(|e| Error::io(&given, e))?;
            if !m.is_dir() {
                return Err(Error::Output {
                    path: given,
                    message: "exists and is not a folder".into(),
                });
            }
        }
        let mut mode = Mode::Swap;
        if resolved.exists() {
            let canon = std::fs::canonicalize(&resolved).map_err(|e| Error::io(&given, e))?;
            let cwd = std::env::current_dir()
                .and_then(std::fs::canonicalize)
                .unwrap_or_default();
            // never swap the working folder (or one above it) away from under the user,
            // nor a mount point
            if cwd.starts_with(&canon)
                || canon.parent().is_none()
                || other_device(&parent_of(&canon), &canon)
            {
                mode = Mode::InPlace;
            }
            resolved = canon;
        }
        let public = Publisher::new(&opts.disclosure, opts.addresses.as_deref())?;
        let mut o = Outputs::fresh(given, resolved, mode, opts.clone(), public);
        o.report.enabled = true;
        Ok(o)
    }

    /// A set with nothing planned or written yet.
    fn fresh(
        given: PathBuf,
        dir: PathBuf,
        mode: Mode,
        opts: OutputOptions,
        public: Option<Publisher>,
    ) -> Outputs {
        Outputs {
            given,
            dir,
            mode,
            opts,
            planned: BTreeSet::new(),
            stage: None,
            files: Vec::new(),
            provs: Vec::new(),
            current: None,
            prefix: String::new(),
            manifest: None,
            public,
            guard: None,
            withheld: Vec::new(),
            single: None,
            report: Collector::default(),
            memory: None,
            public_subsets: Vec::new(),
            fork: false,
            fork_base: (0, 0),
        }
    }

    /// Whether the set is written for the public audience.
    pub fn is_public(&self) -> bool {
        self.public.is_some()
    }

    /// The disclosure report of a public set so far (`None` when internal).
    pub fn disclosure_report(&self) -> Option<DisclosureReport> {
        self.public.as_ref().map(Publisher::report)
    }

    /// Names of the disclosure report files of this set (none when internal).
    fn report_names(&self) -> Vec<String> {
        if self.public.is_none() {
            return Vec::new();
        }
        match &self.single {
            Some(n) => vec![
                format!("{n}.disclosure.json"),
                format!("{n}.disclosure.txt"),
            ],
            None => vec![DISCLOSURE_JSON.to_string(), DISCLOSURE_TEXT.to_string()],
        }
    }

    /// The incidents of a public set (`working` in `crs`, and in lon/lat when known):
    /// at the commit every file of the set (provenance and reports included, PNG
    /// rasters excepted) is scanned with a [`Scanner`] for any of their locations
    /// within 1 m and any count below k in a count column; a finding refuses the whole
    /// set with an error naming the file, and nothing is written. A location that is a
    /// published point (an anonymous map point, a square centre) is not a finding.
    /// Does nothing for the internal audience.
    pub fn guard(&mut self, working: &[[f64; 2]], lonlat: &[[f64; 2]], crs: &Crs) -> Result<()> {
        let Some(p) = &self.public else {
            return Ok(());
        };
        let allowed: Vec<[f64; 2]> = match (p.anchors(), p.cell()) {
            (Some(a), _) => a.to_vec(),
            (None, Some(c)) => working
                .iter()
                .map(|q| {
                    [
                        ((q[0] / c).floor() + 0.5) * c,
                        ((q[1] / c).floor() + 0.5) * c,
                    ]
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut allowed = allowed;
        allowed.extend(p.cell_vertices());
        let mut allowed_ll = allowed.clone();
        if crs.is_georeferenced() && !crs.is_geographic() {
            if let Ok(r) = crate::crs::Reprojector::new(crs, &crate::crs::WGS84) {
                r.apply_all(&mut allowed_ll);
            }
        } else if !crs.is_geographic() {
            allowed_ll.clear();
        }
        let s = Scanner::new(working, lonlat, 1.0)?
            .counts(p.k(), COUNT_NAMES)
            .allow(&allowed)
            .allow_lonlat(&allowed_ll);
        self.guard = Some(s);
        Ok(())
    }

    /// Output files in a folder the set does not own (e.g. `result.csv` in the working
    /// folder): each file is replaced atomically, the set as a whole is not.
    pub fn shared(dir: impl AsRef<Path>, opts: &OutputOptions) -> Result<Outputs> {
        let mut o = Outputs::folder(dir, opts)?;
        o.mode = Mode::InPlace;
        o.report.enabled = false;
        Ok(o)
    }

    /// A single output file `path` (with its provenance record beside it):
    /// [`Outputs::shared`] on its folder, the name planned. Returns the set and the name.
    pub fn single(path: &Path, opts: &OutputOptions) -> Result<(Outputs, String)> {
        let name = file_name(path)?;
        let mut o = Outputs::shared(parent_of(path), opts)?;
        // name the file as the user did (`out.csv`, not `./out.csv`)
        o.given = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if o.public.is_some() {
            o.single = Some(name.clone());
            let r = o.report_names();
            o.plan_meta(&r)?;
        }
        o.plan([name.as_str()])?;
        Ok((o, name))
    }

    /// The output folder as the user gave it (messages and provenance name it so).
    pub fn folder_as_given(&self) -> &Path {
        &self.given
    }

    /// Where the file `name` (relative to the current section) will be once committed.
    pub fn final_path(&self, name: &str) -> PathBuf {
        self.given.join(format!("{}{name}", self.prefix))
    }

    /// Where the written file `name` lies now, to read it back before the commit
    /// (e.g. the demo reads its own city files as a user would).
    pub fn staged_path(&self, name: &str) -> Option<PathBuf> {
        let rel = format!("{}{name}", self.prefix);
        let st = self.stage.as_ref()?;
        self.files
            .iter()
            .any(|w| w.rel == rel)
            .then(|| st.dir.join(&rel))
    }

    /// Declares files the run will write (relative to the current section) and checks
    /// their targets now, before any analysis: refused when one exists (unless
    /// `force`) or when a non-regular file or a folder is in the way. Each file's
    /// provenance record (`<name>.provenance.json`) is checked too.
    pub fn plan<I, S>(&mut self, names: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if self.public.is_some() && self.single.is_none() && self.planned.is_empty() {
            let r = self.report_names();
            self.plan_meta(&r)?;
        }
        let mut exists = Vec::new();
        for n in names {
            let rel = format!("{}{}", self.prefix, n.as_ref());
            check_name(&rel)?;
            for t in [rel.clone(), format!("{rel}{PROVENANCE_SUFFIX}")] {
                if self.target_exists(&t)? {
                    exists.push(t);
                }
            }
            self.planned.insert(rel);
        }
        if !exists.is_empty() && !self.opts.force {
            return Err(Error::OutputsExist {
                dir: self.given.clone(),
                names: exists,
            });
        }
        Ok(())
    }

    /// Checks the targets of files written without a provenance record (the
    /// disclosure reports).
    fn plan_meta(&mut self, names: &[String]) -> Result<()> {
        let mut exists = Vec::new();
        for rel in names {
            check_name(rel)?;
            if self.target_exists(rel)? {
                exists.push(rel.clone());
            }
        }
        if !exists.is_empty() && !self.opts.force {
            return Err(Error::OutputsExist {
                dir: self.given.clone(),
                names: exists,
            });
        }
        Ok(())
    }

    /// Whether the target `rel` exists as a regular file; an error when something
    /// else is in the way.
    fn target_exists(&self, rel: &str) -> Result<bool> {
        let mut p = self.dir.clone();
        let parts: Vec<&str> = rel.split('/').collect();
        for (k, part) in parts.iter().enumerate() {
            p.push(part);
            let shown = self.given.join(parts[..=k].join("/"));
            let m = match std::fs::symlink_metadata(&p) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(Error::io(shown, e)),
            };
            let last = k + 1 == parts.len();
            let ft = m.file_type();
            if !last && !ft.is_dir() {
                return Err(Error::Output {
                    path: shown,
                    message: "is in the way of an output folder (not a folder)".into(),
                });
            }
            if last && !ft.is_file() {
                let what = if ft.is_dir() {
                    "a folder"
                } else if ft.is_symlink() {
                    "a symbolic link"
                } else {
                    "not a regular file (a device, pipe or socket)"
                };
                return Err(Error::Output {
                    path: shown,
                    message: format!(
                        "exists and is {what}; crimescape replaces only regular files"
                    ),
                });
            }
        }
        Ok(true)
    }

    /// Provenance record of the files written from now on (until the next call):
    /// each gets `<name>.provenance.json`, listing every file that shares the record.
    pub fn provenance(&mut self, p: Provenance) {
        self.provs.push(p);
        self.current = Some(self.provs.len() - 1);
    }

    /// Files written from now on get no provenance record.
    pub fn no_provenance(&mut self) {
        self.current = None;
    }

    /// A set-level record `name` written at the commit: the provenance `p` with every
    /// output of the set (provenance records excluded) in writing order.
    pub fn manifest(&mut self, name: &str, p: Provenance) -> Result<()> {
        let rel = format!("{}{name}", self.prefix);
        check_name(&rel)?;
        if !self.planned.contains(&rel) {
            self.plan([name])?;
        }
        self.manifest = Some((rel, p));
        Ok(())
    }
}

impl Outputs {
    /// The current provenance record as it will be written: its outputs so far plus
    /// `extra` (names relative to the current section), for a summary that embeds it.
    pub fn current_provenance(&self, extra: &[&str]) -> Option<Provenance> {
        let k = self.current?;
        let mut p = self.provs.get(k)?.clone();
        if let Some(c) = &self.opts.command {
            p.command = c.clone();
        }
        p.outputs = self
            .files
            .iter()
            .filter(|w| w.prov == Some(k))
            .map(|w| self.given.join(&w.rel).display().to_string())
            .chain(
                extra
                    .iter()
                    .map(|n| self.final_path(n).display().to_string()),
            )
            .collect();
        Some(p)
    }

    /// Final paths of the outputs written so far (provenance records excluded).
    pub fn written(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|w| !w.meta)
            .map(|w| self.given.join(&w.rel))
            .collect()
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        if let Some(st) = self.stage.take() {
            // a fork's staging folder is the set's
            if !self.fork {
                st.remove();
            }
        }
    }
}
