//! Writing an [`Assessment`]: Markdown and HTML summaries, GeoJSON of the
//! changes, PNG maps of reachability and risk change.
//!
//! One file per output: [`to_markdown`] (and the texts the study's tables share),
//! [`to_html`], [`changes`] (GeoJSON) and the maps and plots.

mod changes;
mod html;
mod maps;
mod markdown;

pub use changes::changes;
pub use html::{to_html, to_html_with_maps, MapFile, ProposalMaps};
pub use maps::{proposal_map, reach_map, risk_level_map, risk_map, tradeoff_plot};
pub use markdown::{hours_weighted_text, prevented_text, to_markdown};

use super::assess::Assessment;
use crate::error::{Error, Result};

/// The assessment's walking network (kept by [`assess`](crate::assess)).
fn network_of(a: &Assessment) -> Result<&crate::access::network::Network> {
    a.net.as_ref().ok_or_else(|| Error::MissingInput {
        what: vec!["the walking network of the assessment".into()],
    })
}
