//! The web front door: HTML pages in Russian and a JSON API, over one route table.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod authz;
pub mod directory;
pub mod error;
pub mod home;
pub mod imports;
pub mod routes;
pub mod views;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use store::Db;

use crate::authz::{Access, Ctx};
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies Secure: on when the site is served over HTTPS (behind a proxy).
    pub secure_cookies: bool,
    /// How the site is reached from outside, for invitation links.
    pub public_url: String,
    /// Behind a load balancer: take the client's address from X-Forwarded-For (for the login
    /// rate limit). Off when clients connect directly, or they could forge it.
    pub trust_proxy: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub access: Arc<HashMap<(Method, String), Access>>,
}

/// The whole application: every route from the table, behind the access guard.
pub fn app(db: Db, config: Config) -> Router {
    let table = routes::table();
    let access = table.iter().map(|r| ((r.method.clone(), r.path.to_string()), r.access)).collect();
    let state = AppState { db, config: Arc::new(config), access: Arc::new(access) };
    let mut router = Router::new();
    for r in table {
        router = router.route(r.path, r.handler);
    }
    router
        .route_layer(from_fn_with_state(state.clone(), authz::guard))
        .fallback(|| async { AppError::NotFound })
        .layer(from_fn(render_errors))
        .layer(DefaultBodyLimit::max(authz::MAX_BODY))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

/// Serves until Ctrl-C; sessions and all state are in the database, so any number of processes
/// may serve one PostgreSQL database.
pub async fn serve(listener: tokio::net::TcpListener, db: Db, config: Config) -> std::io::Result<()> {
    let app = app(db, config);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    title: &'static str,
    message: String,
}

#[derive(serde::Serialize)]
struct ApiErrorBody {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<domain::FieldErrors>,
}

/// Turns an [`AppError`] left in a response into a Russian page, or JSON under /api/.
async fn render_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let plain_rejection = resp.status().is_client_error()
        && resp
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    let err = match resp.extensions().get::<AppError>().cloned() {
        Some(e) => e,
        // axum's own refusals (a malformed form, query or JSON body) speak English in plain text.
        None if plain_rejection => AppError::BadRequest(
            "Запрос не понят: данные пришли в неверном формате. Обновите страницу и повторите; для API сверьтесь с /api/openapi.json"
                .into(),
        ),
        None => return resp,
    };
    let status = if plain_rejection { resp.status() } else { err.status() };
    if api {
        let fields = if let AppError::Fields(f) = &err { Some(f.clone()) } else { None };
        return (status, Json(ApiErrorBody { error: err.to_string(), fields })).into_response();
    }
    let ctx = resp.extensions().get::<Ctx>().cloned().unwrap_or(Ctx { user: None, csrf: String::new(), saved: false });
    let title = match status.as_u16() {
        401 => "Нужно войти",
        403 if matches!(err, AppError::Stale) => "Страница устарела",
        403 => "Нет доступа",
        404 => "Не найдено",
        405 => "Неверный запрос",
        422 => "Данные не приняты",
        429 => "Слишком много попыток",
        500 => "Ошибка сервера",
        _ => "Ошибка",
    };
    let page = ErrorPage { ctx, status: status.as_u16(), title, message: err.to_string() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, err.to_string()).into_response(),
    }
}
