//! The dashboard of each role, the health check and the embedded static files.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::Months;
use domain::{Role, SchoolYear};
use store::directory::{self, Librarian, School};
use store::{accounts, ListQuery, Reach};

use crate::authz::{Access, Ctx, CurrentUser, PUBLIC, SIGNED_IN};
use crate::error::Result;
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::Show;

pub fn routes() -> Vec<RouteDef> {
    vec![
        r(M::GET, "/health", Access::to(PUBLIC), get(health)),
        r(M::GET, "/static/{file}", Access::to(PUBLIC), get(static_file)),
        r(M::GET, "/favicon.ico", Access::to(PUBLIC), get(favicon)),
        r(M::GET, "/", Access::to(SIGNED_IN), get(dashboard)),
    ]
}

pub async fn health(State(st): State<AppState>) -> Response {
    match st.db.conn().await {
        Ok(_) => {
            (StatusCode::OK, axum::Json(serde_json::json!({"status": "ok", "database": st.db.kind()}))).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({"status": "database unavailable"})))
                .into_response()
        }
    }
}

const STATIC: &[(&str, &str, &[u8])] = &[
    ("htmx.min.js", "text/javascript", include_bytes!("../static/htmx.min.js")),
    ("app.css", "text/css", include_bytes!("../static/app.css")),
    ("print.css", "text/css", include_bytes!("../static/print.css")),
    ("app.js", "text/javascript", include_bytes!("../static/app.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../static/favicon.svg")),
];

/// Browsers ask for /favicon.ico whatever the page says; answer with the same icon.
pub async fn favicon() -> Response {
    static_file(Path("favicon.svg".into())).await
}

pub async fn static_file(Path(file): Path<String>) -> Response {
    match STATIC.iter().find(|(name, _, _)| *name == file) {
        Some((_, ct, body)) => {
            ([(header::CONTENT_TYPE, *ct), (header::CACHE_CONTROL, "public, max-age=3600")], *body).into_response()
        }
        None => crate::error::AppError::NotFound.into_response(),
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    ctx: Ctx,
    year: SchoolYear,
    district_name: String,
    schools: i64,
    librarians: i64,
    passports_filled: usize,
    attestation_soon: Vec<Librarian>,
    no_consent: i64,
    own_school: Option<School>,
    own_record: Option<Librarian>,
    own_passport_filled: bool,
    /// This year's passport is still a draft the school may change.
    own_passport_draft: bool,
    districts: i64,
    users: i64,
    today: chrono::NaiveDate,
    notice: String,
    /// Textbook provision of the district (head, observer) or of the librarian's school.
    provision: Option<domain::fund::Figures>,
    /// The association's plan: due this month, overdue, the next meeting.
    work: app::planning::Upcoming,
}

impl Dashboard {
    fn due(&self, e: &store::planning::Event) -> String {
        e.deadline().display()
    }
    fn people(&self, a: &store::planning::AgendaItem) -> String {
        app::planning::people_text(&a.speakers)
    }
}

pub async fn dashboard(State(st): State<AppState>, ctx: Ctx, user: CurrentUser) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let year = SchoolYear::current();
    let mut d = Dashboard {
        ctx,
        year,
        district_name: String::new(),
        schools: 0,
        librarians: 0,
        passports_filled: 0,
        attestation_soon: vec![],
        no_consent: 0,
        own_school: None,
        own_record: None,
        own_passport_filled: false,
        own_passport_draft: true,
        districts: 0,
        users: 0,
        today: domain::clock::today(),
        notice: user.0.notice.clone(),
        provision: None,
        work: Default::default(),
    };
    if user.role() == Role::Admin {
        d.districts = directory::list_districts(&mut c.ex()).await?.len() as i64;
        d.users = accounts::list_users(&mut c.ex(), None).await?.len() as i64;
        return Ok(Html(d.render()?));
    }
    let Some(reach) = Reach::of(&user.0) else {
        return Ok(Html(d.render()?));
    };
    d.district_name = directory::get_district(&mut c.ex(), reach.district()).await?.name;
    let one = ListQuery { per_page: 1, page: 1, ..Default::default() };
    d.schools = directory::list_schools(&mut c.ex(), &reach, &one).await?.total;
    let libs = directory::list_librarians(&mut c.ex(), &reach, None, &ListQuery::all()).await?;
    d.librarians = libs.total;
    let horizon = d.today.checked_add_months(Months::new(6)).unwrap_or_default();
    d.attestation_soon =
        libs.items.iter().filter(|l| l.next_attestation_date.is_some_and(|n| n <= horizon)).cloned().collect();
    d.attestation_soon.sort_by_key(|l| l.next_attestation_date);
    d.no_consent = libs.items.iter().filter(|l| l.consent_processing_date.is_none()).count() as i64;
    d.passports_filled = directory::district_passports(&mut c.ex(), &reach, year).await?.len();
    if let Some(school) = user.0.school_id {
        d.own_school = Some(directory::get_school(&mut c.ex(), &reach, school).await?);
        let passport = directory::get_passport(&mut c.ex(), &reach, school, year).await?;
        d.own_passport_filled = passport.is_some();
        d.own_passport_draft = passport.is_none_or(|p| p.state() == directory::PassportState::Draft);
        d.own_record = directory::librarian_of_user(&mut c.ex(), &reach).await?;
    }
    drop(c);
    let today = d.today;
    d.provision = Some(match (user.role(), user.0.school_id) {
        (Role::Librarian, Some(school)) => {
            app::fund::school_provision(&st.db, &reach, school, year, today).await?.total
        }
        _ => app::fund::district_provision(&st.db, &reach, year, today).await?.total,
    });
    d.work = app::planning::upcoming(&st.db, &reach, today).await?;
    Ok(Html(d.render()?))
}
