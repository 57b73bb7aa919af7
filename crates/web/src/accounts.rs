//! Signing in and out, one-time invitation links, and the admin's districts and accounts.

use std::net::SocketAddr;
use std::sync::OnceLock;

use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;
use domain::{password, Role};
use serde::Deserialize;
use store::accounts::{self, NewUser, User};
use store::audit::{self, Change};
use store::directory::{self, District};

use crate::authz::{Ctx, CurrentUser, CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, Result};
use crate::views::Show;
use crate::AppState;

const SESSION_TTL_HOURS: i64 = 12;
const INVITE_TTL_DAYS: i64 = 7;
const MAX_FAILURES_PER_LOGIN: i64 = 5;
const MAX_FAILURES_PER_ADDRESS: i64 = 30;
const LOCKOUT_MINUTES: i64 = 15;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    login: String,
    next: String,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextParam {
    next: String,
}

pub async fn login_page(ctx: Ctx, axum::extract::Query(q): axum::extract::Query<NextParam>) -> Result<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(Html(LoginPage { ctx, login: String::new(), next: q.next, error: String::new() }.render()?).into_response())
}

/// A hash to verify against when the login does not exist, so both cases take the same time.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| password::hash("no such account"))
}

/// Where to go after signing in: only a path of this site, never another host (`//x`, `/\\x`,
/// or a control character that a browser drops to make `//x`).
fn safe_next(next: &str) -> &str {
    let plain = next.chars().all(|c| !c.is_control() && !c.is_whitespace() && c != '\\');
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/"
    }
}

/// Argon2 takes ~19 MiB and tens of milliseconds per check: run it off the async threads, a few at
/// a time, so a burst of sign-ins cannot starve the server or its memory.
async fn check_password(password: String, hash: String) -> bool {
    static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
    let _slot = SLOTS.acquire().await;
    tokio::task::spawn_blocking(move || password::verify(&password, &hash)).await.unwrap_or(false)
}

async fn hash_password(password: String) -> String {
    static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
    let _slot = SLOTS.acquire().await;
    tokio::task::spawn_blocking(move || password::hash(&password)).await.expect("hashing does not panic")
}

/// The client's address: the connection's, or behind a trusted proxy the first X-Forwarded-For.
fn client_ip(st: &AppState, addr: SocketAddr, headers: &axum::http::HeaderMap) -> String {
    if st.config.trust_proxy {
        if let Some(ip) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next())
        {
            return ip.trim().to_string();
        }
    }
    addr.ip().to_string()
}

/// A browser-session cookie (gone when the browser closes, which suits shared school computers);
/// the server ends the session after SESSION_TTL_HOURS anyway.
fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token)).path("/").http_only(true).secure(secure).same_site(SameSite::Lax).build()
}

/// Checks the password with rate limiting; the account on success, a Russian message otherwise.
async fn authenticate(st: &AppState, login: &str, pw: &str, ip: &str) -> Result<User> {
    let login = login.trim().to_lowercase();
    let login = login.as_str();
    let mut c = st.db.conn().await?;
    let since = store::now() - Duration::minutes(LOCKOUT_MINUTES);
    let (by_login, by_ip) = accounts::recent_failures(&mut c.ex(), login, ip, since).await?;
    if by_login >= MAX_FAILURES_PER_LOGIN || by_ip >= MAX_FAILURES_PER_ADDRESS {
        return Err(AppError::TooMany(format!(
            "Слишком много неудачных попыток входа. Вход временно закрыт — попробуйте через {LOCKOUT_MINUTES} минут."
        )));
    }
    let user = accounts::user_by_login(&mut c.ex(), login).await?.filter(|u| u.archived_at.is_none());
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = check_password(pw.to_string(), hash.clone().unwrap_or_else(|| dummy_hash().to_string())).await
        && hash.is_some();
    accounts::record_login_attempt(&mut c.ex(), login, ip, ok).await?;
    if ok {
        accounts::purge_expired(&mut c.ex()).await?;
    }
    match (ok, user) {
        (true, Some(u)) => Ok(u),
        _ => Err(AppError::Invalid("Неверный логин или пароль".into())),
    }
}

async fn start_session(st: &AppState, jar: CookieJar, user: &User) -> Result<(CookieJar, String)> {
    let mut c = st.db.conn().await?;
    let token = accounts::create_session(&mut c.ex(), user.id, Duration::hours(SESSION_TTL_HOURS)).await?;
    // A fresh CSRF token after signing in, so a token planted before cannot be used.
    let csrf = accounts::random_token();
    let csrf_cookie = Cookie::build((CSRF_COOKIE, csrf.clone()))
        .path("/")
        .http_only(true)
        .secure(st.config.secure_cookies)
        .same_site(SameSite::Strict)
        .build();
    Ok((jar.add(session_cookie(token, st.config.secure_cookies)).add(csrf_cookie), csrf))
}

pub async fn login(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> Result<Response> {
    match authenticate(&st, &f.login, &f.password, &client_ip(&st, addr, &headers)).await {
        Ok(user) => {
            let (jar, _) = start_session(&st, jar, &user).await?;
            tracing::info!(login = %user.login, "signed in");
            Ok((jar, Redirect::to(safe_next(&f.next))).into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::TooMany(_))) => {
            let status = e.status();
            let page = LoginPage { ctx, login: f.login, next: f.next, error: e.to_string() };
            Ok((status, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Ends the browser's session and drops its cookie.
async fn end_session(st: &AppState, jar: CookieJar) -> Result<CookieJar> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        let mut conn = st.db.conn().await?;
        accounts::delete_session(&mut conn.ex(), c.value()).await?;
    }
    Ok(jar.remove(Cookie::build(SESSION_COOKIE).path("/")))
}

pub async fn logout(State(st): State<AppState>, jar: CookieJar) -> Result<Response> {
    Ok((end_session(&st, jar).await?, Redirect::to("/login")).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApiLogin {
    login: String,
    password: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiSession {
    login: String,
    role: String,
    /// Send it back as the X-CSRF-Token header on every POST, PUT and DELETE.
    csrf_token: String,
}

/// Signs in; the session cookie comes back in Set-Cookie.
#[utoipa::path(post, path = "/api/sessions", tag = "Учётные записи", request_body = ApiLogin,
    responses((status = 200, body = ApiSession), (status = 422, description = "Неверный логин или пароль"), (status = 429, description = "Слишком много попыток")))]
pub async fn api_login(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    Json(f): Json<ApiLogin>,
) -> Result<Response> {
    let user = authenticate(&st, &f.login, &f.password, &client_ip(&st, addr, &headers)).await?;
    let (jar, csrf) = start_session(&st, jar, &user).await?;
    Ok((jar, Json(ApiSession { login: user.login, role: user.role, csrf_token: csrf })).into_response())
}

/// Signs out.
#[utoipa::path(delete, path = "/api/sessions/current", tag = "Учётные записи", responses((status = 204)))]
pub async fn api_logout(State(st): State<AppState>, jar: CookieJar) -> Result<Response> {
    Ok((end_session(&st, jar).await?, StatusCode::NO_CONTENT).into_response())
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    ctx: Ctx,
    user: User,
    error: String,
}

pub async fn invite_page(State(st): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let user = accounts::invite_user(&mut c.ex(), &token).await?.ok_or_else(|| {
        AppError::BadRequest("Ссылка-приглашение недействительна: она уже использована или истёк её срок. Попросите руководителя МО прислать новую.".into())
    })?;
    Ok(Html(InvitePage { ctx, user, error: String::new() }.render()?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetPassword {
    password: String,
    password2: String,
}

pub async fn invite_accept(
    State(st): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(f): Form<SetPassword>,
) -> Result<Response> {
    let mut tx = st.db.begin().await?;
    let user = accounts::invite_user(&mut tx.ex(), &token).await?.ok_or_else(|| {
        AppError::BadRequest("Ссылка-приглашение недействительна: она уже использована или истёк её срок.".into())
    })?;
    let problem = if f.password != f.password2 {
        Some("Пароли не совпадают")
    } else {
        password::weakness(&f.password)
    };
    if let Some(p) = problem {
        drop(tx);
        let page = InvitePage { ctx, user, error: p.to_string() };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    if !accounts::use_invite(&mut tx.ex(), &token).await? {
        return Err(AppError::BadRequest("Ссылка уже использована".into()));
    }
    accounts::set_password(&mut tx.ex(), user.id, &hash_password(f.password.clone()).await).await?;
    let actor = store::audit::Actor { user_id: Some(user.id), district_id: user.district_id };
    audit::record(
        &mut tx.ex(),
        &actor,
        Change {
            action: "password",
            entity: "user",
            entity_id: Some(user.id),
            district_id: user.district_id,
            summary: format!("{} задал(а) пароль по приглашению", user.full_name),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let (jar, _) = start_session(&st, jar, &user).await?;
    Ok((jar, Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "invite_created.html")]
struct InviteCreated {
    ctx: Ctx,
    user: User,
    link: String,
    back: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    login: String,
}

/// The head invites a librarian of the data bank: an account is made if there is none, and a
/// one-time link to set the password is shown (e-mail comes later).
pub async fn invite_librarian(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(librarian): Path<i64>,
    Form(f): Form<InviteForm>,
) -> Result<Html<String>> {
    let mut tx = st.db.begin().await?;
    let lib = directory::get_librarian(&mut tx.ex(), librarian).await?;
    if lib.archived_at.is_some() {
        return Err(AppError::Invalid("Сотрудник в архиве: сначала верните запись из архива".into()));
    }
    let account_id = match lib.user_id {
        Some(id) => id,
        None => {
            let login = f.login.trim();
            let id = accounts::create_user(
                &mut tx.ex(),
                NewUser {
                    login,
                    full_name: &lib.full_name,
                    email: &lib.email,
                    role: Role::Librarian,
                    district_id: Some(lib.district_id),
                    school_id: Some(lib.school_id),
                    password_hash: None,
                },
            )
            .await?;
            directory::link_librarian_user(&mut tx.ex(), lib.id, id).await?;
            id
        }
    };
    let token = accounts::create_invite(&mut tx.ex(), account_id, user.0.id, Duration::days(INVITE_TTL_DAYS)).await?;
    let account = accounts::user_by_id(&mut tx.ex(), account_id).await?;
    audit::record(
        &mut tx.ex(),
        &user.actor(),
        Change {
            action: "invite",
            entity: "user",
            entity_id: Some(account_id),
            district_id: Some(lib.district_id),
            summary: format!("Приглашение для {} (логин {})", lib.full_name, account.login),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let link = format!("{}/invite/{token}", st.config.public_url.trim_end_matches('/'));
    Ok(Html(InviteCreated { ctx, user: account, link, back: format!("/librarians/{}", lib.id) }.render()?))
}

#[derive(Template)]
#[template(path = "admin_districts.html")]
struct DistrictsPage {
    ctx: Ctx,
    districts: Vec<District>,
    error: String,
}

pub async fn districts_page(State(st): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let districts = directory::list_districts(&mut c.ex()).await?;
    Ok(Html(DistrictsPage { ctx, districts, error: String::new() }.render()?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DistrictForm {
    name: String,
    region: String,
}

pub async fn create_district(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(f): Form<DistrictForm>,
) -> Result<Response> {
    let mut tx = st.db.begin().await?;
    match directory::create_district(&mut tx.ex(), &user.actor(), &f.name, &f.region).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to("/admin/districts").into_response())
        }
        Err(store::Error::Invalid(m)) => {
            drop(tx);
            let mut c = st.db.conn().await?;
            let districts = directory::list_districts(&mut c.ex()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(DistrictsPage { ctx, districts, error: m }.render()?))
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<User>,
    districts: Vec<District>,
    error: String,
    link: String,
}

impl UsersPage {
    fn district_name(&self, id: &Option<i64>) -> String {
        self.districts.iter().find(|d| Some(d.id) == *id).map(|d| d.name.clone()).unwrap_or_default()
    }
}

async fn users_view(st: &AppState, ctx: Ctx, error: String, link: String) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let users = accounts::list_users(&mut c.ex(), None).await?;
    let districts = directory::list_districts(&mut c.ex()).await?;
    Ok(Html(UsersPage { ctx, users, districts, error, link }.render()?))
}

pub async fn users_page(State(st): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    users_view(&st, ctx, String::new(), String::new()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    login: String,
    full_name: String,
    email: String,
    role: String,
    district_id: String,
}

/// The admin makes a head, an observer or another admin, and gets their invitation link.
pub async fn create_user(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Form(f): Form<UserForm>,
) -> Result<Response> {
    let role = match Role::parse(&f.role) {
        Some(r @ (Role::Head | Role::Observer | Role::Admin)) => r,
        _ => {
            let msg = "Роль: выберите руководителя МО, управление образования или администратора (библиотекарей приглашает руководитель МО)";
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, users_view(&st, ctx, msg.into(), String::new()).await?)
                .into_response());
        }
    };
    let district_id = if role == Role::Admin { None } else { f.district_id.trim().parse().ok() };
    let mut problems = Vec::new();
    if f.full_name.trim().is_empty() {
        problems.push("ФИО: обязательное поле".to_string());
    }
    if role != Role::Admin {
        let mut c = st.db.conn().await?;
        let known = match district_id {
            Some(d) => directory::get_district(&mut c.ex(), d).await.is_ok(),
            None => false,
        };
        if !known {
            problems.push("Округ: выберите округ из списка".to_string());
        }
    }
    if !problems.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, users_view(&st, ctx, problems.join("; "), String::new()).await?)
            .into_response());
    }
    let mut tx = st.db.begin().await?;
    let created = accounts::create_user(
        &mut tx.ex(),
        NewUser {
            login: f.login.trim(),
            full_name: f.full_name.trim(),
            email: f.email.trim(),
            role,
            district_id,
            school_id: None,
            password_hash: None,
        },
    )
    .await;
    let id = match created {
        Ok(id) => id,
        Err(store::Error::Invalid(m)) => {
            drop(tx);
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, users_view(&st, ctx, m, String::new()).await?).into_response()
            );
        }
        Err(e) => return Err(e.into()),
    };
    let token = accounts::create_invite(&mut tx.ex(), id, user.0.id, Duration::days(INVITE_TTL_DAYS)).await?;
    audit::record(
        &mut tx.ex(),
        &user.actor(),
        Change {
            action: "create",
            entity: "user",
            entity_id: Some(id),
            district_id,
            summary: format!("Создана учётная запись {} ({})", f.login.trim(), role.title_ru()),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let link = format!("{}/invite/{token}", st.config.public_url.trim_end_matches('/'));
    Ok(users_view(&st, ctx, String::new(), link).await?.into_response())
}
