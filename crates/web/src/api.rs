//! The OpenAPI document of the JSON API, and the signed-in account.

use axum::http::Method as M;
use axum::routing::get;
use axum::Json;
use serde::Serialize;
use utoipa::OpenApi;

use crate::authz::{Access, CsrfToken, CurrentUser, PUBLIC, SIGNED_IN};
use crate::directory::{librarians, passports, schools};
use crate::routes::{r, RouteDef};
use crate::{accounts, audit};

pub fn routes() -> Vec<RouteDef> {
    vec![
        r(M::GET, "/api/openapi.json", Access::to(PUBLIC), get(openapi)),
        r(M::GET, "/api/me", Access::to(SIGNED_IN), get(me)),
    ]
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Библиосеть API",
        description = "JSON API информационной системы методического объединения школьных библиотекарей. \
            Любой GET (например, этого документа) ставит cookie bs_csrf; её значение — токен CSRF. \
            Каждый POST, PUT и DELETE, включая вход POST /api/sessions, несёт заголовок X-CSRF-Token с этим \
            значением. После входа токен новый: он приходит в ответе на вход (csrf_token) и в GET /api/me."
    ),
    paths(
        me,
        accounts::api_login,
        accounts::api_logout,
        schools::api_list,
        schools::api_get,
        schools::api_create,
        schools::api_update,
        passports::api_get,
        passports::api_put,
        librarians::api_list,
        librarians::api_get,
        librarians::api_update,
        audit::api_list,
    ),
    components(schemas(
        store::directory::School,
        store::directory::Librarian,
        store::directory::Course,
        store::directory::Passport,
        store::audit::Entry,
        schools::SchoolPage,
        librarians::LibrarianPage,
        librarians::LibrarianWithCourses,
        audit::EntryPage,
        domain::directory::SchoolInput,
        domain::directory::LibrarianInput,
        domain::directory::PassportInput,
        accounts::ApiLogin,
        accounts::ApiSession
    ))
)]
struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The document itself, for the check that it matches the route table.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: i64,
    login: String,
    full_name: String,
    role: String,
    district_id: Option<i64>,
    school_id: Option<i64>,
    csrf_token: String,
}

/// The signed-in account and the CSRF token to send with changes.
#[utoipa::path(get, path = "/api/me", tag = "Учётные записи", responses((status = 200, body = Me), (status = 401)))]
pub async fn me(user: CurrentUser, axum::Extension(csrf): axum::Extension<CsrfToken>) -> Json<Me> {
    let u = user.0;
    Json(Me {
        id: u.id,
        login: u.login,
        full_name: u.full_name,
        role: u.role,
        district_id: u.district_id,
        school_id: u.school_id,
        csrf_token: csrf.0,
    })
}
