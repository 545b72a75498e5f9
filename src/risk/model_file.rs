//! Fitted risk terrain models read back from files (`model.json` of `risk fit`),
//! checked before any number is computed from them.
//!
//! A model file is user-editable JSON: every value is checked (finite numbers in
//! range, a known family, θ > 0, a covariance of the right shape, a grid of a sane
//! size) and errors name the field and the value ([`Error::Invalid`]). The CRS the
//! model was fitted in (written beside the model by `risk fit`) is checked against
//! the data it is applied to ([`ModelFile::check_crs`]), and the grid against the
//! study area ([`coverage`]).

use std::path::Path;

use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::risk::rtm::RtmModel;

/// Largest absolute coefficient or intercept accepted in a model file: `e^50 ≈ 5e21`
/// is beyond any fitted relative risk, and sums of larger terms overflow the risk
/// surface (`e^710` is infinite).
pub const MAX_ABS_COEF: f64 = 50.0;

/// A number as shown in messages: plain when moderate, `1e308` style otherwise.
pub(crate) fn show(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A model file: the model and the CRS its grid is in (when the file says).
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// The model.
    pub model: RtmModel,
    /// The CRS of the model's grid (`crs` member written by `risk fit`).
    pub crs: Option<Crs>,
}

impl ModelFile {
    /// Checks that the data the model is applied to are in the model's CRS.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming both CRSs when they differ.
    pub fn check_crs(&self, data: &Crs, what: &str) -> Result<()> {
        match &self.crs {
            Some(c) if c != data => Err(Error::invalid(
                what,
                "crs",
                c,
                format!(
                    "the model was fitted in {c}, the data are in {data}: its grid would lie elsewhere; use a model fitted on these data (or project the data to {c})"
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Reads a model file (`path` names it in messages) and checks every value.
///
/// # Errors
/// [`Error::Format`] when the text is not a model; [`Error::Invalid`] naming the
/// field for an invalid value (see `check_model`).
pub fn read_model(bytes: &[u8], path: &Path) -> Result<ModelFile> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Error::format(path, format!("not JSON: {e}")))?;
    let crs = match v.get("crs") {
        Some(serde_json::Value::String(s)) => Some(Crs::parse(s).map_err(|e| {
            Error::invalid(
                format!("model file {}", path.display()),
                "crs",
                s,
                e.to_string(),
            )
        })?),
        _ => None,
    };
    let model: RtmModel = serde_json::from_value(v)
        .map_err(|e| Error::format(path, format!("not a crimescape model.json: {e}")))?;
    check_model(&model, &format!("model file {}", path.display()))?;
    Ok(ModelFile { model, crs })
}

/// Checks every value of a model; `what` names it in errors.
///
/// # Errors
/// [`Error::Invalid`] naming the field and the value: an unknown `family`, θ not a
/// positive number for the negative binomial, a coefficient or intercept that is not
/// finite or beyond ±[`MAX_ABS_COEF`], a negative or non-finite distance, a density
/// threshold that is not finite, an empty layer name, a covariance that is not
/// square of the model's size or holds non-finite values, a `risk_scale` that is not
/// positive, study-area runs outside the grid or out of order.
pub fn check_model(m: &RtmModel, what: &str) -> Result<()> {
    let bad = |field: String, value: &dyn std::fmt::Display, msg: &str| {
        Err(Error::invalid(what, field, value, msg))
    };
    match m.family.as_str() {
        "poisson" => {}
        "negative_binomial" => match m.theta {
            Some(t) if t.is_finite() && t > 0.0 => {}
            Some(t) => {
                return bad(
                    "theta".into(),
                    &show(t),
                    "the negative binomial θ must be a positive number",
                )
            }
            None => {
                return bad(
                    "theta".into(),
                    &"null",
                    "a negative binomial model needs its θ",
                )
            }
        },
        other => {
            return bad(
                "family".into(),
                &format!("{other:?}"),
                "unknown family: expected \"poisson\" or \"negative_binomial\"",
            )
        }
    }
    let coef_msg = format!("must be a finite number between -{MAX_ABS_COEF} and {MAX_ABS_COEF}");
    if !(m.intercept.is_finite() && m.intercept.abs() <= MAX_ABS_COEF) {
        return bad("intercept".into(), &show(m.intercept), &coef_msg);
    }
    for (k, f) in m.factors.iter().enumerate() {
        if !(f.coef.is_finite() && f.coef.abs() <= MAX_ABS_COEF) {
            return bad(format!("factors[{k}].coef"), &show(f.coef), &coef_msg);
        }
        let v = &f.variable;
        if v.layer.trim().is_empty() {
            return bad(
                format!("factors[{k}].variable.layer"),
                &"\"\"",
                "empty layer name",
            );
        }
        if !(v.distance.is_finite() && v.distance >= 0.0) {
            return bad(
                format!("factors[{k}].variable.distance"),
                &show(v.distance),
                "must be a distance >= 0 m",
            );
        }
        if !v.density_sd.is_finite() {
            return bad(
                format!("factors[{k}].variable.density_sd"),
                &show(v.density_sd),
                "must be a finite number of standard deviations",
            );
        }
    }
    let k = m.factors.len() + 1;
    if !m.cov.is_empty() {
        if m.cov.len() != k || m.cov.iter().any(|r| r.len() != k) {
            return bad(
                "cov".into(),
                &format!("{} rows", m.cov.len()),
                &format!("must be {k} x {k} (intercept, then each factor)"),
            );
        }
        for (i, r) in m.cov.iter().enumerate() {
            for (j, x) in r.iter().enumerate() {
                if !x.is_finite() || (i == j && *x < 0.0) {
                    return bad(
                        format!("cov[{i}][{j}]"),
                        &show(*x),
                        "must be finite (and >= 0 on the diagonal)",
                    );
                }
            }
        }
    }
    if !(m.risk_scale.is_finite() && m.risk_scale > 0.0) {
        return bad(
            "risk_scale".into(),
            &show(m.risk_scale),
            "must be a positive number",
        );
    }
    if let Some(runs) = &m.study {
        let mut end = 0;
        for (i, r) in runs.iter().enumerate() {
            if r[0] < end || r[0] >= r[1] || r[1] > m.grid.len() {
                return bad(
                    format!("study[{i}]"),
                    &format!("[{}, {}]", r[0], r[1]),
                    &format!(
                        "study-area runs must be increasing, non-empty and within the grid's {} cells",
                        m.grid.len()
                    ),
                );
            }
            end = r[1];
        }
    }
    Ok(())
}

/// How much of a study area a model's grid covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    /// Share of the study extent's area inside the model's grid, in [0, 1].
    pub share: f64,
}

/// The share of `extent` (`[minx, miny, maxx, maxy]`, in the model's CRS) that the
/// model's grid covers (a degenerate extent counts as covered when its point or
/// line lies on the grid).
pub fn coverage(m: &RtmModel, extent: [f64; 4]) -> Coverage {
    let g = m.grid.extent();
    let w = (extent[2].min(g[2]) - extent[0].max(g[0])).max(0.0);
    let h = (extent[3].min(g[3]) - extent[1].max(g[1])).max(0.0);
    let area = (extent[2] - extent[0]) * (extent[3] - extent[1]);
    let overlaps = extent[2] >= g[0] && extent[0] <= g[2] && extent[3] >= g[1] && extent[1] <= g[3];
    let share = if area > 0.0 {
        (w * h / area).clamp(0.0, 1.0)
    } else if overlaps {
        1.0
    } else {
        0.0
    };
    Coverage { share }
}

/// Checks that a model's grid covers a study extent: an error when it covers none
/// of it, a warning (returned) when it covers only part.
///
/// # Errors
/// [`Error::Degenerate`] naming both extents when they do not overlap.
pub fn check_coverage(m: &RtmModel, extent: [f64; 4], what: &str) -> Result<Option<String>> {
    let c = coverage(m, extent);
    let g = m.grid.extent();
    let show = |e: [f64; 4]| format!("x {:.0}..{:.0}, y {:.0}..{:.0}", e[0], e[2], e[1], e[3]);
    if c.share <= 0.0 {
        return Err(Error::degenerate(
            "risk model",
            format!(
                "{what}: the model's grid ({}) covers none of the study area ({}): it was fitted on another place or in another CRS",
                show(g),
                show(extent)
            ),
        ));
    }
    if c.share < 0.999 {
        return Ok(Some(format!(
            "{what}: the model's grid covers {:.0}% of the study area; risk outside it is not estimated",
            c.share * 100.0
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_json() -> serde_json::Value {
        serde_json::json!({
            "family": "negative_binomial", "theta": 2.5, "intercept": -1.0,
            "factors": [{"coef": 0.8, "variable": {"layer": "bars", "filter": null,
                "operationalisation": "proximity", "distance": 100.0, "density_sd": 2.0}}],
            "cov": [[0.01, 0.0], [0.0, 0.02]],
            "grid": {"x0": 0.0, "y0": 0.0, "cell": 50.0, "ncols": 10, "nrows": 10},
            "risk_scale": 1.0, "crs": "EPSG:32631"
        })
    }

    fn read(v: &serde_json::Value) -> Result<ModelFile> {
        read_model(&serde_json::to_vec(v).unwrap(), Path::new("m.json"))
    }

    #[test]
    fn read_model_accepts_a_fitted_model() {
        let m = read(&model_json()).unwrap();
        assert_eq!(m.crs, Some(Crs::Epsg { code: 32631 }));
        assert_eq!(m.model.grid.len(), 100);
        assert!(m.check_crs(&Crs::Epsg { code: 32631 }, "m").is_ok());
        let e = m.check_crs(&Crs::Epsg { code: 32616 }, "m").unwrap_err();
        assert!(e.to_string().contains("EPSG:32616"), "{e}");
    }

    #[test]
    fn read_model_rejects_bad_values_naming_the_field() {
        // (JSON pointer, value, field named in the error)
        let cases: Vec<(&str, serde_json::Value, &str)> = vec![
            (
                "/factors/0/coef",
                serde_json::json!(1e308),
                "factors[0].coef",
            ),
            ("/intercept", serde_json::json!(-1e300), "intercept"),
            ("/family", serde_json::json!("gamma"), "family"),
            ("/theta", serde_json::json!(0.0), "theta"),
            ("/theta", serde_json::json!(-1.0), "theta"),
            (
                "/factors/0/variable/distance",
                serde_json::json!(-50.0),
                "distance",
            ),
            ("/cov/0/0", serde_json::json!(-1.0), "cov[0][0]"),
            ("/risk_scale", serde_json::json!(0.0), "risk_scale"),
            ("/grid/cell", serde_json::json!(0.0), "cell size"),
            ("/grid/cell", serde_json::json!(-50.0), "cell size"),
            (
                "/grid/ncols",
                serde_json::json!(1_000_000_000u64),
                "grid cells",
            ),
        ];
        for (ptr, val, field) in cases {
            let mut v = model_json();
            *v.pointer_mut(ptr).unwrap() = val.clone();
            let e = read(&v).unwrap_err().to_string();
            assert!(e.contains(field), "{ptr} = {val}: {e}");
        }
        let mut v = model_json();
        v["cov"] = serde_json::json!([[1.0]]);
        assert!(read(&v).unwrap_err().to_string().contains("2 x 2"));
        let mut v = model_json();
        v["study"] = serde_json::json!([[5, 3]]);
        assert!(read(&v).unwrap_err().to_string().contains("study[0]"));
    }

    #[test]
    fn coverage_of_a_study_area() {
        let m = read(&model_json()).unwrap().model; // grid 0..500 x 0..500
        assert_eq!(coverage(&m, [0.0, 0.0, 500.0, 500.0]).share, 1.0);
        assert!((coverage(&m, [250.0, 0.0, 750.0, 500.0]).share - 0.5).abs() < 1e-12);
        assert!(check_coverage(&m, [1e6, 1e6, 1e6 + 10.0, 1e6 + 10.0], "m").is_err());
        assert!(check_coverage(&m, [250.0, 0.0, 750.0, 500.0], "m")
            .unwrap()
            .unwrap()
            .contains("50%"));
        assert_eq!(
            check_coverage(&m, [10.0, 10.0, 20.0, 20.0], "m").unwrap(),
            None
        );
    }
}
