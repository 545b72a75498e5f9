//! The interactive map of a report: the folder's main feature layer in the working
//! CRS, drawn by `assets/report/map.js` as SVG paths (cells, segments, areas) and
//! circles (points).
//!
//! The main layer is the first feature layer of the folder whose name matches a map
//! figure (`gistar.geojson` ↔ `gistar.png`), else the first feature layer. Each
//! feature is coloured as the figure coloured it: by its index when the figure drew
//! one value per feature, by the grid cell under the feature's centre when it drew a
//! grid; the legend lists the figure's classes with the same colours. Features
//! without a figure are drawn in one colour.
//!
//! Coordinates are metres from the layer's north-west corner (y down), rounded to
//! 0.1 m; at most [`MAP_MAX_FEATURES`](super::MAP_MAX_FEATURES) features are embedded
//! (the page says so when a layer holds more).

use std::fmt::Write as _;

use geo::{BoundingRect, Geometry};
use serde_json::{json, Value};

use super::{base_of, dir_of, esc, legend_classes, script_json, stem_of, Collector};
use crate::export::describe::{Cell, FeatureSink, Property};
use crate::grid::Grid;
use crate::render::palette::{hex, scale_colour};
use crate::render::{ColourScale, ContextKind, ContextLayer, Palette};

/// A drawable shape in the working CRS.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// Points (a point or a multipoint).
    Points(Vec<[f64; 2]>),
    /// Rings or lines; `true`: closed (an area).
    Paths(Vec<(Vec<[f64; 2]>, bool)>),
}

/// One captured feature.
#[derive(Debug, Clone)]
pub(crate) struct MapFeature {
    pub shape: Shape,
    /// Centre of its bounding box.
    pub centre: [f64; 2],
    /// Properties as CSV would print them.
    pub props: Vec<(String, String)>,
}

/// A feature layer written into the set, captured for the map.
#[derive(Debug, Clone)]
pub(crate) struct LayerCapture {
    /// Path in the set.
    pub rel: String,
    /// Features in the layer.
    pub total: usize,
    /// The first [`MAP_MAX_FEATURES`](super::MAP_MAX_FEATURES) features.
    pub features: Vec<MapFeature>,
    /// CRS name.
    pub crs: String,
}

/// How a map figure coloured its values.
#[derive(Debug, Clone)]
pub(crate) struct FigureColours {
    /// The grid of a grid map (values per cell of the full grid).
    pub grid: Option<Grid>,
    /// One value per cell (grid) or per feature.
    pub values: Vec<f64>,
    pub scale: ColourScale,
    pub palette: Palette,
    /// Legend caption with units.
    pub caption: String,
}

fn shape_of(g: &Geometry<f64>, out: &mut Vec<(Vec<[f64; 2]>, bool)>, pts: &mut Vec<[f64; 2]>) {
    let line =
        |ls: &geo::LineString<f64>| -> Vec<[f64; 2]> { ls.0.iter().map(|c| [c.x, c.y]).collect() };
    match g {
        Geometry::Point(p) => pts.push([p.x(), p.y()]),
        Geometry::MultiPoint(m) => pts.extend(m.0.iter().map(|p| [p.x(), p.y()])),
        Geometry::Line(l) => out.push((vec![[l.start.x, l.start.y], [l.end.x, l.end.y]], false)),
        Geometry::LineString(ls) => out.push((line(ls), false)),
        Geometry::MultiLineString(m) => out.extend(m.0.iter().map(|ls| (line(ls), false))),
        Geometry::Polygon(p) => {
            out.push((line(p.exterior()), true));
            out.extend(p.interiors().iter().map(|r| (line(r), true)));
        }
        Geometry::MultiPolygon(m) => {
            for p in &m.0 {
                out.push((line(p.exterior()), true));
                out.extend(p.interiors().iter().map(|r| (line(r), true)));
            }
        }
        Geometry::Rect(r) => {
            let (a, b) = (r.min(), r.max());
            out.push((
                vec![[a.x, a.y], [b.x, a.y], [b.x, b.y], [a.x, b.y], [a.x, a.y]],
                true,
            ));
        }
        Geometry::Triangle(t) => {
            let v = t.to_array();
            out.push((v.iter().chain([&v[0]]).map(|c| [c.x, c.y]).collect(), true));
        }
        Geometry::GeometryCollection(c) => c.0.iter().for_each(|g| shape_of(g, out, pts)),
    }
}

impl MapFeature {
    /// The feature of a geometry and its properties.
    pub(crate) fn of(g: &Geometry<f64>, props: &[Property<'_>]) -> MapFeature {
        let mut paths = Vec::new();
        let mut pts = Vec::new();
        shape_of(g, &mut paths, &mut pts);
        let shape = if paths.is_empty() {
            Shape::Points(pts)
        } else {
            Shape::Paths(paths)
        };
        let centre = g
            .bounding_rect()
            .map(|r| [r.center().x, r.center().y])
            .unwrap_or([f64::NAN, f64::NAN]);
        let mut p: Vec<(String, String)> = Vec::with_capacity(props.len());
        let mut buf = String::new();
        for (k, v) in props {
            buf.clear();
            if let Cell::Float(x) = v {
                // hover text: 6 significant digits are plenty
                if x.is_finite() && x.fract() != 0.0 {
                    buf.push_str(&format!("{}", (x * 1e6).round() / 1e6));
                } else {
                    crate::export::csv::cell_text(v, &mut buf);
                }
            } else {
                crate::export::csv::cell_text(v, &mut buf);
            }
            match p.iter_mut().find(|(n, _)| n == k) {
                Some(e) => e.1 = buf.clone(),
                None => p.push((k.to_string(), buf.clone())),
            }
        }
        p.sort_by(|a, b| a.0.cmp(&b.0));
        MapFeature {
            shape,
            centre,
            props: p,
        }
    }

    fn bounds(&self, b: &mut [f64; 4]) {
        let add = |q: &[f64; 2]| {
            if q[0].is_finite() && q[1].is_finite() {
                b[0] = b[0].min(q[0]);
                b[1] = b[1].min(q[1]);
                b[2] = b[2].max(q[0]);
                b[3] = b[3].max(q[1]);
            }
        };
        match &self.shape {
            Shape::Points(p) => p.iter().for_each(add),
            Shape::Paths(p) => p.iter().flat_map(|(l, _)| l.iter()).for_each(add),
        }
    }
}

/// Collects the first `cap` features of a layer (and counts them all).
pub(crate) struct Capture {
    pub cap: usize,
    pub total: usize,
    pub features: Vec<MapFeature>,
}

impl FeatureSink for Capture {
    fn feature(
        &mut self,
        geometry: &Geometry<f64>,
        properties: &[Property<'_>],
    ) -> crate::error::Result<()> {
        self.total += 1;
        if self.features.len() < self.cap {
            self.features.push(MapFeature::of(geometry, properties));
        }
        Ok(())
    }
}

/// The map of a report, ready to embed.
pub(crate) struct MapData {
    /// Title of the figure the map follows.
    pub(crate) title: Option<String>,
    data: Value,
    expected: usize,
    total: usize,
    name: String,
}

/// Page coordinates: metres from the north-west corner, y down, 0.1 m.
struct Frame {
    x0: f64,
    y1: f64,
}

impl Frame {
    fn fmt(&self, q: &[f64; 2], o: &mut String) {
        let x = ((q[0] - self.x0) * 10.0).round() / 10.0;
        let y = ((self.y1 - q[1]) * 10.0).round() / 10.0;
        let _ = write!(o, "{x} {y}");
    }

    fn path(&self, paths: &[(Vec<[f64; 2]>, bool)]) -> String {
        let mut o = String::new();
        for (line, closed) in paths {
            for (k, q) in line.iter().enumerate() {
                o.push(if k == 0 { 'M' } else { 'L' });
                self.fmt(q, &mut o);
            }
            if *closed {
                o.push('Z');
            }
        }
        o
    }

    fn point(&self, q: &[f64; 2]) -> Value {
        let x = ((q[0] - self.x0) * 10.0).round() / 10.0;
        let y = ((self.y1 - q[1]) * 10.0).round() / 10.0;
        json!([x, y])
    }
}

/// Features as JSON: `{"d": path}` or `{"pt": [[x, y], …]}`, with a colour `c` and
/// properties `p` when given.
fn features_json(
    fr: &Frame,
    feats: &[MapFeature],
    colour: &dyn Fn(usize, &MapFeature) -> Option<String>,
    with_props: bool,
) -> Vec<Value> {
    feats
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut m = serde_json::Map::new();
            match &f.shape {
                Shape::Paths(p) => {
                    m.insert("d".into(), Value::String(fr.path(p)));
                    m.insert("a".into(), Value::Bool(p.iter().any(|(_, closed)| *closed)));
                }
                Shape::Points(p) => {
                    m.insert(
                        "pt".into(),
                        Value::Array(p.iter().map(|q| fr.point(q)).collect()),
                    );
                }
            }
            if let Some(c) = colour(i, f) {
                m.insert("c".into(), Value::String(c));
            }
            if with_props {
                m.insert(
                    "p".into(),
                    Value::Array(f.props.iter().map(|(k, v)| json!([k, v])).collect()),
                );
            }
            Value::Object(m)
        })
        .collect()
}

/// The map of folder `dir`: its main layer coloured as its figure, the context layers.
pub(crate) fn choose(dir: &str, col: &Collector, context: &[ContextLayer]) -> Option<MapData> {
    let layers: Vec<&LayerCapture> = col
        .layers
        .iter()
        .filter(|l| dir_of(&l.rel) == dir && l.total > 0)
        .collect();
    let maps: Vec<&super::FigureNote> = col
        .figures
        .iter()
        .filter(|n| dir_of(&n.svg) == dir && n.colours.is_some())
        .collect();
    // the map figure with a same-named layer (a Gi* map first: the folder's finding),
    // else the first layer
    let mut gi_first = maps
        .iter()
        .filter(|n| {
            n.colours
                .as_ref()
                .is_some_and(|c| matches!(c.scale, ColourScale::GiBins))
        })
        .chain(maps.iter());
    let (layer, fig) = gi_first
        .find_map(|n| {
            layers
                .iter()
                .find(|l| stem_of(&l.rel) == stem_of(&n.svg))
                .map(|l| (*l, Some(*n)))
        })
        .or_else(|| layers.first().map(|l| (*l, None)))?;
    let colours = fig.and_then(|n| n.colours.as_ref());
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    layer.features.iter().for_each(|f| f.bounds(&mut b));
    if !(b[0].is_finite() && b[3].is_finite()) {
        return None;
    }
    // a margin of 2 % (points on the edge stay visible)
    let pad = ((b[2] - b[0]).max(b[3] - b[1]) * 0.02).max(1.0);
    let b = [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
    let fr = Frame { x0: b[0], y1: b[3] };
    let colour = |i: usize, f: &MapFeature| -> Option<String> {
        let c = colours?;
        let v = match &c.grid {
            Some(g) => g
                .cell_of(f.centre[0], f.centre[1])
                .and_then(|k| c.values.get(k).copied()),
            None if c.values.len() == layer.total => c.values.get(i).copied(),
            None => None,
        }?;
        Some(hex(scale_colour(&c.scale, c.palette, v)))
    };
    let feats = features_json(&fr, &layer.features, &colour, true);
    let expected = feats.len();
    let mut out_layers = vec![json!({
        "name": base_of(&layer.rel),
        "kind": "result",
        "features": feats,
    })];
    // context layers (as the figures draw them), limited to what is on the map
    for cl in context {
        let mut feats = Vec::new();
        for g in &cl.geometries {
            if feats.len() >= super::MAP_MAX_FEATURES {
                break;
            }
            let Some(r) = g.bounding_rect() else { continue };
            if r.max().x < b[0] || r.min().x > b[2] || r.max().y < b[1] || r.min().y > b[3] {
                continue;
            }
            feats.push(MapFeature::of(g, &[]));
        }
        if feats.is_empty() {
            continue;
        }
        let kind = match cl.kind {
            ContextKind::Lines => "lines",
            ContextKind::Areas => "areas",
            ContextKind::Boundaries => "boundaries",
            ContextKind::Water => "water",
        };
        out_layers.insert(
            out_layers.len() - 1,
            json!({
                "name": cl.name,
                "kind": kind,
                "features": features_json(&fr, &feats, &|_, _| None, false),
            }),
        );
    }
    let legend = match (fig, colours) {
        (Some(n), Some(c)) => json!({
            "caption": if c.caption.is_empty() { n.title.clone() } else { c.caption.clone() },
            "classes": legend_classes(&c.scale, c.palette)
                .into_iter()
                .map(|(h, l)| json!([h, l]))
                .collect::<Vec<_>>(),
        }),
        _ => Value::Null,
    };
    let w = ((b[2] - b[0]) * 10.0).round() / 10.0;
    let h = ((b[3] - b[1]) * 10.0).round() / 10.0;
    let data = json!({
        "width": w,
        "height": h,
        "crs": layer.crs,
        "layer": base_of(&layer.rel),
        "total": layer.total,
        "legend": legend,
        "layers": out_layers,
    });
    Some(MapData {
        title: fig
            .map(|n| n.title.clone())
            .filter(|t| !t.trim().is_empty()),
        data,
        expected,
        total: layer.total,
        name: base_of(&layer.rel).to_string(),
    })
}

impl MapData {
    /// The map section: a container the script fills, the data as JSON.
    pub(crate) fn html(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "<section id=\"map\"><h2>Interactive map</h2>");
        let _ = writeln!(
            o,
            "<p class=\"note\">{} ({} feature{}{}). Drag to pan, use the wheel or the buttons to zoom, hover or tap a feature for its values.</p>",
            esc(&self.name),
            self.total,
            if self.total == 1 { "" } else { "s" },
            if self.expected < self.total {
                format!("; the first {} are drawn here, open the GeoJSON for all", self.expected)
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            o,
            "<div id=\"cs-map\" class=\"cs-map\" data-expected=\"{}\" data-total=\"{}\"><noscript>The interactive map needs JavaScript; the figures below show the same result.</noscript></div>",
            self.expected, self.total
        );
        let _ = writeln!(
            o,
            "<script type=\"application/json\" id=\"cs-map-data\">{}</script>",
            script_json(&self.data)
        );
        o.push_str("</section>\n");
        o
    }
}
