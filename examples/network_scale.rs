//! Timings of the network analyses at the sizes of issue 20 (release build):
//! `cargo run --release --example network_scale [-- K N_KDE N_K SIMS]`
//! (defaults `224 100000 10000 99`).
//!
//! Network: the irregular grid of `benches/network.rs` (`K` × `K` full-length lines,
//! 80–160 m blocks; 224 gives 99,904 edges). Network KDE of `N_KDE` incidents placed
//! uniformly on it, 20 m lixels, 300 m bandwidth, quartic kernel, each form; snapping of
//! the incidents (offset up to 10 m); the network K function of `N_K` incidents at 21
//! distances up to 1 km with `SIMS` simulations. Prints wall seconds and the process's
//! CPU seconds (user + system, from /proc/self/stat; `-` elsewhere), which stay
//! meaningful when other jobs share the machine.

use crimescape::{
    network_k, nkde, uniform_points, KParams, Lixels, Network, NetworkParams, NetworkSpace,
    NkdeMethod, NkdeParams,
};
use geo::LineString;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn grid_lines(k: usize, seed: u64) -> Vec<LineString<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut xs, mut ys) = (vec![0.0], vec![0.0]);
    for _ in 1..k {
        let x = xs[xs.len() - 1] + rng.random_range(80.0..160.0);
        xs.push(x);
        let y = ys[ys.len() - 1] + rng.random_range(80.0..160.0);
        ys.push(y);
    }
    let (xmax, ymax) = (xs[k - 1], ys[k - 1]);
    let mut lines = Vec::with_capacity(2 * k);
    for &y in &ys {
        lines.push(LineString::from(vec![(0.0, y), (xmax, y)]));
    }
    for &x in &xs {
        lines.push(LineString::from(vec![(x, 0.0), (x, ymax)]));
    }
    lines
}

/// Process CPU seconds (user + system), Linux only.
fn cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (u, k): (f64, f64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((u + k) / 100.0)
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let (t0, c0) = (std::time::Instant::now(), cpu());
    let r = f();
    let wall = t0.elapsed().as_secs_f64();
    let c = match (c0, cpu()) {
        (Some(a), Some(b)) => format!("{:.2}", b - a),
        _ => "-".into(),
    };
    println!("{label},{wall:.2},{c},{}", rayon::current_num_threads());
    r
}

fn main() {
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|s| s.parse().ok())
        .collect();
    let k = a.first().copied().unwrap_or(224);
    let n_kde = a.get(1).copied().unwrap_or(100_000);
    let n_k = a.get(2).copied().unwrap_or(10_000);
    let sims = a.get(3).copied().unwrap_or(99);
    println!("step,wall_s,cpu_s,threads");
    let lines = grid_lines(k, 1);
    let net = timed(&format!("build_{}_lines", lines.len()), || {
        Network::build(&lines, &NetworkParams::new()).expect("network")
    });
    println!("# {} nodes, {} edges", net.nodes.len(), net.edges.len());
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let events = uniform_points(&net, n_kde, &mut rng);
    let space = NetworkSpace::new(net.clone(), 30.0).expect("space");
    let xy: Vec<[f64; 2]> = events
        .iter()
        .map(|p| {
            let q = space.xy(*p);
            [
                q[0] + rng.random_range(-10.0..10.0),
                q[1] + rng.random_range(-10.0..10.0),
            ]
        })
        .collect();
    timed(&format!("snap_{n_kde}"), || space.snap_all(&xy));
    let lx = timed("lixelize_20m", || Lixels::new(&net, 20.0).expect("lixels"));
    println!("# {} lixels", lx.len());
    for m in [
        NkdeMethod::Simple,
        NkdeMethod::Discontinuous,
        NkdeMethod::Continuous,
    ] {
        let p = NkdeParams::new(300.0).method(m);
        timed(&format!("nkde_{}_{n_kde}_300m", m.name()), || {
            nkde(&net, &lx, &events, None, &p).expect("nkde")
        });
    }
    let pts = uniform_points(&net, n_k, &mut rng);
    let p = KParams::steps(1000.0, 21).simulations(sims).seed(1);
    timed(&format!("k_{n_k}_1000m_{sims}_simulations"), || {
        network_k(&net, &pts, &p).expect("k")
    });
}
