//! The installation's time zone. «Today» decides the current school year, whether a date is in
//! the past, whether a course counts; it must be the district's today, not the server's (a hosted
//! server often runs in UTC, three hours behind Moscow). Set once at start-up from configuration;
//! everything else reads it.

use std::sync::RwLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
pub use chrono_tz::Tz;

/// Moscow until start-up says otherwise: most Russian districts live on Moscow time, and a
/// wrong zone is still better than the server's.
pub const DEFAULT_ZONE: Tz = Tz::Europe__Moscow;

// An RwLock rather than a OnceLock, so that a second `set_zone` (tests starting several
// servers in one process) simply wins instead of failing or being ignored.
static ZONE: RwLock<Tz> = RwLock::new(DEFAULT_ZONE);

/// Sets the installation's time zone; call once at start-up.
pub fn set_zone(tz: Tz) {
    *ZONE.write().unwrap_or_else(|e| e.into_inner()) = tz;
}

pub fn zone() -> Tz {
    *ZONE.read().unwrap_or_else(|e| e.into_inner())
}

/// An IANA zone name as in configuration: «Europe/Moscow», «Asia/Yekaterinburg», «UTC».
pub fn parse_zone(s: &str) -> Option<Tz> {
    s.trim().parse().ok()
}

/// Today in the installation's time zone.
pub fn today() -> NaiveDate {
    local(Utc::now()).date()
}

/// An instant as wall-clock time in the installation's time zone (for showing stored times).
pub fn local(t: DateTime<Utc>) -> NaiveDateTime {
    local_in(zone(), t)
}

/// An instant as wall-clock time in the given zone.
pub fn local_in(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn moscow_is_three_hours_ahead_of_utc() {
        let t = at("2026-08-31T22:30:00Z");
        let moscow = parse_zone("Europe/Moscow").unwrap();
        assert_eq!(local_in(moscow, t).to_string(), "2026-09-01 01:30:00");
        assert_eq!(local_in(moscow, t).date(), NaiveDate::from_ymd_opt(2026, 9, 1).unwrap());
    }

    #[test]
    fn zones_parse_by_iana_name() {
        assert_eq!(parse_zone(" Asia/Yekaterinburg "), Some(Tz::Asia__Yekaterinburg));
        assert_eq!(parse_zone("UTC"), Some(Tz::UTC));
        assert_eq!(parse_zone("Москва"), None);
        assert_eq!(parse_zone(""), None);
        let ekb = parse_zone("Asia/Yekaterinburg").unwrap();
        assert_eq!(local_in(ekb, at("2026-08-31T19:30:00Z")).to_string(), "2026-09-01 00:30:00");
    }

    #[test]
    fn the_default_zone_is_moscow() {
        // No test changes the zone: `set_zone` is process-wide and tests run in parallel.
        assert_eq!(zone(), DEFAULT_ZONE);
        assert_eq!(local(at("2026-01-01T00:00:00Z")).to_string(), "2026-01-01 03:00:00");
    }
}
