//! The federal list of extremist materials stored in versions: import, the same file again, a
//! later version's news, a broken file, and who may import. Synthetic lists only.

mod common;

use common::{Client, TestApp};
use reqwest::StatusCode;

/// A list as published: UTF-8 with a BOM, CRLF, `;`, every field quoted, quotes doubled.
fn list(rows: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from("\u{feff}№;Материал;Дата включения (указывается с 01.01.2017)\r\n");
    for (n, text, date) in rows {
        let q = |f: &str| format!("\"{}\"", f.replace('"', "\"\""));
        s.push_str(&format!("{};{};{}\r\n", q(n), q(text), q(date)));
    }
    s.into_bytes()
}

const A: &str = "Книга Засекина Р.Т. \"Чёрное знамя рассвета\" (М.: Заря, 2004)";
const B: &str = "Видеоролик «Поход», размещённый на сайте; решение суда от 01.02.2016";
const B_EXCLUDED: &str =
    "Видеоролик «Поход», размещённый на сайте; решение суда от 01.02.2016 (исключен решением суда от 03.03.2025)";
const C: &str = "Брошюра «Слово о чистоте крови» (исключена решением суда от 01.02.2019)";
const D: &str = "Листовка «Заря над Волгой» (г. Тверь, 2015)";
const E: &str = "Журнал «Гроза полуночи», выпуск 3";
const F: &str = "Аудиозапись «Песнь о Тумане» продолжительностью 4 мин.";

fn first() -> Vec<u8> {
    list(&[("1", A, ""), ("2", B, "15.03.2017"), ("3", C, "#N/A"), ("4", D, "01.06.2018")])
}

fn second() -> Vec<u8> {
    list(&[
        ("1", A, ""),
        ("2", B_EXCLUDED, "15.03.2017"),
        ("3", C, "#N/A"),
        ("4", D, "01.06.2018"),
        ("5", E, "10.01.2025"),
        ("6", F, "11.01.2025"),
    ])
}

async fn rows(app: &TestApp) -> [i64; 2] {
    [common::count(&app.db, "fsem_versions").await, common::count(&app.db, "fsem_entries").await]
}

async fn upload(c: &Client, file: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let r = c.post_file("/fsem/import", file, bytes).await;
    (r.status(), r.text().await.unwrap())
}

on_both!(versions_are_stored_and_compared, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    assert_eq!(rows(&app).await, [0, 0]);

    let (s, page) = upload(&head, "fsem.csv", first()).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("Список загружен (первая версия): записей 4, из них исключённых 1"), "{page}");
    assert!(page.contains("«#N/A» вместо даты включения (запись № 3)"), "the reader's warning is shown: {page}");
    assert_eq!(rows(&app).await, [1, 4]);

    // The same file again, under another name: nothing changes.
    let (s, page) = upload(&head, "снова.csv", first()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Файл «fsem.csv» уже загружен — список не изменился"), "{page}");
    assert_eq!(rows(&app).await, [1, 4]);

    // A later list: two new entries, one newly excluded; only those three rows are added.
    let (s, page) = upload(&head, "fsem-2025.csv", second()).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("Список загружен: записей 6; новых с прошлой версии 2, вновь исключённых 1, изменённых 0"),
        "{page}"
    );
    assert_eq!(rows(&app).await, [2, 7]);

    let (s, page) = head.text("/fsem?show=new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("Найдено: 2.") && page.contains("Гроза полуночи") && page.contains("Песнь о Тумане"),
        "{page}"
    );
    assert!(!page.contains("Заря над Волгой"), "{page}");
    let (_, page) = head.text("/fsem?show=excluded").await;
    assert!(page.contains("Найдено: 1.") && page.contains("исключен решением суда от 03.03.2025"), "{page}");
    // The whole list of the latest version, searched in any case.
    let (_, page) = head.text("/fsem?q=%D0%92%D0%9E%D0%9B%D0%93%D0%9E%D0%99").await; // «ВОЛГОЙ»
    assert!(page.contains("Найдено: 1.") && page.contains("Заря над Волгой"), "{page}");
    let (_, page) = head.text("/fsem").await;
    assert!(page.contains("Найдено: 6."), "{page}");

    // The first version reads back as it was: four entries, «Поход» not yet excluded.
    let first_id = {
        let mut c = app.db.conn().await.unwrap();
        store::fsem::versions(&mut c.ex()).await.unwrap().last().unwrap().id
    };
    let (_, page) = head.text(&format!("/fsem?version={first_id}")).await;
    assert!(page.contains("Найдено: 4.") && !page.contains("03.03.2025") && !page.contains("Гроза"), "{page}");

    // A librarian sees the list but may not import it.
    let lib = Client::signed_in(&app.url, "lib01").await;
    let (s, page) = lib.text("/fsem").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Песнь о Тумане") && page.contains("ФСЭМ"));
    let (s, _) = upload(&lib, "fsem.csv", list(&[("1", A, ""), ("7", "Книга «Чужая»", "")])).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(rows(&app).await, [2, 7]);

    // A shorter list is stored, with a warning.
    let (s, page) = upload(&head, "часть.csv", list(&[("1", A, ""), ("2", B_EXCLUDED, "15.03.2017")])).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("В файле 2 записей, а в прошлой версии (fsem-2025.csv) их было 6"), "{page}");
});

on_both!(a_broken_file_changes_nothing, |app| {
    let admin = Client::signed_in(&app.url, "admin").await;
    let before = rows(&app).await;
    let bytes = "\u{feff}№;Название;Дата включения\r\n1;Книга «А»;01.02.2018\r\n".as_bytes().to_vec();
    let (s, page) = upload(&admin, "список.csv", bytes).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Список не загружен, в базе ничего не изменилось"), "{page}");
    assert!(page.contains("Файл «список.csv»") && page.contains("нужны столбцы «Материал»"), "{page}");
    assert_eq!(rows(&app).await, before);
});
