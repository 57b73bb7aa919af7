//! The textbook fund as its users work with it: the admin's import of the federal list (ФПУ) in
//! versions, a school's receipts, write-offs, pupils and provision, the district's forms, the КСУ
//! and compliance with the list. Every figure expected here is counted from what the test itself
//! put in, on top of the demo district.

mod common;

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{Client, Demo, TestApp};
use domain::SchoolYear;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use store::fund::{self, FpuFilter, Listed};
use store::Reach;

/// The order the test imports: dated after the demo's «№ 119 от 21.02.2024», so it comes in force.
const NEW_ORDER: &str = "№ 200 от 01.03.2025";

fn today() -> String {
    domain::dates::format(domain::clock::today())
}

/// The admin's upload form: the order's title and the file.
async fn upload_fpu(c: &Client, order: &str, file: &str, bytes: Vec<u8>) -> Response {
    c.warm().await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(file.to_string());
    let form =
        reqwest::multipart::Form::new().text("_csrf", c.csrf()).text("order", order.to_string()).part("file", part);
    c.http.post(format!("{}/fpu/import", c.base)).multipart(form).send().await.unwrap()
}

async fn post_json(c: &Client, path: &str, body: &Value) -> Response {
    c.warm().await;
    c.http.post(format!("{}{path}", c.base)).header("X-CSRF-Token", c.csrf()).json(body).send().await.unwrap()
}

async fn json_of(c: &Client, path: &str) -> Value {
    let r = c.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    common::count(&app.db, table).await
}

/// Rows of the tables an FPU import writes.
async fn fpu_rows(app: &TestApp) -> [i64; 3] {
    [count(app, "fpu_orders").await, count(app, "fpu_listings").await, count(app, "fpu_items").await]
}

/// Rows of the tables a school's fund documents write.
async fn fund_rows(app: &TestApp) -> [i64; 6] {
    [
        count(app, "fund_receipts").await,
        count(app, "fund_batches").await,
        count(app, "fund_writeoffs").await,
        count(app, "fund_writeoff_lines").await,
        count(app, "contingent").await,
        count(app, "curriculum").await,
    ]
}

/// The order in force and its listings of one annex and grade.
async fn listed(app: &TestApp, annex: u8, grade: Option<u8>) -> (fund::FpuOrder, Vec<Listed>) {
    let mut c = app.db.conn().await.unwrap();
    let order = fund::current_fpu_order(&mut c.ex()).await.unwrap().unwrap();
    let filter = FpuFilter { annex: Some(annex), grade, ..Default::default() };
    let items = fund::fpu_listed(&mut c.ex(), order.id, &filter, 1, 1000).await.unwrap().items;
    (order, items)
}

/// Copies of each item a school holds now, as the store counts them.
async fn held(app: &TestApp, demo: &Demo, school: i64) -> HashMap<i64, i64> {
    let mut c = app.db.conn().await.unwrap();
    fund::holdings(&mut c.ex(), &Reach::whole_district(demo.district), Some(school))
        .await
        .unwrap()
        .into_iter()
        .map(|(_, item, n)| (item, n))
        .collect()
}

/// An item of Annex 1 of the list in force, for `grade`, of which the school holds no copy.
async fn unheld(app: &TestApp, demo: &Demo, grade: u8, skip: &[i64]) -> Listed {
    let has = held(app, demo, demo.own_school).await;
    let (_, items) = listed(app, 1, Some(grade)).await;
    items
        .into_iter()
        .find(|l| !has.contains_key(&l.item_id) && !skip.contains(&l.item_id))
        .expect("the demo list has items the school does not hold")
}

/// The receipt form with one line.
async fn receive(c: &Client, school: i64, doc: &str, item: i64, copies: i64, price: &str) -> Response {
    let (item, copies, date) = (item.to_string(), copies.to_string(), today());
    let fields = [
        ("doc_number", doc),
        ("doc_date", date.as_str()),
        ("source", "regional"),
        ("note", ""),
        ("item_id", item.as_str()),
        ("copies", copies.as_str()),
        ("price", price),
        ("batch_year", ""),
    ];
    c.post_form(&format!("/schools/{school}/fund/receipts"), &fields).await
}

/// The write-off form with one line.
async fn write_off(c: &Client, school: i64, act: &str, item: i64, copies: i64) -> Response {
    let (item, copies, date) = (item.to_string(), copies.to_string(), today());
    let fields = [
        ("act_number", act),
        ("act_date", date.as_str()),
        ("reason", "worn"),
        ("item_id", item.as_str()),
        ("copies", copies.as_str()),
    ];
    c.post_form(&format!("/schools/{school}/fund/writeoffs"), &fields).await
}

async fn see_other(r: Response, what: &str) {
    let status = r.status();
    assert_eq!(status, StatusCode::SEE_OTHER, "{what}: {}", r.text().await.unwrap());
}

/// (need, have, covered) of one grade and subject in the school's provision as the API gives it.
fn figures(p: &Value, grade: u64, subject: &str) -> (i64, i64, i64) {
    let row = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["grade"] == grade && r["subject"] == subject)
        .unwrap_or_else(|| panic!("no row for grade {grade}, «{subject}»: {p}"));
    let f = &row["figures"];
    (f["need"].as_i64().unwrap(), f["have"].as_i64().unwrap(), f["covered"].as_i64().unwrap())
}

fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(x) => *x,
        Data::Int(n) => *n as f64,
        Data::Empty => 0.0,
        other => panic!("not a number: {other:?}"),
    }
}

/// A sheet of a workbook as rows of cells, from A1.
fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(name).unwrap_or_else(|e| panic!("sheet «{name}»: {e}"));
    assert_eq!(range.start(), Some((0, 0)), "«{name}» starts at A1");
    range.rows().map(|r| r.to_vec()).collect()
}

fn sheet_names(bytes: &[u8]) -> Vec<String> {
    let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
}

/// A CSV list: the header, then rows in the given columns, every field quoted.
fn csv_list(rows: &[&[&str]]) -> Vec<u8> {
    let mut s = String::new();
    for row in rows {
        let fields: Vec<String> = row.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
        s.push_str(&fields.join(";"));
        s.push_str("\r\n");
    }
    s.into_bytes()
}

const CSV_HEAD: &[&str] = &[
    "Приложение",
    "Порядковый номер учебника",
    "Наименование учебника",
    "Автор",
    "Наименование издателя",
    "Класс",
    "Предельный срок использования",
];

/// Uploads a list that must be refused, and checks the message and that no order was added.
async fn refused(app: &TestApp, admin: &Client, file: &str, bytes: Vec<u8>, expect: &[&str]) {
    let before = fpu_rows(app).await;
    let r = upload_fpu(admin, "№ 202 от 01.04.2025", file, bytes).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{file}");
    let page = r.text().await.unwrap();
    assert!(page.contains("Перечень не загружен, в базе ничего не изменилось"), "{file}: {page}");
    for e in expect {
        assert!(page.contains(e), "{file}: the page should say «{e}»");
    }
    assert_eq!(fpu_rows(app).await, before, "{file}: no order, listing or item was added");
}

/// Every item of a filtered list, page by page: (total, items).
async fn api_fpu(c: &Client, query: &str) -> (i64, Vec<Value>) {
    let mut items = Vec::new();
    let mut page = 1;
    loop {
        let v = json_of(c, &format!("/api/fpu?{query}&page={page}")).await;
        let total = v["total"].as_i64().unwrap();
        let got = v["items"].as_array().unwrap().clone();
        let empty = got.is_empty();
        items.extend(got);
        if items.len() as i64 >= total || empty {
            assert_eq!(items.len() as i64, total, "{query}: the pages hold the total");
            return (total, items);
        }
        page += 1;
    }
}

on_both!(admin_imports_an_order_as_a_new_version, |app| {
    let admin = Client::signed_in(&app.url, "admin").await;
    let [orders, listings, _] = fpu_rows(&app).await;
    assert_eq!(orders, 1, "the demo has one order");

    let file = formats::fpu::sample_xlsx(300, 5);
    let r = upload_fpu(&admin, NEW_ORDER, "перечень 200.xlsx", file.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    // 300 items, a tenth of them excluded (Annex 2).
    assert!(
        page.contains("Приказ № 200 от 01.03.2025: приложение 1 — 270 поз., приложение 2 — 30 поз."),
        "the page reports the counts per annex: {page}"
    );
    let [orders, after, _] = fpu_rows(&app).await;
    assert_eq!((orders, after), (2, listings + 300), "a new version beside the old one");
    let mut c = app.db.conn().await.unwrap();
    let current = fund::current_fpu_order(&mut c.ex()).await.unwrap().unwrap();
    assert_eq!(current.title, NEW_ORDER, "the newer order is in force");
    assert_eq!(fund::fpu_order_counts(&mut c.ex(), current.id).await.unwrap(), (270, 30));
    drop(c);
    let v = json_of(&admin, "/api/fpu").await;
    assert_eq!((v["order"].as_str().unwrap(), v["total"].as_i64().unwrap()), (NEW_ORDER, 300));
    assert_eq!(api_fpu(&admin, "annex=2").await.0, 30);

    // The same file again under the same order: nothing changes.
    let before = fpu_rows(&app).await;
    let r = upload_fpu(&admin, NEW_ORDER, "перечень 200.xlsx", file.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("Приказ № 200 от 01.03.2025 уже загружен из этого файла — ничего не изменилось"), "{page}");
    assert_eq!(fpu_rows(&app).await, before, "no order added");

    // Another file under a title already taken: refused, the stored version is not rewritten.
    let r = upload_fpu(&admin, NEW_ORDER, "другой.xlsx", formats::fpu::sample_xlsx(300, 6)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Приказ № 200 от 01.03.2025 уже загружен"), "{page}");
    assert!(page.contains("из файла «перечень 200.xlsx»; загруженные перечни не меняются"), "{page}");
    assert_eq!(fpu_rows(&app).await, before);

    // Broken files.
    let mut pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'x', 200));
    refused(&app, &admin, "перечень.xlsx", pdf, &["Файл «перечень.xlsx»: это документ PDF, а не таблица"]).await;
    refused(&app, &admin, "пустой.xlsx", Vec::new(), &["Выберите файл перечня (XLSX или CSV)"]).await;
    let grade13 = csv_list(&[
        CSV_HEAD,
        &[
            "Приложение 1",
            "1.1.1.1.1.1.",
            "Русский язык: 5-й класс: учебник",
            "Иванова А. А.",
            "АО «Издательство «Просвещение»",
            "5",
            "Бессрочно",
        ],
        &[
            "Приложение 1",
            "1.1.1.1.1.2.",
            "Русский язык: 6-й класс: учебник",
            "Иванова А. А.",
            "АО «Издательство «Просвещение»",
            "13",
            "Бессрочно",
        ],
    ]);
    refused(
        &app,
        &admin,
        "перечень.csv",
        grade13,
        &["Файл «перечень.csv», строка 3, столбец 6 («Класс»): класс 13 — таких классов нет"],
    )
    .await;
    let before = fpu_rows(&app).await;
    let r = upload_fpu(&admin, "приказ без даты", "перечень.xlsx", formats::fpu::sample_xlsx(20, 9)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("укажите номер и дату, например «№ 119 от 21.02.2024»"));
    assert_eq!(fpu_rows(&app).await, before);

    // The list filtered by words and grade: every item found matches both, and the words fold case.
    let (with_grade, _) = api_fpu(&admin, "grade=8").await;
    let (total, items) = api_fpu(&admin, "q=алгебра&grade=8").await;
    assert!(total > 0 && total < with_grade, "the words narrow the grade's {with_grade} items to {total}");
    for it in &items {
        let (from, to) = (it["grade_from"].as_i64().unwrap(), it["grade_to"].as_i64().unwrap());
        assert!(from <= 8 && 8 <= to, "{it}");
        let words = ["number", "title", "authors", "publisher", "subject"]
            .iter()
            .map(|k| it[*k].as_str().unwrap().to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(words.contains("алгебр"), "{it}");
    }
    assert_eq!(api_fpu(&admin, "q=%D0%90%D0%9B%D0%93%D0%95%D0%91%D0%A0%D0%90&grade=8").await.0, total, "«АЛГЕБРА»");

    // A later order moves one item of order 200 to Annex 2: the item's history shows both orders.
    let (_, annex1) = listed(&app, 1, Some(5)).await;
    let moved = annex1.first().unwrap().clone();
    let later = csv_list(&[
        CSV_HEAD,
        &[
            "Приложение 2",
            "1.1.1.1.1.1.",
            &moved.title,
            &moved.authors,
            &moved.publisher,
            &moved.grades,
            "До 31 мая 2026 года",
        ],
    ]);
    let r = upload_fpu(&admin, "№ 201 от 10.03.2025", "исключённые.csv", later).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("приложение 1 — 0 поз., приложение 2 — 1 поз.")
            && page.contains("новых в перечне 0, исключено 270"),
        "all 270 items of Annex 1 of order 200 left Annex 1: {page}"
    );
    let (status, page) = admin.text(&format!("/fpu/items/{}", moved.item_id)).await;
    assert_eq!(status, StatusCode::OK);
    let (newer, older) = (page.find("№ 201 от 10.03.2025"), page.find("№ 200 от 01.03.2025"));
    assert!(newer.is_some() && older.is_some() && newer < older, "both orders, the newest first: {page}");
    assert!(!page.contains("№ 119 от 21.02.2024"), "not in the demo's order");
    assert!(page.contains("2 — исключён") && page.contains("1 — в перечне") && page.contains("До 31 мая 2026 года"));
    assert_eq!(page.matches("действующий").count(), 1);
    // An item of the demo's order only says it is not in the order in force.
    let mut c = app.db.conn().await.unwrap();
    let orders = fund::fpu_orders(&mut c.ex()).await.unwrap();
    let demo_order = orders.iter().find(|o| o.title == "№ 119 от 21.02.2024").unwrap();
    let old = fund::fpu_listed(&mut c.ex(), demo_order.id, &FpuFilter::default(), 1, 1).await.unwrap().items;
    drop(c);
    let (_, page) = admin.text(&format!("/fpu/items/{}", old[0].item_id)).await;
    assert!(page.contains("В действующем приказе № 201 от 10.03.2025 этого учебника нет"), "{page}");
    assert_eq!(admin.get("/fpu/items/999999999").await.status(), StatusCode::NOT_FOUND);
});

/// A school's figures for a subject in the district report (kept between reports, counted again
/// after every change of the school's fund).
async fn in_district(app: &TestApp, demo: &Demo, school: i64, year: &str, subject: &str) -> (i64, i64, i64) {
    let year = SchoolYear::parse(year).unwrap();
    let p = app::fund::district_provision(&app.db, &Reach::whole_district(demo.district), year, domain::clock::today())
        .await
        .unwrap();
    let f =
        p.schools.iter().find(|s| s.school_id == school).unwrap().subjects.get(subject).cloned().unwrap_or_default();
    (f.need, f.have, f.covered)
}

on_both!(receipts_and_write_offs_move_the_provision, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let s = demo.own_school;
    // Next school year: the demo chose no textbooks and entered no pupils for it.
    let year = SchoolYear::current().next().start_year().to_string();
    let item = unheld(&app, &demo, 5, &[]).await;
    let id = item.item_id.to_string();
    let r = lib
        .post_form(
            &format!("/schools/{s}/fund/curriculum"),
            &[
                ("year", &year),
                ("grade", "5"),
                ("subject", &item.subject),
                ("item_id", &id),
                ("aid", ""),
                ("share", "100"),
            ],
        )
        .await;
    see_other(r, "the curriculum line").await;
    let r = lib
        .post_form(
            &format!("/schools/{s}/fund/pupils"),
            &[("year", &year), ("class", "5А"), ("pupils", "25"), ("class", "5Б"), ("pupils", "24")],
        )
        .await;
    see_other(r, "the pupils").await;
    let api = format!("/api/schools/{s}/provision?year={year}");
    let need = 25 + 24;
    let p = json_of(&lib, &api).await;
    assert_eq!(p["pupils"], need);
    assert_eq!(figures(&p, 5, &item.subject), (need, 0, 0), "no copies yet");
    assert_eq!(in_district(&app, &demo, s, &year, &item.subject).await, (need, 0, 0));
    assert_eq!(in_district(&app, &demo, s, &year, &item.subject).await, (need, 0, 0), "the kept figures are the same");

    see_other(receive(&lib, s, "Н-101", item.item_id, 30, "450,50").await, "a receipt of 30").await;
    let (n, have, covered) = figures(&json_of(&lib, &api).await, 5, &item.subject);
    assert_eq!((n, have, covered, n - covered), (need, 30, 30, 19), "30 copies for 49 pupils: 19 short");
    assert_eq!(in_district(&app, &demo, s, &year, &item.subject).await, (need, 30, 30), "the receipt counts at once");

    // More than held: refused as a whole.
    let before = fund_rows(&app).await;
    let r = write_off(&lib, s, "А-1", item.item_id, 31).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Списать 31 экз. «")
            && page.contains("нельзя: в фонде школы на")
            && page.contains("их только 30"),
        "{page}"
    );
    assert!(page.contains("Документ не записан, в фонде ничего не изменилось"));
    assert_eq!(fund_rows(&app).await, before, "no act was written");
    assert_eq!(figures(&json_of(&lib, &api).await, 5, &item.subject).1, 30, "the holdings stay");

    see_other(write_off(&lib, s, "А-2", item.item_id, 4).await, "a write-off of 4").await;
    let (_, have, covered) = figures(&json_of(&lib, &api).await, 5, &item.subject);
    assert_eq!((have, need - covered), (26, 23));
    assert_eq!(held(&app, &demo, s).await.get(&item.item_id), Some(&26));
    assert_eq!(in_district(&app, &demo, s, &year, &item.subject).await, (need, 26, 26), "so does the write-off");

    // A second delivery covers the grade with a reserve.
    see_other(receive(&lib, s, "Н-102", item.item_id, 30, "").await, "a receipt of 30 more").await;
    let p = json_of(&lib, &api).await;
    let (_, have, covered) = figures(&p, 5, &item.subject);
    assert_eq!((have, covered, need - covered, have - covered), (56, 49, 0, 7));
});

on_both!(simultaneous_documents_neither_lose_nor_double_count_copies, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let s = demo.own_school;
    let item = unheld(&app, &demo, 7, &[]).await;
    // 10 copies in two batches, so that acts reach into the second one.
    see_other(receive(&lib, s, "Н-1", item.item_id, 6, "300").await, "6 copies").await;
    see_other(receive(&lib, s, "Н-2", item.item_id, 4, "300").await, "4 copies").await;
    assert_eq!(held(&app, &demo, s).await.get(&item.item_id), Some(&10));
    let acts = count(&app, "fund_writeoffs").await;

    lib.warm().await;
    let url = format!("{}/api/schools/{s}/writeoffs", app.url);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (http, url, csrf) = (lib.http.clone(), url.clone(), lib.csrf());
            let body = json!({
                "act_number": format!("А-{i}"),
                "act_date": today(),
                "reason": "worn",
                "lines": [{"item_id": item.item_id, "copies": 3}],
            });
            tokio::spawn(async move {
                let r = http.post(url).header("X-CSRF-Token", csrf).json(&body).send().await.unwrap();
                (r.status(), r.text().await.unwrap())
            })
        })
        .collect();
    let mut done = Vec::new();
    for t in tasks {
        done.push(t.await.unwrap());
    }
    let ok = done.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let refused: Vec<&String> =
        done.iter().filter(|(s, _)| *s == StatusCode::UNPROCESSABLE_ENTITY).map(|(_, b)| b).collect();
    assert_eq!((ok, refused.len()), (3, 5), "three acts of 3 fit in 10 copies: {done:?}");
    for b in refused {
        assert!(b.contains("Списать 3 экз. «") && b.contains("нельзя"), "{b}");
    }
    assert_eq!(held(&app, &demo, s).await.get(&item.item_id), Some(&1), "10 − 3 × 3");
    assert_eq!(count(&app, "fund_writeoffs").await, acts + 3, "the refused acts left no trace");

    // Simultaneous receipts: every one counts.
    let other = unheld(&app, &demo, 7, &[item.item_id]).await;
    let receipts = count(&app, "fund_receipts").await;
    let url = format!("{}/schools/{s}/fund/receipts", app.url);
    let tasks: Vec<_> = (1..=8)
        .map(|k| {
            let (http, url, csrf) = (lib.http.clone(), url.clone(), lib.csrf());
            let form: Vec<(&str, String)> = vec![
                ("_csrf", csrf),
                ("doc_number", format!("П-{k}")),
                ("doc_date", today()),
                ("source", "municipal".into()),
                ("item_id", other.item_id.to_string()),
                ("copies", k.to_string()),
                ("price", "100".into()),
            ];
            tokio::spawn(async move { http.post(url).form(&form).send().await.unwrap().status() })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::SEE_OTHER);
    }
    assert_eq!(count(&app, "fund_receipts").await, receipts + 8);
    assert_eq!(held(&app, &demo, s).await.get(&other.item_id), Some(&(1..=8).sum::<i64>()), "1 + 2 + … + 8");
});

on_both!(pupils_are_saved_by_class_and_bad_rows_change_nothing, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let s = demo.own_school;
    let year = SchoolYear::current().start_year();
    let y = year.to_string();
    let path = format!("/schools/{s}/fund/pupils");
    let stored = || async {
        let mut c = app.db.conn().await.unwrap();
        fund::contingent(&mut c.ex(), &Reach::whole_district(demo.district), s, year)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.grade, c.class_name, c.pupils))
            .collect::<Vec<_>>()
    };
    let r = lib
        .post_form(&path, &[("year", &y), ("class", "5А"), ("pupils", "25"), ("class", "5 б"), ("pupils", "24")])
        .await;
    see_other(r, "two classes").await;
    let want = vec![(5, "А".to_string(), 25), (5, "Б".to_string(), 24)];
    assert_eq!(stored().await, want, "the year's classes are replaced by the form's");
    let (_, page) = lib.text(&format!("{path}?year={y}")).await;
    assert!(page.contains("<th>Итого</th><th class=\"num\">49</th>"), "25 + 24 pupils: {page}");

    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("class", "13А"), ("pupils", "20")], "Класс «13А»: нужен номер от 1 до 12 и буква"),
        (&[("class", "5А"), ("pupils", "-3")], "Обучающихся в 5А: целое число от 0 до 1000"),
        (&[("class", "5А"), ("pupils", "26"), ("class", "13А"), ("pupils", "20")], "Класс «13А»"),
        (&[("class", "5А"), ("pupils", "26"), ("class", "5а"), ("pupils", "20")], "Класс 5А указан дважды"),
    ];
    for (rows, message) in cases {
        let mut fields = vec![("year", y.as_str())];
        fields.extend_from_slice(rows);
        let r = lib.post_form(&path, &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{rows:?}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Не сохранено.") && page.contains(message), "{rows:?}: «{message}» in {page}");
        assert_eq!(stored().await, want, "{rows:?}: the stored classes stay");
    }
});

on_both!(librarians_keep_to_their_school_and_observers_only_read, |app| {
    let demo = common::demo_ids(&app).await;
    let (own, other) = (demo.own_school, demo.other_school);
    let lib = Client::signed_in(&app.url, "lib01").await;
    let observer = Client::signed_in(&app.url, "observer").await;
    let head = Client::signed_in(&app.url, "head").await;
    let before = fund_rows(&app).await;
    let item = *held(&app, &demo, other).await.keys().next().expect("the other school holds textbooks");
    let (item_s, date) = (item.to_string(), today());
    let y = SchoolYear::current().start_year().to_string();
    let receipt = [
        ("doc_number", "Ч-1"),
        ("doc_date", date.as_str()),
        ("source", "regional"),
        ("item_id", item_s.as_str()),
        ("copies", "5"),
    ];
    let act = [
        ("act_number", "Ч-2"),
        ("act_date", date.as_str()),
        ("reason", "lost"),
        ("item_id", item_s.as_str()),
        ("copies", "1"),
    ];
    let pupils = [("year", y.as_str()), ("class", "5А"), ("pupils", "30")];
    let line = [("year", y.as_str()), ("grade", "5"), ("item_id", item_s.as_str())];
    let api_act =
        json!({"act_number": "Ч-3", "act_date": date, "reason": "lost", "lines": [{"item_id": item, "copies": 1}]});
    let denied = |s: StatusCode| s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND;

    assert_eq!(lib.get(&format!("/schools/{own}/fund")).await.status(), StatusCode::OK, "their own school's fund");
    for path in ["fund", "fund/documents", "fund/pupils", "fund/compliance", "fund/ksu.docx", "fund/ksu.xlsx"] {
        let s = lib.get(&format!("/schools/{other}/{path}")).await.status();
        assert!(denied(s), "lib01 reads /schools/{other}/{path}: {s}");
    }
    assert!(denied(lib.get(&format!("/api/schools/{other}/provision")).await.status()));
    assert_eq!(lib.get("/fund").await.status(), StatusCode::FORBIDDEN, "the district view is the head's");
    let posts: [(&str, &[(&str, &str)]); 4] =
        [("receipts", &receipt), ("writeoffs", &act), ("pupils", &pupils), ("curriculum", &line)];
    for (path, fields) in posts {
        let s = lib.post_form(&format!("/schools/{other}/fund/{path}"), fields).await.status();
        assert!(denied(s), "lib01 posts to another school's {path}: {s}");
    }
    let s = post_json(&lib, &format!("/api/schools/{other}/writeoffs"), &api_act).await.status();
    assert!(denied(s), "lib01 writes off another school's copies by the API: {s}");

    for path in [format!("/schools/{own}/fund"), format!("/schools/{other}/fund/documents"), "/fund".into()] {
        assert_eq!(observer.get(&path).await.status(), StatusCode::OK, "the observer reads {path}");
    }
    assert_eq!(observer.get(&format!("/api/schools/{other}/provision")).await.status(), StatusCode::OK);
    for (path, fields) in posts {
        let s = observer.post_form(&format!("/schools/{other}/fund/{path}"), fields).await.status();
        assert_eq!(s, StatusCode::FORBIDDEN, "the observer posts to {path}");
    }
    let s = post_json(&observer, &format!("/api/schools/{other}/writeoffs"), &api_act).await.status();
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = upload_fpu(&head, "№ 300 от 01.05.2025", "перечень.xlsx", formats::fpu::sample_xlsx(20, 3)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "only the admin loads the federal list");
    assert_eq!(count(&app, "fpu_orders").await, 1);
    assert_eq!(fund_rows(&app).await, before, "nothing refused was written");
});

/// Форма 3 as the district downloads it: its rows and the index of the column of copies held.
async fn form3(head: &Client) -> (Vec<Vec<Data>>, usize) {
    let r = head.get("/fund/forms.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap();
    let names = sheet_names(&bytes);
    for name in ["Форма 1", "Форма 3", "Форма 4"] {
        assert!(names.iter().any(|n| n == name), "sheet «{name}» in {names:?}");
    }
    let rows = sheet(&bytes, "Форма 3");
    let col = rows[2]
        .iter()
        .position(|c| cell(c) == "Учебники в наличии, шт.")
        .unwrap_or_else(|| panic!("row 3 holds the headers: {:?}", rows[2]));
    (rows, col)
}

on_both!(district_forms_add_up_and_follow_the_documents, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let (rows, col) = form3(&head).await;
    let last = rows.last().unwrap();
    assert_eq!(cell(&last[2]), "ИТОГИ", "the first visible cell of the last row");
    let data = &rows[3..rows.len() - 1];
    assert!(!data.is_empty(), "the demo schools have rows");
    let sum: f64 = data.iter().map(|r| number(&r[col])).sum();
    assert_eq!(number(&last[col]), sum, "ИТОГИ is the sum of the rows");

    // Copies of a textbook the school chose this year, from the list in force, count in full.
    let year = SchoolYear::current().start_year();
    let (_, current) = listed(&app, 1, None).await;
    let mut c = app.db.conn().await.unwrap();
    let lines = fund::curriculum(&mut c.ex(), &Reach::whole_district(demo.district), Some(demo.own_school), year)
        .await
        .unwrap();
    drop(c);
    let chosen = lines
        .iter()
        .filter_map(|l| l.item_id)
        .find(|i| current.iter().any(|l| l.item_id == *i))
        .expect("the school teaches from the list in force");
    see_other(receive(&head, demo.own_school, "Р-9", chosen, 9, "500").await, "the head's receipt").await;
    let (rows, col) = form3(&head).await;
    let total = number(&rows.last().unwrap()[col]);
    assert_eq!(total, sum + 9.0, "nine more copies held in the district");
    assert_eq!(total, rows[3..rows.len() - 1].iter().map(|r| number(&r[col])).sum::<f64>());

    let (status, page) = head.text("/fund").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<svg"), "the district page draws its chart");
});

on_both!(the_ksu_is_made_of_the_years_documents, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let s = demo.own_school;
    let item = unheld(&app, &demo, 6, &[]).await;
    see_other(receive(&lib, s, "НК-4521", item.item_id, 12, "450").await, "the receipt").await;
    see_other(write_off(&lib, s, "А-17", item.item_id, 2).await, "the write-off").await;
    let year = SchoolYear::current().start_year();

    let r = lib.get(&format!("/schools/{s}/fund/ksu.docx?year={year}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    let body = formats::docx::read(&r.bytes().await.unwrap(), "ksu.docx").unwrap();
    let paragraphs: Vec<&String> = body
        .blocks
        .iter()
        .filter_map(|b| match b {
            formats::docx::Block::Paragraph(p) => Some(p),
            _ => None,
        })
        .collect();
    for part in ["Часть 1", "Часть 2", "Часть 3"] {
        assert!(paragraphs.iter().any(|p| p.starts_with(part)), "{part} in {paragraphs:?}");
    }
    let tables: Vec<&Vec<Vec<String>>> = body.tables().collect();
    assert_eq!(tables.len(), 3);
    let date = today();
    let ours = tables[0]
        .iter()
        .find(|r| r.iter().any(|c| *c == format!("№ НК-4521 от {date}")))
        .unwrap_or_else(|| panic!("the receipt is in part 1: {:?}", tables[0]));
    assert_eq!(ours[2], "региональный бюджет");
    assert_eq!(ours[ours.len() - 2..], ["12".to_string(), "5\u{202F}400,00".to_string()], "12 × 450,00");
    let act = tables[1]
        .iter()
        .find(|r| r.iter().any(|c| *c == format!("№ А-17 от {date}")))
        .unwrap_or_else(|| panic!("the act is in part 2: {:?}", tables[1]));
    assert!(act.contains(&"ветхость, дефектность".to_string()));
    assert_eq!(act[act.len() - 2..], ["2".to_string(), "900,00".to_string()], "2 × 450,00");
    // Part 1's total counts its rows; part 3 balances.
    let copies = |t: &Vec<Vec<String>>| -> i64 {
        t[1..t.len() - 1].iter().map(|r| r[r.len() - 2].parse::<i64>().unwrap()).sum()
    };
    let total = |t: &Vec<Vec<String>>| t.last().unwrap()[t[0].len() - 2].parse::<i64>().unwrap();
    assert_eq!(tables[0].last().unwrap()[0], "Итого");
    assert_eq!(total(tables[0]), copies(tables[0]));
    assert_eq!(total(tables[1]), copies(tables[1]));
    let part3: Vec<i64> = tables[2][1..].iter().map(|r| r[1].replace('\u{202F}', "").parse().unwrap()).collect();
    assert_eq!(part3.len(), 4, "{:?}", tables[2]);
    assert_eq!((part3[1], part3[2]), (total(tables[0]), total(tables[1])), "received and disposed in the year");
    assert_eq!(part3[3], part3[0] + part3[1] - part3[2], "at the end = at the start + received − disposed");

    let r = lib.get(&format!("/schools/{s}/fund/ksu.xlsx?year={year}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(sheet_names(&bytes), ["Часть 1. Поступление", "Часть 2. Выбытие", "Часть 3. Итоги"]);
    let part1 = sheet(&bytes, "Часть 1. Поступление");
    assert!(part1.iter().flatten().any(|c| cell(c) == format!("№ НК-4521 от {date}")), "{part1:?}");
});

on_both!(expired_copies_show_in_compliance, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let s = demo.own_school;
    let today = domain::clock::today();
    let has = held(&app, &demo, s).await;
    let (_, excluded) = listed(&app, 2, None).await;
    let expired = excluded
        .iter()
        .find(|l| l.until.is_some_and(|d| d < today) && !has.contains_key(&l.item_id))
        .expect("Annex 2 of the demo list has limit dates already past")
        .clone();
    let fine = unheld(&app, &demo, 3, &[]).await;
    let path = format!("/schools/{s}/fund/compliance");
    let link = |id: i64| format!("href=\"/fpu/items/{id}\"");
    let (_, page) = lib.text(&path).await;
    assert!(!page.contains(&link(expired.item_id)), "not held yet");

    see_other(receive(&lib, s, "Н-55", expired.item_id, 7, "").await, "copies of an expired textbook").await;
    see_other(receive(&lib, s, "Н-56", fine.item_id, 5, "").await, "copies of a current textbook").await;
    let (status, page) = lib.text(&path).await;
    assert_eq!(status, StatusCode::OK);
    let at = page.find(&link(expired.item_id)).unwrap_or_else(|| panic!("the expired item is listed: {page}"));
    let start = page[..at].rfind("<tr").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    let row = &page[start..end];
    let limit = domain::dates::format(expired.until.unwrap());
    assert!(row.contains(&format!("срок использования истёк {limit}")), "{row}");
    assert!(row.contains("<td class=\"num\">7</td>"), "the copies held: {row}");
    assert!(!page.contains(&link(fine.item_id)), "a textbook of Annex 1 is in order");

    let head = Client::signed_in(&app.url, "head").await;
    let (_, page) = head.text("/fund/compliance").await;
    assert!(page.contains(&link(expired.item_id)), "the district's list has it too");
});

on_both!(the_same_order_sent_twice_at_once_is_stored_once, |app| {
    let admin = Client::signed_in(&app.url, "admin").await;
    admin.warm().await;
    let file = formats::fpu::sample_xlsx(300, 5);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (http, url, csrf, bytes) =
                (admin.http.clone(), format!("{}/fpu/import", app.url), admin.csrf(), file.clone());
            tokio::spawn(async move {
                let part = reqwest::multipart::Part::bytes(bytes).file_name("перечень.xlsx");
                let form =
                    reqwest::multipart::Form::new().text("_csrf", csrf).text("order", NEW_ORDER).part("file", part);
                let r = http.post(url).multipart(form).send().await.unwrap();
                (r.status(), r.text().await.unwrap())
            })
        })
        .collect();
    let mut done = Vec::new();
    for t in tasks {
        done.push(t.await.unwrap());
    }
    let stored = done.iter().filter(|(s, p)| *s == StatusCode::OK && p.contains("приложение 1 — 270 поз.")).count();
    assert_eq!(stored, 1, "one of the two stores the order: {:?}", done.iter().map(|d| d.0).collect::<Vec<_>>());
    for (status, page) in &done {
        assert!(
            *status == StatusCode::OK || *status == StatusCode::UNPROCESSABLE_ENTITY,
            "a double click gets an answer, not an error: {status} {page}"
        );
        assert!(page.contains("Приказ № 200 от 01.03.2025"), "{page}");
    }
    assert_eq!(count(&app, "fpu_orders").await, 2, "the demo's order and this one");
});

on_both!(form_3_projects_next_year_from_the_pupils_entered_for_it, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let head = Client::signed_in(&app.url, "head").await;
    let s = demo.own_school;
    let mut c = app.db.conn().await.unwrap();
    let name = store::directory::get_school(&mut c.ex(), &Reach::whole_district(demo.district), s)
        .await
        .unwrap()
        .short_name
        .clone();
    drop(c);
    // Next year's first grade is known only from the enrolment: 22 + 18 pupils entered for it.
    let next = SchoolYear::current().next().start_year().to_string();
    let r = lib
        .post_form(
            &format!("/schools/{s}/fund/pupils"),
            &[("year", &next), ("class", "1А"), ("pupils", "22"), ("class", "1Б"), ("pupils", "18")],
        )
        .await;
    see_other(r, "next year's first grade").await;
    let (_, page) = lib.text(&format!("/schools/{s}/fund/pupils")).await;
    let at = page.find("<tr><td>1</td>").unwrap_or_else(|| panic!("grade 1 on the pupils page: {page}"));
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    assert!(row.ends_with("<td class=\"num\">40</td>"), "the page projects 22 + 18 for grade 1: {row}");

    let (rows, _) = form3(&head).await;
    let col = rows[2].iter().position(|c| cell(c) == "Прогноз на следующий").unwrap();
    let first: Vec<&Vec<Data>> = rows[3..].iter().filter(|r| cell(&r[1]) == name && cell(&r[3]) == "1").collect();
    assert!(!first.is_empty(), "the school teaches grade 1");
    for r in first {
        assert_eq!(number(&r[col]), 40.0, "grade 1 next year as entered, like the pupils page says: {r:?}");
    }
});

/// A holdings file with the template's headers.
fn holdings_xlsx(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in
        ["Номер в ФПУ", "Название", "Авторы", "Класс", "Год поступления", "Количество", "Цена, руб."].iter().enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

// The opening holdings: a bad file is refused whole with every problem named by row and column;
// a good one (by number) is written as one «ввод остатков» receipt.
on_both!(opening_holdings_refuse_a_bad_file_whole, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let item = unheld(&app, &demo, 6, &[]).await;
    let other = unheld(&app, &demo, 6, &[item.item_id]).await;
    let path = format!("/schools/{}/fund/import", demo.own_school);
    let before = fund_rows(&app).await;
    let bad = holdings_xlsx(&[
        [&item.number, "", "", "6", "2023", "10", "350"],
        [&other.number, "", "", "13", "2023", "5", ""],
        [&other.number, "", "", "6", "2023", "-5", ""],
        ["9.9.9.9.9.", "", "", "6", "2023", "5", ""],
        [&item.number, "", "", "6", "2023", "10", "350"],
        ["", "", "", "6", "2023", "5", ""],
    ]);
    let r = lib.post_file(&path, "остатки.xlsx", bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    for expect in [
        "в фонде ничего не изменилось",
        "строка 3, столбец D («Класс»): класс «13»",
        "строка 4, столбец F («Количество»): количество -5",
        "строка 5, столбец A («Номер в ФПУ»): учебника с номером 9.9.9.9.9. для 6 класса нет в действующем перечне",
        "строка 6, столбец F («Количество»): строка повторяет строку 2",
        "строка 7, столбец A («Номер в ФПУ»): укажите номер учебника в ФПУ или его название",
    ] {
        assert!(page.contains(expect), "«{expect}» missing in:\n{page}");
    }
    assert_eq!(fund_rows(&app).await, before, "nothing is written");
    let r = lib.post_file(&path, "пустой.xlsx", Vec::new()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("пуст"));

    let good = holdings_xlsx(&[
        [&item.number, "", "", "6", "2022", "17", "412,50"],
        [&other.number, "", "", "6", "", "3", ""],
    ]);
    let r = lib.post_file(&path, "остатки.xlsx", good).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("строк 2, экземпляров 20"));
    let has = held(&app, &demo, demo.own_school).await;
    assert_eq!((has.get(&item.item_id), has.get(&other.item_id)), (Some(&17), Some(&3)));
    assert_eq!(fund_rows(&app).await[0], before[0] + 1, "one receipt document");

    // The same file again would double the fund: refused, nothing written.
    let again = holdings_xlsx(&[
        [&item.number, "", "", "6", "2022", "17", "412,50"],
        [&other.number, "", "", "6", "", "3", ""],
    ]);
    let r = lib.post_file(&path, "остатки (копия).xlsx", again).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("уже введены"));
    assert_eq!(held(&app, &demo, demo.own_school).await.get(&item.item_id), Some(&17));
});

// Groups of one subject in one grade share its pupils: their per cents add up to 100 at most.
on_both!(group_shares_cannot_exceed_the_grade, |app| {
    let demo = common::demo_ids(&app).await;
    let lib = Client::signed_in(&app.url, "lib01").await;
    let next = SchoolYear::current().next().start_year().to_string();
    let (_, items) = listed(&app, 1, Some(6)).await;
    let path = format!("/schools/{}/fund/curriculum", demo.own_school);
    let line = |item: i64, share: &'static str| {
        let item = item.to_string();
        let next = next.clone();
        let lib = &lib;
        let path = path.clone();
        async move {
            let fields = [
                ("year", next.as_str()),
                ("grade", "6"),
                ("subject", "Группы"),
                ("item_id", item.as_str()),
                ("share", share),
            ];
            lib.post_form(&path, &fields).await
        }
    };
    assert_eq!(line(items[0].item_id, "60").await.status(), StatusCode::SEE_OTHER);
    let r = line(items[1].item_id, "50").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("уже выбрано 60 %"));
    assert_eq!(line(items[1].item_id, "40").await.status(), StatusCode::SEE_OTHER);
});
