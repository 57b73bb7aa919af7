//! The audit log page and API: the head reads every change in the district.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::Method as M;
use axum::response::Html;
use axum::routing::get;
use axum::Json;
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

const LABELS: &[(&str, &str)] = &[
    ("full_name", "ФИО / полное наименование"),
    ("short_name", "Краткое наименование"),
    ("kind", "Тип"),
    ("address", "Адрес"),
    ("director", "Директор"),
    ("phone", "Телефон"),
    ("email", "Эл. почта"),
    ("inn", "ИНН"),
    ("school_id", "Школа (код)"),
    ("school_short_name", "Школа"),
    ("position", "Должность"),
    ("education", "Образование"),
    ("experience_years", "Стаж"),
    ("category", "Категория"),
    ("attestation_date", "Дата аттестации"),
    ("next_attestation_date", "Следующая аттестация"),
    ("self_education_theme", "Тема самообразования"),
    ("consent_processing_date", "Согласие на обработку ПДн"),
    ("consent_publication_date", "Согласие на публикацию"),
    ("rooms", "Помещений"),
    ("area_m2", "Площадь"),
    ("reading_seats", "Посадочных мест"),
    ("computers", "Компьютеров"),
    ("internet", "Интернет"),
    ("fund_main", "Основной фонд"),
    ("fund_textbooks", "Фонд учебников"),
    ("fund_fiction", "Худ. литература"),
    ("fund_periodicals", "Периодика"),
    ("readers", "Читателей"),
    ("visits", "Посещений"),
    ("loans", "Книговыдача"),
    ("staff", "Сотрудников"),
    ("title", "Название"),
    ("hours", "Часов"),
];

fn shown(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "—".into(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".into(),
        Some(serde_json::Value::String(s)) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => domain::dates::format(d),
            Err(_) => s.clone(),
        },
        Some(serde_json::Value::Bool(b)) => if *b { "да" } else { "нет" }.into(),
        Some(other) => other.to_string(),
    }
}

/// The fields an entry's before/after records differ in (every filled field for a creation).
fn changes(e: &Entry) -> Vec<Change> {
    let parse = |j: &Option<String>| j.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    let (before, after) = (parse(&e.before_json), parse(&e.after_json));
    let (b, a) = (before.as_ref(), after.as_ref().or(before.as_ref()));
    LABELS
        .iter()
        .filter_map(|(key, label)| {
            let old = b.and_then(|b| b.get(*key));
            let new = a.and_then(|a| a.get(*key));
            let (old, new) = (shown(old), shown(new));
            let differs = if b.is_some() { old != new } else { new != "—" };
            differs.then(|| Change { field: label.to_string(), before: old, after: new })
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
