//! Validity of a risk terrain model: fitted on a training period (or file), scored on
//! the test period next to counts, KDE, Gi* and promap.

use serde::Serialize;
use serde_json::{json, Value};

use super::RiskInput;
use crate::accuracy::AccuracyRow;
use crate::error::{Error, Result};
use crate::export::{Export, Figure, Outputs, Provenance};
use crate::grid::Grid;
use crate::render::{PlotOptions, Series};
use crate::risk::{validate_rtm, validate_rtm_samples, RtmParams, RtmValidation, ValidateParams};
use crate::study::IncidentInput;

/// Settings of [`validate`].
#[derive(Debug, Clone, Serialize)]
pub struct ValidateStudyParams {
    /// Model settings, split and KDE bandwidth of the comparison.
    pub validate: ValidateParams,
    /// Cell size in metres (the CLI's default is half a block).
    pub cell: f64,
}

impl ValidateStudyParams {
    /// Settings around the model settings `rtm`, with cells of `cell` metres and no
    /// time split (set one with [`ValidateStudyParams::split`], or give test incidents).
    pub fn new(rtm: RtmParams, cell: f64) -> Self {
        ValidateStudyParams {
            validate: ValidateParams::new(rtm),
            cell,
        }
    }

    /// Sets the quartic KDE bandwidth of the comparison (m) [default: 3 cells].
    pub fn kde_bandwidth(mut self, h: Option<f64>) -> Self {
        self.validate = self.validate.kde_bandwidth(h);
        self
    }

    /// Sets the time split when `until` is given: training `[from, until)`, test
    /// `[until, test_until)`; without `until`, `from` and `test_until` are ignored and
    /// [`validate`] needs test incidents.
    ///
    /// ```
    /// use crimescape::study::risk::ValidateStudyParams;
    /// use crimescape::RtmParams;
    ///
    /// let p = ValidateStudyParams::new(RtmParams::new(100.0), 50.0).split(None, Some(86_400), None);
    /// assert_eq!(p.validate.train_until, Some(86_400));
    /// ```
    pub fn split(mut self, from: Option<i64>, until: Option<i64>, test_until: Option<i64>) -> Self {
        if let Some(u) = until {
            self.validate = self.validate.split(from, u, test_until);
        }
        self
    }

    /// Sets the time split from dates as text (`YYYY-MM-DD`, or a date-time:
    /// [`parse_date_setting`](crate::study::settings::parse_date_setting)), as
    /// [`ValidateStudyParams::split`] does from local seconds: training
    /// `[train_from, train_until)`, test `[train_until, test_until)`.
    ///
    /// ```
    /// use crimescape::study::risk::ValidateStudyParams;
    /// use crimescape::RtmParams;
    ///
    /// let p = ValidateStudyParams::new(RtmParams::new(100.0), 50.0)
    ///     .split_dates(None, Some("1970-01-02"), None)?;
    /// assert_eq!(p.validate.train_until, Some(86_400));
    /// # Ok::<(), crimescape::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParam`] on `train_until`, `train_from` or `test_until` (checked in
    /// that order) for a text that is not a date.
    pub fn split_dates(
        self,
        train_from: Option<&str>,
        train_until: Option<&str>,
        test_until: Option<&str>,
    ) -> Result<Self> {
        let day = |param, s: Option<&str>| {
            s.map(|s| crate::study::settings::parse_date_setting(param, s))
                .transpose()
        };
        let until = day("train_until", train_until)?;
        let from = day("train_from", train_from)?;
        let test_until = day("test_until", test_until)?;
        Ok(self.split(from, until, test_until))
    }
}

/// Validity of a risk terrain model: `validation.json`, `validation.csv`,
/// `hit_rate.png`, `pai.png`.
#[derive(Debug, Clone)]
pub struct ValidateStudy {
    /// The validation.
    pub result: RtmValidation,
    /// The split as written.
    pub split: Value,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Fits the model on the training incidents (before `train_until`, or all of them when
/// `test` incidents are given) and scores its top-risk cells on the test incidents
/// next to counts, KDE, Gi* and promap of the same training incidents.
pub fn validate(
    input: &RiskInput,
    test: Option<&IncidentInput>,
    p: &ValidateStudyParams,
) -> Result<ValidateStudy> {
    let inc = &input.incidents.incidents;
    let vp = &p.validate;
    let cell = p.cell;
    if let Some(t) = test {
        if t.incidents.crs.working != inc.crs.working {
            return Err(Error::invalid(
                "test incidents",
                "working CRS",
                &t.incidents.crs.working,
                format!("differs from the training incidents' {}", inc.crs.working),
            ));
        }
    }
    let bbox = crate::layer::bbox_of(
        inc.xy
            .iter()
            .chain(test.iter().flat_map(|t| t.incidents.xy.iter()))
            .copied(),
    )
    .ok_or_else(|| Error::EmptyInput {
        input: "incidents".into(),
        reason: "no incident to validate on".into(),
    })?;
    let grid = Grid::covering(bbox, cell)?;
    let study = input.mask(&grid);
    let layers = input.layer_inputs();
    let (result, split) = match (test, vp.train_until) {
        (Some(t), _) => (
            validate_rtm_samples(
                &inc.xy,
                &t.incidents.xy,
                &grid,
                study.as_deref(),
                &layers,
                vp,
            )?,
            json!({"train": input.incidents.source.as_ref().map(|s| &s.path), "test": t.source.as_ref().map(|s| &s.path)}),
        ),
        (None, Some(u)) => (
            validate_rtm(inc, &grid, study.as_deref(), &layers, vp)?,
            crate::study::accuracy::split_json(vp.train_from, u, vp.test_until),
        ),
        (None, None) => {
            return Err(Error::MissingInput {
                what: vec![
                    "a split date, the end of training (`train_until`), or test incidents".into(),
                ],
            })
        }
    };
    let mut inputs = input.incidents.inputs();
    if test.is_some() {
        for i in &mut inputs {
            i.role = "training incidents".into();
        }
    }
    inputs.extend(test.iter().flat_map(|t| {
        t.inputs().into_iter().map(|mut s| {
            s.role = "test incidents".into();
            s
        })
    }));
    inputs.extend(input.layer_records());
    let provenance = Provenance::new(json!({
        "layers": input.names(), "cell_m": cell, "rtm": vp.rtm,
        "train_from": vp.train_from.map(crate::study::accuracy::instant),
        "train_until": vp.train_until.map(crate::study::accuracy::instant),
        "test_until": vp.test_until.map(crate::study::accuracy::instant),
        "kde_bandwidth_m": vp.kde_bandwidth,
    }))
    .with_inputs(inputs)
    .with_seed(vp.rtm.seed)
    .with_crs(&inc.crs);
    Ok(ValidateStudy {
        result,
        split,
        provenance,
    })
}

/// The training model and the table method × area share as text.
pub fn validation_table(v: &RtmValidation, fracs: &[f64]) -> String {
    let mut s = format!(
        "training model: {} factor(s) [{}], family {}, {} risk level(s), {} of {} cells at the lowest risk\n",
        v.factors.len(),
        v.factors
            .iter()
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        v.family,
        v.risk_levels,
        v.baseline_cells,
        v.study_cells
    );
    s.push_str(&format!(
        "{} training / {} test incidents in {} cells ({} m); KDE bandwidth {} m\n",
        v.n_train, v.n_test, v.study_cells, v.grid.cell, v.kde_bandwidth_m
    ));
    s.push_str(&crate::study::accuracy::accuracy_text(
        &v.methods, &v.skipped, fracs, 16,
    ));
    s
}

impl ValidateStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "validation.json",
            "validation.csv",
            "hit_rate.png",
            "pai.png",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The table at 1, 5, 10 and 20 % of the area.
    pub fn summary_text(&self) -> String {
        validation_table(&self.result, &[0.01, 0.05, 0.10, 0.20])
    }
}

impl Export for ValidateStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let v = &self.result;
        out.provenance(self.provenance.clone());
        let doc = json!({
            "definitions": crate::accuracy::definitions_json(),
            "tie_rule": v.tie_rule,
            "split": self.split,
            "validation": v,
        });
        out.json("validation.json", &doc)?;
        out.table(
            "validation.csv",
            &crate::study::accuracy::accuracy_table(&v.methods),
        )?;
        type Metric = fn(&AccuracyRow) -> f64;
        let plots: [(&str, &str, Metric); 2] = [
            ("hit_rate.png", "hit rate", |r| r.hit_rate),
            ("pai.png", "PAI", |r| r.pai),
        ];
        for (file, label, metric) in plots {
            let series: Vec<Series> = v
                .methods
                .iter()
                .map(|m| Series {
                    label: m.name.clone(),
                    points: m
                        .rows
                        .iter()
                        .map(|r| (100.0 * r.area_frac, metric(r)))
                        .collect(),
                    markers: m.name.starts_with("rtm"),
                })
                .collect();
            let options = PlotOptions {
                title: vec![
                    format!("RTM validity: {label} on the test period"),
                    format!(
                        "surfaces from the training period; {} cells of {} m; see validation.json",
                        v.study_cells, v.grid.cell
                    ),
                ],
                x_label: "area flagged (%)".into(),
                y_label: label.into(),
                ..Default::default()
            };
            out.figure(file, &Figure::line_plot(series, options))?;
        }
        Ok(())
    }
}
