//! One call for a point-pattern study: a [`PatternAnalysis`] (which statistic, with its
//! settings) run by [`analyse`] on a [`PatternInput`] gives a [`PatternResult`] that
//! writes itself.

use super::{k, nni, NniStudy, PatternInput, RipleyStudy};
use crate::error::{Error, Result};
use crate::export::{Export, Outputs};
use crate::pattern::{NniParams, RipleyParams};
use crate::study::hotspots::ExtentChoice;

/// A point-pattern analysis and its settings.
///
/// ```
/// use crimescape::study::pattern::PatternAnalysis;
/// use crimescape::RipleyParams;
///
/// let a = PatternAnalysis::CrossK(RipleyParams::new().max_distance(500.0));
/// assert!(a.needs_layer());
/// assert_eq!(a.files()[0], "cross_k.csv");
/// ```
#[derive(Debug, Clone)]
pub enum PatternAnalysis {
    /// The nearest neighbour index ([`nni`]).
    Nni(NniParams),
    /// Ripley's K function of the incidents ([`k`] without a second layer).
    K(RipleyParams),
    /// The cross K function of the incidents against [`PatternInput::layer`] ([`k`]).
    CrossK(RipleyParams),
}

impl PatternAnalysis {
    /// Whether the analysis needs a second layer (the cross K function).
    pub fn needs_layer(&self) -> bool {
        matches!(self, PatternAnalysis::CrossK(_))
    }

    /// The files the result writes ([`NniStudy::files`], [`RipleyStudy::files`]).
    pub fn files(&self) -> Vec<String> {
        match self {
            PatternAnalysis::Nni(_) => NniStudy::files(),
            PatternAnalysis::K(_) => RipleyStudy::files(false),
            PatternAnalysis::CrossK(_) => RipleyStudy::files(true),
        }
    }

    /// What runs, in a few words (for a progress line): `NNI` or `K function`.
    pub fn what(&self) -> &'static str {
        match self {
            PatternAnalysis::Nni(_) => "NNI",
            PatternAnalysis::K(_) | PatternAnalysis::CrossK(_) => "K function",
        }
    }
}

/// The result of [`analyse`].
#[derive(Debug, Clone)]
pub enum PatternResult {
    /// The nearest neighbour index.
    Nni(Box<NniStudy>),
    /// Ripley's K or the cross K function.
    K(Box<RipleyStudy>),
}

/// Runs the point-pattern analysis `a` on the incidents in their study area (the
/// boundary, else the points' `extent`): [`nni`], or [`k`] (with
/// [`PatternInput::layer`] for [`PatternAnalysis::CrossK`]).
///
/// # Errors
/// [`Error::MissingParam`] (`layer`) for the cross K function without a second layer;
/// [`Error::InvalidParam`] (`layer`) for a second layer given to another analysis; as
/// [`nni`] and [`k`].
pub fn analyse(
    input: &PatternInput,
    extent: ExtentChoice,
    a: &PatternAnalysis,
) -> Result<PatternResult> {
    match (a, &input.layer) {
        (PatternAnalysis::CrossK(_), None) => {
            return Err(Error::missing_param("layer", "analysis", "cross-k"))
        }
        (PatternAnalysis::CrossK(_), Some(_)) | (_, None) => {}
        (_, Some((l, _))) => {
            return Err(Error::invalid_param(
                "layer",
                l.label(),
                "only the cross K function uses a second layer",
            ))
        }
    }
    Ok(match a {
        PatternAnalysis::Nni(p) => PatternResult::Nni(Box::new(nni(input, &extent, p)?)),
        PatternAnalysis::K(p) | PatternAnalysis::CrossK(p) => {
            let other = input.layer.as_ref().map(|(l, n)| (l, n.as_str()));
            PatternResult::K(Box::new(k(input, &extent, other, p)?))
        }
    })
}

impl PatternResult {
    fn export(&self) -> &dyn Export {
        match self {
            PatternResult::Nni(r) => r.as_ref(),
            PatternResult::K(r) => r.as_ref(),
        }
    }

    /// The result for the terminal ([`NniStudy::summary_text`],
    /// [`RipleyStudy::summary_text`]).
    pub fn summary_text(&self) -> String {
        match self {
            PatternResult::Nni(r) => r.summary_text(),
            PatternResult::K(r) => r.summary_text(),
        }
    }
}

impl Export for PatternResult {
    fn summary(&self) -> Option<String> {
        self.export().summary()
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        self.export().write(out)
    }
}

#[cfg(test)]
mod tests;
