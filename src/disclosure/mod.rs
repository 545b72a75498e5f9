//! Publishing without exposing victims: a [`Disclosure`] policy and the pieces that
//! apply it (issue 18, library core; not yet wired into the output layer or the CLI).
//!
//! # Pieces
//! * [`Disclosure`] / [`DisclosureParams`]: the audience of an output set —
//!   `Internal` (exact, as today) or `Public { k, .. }` — and a [`DisclosureReport`]
//!   written beside every public output set (k, rules applied, what was suppressed,
//!   merged or moved, mean and maximum displacement, what remains exact).
//! * [`suppress_table`] / [`suppress_cells`]: small-count suppression with
//!   complementary suppression, and [`audit_table`], which bounds every suppressed cell
//!   from the published margins (an exact network-flow computation) and reports the
//!   cells that could be recovered.
//! * [`anonymous_map_points`]: data.police.uk's anonymous map points — anchors each
//!   covering at least k addresses — and [`snap_to_points`] / [`snap_to_cell_centres`]
//!   when there is no address layer.
//! * [`Scanner`] / [`scan_bytes`]: a re-identification scanner for output bytes
//!   (CSV, GeoJSON, JSON, SVG): any number pair within a tolerance of an incident
//!   (working CRS or lon/lat) and any count below k in named count columns.
//! * [`synthetic_addresses`] / [`segment_midpoints`]: a synthetic address layer and
//!   street-segment anchors for the demo city and tests.
//! * [`is_free_text_column`]: columns (addresses, narratives, names) that never leave
//!   the tool in public mode.
//!
//! # Sources and conventions
//! * Primary and secondary (complementary) cell suppression: Hundepool, Domingo-Ferrer,
//!   Franconi, Giessing, Schulte Nordholt, Spicer & de Wolf, *Statistical Disclosure
//!   Control*, Wiley 2012, ch. 4 (tabular data: sensitivity rules, the threshold rule,
//!   secondary suppression, audit by linear programming); Cox, L. H. (1980)
//!   "Suppression methodology and statistical disclosure control", *JASA* 75, 377–385.
//! * Anonymous map points: data.police.uk, "About" page, section "Anonymisation of
//!   data": every crime is mapped to the centre point of a street, a public place or a
//!   commercial premises, chosen from a master list of anonymous map points each of
//!   which covers at least eight postal addresses (or none, for public places).
//!   crimescape takes k from the policy (default 3); choose `k(8)` for the police.uk rule.
//!
//! # How the output layer applies a policy
//! With [`Disclosure::Internal`] nothing changes. With [`Disclosure::Public`] the layer
//! (i) refuses point outputs unless their points were first snapped with
//! [`anonymous_map_points`] (or [`snap_to_points`]) or aggregated, (ii) passes every
//! count table through [`suppress_table`] / [`suppress_cells`] and writes the
//! `"<k"` / `"x"` labels of [`CellStatus`], (iii) drops every column for which
//! [`is_free_text_column`] is true, (iv) writes [`DisclosureReport::to_text`] and its
//! JSON beside the set, and (v) in tests, runs a [`Scanner`] over every written file.

mod addresses;
mod anchors;
mod scan;
mod suppress;

pub use addresses::{segment_midpoints, synthetic_addresses};
pub use anchors::{
    anonymous_map_points, snap_to_cell_centres, snap_to_points, AnonymousMap, AnonymousMapParams,
    Snapped,
};
pub use scan::{scan_bytes, Finding, FindingKind, Scanner};
pub use suppress::{
    audit_table, suppress_cells, suppress_table, suppress_table_lines, CellStatus, CellSuppression,
    CountTable, Exposure, TableSuppression,
};

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Default minimum count: counts `0 < n < 3` are suppressed.
pub const DEFAULT_K: u32 = 3;

/// Who an output set is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "audience", rename_all = "snake_case")]
pub enum Disclosure {
    /// Analysts inside the organisation: every output is exact (today's behaviour).
    #[default]
    Internal,
    /// The public, councils, partners: no output holds an incident location or a value
    /// from which one can be recovered.
    Public {
        /// Minimum count: counts `0 < n < k` are suppressed; each anonymous map point
        /// covers at least `k` addresses; groups (hulls, ellipses, chains, sites) of
        /// fewer than `k` incidents are withheld.
        k: u32,
        /// Whether true zero counts are published (default true: a cell with no
        /// incident identifies no victim, and suppressing zeros hides where crime is
        /// absent, which planners need).
        publish_zeros: bool,
    },
}

impl Disclosure {
    /// The public policy with the default `k` (3).
    pub fn public() -> Disclosure {
        Disclosure::Public {
            k: DEFAULT_K,
            publish_zeros: true,
        }
    }

    /// Whether this is the public audience.
    pub fn is_public(&self) -> bool {
        matches!(self, Disclosure::Public { .. })
    }

    /// The minimum count, `None` for the internal audience.
    pub fn k(&self) -> Option<u32> {
        match self {
            Disclosure::Internal => None,
            Disclosure::Public { k, .. } => Some(*k),
        }
    }
}

/// Builder for a [`Disclosure`] policy.
///
/// ```
/// use crimescape::{Disclosure, DisclosureParams};
/// let p = DisclosureParams::public().k(8).build()?;
/// assert_eq!(p.k(), Some(8));
/// assert!(DisclosureParams::public().k(1).build().is_err());
/// assert_eq!(DisclosureParams::internal().build()?, Disclosure::Internal);
/// # Ok::<(), crimescape::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DisclosureParams {
    public: bool,
    k: u32,
    publish_zeros: bool,
}

impl DisclosureParams {
    /// The internal audience (exact outputs).
    pub fn internal() -> Self {
        DisclosureParams {
            public: false,
            k: DEFAULT_K,
            publish_zeros: true,
        }
    }

    /// The public audience with `k` = 3.
    pub fn public() -> Self {
        DisclosureParams {
            public: true,
            ..Self::internal()
        }
    }

    /// Minimum count (≥ 2; 2 ≤ k ≤ 1000).
    pub fn k(mut self, k: u32) -> Self {
        self.k = k;
        self
    }

    /// Whether true zero counts are published (default true).
    pub fn publish_zeros(mut self, yes: bool) -> Self {
        self.publish_zeros = yes;
        self
    }

    /// Validates and builds the policy.
    pub fn build(self) -> Result<Disclosure> {
        if !self.public {
            return Ok(Disclosure::Internal);
        }
        if !(2..=1000).contains(&self.k) {
            return Err(Error::invalid(
                "disclosure policy",
                "k",
                self.k,
                "the minimum count must be between 2 and 1000 (k = 1 would suppress nothing)",
            ));
        }
        Ok(Disclosure::Public {
            k: self.k,
            publish_zeros: self.publish_zeros,
        })
    }
}

/// What a public output set did to protect victims: written beside the set as JSON
/// and as text ([`DisclosureReport::to_text`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DisclosureReport {
    /// The minimum count.
    pub k: u32,
    /// Whether true zero counts are published.
    pub publish_zeros: bool,
    /// Each rule applied, in plain words (e.g. "counts 0 < n < 3 shown as <3").
    pub rules: Vec<String>,
    /// Cells suppressed because their count was below k.
    pub cells_suppressed_primary: usize,
    /// Cells suppressed so that the primary ones cannot be recovered from margins.
    pub cells_suppressed_complementary: usize,
    /// Features (sites, groups, hulls, chains) withheld because they hold fewer than k
    /// incidents.
    pub features_withheld: usize,
    /// Anchors (candidate anonymous map points) merged into a neighbour because they
    /// covered fewer than k addresses.
    pub anchors_merged: usize,
    /// Points moved to anonymous map points / centres.
    pub points_moved: usize,
    /// Mean distance (m) between an incident and its published point.
    pub mean_displacement_m: Option<f64>,
    /// Maximum distance (m) between an incident and its published point.
    pub max_displacement_m: Option<f64>,
    /// Columns dropped as free text.
    pub columns_dropped: Vec<String>,
    /// What remains exact (e.g. "totals over the study area", "statistics computed on
    /// the exact points before publication").
    pub exact: Vec<String>,
}

impl DisclosureReport {
    /// An empty report for a policy (`None` for the internal audience).
    pub fn for_policy(policy: &Disclosure) -> Option<DisclosureReport> {
        match policy {
            Disclosure::Internal => None,
            Disclosure::Public { k, publish_zeros } => Some(DisclosureReport {
                k: *k,
                publish_zeros: *publish_zeros,
                ..Default::default()
            }),
        }
    }

    /// Adds the outcome of a table suppression (counts and rules).
    pub fn add_table(&mut self, s: &TableSuppression) {
        self.cells_suppressed_primary += s.primary;
        self.cells_suppressed_complementary += s.complementary;
        self.add_rule(format!(
            "counts 0 < n < {k} are shown as \"<{k}\"; further cells shown as \"x\" so that no suppressed count can be recovered from published margins (complementary suppression, audited)",
            k = self.k
        ));
    }

    /// Adds the outcome of snapping points.
    pub fn add_snapped(&mut self, s: &Snapped) {
        self.points_moved += s.moved;
        let n_old = self.points_moved - s.moved;
        if let Some(m) = s.mean_displacement_m {
            // Weighted mean over every snapping applied.
            let prev = self.mean_displacement_m.unwrap_or(0.0);
            let n_new = s.points.len();
            let total = n_old + n_new;
            self.mean_displacement_m = Some(if total == 0 {
                m
            } else {
                (prev * n_old as f64 + m * n_new as f64) / total as f64
            });
        }
        if let Some(m) = s.max_displacement_m {
            self.max_displacement_m = Some(self.max_displacement_m.unwrap_or(0.0).max(m));
        }
        self.add_rule(s.rule.clone());
    }

    /// Adds a rule, once.
    pub fn add_rule(&mut self, rule: impl Into<String>) {
        let rule = rule.into();
        if !self.rules.contains(&rule) {
            self.rules.push(rule);
        }
    }

    /// Plain-text rendering.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "Disclosure report (public audience)");
        let _ = writeln!(s, "  k (minimum count):            {}", self.k);
        let _ = writeln!(
            s,
            "  zero counts:                  {}",
            if self.publish_zeros {
                "published (a cell without incidents identifies no victim)"
            } else {
                "suppressed"
            }
        );
        let _ = writeln!(
            s,
            "  cells suppressed:             {} below k, {} complementary",
            self.cells_suppressed_primary, self.cells_suppressed_complementary
        );
        let _ = writeln!(
            s,
            "  features withheld:            {}",
            self.features_withheld
        );
        let _ = writeln!(s, "  anchors merged:               {}", self.anchors_merged);
        let _ = writeln!(s, "  points moved:                 {}", self.points_moved);
        let fmt = |v: Option<f64>| v.map_or("-".to_string(), |m| format!("{m:.1} m"));
        let _ = writeln!(
            s,
            "  displacement:                 mean {}, max {}",
            fmt(self.mean_displacement_m),
            fmt(self.max_displacement_m)
        );
        if !self.columns_dropped.is_empty() {
            let _ = writeln!(
                s,
                "  free-text columns dropped:    {}",
                self.columns_dropped.join(", ")
            );
        }
        let _ = writeln!(s, "Rules applied:");
        if self.rules.is_empty() {
            let _ = writeln!(s, "  (none needed)");
        }
        for r in &self.rules {
            let _ = writeln!(s, "  - {r}");
        }
        let _ = writeln!(s, "Exact:");
        if self.exact.is_empty() {
            let _ = writeln!(s, "  (nothing stated)");
        }
        for r in &self.exact {
            let _ = writeln!(s, "  - {r}");
        }
        s
    }
}

/// Whether a column holds free text that must never leave the tool in public mode:
/// addresses, narratives/descriptions/notes, and names of people. Decided on the
/// column name (case-insensitive, words split at `_`, `-`, space and camelCase);
/// `street_name` style location labels are included (a street name plus a house
/// number is an address).
///
/// ```
/// use crimescape::is_free_text_column;
/// assert!(is_free_text_column("Address"));
/// assert!(is_free_text_column("victim_name"));
/// assert!(is_free_text_column("MO narrative"));
/// assert!(!is_free_text_column("category"));
/// assert!(!is_free_text_column("count"));
/// ```
pub fn is_free_text_column(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "address",
        "addr",
        "street",
        "postcode",
        "zip",
        "zipcode",
        "narrative",
        "description",
        "desc",
        "notes",
        "note",
        "comment",
        "comments",
        "remarks",
        "text",
        "name",
        "firstname",
        "surname",
        "lastname",
        "victim",
        "suspect",
        "offender",
        "witness",
        "phone",
        "email",
        "dob",
        "birth",
        "premise",
        "premises",
        "house",
        "block",
        "location",
    ];
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words.iter().any(|w| WORDS.contains(&w.as_str()))
}

/// A sentence with every parenthesised number pair (`"(-89.9640, 35.1120)"`, a
/// location written inside a text) replaced by `"(location withheld)"`; `None` when
/// the text holds none.
///
/// ```
/// use crimescape::redact_locations;
/// assert_eq!(
///     redact_locations("UTM zone of the centre (-89.96, 35.11)").as_deref(),
///     Some("UTM zone of the centre (location withheld)")
/// );
/// assert_eq!(redact_locations("a (b, c) and (1)"), None);
/// ```
pub fn redact_locations(t: &str) -> Option<String> {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    let mut changed = false;
    while let Some(i) = rest.find('(') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let pair = after.find(')').and_then(|j| {
            let inner = &after[..j];
            let mut parts = inner.split(',');
            let a = parts.next()?.trim().parse::<f64>().ok()?;
            let b = parts.next()?.trim().parse::<f64>().ok()?;
            (parts.next().is_none() && a.is_finite() && b.is_finite()).then_some(j)
        });
        match pair {
            Some(j) => {
                out.push_str("(location withheld)");
                rest = &after[j + 1..];
                changed = true;
            }
            None => {
                out.push('(');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_k_validated() {
        assert!(DisclosureParams::public().k(1).build().is_err());
        assert!(DisclosureParams::public().k(1001).build().is_err());
        assert_eq!(DisclosureParams::public().build().unwrap().k(), Some(3));
        assert!(!DisclosureParams::internal()
            .k(1)
            .build()
            .unwrap()
            .is_public());
    }

    #[test]
    fn policy_serialises_round_trip() {
        let p = DisclosureParams::public().k(8).build().unwrap();
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(j, r#"{"audience":"public","k":8,"publish_zeros":true}"#);
        let back: Disclosure = serde_json::from_str(&j).unwrap();
        assert_eq!(back, p);
        let i = serde_json::to_string(&Disclosure::Internal).unwrap();
        assert_eq!(i, r#"{"audience":"internal"}"#);
    }

    #[test]
    fn report_text_names_everything() {
        let mut r = DisclosureReport::for_policy(&Disclosure::public()).unwrap();
        r.cells_suppressed_primary = 4;
        r.cells_suppressed_complementary = 2;
        r.mean_displacement_m = Some(12.25);
        r.max_displacement_m = Some(40.0);
        r.add_rule("points snapped");
        r.add_rule("points snapped");
        r.exact.push("study-area total".into());
        let t = r.to_text();
        assert!(t.contains("4 below k, 2 complementary"), "{t}");
        assert!(
            t.contains("mean 12.2 m, max 40.0 m") || t.contains("mean 12.3 m"),
            "{t}"
        );
        assert_eq!(t.matches("points snapped").count(), 1, "{t}");
        assert!(t.contains("study-area total"));
        assert!(DisclosureReport::for_policy(&Disclosure::Internal).is_none());
    }

    #[test]
    fn free_text_columns_camel_and_snake() {
        for c in [
            "streetAddress",
            "Location_Description",
            "OFFENDER_NAME",
            "notes",
        ] {
            assert!(is_free_text_column(c), "{c}");
        }
        for c in [
            "x",
            "lat",
            "lon",
            "date",
            "crime_type",
            "n",
            "cell_id",
            "gi_z",
        ] {
            assert!(!is_free_text_column(c), "{c}");
        }
    }
}
