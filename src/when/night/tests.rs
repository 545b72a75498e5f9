use super::*;
use crate::time::{days_from_civil, from_fields};
#[test]
fn sun_calendar_nights_and_shares() {
    // Chicago, 2024-01-10 (CST): sunrise ~07:18, sunset ~16:39
    let tz = TimeZone::parse("America/Chicago").unwrap();
    let d = days_from_civil(2024, 1, 10);
    let cal = SunCalendar::new(41.8781, -87.6298, tz, SunParams::default(), d, d).unwrap();
    let t = |h: u32, m: u32| from_fields(2024, 1, 10, h, m, 0).unwrap();
    assert!(cal.is_night(t(3, 0)));
    assert!(!cal.is_night(t(12, 0)));
    assert!(cal.is_night(t(23, 59)));
    let night = cal.night_seconds(d * DAY, (d + 1) * DAY);
    assert!(
        (night - (24 * 3600 - 9 * 3600 - 21 * 60)).abs() < 5 * 60,
        "{night}"
    );
    // a window 18:00 -> 06:00 is all night, 06:00 -> 18:00 mostly day
    let w = Window::new(t(18, 0), t(18, 0) + 12 * 3600).unwrap();
    assert_eq!(cal.night_share(&w), 1.0);
    let w = Window::new(t(6, 0), t(18, 0)).unwrap();
    let s = cal.night_share(&w);
    assert!(s > 0.15 && s < 0.25, "{s}");
    assert_eq!(cal.night_share(&Window::exact(t(2, 0))), 1.0);
    // outside the cached range the calendar computes on the fly
    let far = from_fields(2030, 7, 1, 13, 0, 0).unwrap();
    assert!(!cal.is_night(far));
}

#[test]
fn sun_calendar_weekend_night_share() {
    // Friday 2024-03-08 20:00 -> Saturday 02:00 is all weekend
    let a = from_fields(2024, 3, 8, 20, 0, 0).unwrap();
    let tz = TimeZone::parse("America/Chicago").unwrap();
    let cal = SunCalendar::new(41.88, -87.63, tz, SunParams::default(), 19_780, 19_800).unwrap();
    let w = Window::new(a, a + 6 * 3600).unwrap();
    assert_eq!(cal.weekend_night_share(&w), 1.0);
    let tue = Window::new(a - 3 * DAY, a - 3 * DAY + 6 * 3600).unwrap();
    assert_eq!(cal.weekend_night_share(&tue), 0.0);
    assert_eq!(cal.night_share(&tue), 1.0);
}

#[test]
fn night_model_tiles() {
    let a = from_fields(2024, 1, 10, 3, 0, 0).unwrap();
    let ws = [
        Window::exact(a),
        Window::exact(a + 12 * 3600),
        Window::exact(a),
    ];
    let ll = [[-87.63, 41.88], [-87.62, 41.87], [-87.2, 41.88]];
    let tz = TimeZone::parse("America/Chicago").unwrap();
    let m = NightModel::build(&ll, &ws, &tz, SunParams::default(), 0.1).unwrap();
    assert_eq!(m.tiles(), 2);
    let c = m.calendar(ll[0]).unwrap();
    assert!(c.is_night(a));
    assert!(!c.is_night(a + 12 * 3600));
    assert!(m.calendar([10.0, 10.0]).is_none());
    assert!(NightModel::build(&ll[..1], &ws, &tz, SunParams::default(), 0.1).is_err());
    assert!(NightModel::build(&ll, &ws, &tz, SunParams::default(), 0.0).is_err());
}
