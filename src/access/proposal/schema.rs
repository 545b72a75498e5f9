//! A proposal and its actions: kinds, opening hours, targets.

use super::*;

/// Distance within which a point or line selects features (m).
pub const MATCH_DISTANCE: f64 = 10.0;
/// Default spacing of points added along a line (m).
pub const DEFAULT_SPACING: f64 = 35.0;

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// Add a feature.
    Add,
    /// Remove features.
    Remove,
    /// Change properties of features.
    Modify,
    /// Close network features to movement.
    Close,
    /// Add a line barrier.
    Fence,
    /// Restrict public spaces during hours.
    Gate,
    /// Take public spaces out of public use.
    Enclose,
    /// Open a new path or public space.
    Open,
}

impl ActionKind {
    /// All actions, in schema order.
    pub const ALL: [ActionKind; 8] = [
        ActionKind::Add,
        ActionKind::Remove,
        ActionKind::Modify,
        ActionKind::Close,
        ActionKind::Fence,
        ActionKind::Gate,
        ActionKind::Enclose,
        ActionKind::Open,
    ];
    /// The schema name.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Add => "add",
            ActionKind::Remove => "remove",
            ActionKind::Modify => "modify",
            ActionKind::Close => "close",
            ActionKind::Fence => "fence",
            ActionKind::Gate => "gate",
            ActionKind::Enclose => "enclose",
            ActionKind::Open => "open",
        }
    }
    /// Parses a schema name (case-insensitive).
    pub fn parse(s: &str) -> Option<ActionKind> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
    }
    /// Whether the action restricts movement or public space (close, fence, gate, enclose).
    pub fn restricts(self) -> bool {
        matches!(
            self,
            ActionKind::Close | ActionKind::Fence | ActionKind::Gate | ActionKind::Enclose
        )
    }
}

/// A daily time window `[from, to)` in minutes after midnight (wraps midnight when `to <= from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    /// Start (minutes after midnight).
    pub from: u32,
    /// End (minutes after midnight).
    pub to: u32,
}

impl Hours {
    /// Parses `HH:MM-HH:MM` (24 h clock; `24:00` allowed as an end).
    pub fn parse(s: &str) -> Option<Hours> {
        let (a, b) = s.trim().split_once('-')?;
        let hm = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
        };
        let (from, to) = (hm(a)?, hm(b)?);
        (from < 1440 && from != to).then_some(Hours { from, to })
    }
    /// Minutes per day the window covers.
    pub fn minutes(&self) -> u32 {
        (self.to + 1440 - self.from) % 1440
    }
    /// Share of the day covered.
    pub fn share_of_day(&self) -> f64 {
        self.minutes() as f64 / 1440.0
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.from / 60,
            self.from % 60,
            self.to / 60,
            self.to % 60
        )
    }
}

/// `fri,sat`: the selected days, Sunday first, lower-case three-letter names.
pub fn days_text(days: &[bool; 7]) -> String {
    crate::when::DAY_NAMES
        .iter()
        .zip(days)
        .filter(|(_, &on)| on)
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// Minutes per day covered by the union of windows (`None` = always → 1440).
pub fn union_minutes(windows: &[Option<Hours>]) -> u32 {
    let mut day = [false; 1440];
    for w in windows {
        match w {
            None => return 1440,
            Some(h) => {
                for k in 0..h.minutes() {
                    day[((h.from + k) % 1440) as usize] = true;
                }
            }
        }
    }
    day.iter().filter(|x| **x).count() as u32
}

/// One action of a proposal (one feature of the file).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    /// 0-based feature index in the file.
    pub index: usize,
    /// What it does.
    pub kind: ActionKind,
    /// Layer acted on.
    pub layer: String,
    /// Label (`name` property, or `action layer #index`).
    pub label: String,
    /// Geometry in the study's working CRS.
    #[serde(skip)]
    pub geometry: Option<Geometry<f64>>,
    /// When the restriction is in force (`None` = always).
    pub hours: Option<Hours>,
    /// Days on which it is in force, Sunday first (`None` = every day). A window that
    /// wraps midnight belongs to the day it starts on (`fri` with `22:00-06:00` runs
    /// from Friday 22:00 to Saturday 06:00).
    pub days: Option<[bool; 7]>,
    /// Select features with this `id`.
    pub target: Option<String>,
    /// Select features with these property values.
    pub filter: Vec<(String, String)>,
    /// Properties to set (`modify`).
    pub set: Map<String, Value>,
    /// Properties of added features.
    pub properties: Map<String, Value>,
    /// Spacing of points added along a line (m).
    pub spacing: f64,
}

/// A named set of actions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Proposal {
    /// Name (the `proposal` property or the file stem).
    pub name: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Its actions, in file order.
    pub actions: Vec<Action>,
}

impl Proposal {
    /// The proposal with only action `k` (same name and source).
    pub fn only(&self, k: usize) -> Proposal {
        Proposal {
            name: self.name.clone(),
            source: self.source.clone(),
            actions: vec![self.actions[k].clone()],
        }
    }
}
