//! Agreement of two labelings of the same points: the adjusted Rand index and
//! equality up to renaming clusters (used to compare DBSCAN with scikit-learn).

/// Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same points;
/// noise (`None`) is treated as one more label, as scikit-learn's
/// `adjusted_rand_score` does with −1. Returns 1 when both are single partitions.
pub fn adjusted_rand_index(a: &[Option<usize>], b: &[Option<usize>]) -> f64 {
    use std::collections::HashMap;
    let n = a.len().min(b.len());
    let mut cont: HashMap<(Option<usize>, Option<usize>), u64> = HashMap::new();
    let mut ra: HashMap<Option<usize>, u64> = HashMap::new();
    let mut rb: HashMap<Option<usize>, u64> = HashMap::new();
    for i in 0..n {
        *cont.entry((a[i], b[i])).or_insert(0) += 1;
        *ra.entry(a[i]).or_insert(0) += 1;
        *rb.entry(b[i]).or_insert(0) += 1;
    }
    let c2 = |x: u64| (x as f64) * (x as f64 - 1.0) / 2.0;
    let mut sums = [0.0; 3];
    let mut keys: Vec<_> = cont.into_iter().collect();
    keys.sort();
    sums[0] = keys.iter().map(|(_, v)| c2(*v)).sum();
    let mut va: Vec<_> = ra.into_iter().collect();
    va.sort();
    sums[1] = va.iter().map(|(_, v)| c2(*v)).sum();
    let mut vb: Vec<_> = rb.into_iter().collect();
    vb.sort();
    sums[2] = vb.iter().map(|(_, v)| c2(*v)).sum();
    let total = c2(n as u64);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sums[1] * sums[2] / total;
    let max = (sums[1] + sums[2]) / 2.0;
    if max == expected {
        return 1.0;
    }
    (sums[0] - expected) / (max - expected)
}

/// Whether two labelings are the same partition (equal up to renaming clusters;
/// noise must be noise in both).
pub fn same_partition(a: &[Option<usize>], b: &[Option<usize>]) -> bool {
    use std::collections::HashMap;
    if a.len() != b.len() {
        return false;
    }
    let mut f: HashMap<usize, usize> = HashMap::new();
    let mut g: HashMap<usize, usize> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                if *f.entry(*x).or_insert(*y) != *y || *g.entry(*y).or_insert(*x) != *x {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}
