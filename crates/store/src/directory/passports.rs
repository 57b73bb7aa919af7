use chrono::{DateTime, Utc};
use domain::directory::PassportFields;
use domain::SchoolYear;
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, json, Actor, Change};
use crate::{exec, now, on, Error, Ex, Reach};

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Passport {
    pub school_id: i64,
    pub school_year: i64,
    /// The figures, decoded straight into the domain's type.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub fields: PassportFields,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
    /// `draft`, `submitted` or `accepted` (see [`PassportState`]).
    pub state: String,
}

/// Where a passport is on its way: the school fills a draft and submits it, the head accepts it
/// (or returns it to a draft). Only a draft is edited, so the head's summary shows what is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassportState {
    Draft,
    Submitted,
    Accepted,
}

impl PassportState {
    /// (code, title) of each state, in the order of the enum.
    pub const CHOICES: &'static [(&'static str, &'static str)] =
        &[("draft", "черновик"), ("submitted", "сдан"), ("accepted", "принят")];

    pub fn code(self) -> &'static str {
        Self::CHOICES[self as usize].0
    }
    pub fn parse(s: &str) -> PassportState {
        match s {
            "submitted" => PassportState::Submitted,
            "accepted" => PassportState::Accepted,
            _ => PassportState::Draft,
        }
    }
    pub fn title_ru(self) -> &'static str {
        Self::CHOICES[self as usize].1
    }
}

impl Passport {
    pub fn state(&self) -> PassportState {
        PassportState::parse(&self.state)
    }
}

impl Passport {
    pub fn fields(&self) -> PassportFields {
        self.fields.clone()
    }
}

const COLS: &str =
    "school_id, school_year, rooms, area_m2, reading_seats, computers, internet, fund_main, fund_textbooks,
    fund_fiction, fund_periodicals, readers, visits, loans, staff, updated_at, updated_by, state";

/// The schools whose passports are in a reach: `$3` the district, `$4` the one school or NULL.
const IN_REACH: &str = "school_id IN (SELECT id FROM schools WHERE district_id = $3 AND ($4 IS NULL OR id = $4))";

/// A school's passport for a year, when the school is in the caller's reach.
pub async fn get_passport(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school_id: i64,
    year: SchoolYear,
) -> Result<Option<Passport>, Error> {
    let sql = format!("SELECT {COLS} FROM library_passports WHERE school_id = $1 AND school_year = $2 AND {IN_REACH}");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(year.start_year() as i64).bind(reach.district())
        .bind(reach.school()).fetch_optional(c).await)?)
}

/// A passport by school and year alone, for the store's own writes.
async fn passport_row(ex: &mut Ex<'_>, school_id: i64, year: SchoolYear) -> Result<Option<Passport>, Error> {
    let sql = format!("SELECT {COLS} FROM library_passports WHERE school_id = $1 AND school_year = $2");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(year.start_year() as i64).fetch_optional(c).await)?)
}

/// School years for which a school in reach has a passport, newest first.
pub async fn passport_years(ex: &mut Ex<'_>, reach: &Reach, school_id: i64) -> Result<Vec<SchoolYear>, Error> {
    let rows: Vec<(i64,)> = on!(ex, c => sqlx::query_as(
        "SELECT school_year FROM library_passports
         WHERE school_id = $1 AND school_id IN (SELECT id FROM schools WHERE district_id = $2 AND ($3 IS NULL OR id = $3))
         ORDER BY school_year DESC")
        .bind(school_id).bind(reach.district()).bind(reach.school()).fetch_all(c).await)?;
    Ok(rows.into_iter().filter_map(|(y,)| SchoolYear::starting(y as i32)).collect())
}

/// Every passport in the caller's reach for a year, of schools not archived.
pub async fn district_passports(ex: &mut Ex<'_>, reach: &Reach, year: SchoolYear) -> Result<Vec<Passport>, Error> {
    let sql = format!(
        "SELECT {} FROM library_passports p JOIN schools s ON s.id = p.school_id
         WHERE s.district_id = $1 AND p.school_year = $2 AND s.archived_at IS NULL AND ($3 IS NULL OR s.id = $3)",
        COLS.split(',').map(|c| format!("p.{}", c.trim())).collect::<Vec<_>>().join(", ")
    );
    Ok(
        on!(ex, c => sqlx::query_as(&sql).bind(reach.district()).bind(year.start_year() as i64).bind(reach.school()).fetch_all(c).await)?,
    )
}

pub async fn save_passport(
    ex: &mut Ex<'_>,
    actor: &Actor,
    school_id: i64,
    year: SchoolYear,
    f: &PassportFields,
) -> Result<(), Error> {
    let school = super::school_row(ex, school_id).await?;
    let before = passport_row(ex, school_id, year).await?;
    if before.as_ref().map(Passport::fields).as_ref() == Some(f) {
        return Ok(());
    }
    // Guarded: only a draft changes, even if it was submitted between our read and this write.
    let written = exec!(ex, c => sqlx::query(
        "INSERT INTO library_passports (school_id, school_year, rooms, area_m2, reading_seats, computers, internet, fund_main,
           fund_textbooks, fund_fiction, fund_periodicals, readers, visits, loans, staff, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (school_id, school_year) DO UPDATE SET rooms = excluded.rooms, area_m2 = excluded.area_m2,
           reading_seats = excluded.reading_seats, computers = excluded.computers, internet = excluded.internet,
           fund_main = excluded.fund_main, fund_textbooks = excluded.fund_textbooks, fund_fiction = excluded.fund_fiction,
           fund_periodicals = excluded.fund_periodicals, readers = excluded.readers, visits = excluded.visits,
           loans = excluded.loans, staff = excluded.staff, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         WHERE library_passports.state = 'draft'")
        .bind(school_id).bind(year.start_year() as i64).bind(f.rooms).bind(f.area_m2).bind(f.reading_seats).bind(f.computers)
        .bind(f.internet).bind(f.fund_main).bind(f.fund_textbooks).bind(f.fund_fiction).bind(f.fund_periodicals)
        .bind(f.readers).bind(f.visits).bind(f.loans).bind(f.staff).bind(now()).bind(actor.user_id)
        .execute(c).await)?;
    if written == 0 {
        return Err(not_a_draft());
    }
    audit::record(
        ex,
        actor,
        Change {
            action: if before.is_some() { "update" } else { "create" },
            entity: "passport",
            entity_id: Some(school_id),
            district_id: Some(school.district_id),
            summary: format!("Паспорт библиотеки «{}» за {year}", school.short_name),
            before: before.map(|p| p.fields()).as_ref().and_then(json),
            after: json(f),
        },
    )
    .await?;
    Ok(())
}

fn not_a_draft() -> Error {
    Error::Invalid(
        "Паспорт уже сдан руководителю МО и не редактируется. Чтобы внести исправления, попросите руководителя вернуть его на доработку".into(),
    )
}

/// Moves a passport from one state to another; refused when it is no longer in `from`
/// (someone else moved it first).
pub async fn set_passport_state(
    ex: &mut Ex<'_>,
    actor: &Actor,
    school_id: i64,
    year: SchoolYear,
    from: PassportState,
    to: PassportState,
) -> Result<(), Error> {
    let school = super::school_row(ex, school_id).await?;
    let n = exec!(ex, c => sqlx::query(
        "UPDATE library_passports SET state = $1, updated_at = $2, updated_by = $3 WHERE school_id = $4 AND school_year = $5 AND state = $6")
        .bind(to.code()).bind(now()).bind(actor.user_id).bind(school_id).bind(year.start_year() as i64).bind(from.code())
        .execute(c).await)?;
    if n == 0 {
        return Err(Error::Invalid(format!(
            "Паспорт за {year} не в состоянии «{}»: обновите страницу — его состояние уже изменилось",
            from.title_ru()
        )));
    }
    let summary = match to {
        PassportState::Submitted => {
            format!("Паспорт библиотеки «{}» за {year} сдан руководителю МО", school.short_name)
        }
        PassportState::Accepted => format!("Паспорт библиотеки «{}» за {year} принят", school.short_name),
        PassportState::Draft => format!("Паспорт библиотеки «{}» за {year} возвращён на доработку", school.short_name),
    };
    let change = Change {
        action: "state",
        entity: "passport",
        entity_id: Some(school_id),
        district_id: Some(school.district_id),
        summary,
        before: Some(serde_json::json!({ "state": from.code() })),
        after: Some(serde_json::json!({ "state": to.code() })),
    };
    audit::record(ex, actor, change).await
}
