//! Near repeats on the network: the Knox test and chains with `Metric::Network`.

use std::sync::Arc;

use geo::LineString;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::repeat::chains::{near_repeat_chains, ChainParams};
use crate::repeat::knox::{knox, knox_xyt, KnoxParams, Metric};
use crate::repeat::tests::incidents;
use crate::time::{TimePrecision, DAY};

/// A full grid of `k` x `k` nodes, 100 m blocks, one line per block side (so every
/// edge is exactly 100 m long).
fn grid_space(k: usize) -> Arc<NetworkSpace> {
    let mut lines = Vec::new();
    for i in 0..k {
        for j in 0..k {
            let (x, y) = (i as f64 * 100.0, j as f64 * 100.0);
            if i + 1 < k {
                lines.push(LineString::from(vec![(x, y), (x + 100.0, y)]));
            }
            if j + 1 < k {
                lines.push(LineString::from(vec![(x, y), (x, y + 100.0)]));
            }
        }
    }
    let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    Arc::new(NetworkSpace::new(net, 20.0).unwrap())
}

#[test]
fn knox_network_equals_manhattan_on_a_grid_city() {
    // events at street corners of a full grid: the shortest path between corners is
    // the Manhattan distance, so every pair falls in the same band either way
    let space = grid_space(15);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let n = 700;
    let xy: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            [
                rng.random_range(0..15) as f64 * 100.0,
                rng.random_range(0..15) as f64 * 100.0,
            ]
        })
        .collect();
    let t: Vec<i64> = (0..n).map(|_| rng.random_range(0..120)).collect();
    let bands = (
        vec![0.0, 1.0, 100.0, 200.0, 300.0, 500.0, f64::INFINITY],
        vec![0.0, 7.0, 14.0, 28.0, f64::INFINITY],
    );
    let planar = KnoxParams::new(bands.0.clone(), bands.1.clone())
        .metric(Metric::Manhattan)
        .nrep(49)
        .seed(3);
    let network = planar.clone().network(space.clone());
    assert_eq!(network.metric, Metric::Network);
    let a = knox_xyt(&xy, &t, TimePrecision::Day, &planar).unwrap();
    let b = knox_xyt(&xy, &t, TimePrecision::Day, &network).unwrap();
    assert_eq!(a.observed, b.observed);
    assert_eq!(a.close_pairs, b.close_pairs);
    let (pa, pb) = (a.permutation.unwrap(), b.permutation.unwrap());
    assert_eq!(pa.n_sim_ge_obs, pb.n_sim_ge_obs);
    assert_eq!(pa.expected_mean, pb.expected_mean);
    assert_eq!(b.excluded_off_network, 0);
    assert!(a.observed[2].iter().sum::<u64>() > 100);
}

/// Two parallel streets 60 m apart (a river between), joined by a bridge at x = 2000.
fn river_space() -> Arc<NetworkSpace> {
    let lines = vec![
        LineString::from(vec![(0.0, 0.0), (2000.0, 0.0)]),
        LineString::from(vec![(0.0, 60.0), (2000.0, 60.0)]),
        LineString::from(vec![(2000.0, 0.0), (2000.0, 60.0)]),
    ];
    let net = Network::build(&lines, &NetworkParams::new()).unwrap();
    Arc::new(NetworkSpace::new(net, 15.0).unwrap())
}

#[test]
fn knox_network_separates_the_banks_of_a_river() {
    let space = river_space();
    // pairs across the river (60 m apart) on the same day; one event far off
    let xy = vec![
        [100.0, 2.0],
        [100.0, 58.0],
        [400.0, 1.0],
        [400.0, 59.0],
        [430.0, -2.0],
        [900.0, 500.0],
    ];
    let inc = incidents(
        &xy,
        &[
            Some(0),
            Some(0),
            Some(DAY),
            Some(DAY),
            Some(2 * DAY),
            Some(0),
        ],
        TimePrecision::Day,
    );
    let bands = (
        vec![0.0, 100.0, f64::INFINITY],
        vec![0.0, 7.0, f64::INFINITY],
    );
    let planar = KnoxParams::new(bands.0.clone(), bands.1.clone())
        .metric(Metric::Euclidean)
        .nrep(0);
    let a = knox(&inc, &planar).unwrap();
    let b = knox(&inc, &planar.clone().network(space)).unwrap();
    // planar: 100/100, 400/400, 400/430 (both banks), 400(n)/430 is 64 m -> 4 close pairs
    assert_eq!(a.observed[0][0], 4);
    // network: only 400/430 on the south bank
    assert_eq!(b.observed[0][0], 1);
    assert_eq!(b.excluded_off_network, 1);
    assert_eq!(b.n_events, 5);
    assert!(b.warnings.iter().any(|w| w.contains("from the network")));
    // the metric needs the network
    let bad = KnoxParams::new(bands.0, bands.1).metric(Metric::Network);
    assert!(knox(&inc, &bad).is_err());
}

#[test]
fn chains_network_do_not_cross_the_river() {
    let space = river_space();
    // a planar chain zig-zagging across the river every 80 m, 2 days apart
    let xy: Vec<[f64; 2]> = (0..6)
        .map(|k| [200.0 + 30.0 * k as f64, if k % 2 == 0 { 1.0 } else { 59.0 }])
        .collect();
    let t: Vec<Option<i64>> = (0..6).map(|k| Some(2 * k * DAY)).collect();
    let inc = incidents(&xy, &t, TimePrecision::Day);
    let planar = near_repeat_chains(&inc, &ChainParams::new(100.0, 7.0).nrep(0)).unwrap();
    assert_eq!(planar.chains.len(), 1);
    assert_eq!(planar.chains[0].length, 6);
    let net = near_repeat_chains(
        &inc,
        &ChainParams::new(100.0, 7.0).nrep(0).network(space.clone()),
    )
    .unwrap();
    // along the network: each bank's events are 60 m apart and 4 days apart
    assert_eq!(net.chains.len(), 2);
    assert_eq!(net.chains[0].members, vec![0, 2, 4]);
    assert_eq!(net.chains[1].members, vec![1, 3, 5]);
    assert_eq!(net.excluded_off_network, 0);
    // exactly at the distance links (inclusive)
    let inc2 = incidents(
        &[[100.0, 0.0], [200.0, 0.0]],
        &[Some(0), Some(DAY)],
        TimePrecision::Day,
    );
    let r =
        near_repeat_chains(&inc2, &ChainParams::new(100.0, 7.0).nrep(0).network(space)).unwrap();
    assert_eq!(r.links, 1);
}
