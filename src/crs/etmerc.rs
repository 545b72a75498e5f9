//! A prepared WGS 84 / UTM projector: the extended transverse Mercator ("etmerc")
//! of Poder & Engsager, evaluated with every per-zone constant computed once.
//!
//! # Algorithm
//! The Poder/Engsager series as implemented by PROJ's `etmerc`/`utm` (and by the
//! `proj4rs` crate, which the general engine of [`Reprojector`](super::Reprojector)
//! uses): geodetic latitude → Gaussian (conformal) latitude by a 6th-order trigonometric
//! series in the third flattening *n*, the spherical transverse Mercator on the
//! conformal sphere, then a complex Clenshaw sum (6th order) to the ellipsoidal
//! transverse Mercator; the inverse runs the same steps backwards.
//!
//! * K. Poder & K. Engsager (1998), "Some conformal mappings and transformations for
//!   geodesy and topographic cartography", National Survey and Cadastre, Denmark;
//!   coefficients from K. Engsager & K. Poder (2007), ICC.
//! * C. F. F. Karney (2011), "Transverse Mercator with an accuracy of a few
//!   nanometers", J. Geodesy 85:475–485 (the same series, its error analysis and the
//!   Clenshaw summation).
//! * PROJ, `src/projections/tmerc.cpp` (`exact_e_fwd`, `exact_e_inv`); `proj4rs`
//!   0.3, `projections/etmerc.rs`.
//!
//! # Conventions
//! Longitude first, degrees in and out; metres with UTM false easting 500 000 m and
//! false northing 0 (north) or 10 000 000 m (south), scale 0.9996 on the central
//! meridian (the zone's centre, `6·zone − 183`°). The domain is the one of PROJ:
//! |latitude| ≤ 90° (+1e-12 rad), |longitude| ≤ 10 rad, and at most 150° of spherical
//! arc from the central meridian; outside it the result is NaN (the caller reports
//! the point as not transformable).
//!
//! # Exactness
//! Forward (lon/lat → metres, what the loader runs for every row) and inverse
//! (metres → lon/lat: lon/lat extents, outputs) perform the very floating-point
//! operations of `proj4rs`, in the same order, so their results are **bit-identical**
//! to the general engine (tested on 10^5 points per direction). The gain is that the
//! constants (series coefficients, quadrant length, zone meridian) are prepared once
//! and the generic pipeline (axis, units, datum, prime-meridian stages, one closure and
//! one `Result` each, per point) is skipped.
//!
//! Not done, on purpose: the corrections damped by the small series coefficients
//! could come from identities (sin 2ζ, cos 2ζ from sin ζ, cos ζ; sinh 2η, cosh 2η from
//! tan and hypot; the inverse from one `sin_cos` and one `exp` with the addition
//! formulas). That saves ~20 % of the forward and ~45 % of the inverse time, but
//! flips the last bits: forward |Δ| up to 1.9e-9 m (61 of 10^6 points above 1e-9 m),
//! inverse up to 7.5e-14°, enough to change the lon/lat box that `info.json` prints in
//! full precision (the demo snapshot).
use std::f64::consts::{FRAC_PI_2, PI, TAU};

/// Series order (as PROJ's `etmerc`).
const ORDER: usize = 6;
type Coeffs = [f64; ORDER];

/// PROJ's tolerance on |latitude| − 90° and on longitude wrapping (radians).
const EPS_12: f64 = 1e-12;
/// 150° of spherical arc in normalised easting: PROJ's domain limit.
const MAX_CE: f64 = 2.623395162778;
/// WGS 84 semi-major axis (metres) and inverse flattening.
const WGS84_A: f64 = 6_378_137.0;
const WGS84_RF: f64 = 298.257_223_563;

/// A WGS 84 / UTM zone with its constants prepared (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Etmerc {
    /// Central meridian (radians).
    lam0: f64,
    /// False easting and northing (metres).
    x0: f64,
    y0: f64,
    /// Semi-major axis and its reciprocal.
    a: f64,
    ra: f64,
    /// Meridian quadrant scaled by k0 (normalised, K&W (96)).
    qn: f64,
    /// Northing offset of the origin latitude (normalised).
    zb: f64,
    /// Gaussian → geodetic latitude (reversed: highest order first, as summed).
    cgb: Coeffs,
    /// Geodetic → Gaussian latitude.
    cbg: Coeffs,
    /// Ellipsoidal → spherical transverse Mercator.
    utg: Coeffs,
    /// Spherical → ellipsoidal transverse Mercator.
    gtu: Coeffs,
}

#[rustfmt::skip]
impl Etmerc {
    /// The WGS 84 / UTM zone `zone` (1–60), south (false northing 10 000 km) or north.
    /// The constants are computed by the expressions of `proj4rs` (`etmerc`/`utm`),
    /// in the same order, so they are the same doubles.
    pub(crate) fn utm(zone: u32, south: bool) -> Etmerc {
        let f = 1. / WGS84_RF;
        let k0 = 0.9996;
        let lam0 = ((zone as f64 - 1.) + 0.5) * PI / 30. - PI;
        // third flattening
        let n = f / (2. - f);
        let n2 = n * n;
        // cgb: Gaussian -> geodetic, KW p190-191 (61)-(62); cbg: geodetic -> Gaussian,
        // KW p186-187 (51)-(52); 6th degree, Engsager & Poder ICC2007
        let mut cgb: Coeffs = [
            n * ( 2. + n*(-2./3.0 + n*(-2. + n*(116./45.0 + n*(26./45.0 + n*(-2854./675.0 )))))),
            n2 * (7./3.0 + n*(-8./5.0 + n*(-227./45.0 + n*(2704./315.0 + n*(2323./945.0))))),
            n2 * n * (56./15.0 + n*(-136./35.0 + n*(-1262./105.0 + n*(73814./2835.0)))),
            n2 * n2 * (4279./630.0 + n*(-332./35.0 + n*(-399572./14175.0))),
            n2 * n2 * n * (4174./315.0 + n*(-144838./6237.0)),
            n2 * n2 * n2 * (601676./22275.0),
        ];
        let mut cbg: Coeffs = [
            n * (-2. + n*( 2./3.0 + n*( 4./3.0  + n*(-82./45.0 + n*(32./45.0 + n*(4642./4725.0)))))),
            n2 * (5./3.0 + n*(-16./15.0 + n*(-13./9.0  + n*(904./315.0 + n*(-1522./945.0))))),
            n2 * n * (-26./15.0 + n*(34./21.0 + n*(8./5.0 + n*(-12686./2835.0)))),
            n2 * n2 * (1237./630.0 + n*(-12./5.0 + n*(-24832./14175.0))),
            n2 * n2 * n * (-734./315.0 + n*(109598./31185.0)),
            n2 * n2 * n2 * (444337./155925.0),
        ];
        cgb.reverse();
        cbg.reverse();
        // normalised meridian quadrant, K&W p.50 (96), p.19 (38b), p.5 (2)
        let qn = k0 / (1. + n) * (1. + n2*(1./4.0 + n2*(1./64.0 + n2/256.0)));
        // utg: ell. N, E -> sph. N, E, KW p194 (65); gtu: sph. N, E -> ell. N, E, KW p196 (69)
        let mut utg: Coeffs = [
            n * (-0.5  + n*(2./3.0 + n*(-37./96.0 + n*(1./360.0 + n*(81./512.0 + n*(-96199./604800.0)))))),
            n2 * (-1./48.0 + n*(-1./15.0 + n*(437./1440.0 + n*(-46./105.0 + n*(1118711./3870720.0))))),
            n2 * n *(-17./480.0 + n*( 37./840.0 + n*(209./4480.0 + n*(-5569./90720.0)))),
            n2 * n2 *(-4397./161280.0 + n*(11./504.0 + n*( 830251./7257600.0))),
            n2 * n2 * n * (-4583./161280.0 + n*(108847./3991680.0)),
            n2 * n2 *n2 *(-20648693./638668800.0),
        ];
        let mut gtu: Coeffs = [
            n *( 0.5 + n*(-2./3.0 + n*(5./16.0 + n*(41./180.0 + n*(-127./288.0 + n*(7891./37800.0)))))),
            n2 * (13./48.0 + n*(-3./5.0 + n*(557./1440.0 + n*(281./630.0 + n*(-1983433./1935360.0))))),
            n2 * n * (61./240.0 + n*(-103./140.0 + n*(15061./26880.0 + n*(167603./181440.0)))),
            n2 * n2 * (49561./161280.0 + n*(-179./168.0 + n*(6601661./7257600.0))),
            n2 * n2 * n * (34729./80640.0 + n*(-3418889./1995840.0)),
            n2 * n2 * n2 * (212378941./319334400.0),
        ];
        utg.reverse();
        gtu.reverse();
        // UTM: origin latitude 0, so its Gaussian latitude and true northing are 0
        // (computed as proj4rs does, to keep the sign of zero)
        let phi0 = 0.0_f64;
        let z = gatg(&cbg, phi0);
        let zb = -qn * (z + (2. * z).sin() * clenshaw(&gtu, 2. * (2. * z).cos()));
        Etmerc {
            lam0,
            x0: 500_000.,
            y0: if south { 10_000_000. } else { 0. },
            a: WGS84_A,
            ra: 1. / WGS84_A,
            qn,
            zb,
            cgb,
            cbg,
            utg,
            gtu,
        }
    }
}

impl Etmerc {
    /// Lon/lat degrees → easting/northing metres; NaN outside the domain. Bit-identical
    /// to `proj4rs` (see the module docs).
    #[inline]
    pub(crate) fn forward(&self, lon: f64, lat: f64) -> (f64, f64) {
        let lam = lon.to_radians();
        let phi = lat.to_radians();
        // PROJ's range check (pj_fwd)
        let t = phi.abs() - FRAC_PI_2;
        if t > EPS_12 || lam.abs() > 10. {
            return (f64::NAN, f64::NAN);
        }
        let lam = adjlon(lam - self.lam0);
        let phi = if t.abs() <= EPS_12 {
            if phi < 0. {
                -FRAC_PI_2
            } else {
                FRAC_PI_2
            }
        } else {
            phi
        };
        // geodetic -> Gaussian latitude
        let chi = gatg(&self.cbg, phi);
        // Gaussian lat, lng -> complementary spherical lat (the spherical TM)
        let (sin_chi, cos_chi) = chi.sin_cos();
        let (sin_lam, cos_lam) = lam.sin_cos();
        let cn = sin_chi.atan2(cos_lam * cos_chi);
        let ce = (sin_lam * cos_chi).atan2(sin_chi.hypot(cos_chi * cos_lam));
        // compl. sph. N, E -> ell. norm. N, E (asinh as proj4rs writes it)
        let tan_ce = ce.tan();
        let ce = (tan_ce.abs() + 1.0f64.hypot(tan_ce)).ln().copysign(tan_ce);
        let (s2, c2) = (2. * cn).sin_cos();
        let (dcn, dce) = clens_cplx(&self.gtu, s2, c2, (2. * ce).sinh(), (2. * ce).cosh());
        let (cn, ce) = (cn + dcn, ce + dce);
        if ce.abs() <= MAX_CE {
            (
                self.a * (self.qn * ce) + self.x0,
                self.a * (self.qn * cn + self.zb) + self.y0,
            )
        } else {
            (f64::NAN, f64::NAN)
        }
    }

    /// Easting/northing metres → lon/lat degrees; NaN outside the domain. Bit-identical
    /// to `proj4rs` (see the module docs).
    #[inline]
    pub(crate) fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        // normalised N, E (pj_inv's de-offset and descale, then etmerc's)
        let cn = ((y - self.y0) * self.ra - self.zb) / self.qn;
        let ce = ((x - self.x0) * self.ra) / self.qn;
        if ce.abs() > MAX_CE || ce.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        // norm. N, E -> compl. sph. lat, lng
        let (s2, c2) = (2. * cn).sin_cos();
        let (dcn, dce) = clens_cplx(&self.utg, s2, c2, (2. * ce).sinh(), (2. * ce).cosh());
        let (cn, ce) = (cn + dcn, ce + dce);
        let ce = ce.sinh().atan();
        // compl. sph. lat -> Gaussian lat, lng
        let (sin_cn, cos_cn) = cn.sin_cos();
        let (sin_ce, cos_ce) = ce.sin_cos();
        let lam = sin_ce.atan2(cos_ce * cos_cn);
        let chi = (sin_cn * cos_ce).atan2(sin_ce.hypot(cos_ce * cos_cn));
        // Gaussian -> geodetic latitude
        let phi = gatg(&self.cgb, chi);
        let lam = adjlon(lam + self.lam0);
        (lam.to_degrees(), phi.to_degrees())
    }
}

/// Real Clenshaw sum Σ c_k sin(2kB)/sin(2B) pieces, given `2 cos 2B` (coefficients
/// highest order first): the `h` of PROJ's `gatg`/`clens`.
#[inline]
fn clenshaw(c: &Coeffs, two_cos: f64) -> f64 {
    let mut h1 = c[0];
    let mut h2 = 0.;
    for &p in &c[1..] {
        let h = -h2 + two_cos * h1 + p;
        h2 = h1;
        h1 = h;
    }
    h1
}

/// PROJ's `gatg`: latitude B plus the trigonometric series in 2B.
#[inline]
fn gatg(c: &Coeffs, b: f64) -> f64 {
    let h = clenshaw(c, 2. * (2. * b).cos());
    b + h * (2. * b).sin()
}

/// PROJ's complex Clenshaw summation `clens_cplx`, given sin/cos of the real part
/// and sinh/cosh of the imaginary part of the argument.
#[inline]
fn clens_cplx(a: &Coeffs, sin_r: f64, cos_r: f64, sinh_i: f64, cosh_i: f64) -> (f64, f64) {
    let r = 2. * cos_r * cosh_i;
    let i = -2. * sin_r * sinh_i;
    let (mut hi, mut hi1) = (0., 0.);
    let (mut hr, mut hr1) = (a[0], 0.);
    for &p in &a[1..] {
        let hr2 = hr1;
        let hi2 = hi1;
        hr1 = hr;
        hi1 = hi;
        hi = -hi2 + i * hr1 + r * hi1;
        hr = -hr2 + r * hr1 - i * hi1 + p;
    }
    let r = sin_r * cosh_i;
    let i = cos_r * sinh_i;
    (r * hr - i * hi, r * hi + i * hr)
}

/// PROJ's `adjlon`: longitude to [−π, π], letting it overshoot by 1e-12 rad.
#[inline]
fn adjlon(mut lon: f64) -> f64 {
    if lon.abs() >= PI + EPS_12 {
        lon += PI;
        lon -= TAU * (lon / TAU).floor();
        lon -= PI;
    }
    lon
}
