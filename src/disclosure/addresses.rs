//! Synthetic address layers and street-segment anchors, for the demo city and tests.
//!
//! Real public output needs a real address layer (postal addresses, building
//! centroids). To test the anonymous-map-point rule on the demo city without one,
//! [`synthetic_addresses`] places houses along every street at a regular spacing with
//! a seeded jitter, set back from the centre line on both sides; [`segment_midpoints`]
//! gives the candidate anchors (midpoint by length of every street line).

use crate::error::{Error, Result};
use crate::layer::Layer;
use geo::{Geometry, Line, LineString};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn lines_of(g: &Geometry<f64>) -> Vec<&LineString<f64>> {
    match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => Vec::new(),
    }
}

/// The midpoint (by length) of every line of a street layer, in feature order
/// (a multi-line feature gives one point per part). Zero-length lines give their
/// first point.
pub fn segment_midpoints(streets: &Layer) -> Vec<[f64; 2]> {
    let mut out = Vec::new();
    for g in &streets.geometries {
        for l in lines_of(g) {
            let segs: Vec<Line<f64>> = l.lines().collect();
            let total: f64 = segs.iter().map(|s| s.dx().hypot(s.dy())).sum();
            let Some(first) = l.0.first() else { continue };
            let mut left = total / 2.0;
            let mut p = [first.x, first.y];
            for s in &segs {
                let len = s.dx().hypot(s.dy());
                if len > 0.0 && left <= len {
                    let t = left / len;
                    p = [s.start.x + t * s.dx(), s.start.y + t * s.dy()];
                    break;
                }
                left -= len;
            }
            out.push(p);
        }
    }
    out
}

/// Houses along both sides of every street line: one every `spacing` metres (jittered
/// by ±25 % of the spacing), `setback` metres from the centre line, from a seeded
/// stream (same seed, same layer).
pub fn synthetic_addresses(
    streets: &Layer,
    spacing: f64,
    setback: f64,
    seed: u64,
) -> Result<Vec<[f64; 2]>> {
    if !(spacing.is_finite() && spacing > 0.0) {
        return Err(Error::invalid(
            "synthetic addresses",
            "spacing",
            spacing,
            "must be positive (m)",
        ));
    }
    if !(setback.is_finite() && setback >= 0.0) {
        return Err(Error::invalid(
            "synthetic addresses",
            "setback",
            setback,
            "must be non-negative (m)",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for g in &streets.geometries {
        for l in lines_of(g) {
            for s in l.lines() {
                let len = s.dx().hypot(s.dy());
                if len <= 0.0 {
                    continue;
                }
                let (ux, uy) = (s.dx() / len, s.dy() / len);
                let mut d = spacing / 2.0;
                while d < len {
                    for side in [-1.0, 1.0] {
                        let dd = (d + rng.random_range(-0.25..0.25) * spacing).clamp(0.0, len);
                        out.push([
                            s.start.x + ux * dd - side * uy * setback,
                            s.start.y + uy * dd + side * ux * setback,
                        ]);
                    }
                    d += spacing;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::disclosure::{anonymous_map_points, AnonymousMapParams, Scanner};

    #[test]
    fn segment_midpoints_by_length() {
        let mut streets = crate::demo::generate(&DemoParams::new(1).incidents(200).size(1_000.0))
            .unwrap()
            .streets;
        streets.geometries = vec![Geometry::LineString(LineString::from(vec![
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 30.0),
        ]))];
        assert_eq!(segment_midpoints(&streets), vec![[10.0, 10.0]]);
        let a = synthetic_addresses(&streets, 10.0, 5.0, 1).unwrap();
        assert_eq!(a.len(), 2 * (1 + 3));
        assert_eq!(a, synthetic_addresses(&streets, 10.0, 5.0, 1).unwrap());
        assert!(synthetic_addresses(&streets, 0.0, 5.0, 1).is_err());
    }

    /// The k-anonymity test on the demo city: every published point covers at
    /// least k synthetic addresses, and a CSV of the published points holds no incident
    /// coordinate (to 1 m).
    #[test]
    fn synthetic_addresses_demo_city_k_anonymous() {
        let city = generate(&DemoParams::new(7).incidents(2_000).size(2_000.0)).unwrap();
        let addr = synthetic_addresses(&city.streets, 15.0, 8.0, 7).unwrap();
        let anchors = segment_midpoints(&city.streets);
        assert!(
            addr.len() > 1_000 && anchors.len() > 20,
            "{} {}",
            addr.len(),
            anchors.len()
        );
        for k in [3usize, 8] {
            let m = anonymous_map_points(&addr, &anchors, &AnonymousMapParams::new(k)).unwrap();
            assert!(m.addresses.iter().all(|&n| n >= k));
            let s = m.snap(&city.incidents.xy).unwrap();
            assert!(s.target.iter().all(|&t| m.addresses[t] >= k));
            assert!(s.max_displacement_m.unwrap() > 0.0);
            let mut csv = String::from("x,y\n");
            for p in &s.points {
                csv.push_str(&format!("{:.2},{:.2}\n", p[0], p[1]));
            }
            // Some demo incidents lie on a segment midpoint: without the allow-list the
            // scanner reports them (the published point is the anchor itself).
            let scanner = Scanner::new(&city.incidents.xy, &[], 1.0).unwrap();
            if k == 3 {
                assert!(!scanner.scan(csv.as_bytes()).is_empty());
            }
            let found = scanner.allow(&m.points).scan(csv.as_bytes());
            assert!(
                found.is_empty(),
                "k = {k}: {:?}",
                &found[..found.len().min(3)]
            );
        }
    }
}
