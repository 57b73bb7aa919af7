//! The librarians' data bank: list, record with courses, forms, archive, XLSX import/export, API.
//! A librarian sees and edits only the records of their own school.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use domain::directory::{Category, CourseInput, LibrarianInput};
use domain::FieldErrors;
use formats::xlsx::{self, Cell};
use serde::Deserialize;
use store::directory::{self, Course, Librarian, School};
use store::{ListQuery, Page};

use crate::authz::{Ctx, CurrentUser};
use crate::error::{AppError, Result};
use crate::imports;
use crate::views::Show;
use crate::views::{self, ListParams, ListView};
use crate::AppState;

#[derive(Template)]
#[template(path = "librarians_list.html")]
struct ListPage {
    ctx: Ctx,
    list: ListView,
    librarians: Vec<Librarian>,
}

pub async fn list(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let page = directory::list_librarians(&mut c.ex(), user.district()?, user.own_school_only(), &p.query()).await?;
    let list = ListView::new("/librarians", p, &page);
    Ok(Html(ListPage { ctx, list, librarians: page.items }.render()?))
}

const EXPORT_HEADERS: &[&str] = &[
    "ФИО",
    "Школа",
    "Должность",
    "Образование",
    "Стаж, лет",
    "Квалификационная категория",
    "Дата аттестации",
    "Дата следующей аттестации",
    "Тема самообразования",
    "Электронная почта",
    "Телефон",
    "Согласие на обработку ПДн",
    "Согласие на публикацию",
    "Курсы повышения квалификации",
];

pub async fn export(State(st): State<AppState>, user: CurrentUser, Query(p): Query<ListParams>) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let page =
        directory::list_librarians(&mut c.ex(), user.district()?, user.own_school_only(), &p.everything()).await?;
    let mut rows = Vec::with_capacity(page.items.len());
    for l in &page.items {
        let courses = directory::list_courses(&mut c.ex(), l.id).await?;
        let courses = courses
            .iter()
            .map(|k| format!("{} ({} ч., {})", k.title, k.hours, domain::dates::format(k.end_date)))
            .collect::<Vec<_>>()
            .join("; ");
        rows.push(vec![
            Cell::Text(l.full_name.clone()),
            Cell::Text(l.school_short_name.clone()),
            Cell::Text(l.position.clone()),
            Cell::Text(l.education.clone()),
            Cell::Int(l.experience_years),
            Cell::Text(l.category_title().into()),
            Cell::Date(l.attestation_date),
            Cell::Date(l.next_attestation_date),
            Cell::Text(l.self_education_theme.clone()),
            Cell::Text(l.email.clone()),
            Cell::Text(l.phone.clone()),
            Cell::Date(l.consent_processing_date),
            Cell::Date(l.consent_publication_date),
            Cell::Text(courses),
        ]);
    }
    let bytes = xlsx::write_table("Библиотекари", EXPORT_HEADERS, &rows, None)?;
    Ok(views::xlsx("Банк данных библиотекарей.xlsx", bytes))
}

/// The record form: the librarian's fields and the school they work at.
#[derive(Debug, Default, Deserialize)]
pub struct LibrarianForm {
    /// Text, not a number: serde's `flatten` reads form values as strings only.
    #[serde(default)]
    school_id: String,
    #[serde(flatten)]
    input: LibrarianInput,
}

impl LibrarianForm {
    fn school(&self) -> Option<i64> {
        self.school_id.trim().parse().ok()
    }
}

#[derive(Template)]
#[template(path = "librarian_form.html")]
struct FormPage {
    ctx: Ctx,
    id: Option<i64>,
    school_id: Option<i64>,
    input: LibrarianInput,
    errors: FieldErrors,
    schools: Vec<School>,
    categories: Vec<(&'static str, &'static str)>,
    /// A librarian may not move a record to another school.
    school_fixed: bool,
}

async fn form(
    st: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: Option<i64>,
    school_id: Option<i64>,
    input: LibrarianInput,
    errors: FieldErrors,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let schools = directory::list_schools(&mut c.ex(), user.district()?, &ListQuery::all()).await?.items;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let categories = Category::ALL.iter().map(|c| (c.code(), c.title_ru())).collect();
    let page = FormPage { ctx, id, school_id, input, errors, schools, categories, school_fixed: !user.is_head() };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn new_form(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Response> {
    form(&st, ctx, &user, None, p.school(), LibrarianInput::default(), FieldErrors::default()).await
}

async fn save(
    st: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    school_id: Option<i64>,
    input: &LibrarianInput,
) -> Result<i64> {
    let mut errors = match input.validate() {
        Ok(_) => FieldErrors::default(),
        Err(e) => e,
    };
    let mut tx = st.db.begin().await?;
    let current = match id {
        Some(id) => Some(directory::get_librarian(&mut tx.ex(), id).await?),
        None => None,
    };
    // A librarian keeps records in their own school; only the head moves people between schools.
    let kept = current.as_ref().map(|l| l.school_id);
    let school_id = if user.is_head() { school_id.or(kept) } else { kept };
    let Some(school_id) = school_id else {
        errors.add("school_id", "Школа: выберите школу");
        return Err(AppError::Fields(errors));
    };
    if directory::school_district(&mut tx.ex(), school_id).await? != Some(user.district()?) {
        errors.add("school_id", "Школа не найдена в вашем округе");
    }
    if !errors.is_empty() {
        return Err(AppError::Fields(errors));
    }
    let fields = input.validate().map_err(AppError::Fields)?;
    let id = match id {
        Some(id) => {
            directory::update_librarian(&mut tx.ex(), &user.actor(), id, school_id, &fields).await?;
            id
        }
        None => directory::create_librarian(&mut tx.ex(), &user.actor(), school_id, &fields).await?,
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn create(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(f): Form<LibrarianForm>,
) -> Result<Response> {
    match save(&st, &user, None, f.school(), &f.input).await {
        Ok(id) => Ok(Redirect::to(&format!("/librarians/{id}?saved=1")).into_response()),
        Err(AppError::Fields(e)) => form(&st, ctx, &user, None, f.school(), f.input, e).await,
        Err(e) => Err(e),
    }
}

pub async fn edit_form(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let l = directory::get_librarian(&mut c.ex(), id).await?;
    drop(c);
    form(&st, ctx, &user, Some(id), Some(l.school_id), l.input(), FieldErrors::default()).await
}

pub async fn update(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<LibrarianForm>,
) -> Result<Response> {
    match save(&st, &user, Some(id), f.school(), &f.input).await {
        Ok(id) => Ok(Redirect::to(&format!("/librarians/{id}?saved=1")).into_response()),
        Err(AppError::Fields(e)) => form(&st, ctx, &user, Some(id), f.school(), f.input, e).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "librarian_show.html")]
struct ShowPage {
    ctx: Ctx,
    l: Librarian,
    courses: Vec<Course>,
    total_hours: i64,
    can_edit: bool,
    is_head: bool,
    account_login: String,
    course: CourseInput,
    errors: FieldErrors,
}

async fn show_page(
    st: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: i64,
    course: CourseInput,
    errors: FieldErrors,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let l = directory::get_librarian(&mut c.ex(), id).await?;
    let courses = directory::list_courses(&mut c.ex(), id).await?;
    let account_login = match l.user_id {
        Some(uid) => store::accounts::user_by_id(&mut c.ex(), uid).await?.login,
        None => String::new(),
    };
    let total_hours = courses.iter().map(|c| c.hours).sum();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ShowPage {
        ctx,
        can_edit: user.can_edit_school(l.school_id),
        is_head: user.is_head(),
        l,
        courses,
        total_hours,
        account_login,
        course,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn show(State(st): State<AppState>, ctx: Ctx, user: CurrentUser, Path(id): Path<i64>) -> Result<Response> {
    show_page(&st, ctx, &user, id, CourseInput::default(), FieldErrors::default()).await
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
    directory::set_librarian_archived(&mut tx.ex(), &user.actor(), id, f.restore.is_none()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/librarians/{id}")))
}

pub async fn add_course(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(input): Form<CourseInput>,
) -> Result<Response> {
    let fields = match input.validate() {
        Ok(f) => f,
        Err(e) => return show_page(&st, ctx, &user, id, input, e).await,
    };
    let mut tx = st.db.begin().await?;
    directory::add_course(&mut tx.ex(), &user.actor(), id, &fields).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/librarians/{id}?saved=1#courses")).into_response())
}

pub async fn delete_course(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, course)): Path<(i64, i64)>,
) -> Result<Redirect> {
    let mut tx = st.db.begin().await?;
    directory::delete_course(&mut tx.ex(), &user.actor(), id, course).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/librarians/{id}#courses")))
}

const IMPORT: super::ImportSpec = super::ImportSpec {
    title: "Импорт банка данных библиотекарей из XLSX",
    action: "/librarians/import",
    template_link: "/librarians/import/template.xlsx",
    template_name: "Шаблон импорта библиотекарей.xlsx",
    back: "/librarians",
    columns: imports::LIBRARIAN_COLUMNS,
    notes: &[
            "Школа: краткое наименование точно как в списке школ округа (например, «МБОУ СОШ № 1»).",
            "Квалификационная категория: без категории, соответствие занимаемой должности, первая, высшая, педагог-методист, педагог-наставник.",
            "Даты: ДД.ММ.ГГГГ. Если дата следующей аттестации пуста, она считается как дата аттестации + 5 лет (для первой и высшей категории).",
            "Согласия (152-ФЗ): дата, когда сотрудник подписал согласие; пусто — согласия нет.",
            "Сотрудник, который уже есть в этой школе с теми же ФИО, будет обновлён; новый — добавлен.",
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
            imports::import_librarians(&st.db, &user.actor(), district, &bytes, &name, &mut |_, _| {}).await
        }
        Err(e) => Err(e),
    };
    IMPORT.page(ctx).show(result)
}

pub async fn template() -> Result<Response> {
    IMPORT.template()
}

// JSON API

#[utoipa::path(get, path = "/api/librarians", tag = "Банк данных библиотекарей",
    params(("q" = Option<String>, Query, description = "Поиск"), ("page" = Option<i64>, Query)),
    responses((status = 200, description = "Страница списка; библиотекарю — только своя школа")))]
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Librarian>>> {
    let mut c = st.db.conn().await?;
    Ok(Json(directory::list_librarians(&mut c.ex(), user.district()?, user.own_school_only(), &p.query()).await?))
}

#[derive(serde::Serialize)]
pub struct LibrarianWithCourses {
    #[serde(flatten)]
    librarian: Librarian,
    courses: Vec<Course>,
}

#[utoipa::path(get, path = "/api/librarians/{librarian}", tag = "Банк данных библиотекарей", params(("librarian" = i64, Path)),
    responses((status = 200, description = "Сведения и курсы"), (status = 404)))]
pub async fn api_get(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Json<LibrarianWithCourses>> {
    let mut c = st.db.conn().await?;
    let librarian = directory::get_librarian(&mut c.ex(), id).await?;
    let courses = directory::list_courses(&mut c.ex(), id).await?;
    Ok(Json(LibrarianWithCourses { librarian, courses }))
}

#[utoipa::path(put, path = "/api/librarians/{librarian}", tag = "Банк данных библиотекарей", params(("librarian" = i64, Path)),
    request_body = LibrarianInput,
    responses((status = 200, description = "Сведения изменены"), (status = 422, description = "Ошибки по полям")))]
pub async fn api_update(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(input): Json<LibrarianInput>,
) -> Result<Json<Librarian>> {
    save(&st, &user, Some(id), None, &input).await?;
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_librarian(&mut c.ex(), id).await?))
}
