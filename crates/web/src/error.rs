//! One error type for every handler. It becomes a Russian HTML page, or JSON under /api/
//! (see `render` in lib.rs). Database and unexpected errors are logged and shown as a generic
//! message, never leaked.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldErrors;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// 401: not signed in.
    #[error("Войдите в систему")]
    Unauthorized,
    /// 403: signed in, but the role may not do this.
    #[error("Недостаточно прав: {0}")]
    Forbidden(String),
    /// 403: a state-changing request without this browser's CSRF token (an old page, another site).
    #[error("Страница устарела или форма отправлена не с этого сайта. Обновите страницу и повторите действие.")]
    Stale,
    /// 404.
    #[error("Страница или запись не найдена")]
    NotFound,
    /// 405: the address exists, but not for this kind of request.
    #[error("По этому адресу нельзя выполнить такой запрос. Вернитесь на страницу и воспользуйтесь кнопками на ней.")]
    MethodNotAllowed,
    /// 400: a request that makes no sense (a broken link, a bad parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 422: a rule of the field was broken; the message says which, in Russian.
    #[error("{0}")]
    Invalid(String),
    /// 422 with messages per form field.
    #[error("{0}")]
    Fields(FieldErrors),
    /// 413: a body larger than the route reads.
    #[error("{0}")]
    TooLarge(String),
    /// 429: too many attempts.
    #[error("{0}")]
    TooMany(String),
    /// 500: logged; the user sees a generic message.
    #[error("Внутренняя ошибка сервера. Попробуйте ещё раз; если ошибка повторяется, сообщите администратору.")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Stale => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) | AppError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<store::Error> for AppError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotFound => AppError::NotFound,
            store::Error::Invalid(m) => AppError::Invalid(m),
            store::Error::Fields(f) => AppError::Fields(f),
            other => {
                tracing::error!(error = %other, "storage error");
                AppError::Internal(other.to_string())
            }
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        AppError::Internal(e.to_string())
    }
}

impl From<formats::xlsx::XlsxError> for AppError {
    fn from(e: formats::xlsx::XlsxError) -> Self {
        tracing::error!(error = %e, "xlsx error");
        AppError::Internal(e.to_string())
    }
}

/// The error travels in the response's extensions; the `render` layer turns it into a page or JSON.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        r.extensions_mut().insert(self);
        r
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
