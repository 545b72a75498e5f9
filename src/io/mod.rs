//! Reading incidents and layers; writing results.
//!
//! The format is picked by the file extension (`.csv`, `.tsv`, `.txt`,
//! `.geojson`, `.json`, optionally gzipped as `.gz`); with the `gdal` feature any
//! other extension is read through GDAL/OGR.
//!
//! Loading never drops a row silently: every row that cannot be used is a
//! [`Rejection`] with a [`RejectReason`], counted in the [`LoadReport`]; rows
//! excluded on purpose (`where` filters, time window) are counted as filtered.
//!
//! One concept per file: `options` (what to load), `report` (what a load tells),
//! `staging` (rows as read, the columns every reader fills), `validate` (from staged
//! rows to incidents: CRS, projection, outliers, plausibility), `select` (quantiles
//! without copies), and one reader per format (`csv`, `geojson`, `gdal`).

pub mod csv;
#[cfg(feature = "gdal")]
pub mod gdal;
pub mod geojson;
mod options;
mod report;
mod select;
mod staging;
mod timecol;
mod validate;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::crs::{Crs, CrsChoice};
use crate::error::{Error, Result};
use crate::layer::Incidents;

pub use options::{truncate_time, Attributes, LoadOptions, WhereFilter, DEFAULT_MAX_WINDOW};
pub use report::{LoadReport, LonLatExtremes, RejectReason, Rejection};
pub(crate) use staging::{apply_window_ends, staged_time, Staging, NO_TIME, WHERE_VALUES_KEPT};
pub(crate) use validate::{finish, layer_warnings};
pub use write::write_atomic;

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a whole file, transparently gunzipping `.gz`.
pub fn read_bytes(path: &Path) -> Result<(Vec<u8>, String)> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let hash = sha256_hex(&raw);
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        || raw.starts_with(&[0x1f, 0x8b])
    {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::format(path, format!("cannot gunzip: {e}")))?;
        Ok((out, hash))
    } else {
        Ok((raw, hash))
    }
}

/// File formats crimescape reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv,
    /// GeoJSON FeatureCollection.
    GeoJson,
    /// Anything GDAL reads (feature `gdal`).
    Gdal,
}

/// Picks a format from the extension (ignoring a trailing `.gz`).
pub fn detect_format(path: &Path) -> Result<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit('.').next().unwrap_or("");
    match ext {
        "csv" | "tsv" | "txt" | "tab" => Ok(Format::Csv),
        "geojson" | "json" => Ok(Format::GeoJson),
        _ if cfg!(feature = "gdal") => Ok(Format::Gdal),
        _ => Err(Error::format(
            path,
            format!(
                "unsupported file type '.{ext}': crimescape reads .csv/.tsv/.txt and .geojson/.json (optionally .gz); build with --features gdal for Shapefile, GeoPackage and other formats"
            ),
        )),
    }
}

/// Loads incidents from a file, choosing the reader by extension.
///
/// # Examples
/// ```
/// use crimescape::{load_incidents, LoadOptions};
/// let dir = std::env::temp_dir().join(format!("crimescape-doc-load-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("incidents.csv");
/// std::fs::write(
///     &path,
///     "lon,lat,date,category\n\
///      2.090,48.770,2024-03-04 21:15,burglary\n\
///      ,48.770,2024-03-05,theft\n\
///      2.092,48.772,2024-03-07,theft\n",
/// )
/// .unwrap();
/// let (inc, report) = load_incidents(&path, &LoadOptions::new()).unwrap();
/// // the row without a longitude is rejected and counted, never silently lost
/// assert_eq!((report.rows_read, report.accepted), (3, 2));
/// assert_eq!(inc.len(), 2);
/// // lon/lat are projected to the UTM zone of the data (zone 31N), in metres:
/// // 0.002° of longitude and latitude apart at 48.77° N is about 267 m
/// assert!(inc.crs.working.to_string().contains("32631"));
/// let d = ((inc.xy[1][0] - inc.xy[0][0]).powi(2) + (inc.xy[1][1] - inc.xy[0][1]).powi(2)).sqrt();
/// assert!((d - 267.0).abs() < 3.0, "{d}");
/// assert_eq!(inc.category_name(1), Some("theft"));
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn load_incidents(
    path: impl AsRef<Path>,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    let path = path.as_ref();
    match detect_format(path)? {
        Format::Csv => csv::read_incidents(path, opts),
        Format::GeoJson => geojson::read_incidents(path, opts),
        #[cfg(feature = "gdal")]
        Format::Gdal => gdal::read_incidents(path, opts),
        #[cfg(not(feature = "gdal"))]
        Format::Gdal => Err(Error::format(path, "GDAL support not built")),
    }
}

/// Options for loading a layer.
#[derive(Debug, Clone, Default)]
pub struct LayerOptions {
    /// CRS of the file (otherwise the file's own declaration, or EPSG:4326 for GeoJSON).
    pub crs: Option<Crs>,
    /// Working CRS to reproject to (otherwise chosen like for incidents).
    pub target: Option<Crs>,
    /// Name of the layer (default: file stem).
    pub name: Option<String>,
    /// Feature filters on properties.
    pub filters: Vec<WhereFilter>,
}

/// What happened while loading a layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerReport {
    /// The file.
    pub path: PathBuf,
    /// Features read.
    pub features_read: u64,
    /// Features kept.
    pub accepted: u64,
    /// Features excluded by filters.
    pub filtered_out: u64,
    /// Features without a usable geometry (null, empty, invalid coordinates), with reasons.
    pub rejected: BTreeMap<RejectReason, u64>,
    /// Rejected feature indices with their reason.
    pub rejections: Vec<Rejection>,
    /// Input and working CRS.
    pub crs: CrsChoice,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Warnings: the layer is probably misread or misplaced (implausible location,
    /// far from the working CRS's area), polygons repaired.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Features whose invalid polygons were repaired (kept, with the repaired
    /// geometry), with what was wrong and the area before and after.
    #[serde(default)]
    pub repaired: Vec<Rejection>,
}

/// Loads a built-environment layer (points, lines, polygons with attributes).
pub fn load_layer(
    path: impl AsRef<Path>,
    opts: &LayerOptions,
) -> Result<(crate::layer::Layer, LayerReport)> {
    let path = path.as_ref();
    match detect_format(path)? {
        Format::GeoJson => geojson::read_layer(path, opts),
        Format::Csv => csv::read_point_layer(path, opts),
        #[cfg(feature = "gdal")]
        Format::Gdal => gdal::read_layer(path, opts),
        #[cfg(not(feature = "gdal"))]
        Format::Gdal => Err(Error::format(path, "GDAL support not built")),
    }
}

#[cfg(test)]
mod fuzz_tests {
    //! Fuzz-style robustness: random bytes and truncated/garbled real files must give
    //! an error or a consistent report, never a panic.

    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const CSV_FIXTURES: &[&[u8]] = &[
        include_bytes!("../../fixtures/incidents/bad_rows.csv"),
        include_bytes!("../../fixtures/incidents/timestamps.csv"),
        include_bytes!("../../fixtures/incidents/split_time.csv"),
        include_bytes!("../../fixtures/incidents/location_column.csv"),
        include_bytes!("../../fixtures/incidents/semicolon_decimal_comma.csv"),
        include_bytes!("../../fixtures/incidents/latin1.csv"),
    ];

    const GEOJSON_FIXTURE: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"a","datetime":"2019-01-01 10:00"},"geometry":{"type":"Point","coordinates":[-87.65,41.85]}},
{"type":"Feature","properties":{"name":"b"},"geometry":{"type":"LineString","coordinates":[[-87.65,41.85],[-87.64,41.86]]}},
{"type":"Feature","properties":{"name":"c"},"geometry":{"type":"Polygon","coordinates":[[[-87.65,41.85],[-87.64,41.85],[-87.64,41.86],[-87.65,41.85]]]}},
{"type":"Feature","properties":null,"geometry":null},
{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[-87.6,41.8],[-87.5,41.8],[-87.5,41.9],[-87.6,41.8]]]]}}
]}"#;

    /// Up to `max` bytes of a file under ../shared/data, if present.
    fn shared(rel: &str, max: usize) -> Option<Vec<u8>> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data")
            .join(rel);
        let mut b = std::fs::read(p).ok()?;
        b.truncate(max);
        Some(b)
    }

    fn garble(rng: &mut ChaCha8Rng, src: &[u8]) -> Vec<u8> {
        const NASTY: &[u8] = b",;\t|\"\n\r ()-.0123456789eEaZT:/NnIi\xff\xfe\x00";
        let mut b = src.to_vec();
        match rng.random_range(0..6) {
            0 => {
                let n = rng.random_range(0..512);
                (0..n).map(|_| rng.random()).collect()
            }
            1 => {
                let cut = rng.random_range(0..=b.len());
                b.truncate(cut);
                b
            }
            2 => {
                for _ in 0..rng.random_range(1..20) {
                    if b.is_empty() {
                        break;
                    }
                    let i = rng.random_range(0..b.len());
                    b[i] = NASTY[rng.random_range(0..NASTY.len())];
                }
                b
            }
            3 => {
                for _ in 0..rng.random_range(1..10) {
                    let i = rng.random_range(0..=b.len());
                    b.insert(i, NASTY[rng.random_range(0..NASTY.len())]);
                }
                b
            }
            4 => {
                // swap two slices of lines
                let lines: Vec<&[u8]> = src.split(|&c| c == b'\n').collect();
                let mut out = Vec::new();
                for _ in 0..lines.len() {
                    out.extend_from_slice(lines[rng.random_range(0..lines.len())]);
                    out.push(b'\n');
                }
                out
            }
            _ => {
                for _ in 0..rng.random_range(1..5) {
                    if b.is_empty() {
                        break;
                    }
                    let i = rng.random_range(0..b.len());
                    let j = rng.random_range(i..=b.len().min(i + 40));
                    b.drain(i..j);
                }
                b
            }
        }
    }

    fn mutate_json(rng: &mut ChaCha8Rng, v: &mut serde_json::Value) {
        use serde_json::{json, Value};
        if rng.random_bool(0.03) {
            *v = match rng.random_range(0..9) {
                0 => Value::Null,
                1 => json!(1e308),
                2 => json!(-999.0),
                3 => json!("x"),
                4 => json!([]),
                5 => json!({}),
                6 => json!([1]),
                7 => json!({"type": "Point", "coordinates": [0, 0]}),
                _ => json!(true),
            };
            return;
        }
        match v {
            Value::Array(a) => {
                if !a.is_empty() && rng.random_bool(0.02) {
                    let i = rng.random_range(0..a.len());
                    a.remove(i);
                }
                for x in a {
                    mutate_json(rng, x);
                }
            }
            Value::Object(m) => {
                for (_, x) in m.iter_mut() {
                    mutate_json(rng, x);
                }
            }
            _ => {}
        }
    }

    fn option_sets() -> Vec<LoadOptions> {
        vec![
            LoadOptions::new(),
            LoadOptions::new().crs(Crs::Local { unit_to_metre: 1.0 }),
            LoadOptions::new().strict(true),
            LoadOptions {
                location: Some("location".into()),
                from: Some(0),
                ..LoadOptions::new()
            },
            LoadOptions::new().filter(WhereFilter::parse("category=theft").unwrap()),
        ]
    }

    /// The invariants of every load: each row accepted, rejected or filtered, one
    /// value per incident in every column, finite points.
    pub(super) fn check_report(rep: &LoadReport, inc: &Incidents) {
        assert_eq!(
            rep.accepted + rep.rejected_total() + rep.filtered_out,
            rep.rows_read,
            "every row is accepted, rejected or filtered"
        );
        assert_eq!(rep.accepted as usize, inc.len());
        assert!(inc.xy.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        assert_eq!(inc.time.len(), inc.len());
        assert!(inc.attrs.iter().all(|c| c.len() == inc.len()));
    }

    #[test]
    fn quantile_equals_sorted_interpolation() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in [1usize, 2, 3, 10, 101, 1000] {
            let v: Vec<f64> = (0..n).map(|_| rng.random_range(-1e3..1e3)).collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.0, 0.01, 0.25, 0.5, 0.99, 1.0] {
                let pos = q * (n - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                let want = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64);
                let got = validate::quantile(&mut v.clone(), q);
                assert!((got - want).abs() < 1e-9, "n={n} q={q}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn fuzz_csv_reader_never_panics() {
        let mut sources: Vec<Vec<u8>> = CSV_FIXTURES.iter().map(|b| b.to_vec()).collect();
        for rel in [
            "chicago/aggravated_assaults_2010_2019.csv",
            "vancouver/vpd_crimes_2020.csv",
            "chicago/spatstat_chicago_2002_local_feet.csv",
        ] {
            match shared(rel, 20_000) {
                Some(b) => sources.push(b),
                None => eprintln!("skipping {rel}: ../shared/data not found"),
            }
        }
        let opts = option_sets();
        let mut rng = ChaCha8Rng::seed_from_u64(20_240_601);
        let path = Path::new("fuzz.csv");
        let mut ok = 0;
        for round in 0..2000 {
            let src = &sources[round % sources.len()];
            let bytes = garble(&mut rng, src);
            let o = &opts[round % opts.len()];
            if let Ok((inc, rep)) = csv::read_incidents_from_bytes(&bytes, path, String::new(), o) {
                check_report(&rep, &inc);
                ok += 1;
            }
        }
        // the garbling keeps many inputs loadable, so reports are checked too
        assert!(ok > 200, "only {ok} garbled inputs loaded");
    }

    #[test]
    fn fuzz_geojson_readers_never_panic() {
        let mut sources = vec![
            GEOJSON_FIXTURE.as_bytes().to_vec(),
            include_bytes!("../../fixtures/incidents/bad_features.geojson").to_vec(),
        ];
        for rel in [
            "mesa_az/layer_streets.geojson",
            "chicago/layer_campus_parks_polygons.geojson",
        ] {
            match shared(rel, 200_000) {
                Some(b) => sources.push(b),
                None => eprintln!("skipping {rel}: ../shared/data not found"),
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let path = Path::new("fuzz.geojson");
        let lopts = LayerOptions::default();
        let iopts = LoadOptions::new();
        let mut ok = 0;
        for round in 0..600 {
            let src = &sources[round % sources.len()];
            let bytes = if round % 2 == 0 {
                garble(&mut rng, src)
            } else {
                // structure-aware: valid JSON with wrong values and types
                let mut v: serde_json::Value = serde_json::from_slice(src).unwrap();
                mutate_json(&mut rng, &mut v);
                serde_json::to_vec(&v).unwrap()
            };
            if let Ok((layer, rep)) =
                geojson::read_layer_from_bytes(&bytes, path, String::new(), &lopts)
            {
                assert_eq!(layer.len(), layer.properties.len());
                assert_eq!(rep.accepted as usize, layer.len());
                ok += 1;
            }
            if let Ok((inc, rep)) =
                geojson::read_incidents_from_bytes(&bytes, path, String::new(), &iopts)
            {
                check_report(&rep, &inc);
            }
        }
        assert!(ok > 60, "only {ok} garbled layers loaded");
    }
}

#[cfg(test)]
mod proptests {
    //! Property tests of the readers (issue 12): random bytes and random edits of
    //! real-looking rows never panic and the counts add up; one stray quote costs
    //! exactly one row; numeric dates are read in the order the column proves.

    use super::*;
    use proptest::prelude::*;

    fn check(rep: &LoadReport, inc: &Incidents) {
        super::fuzz_tests::check_report(rep, inc);
        assert_eq!(
            rep.missing_time as usize,
            inc.time.iter().filter(|t| t.is_none()).count()
        );
        assert!(rep.unparseable_time <= rep.missing_time);
    }

    /// A row as police exports write them: coordinates near Paris, one of several
    /// time forms, a category, a narrative that may be quoted with commas and line
    /// breaks.
    fn row() -> impl Strategy<Value = String> {
        (
            0.0f64..0.05,
            0.0f64..0.05,
            1u32..=12,
            1u32..=28,
            0u32..24,
            prop::sample::select(vec!["burglary", "theft", "\"theft, minor\"", ""]),
            prop::sample::select(vec![
                "none",
                "\"entered, took\nthe TV\"",
                "\"said \"\"stop\"\"\"",
                "",
            ]),
            0usize..3,
        )
            .prop_map(|(dx, dy, m, d, h, cat, nar, form)| {
                let t = match form {
                    0 => format!("2024-{m:02}-{d:02} {h:02}:15"),
                    1 => format!("{m}/{d}/2024 {}:15 PM", 1 + h % 12),
                    _ => format!("2024-{m:02}-{d:02}"),
                };
                format!("{:.5},{:.5},{t},{cat},{nar}\n", 2.05 + dx, 48.75 + dy)
            })
    }

    fn file(rows: &[String]) -> String {
        let mut s = String::from("lon,lat,datetime,category,narrative\n");
        for r in rows {
            s.push_str(r);
        }
        s
    }

    fn edit(bytes: &mut Vec<u8>, kind: u8, at: usize, len: usize, what: u8) {
        const NASTY: &[u8] = b"\",;\n\r\0 -.0123456789eE/:";
        if bytes.is_empty() {
            return;
        }
        let at = at % bytes.len();
        match kind % 4 {
            0 => bytes.insert(at, NASTY[what as usize % NASTY.len()]),
            1 => {
                let end = (at + len % 40).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => bytes[at] = NASTY[what as usize % NASTY.len()],
            _ => bytes.truncate(at),
        }
    }

    fn load(bytes: &[u8], opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
        csv::read_incidents_from_bytes(bytes, Path::new("p.csv"), String::new(), opts)
    }

    /// The case proptest found in CI (stop 22): the swallowing field of an
    /// unbalanced row lies beyond the header's last column.
    #[test]
    fn unbalanced_quote_beyond_the_header_is_a_rejection_not_a_panic() {
        let rows: Vec<String> = [
            "2.05000,48.75000,2024-01-01,,\"said \"\"stop\"\"\"\n",
            "2.05000,48.75000,2024-01-01,\"theft, minor\",\"entered, took\nthe TV\"\n",
            "2.05000,48.75000,10/10/2024 10:15 PM,\"theft, minor\",\"entered, took\nthe TV\"\n",
            "2.05000,48.75000,2024-01-01,theft,\n",
            "2.05000,48.75000,2024-01-01,theft,none\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut b = file(&rows).into_bytes();
        for (k, at, len, what) in [
            (20u8, 8usize, 0usize, 0u8),
            (92, 79339593, 34, 98),
            (213, 9210840007655162321, 7041599068518758336, 245),
        ] {
            edit(&mut b, k, at, len, what);
        }
        let opts = LoadOptions {
            from: crate::time::parse_date("2024-03-01"),
            ..LoadOptions::new()
        };
        // the edits leave a three-column header: every row is rejected, the
        // unbalanced one named by its position, and the counts add up
        let e = load(&b, &opts).expect_err("no usable rows");
        let rep = e.load_report().expect("the failed load carries its report");
        assert_eq!(rep.rejected_total(), rep.rows_read);
        let r = rep
            .rejections
            .iter()
            .find(|r| r.reason == RejectReason::UnbalancedQuote)
            .expect("the unbalanced row is reported");
        assert_eq!(r.column, "field 5 (beyond the header)");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn csv_random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Ok((inc, rep)) = load(&bytes, &LoadOptions::new()) {
                check(&rep, &inc);
            }
        }

        #[test]
        fn csv_random_edits_of_real_rows(
            rows in prop::collection::vec(row(), 1..40),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..6),
            strict in any::<bool>(),
            window in any::<bool>(),
        ) {
            let mut b = file(&rows).into_bytes();
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let opts = LoadOptions {
                strict,
                from: window.then(|| crate::time::parse_date("2024-03-01").unwrap_or(0)),
                ..LoadOptions::new()
            };
            match load(&b, &opts) {
                Ok((inc, rep)) => check(&rep, &inc),
                Err(e) => {
                    // a failed load that carries its report still counts every row
                    if let Some(rep) = e.load_report() {
                        assert_eq!(
                            rep.accepted + rep.rejected_total() + rep.filtered_out,
                            rep.rows_read
                        );
                    }
                }
            }
        }

        /// Issue 17: the parallel reader (chunks forced small) gives exactly the
        /// sequential reader's outcome (incidents, report or error).
        #[test]
        fn csv_parallel_equals_sequential(
            rows in prop::collection::vec(row(), 1..60),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..4),
            min_chunk in 1usize..200,
            window in any::<bool>(),
        ) {
            let mut b = file(&rows).into_bytes();
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let opts = LoadOptions {
                from: window.then(|| crate::time::parse_date("2024-03-01").unwrap_or(0)),
                ..LoadOptions::new()
            };
            let read = |m: usize| {
                format!("{:?}", csv::read_chunked(&b, Path::new("p.csv"), String::new(), &opts, m))
            };
            prop_assert_eq!(read(min_chunk), read(0));
        }

        #[test]
        fn csv_streamed_equals_sequential(
            rows in prop::collection::vec(row(), 1..60),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..4),
            block in 16usize..400,
            min_chunk in 1usize..200,
        ) {
            let mut b = file(&rows).into_bytes();
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let dir = std::env::temp_dir().join(format!("crimescape-prop-stream-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("p.csv");
            std::fs::write(&path, &b).unwrap();
            let opts = LoadOptions::new();
            let seq = format!("{:?}", csv::read_chunked(&b, &path, sha256_hex(&b), &opts, 0));
            if let Some(r) = csv::stream::read_incidents(&path, &opts, block, min_chunk) {
                prop_assert_eq!(format!("{r:?}"), seq);
            }
        }

        #[test]
        fn one_stray_quote_costs_exactly_one_row(
            rows in prop::collection::vec(
                (0.0f64..0.05, 0.0f64..0.05, 1u32..=12, 1u32..=28, prop::sample::select(vec!["burglary", "theft"])),
                2..60,
            ),
            which in any::<usize>(),
            field in 0usize..4,
        ) {
            let j = which % rows.len();
            let mut s = String::from("lon,lat,datetime,category\n");
            for (i, (dx, dy, m, d, cat)) in rows.iter().enumerate() {
                let mut f = [
                    format!("{:.5}", 2.05 + dx),
                    format!("{:.5}", 48.75 + dy),
                    format!("2024-{m:02}-{d:02}"),
                    cat.to_string(),
                ];
                if i == j {
                    f[field].insert(0, '"');
                }
                s.push_str(&f.join(","));
                s.push('\n');
            }
            let (inc, rep) = load(s.as_bytes(), &LoadOptions::new()).unwrap();
            check(&rep, &inc);
            prop_assert_eq!(rep.rows_read as usize, rows.len());
            prop_assert_eq!(inc.len(), rows.len() - 1);
            prop_assert_eq!(rep.rejections.len(), 1);
            prop_assert_eq!(rep.rejections[0].row as usize, j + 1);
            prop_assert_eq!(rep.rejections[0].reason, RejectReason::UnbalancedQuote);
        }

        #[test]
        fn numeric_dates_follow_the_order_the_column_proves(
            dates in prop::collection::vec((1u32..=28, 1u32..=12, 2000i64..2030), 1..40),
            day_first in any::<bool>(),
        ) {
            let mut s = String::from("lon,lat,date\n");
            for (i, (d, m, y)) in dates.iter().enumerate() {
                let t = if day_first { format!("{d:02}/{m:02}/{y}") } else { format!("{m:02}/{d:02}/{y}") };
                s.push_str(&format!("{:.4},{:.4},{t}\n", 2.05 + i as f64 * 1e-4, 48.75));
            }
            let (inc, rep) = load(s.as_bytes(), &LoadOptions::new()).unwrap();
            check(&rep, &inc);
            let c = rep.date_order.clone().unwrap();
            let proven = dates.iter().any(|(d, m, _)| *d > 12 && d != m);
            prop_assert_eq!(c.ambiguous, !proven);
            if proven {
                prop_assert_eq!(c.order == crate::time::DateOrder::DayFirst, day_first);
                for (k, (d, m, y)) in dates.iter().enumerate() {
                    let want = crate::time::from_fields(*y, *m, *d, 0, 0, 0);
                    prop_assert_eq!(inc.time[k], want);
                }
            }
        }

        #[test]
        fn geojson_random_edits_never_panic(
            n in 1usize..12,
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..5),
        ) {
            let feats: Vec<serde_json::Value> = (0..n)
                .map(|i| {
                    let g = if i % 3 == 2 {
                        serde_json::json!({"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.1, 48.1], [2.1, 48.0], [2.0, 48.1], [2.0, 48.0]]]})
                    } else {
                        serde_json::json!({"type": "Point", "coordinates": [2.0 + i as f64 * 1e-3, 48.0]})
                    };
                    serde_json::json!({"type": "Feature", "properties": {"date": format!("{:02}/01/2024", 1 + i)}, "geometry": g})
                })
                .collect();
            let mut b = b"\xef\xbb\xbf".to_vec();
            b.extend(serde_json::to_vec(&serde_json::json!({"type": "FeatureCollection", "features": feats})).unwrap_or_default());
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let path = Path::new("p.geojson");
            if let Ok((layer, rep)) = geojson::read_layer_from_bytes(&b, path, String::new(), &LayerOptions::default()) {
                assert_eq!(layer.len() as u64, rep.accepted);
                assert_eq!(
                    rep.accepted + rep.rejected.values().sum::<u64>() + rep.filtered_out,
                    rep.features_read
                );
            }
            if let Ok((inc, rep)) = geojson::read_incidents_from_bytes(&b, path, String::new(), &LoadOptions::new()) {
                check(&rep, &inc);
            }
        }
    }
}
