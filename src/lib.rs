//! # crimescape
//!
//! Geospatial situational crime prevention: load incident points and
//! built-environment layers, find high-crime places, repeat and near-repeat
//! victimization, score places for environmental-design changes, assess design
//! proposals, and evaluate interventions — in metres, deterministically, fast.
//!
//! ## One flat surface
//! Every public item is re-exported once, at the crate root (`crimescape::kde`,
//! `crimescape::KdeParams`), in the manner of georust/geo; the modules that hold them are
//! private, so each item has exactly one path. The public API is what a researcher needs
//! to run every study the CLI runs — every entry point the binary, tests, examples,
//! benches, the Python binding and the docs use — plus every type in their signatures
//! (Params, results, enums, errors), so that users can name them. Where two modules use the
//! same name, the root carries a clear alias (`KdeEvaluation`, `SceneLayer`,
//! `NetworkSnapped`). The one public module is [`study`]: whole studies (load → analyse →
//! results), one function per CLI command, namespaced by command
//! (`study::hotspots::gistar`), whose names would otherwise collide with the analyses they
//! wrap.
//!
//! ## By task
//! * **Load**: [`load_incidents`] / [`load_layer`] with [`LoadOptions`] → [`Incidents`],
//!   [`Layer`] and a [`LoadReport`] that counts every rejected row by reason.
//! * **CRS**: [`Crs`], [`Reprojector`] — geographic input is projected to the UTM zone
//!   of the data.
//! * **Index**: [`PointIndex`], [`GeometryIndex`] (R-trees) for nearest/within queries.
//! * **Grids**: [`Grid`], [`PrefixSum`].
//! * **High-crime places**: [`build_grid`], [`grid_counts`], [`kde()`], [`gi_star`],
//!   [`local_moran`], change over time ([`count_change`], [`classify_periods`],
//!   [`emerging_hotspots`]); global autocorrelation ([`global_moran`], [`geary_c`],
//!   [`general_g`]) and the scale of clustering ([`incremental_autocorrelation`],
//!   [`choose_gistar_band`]).
//! * **Point patterns**: [`nearest_neighbour_index`], [`ripley_k`], [`cross_k`], with CSR
//!   envelopes on the [`StudyArea`].
//! * **Demo city**: [`generate_demo`] with a known ground truth; [`run_demo`] writes the
//!   whole demo.
//! * **Clusters**: [`dbscan`] / [`st_dbscan`] (scikit-learn semantics), [`hdbscan`],
//!   [`nnh`], cluster summaries with convex hulls and [`standard_deviational_ellipse`]s.
//! * **Street segments**: [`build_segments`] — segments, snapping, counts per 100 m;
//!   [`concentration()`] — law of crime concentration, Lorenz curve, Gini.
//! * **Street networks**: [`Network`], network KDE ([`nkde`]), network K ([`network_k`]),
//!   segment hot spots ([`segment_hotspots`]).
//! * **Prediction accuracy**: [`evaluate_surface`], [`compare_methods`] — hit rate, PAI,
//!   PEI, RRI.
//! * **Repeat victimization**: [`knox()`] near-repeat test ([`KnoxParams`]),
//!   [`exact_repeats`], [`near_repeat_chains`], prospective maps ([`promap`]).
//! * **Risk**: [`fit_rtm`] (risk terrain modelling), [`validate_rtm`], [`rank_sites`].
//! * **Design proposals**: [`assess`] a [`Proposal`] on a [`Study`] with a walking network.
//! * **Evaluate interventions**: [`evaluate()`] — before/after with a control,
//!   odds ratio, difference in differences, WDQ displacement, cost-benefit.
//! * **When**: [`Window`], aoristic hour-of-week profiles ([`week_weights`], R `aoristic`
//!   parity), NOAA sunrise/sunset and night shares ([`sun_times`], [`SunCalendar`]),
//!   temporal signatures of places with a permutation test ([`test_places`]), time
//!   filters ([`TimeFilter`]), the Knox window rule ([`WindowRule`]).
//! * **Publishing safely**: a public-audience [`Disclosure`] policy, small-count and
//!   complementary suppression with an audit ([`suppress_table`]), anonymous map points
//!   ([`anonymous_map_points`]), a re-identification [`Scanner`].
//! * **Outputs**: [`Outputs`] owns an output folder; results describe themselves as
//!   [`Table`]s and [`Features`]; [`Provenance`] for every output.
//!
//! ## Time
//! Times are kept as **local clock time**: seconds since 1970-01-01 00:00:00 of the clock
//! as written, with no time-zone conversion ([`parse_time`]). A UTC offset or `Z` suffix is
//! parsed and then ignored, because police exports often carry a spurious `Z` on local
//! times; the wall-clock value is what analysts mean. Day differences are therefore exact
//! calendar-day differences of the local clock. Each parsed time records its
//! [`TimePrecision`]: the finest unit the text actually gave (a date-only `2016-05-03` is
//! [`TimePrecision::Day`] and stands for the whole day starting at 00:00).
//!
//! ## When
//! * Durations are differences of wall-clock readings, as in the R `aoristic` package: a
//!   window over a daylight-saving change counts the clock's minutes, not elapsed ones.
//! * A [`Window`] is **half-open `[from, to)`** at minute resolution: the minute that starts
//!   at `to` is not in it. `to == from` is an exact time.
//! * Hour-of-week bins are numbered as the package's `hour1..hour168` minus one:
//!   bin = 24 · day + hour with **Sunday = 0** … Saturday = 6 (bin 0 = Sunday
//!   00:00–00:59, bin 167 = Saturday 23h).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unnameable_types)]

mod access;
mod accuracy;
mod cluster;
mod concentration;
mod crs;
mod demo;
mod demo_run;
mod disclosure;
mod envelope;
mod error;
mod evaluate;
mod export;
mod glm;
mod grid;
mod hotspot;
mod index;
mod info;
mod io;
mod layer;
mod limits;
mod network;
mod pattern;
mod render;
mod repeat;
mod risk;
mod special;
mod street;
pub mod study;
mod time;
mod when;

// The public API, each item once, grouped by task. Every module is private except
// `study` (whole studies, one per command); an item not listed here is internal.

// Errors and provenance.
pub use error::{Error, Result};

// Load: incidents and layers, CRS, time, summaries.
pub use crs::{Crs, CrsChoice, Reprojector, WGS84};
pub use info::{summarise_incidents, summarise_layer, IncidentSummary, LayerSummary};
pub use io::{
    detect_format, load_incidents, load_layer, sha256_hex, Attributes, Format, LayerOptions,
    LayerReport, LoadOptions, LoadReport, LonLatExtremes, RejectReason, Rejection, WhereFilter,
    DEFAULT_MAX_WINDOW,
};
pub use layer::{GeometryKind, Incidents, Layer, StringColumn, TimeUse, NO_CATEGORY};
pub use time::{
    format as format_time, from_fields as time_from_fields, parse as parse_time, parse_date,
    DateOrder, DateOrderChoice, TimePrecision,
};

// Index and grids.
pub use grid::{Grid, PrefixSum, MAX_CELLS};
pub use index::{GeometryIndex, PointIndex};

// High-crime places: counts, KDE, Gi*, Local Moran, change, emerging, global autocorrelation.
pub use hotspot::{
    build_grid, build_hex,
    change::{emerging_class, period_gi, space_time_gi, PeriodGi, SpaceTimeGi},
    choose_gistar_band, choose_gistar_band_grid, classify_periods, count_change, count_in_features,
    dual_kde, emerging_hotspots, geary_c, general_g, gi_star, global_moran, grid_counts,
    grid_weights, incremental_autocorrelation, incremental_autocorrelation_grid,
    kde::kde,
    local_moran, point_weights, BandReason, BandStat, Bandwidth, BinP, CellGrid, ChangeParams,
    ChangeResult, ClassifyParams, ClassifyResult, DualKdeResult, DualMode, EmergingClass,
    EmergingParams, EmergingResult, Evaluation as KdeEvaluation, Extent, FeatureCounts, GiStarBand,
    GiStarParams, GiStarResult, GlobalParams, GlobalStatistic, GridCounts, GridParams, HexCells,
    HexGrid, HotspotClass, IncrementalParams, IncrementalResult, KdeParams, KdeResult, Kernel,
    LocalMoranParams, LocalMoranResult, PermutationInference, Quadrant, Transform, Weights,
    WeightsSpec,
};

// Prediction accuracy: hit rate, PAI, PEI, RRI.
pub use accuracy::{
    compare_methods, default_fractions, evaluate_surface, evaluate_surface_random_ties,
    evaluate_surface_tiebreak, AccuracyRow, CompareParams, HotspotComparison, MethodAccuracy,
    SplitCounts,
};

// Point patterns: nearest neighbour index, Ripley's K/L, cross-K.
pub use pattern::{
    cross_k, nearest_neighbour_index, ripley_k, BorderCorrection, EdgeCorrection, Envelope,
    NniParams, NniResult, NniSimulation, RipleyParams, RipleyResult, StudyArea,
};

// Clusters and the law of crime concentration.
pub use cluster::{
    adjusted_rand_index,
    dbscan::dbscan,
    hdbscan::hdbscan,
    nnh::{nnh, NnhLevel, NnhSimulation},
    same_partition, st_dbscan, standard_deviational_ellipse, ClusterSummary, Clustering,
    DbscanParams, Ellipse, EllipseConvention, HdbscanParams, NnhParams, NnhResult, NnhThreshold,
    StDbscanParams,
};
pub use concentration::{concentration, Concentration, ShareNeeded};
pub use street::{
    build_segments, SegmentCount, SegmentSet, Snapped as SegmentSnapped, StreetSegment,
};

// Street networks: network KDE, network K, segment hot spots.
pub use network::{
    k_study, kde::nkde_support, network_cross_k, network_k, nkde, nkde_study, segment_hotspots,
    segment_weights, uniform_points, BuildReport, Edge as NetworkEdge, KEnvelope, KParams, KResult,
    KStudy, LayerNetwork, Lixels, NetKernel, NetPos, Network, NetworkParams, NetworkSpace,
    NkdeMethod, NkdeParams, NkdeStudy, PointsByEdge, ReachBuffers, SegmentHotspotParams,
    SegmentHotspots, SegmentRow, SegmentValue, SegmentWeights, Snapped as NetworkSnapped,
    Workspace as DijkstraWorkspace,
};

// Repeat and near-repeat victimisation.
pub use repeat::{
    chains::{near_repeat_chains, Chain, ChainParams, ChainResult, LengthRow},
    exact::{exact_repeats, ExactRepeatParams, ExactRepeats, RepeatCell, RepeatLocation},
    knox::{
        knox, knox_xyt, nrc_space_breaks, nrc_time_breaks, AnalyticTables, KnoxCell, KnoxParams,
        KnoxResult, Metric, PermutationTables,
    },
    promap::{promap, Accuracy as PromapAccuracy, PromapParams, PromapResult},
};

// When: windows, aoristic profiles, sunrise/sunset, time filters, the Knox window rule.
pub use when::{
    aoristic::{
        calendar_profile, package_df as aoristic_package_df, week_weights, MidnightQuirk,
        PackageRow as AoristicPackageRow,
    },
    incidents::{
        filter_incidents, group_signatures, incidents_week_profile, sign_sites, SignatureColumns,
        SignatureParams, TimeFilterReport, WindowStats,
    },
    profile::PlaceTest,
    solar::{sun_times, SunTimes},
    test_places,
    window_rule::{apply_window_rule, first_band_days, knox_incidents, KnoxTimes},
    AoristicRule, CalendarProfile, NightModel, PlaceTestParams, PlaceTests, SunCalendar, SunParams,
    TemporalSignature, TemporalTable, TimeFilter, TimeZone, WeekProfile, Window, WindowRule,
    WindowRuleCounts,
};

// Risk terrain modelling and ranked sites.
pub use risk::{
    apply_model,
    factors::{layer_columns, variable_values, FactorColumn},
    fit_rtm, fit_rtm_in,
    model_file::check_coverage as check_model_coverage,
    rank_cells, rank_sites, read_model,
    rtm::{AppliedRisk, ModelFactor, RtmDiagnostics},
    sites::{CptedRule, SiteSuggestion, Suggestion, DEFAULT_MAPPING_TOML},
    validate::TIE_RULE,
    validate_rtm, validate_rtm_samples, AccessClass, CptedMapping, FactorNullTest, FactorParams,
    FactorRow, FactorVariable, LayerInput, ModelFile, Operationalisation, RtmModel, RtmParams,
    RtmResult, RtmValidation, Seriousness, SeriousnessReport, Site, SiteComponents, SiteParams,
    SiteRanking, SiteUnits, SiteWeights, SpatialNullParams, ValidateParams,
};

// Design proposals with a walking network.
pub use access::{
    assess::{
        assess, AccessChange, ActionResult, Alternative, Details, ProposalResult,
        PublicSpaceChange, ReachChange, ThroughMovement, Verdict,
    },
    demo::{demo_proposals, demo_study},
    network::{DetourSummary, Reach, SpaceAccess, DETOUR_EPS_M},
    proposal::{Action, Barrier, Hours},
    read_proposals,
    report::{
        proposal_map, reach_map, risk_map, to_html as assessment_html,
        to_html_with_maps as assessment_html_with_maps, to_markdown as assessment_markdown,
        MapFile, ProposalMaps,
    },
    risk::{ModelFactor as AccessModelFactor, RiskChange},
    AccessThresholds, ActionKind, AssessParams, Assessment, FactorModel, HoursWeighted, Proposal,
    RiskModel, Study,
};

// Evaluate interventions (and the GLM underneath).
pub use evaluate::{
    evaluate,
    stats::{did_counts, net_effect, odds_ratio, pool_odds_ratios, relative_change, wdq},
    AreaEvaluation, AreaIts, Bin as EvaluationBin, CategoryCounts, ControlInfo, CostBenefit,
    CostLine, CostSpec, Dispersion, Estimate, EvaluateParams, Evaluation, ItsFit, ItsParams,
    NetEffect, Period as EvaluationPeriod, Periods, Pooled, PrePost, TreatmentArea, Wdq,
    DEFAULT_BUFFER,
};
pub use glm::{
    fit_glm, fit_poisson_penalized, Family, GlmFit, GlmParams, PenalizedFit, PenalizedParams,
};

// Publishing safely.
pub use disclosure::{
    anonymous_map_points, audit_table, is_free_text_column, redact_locations, scan_bytes,
    snap_to_cell_centres, snap_to_points, suppress_cells, suppress_table, suppress_table_lines,
    synthetic_addresses, AnonymousMap, AnonymousMapParams, CellStatus, CellSuppression, CountTable,
    Disclosure, DisclosureParams, DisclosureReport, Exposure, Finding, FindingKind, Scanner,
    Snapped as DisclosureSnapped, TableSuppression,
};

// Outputs: tables, features, figures, the output folder; maps and plots.
pub use export::{
    abort_all, collect_table, features, features_indexed, json_properties, layer_features,
    qml::{qml, ClassedField, SymbolKind},
    table, table_columns, table_indexed, to_csv, to_geojson, AddressLayer, Cell, Column,
    ColumnValues, CsvWriter, Export, FeatureCollectionWriter, FeatureSink, Features, Figure,
    FigureFormat, FnFeatures, FnTable, GeoJsonWriter, HeatTable, IndexedFeatures, IndexedTable,
    InputFile, Kind as ColumnKind, OutputOptions, Outputs, Property, Provenance, PublicSection,
    Role, RowSink, Section, Table, TableColumns, COUNT_NAMES, DISCLOSURE_JSON, DISCLOSURE_TEXT,
    INDEX_HTML, MAP_MAX_FEATURES, PROVENANCE_SUFFIX, PUBLIC_CELL_M, REPORT_HTML,
};
pub use render::{
    bar_plot, feature_map, grid_map, heat_table, line_plot,
    palette::{GI_BINS, GI_BINS_ARCGIS},
    scene::{Anchor, Item as SceneItem, Layer as SceneLayer, Raster, Stroke, Text as SceneText},
    ColourScale, ContextKind, ContextLayer, MapOptions, Overlay, Palette, PlotOptions, Scene,
    Series, Style,
};

// The demo city.
pub use demo::{
    generate as generate_demo, BarNightTruth, DemoCity, DemoParams, GroundTruth, HotspotTruth,
    RiskFactorTruth, RiverTruth,
};
pub use demo_run::run as run_demo;

// Size limits and special functions.
pub use special::{normal_cdf, normal_sf};

#[cfg(feature = "gdal")]
pub use export::gpkg::table_name as gpkg_table_name;
