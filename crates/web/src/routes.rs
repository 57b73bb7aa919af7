//! The route table: every path, its method, who may use it, and its handler. Each area keeps
//! its own rows next to its handlers (`schools::routes()` …); this file only puts them together.
//! The router is built from the table and the access guard reads it, so a route cannot exist
//! without a rule, and the OpenAPI document is checked against its `/api/` rows.

use axum::http::Method;
use axum::routing::MethodRouter;

use crate::authz::Access;
use crate::directory::{librarians, passports, schools};
use crate::fund;
use crate::planning;
use crate::state::AppState;
use crate::{accounts, api, audit, compliance, fsem, home};

pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

pub fn r(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> RouteDef {
    RouteDef { method, path, access, handler }
}

pub fn table() -> Vec<RouteDef> {
    [
        home::routes(),
        accounts::routes(),
        schools::routes(),
        passports::routes(),
        librarians::routes(),
        fund::fpu::routes(),
        fsem::routes(),
        compliance::routes(),
        fund::school::routes(),
        fund::opening::routes(),
        fund::district::routes(),
        planning::routes(),
        planning::meetings::routes(),
        planning::calendar::routes(),
        planning::review::routes(),
        audit::routes(),
        api::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
