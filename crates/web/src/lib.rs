//! The web front door: HTML pages in Russian and a JSON API, over one route table.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod authz;
pub mod compliance;
pub mod directory;
pub mod error;
pub mod fsem;
pub mod fund;
pub mod home;
pub mod planning;
pub mod routes;
pub mod state;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use store::Db;

use crate::authz::Ctx;
use crate::error::AppError;
pub use crate::state::{AppState, Config};

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
        .layer(from_fn(security_headers))
        .layer(DefaultBodyLimit::max(authz::MAX_UPLOAD))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::DEBUG))
                .on_request(())
                .on_response(log_response),
        )
        .with_state(state)
}

/// Requests are logged at DEBUG; slow ones at INFO, failed ones at WARN, so a busy day does not
/// fill the disk with lines nobody reads.
fn log_response(resp: &Response, latency: Duration, _: &tracing::Span) {
    let status = resp.status().as_u16();
    let ms = latency.as_millis() as u64;
    if status >= 500 {
        tracing::warn!(status, ms, "request failed");
    } else if ms >= 1000 {
        tracing::info!(status, ms, "slow request");
    } else {
        tracing::debug!(status, ms, "request");
    }
}

/// Headers every answer carries: no inline scripts or styles, no framing, no type sniffing, no
/// referrer to other sites, and nothing kept in the cache of a shared school computer.
async fn security_headers(req: Request, next: Next) -> Response {
    let cacheable = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    if !cacheable {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    resp
}

/// Serves until Ctrl-C; sessions and all state are in the database, so any number of processes
/// may serve one PostgreSQL database.
pub async fn serve(listener: tokio::net::TcpListener, db: Db, config: Config) -> std::io::Result<()> {
    tokio::spawn(purge_periodically(db.clone()));
    tokio::spawn(count_figures_periodically(db.clone()));
    tokio::spawn(run_jobs_periodically(db.clone()));
    let app = app(db, config);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// Forgets expired sessions, links and sign-in throttling every ten minutes.
async fn purge_periodically(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match app::accounts::purge(&db).await {
            Ok(n) if n > 0 => tracing::debug!(rows = n, "purged expired sessions and links"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purge of expired sessions failed"),
        }
    }
}

/// Counts every district's provision figures every ten minutes (the first time a minute after
/// start), so that the first report of a day, or after a change to many schools, finds them kept
/// instead of counting every school while someone waits (bench/RESULTS.md).
async fn count_figures_periodically(db: Db) {
    let start = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut tick = tokio::time::interval_at(start, Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = app::fund::count_every_district(&db).await {
            tracing::warn!(error = %e, "counting provision figures failed");
        }
    }
}

/// Runs the background jobs (see `app::jobs`) every half minute; a page that calls for a job also
/// starts a run at once.
async fn run_jobs_periodically(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        if let Err(e) = app::jobs::tick(&db).await {
            tracing::warn!(error = %e, "background jobs failed");
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
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
        413 => "Слишком большой запрос",
        422 => "Данные не приняты",
        429 => "Слишком много попыток",
        500 => "Ошибка сервера",
        _ => "Ошибка",
    };
    let page = ErrorPage { ctx, title, message: err.to_string() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, err.to_string()).into_response(),
    }
}
