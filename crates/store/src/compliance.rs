//! Checks of schools' catalogs against the federal list of extremist materials: the check journal,
//! the candidates found and their review, the commission and the acts of withdrawal, the
//! district's settings and overview (see `0009_catalog_check.sql`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;

use crate::audit::{self, Actor, Change};
use crate::sql;
use crate::{exec, now, on, Error, Ex, Reach};

/// How often a district's schools check their funds, and from which score a record is shown.
#[derive(Debug, Clone, Copy, FromRow, Serialize, PartialEq, Eq)]
pub struct Settings {
    pub fsem_every_days: i64,
    pub fsem_threshold_pct: i64,
}

pub async fn settings(ex: &mut Ex<'_>, district: i64) -> Result<Settings, Error> {
    on!(ex, c => sqlx::query_as("SELECT fsem_every_days, fsem_threshold_pct FROM districts WHERE id = $1")
        .bind(district).fetch_optional(c).await)?
    .ok_or(Error::NotFound)
}

pub async fn save_settings(ex: &mut Ex<'_>, actor: &Actor, district: i64, s: Settings) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("UPDATE districts SET fsem_every_days = $2, fsem_threshold_pct = $3 WHERE id = $1")
        .bind(district).bind(s.fsem_every_days).bind(s.fsem_threshold_pct).execute(c).await)?;
    let change = Change {
        action: "update",
        entity: "district",
        entity_id: Some(district),
        district_id: Some(district),
        summary: format!("Сверка с ФСЭМ: не реже раза в {} дн., порог {} %", s.fsem_every_days, s.fsem_threshold_pct),
        before: None,
        after: audit::json(&s),
    };
    audit::record(ex, actor, change).await
}

#[derive(Debug, Clone, FromRow, Serialize, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// The member's post: «заместитель директора по УВР».
    pub post: String,
}

/// The school's commission, the chair first.
pub async fn commission(ex: &mut Ex<'_>, school: i64) -> Result<Vec<Member>, Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT name, post FROM fsem_commission WHERE school_id = $1 ORDER BY position, id")
        .bind(school).fetch_all(c).await)?)
}

pub async fn save_commission(
    ex: &mut Ex<'_>,
    actor: &Actor,
    district: i64,
    school: i64,
    members: &[Member],
) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("DELETE FROM fsem_commission WHERE school_id = $1").bind(school).execute(c).await)?;
    for (i, m) in members.iter().enumerate() {
        exec!(ex, c => sqlx::query("INSERT INTO fsem_commission (school_id, position, name, post) VALUES ($1, $2, $3, $4)")
            .bind(school).bind(i as i64).bind(&m.name).bind(&m.post).execute(c).await)?;
    }
    let change = Change {
        action: "update",
        entity: "school",
        entity_id: Some(school),
        district_id: Some(district),
        summary: format!("Комиссия по сверке с ФСЭМ: {} чел.", members.len()),
        before: None,
        after: audit::json(&members),
    };
    audit::record(ex, actor, change).await
}

/// A check as the journal shows it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Check {
    pub id: i64,
    pub school_id: i64,
    pub version_id: i64,
    pub last_number: i64,
    /// `full` (the whole list, by a person) or `new` (the entries a new version brought, in the
    /// background).
    pub scope: String,
    /// `running`, `done`, `failed`.
    pub state: String,
    pub threshold_pct: i64,
    pub records: i64,
    pub done_records: i64,
    pub candidates: i64,
    pub confirmed: i64,
    pub error: String,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Who ran it; None for the background check.
    pub checked_by: Option<String>,
    /// The list version's file and when it was imported.
    pub version_file: String,
    pub version_imported_at: DateTime<Utc>,
}

impl Check {
    pub fn is_running(&self) -> bool {
        self.state == "running" && self.updated_at >= now() - crate::catalog::STALE_AFTER
    }
    pub fn interrupted(&self) -> bool {
        self.state == "running" && !self.is_running()
    }
    pub fn percent(&self) -> i64 {
        if self.records <= 0 {
            return 0;
        }
        (self.done_records * 100 / self.records).clamp(0, 100)
    }
}

fn check_cols() -> String {
    format!(
        "k.id, k.school_id, k.version_id, k.last_number, k.scope, k.state, k.threshold_pct, k.records, k.done_records,
         k.candidates, (SELECT {} FROM fsem_candidates d WHERE d.check_id = k.id AND d.state = 'confirmed') AS confirmed,
         k.error, k.started_at, k.updated_at, k.finished_at, u.full_name AS checked_by,
         v.file_name AS version_file, v.imported_at AS version_imported_at",
        sql::count("*")
    )
}

const CHECK_FROM: &str =
    "fsem_checks k JOIN fsem_versions v ON v.id = k.version_id LEFT JOIN users u ON u.id = k.checked_by";

pub struct NewCheck<'a> {
    pub school: i64,
    pub catalog_id: i64,
    pub version_id: i64,
    pub last_number: i64,
    pub scope: &'a str,
    pub job_id: Option<i64>,
    pub threshold_pct: i64,
    pub records: i64,
    pub checked_by: Option<i64>,
}

/// Starts a check. A background check of a school that its job has made already is `None`.
pub async fn start_check(ex: &mut Ex<'_>, k: &NewCheck<'_>) -> Result<Option<i64>, Error> {
    let at = now();
    let row: Option<(i64,)> = on!(ex, c => sqlx::query_as(
        "INSERT INTO fsem_checks (school_id, catalog_id, version_id, last_number, scope, job_id, state, threshold_pct,
             records, started_at, updated_at, checked_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $9, $10)
         ON CONFLICT DO NOTHING RETURNING id")
        .bind(k.school).bind(k.catalog_id).bind(k.version_id).bind(k.last_number).bind(k.scope).bind(k.job_id)
        .bind(k.threshold_pct).bind(k.records).bind(at).bind(k.checked_by).fetch_optional(c).await)?;
    Ok(row.map(|r| r.0))
}

pub async fn check_progress(ex: &mut Ex<'_>, id: i64, done_records: i64) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("UPDATE fsem_checks SET done_records = $2, updated_at = $3 WHERE id = $1 AND state = 'running'")
        .bind(id).bind(done_records).bind(now()).execute(c).await)?;
    Ok(())
}

pub async fn fail_check(ex: &mut Ex<'_>, id: i64, error: &str) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("UPDATE fsem_checks SET state = 'failed', error = $2, updated_at = $3 WHERE id = $1 AND state = 'running'")
        .bind(id).bind(error).bind(now()).execute(c).await)?;
    Ok(())
}

/// A pair a check found: stored as it was found, read back inside a [`Candidate`].
#[derive(Debug, Clone, PartialEq, FromRow, Serialize)]
pub struct Found {
    pub record_key: String,
    pub title: String,
    pub author: String,
    pub entry_number: i64,
    pub entry_text: String,
    pub score_pct: i64,
    pub why: String,
    pub excluded: bool,
}

/// Finishes a check with what it found. Pairs decided before (confirmed or dismissed, in any
/// earlier check, against any version) are left out for good; pairs still awaiting review from an
/// earlier check are not repeated. Returns the pairs found that are not decided.
pub async fn finish_check(
    ex: &mut Ex<'_>,
    actor: &Actor,
    district: i64,
    id: i64,
    found: &[Found],
) -> Result<i64, Error> {
    let (school,): (i64,) =
        on!(ex, c => sqlx::query_as("SELECT school_id FROM fsem_checks WHERE id = $1").bind(id).fetch_one(c).await)?;
    let mut counted = 0i64;
    for f in found {
        let known: Option<(String,)> = on!(ex, c => sqlx::query_as(
            "SELECT state FROM fsem_candidates WHERE school_id = $1 AND record_key = $2 AND entry_number = $3
             ORDER BY CASE state WHEN 'open' THEN 1 ELSE 0 END LIMIT 1")
            .bind(school).bind(&f.record_key).bind(f.entry_number).fetch_optional(c).await)?;
        match known.as_ref().map(|k| k.0.as_str()) {
            Some("confirmed" | "dismissed") => continue,
            Some(_) => counted += 1,
            None => {
                counted += 1;
                exec!(ex, c => sqlx::query(
                    "INSERT INTO fsem_candidates (check_id, school_id, record_key, title, author, entry_number, entry_text,
                         score_pct, why, excluded, state)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open')")
                    .bind(id).bind(school).bind(&f.record_key).bind(&f.title).bind(&f.author).bind(f.entry_number)
                    .bind(&f.entry_text).bind(f.score_pct).bind(&f.why).bind(f.excluded).execute(c).await)?;
            }
        }
    }
    let at = now();
    exec!(ex, c => sqlx::query(
        "UPDATE fsem_checks SET state = 'done', candidates = $2, done_records = records, updated_at = $3, finished_at = $3
         WHERE id = $1")
        .bind(id).bind(counted).bind(at).execute(c).await)?;
    let (records, last, scope): (i64, i64, String) = on!(ex, c => sqlx::query_as(
        "SELECT records, last_number, scope FROM fsem_checks WHERE id = $1").bind(id).fetch_one(c).await)?;
    let change = Change {
        action: "check",
        entity: "fsem_check",
        entity_id: Some(id),
        district_id: Some(district),
        summary: format!(
            "Сверка с ФСЭМ{} (по № {last}): записей {records}, к рассмотрению {counted}",
            if scope == "new" { " по новым записям списка" } else { "" }
        ),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(counted)
}

/// The school's check journal, the latest first.
pub async fn journal(ex: &mut Ex<'_>, school: i64) -> Result<Vec<Check>, Error> {
    let sql = format!("SELECT {} FROM {CHECK_FROM} WHERE k.school_id = $1 ORDER BY k.id DESC", check_cols());
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school).fetch_all(c).await)?)
}

pub async fn get_check(ex: &mut Ex<'_>, school: i64, id: i64) -> Result<Check, Error> {
    let sql = format!("SELECT {} FROM {CHECK_FROM} WHERE k.school_id = $1 AND k.id = $2", check_cols());
    on!(ex, c => sqlx::query_as(&sql).bind(school).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// A found pair with its review: reads as its [`Found`] (`candidate.title`).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub check_id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub found: Found,
    /// `open`, `confirmed`, `dismissed`.
    pub state: String,
    pub reason: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub act_id: Option<i64>,
}

impl std::ops::Deref for Candidate {
    type Target = Found;
    fn deref(&self) -> &Found {
        &self.found
    }
}

const CANDIDATE: &str = "d.id, d.check_id, d.record_key, d.title, d.author, d.entry_number, d.entry_text, d.score_pct,
    d.why, d.excluded, d.state, d.reason, d.decided_at, u.full_name AS decided_by, d.act_id";

fn candidates_sql(filter_and_order: &str) -> String {
    format!(
        "SELECT {CANDIDATE} FROM fsem_candidates d LEFT JOIN users u ON u.id = d.decided_by WHERE {filter_and_order}"
    )
}

/// Pairs awaiting review at the school, the most likely first.
pub async fn open_candidates(ex: &mut Ex<'_>, school: i64) -> Result<Vec<Candidate>, Error> {
    let sql = candidates_sql("d.school_id = $1 AND d.state = 'open' ORDER BY d.score_pct DESC, d.id");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school).fetch_all(c).await)?)
}

/// Pairs of one check, in any state.
pub async fn check_candidates(ex: &mut Ex<'_>, school: i64, check: i64) -> Result<Vec<Candidate>, Error> {
    let sql = candidates_sql("d.school_id = $1 AND d.check_id = $2 ORDER BY d.score_pct DESC, d.id");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school).bind(check).fetch_all(c).await)?)
}

/// Pairs decided at the school, the latest first.
pub async fn decided(ex: &mut Ex<'_>, school: i64, limit: i64) -> Result<Vec<Candidate>, Error> {
    let sql = candidates_sql("d.school_id = $1 AND d.state <> 'open' ORDER BY d.decided_at DESC, d.id DESC LIMIT $2");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school).bind(limit).fetch_all(c).await)?)
}

async fn open_one(ex: &mut Ex<'_>, school: i64, id: i64) -> Result<Candidate, Error> {
    let sql = candidates_sql("d.school_id = $1 AND d.id = $2");
    on!(ex, c => sqlx::query_as(&sql).bind(school).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

fn decided_already() -> Error {
    Error::Invalid("Эта запись уже рассмотрена: обновите страницу".into())
}

/// Confirms a pair: the copy is withdrawn and added to the school's draft act of withdrawal
/// (made when there is none). Other pairs of the same record awaiting review are closed, as the
/// copy is gone. Returns the act's id.
pub async fn confirm(
    ex: &mut Ex<'_>,
    actor: &Actor,
    district: i64,
    school: i64,
    id: i64,
    today: NaiveDate,
) -> Result<i64, Error> {
    let cand = open_one(ex, school, id).await?;
    let at = now();
    exec!(ex, c => sqlx::query(
        "INSERT INTO withdrawal_acts (school_id, number, act_date, state, created_at, created_by)
         SELECT $1, COALESCE(MAX(number), 0) + 1, $2, 'draft', $3, $4 FROM withdrawal_acts WHERE school_id = $1
         ON CONFLICT DO NOTHING")
        .bind(school).bind(today).bind(at).bind(actor.user_id).execute(c).await)?;
    let (act, number): (i64, i64) = on!(ex, c => sqlx::query_as(
        "SELECT id, number FROM withdrawal_acts WHERE school_id = $1 AND state = 'draft'")
        .bind(school).fetch_one(c).await)?;
    let n = exec!(ex, c => sqlx::query(
        "UPDATE fsem_candidates SET state = 'confirmed', decided_by = $3, decided_at = $4, act_id = $5
         WHERE school_id = $1 AND id = $2 AND state = 'open'")
        .bind(school).bind(id).bind(actor.user_id).bind(at).bind(act).execute(c).await)?;
    if n == 0 {
        return Err(decided_already());
    }
    exec!(ex, c => sqlx::query(
        "UPDATE fsem_candidates SET state = 'dismissed', reason = $4, decided_by = $5, decided_at = $6
         WHERE school_id = $1 AND record_key = $2 AND id <> $3 AND state = 'open'")
        .bind(school).bind(&cand.record_key).bind(id).bind(format!("Экземпляр изъят по акту № {number}"))
        .bind(actor.user_id).bind(at).execute(c).await)?;
    let change = Change {
        action: "confirm",
        entity: "fsem_candidate",
        entity_id: Some(id),
        district_id: Some(district),
        summary: format!(
            "Сверка с ФСЭМ: «{}» признано материалом № {} списка, изъято (акт № {number})",
            cand.title, cand.entry_number
        ),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(act)
}

/// Dismisses a pair with the reason; it is never offered again for this record and entry.
pub async fn dismiss(
    ex: &mut Ex<'_>,
    actor: &Actor,
    district: i64,
    school: i64,
    id: i64,
    reason: &str,
) -> Result<(), Error> {
    let cand = open_one(ex, school, id).await?;
    let n = exec!(ex, c => sqlx::query(
        "UPDATE fsem_candidates SET state = 'dismissed', reason = $3, decided_by = $4, decided_at = $5
         WHERE school_id = $1 AND id = $2 AND state = 'open'")
        .bind(school).bind(id).bind(reason).bind(actor.user_id).bind(now()).execute(c).await)?;
    if n == 0 {
        return Err(decided_already());
    }
    let change = Change {
        action: "dismiss",
        entity: "fsem_candidate",
        entity_id: Some(id),
        district_id: Some(district),
        summary: format!("Сверка с ФСЭМ: «{}» — не материал № {} списка ({reason})", cand.title, cand.entry_number),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Act {
    pub id: i64,
    pub number: i64,
    pub act_date: NaiveDate,
    /// `draft` (findings are still added to it) or `closed`.
    pub state: String,
    pub items: i64,
}

const ACT: &str = "a.id, a.number, a.act_date, a.state,
    (SELECT COUNT(*) FROM fsem_candidates d WHERE d.act_id = a.id) AS items";

pub async fn acts(ex: &mut Ex<'_>, school: i64) -> Result<Vec<Act>, Error> {
    let sql = format!("SELECT {ACT} FROM withdrawal_acts a WHERE a.school_id = $1 ORDER BY a.number DESC");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school).fetch_all(c).await)?)
}

/// An act with the withdrawn records.
pub async fn act(ex: &mut Ex<'_>, school: i64, id: i64) -> Result<(Act, Vec<Candidate>), Error> {
    let sql = format!("SELECT {ACT} FROM withdrawal_acts a WHERE a.school_id = $1 AND a.id = $2");
    let act: Act =
        on!(ex, c => sqlx::query_as(&sql).bind(school).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)?;
    let sql = candidates_sql("d.act_id = $1 ORDER BY d.decided_at, d.id");
    let items = on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_all(c).await)?;
    Ok((act, items))
}

/// Closes the draft act on its date; the next confirmed finding starts a new one.
pub async fn close_act(
    ex: &mut Ex<'_>,
    actor: &Actor,
    district: i64,
    school: i64,
    id: i64,
    date: NaiveDate,
) -> Result<(), Error> {
    let n = exec!(ex, c => sqlx::query(
        "UPDATE withdrawal_acts SET state = 'closed', act_date = $3 WHERE school_id = $1 AND id = $2 AND state = 'draft'")
        .bind(school).bind(id).bind(date).execute(c).await)?;
    if n == 0 {
        return Err(Error::Invalid("Акт уже утверждён".into()));
    }
    let change = Change {
        action: "close",
        entity: "withdrawal_act",
        entity_id: Some(id),
        district_id: Some(district),
        summary: format!("Акт об изъятии утверждён {}", domain::dates::format(date)),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await
}

/// A school's standing in the district overview.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct SchoolStatus {
    pub school_id: i64,
    pub short_name: String,
    pub catalog_records: Option<i64>,
    pub catalog_at: Option<DateTime<Utc>>,
    /// The last full check finished.
    pub last_check: Option<DateTime<Utc>>,
    pub last_number: Option<i64>,
    pub open: i64,
    pub confirmed: i64,
}

/// Every school of the caller's district with its catalog, last full check and findings.
pub async fn overview(ex: &mut Ex<'_>, reach: &Reach) -> Result<Vec<SchoolStatus>, Error> {
    let count = sql::count("*");
    let sql = format!(
        "SELECT s.id AS school_id, s.short_name,
            (SELECT i.records FROM catalog_imports i WHERE i.school_id = s.id AND i.state = 'ready' ORDER BY i.id DESC LIMIT 1) AS catalog_records,
            (SELECT i.updated_at FROM catalog_imports i WHERE i.school_id = s.id AND i.state = 'ready' ORDER BY i.id DESC LIMIT 1) AS catalog_at,
            (SELECT k.finished_at FROM fsem_checks k WHERE k.school_id = s.id AND k.state = 'done' AND k.scope = 'full' ORDER BY k.id DESC LIMIT 1) AS last_check,
            (SELECT k.last_number FROM fsem_checks k WHERE k.school_id = s.id AND k.state = 'done' AND k.scope = 'full' ORDER BY k.id DESC LIMIT 1) AS last_number,
            (SELECT {count} FROM fsem_candidates d WHERE d.school_id = s.id AND d.state = 'open') AS open,
            (SELECT {count} FROM fsem_candidates d WHERE d.school_id = s.id AND d.state = 'confirmed') AS confirmed
         FROM schools s WHERE s.district_id = $1 AND s.archived_at IS NULL AND ($2 IS NULL OR s.id = $2)
         ORDER BY s.short_name, s.id"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(reach.district()).bind(reach.school()).fetch_all(c).await)?)
}

/// What running a check needs: (school, catalog import, list version, scope, threshold %).
pub async fn check_plan(ex: &mut Ex<'_>, check: i64) -> Result<(i64, i64, i64, String, i64), Error> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT school_id, catalog_id, version_id, scope, threshold_pct FROM fsem_checks WHERE id = $1")
        .bind(check).fetch_one(c).await)?)
}

/// Forgets a check that job `job` began at `school` and never finished (its holder died); it has
/// no candidates yet, as they are written when a check finishes.
pub async fn drop_unfinished(ex: &mut Ex<'_>, job: i64, school: i64) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("DELETE FROM fsem_checks WHERE job_id = $1 AND school_id = $2 AND state = 'running'")
        .bind(job).bind(school).execute(c).await)?;
    Ok(())
}
