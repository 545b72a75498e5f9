//! Offence-seriousness weights per incident category (see [the module docs](super)).

use super::cpted::line_col;
use super::*;

/// Offence-seriousness weights per incident category.
///
/// Categories match case-insensitively after trimming. Incidents of a category not in
/// the table, or without a category, get weight 1 and are counted in
/// [`SeriousnessReport`]; with [`Seriousness::strict`] they are an error instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seriousness {
    /// Weight per lower-cased category.
    pub weights: BTreeMap<String, f64>,
    /// Unknown or missing categories are an error.
    pub strict: bool,
}

fn check_weight(w: f64, cat: &str, line: usize) -> Result<()> {
    if w.is_finite() && w >= 0.0 {
        Ok(())
    } else {
        Err(Error::Content(format!(
            "seriousness table: line {line}: weight of '{cat}' must be a number >= 0, got {w}"
        )))
    }
}

impl Seriousness {
    /// Parses CSV text with a header `category,weight`; errors name the line.
    pub fn parse_csv(text: &str) -> Result<Seriousness> {
        let mut weights = BTreeMap::new();
        let mut header_seen = false;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text); // Excel's BOM
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            let rec = match rdr.records().next() {
                Some(Ok(r)) => r,
                _ => {
                    return Err(Error::Content(format!(
                        "seriousness table: line {line}: not a CSV record"
                    )))
                }
            };
            if !header_seen {
                header_seen = true;
                let h: Vec<String> = rec.iter().map(|f| f.trim().to_lowercase()).collect();
                if h != ["category", "weight"] {
                    return Err(Error::Content(format!(
                        "seriousness table: line {line}: expected the header 'category,weight', got '{l}'"
                    )));
                }
                continue;
            }
            if rec.len() != 2 {
                return Err(Error::Content(format!(
                    "seriousness table: line {line}: expected 2 fields (category,weight), got {}",
                    rec.len()
                )));
            }
            let cat = rec[0].trim().to_lowercase();
            if cat.is_empty() {
                return Err(Error::Content(format!(
                    "seriousness table: line {line}: empty category"
                )));
            }
            let w: f64 = rec[1].trim().parse().map_err(|_| {
                Error::Content(format!(
                    "seriousness table: line {line}: weight '{}' is not a number",
                    rec[1].trim()
                ))
            })?;
            check_weight(w, &cat, line)?;
            if weights.insert(cat.clone(), w).is_some() {
                return Err(Error::Content(format!(
                    "seriousness table: line {line}: category '{cat}' appears twice"
                )));
            }
        }
        if weights.is_empty() {
            return Err(Error::Content(
                "seriousness table: no category,weight rows".into(),
            ));
        }
        Ok(Seriousness {
            weights,
            strict: false,
        })
    }

    /// Parses TOML text of `category = weight` pairs (top level, or under a
    /// `[weights]` table); errors name the line.
    pub fn parse_toml(text: &str) -> Result<Seriousness> {
        let v: toml::Table = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            Error::Content(format!(
                "seriousness table: line {line}, column {col}: {}",
                e.message()
            ))
        })?;
        let table = match v.get("weights") {
            Some(toml::Value::Table(t)) => t.clone(),
            _ => v,
        };
        let line_of = |key: &str| {
            text.lines()
                .position(|l| {
                    let l = l.trim_start().trim_start_matches('"');
                    l.starts_with(key)
                })
                .map_or(0, |p| p + 1)
        };
        let mut weights = BTreeMap::new();
        for (k, val) in &table {
            let line = line_of(k);
            let w = match val {
                toml::Value::Float(f) => *f,
                toml::Value::Integer(i) => *i as f64,
                other => {
                    return Err(Error::Content(format!(
                    "seriousness table: line {line}: weight of '{k}' must be a number, got {other}"
                )))
                }
            };
            check_weight(w, k, line)?;
            let key = k.trim().to_lowercase();
            if weights.insert(key.clone(), w).is_some() {
                return Err(Error::Content(format!(
                    "seriousness table: line {line}: category '{key}' appears twice (case-insensitive)"
                )));
            }
        }
        if weights.is_empty() {
            return Err(Error::Content(
                "seriousness table: no category = weight entries".into(),
            ));
        }
        Ok(Seriousness {
            weights,
            strict: false,
        })
    }

    /// Sets strict mode: unknown or missing categories are an error.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The weight of a category, `None` when it is not in the table.
    pub fn weight(&self, category: &str) -> Option<f64> {
        self.weights.get(&category.trim().to_lowercase()).copied()
    }

    /// Weight of each incident, with a report of unknown categories.
    ///
    /// # Errors
    /// [`Error::Degenerate`] in strict mode when a category is unknown or missing.
    pub fn incident_weights(&self, inc: &Incidents) -> Result<(Vec<f64>, SeriousnessReport)> {
        let mut rep = SeriousnessReport {
            weighted: true,
            ..Default::default()
        };
        let mut w = Vec::with_capacity(inc.len());
        for i in 0..inc.len() {
            match inc.category_name(i) {
                Some(c) => match self.weight(c) {
                    Some(x) => w.push(x),
                    None => {
                        *rep.unknown.entry(c.to_string()).or_insert(0) += 1;
                        w.push(1.0);
                    }
                },
                None => {
                    rep.no_category += 1;
                    w.push(1.0);
                }
            }
        }
        if self.strict && (!rep.unknown.is_empty() || rep.no_category > 0) {
            let list: Vec<String> = rep
                .unknown
                .iter()
                .map(|(k, n)| format!("'{k}' ({n})"))
                .collect();
            return Err(Error::degenerate(
                "seriousness (strict)",
                format!(
                    "categories not in the table: {}{}",
                    if list.is_empty() {
                        "none".to_string()
                    } else {
                        list.join(", ")
                    },
                    if rep.no_category > 0 {
                        format!("; {} incident(s) without a category", rep.no_category)
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        Ok((w, rep))
    }
}

/// How seriousness weights were applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriousnessReport {
    /// Whether a seriousness table was used (otherwise every incident weighs 1).
    pub weighted: bool,
    /// Incidents per category missing from the table (given weight 1).
    pub unknown: BTreeMap<String, usize>,
    /// Incidents without a category (given weight 1).
    pub no_category: usize,
}
