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
