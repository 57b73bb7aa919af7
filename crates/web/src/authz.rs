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
use sha2::{Digest, Sha256};
use store::accounts::{self, User};
use store::scope::{self, Kind, Parties};
use store::Reach;

use crate::error::AppError;
use crate::state::AppState;

pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest upload accepted (XLSX imports), on the routes marked [`Access::uploads`].
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;
/// The largest file a streamed upload takes (a library catalog: a union catalog of 300 000
/// records in ISO 2709 is about 200 MB).
pub const MAX_STREAMED: usize = 300 * 1024 * 1024;
/// Largest body of any other request: a form or a JSON record is a few kilobytes, and no field
/// is longer than a few hundred characters, so a megabyte-long «login» is refused unread.
pub const MAX_FORM: usize = 64 * 1024;

/// The session cookie's name; with Secure cookies the `__Host-` prefix also binds it to this
/// host and path, so a sibling subdomain cannot plant one.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-bs_session"
    } else {
        "bs_session"
    }
}

pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-bs_csrf"
    } else {
        "bs_csrf"
    }
}

/// The CSRF token of a session: derived from the session's secret, so a value made up by an
/// attacker (even sent as both cookie and header) is never the right one.
pub fn session_csrf(session_token: &str) -> String {
    Sha256::digest(format!("csrf:{session_token}").as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

/// Which record a route's path parameter names, and how far a librarian's reach goes on it.
/// Heads and observers reach every record of their district; nobody reaches another district.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    None,
    /// Anyone of the record's district (a school card is open to the whole district).
    District(Kind, &'static str),
    /// The district; a librarian only when their school is a party to the record.
    School(Kind, &'static str),
    /// The district; a librarian only for their own record.
    Own(Kind, &'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Roles that may use the route; empty means anyone, signed in or not.
    pub roles: &'static [Role],
    pub scope: Scope,
    /// The largest request body the route reads.
    pub max_body: usize,
    /// The handler reads the body as a stream (to a file): the guard does not buffer it, and the
    /// CSRF token comes in the `x-csrf-token` header or the `_csrf` query parameter.
    pub streams: bool,
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
        Access { roles, scope: Scope::None, max_body: MAX_FORM, streams: false }
    }
    pub const fn on(roles: &'static [Role], scope: Scope) -> Access {
        Access { roles, scope, max_body: MAX_FORM, streams: false }
    }
    /// The route takes a file upload.
    pub const fn uploads(self) -> Access {
        Access { max_body: MAX_UPLOAD, ..self }
    }
    /// The route streams a large file upload to disk (see `streams`).
    pub const fn streams_upload(self) -> Access {
        Access { max_body: MAX_STREAMED, streams: true, ..self }
    }
}

/// The signed-in account, put into the request by [`guard`].
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.0.role()
    }
    pub fn actor(&self) -> store::audit::Actor {
        store::audit::Actor { user_id: Some(self.0.id), district_id: self.0.district_id }
    }
}

/// What the caller may reach in their district, resolved once per request by [`guard`]; handlers
/// of district data take it and hand it to the store, which filters by it.
#[derive(Debug, Clone, Copy)]
pub struct InDistrict(pub Reach);

impl<S: Send + Sync> FromRequestParts<S> for InDistrict {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match (parts.extensions.get::<Reach>(), parts.extensions.get::<CurrentUser>()) {
            (Some(r), _) => Ok(InDistrict(*r)),
            (None, Some(_)) => Err(AppError::Forbidden("учётная запись не привязана к округу".into())),
            (None, None) => Err(AppError::Unauthorized),
        }
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

/// The parties of the record a scoped route names; None when there is no such record.
async fn target(ex: &mut store::Ex<'_>, scope: Scope, params: &RawPathParams) -> Result<Option<Parties>, AppError> {
    let (kind, name) = match scope {
        Scope::None => return Ok(None),
        Scope::District(k, p) | Scope::School(k, p) | Scope::Own(k, p) => (k, p),
    };
    let v = params.iter().find(|(k, _)| *k == name).map(|(_, v)| v).unwrap_or("");
    let id: i64 = v.parse().map_err(|_| AppError::NotFound)?;
    Ok(scope::parties(ex, kind, id).await?)
}

/// The decision itself, free of I/O: may `user` use a route with `access` on a record with
/// `parties`?
pub fn decide(user: Option<&User>, access: Access, write: bool, parties: Option<&Parties>) -> Result<(), AppError> {
    if access.roles.is_empty() {
        return Ok(());
    }
    let user = user.ok_or(AppError::Unauthorized)?;
    let role = user.role();
    if !access.roles.contains(&role) {
        return Err(AppError::Forbidden(match role {
            Role::Observer if write => "управление образования просматривает сведения округа, но не меняет их".into(),
            Role::Observer => "эта страница открыта руководителю МО".into(),
            Role::Librarian => "это доступно руководителю МО".into(),
            _ => "эта страница не для вашей роли".into(),
        }));
    }
    if access.scope == Scope::None {
        return Ok(());
    }
    let p = parties.ok_or(AppError::NotFound)?;
    if user.district_id != Some(p.district) {
        // Another district's records are not even acknowledged to exist.
        return Err(AppError::NotFound);
    }
    if role != Role::Librarian {
        return Ok(());
    }
    match access.scope {
        Scope::School(..) if !user.school_id.is_some_and(|s| p.schools.contains(&s)) => Err(AppError::Forbidden(
            "библиотекарь работает со сведениями только своей школы; карточки других школ округа открыты для просмотра"
                .into(),
        )),
        Scope::Own(..) if !p.people.contains(&user.id) => Err(AppError::Forbidden(
            "библиотекарь меняет только свою запись в банке данных; записи коллег меняет руководитель МО".into(),
        )),
        _ => Ok(()),
    }
}

fn same(a: &str, b: &str) -> bool {
    // Constant-time comparison, so the token cannot be guessed byte by byte from timings.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the body (at most `limit` bytes: a longer one is refused unread, by its declared length
/// when it has one) and finds the CSRF token a state-changing request carries: the header, or
/// the `_csrf` field of a form or multipart body. The body is put back for the handler.
async fn read_body(req: Request, limit: usize) -> Result<(Option<String>, Request), AppError> {
    let too_big = || {
        AppError::TooLarge(if limit >= MAX_UPLOAD {
            format!("Файл слишком большой: не более {} МБ", limit / (1024 * 1024))
        } else {
            "Запрос слишком большой: в полях формы слишком много текста".into()
        })
    };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_big());
    }
    let header_token = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, limit).await.map_err(|_| too_big())?;
    let token = if header_token.is_some() {
        header_token
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.chars().take(128).collect())
    } else if ct.starts_with("multipart/form-data") {
        // multer (the parser under axum's Multipart) reads the buffered body.
        let mut token = None;
        if let Ok(boundary) = multer::parse_boundary(&ct) {
            let body = bytes.clone();
            let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
            let mut mp = multer::Multipart::new(stream, boundary);
            while let Ok(Some(field)) = mp.next_field().await {
                if field.name() == Some(CSRF_FIELD) {
                    token = field.text().await.ok().map(|t| t.chars().take(128).collect());
                    break;
                }
            }
        }
        token
    } else {
        None
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
            let secure = st.config.secure_cookies;
            let user = match (jar.get(session_cookie_name(secure)), st.db.conn().await) {
                (Some(c), Ok(mut conn)) => accounts::session_user(&mut conn.ex(), c.value()).await.ok().flatten(),
                _ => None,
            };
            let csrf = jar.get(csrf_cookie_name(secure)).map(|c| c.value().to_string()).unwrap_or_default();
            resp.extensions_mut().insert(Ctx { user, csrf, saved: false });
            resp
        }
    }
}

pub fn csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((csrf_cookie_name(secure), token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
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
    let write = !method.is_safe();
    let access = st.access.get(&(method, matched.as_str().to_string())).copied().ok_or(AppError::MethodNotAllowed)?;
    let secure = st.config.secure_cookies;

    // The session, if this browser has one: every route but the static files and the health
    // check needs it, for the page's menu or for the CSRF token.
    let session = jar.get(session_cookie_name(secure)).map(|c| c.value().to_string());
    // One connection serves both lookups (the session, the record's parties) and goes back to the
    // pool before the handler runs.
    let mut conn = None;
    let user = match &session {
        Some(token) if !access.roles.is_empty() || write || req.uri().path() == "/login" => {
            let c = conn.insert(st.db.conn().await?);
            accounts::session_user(&mut c.ex(), token).await?
        }
        _ => None,
    };
    // Signed in, the token is derived from the session; before signing in it is a random value
    // kept in a cookie (double submit), which only the login and invitation forms use.
    let cookie = jar.get(csrf_cookie_name(secure)).map(|c| c.value().to_string());
    let (csrf, new_csrf) = match (&user, session.as_deref(), cookie) {
        (Some(_), Some(token), c) => {
            let t = session_csrf(token);
            let renew = (c.as_deref() != Some(t.as_str())).then(|| t.clone());
            (t, renew)
        }
        (_, _, Some(v)) if v.len() == 64 => (v, None),
        _ => {
            let t = accounts::random_token();
            (t.clone(), Some(t))
        }
    };
    let tgt = match (&user, access.scope) {
        (Some(_), scope) if scope != Scope::None && !access.roles.is_empty() => {
            let c = match conn.as_mut() {
                Some(c) => c,
                None => conn.insert(st.db.conn().await?),
            };
            target(&mut c.ex(), scope, params).await?
        }
        _ => None,
    };
    drop(conn);
    decide(user.as_ref(), access, write, tgt.as_ref())?;
    // Only a request that may go on has its body read: nobody makes the server hold an upload
    // for a route they may not use.
    if write && access.streams {
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|n| n > access.max_body) {
            return Err(AppError::TooLarge(format!(
                "Файл слишком большой: не более {} МБ",
                access.max_body / (1024 * 1024)
            )));
        }
        let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
            form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.chars().take(128).collect())
        });
        let fresh = new_csrf.is_some() && user.is_none();
        if fresh || !sent.is_some_and(|s| same(&s, &csrf)) {
            return Err(AppError::Stale);
        }
    } else if write {
        let (sent, r) = read_body(req, access.max_body).await?;
        req = r;
        let fresh = new_csrf.is_some() && user.is_none();
        if fresh || !sent.is_some_and(|s| same(&s, &csrf)) {
            return Err(AppError::Stale);
        }
    }
    if let Some(u) = user {
        if let Some(reach) = Reach::of(&u) {
            req.extensions_mut().insert(reach);
        }
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
            notice: String::new(),
        }
    }

    fn of(district: i64, school: i64, people: &[i64]) -> Parties {
        Parties { district, schools: vec![school], people: people.to_vec() }
    }

    #[test]
    fn librarian_edits_only_own_school_and_reads_district_cards() {
        let lib = user(Role::Librarian, Some(1), Some(10));
        let edit = Access::on(EDITORS, Scope::School(Kind::School, "school"));
        assert!(decide(Some(&lib), edit, true, Some(&of(1, 10, &[]))).is_ok());
        assert!(matches!(decide(Some(&lib), edit, true, Some(&of(1, 11, &[]))), Err(AppError::Forbidden(_))));
        let read = Access::on(DISTRICT, Scope::District(Kind::School, "school"));
        assert!(decide(Some(&lib), read, false, Some(&of(1, 11, &[]))).is_ok());
    }

    #[test]
    fn librarian_edits_only_own_record() {
        let lib = user(Role::Librarian, Some(1), Some(10));
        let own = Access::on(EDITORS, Scope::Own(Kind::Librarian, "librarian"));
        assert!(decide(Some(&lib), own, true, Some(&of(1, 10, &[1]))).is_ok());
        assert!(matches!(decide(Some(&lib), own, true, Some(&of(1, 10, &[2]))), Err(AppError::Forbidden(_))));
        let head = user(Role::Head, Some(1), None);
        assert!(decide(Some(&head), own, true, Some(&of(1, 10, &[2]))).is_ok());
    }

    #[test]
    fn nothing_crosses_districts_and_observer_never_writes() {
        let head = user(Role::Head, Some(1), None);
        let edit = Access::on(EDITORS, Scope::School(Kind::School, "school"));
        assert!(matches!(decide(Some(&head), edit, true, Some(&of(2, 20, &[]))), Err(AppError::NotFound)));
        let obs = user(Role::Observer, Some(1), None);
        let e = decide(Some(&obs), edit, true, Some(&of(1, 10, &[]))).unwrap_err();
        assert!(e.to_string().contains("не меняет"), "{e}");
        let audit = Access::to(HEAD);
        let e = decide(Some(&obs), audit, false, None).unwrap_err();
        assert!(!e.to_string().contains("меня"), "a page that only reads is not refused for writing: {e}");
        assert!(matches!(decide(None, edit, true, Some(&of(1, 10, &[]))), Err(AppError::Unauthorized)));
    }
}
