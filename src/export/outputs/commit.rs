//! The commit: provenance records, the public-audience scan, and the move of the
//! whole set into place.

use super::*;

impl Outputs {
    pub(super) fn write_meta(&mut self, rel: &str, p: &Provenance) -> Result<()> {
        let shown = self.given.join(rel);
        let mut bytes = match &self.public {
            // provenance holds no coordinates either: the parameters pass the policy
            Some(publ) => serde_json::to_value(p)
                .map(|mut v| {
                    publ.json(&mut v);
                    v
                })
                .and_then(|v| serde_json::to_vec_pretty(&v)),
            None => serde_json::to_vec_pretty(p),
        }
        .map_err(|e| Error::Output {
            path: shown.clone(),
            message: format!("provenance cannot be written: {e}"),
        })?;
        self.write_meta_bytes(rel, bytes.split_off(0))
    }

    pub(super) fn write_meta_bytes(&mut self, rel: &str, mut bytes: Vec<u8>) -> Result<()> {
        let shown = self.given.join(rel);
        let staged = self.stage()?.dir.join(rel);
        if bytes.is_empty() {
            bytes.extend_from_slice(b"{}");
        }
        let f = File::create_new(&staged).map_err(|e| Error::io(&shown, e))?;
        let mut w = Tally::new(BufWriter::new(f), rel);
        w.write_all(&bytes).map_err(|e| Error::io(&shown, e))?;
        self.files.push(Written {
            rel: rel.to_string(),
            prov: None,
            meta: true,
            info: FileInfo::default(),
        });
        self.close(w, &shown)?;
        Ok(())
    }

    /// Writes the provenance record of every output that `pick` selects (each record
    /// lists the files that share it); those outputs then have none pending.
    pub(super) fn write_provenance_records(
        &mut self,
        pick: &dyn Fn(&Written) -> bool,
    ) -> Result<()> {
        let data: Vec<Written> = self.files.clone();
        for (k, base) in self.provs.clone().into_iter().enumerate() {
            let outs: Vec<&Written> = data
                .iter()
                .filter(|w| w.prov == Some(k) && pick(w))
                .collect();
            if outs.is_empty() {
                continue;
            }
            let mut p = base;
            if let Some(c) = &self.opts.command {
                p.command = c.clone();
            }
            p.outputs = outs
                .iter()
                .map(|w| self.given.join(&w.rel).display().to_string())
                .collect();
            for w in &outs {
                self.write_meta(&format!("{}{PROVENANCE_SUFFIX}", w.rel), &p)?;
            }
        }
        for w in self.files.iter_mut().filter(|w| !w.meta && pick(w)) {
            w.prov = None;
        }
        Ok(())
    }

    /// Writes the provenance records and moves the whole set into place. Returns the
    /// final paths of every file of the set (provenance records included).
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        if self.fork {
            return Err(Error::Output {
                path: self.given.clone(),
                message: "a fork of an output set is committed with its set (join it)".into(),
            });
        }
        if self.stage.is_none() && self.manifest.is_none() {
            return Ok(Vec::new());
        }
        self.write_reports()?;
        self.write_gpkg()?;
        // provenance beside every output: each record lists the files that share it
        self.write_provenance_records(&|_| true)?;
        let data: Vec<Written> = self.files.clone();
        if let Some((rel, mut p)) = self.manifest.take() {
            if let Some(c) = &self.opts.command {
                p.command = c.clone();
            }
            p.outputs = data
                .iter()
                .filter(|w| !w.meta && !self.public_subsets.iter().any(|s| w.rel.starts_with(s)))
                .map(|w| self.given.join(&w.rel).display().to_string())
                .collect();
            self.write_meta(&rel, &p)?;
        }
        if let Some(publ) = &self.public {
            let mut report = publ.report();
            if self.guard.is_none() {
                report.add_rule("the files were not scanned for incident locations (the set was not given the incidents)");
            } else {
                report.add_rule("every file (PNG rasters excepted) scanned for incident locations within 1 m (working CRS and lon/lat) and counts below k before publication: none found");
            }
            let names = self.report_names();
            let json = serde_json::to_vec_pretty(&report).map_err(|e| Error::Output {
                path: self.given.join(&names[0]),
                message: format!("cannot be written: {e}"),
            })?;
            self.write_meta_bytes(&names[0], json)?;
            self.write_meta_bytes(&names[1], report.to_text().into_bytes())?;
        }
        self.scan_staged(
            &|_| true,
            ". This output cannot be published generically yet: leave the public audience (`audience`) off for it, or report the case",
        )?;
        let stage_dir = self.stage()?.dir.clone();
        let mut written: Vec<String> = self.files.iter().map(|w| w.rel.clone()).collect();
        // outputs withheld by the policy: an older file of that name must not stay
        for rel in &self.withheld {
            for r in [rel.clone(), format!("{rel}{PROVENANCE_SUFFIX}")] {
                let _ = std::fs::remove_file(self.dir.join(&r));
                written.retain(|w| w != &r);
            }
        }
        match self.mode {
            Mode::Swap => self.commit_swap(&stage_dir, &written)?,
            Mode::InPlace => self.commit_in_place(&stage_dir, &written)?,
        }
        if let Some(st) = self.stage.take() {
            st.remove();
        }
        sync_dir(&parent_of(&self.dir));
        sync_dir(&self.dir);
        Ok(written.iter().map(|r| self.given.join(r)).collect())
    }

    /// Scans the staged files that `pick` selects (PNG rasters excepted) with the
    /// set's scanner ([`Outputs::guard`]; nothing without one), several files at once;
    /// the first finding in writing order is an error naming the file (`advice`
    /// ends its message).
    pub(super) fn scan_staged(
        &mut self,
        pick: &(dyn Fn(&Written) -> bool + Sync),
        advice: &str,
    ) -> Result<()> {
        use rayon::prelude::*;
        if self.guard.is_none() {
            return Ok(());
        }
        let stage_dir = self.stage()?.dir.clone();
        let Some(guard) = &self.guard else {
            return Ok(());
        };
        let given = &self.given;
        let files: Vec<&Written> = self
            .files
            .iter()
            .filter(|w| pick(w) && !w.rel.to_ascii_lowercase().ends_with(".png"))
            .collect();
        let scanned: Vec<Result<()>> = files
            .par_iter()
            .map(|w| {
                let shown = given.join(&w.rel);
                let bytes =
                    std::fs::read(stage_dir.join(&w.rel)).map_err(|e| Error::io(&shown, e))?;
                let found = guard.scan(&bytes);
                match found.first() {
                    Some(f) => Err(Error::Output {
                        path: shown,
                        message: format!(
                            "public output refused: the file would hold {} value(s) that locate an incident or count fewer than k incidents (first: {:?} at byte {}); nothing was written{advice}",
                            found.len(),
                            f.text,
                            f.offset.map_or("-".to_string(), |o| o.to_string())
                        ),
                    }),
                    None => Ok(()),
                }
            })
            .collect();
        scanned.into_iter().collect()
    }

    /// Moves each staged file into the folder (atomic per file).
    pub(super) fn commit_in_place(&self, stage: &Path, written: &[String]) -> Result<()> {
        for rel in written {
            let to = self.dir.join(rel);
            let shown = self.given.join(rel);
            if let Some(d) = to.parent() {
                std::fs::create_dir_all(d).map_err(|e| Error::io(&shown, e))?;
            }
            std::fs::rename(stage.join(rel), &to).map_err(|e| Error::io(&shown, e))?;
        }
        Ok(())
    }

    /// Swaps the staged set into place in one rename; files of the folder that are not
    /// part of the new set are carried over (hard links) first.
    pub(super) fn commit_swap(&self, stage: &Path, written: &[String]) -> Result<()> {
        let replaced: HashSet<&str> = written.iter().map(String::as_str).collect();
        if !self.dir.exists() {
            std::fs::create_dir_all(parent_of(&self.dir)).map_err(|e| Error::io(&self.given, e))?;
            if std::fs::rename(stage, &self.dir).is_ok() {
                return Ok(());
            }
            if !self.dir.exists() {
                return self.commit_in_place(stage, written);
            }
        }
        if carry_over(&self.dir, stage, "", &replaced).is_err() {
            return self.commit_in_place(stage, written);
        }
        if let Ok(m) = std::fs::metadata(&self.dir) {
            let _ = std::fs::set_permissions(stage, m.permissions());
        }
        if exchange(stage, &self.dir).is_err() {
            return self.commit_in_place(stage, written);
        }
        // files created in the folder while we linked (not carried): move them back
        let _ = move_back(stage, &self.dir, "", &replaced);
        Ok(())
    }
}

pub(super) fn sync_dir(d: &Path) {
    if let Ok(f) = File::open(d) {
        let _ = f.sync_all();
    }
}

/// The entries of the folder `base/rel`, each with its path relative to `base`.
fn entries(base: &Path, rel: &str) -> std::io::Result<Vec<(std::fs::DirEntry, String)>> {
    std::fs::read_dir(base.join(rel))?
        .map(|e| {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            Ok((e, r))
        })
        .collect()
}

/// Hard-links every entry of `from/rel` that the new set does not replace into
/// `to/rel` (folders are recreated, with their permissions).
pub(super) fn carry_over(
    from: &Path,
    to: &Path,
    rel: &str,
    replaced: &HashSet<&str>,
) -> std::io::Result<()> {
    for (e, r) in entries(from, rel)? {
        let ft = e.file_type()?;
        if ft.is_dir() {
            let d = to.join(&r);
            if !d.exists() {
                std::fs::create_dir(&d)?;
                if let Ok(m) = e.metadata() {
                    let _ = std::fs::set_permissions(&d, m.permissions());
                }
            }
            carry_over(from, to, &r, replaced)?;
        } else if !replaced.contains(r.as_str()) && !to.join(&r).exists() {
            std::fs::hard_link(from.join(&r), to.join(&r))?;
        }
    }
    Ok(())
}

/// After the swap `old` holds the previous folder: entries that are neither in the new
/// folder nor replaced by the set (created during the swap) are moved into `new`.
pub(super) fn move_back(
    old: &Path,
    new: &Path,
    rel: &str,
    replaced: &HashSet<&str>,
) -> std::io::Result<()> {
    for (e, r) in entries(old, rel)? {
        let target = new.join(&r);
        if e.file_type()?.is_dir() && target.is_dir() {
            move_back(old, new, &r, replaced)?;
        } else if !replaced.contains(r.as_str()) && std::fs::symlink_metadata(&target).is_err() {
            std::fs::rename(old.join(&r), &target)?;
        }
    }
    Ok(())
}

/// Atomically exchanges two paths (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no atomic exchange on this platform",
    ))
}
