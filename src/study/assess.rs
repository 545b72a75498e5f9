//! Design proposals assessed: expected incidents prevented next to free access to
//! public space lost: `assessment.json`, `assessment.md`, `assessment.html`,
//! `changes.geojson`, reach and risk maps, `tradeoff.png`.

use std::path::Path;

use super::{slug, LayerSpec, StudyLayer};
use crate::access::{
    self, report, AssessParams, Assessment, FactorModel, Proposal, RiskModel, Study,
};
use crate::error::{Error, Result};
use crate::export::{Export, InputFile, Outputs, Provenance};
use crate::io::LayerOptions;
use crate::render::Overlay;

/// The week profile of incidents' times (minute aoristic rule) that weights
/// closures by the hours they are in force
/// ([`AssessParams::incident_times`](crate::access::AssessParams::incident_times)),
/// with the incidents' record for provenance.
///
/// # Errors
/// [`Error::InvalidParam`] (`incidents`) when no incident has a time.
pub fn incident_times(
    incidents: &crate::layer::Incidents,
    report: &crate::io::LoadReport,
) -> Result<(crate::when::WeekProfile, InputFile)> {
    let profile = crate::when::incidents::incidents_week_profile(
        incidents,
        crate::when::AoristicRule::Minute,
    );
    if profile.n == 0 {
        return Err(Error::invalid_param(
            "incidents",
            report.path.display(),
            "no incident has a time, so closures cannot be weighted by the hours they are in force",
        ));
    }
    Ok((profile, InputFile::incidents("incidents", report)))
}

/// A risk model file: a saved risk terrain model (`model.json` of a fit, recognised by
/// its `family`; checked to be in the study's `working` CRS) or a factor model JSON
/// ([`FactorModel`]).
pub fn read_risk_model(
    path: &Path,
    working: &crate::Crs,
) -> Result<(Box<dyn RiskModel>, InputFile)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::format(path, format!("not JSON: {e}")))?;
    let model: Box<dyn RiskModel> = if v.get("family").is_some() {
        let mf = crate::risk::read_model(&bytes, path)?;
        mf.check_crs(working, &format!("model file {}", path.display()))?;
        Box::new(mf.model)
    } else {
        Box::new(FactorModel::from_json(&bytes, path)?)
    };
    Ok((model, InputFile::file(path, "model", 1, &bytes)))
}

/// The layer files of an assessment.
#[derive(Debug, Clone, Default)]
pub struct StudyFiles {
    /// Street centre lines (the walking network), layer `streets`.
    pub streets: std::path::PathBuf,
    /// Footpaths added to the walking network, layer `paths`.
    pub paths: Option<std::path::PathBuf>,
    /// Public-space polygons (parks, plazas), named by file stem.
    pub spaces: Vec<std::path::PathBuf>,
    /// Other built-environment layers, named by their spec (without feature filters:
    /// see [`LayerSpec::named_or_bare`]).
    pub layers: Vec<LayerSpec>,
    /// CRS of the files [default: their crs member or EPSG:4326].
    pub crs: Option<crate::crs::Crs>,
}

/// Loads the layers of an assessment into one [`Study`] in the streets' working CRS
/// (layer names must be distinct); returns the input records too, each with its
/// loader's warnings (`WARNING: …` lines, as [`StudyLayer::loaded`] keeps them).
pub fn load_study(f: &StudyFiles) -> Result<(Study, Vec<InputFile>)> {
    load_study_with(f, |p, o, role| StudyLayer::load(p, o, role))
}

/// As [`load_study`], with the caller's loader `load(path, options, role)` (roles
/// `streets`, `paths`, `public spaces` and `layer`), e.g. one that shows each layer's
/// warnings ([`StudyLayer::warnings`]) as it is read.
///
/// # Errors
/// Those of `load`; [`Error::InvalidParam`] (`layers`) for two layers of one name or a
/// layer spec with a feature filter.
pub fn load_study_with<E: From<Error>>(
    f: &StudyFiles,
    mut load: impl FnMut(&Path, &LayerOptions, &str) -> std::result::Result<StudyLayer, E>,
) -> std::result::Result<(Study, Vec<InputFile>), E> {
    let opts = |target: Option<&crate::crs::Crs>| LayerOptions {
        crs: f.crs.clone(),
        target: target.cloned(),
        name: None,
        filters: Vec::new(),
    };
    let mut streets = load(&f.streets, &opts(None), "streets")?;
    streets.layer.name = "streets".into();
    let working = streets.layer.crs.working.clone();
    let mut inputs = Vec::new();
    let mut layers = Vec::new();
    let mut keep = |l: StudyLayer, layers: &mut Vec<crate::layer::Layer>| {
        inputs.extend(l.source);
        layers.push(l.layer);
    };
    keep(streets, &mut layers);
    let mut space_names = vec!["parks".to_string()];
    let mut add = |p: &Path,
                   role: &str,
                   name: Option<&str>,
                   layers: &mut Vec<crate::layer::Layer>|
     -> std::result::Result<String, E> {
        let mut l = load(p, &opts(Some(&working)), role)?;
        if let Some(n) = name {
            l.layer.name = n.into();
        }
        if layers.iter().any(|x| x.name == l.layer.name) {
            return Err(Error::invalid_param(
                "layers",
                &l.layer.name,
                "two layers have this name: rename one of the files",
            )
            .into());
        }
        let n = l.layer.name.clone();
        keep(l, layers);
        Ok(n)
    };
    if let Some(p) = &f.paths {
        add(p, "paths", Some("paths"), &mut layers)?;
    }
    for p in &f.spaces {
        let n = add(p, "public spaces", None, &mut layers)?;
        if !space_names.contains(&n) {
            space_names.push(n);
        }
    }
    for s in &f.layers {
        if let Some(filter) = &s.filter {
            return Err(Error::invalid_param(
                "layers",
                format!("{}:{filter}", s.name),
                "feature filters are not supported here",
            )
            .into());
        }
        add(&s.path, "layer", Some(&s.name), &mut layers)?;
    }
    let study = Study::with_roles(layers, vec!["streets".into(), "paths".into()], space_names)?;
    Ok((study, inputs))
}

/// Reads proposal files against the study; proposal names must be distinct.
pub fn read_proposals(paths: &[&Path], study: &Study) -> Result<(Vec<Proposal>, Vec<InputFile>)> {
    let mut proposals: Vec<Proposal> = Vec::new();
    let mut inputs = Vec::new();
    for p in paths {
        let ps = access::proposal::read_proposals(p, study)?;
        let (_, sha) = crate::io::read_bytes(p)?;
        let n: u64 = ps.iter().map(|x| x.actions.len() as u64).sum();
        inputs.push(InputFile::new(p, "proposal", n, n, &sha));
        for x in ps {
            if proposals.iter().any(|y| y.name == x.name) {
                return Err(Error::invalid(
                    "proposals",
                    "proposal",
                    &x.name,
                    "two proposals have this name: set a distinct \"proposal\" property or rename a file",
                ));
            }
            proposals.push(x);
        }
    }
    Ok((proposals, inputs))
}

/// An assessment of design proposals.
pub struct AssessStudy {
    /// The assessment.
    pub result: Assessment,
    /// Provenance of the outputs.
    pub provenance: Provenance,
    /// The walking network's street layer: public-audience points go to its segment
    /// midpoints when no address layer is given ([`Outputs::anchor_to_streets`]).
    pub streets: Option<crate::layer::Layer>,
}

/// Assesses `proposals` on the study's layers (see [`access::assess()`]); `inputs` are the
/// files the study, proposals and model came from.
pub fn assess(
    study: &Study,
    proposals: &[Proposal],
    model: Option<&dyn RiskModel>,
    inputs: Vec<InputFile>,
    p: &AssessParams,
) -> Result<AssessStudy> {
    let result = access::assess(study, proposals, model, p)?;
    let provenance = Provenance::of(&result.params)
        .with_inputs(inputs)
        .with_crs(&study.crs);
    // anchors of the public audience (issue 18): the first network layer
    let streets = study
        .layers
        .iter()
        .find(|l| study.network_layers.contains(&l.name))
        .cloned();
    Ok(AssessStudy {
        result,
        provenance,
        streets,
    })
}

impl AssessStudy {
    /// The files written for these proposals (`risk`: with a risk model).
    pub fn files(proposals: &[&str], risk: bool) -> Vec<String> {
        let mut v: Vec<String> = [
            "assessment.json",
            "assessment.md",
            "assessment.html",
            "changes.geojson",
            "reach_before.png",
            "tradeoff.png",
        ]
        .map(String::from)
        .to_vec();
        if risk {
            v.push("risk_before.png".into());
        }
        for p in proposals {
            let s = slug(p, "proposal");
            v.push(format!("reach_after_{s}.png"));
            v.push(format!("reach_change_{s}.png"));
            if risk {
                v.push(format!("risk_after_{s}.png"));
                v.push(format!("risk_change_{s}.png"));
            }
        }
        v
    }

    /// One line for the network and one per proposal.
    /// The risk model's notes (e.g. a grid that covers only part of the study area),
    /// each once.
    pub fn risk_notes(&self) -> Vec<&str> {
        let mut noted = std::collections::BTreeSet::new();
        self.result
            .proposals
            .iter()
            .filter_map(|p| p.risk.as_ref())
            .flat_map(|r| &r.notes)
            .filter(|n| noted.insert(n.as_str()))
            .map(|n| n.as_str())
            .collect()
    }

    /// The result in a few lines.
    pub fn summary_text(&self) -> String {
        let asm = &self.result;
        let mut s = format!(
            "network: {} nodes, {} edges, {} endpoints snapped (tolerance {} m)\n",
            asm.network.nodes,
            asm.network.edges,
            asm.network.snapped_endpoints,
            asm.network.snap_tolerance_m
        );
        for p in &asm.proposals {
            let r = p.access.reach.last();
            s.push_str(&format!(
                "{}: prevented {}{}; street reach {:+.2}% within {:.0} m; {} pairs detoured ({} disconnected); public space restricted {:.0} m²; {}{}\n",
                p.name,
                report::prevented_text(p.risk.as_ref()),
                p.hours_weighted.as_ref().map_or(String::new(), |h| format!(
                    " while in force, {} hours-weighted",
                    report::hours_weighted_text(Some(h))
                )),
                r.map_or(0.0, |x| x.street_change_pct),
                r.map_or(0.0, |x| x.distance_m),
                p.access.detour.pairs_affected,
                p.access.detour.pairs_disconnected,
                p.access.space_lost_m2(),
                if p.verdict.restricts_access { "RESTRICTS FREE ACCESS" } else { "access ok" },
                if p.dominated_by.is_empty() { String::new() } else { format!("; dominated by {}", p.dominated_by.join(", ")) }
            ));
        }
        s
    }
}

impl Export for AssessStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let asm = &self.result;
        // public audience without addresses: points go to street-segment midpoints
        if let Some(streets) = &self.streets {
            out.anchor_to_streets(streets);
        }
        out.provenance(self.provenance.clone());
        out.json_with_newline("assessment.json", asm)?;
        out.text("assessment.md", &report::to_markdown(asm))?;
        out.features("changes.geojson", &report::changes(asm)?)?;
        out.figure("reach_before.png", &report::reach_map(asm, None, false)?)?;
        out.figure("tradeoff.png", &report::tradeoff_plot(asm))?;
        if let Some(r) = asm.proposals.iter().find_map(|p| p.risk.as_ref()) {
            out.figure(
                "risk_before.png",
                &report::risk_level_map(
                    r,
                    false,
                    "Expected incidents per cell: before",
                    Vec::new(),
                ),
            )?;
        }
        for (i, p) in asm.proposals.iter().enumerate() {
            let s = slug(&p.name, "proposal");
            out.figure(
                &format!("reach_after_{s}.png"),
                &report::reach_map(asm, Some(i), false)?,
            )?;
            out.figure(
                &format!("reach_change_{s}.png"),
                &report::reach_map(asm, Some(i), true)?,
            )?;
            if let Some(r) = &p.risk {
                let overlays = vec![Overlay {
                    geometries: asm.details.action_geometries[i]
                        .iter()
                        .map(|x| x.3.clone())
                        .collect(),
                    colour: [255, 140, 0, 255],
                    width: 2.0,
                }];
                out.figure(
                    &format!("risk_after_{s}.png"),
                    &report::risk_level_map(
                        r,
                        true,
                        &format!("Expected incidents per cell: after {}", p.name),
                        overlays.clone(),
                    ),
                )?;
                out.figure(
                    &format!("risk_change_{s}.png"),
                    &report::risk_map(
                        r,
                        &format!("Expected incidents prevented: {}", p.name),
                        overlays,
                    ),
                )?;
            }
        }
        // issue 14: the planners' page shows the maps written above, inline
        let mut maps = Vec::new();
        for (i, p) in asm.proposals.iter().enumerate() {
            let s = slug(&p.name, "proposal");
            out.figure(&format!("proposal_{s}.png"), &report::proposal_map(asm, i)?)?;
            let read = |stem: String| -> Result<Option<report::MapFile>> {
                let svg_name = format!("{stem}.svg");
                let Some(path) = out.staged_path(&svg_name) else {
                    return Ok(None);
                };
                let svg = std::fs::read_to_string(&path)
                    .map_err(|e| Error::io(out.final_path(&svg_name), e))?;
                Ok(Some(report::MapFile {
                    svg,
                    svg_name,
                    png_name: Some(format!("{stem}.png")),
                }))
            };
            maps.push(report::ProposalMaps {
                proposal: p.name.clone(),
                actions: read(format!("proposal_{s}"))?,
                risk: read(format!("risk_change_{s}"))?,
                access: read(format!("reach_change_{s}"))?,
            });
        }
        out.text("assessment.html", &report::to_html_with_maps(asm, &maps))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
