use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, Actor, Change};
use crate::{now, on, Error, Ex, OrTaken};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct District {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

fn name_error(message: String) -> Error {
    let mut f = domain::FieldErrors::default();
    f.add("name", message);
    Error::Fields(f)
}

pub async fn create_district(ex: &mut Ex<'_>, actor: &Actor, name: &str, region: &str) -> Result<i64, Error> {
    let name = name.trim();
    if name.is_empty() {
        return Err(name_error("Название округа: обязательное поле".into()));
    }
    let taken: Option<(i64,)> =
        on!(ex, c => sqlx::query_as("SELECT id FROM districts WHERE name = $1").bind(name).fetch_optional(c).await)?;
    if taken.is_some() {
        return Err(name_error(format!("Округ «{name}» уже есть")));
    }
    let id: (i64,) = on!(ex, c => sqlx::query_as("INSERT INTO districts (name, region, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(name).bind(region.trim()).bind(now()).fetch_one(c).await)
        .or_taken("name", format!("Округ «{name}» уже есть"))?;
    audit::record(
        ex,
        actor,
        Change {
            action: "create",
            entity: "district",
            entity_id: Some(id.0),
            district_id: Some(id.0),
            summary: format!("Создан округ «{name}»"),
            before: None,
            after: Some(serde_json::json!({"name": name, "region": region.trim()})),
        },
    )
    .await?;
    Ok(id.0)
}

pub async fn list_districts(ex: &mut Ex<'_>) -> Result<Vec<District>, Error> {
    Ok(
        on!(ex, c => sqlx::query_as("SELECT id, name, region, created_at, archived_at FROM districts ORDER BY name").fetch_all(c).await)?,
    )
}

pub async fn get_district(ex: &mut Ex<'_>, id: i64) -> Result<District, Error> {
    on!(ex, c => sqlx::query_as("SELECT id, name, region, created_at, archived_at FROM districts WHERE id = $1").bind(id).fetch_optional(c).await)?
        .ok_or(Error::NotFound)
}
