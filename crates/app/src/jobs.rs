//! Runs the background jobs (`store::jobs`): every server process calls [`run_pending`] now and
//! then and after it calls for a job; each job runs in one process only.

use rand::RngCore;
use store::{jobs, Db};

use crate::Result;

/// A job taken this many times and never finished is given up (its error is kept).
const MAX_ATTEMPTS: i64 = 3;

fn worker_token() -> String {
    let mut b = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Runs every job that is free to take, one after another; returns how many ran.
pub async fn run_pending(db: &Db) -> Result<usize> {
    let mut ran = 0;
    loop {
        let worker = worker_token();
        let job = {
            let mut c = db.conn().await?;
            jobs::take(&mut c.ex(), &worker).await?
        };
        let Some(job) = job else { return Ok(ran) };
        let outcome = if job.attempts > MAX_ATTEMPTS {
            Err(crate::Error::Invalid(format!("задание не выполнено за {MAX_ATTEMPTS} попытки")))
        } else {
            match job.kind.as_str() {
                crate::compliance::RECHECK => crate::compliance::recheck(db, &job, &worker).await.map(|_| ()),
                other => Err(crate::Error::Invalid(format!("неизвестное задание {other}"))),
            }
        };
        let error = outcome.err().map(|e| e.to_string());
        if let Some(e) = &error {
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, "background job failed");
        }
        let mut c = db.conn().await?;
        jobs::finish(&mut c.ex(), job.id, &worker, error.as_deref()).await?;
        ran += 1;
    }
}

/// What every server process does now and then: the jobs free to take, and the records of catalog
/// imports that were replaced, failed or interrupted.
pub async fn tick(db: &Db) -> Result<usize> {
    let ran = run_pending(db).await?;
    let mut c = db.conn().await?;
    store::catalog::purge(&mut c.ex()).await?;
    Ok(ran)
}
