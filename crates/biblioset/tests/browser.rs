//! In a real browser (headless Chromium through chromedriver): a librarian signs in, edits their
//! library passport, and is refused another school's edit page; a librarian enters opening
//! holdings and the head downloads the fund's forms; the head holds a meeting of the association
//! and downloads its protocol. Screenshots are saved.

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

/// Signs in on the login form the browser shows.
async fn sign_in(c: &Client, login: &str) {
    c.wait().for_element(Locator::Css("input[name=login]")).await.unwrap().send_keys(login).await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(common::PASSWORD).await.unwrap();
    c.find(Locator::Css("form[action='/login'] button")).await.unwrap().click().await.unwrap();
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
    sign_in(c, "lib01").await;
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
    sign_in(c, "head").await;
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

/// A holdings file: one row by number, one by title and authors alone (a sure match), one with
/// the right title but other authors (doubtful: a person reviews it).
fn holdings_file(dir: &std::path::Path, rows: &[(String, String, String, String, i64)]) -> PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in
        ["Номер в ФПУ", "Название", "Авторы", "Класс", "Год поступления", "Количество", "Цена, руб."].iter().enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, (number, title, authors, grade, copies)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write(r, 0, number.as_str()).unwrap();
        ws.write(r, 1, title.as_str()).unwrap();
        ws.write(r, 2, authors.as_str()).unwrap();
        ws.write(r, 3, grade.as_str()).unwrap();
        ws.write(r, 4, 2024).unwrap();
        ws.write(r, 5, *copies as f64).unwrap();
        ws.write(r, 6, "412,50").unwrap();
    }
    let path = dir.join("остатки.xlsx");
    book.save(&path).unwrap();
    path
}

async fn fund_first_start(app: TestApp, db_kind: &str) {
    let Some((driver, chrome)) = browser_tools() else {
        return;
    };
    let demo = common::demo_ids(&app).await;
    // Three items of grade 5 in the current list, and the school's pupils in grade 5.
    let (items, pupils5) = {
        let mut c = app.db.conn().await.unwrap();
        let order = store::fund::current_fpu_order(&mut c.ex()).await.unwrap().unwrap();
        let f = store::fund::FpuFilter { grade: Some(5), annex: Some(1), ..Default::default() };
        let items = store::fund::fpu_listed(&mut c.ex(), order.id, &f, 1, 50).await.unwrap().items;
        let reach = store::Reach::whole_district(demo.district);
        let pupils: i64 = store::fund::pupils_by_grade(
            &mut c.ex(),
            &reach,
            Some(demo.own_school),
            domain::SchoolYear::current().start_year(),
        )
        .await
        .unwrap()
        .iter()
        .filter(|r| r.1 == 5)
        .map(|r| r.2)
        .sum();
        (items, pupils)
    };
    assert!(items.len() >= 3 && pupils5 > 0);
    let dir = std::env::temp_dir().join(format!("biblioset-fund-{db_kind}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = holdings_file(
        &dir,
        &[
            (items[0].number.clone(), String::new(), String::new(), "5".into(), 30),
            (String::new(), items[1].title.clone(), items[1].authors.clone(), "5".into(), 12),
            (String::new(), items[2].title.clone(), "Неизвестный А. А.".into(), "5".into(), 7),
        ],
    );

    let b = start_browser(&driver, &chrome).await;
    let c = &b.client;
    c.goto(&format!("{}/", app.url)).await.unwrap();
    sign_in(c, "lib01").await;
    c.wait().for_element(Locator::LinkText("Учебный фонд")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("Поступления и списания")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("Ввод остатков из XLSX")).await.unwrap().click().await.unwrap();
    assert!(body_text(c).await.contains("шаблон XLSX"));
    c.find(Locator::Css("input[type=file]")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("form[data-progress] button[type=submit]")).await.unwrap().click().await.unwrap();
    // The third row is doubtful: the review asks which item it is.
    if c.wait().for_element(Locator::Css("select[name=row_4]")).await.is_err() {
        shot(c, &format!("{db_kind}-holdings-upload-failed.png")).await;
        panic!("no review of the doubtful row: {}", body_text(c).await);
    }
    let text = body_text(c).await;
    assert!(text.contains("Проверьте сопоставление") && text.contains("Неизвестный А. А."), "{text}");
    shot(c, &format!("{db_kind}-holdings-review.png")).await;
    c.find(Locator::Css(&format!("select[name=row_4] option[value='{}']", items[2].item_id)))
        .await
        .expect("the doubtful row offers the item it was made from")
        .click()
        .await
        .unwrap();
    c.find(Locator::XPath("//button[.='Ввести остатки']")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("p.ok")).await.unwrap();
    assert!(body_text(c).await.contains("строк 3, экземпляров 49"), "{}", body_text(c).await);
    c.find(Locator::LinkText("К обеспеченности")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table.provision")).await.unwrap();
    let text = body_text(c).await;
    assert!(text.contains("Обеспеченность") && text.contains("Дефицит") && text.contains("Итого"), "{text}");
    shot(c, &format!("{db_kind}-provision.png")).await;
    c.set_window_size(390, 844).await.unwrap();
    shot(c, &format!("{db_kind}-phone-provision.png")).await;
    c.set_window_size(1366, 768).await.unwrap();

    // The head downloads the monitoring forms: the browser saves the file, the test reads form 3.
    c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    sign_in(c, "head").await;
    c.wait().for_element(Locator::LinkText("Учебники")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("figure.chart svg")).await.unwrap();
    shot(c, &format!("{db_kind}-district-provision.png")).await;
    let downloads = dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let cmd = serde_json::json!({"behavior": "allow", "downloadPath": downloads.to_str().unwrap()});
    c.issue_cmd(ChromeCommand("Browser.setDownloadBehavior", cmd)).await.unwrap();
    c.find(Locator::Css("a[href^='/fund/forms.xlsx']")).await.unwrap().click().await.unwrap();
    let mut saved = None;
    for _ in 0..100 {
        saved = std::fs::read_dir(&downloads)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "xlsx"));
        if saved.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let saved = saved.expect("the browser saved the forms");
    use calamine::{Data, DataType, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&saved).unwrap();
    let form3 = book.worksheet_range("Форма 3").unwrap();
    assert_eq!(form3.get_value((2, 6)), Some(&Data::String("Учебники в наличии, шт.".into())));
    let rows: Vec<_> = form3.rows().skip(3).collect();
    let (total, data) = rows.split_last().unwrap();
    assert_eq!(total[2], Data::String("ИТОГИ".into()));
    let sum: f64 = data.iter().map(|r| r[6].as_f64().unwrap_or(0.0)).sum();
    assert_eq!(total[6].as_f64(), Some(sum), "ИТОГИ sums the holdings column");
    assert!(
        data.iter().any(|r| r[1] == Data::String("МБОУ СОШ № 1".into()) && r[3] == Data::String("5".into())),
        "the school's grade 5 is in form 3"
    );
    c.clone().close().await.unwrap();
}

#[derive(Debug)]
/// A Chrome DevTools command through chromedriver's `goog/cdp/execute` (downloads go to a folder).
struct ChromeCommand(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for ChromeCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({"cmd": self.0, "params": self.1}).to_string()))
    }
}

#[tokio::test]
async fn fund_sqlite() {
    fund_first_start(common::spawn(common::Kind::Sqlite).await.unwrap(), "sqlite").await;
}

#[tokio::test]
async fn fund_postgres() {
    if let Some(app) = common::spawn(common::Kind::Postgres).await {
        fund_first_start(app, "postgres").await;
    }
}

/// «Фамилия И.О.» of a data-bank name, as the head writes speakers.
fn short_name(full: &str) -> String {
    let mut words = full.split_whitespace();
    let surname = words.next().unwrap_or_default();
    let initials: String = words.filter_map(|w| w.chars().next()).map(|c| format!("{c}.")).collect();
    format!("{surname} {initials}")
}

/// Waits until the page the browser shows is `suffix`'s (a form's redirect has landed).
async fn wait_for_url_ending(c: &Client, suffix: &str) {
    for _ in 0..100 {
        if c.current_url().await.unwrap().as_str().ends_with(suffix) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser did not reach …{suffix}: {} — {}", c.current_url().await.unwrap(), body_text(c).await);
}

/// A desktop and a phone screenshot of the page at `url`.
async fn shots_of(c: &Client, url: &str, db_kind: &str, page: &str) {
    c.goto(url).await.unwrap();
    shot(c, &format!("{db_kind}-{page}.png")).await;
    c.set_window_size(390, 844).await.unwrap();
    shot(c, &format!("{db_kind}-phone-{page}.png")).await;
    c.set_window_size(1366, 768).await.unwrap();
}

async fn head_holds_meeting(app: TestApp, db_kind: &str) {
    let Some((driver, chrome)) = browser_tools() else {
        return;
    };
    let demo = common::demo_ids(&app).await;
    let bank = app::planning::librarians(&app.db, &store::Reach::whole_district(demo.district)).await.unwrap();
    let (came, missed, speaker) = (&bank[0], &bank[1], &bank[2]);
    let speaker = short_name(&speaker.full_name);
    let guest = "Петрова А.А. (директор, ЦБС)";
    // A day of this school year already past, so that attendance takes facts.
    let today = domain::clock::today();
    let first = domain::fund::start_of(domain::SchoolYear::current());
    let yesterday = today.pred_opt().unwrap();
    let day = if (first..=today).contains(&yesterday) { yesterday } else { first };
    let topic = "Обменный фонд учебников: итоги сверки";
    let question = "Сверка обменного фонда по школам района";

    let b = start_browser(&driver, &chrome).await;
    let c = &b.client;
    c.goto(&format!("{}/", app.url)).await.unwrap();
    sign_in(c, "head").await;
    c.wait().for_element(Locator::LinkText("План МО")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("nav.tabs")).await.unwrap();
    c.find(Locator::Css("nav.tabs a[href^='/meetings']")).await.unwrap().click().await.unwrap();
    let form = c.wait().for_element(Locator::Css("form[action='/meetings']")).await.unwrap();
    form.find(Locator::Css("input[name=date]")).await.unwrap().send_keys(&domain::dates::format(day)).await.unwrap();
    form.find(Locator::Css("input[name=time]")).await.unwrap().send_keys("15:00").await.unwrap();
    form.find(Locator::Css("input[name=place]")).await.unwrap().send_keys("онлайн").await.unwrap();
    form.find(Locator::Css("textarea[name=topic]")).await.unwrap().send_keys(topic).await.unwrap();
    form.find(Locator::Css("input[name=form]")).await.unwrap().send_keys("вебинар").await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url_ending(c, "?saved=1").await;
    let meeting_url = c.current_url().await.unwrap().as_str().trim_end_matches("?saved=1").to_string();
    let text = body_text(c).await;
    assert!(text.contains(&format!("от {}", domain::dates::format(day))) && text.contains(topic), "{text}");

    // One question, two speakers: one from the data bank, one from outside.
    let form = c.find(Locator::Css("form[action$='/agenda']")).await.unwrap();
    form.find(Locator::Css("textarea[name=title]")).await.unwrap().send_keys(question).await.unwrap();
    form.find(Locator::Css("select[name=part] option[value=practice]")).await.unwrap().click().await.unwrap();
    let speakers = format!("{speaker}\n{guest}");
    form.find(Locator::Css("textarea[name=speakers]")).await.unwrap().send_keys(&speakers).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url_ending(c, "#agenda").await;
    let item = c.find(Locator::Css("#agenda + ol > li")).await.unwrap().text().await.unwrap();
    // The librarian is matched to the data bank: their post and school follow the name.
    let matched = format!("{speaker} (");
    assert!(item.contains(question) && item.contains(&matched) && item.contains(guest), "{item}");

    for (who, mark) in [(came, "present"), (missed, "absent")] {
        let option = format!("select[name=mark_{}] option[value={mark}]", who.id);
        c.find(Locator::Css(&option)).await.unwrap().click().await.unwrap();
    }
    c.find(Locator::Css("form[action$='/attendance'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url_ending(c, "#attendance").await;
    for (who, title) in [(came, "присутствовал(а)"), (missed, "отсутствовал(а)")] {
        let chosen = format!("select[name=mark_{}] option:checked", who.id);
        assert_eq!(c.find(Locator::Css(&chosen)).await.unwrap().text().await.unwrap(), title, "{}", who.full_name);
    }
    shots_of(c, &meeting_url, db_kind, "meeting").await;

    // The protocol as the browser saves it, read back as Word paragraphs.
    let downloads = std::env::temp_dir().join(format!("biblioset-protocol-{db_kind}-{}", std::process::id()));
    std::fs::create_dir_all(&downloads).unwrap();
    let cmd = serde_json::json!({"behavior": "allow", "downloadPath": downloads.to_str().unwrap()});
    c.issue_cmd(ChromeCommand("Browser.setDownloadBehavior", cmd)).await.unwrap();
    c.find(Locator::LinkText("Протокол DOCX")).await.unwrap().click().await.unwrap();
    let mut saved = None;
    for _ in 0..100 {
        saved = std::fs::read_dir(&downloads)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "docx"));
        if saved.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let saved = saved.expect("the browser saved the protocol");
    let body = formats::docx::read(&std::fs::read(&saved).unwrap(), "протокол.docx").unwrap();
    let text: Vec<String> = body
        .blocks
        .iter()
        .map(|b| match b {
            formats::docx::Block::Paragraph(p) => p.clone(),
            formats::docx::Block::Table(rows) => rows.iter().map(|r| r.join("\t")).collect::<Vec<_>>().join("\n"),
        })
        .collect();
    let text = text.join("\n");
    assert!(text.contains("ПРОТОКОЛ") && text.contains(question), "{text}");
    assert!(text.contains(&speaker) && text.contains(guest), "both speakers are heard: {text}");
    assert!(text.contains("Присутствовали: 1 чел."), "only the marks of this meeting count: {text}");
    assert!(text.contains(&came.full_name) && text.contains(&missed.full_name), "{text}");

    shots_of(c, &format!("{}/plan", app.url), db_kind, "plan").await;
    shots_of(c, &format!("{}/calendar", app.url), db_kind, "calendar").await;
    let _ = std::fs::remove_dir_all(&downloads);
    c.clone().close().await.unwrap();
}

#[tokio::test]
async fn planning_sqlite() {
    head_holds_meeting(common::spawn(common::Kind::Sqlite).await.unwrap(), "sqlite").await;
}

#[tokio::test]
async fn planning_postgres() {
    if let Some(app) = common::spawn(common::Kind::Postgres).await {
        head_holds_meeting(app, "postgres").await;
    }
}

/// Waits until the page, reloaded, holds `text` (the page refreshes itself while a file is read
/// or a check runs).
async fn wait_for_text(c: &Client, text: &str, db_kind: &str, what: &str) {
    for _ in 0..100 {
        // The page's source, not an element of it: the page may be replaced meanwhile.
        if c.source().await.is_ok_and(|s| s.contains(text)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = c.refresh().await;
    }
    shot(c, &format!("{db_kind}-{what}-failed.png")).await;
    panic!("no «{text}» on the page: {}", body_text(c).await);
}

/// A librarian uploads the school's catalog, checks it against the list, confirms the finding
/// and opens the act of withdrawal.
async fn librarian_checks_catalog(app: TestApp, db_kind: &str) {
    let Some((driver, chrome)) = browser_tools() else {
        return;
    };
    let demo = common::demo_ids(&app).await;
    let list = "\u{feff}№;Материал;Дата включения\r\n1;\"Книга Засекина Р.Т. «Чёрное знамя рассвета» (М., 2004)\";01.02.2018\r\n2;\"Аудиозапись песни «Капитанская дочка»\";01.02.2019\r\n";
    app::fsem::import_list(&app.db, &store::audit::Actor::SYSTEM, list.as_bytes(), "fsem.csv").await.unwrap();
    let dir = std::env::temp_dir().join(format!("biblioset-fsem-{db_kind}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("каталог.xml");
    let record = |id: &str, title: &str, author: &str| {
        format!(
            "<record><leader>00000nam  2200000   450 </leader><controlfield tag=\"001\">{id}</controlfield>\
             <datafield tag=\"200\" ind1=\"1\" ind2=\" \"><subfield code=\"a\">{title}</subfield></datafield>\
             <datafield tag=\"700\" ind1=\" \" ind2=\"1\"><subfield code=\"a\">{author}</subfield></datafield></record>"
        )
    };
    std::fs::write(
        &file,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><collection xmlns=\"http://www.loc.gov/MARC21/slim\">{}{}{}</collection>",
            record("K1", "Черное знамя рассвета", "Засекин Р. Т."),
            record("K2", "Капитанская дочка", "Пушкин А. С."),
            record("K3", "Тихий Дон", "Шолохов М. А."),
        ),
    )
    .unwrap();

    let b = start_browser(&driver, &chrome).await;
    let c = &b.client;
    c.goto(&format!("{}/", app.url)).await.unwrap();
    sign_in(c, "lib01").await;
    c.wait().for_element(Locator::LinkText("Сверка с ФСЭМ")).await.unwrap().click().await.unwrap();
    wait_for_url_ending(c, &format!("/schools/{}/fsem", demo.own_school)).await;
    c.find(Locator::Css("input[type=file]")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("form[data-progress] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "MARCXML, UTF-8; записей 3", db_kind, "catalog").await;
    c.goto(&format!("{}/schools/{}/fsem", app.url, demo.own_school)).await.unwrap();
    c.find(Locator::XPath("//button[.='Сверить каталог со списком']")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "К рассмотрению (1)", db_kind, "check").await;
    let text = body_text(c).await;
    assert!(text.contains("Черное знамя рассвета") && !text.contains("Похоже на № 2"), "{text}");
    shot(c, &format!("{db_kind}-fsem-review.png")).await;
    c.find(Locator::XPath("//button[.='Это материал из списка — изъять']")).await.unwrap().click().await.unwrap();
    c.accept_alert().await.unwrap();
    wait_for_text(c, "К рассмотрению (0)", db_kind, "confirm").await;
    c.find(Locator::XPath("//a[starts-with(., 'Акт № 1 ')]")).await.unwrap().click().await.unwrap();
    let text = body_text(c).await;
    assert!(text.contains("об изъятии документов") && text.contains("Черное знамя рассвета / Засекин Р. Т."), "{text}");
    shot(c, &format!("{db_kind}-fsem-act.png")).await;
}

#[tokio::test]
async fn fsem_sqlite() {
    librarian_checks_catalog(common::spawn(common::Kind::Sqlite).await.unwrap(), "sqlite").await;
}

#[tokio::test]
async fn fsem_postgres() {
    if let Some(app) = common::spawn(common::Kind::Postgres).await {
        librarian_checks_catalog(app, "postgres").await;
    }
}
