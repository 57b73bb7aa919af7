//! Accounts: sign-in with throttling, sessions, accounts made by the admin or the CLI, invitation
//! and reset links. Slow hashing always runs before a write transaction opens, never inside it:
//! on SQLite an open write transaction holds the lock for every other user.

use chrono::Duration;
use domain::{password, Role};
use store::accounts::{self, NewUser, User};
use store::audit::{self, Actor, Change};
use store::directory;
use store::{Db, Reach};

use crate::{field_error, Error, Result};

pub const SESSION_TTL_HOURS: i64 = 12;
pub const INVITE_TTL_DAYS: i64 = 7;
/// The longest login kept or shown: a longer one is not a login (they are at most 64 characters).
pub const LOGIN_MAX: usize = 64;

/// Why a sign-in failed, in Russian.
#[derive(Debug)]
pub enum SignInError {
    Wrong,
    /// Too many failures from this address for this login: wait this many seconds.
    Wait(i64),
    Store(Error),
}

impl From<Error> for SignInError {
    fn from(e: Error) -> Self {
        SignInError::Store(e)
    }
}

impl std::fmt::Display for SignInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignInError::Wrong => f.write_str("Неверный логин или пароль"),
            SignInError::Wait(s) => write!(
                f,
                "Слишком много неудачных попыток входа с этого компьютера. Подождите {} и попробуйте снова.",
                wait_text(*s)
            ),
            SignInError::Store(e) => write!(f, "{e}"),
        }
    }
}

fn wait_text(seconds: i64) -> String {
    if seconds < 60 {
        format!("{seconds} с")
    } else {
        format!("{} мин", (seconds + 59) / 60)
    }
}

/// A login as typed, cleaned and cut: what is stored in the throttle and echoed on the form.
pub fn login_key(login: &str) -> String {
    domain::text::clean(login).to_lowercase().chars().take(LOGIN_MAX).collect()
}

/// A hash to verify against when the login does not exist, so both cases take the same time.
async fn dummy_hash() -> String {
    static H: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    H.get_or_init(|| crate::hashing::hash("no such account".into())).await.clone()
}

/// Checks a password, slowing down a (login, address) pair that keeps failing.
pub async fn authenticate(db: &Db, login: &str, pw: &str, ip: &str) -> Result<User, SignInError> {
    let login = login_key(login);
    let ip: String = ip.chars().take(64).collect();
    let mut c = db.conn().await?;
    if let Err(wait) = accounts::claim_attempt(&mut c.ex(), &login, &ip).await? {
        return Err(SignInError::Wait(wait));
    }
    let user = accounts::user_by_login(&mut c.ex(), &login).await?.filter(|u| u.archived_at.is_none());
    drop(c); // no connection is held while the password is checked
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let pw: String = pw.chars().take(1024).collect();
    let ok = crate::hashing::verify(pw, hash.clone().unwrap_or(dummy_hash().await)).await && hash.is_some();
    match (ok, user) {
        (true, Some(u)) => {
            let mut c = db.conn().await?;
            accounts::clear_attempts(&mut c.ex(), &login, &ip).await?;
            Ok(u)
        }
        _ => Err(SignInError::Wrong),
    }
}

/// Opens a session for `user`, ending the session this browser had before (if any).
pub async fn start_session(db: &Db, user: &User, previous: Option<&str>) -> Result<String> {
    let mut tx = db.begin().await?;
    if let Some(token) = previous {
        accounts::delete_session(&mut tx.ex(), token).await?;
    }
    let token = accounts::create_session(&mut tx.ex(), user.id, Duration::hours(SESSION_TTL_HOURS)).await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn end_session(db: &Db, token: &str) -> Result<()> {
    let mut c = db.conn().await?;
    accounts::delete_session(&mut c.ex(), token).await
}

/// A new account made by the admin (or the CLI).
pub struct NewAccount {
    pub login: String,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub district: Option<i64>,
    /// Set now (the CLI); None makes an invitation link instead.
    pub password: Option<String>,
}

/// Creates a head, an observer or an admin; returns the account and, without a password, the
/// token of a one-time link to set one.
pub async fn create_account(db: &Db, actor: &Actor, a: NewAccount) -> Result<(i64, Option<String>)> {
    let full_name = domain::text::clean(&a.full_name);
    let email = domain::text::clean(&a.email);
    if full_name.is_empty() {
        return Err(field_error("full_name", "ФИО: обязательное поле"));
    }
    if full_name.chars().count() > 200 {
        return Err(field_error("full_name", "ФИО: не длиннее 200 символов"));
    }
    if a.role == Role::Librarian {
        return Err(field_error(
            "role",
            "Роль: библиотекарей приглашает руководитель МО со страницы библиотекаря в банке данных",
        ));
    }
    let district = if a.role == Role::Admin { None } else { a.district };
    if a.role != Role::Admin {
        let mut c = db.conn().await?;
        let known = match district {
            Some(d) => directory::get_district(&mut c.ex(), d).await.is_ok(),
            None => false,
        };
        if !known {
            return Err(field_error("district_id", "Округ: выберите округ из списка"));
        }
    }
    let hash = match &a.password {
        Some(p) => {
            if let Some(w) = password::weakness(p) {
                return Err(field_error("password", w));
            }
            Some(crate::hashing::hash(p.clone()).await)
        }
        None => None,
    };
    let mut tx = db.begin().await?;
    let login = a.login.trim().to_lowercase();
    let new = NewUser {
        login: &login,
        full_name: &full_name,
        email: &email,
        role: a.role,
        district_id: district,
        school_id: None,
        password_hash: hash,
    };
    let id = accounts::create_user(&mut tx.ex(), new).await?;
    let token = match a.password {
        None => Some(accounts::create_invite(&mut tx.ex(), id, actor.user_id.unwrap_or(id), invite_ttl()).await?),
        Some(_) => None,
    };
    let change = Change {
        action: "create",
        entity: "user",
        entity_id: Some(id),
        district_id: district,
        summary: format!("Создана учётная запись {login} ({})", a.role.title_ru()),
        before: None,
        after: None,
    };
    audit::record(&mut tx.ex(), actor, change).await?;
    tx.commit().await?;
    Ok((id, token))
}

fn invite_ttl() -> Duration {
    Duration::days(INVITE_TTL_DAYS)
}

/// The head invites a librarian of the data bank who has no account yet: an account is made with
/// the login given and a one-time link to set the password is returned. A record that already has
/// an account is refused: taking over an account is a password reset, which only the admin does.
pub async fn invite_librarian(db: &Db, reach: &Reach, librarian: i64, login: &str) -> Result<(User, String)> {
    let mut tx = db.begin().await?;
    let lib = directory::get_librarian(&mut tx.ex(), reach, librarian).await?;
    if lib.district_id != reach.district() || !reach.is_head() {
        return Err(Error::NotFound);
    }
    if lib.archived_at.is_some() {
        return Err(field_error("login", "Запись в архиве: сначала верните её из архива"));
    }
    if lib.user_id.is_some() {
        return Err(field_error(
            "login",
            "У этого библиотекаря уже есть учётная запись. Если пароль забыт, его сбрасывает администратор системы",
        ));
    }
    let login = login.trim().to_lowercase();
    let new = NewUser {
        login: &login,
        full_name: &lib.full_name,
        email: &lib.email,
        role: Role::Librarian,
        district_id: Some(lib.district_id),
        school_id: Some(lib.school_id),
        password_hash: None,
    };
    let account_id = accounts::create_user(&mut tx.ex(), new).await?;
    // Guarded: of two invitations sent at once, one links its account; the other is rolled back.
    if !directory::link_librarian_user(&mut tx.ex(), lib.id, account_id).await? {
        return Err(field_error("login", "Этого библиотекаря только что пригласили: обновите страницу"));
    }
    let by = reach.user().unwrap_or(account_id);
    let token = accounts::create_invite(&mut tx.ex(), account_id, by, invite_ttl()).await?;
    let account = accounts::user_by_id(&mut tx.ex(), account_id).await?;
    let change = Change {
        action: "invite",
        entity: "user",
        entity_id: Some(account_id),
        district_id: Some(lib.district_id),
        summary: format!("Приглашение: {} (логин {})", lib.full_name, account.login),
        before: None,
        after: None,
    };
    audit::record(&mut tx.ex(), &reach.actor(), change).await?;
    tx.commit().await?;
    Ok((account, token))
}

/// The admin resets an existing account's password: a one-time link replaces any older one, and
/// the owner is told at their next visit who did it and when.
pub async fn reset_password(db: &Db, admin: &User, user_id: i64) -> Result<(User, String)> {
    let mut tx = db.begin().await?;
    let user = accounts::user_by_id(&mut tx.ex(), user_id).await?;
    if user.archived_at.is_some() {
        return Err(Error::Invalid("Учётная запись закрыта (в архиве): пароль не сбрасывается".into()));
    }
    let token = accounts::create_invite(&mut tx.ex(), user.id, admin.id, invite_ttl()).await?;
    let when = crate::directory::moment(store::now());
    let notice = format!(
        "{when} администратор {} выдал ссылку для смены вашего пароля. Если вы об этом не просили, сообщите руководителю МО.",
        admin.full_name
    );
    accounts::set_notice(&mut tx.ex(), user.id, &notice).await?;
    let change = Change {
        action: "reset",
        entity: "user",
        entity_id: Some(user.id),
        district_id: user.district_id,
        summary: format!("Администратор {} сбросил пароль учётной записи {}", admin.full_name, user.login),
        before: None,
        after: None,
    };
    audit::record(&mut tx.ex(), &Actor { user_id: Some(admin.id), district_id: None }, change).await?;
    tx.commit().await?;
    Ok((user, token))
}

/// Sets the password of an invitation or reset link and uses the link up. The audit names who
/// issued the link.
pub async fn accept_invite(db: &Db, token: &str, pw: &str, pw2: &str) -> Result<User> {
    let user = {
        let mut c = db.conn().await?;
        accounts::invite_user(&mut c.ex(), token).await?.ok_or_else(invalid_link)?
    };
    if pw != pw2 {
        return Err(field_error("password2", "Пароли не совпадают"));
    }
    if let Some(w) = password::weakness_for(pw, &[&user.login, &user.full_name]) {
        return Err(field_error("password", w));
    }
    let hash = crate::hashing::hash(pw.to_string()).await;
    let mut tx = db.begin().await?;
    let issuer = accounts::invite_issuer(&mut tx.ex(), token).await?;
    if !accounts::use_invite(&mut tx.ex(), token).await? {
        return Err(invalid_link());
    }
    accounts::set_password(&mut tx.ex(), user.id, &hash).await?;
    let by = match issuer {
        Some(i) if i.id != user.id => format!(" по ссылке, которую выдал(а) {}", i.full_name),
        _ => String::new(),
    };
    let change = Change {
        action: "password",
        entity: "user",
        entity_id: Some(user.id),
        district_id: user.district_id,
        summary: format!("{} задал(а) пароль{by}", user.full_name),
        before: None,
        after: None,
    };
    let actor = Actor { user_id: Some(user.id), district_id: user.district_id };
    audit::record(&mut tx.ex(), &actor, change).await?;
    tx.commit().await?;
    Ok(user)
}

/// What a used or expired invitation or reset link answers.
pub const DEAD_LINK: &str =
    "Ссылка недействительна: она уже использована или истёк её срок. Попросите руководителя МО (или администратора) прислать новую.";

fn invalid_link() -> Error {
    Error::Invalid(DEAD_LINK.into())
}

/// The owner has read their notice.
pub async fn dismiss_notice(db: &Db, user: &User) -> Result<()> {
    let mut c = db.conn().await?;
    accounts::set_notice(&mut c.ex(), user.id, "").await
}

pub async fn create_district(db: &Db, actor: &Actor, name: &str, region: &str) -> Result<i64> {
    let name = domain::text::clean(name);
    let region = domain::text::clean(region);
    if name.chars().count() > 200 || region.chars().count() > 200 {
        return Err(field_error("name", "Название округа и региона: не длиннее 200 символов"));
    }
    let mut tx = db.begin().await?;
    let id = directory::create_district(&mut tx.ex(), actor, &name, &region).await?;
    tx.commit().await?;
    Ok(id)
}

/// Forgets expired sessions, links and throttling; the server runs it on a timer.
pub async fn purge(db: &Db) -> Result<u64> {
    let mut c = db.conn().await?;
    accounts::purge_expired(&mut c.ex()).await
}
