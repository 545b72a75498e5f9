//! How a result describes itself: tables (named typed columns, streamed row by row)
//! and features (geometry + properties, streamed). Format writers consume these.

use std::borrow::Cow;
use std::ops::Range;

use geo::Geometry;
use serde::Serialize;

use crate::crs::Crs;
use crate::error::Result;

/// The type of a table column, for readers that keep typed columns (data frames,
/// GeoPackage). CSV writes every type as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Whole numbers.
    Int,
    /// Real numbers (missing values are empty in CSV, `null` in JSON).
    Float,
    /// `true` / `false`.
    Bool,
    /// Text.
    Text,
}

/// What a column (or a feature property) holds, for the public audience
/// ([`Disclosure`](crate::Disclosure)): the output layer suppresses small counts, snaps
/// coordinates, drops free text and withholds per-incident tables by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A statistic or label published as it is.
    Value,
    /// A count of incidents: `0 < n < k` is shown as `"<k"` in public mode.
    Count,
    /// An easting / x coordinate of a point that may be an incident (snapped).
    X,
    /// A northing / y coordinate of a point that may be an incident (snapped).
    Y,
    /// A longitude or latitude of a point that may be an incident (dropped in public
    /// mode; the x/y columns carry the snapped location).
    LonLat,
    /// A coordinate of an aggregate (a cell centre, a segment midpoint): published.
    AggregateCoordinate,
    /// Free text (addresses, narratives, names): dropped in public mode.
    FreeText,
    /// An incident identifier (input row, case number): a table with such a column
    /// is per-incident microdata and is withheld in public mode.
    IncidentId,
}

impl Role {
    /// The role of a column from its name alone (case-insensitive), used when a result
    /// does not set one: `count`, `n`, `incidents`, `*_count`, `n_<category>` (not
    /// the sizes of structures: `n_clusters`, `n_neighbours`, `n_cells`, ...) →
    /// [`Role::Count`]; `x`,
    /// `easting` → [`Role::X`]; `y`, `northing` → [`Role::Y`]; `lon`, `lat`, ... →
    /// [`Role::LonLat`]; `x_center`, `centre_x`, ... → [`Role::AggregateCoordinate`];
    /// `incident_id`, `case_number`, ... → [`Role::IncidentId`]; names for which
    /// [`crate::disclosure::is_free_text_column`] holds → [`Role::FreeText`].
    ///
    /// ```
    /// use crimescape::Role;
    /// assert_eq!(Role::of_name("count"), Role::Count);
    /// assert_eq!(Role::of_name("X"), Role::X);
    /// assert_eq!(Role::of_name("x_center"), Role::AggregateCoordinate);
    /// assert_eq!(Role::of_name("Address"), Role::FreeText);
    /// assert_eq!(Role::of_name("gi_z"), Role::Value);
    /// assert_eq!(Role::of_name("n_burglary"), Role::Count);
    /// assert_eq!(Role::of_name("n_clusters"), Role::Value);
    /// ```
    pub fn of_name(name: &str) -> Role {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "count" | "n" | "incidents" | "n_incidents" | "incident_count" | "crimes"
            | "events" | "repeat_locations" | "observed_incidents" => return Role::Count,
            "x" | "easting" | "east" | "x_m" => return Role::X,
            "y" | "northing" | "north" | "y_m" => return Role::Y,
            "lon" | "lng" | "long" | "longitude" | "lat" | "latitude" => return Role::LonLat,
            "x_center" | "y_center" | "x_centre" | "y_centre" | "centre_x" | "centre_y"
            | "center_x" | "center_y" | "cx" | "cy" => return Role::AggregateCoordinate,
            "incident_id" | "incident" | "incident_row" | "case_id" | "case_number"
            | "crime_id" | "event_id" | "report_id" | "report_number" => return Role::IncidentId,
            _ => {}
        }
        if n.starts_with("count_") || n.ends_with("_count") || n.starts_with("n_incidents") {
            return Role::Count;
        }
        // `n_<category>` (incidents per category, e.g. `n_burglary`), but not the
        // sizes of structures (clusters, neighbours, cells, ...)
        const STRUCTURAL: &[&str] = &[
            "n_clusters",
            "n_neigh",
            "n_neighbours",
            "n_neighbors",
            "n_objects",
            "n_facilities",
            "n_segments",
            "n_max",
            "n_hot",
            "n_hot_train",
            "n_cells",
            "n_periods",
            "n_layers",
            "n_factors",
            "n_units",
            "n_sites",
        ];
        if n.starts_with("n_") && !STRUCTURAL.contains(&n.as_str()) {
            return Role::Count;
        }
        if crate::disclosure::is_free_text_column(name) {
            return Role::FreeText;
        }
        Role::Value
    }
}

/// A named, typed column of a [`Table`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Header name.
    pub name: Cow<'static, str>,
    /// Value type.
    pub kind: Kind,
    /// What the column holds for the public audience; `None`: decided from the name
    /// ([`Role::of_name`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

impl Column {
    /// A column of `kind`.
    pub fn new(name: impl Into<Cow<'static, str>>, kind: Kind) -> Column {
        Column {
            name: name.into(),
            kind,
            role: None,
        }
    }
    /// The column with an explicit [`Role`] (instead of the one its name suggests).
    pub fn with_role(mut self, role: Role) -> Column {
        self.role = Some(role);
        self
    }
    /// The role: the explicit one, else the one of the name.
    pub fn effective_role(&self) -> Role {
        self.role.unwrap_or_else(|| Role::of_name(&self.name))
    }
    /// A whole-number column.
    pub fn int(name: impl Into<Cow<'static, str>>) -> Column {
        Column::new(name, Kind::Int)
    }
    /// A real-number column.
    pub fn float(name: impl Into<Cow<'static, str>>) -> Column {
        Column::new(name, Kind::Float)
    }
    /// A boolean column.
    pub fn bool(name: impl Into<Cow<'static, str>>) -> Column {
        Column::new(name, Kind::Bool)
    }
    /// A text column.
    pub fn text(name: impl Into<Cow<'static, str>>) -> Column {
        Column::new(name, Kind::Text)
    }
}

/// One value of a table row or of a feature's properties, with how it is written.
///
/// Numbers keep their value; the variant says how CSV prints them (JSON and GeoJSON
/// always write the full-precision number, `null` when not finite).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Missing: empty in CSV, `null` in JSON.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A real number, printed in CSV as Rust's shortest round-trip form (`NaN`,
    /// `inf` when not finite; use [`Cell::opt`] for "empty when not finite").
    Float(f64),
    /// A real number printed in CSV with this many decimals.
    Fixed(f64, usize),
    /// A real number printed in CSV in scientific notation with this many decimals.
    Sci(f64, usize),
    /// Borrowed text.
    Str(&'a str),
    /// Owned text.
    String(String),
    /// Any JSON value (compact JSON in CSV), e.g. a property copied from an input layer.
    Json(Cow<'a, serde_json::Value>),
}

impl Cell<'_> {
    /// `Float(v)` when `v` is finite, else `Null`.
    pub fn opt(v: f64) -> Cell<'static> {
        if v.is_finite() {
            Cell::Float(v)
        } else {
            Cell::Null
        }
    }

    /// `Int` from an unsigned count.
    pub fn count(n: usize) -> Cell<'static> {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// `Float(v)` or `Null` for `None`.
    pub fn some(v: Option<f64>) -> Cell<'static> {
        v.map_or(Cell::Null, Cell::Float)
    }
}

/// Receives the rows of a [`Table`] one at a time.
pub trait RowSink {
    /// One row, in column order.
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<()>;
}

/// A result's table: typed columns and rows streamed in order (one row per cell,
/// feature, band, ...). Written as CSV; the same description serves data frames.
///
/// A table whose rows come from `n` items that can be produced for any range of items
/// on its own ([`table_indexed`]) says so with [`Table::items`]; writers then format
/// chunks of it in parallel (the bytes do not depend on the thread count).
pub trait Table: Sync {
    /// The columns, in order.
    fn columns(&self) -> Vec<Column>;
    /// Sends every row to `sink`, in order.
    fn rows(&self, sink: &mut dyn RowSink) -> Result<()>;
    /// Number of items, when the rows of any range of items can be produced alone.
    fn items(&self) -> Option<usize> {
        None
    }
    /// The rows of the items in `range` (only called when [`Table::items`] is `Some`).
    fn rows_of(&self, range: Range<usize>, sink: &mut dyn RowSink) -> Result<()> {
        let _ = range;
        self.rows(sink)
    }
}

/// A property of a feature: name and value.
pub type Property<'a> = (&'a str, Cell<'a>);

/// Receives the features of a [`Features`] one at a time.
pub trait FeatureSink {
    /// One feature: its geometry in the working CRS and its properties (written in
    /// name order; a later duplicate name replaces an earlier one).
    fn feature(&mut self, geometry: &Geometry<f64>, properties: &[Property<'_>]) -> Result<()>;
}

/// A result's map layer: geometries in a CRS, each with properties, streamed in
/// order. Written as GeoJSON (EPSG:4326).
///
/// As for [`Table`], a layer of `n` independent items ([`features_indexed`]) is
/// written in parallel chunks.
pub trait Features: Sync {
    /// CRS of the geometries.
    fn crs(&self) -> &Crs;
    /// Sends every feature to `sink`, in order.
    fn features(&self, sink: &mut dyn FeatureSink) -> Result<()>;
    /// Number of items, when the features of any range of items can be produced alone.
    fn items(&self) -> Option<usize> {
        None
    }
    /// The features of the items in `range` (only called when [`Features::items`] is
    /// `Some`).
    fn features_of(&self, range: Range<usize>, sink: &mut dyn FeatureSink) -> Result<()> {
        let _ = range;
        self.features(sink)
    }
}

/// A [`Table`] from its columns and a function that streams the rows.
pub struct FnTable<F> {
    columns: Vec<Column>,
    rows: F,
}

/// Describes a table with a closure: `table(columns, |sink| { sink.row(&[...])?; Ok(()) })`.
pub fn table<F>(columns: Vec<Column>, rows: F) -> FnTable<F>
where
    F: Fn(&mut dyn RowSink) -> Result<()> + Sync,
{
    FnTable { columns, rows }
}

impl<F> Table for FnTable<F>
where
    F: Fn(&mut dyn RowSink) -> Result<()> + Sync,
{
    fn columns(&self) -> Vec<Column> {
        self.columns.clone()
    }
    fn rows(&self, sink: &mut dyn RowSink) -> Result<()> {
        (self.rows)(sink)
    }
}

/// [`Features`] from a CRS and a function that streams them.
pub struct FnFeatures<'c, F> {
    crs: &'c Crs,
    features: F,
}

/// Describes a feature layer with a closure:
/// `features(&crs, |sink| { sink.feature(&geometry, &[("count", Cell::Int(3))])?; Ok(()) })`.
pub fn features<F>(crs: &Crs, features: F) -> FnFeatures<'_, F>
where
    F: Fn(&mut dyn FeatureSink) -> Result<()> + Sync,
{
    FnFeatures { crs, features }
}

impl<F> Features for FnFeatures<'_, F>
where
    F: Fn(&mut dyn FeatureSink) -> Result<()> + Sync,
{
    fn crs(&self) -> &Crs {
        self.crs
    }
    fn features(&self, sink: &mut dyn FeatureSink) -> Result<()> {
        (self.features)(sink)
    }
}

/// A [`Table`] of `n` items, each giving its rows independently.
pub struct IndexedTable<F> {
    columns: Vec<Column>,
    n: usize,
    item: F,
}

/// Describes a table by item: `item(i, sink)` sends the rows of item `i` (usually one).
/// Large tables of this kind are formatted in parallel.
pub fn table_indexed<F>(columns: Vec<Column>, n: usize, item: F) -> IndexedTable<F>
where
    F: Fn(usize, &mut dyn RowSink) -> Result<()> + Sync,
{
    IndexedTable { columns, n, item }
}

impl<F> Table for IndexedTable<F>
where
    F: Fn(usize, &mut dyn RowSink) -> Result<()> + Sync,
{
    fn columns(&self) -> Vec<Column> {
        self.columns.clone()
    }
    fn rows(&self, sink: &mut dyn RowSink) -> Result<()> {
        self.rows_of(0..self.n, sink)
    }
    fn items(&self) -> Option<usize> {
        Some(self.n)
    }
    fn rows_of(&self, range: Range<usize>, sink: &mut dyn RowSink) -> Result<()> {
        range.into_iter().try_for_each(|i| (self.item)(i, sink))
    }
}

/// [`Features`] of `n` items, each giving its features independently.
pub struct IndexedFeatures<'c, F> {
    crs: &'c Crs,
    n: usize,
    item: F,
}

/// Describes a feature layer by item: `item(i, sink)` sends the features of item `i`
/// (none, one or several). Large layers of this kind are encoded in parallel.
pub fn features_indexed<F>(crs: &Crs, n: usize, item: F) -> IndexedFeatures<'_, F>
where
    F: Fn(usize, &mut dyn FeatureSink) -> Result<()> + Sync,
{
    IndexedFeatures { crs, n, item }
}

impl<F> Features for IndexedFeatures<'_, F>
where
    F: Fn(usize, &mut dyn FeatureSink) -> Result<()> + Sync,
{
    fn crs(&self) -> &Crs {
        self.crs
    }
    fn features(&self, sink: &mut dyn FeatureSink) -> Result<()> {
        self.features_of(0..self.n, sink)
    }
    fn items(&self) -> Option<usize> {
        Some(self.n)
    }
    fn features_of(&self, range: Range<usize>, sink: &mut dyn FeatureSink) -> Result<()> {
        range.into_iter().try_for_each(|i| (self.item)(i, sink))
    }
}

/// Chunks of at most `chunk` items covering `0..n`.
pub(crate) fn chunks(n: usize, chunk: usize) -> Vec<Range<usize>> {
    (0..n)
        .step_by(chunk.max(1))
        .map(|a| a..(a + chunk).min(n))
        .collect()
}

/// The properties of a JSON object as feature properties (e.g. an input layer's
/// attributes), to be extended with computed ones.
pub fn json_properties(map: &serde_json::Map<String, serde_json::Value>) -> Vec<Property<'_>> {
    map.iter()
        .map(|(k, v)| (k.as_str(), Cell::Json(Cow::Borrowed(v))))
        .collect()
}

/// A table collected in memory (for tests and small results): header and rows of text
/// as CSV would print them.
pub fn collect_table(t: &dyn Table) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    struct Collect(Vec<Vec<String>>);
    impl RowSink for Collect {
        fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
            let mut buf = String::new();
            self.0.push(
                cells
                    .iter()
                    .map(|c| {
                        buf.clear();
                        super::csv::cell_text(c, &mut buf);
                        buf.clone()
                    })
                    .collect(),
            );
            Ok(())
        }
    }
    let mut c = Collect(Vec::new());
    t.rows(&mut c)?;
    Ok((
        t.columns()
            .into_iter()
            .map(|c| c.name.into_owned())
            .collect(),
        c.0,
    ))
}

/// A layer's features with their attributes.
pub fn layer_features(l: &crate::layer::Layer) -> impl Features + '_ {
    features_indexed(&l.crs.working, l.len(), move |i, sink| {
        sink.feature(&l.geometries[i], &json_properties(&l.properties[i]))
    })
}
