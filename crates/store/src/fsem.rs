//! The federal list of extremist materials (ФСЭМ) in versions: each imported file is a version,
//! and an entry's states are rows kept forever (see `0007_fsem.sql`), so nothing is overwritten
//! and any version reads back as it was.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, Actor, Change};
use crate::{exec, now, on, Error, Ex, OrTaken, Page};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct FsemVersion {
    pub id: i64,
    pub imported_at: DateTime<Utc>,
    pub file_name: String,
    pub sha256: String,
    pub entries: i64,
    pub last_number: i64,
    /// What the import read (JSON: counts and warnings).
    pub report: String,
}

/// One entry of a file to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub number: i64,
    pub text: String,
    pub included_on: Option<NaiveDate>,
    pub excluded: bool,
    pub row: i64,
}

/// An entry as a version lists it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct FsemEntry {
    pub number: i64,
    pub text: String,
    pub included_on: Option<NaiveDate>,
    pub excluded: bool,
    pub first_version: i64,
    /// What `first_version` did to the number: `new`, `excluded` or `changed`.
    pub change: String,
}

/// A file against the list in force: the rows to add, each with its change, and the numbers the
/// file no longer has.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub rows: Vec<(NewEntry, &'static str)>,
    pub dropped: Vec<i64>,
}

impl Diff {
    pub fn count(&self, change: &str) -> usize {
        self.rows.iter().filter(|r| r.1 == change).count()
    }
}

const VERSION: &str = "id, imported_at, file_name, sha256, entries, last_number, report";
const ENTRY: &str = "number, text, included_on, excluded, first_version, change";

/// Versions, the newest first.
pub async fn versions(ex: &mut Ex<'_>) -> Result<Vec<FsemVersion>, Error> {
    let sql = format!("SELECT {VERSION} FROM fsem_versions ORDER BY id DESC");
    Ok(on!(ex, c => sqlx::query_as(&sql).fetch_all(c).await)?)
}

pub async fn latest_version(ex: &mut Ex<'_>) -> Result<Option<FsemVersion>, Error> {
    let sql = format!("SELECT {VERSION} FROM fsem_versions ORDER BY id DESC LIMIT 1");
    Ok(on!(ex, c => sqlx::query_as(&sql).fetch_optional(c).await)?)
}

pub async fn version_by_sha(ex: &mut Ex<'_>, sha256: &str) -> Result<Option<FsemVersion>, Error> {
    let sql = format!("SELECT {VERSION} FROM fsem_versions WHERE sha256 = $1");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(sha256).fetch_optional(c).await)?)
}

/// Compares a file's entries (numbers unique) with the list in force.
pub async fn diff(ex: &mut Ex<'_>, entries: &[NewEntry]) -> Result<Diff, Error> {
    let rows: Vec<(i64, String, Option<NaiveDate>, bool)> = on!(ex, c => sqlx::query_as(
        "SELECT number, text, included_on, excluded FROM fsem_entries WHERE replaced_in IS NULL")
        .fetch_all(c).await)?;
    let mut before: HashMap<i64, (String, Option<NaiveDate>, bool)> =
        rows.into_iter().map(|(n, t, d, x)| (n, (t, d, x))).collect();
    let mut out = Diff::default();
    for e in entries {
        let change = match before.remove(&e.number) {
            None => "new",
            Some((t, d, x)) if (t.as_str(), d, x) == (e.text.as_str(), e.included_on, e.excluded) => continue,
            Some((_, _, false)) if e.excluded => "excluded",
            Some(_) => "changed",
        };
        out.rows.push((e.clone(), change));
    }
    out.dropped = before.into_keys().collect();
    out.dropped.sort_unstable();
    Ok(out)
}

/// Rows per multi-row INSERT: 9 values each stays far below both databases' bind limits.
const CHUNK: usize = 400;

/// Stores a version: the rows of `diff` are added, the states they follow (and the numbers
/// dropped) are closed by this version. The same file stored meanwhile is `Error::Fields`
/// (field `file`).
pub async fn insert_version(
    ex: &mut Ex<'_>,
    actor: &Actor,
    file_name: &str,
    sha256: &str,
    report: &str,
    entries: &[NewEntry],
    diff: &Diff,
) -> Result<i64, Error> {
    let at = now();
    let last = entries.iter().map(|e| e.number).max().unwrap_or(0);
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO fsem_versions (imported_at, file_name, sha256, entries, last_number, imported_by, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(at).bind(file_name).bind(sha256).bind(entries.len() as i64).bind(last).bind(actor.user_id).bind(report)
        .fetch_one(c).await)
    .or_taken("file", format!("Файл «{file_name}» уже загружен"))?;
    let closed: Vec<i64> =
        diff.rows.iter().filter(|r| r.1 != "new").map(|r| r.0.number).chain(diff.dropped.iter().copied()).collect();
    for chunk in closed.chunks(CHUNK) {
        exec!(ex, c => {
            let mut q = sqlx::QueryBuilder::new("UPDATE fsem_entries SET replaced_in = ");
            q.push_bind(id).push(" WHERE replaced_in IS NULL AND number IN (");
            let mut sep = q.separated(", ");
            for n in chunk {
                sep.push_bind(*n);
            }
            q.push(")");
            q.build().execute(c).await
        })?;
    }
    for chunk in diff.rows.chunks(CHUNK) {
        exec!(ex, c => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO fsem_entries (number, text, included_on, excluded, search, row_number, first_version, change) ");
            q.push_values(chunk, |mut b, (e, change)| {
                let search = domain::text::normalize(&format!("{} {}", e.number, e.text));
                b.push_bind(e.number).push_bind(&e.text).push_bind(e.included_on).push_bind(e.excluded)
                    .push_bind(search).push_bind(e.row).push_bind(id).push_bind(*change);
            });
            q.build().execute(c).await
        })?;
    }
    let change = Change {
        action: "import",
        entity: "fsem_version",
        entity_id: Some(id),
        district_id: None,
        summary: format!(
            "ФСЭМ: «{file_name}», записей {}, новых {}, исключено {}",
            entries.len(),
            diff.count("new"),
            diff.count("excluded")
        ),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(id)
}

/// Which entries of a version to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Show {
    /// The whole list as the version has it.
    #[default]
    All,
    /// Numbers this version brought.
    New,
    /// Entries this version marked excluded.
    Excluded,
}

/// A version's entries, filtered, by number.
pub async fn entries(
    ex: &mut Ex<'_>,
    version_id: i64,
    q: &str,
    show: Show,
    page: i64,
    per_page: i64,
) -> Result<Page<FsemEntry>, Error> {
    let per_page = per_page.clamp(1, 1000);
    let page = page.clamp(1, 100_000);
    let q = domain::text::like_pattern(q);
    let show = match show {
        Show::All => "all",
        Show::New => "new",
        Show::Excluded => "excluded",
    };
    let filter = "($2 = '' OR search LIKE $2) AND (
        ($3 = 'all' AND first_version <= $1 AND (replaced_in IS NULL OR replaced_in > $1))
        OR ($3 <> 'all' AND first_version = $1 AND change = $3))";
    let sql = format!("SELECT {ENTRY} FROM fsem_entries WHERE {filter} ORDER BY number LIMIT $4 OFFSET $5");
    let items: Vec<FsemEntry> = on!(ex, c => sqlx::query_as(&sql).bind(version_id).bind(&q).bind(show)
        .bind(per_page).bind((page - 1) * per_page).fetch_all(c).await)?;
    let count = format!("SELECT COUNT(*) FROM fsem_entries WHERE {filter}");
    let (total,): (i64,) =
        on!(ex, c => sqlx::query_as(&count).bind(version_id).bind(&q).bind(show).fetch_one(c).await)?;
    Ok(Page { items, total, page, per_page })
}

/// What the check matches against: the whole list as version `version_id` has it, or (`only_new`)
/// the entries that version brought or changed and that are not excluded. (number, text, excluded)
pub async fn entries_for_check(
    ex: &mut Ex<'_>,
    version_id: i64,
    only_new: bool,
) -> Result<Vec<(i64, String, bool)>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT number, text, excluded FROM fsem_entries
         WHERE ($2 AND first_version = $1 AND change IN ('new', 'changed') AND NOT excluded)
            OR (NOT $2 AND first_version <= $1 AND (replaced_in IS NULL OR replaced_in > $1))
         ORDER BY number")
        .bind(version_id).bind(only_new).fetch_all(c).await)?)
}

pub async fn get_version(ex: &mut Ex<'_>, id: i64) -> Result<FsemVersion, Error> {
    let sql = format!("SELECT {VERSION} FROM fsem_versions WHERE id = $1");
    on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// The texts of entries in force, by number.
pub async fn texts(ex: &mut Ex<'_>, numbers: &[i64]) -> Result<HashMap<i64, String>, Error> {
    let mut out = HashMap::new();
    for chunk in numbers.chunks(CHUNK) {
        let rows: Vec<(i64, String)> = on!(ex, c => {
            let mut q = sqlx::QueryBuilder::new("SELECT number, text FROM fsem_entries WHERE replaced_in IS NULL AND number IN (");
            let mut sep = q.separated(", ");
            for n in chunk {
                sep.push_bind(*n);
            }
            q.push(")");
            q.build_query_as().fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}
