//! A made-up list in the official layout, for demonstrations and tests: the headers, the row of
//! column numbers, heading rows, both annexes and the non-breaking spaces of the real files, with
//! invented authors and titles. It is not the federal list and must not be taken for it.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// The headers of the ministry's spreadsheets, abridged only where the real ones ramble on.
const HEADERS: [&str; 11] = [
    "Приложение",
    "Порядковый номер учебника (учебного пособия) в федеральном перечне учебников",
    "Наименование учебника (учебного издания) с указанием, при наличии, части учебника",
    "Автор (авторский коллектив) учебника",
    "Наименование издателя (издателей) учебника",
    "Наименования разработанных в комплекте с учебником учебных пособий",
    "Класс, для которого разработан учебник",
    "Реквизиты приказов Министерства просвещения Российской Федерации об утверждении федеральных государственных образовательных стандартов, которым соответствует учебник",
    "Правообладатель учебника",
    "Реквизиты приказа Министерства просвещения Российской Федерации, на основании которого учебник (учебное пособие) включен в федеральный перечень учебников",
    "Приложение 1: Срок действия экспертного заключения, на основании которого учебник включен в федеральный перечень учебников // Приложение 2: Предельный срок использования учебников",
];

const NBSP: char = '\u{A0}';

/// A subject area and its subjects with their first and last grade.
type Area = (&'static str, &'static [(&'static str, u8, u8)]);

struct Level {
    name: &'static str,
    fgos: &'static str,
    areas: &'static [Area],
}

const LEVELS: [Level; 3] = [
    Level {
        name: "Начальное общее образование",
        fgos: "Приказ Минпросвещения России от 31.05.2021 № 286",
        areas: &[
            ("Русский язык и литературное чтение", &[("Русский язык", 1, 4), ("Литературное чтение", 1, 4)]),
            ("Иностранный язык", &[("Английский язык", 2, 4), ("Немецкий язык", 2, 4)]),
            ("Математика и информатика", &[("Математика", 1, 4)]),
            ("Обществознание и естествознание («окружающий мир»)", &[("Окружающий мир", 1, 4)]),
        ],
    },
    Level {
        name: "Основное общее образование",
        fgos: "Приказ Минпросвещения России от 31.05.2021 № 287",
        areas: &[
            ("Русский язык и литература", &[("Русский язык", 5, 9), ("Литература", 5, 9)]),
            ("Иностранные языки", &[("Английский язык", 5, 9), ("Немецкий язык", 5, 9)]),
            (
                "Математика и информатика",
                &[("Математика", 5, 6), ("Алгебра", 7, 9), ("Геометрия", 7, 9), ("Информатика", 7, 9)],
            ),
            ("Общественно-научные предметы", &[("История", 5, 9), ("Обществознание", 6, 9), ("География", 5, 9)]),
            ("Естественно-научные предметы", &[("Физика", 7, 9), ("Химия", 8, 9), ("Биология", 5, 9)]),
        ],
    },
    Level {
        name: "Среднее общее образование",
        fgos: "Приказ Минобрнауки России от 17.05.2012 № 413",
        areas: &[
            ("Русский язык и литература", &[("Русский язык", 10, 11), ("Литература", 10, 11)]),
            ("Иностранные языки", &[("Английский язык", 10, 11)]),
            (
                "Математика и информатика",
                &[("Алгебра и начала математического анализа", 10, 11), ("Геометрия", 10, 11), ("Информатика", 10, 11)],
            ),
            ("Общественно-научные предметы", &[("История", 10, 11), ("Обществознание", 10, 11), ("География", 10, 11)]),
            ("Естественно-научные предметы", &[("Физика", 10, 11), ("Химия", 10, 11), ("Биология", 10, 11)]),
        ],
    },
];

const SURNAMES: [&str; 20] = [
    "Иванова",
    "Петров",
    "Смирнова",
    "Кузнецов",
    "Соколова",
    "Попов",
    "Лебедева",
    "Козлов",
    "Новикова",
    "Морозов",
    "Волкова",
    "Алексеев",
    "Павлова",
    "Семёнов",
    "Голубева",
    "Виноградов",
    "Богданова",
    "Воробьёв",
    "Фёдорова",
    "Михайлов",
];
const INITIALS: [char; 16] = ['А', 'Б', 'В', 'Г', 'Д', 'Е', 'И', 'К', 'Л', 'М', 'Н', 'О', 'П', 'Р', 'С', 'Т'];
const PUBLISHERS: [&str; 5] = [
    "АО «Издательство «Просвещение»",
    "ООО «Русское слово — учебник»",
    "ООО «ДРОФА»; АО «Издательство «Просвещение»",
    "ООО «БИНОМ. Лаборатория знаний»; АО «Издательство «Просвещение»",
    "АО «Издательство «Просвещение»",
];
const ANNEX1_DATES: [&str; 5] =
    ["До 25 сентября 2027 года", "Бессрочно", "До 06 мая 2027 года", "До 31 мая 2028 года", "До 25 сентября 2027 года"];
/// Limit dates of use: already past, ending before 31.08.2027, and later.
const ANNEX2_DATES: [&str; 6] = [
    "До 25 сентября 2025 года",
    "До 31 мая 2025 года",
    "До 31 мая 2026 года",
    "До 31 мая 2027 года",
    "До 25 сентября 2027 года",
    "До 31 августа 2028 года",
];
const ORDER: &str = "Приказ Минпросвещения России от 21.09.2022 № 858";

/// splitmix64: deterministic across platforms and versions, which `rand`'s generators are not.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

#[derive(Clone)]
enum Cell {
    Text(String),
    Number(u32),
}

/// A textbook line (УМК) of one subject: its items, one per grade or one for a range.
struct Line {
    authors: String,
    publisher: &'static str,
    /// Grades of each item: (first, last).
    grades: Vec<(u8, u8)>,
    edition: Option<u32>,
    parts: bool,
    workbook: bool,
}

fn authors(rng: &mut Rng) -> String {
    let count = 1 + rng.below(3);
    let mut names: Vec<String> = Vec::new();
    while names.len() < count {
        let name = format!("{} {}. {}.", rng.pick(&SURNAMES), rng.pick(&INITIALS), rng.pick(&INITIALS));
        if !names.iter().any(|n| n[..n.find(' ').unwrap()] == name[..name.find(' ').unwrap()]) {
            names.push(name);
        }
    }
    let mut s = names.join(", ");
    if rng.below(3) == 0 {
        s.push_str(" и\u{A0}другие");
    }
    s
}

fn new_line(rng: &mut Rng, from: u8, to: u8) -> Line {
    let range = from >= 10 && rng.below(2) == 0;
    let grades = if range { vec![(from, to)] } else { (from..=to).map(|g| (g, g)).collect() };
    Line {
        authors: authors(rng),
        publisher: PUBLISHERS[rng.below(PUBLISHERS.len())],
        grades,
        edition: (rng.below(3) == 0).then(|| 2 + rng.below(14) as u32),
        parts: from <= 4 && rng.below(2) == 0,
        workbook: rng.below(3) == 0,
    }
}

fn title(subject: &str, grades: (u8, u8), line: &Line, level: usize) -> String {
    let mut t = if grades.0 == grades.1 {
        format!("{subject}: {}-й класс", grades.0)
    } else {
        format!("{subject}: {}—{}-е классы", grades.0, grades.1)
    };
    if level == 2 {
        t.push_str(if grades.0 == grades.1 {
            ": базовый уровень"
        } else {
            ": базовый и углублённый уровни"
        });
    }
    t.push_str(": учебник");
    if line.parts {
        t.push_str(": в 2 частях");
    }
    if let Some(e) = line.edition {
        t.push_str(&format!("; {e}-е издание, переработанное"));
    }
    t
}

fn grades_cell(rng: &mut Rng, (from, to): (u8, u8)) -> Cell {
    if from == to {
        return Cell::Number(from.into());
    }
    Cell::Text(match rng.below(3) {
        0 => format!("{from} - {to}"),
        1 => format!("{from}-{to}"),
        _ => format!("{from} – {to}"),
    })
}

/// All rows of the sample, header and column numbers included, and where the volume rows of a
/// two-part set would go in an old CSV list (the row index after which a part-2 row follows).
fn rows(items: usize, seed: u64) -> (Vec<Vec<Cell>>, Vec<usize>) {
    let mut rng = Rng(seed ^ 0x5EED_F00D);
    let text = |s: &str| Cell::Text(s.to_string());
    let mut out: Vec<Vec<Cell>> = vec![HEADERS.iter().map(|h| text(h)).collect(), (1..=11).map(Cell::Number).collect()];
    let mut two_part = Vec::new();
    let annex2 = if items >= 2 { (items / 10).max(1) } else { 0 };
    let mut broken_done = false;
    let mut written = 0usize;
    let subjects: Vec<(usize, usize, usize)> = LEVELS
        .iter()
        .enumerate()
        .flat_map(|(l, level)| {
            level
                .areas
                .iter()
                .enumerate()
                .flat_map(move |(a, (_, subjects))| (0..subjects.len()).map(move |s| (l, a, s)))
        })
        .collect();
    // Excluded lines are numbered after the subject's current ones, so numbers repeat only by accident.
    let mut numbered = vec![0usize; subjects.len()];
    for (annex, count) in [(1u8, items - annex2), (2u8, annex2)] {
        if count == 0 {
            continue;
        }
        // Lines are handed out to subjects in turn until the annex has its items.
        let mut lines: Vec<Vec<Line>> = subjects.iter().map(|_| Vec::new()).collect();
        let mut total = 0;
        let mut turn = if annex == 1 { 0 } else { rng.below(subjects.len()) };
        while total < count {
            let (l, a, s) = subjects[turn % subjects.len()];
            let (_, from, to) = LEVELS[l].areas[a].1[s];
            let mut line = new_line(&mut rng, from, to);
            line.grades.truncate(count - total);
            total += line.grades.len();
            lines[turn % subjects.len()].push(line);
            turn += 1;
        }

        let base = numbered.clone();
        for (n, l) in numbered.iter_mut().zip(&lines) {
            *n += l.len();
        }
        let annex_text =
            if annex == 1 { "Приложение 1".to_string() } else { format!("Приложение{NBSP}2") };
        let heading = |number: String, name: String| {
            let mut row = vec![text(&annex_text), Cell::Text(number), Cell::Text(name)];
            row.resize(HEADERS.len(), text(""));
            row
        };
        let top = if annex == 1 {
            "1. Учебники, используемые для реализации обязательной части основной образовательной программы"
        } else {
            "1. Учебники, исключённые из федерального перечня учебников, которые допускается использовать до истечения предельного срока"
        };
        out.push(heading(top.to_string(), String::new()));
        for (l, level) in LEVELS.iter().enumerate() {
            let of_level = |i: &usize| subjects[*i].0 == l && !lines[*i].is_empty();
            if !(0..subjects.len()).any(|i| of_level(&i)) {
                continue;
            }
            let ln = format!("1.{}.", l + 1);
            out.push(heading(ln.clone(), format!("{} (уровень образования)", level.name)));
            for (a, (area, names)) in level.areas.iter().enumerate() {
                let of_area = |i: &usize| of_level(i) && subjects[*i].1 == a;
                if !(0..subjects.len()).any(|i| of_area(&i)) {
                    continue;
                }
                let an = format!("{ln}{}.", a + 1);
                out.push(heading(an.clone(), format!("{area} (предметная область)")));
                for (i, _) in subjects.iter().enumerate().filter(|(i, _)| of_area(i)) {
                    let s = subjects[i].2;
                    let subject = names[s].0;
                    let sn = format!("{an}{}.", s + 1);
                    out.push(heading(sn.clone(), format!("{subject} (учебный предмет)")));
                    for (k, line) in lines[i].iter().enumerate() {
                        let k = base[i] + k + 1;
                        for (g, &grades) in line.grades.iter().enumerate() {
                            let mut number = format!("{sn}{k}.{}.", g + 1);
                            written += 1;
                            if written == 7 && !broken_done {
                                number = number.replacen('.', "..", 1);
                                broken_done = true;
                            } else if written.is_multiple_of(5) {
                                number = format!("{NBSP}{number}{NBSP}");
                            }
                            let until = if annex == 1 {
                                rng.pick(&ANNEX1_DATES).to_string()
                            } else if written.is_multiple_of(7) {
                                // Typos of the real lists.
                                rng.pick(&ANNEX2_DATES).replace("года", "гола")
                            } else {
                                rng.pick(&ANNEX2_DATES).to_string()
                            };
                            let publisher = line.publisher;
                            out.push(vec![
                                text(&annex_text),
                                Cell::Text(number),
                                Cell::Text(title(subject, grades, line, l)),
                                Cell::Text(line.authors.clone()),
                                text(publisher),
                                if line.workbook {
                                    Cell::Text(format!("Рабочая тетрадь. {subject}. {}", workbook_grades(grades)))
                                } else {
                                    text("")
                                },
                                grades_cell(&mut rng, grades),
                                Cell::Text(level.fgos.replace("№ ", &format!("№{NBSP}"))),
                                text(publisher.split(';').next().unwrap_or(publisher).trim()),
                                Cell::Text(ORDER.replace("№ ", &format!("№{NBSP}"))),
                                Cell::Text(until),
                            ]);
                            if line.parts {
                                two_part.push(out.len() - 1);
                            }
                        }
                    }
                }
            }
        }
    }
    (out, two_part)
}

fn workbook_grades((from, to): (u8, u8)) -> String {
    domain::fpu::grades_text(from, to) + " класс"
}

/// A deterministic made-up list of `items` textbooks in the ministry's layout (not the real list):
/// headers in row 1, column numbers in row 2, heading rows for levels, areas and subjects, and
/// about a tenth of the items in Annex 2 with limit dates, some already past.
pub fn sample_xlsx(items: usize, seed: u64) -> Vec<u8> {
    let (rows, _) = rows(items, seed);
    let mut book = Workbook::new();
    // The same bytes for the same arguments: the book would otherwise carry the time it was made.
    let made = ExcelDateTime::from_ymd(2024, 1, 1).expect("a valid date");
    book.set_properties(&DocProperties::new().set_creation_datetime(&made));
    let wrap = Format::new().set_text_wrap().set_bold();
    let ws = book.add_worksheet();
    ws.set_name("Лист1").expect("a valid name");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            let written = match cell {
                Cell::Text(s) if s.is_empty() => Ok(&mut *ws),
                Cell::Text(s) if r == 0 => ws.write_string_with_format(r, c, s, &wrap),
                Cell::Text(s) => ws.write_string(r, c, s),
                Cell::Number(n) => ws.write_number(r, c, *n),
            };
            written.expect("cells within Excel's bounds");
        }
    }
    for (c, width) in [14.0, 18.0, 60.0, 40.0, 36.0, 30.0, 10.0, 40.0, 30.0, 40.0, 28.0].into_iter().enumerate() {
        ws.set_column_width(c as u16, width).expect("a valid column");
    }
    book.save_to_buffer().expect("an in-memory book is written")
}

/// The same made-up list as an old CSV list: Windows-1251, `;`, CRLF, and the second part of a
/// two-part set on its own row with the same number and no title.
pub fn sample_csv_1251(items: usize, seed: u64) -> Vec<u8> {
    let (rows, two_part) = rows(items, seed);
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(::csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    for (i, row) in rows.iter().enumerate() {
        let fields: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Number(n) => n.to_string(),
            })
            .collect();
        writer.write_record(&fields).expect("writes to memory");
        if two_part.contains(&i) {
            let mut part = vec![String::new(); fields.len()];
            part[0] = fields[0].clone();
            part[1] = fields[1].clone();
            part[3] = fields[3].clone();
            part[4] = fields[4].clone();
            writer.write_record(&part).expect("writes to memory");
        }
    }
    let text = String::from_utf8(writer.into_inner().expect("flushed to memory")).expect("written from strings");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
    debug_assert!(!unmappable, "every character of the sample is in Windows-1251");
    bytes.into_owned()
}
