//! Ranked sites for environmental-design and target-hardening changes.
//!
//! # Units ([`SiteUnits`])
//! * **cells** of the fitted model's grid (only cells inside the model's study area,
//!   [`RtmModel::study`]);
//! * **street segments** ([`crate::street::build_segments`]): incidents snapped to the
//!   nearest segment within a tolerance (inclusive; unsnapped incidents are counted in
//!   [`SiteRanking::unassigned`]);
//! * **user sites**: points with a radius (incidents at distance `<= radius`, inclusive;
//!   per-feature numeric `radius` property overrides the default) or polygons / multi-
//!   polygons (incidents inside or on the boundary). Overlapping sites may share
//!   incidents. The site id is its `id` property, else `name`, else the feature index.
//!
//! # Risk of a unit (rule)
//! The model's cell risk surface `exp(Σβx) / risk_scale` is evaluated on its own grid.
//! A unit **covers** the study-area cells whose centre lies within it: the cell itself;
//! for a segment, centres at distance `<= cell/2` from the line (or
//! [`SiteParams::segment_buffer`]); for a point site, centres within the radius; for a
//! polygon, centres inside it (buffer 0). A unit covering no centre (smaller than a
//! cell) covers the cell containing its representative point (segment midpoint, the
//! point, or the polygon's interior point) if that cell is in the study area. The unit's
//! **risk is the maximum** over its covered cells (a place is as exposed as its riskiest
//! part), and its factors and modifiable share come from that cell (lowest cell id on
//! ties). A unit covering no study-area cell has risk 1 and no factor (`cells = 0`).
//!
//! # Score (transparent: every component is reported)
//! * **burden** = Σ seriousness weights of the unit's incidents ([`Seriousness`]; the
//!   raw `count` is reported beside it), normalised by the largest burden;
//! * **persistence** = share of time periods in which the unit is *hot*: the time span
//!   of the timed incidents, `[t_min, t_max]`, is cut into [`SiteParams::periods`] equal
//!   periods (the last one includes `t_max`), or into periods of
//!   [`SiteParams::period_days`] days from midnight of the first day; in a period a unit is hot when it has at
//!   least one incident and its count is at least the `k`-th largest count among all
//!   units (`k = ⌈persistence_top · units⌉`, at least 1; ties included; default top
//!   5 %; all units count, cells only inside the study area). Without any timed
//!   incident persistence is 0 and a note says so; untimed incidents are left out.
//!   Cells also get their sfhotspot class over the same periods
//!   ([`Site::hotspot_class`]: persistent / emerging / former / intermittent hot or
//!   cold spot, from Gi* per period with queen neighbours over the study area) —
//!   reported beside the score, not part of it.
//! * **repeat share** = share of the unit's incidents at an exact location (coordinates
//!   equal after rounding to `repeat_tolerance` metres) with ≥ 2 incidents;
//! * **risk** = the unit's RTM relative risk, normalised `(risk − 1)/(max − 1)`;
//! * **modifiable share** = `Σ β` of the *modifiable* factors present divided by `Σ β` of
//!   all factors present (0 with no factor present): how much of the environmental risk a
//!   design or management change can address (from the CPTED mapping).
//!
//! `score = Σ wₖ · componentₖ / Σ wₖ`, default weights ([`SiteWeights`]) burden 0.35,
//! persistence 0.15, repeat share 0.10, risk 0.25, modifiable share 0.15. Cells and
//! segments with no incident and no risk factor are not ranked (score 0); user sites are
//! always ranked. Ties are broken by unit index, so the ranking does not depend on the
//! order of the input incidents.
//!
//! # Suggestions
//! For each top unit the factors present are taken in decreasing order of β, and the
//! user-editable TOML mapping ([`CptedMapping`], default in
//! `fixtures/cpted/default.toml`) gives CPTED principles and measures, each with its
//! public-access class. `restrictive` measures are never recommended outright: they are
//! marked `needs_access_assessment` (UN Guidelines for the Prevention of Crime, 1995/2002,
//! guideline 26(d): target hardening must not limit free access to public space).

use std::collections::{BTreeMap, HashMap};

use geo::{Distance, Euclidean, InteriorPoint, InterpolatableLine, Intersects, Point};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::index::PointIndex;
use crate::layer::{Incidents, Layer};
use crate::risk::rtm::RtmModel;
use crate::street::{snap_to_segments, StreetSegment};

mod cpted;
mod seriousness;
mod units;

pub use cpted::{AccessClass, CptedMapping, CptedRule, Suggestion, DEFAULT_MAPPING_TOML};
pub use seriousness::{Seriousness, SeriousnessReport};
pub use units::SiteUnits;
use units::{build_units, Unit};

mod params;
mod rank;
mod ranking;

pub use params::*;
pub use rank::*;
pub use ranking::*;

#[cfg(test)]
mod tests;
