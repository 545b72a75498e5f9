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
use crate::io::csv::{normalise, stem, ALIASES, WINDOW_PAIRS};
use crate::layer::{Incidents, Layer, StringColumn, NO_CATEGORY};
use crate::time::TimePrecision;

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

/// Where [`for_each_feature`] found the features and the CRS.
struct Collection {
    features: usize,
    crs: Option<Crs>,
}

/// Streams the features of a GeoJSON document to `f` (0-based index, feature) without
/// building the whole document in memory: only one feature's JSON tree exists at a
/// time, so the peak is the file's bytes plus what `f` keeps. Accepts a
/// FeatureCollection, a single Feature or a bare geometry (members in any order); the
/// CRS named by a 2008-style `crs` member is returned. An error from `f` stops the
/// parse and is returned as it is.
fn for_each_feature<F>(path: &Path, bytes: &[u8], mut f: F) -> Result<Collection>
where
    F: FnMut(usize, RawFeature) -> Result<()>,
{
    use serde::de::{
        DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use std::fmt;

    // a UTF-8 byte-order mark (Windows editors, Excel) is not part of the JSON text
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(Error::format(
            path,
            format!(
                "not UTF-8 text (byte {}): GeoJSON must be UTF-8",
                e.valid_up_to()
            ),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::format(path, "the file is empty"));
    }

    struct State<'a, F> {
        f: &'a mut F,
        n: usize,
        stopped: Option<Error>,
    }
    /// The `features` member: `Some(count)` for an array, `None` for anything else.
    struct Features<'s, 'a, F>(&'s mut State<'a, F>);
    impl<'de, F: FnMut(usize, RawFeature) -> Result<()>> DeserializeSeed<'de> for Features<'_, '_, F> {
        type Value = bool;
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<bool, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de, F: FnMut(usize, RawFeature) -> Result<()>> Visitor<'de> for Features<'_, '_, F> {
        type Value = bool;
        fn expecting(&self, fm: &mut fmt::Formatter) -> fmt::Result {
            fm.write_str("a features array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<bool, A::Error> {
            while let Some(v) = seq.next_element::<Value>()? {
                let i = self.0.n;
                self.0.n += 1;
                if let Err(e) = (self.0.f)(i, take_feature(v)) {
                    self.0.stopped = Some(e);
                    return Err(serde::de::Error::custom("stopped by the reader"));
                }
            }
            Ok(true)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<bool, A::Error> {
            while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_unit<E>(self) -> std::result::Result<bool, E> {
            Ok(false)
        }
        fn visit_bool<E>(self, _: bool) -> std::result::Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> std::result::Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> std::result::Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> std::result::Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> std::result::Result<bool, E> {
            Ok(false)
        }
    }
    /// The top-level object: every member but `features` is kept (they are small).
    struct Top<'s, 'a, F>(&'s mut State<'a, F>);
    impl<'de, F: FnMut(usize, RawFeature) -> Result<()>> Visitor<'de> for Top<'_, '_, F> {
        type Value = (Map<String, Value>, Option<bool>);
        fn expecting(&self, fm: &mut fmt::Formatter) -> fmt::Result {
            fm.write_str("a GeoJSON object")
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut m: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut rest = Map::new();
            let mut features = None;
            while let Some(k) = m.next_key::<String>()? {
                if k == "features" {
                    features = Some(m.next_value_seed(Features(&mut *self.0))?);
                } else {
                    let v: Value = m.next_value()?;
                    rest.insert(k, v);
                }
            }
            Ok((rest, features))
        }
    }

    let mut st = State {
        f: &mut f,
        n: 0,
        stopped: None,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = de
        .deserialize_map(Top(&mut st))
        .and_then(|v| de.end().map(|_| v));
    let (mut rest, features) = match parsed {
        Ok(v) => v,
        Err(e) => {
            if let Some(stop) = st.stopped.take() {
                return Err(stop);
            }
            let what = if e.is_data() {
                "not GeoJSON"
            } else {
                "invalid JSON"
            };
            return Err(Error::format(
                path,
                format!("{what} at line {}, column {}: {e}", e.line(), e.column()),
            ));
        }
    };
    let crs = match rest
        .get("crs")
        .and_then(|c| c.pointer("/properties/name"))
        .and_then(Value::as_str)
    {
        Some(name) => {
            Some(Crs::parse(name).map_err(|e| Error::format(path, format!("crs member: {e}")))?)
        }
        None => None,
    };
    let t = rest
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match t.as_str() {
        "FeatureCollection" => {
            if features != Some(true) {
                return Err(Error::format(
                    path,
                    "FeatureCollection without a features array",
                ));
            }
        }
        "" => return Err(Error::format(path, "not GeoJSON: no \"type\" member")),
        other if features.is_some() => {
            return Err(Error::format(
                path,
                format!(
                "a \"features\" member in a GeoJSON {other}: only a FeatureCollection has features"
            ),
            ))
        }
        "Feature" => {
            let feature = take_feature(Value::Object(std::mem::take(&mut rest)));
            let i = st.n;
            st.n += 1;
            (st.f)(i, feature)?;
        }
        _ => {
            let geometry = Value::Object(std::mem::take(&mut rest));
            let i = st.n;
            st.n += 1;
            (st.f)(
                i,
                RawFeature {
                    geometry: Some(geometry),
                    properties: Map::new(),
                },
            )?;
        }
    }
    Ok(Collection {
        features: st.n,
        crs,
    })
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
    let mut out = std::collections::HashMap::new();
    for_each_feature(path, &bytes, |i, f| {
        if rows.contains(&(i as u64)) {
            let v = serde_json::json!({"type": "Feature", "properties": f.properties, "geometry": f.geometry});
            out.insert(i as u64, v.to_string());
        }
        Ok(())
    })?;
    Ok(out)
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
    /// Property keys, the time/category keys and the staging, fixed from the first
    /// features (up to 1000) and then used for every feature.
    struct Sink {
        /// Property keys kept as attributes.
        keys: Vec<String>,
        time_key: Option<String>,
        cat_key: Option<String>,
        st: Staging,
        times: super::timecol::TimeReader,
        /// End of occurrence windows and its text per staged row.
        to_key: Option<String>,
        to_text: StringColumn,
    }
    fn start(buffer: &[(usize, RawFeature)], path: &Path, opts: &LoadOptions) -> Result<Sink> {
        // property keys in first-seen order
        let mut keys: Vec<String> = Vec::new();
        for (_, f) in buffer {
            for k in f.properties.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        let mut time_key = find_key(&keys, "time", opts.time.as_deref());
        // occurrence windows: an explicit end property, or a common start/end pair
        let mut to_key = match &opts.time_to {
            Some(name) => Some(find_key(&keys, "time_to", Some(name)).ok_or_else(|| {
                Error::MissingColumn {
                    path: path.to_path_buf(),
                    what: format!("time_to ({name:?})"),
                    available: keys.join(", "),
                    hint: "check the property name".into(),
                }
            })?),
            None => None,
        };
        if to_key.is_none() && opts.time.is_none() {
            let pos = |n: &str| keys.iter().find(|k| normalise(k) == n);
            for (a, b) in WINDOW_PAIRS {
                if let (Some(i), Some(j)) = (pos(a), pos(b)) {
                    time_key = Some(i.clone());
                    to_key = Some(j.clone());
                    break;
                }
            }
        }
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
            lonlat_columns: false,
            xy_names: ("lon".into(), "lat".into()),
            ..Default::default()
        };
        if let Some(k) = &time_key {
            st.columns.insert("time".into(), k.clone());
        }
        if let Some(k) = &cat_key {
            st.columns.insert("category".into(), k.clone());
        }
        st.columns.insert("geometry".into(), "geometry".into());
        // the properties kept as attributes (the keys of `Sink` from here on)
        let keys: Vec<String> = opts
            .attributes
            .pick(&keys)
            .into_iter()
            .map(|i| keys[i].clone())
            .collect();
        st.attr_names = keys.clone();
        st.attrs = vec![StringColumn::new(); keys.len()];
        let times = super::timecol::TimeReader::new(
            time_key.as_deref().unwrap_or("time"),
            opts.time_format.as_deref(),
        );
        Ok(Sink {
            keys,
            time_key,
            cat_key,
            st,
            times,
            to_key,
            to_text: StringColumn::new(),
        })
    }
    fn process(sink: &mut Sink, row: u64, f: &RawFeature, opts: &LoadOptions) {
        let Sink {
            keys,
            time_key,
            cat_key,
            st,
            times,
            to_key,
            to_text,
        } = sink;
        st.rows_read += 1;
        let raw = || {
            vec![serde_json::to_string(&serde_json::json!({"type":"Feature","properties":f.properties,"geometry":f.geometry})).unwrap_or_default()]
        };
        // filters
        let values = opts.filters.iter().map(|flt| {
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
            (flt, std::borrow::Cow::Owned(v))
        });
        if !st.passes(values) {
            return;
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
                return;
            }
            Some(g) => match geometry_from_json(g) {
                Ok(Geometry::Point(p)) => p,
                Ok(Geometry::MultiPoint(m)) if m.0.len() == 1 => m.0[0],
                Ok(other) => {
                    let k = format!("{:?}", crate::layer::geometry_kind(&other));
                    st.reject(row, RejectReason::NotAPoint, "geometry", &k, raw());
                    return;
                }
                Err(msg) => {
                    let reason = if msg.contains("finite") {
                        RejectReason::NonFiniteCoordinates
                    } else {
                        RejectReason::UnparseableCoordinates
                    };
                    st.reject(row, reason, "geometry", &msg, raw());
                    return;
                }
            },
        };
        let mut tval: Option<(i64, TimePrecision)> = None;
        if let Some(k) = &time_key {
            let s = f.properties.get(k).map(value_text).unwrap_or_default();
            let idx = st.xy.len();
            tval = times.read(st, idx, row, &s);
        }
        let cat = match &cat_key {
            Some(k) => {
                let s = f.properties.get(k).map(value_text).unwrap_or_default();
                st.category_index(&s)
            }
            None => NO_CATEGORY,
        };
        if let Some(k) = to_key {
            to_text.push(&f.properties.get(k).map(value_text).unwrap_or_default());
        }
        st.xy.push([p.x(), p.y()]);
        st.time.push(tval.map_or(crate::io::NO_TIME, |t| t.0));
        st.precision
            .push(tval.map_or(TimePrecision::Second, |t| t.1));
        st.category.push(cat);
        st.row.push(row);
        for (k, key) in keys.iter().enumerate() {
            let s = f.properties.get(key).map(value_text).unwrap_or_default();
            st.attrs[k].push(&s);
        }
    }
    const KEY_SAMPLE: usize = 1000;
    let mut buffer: Vec<(usize, RawFeature)> = Vec::new();
    let mut sink: Option<Sink> = None;
    let coll = for_each_feature(path, bytes, |i, f| {
        match sink.as_mut() {
            Some(s) => process(s, i as u64, &f, opts),
            None => {
                buffer.push((i, f));
                if buffer.len() == KEY_SAMPLE {
                    let mut s = start(&buffer, path, opts)?;
                    for (i, f) in buffer.drain(..) {
                        process(&mut s, i as u64, &f, opts);
                    }
                    sink = Some(s);
                }
            }
        }
        Ok(())
    })?;
    if coll.features == 0 {
        return Err(Error::format(path, "the collection has no features"));
    }
    let mut sink = match sink {
        Some(s) => s,
        None => {
            let mut s = start(&buffer, path, opts)?;
            for (i, f) in buffer.drain(..) {
                process(&mut s, i as u64, &f, opts);
            }
            s
        }
    };
    let mut st = std::mem::take(&mut sink.st);
    sink.times.finish(&mut st, path)?;
    if let Some(k) = &sink.to_key {
        st.notes.push(format!(
            "occurrence windows from '{}' to '{k}'",
            sink.time_key.as_deref().unwrap_or("")
        ));
        st.columns.insert("time_to".into(), k.clone());
        super::apply_window_ends(&mut st, &sink.to_text, k, opts);
    }
    st.file_crs = coll.crs;
    if st.file_crs.is_none() && opts.crs.is_none() {
        st.file_crs = Some(WGS84);
        st.file_crs_default = true;
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
    let warnings = super::layer_warnings(&geoms, &input, &working, &name);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Features of a layer read from `bytes` with the default options.
    fn layer_len(bytes: &[u8], name: &str) -> usize {
        let opts = LayerOptions::default();
        let (l, _) = read_layer_from_bytes(bytes, Path::new(name), String::new(), &opts).unwrap();
        l.len()
    }

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
    fn members_in_any_order_feature_and_bare_geometry() {
        // features before type and crs; more than the 1000-feature key sample
        let mut text = String::from(r#"{"features":["#);
        for i in 0..1500 {
            if i > 0 {
                text.push(',');
            }
            let extra = if i == 1200 { r#","late":"x""# } else { "" };
            text.push_str(&format!(
                r#"{{"type":"Feature","properties":{{"id":{i}{extra}}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}}"#,
                359000.0 + i as f64,
                570000.0
            ));
        }
        text.push_str(r#"],"crs":{"type":"name","properties":{"name":"EPSG:26971"}},"type":"FeatureCollection"}"#);
        let (inc, rep) = read_incidents_from_bytes(
            text.as_bytes(),
            Path::new("late.geojson"),
            String::new(),
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 1500);
        assert_eq!(rep.crs.input, Crs::Epsg { code: 26971 });
        assert_eq!(inc.row[1499], 1499);
        // keys come from the first 1000 features only, as documented
        assert_eq!(inc.attr_names, vec!["id".to_string()]);
        // no attribute asked for: none kept, the rest unchanged
        let (none, _) = read_incidents_from_bytes(
            text.as_bytes(),
            Path::new("late.geojson"),
            String::new(),
            &LoadOptions::new().attributes(crate::io::Attributes::None),
        )
        .unwrap();
        assert!(none.attr_names.is_empty() && none.attrs.is_empty());
        assert_eq!((none.xy, none.row), (inc.xy, inc.row));
        let one = br#"{"geometry":{"type":"Point","coordinates":[-87.6,41.8]},"type":"Feature","properties":{"a":1}}"#;
        assert_eq!(layer_len(one, "f.geojson"), 1);
        let bare = br#"{"coordinates":[-87.6,41.8],"type":"Point"}"#;
        assert_eq!(layer_len(bare, "g.geojson"), 1);
    }

    #[test]
    fn layer_rejections_keep_their_row_through_every_step() {
        // row 0 null, row 1 out of lon/lat range, row 2 fine, row 3 fails to project
        // to Web Mercator (the pole)
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":null},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,10]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2,48]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2,90]}}
        ]}"#;
        let opts = LayerOptions {
            target: Some(Crs::Epsg { code: 3857 }),
            ..Default::default()
        };
        let (l, rep) =
            read_layer_from_bytes(text, Path::new("r.geojson"), String::new(), &opts).unwrap();
        let mut rows: Vec<(u64, RejectReason)> =
            rep.rejections.iter().map(|r| (r.row, r.reason)).collect();
        rows.sort_by_key(|r| r.0);
        assert_eq!(rows[0], (0, RejectReason::MissingCoordinates));
        assert_eq!(rows[1], (1, RejectReason::OutOfRangeLonLat));
        if l.len() == 1 {
            assert_eq!(rows[2], (3, RejectReason::TransformFailed));
        }
    }

    #[test]
    fn structural_errors_are_named() {
        let err = |b: &[u8]| {
            read_layer_from_bytes(
                b,
                Path::new("e.geojson"),
                String::new(),
                &LayerOptions::default(),
            )
            .unwrap_err()
            .to_string()
        };
        assert!(err(br#"{"type":"FeatureCollection","features":{}}"#)
            .contains("without a features array"));
        assert!(err(br#"{"type":"FeatureCollection"}"#).contains("without a features array"));
        assert!(err(br#"{"features":[]}"#).contains("no \"type\""));
        assert!(err(b"[1,2]").contains("not GeoJSON"));
        assert!(err(br#"{"type":"Feature","features":[],"geometry":null}"#)
            .contains("only a FeatureCollection"));
        assert!(err(b"  \n").contains("empty"));
        assert!(err(br#"{"type":"Point","coordinates":[1,2]} x"#).contains("invalid JSON"));
        let e = read_incidents_from_bytes(
            br#"{"type":"FeatureCollection","features":[]}"#,
            Path::new("n.geojson"),
            String::new(),
            &LoadOptions::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no features"), "{e}");
    }

    #[test]
    fn read_layer_with_utf8_bom() {
        // issue 12, item 6: Windows editors write a byte-order mark
        let mut b = b"\xef\xbb\xbf".to_vec();
        b.extend_from_slice(br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2.0,48.0]}}]}"#);
        assert_eq!(layer_len(&b, "bom.geojson"), 1);
        let (inc, _) = read_incidents_from_bytes(
            &b,
            Path::new("bom.geojson"),
            String::new(),
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 1);
    }

    #[test]
    fn read_incidents_window_pair_detected_and_rejected_by_reason() {
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":"2024-01-06 07:30"},"geometry":{"type":"Point","coordinates":[2.0,48.0]}},
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":""},"geometry":{"type":"Point","coordinates":[2.01,48.01]}},
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":"2024-01-04 07:30"},"geometry":{"type":"Point","coordinates":[2.02,48.02]}},
          {"type":"Feature","properties":{"date_start":"2024-01-05 18:00","date_end":"2024-03-04 07:30"},"geometry":{"type":"Point","coordinates":[2.03,48.03]}}
        ]}"#;
        let (inc, rep) = read_incidents_from_bytes(
            text,
            Path::new("w.geojson"),
            String::new(),
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 2, "{:?}", rep.rejected);
        assert_eq!(
            inc.time_to(0).unwrap() - inc.time[0].unwrap(),
            13 * 3600 + 1800
        );
        assert_eq!(inc.time_to(1), inc.time[1], "an empty end is an exact time");
        assert_eq!(
            rep.rejected.get(&RejectReason::WindowEndsBeforeStart),
            Some(&1)
        );
        assert_eq!(rep.rejected.get(&RejectReason::WindowTooLong), Some(&1));
        assert_eq!(
            rep.columns.get("time_to").map(String::as_str),
            Some("date_end")
        );
    }

    #[test]
    fn read_incidents_explicit_window_columns_and_missing_end() {
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"a":"2024-01-05 22:00","b":"2024-01-06 02:00"},"geometry":{"type":"Point","coordinates":[2.0,48.0]}}
        ]}"#;
        let mut o = LoadOptions::new();
        o.time = Some("a".into());
        o.time_to = Some("b".into());
        let (inc, _) =
            read_incidents_from_bytes(text, Path::new("w.geojson"), String::new(), &o).unwrap();
        assert_eq!(inc.time_to(0).unwrap() - inc.time[0].unwrap(), 4 * 3600);
        o.time_to = Some("nope".into());
        let e = read_incidents_from_bytes(text, Path::new("w.geojson"), String::new(), &o)
            .expect_err("missing end property");
        assert!(e.to_string().contains("nope"), "{e}");
    }

    #[test]
    fn read_incidents_day_first_and_unreadable_time() {
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"date":"13/01/2024"},"geometry":{"type":"Point","coordinates":[2.0,48.0]}},
          {"type":"Feature","properties":{"date":"02/03/2024"},"geometry":{"type":"Point","coordinates":[2.01,48.01]}},
          {"type":"Feature","properties":{"date":"soon"},"geometry":{"type":"Point","coordinates":[2.02,48.02]}}
        ]}"#;
        let (inc, rep) = read_incidents_from_bytes(
            text,
            Path::new("d.geojson"),
            String::new(),
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!((inc.len(), rep.unparseable_time), (3, 1));
        assert_eq!(
            crate::time::format(inc.time[1].unwrap(), TimePrecision::Day),
            "2024-03-02"
        );
    }

    #[test]
    fn layer_far_from_the_working_zone_warns() {
        // a Chicago layer put into the UTM zone of a Paris study
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-87.6,41.8]}}]}"#;
        let opts = LayerOptions {
            target: Some(Crs::Epsg { code: 32631 }),
            ..Default::default()
        };
        let (_, rep) =
            read_layer_from_bytes(text, Path::new("bars.geojson"), String::new(), &opts).unwrap();
        assert!(
            rep.warnings
                .iter()
                .any(|w| w.contains("bars") && w.contains("same place")),
            "{:?}",
            rep.warnings
        );
        let (_, rep) = read_layer_from_bytes(
            text,
            Path::new("bars.geojson"),
            String::new(),
            &LayerOptions::default(),
        )
        .unwrap();
        assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    }

    #[test]
    fn read_layer_repairs_a_bow_tie_polygon() {
        // issue 12: a self-intersecting treatment polygon had an area of ~0 while
        // incidents fell inside it
        let text = br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"local-m"}},"features":[
          {"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}},
          {"type":"Feature","properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[100,100],[100,0],[0,100],[0,0]]]}}
        ]}"#;
        let (l, rep) = read_layer_from_bytes(
            text,
            Path::new("t.geojson"),
            String::new(),
            &LayerOptions::default(),
        )
        .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(rep.repaired.len(), 1);
        assert_eq!(rep.repaired[0].row, 1);
        assert!(
            rep.repaired[0].value.contains("self-intersection"),
            "{:?}",
            rep.repaired
        );
        use geo::Area;
        match &l.geometries[1] {
            Geometry::MultiPolygon(m) => {
                assert_eq!(m.0.len(), 2);
                assert!((m.unsigned_area() - 5000.0).abs() < 1e-6);
            }
            other => panic!("not repaired: {other:?}"),
        }
        assert!(
            rep.warnings.iter().any(|w| w.contains("feature 1")),
            "{:?}",
            rep.warnings
        );
    }
}
