//! Simulation on the demo city: incidents planted along three riverside streets
//! are found by network KDE and segment Gi*, and the parallel streets 60 m away
//! across the river — which a planar KDE lights up — are not.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::demo::{generate, DemoParams};

fn mean(v: &[f64], ks: std::ops::Range<usize>) -> f64 {
    let n = ks.len() as f64;
    ks.map(|k| v[k]).sum::<f64>() / n
}

#[test]
fn simulation_planted_riverside_streets_found_not_the_far_bank() {
    let city = generate(&DemoParams::new(5).incidents(500).size(3000.0)).unwrap();
    let river = city.truth.river.clone().expect("the demo city has a river");
    let ln = Network::from_layer(&city.streets, &NetworkParams::new()).unwrap();
    let space = NetworkSpace::new(ln.net, 30.0).unwrap();
    let net = &space.net;
    let [south, north] = river.banks_y;
    // south-bank segments at least 600 m from both bridges, every other one
    let mut bank: Vec<(f64, usize)> = (0..net.edges.len())
        .filter_map(|e| {
            let g = &net.geometry[e];
            let (a, b) = (g.0[0], g.0[g.0.len() - 1]);
            let mx = 0.5 * (a.x + b.x);
            let on_bank = (a.y - south).abs() < 1e-6 && (b.y - south).abs() < 1e-6;
            let far = river.bridges_x.iter().all(|bx| (mx - bx).abs() > 600.0);
            (on_bank && far).then_some((mx, e))
        })
        .collect();
    bank.sort_by(|a, b| a.0.total_cmp(&b.0));
    let planted: Vec<usize> = bank.iter().step_by(2).take(3).map(|x| x.1).collect();
    assert_eq!(planted.len(), 3, "{bank:?}");
    // 40 incidents along each planted segment (up to 8 m south of it), 1500 uniform
    // incidents on the whole network as background
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut xy: Vec<[f64; 2]> = Vec::new();
    for &e in &planted {
        for _ in 0..40 {
            let q = net.point_at(e as u32, rng.random::<f64>() * net.edges[e].length);
            xy.push([q[0], q[1] - rng.random::<f64>() * 8.0]);
        }
    }
    for p in uniform_points(net, 1500, &mut rng) {
        xy.push(space.xy(p));
    }
    let opposite: Vec<usize> = planted
        .iter()
        .map(|&e| {
            let q = net.point_at(e as u32, net.edges[e].length / 2.0);
            space.snap([q[0], north]).unwrap().0.edge as usize
        })
        .collect();
    for (&a, &b) in planted.iter().zip(&opposite) {
        assert!(a != b);
    }

    let p = NkdeParams::new(150.0).lixel_length(20.0);
    let nk = nkde_study(&space, &xy, None, &p).unwrap();
    let pl = nkde_study(&space, &xy, None, &p.clone().method(NkdeMethod::Planar)).unwrap();
    let lx = &nk.lixels;
    let mut sorted = nk.density.clone();
    sorted.sort_by(f64::total_cmp);
    let p98 = sorted[sorted.len() * 98 / 100];
    for (&e, &o) in planted.iter().zip(&opposite) {
        let (pe, po) = (
            mean(&nk.density, lx.of_edge(e as u32)),
            mean(&nk.density, lx.of_edge(o as u32)),
        );
        // the planted street is among the densest 2 % of the network ...
        assert!(pe > p98, "planted {e}: {pe} vs p98 {p98}");
        // ... its far bank is not lit by the network KDE ...
        assert!(po < 0.15 * pe, "opposite {o}: {po} vs {pe}");
        // ... but is by the planar KDE of the same kernel
        let (qe, qo) = (
            mean(&pl.density, lx.of_edge(e as u32)),
            mean(&pl.density, lx.of_edge(o as u32)),
        );
        assert!(qo > 0.5 * qe, "planar opposite {o}: {qo} vs {qe}");
    }

    // segment Gi*: the planted segments are hot at 99 %, the far bank is not
    let hs = segment_hotspots(
        &space,
        &xy,
        &SegmentHotspotParams::new()
            .gistar(Some(crate::hotspot::GiStarParams::new().permutations(0)))
            .moran(None),
    )
    .unwrap();
    let g = hs.gistar.as_ref().unwrap();
    for (&e, &o) in planted.iter().zip(&opposite) {
        assert_eq!(g.bin[e], 3, "planted {e}");
        assert!(g.bin[o] <= 0, "opposite {o}: bin {}", g.bin[o]);
        assert!(hs.rows[e].top_25);
    }
}
