use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, Actor, Change};
use crate::{exec, now, on, Error, Ex, OrTaken, Page};

/// An order's list, as imported.
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FpuOrder {
    pub id: i64,
    /// «№ 119 от 21.02.2024»
    pub title: String,
    pub issued_on: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub imported_at: DateTime<Utc>,
    /// What the import read (JSON: counts and warnings).
    pub report: String,
}

/// One row of an order's list to store.
#[derive(Debug, Clone)]
pub struct NewListing {
    pub row: u32,
    pub annex: u8,
    pub number: String,
    pub number_key: String,
    pub title: String,
    pub authors: String,
    pub publisher: String,
    pub grades: String,
    pub grade_from: Option<u8>,
    pub grade_to: Option<u8>,
    pub level: String,
    pub area: String,
    pub subject: String,
    pub until: Option<NaiveDate>,
    pub until_text: String,
}

impl NewListing {
    /// The book's identity across orders: numbers change between orders, the book does not.
    pub fn ident(&self) -> String {
        ident_of(&self.title, &self.authors, self.grade_from, self.grade_to)
    }
}

pub fn ident_of(title: &str, authors: &str, from: Option<u8>, to: Option<u8>) -> String {
    let g = |g: Option<u8>| g.map_or("-".to_string(), |g| g.to_string());
    format!("{}|{}|{}-{}", domain::text::normalize(title), domain::text::normalize(authors), g(from), g(to))
}

/// An item as an order lists it.
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listed {
    pub item_id: i64,
    pub order_id: i64,
    pub annex: i64,
    pub number: String,
    pub number_key: String,
    pub title: String,
    pub authors: String,
    pub publisher: String,
    /// As the list writes them: «10–11», «1 доп.»
    pub grades: String,
    pub grade_from: Option<i64>,
    pub grade_to: Option<i64>,
    pub level: String,
    pub area: String,
    pub subject: String,
    /// Annex 1: the expert conclusion's expiry; Annex 2: the limit date of use.
    pub until: Option<NaiveDate>,
    pub until_text: String,
}

const LISTED: &str =
    "l.item_id, l.order_id, l.annex, l.number, l.number_key, i.title, i.authors, l.publisher, i.grades,
    i.grade_from, i.grade_to, l.level, l.area, l.subject, l.until, l.until_text";

/// Orders, the newest first (by the order's date, then by import).
pub async fn fpu_orders(ex: &mut Ex<'_>) -> Result<Vec<FpuOrder>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, title, issued_on, file_name, sha256, imported_at, report FROM fpu_orders ORDER BY issued_on DESC, id DESC")
        .fetch_all(c).await)?)
}

/// The order whose list is in force: the newest.
pub async fn current_fpu_order(ex: &mut Ex<'_>) -> Result<Option<FpuOrder>, Error> {
    Ok(fpu_orders(ex).await?.into_iter().next())
}

pub async fn fpu_order_by_title(ex: &mut Ex<'_>, title: &str) -> Result<Option<FpuOrder>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, title, issued_on, file_name, sha256, imported_at, report FROM fpu_orders WHERE title = $1")
        .bind(title).fetch_optional(c).await)?)
}

/// Rows per multi-row INSERT: 13 values each stays far below both databases' bind limits.
const CHUNK: usize = 400;

/// Stores an order's whole list: new books become items, every row a listing of this order.
/// Rows with the same identity (the caller has warned of them) keep the first. An order of the
/// same title stored meanwhile is `Error::Fields` (field `order`).
#[allow(clippy::too_many_arguments)]
pub async fn insert_fpu_order(
    ex: &mut Ex<'_>,
    actor: &Actor,
    title: &str,
    issued_on: NaiveDate,
    file_name: &str,
    sha256: &str,
    report: &str,
    rows: &[NewListing],
) -> Result<i64, Error> {
    let at = now();
    let (order_id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO fpu_orders (title, issued_on, file_name, sha256, imported_at, imported_by, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(title).bind(issued_on).bind(file_name).bind(sha256).bind(at).bind(actor.user_id).bind(report)
        .fetch_one(c).await)
    // Two imports of one order at once: the title's constraint stops the second.
    .or_taken("order", format!("Приказ {title} уже загружен"))?;
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<(&NewListing, String)> =
        rows.iter().map(|r| (r, r.ident())).filter(|(_, id)| seen.insert(id.clone())).collect();
    for chunk in rows.chunks(CHUNK) {
        exec!(ex, c => {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO fpu_items (ident, title, authors, grades, grade_from, grade_to) ");
            q.push_values(chunk, |mut b, (r, ident)| {
                b.push_bind(ident).push_bind(&r.title).push_bind(&r.authors).push_bind(&r.grades)
                    .push_bind(r.grade_from.map(i64::from)).push_bind(r.grade_to.map(i64::from));
            });
            q.push(" ON CONFLICT (ident) DO NOTHING");
            q.build().execute(c).await
        })?;
    }
    let ids: HashMap<String, i64> = on!(ex, c => sqlx::query_as::<_, (String, i64)>("SELECT ident, id FROM fpu_items")
        .fetch_all(c).await)?
    .into_iter()
    .collect();
    for chunk in rows.chunks(CHUNK) {
        exec!(ex, c => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO fpu_listings (order_id, item_id, row_number, annex, number, number_key, publisher, level, area, subject, until, until_text, search) ");
            q.push_values(chunk, |mut b, (r, ident)| {
                let search = domain::text::normalize(&format!("{} {} {} {} {}", r.number, r.title, r.authors, r.publisher, r.subject));
                b.push_bind(order_id).push_bind(ids[ident.as_str()]).push_bind(r.row as i64).push_bind(r.annex as i64)
                    .push_bind(&r.number).push_bind(&r.number_key).push_bind(&r.publisher).push_bind(&r.level)
                    .push_bind(&r.area).push_bind(&r.subject).push_bind(r.until).push_bind(&r.until_text).push_bind(search);
            });
            q.build().execute(c).await
        })?;
    }
    let change = Change {
        action: "import",
        entity: "fpu_order",
        entity_id: Some(order_id),
        district_id: None,
        summary: format!("ФПУ: приказ {title}, «{file_name}», позиций {}", rows.len()),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(order_id)
}

/// What to show of an order's list.
#[derive(Debug, Clone, Default)]
pub struct FpuFilter {
    pub q: String,
    pub subject: String,
    pub publisher: String,
    pub grade: Option<u8>,
    pub annex: Option<u8>,
}

/// An order's list, filtered, in the order of its numbers.
pub async fn fpu_listed(
    ex: &mut Ex<'_>,
    order_id: i64,
    f: &FpuFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<Listed>, Error> {
    let per_page = per_page.clamp(1, 1000);
    let page = page.clamp(1, 100_000);
    let q = domain::text::like_pattern(&f.q);
    let publisher = domain::text::like_pattern(&f.publisher);
    let grade = f.grade.map(i64::from);
    let annex = f.annex.map(i64::from);
    let filter = "l.order_id = $1 AND ($2 = '' OR l.search LIKE $2) AND ($3 = '' OR l.subject = $3)
        AND ($4 IS NULL OR (i.grade_from <= $4 AND i.grade_to >= $4)) AND ($5 IS NULL OR l.annex = $5)
        AND ($6 = '' OR LOWER(l.publisher) LIKE $6)";
    let sql = format!(
        "SELECT {LISTED} FROM fpu_listings l JOIN fpu_items i ON i.id = l.item_id WHERE {filter}
         ORDER BY l.annex, l.number_key, l.row_number LIMIT $7 OFFSET $8"
    );
    let items: Vec<Listed> = on!(ex, c => sqlx::query_as(&sql).bind(order_id).bind(&q).bind(&f.subject).bind(grade)
        .bind(annex).bind(&publisher).bind(per_page).bind((page - 1) * per_page).fetch_all(c).await)?;
    let count = format!("SELECT COUNT(*) FROM fpu_listings l JOIN fpu_items i ON i.id = l.item_id WHERE {filter}");
    let (total,): (i64,) = on!(ex, c => sqlx::query_as(&count).bind(order_id).bind(&q).bind(&f.subject).bind(grade)
        .bind(annex).bind(&publisher).fetch_one(c).await)?;
    Ok(Page { items, total, page, per_page })
}

/// The subjects of an order's list, in alphabetical order.
pub async fn fpu_subjects(ex: &mut Ex<'_>, order_id: i64) -> Result<Vec<String>, Error> {
    let rows: Vec<(String,)> = on!(ex, c => sqlx::query_as(
        "SELECT DISTINCT subject FROM fpu_listings WHERE order_id = $1 AND subject <> '' ORDER BY subject")
        .bind(order_id).fetch_all(c).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Every listing of one item, the newest order first: the item's history.
pub async fn fpu_history(ex: &mut Ex<'_>, item_id: i64) -> Result<Vec<(FpuOrder, Listed)>, Error> {
    let orders: HashMap<i64, FpuOrder> = fpu_orders(ex).await?.into_iter().map(|o| (o.id, o)).collect();
    let sql = format!("SELECT {LISTED} FROM fpu_listings l JOIN fpu_items i ON i.id = l.item_id WHERE l.item_id = $1");
    let rows: Vec<Listed> = on!(ex, c => sqlx::query_as(&sql).bind(item_id).fetch_all(c).await)?;
    let mut out: Vec<(FpuOrder, Listed)> =
        rows.into_iter().filter_map(|l| orders.get(&l.order_id).cloned().map(|o| (o, l))).collect();
    out.sort_by_key(|b| std::cmp::Reverse((b.0.issued_on, b.0.id)));
    Ok(out)
}

/// Items of the current order by number key: a number may be repeated (a grade-10 and a
/// grade-11 row), so each key gives every item it names.
pub async fn fpu_by_number(ex: &mut Ex<'_>, order_id: i64) -> Result<HashMap<String, Vec<Listed>>, Error> {
    let sql = format!("SELECT {LISTED} FROM fpu_listings l JOIN fpu_items i ON i.id = l.item_id WHERE l.order_id = $1");
    let rows: Vec<Listed> = on!(ex, c => sqlx::query_as(&sql).bind(order_id).fetch_all(c).await)?;
    let mut out: HashMap<String, Vec<Listed>> = HashMap::new();
    for r in rows {
        out.entry(r.number_key.clone()).or_default().push(r);
    }
    Ok(out)
}

/// Where items stand: for each item, its annex in the current order (None when not listed) and
/// the limit date of use from its newest Annex 2 listing that gives one.
pub async fn fpu_standings(
    ex: &mut Ex<'_>,
    item_ids: &[i64],
) -> Result<HashMap<i64, (Option<u8>, Option<NaiveDate>)>, Error> {
    let current = current_fpu_order(ex).await?.map(|o| o.id);
    let mut out: HashMap<i64, (Option<u8>, Option<NaiveDate>)> = HashMap::new();
    for chunk in item_ids.chunks(CHUNK) {
        let rows: Vec<(i64, i64, i64, Option<NaiveDate>, NaiveDate)> = on!(ex, c => {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT l.item_id, l.order_id, l.annex, l.until, o.issued_on FROM fpu_listings l
                 JOIN fpu_orders o ON o.id = l.order_id WHERE l.item_id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(") ORDER BY o.issued_on, o.id");
            q.build_query_as().fetch_all(c).await
        })?;
        for (item, order, annex, until, _) in rows {
            let e = out.entry(item).or_default();
            if Some(order) == current {
                e.0 = Some(annex as u8);
            }
            if annex == 2 && until.is_some() {
                e.1 = until; // later orders come later and win
            }
        }
    }
    for id in item_ids {
        out.entry(*id).or_default();
    }
    Ok(out)
}

/// Every item as its newest order lists it.
pub async fn fpu_latest(ex: &mut Ex<'_>) -> Result<Vec<Listed>, Error> {
    let sql = format!(
        "SELECT {LISTED} FROM fpu_listings l JOIN fpu_items i ON i.id = l.item_id JOIN fpu_orders o ON o.id = l.order_id
         ORDER BY o.issued_on DESC, o.id DESC"
    );
    let rows: Vec<Listed> = on!(ex, c => sqlx::query_as(&sql).fetch_all(c).await)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows.into_iter().filter(|l| seen.insert(l.item_id)).collect())
}

/// Items by id, as the current order lists them when it does, else as last listed.
pub async fn fpu_items(ex: &mut Ex<'_>, item_ids: &[i64]) -> Result<HashMap<i64, Listed>, Error> {
    let mut out: HashMap<i64, (NaiveDate, i64, Listed)> = HashMap::new();
    for chunk in item_ids.chunks(CHUNK) {
        let rows: Vec<(NaiveDate, i64, Listed)> = on!(ex, c => {
            let mut q = sqlx::QueryBuilder::new(format!(
                "SELECT o.issued_on, o.id, {LISTED} FROM fpu_listings l JOIN fpu_items i ON i.id = l.item_id
                 JOIN fpu_orders o ON o.id = l.order_id WHERE l.item_id IN ("));
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            q.build().fetch_all(c).await.and_then(|rows| rows.iter().map(|r| {
                use sqlx::Row;
                Ok((r.try_get::<NaiveDate, _>(0)?, r.try_get::<i64, _>(1)?, Listed::from_row(r)?))
            }).collect::<Result<Vec<_>, sqlx::Error>>())
        })?;
        for (issued, order, l) in rows {
            let newer = out.get(&l.item_id).is_none_or(|(d, o, _)| (issued, order) > (*d, *o));
            if newer {
                out.insert(l.item_id, (issued, order, l));
            }
        }
    }
    Ok(out.into_iter().map(|(k, v)| (k, v.2)).collect())
}

/// Items of an order in Annex 1 and Annex 2.
pub async fn fpu_order_counts(ex: &mut Ex<'_>, order_id: i64) -> Result<(i64, i64), Error> {
    let rows: Vec<(i64, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT annex, COUNT(*) FROM fpu_listings WHERE order_id = $1 GROUP BY annex")
        .bind(order_id).fetch_all(c).await)?;
    let get = |a: i64| rows.iter().find(|r| r.0 == a).map_or(0, |r| r.1);
    Ok((get(1), get(2)))
}
