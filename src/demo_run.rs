//! The demo run: the synthetic city and every analysis of the toolkit on it, written
//! as one output set.
//!
//! This module sits at the top of the crate: it calls every study and nothing below
//! imports it (the city *generator*, [`crate::demo`], stays low so that tests and the
//! access demo can use it).
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

use serde_json::json;

use crate::access::{self, AssessParams, RiskModel};
use crate::accuracy::CompareParams;
use crate::demo::{self, DemoCity, DemoParams};
use crate::error::{Error, Result};
use crate::evaluate::{simulate, EvaluateParams};
use crate::export::{InputFile, Outputs, Provenance};
use crate::hotspot::GiStarParams;
use crate::io::{LayerOptions, LoadOptions};
use crate::repeat::chains::ChainParams;
use crate::repeat::exact::ExactRepeatParams;
use crate::repeat::knox::KnoxParams;
use crate::repeat::promap::PromapParams;
use crate::risk::{FactorParams, Operationalisation, RtmParams, SiteParams, ValidateParams};
use crate::study::{self, IncidentInput, StudyLayer};

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

/// What one analysis of the demo adds to the run: its lines of the report text and
/// the inputs it read (for the set's provenance).
#[derive(Debug, Default)]
struct Step {
    text: String,
    inputs: Vec<InputFile>,
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
type Task<'a> = Box<dyn FnOnce(&mut Outputs) -> Result<Step> + Send + 'a>;

/// Runs `tasks` (each with its relative cost), each into its own fork of `out`
/// ([`Outputs::fork`]) on rayon's pool, the costliest first (so that the long ones
/// do not end up last on one thread), and joins them in the order given: the set,
/// the text and the provenance inputs are the same as if the tasks had run one after
/// another in that order, whatever the thread count and whichever finished first. The
/// first error in that order is returned. A public set (which cannot be forked) runs
/// the tasks one after another.
fn run_tasks(
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

/// The street segments' line of the report.
fn segments_text(seg: &study::segments::SegmentStudy) -> String {
    match &seg.seg_conc {
        Some(c) => format!(
            "street segments: {} segments, {} incidents unsnapped (> 30 m); 50 % of snapped incidents on {:.1} % of all segments ({:.1} % of segments with crime), Gini {:.3}\n",
            c.n_units,
            seg.snapped.unsnapped,
            100.0 * c.shares[1].of_all_units,
            100.0 * c.shares[1].of_nonzero_units,
            c.gini
        ),
        None => String::new(),
    }
}

/// PAI and PEI of the hot spot methods (trained Jan-Sep, tested Oct-Dec).
fn accuracy(input: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let until = demo_date("2024-10-01")?;
    let acc = study::accuracy::accuracy(input, &CompareParams::new(until))?;
    out.section("forecast_accuracy").write_result(&acc)?;
    let at5: Vec<String> = acc
        .comparison
        .methods
        .iter()
        .filter_map(|m| {
            m.rows.get(4).map(|r| {
                format!(
                    "{} PAI {:.2} PEI {:.2}",
                    m.name,
                    r.pai,
                    r.pei.unwrap_or(f64::NAN)
                )
            })
        })
        .collect();
    Ok(format!(
        "hotspot accuracy at 5 % of the area (train Jan-Sep, test Oct-Dec): {}\n",
        at5.join("; ")
    ))
}

/// The fitted model's factor table beside the planted truth.
fn risk_text(city: &DemoCity, fit: &study::risk::FitStudy) -> String {
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
fn validate(risk_input: &study::risk::RiskInput, out: &mut Outputs) -> Result<String> {
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

/// Grid counts, kernel density and Gi* of the city (the `hotspots` studies with their
/// defaults; Gi* with 99 permutations, seed 42, FDR), and the share of planted hot spot
/// centres that fall in Gi* hot cells (95 %): `hotspots.json`, which shares the Gi*
/// provenance record.
fn hotspots(city: &DemoCity, input: &IncidentInput, out: &mut Outputs) -> Result<String> {
    use study::hotspots as hs;
    let hin = hs::HotspotInput::new(input.clone());
    let mut s = out.section("hotspots");
    s.write_result(&hs::grid(&hin, &hs::GridStudyParams::default())?)?;
    let k = hs::kde_study(&hin, None, &hs::KdeStudyParams::default())?;
    s.write_result(&k)?;
    let gp = hs::GiStarStudyParams {
        gistar: GiStarParams::new().permutations(99).seed(42).fdr(true),
        ..Default::default()
    };
    let gi = hs::gistar(&hin, &gp)?;
    s.write_result(&gi)?;
    let cg = &gi.cells.grid;
    let bins = &gi.result.bin;
    let mut found = Vec::new();
    for h in &city.truth.hotspots {
        let hit = cg
            .position_of(h.centre[0], h.centre[1])
            .is_some_and(|p| bins[p] >= 2);
        found.push(json!({"label": h.label, "centre": h.centre, "hot_95": hit}));
    }
    let hits = found.iter().filter(|f| f["hot_95"] == json!(true)).count();
    let n = city.truth.hotspots.len();
    let hot = bins.iter().filter(|b| **b >= 2).count();
    let summary = json!({
        "grid": cg,
        "kde_bandwidth_m": k.kde.bandwidth_m,
        "gistar_bins": gi.result.bin_counts,
        "hot_cells_95": hot,
        "hot_share": hot as f64 / cg.len() as f64,
        "planted_hotspots": n,
        "planted_found": hits,
        "hit_rate": if n > 0 { hits as f64 / n as f64 } else { f64::NAN },
        "hotspots": found,
    });
    s.json("hotspots.json", &summary)?;
    Ok(format!(
        "hotspots: {hits}/{n} planted hotspot centres in Gi* hot cells (95%, FDR); {hot} of {} cells hot ({:.1}%)\n",
        cg.len(),
        100.0 * hot as f64 / cg.len() as f64
    ))
}

/// Planted hot spots recovered by the clusters.
fn clusters_text(city: &DemoCity, cl: &study::clusters::ClusterStudy<'_>) -> String {
    let recovered: Vec<String> = city
        .truth
        .hotspots
        .iter()
        .map(|h| {
            let best = cl
                .summaries
                .iter()
                .map(|s| {
                    let d = ((s.centroid[0] - h.centre[0]).powi(2)
                        + (s.centroid[1] - h.centre[1]).powi(2))
                    .sqrt();
                    (d, s.count)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match best {
                Some((d, n)) if d <= h.sigma => {
                    format!("{} found ({} points, centroid {:.0} m off)", h.label, n, d)
                }
                _ => format!("{} missed", h.label),
            }
        })
        .collect();
    format!(
        "clusters (DBSCAN eps 30 m, min_samples 15): {} clusters, {} noise; planted: {}\n",
        cl.clustering.n_clusters,
        cl.clustering.n_noise(),
        recovered.join("; ")
    )
}

/// The burglaries of the city (`None` when it has none: no repeat analysis runs).
fn burglaries(input: &IncidentInput) -> Option<IncidentInput> {
    let inc = &input.incidents;
    let c = inc.categories.iter().position(|c| c == "burglary")?;
    Some(IncidentInput {
        incidents: inc.filter(|i| inc.category[i] == c as u32),
        report: None,
        source: input.source.clone(),
        time_zone: input.time_zone.clone(),
    })
}

/// Knox test on the burglaries.
fn near_repeat(burg: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let p = study::repeats::NearRepeatParams {
        knox: KnoxParams::new(
            vec![0.0, 100.0, 200.0, 300.0, 400.0, f64::INFINITY],
            vec![0.0, 7.0, 14.0, 21.0, 28.0, f64::INFINITY],
        )
        .nrep(199)
        .seed(42),
        label: Some("burglary".into()),
        title: Some("demo city burglaries".into()),
    };
    let nr = study::repeats::near_repeat(burg, &p)?;
    out.section("near_repeat").write_result(&nr)?;
    Ok(format!("near repeats: {}\n", nr.result.summary("burglary")))
}

/// Exact repeats of all incidents by address.
fn exact_repeats(input: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let rp = study::repeats::RepeatStudyParams {
        repeats: ExactRepeatParams::default().address_column("address"),
        exact_locations: false,
        top: 0,
    };
    let r = study::repeats::exact_repeats(input, &rp)?;
    out.section("repeats").write_result(&r)?;
    Ok(r.result.to_text())
}

/// Space-time chains of the burglaries.
fn chains(burg: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let cp = study::repeats::ChainStudyParams {
        chains: ChainParams::new(100.0, 14.0).nrep(99).seed(42),
        top: 20,
        exact_locations: false,
    };
    let ch = study::repeats::chain_study(burg, &cp)?;
    out.section("chains").write_result(&ch)?;
    Ok(ch.result.to_text())
}

/// A promap of the burglaries on 2024-10-01.
fn promap(burg: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let at = demo_date("2024-10-01")?;
    let pm = study::repeats::promap_study(burg, &PromapParams::new(at).cell(100.0))?;
    out.section("promap").write_result(&pm)?;
    Ok(pm.result.to_text())
}

/// Plants a 30 % reduction with some displacement in the city and evaluates it.
fn evaluate(city: &DemoCity, out: &mut Outputs) -> Result<Step> {
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

/// Ranked cells (written) and street segments (printed) from the fitted model.
fn sites(
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
fn assess(city: &DemoCity, fit: &study::risk::FitStudy, out: &mut Outputs) -> Result<String> {
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

/// Spacing (m) along each street of the demo's synthetic address layer.
pub const DEMO_ADDRESS_SPACING_M: f64 = 15.0;
/// Setback (m) of the demo's synthetic houses from the street centre line.
pub const DEMO_ADDRESS_SETBACK_M: f64 = 8.0;

/// The public report (`public/`): the hot spot maps, street segments, the repeats
/// summary and the ranked sites, written for the public audience
/// ([`crate::disclosure::Disclosure::public`], k = 3) beside the internal outputs.
/// Points go to anonymous map points chosen among the street-segment midpoints, each
/// covering at least k houses of a synthetic address layer
/// ([`crate::disclosure::synthetic_addresses`]: one house every
/// [`DEMO_ADDRESS_SPACING_M`] on both sides of every street, seeded by the city's
/// seed); every file is scanned for the incidents' locations before the set is kept.
#[allow(clippy::too_many_arguments)]
fn public_report(
    city: &DemoCity,
    input: &IncidentInput,
    streets: &StudyLayer,
    risk_input: &study::risk::RiskInput,
    layers: &[StudyLayer],
    fit: &study::risk::FitStudy,
    out: &mut Outputs,
) -> Result<String> {
    use crate::export::Export;
    use study::hotspots as hs;
    let working = city.streets.crs.working.clone();
    let addresses = crate::disclosure::synthetic_addresses(
        &city.streets,
        DEMO_ADDRESS_SPACING_M,
        DEMO_ADDRESS_SETBACK_M,
        city.truth.params.seed,
    )?;
    let anchors = crate::disclosure::segment_midpoints(&city.streets);
    let layer = crate::export::AddressLayer {
        points: addresses,
        crs: working.clone(),
        anchors: Some(anchors),
        source: format!(
            "the demo's synthetic address layer (a house every {DEMO_ADDRESS_SPACING_M} m on both sides of every street, {DEMO_ADDRESS_SETBACK_M} m back, seed {}; anchors: street-segment midpoints)",
            city.truth.params.seed
        ),
    };
    let policy = crate::disclosure::Disclosure::public();
    let mut p = out.public_section("public", &policy, Some(&layer))?;
    {
        let hin = hs::HotspotInput::new(input.clone());
        let mut s = p.section("hotspots");
        hs::grid(&hin, &hs::GridStudyParams::default())?.write(&mut s)?;
        hs::kde_study(&hin, None, &hs::KdeStudyParams::default())?.write(&mut s)?;
        let gp = hs::GiStarStudyParams {
            gistar: GiStarParams::new().permutations(99).seed(42).fdr(true),
            ..Default::default()
        };
        hs::gistar(&hin, &gp)?.write(&mut s)?;
    }
    study::segments::segments(input, streets, &Default::default())?
        .write(&mut p.section("segments"))?;
    let rp = study::repeats::RepeatStudyParams {
        repeats: ExactRepeatParams::default().address_column("address"),
        exact_locations: false,
        top: 0,
    };
    study::repeats::exact_repeats(input, &rp)?.write(&mut p.section("repeats"))?;
    let sites_input = study::sites::SitesInput {
        incidents: risk_input.incidents.clone(),
        model: fit.result.model.clone(),
        model_source: None,
        layers: layers.to_vec(),
        units: study::sites::UnitsInput::Cells,
        mapping: (crate::risk::CptedMapping::default_mapping(), None),
        seriousness: None,
        temporal: None,
    };
    study::sites::sites(&sites_input, &SiteParams::new().top(20))?
        .write(&mut p.section("sites"))?;
    let inc = &input.incidents;
    let lonlat = lonlat_of(&inc.xy, &inc.crs.working);
    let report = p.finish(&inc.xy, &lonlat, &inc.crs.working)?;
    Ok(format!(
        "public report (k = {}): {} cells suppressed (+{} complementary), {} features withheld, {} points moved (mean {:.0} m, max {:.0} m) to anonymous map points; every file scanned: no incident location, no count below k -> {}\n",
        report.k,
        report.cells_suppressed_primary,
        report.cells_suppressed_complementary,
        report.features_withheld,
        report.points_moved,
        report.mean_displacement_m.unwrap_or(0.0),
        report.max_displacement_m.unwrap_or(0.0),
        out.final_path("public").display()
    ))
}

/// `xy` in lon/lat (empty when `crs` is not georeferenced).
fn lonlat_of(xy: &[[f64; 2]], crs: &crate::crs::Crs) -> Vec<[f64; 2]> {
    if crs.is_geographic() {
        return xy.to_vec();
    }
    if !crs.is_georeferenced() {
        return Vec::new();
    }
    match crate::crs::Reprojector::new(crs, &crate::crs::WGS84) {
        Ok(r) => {
            let mut ll = xy.to_vec();
            r.apply_all(&mut ll);
            ll
        }
        Err(_) => Vec::new(),
    }
}
