//! Golden parity tests against esda (Gi*, Local Moran) and the reference KDE.
//! Full-grid comparisons use `../shared/golden` (skipped with a message when
//! absent); the committed slices in `fixtures/golden/hotspots` always run.

use std::path::{Path, PathBuf};

use crate::grid::Grid;
use crate::hotspot::kde::{kde, KdeParams, Kernel};
use crate::hotspot::weights::{grid_weights, WeightsSpec};
use crate::hotspot::{gi_star, local_moran, CellGrid, GiStarParams, LocalMoranParams};

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/golden")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/golden/hotspots")
        .join(rel)
}

/// Reads named columns of a CSV as f64 (empty -> NaN).
fn read_cols(path: &Path, cols: &[&str]) -> Vec<Vec<f64>> {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    let h = r.headers().expect("header").clone();
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| {
            h.iter()
                .position(|x| x == *c)
                .unwrap_or_else(|| panic!("column {c}"))
        })
        .collect();
    let mut out = vec![Vec::new(); cols.len()];
    for rec in r.records() {
        let rec = rec.expect("record");
        for (k, &i) in idx.iter().enumerate() {
            out[k].push(rec[i].parse::<f64>().unwrap_or(f64::NAN));
        }
    }
    out
}

fn points(path: &Path) -> Vec<[f64; 2]> {
    let c = read_cols(path, &["x", "y"]);
    c[0].iter().zip(&c[1]).map(|(x, y)| [*x, *y]).collect()
}

/// Max relative difference with an absolute floor (for values near 0).
fn max_rel(a: &[f64], b: &[f64], floor: f64) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(floor))
        .fold(0.0, f64::max)
}

struct Computed {
    count: Vec<f64>,
    n_neigh: Vec<f64>,
    gi: crate::hotspot::GiStarResult,
    lm: crate::hotspot::LocalMoranResult,
}

fn compute(pts: &[[f64; 2]], cell: f64, perms: usize) -> (Grid, Computed) {
    let bbox = crate::layer::bbox_of(pts.iter().copied()).unwrap();
    let grid = Grid::covering(bbox, cell).unwrap();
    let cg = CellGrid::full(grid);
    let (count, outside) = cg.counts(pts, None).unwrap();
    assert_eq!(outside, 0);
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let gi = gi_star(&count, &w, &GiStarParams::new().permutations(perms)).unwrap();
    let lm = local_moran(&count, &w, &LocalMoranParams::new().permutations(perms)).unwrap();
    let n_neigh = gi.n_neighbours.iter().map(|v| *v as f64).collect();
    (
        grid,
        Computed {
            count,
            n_neigh,
            gi,
            lm,
        },
    )
}

#[test]
fn parity_fixture_slice_a() {
    let pts = points(&fixture("A_input_xy.csv"));
    assert_eq!(pts.len(), 2000);
    let (grid, c) = compute(&pts, 200.0, 0);
    assert_eq!(
        (grid.x0, grid.y0, grid.ncols, grid.nrows),
        (440000.0, 4420000.0, 100, 100)
    );
    let cols = [
        "cell_id",
        "count",
        "n_neigh",
        "gi_G",
        "gi_z",
        "gi_p_norm_2s",
        "lm_I",
        "lm_z_norm",
        "lm_q",
        "quartic_per_km2",
        "gauss_per_km2",
    ];
    let g = read_cols(&fixture("A_cells_sample.csv"), &cols);
    let ids: Vec<usize> = g[0].iter().map(|v| *v as usize).collect();
    let pick = |v: &[f64]| ids.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    assert_eq!(pick(&c.count), g[1]);
    assert_eq!(pick(&c.n_neigh), g[2]);
    assert!(max_rel(&pick(&c.gi.g), &g[3], 1e-12) < 1e-9);
    assert!(max_rel(&pick(&c.gi.z), &g[4], 1e-9) < 1e-9);
    assert!(max_rel(&pick(&c.gi.p), &g[5], 1e-12) < 1e-9);
    assert!(max_rel(&pick(&c.lm.i), &g[6], 1e-6) < 1e-9);
    assert!(max_rel(&pick(&c.lm.z_norm), &g[7], 1e-9) < 1e-9);
    for (k, &i) in ids.iter().enumerate() {
        assert!(c.lm.quadrant[i].code() as f64 == g[8][k] || c.lm.lag[i].abs() < 1e-12);
    }
    let quartic = kde(&grid, &pts, None, &KdeParams::new().fixed(400.0)).unwrap();
    assert!(max_rel(&pick(&quartic.density_km2), &g[9], 1e-6) < 1e-9);
    let gauss = kde(
        &grid,
        &pts,
        None,
        &KdeParams::new()
            .kernel(Kernel::Gaussian)
            .fixed(200.0)
            .gaussian_cutoff(f64::INFINITY),
    )
    .unwrap();
    assert!(max_rel(&pick(&gauss.density_km2), &g[10], 1e-12) < 1e-9);
}

fn gistar_full(case: &str, cell: f64) {
    let (Some(inp), Some(cells)) = (
        shared(&format!("gistar/{case}/input.csv")),
        shared(&format!("gistar/{case}/cells.csv")),
    ) else {
        return;
    };
    let pts = points(&inp);
    let (_, c) = compute(&pts, cell, 999);
    let g = read_cols(
        &cells,
        &[
            "count",
            "n_neigh",
            "gi_G",
            "gi_z",
            "gi_p_norm_2s",
            "lm_I",
            "lm_z_norm",
            "lm_q",
            "gi_p_sim",
            "lm_p_sim",
        ],
    );
    assert_eq!(c.count, g[0]);
    assert_eq!(c.n_neigh, g[1]);
    let dz =
        c.gi.z
            .iter()
            .zip(&g[3])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
    let rz = max_rel(&c.gi.z, &g[3], 1e-9);
    let rg = max_rel(&c.gi.g, &g[2], 1e-12);
    let rp = max_rel(&c.gi.p, &g[4], 1e-300);
    let ri = max_rel(&c.lm.i, &g[5], 1e-6);
    let ai =
        c.lm.i
            .iter()
            .zip(&g[5])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
    let rzn = max_rel(&c.lm.z_norm, &g[6], 1e-9);
    let q: Vec<f64> = c.lm.quadrant.iter().map(|q| q.code() as f64).collect();
    eprintln!(
        "PARITY gistar/{case}: cells {} | Gi* z max abs {dz:.3e} max rel {rz:.3e} | G rel {rg:.3e} | p rel {rp:.3e} | LM I rel {ri:.3e} (abs {ai:.3e}) | LM z rel {rzn:.3e}",
        c.count.len()
    );
    assert!(rz < 1e-9 && rg < 1e-9 && ri < 1e-9 && rzn < 1e-9);
    assert!(rp < 1e-9, "p rel {rp}");
    // quadrants: exact, except where the lag is 0 in exact arithmetic (e.g. 1 incident
    // among 5 neighbours when the mean is 0.2) and its sign is rounding noise
    let mism: Vec<usize> = (0..q.len()).filter(|&i| q[i] != g[7][i]).collect();
    let noise = mism.iter().filter(|&&i| c.lm.lag[i].abs() < 1e-12).count();
    eprintln!(
        "PARITY gistar/{case}: LM quadrant mismatches {} (all with |lag| < 1e-12: {})",
        mism.len(),
        noise == mism.len()
    );
    assert_eq!(noise, mism.len());
    // significant-cell count quoted in the golden README (A: 2449)
    let hot = (0..c.count.len())
        .filter(|&i| c.gi.z[i] > 0.0 && c.gi.p[i] < 0.05)
        .count();
    let ghot = (0..c.count.len())
        .filter(|&i| g[3][i] > 0.0 && g[4][i] < 0.05)
        .count();
    assert_eq!(hot, ghot);
    // permutation p: esda's folded rule from our counts, compared within Monte Carlo error
    let ge = c.gi.n_sim_ge.as_ref().unwrap();
    let mut ok = 0;
    for i in 0..ge.len() {
        let k = ge[i] as usize;
        let p_esda = (k.min(999 - k) + 1) as f64 / 1000.0;
        let p0 = g[8][i];
        let se = (p0 * (1.0 - p0) / 999.0).sqrt();
        if (p_esda - p0).abs() <= 4.0 * se + 0.002 {
            ok += 1;
        }
    }
    let share = ok as f64 / ge.len() as f64;
    eprintln!(
        "PARITY gistar/{case}: Gi* p_sim (esda rule) within 4 SE of esda for {:.4} of cells",
        share
    );
    assert!(share > 0.99, "{share}");
}

#[test]
fn parity_gistar_moran_a_full() {
    gistar_full("A", 200.0);
}

#[test]
fn parity_gistar_moran_b_full() {
    gistar_full("B", 250.0);
}

fn kde_full(case: &str, cell: f64, h: f64, gauss: Option<f64>) {
    let (Some(inp), Some(dens)) = (
        shared(&format!("kde/{case}/input.csv")),
        shared(&format!("kde/{case}/density.csv")),
    ) else {
        return;
    };
    let pts = points(&inp);
    let bbox = crate::layer::bbox_of(pts.iter().copied()).unwrap();
    let grid = Grid::covering(bbox, cell).unwrap();
    let cols: Vec<&str> = if gauss.is_some() {
        vec!["quartic_per_km2", "gauss_per_km2"]
    } else {
        vec!["quartic_per_km2"]
    };
    let g = read_cols(&dens, &cols);
    let q = kde(&grid, &pts, None, &KdeParams::new().fixed(h)).unwrap();
    assert_eq!(q.samples_per_side, 1);
    // relative where the golden value is > 0, exact zero elsewhere
    let rq = max_rel(&q.density_km2, &g[0], 1e-300);
    eprintln!(
        "PARITY kde/{case}: quartic h {h}: {} cells, max rel diff {rq:.3e}",
        g[0].len()
    );
    assert!(rq < 1e-9);
    if let Some(s) = gauss {
        let exact = kde(
            &grid,
            &pts,
            None,
            &KdeParams::new()
                .kernel(Kernel::Gaussian)
                .fixed(s)
                .gaussian_cutoff(f64::INFINITY),
        )
        .unwrap();
        let rg = max_rel(&exact.density_km2, &g[1], 1e-300);
        let trunc = kde(
            &grid,
            &pts,
            None,
            &KdeParams::new().kernel(Kernel::Gaussian).fixed(s),
        )
        .unwrap();
        let ag = trunc
            .density_km2
            .iter()
            .zip(&g[1])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!("PARITY kde/{case}: gaussian sigma {s}: untruncated max rel {rg:.3e}; default 8-sigma cutoff max abs {ag:.3e} per km2");
        assert!(rg < 1e-9);
        assert!(ag < 1e-12);
    }
}

#[test]
fn parity_kde_a_full() {
    kde_full("A", 200.0, 400.0, Some(200.0));
}

#[test]
fn parity_kde_b_full() {
    kde_full("B", 250.0, 500.0, None);
}

#[test]
fn parity_summary_numbers() {
    // the golden README's global numbers for B: xbar and population sd of the counts
    let Some(inp) = shared("gistar/B/input.csv") else {
        return;
    };
    let (_, c) = compute(&points(&inp), 250.0, 0);
    assert!((c.gi.mean - 0.6448963844797179).abs() < 1e-12);
    assert!((c.gi.sd - 1.573084825013854).abs() < 1e-12);
}
