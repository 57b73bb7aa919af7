//! Meetings of the association: the year's list, one meeting with its agenda, speakers and
//! attendance, and its protocol (printable page and DOCX).

use app::planning::documents::{self, Protocol};
use app::planning::{self as planning, AgendaInput, MeetingInput, ATTENDANCE, MEETING_STATUSES, PARTS};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use domain::{FieldErrors, SchoolYear};
use serde::Deserialize;
use store::directory::{self, School};
use store::planning::{AgendaItem, Attendance, Meeting, Plan};
use store::scope::Kind;
use store::{ListQuery, Reach};

use super::year_of;
use crate::authz::{Access, Ctx, InDistrict, Scope, DISTRICT, HEAD};
use crate::error::{AppError, Result};
use crate::fund::YearParam;
use crate::routes::{r, RouteDef};
use crate::state::AppState;
#[allow(unused_imports)]
use crate::views::Show;
use crate::views::{one, pairs, years};

pub fn routes() -> Vec<RouteDef> {
    let m = Scope::District(Kind::Meeting, "meeting");
    vec![
        r(M::GET, "/meetings", Access::to(DISTRICT), get(list)),
        r(M::POST, "/meetings", Access::to(HEAD), post(add)),
        r(M::GET, "/meetings/{meeting}", Access::on(DISTRICT, m), get(show)),
        r(M::POST, "/meetings/{meeting}", Access::on(HEAD, m), post(update)),
        r(M::POST, "/meetings/{meeting}/agenda", Access::on(HEAD, m), post(add_item)),
        r(M::POST, "/meetings/{meeting}/agenda/{agenda_item}/delete", Access::on(HEAD, m), post(delete_item)),
        r(M::POST, "/meetings/{meeting}/attendance", Access::on(HEAD, m), post(attendance)),
        r(M::GET, "/meetings/{meeting}/protocol", Access::on(DISTRICT, m), get(protocol)),
        r(M::GET, "/meetings/{meeting}/protocol.docx", Access::on(DISTRICT, m), get(protocol_docx)),
        r(M::POST, "/api/plan/meetings", Access::to(HEAD), post(api_add)),
        r(M::POST, "/api/meetings/{meeting}/agenda", Access::on(HEAD, m), post(api_add_item)),
    ]
}

fn status_title(code: &str) -> &'static str {
    planning::title_of(MEETING_STATUSES, code)
}

async fn schools(st: &AppState, reach: &Reach) -> Result<Vec<School>> {
    let mut c = st.db.conn().await?;
    Ok(directory::list_schools(&mut c.ex(), reach, &ListQuery::all()).await?.items)
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    ctx: Ctx,
    year: SchoolYear,
    plan: Option<Plan>,
    meetings: Vec<Meeting>,
    schools: Vec<School>,
    form: MeetingInput,
    errors: FieldErrors,
}

impl ListPage {
    fn years(&self) -> Vec<SchoolYear> {
        years()
    }
    fn is_year(&self, y: &SchoolYear) -> bool {
        *y == self.year
    }
    fn status(&self, m: &Meeting) -> &'static str {
        status_title(&m.status)
    }
    fn can_edit(&self) -> bool {
        self.ctx.is("head") && self.plan.as_ref().is_some_and(|p| p.closed_at.is_none())
    }
    fn is_school(&self, s: &School) -> bool {
        self.form.school_id == Some(s.id)
    }
}

async fn list_page(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    year: SchoolYear,
    form: MeetingInput,
    errors: FieldErrors,
) -> Result<ListPage> {
    let plan = planning::plan(&st.db, reach, year).await?;
    let meetings = match &plan {
        Some(p) => {
            let mut c = st.db.conn().await?;
            store::planning::meetings(&mut c.ex(), p.id).await?
        }
        None => vec![],
    };
    Ok(ListPage { ctx, year, plan, meetings, schools: schools(st, reach).await?, form, errors })
}

pub async fn list(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let page = list_page(&st, ctx, &reach, q.year()?, MeetingInput::default(), FieldErrors::default()).await?;
    Ok(Html(page.render()?))
}

fn meeting_from(p: &[(String, String)]) -> MeetingInput {
    MeetingInput {
        number: one(p, "number"),
        date: one(p, "date"),
        time: one(p, "time"),
        school_id: one(p, "school_id").parse().ok(),
        place: one(p, "place"),
        topic: one(p, "topic"),
        goal: one(p, "goal"),
        form: one(p, "form"),
        materials: one(p, "materials"),
        decisions: one(p, "decisions"),
        status: one(p, "status"),
    }
}

pub async fn add(State(st): State<AppState>, ctx: Ctx, InDistrict(reach): InDistrict, body: Bytes) -> Result<Response> {
    let p = pairs(&body);
    let year = year_of(&p)?;
    let form = meeting_from(&p);
    match planning::add_meeting(&st.db, &reach, year, &form).await.map_err(AppError::from) {
        Ok(id) => Ok(Redirect::to(&format!("/meetings/{id}?saved=1")).into_response()),
        Err(AppError::Fields(errors)) => {
            let page = list_page(&st, ctx, &reach, year, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct ShowPage {
    ctx: Ctx,
    plan: Plan,
    meeting: Meeting,
    agenda: Vec<AgendaItem>,
    attendance: Vec<Attendance>,
    schools: Vec<School>,
    form: MeetingInput,
    item: AgendaInput,
    errors: FieldErrors,
    future: bool,
}

impl ShowPage {
    fn can_edit(&self) -> bool {
        self.ctx.is("head") && self.plan.closed_at.is_none()
    }
    fn status(&self) -> &'static str {
        status_title(&self.meeting.status)
    }
    fn statuses(&self) -> &'static [(&'static str, &'static str)] {
        MEETING_STATUSES
    }
    fn is_status(&self, code: &&str) -> bool {
        self.form.status == *code
    }
    fn parts(&self) -> &'static [(&'static str, &'static str)] {
        PARTS
    }
    fn part(&self, code: &str) -> &'static str {
        planning::title_of(PARTS, code)
    }
    fn people(&self, a: &AgendaItem) -> String {
        planning::people_text(&a.speakers)
    }
    fn is_school(&self, s: &School) -> bool {
        self.form.school_id == Some(s.id)
    }
    /// The marks this meeting may take: a plan before it, facts after.
    fn marks(&self) -> Vec<(&'static str, &'static str)> {
        ATTENDANCE.iter().copied().filter(|(c, _)| (*c == "expected") == self.future).collect()
    }
    fn marked(&self, a: &Attendance, code: &&str) -> bool {
        a.state.as_deref() == Some(*code)
    }
    fn mark(&self, a: &Attendance) -> &'static str {
        a.state.as_deref().map(|s| planning::title_of(ATTENDANCE, s)).unwrap_or("не отмечено")
    }
    fn date(&self) -> String {
        domain::dates::format(self.meeting.held_on)
    }
}

fn form_of(m: &Meeting) -> MeetingInput {
    MeetingInput {
        number: m.number.to_string(),
        date: domain::dates::format(m.held_on),
        time: m.starts_at.clone(),
        school_id: m.school_id,
        place: m.place.clone(),
        topic: m.topic.clone(),
        goal: m.goal.clone(),
        form: m.form.clone(),
        materials: m.materials.clone(),
        decisions: m.decisions.clone(),
        status: m.status.clone(),
    }
}

async fn show_page(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    id: i64,
    form: Option<MeetingInput>,
    item: AgendaInput,
    errors: FieldErrors,
) -> Result<ShowPage> {
    let (plan, meeting) = planning::meeting(&st.db, reach, id).await?;
    let (agenda, attendance) = {
        let mut c = st.db.conn().await?;
        (store::planning::agenda(&mut c.ex(), id).await?, store::planning::attendance(&mut c.ex(), reach, id).await?)
    };
    let form = form.unwrap_or_else(|| form_of(&meeting));
    let future = meeting.held_on > domain::clock::today();
    Ok(ShowPage {
        ctx,
        plan,
        meeting,
        agenda,
        attendance,
        schools: schools(st, reach).await?,
        form,
        item,
        errors,
        future,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let page = show_page(&st, ctx, &reach, id, None, AgendaInput::default(), FieldErrors::default()).await?;
    Ok(Html(page.render()?))
}

#[allow(clippy::too_many_arguments)]
async fn or_form(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    id: i64,
    result: app::Result<()>,
    form: Option<MeetingInput>,
    item: AgendaInput,
    anchor: &str,
) -> Result<Response> {
    match result.map_err(AppError::from) {
        Ok(()) => Ok(Redirect::to(&format!("/meetings/{id}?saved=1{anchor}")).into_response()),
        Err(AppError::Fields(errors)) => {
            let page = show_page(st, ctx, reach, id, form, item, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn update(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let form = meeting_from(&pairs(&body));
    let result = planning::update_meeting(&st.db, &reach, id, &form).await;
    or_form(&st, ctx, &reach, id, result, Some(form), AgendaInput::default(), "").await
}

pub async fn add_item(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let item = AgendaInput { title: one(&p, "title"), part: one(&p, "part"), speakers: one(&p, "speakers") };
    let result = planning::add_agenda_item(&st.db, &reach, id, &item).await.map(|_| ());
    or_form(&st, ctx, &reach, id, result, None, item, "#agenda").await
}

pub async fn delete_item(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((id, item)): Path<(i64, i64)>,
) -> Result<Redirect> {
    planning::delete_agenda_item(&st.db, &reach, id, item).await?;
    Ok(Redirect::to(&format!("/meetings/{id}?saved=1#agenda")))
}

pub async fn attendance(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let marks: Vec<(i64, String)> =
        pairs(&body).into_iter().filter_map(|(k, v)| Some((k.strip_prefix("mark_")?.parse().ok()?, v))).collect();
    let result = planning::mark_attendance(&st.db, &reach, id, &marks, domain::clock::today()).await;
    or_form(&st, ctx, &reach, id, result, None, AgendaInput::default(), "#attendance").await
}

#[derive(Template)]
#[template(path = "protocol.html")]
struct ProtocolPage {
    p: Protocol,
}

impl ProtocolPage {
    fn date(&self) -> String {
        domain::dates::format(self.p.meeting.held_on)
    }
    fn people(&self, a: &AgendaItem) -> String {
        planning::people_text(&a.speakers)
    }
    fn part(&self, code: &str) -> String {
        Protocol::part_title(code).to_lowercase()
    }
    fn lines(&self, s: &str) -> Vec<String> {
        s.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
    }
}

pub async fn protocol(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let p = documents::protocol(&st.db, &reach, id).await?;
    Ok(Html(ProtocolPage { p }.render()?))
}

pub async fn protocol_docx(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = documents::protocol(&st.db, &reach, id).await?;
    let name =
        format!("Протокол заседания МО № {} от {}.docx", p.meeting.number, domain::dates::format(p.meeting.held_on));
    Ok(crate::views::docx(&name, documents::protocol_docx(&p)?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeetingRequest {
    pub year: String,
    #[serde(flatten)]
    pub meeting: MeetingInput,
}

#[utoipa::path(post, path = "/api/plan/meetings", tag = "План работы МО", request_body = Object,
    responses((status = 200, description = "Заседание добавлено: его номер в системе", body = i64),
        (status = 422, description = "Ошибки по полям: дата вне учебного года, нет темы или места")))]
pub async fn api_add(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Json(req): Json<MeetingRequest>,
) -> Result<Json<i64>> {
    let year = YearParam { year: req.year }.year()?;
    Ok(Json(planning::add_meeting(&st.db, &reach, year, &req.meeting).await?))
}

#[utoipa::path(post, path = "/api/meetings/{meeting}/agenda", tag = "План работы МО", params(("meeting" = i64, Path)),
    request_body = Object,
    responses((status = 200, description = "Вопрос добавлен в повестку: его номер", body = i64)))]
pub async fn api_add_item(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(id): Path<i64>,
    Json(req): Json<AgendaInput>,
) -> Result<Json<i64>> {
    Ok(Json(planning::add_agenda_item(&st.db, &reach, id, &req).await?))
}
