//! What falls on which days: plan events with dates, meetings and contests of the caller's
//! district, for the month view and the iCalendar feed a person subscribes to from Thunderbird,
//! Google or Yandex calendars (a secret-token URL, revocable).

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use icalendar::{Calendar, Component, Event as IcsEvent, EventLike};
use serde::Serialize;
use store::planning as plans;
use store::{Db, Reach};

use super::people_text;
use crate::Result;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    /// `event`, `meeting` or `contest`.
    pub kind: &'static str,
    pub id: i64,
    pub title: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// ЧЧ:ММ for a meeting with a start time.
    pub time: String,
    pub place: String,
    pub note: String,
    pub done: bool,
    pub link: String,
}

/// Everything of the district that touches [from, to], by first day.
pub async fn entries(db: &Db, reach: &Reach, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry>> {
    let mut c = db.conn().await?;
    let mut out = Vec::new();
    for e in plans::events_between(&mut c.ex(), reach, from, to).await? {
        let (Some(a), Some(b)) = (e.due_from, e.due_to) else { continue };
        out.push(Entry {
            kind: "event",
            id: e.id,
            title: e.content.clone(),
            from: a,
            to: b,
            time: String::new(),
            place: String::new(),
            note: people_text(&e.people),
            done: e.status != "planned",
            link: format!("/plan/events/{}", e.id),
        });
    }
    for m in plans::meetings_between(&mut c.ex(), reach, from, to).await? {
        out.push(Entry {
            kind: "meeting",
            id: m.id,
            title: format!("Заседание МО № {}: {}", m.number, m.topic),
            from: m.held_on,
            to: m.held_on,
            time: m.starts_at.clone(),
            place: m.place_text(),
            note: m.goal.clone(),
            done: m.status != "planned",
            link: format!("/meetings/{}", m.id),
        });
    }
    for year in [from.year() - 1, from.year()] {
        for k in plans::contests(&mut c.ex(), reach, year).await? {
            let Some(a) = k.starts_on else { continue };
            let b = k.ends_on.unwrap_or(a);
            if a <= to && b >= from {
                out.push(Entry {
                    kind: "contest",
                    id: k.id,
                    title: k.title.clone(),
                    from: a,
                    to: b,
                    time: String::new(),
                    place: String::new(),
                    note: k.organisers.clone(),
                    done: false,
                    link: "/contests".into(),
                });
            }
        }
    }
    out.sort_by(|a, b| (a.from, a.kind, a.id).cmp(&(b.from, b.kind, b.id)));
    out.dedup();
    Ok(out)
}

/// A month as weeks of days (Monday first), each day with what touches it; days outside the
/// month are None.
pub type Weeks = Vec<Vec<Option<(NaiveDate, Vec<Entry>)>>>;

/// Entries longer than this many days (a month, «апрель – май») are listed once above the grid
/// rather than repeated in every day.
const LONG_DAYS: i64 = 7;

pub struct Month {
    pub weeks: Weeks,
    /// What runs through much of the month.
    pub long: Vec<Entry>,
}

pub async fn month(db: &Db, reach: &Reach, year: i32, month: u32) -> Result<Month> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let last = next - Duration::days(1);
    let (long, all): (Vec<Entry>, Vec<Entry>) =
        entries(db, reach, first, last).await?.into_iter().partition(|e| (e.to - e.from).num_days() >= LONG_DAYS);
    let mut weeks: Weeks = Vec::new();
    let mut week = vec![None; first.weekday().num_days_from_monday() as usize];
    let mut day = first;
    while day <= last {
        let today: Vec<Entry> = all.iter().filter(|e| e.from <= day && e.to >= day).cloned().collect();
        week.push(Some((day, today)));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        day += Duration::days(1);
    }
    if !week.is_empty() {
        week.resize(7, None);
        weeks.push(week);
    }
    Ok(Month { weeks, long })
}

/// The iCalendar feed: the current and the next school year's dated events, meetings and
/// contests. `base` is the site's address, for links back.
pub async fn feed(db: &Db, reach: &Reach, district: &str, base: &str) -> Result<String> {
    let year = domain::SchoolYear::current();
    let (from, to) = (domain::fund::start_of(year.prev()), domain::fund::end_of(year.next()));
    let mut cal = Calendar::new();
    cal.name(&format!("МО школьных библиотекарей — {district}"));
    cal.timezone(domain::clock::zone().name());
    for e in entries(db, reach, from, to).await? {
        let mut ev = IcsEvent::new();
        ev.uid(&format!("{}-{}@biblioset", e.kind, e.id)).summary(&e.title);
        let timed = NaiveTime::parse_from_str(&e.time, "%H:%M").ok();
        match timed {
            Some(t) => {
                let start = e.from.and_time(t);
                ev.starts(icalendar::CalendarDateTime::WithTimezone {
                    date_time: start,
                    tzid: domain::clock::zone().name().to_string(),
                });
                ev.ends(icalendar::CalendarDateTime::WithTimezone {
                    date_time: start + Duration::hours(2),
                    tzid: domain::clock::zone().name().to_string(),
                });
            }
            None => {
                ev.starts(e.from);
                // An all-day event ends on the day after its last (RFC 5545, DTEND is exclusive).
                ev.ends(e.to + Duration::days(1));
            }
        }
        if !e.place.is_empty() {
            ev.location(&e.place);
        }
        let mut description = e.note.clone();
        if !base.is_empty() {
            description = format!("{description}\n{base}{}", e.link).trim().to_string();
        }
        if !description.is_empty() {
            ev.description(&description);
        }
        cal.push(ev.done());
    }
    Ok(cal.done().to_string())
}
