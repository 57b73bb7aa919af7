use chrono::{DateTime, NaiveDate, Utc};
use domain::directory::{CourseFields, LibrarianFields, LibrarianInput};
use domain::text;
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, json, Actor, Change};
use crate::{exec, now, on, Error, Ex, ListQuery, Page, Reach};

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Librarian {
    pub id: i64,
    pub district_id: i64,
    pub school_id: i64,
    pub school_short_name: String,
    pub user_id: Option<i64>,
    /// The record, decoded straight into the domain's type (declared once, in `domain`).
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub record: LibrarianFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// A librarian reads as their record: `librarian.full_name`.
impl std::ops::Deref for Librarian {
    type Target = LibrarianFields;
    fn deref(&self) -> &LibrarianFields {
        &self.record
    }
}

impl Librarian {
    /// The record as a form shows it (dates as ГГГГ-ММ-ДД), to edit or to merge an imported row into.
    pub fn input(&self) -> LibrarianInput {
        self.record.input()
    }

    pub fn category_title(&self) -> &'static str {
        self.record.category.title_ru()
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: i64,
    pub librarian_id: i64,
    pub title: String,
    pub provider: String,
    pub hours: i64,
    pub start_date: Option<NaiveDate>,
    pub end_date: NaiveDate,
    pub certificate: String,
}

const COLS: &str =
    "l.id, l.district_id, l.school_id, s.short_name AS school_short_name, l.user_id, l.full_name, l.position,
    l.education, l.experience_years, l.category, l.attestation_date, l.next_attestation_date, l.self_education_theme,
    l.portfolio, l.email, l.phone, l.consent_processing_date, l.consent_publication_date, l.created_at, l.updated_at, l.archived_at";

pub const LIBRARIAN_SORTS: &[(&str, &str)] = &[
    ("full_name", "l.full_name"),
    ("school", "s.sort_key"),
    ("category", "l.category"),
    ("next_attestation", "l.next_attestation_date"),
    ("updated", "l.updated_at"),
];

fn search_text(f: &LibrarianFields, school: &str) -> String {
    search_of(&f.full_name, school, &f.position, &f.self_education_theme)
}

/// What a librarian is found by: name, school, position and self-education theme.
fn search_of(full_name: &str, school: &str, position: &str, theme: &str) -> String {
    text::normalize(&format!("{full_name} {school} {position} {theme}"))
}

async fn school_of(ex: &mut Ex<'_>, school_id: i64) -> Result<(i64, String), Error> {
    let r: Option<(i64, String)> = on!(ex, c => sqlx::query_as("SELECT district_id, short_name FROM schools WHERE id = $1 AND archived_at IS NULL")
        .bind(school_id).fetch_optional(c).await)?;
    r.ok_or_else(|| Error::Invalid("Школа не найдена или перенесена в архив".into()))
}

pub async fn create_librarian(
    ex: &mut Ex<'_>,
    actor: &Actor,
    school_id: i64,
    f: &LibrarianFields,
) -> Result<i64, Error> {
    let (district_id, school) = school_of(ex, school_id).await?;
    let t = now();
    let id: (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO librarians (district_id, school_id, full_name, position, education, experience_years, category,
           attestation_date, next_attestation_date, self_education_theme, email, phone, consent_processing_date,
           consent_publication_date, search, created_at, updated_at, portfolio)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17) RETURNING id")
        .bind(district_id).bind(school_id).bind(&f.full_name).bind(&f.position).bind(&f.education)
        .bind(f.experience_years).bind(f.category.code()).bind(f.attestation_date).bind(f.next_attestation_date)
        .bind(&f.self_education_theme).bind(&f.email).bind(&f.phone).bind(f.consent_processing_date)
        .bind(f.consent_publication_date).bind(search_text(f, &school)).bind(t).bind(&f.portfolio).fetch_one(c).await)?;
    let after = librarian_row(ex, id.0).await?;
    audit::record(
        ex,
        actor,
        Change {
            action: "create",
            entity: "librarian",
            entity_id: Some(id.0),
            district_id: Some(district_id),
            summary: format!("Добавлен(а) в банк данных: {} ({school})", f.full_name),
            before: None,
            after: json(&after),
        },
    )
    .await?;
    Ok(id.0)
}

pub async fn update_librarian(
    ex: &mut Ex<'_>,
    actor: &Actor,
    id: i64,
    school_id: i64,
    f: &LibrarianFields,
) -> Result<bool, Error> {
    let before = librarian_row(ex, id).await?;
    if before.school_id == school_id && &before.record == f {
        return Ok(false); // nothing differs: no write, no audit entry
    }
    let (district_id, school) = school_of(ex, school_id).await?;
    if district_id != before.district_id {
        return Err(Error::Invalid("Школа из другого округа".into()));
    }
    exec!(ex, c => sqlx::query(
        "UPDATE librarians SET school_id = $1, full_name = $2, position = $3, education = $4, experience_years = $5,
           category = $6, attestation_date = $7, next_attestation_date = $8, self_education_theme = $9, email = $10,
           phone = $11, consent_processing_date = $12, consent_publication_date = $13, search = $14, updated_at = $15,
           portfolio = $17
         WHERE id = $16")
        .bind(school_id).bind(&f.full_name).bind(&f.position).bind(&f.education).bind(f.experience_years)
        .bind(f.category.code()).bind(f.attestation_date).bind(f.next_attestation_date).bind(&f.self_education_theme)
        .bind(&f.email).bind(&f.phone).bind(f.consent_processing_date).bind(f.consent_publication_date)
        .bind(search_text(f, &school)).bind(now()).bind(id).bind(&f.portfolio).execute(c).await)?;
    if let (Some(uid), true) = (before.user_id, before.school_id != school_id) {
        // The account follows its person to the new school, so access follows too.
        exec!(ex, c => sqlx::query("UPDATE users SET school_id = $1 WHERE id = $2 AND role = 'librarian'").bind(school_id).bind(uid).execute(c).await)?;
    }
    let after = librarian_row(ex, id).await?;
    audit::record(
        ex,
        actor,
        Change {
            action: "update",
            entity: "librarian",
            entity_id: Some(id),
            district_id: Some(district_id),
            summary: format!("Изменены сведения: {}", f.full_name),
            before: json(&before),
            after: json(&after),
        },
    )
    .await?;
    Ok(true)
}

pub async fn set_librarian_archived(ex: &mut Ex<'_>, actor: &Actor, id: i64, archived: bool) -> Result<(), Error> {
    let l = librarian_row(ex, id).await?;
    exec!(ex, c => sqlx::query("UPDATE librarians SET archived_at = $1, updated_at = $2 WHERE id = $3")
        .bind(archived.then(now)).bind(now()).bind(id).execute(&mut *c).await)?;
    // A librarian who left keeps their record but can no longer sign in; coming back opens the
    // account again. Only librarian accounts follow the record: a head's account stays.
    let mut account = "";
    if let Some(uid) = l.user_id {
        let n = exec!(ex, c => sqlx::query("UPDATE users SET archived_at = $1 WHERE id = $2 AND role = 'librarian'")
            .bind(archived.then(now)).bind(uid).execute(&mut *c).await)?;
        if n > 0 {
            account = if archived {
                ", вход в систему закрыт"
            } else {
                ", вход в систему открыт"
            };
        }
        if archived && n > 0 {
            exec!(ex, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(uid).execute(c).await)?;
        }
    }
    audit::record(
        ex,
        actor,
        Change {
            action: if archived { "archive" } else { "restore" },
            entity: "librarian",
            entity_id: Some(id),
            district_id: Some(l.district_id),
            summary: format!(
                "{} {}{account}",
                l.full_name,
                if archived { "— в архиве" } else { "— возвращен(а) из архива" }
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(())
}

/// The filter of librarian records in a reach: `$2` the district, `$3` the one school or NULL.
const IN_REACH: &str = "l.district_id = $2 AND ($3 IS NULL OR l.school_id = $3)";

/// A librarian's record in the caller's reach (a librarian reaches their own school's).
pub async fn get_librarian(ex: &mut Ex<'_>, reach: &Reach, id: i64) -> Result<Librarian, Error> {
    let sql =
        format!("SELECT {COLS} FROM librarians l JOIN schools s ON s.id = l.school_id WHERE l.id = $1 AND {IN_REACH}");
    on!(ex, c => sqlx::query_as(&sql).bind(id).bind(reach.district()).bind(reach.school()).fetch_optional(c).await)?
        .ok_or(Error::NotFound)
}

/// A record by id alone, for the store's own writes (their callers have checked the reach).
pub(crate) async fn librarian_row(ex: &mut Ex<'_>, id: i64) -> Result<Librarian, Error> {
    let sql = format!("SELECT {COLS} FROM librarians l JOIN schools s ON s.id = l.school_id WHERE l.id = $1");
    on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// The caller's own data-bank record, if their account has one.
pub async fn librarian_of_user(ex: &mut Ex<'_>, reach: &Reach) -> Result<Option<Librarian>, Error> {
    let sql = format!(
        "SELECT {COLS} FROM librarians l JOIN schools s ON s.id = l.school_id WHERE l.user_id = $1 AND {IN_REACH}"
    );
    let user = reach.user().unwrap_or(-1);
    Ok(
        on!(ex, c => sqlx::query_as(&sql).bind(user).bind(reach.district()).bind(reach.school()).fetch_optional(c).await)?,
    )
}

/// Links an account to a record that has none; false when another link got there first.
pub async fn link_librarian_user(ex: &mut Ex<'_>, id: i64, user_id: i64) -> Result<bool, Error> {
    let n = exec!(ex, c => sqlx::query("UPDATE librarians SET user_id = $1 WHERE id = $2 AND user_id IS NULL")
        .bind(user_id).bind(id).execute(c).await)?;
    Ok(n == 1)
}

/// Librarians in the caller's reach (a librarian sees their own school's); `school` narrows further.
pub async fn list_librarians(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school: Option<i64>,
    q: &ListQuery,
) -> Result<Page<Librarian>, Error> {
    let (district_id, own) = (reach.district(), reach.school());
    let (limit, offset) = q.limit_offset();
    let pattern = text::like_pattern(&q.q);
    let mut filter = "l.district_id = $1 AND l.search LIKE $2 ESCAPE '\\' AND (l.archived_at IS NULL OR $3)
        AND ($4 IS NULL OR l.school_id = $4) AND ($5 IS NULL OR l.school_id = $5)"
        .to_string();
    if q.filter == "no_consent" {
        filter.push_str(" AND l.consent_processing_date IS NULL");
    }
    let sql = format!(
        "SELECT {COLS} FROM librarians l JOIN schools s ON s.id = l.school_id WHERE {filter} ORDER BY {} LIMIT $6 OFFSET $7",
        q.order_by(LIBRARIAN_SORTS, "l.id")
    );
    let items: Vec<Librarian> = on!(ex, c => sqlx::query_as(&sql).bind(district_id).bind(&pattern).bind(q.archived).bind(school)
        .bind(own).bind(limit).bind(offset).fetch_all(c).await)?;
    let total = match q.known_total(items.len()) {
        Some(n) => n,
        None => {
            let sql = format!("SELECT COUNT(*) FROM librarians l WHERE {filter}");
            let n: (i64,) = on!(ex, c => sqlx::query_as(&sql).bind(district_id).bind(&pattern).bind(q.archived)
                .bind(school).bind(own).fetch_one(c).await)?;
            n.0
        }
    };
    Ok(Page { items, total, page: q.page.max(1), per_page: limit })
}

/// The courses of a librarian in the caller's reach, newest first.
pub async fn list_courses(ex: &mut Ex<'_>, reach: &Reach, librarian_id: i64) -> Result<Vec<Course>, Error> {
    let sql = format!(
        "SELECT k.id, k.librarian_id, k.title, k.provider, k.hours, k.start_date, k.end_date, k.certificate
         FROM courses k JOIN librarians l ON l.id = k.librarian_id
         WHERE k.librarian_id = $1 AND {IN_REACH} ORDER BY k.end_date DESC, k.id DESC"
    );
    Ok(
        on!(ex, c => sqlx::query_as(&sql).bind(librarian_id).bind(reach.district()).bind(reach.school()).fetch_all(c).await)?,
    )
}

/// Every course of the librarians in reach, newest first, for an export in one query.
pub async fn courses_in_reach(ex: &mut Ex<'_>, reach: &Reach) -> Result<Vec<Course>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT k.id, k.librarian_id, k.title, k.provider, k.hours, k.start_date, k.end_date, k.certificate
         FROM courses k JOIN librarians l ON l.id = k.librarian_id
         WHERE l.district_id = $1 AND ($2 IS NULL OR l.school_id = $2)
         ORDER BY k.end_date DESC, k.id DESC")
        .bind(reach.district()).bind(reach.school()).fetch_all(c).await)?)
}

pub async fn add_course(ex: &mut Ex<'_>, actor: &Actor, librarian_id: i64, f: &CourseFields) -> Result<i64, Error> {
    let l = librarian_row(ex, librarian_id).await?;
    let id: (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO courses (librarian_id, title, provider, hours, start_date, end_date, certificate)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(librarian_id).bind(&f.title).bind(&f.provider).bind(f.hours).bind(f.start_date).bind(f.end_date)
        .bind(&f.certificate).fetch_one(c).await)?;
    audit::record(
        ex,
        actor,
        Change {
            action: "create",
            entity: "course",
            entity_id: Some(id.0),
            district_id: Some(l.district_id),
            summary: format!("{}: добавлены курсы «{}», {} ч.", l.full_name, f.title, f.hours),
            before: None,
            after: json(f),
        },
    )
    .await?;
    Ok(id.0)
}

pub async fn delete_course(ex: &mut Ex<'_>, actor: &Actor, librarian_id: i64, course_id: i64) -> Result<(), Error> {
    let l = librarian_row(ex, librarian_id).await?;
    let course: Course = on!(ex, c => sqlx::query_as(
        "SELECT id, librarian_id, title, provider, hours, start_date, end_date, certificate FROM courses WHERE id = $1 AND librarian_id = $2")
        .bind(course_id).bind(librarian_id).fetch_optional(c).await)?.ok_or(Error::NotFound)?;
    exec!(ex, c => sqlx::query("DELETE FROM courses WHERE id = $1").bind(course_id).execute(c).await)?;
    audit::record(
        ex,
        actor,
        Change {
            action: "delete",
            entity: "course",
            entity_id: Some(course_id),
            district_id: Some(l.district_id),
            summary: format!("{}: удалена запись о курсах «{}»", l.full_name, course.title),
            before: json(&course),
            after: None,
        },
    )
    .await?;
    Ok(())
}

/// A librarian of a school by full name (how imports recognise a record they already have).
pub async fn librarian_by_name(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school_id: i64,
    full_name: &str,
) -> Result<Option<Librarian>, Error> {
    let sql = format!(
        "SELECT {COLS} FROM librarians l JOIN schools s ON s.id = l.school_id WHERE l.school_id = $1 AND {IN_REACH} AND l.full_name = $4"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(reach.district()).bind(reach.school())
        .bind(text::clean(full_name)).fetch_optional(c).await)?)
}

/// Recomputes the search text of a school's librarians (it holds the school's short name).
pub async fn refresh_librarian_search(ex: &mut Ex<'_>, school_id: i64) -> Result<(), Error> {
    let sql = format!("SELECT {COLS} FROM librarians l JOIN schools s ON s.id = l.school_id WHERE l.school_id = $1");
    let rows: Vec<Librarian> = on!(ex, c => sqlx::query_as(&sql).bind(school_id).fetch_all(c).await)?;
    for l in rows {
        let text = search_of(&l.full_name, &l.school_short_name, &l.position, &l.self_education_theme);
        exec!(ex, c => sqlx::query("UPDATE librarians SET search = $1 WHERE id = $2").bind(text).bind(l.id).execute(c).await)?;
    }
    Ok(())
}
