//! The demo district with its textbook fund: the directory from `store::demo`, then a made-up
//! federal list in the official layout read by the real importer, curriculum choices, pupils,
//! receipts and write-offs, so that the provision pages show deficits, surpluses and compliance
//! warnings at once.

use chrono::NaiveDate;
use domain::SchoolYear;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use store::audit::Actor;
use store::demo::{self, Outcome};
use store::fund::{self, ClassCount, Listed, NewBatch, NewLine, NewReceipt, WriteOffLine};
use store::{directory, Db, Error, ListQuery, Reach};

/// The order the demo list is imported as.
pub const DEMO_ORDER: &str = "№ 119 от 21.02.2024";

/// Seeds the demo district and its fund into an empty database (see `store::demo::seed`).
pub async fn seed(db: &Db) -> Result<Outcome, Error> {
    let outcome = demo::seed(db).await?;
    if let Outcome::Seeded(_) = &outcome {
        seed_fund(db).await?;
        seed_planning(db).await?;
    }
    Ok(outcome)
}

/// Levels a school kind teaches: (first grade, last grade).
fn grades_of(kind: &str) -> (u8, u8) {
    match kind {
        "nosh" => (1, 4),
        "oosh" => (1, 9),
        _ => (1, 11),
    }
}

async fn seed_fund(db: &Db) -> Result<(), Error> {
    let bytes = formats::fpu::sample_xlsx(420, 2026);
    crate::fund::import_fpu(db, &Actor::SYSTEM, &bytes, "ФПУ (демонстрационный).xlsx", DEMO_ORDER)
        .await
        .map_err(|e| Error::Config(format!("demo list: {e:?}")))?;
    let mut rng = StdRng::seed_from_u64(119);
    let mut tx = db.begin().await?;
    let mut ex = tx.ex();
    let district = directory::list_districts(&mut ex).await?.first().map(|d| d.id).ok_or(Error::NotFound)?;
    let reach = Reach::whole_district(district);
    let actor = Actor { user_id: None, district_id: Some(district) };
    let order = fund::current_fpu_order(&mut ex).await?.ok_or(Error::NotFound)?;
    let mut listed: Vec<Listed> = fund::fpu_by_number(&mut ex, order.id).await?.into_values().flatten().collect();
    listed.sort_by(|a, b| (&a.number_key, a.item_id).cmp(&(&b.number_key, b.item_id)));
    let year = SchoolYear::current();
    let today = domain::clock::today();
    let schools = directory::list_schools(&mut ex, &reach, &ListQuery::all()).await?.items;
    for (si, school) in schools.iter().enumerate() {
        let (first, last) = grades_of(school.kind.code());
        // Pupils: one to three classes a grade, this year and last.
        for y in [year.prev(), year] {
            let mut classes = Vec::new();
            for g in first..=last {
                let n = if school.kind.code() == "nosh" || g >= 10 { 1 } else { 1 + (si + g as usize) % 3 };
                for k in 0..n {
                    let letter = ["А", "Б", "В"][k];
                    let pupils = 18 + rng.gen_range(0..10) + if y == year { 1 } else { 0 };
                    classes.push(ClassCount { grade: g as i64, class_name: letter.into(), pupils });
                }
            }
            fund::set_contingent(&mut ex, &actor, school.id, y.start_year(), &classes).await?;
        }
        let pupils: std::collections::BTreeMap<u8, i64> =
            fund::pupils_by_grade(&mut ex, &reach, Some(school.id), year.start_year())
                .await?
                .into_iter()
                .map(|(_, g, n)| (g as u8, n))
                .collect();
        // Curriculum: per grade and subject one textbook of the list; every third school still
        // teaches from an excluded one where it can, and some split English and German.
        let mut batches = Vec::new();
        let mut opening = Vec::new();
        let mut chosen = std::collections::HashSet::new();
        for g in first..=last {
            let fits =
                |l: &&Listed| l.grade_from.is_some_and(|f| f <= g as i64) && l.grade_to.is_some_and(|t| t >= g as i64);
            let mut subjects: Vec<&str> = listed.iter().filter(fits).map(|l| l.subject.as_str()).collect();
            subjects.sort_unstable();
            subjects.dedup();
            for subject in subjects {
                let of = |annex: i64| {
                    listed.iter().filter(fits).filter(|l| l.subject == subject && l.annex == annex).collect::<Vec<_>>()
                };
                let (current, excluded) = (of(1), of(2));
                let german = subject.contains("Немецкий");
                if german && si % 4 != 1 {
                    continue; // most schools teach English only
                }
                let pick = if si % 3 == 2 && !excluded.is_empty() {
                    excluded[(si + g as usize) % excluded.len()]
                } else if let Some(x) = current.get((si + g as usize) % current.len().max(1)) {
                    x
                } else {
                    continue;
                };
                let share = match (si % 4 == 1, subject) {
                    (true, s) if s.contains("Английский") => 70,
                    (true, s) if s.contains("Немецкий") => 30,
                    _ => 100,
                };
                let line = NewLine {
                    school_id: school.id,
                    year: year.start_year(),
                    grade: g,
                    subject: if subject.contains("язык")
                        && (subject.contains("Английский") || subject.contains("Немецкий"))
                    {
                        "Иностранный язык".into()
                    } else {
                        subject.into()
                    },
                    item_id: Some(pick.item_id),
                    aid: String::new(),
                    share,
                };
                // The same textbook twice in a grade and subject (a 5–9 line) needs one line: checked
                // here, since a failed INSERT would abort the whole transaction on PostgreSQL.
                if !chosen.insert((g, line.subject.clone(), pick.item_id)) {
                    continue;
                }
                fund::add_curriculum_line(&mut ex, &actor, &line).await?;
                let need = pupils.get(&g).copied().unwrap_or(0) * share as i64 / 100;
                // Copies: mostly enough, some short, some with a reserve.
                let factor = [100, 85, 110, 70, 100, 120, 95][(si * 7 + g as usize) % 7];
                let held = (need * factor / 100).max(1);
                let old = held * 2 / 3;
                opening.push(NewBatch {
                    item_id: pick.item_id,
                    year: 2019 + (g as i32 % 4),
                    copies: old.max(1),
                    price: 31_000 + 1_000 * g as i64,
                });
                if held > old {
                    batches.push(NewBatch {
                        item_id: pick.item_id,
                        year: year.start_year(),
                        copies: held - old,
                        price: 52_000 + 1_500 * g as i64,
                    });
                }
            }
        }
        if !opening.is_empty() {
            let r = NewReceipt {
                school_id: school.id,
                doc_number: "ВО-1".into(),
                doc_date: NaiveDate::from_ymd_opt(year.prev().start_year(), 9, 1).unwrap(),
                source: "opening".into(),
                note: "Ввод остатков при начале работы в системе".into(),
                batches: opening.clone(),
            };
            fund::insert_receipt(&mut ex, &actor, &r).await?;
        }
        if !batches.is_empty() {
            let day = NaiveDate::from_ymd_opt(year.start_year(), 9, 1 + (si as u32 % 8)).unwrap().min(today);
            let r = NewReceipt {
                school_id: school.id,
                doc_number: format!("{}-Т", 100 + si),
                doc_date: day,
                source: if si % 2 == 0 { "regional" } else { "municipal" }.into(),
                note: String::new(),
                batches,
            };
            fund::insert_receipt(&mut ex, &actor, &r).await?;
        }
        // A write-off act of worn copies last spring, and one for lost copies at a few schools.
        let worn: Vec<WriteOffLine> = opening
            .iter()
            .step_by(5)
            .take(4)
            .map(|b| WriteOffLine { item_id: b.item_id, copies: (b.copies / 6).max(1) })
            .collect();
        if !worn.is_empty() {
            let day = NaiveDate::from_ymd_opt(year.start_year(), 5, 25).unwrap().min(today);
            fund::insert_writeoff(&mut ex, &actor, school.id, &format!("{}", 3 + si), day, "worn", &worn).await?;
        }
        if si % 3 == 0 {
            if let Some(b) = opening.get(1) {
                let day = NaiveDate::from_ymd_opt(year.start_year(), 10, 15).unwrap().min(today);
                let lost = vec![WriteOffLine { item_id: b.item_id, copies: 1 }];
                fund::insert_writeoff(&mut ex, &actor, school.id, &format!("{}-У", 10 + si), day, "lost", &lost)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// «Фамилия И.О.» of a data-bank name, as plans write people.
fn short_name(full: &str) -> String {
    let mut words = full.split_whitespace();
    let surname = words.next().unwrap_or_default();
    let initials: String = words.filter_map(|w| w.chars().next()).map(|c| format!("{c}.")).collect();
    format!("{surname} {initials}").trim().to_string()
}

/// This year's plan in the spirit of the seeds: a theme, tasks, events by direction (the past
/// ones done, one moved, one left overdue), indicators, two meetings held with attendance and
/// two ahead, a «Живая классика» contest, and a draft of the annual analysis.
async fn seed_planning(db: &Db) -> Result<(), Error> {
    use crate::planning::{self as planning, AgendaInput, ContestInput, EventInput, MeetingInput};
    let district = {
        let mut c = db.conn().await?;
        directory::list_districts(&mut c.ex()).await?.first().map(|d| d.id).ok_or(Error::NotFound)?
    };
    let reach = Reach::whole_district(district);
    let year = SchoolYear::current();
    let today = domain::clock::today();
    let y = year.start_year();
    let bank = planning::librarians(db, &reach).await?;
    let name = |i: usize| bank.get(i % bank.len().max(1)).map(|l| short_name(&l.full_name)).unwrap_or_default();
    planning::start_plan(db, &reach, year, false).await?;
    let text = store::planning::PlanText {
        common_theme: "Непрерывное профессиональное развитие педагогов как условие качества образования".into(),
        theme: "Школьная библиотека как информационно-библиотечный центр: ресурс читательской грамотности".into(),
        goal: "Развитие профессиональной компетентности школьных библиотекарей района в условиях обновлённых ФГОС".into(),
        problem: "Обновление фондов по федеральному перечню учебников; сверка фондов с ФСЭМ".into(),
        tasks: "1. Организовать методическое сопровождение школьных библиотекарей.\n2. Обеспечить комплектование учебных фондов по ФПУ.\n- централизованный заказ учебников;\n- работа обменного фонда.\n3. Распространять опыт через семинары, мастер-классы и конкурсы.".into(),
        directions: "Аналитическая\nИнформационная\nКонсультационная\nОрганизационно-методическая".into(),
        expected: "Рост профессиональной компетентности библиотекарей.\nОбеспеченность учебниками не ниже 100 %.".into(),
        forms: "Заседания, семинары, мастер-классы, консультации, вебинары".into(),
    };
    planning::save_text(db, &reach, year, &text).await?;
    let events: [(&str, &str, String, usize); 12] = [
        ("Аналитическая деятельность", "Утверждение плана работы МО на учебный год", format!("15.09.{y}"), 0),
        ("Аналитическая деятельность", "Паспортизация школьных библиотек", "Октябрь".into(), 1),
        ("Аналитическая деятельность", "Мониторинг обеспеченности учебниками (формы 1, 3, 4)", "Ноябрь".into(), 0),
        ("Аналитическая деятельность", "Анализ работы МО за учебный год", format!("20.05.{}", y + 1), 0),
        (
            "Информационная деятельность",
            "Рассылка официальных документов и методических рекомендаций издательств",
            "В течение года".into(),
            2,
        ),
        (
            "Информационная деятельность",
            "Публикации о работе МО на сайте управления образования",
            "В течение года".into(),
            3,
        ),
        (
            "Консультационная деятельность",
            "Консультации по работе с федеральным перечнем учебников",
            "По необходимости".into(),
            0,
        ),
        (
            "Консультационная деятельность",
            "Сверка фондов с федеральным списком экстремистских материалов",
            "Ежемесячно".into(),
            4,
        ),
        (
            "Организационно-методическая деятельность",
            "Оформление централизованного заказа учебников",
            "Январь – февраль".into(),
            1,
        ),
        ("Организационно-методическая деятельность", "Неделя детской книги в школьных библиотеках", "Март".into(), 5),
        (
            "Организационно-методическая деятельность",
            "Муниципальный этап конкурса «Живая классика»",
            "Февраль – март".into(),
            6,
        ),
        (
            "Организационно-методическая деятельность",
            "Отслеживание поставок учебников в школы",
            "Июль – август".into(),
            2,
        ),
    ];
    for (i, (section, content, due, who)) in events.iter().enumerate() {
        let input = EventInput {
            section: section.to_string(),
            content: content.to_string(),
            due: due.clone(),
            responsible: format!("{}; {}", name(0), name(*who + 1)),
            ..Default::default()
        };
        let id = planning::add_event(db, &reach, year, &input).await?;
        let ev = planning::validate_event(&input, year, &bank).map_err(Error::Fields)?;
        // What has passed is done, except one moved and one left for the overdue list.
        if ev.due.is_overdue(today) && i != 2 {
            let status = if i == 1 { "moved" } else { "done" };
            let result = if i == 1 {
                "Перенесено: ждём форму паспорта от управления образования"
            } else {
                "Проведено"
            };
            let done = EventInput { status: status.into(), result: result.into(), ..input.clone() };
            planning::update_event(db, &reach, id, &done).await?;
        }
    }
    let indicators = vec![
        store::planning::Indicator {
            id: 0,
            position: 0,
            task: "Повышение квалификации".into(),
            planned: "Каждый библиотекарь прошёл курсы за три года".into(),
            criterion: "Доля библиотекарей с курсами за 3 года, %".into(),
            target: Some(100),
            actual: Some(70),
        },
        store::planning::Indicator {
            id: 0,
            position: 0,
            task: "Обеспеченность учебниками".into(),
            planned: "Все обучающиеся обеспечены учебниками".into(),
            criterion: "Обеспеченность по району, %".into(),
            target: Some(100),
            actual: None,
        },
        store::planning::Indicator {
            id: 0,
            position: 0,
            task: "Конкурсы".into(),
            planned: "Участие школ в «Живой классике»".into(),
            criterion: "Число школ-участниц".into(),
            target: Some(8),
            actual: Some(5),
        },
    ];
    planning::save_indicators(db, &reach, year, &indicators).await?;
    let schools = {
        let mut c = db.conn().await?;
        directory::list_schools(&mut c.ex(), &reach, &ListQuery::all()).await?.items
    };
    let meetings = [
        (
            NaiveDate::from_ymd_opt(y, 9, 18),
            "Итоги года и планирование работы МО",
            "круглый стол",
            "Анализ обеспеченности учебниками на начало года",
            "theory",
        ),
        (
            NaiveDate::from_ymd_opt(y, 11, 20),
            "Комплектование фондов в условиях обновления ФПУ",
            "семинар",
            "Практикум: заказ учебников по федеральному перечню",
            "practice",
        ),
        (
            NaiveDate::from_ymd_opt(y + 1, 2, 19),
            "Читательская грамотность: формы работы библиотеки",
            "мастер-класс",
            "Мастер-класс «Громкие чтения»",
            "practice",
        ),
        (
            NaiveDate::from_ymd_opt(y + 1, 5, 21),
            "Анализ работы МО за год",
            "заседание",
            "Отчёт руководителя МО",
            "theory",
        ),
    ];
    for (i, (day, topic, form, item, part)) in meetings.iter().enumerate() {
        let Some(day) = *day else { continue };
        let held = day < today;
        let input = MeetingInput {
            date: domain::dates::format(day),
            time: "14:00".into(),
            school_id: schools.get(i % schools.len().max(1)).map(|s| s.id),
            topic: topic.to_string(),
            goal: "Обмен опытом и решение текущих вопросов работы школьных библиотек".into(),
            form: form.to_string(),
            decisions: if held {
                "1. Принять информацию к сведению.\n2. Сдать отчёты до конца месяца.".into()
            } else {
                String::new()
            },
            status: if held { "held" } else { "planned" }.into(),
            ..Default::default()
        };
        let id = planning::add_meeting(db, &reach, year, &input).await?;
        let speakers = format!("{}\n{}", name(i + 2), name(i + 3));
        planning::add_agenda_item(
            db,
            &reach,
            id,
            &AgendaInput { title: item.to_string(), part: part.to_string(), speakers },
        )
        .await?;
        planning::add_agenda_item(
            db,
            &reach,
            id,
            &AgendaInput { title: "Разное".into(), part: "theory".into(), speakers: name(0) },
        )
        .await?;
        let marks: Vec<(i64, String)> = bank
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let state = match (held, k % 7) {
                    (false, _) => "expected",
                    (true, 3) => "absent",
                    (true, 5) => "excused",
                    _ => "present",
                };
                (l.id, state.to_string())
            })
            .collect();
        planning::mark_attendance(db, &reach, id, &marks, today).await?;
    }
    let contest = ContestInput {
        title: "Живая классика — муниципальный этап".into(),
        kind: "contest".into(),
        level: "municipal".into(),
        starts_on: domain::dates::format(NaiveDate::from_ymd_opt(y + 1, 3, 1).unwrap_or(today)),
        ends_on: domain::dates::format(NaiveDate::from_ymd_opt(y + 1, 3, 15).unwrap_or(today)),
        organisers: "Управление образования, РМО школьных библиотекарей".into(),
        links: "https://youngreaders.ru".into(),
        schools: schools.iter().take(5).enumerate().map(|(i, s)| (s.id, 2 + i as i64, String::new())).collect(),
    };
    planning::add_contest(db, &reach, year, &contest).await?;
    crate::planning::analysis::save_conclusions(
        db,
        &reach,
        year,
        "Черновик: план выполняется; заседания проходят при высокой посещаемости. Обеспеченность учебниками требует внимания в части учебников, исключённых из ФПУ.",
        "Продолжить сопровождение заказа учебников; провести сверку фондов с ФСЭМ во всех школах.",
    )
    .await?;
    Ok(())
}

/// Made-up entries in the list's published style: books with authors, a brochure, an article,
/// a leaflet, songs and a video named like school classics, a journal; one excluded.
const DEMO_LIST: &[&str] = &[
    "Книга Засекина Р.Т. \"Чёрное знамя рассвета\" (М.: Заря, 2004)",
    "Брошюра «Слово о чистоте крови» (г. Самара, 2009)",
    "Аудиозапись песни «Капитанская дочка» исполнителя Сизова К., размещённая в сети Интернет",
    "Видеоролик «Мёртвые души», размещённый на сайте видеохостинга; решение суда от 12.03.2016",
    "Журнал «Гроза полуночи», выпуск 3 (2011)",
    "Листовка «Заря над Волгой» (г. Тверь, 2015)",
    "Статья Громова П. «Тень над городом», опубликованная в газете «Вестник» № 7 от 2014 г.",
    "Книга Мирошина А.В. «Путь стального братства» (СПб, 2008); книга Мирошина А.В. «Братство огня» (СПб, 2009)",
    "Изображение (картинка) «Красная стрела» с подписью, размещённое в социальной сети",
    "Книга Ханова Т. «Последний зов» (исключена решением суда от 05.05.2022)",
    "Информационный материал «Дорога к свету», размещённый на сайте",
    "Книга Белова О.О. «Огни над степью» (М., 2006)",
];

/// Titles of a school's ordinary fund.
const DEMO_BOOKS: &[(&str, &str, &str)] = &[
    ("Капитанская дочка", "Пушкин", "А. С."),
    ("Мёртвые души", "Гоголь", "Н. В."),
    ("Гроза", "Островский", "А. Н."),
    ("Война и мир", "Толстой", "Л. Н."),
    ("Преступление и наказание", "Достоевский", "Ф. М."),
    ("Тихий Дон", "Шолохов", "М. А."),
    ("Белый Бим Чёрное ухо", "Троепольский", "Г. Н."),
    ("Тимур и его команда", "Гайдар", "А. П."),
    ("Денискины рассказы", "Драгунский", "В. Ю."),
    ("Горе от ума", "Грибоедов", "А. С."),
    ("Отцы и дети", "Тургенев", "И. С."),
    ("Алые паруса", "Грин", "А. С."),
    ("Муму", "Тургенев", "И. С."),
    ("Ёжик в тумане", "Козлов", "С. Г."),
    ("Двенадцать стульев", "Ильф", "И. А."),
    ("Мастер и Маргарита", "Булгаков", "М. А."),
];

fn demo_list_csv() -> Vec<u8> {
    let mut s = String::from("\u{feff}№;Материал;Дата включения (указывается с 01.01.2017)\r\n");
    for (i, text) in DEMO_LIST.iter().enumerate() {
        let date = if i % 4 == 0 { String::new() } else { format!("{:02}.0{}.20{}", 1 + i, 1 + i % 9, 17 + i % 8) };
        s.push_str(&format!("\"{}\";\"{}\";\"{date}\"\r\n", i + 1, text.replace('"', "\"\"")));
    }
    s.into_bytes()
}

/// A school's catalog in MARCXML (RUSMARC fields), written by the catalog writer: the ordinary
/// fund in several editions of each title, and for `planted` schools listed books as a librarian
/// would write them.
fn demo_catalog(school: usize, planted: bool) -> Vec<u8> {
    use formats::marc::{Field, Record};
    let mut books: Vec<(String, &str, &str)> = Vec::new();
    for round in 0..12 {
        for (t, a, i) in DEMO_BOOKS {
            books.push((if round == 0 { t.to_string() } else { format!("{t}. Изд. {}", 2000 + round) }, a, i));
        }
    }
    if planted {
        books.push(("Черное знамя рассвета : роман".into(), "Засекин", "Р."));
        books.push(("Огни над степью".into(), "", ""));
    }
    let records: Vec<Record> = books
        .iter()
        .enumerate()
        .map(|(n, (title, surname, initials))| {
            let data = |tag: &str, ind1, ind2, subfields: Vec<(char, String)>| Field::Data {
                tag: tag.into(),
                ind1,
                ind2,
                subfields,
            };
            let mut fields = vec![
                Field::Control { tag: "001".into(), value: format!("RU/SCH{school}/{n}") },
                data("200", '1', ' ', vec![('a', title.clone())]),
            ];
            if !surname.is_empty() {
                fields.push(data("700", ' ', '1', vec![('a', surname.to_string()), ('b', initials.to_string())]));
            }
            Record { leader: "00000nam  2200000   450 ".into(), fields }
        })
        .collect();
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = formats::marc::to_marcxml(&records, &mut out);
    out
}

/// The check against the federal list in the demo: a made-up list, catalogs of the first three
/// schools read by the real importer, a check of each, one finding confirmed into an act, and a
/// commission; the other schools have no catalog, so the district overview shows them overdue.
/// Run by `serve --demo`, after [`seed`], only when the database has no list yet.
pub async fn seed_compliance(db: &Db) -> Result<(), Error> {
    {
        let mut c = db.conn().await?;
        if store::fsem::latest_version(&mut c.ex()).await?.is_some() {
            return Ok(());
        }
    }
    let problems = |e: crate::imports::ImportError| Error::Config(format!("demo: {e:?}"));
    crate::fsem::import_list(db, &Actor::SYSTEM, &demo_list_csv(), "ФСЭМ (демонстрационный).csv")
        .await
        .map_err(problems)?;
    // The list's own background check finds no catalog yet; the checks below are the schools'.
    crate::jobs::run_pending(db).await?;
    let district = {
        let mut c = db.conn().await?;
        directory::list_districts(&mut c.ex()).await?.first().map(|d| d.id).ok_or(Error::NotFound)?
    };
    let reach = Reach::whole_district(district);
    let actor = Actor { user_id: None, district_id: Some(district) };
    let mut schools = {
        let mut c = db.conn().await?;
        directory::list_schools(&mut c.ex(), &reach, &ListQuery::all()).await?.items
    };
    // The first schools made are those of lib01 and lib02.
    schools.sort_by_key(|s| s.id);
    for (i, school) in schools.iter().take(3).enumerate() {
        let path = std::env::temp_dir().join(format!("biblioset-demo-catalog-{}-{i}.xml", std::process::id()));
        std::fs::write(&path, demo_catalog(i, i < 2)).map_err(|e| Error::Config(format!("demo catalog: {e}")))?;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let id = crate::catalog::begin(db, &actor, &reach, school.id, "Каталог основного фонда.xml", size).await?;
        crate::catalog::run(db, &actor, district, id, path, true, Default::default()).await.map_err(problems)?;
        crate::compliance::save_commission(
            db,
            &actor,
            &reach,
            school.id,
            "Смирнова Т. В.; директор\nКузнецова О. А.; заместитель директора по УВР\nВолкова И. С.; педагог-библиотекарь",
        )
        .await?;
        let check = crate::compliance::begin_check(db, &actor, &reach, school.id).await?;
        crate::compliance::run_check(db, &actor, district, check).await?;
        if i == 1 {
            let found = {
                let mut c = db.conn().await?;
                store::compliance::open_candidates(&mut c.ex(), school.id).await?
            };
            if let Some(first) = found.first() {
                crate::compliance::confirm(db, &actor, &reach, school.id, first.id).await?;
            }
        }
    }
    Ok(())
}
