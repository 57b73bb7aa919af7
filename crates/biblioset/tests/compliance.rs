//! A school's fund checked against the federal list of extremist materials: the catalog upload
//! (MARCXML and a table, broken files), the check, the review with its act, the journal, the
//! district overview, and the background check of a new list version that runs once. Synthetic
//! lists and catalogs only.

mod common;

use std::time::Duration;

use common::{Client, TestApp};
use reqwest::StatusCode;

fn list(rows: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from("\u{feff}№;Материал;Дата включения (указывается с 01.01.2017)\r\n");
    for (n, text) in rows {
        s.push_str(&format!("\"{n}\";\"{}\";\"01.02.2018\"\r\n", text.replace('"', "\"\"")));
    }
    s.into_bytes()
}

const BANNER: &str = "Книга Засекина Р.Т. \"Чёрное знамя рассвета\" (М.: Заря, 2004)";
const SONG: &str = "Аудиозапись песни «Капитанская дочка» исполнителя Сизова К.";
const JOURNAL: &str = "Журнал «Гроза полуночи», выпуск 3";

fn first_list() -> Vec<u8> {
    list(&[("1", BANNER), ("2", SONG)])
}

fn second_list() -> Vec<u8> {
    list(&[("1", BANNER), ("2", SONG), ("3", JOURNAL)])
}

/// A MARCXML catalog (RUSMARC fields): (001, title, author surname, initials).
fn marcxml(records: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n",
    );
    for (id, title, surname, initials) in records {
        s.push_str(&format!(
            "<record><leader>00000nam  2200000   450 </leader><controlfield tag=\"001\">{id}</controlfield>\
             <datafield tag=\"200\" ind1=\"1\" ind2=\" \"><subfield code=\"a\">{title}</subfield></datafield>"
        ));
        if !surname.is_empty() {
            s.push_str(&format!(
                "<datafield tag=\"700\" ind1=\" \" ind2=\"1\"><subfield code=\"a\">{surname}</subfield><subfield code=\"b\">{initials}</subfield></datafield>"
            ));
        }
        s.push_str("</record>\n");
    }
    s.push_str("</collection>\n");
    s.into_bytes()
}

fn catalog() -> Vec<u8> {
    marcxml(&[
        ("RU/1", "Черное знамя рассвета", "Засекин", "Р. Т."),
        ("RU/2", "Капитанская дочка", "Пушкин", "А. С."),
        ("RU/3", "Гроза полуночи", "", ""),
        ("RU/4", "Мёртвые души", "Гоголь", "Н. В."),
    ])
}

async fn ids(app: &TestApp) -> (i64, i64) {
    let d = common::demo_ids(app).await;
    (d.own_school, d.other_school)
}

/// Waits until the school's page no longer says a file is read or a check is running.
async fn settled(c: &Client, school: i64) -> String {
    for _ in 0..300 {
        let (s, page) = c.text(&format!("/schools/{school}/fsem")).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        if !page.contains("Страница обновляется сама") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the catalog or the check never finished");
}

async fn upload(c: &Client, school: i64, name: &str, bytes: Vec<u8>) -> String {
    let url = format!("/schools/{school}/fsem/catalog?_csrf={}", c.csrf());
    let r = c.post_file(&url, name, bytes).await;
    assert!(r.status().is_redirection() || r.status() == StatusCode::OK, "{}", r.status());
    settled(c, school).await
}

async fn open(app: &TestApp, school: i64) -> Vec<store::compliance::Candidate> {
    let mut c = app.db.conn().await.unwrap();
    store::compliance::open_candidates(&mut c.ex(), school).await.unwrap()
}

on_both!(a_librarian_checks_reviews_and_prints_the_acts, |app| {
    let (school, other) = ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let r = head.post_file("/fsem/import", "fsem.csv", first_list()).await;
    assert_eq!(r.status(), StatusCode::OK);

    let lib = Client::signed_in(&app.url, "lib01").await;
    let page = upload(&lib, school, "каталог.xml", catalog()).await;
    assert!(page.contains("«каталог.xml», MARCXML") && page.contains("записей 4"), "{page}");

    let r = lib.post_form(&format!("/schools/{school}/fsem/check"), &[]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let page = settled(&lib, school).await;
    // The listed book is found by its author and title; the song named like a classic is not.
    let found = open(&app, school).await;
    assert_eq!(
        found.iter().map(|c| (c.record_key.as_str(), c.entry_number)).collect::<Vec<_>>(),
        [("RU/1", 1)],
        "{page}"
    );
    assert!(page.contains("К рассмотрению (1)") && page.contains("Чёрное знамя рассвета"), "{page}");
    assert!(found[0].why.contains("засекин") || found[0].why.contains("Засекин"), "{}", found[0].why);

    // Another school's librarian may not touch this one's review; the observer only reads.
    let lib2 = Client::signed_in(&app.url, "lib02").await;
    let r = lib2.post_form(&format!("/schools/{school}/fsem/candidates/{}/confirm", found[0].id), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = lib.post_form(&format!("/schools/{other}/fsem/check"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The candidate id of one school under another school's address is not found.
    let r =
        head.post_form(&format!("/schools/{other}/fsem/candidates/{}/dismiss", found[0].id), &[("reason", "x")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A dismissal needs a reason.
    let r =
        lib.post_form(&format!("/schools/{school}/fsem/candidates/{}/dismiss", found[0].id), &[("reason", " ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Укажите, почему это не материал из списка"));

    let r = lib.post_form(&format!("/schools/{school}/fsem/candidates/{}/confirm", found[0].id), &[]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    // Twice is refused, not counted twice.
    let r = lib.post_form(&format!("/schools/{school}/fsem/candidates/{}/confirm", found[0].id), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(open(&app, school).await.is_empty());

    // The commission signs the acts.
    let r = lib
        .post_form(
            &format!("/schools/{school}/fsem/commission"),
            &[("members", "Иванова А. А.; директор\nПетрова Б. Б.; педагог-библиотекарь")],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());

    let (act, check) = {
        let mut c = app.db.conn().await.unwrap();
        let acts = store::compliance::acts(&mut c.ex(), school).await.unwrap();
        let journal = store::compliance::journal(&mut c.ex(), school).await.unwrap();
        assert_eq!(acts.len(), 1);
        assert_eq!((acts[0].number, acts[0].items, acts[0].state.as_str()), (1, 1, "draft"));
        assert_eq!(journal.len(), 1);
        let k = &journal[0];
        assert_eq!((k.records, k.candidates, k.confirmed, k.last_number, k.scope.as_str()), (4, 1, 1, 2, "full"));
        (acts[0].id, k.id)
    };
    let (s, page) = lib.text(&format!("/schools/{school}/fsem/acts/{act}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("АКТ № 1") && page.contains("Черное знамя рассвета / Засекин Р. Т.") && page.contains("RU/1"),
        "{page}"
    );
    assert!(page.contains("Председатель комиссии, директор _______________ Иванова А. А."), "{page}");
    let r = lib.get(&format!("/schools/{school}/fsem/acts/{act}/act.docx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = formats::docx::read(&r.bytes().await.unwrap(), "act.docx").unwrap();
    let text = format!("{body:?}");
    assert!(text.contains("Черное знамя рассвета") && text.contains("Петрова Б. Б."), "{text}");

    let (s, page) = head.text(&format!("/schools/{school}/fsem/checks/{check}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("Проверено записей электронного каталога: 4")
            && page.contains("признано материалами из списка: 1"),
        "{page}"
    );
    let r = head.get(&format!("/schools/{school}/fsem/checks/{check}/act.docx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = format!("{:?}", formats::docx::read(&r.bytes().await.unwrap(), "a.docx").unwrap());
    assert!(text.contains("Иванова А. А.") && text.contains("материал из списка, изъят"), "{text}");

    // A second check finds the same record, but the decided pair is not offered again.
    let r = lib.post_form(&format!("/schools/{school}/fsem/check"), &[]).await;
    assert!(r.status().is_redirection());
    settled(&lib, school).await;
    assert!(open(&app, school).await.is_empty());

    // Closing the act; later findings would start act № 2.
    let r = lib.post_form(&format!("/schools/{school}/fsem/acts/{act}/close"), &[("date", "31.13.2026")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = lib.post_form(&format!("/schools/{school}/fsem/acts/{act}/close"), &[("date", "01.12.2026")]).await;
    assert!(r.status().is_redirection(), "{}", r.status());

    // The district overview: this school checked with one finding, the others overdue.
    for who in [&head, &Client::signed_in(&app.url, "observer").await] {
        let (s, page) = who.text("/fsem/district").await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("документов изъято") && page.contains("просрочена"), "{page}");
    }
    let (s, _) = lib.text("/fsem/district").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = head.post_form("/fsem/district/settings", &[("every_days", "0"), ("threshold", "72")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = head.post_form("/fsem/district/settings", &[("every_days", "90"), ("threshold", "80")]).await;
    assert!(r.status().is_redirection());
    let (_, page) = head.text("/fsem/district").await;
    assert!(page.contains("раз в 90 дн."), "{page}");
});

on_both!(broken_catalogs_change_nothing, |app| {
    let (school, _) = ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    upload(&lib, school, "good.xml", catalog()).await;
    let records = common::count(&app.db, "catalog_records").await;
    assert_eq!(records, 4);

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("scan.iso", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(), "PDF"),
        ("cut.xml", catalog()[..300].to_vec(), "cut.xml"),
        ("kat.csv", "Шифр;Книга;Кто написал\n1;Шинель;Гоголь\n".as_bytes().to_vec(), "Книга, Кто написал"),
        ("noise.iso", vec![b'x'; 5000], "noise.iso"),
    ];
    for (name, bytes, says) in cases {
        let page = upload(&lib, school, name, bytes).await;
        assert!(page.contains(&format!("Файл «{name}» не загружен, в работе прежний каталог")), "{name}: {page}");
        assert!(page.contains(says), "{name}: {page}");
        assert!(page.contains("«good.xml», MARCXML") && page.contains("записей 4"), "{name}: {page}");
        assert_eq!(common::count(&app.db, "catalog_records").await, 4, "{name}");
    }
    // An empty file is not sent at all.
    let url = format!("/schools/{school}/fsem/catalog?_csrf={}", lib.csrf());
    let r = lib.post_file(&url, "empty.iso", vec![]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Выберите файл каталога"));
    // Without the CSRF token, nothing is read.
    let r = lib.post_file(&format!("/schools/{school}/fsem/catalog"), "good.xml", catalog()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A table with its columns chosen: the choice is remembered.
    let table = "Шифр;Книга;Кто написал\nT1;Черное знамя рассвета;Засекин Р. Т.\nT2;Шинель;Гоголь Н. В.\n";
    let url = format!("/schools/{school}/fsem/catalog?_csrf={}", lib.csrf());
    let form = reqwest::multipart::Form::new()
        .text("title_column", "Книга")
        .text("author_column", "Кто написал")
        .text("id_column", "Шифр")
        .part("file", reqwest::multipart::Part::bytes(table.as_bytes().to_vec()).file_name("kat.csv"));
    let r = lib.http.post(format!("{}{url}", app.url)).multipart(form).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let page = settled(&lib, school).await;
    assert!(page.contains("«kat.csv», CSV") && page.contains("записей 2"), "{page}");
    assert!(page.contains("value=\"Кто написал\""), "the mapping is remembered: {page}");
    // The replaced catalog's records are gone.
    assert_eq!(common::count(&app.db, "catalog_records").await, 2);
});

on_both!(a_new_list_version_is_checked_once_in_the_background, |app| {
    let (school, _) = ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    assert_eq!(head.post_file("/fsem/import", "v1.csv", first_list()).await.status(), StatusCode::OK);
    upload(&lib, school, "k.xml", catalog()).await;
    // The first version's job may have run before the catalog came: it checked no school.
    app::jobs::run_pending(&app.db).await.unwrap();
    let checks_before = common::count(&app.db, "fsem_checks").await;

    // The second version brings the journal «Гроза полуночи»; its job is stored with the version.
    // Two processes run jobs at once: the school is checked once.
    let (a, b) = tokio::join!(head.post_file("/fsem/import", "v2.csv", second_list()), async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        app::jobs::run_pending(&app.db).await.unwrap()
    });
    assert_eq!(a.status(), StatusCode::OK);
    let _ = b;
    let (x, y) = tokio::join!(app::jobs::run_pending(&app.db), app::jobs::run_pending(&app.db));
    x.unwrap();
    y.unwrap();
    let version = {
        let mut c = app.db.conn().await.unwrap();
        store::fsem::latest_version(&mut c.ex()).await.unwrap().unwrap().id
    };
    let mut state = None;
    for _ in 0..100 {
        let mut c = app.db.conn().await.unwrap();
        state = store::jobs::state(&mut c.ex(), app::compliance::RECHECK, version).await.unwrap();
        if state.as_ref().is_some_and(|s| s.0 == "done") {
            break;
        }
        drop(c);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state.map(|s| s.0).as_deref(), Some("done"));
    assert_eq!(
        common::count(&app.db, "fsem_checks").await,
        checks_before + 1,
        "one check for the one school with a catalog"
    );
    let found = open(&app, school).await;
    assert!(found.iter().any(|c| c.record_key == "RU/3" && c.entry_number == 3), "{found:?}");
    let page = settled(&lib, school).await;
    assert!(page.contains("новые записи списка (автоматически)"), "{page}");
});

on_both!(the_demo_shows_checks_findings_and_an_act, |app| {
    app::demo::seed_compliance(&app.db).await.unwrap();
    assert_eq!(common::count(&app.db, "fsem_versions").await, 1);
    assert_eq!(common::count(&app.db, "catalog_imports").await, 3);
    let mut c = app.db.conn().await.unwrap();
    let head = store::accounts::user_by_login(&mut c.ex(), "head").await.unwrap().unwrap();
    let overview = store::compliance::overview(&mut c.ex(), &store::Reach::of(&head).unwrap()).await.unwrap();
    let checked: Vec<_> = overview.iter().filter(|s| s.last_check.is_some()).collect();
    assert_eq!(checked.len(), 3, "{overview:?}");
    assert!(checked.iter().map(|s| s.open).sum::<i64>() >= 2, "findings await review: {overview:?}");
    assert_eq!(overview.iter().map(|s| s.confirmed).sum::<i64>(), 1, "one finding confirmed into an act");
    drop(c);
    // The list's own background check ran before there were catalogs: each school has its one check.
    assert_eq!(common::count(&app.db, "fsem_checks").await, 3);
    // A second start of the demo adds nothing.
    app::demo::seed_compliance(&app.db).await.unwrap();
    assert_eq!(common::count(&app.db, "fsem_checks").await, 3);
});
