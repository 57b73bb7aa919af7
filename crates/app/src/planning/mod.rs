//! The association's work: the yearly plan, its events and indicators, meetings with agenda and
//! attendance, contests; the documents printed from them (`documents`), the import of last
//! year's Word plan (`import`), the calendar feed (`calendar`) and the annual analysis
//! (`analysis`). The head writes; everyone of the district reads.

pub mod analysis;
pub mod calendar;
pub mod documents;
pub mod import;

use chrono::{NaiveDate, NaiveTime};
use domain::planning::{same_person, split_people, Deadline};
use domain::{text, FieldErrors, SchoolYear};
use serde::{Deserialize, Serialize};
use store::directory::{self, Librarian};
use store::planning::{self as plans, Indicator, Meeting, NewEvent, NewMeeting, Person, Plan, PlanText};
use store::{Db, ListQuery, Reach};

use crate::{field_error, Error, Result};

pub const EVENT_STATUSES: &[(&str, &str)] =
    &[("planned", "запланировано"), ("done", "выполнено"), ("moved", "перенесено"), ("cancelled", "отменено")];
pub const MEETING_STATUSES: &[(&str, &str)] =
    &[("planned", "запланировано"), ("held", "проведено"), ("cancelled", "отменено")];
/// Marks of attendance. «expected» is a plan and only fits a meeting still to come; the others
/// are facts and only fit a meeting that has begun.
pub const ATTENDANCE: &[(&str, &str)] = &[
    ("present", "присутствовал(а)"),
    ("absent", "отсутствовал(а)"),
    ("excused", "отсутствовал(а) по уважительной причине"),
    ("expected", "планирует участие"),
];
pub const PARTS: &[(&str, &str)] = &[("theory", "Теоретическая часть"), ("practice", "Практическая часть")];

/// Longest one-line field (a section, a topic, a form of work).
pub const MAX_LINE: usize = 500;
/// Longest free text (an event's content, a plan's tasks, decisions).
pub const MAX_TEXT: usize = 4_000;
/// Events in one plan: the seeds have 10–60; a plan of thousands is an import gone wrong.
pub const MAX_EVENTS: usize = 2_000;

pub fn title_of(choices: &[(&'static str, &'static str)], code: &str) -> &'static str {
    domain::fund::title_of(choices, code)
}

fn limited(v: &str, max: usize, field: &str, label: &str, required: bool, e: &mut FieldErrors) -> String {
    let v = if max > MAX_LINE { text::clean_multiline(v) } else { text::clean(v) };
    if required && v.is_empty() {
        e.add(field, format!("{label}: заполните"));
    } else if v.chars().count() > max {
        e.add(field, format!("{label}: не длиннее {} знаков (сейчас {})", max, v.chars().count()));
    }
    v
}

fn choice(v: &str, choices: &[(&str, &str)], default: &str, field: &str, label: &str, e: &mut FieldErrors) -> String {
    let v = text::clean(v);
    if v.is_empty() {
        return default.to_string();
    }
    match choices.iter().find(|(code, title)| *code == v || text::normalize(title) == text::normalize(&v)) {
        Some((code, _)) => code.to_string(),
        None => {
            let allowed: Vec<&str> = choices.iter().map(|(_, t)| *t).collect();
            e.add(field, format!("{label}: «{v}» — выберите одно из: {}", allowed.join(", ")));
            String::new()
        }
    }
}

/// The plan of a school year in the caller's district, if started.
pub async fn plan(db: &Db, reach: &Reach, year: SchoolYear) -> Result<Option<Plan>> {
    let mut c = db.conn().await?;
    plans::plan(&mut c.ex(), reach, year.start_year()).await
}

async fn plan_or_404(db: &Db, reach: &Reach, year: SchoolYear) -> Result<Plan> {
    plan(db, reach, year).await?.ok_or_else(|| {
        Error::Invalid(format!("Плана на {year} учебный год ещё нет: начните его на странице «План работы»"))
    })
}

fn require_head(reach: &Reach) -> Result<()> {
    if reach.is_head() {
        Ok(())
    } else {
        Err(Error::Invalid("Изменять план и заседания может только руководитель МО".into()))
    }
}

/// Starts a school year's plan: empty, or a copy of last year's header, events (every one
/// planned again, its dates a year later) and indicators (without the actual figures).
pub async fn start_plan(db: &Db, reach: &Reach, year: SchoolYear, copy_last: bool) -> Result<i64> {
    require_head(reach)?;
    let last = if copy_last {
        let mut c = db.conn().await?;
        let last = plans::plan(&mut c.ex(), reach, year.prev().start_year()).await?.ok_or_else(|| {
            field_error("copy", format!("Плана на {} учебный год нет: копировать нечего", year.prev()))
        })?;
        let events = plans::events(&mut c.ex(), last.id).await?;
        let indicators = plans::indicators(&mut c.ex(), last.id).await?;
        Some((last, events, indicators))
    } else {
        None
    };
    let mut tx = db.begin().await?;
    let actor = reach.actor();
    let text = last.as_ref().map(|(p, _, _)| text_of(p)).unwrap_or_default();
    let id = plans::create_plan(&mut tx.ex(), &actor, reach.district(), year.start_year(), &text).await?;
    if let Some((_, events, indicators)) = last {
        let moved: Vec<NewEvent> = events
            .iter()
            .map(|e| NewEvent {
                section: e.section.clone(),
                content: e.content.clone(),
                due: a_year_later(&e.deadline(), year),
                status: "planned".into(),
                result: String::new(),
                evidence: String::new(),
                people: e.people.clone(),
            })
            .collect();
        plans::add_events(&mut tx.ex(), id, &moved).await?;
        let fresh: Vec<Indicator> = indicators.into_iter().map(|i| Indicator { actual: None, ..i }).collect();
        plans::set_indicators(&mut tx.ex(), id, &fresh).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// A deadline moved into the next school year: dates a year later, words kept.
fn a_year_later(d: &Deadline, year: SchoolYear) -> Deadline {
    use chrono::Months;
    let shift = |x: Option<NaiveDate>| x.and_then(|d| d.checked_add_months(Months::new(12)));
    match d.from {
        Some(_) => {
            let mut n = Deadline::from_parts(d.kind.as_str(), shift(d.from), shift(d.to), d.text.clone());
            // Written words name the old year («Март, 2024 г.»): parse them again for the new one
            // when they still read, else keep the moved dates.
            if let Ok(again) = Deadline::parse(&strip_years(&d.text), year) {
                if again.from.is_some() {
                    n = again;
                }
            }
            n
        }
        None => d.clone(),
    }
}

/// «Март, 2024 г.» → «Март»; an exact date is left as it is (the parse moves it).
fn strip_years(s: &str) -> String {
    if s.chars().filter(|c| *c == '.').count() >= 2 && s.chars().any(|c| c.is_ascii_digit()) {
        return s.to_string();
    }
    let out: String = s.chars().filter(|c| !c.is_ascii_digit()).collect();
    text::clean(out.replace(" г.", "").replace(" г", "").trim_end_matches([',', '.', ' ']))
}

pub fn text_of(p: &Plan) -> PlanText {
    PlanText {
        common_theme: p.common_theme.clone(),
        theme: p.theme.clone(),
        goal: p.goal.clone(),
        problem: p.problem.clone(),
        tasks: p.tasks.clone(),
        directions: p.directions.clone(),
        expected: p.expected.clone(),
        forms: p.forms.clone(),
    }
}

/// Cleans and limits the header's texts.
pub fn validate_text(t: &PlanText) -> std::result::Result<PlanText, FieldErrors> {
    let mut e = FieldErrors::default();
    let v = PlanText {
        common_theme: limited(&t.common_theme, MAX_TEXT, "common_theme", "Единая методическая тема", false, &mut e),
        theme: limited(&t.theme, MAX_TEXT, "theme", "Методическая тема МО", false, &mut e),
        goal: limited(&t.goal, MAX_TEXT, "goal", "Цель", false, &mut e),
        problem: limited(&t.problem, MAX_TEXT, "problem", "Проблемное поле", false, &mut e),
        tasks: limited(&t.tasks, MAX_TEXT, "tasks", "Задачи", false, &mut e),
        directions: limited(&t.directions, MAX_TEXT, "directions", "Направления работы", false, &mut e),
        expected: limited(&t.expected, MAX_TEXT, "expected", "Ожидаемые результаты", false, &mut e),
        forms: limited(&t.forms, MAX_TEXT, "forms", "Формы работы", false, &mut e),
    };
    e.into_result(v)
}

pub async fn save_text(db: &Db, reach: &Reach, year: SchoolYear, t: &PlanText) -> Result<()> {
    require_head(reach)?;
    let t = validate_text(t)?;
    let p = plan_or_404(db, reach, year).await?;
    let mut tx = db.begin().await?;
    plans::update_plan(&mut tx.ex(), &reach.actor(), &p, &t).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_closed(db: &Db, reach: &Reach, year: SchoolYear, closed: bool) -> Result<()> {
    require_head(reach)?;
    let p = plan_or_404(db, reach, year).await?;
    let mut tx = db.begin().await?;
    plans::set_closed(&mut tx.ex(), &reach.actor(), &p, closed).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

/// The district's active librarians, to match names against.
pub async fn librarians(db: &Db, reach: &Reach) -> Result<Vec<Librarian>> {
    let mut c = db.conn().await?;
    let whole = Reach::whole_district(reach.district());
    Ok(directory::list_librarians(&mut c.ex(), &whole, None, &ListQuery::all()).await?.items)
}

/// People from a «Ответственный» or «Докладчики» text: entries separated by «;» or new lines;
/// «Фамилия И.О. (должность, организация)» is someone with a position; without brackets the
/// text may name several people («Саблина В.И., Куклина Н.Н.»). Each is matched to the data
/// bank by surname and initials; words that name no person («ГТО ШБ») are kept as written.
pub fn people_from(textual: &str, bank: &[Librarian]) -> Vec<Person> {
    let mut out = Vec::new();
    for chunk in textual.split(['\n', ';']).map(text::clean).filter(|c| !c.is_empty()) {
        if let Some((name, rest)) = chunk.split_once('(') {
            let rest = rest.trim_end_matches(')');
            let (post, organisation) = match rest.split_once(',') {
                Some((p, o)) => (text::clean(p), text::clean(o)),
                None => (text::clean(rest), String::new()),
            };
            let name = text::clean(name);
            let librarian_id = split_people(&name).0.first().and_then(|p| matched(p, bank));
            out.push(Person { librarian_id, name, post, organisation });
            continue;
        }
        let (people, leftovers) = split_people(&chunk);
        for p in people {
            let librarian_id = matched(&p, bank);
            let name =
                if p.raw.is_empty() { format!("{} {}", p.surname, p.initials).trim().to_string() } else { p.raw };
            out.push(Person { librarian_id, name: text::clean(&name), ..Default::default() });
        }
        for l in leftovers.into_iter().map(|l| text::clean(&l)).filter(|l| !l.is_empty()) {
            out.push(Person { name: l, ..Default::default() });
        }
    }
    out
}

/// The one librarian this reference names; None when nobody or several match.
fn matched(p: &domain::planning::PersonRef, bank: &[Librarian]) -> Option<i64> {
    let mut found = bank.iter().filter(|l| same_person(p, &l.full_name));
    match (found.next(), found.next()) {
        (Some(l), None) => Some(l.id),
        _ => None,
    }
}

/// People as one line of text, the way the plan prints them.
pub fn people_text(people: &[Person]) -> String {
    people
        .iter()
        .map(|p| {
            let extra: Vec<&str> =
                [p.post.as_str(), p.organisation.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
            if extra.is_empty() {
                p.name.clone()
            } else {
                format!("{} ({})", p.name, extra.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// People as the form shows them for editing: one per line.
pub fn people_lines(people: &[Person]) -> String {
    people_text(people).replace(", ", "\n").replace("\n(", " (")
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EventInput {
    pub section: String,
    pub content: String,
    /// As the plans write it: «11.09.2023», «Апрель – май», «В течение года».
    pub due: String,
    /// People separated by «;» or new lines: «Саблина В.И.; Иванова А.А. (директор, ЦБС)».
    pub responsible: String,
    pub status: String,
    pub result: String,
    pub evidence: String,
}

pub fn validate_event(
    input: &EventInput,
    year: SchoolYear,
    bank: &[Librarian],
) -> std::result::Result<NewEvent, FieldErrors> {
    let mut e = FieldErrors::default();
    let section = limited(&input.section, MAX_LINE, "section", "Направление", false, &mut e);
    let content = limited(&input.content, MAX_TEXT, "content", "Мероприятие", true, &mut e);
    let due = match Deadline::parse(&input.due, year) {
        Ok(d) => Some(d),
        Err(m) => {
            e.add("due", format!("Срок: {m}"));
            None
        }
    };
    let responsible = limited(&input.responsible, MAX_TEXT, "responsible", "Ответственные", false, &mut e);
    let status = choice(&input.status, EVENT_STATUSES, "planned", "status", "Статус", &mut e);
    let result = limited(&input.result, MAX_TEXT, "result", "Результат", false, &mut e);
    let evidence = limited(&input.evidence, MAX_TEXT, "evidence", "Ссылки на материалы", false, &mut e);
    for link in evidence.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !(link.starts_with("https://") || link.starts_with("http://") || link.starts_with('/')) {
            e.add("evidence", format!("Ссылка «{link}»: нужен адрес, начинающийся с https://"));
        }
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(NewEvent {
        section,
        content,
        due: due.expect("checked"),
        status,
        result,
        evidence,
        people: people_from(&responsible, bank),
    })
}

pub async fn add_event(db: &Db, reach: &Reach, year: SchoolYear, input: &EventInput) -> Result<i64> {
    require_head(reach)?;
    let bank = librarians(db, reach).await?;
    let e = validate_event(input, year, &bank)?;
    let p = plan_or_404(db, reach, year).await?;
    let mut tx = db.begin().await?;
    let ids = plans::add_events(&mut tx.ex(), p.id, std::slice::from_ref(&e)).await?;
    audit_event(&mut tx, reach, ids[0], "create", &e).await?;
    tx.commit().await?;
    Ok(ids[0])
}

async fn audit_event(tx: &mut store::Tx, reach: &Reach, id: i64, action: &str, e: &NewEvent) -> Result<()> {
    let summary: String = format!("Мероприятие плана: {} ({})", e.content, e.due.display()).chars().take(300).collect();
    let change = store::audit::Change {
        action,
        entity: "plan_event",
        entity_id: Some(id),
        district_id: Some(reach.district()),
        summary,
        before: None,
        after: None,
    };
    store::audit::record(&mut tx.ex(), &reach.actor(), change).await
}

/// The plan an event belongs to, checked against the caller's district.
async fn plan_of_event(db: &Db, reach: &Reach, id: i64) -> Result<(Plan, plans::Event)> {
    let mut c = db.conn().await?;
    let ev = plans::event(&mut c.ex(), id).await?;
    Ok((plans::plan_by_id(&mut c.ex(), reach, ev.plan_id).await?, ev))
}

pub async fn event(db: &Db, reach: &Reach, id: i64) -> Result<(Plan, plans::Event)> {
    plan_of_event(db, reach, id).await
}

pub async fn update_event(db: &Db, reach: &Reach, id: i64, input: &EventInput) -> Result<()> {
    require_head(reach)?;
    let (p, _) = plan_of_event(db, reach, id).await?;
    let bank = librarians(db, reach).await?;
    let year = SchoolYear::starting(p.school_year as i32).ok_or(Error::NotFound)?;
    let e = validate_event(input, year, &bank)?;
    let mut tx = db.begin().await?;
    plans::update_event(&mut tx.ex(), id, p.id, &e).await?;
    audit_event(&mut tx, reach, id, "update", &e).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_event(db: &Db, reach: &Reach, id: i64) -> Result<()> {
    require_head(reach)?;
    let (p, ev) = plan_of_event(db, reach, id).await?;
    let mut tx = db.begin().await?;
    plans::delete_event(&mut tx.ex(), id, p.id).await?;
    let change = store::audit::Change {
        action: "delete",
        entity: "plan_event",
        entity_id: Some(id),
        district_id: Some(reach.district()),
        summary: format!("Мероприятие плана удалено: {}", ev.content).chars().take(300).collect(),
        before: None,
        after: None,
    };
    store::audit::record(&mut tx.ex(), &reach.actor(), change).await?;
    tx.commit().await?;
    Ok(())
}

/// A plan's events sorted by their deadlines: dated ones by date, words («в течение года») last.
pub fn by_deadline(events: &mut [plans::Event]) {
    events.sort_by_key(|e| (e.deadline().sort_key(), e.position));
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

pub async fn save_indicators(db: &Db, reach: &Reach, year: SchoolYear, rows: &[Indicator]) -> Result<()> {
    require_head(reach)?;
    let mut e = FieldErrors::default();
    let mut clean = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let f = |k: &str| format!("indicators[{i}].{k}");
        let task = limited(&r.task, MAX_TEXT, &f("task"), &format!("Показатель {}, задача", i + 1), false, &mut e);
        if task.is_empty() && r.planned.trim().is_empty() && r.criterion.trim().is_empty() {
            continue;
        }
        for (v, k) in [(r.target, "target"), (r.actual, "actual")] {
            if v.is_some_and(|n| !(0..=1_000_000).contains(&n)) {
                e.add(&f(k), format!("Показатель {}: число от 0 до 1 000 000", i + 1));
            }
        }
        clean.push(Indicator {
            id: 0,
            position: 0,
            task,
            planned: limited(&r.planned, MAX_TEXT, &f("planned"), "Планируемый результат", false, &mut e),
            criterion: limited(&r.criterion, MAX_TEXT, &f("criterion"), "Критерий", false, &mut e),
            target: r.target,
            actual: r.actual,
        });
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let p = plan_or_404(db, reach, year).await?;
    let mut tx = db.begin().await?;
    plans::set_indicators(&mut tx.ex(), p.id, &clean).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Meetings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingInput {
    /// Empty: the next number of the year.
    pub number: String,
    /// ДД.ММ.ГГГГ or ГГГГ-ММ-ДД.
    pub date: String,
    /// ЧЧ:ММ, may be empty.
    pub time: String,
    pub school_id: Option<i64>,
    /// «онлайн», a room, or an address outside the district's schools.
    pub place: String,
    pub topic: String,
    pub goal: String,
    pub form: String,
    pub materials: String,
    pub decisions: String,
    pub status: String,
}

pub fn validate_meeting(m: &MeetingInput, year: SchoolYear) -> std::result::Result<NewMeeting, FieldErrors> {
    let mut e = FieldErrors::default();
    let number = match text::clean(&m.number).trim_start_matches('№').trim() {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => Some(n),
            _ => {
                e.add("number", format!("Номер: «{n}» — нужно число от 1 до 100"));
                None
            }
        },
    };
    let held_on = match domain::dates::parse(&m.date) {
        Some(d) => {
            let (from, to) = (domain::fund::start_of(year), domain::fund::end_of(year));
            if d < from || d > to {
                e.add(
                    "date",
                    format!(
                        "Дата: {} не входит в {year} учебный год ({} – {})",
                        domain::dates::format(d),
                        domain::dates::format(from),
                        domain::dates::format(to)
                    ),
                );
            }
            Some(d)
        }
        None if text::clean(&m.date).is_empty() => {
            e.add("date", "Дата: укажите дату заседания");
            None
        }
        None => {
            e.add("date", format!("Дата: «{}» — нужна дата вида ДД.ММ.ГГГГ", text::clean(&m.date)));
            None
        }
    };
    let time = text::clean(&m.time);
    if !time.is_empty() && NaiveTime::parse_from_str(&time, "%H:%M").is_err() {
        e.add("time", format!("Время: «{time}» — нужно время вида 14:30"));
    }
    let place = limited(&m.place, MAX_LINE, "place", "Место", false, &mut e);
    if m.school_id.is_none() && place.is_empty() {
        e.add("place", "Место: выберите школу или напишите место (например, «онлайн»)");
    }
    let v = NewMeeting {
        number,
        held_on: held_on.unwrap_or_default(),
        starts_at: time,
        school_id: m.school_id,
        place,
        topic: limited(&m.topic, MAX_TEXT, "topic", "Тема", true, &mut e),
        goal: limited(&m.goal, MAX_TEXT, "goal", "Цель", false, &mut e),
        form: limited(&m.form, MAX_LINE, "form", "Форма проведения", false, &mut e),
        materials: limited(&m.materials, MAX_TEXT, "materials", "Материалы", false, &mut e),
        decisions: limited(&m.decisions, MAX_TEXT, "decisions", "Решения", false, &mut e),
        status: choice(&m.status, MEETING_STATUSES, "planned", "status", "Статус", &mut e),
    };
    e.into_result(v)
}

async fn check_school(db: &Db, reach: &Reach, school: Option<i64>) -> Result<()> {
    if let Some(s) = school {
        let mut c = db.conn().await?;
        directory::get_school(&mut c.ex(), reach, s)
            .await
            .map_err(|_| field_error("school_id", "Место: такой школы в районе нет"))?;
    }
    Ok(())
}

pub async fn add_meeting(db: &Db, reach: &Reach, year: SchoolYear, input: &MeetingInput) -> Result<i64> {
    require_head(reach)?;
    let m = validate_meeting(input, year)?;
    check_school(db, reach, m.school_id).await?;
    let p = plan_or_404(db, reach, year).await?;
    let mut tx = db.begin().await?;
    let id = plans::add_meeting(&mut tx.ex(), &reach.actor(), &p, &m).await?;
    tx.commit().await?;
    Ok(id)
}

/// A meeting of the caller's district, with its plan.
pub async fn meeting(db: &Db, reach: &Reach, id: i64) -> Result<(Plan, Meeting)> {
    let mut c = db.conn().await?;
    let m = plans::meeting(&mut c.ex(), id).await?;
    Ok((plans::plan_by_id(&mut c.ex(), reach, m.plan_id).await?, m))
}

pub async fn update_meeting(db: &Db, reach: &Reach, id: i64, input: &MeetingInput) -> Result<()> {
    require_head(reach)?;
    let (p, old) = meeting(db, reach, id).await?;
    let year = SchoolYear::starting(p.school_year as i32).ok_or(Error::NotFound)?;
    let m = validate_meeting(input, year)?;
    check_school(db, reach, m.school_id).await?;
    let mut tx = db.begin().await?;
    plans::update_meeting(&mut tx.ex(), &reach.actor(), &old, &m).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AgendaInput {
    pub title: String,
    /// `theory` or `practice`.
    pub part: String,
    /// One speaker per line: «Куклина Н.Н. (педагог-библиотекарь, МБОУ СОШ № 2)».
    pub speakers: String,
}

pub async fn add_agenda_item(db: &Db, reach: &Reach, meeting_id: i64, input: &AgendaInput) -> Result<i64> {
    require_head(reach)?;
    let mut e = FieldErrors::default();
    let title = limited(&input.title, MAX_TEXT, "title", "Вопрос повестки", true, &mut e);
    let part = choice(&input.part, PARTS, "theory", "part", "Часть", &mut e);
    let speakers = limited(&input.speakers, MAX_TEXT, "speakers", "Докладчики", false, &mut e);
    if !e.is_empty() {
        return Err(e.into());
    }
    let (_, m) = meeting(db, reach, meeting_id).await?;
    let bank = librarians(db, reach).await?;
    let mut people = people_from(&speakers, &bank);
    // A speaker from the data bank without a position given gets theirs and their school's.
    for p in &mut people {
        if let Some(l) = p.librarian_id.and_then(|id| bank.iter().find(|l| l.id == id)) {
            if p.post.is_empty() {
                p.post = l.position.clone();
            }
            if p.organisation.is_empty() {
                p.organisation = l.school_short_name.clone();
            }
        }
    }
    let mut tx = db.begin().await?;
    let id = plans::add_agenda_item(&mut tx.ex(), &m, &title, &part, &people).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_agenda_item(db: &Db, reach: &Reach, meeting_id: i64, item: i64) -> Result<()> {
    require_head(reach)?;
    let (_, m) = meeting(db, reach, meeting_id).await?;
    let mut tx = db.begin().await?;
    plans::delete_agenda_item(&mut tx.ex(), &m, item).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks attendance: (librarian, state). A meeting still to come takes only «expected»; one
/// that has taken place only present, absent or excused.
pub async fn mark_attendance(
    db: &Db,
    reach: &Reach,
    meeting_id: i64,
    marks: &[(i64, String)],
    today: NaiveDate,
) -> Result<()> {
    require_head(reach)?;
    let (_, m) = meeting(db, reach, meeting_id).await?;
    let bank = librarians(db, reach).await?;
    let mut e = FieldErrors::default();
    let mut clean = Vec::new();
    for (librarian, state) in marks {
        let Some(l) = bank.iter().find(|l| l.id == *librarian) else {
            e.add("attendance", format!("Библиотекаря с номером {librarian} в районе нет"));
            continue;
        };
        let state = text::clean(state);
        if state.is_empty() {
            continue;
        }
        if !ATTENDANCE.iter().any(|(c, _)| *c == state) {
            e.add(&format!("attendance.{librarian}"), format!("{}: неизвестная отметка «{state}»", l.full_name));
            continue;
        }
        let future = m.held_on > today;
        if future && state != "expected" {
            e.add(
                &format!("attendance.{librarian}"),
                format!(
                    "{}: заседание {} ещё не прошло — можно отметить только «планирует участие»",
                    l.full_name,
                    domain::dates::format(m.held_on)
                ),
            );
        } else if !future && state == "expected" {
            e.add(
                &format!("attendance.{librarian}"),
                format!(
                    "{}: заседание {} уже прошло — отметьте, был ли человек на нём",
                    l.full_name,
                    domain::dates::format(m.held_on)
                ),
            );
        }
        clean.push((*librarian, state));
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let mut tx = db.begin().await?;
    plans::set_attendance(&mut tx.ex(), &m, &clean).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Contests
// ---------------------------------------------------------------------------------------------

pub const CONTEST_KINDS: &[(&str, &str)] =
    &[("contest", "конкурс"), ("exhibition", "выставка"), ("reading", "чтения"), ("other", "другое")];
pub const LEVELS: &[(&str, &str)] = &[
    ("school", "школьный"),
    ("municipal", "муниципальный"),
    ("regional", "региональный"),
    ("federal", "всероссийский"),
    ("international", "международный"),
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContestInput {
    pub title: String,
    pub kind: String,
    pub level: String,
    pub starts_on: String,
    pub ends_on: String,
    pub organisers: String,
    pub links: String,
    /// (school, participants, winners by name — only with their consent)
    pub schools: Vec<(i64, i64, String)>,
}

pub async fn add_contest(db: &Db, reach: &Reach, year: SchoolYear, input: &ContestInput) -> Result<i64> {
    require_head(reach)?;
    let mut e = FieldErrors::default();
    let title = limited(&input.title, MAX_LINE, "title", "Название", true, &mut e);
    let kind = choice(&input.kind, CONTEST_KINDS, "contest", "kind", "Вид", &mut e);
    let level = choice(&input.level, LEVELS, "municipal", "level", "Уровень", &mut e);
    let starts = domain::dates::parse_optional(&input.starts_on, "starts_on", "Начало", &mut e);
    let ends = domain::dates::parse_optional(&input.ends_on, "ends_on", "Окончание", &mut e);
    if let (Some(a), Some(b)) = (starts, ends) {
        if b < a {
            e.add("ends_on", "Окончание раньше начала");
        }
    }
    let organisers = limited(&input.organisers, MAX_TEXT, "organisers", "Организаторы", false, &mut e);
    let links = limited(&input.links, MAX_TEXT, "links", "Ссылки", false, &mut e);
    let mut schools = Vec::new();
    {
        let mut c = db.conn().await?;
        for (i, (school, participants, winners)) in input.schools.iter().enumerate() {
            if directory::get_school(&mut c.ex(), reach, *school).await.is_err() {
                e.add(&format!("schools[{i}]"), format!("Строка {}: такой школы в районе нет", i + 1));
            }
            if !(0..=10_000).contains(participants) {
                e.add(&format!("schools[{i}]"), format!("Строка {}: участников от 0 до 10 000", i + 1));
            }
            let winners = limited(winners, MAX_TEXT, &format!("schools[{i}]"), "Победители", false, &mut e);
            schools.push(plans::ContestSchool {
                school_id: *school,
                school: String::new(),
                participants: *participants,
                winners,
            });
        }
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let mut tx = db.begin().await?;
    let id = plans::add_contest(
        &mut tx.ex(),
        &reach.actor(),
        reach.district(),
        year.start_year(),
        &title,
        &kind,
        &level,
        (starts, ends),
        &organisers,
        &links,
        &schools,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// The dashboard
// ---------------------------------------------------------------------------------------------

/// What the dashboard shows of the association's work.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Upcoming {
    /// Planned events whose deadline touches this month.
    pub this_month: Vec<plans::Event>,
    /// Planned events whose deadline has passed.
    pub overdue: Vec<plans::Event>,
    pub next_meeting: Option<(Meeting, Vec<plans::AgendaItem>)>,
}

pub async fn upcoming(db: &Db, reach: &Reach, today: NaiveDate) -> Result<Upcoming> {
    use chrono::Datelike;
    let year = SchoolYear::of(today);
    let Some(p) = plan(db, reach, year).await? else { return Ok(Upcoming::default()) };
    let first = today.with_day(1).unwrap_or(today);
    let last = first.checked_add_months(chrono::Months::new(1)).map(|d| d.pred_opt().unwrap_or(d)).unwrap_or(today);
    let mut c = db.conn().await?;
    let mut events = plans::events(&mut c.ex(), p.id).await?;
    by_deadline(&mut events);
    let planned = events.into_iter().filter(|e| e.status == "planned");
    let (overdue, rest): (Vec<_>, Vec<_>) = planned.partition(|e| e.deadline().is_overdue(today));
    let this_month = rest.into_iter().filter(|e| e.deadline().overlaps(first, last)).collect();
    let next =
        plans::meetings(&mut c.ex(), p.id).await?.into_iter().find(|m| m.held_on >= today && m.status == "planned");
    let next_meeting = match next {
        Some(m) => {
            let agenda = plans::agenda(&mut c.ex(), m.id).await?;
            Some((m, agenda))
        }
        None => None,
    };
    Ok(Upcoming { this_month, overdue, next_meeting })
}
