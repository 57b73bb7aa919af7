//! The route table: every path, its method, who may use it, and its handler. The router is
//! built from this table and the access guard reads it, so a route cannot exist without a rule.

use axum::http::Method;
use axum::routing::{delete, get, post, put, MethodRouter};

use crate::authz::{Access, Scope, ADMIN, DISTRICT, EDITORS, HEAD, OVERSIGHT, PUBLIC, SIGNED_IN};
use crate::directory::{librarians, passports, schools};
use crate::{accounts, api, audit, home, AppState};

pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

fn r(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> RouteDef {
    RouteDef { method, path, access, handler }
}

pub fn table() -> Vec<RouteDef> {
    use Method as M;
    let school = Scope::School("school");
    let school_card = Scope::DistrictOfSchool("school");
    let lib = Scope::Librarian("librarian");
    vec![
        r(M::GET, "/health", Access::to(PUBLIC), get(home::health)),
        r(M::GET, "/static/{file}", Access::to(PUBLIC), get(home::static_file)),
        r(M::GET, "/login", Access::to(PUBLIC), get(accounts::login_page)),
        r(M::POST, "/login", Access::to(PUBLIC), post(accounts::login)),
        r(M::GET, "/invite/{token}", Access::to(PUBLIC), get(accounts::invite_page)),
        r(M::POST, "/invite/{token}", Access::to(PUBLIC), post(accounts::invite_accept)),
        r(M::GET, "/", Access::to(SIGNED_IN), get(home::dashboard)),
        r(M::POST, "/logout", Access::to(PUBLIC), post(accounts::logout)),
        // Installation administration.
        r(M::GET, "/admin/districts", Access::to(ADMIN), get(accounts::districts_page)),
        r(M::POST, "/admin/districts", Access::to(ADMIN), post(accounts::create_district)),
        r(M::GET, "/admin/users", Access::to(ADMIN), get(accounts::users_page)),
        r(M::POST, "/admin/users", Access::to(ADMIN), post(accounts::create_user)),
        // Schools.
        r(M::GET, "/schools", Access::to(DISTRICT), get(schools::list)),
        r(M::GET, "/schools/export.xlsx", Access::to(DISTRICT), get(schools::export)),
        r(M::GET, "/schools/new", Access::to(HEAD), get(schools::new_form)),
        r(M::POST, "/schools", Access::to(HEAD), post(schools::create)),
        r(M::GET, "/schools/import", Access::to(HEAD), get(schools::import_page)),
        r(M::POST, "/schools/import", Access::to(HEAD), post(schools::import)),
        r(M::GET, "/schools/import/template.xlsx", Access::to(HEAD), get(schools::template)),
        r(M::GET, "/schools/{school}", Access::on(DISTRICT, school_card), get(schools::show)),
        r(M::GET, "/schools/{school}/edit", Access::on(EDITORS, school), get(schools::edit_form)),
        r(M::POST, "/schools/{school}", Access::on(EDITORS, school), post(schools::update)),
        r(M::POST, "/schools/{school}/archive", Access::on(HEAD, school), post(schools::archive)),
        // Library passports.
        r(M::GET, "/passports", Access::to(OVERSIGHT), get(passports::summary)),
        r(M::GET, "/passports/export.xlsx", Access::to(OVERSIGHT), get(passports::export)),
        r(M::GET, "/schools/{school}/passport", Access::on(DISTRICT, school), get(passports::show)),
        r(M::GET, "/schools/{school}/passport/{year}/edit", Access::on(EDITORS, school), get(passports::edit_form)),
        r(M::POST, "/schools/{school}/passport/{year}", Access::on(EDITORS, school), post(passports::save)),
        // The librarians' data bank.
        r(M::GET, "/librarians", Access::to(DISTRICT), get(librarians::list)),
        r(M::GET, "/librarians/export.xlsx", Access::to(DISTRICT), get(librarians::export)),
        r(M::GET, "/librarians/new", Access::to(HEAD), get(librarians::new_form)),
        r(M::POST, "/librarians", Access::to(HEAD), post(librarians::create)),
        r(M::GET, "/librarians/import", Access::to(HEAD), get(librarians::import_page)),
        r(M::POST, "/librarians/import", Access::to(HEAD), post(librarians::import)),
        r(M::GET, "/librarians/import/template.xlsx", Access::to(HEAD), get(librarians::template)),
        r(M::GET, "/librarians/{librarian}", Access::on(DISTRICT, lib), get(librarians::show)),
        r(M::GET, "/librarians/{librarian}/edit", Access::on(EDITORS, lib), get(librarians::edit_form)),
        r(M::POST, "/librarians/{librarian}", Access::on(EDITORS, lib), post(librarians::update)),
        r(M::POST, "/librarians/{librarian}/archive", Access::on(HEAD, lib), post(librarians::archive)),
        r(M::POST, "/librarians/{librarian}/courses", Access::on(EDITORS, lib), post(librarians::add_course)),
        r(
            M::POST,
            "/librarians/{librarian}/courses/{course}/delete",
            Access::on(EDITORS, lib),
            post(librarians::delete_course),
        ),
        r(M::POST, "/librarians/{librarian}/invite", Access::on(HEAD, lib), post(accounts::invite_librarian)),
        // The audit log.
        r(M::GET, "/audit", Access::to(HEAD), get(audit::page)),
        // JSON API.
        r(M::GET, "/api/openapi.json", Access::to(PUBLIC), get(api::openapi)),
        r(M::GET, "/api/me", Access::to(SIGNED_IN), get(api::me)),
        r(M::GET, "/api/schools", Access::to(DISTRICT), get(schools::api_list)),
        r(M::POST, "/api/schools", Access::to(HEAD), post(schools::api_create)),
        r(M::GET, "/api/schools/{school}", Access::on(DISTRICT, school_card), get(schools::api_get)),
        r(M::PUT, "/api/schools/{school}", Access::on(EDITORS, school), put(schools::api_update)),
        r(M::GET, "/api/schools/{school}/passports/{year}", Access::on(DISTRICT, school), get(passports::api_get)),
        r(M::PUT, "/api/schools/{school}/passports/{year}", Access::on(EDITORS, school), put(passports::api_put)),
        r(M::GET, "/api/librarians", Access::to(DISTRICT), get(librarians::api_list)),
        r(M::GET, "/api/librarians/{librarian}", Access::on(DISTRICT, lib), get(librarians::api_get)),
        r(M::PUT, "/api/librarians/{librarian}", Access::on(EDITORS, lib), put(librarians::api_update)),
        r(M::POST, "/api/sessions", Access::to(PUBLIC), post(accounts::api_login)),
        r(M::DELETE, "/api/sessions/current", Access::to(SIGNED_IN), delete(accounts::api_logout)),
        r(M::GET, "/api/audit", Access::to(HEAD), get(audit::api_list)),
    ]
}
