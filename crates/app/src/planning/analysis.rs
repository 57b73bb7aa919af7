//! The annual analysis of the association's work (анализ работы МО), compiled from what the
//! system holds — events by direction and status, meetings and attendance, speakers, indicators,
//! courses and attestation, textbook provision and compliance — with the head's own conclusions
//! and plans for next year; and the professional-development view of the data bank.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use domain::SchoolYear;
use formats::docx::{Document, Table};
use serde::Serialize;
use store::directory;
use store::planning as plans;
use store::{Db, Reach};

use super::documents::{self, PlanBook};
use super::{librarians, require_head, MAX_TEXT};
use crate::{Error, Result};

/// Events of one direction (section) by status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub section: String,
    pub planned: i64,
    pub done: i64,
    pub moved: i64,
    pub cancelled: i64,
}

impl Tally {
    pub fn total(&self) -> i64 {
        self.planned + self.done + self.moved + self.cancelled
    }
    fn add(&mut self, status: &str) {
        match status {
            "done" => self.done += 1,
            "moved" => self.moved += 1,
            "cancelled" => self.cancelled += 1,
            _ => self.planned += 1,
        }
    }
}

/// A librarian's professional development, as the head reviews it.
#[derive(Debug, Clone, Serialize)]
pub struct Growth {
    pub librarian_id: i64,
    pub name: String,
    pub school: String,
    pub category: String,
    pub next_attestation: Option<NaiveDate>,
    /// The next attestation falls within the school year.
    pub attestation_due: bool,
    /// Its date has passed.
    pub attestation_overdue: bool,
    pub last_course: Option<NaiveDate>,
    /// No course finished in the three years before the end of the school year.
    pub no_recent_course: bool,
    pub hours_this_year: i64,
    pub courses_this_year: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub book: PlanBook,
    pub tallies: Vec<Tally>,
    pub total: Tally,
    pub meetings_held: i64,
    pub meetings_planned: i64,
    /// Present of marked, over meetings held, in per cent.
    pub attendance: Option<f64>,
    /// Speakers of the year's meetings, most often first.
    pub speakers: Vec<(String, i64)>,
    pub growth: Vec<Growth>,
    pub provision: Option<String>,
    pub compliance: Option<String>,
}

impl Analysis {
    pub fn attendance_text(&self) -> String {
        self.attendance.map(|p| format!("{:.0} %", p)).unwrap_or_else(|| "нет отметок".into())
    }
    pub fn course_hours(&self) -> i64 {
        self.growth.iter().map(|g| g.hours_this_year).sum()
    }
    pub fn with_courses(&self) -> usize {
        self.growth.iter().filter(|g| g.courses_this_year > 0).count()
    }
}

/// The data bank's people with attestation and courses, for a school year.
pub async fn growth(db: &Db, reach: &Reach, year: SchoolYear, today: NaiveDate) -> Result<Vec<Growth>> {
    let bank = librarians(db, reach).await?;
    let courses = {
        let mut c = db.conn().await?;
        directory::courses_in_reach(&mut c.ex(), &Reach::whole_district(reach.district())).await?
    };
    let (from, to) = (domain::fund::start_of(year), domain::fund::end_of(year));
    let three_years = NaiveDate::from_ymd_opt(to.year() - 3, to.month(), to.day()).unwrap_or(to);
    let mut out: Vec<Growth> = bank
        .iter()
        .map(|l| {
            let own: Vec<_> = courses.iter().filter(|k| k.librarian_id == l.id).collect();
            let this_year: Vec<_> = own.iter().filter(|k| k.end_date >= from && k.end_date <= to).collect();
            let last_course = own.iter().map(|k| k.end_date).filter(|d| *d <= to).max();
            Growth {
                librarian_id: l.id,
                name: l.full_name.clone(),
                school: l.school_short_name.clone(),
                category: l.category_title().to_string(),
                next_attestation: l.next_attestation_date,
                attestation_due: l.next_attestation_date.is_some_and(|d| d <= to),
                attestation_overdue: l.next_attestation_date.is_some_and(|d| d < today),
                last_course,
                no_recent_course: last_course.is_none_or(|d| d <= three_years),
                hours_this_year: this_year.iter().map(|k| k.hours).sum(),
                courses_this_year: this_year.len() as i64,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (!a.attestation_due, !a.no_recent_course, &a.name).cmp(&(!b.attestation_due, !b.no_recent_course, &b.name))
    });
    Ok(out)
}

pub async fn analysis(db: &Db, reach: &Reach, year: SchoolYear, today: NaiveDate) -> Result<Analysis> {
    let book = documents::book(db, reach, year).await?;
    let mut tallies: Vec<Tally> = Vec::new();
    let mut total = Tally { section: "Всего".into(), ..Default::default() };
    for e in &book.events {
        let section =
            if e.section.is_empty() { "Без направления".to_string() } else { e.section.clone() };
        match tallies.iter_mut().find(|t| t.section == section) {
            Some(t) => t.add(&e.status),
            None => {
                let mut t = Tally { section, ..Default::default() };
                t.add(&e.status);
                tallies.push(t);
            }
        }
        total.add(&e.status);
    }
    let held: Vec<_> = book
        .meetings
        .iter()
        .filter(|(m, _)| m.status == "held" || (m.status == "planned" && m.held_on <= today))
        .collect();
    let totals = {
        let mut c = db.conn().await?;
        plans::attendance_totals(&mut c.ex(), book.plan.id).await?
    };
    let (present, marked) = totals
        .iter()
        .filter(|(m, _, _)| held.iter().any(|(h, _)| h.id == *m))
        .fold((0, 0), |(p, n), (_, pr, mk)| (p + pr, n + mk));
    let mut speakers: BTreeMap<String, i64> = BTreeMap::new();
    for (_, agenda) in &book.meetings {
        for a in agenda {
            for s in &a.speakers {
                *speakers.entry(s.name.clone()).or_default() += 1;
            }
        }
    }
    let mut speakers: Vec<(String, i64)> = speakers.into_iter().collect();
    speakers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let growth = growth(db, reach, year, today).await?;
    let district_reach = Reach::whole_district(reach.district());
    let provision = match crate::fund::district_provision(db, &district_reach, year, today).await {
        Ok(p) if p.total.need > 0 => Some(format!(
            "Обеспеченность учебниками по району: {} (нужно {} экз., есть {} экз., дефицит {} экз.).",
            p.total.percent_text(),
            p.total.need,
            p.total.have,
            p.total.deficit()
        )),
        _ => None,
    };
    let compliance = match crate::fund::compliance(db, &district_reach, None, year, today).await {
        Ok(rows) if !rows.is_empty() => {
            let copies: i64 = rows.iter().map(|r| r.copies).sum();
            let schools: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.school_id).collect();
            Some(format!(
                "Соответствие ФПУ: {} экз. в {} школах исключены из перечня или выходят из срока использования.",
                copies,
                schools.len()
            ))
        }
        Ok(_) => Some("Соответствие ФПУ: учебников вне перечня и с истекающим сроком нет.".into()),
        Err(_) => None,
    };
    Ok(Analysis {
        tallies,
        total,
        meetings_held: held.len() as i64,
        meetings_planned: book.meetings.len() as i64,
        attendance: (marked > 0).then(|| 100.0 * present as f64 / marked as f64),
        speakers,
        growth,
        provision,
        compliance,
        book,
    })
}

pub async fn save_conclusions(
    db: &Db,
    reach: &Reach,
    year: SchoolYear,
    conclusions: &str,
    next_year: &str,
) -> Result<()> {
    require_head(reach)?;
    let (c1, c2) = (domain::text::clean_multiline(conclusions), domain::text::clean_multiline(next_year));
    if c1.chars().count() > MAX_TEXT * 4 || c2.chars().count() > MAX_TEXT * 4 {
        return Err(crate::field_error("conclusions", format!("Не длиннее {} знаков", MAX_TEXT * 4)));
    }
    let p = super::plan(db, reach, year).await?.ok_or(Error::NotFound)?;
    let mut c = db.conn().await?;
    plans::update_analysis(&mut c.ex(), p.id, &c1, &c2).await
}

pub fn analysis_docx(a: &Analysis) -> Result<Vec<u8>> {
    let b = &a.book;
    let mut d = Document::new(false);
    d.title(&format!(
        "Анализ работы методического объединения школьных библиотекарей\n{}\nза {} учебный год",
        b.district,
        b.year()
    ));
    if !b.plan.theme.is_empty() {
        d.paragraph(&format!("Методическая тема: {}", b.plan.theme));
    }
    if !b.plan.goal.is_empty() {
        d.paragraph(&format!("Цель: {}", b.plan.goal));
    }
    d.heading("1. Выполнение плана");
    let row = |t: &Tally| {
        vec![
            t.section.clone(),
            t.total().to_string(),
            t.done.to_string(),
            t.moved.to_string(),
            t.cancelled.to_string(),
            t.planned.to_string(),
        ]
    };
    let mut rows: Vec<Vec<String>> = a.tallies.iter().map(row).collect();
    rows.push(row(&a.total));
    d.table(Table {
        header: vec![vec![
            "Направление".into(),
            "Запланировано".into(),
            "Выполнено".into(),
            "Перенесено".into(),
            "Отменено".into(),
            "Не отмечено".into(),
        ]],
        rows,
        widths: vec![40, 12, 12, 12, 12, 12],
        numeric: vec![false, true, true, true, true, true],
        total_last: true,
    });
    d.heading("2. Заседания методического объединения");
    d.paragraph(&format!(
        "Проведено заседаний: {} из {}. Средняя посещаемость: {}.",
        a.meetings_held,
        a.meetings_planned,
        a.attendance_text()
    ));
    if !b.meetings.is_empty() {
        d.table(documents::meetings_table(b));
    }
    if !a.speakers.is_empty() {
        d.paragraph(&format!(
            "Выступали: {}.",
            a.speakers.iter().map(|(n, k)| format!("{n} ({k})")).collect::<Vec<_>>().join(", ")
        ));
    }
    if !b.indicators.is_empty() {
        d.heading("3. Показатели результативности");
        d.table(documents::indicators_table(&b.indicators));
    }
    d.heading("4. Повышение квалификации и аттестация");
    d.paragraph(&format!(
        "Курсы прошли {} чел., всего {} ч. Аттестация в этом году: {}. Без курсов более трёх лет: {}.",
        a.with_courses(),
        a.course_hours(),
        names(a.growth.iter().filter(|g| g.attestation_due).map(|g| {
            if g.attestation_overdue {
                format!("{} (срок прошёл)", g.name)
            } else {
                g.name.clone()
            }
        })),
        names(a.growth.iter().filter(|g| g.no_recent_course).map(|g| g.name.clone())),
    ));
    if a.provision.is_some() || a.compliance.is_some() {
        d.heading("5. Учебный фонд");
        for s in a.provision.iter().chain(a.compliance.iter()) {
            d.paragraph(s);
        }
    }
    if !b.plan.conclusions.is_empty() {
        d.heading("Выводы");
        d.paragraph(&b.plan.conclusions);
    }
    if !b.plan.next_year.is_empty() {
        d.heading("Задачи на следующий учебный год");
        d.paragraph(&b.plan.next_year);
    }
    d.to_bytes().map_err(|p| Error::Invalid(p.message))
}

fn names(it: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = it.collect();
    if v.is_empty() {
        "нет".into()
    } else {
        v.join(", ")
    }
}
