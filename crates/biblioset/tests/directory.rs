//! The directory as its users work with it: schools, passports, the librarians' data bank, the
//! audit log, exports and the JSON API.

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::Client;
use domain::SchoolYear;
use reqwest::StatusCode;

fn first_sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

on_both!(head_creates_edits_searches_and_archives_a_school, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let r = head
        .post_form(
            "/schools",
            &[("short_name", ""), ("full_name", ""), ("kind", "sosh"), ("inn", "123"), ("email", "не почта")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    for msg in ["Краткое наименование: обязательное поле", "ИНН «123»", "не адрес электронной почты"]
    {
        assert!(page.contains(msg), "the form says «{msg}»");
    }

    let r = head
        .post_form(
            "/schools",
            &[
                ("short_name", "МБОУ Ёлкинская СОШ"),
                ("full_name", "Ёлкинская средняя школа"),
                ("kind", "sosh"),
                ("inn", "7707083893"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let card = r.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let (_, list) = head.text("/schools?q=елкинск").await;
    assert!(list.contains("МБОУ Ёлкинская СОШ"), "search folds ё and case");
    assert!(list.contains("Найдено: 1"));

    let r = head
        .post_form(
            "/schools",
            &[("short_name", "Другая"), ("full_name", "Другая"), ("kind", "sosh"), ("inn", "7707083893")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("уже указан у школы «МБОУ Ёлкинская СОШ»"), "ИНН is unique");

    let r = head
        .post_form(
            &card,
            &[
                ("short_name", "МБОУ Ёлкинская СОШ"),
                ("full_name", "Ёлкинская школа"),
                ("kind", "lyceum"),
                ("inn", "7707083893"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = head.text(&card).await;
    assert!(page.contains("Лицей"));

    head.post_form(&format!("{card}/archive"), &[]).await;
    let (_, list) = head.text("/schools?q=елкинск").await;
    assert!(list.contains("Найдено: 0"), "an archived school leaves the list");
    let (_, list) = head.text("/schools?q=елкинск&archived=1").await;
    assert!(list.contains("(архив)"), "and is kept in the archive");

    let (_, audit) = head.text("/audit").await;
    assert!(audit.contains("Добавлена школа «МБОУ Ёлкинская СОШ»"));
    assert!(audit.contains("Изменена карточка школы"));
    assert!(audit.contains("перенесена в архив"));
    assert!(audit.contains("Ёлкинская средняя школа"), "the entry keeps the record before the change");
});

on_both!(lists_sort_and_page, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let (_, asc) = head.text("/schools?sort=short_name").await;
    let (_, desc) = head.text("/schools?sort=short_name&desc=1").await;
    let a = asc.find("ГКОУ Школа-интернат № 9").unwrap() < asc.find("МКОУ Луговская НОШ").unwrap();
    let d = desc.find("ГКОУ Школа-интернат № 9").unwrap() > desc.find("МКОУ Луговская НОШ").unwrap();
    assert!(a && d, "sorting follows the header");
    for i in 0..20 {
        head.post_form(
            "/schools",
            &[("short_name", &format!("Школа {i:02}")), ("full_name", "Школа"), ("kind", "other")],
        )
        .await;
    }
    let (_, p1) = head.text("/schools").await;
    assert!(p1.contains("Страница 1 из 2"));
    let (_, p2) = head.text("/schools?page=2").await;
    assert!(p2.contains("Страница 2 из 2"));
});

on_both!(librarian_works_in_own_school_only, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let (_, list) = lib.text("/librarians").await;
    assert!(list.contains("Тестова Ольга Ивановна"), "their own school's colleague is listed");
    assert!(!list.contains("Проверкина Ирина Петровна"), "another school's librarian is not");

    let r = lib.get(&format!("/schools/{}/edit", demo.other_school)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("со сведениями только своей школы"));
    let r = lib.get(&format!("/librarians/{}", demo.other_librarian)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = lib
        .post_form(
            &format!("/schools/{}", demo.own_school),
            &[
                ("short_name", "МБОУ СОШ № 1"),
                ("full_name", "Школа № 1"),
                ("kind", "sosh"),
                ("phone", "+7 (800) 100-20-30"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the librarian edits their own school card");

    // A librarian does not edit a colleague's record, even in the same school.
    let r = lib
        .post_form(
            &format!("/librarians/{}", demo.own_librarian),
            &[("full_name", "Тестова Ольга Ивановна"), ("position", "заведующая"), ("category", "first")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("только свою запись"));
    assert_eq!(lib.get(&format!("/librarians/{}/edit", demo.own_librarian)).await.status(), StatusCode::FORBIDDEN);
    let mut c = app.db.conn().await.unwrap();
    let l =
        store::directory::get_librarian(&mut c.ex(), &store::Reach::whole_district(demo.district), demo.own_librarian)
            .await
            .unwrap();
    assert_eq!((l.position.as_str(), l.category.code()), ("", "none"), "the colleague's record is unchanged");

    // Their own record they edit, but not its school, category or attestation dates.
    let user = store::accounts::user_by_login(&mut c.ex(), "lib01").await.unwrap().unwrap();
    let own =
        store::directory::librarian_of_user(&mut c.ex(), &store::Reach::of(&user).unwrap()).await.unwrap().unwrap();
    drop(c);
    let (status, form) = lib.text(&format!("/librarians/{}/edit", own.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("вносит руководитель МО"), "the form says who sets the category");
    let r = lib
        .post_form(
            &format!("/librarians/{}", own.id),
            &[
                ("full_name", own.full_name.as_str()),
                ("position", "заведующая библиотекой"),
                ("school_id", &demo.other_school.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "fields left out keep their values");
    // Even when the stored record no longer passes today's rules (a phone typed before they were
    // strict), the head's fields stay closed.
    let mut c = app.db.conn().await.unwrap();
    store::exec!(&mut c.ex(), x => sqlx::query("UPDATE librarians SET phone = '2-15-34' WHERE id = $1").bind(own.id).execute(x).await)
        .unwrap();
    drop(c);
    let r = lib
        .post_form(
            &format!("/librarians/{}", own.id),
            &[
                ("full_name", own.full_name.as_str()),
                ("phone", "+7 (81378) 2-15-34"),
                ("category", if own.category.code() == "highest" { "first" } else { "highest" }),
                ("attestation_date", "2025-01-10"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Квалификационная категория: устанавливает руководитель МО"), "{page}");
    assert!(page.contains("Дата аттестации: устанавливает руководитель МО"), "{page}");
    let mut c = app.db.conn().await.unwrap();
    let after = store::directory::get_librarian(&mut c.ex(), &store::Reach::whole_district(demo.district), own.id)
        .await
        .unwrap();
    assert_eq!(after.position, "заведующая библиотекой");
    assert_eq!(after.school_id, own.school_id, "a librarian does not move themself to another school");
    assert_eq!((after.category, after.attestation_date), (own.category, own.attestation_date));
    drop(c);

    let obs = Client::signed_in(&app.url, "observer").await;
    let r = obs
        .post_form(
            &format!("/schools/{}", demo.own_school),
            &[("short_name", "x"), ("full_name", "x"), ("kind", "sosh")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the observer changes nothing");
});

on_both!(passport_is_filled_per_school_year, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let year = SchoolYear::current();
    let y = year.start_year();
    // Only the current and the previous school year are open.
    for closed in [y + 4, y - 2] {
        let r = lib.get(&format!("/schools/{}/passport/{closed}/edit", demo.own_school)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{closed}");
        assert!(r.text().await.unwrap().contains("не заполняется"));
    }
    let url = format!("/schools/{}/passport/{y}", demo.own_school);
    let (status, form) = lib.text(&format!("{url}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(&year.to_string()));
    let r = lib.post_form(&url, &[("readers", "минус пять"), ("area_m2", "64,5")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Читателей: «минус пять» — нужно целое число"));
    let r = lib
        .post_form(
            &url,
            &[
                ("readers", "412"),
                ("area_m2", "64,5"),
                ("internet", "on"),
                ("fund_main", "9000"),
                ("fund_fiction", "4000"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let card = format!("/schools/{}/passport?year={y}", demo.own_school);
    let (_, page) = lib.text(&card).await;
    assert!(page.contains("412") && page.contains("64,5") && page.contains("есть"));
    assert!(page.contains("черновик"));
    assert!(page.contains("9\u{202F}000"), "thousands are grouped by a narrow space");

    // Submitted, it is closed to the school until the head returns it; the head accepts it.
    let r = lib.post_form(&format!("{url}/submit"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = lib.post_form(&url, &[("readers", "413")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("уже сдан"));
    assert_eq!(lib.post_form(&format!("{url}/accept"), &[]).await.status(), StatusCode::FORBIDDEN);
    let head = Client::signed_in(&app.url, "head").await;
    assert_eq!(head.post_form(&format!("{url}/accept"), &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, summary) = head.text(&format!("/passports?year={y}")).await;
    assert!(summary.contains("принят"), "the summary shows what is final");
    let bytes = head.get(&format!("/passports/export.xlsx?year={y}")).await.bytes().await.unwrap();
    let rows = first_sheet(&bytes);
    assert!(rows.iter().any(|r| r[0] == "МБОУ СОШ № 1" && r[1] == "принят" && r.iter().any(|c| c == "412")));
    assert_eq!(rows.last().unwrap()[0], "Итого", "the export ends with the page's totals");
    let r = head.post_form(&format!("{url}/return"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        lib.post_form(&url, &[("readers", "413")]).await.status(),
        StatusCode::SEE_OTHER,
        "a returned draft opens"
    );
});

on_both!(librarian_record_and_courses, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let r = head
        .post_form(
            "/librarians",
            &[
                ("full_name", "Новикова Вера Ивановна"),
                ("school_id", &demo.other_school.to_string()),
                ("category", "высшая"),
                ("attestation_date", "2024-03-15"),
                ("consent_processing_date", "2024-09-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let card = r.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let (_, page) = head.text(&card).await;
    assert!(page.contains("15.03.2029"), "the next attestation defaults to five years later, shown as ДД.ММ.ГГГГ");

    let r = head.post_form(&format!("{card}/courses"), &[("title", "Курсы"), ("hours", "сто"), ("end_date", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("нужно число часов") && page.contains("Окончание: обязательное поле"));
    let r = head
        .post_form(
            &format!("{card}/courses"),
            &[("title", "Школьный ИБЦ"), ("hours", "72"), ("start_date", "2025-01-10"), ("end_date", "2025-01-30")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A course that has not ended yet is listed but not counted.
    let next_year = SchoolYear::current().start_year() + 2;
    let later = [("title", "Будущие курсы"), ("hours", "36"), ("end_date", &format!("{next_year}-05-30"))];
    assert_eq!(head.post_form(&format!("{card}/courses"), &later).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = head.text(&card).await;
    assert!(page.contains("Школьный ИБЦ") && page.contains("Будущие курсы") && page.contains("пройдено 72 ч."));

    let bytes = head.get("/librarians/export.xlsx?q=новикова вера").await.bytes().await.unwrap();
    let rows = first_sheet(&bytes);
    assert_eq!(rows.len(), 2, "header and one librarian");
    assert!(rows[1].iter().any(|c| c.contains("Школьный ИБЦ (72 ч., 30.01.2025)")));
});

on_both!(json_api_speaks_the_same_rules, |app| {
    let demo = common::demo_ids(&app).await;
    let anon = Client::new(&app.url);
    let (status, doc) = anon.text("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert!(doc["paths"]["/api/schools/{school}"]["put"].is_object());
    assert_eq!(anon.get("/api/schools").await.status(), StatusCode::UNAUTHORIZED);

    let lib = Client::new(&app.url);
    lib.warm().await;
    let r = lib
        .http
        .post(format!("{}/api/sessions", app.url))
        .header("X-CSRF-Token", lib.csrf())
        .json(&serde_json::json!({"login": "lib01", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let me: serde_json::Value = lib.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["school_id"], demo.own_school);

    let body = serde_json::json!({"short_name": "МБОУ СОШ № 1", "full_name": "Школа № 1", "kind": "sosh", "inn": "1"});
    let r = lib.put_json(&format!("/api/schools/{}", demo.own_school), &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["fields"][0]["field"], "inn");
    let r = lib.put_json(&format!("/api/schools/{}", demo.other_school), &body).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let ok = serde_json::json!({"short_name": "МБОУ СОШ № 1", "full_name": "Школа № 1 (API)", "kind": "sosh"});
    let r = lib.put_json(&format!("/api/schools/{}", demo.own_school), &ok).await;
    assert_eq!(r.status(), StatusCode::OK);
    let s: serde_json::Value = r.json().await.unwrap();
    assert_eq!(s["full_name"], "Школа № 1 (API)");

    let r = lib.http.put(format!("{}/api/schools/{}", app.url, demo.own_school)).json(&ok).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF header, no change");

    let p = serde_json::json!({"readers": "300", "area_m2": "50"});
    let y = SchoolYear::current().start_year();
    let r = lib.put_json(&format!("/api/schools/{}/passports/{}", demo.own_school, y + 5), &p).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a year that is not open");
    let r = lib.put_json(&format!("/api/schools/{}/passports/{y}", demo.own_school), &p).await;
    assert_eq!(r.status(), StatusCode::OK);
    let got: serde_json::Value =
        lib.get(&format!("/api/schools/{}/passports/{y}-{}", demo.own_school, y + 1)).await.json().await.unwrap();
    assert_eq!(got["readers"], 300);
});

on_both!(moving_a_librarian_moves_their_access, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let mut c = app.db.conn().await.unwrap();
    let user = store::accounts::user_by_login(&mut c.ex(), "lib01").await.unwrap().unwrap();
    let record =
        store::directory::librarian_of_user(&mut c.ex(), &store::Reach::of(&user).unwrap()).await.unwrap().unwrap();
    drop(c);
    let mut form: Vec<(&str, String)> = vec![("school_id", demo.other_school.to_string())];
    form.push(("full_name", record.full_name.clone()));
    form.push(("category", record.category.code().to_string()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = head.post_form(&format!("/librarians/{}", record.id), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let lib = Client::signed_in(&app.url, "lib01").await;
    assert_eq!(
        lib.get(&format!("/schools/{}/edit", demo.other_school)).await.status(),
        StatusCode::OK,
        "the new school opens"
    );
    assert_eq!(
        lib.get(&format!("/schools/{}/edit", demo.own_school)).await.status(),
        StatusCode::FORBIDDEN,
        "the old one closes"
    );
});

on_both!(saving_unchanged_data_writes_no_audit_entry, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let mut c = app.db.conn().await.unwrap();
    let s = store::directory::get_school(&mut c.ex(), &store::Reach::whole_district(demo.district), demo.own_school)
        .await
        .unwrap();
    drop(c);
    let input = s.input();
    let fields = [
        ("short_name", input.short_name.as_str()),
        ("full_name", input.full_name.as_str()),
        ("kind", input.kind.as_str()),
        ("address", input.address.as_str()),
        ("director", input.director.as_str()),
        ("phone", input.phone.as_str()),
        ("email", input.email.as_str()),
        ("inn", input.inn.as_str()),
    ];
    let before = common::count(&app.db, "audit_log").await;
    let r = head.post_form(&format!("/schools/{}", demo.own_school), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::count(&app.db, "audit_log").await, before);
    let (_, page) = head.text(r.headers()["location"].to_str().unwrap()).await;
    assert!(page.contains("Сохранено."));
});

on_both!(an_empty_passport_is_not_a_filled_one, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let y = SchoolYear::current().start_year();
    let r = lib.post_form(&format!("/schools/{}/passport/{y}", demo.own_school), &[("readers", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Паспорт пустой"));
    let r = lib.post_form(&format!("/schools/{}/passport/{y}", demo.own_school), &[("fund_main", "6 900")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "thousands written with a space are numbers");
});

on_both!(the_audit_log_speaks_russian, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let r = head
        .post_form(
            &format!("/librarians/{}", demo.own_librarian),
            &[("full_name", "Тестова Ольга Ивановна"), ("category", "highest"), ("attestation_date", "2024-03-15")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, audit) = head.text("/audit").await;
    assert!(audit.contains("Квалификационная категория"), "labels are the record's own");
    assert!(audit.contains("высшая") && audit.contains("без категории"), "values read in Russian");
    assert!(audit.contains("15.03.2024"), "dates as ДД.ММ.ГГГГ");
    assert!(!audit.contains("highest") && !audit.contains("(код)"), "no internal codes");
});

on_both!(the_dashboard_counts_what_its_tiles_open, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    // An archived school's passport no longer counts among the district's.
    let year = SchoolYear::current().start_year();
    let (_, before) = head.text("/").await;
    let r = head.post_form(&format!("/schools/{}/archive", demo.other_school), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, after) = head.text("/").await;
    let filled = |page: &str| page.split(" из ").next().and_then(|s| s.rsplit('>').next()).map(str::to_string);
    assert_ne!(filled(&before), filled(&after), "the archived school's passport left the count");
    assert!(after.contains(&format!("/passports?year={year}")));
    // The consent tile opens the list of exactly those people, and says so.
    assert!(after.contains("/librarians?filter=no_consent"));
    let (_, list) = head.text("/librarians?filter=no_consent").await;
    assert!(list.contains("только библиотекари без согласия"));
    let mut c = app.db.conn().await.unwrap();
    let all = store::directory::list_librarians(
        &mut c.ex(),
        &store::Reach::whole_district(demo.district),
        None,
        &store::ListQuery { filter: "no_consent".into(), ..store::ListQuery::all() },
    )
    .await
    .unwrap();
    assert!(all.items.iter().all(|l| l.consent_processing_date.is_none()) && all.total > 0);
});
