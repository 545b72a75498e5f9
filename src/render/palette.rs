//! Colours and colour scales: viridis (sequential), the Gi* confidence bins on a
//! colour-blind-safe blue–orange diverging scheme (or ArcGIS's hot/cold), and the
//! Okabe–Ito series colours.

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
/// Dark grey (secondary text).
pub const DARK: Rgba = [70, 70, 70, 255];

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

/// Viridis colour for t in [0, 1] (non-finite t: the low end).
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

/// Gi* confidence bins −3…+3 (99/95/90 % cold, not significant, 90/95/99 % hot) on a
/// colour-blind-safe blue–orange diverging scheme (ColorBrewer PuOr's orange arm with
/// its blue counterpart, as in the "BlueOrange" maps of Light & Bartlein 2004, *The End
/// of the Rainbow?*): readable for deuteranopes and protanopes, and in greyscale the
/// strong classes stay darker than the weak ones.
pub const GI_BINS: [(i8, Rgba, &str); 7] = [
    (-3, [33, 102, 172, 255], "cold spot, 99% confidence"),
    (-2, [103, 169, 207, 255], "cold spot, 95% confidence"),
    (-1, [209, 229, 240, 255], "cold spot, 90% confidence"),
    (0, [247, 247, 247, 255], "not significant"),
    (1, [254, 224, 182, 255], "hot spot, 90% confidence"),
    (2, [241, 163, 64, 255], "hot spot, 95% confidence"),
    (3, [179, 88, 6, 255], "hot spot, 99% confidence"),
];

/// ArcGIS-style Gi* bins (red hot, blue cold), kept for analysts who expect them
/// (`Palette::Arcgis`).
pub const GI_BINS_ARCGIS: [(i8, Rgba, &str); 7] = [
    (-3, [69, 117, 181, 255], "cold spot, 99% confidence"),
    (-2, [132, 158, 186, 255], "cold spot, 95% confidence"),
    (-1, [192, 204, 190, 255], "cold spot, 90% confidence"),
    (0, [255, 255, 191, 255], "not significant"),
    (1, [250, 185, 132, 255], "hot spot, 90% confidence"),
    (2, [237, 117, 81, 255], "hot spot, 95% confidence"),
    (3, [214, 47, 39, 255], "hot spot, 99% confidence"),
];

/// The colour scheme of diverging (hot/cold) classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// Colour-blind-safe blue–orange ([`GI_BINS`]).
    #[default]
    BlueOrange,
    /// ArcGIS's red/blue hot-spot colours ([`GI_BINS_ARCGIS`]).
    Arcgis,
}

impl Palette {
    /// The Gi* bins of this palette.
    pub fn gi_bins(self) -> &'static [(i8, Rgba, &'static str); 7] {
        match self {
            Palette::BlueOrange => &GI_BINS,
            Palette::Arcgis => &GI_BINS_ARCGIS,
        }
    }
}

/// How values are coloured on a map.
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

/// Colour of `v` on `scale` (non-finite values: light grey, "no data").
pub fn scale_colour(scale: &ColourScale, palette: Palette, v: f64) -> Rgba {
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
        ColourScale::GiBins => palette
            .gi_bins()
            .iter()
            .find(|b| b.0 as f64 == v.round())
            .map(|b| b.1)
            .unwrap_or(LIGHT),
        ColourScale::Categories(cats) => {
            cats.get(v.max(0.0) as usize).map(|x| x.0).unwrap_or(LIGHT)
        }
    }
}

/// `#rrggbb`.
pub fn hex(c: Rgba) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), [68, 1, 84, 255]);
        assert_eq!(viridis(1.0), [253, 231, 37, 255]);
        assert_eq!(viridis(f64::NAN), [68, 1, 84, 255]);
    }

    #[test]
    fn scale_colour_gi_bins_by_palette() {
        let s = ColourScale::GiBins;
        assert_eq!(scale_colour(&s, Palette::BlueOrange, 3.0), GI_BINS[6].1);
        assert_eq!(scale_colour(&s, Palette::Arcgis, -3.0), GI_BINS_ARCGIS[0].1);
        assert_eq!(scale_colour(&s, Palette::Arcgis, f64::NAN), LIGHT);
        assert_eq!(hex([1, 2, 255, 255]), "#0102ff");
    }
}
