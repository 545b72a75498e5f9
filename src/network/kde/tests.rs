//! Network KDE by hand: lines, junctions, loops, mass, and the parity cases.

use super::*;
use crate::network::snap::NetworkSpace;
use approx::assert_abs_diff_eq;

const H: f64 = 100.0;
const ALL: [NkdeMethod; 3] = [
    NkdeMethod::Simple,
    NkdeMethod::Discontinuous,
    NkdeMethod::Continuous,
];
const KERNELS: [NetKernel; 3] = [
    NetKernel::Quartic,
    NetKernel::Triangular,
    NetKernel::Gaussian,
];

fn k(kern: NetKernel, d: f64) -> f64 {
    kern.eval(d, H)
}

fn run(net: &Network, lx: &Lixels, ev: &[NetPos], m: NkdeMethod, kern: NetKernel) -> Vec<f64> {
    nkde(
        net,
        lx,
        ev,
        None,
        &NkdeParams::new(H).method(m).kernel(kern),
    )
    .unwrap()
}

/// The simple, discontinuous and continuous densities, in that order.
fn run3(net: &Network, lx: &Lixels, ev: &[NetPos], kern: NetKernel) -> [Vec<f64>; 3] {
    [
        NkdeMethod::Simple,
        NkdeMethod::Discontinuous,
        NkdeMethod::Continuous,
    ]
    .map(|m| run(net, lx, ev, m, kern))
}

/// Lixel of edge `e` whose centre is at `c` (10 m lixels: centres 5, 15, ...).
fn at(lx: &Lixels, e: u32, c: f64) -> usize {
    lx.of_edge(e)
        .find(|&k| (lx.centre(k) - c).abs() < 1e-9)
        .expect("a lixel centre there")
}

#[test]
fn net_kernel_integrates_to_one() {
    for (kern, mass) in [
        (NetKernel::Quartic, 1.0),
        (NetKernel::Triangular, 1.0),
        (NetKernel::Gaussian, 0.682_689_492_137_085_9),
    ] {
        let n = 200_000;
        let s: f64 = (0..n)
            .map(|i| kern.eval((i as f64 + 0.5) / n as f64 * H, H))
            .sum::<f64>()
            * (H / n as f64)
            * 2.0;
        assert_abs_diff_eq!(s, mass, epsilon = 1e-8);
    }
    assert_eq!(NetKernel::Quartic.eval(100.0 + 1e-9, 100.0), 0.0);
}

#[test]
fn nkde_line_every_form_is_the_1d_kernel() {
    // a 400 m line of two edges (node 1 at 200 m has degree 2): one event at 150 m
    let net = Network::from_edges(
        vec![[0.0, 0.0], [200.0, 0.0], [400.0, 0.0]],
        &[(0, 1, 200.0), (1, 2, 200.0)],
    )
    .unwrap();
    let lx = Lixels::new(&net, 10.0).unwrap();
    let ev = [NetPos::new(0, 150.0)];
    for kern in KERNELS {
        for m in ALL {
            let d = run(&net, &lx, &ev, m, kern);
            for (e, c, dist) in [
                (0, 145.0, 5.0),
                (0, 95.0, 55.0),
                (0, 195.0, 45.0),
                (1, 5.0, 55.0),
                (1, 45.0, 95.0),
                (1, 55.0, 105.0),
                (0, 45.0, 105.0),
            ] {
                assert_abs_diff_eq!(d[at(&lx, e, c)], k(kern, dist), epsilon = 1e-15);
            }
        }
    }
    // two events: additive; weights scale
    let ev2 = [NetPos::new(0, 150.0), NetPos::new(1, 10.0)];
    let p = NkdeParams::new(H).method(NkdeMethod::Continuous);
    let d = nkde(&net, &lx, &ev2, Some(&[2.0, 0.5]), &p).unwrap();
    let q = NetKernel::Quartic;
    assert_abs_diff_eq!(
        d[at(&lx, 1, 5.0)],
        2.0 * k(q, 55.0) + 0.5 * k(q, 5.0),
        epsilon = 1e-15
    );
}

/// Three arms of 100 m from node 0 (degree 3).
fn tee() -> Network {
    Network::from_edges(
        vec![[0.0, 0.0], [-300.0, 0.0], [300.0, 0.0], [0.0, 300.0]],
        &[(0, 1, 300.0), (0, 2, 300.0), (0, 3, 300.0)],
    )
    .unwrap()
}

#[test]
fn nkde_t_junction_by_hand() {
    // event 40 m up arm 0 from the junction
    let net = tee();
    let lx = Lixels::new(&net, 10.0).unwrap();
    let ev = [NetPos::new(0, 40.0)];
    for kern in KERNELS {
        let [s, dc, c] = run3(&net, &lx, &ev, kern);
        // other arm, 25 m from the junction: 65 m away
        let o = at(&lx, 1, 25.0);
        assert_abs_diff_eq!(s[o], k(kern, 65.0), epsilon = 1e-15);
        assert_abs_diff_eq!(dc[o], k(kern, 65.0) / 2.0, epsilon = 1e-15);
        assert_abs_diff_eq!(c[o], k(kern, 65.0) * 2.0 / 3.0, epsilon = 1e-15);
        // own arm between the junction and the event, 15 m from the junction (25 m
        // from the event): continuous adds the back-propagated -1/3 K(40 + 15)
        let b = at(&lx, 0, 15.0);
        assert_abs_diff_eq!(s[b], k(kern, 25.0), epsilon = 1e-15);
        assert_abs_diff_eq!(dc[b], k(kern, 25.0), epsilon = 1e-15);
        assert_abs_diff_eq!(c[b], k(kern, 25.0) - k(kern, 55.0) / 3.0, epsilon = 1e-15);
        // own arm beyond the event, 85 m from the junction (45 m from the event)
        let f = at(&lx, 0, 85.0);
        assert_abs_diff_eq!(s[f], k(kern, 45.0), epsilon = 1e-15);
        assert_abs_diff_eq!(dc[f], k(kern, 45.0), epsilon = 1e-15);
        assert_abs_diff_eq!(c[f], k(kern, 45.0) - k(kern, 125.0) / 3.0, epsilon = 1e-15);
    }
}

#[test]
fn nkde_cross_by_hand() {
    // four arms of 300 m from node 0 (degree 4); event 30 m up arm 2
    let net = Network::from_edges(
        vec![
            [0.0, 0.0],
            [-300.0, 0.0],
            [300.0, 0.0],
            [0.0, 300.0],
            [0.0, -300.0],
        ],
        &[(0, 1, 300.0), (0, 2, 300.0), (0, 3, 300.0), (0, 4, 300.0)],
    )
    .unwrap();
    let lx = Lixels::new(&net, 10.0).unwrap();
    let ev = [NetPos::new(2, 30.0)];
    for kern in KERNELS {
        let [s, dc, c] = run3(&net, &lx, &ev, kern);
        for arm in [0u32, 3] {
            let o = at(&lx, arm, 45.0);
            assert_abs_diff_eq!(s[o], k(kern, 75.0), epsilon = 1e-15);
            assert_abs_diff_eq!(dc[o], k(kern, 75.0) / 3.0, epsilon = 1e-15);
            assert_abs_diff_eq!(c[o], k(kern, 75.0) / 2.0, epsilon = 1e-15);
        }
        // own arm at 5 m from the junction: 25 m from the event, back ray 30 + 5
        let b = at(&lx, 2, 5.0);
        assert_abs_diff_eq!(c[b], k(kern, 25.0) - k(kern, 35.0) / 2.0, epsilon = 1e-15);
        assert_abs_diff_eq!(dc[b], k(kern, 25.0), epsilon = 1e-15);
    }
    // an event on the junction itself: 2/n = 1/2 into every arm in both equal-split forms
    let ev0 = [NetPos::new(1, 0.0)];
    for m in [NkdeMethod::Discontinuous, NkdeMethod::Continuous] {
        let d = run(&net, &lx, &ev0, m, NetKernel::Quartic);
        for arm in 0..4 {
            assert_abs_diff_eq!(
                d[at(&lx, arm, 35.0)],
                k(NetKernel::Quartic, 35.0) / 2.0,
                epsilon = 1e-15
            );
        }
    }
}

#[test]
fn nkde_loop_by_hand() {
    // a ring of four 50 m edges (200 m round, every node of degree 2) and h = 100:
    // the kernel meets itself; equal-split forms sum both ways round, simple takes
    // the shorter
    let net = Network::from_edges(
        vec![[0.0, 0.0], [50.0, 0.0], [50.0, 50.0], [0.0, 50.0]],
        &[(0, 1, 50.0), (1, 2, 50.0), (2, 3, 50.0), (3, 0, 50.0)],
    )
    .unwrap();
    let lx = Lixels::new(&net, 10.0).unwrap();
    let ev = [NetPos::new(0, 20.0)];
    for kern in KERNELS {
        let [s, dc, c] = run3(&net, &lx, &ev, kern);
        // edge 2 centre 25 m from node 2: forward 30 + 50 + 25 = 105 (> h),
        // backward 20 + 50 + 25 = 95
        let o = at(&lx, 2, 25.0);
        assert_abs_diff_eq!(s[o], k(kern, 95.0), epsilon = 1e-15);
        assert_abs_diff_eq!(dc[o], k(kern, 95.0) + k(kern, 105.0), epsilon = 1e-15);
        assert_abs_diff_eq!(c[o], dc[o], epsilon = 1e-15);
        // edge 0 at 5 m: 15 m away, and 185 m the long way round (beyond h)
        let b = at(&lx, 0, 5.0);
        assert_abs_diff_eq!(s[b], k(kern, 15.0), epsilon = 1e-15);
        assert_abs_diff_eq!(c[b], k(kern, 15.0), epsilon = 1e-15);
    }
    // a bigger bandwidth: both ways round, the long way too (h = 300 > 185)
    let p = NkdeParams::new(300.0).method(NkdeMethod::Discontinuous);
    let d = nkde(&net, &lx, &ev, None, &p).unwrap();
    let q = |x: f64| NetKernel::Quartic.eval(x, 300.0);
    assert_abs_diff_eq!(
        d[at(&lx, 0, 5.0)],
        q(15.0) + q(185.0) + q(215.0),
        epsilon = 1e-15
    );
    // a one-edge loop (a circle of 200 m) gives the same as the ring
    let one = Network::from_edges(vec![[0.0, 0.0]], &[(0, 0, 200.0)]).unwrap();
    let lx1 = Lixels::new(&one, 10.0).unwrap();
    let d1 = nkde(&one, &lx1, &ev, None, &p).unwrap();
    assert_abs_diff_eq!(d1[0], d[at(&lx, 0, 5.0)], epsilon = 1e-15);
}

#[test]
fn nkde_mass_conserved_by_the_split_forms() {
    // a 3 x 3 block grid of 100 m with long exits; events near the centre,
    // bandwidth 150 m: continuous and discontinuous keep the mass (no dead end
    // within reach), simple exceeds it
    let mut lines = Vec::new();
    for i in 0..6 {
        let c = -100.0 + i as f64 * 100.0;
        lines.push(geo::LineString::from(vec![(-1000.0, c), (1400.0, c)]));
        lines.push(geo::LineString::from(vec![(c, -1000.0), (c, 1400.0)]));
    }
    let net = Network::build(&lines, &crate::network::NetworkParams::new()).unwrap();
    let lx = Lixels::new(&net, 1.0).unwrap();
    let sp = NetworkSpace::new(net.clone(), 5.0).unwrap();
    let ev: Vec<NetPos> = [[150.0, 100.0], [200.0, 230.0], [310.0, 300.0]]
        .iter()
        .map(|p| sp.snap(*p).unwrap().0)
        .collect();
    let mass = |m: NkdeMethod| -> f64 {
        let d = nkde(&net, &lx, &ev, None, &NkdeParams::new(150.0).method(m)).unwrap();
        d.iter().enumerate().map(|(k, v)| v * lx.length(k)).sum()
    };
    assert_abs_diff_eq!(mass(NkdeMethod::Continuous), 3.0, epsilon = 1e-4);
    assert_abs_diff_eq!(mass(NkdeMethod::Discontinuous), 3.0, epsilon = 1e-4);
    assert!(mass(NkdeMethod::Simple) > 3.5);
}

#[test]
fn nkde_same_for_any_thread_count_and_rejects_bad_input() {
    let net = tee();
    let lx = Lixels::new(&net, 7.0).unwrap();
    let ev: Vec<NetPos> = (0..2000)
        .map(|i| NetPos::new((i % 3) as u32, (i as f64 * 13.7) % 300.0))
        .collect();
    let p = NkdeParams::new(120.0);
    let a = nkde(&net, &lx, &ev, None, &p).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| nkde(&net, &lx, &ev, None, &p).unwrap());
    assert_eq!(a, b);
    assert!(nkde(&net, &lx, &ev, None, &NkdeParams::new(0.0)).is_err());
    assert!(nkde(&net, &lx, &[NetPos::new(9, 0.0)], None, &p).is_err());
    assert!(nkde(&net, &lx, &[NetPos::new(0, 400.0)], None, &p).is_err());
    assert!(nkde(&net, &lx, &ev[..1], Some(&[f64::NAN]), &p).is_err());
}

#[test]
fn nkde_planar_crosses_what_the_network_does_not() {
    // two parallel streets 60 m apart, joined only 1 km away: an event on one
    // lights the other in the planar form only
    let lines = vec![
        geo::LineString::from(vec![(0.0, 0.0), (1000.0, 0.0)]),
        geo::LineString::from(vec![(0.0, 60.0), (1000.0, 60.0)]),
        geo::LineString::from(vec![(1000.0, 0.0), (1000.0, 60.0)]),
    ];
    let net = Network::build(&lines, &crate::network::NetworkParams::new()).unwrap();
    let sp = NetworkSpace::new(net, 10.0).unwrap();
    let st = nkde_study(&sp, &[[100.0, 2.0]], None, &NkdeParams::new(200.0)).unwrap();
    let other = sp.snap([100.0, 60.0]).unwrap().0;
    let k = st
        .lixels
        .of_edge(other.edge)
        .find(|&k| (st.lixels.centre(k) - other.offset).abs() <= 10.0)
        .unwrap();
    assert_eq!(st.density[k], 0.0);
    let pl = nkde_study(
        &sp,
        &[[100.0, 2.0]],
        None,
        &NkdeParams::new(200.0).method(NkdeMethod::Planar),
    )
    .unwrap();
    assert!(pl.density[k] > 0.5 * NetKernel::Quartic.eval(60.0, 200.0));
    assert_eq!(st.n_events, 1);
}
