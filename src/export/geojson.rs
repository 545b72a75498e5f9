//! GeoJSON: [`Features`] streamed into one `FeatureCollection`.
//!
//! Geometries in a georeferenced CRS are written in EPSG:4326 (RFC 7946) with
//! coordinates rounded to 1e-7 degrees (about 1 cm); geometries in a local frame stay
//! as they are, with a `crs` member naming the frame. Members are written in name
//! order (`geometry`, `properties`, `type`; properties sorted by name), numbers in
//! their shortest round-trip form, non-finite numbers as `null` — the bytes
//! `serde_json` would give for the same document, one feature at a time.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, LineString, Polygon};

use rayon::prelude::*;

use super::describe::{chunks, Cell, FeatureSink, Features, Property};
use crate::crs::{Crs, Reprojector, WGS84};
use crate::error::{Error, Result};

/// Writes a `FeatureCollection` into `W`, one feature at a time.
pub struct GeoJsonWriter<W: Write> {
    w: W,
    path: PathBuf,
    to_wgs84: Option<Reprojector>,
    n: usize,
    order: Vec<usize>,
    num: ryu::Buffer,
    /// Recently reprojected coordinates (neighbouring cells share corners).
    memo: HashMap<(u64, u64), (f64, f64)>,
}

/// Items per chunk of a layer written in parallel.
const CHUNK: usize = 8192;

/// Entries of the reprojection memo before it is cleared.
const MEMO_MAX: usize = 1 << 16;

impl<W: Write> GeoJsonWriter<W> {
    /// Starts a collection of geometries in `crs`; `path` names the output in errors.
    pub fn new(mut w: W, crs: &Crs, path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let to_wgs84 = if crs.is_georeferenced() {
            Some(Reprojector::new(crs, &WGS84)?)
        } else {
            None
        };
        let head = if to_wgs84.is_some() {
            "{\"features\":[".to_string()
        } else {
            let name = serde_json::to_string(&crs.name()).unwrap_or_else(|_| "\"\"".into());
            format!(
                "{{\"crs\":{{\"properties\":{{\"name\":{name}}},\"type\":\"name\"}},\"features\":["
            )
        };
        w.write_all(head.as_bytes())
            .map_err(|e| Error::io(&path, e))?;
        Ok(GeoJsonWriter {
            w,
            path,
            to_wgs84,
            n: 0,
            order: Vec::new(),
            num: ryu::Buffer::new(),
            memo: HashMap::new(),
        })
    }

    /// Writes every feature of `f` (a large indexed layer in parallel chunks; the bytes
    /// are the same).
    pub fn write(&mut self, f: &dyn Features) -> Result<()> {
        match f.items() {
            Some(n) if n >= 2 * CHUNK && rayon::current_num_threads() > 1 => {
                let ranges = chunks(n, CHUNK);
                let batch = 2 * rayon::current_num_threads();
                let crs = f.crs().clone();
                for group in ranges.chunks(batch) {
                    let parts: Vec<Result<(Vec<u8>, usize)>> = group
                        .par_iter()
                        .map(|r| {
                            let mut w = GeoJsonWriter::fragment(Vec::new(), &crs, &self.path)?;
                            f.features_of(r.clone(), &mut w)?;
                            Ok((w.w, w.n))
                        })
                        .collect();
                    for p in parts {
                        let (bytes, k) = p?;
                        if k > 0 {
                            if self.n > 0 {
                                self.raw(b",")?;
                            }
                            self.raw(&bytes)?;
                            self.n += k;
                        }
                    }
                }
                Ok(())
            }
            _ => f.features(self),
        }
    }

    /// An encoder of features only (no collection header), for parallel chunks.
    fn fragment(w: W, crs: &Crs, path: &Path) -> Result<Self> {
        let to_wgs84 = if crs.is_georeferenced() {
            Some(Reprojector::new(crs, &WGS84)?)
        } else {
            None
        };
        Ok(GeoJsonWriter {
            w,
            path: path.to_path_buf(),
            to_wgs84,
            n: 0,
            order: Vec::new(),
            num: ryu::Buffer::new(),
            memo: HashMap::new(),
        })
    }

    /// Number of features written.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether no feature was written.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Closes the collection (with a final newline) and returns the writer.
    pub fn finish(mut self) -> Result<W> {
        self.w
            .write_all(b"],\"type\":\"FeatureCollection\"}\n")
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(self.w)
    }

    fn number(&mut self, v: f64) -> std::io::Result<()> {
        if v.is_finite() {
            let s = self.num.format_finite(v);
            self.w.write_all(s.as_bytes())
        } else {
            self.w.write_all(b"null")
        }
    }

    fn coord(&mut self, c: Coord<f64>) -> Result<()> {
        let (x, y) = match &self.to_wgs84 {
            Some(r) => {
                let key = (c.x.to_bits(), c.y.to_bits());
                match self.memo.get(&key) {
                    Some(v) => *v,
                    None => {
                        let (x, y) = r.apply(c.x, c.y)?;
                        let v = ((x * 1e7).round() / 1e7, (y * 1e7).round() / 1e7);
                        if self.memo.len() >= MEMO_MAX {
                            self.memo.clear();
                        }
                        self.memo.insert(key, v);
                        v
                    }
                }
            }
            None => (c.x, c.y),
        };
        let io = |s: &mut Self| -> std::io::Result<()> {
            s.w.write_all(b"[")?;
            s.number(x)?;
            s.w.write_all(b",")?;
            s.number(y)?;
            s.w.write_all(b"]")
        };
        io(self).map_err(|e| Error::io(&self.path, e))
    }

    fn raw(&mut self, b: &[u8]) -> Result<()> {
        self.w.write_all(b).map_err(|e| Error::io(&self.path, e))
    }

    fn coords(&mut self, cs: impl Iterator<Item = Coord<f64>>) -> Result<()> {
        self.raw(b"[")?;
        for (k, c) in cs.enumerate() {
            if k > 0 {
                self.raw(b",")?;
            }
            self.coord(c)?;
        }
        self.raw(b"]")
    }

    fn line(&mut self, l: &LineString<f64>) -> Result<()> {
        self.coords(l.0.iter().copied())
    }

    fn polygon(&mut self, p: &Polygon<f64>) -> Result<()> {
        self.raw(b"[")?;
        self.line(p.exterior())?;
        for h in p.interiors() {
            self.raw(b",")?;
            self.line(h)?;
        }
        self.raw(b"]")
    }

    fn list<T>(&mut self, items: &[T], f: impl Fn(&mut Self, &T) -> Result<()>) -> Result<()> {
        self.raw(b"[")?;
        for (k, x) in items.iter().enumerate() {
            if k > 0 {
                self.raw(b",")?;
            }
            f(self, x)?;
        }
        self.raw(b"]")
    }

    fn geometry(&mut self, g: &Geometry<f64>) -> Result<()> {
        let t = match g {
            Geometry::GeometryCollection(gc) => {
                self.raw(b"{\"geometries\":")?;
                self.list(&gc.0, |s, g| s.geometry(g))?;
                return self.raw(b",\"type\":\"GeometryCollection\"}");
            }
            Geometry::Point(_) => "Point",
            Geometry::MultiPoint(_) => "MultiPoint",
            Geometry::Line(_) | Geometry::LineString(_) => "LineString",
            Geometry::MultiLineString(_) => "MultiLineString",
            Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
            Geometry::MultiPolygon(_) => "MultiPolygon",
        };
        self.raw(b"{\"coordinates\":")?;
        match g {
            Geometry::Point(p) => self.coord(p.0)?,
            Geometry::MultiPoint(m) => self.list(&m.0, |s, p| s.coord(p.0))?,
            Geometry::Line(l) => self.coords([l.start, l.end].into_iter())?,
            Geometry::LineString(l) => self.line(l)?,
            Geometry::MultiLineString(m) => self.list(&m.0, |s, l| s.line(l))?,
            Geometry::Polygon(p) => self.polygon(p)?,
            Geometry::Rect(r) => self.polygon(&r.to_polygon())?,
            Geometry::Triangle(t) => self.polygon(&t.to_polygon())?,
            Geometry::MultiPolygon(m) => self.list(&m.0, |s, p| s.polygon(p))?,
            Geometry::GeometryCollection(_) => {}
        }
        self.raw(format!(",\"type\":\"{t}\"}}").as_bytes())
    }

    fn value(&mut self, c: &Cell<'_>) -> std::io::Result<()> {
        match c {
            Cell::Null => self.w.write_all(b"null"),
            Cell::Bool(b) => self.w.write_all(if *b { b"true" } else { b"false" }),
            Cell::Int(i) => write!(self.w, "{i}"),
            Cell::Float(v) | Cell::Fixed(v, _) | Cell::Sci(v, _) => self.number(*v),
            Cell::Str(s) => serde_json::to_writer(&mut self.w, s).map_err(std::io::Error::from),
            Cell::String(s) => serde_json::to_writer(&mut self.w, s).map_err(std::io::Error::from),
            Cell::Json(v) => {
                serde_json::to_writer(&mut self.w, v.as_ref()).map_err(std::io::Error::from)
            }
        }
    }

    fn properties(&mut self, props: &[Property<'_>]) -> Result<()> {
        // name order; for a repeated name the last value wins
        self.order.clear();
        self.order.extend(0..props.len());
        self.order
            .sort_by(|&a, &b| props[a].0.cmp(props[b].0).then(b.cmp(&a)));
        self.order.dedup_by(|a, b| props[*a].0 == props[*b].0);
        let order = std::mem::take(&mut self.order);
        let res = (|| -> std::io::Result<()> {
            self.w.write_all(b"{")?;
            for (k, &i) in order.iter().enumerate() {
                if k > 0 {
                    self.w.write_all(b",")?;
                }
                serde_json::to_writer(&mut self.w, props[i].0).map_err(std::io::Error::from)?;
                self.w.write_all(b":")?;
                self.value(&props[i].1)?;
            }
            self.w.write_all(b"}")
        })();
        self.order = order;
        res.map_err(|e| Error::io(&self.path, e))
    }
}

impl<W: Write> FeatureSink for GeoJsonWriter<W> {
    fn feature(&mut self, geometry: &Geometry<f64>, properties: &[Property<'_>]) -> Result<()> {
        self.raw(if self.n == 0 {
            b"{\"geometry\":"
        } else {
            b",{\"geometry\":"
        })?;
        self.geometry(geometry)?;
        self.raw(b",\"properties\":")?;
        self.properties(properties)?;
        self.raw(b",\"type\":\"Feature\"}")?;
        self.n += 1;
        Ok(())
    }
}

/// Features as GeoJSON bytes in memory (small layers, tests).
pub fn to_geojson(f: &dyn Features) -> Result<Vec<u8>> {
    let mut w = GeoJsonWriter::new(Vec::new(), f.crs(), Path::new("<memory>"))?;
    w.write(f)?;
    w.finish()
}

/// A `FeatureCollection` built in memory from geometries with JSON properties, for
/// code that assembles its layers as bytes; the same bytes as [`GeoJsonWriter`].
/// Large layers should stream through [`super::Outputs::features`] instead.
pub struct FeatureCollectionWriter {
    w: GeoJsonWriter<Vec<u8>>,
}

impl FeatureCollectionWriter {
    /// An empty collection for geometries in `crs`.
    pub fn new(crs: &Crs) -> Result<Self> {
        Ok(FeatureCollectionWriter {
            w: GeoJsonWriter::new(Vec::new(), crs, Path::new("<memory>"))?,
        })
    }

    /// Adds a feature.
    pub fn push(
        &mut self,
        geometry: &Geometry<f64>,
        properties: serde_json::Map<String, serde_json::Value>,
    ) -> Result<()> {
        self.w
            .feature(geometry, &super::describe::json_properties(&properties))
    }

    /// The finished document.
    pub fn finish(self) -> Result<Vec<u8>> {
        self.w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{features, FeatureSink};
    use serde_json::json;
    use std::borrow::Cow;

    #[test]
    fn to_geojson_matches_serde_json_layout() {
        let crs = Crs::Epsg { code: 32631 };
        let v = json!({"nested": [1, 2]});
        let f = features(&crs, |s| {
            s.feature(
                &Geometry::Point(geo::Point::new(500_000.0, 5_400_000.0)),
                &[
                    ("z", Cell::Int(1)),
                    ("a", Cell::opt(f64::NAN)),
                    ("m", Cell::Json(Cow::Borrowed(&v))),
                    ("z", Cell::Float(2.5)),
                    ("s", Cell::Str("x\"y")),
                ],
            )
        });
        let text = String::from_utf8(to_geojson(&f).unwrap()).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        // the same bytes as serde_json's compact form of the parsed document
        assert_eq!(
            text,
            format!("{}\n", serde_json::to_string(&parsed).unwrap())
        );
        let p = &parsed["features"][0]["properties"];
        assert_eq!(p["z"], json!(2.5));
        assert_eq!(p["a"], json!(null));
        let c = &parsed["features"][0]["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap() - 3.0).abs() < 1e-6, "{c}");
    }

    #[test]
    fn to_geojson_indexed_in_parallel_gives_the_same_bytes() {
        use crate::export::features_indexed;
        let crs = Crs::Epsg { code: 32631 };
        let n = 40_000;
        let item = |i: usize, s: &mut dyn FeatureSink| {
            if i % 5 == 0 {
                return Ok(()); // some items have no feature
            }
            let (x, y) = (
                430_000.0 + (i % 200) as f64 * 20.0,
                5_400_000.0 + (i / 200) as f64 * 20.0,
            );
            s.feature(
                &Geometry::Polygon(geo::Rect::new((x, y), (x + 20.0, y + 20.0)).to_polygon()),
                &[("i", Cell::count(i))],
            )
        };
        let seq = features(&crs, |s| (0..n).try_for_each(|i| item(i, s)));
        let par = features_indexed(&crs, n, item);
        let a = to_geojson(&seq).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let b = pool.install(|| to_geojson(&par)).unwrap();
        assert_eq!(a, b);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["features"].as_array().unwrap().len(), n - n / 5);
    }

    #[test]
    fn to_geojson_roundtrips_to_wgs84() {
        let utm = Crs::Epsg { code: 32616 };
        let r = Reprojector::new(&WGS84, &utm).unwrap();
        let (x, y) = r.apply(-87.6, 41.8).unwrap();
        let f = features(&utm, |s| {
            s.feature(&Geometry::Point(geo::Point::new(x, y)), &[])
        });
        let v: serde_json::Value = serde_json::from_slice(&to_geojson(&f).unwrap()).unwrap();
        let c = &v["features"][0]["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap() + 87.6).abs() < 1e-7);
        assert!((c[1].as_f64().unwrap() - 41.8).abs() < 1e-7);
    }

    #[test]
    fn to_geojson_local_frame_names_its_crs() {
        let crs = Crs::Local { unit_to_metre: 1.0 };
        let f = features(&crs, |s| {
            s.feature(
                &Geometry::Polygon(geo::Rect::new((0.0, 0.0), (1.0, 2.0)).to_polygon()),
                &[],
            )
        });
        let text = String::from_utf8(to_geojson(&f).unwrap()).unwrap();
        assert!(
            text.starts_with("{\"crs\":{\"properties\":{\"name\":"),
            "{text}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            text,
            format!("{}\n", serde_json::to_string(&parsed).unwrap())
        );
        assert_eq!(parsed["features"][0]["geometry"]["type"], "Polygon");
    }
}
