//! Checking a school's fund against the federal list of extremist materials: the school's page
//! (catalog upload with its progress, the check, the candidates to review, the journal, the
//! commission, the acts) and the district's overview for the head and the observer.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use formats::marc::Encoding;
use serde::Deserialize;
use store::catalog::{CatalogImport, Mapping};
use store::compliance::{self as checks, Act, Candidate, Check, Member, SchoolStatus, Settings};
use store::directory::{self, School};
use store::scope::Kind;
use store::Reach;

use crate::authz::{Access, Ctx, CurrentUser, InDistrict, Scope, DISTRICT, EDITORS, HEAD, OVERSIGHT};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::{self, Show};

pub fn routes() -> Vec<RouteDef> {
    let s = Scope::School(Kind::School, "school");
    vec![
        r(M::GET, "/schools/{school}/fsem", Access::on(DISTRICT, s), get(school_page)),
        r(M::POST, "/schools/{school}/fsem/catalog", Access::on(EDITORS, s).streams_upload(), post(upload)),
        r(M::POST, "/schools/{school}/fsem/check", Access::on(EDITORS, s), post(check)),
        r(M::POST, "/schools/{school}/fsem/candidates/{candidate}/confirm", Access::on(EDITORS, s), post(confirm)),
        r(M::POST, "/schools/{school}/fsem/candidates/{candidate}/dismiss", Access::on(EDITORS, s), post(dismiss)),
        r(M::POST, "/schools/{school}/fsem/commission", Access::on(EDITORS, s), post(commission)),
        r(M::GET, "/schools/{school}/fsem/checks/{check}", Access::on(DISTRICT, s), get(check_act)),
        r(M::GET, "/schools/{school}/fsem/checks/{check}/act.docx", Access::on(DISTRICT, s), get(check_act_docx)),
        r(M::GET, "/schools/{school}/fsem/acts/{act}", Access::on(DISTRICT, s), get(withdrawal_act)),
        r(M::GET, "/schools/{school}/fsem/acts/{act}/act.docx", Access::on(DISTRICT, s), get(withdrawal_act_docx)),
        r(M::POST, "/schools/{school}/fsem/acts/{act}/close", Access::on(EDITORS, s), post(close_act)),
        r(M::GET, "/fsem/district", Access::to(OVERSIGHT), get(district)),
        r(M::POST, "/fsem/district/settings", Access::to(HEAD), post(save_settings)),
    ]
}

fn may_edit(reach: &Reach, school: i64) -> bool {
    reach.can_write() && reach.school().is_none_or(|s| s == school)
}

/// Reasons a reviewer picks from, besides their own words.
pub const REASONS: &[&str] = &[
    "Другой автор: совпадает только название",
    "Другое произведение с похожим названием",
    "В списке не книга (песня, видеоролик, сайт, изображение)",
    "Другое издание: в списке указан иной материал",
];

#[derive(Template)]
#[template(path = "fsem_school.html")]
struct SchoolPage {
    ctx: Ctx,
    school: School,
    can_edit: bool,
    catalog: Option<CatalogImport>,
    latest: Option<CatalogImport>,
    mapping: Mapping,
    running: Option<Check>,
    open: Vec<Candidate>,
    decided: Vec<Candidate>,
    journal: Vec<Check>,
    acts: Vec<Act>,
    members: Vec<Member>,
    members_text: String,
    settings: Settings,
    has_list: bool,
    problems: Vec<String>,
    reasons: &'static [&'static str],
}

impl SchoolPage {
    /// The page refreshes itself while something is being read or matched.
    fn busy(&self) -> bool {
        self.running.is_some() || self.latest.as_ref().is_some_and(|l| l.is_reading())
    }
    /// The latest import failed (after the catalog in use, if any).
    fn failed(&self) -> Option<&CatalogImport> {
        self.latest.as_ref().filter(|l| l.state == "failed" || l.interrupted())
    }
    fn overdue(&self) -> bool {
        let last = self.journal.iter().find(|k| k.scope == "full" && k.state == "done").and_then(|k| k.finished_at);
        app::compliance::overdue(last, self.settings.fsem_every_days, domain::clock::today())
    }
    fn record(&self, c: &Candidate) -> String {
        app::compliance::record_text(c)
    }
    fn decision(&self, c: &Candidate) -> String {
        app::compliance::decision(c)
    }
    fn key(&self, c: &Candidate) -> String {
        app::compliance::shown_key(&c.record_key)
    }
    fn scope_name(&self, k: &Check) -> &'static str {
        if k.scope == "new" {
            "новые записи списка (автоматически)"
        } else {
            "весь список"
        }
    }
    fn upload_action(&self) -> String {
        format!("/schools/{}/fsem/catalog?_csrf={}", self.school.id, self.ctx.csrf)
    }
}

async fn render_school(st: &AppState, ctx: Ctx, reach: &Reach, school: i64, problems: Vec<String>) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let s = directory::get_school(&mut c.ex(), reach, school).await?;
    let catalog = store::catalog::current(&mut c.ex(), school).await?;
    let latest =
        store::catalog::latest(&mut c.ex(), school).await?.filter(|l| catalog.as_ref().is_none_or(|c| l.id > c.id));
    let mapping = store::catalog::mapping(&mut c.ex(), school).await?.unwrap_or_default();
    let journal = checks::journal(&mut c.ex(), school).await?;
    let running = journal.iter().find(|k| k.is_running()).cloned();
    let members = checks::commission(&mut c.ex(), school).await?;
    let members_text = members
        .iter()
        .map(|m| if m.post.is_empty() { m.name.clone() } else { format!("{}; {}", m.name, m.post) })
        .collect::<Vec<_>>()
        .join("\n");
    let page = SchoolPage {
        can_edit: may_edit(reach, school),
        catalog,
        latest,
        mapping,
        running,
        open: checks::open_candidates(&mut c.ex(), school).await?,
        decided: checks::decided(&mut c.ex(), school, 50).await?,
        journal,
        acts: checks::acts(&mut c.ex(), school).await?,
        members,
        members_text,
        settings: checks::settings(&mut c.ex(), reach.district()).await?,
        has_list: store::fsem::latest_version(&mut c.ex()).await?.is_some(),
        problems,
        reasons: REASONS,
        ctx,
        school: s,
    };
    let status = if page.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn school_page(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
) -> Result<Response> {
    render_school(&st, ctx, &reach, school, vec![]).await
}

fn back(school: i64) -> Response {
    Redirect::to(&format!("/schools/{school}/fsem")).into_response()
}

/// The upload is streamed to a temporary file (never held in memory), then read in the background;
/// the page shows the progress.
pub async fn upload(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    user: CurrentUser,
    Path(school): Path<i64>,
    mut mp: Multipart,
) -> Result<Response> {
    let mut options = app::catalog::Options::default();
    let mut file: Option<(String, std::path::PathBuf, u64)> = None;
    let mut problem = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                problem = Some(format!("Файл не получен целиком: {e}"));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name: String = field.file_name().unwrap_or("каталог").chars().take(200).collect();
            match save_upload(field).await {
                Ok((path, size)) if size > 0 => file = Some((file_name, path, size)),
                Ok((path, _)) => {
                    let _ = tokio::fs::remove_file(path).await;
                }
                Err(m) => {
                    problem = Some(m);
                    break;
                }
            }
            continue;
        }
        let value: String = field.text().await.unwrap_or_default().chars().take(200).collect();
        match name.as_str() {
            "encoding" => {
                options.encoding = match value.as_str() {
                    "utf8" => Encoding::Utf8,
                    "cp1251" => Encoding::Windows1251,
                    _ => Encoding::Auto,
                }
            }
            "id_column" => options.columns.id = value,
            "title_column" => options.columns.title = value,
            "author_column" => options.columns.author = value,
            _ => {}
        }
    }
    let Some((file_name, path, size)) = file.filter(|_| problem.is_none()) else {
        let m = problem.unwrap_or_else(|| "Выберите файл каталога".into());
        return render_school(&st, ctx, &reach, school, vec![m]).await;
    };
    let actor = user.actor();
    let id = match app::catalog::begin(&st.db, &actor, &reach, school, &file_name, size).await {
        Ok(id) => id,
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e.into());
        }
    };
    let db = st.db.clone();
    let district = reach.district();
    tokio::spawn(async move {
        if let Err(e) = app::catalog::run(&db, &actor, district, id, path, true, options).await {
            tracing::info!(import = id, error = ?e, "catalog import refused");
        }
    });
    Ok(back(school))
}

/// Writes an uploaded file to a temporary file chunk by chunk, within [`crate::authz::MAX_STREAMED`].
async fn save_upload(
    mut field: axum::extract::multipart::Field<'_>,
) -> std::result::Result<(std::path::PathBuf, u64), String> {
    use tokio::io::AsyncWriteExt;
    let path = std::env::temp_dir().join(format!("biblioset-catalog-{}", store::accounts::random_token()));
    let mut out = tokio::fs::File::create(&path).await.map_err(|e| format!("Файл не сохранён на сервере: {e}"))?;
    let mut size = 0u64;
    let result = async {
        while let Some(chunk) = field.chunk().await.map_err(|e| format!("Файл не получен целиком: {e}"))?
        {
            size += chunk.len() as u64;
            if size > crate::authz::MAX_STREAMED as u64 {
                return Err(format!(
                    "Файл слишком большой: не более {} МБ",
                    crate::authz::MAX_STREAMED / (1024 * 1024)
                ));
            }
            out.write_all(&chunk).await.map_err(|e| format!("Файл не сохранён на сервере: {e}"))?;
        }
        out.flush().await.map_err(|e| format!("Файл не сохранён на сервере: {e}"))?;
        Ok(size)
    }
    .await;
    match result {
        Ok(size) => Ok((path, size)),
        Err(m) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(m)
        }
    }
}

pub async fn check(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    user: CurrentUser,
    Path(school): Path<i64>,
) -> Result<Response> {
    let actor = user.actor();
    let id = match app::compliance::begin_check(&st.db, &actor, &reach, school).await {
        Ok(id) => id,
        Err(store::Error::Invalid(m)) => return render_school(&st, ctx, &reach, school, vec![m]).await,
        Err(e) => return Err(e.into()),
    };
    let db = st.db.clone();
    let district = reach.district();
    tokio::spawn(async move {
        if let Err(e) = app::compliance::run_check(&db, &actor, district, id).await {
            tracing::warn!(check = id, error = %e, "check failed");
        }
    });
    Ok(back(school))
}

pub async fn confirm(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    user: CurrentUser,
    Path((school, candidate)): Path<(i64, i64)>,
) -> Result<Response> {
    match app::compliance::confirm(&st.db, &user.actor(), &reach, school, candidate).await {
        Ok(_) => Ok(back(school)),
        Err(store::Error::Invalid(m)) => render_school(&st, ctx, &reach, school, vec![m]).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DismissForm {
    pub reason: String,
    pub other: String,
}

pub async fn dismiss(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    user: CurrentUser,
    Path((school, candidate)): Path<(i64, i64)>,
    Form(f): Form<DismissForm>,
) -> Result<Response> {
    let reason = if f.other.trim().is_empty() { f.reason } else { f.other };
    match app::compliance::dismiss(&st.db, &user.actor(), &reach, school, candidate, &reason).await {
        Ok(()) => Ok(back(school)),
        Err(store::Error::Invalid(m)) => render_school(&st, ctx, &reach, school, vec![m]).await,
        Err(store::Error::Fields(f)) => {
            render_school(&st, ctx, &reach, school, f.0.into_iter().map(|e| e.message).collect()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommissionForm {
    pub members: String,
}

pub async fn commission(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    user: CurrentUser,
    Path(school): Path<i64>,
    Form(f): Form<CommissionForm>,
) -> Result<Response> {
    match app::compliance::save_commission(&st.db, &user.actor(), &reach, school, &f.members).await {
        Ok(()) => Ok(back(school)),
        Err(store::Error::Fields(f)) => {
            render_school(&st, ctx, &reach, school, f.0.into_iter().map(|e| e.message).collect()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "fsem_check_act.html")]
struct CheckActPage {
    school: School,
    check: Check,
    lines: Vec<String>,
    found: Vec<Candidate>,
    members: Vec<Member>,
}

impl CheckActPage {
    fn record(&self, c: &Candidate) -> String {
        app::compliance::record_text(c)
    }
    fn decision(&self, c: &Candidate) -> String {
        app::compliance::decision(c)
    }
    fn date(&self) -> String {
        self.check.finished_at.map(|t| domain::dates::format(domain::clock::local(t).date())).unwrap_or_default()
    }
}

async fn check_parts(
    st: &AppState,
    reach: &Reach,
    school: i64,
    id: i64,
) -> Result<(School, Check, Vec<Candidate>, Vec<Member>)> {
    let mut c = st.db.conn().await?;
    let s = directory::get_school(&mut c.ex(), reach, school).await?;
    let check = checks::get_check(&mut c.ex(), school, id).await?;
    if check.state != "done" {
        return Err(AppError::Invalid("Сверка ещё не закончена: акт будет готов после неё".into()));
    }
    let found = checks::check_candidates(&mut c.ex(), school, id).await?;
    let members = checks::commission(&mut c.ex(), school).await?;
    Ok((s, check, found, members))
}

pub async fn check_act(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, id)): Path<(i64, i64)>,
) -> Result<Html<String>> {
    let (school, check, found, members) = check_parts(&st, &reach, school, id).await?;
    let lines = app::compliance::check_act_lines(&check, &found, &members);
    Ok(Html(CheckActPage { school, check, lines, found, members }.render()?))
}

pub async fn check_act_docx(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, id)): Path<(i64, i64)>,
) -> Result<Response> {
    let (school, check, found, members) = check_parts(&st, &reach, school, id).await?;
    let bytes = app::compliance::check_act_docx(&school, &check, &found, &members)?;
    Ok(views::docx(&format!("Акт сверки с ФСЭМ № {} {}.docx", check.id, school.short_name), bytes))
}

#[derive(Template)]
#[template(path = "fsem_withdrawal_act.html")]
struct WithdrawalPage {
    ctx: Ctx,
    school: School,
    act: Act,
    items: Vec<Candidate>,
    members: Vec<Member>,
    can_edit: bool,
}

impl WithdrawalPage {
    fn record(&self, c: &Candidate) -> String {
        app::compliance::record_text(c)
    }
    fn key(&self, c: &Candidate) -> String {
        app::compliance::shown_key(&c.record_key)
    }
    fn intro(&self) -> String {
        app::compliance::withdrawal_intro(self.items.len())
    }
}

async fn act_parts(
    st: &AppState,
    reach: &Reach,
    school: i64,
    id: i64,
) -> Result<(School, Act, Vec<Candidate>, Vec<Member>)> {
    let mut c = st.db.conn().await?;
    let s = directory::get_school(&mut c.ex(), reach, school).await?;
    let (act, items) = checks::act(&mut c.ex(), school, id).await?;
    let members = checks::commission(&mut c.ex(), school).await?;
    Ok((s, act, items, members))
}

pub async fn withdrawal_act(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path((school, id)): Path<(i64, i64)>,
) -> Result<Html<String>> {
    let (s, act, items, members) = act_parts(&st, &reach, school, id).await?;
    let can_edit = may_edit(&reach, school);
    Ok(Html(WithdrawalPage { ctx, school: s, act, items, members, can_edit }.render()?))
}

pub async fn withdrawal_act_docx(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, id)): Path<(i64, i64)>,
) -> Result<Response> {
    let (s, act, items, members) = act_parts(&st, &reach, school, id).await?;
    let bytes = app::compliance::withdrawal_act_docx(&s, &act, &items, &members)?;
    Ok(views::docx(&format!("Акт об изъятии № {} {}.docx", act.number, s.short_name), bytes))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    pub date: String,
}

pub async fn close_act(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    user: CurrentUser,
    Path((school, id)): Path<(i64, i64)>,
    Form(f): Form<CloseForm>,
) -> Result<Response> {
    app::compliance::close_act(&st.db, &user.actor(), &reach, school, id, &f.date).await?;
    Ok(Redirect::to(&format!("/schools/{school}/fsem/acts/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "fsem_district.html")]
struct DistrictPage {
    ctx: Ctx,
    schools: Vec<SchoolStatus>,
    settings: Settings,
    problems: Vec<String>,
    version: Option<store::fsem::FsemVersion>,
}

impl DistrictPage {
    fn overdue(&self, s: &SchoolStatus) -> bool {
        app::compliance::overdue(s.last_check, self.settings.fsem_every_days, domain::clock::today())
    }
    fn overdue_count(&self) -> usize {
        self.schools.iter().filter(|s| self.overdue(s)).count()
    }
    fn confirmed_total(&self) -> i64 {
        self.schools.iter().map(|s| s.confirmed).sum()
    }
    fn open_total(&self) -> i64 {
        self.schools.iter().map(|s| s.open).sum()
    }
    fn behind(&self, s: &SchoolStatus) -> bool {
        self.version.as_ref().is_some_and(|v| s.last_number.is_some_and(|n| n < v.last_number))
    }
}

async fn render_district(st: &AppState, ctx: Ctx, reach: &Reach, problems: Vec<String>) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let settings = checks::settings(&mut c.ex(), reach.district()).await?;
    let mut schools = checks::overview(&mut c.ex(), reach).await?;
    // Those that need the head's attention first: overdue, then with findings awaiting review.
    let today = domain::clock::today();
    schools.sort_by_key(|s| (!app::compliance::overdue(s.last_check, settings.fsem_every_days, today), -s.open));
    let page =
        DistrictPage { schools, settings, version: store::fsem::latest_version(&mut c.ex()).await?, problems, ctx };
    let status = if page.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn district(State(st): State<AppState>, ctx: Ctx, InDistrict(reach): InDistrict) -> Result<Response> {
    render_district(&st, ctx, &reach, vec![]).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub every_days: String,
    pub threshold: String,
}

pub async fn save_settings(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    user: CurrentUser,
    Form(f): Form<SettingsForm>,
) -> Result<Response> {
    match app::compliance::save_settings(&st.db, &user.actor(), &reach, &f.every_days, &f.threshold).await {
        Ok(()) => Ok(Redirect::to("/fsem/district").into_response()),
        Err(store::Error::Fields(f)) => {
            render_district(&st, ctx, &reach, f.0.into_iter().map(|e| e.message).collect()).await
        }
        Err(e) => Err(e.into()),
    }
}
