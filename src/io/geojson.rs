//! GeoJSON reading (incidents and layers) and writing (RFC 7946).
//!
//! Reading accepts a FeatureCollection, a single Feature or a bare geometry. The
//! CRS is EPSG:4326 per RFC 7946 unless the file carries a (2008-style) `crs`
//! member naming another, or the caller gives one. Writing produces
//! FeatureCollections in EPSG:4326 (coordinates rounded to 1e-7 degrees, ~1 cm)
//! unless the data are in a local frame, in which case coordinates stay local
//! and the collection carries a `crs` member saying so.

mod geometry;
mod incidents;
mod layer;

// every reader keeps its path `crate::io::geojson::X`
pub use geometry::*;
pub use incidents::*;
pub use layer::*;

use std::path::Path;

use serde_json::{Map, Value};

use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::csv::{normalise, ALIASES};

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

#[cfg(test)]
mod tests;
