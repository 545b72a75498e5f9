//! GeoJSON reading (incidents and layers) and writing (RFC 7946).
//!
//! Reading accepts a FeatureCollection, a single Feature or a bare geometry. The
//! CRS is EPSG:4326 per RFC 7946 unless the file carries a (2008-style) `crs`
//! member naming another, or the caller gives one. Writing produces
//! FeatureCollections in EPSG:4326 (coordinates rounded to 1e-7 degrees, ~1 cm)
//! unless the data are in a local frame, in which case coordinates stay local
//! and the collection carries a `crs` member saying so.

use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

use super::{
    finish, LayerOptions, LayerReport, LoadOptions, LoadReport, RejectReason, Rejection, Staging,
};
use crate::crs::{choose_working, Crs, CrsChoice, Reprojector, WGS84};
use crate::error::{Error, Result};
use crate::io::csv::{normalise, stem, ALIASES};
use crate::layer::{Incidents, Layer, StringColumn, NO_CATEGORY};
use crate::time::{self, TimePrecision};

fn position(v: &Value) -> std::result::Result<Coord<f64>, String> {
    let a = v.as_array().ok_or("position is not an array")?;
    if a.len() < 2 {
        return Err("position has fewer than 2 numbers".into());
    }
    let x = a[0].as_f64().ok_or("coordinate is not a number")?;
    let y = a[1].as_f64().ok_or("coordinate is not a number")?;
    if !x.is_finite() || !y.is_finite() {
        return Err("coordinate is not finite".into());
    }
    Ok(Coord { x, y })
}

fn ring(v: &Value) -> std::result::Result<LineString<f64>, String> {
    let a = v.as_array().ok_or("coordinates are not an array")?;
    a.iter()
        .map(position)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map(LineString::new)
}

fn polygon(v: &Value) -> std::result::Result<Polygon<f64>, String> {
    let rings = v.as_array().ok_or("polygon coordinates are not an array")?;
    let mut it = rings.iter();
    let ext = ring(it.next().ok_or("polygon has no rings")?)?;
    if ext.0.len() < 3 {
        return Err("polygon ring has fewer than 3 positions".into());
    }
    let holes = it.map(ring).collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Polygon::new(ext, holes))
}

/// Converts a GeoJSON geometry object to a `geo` geometry.
pub fn geometry_from_json(v: &Value) -> std::result::Result<Geometry<f64>, String> {
    let t = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or("geometry has no type")?;
    if t == "GeometryCollection" {
        let gs = v
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or("GeometryCollection without geometries")?;
        let inner = gs
            .iter()
            .map(geometry_from_json)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        return Ok(Geometry::GeometryCollection(geo::GeometryCollection(inner)));
    }
    let c = v.get("coordinates").ok_or("geometry has no coordinates")?;
    let arr = || c.as_array().ok_or("coordinates are not an array");
    Ok(match t {
        "Point" => Geometry::Point(Point(position(c)?)),
        "MultiPoint" => Geometry::MultiPoint(MultiPoint(
            arr()?
                .iter()
                .map(|p| position(p).map(Point))
                .collect::<std::result::Result<_, _>>()?,
        )),
        "LineString" => {
            let l = ring(c)?;
            if l.0.is_empty() {
                return Err("empty LineString".into());
            }
            Geometry::LineString(l)
        }
        "MultiLineString" => Geometry::MultiLineString(MultiLineString(
            arr()?
                .iter()
                .map(ring)
                .collect::<std::result::Result<_, _>>()?,
        )),
        "Polygon" => Geometry::Polygon(polygon(c)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            arr()?
                .iter()
                .map(polygon)
                .collect::<std::result::Result<_, _>>()?,
        )),
        other => return Err(format!("unknown geometry type {other:?}")),
    })
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

fn pos_json(c: Coord<f64>, round: bool) -> Value {
    if round {
        Value::from(vec![round7(c.x), round7(c.y)])
    } else {
        Value::from(vec![c.x, c.y])
    }
}

fn ring_json(l: &LineString<f64>, r: bool) -> Value {
    Value::Array(l.0.iter().map(|c| pos_json(*c, r)).collect())
}

fn poly_json(p: &Polygon<f64>, r: bool) -> Value {
    let mut v = vec![ring_json(p.exterior(), r)];
    v.extend(p.interiors().iter().map(|h| ring_json(h, r)));
    Value::Array(v)
}

/// Converts a `geo` geometry to a GeoJSON geometry object (coordinates as given;
/// `round` rounds to 1e-7, for degrees).
pub fn geometry_to_json(g: &Geometry<f64>, round: bool) -> Value {
    let (t, c) = match g {
        Geometry::Point(p) => ("Point", pos_json(p.0, round)),
        Geometry::MultiPoint(m) => (
            "MultiPoint",
            Value::Array(m.0.iter().map(|p| pos_json(p.0, round)).collect()),
        ),
        Geometry::Line(l) => (
            "LineString",
            Value::Array(vec![pos_json(l.start, round), pos_json(l.end, round)]),
        ),
        Geometry::LineString(l) => ("LineString", ring_json(l, round)),
        Geometry::MultiLineString(m) => (
            "MultiLineString",
            Value::Array(m.0.iter().map(|l| ring_json(l, round)).collect()),
        ),
        Geometry::Polygon(p) => ("Polygon", poly_json(p, round)),
        Geometry::MultiPolygon(m) => (
            "MultiPolygon",
            Value::Array(m.0.iter().map(|p| poly_json(p, round)).collect()),
        ),
        Geometry::Rect(r) => ("Polygon", poly_json(&r.to_polygon(), round)),
        Geometry::Triangle(t) => ("Polygon", poly_json(&t.to_polygon(), round)),
        Geometry::GeometryCollection(gc) => {
            let mut m = Map::new();
            m.insert("type".into(), "GeometryCollection".into());
            m.insert(
                "geometries".into(),
                Value::Array(gc.0.iter().map(|g| geometry_to_json(g, round)).collect()),
            );
            return Value::Object(m);
        }
    };
    let mut m = Map::new();
    m.insert("type".into(), t.into());
    m.insert("coordinates".into(), c);
    Value::Object(m)
}

/// Builds a FeatureCollection from geometries in the working CRS `crs`, writing
/// EPSG:4326 when the CRS is georeferenced (local frames stay local, with a
/// `crs` member naming them). `props[i]` are the properties of feature `i`.
pub struct FeatureCollectionWriter {
    features: Vec<Value>,
    to_wgs84: Option<Reprojector>,
    local: Option<String>,
}

impl FeatureCollectionWriter {
    /// A writer for geometries in `crs`.
    pub fn new(crs: &Crs) -> Result<Self> {
        if crs.is_georeferenced() {
            Ok(FeatureCollectionWriter {
                features: Vec::new(),
                to_wgs84: Some(Reprojector::new(crs, &WGS84)?),
                local: None,
            })
        } else {
            Ok(FeatureCollectionWriter {
                features: Vec::new(),
                to_wgs84: None,
                local: Some(crs.name()),
            })
        }
    }

    /// Adds a feature.
    pub fn push(&mut self, geometry: &Geometry<f64>, properties: Map<String, Value>) -> Result<()> {
        let gj = match &self.to_wgs84 {
            Some(r) => {
                let mut g = geometry.clone();
                r.apply_geometry(&mut g)?;
                geometry_to_json(&g, true)
            }
            None => geometry_to_json(geometry, false),
        };
        let mut f = Map::new();
        f.insert("type".into(), "Feature".into());
        f.insert("properties".into(), Value::Object(properties));
        f.insert("geometry".into(), gj);
        self.features.push(Value::Object(f));
        Ok(())
    }

    /// Number of features so far.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The collection as JSON bytes.
    pub fn finish(self) -> Vec<u8> {
        let mut m = Map::new();
        m.insert("type".into(), "FeatureCollection".into());
        if let Some(name) = self.local {
            m.insert(
                "crs".into(),
                serde_json::json!({"type": "name", "properties": {"name": name}}),
            );
        }
        m.insert("features".into(), Value::Array(self.features));
        let mut out = serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

struct RawFeature {
    geometry: Option<Value>,
    properties: Map<String, Value>,
}

fn take_feature(f: Value) -> RawFeature {
    match f {
        Value::Object(mut m) => RawFeature {
            geometry: m.remove("geometry").filter(|g| !g.is_null()),
            properties: match m.remove("properties") {
                Some(Value::Object(p)) => p,
                _ => Map::new(),
            },
        },
        _ => RawFeature {
            geometry: None,
            properties: Map::new(),
        },
    }
}

/// Parses a GeoJSON document into features (moving values, never cloning them)
/// and the CRS named by a `crs` member, if any.
fn parse_collection(path: &Path, bytes: &[u8]) -> Result<(Vec<RawFeature>, Option<Crs>)> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::format(
            path,
            format!(
                "not UTF-8 text (byte {}): GeoJSON must be UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    if text.trim().is_empty() {
        return Err(Error::format(path, "the file is empty"));
    }
    let mut v: Value = serde_json::from_str(text).map_err(|e| {
        Error::format(
            path,
            format!(
                "invalid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let crs = match v.pointer("/crs/properties/name").and_then(Value::as_str) {
        Some(name) => {
            Some(Crs::parse(name).map_err(|e| Error::format(path, format!("crs member: {e}")))?)
        }
        None => None,
    };
    let t = v
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let feats = match t.as_str() {
        "FeatureCollection" => match v.get_mut("features").map(Value::take) {
            Some(Value::Array(fs)) => fs.into_iter().map(take_feature).collect(),
            _ => {
                return Err(Error::format(
                    path,
                    "FeatureCollection without a features array",
                ))
            }
        },
        "Feature" => vec![take_feature(v)],
        "" => return Err(Error::format(path, "not GeoJSON: no \"type\" member")),
        _ => vec![RawFeature {
            geometry: Some(v),
            properties: Map::new(),
        }],
    };
    Ok((feats, crs))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn find_key(keys: &[String], role: &str, explicit: Option<&str>) -> Option<String> {
    if let Some(e) = explicit {
        let n = normalise(e);
        return keys.iter().find(|k| normalise(k) == n).cloned();
    }
    let aliases = ALIASES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, a)| *a)
        .unwrap_or(&[]);
    for a in aliases {
        if let Some(k) = keys.iter().find(|k| normalise(k) == *a) {
            return Some(k.clone());
        }
    }
    None
}

/// The features at the given 0-based indices, as compact JSON text (for writing
/// rejected features whose raw text was not kept while loading).
pub fn raw_features(
    path: &Path,
    rows: &std::collections::BTreeSet<u64>,
) -> Result<std::collections::HashMap<u64, String>> {
    let (bytes, _) = super::read_bytes(path)?;
    let (feats, _) = parse_collection(path, &bytes)?;
    Ok(feats
        .into_iter()
        .enumerate()
        .filter(|(i, _)| rows.contains(&(*i as u64)))
        .map(|(i, f)| {
            let v = serde_json::json!({"type": "Feature", "properties": f.properties, "geometry": f.geometry});
            (i as u64, v.to_string())
        })
        .collect())
}

/// Reads incident points from GeoJSON (Point geometries; MultiPoint with one point accepted).
pub fn read_incidents(path: &Path, opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
    let (bytes, sha) = super::read_bytes(path)?;
    read_incidents_from_bytes(&bytes, path, sha, opts)
}

/// Reads incident points from in-memory GeoJSON (`path` is used in messages).
pub fn read_incidents_from_bytes(
    bytes: &[u8],
    path: &Path,
    sha: String,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    let (feats, file_crs) = parse_collection(path, bytes)?;
    if feats.is_empty() {
        return Err(Error::format(path, "the collection has no features"));
    }
    // property keys in first-seen order
    let mut keys: Vec<String> = Vec::new();
    for f in feats.iter().take(1000) {
        for k in f.properties.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let time_key = find_key(&keys, "time", opts.time.as_deref());
    if opts.time.is_some() && time_key.is_none() {
        return Err(Error::MissingColumn {
            path: path.to_path_buf(),
            what: format!("time ({:?})", opts.time.as_deref().unwrap_or("")),
            available: keys.join(", "),
            hint: "check the property name".into(),
        });
    }
    let cat_key = find_key(&keys, "category", opts.category.as_deref());
    let mut st = Staging {
        file_crs,
        lonlat_columns: false,
        xy_names: ("lon".into(), "lat".into()),
        ..Default::default()
    };
    if st.file_crs.is_none() && opts.crs.is_none() {
        st.file_crs = Some(WGS84);
        st.file_crs_default = true;
    }
    if let Some(k) = &time_key {
        st.columns.insert("time".into(), k.clone());
    }
    if let Some(k) = &cat_key {
        st.columns.insert("category".into(), k.clone());
    }
    st.columns.insert("geometry".into(), "geometry".into());
    st.attr_names = keys.clone();
    st.attrs = vec![StringColumn::new(); keys.len()];
    for (i, f) in feats.iter().enumerate() {
        let row = i as u64;
        st.rows_read += 1;
        let raw = || {
            vec![serde_json::to_string(&serde_json::json!({"type":"Feature","properties":f.properties,"geometry":f.geometry})).unwrap_or_default()]
        };
        // filters
        let mut pass = true;
        for flt in &opts.filters {
            let key = if normalise(&flt.column) == "category"
                && !f.properties.contains_key(&flt.column)
            {
                cat_key.clone().unwrap_or_default()
            } else {
                flt.column.clone()
            };
            let v = f
                .properties
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&key))
                .map(|(_, v)| value_text(v))
                .unwrap_or_default();
            if !flt.accepts(&v) {
                pass = false;
                break;
            }
        }
        if !pass {
            st.filtered_out += 1;
            continue;
        }
        let p = match &f.geometry {
            None => {
                st.reject(
                    row,
                    RejectReason::MissingCoordinates,
                    "geometry",
                    "null",
                    raw(),
                );
                continue;
            }
            Some(g) => match geometry_from_json(g) {
                Ok(Geometry::Point(p)) => p,
                Ok(Geometry::MultiPoint(m)) if m.0.len() == 1 => m.0[0],
                Ok(other) => {
                    let k = format!("{:?}", crate::layer::geometry_kind(&other));
                    st.reject(row, RejectReason::NotAPoint, "geometry", &k, raw());
                    continue;
                }
                Err(msg) => {
                    let reason = if msg.contains("finite") {
                        RejectReason::NonFiniteCoordinates
                    } else {
                        RejectReason::UnparseableCoordinates
                    };
                    st.reject(row, reason, "geometry", &msg, raw());
                    continue;
                }
            },
        };
        let mut tval: Option<(i64, TimePrecision)> = None;
        if let Some(k) = &time_key {
            let s = f.properties.get(k).map(value_text).unwrap_or_default();
            if !s.trim().is_empty() {
                let parsed = match &opts.time_format {
                    Some(fm) => time::parse_with_format(&s, fm),
                    None => time::parse(&s),
                };
                match parsed {
                    Some(t) => tval = Some(t),
                    None => {
                        st.reject(row, RejectReason::UnparseableTime, k, &s, raw());
                        continue;
                    }
                }
            }
        }
        if let Some((t, _)) = tval {
            if opts.from.is_some_and(|fr| t < fr) || opts.to.is_some_and(|e| t >= e) {
                st.filtered_out += 1;
                continue;
            }
        } else if opts.from.is_some() || opts.to.is_some() {
            st.filtered_out += 1;
            continue;
        }
        let cat = match &cat_key {
            Some(k) => {
                let s = f.properties.get(k).map(value_text).unwrap_or_default();
                st.category_index(&s)
            }
            None => NO_CATEGORY,
        };
        st.xy.push([p.x(), p.y()]);
        st.time.push(tval.map(|t| t.0));
        st.precision
            .push(tval.map_or(TimePrecision::Second, |t| t.1));
        st.category.push(cat);
        st.row.push(row);
        for (k, key) in keys.iter().enumerate() {
            let s = f.properties.get(key).map(value_text).unwrap_or_default();
            st.attrs[k].push(&s);
        }
    }
    finish(st, path, "geojson", sha, opts)
}

/// Reads a layer (any geometry type, with properties).
pub fn read_layer(path: &Path, opts: &LayerOptions) -> Result<(Layer, LayerReport)> {
    let (bytes, sha) = super::read_bytes(path)?;
    read_layer_from_bytes(&bytes, path, sha, opts)
}

/// Reads a layer from in-memory GeoJSON (`path` is used in messages and for the name).
pub fn read_layer_from_bytes(
    bytes: &[u8],
    path: &Path,
    sha: String,
    opts: &LayerOptions,
) -> Result<(Layer, LayerReport)> {
    let (feats, file_crs) = parse_collection(path, bytes)?;
    let declared = file_crs.is_some();
    let input = opts.crs.clone().or(file_crs).unwrap_or(WGS84);
    let mut geoms = Vec::new();
    let mut props = Vec::new();
    let mut rejections = Vec::new();
    let mut filtered = 0u64;
    for (i, f) in feats.iter().enumerate() {
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
            continue;
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
                    props.push(f.properties.clone());
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
    }
    if input.is_geographic() {
        // out-of-range check
        use geo::CoordsIter;
        let mut keep_g = Vec::new();
        let mut keep_p = Vec::new();
        for (k, (g, p)) in geoms.into_iter().zip(props).enumerate() {
            let bad = g
                .coords_iter()
                .any(|c| c.x.abs() > 180.0 || c.y.abs() > 90.0);
            if bad {
                rejections.push(Rejection {
                    row: k as u64,
                    reason: RejectReason::OutOfRangeLonLat,
                    column: "geometry".into(),
                    value: "coordinates outside lon/lat range".into(),
                    raw: Vec::new(),
                });
            } else {
                keep_g.push(g);
                keep_p.push(p);
            }
        }
        geoms = keep_g;
        props = keep_p;
        if geoms.is_empty() && !rejections.is_empty() {
            return Err(Error::format(
                path,
                format!(
                    "every coordinate is outside lon/lat ranges for {input} (GeoJSON without a crs member is read as EPSG:4326): give the file's CRS, e.g. --crs local-ft or --crs EPSG:xxxx (--layer-crs for layers of analysis commands)"
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
    let proj = Reprojector::new(&input, &working)?;
    let mut out_g = Vec::with_capacity(geoms.len());
    let mut out_p = Vec::with_capacity(props.len());
    for (k, (mut g, p)) in geoms.into_iter().zip(props).enumerate() {
        match proj.apply_geometry(&mut g) {
            Ok(()) => {
                out_g.push(g);
                out_p.push(p);
            }
            Err(e) => rejections.push(Rejection {
                row: k as u64,
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
        name: opts.name.clone().unwrap_or_else(|| stem(path)),
        geometries: out_g,
        properties: out_p,
        crs: crs.clone(),
    };
    let report = LayerReport {
        path: path.to_path_buf(),
        features_read: feats.len() as u64,
        accepted: layer.len() as u64,
        filtered_out: filtered,
        rejected,
        rejections,
        crs,
        sha256: sha,
    };
    Ok((layer, report))
}

fn layer_centre(geoms: &[Geometry<f64>]) -> (f64, f64) {
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

/// Writes incidents as GeoJSON points with their time, category and source row.
pub fn incidents_to_geojson(inc: &Incidents) -> Result<Vec<u8>> {
    let mut w = FeatureCollectionWriter::new(&inc.crs.working)?;
    for i in 0..inc.len() {
        let mut p = Map::new();
        p.insert("row".into(), inc.row[i].into());
        if let Some(t) = inc.time[i] {
            p.insert("time".into(), time::format(t, inc.precision[i]).into());
            p.insert("time_precision".into(), inc.precision[i].name().into());
        }
        if let Some(c) = inc.category_name(i) {
            p.insert("category".into(), c.into());
        }
        for (k, n) in inc.attr_names.iter().enumerate() {
            if !p.contains_key(n) {
                p.insert(n.clone(), inc.attrs[k].get(i).into());
            }
        }
        w.push(&Geometry::Point(Point::new(inc.xy[i][0], inc.xy[i][1])), p)?;
    }
    Ok(w.finish())
}

/// Writes a layer as GeoJSON with its properties.
pub fn layer_to_geojson(layer: &Layer) -> Result<Vec<u8>> {
    let mut w = FeatureCollectionWriter::new(&layer.crs.working)?;
    for (g, p) in layer.geometries.iter().zip(&layer.properties) {
        w.push(g, p.clone())?;
    }
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_incidents_rejects_non_points() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"datetime":"2019-01-01"},"geometry":{"type":"Point","coordinates":[-87.60,41.80]}},
          {"type":"Feature","properties":{"datetime":"2019-01-02"},"geometry":{"type":"MultiPoint","coordinates":[[-87.61,41.81]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-87.60,41.80],[-87.59,41.80]]}}
        ]}"#;
        let (inc, rep) = read_incidents_from_bytes(
            text.as_bytes(),
            Path::new("m.geojson"),
            String::new(),
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 2);
        assert_eq!(inc.row, vec![0, 1]);
        assert_eq!(rep.rejected.get(&RejectReason::NotAPoint), Some(&1));
        assert_eq!(rep.rejections[0].row, 2);
        assert_eq!(rep.crs.input_source, "GeoJSON default (RFC 7946)");
    }

    #[test]
    fn read_layer_polygons_and_lines() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"park"},"geometry":{"type":"Polygon","coordinates":[[[-87.60,41.80],[-87.59,41.80],[-87.59,41.81],[-87.60,41.80]]]}},
          {"type":"Feature","properties":{"name":"st"},"geometry":{"type":"LineString","coordinates":[[-87.60,41.80],[-87.59,41.80]]}},
          {"type":"Feature","properties":{},"geometry":null},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["a",1]}}
        ]}"#;
        let (l, rep) = read_layer_from_bytes(
            text.as_bytes(),
            Path::new("parks.geojson"),
            String::new(),
            &LayerOptions::default(),
        )
        .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(rep.rejected.values().sum::<u64>(), 2);
        assert_eq!(l.name, "parks");
        assert_eq!(rep.crs.working, Crs::Epsg { code: 32616 });
        // the line is ~830 m long
        use geo::{Euclidean, Length};
        if let Geometry::LineString(ls) = &l.geometries[1] {
            let len = Euclidean.length(ls);
            assert!((len - 830.0).abs() < 10.0, "{len}");
        } else {
            panic!("not a line");
        }
    }

    #[test]
    fn crs_member_is_honoured() {
        let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::26971"}},"features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[359192.3,570510.9]}}]}"#;
        let (l, rep) = read_layer_from_bytes(
            text.as_bytes(),
            Path::new("a.geojson"),
            String::new(),
            &LayerOptions::default(),
        )
        .unwrap();
        assert_eq!(rep.crs.input, Crs::Epsg { code: 26971 });
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn bad_json_names_line() {
        let e = read_layer_from_bytes(
            b"{\"type\": \"FeatureCollection\",\n \"features\": [",
            Path::new("x.geojson"),
            String::new(),
            &LayerOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.geojson") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn writer_roundtrips_to_wgs84() {
        let utm = Crs::Epsg { code: 32616 };
        let r = Reprojector::new(&WGS84, &utm).unwrap();
        let (x, y) = r.apply(-87.6, 41.8).unwrap();
        let mut w = FeatureCollectionWriter::new(&utm).unwrap();
        w.push(&Geometry::Point(Point::new(x, y)), Map::new())
            .unwrap();
        let v: Value = serde_json::from_slice(&w.finish()).unwrap();
        let c = &v["features"][0]["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap() + 87.6).abs() < 1e-7);
        assert!((c[1].as_f64().unwrap() - 41.8).abs() < 1e-7);
    }
}
