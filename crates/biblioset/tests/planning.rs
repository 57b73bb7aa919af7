//! The association's work as the head does it: the five real plans of ../shared/seeds (as Word
//! fixtures) entered through the JSON API and printed back, the import of a Word plan with its
//! review, meetings with agenda and attendance rules, the protocol, the calendar feed read by an
//! iCalendar parser, a closed year, and the annual analysis.

mod common;

use std::io::Cursor;

use common::Client;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

/// The five seeds: fixture file and the school year each plan is for.
const SEEDS: [(&str, i32); 5] =
    [("seed0.docx", 2023), ("seed1.docx", 2020), ("seed2.docx", 2019), ("seed3.docx", 2023), ("seed4.docx", 2025)];

fn fixture(name: &str) -> Vec<u8> {
    // At run time: a test binary built in another checkout must still read this one's files.
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let path = format!("{dir}/../formats/tests/fixtures/plans/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn post_json(c: &Client, path: &str, body: &Value) -> Response {
    c.warm().await;
    c.http.post(format!("{}{path}", c.base)).header("X-CSRF-Token", c.csrf()).json(body).send().await.unwrap()
}

async fn ok_json(c: &Client, path: &str, body: &Value) -> Value {
    let r = post_json(c, path, body).await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{path} {body}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The text of a downloaded Word file, paragraphs and table cells in order.
async fn docx_text(c: &Client, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let bytes = r.bytes().await.unwrap();
    let body = formats::docx::read(&bytes, "download.docx").unwrap();
    let mut out = Vec::new();
    for b in body.blocks {
        match b {
            formats::docx::Block::Paragraph(p) => out.push(p),
            formats::docx::Block::Table(rows) => {
                for row in rows {
                    out.push(row.join(" | "));
                }
            }
        }
    }
    out.join("\n")
}

/// Asserts that each needle occurs in `hay`, each after the one before.
fn in_order(hay: &str, needles: &[String], what: &str) {
    let mut at = 0;
    for n in needles {
        match hay[at..].find(n.as_str()) {
            Some(i) => at += i + n.len(),
            None => panic!("{what}: «{n}» missing or out of order after byte {at}"),
        }
    }
}

/// The start of a text, enough to find it again in a document (cells may wrap lines).
fn head(s: &str) -> String {
    let first = s.lines().next().unwrap_or("").trim();
    first.chars().take(40).collect()
}

/// The head of a new district of their own: two seeds are plans of the same school year.
async fn head_of_new_district(app: &common::TestApp, login: &str) -> Client {
    let mut tx = app.db.begin().await.unwrap();
    let actor = store::audit::Actor::SYSTEM;
    let d = store::directory::create_district(&mut tx.ex(), &actor, &format!("Округ {login}"), "").await.unwrap();
    let user = store::accounts::NewUser {
        login,
        full_name: "Руководитель МО",
        email: "",
        role: domain::Role::Head,
        district_id: Some(d),
        school_id: None,
        password_hash: Some(domain::password::hash(common::PASSWORD)),
    };
    store::accounts::create_user(&mut tx.ex(), user).await.unwrap();
    tx.commit().await.unwrap();
    Client::signed_in(&app.url, login).await
}

on_both!(five_seed_plans_entered_through_the_api_print_back_in_order, |app| {
    for (n, (file, year)) in SEEDS.into_iter().enumerate() {
        let head_c = head_of_new_district(&app, &format!("seedhead{n}")).await;
        let body = formats::docx::read(&fixture(file), file).unwrap();
        let draft = formats::plan::read_plan(&body);
        assert!(!draft.events.is_empty() || !draft.meetings.is_empty(), "{file}: nothing read");
        ok_json(
            &head_c,
            "/api/plan",
            &json!({"year": year.to_string(), "theme": draft.theme.clone().unwrap_or_default(),
            "goal": draft.goal.clone().unwrap_or_default(), "tasks": draft.tasks.join("\n")}),
        )
        .await;
        for e in &draft.events {
            ok_json(
                &head_c,
                "/api/plan/events",
                &json!({"year": year.to_string(), "section": e.section, "content": e.content,
                "due": e.due, "responsible": e.responsible}),
            )
            .await;
        }
        for (i, m) in draft.meetings.iter().enumerate() {
            // A meeting the seed dates in words («Сентябрь») is entered on the month's first day.
            let due = domain::planning::Deadline::parse(&m.date, domain::SchoolYear::starting(year).unwrap()).unwrap();
            let date = due
                .from
                .unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(year, 9, 1).unwrap() + chrono::Days::new(i as u64));
            let id = ok_json(&head_c, "/api/plan/meetings", &json!({"year": year.to_string(), "number": (i + 1).to_string(),
                "date": domain::dates::format(date), "place": if m.place.is_empty() { "онлайн" } else { m.place.as_str() },
                "topic": m.topic}))
            .await;
            let id = id.as_i64().unwrap();
            for (part, text) in [("practice", &m.practice), ("theory", &m.theory)] {
                if !text.trim().is_empty() {
                    ok_json(
                        &head_c,
                        &format!("/api/meetings/{id}/agenda"),
                        &json!({"title": text, "part": part, "speakers": m.responsible}),
                    )
                    .await;
                }
            }
        }
        // Printed back: every event's content in the plan's order, and its responsible people.
        let text = docx_text(&head_c, &format!("/plan/plan.docx?year={year}")).await;
        let events: Vec<String> = draft.events.iter().map(|e| head(&e.content)).collect();
        in_order(&text, &events, file);
        for e in &draft.events {
            if let Some(p) = domain::planning::split_people(&e.responsible).0.first() {
                assert!(text.contains(&p.surname), "{file}: responsible «{}» not printed", p.surname);
            }
        }
        let topics: Vec<String> = draft.meetings.iter().map(|m| head(&m.topic)).collect();
        in_order(&text, &topics, &format!("{file} meetings"));
        // The other layout prints the same events, by direction.
        let by_direction = docx_text(&head_c, &format!("/plan/plan.docx?year={year}&layout=directions")).await;
        in_order(&by_direction, &events, &format!("{file}, by directions"));
        // The JSON API gives back what was entered, in order.
        let plan: Value = head_c.get(&format!("/api/plan?year={year}")).await.json().await.unwrap();
        let got: Vec<&str> =
            plan["events"].as_array().unwrap().iter().map(|e| e["content"].as_str().unwrap()).collect();
        assert_eq!(got.len(), draft.events.len(), "{file}");
    }
});

on_both!(a_word_plan_imports_after_review_all_or_nothing, |app| {
    let head_c = Client::signed_in(&app.url, "head").await;
    let before = common::count(&app.db, "plan_events").await;
    // A broken file: a Russian message, nothing written.
    let r = head_c.post_file("/plan/import?year=2023", "план.docx", b"%PDF-1.4 not a plan".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("PDF"), "{page}");
    // The seed with the numbered table: read, reviewed, written.
    let r = head_c.post_file("/plan/import?year=2023", "План ГТО ШБ.docx", fixture("seed3.docx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("Утверждение плана работы"), "review shows the events");
    assert!(page.contains("r_content"), "the review is a form");
    assert_eq!(common::count(&app.db, "plan_events").await, before, "nothing is written before the review is sent");
    // The head sends the review back with one deadline broken: nothing is written.
    let body = formats::docx::read(&fixture("seed3.docx"), "seed3.docx").unwrap();
    let draft = formats::plan::read_plan(&body);
    let mut fields: Vec<(String, String)> = vec![("year".into(), "2023".into())];
    for (i, e) in draft.events.iter().enumerate() {
        let due = if i == 2 { "31.02.2024".to_string() } else { e.due.clone() };
        for (k, v) in [
            ("kind", "event"),
            ("section", &e.section),
            ("content", &e.content),
            ("due", &due),
            ("responsible", &e.responsible),
            ("number", ""),
            ("place", ""),
            ("practice", ""),
            ("theory", ""),
            ("source", &format!("таблица {}, строка {}", e.table, e.row)),
        ] {
            fields.push((format!("r_{k}"), v.to_string()));
        }
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = head_c.post_form("/plan/import/commit", &refs).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("31.02.2024"), "the message names the wrong date");
    assert_eq!(common::count(&app.db, "plan_events").await, before);
    // Fixed: every event is written, deadlines as dates, months or words.
    let fixed: Vec<(&str, &str)> = refs
        .iter()
        .map(|(k, v)| if *v == "31.02.2024" { (*k, draft.events[2].due.as_str()) } else { (*k, *v) })
        .collect();
    let r = head_c.post_form("/plan/import/commit", &fixed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    assert_eq!(common::count(&app.db, "plan_events").await, before + draft.events.len() as i64);
    let plan: Value = head_c.get("/api/plan?year=2023").await.json().await.unwrap();
    let first = &plan["events"][0];
    assert_eq!(first["due_kind"], "day");
    assert_eq!(first["due_from"], "2023-09-11");
    let whole_year = plan["events"].as_array().unwrap().iter().find(|e| e["due_text"] == "В течение года").unwrap();
    assert_eq!(whole_year["due_kind"], "phrase");
});

on_both!(meetings_take_attendance_by_the_calendar_and_print_a_protocol, |app| {
    let head_c = Client::signed_in(&app.url, "head").await;
    let year = domain::SchoolYear::of(domain::clock::today());
    let y = year.start_year().to_string();
    // The demo has this year's plan; a meeting yesterday and one next week (within the year when possible).
    let today = domain::clock::today();
    let past = today.pred_opt().unwrap().max(domain::fund::start_of(year));
    let future = (today + chrono::Days::new(7)).min(domain::fund::end_of(year));
    let m1 = ok_json(
        &head_c,
        "/api/plan/meetings",
        &json!({"year": y, "date": domain::dates::format(past), "place": "онлайн",
        "topic": "Проверочное заседание: итоги"}),
    )
    .await
    .as_i64()
    .unwrap();
    let m2 = ok_json(
        &head_c,
        "/api/plan/meetings",
        &json!({"year": y, "date": domain::dates::format(future), "time": "14:30",
        "place": "онлайн", "topic": "Проверочное заседание: планы"}),
    )
    .await
    .as_i64()
    .unwrap();
    // Numbered within the year: each new meeting takes the next number; the list is by date.
    let plan: Value = head_c.get(&format!("/api/plan?year={y}")).await.json().await.unwrap();
    let meetings = plan["meetings"].as_array().unwrap();
    let number = |id: i64| meetings.iter().find(|m| m[0]["id"] == id).unwrap()[0]["number"].as_i64().unwrap();
    assert_eq!(number(m2), number(m1) + 1);
    let dates: Vec<&str> = meetings.iter().map(|m| m[0]["held_on"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    // Two speakers, one from the data bank and one from outside.
    let lib: Value = head_c.get("/api/librarians?per_page=1").await.json().await.unwrap();
    let lib = &lib["items"][0];
    let surname = lib["full_name"].as_str().unwrap().split(' ').next().unwrap().to_string();
    let initials: String = lib["full_name"]
        .as_str()
        .unwrap()
        .split(' ')
        .skip(1)
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}."))
        .collect();
    ok_json(
        &head_c,
        &format!("/api/meetings/{m1}/agenda"),
        &json!({"title": "Итоги сверки с ФСЭМ", "part": "theory",
        "speakers": format!("{surname} {initials}\nПетрова А.А. (директор, ЦБС)")}),
    )
    .await;
    // Attendance: «planned» only for a meeting still to come; facts only for one held.
    let lib_id = lib["id"].as_i64().unwrap();
    let mark = format!("mark_{lib_id}");
    let r = head_c.post_form(&format!("/meetings/{m1}/attendance"), &[(&mark, "expected")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("уже прошло"));
    let r = head_c.post_form(&format!("/meetings/{m2}/attendance"), &[(&mark, "present")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("ещё не прошло"));
    let r = head_c.post_form(&format!("/meetings/{m1}/attendance"), &[(&mark, "present")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plan: Value = head_c.get(&format!("/api/plan?year={y}")).await.json().await.unwrap();
    let held = plan["meetings"].as_array().unwrap().iter().find(|m| m[0]["id"] == m1).unwrap()[0]["status"].clone();
    assert_eq!(held, "held", "marks of who was there make the meeting held");
    // The protocol names the speakers and the one present.
    let text = docx_text(&head_c, &format!("/meetings/{m1}/protocol.docx")).await;
    assert!(text.contains("ПРОТОКОЛ"), "{text}");
    assert!(text.contains("Итоги сверки с ФСЭМ"));
    assert!(text.contains(&surname) && text.contains("Петрова А.А. (директор, ЦБС)"), "{text}");
    assert!(text.contains("Присутствовали: 1 чел."), "{text}");
    // A librarian reads the meeting but may not change it.
    let lib_c = Client::signed_in(&app.url, "lib01").await;
    assert_eq!(lib_c.get(&format!("/meetings/{m1}")).await.status(), StatusCode::OK);
    let r = lib_c.post_form(&format!("/meetings/{m1}/attendance"), &[(&mark, "absent")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
});

on_both!(the_calendar_feed_parses_and_its_token_can_be_revoked, |app| {
    let head_c = Client::signed_in(&app.url, "head").await;
    let year = domain::SchoolYear::of(domain::clock::today()).start_year().to_string();
    ok_json(&head_c, "/api/plan/events", &json!({"year": year, "content": "Неделя детской книги", "due": "март"}))
        .await;
    head_c.warm().await;
    let r = head_c.post_form("/calendar/feed", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let start = page.find("/ics/").expect("the page shows the feed address");
    let token: String = page[start + 5..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    // The feed needs no session: a calendar program fetches it.
    let anon = reqwest::Client::new();
    let r = anon.get(format!("{}/ics/{token}", app.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let body = r.text().await.unwrap();
    let mut parser = ical::IcalParser::new(Cursor::new(body.as_bytes()));
    let cal = parser.next().expect("one calendar").expect("a valid iCalendar");
    let summaries: Vec<String> = cal
        .events
        .iter()
        .filter_map(|e| e.properties.iter().find(|p| p.name == "SUMMARY").and_then(|p| p.value.clone()))
        .collect();
    assert!(summaries.iter().any(|s| s == "Неделя детской книги"), "{summaries:?}");
    let march = cal
        .events
        .iter()
        .find(|e| e.properties.iter().any(|p| p.value.as_deref() == Some("Неделя детской книги")))
        .unwrap();
    let dtstart = march.properties.iter().find(|p| p.name == "DTSTART").unwrap().value.clone().unwrap();
    assert!(dtstart.ends_with("0301"), "all-day from the 1st of March: {dtstart}");
    // Revoked: the old address answers 404.
    let r = head_c.post_form("/calendar/feed/revoke", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = anon.get(format!("{}/ics/{token}", app.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
});

on_both!(a_closed_year_needs_a_reopen_and_the_analysis_counts_what_was_done, |app| {
    let head_c = Client::signed_in(&app.url, "head").await;
    ok_json(&head_c, "/api/plan", &json!({"year": "2021", "theme": "Тема года"})).await;
    let done = ok_json(
        &head_c,
        "/api/plan/events",
        &json!({"year": "2021", "section": "Аналитическая деятельность",
        "content": "Паспортизация библиотек", "due": "Январь", "status": "done"}),
    )
    .await;
    assert!(done.as_i64().is_some());
    ok_json(
        &head_c,
        "/api/plan/events",
        &json!({"year": "2021", "section": "Аналитическая деятельность",
        "content": "Отчёт за год", "due": "июнь", "status": "moved"}),
    )
    .await;
    let bad = post_json(&head_c, "/api/plan/events", &json!({"year": "2021", "content": "Без срока", "due": ""})).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("Срок"));
    let text = docx_text(&head_c, "/analysis.docx?year=2021").await;
    assert!(text.contains("Аналитическая деятельность | 2 | 1 | 1 | 0 | 0"), "{text}");
    // Closed: a change is refused with a Russian message until the plan is reopened.
    let r = head_c.post_form("/plan/close", &[("year", "2021")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post_json(&head_c, "/api/plan/events", &json!({"year": "2021", "content": "Поздно", "due": "май"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("закрыт"));
    let r = head_c.post_form("/plan/close", &[("year", "2021"), ("reopen", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    ok_json(&head_c, "/api/plan/events", &json!({"year": "2021", "content": "Поздно, но можно", "due": "май"})).await;
    // A new year starts as a copy: events planned again, a year later.
    let r = head_c.post_form("/plan/start", &[("year", "2022"), ("copy", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plan: Value = head_c.get("/api/plan?year=2022").await.json().await.unwrap();
    assert_eq!(plan["plan"]["theme"], "Тема года");
    let first = &plan["events"][0];
    assert_eq!((first["status"].as_str(), first["due_from"].as_str()), (Some("planned"), Some("2023-01-01")));
});

on_both!(a_librarian_keeps_a_portfolio_of_links, |app| {
    let lib = Client::signed_in(&app.url, "lib01").await;
    let me: Value = lib.get("/api/me").await.json().await.unwrap();
    let list: Value = lib.get("/api/librarians?per_page=100").await.json().await.unwrap();
    let mine = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["user_id"] == me["id"])
        .expect("lib01 has a data-bank record")
        .clone();
    let path = format!("/api/librarians/{}", mine["id"]);
    let mut body = json!({"full_name": mine["full_name"], "portfolio": "конспект урока"});
    let r = lib.put_json(&path, &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(text.contains("Портфолио"), "{text}");
    body["portfolio"] = json!("https://example.org/webinar-certificate.pdf https://example.org/lesson");
    let r = lib.put_json(&path, &body).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let back: Value = lib.get(&path).await.json().await.unwrap();
    assert_eq!(back["portfolio"], "https://example.org/webinar-certificate.pdf https://example.org/lesson");
});
