//! Maps: per-cell values ([`grid_map_scene`]) and per-feature values
//! ([`feature_map_scene`]) with the furniture that makes a map readable on its own —
//! title and subtitle (wrapped, never cut), a classed legend with units, a scale bar,
//! a north arrow, context layers, a footnote with the technical parameters, the
//! source line and the crimescape version.

use geo::{CoordsIter, Geometry};

use super::clip::cut_item;
use super::furniture::{fmt_num, text_block, Style};
use super::palette::{scale_colour, viridis, ColourScale, Rgba, BLACK, DARK, GREY, WHITE};
use super::scene::{Anchor, Item, Raster, Scene, Stroke, Text};
use crate::error::{Error, Result};
use crate::grid::Grid;

/// A geometry overlay drawn on a map.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// Geometries in the grid's CRS.
    pub geometries: Vec<Geometry<f64>>,
    /// Colour.
    pub colour: Rgba,
    /// Line width / point radius in pixels.
    pub width: f64,
}

/// Options of a map.
///
/// `title[0]` is the title, `title[1]` the subtitle (what, how many, the method in
/// words); further lines are technical parameters and go to the footnote below the map.
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// Title, subtitle, then footnote lines.
    pub title: Vec<String>,
    /// Legend caption with units, e.g. "incidents per km²".
    pub legend: String,
    /// Colour scale.
    pub scale: ColourScale,
    /// Overlays drawn on top, in order.
    pub overlays: Vec<Overlay>,
    /// Target size of the map area in pixels (longest side).
    pub size: usize,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            title: Vec::new(),
            legend: String::new(),
            scale: ColourScale::Continuous {
                min: 0.0,
                max: 1.0,
                sqrt: false,
            },
            overlays: Vec::new(),
            size: 800,
        }
    }
}

const PAD: f64 = 20.0;
const LEGEND_W: f64 = 230.0;
const GAP: f64 = 24.0;

/// Placement of a map's data area on the page.
pub(crate) struct MapFrame {
    ext: [f64; 4],
    px_per_m: f64,
    left: f64,
    top: f64,
    mw: f64,
    mh: f64,
}

impl MapFrame {
    /// World (working CRS, metres) to page coordinates.
    pub(crate) fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.left + (x - self.ext[0]) * self.px_per_m,
            self.top + (self.ext[3] - y) * self.px_per_m,
        )
    }
}

/// The page: title and subtitle laid out, room for the map, its legend and the notes.
fn frame(ext: [f64; 4], opts: &MapOptions, style: &Style) -> (Scene, MapFrame) {
    let (gw, gh) = ((ext[2] - ext[0]).max(1e-9), (ext[3] - ext[1]).max(1e-9));
    let px_per_m = opts.size.max(50) as f64 / gw.max(gh);
    let (mw, mh) = ((gw * px_per_m).ceil(), (gh * px_per_m).ceil());
    let width = (PAD + mw + GAP + LEGEND_W + PAD).max(640.0);
    let inner = width - 2.0 * PAD;
    let mut s = Scene::new(width, 0.0);
    let (title, subtitle, _) = style.headings(&opts.title);
    let mut y = PAD;
    let items = s.layer("title");
    y = text_block(items, PAD, y, &title, 20.0, true, BLACK, inner);
    y = text_block(items, PAD, y + 2.0, &subtitle, 14.0, false, DARK, inner);
    let top = y + 10.0;
    (
        s,
        MapFrame {
            ext,
            px_per_m,
            left: PAD,
            top,
            mw,
            mh,
        },
    )
}

/// Legend at (x, y) within `LEGEND_W`; returns the bottom.
fn legend(items: &mut Vec<Item>, x: f64, y: f64, opts: &MapOptions, style: &Style) -> f64 {
    let mut y = text_block(items, x, y, &opts.legend, 13.0, true, BLACK, LEGEND_W);
    y += 6.0;
    let swatch = |items: &mut Vec<Item>, y: f64, col: Rgba, label: &str| -> f64 {
        items.push(Item::Rect {
            x,
            y,
            w: 18.0,
            h: 14.0,
            fill: Some(col),
            stroke: Some(Stroke::solid(GREY, 0.8)),
        });
        let bottom = text_block(
            items,
            x + 26.0,
            y,
            label,
            12.0,
            false,
            BLACK,
            LEGEND_W - 26.0,
        );
        bottom.max(y + 14.0) + 5.0
    };
    match &opts.scale {
        ColourScale::Continuous { min, max, sqrt } => {
            let (bh, bw, n) = (200.0, 20.0, 100usize);
            for k in 0..n {
                let t = 1.0 - (k as f64 + 0.5) / n as f64;
                items.push(Item::Rect {
                    x,
                    y: y + bh * k as f64 / n as f64,
                    w: bw,
                    h: bh / n as f64 + 0.5,
                    fill: Some(viridis(t)),
                    stroke: None,
                });
            }
            items.push(Item::Rect {
                x,
                y,
                w: bw,
                h: bh,
                fill: None,
                stroke: Some(Stroke::solid(BLACK, 0.8)),
            });
            for k in 0..=4 {
                let t = 1.0 - k as f64 / 4.0;
                let v = if *sqrt {
                    min + (max - min) * t * t
                } else {
                    min + (max - min) * t
                };
                let ty = y + k as f64 / 4.0 * bh;
                items.push(Item::Path {
                    parts: vec![vec![(x + bw, ty), (x + bw + 4.0, ty)]],
                    closed: false,
                    fill: None,
                    stroke: Some(Stroke::solid(BLACK, 0.8)),
                });
                items.push(Item::Text(Text {
                    x: x + bw + 8.0,
                    y: ty + 4.0,
                    text: fmt_num(v),
                    size: 12.0,
                    bold: false,
                    anchor: Anchor::Start,
                    colour: BLACK,
                    angle: 0.0,
                }));
            }
            y += bh + 10.0;
            if *sqrt {
                y = text_block(
                    items,
                    x,
                    y,
                    "(square-root colour scale)",
                    11.0,
                    false,
                    DARK,
                    LEGEND_W,
                );
            }
            y
        }
        ColourScale::GiBins => {
            for (_, col, label) in style.palette.gi_bins().iter().rev() {
                y = swatch(items, y, *col, label);
            }
            y
        }
        ColourScale::Categories(cats) => {
            // an empty label is the background of the map, not a class
            for (col, label) in cats.iter().filter(|(_, l)| !l.is_empty()) {
                y = swatch(items, y, *col, label);
            }
            y
        }
    }
}

/// A nice scale-bar length near a quarter of the map width, in metres.
fn scale_bar_length(width_m: f64) -> f64 {
    let target = (width_m / 4.0).max(1e-9);
    let mag = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * mag)
        .rfind(|v| *v <= target)
        .unwrap_or(mag)
}

/// Context layers, overlays, frame, legend, scale bar, north arrow and notes; sets
/// the page height.
fn finish(s: &mut Scene, f: &MapFrame, opts: &MapOptions, style: &Style) {
    let rect = [f.left, f.top, f.mw, f.mh];
    style.draw_context(s, &|x, y| f.to_px(x, y), rect);
    {
        let items = s.layer("overlays");
        for ov in &opts.overlays {
            merged_stroke_items(
                items,
                &ov.geometries,
                &|x, y| f.to_px(x, y),
                Stroke::solid(ov.colour, ov.width),
                ov.width,
            );
        }
    }
    // context layers and overlays may reach beyond the mapped extent: kept inside it
    // (street names are placed inside it, see `Style::draw_context`). The shapes are
    // cut to the frame (plus a margin) first, so that a map zoomed into a city does
    // not carry, nor rasterise, the whole city's streets; the clip path then trims
    // the margin.
    let m = 8.0;
    let cut = [f.left - m, f.top - m, f.left + f.mw + m, f.top + f.mh + m];
    for id in ["context", "overlays"] {
        if let Some(l) = s.layers.iter_mut().find(|l| l.id == id) {
            let items = std::mem::take(&mut l.items);
            l.items = items
                .into_iter()
                .filter_map(|it| cut_item(it, cut))
                .collect();
            s.clip_layer(id, rect);
        }
    }
    let furn = s.layer("furniture");
    furn.push(Item::Rect {
        x: f.left,
        y: f.top,
        w: f.mw,
        h: f.mh,
        fill: None,
        stroke: Some(Stroke::solid(BLACK, 1.0)),
    });
    // scale bar: two alternating segments
    let len = scale_bar_length(f.ext[2] - f.ext[0]);
    let bar = len * f.px_per_m;
    let by = f.top + f.mh + 14.0;
    for k in 0..2 {
        furn.push(Item::Rect {
            x: f.left + bar / 2.0 * k as f64,
            y: by,
            w: bar / 2.0,
            h: 6.0,
            fill: Some(if k == 0 { BLACK } else { WHITE }),
            stroke: Some(Stroke::solid(BLACK, 1.0)),
        });
    }
    let label = if len >= 1000.0 {
        format!("{} km", fmt_num(len / 1000.0))
    } else {
        format!("{} m", fmt_num(len))
    };
    for (x, t, a) in [
        (f.left, "0".to_string(), Anchor::Middle),
        (f.left + bar, label, Anchor::Middle),
    ] {
        furn.push(Item::Text(Text {
            x,
            y: by + 20.0,
            text: t,
            size: 11.0,
            bold: false,
            anchor: a,
            colour: BLACK,
            angle: 0.0,
        }));
    }
    // north arrow (the working CRS is projected with grid north up)
    let (ax, ay) = (f.left + f.mw - 14.0, f.top + f.mh + 8.0);
    furn.push(Item::Path {
        parts: vec![vec![
            (ax, ay),
            (ax + 7.0, ay + 22.0),
            (ax, ay + 17.0),
            (ax - 7.0, ay + 22.0),
        ]],
        closed: true,
        fill: Some(BLACK),
        stroke: None,
    });
    furn.push(Item::Text(Text {
        x: ax - 12.0,
        y: ay + 18.0,
        text: "N".into(),
        size: 12.0,
        bold: true,
        anchor: Anchor::End,
        colour: BLACK,
        angle: 0.0,
    }));
    let lx = f.left + f.mw + GAP;
    let legend_bottom = legend(s.layer("legend"), lx, f.top, opts, style);
    let inner = s.width - 2.0 * PAD;
    let notes = style.notes(&opts.title);
    let mut y = by + 32.0;
    let items = s.layer("notes");
    for n in &notes {
        y = text_block(items, PAD, y, n, 11.0, false, DARK, inner);
    }
    s.height = (y.max(legend_bottom) + PAD).ceil();
}

/// The map of per-cell `values` (row-major, NaN = no data, drawn light grey) of `grid`.
///
/// # Errors
/// [`Error::LengthMismatch`] when `values` does not have one value per cell.
pub fn grid_map_scene(
    grid: &Grid,
    values: &[f64],
    opts: &MapOptions,
    style: &Style,
) -> Result<Scene> {
    if values.len() != grid.len() {
        return Err(Error::length_mismatch(
            "map values",
            values.len(),
            "grid cells",
            grid.len(),
        ));
    }
    let (mut s, f) = frame(grid.extent(), opts, style);
    let mut rgba = vec![[0u8; 4]; grid.len()];
    for (id, &v) in values.iter().enumerate() {
        let (col, row) = grid.col_row(id);
        rgba[(grid.nrows - 1 - row) * grid.ncols + col] =
            scale_colour(&opts.scale, style.palette, v);
    }
    s.raster = Some(Raster {
        x: f.left,
        y: f.top,
        w: f.mw,
        h: f.mh,
        cols: grid.ncols,
        rows: grid.nrows,
        rgba,
    });
    finish(&mut s, &f, opts, style);
    Ok(s)
}

/// The map of one value per feature (a choropleth): polygons filled (even–odd rule,
/// so holes stay empty) and outlined in grey, lines drawn 3 px wide and points as
/// 4 px discs, each in the colour of its value (NaN = no data, light grey). The
/// extent is the features' bounding box plus 2 %. Layer `features` holds one item
/// per feature, in input order.
///
/// # Errors
/// [`Error::LengthMismatch`] when the lengths differ, [`Error::Degenerate`] when no
/// feature has a finite coordinate.
pub fn feature_map_scene(
    geometries: &[Geometry<f64>],
    values: &[f64],
    opts: &MapOptions,
    style: &Style,
) -> Result<Scene> {
    if values.len() != geometries.len() {
        return Err(Error::length_mismatch(
            "map values",
            values.len(),
            "features",
            geometries.len(),
        ));
    }
    let mut ext = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for c in geometries.iter().flat_map(|g| g.coords_iter()) {
        if c.x.is_finite() && c.y.is_finite() {
            ext = [
                ext[0].min(c.x),
                ext[1].min(c.y),
                ext[2].max(c.x),
                ext[3].max(c.y),
            ];
        }
    }
    if !ext[0].is_finite() {
        return Err(Error::degenerate(
            "feature map",
            "no feature has a finite coordinate",
        ));
    }
    let pad = 0.02 * (ext[2] - ext[0]).max(ext[3] - ext[1]).max(1.0);
    let ext = [ext[0] - pad, ext[1] - pad, ext[2] + pad, ext[3] + pad];
    let (mut s, f) = frame(ext, opts, style);
    let to_px = |x: f64, y: f64| f.to_px(x, y);
    let items = s.layer("features");
    for (g, &v) in geometries.iter().zip(values) {
        let col = scale_colour(&opts.scale, style.palette, v);
        if polygon_parts(g, &to_px).is_empty() {
            let w = if is_puntal(g) { 4.0 } else { 3.0 };
            geometry_items(items, g, &to_px, Some(col), Some(Stroke::solid(col, w)), w);
        } else {
            geometry_items(
                items,
                g,
                &to_px,
                Some(col),
                Some(Stroke::solid(GREY, 0.6)),
                1.0,
            );
        }
    }
    finish(&mut s, &f, opts, style);
    Ok(s)
}

fn is_puntal(g: &Geometry<f64>) -> bool {
    matches!(g, Geometry::Point(_) | Geometry::MultiPoint(_))
}

/// Rings of every polygon of `g` in page coordinates (empty for non-areal geometries).
pub(crate) fn polygon_parts(
    g: &Geometry<f64>,
    to_px: &dyn Fn(f64, f64) -> (f64, f64),
) -> Vec<Vec<(f64, f64)>> {
    let poly = |p: &geo::Polygon<f64>| -> Vec<Vec<(f64, f64)>> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(|r| r.0.iter().map(|c| to_px(c.x, c.y)).collect())
            .collect()
    };
    match g {
        Geometry::Polygon(p) => poly(p),
        Geometry::MultiPolygon(m) => m.0.iter().flat_map(poly).collect(),
        Geometry::Rect(r) => poly(&r.to_polygon()),
        Geometry::Triangle(t) => poly(&t.to_polygon()),
        Geometry::GeometryCollection(gc) => {
            gc.0.iter().flat_map(|g| polygon_parts(g, to_px)).collect()
        }
        _ => Vec::new(),
    }
}

/// Line parts of `g` in page coordinates.
pub(crate) fn line_parts(
    g: &Geometry<f64>,
    to_px: &dyn Fn(f64, f64) -> (f64, f64),
) -> Vec<Vec<(f64, f64)>> {
    let ls = |l: &geo::LineString<f64>| l.0.iter().map(|c| to_px(c.x, c.y)).collect::<Vec<_>>();
    match g {
        Geometry::Line(l) => vec![vec![to_px(l.start.x, l.start.y), to_px(l.end.x, l.end.y)]],
        Geometry::LineString(l) => vec![ls(l)],
        Geometry::MultiLineString(m) => m.0.iter().map(ls).collect(),
        Geometry::GeometryCollection(gc) => {
            gc.0.iter().flat_map(|g| line_parts(g, to_px)).collect()
        }
        _ => Vec::new(),
    }
}

fn points(g: &Geometry<f64>) -> Vec<(f64, f64)> {
    match g {
        Geometry::Point(p) => vec![(p.x(), p.y())],
        Geometry::MultiPoint(m) => m.0.iter().map(|p| (p.x(), p.y())).collect(),
        Geometry::GeometryCollection(gc) => gc.0.iter().flat_map(points).collect(),
        _ => Vec::new(),
    }
}

/// Items drawing every geometry of `geoms` with one unfilled `stroke`: all their
/// rings in one closed path, all their lines in one open path (a layer of thousands
/// of streets is two `<path>` elements, not thousands), points as discs of radius
/// `radius`. For strokes only: filled polygons are drawn one by one
/// ([`geometry_items`]), since one even–odd path would empty their overlaps.
pub(crate) fn merged_stroke_items(
    items: &mut Vec<Item>,
    geoms: &[Geometry<f64>],
    to_px: &dyn Fn(f64, f64) -> (f64, f64),
    stroke: Stroke,
    radius: f64,
) {
    let mut rings = Vec::new();
    let mut lines = Vec::new();
    for g in geoms {
        rings.extend(polygon_parts(g, to_px));
        lines.extend(line_parts(g, to_px));
    }
    if !rings.is_empty() {
        items.push(Item::Path {
            parts: rings,
            closed: true,
            fill: None,
            stroke: Some(stroke),
        });
    }
    if !lines.is_empty() {
        items.push(Item::Path {
            parts: lines,
            closed: false,
            fill: None,
            stroke: Some(stroke),
        });
    }
    for g in geoms {
        for (x, y) in points(g) {
            let (px, py) = to_px(x, y);
            items.push(Item::Circle {
                cx: px,
                cy: py,
                r: radius.max(1.0),
                fill: stroke.colour,
                stroke: None,
            });
        }
    }
}

/// Items drawing `g`: polygons with `fill` (or outlines only without), lines with
/// `stroke`, points as discs of radius `radius` (one item per part kind).
pub(crate) fn geometry_items(
    items: &mut Vec<Item>,
    g: &Geometry<f64>,
    to_px: &dyn Fn(f64, f64) -> (f64, f64),
    fill: Option<Rgba>,
    stroke: Option<Stroke>,
    radius: f64,
) {
    let polys = polygon_parts(g, to_px);
    if !polys.is_empty() {
        items.push(Item::Path {
            parts: polys,
            closed: true,
            fill,
            stroke,
        });
    }
    let lines = line_parts(g, to_px);
    if !lines.is_empty() {
        items.push(Item::Path {
            parts: lines,
            closed: false,
            fill: None,
            stroke,
        });
    }
    for (x, y) in points(g) {
        let (px, py) = to_px(x, y);
        let col = fill.or(stroke.map(|s| s.colour)).unwrap_or(BLACK);
        items.push(Item::Circle {
            cx: px,
            cy: py,
            r: radius.max(1.0),
            fill: col,
            stroke: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::text::text_width;

    /// Every text item fits inside the page.
    fn texts_inside(s: &Scene) {
        for l in &s.layers {
            for it in &l.items {
                if let Item::Text(t) = it {
                    let w = text_width(&t.text, t.size, t.bold);
                    let x0 = match t.anchor {
                        Anchor::Start => t.x,
                        Anchor::Middle => t.x - w / 2.0,
                        Anchor::End => t.x - w,
                    };
                    assert!(
                        x0 >= 0.0 && x0 + w <= s.width,
                        "{:?} overflows {}",
                        t.text,
                        s.width
                    );
                    assert!(t.y <= s.height, "{:?} below the page", t.text);
                }
            }
        }
    }

    #[test]
    fn grid_map_scene_long_labels_wrap_inside_the_page() {
        let g = Grid::new(0.0, 0.0, 100.0, 20, 10).unwrap();
        let v: Vec<f64> = (0..200).map(|i| (i % 7) as f64 - 3.0).collect();
        let long = "an intensifying cold spot with a very long explanation ".repeat(6);
        let opts = MapOptions {
            title: vec![long.clone(), long.clone(), long.clone()],
            legend: long.clone(),
            scale: ColourScale::GiBins,
            size: 200,
            ..Default::default()
        };
        let s = grid_map_scene(&g, &v, &opts, &Style::default()).unwrap();
        texts_inside(&s);
        let svg = s.to_svg().unwrap();
        resvg::usvg::roxmltree::Document::parse(&svg).unwrap();
        assert!(grid_map_scene(&g, &v[..3], &opts, &Style::default()).is_err());
    }

    #[test]
    fn feature_map_scene_one_item_per_feature() {
        use geo::{LineString, Point, Polygon};
        let sq = |x: f64| {
            Geometry::Polygon(Polygon::new(
                LineString::from(vec![
                    (x, 0.0),
                    (x + 100.0, 0.0),
                    (x + 100.0, 100.0),
                    (x, 100.0),
                ]),
                vec![],
            ))
        };
        let geoms = vec![sq(0.0), sq(100.0), Geometry::Point(Point::new(50.0, 150.0))];
        let opts = MapOptions {
            scale: ColourScale::Categories(vec![
                ([200, 0, 0, 255], "a".into()),
                ([0, 0, 200, 255], "b".into()),
                ([0, 200, 0, 255], "c".into()),
            ]),
            size: 200,
            ..Default::default()
        };
        let s = feature_map_scene(&geoms, &[0.0, 1.0, 2.0], &opts, &Style::default()).unwrap();
        let svg = s.to_svg().unwrap();
        let doc = resvg::usvg::roxmltree::Document::parse(&svg).unwrap();
        let features = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("features"))
            .unwrap();
        assert_eq!(features.children().filter(|n| n.is_element()).count(), 3);
        assert!(svg.contains("#c80000") && svg.contains("#0000c8"));
        assert!(feature_map_scene(&geoms, &[0.0], &opts, &Style::default()).is_err());
        assert!(feature_map_scene(&[], &[], &opts, &Style::default()).is_err());
    }

    #[test]
    fn grid_map_scene_context_clipped_to_the_frame() {
        use crate::render::ContextLayer;
        use geo::LineString;
        let g = Grid::new(0.0, 0.0, 100.0, 10, 10).unwrap();
        let road = |x0: f64, x1: f64, y: f64| {
            Geometry::LineString(LineString::from(vec![(x0, y), (x1, y)]))
        };
        let style = Style {
            context: vec![ContextLayer::new(
                "streets",
                vec![road(-5000.0, 5000.0, 300.0), road(0.0, 1000.0, 700.0)],
                vec![Some("Long Road".into()), Some("Short Road".into())],
            )],
            ..Default::default()
        };
        let opts = MapOptions {
            size: 200,
            ..Default::default()
        };
        let s = grid_map_scene(&g, &[1.0; 100], &opts, &style).unwrap();
        let ctx = s.layers.iter().find(|l| l.id == "context").unwrap();
        let [left, top, w, h] = ctx.clip.expect("context clipped");
        // the long road's name would be centred on the frame's left edge: dropped
        let labels: Vec<&str> = s
            .layers
            .iter()
            .filter(|l| l.id == "context-labels")
            .flat_map(|l| &l.items)
            .filter_map(|it| match it {
                Item::Text(t) => Some(t.text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(labels, ["Short Road"]);
        assert!(s
            .to_svg()
            .unwrap()
            .contains("clip-path=\"url(#clip-context)\""));
        // in the PNG the long road stops at the frame: the margin left of it is white
        let png = s.to_png().unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(png));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        let px = |x: f64, y: f64| {
            let k = (y as usize * info.width as usize + x as usize) * 4;
            [buf[k], buf[k + 1], buf[k + 2]]
        };
        let road_y = top + (1000.0 - 300.0) * h / 1000.0;
        assert_eq!(px(left / 2.0, road_y), [255, 255, 255]);
        assert!(w > 0.0);
    }

    #[test]
    fn scale_bar_length_is_nice() {
        assert_eq!(scale_bar_length(4000.0), 1000.0);
        assert_eq!(scale_bar_length(3000.0), 500.0);
        assert_eq!(scale_bar_length(900.0), 200.0);
    }
}
