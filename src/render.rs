//! PNG maps and plots people can read, with no system library.
//!
//! * [`grid_map`] draws a raster of per-cell values with a colour ramp (viridis,
//!   perceptually uniform and colour-blind safe) or the diverging Gi* bins, a
//!   legend with units, a scale bar, a north arrow, optional line/point/polygon
//!   overlays, and a title.
//! * [`feature_map`] draws one value per feature of a layer (filled polygons, lines,
//!   points) with the same legend, scale bar and north arrow (a choropleth).
//! * [`line_plot`] draws x/y series with axes, ticks and a legend (curves, time series).
//! * [`bar_plot`] draws histograms.
//! * [`heat_table`] draws a labelled matrix (e.g. Knox ratios) with marked cells.
//!
//! Text is drawn with the public-domain 8×8 `font8x8` glyphs (ASCII).

use font8x8::UnicodeFonts;
use geo::{CoordsIter, Geometry};

use crate::error::{Error, Result};
use crate::grid::Grid;

/// An RGBA colour.
pub type Rgba = [u8; 4];

/// White.
pub const WHITE: Rgba = [255, 255, 255, 255];
/// Black.
pub const BLACK: Rgba = [0, 0, 0, 255];
/// Mid grey.
pub const GREY: Rgba = [150, 150, 150, 255];
/// Light grey (no data).
pub const LIGHT: Rgba = [230, 230, 230, 255];

/// Series colours (Okabe–Ito, colour-blind safe).
pub const PALETTE: [Rgba; 8] = [
    [0, 114, 178, 255],
    [230, 159, 0, 255],
    [0, 158, 115, 255],
    [204, 121, 167, 255],
    [86, 180, 233, 255],
    [213, 94, 0, 255],
    [240, 228, 66, 255],
    [0, 0, 0, 255],
];

/// A drawing surface.
pub struct Canvas {
    /// Width in pixels.
    pub w: usize,
    /// Height in pixels.
    pub h: usize,
    px: Vec<u8>,
}

impl Canvas {
    /// A white canvas.
    pub fn new(w: usize, h: usize) -> Self {
        Canvas {
            w,
            h,
            px: [255u8, 255, 255, 255].repeat(w * h),
        }
    }

    /// Sets one pixel (alpha-blended), ignoring out-of-range coordinates.
    pub fn set(&mut self, x: i64, y: i64, c: Rgba) {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return;
        }
        let i = (y as usize * self.w + x as usize) * 4;
        let a = c[3] as u32;
        for (k, ck) in c.iter().take(3).enumerate() {
            self.px[i + k] = ((*ck as u32 * a + self.px[i + k] as u32 * (255 - a)) / 255) as u8;
        }
        self.px[i + 3] = 255;
    }

    /// Fills a rectangle.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgba) {
        for yy in y.max(0)..(y + h).min(self.h as i64) {
            for xx in x.max(0)..(x + w).min(self.w as i64) {
                self.set(xx, yy, c);
            }
        }
    }

    /// Draws a rectangle outline.
    pub fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgba) {
        self.line(x as f64, y as f64, (x + w) as f64, y as f64, c);
        self.line(x as f64, (y + h) as f64, (x + w) as f64, (y + h) as f64, c);
        self.line(x as f64, y as f64, x as f64, (y + h) as f64, c);
        self.line((x + w) as f64, y as f64, (x + w) as f64, (y + h) as f64, c);
    }

    /// Draws a 1-pixel line (DDA).
    pub fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgba) {
        if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite()) {
            return;
        }
        let n = ((x1 - x0).abs().max((y1 - y0).abs()).ceil() as usize).clamp(1, 20_000);
        for k in 0..=n {
            let t = k as f64 / n as f64;
            self.set(
                (x0 + t * (x1 - x0)).round() as i64,
                (y0 + t * (y1 - y0)).round() as i64,
                c,
            );
        }
    }

    /// Draws a thick line.
    pub fn thick_line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, width: f64, c: Rgba) {
        let r = (width / 2.0).max(0.5);
        let ri = r.ceil() as i64;
        for dx in -ri..=ri {
            for dy in -ri..=ri {
                if ((dx * dx + dy * dy) as f64) <= r * r {
                    self.line(
                        x0 + dx as f64,
                        y0 + dy as f64,
                        x1 + dx as f64,
                        y1 + dy as f64,
                        c,
                    );
                }
            }
        }
    }

    /// Fills a disc.
    pub fn disc(&mut self, cx: f64, cy: f64, r: f64, c: Rgba) {
        let ri = r.ceil() as i64;
        for dy in -ri..=ri {
            for dx in -ri..=ri {
                if (dx * dx + dy * dy) as f64 <= r * r {
                    self.set(cx.round() as i64 + dx, cy.round() as i64 + dy, c);
                }
            }
        }
    }

    /// Fills a polygon given as rings in pixel coordinates (exterior and holes,
    /// closed or not) with the even–odd rule: a pixel is filled when its centre
    /// lies inside an odd number of rings (scanline over pixel centres).
    pub fn fill_polygon(&mut self, rings: &[Vec<(f64, f64)>], c: Rgba) {
        let pts = rings.iter().flatten();
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in pts {
            if p.0.is_finite() && p.1.is_finite() {
                y0 = y0.min(p.1);
                y1 = y1.max(p.1);
            }
        }
        if !y0.is_finite() {
            return;
        }
        let row0 = (y0.floor() as i64).max(0);
        let row1 = (y1.ceil() as i64).min(self.h as i64 - 1);
        let mut xs: Vec<f64> = Vec::new();
        for row in row0..=row1 {
            let yc = row as f64 + 0.5;
            xs.clear();
            for r in rings {
                let n = r.len();
                for i in 0..n {
                    let (a, b) = (r[i], r[(i + 1) % n]);
                    // half-open rule: an edge counts when yc is in [min y, max y)
                    if (a.1 <= yc && yc < b.1) || (b.1 <= yc && yc < a.1) {
                        xs.push(a.0 + (yc - a.1) / (b.1 - a.1) * (b.0 - a.0));
                    }
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                // pixels whose centre x + 0.5 lies in [x_in, x_out)
                let xa = (pair[0] - 0.5).ceil() as i64;
                let xb = (pair[1] - 0.5).ceil() as i64;
                for x in xa.max(0)..xb.min(self.w as i64) {
                    self.set(x, row, c);
                }
            }
        }
    }

    /// Draws ASCII text with its top-left corner at (x, y); `scale` ≥ 1.
    pub fn text(&mut self, x: i64, y: i64, s: &str, scale: i64, c: Rgba) {
        let mut cx = x;
        for ch in s.chars() {
            let glyph = font8x8::BASIC_FONTS
                .get(ch)
                .or_else(|| font8x8::LATIN_FONTS.get(ch))
                .unwrap_or([0; 8]);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        self.fill_rect(cx + col * scale, y + row as i64 * scale, scale, scale, c);
                    }
                }
            }
            cx += 8 * scale;
        }
    }

    /// Width in pixels of a text at a scale.
    pub fn text_width(s: &str, scale: i64) -> i64 {
        s.chars().count() as i64 * 8 * scale
    }

    /// Encodes as PNG.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.w as u32, self.h as u32);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut wr = enc
                .write_header()
                .map_err(|e| Error::Data(format!("PNG: {e}")))?;
            wr.write_image_data(&self.px)
                .map_err(|e| Error::Data(format!("PNG: {e}")))?;
        }
        Ok(out)
    }
}

const VIRIDIS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [72, 40, 120],
    [62, 74, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [109, 205, 89],
    [253, 231, 37],
];

/// Viridis colour for t in [0, 1].
pub fn viridis(t: f64) -> Rgba {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let a = VIRIDIS[i];
    let b = VIRIDIS[i + 1];
    let m = |k: usize| (a[k] as f64 + f * (b[k] as f64 - a[k] as f64)).round() as u8;
    [m(0), m(1), m(2), 255]
}

/// ArcGIS-style Gi* confidence bins −3…+3 (99/95/90 % cold, not significant, 90/95/99 % hot).
pub const GI_BINS: [(i8, Rgba, &str); 7] = [
    (-3, [69, 117, 181, 255], "cold 99%"),
    (-2, [132, 158, 186, 255], "cold 95%"),
    (-1, [192, 204, 190, 255], "cold 90%"),
    (0, [255, 255, 191, 255], "not significant"),
    (1, [250, 185, 132, 255], "hot 90%"),
    (2, [237, 117, 81, 255], "hot 95%"),
    (3, [214, 47, 39, 255], "hot 99%"),
];

/// How values are coloured on a [`grid_map`].
#[derive(Debug, Clone)]
pub enum ColourScale {
    /// Continuous viridis between min and max (optionally square-root stretched).
    Continuous {
        /// Lower end (values below are clamped).
        min: f64,
        /// Upper end.
        max: f64,
        /// Square-root stretch (for skewed counts/densities).
        sqrt: bool,
    },
    /// Gi* confidence bins; values are the bins −3…3.
    GiBins,
    /// Categories 0..n with given colours and labels.
    Categories(Vec<(Rgba, String)>),
}

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

/// Options of a [`grid_map`].
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// Title (first line) and subtitle lines (parameters).
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

/// Continuous scale from the finite values (min 0 when all values ≥ 0).
pub fn auto_scale(values: &[f64], sqrt: bool) -> ColourScale {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    if lo >= 0.0 {
        lo = 0.0;
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    ColourScale::Continuous {
        min: lo,
        max: hi,
        sqrt,
    }
}

fn nice_step(range: f64, target: usize) -> f64 {
    let raw = range / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let s = if norm < 1.5 {
        1.0
    } else if norm < 3.5 {
        2.0
    } else if norm < 7.5 {
        5.0
    } else {
        10.0
    };
    s * mag
}

fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Placement of a map's data area on the canvas.
struct MapFrame {
    ext: [f64; 4],
    px_per_m: f64,
    left: i64,
    top: i64,
    mw: i64,
    mh: i64,
}

impl MapFrame {
    /// A canvas with the title drawn and room for the map, legend, scale bar and arrow.
    fn new(ext: [f64; 4], opts: &MapOptions) -> (Canvas, MapFrame) {
        let (gw, gh) = ((ext[2] - ext[0]).max(1e-9), (ext[3] - ext[1]).max(1e-9));
        let px_per_m = opts.size as f64 / gw.max(gh);
        let (mw, mh) = ((gw * px_per_m).ceil() as i64, (gh * px_per_m).ceil() as i64);
        let top = 20 + 20 * opts.title.len().max(1) as i64;
        let (left, legend_w, bottom) = (20i64, 190i64, 50i64);
        let mut c = Canvas::new(
            (left + mw + 20 + legend_w) as usize,
            (top + mh + bottom) as usize,
        );
        for (k, line) in opts.title.iter().enumerate() {
            c.text(
                left,
                10 + 20 * k as i64,
                line,
                if k == 0 { 2 } else { 1 },
                BLACK,
            );
        }
        (
            c,
            MapFrame {
                ext,
                px_per_m,
                left,
                top,
                mw,
                mh,
            },
        )
    }

    /// World (working CRS, metres) to pixel coordinates.
    fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.left as f64 + (x - self.ext[0]) * self.px_per_m,
            self.top as f64 + (self.ext[3] - y) * self.px_per_m,
        )
    }

    /// Overlays, the frame, the legend, the scale bar and the north arrow.
    fn decorate(&self, c: &mut Canvas, opts: &MapOptions) {
        let (left, top, mw, mh) = (self.left, self.top, self.mw, self.mh);
        let to_px = |x: f64, y: f64| self.to_px(x, y);
        for ov in &opts.overlays {
            for g in &ov.geometries {
                draw_geometry(c, g, &to_px, ov.colour, ov.width);
            }
        }
        c.rect(left, top, mw, mh, BLACK);
        // legend
        let lx = left + mw + 20;
        c.text(lx, top, &opts.legend, 1, BLACK);
        match &opts.scale {
            ColourScale::Continuous { min, max, sqrt } => {
                let (bh, bw) = (200i64, 20i64);
                for k in 0..bh {
                    let t = 1.0 - k as f64 / (bh - 1) as f64;
                    c.fill_rect(lx, top + 16 + k, bw, 1, viridis(t));
                }
                c.rect(lx, top + 16, bw, bh, BLACK);
                for k in 0..=4 {
                    let t = 1.0 - k as f64 / 4.0;
                    let v = if *sqrt {
                        min + (max - min) * t * t
                    } else {
                        min + (max - min) * t
                    };
                    let y = top + 16 + (k as f64 / 4.0 * (bh - 1) as f64) as i64;
                    c.line(
                        (lx + bw) as f64,
                        y as f64,
                        (lx + bw + 4) as f64,
                        y as f64,
                        BLACK,
                    );
                    c.text(lx + bw + 8, y - 4, &fmt_num(v), 1, BLACK);
                }
                if *sqrt {
                    c.text(lx, top + 16 + bh + 8, "(square-root scale)", 1, GREY);
                }
            }
            ColourScale::GiBins => {
                for (k, (_, col, label)) in GI_BINS.iter().rev().enumerate() {
                    let y = top + 16 + 18 * k as i64;
                    c.fill_rect(lx, y, 16, 14, *col);
                    c.rect(lx, y, 16, 14, GREY);
                    c.text(lx + 22, y + 3, label, 1, BLACK);
                }
            }
            ColourScale::Categories(cats) => {
                for (k, (col, label)) in cats.iter().enumerate() {
                    let y = top + 16 + 18 * k as i64;
                    c.fill_rect(lx, y, 16, 14, *col);
                    c.rect(lx, y, 16, 14, GREY);
                    c.text(lx + 22, y + 3, label, 1, BLACK);
                }
            }
        }
        // scale bar: a nice length near 1/4 of the map width
        let target_m = (self.ext[2] - self.ext[0]) / 4.0;
        let mag = 10f64.powf(target_m.log10().floor());
        let nice = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|k| k * mag)
            .rfind(|v| *v <= target_m)
            .unwrap_or(mag);
        let bar_px = nice * self.px_per_m;
        let by = top + mh + 25;
        c.fill_rect(left, by, bar_px.round() as i64, 5, BLACK);
        let label = if nice >= 1000.0 {
            format!("{} km", fmt_num(nice / 1000.0))
        } else {
            format!("{} m", fmt_num(nice))
        };
        c.text(left + bar_px.round() as i64 + 8, by - 2, &label, 1, BLACK);
        // north arrow
        let (ax, ay) = ((left + mw - 20) as f64, (top + mh + 12) as f64);
        c.line(ax, ay + 28.0, ax, ay, BLACK);
        c.line(ax, ay, ax - 6.0, ay + 10.0, BLACK);
        c.line(ax, ay, ax + 6.0, ay + 10.0, BLACK);
        c.text(ax as i64 + 8, ay as i64 + 4, "N", 1, BLACK);
    }
}

/// Colour of `v` on `scale` (non-finite values: light grey, "no data").
fn scale_colour(scale: &ColourScale, v: f64) -> Rgba {
    if !v.is_finite() {
        return LIGHT;
    }
    match scale {
        ColourScale::Continuous { min, max, sqrt } => {
            let mut t = (v - min) / (max - min);
            if *sqrt {
                t = t.max(0.0).sqrt();
            }
            viridis(t)
        }
        ColourScale::GiBins => GI_BINS
            .iter()
            .find(|b| b.0 as f64 == v.round())
            .map(|b| b.1)
            .unwrap_or(LIGHT),
        ColourScale::Categories(cats) => {
            cats.get(v.max(0.0) as usize).map(|x| x.0).unwrap_or(LIGHT)
        }
    }
}

/// Renders per-cell `values` (NaN = no data, drawn light grey) of `grid` as a PNG map.
pub fn grid_map(grid: &Grid, values: &[f64], opts: &MapOptions) -> Result<Vec<u8>> {
    if values.len() != grid.len() {
        return Err(Error::Param(format!(
            "grid_map: {} values for {} cells",
            values.len(),
            grid.len()
        )));
    }
    let (mut c, f) = MapFrame::new(grid.extent(), opts);
    for (id, &value) in values.iter().enumerate() {
        let (col, row) = grid.col_row(id);
        let (x, y) = f.to_px(
            grid.x0 + col as f64 * grid.cell,
            grid.y0 + (row + 1) as f64 * grid.cell,
        );
        // the next cell's corner, so that neighbouring cells tile without gaps
        let (x1, y1) = f.to_px(
            grid.x0 + (col + 1) as f64 * grid.cell,
            grid.y0 + row as f64 * grid.cell,
        );
        c.fill_rect(
            x.floor() as i64,
            y.floor() as i64,
            (x1.floor() - x.floor()).max(1.0) as i64,
            (y1.floor() - y.floor()).max(1.0) as i64,
            scale_colour(&opts.scale, value),
        );
    }
    f.decorate(&mut c, opts);
    c.to_png()
}

/// Renders one value per feature (a choropleth): polygons are filled (even–odd rule,
/// so holes stay empty) and outlined in grey, lines drawn 3 px wide and points as
/// 4 px discs, each in the colour of its value on `opts.scale` (NaN = no data,
/// light grey). The map extent is the features' bounding box plus 2 %; features
/// are drawn in input order, then the overlays.
///
/// # Errors
/// [`Error::Param`] when the lengths differ or no feature has a finite coordinate.
pub fn feature_map(
    geometries: &[Geometry<f64>],
    values: &[f64],
    opts: &MapOptions,
) -> Result<Vec<u8>> {
    feature_canvas(geometries, values, opts)?.to_png()
}

fn feature_canvas(
    geometries: &[Geometry<f64>],
    values: &[f64],
    opts: &MapOptions,
) -> Result<Canvas> {
    if values.len() != geometries.len() {
        return Err(Error::Param(format!(
            "feature_map: {} values for {} features",
            values.len(),
            geometries.len()
        )));
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
        return Err(Error::Param(
            "feature_map: no feature has a finite coordinate".into(),
        ));
    }
    let pad = 0.02 * (ext[2] - ext[0]).max(ext[3] - ext[1]).max(1.0);
    let ext = [ext[0] - pad, ext[1] - pad, ext[2] + pad, ext[3] + pad];
    let (mut c, f) = MapFrame::new(ext, opts);
    let to_px = |x: f64, y: f64| f.to_px(x, y);
    for (g, &v) in geometries.iter().zip(values) {
        let col = scale_colour(&opts.scale, v);
        let rings = polygon_rings(g);
        if rings.is_empty() {
            draw_geometry(&mut c, g, &to_px, col, if is_puntal(g) { 4.0 } else { 3.0 });
        } else {
            for poly in &rings {
                let px: Vec<Vec<(f64, f64)>> = poly
                    .iter()
                    .map(|r| r.iter().map(|p| to_px(p.x, p.y)).collect())
                    .collect();
                c.fill_polygon(&px, col);
            }
        }
    }
    // outlines after all fills, so that shared borders stay visible
    for g in geometries {
        for poly in polygon_rings(g) {
            for r in poly {
                for w in r.windows(2) {
                    let (a, b) = (to_px(w[0].x, w[0].y), to_px(w[1].x, w[1].y));
                    c.line(a.0, a.1, b.0, b.1, GREY);
                }
            }
        }
    }
    f.decorate(&mut c, opts);
    Ok(c)
}

fn is_puntal(g: &Geometry<f64>) -> bool {
    matches!(g, Geometry::Point(_) | Geometry::MultiPoint(_))
}

/// The rings of each polygon in `g` (exterior first), empty for non-areal geometries.
fn polygon_rings(g: &Geometry<f64>) -> Vec<Vec<Vec<geo::Coord<f64>>>> {
    let poly = |p: &geo::Polygon<f64>| -> Vec<Vec<geo::Coord<f64>>> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(|r| r.0.clone())
            .collect()
    };
    match g {
        Geometry::Polygon(p) => vec![poly(p)],
        Geometry::MultiPolygon(m) => m.0.iter().map(poly).collect(),
        Geometry::Rect(r) => vec![poly(&r.to_polygon())],
        Geometry::Triangle(t) => vec![poly(&t.to_polygon())],
        Geometry::GeometryCollection(gc) => gc.0.iter().flat_map(polygon_rings).collect(),
        _ => Vec::new(),
    }
}

fn draw_geometry(
    c: &mut Canvas,
    g: &Geometry<f64>,
    to_px: &dyn Fn(f64, f64) -> (f64, f64),
    col: Rgba,
    width: f64,
) {
    match g {
        Geometry::Point(p) => {
            let (x, y) = to_px(p.x(), p.y());
            c.disc(x, y, width.max(1.0), col);
        }
        Geometry::MultiPoint(m) => {
            for p in &m.0 {
                let (x, y) = to_px(p.x(), p.y());
                c.disc(x, y, width.max(1.0), col);
            }
        }
        Geometry::GeometryCollection(gc) => {
            for g in &gc.0 {
                draw_geometry(c, g, to_px, col, width);
            }
        }
        Geometry::Polygon(_)
        | Geometry::MultiPolygon(_)
        | Geometry::Rect(_)
        | Geometry::Triangle(_) => {
            // outlines of every ring
            for r in polygon_rings(g).into_iter().flatten() {
                for w in r.windows(2) {
                    let (a, b) = (to_px(w[0].x, w[0].y), to_px(w[1].x, w[1].y));
                    c.thick_line(a.0, a.1, b.0, b.1, width, col);
                }
            }
        }
        Geometry::Line(l) => {
            let (a, b) = (to_px(l.start.x, l.start.y), to_px(l.end.x, l.end.y));
            c.thick_line(a.0, a.1, b.0, b.1, width, col);
        }
        Geometry::LineString(l) => {
            for w in l.0.windows(2) {
                let (a, b) = (to_px(w[0].x, w[0].y), to_px(w[1].x, w[1].y));
                c.thick_line(a.0, a.1, b.0, b.1, width, col);
            }
        }
        Geometry::MultiLineString(m) => {
            for l in &m.0 {
                for w in l.0.windows(2) {
                    let (a, b) = (to_px(w[0].x, w[0].y), to_px(w[1].x, w[1].y));
                    c.thick_line(a.0, a.1, b.0, b.1, width, col);
                }
            }
        }
    }
}

/// One series of a [`line_plot`].
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points (x, y); non-finite points break the line.
    pub points: Vec<(f64, f64)>,
    /// Draw markers at points.
    pub markers: bool,
}

/// Options of a [`line_plot`] / [`bar_plot`].
#[derive(Debug, Clone, Default)]
pub struct PlotOptions {
    /// Title lines.
    pub title: Vec<String>,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Vertical reference lines (x, label).
    pub vlines: Vec<(f64, String)>,
    /// Fixed y range.
    pub y_range: Option<(f64, f64)>,
    /// Fixed x range.
    pub x_range: Option<(f64, f64)>,
}

struct Frame {
    left: i64,
    top: i64,
    w: i64,
    h: i64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.left as f64 + (x - self.x0) / (self.x1 - self.x0) * self.w as f64,
            self.top as f64 + (1.0 - (y - self.y0) / (self.y1 - self.y0)) * self.h as f64,
        )
    }
}

fn axes(c: &mut Canvas, f: &Frame, o: &PlotOptions) {
    for (k, line) in o.title.iter().enumerate() {
        c.text(
            f.left,
            10 + 20 * k as i64,
            line,
            if k == 0 { 2 } else { 1 },
            BLACK,
        );
    }
    c.rect(f.left, f.top, f.w, f.h, BLACK);
    let xs = nice_step(f.x1 - f.x0, 8);
    let mut v = (f.x0 / xs).ceil() * xs;
    while v <= f.x1 + 1e-9 * xs {
        let (x, _) = f.px(v, f.y0);
        c.line(x, (f.top + f.h) as f64, x, (f.top + f.h + 4) as f64, BLACK);
        let s = fmt_num(v);
        c.text(
            x as i64 - Canvas::text_width(&s, 1) / 2,
            f.top + f.h + 8,
            &s,
            1,
            BLACK,
        );
        v += xs;
    }
    let ys = nice_step(f.y1 - f.y0, 6);
    let mut v = (f.y0 / ys).ceil() * ys;
    while v <= f.y1 + 1e-9 * ys {
        let (_, y) = f.px(f.x0, v);
        c.line((f.left - 4) as f64, y, f.left as f64, y, BLACK);
        c.line(
            f.left as f64 + 1.0,
            y,
            (f.left + f.w) as f64 - 1.0,
            y,
            [225, 225, 225, 255],
        );
        let s = fmt_num(v);
        c.text(
            f.left - 8 - Canvas::text_width(&s, 1),
            y as i64 - 4,
            &s,
            1,
            BLACK,
        );
        v += ys;
    }
    c.text(
        f.left + f.w / 2 - Canvas::text_width(&o.x_label, 1) / 2,
        f.top + f.h + 24,
        &o.x_label,
        1,
        BLACK,
    );
    c.text(10, f.top - 14, &o.y_label, 1, BLACK);
    for (x, label) in &o.vlines {
        if *x >= f.x0 && *x <= f.x1 {
            let (px, _) = f.px(*x, f.y0);
            let mut y = f.top as f64;
            while y < (f.top + f.h) as f64 {
                c.line(
                    px,
                    y,
                    px,
                    (y + 4.0).min((f.top + f.h) as f64),
                    [120, 120, 120, 255],
                );
                y += 8.0;
            }
            c.text(px as i64 + 4, f.top + 4, label, 1, GREY);
        }
    }
}

fn range_of(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = vals
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    (lo, hi)
}

/// Renders x/y series as a PNG line plot.
pub fn line_plot(series: &[Series], o: &PlotOptions) -> Result<Vec<u8>> {
    let (w, h) = (900usize, 560usize);
    let mut c = Canvas::new(w, h);
    let (x0, x1) = o
        .x_range
        .unwrap_or_else(|| range_of(series.iter().flat_map(|s| s.points.iter().map(|p| p.0))));
    let (mut y0, mut y1) = o
        .y_range
        .unwrap_or_else(|| range_of(series.iter().flat_map(|s| s.points.iter().map(|p| p.1))));
    if o.y_range.is_none() {
        let pad = (y1 - y0) * 0.05;
        y0 -= pad;
        y1 += pad;
    }
    let top = 30 + 20 * o.title.len() as i64;
    let f = Frame {
        left: 80,
        top,
        w: w as i64 - 260,
        h: h as i64 - top - 60,
        x0,
        x1,
        y0,
        y1,
    };
    axes(&mut c, &f, o);
    for (k, s) in series.iter().enumerate() {
        let col = PALETTE[k % PALETTE.len()];
        let mut prev: Option<(f64, f64)> = None;
        for &(x, y) in &s.points {
            if !(x.is_finite() && y.is_finite()) {
                prev = None;
                continue;
            }
            let p = f.px(x, y);
            if let Some(q) = prev {
                c.thick_line(q.0, q.1, p.0, p.1, 2.0, col);
            }
            if s.markers {
                c.disc(p.0, p.1, 3.0, col);
            }
            prev = Some(p);
        }
        let ly = f.top + 10 + 18 * k as i64;
        c.fill_rect(f.left + f.w + 15, ly + 2, 18, 4, col);
        c.text(f.left + f.w + 40, ly, &s.label, 1, BLACK);
    }
    c.to_png()
}

/// Renders a bar chart (e.g. a histogram): `bars` = (label, value).
pub fn bar_plot(bars: &[(String, f64)], o: &PlotOptions) -> Result<Vec<u8>> {
    let (w, h) = (900usize, 520usize);
    let mut c = Canvas::new(w, h);
    let ymax = bars
        .iter()
        .map(|b| b.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-12)
        * 1.08;
    let top = 30 + 20 * o.title.len() as i64;
    let f = Frame {
        left: 80,
        top,
        w: w as i64 - 110,
        h: h as i64 - top - 70,
        x0: 0.0,
        x1: bars.len().max(1) as f64,
        y0: 0.0,
        y1: ymax,
    };
    let o2 = PlotOptions {
        x_label: String::new(),
        ..o.clone()
    };
    // y axis only: draw frame and y ticks via axes with no x ticks
    for (k, line) in o2.title.iter().enumerate() {
        c.text(
            f.left,
            10 + 20 * k as i64,
            line,
            if k == 0 { 2 } else { 1 },
            BLACK,
        );
    }
    c.rect(f.left, f.top, f.w, f.h, BLACK);
    let ys = nice_step(f.y1 - f.y0, 6);
    let mut v = 0.0;
    while v <= f.y1 {
        let (_, y) = f.px(0.0, v);
        c.line((f.left - 4) as f64, y, f.left as f64, y, BLACK);
        let s = fmt_num(v);
        c.text(
            f.left - 8 - Canvas::text_width(&s, 1),
            y as i64 - 4,
            &s,
            1,
            BLACK,
        );
        v += ys;
    }
    let every = (bars.len() / 15).max(1);
    for (k, (label, val)) in bars.iter().enumerate() {
        let (xa, ya) = f.px(k as f64 + 0.1, val.max(0.0));
        let (xb, yb) = f.px(k as f64 + 0.9, 0.0);
        c.fill_rect(
            xa as i64,
            ya as i64,
            (xb - xa).max(1.0) as i64,
            (yb - ya).max(0.0) as i64,
            PALETTE[0],
        );
        if k % every == 0 {
            let (xm, _) = f.px(k as f64 + 0.5, 0.0);
            c.text(
                xm as i64 - Canvas::text_width(label, 1) / 2,
                f.top + f.h + 8,
                label,
                1,
                BLACK,
            );
        }
    }
    c.text(
        f.left + f.w / 2 - Canvas::text_width(&o.x_label, 1) / 2,
        f.top + f.h + 30,
        &o.x_label,
        1,
        BLACK,
    );
    c.text(10, f.top - 14, &o.y_label, 1, BLACK);
    c.to_png()
}

/// Renders a labelled matrix: `values[r][c]` coloured on a diverging scale around
/// `centre` (blue below, red above, saturated at the largest deviation), the value
/// printed in each cell, and cells with `mark[r][c]` outlined in bold.
///
/// With `log_ratio` (for ratios such as Knox ratios, `centre > 0`) the deviation is
/// `ln(v / centre)`, so 2 and 1/2 are equally far from 1; a ratio of 0 is full blue.
#[allow(clippy::too_many_arguments)]
pub fn heat_table(
    values: &[Vec<f64>],
    mark: &[Vec<bool>],
    row_labels: &[String],
    col_labels: &[String],
    centre: f64,
    log_ratio: bool,
    title: &[String],
    corner: &str,
) -> Result<Vec<u8>> {
    if log_ratio && !(centre > 0.0 && centre.is_finite()) {
        return Err(Error::Param(format!(
            "heat_table: a log-ratio scale needs a positive centre, got {centre}"
        )));
    }
    let dev = |v: f64| -> f64 {
        if log_ratio {
            if v <= 0.0 {
                f64::NEG_INFINITY
            } else {
                (v / centre).ln()
            }
        } else {
            v - centre
        }
    };
    let nr = values.len();
    let nc = values.first().map_or(0, |r| r.len());
    let lw = row_labels
        .iter()
        .map(|s| Canvas::text_width(s, 1))
        .max()
        .unwrap_or(40)
        .max(Canvas::text_width(corner, 1))
        + 20;
    let (cw, ch) = (80i64, 30i64);
    let top = 30 + 20 * title.len() as i64 + 20;
    let mut c = Canvas::new(
        (lw + cw * nc as i64 + 40) as usize,
        (top + ch * nr as i64 + 40) as usize,
    );
    for (k, line) in title.iter().enumerate() {
        c.text(
            10,
            10 + 20 * k as i64,
            line,
            if k == 0 { 2 } else { 1 },
            BLACK,
        );
    }
    c.text(10, top - 16, corner, 1, GREY);
    let maxdev = values
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .map(|v| dev(*v).abs())
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9);
    for (j, l) in col_labels.iter().enumerate() {
        c.text(lw + cw * j as i64 + 4, top - 16, l, 1, BLACK);
    }
    for (r, row_values) in values.iter().enumerate() {
        c.text(
            10,
            top + ch * r as i64 + 11,
            &row_labels.get(r).cloned().unwrap_or_default(),
            1,
            BLACK,
        );
        for (j, &v) in row_values.iter().enumerate().take(nc) {
            let col = if !v.is_finite() {
                LIGHT
            } else {
                let t = (dev(v) / maxdev).clamp(-1.0, 1.0);
                if t >= 0.0 {
                    [
                        255,
                        (255.0 * (1.0 - 0.75 * t)) as u8,
                        (255.0 * (1.0 - 0.8 * t)) as u8,
                        255,
                    ]
                } else {
                    [
                        (255.0 * (1.0 + 0.8 * t)) as u8,
                        (255.0 * (1.0 + 0.5 * t)) as u8,
                        255,
                        255,
                    ]
                }
            };
            let (x, y) = (lw + cw * j as i64, top + ch * r as i64);
            c.fill_rect(x, y, cw, ch, col);
            c.rect(x, y, cw, ch, GREY);
            if mark.get(r).and_then(|m| m.get(j)).copied().unwrap_or(false) {
                c.rect(x + 1, y + 1, cw - 2, ch - 2, BLACK);
                c.rect(x + 2, y + 2, cw - 4, ch - 4, BLACK);
            }
            let s = if v.is_finite() {
                format!("{v:.2}")
            } else {
                "-".into()
            };
            c.text(
                x + cw / 2 - Canvas::text_width(&s, 1) / 2,
                y + 11,
                &s,
                1,
                BLACK,
            );
        }
    }
    c.to_png()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_map_renders_png() {
        let g = Grid::new(0.0, 0.0, 100.0, 20, 10).unwrap();
        let v: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let png = grid_map(
            &g,
            &v,
            &MapOptions {
                title: vec!["t".into()],
                legend: "per km2".into(),
                scale: auto_scale(&v, true),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(grid_map(&g, &v[..10], &MapOptions::default()).is_err());
        let bins: Vec<f64> = (0..200).map(|i| (i % 7) as f64 - 3.0).collect();
        let png = grid_map(
            &g,
            &bins,
            &MapOptions {
                scale: ColourScale::GiBins,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn plots_render_and_survive_degenerate_input() {
        let s = vec![Series {
            label: "a".into(),
            points: vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)],
            markers: true,
        }];
        assert!(line_plot(&s, &PlotOptions::default()).is_ok());
        assert!(line_plot(&[], &PlotOptions::default()).is_ok());
        assert!(bar_plot(&[("x".into(), 0.0)], &PlotOptions::default()).is_ok());
        let t = heat_table(
            &[vec![1.0, f64::NAN]],
            &[vec![true, false]],
            &["r".into()],
            &["a".into(), "b".into()],
            1.0,
            true,
            &[],
            "",
        )
        .unwrap();
        let row = [vec![2.0, 0.5, 0.0]];
        let labels = ["a".to_string(), "b".into(), "c".into()];
        assert!(heat_table(&row, &[], &["r".into()], &labels, 1.0, true, &[], "").is_ok());
        assert!(heat_table(&row, &[], &["r".into()], &labels, 0.0, true, &[], "").is_err());
        assert_eq!(&t[1..4], b"PNG");
    }

    fn painted(c: &Canvas, col: Rgba) -> usize {
        c.px.chunks_exact(4).filter(|p| *p == col).count()
    }

    #[test]
    fn fill_polygon_even_odd_with_hole() {
        let mut c = Canvas::new(20, 20);
        let ext = vec![(2.0, 2.0), (12.0, 2.0), (12.0, 12.0), (2.0, 12.0)];
        let hole = vec![(5.0, 5.0), (9.0, 5.0), (9.0, 9.0), (5.0, 9.0), (5.0, 5.0)];
        c.fill_polygon(&[ext, hole], BLACK);
        // 10×10 pixel centres inside the square, 4×4 inside the hole
        assert_eq!(painted(&c, BLACK), 100 - 16);
        assert_eq!(&c.px[(3 * 20 + 3) * 4..(3 * 20 + 3) * 4 + 4], &BLACK);
        assert_eq!(&c.px[(6 * 20 + 6) * 4..(6 * 20 + 6) * 4 + 4], &WHITE);
        // a polygon partly off the canvas and a degenerate one do not panic
        c.fill_polygon(&[vec![(-5.0, -5.0), (30.0, -5.0), (30.0, 1.0)]], GREY);
        c.fill_polygon(&[vec![(f64::NAN, 1.0)]], GREY);
        c.fill_polygon(&[], GREY);
    }

    #[test]
    fn feature_map_fills_each_feature_in_its_colour() {
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
        let red: Rgba = [200, 0, 0, 255];
        let blue: Rgba = [0, 0, 200, 255];
        let green: Rgba = [0, 200, 0, 255];
        let opts = MapOptions {
            scale: ColourScale::Categories(vec![
                (red, "a".into()),
                (blue, "b".into()),
                (green, "c".into()),
            ]),
            size: 200,
            ..Default::default()
        };
        let geoms = vec![sq(0.0), sq(100.0), Geometry::Point(Point::new(50.0, 150.0))];
        let c = feature_canvas(&geoms, &[0.0, 1.0, 2.0], &opts).unwrap();
        // two equal squares: equal areas (± outline pixels), legend swatches 14×16 each
        let (r, b) = (painted(&c, red), painted(&c, blue));
        assert!(r > 5000 && b > 5000, "{r} {b}");
        assert!((r as f64 - b as f64).abs() / (r as f64) < 0.05, "{r} {b}");
        assert!(painted(&c, green) > 224 && painted(&c, green) < 224 + 100);
        let png = feature_map(&geoms, &[0.0, f64::NAN, 2.0], &opts).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(feature_map(&geoms, &[0.0], &opts).is_err());
        assert!(feature_map(&[], &[], &opts).is_err());
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), [68, 1, 84, 255]);
        assert_eq!(viridis(1.0), [253, 231, 37, 255]);
        assert_eq!(viridis(f64::NAN), [68, 1, 84, 255]);
    }
}
