use serde::Serialize;
use sqlx::FromRow;

use super::in_reach;
use crate::audit::{self, Actor, Change};
use crate::{exec, on, Error, Ex, OrTaken, Reach};

/// One line of a school's curriculum choice.
#[derive(Debug, Clone, PartialEq, Eq, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurriculumLine {
    pub id: i64,
    pub school_id: i64,
    pub school_year: i64,
    pub grade: i64,
    pub subject: String,
    /// The ФПУ item, or None for a teaching aid outside the list (`aid`).
    pub item_id: Option<i64>,
    pub aid: String,
    /// Per cent of the grade's pupils.
    pub share: i64,
}

#[derive(Debug, Clone)]
pub struct NewLine {
    pub school_id: i64,
    pub year: i32,
    pub grade: u8,
    pub subject: String,
    pub item_id: Option<i64>,
    pub aid: String,
    pub share: u32,
}

const COLS: &str = "id, school_id, school_year, grade, subject, item_id, aid, share";

/// Curriculum lines of a school year, of one school or every school in reach.
pub async fn curriculum(
    ex: &mut Ex<'_>,
    reach: &Reach,
    school_id: Option<i64>,
    year: i32,
) -> Result<Vec<CurriculumLine>, Error> {
    let sql = format!(
        "SELECT {COLS} FROM curriculum WHERE school_year = $1 AND ($2 IS NULL OR school_id = $2) AND {}
         ORDER BY school_id, grade, subject, id",
        in_reach("school_id", "$3", "$4")
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(year as i64).bind(school_id).bind(reach.district())
        .bind(reach.school()).fetch_all(c).await)?)
}

fn line_key(item_id: Option<i64>, aid: &str) -> String {
    match item_id {
        Some(i) => format!("i:{i}"),
        None => format!("a:{}", domain::text::normalize(aid)),
    }
}

pub async fn add_curriculum_line(ex: &mut Ex<'_>, actor: &Actor, l: &NewLine) -> Result<i64, Error> {
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO curriculum (school_id, school_year, grade, subject, item_id, aid, line_key, share)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(l.school_id).bind(l.year as i64).bind(l.grade as i64).bind(&l.subject).bind(l.item_id).bind(&l.aid)
        .bind(line_key(l.item_id, &l.aid)).bind(l.share as i64).fetch_one(c).await)
    .or_taken("item", "Этот учебник уже выбран для этого предмета и класса")?;
    super::touch(ex, &[l.school_id]).await?;
    let change = Change {
        action: "create",
        entity: "curriculum",
        entity_id: Some(id),
        district_id: actor.district_id,
        summary: format!(
            "УМК {}/{}: {} класс, «{}», доля {} %",
            l.year,
            l.year + 1,
            domain::fund::grade_name(l.grade),
            l.subject,
            l.share
        ),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(id)
}

/// Rows per multi-row INSERT of curriculum lines: 8 values each, far below both bind limits.
const CHUNK: usize = 500;

/// Adds many lines of the choice at once: multi-row INSERTs and one audit entry, for
/// bulk loads (the regional benchmark's generator, `crates/biblioset/benches/fund.rs`). Lines
/// already there stay; returns the number added. The caller has checked the lines as
/// [`add_curriculum_line`]'s callers do.
pub async fn insert_curriculum(ex: &mut Ex<'_>, actor: &Actor, lines: &[NewLine]) -> Result<u64, Error> {
    let mut n = 0;
    super::touch(ex, &lines.iter().map(|l| l.school_id).collect::<Vec<_>>()).await?;
    for chunk in lines.chunks(CHUNK) {
        n += exec!(ex, c => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO curriculum (school_id, school_year, grade, subject, item_id, aid, line_key, share) ");
            q.push_values(chunk, |mut b, l| {
                b.push_bind(l.school_id).push_bind(l.year as i64).push_bind(l.grade as i64).push_bind(&l.subject)
                    .push_bind(l.item_id).push_bind(&l.aid).push_bind(line_key(l.item_id, &l.aid)).push_bind(l.share as i64);
            });
            q.push(" ON CONFLICT (school_id, school_year, grade, subject, line_key) DO NOTHING");
            q.build().execute(c).await
        })?;
    }
    let change = Change {
        action: "create",
        entity: "curriculum",
        entity_id: None,
        district_id: actor.district_id,
        summary: format!("УМК: добавлено строк: {n}"),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(n)
}

/// Removes a line of a school's choice; false when there is no such line of that school.
pub async fn delete_curriculum_line(ex: &mut Ex<'_>, actor: &Actor, school_id: i64, id: i64) -> Result<bool, Error> {
    let n = exec!(ex, c => sqlx::query("DELETE FROM curriculum WHERE id = $1 AND school_id = $2")
        .bind(id).bind(school_id).execute(c).await)?;
    if n == 1 {
        super::touch(ex, &[school_id]).await?;
        let change = Change {
            action: "delete",
            entity: "curriculum",
            entity_id: Some(id),
            district_id: actor.district_id,
            summary: "УМК: строка удалена".into(),
            before: None,
            after: None,
        };
        audit::record(ex, actor, change).await?;
    }
    Ok(n == 1)
}

/// Starts a school year's choice as a copy of another year's; lines already there stay.
/// Returns the number of lines copied.
pub async fn copy_curriculum(ex: &mut Ex<'_>, actor: &Actor, school_id: i64, from: i32, to: i32) -> Result<u64, Error> {
    let n = exec!(ex, c => sqlx::query(
        "INSERT INTO curriculum (school_id, school_year, grade, subject, item_id, aid, line_key, share)
         SELECT school_id, $3, grade, subject, item_id, aid, line_key, share FROM curriculum
         WHERE school_id = $1 AND school_year = $2
         ON CONFLICT (school_id, school_year, grade, subject, line_key) DO NOTHING")
        .bind(school_id).bind(from as i64).bind(to as i64).execute(c).await)?;
    super::touch(ex, &[school_id]).await?;
    let change = Change {
        action: "create",
        entity: "curriculum",
        entity_id: None,
        district_id: actor.district_id,
        summary: format!("УМК {to}/{}: скопировано строк из {from}/{}: {n}", to + 1, from + 1),
        before: None,
        after: None,
    };
    audit::record(ex, actor, change).await?;
    Ok(n)
}
