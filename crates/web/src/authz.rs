//! Who may do what: the one place where access is decided. Every route in `routes.rs` carries an
//! [`Access`]; the [`guard`] middleware loads the session, checks the CSRF token on every
//! state-changing request, and applies the route's access before any handler runs.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::{header, request::Parts, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::Role;
use store::accounts::{self, User};
use store::directory;

use crate::error::AppError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "bs_session";
pub const CSRF_COOKIE: &str = "bs_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest upload accepted (XLSX imports).
pub const MAX_BODY: usize = 20 * 1024 * 1024;

/// Which record a route's path parameter names, and how far a role's reach goes on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    None,
    /// Any member of the school's district.
    DistrictOfSchool(&'static str),
    /// The school's district; a librarian only their own school.
    School(&'static str),
    /// The librarian record's district; a librarian only records of their own school.
    Librarian(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Roles that may use the route; empty means anyone, signed in or not.
    pub roles: &'static [Role],
    pub scope: Scope,
}

pub const PUBLIC: &[Role] = &[];
pub const SIGNED_IN: &[Role] = &[Role::Admin, Role::Head, Role::Librarian, Role::Observer];
pub const ADMIN: &[Role] = &[Role::Admin];
pub const DISTRICT: &[Role] = &[Role::Head, Role::Librarian, Role::Observer];
pub const OVERSIGHT: &[Role] = &[Role::Head, Role::Observer];
pub const EDITORS: &[Role] = &[Role::Head, Role::Librarian];
pub const HEAD: &[Role] = &[Role::Head];

impl Access {
    pub const fn to(roles: &'static [Role]) -> Access {
        Access { roles, scope: Scope::None }
    }
    pub const fn on(roles: &'static [Role], scope: Scope) -> Access {
        Access { roles, scope }
    }
}

/// The signed-in account, put into the request by [`guard`].
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.0.role()
    }
    /// The district of a district role; admin has none.
    pub fn district(&self) -> Result<i64, AppError> {
        self.0.district_id.ok_or_else(|| AppError::Forbidden("учётная запись не привязана к округу".into()))
    }
    /// The school a list must be narrowed to: a librarian sees only their own school's records.
    pub fn own_school_only(&self) -> Option<i64> {
        (self.role() == Role::Librarian).then(|| self.0.school_id.unwrap_or(-1))
    }
    pub fn can_edit_school(&self, school_id: i64) -> bool {
        match self.role() {
            Role::Head => true,
            Role::Librarian => self.0.school_id == Some(school_id),
            _ => false,
        }
    }
    pub fn is_head(&self) -> bool {
        self.role() == Role::Head
    }
    pub fn actor(&self) -> store::audit::Actor {
        store::audit::Actor { user_id: Some(self.0.id), district_id: self.0.district_id }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or(AppError::Unauthorized)
    }
}

/// The CSRF token of this browser, for forms (`_csrf` field) and scripts (X-CSRF-Token header).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The account and CSRF token every page template needs.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<User>,
    pub csrf: String,
    /// The page follows a successful save (`?saved=1`): it says so.
    pub saved: bool,
}

impl Ctx {
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(User::role)
    }
    pub fn is(&self, role: &str) -> bool {
        self.role().map(Role::as_str) == Some(role)
    }
    pub fn name(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.full_name.as_str())
    }
    pub fn role_title(&self) -> &'static str {
        self.role().map_or("", Role::title_ru)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            user: parts.extensions.get::<CurrentUser>().map(|u| u.0.clone()),
            csrf: parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
            saved: parts.uri.query().is_some_and(|q| q.split('&').any(|kv| kv == "saved=1")),
        })
    }
}

/// (district, school) a scoped route's record belongs to; None when there is no such record.
async fn target(st: &AppState, scope: Scope, params: &RawPathParams) -> Result<Option<(i64, i64)>, AppError> {
    let param = |name: &str| -> Result<i64, AppError> {
        let v = params.iter().find(|(k, _)| *k == name).map(|(_, v)| v).unwrap_or("");
        v.parse().map_err(|_| AppError::NotFound)
    };
    let mut c = st.db.conn().await?;
    Ok(match scope {
        Scope::None => None,
        Scope::DistrictOfSchool(p) | Scope::School(p) => {
            let id = param(p)?;
            directory::school_district(&mut c.ex(), id).await?.map(|d| (d, id))
        }
        Scope::Librarian(p) => directory::librarian_scope(&mut c.ex(), param(p)?).await?,
    })
}

/// The decision itself, free of I/O: may `user` use a route with `access` on `target`?
pub fn decide(user: Option<&User>, access: Access, target: Option<(i64, i64)>) -> Result<(), AppError> {
    if access.roles.is_empty() {
        return Ok(());
    }
    let user = user.ok_or(AppError::Unauthorized)?;
    let role = user.role();
    if !access.roles.contains(&role) {
        return Err(AppError::Forbidden(match role {
            Role::Observer => "у управления образования доступ только на чтение".into(),
            Role::Librarian => "это доступно руководителю МО".into(),
            _ => "эта страница не для вашей роли".into(),
        }));
    }
    if access.scope == Scope::None {
        return Ok(());
    }
    let (district, school) = target.ok_or(AppError::NotFound)?;
    if user.district_id != Some(district) {
        // Another district's records are not even acknowledged to exist.
        return Err(AppError::NotFound);
    }
    let own_school_only = role == Role::Librarian && !matches!(access.scope, Scope::DistrictOfSchool(_));
    if own_school_only && user.school_id != Some(school) {
        return Err(AppError::Forbidden(
            "библиотекарь работает со сведениями только своей школы; карточки других школ округа открыты для просмотра"
                .into(),
        ));
    }
    Ok(())
}

fn same(a: &str, b: &str) -> bool {
    // Constant-time comparison, so the token cannot be guessed byte by byte from timings.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Finds the CSRF token a state-changing request carries: the header, or the `_csrf` field of a
/// form or multipart body (read here and put back for the handler).
async fn sent_token(req: Request) -> Result<(Option<String>, Request), AppError> {
    if let Some(h) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let h = h.to_string();
        return Ok((Some(h), req));
    }
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let is_form = ct.starts_with("application/x-www-form-urlencoded");
    let is_multipart = ct.starts_with("multipart/form-data");
    if !is_form && !is_multipart {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| AppError::BadRequest("Файл слишком большой: не более 20 МБ".into()))?;
    let token = if is_form {
        form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned())
    } else {
        // multer (the parser under axum's Multipart) reads the buffered body up to the upload limit.
        let mut token = None;
        if let Ok(boundary) = multer::parse_boundary(&ct) {
            let body = bytes.clone();
            let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
            let mut mp = multer::Multipart::new(stream, boundary);
            while let Ok(Some(field)) = mp.next_field().await {
                if field.name() == Some(CSRF_FIELD) {
                    token = field.text().await.ok();
                    break;
                }
            }
        }
        token
    };
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

pub async fn guard(
    State(st): State<AppState>,
    matched: MatchedPath,
    params: RawPathParams,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let api = path.starts_with("/api/");
    match check(&st, &matched, &params, &jar, req).await {
        Ok((req, new_csrf)) => {
            let ctx = Ctx {
                user: req.extensions().get::<CurrentUser>().map(|u| u.0.clone()),
                csrf: req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
                saved: false,
            };
            let mut resp = next.run(req).await;
            if resp.extensions().get::<AppError>().is_some() {
                resp.extensions_mut().insert(ctx);
            }
            if let Some(token) = new_csrf {
                let c = csrf_cookie(token, st.config.secure_cookies);
                if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            resp
        }
        Err(AppError::Unauthorized) if !api && method == Method::GET => {
            let next = form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
        Err(e) => {
            // The error page keeps the menu of whoever is signed in.
            let mut resp = e.into_response();
            let user = match (jar.get(SESSION_COOKIE), st.db.conn().await) {
                (Some(c), Ok(mut conn)) => accounts::session_user(&mut conn.ex(), c.value()).await.ok().flatten(),
                _ => None,
            };
            let csrf = jar.get(CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
            resp.extensions_mut().insert(Ctx { user, csrf, saved: false });
            resp
        }
    }
}

fn csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, token)).path("/").http_only(true).secure(secure).same_site(SameSite::Strict).build()
}

async fn check(
    st: &AppState,
    matched: &MatchedPath,
    params: &RawPathParams,
    jar: &CookieJar,
    mut req: Request,
) -> Result<(Request, Option<String>), AppError> {
    // HEAD is answered by the GET handler, so it follows the GET rule.
    let method = if req.method() == Method::HEAD { Method::GET } else { req.method().clone() };
    let access = st.access.get(&(method, matched.as_str().to_string())).copied().ok_or(AppError::MethodNotAllowed)?;

    let (csrf, new_csrf) = match jar.get(CSRF_COOKIE).map(|c| c.value().to_string()) {
        Some(v) if v.len() == 64 => (v, None),
        _ => {
            let t = accounts::random_token();
            (t.clone(), Some(t))
        }
    };
    if !req.method().is_safe() {
        let (sent, r) = sent_token(req).await?;
        req = r;
        if new_csrf.is_some() || !sent.is_some_and(|s| same(&s, &csrf)) {
            return Err(AppError::Stale);
        }
    }

    let user = match jar.get(SESSION_COOKIE) {
        Some(c) if !access.roles.is_empty() || req.uri().path() == "/login" => {
            let mut conn = st.db.conn().await?;
            accounts::session_user(&mut conn.ex(), c.value()).await?
        }
        _ => None,
    };
    let tgt = if access.roles.is_empty() || user.is_none() { None } else { target(st, access.scope, params).await? };
    decide(user.as_ref(), access, tgt)?;
    if let Some(u) = user {
        req.extensions_mut().insert(CurrentUser(u));
    }
    req.extensions_mut().insert(CsrfToken(csrf));
    Ok((req, new_csrf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, district: Option<i64>, school: Option<i64>) -> User {
        User {
            id: 1,
            login: "u".into(),
            full_name: "У".into(),
            email: String::new(),
            role: role.as_str().into(),
            district_id: district,
            school_id: school,
            password_hash: None,
            created_at: chrono::Utc::now(),
            archived_at: None,
        }
    }

    #[test]
    fn librarian_edits_only_own_school_and_reads_district_cards() {
        let lib = user(Role::Librarian, Some(1), Some(10));
        let edit = Access::on(EDITORS, Scope::School("school"));
        assert!(decide(Some(&lib), edit, Some((1, 10))).is_ok());
        assert!(matches!(decide(Some(&lib), edit, Some((1, 11))), Err(AppError::Forbidden(_))));
        let read = Access::on(DISTRICT, Scope::DistrictOfSchool("school"));
        assert!(decide(Some(&lib), read, Some((1, 11))).is_ok());
    }

    #[test]
    fn nothing_crosses_districts_and_observer_never_writes() {
        let head = user(Role::Head, Some(1), None);
        let edit = Access::on(EDITORS, Scope::School("school"));
        assert!(matches!(decide(Some(&head), edit, Some((2, 20))), Err(AppError::NotFound)));
        let obs = user(Role::Observer, Some(1), None);
        assert!(matches!(decide(Some(&obs), edit, Some((1, 10))), Err(AppError::Forbidden(_))));
        assert!(matches!(decide(None, edit, Some((1, 10))), Err(AppError::Unauthorized)));
    }
}
