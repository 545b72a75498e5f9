//! Ranked sites for environmental-design and target-hardening changes.
//!
//! # Score (transparent: every component is reported)
//! Units are grid cells (the fitted model's grid). For each cell:
//! * **burden** = incidents in the cell (`count`), normalised by the largest count;
//! * **repeat share** = share of the cell's incidents at an exact location (coordinates
//!   equal after rounding to `repeat_tolerance` metres) that has ≥ 2 incidents;
//! * **risk** = RTM relative risk `exp(Σβx)/min`, normalised as `(risk − 1)/(max − 1)`;
//! * **modifiable share** = `Σ β` of the *modifiable* factors present in the cell divided
//!   by `Σ β` of all factors present (0 with no factor present): how much of the cell's
//!   environmental risk a design or management change can address. Whether a factor is
//!   modifiable comes from the CPTED mapping.
//!
//! `score = Σ wₖ · componentₖ / Σ wₖ`, with default weights burden 0.4, risk 0.3,
//! repeat share 0.15, modifiable share 0.15 ([`SiteWeights`]). Cells with no incident
//! and no risk factor are not ranked. Ties are broken by cell id, so the ranking does not
//! depend on the order of the input incidents.
//!
//! # Suggestions
//! For each ranked cell the factors present are taken in decreasing order of β, and the
//! user-editable TOML mapping ([`CptedMapping`], default in
//! `fixtures/cpted/default.toml`) gives CPTED principles and measures, each with its
//! public-access class. `restrictive` measures are never recommended outright: they are
//! marked `needs_access_assessment` (UN Guidelines for the Prevention of Crime, 1995/2002,
//! guideline 26(d): target hardening must not limit free access to public space).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::layer::Layer;
use crate::risk::factors::variable_values;
use crate::risk::rtm::RtmModel;

/// Public-access class of a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessClass {
    /// No limit on public access (lighting, repair).
    None,
    /// Limits access at some times or for some users (gates open in daytime).
    Conditional,
    /// Closes or restricts public space: needs an access assessment first.
    Restrictive,
}

/// One suggested measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suggestion {
    /// CPTED principle (natural surveillance, access control, ...).
    pub principle: String,
    /// The measure.
    pub measure: String,
    /// Public-access class.
    pub access: AccessClass,
}

/// A mapping rule: a factor (layer name) and its suggestions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CptedRule {
    /// Layer name of the factor (case-insensitive); `*` = fallback.
    pub layer: String,
    /// Whether a design/management change can address the factor.
    pub modifiable: bool,
    /// Suggested measures.
    #[serde(default)]
    pub suggestion: Vec<Suggestion>,
}

/// The factor → CPTED mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CptedMapping {
    /// Rules.
    #[serde(default)]
    pub rule: Vec<CptedRule>,
}

/// The default mapping shipped with crimescape.
pub const DEFAULT_MAPPING_TOML: &str = include_str!("../../fixtures/cpted/default.toml");

impl CptedMapping {
    /// Parses a TOML mapping; errors name the line (and column).
    pub fn parse(text: &str) -> Result<CptedMapping> {
        let m: CptedMapping = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            Error::Param(format!(
                "CPTED mapping: line {line}, column {col}: {}",
                e.message()
            ))
        })?;
        for r in &m.rule {
            if r.layer.trim().is_empty() {
                return Err(Error::Param(
                    "CPTED mapping: a [[rule]] has an empty layer name".into(),
                ));
            }
        }
        Ok(m)
    }

    /// The shipped default mapping.
    pub fn default_mapping() -> CptedMapping {
        // The embedded file is tested to parse (`default_mapping_parses`).
        CptedMapping::parse(DEFAULT_MAPPING_TOML).unwrap_or(CptedMapping { rule: Vec::new() })
    }

    /// The rule for a layer (exact name first, then `*`).
    pub fn rule(&self, layer: &str) -> Option<&CptedRule> {
        self.rule
            .iter()
            .find(|r| r.layer.eq_ignore_ascii_case(layer))
            .or_else(|| self.rule.iter().find(|r| r.layer == "*"))
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    (line, col)
}

/// Weights of the score components (need not sum to 1; they are normalised).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiteWeights {
    /// Crime burden.
    pub burden: f64,
    /// Repeat-victimisation share.
    pub repeat: f64,
    /// RTM environmental risk.
    pub risk: f64,
    /// Modifiable share of the risk.
    pub modifiable: f64,
}

impl Default for SiteWeights {
    fn default() -> Self {
        SiteWeights {
            burden: 0.4,
            repeat: 0.15,
            risk: 0.3,
            modifiable: 0.15,
        }
    }
}

/// Settings of [`rank_cells`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteParams {
    /// Component weights.
    pub weights: SiteWeights,
    /// Number of top sites that get suggestions.
    pub top: usize,
    /// Two incidents are at the same location when their coordinates agree after
    /// rounding to this many metres.
    pub repeat_tolerance: f64,
}

impl Default for SiteParams {
    fn default() -> Self {
        SiteParams {
            weights: SiteWeights::default(),
            top: 20,
            repeat_tolerance: 1.0,
        }
    }
}

impl SiteParams {
    /// Defaults (see the module docs).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the weights.
    pub fn weights(mut self, w: SiteWeights) -> Self {
        self.weights = w;
        self
    }
    /// Sets the number of top sites.
    pub fn top(mut self, n: usize) -> Self {
        self.top = n;
        self
    }
}

/// A suggestion for a site, from one of its factors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteSuggestion {
    /// The factor it addresses (layer).
    pub factor: String,
    /// CPTED principle.
    pub principle: String,
    /// Measure.
    pub measure: String,
    /// Public-access class.
    pub access: AccessClass,
    /// True for restrictive measures: assess access first (UN guideline 26(d)).
    pub needs_access_assessment: bool,
}

/// One ranked site with every score component.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    /// Rank (1 = highest score).
    pub rank: usize,
    /// Grid cell id.
    pub cell: usize,
    /// Cell centre (working CRS).
    pub centre: [f64; 2],
    /// Incidents in the cell.
    pub count: f64,
    /// Share of incidents at repeat locations.
    pub repeat_share: f64,
    /// RTM relative risk.
    pub risk: f64,
    /// Modifiable share of the risk.
    pub modifiable_share: f64,
    /// Normalised components (burden, repeat, risk, modifiable) in [0, 1].
    pub components: [f64; 4],
    /// Weighted score in [0, 1].
    pub score: f64,
    /// Factors present in the cell, largest β first.
    pub factors: Vec<String>,
    /// Suggestions (top sites only).
    pub suggestions: Vec<SiteSuggestion>,
}

/// Ranks the cells of the model's grid.
///
/// # Errors
/// [`Error::Param`] for negative or all-zero weights; [`Error::Data`] when a layer the
/// model needs is missing.
pub fn rank_cells(
    points: &[[f64; 2]],
    model: &RtmModel,
    layers: &[&Layer],
    mapping: &CptedMapping,
    params: &SiteParams,
) -> Result<Vec<Site>> {
    let w = params.weights;
    let ws = [w.burden, w.repeat, w.risk, w.modifiable];
    if ws.iter().any(|v| !(v.is_finite() && *v >= 0.0)) || ws.iter().sum::<f64>() <= 0.0 {
        return Err(Error::Param(format!(
            "site weights must be non-negative with a positive sum, got {ws:?}"
        )));
    }
    if !(params.repeat_tolerance.is_finite() && params.repeat_tolerance > 0.0) {
        return Err(Error::Param("repeat tolerance must be positive".into()));
    }
    let grid: &Grid = &model.grid;
    let n = grid.len();
    let counts = grid.counts(points);
    // repeat locations (order-independent)
    let mut at: HashMap<(usize, i64, i64), usize> = HashMap::new();
    let key = |p: &[f64; 2]| {
        (
            (p[0] / params.repeat_tolerance).round() as i64,
            (p[1] / params.repeat_tolerance).round() as i64,
        )
    };
    for p in points {
        if let Some(c) = grid.cell_of(p[0], p[1]) {
            let (a, b) = key(p);
            *at.entry((c, a, b)).or_insert(0) += 1;
        }
    }
    let mut repeated = vec![0.0; n];
    for ((c, _, _), k) in &at {
        if *k >= 2 {
            repeated[*c] += *k as f64;
        }
    }
    // factor indicators
    let mut cols = Vec::new();
    for f in &model.factors {
        let l = layers
            .iter()
            .find(|l| l.name == f.variable.layer)
            .ok_or_else(|| {
                Error::Data(format!(
                    "sites: layer '{}' is required by the model but was not given",
                    f.variable.layer
                ))
            })?;
        cols.push(variable_values(grid, l, &f.variable)?);
    }
    let modifiable: Vec<bool> = model
        .factors
        .iter()
        .map(|f| {
            mapping
                .rule(&f.variable.layer)
                .is_some_and(|r| r.modifiable)
        })
        .collect();
    let mut rows: Vec<Site> = Vec::new();
    for id in 0..n {
        let (mut sum_b, mut mod_b) = (0.0, 0.0);
        let mut present: Vec<(f64, String)> = Vec::new();
        for (k, f) in model.factors.iter().enumerate() {
            if cols[k][id] == 1 {
                sum_b += f.coef;
                if modifiable[k] {
                    mod_b += f.coef;
                }
                present.push((f.coef, f.variable.layer.clone()));
            }
        }
        if counts[id] == 0.0 && present.is_empty() {
            continue;
        }
        present.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let risk = sum_b.exp();
        rows.push(Site {
            rank: 0,
            cell: id,
            centre: grid.centre(id),
            count: counts[id],
            repeat_share: if counts[id] > 0.0 {
                repeated[id] / counts[id]
            } else {
                0.0
            },
            risk,
            modifiable_share: if sum_b > 0.0 { mod_b / sum_b } else { 0.0 },
            components: [0.0; 4],
            score: 0.0,
            factors: present.into_iter().map(|p| p.1).collect(),
            suggestions: Vec::new(),
        });
    }
    let max_count = rows.iter().map(|r| r.count).fold(0.0, f64::max);
    let max_risk = rows.iter().map(|r| r.risk).fold(1.0, f64::max);
    let wsum: f64 = ws.iter().sum();
    for r in &mut rows {
        r.components = [
            if max_count > 0.0 {
                r.count / max_count
            } else {
                0.0
            },
            r.repeat_share,
            if max_risk > 1.0 {
                (r.risk - 1.0) / (max_risk - 1.0)
            } else {
                0.0
            },
            r.modifiable_share,
        ];
        r.score = r
            .components
            .iter()
            .zip(&ws)
            .map(|(c, w)| c * w)
            .sum::<f64>()
            / wsum;
    }
    rows.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.cell.cmp(&b.cell)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
        if i < params.top {
            for f in &r.factors {
                if let Some(rule) = mapping.rule(f) {
                    for s in &rule.suggestion {
                        r.suggestions.push(SiteSuggestion {
                            factor: f.clone(),
                            principle: s.principle.clone(),
                            measure: s.measure.clone(),
                            access: s.access,
                            needs_access_assessment: s.access == AccessClass::Restrictive,
                        });
                    }
                }
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::risk::rtm::{fit_rtm, LayerInput, RtmParams};
    use crate::risk::{FactorParams, Operationalisation};

    #[test]
    fn default_mapping_parses() {
        let m = CptedMapping::parse(DEFAULT_MAPPING_TOML).unwrap();
        assert!(m.rule("lights").unwrap().modifiable);
        assert!(!m.rule("BARS").unwrap().modifiable);
        assert_eq!(m.rule("unknown_layer").unwrap().layer, "*");
        let lots = m.rule("vacant_lots").unwrap();
        assert!(lots
            .suggestion
            .iter()
            .any(|s| s.access == AccessClass::Restrictive));
    }

    #[test]
    fn mapping_errors_name_the_line() {
        let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = true\n[[rule.suggestion]]\nprinciple = \"x\"\nmeasure = \"y\"\naccess = \"sometimes\"\n";
        let e = CptedMapping::parse(bad).unwrap_err().to_string();
        assert!(e.contains("line 7"), "{e}");
        let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = yes\n";
        let e = CptedMapping::parse(bad).unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = true\ncolour = 1\n";
        let e = CptedMapping::parse(bad).unwrap_err().to_string();
        assert!(e.contains("line 1") || e.contains("line 4"), "{e}");
    }

    #[test]
    fn rank_cells_is_invariant_to_input_order_and_flags_restrictive() {
        let city = generate(
            &DemoParams::new(5)
                .incidents(3000)
                .size(2000.0)
                .shares([0.8, 0.0, 0.2, 0.0]),
        )
        .unwrap();
        let grid = Grid::covering(city.truth.extent, 40.0).unwrap();
        let inputs: Vec<LayerInput> = city
            .layers
            .iter()
            .filter(|l| ["bars", "vacant_lots", "lights"].contains(&l.name.as_str()))
            .map(|l| LayerInput {
                layer: l,
                filter: (l.name == "lights").then_some("status=out"),
            })
            .collect();
        let fp = FactorParams::new(50.0)
            .distances(vec![50.0, 100.0])
            .operationalisations(vec![Operationalisation::Proximity]);
        let r = fit_rtm(
            &city.incidents.xy,
            &grid,
            &inputs,
            &RtmParams::new(50.0).factors(fp),
        )
        .unwrap();
        let layers: Vec<&Layer> = city.layers.iter().collect();
        let m = CptedMapping::default_mapping();
        let p = SiteParams::new().top(50);
        let a = rank_cells(&city.incidents.xy, &r.model, &layers, &m, &p).unwrap();
        let mut rev = city.incidents.xy.clone();
        rev.reverse();
        let b = rank_cells(&rev, &r.model, &layers, &m, &p).unwrap();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.cell, y.cell);
            assert_eq!(x.score, y.score);
        }
        assert!(a.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(a[0].score > 0.0 && a[0].score <= 1.0);
        for s in a.iter().take(50).flat_map(|s| &s.suggestions) {
            assert_eq!(
                s.needs_access_assessment,
                s.access == AccessClass::Restrictive
            );
        }
        assert!(a.iter().any(|s| s.repeat_share > 0.0));
        let bad = SiteParams::new().weights(SiteWeights {
            burden: 0.0,
            repeat: 0.0,
            risk: 0.0,
            modifiable: 0.0,
        });
        assert!(rank_cells(&city.incidents.xy, &r.model, &layers, &m, &bad).is_err());
    }
}
