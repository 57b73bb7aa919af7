//! The OpenAPI document of the JSON API, and the signed-in account.

use axum::http::Method as M;
use axum::routing::get;
use axum::Json;
use serde::Serialize;
use utoipa::OpenApi;

use crate::authz::{Access, CsrfToken, CurrentUser, PUBLIC, SIGNED_IN};
use crate::directory::{librarians, passports, schools};
use crate::fund::{fpu, school as fund_school};
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
        fpu::api_list,
        fund_school::api_provision,
        fund_school::api_write_off,
        crate::planning::api_plan,
        crate::planning::api_start,
        crate::planning::api_add_event,
        crate::planning::meetings::api_add,
        crate::planning::meetings::api_add_item,
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
        accounts::ApiSession,
        store::fund::Listed,
        fpu::FpuPage,
        fund_school::WriteOffRequest,
        fund_school::WriteOffRequestLine
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The OpenAPI document and the route table name the same API operations.
    #[test]
    fn openapi_follows_the_route_table() {
        let doc = super::document();
        let mut documented = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            let ops = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            for (m, present) in ops {
                if present {
                    documented.insert(format!("{m} {path}"));
                }
            }
        }
        let routed: BTreeSet<String> = crate::routes::table()
            .iter()
            .filter(|r| r.path.starts_with("/api/") && r.path != "/api/openapi.json")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(documented, routed, "every API route is documented, and nothing else");
        for op in ["/api/schools", "/api/librarians/{librarian}", "/api/audit"] {
            let get = doc.paths.paths[op].get.as_ref().unwrap();
            let ok = get.responses.responses.get("200").unwrap();
            let json = serde_json::to_value(ok).unwrap();
            assert!(json.to_string().contains("#/components/schemas/"), "{op} answers with a schema: {json}");
        }
    }
}
