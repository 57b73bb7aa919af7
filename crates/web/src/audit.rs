//! The audit log page and API: the head reads every change in the district.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::Json;
use store::audit::{self, Entry};
use store::Page;

use crate::authz::{Ctx, CurrentUser};
use crate::error::Result;
use crate::views::Show;
use crate::views::{ListParams, ListView};
use crate::AppState;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    list: ListView,
    entries: Vec<Entry>,
}

pub async fn page(
    State(st): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let mut q = p.query();
    q.per_page = 50;
    let page = audit::list(&mut c.ex(), user.district()?, &q).await?;
    let list = ListView::new("/audit", p, &page);
    Ok(Html(
        AuditPage {
            ctx,
            list,
            entries: page.items,
        }
        .render()?,
    ))
}

#[utoipa::path(get, path = "/api/audit", tag = "Журнал изменений",
    params(("q" = Option<String>, Query), ("page" = Option<i64>, Query)),
    responses((status = 200, description = "Записи журнала округа, новые сверху")))]
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Entry>>> {
    let mut c = st.db.conn().await?;
    Ok(Json(
        audit::list(&mut c.ex(), user.district()?, &p.query()).await?,
    ))
}
