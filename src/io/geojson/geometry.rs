//! GeoJSON geometry objects to and from `geo` geometries (RFC 7946 coordinates).

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

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
