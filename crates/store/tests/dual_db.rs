//! The design proof: the same store code keeps real dates and instants on SQLite and PostgreSQL,
//! and the demo district is filled the same way on both.

use chrono::NaiveDate;
use domain::directory::{LibrarianInput, SchoolInput};
use store::audit::Actor;
use store::{accounts, demo, directory, testing, Db, ListQuery};

async fn dates_round_trip(db: &Db) {
    let mut tx = db.begin().await.unwrap();
    let mut ex = tx.ex();
    let d = directory::create_district(&mut ex, &Actor::SYSTEM, "Тестовый округ", "").await.unwrap();
    let school = SchoolInput {
        full_name: "Школа № 7".into(),
        short_name: "СОШ № 7".into(),
        kind: "СОШ".into(),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let s = directory::create_school(&mut ex, &store::Reach::whole_district(d), &school).await.unwrap();
    let lib = LibrarianInput {
        full_name: "Ёлкина Алёна Петровна".into(),
        category: "первая".into(),
        attestation_date: "29.02.2024".into(),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let id = directory::create_librarian(&mut ex, &Actor::SYSTEM, s, &lib).await.unwrap();
    drop(ex);
    tx.commit().await.unwrap();

    let mut c = db.conn().await.unwrap();
    let got = directory::get_librarian(&mut c.ex(), id).await.unwrap();
    assert_eq!(got.attestation_date, NaiveDate::from_ymd_opt(2024, 2, 29));
    assert_eq!(got.next_attestation_date, NaiveDate::from_ymd_opt(2029, 2, 28));
    assert!(got.created_at <= store::now());

    // Dates compare as dates in SQL on both databases.
    let q = ListQuery { q: "алена".into(), sort: "next_attestation".into(), ..ListQuery::all() };
    let page = directory::list_librarians(&mut c.ex(), &store::Reach::whole_district(d), None, &q).await.unwrap();
    assert_eq!(page.total, 1, "search folds ё and case");
}

async fn demo_fills_once(db: &Db) {
    assert!(matches!(demo::seed(db).await.unwrap(), demo::Outcome::Seeded(_)));
    assert!(matches!(demo::seed(db).await.unwrap(), demo::Outcome::AlreadyThere(_)));
    let mut c = db.conn().await.unwrap();
    let users = accounts::list_users(&mut c.ex(), None).await.unwrap();
    assert_eq!(users.len(), 15, "admin, observer, head and 12 librarians");
    let district = directory::list_districts(&mut c.ex()).await.unwrap()[0].id;
    let schools =
        directory::list_schools(&mut c.ex(), &store::Reach::whole_district(district), &ListQuery::all()).await.unwrap();
    assert_eq!(schools.total, 12);
}

#[tokio::test]
async fn sqlite_keeps_real_dates() {
    let (db, _) = testing::fresh_sqlite().await.unwrap();
    dates_round_trip(&db).await;
}

#[tokio::test]
async fn postgres_keeps_real_dates() {
    let Some((db, _)) = testing::fresh_postgres().await.unwrap() else {
        return;
    };
    dates_round_trip(&db).await;
}

#[tokio::test]
async fn sqlite_demo() {
    let (db, _) = testing::fresh_sqlite().await.unwrap();
    demo_fills_once(&db).await;
}

#[tokio::test]
async fn postgres_demo() {
    let Some((db, _)) = testing::fresh_postgres().await.unwrap() else {
        return;
    };
    demo_fills_once(&db).await;
}

#[tokio::test]
async fn demo_never_touches_real_data() {
    let (db, _) = testing::fresh_sqlite().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    directory::create_district(&mut tx.ex(), &Actor::SYSTEM, "Настоящий округ", "").await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(demo::seed(&db).await.unwrap(), demo::Outcome::RealData));
}
