use chrono::{DateTime, Utc};
use domain::directory::{SchoolFields, SchoolInput};
use domain::{text, FieldErrors};
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, json, Actor, Change};
use crate::{exec, now, on, Error, Ex, ListQuery, OrTaken, Page, Reach};

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct School {
    pub id: i64,
    pub district_id: i64,
    /// The card, decoded straight into the domain's type (declared once, in `domain`).
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub card: SchoolFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// A school reads as its card: `school.short_name`.
impl std::ops::Deref for School {
    type Target = SchoolFields;
    fn deref(&self) -> &SchoolFields {
        &self.card
    }
}

impl School {
    /// The card as a form shows it, to edit or to merge an imported row into.
    pub fn input(&self) -> SchoolInput {
        self.card.input()
    }

    pub fn kind_title(&self) -> &'static str {
        self.card.kind.title_ru()
    }
}

const COLS: &str = "id, district_id, full_name, short_name, kind, address, director, phone, email, inn, created_at, updated_at, archived_at";

/// Sort keys offered to the user, and the column each means; the first is the default.
pub const SCHOOL_SORTS: &[(&str, &str)] =
    &[("short_name", "sort_key"), ("kind", "kind"), ("director", "director"), ("updated", "updated_at")];

fn search_text(f: &SchoolFields) -> String {
    text::normalize(&format!(
        "{} {} {} {} {}",
        f.short_name,
        f.full_name,
        f.director,
        f.address,
        f.inn.as_ref().map_or("", |i| i.as_str())
    ))
}

/// Field errors for a short name or ИНН another school already has.
pub async fn school_conflicts(
    ex: &mut Ex<'_>,
    district_id: i64,
    f: &SchoolFields,
    except: Option<i64>,
) -> Result<FieldErrors, Error> {
    let mut e = FieldErrors::default();
    let except = except.unwrap_or(-1);
    let same_name: Option<(i64,)> = on!(ex, c => sqlx::query_as("SELECT id FROM schools WHERE district_id = $1 AND short_name = $2 AND id <> $3")
        .bind(district_id).bind(&f.short_name).bind(except).fetch_optional(c).await)?;
    if same_name.is_some() {
        e.add("short_name", format!("Школа с кратким наименованием «{}» уже есть в округе", f.short_name));
    }
    if let Some(inn) = &f.inn {
        let same_inn: Option<(String, i64)> = on!(ex, c => sqlx::query_as("SELECT short_name, district_id FROM schools WHERE inn = $1 AND id <> $2")
            .bind(inn.as_str()).bind(except).fetch_optional(c).await)?;
        match same_inn {
            Some((other, d)) if d == district_id => {
                e.add("inn", format!("ИНН {} уже указан у школы «{other}»", inn.as_str()))
            }
            // A school of another district is not named: nothing crosses districts.
            Some(_) => e.add("inn", format!("ИНН {} уже зарегистрирован в системе за другой школой", inn.as_str())),
            None => {}
        }
    }
    Ok(e)
}

/// Adds a school to the caller's district.
pub async fn create_school(ex: &mut Ex<'_>, reach: &Reach, f: &SchoolFields) -> Result<i64, Error> {
    let (actor, district_id) = (&reach.actor(), reach.district());
    let conflicts = school_conflicts(ex, district_id, f, None).await?;
    if !conflicts.is_empty() {
        return Err(conflicts.into());
    }
    let t = now();
    let id: (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO schools (district_id, full_name, short_name, kind, address, director, phone, email, inn, search, created_at, updated_at, sort_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) RETURNING id")
        .bind(district_id).bind(&f.full_name).bind(&f.short_name).bind(f.kind.code()).bind(&f.address)
        .bind(&f.director).bind(&f.phone).bind(&f.email).bind(f.inn.as_ref().map(|i| i.as_str()))
        .bind(search_text(f)).bind(t).bind(text::sort_key(&f.short_name)).fetch_one(c).await)
        .or_taken("short_name", format!("Школа «{}» или школа с тем же ИНН уже есть", f.short_name))?;
    let after = school_row(ex, id.0).await?;
    audit::record(
        ex,
        actor,
        Change {
            action: "create",
            entity: "school",
            entity_id: Some(id.0),
            district_id: Some(district_id),
            summary: format!("Добавлена школа «{}»", f.short_name),
            before: None,
            after: json(&after),
        },
    )
    .await?;
    Ok(id.0)
}

/// Writes the card; false (and no audit entry) when nothing differs from what is stored.
pub async fn update_school(ex: &mut Ex<'_>, actor: &Actor, id: i64, f: &SchoolFields) -> Result<bool, Error> {
    let before = school_row(ex, id).await?;
    if &before.card == f {
        return Ok(false);
    }
    let conflicts = school_conflicts(ex, before.district_id, f, Some(id)).await?;
    if !conflicts.is_empty() {
        return Err(conflicts.into());
    }
    exec!(ex, c => sqlx::query(
        "UPDATE schools SET full_name = $1, short_name = $2, kind = $3, address = $4, director = $5, phone = $6,
         email = $7, inn = $8, search = $9, updated_at = $10, sort_key = $12 WHERE id = $11")
        .bind(&f.full_name).bind(&f.short_name).bind(f.kind.code()).bind(&f.address).bind(&f.director)
        .bind(&f.phone).bind(&f.email).bind(f.inn.as_ref().map(|i| i.as_str())).bind(search_text(f))
        .bind(now()).bind(id).bind(text::sort_key(&f.short_name)).execute(c).await)
    .or_taken("short_name", format!("Школа «{}» или школа с тем же ИНН уже есть", f.short_name))?;
    if before.short_name != f.short_name {
        super::refresh_librarian_search(ex, id).await?;
    }
    let after = school_row(ex, id).await?;
    audit::record(
        ex,
        actor,
        Change {
            action: "update",
            entity: "school",
            entity_id: Some(id),
            district_id: Some(before.district_id),
            summary: format!("Изменена карточка школы «{}»", f.short_name),
            before: json(&before),
            after: json(&after),
        },
    )
    .await?;
    Ok(true)
}

/// Archives (or brings back) a school; its history stays.
pub async fn set_school_archived(ex: &mut Ex<'_>, actor: &Actor, id: i64, archived: bool) -> Result<(), Error> {
    let s = school_row(ex, id).await?;
    let at = archived.then(now);
    exec!(ex, c => sqlx::query("UPDATE schools SET archived_at = $1, updated_at = $2 WHERE id = $3").bind(at).bind(now()).bind(id).execute(c).await)?;
    audit::record(
        ex,
        actor,
        Change {
            action: if archived { "archive" } else { "restore" },
            entity: "school",
            entity_id: Some(id),
            district_id: Some(s.district_id),
            summary: format!(
                "Школа «{}» {}",
                s.short_name,
                if archived { "перенесена в архив" } else { "возвращена из архива" }
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(())
}

/// A school card of the caller's district (cards are open to the whole district).
pub async fn get_school(ex: &mut Ex<'_>, reach: &Reach, id: i64) -> Result<School, Error> {
    let sql = format!("SELECT {COLS} FROM schools WHERE id = $1 AND district_id = $2");
    on!(ex, c => sqlx::query_as(&sql).bind(id).bind(reach.district()).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// A school by id alone, for the store's own writes (their callers have checked the reach).
pub(crate) async fn school_row(ex: &mut Ex<'_>, id: i64) -> Result<School, Error> {
    let sql = format!("SELECT {COLS} FROM schools WHERE id = $1");
    on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// Schools of the caller's district: school cards are open to everyone in the district.
pub async fn list_schools(ex: &mut Ex<'_>, reach: &Reach, q: &ListQuery) -> Result<Page<School>, Error> {
    let district_id = reach.district();
    let (limit, offset) = q.limit_offset();
    let pattern = text::like_pattern(&q.q);
    let filter = "district_id = $1 AND search LIKE $2 ESCAPE '\\' AND (archived_at IS NULL OR $3)";
    let sql = format!(
        "SELECT {COLS} FROM schools WHERE {filter} ORDER BY {} LIMIT $4 OFFSET $5",
        q.order_by(SCHOOL_SORTS, "id")
    );
    let items: Vec<School> = on!(ex, c => sqlx::query_as(&sql).bind(district_id).bind(&pattern).bind(q.archived)
        .bind(limit).bind(offset).fetch_all(c).await)?;
    let total = match q.known_total(items.len()) {
        Some(n) => n,
        None => {
            let sql = format!("SELECT COUNT(*) FROM schools WHERE {filter}");
            let n: (i64,) = on!(ex, c => sqlx::query_as(&sql).bind(district_id).bind(&pattern).bind(q.archived).fetch_one(c).await)?;
            n.0
        }
    };
    Ok(Page { items, total, page: q.page.max(1), per_page: limit })
}

/// A school of the district by its short name (how imports recognise a school they already have).
pub async fn school_by_short_name(ex: &mut Ex<'_>, reach: &Reach, short_name: &str) -> Result<Option<School>, Error> {
    let district_id = reach.district();
    let sql = format!("SELECT {COLS} FROM schools WHERE district_id = $1 AND short_name = $2");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(district_id).bind(text::clean(short_name)).fetch_optional(c).await)?)
}
