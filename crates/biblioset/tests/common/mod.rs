//! Test support: the real server on a random port over a fresh database of either kind, and an
//! HTTP client that signs in and carries the CSRF token like a browser.
#![allow(dead_code)]

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use store::{demo, testing, Db};

pub const PASSWORD: &str = demo::PASSWORD;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub url: String,
    pub db: Db,
    pub db_url: String,
}

/// Starts the app over a fresh database filled with the demo district; None when PostgreSQL is
/// asked for but not configured (the skip is announced on stderr, and is a failure under CI).
pub async fn spawn(kind: Kind) -> Option<TestApp> {
    let (db, db_url) = match kind {
        Kind::Sqlite => testing::fresh_sqlite().await.unwrap(),
        Kind::Postgres => testing::fresh_postgres().await.unwrap()?,
    };
    app::demo::seed(&db).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Behind a "proxy", so that a test can speak from several client addresses (X-Forwarded-For).
    let config = web::Config { secure_cookies: false, public_url: url.clone(), trust_proxy: true };
    tokio::spawn(web::serve(listener, db.clone(), config));
    Some(TestApp { url, db, db_url })
}

/// Generates one test per database from one async body taking `app: TestApp`.
#[macro_export]
macro_rules! on_both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: common::TestApp) $body
            #[tokio::test]
            async fn sqlite() {
                run(common::spawn(common::Kind::Sqlite).await.unwrap()).await
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = common::spawn(common::Kind::Postgres).await {
                    run(app).await
                }
            }
        }
    };
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    jar: Arc<Jar>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client::from(base, reqwest::header::HeaderMap::new())
    }

    /// A browser at another client address (the test server trusts X-Forwarded-For).
    pub fn at(base: &str, ip: &str) -> Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-forwarded-for", ip.parse().unwrap());
        Client::from(base, h)
    }

    fn from(base: &str, headers: reqwest::header::HeaderMap) -> Client {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Client { base: base.to_string(), http, jar }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// Copies this client's cookies (the session) into another client, as a second tab would.
    pub fn share_session_with(&self, other_base: &str) -> Client {
        let c = Client::new(other_base);
        let url: reqwest::Url = other_base.parse().unwrap();
        for name in ["bs_session", "bs_csrf"] {
            if let Some(v) = self.cookie(name) {
                c.jar.add_cookie_str(&format!("{name}={v}; Path=/"), &url);
            }
        }
        c
    }

    /// This browser with `other`'s cookies, as another tab of the same person.
    pub fn share_from(self, other: &Client) -> Client {
        let url: reqwest::Url = self.base.parse().unwrap();
        for name in ["bs_session", "bs_csrf"] {
            if let Some(v) = other.cookie(name) {
                self.jar.add_cookie_str(&format!("{name}={v}; Path=/"), &url);
            }
        }
        self
    }

    pub fn csrf(&self) -> String {
        self.cookie("bs_csrf").unwrap_or_default()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.unwrap())
    }

    /// Makes sure the browser has its CSRF cookie, as any page view would give it.
    pub async fn warm(&self) {
        if self.cookie("bs_csrf").is_none() {
            self.get("/login").await;
        }
    }

    /// A form post with the CSRF field, like a page's form.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.warm().await;
        let mut form: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        form.push(("_csrf".into(), self.csrf()));
        self.http.post(format!("{}{path}", self.base)).form(&form).send().await.unwrap()
    }

    pub async fn post_file(&self, path: &str, file_name: &str, bytes: Vec<u8>) -> Response {
        self.warm().await;
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().text("_csrf", self.csrf()).part("file", part);
        self.http.post(format!("{}{path}", self.base)).multipart(form).send().await.unwrap()
    }

    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> Response {
        self.warm().await;
        self.http
            .put(format!("{}{path}", self.base))
            .header("X-CSRF-Token", self.csrf())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, login: &str) {
        let r = self.post_form("/login", &[("login", login), ("password", PASSWORD)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {login} failed: {}", r.text().await.unwrap());
    }

    pub async fn signed_in(base: &str, login: &str) -> Client {
        let c = Client::new(base);
        c.login(login).await;
        c
    }
}

/// Ids the tests act on, read from the demo district.
pub struct Demo {
    pub district: i64,
    /// The school of lib01, and another school.
    pub own_school: i64,
    pub other_school: i64,
    /// Librarian records without accounts in those schools (safe to archive or invite).
    pub own_librarian: i64,
    pub other_librarian: i64,
}

pub async fn demo_ids(app: &TestApp) -> Demo {
    use domain::directory::LibrarianInput;
    let mut tx = app.db.begin().await.unwrap();
    let lib01 = store::accounts::user_by_login(&mut tx.ex(), "lib01").await.unwrap().unwrap();
    let lib02 = store::accounts::user_by_login(&mut tx.ex(), "lib02").await.unwrap().unwrap();
    let district = lib01.district_id.unwrap();
    let (own_school, other_school) = (lib01.school_id.unwrap(), lib02.school_id.unwrap());
    let actor = store::audit::Actor::SYSTEM;
    let extra = |name: &str| LibrarianInput { full_name: name.into(), ..Default::default() }.validate().unwrap();
    let own_librarian =
        store::directory::create_librarian(&mut tx.ex(), &actor, own_school, &extra("Тестова Ольга Ивановна"))
            .await
            .unwrap();
    let other_librarian =
        store::directory::create_librarian(&mut tx.ex(), &actor, other_school, &extra("Проверкина Ирина Петровна"))
            .await
            .unwrap();
    tx.commit().await.unwrap();
    Demo { district, own_school, other_school, own_librarian, other_librarian }
}

/// Rows in a table, to prove that a refused change wrote nothing.
pub async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let mut c = db.conn().await.unwrap();
    let n: (i64,) = store::on!(&mut c.ex(), x => sqlx::query_as(&sql).fetch_one(x).await).unwrap();
    n.0
}
