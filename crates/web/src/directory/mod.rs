//! Pages and API of the directory: schools, library passports, the librarians' data bank, and
//! the one import mechanism they share (upload page, template, all-or-nothing import).

pub mod librarians;
pub mod passports;
pub mod schools;

use app::imports::{self as imports, ImportError, Kind, Report};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::authz::{Access, Ctx, InDistrict, HEAD};
use crate::error::Result;
use crate::routes::{r, RouteDef};
use crate::state::AppState;

/// What differs between the imports: where they live and their template's notes; the columns
/// come from the record kind.
pub struct ImportSpec {
    pub title: &'static str,
    pub action: &'static str,
    pub template_link: &'static str,
    pub template_name: &'static str,
    pub back: &'static str,
    pub notes: &'static [&'static str],
}

impl ImportSpec {
    fn page<K: Kind>(&'static self, ctx: Ctx) -> ImportPage {
        let columns = K::columns().iter().map(|c| (c.header, c.required)).collect();
        ImportPage { ctx, spec: self, columns, max_rows: K::MAX_ROWS, problems: vec![], done: String::new() }
    }

    /// The upload page, the upload and the template of a record kind, each open to the head.
    pub fn routes<K: Kind + Default + Send + 'static>(&'static self) -> Vec<RouteDef> {
        let page = move |ctx: Ctx| async move { Ok::<_, crate::error::AppError>(Html(self.page::<K>(ctx).render()?)) };
        let upload = move |State(st): State<AppState>, ctx: Ctx, InDistrict(reach): InDistrict, mp: Multipart| async move {
            let result = match uploaded_file(mp).await {
                Ok((name, bytes)) => {
                    imports::import(&st.db, &reach, &mut K::default(), &bytes, &name, &mut |_, _| {}).await
                }
                Err(e) => Err(e),
            };
            self.page::<K>(ctx).show(result)
        };
        let template = move || async move {
            Ok::<_, crate::error::AppError>(crate::views::xlsx(
                self.template_name,
                imports::template(&K::columns(), self.notes)?,
            ))
        };
        vec![
            r(Method::GET, self.action, Access::to(HEAD), get(page)),
            r(Method::POST, self.action, Access::to(HEAD).uploads(), post(upload)),
            r(Method::GET, self.template_link, Access::to(HEAD), get(template)),
        ]
    }
}

/// The upload page of an import, and after an upload its outcome.
#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub ctx: Ctx,
    pub spec: &'static ImportSpec,
    /// (header, required) of each column the file may have.
    pub columns: Vec<(&'static str, bool)>,
    pub max_rows: usize,
    pub problems: Vec<String>,
    pub done: String,
}

impl ImportPage {
    /// The page with the outcome of an import.
    pub fn show(mut self, result: std::result::Result<Report, ImportError>) -> Result<Response> {
        let status = match result {
            Ok(r) => {
                self.done = format!("Импорт выполнен: {r}.");
                StatusCode::OK
            }
            Err(ImportError::Upload(m)) => {
                self.problems = vec![m];
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(ImportError::Problems(p)) => {
                self.problems = p.iter().map(ToString::to_string).collect();
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(ImportError::Store(e)) => return Err(e.into()),
        };
        Ok((status, Html(self.render()?)).into_response())
    }
}

/// The uploaded file of an import form: (file name, bytes).
pub async fn uploaded_file(mut mp: Multipart) -> std::result::Result<(String, Vec<u8>), ImportError> {
    let broken =
        |e: axum::extract::multipart::MultipartError| ImportError::Upload(format!("Файл не получен целиком: {e}"));
    while let Some(field) = mp.next_field().await.map_err(broken)? {
        if field.name() == Some("file") {
            let name: String = field.file_name().unwrap_or("файл").chars().take(200).collect();
            let bytes = field.bytes().await.map_err(broken)?;
            if name.is_empty() && bytes.is_empty() {
                break;
            }
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(ImportError::Upload("Выберите файл XLSX для загрузки".into()))
}

/// The form of an archive button: present `restore` brings the record back.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArchiveForm {
    restore: Option<String>,
}

impl ArchiveForm {
    pub fn archived(&self) -> bool {
        self.restore.is_none()
    }
}
