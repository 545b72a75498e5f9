//! [`Outputs`]: the object that owns an output folder and writes a result set into it
//! as a whole. See the module docs of [`crate::export`] for the guarantees.

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

/// Staging folders and lock files of unfinished sets of this process, removed by
/// [`abort_all`] (e.g. from a SIGINT handler).
static ACTIVE: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Removes the staging folders of every unfinished output set of this process.
///
/// For a signal handler that then exits: the output folders keep their previous
/// complete sets and no temporary file is left behind. Returns how many staging
/// folders were removed.
pub fn abort_all() -> usize {
    let list = match ACTIVE.lock() {
        Ok(mut g) => std::mem::take(&mut *g),
        Err(p) => std::mem::take(&mut *p.into_inner()),
    };
    for (dir, lock) in &list {
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::remove_file(lock);
    }
    list.len()
}

fn register(stage: &Path, lock: &Path) {
    if let Ok(mut g) = ACTIVE.lock() {
        g.push((stage.to_path_buf(), lock.to_path_buf()));
    }
}

fn unregister(stage: &Path) {
    if let Ok(mut g) = ACTIVE.lock() {
        g.retain(|(d, _)| d != stage);
    }
}

/// A staging folder, its lock file (held while this process works on it).
struct Stage {
    dir: PathBuf,
    lock_path: PathBuf,
    _lock: Option<File>,
}

impl Stage {
    fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(&self.lock_path);
        unregister(&self.dir);
    }
}

/// Takes the lock on a staging lock file without waiting; `false` when another live
/// process holds it.
#[cfg(unix)]
fn try_lock(f: &File) -> bool {
    rustix::fs::flock(f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
}

#[cfg(not(unix))]
fn try_lock(_f: &File) -> bool {
    true
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
        Err(Error::Param(format!(
            "output name {name:?}: must be a relative path without '..'"
        )))
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
        Ok(Outputs {
            given,
            dir: resolved,
            mode,
            opts: opts.clone(),
            planned: BTreeSet::new(),
            stage: None,
            files: Vec::new(),
            provs: Vec::new(),
            current: None,
            prefix: String::new(),
            manifest: None,
            public: Publisher::new(&opts.disclosure, opts.addresses.as_deref())?,
            guard: None,
            withheld: Vec::new(),
            single: None,
            report: Collector {
                enabled: true,
                ..Default::default()
            },
            memory: None,
            public_subsets: Vec::new(),
        })
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

    /// A sub-folder of the set: names written through the returned guard are relative
    /// to `name/` until it is dropped.
    pub fn section(&mut self, name: &str) -> Section<'_> {
        let old = self.prefix.clone();
        self.prefix = format!("{old}{}/", name.trim_matches('/'));
        let prov = self.current;
        Section {
            out: self,
            old,
            prov,
        }
    }

    fn stage(&mut self) -> Result<&Stage> {
        if self.stage.is_none() {
            let st = self.make_stage()?;
            self.stage = Some(st);
        }
        self.stage
            .as_ref()
            .ok_or_else(|| Error::Data("no staging folder".into()))
    }

    fn make_stage(&mut self) -> Result<Stage> {
        let pid = std::process::id();
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let (base, prefix) = match self.mode {
            Mode::Swap => (
                parent_of(&self.dir),
                format!(".{}.crimescape-", file_name(&self.dir)?),
            ),
            Mode::InPlace => (self.dir.clone(), ".crimescape-stage-".to_string()),
        };
        std::fs::create_dir_all(&base).map_err(|e| Error::io(&self.given, e))?;
        remove_stale(&base, &prefix);
        let dir = base.join(format!("{prefix}{pid}-{seq}"));
        let lock_path = base.join(format!("{prefix}{pid}-{seq}.lock"));
        let made = File::create(&lock_path).and_then(|f| {
            std::fs::create_dir(&dir)?;
            Ok(f)
        });
        match made {
            Ok(f) => {
                let lock = if try_lock(&f) { Some(f) } else { None };
                register(&dir, &lock_path);
                Ok(Stage {
                    dir,
                    lock_path,
                    _lock: lock,
                })
            }
            Err(e) if self.mode == Mode::Swap => {
                // the parent folder is not writable: stage inside the folder itself
                let _ = std::fs::remove_file(&lock_path);
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    self.mode = Mode::InPlace;
                    return self.make_stage();
                }
                Err(Error::io(&self.given, e))
            }
            Err(e) => {
                let _ = std::fs::remove_file(&lock_path);
                Err(Error::io(&self.given, e))
            }
        }
    }

    /// Opens the staged file for `name`; returns the relative and final paths too.
    fn create(&mut self, name: &str) -> Result<(BufWriter<File>, PathBuf)> {
        let rel = format!("{}{name}", self.prefix);
        check_name(&rel)?;
        let shown = self.given.join(&rel);
        if self.files.iter().any(|w| w.rel == rel) {
            return Err(Error::Output {
                path: shown,
                message: "written twice in one output set".into(),
            });
        }
        if !self.planned.contains(&rel) {
            // not declared: check now (still before anything reaches the folder)
            let saved = std::mem::take(&mut self.prefix);
            let r = self.plan([rel.as_str()]);
            self.prefix = saved;
            r?;
        }
        let staged = self.stage()?.dir.join(&rel);
        if let Some(d) = staged.parent() {
            std::fs::create_dir_all(d).map_err(|e| Error::io(&shown, e))?;
        }
        let f = File::create_new(&staged).map_err(|e| Error::io(&shown, e))?;
        self.files.push(Written {
            rel,
            prov: self.current,
            meta: false,
        });
        Ok((BufWriter::with_capacity(1 << 20, f), shown))
    }

    fn close(&self, w: BufWriter<File>, shown: &Path) -> Result<()> {
        let f = w
            .into_inner()
            .map_err(|e| Error::io(shown, e.into_error()))?;
        if self.opts.sync {
            f.sync_all().map_err(|e| Error::io(shown, e))?;
        }
        Ok(())
    }

    /// Streams into the file `name` with `f` (any format).
    pub fn write_with(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        let (mut w, shown) = self.create(name)?;
        f(&mut w).map_err(|e| rename_io(e, &shown))?;
        self.close(w, &shown)
    }

    /// Writes `t` as CSV (for the public audience: as the policy publishes it, or
    /// not at all when it is per-incident microdata).
    pub fn table(&mut self, name: &str, t: &dyn Table) -> Result<()> {
        if self.memory.is_some() {
            return self.memory_table(name, t);
        }
        if let Some(p) = self.public.take() {
            let r = p
                .table(&format!("{}{name}", self.prefix), t)
                .and_then(|pt| match pt {
                    Some(pt) => self.table_impl(name, &pt),
                    None => {
                        self.withheld.push(format!("{}{name}", self.prefix));
                        Ok(())
                    }
                });
            self.public = Some(p);
            return r;
        }
        self.table_impl(name, t)
    }

    fn table_impl(&mut self, name: &str, t: &dyn Table) -> Result<()> {
        let (w, shown) = self.create(name)?;
        let mut c = CsvWriter::new(w, &shown);
        c.write(t)?;
        let w = c.finish()?;
        self.close(w, &shown)
    }

    /// Writes `f` as GeoJSON (EPSG:4326 for georeferenced CRSs); for the public
    /// audience as the policy publishes it.
    pub fn features(&mut self, name: &str, f: &dyn Features) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        if let Some(p) = self.public.take() {
            let r = p.features(f).and_then(|pf| self.features_impl(name, &pf));
            self.public = Some(p);
            return r;
        }
        self.features_impl(name, f)
    }

    fn features_impl(&mut self, name: &str, f: &dyn Features) -> Result<()> {
        let (w, shown) = self.create(name)?;
        let mut g = GeoJsonWriter::new(w, f.crs(), &shown)?;
        g.write(f)?;
        let w = g.finish()?;
        self.close(w, &shown)?;
        if self.report.enabled {
            // the layer as written (published), for the report's interactive map
            let mut c = report::map::Capture {
                cap: report::MAP_MAX_FEATURES,
                total: 0,
                features: Vec::new(),
            };
            f.features(&mut c)?;
            self.report.layers.push(report::LayerCapture {
                rel: format!("{}{name}", self.prefix),
                total: c.total,
                features: c.features,
                crs: f.crs().name(),
            });
        }
        Ok(())
    }

    /// Writes `v` as pretty-printed JSON.
    pub fn json<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) -> Result<()> {
        self.json_impl(name, v, false)
    }

    /// Writes `v` as pretty-printed JSON followed by a newline.
    pub fn json_with_newline<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) -> Result<()> {
        self.json_impl(name, v, true)
    }

    fn json_impl<T: Serialize + ?Sized>(&mut self, name: &str, v: &T, nl: bool) -> Result<()> {
        if let Some(p) = &self.public {
            let shown = self.final_path(name);
            let mut value = serde_json::to_value(v).map_err(|e| Error::Output {
                path: shown,
                message: format!("cannot be written as JSON: {e}"),
            })?;
            p.json(&mut value);
            return self.json_write(name, &value, nl);
        }
        self.json_write(name, v, nl)
    }

    fn json_write<T: Serialize + ?Sized>(&mut self, name: &str, v: &T, nl: bool) -> Result<()> {
        if self.memory.is_some() {
            return self.memory_json(name, v);
        }
        let (mut w, shown) = self.create(name)?;
        serde_json::to_writer_pretty(&mut w, v).map_err(|e| {
            if e.is_io() {
                Error::io(&shown, std::io::Error::from(e))
            } else {
                Error::Output {
                    path: shown.clone(),
                    message: format!("cannot be written as JSON: {e}"),
                }
            }
        })?;
        if nl {
            w.write_all(b"\n").map_err(|e| Error::io(&shown, e))?;
        }
        self.close(w, &shown)
    }

    /// Renders `fig` in the format of the name's extension (`.png` or `.svg`); a
    /// `.png` figure is also written as the same-named `.svg` (the vector drawing it
    /// was rasterised from), so every figure can be printed sharply or edited.
    pub fn figure(&mut self, name: &str, fig: &Figure) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        let format = FigureFormat::of_name(name)?;
        // public audience: the figure is drawn from the published values
        let published;
        let fig = match &self.public {
            Some(p) => {
                published = p.figure(fig);
                &published
            }
            None => fig,
        };
        // the source line: the inputs of the current provenance record, unless set
        let own_source = self.opts.style.source.is_empty();
        if own_source {
            if let Some(p) = self.current.and_then(|k| self.provs.get(k)) {
                self.opts.style.source = super::provenance::source_lines(p);
            }
        }
        let scene = fig.scene(&self.opts.style);
        if own_source {
            self.opts.style.source.clear();
        }
        let scene = scene?;
        let svg = scene.to_svg()?;
        let svg_name = match format {
            FigureFormat::Svg => {
                self.bytes(name, svg.as_bytes())?;
                name.to_string()
            }
            FigureFormat::Png => {
                self.bytes(name, &scene.to_png()?)?;
                let stem = &name[..name.len() - 4];
                let svg_name = format!("{stem}.svg");
                self.bytes(&svg_name, svg.as_bytes())?;
                svg_name
            }
        };
        if self.report.enabled {
            let note = self.figure_note(fig, &svg_name, format == FigureFormat::Png, name);
            self.report.figures.push(note);
        }
        Ok(())
    }

    /// What the report shows of a figure just written.
    fn figure_note(&self, fig: &Figure, svg: &str, png: bool, name: &str) -> FigureNote {
        let style = &self.opts.style;
        let (lines, colours) = match fig {
            Figure::GridMap {
                grid,
                values,
                options,
                ..
            } => (
                &options.title,
                Some(report::FigureColours {
                    grid: Some(*grid),
                    values: values.clone(),
                    scale: options.scale.clone(),
                    palette: style.palette,
                    caption: options.legend.clone(),
                }),
            ),
            Figure::FeatureMap {
                values, options, ..
            } => (
                &options.title,
                Some(report::FigureColours {
                    grid: None,
                    values: values.clone(),
                    scale: options.scale.clone(),
                    palette: style.palette,
                    caption: options.legend.clone(),
                }),
            ),
            Figure::LinePlot { options, .. } | Figure::BarPlot { options, .. } => {
                (&options.title, None)
            }
            Figure::HeatTable(h) => (&h.title, None),
        };
        let (title, subtitle, _) = style.headings(lines);
        let mut notes = style.notes(lines);
        // the version and source lines are in the provenance section
        notes.retain(|n| !n.starts_with("Made with crimescape") && !style.source.contains(n));
        FigureNote {
            svg: format!("{}{svg}", self.prefix),
            png: png.then(|| format!("{}{name}", self.prefix)),
            title,
            subtitle,
            notes,
            colours,
        }
    }

    /// Summary sentences of the result written into the current section, shown at the
    /// top of the section's report (e.g. a study's `summary_text`).
    pub fn summary(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.report
                .summaries
                .push((self.prefix.clone(), text.to_string()));
        }
    }

    /// Summary sentences of the result written into the sub-folder `sub` (e.g. `kde/`)
    /// of the current section, shown at the top of that sub-folder's report (a study
    /// that writes several sub-folders of one section, as the demo's network step).
    pub fn summary_at(&mut self, sub: &str, text: &str) {
        if !text.trim().is_empty() {
            let mut dir = format!("{}{sub}", self.prefix);
            if !dir.is_empty() && !dir.ends_with('/') {
                dir.push('/');
            }
            self.report.summaries.push((dir, text.to_string()));
        }
    }

    /// Writes a result ([`Export::write`](super::Export::write)) into the current
    /// section and records its summary sentences for the report.
    pub fn write_result(&mut self, r: &dyn super::Export) -> Result<()> {
        r.write(self)?;
        if let Some(s) = r.summary() {
            self.summary(&s);
        }
        Ok(())
    }

    /// Writes an index page ([`INDEX_HTML`](super::INDEX_HTML)) at the top of the set, linking
    /// every folder's report, instead of a report there (the demo's `index.html`).
    pub fn index(&mut self) {
        self.report.index = true;
    }

    /// Writes no HTML report for this set.
    pub fn no_report(&mut self) {
        self.report.enabled = false;
    }

    /// Writes the GeoPackage of [`OutputOptions::gpkg`] from the staged GeoJSON layers
    /// and their `.qml` styles and adds it to the set (called by [`Outputs::commit`]
    /// after the reports, before the provenance records and the public-audience scan).
    fn write_gpkg(&mut self) -> Result<()> {
        let Some(name) = self.opts.gpkg.clone() else {
            return Ok(());
        };
        if self.stage.is_none() || self.memory.is_some() {
            return Ok(());
        }
        check_name(&name)?;
        let shown = self.given.join(&name);
        if self.files.iter().any(|w| w.rel == name) {
            return Err(Error::Output {
                path: shown,
                message: "written twice in one output set".into(),
            });
        }
        self.target_exists(&name)?;
        if !self.planned.contains(&name) {
            let saved = std::mem::take(&mut self.prefix);
            let r = self.plan([name.as_str()]);
            self.prefix = saved;
            r?;
        }
        self.gpkg_impl(&name, &shown)?;
        self.files.push(Written {
            rel: name,
            prov: None,
            meta: false,
        });
        Ok(())
    }

    #[cfg(feature = "gdal")]
    fn gpkg_impl(&mut self, name: &str, shown: &Path) -> Result<()> {
        let stage_dir = self.stage()?.dir.clone();
        let mut layers = Vec::new();
        for w in self.files.iter().filter(|w| !w.meta) {
            let Some(stem) = w.rel.strip_suffix(".geojson") else {
                continue;
            };
            let qml_rel = format!("{stem}.qml");
            let qml = if self.files.iter().any(|x| x.rel == qml_rel) {
                let p = stage_dir.join(&qml_rel);
                Some(
                    std::fs::read_to_string(&p)
                        .map_err(|e| Error::io(self.given.join(&qml_rel), e))?,
                )
            } else {
                None
            };
            layers.push(super::gpkg::GpkgLayer {
                table: super::gpkg::table_name(&w.rel),
                geojson: stage_dir.join(&w.rel),
                qml,
            });
        }
        super::gpkg::write_gpkg(&stage_dir.join(name), shown, &layers)
    }

    #[cfg(not(feature = "gdal"))]
    fn gpkg_impl(&mut self, _name: &str, shown: &Path) -> Result<()> {
        Err(Error::Output {
            path: shown.to_path_buf(),
            message: "a GeoPackage needs crimescape built with the `gdal` feature (cargo build --features gdal)".into(),
        })
    }

    /// Builds the reports (and the index) from the staged files and adds them to the
    /// set (called by [`Outputs::commit`] before the public-audience scan, so a public
    /// report is scanned as every other file).
    fn write_reports(&mut self) -> Result<()> {
        self.write_reports_in(None)
    }

    /// The reports of the folders under `under` (a public sub-folder being finished:
    /// its pages, no index; their headlines are kept for the index), or of every other
    /// folder and the index (`None`, at the commit).
    fn write_reports_in(&mut self, under: Option<&str>) -> Result<()> {
        if !self.report.enabled || self.stage.is_none() {
            return Ok(());
        }
        let stage_dir = self.stage()?.dir.clone();
        // provenance records as written (public: through the policy)
        let provs: Vec<serde_json::Value> = self
            .provs
            .iter()
            .map(|p| {
                let mut p = p.clone();
                if let Some(c) = &self.opts.command {
                    p.command = c.clone();
                }
                let mut v = serde_json::to_value(&p).unwrap_or(serde_json::Value::Null);
                if let Some(publ) = &self.public {
                    publ.json(&mut v);
                }
                v
            })
            .collect();
        let mut dirs: Vec<String> = self
            .files
            .iter()
            .filter(|w| !w.meta)
            // a finished public sub-folder got its pages before its scan: none is added
            .filter(|w| match under {
                Some(p) => w.rel.starts_with(p),
                None => !self.public_subsets.iter().any(|s| w.rel.starts_with(s)),
            })
            .map(|w| report::dir_of(&w.rel).to_string())
            .collect();
        dirs.sort();
        dirs.dedup();
        let mut heads = Vec::new();
        let mut pages: Vec<(String, String)> = Vec::new();
        for d in &dirs {
            if d.is_empty() && self.report.index {
                continue;
            }
            let rel = format!("{d}{}", report::REPORT_HTML);
            if self.files.iter().any(|w| w.rel == rel) {
                continue; // the set wrote a file of that name itself
            }
            let mut files = Vec::new();
            for w in self
                .files
                .iter()
                .filter(|w| !w.meta && report::dir_of(&w.rel) == d.as_str())
            {
                let shown = self.given.join(&w.rel);
                let bytes =
                    std::fs::read(stage_dir.join(&w.rel)).map_err(|e| Error::io(&shown, e))?;
                files.push(report::SetFile {
                    rel: &w.rel,
                    bytes,
                    prov: w.prov,
                });
            }
            let fr = report::FolderReport {
                dir: d,
                shown: self.given.join(d).display().to_string(),
                files,
                provs: &provs,
                public: self.public.is_some(),
            };
            let (html, head) = report::folder_report(&fr, &self.report, &self.opts.style.context);
            heads.push(head);
            pages.push((rel, html));
        }
        if under.is_some() {
            self.report.public_heads.append(&mut heads);
        } else {
            heads.append(&mut self.report.public_heads);
            heads.sort_by(|a, b| a.dir.cmp(&b.dir));
        }
        if under.is_none() && self.report.index && !heads.is_empty() {
            let top: Vec<&str> = self
                .report
                .summaries
                .iter()
                .filter(|(d, _)| d.is_empty())
                .map(|(_, s)| s.as_str())
                .collect();
            let html = report::index_page(&self.given.display().to_string(), &heads, &top);
            pages.push((report::INDEX_HTML.to_string(), html));
        }
        for (rel, html) in pages {
            // a report of an earlier set in the folder is replaced (never a folder or link)
            self.target_exists(&rel)?;
            let shown = self.given.join(&rel);
            let staged = stage_dir.join(&rel);
            std::fs::write(&staged, html.as_bytes()).map_err(|e| Error::io(&shown, e))?;
            self.files.push(Written {
                rel,
                prov: None,
                meta: false,
            });
        }
        Ok(())
    }

    /// How the figures of this set are drawn (title, palette, source line, context
    /// layers); e.g. the demo puts its city's river, parks and streets under its maps.
    pub fn style_mut(&mut self) -> &mut crate::render::Style {
        &mut self.opts.style
    }

    /// Writes the QGIS style of the layer `geojson` (a name ending in `.geojson`) as the
    /// same-named `.qml`, with the classes and colours of `fig`'s legend (see
    /// [`super::qml`]); `field` is the attribute the map is coloured by. Does nothing
    /// for a figure that is not a map.
    pub fn qml(
        &mut self,
        geojson: &str,
        fig: &Figure,
        field: &super::qml::ClassedField,
        kind: super::qml::SymbolKind,
    ) -> Result<()> {
        let published;
        let fig = match &self.public {
            Some(p) => {
                published = p.figure(fig);
                &published
            }
            None => fig,
        };
        let scale = match fig {
            Figure::GridMap { options, .. } | Figure::FeatureMap { options, .. } => &options.scale,
            _ => return Ok(()),
        };
        let scale = scale.clone();
        self.qml_scale(geojson, &scale, field, kind)
    }

    /// Writes the QGIS style of the layer `geojson` as the same-named `.qml`, with the
    /// classes and colours of `scale` (e.g. the fixed colours of a map's overlays, as
    /// its title names them), on `field`.
    pub fn qml_scale(
        &mut self,
        geojson: &str,
        scale: &crate::render::ColourScale,
        field: &super::qml::ClassedField,
        kind: super::qml::SymbolKind,
    ) -> Result<()> {
        let stem = geojson.strip_suffix(".geojson").unwrap_or(geojson);
        let text = super::qml::qml(scale, self.opts.style.palette, field, kind);
        self.bytes(&format!("{stem}.qml"), text.as_bytes())
    }

    /// Writes text (a Markdown or HTML report, a plain-text table).
    pub fn text(&mut self, name: &str, s: &str) -> Result<()> {
        self.bytes(name, s.as_bytes())
    }

    /// Writes bytes as they are.
    pub fn bytes(&mut self, name: &str, b: &[u8]) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        let (mut w, shown) = self.create(name)?;
        w.write_all(b).map_err(|e| Error::io(&shown, e))?;
        self.close(w, &shown)
    }

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

    fn write_meta(&mut self, rel: &str, p: &Provenance) -> Result<()> {
        let shown = self.given.join(rel);
        let mut bytes = match &self.public {
            // provenance holds no coordinates either: the parameters pass the policy
            Some(publ) => serde_json::to_value(p)
                .map(|mut v| {
                    publ.json(&mut v);
                    v
                })
                .and_then(|v| serde_json::to_vec_pretty(&v)),
            None => serde_json::to_vec_pretty(p),
        }
        .map_err(|e| Error::Output {
            path: shown.clone(),
            message: format!("provenance cannot be written: {e}"),
        })?;
        self.write_meta_bytes(rel, bytes.split_off(0))
    }

    fn write_meta_bytes(&mut self, rel: &str, mut bytes: Vec<u8>) -> Result<()> {
        let shown = self.given.join(rel);
        let staged = self.stage()?.dir.join(rel);
        if bytes.is_empty() {
            bytes.extend_from_slice(b"{}");
        }
        let f = File::create_new(&staged).map_err(|e| Error::io(&shown, e))?;
        let mut w = BufWriter::new(f);
        w.write_all(&bytes).map_err(|e| Error::io(&shown, e))?;
        self.close(w, &shown)?;
        self.files.push(Written {
            rel: rel.to_string(),
            prov: None,
            meta: true,
        });
        Ok(())
    }

    /// Writes the provenance record of every output that `pick` selects (each record
    /// lists the files that share it); those outputs then have none pending.
    fn write_provenance_records(&mut self, pick: &dyn Fn(&Written) -> bool) -> Result<()> {
        let data: Vec<Written> = self.files.clone();
        for (k, base) in self.provs.clone().into_iter().enumerate() {
            let outs: Vec<&Written> = data
                .iter()
                .filter(|w| w.prov == Some(k) && pick(w))
                .collect();
            if outs.is_empty() {
                continue;
            }
            let mut p = base;
            if let Some(c) = &self.opts.command {
                p.command = c.clone();
            }
            p.outputs = outs
                .iter()
                .map(|w| self.given.join(&w.rel).display().to_string())
                .collect();
            for w in &outs {
                self.write_meta(&format!("{}{PROVENANCE_SUFFIX}", w.rel), &p)?;
            }
        }
        for w in self.files.iter_mut().filter(|w| !w.meta && pick(w)) {
            w.prov = None;
        }
        Ok(())
    }

    /// Writes the provenance records and moves the whole set into place. Returns the
    /// final paths of every file of the set (provenance records included).
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        if self.stage.is_none() && self.manifest.is_none() {
            return Ok(Vec::new());
        }
        self.write_reports()?;
        self.write_gpkg()?;
        // provenance beside every output: each record lists the files that share it
        self.write_provenance_records(&|_| true)?;
        let data: Vec<Written> = self.files.clone();
        if let Some((rel, mut p)) = self.manifest.take() {
            if let Some(c) = &self.opts.command {
                p.command = c.clone();
            }
            p.outputs = data
                .iter()
                .filter(|w| !w.meta && !self.public_subsets.iter().any(|s| w.rel.starts_with(s)))
                .map(|w| self.given.join(&w.rel).display().to_string())
                .collect();
            self.write_meta(&rel, &p)?;
        }
        if let Some(publ) = &self.public {
            let mut report = publ.report();
            if self.guard.is_none() {
                report.add_rule("the files were not scanned for incident locations (the set was not given the incidents)");
            } else {
                report.add_rule("every file (PNG rasters excepted) scanned for incident locations within 1 m (working CRS and lon/lat) and counts below k before publication: none found");
            }
            let names = self.report_names();
            let json = serde_json::to_vec_pretty(&report).map_err(|e| Error::Output {
                path: self.given.join(&names[0]),
                message: format!("cannot be written: {e}"),
            })?;
            self.write_meta_bytes(&names[0], json)?;
            self.write_meta_bytes(&names[1], report.to_text().into_bytes())?;
        }
        if self.guard.is_some() {
            let stage_dir = self.stage()?.dir.clone();
            for w in &self.files {
                if w.rel.to_ascii_lowercase().ends_with(".png") {
                    continue;
                }
                let shown = self.given.join(&w.rel);
                let bytes =
                    std::fs::read(stage_dir.join(&w.rel)).map_err(|e| Error::io(&shown, e))?;
                let found = self
                    .guard
                    .as_ref()
                    .map(|g| g.scan(&bytes))
                    .unwrap_or_default();
                if let Some(f) = found.first() {
                    return Err(Error::Output {
                        path: shown,
                        message: format!(
                            "public output refused: the file would hold {} value(s) that locate an incident or count fewer than k incidents (first: {:?} at byte {}); nothing was written. This output cannot be published generically yet: leave the public audience (`audience`) off for it, or report the case",
                            found.len(),
                            f.text,
                            f.offset.map_or("-".to_string(), |o| o.to_string())
                        ),
                    });
                }
            }
        }
        let stage_dir = self.stage()?.dir.clone();
        let mut written: Vec<String> = self.files.iter().map(|w| w.rel.clone()).collect();
        // outputs withheld by the policy: an older file of that name must not stay
        for rel in &self.withheld {
            for r in [rel.clone(), format!("{rel}{PROVENANCE_SUFFIX}")] {
                let _ = std::fs::remove_file(self.dir.join(&r));
                written.retain(|w| w != &r);
            }
        }
        match self.mode {
            Mode::Swap => self.commit_swap(&stage_dir, &written)?,
            Mode::InPlace => self.commit_in_place(&stage_dir, &written)?,
        }
        if let Some(st) = self.stage.take() {
            st.remove();
        }
        sync_dir(&parent_of(&self.dir));
        sync_dir(&self.dir);
        Ok(written.iter().map(|r| self.given.join(r)).collect())
    }

    /// Moves each staged file into the folder (atomic per file).
    fn commit_in_place(&self, stage: &Path, written: &[String]) -> Result<()> {
        for rel in written {
            let to = self.dir.join(rel);
            let shown = self.given.join(rel);
            if let Some(d) = to.parent() {
                std::fs::create_dir_all(d).map_err(|e| Error::io(&shown, e))?;
            }
            std::fs::rename(stage.join(rel), &to).map_err(|e| Error::io(&shown, e))?;
        }
        Ok(())
    }

    /// Swaps the staged set into place in one rename; files of the folder that are not
    /// part of the new set are carried over (hard links) first.
    fn commit_swap(&self, stage: &Path, written: &[String]) -> Result<()> {
        let replaced: HashSet<&str> = written.iter().map(String::as_str).collect();
        if !self.dir.exists() {
            std::fs::create_dir_all(parent_of(&self.dir)).map_err(|e| Error::io(&self.given, e))?;
            if std::fs::rename(stage, &self.dir).is_ok() {
                return Ok(());
            }
            if !self.dir.exists() {
                return self.commit_in_place(stage, written);
            }
        }
        if carry_over(&self.dir, stage, "", &replaced).is_err() {
            return self.commit_in_place(stage, written);
        }
        if let Ok(m) = std::fs::metadata(&self.dir) {
            let _ = std::fs::set_permissions(stage, m.permissions());
        }
        if exchange(stage, &self.dir).is_err() {
            return self.commit_in_place(stage, written);
        }
        // files created in the folder while we linked (not carried): move them back
        let _ = move_back(stage, &self.dir, "", &replaced);
        Ok(())
    }
}

/// The io error of a writer, renamed to name the final output.
fn rename_io(e: Error, shown: &Path) -> Error {
    match e {
        Error::Io { source, .. } => Error::io(shown, source),
        other => other,
    }
}

fn sync_dir(d: &Path) {
    if let Ok(f) = File::open(d) {
        let _ = f.sync_all();
    }
}

/// Hard-links every entry of `from/rel` that the new set does not replace into
/// `to/rel` (folders are recreated, with their permissions).
fn carry_over(from: &Path, to: &Path, rel: &str, replaced: &HashSet<&str>) -> std::io::Result<()> {
    for e in std::fs::read_dir(from.join(rel))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let ft = e.file_type()?;
        if ft.is_dir() {
            let d = to.join(&r);
            if !d.exists() {
                std::fs::create_dir(&d)?;
                if let Ok(m) = e.metadata() {
                    let _ = std::fs::set_permissions(&d, m.permissions());
                }
            }
            carry_over(from, to, &r, replaced)?;
        } else if !replaced.contains(r.as_str()) && !to.join(&r).exists() {
            std::fs::hard_link(from.join(&r), to.join(&r))?;
        }
    }
    Ok(())
}

/// After the swap `old` holds the previous folder: entries that are neither in the new
/// folder nor replaced by the set (created during the swap) are moved into `new`.
fn move_back(old: &Path, new: &Path, rel: &str, replaced: &HashSet<&str>) -> std::io::Result<()> {
    for e in std::fs::read_dir(old.join(rel))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let target = new.join(&r);
        if e.file_type()?.is_dir() && target.is_dir() {
            move_back(old, new, &r, replaced)?;
        } else if !replaced.contains(r.as_str()) && std::fs::symlink_metadata(&target).is_err() {
            std::fs::rename(old.join(&r), &target)?;
        }
    }
    Ok(())
}

/// Atomically exchanges two paths (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no atomic exchange on this platform",
    ))
}

/// Removes staging folders under `base` named `<prefix><pid>-<seq>` whose lock no live
/// process holds (left by a killed run).
fn remove_stale(base: &Path, prefix: &str) {
    let Ok(rd) = std::fs::read_dir(base) else {
        return;
    };
    let names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    let ours = |n: &str| -> bool {
        let rest = &n[prefix.len()..];
        let rest = rest.strip_suffix(".lock").unwrap_or(rest);
        match rest.split_once('-') {
            Some((a, b)) => {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            }
            None => false,
        }
    };
    for n in names.iter().filter(|n| ours(n) && !n.ends_with(".lock")) {
        let lock = base.join(format!("{n}.lock"));
        let stale = match File::open(&lock) {
            Ok(f) => try_lock(&f),
            Err(_) => true,
        };
        if stale {
            let _ = std::fs::remove_dir_all(base.join(n));
            let _ = std::fs::remove_file(&lock);
        }
    }
    // lock files whose folder is gone
    for n in names.iter().filter(|n| ours(n) && n.ends_with(".lock")) {
        let dir = base.join(&n[..n.len() - ".lock".len()]);
        if !dir.exists() {
            if let Ok(f) = File::open(base.join(n)) {
                if try_lock(&f) {
                    let _ = std::fs::remove_file(base.join(n));
                }
            }
        }
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        if let Some(st) = self.stage.take() {
            st.remove();
        }
    }
}

/// A sub-folder of an [`Outputs`] set (see [`Outputs::section`]); derefs to the set.
pub struct Section<'a> {
    out: &'a mut Outputs,
    old: String,
    prov: Option<usize>,
}

impl std::ops::Deref for Section<'_> {
    type Target = Outputs;
    fn deref(&self) -> &Outputs {
        self.out
    }
}

impl std::ops::DerefMut for Section<'_> {
    fn deref_mut(&mut self) -> &mut Outputs {
        self.out
    }
}

impl Drop for Section<'_> {
    fn drop(&mut self) {
        self.out.prefix = std::mem::take(&mut self.old);
        self.out.current = self.prov;
    }
}

// -- public sub-folders (issue 18) --

impl Outputs {
    /// A sub-folder `name/` of this set written for another audience: every file
    /// written through the returned guard passes through the `disclosure` policy (with
    /// the `addresses` layer for anonymous map points), as in a set of its own, while
    /// the rest of the set keeps its own policy (e.g. the demo's public report beside
    /// its internal outputs). [`PublicSection::finish`] writes the sub-folder's
    /// provenance records (through the policy) and its disclosure report, and scans its
    /// files for the incidents' locations; dropping the guard unfinished leaves the
    /// sub-folder without a report, so a caller must finish it before the commit.
    ///
    /// The sub-folder's files are not listed in the set's manifest
    /// ([`Outputs::manifest`]): the outer provenance stays that of the outer set.
    pub fn public_section(
        &mut self,
        name: &str,
        disclosure: &Disclosure,
        addresses: Option<&AddressLayer>,
    ) -> Result<PublicSection<'_>> {
        let publisher = Publisher::new(disclosure, addresses)?.ok_or_else(|| {
            Error::Param(format!(
                "output sub-folder {name:?}: a public section needs a public policy"
            ))
        })?;
        let old_prefix = self.prefix.clone();
        self.prefix = format!("{old_prefix}{}/", name.trim_matches('/'));
        let reports = [
            format!("{}{DISCLOSURE_JSON}", self.prefix),
            format!("{}{DISCLOSURE_TEXT}", self.prefix),
        ];
        let planned = self.plan_meta(&reports);
        let old_public = self.public.replace(publisher);
        let old_guard = self.guard.take();
        let old_prov = self.current.take();
        let g = PublicSection {
            out: self,
            old_prefix,
            old_prov,
            old_public,
            old_guard,
        };
        planned.map(|_| g)
    }
}

impl Outputs {
    /// For the public audience without an address layer: points written from now on
    /// are moved to the nearest midpoint of a segment of `streets` (a line layer in
    /// the working CRS of the outputs) rather than to the centre of their 100 m
    /// square, and the disclosure report says so. Does nothing (returns `false`) for
    /// the internal audience, with an address layer, or once a point has been moved
    /// (a set never mixes two rules). Studies with a street layer call it first.
    pub fn anchor_to_streets(&mut self, streets: &crate::layer::Layer) -> bool {
        let Some(p) = self.public.as_mut() else {
            return false;
        };
        let mid = crate::disclosure::segment_midpoints(streets);
        let name = if streets.name.is_empty() {
            "the street layer".to_string()
        } else {
            format!("the street layer {:?}", streets.name)
        };
        p.anchor_to_midpoints(&mid, &name)
    }

    /// The minimum count k of a public set (`None` for the internal audience), for a
    /// result that must leave out units of fewer than k incidents (e.g. ranked user
    /// sites) and say so with [`Outputs::note_withheld`].
    pub fn public_min_count(&self) -> Option<u32> {
        self.public.as_ref().map(Publisher::k)
    }

    /// States in the disclosure report of a public set that `what` was withheld
    /// (does nothing for the internal audience).
    pub fn note_withheld(&mut self, what: &str) {
        if let Some(p) = &self.public {
            p.note_withheld(what.to_string());
        }
    }
}

/// A public sub-folder of an output set, see [`Outputs::public_section`].
pub struct PublicSection<'a> {
    out: &'a mut Outputs,
    old_prefix: String,
    old_prov: Option<usize>,
    old_public: Option<Publisher>,
    old_guard: Option<Scanner>,
}

impl PublicSection<'_> {
    /// Finishes the sub-folder: writes the provenance records of its files (through
    /// the policy) and its disclosure report (`disclosure.json`, `disclosure.txt`),
    /// then scans every file of the sub-folder (PNG rasters excepted) for any of the
    /// incidents' locations (`working` in `crs`, `lonlat`) within 1 m and any count
    /// below k, as [`Outputs::guard`] does for a whole set. A finding is an error
    /// naming the file (the set must then not be committed). Returns the report.
    pub fn finish(
        self,
        working: &[[f64; 2]],
        lonlat: &[[f64; 2]],
        crs: &Crs,
    ) -> Result<DisclosureReport> {
        let out = &mut *self.out;
        let prefix = out.prefix.clone();
        out.guard(working, lonlat, crs)?;
        out.write_provenance_records(&|w| w.rel.starts_with(&prefix))?;
        let mut report = out.disclosure_report().unwrap_or_default();
        report.add_rule("every file (PNG rasters excepted) scanned for incident locations within 1 m (working CRS and lon/lat) and counts below k before publication: none found");
        let json = serde_json::to_vec_pretty(&report).map_err(|e| Error::Output {
            path: out.final_path(DISCLOSURE_JSON),
            message: format!("cannot be written: {e}"),
        })?;
        out.write_meta_bytes(&format!("{prefix}{DISCLOSURE_JSON}"), json)?;
        out.write_meta_bytes(
            &format!("{prefix}{DISCLOSURE_TEXT}"),
            report.to_text().into_bytes(),
        )?;
        // the sub-folder's report pages, built now so that the scan below covers them
        out.write_reports_in(Some(&prefix))?;
        let stage_dir = out.stage()?.dir.clone();
        for w in out.files.iter().filter(|w| w.rel.starts_with(&prefix)) {
            if w.rel.to_ascii_lowercase().ends_with(".png") {
                continue;
            }
            let shown = out.given.join(&w.rel);
            let bytes = std::fs::read(stage_dir.join(&w.rel)).map_err(|e| Error::io(&shown, e))?;
            let found = out
                .guard
                .as_ref()
                .map(|g| g.scan(&bytes))
                .unwrap_or_default();
            if let Some(f) = found.first() {
                return Err(Error::Output {
                    path: shown,
                    message: format!(
                        "public output refused: the file would hold {} value(s) that locate an incident or count fewer than k incidents (first: {:?} at byte {}); nothing was written",
                        found.len(),
                        f.text,
                        f.offset.map_or("-".to_string(), |o| o.to_string())
                    ),
                });
            }
        }
        out.public_subsets.push(prefix);
        Ok(report)
    }
}

impl std::ops::Deref for PublicSection<'_> {
    type Target = Outputs;
    fn deref(&self) -> &Outputs {
        self.out
    }
}

impl std::ops::DerefMut for PublicSection<'_> {
    fn deref_mut(&mut self) -> &mut Outputs {
        self.out
    }
}

impl Drop for PublicSection<'_> {
    fn drop(&mut self) {
        self.out.prefix = std::mem::take(&mut self.old_prefix);
        self.out.current = self.old_prov;
        self.out.public = self.old_public.take();
        self.out.guard = self.old_guard.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{table, Cell, Column};

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn prov() -> Provenance {
        Provenance::new(serde_json::json!({"k": 1}))
    }

    #[test]
    fn plan_refuses_existing_outputs_before_writing() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        let e = o.plan(["b.csv", "a.csv"]).unwrap_err();
        match &e {
            Error::OutputsExist { names, .. } => assert_eq!(names, &["a.csv".to_string()]),
            other => panic!("{other}"),
        }
        // the library names no flag: the binary adds "use --force"
        assert!(e.to_string().contains("overwriting was not allowed"), "{e}");
        assert!(!e.to_string().contains("--"), "{e}");
        drop(o);
        assert_eq!(names(d.path()), ["out"]);
        assert_eq!(names(&out), ["a.csv"]);
    }

    #[test]
    fn commit_replaces_the_set_and_keeps_other_files() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        std::fs::create_dir_all(out.join("sub")).unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        std::fs::write(out.join("sub/keep.txt"), "mine too").unwrap();
        #[cfg(unix)]
        let ino = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(out.join("notes.txt")).unwrap().ino()
        };
        let mut o = Outputs::folder(&out, &OutputOptions::force(true)).unwrap();
        o.no_report();
        o.plan(["a.csv", "sub/b.json"]).unwrap();
        o.provenance(prov());
        o.text("a.csv", "new").unwrap();
        o.json("sub/b.json", &serde_json::json!([1])).unwrap();
        // nothing is in place before the commit
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
        let files = o.commit().unwrap();
        assert_eq!(files.len(), 4);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "new");
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("sub/keep.txt")).unwrap(),
            "mine too"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(std::fs::metadata(out.join("notes.txt")).unwrap().ino(), ino);
        }
        assert_eq!(
            names(&out),
            ["a.csv", "a.csv.provenance.json", "notes.txt", "sub"]
        );
        assert_eq!(
            names(&out.join("sub")),
            ["b.json", "b.json.provenance.json", "keep.txt"]
        );
        let p: Provenance =
            serde_json::from_slice(&std::fs::read(out.join("a.csv.provenance.json")).unwrap())
                .unwrap();
        assert_eq!(
            p.outputs,
            [
                out.join("a.csv").display().to_string(),
                out.join("sub/b.json").display().to_string()
            ]
        );
        // no staging folder or lock left beside
        assert_eq!(names(d.path()), ["out"]);
    }

    #[test]
    fn commit_creates_a_missing_folder_in_one_rename() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("a/b/out");
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        o.no_report();
        o.plan(["x.txt"]).unwrap();
        o.text("x.txt", "x").unwrap();
        assert!(!out.exists());
        o.commit().unwrap();
        assert_eq!(names(&out), ["x.txt"]);
        assert_eq!(names(&d.path().join("a/b")), ["out"]);
    }

    #[test]
    fn drop_without_commit_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        {
            let mut o = Outputs::folder(&out, &OutputOptions::force(true)).unwrap();
            o.text("a.csv", "new").unwrap();
            o.text("b.csv", "new").unwrap();
            assert_eq!(names(d.path()).len(), 3, "{:?}", names(d.path()));
        }
        assert_eq!(names(d.path()), ["out"]);
        assert_eq!(names(&out), ["a.csv"]);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
    }

    #[test]
    fn plan_refuses_non_regular_targets_even_with_force() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        std::fs::create_dir_all(out.join("a.csv")).unwrap();
        let mut o = Outputs::folder(&out, &OutputOptions::force(true)).unwrap();
        let e = o.plan(["a.csv"]).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
        std::fs::write(out.join("file"), "x").unwrap();
        let e = o.plan(["file/b.csv"]).unwrap_err();
        assert!(e.to_string().contains("not a folder"), "{e}");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(out.join("file"), out.join("link")).unwrap();
            let e = o.plan(["link"]).unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
        }
        // an output folder that is a file
        let e = Outputs::folder(out.join("file"), &OutputOptions::default())
            .err()
            .unwrap();
        assert!(e.to_string().contains("not a folder"), "{e}");
    }

    #[test]
    fn write_errors_name_the_final_output() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        let e = o
            .write_with("big.csv", |w| {
                w.write_all(b"x").map_err(|e| Error::io("somewhere", e))?;
                Err(Error::io(
                    "staging",
                    std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left on device"),
                ))
            })
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}: no space left on device", out.join("big.csv").display())
        );
    }

    #[test]
    fn stale_staging_of_a_killed_run_is_removed() {
        let d = tempfile::tempdir().unwrap();
        let stale = d.path().join(".out.crimescape-4000000-7");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("big.geojson"), "partial").unwrap();
        std::fs::write(d.path().join(".out.crimescape-4000000-7.lock"), "").unwrap();
        // not ours: left alone
        std::fs::write(d.path().join(".out.crimescape-notes"), "").unwrap();
        let mut o = Outputs::folder(d.path().join("out"), &OutputOptions::default()).unwrap();
        o.text("a.txt", "a").unwrap();
        o.commit().unwrap();
        assert_eq!(names(d.path()), [".out.crimescape-notes", "out"]);
    }

    #[test]
    fn sections_manifest_and_provenance_records() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("demo");
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        o.no_report();
        o.plan(["city/x.csv", "hot/counts.csv"]).unwrap();
        {
            let mut s = o.section("city");
            s.no_provenance();
            s.text("x.csv", "x").unwrap();
            assert!(s.staged_path("x.csv").unwrap().exists());
        }
        {
            let mut s = o.section("hot");
            s.provenance(prov());
            let t = table(vec![Column::int("n")], |sink| sink.row(&[Cell::Int(1)]));
            s.table("counts.csv", &t).unwrap();
        }
        o.manifest("provenance.json", prov()).unwrap();
        o.commit().unwrap();
        assert_eq!(names(&out), ["city", "hot", "provenance.json"]);
        assert_eq!(names(&out.join("city")), ["x.csv"]);
        assert_eq!(
            names(&out.join("hot")),
            ["counts.csv", "counts.csv.provenance.json"]
        );
        let m: Provenance =
            serde_json::from_slice(&std::fs::read(out.join("provenance.json")).unwrap()).unwrap();
        assert_eq!(m.outputs.len(), 2);
    }

    #[test]
    fn commit_writes_a_report_per_folder_and_an_index() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("demo");
        // a report of an earlier run is replaced without force
        std::fs::create_dir_all(out.join("hot")).unwrap();
        std::fs::write(out.join("hot/report.html"), "old").unwrap();
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        o.index();
        o.summary("the whole run");
        o.plan(["hot/counts.csv"]).unwrap();
        {
            let mut s = o.section("hot");
            s.provenance(prov());
            s.summary("3 incidents in 2 cells");
            let t = table(vec![Column::int("n")], |sink| {
                sink.row(&[Cell::Int(1)])?;
                sink.row(&[Cell::Int(2)])
            });
            s.table("counts.csv", &t).unwrap();
        }
        o.commit().unwrap();
        assert_eq!(names(&out), ["hot", "index.html"]);
        assert_eq!(
            names(&out.join("hot")),
            ["counts.csv", "counts.csv.provenance.json", "report.html"]
        );
        let r = std::fs::read_to_string(out.join("hot/report.html")).unwrap();
        assert!(r.contains("<p>3 incidents in 2 cells</p>"), "{r}");
        assert!(
            r.contains("<th>n</th>") && r.contains("2 of 2 rows shown"),
            "{r}"
        );
        let i = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(i.contains("href=\"hot/report.html\""), "{i}");
        assert!(
            i.contains("3 incidents in 2 cells") && i.contains("the whole run"),
            "{i}"
        );
    }

    #[test]
    fn summary_at_goes_to_the_sub_folders_report() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("demo");
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        o.index();
        {
            let mut s = o.section("network");
            s.provenance(prov());
            for (sub, n) in [("kde/", 1), ("gistar", 2)] {
                let t = table(vec![Column::int("n")], |sink| sink.row(&[Cell::Int(n)]));
                let sub_dir = sub.trim_end_matches('/');
                s.table(&format!("{sub_dir}/t.csv"), &t).unwrap();
                s.summary_at(sub, &format!("summary of {sub_dir}"));
            }
        }
        o.commit().unwrap();
        for sub in ["kde", "gistar"] {
            let r =
                std::fs::read_to_string(out.join(format!("network/{sub}/report.html"))).unwrap();
            assert!(
                r.contains(&format!("<p>summary of {sub}</p>")),
                "{sub}: {r}"
            );
            let other = if sub == "kde" { "gistar" } else { "kde" };
            assert!(!r.contains(&format!("summary of {other}")), "{sub}");
        }
    }

    #[test]
    fn public_section_gets_its_pages_before_its_scan() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("demo");
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        o.index();
        let policy = crate::disclosure::Disclosure::public();
        {
            let mut p = o.public_section("public", &policy, None).unwrap();
            {
                let mut s = p.section("hot");
                s.provenance(prov());
                let t = table(vec![Column::text("what")], |sink| {
                    sink.row(&[Cell::Str("a")])
                });
                s.table("t.csv", &t).unwrap();
            }
            let crs = crate::crs::Crs::Epsg { code: 32631 };
            p.finish(&[[430_000.0, 5_400_000.0]], &[], &crs).unwrap();
        }
        o.commit().unwrap();
        let r = std::fs::read_to_string(out.join("public/hot/report.html")).unwrap();
        assert!(r.contains("t.csv"), "{r}");
        let i = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(i.contains("href=\"public/hot/report.html\""), "{i}");
    }

    #[cfg(not(feature = "gdal"))]
    #[test]
    fn gpkg_without_the_gdal_feature_fails_naming_it() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("o");
        let opts = OutputOptions {
            gpkg: Some("run.gpkg".into()),
            ..Default::default()
        };
        let mut o = Outputs::folder(&out, &opts).unwrap();
        o.provenance(prov());
        o.text("a.txt", "a").unwrap();
        let e = o.commit().unwrap_err().to_string();
        assert!(
            e.contains("`gdal` feature") && e.contains("run.gpkg"),
            "{e}"
        );
        assert!(!out.join("a.txt").exists(), "nothing is written");
    }

    #[cfg(feature = "gdal")]
    #[test]
    fn gpkg_is_written_with_the_set() {
        use gdal::vector::LayerAccess;
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("o");
        let opts = OutputOptions {
            gpkg: Some("run.gpkg".into()),
            ..Default::default()
        };
        let mut o = Outputs::folder(&out, &opts).unwrap();
        o.provenance(prov());
        let f = crate::export::features(&crate::crs::Crs::Epsg { code: 32631 }, |sink| {
            for k in 0..3 {
                sink.feature(
                    &geo::Geometry::Point(geo::point!(x: 430_000.0 + k as f64, y: 5_400_000.0)),
                    &[("n", Cell::Int(k))],
                )?;
            }
            Ok(())
        });
        {
            let mut s = o.section("hot");
            s.features("cells.geojson", &f).unwrap();
            s.text("cells.qml", "<qgis/>").unwrap();
        }
        o.commit().unwrap();
        let ds = gdal::Dataset::open(out.join("run.gpkg")).unwrap();
        assert_eq!(ds.layer_by_name("hot_cells").unwrap().feature_count(), 3);
        let mut st = ds.layer_by_name("layer_styles").unwrap();
        let q: Vec<String> = st
            .features()
            .map(|f| f.field_as_string(5).unwrap().unwrap())
            .collect();
        assert_eq!(q, ["<qgis/>"]);
    }

    #[test]
    fn shared_folder_commits_file_by_file() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("other.txt"), "x").unwrap();
        let (mut o, name) =
            Outputs::single(&d.path().join("r.csv"), &OutputOptions::default()).unwrap();
        o.provenance(prov());
        o.text(&name, "r").unwrap();
        o.commit().unwrap();
        assert_eq!(
            names(d.path()),
            ["other.txt", "r.csv", "r.csv.provenance.json"]
        );
    }
}

// ---------------------------------------------------------------- in memory (issue 15)

/// What an in-memory set keeps: its tables as typed columns and its JSON values.
#[derive(Debug, Default)]
struct InMemory {
    tables: Vec<super::memory::TableColumns>,
    json: Vec<(String, serde_json::Value)>,
}

impl Outputs {
    /// A set that writes no file: tables ([`Outputs::table`]) are kept as typed
    /// columns and JSON values ([`Outputs::json`]) as values, in the order written;
    /// feature layers, figures and text are skipped (not even rendered). Take them
    /// with [`Outputs::into_memory`]. This is the data-frame path of a result's
    /// [`Export`](super::Export): the same tables as its CSV files, without the files.
    pub fn in_memory() -> Outputs {
        Outputs {
            given: PathBuf::new(),
            dir: PathBuf::new(),
            mode: Mode::InPlace,
            opts: OutputOptions::default(),
            planned: BTreeSet::new(),
            stage: None,
            files: Vec::new(),
            provs: Vec::new(),
            current: None,
            prefix: String::new(),
            manifest: None,
            public: None,
            guard: None,
            withheld: Vec::new(),
            single: None,
            report: Collector::default(),
            public_subsets: Vec::new(),
            memory: Some(InMemory::default()),
        }
    }

    /// The tables and JSON values of an [`Outputs::in_memory`] set, each with its
    /// file name (section prefix included); empty for a set that writes files.
    #[allow(clippy::type_complexity)]
    pub fn into_memory(
        mut self,
    ) -> (
        Vec<super::memory::TableColumns>,
        Vec<(String, serde_json::Value)>,
    ) {
        let m = self.memory.take().unwrap_or_default();
        (m.tables, m.json)
    }

    fn memory_table(&mut self, name: &str, t: &dyn Table) -> Result<()> {
        let full = format!("{}{name}", self.prefix);
        let c = super::memory::table_columns(&full, t)?;
        if let Some(m) = &mut self.memory {
            m.tables.push(c);
        }
        Ok(())
    }

    fn memory_json<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) -> Result<()> {
        let full = format!("{}{name}", self.prefix);
        let value = serde_json::to_value(v).map_err(|e| Error::Output {
            path: PathBuf::from(&full),
            message: format!("cannot be kept as JSON: {e}"),
        })?;
        if let Some(m) = &mut self.memory {
            m.json.push((full, value));
        }
        Ok(())
    }
}
