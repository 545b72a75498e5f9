//! The demo's public report: the disclosure-controlled outputs beside the internal ones.

use crate::demo::DemoCity;
use crate::error::Result;
use crate::export::Outputs;
use crate::hotspot::GiStarParams;
use crate::repeat::exact::ExactRepeatParams;
use crate::risk::SiteParams;
use crate::study::{self, IncidentInput, StudyLayer};

/// Spacing (m) along each street of the demo's synthetic address layer.
pub const DEMO_ADDRESS_SPACING_M: f64 = 15.0;
/// Setback (m) of the demo's synthetic houses from the street centre line.
pub const DEMO_ADDRESS_SETBACK_M: f64 = 8.0;

/// The public report (`public/`): the hot spot maps, street segments, the repeats
/// summary and the ranked sites, written for the public audience
/// ([`crate::disclosure::Disclosure::public`], k = 3) beside the internal outputs.
/// Points go to anonymous map points chosen among the street-segment midpoints, each
/// covering at least k houses of a synthetic address layer
/// ([`crate::disclosure::synthetic_addresses`]: one house every
/// [`DEMO_ADDRESS_SPACING_M`] on both sides of every street, seeded by the city's
/// seed); every file is scanned for the incidents' locations before the set is kept.
#[allow(clippy::too_many_arguments)]
pub(super) fn public_report(
    city: &DemoCity,
    input: &IncidentInput,
    streets: &StudyLayer,
    risk_input: &study::risk::RiskInput,
    layers: &[StudyLayer],
    fit: &study::risk::FitStudy,
    out: &mut Outputs,
) -> Result<String> {
    use crate::export::Export;
    use study::hotspots as hs;
    let working = city.streets.crs.working.clone();
    let addresses = crate::disclosure::synthetic_addresses(
        &city.streets,
        DEMO_ADDRESS_SPACING_M,
        DEMO_ADDRESS_SETBACK_M,
        city.truth.params.seed,
    )?;
    let anchors = crate::disclosure::segment_midpoints(&city.streets);
    let layer = crate::export::AddressLayer {
        points: addresses,
        crs: working.clone(),
        anchors: Some(anchors),
        source: format!(
            "the demo's synthetic address layer (a house every {DEMO_ADDRESS_SPACING_M} m on both sides of every street, {DEMO_ADDRESS_SETBACK_M} m back, seed {}; anchors: street-segment midpoints)",
            city.truth.params.seed
        ),
    };
    let policy = crate::disclosure::Disclosure::public();
    let mut p = out.public_section("public", &policy, Some(&layer))?;
    {
        let hin = hs::HotspotInput::new(input.clone());
        let mut s = p.section("hotspots");
        hs::grid(&hin, &hs::GridStudyParams::default())?.write(&mut s)?;
        hs::kde_study(&hin, None, &hs::KdeStudyParams::default())?.write(&mut s)?;
        let gp = hs::GiStarStudyParams {
            gistar: GiStarParams::new().permutations(99).seed(42).fdr(true),
            ..Default::default()
        };
        hs::gistar(&hin, &gp)?.write(&mut s)?;
    }
    study::segments::segments(input, streets, &Default::default())?
        .write(&mut p.section("segments"))?;
    let rp = study::repeats::RepeatStudyParams {
        repeats: ExactRepeatParams::default().address_column("address"),
        exact_locations: false,
        top: 0,
    };
    study::repeats::exact_repeats(input, &rp)?.write(&mut p.section("repeats"))?;
    let sites_input = study::sites::SitesInput {
        incidents: risk_input.incidents.clone(),
        model: fit.result.model.clone(),
        model_source: None,
        layers: layers.to_vec(),
        units: study::sites::UnitsInput::Cells,
        mapping: (crate::risk::CptedMapping::default_mapping(), None),
        seriousness: None,
        temporal: None,
    };
    study::sites::sites(&sites_input, &SiteParams::new().top(20))?
        .write(&mut p.section("sites"))?;
    let inc = &input.incidents;
    let lonlat = lonlat_of(&inc.xy, &inc.crs.working);
    let report = p.finish(&inc.xy, &lonlat, &inc.crs.working)?;
    Ok(format!(
        "public report (k = {}): {} cells suppressed (+{} complementary), {} features withheld, {} points moved (mean {:.0} m, max {:.0} m) to anonymous map points; every file scanned: no incident location, no count below k -> {}\n",
        report.k,
        report.cells_suppressed_primary,
        report.cells_suppressed_complementary,
        report.features_withheld,
        report.points_moved,
        report.mean_displacement_m.unwrap_or(0.0),
        report.max_displacement_m.unwrap_or(0.0),
        out.final_path("public").display()
    ))
}

/// `xy` in lon/lat (empty when `crs` is not georeferenced).
fn lonlat_of(xy: &[[f64; 2]], crs: &crate::crs::Crs) -> Vec<[f64; 2]> {
    if crs.is_geographic() {
        return xy.to_vec();
    }
    if !crs.is_georeferenced() {
        return Vec::new();
    }
    match crate::crs::Reprojector::new(crs, &crate::crs::WGS84) {
        Ok(r) => {
            let mut ll = xy.to_vec();
            r.apply_all(&mut ll);
            ll
        }
        Err(_) => Vec::new(),
    }
}
