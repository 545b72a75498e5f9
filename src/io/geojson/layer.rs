//! Layers from GeoJSON (any geometry, with properties), polygon checks and repair,
//! and the centre used to warn about a layer far from the working zone.

use std::path::Path;

use geo::{Geometry, MultiPolygon, Polygon};

use crate::crs::{choose_working, CrsChoice, Reprojector, WGS84};
use crate::error::{Error, Result};
use crate::io::csv::stem;
use crate::io::{LayerOptions, LayerReport, RejectReason, Rejection};
use crate::layer::Layer;

use super::{for_each_feature, geometry_from_json, value_text};

/// Reads a layer (any geometry type, with properties).
pub fn read_layer(path: &Path, opts: &LayerOptions) -> Result<(Layer, LayerReport)> {
    let (bytes, sha) = crate::io::read_bytes(path)?;
    read_layer_from_bytes(&bytes, path, sha, opts)
}

/// Reads a layer from in-memory GeoJSON (`path` is used in messages and for the name).
pub fn read_layer_from_bytes(
    bytes: &[u8],
    path: &Path,
    sha: String,
    opts: &LayerOptions,
) -> Result<(Layer, LayerReport)> {
    let mut geoms = Vec::new();
    let mut props = Vec::new();
    let mut rows: Vec<u64> = Vec::new();
    let mut rejections = Vec::new();
    let mut filtered = 0u64;
    let coll = for_each_feature(path, bytes, |i, f| {
        if !opts.filters.iter().all(|flt| {
            let v = f
                .properties
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&flt.column))
                .map(|(_, v)| value_text(v))
                .unwrap_or_default();
            flt.accepts(&v)
        }) {
            filtered += 1;
            return Ok(());
        }
        match &f.geometry {
            None => rejections.push(Rejection {
                row: i as u64,
                reason: RejectReason::MissingCoordinates,
                column: "geometry".into(),
                value: "null".into(),
                raw: Vec::new(),
            }),
            Some(g) => match geometry_from_json(g) {
                Ok(geom) => {
                    geoms.push(geom);
                    props.push(f.properties);
                    rows.push(i as u64);
                }
                Err(msg) => rejections.push(Rejection {
                    row: i as u64,
                    reason: RejectReason::UnparseableCoordinates,
                    column: "geometry".into(),
                    value: msg,
                    raw: Vec::new(),
                }),
            },
        }
        Ok(())
    })?;
    let file_crs = coll.crs;
    let declared = file_crs.is_some();
    let input = opts.crs.clone().or(file_crs).unwrap_or(WGS84);
    if input.is_geographic() {
        // out-of-range check
        use geo::CoordsIter;
        let mut keep_g = Vec::new();
        let mut keep_p = Vec::new();
        let mut keep_r = Vec::new();
        for ((g, p), row) in geoms.into_iter().zip(props).zip(&rows) {
            let bad = g
                .coords_iter()
                .any(|c| c.x.abs() > 180.0 || c.y.abs() > 90.0);
            if bad {
                rejections.push(Rejection {
                    row: *row,
                    reason: RejectReason::OutOfRangeLonLat,
                    column: "geometry".into(),
                    value: "coordinates outside lon/lat range".into(),
                    raw: Vec::new(),
                });
            } else {
                keep_g.push(g);
                keep_p.push(p);
                keep_r.push(*row);
            }
        }
        geoms = keep_g;
        props = keep_p;
        rows = keep_r;
        if geoms.is_empty() && !rejections.is_empty() {
            return Err(Error::format(
                path,
                format!(
                    "every coordinate is outside lon/lat ranges for {input} (GeoJSON without a crs member is read as EPSG:4326): give the file's CRS, e.g. `crs` local-ft or `crs` EPSG:xxxx (`layer_crs` for layers of analysis commands)"
                ),
            ));
        }
    }
    let (working, reason) = match &opts.target {
        Some(t) => (t.clone(), "given".to_string()),
        None => {
            let centre = layer_centre(&geoms);
            choose_working(&input, centre)?
        }
    };
    let name = opts.name.clone().unwrap_or_else(|| stem(path));
    let warnings = crate::io::layer_warnings(&geoms, &input, &working, &name);
    let proj = Reprojector::new(&input, &working)?;
    let mut out_g = Vec::with_capacity(geoms.len());
    let mut out_p = Vec::with_capacity(props.len());
    let mut repaired = Vec::new();
    for ((mut g, p), row) in geoms.into_iter().zip(props).zip(&rows) {
        match proj.apply_geometry(&mut g) {
            Ok(()) => match repair_polygons(&mut g) {
                Ok(note) => {
                    if let Some(n) = note {
                        repaired.push(Rejection {
                            row: *row,
                            reason: RejectReason::InvalidGeometry,
                            column: "geometry".into(),
                            value: n,
                            raw: Vec::new(),
                        });
                    }
                    out_g.push(g);
                    out_p.push(p);
                }
                Err(msg) => rejections.push(Rejection {
                    row: *row,
                    reason: RejectReason::InvalidGeometry,
                    column: "geometry".into(),
                    value: msg,
                    raw: Vec::new(),
                }),
            },
            Err(e) => rejections.push(Rejection {
                row: *row,
                reason: RejectReason::TransformFailed,
                column: "geometry".into(),
                value: e.to_string(),
                raw: Vec::new(),
            }),
        }
    }
    let mut rejected = std::collections::BTreeMap::new();
    for r in &rejections {
        *rejected.entry(r.reason).or_insert(0u64) += 1;
    }
    let crs = CrsChoice {
        input_source: if opts.crs.is_some() {
            "given".into()
        } else if declared {
            "declared by the file".into()
        } else {
            "GeoJSON default (RFC 7946)".into()
        },
        input,
        working,
        reason,
    };
    let layer = Layer {
        name,
        geometries: out_g,
        properties: out_p,
        crs: crs.clone(),
    };
    let report = LayerReport {
        path: path.to_path_buf(),
        features_read: coll.features as u64,
        accepted: layer.len() as u64,
        filtered_out: filtered,
        rejected,
        rejections,
        crs,
        sha256: sha,
        warnings,
        repaired,
    };
    let mut report = report;
    for r in report.repaired.iter().take(5) {
        report
            .warnings
            .push(format!("feature {}: {}", r.row, r.value));
    }
    if report.repaired.len() > 5 {
        let more = report.repaired.len() - 5;
        report.warnings.push(format!(
            "{more} more invalid polygon(s) repaired (see `repaired`)"
        ));
    }
    Ok((layer, report))
}

/// Checks the polygons of a geometry with geo's validity rules (OGC simple
/// features: rings simple and not crossing, holes inside the shell) and repairs an
/// invalid polygon with [`geo::MakeValid`] (constrained Delaunay triangulation with
/// the odd-even rule, Ledoux, Arroyo Ohori & Meijers 2014): a self-intersecting
/// "bow-tie" becomes its two triangles. Parts of a multipolygon are checked one by
/// one (parts that overlap each other are left as they are).
///
/// Returns a note when something was repaired, an error message when a polygon
/// cannot be repaired or has no area left.
pub(crate) fn repair_polygons(
    g: &mut Geometry<f64>,
) -> std::result::Result<Option<String>, String> {
    use geo::{Area, MakeValid, Validation};
    /// The repaired parts and a note, when the polygon was invalid.
    type Repair = Option<(Vec<Polygon<f64>>, String)>;
    fn fix(p: &Polygon<f64>) -> std::result::Result<Repair, String> {
        let Some(problem) = p.validation_errors().into_iter().next() else {
            return Ok(None);
        };
        let mp = p
            .make_valid()
            .map_err(|e| format!("invalid polygon ({problem}) that cannot be repaired: {e}"))?;
        if mp.0.is_empty() || mp.unsigned_area() <= 0.0 {
            return Err(format!("invalid polygon ({problem}) with no area"));
        }
        let note = format!(
            "invalid polygon ({problem}): repaired into {} polygon(s), area {:.1} m² as drawn -> {:.1} m²",
            mp.0.len(),
            p.unsigned_area(),
            mp.unsigned_area()
        );
        Ok(Some((mp.0, note)))
    }
    match g {
        Geometry::Polygon(p) => {
            if let Some((parts, note)) = fix(p)? {
                *g = if parts.len() == 1 {
                    Geometry::Polygon(parts.into_iter().next().unwrap_or_else(|| p.clone()))
                } else {
                    Geometry::MultiPolygon(MultiPolygon(parts))
                };
                return Ok(Some(note));
            }
            Ok(None)
        }
        Geometry::MultiPolygon(m) => {
            let mut notes = Vec::new();
            let mut out = Vec::with_capacity(m.0.len());
            for (k, p) in m.0.iter().enumerate() {
                match fix(p).map_err(|e| format!("part {k}: {e}"))? {
                    Some((parts, note)) => {
                        notes.push(format!("part {k}: {note}"));
                        out.extend(parts);
                    }
                    None => out.push(p.clone()),
                }
            }
            if notes.is_empty() {
                return Ok(None);
            }
            m.0 = out;
            Ok(Some(notes.join("; ")))
        }
        _ => Ok(None),
    }
}

pub(crate) fn layer_centre(geoms: &[Geometry<f64>]) -> (f64, f64) {
    use geo::BoundingRect;
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for g in geoms {
        if let Some(r) = g.bounding_rect() {
            let c = r.center();
            xs.push(c.x);
            ys.push(c.y);
        }
    }
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    xs.sort_by(f64::total_cmp);
    ys.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], ys[ys.len() / 2])
}
