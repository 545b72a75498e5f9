//! Coordinate reference systems: parsing, detection, and reprojection to metres.
//!
//! Every analysis in crimescape works in **metres** in a projected CRS. The rules:
//!
//! * geographic input (EPSG:4326 and other lon/lat CRSs) is projected to the
//!   WGS 84 / UTM zone of the data's centre (EPSG:326zz north, 327zz south);
//! * projected input in metres is used as is;
//! * projected input in feet (e.g. EPSG:2223, NAD83 / Arizona Central (ft)) is
//!   reprojected to the UTM zone of its centre, so distances are metres;
//! * local, non-georeferenced frames (`local-m`, `local-ft`) are scaled to
//!   metres; they cannot be written as EPSG:4326.
//!
//! The default build reprojects with the pure-Rust `proj4rs` crate and its EPSG
//! table; ESRI:102271 and ESRI:102649 are built in; any PROJ string
//! (`+proj=...`) is accepted. With the `proj` cargo feature the system PROJ
//! library is used for EPSG codes `proj4rs` does not know.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod etmerc;
#[cfg(test)]
#[path = "crs/etmerc/tests.rs"]
mod etmerc_tests;

use etmerc::Etmerc;

/// A coordinate reference system as named by the user or a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Crs {
    /// An EPSG code.
    Epsg {
        /// The code.
        code: u32,
    },
    /// An ESRI code (only a few are built in, see [`Crs::proj_string`]).
    Esri {
        /// The code.
        code: u32,
    },
    /// A PROJ string such as `+proj=utm +zone=16 +datum=WGS84`.
    Proj {
        /// The PROJ string.
        definition: String,
    },
    /// A local, non-georeferenced planar frame.
    Local {
        /// Length of one coordinate unit in metres (1 for metres, 0.3048 for feet).
        unit_to_metre: f64,
    },
}

/// EPSG:4326, WGS 84 longitude/latitude (RFC 7946 GeoJSON).
pub const WGS84: Crs = Crs::Epsg { code: 4326 };

const ESRI_DEFS: &[(u32, &str)] = &[
    // NAD 1983 HARN StatePlane Illinois East FIPS 1201 (metres)
    (
        102271,
        "+proj=tmerc +lat_0=36.66666666666666 +lon_0=-88.33333333333333 +k=0.999975 +x_0=300000 +y_0=0 +ellps=GRS80 +units=m +no_defs",
    ),
    // NAD 1983 StatePlane Arizona Central FIPS 0202 Feet Intl (= EPSG:2223)
    (
        102649,
        "+proj=tmerc +lat_0=31 +lon_0=-111.9166666666667 +k=0.9999 +x_0=213360 +y_0=0 +datum=NAD83 +units=ft +no_defs",
    ),
];

impl Crs {
    /// Parses `EPSG:4326`, `4326`, `ESRI:102271`, `urn:ogc:def:crs:EPSG::26971`,
    /// `CRS84`, `WGS84`, a PROJ string, `local`/`local-m` or `local-ft`.
    pub fn parse(text: &str) -> Result<Crs> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if t.starts_with('+') {
            // validate now so errors surface early
            proj4rs::Proj::from_proj_string(t)
                .map_err(|e| Error::Crs(format!("invalid PROJ string {t:?}: {e}")))?;
            return Ok(Crs::Proj {
                definition: t.to_string(),
            });
        }
        match lower.as_str() {
            "wgs84"
            | "crs84"
            | "urn:ogc:def:crs:ogc:1.3:crs84"
            | "urn:ogc:def:crs:ogc::crs84"
            | "lonlat"
            | "lon/lat" => return Ok(WGS84),
            "local" | "local-m" | "local_m" => return Ok(Crs::Local { unit_to_metre: 1.0 }),
            "local-ft" | "local_ft" | "local-feet" => {
                return Ok(Crs::Local {
                    unit_to_metre: 0.3048,
                })
            }
            "local-usft" | "local-us-ft" => {
                return Ok(Crs::Local {
                    unit_to_metre: 1200.0 / 3937.0,
                })
            }
            _ => {}
        }
        let (auth, code) = if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:") {
            // urn:ogc:def:crs:EPSG::26971 or urn:ogc:def:crs:EPSG:6.6:26971
            let mut parts = rest.split(':');
            let auth = parts.next().unwrap_or("");
            let code = rest.rsplit(':').next().unwrap_or("");
            (auth.to_string(), code.to_string())
        } else if let Some((a, c)) = lower.split_once(':') {
            (a.to_string(), c.to_string())
        } else {
            ("epsg".to_string(), lower.clone())
        };
        let code: u32 = code.trim().parse().map_err(|_| {
            Error::Crs(format!(
                "cannot read CRS {t:?}: expected EPSG:xxxx, ESRI:xxxx, a PROJ string (+proj=...), local-m or local-ft"
            ))
        })?;
        let crs = match auth.as_str() {
            "epsg" => Crs::Epsg { code },
            "esri" => Crs::Esri { code },
            _ => return Err(Error::Crs(format!("unknown CRS authority in {t:?}"))),
        };
        // make sure we can use it: the built-in table, else (feature `proj`) the PROJ database
        match crs.proj_string() {
            Ok(_) => Ok(crs),
            #[cfg(feature = "proj")]
            Err(_) if matches!(crs, Crs::Epsg { .. } | Crs::Esri { .. }) => {
                system_info(&crs.name())?;
                Ok(crs)
            }
            Err(e) => Err(e),
        }
    }

    /// A short name: `EPSG:4326`, `ESRI:102271`, `local (1 unit = 0.3048 m)`, or the PROJ string.
    pub fn name(&self) -> String {
        match self {
            Crs::Epsg { code } => format!("EPSG:{code}"),
            Crs::Esri { code } => format!("ESRI:{code}"),
            Crs::Proj { definition } => definition.clone(),
            Crs::Local { unit_to_metre } => {
                if *unit_to_metre == 1.0 {
                    "local-m".into()
                } else if *unit_to_metre == 0.3048 {
                    "local-ft".into()
                } else {
                    format!("local (1 unit = {unit_to_metre} m)")
                }
            }
        }
    }

    /// The PROJ string of this CRS (`None` for local frames).
    pub fn proj_string(&self) -> Result<String> {
        match self {
            Crs::Epsg { code } => {
                let c16 = u16::try_from(*code).ok();
                match c16.and_then(crs_definitions::from_code) {
                    Some(def) => Ok(def.proj4.to_string()),
                    None => Err(Error::Crs(format!(
                        "EPSG:{code} is not in the built-in EPSG table{}; give its PROJ string ('+proj=...') as the CRS (`crs`)",
                        if cfg!(feature = "proj") { "" } else { " (or build crimescape with the proj feature)" }
                    ))),
                }
            }
            Crs::Esri { code } => ESRI_DEFS
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, d)| d.to_string())
                .ok_or_else(|| {
                    Error::Crs(format!(
                        "ESRI:{code} is not built in; give its PROJ string ('+proj=...') as the CRS (`crs`)"
                    ))
                }),
            Crs::Proj { definition } => Ok(definition.clone()),
            Crs::Local { .. } => Err(Error::Crs(format!(
                "{} is a local frame, not georeferenced",
                self.name()
            ))),
        }
    }

    /// Whether coordinates are longitude/latitude degrees.
    pub fn is_geographic(&self) -> bool {
        match self {
            Crs::Local { .. } => false,
            _ => match self.proj_string() {
                Ok(p) => p.contains("+proj=longlat") || p.contains("+proj=latlong"),
                #[cfg(feature = "proj")]
                Err(_) => system_info(&self.name()).is_ok_and(|i| i.0),
                #[cfg(not(feature = "proj"))]
                Err(_) => false,
            },
        }
    }

    /// Whether the CRS is georeferenced (can be reprojected to EPSG:4326).
    pub fn is_georeferenced(&self) -> bool {
        !matches!(self, Crs::Local { .. })
    }

    /// Length of one linear unit in metres (1 for geographic CRSs, by convention).
    pub fn unit_to_metre(&self) -> f64 {
        if let Crs::Local { unit_to_metre } = self {
            return *unit_to_metre;
        }
        let p = match self.proj_string() {
            Ok(p) => p,
            #[cfg(feature = "proj")]
            Err(_) => return system_info(&self.name()).map_or(1.0, |i| i.1),
            #[cfg(not(feature = "proj"))]
            Err(_) => return 1.0,
        };
        for tok in p.split_whitespace() {
            if let Some(v) = tok.strip_prefix("+to_meter=") {
                if let Ok(f) = v.parse::<f64>() {
                    return f;
                }
            }
            if let Some(u) = tok.strip_prefix("+units=") {
                return match u {
                    "m" => 1.0,
                    "ft" => 0.3048,
                    "us-ft" => 1200.0 / 3937.0,
                    "km" => 1000.0,
                    "yd" => 0.9144,
                    "us-yd" => 3600.0 / 3937.0,
                    _ => 1.0,
                };
            }
        }
        1.0
    }

    /// Whether analyses can use coordinates in this CRS directly (projected, metres).
    pub fn is_metric_projected(&self) -> bool {
        !self.is_geographic() && (self.unit_to_metre() - 1.0).abs() < 1e-12
    }

    /// The central meridian (degrees) of a WGS 84 UTM zone (EPSG:32601–32660,
    /// 32701–32760), `None` for any other CRS.
    pub fn utm_central_meridian(&self) -> Option<f64> {
        match self {
            Crs::Epsg { code } if (32601..=32660).contains(code) => {
                Some(((code - 32600) * 6) as f64 - 183.0)
            }
            Crs::Epsg { code } if (32701..=32760).contains(code) => {
                Some(((code - 32700) * 6) as f64 - 183.0)
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// The WGS 84 / UTM zone (EPSG:326zz or 327zz) containing a lon/lat point.
pub fn utm_for(lon: f64, lat: f64) -> Crs {
    let zone = (((lon + 180.0) / 6.0).floor() as i64).clamp(0, 59) as u32 + 1;
    let code = if lat >= 0.0 {
        32600 + zone
    } else {
        32700 + zone
    };
    Crs::Epsg { code }
}

/// What was detected and what is used for analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrsChoice {
    /// The CRS of the input coordinates (given or detected).
    pub input: Crs,
    /// How the input CRS was determined.
    pub input_source: String,
    /// The metric CRS all analyses use.
    pub working: Crs,
    /// Why this working CRS (e.g. "UTM zone of the data's centre").
    pub reason: String,
}

enum Engine {
    Identity,
    Scale(f64),
    /// WGS 84 lon/lat <-> WGS 84 / UTM, prepared (`inverse`: UTM -> lon/lat).
    Utm {
        etm: Box<Etmerc>,
        inverse: bool,
    },
    Proj4 {
        src: Box<proj4rs::Proj>,
        dst: Box<proj4rs::Proj>,
        src_geo: bool,
        dst_geo: bool,
    },
    #[cfg(feature = "proj")]
    System(SystemProj),
}

#[cfg(feature = "proj")]
struct SystemProj {
    // PROJ objects are not Send: keep the definitions; each thread builds and caches its own.
    from: String,
    to: String,
}

/// Transforms coordinates from one CRS to another.
///
/// Geographic coordinates are in degrees, longitude first (x = lon, y = lat).
pub struct Reprojector {
    engine: Engine,
    /// Source CRS.
    pub from: Crs,
    /// Target CRS.
    pub to: Crs,
}

impl std::fmt::Debug for Reprojector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reprojector({} -> {})", self.from, self.to)
    }
}

impl Reprojector {
    /// Builds a transformer. Local frames can only be scaled to other local frames.
    ///
    /// EPSG:4326 to and from a WGS 84 / UTM zone (EPSG:326zz, 327zz: what geographic
    /// input is projected to) uses a prepared extended transverse Mercator (Poder &
    /// Engsager; PROJ's `etmerc`, see Karney 2011) whose results, both ways, are
    /// bit-identical to the general engine's. Every other pair uses the general engine
    /// ([`Reprojector::new_general`]).
    pub fn new(from: &Crs, to: &Crs) -> Result<Reprojector> {
        let utm_zone = |c: &Crs| match c {
            Crs::Epsg { code } if (32601..=32660).contains(code) => Some((code - 32600, false)),
            Crs::Epsg { code } if (32701..=32760).contains(code) => Some((code - 32700, true)),
            _ => None,
        };
        let prepared = match (utm_zone(from), utm_zone(to)) {
            (None, Some((zone, south))) if *from == WGS84 => Some((zone, south, false)),
            (Some((zone, south)), None) if *to == WGS84 => Some((zone, south, true)),
            _ => None,
        };
        match prepared {
            Some((zone, south, inverse)) => Ok(Reprojector {
                engine: Engine::Utm {
                    etm: Box::new(Etmerc::utm(zone, south)),
                    inverse,
                },
                from: from.clone(),
                to: to.clone(),
            }),
            None => Reprojector::new_general(from, to),
        }
    }

    /// Builds a transformer that always uses the general engine (`proj4rs`, or the
    /// system PROJ with the `proj` feature), never the prepared UTM projector of
    /// [`Reprojector::new`]: the reference the prepared projector is tested and
    /// benchmarked against.
    pub fn new_general(from: &Crs, to: &Crs) -> Result<Reprojector> {
        let engine = if from == to {
            Engine::Identity
        } else {
            match (from, to) {
                (Crs::Local { unit_to_metre: a }, Crs::Local { unit_to_metre: b }) => {
                    Engine::Scale(a / b)
                }
                (Crs::Local { .. }, _) | (_, Crs::Local { .. }) => {
                    return Err(Error::Crs(format!(
                        "cannot transform between {} and {}: a local frame is not georeferenced",
                        from, to
                    )))
                }
                _ => match (from.proj_string(), to.proj_string()) {
                    (Ok(a), Ok(b)) => {
                        let src = proj4rs::Proj::from_proj_string(&a)
                            .map_err(|e| Error::Crs(format!("{from}: {e}")))?;
                        let dst = proj4rs::Proj::from_proj_string(&b)
                            .map_err(|e| Error::Crs(format!("{to}: {e}")))?;
                        Engine::Proj4 {
                            src_geo: src.is_latlong(),
                            dst_geo: dst.is_latlong(),
                            src: Box::new(src),
                            dst: Box::new(dst),
                        }
                    }
                    #[cfg(feature = "proj")]
                    _ => {
                        let sys = SystemProj {
                            from: from.name(),
                            to: to.name(),
                        };
                        // check it once
                        sys.build()?;
                        Engine::System(sys)
                    }
                    #[cfg(not(feature = "proj"))]
                    (Err(e), _) | (_, Err(e)) => return Err(e),
                },
            }
        };
        Ok(Reprojector {
            engine,
            from: from.clone(),
            to: to.clone(),
        })
    }

    /// Transforms one point.
    pub fn apply(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        match &self.engine {
            Engine::Identity => Ok((x, y)),
            Engine::Scale(s) => Ok((x * s, y * s)),
            Engine::Utm { etm, inverse } => {
                let out = if *inverse {
                    etm.inverse(x, y)
                } else {
                    etm.forward(x, y)
                };
                self.finite(x, y, out)
            }
            Engine::Proj4 {
                src,
                dst,
                src_geo,
                dst_geo,
            } => {
                let mut p = if *src_geo {
                    (x.to_radians(), y.to_radians(), 0.0)
                } else {
                    (x, y, 0.0)
                };
                proj4rs::transform::transform(src, dst, &mut p).map_err(|e| {
                    Error::Crs(format!(
                        "cannot transform ({x}, {y}) from {} to {}: {e}",
                        self.from, self.to
                    ))
                })?;
                let out = if *dst_geo {
                    (p.0.to_degrees(), p.1.to_degrees())
                } else {
                    (p.0, p.1)
                };
                self.finite(x, y, out)
            }
            #[cfg(feature = "proj")]
            Engine::System(sys) => {
                let out = sys.convert(x, y)?;
                self.finite(x, y, out)
            }
        }
    }

    /// `out`, the image of `(x, y)`, if both coordinates are finite; otherwise the
    /// point has no image (outside the projection's domain).
    fn finite(&self, x: f64, y: f64, out: (f64, f64)) -> Result<(f64, f64)> {
        if out.0.is_finite() && out.1.is_finite() {
            Ok(out)
        } else {
            Err(Error::Crs(format!(
                "({x}, {y}) has no image from {} to {}",
                self.from, self.to
            )))
        }
    }

    /// Transforms many points in place, in parallel; returns the indices that failed.
    pub fn apply_all(&self, pts: &mut [[f64; 2]]) -> Vec<usize> {
        use rayon::prelude::*;
        if matches!(self.engine, Engine::Identity) {
            return Vec::new();
        }
        if let Engine::Utm { etm, inverse } = &self.engine {
            return utm_all(etm, *inverse, pts);
        }
        pts.par_iter_mut()
            .enumerate()
            .filter_map(|(i, p)| match self.apply(p[0], p[1]) {
                Ok((a, b)) => {
                    *p = [a, b];
                    None
                }
                Err(_) => Some(i),
            })
            .collect()
    }

    /// Transforms every coordinate of a geometry in place.
    pub fn apply_geometry(&self, g: &mut geo::Geometry<f64>) -> Result<()> {
        use geo::MapCoordsInPlace;
        if matches!(self.engine, Engine::Identity) {
            return Ok(());
        }
        let err: std::cell::RefCell<Option<Error>> = std::cell::RefCell::new(None);
        let errref = &err;
        g.map_coords_in_place(|c| match self.apply(c.x, c.y) {
            Ok((x, y)) => geo::Coord { x, y },
            Err(e) => {
                let mut slot = errref.borrow_mut();
                if slot.is_none() {
                    *slot = Some(e);
                }
                c
            }
        });
        match err.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// [`Reprojector::apply_all`] with the prepared UTM projector: blocks of points in
/// parallel, each block projected in a tight loop; the indices of the points without
/// an image (in order).
fn utm_all(etm: &Etmerc, inverse: bool, pts: &mut [[f64; 2]]) -> Vec<usize> {
    use rayon::prelude::*;
    const BLOCK: usize = 4096;
    let failed: Vec<Vec<usize>> = pts
        .par_chunks_mut(BLOCK)
        .enumerate()
        .map(|(b, block)| {
            let mut bad = Vec::new();
            for (k, p) in block.iter_mut().enumerate() {
                let (u, v) = if inverse {
                    etm.inverse(p[0], p[1])
                } else {
                    etm.forward(p[0], p[1])
                };
                if u.is_finite() && v.is_finite() {
                    *p = [u, v];
                } else {
                    bad.push(b * BLOCK + k);
                }
            }
            bad
        })
        .collect();
    failed.concat()
}

/// Whether a CRS known only to PROJ is geographic, and its linear unit in metres,
/// measured by projecting a 0.001° step at the centre of its area of use (the
/// unit is snapped to metre, foot, US survey foot or kilometre within 1 %; a CRS
/// whose scale is far from any unit there, e.g. Web Mercator at high latitude,
/// reports the measured ratio and is treated as not metric). Cached per name.
#[cfg(feature = "proj")]
fn system_info(name: &str) -> Result<(bool, f64)> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, (bool, f64)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = cache.lock().ok().and_then(|c| c.get(name).copied()) {
        return Ok(v);
    }
    let err = |e: String| Error::Crs(format!("{name}: unknown to PROJ: {e}"));
    let crs = proj::Proj::new(name).map_err(|e| err(e.to_string()))?;
    let (lon0, lat0) = match crs.area_of_use() {
        Ok((Some(a), _)) => {
            let east = if a.east < a.west {
                a.east + 360.0
            } else {
                a.east
            };
            let lon = (a.west + east) / 2.0;
            (
                if lon > 180.0 { lon - 360.0 } else { lon },
                (a.south + a.north) / 2.0,
            )
        }
        _ => (0.0, 0.0),
    };
    let t = proj::Proj::new_known_crs("OGC:CRS84", name, None).map_err(|e| err(e.to_string()))?;
    let d = 1e-3;
    let conv = |x: f64, y: f64| t.convert((x, y)).map_err(|e| err(e.to_string()));
    let p0: (f64, f64) = conv(lon0, lat0)?;
    let px: (f64, f64) = conv(lon0 + d, lat0)?;
    let py: (f64, f64) = conv(lon0, lat0 + d)?;
    let geographic = (p0.0 - lon0).abs() < 0.5
        && (p0.1 - lat0).abs() < 0.5
        && ((px.0 - p0.0) - d).abs() < 0.1 * d;
    let unit = if geographic {
        1.0
    } else {
        // WGS 84 radii of curvature at lat0
        let (a, e2) = (6_378_137.0_f64, 0.006_694_379_990_14_f64);
        let s = lat0.to_radians().sin();
        let w = (1.0 - e2 * s * s).sqrt();
        let n = a / w;
        let m = a * (1.0 - e2) / (w * w * w);
        let mx = n * lat0.to_radians().cos() * d.to_radians();
        let my = m * d.to_radians();
        let cx = (px.0 - p0.0).hypot(px.1 - p0.1);
        let cy = (py.0 - p0.0).hypot(py.1 - p0.1);
        let ratio = (mx * my / (cx * cy)).sqrt();
        [1.0, 0.3048, 1200.0 / 3937.0, 1000.0]
            .into_iter()
            .find(|u| (ratio / u - 1.0).abs() < 0.01)
            .unwrap_or(ratio)
    };
    if let Ok(mut c) = cache.lock() {
        c.insert(name.to_string(), (geographic, unit));
    }
    Ok((geographic, unit))
}

#[cfg(feature = "proj")]
thread_local! {
    /// PROJ transformers built on this thread (PROJ objects are not `Send`), by (from, to).
    static PROJ_CACHE: std::cell::RefCell<Vec<(String, String, proj::Proj)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(feature = "proj")]
impl SystemProj {
    /// Transforms one point with this thread's cached transformer (built on first use).
    fn convert(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        PROJ_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let i = match cache
                .iter()
                .position(|(f, t, _)| *f == self.from && *t == self.to)
            {
                Some(i) => i,
                None => {
                    let p = self.build()?;
                    if cache.len() >= 8 {
                        cache.remove(0);
                    }
                    cache.push((self.from.clone(), self.to.clone(), p));
                    cache.len() - 1
                }
            };
            cache[i]
                .2
                .convert((x, y))
                .map_err(|e| Error::Crs(format!("PROJ: ({x}, {y}): {e}")))
        })
    }

    fn build(&self) -> Result<proj::Proj> {
        let norm = |s: &str| {
            if s == "EPSG:4326" {
                "OGC:CRS84".to_string()
            } else {
                s.to_string()
            }
        };
        proj::Proj::new_known_crs(&norm(&self.from), &norm(&self.to), None).map_err(|e| {
            Error::Crs(format!(
                "PROJ cannot build {} -> {}: {e}",
                self.from, self.to
            ))
        })
    }
}

/// Picks the working (metric) CRS for data in `input` whose centre is at
/// `centre` (in `input` coordinates).
pub fn choose_working(input: &Crs, centre: (f64, f64)) -> Result<(Crs, String)> {
    match input {
        Crs::Local { unit_to_metre } => {
            if *unit_to_metre == 1.0 {
                Ok((input.clone(), "local frame in metres, used as is".into()))
            } else {
                Ok((
                    Crs::Local { unit_to_metre: 1.0 },
                    format!("local frame scaled to metres (x {unit_to_metre})"),
                ))
            }
        }
        _ if input.is_metric_projected() => {
            Ok((input.clone(), "projected CRS in metres, used as is".into()))
        }
        _ => {
            let (lon, lat) = if input.is_geographic() {
                centre
            } else {
                Reprojector::new(input, &WGS84)?.apply(centre.0, centre.1)?
            };
            let utm = utm_for(lon, lat);
            let why = if input.is_geographic() {
                format!("geographic input projected to the UTM zone of the data's centre ({lon:.4}, {lat:.4})")
            } else {
                format!(
                    "{} is not in metres (1 unit = {} m): reprojected to the UTM zone of the data's centre",
                    input,
                    input.unit_to_metre()
                )
            };
            Ok((utm, why))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert_eq!(Crs::parse("EPSG:4326").unwrap(), WGS84);
        assert_eq!(Crs::parse("epsg:26971").unwrap(), Crs::Epsg { code: 26971 });
        assert_eq!(Crs::parse("32610").unwrap(), Crs::Epsg { code: 32610 });
        assert_eq!(
            Crs::parse("urn:ogc:def:crs:EPSG::26971").unwrap(),
            Crs::Epsg { code: 26971 }
        );
        assert_eq!(Crs::parse("urn:ogc:def:crs:OGC:1.3:CRS84").unwrap(), WGS84);
        assert_eq!(
            Crs::parse("ESRI:102271").unwrap(),
            Crs::Esri { code: 102271 }
        );
        assert!(matches!(Crs::parse("local-ft").unwrap(), Crs::Local { .. }));
        assert!(Crs::parse("EPSG:99999999").is_err());
        assert!(Crs::parse("ESRI:1").is_err());
        assert!(Crs::parse("nonsense").is_err());
        assert!(Crs::parse("+proj=nonsense").is_err());
    }

    #[test]
    fn units_and_kinds() {
        assert!(WGS84.is_geographic());
        assert!(Crs::Epsg { code: 26971 }.is_metric_projected());
        assert!((Crs::Epsg { code: 2223 }.unit_to_metre() - 0.3048).abs() < 1e-12);
        assert!(!Crs::Epsg { code: 2223 }.is_metric_projected());
        assert_eq!(utm_for(-87.6, 41.8), Crs::Epsg { code: 32616 });
        assert_eq!(utm_for(-123.1, 49.2), Crs::Epsg { code: 32610 });
        assert_eq!(utm_for(151.2, -33.9), Crs::Epsg { code: 32756 });
    }

    #[test]
    fn reproject_matches_reference_points() {
        // Chicago arson row 1: x/y EPSG:26971 and lon/lat as published (PROVENANCE: pyproj)
        let r = Reprojector::new(&Crs::Epsg { code: 26971 }, &WGS84).unwrap();
        let (lon, lat) = r.apply(359192.30279892794, 570510.8907522861).unwrap();
        assert!(
            (lon - -87.621061).abs() < 2e-6 && (lat - 41.803392).abs() < 2e-6,
            "{lon} {lat}"
        );
        // Vancouver row 1: EPSG:32610
        let r = Reprojector::new(&WGS84, &Crs::Epsg { code: 32610 }).unwrap();
        let (x, y) = r.apply(-123.1229366, 49.2847885).unwrap();
        assert!(
            (x - 491059.4824).abs() < 0.05 && (y - 5459122.4178).abs() < 0.05,
            "{x} {y}"
        );
        // Mesa row 1: EPSG:2223 (international feet)
        let r = Reprojector::new(&Crs::Epsg { code: 2223 }, &WGS84).unwrap();
        let (lon, lat) = r.apply(727913.0000000029, 875720.9999999977).unwrap();
        assert!(
            (lon - -111.8251961).abs() < 2e-6 && (lat - 33.4072651).abs() < 2e-6,
            "{lon} {lat}"
        );
        // ESRI:102271 (Chicago PPA burglaries row 1)
        let r = Reprojector::new(&Crs::Esri { code: 102271 }, &WGS84).unwrap();
        // (within ~1 m: the published lon/lat include a NAD83(HARN) -> WGS 84 datum shift)
        let (lon, lat) = r.apply(351792.32921714475, 588848.2601243384).unwrap();
        assert!(
            (lon - -87.7084999).abs() < 2e-5 && (lat - 41.9690076).abs() < 2e-5,
            "{lon} {lat}"
        );
    }

    #[test]
    fn choose_working_rules() {
        let (w, _) = choose_working(&WGS84, (-87.6, 41.8)).unwrap();
        assert_eq!(w, Crs::Epsg { code: 32616 });
        let (w, _) = choose_working(&Crs::Epsg { code: 26971 }, (350000.0, 570000.0)).unwrap();
        assert_eq!(w, Crs::Epsg { code: 26971 });
        let (w, _) = choose_working(&Crs::Epsg { code: 2223 }, (727913.0, 875721.0)).unwrap();
        assert_eq!(w, Crs::Epsg { code: 32612 });
        let (w, _) = choose_working(
            &Crs::Local {
                unit_to_metre: 0.3048,
            },
            (0.0, 0.0),
        )
        .unwrap();
        assert_eq!(w, Crs::Local { unit_to_metre: 1.0 });
    }

    #[test]
    fn local_cannot_go_to_wgs84() {
        assert!(Reprojector::new(&Crs::Local { unit_to_metre: 1.0 }, &WGS84).is_err());
        let r = Reprojector::new(
            &Crs::Local {
                unit_to_metre: 0.3048,
            },
            &Crs::Local { unit_to_metre: 1.0 },
        )
        .unwrap();
        assert_eq!(r.apply(10.0, 0.0).unwrap(), (3.048, 0.0));
    }
}

#[cfg(all(test, feature = "proj"))]
mod proj_tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn proj_engine_matches_builtin_on_26971() {
        // EPSG:26971 is in the built-in table: the pure-Rust engine is used. PROJ
        // agrees within a metre: PROJ applies a NAD83 -> WGS 84 datum
        // transformation (~0.5 m here), the built-in engine treats them as equal.
        let builtin = Reprojector::new(&Crs::Epsg { code: 26971 }, &WGS84).unwrap();
        let sys = SystemProj {
            from: "EPSG:26971".into(),
            to: "EPSG:4326".into(),
        };
        for (x, y) in [
            (359192.30, 570510.89),
            (351792.33, 588848.26),
            (340000.0, 553000.0),
        ] {
            let (a, b) = builtin.apply(x, y).unwrap();
            let (c, d) = sys.convert(x, y).unwrap();
            // lon first from both (PROJ output normalised for visualisation)
            assert!(a < -87.0 && b > 41.0, "{a} {b}");
            assert_abs_diff_eq!(a, c, epsilon = 1e-5);
            assert_abs_diff_eq!(b, d, epsilon = 1e-5);
            assert!((a - c).abs() + (b - d).abs() > 0.0, "two engines ran");
        }
    }

    #[test]
    fn proj_handles_epsg_code_missing_from_builtin_table() {
        // EPSG:9377 (MAGNA-SIRGAS / Origen-Nacional, Colombia, metres) is not in
        // crs-definitions; with the proj feature it parses and reprojects.
        let c = Crs::parse("EPSG:9377").unwrap();
        assert!(c.proj_string().is_err());
        assert!(!c.is_geographic());
        assert_eq!(c.unit_to_metre(), 1.0);
        assert!(c.is_metric_projected());
        // Bogota, Plaza de Bolivar
        let to = Reprojector::new(&WGS84, &c).unwrap();
        let (x, y) = to.apply(-74.0760, 4.5981).unwrap();
        // false origin 5,000,000 / 2,000,000 at (-73.0, 4.0)
        assert!((4_870_000.0..4_890_000.0).contains(&x), "{x}");
        assert!((2_060_000.0..2_070_000.0).contains(&y), "{y}");
        let back = Reprojector::new(&c, &WGS84).unwrap();
        let (lon, lat) = back.apply(x, y).unwrap();
        assert_abs_diff_eq!(lon, -74.0760, epsilon = 1e-7);
        assert_abs_diff_eq!(lat, 4.5981, epsilon = 1e-7);
        // many points in parallel (per-thread PROJ objects)
        let mut pts = vec![[-74.0760, 4.5981]; 1000];
        assert!(to.apply_all(&mut pts).is_empty());
        assert_abs_diff_eq!(pts[999][0], x, epsilon = 1e-6);
        // a feet-based and a geographic CRS known only to PROJ
        assert!(Crs::parse("EPSG:4269").is_ok());
    }

    #[test]
    fn proj_rejects_unknown_code() {
        assert!(Crs::parse("EPSG:999999").is_err());
    }
}
