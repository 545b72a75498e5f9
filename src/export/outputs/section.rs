//! Sub-folders of a set, internal and public.

use super::*;

/// A sub-folder of an [`Outputs`] set (see [`Outputs::section`]); derefs to the set.
/// Dropping it restores the set's folder, provenance record and (for a
/// [`PublicSection`]) its audience.
pub struct Section<'a, const PUBLIC: bool = false> {
    out: &'a mut Outputs,
    old_prefix: String,
    old_prov: Option<usize>,
    /// The policy and scanner of the enclosing set (a public section only).
    old_policy: Option<(Option<Publisher>, Option<Scanner>)>,
}

/// A public sub-folder of an output set, see [`Outputs::public_section`].
pub type PublicSection<'a> = Section<'a, true>;

impl<const P: bool> std::ops::Deref for Section<'_, P> {
    type Target = Outputs;
    fn deref(&self) -> &Outputs {
        self.out
    }
}

impl<const P: bool> std::ops::DerefMut for Section<'_, P> {
    fn deref_mut(&mut self) -> &mut Outputs {
        self.out
    }
}

impl<const P: bool> Drop for Section<'_, P> {
    fn drop(&mut self) {
        self.out.prefix = std::mem::take(&mut self.old_prefix);
        self.out.current = self.old_prov;
        if let Some((public, guard)) = self.old_policy.take() {
            self.out.public = public;
            self.out.guard = guard;
        }
    }
}

impl Outputs {
    /// A sub-folder of the set: names written through the returned guard are relative
    /// to `name/` until it is dropped.
    pub fn section(&mut self, name: &str) -> Section<'_> {
        let old_prefix = self.prefix.clone();
        self.prefix = format!("{old_prefix}{}/", name.trim_matches('/'));
        let old_prov = self.current;
        Section {
            out: self,
            old_prefix,
            old_prov,
            old_policy: None,
        }
    }
}

// -- public sub-folders (issue 18) --

impl Outputs {
    /// A sub-folder `name/` of this set written for another audience: every file
    /// written through the returned guard passes through the `disclosure` policy (with
    /// the `addresses` layer for anonymous map points), as in a set of its own, while
    /// the rest of the set keeps its own policy (e.g. the demo's public report beside
    /// its internal outputs). [`PublicSection::finish`] writes the sub-folder's
    /// provenance records (through the policy) and its disclosure report, and scans its
    /// files for the incidents' locations; dropping the guard unfinished leaves the
    /// sub-folder without a report, so a caller must finish it before the commit.
    ///
    /// The sub-folder's files are not listed in the set's manifest
    /// ([`Outputs::manifest`]): the outer provenance stays that of the outer set.
    pub fn public_section(
        &mut self,
        name: &str,
        disclosure: &Disclosure,
        addresses: Option<&AddressLayer>,
    ) -> Result<PublicSection<'_>> {
        let publisher = Publisher::new(disclosure, addresses)?.ok_or_else(|| {
            Error::invalid_param(
                "disclosure",
                format!("internal (sub-folder {name:?})"),
                "a public section needs a public policy",
            )
        })?;
        let old_prefix = self.prefix.clone();
        self.prefix = format!("{old_prefix}{}/", name.trim_matches('/'));
        let reports = [
            format!("{}{DISCLOSURE_JSON}", self.prefix),
            format!("{}{DISCLOSURE_TEXT}", self.prefix),
        ];
        let planned = self.plan_meta(&reports);
        let old_public = self.public.replace(publisher);
        let old_guard = self.guard.take();
        let old_prov = self.current.take();
        let g = PublicSection {
            out: self,
            old_prefix,
            old_prov,
            old_policy: Some((old_public, old_guard)),
        };
        planned.map(|_| g)
    }
}

impl Outputs {
    /// For the public audience without an address layer: points written from now on
    /// are moved to the nearest midpoint of a segment of `streets` (a line layer in
    /// the working CRS of the outputs) rather than to the centre of their 100 m
    /// square, and the disclosure report says so. Does nothing (returns `false`) for
    /// the internal audience, with an address layer, or once a point has been moved
    /// (a set never mixes two rules). Studies with a street layer call it first.
    pub fn anchor_to_streets(&mut self, streets: &crate::layer::Layer) -> bool {
        let Some(p) = self.public.as_mut() else {
            return false;
        };
        let mid = crate::disclosure::segment_midpoints(streets);
        let name = if streets.name.is_empty() {
            "the street layer".to_string()
        } else {
            format!("the street layer {:?}", streets.name)
        };
        p.anchor_to_midpoints(&mid, &name)
    }

    /// The minimum count k of a public set (`None` for the internal audience), for a
    /// result that must leave out units of fewer than k incidents (e.g. ranked user
    /// sites) and say so with [`Outputs::note_withheld`].
    pub fn public_min_count(&self) -> Option<u32> {
        self.public.as_ref().map(Publisher::k)
    }

    /// States in the disclosure report of a public set that `what` was withheld
    /// (does nothing for the internal audience).
    pub fn note_withheld(&mut self, what: &str) {
        if let Some(p) = &self.public {
            p.note_withheld(what.to_string());
        }
    }
}

impl PublicSection<'_> {
    /// Finishes the sub-folder: writes the provenance records of its files (through
    /// the policy) and its disclosure report (`disclosure.json`, `disclosure.txt`),
    /// then scans every file of the sub-folder (PNG rasters excepted) for any of the
    /// incidents' locations (`working` in `crs`, `lonlat`) within 1 m and any count
    /// below k, as [`Outputs::guard`] does for a whole set. A finding is an error
    /// naming the file (the set must then not be committed). Returns the report.
    pub fn finish(
        self,
        working: &[[f64; 2]],
        lonlat: &[[f64; 2]],
        crs: &Crs,
    ) -> Result<DisclosureReport> {
        let out = &mut *self.out;
        let prefix = out.prefix.clone();
        out.guard(working, lonlat, crs)?;
        out.write_provenance_records(&|w| w.rel.starts_with(&prefix))?;
        let mut report = out.disclosure_report().unwrap_or_default();
        report.add_rule("every file (PNG rasters excepted) scanned for incident locations within 1 m (working CRS and lon/lat) and counts below k before publication: none found");
        let json = serde_json::to_vec_pretty(&report).map_err(|e| Error::Output {
            path: out.final_path(DISCLOSURE_JSON),
            message: format!("cannot be written: {e}"),
        })?;
        out.write_meta_bytes(&format!("{prefix}{DISCLOSURE_JSON}"), json)?;
        out.write_meta_bytes(
            &format!("{prefix}{DISCLOSURE_TEXT}"),
            report.to_text().into_bytes(),
        )?;
        // the sub-folder's report pages, built now so that the scan below covers them
        out.write_reports_in(Some(&prefix))?;
        out.scan_staged(&|w| w.rel.starts_with(&prefix), "")?;
        out.public_subsets.push(prefix);
        Ok(report)
    }
}
