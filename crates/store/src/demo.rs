//! The demo district: a dozen schools of different kinds, a librarian for each, a head of the
//! association, an observer and an admin. Names are generated, not taken from real plans.

use chrono::{Months, NaiveDate};
use domain::directory::{CourseInput, LibrarianInput, PassportInput, SchoolInput};
use domain::{Role, SchoolYear};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::accounts::{self, NewUser};
use crate::audit::Actor;
use crate::{db, directory, Db, Error};

pub const PASSWORD: &str = "demo-parol";

/// What `serve --demo` prints: the logins, or why it did nothing.
pub enum Outcome {
    Seeded(Vec<(String, String)>),
    AlreadyThere(Vec<(String, String)>),
    RealData,
}

const SURNAMES: &[&str] = &[
    "Иванова",
    "Смирнова",
    "Кузнецова",
    "Попова",
    "Васильева",
    "Петрова",
    "Соколова",
    "Михайлова",
    "Новикова",
    "Фёдорова",
    "Морозова",
    "Волкова",
    "Алексеева",
    "Лебедева",
    "Семёнова",
    "Егорова",
    "Павлова",
    "Козлова",
];
const NAMES: &[&str] = &[
    "Анна",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Марина",
    "Галина",
    "Людмила",
    "Надежда",
    "Вера",
];
const PATRONYMICS: &[&str] =
    &["Александровна", "Сергеевна", "Владимировна", "Николаевна", "Ивановна", "Петровна", "Викторовна", "Юрьевна"];
const SCHOOLS: &[(&str, &str, &str)] = &[
    ("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»", "МБОУ СОШ № 1", "sosh"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 2»", "МБОУ Гимназия № 2", "gymnasium"),
    ("Муниципальное автономное общеобразовательное учреждение «Лицей № 3»", "МАОУ Лицей № 3", "lyceum"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 4 с углублённым изучением отдельных предметов»", "МБОУ СОШ № 4 с УИОП", "sosh_uiop"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Основная общеобразовательная школа № 5»", "МБОУ ООШ № 5", "oosh"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Начальная общеобразовательная школа № 6»", "МБОУ НОШ № 6", "nosh"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Заречная средняя общеобразовательная школа»", "МБОУ Заречная СОШ", "sosh"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Берёзовская основная общеобразовательная школа»", "МБОУ Берёзовская ООШ", "oosh"),
    ("Государственное казённое общеобразовательное учреждение «Школа-интернат № 9»", "ГКОУ Школа-интернат № 9", "boarding"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Сосновская средняя общеобразовательная школа»", "МБОУ Сосновская СОШ", "sosh"),
    ("Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 11»", "МБОУ Гимназия № 11", "gymnasium"),
    ("Муниципальное казённое общеобразовательное учреждение «Луговская начальная общеобразовательная школа»", "МКОУ Луговская НОШ", "nosh"),
];
const STREETS: &[&str] = &["ул. Ленина", "ул. Школьная", "ул. Мира", "ул. Советская", "ул. Садовая", "пр. Строителей"];
const THEMES: &[&str] = &[
    "Формирование читательской грамотности средствами школьной библиотеки",
    "Информационно-библиографическая культура обучающихся",
    "Продвижение чтения через проектную деятельность",
    "Школьный информационно-библиотечный центр: новые форматы",
];

/// A valid 10-digit ИНН of a legal entity from nine digits.
pub fn inn_from(nine: u64) -> String {
    let s = format!("{:09}", nine % 1_000_000_000);
    let d: Vec<u32> = s.bytes().map(|b| (b - b'0') as u32).collect();
    let w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    let check = w.iter().zip(&d).map(|(a, b)| a * b).sum::<u32>() % 11 % 10;
    format!("{s}{check}")
}

fn person(rng: &mut StdRng) -> String {
    format!(
        "{} {} {}",
        SURNAMES[rng.gen_range(0..SURNAMES.len())],
        NAMES[rng.gen_range(0..NAMES.len())],
        PATRONYMICS[rng.gen_range(0..PATRONYMICS.len())]
    )
}

async fn logins(db: &Db) -> Result<Vec<(String, String)>, Error> {
    let mut c = db.conn().await?;
    let mut users = accounts::list_users(&mut c.ex(), None).await?;
    let rank =
        |r: Role| Role::ALL.iter().position(|x| *x == r).unwrap_or(9).min(if r == Role::Observer { 2 } else { 9 });
    users.sort_by(|a, b| (rank(a.role()), &a.login).cmp(&(rank(b.role()), &b.login)));
    Ok(users
        .into_iter()
        .map(|u| (format!("{} — {}", u.role().title_ru(), u.full_name), u.login))
        .map(|(d, l)| (l, d))
        .collect())
}

/// Fills the demo district into an empty database; never touches one that holds real data.
pub async fn seed(db: &Db) -> Result<Outcome, Error> {
    {
        let mut c = db.conn().await?;
        let mut ex = c.ex();
        if db::setting(&mut ex, "demo").await?.is_some() {
            drop(c);
            return Ok(Outcome::AlreadyThere(logins(db).await?));
        }
        if !directory::list_districts(&mut ex).await?.is_empty()
            || !accounts::list_users(&mut ex, None).await?.is_empty()
        {
            return Ok(Outcome::RealData);
        }
    }
    let mut rng = StdRng::seed_from_u64(2026);
    let hash = domain::password::hash(PASSWORD);
    let sys = Actor::SYSTEM;
    let mut tx = db.begin().await?;
    let mut ex = tx.ex();
    let district =
        directory::create_district(&mut ex, &sys, "Заречный муниципальный округ", "Демонстрационная область").await?;
    let actor = Actor { user_id: None, district_id: Some(district) };
    let year = SchoolYear::current();
    let user = |login: &'static str, name: String, role: Role, school: Option<i64>| NewUser {
        login,
        full_name: Box::leak(name.into_boxed_str()),
        email: "",
        role,
        district_id: (role != Role::Admin).then_some(district),
        school_id: school,
        password_hash: Some(hash.clone()),
    };
    accounts::create_user(&mut ex, user("admin", "Администратор системы".into(), Role::Admin, None)).await?;
    accounts::create_user(&mut ex, user("observer", person(&mut rng), Role::Observer, None)).await?;
    const LOGINS: [&str; 12] =
        ["lib01", "lib02", "lib03", "lib04", "lib05", "lib06", "lib07", "lib08", "lib09", "lib10", "lib11", "lib12"];
    for (i, (full, short, kind)) in SCHOOLS.iter().enumerate() {
        let n = i as u64 + 1;
        let school = SchoolInput {
            full_name: full.to_string(),
            short_name: short.to_string(),
            kind: kind.to_string(),
            address: format!("Демонстрационная обл., г. Заречный, {}, д. {}", STREETS[i % STREETS.len()], 3 + 7 * n),
            director: person(&mut rng),
            phone: format!("+7 (800) 555-{:02}-{:02}", 10 + n, 20 + n),
            email: format!("school{n}@zarechny.example"),
            inn: inn_from(123_450_000 + n * 37),
        }
        .validate()?;
        let school_id = directory::create_school(&mut ex, &crate::Reach::whole_district(district), &school).await?;
        let name = person(&mut rng);
        let attested = NaiveDate::from_ymd_opt(2021 + (i as i32 % 5), 1 + (i as u32 % 12), 10).unwrap();
        let lib = LibrarianInput {
            full_name: name.clone(),
            position: if i % 3 == 0 {
                "заведующий библиотекой"
            } else {
                "педагог-библиотекарь"
            }
            .into(),
            education: if i % 4 == 0 {
                "среднее профессиональное"
            } else {
                "высшее (библиотечно-информационная деятельность)"
            }
            .into(),
            experience_years: (9 + i * 2).to_string(),
            category: ["высшая", "первая", "соответствие занимаемой должности", "без категории"][i % 4].into(),
            attestation_date: if i % 4 == 3 { String::new() } else { domain::dates::format(attested) },
            self_education_theme: THEMES[i % THEMES.len()].into(),
            email: format!("lib{n}@zarechny.example"),
            phone: format!("+7 (900) 100-{:02}-{:02}", n, 40 + n),
            consent_processing_date: "01.09.2025".into(),
            consent_publication_date: if i % 2 == 0 { "01.09.2025".into() } else { String::new() },
            ..Default::default()
        }
        .validate()?;
        let lib_id = directory::create_librarian(&mut ex, &actor, school_id, &lib).await?;
        let uid = accounts::create_user(&mut ex, user(LOGINS[i], name, Role::Librarian, Some(school_id))).await?;
        directory::link_librarian_user(&mut ex, lib_id, uid).await?;
        if i % 2 == 0 {
            let end = attested.checked_add_months(Months::new(8)).unwrap();
            let course = CourseInput {
                title: "Современная школьная библиотека: информационно-библиотечный центр".into(),
                provider: "Институт развития образования".into(),
                hours: "72".into(),
                start_date: domain::dates::format(end - chrono::Duration::days(20)),
                end_date: domain::dates::format(end),
                certificate: format!("Удостоверение № {}", 7700 + n),
            }
            .validate()?;
            directory::add_course(&mut ex, &actor, lib_id, &course).await?;
        }
        let pupils = if *kind == "nosh" { 60 + 15 * n } else { 250 + 70 * n };
        for y in [year.prev(), year] {
            if y == year && i >= 9 {
                continue; // some schools have not filled this year's passport yet
            }
            let p = PassportInput {
                rooms: (1 + i % 3).to_string(),
                area_m2: format!("{},{}", 40 + 6 * n, n % 10),
                reading_seats: (10 + 2 * n).to_string(),
                computers: (1 + n % 5).to_string(),
                internet: "да".into(),
                fund_main: (6000 + 900 * n).to_string(),
                fund_textbooks: (pupils * 11).to_string(),
                fund_fiction: (3500 + 500 * n).to_string(),
                fund_periodicals: (8 + n).to_string(),
                readers: (pupils * 9 / 10).to_string(),
                visits: (pupils * 14).to_string(),
                loans: (pupils * 18).to_string(),
                staff: (1 + i % 2).to_string(),
            }
            .validate()?;
            directory::save_passport(&mut ex, &actor, school_id, y, &p).await?;
            // Last year's passports were handed in and accepted; a few of this year's are handed in.
            use directory::PassportState::{Accepted, Draft, Submitted};
            if y == year.prev() || (4..7).contains(&i) {
                directory::set_passport_state(&mut ex, &actor, school_id, y, Draft, Submitted).await?;
            }
            if y == year.prev() {
                directory::set_passport_state(&mut ex, &actor, school_id, y, Submitted, Accepted).await?;
            }
        }
        if i == 0 {
            // The head of the association works at the first school too.
            let head_name = person(&mut rng);
            let head_lib = LibrarianInput {
                full_name: head_name.clone(),
                position: "педагог-библиотекарь, руководитель МО".into(),
                education: "высшее (библиотечно-информационная деятельность)".into(),
                experience_years: "24".into(),
                category: "высшая".into(),
                attestation_date: "20.02.2024".into(),
                self_education_theme: THEMES[0].into(),
                consent_processing_date: "01.09.2025".into(),
                consent_publication_date: "01.09.2025".into(),
                ..Default::default()
            }
            .validate()?;
            let head_lib_id = directory::create_librarian(&mut ex, &actor, school_id, &head_lib).await?;
            let head_uid = accounts::create_user(&mut ex, user("head", head_name, Role::Head, Some(school_id))).await?;
            directory::link_librarian_user(&mut ex, head_lib_id, head_uid).await?;
        }
    }
    db::set_setting(&mut ex, "demo", "1").await?;
    drop(ex);
    tx.commit().await?;
    Ok(Outcome::Seeded(logins(db).await?))
}
