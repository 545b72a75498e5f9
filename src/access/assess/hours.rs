//! Timed actions: the minutes of the week they are in force, weighted by when
//! incidents happen.

use super::*;

/// Whether an action is restricted to some hours or days (a timed close, fence or gate).
pub(super) fn is_timed(a: &proposal::Action) -> bool {
    matches!(
        a.kind,
        ActionKind::Close | ActionKind::Fence | ActionKind::Gate
    ) && (a.hours.is_some() || a.days.is_some())
}

/// Minutes of the week (Sunday 00:00 first) during which any of `actions` is in force.
/// A window that wraps midnight belongs to the day it starts on.
pub fn week_minutes_in_force<'a>(
    actions: impl IntoIterator<Item = &'a proposal::Action>,
) -> Vec<bool> {
    const WEEK: usize = 7 * 1440;
    let mut m = vec![false; WEEK];
    for a in actions {
        let (from, len) = a
            .hours
            .map_or((0, 1440), |h| (h.from as usize, h.minutes() as usize));
        for d in 0..7 {
            if a.days.is_some_and(|days| !days[d]) {
                continue;
            }
            for k in 0..len {
                m[(d * 1440 + from + k) % WEEK] = true;
            }
        }
    }
    m
}

/// Share of a week profile's weight in force: each hour-of-week bin counts by the
/// minutes of it in force (incidents spread evenly within an hour); 0 for an empty profile.
pub fn share_in_force(profile: &WeekProfile, in_force: &[bool]) -> f64 {
    let total = profile.total();
    if total <= 0.0 {
        return 0.0;
    }
    let mut acc = 0.0;
    for (b, w) in profile.weights.iter().enumerate() {
        // a bin beyond the week (a hand-made profile longer than 168) is never in force
        let on = in_force
            .get(b * 60..(b + 1) * 60)
            .map_or(0, |m| m.iter().filter(|x| **x).count());
        acc += w * on as f64 / 60.0;
    }
    (acc / total).clamp(0.0, 1.0)
}
