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
