//! Library passports (паспортизация): one per school and school year; the district summary.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json};
use domain::directory::{PassportFields, PassportInput};
use domain::fields::Kind as FieldKind;
use domain::{FieldErrors, SchoolYear};
use formats::xlsx::{self, Cell};
use serde::Deserialize;
use store::directory::{self, Passport, PassportState, School};
use store::scope::Kind;
use store::{ListQuery, Reach};

use crate::authz::{Access, Ctx, InDistrict, Scope, DISTRICT, EDITORS, HEAD, OVERSIGHT};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views;
use crate::views::Show;

pub fn routes() -> Vec<RouteDef> {
    let school = Scope::School(Kind::School, "school");
    vec![
        r(M::GET, "/passports", Access::to(OVERSIGHT), get(summary)),
        r(M::GET, "/passports/export.xlsx", Access::to(OVERSIGHT), get(export)),
        r(M::GET, "/schools/{school}/passport", Access::on(DISTRICT, school), get(show)),
        r(M::GET, "/schools/{school}/passport/{year}/edit", Access::on(EDITORS, school), get(edit_form)),
        r(M::POST, "/schools/{school}/passport/{year}", Access::on(EDITORS, school), post(save)),
        r(M::POST, "/schools/{school}/passport/{year}/submit", Access::on(EDITORS, school), post(submit)),
        r(M::POST, "/schools/{school}/passport/{year}/accept", Access::on(HEAD, school), post(accept)),
        r(M::POST, "/schools/{school}/passport/{year}/return", Access::on(HEAD, school), post(send_back)),
        r(M::GET, "/api/schools/{school}/passports/{year}", Access::on(DISTRICT, school), get(api_get)),
        r(M::PUT, "/api/schools/{school}/passports/{year}", Access::on(EDITORS, school), put(api_put)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearParam {
    year: String,
}

impl YearParam {
    fn year(&self) -> Result<SchoolYear> {
        if self.year.trim().is_empty() {
            return Ok(SchoolYear::current());
        }
        parse_year(&self.year)
    }
}

fn parse_year(s: &str) -> Result<SchoolYear> {
    SchoolYear::parse(s)
        .ok_or_else(|| AppError::BadRequest(format!("Учебный год «{s}» не распознан; пример: 2025/2026")))
}

/// The passport as its card lists it (the figures; the internet flag is shown on its own).
fn rows(p: &PassportFields) -> Vec<(&'static str, String)> {
    views::facts(&p.input()).into_iter().filter(|(label, _)| !label.starts_with("Доступ в интернет")).collect()
}

#[derive(Template)]
#[template(path = "passport_show.html")]
struct ShowPage {
    ctx: Ctx,
    school: School,
    year: SchoolYear,
    years: Vec<SchoolYear>,
    passport: Option<Passport>,
    rows: Vec<(&'static str, String)>,
    /// The school may fill it: its own, of an open year, and a draft.
    can_edit: bool,
    can_submit: bool,
    is_head: bool,
}

pub async fn show(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let mut c = st.db.conn().await?;
    let s = directory::get_school(&mut c.ex(), &reach, school).await?;
    let passport = directory::get_passport(&mut c.ex(), &reach, school, year).await?;
    let mut years = directory::passport_years(&mut c.ex(), &reach, school).await?;
    if !years.contains(&SchoolYear::current()) {
        years.insert(0, SchoolYear::current());
    }
    let rows = rows(&passport.as_ref().map(Passport::fields).unwrap_or_default());
    let state = passport.as_ref().map_or(PassportState::Draft, Passport::state);
    let open = app::directory::check_passport_year(year).is_ok() && state == PassportState::Draft;
    let can_edit = reach.can_write() && reach.school().is_none_or(|s| s == school) && open;
    let page = ShowPage {
        ctx,
        can_submit: can_edit && passport.is_some(),
        can_edit,
        is_head: reach.is_head(),
        school: s,
        year,
        years,
        passport,
        rows,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "passport_form.html")]
struct FormPage {
    ctx: Ctx,
    school: School,
    year: SchoolYear,
    rows: Vec<views::FormRow>,
    errors: FieldErrors,
    copied_from: Option<SchoolYear>,
}

fn input_rows(i: &PassportInput) -> Vec<views::FormRow> {
    views::form_rows(i, &[])
}

pub async fn edit_form(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path((school, year)): Path<(i64, String)>,
) -> Result<Html<String>> {
    let year = parse_year(&year)?;
    app::directory::check_passport_year(year)?;
    let mut c = st.db.conn().await?;
    let s = directory::get_school(&mut c.ex(), &reach, school).await?;
    let (passport, copied_from) = match directory::get_passport(&mut c.ex(), &reach, school, year).await? {
        Some(p) if p.state() != PassportState::Draft => {
            return Err(AppError::Invalid(format!(
                "Паспорт за {year} уже сдан руководителю МО ({}) и не редактируется. Чтобы внести исправления, попросите руководителя вернуть его на доработку",
                p.state().title_ru()
            )))
        }
        Some(p) => (Some(p), None),
        // A new year starts from last year's figures: most of them change little.
        None => match directory::get_passport(&mut c.ex(), &reach, school, year.prev()).await? {
            Some(p) => (Some(p), Some(year.prev())),
            None => (None, None),
        },
    };
    let fields = passport.as_ref().map(Passport::fields).unwrap_or_default();
    let page = FormPage {
        ctx,
        school: s,
        year,
        rows: input_rows(&fields.input()),
        errors: FieldErrors::default(),
        copied_from,
    };
    Ok(Html(page.render()?))
}

pub async fn save(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path((school, year)): Path<(i64, String)>,
    Form(input): Form<PassportInput>,
) -> Result<Response> {
    let year = parse_year(&year)?;
    match app::directory::save_passport(&st.db, &reach, school, year, &input).await.map_err(AppError::from) {
        Ok(()) => {
            Ok(Redirect::to(&format!("/schools/{school}/passport?year={}&saved=1", year.start_year())).into_response())
        }
        Err(AppError::Fields(errors)) => {
            let mut c = st.db.conn().await?;
            let s = directory::get_school(&mut c.ex(), &reach, school).await?;
            let page = FormPage { ctx, school: s, year, rows: input_rows(&input), errors, copied_from: None };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn move_to(st: &AppState, reach: &Reach, school: i64, year: &str, to: PassportState) -> Result<Redirect> {
    let year = parse_year(year)?;
    app::directory::move_passport(&st.db, reach, school, year, to).await?;
    Ok(Redirect::to(&format!("/schools/{school}/passport?year={}&saved=1", year.start_year())))
}

pub async fn submit(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, year)): Path<(i64, String)>,
) -> Result<Redirect> {
    move_to(&st, &reach, school, &year, PassportState::Submitted).await
}

pub async fn accept(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, year)): Path<(i64, String)>,
) -> Result<Redirect> {
    move_to(&st, &reach, school, &year, PassportState::Accepted).await
}

pub async fn send_back(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, year)): Path<(i64, String)>,
) -> Result<Redirect> {
    move_to(&st, &reach, school, &year, PassportState::Draft).await
}

/// One line of the district summary: a school and its passport for the year, if filled.
pub struct SummaryRow {
    pub school: School,
    pub passport: Option<Passport>,
}

#[derive(Template)]
#[template(path = "passports_summary.html")]
struct SummaryPage {
    ctx: Ctx,
    year: SchoolYear,
    lines: Vec<SummaryRow>,
    totals: PassportFields,
    filled: usize,
    accepted: usize,
}

async fn summary_rows(st: &AppState, reach: &Reach, year: SchoolYear) -> Result<(Vec<SummaryRow>, PassportFields)> {
    let mut c = st.db.conn().await?;
    let schools = directory::list_schools(&mut c.ex(), reach, &ListQuery::all()).await?.items;
    let passports = directory::district_passports(&mut c.ex(), reach, year).await?;
    let mut totals = PassportFields::default();
    let add = |a: &mut Option<i64>, b: Option<i64>| *a = Some(a.unwrap_or(0) + b.unwrap_or(0));
    let lines: Vec<SummaryRow> = schools
        .into_iter()
        .map(|school| {
            let passport = passports.iter().find(|p| p.school_id == school.id).cloned();
            if let Some(p) = &passport {
                add(&mut totals.fund_main, p.fields.fund_main);
                add(&mut totals.fund_textbooks, p.fields.fund_textbooks);
                add(&mut totals.fund_fiction, p.fields.fund_fiction);
                add(&mut totals.readers, p.fields.readers);
                add(&mut totals.visits, p.fields.visits);
                add(&mut totals.loans, p.fields.loans);
                add(&mut totals.computers, p.fields.computers);
                add(&mut totals.staff, p.fields.staff);
            }
            SummaryRow { school, passport }
        })
        .collect();
    Ok((lines, totals))
}

pub async fn summary(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let (lines, totals) = summary_rows(&st, &reach, year).await?;
    let filled = lines.iter().filter(|l| l.passport.is_some()).count();
    let accepted =
        lines.iter().filter(|l| l.passport.as_ref().is_some_and(|p| p.state() == PassportState::Accepted)).count();
    Ok(Html(SummaryPage { ctx, year, lines, totals, filled, accepted }.render()?))
}

pub async fn export(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Response> {
    let year = q.year()?;
    let (lines, totals) = summary_rows(&st, &reach, year).await?;
    // The passport's declared fields, as on the page, with the school and the state first.
    let mut headers = vec!["Школа", "Состояние"];
    headers.extend(views::headers::<PassportInput>());
    let mut data: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            let mut r = vec![Cell::Text(l.school.short_name.clone())];
            match &l.passport {
                Some(p) => {
                    r.push(Cell::Text(p.state().title_ru().into()));
                    r.extend(views::cells(&p.fields.input()));
                }
                None => r.push(Cell::Text("не заполнен".into())),
            }
            r
        })
        .collect();
    // The same «Итого» row as the page (the flag and the figures not summed stay empty).
    let mut total = vec![Cell::Text("Итого".into()), Cell::Text(String::new())];
    let mut sums = views::cells(&totals.input());
    if let Some(i) = PassportInput::FIELDS.iter().position(|f| matches!(f.kind, FieldKind::Flag)) {
        sums[i] = Cell::Text(String::new());
    }
    total.extend(sums);
    data.push(total);
    let bytes = xlsx::write_table(&format!("Паспорта {}", year.to_string().replace('/', "-")), &headers, &data, None)?;
    Ok(views::xlsx(&format!("Паспорта библиотек {}.xlsx", year.to_string().replace('/', "-")), bytes))
}

// JSON API

#[utoipa::path(get, path = "/api/schools/{school}/passports/{year}", tag = "Паспорта библиотек",
    params(("school" = i64, Path), ("year" = String, Path, description = "Учебный год: 2025 или 2025-2026")),
    responses((status = 200, description = "Паспорт", body = Passport), (status = 404, description = "Паспорт за этот год не заполнен")))]
pub async fn api_get(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, year)): Path<(i64, String)>,
) -> Result<Json<Passport>> {
    let year = parse_year(&year)?;
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_passport(&mut c.ex(), &reach, school, year).await?.ok_or(AppError::NotFound)?))
}

#[utoipa::path(put, path = "/api/schools/{school}/passports/{year}", tag = "Паспорта библиотек",
    params(("school" = i64, Path), ("year" = String, Path)), request_body = PassportInput,
    responses((status = 200, description = "Паспорт сохранён", body = Passport), (status = 422, description = "Ошибки по полям")))]
pub async fn api_put(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, year)): Path<(i64, String)>,
    Json(input): Json<PassportInput>,
) -> Result<Json<Passport>> {
    let year = parse_year(&year)?;
    app::directory::save_passport(&st.db, &reach, school, year, &input).await?;
    let mut c = st.db.conn().await?;
    Ok(Json(directory::get_passport(&mut c.ex(), &reach, school, year).await?.ok_or(AppError::NotFound)?))
}
