//! `crimescape risk fit|apply|validate`: risk terrain models
//! ([`crimescape::study::risk`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use crimescape::study::risk::{
    self as rk, ApplyStudy, FitStudy, FitStudyParams, RiskInput, ValidateStudy, ValidateStudyParams,
};
use crimescape::study::settings::parse_target_crs;
use crimescape::study::{IncidentInput, LayerSpec};
use crimescape::{FactorParams, RtmParams};

use crate::cli::GlobalArgs;
use crate::common::{
    done, finish, load_input, outputs, spin, study_incidents, study_layer, LoadArgs,
};

/// `crimescape risk ...`
#[derive(Debug, Args)]
pub struct RiskArgs {
    #[command(subcommand)]
    pub command: RiskCommand,
}

/// Risk subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
pub enum RiskCommand {
    /// Fit a risk terrain model: which layers, at which spatial influence, explain where
    /// incidents concentrate (elastic-net screen, stepwise BIC, Poisson or negative
    /// binomial). Writes the risk surface (GeoJSON + PNG), the factor table
    /// (CSV/JSON/console), model.json and provenance.
    Fit(FitArgs),
    /// Re-apply a saved model.json to (changed) layers: the new risk surface.
    Apply(ApplyArgs),
    /// Validity: fit the model on a training period (or file) and score its top-risk
    /// cells on the test period (hit rate, PAI, PEI, RRI at 1-20 % of the area) next to
    /// naive counts, KDE, Gi* and promap of the same training incidents.
    Validate(ValidateArgs),
}

choices! {
    /// Which operationalisations to try.
    OpChoice => rk::Operationalisations {
        /// Cell within d of the nearest feature.
        Proximity,
        /// Feature density above mean + k SD.
        Density,
        /// Try both (RTMDx's behaviour).
        Both,
    }
}

/// Arguments of `risk fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// A risk-factor layer: NAME=PATH or NAME=PATH:COLUMN=VALUE (feature filter, e.g.
    /// lights=lights.geojson:status=out), or a PATH named by its file stem. Repeatable.
    #[arg(long = "layer", value_name = "[NAME=]PATH[:FILTER]", required = true)]
    pub layers: Vec<String>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Block length in metres: spatial influences 0.5, 1, …, 3 blocks are tested.
    #[arg(long, default_value_t = 100.0)]
    pub block: f64,
    /// Spatial influences to test instead (metres, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub distances: Option<Vec<f64>>,
    /// Cell size in metres [default: half a block].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Operationalisations to try.
    #[arg(long, value_enum, default_value_t = OpChoice::Both)]
    pub op: OpChoice,
    /// Density indicator threshold: mean + this many SD.
    #[arg(long, default_value_t = 2.0)]
    pub density_sd: f64,
    /// Cross-validation folds of the elastic-net screen.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Elastic-net mixing (1 = lasso).
    #[arg(long, default_value_t = 0.5)]
    pub l1_ratio: f64,
    /// Seed of the cross-validation folds (and of the spatial null's shifts).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Spatial null: refit each selected factor in place of this many toroidally shifted
    /// copies of its layer and keep it only if it beats them (0 = off).
    #[arg(long, default_value_t = 199)]
    pub null_shifts: usize,
    /// Spatial null: keep a factor when (#{shifted copies >= it} + 1)/(shifts + 1) < this.
    #[arg(long, default_value_t = 0.05)]
    pub null_alpha: f64,
    /// Study-area polygon(s) (e.g. the city boundary): only cells whose centre lies
    /// inside enter the model [default: every cell of the incidents' bounding box].
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Arguments of `risk apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// model.json written by `risk fit`.
    pub model: PathBuf,
    /// Layers as in `risk fit` (NAME=PATH or PATH; the model's filters are re-applied).
    #[arg(long = "layer", value_name = "[NAME=]PATH", required = true)]
    pub layers: Vec<String>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Working CRS of the model [default: the `crs` stored in model.json; needed only
    /// for a model file without one].
    #[arg(long)]
    pub to_crs: Option<String>,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// Arguments of `risk validate`: those of `risk fit` plus the split.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub fit: FitArgs,
    /// End of the training period (exclusive) = start of the test period (YYYY-MM-DD).
    #[arg(long, required_unless_present = "test")]
    pub train_until: Option<String>,
    /// Start of the training period (inclusive) [default: open].
    #[arg(long)]
    pub train_from: Option<String>,
    /// End of the test period (exclusive) [default: open].
    #[arg(long)]
    pub test_until: Option<String>,
    /// Test incidents from another file (read with the same column/CRS options): train
    /// on INCIDENTS, test on this file (e.g. two yearly files without dates).
    #[arg(long, conflicts_with_all = ["train_until", "train_from", "test_until"])]
    pub test: Option<PathBuf>,
    /// Quartic KDE bandwidth in metres [default: 3 cells].
    #[arg(long)]
    pub bandwidth: Option<f64>,
}

impl FitArgs {
    /// The model settings.
    fn rtm(&self) -> RtmParams {
        let mut fp = FactorParams::new(self.block).density_sd(self.density_sd);
        if let Some(d) = &self.distances {
            fp = fp.distances(d.clone());
        }
        fp = fp.operationalisations(rk::Operationalisations::from(self.op).list());
        RtmParams::new(self.block)
            .seed(self.seed)
            .cv_folds(self.folds)
            .l1_ratio(self.l1_ratio)
            .factors(fp)
            .spatial_null(
                crimescape::SpatialNullParams::new()
                    .shifts(self.null_shifts)
                    .alpha(self.null_alpha),
            )
    }

    fn cell(&self) -> f64 {
        self.cell.unwrap_or(self.block / 2.0)
    }

    /// The layer specs (checked before any file is read).
    fn specs(&self) -> Result<Vec<LayerSpec>> {
        Ok(LayerSpec::parse_all(&self.layers, str::parse)?)
    }

    /// Loads the layers and the boundary in the incidents' working CRS.
    fn input(&self, incidents: IncidentInput, specs: &[LayerSpec]) -> Result<RiskInput> {
        let working = incidents.incidents.crs.working.clone();
        let crs = self.layer_crs.as_deref();
        RiskInput::load_with(incidents, specs, self.boundary.as_deref(), |p, role| {
            study_layer(p, crs, Some(&working), role)
        })
    }
}

fn run_fit(a: FitArgs, g: &GlobalArgs) -> Result<()> {
    let specs = a.specs()?;
    let p = FitStudyParams::new(a.rtm(), a.cell());
    let out = outputs(&a.out, FitStudy::files(), g)?;
    let input = a.input(study_incidents(&a.incidents, &a.load, g)?, &specs)?;
    let r = spin(g, "fitting the risk terrain model", || rk::fit(&input, &p))?;
    if !g.quiet {
        print!("{}", r.summary_text());
        println!("working CRS: {} (stored in model.json)", r.crs);
    }
    finish(out, &r, g)
}

fn run_apply(a: ApplyArgs, g: &GlobalArgs) -> Result<()> {
    let specs = LayerSpec::parse_all(&a.layers, str::parse)?;
    let out = outputs(&a.out, ApplyStudy::files(), g)?;
    let to_crs = a.to_crs.as_deref().map(parse_target_crs).transpose()?;
    let m = rk::load_model(&a.model, to_crs)?;
    m.model
        .check_layers(specs.iter().map(|s| s.name.as_str()))?;
    let crs = a.layer_crs.as_deref();
    let layers = (specs.iter())
        .map(|s| s.load_with(|p, role| study_layer(p, crs, Some(&m.crs), role)))
        .collect::<Result<Vec<_>>>()?;
    let r = rk::apply(&m.model, Some(m.source), &layers, &m.crs)?;
    done(out, &r, g)
}

fn run_validate(a: ValidateArgs, g: &GlobalArgs) -> Result<()> {
    let f = &a.fit;
    let specs = f.specs()?;
    let p = ValidateStudyParams::new(f.rtm(), f.cell())
        .kde_bandwidth(a.bandwidth)
        .split_dates(
            a.train_from.as_deref(),
            a.train_until.as_deref(),
            a.test_until.as_deref(),
        )?;
    let out = outputs(&f.out, ValidateStudy::files(), g)?;
    let train = study_incidents(&f.incidents, &f.load, g)?;
    // the test file is read with the same options, in the training file's working CRS
    let load = f
        .load
        .study_load(g)?
        .beside(&train.incidents.crs.working, "test");
    let test = a
        .test
        .as_ref()
        .map(|t| load_input(t, &load, "test incidents", g));
    let test = test.transpose()?;
    let input = f.input(train, &specs)?;
    let r = spin(g, "fitting the model on the training incidents", || {
        rk::validate(&input, test.as_ref(), &p)
    })?;
    done(out, &r, g)
}

/// Runs `crimescape risk`.
pub fn run(a: RiskArgs, g: &GlobalArgs) -> Result<()> {
    match a.command {
        RiskCommand::Fit(f) => run_fit(f, g),
        RiskCommand::Apply(f) => run_apply(f, g),
        RiskCommand::Validate(v) => run_validate(v, g),
    }
}
