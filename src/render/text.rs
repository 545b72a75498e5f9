//! Text layout with the bundled font: widths from the font's glyph advances, greedy
//! word wrapping, so that no label is ever cut.
//!
//! The font is DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`),
//! compiled into the binary: figures look the same on every machine and no system
//! font is read.

use std::sync::OnceLock;

/// DejaVu Sans (regular).
pub const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
/// The family name written into SVG (with fallbacks of similar width for viewers
/// without it).
pub const FONT_FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

fn face(bold: bool) -> Option<&'static ttf_parser::Face<'static>> {
    static REGULAR: OnceLock<Option<ttf_parser::Face<'static>>> = OnceLock::new();
    static BOLD: OnceLock<Option<ttf_parser::Face<'static>>> = OnceLock::new();
    let (cell, bytes) = if bold {
        (&BOLD, FONT_BOLD)
    } else {
        (&REGULAR, FONT_REGULAR)
    };
    cell.get_or_init(|| ttf_parser::Face::parse(bytes, 0).ok())
        .as_ref()
}

/// Width in pixels of `s` set at `size` px (sum of glyph advances; characters the
/// font lacks count as the width of "?"). Kerning is not applied, so this is an
/// upper bound of the shaped width for DejaVu Sans, whose kerning pairs tighten.
pub fn text_width(s: &str, size: f64, bold: bool) -> f64 {
    let Some(f) = face(bold) else {
        // unreachable with the bundled font; a generous estimate keeps layout safe
        return s.chars().count() as f64 * size * 0.7;
    };
    let upem = f.units_per_em() as f64;
    let fallback = f
        .glyph_index('?')
        .and_then(|g| f.glyph_hor_advance(g))
        .unwrap_or(f.units_per_em() / 2) as f64;
    let units: f64 = s
        .chars()
        .map(|c| {
            f.glyph_index(c)
                .and_then(|g| f.glyph_hor_advance(g))
                .map_or(fallback, |a| a as f64)
        })
        .sum();
    units * size / upem
}

/// `s` broken into lines no wider than `max_w` at `size` px: greedy on spaces; a
/// word wider than a whole line is broken between characters. Empty input gives no
/// lines; every character of `s` other than the breaking spaces is kept.
pub fn wrap(s: &str, size: f64, bold: bool, max_w: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if text_width(&cand, size, bold) <= max_w {
            cur = cand;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        if text_width(word, size, bold) <= max_w {
            cur = word.to_string();
            continue;
        }
        // a word longer than a line: break between characters
        for ch in word.chars() {
            let mut next = cur.clone();
            next.push(ch);
            if !cur.is_empty() && text_width(&next, size, bold) > max_w {
                lines.push(std::mem::replace(&mut cur, ch.to_string()));
            } else {
                cur = next;
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Line height (baseline to baseline) of text set at `size` px.
pub fn line_height(size: f64) -> f64 {
    (size * 1.3).ceil()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_width_grows_with_text_and_size() {
        let a = text_width("hot spot", 12.0, false);
        assert!(a > 30.0 && a < 80.0, "{a}");
        assert!(text_width("hot spots", 12.0, false) > a);
        assert!((text_width("hot spot", 24.0, false) - 2.0 * a).abs() < 1e-9);
        assert!(text_width("hot spot", 12.0, true) > a);
        assert_eq!(text_width("", 12.0, false), 0.0);
        // a character outside the font is measured, not dropped
        assert!(text_width("\u{10FFFD}", 12.0, false) > 0.0);
    }

    #[test]
    fn wrap_long_label_stays_within_width() {
        let s = "incidents per 100 m cell, intensifying cold spot, promap risk (weighted recency)";
        for w in [60.0, 120.0, 200.0] {
            let lines = wrap(s, 12.0, false, w);
            assert!(lines.len() > 1);
            for l in &lines {
                assert!(text_width(l, 12.0, false) <= w, "{l:?} wider than {w}");
            }
            // nothing is lost but the breaking spaces
            let joined: String = lines.concat().split_whitespace().collect();
            let orig: String = s.split_whitespace().collect();
            assert_eq!(joined, orig);
        }
    }

    #[test]
    fn wrap_breaks_a_word_longer_than_the_line() {
        let lines = wrap("counterfactual", 12.0, false, 30.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.concat(), "counterfactual");
        for l in &lines {
            assert!(text_width(l, 12.0, false) <= 30.0 || l.chars().count() == 1);
        }
        assert!(wrap("", 12.0, false, 30.0).is_empty());
        assert_eq!(wrap("short", 12.0, false, 300.0), vec!["short".to_string()]);
    }
}
