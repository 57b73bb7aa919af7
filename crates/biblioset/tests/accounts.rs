//! Signing in and out, rate limiting, CSRF, invitations.

mod common;

use common::Client;
use reqwest::StatusCode;

on_both!(sign_in_dashboard_sign_out, |app| {
    let c = Client::new(&app.url);
    let r = c.get("/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "anonymous is sent to the login page");
    let r = c.post_form("/login", &[("login", "head"), ("password", "неверный")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Неверный логин или пароль"));

    c.login("head").await;
    let (status, page) = c.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Заречный муниципальный округ"), "the head's dashboard names the district");
    assert!(page.contains("Аттестация: просрочена или в ближайшие полгода"));

    let lib = Client::signed_in(&app.url, "lib03").await;
    let (_, page) = lib.text("/").await;
    assert!(page.contains("МАОУ Лицей № 3"), "a librarian's dashboard shows their school");
    assert!(page.contains("Паспорт библиотеки"));

    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(c.get("/").await.status(), StatusCode::SEE_OTHER, "after signing out the dashboard is closed");
});

on_both!(too_many_failures_lock_the_login, |app| {
    let c = Client::new(&app.url);
    for _ in 0..5 {
        c.post_form("/login", &[("login", "observer"), ("password", "мимо")]).await;
    }
    let r = c.post_form("/login", &[("login", "observer"), ("password", common::PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits after five failures");
    assert!(r.text().await.unwrap().contains("Слишком много неудачных попыток"));
    // Another account from the same address is not locked by them.
    Client::signed_in(&app.url, "lib05").await;
});

on_both!(changes_without_the_csrf_token_are_refused, |app| {
    let demo = common::demo_ids(&app).await;
    let c = Client::signed_in(&app.url, "head").await;
    let before = common::count(&app.db, "audit_log").await;
    let r = c
        .http
        .post(format!("{}/schools/{}", app.url, demo.own_school))
        .form(&[("short_name", "Подмена"), ("full_name", "Подмена"), ("kind", "sosh")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Страница устарела"));
    let r = c
        .http
        .post(format!("{}/schools/{}", app.url, demo.own_school))
        .form(&[
            ("short_name", "Подмена"),
            ("full_name", "Подмена"),
            ("kind", "sosh"),
            ("_csrf", "0".repeat(64).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a wrong token is no token");
    assert_eq!(common::count(&app.db, "audit_log").await, before, "nothing was changed");
});

on_both!(invitation_link_sets_a_password_once, |app| {
    let demo = common::demo_ids(&app).await;
    let head = Client::signed_in(&app.url, "head").await;
    let r = head.post_form(&format!("/librarians/{}/invite", demo.own_librarian), &[("login", "testova")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let start = page.find(&format!("{}/invite/", app.url)).expect("the page shows the link");
    let link: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let path = link.trim_start_matches(&app.url).to_string();

    let newcomer = Client::new(&app.url);
    let (status, page) = newcomer.text(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Тестова Ольга Ивановна") && page.contains("testova"));
    let r = newcomer.post_form(&path, &[("password", "короткий"), ("password2", "другой")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Пароли не совпадают"));
    let r = newcomer.post_form(&path, &[("password", "книги-и-читатели"), ("password2", "книги-и-читатели")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = newcomer.text("/").await;
    assert!(page.contains("Тестова Ольга Ивановна"), "the new librarian is signed in");

    let again = Client::new(&app.url);
    let (status, page) = again.text(&path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the link works once");
    assert!(page.contains("недействительна"));
    let r = again.post_form("/login", &[("login", "testova"), ("password", "книги-и-читатели")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the new password signs in");

    let (_, audit) = head.text("/audit").await;
    assert!(audit.contains("Приглашение: Тестова Ольга Ивановна"));
});

on_both!(admin_creates_district_and_head, |app| {
    let admin = Client::signed_in(&app.url, "admin").await;
    let r = admin.post_form("/admin/districts", &[("name", "Северный округ"), ("region", "Тестовая область")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin.post_form("/admin/districts", &[("name", "Северный округ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("уже есть"));
    let mut c = app.db.conn().await.unwrap();
    let d = store::directory::list_districts(&mut c.ex())
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "Северный округ")
        .unwrap();
    let r = admin
        .post_form(
            "/admin/users",
            &[("login", "north"), ("full_name", "Северова Анна"), ("role", "head"), ("district_id", &d.id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("/invite/"));
    let r = admin
        .post_form(
            "/admin/users",
            &[("login", "north"), ("full_name", "Двойник"), ("role", "head"), ("district_id", &d.id.to_string())],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Логин «north» уже занят"));
});

on_both!(odd_requests_get_russian_answers_not_errors, |app| {
    let head = Client::signed_in(&app.url, "Head").await; // logins ignore case
    let r = head.http.head(format!("{}/health", app.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "HEAD follows the GET rule");
    let r = head.post_form("/", &[]).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.text().await.unwrap().contains("нельзя выполнить такой запрос"));
    let (status, page) = head.text("/schools?page=abc").await;
    assert_eq!(status, StatusCode::OK, "a hand-edited page number falls back to the first page");
    assert!(page.contains("Школы округа"));
    let r = head.http.get(format!("{}/api/schools/abc", app.url)).send().await.unwrap();
    assert!(r.status().is_client_error());
    let body = r.text().await.unwrap();
    assert!(!body.contains("Failed") && !body.contains("Invalid"), "no English for users: {body}");
    let (status, page) = head.text("/schools/999999/edit").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Выйти"), "an error page keeps the signed-in menu");
});

on_both!(sign_in_never_redirects_off_site, |app| {
    for next in ["//evil.example/", "/\\evil.example", "/\t/evil.example", "https://evil.example/"] {
        let c = Client::new(&app.url);
        let r = c.post_form("/login", &[("login", "observer"), ("password", common::PASSWORD), ("next", next)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/", "next={next:?}");
    }
    let c = Client::new(&app.url);
    let r = c
        .post_form("/login", &[("login", "observer"), ("password", common::PASSWORD), ("next", "/librarians?q=а")])
        .await;
    assert_eq!(r.headers()["location"], "/librarians?q=а");
});

on_both!(archived_librarian_cannot_sign_in_until_restored, |app| {
    let head = Client::signed_in(&app.url, "head").await;
    let lib = Client::signed_in(&app.url, "lib05").await;
    let mut c = app.db.conn().await.unwrap();
    let user = store::accounts::user_by_login(&mut c.ex(), "lib05").await.unwrap().unwrap();
    let record =
        store::directory::librarian_of_user(&mut c.ex(), &store::Reach::of(&user).unwrap()).await.unwrap().unwrap();
    drop(c);
    head.post_form(&format!("/librarians/{}/archive", record.id), &[]).await;
    assert_eq!(lib.get("/").await.status(), StatusCode::SEE_OTHER, "the open session ends");
    let r = Client::new(&app.url).post_form("/login", &[("login", "lib05"), ("password", common::PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    head.post_form(&format!("/librarians/{}/archive", record.id), &[("restore", "1")]).await;
    Client::signed_in(&app.url, "lib05").await;
    let (_, audit) = head.text("/audit").await;
    assert!(audit.contains("вход в систему закрыт") && audit.contains("вход в систему открыт"));
});
