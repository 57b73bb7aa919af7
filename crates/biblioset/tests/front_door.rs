//! The front door under hostile input, faults and load: each test is a finding of the security
//! review that failed before its fix. Hostile files are generated here, never kept as fixtures.

mod common;

use common::{Client, TestApp};
use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;

async fn rows_in(app: &TestApp, table: &str) -> i64 {
    common::count(&app.db, table).await
}

fn sheet(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Данные").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

on_both!(a_sparse_spreadsheet_is_refused_in_russian, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let before = rows_in(&app, "schools").await;
    // A header and one cell at the last cell of a sheet: 1.7 KB that once asked for 512 GiB.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Краткое наименование").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000);
    let r = head.post_file("/schools/import", "пустышка.xlsx", bytes).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Файл «пустышка.xlsx»") && page.contains("строк"), "{page}");
    // More rows than a district has schools: refused as a whole, nothing written.
    let mut rows = vec![vec!["Краткое наименование".to_string(), "Полное наименование".into(), "Тип".into()]];
    rows.extend((0..501).map(|i| vec![format!("Школа {i}"), format!("Школа номер {i}"), "СОШ".into()]));
    let r = head.post_file("/schools/import", "много.xlsx", sheet(&rows)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("больше 500 строк"));
    assert_eq!(rows_in(&app, "schools").await, before);
});

on_both!(every_problem_of_every_row_is_reported, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let rows = vec![
        vec![
            "ФИО".to_string(),
            "Школа (краткое наименование)".into(),
            "Электронная почта".into(),
            "Дата аттестации".into(),
        ],
        vec!["Иванова Анна".into(), "Нет такой школы".into(), "не почта".into(), "31.02.2024".into()],
    ];
    let r = head.post_file("/librarians/import", "кадры.xlsx", sheet(&rows)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    for what in ["нет в справочнике округа", "не адрес электронной почты", "такой даты нет в календаре"]
    {
        assert!(page.contains(what), "the row's problem «{what}» is reported with the others");
    }
});

on_both!(an_oversized_form_is_refused_unread, |app| {
    let c = Client::new(&app.url);
    c.warm().await;
    let huge = "a".repeat(2 * 1024 * 1024);
    let r = c.post_form("/login", &[("login", huge.as_str()), ("password", "x")]).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = r.text().await.unwrap();
    assert!(page.len() < 20_000 && page.contains("Запрос слишком большой"), "nothing of the input is echoed");
    assert_eq!(rows_in(&app, "login_throttle").await, 0, "nothing was stored");
    // A long login that fits the form is cut before it is stored or shown.
    let long = "b".repeat(5_000);
    let r = c.post_form("/login", &[("login", long.as_str()), ("password", "x")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.text().await.unwrap().contains(&long[..100]));
    let mut conn = app.db.conn().await.unwrap();
    let n: (i64,) = store::on!(&mut conn.ex(), x => sqlx::query_as("SELECT CAST(MAX(LENGTH(login)) AS BIGINT) FROM login_throttle").fetch_one(x).await).unwrap();
    assert!(n.0 <= 64, "stored login is cut to 64 characters");
});

on_both!(a_large_import_does_not_block_other_users, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let mut c = app.db.conn().await.unwrap();
    let schools = store::directory::list_schools(
        &mut c.ex(),
        &store::Reach::whole_district(common::demo_ids(&app).await.district),
        &store::ListQuery::all(),
    )
    .await
    .unwrap()
    .items;
    drop(c);
    let mut rows = vec![vec!["ФИО".to_string(), "Школа (краткое наименование)".into(), "Должность".into()]];
    rows.extend((0..2000).map(|i| {
        vec![format!("Сотрудникова Мария {i}"), schools[i % schools.len()].short_name.clone(), "библиотекарь".into()]
    }));
    let bytes = sheet(&rows);
    let url = app.url.clone();
    let import = tokio::spawn(async move { head.post_file("/librarians/import", "большой.xlsx", bytes).await });
    let mut signed = 0;
    while !import.is_finished() {
        let c = Client::new(&url);
        c.login("observer").await; // fails the test on anything but a redirect
        signed += 1;
    }
    let r = import.await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(signed >= 1, "sign-ins went on during the import");
});

on_both!(a_head_cannot_take_over_an_account, |app| {
    let mut c = app.db.conn().await.unwrap();
    let head_user = store::accounts::user_by_login(&mut c.ex(), "head").await.unwrap().unwrap();
    let record = store::directory::librarian_of_user(&mut c.ex(), &store::Reach::of(&head_user).unwrap())
        .await
        .unwrap()
        .unwrap();
    drop(c);
    let head = Client::signed_in(&app.url, "head").await;
    let invites = rows_in(&app, "invites").await;
    let r = head.post_form(&format!("/librarians/{}/invite", record.id), &[("login", "taken-over")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("уже есть учётная запись"));
    assert_eq!(rows_in(&app, "invites").await, invites, "no link was made");
    Client::signed_in(&app.url, "head").await; // the password still works

    // Only the admin resets a password; the owner is told, and the audit names the admin.
    let admin = Client::signed_in(&app.url, "admin").await;
    let r = admin.post_form(&format!("/admin/users/{}/reset", head_user.id), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("/invite/"));
    let (_, page) = head.text("/").await;
    assert!(page.contains("администратор Администратор системы выдал ссылку для смены вашего пароля"), "{page}");
    let (_, audit) = head.text("/audit").await;
    assert!(audit.contains("Администратор системы сбросил пароль учётной записи head"), "the audit names who reset it");
});

on_both!(failures_slow_down_only_the_failing_address, |app| {
    let attacker = Client::at(&app.url, "203.0.113.7");
    for _ in 0..5 {
        let r = attacker.post_form("/login", &[("login", "observer"), ("password", "мимо")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = attacker.post_form("/login", &[("login", "observer"), ("password", common::PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the failing pair waits");
    assert!(r.text().await.unwrap().contains("Подождите"));
    let owner = Client::at(&app.url, "198.51.100.20");
    owner.login("observer").await; // the owner, elsewhere, is never refused

    // Behind the proxy, only the address the proxy added counts: a client writing its own
    // X-Forwarded-For entries in front of it changes nothing.
    for i in 0..6 {
        let c = Client::at(&app.url, &format!("10.9.8.{i}, 203.0.113.99"));
        let r = c.post_form("/login", &[("login", "lib03"), ("password", "мимо")]).await;
        let expected = if i < 5 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(r.status(), expected, "attempt {i}");
    }

    // An address that fails across many logins is slowed down as a whole.
    let sprayer = Client::at(&app.url, "192.0.2.200");
    for i in 0..store::accounts::MAX_LOGINS_PER_ADDRESS {
        let r = sprayer.post_form("/login", &[("login", &format!("nobody{i}")), ("password", "мимо")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = sprayer.post_form("/login", &[("login", "one-more"), ("password", "мимо")]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(rows_in(&app, "login_throttle").await <= store::accounts::MAX_LOGINS_PER_ADDRESS + 10);
});

on_both!(an_upload_is_refused_before_it_is_read, |app| {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Headers announcing 15 MB, and no body: a visitor who may not import is answered at once.
    let host = app.url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /schools/import HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 15000000\r\nCookie: bs_csrf={}\r\n\r\n",
        "a".repeat(64)
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("answered without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
});

on_both!(a_burst_of_attempts_is_counted_exactly, |app| {
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let url = app.url.clone();
        tasks.push(tokio::spawn(async move {
            let c = Client::at(&url, "192.0.2.50");
            c.warm().await;
            c.post_form("/login", &[("login", "lib07"), ("password", "мимо")]).await.status()
        }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNPROCESSABLE_ENTITY => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected answer {other}"),
        }
    }
    let mut c = app.db.conn().await.unwrap();
    let counted = store::accounts::failures(&mut c.ex(), "lib07", "192.0.2.50").await.unwrap();
    assert_eq!(counted, checked, "every checked password is counted");
    assert!(checked <= store::accounts::FREE_FAILURES, "no more than the free attempts got through: {checked}");
});

on_both!(a_forged_csrf_pair_is_refused, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let session = head.cookie("bs_session").unwrap();
    let forged = "f".repeat(64);
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let before = rows_in(&app, "audit_log").await;
    let r = raw
        .post(format!("{}/schools/{}", app.url, demo.own_school))
        .header("cookie", format!("bs_session={session}; bs_csrf={forged}"))
        .header("x-csrf-token", &forged)
        .form(&[("short_name", "Подмена"), ("full_name", "Подмена"), ("kind", "sosh")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(rows_in(&app, "audit_log").await, before);
});

on_both!(invisible_characters_never_reach_storage, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let sneaky = "МБОУ\u{00A0}СОШ \u{200B}№ 77\u{202E}\u{FEFF}";
    let r = head
        .post_form("/schools", &[("short_name", sneaky), ("full_name", "Школа\u{0000} № 77"), ("kind", "СОШ")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = head
        .post_form("/schools", &[("short_name", "МБОУ СОШ № 77"), ("full_name", "Школа № 77"), ("kind", "СОШ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the look-alike is the same school");
    assert!(r.text().await.unwrap().contains("уже есть"));
    let mut c = app.db.conn().await.unwrap();
    let reach = store::Reach::whole_district(common::demo_ids(&app).await.district);
    let s = store::directory::school_by_short_name(&mut c.ex(), &reach, "МБОУ СОШ № 77").await.unwrap().unwrap();
    assert_eq!(s.full_name, "Школа № 77");
    drop(c);
    for path in ["/schools?q=%00", "/api/schools?q=%00%E2%80%8B", "/librarians?q=%00"] {
        assert_eq!(head.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let anon = Client::new(&app.url);
    let r = anon.post_form("/login", &[("login", "head\u{0000}"), ("password", "x\u{0000}")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A spreadsheet with a no-break space in the name finds the same school.
    let rows = vec![
        vec!["Краткое наименование".to_string(), "Директор".into()],
        vec!["МБОУ\u{00A0}СОШ № 77".into(), "Иванова И. И.".into()],
    ];
    let r = head.post_file("/schools/import", "школы.xlsx", sheet(&rows)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("добавлено 0, обновлено 1"));
    let body = serde_json::json!({"short_name": "МБОУ СОШ № 77", "full_name": "Школа\u{0000}", "kind": "sosh"});
    let r = head.put_json(&format!("/api/schools/{}", s.id), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
});

on_both!(answers_carry_security_headers, |app| {
    let c = Client::new(&app.url);
    let r = c.get("/login").await;
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    let r = c.get("/static/app.css").await;
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    assert_eq!(c.get("/favicon.ico").await.status(), StatusCode::OK);
});

on_both!(signing_in_again_ends_the_previous_session, |app| {
    let c = Client::signed_in(&app.url, "lib02").await;
    let first = c.cookie("bs_session").unwrap();
    c.login("lib02").await;
    assert_ne!(c.cookie("bs_session").unwrap(), first);
    let stale = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = stale.get(format!("{}/", app.url)).header("cookie", format!("bs_session={first}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the old session is gone");
    for _ in 0..12 {
        Client::signed_in(&app.url, "lib02").await;
    }
    let mut conn = app.db.conn().await.unwrap();
    let user = store::accounts::user_by_login(&mut conn.ex(), "lib02").await.unwrap().unwrap();
    let sql = format!("SELECT COUNT(*) FROM sessions WHERE user_id = {}", user.id);
    let n: (i64,) = store::on!(&mut conn.ex(), x => sqlx::query_as(&sql).fetch_one(x).await).unwrap();
    assert!(n.0 <= store::accounts::MAX_SESSIONS, "sessions per account are capped: {}", n.0);
});

on_both!(weak_passwords_are_refused, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let r = head.post_form(&format!("/librarians/{}/invite", demo.own_librarian), &[("login", "testova")]).await;
    let page = r.text().await.unwrap();
    let start = page.find("/invite/").unwrap();
    let path: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let newcomer = Client::new(&app.url);
    for weak in ["aaaaaaaa", "password", "12345678", "testova2024"] {
        let r = newcomer.post_form(&path, &[("password", weak), ("password2", weak)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
    }
    let r = newcomer.post_form(&path, &[("password", "книги-и-читатели"), ("password2", "книги-и-читатели")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
});

on_both!(simultaneous_creations_get_answers_not_errors, |app| {
    let admin = Client::signed_in(&app.url, "admin").await;
    let head = Client::signed_in(&app.url, "head").await;
    let district = common::demo_ids(&app).await.district.to_string();
    let mut logins = Vec::new();
    let mut schools = Vec::new();
    for _ in 0..6 {
        let form = [
            ("login", "twin"),
            ("full_name", "Двойников Иван"),
            ("role", "observer"),
            ("district_id", district.as_str()),
        ];
        let form: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let c = Client::new(&app.url).share_from(&admin);
        logins.push(tokio::spawn(async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            c.post_form("/admin/users", &f).await.status()
        }));
        let c = Client::new(&app.url).share_from(&head);
        schools.push(tokio::spawn(async move {
            c.post_form("/schools", &[("short_name", "МБОУ Близнецы"), ("full_name", "Школа-близнец"), ("kind", "СОШ")])
                .await
                .status()
        }));
    }
    let mut created = (0, 0);
    for t in logins {
        match t.await.unwrap() {
            StatusCode::OK => created.0 += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("a simultaneous login creation answered {other}"),
        }
    }
    for t in schools {
        match t.await.unwrap() {
            StatusCode::SEE_OTHER => created.1 += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("a simultaneous school creation answered {other}"),
        }
    }
    assert_eq!(created, (1, 1), "each exists once");

    // Two invitations of one librarian at once: one account, one link.
    let demo = common::demo_ids(&app).await;
    let accounts_before = rows_in(&app, "users").await;
    let mut invites = Vec::new();
    for i in 0..4 {
        let c = Client::new(&app.url).share_from(&head);
        let path = format!("/librarians/{}/invite", demo.other_librarian);
        invites.push(tokio::spawn(
            async move { c.post_form(&path, &[("login", &format!("twin-lib{i}"))]).await.status() },
        ));
    }
    let mut ok = 0;
    for t in invites {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("a simultaneous invitation answered {other}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(rows_in(&app, "users").await, accounts_before + 1, "no orphan account is left");
});
