//! Parts of one set written on several threads: [`Outputs::fork`] and [`Outputs::join`].

use super::*;

impl Outputs {
    /// A part of this set that another thread can write while this one (or another
    /// fork) writes elsewhere, e.g. one analysis of the demo per fork.
    ///
    /// The fork writes into the same staging folder, in the current section, with the
    /// current provenance record; it sees the files written so far
    /// ([`Outputs::staged_path`]). Its files, provenance records, summaries and report
    /// notes become part of the set only when it is handed back with
    /// [`Outputs::join`]: joining the forks in a fixed order gives the set the files
    /// in that order (its manifest, provenance records and reports are the same as if
    /// the parts had been written one after another in that order), whatever the
    /// threads did first. A fork cannot be committed; dropping it unjoined leaves its
    /// files in the staging folder, removed with the set when the set is dropped
    /// uncommitted (the whole set stays atomic).
    ///
    /// Not for a public set (its policy counts what it publishes across the set) nor
    /// for an in-memory set: both are an error.
    pub fn fork(&mut self) -> Result<Outputs> {
        if self.public.is_some() || self.memory.is_some() || self.fork {
            return Err(Error::Output {
                path: self.given.clone(),
                message: "a public, in-memory or forked output set cannot be forked".into(),
            });
        }
        let st = self.stage()?;
        let stage = Stage::shared(st);
        Ok(Outputs {
            given: self.given.clone(),
            dir: self.dir.clone(),
            mode: self.mode,
            opts: self.opts.clone(),
            planned: self.planned.clone(),
            stage: Some(stage),
            // what the fork needs of the files so far: their names (staged paths,
            // names written twice); the report notes stay with the set
            files: self
                .files
                .iter()
                .map(|w| Written {
                    rel: w.rel.clone(),
                    prov: w.prov,
                    meta: w.meta,
                    info: FileInfo::default(),
                })
                .collect(),
            provs: self.provs.clone(),
            current: self.current,
            prefix: self.prefix.clone(),
            manifest: None,
            public: None,
            guard: None,
            withheld: Vec::new(),
            single: self.single.clone(),
            report: Collector {
                enabled: self.report.enabled,
                index: self.report.index,
                ..Default::default()
            },
            memory: None,
            public_subsets: Vec::new(),
            fork: true,
            fork_base: (self.files.len(), self.provs.len()),
        })
    }

    /// Makes the files that `fork` ([`Outputs::fork`] of this set) wrote part of the
    /// set, after the files written so far, with their provenance records, summaries
    /// and report notes. A file that is already part of the set is an error (two forks
    /// wrote the same name).
    pub fn join(&mut self, mut fork: Outputs) -> Result<()> {
        let same_stage = match (&self.stage, &fork.stage) {
            (Some(a), Some(b)) => a.dir == b.dir,
            _ => false,
        };
        if !fork.fork || !same_stage {
            return Err(Error::Output {
                path: fork.given.clone(),
                message: "not a fork of this output set".into(),
            });
        }
        let (files_base, provs_base) = fork.fork_base;
        let new_files = fork.files.split_off(files_base.min(fork.files.len()));
        let new_provs = fork.provs.split_off(provs_base.min(fork.provs.len()));
        if let Some(w) = new_files
            .iter()
            .find(|w| self.files.iter().any(|x| x.rel == w.rel))
        {
            return Err(Error::Output {
                path: self.given.join(&w.rel),
                message: "written twice in one output set".into(),
            });
        }
        let offset = self.provs.len();
        let remap = |k: usize| {
            if k >= provs_base {
                k - provs_base + offset
            } else {
                k
            }
        };
        self.provs.extend(new_provs);
        self.files.extend(new_files.into_iter().map(|mut w| {
            w.prov = w.prov.map(remap);
            w
        }));
        self.planned.append(&mut fork.planned);
        self.withheld.append(&mut fork.withheld);
        self.public_subsets.append(&mut fork.public_subsets);
        let r = std::mem::take(&mut fork.report);
        self.report.summaries.extend(r.summaries);
        self.report.figures.extend(r.figures);
        self.report.layers.extend(r.layers);
        self.report.public_heads.extend(r.public_heads);
        if let Some(m) = fork.manifest.take() {
            self.manifest = Some(m);
        }
        Ok(())
    }
}
