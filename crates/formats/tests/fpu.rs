//! The reader of the federal list of textbooks against fixtures made here from the facts in
//! shared/formats.md: every quirk of the ministry's spreadsheets and of the older CSV lists.

use chrono::NaiveDate;
use encoding_rs::{IBM866, WINDOWS_1251};
use formats::fpu::{read, sample_csv_1251, sample_xlsx, FpuItem, FpuList};
use formats::xlsx::Problem;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const NB: &str = "\u{A0}";

/// A one-sheet book from rows of cells: "#5" is the number 5, "@2026-09-25" a date cell, "" nothing.
fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if cell.is_empty() {
                continue;
            }
            if let Some(n) = cell.strip_prefix('#') {
                ws.write_number(r, c, n.parse::<f64>().unwrap()).unwrap();
            } else if let Some(d) = cell.strip_prefix('@') {
                let xd = ExcelDateTime::parse_from_str(d).unwrap();
                ws.write_datetime_with_format(r, c, &xd, &date).unwrap();
            } else {
                ws.write_string(r, c, *cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn cp1251(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = WINDOWS_1251.encode(s);
    assert!(!unmappable, "{s}");
    bytes.into_owned()
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn item(list: &FpuList, row: u32) -> &FpuItem {
    list.items.iter().find(|i| i.row == row).unwrap_or_else(|| panic!("no item at row {row}: {:#?}", list.items))
}

/// Row, column and a piece of the message of each problem, for comparing with what is expected.
fn places(problems: &[Problem]) -> Vec<(Option<u32>, Option<String>)> {
    problems.iter().map(|p| (p.row, p.column.clone())).collect()
}

fn has(problems: &[Problem], row: u32, column: &str, text: &str) {
    assert!(
        problems.iter().any(|p| p.row == Some(row) && p.column.as_deref() == Some(column) && p.message.contains(text)),
        "no problem at row {row}, column {column}, saying «{text}» in:\n{}",
        problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
    );
}

const HEADERS: [&str; 11] = [
    "Приложение",
    "Порядковый номер учебника (учебного пособия) в федеральном перечне учебников",
    "Наименование учебника (учебного издания) с указанием, при наличии, части учебника",
    "Автор (авторский коллектив) учебника",
    "Наименование издателя (издателей) учебника",
    "Наименования разработанных в комплекте с учебником учебных пособий",
    "Класс, для которого разработан учебник",
    "Реквизиты приказов Министерства просвещения Российской Федерации об утверждении ФГОС, которым соответствует учебник",
    "Правообладатель учебника",
    "Реквизиты приказа Министерства просвещения Российской Федерации, на основании которого учебник включен в федеральный перечень учебников",
    "Приложение 1: Срок действия экспертного заключения, на основании которого учебник включен в федеральный перечень учебников // Приложение 2: Предельный срок использования учебников",
];

/// Row 2 of the official layout.
const NUMBERS: [&str; 11] = ["#1", "#2", "#3", "#4", "#5", "#6", "#7", "#8", "#9", "#10", "#11"];

/// A heading row of the official layout: annex, number, name.
fn heading<'a>(annex: &'a str, number: &'a str, name: &'a str) -> Vec<&'a str> {
    vec![annex, number, name]
}

/// An item row of the official layout.
fn row<'a>(
    annex: &'a str,
    number: &'a str,
    title: &'a str,
    authors: &'a str,
    publisher: &'a str,
    grades: &'a str,
    until: &'a str,
) -> Vec<&'a str> {
    vec![
        annex,
        number,
        title,
        authors,
        publisher,
        "",
        grades,
        "Приказ Минпросвещения России от 31.05.2021 № 287",
        publisher,
        "Приказ Минпросвещения России от 21.09.2022\u{A0}№\u{A0}858",
        until,
    ]
}

/// Both annexes in one sheet, as the ministry publishes them.
fn official() -> Vec<u8> {
    let a1 = "Приложение 1";
    let a2 = "Приложение\u{A0}2";
    let authors = format!("Иванова А.{NB}Н., Петров С.{NB}В. и{NB}другие");
    let padded = format!("{NB}1.1.1.1.1.2.{NB}");
    let rows: Vec<Vec<&str>> = vec![
        HEADERS.to_vec(),
        NUMBERS.to_vec(),
        // Row 3: a top section with number and text in one cell.
        heading(
            a1,
            "1. Учебники, используемые для реализации обязательной части основной образовательной программы",
            "",
        ),
        heading(a1, "1.1.", "Начальное общее образование (уровень образования)"),
        heading(a1, "1.1.1.", "Русский язык и литературное чтение (предметная область)"),
        heading(a1, "1.1.1.1.", "Русский язык (учебный предмет)"),
        // Row 7.
        row(
            a1,
            "1.1.1.1.1.1.",
            "Русский язык: 1-й класс: учебник: в 2 частях; 15-е издание, переработанное",
            &authors,
            "АО «Издательство «Просвещение»; ООО «ДРОФА»",
            "#1",
            "До 25 сентября 2027 года",
        ),
        row(
            a1,
            &padded,
            "Русский язык: 2-й класс: учебник",
            "Смирнова О. Л.",
            "ООО «Русское слово — учебник»",
            "2",
            " Бессрочно ",
        ),
        row(
            a1,
            "1.1.1.1.1.3",
            "Букварь: учебник",
            "Кузнецов Д. Е.",
            "АО «Издательство «Просвещение»",
            "1 доп. - 1",
            "До 31! августа 2025 года",
        ),
        // Row 10.
        row(
            a1,
            "1.1.1.1.1.4.",
            "Азбука: учебник",
            "Кузнецов Д. Е.",
            "АО «Издательство «Просвещение»",
            "1 дополнительный класс",
            "До 06 мая 2027 гола",
        ),
        heading(a1, "1.2.", "Основное общее образование (уровень образования)"),
        heading(a1, "1.2.1.", "Математика и информатика (предметная область)"),
        heading(a1, "1.2.1.1.", "Математика (учебный предмет)"),
        row(a1, "1.2.1.1.1.1.", "Математика: 5-й класс: учебник", "Попов И. К.", "Просвещение", "#5", "@2026-09-25"),
        // Row 15: a broken number.
        row(
            a1,
            "1..2.1.1.1.2.",
            "Математика: 6-й класс: учебник",
            "Попов И. К.",
            "Просвещение",
            "6",
            "До 25 сентября 2025 года",
        ),
        heading(a1, "1.2.1.2.", "Алгебра (учебный предмет)"),
        heading(a1, "1.2.1.2.1.", "Углублённый уровень"),
        // Row 18: deeper than the others.
        row(
            a1,
            "1.2.1.2.1.1.1.",
            "Алгебра: 7-й класс: углублённый уровень: учебник",
            "Лебедева Н. М.",
            "Просвещение",
            "7",
            "До 1 сентября 2026 г.",
        ),
        heading(a1, "1.3.", "Среднее общее образование (уровень образования)"),
        // Row 20.
        heading(a1, "1.3.1.", "Естественно-научные предметы (предметная область)"),
        heading(a1, "1.3.1.1.", "Физика (учебный предмет)"),
        row(
            a1,
            "1.3.1.1.1.1.",
            "Физика: 10-й класс: базовый уровень: учебник",
            "Козлов П. Р.",
            "Просвещение",
            "10",
            "Бессрочно",
        ),
        // Row 23: the same number on the grade-11 row.
        row(
            a1,
            "1.3.1.1.1.1.",
            "Физика: 11-й класс: базовый уровень: учебник",
            "Козлов П. Р.",
            "Просвещение",
            "11",
            "Бессрочно",
        ),
        row(
            a1,
            "1.3.1.1.2.1.",
            "Физика: 10—11-е классы: учебник",
            "Новикова Т. С.",
            "Просвещение",
            "10 - 11",
            "Бессрочно",
        ),
        // Row 25.
        row(
            a1,
            "1.3.1.1.3.1.",
            "Физика: 10—11-е классы: учебник",
            "Новикова Т. С.",
            "Просвещение",
            "10 – 11",
            "Бессрочно",
        ),
        row(
            a1,
            "1.3.1.1.4.1.",
            "Физика: 10—11-е классы: учебник",
            "Новикова Т. С.",
            "Просвещение",
            "10—11",
            "Бессрочно",
        ),
        row(
            a1,
            "1.3.1.1.5.1.",
            "Физика: 10—11-е классы: учебник",
            "Новикова Т. С.",
            "Просвещение",
            "10-11",
            "Бессрочно",
        ),
        // Row 28: no markers; «образование» names the level.
        heading(a1, "1.4.", "Образование обучающихся с интеллектуальными нарушениями"),
        heading(a1, "1.4.1.", "Язык и речевая практика"),
        // Row 30.
        heading(a1, "1.4.1.1.", "Чтение"),
        row(a1, "1.4.1.1.1.1.", "Чтение: 12-й класс: учебник", "Волкова Е. А.", "Просвещение", "#12", "Бессрочно"),
        heading(a1, "1.5.", "Среднее профессиональное образование (уровень образования)"),
        heading(a1, "1.5.1.", "История (учебный предмет)"),
        // Row 34: СПО, no grades.
        row(a1, "1.5.1.1.", "История: учебник для СПО", "Алексеев В. В.", "Просвещение", "", "Бессрочно"),
        // Row 35: Annex 2 numbers its sections again.
        heading(a2, "1.", "Учебники, исключённые из федерального перечня учебников"),
        heading(a2, "1.1.", "Начальное общее образование (уровень образования)"),
        heading(a2, "1.1.1.", "Математика и информатика (предметная область)"),
        heading(a2, "1.1.1.1.", "Математика (учебный предмет)"),
        // Row 39: the same number as in Annex 1.
        row(
            a2,
            "1.1.1.1.1.1.",
            "Математика: 1-й класс: учебник",
            "Павлова М. И.",
            "Просвещение",
            "1",
            "До 31 мая 2025 года",
        ),
        // Row 40.
        row(
            a2,
            "1.1.1.1.1.5.",
            "Математика: 2-й класс: учебник",
            "Павлова М. И.",
            "Просвещение",
            "2",
            "До 31 мая 2028 года",
        ),
        row(a2, "1.1.1.1.1.6.", "Математика: 3-й класс: учебник", "Павлова М. И.", "Просвещение", "3", "когда-нибудь"),
        row(a2, "1.1.1.1.1.7.", "Математика: 4-й класс: учебник", "Павлова М. И.", "Просвещение", "4", ""),
    ];
    xlsx(&rows)
}

#[test]
fn the_official_layout_with_both_annexes() {
    let list = read(&official(), "fpu.xlsx").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(list.items.len(), 19);
    assert_eq!(list.headings, 21);
    assert_eq!(list.items.iter().filter(|i| i.annex == 2).count(), 4);
    assert!(list.items.iter().all(|i| (i.annex == 2) == (i.row >= 39)));

    let first = item(&list, 7);
    assert_eq!(
        first,
        &FpuItem {
            row: 7,
            annex: 1,
            number: "1.1.1.1.1.1.".into(),
            number_key: "0001.0001.0001.0001.0001.0001".into(),
            title: "Русский язык: 1-й класс: учебник: в 2 частях; 15-е издание, переработанное".into(),
            authors: "Иванова А. Н., Петров С. В. и другие".into(),
            publisher: "АО «Издательство «Просвещение»; ООО «ДРОФА»".into(),
            grades_text: "1".into(),
            grades: Some((1, 1)),
            until: date(2027, 9, 25),
            until_text: "До 25 сентября 2027 года".into(),
            level: "Начальное общее образование".into(),
            area: "Русский язык и литературное чтение".into(),
            subject: "Русский язык".into(),
            volumes: 1,
        }
    );
    // Padding and non-breaking spaces are gone; «Бессрочно» is no date and no warning.
    let padded = item(&list, 8);
    assert_eq!((padded.number.as_str(), padded.until, padded.until_text.as_str()), ("1.1.1.1.1.2.", None, "Бессрочно"));
    assert_eq!(item(&list, 9).number, "1.1.1.1.1.3", "the number as written, without its last dot");
    assert_eq!(item(&list, 9).number_key, "0001.0001.0001.0001.0001.0003");

    // Grades in every written form.
    let grades: Vec<_> = list.items.iter().map(|i| (i.row, i.grades, i.grades_text.as_str())).collect();
    for want in [
        (9, Some((0, 1)), "1 доп.–1"),
        (10, Some((0, 0)), "1 доп."),
        (14, Some((5, 5)), "5"),
        (22, Some((10, 10)), "10"),
        (24, Some((10, 11)), "10–11"),
        (25, Some((10, 11)), "10–11"),
        (26, Some((10, 11)), "10–11"),
        (27, Some((10, 11)), "10–11"),
        (31, Some((12, 12)), "12"),
        (34, None, ""),
    ] {
        assert!(grades.contains(&want), "{want:?} in {grades:?}");
    }

    // Dates, typos included; an Excel date cell too.
    assert_eq!(item(&list, 9).until, date(2025, 8, 31));
    assert_eq!(item(&list, 10).until, date(2027, 5, 6));
    assert_eq!(item(&list, 14).until, date(2026, 9, 25));
    assert_eq!(item(&list, 14).until_text, "25.09.2026");
    assert_eq!(item(&list, 18).until, date(2026, 9, 1));
    assert_eq!(item(&list, 39).until, date(2025, 5, 31), "Annex 2: the limit date of use");
    assert_eq!(item(&list, 40).until, date(2028, 5, 31));
    assert_eq!((item(&list, 41).until, item(&list, 41).until_text.as_str()), (None, "когда-нибудь"));

    // The hierarchy at every depth, by markers or else by position.
    let place = |r| {
        let i = item(&list, r);
        (i.level.as_str(), i.area.as_str(), i.subject.as_str())
    };
    assert_eq!(place(14), ("Основное общее образование", "Математика и информатика", "Математика"));
    assert_eq!(place(15), ("Основное общее образование", "Математика и информатика", "Математика"));
    assert_eq!(place(18), ("Основное общее образование", "Математика и информатика", "Алгебра"));
    assert_eq!(place(23), ("Среднее общее образование", "Естественно-научные предметы", "Физика"));
    assert_eq!(
        place(31),
        ("Образование обучающихся с интеллектуальными нарушениями", "Язык и речевая практика", "Чтение")
    );
    assert_eq!(place(34), ("Среднее профессиональное образование", "", "История"));
    assert_eq!(place(39), ("Начальное общее образование", "Математика и информатика", "Математика"));

    // The warnings, each at its row and column.
    let w = &list.warnings;
    has(w, 15, "B («Порядковый номер учебника»)", "«1..2.1.1.1.2.» записан с ошибкой");
    has(w, 23, "B («Порядковый номер учебника»)", "«1.3.1.1.1.1.» повторяется: он уже был в строке 22");
    has(w, 39, "B («Порядковый номер учебника»)", "уже был в строке 7");
    has(w, 41, "K («Срок действия / Предельный срок использования»)", "«когда-нибудь» — не дата");
    has(w, 42, "K («Срок действия / Предельный срок использования»)", "не указан предельный срок");
    assert_eq!(w.len(), 5, "{w:#?}");
    assert_eq!(
        w[0].to_string(),
        "Файл «fpu.xlsx», строка 15, столбец B («Порядковый номер учебника»): номер «1..2.1.1.1.2.» записан с ошибкой (пустые или нецифровые части); сохранён как есть"
    );
}

#[test]
fn an_old_csv_list_in_windows_1251() {
    // No annex column: a row «Приложение 2» starts the excluded items. Title lines with commas stand
    // above the header; the columns are in another order; a further volume has a row of its own.
    let text = [
        "Федеральный перечень учебников, рекомендуемых к использованию, 2019 год;;;;;",
        "",
        "Порядковый номер учебника;Автор/авторский коллектив;Наименование учебника;Класс;Наименование издателя(ей) учебника;Адрес страницы об учебнике на официальном сайте издателя (издательства)",
        "1.\u{A0}Учебники, рекомендуемые к использованию при реализации обязательной части основной образовательной программы;;;;;",
        "1.1.;;Начальное общее образование;;;",
        "1.1.1.;;Филология (предметная область);;;",
        "1.1.1.1.;;Русский язык (учебный предмет);;;",
        "1.1.1.1.1.1;Канакина В.П., Горецкий В.Г.;\"Русский язык. \"\"Школа России\"\". 1 класс\";1;\"Просвещение; Дрофа\";www.example.ru",
        "1.1.1.1.1.2;Канакина\u{A0}В.П.;Русский язык. 2 класс. В 2-х частях. Часть 1;2;Просвещение;",
        "1.1.1.1.1.2;Канакина\u{A0}В.П.;;2;Просвещение;",
        "1.1.1.1.1.3;Канакина В.П.;Русский язык. 3 класс;3;Просвещение;",
        "Приложение 2;;;;;",
        "1.1.;;Основное общее образование;;;",
        "1.1.1.;;Филология (предметная область);;;",
        "1.1.1.1.;;Литература (учебный предмет);;;",
        "1.1.1.1.1.1;Коровина В.Я.;Литература. 5 класс;5;Просвещение;",
    ]
    .join("\r\n");
    let list = read(&cp1251(&text), "fpu2019.csv").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(list.items.len(), 4);
    assert_eq!(list.headings, 7);
    let first = item(&list, 8);
    assert_eq!(first.title, "Русский язык. \"Школа России\". 1 класс");
    assert_eq!(first.authors, "Канакина В.П., Горецкий В.Г.");
    assert_eq!(first.publisher, "Просвещение; Дрофа");
    assert_eq!((first.annex, first.grades, first.until), (1, Some((1, 1)), None));
    assert_eq!(
        (first.level.as_str(), first.area.as_str(), first.subject.as_str()),
        ("Начальное общее образование", "Филология", "Русский язык")
    );
    let set = item(&list, 9);
    assert_eq!((set.volumes, set.title.as_str()), (2, "Русский язык. 2 класс. В 2-х частях. Часть 1"));
    assert_eq!(item(&list, 11).volumes, 1);
    let excluded = item(&list, 16);
    assert_eq!(
        (excluded.annex, excluded.subject.as_str(), excluded.level.as_str()),
        (2, "Литература", "Основное общее образование")
    );
    // The second volume, and the number that is in both annexes; CSV columns are numbered.
    has(&list.warnings, 10, "1 («Порядковый номер учебника»)", "ещё один том того же учебника");
    has(&list.warnings, 16, "1 («Порядковый номер учебника»)", "уже был в строке 8");
    assert_eq!(list.warnings.len(), 2, "{:#?}", list.warnings);
}

#[test]
fn headers_in_another_order_and_wording_under_title_rows() {
    let rows: Vec<Vec<&str>> = vec![
        vec!["Перечень учебников, допущенных к использованию (выписка для школы)"],
        vec![],
        vec![
            "Класс",
            "Издательство",
            "Название учебника",
            "Авторы",
            "  НОМЕР в\u{A0}перечне ",
            "Предельный срок использования",
        ],
        vec!["", "", "", "", "2.1.1. Основное общее образование"],
        vec!["", "", "География (учебный предмет)", "", "2.1.1.1."],
        vec![
            "5 - 6",
            "Дрофа; Просвещение;",
            "География: 5—6-е классы: учебник",
            "Алексеев А. И.",
            "2.1.1.1.1.1.",
            "До 25.09.2025",
        ],
    ];
    let list = read(&xlsx(&rows), "выписка.xlsx").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(list.items.len(), 1);
    let i = &list.items[0];
    assert_eq!(i.row, 6);
    assert_eq!((i.number.as_str(), i.grades, i.until), ("2.1.1.1.1.1.", Some((5, 6)), date(2025, 9, 25)));
    assert_eq!(
        (i.title.as_str(), i.authors.as_str(), i.publisher.as_str()),
        ("География: 5—6-е классы: учебник", "Алексеев А. И.", "Дрофа; Просвещение")
    );
    assert_eq!(
        (i.level.as_str(), i.area.as_str(), i.subject.as_str()),
        ("Основное общее образование", "", "География")
    );
    assert!(list.warnings.is_empty(), "{:#?}", list.warnings);
}

#[test]
fn impossible_grades_are_errors_all_at_once() {
    let rows: Vec<Vec<&str>> = vec![
        HEADERS.to_vec(),
        heading("Приложение 1", "1.1.", "Основное общее образование (уровень образования)"),
        row("Приложение 1", "1.1.1.", "Алгебра: 9-й класс", "Попов И. К.", "Просвещение", "9", "Бессрочно"),
        row("Приложение 1", "1.1.2.", "Алгебра: 13-й класс", "Попов И. К.", "Просвещение", "#13", "Бессрочно"),
        row("Приложение 1", "1.1.3.", "Алгебра", "Попов И. К.", "Просвещение", "девятый", "Бессрочно"),
        row("Приложение 1", "1.1.4.", "Алгебра", "Попов И. К.", "Просвещение", "11 - 10", "Бессрочно"),
    ];
    let e = read(&xlsx(&rows), "fpu.xlsx").unwrap_err();
    assert_eq!(places(&e), [4, 5, 6].map(|r| (Some(r), Some("G («Класс»)".to_string()))), "{e:#?}");
    assert_eq!(
        e[0].to_string(),
        "Файл «fpu.xlsx», строка 4, столбец G («Класс»): класс 13 — таких классов нет: допустимы 1–11, 12 и «1 доп.»"
    );

    // A thousand bad rows give fifty problems, the last one counting the rest.
    let mut text = String::from("Порядковый номер;Наименование учебника;Автор;Класс\n");
    for i in 1..=1000 {
        text.push_str(&format!("1.{i}.;Учебник;Автор;14\n"));
    }
    let e = read(text.as_bytes(), "many.csv").unwrap_err();
    assert_eq!(e.len(), 50);
    assert_eq!((e[0].row, e[0].column.as_deref()), (Some(2), Some("4 («Класс»)")));
    assert!(e[49].message.contains("и ещё ошибок: 951"), "{}", e[49]);
}

#[test]
fn missing_columns_are_named() {
    let e = read("Порядковый номер учебника;Автор;Класс\n1.1.;Иванов;5\n".as_bytes(), "x.csv").unwrap_err();
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].row, Some(1));
    assert!(e[0].message.contains("нет обязательного столбца «Наименование учебника»"), "{}", e[0]);

    let e = read(
        &xlsx(&[vec!["", "Порядковый номер", "Наименование учебника", "Автор"], vec!["", "1.1.", "Учебник", "Иванов"]]),
        "x.xlsx",
    )
    .unwrap_err();
    assert_eq!((e.len(), e[0].row), (1, Some(1)));
    assert!(e[0].message.contains("«Класс»"), "{}", e[0]);

    let e = read("Список книг\nодин;два\n".as_bytes(), "x.csv").unwrap_err();
    assert!(e[0].message.contains("не найдена строка заголовков"), "{}", e[0]);
}

#[test]
fn files_that_are_no_list_are_told_apart() {
    let message = |bytes: &[u8], file: &str| {
        let e = read(bytes, file).unwrap_err();
        assert_eq!(e.len(), 1, "{e:#?}");
        e[0].to_string()
    };
    assert_eq!(message(b"", "fpu.csv"), "Файл «fpu.csv»: файл пустой");
    assert!(message(b"%PDF-1.5\n%\xB5\xED\xAE\xFB\n", "fpu.csv").contains("это документ PDF"));
    let sample = sample_xlsx(40, 3);
    assert!(message(&sample[..sample.len() / 2], "fpu.xlsx").contains("не книга Excel"));
    assert!(message(&xlsx(&[]), "fpu.xlsx").contains("лист пустой"));
    assert!(message(b"\r\n;;\r\n", "fpu.csv").contains("файл пустой"));
    let russian = "Порядковый номер;Наименование учебника;Класс\r\n".repeat(5);
    let (dos, _, _) = IBM866.encode(&russian);
    assert!(message(&dos, "fpu.csv").contains("не удалось определить кодировку"));
    let headers_only = xlsx(&[HEADERS.to_vec(), NUMBERS.to_vec(), heading("Приложение 1", "1.1.", "Раздел")]);
    assert!(message(&headers_only, "fpu.xlsx").contains("нет ни одного учебника"));
}

#[test]
fn the_sample_reads_back_whole() {
    let bytes = sample_xlsx(300, 1);
    assert_eq!(bytes, sample_xlsx(300, 1), "the same bytes for the same seed");
    let list = read(&bytes, "sample.xlsx").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(list.items.len(), 300);
    let excluded: Vec<&FpuItem> = list.items.iter().filter(|i| i.annex == 2).collect();
    assert_eq!(excluded.len(), 30);
    assert!(list.items[..270].iter().all(|i| i.annex == 1));
    let cutoff = date(2027, 8, 31).unwrap();
    let past = date(2025, 12, 31).unwrap();
    assert!(excluded.iter().any(|i| i.until.is_some_and(|d| d <= past)), "some limits have passed");
    assert!(excluded.iter().any(|i| i.until.is_some_and(|d| d > past && d < cutoff)));
    assert!(excluded.iter().any(|i| i.until.is_some_and(|d| d > cutoff)));
    assert!(excluded.iter().all(|i| i.until.is_some()), "every limit date is read, typos included");
    assert!(list.items.iter().any(|i| i.until_text == "Бессрочно"));
    assert!(list.items.iter().all(|i| !i.level.is_empty() && !i.area.is_empty() && !i.subject.is_empty()));
    for level in ["Начальное общее образование", "Основное общее образование", "Среднее общее образование"]
    {
        assert!(list.items.iter().any(|i| i.level == level), "{level}");
    }
    assert!(list.items.iter().any(|i| i.grades == Some((10, 11))));
    assert!(list.items.iter().any(|i| i.publisher.contains("; ")));
    assert!(list.items.iter().all(|i| !i.number.contains('\u{A0}') && !i.authors.contains('\u{A0}')));
    let broken: Vec<&Problem> = list.warnings.iter().filter(|w| w.message.contains("записан с ошибкой")).collect();
    assert_eq!(broken.len(), 1, "{broken:#?}");

    let csv = read(&sample_csv_1251(300, 1), "sample.csv").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(csv.items.len(), 300);
    assert!(csv.items.iter().any(|i| i.volumes == 2));
    let strip =
        |items: &[FpuItem]| items.iter().map(|i| (i.number_key.clone(), i.title.clone(), i.until)).collect::<Vec<_>>();
    assert_eq!(strip(&csv.items), strip(&list.items), "the CSV sample holds the same list");
}
