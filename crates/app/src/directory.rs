//! Saving directory records by the rules of who may change what: the head changes the district,
//! a librarian their own school's card and passport and their own data-bank record — except the
//! category and attestation dates, which the head sets.

use chrono::{DateTime, Utc};
use domain::directory::{Category, CourseInput, LibrarianInput, PassportInput, SchoolInput};
use domain::fields::Record;
use domain::SchoolYear;
use store::directory::{self, PassportState};
use store::scope::{self, Kind, Parties};
use store::{Db, Ex, Reach};

use crate::{Error, Result};

/// An instant as people read it: ДД.ММ.ГГГГ ЧЧ:ММ in the installation's time zone.
pub fn moment(t: DateTime<Utc>) -> String {
    domain::clock::local(t).format("%d.%m.%Y %H:%M").to_string()
}

/// The parties of a record in the caller's district; another district's record does not exist.
pub(crate) async fn parties_in_reach(ex: &mut Ex<'_>, reach: &Reach, kind: Kind, id: i64) -> Result<Parties> {
    match scope::parties(ex, kind, id).await? {
        Some(p) if p.district == reach.district() => Ok(p),
        _ => Err(Error::NotFound),
    }
}

fn refuse(message: &str) -> Error {
    Error::Invalid(message.into())
}

/// Creates (id None) or changes a school card; returns its id.
pub async fn save_school(db: &Db, reach: &Reach, id: Option<i64>, input: &SchoolInput) -> Result<i64> {
    let fields = input.validate()?;
    let mut tx = db.begin().await?;
    let id = match id {
        Some(id) => {
            let p = parties_in_reach(&mut tx.ex(), reach, Kind::School, id).await?;
            if !reach.may_write(&p) {
                return Err(refuse("карточку школы меняет её библиотекарь или руководитель МО"));
            }
            directory::update_school(&mut tx.ex(), &reach.actor(), id, &fields).await?;
            id
        }
        None if reach.is_head() => directory::create_school(&mut tx.ex(), reach, &fields).await?,
        None => return Err(refuse("школы добавляет руководитель МО")),
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn archive_school(db: &Db, reach: &Reach, id: i64, archived: bool) -> Result<()> {
    let mut tx = db.begin().await?;
    parties_in_reach(&mut tx.ex(), reach, Kind::School, id).await?;
    if !reach.is_head() {
        return Err(refuse("в архив школы переносит руководитель МО"));
    }
    directory::set_school_archived(&mut tx.ex(), &reach.actor(), id, archived).await?;
    tx.commit().await?;
    Ok(())
}

/// What only the head changes in a librarian's record.
pub const HEAD_ONLY: [&str; 3] = ["category", "attestation_date", "next_attestation_date"];

/// Creates (id None, head only) or changes a librarian's record; returns its id. A librarian
/// changes only their own record, keeps their school, and cannot set their own category or
/// attestation dates: left empty they keep the stored values, changed they are refused.
pub async fn save_librarian(
    db: &Db,
    reach: &Reach,
    id: Option<i64>,
    school_id: Option<i64>,
    input: &LibrarianInput,
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let current = match id {
        Some(id) => {
            let p = parties_in_reach(&mut tx.ex(), reach, Kind::Librarian, id).await?;
            if !(reach.is_head() || (reach.can_write() && reach.owns(&p))) {
                return Err(refuse("библиотекарь меняет только свою запись в банке данных"));
            }
            Some(directory::get_librarian(&mut tx.ex(), reach, id).await?)
        }
        None if reach.is_head() => None,
        None => return Err(refuse("библиотекарей в банк данных добавляет руководитель МО")),
    };
    let mut input = input.clone();
    let mut errors = domain::FieldErrors::default();
    let mut fields = input.validate();
    if let (false, Some(cur)) = (reach.is_head(), &current) {
        let stored = cur.input();
        // Fields the form leaves out (they are read-only for a librarian) keep the stored values.
        for key in HEAD_ONLY {
            if input.get(key).unwrap_or_default().trim().is_empty() {
                input.set(key, stored.get(key).unwrap_or_default().to_string());
            }
        }
        // Compared value by value, so a stored record that no longer passes today's validation
        // (an old free-form phone) cannot open these fields.
        let category = |v: &str| Category::parse(v);
        let date = |v: &str| domain::dates::parse(v);
        for key in HEAD_ONLY {
            let (sent, kept) = (input.get(key).unwrap_or_default(), stored.get(key).unwrap_or_default());
            let changed = if key == "category" { category(sent) != category(kept) } else { date(sent) != date(kept) };
            if changed {
                let label = domain::fields::find(LibrarianInput::FIELDS, key).map_or(key, |f| f.label);
                errors.add(key, format!("{label}: устанавливает руководитель МО"));
            }
        }
        fields = input.validate();
    }
    let fields = match fields {
        Ok(f) => Some(f),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let kept = current.as_ref().map(|l| l.school_id);
    let school_id = if reach.is_head() { school_id.or(kept) } else { kept };
    match school_id {
        None => errors.add("school_id", "Школа: выберите школу"),
        Some(s) => {
            if parties_in_reach(&mut tx.ex(), reach, Kind::School, s).await.is_err() {
                errors.add("school_id", "Школа не найдена в вашем округе");
            }
        }
    }
    let (Some(fields), Some(school_id), true) = (fields, school_id, errors.is_empty()) else {
        return Err(Error::Fields(errors));
    };
    let id = match id {
        Some(id) => {
            directory::update_librarian(&mut tx.ex(), &reach.actor(), id, school_id, &fields).await?;
            id
        }
        None => directory::create_librarian(&mut tx.ex(), &reach.actor(), school_id, &fields).await?,
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn archive_librarian(db: &Db, reach: &Reach, id: i64, archived: bool) -> Result<()> {
    let mut tx = db.begin().await?;
    parties_in_reach(&mut tx.ex(), reach, Kind::Librarian, id).await?;
    if !reach.is_head() {
        return Err(refuse("в архив записи банка данных переносит руководитель МО"));
    }
    directory::set_librarian_archived(&mut tx.ex(), &reach.actor(), id, archived).await?;
    tx.commit().await?;
    Ok(())
}

/// Courses are kept by the head or by the librarian in their own record.
async fn may_keep_courses(ex: &mut Ex<'_>, reach: &Reach, librarian: i64) -> Result<()> {
    let p = parties_in_reach(ex, reach, Kind::Librarian, librarian).await?;
    if reach.is_head() || (reach.can_write() && reach.owns(&p)) {
        Ok(())
    } else {
        Err(refuse("курсы записывает сам библиотекарь или руководитель МО"))
    }
}

pub async fn add_course(db: &Db, reach: &Reach, librarian: i64, input: &CourseInput) -> Result<i64> {
    let fields = input.validate()?;
    let mut tx = db.begin().await?;
    may_keep_courses(&mut tx.ex(), reach, librarian).await?;
    let id = directory::add_course(&mut tx.ex(), &reach.actor(), librarian, &fields).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_course(db: &Db, reach: &Reach, librarian: i64, course: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    may_keep_courses(&mut tx.ex(), reach, librarian).await?;
    directory::delete_course(&mut tx.ex(), &reach.actor(), librarian, course).await?;
    tx.commit().await?;
    Ok(())
}

/// The school years whose passports are open: the current one and the one before.
pub fn open_passport_years() -> [SchoolYear; 2] {
    let now = SchoolYear::current();
    [now, now.prev()]
}

pub fn check_passport_year(year: SchoolYear) -> Result<()> {
    let [now, prev] = open_passport_years();
    if year == now || year == prev {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "Паспорт за {year} учебный год не заполняется: открыты текущий ({now}) и прошлый ({prev}) учебные годы"
        )))
    }
}

pub async fn save_passport(db: &Db, reach: &Reach, school: i64, year: SchoolYear, input: &PassportInput) -> Result<()> {
    check_passport_year(year)?;
    let fields = input.validate()?;
    let mut tx = db.begin().await?;
    let p = parties_in_reach(&mut tx.ex(), reach, Kind::School, school).await?;
    if !reach.may_write(&p) {
        return Err(refuse("паспорт заполняет библиотекарь школы"));
    }
    directory::save_passport(&mut tx.ex(), &reach.actor(), school, year, &fields).await?;
    tx.commit().await?;
    Ok(())
}

/// Submits a draft (the school), accepts a submitted passport or returns it to a draft (the head).
pub async fn move_passport(db: &Db, reach: &Reach, school: i64, year: SchoolYear, to: PassportState) -> Result<()> {
    let from = match to {
        PassportState::Submitted => PassportState::Draft,
        PassportState::Accepted => PassportState::Submitted,
        PassportState::Draft => PassportState::Submitted,
    };
    let mut tx = db.begin().await?;
    let p = parties_in_reach(&mut tx.ex(), reach, Kind::School, school).await?;
    let allowed = match to {
        PassportState::Submitted => reach.may_write(&p),
        _ => reach.is_head(),
    };
    if !allowed {
        return Err(refuse("паспорт сдаёт библиотекарь школы, принимает руководитель МО"));
    }
    // The head may also reopen an accepted passport.
    let res = directory::set_passport_state(&mut tx.ex(), &reach.actor(), school, year, from, to).await;
    match (res, to) {
        (Err(Error::Invalid(_)), PassportState::Draft) => {
            directory::set_passport_state(&mut tx.ex(), &reach.actor(), school, year, PassportState::Accepted, to)
                .await?
        }
        (r, _) => r?,
    }
    tx.commit().await?;
    Ok(())
}
