//! `crimescape near-repeat`: the Knox near-repeat test (NearRepeat semantics).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use crimescape::repeat::knox::{self, KnoxParams, KnoxResult, Metric};
use crimescape::{Incidents, Provenance};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, spinner, write_output, LoadArgs};

/// Distance metric.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MetricArg {
    /// |dx| + |dy| (NearRepeat's and the Near Repeat Calculator's default).
    Manhattan,
    /// Straight-line distance.
    Euclidean,
    /// Shortest path along the street network of --streets.
    Network,
}

impl From<MetricArg> for Metric {
    fn from(m: MetricArg) -> Metric {
        match m {
            MetricArg::Manhattan => Metric::Manhattan,
            MetricArg::Euclidean => Metric::Euclidean,
            MetricArg::Network => Metric::Network,
        }
    }
}

/// Arguments of `crimescape near-repeat`.
#[derive(Debug, Args)]
#[command(mut_arg("time", |a| a.long("time-column").help("Time column [default: detected]")))]
pub struct NearRepeatArgs {
    /// Incident file (points with dates/times).
    pub file: PathBuf,
    /// Spatial band breaks in metres; bands are [a,b). Add Inf to keep the pairs beyond the
    /// last break (a "beyond" band), as NearRepeat does with Inf.
    #[arg(long, value_delimiter = ',', default_value = "0,100,200,300,400")]
    pub space: Vec<String>,
    /// Temporal band breaks in days; bands are [a,b) (a pair 7 days apart is in [7,14)).
    #[arg(long = "time", value_delimiter = ',', default_value = "0,7,14,21,28")]
    pub time_bands: Vec<String>,
    /// Near Repeat Calculator style spatial bands BANDWIDTH,N: "same location" [0,1) m,
    /// then N bands of BANDWIDTH m and a "beyond" band (replaces --space).
    #[arg(long, value_name = "BW,N")]
    pub nrc: Option<String>,
    /// NRC style temporal bands BANDWIDTH,N days plus a "beyond" band (replaces --time).
    #[arg(long, value_name = "BW,N")]
    pub nrc_time: Option<String>,
    /// Distance metric.
    #[arg(long, value_enum, default_value_t = MetricArg::Manhattan)]
    pub metric: MetricArg,
    /// Occurrence windows longer than the first time band: left out (exclude) or
    /// placed at their midpoint; shorter windows always use their midpoint.
    #[arg(long, value_enum, default_value_t = WindowRuleArg::Exclude)]
    pub window_rule: WindowRuleArg,
    /// Permutations of the times (0 = analytic expectation with Poisson p only).
    #[arg(long, default_value_t = 999)]
    pub nrep: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Most pairs closer than the largest finite spatial break that the permutations
    /// may hold in memory (8 bytes each; 5e8 = 4 GB). With --nrep 0 they are only
    /// counted and this does not apply.
    #[arg(long, value_name = "N", default_value_t = 500_000_000)]
    pub max_pairs: u64,
    /// What an event is, for the summary sentence [default: the category if there is
    /// only one, else "incident"].
    #[arg(long)]
    pub label: Option<String>,
    /// Output folder (knox.csv, knox.json, knox.png, each with provenance).
    #[arg(long, short, default_value = "near_repeat")]
    pub out: PathBuf,
    #[command(flatten)]
    pub network: crate::cmd_network::NetworkMetricArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn parse_list(v: &[String], flag: &str) -> Result<Vec<f64>> {
    v.iter()
        .map(|s| {
            let s = s.trim();
            match s.to_ascii_lowercase().as_str() {
                "inf" | "infinity" => Ok(f64::INFINITY),
                _ => s.parse::<f64>().map_err(|_| {
                    crimescape::Error::Param(format!("{flag}: {s:?} is not a number")).into()
                }),
            }
        })
        .collect()
}

fn parse_nrc(s: &str, flag: &str) -> Result<(f64, usize)> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let bad = || crimescape::Error::Param(format!("{flag} {s:?}: expected BANDWIDTH,N"));
    if parts.len() != 2 {
        return Err(bad().into());
    }
    let bw: f64 = parts[0].parse().map_err(|_| bad())?;
    let n: usize = parts[1].parse().map_err(|_| bad())?;
    Ok((bw, n))
}

/// The Knox parameters from the command line.
fn params(a: &NearRepeatArgs) -> Result<KnoxParams> {
    let space = match &a.nrc {
        Some(s) => {
            let (bw, n) = parse_nrc(s, "--nrc")?;
            knox::nrc_space_breaks(bw, n)?
        }
        None => parse_list(&a.space, "--space")?,
    };
    let time = match &a.nrc_time {
        Some(s) => {
            let (bw, n) = parse_nrc(s, "--nrc-time")?;
            knox::nrc_time_breaks(bw, n)?
        }
        None => parse_list(&a.time_bands, "--time")?,
    };
    Ok(KnoxParams::new(space, time)
        .metric(a.metric.into())
        .nrep(a.nrep)
        .seed(a.seed)
        .max_pairs(a.max_pairs))
}

/// The label for the summary: the single category, or "incident".
fn default_label(inc: &Incidents) -> String {
    let used: std::collections::BTreeSet<u32> = inc.category.iter().copied().collect();
    if used.len() == 1 {
        if let Some(name) = inc.category_name(0) {
            return name.replace('_', " ").to_lowercase();
        }
    }
    "incident".into()
}

pub fn run(a: NearRepeatArgs, g: &GlobalArgs) -> Result<()> {
    let mut p = params(&a)?;
    let (inc, mut rep) = load_incidents(&a.file, &a.load, g)?;
    let (inc, wr) = crimescape::when::window_rule::knox_incidents(
        &inc,
        crimescape::when::window_rule::first_band_days(&p.time_breaks)?,
        a.window_rule.into(),
    )?;
    if wr.midpoint_short + wr.midpoint_long + wr.excluded_long > 0 {
        if !g.quiet {
            eprintln!("  {}", wr.describe());
        }
        rep.notes.push(wr.describe());
    }
    let label = a.label.clone().unwrap_or_else(|| default_label(&inc));
    let mut prov = Provenance::new(serde_json::to_value(&p)?);
    prov.input_load(&a.file, "incidents", &rep);
    prov.seed = Some(p.seed);
    prov.crs = Some(inc.crs.clone());
    if let Some(space) = a
        .network
        .space(p.metric == Metric::Network, &inc, &mut prov, g)?
    {
        p = p.network(space);
    }
    let title = a
        .file
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_default();
    let r = run_knox(&inc, &p, &label, &title, &a.out, g, &mut prov)?;
    if !g.quiet {
        for w in &r.warnings {
            eprintln!("  warning: {w}");
        }
    }
    print!("{}", r.to_text());
    println!("{}", r.summary(&label));
    Ok(())
}

/// Runs the test and writes knox.csv / knox.json / knox.png (with provenance) into `out`.
pub fn run_knox(
    inc: &Incidents,
    p: &KnoxParams,
    label: &str,
    title: &str,
    out: &Path,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<KnoxResult> {
    let pb = spinner(
        g,
        format!("Knox test: {} events, {} permutations", inc.len(), p.nrep),
    );
    let t0 = std::time::Instant::now();
    let res = knox::knox(inc, p);
    pb.finish_and_clear();
    let r = res?;
    if !g.quiet {
        eprintln!(
            "Knox test: {} events ({} without time, {} too coarse excluded), {} pairs, {} close pairs \
             ({:.1} MB stored), {} permutations, {:.2} s",
            r.n_events,
            r.excluded_missing_time,
            r.excluded_coarse_time,
            r.n_pairs,
            r.close_pairs,
            r.close_pair_bytes as f64 / 1e6,
            p.nrep,
            t0.elapsed().as_secs_f64()
        );
    }
    std::fs::create_dir_all(out).map_err(|e| crimescape::Error::io(out, e))?;
    let mut outputs = Vec::new();

    // long CSV
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "s_band",
        "t_band",
        "s_lo",
        "s_hi",
        "t_lo",
        "t_hi",
        "observed",
        "expected",
        "expected_median",
        "knox_ratio",
        "p_value",
        "significant",
        "expected_analytic",
        "knox_ratio_analytic",
        "p_poisson",
    ])?;
    let sig = r.significant(knox::RATIO_THRESHOLD, knox::ALPHA);
    let nl = r.time_labels.len();
    let f = knox::fmt_num;
    for (k, c) in r.cells().iter().enumerate() {
        w.write_record([
            c.s_band.clone(),
            c.t_band.clone(),
            f(c.s_lo),
            f(c.s_hi),
            f(c.t_lo),
            f(c.t_hi),
            c.observed.to_string(),
            f(c.expected),
            f(c.expected_median),
            f(c.knox_ratio),
            f(c.p_value),
            sig[k / nl][k % nl].to_string(),
            f(c.expected_analytic),
            f(c.knox_ratio_analytic),
            f(c.p_poisson),
        ])?;
    }
    let csv_path = out.join("knox.csv");
    write_output(&csv_path, &w.into_inner()?, g)?;
    outputs.push(csv_path);

    // JSON: the whole result + summary
    let mut v = serde_json::to_value(&r)?;
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("summary".into(), r.summary(label).into());
    }
    let json_path = out.join("knox.json");
    write_output(&json_path, &serde_json::to_vec_pretty(&v)?, g)?;
    outputs.push(json_path);

    // PNG heat table of Knox ratios
    let (kr, _) = r.ratio_and_p();
    let values: Vec<Vec<f64>> = kr
        .iter()
        .map(|row| {
            row.iter()
                .map(|x| if x.is_finite() { *x } else { f64::NAN })
                .collect()
        })
        .collect();
    let png = crimescape::render::heat_table(
        &values,
        &sig,
        &r.space_labels,
        &r.time_labels,
        1.0,
        true,
        &[
            "Knox ratios".to_string(),
            title.to_string(),
            format!(
                "{}, {} distance, {} events",
                if r.permutation.is_some() {
                    format!("{} permutations (seed {})", p.nrep, p.seed)
                } else {
                    "analytic expectation".into()
                },
                r.metric.name(),
                r.n_events,
            ),
            format!(
                "bold: ratio >= {} and p < {}",
                knox::RATIO_THRESHOLD,
                knox::ALPHA
            ),
        ],
        "metres \\ days",
    )?;
    let png_path = out.join("knox.png");
    write_output(&png_path, &png, g)?;
    outputs.push(png_path);

    prov.outputs
        .extend(outputs.iter().map(|p| p.display().to_string()));
    for o in &outputs {
        prov.write_beside(o, g.force)?;
    }
    Ok(r)
}

/// The near-repeat part of `crimescape demo`: Knox test on the demo city's burglaries.
pub fn demo_near_repeat(
    out: &Path,
    inc: &Incidents,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let burg = match inc.categories.iter().position(|c| c == "burglary") {
        Some(c) => inc.filter(|i| inc.category[i] == c as u32),
        None => return Ok(()),
    };
    let p = KnoxParams::new(
        vec![0.0, 100.0, 200.0, 300.0, 400.0, f64::INFINITY],
        vec![0.0, 7.0, 14.0, 21.0, 28.0, f64::INFINITY],
    )
    .nrep(199)
    .seed(42);
    let mut local = Provenance::new(serde_json::to_value(&p)?);
    local.inputs = prov.inputs.clone();
    local.seed = Some(p.seed);
    local.crs = Some(inc.crs.clone());
    let r = run_knox(
        &burg,
        &p,
        "burglary",
        "demo city burglaries",
        &out.join("near_repeat"),
        g,
        &mut local,
    )?;
    prov.outputs.extend(local.outputs);
    if !g.quiet {
        println!("near repeats: {}", r.summary("burglary"));
    }
    crate::cmd_repeats::demo_repeats(out, inc, g, prov)
}

/// `--window-rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WindowRuleArg {
    /// Leave long windows out.
    Exclude,
    /// Use their midpoint.
    Midpoint,
}

impl From<WindowRuleArg> for crimescape::when::WindowRule {
    fn from(a: WindowRuleArg) -> Self {
        match a {
            WindowRuleArg::Exclude => crimescape::when::WindowRule::Exclude,
            WindowRuleArg::Midpoint => crimescape::when::WindowRule::Midpoint,
        }
    }
}
