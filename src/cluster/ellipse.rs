//! Standard deviational ellipse of a point set.
//!
//! # Definition
//! With `x' = x − x̄`, `y' = y − ȳ` and the scatter sums `Sxx = Σx'²`, `Syy = Σy'²`,
//! `Sxy = Σx'y'`, the rotation θ that CrimeStat and ArcGIS obtain from
//! `tan θ = [(Sxx − Syy) + √((Sxx − Syy)² + 4 Sxy²)] / (2 Sxy)` is the direction of
//! the eigenvectors of the scatter matrix, and `Σ(x' cos θ − y' sin θ)²`,
//! `Σ(x' sin θ + y' cos θ)²` are its eigenvalues `λ₁ ≥ λ₂`. The semi-axes are
//!
//! * [`EllipseConvention::CrimeStat`] (Levine, *CrimeStat IV*, ch. 4, default):
//!   `s = √2 · √(λ / (n − 2))` — needs n ≥ 3;
//! * [`EllipseConvention::ArcGis`] (ArcGIS *Directional Distribution*, with its √2
//!   correction): `s = √2 · √(λ / n)` — needs n ≥ 2.
//!
//! The `k`-SD ellipse has semi-axes `k·s₁`, `k·s₂`. The orientation is reported as the
//! bearing of the major axis, clockwise from grid north, in `[0°, 180°)`.

use serde::Serialize;

/// Degrees-of-freedom convention of the ellipse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EllipseConvention {
    /// CrimeStat: divide by n − 2.
    #[default]
    CrimeStat,
    /// ArcGIS Directional Distribution: divide by n.
    ArcGis,
}

/// A standard deviational ellipse.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ellipse {
    /// Mean centre.
    pub centre: [f64; 2],
    /// Semi-major axis (m) at `sd` standard deviations.
    pub semi_major: f64,
    /// Semi-minor axis (m) at `sd` standard deviations.
    pub semi_minor: f64,
    /// Bearing of the major axis, degrees clockwise from north, `[0, 180)`.
    pub bearing_deg: f64,
    /// Number of standard deviations (1, 2, …).
    pub sd: f64,
    /// Convention used.
    pub convention: EllipseConvention,
}

impl Ellipse {
    /// Area (m²).
    pub fn area(&self) -> f64 {
        std::f64::consts::PI * self.semi_major * self.semi_minor
    }

    /// The ellipse scaled to `k` standard deviations.
    pub fn scaled(&self, k: f64) -> Ellipse {
        Ellipse {
            semi_major: self.semi_major / self.sd * k,
            semi_minor: self.semi_minor / self.sd * k,
            sd: k,
            ..*self
        }
    }

    /// The ellipse as a closed polygon with `n` vertices (n ≥ 8 is used).
    pub fn polygon(&self, n: usize) -> geo::Polygon<f64> {
        let n = n.max(8);
        // major axis direction as a unit vector (east, north)
        let b = self.bearing_deg.to_radians();
        let (ux, uy) = (b.sin(), b.cos());
        let (vx, vy) = (-uy, ux);
        let mut ring: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let t = std::f64::consts::TAU * k as f64 / n as f64;
                let (a, c) = (self.semi_major * t.cos(), self.semi_minor * t.sin());
                (
                    self.centre[0] + a * ux + c * vx,
                    self.centre[1] + a * uy + c * vy,
                )
            })
            .collect();
        ring.push(ring[0]);
        geo::Polygon::new(geo::LineString::from(ring), vec![])
    }
}

/// The 1-SD standard deviational ellipse of `pts` (see the module docs), or `None`
/// when there are too few points (CrimeStat n < 3, ArcGIS n < 2) or a coordinate
/// is not finite. Identical or collinear points give a zero minor (and major) axis.
///
/// # Examples
/// ```
/// use crimescape::{standard_deviational_ellipse, EllipseConvention};
/// let pts = [[-1.0, 0.0], [1.0, 0.0], [0.0, -2.0], [0.0, 2.0]];
/// let e = standard_deviational_ellipse(&pts, EllipseConvention::ArcGis).unwrap();
/// assert!((e.bearing_deg - 0.0).abs() < 1e-9); // major axis north-south
/// assert!((e.semi_major - 2.0).abs() < 1e-12); // sqrt(2 * 8 / 4)
/// assert!((e.semi_minor - 1.0).abs() < 1e-12); // sqrt(2 * 2 / 4)
/// ```
pub fn standard_deviational_ellipse(
    pts: &[[f64; 2]],
    convention: EllipseConvention,
) -> Option<Ellipse> {
    let n = pts.len();
    let dof = match convention {
        EllipseConvention::CrimeStat => n.checked_sub(2).filter(|d| *d >= 1)?,
        EllipseConvention::ArcGis => (n >= 2).then_some(n)?,
    } as f64;
    if pts.iter().any(|p| !(p[0].is_finite() && p[1].is_finite())) {
        return None;
    }
    let mx = pts.iter().map(|p| p[0]).sum::<f64>() / n as f64;
    let my = pts.iter().map(|p| p[1]).sum::<f64>() / n as f64;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for p in pts {
        let (dx, dy) = (p[0] - mx, p[1] - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    let half = (sxx - syy) / 2.0;
    let root = (half * half + sxy * sxy).sqrt();
    let mean = (sxx + syy) / 2.0;
    let (l1, l2) = ((mean + root).max(0.0), (mean - root).max(0.0));
    // direction of the major axis, counter-clockwise from east
    let phi = if root == 0.0 {
        std::f64::consts::FRAC_PI_2
    } else {
        0.5 * (2.0 * sxy).atan2(sxx - syy)
    };
    let mut bearing = 90.0 - phi.to_degrees();
    bearing = bearing.rem_euclid(180.0);
    if bearing >= 180.0 - 1e-12 {
        bearing = 0.0;
    }
    Some(Ellipse {
        centre: [mx, my],
        semi_major: (2.0 * l1 / dof).sqrt(),
        semi_minor: (2.0 * l2 / dof).sqrt(),
        bearing_deg: bearing,
        sd: 1.0,
        convention,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_deviational_ellipse_rotated_cross() {
        // the cross of the doc example rotated by 30° clockwise
        let r = 30f64.to_radians();
        let rot = |x: f64, y: f64| [x * r.cos() + y * r.sin(), -x * r.sin() + y * r.cos()];
        let pts = [rot(-1.0, 0.0), rot(1.0, 0.0), rot(0.0, -2.0), rot(0.0, 2.0)];
        let e = standard_deviational_ellipse(&pts, EllipseConvention::CrimeStat).unwrap();
        assert!((e.bearing_deg - 30.0).abs() < 1e-9, "{}", e.bearing_deg);
        // CrimeStat: sqrt(2 * 8 / 2) and sqrt(2 * 2 / 2)
        assert!((e.semi_major - 8f64.sqrt()).abs() < 1e-12);
        assert!((e.semi_minor - 2f64.sqrt()).abs() < 1e-12);
        let e2 = e.scaled(2.0);
        assert!((e2.semi_major - 2.0 * 8f64.sqrt()).abs() < 1e-12);
        let poly = e2.polygon(72);
        assert_eq!(poly.exterior().0.len(), 73);
    }

    #[test]
    fn standard_deviational_ellipse_degenerate() {
        assert!(standard_deviational_ellipse(&[], EllipseConvention::CrimeStat).is_none());
        assert!(
            standard_deviational_ellipse(&[[0.0, 0.0]; 2], EllipseConvention::CrimeStat).is_none()
        );
        let e =
            standard_deviational_ellipse(&[[3.0, 3.0]; 5], EllipseConvention::CrimeStat).unwrap();
        assert_eq!((e.semi_major, e.semi_minor), (0.0, 0.0));
        // collinear east-west
        let pts: Vec<[f64; 2]> = (0..5).map(|i| [i as f64, 0.0]).collect();
        let e = standard_deviational_ellipse(&pts, EllipseConvention::ArcGis).unwrap();
        assert!((e.bearing_deg - 90.0).abs() < 1e-9);
        assert_eq!(e.semi_minor, 0.0);
    }
}
