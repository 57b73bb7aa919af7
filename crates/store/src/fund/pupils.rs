use serde::Serialize;
use sqlx::FromRow;

use super::in_reach;
use crate::audit::{self, Actor, Change};
use crate::sql::sum;
use crate::{exec, on, Error, Ex, Reach};

/// Pupils of one class (or of a whole grade when `class_name` is empty). Counts only, never names.
#[derive(Debug, Clone, PartialEq, Eq, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassCount {
    pub grade: i64,
    pub class_name: String,
    pub pupils: i64,
}

/// A school's classes in a school year, by grade and letter.
pub async fn contingent(ex: &mut Ex<'_>, reach: &Reach, school_id: i64, year: i32) -> Result<Vec<ClassCount>, Error> {
    let sql = format!(
        "SELECT grade, class_name, pupils FROM contingent WHERE school_id = $1 AND school_year = $2 AND {}
         ORDER BY grade, class_name",
        in_reach("school_id", "$3", "$4")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(school_id).bind(year as i64).bind(reach.district())
        .bind(reach.school()).fetch_all(c).await)?)
}

/// Replaces a school's classes of a school year with `rows`.
pub async fn set_contingent(
    ex: &mut Ex<'_>,
    actor: &Actor,
    school_id: i64,
    year: i32,
    rows: &[ClassCount],
) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("DELETE FROM contingent WHERE school_id = $1 AND school_year = $2")
        .bind(school_id).bind(year as i64).execute(c).await)?;
    super::touch(ex, &[school_id]).await?;
    for r in rows {
        exec!(ex, c => sqlx::query(
            "INSERT INTO contingent (school_id, school_year, grade, class_name, pupils) VALUES ($1, $2, $3, $4, $5)")
            .bind(school_id).bind(year as i64).bind(r.grade).bind(&r.class_name).bind(r.pupils).execute(c).await)?;
    }
    let total: i64 = rows.iter().map(|r| r.pupils).sum();
    let change = Change {
        action: "update",
        entity: "contingent",
        entity_id: Some(school_id),
        district_id: actor.district_id,
        summary: format!("Контингент {}/{}: классов {}, обучающихся {total}", year, year + 1, rows.len()),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await
}

/// Pupils per (school, grade) in a school year, of one school or every school in reach.
pub async fn pupils_by_grade(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school_id: Option<i64>,
    year: i32,
) -> Result<Vec<(i64, i64, i64)>, Error> {
    let sql = format!(
        "SELECT school_id, grade, {} FROM contingent WHERE school_year = $1 AND ($2 IS NULL OR school_id = $2) AND {}
         GROUP BY school_id, grade",
        sum("pupils"),
        in_reach("school_id", "$3", "$4")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(year as i64).bind(school_id).bind(reach.district())
        .bind(reach.school()).fetch_all(c).await)?)
}
