//! The authorization matrix: every route of the router, every role and anonymous, against a
//! table of who is allowed. A route missing from the table fails the test.

mod common;

use std::collections::BTreeMap;

use common::{Client, TestApp};
use domain::directory::CourseInput;
use domain::{Role, SchoolYear};
use reqwest::{Method, StatusCode};
use store::accounts::{self, NewUser};
use store::audit::Actor;
use store::directory;

/// Who acts. Letters in the table: a anonymous, A admin, H head, O observer, L librarian on their
/// own school, X the same librarian on another school, S the head of another district.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anon,
    Admin,
    Head,
    Observer,
    LibOwn,
    LibOther,
    Stranger,
}

const ALL: [Who; 7] = [Who::Anon, Who::Admin, Who::Head, Who::Observer, Who::LibOwn, Who::LibOther, Who::Stranger];

impl Who {
    fn letter(self) -> char {
        match self {
            Who::Anon => 'a',
            Who::Admin => 'A',
            Who::Head => 'H',
            Who::Observer => 'O',
            Who::LibOwn => 'L',
            Who::LibOther => 'X',
            Who::Stranger => 'S',
        }
    }
    fn login(self) -> Option<&'static str> {
        match self {
            Who::Anon => None,
            Who::Admin => Some("admin"),
            Who::Head => Some("head"),
            Who::Observer => Some("observer"),
            Who::LibOwn | Who::LibOther => Some("lib01"),
            Who::Stranger => Some("head2"),
        }
    }
}

const EVERYONE: &str = "aAHOLXS";
const SIGNED: &str = "AHOLXS";

/// Who may use each route: "METHOD path" → letters.
fn expected() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("GET /health", EVERYONE),
        ("GET /static/{file}", EVERYONE),
        ("GET /favicon.ico", EVERYONE),
        ("POST /notice/dismiss", SIGNED),
        ("GET /login", EVERYONE),
        ("POST /login", EVERYONE),
        ("GET /invite/{token}", EVERYONE),
        ("POST /invite/{token}", EVERYONE),
        ("GET /", SIGNED),
        ("POST /logout", EVERYONE),
        ("GET /admin/districts", "A"),
        ("POST /admin/districts", "A"),
        ("GET /admin/users", "A"),
        ("POST /admin/users", "A"),
        ("POST /admin/users/{user}/reset", "A"),
        ("GET /schools", "HOLXS"),
        ("GET /schools/export.xlsx", "HOLXS"),
        ("GET /schools/new", "HS"),
        ("POST /schools", "HS"),
        ("GET /schools/import", "HS"),
        ("POST /schools/import", "HS"),
        ("GET /schools/import/template.xlsx", "HS"),
        ("GET /schools/{school}", "HOLX"),
        ("GET /schools/{school}/edit", "HL"),
        ("POST /schools/{school}", "HL"),
        ("POST /schools/{school}/archive", "H"),
        ("GET /passports", "HOS"),
        ("GET /passports/export.xlsx", "HOS"),
        ("GET /schools/{school}/passport", "HOL"),
        ("GET /schools/{school}/passport/{year}/edit", "HL"),
        ("POST /schools/{school}/passport/{year}", "HL"),
        ("POST /schools/{school}/passport/{year}/submit", "HL"),
        ("POST /schools/{school}/passport/{year}/accept", "H"),
        ("POST /schools/{school}/passport/{year}/return", "H"),
        ("GET /librarians", "HOLXS"),
        ("GET /librarians/export.xlsx", "HOLXS"),
        ("GET /librarians/new", "HS"),
        ("POST /librarians", "HS"),
        ("GET /librarians/import", "HS"),
        ("POST /librarians/import", "HS"),
        ("GET /librarians/import/template.xlsx", "HS"),
        ("GET /librarians/{librarian}", "HOL"),
        // L and X act on a colleague's record (see `Ids`): a librarian changes only their own,
        // which `own_record_only` below checks.
        ("GET /librarians/{librarian}/edit", "H"),
        ("POST /librarians/{librarian}", "H"),
        ("POST /librarians/{librarian}/archive", "H"),
        ("POST /librarians/{librarian}/courses", "H"),
        ("POST /librarians/{librarian}/courses/{course}/delete", "H"),
        ("POST /librarians/{librarian}/invite", "H"),
        ("GET /audit", "HS"),
        ("GET /api/openapi.json", EVERYONE),
        ("GET /api/me", SIGNED),
        ("POST /api/sessions", EVERYONE),
        ("DELETE /api/sessions/current", SIGNED),
        ("GET /api/schools", "HOLXS"),
        ("POST /api/schools", "HS"),
        ("GET /api/schools/{school}", "HOLX"),
        ("PUT /api/schools/{school}", "HL"),
        ("GET /api/schools/{school}/passports/{year}", "HOL"),
        ("PUT /api/schools/{school}/passports/{year}", "HL"),
        ("GET /api/librarians", "HOLXS"),
        ("GET /api/librarians/{librarian}", "HOL"),
        ("PUT /api/librarians/{librarian}", "H"),
        ("GET /api/audit", "HS"),
        ("GET /fpu", SIGNED),
        ("GET /fpu/items/{item}", SIGNED),
        ("GET /fpu/import", "A"),
        ("POST /fpu/import", "A"),
        ("GET /api/fpu", SIGNED),
        ("GET /fsem", SIGNED),
        ("GET /fsem/import", "AHS"),
        ("POST /fsem/import", "AHS"),
        ("GET /schools/{school}/fsem", "HOL"),
        ("POST /schools/{school}/fsem/catalog", "HL"),
        ("POST /schools/{school}/fsem/check", "HL"),
        ("POST /schools/{school}/fsem/candidates/{candidate}/confirm", "HL"),
        ("POST /schools/{school}/fsem/candidates/{candidate}/dismiss", "HL"),
        ("POST /schools/{school}/fsem/commission", "HL"),
        ("GET /schools/{school}/fsem/checks/{check}", "HOL"),
        ("GET /schools/{school}/fsem/checks/{check}/act.docx", "HOL"),
        ("GET /schools/{school}/fsem/acts/{act}", "HOL"),
        ("GET /schools/{school}/fsem/acts/{act}/act.docx", "HOL"),
        ("POST /schools/{school}/fsem/acts/{act}/close", "HL"),
        ("GET /fsem/district", "HOS"),
        ("POST /fsem/district/settings", "HS"),
        ("GET /schools/{school}/fund", "HOL"),
        ("GET /schools/{school}/fund/curriculum", "HOL"),
        ("POST /schools/{school}/fund/curriculum", "HL"),
        ("POST /schools/{school}/fund/curriculum/{line}/delete", "HL"),
        ("POST /schools/{school}/fund/curriculum/copy", "HL"),
        ("GET /schools/{school}/fund/documents", "HOL"),
        ("POST /schools/{school}/fund/receipts", "HL"),
        ("POST /schools/{school}/fund/writeoffs", "HL"),
        ("GET /schools/{school}/fund/pupils", "HOL"),
        ("POST /schools/{school}/fund/pupils", "HL"),
        ("GET /schools/{school}/fund/compliance", "HOL"),
        ("GET /schools/{school}/fund/ksu.xlsx", "HOL"),
        ("GET /schools/{school}/fund/ksu.docx", "HOL"),
        ("GET /api/schools/{school}/provision", "HOL"),
        ("POST /api/schools/{school}/writeoffs", "HL"),
        ("GET /schools/{school}/fund/import", "HL"),
        ("POST /schools/{school}/fund/import", "HL"),
        ("POST /schools/{school}/fund/import/{pending}", "HL"),
        ("GET /schools/{school}/fund/import/template.xlsx", "HL"),
        ("POST /schools/{school}/fund/pupils/import", "HL"),
        ("GET /schools/{school}/fund/pupils/template.xlsx", "HL"),
        ("GET /fund", "HOS"),
        ("GET /fund/compliance", "HOS"),
        ("GET /fund/forms.xlsx", "HOS"),
        ("GET /plan", "HOLXS"),
        ("POST /plan/start", "HS"),
        ("POST /plan/text", "HS"),
        ("POST /plan/close", "HS"),
        ("POST /plan/events", "HS"),
        ("GET /plan/events/{event}", "HOLX"),
        ("POST /plan/events/{event}", "H"),
        ("POST /plan/events/{event}/delete", "H"),
        ("POST /plan/indicators", "HS"),
        ("GET /plan/print", "HOLXS"),
        ("GET /plan/plan.docx", "HOLXS"),
        ("GET /plan/import", "HS"),
        ("POST /plan/import", "HS"),
        ("POST /plan/import/commit", "HS"),
        ("GET /api/plan", "HOLXS"),
        ("POST /api/plan", "HS"),
        ("POST /api/plan/events", "HS"),
        ("GET /meetings", "HOLXS"),
        ("POST /meetings", "HS"),
        ("GET /meetings/{meeting}", "HOLX"),
        ("POST /meetings/{meeting}", "H"),
        ("POST /meetings/{meeting}/agenda", "H"),
        ("POST /meetings/{meeting}/agenda/{agenda_item}/delete", "H"),
        ("POST /meetings/{meeting}/attendance", "H"),
        ("GET /meetings/{meeting}/protocol", "HOLX"),
        ("GET /meetings/{meeting}/protocol.docx", "HOLX"),
        ("POST /api/plan/meetings", "HS"),
        ("POST /api/meetings/{meeting}/agenda", "H"),
        ("GET /calendar", "HOLXS"),
        ("POST /calendar/feed", "HOLXS"),
        ("POST /calendar/feed/revoke", "HOLXS"),
        // A calendar program fetches the feed without a session; the secret address is the key.
        ("GET /ics/{token}", EVERYONE),
        ("GET /analysis", "HOS"),
        ("POST /analysis", "HS"),
        ("GET /analysis.docx", "HOS"),
        ("GET /development", "HOS"),
        ("GET /contests", "HOLXS"),
        ("POST /contests", "HS"),
    ])
}

#[test]
fn every_route_has_an_entry_and_every_entry_a_route() {
    let table: Vec<String> = web::routes::table().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    let exp = expected();
    for key in &table {
        assert!(exp.contains_key(key.as_str()), "route {key} has no entry in the authorization matrix");
    }
    for key in exp.keys() {
        assert!(table.iter().any(|t| t == key), "matrix entry {key} matches no route");
    }
}

struct Ids {
    year: i32,
    observer: i64,
    own_school: i64,
    other_school: i64,
    own_librarian: i64,
    other_librarian: i64,
}

async fn fresh_course(app: &TestApp, librarian: i64) -> i64 {
    let f =
        CourseInput {
            title: "Курсы".into(), hours: "16".into(), end_date: "01.02.2025".into(), ..Default::default()
        }
        .validate()
        .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let id = directory::add_course(&mut tx.ex(), &Actor::SYSTEM, librarian, &f).await.unwrap();
    tx.commit().await.unwrap();
    id
}

static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A curriculum line of the school to delete: a copy of one the demo gave it, under another subject.
async fn fresh_line(app: &TestApp, school: i64) -> i64 {
    let mut c = app.db.conn().await.unwrap();
    let head = accounts::user_by_login(&mut c.ex(), "head").await.unwrap().unwrap();
    let reach = store::Reach::of(&head).unwrap();
    let year = SchoolYear::current().start_year();
    let any = store::fund::curriculum(&mut c.ex(), &reach, Some(school), year).await.unwrap();
    let l = any.first().expect("the demo school has a curriculum");
    let line = store::fund::NewLine {
        school_id: school,
        year,
        grade: l.grade as u8,
        subject: format!("{} (копия {})", l.subject, COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        item_id: l.item_id,
        aid: l.aid.clone(),
        share: 100,
    };
    store::fund::add_curriculum_line(&mut c.ex(), &Actor::SYSTEM, &line).await.unwrap()
}

/// The demo plan of this year, opened again if a request of the matrix closed it.
async fn open_plan(app: &TestApp) -> store::planning::Plan {
    let mut c = app.db.conn().await.unwrap();
    let head = accounts::user_by_login(&mut c.ex(), "head").await.unwrap().unwrap();
    let reach = store::Reach::of(&head).unwrap();
    let plan = store::planning::plan(&mut c.ex(), &reach, SchoolYear::current().start_year())
        .await
        .unwrap()
        .expect("the demo has a plan");
    store::planning::set_closed(&mut c.ex(), &Actor::SYSTEM, &plan, false).await.unwrap();
    plan
}

/// An event of the demo plan to change or delete.
async fn fresh_event(app: &TestApp) -> i64 {
    let plan = open_plan(app).await;
    let due = domain::planning::Deadline::parse("май", SchoolYear::current()).unwrap();
    let e = store::planning::NewEvent {
        section: String::new(),
        content: "Проверка доступа".into(),
        due,
        status: "planned".into(),
        result: String::new(),
        evidence: String::new(),
        people: vec![],
    };
    let mut c = app.db.conn().await.unwrap();
    store::planning::add_events(&mut c.ex(), plan.id, &[e]).await.unwrap()[0]
}

/// A meeting of the demo plan, and a fresh agenda item of it to delete.
async fn demo_meeting(app: &TestApp, with_item: bool) -> (i64, i64) {
    let plan = open_plan(app).await;
    let mut c = app.db.conn().await.unwrap();
    let m = store::planning::meetings(&mut c.ex(), plan.id)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo has meetings");
    let item = if with_item {
        store::planning::add_agenda_item(&mut c.ex(), &m, "Проверка доступа", "theory", &[]).await.unwrap()
    } else {
        0
    };
    (m.id, item)
}

/// A finished check of the school with one candidate awaiting review and one confirmed into the
/// school's draft act: (check, open candidate, act). Made anew for each request.
async fn fresh_findings(app: &TestApp, school: i64) -> (i64, i64, i64) {
    use store::compliance::{Found, NewCheck};
    let n = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let list = "\u{feff}№;Материал;Дата включения\r\n1;\"Книга Засекина Р.Т. «Чёрное знамя»\";01.02.2018\r\n";
    app::fsem::import_list(&app.db, &Actor::SYSTEM, list.as_bytes(), "fsem.csv").await.unwrap();
    let mut c = app.db.conn().await.unwrap();
    let version = store::fsem::latest_version(&mut c.ex()).await.unwrap().unwrap();
    let import = store::catalog::start_import(&mut c.ex(), &Actor::SYSTEM, school, "k.xml", 1).await.unwrap();
    let record = |k: &str| store::catalog::NewRecord {
        record_key: k.into(),
        title: "Чёрное знамя".into(),
        author: "Засекин Р. Т.".into(),
    };
    store::catalog::add_records(&mut c.ex(), import, &[record("a"), record("b")]).await.unwrap();
    let district =
        store::scope::parties(&mut c.ex(), store::scope::Kind::School, school).await.unwrap().unwrap().district;
    store::catalog::finish_import(&mut c.ex(), &Actor::SYSTEM, district, import, "").await.unwrap();
    let new = NewCheck {
        school,
        catalog_id: import,
        version_id: version.id,
        last_number: 1,
        scope: "full",
        job_id: None,
        threshold_pct: 72,
        records: 2,
        checked_by: None,
    };
    let check = store::compliance::start_check(&mut c.ex(), &new).await.unwrap().unwrap();
    let found = |k: String| Found {
        record_key: k,
        title: "Чёрное знамя".into(),
        author: "Засекин Р. Т.".into(),
        entry_number: 1,
        entry_text: "Книга".into(),
        score_pct: 100,
        why: "совпали".into(),
        excluded: false,
    };
    store::compliance::finish_check(
        &mut c.ex(),
        &Actor::SYSTEM,
        district,
        check,
        &[found(format!("x{n}")), found(format!("y{n}"))],
    )
    .await
    .unwrap();
    let open = store::compliance::open_candidates(&mut c.ex(), school).await.unwrap();
    let mine: Vec<i64> = open.iter().filter(|o| o.check_id == check).map(|o| o.id).collect();
    let act =
        store::compliance::confirm(&mut c.ex(), &Actor::SYSTEM, district, school, mine[0], domain::clock::today())
            .await
            .unwrap();
    (check, mine[1], act)
}

/// A feed address of the head's, so that the public feed answers.
async fn feed_token(app: &TestApp) -> String {
    let mut c = app.db.conn().await.unwrap();
    let head = accounts::user_by_login(&mut c.ex(), "head").await.unwrap().unwrap();
    store::planning::new_calendar_token(&mut c.ex(), head.id).await.unwrap()
}

async fn request(app: &TestApp, c: &Client, who: Who, method: &Method, path: &str, ids: &Ids) -> StatusCode {
    let (school, librarian) = if who == Who::LibOther {
        (ids.other_school, ids.other_librarian)
    } else {
        (ids.own_school, ids.own_librarian)
    };
    let mut url = path
        .replace("{school}", &school.to_string())
        .replace("{librarian}", &librarian.to_string())
        .replace("{year}", &ids.year.to_string())
        .replace("{file}", "app.css")
        .replace("{user}", &ids.observer.to_string())
        .replace("{token}", "0000")
        .replace("{pending}", "0");
    if path.contains("{line}") {
        url = url.replace("{line}", &fresh_line(app, school).await.to_string());
    }
    if path.contains("{item}") {
        let mut c = app.db.conn().await.unwrap();
        let order = store::fund::current_fpu_order(&mut c.ex()).await.unwrap().expect("the demo has a list");
        let any = store::fund::fpu_listed(&mut c.ex(), order.id, &Default::default(), 1, 1).await.unwrap();
        url = url.replace("{item}", &any.items[0].item_id.to_string());
    }
    if path.contains("{event}") {
        url = url.replace("{event}", &fresh_event(app).await.to_string());
    }
    if path.contains("{meeting}") {
        let (m, item) = demo_meeting(app, path.contains("{agenda_item}")).await;
        url = url.replace("{meeting}", &m.to_string()).replace("{agenda_item}", &item.to_string());
    }
    if path.starts_with("/ics/") {
        url = format!("/ics/{}", feed_token(app).await);
    }
    if path.contains("{candidate}") || path.contains("{check}") || path.contains("{act}") {
        let (check, candidate, act) = fresh_findings(app, school).await;
        url = url
            .replace("{check}", &check.to_string())
            .replace("{candidate}", &candidate.to_string())
            .replace("{act}", &act.to_string());
    }
    if path.contains("{course}") {
        url = url.replace("{course}", &fresh_course(app, librarian).await.to_string());
    }
    c.warm().await;
    let full = format!("{}{url}", c.base);
    let req = c.http.request(method.clone(), &full).header("X-CSRF-Token", c.csrf());
    let req = if *method == Method::GET {
        req
    } else if url.starts_with("/api/") {
        req.json(&serde_json::json!({}))
    } else {
        req.form(&[("_csrf", c.csrf())])
    };
    let r = req.send().await.unwrap();
    let status = r.status();
    let to_login = r.headers().get("location").and_then(|v| v.to_str().ok()).is_some_and(|l| l.starts_with("/login"));
    if *method == Method::GET && status == StatusCode::SEE_OTHER && to_login {
        return StatusCode::UNAUTHORIZED;
    }
    status
}

fn denied(s: StatusCode) -> bool {
    matches!(s, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
}

on_both!(matrix, |app| {
    let demo = common::demo_ids(&app).await;
    {
        // The head of another district, to prove nothing crosses districts.
        let mut tx = app.db.begin().await.unwrap();
        let d2 = directory::create_district(&mut tx.ex(), &Actor::SYSTEM, "Соседний округ", "").await.unwrap();
        accounts::create_user(
            &mut tx.ex(),
            NewUser {
                login: "head2",
                full_name: "Чужой Руководитель",
                email: "",
                role: Role::Head,
                district_id: Some(d2),
                school_id: None,
                password_hash: Some(domain::password::hash(common::PASSWORD)),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let observer = {
        let mut c = app.db.conn().await.unwrap();
        accounts::user_by_login(&mut c.ex(), "observer").await.unwrap().unwrap().id
    };
    let ids = Ids {
        year: SchoolYear::current().start_year(),
        observer,
        own_school: demo.own_school,
        other_school: demo.other_school,
        own_librarian: demo.own_librarian,
        other_librarian: demo.other_librarian,
    };
    let exp = expected();
    let mut routes: Vec<(Method, &'static str)> = web::routes::table()
        .iter()
        .map(|r| (Method::from_bytes(r.method.as_str().as_bytes()).unwrap(), r.path))
        .collect();
    // Signing out goes last, so the session lives through the other routes.
    let ends_session = |m: &Method, p: &str| p == "/logout" || (*m == Method::DELETE && p.starts_with("/api/sessions"));
    routes.sort_by_key(|(m, p)| ends_session(m, p));
    let mut wrong = Vec::new();
    for who in ALL {
        let c = Client::new(&app.url);
        if let Some(login) = who.login() {
            c.login(login).await;
        }
        for (method, path) in &routes {
            let key = format!("{method} {path}");
            let allowed = exp[key.as_str()].contains(who.letter());
            if let (true, Some(login)) = (ends_session(method, path), who.login()) {
                c.login(login).await; // the other way of signing out ran just before
            }
            let status = request(&app, &c, who, method, path, &ids).await;
            if allowed == denied(status) || status.is_server_error() {
                wrong.push(format!(
                    "{key} as {who:?}: expected {}, got {status}",
                    if allowed { "allowed" } else { "denied" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "authorization matrix violated:\n{}", wrong.join("\n"));
});

// The librarian's own record: the routes closed to them on a colleague's record are open on it.
on_both!(own_record_only, |app| {
    let mut c = app.db.conn().await.unwrap();
    let user = accounts::user_by_login(&mut c.ex(), "lib01").await.unwrap().unwrap();
    let own = directory::librarian_of_user(&mut c.ex(), &store::Reach::of(&user).unwrap()).await.unwrap().unwrap();
    drop(c);
    let lib = Client::signed_in(&app.url, "lib01").await;
    let course = fresh_course(&app, own.id).await;
    for (method, path) in [
        (Method::GET, format!("/librarians/{}/edit", own.id)),
        (Method::POST, format!("/librarians/{}/courses", own.id)),
        (Method::POST, format!("/librarians/{}/courses/{course}/delete", own.id)),
        (Method::PUT, format!("/api/librarians/{}", own.id)),
    ] {
        lib.warm().await;
        let req = lib.http.request(method.clone(), format!("{}{path}", app.url)).header("X-CSRF-Token", lib.csrf());
        let req = if method == Method::PUT {
            req.json(&serde_json::json!({"full_name": own.full_name}))
        } else if method == Method::POST {
            req.form(&[("_csrf", lib.csrf())])
        } else {
            req
        };
        let status = req.send().await.unwrap().status();
        assert!(!denied(status) && !status.is_server_error(), "{method} {path}: {status}");
    }
    for path in [format!("/librarians/{}/archive", own.id), format!("/librarians/{}/invite", own.id)] {
        let r = lib.post_form(&path, &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
});
