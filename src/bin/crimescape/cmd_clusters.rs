//! `crimescape clusters`: DBSCAN / space-time DBSCAN / HDBSCAN / Nnh point clusters
//! with hulls and standard deviational ellipses ([`crimescape::study::clusters`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use crimescape::study::clusters::{self as cs, ClusterMethod, ClusterStudy, ClusterStudyParams};
use crimescape::{DbscanParams, EllipseConvention, HdbscanParams, NnhParams, NnhThreshold};

use crate::cli::GlobalArgs;
use crate::common::{done, outputs, spin, study_incidents, LoadArgs};

/// Clustering method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// DBSCAN (scikit-learn semantics).
    Dbscan,
    /// Space-time DBSCAN: spatial eps and temporal --eps-days.
    StDbscan,
    /// HDBSCAN (scikit-learn semantics): --min-cluster-size, --min-samples.
    Hdbscan,
    /// CrimeStat nearest-neighbour hierarchical clustering: --nnh-probability or
    /// --nnh-threshold, --min-points, --max-order, --simulations.
    Nnh,
}

choices! {
    /// Standard deviational ellipse convention.
    Convention => EllipseConvention {
        /// CrimeStat: sqrt(2·λ/(n−2)).
        #[value(name = "crimestat")]
        CrimeStat,
        /// ArcGIS Directional Distribution: sqrt(2·λ/n).
        #[value(name = "arcgis")]
        ArcGis,
    }
}

/// Arguments of `crimescape clusters`.
#[derive(Debug, Args)]
pub struct ClustersArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Clustering method.
    #[arg(long, value_enum, default_value_t = Method::Dbscan)]
    pub method: Method,
    /// Neighbourhood radius in metres (inclusive).
    #[arg(long, default_value_t = 100.0)]
    pub eps: f64,
    /// DBSCAN: minimum neighbourhood size of a core point, counting the point
    /// itself [default: 10]. HDBSCAN: neighbours of the core distance, counting
    /// the point itself [default: --min-cluster-size].
    #[arg(long)]
    pub min_samples: Option<usize>,
    /// HDBSCAN smallest cluster.
    #[arg(long, default_value_t = 25)]
    pub min_cluster_size: usize,
    /// Nnh: one-tailed probability of the random nearest-neighbour threshold.
    #[arg(long, default_value_t = 0.5)]
    pub nnh_probability: f64,
    /// Nnh: fixed threshold distance in metres (instead of the probability).
    #[arg(long)]
    pub nnh_threshold: Option<f64>,
    /// Nnh: minimum points (or lower-order clusters) per cluster.
    #[arg(long, default_value_t = 10)]
    pub min_points: usize,
    /// Nnh: highest order.
    #[arg(long, default_value_t = 3)]
    pub max_order: usize,
    /// Nnh: study area in km² [default: bounding rectangle of the incidents].
    #[arg(long)]
    pub area_km2: Option<f64>,
    /// Nnh: Monte Carlo replicates of complete spatial randomness (0 = none).
    #[arg(long, default_value_t = 0)]
    pub simulations: usize,
    /// Nnh: seed of the simulations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Temporal radius in days for st-dbscan (inclusive; fractions allowed).
    #[arg(long)]
    pub eps_days: Option<f64>,
    /// Standard deviational ellipse convention.
    #[arg(long, value_enum, default_value_t = Convention::CrimeStat)]
    pub ellipse: Convention,
    /// Output folder: labels.csv, clusters.geojson, clusters.json, clusters.png.
    #[arg(long, short, default_value = "clusters")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

impl ClustersArgs {
    /// The library settings.
    fn params(&self) -> Result<ClusterStudyParams> {
        let min_samples = self.min_samples.unwrap_or(10);
        let method = match self.method {
            Method::Dbscan => ClusterMethod::Dbscan(DbscanParams::new(self.eps, min_samples)),
            Method::StDbscan => ClusterMethod::st_dbscan(self.eps, self.eps_days, min_samples)?,
            Method::Hdbscan => ClusterMethod::Hdbscan(
                HdbscanParams::new(self.min_cluster_size).min_samples(self.min_samples),
            ),
            Method::Nnh => ClusterMethod::Nnh(
                NnhParams::new()
                    .threshold(NnhThreshold::fixed_or_probability(
                        self.nnh_threshold,
                        self.nnh_probability,
                    ))
                    .min_points(self.min_points)
                    .max_order(self.max_order)
                    .area(
                        self.area_km2
                            .map(|k| NnhParams::area_m2(k, "km²", 1e6))
                            .transpose()?,
                    )
                    .simulations(self.simulations)
                    .seed(self.seed),
            ),
        };
        Ok(ClusterStudyParams {
            method,
            ellipse: self.ellipse.into(),
        })
    }
}

pub fn run(a: ClustersArgs, g: &GlobalArgs) -> Result<()> {
    let p = a.params()?;
    let out = outputs(&a.out, ClusterStudy::files(), g)?;
    let input = study_incidents(&a.file, &a.load, g)?;
    if let Some(note) = p.slow_note(input.incidents.len()).filter(|_| !g.quiet) {
        eprintln!("note: {note}");
    }
    let r = spin(g, "clustering", || cs::clusters(&input, &p))?;
    done(out, &r, g)
}
