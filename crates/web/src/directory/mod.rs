//! Pages and API of the directory: schools, library passports, the librarians' data bank.

pub mod librarians;
pub mod passports;
pub mod schools;

use askama::Template;
use axum::extract::Multipart;

use crate::authz::Ctx;
use crate::error::Result;
use crate::imports::{ImportError, Report};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What differs between the imports: where they live, their columns and their template's notes.
pub struct ImportSpec {
    pub title: &'static str,
    pub action: &'static str,
    pub template_link: &'static str,
    pub template_name: &'static str,
    pub back: &'static str,
    pub columns: &'static [formats::xlsx::Column],
    pub notes: &'static [&'static str],
}

impl ImportSpec {
    pub fn page(&'static self, ctx: Ctx) -> ImportPage {
        ImportPage { ctx, spec: self, problems: vec![], done: String::new() }
    }

    /// The empty template to fill, as a download.
    pub fn template(&self) -> Result<Response> {
        Ok(crate::views::xlsx(self.template_name, crate::imports::template(self.columns, self.notes)?))
    }
}

/// The upload page of an import, and after an upload its outcome.
#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub ctx: Ctx,
    pub spec: &'static ImportSpec,
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
            let name = field.file_name().unwrap_or("файл").to_string();
            let bytes = field.bytes().await.map_err(broken)?;
            if name.is_empty() && bytes.is_empty() {
                break;
            }
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(ImportError::Upload("Выберите файл XLSX для загрузки".into()))
}
