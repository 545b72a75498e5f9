//! Report hooks of a set: summaries, the HTML report of each folder and the index,
//! the GeoPackage.

use super::*;

impl Outputs {
    /// Summary sentences of the result written into the current section, shown at the
    /// top of the section's report (e.g. a study's `summary_text`).
    pub fn summary(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.report
                .summaries
                .push((self.prefix.clone(), text.to_string()));
        }
    }

    /// Summary sentences of the result written into the sub-folder `sub` (e.g. `kde/`)
    /// of the current section, shown at the top of that sub-folder's report (a study
    /// that writes several sub-folders of one section, as the demo's network step).
    pub fn summary_at(&mut self, sub: &str, text: &str) {
        if !text.trim().is_empty() {
            let mut dir = format!("{}{sub}", self.prefix);
            if !dir.is_empty() && !dir.ends_with('/') {
                dir.push('/');
            }
            self.report.summaries.push((dir, text.to_string()));
        }
    }

    /// Writes a result ([`Export::write`](crate::export::Export::write)) into the current
    /// section and records its summary sentences for the report.
    pub fn write_result(&mut self, r: &dyn crate::export::Export) -> Result<()> {
        r.write(self)?;
        if let Some(s) = r.summary() {
            self.summary(&s);
        }
        Ok(())
    }

    /// Writes an index page ([`INDEX_HTML`](crate::export::INDEX_HTML)) at the top of the set, linking
    /// every folder's report, instead of a report there (the demo's `index.html`).
    pub fn index(&mut self) {
        self.report.index = true;
    }

    /// Writes no HTML report for this set.
    pub fn no_report(&mut self) {
        self.report.enabled = false;
    }

    /// Writes the GeoPackage of [`OutputOptions::gpkg`] from the staged GeoJSON layers
    /// and their `.qml` styles and adds it to the set (called by [`Outputs::commit`]
    /// after the reports, before the provenance records and the public-audience scan).
    pub(super) fn write_gpkg(&mut self) -> Result<()> {
        let Some(name) = self.opts.gpkg.clone() else {
            return Ok(());
        };
        if self.stage.is_none() || self.memory.is_some() {
            return Ok(());
        }
        check_name(&name)?;
        let shown = self.given.join(&name);
        if self.files.iter().any(|w| w.rel == name) {
            return Err(Error::Output {
                path: shown,
                message: "written twice in one output set".into(),
            });
        }
        self.target_exists(&name)?;
        if !self.planned.contains(&name) {
            let saved = std::mem::take(&mut self.prefix);
            let r = self.plan([name.as_str()]);
            self.prefix = saved;
            r?;
        }
        self.gpkg_impl(&name, &shown)?;
        let size = self
            .stage()?
            .dir
            .join(&name)
            .metadata()
            .map_err(|e| Error::io(&shown, e))?
            .len();
        self.files.push(Written {
            rel: name,
            prov: None,
            meta: false,
            info: FileInfo {
                size,
                ..FileInfo::default()
            },
        });
        Ok(())
    }

    #[cfg(feature = "gdal")]
    pub(super) fn gpkg_impl(&mut self, name: &str, shown: &Path) -> Result<()> {
        let stage_dir = self.stage()?.dir.clone();
        let mut layers = Vec::new();
        for w in self.files.iter().filter(|w| !w.meta) {
            let Some(stem) = w.rel.strip_suffix(".geojson") else {
                continue;
            };
            let qml_rel = format!("{stem}.qml");
            let qml = if self.files.iter().any(|x| x.rel == qml_rel) {
                let p = stage_dir.join(&qml_rel);
                Some(
                    std::fs::read_to_string(&p)
                        .map_err(|e| Error::io(self.given.join(&qml_rel), e))?,
                )
            } else {
                None
            };
            layers.push(crate::export::gpkg::GpkgLayer {
                table: crate::export::gpkg::table_name(&w.rel),
                geojson: stage_dir.join(&w.rel),
                qml,
            });
        }
        crate::export::gpkg::write_gpkg(&stage_dir.join(name), shown, &layers)
    }

    #[cfg(not(feature = "gdal"))]
    pub(super) fn gpkg_impl(&mut self, _name: &str, shown: &Path) -> Result<()> {
        Err(Error::Output {
            path: shown.to_path_buf(),
            message: "a GeoPackage needs crimescape built with the `gdal` feature (cargo build --features gdal)".into(),
        })
    }

    /// Builds the reports (and the index) from the staged files and adds them to the
    /// set (called by [`Outputs::commit`] before the public-audience scan, so a public
    /// report is scanned as every other file).
    pub(super) fn write_reports(&mut self) -> Result<()> {
        self.write_reports_in(None)
    }

    /// The reports of the folders under `under` (a public sub-folder being finished:
    /// its pages, no index; their headlines are kept for the index), or of every other
    /// folder and the index (`None`, at the commit).
    pub(super) fn write_reports_in(&mut self, under: Option<&str>) -> Result<()> {
        if !self.report.enabled || self.stage.is_none() {
            return Ok(());
        }
        let stage_dir = self.stage()?.dir.clone();
        // provenance records as written (public: through the policy)
        let provs: Vec<serde_json::Value> = self
            .provs
            .iter()
            .map(|p| {
                let mut p = p.clone();
                if let Some(c) = &self.opts.command {
                    p.command = c.clone();
                }
                let mut v = serde_json::to_value(&p).unwrap_or(serde_json::Value::Null);
                if let Some(publ) = &self.public {
                    publ.json(&mut v);
                }
                v
            })
            .collect();
        let mut dirs: Vec<String> = self
            .files
            .iter()
            .filter(|w| !w.meta)
            // a finished public sub-folder got its pages before its scan: none is added
            .filter(|w| match under {
                Some(p) => w.rel.starts_with(p),
                None => !self.public_subsets.iter().any(|s| w.rel.starts_with(s)),
            })
            .map(|w| report::dir_of(&w.rel).to_string())
            .collect();
        dirs.sort();
        dirs.dedup();
        let dirs: Vec<&String> = dirs
            .iter()
            .filter(|d| !(d.is_empty() && self.report.index))
            // the set wrote a file of that name itself
            .filter(|d| {
                let rel = format!("{d}{}", report::REPORT_HTML);
                !self.files.iter().any(|w| w.rel == rel)
            })
            .collect();
        // the pages are built in parallel (each from what its folder's files were
        // when written: nothing is read back), kept in folder order
        let built: Vec<(String, String, report::Headline)> = {
            use rayon::prelude::*;
            let (files, col, context) = (&self.files, &self.report, &self.opts.style.context);
            let (given, public, provs) = (&self.given, self.public.is_some(), &provs);
            dirs.par_iter()
                .map(|d| {
                    let files = files
                        .iter()
                        .filter(|w| !w.meta && report::dir_of(&w.rel) == d.as_str())
                        .map(|w| report::SetFile {
                            rel: &w.rel,
                            bytes: w.info.kept.clone(),
                            size: w.info.size,
                            rows: w.info.csv_rows,
                            prov: w.prov,
                        })
                        .collect();
                    let fr = report::FolderReport {
                        dir: d,
                        shown: given.join(d).display().to_string(),
                        files,
                        provs,
                        public,
                    };
                    let (html, head) = report::folder_report(&fr, col, context);
                    (format!("{d}{}", report::REPORT_HTML), html, head)
                })
                .collect()
        };
        let mut heads = Vec::new();
        let mut pages: Vec<(String, String)> = Vec::new();
        for (rel, html, head) in built {
            heads.push(head);
            pages.push((rel, html));
        }
        if under.is_some() {
            self.report.public_heads.append(&mut heads);
        } else {
            heads.append(&mut self.report.public_heads);
            heads.sort_by(|a, b| a.dir.cmp(&b.dir));
        }
        if under.is_none() && self.report.index && !heads.is_empty() {
            let top: Vec<&str> = self
                .report
                .summaries
                .iter()
                .filter(|(d, _)| d.is_empty())
                .map(|(_, s)| s.as_str())
                .collect();
            let html = report::index_page(&self.given.display().to_string(), &heads, &top);
            pages.push((report::INDEX_HTML.to_string(), html));
        }
        for (rel, html) in pages {
            // a report of an earlier set in the folder is replaced (never a folder or link)
            self.target_exists(&rel)?;
            let shown = self.given.join(&rel);
            let staged = stage_dir.join(&rel);
            std::fs::write(&staged, html.as_bytes()).map_err(|e| Error::io(&shown, e))?;
            self.files.push(Written {
                rel,
                prov: None,
                meta: false,
                info: FileInfo {
                    size: html.len() as u64,
                    ..FileInfo::default()
                },
            });
        }
        Ok(())
    }
}
