//! Charts: x/y series ([`line_plot_scene`]) and bars ([`bar_plot_scene`]) with axes,
//! ticks, a legend beside the plot and titles that wrap.

use super::furniture::{fmt_num, text_block, Style};
use super::palette::{Rgba, BLACK, DARK, PALETTE};
use super::scene::{Anchor, Item, Scene, Stroke, Text};
use super::text::text_width;

/// One series of a line plot.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points (x, y); non-finite points break the line.
    pub points: Vec<(f64, f64)>,
    /// Draw markers at points.
    pub markers: bool,
}

/// Options of a line plot / bar plot.
#[derive(Debug, Clone, Default)]
pub struct PlotOptions {
    /// Title, subtitle, then footnote lines.
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

pub(crate) fn nice_step(range: f64, target: usize) -> f64 {
    let raw = (range / target.max(1) as f64).max(1e-12);
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

struct Frame {
    left: f64,
    top: f64,
    w: f64,
    h: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.left + (x - self.x0) / (self.x1 - self.x0) * self.w,
            self.top + (1.0 - (y - self.y0) / (self.y1 - self.y0)) * self.h,
        )
    }
}

fn text(x: f64, y: f64, s: &str, size: f64, anchor: Anchor, colour: Rgba) -> Item {
    Item::Text(Text {
        x,
        y,
        text: s.to_string(),
        size,
        bold: false,
        anchor,
        colour,
        angle: 0.0,
    })
}

fn line(a: (f64, f64), b: (f64, f64), stroke: Stroke) -> Item {
    Item::Path {
        parts: vec![vec![a, b]],
        closed: false,
        fill: None,
        stroke: Some(stroke),
    }
}

/// Title and subtitle at the top; returns the y below them.
fn headings(s: &mut Scene, lines: &[String], style: &Style) -> f64 {
    let inner = s.width - 40.0;
    let (title, sub, _) = Style {
        title: None,
        ..style.clone()
    }
    .headings(lines);
    let items = s.layer("title");
    let y = text_block(items, 20.0, 16.0, &title, 18.0, true, BLACK, inner);
    text_block(items, 20.0, y + 2.0, &sub, 13.0, false, DARK, inner)
}

/// Footnotes (technical lines beyond the subtitle, then the version) from `y`; sets
/// the page height.
fn notes(s: &mut Scene, lines: &[String], y: f64, style: &Style) {
    let inner = s.width - 40.0;
    let items = s.layer("notes");
    let mut y = y;
    for n in style.notes(lines) {
        y = text_block(items, 20.0, y, &n, 11.0, false, DARK, inner);
    }
    s.height = (y + 16.0).ceil();
}

/// Frame, grid lines, ticks and axis labels.
fn axes(s: &mut Scene, f: &Frame, o: &PlotOptions, x_ticks: bool) {
    let items = s.layer("axes");
    let ys = nice_step(f.y1 - f.y0, 6);
    let mut v = (f.y0 / ys).ceil() * ys;
    while v <= f.y1 + 1e-9 * ys {
        let (_, y) = f.px(f.x0, v);
        items.push(line(
            (f.left, y),
            (f.left + f.w, y),
            Stroke::solid([225, 225, 225, 255], 1.0),
        ));
        items.push(line(
            (f.left - 4.0, y),
            (f.left, y),
            Stroke::solid(BLACK, 1.0),
        ));
        items.push(text(
            f.left - 7.0,
            y + 4.0,
            &fmt_num(v),
            11.0,
            Anchor::End,
            BLACK,
        ));
        v += ys;
    }
    if x_ticks {
        let xs = nice_step(f.x1 - f.x0, 8);
        let mut v = (f.x0 / xs).ceil() * xs;
        while v <= f.x1 + 1e-9 * xs {
            let (x, _) = f.px(v, f.y0);
            items.push(line(
                (x, f.top + f.h),
                (x, f.top + f.h + 4.0),
                Stroke::solid(BLACK, 1.0),
            ));
            items.push(text(
                x,
                f.top + f.h + 17.0,
                &fmt_num(v),
                11.0,
                Anchor::Middle,
                BLACK,
            ));
            v += xs;
        }
    }
    items.push(Item::Rect {
        x: f.left,
        y: f.top,
        w: f.w,
        h: f.h,
        fill: None,
        stroke: Some(Stroke::solid(BLACK, 1.0)),
    });
    items.push(text(
        f.left + f.w / 2.0,
        f.top + f.h + 36.0,
        &o.x_label,
        12.0,
        Anchor::Middle,
        BLACK,
    ));
    items.push(Item::Text(Text {
        x: 18.0,
        y: f.top + f.h / 2.0,
        text: o.y_label.clone(),
        size: 12.0,
        bold: false,
        anchor: Anchor::Middle,
        colour: BLACK,
        angle: -90.0,
    }));
    for (x, label) in &o.vlines {
        if *x >= f.x0 && *x <= f.x1 {
            let (px, _) = f.px(*x, f.y0);
            items.push(Item::Path {
                parts: vec![vec![(px, f.top), (px, f.top + f.h)]],
                closed: false,
                fill: None,
                stroke: Some(Stroke {
                    colour: [120, 120, 120, 255],
                    width: 1.0,
                    dash: Some((4.0, 4.0)),
                }),
            });
            items.push(text(
                px + 4.0,
                f.top + 14.0,
                label,
                11.0,
                Anchor::Start,
                DARK,
            ));
        }
    }
}

/// x/y series as a line plot (legend on the right, labels wrapped).
pub fn line_plot_scene(series: &[Series], o: &PlotOptions, style: &Style) -> Scene {
    let mut s = Scene::new(900.0, 0.0);
    let top = headings(&mut s, &o.title, style) + 14.0;
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
    let f = Frame {
        left: 80.0,
        top,
        w: 900.0 - 80.0 - 230.0,
        h: 420.0,
        x0,
        x1,
        y0,
        y1,
    };
    axes(&mut s, &f, o, true);
    let mut ly = f.top;
    let lx = f.left + f.w + 15.0;
    for (k, se) in series.iter().enumerate() {
        let col = PALETTE[k % PALETTE.len()];
        let mut parts: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        let mut marks = Vec::new();
        for &(x, y) in &se.points {
            if !(x.is_finite() && y.is_finite()) {
                parts.push(Vec::new());
                continue;
            }
            let p = f.px(x, y);
            if let Some(last) = parts.last_mut() {
                last.push(p);
            }
            if se.markers {
                marks.push(Item::Circle {
                    cx: p.0,
                    cy: p.1,
                    r: 3.0,
                    fill: col,
                    stroke: None,
                });
            }
        }
        parts.retain(|p| p.len() > 1);
        let items = s.layer("series");
        if !parts.is_empty() {
            items.push(Item::Path {
                parts,
                closed: false,
                fill: None,
                stroke: Some(Stroke::solid(col, 2.0)),
            });
        }
        items.extend(marks);
        let legend = s.layer("legend");
        legend.push(Item::Rect {
            x: lx,
            y: ly + 5.0,
            w: 18.0,
            h: 4.0,
            fill: Some(col),
            stroke: None,
        });
        ly = text_block(
            legend,
            lx + 25.0,
            ly,
            &se.label,
            12.0,
            false,
            BLACK,
            900.0 - lx - 25.0 - 15.0,
        ) + 4.0;
    }
    notes(&mut s, &o.title, (f.top + f.h + 50.0).max(ly + 10.0), style);
    s
}

/// Bars (e.g. a histogram): `bars` = (label, value). Labels are thinned to fit.
pub fn bar_plot_scene(bars: &[(String, f64)], o: &PlotOptions, style: &Style) -> Scene {
    let mut s = Scene::new(900.0, 0.0);
    let top = headings(&mut s, &o.title, style) + 14.0;
    let ymax = bars
        .iter()
        .map(|b| b.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-12)
        * 1.08;
    let f = Frame {
        left: 80.0,
        top,
        w: 900.0 - 80.0 - 30.0,
        h: 400.0,
        x0: 0.0,
        x1: bars.len().max(1) as f64,
        y0: 0.0,
        y1: ymax,
    };
    axes(&mut s, &f, o, false);
    // every k-th label so that labels do not overlap
    let widest = bars
        .iter()
        .map(|b| text_width(&b.0, 11.0, false))
        .fold(0.0, f64::max);
    let slot = f.w / bars.len().max(1) as f64;
    let every = ((widest + 6.0) / slot).ceil().max(1.0) as usize;
    let items = s.layer("bars");
    for (k, (label, val)) in bars.iter().enumerate() {
        let (xa, ya) = f.px(k as f64 + 0.1, val.max(0.0));
        let (xb, yb) = f.px(k as f64 + 0.9, 0.0);
        items.push(Item::Rect {
            x: xa,
            y: ya,
            w: (xb - xa).max(1.0),
            h: (yb - ya).max(0.0),
            fill: Some(PALETTE[0]),
            stroke: None,
        });
        if k % every == 0 {
            let (xm, _) = f.px(k as f64 + 0.5, 0.0);
            items.push(text(
                xm,
                f.top + f.h + 16.0,
                label,
                11.0,
                Anchor::Middle,
                BLACK,
            ));
        }
    }
    notes(&mut s, &o.title, f.top + f.h + 50.0, style);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_plot_scene_survives_degenerate_input() {
        let se = vec![Series {
            label: "a".into(),
            points: vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)],
            markers: true,
        }];
        let st = Style::default();
        let s = line_plot_scene(&se, &PlotOptions::default(), &st);
        assert!(s.height > 400.0);
        assert!(line_plot_scene(&[], &PlotOptions::default(), &st)
            .to_png()
            .is_ok());
        let b = bar_plot_scene(&[("x".into(), 0.0)], &PlotOptions::default(), &st);
        assert!(b.to_svg().is_ok());
    }

    #[test]
    fn bar_plot_scene_thins_labels_that_would_overlap() {
        let bars: Vec<(String, f64)> = (0..200)
            .map(|i| (format!("2024-{i:03}"), i as f64))
            .collect();
        let s = bar_plot_scene(&bars, &PlotOptions::default(), &Style::default());
        let labels: Vec<&Text> = s
            .layers
            .iter()
            .filter(|l| l.id == "bars")
            .flat_map(|l| &l.items)
            .filter_map(|i| if let Item::Text(t) = i { Some(t) } else { None })
            .collect();
        assert!(labels.len() < 200 && labels.len() > 5);
        for w in labels.windows(2) {
            let half = text_width(&w[0].text, 11.0, false) / 2.0
                + text_width(&w[1].text, 11.0, false) / 2.0;
            assert!(w[1].x - w[0].x >= half, "labels overlap");
        }
    }
}
