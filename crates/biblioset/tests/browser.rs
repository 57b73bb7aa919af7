//! In a real browser (headless Chromium through chromedriver): a librarian signs in, edits their
//! library passport, and is refused another school's edit page. Screenshots are saved.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

fn find(candidates: &[&str]) -> Option<String> {
    candidates.iter().find(|p| std::path::Path::new(p).exists()).map(|p| p.to_string())
}

/// chromedriver and Chromium, or None (loudly) when they are missing outside CI.
fn browser_tools() -> Option<(String, String)> {
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    let chrome = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    match (driver, chrome) {
        (Some(d), Some(c)) => Some((d, c)),
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but chromium/chromedriver are missing: the browser tests must run in CI");
            }
            eprintln!("!!! SKIPPED browser test: install Debian's chromium and chromium-driver to run it");
            None
        }
    }
}

struct Browser {
    client: Client,
    _driver: Child,
    _profile: PathBuf,
}

async fn start_browser(driver: &str, chrome: &str) -> Browser {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let profile = std::env::temp_dir().join(format!("biblioset-chrome-{port}"));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chrome,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1366,768", "--lang=ru", format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps: fantoccini::wd::Capabilities = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    for attempt in 0.. {
        let conn = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(conn).capabilities(caps.clone()).connect(&url).await {
            Ok(client) => return Browser { client, _driver: child, _profile: profile },
            Err(e) if attempt < 50 => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a browser session: {e}"),
        }
    }
    unreachable!()
}

fn shots() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots().join(name), png).unwrap();
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

async fn librarian_edits_passport(app: TestApp, db_kind: &str) {
    let Some((driver, chrome)) = browser_tools() else {
        return;
    };
    let demo = common::demo_ids(&app).await;
    let b = start_browser(&driver, &chrome).await;
    let c = &b.client;

    c.goto(&format!("{}/", app.url)).await.unwrap();
    c.find(Locator::Css("input[name=login]")).await.unwrap().send_keys("lib01").await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(common::PASSWORD).await.unwrap();
    c.find(Locator::Css("form[action='/login'] button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("Паспорт библиотеки")).await.unwrap();
    assert!(body_text(c).await.contains("МБОУ СОШ № 1"));
    shot(c, &format!("{db_kind}-librarian-dashboard.png")).await;

    c.find(Locator::LinkText("Паспорт библиотеки")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("a.button")).await.unwrap();
    c.find(Locator::Css(".head-row a.button")).await.unwrap().click().await.unwrap();
    let readers = c.wait().for_element(Locator::Css("input[name=readers]")).await.unwrap();
    readers.clear().await.unwrap();
    readers.send_keys("много").await.unwrap();
    c.find(Locator::Css("#passport-form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("label.invalid")).await.unwrap();
    assert!(body_text(c).await.contains("Читателей: «много» — нужно целое число"));
    shot(c, &format!("{db_kind}-passport-error.png")).await;

    let readers = c.find(Locator::Css("input[name=readers]")).await.unwrap();
    readers.clear().await.unwrap();
    readers.send_keys("777").await.unwrap();
    c.find(Locator::Css("#passport-form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("dl.facts")).await.unwrap();
    assert!(body_text(c).await.contains("Сохранено."));
    let readers = c.find(Locator::XPath("//dt[.='Читателей']/following-sibling::dd[1]")).await.unwrap();
    assert_eq!(readers.text().await.unwrap(), "777", "the saved passport shows the new figure");
    shot(c, &format!("{db_kind}-passport-saved.png")).await;

    c.goto(&format!("{}/schools/{}/edit", app.url, demo.other_school)).await.unwrap();
    let text = body_text(c).await;
    assert!(text.contains("Нет доступа") && text.contains("со сведениями только своей школы"), "{text}");
    shot(c, &format!("{db_kind}-other-school-refused.png")).await;

    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{}/librarians", app.url)).await.unwrap();
    shot(c, &format!("{db_kind}-phone-librarians.png")).await;

    // The head sees the librarian's change in the audit log.
    c.set_window_size(1366, 768).await.unwrap();
    c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("input[name=login]")).await.unwrap().send_keys("head").await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(common::PASSWORD).await.unwrap();
    c.find(Locator::Css("form[action='/login'] button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".tiles")).await.unwrap();
    shot(c, &format!("{db_kind}-head-dashboard.png")).await;

    // On a phone the head's wide table scrolls sideways and keeps the school's name in view,
    // and the menu's links are big enough for a finger.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{}/passports", app.url)).await.unwrap();
    let js = "const s = document.querySelector('.scroll'); s.scrollLeft = 400; \
              const cell = s.querySelector('tbody td:first-child').getBoundingClientRect(); \
              const box = s.getBoundingClientRect(); \
              const link = document.querySelector('header nav a').getBoundingClientRect(); \
              return [s.scrollLeft, cell.left - box.left, link.height];";
    let got = c.execute(js, vec![]).await.unwrap();
    let got: Vec<f64> = serde_json::from_value(got).unwrap();
    assert!(got[0] > 0.0, "the table scrolls sideways: {got:?}");
    assert!(got[1].abs() < 2.0, "the school column stays at the left edge: {got:?}");
    assert!(got[2] >= 44.0, "menu links are at least 44 px tall: {got:?}");
    shot(c, &format!("{db_kind}-phone-passports-scrolled.png")).await;
    c.set_window_size(1366, 768).await.unwrap();
    c.goto(&format!("{}/audit", app.url)).await.unwrap();
    let text = body_text(c).await;
    assert!(text.contains("Паспорт библиотеки «МБОУ СОШ № 1»") && text.contains("Новикова Марина Петровна"), "{text}");
    c.find(Locator::Css("details summary")).await.unwrap().click().await.unwrap();
    assert!(body_text(c).await.contains("Читателей:"), "the entry lists what changed");
    shot(c, &format!("{db_kind}-head-audit.png")).await;
    c.clone().close().await.unwrap();
}

#[tokio::test]
async fn sqlite() {
    librarian_edits_passport(common::spawn(common::Kind::Sqlite).await.unwrap(), "sqlite").await;
}

#[tokio::test]
async fn postgres() {
    if let Some(app) = common::spawn(common::Kind::Postgres).await {
        librarian_edits_passport(app, "postgres").await;
    }
}
