//! One GeoPackage with every layer of a run and its QGIS styles (`--gpkg`, feature
//! `gdal`).
//!
//! Each GeoJSON layer of an output set becomes one table of the GeoPackage (the
//! table name is the layer's path in the set without `.geojson`, `/` → `_`:
//! `network/kde/lixels.geojson` → `network_kde_lixels`), with its CRS, attribute
//! columns and features as GDAL reads them from the GeoJSON. The `.qml` style written
//! beside a layer (see [`super::qml`]) goes into the `layer_styles` table with QGIS's
//! schema (`f_table_catalog`, `f_table_schema`, `f_table_name`, `f_geometry_column`,
//! `styleName`, `styleQML`, `styleSLD`, `useAsDefault`, `description`, `owner`, `ui`,
//! `update_time`) and `useAsDefault = 1`, so QGIS applies it when the layer is opened
//! from the GeoPackage. `update_time` is left empty (the GeoPackage then stays free
//! of the clock time of the run beyond GDAL's own `gpkg_contents.last_change`).
//!
//! Written by [`super::Outputs`] when [`super::OutputOptions::gpkg`] is set, into the
//! staged set, so the GeoPackage is part of the atomic set like any other output.

use std::path::{Path, PathBuf};

use gdal::vector::{
    Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::DriverManager;

use crate::error::{Error, Result};

/// One layer of the GeoPackage.
#[derive(Debug, Clone)]
pub struct GpkgLayer {
    /// Table name.
    pub table: String,
    /// The GeoJSON file to copy.
    pub geojson: PathBuf,
    /// The layer's QGIS style (`.qml` text), stored in `layer_styles`.
    pub qml: Option<String>,
}

/// The table name of a layer at `rel` (a path in the set ending in `.geojson`).
///
/// ```
/// assert_eq!(crimescape::gpkg_table_name("network/kde/lixels.geojson"), "network_kde_lixels");
/// ```
pub fn table_name(rel: &str) -> String {
    rel.strip_suffix(".geojson")
        .unwrap_or(rel)
        .replace(['/', '\\'], "_")
}

/// The columns of QGIS's `layer_styles` table, in QGIS's order.
pub const LAYER_STYLES_COLUMNS: [&str; 12] = [
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
];

/// Writes the GeoPackage `path` (a new file; `shown` is the path named in errors)
/// with one table per layer, and the layers' styles in `layer_styles`.
///
/// # Errors
/// [`Error::Output`] naming `shown` when GDAL cannot read a layer or write the file.
pub fn write_gpkg(path: &Path, shown: &Path, layers: &[GpkgLayer]) -> Result<()> {
    let fail = |what: &str, e: gdal::errors::GdalError| Error::Output {
        path: shown.to_path_buf(),
        message: format!("GeoPackage: {what}: {e}"),
    };
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| fail("driver", e))?;
    let mut ds = driver
        .create_vector_only(path)
        .map_err(|e| fail("cannot create", e))?;
    let mut styles: Vec<(String, String, String)> = Vec::new();
    {
        let mut tx = ds.start_transaction().map_err(|e| fail("transaction", e))?;
        for l in layers {
            let src_name = l.geojson.display().to_string();
            let src = gdal::Dataset::open(&l.geojson).map_err(|e| fail(&src_name, e))?;
            let mut sl = src.layer(0).map_err(|e| fail(&src_name, e))?;
            let srs = sl.spatial_ref();
            let ty = sl.defn().geometry_type();
            let fields: Vec<(String, OGRFieldType::Type)> = sl
                .defn()
                .fields()
                .map(|f| (f.name(), f.field_type()))
                .collect();
            let tl = tx
                .create_layer(LayerOptions {
                    name: &l.table,
                    srs: srs.as_ref(),
                    ty,
                    options: None,
                })
                .map_err(|e| fail(&l.table, e))?;
            for (n, t) in &fields {
                FieldDefn::new(n, *t)
                    .and_then(|d| d.add_to_layer(&tl))
                    .map_err(|e| fail(&format!("{}: column {n}", l.table), e))?;
            }
            let geom_col = tl
                .defn()
                .geom_fields()
                .next()
                .map(|g| g.name())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "geom".to_string());
            for f in sl.features() {
                let mut nf = Feature::new(tl.defn()).map_err(|e| fail(&l.table, e))?;
                if let Some(g) = f.geometry() {
                    nf.set_geometry(g.clone()).map_err(|e| fail(&l.table, e))?;
                }
                for (k, (_, v)) in f.fields().enumerate() {
                    if let Some(v) = v {
                        nf.set_field(k, &v).map_err(|e| fail(&l.table, e))?;
                    }
                }
                nf.create(&tl).map_err(|e| fail(&l.table, e))?;
            }
            if let Some(q) = &l.qml {
                styles.push((l.table.clone(), geom_col, q.clone()));
            }
        }
        if !styles.is_empty() {
            let st = tx
                .create_layer(LayerOptions {
                    name: "layer_styles",
                    srs: None,
                    ty: OGRwkbGeometryType::wkbNone,
                    options: None,
                })
                .map_err(|e| fail("layer_styles", e))?;
            for c in LAYER_STYLES_COLUMNS {
                let t = match c {
                    "useAsDefault" => OGRFieldType::OFTInteger,
                    "update_time" => OGRFieldType::OFTDateTime,
                    _ => OGRFieldType::OFTString,
                };
                FieldDefn::new(c, t)
                    .and_then(|d| d.add_to_layer(&st))
                    .map_err(|e| fail("layer_styles", e))?;
            }
            for (table, geom_col, q) in &styles {
                let mut f = Feature::new(st.defn()).map_err(|e| fail("layer_styles", e))?;
                let values = [
                    (0, ""),
                    (1, ""),
                    (2, table.as_str()),
                    (3, geom_col.as_str()),
                    (4, table.as_str()),
                    (5, q.as_str()),
                    (6, ""),
                    (
                        8,
                        "written by crimescape: the classes and colours of the PNG map",
                    ),
                    (9, ""),
                    (10, ""),
                ];
                for (k, v) in values {
                    f.set_field_string(k, v)
                        .map_err(|e| fail("layer_styles", e))?;
                }
                f.set_field_integer(7, 1)
                    .map_err(|e| fail("layer_styles", e))?;
                f.create(&st).map_err(|e| fail("layer_styles", e))?;
            }
        }
        tx.commit().map_err(|e| fail("commit", e))?;
    }
    ds.close().map_err(|e| fail("close", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_gpkg_layers_and_styles() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.geojson");
        std::fs::write(
            &a,
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32631"}},"features":[
{"type":"Feature","properties":{"gi_bin":3,"name":"x"},"geometry":{"type":"Point","coordinates":[430000,5400000]}},
{"type":"Feature","properties":{"gi_bin":-1,"name":"y"},"geometry":{"type":"Point","coordinates":[430100,5400100]}}]}"#,
        )
        .unwrap();
        let b = d.path().join("b.geojson");
        std::fs::write(
            &b,
            r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"risk":1.5},"geometry":{"type":"LineString","coordinates":[[2.0,48.0],[2.1,48.1]]}}]}"#,
        )
        .unwrap();
        let out = d.path().join("run.gpkg");
        let layers = vec![
            GpkgLayer {
                table: table_name("hotspots/gistar.geojson"),
                geojson: a,
                qml: Some("<qgis>a</qgis>".into()),
            },
            GpkgLayer {
                table: "b".into(),
                geojson: b,
                qml: None,
            },
        ];
        write_gpkg(&out, &out, &layers).unwrap();
        let ds = gdal::Dataset::open(&out).unwrap();
        assert_eq!(ds.layer_count(), 3);
        let mut l = ds.layer_by_name("hotspots_gistar").unwrap();
        assert_eq!(l.feature_count(), 2);
        let srs = l.spatial_ref().expect("a CRS");
        assert_eq!(srs.auth_code().unwrap(), 32631);
        let bins: Vec<i64> = l
            .features()
            .map(|f| f.field_as_integer64(0).unwrap().unwrap())
            .collect();
        assert_eq!(bins, [3, -1]);
        assert_eq!(ds.layer_by_name("b").unwrap().feature_count(), 1);
        let mut st = ds.layer_by_name("layer_styles").unwrap();
        let cols: Vec<String> = st.defn().fields().map(|f| f.name()).collect();
        assert_eq!(cols, LAYER_STYLES_COLUMNS);
        let rows: Vec<(String, String, String, i32)> = st
            .features()
            .map(|f| {
                (
                    f.field_as_string(2).unwrap().unwrap(),
                    f.field_as_string(3).unwrap().unwrap(),
                    f.field_as_string(5).unwrap().unwrap(),
                    f.field_as_integer(7).unwrap().unwrap(),
                )
            })
            .collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "hotspots_gistar");
        assert!(!rows[0].1.is_empty());
        assert_eq!(rows[0].2, "<qgis>a</qgis>");
        assert_eq!(rows[0].3, 1);
    }
}
