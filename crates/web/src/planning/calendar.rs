//! The month calendar of every role and the iCalendar feed: a secret address per account that a
//! calendar program polls without signing in; making a new one or revoking ends the old.

use app::planning::calendar::{self, Entry, Month};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use store::{directory, Reach};

use crate::authz::{Access, Ctx, CurrentUser, InDistrict, DISTRICT, PUBLIC};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;

pub fn routes() -> Vec<RouteDef> {
    vec![
        r(M::GET, "/calendar", Access::to(DISTRICT), get(page)),
        r(M::POST, "/calendar/feed", Access::to(DISTRICT), post(new_feed)),
        r(M::POST, "/calendar/feed/revoke", Access::to(DISTRICT), post(revoke_feed)),
        r(M::GET, "/ics/{token}", Access::to(PUBLIC), get(feed)),
    ]
}

const MONTHS: [&str; 12] = [
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonthParam {
    /// ГГГГ-ММ
    month: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct Page {
    ctx: Ctx,
    first: NaiveDate,
    month: Month,
    has_feed: bool,
    /// Shown once, right after it was made.
    feed_url: Option<String>,
    today: NaiveDate,
}

impl Page {
    fn title(&self) -> String {
        format!("{} {}", MONTHS[self.first.month0() as usize], self.first.year())
    }
    fn prev(&self) -> String {
        let p = self.first.checked_sub_months(chrono::Months::new(1)).unwrap_or(self.first);
        p.format("%Y-%m").to_string()
    }
    fn next(&self) -> String {
        let n = self.first.checked_add_months(chrono::Months::new(1)).unwrap_or(self.first);
        n.format("%Y-%m").to_string()
    }
    fn day(&self, d: &NaiveDate) -> u32 {
        d.day()
    }
    fn is_today(&self, d: &NaiveDate) -> bool {
        *d == self.today
    }
    fn span(&self, e: &Entry) -> String {
        format!("{} – {}", domain::dates::format(e.from), domain::dates::format(e.to))
    }
    fn label(&self, e: &Entry) -> &'static str {
        match e.kind {
            "meeting" => "Заседание",
            "contest" => "Конкурс",
            _ => "План",
        }
    }
}

async fn render(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    q: &MonthParam,
    feed_url: Option<String>,
) -> Result<Html<String>> {
    let today = domain::clock::today();
    let first = if q.month.trim().is_empty() {
        today.with_day(1).unwrap_or(today)
    } else {
        NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d")
            .ok()
            .filter(|d| (1990..=2100).contains(&d.year()))
            .ok_or_else(|| AppError::BadRequest(format!("Месяц «{}» не распознан; пример: 2025-09", q.month)))?
    };
    let month = calendar::month(&st.db, reach, first.year(), first.month()).await?;
    let has_feed = match reach.user() {
        Some(u) => {
            let mut c = st.db.conn().await?;
            store::planning::has_calendar_token(&mut c.ex(), u).await?
        }
        None => false,
    };
    Ok(Html(Page { ctx, first, month, has_feed, feed_url, today }.render()?))
}

pub async fn page(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<MonthParam>,
) -> Result<Html<String>> {
    render(&st, ctx, &reach, &q, None).await
}

pub async fn new_feed(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    CurrentUser(u): CurrentUser,
) -> Result<Html<String>> {
    let token = {
        let mut c = st.db.conn().await?;
        store::planning::new_calendar_token(&mut c.ex(), u.id).await?
    };
    let url = format!("{}/ics/{token}", st.config.public_url.trim_end_matches('/'));
    render(&st, ctx, &reach, &MonthParam::default(), Some(url)).await
}

pub async fn revoke_feed(State(st): State<AppState>, CurrentUser(u): CurrentUser) -> Result<Redirect> {
    let mut c = st.db.conn().await?;
    store::planning::revoke_calendar_token(&mut c.ex(), u.id).await?;
    Ok(Redirect::to("/calendar?saved=1"))
}

pub async fn feed(State(st): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let token = token.trim_end_matches(".ics");
    let user = {
        let mut c = st.db.conn().await?;
        store::planning::calendar_user(&mut c.ex(), token).await?
    };
    let Some(reach) = user.as_ref().and_then(Reach::of) else {
        return Ok((StatusCode::NOT_FOUND, "Календарь не найден: ссылка отозвана или неверна").into_response());
    };
    let district = {
        let mut c = st.db.conn().await?;
        directory::get_district(&mut c.ex(), reach.district()).await?.name
    };
    let body = calendar::feed(&st.db, &reach, &district, st.config.public_url.trim_end_matches('/')).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}
