//! The annual analysis (page and DOCX, with the head's conclusions), professional development
//! of the district's librarians, and contests and exhibitions.

use app::planning::analysis::{self, Analysis, Growth};
use app::planning::{self as planning, ContestInput, CONTEST_KINDS, LEVELS};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{FieldErrors, SchoolYear};
use store::directory::{self, School};
use store::planning::Contest;
use store::ListQuery;

use super::year_of;
use crate::authz::{Access, Ctx, InDistrict, DISTRICT, HEAD, OVERSIGHT};
use crate::error::{AppError, Result};
use crate::fund::YearParam;
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views;
use crate::views::{all, one, pairs, years};

pub fn routes() -> Vec<RouteDef> {
    vec![
        r(M::GET, "/analysis", Access::to(OVERSIGHT), get(page)),
        r(M::POST, "/analysis", Access::to(HEAD), post(save)),
        r(M::GET, "/analysis.docx", Access::to(OVERSIGHT), get(docx)),
        r(M::GET, "/development", Access::to(OVERSIGHT), get(development)),
        r(M::GET, "/contests", Access::to(DISTRICT), get(contests)),
        r(M::POST, "/contests", Access::to(HEAD), post(add_contest)),
    ]
}

#[derive(Template)]
#[template(path = "analysis.html")]
struct Page {
    ctx: Ctx,
    year: SchoolYear,
    a: Analysis,
}

impl Page {
    fn years(&self) -> Vec<SchoolYear> {
        years()
    }
    fn is_year(&self, y: &SchoolYear) -> bool {
        *y == self.year
    }
    fn can_edit(&self) -> bool {
        self.ctx.is("head") && self.a.book.plan.closed_at.is_none()
    }
    fn num(&self, n: &Option<i64>) -> String {
        views::num(n)
    }
    fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        views::date(d)
    }
    fn due(&self) -> Vec<&Growth> {
        self.a.growth.iter().filter(|g| g.attestation_due).collect()
    }
    fn stale(&self) -> Vec<&Growth> {
        self.a.growth.iter().filter(|g| g.no_recent_course).collect()
    }
}

pub async fn page(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let a = analysis::analysis(&st.db, &reach, year, domain::clock::today()).await?;
    Ok(Html(Page { ctx, year, a }.render()?))
}

pub async fn save(State(st): State<AppState>, InDistrict(reach): InDistrict, body: Bytes) -> Result<Redirect> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    analysis::save_conclusions(&st.db, &reach, year, &one(&p, "conclusions"), &one(&p, "next_year")).await?;
    Ok(Redirect::to(&format!("/analysis?year={}&saved=1", year.start_year())))
}

pub async fn docx(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Response> {
    let year = q.year()?;
    let a = analysis::analysis(&st.db, &reach, year, domain::clock::today()).await?;
    let name = format!("Анализ работы МО {}.docx", year.to_string().replace('/', "-"));
    Ok(crate::views::docx(&name, analysis::analysis_docx(&a)?))
}

#[derive(Template)]
#[template(path = "development.html")]
struct DevelopmentPage {
    ctx: Ctx,
    year: SchoolYear,
    rows: Vec<Growth>,
}

impl DevelopmentPage {
    fn years(&self) -> Vec<SchoolYear> {
        years()
    }
    fn is_year(&self, y: &SchoolYear) -> bool {
        *y == self.year
    }
    fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        views::date(d)
    }
    fn hours(&self) -> i64 {
        self.rows.iter().map(|g| g.hours_this_year).sum()
    }
}

pub async fn development(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let rows = analysis::growth(&st.db, &reach, year, domain::clock::today()).await?;
    Ok(Html(DevelopmentPage { ctx, year, rows }.render()?))
}

#[derive(Template)]
#[template(path = "contests.html")]
struct ContestsPage {
    ctx: Ctx,
    year: SchoolYear,
    list: Vec<Contest>,
    schools: Vec<School>,
    form: ContestInput,
    errors: FieldErrors,
}

impl ContestsPage {
    fn years(&self) -> Vec<SchoolYear> {
        years()
    }
    fn is_year(&self, y: &SchoolYear) -> bool {
        *y == self.year
    }
    fn kinds(&self) -> &'static [(&'static str, &'static str)] {
        CONTEST_KINDS
    }
    fn levels(&self) -> &'static [(&'static str, &'static str)] {
        LEVELS
    }
    fn kind(&self, c: &Contest) -> &'static str {
        planning::title_of(CONTEST_KINDS, &c.kind)
    }
    fn level(&self, c: &Contest) -> &'static str {
        planning::title_of(LEVELS, &c.level)
    }
    fn dates(&self, c: &Contest) -> String {
        match (c.starts_on, c.ends_on) {
            (Some(a), Some(b)) if a != b => format!("{} – {}", domain::dates::format(a), domain::dates::format(b)),
            (Some(a), _) => domain::dates::format(a),
            _ => String::new(),
        }
    }
    fn participants(&self, c: &Contest) -> i64 {
        c.schools.iter().map(|s| s.participants).sum()
    }
    fn links(&self, c: &Contest) -> Vec<String> {
        c.links.lines().map(|l| l.trim().to_string()).filter(|l| l.starts_with("http")).collect()
    }
}

async fn contests_page(
    st: &AppState,
    ctx: Ctx,
    reach: &store::Reach,
    year: SchoolYear,
    form: ContestInput,
    errors: FieldErrors,
) -> Result<ContestsPage> {
    let mut c = st.db.conn().await?;
    let list = store::planning::contests(&mut c.ex(), reach, year.start_year()).await?;
    let schools = directory::list_schools(&mut c.ex(), reach, &ListQuery::all()).await?.items;
    Ok(ContestsPage { ctx, year, list, schools, form, errors })
}

pub async fn contests(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let page = contests_page(&st, ctx, &reach, q.year()?, ContestInput::default(), FieldErrors::default()).await?;
    Ok(Html(page.render()?))
}

pub async fn add_contest(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    let (ids, counts, winners) = (all(&p, "school_id"), all(&p, "participants"), all(&p, "winners"));
    let mut schools = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let n = counts.get(i).map(|s| s.trim()).unwrap_or("");
        if id.is_empty() || n.is_empty() {
            continue;
        }
        let id = id.parse().map_err(|_| AppError::BadRequest("Школа не распознана".into()))?;
        let n = n.parse().map_err(|_| AppError::Invalid(format!("Участников: «{n}» — нужно целое число")))?;
        schools.push((id, n, winners.get(i).cloned().unwrap_or_default()));
    }
    let form = ContestInput {
        title: one(&p, "title"),
        kind: one(&p, "kind"),
        level: one(&p, "level"),
        starts_on: one(&p, "starts_on"),
        ends_on: one(&p, "ends_on"),
        organisers: one(&p, "organisers"),
        links: one(&p, "links"),
        schools,
    };
    match planning::add_contest(&st.db, &reach, year, &form).await.map_err(AppError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/contests?year={}&saved=1", year.start_year())).into_response()),
        Err(AppError::Fields(errors)) => {
            let page = contests_page(&st, ctx, &reach, year, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}
