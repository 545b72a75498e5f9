//! Grid KDE against brute force, the moment path against the stencil, the bandwidth
//! rules and the dual surfaces.

use super::*;

fn brute(grid: &Grid, pts: &[[f64; 2]], k: Kernel, h: f64) -> Vec<f64> {
    (0..grid.len())
        .map(|id| {
            let c = grid.centre(id);
            pts.iter()
                .map(|p| {
                    let (dx, dy) = (c[0] - p[0], c[1] - p[1]);
                    k.eval(dx * dx + dy * dy, h)
                })
                .sum::<f64>()
                * 1e6
        })
        .collect()
}

fn cloud() -> Vec<[f64; 2]> {
    (0..300)
        .map(|i| {
            let a = i as f64 * 2.399;
            let r = 40.0 * (i as f64).sqrt();
            [1000.0 + r * a.cos(), 1000.0 + r * a.sin()]
        })
        .collect()
}

#[test]
fn kde_matches_brute_force_all_kernels() {
    let pts = cloud();
    let grid = Grid::covering([300.0, 300.0, 1700.0, 1700.0], 50.0).unwrap();
    for k in [
        Kernel::Quartic,
        Kernel::Epanechnikov,
        Kernel::Triangular,
        Kernel::Uniform,
    ] {
        let r = kde(&grid, &pts, None, &KdeParams::new().kernel(k).fixed(120.0)).unwrap();
        let b = brute(&grid, &pts, k, 120.0);
        for (x, y) in r.density_km2.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-9 * y.abs().max(1e-6), "{k:?} {x} {y}");
        }
    }
    let r = kde(
        &grid,
        &pts,
        None,
        &KdeParams::new()
            .kernel(Kernel::Gaussian)
            .fixed(60.0)
            .gaussian_cutoff(f64::INFINITY),
    )
    .unwrap();
    let b = brute(&grid, &pts, Kernel::Gaussian, 60.0);
    for (x, y) in r.density_km2.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-9 * y.abs(), "{x} {y}");
    }
}

#[test]
fn kde_moment_path_matches_brute_force() {
    // 20,000 points on 28 x 28 cells: at least 8 per bin, so the moment path
    let pts: Vec<[f64; 2]> = (0..20_000)
        .map(|i| {
            let a = i as f64 * 2.399;
            let r = 5.0 * (i as f64).sqrt();
            [1000.0 + r * a.cos(), 1000.0 + r * a.sin()]
        })
        .collect();
    let grid = Grid::covering([300.0, 300.0, 1700.0, 1700.0], 50.0).unwrap();
    let lat = binned::Lattice {
        spacing: 50.0,
        ncols: grid.ncols,
        nrows: grid.nrows,
    };
    for (k, h) in [
        (Kernel::Quartic, 120.0),
        (Kernel::Quartic, 333.0),
        (Kernel::Epanechnikov, 120.0),
        (Kernel::Uniform, 75.0),
    ] {
        assert!(
            pts.len() >= MIN_POINTS_PER_BIN * lat.bins(h).unwrap(),
            "{k:?} {h}"
        );
        let r = kde(&grid, &pts, None, &KdeParams::new().kernel(k).fixed(h)).unwrap();
        let b = brute(&grid, &pts, k, h);
        for (x, y) in r.density_km2.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-9 * y.abs(), "{k:?} {h}: {x} {y}");
        }
    }
}

#[test]
fn kernels_integrate_to_one() {
    for k in [
        Kernel::Quartic,
        Kernel::Epanechnikov,
        Kernel::Triangular,
        Kernel::Uniform,
        Kernel::Gaussian,
    ] {
        let grid = Grid::new(-1000.0, -1000.0, 5.0, 400, 400).unwrap();
        let r = kde(
            &grid,
            &[[0.0, 0.0]],
            None,
            &KdeParams::new().kernel(k).fixed(100.0),
        )
        .unwrap();
        let tol = if k == Kernel::Uniform { 1e-2 } else { 2e-3 };
        assert!(
            (r.expected_sum - 1.0).abs() < tol,
            "{k:?} {}",
            r.expected_sum
        );
    }
}

#[test]
fn kde_small_bandwidth_does_not_collapse() {
    // points away from centres, h much smaller than the cell
    let pts: Vec<[f64; 2]> = (0..50).map(|i| [10.0 + i as f64 * 0.5, 15.0]).collect();
    let grid = Grid::new(0.0, 0.0, 100.0, 3, 3).unwrap();
    let centre = kde(
        &grid,
        &pts,
        None,
        &KdeParams::new().fixed(10.0).evaluation(Evaluation::Centre),
    )
    .unwrap();
    assert_eq!(centre.expected_sum, 0.0);
    let auto = kde(&grid, &pts, None, &KdeParams::new().fixed(10.0)).unwrap();
    assert_eq!(auto.samples_per_side, 20);
    assert!(
        (auto.expected_sum - 50.0).abs() < 5.0,
        "{}",
        auto.expected_sum
    );
    assert!(auto.expected[0] > 40.0);
}

#[test]
fn bandwidth_rules_and_adaptive() {
    let pts = cloud();
    let h = bandwidth_arcgis(&pts).unwrap();
    assert!(h > 10.0 && h < 500.0);
    assert!(bandwidth_scott(&pts).unwrap() > 0.0);
    assert!(bandwidth_arcgis(&[[1.0, 1.0], [1.0, 1.0]]).is_err());
    let grid = Grid::covering([300.0, 300.0, 1700.0, 1700.0], 50.0).unwrap();
    let r = kde(
        &grid,
        &pts,
        None,
        &KdeParams::new().bandwidth(Bandwidth::Adaptive { k: 5 }),
    )
    .unwrap();
    assert!(r.bandwidth_range[0] >= 50.0 && r.bandwidth_range[1] > r.bandwidth_range[0]);
    assert!((r.expected_sum - 300.0).abs() < 15.0);
}

#[test]
fn dual_kde_ratio_of_identical_layers_is_one() {
    let pts = cloud();
    let grid = Grid::covering([300.0, 300.0, 1700.0, 1700.0], 50.0).unwrap();
    let d = dual_kde(
        &grid,
        &pts,
        &pts,
        &KdeParams::new().fixed(150.0),
        DualMode::Ratio,
    )
    .unwrap();
    for v in d.values.iter().filter(|v| !v.is_nan()) {
        assert!((v - 1.0).abs() < 1e-12);
    }
    let d = dual_kde(
        &grid,
        &pts,
        &pts,
        &KdeParams::new().fixed(150.0),
        DualMode::ShareDifference,
    )
    .unwrap();
    assert!(d.values.iter().all(|v| v.abs() < 1e-15));
    assert_eq!(d.undefined, 0);
}
