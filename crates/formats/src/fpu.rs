//! The federal list of textbooks (ФПУ) as the ministry's annexes are tabulated: one sheet (or an
//! older CSV list), Annex 1 (the current list) and Annex 2 (excluded items with their limit date
//! of use) one after the other, and the hierarchy of levels, subject areas and subjects given
//! only by heading rows between the items.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::fpu::{self as rules, Until};
use domain::text::clean;

use crate::xlsx::{column_letter, Limits, Problem, RawRow};

mod sample;

pub use sample::{sample_csv_1251, sample_xlsx};

/// The list as read: its items in file order, how many heading rows held them, and what looked
/// odd but did not stop the reading.
#[derive(Debug, Clone)]
pub struct FpuList {
    pub items: Vec<FpuItem>,
    pub headings: usize,
    pub warnings: Vec<Problem>,
}

/// One textbook of the list (a multi-volume set is one item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FpuItem {
    /// The row the item begins on, as people see it.
    pub row: u32,
    /// 1: the current list; 2: excluded items, usable until their limit date.
    pub annex: u8,
    /// As written, cleaned of non-breaking spaces and padding.
    pub number: String,
    /// [`domain::fpu::number_key`] of the number.
    pub number_key: String,
    pub title: String,
    pub authors: String,
    /// Several publishers are joined by «; ».
    pub publisher: String,
    /// [`domain::fpu::grades_text`] of the grades; empty when the list gives none (СПО rows).
    pub grades_text: String,
    /// First and last grade; 0 is «1 дополнительный класс».
    pub grades: Option<(u8, u8)>,
    /// Annex 1: the expiry of the expert conclusion; Annex 2: the limit date of use.
    /// None for «Бессрочно» or a date that could not be read (see `until_text`).
    pub until: Option<NaiveDate>,
    pub until_text: String,
    /// Names of the headings above the item, without the «(уровень образования)» kind of marker.
    pub level: String,
    pub area: String,
    pub subject: String,
    /// Rows merged into this set: a CSV list may give each further volume a row of its own.
    pub volumes: u32,
}

/// Many times the real list (about 2 600 rows), and far below what would strain the server.
pub fn limits() -> Limits {
    Limits { max_rows: 20_000, max_cell_chars: 32_767, max_part_bytes: 50 * 1024 * 1024, ..Limits::default() }
}

const MAX_ERRORS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Annex,
    Number,
    Title,
    Authors,
    Publisher,
    Grades,
    Until,
}

impl Col {
    /// The column's name in messages; real headers are a sentence long.
    fn label(self) -> &'static str {
        match self {
            Col::Annex => "Приложение",
            Col::Number => "Порядковый номер учебника",
            Col::Title => "Наименование учебника",
            Col::Authors => "Автор",
            Col::Publisher => "Наименование издателя",
            Col::Grades => "Класс",
            Col::Until => "Срок действия / Предельный срок использования",
        }
    }
}

fn norm(s: &str) -> String {
    clean(s).to_lowercase().replace('ё', "е")
}

/// What a header names, by its first words. Two headers begin «Приложение» (the annex and the
/// date column, «Приложение 1: Срок действия …») and three «Наименовани…» (title, publisher and
/// the plural «Наименования разработанных … пособий»), so the order of the tests matters.
fn classify(header: &str) -> Option<Col> {
    let h = norm(header);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| h.starts_with(p));
    Some(
        if h.contains("срок действия") || h.contains("предельный срок") || h.starts_with("срок")
        {
            Col::Until
        } else if starts(&["приложение"]) {
            Col::Annex
        } else if starts(&["порядковый номер", "номер", "№"]) {
            Col::Number
        } else if starts(&["автор"]) {
            Col::Authors
        } else if starts(&["наименование издател", "издател", "издательство"]) {
            Col::Publisher
        } else if starts(&["наименование", "название"]) {
            Col::Title
        } else if starts(&["класс"]) {
            Col::Grades
        } else {
            return None;
        },
    )
}

/// Column index of each kind the header row names: the first of each, but the last date column.
fn map_header(row: &RawRow) -> HashMap<Col, usize> {
    let mut found = HashMap::new();
    for (i, text) in row.cells.iter().enumerate() {
        match classify(text) {
            Some(Col::Until) => {
                found.insert(Col::Until, i);
            }
            Some(col) => {
                found.entry(col).or_insert(i);
            }
            None => {}
        }
    }
    found
}

/// A row of nothing but the column numbers 1, 2, 3 … under the header.
fn is_column_numbers(row: &RawRow) -> bool {
    let filled: Vec<&str> = row.cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
    filled.len() >= 3 && filled.iter().enumerate().all(|(i, c)| c.parse::<usize>().ok() == Some(i + 1))
}

/// «Приложение 2», «Приложение № 2», «2» → 2.
fn parse_annex(text: &str) -> Option<u8> {
    let t = norm(text);
    let rest = t.strip_prefix("приложение").unwrap_or(&t).trim_start();
    let rest = rest.trim_start_matches(['№', 'n', 'N', ' ']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    match digits.as_str() {
        "1" | "2" if t.starts_with("приложение") || after.trim().is_empty() => digits.parse().ok(),
        _ => None,
    }
}

/// The annex a title row names: «Приложение 2 к приказу …».
fn annex_named(row: &RawRow) -> Option<u8> {
    row.cells.iter().filter(|c| norm(c).starts_with("приложение")).find_map(|c| parse_annex(c))
}

/// «1.1.1. Начальное общее образование» → («1.1.1.», «Начальное общее образование»).
fn split_number(cell: &str) -> (String, String) {
    let end = cell.find(|c: char| !(c.is_ascii_digit() || c == '.' || c.is_whitespace())).unwrap_or(cell.len());
    let (number, text) = cell.split_at(end);
    // A number needs a digit; «. Раздел» is text.
    if number.chars().any(|c| c.is_ascii_digit()) {
        (clean(number), clean(text))
    } else {
        (String::new(), clean(cell))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Level,
    Area,
    Subject,
}

const MARKERS: [(&str, Kind); 4] = [
    ("уровень образования", Kind::Level),
    ("предметная область", Kind::Area),
    ("учебный предмет", Kind::Subject),
    ("учебный курс", Kind::Subject),
];

struct Heading {
    segments: Vec<String>,
    name: String,
    kind: Option<Kind>,
}

impl Heading {
    /// The name with the markers «(уровень образования)» and the like taken out, and what they said.
    fn new(key: &str, name: &str) -> Heading {
        let mut kind = None;
        let mut out = String::new();
        let mut rest = name;
        while let Some(open) = rest.find('(') {
            let Some(close) = rest[open..].find(')').map(|c| open + c) else { break };
            let inner = norm(&rest[open + 1..close]);
            out.push_str(&rest[..open]);
            match MARKERS.iter().find(|(m, _)| inner.starts_with(m)) {
                Some((_, k)) => kind = Some(*k),
                None => out.push_str(&rest[open..=close]),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Heading { segments: segments(key), name: clean(&out), kind }
    }
}

fn segments(key: &str) -> Vec<String> {
    key.split('.').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn is_under(parent: &[String], child: &[String]) -> bool {
    parent.len() < child.len() && child.starts_with(parent)
}

/// Level, area and subject of an item from the headings above it, outermost first. The depth of
/// the list varies (adapted programmes are deeper), so the markers decide, not the dot count.
fn place_in(ancestors: &[&Heading]) -> (String, String, String) {
    let level = ancestors
        .iter()
        .position(|h| h.kind == Some(Kind::Level))
        .or_else(|| ancestors.iter().position(|h| norm(&h.name).contains("образовани")));
    let subject = ancestors.iter().rposition(|h| h.kind == Some(Kind::Subject)).or_else(|| {
        let last = ancestors.len().checked_sub(1)?;
        (level.is_none_or(|l| last > l)).then_some(last)
    });
    let area = ancestors.iter().rposition(|h| h.kind == Some(Kind::Area)).or_else(|| {
        let s = subject?;
        match level {
            Some(l) => (l + 1 < s).then_some(l + 1),
            None => s.checked_sub(1),
        }
    });
    let name = |i: Option<usize>| i.map(|i| ancestors[i].name.clone()).unwrap_or_default();
    (name(level), name(area), name(subject))
}

/// Where things are as the user sees them: column letters in a spreadsheet, numbers in CSV.
struct Places {
    file: String,
    xlsx: bool,
    columns: HashMap<Col, usize>,
}

impl Places {
    fn column(&self, col: Col) -> Option<String> {
        let i = *self.columns.get(&col)?;
        let at = if self.xlsx { column_letter(i as u32) } else { (i + 1).to_string() };
        Some(format!("{at} («{}»)", col.label()))
    }

    fn problem(&self, row: Option<u32>, col: Option<Col>, message: impl Into<String>) -> Problem {
        Problem {
            file: self.file.clone(),
            sheet: None,
            row,
            column: col.and_then(|c| self.column(c)),
            message: message.into(),
        }
    }
}

/// Reads the list from an XLSX file (by its ZIP signature) or a CSV file. Every error found is
/// returned at once (up to 50); oddities that leave the list usable are `warnings`.
pub fn read(bytes: &[u8], file: &str) -> Result<FpuList, Vec<Problem>> {
    let xlsx = bytes.starts_with(b"PK\x03\x04");
    let rows = if xlsx {
        crate::xlsx::read_rows_limited(bytes, file, &limits())
    } else {
        crate::csv::read_rows_limited(bytes, file, &limits())
    }
    .map_err(|p| vec![p])?;
    let mut places = Places { file: file.to_string(), xlsx, columns: HashMap::new() };
    let whole = |places: &Places, message: &str| vec![places.problem(None, None, message)];
    if rows.is_empty() {
        return Err(whole(&places, "файл пустой: в нём нет ни одной строки"));
    }

    // The header is the first row naming both the number and the title; title rows may stand above.
    let header_at = rows.iter().position(|r| {
        let m = map_header(r);
        m.contains_key(&Col::Number) && m.contains_key(&Col::Title)
    });
    let required = [Col::Number, Col::Title, Col::Grades];
    let missing = |places: &Places, row: u32, found: &HashMap<Col, usize>| -> Vec<Problem> {
        required
            .iter()
            .filter(|c| !found.contains_key(c))
            .map(|c| {
                places.problem(
                    Some(row),
                    None,
                    format!(
                        "нет обязательного столбца «{}»: заголовок столбца должен начинаться с этих слов",
                        c.label()
                    ),
                )
            })
            .collect()
    };
    let Some(header_at) = header_at else {
        // The row most like a header tells which column is missing.
        let best = rows.iter().map(|r| (r, map_header(r))).filter(|(_, m)| m.len() >= 2).max_by_key(|(_, m)| m.len());
        return Err(match best {
            Some((row, found)) => missing(&places, row.number, &found),
            None => whole(
                &places,
                "не найдена строка заголовков: нужны столбцы «Порядковый номер учебника», «Наименование учебника» и «Класс». Это точно федеральный перечень учебников?",
            ),
        });
    };
    places.columns = map_header(&rows[header_at]);
    let missing = missing(&places, rows[header_at].number, &places.columns);
    if !missing.is_empty() {
        return Err(missing);
    }

    let mut reader = Reader::new(&places);
    // Without an annex column, a title row above the header may say which annex the file holds.
    if !places.columns.contains_key(&Col::Annex) {
        for row in &rows[..header_at] {
            if let Some(a) = annex_named(row) {
                reader.annex = a;
            }
        }
    }
    for row in &rows[header_at + 1..] {
        if is_column_numbers(row) {
            continue;
        }
        reader.row(row);
    }
    let Reader { items, headings, warnings, mut errors, errors_total, .. } = reader;
    if errors_total > MAX_ERRORS {
        errors.truncate(MAX_ERRORS - 1);
        errors.push(places.problem(
            None,
            None,
            format!("и ещё ошибок: {}; исправьте показанные и загрузите файл снова", errors_total - (MAX_ERRORS - 1)),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if items.is_empty() {
        return Err(whole(
            &places,
            "в файле нет ни одного учебника: под заголовками только пустые строки или строки разделов",
        ));
    }
    Ok(FpuList { items, headings, warnings })
}

/// The state of reading the rows under the header.
struct Reader<'a> {
    places: &'a Places,
    annex: u8,
    stack: Vec<Heading>,
    items: Vec<FpuItem>,
    headings: usize,
    /// Number key → the row it was first seen on.
    seen: HashMap<String, u32>,
    warnings: Vec<Problem>,
    errors: Vec<Problem>,
    errors_total: usize,
}

impl<'a> Reader<'a> {
    fn new(places: &'a Places) -> Self {
        Reader {
            places,
            annex: 1,
            stack: Vec::new(),
            items: Vec::new(),
            headings: 0,
            seen: HashMap::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            errors_total: 0,
        }
    }

    fn cell(&self, row: &RawRow, col: Col) -> String {
        self.places.columns.get(&col).map(|&i| clean(row.get(i))).unwrap_or_default()
    }

    fn warn(&mut self, row: u32, col: Option<Col>, message: String) {
        self.warnings.push(self.places.problem(Some(row), col, message));
    }

    fn error(&mut self, row: u32, col: Option<Col>, message: String) {
        self.errors_total += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(self.places.problem(Some(row), col, message));
        }
    }

    fn set_annex(&mut self, annex: u8) {
        if annex != self.annex {
            // Annex 2 numbers its own sections from the start again.
            self.annex = annex;
            self.stack.clear();
        }
    }

    fn row(&mut self, row: &RawRow) {
        let at = row.number;
        let has_annex_column = self.places.columns.contains_key(&Col::Annex);
        let annex_text = self.cell(row, Col::Annex);
        if !annex_text.is_empty() {
            match parse_annex(&annex_text) {
                Some(a) => self.set_annex(a),
                None => self.warn(
                    at,
                    Some(Col::Annex),
                    format!(
                        "«{annex_text}» — не номер приложения (нужно «Приложение 1» или «Приложение 2»); строка отнесена к приложению {}",
                        self.annex
                    ),
                ),
            }
        }
        let (number, number_text) = split_number(&self.cell(row, Col::Number));
        let mut title = self.cell(row, Col::Title);
        if title.is_empty() {
            title = number_text;
        }
        let authors = self.cell(row, Col::Authors);
        let publisher_raw = self.places.columns.get(&Col::Publisher).map(|&i| row.get(i)).unwrap_or("");
        let publisher = publisher_raw.split(';').map(clean).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("; ");
        let grades = self.cell(row, Col::Grades);
        let until_text = self.cell(row, Col::Until);
        let key = rules::number_key(&number);

        // A further volume of the set on the row above: its own row, the same number, no title.
        if title.is_empty() && !number.is_empty() {
            if let Some(last) = self.items.last_mut().filter(|l| l.number_key == key) {
                last.volumes += 1;
                let first = last.row;
                self.warn(
                    at,
                    Some(Col::Number),
                    format!("строка без наименования с тем же номером «{number}», что и в строке {first}, — ещё один том того же учебника: учтён как один комплект"),
                );
                return;
            }
        }

        if authors.is_empty() && publisher.is_empty() && grades.is_empty() {
            if number.is_empty() {
                // A title row or a note; only an annex named in it matters.
                if !has_annex_column {
                    if let Some(a) = annex_named(row) {
                        self.set_annex(a);
                    }
                }
                return;
            }
            if title.is_empty() {
                return;
            }
            if rules::number_is_broken(&number) {
                self.warn(at, Some(Col::Number), format!("номер раздела «{number}» записан с ошибкой"));
            }
            let heading = Heading::new(&key, &title);
            while self.stack.last().is_some_and(|top| !is_under(&top.segments, &heading.segments)) {
                self.stack.pop();
            }
            self.stack.push(heading);
            self.headings += 1;
            return;
        }

        if title.is_empty() {
            self.warn(at, Some(Col::Title), "в строке учебника нет наименования; строка пропущена".into());
            return;
        }
        if number.is_empty() {
            self.warn(at, Some(Col::Number), "у учебника нет порядкового номера".into());
        } else if rules::number_is_broken(&number) {
            self.warn(
                at,
                Some(Col::Number),
                format!("номер «{number}» записан с ошибкой (пустые или нецифровые части); сохранён как есть"),
            );
        }
        if !key.is_empty() {
            if let Some(first) = self.seen.get(&key).copied() {
                self.warn(
                    at,
                    Some(Col::Number),
                    format!("номер «{number}» повторяется: он уже был в строке {first}; оба учебника сохранены"),
                );
            } else {
                self.seen.insert(key.clone(), at);
            }
        }
        let parsed_grades = match rules::parse_grades(&grades) {
            Ok(g) => g,
            Err(message) => {
                self.error(at, Some(Col::Grades), message);
                None
            }
        };
        let until = match rules::parse_until(&until_text) {
            Ok(Until::Date(d)) => Some(d),
            Ok(Until::Unlimited) => None,
            Err(_) if until_text.is_empty() => {
                if self.annex == 2 && self.places.columns.contains_key(&Col::Until) {
                    self.warn(
                        at,
                        Some(Col::Until),
                        "у исключённого учебника не указан предельный срок использования".into(),
                    );
                }
                None
            }
            Err(message) => {
                self.warn(at, Some(Col::Until), format!("{message}; срок не учтён"));
                None
            }
        };
        let item_segments = segments(&key);
        let mut ancestors: Vec<&Heading> =
            self.stack.iter().filter(|h| is_under(&h.segments, &item_segments)).collect();
        // A broken number matches no heading; the nearest headings above it still hold it.
        if ancestors.is_empty() {
            ancestors = self.stack.iter().collect();
        }
        let (level, area, subject) = place_in(&ancestors);
        self.items.push(FpuItem {
            row: at,
            annex: self.annex,
            number,
            number_key: key,
            title,
            authors,
            publisher,
            grades_text: parsed_grades.map(|(a, b)| rules::grades_text(a, b)).unwrap_or_default(),
            grades: parsed_grades,
            until,
            until_text,
            level,
            area,
            subject,
            volumes: 1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_told_apart_by_their_first_words() {
        let cases = [
            ("Приложение", Some(Col::Annex)),
            ("Порядковый номер учебника (учебного пособия) в федеральном перечне учебников", Some(Col::Number)),
            ("Наименование учебника (учебного издания)", Some(Col::Title)),
            ("Автор (авторский коллектив) учебника", Some(Col::Authors)),
            ("Наименование издателя (издателей) учебника", Some(Col::Publisher)),
            ("Наименования разработанных в комплекте с учебником учебных пособий", None),
            ("Класс, для которого разработан учебник", Some(Col::Grades)),
            ("Реквизиты приказов Министерства просвещения Российской Федерации об утверждении ФГОС", None),
            ("Правообладатель учебника", None),
            (
                "Приложение 1: Срок действия экспертного заключения // Приложение 2: Предельный срок использования учебников",
                Some(Col::Until),
            ),
            ("Предельный срок использования", Some(Col::Until)),
            ("  НАИМЕНОВАНИЕ\u{A0}учебника ", Some(Col::Title)),
            ("Издательство", Some(Col::Publisher)),
            ("№ п/п", Some(Col::Number)),
        ];
        for (h, want) in cases {
            assert_eq!(classify(h), want, "{h}");
        }
    }

    #[test]
    fn annexes_numbers_and_markers() {
        assert_eq!(parse_annex("Приложение 2"), Some(2));
        assert_eq!(parse_annex("Приложение\u{A0}№\u{A0}1"), Some(1));
        assert_eq!(parse_annex("2"), Some(2));
        assert_eq!(parse_annex("Приложение 2 к приказу Минпросвещения России"), Some(2));
        assert_eq!(parse_annex("3"), None);
        assert_eq!(parse_annex("21"), None);
        assert_eq!(parse_annex("1.1.1."), None);
        assert_eq!(
            split_number("1.1.1. Начальное общее образование"),
            ("1.1.1.".into(), "Начальное общее образование".into())
        );
        assert_eq!(split_number("\u{A0}1.1.1.1.\u{A0}"), ("1.1.1.1.".into(), String::new()));
        assert_eq!(split_number("Приложение 2"), (String::new(), "Приложение 2".into()));
        let h = Heading::new("0001", "Иностранный язык (английский язык) (учебный предмет)");
        assert_eq!((h.name.as_str(), h.kind), ("Иностранный язык (английский язык)", Some(Kind::Subject)));
        let h = Heading::new("0001", "Начальное общее образование (уровень образования)");
        assert_eq!((h.name.as_str(), h.kind), ("Начальное общее образование", Some(Kind::Level)));
        assert!(is_column_numbers(&RawRow { number: 2, cells: vec!["1".into(), "2".into(), "3".into()] }));
        assert!(!is_column_numbers(&RawRow { number: 2, cells: vec!["1".into(), "3".into(), "4".into()] }));
    }

    #[test]
    fn place_follows_markers_or_else_position() {
        let h = |name: &str| Heading::new("", name);
        let (top, level, area, subject, line) = (
            h("Учебники, используемые для реализации обязательной части основной образовательной программы"),
            h("Основное общее образование"),
            h("Математика и информатика"),
            h("Алгебра"),
            h("Линия УМК"),
        );
        assert_eq!(
            place_in(&[&top, &level, &area, &subject]),
            ("Основное общее образование".into(), "Математика и информатика".into(), "Алгебра".into())
        );
        // Unmarked, the deepest heading is the subject.
        assert_eq!(place_in(&[&level, &area, &subject, &line]).2, "Линия УМК");
        let marked = h("Алгебра (учебный предмет)");
        assert_eq!(place_in(&[&level, &area, &marked, &line]).2, "Алгебра");
        assert_eq!(place_in(&[&level]), ("Основное общее образование".into(), String::new(), String::new()));
        assert_eq!(place_in(&[]), Default::default());
    }
}
