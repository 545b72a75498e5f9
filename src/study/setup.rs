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

use crate::crs::{Crs, Reprojector, WGS84};
use crate::error::{Error, Result};
use crate::export::Outputs;
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
}
