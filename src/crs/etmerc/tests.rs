//! Parity of the prepared UTM projector ([`super::etmerc`]) with the general engine
//! (`proj4rs`, the code path used before it), over the zones' area and beyond.
use super::*;

/// A small deterministic generator (xorshift64*): uniform in [0, 1).
struct Uniform(u64);

impl Uniform {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` lon/lat points within `spread` degrees of the central meridian of `code`'s
/// zone, latitudes in [−80°, 84°] (the UTM area and the other hemisphere).
fn points(code: u32, spread: f64, n: usize, seed: u64) -> Vec<[f64; 2]> {
    let cm = Crs::Epsg { code }.utm_central_meridian().unwrap();
    let mut u = Uniform(seed);
    (0..n)
        .map(|_| [cm + spread * (2. * u.next() - 1.), -80. + 164. * u.next()])
        .collect()
}

fn general_all(r: &Reprojector, pts: &[[f64; 2]]) -> Vec<[f64; 2]> {
    pts.iter()
        .map(|p| {
            let (a, b) = r.apply(p[0], p[1]).unwrap();
            [a, b]
        })
        .collect()
}

#[test]
fn etmerc_forward_is_bit_identical_to_general_engine() {
    // 10^5 points: zone 30N (Great Britain's), 56S, and the edge zones 1 and 60
    for (code, n) in [
        (32630, 40_000),
        (32756, 30_000),
        (32601, 15_000),
        (32660, 15_000),
    ] {
        let to = Crs::Epsg { code };
        let fast = Reprojector::new(&WGS84, &to).unwrap();
        let general = Reprojector::new_general(&WGS84, &to).unwrap();
        assert!(matches!(fast.engine, Engine::Utm { inverse: false, .. }));
        assert!(matches!(general.engine, Engine::Proj4 { .. }));
        // up to 9° from the central meridian: data spilling over the zone edges
        let lonlat = points(code, 9.0, n, u64::from(code));
        let want = general_all(&general, &lonlat);
        let mut got = lonlat.clone();
        assert!(fast.apply_all(&mut got).is_empty());
        let mut max = [0f64; 2];
        for (g, w) in got.iter().zip(&want) {
            max[0] = max[0].max((g[0] - w[0]).abs());
            max[1] = max[1].max((g[1] - w[1]).abs());
            assert_eq!(
                (g[0].to_bits(), g[1].to_bits()),
                (w[0].to_bits(), w[1].to_bits()),
                "{code}: {g:?} vs {w:?}"
            );
        }
        assert!(max[0] <= 1e-9 && max[1] <= 1e-9, "{code}: {max:?}");
        // one point at a time gives the same
        let (x, y) = fast.apply(lonlat[7][0], lonlat[7][1]).unwrap();
        assert_eq!((x, y), (got[7][0], got[7][1]));
    }
}

#[test]
fn etmerc_inverse_is_bit_identical_to_general_engine_and_round_trips() {
    for (code, n) in [
        (32630, 40_000),
        (32756, 30_000),
        (32601, 15_000),
        (32660, 15_000),
    ] {
        let utm = Crs::Epsg { code };
        let fwd = Reprojector::new_general(&WGS84, &utm).unwrap();
        let fast = Reprojector::new(&utm, &WGS84).unwrap();
        let general = Reprojector::new_general(&utm, &WGS84).unwrap();
        assert!(matches!(fast.engine, Engine::Utm { inverse: true, .. }));
        let lonlat = points(code, 9.0, n, 7 * u64::from(code));
        let xy = general_all(&fwd, &lonlat);
        let want = general_all(&general, &xy);
        let mut got = xy.clone();
        assert!(fast.apply_all(&mut got).is_empty());
        let (mut max, mut trip) = (0f64, 0f64);
        for ((g, w), p) in got.iter().zip(&want).zip(&lonlat) {
            assert_eq!(
                (g[0].to_bits(), g[1].to_bits()),
                (w[0].to_bits(), w[1].to_bits()),
                "{code}: {g:?} vs {w:?}"
            );
            max = max.max((g[0] - w[0]).abs()).max((g[1] - w[1]).abs());
            // longitudes are returned in [-180, 180]: zones 1 and 60 wrap
            let dlon = (g[0] - p[0] + 540.0).rem_euclid(360.0) - 180.0;
            trip = trip.max(dlon.abs()).max((g[1] - p[1]).abs());
        }
        assert!(max <= 1e-12, "{code}: inverse differs by {max:e} degrees");
        assert!(trip <= 1e-12, "{code}: round trip off by {trip:e} degrees");
    }
}

#[test]
fn etmerc_far_from_the_zone_matches_general_engine() {
    // up to 60° from the central meridian (large series corrections)
    let utm = Crs::Epsg { code: 32630 };
    let (fwd_fast, fwd_gen) = (
        Reprojector::new(&WGS84, &utm).unwrap(),
        Reprojector::new_general(&WGS84, &utm).unwrap(),
    );
    let (inv_fast, inv_gen) = (
        Reprojector::new(&utm, &WGS84).unwrap(),
        Reprojector::new_general(&utm, &WGS84).unwrap(),
    );
    for p in points(32630, 60.0, 2_000, 11) {
        let a = fwd_fast.apply(p[0], p[1]).unwrap();
        let b = fwd_gen.apply(p[0], p[1]).unwrap();
        assert_eq!(a, b);
        let c = inv_fast.apply(a.0, a.1).unwrap();
        let d = inv_gen.apply(a.0, a.1).unwrap();
        assert_eq!(c, d, "{p:?}");
    }
}

#[test]
fn etmerc_rejects_what_the_general_engine_rejects() {
    let utm = Crs::Epsg { code: 32630 };
    let fast = Reprojector::new(&WGS84, &utm).unwrap();
    let general = Reprojector::new_general(&WGS84, &utm).unwrap();
    let bad = [
        [0.0, 90.5],
        [0.0, -91.0],
        [800.0, 10.0],
        [f64::NAN, 50.0],
        [-1.0, f64::INFINITY],
        [87.0, 0.0],
    ];
    for p in bad {
        assert!(general.apply(p[0], p[1]).is_err(), "{p:?}");
        assert!(fast.apply(p[0], p[1]).is_err(), "{p:?}");
    }
    // the poles themselves and a point on the central meridian have images
    for p in [[-3.0, 90.0], [-3.0, -90.0], [-3.0, 0.0], [357.0, 45.0]] {
        assert_eq!(
            fast.apply(p[0], p[1]).unwrap(),
            general.apply(p[0], p[1]).unwrap()
        );
    }
    // failures are reported by index, the other points projected
    let mut pts = vec![[-1.5, 52.0], [0.0, 95.0], [-2.0, 53.0], [f64::NAN, 0.0]];
    assert_eq!(fast.apply_all(&mut pts), vec![1, 3]);
    assert_eq!(pts[1], [0.0, 95.0]);
    let (x, y) = general.apply(-2.0, 53.0).unwrap();
    assert_eq!(pts[2], [x, y]);
    // inverse: beyond 150° of arc, and NaN
    let inv = Reprojector::new(&utm, &WGS84).unwrap();
    let inv_gen = Reprojector::new_general(&utm, &WGS84).unwrap();
    for p in [[2.0e7, 0.0], [f64::NAN, 5.0e6]] {
        assert!(inv.apply(p[0], p[1]).is_err() && inv_gen.apply(p[0], p[1]).is_err());
    }
}

#[test]
fn etmerc_only_for_wgs84_and_its_utm_zones() {
    let utm = Crs::Epsg { code: 32630 };
    let other = |from: &Crs, to: &Crs| {
        !matches!(
            Reprojector::new(from, to).unwrap().engine,
            Engine::Utm { .. }
        )
    };
    // NAD83 / UTM 16N, ETRS89 / UTM 30N, British National Grid, UTM to UTM
    assert!(other(&WGS84, &Crs::Epsg { code: 26916 }));
    assert!(other(&WGS84, &Crs::Epsg { code: 25830 }));
    assert!(other(&WGS84, &Crs::Epsg { code: 27700 }));
    assert!(other(&utm, &Crs::Epsg { code: 32631 }));
    assert!(other(&Crs::Epsg { code: 2223 }, &utm));
}
