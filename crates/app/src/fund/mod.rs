//! The textbook fund's use cases: the ФПУ import, receipts and write-offs, curriculum choice and
//! pupils, and the reports computed from them. A librarian changes their own school's fund; the
//! head any school of the district; the observer reads.

mod forms;
mod fpu;
mod opening;
mod reports;

pub use forms::*;
pub use fpu::*;
pub use opening::*;
pub use reports::*;

use chrono::{Datelike, NaiveDate};
use domain::fund::{parse_rubles, REASONS, SOURCES};
use domain::{text, FieldErrors, SchoolYear};
use store::fund::{self, ClassCount, NewBatch, NewLine, NewReceipt, WriteOffLine};
use store::scope::Kind;
use store::{Db, Ex, Reach};

use crate::directory::parties_in_reach;
use crate::{Error, Result};

/// Longest document number, subject or note kept.
const MAX_SHORT: usize = 100;
const MAX_NOTE: usize = 1000;
/// More copies than this in one line is a typo: a district's whole fund is a few hundred thousand.
const MAX_COPIES: i64 = 100_000;

/// Refuses unless the caller may change this school's fund.
pub(crate) async fn may_change(ex: &mut Ex<'_>, reach: &Reach, school_id: i64) -> Result<()> {
    let p = parties_in_reach(ex, reach, Kind::School, school_id).await?;
    if reach.may_write(&p) {
        Ok(())
    } else {
        Err(Error::Invalid("учебный фонд школы ведёт её библиотекарь или руководитель МО".into()))
    }
}

fn short(v: &str, field: &str, label: &str, required: bool, e: &mut FieldErrors) -> String {
    let v = text::clean(v);
    if required && v.is_empty() {
        e.add(field, format!("{label}: укажите"));
    } else if v.chars().count() > MAX_SHORT {
        e.add(field, format!("{label}: не длиннее {MAX_SHORT} знаков"));
    }
    v
}

fn choice(v: &str, choices: &[(&str, &str)], field: &str, label: &str, e: &mut FieldErrors) -> String {
    let v = text::clean(v);
    match choices.iter().find(|(code, title)| {
        *code == v || title.eq_ignore_ascii_case(&v) || text::normalize(title) == text::normalize(&v)
    }) {
        Some((code, _)) => code.to_string(),
        None => {
            e.add(field, format!("{label}: выберите из списка"));
            String::new()
        }
    }
}

/// A document date: present, real, not in the future, not before 1990.
fn doc_date(v: &str, field: &str, label: &str, e: &mut FieldErrors) -> Option<NaiveDate> {
    if text::clean(v).is_empty() {
        e.add(field, format!("{label}: укажите дату"));
        return None;
    }
    let d = domain::dates::parse_past(v, field, label, e)?;
    if d.year() < 1990 {
        e.add(field, format!("{label}: {} — слишком давно", domain::dates::format(d)));
    }
    Some(d)
}

/// A count of copies: a whole number from 1 to [`MAX_COPIES`].
pub fn copies(v: &str, field: &str, e: &mut FieldErrors) -> i64 {
    let c = text::clean(v).replace(' ', "");
    match c.parse::<i64>() {
        Ok(n) if (1..=MAX_COPIES).contains(&n) => n,
        Ok(n) if n <= 0 => {
            e.add(field, format!("Количество: {n} — должно быть больше нуля"));
            0
        }
        _ => {
            e.add(field, format!("Количество: «{c}» — нужно целое число от 1 до {MAX_COPIES}"));
            0
        }
    }
}

/// One line of a receipt as typed: the item (by id), copies, price in rubles, year received.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BatchInput {
    pub item_id: String,
    pub copies: String,
    pub price: String,
    pub year: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReceiptInput {
    pub doc_number: String,
    pub doc_date: String,
    pub source: String,
    pub note: String,
    pub lines: Vec<BatchInput>,
}

/// Records a receipt document with its batches.
pub async fn add_receipt(db: &Db, reach: &Reach, school_id: i64, input: &ReceiptInput) -> Result<i64> {
    let mut e = FieldErrors::default();
    let doc_number = short(&input.doc_number, "doc_number", "Номер документа", true, &mut e);
    let date = doc_date(&input.doc_date, "doc_date", "Дата документа", &mut e);
    let source = choice(&input.source, SOURCES, "source", "Источник", &mut e);
    let note = text::clean(&input.note).chars().take(MAX_NOTE).collect();
    let mut batches = Vec::new();
    {
        let mut c = db.conn().await?;
        for (i, l) in input.lines.iter().enumerate() {
            if [&l.item_id, &l.copies, &l.price].iter().all(|v| text::clean(v).is_empty()) {
                continue;
            }
            let f = |k: &str| format!("lines[{i}].{k}");
            let line = i + 1;
            let item_id = match text::clean(&l.item_id).parse::<i64>() {
                Ok(id) if !fund::fpu_items(&mut c.ex(), &[id]).await?.is_empty() => id,
                _ => {
                    e.add(&f("item_id"), format!("Строка {line}: выберите учебник из федерального перечня"));
                    0
                }
            };
            let n = copies(&l.copies, &f("copies"), &mut e);
            if n == 0 {
                if let Some(last) = e.0.last_mut() {
                    last.message = format!("Строка {line}: {}", last.message);
                }
            }
            let price = if text::clean(&l.price).is_empty() {
                0
            } else {
                parse_rubles(&l.price).unwrap_or_else(|| {
                    e.add(
                        &f("price"),
                        format!(
                            "Строка {line}, цена: «{}» — нужна сумма в рублях, например 450,50",
                            text::clean(&l.price)
                        ),
                    );
                    0
                })
            };
            let year = match (text::clean(&l.year).parse::<i32>(), date) {
                (Ok(y), Some(d)) if (1990..=d.year()).contains(&y) => y,
                (Err(_), Some(d)) if text::clean(&l.year).is_empty() => d.year(),
                (_, Some(d)) => {
                    e.add(&f("year"), format!("Строка {line}, год поступления: от 1990 до {}", d.year()));
                    0
                }
                _ => 0,
            };
            batches.push(NewBatch { item_id, year, copies: n, price });
        }
    }
    if batches.is_empty() {
        e.add("lines", "Добавьте хотя бы один учебник");
    }
    let date = match (e.is_empty(), date) {
        (true, Some(d)) => d,
        _ => return Err(Error::Fields(e)),
    };
    let mut tx = db.begin().await?;
    may_change(&mut tx.ex(), reach, school_id).await?;
    let r = NewReceipt { school_id, doc_number, doc_date: date, source, note, batches };
    let id = fund::insert_receipt(&mut tx.ex(), &reach.actor(), &r).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct WriteOffInput {
    pub act_number: String,
    pub act_date: String,
    pub reason: String,
    /// (item id, copies)
    pub lines: Vec<(String, String)>,
}

/// Writes off copies by an act. More than the school holds is refused, also when two acts race.
pub async fn write_off(db: &Db, reach: &Reach, school_id: i64, input: &WriteOffInput) -> Result<i64> {
    let mut e = FieldErrors::default();
    let act_number = short(&input.act_number, "act_number", "Номер акта", true, &mut e);
    let date = doc_date(&input.act_date, "act_date", "Дата акта", &mut e);
    let reason = choice(&input.reason, REASONS, "reason", "Причина", &mut e);
    let mut lines: Vec<WriteOffLine> = Vec::new();
    for (i, (item, n)) in input.lines.iter().enumerate() {
        if text::clean(item).is_empty() && text::clean(n).is_empty() {
            continue;
        }
        let copies = copies(n, &format!("lines[{i}].copies"), &mut e);
        match text::clean(item).parse::<i64>() {
            Ok(item_id) => match lines.iter_mut().find(|l| l.item_id == item_id) {
                Some(l) => l.copies += copies,
                None => lines.push(WriteOffLine { item_id, copies }),
            },
            Err(_) => e.add(&format!("lines[{i}].item_id"), "Учебник: выберите учебник из фонда школы"),
        }
    }
    if lines.is_empty() {
        e.add("lines", "Добавьте хотя бы один учебник");
    }
    let date = match (e.is_empty(), date) {
        (true, Some(d)) => d,
        _ => return Err(Error::Fields(e)),
    };
    let mut tx = db.begin().await?;
    may_change(&mut tx.ex(), reach, school_id).await?;
    let id = fund::insert_writeoff(&mut tx.ex(), &reach.actor(), school_id, &act_number, date, &reason, &lines).await?;
    tx.commit().await?;
    Ok(id)
}

/// A curriculum line as typed: grade, subject, the item (or an aid's title) and the group's share.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LineInput {
    pub grade: String,
    pub subject: String,
    pub item_id: String,
    pub aid: String,
    pub share: String,
}

/// Adds a line to a school's choice for a year. The subject defaults to the item's subject in
/// the list; the share to the whole grade.
pub async fn add_curriculum_line(
    db: &Db,
    reach: &Reach,
    school_id: i64,
    year: SchoolYear,
    input: &LineInput,
) -> Result<i64> {
    let mut e = FieldErrors::default();
    let grade = domain::fund::parse_grade(&input.grade);
    if grade.is_none() {
        e.add("grade", "Класс: от 1 до 11, 12 или «1 доп.»");
    }
    let share = match text::clean(&input.share).trim_end_matches('%').trim() {
        "" => 100,
        s => match s.parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                e.add("share", "Доля: процент обучающихся от 1 до 100");
                100
            }
        },
    };
    let aid = short(&input.aid, "aid", "Пособие", false, &mut e);
    let mut subject = short(&input.subject, "subject", "Предмет", false, &mut e);
    let item_id = match text::clean(&input.item_id) {
        s if s.is_empty() => None,
        s => {
            let id = s.parse::<i64>().unwrap_or(0);
            let mut c = db.conn().await?;
            match fund::fpu_items(&mut c.ex(), &[id]).await?.remove(&id) {
                Some(item) => {
                    if subject.is_empty() {
                        subject = item.subject.clone();
                    }
                    if let (Some(g), Some(from), Some(to)) = (grade, item.grade_from, item.grade_to) {
                        if !(from..=to).contains(&(g as i64)) {
                            e.add(
                                "item_id",
                                format!(
                                    "Учебник для {} класса, а выбран {} класс",
                                    item.grades,
                                    domain::fund::grade_name(g)
                                ),
                            );
                        }
                    }
                    Some(id)
                }
                None => {
                    e.add("item_id", "Учебник: выберите учебник из федерального перечня");
                    None
                }
            }
        }
    };
    if item_id.is_none() && aid.is_empty() && e.get("item_id").is_none() {
        e.add("item_id", "Выберите учебник из перечня или впишите пособие");
    }
    if subject.is_empty() {
        e.add("subject", "Предмет: укажите");
    }
    if let (Some(g), false) = (grade, subject.is_empty()) {
        // Groups share a grade: their per cents cannot add up to more than the whole grade.
        let mut c = db.conn().await?;
        let taken: i64 = fund::curriculum(&mut c.ex(), reach, Some(school_id), year.start_year())
            .await?
            .iter()
            .filter(|l| l.grade == g as i64 && text::normalize(&l.subject) == text::normalize(&subject))
            .map(|l| l.share)
            .sum();
        if taken + share as i64 > 100 {
            e.add("share", format!("Доля: для предмета «{subject}» в этом классе уже выбрано {taken} % обучающихся, вместе с {share} % будет больше 100 %"));
        }
    }
    if !e.is_empty() {
        return Err(Error::Fields(e));
    }
    let mut tx = db.begin().await?;
    may_change(&mut tx.ex(), reach, school_id).await?;
    let line = NewLine {
        school_id,
        year: year.start_year(),
        grade: grade.unwrap_or(1),
        subject,
        item_id,
        aid: if item_id.is_some() { String::new() } else { aid },
        share,
    };
    let id = fund::add_curriculum_line(&mut tx.ex(), &reach.actor(), &line).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_curriculum_line(db: &Db, reach: &Reach, school_id: i64, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    may_change(&mut tx.ex(), reach, school_id).await?;
    if !fund::delete_curriculum_line(&mut tx.ex(), &reach.actor(), school_id, id).await? {
        return Err(Error::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Starts a year's choice as a copy of the year before; returns the lines copied.
pub async fn copy_last_year(db: &Db, reach: &Reach, school_id: i64, year: SchoolYear) -> Result<u64> {
    let mut tx = db.begin().await?;
    may_change(&mut tx.ex(), reach, school_id).await?;
    let n = fund::copy_curriculum(&mut tx.ex(), &reach.actor(), school_id, year.prev().start_year(), year.start_year())
        .await?;
    tx.commit().await?;
    Ok(n)
}

/// Pupils of a school year as typed: one «class: pupils» pair per class («7А», «25»).
pub fn parse_classes(rows: &[(String, String)]) -> std::result::Result<Vec<ClassCount>, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut out: Vec<ClassCount> = Vec::new();
    for (i, (class, pupils)) in rows.iter().enumerate() {
        if text::clean(class).is_empty() && text::clean(pupils).is_empty() {
            continue;
        }
        let Some((grade, letter)) = domain::fund::parse_class(class) else {
            e.add(
                &format!("classes[{i}].class"),
                format!("Класс «{}»: нужен номер от 1 до 12 и буква, например 7А", text::clean(class)),
            );
            continue;
        };
        let n = match text::clean(pupils).parse::<i64>() {
            Ok(n) if (0..=1000).contains(&n) => n,
            _ => {
                e.add(
                    &format!("classes[{i}].pupils"),
                    format!("Обучающихся в {}: целое число от 0 до 1000", text::clean(class)),
                );
                continue;
            }
        };
        if out.iter().any(|c| c.grade == grade as i64 && c.class_name == letter) {
            e.add(&format!("classes[{i}].class"), format!("Класс {grade}{letter} указан дважды"));
            continue;
        }
        out.push(ClassCount { grade: grade as i64, class_name: letter, pupils: n });
    }
    e.into_result(out)
}

pub async fn save_contingent(
    db: &Db,
    reach: &Reach,
    school_id: i64,
    year: SchoolYear,
    rows: &[ClassCount],
) -> Result<()> {
    let mut tx = db.begin().await?;
    may_change(&mut tx.ex(), reach, school_id).await?;
    fund::set_contingent(&mut tx.ex(), &reach.actor(), school_id, year.start_year(), rows).await?;
    tx.commit().await?;
    Ok(())
}
