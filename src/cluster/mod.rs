//! Point clusters: DBSCAN, space-time DBSCAN, HDBSCAN, Nnh (CrimeStat), and cluster summaries
//! (count, time span, convex hull, standard deviational ellipse).
//!
//! Labels are always per point in input order, `None` = noise.

mod boruvka;
pub mod dbscan;
pub mod ellipse;
pub mod hdbscan;
pub mod nnh;
pub mod summary;

pub use dbscan::{
    adjusted_rand_index, dbscan, same_partition, st_dbscan, Clustering, DbscanParams,
    StDbscanParams,
};
pub use ellipse::{standard_deviational_ellipse, Ellipse, EllipseConvention};
pub use hdbscan::{hdbscan, HdbscanParams};
pub use nnh::{nnh, NnhParams, NnhResult, NnhThreshold};
pub use summary::{summarise_clusters, ClusterSummary};

use rstar::primitives::GeomWithData;
use rstar::RTree;

/// A bulk-loaded R-tree of points used by the clustering code (radius queries
/// into a caller's buffer, no sorting, no allocation per query).
pub(crate) struct PointTree {
    tree: RTree<GeomWithData<[f64; 2], usize>>,
}

impl PointTree {
    pub(crate) fn new(xy: &[[f64; 2]]) -> Self {
        PointTree {
            tree: RTree::bulk_load(
                xy.iter()
                    .enumerate()
                    .map(|(i, p)| GeomWithData::new(*p, i))
                    .collect(),
            ),
        }
    }

    /// Appends the indices of points with squared distance `<= r2` (inclusive).
    pub(crate) fn within_into(&self, p: [f64; 2], r2: f64, out: &mut Vec<usize>) {
        out.extend(self.tree.locate_within_distance(p, r2).map(|it| it.data));
    }
}

#[cfg(test)]
mod golden {
    //! Parity with scikit-learn on ../shared/golden/dbscan (slices in fixtures/golden/dbscan).
    use super::*;
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
    }

    fn read_rows(p: &Path) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(p).expect("fixture");
        text.lines()
            .skip(1)
            .map(|l| l.split(',').map(|s| s.to_string()).collect())
            .collect()
    }

    fn label(s: &str) -> Option<usize> {
        let v: i64 = s.parse().expect("label");
        (v >= 0).then_some(v as usize)
    }

    /// (dbscan labels, core flags, hdbscan labels) of a golden set.
    pub(crate) fn golden_labels(set: &str) -> (Vec<Option<usize>>, Vec<bool>, Vec<Option<usize>>) {
        let rows = read_rows(&root().join(format!("fixtures/golden/dbscan/{set}/labels.csv")));
        (
            rows.iter().map(|r| label(&r[1])).collect(),
            rows.iter().map(|r| r[2] == "1").collect(),
            rows.iter().map(|r| label(&r[3])).collect(),
        )
    }

    pub(crate) fn input_a() -> Vec<[f64; 2]> {
        read_rows(&root().join("fixtures/golden/dbscan/A/input_xy.csv"))
            .iter()
            .map(|r| [r[0].parse().expect("x"), r[1].parse().expect("y")])
            .collect()
    }

    pub(crate) fn input_b() -> Option<Vec<[f64; 2]>> {
        let p = root().join("../shared/golden/dbscan/B/input.csv");
        if !p.exists() {
            eprintln!("skipping: {} not found", p.display());
            return None;
        }
        Some(
            read_rows(&p)
                .iter()
                .map(|r| [r[1].parse().expect("x"), r[2].parse().expect("y")])
                .collect(),
        )
    }

    #[test]
    fn dbscan_golden_a_exact() {
        let xy = input_a();
        let (want, core, _) = golden_labels("A");
        let c = dbscan(&xy, &DbscanParams::new(100.0, 10)).unwrap();
        assert_eq!(c.core, core);
        // sklearn numbers clusters by lowest core index: the labels are identical
        assert_eq!(c.labels, want);
        assert_eq!(c.n_clusters, 4);
        assert_eq!(c.n_noise(), 1846);
    }

    #[test]
    fn dbscan_golden_b_exact() {
        let Some(xy) = input_b() else { return };
        let (want, core, _) = golden_labels("B");
        let c = dbscan(&xy, &DbscanParams::new(150.0, 10)).unwrap();
        assert_eq!(c.core, core);
        assert_eq!(c.labels, want);
        assert_eq!(c.n_clusters, 96);
        assert_eq!(c.n_noise(), 9693);
    }

    #[test]
    fn hdbscan_golden_a_ari() {
        let xy = input_a();
        let (_, _, want) = golden_labels("A");
        let c = hdbscan(&xy, &HdbscanParams::new(25)).unwrap();
        let ari = adjusted_rand_index(&c.labels, &want);
        eprintln!(
            "HDBSCAN A: {} clusters, {} noise, ARI vs sklearn {ari}, identical partition {}",
            c.n_clusters,
            c.n_noise(),
            same_partition(&c.labels, &want)
        );
        assert!(ari >= 0.99, "ARI {ari}");
        assert_eq!(c.n_clusters, 9);
    }

    #[test]
    fn hdbscan_golden_b_ari() {
        let Some(xy) = input_b() else { return };
        let (_, _, want) = golden_labels("B");
        let c = hdbscan(&xy, &HdbscanParams::new(25)).unwrap();
        let ari = adjusted_rand_index(&c.labels, &want);
        eprintln!(
            "HDBSCAN B: {} clusters, {} noise, sizes {:?}, ARI vs sklearn {ari}",
            c.n_clusters,
            c.n_noise(),
            c.sizes()
        );
        assert!(ari >= 0.99, "ARI {ari}");
    }
}

#[cfg(test)]
mod real {
    //! Parity with scikit-learn on real data: Vancouver VPD 2020 (33,761 incidents,
    //! 17,261 distinct locations: offsets to the hundred block make many duplicates and
    //! tied distances). Labels: `fixtures/golden/clusters_real/` (recipe
    //! `scripts/golden/clusters_real.sh`); input `../shared/data` (skipped when absent).
    use super::*;
    use std::io::Read;
    use std::path::Path;

    fn input() -> Option<Vec<[f64; 2]>> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/vancouver/vpd_crimes_2020.csv");
        let Ok(text) = std::fs::read_to_string(&p) else {
            eprintln!("skipping: {} not found", p.display());
            return None;
        };
        Some(
            text.lines()
                .skip(1)
                .map(|l| {
                    let mut f = l.split(',').skip(1);
                    let x = f.next().and_then(|v| v.parse().ok()).expect("x");
                    let y = f.next().and_then(|v| v.parse().ok()).expect("y");
                    [x, y]
                })
                .collect(),
        )
    }

    /// (dbscan label, core, hdbscan label) per row.
    fn golden() -> (Vec<Option<usize>>, Vec<bool>, Vec<Option<usize>>) {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/golden/clusters_real/vancouver.csv.gz");
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(p).expect("fixture"))
            .read_to_string(&mut text)
            .expect("gzip");
        let lab = |s: &str| {
            let v: i64 = s.parse().expect("label");
            (v >= 0).then_some(v as usize)
        };
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        (
            rows.iter().map(|r| lab(r[1])).collect(),
            rows.iter().map(|r| r[2] == "1").collect(),
            rows.iter().map(|r| lab(r[3])).collect(),
        )
    }

    #[test]
    fn dbscan_vancouver_equals_sklearn() {
        let Some(xy) = input() else { return };
        let (want, core, _) = golden();
        let c = dbscan(&xy, &DbscanParams::new(100.0, 10)).unwrap();
        assert_eq!(c.core, core);
        assert_eq!(c.labels, want);
        assert_eq!(c.n_clusters, 221);
    }

    #[test]
    fn hdbscan_vancouver_ari() {
        let Some(xy) = input() else { return };
        let (_, _, want) = golden();
        let c = hdbscan(&xy, &HdbscanParams::new(25)).unwrap();
        let ari = adjusted_rand_index(&c.labels, &want);
        eprintln!(
            "HDBSCAN Vancouver: {} clusters, {} noise (sklearn 285, 16,271), ARI {ari}",
            c.n_clusters,
            c.n_noise()
        );
        // scikit-learn against itself on these data: 0.985-0.988 under row permutations
        // and 0.981-0.988 when its own tied MST edges are merged in another order
        // (vancouver.json): 0.99 is out of reach for any tie rule; ours gives 0.9836
        assert!(ari >= 0.98, "ARI {ari}");
        assert!(
            (270..=300).contains(&c.n_clusters),
            "{} clusters",
            c.n_clusters
        );
    }
}

#[cfg(test)]
mod simulation {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn dbscan_recovers_demo_city_hotspots() {
        // the city this test was calibrated on (before the demo river)
        let city = crate::demo::generate(
            &crate::demo::DemoParams::new(7)
                .incidents(8000)
                .size(3000.0)
                .river(false),
        )
        .expect("demo city");
        let c = dbscan(&city.incidents.xy, &DbscanParams::new(50.0, 15)).unwrap();
        let s = summarise_clusters(
            &city.incidents.xy,
            &city.incidents.time,
            &c,
            EllipseConvention::CrimeStat,
        );
        let kind = city.incidents.attr("kind").expect("kind column");
        // hotspot -> (cluster holding most of its inner incidents, inner count)
        let mut found: Vec<(usize, usize)> = Vec::new();
        for h in &city.truth.hotspots {
            // the planted incidents within 1 sigma of the centre
            let inner: Vec<usize> = (0..city.incidents.len())
                .filter(|&i| {
                    let p = city.incidents.xy[i];
                    kind.get(i) == h.label
                        && (p[0] - h.centre[0]).powi(2) + (p[1] - h.centre[1]).powi(2)
                            <= h.sigma * h.sigma
                })
                .collect();
            let mut per = vec![0usize; c.n_clusters];
            for &i in &inner {
                if let Some(l) = c.labels[i] {
                    per[l] += 1;
                }
            }
            let (best, n) = per
                .iter()
                .enumerate()
                .max_by_key(|x| *x.1)
                .map(|(l, n)| (l, *n))
                .unwrap_or((0, 0));
            assert!(
                2 * n >= inner.len(),
                "{}: only {n} of {} in one cluster",
                h.label,
                inner.len()
            );
            found.push((best, inner.len()));
        }
        // each recovered cluster is centred on the planted centre(s) it holds (two
        // close hotspots may merge into one cluster: then on their weighted mean)
        for &(l, _) in &found {
            let hs: Vec<usize> = (0..found.len()).filter(|&k| found[k].0 == l).collect();
            let w: f64 = hs.iter().map(|&k| found[k].1 as f64).sum();
            let mut centre = [0.0, 0.0];
            for &k in &hs {
                let f = found[k].1 as f64 / w;
                centre[0] += f * city.truth.hotspots[k].centre[0];
                centre[1] += f * city.truth.hotspots[k].centre[1];
            }
            let sigma = hs
                .iter()
                .map(|&k| city.truth.hotspots[k].sigma)
                .fold(0.0, f64::max);
            let off = ((s[l].centroid[0] - centre[0]).powi(2)
                + (s[l].centroid[1] - centre[1]).powi(2))
            .sqrt();
            assert!(
                off <= sigma,
                "cluster {l}: centroid {off:.0} m from the planted centre(s)"
            );
        }
    }

    #[test]
    fn dbscan_finds_nothing_in_uniform_noise() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
        let xy: Vec<[f64; 2]> = (0..5000)
            .map(|_| [rng.random_range(0.0..3000.0), rng.random_range(0.0..3000.0)])
            .collect();
        // expected neighbours within 50 m: 5000 / 9e6 * pi * 2500 = 4.4; 20 is far in the tail
        let c = dbscan(&xy, &DbscanParams::new(50.0, 20)).unwrap();
        assert_eq!(c.n_clusters, 0);
        assert_eq!(c.n_noise(), 5000);
    }
}
