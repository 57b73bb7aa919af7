//! Background jobs that must run once, whatever the number of server processes and restarts:
//! a job is a row (`kind`, `subject`) made in the transaction that calls for it; a process takes
//! it with a guarded UPDATE and holds it for a lease, renewed as it works. A job whose holder died
//! is taken again when the lease runs out, so a job's steps must be safe to repeat.

use chrono::{DateTime, Duration, Utc};
use sqlx::FromRow;

use crate::{exec, now, on, Error, Ex};

/// How long a taken job is its holder's without a sign of life.
pub const LEASE: Duration = Duration::minutes(2);

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub subject: i64,
    pub attempts: i64,
}

/// Calls for a job; the same (kind, subject) twice is one job.
pub async fn enqueue(ex: &mut Ex<'_>, kind: &str, subject: i64) -> Result<(), Error> {
    exec!(ex, c => sqlx::query(
        "INSERT INTO jobs (kind, subject, state, created_at) VALUES ($1, $2, 'pending', $3) ON CONFLICT (kind, subject) DO NOTHING")
        .bind(kind).bind(subject).bind(now()).execute(c).await)?;
    Ok(())
}

/// Takes the oldest job that is pending or whose lease ran out, for `worker` (a token unique to
/// this attempt). Two processes asking at once never get the same job: the UPDATE re-checks the
/// state of the row it changes.
pub async fn take(ex: &mut Ex<'_>, worker: &str) -> Result<Option<Job>, Error> {
    let at = now();
    let free = "(state = 'pending' OR (state = 'running' AND lease_until < $3))";
    let sql = format!(
        "UPDATE jobs SET state = 'running', worker = $1, lease_until = $2, attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs WHERE {free} ORDER BY id LIMIT 1) AND {free}"
    );
    let n = exec!(ex, c => sqlx::query(&sql).bind(worker).bind(at + LEASE).bind(at).execute(c).await)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, kind, subject, attempts FROM jobs WHERE worker = $1 AND state = 'running'")
        .bind(worker).fetch_optional(c).await)?)
}

/// Renews the lease; false when the job is no longer this worker's (it must stop).
pub async fn renew(ex: &mut Ex<'_>, id: i64, worker: &str) -> Result<bool, Error> {
    let n = exec!(ex, c => sqlx::query(
        "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND worker = $2 AND state = 'running'")
        .bind(id).bind(worker).bind(now() + LEASE).execute(c).await)?;
    Ok(n == 1)
}

/// Ends the job: done, or failed with the error (a failed job is not taken again).
pub async fn finish(ex: &mut Ex<'_>, id: i64, worker: &str, error: Option<&str>) -> Result<(), Error> {
    let state = if error.is_some() { "failed" } else { "done" };
    exec!(ex, c => sqlx::query(
        "UPDATE jobs SET state = $3, error = $4, finished_at = $5 WHERE id = $1 AND worker = $2 AND state = 'running'")
        .bind(id).bind(worker).bind(state).bind(error.unwrap_or("")).bind(now()).execute(c).await)?;
    Ok(())
}

/// A job's state and when it finished, for tests and the pages.
pub async fn state(
    ex: &mut Ex<'_>,
    kind: &str,
    subject: i64,
) -> Result<Option<(String, Option<DateTime<Utc>>)>, Error> {
    Ok(on!(ex, c => sqlx::query_as("SELECT state, finished_at FROM jobs WHERE kind = $1 AND subject = $2")
        .bind(kind).bind(subject).fetch_optional(c).await)?)
}
