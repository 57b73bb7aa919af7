//! A school's first start: current holdings from a spreadsheet with a review of doubtful matches,
//! and pupils per class from a spreadsheet.

use std::collections::HashMap;

use app::fund::{Opening, OpeningRow};
use app::imports::ImportError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use store::scope::Kind;

use super::school::Head;
use super::YearParam;
use crate::authz::{Access, Ctx, InDistrict, Scope, EDITORS};
use crate::directory::uploaded_file;
use crate::error::Result;
use crate::routes::{r, RouteDef};
use crate::state::AppState;
#[allow(unused_imports)]
use crate::views::{self, GradeName, Show};

pub fn routes() -> Vec<RouteDef> {
    let s = Scope::School(Kind::School, "school");
    vec![
        r(M::GET, "/schools/{school}/fund/import", Access::on(EDITORS, s), get(page)),
        r(M::POST, "/schools/{school}/fund/import", Access::on(EDITORS, s).uploads(), post(upload)),
        r(M::POST, "/schools/{school}/fund/import/{pending}", Access::on(EDITORS, s), post(settle)),
        r(M::GET, "/schools/{school}/fund/import/template.xlsx", Access::on(EDITORS, s), get(template)),
        r(M::POST, "/schools/{school}/fund/pupils/import", Access::on(EDITORS, s).uploads(), post(pupils_upload)),
        r(M::GET, "/schools/{school}/fund/pupils/template.xlsx", Access::on(EDITORS, s), get(pupils_template)),
    ]
}

#[derive(Template)]
#[template(path = "fund_import.html")]
struct ImportPage {
    ctx: Ctx,
    head: Head,
    columns: Vec<(&'static str, bool)>,
    problems: Vec<String>,
    done: String,
    pending: Option<i64>,
    review: Vec<OpeningRow>,
}

async fn import_page(st: &AppState, ctx: Ctx, reach: &store::Reach, school: i64) -> Result<ImportPage> {
    let head = Head::of(st, reach, school, domain::SchoolYear::current(), "documents").await?;
    let columns = app::fund::HOLDINGS_COLUMNS.iter().map(|c| (c.header, c.required)).collect();
    Ok(ImportPage { ctx, head, columns, problems: vec![], done: String::new(), pending: None, review: vec![] })
}

pub async fn page(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
) -> Result<Html<String>> {
    Ok(Html(import_page(&st, ctx, &reach, school).await?.render()?))
}

fn show(mut page: ImportPage, result: std::result::Result<Opening, ImportError>) -> Result<Response> {
    let status = match result {
        Ok(Opening::Written { rows, copies }) => {
            page.done = format!("Остатки введены: строк {rows}, экземпляров {copies}. Они видны в «Поступлениях и списаниях» и в обеспеченности.");
            StatusCode::OK
        }
        Ok(Opening::Review { pending, rows }) => {
            page.pending = Some(pending);
            page.review = rows.into_iter().filter(|r| r.item.is_none()).collect();
            StatusCode::OK
        }
        Err(ImportError::Upload(m)) => {
            page.problems = vec![m];
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ImportError::Problems(p)) => {
            page.problems = p.iter().map(ToString::to_string).collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn upload(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    mp: Multipart,
) -> Result<Response> {
    let page = import_page(&st, ctx, &reach, school).await?;
    let result = match uploaded_file(mp).await {
        Ok((name, bytes)) => app::fund::import_holdings(&st.db, &reach, school, &bytes, &name).await,
        Err(e) => Err(e),
    };
    show(page, result)
}

pub async fn settle(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path((school, pending)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response> {
    let choices: HashMap<u32, i64> = form_urlencoded::parse(&body)
        .filter_map(|(k, v)| Some((k.strip_prefix("row_")?.parse().ok()?, v.parse().ok()?)))
        .collect();
    let page = import_page(&st, ctx, &reach, school).await?;
    let result = app::fund::settle_holdings(&st.db, &reach, school, pending, &choices).await;
    show(page, result)
}

pub async fn template() -> Result<Response> {
    let bytes = app::imports::template(app::fund::HOLDINGS_COLUMNS, app::fund::HOLDINGS_NOTES)?;
    Ok(views::xlsx("Остатки учебного фонда (шаблон).xlsx", bytes))
}

pub async fn pupils_template() -> Result<Response> {
    let notes = [
        "Одна строка — один класс: «7А» и число обучающихся. Только числа, без фамилий.",
        "Загрузка заменяет классы выбранного учебного года.",
    ];
    let bytes = app::imports::template(app::fund::PUPIL_COLUMNS, &notes)?;
    Ok(views::xlsx("Контингент (шаблон).xlsx", bytes))
}

pub async fn pupils_upload(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
    mp: Multipart,
) -> Result<Response> {
    let year = q.year()?;
    let result = match uploaded_file(mp).await {
        Ok((name, bytes)) => app::fund::import_pupils(&st.db, &reach, school, year, &bytes, &name).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/schools/{school}/fund/pupils?year={}&saved=1", year.start_year()))
                .into_response())
        }
        Err(ImportError::Store(e)) => Err(e.into()),
        Err(ImportError::Upload(m)) => Err(crate::error::AppError::Invalid(m)),
        Err(ImportError::Problems(p)) => Err(crate::error::AppError::Invalid(format!(
            "Контингент не загружен, ничего не изменилось: {}",
            p.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        ))),
    }
}
