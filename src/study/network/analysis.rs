//! One network study chosen by its settings ([`analyse`]): network KDE, K, cross K or
//! the segment statistics, with one result type that writes itself.

use super::*;

/// A study on the street network and its settings ([`analyse`]).
#[derive(Debug, Clone)]
pub enum NetworkAnalysis {
    /// Network kernel density on lixels ([`kde`]).
    Kde(NkdeParams),
    /// The network K function of the incidents ([`k`] without facilities).
    K(KParams),
    /// The network cross K function of the incidents against facilities ([`k`]).
    CrossK(KParams),
    /// Gi* and/or Local Moran on street segments ([`segments`]; see
    /// [`segment_params`]).
    Segments(SegmentHotspotParams),
}

impl NetworkAnalysis {
    /// Whether the analysis needs a facility layer (the cross K function).
    pub fn needs_facilities(&self) -> bool {
        matches!(self, NetworkAnalysis::CrossK(_))
    }

    /// The files the result writes ([`NetworkKde::files`], [`NetworkK::files`],
    /// [`NetworkSegments::files`]; the segments' stem is `gistar` when Gi* runs).
    pub fn files(&self) -> Vec<String> {
        match self {
            NetworkAnalysis::Kde(_) => NetworkKde::files(),
            NetworkAnalysis::K(_) => NetworkK::files(false),
            NetworkAnalysis::CrossK(_) => NetworkK::files(true),
            NetworkAnalysis::Segments(p) => NetworkSegments::files(p.gistar.is_some()),
        }
    }

    /// The usual output folder: `network_kde`, `network_k`, `network_cross_k` or
    /// `network_segments`.
    pub fn default_dir(&self) -> &'static str {
        match self {
            NetworkAnalysis::Kde(_) => "network_kde",
            NetworkAnalysis::K(_) => "network_k",
            NetworkAnalysis::CrossK(_) => "network_cross_k",
            NetworkAnalysis::Segments(_) => "network_segments",
        }
    }

    /// What runs, in a few words (for a progress line).
    pub fn what(&self) -> String {
        match self {
            NetworkAnalysis::Kde(_) => "network KDE".into(),
            NetworkAnalysis::K(p) | NetworkAnalysis::CrossK(p) => {
                format!("network K: {} simulations", p.simulations)
            }
            NetworkAnalysis::Segments(_) => "segment hot spots".into(),
        }
    }
}

/// The result of [`analyse`].
#[derive(Debug, Clone)]
pub enum NetworkResult<'a> {
    /// Network kernel density.
    Kde(Box<NetworkKde<'a>>),
    /// Network K or cross K function.
    K(Box<NetworkK<'a>>),
    /// Segment statistics.
    Segments(Box<NetworkSegments<'a>>),
}

/// Runs the network study `a` on the incidents: [`kde`], [`k`] (with the facilities
/// for [`NetworkAnalysis::CrossK`]) or [`segments`].
///
/// # Errors
/// [`Error::MissingParam`] (`facilities`) for the cross K function without
/// facilities; [`Error::InvalidParam`] (`facilities`) for facilities given to another
/// analysis; as the study run.
pub fn analyse<'a>(
    input: &IncidentInput,
    net: &'a StudyNetwork,
    facilities: Option<&StudyLayer>,
    a: &NetworkAnalysis,
) -> Result<NetworkResult<'a>> {
    match (a, facilities) {
        (NetworkAnalysis::CrossK(_), None) => {
            return Err(Error::missing_param("facilities", "analysis", "cross-k"))
        }
        (NetworkAnalysis::CrossK(_), Some(_)) | (_, None) => {}
        (_, Some(f)) => {
            return Err(Error::invalid_param(
                "facilities",
                f.label(),
                "only the cross K function uses facilities",
            ))
        }
    }
    Ok(match a {
        NetworkAnalysis::Kde(p) => NetworkResult::Kde(Box::new(kde(input, net, p)?)),
        NetworkAnalysis::K(p) | NetworkAnalysis::CrossK(p) => {
            NetworkResult::K(Box::new(k(input, net, facilities, p)?))
        }
        NetworkAnalysis::Segments(p) => NetworkResult::Segments(Box::new(segments(input, net, p)?)),
    })
}

impl NetworkResult<'_> {
    fn export(&self) -> &dyn Export {
        match self {
            NetworkResult::Kde(r) => r.as_ref(),
            NetworkResult::K(r) => r.as_ref(),
            NetworkResult::Segments(r) => r.as_ref(),
        }
    }

    /// How the points were snapped to the network, in one line (the KDE adds its
    /// number of lixels).
    pub fn snap_text(&self) -> String {
        match self {
            NetworkResult::Kde(r) => r.snap_text(),
            NetworkResult::K(r) => r.snap_text(),
            NetworkResult::Segments(r) => r.snap_text(),
        }
    }

    /// The result for the terminal, ending with a line break (the K function's table,
    /// the other studies' summary).
    pub fn report(&self) -> String {
        match self {
            NetworkResult::Kde(r) => format!("{}\n", r.summary_text()),
            NetworkResult::K(r) => r.summary_text(),
            NetworkResult::Segments(r) => format!("{}\n", r.summary_text()),
        }
    }
}

impl Export for NetworkResult<'_> {
    fn summary(&self) -> Option<String> {
        self.export().summary()
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        self.export().write(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::fixture;
    use super::*;

    #[test]
    fn analyse_runs_each_analysis_with_its_files() {
        let (input, net) = fixture(vec![[50.0, 0.0], [150.0, 0.0], [250.0, 0.0]]);
        let kde_a = NetworkAnalysis::Kde(NkdeParams::new(50.0).lixel_length(10.0));
        let r = analyse(&input, &net, None, &kde_a).unwrap();
        assert_eq!(kde_a.files(), NetworkKde::files());
        assert_eq!(kde_a.default_dir(), "network_kde");
        assert!(r.snap_text().ends_with("; 30 lixels"), "{}", r.snap_text());
        assert!(r.report().starts_with("network KDE") && r.report().ends_with('\n'));
        assert_eq!(r.summary().map(|s| s + "\n"), Some(r.report()));

        let k_a = NetworkAnalysis::K(k_params(200.0, 3).unwrap().simulations(0));
        let r = analyse(&input, &net, None, &k_a).unwrap();
        assert!(matches!(r, NetworkResult::K(_)));
        assert_eq!(k_a.what(), "network K: 0 simulations");
        assert!(r.report().starts_with("network auto K function: 3 points"));
        assert!(r.snap_text().starts_with("3 of 3 incidents snapped"));

        let (input, net) = fixture(vec![[50.0, 0.0], [60.0, 0.0], [150.0, 0.0], [250.0, 99.0]]);
        let p = segment_params(SegmentHotspotParams::new(), true, 0, 1, false);
        let seg = NetworkAnalysis::Segments(p);
        assert_eq!(seg.files(), NetworkSegments::files(true));
        let r = analyse(&input, &net, None, &seg).unwrap();
        assert!(
            r.report().contains("3 segments, 2 with incidents"),
            "{}",
            r.report()
        );
        assert_eq!(
            r.snap_text(),
            "3 of 4 incidents snapped to the network within 30 m, 1 left out"
        );
    }

    #[test]
    fn analyse_cross_k_needs_facilities_and_only_it() {
        let (input, net) = fixture(vec![[50.0, 0.0], [150.0, 0.0]]);
        let p = k_params(200.0, 3).unwrap().simulations(0);
        let cross = NetworkAnalysis::CrossK(p.clone());
        assert!(cross.needs_facilities());
        assert_eq!(cross.default_dir(), "network_cross_k");
        assert_eq!(cross.files(), NetworkK::files(true));
        assert!(matches!(
            analyse(&input, &net, None, &cross),
            Err(Error::MissingParam {
                param: "facilities",
                ..
            })
        ));
        let fac = net.streets.clone();
        assert!(matches!(
            analyse(&input, &net, Some(&fac), &NetworkAnalysis::K(p)),
            Err(Error::InvalidParam {
                param: "facilities",
                ..
            })
        ));
        let r = analyse(&input, &net, Some(&fac), &cross).unwrap();
        assert!(
            r.report().starts_with("network cross K function"),
            "{}",
            r.report()
        );
    }
}
