//! Any vector format GDAL/OGR reads (Shapefile, GeoPackage, FlatGeobuf, KML, ...),
//! behind the `gdal` cargo feature.
//!
//! The first layer of the dataset is converted feature by feature into an
//! in-memory GeoJSON collection (geometry via OGR's JSON export, attributes as
//! JSON values, the layer's CRS as a `crs` member), then read by the GeoJSON
//! readers, so validation, rejection reports and CRS handling are identical.

use std::path::Path;

use gdal::vector::{FieldValue, LayerAccess};
use serde_json::{Map, Value};

use super::{LayerOptions, LayerReport, LoadOptions, LoadReport};
use crate::error::{Error, Result};
use crate::layer::{Incidents, Layer};

fn field_json(v: Option<FieldValue>) -> Value {
    match v {
        None => Value::Null,
        Some(FieldValue::IntegerValue(i)) => i.into(),
        Some(FieldValue::Integer64Value(i)) => i.into(),
        Some(FieldValue::RealValue(f)) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Some(FieldValue::StringValue(s)) => s.into(),
        Some(FieldValue::DateValue(d)) => d.format("%Y-%m-%d").to_string().into(),
        Some(FieldValue::DateTimeValue(d)) => d.format("%Y-%m-%d %H:%M:%S").to_string().into(),
        Some(other) => format!("{other:?}").into(),
    }
}

/// Converts the first layer of a GDAL dataset to GeoJSON bytes, with its CRS and driver name.
fn to_geojson(path: &Path) -> Result<(Vec<u8>, String, String)> {
    let ds = gdal::Dataset::open(path)
        .map_err(|e| Error::format(path, format!("GDAL cannot open: {e}")))?;
    let driver = ds.driver().short_name();
    let mut layer = ds
        .layer(0)
        .map_err(|e| Error::format(path, format!("GDAL: no vector layer: {e}")))?;
    let crs_name = layer
        .spatial_ref()
        .and_then(|s| match (s.auth_name(), s.auth_code()) {
            (Some(a), Ok(c)) => Some(format!("{a}:{c}")),
            _ => s.to_proj4().ok(),
        });
    let mut feats = Vec::new();
    for f in layer.features() {
        let mut props = Map::new();
        for (name, v) in f.fields() {
            props.insert(name, field_json(v));
        }
        let geom = match f.geometry() {
            Some(g) => match g.json() {
                Ok(s) => serde_json::from_str::<Value>(&s).unwrap_or(Value::Null),
                Err(_) => Value::Null,
            },
            None => Value::Null,
        };
        feats.push(serde_json::json!({"type": "Feature", "properties": props, "geometry": geom}));
    }
    let mut top = Map::new();
    top.insert("type".into(), "FeatureCollection".into());
    if let Some(n) = &crs_name {
        top.insert(
            "crs".into(),
            serde_json::json!({"type": "name", "properties": {"name": n}}),
        );
    }
    top.insert("features".into(), Value::Array(feats));
    let bytes =
        serde_json::to_vec(&Value::Object(top)).map_err(|e| Error::format(path, e.to_string()))?;
    let hash = super::sha256_hex(&std::fs::read(path).unwrap_or_default());
    Ok((bytes, hash, format!("gdal:{driver}")))
}

/// Reads incident points from any GDAL vector dataset.
pub fn read_incidents(path: &Path, opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
    let (bytes, hash, fmt) = to_geojson(path)?;
    let (inc, mut rep) = super::geojson::read_incidents_from_bytes(&bytes, path, hash, opts)?;
    rep.format = fmt;
    Ok((inc, rep))
}

/// Reads a layer from any GDAL vector dataset.
pub fn read_layer(path: &Path, opts: &LayerOptions) -> Result<(Layer, LayerReport)> {
    let (bytes, hash, _) = to_geojson(path)?;
    super::geojson::read_layer_from_bytes(&bytes, path, hash, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use crate::time::TimePrecision;

    fn shp() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gdal/incidents_26971.shp")
    }

    #[test]
    fn read_incidents_from_shapefile() {
        let (inc, rep) = crate::io::load_incidents(shp(), &LoadOptions::new()).unwrap();
        assert_eq!(rep.format, "gdal:ESRI Shapefile");
        assert_eq!((rep.rows_read, rep.accepted), (3, 3));
        // the .prj is honoured: metric, used as is
        assert!(rep.crs.input.is_metric_projected(), "{}", rep.crs.input);
        assert_eq!(rep.crs.working, rep.crs.input);
        assert!((inc.xy[0][0] - 359192.30).abs() < 1e-6 && (inc.xy[0][1] - 570510.89).abs() < 1e-6);
        assert_eq!(inc.category_name(2), Some("arson"));
        assert_eq!(inc.precision[0], TimePrecision::Day);
        assert_eq!(
            crate::time::format(inc.time[2].unwrap(), TimePrecision::Day),
            "2016-02-10"
        );
    }

    #[test]
    fn read_layer_from_shapefile_to_utm() {
        let opts = LayerOptions {
            target: Some(Crs::Epsg { code: 32616 }),
            ..LayerOptions::default()
        };
        let (layer, rep) = crate::io::load_layer(shp(), &opts).unwrap();
        assert_eq!((layer.len(), rep.accepted), (3, 3));
        assert_eq!(layer.property_str(0, "category").as_deref(), Some("arson"));
        // EPSG:26971 (359192.3, 570510.9) is (-87.621061, 41.803392): UTM 16N
        let b = layer.bbox().unwrap();
        assert!(b[0] > 440_000.0 && b[2] < 460_000.0, "{b:?}");
        assert!(b[1] > 4_620_000.0 && b[3] < 4_650_000.0, "{b:?}");
    }

    fn windows() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gdal/windows_4326.fgb")
    }

    #[test]
    fn read_incidents_windows_from_datetime_fields() {
        use crate::io::RejectReason;
        // FROM_DATE/TO_DATE is a detected pair; OGR DateTime fields are read as local clock
        let (inc, rep) = crate::io::load_incidents(windows(), &LoadOptions::new()).unwrap();
        assert_eq!(rep.format, "gdal:FlatGeobuf");
        assert_eq!((rep.rows_read, rep.accepted), (4, 2), "{:?}", rep.rejected);
        assert_eq!(
            rep.columns.get("time_to").map(String::as_str),
            Some("TO_DATE")
        );
        let t0 = inc.time[0].unwrap();
        assert_eq!(
            crate::time::format(t0, TimePrecision::Second),
            "2024-03-08 18:00:00"
        );
        assert_eq!(inc.time_to(0).unwrap() - t0, 13 * 3600 + 1800);
        assert_eq!(
            inc.time_to(1),
            inc.time[1],
            "a missing end is an exact time"
        );
        assert_eq!(
            rep.rejected.get(&RejectReason::WindowEndsBeforeStart),
            Some(&1)
        );
        assert_eq!(rep.rejected.get(&RejectReason::WindowTooLong), Some(&1));
    }

    #[test]
    fn read_incidents_windows_from_named_fields() {
        // time_from/time_to name the fields (--time-from/--time-to)
        let mut o = LoadOptions::new();
        o.time = Some("left_at".into());
        o.time_to = Some("found_at".into());
        let (inc, rep) = crate::io::load_incidents(windows(), &o).unwrap();
        assert_eq!(rep.accepted, 4, "{:?}", rep.rejected);
        assert_eq!(inc.time_to(2).unwrap() - inc.time[2].unwrap(), 3600);
        assert_eq!(inc.time_to(3).unwrap() - inc.time[3].unwrap(), 3600);
        o.time_to = Some("nope".into());
        let e = crate::io::load_incidents(windows(), &o)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn gdal_open_error_names_file() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gdal/missing.gpkg");
        let e = crate::io::load_layer(&p, &LayerOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.gpkg"), "{e}");
    }
}
