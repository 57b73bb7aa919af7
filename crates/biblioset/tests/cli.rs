//! The `biblioset` binary as people run it: the demo, backup while serving, and two server
//! processes sharing one PostgreSQL database.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::Client;
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_biblioset");

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("biblioset-cli-{}", store::accounts::random_token()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts `biblioset GLOBAL… serve OPTIONS…` on a free port; returns the process, its URL and
/// what it printed before serving.
async fn serve(global: &[&str], options: &[&str]) -> (Child, String, String) {
    let mut child = Command::new(BIN)
        .args(global)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(options)
        .env("BIBLIOSET_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
            .await
            .expect("the server printed its address in time")
            .unwrap()
            .expect("the server exited before serving");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(i) = line.find("http://") {
            let url = line[i..].split_whitespace().next().unwrap().to_string();
            return (child, url, printed);
        }
    }
}

async fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).env("BIBLIOSET_LOG", "warn").output().await.unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn dir_arg(d: &Path) -> String {
    d.to_string_lossy().to_string()
}

#[tokio::test]
async fn demo_starts_once_and_never_overwrites() {
    let dir = temp_dir();
    let d = dir_arg(&dir);
    let (mut child, url, printed) = serve_demo(&d).await;
    assert!(printed.contains("Пароль у всех: demo-parol") && printed.contains("lib12"), "{printed}");
    let head = Client::signed_in(&url, "head").await;
    head.post_form("/schools", &[("short_name", "Своя школа"), ("full_name", "Своя школа"), ("kind", "other")]).await;
    child.kill().await.unwrap();

    let (mut child, url, printed) = serve_demo(&d).await;
    assert!(printed.contains("head"), "the second start prints the logins again: {printed}");
    let (_, list) = Client::signed_in(&url, "head").await.text("/schools?q=своя").await;
    assert!(list.contains("Своя школа"), "the second start keeps the data");
    child.kill().await.unwrap();

    let real = dir_arg(&temp_dir());
    let (ok, _) = run(&["--data-dir", &real, "district", "add", "Настоящий округ"]).await;
    assert!(ok);
    let (_, _, printed) = serve_demo(&real).await;
    assert!(printed.contains("демонстрационный округ не добавлен"), "{printed}");
}

async fn serve_demo(data_dir: &str) -> (Child, String, String) {
    serve(&["--data-dir", data_dir], &["--demo"]).await
}

#[tokio::test]
async fn backup_while_serving_is_consistent() {
    let d = dir_arg(&temp_dir());
    let (_child, url, _) = serve_demo(&d).await;
    let head = Client::signed_in(&url, "head").await;
    head.post_form("/schools", &[("short_name", "Школа перед копией"), ("full_name", "Школа"), ("kind", "other")])
        .await;
    let copy = format!("{d}/copy.db");
    let (ok, out) = run(&["--data-dir", &d, "backup", &copy]).await;
    assert!(ok, "{out}");
    assert!(out.contains("Резервная копия готова"), "{out}");
    let (ok, out) = run(&["--data-dir", &d, "backup", &copy]).await;
    assert!(!ok && out.contains("already exists"), "an existing file is never overwritten: {out}");

    let restored = store::Db::connect(&format!("sqlite://{copy}")).await.unwrap();
    let mut c = restored.conn().await.unwrap();
    let district = store::directory::list_districts(&mut c.ex()).await.unwrap()[0].id;
    let schools =
        store::directory::list_schools(&mut c.ex(), &store::Reach::whole_district(district), &store::ListQuery::all())
            .await
            .unwrap();
    assert_eq!(schools.total, 13, "the copy holds the demo schools and the one added while serving");
}

#[tokio::test]
async fn two_processes_share_one_postgres() {
    let Some((db, url)) = store::testing::fresh_postgres().await.unwrap() else {
        return;
    };
    app::demo::seed(&db).await.unwrap();
    let (_a, url_a, _) = serve(&["--database-url", &url], &[]).await;
    let (_b, url_b, _) = serve(&["--database-url", &url], &[]).await;
    assert_ne!(url_a, url_b);

    let on_a = Client::signed_in(&url_a, "head").await;
    let on_b = on_a.share_session_with(&url_b);
    let (status, page) = on_b.text("/").await;
    assert_eq!(status, StatusCode::OK, "the session made on A is valid on B");
    assert!(page.contains("Заречный муниципальный округ"));
    let r = on_b
        .post_form("/schools", &[("short_name", "Школа из процесса Б"), ("full_name", "Школа"), ("kind", "other")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a change on B passes its CSRF check with A's token");
    let (_, list) = on_a.text("/schools?q=процесса").await;
    assert!(list.contains("Школа из процесса Б"), "A sees what B wrote");

    on_b.post_form("/logout", &[]).await;
    assert_eq!(on_a.get("/").await.status(), StatusCode::SEE_OTHER, "signing out on B ends the session on A");
}

#[tokio::test]
async fn cli_import_reports_cells_and_writes_nothing() {
    let d = dir_arg(&temp_dir());
    let (ok, out) = run(&["--data-dir", &d, "district", "add", "Округ для импорта"]).await;
    assert!(ok, "{out}");
    let file = format!("{d}/schools.xlsx");
    std::fs::write(&file, b"not a spreadsheet").unwrap();
    let (ok, out) = run(&["--data-dir", &d, "import", "schools", &file, "--district", "1"]).await;
    assert!(!ok);
    assert!(out.contains("Файл «schools.xlsx»: это не книга Excel"), "{out}");
    let (ok, out) = run(&["--data-dir", &d, "import", "schools", &file, "--district", "99"]).await;
    assert!(!ok && out.contains("no district with id 99"), "{out}");

    // The CLI reads files within the same limits as the page: a sparse sheet gets a message, not an abort.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Краткое наименование").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    std::fs::write(&file, wb.save_to_buffer().unwrap()).unwrap();
    let out = Command::new(BIN)
        .args(["--data-dir", &d, "import", "schools", &file, "--district", "1"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "refused with a message, not killed by a signal");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("строк") && text.contains("в базе ничего не изменилось"), "{text}");
}

#[tokio::test]
async fn cli_refuses_weak_passwords_and_taken_logins_in_russian() {
    let d = dir_arg(&temp_dir());
    let (ok, out) = run(&[
        "--data-dir",
        &d,
        "user",
        "add",
        "--login",
        "boss",
        "--name",
        "Главный",
        "--role",
        "admin",
        "--password",
        "aaaaaaaa",
    ])
    .await;
    assert!(!ok && out.contains("Пароль"), "{out}");
    let (ok, out) =
        run(&["--data-dir", &d, "user", "add", "--login", "boss", "--name", "Главный", "--role", "admin"]).await;
    assert!(ok && out.contains("/invite/"), "{out}");
    let (ok, out) =
        run(&["--data-dir", &d, "user", "add", "--login", "boss", "--name", "Другой", "--role", "admin"]).await;
    assert!(!ok && out.contains("Логин «boss» уже занят"), "{out}");
    assert!(!out.contains("database error"), "no raw database error: {out}");
}

#[tokio::test]
async fn an_interrupted_backup_leaves_no_file_that_looks_whole() {
    let d = dir_arg(&temp_dir());
    let (ok, _) = run(&["--data-dir", &d, "district", "add", "Округ"]).await;
    assert!(ok);
    // A copy is written under a temporary name and renamed when checked: killed at once, the
    // command leaves no file by the final name.
    let copy = format!("{d}/copy.db");
    let mut child = Command::new(BIN).args(["--data-dir", &d, "backup", &copy]).spawn().unwrap();
    child.kill().await.unwrap();
    let _ = child.wait().await;
    if Path::new(&copy).exists() {
        store::db::check_sqlite_file(Path::new(&copy)).await.expect("a file by the final name is whole");
    }
    let (ok, out) = run(&["--data-dir", &d, "backup", &copy]).await;
    assert!(ok || out.contains("already exists"), "{out}");
    store::db::check_sqlite_file(Path::new(&copy)).await.unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "no partial copy is left behind");
}

/// `biblioset fpu import` reads the ministry's layout, reports what it read, changes nothing the
/// second time, and refuses a broken file with the row and column, storing nothing.
#[tokio::test]
async fn fpu_import_from_the_command_line() {
    let d = temp_dir();
    let data = dir_arg(&d);
    let list = d.join("fpu.xlsx");
    std::fs::write(&list, formats::fpu::sample_xlsx(250, 3)).unwrap();
    let file = dir_arg(&list);
    let (ok, out) = run(&["--data-dir", &data, "fpu", "import", &file, "--order", "№ 119 от 21.02.2024"]).await;
    assert!(ok, "{out}");
    assert!(out.contains("Приказ № 119 от 21.02.2024: приложение 1 —") && out.contains("заголовков разделов"), "{out}");
    let (ok, again) = run(&["--data-dir", &data, "fpu", "import", &file, "--order", "№ 119 от 21.02.2024"]).await;
    assert!(ok && again.contains("ничего не изменилось"), "{again}");
    let broken = d.join("broken.csv");
    std::fs::write(&broken, "Номер;Наименование учебника;Автор;Класс\n1.1.1.1.1.1.;Букварь;Иванов И. И.;13\n").unwrap();
    let (ok, err) =
        run(&["--data-dir", &data, "fpu", "import", &dir_arg(&broken), "--order", "№ 1 от 01.01.2025"]).await;
    assert!(!ok && err.contains("строка 2") && err.contains("13"), "{err}");
    let (ok, no_order) = run(&["--data-dir", &data, "fpu", "import", &file, "--order", "новый"]).await;
    assert!(!ok && no_order.contains("укажите номер и дату"), "{no_order}");
    let db = store::Db::connect(&format!("sqlite://{}/biblioset.db", data)).await.unwrap();
    let mut c = db.conn().await.unwrap();
    let orders = store::fund::fpu_orders(&mut c.ex()).await.unwrap();
    assert_eq!(orders.len(), 1, "only the good file is stored, once");
}

/// A RUSMARC record in Windows-1251 as ИРБИС writes it (100$a says so), for `catalog convert`.
fn rusmarc_1251(id: &str, title: &str, author: &[(char, &str)]) -> Vec<u8> {
    let cp = |s: &str| encoding_rs::WINDOWS_1251.encode(s).0.into_owned();
    let field = |ind: &str, subfields: &[(char, &str)]| {
        let mut out = ind.as_bytes().to_vec();
        for (code, value) in subfields {
            out.push(0x1F);
            out.push(*code as u8);
            out.extend(cp(value));
        }
        out
    };
    let fields = [
        ("001", id.as_bytes().to_vec()),
        ("100", field("  ", &[('a', "20240115d2024    k  y0rusy0189    ca")])),
        ("200", field("1 ", &[('a', title)])),
        ("700", field(" 1", author)),
    ];
    let (mut directory, mut data) = (Vec::new(), Vec::new());
    for (tag, content) in fields {
        directory.extend(format!("{tag}{:04}{:05}", content.len() + 1, data.len()).bytes());
        data.extend(content);
        data.push(0x1E);
    }
    directory.push(0x1E);
    let base = 24 + directory.len();
    let mut out = format!("{:05}nam  22{base:05}   450 ", base + data.len() + 1).into_bytes();
    out.extend(directory);
    out.extend(data);
    out.push(0x1D);
    out
}

/// `biblioset catalog convert` reads a Windows-1251 RUSMARC file without a database: TSV lines,
/// MARCXML that an XML parser reads back, a broken record named on stderr by its number.
#[tokio::test]
async fn catalog_convert_reads_windows_1251_rusmarc() {
    let d = temp_dir();
    // Never created: the command opens no database.
    let data = dir_arg(&d.join("data"));
    let mut bytes = rusmarc_1251("RU/1", "Капитанская дочка", &[('a', "Пушкин"), ('b', "А. С.")]);
    bytes.extend(rusmarc_1251("RU/2", "Ёжик в тумане & другие", &[('a', "Козлов"), ('g', "Сергей Григорьевич")]));
    bytes.extend(b"00042nam  22000000   450 junk\x1d");
    bytes.extend(rusmarc_1251("RU/4", "«Тихий Дон»", &[('a', "Шолохов"), ('b', "М. А.")]));
    let file = d.join("каталог.iso");
    std::fs::write(&file, &bytes).unwrap();
    let convert = |to: &'static str, extra: &'static [&'static str]| {
        let (data, file) = (data.clone(), dir_arg(&file));
        async move {
            Command::new(BIN)
                .args(["--data-dir", &data, "catalog", "convert", &file, "--to", to])
                .args(extra)
                .output()
                .await
                .unwrap()
        }
    };

    let out = convert("tsv", &[]).await;
    let (stdout, stderr) = (String::from_utf8(out.stdout).unwrap(), String::from_utf8_lossy(&out.stderr).to_string());
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "RU/1\tКапитанская дочка\tПушкин А. С.\nRU/2\tЁжик в тумане & другие\tКозлов С. Г.\nRU/4\t«Тихий Дон»\tШолохов М. А.\n"
    );
    assert!(stderr.contains("Файл «каталог.iso»: запись 3: "), "{stderr}");
    assert!(stderr.contains("прочитано записей: 3, повреждённых: 1; кодировка Windows-1251"), "{stderr}");
    assert!(!Path::new(&data).exists(), "no database was opened");

    let out = convert("marcxml", &["--encoding", "cp1251"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut xml = quick_xml::Reader::from_reader(&out.stdout[..]);
    let (mut buf, mut records, mut titles, mut namespace, mut open) = (Vec::new(), 0, Vec::new(), None, None);
    loop {
        match xml.read_event_into(&mut buf).expect("well-formed MARCXML") {
            quick_xml::events::Event::Start(e) => match e.local_name().as_ref() {
                "collection" => {
                    namespace = e.try_get_attribute("xmlns").unwrap().map(|a| a.value.into_owned());
                }
                "record" => records += 1,
                "subfield" => open = e.try_get_attribute("code").unwrap().map(|a| a.value.into_owned()),
                _ => {}
            },
            quick_xml::events::Event::Text(t) if open.as_deref() == Some("a") => titles.push(t.to_string()),
            quick_xml::events::Event::GeneralRef(r) if open.as_deref() == Some("a") => {
                titles.push(quick_xml::escape::resolve_predefined_entity(&r).unwrap_or("?").to_string())
            }
            quick_xml::events::Event::End(e) if e.local_name().as_ref() == "subfield" => open = None,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    assert_eq!(records, 3);
    assert_eq!(namespace.as_deref(), Some("http://www.loc.gov/MARC21/slim"));
    let text = titles.concat();
    assert!(text.contains("Капитанская дочка") && text.contains("Ёжик в тумане & другие"), "{text}");

    let pdf = d.join("перечень.iso");
    std::fs::write(&pdf, b"%PDF-1.7\n").unwrap();
    let out = Command::new(BIN).args(["catalog", "convert", &dir_arg(&pdf), "--to", "tsv"]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("это документ PDF, а не каталог"));
}

/// `biblioset fsem check` on a librarian's own computer: a synthetic list in the published
/// layout (BOM, CRLF, `;`, doubled quotes) against a Windows-1251 RUSMARC catalog. The planted
/// book is a candidate with its 001, entry number and explanation; the classic whose title a video
/// entry shares is not; no database is opened.
#[tokio::test]
async fn fsem_check_finds_the_planted_book_and_not_the_classic() {
    let d = temp_dir();
    let data = dir_arg(&d.join("data"));
    let list = "\u{feff}Материал;Дата включения (указывается с 01.01.2017)\r\n\
        \"Книга Петрова И.И. \"\"Тёмные дороги пустоши\"\" (издательство «Заря», 2005)\";12.03.2018\r\n\
        \"Видеоролик \"\"Мастер и Маргарита\"\", размещённый на сайте example.org\";01.02.2019\r\n\
        \"Брошюра \"\"Путь огня\"\" исключен решением суда\";\r\n";
    let list_file = d.join("список.csv");
    std::fs::write(&list_file, list.as_bytes()).unwrap();
    let mut catalog = rusmarc_1251("RU/10", "Темные дороги пустоши", &[('a', "Петров"), ('b', "И. И.")]);
    catalog.extend(rusmarc_1251("RU/11", "Мастер и Маргарита", &[('a', "Булгаков"), ('b', "М. А.")]));
    catalog.extend(rusmarc_1251("RU/12", "Капитанская дочка", &[('a', "Пушкин"), ('b', "А. С.")]));
    let cat_file = d.join("фонд.iso");
    std::fs::write(&cat_file, &catalog).unwrap();
    let out = Command::new(BIN)
        .args(["--data-dir", &data, "fsem", "check", "--list", &dir_arg(&list_file), "--catalog", &dir_arg(&cat_file)])
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 1, "one candidate: {stdout}");
    assert_eq!((lines[0][0], lines[0][3]), ("RU/10", "1"), "record 001 and entry number");
    assert!(
        lines[0][5].contains("пустош") || lines[0][5].contains("дорог"),
        "the explanation names the words: {stdout}"
    );
    assert!(stderr.contains("Записей каталога: 3"), "{stderr}");
    assert!(!d.join("data").exists(), "no database is opened");
    // CSV with a header for a spreadsheet.
    let out = Command::new(BIN)
        .args(["fsem", "check", "--list", &dir_arg(&list_file), "--catalog", &dir_arg(&cat_file), "--csv"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Запись (001);Заглавие;Автор;№ в списке"), "{stdout}");
    // A broken list: a Russian message, exit code 1.
    let bad = d.join("плохой.csv");
    std::fs::write(&bad, "Что-то;Другое\r\nа;б\r\n").unwrap();
    let out = Command::new(BIN)
        .args(["fsem", "check", "--list", &dir_arg(&bad), "--catalog", &dir_arg(&cat_file)])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Материал"), "the message names the missing column: {stderr}");
}
