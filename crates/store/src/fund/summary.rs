//! Each school's provision figures of a school year, kept for the district report (see
//! migrations/0006). A figure is used only while its school's fund version, the day and the
//! ФПУ generation are those it was counted from; every store function that changes a school's
//! curriculum, pupils or holdings calls [`touch`] in its own transaction.

use chrono::NaiveDate;

use super::in_reach;
use crate::{exec, on, Error, Ex, Reach};

/// Marks the fund of these schools changed.
pub async fn touch(ex: &mut Ex<'_>, schools: &[i64]) -> Result<(), Error> {
    let mut schools = schools.to_vec();
    schools.sort_unstable();
    schools.dedup();
    for s in schools {
        exec!(ex, c => sqlx::query(
            "INSERT INTO fund_versions (school_id, version) VALUES ($1, 1)
             ON CONFLICT (school_id) DO UPDATE SET version = fund_versions.version + 1")
            .bind(s).execute(c).await)?;
    }
    Ok(())
}

/// Changes with every ФПУ import (an older order imported late may still change limit dates).
pub async fn fpu_generation(ex: &mut Ex<'_>) -> Result<i64, Error> {
    let (g,): (Option<i64>,) = on!(ex, c => sqlx::query_as("SELECT MAX(id) FROM fpu_orders").fetch_one(c).await)?;
    Ok(g.unwrap_or(0))
}

/// (school, its fund version, the kept figures if still valid) for every active school in reach.
pub async fn kept_figures(
    ex: &mut Ex<'_>,
    reach: &Reach,
    year: i32,
    day: NaiveDate,
    generation: i64,
) -> Result<Vec<(i64, i64, Option<String>)>, Error> {
    let sql = format!(
        "SELECT s.id, COALESCE(v.version, 0), k.figures FROM schools s
         LEFT JOIN fund_versions v ON v.school_id = s.id
         LEFT JOIN provision_cache k ON k.school_id = s.id AND k.school_year = $1 AND k.version = COALESCE(v.version, 0)
              AND k.computed_on = $2 AND k.fpu_generation = $3
         WHERE s.archived_at IS NULL AND {}",
        in_reach("s.id", "$4", "$5")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(year as i64).bind(day).bind(generation).bind(reach.district())
        .bind(reach.school()).fetch_all(c).await)?)
}

/// Keeps a school's figures, unless its fund changed since `version` was read (then the next
/// report counts again).
pub async fn keep_figures(
    ex: &mut Ex<'_>,
    school: i64,
    year: i32,
    version: i64,
    day: NaiveDate,
    generation: i64,
    figures: &str,
) -> Result<(), Error> {
    exec!(ex, c => sqlx::query(
        "INSERT INTO provision_cache (school_id, school_year, version, computed_on, fpu_generation, figures)
         SELECT $1, $2, $3, $4, $5, $6
         WHERE (SELECT COALESCE(MAX(version), 0) FROM fund_versions WHERE school_id = $1) = $3
         ON CONFLICT (school_id, school_year) DO UPDATE SET version = excluded.version,
             computed_on = excluded.computed_on, fpu_generation = excluded.fpu_generation, figures = excluded.figures")
        .bind(school).bind(year as i64).bind(version).bind(day).bind(generation).bind(figures).execute(c).await)?;
    Ok(())
}
