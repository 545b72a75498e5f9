//! Incident points from GeoJSON: time, category and window properties found by
//! alias or by name, staged and checked like CSV rows.

use std::path::Path;

use geo::Geometry;

use crate::crs::WGS84;
use crate::error::{Error, Result};
use crate::io::csv::{normalise, WINDOW_PAIRS};
use crate::io::{finish, LoadOptions, LoadReport, RejectReason, Staging};
use crate::layer::{Incidents, StringColumn, NO_CATEGORY};
use crate::time::TimePrecision;

use super::{find_key, for_each_feature, geometry_from_json, value_text, RawFeature};

/// Reads incident points from GeoJSON (Point geometries; MultiPoint with one point accepted).
pub fn read_incidents(path: &Path, opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
    let (bytes, sha) = crate::io::read_bytes(path)?;
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
        times: crate::io::timecol::TimeReader,
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
        let times = crate::io::timecol::TimeReader::new(
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
        crate::io::apply_window_ends(&mut st, &sink.to_text, k, opts);
    }
    st.file_crs = coll.crs;
    if st.file_crs.is_none() && opts.crs.is_none() {
        st.file_crs = Some(WGS84);
        st.file_crs_default = true;
    }
    finish(st, path, "geojson", sha, opts)
}
