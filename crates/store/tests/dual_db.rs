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
    let got = directory::get_librarian(&mut c.ex(), &store::Reach::whole_district(d), id).await.unwrap();
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

/// Aggregates through the helpers of `store::sql` decode as the same Rust types on both
/// databases, and a reach limits what a list returns.
async fn rules_hold(db: &Db) {
    demo::seed(db).await.unwrap();
    let mut c = db.conn().await.unwrap();
    let mut ex = c.ex();
    let sql = format!(
        "SELECT {}, {}, {} FROM schools",
        store::sql::sum("LENGTH(short_name)"),
        store::sql::count("*"),
        store::sql::list_agg(&ex, "kind", ",")
    );
    let (sum, n, kinds): (i64, i64, String) =
        store::on!(&mut ex, x => sqlx::query_as(&sql).fetch_one(x).await).unwrap();
    assert_eq!(n, 12);
    assert!(sum > 12 * 5);
    assert_eq!(kinds.split(',').count(), 12);
    let empty = format!("SELECT {} FROM schools WHERE id < 0", store::sql::sum("id"));
    let (zero,): (i64,) = store::on!(&mut ex, x => sqlx::query_as(&empty).fetch_one(x).await).unwrap();
    assert_eq!(zero, 0, "an empty sum is 0, not NULL");

    let lib = accounts::user_by_login(&mut ex, "lib01").await.unwrap().unwrap();
    let reach = store::Reach::of(&lib).unwrap();
    let own = directory::list_librarians(&mut ex, &reach, None, &ListQuery::all()).await.unwrap();
    assert!(
        own.total >= 1 && own.items.iter().all(|l| Some(l.school_id) == lib.school_id),
        "a librarian's reach is their school"
    );
    let all =
        directory::list_librarians(&mut ex, &store::Reach::whole_district(reach.district()), None, &ListQuery::all())
            .await
            .unwrap();
    assert!(all.total > own.total);
    let other = store::Reach::whole_district(reach.district() + 1000);
    assert_eq!(directory::list_schools(&mut ex, &other, &ListQuery::all()).await.unwrap().total, 0);
}

#[tokio::test]
async fn sqlite_rules() {
    let (db, _) = testing::fresh_sqlite().await.unwrap();
    rules_hold(&db).await;
}

#[tokio::test]
async fn postgres_rules() {
    let Some((db, _)) = testing::fresh_postgres().await.unwrap() else {
        return;
    };
    rules_hold(&db).await;
}

/// Every file in store/migrations/ is in the migration list of db.rs, in order, and nothing else.
#[test]
fn migration_list_matches_the_folder() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let listed: Vec<String> = store::db::MIGRATIONS.iter().map(|(v, name, _)| format!("{v:04}_{name}.sql")).collect();
    assert_eq!(files, listed);
    for (i, (v, _, sql)) in store::db::MIGRATIONS.iter().enumerate() {
        assert_eq!(*v, i as i64 + 1, "versions run 1, 2, 3 …");
        let on_disk = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(&files[i]),
        )
        .unwrap();
        assert_eq!(*sql, on_disk, "{} is the file it names", files[i]);
    }
}
