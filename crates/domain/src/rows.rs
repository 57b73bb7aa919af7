//! Records whose fields decode straight from a database row (the `sqlx` feature, which only the
//! store turns on): the store's row types flatten these, so a field is declared once here. The
//! impls are generic over the row type, so one decodes SQLite and PostgreSQL rows alike.

use chrono::NaiveDate;
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};

use crate::directory::{Category, InnNumber, LibrarianFields, SchoolFields, SchoolKind};

/// Values a row must decode for these records: text, optional text, numbers and dates.
pub trait Decodes<'r>: Row
where
    for<'a> &'a str: ColumnIndex<Self>,
{
    fn text(&'r self, column: &str) -> Result<String, sqlx::Error>;
    fn maybe_text(&'r self, column: &str) -> Result<Option<String>, sqlx::Error>;
    fn maybe_int(&'r self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn maybe_date(&'r self, column: &str) -> Result<Option<NaiveDate>, sqlx::Error>;
}

impl<'r, R: Row> Decodes<'r> for R
where
    for<'a> &'a str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    Option<NaiveDate>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&'r self, column: &str) -> Result<String, sqlx::Error> {
        self.try_get(column)
    }
    fn maybe_text(&'r self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column)
    }
    fn maybe_int(&'r self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }
    fn maybe_date(&'r self, column: &str) -> Result<Option<NaiveDate>, sqlx::Error> {
        self.try_get(column)
    }
}

impl<'r, R: Decodes<'r>> FromRow<'r, R> for SchoolFields
where
    for<'a> &'a str: ColumnIndex<R>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(SchoolFields {
            full_name: row.text("full_name")?,
            short_name: row.text("short_name")?,
            // Codes are written by this program; an unknown one reads as «другое».
            kind: SchoolKind::parse(&row.text("kind")?).unwrap_or(SchoolKind::Other),
            address: row.text("address")?,
            director: row.text("director")?,
            phone: row.text("phone")?,
            email: row.text("email")?,
            inn: row.maybe_text("inn")?.map(InnNumber::stored),
        })
    }
}

impl<'r, R: Decodes<'r>> FromRow<'r, R> for LibrarianFields
where
    for<'a> &'a str: ColumnIndex<R>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(LibrarianFields {
            full_name: row.text("full_name")?,
            position: row.text("position")?,
            education: row.text("education")?,
            experience_years: row.maybe_int("experience_years")?,
            category: Category::parse(&row.text("category")?).unwrap_or(Category::None),
            attestation_date: row.maybe_date("attestation_date")?,
            next_attestation_date: row.maybe_date("next_attestation_date")?,
            self_education_theme: row.text("self_education_theme")?,
            portfolio: row.text("portfolio")?,
            email: row.text("email")?,
            phone: row.text("phone")?,
            consent_processing_date: row.maybe_date("consent_processing_date")?,
            consent_publication_date: row.maybe_date("consent_publication_date")?,
        })
    }
}
