//! A labelled matrix (e.g. Knox ratios) coloured on a diverging scale.

use super::furniture::{text_block, Style};
use super::palette::{BLACK, DARK, GREY, LIGHT};
use super::scene::{Anchor, Item, Scene, Stroke, Text};
use super::text::text_width;
use crate::error::{Error, Result};

/// A labelled matrix (e.g. Knox ratios): drawn as PNG by [`heat_table`](crate::heat_table),
/// or written as PNG or SVG as a figure of a result.
#[derive(Debug, Clone)]
pub struct HeatTable {
    /// `values[row][col]`.
    pub values: Vec<Vec<f64>>,
    /// Cells outlined in bold.
    pub marked: Vec<Vec<bool>>,
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub cols: Vec<String>,
    /// Centre of the diverging colour scale.
    pub centre: f64,
    /// Deviation as `ln(v / centre)` (ratios).
    pub log_ratio: bool,
    /// Title lines.
    pub title: Vec<String>,
    /// Text of the top-left corner cell (axis names).
    pub corner: String,
}

/// A labelled matrix: `values[r][c]` coloured on a diverging scale around `centre`
/// (blue below, orange above, saturated at the largest deviation), the value printed
/// in each cell, and cells with `mark[r][c]` outlined in bold. Column widths follow
/// the widest label, so no label is cut.
///
/// With `log_ratio` (for ratios such as Knox ratios, `centre > 0`) the deviation is
/// `ln(v / centre)`, so 2 and 1/2 are equally far from 1; a ratio of 0 is full blue.
///
/// # Errors
/// [`Error::InvalidParam`] (`centre`) when `log_ratio` is asked with a centre that is
/// not positive.
pub fn heat_table_scene(h: &HeatTable, style: &Style) -> Result<Scene> {
    let (values, mark, row_labels, col_labels) =
        (&h.values[..], &h.marked[..], &h.rows[..], &h.cols[..]);
    let (centre, log_ratio, title, corner) =
        (h.centre, h.log_ratio, &h.title[..], h.corner.as_str());
    if log_ratio && !(centre > 0.0 && centre.is_finite()) {
        return Err(Error::invalid_param(
            "centre",
            centre,
            "a heat table's log-ratio scale needs a positive centre",
        ));
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
        .map(|s| text_width(s, 12.0, false))
        .fold(text_width(corner, 11.0, false), f64::max)
        + 30.0;
    let cw = col_labels
        .iter()
        .map(|s| text_width(s, 12.0, false) + 12.0)
        .fold(80.0, f64::max);
    let ch = 30.0;
    let width = (lw + cw * nc as f64 + 30.0).max(560.0);
    let mut s = Scene::new(width, 0.0);
    let inner = width - 40.0;
    let (t, sub, _) = Style {
        title: None,
        ..style.clone()
    }
    .headings(title);
    let items = s.layer("title");
    let mut y = text_block(items, 20.0, 16.0, &t, 18.0, true, BLACK, inner);
    y = text_block(items, 20.0, y + 2.0, &sub, 13.0, false, DARK, inner);
    let top = y + 30.0;
    let maxdev = values
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .map(|v| dev(*v).abs())
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9);
    let txt = |x: f64, y: f64, s: &str, anchor: Anchor, colour| {
        Item::Text(Text {
            x,
            y,
            text: s.to_string(),
            size: 12.0,
            bold: false,
            anchor,
            colour,
            angle: 0.0,
        })
    };
    let items = s.layer("table");
    items.push(Item::Text(Text {
        x: 20.0,
        y: top - 10.0,
        text: corner.to_string(),
        size: 11.0,
        bold: false,
        anchor: Anchor::Start,
        colour: DARK,
        angle: 0.0,
    }));
    for (j, l) in col_labels.iter().enumerate().take(nc) {
        items.push(txt(
            lw + cw * (j as f64 + 0.5),
            top - 10.0,
            l,
            Anchor::Middle,
            BLACK,
        ));
    }
    for (r, row_values) in values.iter().enumerate() {
        let label = row_labels.get(r).cloned().unwrap_or_default();
        items.push(txt(
            20.0,
            top + ch * r as f64 + 19.0,
            &label,
            Anchor::Start,
            BLACK,
        ));
        for (j, &v) in row_values.iter().enumerate().take(nc) {
            let col = if !v.is_finite() {
                LIGHT
            } else {
                let t = (dev(v) / maxdev).clamp(-1.0, 1.0);
                // white → orange (179, 88, 6) above, white → blue (33, 102, 172) below
                let mix = |a: f64, b: f64, t: f64| (a + (b - a) * t).round() as u8;
                if t >= 0.0 {
                    [
                        mix(255.0, 230.0, t),
                        mix(255.0, 130.0, t),
                        mix(255.0, 40.0, t),
                        255,
                    ]
                } else {
                    [
                        mix(255.0, 70.0, -t),
                        mix(255.0, 140.0, -t),
                        mix(255.0, 200.0, -t),
                        255,
                    ]
                }
            };
            let (x, y) = (lw + cw * j as f64, top + ch * r as f64);
            items.push(Item::Rect {
                x,
                y,
                w: cw,
                h: ch,
                fill: Some(col),
                stroke: Some(Stroke::solid(GREY, 0.8)),
            });
            if mark.get(r).and_then(|m| m.get(j)).copied().unwrap_or(false) {
                items.push(Item::Rect {
                    x: x + 1.5,
                    y: y + 1.5,
                    w: cw - 3.0,
                    h: ch - 3.0,
                    fill: None,
                    stroke: Some(Stroke::solid(BLACK, 2.5)),
                });
            }
            let label = if v.is_finite() {
                format!("{v:.2}")
            } else {
                "-".into()
            };
            items.push(txt(x + cw / 2.0, y + 19.0, &label, Anchor::Middle, BLACK));
        }
    }
    let mut y = top + ch * nr as f64 + 16.0;
    let items = s.layer("notes");
    for n in style.notes(title) {
        y = text_block(items, 20.0, y, &n, 11.0, false, DARK, inner);
    }
    s.height = (y + 16.0).ceil();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_table_scene_checks_centre_and_fits_labels() {
        let row = [vec![2.0, 0.5, 0.0]];
        let labels = [
            "0-100 m".to_string(),
            "100-200 m".into(),
            "a very long column label".into(),
        ];
        let st = Style::default();
        let table = |values: &[Vec<f64>],
                     marked: &[Vec<bool>],
                     rows: &[String],
                     cols: &[String],
                     centre: f64| HeatTable {
            values: values.to_vec(),
            marked: marked.to_vec(),
            rows: rows.to_vec(),
            cols: cols.to_vec(),
            centre,
            log_ratio: true,
            title: Vec::new(),
            corner: String::new(),
        };
        let s =
            heat_table_scene(&table(&row, &[], &["0-7 days".into()], &labels, 1.0), &st).unwrap();
        assert!(s.width >= 3.0 * text_width(&labels[2], 12.0, false));
        assert!(heat_table_scene(&table(&row, &[], &["r".into()], &labels, 0.0), &st).is_err());
        let png = heat_table_scene(
            &table(
                &[vec![1.0, f64::NAN]],
                &[vec![true, false]],
                &["r".into()],
                &labels[..2],
                1.0,
            ),
            &st,
        )
        .unwrap()
        .to_png()
        .unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
