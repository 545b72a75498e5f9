//! The demo's risk and prevention analyses: the risk terrain model's text and its
//! validation, the ranked sites, the assessment of the demo proposals and the
//! evaluation of a planted intervention.

use super::tasks::Step;
use super::{city_input, not_written};
use crate::access::{self, AssessParams, RiskModel};
use crate::demo::{self, DemoCity};
use crate::error::{Error, Result};
use crate::evaluate::{simulate, EvaluateParams};
use crate::export::{InputFile, Outputs};
use crate::io::LoadOptions;
use crate::risk::{FactorParams, Operationalisation, RtmParams, SiteParams, ValidateParams};
use crate::study::{self, IncidentInput, StudyLayer};

/// The fitted model's factor table beside the planted truth.
pub(super) fn risk_text(city: &DemoCity, fit: &study::risk::FitStudy) -> String {
    let mut text = String::new();
    text.push_str("\n== risk terrain model (50 m cells; distances 25-150 m) ==\n");
    text.push_str(&study::risk::factor_table(&fit.result));
    text.push_str(&format!(
        "{:<24} {:>10} {:>12} {:>22}\n",
        "truth layer", "true RRV", "true dist", "recovered RRV [CI] @ d"
    ));
    for t in &city.truth.factors {
        let rec = match fit.result.factors.iter().find(|f| f.layer == t.layer) {
            Some(f) => format!(
                "{:.2} [{:.2}, {:.2}] @ {}m",
                f.rrv, f.rrv_lo, f.rrv_hi, f.distance
            ),
            None => "not selected".into(),
        };
        text.push_str(&format!(
            "{:<24} {:>10.2} {:>11}m {:>22}\n",
            t.layer, t.relative_risk, t.distance, rec
        ));
    }
    text
}

/// The risk terrain model refitted on Jan-Aug and tested on Sep-Dec.
pub(super) fn validate(risk_input: &study::risk::RiskInput, out: &mut Outputs) -> Result<String> {
    let fpv = FactorParams::new(50.0)
        .distances(vec![50.0, 100.0, 150.0])
        .operationalisations(vec![Operationalisation::Proximity]);
    // 2024-09-01: day 244 of the leap year 2024
    let until = (demo::DEMO_START_DAY + 244) * crate::time::DAY;
    let vp = study::risk::ValidateStudyParams {
        validate: ValidateParams::new(RtmParams::new(50.0).factors(fpv)).split(None, until, None),
        cell: 50.0,
    };
    let v = study::risk::validate(risk_input, None, &vp)?;
    out.section("validate").write_result(&v)?;
    let mut text = String::new();
    text.push_str("\n== RTM validity (fit Jan-Aug, test Sep-Dec; 50 m cells) ==\n");
    text.push_str(&study::risk::validation_table(&v.result, &[0.05]));
    Ok(text)
}

/// Ranked cells (written) and street segments (printed) from the fitted model.
pub(super) fn sites(
    city: &DemoCity,
    risk_input: &study::risk::RiskInput,
    layers: &[StudyLayer],
    fit: &study::risk::FitStudy,
    out: &mut Outputs,
) -> Result<String> {
    let model_source = out
        .staged_path("risk/model.json")
        .map(|_| city_input(out, "risk/model.json", "model", 1))
        .transpose()?;
    let mut input = study::sites::SitesInput {
        incidents: risk_input.incidents.clone(),
        model: fit.result.model.clone(),
        model_source,
        layers: layers.to_vec(),
        units: study::sites::UnitsInput::Cells,
        mapping: (crate::risk::CptedMapping::default_mapping(), None),
        seriousness: None,
        temporal: Some(risk_input.incidents.time_zone.clone()),
    };
    let sp = SiteParams::new().top(20);
    let cells = study::sites::sites(&input, &sp)?;
    out.section("sites").write_result(&cells)?;
    let cells_text = study::sites::sites_table(&cells.ranking, 10);
    input.units = study::sites::UnitsInput::Segments {
        streets: StudyLayer::in_memory(city.streets.clone()),
        split: false,
        tolerance: 30.0,
    };
    let segs = study::sites::sites(&input, &sp)?;
    let mut text = String::new();
    text.push_str("\n== ranked sites: cells (top 10) ==\n");
    text.push_str(&cells_text);
    text.push_str("\n== ranked sites: street segments (top 5) ==\n");
    text.push_str(&study::sites::sites_table(&segs.ranking, 5));
    Ok(text)
}

/// The two demo proposals, written beside the report and read back, assessed with the
/// fitted model.
pub(super) fn assess(
    city: &DemoCity,
    fit: &study::risk::FitStudy,
    out: &mut Outputs,
) -> Result<String> {
    let st = access::demo::demo_study(city)?;
    // the study's layers as inputs, recorded as the city files they were written to
    let mut inputs = vec![city_input(
        out,
        "city/streets.geojson",
        "streets",
        city.streets.len() as u64,
    )?];
    for l in &city.layers {
        inputs.push(city_input(
            out,
            &format!("city/{}.geojson", l.name),
            &format!("layer {}", l.name),
            l.len() as u64,
        )?);
    }
    inputs.push(city_input(
        out,
        "city/incidents.csv",
        "incidents (hour-of-week profile)",
        city.incidents.len() as u64,
    )?);
    let mut s = out.section("assess");
    s.no_provenance();
    let mut proposals = Vec::new();
    let mut paths = Vec::new();
    for p in access::demo::demo_proposals(city)? {
        let name = format!("proposal_{}.geojson", p.name);
        s.bytes(
            &name,
            &access::proposal::proposal_to_geojson(&p, &st.crs.working)?,
        )?;
        // read back through the validating reader, as a user's file would be
        let staged = s.staged_path(&name).ok_or_else(|| not_written(&s, &name))?;
        let bytes = std::fs::read(&staged).map_err(|e| Error::io(s.final_path(&name), e))?;
        let mut actions = 0;
        for mut x in access::proposal::read_proposals(&staged, &st)? {
            x.source = s.final_path(&name);
            actions += x.actions.len() as u64;
            proposals.push(x);
        }
        inputs.push(InputFile::file(
            &s.final_path(&name),
            "proposal",
            actions,
            &bytes,
        ));
        paths.push(name);
    }
    // the ground truth as a model, for reference
    let truth = access::demo::demo_model(city, 25.0)?;
    s.json("truth_model.json", &truth)?;
    let model: &dyn RiskModel = &fit.result.model;
    // the incidents' hour-of-week profile weights the park's night gate by its hours (issue 16)
    let params =
        AssessParams::new().incident_times(crate::when::incidents::incidents_week_profile(
            &city.incidents,
            crate::when::AoristicRule::Minute,
        ));
    let r = study::assess::assess(&st, &proposals, Some(model), inputs, &params)?;
    s.write_result(&r)?;
    Ok(r.summary_text())
}

/// Plants a 30 % reduction with some displacement in the city and evaluates it.
pub(super) fn evaluate(city: &DemoCity, out: &mut Outputs) -> Result<Step> {
    let pp = simulate::PlantParams::new(city.truth.params.seed).displaced(0.25);
    let planted = simulate::plant_intervention(city, &pp)?;
    let mut s = out.section("intervention");
    // the planted incidents, loaded back as a user would
    s.no_provenance();
    s.table(
        "incidents_planted.csv",
        &demo::incidents_table(&planted.incidents)?,
    )?;
    let staged = s
        .staged_path("incidents_planted.csv")
        .ok_or_else(|| not_written(&s, "incidents_planted.csv"))?;
    let (inc, mut rep) = crate::io::load_incidents(&staged, &LoadOptions::new())?;
    rep.path = s.final_path("incidents_planted.csv");
    let input = IncidentInput::loaded(inc, rep, "planted incidents");
    let mut step = Step {
        text: String::new(),
        inputs: input.inputs(),
    };
    s.json_with_newline("planted_truth.json", &planted.truth)?;
    // a tiny demo city may leave a zone empty: say so instead of failing the demo
    let ev = match study::evaluate::evaluate_study(
        &input,
        vec![planted.area.clone()],
        Vec::new(),
        &EvaluateParams::at(pp.date),
    ) {
        Ok(ev) => ev,
        Err(
            e @ (Error::Data(_)
            | Error::Empty { .. }
            | Error::Degenerate { .. }
            | Error::TooFew { .. }),
        ) => {
            step.text = format!("evaluate: skipped on this city: {e}\n");
            return Ok(step);
        }
        Err(e) => return Err(e),
    };
    s.write_result(&ev)?;
    let a = &ev.result.areas[0];
    step.text = format!(
        "evaluate: planted a {:.0} % reduction ({} of {} incidents removed, {} moved into the {:.0} m buffer); estimated relative change {:+.1} % ({:+.1} to {:+.1}), WDQ {}\n",
        100.0 * pp.reduction,
        planted.truth.removed,
        planted.truth.treatment_post_before,
        planted.truth.moved,
        pp.buffer,
        100.0 * a.relative_change.estimate,
        100.0 * a.relative_change.lower,
        100.0 * a.relative_change.upper,
        a.wdq
            .as_ref()
            .and_then(|w| w.wdq)
            .map_or("undefined".into(), |q| format!("{q:.2}"))
    );
    Ok(step)
}
