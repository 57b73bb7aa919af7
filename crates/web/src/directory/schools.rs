//! Schools: list, card, create and edit forms, archive, XLSX import and export, JSON API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json};
use domain::directory::SchoolInput;
use domain::{FieldErrors, SchoolYear};
use formats::xlsx::{self, Cell};
use store::directory::{self, Librarian, School};
use store::scope::Kind;
use store::{ListQuery, Page};

use super::{ArchiveForm, ImportSpec};
use crate::authz::{Access, Ctx, InDistrict, Scope, DISTRICT, EDITORS, HEAD};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::Show;
use crate::views::{self, ListParams, ListView};

pub fn routes() -> Vec<RouteDef> {
    let own = Scope::School(Kind::School, "school");
    let card = Scope::District(Kind::School, "school");
    let mut rows = vec![
        r(M::GET, "/schools", Access::to(DISTRICT), get(list)),
        r(M::GET, "/schools/export.xlsx", Access::to(DISTRICT), get(export)),
        r(M::GET, "/schools/new", Access::to(HEAD), get(new_form)),
        r(M::POST, "/schools", Access::to(HEAD), post(create)),
        r(M::GET, "/schools/{school}", Access::on(DISTRICT, card), get(show)),
        r(M::GET, "/schools/{school}/edit", Access::on(EDITORS, own), get(edit_form)),
        r(M::POST, "/schools/{school}", Access::on(EDITORS, own), post(update)),
        r(M::POST, "/schools/{school}/archive", Access::on(HEAD, own), post(archive)),
        r(M::GET, "/api/schools", Access::to(DISTRICT), get(api_list)),
        r(M::POST, "/api/schools", Access::to(HEAD), post(api_create)),
        r(M::GET, "/api/schools/{school}", Access::on(DISTRICT, card), get(api_get)),
        r(M::PUT, "/api/schools/{school}", Access::on(EDITORS, own), put(api_update)),
    ];
    rows.extend(IMPORT.routes::<app::imports::Schools>());
    rows
}

#[derive(Template)]
#[template(path = "schools_list.html")]
struct ListPage {
    ctx: Ctx,
    list: ListView,
    schools: Vec<School>,
}

pub async fn list(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let page = directory::list_schools(&mut c.ex(), &reach, &p.query()).await?;
    let list = ListView::new("/schools", p, &page);
    Ok(Html(ListPage { ctx, list, schools: page.items }.render()?))
}

pub async fn export(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let page = directory::list_schools(&mut c.ex(), &reach, &p.everything()).await?;
    // The same columns as the import, so an export edited in Excel can be loaded back.
    let mut headers = views::headers::<SchoolInput>();
    headers.push("В архиве");
    let rows: Vec<Vec<Cell>> = page
        .items
        .iter()
        .map(|s| {
            let mut row = views::cells(&s.input());
            row.push(Cell::Text(if s.archived_at.is_some() { "да".into() } else { String::new() }));
            row
        })
        .collect();
    let bytes = xlsx::write_table("Школы", &headers, &rows, None)?;
    Ok(views::xlsx("Школы.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "school_form.html")]
struct FormPage {
    ctx: Ctx,
    id: Option<i64>,
    rows: Vec<views::FormRow>,
    errors: FieldErrors,
}

fn form(ctx: Ctx, id: Option<i64>, input: SchoolInput, errors: FieldErrors) -> Result<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let rows = views::form_rows(&input, &[]);
    Ok((status, Html(FormPage { ctx, id, rows, errors }.render()?)).into_response())
}

pub async fn new_form(ctx: Ctx) -> Result<Response> {
    form(ctx, None, SchoolInput { kind: "sosh".into(), ..Default::default() }, FieldErrors::default())
}

/// Saves and goes to the card, or shows the form again with its messages.
async fn save_form(
    st: &AppState,
    ctx: Ctx,
    reach: &store::Reach,
    id: Option<i64>,
    input: SchoolInput,
) -> Result<Response> {
    match app::directory::save_school(&st.db, reach, id, &input).await.map_err(AppError::from) {
        Ok(id) => Ok(Redirect::to(&format!("/schools/{id}?saved=1")).into_response()),
        Err(AppError::Fields(e)) => form(ctx, id, input, e),
        Err(e) => Err(e),
    }
}

pub async fn create(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Form(input): Form<SchoolInput>,
) -> Result<Response> {
    save_form(&st, ctx, &reach, None, input).await
}

pub async fn edit_form(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let s = directory::get_school(&mut c.ex(), &reach, id).await?;
    form(ctx, Some(id), s.input(), FieldErrors::default())
}

pub async fn update(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Form(input): Form<SchoolInput>,
) -> Result<Response> {
    save_form(&st, ctx, &reach, Some(id), input).await
}

#[derive(Template)]
#[template(path = "school_show.html")]
struct ShowPage {
    ctx: Ctx,
    school: School,
    facts: Vec<(&'static str, String)>,
    can_edit: bool,
    can_see_private: bool,
    is_head: bool,
    librarians: Vec<Librarian>,
    passport_years: Vec<SchoolYear>,
    year: SchoolYear,
}

pub async fn show(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let school = directory::get_school(&mut c.ex(), &reach, id).await?;
    let can_see_private = reach.school().is_none_or(|s| s == id);
    let (librarians, passport_years) = if can_see_private {
        (
            directory::list_librarians(&mut c.ex(), &reach, Some(id), &ListQuery::all()).await?.items,
            directory::passport_years(&mut c.ex(), &reach, id).await?,
        )
    } else {
        (vec![], vec![])
    };
    let page = ShowPage {
        ctx,
        facts: views::facts(&school.input()),
        school,
        can_edit: reach.can_write() && can_see_private,
        can_see_private,
        is_head: reach.is_head(),
        librarians,
        passport_years,
        year: SchoolYear::current(),
    };
    Ok(Html(page.render()?))
}

pub async fn archive(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Form(f): Form<ArchiveForm>,
) -> Result<Redirect> {
    app::directory::archive_school(&st.db, &reach, id, f.archived()).await?;
    Ok(Redirect::to(&format!("/schools/{id}")))
}

static IMPORT: ImportSpec = ImportSpec {
    title: "Импорт школ из XLSX",
    action: "/schools/import",
    template_link: "/schools/import/template.xlsx",
    template_name: "Шаблон импорта школ.xlsx",
    back: "/schools",
    notes: &[
        "Тип: СОШ, СОШ с УИОП, гимназия, лицей, ООШ, НОШ, школа-интернат или другое.",
        "ИНН: 10 цифр; проверяется контрольная цифра.",
        "Школа, краткое наименование которой уже есть в округе, будет обновлена; новая — добавлена.",
        "Если в файле есть ошибка, не записывается ничего: исправьте указанные ячейки и загрузите файл снова.",
    ],
};

// JSON API

#[utoipa::path(get, path = "/api/schools", tag = "Школы",
    params(("q" = Option<String>, Query, description = "Поиск"), ("page" = Option<i64>, Query), ("archived" = Option<String>, Query)),
    responses((status = 200, description = "Страница списка школ округа", body = SchoolPage)))]
pub async fn api_list(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<School>>> {
    let mut c = st.db.conn().await?;
    Ok(Json(directory::list_schools(&mut c.ex(), &reach, &p.query()).await?))
}

/// A page of the schools list, as the API answers it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SchoolPage {
    items: Vec<School>,
    total: i64,
    page: i64,
    per_page: i64,
}

#[utoipa::path(get, path = "/api/schools/{school}", tag = "Школы", params(("school" = i64, Path)),
    responses((status = 200, description = "Карточка школы", body = School), (status = 404)))]
pub async fn api_get(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Json<School>> {
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_school(&mut c.ex(), &reach, id).await?))
}

#[utoipa::path(post, path = "/api/schools", tag = "Школы", request_body = SchoolInput,
    responses((status = 201, description = "Школа добавлена", body = School), (status = 422, description = "Ошибки по полям")))]
pub async fn api_create(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Json(input): Json<SchoolInput>,
) -> Result<(StatusCode, Json<School>)> {
    let id = app::directory::save_school(&st.db, &reach, None, &input).await?;
    let mut c = st.db.conn().await?;
    Ok((StatusCode::CREATED, Json(directory::get_school(&mut c.ex(), &reach, id).await?)))
}

#[utoipa::path(put, path = "/api/schools/{school}", tag = "Школы", params(("school" = i64, Path)), request_body = SchoolInput,
    responses((status = 200, description = "Карточка изменена", body = School), (status = 422, description = "Ошибки по полям")))]
pub async fn api_update(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Json(input): Json<SchoolInput>,
) -> Result<Json<School>> {
    app::directory::save_school(&st.db, &reach, Some(id), &input).await?;
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_school(&mut c.ex(), &reach, id).await?))
}
