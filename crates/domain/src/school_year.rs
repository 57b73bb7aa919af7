use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A school year, 1 September – 31 August, written 2025/2026. Stored as its first calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SchoolYear(i32);

impl SchoolYear {
    pub fn starting(year: i32) -> Option<SchoolYear> {
        (2000..=2100).contains(&year).then_some(SchoolYear(year))
    }

    /// The school year a date falls in.
    pub fn of(date: NaiveDate) -> SchoolYear {
        if date.month() >= 9 {
            SchoolYear(date.year())
        } else {
            SchoolYear(date.year() - 1)
        }
    }

    /// The school year of today in the installation's time zone ([`crate::clock`]): on the
    /// night of 31 August a Moscow district is already in the new year while UTC is not.
    pub fn current() -> SchoolYear {
        SchoolYear::of(crate::clock::today())
    }

    pub fn start_year(self) -> i32 {
        self.0
    }

    pub fn next(self) -> SchoolYear {
        SchoolYear(self.0 + 1)
    }

    pub fn prev(self) -> SchoolYear {
        SchoolYear(self.0 - 1)
    }

    /// Accepts «2025/2026», «2025-2026», «2025/26» and a bare «2025».
    pub fn parse(s: &str) -> Option<SchoolYear> {
        let s = crate::text::clean(s);
        let s = s.as_str();
        let (a, b) = match s.split_once(['/', '-', '–']) {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (s, None),
        };
        let start: i32 = a.parse().ok()?;
        if let Some(b) = b {
            let end: i32 = b.parse().ok()?;
            let ok = end == start + 1 || (b.len() == 2 && end == (start + 1) % 100);
            if !ok {
                return None;
            }
        }
        SchoolYear::starting(start)
    }
}

impl std::fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_turns_on_first_of_september() {
        let aug = NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
        let sep = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        assert_eq!(SchoolYear::of(aug).to_string(), "2025/2026");
        assert_eq!(SchoolYear::of(sep).to_string(), "2026/2027");
    }

    #[test]
    fn the_year_turns_at_moscow_midnight_not_utc_midnight() {
        let t = "2026-08-31T22:30:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let moscow = crate::clock::parse_zone("Europe/Moscow").unwrap();
        assert_eq!(SchoolYear::of(t.date_naive()).to_string(), "2025/2026", "in UTC it is still 31 August");
        assert_eq!(SchoolYear::of(crate::clock::local_in(moscow, t).date()).to_string(), "2026/2027");
        // The default zone of an installation is Moscow.
        assert_eq!(SchoolYear::of(crate::clock::local(t).date()).to_string(), "2026/2027");
    }

    #[test]
    fn parses_the_ways_people_write_it() {
        for s in ["2025/2026", "2025-2026", "2025/26", " 2025 "] {
            assert_eq!(SchoolYear::parse(s), SchoolYear::starting(2025), "{s}");
        }
        for s in ["2025/2027", "двадцать пятый", "", "1899"] {
            assert_eq!(SchoolYear::parse(s), None, "{s}");
        }
    }
}
