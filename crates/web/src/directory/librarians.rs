//! The librarians' data bank: list, record with courses, forms, archive, XLSX import/export, API.
//! A librarian sees and edits only the records of their own school.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json};
use domain::directory::{CourseInput, LibrarianInput};
use domain::FieldErrors;
use formats::xlsx::{self, Cell};
use serde::Deserialize;
use store::directory::{self, Course, Librarian, School};
use store::scope::Kind;
use store::{ListQuery, Page, Reach};

use super::{ArchiveForm, ImportSpec};
use crate::authz::{Access, Ctx, InDistrict, Scope, DISTRICT, EDITORS, HEAD};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::Show;
use crate::views::{self, ListParams, ListView};

pub fn routes() -> Vec<RouteDef> {
    // A librarian reads the records of their own school and changes only their own.
    let school = Scope::School(Kind::Librarian, "librarian");
    let own = Scope::Own(Kind::Librarian, "librarian");
    let mut rows = vec![
        r(M::GET, "/librarians", Access::to(DISTRICT), get(list)),
        r(M::GET, "/librarians/export.xlsx", Access::to(DISTRICT), get(export)),
        r(M::GET, "/librarians/new", Access::to(HEAD), get(new_form)),
        r(M::POST, "/librarians", Access::to(HEAD), post(create)),
        r(M::GET, "/librarians/{librarian}", Access::on(DISTRICT, school), get(show)),
        r(M::GET, "/librarians/{librarian}/edit", Access::on(EDITORS, own), get(edit_form)),
        r(M::POST, "/librarians/{librarian}", Access::on(EDITORS, own), post(update)),
        r(M::POST, "/librarians/{librarian}/archive", Access::on(HEAD, school), post(archive)),
        r(M::POST, "/librarians/{librarian}/courses", Access::on(EDITORS, own), post(add_course)),
        r(M::POST, "/librarians/{librarian}/courses/{course}/delete", Access::on(EDITORS, own), post(delete_course)),
        r(M::POST, "/librarians/{librarian}/invite", Access::on(HEAD, school), post(crate::accounts::invite_librarian)),
        r(M::GET, "/api/librarians", Access::to(DISTRICT), get(api_list)),
        r(M::GET, "/api/librarians/{librarian}", Access::on(DISTRICT, school), get(api_get)),
        r(M::PUT, "/api/librarians/{librarian}", Access::on(EDITORS, own), put(api_update)),
    ];
    rows.extend(IMPORT.routes::<app::imports::Librarians>());
    rows
}

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
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let page = directory::list_librarians(&mut c.ex(), &reach, None, &p.query()).await?;
    let list = ListView::new("/librarians", p, &page);
    Ok(Html(ListPage { ctx, list, librarians: page.items }.render()?))
}

pub async fn export(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let page = directory::list_librarians(&mut c.ex(), &reach, None, &p.everything()).await?;
    let mut courses_of: std::collections::HashMap<i64, Vec<Course>> = std::collections::HashMap::new();
    for k in directory::courses_in_reach(&mut c.ex(), &reach).await? {
        courses_of.entry(k.librarian_id).or_default().push(k);
    }
    let mut rows = Vec::with_capacity(page.items.len());
    for l in &page.items {
        let courses = courses_of.remove(&l.id).unwrap_or_default();
        let courses = courses
            .iter()
            .map(|k| format!("{} ({} ч., {})", k.title, k.hours, domain::dates::format(k.end_date)))
            .collect::<Vec<_>>()
            .join("; ");
        let mut row = views::cells(&l.input());
        row.insert(1, Cell::Text(l.school_short_name.clone()));
        row.push(Cell::Text(courses));
        rows.push(row);
    }
    // The import's columns (the school after the name), and the courses.
    let mut headers = views::headers::<LibrarianInput>();
    headers.insert(1, "Школа");
    headers.push("Курсы повышения квалификации");
    let bytes = xlsx::write_table("Библиотекари", &headers, &rows, None)?;
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
    rows: Vec<views::FormRow>,
    errors: FieldErrors,
    schools: Vec<School>,
    /// A librarian keeps their school, category and attestation dates: the head sets them.
    head_fields_fixed: bool,
}

async fn form(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    id: Option<i64>,
    school_id: Option<i64>,
    input: LibrarianInput,
    errors: FieldErrors,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let schools = directory::list_schools(&mut c.ex(), reach, &ListQuery::all()).await?.items;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let fixed: &[&str] = if reach.is_head() { &[] } else { &app::directory::HEAD_ONLY };
    let rows = views::form_rows(&input, fixed);
    let page = FormPage { ctx, id, school_id, rows, errors, schools, head_fields_fixed: !reach.is_head() };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn new_form(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Response> {
    form(&st, ctx, &reach, None, p.school(), LibrarianInput::default(), FieldErrors::default()).await
}

/// Saves and goes to the record, or shows the form again with its messages.
async fn save_form(st: &AppState, ctx: Ctx, reach: &Reach, id: Option<i64>, f: LibrarianForm) -> Result<Response> {
    match app::directory::save_librarian(&st.db, reach, id, f.school(), &f.input).await.map_err(AppError::from) {
        Ok(id) => Ok(Redirect::to(&format!("/librarians/{id}?saved=1")).into_response()),
        Err(AppError::Fields(e)) => {
            let mut school = f.school();
            let mut input = f.input;
            if let (false, Some(id)) = (reach.is_head(), id) {
                // A librarian's form does not send what only the head sets: show the stored values.
                let mut c = st.db.conn().await?;
                let stored = directory::get_librarian(&mut c.ex(), &reach, id).await?;
                let kept = stored.input();
                (input.category, input.attestation_date, input.next_attestation_date) =
                    (kept.category, kept.attestation_date, kept.next_attestation_date);
                school = Some(stored.school_id);
            }
            form(st, ctx, reach, id, school, input, e).await
        }
        Err(e) => Err(e),
    }
}

pub async fn create(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Form(f): Form<LibrarianForm>,
) -> Result<Response> {
    save_form(&st, ctx, &reach, None, f).await
}

pub async fn edit_form(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let l = directory::get_librarian(&mut c.ex(), &reach, id).await?;
    drop(c);
    form(&st, ctx, &reach, Some(id), Some(l.school_id), l.input(), FieldErrors::default()).await
}

pub async fn update(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Form(f): Form<LibrarianForm>,
) -> Result<Response> {
    save_form(&st, ctx, &reach, Some(id), f).await
}

#[derive(Template)]
#[template(path = "librarian_show.html")]
struct ShowPage {
    ctx: Ctx,
    l: Librarian,
    facts: Vec<(&'static str, String)>,
    /// The form to add a course.
    course_rows: Vec<views::FormRow>,
    courses: Vec<Course>,
    total_hours: i64,
    can_edit: bool,
    is_head: bool,
    account_login: String,
    errors: FieldErrors,
    /// The login typed for an invitation that was refused, and why.
    invite_login: String,
    invite_error: String,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn show_page(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    id: i64,
    course: CourseInput,
    errors: FieldErrors,
    invite: (String, String),
) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let l = directory::get_librarian(&mut c.ex(), &reach, id).await?;
    let courses = directory::list_courses(&mut c.ex(), &reach, id).await?;
    let account_login = match l.user_id {
        Some(uid) => store::accounts::user_by_id(&mut c.ex(), uid).await?.login,
        None => String::new(),
    };
    // A course counts once it has ended: planned courses are listed but not yet summed.
    let today = domain::clock::today();
    let total_hours =
        courses.iter().filter(|c| domain::directory::counts_now(c.end_date, today)).map(|c| c.hours).sum();
    let ok = errors.is_empty() && invite.1.is_empty();
    let status = if ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let own = reach.user().is_some() && l.user_id == reach.user();
    let page = ShowPage {
        ctx,
        facts: views::facts(&l.input()),
        course_rows: views::form_rows(&course, &[]),
        can_edit: reach.is_head() || (reach.can_write() && own),
        is_head: reach.is_head(),
        invite_login: invite.0,
        invite_error: invite.1,
        l,
        courses,
        total_hours,
        account_login,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn show(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Response> {
    show_page(&st, ctx, &reach, id, CourseInput::default(), FieldErrors::default(), Default::default()).await
}

pub async fn archive(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Form(f): Form<ArchiveForm>,
) -> Result<Redirect> {
    app::directory::archive_librarian(&st.db, &reach, id, f.archived()).await?;
    Ok(Redirect::to(&format!("/librarians/{id}")))
}

pub async fn add_course(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Form(input): Form<CourseInput>,
) -> Result<Response> {
    match app::directory::add_course(&st.db, &reach, id, &input).await.map_err(AppError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/librarians/{id}?saved=1#courses")).into_response()),
        Err(AppError::Fields(e)) => show_page(&st, ctx, &reach, id, input, e, Default::default()).await,
        Err(e) => Err(e),
    }
}

pub async fn delete_course(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((id, course)): Path<(i64, i64)>,
) -> Result<Redirect> {
    app::directory::delete_course(&st.db, &reach, id, course).await?;
    Ok(Redirect::to(&format!("/librarians/{id}#courses")))
}

static IMPORT: ImportSpec = ImportSpec {
    title: "Импорт банка данных библиотекарей из XLSX",
    action: "/librarians/import",
    template_link: "/librarians/import/template.xlsx",
    template_name: "Шаблон импорта библиотекарей.xlsx",
    back: "/librarians",
    notes: &[
            "Школа: краткое наименование точно как в списке школ округа (например, «МБОУ СОШ № 1»).",
            "Квалификационная категория: без категории, соответствие занимаемой должности, первая, высшая, педагог-методист, педагог-наставник.",
            "Даты: ДД.ММ.ГГГГ. Если дата следующей аттестации пуста, она считается как дата аттестации + 5 лет (для первой и высшей категории).",
            "Согласия (152-ФЗ): дата, когда библиотекарь подписал(а) согласие; пусто — согласия нет.",
            "Библиотекарь, который уже есть в этой школе с теми же ФИО, будет обновлён; новый — добавлен.",
            "Если в файле есть ошибка, не записывается ничего: исправьте указанные ячейки и загрузите файл снова.",
        ],
};

// JSON API

#[utoipa::path(get, path = "/api/librarians", tag = "Банк данных библиотекарей",
    params(("q" = Option<String>, Query, description = "Поиск"), ("page" = Option<i64>, Query)),
    responses((status = 200, description = "Страница списка; библиотекарю — только своя школа", body = LibrarianPage)))]
pub async fn api_list(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Librarian>>> {
    let mut c = st.db.conn().await?;
    Ok(Json(directory::list_librarians(&mut c.ex(), &reach, None, &p.query()).await?))
}

/// A page of the data bank, as the API answers it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LibrarianPage {
    items: Vec<Librarian>,
    total: i64,
    page: i64,
    per_page: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LibrarianWithCourses {
    #[serde(flatten)]
    librarian: Librarian,
    courses: Vec<Course>,
}

#[utoipa::path(get, path = "/api/librarians/{librarian}", tag = "Банк данных библиотекарей", params(("librarian" = i64, Path)),
    responses((status = 200, description = "Сведения и курсы", body = LibrarianWithCourses), (status = 404)))]
pub async fn api_get(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Json<LibrarianWithCourses>> {
    let mut c = st.db.conn().await?;
    let librarian = directory::get_librarian(&mut c.ex(), &reach, id).await?;
    let courses = directory::list_courses(&mut c.ex(), &reach, id).await?;
    Ok(Json(LibrarianWithCourses { librarian, courses }))
}

#[utoipa::path(put, path = "/api/librarians/{librarian}", tag = "Банк данных библиотекарей", params(("librarian" = i64, Path)),
    request_body = LibrarianInput,
    responses((status = 200, description = "Сведения изменены", body = Librarian), (status = 422, description = "Ошибки по полям")))]
pub async fn api_update(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Json(input): Json<LibrarianInput>,
) -> Result<Json<Librarian>> {
    app::directory::save_librarian(&st.db, &reach, Some(id), None, &input).await?;
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_librarian(&mut c.ex(), &reach, id).await?))
}
