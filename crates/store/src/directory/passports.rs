use chrono::{DateTime, Utc};
use domain::directory::PassportFields;
use domain::SchoolYear;
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, json, Actor, Change};
use crate::{exec, now, on, Error, Ex};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Passport {
    pub school_id: i64,
    pub school_year: i64,
    pub rooms: Option<i64>,
    pub area_m2: Option<f64>,
    pub reading_seats: Option<i64>,
    pub computers: Option<i64>,
    pub internet: bool,
    pub fund_main: Option<i64>,
    pub fund_textbooks: Option<i64>,
    pub fund_fiction: Option<i64>,
    pub fund_periodicals: Option<i64>,
    pub readers: Option<i64>,
    pub visits: Option<i64>,
    pub loans: Option<i64>,
    pub staff: Option<i64>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
}

impl Passport {
    pub fn fields(&self) -> PassportFields {
        PassportFields {
            rooms: self.rooms,
            area_m2: self.area_m2,
            reading_seats: self.reading_seats,
            computers: self.computers,
            internet: self.internet,
            fund_main: self.fund_main,
            fund_textbooks: self.fund_textbooks,
            fund_fiction: self.fund_fiction,
            fund_periodicals: self.fund_periodicals,
            readers: self.readers,
            visits: self.visits,
            loans: self.loans,
            staff: self.staff,
        }
    }
}

const COLS: &str =
    "school_id, school_year, rooms, area_m2, reading_seats, computers, internet, fund_main, fund_textbooks,
    fund_fiction, fund_periodicals, readers, visits, loans, staff, updated_at, updated_by";

pub async fn get_passport(ex: &mut Ex<'_>, school_id: i64, year: SchoolYear) -> Result<Option<Passport>, Error> {
    let sql = format!("SELECT {COLS} FROM library_passports WHERE school_id = $1 AND school_year = $2");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(year.start_year() as i64).fetch_optional(c).await)?)
}

/// School years for which a school has a passport, newest first.
pub async fn passport_years(ex: &mut Ex<'_>, school_id: i64) -> Result<Vec<SchoolYear>, Error> {
    let rows: Vec<(i64,)> = on!(ex, c => sqlx::query_as("SELECT school_year FROM library_passports WHERE school_id = $1 ORDER BY school_year DESC")
        .bind(school_id).fetch_all(c).await)?;
    Ok(rows.into_iter().filter_map(|(y,)| SchoolYear::starting(y as i32)).collect())
}

/// Every passport of a district for a year, keyed by school.
pub async fn district_passports(ex: &mut Ex<'_>, district_id: i64, year: SchoolYear) -> Result<Vec<Passport>, Error> {
    let sql = format!(
        "SELECT {} FROM library_passports p JOIN schools s ON s.id = p.school_id WHERE s.district_id = $1 AND p.school_year = $2",
        COLS.split(',').map(|c| format!("p.{}", c.trim())).collect::<Vec<_>>().join(", ")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(district_id).bind(year.start_year() as i64).fetch_all(c).await)?)
}

pub async fn save_passport(
    ex: &mut Ex<'_>,
    actor: &Actor,
    school_id: i64,
    year: SchoolYear,
    f: &PassportFields,
) -> Result<(), Error> {
    let school = super::get_school(ex, school_id).await?;
    let before = get_passport(ex, school_id, year).await?;
    if before.as_ref().map(Passport::fields).as_ref() == Some(f) {
        return Ok(());
    }
    exec!(ex, c => sqlx::query(
        "INSERT INTO library_passports (school_id, school_year, rooms, area_m2, reading_seats, computers, internet, fund_main,
           fund_textbooks, fund_fiction, fund_periodicals, readers, visits, loans, staff, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (school_id, school_year) DO UPDATE SET rooms = excluded.rooms, area_m2 = excluded.area_m2,
           reading_seats = excluded.reading_seats, computers = excluded.computers, internet = excluded.internet,
           fund_main = excluded.fund_main, fund_textbooks = excluded.fund_textbooks, fund_fiction = excluded.fund_fiction,
           fund_periodicals = excluded.fund_periodicals, readers = excluded.readers, visits = excluded.visits,
           loans = excluded.loans, staff = excluded.staff, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
        .bind(school_id).bind(year.start_year() as i64).bind(f.rooms).bind(f.area_m2).bind(f.reading_seats).bind(f.computers)
        .bind(f.internet).bind(f.fund_main).bind(f.fund_textbooks).bind(f.fund_fiction).bind(f.fund_periodicals)
        .bind(f.readers).bind(f.visits).bind(f.loans).bind(f.staff).bind(now()).bind(actor.user_id)
        .execute(c).await)?;
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
