//! The demo's repeat analyses (run when the city has burglaries): near repeats, exact
//! repeats, chains and Promap.

use super::demo_date;
use crate::error::Result;
use crate::export::Outputs;
use crate::repeat::chains::ChainParams;
use crate::repeat::exact::ExactRepeatParams;
use crate::repeat::knox::KnoxParams;
use crate::repeat::promap::PromapParams;
use crate::study::{self, IncidentInput};

/// The burglaries of the city (`None` when it has none: no repeat analysis runs).
pub(super) fn burglaries(input: &IncidentInput) -> Option<IncidentInput> {
    let inc = &input.incidents;
    let c = inc.categories.iter().position(|c| c == "burglary")?;
    Some(IncidentInput {
        incidents: inc.filter(|i| inc.category[i] == c as u32),
        report: None,
        source: input.source.clone(),
        time_zone: input.time_zone.clone(),
    })
}

/// Knox test on the burglaries.
pub(super) fn near_repeat(burg: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let p = study::repeats::NearRepeatParams {
        knox: KnoxParams::new(
            vec![0.0, 100.0, 200.0, 300.0, 400.0, f64::INFINITY],
            vec![0.0, 7.0, 14.0, 21.0, 28.0, f64::INFINITY],
        )
        .nrep(199)
        .seed(42),
        label: Some("burglary".into()),
        title: Some("demo city burglaries".into()),
    };
    let nr = study::repeats::near_repeat(burg, &p)?;
    out.section("near_repeat").write_result(&nr)?;
    Ok(format!("near repeats: {}\n", nr.result.summary("burglary")))
}

/// Exact repeats of all incidents by address.
pub(super) fn exact_repeats(input: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let rp = study::repeats::RepeatStudyParams {
        repeats: ExactRepeatParams::default().address_column("address"),
        exact_locations: false,
        top: 0,
    };
    let r = study::repeats::exact_repeats(input, &rp)?;
    out.section("repeats").write_result(&r)?;
    Ok(r.result.to_text())
}

/// Space-time chains of the burglaries.
pub(super) fn chains(burg: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let cp = study::repeats::ChainStudyParams {
        chains: ChainParams::new(100.0, 14.0).nrep(99).seed(42),
        top: 20,
        exact_locations: false,
    };
    let ch = study::repeats::chain_study(burg, &cp)?;
    out.section("chains").write_result(&ch)?;
    Ok(ch.result.to_text())
}

/// A promap of the burglaries on 2024-10-01.
pub(super) fn promap(burg: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let at = demo_date("2024-10-01")?;
    let pm = study::repeats::promap_study(burg, &PromapParams::new(at).cell(100.0))?;
    out.section("promap").write_result(&pm)?;
    Ok(pm.result.to_text())
}
