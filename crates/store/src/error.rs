#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("не найдено")]
    NotFound,
    /// A rule of the field was broken; the message is for the user, in Russian.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Fields(#[from] domain::FieldErrors),
    #[error("{0}")]
    Config(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Turns a unique violation into a field error in Russian, so that two people creating the same
/// login or school at the same moment both get an answer, never a 500: the check before the
/// insert catches the common case, the constraint catches the race.
pub trait OrTaken<T> {
    fn or_taken(self, field: &str, message: impl Into<String>) -> Result<T, Error>;
}

impl<T> OrTaken<T> for Result<T, sqlx::Error> {
    fn or_taken(self, field: &str, message: impl Into<String>) -> Result<T, Error> {
        self.map_err(|e| {
            if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
                let mut f = domain::FieldErrors::default();
                f.add(field, message);
                Error::Fields(f)
            } else {
                Error::Db(e)
            }
        })
    }
}
