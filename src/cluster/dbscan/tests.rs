//! DBSCAN and space-time DBSCAN against brute-force transcriptions of scikit-learn's algorithm.
use super::*;

fn brute(xy: &[[f64; 2]], eps: f64, m: usize) -> Clustering {
    brute_with(xy, m, |i, j| {
        let (dx, dy) = (xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]);
        dx * dx + dy * dy <= eps * eps
    })
}

fn brute_st(xy: &[[f64; 2]], t: &[i64], eps: f64, et: i64, m: usize) -> Clustering {
    brute_with(xy, m, |i, j| {
        let (dx, dy) = (xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]);
        dx * dx + dy * dy <= eps * eps && (t[i] - t[j]).abs() <= et
    })
}

fn brute_with(xy: &[[f64; 2]], m: usize, near: impl Fn(usize, usize) -> bool) -> Clustering {
    // literal transcription of scikit-learn's dbscan_inner
    let n = xy.len();
    let nb: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| near(i, j)).collect())
        .collect();
    let core: Vec<bool> = nb.iter().map(|v| v.len() >= m).collect();
    let mut labels: Vec<Option<usize>> = vec![None; n];
    let mut next = 0;
    for s in 0..n {
        if labels[s].is_some() || !core[s] {
            continue;
        }
        let mut stack = vec![];
        let mut i = s;
        loop {
            if labels[i].is_none() {
                labels[i] = Some(next);
                if core[i] {
                    for &j in &nb[i] {
                        if labels[j].is_none() {
                            stack.push(j);
                        }
                    }
                }
            }
            match stack.pop() {
                Some(j) => i = j,
                None => break,
            }
        }
        next += 1;
    }
    Clustering {
        labels,
        core,
        n_clusters: next,
    }
}

#[test]
fn dbscan_equals_sklearn_transcription_on_random_points() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for case in 0..20 {
        let n = 50 + case * 10;
        let xy: Vec<[f64; 2]> = (0..n)
            .map(|_| [rng.random_range(0.0..100.0), rng.random_range(0.0..100.0)])
            .collect();
        for (eps, m) in [(5.0, 3), (8.0, 4), (10.0, 6), (0.0, 1)] {
            let a = dbscan(&xy, &DbscanParams::new(eps, m)).unwrap();
            let b = brute(&xy, eps, m);
            assert_eq!(a, b, "case {case} eps {eps} m {m}");
        }
    }
}

#[test]
fn dbscan_equals_sklearn_transcription_on_dense_clumps_and_duplicates() {
    // dense cells (the no-distance shortcut), duplicates, sparse surroundings
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for case in 0..12 {
        let mut xy: Vec<[f64; 2]> = Vec::new();
        for _ in 0..4 {
            let c = [rng.random_range(0.0..200.0), rng.random_range(0.0..200.0)];
            let sd = rng.random_range(0.5..6.0);
            for _ in 0..rng.random_range(5..80) {
                xy.push([
                    c[0] + sd * (rng.random::<f64>() - 0.5),
                    c[1] + sd * (rng.random::<f64>() - 0.5),
                ]);
            }
            for _ in 0..rng.random_range(0..12) {
                xy.push(c);
            }
        }
        for _ in 0..100 {
            xy.push([rng.random_range(0.0..200.0), rng.random_range(0.0..200.0)]);
        }
        // shuffle so that cells and indices are unrelated
        for k in (1..xy.len()).rev() {
            let j = rng.random_range(0..=k);
            xy.swap(k, j);
        }
        for (eps, m) in [(3.0, 5), (7.5, 12), (1.0, 3), (15.0, 30), (0.0, 4)] {
            let a = dbscan(&xy, &DbscanParams::new(eps, m)).unwrap();
            assert_eq!(a, brute(&xy, eps, m), "case {case} eps {eps} m {m}");
        }
    }
}

#[test]
fn dbscan_extreme_coordinates_and_radii() {
    // cell keys saturate or need huge cell indices: still exact
    let xy = vec![
        [1e15, 1e15],
        [1e15 + 0.125, 1e15],
        [1e15, 1e15 + 0.25],
        [-1e15, 3.0],
        [-1e15, 3.0],
        [0.0, 0.0],
    ];
    for (eps, m) in [
        (1e-300, 1),
        (1e-300, 2),
        (0.3, 2),
        (0.3, 3),
        (1e300, 6),
        (5e-324, 2),
    ] {
        let a = dbscan(&xy, &DbscanParams::new(eps, m)).unwrap();
        assert_eq!(a, brute(&xy, eps, m), "eps {eps} m {m}");
    }
}

#[test]
fn st_dbscan_equals_transcription_on_random_points() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    for case in 0..15 {
        let n = 80 + case * 15;
        let mut xy: Vec<[f64; 2]> = Vec::new();
        let mut t: Vec<i64> = Vec::new();
        for _ in 0..n {
            if rng.random::<f64>() < 0.5 {
                xy.push([rng.random_range(40.0..46.0), rng.random_range(40.0..46.0)]);
                t.push(rng.random_range(0..20));
            } else {
                xy.push([rng.random_range(0.0..100.0), rng.random_range(0.0..100.0)]);
                t.push(rng.random_range(-50..50));
            }
        }
        for (eps, et, m) in [
            (5.0, 3, 3),
            (8.0, 0, 4),
            (10.0, 10, 6),
            (0.0, 5, 1),
            (4.0, 100, 8),
        ] {
            let a = st_dbscan(&xy, &t, &StDbscanParams::new(eps, et, m)).unwrap();
            let b = brute_st(&xy, &t, eps, et, m);
            assert_eq!(a, b, "case {case} eps {eps} et {et} m {m}");
        }
    }
    // extreme times: no overflow, still exact
    let xy = vec![[0.0, 0.0]; 4];
    let t = [i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX];
    for et in [0, 1, i64::MAX] {
        let a = st_dbscan(&xy, &t, &StDbscanParams::new(1.0, et, 2)).unwrap();
        assert_eq!(a, brute_st_wide(&t, et, 2), "et {et}");
    }
}

fn brute_st_wide(t: &[i64], et: i64, m: usize) -> Clustering {
    let xy = vec![[0.0, 0.0]; t.len()];
    brute_with(&xy, m, |i, j| t[i].abs_diff(t[j]) <= et as u64)
}

#[test]
fn dbscan_does_not_depend_on_thread_count() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
    let xy: Vec<[f64; 2]> = (0..3000)
        .map(|_| [rng.random_range(0.0..500.0), rng.random_range(0.0..500.0)])
        .collect();
    let p = DbscanParams::new(12.0, 5);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| dbscan(&xy, &p).unwrap());
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| dbscan(&xy, &p).unwrap());
    assert_eq!(one, many);
    assert!(one.n_clusters > 0);
}

#[test]
fn dbscan_eps_is_inclusive_and_min_samples_counts_self() {
    let pts = [[0.0, 0.0], [3.0, 4.0]];
    let c = dbscan(&pts, &DbscanParams::new(5.0, 2)).unwrap();
    assert_eq!(c.labels, vec![Some(0), Some(0)]);
    let c = dbscan(&pts, &DbscanParams::new(4.999, 2)).unwrap();
    assert_eq!(c.labels, vec![None, None]);
    let c = dbscan(&pts, &DbscanParams::new(1.0, 1)).unwrap();
    assert_eq!(c.labels, vec![Some(0), Some(1)]);
}

#[test]
fn dbscan_border_goes_to_first_cluster() {
    // two clusters of 4 (min_samples 4) with a border point between them
    let pts = [
        [10.0, 0.0], // border, index 0, reachable from both
        [20.0, 0.0],
        [21.0, 0.0],
        [19.0, 0.0],
        [0.0, 0.0],
        [-1.0, 0.0],
        [1.0, 0.0],
        [22.0, 0.0],
        [-2.0, 0.0],
    ];
    let c = dbscan(&pts, &DbscanParams::new(9.0, 4)).unwrap();
    // clusters numbered by lowest core index: {1,2,3,7} -> 0, {4,5,6,8} -> 1
    assert_eq!(c.labels[1], Some(0));
    assert_eq!(c.labels[4], Some(1));
    assert_eq!(c.labels[0], Some(0));
    assert!(!c.core[0]);
}

#[test]
fn dbscan_degenerate_inputs() {
    assert_eq!(
        dbscan(&[], &DbscanParams::new(1.0, 2)).unwrap().n_clusters,
        0
    );
    let one = dbscan(&[[1.0, 1.0]], &DbscanParams::new(1.0, 2)).unwrap();
    assert_eq!(one.labels, vec![None]);
    let same = vec![[5.0, 5.0]; 30];
    let c = dbscan(&same, &DbscanParams::new(0.0, 5)).unwrap();
    assert_eq!(c.n_clusters, 1);
    assert!(c.labels.iter().all(|l| *l == Some(0)));
    let line: Vec<[f64; 2]> = (0..20).map(|i| [i as f64, 0.0]).collect();
    let c = dbscan(&line, &DbscanParams::new(1.0, 3)).unwrap();
    assert_eq!(c.n_clusters, 1);
    assert!(dbscan(&[[f64::NAN, 0.0]], &DbscanParams::new(1.0, 2)).is_err());
    assert!(dbscan(&line, &DbscanParams::new(-1.0, 2)).is_err());
    assert!(dbscan(&line, &DbscanParams::new(1.0, 0)).is_err());
}

#[test]
fn st_dbscan_separates_in_time() {
    // same place, two bursts 100 days apart
    let xy = vec![[0.0, 0.0]; 10];
    let t: Vec<i64> = (0..10)
        .map(|i| {
            if i < 5 {
                i * 3600
            } else {
                100 * 86400 + i * 3600
            }
        })
        .collect();
    let c = st_dbscan(&xy, &t, &StDbscanParams::new(10.0, 86400, 3)).unwrap();
    assert_eq!(c.n_clusters, 2);
    assert_eq!(c.labels[0], Some(0));
    assert_eq!(c.labels[9], Some(1));
    // with a huge time window it is plain DBSCAN
    let c2 = st_dbscan(&xy, &t, &StDbscanParams::new(10.0, i64::MAX / 4, 3)).unwrap();
    assert_eq!(c2, dbscan(&xy, &DbscanParams::new(10.0, 3)).unwrap());
    assert!(st_dbscan(&xy, &t[..3], &StDbscanParams::new(10.0, 1, 3)).is_err());
}

#[test]
fn adjusted_rand_index_known_values() {
    let a = [Some(0), Some(0), Some(1), Some(1)];
    let b = [Some(1), Some(1), Some(0), Some(0)];
    assert!((adjusted_rand_index(&a, &b) - 1.0).abs() < 1e-12);
    assert!(same_partition(&a, &b));
    // sklearn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
    let c = [Some(0), Some(0), Some(1), Some(2)];
    assert!((adjusted_rand_index(&a, &c) - 0.5714285714285715).abs() < 1e-12);
    assert!(!same_partition(&a, &c));
}

#[test]
fn st_dbscan_typed_error_names_eps_time() {
    let e = st_dbscan(&[[0.0, 0.0]], &[0], &StDbscanParams::new(1.0, -1, 2)).unwrap_err();
    assert!(matches!(&e, Error::InvalidParam { param: "eps_time", value, .. } if value == "-1"));
}
