//! The one drawing model of every figure: a [`Scene`] of shapes and text in pixel
//! coordinates (y down), written as SVG ([`Scene::to_svg`]) or rasterised to PNG
//! ([`Scene::to_png`]) by resvg with anti-aliased text from the bundled font.
//!
//! A grid of cells is one [`Raster`] (an embedded PNG with nearest-neighbour
//! scaling in SVG, drawn pixel-exact in PNG) rather than thousands of rectangles.
//! Shapes are grouped in named [`Layer`]s (`<g id="…">`), so a reader (or a test)
//! can find e.g. the features of a map.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::palette::{hex, Rgba};
use super::text::{FONT_BOLD, FONT_FAMILY, FONT_REGULAR};
use crate::error::{Error, Result};

/// A stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    /// Colour (alpha is drawn as opacity).
    pub colour: Rgba,
    /// Width in pixels.
    pub width: f64,
    /// Dash and gap lengths, if dashed.
    pub dash: Option<(f64, f64)>,
}

impl Stroke {
    /// A solid stroke.
    pub fn solid(colour: Rgba, width: f64) -> Stroke {
        Stroke {
            colour,
            width,
            dash: None,
        }
    }
}

/// How a text's x is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// x is the left end.
    Start,
    /// x is the centre.
    Middle,
    /// x is the right end.
    End,
}

/// One line of text; `y` is the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// Anchor x.
    pub x: f64,
    /// Baseline y.
    pub y: f64,
    /// The text (one line; measured by `text_width`).
    pub text: String,
    /// Size in pixels.
    pub size: f64,
    /// Bold face.
    pub bold: bool,
    /// Horizontal anchor.
    pub anchor: Anchor,
    /// Colour.
    pub colour: Rgba,
    /// Rotation in degrees about (x, y), clockwise.
    pub angle: f64,
}

/// A shape of a [`Scene`].
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An axis-aligned rectangle.
    Rect {
        /// Left.
        x: f64,
        /// Top.
        y: f64,
        /// Width.
        w: f64,
        /// Height.
        h: f64,
        /// Fill.
        fill: Option<Rgba>,
        /// Outline.
        stroke: Option<Stroke>,
    },
    /// Polylines or polygons (rings filled with the even–odd rule, so holes stay empty).
    Path {
        /// Parts (each a polyline or ring).
        parts: Vec<Vec<(f64, f64)>>,
        /// Close each part.
        closed: bool,
        /// Fill (closed paths).
        fill: Option<Rgba>,
        /// Outline.
        stroke: Option<Stroke>,
    },
    /// A disc.
    Circle {
        /// Centre x.
        cx: f64,
        /// Centre y.
        cy: f64,
        /// Radius.
        r: f64,
        /// Fill.
        fill: Rgba,
        /// Outline.
        stroke: Option<Stroke>,
    },
    /// A line of text.
    Text(Text),
}

/// Cells drawn as a block of pixels (row 0 at the top), scaled to `w × h` with
/// nearest-neighbour sampling.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Drawn width.
    pub w: f64,
    /// Drawn height.
    pub h: f64,
    /// Columns.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// Colours, row-major from the top row.
    pub rgba: Vec<Rgba>,
}

/// A named group of items (`<g id="name">`). A layer whose id ends in `-labels`
/// (e.g. `context-labels`) draws its text with a white halo.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Identifier (letters, digits, `-`).
    pub id: String,
    /// Items in drawing order.
    pub items: Vec<Item>,
    /// A rectangle `[x, y, w, h]` the layer is clipped to (the frame of a map, so that
    /// context layers and overlays reaching beyond the mapped extent stay inside it).
    pub clip: Option<[f64; 4]>,
}

/// A figure as vector shapes on a white page of `width × height` pixels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scene {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// Cells drawn first, under every layer.
    pub raster: Option<Raster>,
    /// Layers in drawing order.
    pub layers: Vec<Layer>,
}

fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// XML-escaped text (control characters other than tab and line breaks dropped).
pub fn escape(s: &str) -> String {
    escape_markup(s, "&apos;", |c| (c == '\r').then_some(c))
}

/// Text for XML or HTML content and attribute values: `&`, `<`, `>` and `"` as
/// entities, `'` as `apos`, and a control character other than tab and new line as
/// `control(c)` (dropped when `None`).
pub(crate) fn escape_markup(s: &str, apos: &str, control: impl Fn(char) -> Option<char>) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str(apos),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => o.extend(control(c)),
            c => o.push(c),
        }
    }
    o
}

fn paint(o: &mut String, fill: Option<Rgba>, stroke: Option<Stroke>) {
    match fill {
        Some(c) => {
            let _ = write!(o, " fill=\"{}\"", hex(c));
            if c[3] < 255 {
                let _ = write!(o, " fill-opacity=\"{}\"", num(c[3] as f64 / 255.0));
            }
        }
        None => o.push_str(" fill=\"none\""),
    }
    if let Some(s) = stroke {
        let _ = write!(
            o,
            " stroke=\"{}\" stroke-width=\"{}\"",
            hex(s.colour),
            num(s.width)
        );
        if s.colour[3] < 255 {
            let _ = write!(o, " stroke-opacity=\"{}\"", num(s.colour[3] as f64 / 255.0));
        }
        if let Some((d, g)) = s.dash {
            let _ = write!(o, " stroke-dasharray=\"{} {}\"", num(d), num(g));
        }
        o.push_str(" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
    }
}

fn write_item(o: &mut String, it: &Item) {
    match it {
        Item::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        } => {
            let _ = write!(
                o,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
                num(*x),
                num(*y),
                num(w.max(0.0)),
                num(h.max(0.0))
            );
            paint(o, *fill, *stroke);
            o.push_str("/>\n");
        }
        Item::Path {
            parts,
            closed,
            fill,
            stroke,
        } => {
            o.push_str("<path d=\"");
            for part in parts {
                for (k, &(x, y)) in part
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .enumerate()
                {
                    let _ = write!(o, "{}{} {}", if k == 0 { "M" } else { "L" }, num(x), num(y));
                }
                if *closed && !part.is_empty() {
                    o.push('Z');
                }
            }
            o.push('"');
            if *closed {
                o.push_str(" fill-rule=\"evenodd\"");
            }
            paint(o, if *closed { *fill } else { None }, *stroke);
            o.push_str("/>\n");
        }
        Item::Circle {
            cx,
            cy,
            r,
            fill,
            stroke,
        } => {
            let _ = write!(
                o,
                "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"",
                num(*cx),
                num(*cy),
                num(*r)
            );
            paint(o, Some(*fill), *stroke);
            o.push_str("/>\n");
        }
        Item::Text(t) => {
            let anchor = match t.anchor {
                Anchor::Start => "start",
                Anchor::Middle => "middle",
                Anchor::End => "end",
            };
            let _ = write!(
                o,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{}\"",
                num(t.x),
                num(t.y),
                num(t.size),
                hex(t.colour)
            );
            if t.bold {
                o.push_str(" font-weight=\"bold\"");
            }
            if t.angle != 0.0 {
                let _ = write!(
                    o,
                    " transform=\"rotate({} {} {})\"",
                    num(t.angle),
                    num(t.x),
                    num(t.y)
                );
            }
            let _ = writeln!(o, ">{}</text>", escape(&t.text));
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(b: &[u8]) -> String {
    let mut o = String::with_capacity(b.len().div_ceil(3) * 4);
    for ch in b.chunks(3) {
        let n = ((ch[0] as u32) << 16)
            | ((*ch.get(1).unwrap_or(&0) as u32) << 8)
            | (*ch.get(2).unwrap_or(&0) as u32);
        for k in 0..4 {
            if k <= ch.len() {
                o.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                o.push('=');
            }
        }
    }
    o
}

/// An [`Error::Figure`] of `stage`.
fn figure_error(stage: &'static str, message: impl std::fmt::Display) -> Error {
    Error::Figure {
        stage,
        message: message.to_string(),
    }
}

/// RGBA pixels as PNG bytes.
pub fn encode_png(w: usize, h: usize, rgba: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc
            .write_header()
            .map_err(|e| figure_error("PNG encoding", e))?;
        wr.write_image_data(rgba)
            .map_err(|e| figure_error("PNG encoding", e))?;
    }
    Ok(out)
}

fn fontdb() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(FONT_REGULAR)));
        db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(FONT_BOLD)));
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

impl Scene {
    /// An empty white page.
    pub fn new(width: f64, height: f64) -> Scene {
        Scene {
            width,
            height,
            raster: None,
            layers: Vec::new(),
        }
    }

    /// The layer `id` (created at the top when missing).
    pub fn layer(&mut self, id: &str) -> &mut Vec<Item> {
        let k = match self.layers.iter().position(|l| l.id == id) {
            Some(k) => k,
            None => {
                self.layers.push(Layer {
                    id: id.to_string(),
                    items: Vec::new(),
                    clip: None,
                });
                self.layers.len() - 1
            }
        };
        &mut self.layers[k].items
    }

    /// Clips the layer `id` (created when missing) to the rectangle `[x, y, w, h]`.
    pub fn clip_layer(&mut self, id: &str, rect: [f64; 4]) {
        self.layer(id);
        if let Some(l) = self.layers.iter_mut().find(|l| l.id == id) {
            l.clip = Some(rect);
        }
    }

    fn svg(&self, with_raster: bool) -> Result<String> {
        let (w, h) = (self.width.ceil(), self.height.ceil());
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_FAMILY}\">"
        );
        // the page (in PNG the pixmap is white already and the raster is drawn first)
        if with_raster {
            let _ = writeln!(
                o,
                "<rect id=\"page\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
            );
        }
        if let (true, Some(r)) = (with_raster, &self.raster) {
            let bytes: Vec<u8> = r.rgba.iter().flatten().copied().collect();
            let png = encode_png(r.cols, r.rows, &bytes)?;
            let _ = writeln!(
                o,
                "<image id=\"cells\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
                 preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" \
                 style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{}\"/>",
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
                base64(&png)
            );
        }
        for l in &self.layers {
            if let Some([x, y, cw, ch]) = l.clip {
                let id = escape(&l.id);
                let _ = writeln!(
                    o,
                    "<clipPath id=\"clip-{id}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n<g id=\"{id}\" clip-path=\"url(#clip-{id})\">",
                    num(x),
                    num(y),
                    num(cw.max(0.0)),
                    num(ch.max(0.0))
                );
            } else if l.id.ends_with("-labels") {
                // labels over a map (street names): a white halo keeps them legible on
                // dark cells
                let _ = writeln!(
                    o,
                    "<g id=\"{}\" stroke=\"#ffffff\" stroke-width=\"2.5\" stroke-opacity=\"0.75\" stroke-linejoin=\"round\" paint-order=\"stroke\">",
                    escape(&l.id)
                );
            } else {
                let _ = writeln!(o, "<g id=\"{}\">", escape(&l.id));
            }
            for it in &l.items {
                write_item(&mut o, it);
            }
            o.push_str("</g>\n");
        }
        o.push_str("</svg>\n");
        Ok(o)
    }

    /// The scene as a standalone SVG document.
    pub fn to_svg(&self) -> Result<String> {
        self.svg(true)
    }

    /// The scene rasterised at 1 px per unit as PNG bytes (deterministic: same scene,
    /// same bytes). The raster is drawn pixel-exact (each pixel takes the cell under
    /// its centre); shapes and text are anti-aliased by resvg.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let (w, h) = (self.width.ceil().max(1.0), self.height.ceil().max(1.0));
        let mut pm = tiny_skia::Pixmap::new(w as u32, h as u32)
            .ok_or_else(|| figure_error("raster", format!("{w} x {h} pixels is too large")))?;
        pm.fill(tiny_skia::Color::WHITE);
        let (pw, ph) = (pm.width() as usize, pm.height() as usize);
        if let Some(r) = &self.raster {
            if r.cols > 0 && r.rows > 0 && r.w > 0.0 && r.h > 0.0 {
                let data = pm.data_mut();
                let (x0, x1) = (
                    r.x.round().max(0.0) as usize,
                    ((r.x + r.w).round().max(0.0) as usize).min(pw),
                );
                let (y0, y1) = (
                    r.y.round().max(0.0) as usize,
                    ((r.y + r.h).round().max(0.0) as usize).min(ph),
                );
                for py in y0..y1 {
                    let row = (((py as f64 + 0.5 - r.y) / r.h * r.rows as f64).floor() as usize)
                        .min(r.rows - 1);
                    for px in x0..x1 {
                        let col = (((px as f64 + 0.5 - r.x) / r.w * r.cols as f64).floor()
                            as usize)
                            .min(r.cols - 1);
                        let c = r.rgba[row * r.cols + col];
                        // opaque page: premultiplied = straight colour blended on white
                        let a = c[3] as u32;
                        let k = (py * pw + px) * 4;
                        for ch in 0..3 {
                            data[k + ch] = ((c[ch] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
                        }
                        data[k + 3] = 255;
                    }
                }
            }
        }
        let svg = self.svg(false)?;
        let opt = usvg::Options {
            fontdb: fontdb(),
            font_family: "DejaVu Sans".into(),
            ..Default::default()
        };
        let tree = usvg::Tree::from_str(&svg, &opt).map_err(|e| {
            figure_error("rasterisation", format!("internal SVG not readable: {e}"))
        })?;
        resvg::render(&tree, tiny_skia::Transform::identity(), &mut pm.as_mut());
        // every pixel is opaque (white page), so premultiplied bytes are straight RGBA
        encode_png(pw, ph, pm.data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_markup_entities_and_control_characters() {
        let s = "a<b & \"c\" 'd'\t\n\r\u{1}e";
        // SVG: control characters dropped, line breaks and tabs kept
        assert_eq!(escape(s), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\t\n\re");
        // HTML report: `'` as a number, control characters as spaces
        assert_eq!(
            escape_markup(s, "&#39;", |_| Some(' ')),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;\t\n  e"
        );
    }

    fn sample() -> Scene {
        let mut s = Scene::new(120.0, 80.0);
        s.raster = Some(Raster {
            x: 10.0,
            y: 10.0,
            w: 40.0,
            h: 20.0,
            cols: 2,
            rows: 1,
            rgba: vec![[255, 0, 0, 255], [0, 0, 255, 255]],
        });
        s.layer("shapes").push(Item::Path {
            parts: vec![vec![(60.0, 10.0), (110.0, 10.0), (110.0, 40.0)]],
            closed: true,
            fill: Some([0, 128, 0, 255]),
            stroke: Some(Stroke::solid([0, 0, 0, 255], 1.0)),
        });
        s.layer("labels").push(Item::Text(Text {
            x: 10.0,
            y: 70.0,
            text: "a & <b>".into(),
            size: 14.0,
            bold: false,
            anchor: Anchor::Start,
            colour: [0, 0, 0, 255],
            angle: 0.0,
        }));
        s
    }

    #[test]
    fn scene_to_svg_is_well_formed_with_layers() {
        let svg = sample().to_svg().unwrap();
        let doc = usvg::roxmltree::Document::parse(&svg).unwrap();
        let ids: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("g"))
            .filter_map(|n| n.attribute("id"))
            .collect();
        assert_eq!(ids, ["shapes", "labels"]);
        let text = doc.descendants().find(|n| n.has_tag_name("text")).unwrap();
        assert_eq!(text.text(), Some("a & <b>"));
        assert!(doc.descendants().any(|n| n.has_tag_name("image")));
    }

    #[test]
    fn scene_to_png_is_deterministic_and_draws() {
        let s = sample();
        let a = s.to_png().unwrap();
        assert_eq!(a, s.to_png().unwrap());
        assert_eq!(&a[1..4], b"PNG");
        let dec = png::Decoder::new(std::io::Cursor::new(&a));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        let px = |x: usize, y: usize| &buf[(y * 120 + x) * 4..(y * 120 + x) * 4 + 4];
        assert_eq!(px(15, 15), [255, 0, 0, 255]); // raster, left cell
        assert_eq!(px(45, 25), [0, 0, 255, 255]); // raster, right cell
        assert_eq!(px(105, 15), [0, 128, 0, 255]); // inside the triangle
        assert_eq!(px(2, 2), [255, 255, 255, 255]); // page
                                                    // the text left dark pixels below the raster
        let dark = (50..78)
            .flat_map(|y| (5..110).map(move |x| (x, y)))
            .filter(|&(x, y)| px(x, y)[0] < 128)
            .count();
        assert!(dark > 20, "{dark}");
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
