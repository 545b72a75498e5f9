//! The demo run: the synthetic city and every analysis of the toolkit on it, written
//! as one output set.
//!
//! This module sits at the top of the crate: it calls every study and nothing below
//! imports it (the city *generator*, [`crate::demo`], stays low so that tests and the
//! access demo can use it).
//!
//! This file holds the run, its list of files and the order of the analyses;
//! `demo_run/tasks.rs` runs them in parallel; `places.rs` (hot spots, clusters,
//! segments, forecast accuracy), `repeats.rs` (near repeats, exact repeats, chains,
//! Promap), `prevention.rs` (risk terrain, validation, sites, assessment, evaluation)
//! and `public.rs` (the disclosure-controlled public report) hold the analyses.
//!
//! ```no_run
//! use crimescape::{DemoParams, OutputOptions, Outputs};
//!
//!let mut out = Outputs::folder("crimescape-demo", &OutputOptions::force(true))?;
//! let report = crimescape::run_demo(&DemoParams::new(42), false, &mut out, &|_| {})?;
//! out.commit()?;
//! print!("{report}");
//! # Ok::<(), crimescape::Error>(())
//! ```

use crate::access::{self};
use crate::demo::{self, DemoCity, DemoParams};
use crate::error::{Error, Result};
use crate::export::{InputFile, Outputs, Provenance};
use crate::io::{LayerOptions, LoadOptions};
use crate::repeat::exact::ExactRepeatParams;
use crate::risk::RtmParams;
use crate::study::{self, IncidentInput, StudyLayer};

mod places;
mod prevention;
mod public;
mod repeats;
mod tasks;

use places::{accuracy, clusters_text, hotspots, segments_text};
use prevention::{assess, evaluate, risk_text, sites, validate};
use public::public_report;
use repeats::{burglaries, chains, exact_repeats, near_repeat, promap};
use tasks::{run_tasks, Step, Task};

/// Every file the demo may write for `city` (`city_only`: the city alone).
pub fn files(city: &DemoCity, city_only: bool) -> Result<Vec<String>> {
    let names: Vec<&str> = std::iter::once(&city.streets)
        .chain(&city.layers)
        .chain(&city.river)
        .map(|l| l.name.as_str())
        .collect();
    let mut v: Vec<String> = demo::city_files(&names)
        .into_iter()
        .map(|f| format!("city/{f}"))
        .collect();
    v.push("provenance.json".into());
    if city_only {
        return Ok(v);
    }
    v.push("info.json".into());
    let proposals = access::demo::demo_proposals(city)?;
    let mut assess: Vec<String> = proposals
        .iter()
        .map(|p| format!("proposal_{}.geojson", p.name))
        .collect();
    assess.push("truth_model.json".into());
    let names: Vec<&str> = proposals.iter().map(|p| p.name.as_str()).collect();
    assess.extend(study::assess::AssessStudy::files(&names, true));
    for (dir, fs) in sections().into_iter().chain([("assess", assess)]) {
        v.extend(fs.into_iter().map(|f| format!("{dir}/{f}")));
    }
    Ok(v)
}

/// The folders of the analyses and their files (all but `assess`).
fn sections() -> Vec<(&'static str, Vec<String>)> {
    let mut ev = vec![
        "incidents_planted.csv".to_string(),
        "planted_truth.json".to_string(),
    ];
    ev.extend(study::evaluate::EvaluateStudy::files(&["planted"]));
    vec![
        ("hotspots", {
            use study::hotspots as hs;
            let mut v = hs::GridStudy::files(&Default::default());
            v.extend(hs::KdeStudy::files(false));
            v.extend(hs::GiStarStudy::files(&Default::default()));
            v.push("hotspots.json".into());
            v
        }),
        ("clusters", study::clusters::ClusterStudy::files()),
        ("segments", study::segments::SegmentStudy::files()),
        ("forecast_accuracy", study::accuracy::AccuracyStudy::files()),
        ("near_repeat", study::repeats::NearRepeatStudy::files()),
        (
            "repeats",
            study::repeats::RepeatStudy::files(&study::repeats::RepeatStudyParams {
                repeats: ExactRepeatParams::default(),
                exact_locations: false,
                top: 0,
            }),
        ),
        ("chains", study::repeats::ChainStudy::files()),
        ("promap", study::repeats::PromapStudy::files()),
        ("intervention", ev),
        ("risk", study::risk::FitStudy::files()),
        ("sites", study::sites::SitesStudy::files()),
        ("validate", study::risk::ValidateStudy::files()),
        ("network", study::network::demo_files()),
    ]
}

/// The error of a file the demo reads back before it was written.
fn not_written(out: &Outputs, name: &str) -> Error {
    Error::Output {
        path: out.final_path(name),
        message: "the demo reads this file back, but it was not written".into(),
    }
}

/// The demo's date `d` (`YYYY-MM-DD`) as a timestamp.
fn demo_date(d: &str) -> Result<i64> {
    crate::time::parse_date(d)
        .ok_or_else(|| Error::invalid_param("date", d, "not a date (YYYY-MM-DD)"))
}

/// The input record of a written city file (its final path, its SHA-256).
fn city_input(out: &Outputs, name: &str, role: &str, rows: u64) -> Result<InputFile> {
    let staged = out
        .staged_path(name)
        .ok_or_else(|| not_written(out, name))?;
    let bytes = std::fs::read(&staged).map_err(|e| Error::io(out.final_path(name), e))?;
    Ok(InputFile::file(&out.final_path(name), role, rows, &bytes))
}

/// Generates the city, writes it into `out` (section `city/`) and, unless `city_only`,
/// runs every analysis on it, each into its own section. `progress` receives a short
/// message before each step. Returns what the run found, as text (the city, the ground
/// truth and each analysis's headline, compared with the truth).
pub fn run(
    params: &DemoParams,
    city_only: bool,
    out: &mut Outputs,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<String> {
    progress("generating the demo city");
    let city = demo::generate(params)?;
    out.plan(files(&city, city_only)?)?;
    let mut text = String::new();
    {
        let mut s = out.section("city");
        s.no_provenance();
        demo::write_city(&city, &mut s)?;
    }
    text.push_str(&format!(
        "demo city (seed {}): {} incidents, {} street segments, {} layers -> {}\n",
        params.seed,
        city.incidents.len(),
        city.streets.len(),
        city.layers.len(),
        out.final_path("city").display()
    ));
    // the demo's index.html links every folder's report (issue 14)
    out.index();
    out.summary(&text);
    let mut prov = Provenance::of(params).with_seed(params.seed);
    prov.crs = Some(city.incidents.crs.clone());
    if !city_only {
        analyses(&city, out, &mut prov, &mut text, progress)?;
    }
    out.no_provenance();
    out.manifest("provenance.json", prov)?;
    Ok(text)
}

/// Every analysis on the city: the inputs are read first, then the analyses run in
/// parallel, each into its own folder ([`run_tasks`]).
fn analyses(
    city: &DemoCity,
    out: &mut Outputs,
    prov: &mut Provenance,
    text: &mut String,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<()> {
    // load the written incidents back through the public loader, as a user would
    let staged = out
        .staged_path("city/incidents.csv")
        .ok_or_else(|| not_written(out, "city/incidents.csv"))?;
    let (inc, mut rep) = crate::io::load_incidents(&staged, &LoadOptions::new())?;
    rep.path = out.final_path("city/incidents.csv");
    // the demo's clock is local time in Europe/Paris: night shares of the temporal
    // signature columns (issue 16)
    let input = IncidentInput::loaded(inc, rep.clone(), "incidents")
        .with_time_zone(crate::when::TimeZone::parse(crate::demo::DEMO_TIME_ZONE).ok());
    prov.inputs.extend(input.inputs());
    let inc = &input.incidents;
    let summary = crate::info::summarise_incidents(inc, &rep);
    out.no_provenance();
    out.json("info.json", &summary)?;
    text.push_str(&summary.to_text());
    text.push_str(&format!(
        "ground truth: {} planted hotspots, {} repeat locations, {} near-repeat chains, {} risk factors ({} decoys)\n",
        city.truth.hotspots.len(),
        city.truth.repeat_locations,
        city.truth.chains.len(),
        city.truth.factors.len(),
        city.truth.factors.iter().filter(|f| f.relative_risk == 1.0).count()
    ));
    // the city's layers as the studies' inputs, recorded as the files just written
    let layer_input = |out: &Outputs, l: &crate::layer::Layer| -> Result<StudyLayer> {
        Ok(StudyLayer {
            layer: l.clone(),
            source: Some(city_input(
                out,
                &format!("city/{}.geojson", l.name),
                &format!("layer {}", l.name),
                l.len() as u64,
            )?),
        })
    };
    let layers: Vec<StudyLayer> = city
        .layers
        .iter()
        .map(|l| layer_input(out, l))
        .collect::<Result<_>>()?;

    // the city's river, parks and streets under every map, unless the run brings its
    // own context layers (issue 14)
    if out.style_mut().context.is_empty() {
        out.style_mut().context = demo_context(city);
    }
    let streets_staged = out
        .staged_path("city/streets.geojson")
        .ok_or_else(|| not_written(out, "city/streets.geojson"))?;
    let (streets, mut srep) = crate::io::load_layer(
        &streets_staged,
        &LayerOptions {
            target: Some(inc.crs.working.clone()),
            ..Default::default()
        },
    )?;
    srep.path = out.final_path("city/streets.geojson");
    let streets = StudyLayer::loaded(streets, &srep, "streets");
    let risk_layers: Vec<study::risk::RiskLayer> = layers
        .iter()
        .filter(|l| l.layer.name != "parks")
        .map(|l| study::risk::RiskLayer {
            layer: l.clone(),
            filter: (l.layer.name == "lights").then(|| "status=out".to_string()),
        })
        .collect();
    let mut city_input = IncidentInput::in_memory(city.incidents.clone());
    city_input.source = input.source.clone();
    city_input.time_zone = input.time_zone.clone();
    let risk_input = study::risk::RiskInput {
        incidents: city_input,
        layers: risk_layers,
        boundary: None,
    };
    // the risk terrain model first: the ranked sites, the assessment and the public
    // report use it
    progress("fitting the risk terrain model");
    let mut fp = study::risk::FitStudyParams::new(RtmParams::new(50.0), 50.0);
    fp.extent = Some(city.truth.extent);
    let fit = study::risk::fit(&risk_input, &fp)?;

    let burg = burglaries(&input);
    let burg = burg.as_ref();
    let (input, streets, layers, risk_input, fit) = (&input, &streets, &layers, &risk_input, &fit);
    // (relative cost, task): the costs are the tasks' shares of the demo's CPU time
    // (release build), which only order their start
    let tasks: Vec<(u32, Task<'_>)> = vec![
        (
            18,
            Box::new(move |out| {
                progress("hot spots");
                hotspots(city, input, out).map(Step::from)
            }),
        ),
        (
            8,
            Box::new(move |out| {
                progress("clusters");
                let cl =
                    study::clusters::clusters(input, &study::clusters::dbscan_params(30.0, 15))?;
                out.section("clusters").write_result(&cl)?;
                Ok(clusters_text(city, &cl).into())
            }),
        ),
        (
            10,
            Box::new(move |out| {
                progress("street segments");
                let seg = study::segments::segments(input, streets, &Default::default())?;
                out.section("segments").write_result(&seg)?;
                Ok(segments_text(&seg).into())
            }),
        ),
        (
            25,
            Box::new(move |out| {
                progress("forecast accuracy");
                accuracy(input, out).map(Step::from)
            }),
        ),
        // the repeat analyses run only when the city has burglaries
        (
            1,
            Box::new(move |out| {
                progress("near repeats");
                burg.map_or(Ok(Step::default()), |b| near_repeat(b, out).map(Step::from))
            }),
        ),
        (
            4,
            Box::new(move |out| {
                progress("exact repeats");
                burg.map_or(Ok(Step::default()), |_| {
                    exact_repeats(input, out).map(Step::from)
                })
            }),
        ),
        (
            4,
            Box::new(move |out| {
                progress("chains");
                burg.map_or(Ok(Step::default()), |b| chains(b, out).map(Step::from))
            }),
        ),
        (
            4,
            Box::new(move |out| {
                progress("promap");
                burg.map_or(Ok(Step::default()), |b| promap(b, out).map(Step::from))
            }),
        ),
        (
            14,
            Box::new(move |out| {
                progress("evaluating a planted intervention");
                evaluate(city, out)
            }),
        ),
        (
            20,
            Box::new(move |out| {
                progress("ranking sites");
                out.section("risk").write_result(fit)?;
                let mut text = risk_text(city, fit);
                text.push_str(&sites(city, risk_input, layers, fit, out)?);
                Ok(text.into())
            }),
        ),
        (
            24,
            Box::new(move |out| {
                progress("validating the risk terrain model");
                validate(risk_input, out).map(Step::from)
            }),
        ),
        (
            200,
            Box::new(move |out| {
                progress("assessing the demo proposals");
                assess(city, fit, out).map(Step::from)
            }),
        ),
        (
            290,
            Box::new(move |out| {
                progress("network");
                study::network::demo(city, input, &mut out.section("network")).map(Step::from)
            }),
        ),
        (
            300,
            Box::new(move |out| {
                progress("writing the public report");
                public_report(city, input, streets, risk_input, layers, fit, out).map(Step::from)
            }),
        ),
    ];
    run_tasks(out, tasks, prov, text)
}

/// The demo city's context layers for maps: the river (water), the parks (areas) and
/// the streets with their names (issue 14).
pub fn demo_context(city: &DemoCity) -> Vec<crate::render::ContextLayer> {
    use crate::render::ContextLayer;
    let named = |l: &crate::layer::Layer| -> Vec<Option<String>> {
        (0..l.len()).map(|i| l.property_str(i, "name")).collect()
    };
    let mut v = Vec::new();
    if let Some(r) = &city.river {
        v.push(ContextLayer::new("river", r.geometries.clone(), Vec::new()));
    }
    if let Some(p) = city.layer("parks") {
        v.push(ContextLayer::new("parks", p.geometries.clone(), Vec::new()));
    }
    v.push(ContextLayer::new(
        "streets",
        city.streets.geometries.clone(),
        named(&city.streets),
    ));
    v
}
