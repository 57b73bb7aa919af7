//! Schools' library catalogs: each file a school sends is an import whose records are written in
//! short transactions while it is read, and becomes the school's catalog only at its last step
//! (see `0009_catalog_check.sql`), so a long import holds no lock others wait on and a failed one
//! leaves the catalog as it was.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, Actor, Change};
use crate::{exec, now, on, Error, Ex};

/// A 'reading' import not updated for this long was interrupted (its server stopped).
pub const STALE_AFTER: Duration = Duration::minutes(5);

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct CatalogImport {
    pub id: i64,
    pub school_id: i64,
    pub file_name: String,
    pub file_size: i64,
    pub format: String,
    pub encoding: String,
    /// `reading`, `ready` (the school's catalog), `replaced`, `failed`.
    pub state: String,
    pub bytes_read: i64,
    pub records: i64,
    pub broken: i64,
    pub report: String,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CatalogImport {
    pub fn is_reading(&self) -> bool {
        self.state == "reading" && !self.interrupted()
    }
    /// Reading, but nothing written for [`STALE_AFTER`].
    pub fn interrupted(&self) -> bool {
        self.state == "reading" && self.updated_at < now() - STALE_AFTER
    }
    /// How far the file is read, 0..=100.
    pub fn percent(&self) -> i64 {
        if self.file_size <= 0 {
            return 0;
        }
        (self.bytes_read * 100 / self.file_size).clamp(0, 100)
    }
    pub fn problems(&self) -> Vec<&str> {
        self.report.lines().filter(|l| !l.trim().is_empty()).collect()
    }
}

/// A record as the check needs it.
#[derive(Debug, Clone, FromRow, Serialize, PartialEq, Eq)]
pub struct CatalogRecord {
    pub id: i64,
    pub record_key: String,
    pub title: String,
    pub author: String,
}

/// A record to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub record_key: String,
    pub title: String,
    pub author: String,
}

/// Which columns of a CSV/XLSX catalog hold what, by their header text.
#[derive(Debug, Clone, Default, FromRow, Serialize, PartialEq, Eq)]
pub struct Mapping {
    pub id_column: String,
    pub title_column: String,
    pub author_column: String,
}

const IMPORT: &str = "id, school_id, file_name, file_size, format, encoding, state, bytes_read, records, broken, report, started_at, updated_at";

pub async fn start_import(
    ex: &mut Ex<'_>,
    actor: &Actor,
    school: i64,
    file_name: &str,
    file_size: i64,
) -> Result<i64, Error> {
    let at = now();
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO catalog_imports (school_id, file_name, file_size, state, started_at, updated_at, imported_by)
         VALUES ($1, $2, $3, 'reading', $4, $4, $5) RETURNING id")
        .bind(school).bind(file_name).bind(file_size).bind(at).bind(actor.user_id).fetch_one(c).await)?;
    Ok(id)
}

/// What the reader has got to; also keeps the import from looking interrupted.
pub async fn progress(
    ex: &mut Ex<'_>,
    id: i64,
    bytes_read: i64,
    records: i64,
    broken: i64,
    format: &str,
    encoding: &str,
) -> Result<(), Error> {
    exec!(ex, c => sqlx::query(
        "UPDATE catalog_imports SET bytes_read = $2, records = $3, broken = $4, format = $5, encoding = $6, updated_at = $7
         WHERE id = $1 AND state = 'reading'")
        .bind(id).bind(bytes_read).bind(records).bind(broken).bind(format).bind(encoding).bind(now()).execute(c).await)?;
    Ok(())
}

/// Rows per multi-row INSERT: 4 values each, far below both databases' bind limits.
const CHUNK: usize = 500;

pub async fn add_records(ex: &mut Ex<'_>, import_id: i64, rows: &[NewRecord]) -> Result<(), Error> {
    for chunk in rows.chunks(CHUNK) {
        exec!(ex, c => {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO catalog_records (import_id, record_key, title, author) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(import_id).push_bind(&r.record_key).push_bind(&r.title).push_bind(&r.author);
            });
            q.build().execute(c).await
        })?;
    }
    Ok(())
}

/// Makes a read import the school's catalog (the one before is replaced). False when the import
/// is no longer reading (it was given up as interrupted meanwhile).
pub async fn finish_import(
    ex: &mut Ex<'_>,
    actor: &Actor,
    district: i64,
    import_id: i64,
    report: &str,
) -> Result<bool, Error> {
    let (school,): (i64,) = on!(ex, c => sqlx::query_as("SELECT school_id FROM catalog_imports WHERE id = $1")
        .bind(import_id).fetch_one(c).await)?;
    let done = exec!(ex, c => sqlx::query(
        "UPDATE catalog_imports SET state = 'ready', report = $2, bytes_read = file_size, updated_at = $3
         WHERE id = $1 AND state = 'reading'")
        .bind(import_id).bind(report).bind(now()).execute(c).await)?;
    if done == 0 {
        return Ok(false);
    }
    exec!(ex, c => sqlx::query(
        "UPDATE catalog_imports SET state = 'replaced' WHERE school_id = $1 AND state = 'ready' AND id <> $2")
        .bind(school).bind(import_id).execute(c).await)?;
    let (records, name): (i64, String) = on!(ex, c => sqlx::query_as(
        "SELECT records, file_name FROM catalog_imports WHERE id = $1").bind(import_id).fetch_one(c).await)?;
    let change = Change {
        action: "import",
        entity: "catalog",
        entity_id: Some(import_id),
        district_id: Some(district),
        summary: format!("Каталог школы загружен: «{name}», записей {records}"),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(true)
}

/// Marks an import failed with its problems; its records go with [`purge`].
pub async fn fail_import(ex: &mut Ex<'_>, import_id: i64, report: &str) -> Result<(), Error> {
    exec!(ex, c => sqlx::query(
        "UPDATE catalog_imports SET state = 'failed', report = $2, updated_at = $3 WHERE id = $1 AND state = 'reading'")
        .bind(import_id).bind(report).bind(now()).execute(c).await)?;
    Ok(())
}

/// Deletes the records of imports that are no longer anyone's catalog: replaced, failed, or
/// interrupted (those are marked failed first). Checks keep their own copy of what they found.
pub async fn purge(ex: &mut Ex<'_>) -> Result<u64, Error> {
    exec!(ex, c => sqlx::query(
        "UPDATE catalog_imports SET state = 'failed', report = 'Загрузка прервана: сервер остановился, пока файл читался. Загрузите файл ещё раз.'
         WHERE state = 'reading' AND updated_at < $1")
        .bind(now() - STALE_AFTER).execute(c).await)?;
    let n = exec!(ex, c => sqlx::query(
        "DELETE FROM catalog_records WHERE import_id IN (SELECT id FROM catalog_imports WHERE state IN ('replaced', 'failed'))")
        .execute(c).await)?;
    Ok(n)
}

/// The school's catalog: its last finished import.
pub async fn current(ex: &mut Ex<'_>, school: i64) -> Result<Option<CatalogImport>, Error> {
    let sql = format!(
        "SELECT {IMPORT} FROM catalog_imports WHERE school_id = $1 AND state = 'ready' ORDER BY id DESC LIMIT 1"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school).fetch_optional(c).await)?)
}

/// The school's latest import of any state (to show progress or why it failed).
pub async fn latest(ex: &mut Ex<'_>, school: i64) -> Result<Option<CatalogImport>, Error> {
    let sql = format!("SELECT {IMPORT} FROM catalog_imports WHERE school_id = $1 ORDER BY id DESC LIMIT 1");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school).fetch_optional(c).await)?)
}

pub async fn get_import(ex: &mut Ex<'_>, id: i64) -> Result<CatalogImport, Error> {
    let sql = format!("SELECT {IMPORT} FROM catalog_imports WHERE id = $1");
    on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// Records of an import after `after_id`, by id: a catalog is read page by page.
pub async fn records(ex: &mut Ex<'_>, import_id: i64, after_id: i64, limit: i64) -> Result<Vec<CatalogRecord>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, record_key, title, author FROM catalog_records WHERE import_id = $1 AND id > $2 ORDER BY id LIMIT $3")
        .bind(import_id).bind(after_id).bind(limit).fetch_all(c).await)?)
}

/// Schools with a catalog: (school, its district, the catalog's import).
pub async fn schools_with_catalog(ex: &mut Ex<'_>) -> Result<Vec<(i64, i64, i64)>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT i.school_id, s.district_id, i.id FROM catalog_imports i JOIN schools s ON s.id = i.school_id
         WHERE i.state = 'ready' AND s.archived_at IS NULL ORDER BY i.school_id")
        .fetch_all(c).await)?)
}

pub async fn mapping(ex: &mut Ex<'_>, school: i64) -> Result<Option<Mapping>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id_column, title_column, author_column FROM catalog_mappings WHERE school_id = $1")
        .bind(school).fetch_optional(c).await)?)
}

pub async fn save_mapping(ex: &mut Ex<'_>, school: i64, m: &Mapping) -> Result<(), Error> {
    exec!(ex, c => sqlx::query(
        "INSERT INTO catalog_mappings (school_id, id_column, title_column, author_column) VALUES ($1, $2, $3, $4)
         ON CONFLICT (school_id) DO UPDATE SET id_column = $2, title_column = $3, author_column = $4")
        .bind(school).bind(&m.id_column).bind(&m.title_column).bind(&m.author_column).execute(c).await)?;
    Ok(())
}
