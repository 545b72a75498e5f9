//! Nearest neighbour index (Clark & Evans 1954), with CrimeStat's border correction.
//!
//! # Algorithm
//! For the `n` points inside the study area of area `A` (points outside are left out
//! and counted), `d_i` = the distance from point `i` to its nearest other point:
//! * observed mean `d̄ = Σ d_i / n`;
//! * expected mean under complete spatial randomness `E = 0.5 / √(n/A)`;
//! * `NNI = d̄ / E` (< 1 clustered, 1 random, > 1 dispersed; at most 2.149 for a
//!   hexagonal lattice);
//! * standard error `SE = 0.26136 / √(n²/A)` and `z = (d̄ − E)/SE` with a two-sided
//!   normal p (Clark & Evans 1954; CrimeStat III manual ch. 5; ArcGIS *Average Nearest
//!   Neighbor*).
//!
//! # Border correction (CrimeStat)
//! Points near the edge have their nearest neighbour cut off by the border, which
//! lengthens `d_i`. CrimeStat's correction compares each point's nearest-neighbour
//! distance with its distance to the border and uses the smaller one:
//! `d_i = min(nn_i, b_i)`. [`BorderCorrection::Rectangle`] takes `b_i` to the nearest
//! side of the study area's bounding rectangle (CrimeStat's "rectangular" option);
//! [`BorderCorrection::Boundary`] to the nearest edge of the study-area polygons (the
//! same rule on the real boundary). CrimeStat's circular option is not offered.
//!
//! # Monte Carlo
//! With `simulations > 0`, `n` points are drawn uniformly in the study area (one ChaCha8
//! stream per simulation) and the same (corrected) mean is computed; `p_sim =
//! (min(#{sim ≥ obs}, #{sim ≤ obs}) + 1)/(S + 1)` and the 2.5 % / 97.5 % quantiles of the
//! simulated NNI are reported. This inference uses the real shape of the area, which the
//! analytical SE (derived for an unbounded plane) does not.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::stats::normal_p_two_sided;
use crate::index::PointIndex;
use crate::pattern::area::StudyArea;

/// Which border correction the nearest neighbour index applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BorderCorrection {
    /// None (Clark & Evans; ArcGIS).
    #[default]
    None,
    /// Distance to the study area's bounding rectangle (CrimeStat "rectangular").
    Rectangle,
    /// Distance to the study-area polygons' boundary.
    Boundary,
}

/// Parameters of [`nearest_neighbour_index`].
#[derive(Debug, Clone, Serialize)]
pub struct NniParams {
    /// Border correction. Default none.
    pub correction: BorderCorrection,
    /// Monte Carlo simulations of complete spatial randomness in the study area (0 = none).
    /// Default 99.
    pub simulations: usize,
    /// Seed. Default 12345.
    pub seed: u64,
}

impl Default for NniParams {
    fn default() -> Self {
        NniParams {
            correction: BorderCorrection::None,
            simulations: 99,
            seed: 12345,
        }
    }
}

impl NniParams {
    /// Defaults: no correction, 99 simulations, seed 12345.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the border correction.
    pub fn correction(mut self, c: BorderCorrection) -> Self {
        self.correction = c;
        self
    }
    /// Sets the number of simulations.
    pub fn simulations(mut self, s: usize) -> Self {
        self.simulations = s;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
}

/// Monte Carlo result of the nearest neighbour index.
#[derive(Debug, Clone, Serialize)]
pub struct NniSimulation {
    /// Simulations.
    pub simulations: usize,
    /// Folded pseudo p (one-sided toward the observed tail).
    pub p_sim: f64,
    /// Mean simulated NNI.
    pub mean_nni: f64,
    /// 2.5 % quantile of the simulated NNI.
    pub nni_lo: f64,
    /// 97.5 % quantile of the simulated NNI.
    pub nni_hi: f64,
}

/// Result of [`nearest_neighbour_index`].
#[derive(Debug, Clone, Serialize)]
pub struct NniResult {
    /// Points analysed (inside the study area).
    pub n: usize,
    /// Points left out because they lie outside the study area.
    pub outside: usize,
    /// Study area (m²).
    pub area_m2: f64,
    /// What the study area is.
    pub area_kind: String,
    /// Border correction.
    pub correction: BorderCorrection,
    /// Points whose border distance replaced their nearest-neighbour distance.
    pub corrected_points: usize,
    /// Observed mean nearest-neighbour distance (m).
    pub mean_distance: f64,
    /// Expected mean under complete spatial randomness (m).
    pub expected_distance: f64,
    /// NNI = observed / expected.
    pub nni: f64,
    /// Standard error of the mean distance (m).
    pub se: f64,
    /// z-score.
    pub z: f64,
    /// Two-sided normal p.
    pub p: f64,
    /// Monte Carlo inference in the study area.
    pub simulation: Option<NniSimulation>,
}

impl NniResult {
    /// One sentence for analysts.
    pub fn sentence(&self) -> String {
        let p = self.simulation.as_ref().map_or(self.p, |s| s.p_sim);
        let how = if self.simulation.is_some() {
            "simulation"
        } else {
            "normal"
        };
        let verdict = if p >= 0.05 {
            "not distinguishable from a random pattern"
        } else if self.nni < 1.0 {
            "clustered"
        } else {
            "dispersed"
        };
        format!(
            "Nearest neighbour index {:.3} (mean distance {:.1} m, {:.1} m expected for {} random points in {:.2} km2), z = {:.2}, {how} p = {:.3}: {verdict}.",
            self.nni,
            self.mean_distance,
            self.expected_distance,
            self.n,
            self.area_m2 / 1e6,
            self.z,
            p
        )
    }
}

/// Mean corrected nearest-neighbour distance and the number of corrected points.
fn mean_nn(pts: &[[f64; 2]], area: &StudyArea, c: BorderCorrection) -> (f64, usize) {
    let idx = PointIndex::new(pts);
    let [x0, y0, x1, y1] = area.bbox();
    let d: Vec<(f64, bool)> = pts
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let nn = idx
                .k_nearest(*p, 2)
                .into_iter()
                .find(|(j, _)| *j != i)
                .map_or(f64::INFINITY, |x| x.1);
            let b = match c {
                BorderCorrection::None => f64::INFINITY,
                BorderCorrection::Rectangle => {
                    (p[0] - x0).min(x1 - p[0]).min(p[1] - y0).min(y1 - p[1])
                }
                BorderCorrection::Boundary => area.distance_to_boundary(*p),
            };
            if b < nn {
                (b, true)
            } else {
                (nn, false)
            }
        })
        .collect();
    let sum: f64 = d.iter().map(|x| x.0).sum();
    (sum / pts.len() as f64, d.iter().filter(|x| x.1).count())
}

/// The nearest neighbour index of `points` in `area` (see the module docs).
///
/// # Errors
/// [`Error::TooFew`] when fewer than 2 points lie inside the study area.
pub fn nearest_neighbour_index(
    points: &[[f64; 2]],
    area: &StudyArea,
    params: &NniParams,
) -> Result<NniResult> {
    let inside = area.inside(points);
    let n = inside.len();
    if n < 2 {
        return Err(Error::too_few(
            "the nearest neighbour index",
            "points inside the study area",
            2,
            n,
        ));
    }
    let a = area.area();
    let nf = n as f64;
    let (mean, corrected) = mean_nn(&inside, area, params.correction);
    let expected = 0.5 / (nf / a).sqrt();
    let se = 0.26136 / (nf * nf / a).sqrt();
    let z = (mean - expected) / se;
    let simulation = (params.simulations > 0).then(|| {
        let sims: Vec<f64> = (0..params.simulations)
            .into_par_iter()
            .map(|s| {
                let pts = area.simulation(n, params.seed, s);
                mean_nn(&pts, area, params.correction).0 / expected
            })
            .collect();
        let obs = mean / expected;
        let ge = sims.iter().filter(|v| **v >= obs).count();
        let le = sims.iter().filter(|v| **v <= obs).count();
        let mut sorted = sims.clone();
        sorted.sort_by(f64::total_cmp);
        let q = |f: f64| {
            sorted[((f * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)]
        };
        NniSimulation {
            simulations: params.simulations,
            p_sim: crate::hotspot::perm::folded_p(ge, le, params.simulations),
            mean_nni: sims.iter().sum::<f64>() / sims.len() as f64,
            nni_lo: q(0.025),
            nni_hi: q(0.975),
        }
    });
    Ok(NniResult {
        n,
        outside: points.len() - n,
        area_m2: a,
        area_kind: area.kind().to_string(),
        correction: params.correction,
        corrected_points: corrected,
        mean_distance: mean,
        expected_distance: expected,
        nni: mean / expected,
        se,
        z,
        p: normal_p_two_sided(z),
        simulation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn nni_hand_computed_lattice() {
        // 4 x 4 lattice, spacing 10, in a 40 x 40 square: every nearest distance is 10
        let pts: Vec<[f64; 2]> = (0..16)
            .map(|k| [5.0 + 10.0 * (k % 4) as f64, 5.0 + 10.0 * (k / 4) as f64])
            .collect();
        let a = StudyArea::rectangle([0.0, 0.0, 40.0, 40.0]).unwrap();
        let r = nearest_neighbour_index(&pts, &a, &NniParams::new().simulations(0)).unwrap();
        let e = 0.5 / (16.0f64 / 1600.0).sqrt();
        assert!((r.mean_distance - 10.0).abs() < 1e-12);
        assert!((r.expected_distance - e).abs() < 1e-12);
        assert!((r.nni - 10.0 / e).abs() < 1e-12);
        assert!((r.se - 0.26136 / (256.0f64 / 1600.0).sqrt()).abs() < 1e-12);
        assert!(r.z > 0.0);
        // border correction: the edge points are 5 from the border, closer than 10
        let c = nearest_neighbour_index(
            &pts,
            &a,
            &NniParams::new()
                .simulations(0)
                .correction(BorderCorrection::Rectangle),
        )
        .unwrap();
        assert_eq!(c.corrected_points, 12);
        assert!((c.mean_distance - (4.0 * 10.0 + 12.0 * 5.0) / 16.0).abs() < 1e-12);
        let b = nearest_neighbour_index(
            &pts,
            &a,
            &NniParams::new()
                .simulations(0)
                .correction(BorderCorrection::Boundary),
        )
        .unwrap();
        assert_eq!(b.mean_distance, c.mean_distance);
        // points outside are left out and counted
        let mut more = pts.clone();
        more.push([100.0, 100.0]);
        let o = nearest_neighbour_index(&more, &a, &NniParams::new().simulations(0)).unwrap();
        assert_eq!((o.n, o.outside), (16, 1));
        assert!(nearest_neighbour_index(&[[1.0, 1.0]], &a, &NniParams::new()).is_err());
    }

    #[test]
    fn nni_simulation_finds_clusters_and_accepts_csr() {
        let a = StudyArea::rectangle([0.0, 0.0, 1000.0, 1000.0]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        // clustered: 10 tight clusters of 30
        let mut cl = Vec::new();
        for _ in 0..10 {
            let c = [
                rng.random_range(100.0..900.0),
                rng.random_range(100.0..900.0),
            ];
            for _ in 0..30 {
                cl.push([
                    c[0] + rng.random_range(-20.0..20.0),
                    c[1] + rng.random_range(-20.0..20.0),
                ]);
            }
        }
        let r = nearest_neighbour_index(&cl, &a, &NniParams::new()).unwrap();
        assert!(r.nni < 0.5 && r.simulation.as_ref().unwrap().p_sim <= 0.01);
        assert!(r.sentence().contains("clustered"));
        // CSR in the area: rejected at about the nominal rate over 20 patterns
        let mut rej = 0;
        for s in 0..20 {
            let mut g = ChaCha8Rng::seed_from_u64(100 + s);
            let pts = a.random_points(300, &mut g);
            let r = nearest_neighbour_index(
                &pts,
                &a,
                &NniParams::new()
                    .simulations(99)
                    .seed(s)
                    .correction(BorderCorrection::Boundary),
            )
            .unwrap();
            rej += usize::from(2.0 * r.simulation.unwrap().p_sim < 0.05);
        }
        assert!(rej <= 3, "{rej} of 20 CSR patterns rejected");
    }
}
