//! Design proposals: the GeoJSON schema, validation and applying a proposal to layers.
//!
//! # Schema
//! A proposal file is a GeoJSON FeatureCollection (EPSG:4326 unless a `crs`
//! member names another CRS); each feature is one **action**:
//!
//! | property   | meaning |
//! |------------|---------|
//! | `action`   | required: `add`, `remove`, `modify`, `close`, `fence`, `gate`, `enclose`, `open` |
//! | `layer`    | required: the layer acted on (a loaded layer, a network layer such as `streets`/`paths`, a public-space layer such as `parks`, or `barriers`) |
//! | `hours`    | optional, `close`/`fence`/`gate` only: when the restriction is in force, `HH:MM-HH:MM` (may wrap midnight); absent = always |
//! | `days`     | optional, `close`/`fence`/`gate` only: the days it is in force, names or ranges as `--weekdays` (`fri,sat`, `mon-fri`, `sat-sun`); a window wrapping midnight belongs to the day it starts on; absent = every day |
//! | `target`   | optional: select existing features by their `id` property |
//! | `where`    | optional object: select only features whose properties equal these values (e.g. `{"status": "out"}`) |
//! | `set`      | `modify` only, required: properties to set (e.g. `{"status": "on"}`) |
//! | `spacing`  | `add` of points along a line: spacing in metres (default 35) |
//! | `proposal` | optional: group name, so one file can hold several proposals (default: the file stem) |
//! | `name`     | optional: a label for the action |
//!
//! Other properties are copied onto added features.
//!
//! **Selecting features** (`remove`, `modify`, `close`, `gate`, `enclose`): the
//! features of `layer` that pass `target` and `where` and whose geometry matches the
//! action's geometry — inside a polygon (representative point), within 10 m of a
//! point, or with their representative point within 10 m of a line. Without a
//! geometry, `target` or `where` select alone.
//!
//! **Effects**: `add` appends the geometry (a line added to a point layer becomes
//! points every `spacing` m); `remove` deletes; `modify` sets properties; `close`
//! closes network features to movement; `fence` adds a line barrier (stored in
//! `layer`) that closes every network edge it crosses; `gate` restricts public
//! spaces during `hours` (always if absent) and closes the network inside them
//! meanwhile; `enclose` removes public spaces from public use for good, with the
//! network inside them; `open` adds a network line (a new path) or a new public
//! space polygon.
//!
//! # Validation
//! Errors are [`Error::Row`] with the feature's 0-based index and the property at
//! fault: unknown action or layer (the message lists the valid ones), an action
//! that does not fit the layer or geometry, bad `hours` or `days`, coordinates that are not
//! longitude/latitude in a file without a `crs` member, geometry outside the study
//! area (with a hint about the CRS when far away), and selections that match no
//! feature.

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Centroid, Geometry, LineString, Point};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crs::{Crs, CrsChoice, Reprojector, WGS84};
use crate::error::{Error, Result};
use crate::index::point_geometry_distance;
use crate::layer::{geometry_kind, GeometryKind, Layer};

mod apply;
mod geojson;
mod parse;
mod schema;
mod study;

pub use apply::*;
pub use geojson::*;
pub use parse::*;
pub use schema::*;
pub use study::*;

#[cfg(test)]
mod tests;
