//! The federal list of textbooks: browse and search any version, an item's history, the
//! admin's import of an order's spreadsheet, and the same list as JSON.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use store::fund::{self, FpuFilter, FpuOrder, Listed};
use store::Page;

use crate::authz::{Access, Ctx, CurrentUser, ADMIN, SIGNED_IN};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::Show;

pub fn routes() -> Vec<RouteDef> {
    vec![
        r(M::GET, "/fpu", Access::to(SIGNED_IN), get(list)),
        r(M::GET, "/fpu/items/{item}", Access::to(SIGNED_IN), get(item)),
        r(M::GET, "/fpu/import", Access::to(ADMIN), get(import_page)),
        r(M::POST, "/fpu/import", Access::to(ADMIN).uploads(), post(import)),
        r(M::GET, "/api/fpu", Access::to(SIGNED_IN), get(api_list)),
    ]
}

/// `?q=&subject=&grade=&publisher=&annex=&order=&page=`
#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
#[serde(default)]
pub struct ListParams {
    /// Words of the title, authors, number or publisher.
    pub q: String,
    pub subject: String,
    /// 1–11, 12 or 0 («1 доп.»).
    pub grade: String,
    pub publisher: String,
    /// 1: the current list, 2: excluded items.
    pub annex: String,
    /// The order's id; the newest when absent.
    pub order: String,
    pub page: String,
}

impl ListParams {
    fn filter(&self) -> FpuFilter {
        FpuFilter {
            q: self.q.chars().take(200).collect(),
            subject: self.subject.chars().take(200).collect(),
            publisher: self.publisher.chars().take(200).collect(),
            grade: domain::fund::parse_grade(&self.grade),
            annex: self.annex.trim().parse().ok().filter(|a| [1, 2].contains(a)),
        }
    }
    fn page(&self) -> i64 {
        self.page.trim().parse().unwrap_or(1)
    }
    /// This query with another page.
    pub fn link(&self, page: i64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("subject", &self.subject),
            ("grade", &self.grade),
            ("publisher", &self.publisher),
            ("annex", &self.annex),
            ("order", &self.order),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/fpu?{}", s.finish())
    }
}

async fn chosen_order(st: &AppState, p: &ListParams) -> Result<(Vec<FpuOrder>, Option<FpuOrder>)> {
    let mut c = st.db.conn().await?;
    let orders = fund::fpu_orders(&mut c.ex()).await?;
    let chosen = match p.order.trim().parse::<i64>() {
        Ok(id) => Some(orders.iter().find(|o| o.id == id).cloned().ok_or(AppError::NotFound)?),
        Err(_) => orders.first().cloned(),
    };
    Ok((orders, chosen))
}

#[derive(Template)]
#[template(path = "fpu_list.html")]
struct ListPage {
    ctx: Ctx,
    orders: Vec<FpuOrder>,
    order: Option<FpuOrder>,
    subjects: Vec<String>,
    params: ListParams,
    list: Page<Listed>,
}

impl ListPage {
    fn is_chosen(&self, o: &FpuOrder) -> bool {
        self.order.as_ref().is_some_and(|x| x.id == o.id)
    }
}

pub async fn list(State(st): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Html<String>> {
    let (orders, order) = chosen_order(&st, &p).await?;
    let mut c = st.db.conn().await?;
    let (list, subjects) = match &order {
        Some(o) => (
            fund::fpu_listed(&mut c.ex(), o.id, &p.filter(), p.page(), 50).await?,
            fund::fpu_subjects(&mut c.ex(), o.id).await?,
        ),
        None => (Page { items: vec![], total: 0, page: 1, per_page: 50 }, vec![]),
    };
    Ok(Html(ListPage { ctx, orders, order, subjects, params: p, list }.render()?))
}

#[derive(Template)]
#[template(path = "fpu_item.html")]
struct ItemPage {
    ctx: Ctx,
    history: Vec<(FpuOrder, Listed)>,
    current: Option<FpuOrder>,
}

impl ItemPage {
    fn is_current(&self, o: &FpuOrder) -> bool {
        self.current.as_ref().is_some_and(|x| x.id == o.id)
    }
}

pub async fn item(State(st): State<AppState>, ctx: Ctx, Path(item): Path<i64>) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let history = fund::fpu_history(&mut c.ex(), item).await?;
    if history.is_empty() {
        return Err(AppError::NotFound);
    }
    let current = fund::current_fpu_order(&mut c.ex()).await?;
    Ok(Html(ItemPage { ctx, history, current }.render()?))
}

#[derive(Template)]
#[template(path = "fpu_import.html")]
struct ImportPage {
    ctx: Ctx,
    orders: Vec<FpuOrder>,
    order: String,
    problems: Vec<String>,
    report: Option<app::fund::FpuReport>,
}

async fn orders(st: &AppState) -> Result<Vec<FpuOrder>> {
    let mut c = st.db.conn().await?;
    Ok(fund::fpu_orders(&mut c.ex()).await?)
}

pub async fn import_page(State(st): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let page = ImportPage { ctx, orders: orders(&st).await?, order: String::new(), problems: vec![], report: None };
    Ok(Html(page.render()?))
}

/// The order's title and the file from the import form.
async fn order_and_file(
    mut mp: Multipart,
) -> std::result::Result<(String, String, Vec<u8>), app::imports::ImportError> {
    use app::imports::ImportError;
    let broken =
        |e: axum::extract::multipart::MultipartError| ImportError::Upload(format!("Файл не получен целиком: {e}"));
    let mut order = String::new();
    let mut file = None;
    while let Some(field) = mp.next_field().await.map_err(broken)? {
        match field.name() {
            Some("order") => order = field.text().await.map_err(broken)?.chars().take(200).collect(),
            Some("file") => {
                let name: String = field.file_name().unwrap_or("файл").chars().take(200).collect();
                let bytes = field.bytes().await.map_err(broken)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let (name, bytes) = file.ok_or_else(|| ImportError::Upload("Выберите файл перечня (XLSX или CSV)".into()))?;
    Ok((order, name, bytes))
}

pub async fn import(State(st): State<AppState>, ctx: Ctx, user: CurrentUser, mp: Multipart) -> Result<Response> {
    use app::imports::ImportError;
    let (order, result) = match order_and_file(mp).await {
        Ok((order, name, bytes)) => {
            let r = app::fund::import_fpu(&st.db, &user.actor(), &bytes, &name, &order).await;
            (order, r)
        }
        Err(e) => (String::new(), Err(e)),
    };
    let mut page = ImportPage { ctx, orders: vec![], order, problems: vec![], report: None };
    let status = match result {
        Ok(r) => {
            page.report = Some(r);
            page.order.clear();
            StatusCode::OK
        }
        Err(ImportError::Upload(m)) => {
            page.problems = vec![m];
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ImportError::Problems(p)) => {
            page.problems = p.iter().map(ToString::to_string).collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    page.orders = orders(&st).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// The federal list as JSON: one page of an order's items, filtered like the page.
#[utoipa::path(get, path = "/api/fpu", tag = "Федеральный перечень учебников", params(ListParams),
    responses((status = 200, description = "Страница перечня (по 100 позиций)", body = FpuPage)))]
pub async fn api_list(State(st): State<AppState>, Query(p): Query<ListParams>) -> Result<Json<FpuPage>> {
    let (_, order) = chosen_order(&st, &p).await?;
    let order = order.ok_or(AppError::NotFound)?;
    let mut c = st.db.conn().await?;
    let page = fund::fpu_listed(&mut c.ex(), order.id, &p.filter(), p.page(), 100).await?;
    Ok(Json(FpuPage { order: order.title, total: page.total, page: page.page, items: page.items }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FpuPage {
    /// The order whose list this is.
    pub order: String,
    pub total: i64,
    pub page: i64,
    pub items: Vec<Listed>,
}
