//! Parity with PySAL spaghetti 1.7.6 on the golden network of
//! `fixtures/golden/network` (recipe: `scripts/golden/network.sh`): snapping,
//! shortest-path distances between snapped points, `GlobalAutoK` and the cross K
//! function computed from spaghetti's cross distances.

use approx::assert_relative_eq;
use geo::LineString;

use super::*;

fn golden(name: &str) -> Vec<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/golden/network")
        .join(name);
    let mut r = csv::Reader::from_path(&path).expect("golden file");
    r.records()
        .map(|x| x.expect("record").iter().map(str::to_string).collect())
        .collect()
}

fn f(s: &str) -> f64 {
    s.parse().expect("number")
}

fn points(name: &str) -> Vec<[f64; 2]> {
    golden(name).iter().map(|r| [f(&r[1]), f(&r[2])]).collect()
}

fn space() -> NetworkSpace {
    let lines: Vec<LineString<f64>> = golden("lines.csv")
        .iter()
        .map(|r| LineString::from(vec![(f(&r[0]), f(&r[1])), (f(&r[2]), f(&r[3]))]))
        .collect();
    let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    assert_eq!(net.edges.len(), 73);
    assert_eq!(net.nodes.len(), 45);
    assert_eq!(net.report.snapped_endpoints, 0);
    NetworkSpace::new(net, 50.0).unwrap()
}

fn snapped(sp: &NetworkSpace, name: &str) -> Vec<NetPos> {
    let s = sp.snap_all(&points(name));
    assert_eq!(s.unsnapped, 0);
    s.positions().1
}

#[test]
fn parity_spaghetti_snapping_and_distances() {
    let sp = space();
    assert_relative_eq!(
        sp.net.total_length(),
        7511.332967569931,
        max_relative = 1e-13
    );
    let inc = snapped(&sp, "incidents.csv");
    let fac = snapped(&sp, "facilities.csv");
    let g = golden("snapped.csv");
    for r in &g {
        let i: usize = r[1].parse().unwrap();
        let p = if r[0] == "incidents" { inc[i] } else { fac[i] };
        let q = sp.xy(p);
        assert!(
            (q[0] - f(&r[2])).abs() < 1e-7 && (q[1] - f(&r[3])).abs() < 1e-7,
            "{r:?} vs {q:?}"
        );
    }
    let d = sp.net.distance_matrix(&inc, &inc, f64::INFINITY);
    let rows = golden("distances.csv");
    assert_eq!(rows.len(), 80 * 79 / 2);
    let mut worst: f64 = 0.0;
    for r in &rows {
        let (i, j): (usize, usize) = (r[0].parse().unwrap(), r[1].parse().unwrap());
        worst = worst.max((d[i][j] - f(&r[2])).abs());
        assert_relative_eq!(d[i][j], f(&r[2]), max_relative = 1e-10, epsilon = 1e-9);
        assert_relative_eq!(d[j][i], f(&r[2]), max_relative = 1e-10, epsilon = 1e-9);
    }
    eprintln!("largest |crimescape - spaghetti| distance: {worst:e} m");
    let c = sp.net.distance_matrix(&inc, &fac, f64::INFINITY);
    for r in &golden("cross.csv") {
        let (i, j): (usize, usize) = (r[0].parse().unwrap(), r[1].parse().unwrap());
        assert_relative_eq!(c[i][j], f(&r[2]), max_relative = 1e-10, epsilon = 1e-9);
    }
}

#[test]
fn parity_spaghetti_global_auto_k_and_cross_k() {
    let sp = space();
    let inc = snapped(&sp, "incidents.csv");
    let fac = snapped(&sp, "facilities.csv");
    let p = KParams::steps(600.0, 25).simulations(0);
    let k = network_k(&sp.net, &inc, &p).unwrap();
    let g = golden("k.csv");
    assert_eq!(g.len(), 25);
    for (j, r) in g.iter().enumerate() {
        assert_relative_eq!(k.distances[j], f(&r[0]), max_relative = 1e-12);
        assert_relative_eq!(k.k_spaghetti[j], f(&r[1]), max_relative = 1e-12);
    }
    let c = network_cross_k(&sp.net, &inc, &fac, &p).unwrap();
    for (j, r) in golden("cross_k.csv").iter().enumerate() {
        assert_eq!(c.pairs_below[j], r[1].parse::<u64>().unwrap());
        assert_relative_eq!(
            c.k_spaghetti[j],
            f(&r[2]),
            max_relative = 1e-12,
            epsilon = 1e-12
        );
    }
}
