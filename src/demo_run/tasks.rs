//! The demo's task runner: the analyses as boxed tasks ([`Task`]) run in parallel, each
//! into its own fork of the output set, and joined in a fixed order ([`run_tasks`]).

use crate::error::Result;
use crate::export::{InputFile, Outputs, Provenance};

/// What one analysis of the demo adds to the run: its lines of the report text and
/// the inputs it read (for the set's provenance).
#[derive(Debug, Default)]
pub(super) struct Step {
    pub(super) text: String,
    pub(super) inputs: Vec<InputFile>,
}

impl From<String> for Step {
    fn from(text: String) -> Step {
        Step {
            text,
            inputs: Vec::new(),
        }
    }
}

/// One analysis of the demo, writing into its own part of the set.
pub(super) type Task<'a> = Box<dyn FnOnce(&mut Outputs) -> Result<Step> + Send + 'a>;

/// Runs `tasks` (each with its relative cost), each into its own fork of `out`
/// ([`Outputs::fork`]) on rayon's pool, the costliest first (so that the long ones
/// do not end up last on one thread), and joins them in the order given: the set,
/// the text and the provenance inputs are the same as if the tasks had run one after
/// another in that order, whatever the thread count and whichever finished first. The
/// first error in that order is returned. A public set (which cannot be forked) runs
/// the tasks one after another.
pub(super) fn run_tasks(
    out: &mut Outputs,
    tasks: Vec<(u32, Task<'_>)>,
    prov: &mut Provenance,
    text: &mut String,
) -> Result<()> {
    type Done = Result<(Option<Outputs>, Step)>;
    let steps: Vec<Done> = if out.is_public() {
        let mut v = Vec::new();
        for (_, t) in tasks {
            let r = t(out);
            let failed = r.is_err();
            v.push(r.map(|s| (None, s)));
            if failed {
                break;
            }
        }
        v
    } else {
        let mut order: Vec<usize> = (0..tasks.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(tasks[i].0));
        let mut jobs: Vec<Option<(Task<'_>, Outputs)>> = Vec::with_capacity(tasks.len());
        for (_, t) in tasks {
            jobs.push(Some((t, out.fork()?)));
        }
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Done)>();
        // first in, first out on every thread: the costliest tasks start first
        rayon::scope_fifo(|sc| {
            for &i in &order {
                if let Some((t, mut o)) = jobs[i].take() {
                    let tx = tx.clone();
                    sc.spawn_fifo(move |_| {
                        let r = t(&mut o).map(|s| (Some(o), s));
                        // the receiver outlives the scope
                        let _ = tx.send((i, r));
                    });
                }
            }
        });
        drop(tx);
        let mut done: Vec<(usize, Done)> = rx.into_iter().collect();
        done.sort_by_key(|d| d.0);
        done.into_iter().map(|d| d.1).collect()
    };
    for r in steps {
        let (fork, step) = r?;
        if let Some(f) = fork {
            out.join(f)?;
        }
        text.push_str(&step.text);
        prov.inputs.extend(step.inputs);
    }
    Ok(())
}
