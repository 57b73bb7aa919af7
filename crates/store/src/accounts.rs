//! Accounts, sessions, one-time invitation links and login attempts.
//! Tokens are random; only their SHA-256 is stored, so a leaked database opens no session.

use chrono::{DateTime, Duration, Utc};
use domain::Role;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::FromRow;

use crate::{exec, now, on, Error, Ex, OrTaken};

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
    /// What the owner must be told at their next visit; empty when nothing.
    pub notice: String,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Observer)
    }
}

const USER_COLS: &str = "u.id, u.login, u.full_name, u.email, u.role, u.district_id, u.school_id, u.password_hash, u.created_at, u.archived_at, u.notice";

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

pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

fn field(name: &str, message: impl Into<String>) -> domain::FieldErrors {
    let mut f = domain::FieldErrors::default();
    f.add(name, message);
    f
}

pub fn valid_login(login: &str) -> bool {
    (3..=64).contains(&login.len()) && login.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
}

/// Creates an account; logins are kept in lower case, so «Ivanova» and «ivanova» are one login.
pub async fn create_user(ex: &mut Ex<'_>, u: NewUser<'_>) -> Result<i64, Error> {
    let login = u.login.trim().to_lowercase();
    if login.is_empty() {
        return Err(field("login", "Логин: обязательное поле").into());
    }
    if !valid_login(&login) {
        let shown: String = login.chars().take(64).collect();
        return Err(field("login", format!("Логин «{shown}»: от 3 до 64 латинских букв, цифр и знаков . _ - @")).into());
    }
    let taken = || {
        let mut f = domain::FieldErrors::default();
        f.add("login", format!("Логин «{login}» уже занят: придумайте другой"));
        f
    };
    if user_by_login(ex, &login).await?.is_some() {
        return Err(taken().into());
    }
    let id: (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO users (login, full_name, email, role, district_id, school_id, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(&login).bind(u.full_name).bind(u.email).bind(u.role.as_str())
        .bind(u.district_id).bind(u.school_id).bind(u.password_hash).bind(now())
        .fetch_one(c).await)
    .or_taken("login", format!("Логин «{login}» уже занят: придумайте другой"))?;
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

/// Sessions one account keeps at once (a few browsers and devices); the oldest go first.
pub const MAX_SESSIONS: i64 = 10;

pub async fn create_session(ex: &mut Ex<'_>, user_id: i64, ttl: Duration) -> Result<String, Error> {
    let token = random_token();
    let t = now();
    exec!(ex, c => sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash NOT IN
           (SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2)")
        .bind(user_id).bind(MAX_SESSIONS - 1).execute(&mut *c).await)?;
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

/// Who issued a link (the head or the admin), for the audit entry of its use.
pub async fn invite_issuer(ex: &mut Ex<'_>, token: &str) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {USER_COLS} FROM invites i JOIN users u ON u.id = i.created_by WHERE i.token_hash = $1");
    Ok(on!(ex, c => sqlx::query_as(&sql).bind(token_hash(token)).fetch_optional(c).await)?)
}

/// Marks the link used; false if it was already used (a second click or a race).
pub async fn use_invite(ex: &mut Ex<'_>, token: &str) -> Result<bool, Error> {
    let r = exec!(ex, c => sqlx::query("UPDATE invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(now()).bind(token_hash(token)).execute(c).await)?;
    Ok(r == 1)
}

/// Failures a (login, address) pair may have before each new attempt must wait.
pub const FREE_FAILURES: i64 = 5;

/// Logins one address may be failing at once (a school's shared address has a few users).
pub const MAX_LOGINS_PER_ADDRESS: i64 = 20;

/// How long a pair with `failures` failed attempts waits before its next attempt: nothing for the
/// first few, then 30 s doubling up to 15 minutes. Only this pair waits: the right password from
/// another address is never refused because of it.
pub fn throttle_delay(failures: i64) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::zero();
    }
    let doublings = (failures - FREE_FAILURES).min(5) as u32;
    Duration::seconds((30i64 << doublings).min(15 * 60))
}

/// Claims one sign-in attempt for a (login, address) pair, counting it as a failure until
/// [`clear_attempts`] says it succeeded. Ok(()) to go on and check the password, Err(seconds)
/// to wait. Every claim is one guarded UPDATE, so the count is exact under concurrent bursts:
/// below [`FREE_FAILURES`] the row itself caps how many pass at once; past them, of attempts
/// that read the same count only one wins, and only once its delay is over.
pub async fn claim_attempt(ex: &mut Ex<'_>, login: &str, ip: &str) -> Result<Result<(), i64>, Error> {
    let t = now();
    // An address that keeps failing across many logins (password spraying) waits before it may
    // try one more: the table and the hashing queue grow no further for it.
    let (pairs, known): (i64, i64) = on!(ex, c => sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN login = $2 THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM login_throttle WHERE ip = $1")
        .bind(ip).bind(login).fetch_one(c).await)?;
    if known == 0 && pairs >= MAX_LOGINS_PER_ADDRESS {
        return Ok(Err(15 * 60));
    }
    exec!(ex, c => sqlx::query(
        "INSERT INTO login_throttle (login, ip, failures, last_at) VALUES ($1, $2, 0, $3) ON CONFLICT (login, ip) DO NOTHING")
        .bind(login).bind(ip).bind(t).execute(c).await)?;
    let free = exec!(ex, c => sqlx::query(
        "UPDATE login_throttle SET failures = failures + 1, last_at = $3 WHERE login = $1 AND ip = $2 AND failures < $4")
        .bind(login).bind(ip).bind(t).bind(FREE_FAILURES).execute(c).await)?;
    if free == 1 {
        return Ok(Ok(()));
    }
    let row: Option<(i64, DateTime<Utc>)> = on!(ex, c => sqlx::query_as(
        "SELECT failures, last_at FROM login_throttle WHERE login = $1 AND ip = $2")
        .bind(login).bind(ip).fetch_optional(c).await)?;
    // Gone between the statements (a sign-in succeeded, or the purge ran): try again.
    let Some((failures, last_at)) = row else { return Ok(Err(1)) };
    let ready = last_at + throttle_delay(failures);
    if ready > t {
        return Ok(Err((ready - t).num_seconds().max(1)));
    }
    let won = exec!(ex, c => sqlx::query(
        "UPDATE login_throttle SET failures = failures + 1, last_at = $3 WHERE login = $1 AND ip = $2 AND failures = $4")
        .bind(login).bind(ip).bind(t).bind(failures).execute(c).await)?;
    Ok(if won == 1 { Ok(()) } else { Err(throttle_delay(failures + 1).num_seconds().max(1)) })
}

/// A successful sign-in forgets the pair's failures.
pub async fn clear_attempts(ex: &mut Ex<'_>, login: &str, ip: &str) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("DELETE FROM login_throttle WHERE login = $1 AND ip = $2").bind(login).bind(ip).execute(c).await)?;
    Ok(())
}

/// Failed attempts counted for a pair (for tests and the admin).
pub async fn failures(ex: &mut Ex<'_>, login: &str, ip: &str) -> Result<i64, Error> {
    let r: Option<(i64,)> = on!(ex, c => sqlx::query_as("SELECT failures FROM login_throttle WHERE login = $1 AND ip = $2")
        .bind(login).bind(ip).fetch_optional(c).await)?;
    Ok(r.map_or(0, |r| r.0))
}

/// Sets (or clears, with "") what the account's owner is told at their next visit.
pub async fn set_notice(ex: &mut Ex<'_>, user_id: i64, notice: &str) -> Result<(), Error> {
    exec!(ex, c => sqlx::query("UPDATE users SET notice = $1 WHERE id = $2").bind(notice).bind(user_id).execute(c).await)?;
    Ok(())
}

/// Forgets expired sessions and invitations, and throttling older than a day. Run by a timer.
pub async fn purge_expired(ex: &mut Ex<'_>) -> Result<u64, Error> {
    let t = now();
    let a = exec!(ex, c => sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(t).execute(c).await)?;
    let b = exec!(ex, c => sqlx::query("DELETE FROM invites WHERE expires_at < $1").bind(t).execute(c).await)?;
    let d = exec!(ex, c => sqlx::query("DELETE FROM login_throttle WHERE last_at < $1").bind(t - Duration::days(1)).execute(c).await)?;
    Ok(a + b + d)
}
