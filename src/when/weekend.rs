//! The weekend on the local clock: Friday 12:00 to Sunday 12:00 (Friday and Saturday
//! nights, after midnight included).

use super::weekday;
use crate::time::DAY;

/// Whether local clock `t` lies between Friday 12:00 and Sunday 12:00.
pub fn in_weekend(t: i64) -> bool {
    let into_week = weekday(t) as i64 * DAY + t.rem_euclid(DAY);
    !(DAY / 2..5 * DAY + DAY / 2).contains(&into_week)
}

/// The parts of `[a, b)` between Friday 12:00 and Sunday 12:00.
pub fn weekend_segments(a: i64, b: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    // Sunday 00:00 of a's week
    let week0 = a - (weekday(a) as i64 * DAY + a.rem_euclid(DAY));
    let mut ws = week0 - 7 * DAY;
    while ws < b {
        let (x, y) = (ws + 5 * DAY + DAY / 2, ws + 7 * DAY + DAY / 2);
        let (x, y) = (x.max(a), y.min(b));
        if y > x {
            out.push((x, y));
        }
        ws += 7 * DAY;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_fields;

    #[test]
    fn in_weekend_and_weekend_segments() {
        // Friday 2024-03-08 20:00 -> Saturday 02:00 is all weekend
        let a = from_fields(2024, 3, 8, 20, 0, 0).unwrap();
        assert_eq!(weekend_segments(a, a + 6 * 3600), vec![(a, a + 6 * 3600)]);
        assert!(in_weekend(a));
        assert!(in_weekend(from_fields(2024, 3, 10, 11, 59, 0).unwrap()));
        assert!(!in_weekend(from_fields(2024, 3, 10, 12, 0, 0).unwrap()));
        assert!(!in_weekend(from_fields(2024, 3, 8, 11, 0, 0).unwrap()));
        // a whole week holds two days of weekend
        let s: i64 = weekend_segments(a, a + 7 * DAY)
            .iter()
            .map(|(x, y)| y - x)
            .sum();
        assert_eq!(s, 2 * DAY);
    }
}
