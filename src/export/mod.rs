//! Writing results: one description per result, one streaming writer per format, and
//! an [`Outputs`] set that owns the output folder.
//!
//! # Results describe themselves once
//! A result says what it holds through two small traits and two plain values:
//! * [`Table`]: named, typed [`Column`]s and rows streamed one at a time ([`Cell`]s)
//!   → CSV ([`CsvWriter`]); the same description serves data frames.
//! * [`Features`]: geometries in a CRS with properties, streamed → GeoJSON in
//!   EPSG:4326 ([`GeoJsonWriter`]).
//! * JSON summaries: any `serde::Serialize` value.
//! * [`Figure`]: what a map or chart shows; rendered by [`crate::render`] in the
//!   format the file name asks for (PNG).
//!
//! Markdown and HTML reports are text built in one place per report and written with
//! [`Outputs::text`]. A result type implements [`Export`], whose one method writes all
//! of its files into an [`Outputs`] set (see `crate::study` for every command's).
//!
//! Writers stream: a row or a feature is formatted straight into a buffered file, so a
//! table or layer of 10^6 cells never exists in memory as text or JSON values.
//!
//! # Output sets
//! [`Outputs`] owns one folder and writes one run's files as a set:
//! 1. [`Outputs::plan`] declares the files before any analysis runs and checks every
//!    target: an existing output refuses the run unless `force`; a folder, device,
//!    symbolic link or other non-regular file in the way refuses it always. Nothing
//!    has been written at that point.
//! 2. Files are written into a staging folder beside the output folder
//!    (`.<folder>.crimescape-<pid>-<n>`, with a lock file held while the process
//!    works). Write errors name the final output, never the staging path.
//! 3. [`Outputs::commit`] writes the provenance records, hard-links the files of the
//!    output folder that the new set does not replace (other analyses' outputs, the
//!    user's own files) into the staging folder, and swaps the two folders with one
//!    `renameat2(RENAME_EXCHANGE)`. The previous set, now in the staging folder, is
//!    removed. A reader (or a `kill -9`) sees the old complete set or the new complete
//!    set, never a mix. A folder that does not exist yet is created by one rename.
//!
//! Why a swapped staging folder rather than a manifest written last: with a manifest
//! every reader (QGIS, a spreadsheet, a colleague's script) would have to know to check
//! it, while the swap makes the folder itself consistent. Files that are not part of a
//! set are never deleted: they are carried over by hard links, so their contents and
//! inodes stay the same (a file created in the folder during the swap is moved back).
//! The output folder gets a new inode; its permission bits are copied.
//!
//! When a swap is not possible the set is committed file by file (each file still
//! atomic; the set as a whole is not), with the staging folder inside the output
//! folder: the output folder is the working folder or above it (swapping it would
//! pull the folder from under the user's shell), a mount point, on a filesystem
//! without `RENAME_EXCHANGE` or hard links, or not on Linux. [`Outputs::shared`]
//! (single files in a folder the set does not own, e.g. `--out result.csv`) always
//! commits file by file.
//!
//! An uncommitted set is removed when the [`Outputs`] is dropped (an error, a panic);
//! [`abort_all`] removes every unfinished set of the process from a signal handler
//! (the CLI calls it on SIGINT/SIGTERM). A staging folder left by a killed process
//! (whose lock is free) is removed by the next run that writes beside it.
//!
//! Files are not flushed to the disk one by one unless [`OutputOptions::sync`] asks
//! for it (a power failure right after a run may then leave empty files in the new
//! set; a killed process cannot).
//!
//! # Reports
//! A set that owns its folder writes one self-contained HTML page per folder at the
//! commit, [`REPORT_HTML`] (`report.html`): title and summary sentences (a result's
//! [`Export::summary`], recorded by [`Outputs::write_result`] or [`Outputs::summary`]),
//! an interactive map of the folder's main feature layer (plain JS, no network), the
//! figures inline as SVG, the first rows of every table, caveats and provenance. It is
//! built from the files as written (as published, for the public audience) before the
//! public-audience scan, which checks it as every other file. [`Outputs::index`] adds
//! an [`INDEX_HTML`] page linking every report (the demo's); [`Outputs::no_report`]
//! turns the reports off. A single-file set ([`Outputs::single`]) writes none.
//!
//! # Provenance
//! Every output gets a provenance record beside it (`<file>.provenance.json`): tool
//! and version, command line, the real input files with row counts and SHA-256, the
//! parameters, seed and CRS, and every output that shares the record. A result sets
//! the record with [`Outputs::provenance`] before writing its files (built from the
//! inputs it was computed from); [`Outputs::manifest`] adds one set-level record
//! listing every file (the demo's `provenance.json`).
//!
//! # Example
//! ```
//! use crimescape::{table, Cell, Column, OutputOptions, Outputs, Provenance};
//!
//!let dir = std::env::temp_dir().join(format!("crimescape-doc-{}", std::process::id()));
//! let mut out = Outputs::folder(&dir, &OutputOptions::force(true))?;
//! out.plan(["counts.csv"])?; // checked before any work
//! out.provenance(Provenance::new(serde_json::json!({"cell_m": 100})));
//! let counts = [3.0, 0.0, 7.0];
//! let t = table(vec![Column::int("cell"), Column::float("count")], |sink| {
//!     for (i, c) in counts.iter().enumerate() {
//!         sink.row(&[Cell::count(i), Cell::Float(*c)])?;
//!     }
//!     Ok(())
//! });
//! out.table("counts.csv", &t)?;
//! // counts.csv, counts.csv.provenance.json and the folder's report.html, in place at once
//! let files = out.commit()?;
//! assert_eq!(files.len(), 3);
//! assert_eq!(std::fs::read_to_string(dir.join("counts.csv"))?, "cell,count\n0,3\n1,0\n2,7\n");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod csv;
mod describe;
mod figure;
mod geojson;
#[cfg(feature = "gdal")]
pub mod gpkg;
mod memory;
mod outputs;
mod provenance;
mod public;
pub mod qml;
mod report;

pub use self::csv::{to_csv, CsvWriter};
pub use describe::{
    collect_table, features, features_indexed, json_properties, layer_features, table,
    table_indexed, Cell, Column, FeatureSink, Features, FnFeatures, FnTable, IndexedFeatures,
    IndexedTable, Kind, Property, Role, RowSink, Table,
};
pub use figure::{Figure, FigureFormat, HeatTable};
pub use geojson::{to_geojson, FeatureCollectionWriter, GeoJsonWriter};
pub use memory::{table_columns, ColumnValues, TableColumns};
pub use outputs::{
    abort_all, OutputOptions, Outputs, PublicSection, Section, COUNT_NAMES, DISCLOSURE_JSON,
    DISCLOSURE_TEXT, PROVENANCE_SUFFIX,
};
pub(crate) use provenance::thousands;
pub use provenance::{InputFile, Provenance};
pub use public::{AddressLayer, PUBLIC_CELL_M};
pub(crate) use report::{href as report_href, inline_svg, page as report_page};
pub use report::{INDEX_HTML, MAP_MAX_FEATURES, REPORT_HTML};

use crate::error::Result;

/// A result that writes its files into an output set.
pub trait Export {
    /// Writes every file of the result (names relative to the set's current section),
    /// after setting its provenance record.
    fn write(&self, out: &mut Outputs) -> Result<()>;

    /// The result in a few sentences, shown at the top of its folder's HTML report
    /// (see [`Outputs::write_result`]); `None` by default.
    fn summary(&self) -> Option<String> {
        None
    }
}
