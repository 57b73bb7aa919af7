//! The plan and the meeting protocol, gathered once for the printable page and the DOCX alike.
//! The plan prints in the table forms the seeds use: events by sections («Мероприятие / Сроки /
//! Ответственный»), or by directions («Направление / Содержание работы / Сроки /
//! Ответственный»), then the meetings table («№ / Дата / Место / Тема / Практическая часть /
//! Теоретическая часть») and the indicators.

use domain::SchoolYear;
use formats::docx::{Document, Table};
use serde::Serialize;
use store::directory;
use store::planning::{self as plans, AgendaItem, Attendance, Event, Indicator, Meeting, Plan};
use store::{Db, Reach};

use super::{people_text, title_of, ATTENDANCE, PARTS};
use crate::{Error, Result};

/// How the events table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// A heading row per section, then «№ / Мероприятие / Сроки / Ответственный».
    #[default]
    Sections,
    /// «Направление / Содержание работы / Сроки / Ответственный», the section in the first column.
    Directions,
}

impl Layout {
    pub fn parse(s: &str) -> Layout {
        if s == "directions" {
            Layout::Directions
        } else {
            Layout::Sections
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanBook {
    pub district: String,
    pub plan: Plan,
    pub events: Vec<Event>,
    pub meetings: Vec<(Meeting, Vec<AgendaItem>)>,
    pub indicators: Vec<Indicator>,
}

impl PlanBook {
    pub fn year(&self) -> String {
        format!("{}/{}", self.plan.school_year, self.plan.school_year + 1)
    }

    /// Sections in the plan's order, each with its events.
    pub fn sections(&self) -> Vec<(String, Vec<&Event>)> {
        let mut out: Vec<(String, Vec<&Event>)> = Vec::new();
        for e in &self.events {
            match out.last_mut() {
                Some((s, list)) if *s == e.section => list.push(e),
                _ => out.push((e.section.clone(), vec![e])),
            }
        }
        out
    }
}

/// A meeting's agenda items of one part, with their speakers, as one cell's text.
pub fn part_text(agenda: &[AgendaItem], part: &str) -> String {
    agenda
        .iter()
        .filter(|a| a.part == part)
        .map(|a| {
            if a.speakers.is_empty() {
                a.title.clone()
            } else {
                format!("{} — {}", a.title, people_text(&a.speakers))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn book(db: &Db, reach: &Reach, year: SchoolYear) -> Result<PlanBook> {
    let mut c = db.conn().await?;
    let plan = plans::plan(&mut c.ex(), reach, year.start_year())
        .await?
        .ok_or_else(|| Error::Invalid(format!("Плана на {year} учебный год ещё нет")))?;
    let district = directory::get_district(&mut c.ex(), reach.district()).await?.name;
    let events = plans::events(&mut c.ex(), plan.id).await?;
    let mut meetings = Vec::new();
    for m in plans::meetings(&mut c.ex(), plan.id).await? {
        let agenda = plans::agenda(&mut c.ex(), m.id).await?;
        meetings.push((m, agenda));
    }
    let indicators = plans::indicators(&mut c.ex(), plan.id).await?;
    Ok(PlanBook { district, plan, events, meetings, indicators })
}

/// Numbered lines of a text field, as the plan prints them.
fn lines(s: &str) -> Vec<&str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

pub fn plan_docx(b: &PlanBook, layout: Layout) -> Result<Vec<u8>> {
    let mut d = Document::new(true);
    d.title(&format!(
        "План работы методического объединения школьных библиотекарей\n{}\nна {} учебный год",
        b.district,
        b.year()
    ));
    let p = &b.plan;
    for (label, value) in [
        ("Единая методическая тема", &p.common_theme),
        ("Методическая тема МО", &p.theme),
        ("Цель", &p.goal),
        ("Проблемное поле", &p.problem),
    ] {
        if !value.is_empty() {
            d.paragraph(&format!("{label}: {value}"));
        }
    }
    for (label, value) in [
        ("Задачи", &p.tasks),
        ("Направления работы", &p.directions),
        ("Ожидаемые результаты", &p.expected),
        ("Формы работы", &p.forms),
    ] {
        if !value.is_empty() {
            d.heading(label);
            d.paragraph(&lines(value).join("\n"));
        }
    }
    if !b.events.is_empty() {
        d.heading("Содержание работы");
        d.table(events_table(b, layout));
    }
    if !b.meetings.is_empty() {
        d.heading("Заседания методического объединения");
        d.table(meetings_table(b));
    }
    if !b.indicators.is_empty() {
        d.heading("Показатели результативности");
        d.table(indicators_table(&b.indicators));
    }
    d.to_bytes().map_err(|p| Error::Invalid(p.message))
}

pub fn events_table(b: &PlanBook, layout: Layout) -> Table {
    let mut rows = Vec::new();
    match layout {
        Layout::Sections => {
            let mut n = 0;
            for (section, events) in b.sections() {
                if !section.is_empty() {
                    rows.push(vec![String::new(), section.clone(), String::new(), String::new()]);
                }
                for e in events {
                    n += 1;
                    rows.push(vec![format!("{n}."), e.content.clone(), e.deadline().display(), people_text(&e.people)]);
                }
            }
            Table {
                header: vec![vec!["№".into(), "Мероприятие".into(), "Сроки".into(), "Ответственный".into()]],
                rows,
                widths: vec![5, 60, 15, 20],
                ..Default::default()
            }
        }
        Layout::Directions => {
            for (section, events) in b.sections() {
                for (i, e) in events.into_iter().enumerate() {
                    let s = if i == 0 { section.clone() } else { String::new() };
                    rows.push(vec![s, e.content.clone(), e.deadline().display(), people_text(&e.people)]);
                }
            }
            Table {
                header: vec![vec![
                    "Направление".into(),
                    "Содержание работы".into(),
                    "Сроки".into(),
                    "Ответственный".into(),
                ]],
                rows,
                widths: vec![20, 50, 12, 18],
                ..Default::default()
            }
        }
    }
}

pub fn meetings_table(b: &PlanBook) -> Table {
    let rows = b
        .meetings
        .iter()
        .map(|(m, agenda)| {
            vec![
                m.number.to_string(),
                domain::dates::format(m.held_on),
                m.place_text(),
                m.topic.clone(),
                part_text(agenda, "practice"),
                part_text(agenda, "theory"),
            ]
        })
        .collect();
    Table {
        header: vec![vec![
            "№".into(),
            "Дата".into(),
            "Место".into(),
            "Тема".into(),
            "Практическая часть".into(),
            "Теоретическая часть".into(),
        ]],
        rows,
        widths: vec![4, 10, 14, 24, 24, 24],
        ..Default::default()
    }
}

pub fn indicators_table(rows: &[Indicator]) -> Table {
    let num = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    Table {
        header: vec![vec![
            "Задача".into(),
            "Планируемый результат".into(),
            "Критерий".into(),
            "Целевой показатель".into(),
            "Факт".into(),
        ]],
        rows: rows
            .iter()
            .map(|i| vec![i.task.clone(), i.planned.clone(), i.criterion.clone(), num(i.target), num(i.actual)])
            .collect(),
        widths: vec![30, 25, 25, 10, 10],
        numeric: vec![false, false, false, true, true],
        ..Default::default()
    }
}

/// What the protocol of a meeting says.
#[derive(Debug, Clone, Serialize)]
pub struct Protocol {
    pub district: String,
    pub meeting: Meeting,
    pub agenda: Vec<AgendaItem>,
    pub present: Vec<Attendance>,
    pub absent: Vec<Attendance>,
    pub head: String,
}

impl Protocol {
    pub fn part_title(part: &str) -> &'static str {
        title_of(PARTS, part)
    }
    pub fn mark_title(state: &str) -> &'static str {
        title_of(ATTENDANCE, state)
    }
}

pub async fn protocol(db: &Db, reach: &Reach, meeting_id: i64) -> Result<Protocol> {
    let (_, meeting) = super::meeting(db, reach, meeting_id).await?;
    let mut c = db.conn().await?;
    let agenda = plans::agenda(&mut c.ex(), meeting.id).await?;
    let marks = plans::attendance(&mut c.ex(), reach, meeting.id).await?;
    let district = directory::get_district(&mut c.ex(), reach.district()).await?;
    let head = store::accounts::list_users(&mut c.ex(), Some(reach.district()))
        .await?
        .into_iter()
        .find(|u| u.role == "head" && u.archived_at.is_none())
        .map(|u| u.full_name)
        .unwrap_or_default();
    let (present, absent) = marks
        .into_iter()
        .filter(|a| a.state.as_deref().is_some_and(|s| s != "expected"))
        .partition(|a| a.state.as_deref() == Some("present"));
    Ok(Protocol { district: district.name, meeting, agenda, present, absent, head })
}

pub fn protocol_docx(p: &Protocol) -> Result<Vec<u8>> {
    let m = &p.meeting;
    let mut d = Document::new(false);
    d.title(&format!(
        "ПРОТОКОЛ № {}\nзаседания методического объединения школьных библиотекарей\n{}",
        m.number, p.district
    ));
    let when = if m.starts_at.is_empty() {
        domain::dates::format(m.held_on)
    } else {
        format!("{}, {}", domain::dates::format(m.held_on), m.starts_at)
    };
    d.paragraph(&format!("Дата проведения: {when}"));
    d.paragraph(&format!("Место проведения: {}", m.place_text()));
    if !m.form.is_empty() {
        d.paragraph(&format!("Форма проведения: {}", m.form));
    }
    d.paragraph(&format!("Тема: {}", m.topic));
    if !m.goal.is_empty() {
        d.paragraph(&format!("Цель: {}", m.goal));
    }
    d.paragraph(&format!("Присутствовали: {} чел.", p.present.len()));
    if !p.present.is_empty() {
        d.paragraph(
            &p.present.iter().map(|a| format!("{} ({})", a.full_name, a.school)).collect::<Vec<_>>().join(", "),
        );
    }
    if !p.absent.is_empty() {
        d.paragraph(&format!(
            "Отсутствовали: {} чел. — {}",
            p.absent.len(),
            p.absent
                .iter()
                .map(|a| {
                    let why = if a.state.as_deref() == Some("excused") {
                        ", по уважительной причине"
                    } else {
                        ""
                    };
                    format!("{} ({}{why})", a.full_name, a.school)
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    d.heading("Повестка дня:");
    let agenda: Vec<String> = p
        .agenda
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let who = people_text(&a.speakers);
            if who.is_empty() {
                format!("{}. {}", i + 1, a.title)
            } else {
                format!("{}. {} ({})", i + 1, a.title, who)
            }
        })
        .collect();
    d.paragraph(&agenda.join("\n"));
    for (i, a) in p.agenda.iter().enumerate() {
        d.heading(&format!("{}. {} ({})", i + 1, a.title, Protocol::part_title(&a.part).to_lowercase()));
        if !a.speakers.is_empty() {
            d.paragraph(&format!("Слушали: {}", people_text(&a.speakers)));
        }
    }
    if !m.decisions.is_empty() {
        d.heading("Решили:");
        d.paragraph(&lines(&m.decisions).join("\n"));
    }
    d.signatures(&[("Руководитель МО".into(), p.head.clone()), ("Секретарь".into(), String::new())]);
    d.to_bytes().map_err(|p| Error::Invalid(p.message))
}
