//! What a front end (the `crimescape` binary, a script) sets up around the studies of
//! one run: the figure style of every map and the public-audience guard over the
//! incidents the run loaded.
//!
//! ```no_run
//! use crimescape::{load_incidents, LoadOptions, OutputOptions, Outputs, Palette};
//! use crimescape::study::setup::{figure_style, LoadedPoints};
//!
//! let (style, warnings) = figure_style(Palette::BlueOrange, None, None, &["streets.geojson"])?;
//! let opts = OutputOptions { style, ..OutputOptions::default() };
//! let (incidents, _report) = load_incidents("city/incidents.csv", &LoadOptions::new())?;
//! let loaded = vec![LoadedPoints::of(&incidents)];
//! let mut out = Outputs::folder("hotspots", &opts)?;
//! // ... write the results ...
//! LoadedPoints::guard(&loaded, &mut out)?;
//! out.commit()?;
//! # Ok::<(), crimescape::Error>(())
//! ```

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use super::load::IncidentLoad;
use crate::crs::{Crs, Reprojector, WGS84};
use crate::disclosure::{Disclosure, DisclosureParams};
use crate::error::{Error, Result};
use crate::export::{OutputOptions, Outputs};
use crate::layer::Incidents;
use crate::render::{Palette, Style};

/// The figure style of a run: the palette, a title replacing each map's own, the
/// `qualifier` appended to the default titles ([`super::load::filters_phrase`]) and
/// the context layers drawn on every map, loaded here
/// ([`super::load::context_layer`]). Returns the style and the loaders' warnings, each
/// prefixed by its file.
///
/// # Errors
/// As [`super::load::context_layer`].
pub fn figure_style(
    palette: Palette,
    title: Option<String>,
    qualifier: Option<String>,
    context: &[impl AsRef<Path>],
) -> Result<(Style, Vec<String>)> {
    let mut layers = Vec::new();
    let mut warnings = Vec::new();
    for path in context {
        let path = path.as_ref();
        let (layer, rep) = super::load::context_layer(path)?;
        warnings.extend(
            rep.warnings
                .iter()
                .map(|w| format!("{}: {w}", path.display())),
        );
        layers.push(layer);
    }
    let style = Style {
        palette,
        title,
        qualifier,
        source: Vec::new(),
        context: layers,
    };
    Ok((style, warnings))
}

/// Checks the name of the GeoPackage a run writes beside its outputs
/// ([`crate::export::OutputOptions::gpkg`]): one file name ending in `.gpkg`, and a
/// build with the `gdal` feature.
///
/// # Errors
/// [`Error::InvalidParam`] (`gpkg`) otherwise.
pub fn check_gpkg(name: &str) -> Result<()> {
    if !cfg!(feature = "gdal") {
        return Err(Error::invalid_param(
            "gpkg",
            format!("{name:?}"),
            "needs crimescape built with the `gdal` feature (cargo install crimescape --features gdal; it needs libgdal-dev)",
        ));
    }
    let p = Path::new(name);
    if p.components().count() != 1 || !name.to_ascii_lowercase().ends_with(".gpkg") {
        return Err(Error::invalid_param(
            "gpkg",
            format!("{name:?}"),
            "give a file name ending in .gpkg (it is written into the output folder)",
        ));
    }
    Ok(())
}

/// The disclosure policy of a run's outputs: [`Disclosure::Internal`], or the public
/// policy with the minimum count `min_count` ([`DisclosureParams::k`]). An address
/// layer (`addresses`, for anonymous map points) is only for public outputs.
///
/// ```
/// use crimescape::study::setup::audience;
///
/// assert_eq!(audience(true, 5, None)?.k(), Some(5));
/// assert!(audience(false, 5, Some("addresses.csv".as_ref())).is_err());
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParam`] on `addresses` when given for internal outputs, on
/// `min_count` when the public policy refuses it.
pub fn audience(public: bool, min_count: usize, addresses: Option<&Path>) -> Result<Disclosure> {
    if !public {
        return match addresses {
            Some(p) => Err(Error::invalid_param(
                "addresses",
                p.display(),
                "used only with `audience` public",
            )),
            None => Ok(Disclosure::Internal),
        };
    }
    DisclosureParams::public()
        .k(u32::try_from(min_count).unwrap_or(u32::MAX))
        .build()
        .map_err(|e| Error::invalid_param("min_count", min_count, e.to_string()))
}

/// The outputs of one run of a front end, which may hold several studies: the options
/// every output set of the run starts from (disclosure, address layer, figure style,
/// GeoPackage) and what the run's incident loads add to them: the filters of the first
/// load, which end the default titles of the maps ([`IncidentLoad::filters_phrase`]),
/// and every location loaded, which no public output may hold ([`LoadedPoints`]).
/// Shared by reference between the studies of the run (it is `Sync`).
///
/// ```no_run
/// use crimescape::{OutputOptions, Outputs};
/// use crimescape::study::load::IncidentLoad;
/// use crimescape::study::setup::{audience, RunOutputs};
///
/// let run = RunOutputs::new(OutputOptions {
///     disclosure: audience(true, 5, None)?,
///     ..OutputOptions::default()
/// });
/// let load = IncidentLoad::default();
/// let l = load.load_shown("incidents.csv", run.is_public())?;
/// run.loaded(&load, l.points);
/// let mut out = Outputs::folder("hotspots", &run.options())?;
/// // ... write the results ...
/// run.commit(out)?;
/// # Ok::<(), crimescape::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct RunOutputs {
    options: OutputOptions,
    qualifier: OnceLock<Option<String>>,
    loaded: Mutex<Vec<LoadedPoints>>,
}

impl RunOutputs {
    /// A run whose output sets start from `options`.
    pub fn new(options: OutputOptions) -> Self {
        RunOutputs {
            options,
            ..RunOutputs::default()
        }
    }

    /// Whether the run's outputs are for the public.
    pub fn is_public(&self) -> bool {
        self.options.disclosure.is_public()
    }

    /// The disclosure policy of the run.
    pub fn disclosure(&self) -> &Disclosure {
        &self.options.disclosure
    }

    /// The filters of the run's first incident load in words, if any.
    pub fn qualifier(&self) -> Option<String> {
        self.qualifier.get().cloned().flatten()
    }

    /// The options of a new output set: the run's, the figures' titles qualified by the
    /// filters of the first load when it has happened.
    pub fn options(&self) -> OutputOptions {
        let mut o = self.options.clone();
        if let Some(q) = self.qualifier() {
            o.style.qualifier = Some(q);
        }
        o
    }

    /// Records an incident load of the run: its filters when it is the first, and the
    /// locations it read (`points`: [`LoadedInput::points`](super::load::LoadedInput::points)).
    pub fn loaded(&self, load: &IncidentLoad, points: Option<LoadedPoints>) {
        let _ = self.qualifier.set(load.filters_phrase());
        if let (Some(p), Ok(mut v)) = (points, self.loaded.lock()) {
            v.push(p);
        }
    }

    /// Prepares a set planned before the run's first load (a study plans its outputs
    /// before loading its input): its titles are qualified by the load's filters unless
    /// they already are.
    pub fn qualify(&self, out: &mut Outputs) {
        if let Some(q) = self.qualifier() {
            out.style_mut().qualifier.get_or_insert(q);
        }
    }

    /// Commits a finished set ([`Outputs::commit`]); a public set is first guarded
    /// against every location the run loaded ([`LoadedPoints::guard`]). Returns the
    /// files written.
    ///
    /// # Errors
    /// As [`LoadedPoints::guard`] and [`Outputs::commit`].
    pub fn commit(&self, mut out: Outputs) -> Result<Vec<std::path::PathBuf>> {
        if let Ok(loaded) = self.loaded.lock() {
            LoadedPoints::guard(&loaded, &mut out)?;
        }
        out.commit()
    }
}

/// The locations of incidents a run loaded, which no public output may hold
/// ([`Outputs::guard`]): in the working CRS and in lon/lat.
#[derive(Debug, Clone)]
pub struct LoadedPoints {
    /// The points in `crs`.
    pub working: Vec<[f64; 2]>,
    /// The same points in lon/lat (empty when `crs` is not georeferenced or cannot be
    /// reprojected).
    pub lonlat: Vec<[f64; 2]>,
    /// The working CRS.
    pub crs: Crs,
}

impl LoadedPoints {
    /// The locations of `inc`.
    pub fn of(inc: &Incidents) -> LoadedPoints {
        let crs = inc.crs.working.clone();
        let mut lonlat = inc.xy.clone();
        if crs.is_geographic() {
            // already lon/lat
        } else if crs.is_georeferenced() {
            match Reprojector::new(&crs, &WGS84) {
                Ok(r) => {
                    r.apply_all(&mut lonlat);
                }
                Err(_) => lonlat.clear(),
            }
        } else {
            lonlat.clear();
        }
        LoadedPoints {
            working: inc.xy.clone(),
            lonlat,
            crs,
        }
    }

    /// Arms the guard of a public output set with every loaded point: the working
    /// points of the loads in the first load's CRS, and all lon/lat points. Does
    /// nothing when `loaded` is empty or the set is not public.
    ///
    /// # Errors
    /// As [`Outputs::guard`].
    pub fn guard(loaded: &[LoadedPoints], out: &mut Outputs) -> Result<()> {
        let Some(first) = loaded.first() else {
            return Ok(());
        };
        if !out.is_public() {
            return Ok(());
        }
        let mut working = Vec::new();
        let mut lonlat = Vec::new();
        for l in loaded {
            if l.crs == first.crs {
                working.extend_from_slice(&l.working);
            }
            lonlat.extend_from_slice(&l.lonlat);
        }
        out.guard(&working, &lonlat, &first.crs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_gpkg_rejects_paths_and_other_names() {
        for bad in ["out/run.gpkg", "run.geojson", ""] {
            assert!(matches!(
                check_gpkg(bad),
                Err(Error::InvalidParam { param: "gpkg", .. })
            ));
        }
        assert_eq!(check_gpkg("run.gpkg").is_ok(), cfg!(feature = "gdal"));
    }

    #[test]
    fn figure_style_without_context() {
        let none: [&str; 0] = [];
        let (s, w) = figure_style(Palette::Arcgis, Some("T".into()), None, &none).unwrap();
        assert_eq!(s.palette, Palette::Arcgis);
        assert_eq!(s.title.as_deref(), Some("T"));
        assert!(s.context.is_empty() && w.is_empty());
    }

    #[test]
    fn figure_style_missing_context_file() {
        assert!(figure_style(Palette::default(), None, None, &["/no/such.geojson"]).is_err());
    }

    #[test]
    fn loaded_points_local_crs_has_no_lonlat() {
        let mut inc = Incidents::empty(crate::hotspot::test_crs());
        inc.xy = vec![[1.0, 2.0]];
        let l = LoadedPoints::of(&inc);
        assert_eq!(l.working, vec![[1.0, 2.0]]);
        assert!(l.lonlat.is_empty());
    }

    #[test]
    fn guard_without_loads_or_internal_is_a_no_op() {
        let mut out = Outputs::in_memory();
        assert!(LoadedPoints::guard(&[], &mut out).is_ok());
        let l = LoadedPoints {
            working: vec![[1.0, 2.0]],
            lonlat: Vec::new(),
            crs: Crs::parse("local-m").unwrap(),
        };
        assert!(LoadedPoints::guard(&[l], &mut out).is_ok());
        assert!(!out.is_public());
    }

    #[test]
    fn audience_internal_public_and_refusals() {
        assert!(matches!(audience(false, 3, None), Ok(Disclosure::Internal)));
        assert_eq!(audience(true, 4, None).ok().and_then(|d| d.k()), Some(4));
        assert!(matches!(
            audience(false, 3, Some(Path::new("a.csv"))),
            Err(Error::InvalidParam {
                param: "addresses",
                ..
            })
        ));
        assert!(matches!(
            audience(true, 1, None),
            Err(Error::InvalidParam {
                param: "min_count",
                ..
            })
        ));
    }

    #[test]
    fn run_outputs_qualifier_from_the_first_load() {
        let run = RunOutputs::new(OutputOptions::default());
        assert!(!run.is_public() && run.qualifier().is_none());
        let mut first = IncidentLoad::default();
        first.options.from = crate::time::parse_date("2024-01-01");
        run.loaded(&first, None);
        run.loaded(&IncidentLoad::default(), None);
        assert_eq!(run.qualifier().as_deref(), Some("from 2024-01-01"));
        assert_eq!(run.options().style.qualifier, run.qualifier());
        let mut out = Outputs::in_memory();
        run.qualify(&mut out);
        assert_eq!(out.style_mut().qualifier, run.qualifier());
    }

    #[test]
    fn run_outputs_commit_internal_set() {
        let run = RunOutputs::new(OutputOptions::default());
        let mut inc = Incidents::empty(crate::hotspot::test_crs());
        inc.xy = vec![[1.0, 2.0]];
        run.loaded(&IncidentLoad::default(), Some(LoadedPoints::of(&inc)));
        assert!(run.commit(Outputs::in_memory()).is_ok());
    }
}
