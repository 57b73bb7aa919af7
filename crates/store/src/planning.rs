//! The association's work: a district's yearly plan (header, events with responsible people,
//! indicators), its meetings (agenda with speakers, attendance, decisions), contests, and the
//! calendar feed tokens. A plan belongs to a district and a school year; everything else hangs
//! from it, so one plan id found through the reach scopes the rest.

use chrono::{DateTime, NaiveDate, Utc};
use domain::planning::Deadline;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::audit::{self, Actor, Change};
use crate::{exec, now, on, Error, Ex, OrTaken, Reach};

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: i64,
    pub district_id: i64,
    pub school_year: i64,
    pub common_theme: String,
    pub theme: String,
    pub goal: String,
    pub problem: String,
    pub tasks: String,
    pub directions: String,
    pub expected: String,
    pub forms: String,
    pub conclusions: String,
    pub next_year: String,
    pub closed_at: Option<DateTime<Utc>>,
}

/// The words of a plan's header, as the head writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlanText {
    pub common_theme: String,
    pub theme: String,
    pub goal: String,
    pub problem: String,
    pub tasks: String,
    pub directions: String,
    pub expected: String,
    pub forms: String,
}

/// A responsible person or a speaker: a librarian of the district, or someone from outside.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromRow, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Person {
    pub librarian_id: Option<i64>,
    pub name: String,
    pub post: String,
    pub organisation: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: i64,
    pub plan_id: i64,
    pub position: i64,
    pub section: String,
    pub content: String,
    pub due_kind: String,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    pub due_text: String,
    pub status: String,
    pub result: String,
    pub evidence: String,
    #[sqlx(skip)]
    pub people: Vec<Person>,
}

impl Event {
    pub fn deadline(&self) -> Deadline {
        Deadline::from_parts(&self.due_kind, self.due_from, self.due_to, self.due_text.clone())
    }
}

/// An event as validated by the app, ready to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub section: String,
    pub content: String,
    pub due: Deadline,
    pub status: String,
    pub result: String,
    pub evidence: String,
    pub people: Vec<Person>,
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub position: i64,
    pub task: String,
    #[serde(default)]
    pub planned: String,
    #[serde(default)]
    pub criterion: String,
    #[serde(default)]
    pub target: Option<i64>,
    #[serde(default)]
    pub actual: Option<i64>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    pub id: i64,
    pub plan_id: i64,
    pub number: i64,
    pub held_on: NaiveDate,
    pub starts_at: String,
    pub school_id: Option<i64>,
    pub school: Option<String>,
    pub place: String,
    pub topic: String,
    pub goal: String,
    pub form: String,
    pub materials: String,
    pub decisions: String,
    pub status: String,
}

impl Meeting {
    /// Where it is held, as the protocol and the plan print it.
    pub fn place_text(&self) -> String {
        match (&self.school, self.place.is_empty()) {
            (Some(s), true) => s.clone(),
            (Some(s), false) => format!("{s}, {}", self.place),
            (None, _) => self.place.clone(),
        }
    }
}

/// A meeting as validated by the app.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub number: Option<i64>,
    pub held_on: NaiveDate,
    pub starts_at: String,
    pub school_id: Option<i64>,
    pub place: String,
    pub topic: String,
    pub goal: String,
    pub form: String,
    pub materials: String,
    pub decisions: String,
    pub status: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaItem {
    pub id: i64,
    pub meeting_id: i64,
    pub position: i64,
    pub title: String,
    /// `theory` or `practice`.
    pub part: String,
    #[sqlx(skip)]
    pub speakers: Vec<Person>,
}

/// A librarian of the district and their mark for a meeting (None: not marked yet).
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendance {
    pub librarian_id: i64,
    pub full_name: String,
    pub school: String,
    pub state: Option<String>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contest {
    pub id: i64,
    pub school_year: i64,
    pub title: String,
    pub kind: String,
    pub level: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub organisers: String,
    pub links: String,
    #[sqlx(skip)]
    pub schools: Vec<ContestSchool>,
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContestSchool {
    pub school_id: i64,
    #[serde(default)]
    pub school: String,
    pub participants: i64,
    #[serde(default)]
    pub winners: String,
}

const PLAN_COLS: &str = "id, district_id, school_year, common_theme, theme, goal, problem, tasks, directions, expected,
    forms, conclusions, next_year, closed_at";

pub async fn plan(ex: &mut Ex<'_>, reach: &Reach, year: i32) -> Result<Option<Plan>, Error> {
    let sql = format!("SELECT {PLAN_COLS} FROM plans WHERE district_id = $1 AND school_year = $2");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(reach.district()).bind(year as i64).fetch_optional(c).await)?)
}

/// A plan by id, if it is the caller's district's.
pub async fn plan_by_id(ex: &mut Ex<'_>, reach: &Reach, id: i64) -> Result<Plan, Error> {
    let sql = format!("SELECT {PLAN_COLS} FROM plans WHERE id = $1 AND district_id = $2");
    on!(ex, c => sqlx::query_as(&sql).bind(id).bind(reach.district()).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// The school years that have a plan in the caller's district, newest first.
pub async fn plan_years(ex: &mut Ex<'_>, reach: &Reach) -> Result<Vec<i64>, Error> {
    let rows: Vec<(i64,)> = on!(ex, c => sqlx::query_as(
        "SELECT school_year FROM plans WHERE district_id = $1 ORDER BY school_year DESC")
        .bind(reach.district()).fetch_all(c).await)?;
    Ok(rows.into_iter().map(|(y,)| y).collect())
}

pub async fn create_plan(ex: &mut Ex<'_>, actor: &Actor, district: i64, year: i32, t: &PlanText) -> Result<i64, Error> {
    let at = now();
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO plans (district_id, school_year, common_theme, theme, goal, problem, tasks, directions, expected, forms,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id")
        .bind(district).bind(year as i64).bind(&t.common_theme).bind(&t.theme).bind(&t.goal).bind(&t.problem)
        .bind(&t.tasks).bind(&t.directions).bind(&t.expected).bind(&t.forms).bind(at).fetch_one(c).await)
        .or_taken("year", format!("План на {}/{} учебный год уже есть", year, year + 1))?;
    let change = Change {
        action: "create",
        entity: "plan",
        entity_id: Some(id),
        district_id: Some(district),
        summary: format!("План работы МО на {}/{} учебный год", year, year + 1),
        before: None,
        after: audit::json(t),
    };
    audit::record(ex, actor, change).await?;
    Ok(id)
}

/// Writes a plan's header, only while the plan is open: a closed year needs an explicit reopen.
pub async fn update_plan(ex: &mut Ex<'_>, actor: &Actor, plan: &Plan, t: &PlanText) -> Result<(), Error> {
    let n = exec!(ex, c => sqlx::query(
        "UPDATE plans SET common_theme = $1, theme = $2, goal = $3, problem = $4, tasks = $5, directions = $6,
             expected = $7, forms = $8, updated_at = $9
         WHERE id = $10 AND closed_at IS NULL")
        .bind(&t.common_theme).bind(&t.theme).bind(&t.goal).bind(&t.problem).bind(&t.tasks).bind(&t.directions)
        .bind(&t.expected).bind(&t.forms).bind(now()).bind(plan.id).execute(c).await)?;
    if n == 0 {
        return Err(closed());
    }
    let change = Change {
        action: "update",
        entity: "plan",
        entity_id: Some(plan.id),
        district_id: Some(plan.district_id),
        summary: format!("План работы МО на {}/{}: шапка", plan.school_year, plan.school_year + 1),
        before: None,
        after: audit::json(t),
    };
    audit::record(ex, actor, change).await
}

/// The analysis' conclusions and plans for next year: editable until the year is closed.
pub async fn update_analysis(ex: &mut Ex<'_>, plan_id: i64, conclusions: &str, next_year: &str) -> Result<(), Error> {
    let n = exec!(ex, c => sqlx::query(
        "UPDATE plans SET conclusions = $1, next_year = $2, updated_at = $3 WHERE id = $4 AND closed_at IS NULL")
        .bind(conclusions).bind(next_year).bind(now()).bind(plan_id).execute(c).await)?;
    if n == 0 {
        return Err(closed());
    }
    Ok(())
}

pub fn closed() -> Error {
    Error::Invalid(
        "План этого учебного года закрыт: чтобы изменить его, сначала откройте его снова («Открыть для правки»)".into(),
    )
}

/// Closes or reopens a year's plan.
pub async fn set_closed(ex: &mut Ex<'_>, actor: &Actor, plan: &Plan, closed: bool) -> Result<(), Error> {
    let at = closed.then(now);
    exec!(ex, c => sqlx::query("UPDATE plans SET closed_at = $1, updated_at = $2 WHERE id = $3")
        .bind(at).bind(now()).bind(plan.id).execute(c).await)?;
    let change = Change {
        action: "update",
        entity: "plan",
        entity_id: Some(plan.id),
        district_id: Some(plan.district_id),
        summary: format!(
            "План работы МО на {}/{} {}",
            plan.school_year,
            plan.school_year + 1,
            if closed { "закрыт" } else { "открыт для правки" }
        ),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await
}

/// Fails with the Russian message unless the plan is open; every write below the plan checks it
/// inside its transaction.
pub async fn ensure_open(ex: &mut Ex<'_>, plan_id: i64) -> Result<(), Error> {
    let r: Option<(Option<DateTime<Utc>>,)> = on!(ex, c => sqlx::query_as("SELECT closed_at FROM plans WHERE id = $1")
        .bind(plan_id).fetch_optional(c).await)?;
    match r {
        None => Err(Error::NotFound),
        Some((Some(_),)) => Err(closed()),
        Some((None,)) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

const EVENT_COLS: &str =
    "id, plan_id, position, section, content, due_kind, due_from, due_to, due_text, status, result, evidence";

/// A plan's events in the plan's order, each with its responsible people.
pub async fn events(ex: &mut Ex<'_>, plan_id: i64) -> Result<Vec<Event>, Error> {
    let sql = format!("SELECT {EVENT_COLS} FROM plan_events WHERE plan_id = $1 ORDER BY position, id");
    let mut events: Vec<Event> = on!(ex, c => sqlx::query_as(&sql).bind(plan_id).fetch_all(c).await)?;
    let people: Vec<(i64, Option<i64>, String, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT p.event_id, p.librarian_id, p.name, p.post, p.organisation FROM plan_people p
         JOIN plan_events e ON e.id = p.event_id WHERE e.plan_id = $1 ORDER BY p.event_id, p.position, p.id")
        .bind(plan_id).fetch_all(c).await)?;
    let mut by_event: std::collections::HashMap<i64, Vec<Person>> = Default::default();
    for (e, librarian_id, name, post, organisation) in people {
        by_event.entry(e).or_default().push(Person { librarian_id, name, post, organisation });
    }
    for e in &mut events {
        e.people = by_event.remove(&e.id).unwrap_or_default();
    }
    Ok(events)
}

pub async fn event(ex: &mut Ex<'_>, id: i64) -> Result<Event, Error> {
    let sql = format!("SELECT {EVENT_COLS} FROM plan_events WHERE id = $1");
    let mut e: Event = on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)?;
    e.people = on!(ex, c => sqlx::query_as(
        "SELECT librarian_id, name, post, organisation FROM plan_people WHERE event_id = $1 ORDER BY position, id")
        .bind(id).fetch_all(c).await)?;
    Ok(e)
}

async fn insert_people(ex: &mut Ex<'_>, event: Option<i64>, item: Option<i64>, people: &[Person]) -> Result<(), Error> {
    for (i, p) in people.iter().enumerate() {
        exec!(ex, c => sqlx::query(
            "INSERT INTO plan_people (event_id, agenda_item_id, position, librarian_id, name, post, organisation)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(event).bind(item).bind(i as i64).bind(p.librarian_id).bind(&p.name).bind(&p.post)
            .bind(&p.organisation).execute(c).await)?;
    }
    Ok(())
}

/// Adds events at the end of a plan, in the given order. No audit entry per event: the caller
/// writes one for the whole action (an import adds hundreds).
pub async fn add_events(ex: &mut Ex<'_>, plan_id: i64, events: &[NewEvent]) -> Result<Vec<i64>, Error> {
    ensure_open(ex, plan_id).await?;
    let (last,): (Option<i64>,) = on!(ex, c => sqlx::query_as("SELECT MAX(position) FROM plan_events WHERE plan_id = $1")
        .bind(plan_id).fetch_one(c).await)?;
    let mut ids = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let (id,): (i64,) = on!(ex, c => sqlx::query_as(
            "INSERT INTO plan_events (plan_id, position, section, content, due_kind, due_from, due_to, due_text, status,
                 result, evidence, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
            .bind(plan_id).bind(last.unwrap_or(0) + 1 + i as i64).bind(&e.section).bind(&e.content)
            .bind(e.due.kind.as_str()).bind(e.due.from).bind(e.due.to).bind(&e.due.text).bind(&e.status)
            .bind(&e.result).bind(&e.evidence).bind(now()).fetch_one(c).await)?;
        insert_people(ex, Some(id), None, &e.people).await?;
        ids.push(id);
    }
    Ok(ids)
}

pub async fn update_event(ex: &mut Ex<'_>, id: i64, plan_id: i64, e: &NewEvent) -> Result<(), Error> {
    ensure_open(ex, plan_id).await?;
    exec!(ex, c => sqlx::query(
        "UPDATE plan_events SET section = $1, content = $2, due_kind = $3, due_from = $4, due_to = $5, due_text = $6,
             status = $7, result = $8, evidence = $9, updated_at = $10 WHERE id = $11")
        .bind(&e.section).bind(&e.content).bind(e.due.kind.as_str()).bind(e.due.from).bind(e.due.to)
        .bind(&e.due.text).bind(&e.status).bind(&e.result).bind(&e.evidence).bind(now()).bind(id).execute(c).await)?;
    exec!(ex, c => sqlx::query("DELETE FROM plan_people WHERE event_id = $1").bind(id).execute(c).await)?;
    insert_people(ex, Some(id), None, &e.people).await
}

pub async fn delete_event(ex: &mut Ex<'_>, id: i64, plan_id: i64) -> Result<(), Error> {
    ensure_open(ex, plan_id).await?;
    exec!(ex, c => sqlx::query("DELETE FROM plan_people WHERE event_id = $1").bind(id).execute(c).await)?;
    exec!(ex, c => sqlx::query("DELETE FROM plan_events WHERE id = $1").bind(id).execute(c).await)?;
    Ok(())
}

/// Events of every plan of a district whose deadline touches [from, to] or has no dates, for
/// the calendar and the dashboard.
pub async fn events_between(
    ex: &mut Ex<'_>,
    reach: &Reach,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Event>, Error> {
    let sql = format!(
        "SELECT {} FROM plan_events e JOIN plans p ON p.id = e.plan_id
         WHERE p.district_id = $1 AND e.due_from <= $3 AND e.due_to >= $2 ORDER BY e.due_from, e.position",
        EVENT_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(reach.district()).bind(from).bind(to).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

pub async fn indicators(ex: &mut Ex<'_>, plan_id: i64) -> Result<Vec<Indicator>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, position, task, planned, criterion, target, actual FROM plan_indicators
         WHERE plan_id = $1 ORDER BY position, id")
        .bind(plan_id).fetch_all(c).await)?)
}

/// Replaces a plan's indicators with `rows`, in order.
pub async fn set_indicators(ex: &mut Ex<'_>, plan_id: i64, rows: &[Indicator]) -> Result<(), Error> {
    ensure_open(ex, plan_id).await?;
    exec!(ex, c => sqlx::query("DELETE FROM plan_indicators WHERE plan_id = $1").bind(plan_id).execute(c).await)?;
    for (i, r) in rows.iter().enumerate() {
        exec!(ex, c => sqlx::query(
            "INSERT INTO plan_indicators (plan_id, position, task, planned, criterion, target, actual)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(plan_id).bind(i as i64 + 1).bind(&r.task).bind(&r.planned).bind(&r.criterion).bind(r.target)
            .bind(r.actual).execute(c).await)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Meetings
// ---------------------------------------------------------------------------------------------

const MEETING_COLS: &str = "m.id, m.plan_id, m.number, m.held_on, m.starts_at, m.school_id, s.short_name AS school,
    m.place, m.topic, m.goal, m.form, m.materials, m.decisions, m.status";

pub async fn meetings(ex: &mut Ex<'_>, plan_id: i64) -> Result<Vec<Meeting>, Error> {
    let sql = format!(
        "SELECT {MEETING_COLS} FROM meetings m LEFT JOIN schools s ON s.id = m.school_id
         WHERE m.plan_id = $1 ORDER BY m.held_on, m.number"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(plan_id).fetch_all(c).await)?)
}

/// Meetings of the caller's district held between two days, for the calendar and the dashboard.
pub async fn meetings_between(
    ex: &mut Ex<'_>,
    reach: &Reach,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Meeting>, Error> {
    let sql = format!(
        "SELECT {MEETING_COLS} FROM meetings m LEFT JOIN schools s ON s.id = m.school_id JOIN plans p ON p.id = m.plan_id
         WHERE p.district_id = $1 AND m.held_on >= $2 AND m.held_on <= $3 ORDER BY m.held_on, m.number"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(reach.district()).bind(from).bind(to).fetch_all(c).await)?)
}

pub async fn meeting(ex: &mut Ex<'_>, id: i64) -> Result<Meeting, Error> {
    let sql =
        format!("SELECT {MEETING_COLS} FROM meetings m LEFT JOIN schools s ON s.id = m.school_id WHERE m.id = $1");
    on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// Adds a meeting; without a number it takes the next one of the year.
pub async fn add_meeting(ex: &mut Ex<'_>, actor: &Actor, plan: &Plan, m: &NewMeeting) -> Result<i64, Error> {
    ensure_open(ex, plan.id).await?;
    let number = match m.number {
        Some(n) => n,
        None => {
            let (last,): (Option<i64>,) = on!(ex, c => sqlx::query_as("SELECT MAX(number) FROM meetings WHERE plan_id = $1")
                .bind(plan.id).fetch_one(c).await)?;
            last.unwrap_or(0) + 1
        }
    };
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO meetings (plan_id, number, held_on, starts_at, school_id, place, topic, goal, form, materials,
             decisions, status, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
        .bind(plan.id).bind(number).bind(m.held_on).bind(&m.starts_at).bind(m.school_id).bind(&m.place).bind(&m.topic)
        .bind(&m.goal).bind(&m.form).bind(&m.materials).bind(&m.decisions).bind(&m.status).bind(now())
        .fetch_one(c).await)
    .or_taken("number", format!("Заседание № {number} в этом году уже есть"))?;
    let change = Change {
        action: "create",
        entity: "meeting",
        entity_id: Some(id),
        district_id: Some(plan.district_id),
        summary: format!("Заседание № {number} от {}: {}", domain::dates::format(m.held_on), m.topic),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(id)
}

pub async fn update_meeting(ex: &mut Ex<'_>, actor: &Actor, old: &Meeting, m: &NewMeeting) -> Result<(), Error> {
    ensure_open(ex, old.plan_id).await?;
    let number = m.number.unwrap_or(old.number);
    exec!(ex, c => sqlx::query(
        "UPDATE meetings SET number = $1, held_on = $2, starts_at = $3, school_id = $4, place = $5, topic = $6, goal = $7,
             form = $8, materials = $9, decisions = $10, status = $11, updated_at = $12 WHERE id = $13")
        .bind(number).bind(m.held_on).bind(&m.starts_at).bind(m.school_id).bind(&m.place).bind(&m.topic).bind(&m.goal)
        .bind(&m.form).bind(&m.materials).bind(&m.decisions).bind(&m.status).bind(now()).bind(old.id).execute(c).await)
        .or_taken("number", format!("Заседание № {number} в этом году уже есть"))?;
    let change = Change {
        action: "update",
        entity: "meeting",
        entity_id: Some(old.id),
        district_id: actor.district_id,
        summary: format!("Заседание № {number} от {}: {}", domain::dates::format(m.held_on), m.topic),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await
}

pub async fn agenda(ex: &mut Ex<'_>, meeting_id: i64) -> Result<Vec<AgendaItem>, Error> {
    let mut items: Vec<AgendaItem> = on!(ex, c => sqlx::query_as(
        "SELECT id, meeting_id, position, title, part FROM agenda_items WHERE meeting_id = $1 ORDER BY position, id")
        .bind(meeting_id).fetch_all(c).await)?;
    let people: Vec<(i64, Option<i64>, String, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT p.agenda_item_id, p.librarian_id, p.name, p.post, p.organisation FROM plan_people p
         JOIN agenda_items a ON a.id = p.agenda_item_id WHERE a.meeting_id = $1 ORDER BY p.position, p.id")
        .bind(meeting_id).fetch_all(c).await)?;
    for (item, librarian_id, name, post, organisation) in people {
        if let Some(a) = items.iter_mut().find(|a| a.id == item) {
            a.speakers.push(Person { librarian_id, name, post, organisation });
        }
    }
    Ok(items)
}

pub async fn add_agenda_item(
    ex: &mut Ex<'_>,
    meeting: &Meeting,
    title: &str,
    part: &str,
    speakers: &[Person],
) -> Result<i64, Error> {
    ensure_open(ex, meeting.plan_id).await?;
    let (last,): (Option<i64>,) = on!(ex, c => sqlx::query_as("SELECT MAX(position) FROM agenda_items WHERE meeting_id = $1")
        .bind(meeting.id).fetch_one(c).await)?;
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO agenda_items (meeting_id, position, title, part) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(meeting.id).bind(last.unwrap_or(0) + 1).bind(title).bind(part).fetch_one(c).await)?;
    insert_people(ex, None, Some(id), speakers).await?;
    Ok(id)
}

pub async fn delete_agenda_item(ex: &mut Ex<'_>, meeting: &Meeting, item: i64) -> Result<(), Error> {
    ensure_open(ex, meeting.plan_id).await?;
    exec!(ex, c => sqlx::query("DELETE FROM plan_people WHERE agenda_item_id = $1").bind(item).execute(c).await)?;
    let n = exec!(ex, c => sqlx::query("DELETE FROM agenda_items WHERE id = $1 AND meeting_id = $2")
        .bind(item).bind(meeting.id).execute(c).await)?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Every active librarian of the meeting's district with their mark; a librarian's reach sees
/// their own school's people only, as in the data bank.
pub async fn attendance(ex: &mut Ex<'_>, reach: &Reach, meeting_id: i64) -> Result<Vec<Attendance>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT l.id AS librarian_id, l.full_name, s.short_name AS school, a.state
         FROM librarians l JOIN schools s ON s.id = l.school_id
         LEFT JOIN attendance a ON a.librarian_id = l.id AND a.meeting_id = $1
         WHERE l.district_id = $2 AND l.archived_at IS NULL AND ($3 IS NULL OR l.school_id = $3)
         ORDER BY s.sort_key, l.full_name")
        .bind(meeting_id).bind(reach.district()).bind(reach.school()).fetch_all(c).await)?)
}

/// Sets the marks given (librarian, state); a librarian left out keeps theirs. Marks of who was
/// there make a planned meeting held.
pub async fn set_attendance(ex: &mut Ex<'_>, meeting: &Meeting, marks: &[(i64, String)]) -> Result<(), Error> {
    ensure_open(ex, meeting.plan_id).await?;
    if marks.iter().any(|(_, s)| s != "expected") {
        exec!(ex, c => sqlx::query("UPDATE meetings SET status = 'held', updated_at = $1 WHERE id = $2 AND status = 'planned'")
            .bind(now()).bind(meeting.id).execute(c).await)?;
    }
    for (librarian, state) in marks {
        exec!(ex, c => sqlx::query(
            "INSERT INTO attendance (meeting_id, librarian_id, state) VALUES ($1, $2, $3)
             ON CONFLICT (meeting_id, librarian_id) DO UPDATE SET state = excluded.state")
            .bind(meeting.id).bind(librarian).bind(state).execute(c).await)?;
    }
    Ok(())
}

/// (meeting, present, marked) for every meeting of a plan.
pub async fn attendance_totals(ex: &mut Ex<'_>, plan_id: i64) -> Result<Vec<(i64, i64, i64)>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT a.meeting_id,
                CAST(SUM(CASE WHEN a.state = 'present' THEN 1 ELSE 0 END) AS BIGINT),
                CAST(COUNT(*) AS BIGINT)
         FROM attendance a JOIN meetings m ON m.id = a.meeting_id WHERE m.plan_id = $1 GROUP BY a.meeting_id")
        .bind(plan_id).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Contests
// ---------------------------------------------------------------------------------------------

pub async fn contests(ex: &mut Ex<'_>, reach: &Reach, year: i32) -> Result<Vec<Contest>, Error> {
    let mut list: Vec<Contest> = on!(ex, c => sqlx::query_as(
        "SELECT id, school_year, title, kind, level, starts_on, ends_on, organisers, links FROM contests
         WHERE district_id = $1 AND school_year = $2 ORDER BY starts_on IS NULL, starts_on, id")
        .bind(reach.district()).bind(year as i64).fetch_all(c).await)?;
    let rows: Vec<(i64, i64, String, i64, String)> = on!(ex, c => sqlx::query_as(
        "SELECT cs.contest_id, cs.school_id, s.short_name, cs.participants, cs.winners
         FROM contest_schools cs JOIN contests k ON k.id = cs.contest_id JOIN schools s ON s.id = cs.school_id
         WHERE k.district_id = $1 AND k.school_year = $2 ORDER BY s.sort_key")
        .bind(reach.district()).bind(year as i64).fetch_all(c).await)?;
    for (contest, school_id, school, participants, winners) in rows {
        if let Some(k) = list.iter_mut().find(|k| k.id == contest) {
            k.schools.push(ContestSchool { school_id, school, participants, winners });
        }
    }
    Ok(list)
}

#[allow(clippy::too_many_arguments)]
pub async fn add_contest(
    ex: &mut Ex<'_>,
    actor: &Actor,
    district: i64,
    year: i32,
    title: &str,
    kind: &str,
    level: &str,
    dates: (Option<NaiveDate>, Option<NaiveDate>),
    organisers: &str,
    links: &str,
    schools: &[ContestSchool],
) -> Result<i64, Error> {
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO contests (district_id, school_year, title, kind, level, starts_on, ends_on, organisers, links, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
        .bind(district).bind(year as i64).bind(title).bind(kind).bind(level).bind(dates.0).bind(dates.1)
        .bind(organisers).bind(links).bind(now()).fetch_one(c).await)?;
    for s in schools {
        exec!(ex, c => sqlx::query(
            "INSERT INTO contest_schools (contest_id, school_id, participants, winners) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(s.school_id).bind(s.participants).bind(&s.winners).execute(c).await)?;
    }
    let change = Change {
        action: "create",
        entity: "contest",
        entity_id: Some(id),
        district_id: Some(district),
        summary: format!("Конкурс «{title}»: школ {}", schools.len()),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Calendar feed tokens
// ---------------------------------------------------------------------------------------------

/// A new secret for a user's feed; the old one stops working.
pub async fn new_calendar_token(ex: &mut Ex<'_>, user_id: i64) -> Result<String, Error> {
    let token = crate::accounts::random_token();
    exec!(ex, c => sqlx::query(
        "INSERT INTO calendar_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at")
        .bind(user_id).bind(crate::accounts::token_hash(&token)).bind(now()).execute(c).await)?;
    Ok(token)
}

pub async fn revoke_calendar_token(ex: &mut Ex<'_>, user_id: i64) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("DELETE FROM calendar_tokens WHERE user_id = $1").bind(user_id).execute(c).await)?;
    Ok(())
}

pub async fn has_calendar_token(ex: &mut Ex<'_>, user_id: i64) -> Result<bool, Error> {
    let r: Option<(i64,)> = on!(ex, c => sqlx::query_as("SELECT user_id FROM calendar_tokens WHERE user_id = $1")
        .bind(user_id).fetch_optional(c).await)?;
    Ok(r.is_some())
}

/// The active account a feed token belongs to.
pub async fn calendar_user(ex: &mut Ex<'_>, token: &str) -> Result<Option<crate::accounts::User>, Error> {
    let r: Option<(i64,)> = on!(ex, c => sqlx::query_as("SELECT user_id FROM calendar_tokens WHERE token_hash = $1")
        .bind(crate::accounts::token_hash(token)).fetch_optional(c).await)?;
    match r {
        Some((id,)) => {
            let u = crate::accounts::user_by_id(ex, id).await?;
            Ok(u.archived_at.is_none().then_some(u))
        }
        None => Ok(None),
    }
}
