//! Test support shared by the crates' test suites: a fresh database of each kind.

use crate::{Db, Error};

pub const POSTGRES_ENV: &str = "BIBLIOSET_TEST_POSTGRES_URL";

/// A new empty SQLite database file in the system temp folder, migrated.
pub async fn fresh_sqlite() -> Result<(Db, String), Error> {
    let dir = std::env::temp_dir().join(format!("biblioset-test-{}", crate::accounts::random_token()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Config(e.to_string()))?;
    let url = format!("sqlite://{}", dir.join("test.db").display());
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    Ok((db, url))
}

/// A new empty PostgreSQL database on the server named by BIBLIOSET_TEST_POSTGRES_URL, migrated.
/// Without that variable: None and a loud line on stderr, or a panic under CI=true, where a
/// missing PostgreSQL is a failure, never a skip.
pub async fn fresh_postgres() -> Result<Option<(Db, String)>, Error> {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but {POSTGRES_ENV} is not set: the PostgreSQL tests must run in CI");
        }
        eprintln!(
            "!!! SKIPPED on PostgreSQL: set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/postgres to run it"
        );
        return Ok(None);
    };
    let name = format!("biblioset_test_{}", &crate::accounts::random_token()[..16]);
    let admin = Db::connect(&base).await?;
    if let Db::Postgres(p) = &admin {
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(p).await?;
    }
    admin.close().await;
    let url = match base.rfind('/') {
        Some(i) if base[..i].contains('@') || base[..i].ends_with(':') || base[..i].contains("//") => {
            format!("{}/{name}", &base[..i])
        }
        _ => format!("{base}/{name}"),
    };
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    Ok(Some((db, url)))
}
