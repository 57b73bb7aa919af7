//! The association's work: the plan with its events and indicators, its printouts and the
//! import of a Word plan; meetings (`meetings`), the calendar and its feed (`calendar`), the
//! annual analysis, professional development and contests (`review`). Everyone of the district
//! reads; the head writes.

pub mod calendar;
pub mod meetings;
pub mod review;

use app::planning::documents::{self, Layout, PlanBook};
use app::planning::import::{Review, Row};
use app::planning::{self as planning, EventInput, EVENT_STATUSES};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use domain::{FieldErrors, SchoolYear};
use serde::Deserialize;
use store::planning::{Event, Indicator, Plan, PlanText};
use store::scope::Kind;
use store::Reach;

use crate::authz::{Access, Ctx, InDistrict, Scope, DISTRICT, HEAD};
use crate::error::{AppError, Result};
use crate::fund::YearParam;
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::{self, all, one, pairs, years, Show};

pub fn routes() -> Vec<RouteDef> {
    let ev = Scope::District(Kind::PlanEvent, "event");
    vec![
        r(M::GET, "/plan", Access::to(DISTRICT), get(page)),
        r(M::POST, "/plan/start", Access::to(HEAD), post(start)),
        r(M::POST, "/plan/text", Access::to(HEAD), post(save_text)),
        r(M::POST, "/plan/close", Access::to(HEAD), post(close)),
        r(M::POST, "/plan/events", Access::to(HEAD), post(add_event)),
        r(M::GET, "/plan/events/{event}", Access::on(DISTRICT, ev), get(event_page)),
        r(M::POST, "/plan/events/{event}", Access::on(HEAD, ev), post(update_event)),
        r(M::POST, "/plan/events/{event}/delete", Access::on(HEAD, ev), post(delete_event)),
        r(M::POST, "/plan/indicators", Access::to(HEAD), post(save_indicators)),
        r(M::GET, "/plan/print", Access::to(DISTRICT), get(print)),
        r(M::GET, "/plan/plan.docx", Access::to(DISTRICT), get(docx)),
        r(M::GET, "/plan/import", Access::to(HEAD), get(import_page)),
        r(M::POST, "/plan/import", Access::to(HEAD).uploads(), post(import_upload)),
        r(M::POST, "/plan/import/commit", Access::to(HEAD).uploads(), post(import_commit)),
        r(M::GET, "/api/plan", Access::to(DISTRICT), get(api_plan)),
        r(M::POST, "/api/plan", Access::to(HEAD), post(api_start)),
        r(M::POST, "/api/plan/events", Access::to(HEAD), post(api_add_event)),
    ]
}

pub(crate) fn year_of(p: &[(String, String)]) -> Result<SchoolYear> {
    YearParam { year: one(p, "year") }.year()
}

/// Whether the i-th event opens a new section of the plan.
fn section_starts(events: &[Event], i: usize) -> bool {
    i == 0 || events.get(i - 1).map(|p| &p.section) != events.get(i).map(|e| &e.section)
}

pub fn status_title(code: &str) -> &'static str {
    app::planning::title_of(EVENT_STATUSES, code)
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    ctx: Ctx,
    year: SchoolYear,
    plan: Option<Plan>,
    events: Vec<Event>,
    indicators: Vec<Indicator>,
    has_last_year: bool,
    event: EventInput,
    text: PlanText,
    errors: FieldErrors,
    today: chrono::NaiveDate,
}

impl PlanPage {
    fn years(&self) -> Vec<SchoolYear> {
        years()
    }
    fn is_year(&self, y: &SchoolYear) -> bool {
        *y == self.year
    }
    fn can_edit(&self) -> bool {
        self.ctx.is("head") && self.plan.as_ref().is_some_and(|p| p.closed_at.is_none())
    }
    fn status(&self, e: &Event) -> &'static str {
        status_title(&e.status)
    }
    fn overdue(&self, e: &Event) -> bool {
        e.status == "planned" && e.deadline().is_overdue(self.today)
    }
    fn people(&self, e: &Event) -> String {
        planning::people_text(&e.people)
    }
    fn due(&self, e: &Event) -> String {
        e.deadline().display()
    }
    fn new_section(&self, i: &usize) -> bool {
        section_starts(&self.events, *i)
    }
    fn blank_indicators(&self) -> Vec<Indicator> {
        let mut v = self.indicators.clone();
        v.push(Indicator {
            id: 0,
            position: 0,
            task: String::new(),
            planned: String::new(),
            criterion: String::new(),
            target: None,
            actual: None,
        });
        v
    }
}

async fn plan_page(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    year: SchoolYear,
    event: EventInput,
    text: Option<PlanText>,
    errors: FieldErrors,
) -> Result<PlanPage> {
    let plan = planning::plan(&st.db, reach, year).await?;
    let has_last_year = planning::plan(&st.db, reach, year.prev()).await?.is_some();
    let (events, indicators) = match &plan {
        Some(p) => {
            let mut c = st.db.conn().await?;
            (store::planning::events(&mut c.ex(), p.id).await?, store::planning::indicators(&mut c.ex(), p.id).await?)
        }
        None => (vec![], vec![]),
    };
    let text = text.unwrap_or_else(|| plan.as_ref().map(planning::text_of).unwrap_or_default());
    Ok(PlanPage {
        ctx,
        year,
        plan,
        events,
        indicators,
        has_last_year,
        event,
        text,
        errors,
        today: domain::clock::today(),
    })
}

pub async fn page(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let p = plan_page(&st, ctx, &reach, q.year()?, EventInput::default(), None, FieldErrors::default()).await?;
    Ok(Html(p.render()?))
}

fn back(year: SchoolYear, anchor: &str) -> Redirect {
    Redirect::to(&format!("/plan?year={}&saved=1{anchor}", year.start_year()))
}

pub async fn start(State(st): State<AppState>, InDistrict(reach): InDistrict, body: Bytes) -> Result<Redirect> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    planning::start_plan(&st.db, &reach, year, one(&p, "copy") == "1").await?;
    Ok(back(year, ""))
}

fn text_from(p: &[(String, String)]) -> PlanText {
    PlanText {
        common_theme: one(p, "common_theme"),
        theme: one(p, "theme"),
        goal: one(p, "goal"),
        problem: one(p, "problem"),
        tasks: one(p, "tasks"),
        directions: one(p, "directions"),
        expected: one(p, "expected"),
        forms: one(p, "forms"),
    }
}

pub async fn save_text(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    let text = text_from(&p);
    match planning::save_text(&st.db, &reach, year, &text).await.map_err(AppError::from) {
        Ok(()) => Ok(back(year, "").into_response()),
        Err(AppError::Fields(errors)) => {
            let page = plan_page(&st, ctx, &reach, year, EventInput::default(), Some(text), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn close(State(st): State<AppState>, InDistrict(reach): InDistrict, body: Bytes) -> Result<Redirect> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    planning::set_closed(&st.db, &reach, year, one(&p, "reopen") != "1").await?;
    Ok(back(year, ""))
}

fn event_from(p: &[(String, String)]) -> EventInput {
    EventInput {
        section: one(p, "section"),
        content: one(p, "content"),
        due: one(p, "due"),
        responsible: one(p, "responsible"),
        status: one(p, "status"),
        result: one(p, "result"),
        evidence: one(p, "evidence"),
    }
}

pub async fn add_event(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    let input = event_from(&p);
    match planning::add_event(&st.db, &reach, year, &input).await.map_err(AppError::from) {
        Ok(_) => Ok(back(year, "#events").into_response()),
        Err(AppError::Fields(errors)) => {
            let page = plan_page(&st, ctx, &reach, year, input, None, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "plan_event.html")]
struct EventPage {
    ctx: Ctx,
    plan: Plan,
    event: Event,
    form: EventInput,
    errors: FieldErrors,
}

impl EventPage {
    fn statuses(&self) -> &'static [(&'static str, &'static str)] {
        EVENT_STATUSES
    }
    fn is_status(&self, code: &&str) -> bool {
        self.form.status == *code
    }
    fn can_edit(&self) -> bool {
        self.ctx.is("head") && self.plan.closed_at.is_none()
    }
    fn evidence(&self) -> Vec<String> {
        self.event.evidence.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
    }
    fn status(&self) -> &'static str {
        status_title(&self.event.status)
    }
    fn people(&self) -> String {
        planning::people_text(&self.event.people)
    }
}

fn form_of(e: &Event) -> EventInput {
    EventInput {
        section: e.section.clone(),
        content: e.content.clone(),
        due: e.deadline().display(),
        responsible: planning::people_lines(&e.people),
        status: e.status.clone(),
        result: e.result.clone(),
        evidence: e.evidence.clone(),
    }
}

pub async fn event_page(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let (plan, event) = planning::event(&st.db, &reach, id).await?;
    let form = form_of(&event);
    Ok(Html(EventPage { ctx, plan, event, form, errors: FieldErrors::default() }.render()?))
}

pub async fn update_event(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let form = event_from(&pairs(&body));
    match planning::update_event(&st.db, &reach, id, &form).await.map_err(AppError::from) {
        Ok(()) => Ok(Redirect::to(&format!("/plan/events/{id}?saved=1")).into_response()),
        Err(AppError::Fields(errors)) => {
            let (plan, event) = planning::event(&st.db, &reach, id).await?;
            let page = EventPage { ctx, plan, event, form, errors };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn delete_event(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Redirect> {
    let (plan, _) = planning::event(&st.db, &reach, id).await?;
    planning::delete_event(&st.db, &reach, id).await?;
    Ok(Redirect::to(&format!("/plan?year={}&saved=1#events", plan.school_year)))
}

pub async fn save_indicators(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    body: Bytes,
) -> Result<Redirect> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    let num = |s: &str| -> Result<Option<i64>> {
        let s = s.trim().replace(' ', "");
        if s.is_empty() {
            return Ok(None);
        }
        s.parse().map(Some).map_err(|_| AppError::Invalid(format!("Показатель: «{s}» — нужно целое число")))
    };
    let (tasks, planned, criteria, targets, actuals) =
        (all(&p, "task"), all(&p, "planned"), all(&p, "criterion"), all(&p, "target"), all(&p, "actual"));
    let mut rows = Vec::new();
    for (i, task) in tasks.iter().enumerate() {
        let at = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
        rows.push(Indicator {
            id: 0,
            position: 0,
            task: task.clone(),
            planned: at(&planned),
            criterion: at(&criteria),
            target: num(&at(&targets))?,
            actual: num(&at(&actuals))?,
        });
    }
    planning::save_indicators(&st.db, &reach, year, &rows).await?;
    Ok(back(year, "#indicators"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PrintParams {
    year: String,
    layout: String,
}

#[derive(Template)]
#[template(path = "plan_print.html")]
struct PrintPage {
    b: PlanBook,
    layout: Layout,
}

impl PrintPage {
    fn new_section(&self, i: &usize) -> bool {
        section_starts(&self.b.events, *i)
    }
    fn by_directions(&self) -> bool {
        self.layout == Layout::Directions
    }
    fn people(&self, e: &Event) -> String {
        planning::people_text(&e.people)
    }
    fn due(&self, e: &Event) -> String {
        e.deadline().display()
    }
    fn part(&self, agenda: &[store::planning::AgendaItem], part: &str) -> String {
        documents::part_text(agenda, part)
    }
    fn num(&self, n: &Option<i64>) -> String {
        views::num(n)
    }
}

pub async fn print(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(q): Query<PrintParams>,
) -> Result<Html<String>> {
    let year = YearParam { year: q.year }.year()?;
    let b = documents::book(&st.db, &reach, year).await?;
    Ok(Html(PrintPage { b, layout: Layout::parse(&q.layout) }.render()?))
}

pub async fn docx(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(q): Query<PrintParams>,
) -> Result<Response> {
    let year = YearParam { year: q.year }.year()?;
    let b = documents::book(&st.db, &reach, year).await?;
    let bytes = documents::plan_docx(&b, Layout::parse(&q.layout))?;
    Ok(views::docx(&format!("План работы МО {}.docx", year.to_string().replace('/', "-")), bytes))
}

// ---------------------------------------------------------------------------------------------
// Import of a Word plan
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plan_import.html")]
struct ImportPage {
    ctx: Ctx,
    year: SchoolYear,
    review: Option<Review>,
    problem: Option<String>,
    errors: FieldErrors,
}

impl ImportPage {
    fn years(&self) -> Vec<SchoolYear> {
        years()
    }
    fn is_year(&self, y: &SchoolYear) -> bool {
        *y == self.year
    }
    fn note(&self, i: &usize) -> (String, String) {
        self.review
            .as_ref()
            .and_then(|r| r.notes.get(*i))
            .map(|(p, m)| (p.clone().unwrap_or_default(), m.clone()))
            .unwrap_or_default()
    }
    fn is_meeting(&self, r: &Row) -> bool {
        r.kind == "meeting"
    }
    fn row_error(&self, i: &usize) -> String {
        let prefix = format!("rows[{i}].");
        self.errors
            .0
            .iter()
            .filter(|e| e.field.starts_with(&prefix))
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub async fn import_page(ctx: Ctx, Query(q): Query<YearParam>) -> Result<Html<String>> {
    let page = ImportPage { ctx, year: q.year()?, review: None, problem: None, errors: FieldErrors::default() };
    Ok(Html(page.render()?))
}

pub async fn import_upload(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
    mp: Multipart,
) -> Result<Response> {
    let year = q.year()?;
    let result = match crate::directory::uploaded_file(mp).await {
        Ok((name, bytes)) => {
            planning::import::read(&st.db, &reach, year, &bytes, &name).await.map_err(|e| e.to_string())
        }
        Err(app::imports::ImportError::Upload(m)) => Err(m),
        Err(_) => Err("Файл не получен: повторите загрузку".into()),
    };
    let (status, page) = match result {
        Ok(review) => (
            StatusCode::OK,
            ImportPage { ctx, year, review: Some(review), problem: None, errors: FieldErrors::default() },
        ),
        Err(problem) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ImportPage { ctx, year, review: None, problem: Some(problem), errors: FieldErrors::default() },
        ),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The review form's rows: parallel lists of the same length, one entry per row.
fn rows_from(p: &[(String, String)]) -> Vec<Row> {
    let cols = ["kind", "section", "content", "due", "responsible", "number", "place", "practice", "theory", "source"];
    let lists: Vec<Vec<String>> = cols.iter().map(|c| all(p, &format!("r_{c}"))).collect();
    let n = lists[0].len();
    (0..n)
        .map(|i| {
            let at = |k: usize| lists[k].get(i).cloned().unwrap_or_default();
            Row {
                kind: at(0),
                section: at(1),
                content: at(2),
                due: at(3),
                responsible: at(4),
                number: at(5),
                place: at(6),
                practice: at(7),
                theory: at(8),
                source: at(9),
            }
        })
        .collect()
}

pub async fn import_commit(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    let header = text_from(&p);
    let rows = rows_from(&p);
    match planning::import::commit(&st.db, &reach, year, &header, &rows).await.map_err(AppError::from) {
        Ok(_) => Ok(back(year, "#events").into_response()),
        Err(AppError::Fields(errors)) => {
            let notes = rows.iter().map(|_| (None, String::new())).collect();
            let review = Review { file: one(&p, "file"), header, rows, notes, warnings: vec![] };
            let page = ImportPage {
                ctx,
                year,
                review: Some(review),
                problem: Some("Ничего не записано: исправьте отмеченные строки или снимите их".into()),
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON API
// ---------------------------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/plan", tag = "План работы МО",
    params(("year" = Option<String>, Query, description = "Учебный год: 2025 или 2025/2026")),
    responses((status = 200, description = "План года: шапка, мероприятия, заседания с повесткой, показатели", body = Object),
        (status = 422, description = "Плана на этот год нет")))]
pub async fn api_plan(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Json<PlanBook>> {
    Ok(Json(documents::book(&st.db, &reach, q.year()?).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartRequest {
    pub year: String,
    pub copy_last_year: bool,
    #[serde(flatten)]
    pub text: PlanText,
}

#[utoipa::path(post, path = "/api/plan", tag = "План работы МО", request_body = Object,
    responses((status = 200, description = "План начат: его номер", body = i64),
        (status = 422, description = "План этого года уже есть или поля неверны")))]
pub async fn api_start(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Json(req): Json<StartRequest>,
) -> Result<Json<i64>> {
    let year = YearParam { year: req.year }.year()?;
    let id = planning::start_plan(&st.db, &reach, year, req.copy_last_year).await?;
    if req.text != PlanText::default() {
        planning::save_text(&st.db, &reach, year, &req.text).await?;
    }
    Ok(Json(id))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EventRequest {
    pub year: String,
    #[serde(flatten)]
    pub event: EventInput,
}

#[utoipa::path(post, path = "/api/plan/events", tag = "План работы МО", request_body = Object,
    responses((status = 200, description = "Мероприятие добавлено в конец плана: его номер", body = i64),
        (status = 422, description = "Ошибки по полям: срок, длина текста, статус")))]
pub async fn api_add_event(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Json(req): Json<EventRequest>,
) -> Result<Json<i64>> {
    let year = YearParam { year: req.year }.year()?;
    Ok(Json(planning::add_event(&st.db, &reach, year, &req.event).await?))
}
