//! Last year's plan from the association's Word file. The file is read into rows (events and
//! meetings, whatever the column order of its tables) that the head reviews and corrects in a
//! form; the corrected rows come back and are written all at once, or not at all. The review
//! holds nothing on the server: the rows travel in the form.

use domain::planning::{Deadline, DueKind};
use domain::{text, FieldErrors, SchoolYear};
use serde::{Deserialize, Serialize};
use store::directory::Librarian;
use store::planning::{self as plans, NewEvent, NewMeeting, PlanText};
use store::{Db, Reach};

use super::{librarians, people_from, require_head, validate_event, validate_text, EventInput, MAX_EVENTS};
use crate::{Error, Result};

/// One row of the review form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Row {
    /// `event` or `meeting`; anything else (the head's «пропустить») leaves the row out.
    pub kind: String,
    pub section: String,
    /// An event's content, or a meeting's topic.
    pub content: String,
    pub due: String,
    pub responsible: String,
    pub number: String,
    pub place: String,
    pub practice: String,
    pub theory: String,
    /// «таблица 2, строка 5»: where the row came from, for the messages.
    pub source: String,
}

/// What the review screen shows: the rows, what was read of the header, and what to look at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Review {
    pub file: String,
    pub header: PlanText,
    pub rows: Vec<Row>,
    /// Per row: a problem to fix, or who of the data bank the responsible text matched.
    pub notes: Vec<(Option<String>, String)>,
    pub warnings: Vec<String>,
}

/// Reads a Word plan into rows for review. A file that is not a readable DOCX is refused with
/// the reader's message; a readable file without plan tables is refused too.
pub async fn read(db: &Db, reach: &Reach, year: SchoolYear, bytes: &[u8], file: &str) -> Result<Review> {
    let body = formats::docx::read(bytes, file).map_err(|p| Error::Invalid(p.to_string()))?;
    let draft = formats::plan::read_plan(&body);
    if draft.events.is_empty() && draft.meetings.is_empty() {
        return Err(Error::Invalid(format!(
            "{file}: в документе не найдено таблиц плана. Ожидаются таблицы с заголовками вроде «Мероприятие | Сроки | Ответственный» \
             или «№ | Дата | Место | Тема»"
        )));
    }
    let header = PlanText {
        common_theme: draft.city_theme.clone().unwrap_or_default(),
        theme: draft.theme.clone().unwrap_or_default(),
        goal: draft.goal.clone().unwrap_or_default(),
        tasks: draft.tasks.join("\n"),
        expected: draft.expected_results.join("\n"),
        ..Default::default()
    };
    let mut rows: Vec<Row> = draft
        .events
        .iter()
        .map(|e| Row {
            kind: "event".into(),
            section: e.section.clone(),
            content: e.content.clone(),
            due: e.due.clone(),
            responsible: e.responsible.clone(),
            source: format!("таблица {}, строка {}", e.table, e.row),
            ..Default::default()
        })
        .collect();
    rows.extend(draft.meetings.iter().map(|m| Row {
        kind: "meeting".into(),
        content: m.topic.clone(),
        due: m.date.clone(),
        responsible: m.responsible.clone(),
        number: m.number.map(|n| n.to_string()).unwrap_or_default(),
        place: m.place.clone(),
        practice: m.practice.clone(),
        theory: m.theory.clone(),
        source: format!("таблица {}, строка {}", m.table, m.row),
        ..Default::default()
    }));
    let bank = librarians(db, reach).await?;
    let notes = rows.iter().map(|r| note(r, year, &bank)).collect();
    Ok(Review { file: file.to_string(), header, rows, notes, warnings: draft.warnings })
}

/// A row's problem (None when it will import) and whom its people matched.
fn note(r: &Row, year: SchoolYear, bank: &[Librarian]) -> (Option<String>, String) {
    let problem = match check(r, year, bank) {
        Ok(_) => None,
        Err(e) => Some(e.0.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ")),
    };
    let people = people_from(&r.responsible, bank);
    let matched: Vec<String> = people
        .iter()
        .map(|p| match p.librarian_id.and_then(|id| bank.iter().find(|l| l.id == id)) {
            Some(l) => format!("{} → {} ({})", p.name, l.full_name, l.school_short_name),
            None => format!("{} — нет в банке данных", p.name),
        })
        .collect();
    (problem, matched.join("; "))
}

enum Checked {
    Event(NewEvent),
    Meeting(NewMeeting, Vec<(String, String)>, String),
}

fn check(r: &Row, year: SchoolYear, bank: &[Librarian]) -> std::result::Result<Checked, FieldErrors> {
    if r.kind == "meeting" {
        let mut e = FieldErrors::default();
        let date = match Deadline::parse(&r.due, year) {
            Ok(d) if d.kind == DueKind::Day => d.from.map(|d| d.format("%d.%m.%Y").to_string()),
            _ => {
                e.add("due", format!("дата заседания «{}»: нужна точная дата ДД.ММ.ГГГГ", text::clean(&r.due)));
                None
            }
        };
        let input = super::MeetingInput {
            number: r.number.clone(),
            date: date.unwrap_or_default(),
            place: if r.place.trim().is_empty() { "не указано".into() } else { r.place.clone() },
            topic: r.content.clone(),
            ..Default::default()
        };
        let m = super::validate_meeting(&input, year);
        match m {
            Ok(m) if e.is_empty() => {
                let mut agenda = Vec::new();
                for (part, cell) in [("practice", &r.practice), ("theory", &r.theory)] {
                    for line in cell.lines().map(text::clean).filter(|l| !l.is_empty()) {
                        agenda.push((line, part.to_string()));
                    }
                }
                Ok(Checked::Meeting(m, agenda, r.responsible.clone()))
            }
            Ok(_) => Err(e),
            Err(more) => {
                e.0.extend(more.0);
                Err(e)
            }
        }
    } else {
        let input = EventInput {
            section: r.section.clone(),
            content: r.content.clone(),
            due: r.due.clone(),
            responsible: r.responsible.clone(),
            ..Default::default()
        };
        validate_event(&input, year, bank).map(Checked::Event)
    }
}

/// Writes the reviewed rows: every row is checked first, and one problem anywhere writes
/// nothing. Creates the year's plan with the header read, or adds to the open plan (filling
/// only its empty header fields). Returns (events, meetings) added.
pub async fn commit(
    db: &Db,
    reach: &Reach,
    year: SchoolYear,
    header: &PlanText,
    rows: &[Row],
) -> Result<(usize, usize)> {
    require_head(reach)?;
    let kept: Vec<&Row> = rows.iter().filter(|r| r.kind == "event" || r.kind == "meeting").collect();
    if kept.len() > MAX_EVENTS {
        return Err(Error::Invalid(format!("Строк больше {MAX_EVENTS}: это не похоже на план одного года")));
    }
    let header = validate_text(header)?;
    let bank = librarians(db, reach).await?;
    let mut errors = FieldErrors::default();
    let mut events = Vec::new();
    let mut meetings = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if !(r.kind == "event" || r.kind == "meeting") {
            continue;
        }
        match check(r, year, &bank) {
            Ok(Checked::Event(e)) => events.push(e),
            Ok(Checked::Meeting(m, agenda, who)) => meetings.push((m, agenda, who)),
            Err(e) => {
                let at = if r.source.is_empty() { format!("строка {}", i + 1) } else { r.source.clone() };
                for f in e.0 {
                    errors.add(&format!("rows[{i}].{}", f.field), format!("{at}: {}", f.message));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let existing = super::plan(db, reach, year).await?;
    let mut tx = db.begin().await?;
    let actor = reach.actor();
    let plan = match existing {
        Some(p) => {
            let old = super::text_of(&p);
            let pick = |a: &String, b: &String| if a.is_empty() { b.clone() } else { a.clone() };
            let merged = PlanText {
                common_theme: pick(&old.common_theme, &header.common_theme),
                theme: pick(&old.theme, &header.theme),
                goal: pick(&old.goal, &header.goal),
                problem: pick(&old.problem, &header.problem),
                tasks: pick(&old.tasks, &header.tasks),
                directions: pick(&old.directions, &header.directions),
                expected: pick(&old.expected, &header.expected),
                forms: pick(&old.forms, &header.forms),
            };
            if merged != old {
                plans::update_plan(&mut tx.ex(), &actor, &p, &merged).await?;
            }
            p
        }
        None => {
            let id = plans::create_plan(&mut tx.ex(), &actor, reach.district(), year.start_year(), &header).await?;
            plans::plan_by_id(&mut tx.ex(), reach, id).await?
        }
    };
    plans::add_events(&mut tx.ex(), plan.id, &events).await?;
    for (m, agenda, who) in &meetings {
        let id = plans::add_meeting(&mut tx.ex(), &actor, &plan, m).await?;
        let meeting = plans::meeting(&mut tx.ex(), id).await?;
        let speakers = people_from(who, &bank);
        if agenda.is_empty() {
            plans::add_agenda_item(&mut tx.ex(), &meeting, &m.topic, "theory", &speakers).await?;
        }
        for (i, (title, part)) in agenda.iter().enumerate() {
            let who: &[store::planning::Person] = if i == 0 { &speakers } else { &[] };
            plans::add_agenda_item(&mut tx.ex(), &meeting, title, part, who).await?;
        }
    }
    let change = store::audit::Change {
        action: "import",
        entity: "plan",
        entity_id: Some(plan.id),
        district_id: Some(reach.district()),
        summary: format!(
            "План на {year} из документа Word: мероприятий {}, заседаний {}",
            events.len(),
            meetings.len()
        ),
        before: None,
        after: None,
    };
    store::audit::record(&mut tx.ex(), &actor, change).await?;
    tx.commit().await?;
    Ok((events.len(), meetings.len()))
}
