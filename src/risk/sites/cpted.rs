//! The CPTED mapping: from risk-factor layers to principles and measures, each with
//! its public-access class (see [the module docs](super)).

use super::*;

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
pub const DEFAULT_MAPPING_TOML: &str = include_str!("../../../fixtures/cpted/default.toml");

impl CptedMapping {
    /// Parses a TOML mapping; errors name the line (and column).
    pub fn parse(text: &str) -> Result<CptedMapping> {
        let m: CptedMapping = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            Error::Content(format!(
                "CPTED mapping: line {line}, column {col}: {}",
                e.message()
            ))
        })?;
        for r in &m.rule {
            if r.layer.trim().is_empty() {
                return Err(Error::Content(
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

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    (line, col)
}
