//! The federal list of extremist materials: every signed-in user browses the versions and the
//! list; the head and the admin import a new version of the published file.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use domain::Role;
use serde::Deserialize;
use store::fsem::{self, FsemEntry, FsemVersion, Show as Filter};
use store::Page;

use crate::authz::{Access, Ctx, CurrentUser, SIGNED_IN};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
use crate::views::Show;

/// The list is federal, not a district's: whoever answers for the district's libraries keeps it.
const IMPORTERS: &[Role] = &[Role::Admin, Role::Head];

pub fn routes() -> Vec<RouteDef> {
    vec![
        r(M::GET, "/fsem", Access::to(SIGNED_IN), get(list)),
        r(M::GET, "/fsem/import", Access::to(IMPORTERS), get(import_page)),
        r(M::POST, "/fsem/import", Access::to(IMPORTERS).uploads(), post(import)),
    ]
}

/// `?version=&q=&show=new|excluded&page=`
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct ListParams {
    pub version: String,
    pub q: String,
    pub show: String,
    pub page: String,
}

impl ListParams {
    fn filter(&self) -> Filter {
        match self.show.as_str() {
            "new" => Filter::New,
            "excluded" => Filter::Excluded,
            _ => Filter::All,
        }
    }
    /// This query with another page.
    pub fn link(&self, page: i64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("version", &self.version), ("q", &self.q), ("show", &self.show)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/fsem?{}", s.finish())
    }
}

#[derive(Template)]
#[template(path = "fsem_list.html")]
struct ListPage {
    ctx: Ctx,
    versions: Vec<FsemVersion>,
    version: Option<FsemVersion>,
    params: ListParams,
    list: Page<FsemEntry>,
}

impl ListPage {
    fn is_chosen(&self, v: &FsemVersion) -> bool {
        self.version.as_ref().is_some_and(|x| x.id == v.id)
    }
    fn may_import(&self) -> bool {
        self.ctx.is("admin") || self.ctx.is("head")
    }
}

pub async fn list(State(st): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Html<String>> {
    let mut c = st.db.conn().await?;
    let versions = fsem::versions(&mut c.ex()).await?;
    let version = match p.version.trim().parse::<i64>() {
        Ok(id) => Some(versions.iter().find(|v| v.id == id).cloned().ok_or(AppError::NotFound)?),
        Err(_) => versions.first().cloned(),
    };
    let list = match &version {
        Some(v) => {
            let q: String = p.q.chars().take(200).collect();
            let page = p.page.trim().parse().unwrap_or(1);
            fsem::entries(&mut c.ex(), v.id, &q, p.filter(), page, 50).await?
        }
        None => Page { items: vec![], total: 0, page: 1, per_page: 50 },
    };
    Ok(Html(ListPage { ctx, versions, version, params: p, list }.render()?))
}

#[derive(Template)]
#[template(path = "fsem_import.html")]
struct ImportPage {
    ctx: Ctx,
    versions: Vec<FsemVersion>,
    problems: Vec<String>,
    report: Option<app::fsem::ImportReport>,
}

async fn versions(st: &AppState) -> Result<Vec<FsemVersion>> {
    let mut c = st.db.conn().await?;
    Ok(fsem::versions(&mut c.ex()).await?)
}

pub async fn import_page(State(st): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let page = ImportPage { ctx, versions: versions(&st).await?, problems: vec![], report: None };
    Ok(Html(page.render()?))
}

async fn file_of(mut mp: Multipart) -> std::result::Result<(String, Vec<u8>), app::imports::ImportError> {
    use app::imports::ImportError;
    let broken =
        |e: axum::extract::multipart::MultipartError| ImportError::Upload(format!("Файл не получен целиком: {e}"));
    while let Some(field) = mp.next_field().await.map_err(broken)? {
        if field.name() == Some("file") {
            let name: String = field.file_name().unwrap_or("файл").chars().take(200).collect();
            let bytes = field.bytes().await.map_err(broken)?;
            if !bytes.is_empty() {
                return Ok((name, bytes.to_vec()));
            }
        }
    }
    Err(ImportError::Upload("Выберите файл списка (CSV или XLSX)".into()))
}

pub async fn import(State(st): State<AppState>, ctx: Ctx, user: CurrentUser, mp: Multipart) -> Result<Response> {
    use app::imports::ImportError;
    let result = match file_of(mp).await {
        Ok((name, bytes)) => app::fsem::import_list(&st.db, &user.actor(), &bytes, &name).await,
        Err(e) => Err(e),
    };
    let mut page = ImportPage { ctx, versions: vec![], problems: vec![], report: None };
    let status = match result {
        Ok(r) => {
            // A new version: the catalogs are checked against it now rather than at the next tick.
            if !r.unchanged {
                let db = st.db.clone();
                tokio::spawn(async move {
                    if let Err(e) = app::jobs::run_pending(&db).await {
                        tracing::warn!(error = %e, "background jobs failed");
                    }
                });
            }
            page.report = Some(r);
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
    page.versions = versions(&st).await?;
    Ok((status, Html(page.render()?)).into_response())
}
