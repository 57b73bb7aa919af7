//! Signing in and out, one-time invitation and reset links, and the admin's districts and
//! accounts. The work itself is in `app::accounts`; here are the pages and cookies.

use std::net::SocketAddr;

use app::accounts::{self as acc, NewAccount, SignInError};
use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::Role;
use serde::Deserialize;
use store::accounts::{self, User};
use store::directory::{self, District};

use crate::authz::{self, Access, Ctx, CurrentUser, InDistrict, ADMIN, PUBLIC, SIGNED_IN};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::Show;

pub fn routes() -> Vec<RouteDef> {
    vec![
        r(M::GET, "/login", Access::to(PUBLIC), get(login_page)),
        r(M::POST, "/login", Access::to(PUBLIC), post(login)),
        r(M::POST, "/logout", Access::to(PUBLIC), post(logout)),
        r(M::GET, "/invite/{token}", Access::to(PUBLIC), get(invite_page)),
        r(M::POST, "/invite/{token}", Access::to(PUBLIC), post(invite_accept)),
        r(M::POST, "/notice/dismiss", Access::to(SIGNED_IN), post(dismiss_notice)),
        r(M::GET, "/admin/districts", Access::to(ADMIN), get(districts_page)),
        r(M::POST, "/admin/districts", Access::to(ADMIN), post(create_district)),
        r(M::GET, "/admin/users", Access::to(ADMIN), get(users_page)),
        r(M::POST, "/admin/users", Access::to(ADMIN), post(create_user)),
        r(M::POST, "/admin/users/{user}/reset", Access::to(ADMIN), post(reset_password)),
        r(M::POST, "/api/sessions", Access::to(PUBLIC), post(api_login)),
        r(M::DELETE, "/api/sessions/current", Access::to(SIGNED_IN), delete(api_logout)),
    ]
}

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
    let next: String = q.next.chars().take(500).collect();
    Ok(Html(LoginPage { ctx, login: String::new(), next, error: String::new() }.render()?).into_response())
}

/// Where to go after signing in: only a path of this site, never another host (`//x`, `/\\x`,
/// or a control character that a browser drops to make `//x`).
fn safe_next(next: &str) -> &str {
    let plain = next.chars().all(|c| !c.is_control() && !c.is_whitespace() && c != '\\');
    if plain && next.starts_with('/') && !next.starts_with("//") && next.len() <= 500 {
        next
    } else {
        "/"
    }
}

/// The client's address: the connection's, or behind a trusted proxy the last X-Forwarded-For
/// entry — the one that proxy added. Earlier entries are whatever the client wrote.
fn client_ip(st: &AppState, addr: SocketAddr, headers: &axum::http::HeaderMap) -> String {
    if st.config.trust_proxy {
        let last = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).last();
        if let Some(ip) = last.and_then(|v| v.rsplit(',').next()).map(str::trim).filter(|ip| !ip.is_empty()) {
            return ip.chars().take(64).collect();
        }
    }
    addr.ip().to_string()
}

fn sign_in_error(e: SignInError) -> AppError {
    match e {
        SignInError::Wrong => AppError::Invalid(e.to_string()),
        SignInError::Wait(_) => AppError::TooMany(e.to_string()),
        SignInError::Store(e) => e.into(),
    }
}

/// Opens a session, ending the one this browser had; the cookies carry the session and its
/// CSRF token (derived from it). A browser-session cookie suits shared school computers; the
/// server ends the session after its lifetime anyway.
async fn start_session(st: &AppState, jar: CookieJar, user: &User) -> Result<(CookieJar, String)> {
    let secure = st.config.secure_cookies;
    let previous = jar.get(authz::session_cookie_name(secure)).map(|c| c.value().to_string());
    let token = acc::start_session(&st.db, user, previous.as_deref()).await?;
    let csrf = authz::session_csrf(&token);
    let session = Cookie::build((authz::session_cookie_name(secure), token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build();
    Ok((jar.add(session).add(authz::csrf_cookie(csrf.clone(), secure)), csrf))
}

pub async fn login(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> Result<Response> {
    match acc::authenticate(&st.db, &f.login, &f.password, &client_ip(&st, addr, &headers)).await {
        Ok(user) => {
            let (jar, _) = start_session(&st, jar, &user).await?;
            tracing::info!(login = %user.login, "signed in");
            Ok((jar, Redirect::to(safe_next(&f.next))).into_response())
        }
        Err(SignInError::Store(e)) => Err(e.into()),
        Err(e) => {
            let e = sign_in_error(e);
            // Echo back only a short, cleaned login: never what a hostile form sent.
            let page = LoginPage {
                ctx,
                login: acc::login_key(&f.login),
                next: safe_next(&f.next).into(),
                error: e.to_string(),
            };
            Ok((e.status(), Html(page.render()?)).into_response())
        }
    }
}

pub async fn logout(State(st): State<AppState>, jar: CookieJar) -> Result<Response> {
    Ok((end_session(&st, jar).await?, Redirect::to("/login")).into_response())
}

async fn end_session(st: &AppState, jar: CookieJar) -> Result<CookieJar> {
    let name = authz::session_cookie_name(st.config.secure_cookies);
    if let Some(c) = jar.get(name) {
        acc::end_session(&st.db, c.value()).await?;
    }
    Ok(jar.remove(Cookie::build(name).path("/")))
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
    let user = acc::authenticate(&st.db, &f.login, &f.password, &client_ip(&st, addr, &headers))
        .await
        .map_err(sign_in_error)?;
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

fn dead_link() -> AppError {
    AppError::BadRequest(acc::DEAD_LINK.into())
}

pub async fn invite_page(State(st): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let user = accounts::invite_user(&mut c.ex(), &token).await?.ok_or_else(dead_link)?;
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
    match acc::accept_invite(&st.db, &token, &f.password, &f.password2).await.map_err(AppError::from) {
        Ok(user) => {
            let (jar, _) = start_session(&st, jar, &user).await?;
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(AppError::Fields(e)) => {
            let mut c = st.db.conn().await?;
            let user = accounts::invite_user(&mut c.ex(), &token).await?.ok_or_else(dead_link)?;
            let page = InvitePage { ctx, user, error: e.to_string() };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(AppError::Invalid(_)) => Err(dead_link()),
        Err(e) => Err(e),
    }
}

pub async fn dismiss_notice(State(st): State<AppState>, user: CurrentUser) -> Result<Redirect> {
    acc::dismiss_notice(&st.db, &user.0).await?;
    Ok(Redirect::to("/"))
}

#[derive(Template)]
#[template(path = "invite_created.html")]
struct InviteCreated {
    ctx: Ctx,
    user: User,
    link: String,
    back: String,
    reset: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    login: String,
}

fn link(st: &AppState, token: &str) -> String {
    format!("{}/invite/{token}", st.config.public_url.trim_end_matches('/'))
}

/// The head invites a librarian of the data bank who has no account yet; a refused login is
/// shown on the record's page with what was typed.
pub async fn invite_librarian(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(librarian): Path<i64>,
    Form(f): Form<InviteForm>,
) -> Result<Response> {
    match acc::invite_librarian(&st.db, &reach, librarian, &f.login).await.map_err(AppError::from) {
        Ok((account, token)) => {
            let page = InviteCreated {
                ctx,
                link: link(&st, &token),
                user: account,
                back: format!("/librarians/{librarian}"),
                reset: false,
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(AppError::Fields(e)) => {
            let typed: String = domain::text::clean(&f.login).chars().take(64).collect();
            let invite = (typed, e.to_string());
            let none = domain::FieldErrors::default();
            let course = domain::directory::CourseInput::default();
            crate::directory::librarians::show_page(&st, ctx, &reach, librarian, course, none, invite).await
        }
        Err(e) => Err(e),
    }
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
    match acc::create_district(&st.db, &user.actor(), &f.name, &f.region).await.map_err(AppError::from) {
        Ok(_) => Ok(Redirect::to("/admin/districts?saved=1").into_response()),
        Err(e @ (AppError::Fields(_) | AppError::Invalid(_))) => {
            let mut c = st.db.conn().await?;
            let districts = directory::list_districts(&mut c.ex()).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(DistrictsPage { ctx, districts, error: e.to_string() }.render()?),
            )
                .into_response())
        }
        Err(e) => Err(e),
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
    form: UserForm,
}

impl UsersPage {
    fn district_name(&self, id: &Option<i64>) -> String {
        self.districts.iter().find(|d| Some(d.id) == *id).map(|d| d.name.clone()).unwrap_or_default()
    }
}

async fn users_view(st: &AppState, ctx: Ctx, error: String, link: String, form: UserForm) -> Result<Response> {
    let mut c = st.db.conn().await?;
    let users = accounts::list_users(&mut c.ex(), None).await?;
    let districts = directory::list_districts(&mut c.ex()).await?;
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(UsersPage { ctx, users, districts, error, link, form }.render()?)).into_response())
}

pub async fn users_page(State(st): State<AppState>, ctx: Ctx) -> Result<Response> {
    users_view(&st, ctx, String::new(), String::new(), UserForm::default()).await
}

#[derive(Debug, Clone, Default, Deserialize)]
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
    let Some(role) = Role::parse(&f.role).filter(|r| *r != Role::Librarian) else {
        let msg = "Роль: выберите руководителя МО, управление образования или администратора (библиотекарей приглашает руководитель МО)";
        return users_view(&st, ctx, msg.into(), String::new(), f).await;
    };
    let account = NewAccount {
        login: f.login.clone(),
        full_name: f.full_name.clone(),
        email: f.email.clone(),
        role,
        district: f.district_id.trim().parse().ok(),
        password: None,
    };
    match acc::create_account(&st.db, &user.actor(), account).await.map_err(AppError::from) {
        Ok((_, token)) => {
            let link = token.map(|t| link(&st, &t)).unwrap_or_default();
            users_view(&st, ctx, String::new(), link, UserForm::default()).await
        }
        Err(e @ (AppError::Fields(_) | AppError::Invalid(_))) => {
            users_view(&st, ctx, e.to_string(), String::new(), f).await
        }
        Err(e) => Err(e),
    }
}

/// The admin resets an account's password: a new one-time link; the owner is told.
pub async fn reset_password(
    State(st): State<AppState>,
    ctx: Ctx,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (account, token) = acc::reset_password(&st.db, &admin.0, id).await?;
    let page = InviteCreated { ctx, link: link(&st, &token), user: account, back: "/admin/users".into(), reset: true };
    Ok(Html(page.render()?).into_response())
}
