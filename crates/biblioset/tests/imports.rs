//! XLSX imports: a good file lands whole; every broken file gets a Russian message that names
//! file, sheet, row and column, and leaves the database exactly as it was.

mod common;

use common::{Client, TestApp};
use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;

fn book(sheet: &str, rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const SCHOOL_HEAD: &[&str] = &["Краткое наименование", "Полное наименование", "Тип", "Директор", "ИНН"];
const LIB_HEAD: &[&str] = &["ФИО", "Школа (краткое наименование)", "Квалификационная категория", "Дата аттестации"];

async fn snapshot(app: &TestApp) -> (i64, i64, i64) {
    (
        common::count(&app.db, "schools").await,
        common::count(&app.db, "librarians").await,
        common::count(&app.db, "audit_log").await,
    )
}

/// Uploads a file that must be refused, and checks the message and that nothing changed.
async fn refused(app: &TestApp, c: &Client, path: &str, file: &str, bytes: Vec<u8>, expect: &[&str]) {
    let before = snapshot(app).await;
    let r = c.post_file(path, file, bytes).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{file}");
    let page = r.text().await.unwrap();
    assert!(page.contains("в базе ничего не изменилось"), "{file}");
    for e in expect {
        assert!(page.contains(e), "{file}: the page should say «{e}»");
    }
    assert_eq!(snapshot(app).await, before, "{file} left the database unchanged");
}

on_both!(schools_import_all_or_nothing, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let template = head.get("/schools/import/template.xlsx").await;
    assert_eq!(template.status(), StatusCode::OK);
    assert!(template.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));

    let good = book(
        "Школы",
        &[
            SCHOOL_HEAD,
            &["МБОУ СОШ № 20", "Средняя школа № 20", "СОШ", "Петрова А. А.", "7707083893"],
            &["МБОУ Гимназия № 2", "Гимназия № 2 (новое название)", "гимназия", "", ""],
        ],
    );
    let r = head.post_file("/schools/import", "школы.xlsx", good).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("добавлено 1, обновлено 1, без изменений 0"));

    let path = "/schools/import";
    refused(
        &app,
        &head,
        path,
        "столбцы.xlsx",
        book("Лист1", &[&["Название", "Вид"], &["Школа", "СОШ"]]),
        &["Файл «столбцы.xlsx», лист «Лист1», строка 1", "нет обязательных столбцов: «Краткое наименование»"],
    )
    .await;
    refused(
        &app,
        &head,
        path,
        "дубли.xlsx",
        book(
            "Школы",
            &[
                SCHOOL_HEAD,
                &["МБОУ СОШ № 30", "Школа 30", "СОШ", "", ""],
                &["МБОУ СОШ № 30", "Школа 30 ещё раз", "СОШ", "", ""],
            ],
        ),
        &["строка 3, столбец A («Краткое наименование»): Краткое наименование повторяет строку 2"],
    )
    .await;
    refused(
        &app,
        &head,
        path,
        "инн.xlsx",
        book("Школы", &[SCHOOL_HEAD, &["МБОУ СОШ № 31", "Школа 31", "СОШ", "", "7707083893"]]),
        &["строка 2, столбец E («ИНН»)", "уже указан у школы «МБОУ СОШ № 20»"],
    )
    .await;
    refused(
        &app,
        &head,
        path,
        "тип.xlsx",
        book("Школы", &[SCHOOL_HEAD, &["МБОУ СОШ № 32", "Школа 32", "колледж", "", ""]]),
        &["строка 2, столбец C («Тип»)", "«колледж» — неизвестный тип"],
    )
    .await;
    refused(
        &app,
        &head,
        path,
        "новая.xlsx",
        book("Школы", &[&["Краткое наименование"], &["МБОУ СОШ № 34"]]),
        &["строка 2: Полное наименование: обязательное поле", "строка 2: Тип школы: обязательное поле"],
    )
    .await;
    refused(&app, &head, path, "пустой.xlsx", book("Школы", &[SCHOOL_HEAD]), &["нет ни одной строки данных"]).await;
    refused(&app, &head, path, "empty.xlsx", Vec::new(), &["Файл «empty.xlsx»: файл пустой"]).await;
    refused(
        &app,
        &head,
        path,
        "schools.xlsx",
        "Краткое наименование;Тип\nМБОУ СОШ № 1;СОШ\n".as_bytes().to_vec(),
        &["Файл «schools.xlsx»: это не книга Excel"],
    )
    .await;
    let mut truncated = book("Школы", &[SCHOOL_HEAD, &["МБОУ СОШ № 33", "Школа 33", "СОШ", "", ""]]);
    truncated.truncate(truncated.len() / 2);
    refused(&app, &head, path, "обрезан.xlsx", truncated, &["не книга Excel"]).await;
});

on_both!(librarians_import_names_the_bad_cell, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let path = "/librarians/import";
    let good = book(
        "Кадры",
        &[
            LIB_HEAD,
            &["Сидорова Анна Павловна", "МБОУ СОШ № 1", "первая", "12.05.2022"],
            &["Орлова Нина Юрьевна", "МАОУ Лицей № 3", "", ""],
        ],
    );
    let r = head.post_file(path, "кадры.xlsx", good).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("добавлено 2, обновлено 0, без изменений 0"));
    let (_, page) = head.text("/librarians?q=сидорова").await;
    assert!(page.contains("12.05.2027"), "next attestation computed from the imported date");

    refused(
        &app,
        &head,
        path,
        "даты.xlsx",
        book(
            "Кадры",
            &[
                LIB_HEAD,
                &["Петрова Ольга Ивановна", "МБОУ СОШ № 1", "высшая", "31.02.2023"],
                &["Лебедева Вера Петровна", "МБОУ СОШ № 1", "высшая", "вчера"],
            ],
        ),
        &[
            "лист «Кадры», строка 2, столбец D («Дата аттестации»): Дата аттестации: «31.02.2023» — такой даты нет в календаре",
            "строка 3, столбец D («Дата аттестации»)",
        ],
    )
    .await;
    refused(
        &app,
        &head,
        path,
        "школа.xlsx",
        book("Кадры", &[LIB_HEAD, &["Петрова Ольга Ивановна", "Школа № 99", "", ""]]),
        &["строка 2, столбец B («Школа (краткое наименование)»): школы «Школа № 99» нет в справочнике округа"],
    )
    .await;
    refused(
        &app,
        &head,
        path,
        "повтор.xlsx",
        book(
            "Кадры",
            &[
                LIB_HEAD,
                &["Петрова Ольга Ивановна", "МБОУ СОШ № 1", "", ""],
                &["Петрова Ольга Ивановна", "МБОУ СОШ № 1", "", ""],
            ],
        ),
        &["строка 3, столбец A («ФИО»): ФИО и школа повторяют строку 2"],
    )
    .await;
    // One good row and one bad: the good one is not written either.
    refused(
        &app,
        &head,
        path,
        "смесь.xlsx",
        book(
            "Кадры",
            &[LIB_HEAD, &["Новая Сотрудница", "МБОУ СОШ № 1", "", ""], &["Ещё Одна", "МБОУ СОШ № 1", "золотая", ""]],
        ),
        &["строка 3, столбец C («Квалификационная категория»)"],
    )
    .await;
});

on_both!(reimport_keeps_what_the_file_leaves_out, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let mut c = app.db.conn().await.unwrap();
    let district = store::directory::list_districts(&mut c.ex()).await.unwrap()[0].id;
    let before = store::directory::school_by_short_name(
        &mut c.ex(),
        &store::Reach::whole_district(district),
        "МБОУ Гимназия № 2",
    )
    .await
    .unwrap()
    .unwrap();
    drop(c);
    let file = book("Школы", &[&["Краткое наименование", "Директор"], &["МБОУ Гимназия № 2", "Новый Директор Н. Н."]]);
    let r = head.post_file("/schools/import", "директора.xlsx", file).await;
    assert!(r.text().await.unwrap().contains("обновлено 1"));
    let mut c = app.db.conn().await.unwrap();
    let after = store::directory::get_school(&mut c.ex(), &store::Reach::whole_district(before.district_id), before.id)
        .await
        .unwrap();
    assert_eq!(after.director, "Новый Директор Н. Н.");
    assert_eq!(
        (&after.full_name, &after.inn, &after.address),
        (&before.full_name, &before.inn, &before.address),
        "untouched fields stay"
    );
});

on_both!(uploads_up_to_the_limit_reach_the_importer, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let big = vec![b'x'; 3 * 1024 * 1024];
    let r = head.post_file("/schools/import", "большой.xlsx", big).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a 3 MB file passes the CSRF check and reaches the reader"
    );
    assert!(r.text().await.unwrap().contains("не книга Excel"));
});
