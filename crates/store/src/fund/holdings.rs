use chrono::NaiveDate;
use serde::Serialize;
use sqlx::FromRow;

use super::in_reach;
use crate::audit::{self, Actor, Change};
use crate::sql::sum;
use crate::{exec, now, on, Error, Ex, Reach};

/// A batch to receive: copies of one item (a set counts as one copy), price per copy in kopecks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub item_id: i64,
    pub year: i32,
    pub copies: i64,
    pub price: i64,
}

#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub school_id: i64,
    pub doc_number: String,
    pub doc_date: NaiveDate,
    pub source: String,
    pub note: String,
    pub batches: Vec<NewBatch>,
}

/// A receipt document with its totals.
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub id: i64,
    pub school_id: i64,
    pub doc_number: String,
    pub doc_date: NaiveDate,
    pub source: String,
    pub note: String,
    pub copies: i64,
    /// Kopecks.
    pub total: i64,
}

/// A batch with its document and what is left of it.
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    pub id: i64,
    pub receipt_id: i64,
    pub school_id: i64,
    pub item_id: i64,
    pub year: i64,
    pub copies: i64,
    pub price: i64,
    pub written_off: i64,
    pub doc_number: String,
    pub doc_date: NaiveDate,
    pub source: String,
}

impl Batch {
    pub fn left(&self) -> i64 {
        self.copies - self.written_off
    }
}

pub async fn insert_receipt(ex: &mut Ex<'_>, actor: &Actor, r: &NewReceipt) -> Result<i64, Error> {
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO fund_receipts (school_id, doc_number, doc_date, source, note, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(r.school_id).bind(&r.doc_number).bind(r.doc_date).bind(&r.source).bind(&r.note).bind(now())
        .bind(actor.user_id).fetch_one(c).await)?;
    super::touch(ex, &[r.school_id]).await?;
    for chunk in r.batches.chunks(1000) {
        exec!(ex, c => {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO fund_batches (receipt_id, school_id, item_id, year, copies, price) ");
            q.push_values(chunk, |mut b, l| {
                b.push_bind(id).push_bind(r.school_id).push_bind(l.item_id).push_bind(l.year as i64)
                    .push_bind(l.copies).push_bind(l.price);
            });
            q.build().execute(c).await
        })?;
    }
    let copies: i64 = r.batches.iter().map(|b| b.copies).sum();
    let change = Change {
        action: "create",
        entity: "fund_receipt",
        entity_id: Some(id),
        district_id: actor.district_id,
        summary: format!(
            "Поступление учебников: документ № {} от {}, экземпляров {copies}",
            r.doc_number,
            domain::dates::format(r.doc_date)
        ),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(id)
}

/// A school's receipts dated within [from, to], oldest first.
pub async fn receipts(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Receipt>, Error> {
    let sql = format!(
        "SELECT r.id, r.school_id, r.doc_number, r.doc_date, r.source, r.note, {}, {}
         FROM fund_receipts r JOIN fund_batches b ON b.receipt_id = r.id
         WHERE r.school_id = $1 AND r.doc_date BETWEEN $2 AND $3 AND {}
         GROUP BY r.id, r.school_id, r.doc_number, r.doc_date, r.source, r.note ORDER BY r.doc_date, r.id",
        sum("b.copies") + " AS copies",
        sum("b.copies * b.price") + " AS total",
        in_reach("r.school_id", "$4", "$5")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(from).bind(to).bind(reach.district())
        .bind(reach.school()).fetch_all(c).await)?)
}

const BATCH: &str = "b.id, b.receipt_id, b.school_id, b.item_id, b.year, b.copies, b.price, b.written_off, r.doc_number, r.doc_date, r.source";

/// A school's batches, of one item or of all, oldest first.
pub async fn batches(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school_id: i64,
    item_id: Option<i64>,
) -> Result<Vec<Batch>, Error> {
    let sql = format!(
        "SELECT {BATCH} FROM fund_batches b JOIN fund_receipts r ON r.id = b.receipt_id
         WHERE b.school_id = $1 AND ($2 IS NULL OR b.item_id = $2) AND {} ORDER BY b.year, r.doc_date, b.id",
        in_reach("b.school_id", "$3", "$4")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(item_id).bind(reach.district())
        .bind(reach.school()).fetch_all(c).await)?)
}

/// Copies held now per (school, item), of one school or of every school in reach: received less
/// written off, derived from the documents.
pub async fn holdings(ex: &mut Ex<'_>, reach: &Reach, school_id: Option<i64>) -> Result<Vec<(i64, i64, i64)>, Error> {
    let sql = format!(
        "SELECT b.school_id, b.item_id, {} FROM fund_batches b JOIN schools s ON s.id = b.school_id
         WHERE s.district_id = $1 AND ($2 IS NULL OR s.id = $2) AND ($3 IS NULL OR s.id = $3) AND s.archived_at IS NULL
         GROUP BY b.school_id, b.item_id HAVING {} > 0",
        sum("b.copies - b.written_off"),
        sum("b.copies - b.written_off")
    );
    Ok(
        on!(ex, c => sqlx::query_as(&sql).bind(reach.district()).bind(reach.school()).bind(school_id).fetch_all(c).await)?,
    )
}

/// One item and how many copies of it to write off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOffLine {
    pub item_id: i64,
    pub copies: i64,
}

/// Writes off copies by an act, taking them from the oldest batches first. Each batch is taken
/// by a guarded `UPDATE … WHERE copies - written_off >= n`, so two acts at once never take the
/// same copies twice; when the copies are not there the whole act fails (the caller rolls back).
pub async fn insert_writeoff(
    ex: &mut Ex<'_>,
    actor: &Actor,
    school_id: i64,
    act_number: &str,
    act_date: NaiveDate,
    reason: &str,
    lines: &[WriteOffLine],
) -> Result<i64, Error> {
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO fund_writeoffs (school_id, act_number, act_date, reason, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(school_id).bind(act_number).bind(act_date).bind(reason).bind(now()).bind(actor.user_id)
        .fetch_one(c).await)?;
    super::touch(ex, &[school_id]).await?;
    let mut total = 0;
    for line in lines {
        let mut need = line.copies;
        let ids: Vec<(i64,)> = on!(ex, c => sqlx::query_as(
            "SELECT b.id FROM fund_batches b JOIN fund_receipts r ON r.id = b.receipt_id
             WHERE b.school_id = $1 AND b.item_id = $2 AND b.copies > b.written_off AND (r.doc_date <= $3 OR r.source = 'opening')
             ORDER BY b.year, b.id")
            .bind(school_id).bind(line.item_id).bind(act_date).fetch_all(c).await)?;
        for (batch,) in ids {
            while need > 0 {
                let (left,): (i64,) = on!(ex, c => sqlx::query_as("SELECT copies - written_off FROM fund_batches WHERE id = $1")
                    .bind(batch).fetch_one(c).await)?;
                let take = need.min(left);
                if take <= 0 {
                    break;
                }
                let n = exec!(ex, c => sqlx::query(
                    "UPDATE fund_batches SET written_off = written_off + $1 WHERE id = $2 AND copies - written_off >= $1")
                    .bind(take).bind(batch).execute(c).await)?;
                if n == 1 {
                    exec!(ex, c => sqlx::query(
                        "INSERT INTO fund_writeoff_lines (writeoff_id, batch_id, copies) VALUES ($1, $2, $3)
                         ON CONFLICT (writeoff_id, batch_id) DO UPDATE SET copies = fund_writeoff_lines.copies + excluded.copies")
                        .bind(id).bind(batch).bind(take).execute(c).await)?;
                    need -= take;
                }
                // n == 0: another act took copies of this batch meanwhile; look again.
            }
        }
        if need > 0 {
            let title = super::fpu_items(ex, &[line.item_id])
                .await?
                .remove(&line.item_id)
                .map(|l| format!("«{}» ({} кл.)", l.title, l.grades))
                .unwrap_or_default();
            return Err(Error::Invalid(format!(
                "Списать {} экз. {title} нельзя: в фонде школы на {} их только {}",
                line.copies,
                domain::dates::format(act_date),
                line.copies - need
            )));
        }
        total += line.copies;
    }
    let change = Change {
        action: "create",
        entity: "fund_writeoff",
        entity_id: Some(id),
        district_id: actor.district_id,
        summary: format!(
            "Списание учебников: акт № {act_number} от {}, экземпляров {total}",
            domain::dates::format(act_date)
        ),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(id)
}

/// One write-off line with its act and batch: what КСУ part 2 and form 4 are made of.
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WrittenOff {
    pub writeoff_id: i64,
    pub school_id: i64,
    pub act_number: String,
    pub act_date: NaiveDate,
    pub reason: String,
    pub item_id: i64,
    /// The year the batch was received.
    pub year: i64,
    pub copies: i64,
    pub price: i64,
}

/// Write-off lines dated within [from, to], of one school or of every school in reach.
pub async fn written_off(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<WrittenOff>, Error> {
    let sql = format!(
        "SELECT w.id AS writeoff_id, w.school_id, w.act_number, w.act_date, w.reason, b.item_id, b.year, l.copies, b.price
         FROM fund_writeoff_lines l JOIN fund_writeoffs w ON w.id = l.writeoff_id JOIN fund_batches b ON b.id = l.batch_id
         WHERE w.act_date BETWEEN $1 AND $2 AND ($3 IS NULL OR w.school_id = $3) AND {}
         ORDER BY w.act_date, w.id, b.item_id, b.year",
        in_reach("w.school_id", "$4", "$5")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(from).bind(to).bind(school_id).bind(reach.district())
        .bind(reach.school()).fetch_all(c).await)?)
}

/// Copies and their value held by a school on a day (received on or before it, less written off
/// on or before it): КСУ part 3 balances.
pub async fn balance_on(ex: &mut Ex<'_>, reach: &Reach, school_id: i64, day: NaiveDate) -> Result<(i64, i64), Error> {
    let sql = format!(
        "SELECT {}, {} FROM fund_batches b JOIN fund_receipts r ON r.id = b.receipt_id
         WHERE b.school_id = $1 AND (r.doc_date <= $2 OR r.source = 'opening') AND {}",
        sum("b.copies"),
        sum("b.copies * b.price"),
        in_reach("b.school_id", "$3", "$4")
    );
    let (copies, value): (i64, i64) = on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(day).bind(reach.district())
        .bind(reach.school()).fetch_one(c).await)?;
    let sql = format!(
        "SELECT {}, {} FROM fund_writeoff_lines l JOIN fund_writeoffs w ON w.id = l.writeoff_id
         JOIN fund_batches b ON b.id = l.batch_id WHERE w.school_id = $1 AND w.act_date <= $2 AND {}",
        sum("l.copies"),
        sum("l.copies * b.price"),
        in_reach("w.school_id", "$3", "$4")
    );
    let (out, out_value): (i64, i64) = on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(day).bind(reach.district())
        .bind(reach.school()).fetch_one(c).await)?;
    Ok((copies - out, value - out_value))
}

/// Keeps parsed rows of an upload until a person settles its doubtful matches.
pub async fn save_pending(
    ex: &mut Ex<'_>,
    school_id: i64,
    user_id: Option<i64>,
    file_name: &str,
    payload: &str,
) -> Result<i64, Error> {
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO pending_imports (school_id, user_id, created_at, file_name, payload) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(school_id).bind(user_id).bind(now()).bind(file_name).bind(payload).fetch_one(c).await)?;
    Ok(id)
}

/// A pending upload of this school by this account, younger than a day: (file name, payload).
pub async fn pending(
    ex: &mut Ex<'_>,
    id: i64,
    school_id: i64,
    user_id: Option<i64>,
) -> Result<Option<(String, String)>, Error> {
    let since = now() - chrono::Duration::days(1);
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT file_name, payload FROM pending_imports WHERE id = $1 AND school_id = $2 AND (user_id = $3 OR (user_id IS NULL AND $3 IS NULL)) AND created_at > $4")
        .bind(id).bind(school_id).bind(user_id).bind(since).fetch_optional(c).await)?)
}

/// Takes a pending upload: true when this call removed it (a second click finds it gone).
pub async fn take_pending(ex: &mut Ex<'_>, id: i64) -> Result<bool, Error> {
    let n = exec!(ex, c => sqlx::query("DELETE FROM pending_imports WHERE id = $1").bind(id).execute(c).await)?;
    Ok(n == 1)
}

/// The date of a school's opening-stock receipt made from a file with this checksum, if any.
pub async fn opening_from(ex: &mut Ex<'_>, school_id: i64, checksum: &str) -> Result<Option<NaiveDate>, Error> {
    let r: Option<(NaiveDate,)> = on!(ex, c => sqlx::query_as(
        "SELECT doc_date FROM fund_receipts WHERE school_id = $1 AND source = 'opening' AND note LIKE $2 LIMIT 1")
        .bind(school_id).bind(format!("%{checksum}%")).fetch_optional(c).await)?;
    Ok(r.map(|r| r.0))
}

/// Removes a pending upload (taken or abandoned) and every one older than a day.
pub async fn drop_pending(ex: &mut Ex<'_>, id: i64) -> Result<(), Error> {
    let since = now() - chrono::Duration::days(1);
    exec!(ex, c => sqlx::query("DELETE FROM pending_imports WHERE id = $1 OR created_at <= $2")
        .bind(id).bind(since).execute(c).await)?;
    Ok(())
}
