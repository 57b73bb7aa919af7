//! Schools: list, card, create and edit forms, archive, XLSX import and export, JSON API.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use domain::directory::{SchoolInput, SchoolKind};
use domain::{FieldErrors, SchoolYear};
use formats::xlsx::{self, Cell};
use serde::Deserialize;
use store::directory::{self, Librarian, School};
use store::{ListQuery, Page};

use crate::authz::{Ctx, CurrentUser};
use crate::error::{AppError, Result};
use crate::imports;
use crate::views::Show;
use crate::views::{self, ListParams, ListView};
use crate::AppState;

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
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let page = directory::list_schools(&mut c.ex(), user.district()?, &p.query()).await?;
    let list = ListView::new("/schools", p, &page);
    Ok(Html(ListPage { ctx, list, schools: page.items }.render()?))
}

const EXPORT_HEADERS: &[&str] = &[
    "Краткое наименование",
    "Полное наименование",
    "Тип",
    "Адрес",
    "Директор",
    "Телефон",
    "Электронная почта",
    "ИНН",
    "В архиве",
];

pub async fn export(State(st): State<AppState>, user: CurrentUser, Query(p): Query<ListParams>) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let page = directory::list_schools(&mut c.ex(), user.district()?, &p.everything()).await?;
    let rows: Vec<Vec<Cell>> = page
        .items
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.short_name.clone()),
                Cell::Text(s.full_name.clone()),
                Cell::Text(s.kind_title().into()),
                Cell::Text(s.address.clone()),
                Cell::Text(s.director.clone()),
                Cell::Text(s.phone.clone()),
                Cell::Text(s.email.clone()),
                Cell::Text(s.inn.clone().unwrap_or_default()),
                Cell::Text(if s.archived_at.is_some() { "да".into() } else { String::new() }),
            ]
        })
        .collect();
    let bytes = xlsx::write_table("Школы", EXPORT_HEADERS, &rows, None)?;
    Ok(views::xlsx("Школы.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "school_form.html")]
struct FormPage {
    ctx: Ctx,
    id: Option<i64>,
    input: SchoolInput,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    SchoolKind::ALL.iter().map(|k| (k.code(), k.title_ru())).collect()
}

fn form(ctx: Ctx, id: Option<i64>, input: SchoolInput, errors: FieldErrors) -> Result<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { ctx, id, input, errors, kinds: kinds() }.render()?)).into_response())
}

pub async fn new_form(ctx: Ctx) -> Result<Response> {
    form(ctx, None, SchoolInput { kind: "sosh".into(), ..Default::default() }, FieldErrors::default())
}

/// Validates and writes; field errors come back for the form.
async fn save(st: &AppState, user: &CurrentUser, id: Option<i64>, input: &SchoolInput) -> Result<i64> {
    let fields = input.validate().map_err(AppError::Fields)?;
    let mut tx = st.db.begin().await?;
    let id = match id {
        Some(id) => {
            directory::update_school(&mut tx.ex(), &user.actor(), id, &fields).await?;
            id
        }
        None => directory::create_school(&mut tx.ex(), &user.actor(), user.district()?, &fields).await?,
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn create(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(input): Form<SchoolInput>,
) -> Result<Response> {
    match save(&st, &user, None, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/schools/{id}?saved=1")).into_response()),
        Err(AppError::Fields(e)) => form(ctx, None, input, e),
        Err(e) => Err(e),
    }
}

pub async fn edit_form(State(st): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let s = directory::get_school(&mut c.ex(), id).await?;
    form(ctx, Some(id), s.input(), FieldErrors::default())
}

pub async fn update(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(input): Form<SchoolInput>,
) -> Result<Response> {
    match save(&st, &user, Some(id), &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/schools/{id}?saved=1")).into_response()),
        Err(AppError::Fields(e)) => form(ctx, Some(id), input, e),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "school_show.html")]
struct ShowPage {
    ctx: Ctx,
    school: School,
    can_edit: bool,
    can_see_private: bool,
    librarians: Vec<Librarian>,
    passport_years: Vec<SchoolYear>,
    year: SchoolYear,
}

pub async fn show(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let school = directory::get_school(&mut c.ex(), id).await?;
    let can_edit = user.can_edit_school(id);
    let can_see_private = user.own_school_only().is_none_or(|s| s == id);
    let (librarians, passport_years) = if can_see_private {
        let q = ListQuery::all();
        (
            directory::list_librarians(&mut c.ex(), school.district_id, Some(id), &q).await?.items,
            directory::passport_years(&mut c.ex(), id).await?,
        )
    } else {
        (vec![], vec![])
    };
    let page =
        ShowPage { ctx, school, can_edit, can_see_private, librarians, passport_years, year: SchoolYear::current() };
    Ok(Html(page.render()?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArchiveForm {
    restore: Option<String>,
}

pub async fn archive(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ArchiveForm>,
) -> Result<Redirect> {
    let mut tx = st.db.begin().await?;
    directory::set_school_archived(&mut tx.ex(), &user.actor(), id, f.restore.is_none()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/schools/{id}")))
}

const IMPORT: super::ImportSpec = super::ImportSpec {
    title: "Импорт школ из XLSX",
    action: "/schools/import",
    template_link: "/schools/import/template.xlsx",
    template_name: "Шаблон импорта школ.xlsx",
    back: "/schools",
    columns: imports::SCHOOL_COLUMNS,
    notes: &[
        "Тип: СОШ, СОШ с УИОП, гимназия, лицей, ООШ, НОШ, школа-интернат или другое.",
        "ИНН: 10 цифр; проверяется контрольная цифра.",
        "Школа, краткое наименование которой уже есть в округе, будет обновлена; новая — добавлена.",
        "Если в файле есть ошибка, не записывается ничего: исправьте указанные ячейки и загрузите файл снова.",
    ],
};

pub async fn import_page(ctx: Ctx) -> Result<Html<String>> {
    Ok(Html(IMPORT.page(ctx).render()?))
}

pub async fn import(State(st): State<AppState>, ctx: Ctx, user: CurrentUser, mp: Multipart) -> Result<Response> {
    let district = user.district()?;
    let result = match super::uploaded_file(mp).await {
        Ok((name, bytes)) => {
            imports::import_schools(&st.db, &user.actor(), district, &bytes, &name, &mut |_, _| {}).await
        }
        Err(e) => Err(e),
    };
    IMPORT.page(ctx).show(result)
}

pub async fn template() -> Result<Response> {
    IMPORT.template()
}

// JSON API

#[utoipa::path(get, path = "/api/schools", tag = "Школы",
    params(("q" = Option<String>, Query, description = "Поиск"), ("page" = Option<i64>, Query), ("archived" = Option<String>, Query)),
    responses((status = 200, description = "Страница списка школ округа")))]
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<School>>> {
    let mut c = st.db.conn().await?;
    Ok(Json(directory::list_schools(&mut c.ex(), user.district()?, &p.query()).await?))
}

#[utoipa::path(get, path = "/api/schools/{school}", tag = "Школы", params(("school" = i64, Path)),
    responses((status = 200, description = "Карточка школы"), (status = 404)))]
pub async fn api_get(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Json<School>> {
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_school(&mut c.ex(), id).await?))
}

#[utoipa::path(post, path = "/api/schools", tag = "Школы", request_body = SchoolInput,
    responses((status = 201, description = "Школа добавлена"), (status = 422, description = "Ошибки по полям")))]
pub async fn api_create(
    State(st): State<AppState>,
    user: CurrentUser,
    Json(input): Json<SchoolInput>,
) -> Result<(StatusCode, Json<School>)> {
    let id = save(&st, &user, None, &input).await?;
    let mut c = st.db.conn().await?;
    Ok((StatusCode::CREATED, Json(directory::get_school(&mut c.ex(), id).await?)))
}

#[utoipa::path(put, path = "/api/schools/{school}", tag = "Школы", params(("school" = i64, Path)), request_body = SchoolInput,
    responses((status = 200, description = "Карточка изменена"), (status = 422, description = "Ошибки по полям")))]
pub async fn api_update(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(input): Json<SchoolInput>,
) -> Result<Json<School>> {
    save(&st, &user, Some(id), &input).await?;
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_school(&mut c.ex(), id).await?))
}
