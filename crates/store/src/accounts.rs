//! Accounts, sessions, one-time invitation links and login attempts.
//! Tokens are random; only their SHA-256 is stored, so a leaked database opens no session.

use chrono::{DateTime, Duration, Utc};
use domain::Role;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::FromRow;

use crate::{exec, now, on, Error, Ex};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub full_name: String,
    pub email: String,
    pub role: String,
    pub district_id: Option<i64>,
    pub school_id: Option<i64>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Observer)
    }
}

const USER_COLS: &str = "u.id, u.login, u.full_name, u.email, u.role, u.district_id, u.school_id, u.password_hash, u.created_at, u.archived_at";

pub struct NewUser<'a> {
    pub login: &'a str,
    pub full_name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub district_id: Option<i64>,
    pub school_id: Option<i64>,
    pub password_hash: Option<String>,
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

pub fn valid_login(login: &str) -> bool {
    (3..=64).contains(&login.len()) && login.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
}

/// Creates an account; logins are kept in lower case, so «Ivanova» and «ivanova» are one login.
pub async fn create_user(ex: &mut Ex<'_>, u: NewUser<'_>) -> Result<i64, Error> {
    let login = u.login.trim().to_lowercase();
    if login.is_empty() {
        return Err(Error::Invalid("Логин: обязательное поле".into()));
    }
    if !valid_login(&login) {
        return Err(Error::Invalid(format!("Логин «{login}»: от 3 до 64 латинских букв, цифр и знаков . _ - @")));
    }
    if user_by_login(ex, &login).await?.is_some() {
        return Err(Error::Invalid(format!("Логин «{login}» уже занят")));
    }
    let id: (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO users (login, full_name, email, role, district_id, school_id, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(&login).bind(u.full_name).bind(u.email).bind(u.role.as_str())
        .bind(u.district_id).bind(u.school_id).bind(u.password_hash).bind(now())
        .fetch_one(c).await)?;
    Ok(id.0)
}

pub async fn user_by_login(ex: &mut Ex<'_>, login: &str) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.login = $1");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(login).fetch_optional(c).await)?)
}

pub async fn user_by_id(ex: &mut Ex<'_>, id: i64) -> Result<User, Error> {
    let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1");
    on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?.ok_or(Error::NotFound)
}

/// Accounts of one district (or all, for the installation admin), newest last.
pub async fn list_users(ex: &mut Ex<'_>, district_id: Option<i64>) -> Result<Vec<User>, Error> {
    let sql = format!(
        "SELECT {USER_COLS} FROM users u WHERE ($1 IS NULL OR u.district_id = $1) ORDER BY u.role, u.full_name, u.id"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(district_id).fetch_all(c).await)?)
}

pub async fn set_password(ex: &mut Ex<'_>, user_id: i64, hash: &str) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut *c).await)?;
    // A new password ends every other session of the account.
    exec!(ex, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(c).await)?;
    Ok(())
}

pub async fn create_session(ex: &mut Ex<'_>, user_id: i64, ttl: Duration) -> Result<String, Error> {
    let token = random_token();
    let t = now();
    exec!(ex, c => sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token)).bind(user_id).bind(t).bind(t + ttl).execute(c).await)?;
    Ok(token)
}

/// The account behind a session cookie, if the session is alive and the account not archived.
pub async fn session_user(ex: &mut Ex<'_>, token: &str) -> Result<Option<User>, Error> {
    let sql = format!(
        "SELECT {USER_COLS} FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.archived_at IS NULL"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(token_hash(token)).bind(now()).fetch_optional(c).await)?)
}

pub async fn delete_session(ex: &mut Ex<'_>, token: &str) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(c).await)?;
    Ok(())
}

pub async fn create_invite(ex: &mut Ex<'_>, user_id: i64, by: i64, ttl: Duration) -> Result<String, Error> {
    let token = random_token();
    let t = now();
    // An older unused link for the same account stops working.
    exec!(ex, c => sqlx::query("UPDATE invites SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL").bind(t).bind(user_id).execute(&mut *c).await)?;
    exec!(ex, c => sqlx::query("INSERT INTO invites (token_hash, user_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash(&token)).bind(user_id).bind(by).bind(t).bind(t + ttl).execute(c).await)?;
    Ok(token)
}

/// The account an unused, unexpired invitation link is for.
pub async fn invite_user(ex: &mut Ex<'_>, token: &str) -> Result<Option<User>, Error> {
    let sql = format!(
        "SELECT {USER_COLS} FROM invites i JOIN users u ON u.id = i.user_id
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2 AND u.archived_at IS NULL"
    );
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(token_hash(token)).bind(now()).fetch_optional(c).await)?)
}

/// Marks the link used; false if it was already used (a second click or a race).
pub async fn use_invite(ex: &mut Ex<'_>, token: &str) -> Result<bool, Error> {
    let r = exec!(ex, c => sqlx::query("UPDATE invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(now()).bind(token_hash(token)).execute(c).await)?;
    Ok(r == 1)
}

pub async fn record_login_attempt(ex: &mut Ex<'_>, login: &str, ip: &str, success: bool) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("INSERT INTO login_attempts (login, ip, at, success) VALUES ($1, $2, $3, $4)")
        .bind(login).bind(ip).bind(now()).bind(success).execute(c).await)?;
    Ok(())
}

/// Failed attempts since `since` for this login and from this address.
pub async fn recent_failures(
    ex: &mut Ex<'_>,
    login: &str,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<(i64, i64), Error> {
    let r: (i64, i64) = on!(ex, c => sqlx::query_as(
        "SELECT
           (SELECT COUNT(*) FROM login_attempts WHERE login = $1 AND at > $3 AND NOT success),
           (SELECT COUNT(*) FROM login_attempts WHERE ip = $2 AND at > $3 AND NOT success)")
        .bind(login).bind(ip).bind(since).fetch_one(c).await)?;
    Ok(r)
}

/// Forgets expired sessions and invitations, and login attempts older than a day.
pub async fn purge_expired(ex: &mut Ex<'_>) -> Result<(), Error> {
    let t = now();
    exec!(ex, c => sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(t).execute(c).await)?;
    exec!(ex, c => sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(t - Duration::days(1)).execute(c).await)?;
    Ok(())
}
