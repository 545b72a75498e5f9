//! The per-event work of [`nkde`](super::nkde) and [`nkde_support`](super::nkde_support):
//! a sparse accumulator over lixels ([`Scratch`]), the simple form's bounded
//! Dijkstra and the equal-split forms' explicit path stack ([`Ctx`]), and the
//! block-parallel driver both estimators share ([`in_blocks`]).

use std::ops::Range;

use rayon::prelude::*;

use super::{NkdeMethod, NkdeParams};
use crate::network::graph::{Network, Workspace};
use crate::network::lixel::Lixels;
use crate::network::paths::PerThread;
use crate::network::snap::NetPos;

const BLOCK: usize = 512;
const WAVE: usize = 32;

/// A sparse accumulator over lixels (dense values, list of touched lixels).
pub(super) struct Scratch {
    vals: Vec<f64>,
    mark: Vec<bool>,
    touched: Vec<u32>,
    ws: Workspace,
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<Case>,
}

impl Scratch {
    fn new(nlix: usize, net: &Network) -> Self {
        Scratch {
            vals: vec![0.0; nlix],
            mark: vec![false; nlix],
            touched: Vec::new(),
            ws: Workspace::new(net.nodes.len()),
            seen: vec![0; net.edges.len()],
            stamp: 0,
            stack: Vec::new(),
        }
    }
    #[inline]
    fn add(&mut self, k: usize, v: f64) {
        if !self.mark[k] {
            self.mark[k] = true;
            self.touched.push(k as u32);
        }
        self.vals[k] += v;
    }
    pub(super) fn drain(&mut self) -> Vec<(u32, f64)> {
        let out: Vec<(u32, f64)> = self
            .touched
            .iter()
            .map(|&k| (k, self.vals[k as usize]))
            .collect();
        for &k in &self.touched {
            self.vals[k as usize] = 0.0;
            self.mark[k as usize] = false;
        }
        self.touched.clear();
        out
    }
    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.stamp = 1;
        }
        self.stamp
    }
}

/// One ray of an equal-split kernel: traverse edge `e` from its end `a` (or `b`),
/// having come `d` metres with factor `alpha` through `depth` junctions.
#[derive(Debug, Clone, Copy)]
struct Case {
    e: u32,
    from_a: bool,
    d: f64,
    alpha: f64,
    depth: u32,
}

pub(super) struct Ctx<'a> {
    pub(super) net: &'a Network,
    pub(super) lx: &'a Lixels,
    pub(super) p: &'a NkdeParams,
}

impl Ctx<'_> {
    /// Adds event `pos`'s kernel with weight `w` into `s`, in the form of `p.method`
    /// (simple or one of the equal-split forms; planar is not walked).
    pub(super) fn spread(&self, pos: NetPos, w: f64, s: &mut Scratch) {
        match self.p.method {
            NkdeMethod::Simple => self.simple(pos, w, s),
            _ => self.split(pos, w, s),
        }
    }

    fn simple(&self, pos: NetPos, w: f64, s: &mut Scratch) {
        let h = self.p.bandwidth;
        self.net.dijkstra_from(pos, h, &mut s.ws);
        let stamp = s.next_stamp();
        self.simple_edge(pos, pos.edge, w, stamp, s);
        for n in 0..s.ws.order.len() {
            let u = s.ws.order[n];
            for &(_, e) in self.net.neighbours(u) {
                self.simple_edge(pos, e, w, stamp, s);
            }
        }
    }

    /// The simple form on the lixels of edge `e` (once per event: `stamp`).
    #[inline]
    fn simple_edge(&self, pos: NetPos, e: u32, w: f64, stamp: u32, s: &mut Scratch) {
        if s.seen[e as usize] == stamp {
            return;
        }
        s.seen[e as usize] = stamp;
        let h = self.p.bandwidth;
        let ed = &self.net.edges[e as usize];
        let (da, db) = (s.ws.dist(ed.a), s.ws.dist(ed.b));
        for k in self.lx.of_edge(e) {
            let c = self.lx.centre(k);
            let mut d = (da + c).min(db + (ed.length - c));
            if e == pos.edge {
                d = d.min((c - pos.offset).abs());
            }
            if d <= h {
                s.add(k, w * self.p.kernel.eval(d, h));
            }
        }
    }

    /// The exits of node `v`: (edge, leaving from its end `a`).
    fn exits(&self, v: u32, mut f: impl FnMut(u32, bool)) {
        for &(_, e) in self.net.neighbours(v) {
            let ed = &self.net.edges[e as usize];
            if ed.a == ed.b {
                f(e, true);
                f(e, false);
            } else {
                f(e, ed.a == v);
            }
        }
    }

    /// The ray arrives at node `v` through the end (`e_in`, `end_a`) with distance `d`.
    #[allow(clippy::too_many_arguments)]
    fn arrive(
        &self,
        v: u32,
        e_in: u32,
        end_a: bool,
        d: f64,
        alpha: f64,
        depth: u32,
        stack: &mut Vec<Case>,
    ) {
        if d >= self.p.bandwidth {
            return;
        }
        let n = self.net.degree(v);
        if n <= 1 {
            return; // dead end
        }
        let depth = depth + u32::from(n > 2);
        if depth as usize > self.p.max_depth {
            return;
        }
        let nf = n as f64;
        let continuous = self.p.method == NkdeMethod::Continuous;
        self.exits(v, |e, from_a| {
            let back = e == e_in && from_a == end_a;
            let a = if continuous {
                if back {
                    if n > 2 {
                        alpha * (2.0 - nf) / nf
                    } else {
                        return;
                    }
                } else {
                    alpha * 2.0 / nf
                }
            } else if back {
                return;
            } else {
                alpha / (nf - 1.0)
            };
            stack.push(Case {
                e,
                from_a,
                d,
                alpha: a,
                depth,
            });
        });
    }

    fn split(&self, pos: NetPos, w: f64, s: &mut Scratch) {
        let h = self.p.bandwidth;
        let kern = self.p.kernel;
        let mut stack = std::mem::take(&mut s.stack);
        stack.clear();
        let ed = self.net.edges[pos.edge as usize];
        let eps = 1e-9 * ed.length.max(1.0);
        if pos.offset <= eps || pos.offset >= ed.length - eps {
            // on a node: one ray into every edge with factor 2/n
            let v = if pos.offset <= eps { ed.a } else { ed.b };
            let nf = self.net.degree(v) as f64;
            self.exits(v, |e, from_a| {
                stack.push(Case {
                    e,
                    from_a,
                    d: 0.0,
                    alpha: 2.0 / nf,
                    depth: 0,
                })
            });
        } else {
            for k in self.lx.of_edge(pos.edge) {
                let d = (self.lx.centre(k) - pos.offset).abs();
                if d <= h {
                    s.add(k, w * kern.eval(d, h));
                }
            }
            self.arrive(ed.a, pos.edge, true, pos.offset, 1.0, 0, &mut stack);
            self.arrive(
                ed.b,
                pos.edge,
                false,
                ed.length - pos.offset,
                1.0,
                0,
                &mut stack,
            );
        }
        while let Some(c) = stack.pop() {
            let ed = self.net.edges[c.e as usize];
            let r = self.lx.of_edge(c.e);
            if c.from_a {
                for k in r {
                    let d = c.d + self.lx.centre(k);
                    if d > h {
                        break;
                    }
                    s.add(k, w * c.alpha * kern.eval(d, h));
                }
            } else {
                for k in r.rev() {
                    let d = c.d + (ed.length - self.lx.centre(k));
                    if d > h {
                        break;
                    }
                    s.add(k, w * c.alpha * kern.eval(d, h));
                }
            }
            let (v, end_a) = if c.from_a {
                (ed.b, false)
            } else {
                (ed.a, true)
            };
            self.arrive(v, c.e, end_a, c.d + ed.length, c.alpha, c.depth, &mut stack);
        }
        s.stack = stack;
    }
}

/// Runs `per_block` over the events `0..n` in blocks of [`BLOCK`], [`WAVE`] blocks
/// at a time in parallel, each with this thread's [`Scratch`]; `merge` receives the
/// blocks' outputs in block order, so the floating-point sums of the caller do not
/// depend on the thread count.
pub(super) fn in_blocks<T: Send>(
    net: &Network,
    nlix: usize,
    n: usize,
    per_block: impl Fn(&mut Scratch, Range<usize>) -> T + Sync,
    mut merge: impl FnMut(T),
) {
    let blocks: Vec<(usize, usize)> = (0..n)
        .step_by(BLOCK)
        .map(|s| (s, (s + BLOCK).min(n)))
        .collect();
    let scratch = PerThread::new();
    for wave in blocks.chunks(WAVE) {
        let outs: Vec<T> = wave
            .par_iter()
            .map(|&(a, b)| scratch.with(|| Scratch::new(nlix, net), |s| per_block(s, a..b)))
            .collect();
        for o in outs {
            merge(o);
        }
    }
}
