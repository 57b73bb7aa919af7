//! The audit log page and API: the head reads every change in the district.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::Method as M;
use axum::response::Html;
use axum::routing::get;
use axum::Json;
use domain::directory::{CourseInput, LibrarianInput, PassportInput, SchoolInput};
use domain::fields::{Field, Kind};
use store::audit::{self, Entry};
use store::Page;

use crate::authz::{Access, Ctx, InDistrict, HEAD};
use crate::error::Result;
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::Show;
use crate::views::{ListParams, ListView};

pub fn routes() -> Vec<RouteDef> {
    vec![r(M::GET, "/audit", Access::to(HEAD), get(page)), r(M::GET, "/api/audit", Access::to(HEAD), get(api_list))]
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    list: ListView,
    entries: Vec<(Entry, Vec<Change>)>,
}

/// One field an entry changed: its Russian name, the value before and after.
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// The fields of each kind of record, as its declaration in `domain` names them, plus what the
/// stored record adds (the school's name beside a librarian, a passport's state).
fn fields_of(entity: &str) -> Vec<Field> {
    let state = Field {
        key: "state",
        label: "Состояние",
        kind: Kind::Choice(store::directory::PassportState::CHOICES),
        required: false,
    };
    let school = Field { key: "school_short_name", label: "Школа", kind: Kind::Text, required: false };
    match entity {
        "school" => SchoolInput::FIELDS.to_vec(),
        "librarian" => [&[school], LibrarianInput::FIELDS].concat(),
        "passport" => [PassportInput::FIELDS, &[state]].concat(),
        "course" => CourseInput::FIELDS.to_vec(),
        _ => vec![],
    }
}

fn shown(field: &Field, v: Option<&serde_json::Value>) -> String {
    let text = match v {
        None | Some(serde_json::Value::Null) => return "—".into(),
        Some(serde_json::Value::String(s)) if s.is_empty() => return "—".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => return crate::views::grouped(i),
            None => n.to_string().replace('.', ","),
        },
        Some(other) => other.to_string(),
    };
    field.show(&text)
}

/// The fields an entry's before/after records differ in (every filled field for a creation),
/// by their Russian labels and with values as people read them.
fn changes(e: &Entry) -> Vec<Change> {
    let parse = |j: &Option<String>| j.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    let (before, after) = (parse(&e.before_json), parse(&e.after_json));
    let (b, a) = (before.as_ref(), after.as_ref().or(before.as_ref()));
    fields_of(&e.entity)
        .iter()
        .filter_map(|f| {
            let old = shown(f, b.and_then(|b| b.get(f.key)));
            let new = shown(f, a.and_then(|a| a.get(f.key)));
            let differs = if b.is_some() { old != new } else { new != "—" };
            differs.then(|| Change { field: f.label.to_string(), before: old, after: new })
        })
        .collect()
}

pub async fn page(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let mut q = p.query();
    q.per_page = 50;
    let page = audit::list(&mut c.ex(), &reach, &q).await?;
    let list = ListView::new("/audit", p, &page);
    let entries = page.items.into_iter().map(|e| {
        let c = changes(&e);
        (e, c)
    });
    Ok(Html(AuditPage { ctx, list, entries: entries.collect() }.render()?))
}

#[utoipa::path(get, path = "/api/audit", tag = "Журнал изменений",
    params(("q" = Option<String>, Query), ("page" = Option<i64>, Query)),
    responses((status = 200, description = "Записи журнала округа, новые сверху", body = EntryPage)))]
pub async fn api_list(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Entry>>> {
    let mut c = st.db.conn().await?;
    Ok(Json(audit::list(&mut c.ex(), &reach, &p.query()).await?))
}

/// A page of the audit log, as the API answers it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct EntryPage {
    items: Vec<Entry>,
    total: i64,
    page: i64,
    per_page: i64,
}
