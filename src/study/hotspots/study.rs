//! What the hot spot studies on analysis cells share: [`HotspotStudy`].

use super::*;

/// A hot spot study on analysis cells — grid counts ([`GridStudy`]), Gi*
/// ([`GiStarStudy`]), Local Moran ([`MoranStudy`]), change ([`ChangeStudy`]),
/// classification ([`ClassifyStudy`]), emerging hot spots ([`EmergingStudy`]) and the
/// briefing map ([`HotspotMap`]): its settings, the files it writes, how it runs on a
/// [`HotspotInput`], and its cells. A front end plans, runs and reports each of them
/// the same way.
///
/// # Examples
/// ```
/// use crimescape::{generate_demo as generate, DemoParams};
/// use crimescape::study::{hotspots, IncidentInput};
/// use crimescape::study::hotspots::HotspotStudy;
///
/// fn count<S: HotspotStudy>(input: &hotspots::HotspotInput, p: &S::Params) -> usize {
///     S::study(input, p).map_or(0, |r| r.cells().n_incidents)
/// }
///
/// let city = generate(&DemoParams::new(1).incidents(500).size(2000.0))?;
/// let input = hotspots::HotspotInput::new(IncidentInput::in_memory(city.incidents));
/// let p = hotspots::GridStudyParams::default();
/// assert_eq!(count::<hotspots::GridStudy>(&input, &p), 500);
/// assert!(hotspots::GridStudy::file_names(&p).contains(&"counts.csv".to_string()));
/// # Ok::<(), crimescape::Error>(())
/// ```
pub trait HotspotStudy: Export + Sized {
    /// The settings.
    type Params;

    /// The files the study writes, to plan an output set before the input is read.
    fn file_names(p: &Self::Params) -> Vec<String>;

    /// Runs the study on `input`.
    fn study(input: &HotspotInput, p: &Self::Params) -> Result<Self>;

    /// The analysis cells.
    fn cells(&self) -> &AnalysisCells;

    /// A note for the reader on how the incidents' times were used (the studies over
    /// periods), if any.
    fn note(&self) -> Option<String> {
        None
    }
}

/// Implements [`HotspotStudy`] for a study with an inherent `files(&Params)`, a
/// `cells` field, and the function running it.
macro_rules! hotspot_study {
    ($study:ty, $params:ty, $run:path) => {
        impl HotspotStudy for $study {
            type Params = $params;
            fn file_names(p: &$params) -> Vec<String> {
                <$study>::files(p)
            }
            fn study(input: &HotspotInput, p: &$params) -> Result<Self> {
                $run(input, p)
            }
            fn cells(&self) -> &AnalysisCells {
                &self.cells
            }
        }
    };
}

hotspot_study!(GridStudy, GridStudyParams, grid);
hotspot_study!(GiStarStudy, GiStarStudyParams, gistar);
hotspot_study!(MoranStudy, MoranStudyParams, moran);
hotspot_study!(ChangeStudy, ChangeStudyParams, change);

impl HotspotStudy for HotspotMap {
    type Params = HotspotMapParams;
    fn file_names(_p: &HotspotMapParams) -> Vec<String> {
        HotspotMap::files()
    }
    fn study(input: &HotspotInput, p: &HotspotMapParams) -> Result<Self> {
        hotspot_map(input, p)
    }
    fn cells(&self) -> &AnalysisCells {
        &self.study.cells
    }
}

impl HotspotStudy for ClassifyStudy {
    type Params = PeriodStudyParams;
    fn file_names(p: &PeriodStudyParams) -> Vec<String> {
        ClassifyStudy::files(p)
    }
    fn study(input: &HotspotInput, p: &PeriodStudyParams) -> Result<Self> {
        classify(input, p)
    }
    fn cells(&self) -> &AnalysisCells {
        &self.cells
    }
    fn note(&self) -> Option<String> {
        self.result.time_use.note("hot spot classification")
    }
}

impl HotspotStudy for EmergingStudy {
    type Params = PeriodStudyParams;
    fn file_names(p: &PeriodStudyParams) -> Vec<String> {
        EmergingStudy::files(p)
    }
    fn study(input: &HotspotInput, p: &PeriodStudyParams) -> Result<Self> {
        emerging(input, p)
    }
    fn cells(&self) -> &AnalysisCells {
        &self.cells
    }
    fn note(&self) -> Option<String> {
        self.result.time_use.note("emerging hot spots")
    }
}
