//! Cost-benefit of an intervention from user-supplied costs (no built-in money figures).
//!
//! # The cost file (TOML)
//! ```toml
//! currency = "EUR"              # a label only
//! intervention_cost = 50000     # cost of the intervention in each area
//! include_buffer = true         # count buffer displacement/diffusion (default true)
//!
//! [offence_costs]               # cost of one offence, by category
//! burglary = 3000
//! theft = 800
//! default = 500                 # any other category (optional)
//!
//! [area_costs]                  # optional per-area intervention costs
//! "Main Street" = 30000
//! ```

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::stats::{normal_cdf, Estimate};
use super::PrePost;
use crate::error::{Error, Result};

/// User-supplied costs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostSpec {
    /// Currency label used in outputs.
    #[serde(default)]
    pub currency: Option<String>,
    /// Cost of the intervention in each area (unless given in `area_costs`).
    #[serde(default)]
    pub intervention_cost: Option<f64>,
    /// Per-area intervention costs, by area name.
    #[serde(default)]
    pub area_costs: BTreeMap<String, f64>,
    /// Cost of one offence by category; the key `default` covers other categories.
    #[serde(default)]
    pub offence_costs: BTreeMap<String, f64>,
    /// Whether buffer changes count (total net effect) or only the treatment area.
    #[serde(default = "yes")]
    pub include_buffer: bool,
}

fn yes() -> bool {
    true
}

impl CostSpec {
    /// Parses and checks a cost file's text.
    pub fn from_toml_str(text: &str) -> Result<CostSpec> {
        let s: CostSpec =
            toml::from_str(text).map_err(|e| Error::Content(format!("cost file: {e}")))?;
        s.check()?;
        Ok(s)
    }

    /// Reads and checks a cost file.
    pub fn load(path: &Path) -> Result<CostSpec> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let s: CostSpec = toml::from_str(&text).map_err(|e| Error::format(path, e.to_string()))?;
        s.check().map_err(|e| Error::format(path, e.to_string()))?;
        Ok(s)
    }

    fn check(&self) -> Result<()> {
        let bad = |what: &str, v: f64| {
            Error::Content(format!(
                "cost file: {what} = {v} must be a finite amount >= 0"
            ))
        };
        if let Some(c) = self.intervention_cost {
            if !(c.is_finite() && c >= 0.0) {
                return Err(bad("intervention_cost", c));
            }
        }
        for (k, v) in self.area_costs.iter().chain(&self.offence_costs) {
            if !(v.is_finite() && *v >= 0.0) {
                return Err(bad(k, *v));
            }
        }
        if self.offence_costs.is_empty() {
            return Err(Error::Content(
                "cost file: [offence_costs] is empty: give the cost of one offence per category (or `default`)".into(),
            ));
        }
        Ok(())
    }

    /// The intervention cost of an area.
    pub fn area_cost(&self, area: &str) -> Result<f64> {
        self.area_costs
            .get(area)
            .copied()
            .or(self.intervention_cost)
            .ok_or_else(|| {
                Error::Content(format!(
                    "cost file: no intervention cost for area '{area}' (set intervention_cost or [area_costs])"
                ))
            })
    }

    /// Cost of one offence of a category (case-insensitive, then `default`).
    pub fn offence_cost(&self, category: &str) -> Option<f64> {
        self.offence_costs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(category))
            .or_else(|| {
                self.offence_costs
                    .iter()
                    .find(|(k, _)| k.as_str() == "default")
            })
            .map(|(_, v)| *v)
    }
}

/// Pre/post counts of one offence category in an area's treatment zone and buffer.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryCounts {
    /// Category (`(none)` for incidents without one).
    pub category: String,
    /// Treatment area counts.
    pub treatment: PrePost,
    /// Buffer counts.
    pub buffer: PrePost,
}

/// One category's line of a cost-benefit account.
#[derive(Debug, Clone, Serialize)]
pub struct CostLine {
    /// Category.
    pub category: String,
    /// Incidents prevented (expected from the control's change − observed).
    pub prevented: f64,
    /// Cost of one offence.
    pub unit_cost: f64,
    /// prevented × unit cost.
    pub benefit: f64,
}

/// Cost-benefit of one area.
#[derive(Debug, Clone, Serialize)]
pub struct CostBenefit {
    /// Currency label.
    pub currency: String,
    /// Intervention cost.
    pub intervention_cost: f64,
    /// Whether buffer changes were counted.
    pub include_buffer: bool,
    /// Per-category lines.
    pub lines: Vec<CostLine>,
    /// Benefit = Σ prevented × unit cost, with its interval.
    pub benefit: Estimate,
    /// Net benefit = benefit − cost.
    pub net_benefit: Estimate,
    /// Benefit-cost ratio = benefit / cost (`None` when the cost is 0).
    pub benefit_cost_ratio: Option<Estimate>,
    /// Plain-language reading.
    pub reading: String,
}

/// Cost-benefit account of an area.
///
/// With `s = c1/c0` (the control's change), the incidents prevented in category
/// `k` are `s·(t0ₖ + b0ₖ) − t1ₖ − b1ₖ` (buffer terms only with `include_buffer`),
/// the benefit `B = Σₖ wₖ·preventedₖ` with unit costs `wₖ`, and by the delta method
/// `Var B = φ·[Σₖ wₖ²(s²(t0ₖ + b0ₖ) + t1ₖ + b1ₖ) + (Σₖ wₖ(t0ₖ + b0ₖ))²·s²·(1/c0 + 1/c1)]`
/// (the control ratio is shared by every category). The interval of `B` is carried
/// to the net benefit (`B − cost`) and the benefit-cost ratio (`B / cost`).
/// Benefits cover the post period only.
///
/// # Errors
/// [`Error::Content`] when a category present in the area has no cost and there is
/// no `default`; [`Error::Degenerate`] when the control has no incidents in a period.
pub fn cost_benefit(
    area: &str,
    cats: &[CategoryCounts],
    control: PrePost,
    spec: &CostSpec,
    phi: f64,
    z: f64,
) -> Result<CostBenefit> {
    if !(control.pre > 0.0 && control.post > 0.0) {
        return Err(Error::degenerate(
            "cost-benefit",
            format!("area '{area}': the control has no incidents in one period"),
        ));
    }
    let cost = spec.area_cost(area)?;
    let missing: Vec<&str> = cats
        .iter()
        .filter(|c| spec.offence_cost(&c.category).is_none())
        .map(|c| c.category.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Content(format!(
            "cost file: no cost for categories {} (add them to [offence_costs] or set `default`)",
            missing.join(", ")
        )));
    }
    let s = control.post / control.pre;
    let inc = if spec.include_buffer { 1.0 } else { 0.0 };
    let mut lines = Vec::new();
    let (mut b, mut v_indep, mut lin) = (0.0, 0.0, 0.0);
    for c in cats {
        let w = spec.offence_cost(&c.category).unwrap_or(0.0);
        let before = c.treatment.pre + inc * c.buffer.pre;
        let after = c.treatment.post + inc * c.buffer.post;
        let prevented = s * before - after;
        b += w * prevented;
        v_indep += w * w * (s * s * before + after);
        lin += w * before;
        lines.push(CostLine {
            category: c.category.clone(),
            prevented,
            unit_cost: w,
            benefit: w * prevented,
        });
    }
    let var = phi * (v_indep + lin * lin * s * s * (1.0 / control.pre + 1.0 / control.post));
    let se = var.sqrt();
    let p = |est: f64| {
        if se > 0.0 {
            (2.0 * (1.0 - normal_cdf((est / se).abs()))).clamp(0.0, 1.0)
        } else {
            f64::NAN
        }
    };
    let benefit = Estimate {
        estimate: b,
        lower: b - z * se,
        upper: b + z * se,
        se,
        p_value: p(b),
    };
    let net_benefit = Estimate {
        estimate: b - cost,
        lower: benefit.lower - cost,
        upper: benefit.upper - cost,
        se,
        p_value: p(b - cost),
    };
    let benefit_cost_ratio = (cost > 0.0).then(|| Estimate {
        estimate: b / cost,
        lower: benefit.lower / cost,
        upper: benefit.upper / cost,
        se: se / cost,
        p_value: p(b - cost),
    });
    let cur = spec.currency.clone().unwrap_or_default();
    let money = |v: f64| format!("{v:.0} {cur}").trim_end().to_string();
    let reading = match &benefit_cost_ratio {
        Some(r) => {
            let verdict = match r.side_of(1.0) {
                Ordering::Greater => "the benefits exceed the cost even at the lower confidence limit",
                Ordering::Less => "the cost exceeds the benefits even at the upper confidence limit",
                Ordering::Equal => "the interval includes break-even (ratio 1), so the data cannot say whether it paid off",
            };
            format!(
                "Benefit {} ({} to {}) against a cost of {}: benefit-cost ratio {:.2} ({:.2} to {:.2}); {verdict}. Benefits count the post period only{}.",
                money(b),
                money(benefit.lower),
                money(benefit.upper),
                money(cost),
                r.estimate,
                r.lower,
                r.upper,
                if spec.include_buffer { ", including the buffer" } else { ", treatment area only" }
            )
        }
        None => format!(
            "Benefit {} ({} to {}) at no intervention cost.",
            money(b),
            money(benefit.lower),
            money(benefit.upper)
        ),
    };
    Ok(CostBenefit {
        currency: cur,
        intervention_cost: cost,
        include_buffer: spec.include_buffer,
        lines,
        benefit,
        net_benefit,
        benefit_cost_ratio,
        reading,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn pp(pre: f64, post: f64) -> PrePost {
        PrePost { pre, post }
    }

    #[test]
    fn cost_benefit_hand_computed() {
        let spec = CostSpec::from_toml_str(
            "currency = \"EUR\"\nintervention_cost = 1000\n[offence_costs]\nburglary = 100\ndefault = 10\n",
        )
        .unwrap();
        let cats = vec![
            CategoryCounts {
                category: "burglary".into(),
                treatment: pp(40.0, 20.0),
                buffer: pp(10.0, 12.0),
            },
            CategoryCounts {
                category: "theft".into(),
                treatment: pp(60.0, 40.0),
                buffer: pp(40.0, 48.0),
            },
        ];
        // s = 0.9; burglary: 0.9·50 − 32 = 13; theft: 0.9·100 − 88 = 2
        let cb = cost_benefit("a", &cats, pp(200.0, 180.0), &spec, 1.0, 1.96).unwrap();
        assert_relative_eq!(cb.lines[0].prevented, 13.0, epsilon = 1e-12);
        assert_relative_eq!(cb.lines[1].prevented, 2.0, epsilon = 1e-12);
        assert_relative_eq!(cb.benefit.estimate, 1320.0, epsilon = 1e-9);
        assert_relative_eq!(cb.net_benefit.estimate, 320.0, epsilon = 1e-9);
        let r = cb.benefit_cost_ratio.unwrap();
        assert_relative_eq!(r.estimate, 1.32, epsilon = 1e-12);
        // Var = 100²(0.81·50 + 32) + 10²(0.81·100 + 88) + (100·50 + 10·100)²·0.81·(1/200 + 1/180)
        let v =
            1e4 * (40.5 + 32.0) + 100.0 * (81.0 + 88.0) + 36e6 * 0.81 * (1.0 / 200.0 + 1.0 / 180.0);
        assert_relative_eq!(cb.benefit.se, f64::sqrt(v), epsilon = 1e-9);
        assert_relative_eq!(r.lower, cb.benefit.lower / 1000.0, epsilon = 1e-12);
        assert_relative_eq!(
            cb.net_benefit.upper,
            cb.benefit.upper - 1000.0,
            epsilon = 1e-9
        );
    }

    #[test]
    fn cost_file_errors_are_clear() {
        assert!(
            CostSpec::from_toml_str("intervention_cost = -5\n[offence_costs]\na = 1\n")
                .unwrap_err()
                .to_string()
                .contains(">= 0")
        );
        assert!(CostSpec::from_toml_str("intervention_cost = 5\n")
            .unwrap_err()
            .to_string()
            .contains("offence_costs"));
        assert!(
            CostSpec::from_toml_str("intervention_cots = 5\n[offence_costs]\na = 1\n").is_err()
        );
        let spec =
            CostSpec::from_toml_str("intervention_cost = 5\n[offence_costs]\nburglary = 1\n")
                .unwrap();
        let cats = vec![CategoryCounts {
            category: "theft".into(),
            treatment: pp(1.0, 1.0),
            buffer: pp(0.0, 0.0),
        }];
        let e = cost_benefit("a", &cats, pp(5.0, 5.0), &spec, 1.0, 1.96).unwrap_err();
        assert!(e.to_string().contains("theft"), "{e}");
    }
}
