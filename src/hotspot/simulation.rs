//! Simulation tests: plant a pattern and find it; pure noise finds (almost) nothing.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::demo::{self, DemoParams};
use crate::grid::Grid;
use crate::hotspot::kde::{kde, KdeParams};
use crate::hotspot::weights::{grid_weights, WeightsSpec};
use crate::hotspot::{
    build_grid, gi_star, local_moran, CellGrid, GiStarParams, GridParams, LocalMoranParams,
};

#[test]
fn simulation_demo_city_planted_hotspots_found() {
    let city = demo::generate(&DemoParams::new(7).incidents(8000).size(4000.0)).unwrap();
    let inc = &city.incidents;
    let cg = build_grid(&inc.xy, &GridParams::new()).unwrap();
    let (counts, _) = cg.counts(&inc.xy, None).unwrap();
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let gi = gi_star(&counts, &w, &GiStarParams::new().permutations(0).fdr(true)).unwrap();
    let n = city.truth.hotspots.len();
    let hits = city
        .truth
        .hotspots
        .iter()
        .filter(|h| {
            cg.position_of(h.centre[0], h.centre[1])
                .is_some_and(|p| gi.bin[p] >= 2)
        })
        .count();
    eprintln!("SIM demo city (seed 7, 8000 incidents): planted hotspots in Gi* 95% FDR hot cells: {hits}/{n}");
    assert!(n > 0);
    assert_eq!(hits, n);
    // the KDE peak sits within 2 sigma of a planted centre
    let k = kde(&cg.grid, &inc.xy, None, &KdeParams::new()).unwrap();
    let imax = (0..k.density_km2.len())
        .max_by(|&a, &b| k.density_km2[a].total_cmp(&k.density_km2[b]))
        .unwrap();
    let c = cg.grid.centre(imax);
    assert!(city
        .truth
        .hotspots
        .iter()
        .any(|h| (h.centre[0] - c[0]).hypot(h.centre[1] - c[1]) < 2.0 * h.sigma + cg.grid.cell));
}

fn uniform_counts(seed: u64, n: usize, grid: &Grid) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ext = grid.extent();
    let pts: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            [
                rng.random_range(ext[0]..ext[2]),
                rng.random_range(ext[1]..ext[3]),
            ]
        })
        .collect();
    grid.counts(&pts)
}

#[test]
fn simulation_uniform_noise_fdr_flags_at_most_nominal() {
    let grid = Grid::new(0.0, 0.0, 100.0, 60, 60).unwrap();
    let cg = CellGrid::full(grid);
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let m = cg.len() as f64;
    let (mut fdr_share, mut raw_share) = (0.0f64, 0.0f64);
    for seed in 0..5 {
        let counts = uniform_counts(seed, 3 * cg.len(), &grid);
        let fdr = gi_star(&counts, &w, &GiStarParams::new().permutations(0).fdr(true)).unwrap();
        let raw = gi_star(&counts, &w, &GiStarParams::new().permutations(0)).unwrap();
        let f = fdr.bin.iter().filter(|b| b.abs() >= 2).count() as f64 / m;
        let r = raw.bin.iter().filter(|b| b.abs() >= 2).count() as f64 / m;
        fdr_share = fdr_share.max(f);
        raw_share += r / 5.0;
        // FDR never flags more than the nominal share at any level
        assert!(fdr.bin.iter().filter(|b| **b != 0).count() as f64 / m <= 0.10);
    }
    eprintln!("SIM uniform noise 60x60, 5 seeds: max share flagged at 95% with FDR {fdr_share:.4}; mean share without FDR {raw_share:.4}");
    assert!(fdr_share <= 0.05);
    // without correction the share is near the nominal 5 % (the test can see flags)
    assert!(raw_share > 0.02 && raw_share < 0.08, "{raw_share}");
}

#[test]
fn simulation_uniform_noise_permutation_p_is_calibrated() {
    let grid = Grid::new(0.0, 0.0, 100.0, 40, 40).unwrap();
    let cg = CellGrid::full(grid);
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let counts = uniform_counts(11, 10 * cg.len(), &grid);
    let lm = local_moran(&counts, &w, &LocalMoranParams::new().permutations(199)).unwrap();
    let share = lm.p_sim.unwrap().iter().filter(|p| **p <= 0.05).count() as f64 / cg.len() as f64;
    eprintln!("SIM uniform noise: Local Moran share with p_sim <= 0.05 = {share:.4} (one-sided folded p, nominal about 0.10 two-tailed)");
    assert!(share < 0.13, "{share}");
}

#[test]
fn simulation_single_cluster_is_hh() {
    let grid = Grid::new(0.0, 0.0, 100.0, 30, 30).unwrap();
    let cg = CellGrid::full(grid);
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let mut counts = uniform_counts(3, 900, &grid);
    for r in 14..17 {
        for c in 14..17 {
            counts[r * 30 + c] += 12.0;
        }
    }
    let lm = local_moran(&counts, &w, &LocalMoranParams::new().permutations(199)).unwrap();
    assert_eq!(lm.quadrant[15 * 30 + 15], crate::hotspot::Quadrant::HH);
    assert!(lm.significant[15 * 30 + 15]);
    let gi = gi_star(&counts, &w, &GiStarParams::new().permutations(199)).unwrap();
    assert_eq!(gi.bin[15 * 30 + 15], 3);
    assert!(gi.p_sim.unwrap()[15 * 30 + 15] <= 0.01);
}

#[test]
fn edge_cases_give_errors_or_defined_results() {
    // one cell
    let one = CellGrid::full(Grid::new(0.0, 0.0, 10.0, 1, 1).unwrap());
    let w = grid_weights(&one, &WeightsSpec::default()).unwrap();
    assert!(gi_star(&[3.0], &w, &GiStarParams::new()).is_err());
    assert!(local_moran(&[3.0], &w, &LocalMoranParams::new()).is_err());
    // all zeros and constant counts
    let cg = CellGrid::full(Grid::new(0.0, 0.0, 10.0, 4, 4).unwrap());
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    for v in [0.0, 5.0] {
        let e = gi_star(&[v; 16], &w, &GiStarParams::new()).unwrap_err();
        assert!(e.to_string().contains("same value"), "{e}");
        assert!(local_moran(&[v; 16], &w, &LocalMoranParams::new()).is_err());
    }
    // a single incident: defined, finite everywhere
    let mut x = [0.0; 16];
    x[5] = 1.0;
    let r = gi_star(&x, &w, &GiStarParams::new().permutations(99)).unwrap();
    assert!(r.z.iter().chain(&r.p).all(|v| v.is_finite()));
    let m = local_moran(&x, &w, &LocalMoranParams::new().permutations(99)).unwrap();
    assert!(m
        .i
        .iter()
        .chain(&m.z_norm)
        .chain(&m.p_norm)
        .all(|v| v.is_finite()));
    // KDE: no points is an error, one point is fine
    assert!(kde(&cg.grid, &[], None, &KdeParams::new().fixed(10.0)).is_err());
    let k = kde(
        &cg.grid,
        &[[20.0, 20.0]],
        None,
        &KdeParams::new().fixed(15.0),
    )
    .unwrap();
    assert!(k.density_km2.iter().all(|v| v.is_finite() && *v >= 0.0));
    assert!(kde(&cg.grid, &[[20.0, 20.0]], None, &KdeParams::new()).is_err()); // rule needs 2 points
                                                                               // points on cell edges: half-open cells
    let (c, out) = cg
        .counts(&[[10.0, 10.0], [0.0, 0.0], [40.0, 40.0]], None)
        .unwrap();
    assert_eq!(c[5], 1.0);
    assert_eq!(c[0], 1.0);
    assert_eq!(out, 1);
}

#[test]
fn simulation_emerging_finds_a_planted_emerging_spot_and_little_in_noise() {
    use crate::hotspot::change::{emerging_hotspots, EmergingClass, EmergingParams};
    use crate::layer::Incidents;
    use crate::time::{TimePrecision, DAY};
    // 30 x 30 cells of 100 m, 12 steps of 7 days, 1,800 uniform incidents (2 per cell
    // and step on average), plus 12 extra incidents per step in one cell in the last 3
    // steps only
    let grid = Grid::new(0.0, 0.0, 100.0, 30, 30).unwrap();
    let cg = CellGrid::full(grid);
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let city = |seed: u64, planted: bool| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut inc = Incidents::empty(crate::hotspot::test_crs());
        let mut push = |x: f64, y: f64, day: i64| {
            inc.xy.push([x, y]);
            inc.time.push(Some(day * DAY));
            inc.precision.push(TimePrecision::Day);
            inc.category.push(0);
            inc.row.push(inc.row.len() as u64);
        };
        for _ in 0..1800 {
            push(
                rng.random_range(0.0..3000.0),
                rng.random_range(0.0..3000.0),
                rng.random_range(0..84),
            );
        }
        if planted {
            for step in 9..12 {
                for k in 0..12 {
                    push(1550.0, 1550.0, step * 7 + k % 7);
                }
            }
        }
        inc.categories = vec!["x".into()];
        inc
    };
    let inc = city(11, true);
    let p = EmergingParams::new(7 * DAY).start(Some(0)).fdr(true);
    let r = emerging_hotspots(&cg, &inc, &w, &p).unwrap();
    let planted = cg.position_of(1550.0, 1550.0).unwrap();
    eprintln!("SIM emerging: planted cell -> {:?}", r.class[planted]);
    assert!(matches!(
        r.class[planted],
        EmergingClass::NewHot | EmergingClass::ConsecutiveHot | EmergingClass::IntensifyingHot
    ));
    // pure noise, 5 seeds: with FDR over the cube almost no cell gets a pattern
    let mut flagged = 0;
    for seed in 0..5 {
        let r = emerging_hotspots(&cg, &city(100 + seed, false), &w, &p).unwrap();
        flagged += r
            .class
            .iter()
            .filter(|c| **c != EmergingClass::NoPattern)
            .count();
    }
    let rate = flagged as f64 / (5.0 * 900.0);
    eprintln!(
        "SIM emerging on noise (5 seeds, FDR): {flagged} of 4500 cells with a pattern ({:.2} %)",
        100.0 * rate
    );
    assert!(rate < 0.01, "{rate}");
}
