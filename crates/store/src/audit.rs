//! The audit log: who changed what, when, with the record before and after.
//! Every mutating store function writes its entry here, inside the same transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;

use crate::{exec, now, on, Error, Ex, ListQuery, Page, Reach};

/// Who acts: the signed-in account (None for the CLI and the demo seeder) and its district.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub district_id: Option<i64>,
}

impl Actor {
    pub const SYSTEM: Actor = Actor { user_id: None, district_id: None };
}

pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub district_id: Option<i64>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub fn json<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

pub async fn record(ex: &mut Ex<'_>, actor: &Actor, ch: Change<'_>) -> Result<(), Error> {
    let before = ch.before.map(|v| v.to_string());
    let after = ch.after.map(|v| v.to_string());
    exec!(ex, c => sqlx::query(
        "INSERT INTO audit_log (at, user_id, district_id, action, entity, entity_id, summary, search, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(now()).bind(actor.user_id).bind(ch.district_id.or(actor.district_id))
        .bind(ch.action).bind(ch.entity).bind(ch.entity_id).bind(&ch.summary).bind(domain::text::normalize(&ch.summary)).bind(before).bind(after)
        .execute(c).await)?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// The caller's district's entries, newest first; `q.q` filters by summary text.
pub async fn list(ex: &mut Ex<'_>, reach: &Reach, q: &ListQuery) -> Result<Page<Entry>, Error> {
    let district_id = reach.district();
    let (limit, offset) = q.limit_offset();
    let pattern = domain::text::like_pattern(&q.q);
    let items: Vec<Entry> = on!(ex, c => sqlx::query_as(
        "SELECT a.id, a.at, a.user_id, u.full_name AS user_name, a.action, a.entity, a.entity_id, a.summary, a.before_json, a.after_json
         FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
         WHERE a.district_id = $1 AND a.search LIKE $2 ESCAPE '\\'
         ORDER BY a.id DESC LIMIT $3 OFFSET $4")
        .bind(district_id).bind(&pattern).bind(limit).bind(offset).fetch_all(&mut *c).await)?;
    let total = match q.known_total(items.len()) {
        Some(n) => n,
        None => {
            let n: (i64,) = on!(ex, c => sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE district_id = $1 AND search LIKE $2 ESCAPE '\\'")
                .bind(district_id).bind(&pattern).fetch_one(c).await)?;
            n.0
        }
    };
    Ok(Page { items, total, page: q.page.max(1), per_page: limit })
}
