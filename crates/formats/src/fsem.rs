//! The federal list of extremist materials (ФСЭМ) as it is published: a table of «Материал» and
//! «Дата включения (указывается с 01.01.2017)», sometimes with a «№» column first, as CSV (UTF-8
//! with a BOM or Windows-1251, CRLF, `;`, quotes doubled) or as an XLSX of the same table.
//! Entries are kept as the list writes them; what they name is read by [`domain::fsem`].

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::fsem::{is_excluded, ListEntry};
use domain::text::clean;

use crate::xlsx::{column_letter, Limits, Problem, RawRow};

/// Twenty times the list of today (about 5 200 entries, growing by a few dozen a month).
pub const MAX_ENTRIES: usize = 100_000;
/// The longest entries (many materials at once) are about 6 000 characters.
pub const MAX_ENTRY_CHARS: usize = 20_000;

/// Errors after which the rest are only counted.
const MAX_ERRORS: usize = 50;
/// Rows of junk dates told one by one; the rest are counted.
const MAX_DATE_WARNINGS: usize = 50;

/// The list as read, entries in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct ListFile {
    pub entries: Vec<Entry>,
    /// What looked odd but did not stop the reading, each naming file, row and column.
    pub warnings: Vec<String>,
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The «№» column, or the entry's place in the file when there is none.
    pub number: u32,
    /// As the list writes it, cleaned of invisible characters and line breaks.
    pub text: String,
    /// None before 2017 (the list gave no dates then) or when the cell held no date.
    pub included_on: Option<NaiveDate>,
    /// The text says the entry was excluded («исключен…»).
    pub excluded: bool,
    /// The row it is on, as a spreadsheet shows it.
    pub row: usize,
}

impl Entry {
    /// What the matcher needs of it.
    pub fn to_list_entry(&self) -> ListEntry {
        ListEntry { number: self.number, text: self.text.clone(), excluded: self.excluded }
    }
}

/// The reader's limits: each entry a row, each cell at most [`MAX_ENTRY_CHARS`]. A few rows more
/// than entries are allowed for the header and title lines above it; the entries are counted
/// apart so that the message speaks of entries.
pub fn limits() -> Limits {
    Limits { max_rows: MAX_ENTRIES as u32 + 20, max_cell_chars: MAX_ENTRY_CHARS, ..Limits::default() }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Number,
    Material,
    Date,
}

impl Col {
    fn label(self) -> &'static str {
        match self {
            Col::Number => "№",
            Col::Material => "Материал",
            Col::Date => "Дата включения",
        }
    }
}

fn norm(s: &str) -> String {
    clean(s).to_lowercase().replace('ё', "е")
}

/// What a header names, by its first words: «Дата включения (указывается с 01.01.2017)» is the date.
fn classify(header: &str) -> Option<Col> {
    let h = norm(header);
    if h.starts_with("материал") {
        Some(Col::Material)
    } else if h.starts_with("дата") {
        Some(Col::Date)
    } else if h.starts_with('№') || h.starts_with("номер") || h.starts_with("n п/п") || h == "n" {
        Some(Col::Number)
    } else {
        None
    }
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

/// The separator the header line uses. Counting over the whole file, as the general CSV reader
/// does, could take `,` for it: an entry holds several commas and a spreadsheet quotes it only
/// when it holds a `;`.
fn header_delimiter(bytes: &[u8], limits: &Limits) -> Option<u8> {
    // Too big or not text: the reader says so in its own words.
    if bytes.len() as u64 > limits.max_part_bytes {
        return None;
    }
    let text = crate::csv::decode(bytes).ok()?;
    let line = text.lines().take(50).find(|l| norm(l).trim_start_matches(['"', '№', ';', ' ']).contains("материал"))?;
    Some(crate::csv::detect_delimiter(line))
}

/// A date as the list writes it: «12.03.2018», «12.03.2018 г.», «2018-03-12» (a spreadsheet's
/// own), with a time after it or not.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim().trim_end_matches("г.").trim_end_matches('г').trim();
    let day = t.split_whitespace().next()?;
    NaiveDate::parse_from_str(day, "%d.%m.%Y").or_else(|_| NaiveDate::parse_from_str(day, "%Y-%m-%d")).ok()
}

/// Spreadsheet junk where a date should be.
fn is_junk(text: &str) -> bool {
    let t = text.trim().to_uppercase();
    t.starts_with('#') || t == "N/A" || t == "Н/Д"
}

/// «2–4, 7, 9–12»: rows as ranges.
fn ranges(rows: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1] == rows[j] + 1 {
            j += 1;
        }
        out.push(if j > i { format!("{}–{}", rows[i], rows[j]) } else { rows[i].to_string() });
        i = j + 1;
    }
    out.join(", ")
}

/// Reads the list from an XLSX file (by its ZIP signature) or a CSV file. Every error found is
/// returned at once (up to 50); what leaves the list usable is a warning.
pub fn read(bytes: &[u8], file: &str) -> Result<ListFile, Vec<Problem>> {
    read_limited(bytes, file, &limits())
}

/// [`read`] within other limits (tests).
pub fn read_limited(bytes: &[u8], file: &str, limits: &Limits) -> Result<ListFile, Vec<Problem>> {
    let xlsx = bytes.starts_with(b"PK\x03\x04");
    let rows = if xlsx {
        crate::xlsx::read_rows_limited(bytes, file, limits)
    } else {
        crate::csv::read_rows_separated(bytes, file, limits, header_delimiter(bytes, limits))
    }
    .map_err(|p| vec![p])?;
    let mut places = Places { file: file.to_string(), xlsx, columns: HashMap::new() };

    // The header is the first row naming the material; title lines may stand above it.
    let found = |row: &RawRow| -> HashMap<Col, usize> {
        let mut m = HashMap::new();
        for (i, cell) in row.cells.iter().enumerate() {
            if let Some(col) = classify(cell) {
                m.entry(col).or_insert(i);
            }
        }
        m
    };
    let Some(header_at) = rows.iter().take(50).position(|r| found(r).contains_key(&Col::Material)) else {
        return Err(vec![places.problem(
            None,
            None,
            "не найдена строка заголовков: нужны столбцы «Материал» и «Дата включения». Это точно федеральный список экстремистских материалов?",
        )]);
    };
    let header = &rows[header_at];
    places.columns = found(header);
    for (i, cell) in header.cells.iter().enumerate() {
        if let Some(col) = classify(cell).filter(|c| places.columns[c] != i) {
            return Err(vec![places.problem(
                Some(header.number),
                Some(col),
                format!("столбец «{}» встречается дважды (второй раз — столбец {})", col.label(), i + 1),
            )]);
        }
    }

    let mut reader = Reader {
        places: &places,
        entries: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
        errors_total: 0,
        seen: HashMap::new(),
        undated: Vec::new(),
        junk_dates: 0,
    };
    if !places.columns.contains_key(&Col::Date) {
        let p = places.problem(
            Some(header.number),
            None,
            "нет столбца «Дата включения»: даты включения записей неизвестны",
        );
        reader.warnings.push(p.to_string());
    }
    for (n, row) in rows[header_at + 1..].iter().enumerate() {
        if reader.entries.len() >= MAX_ENTRIES {
            reader.error(
                row.number,
                None,
                format!(
                    "в перечне больше {} записей — столько в федеральном списке не бывает; это точно он?",
                    crate::xlsx::grouped(MAX_ENTRIES as u64)
                ),
            );
            break;
        }
        reader.row(row, n as u32 + 1);
    }
    let Reader { entries, mut warnings, mut errors, errors_total, undated, junk_dates, .. } = reader;
    if junk_dates > MAX_DATE_WARNINGS {
        warnings.push(
            places
                .problem(
                    None,
                    Some(Col::Date),
                    format!(
                        "и ещё строк с ошибкой вместо даты: {}; записи сохранены без даты",
                        junk_dates - MAX_DATE_WARNINGS
                    ),
                )
                .to_string(),
        );
    }
    if !undated.is_empty() {
        // Thousands of entries before 2017 have no date: one warning names all their rows.
        warnings.push(
            places
                .problem(
                    None,
                    Some(Col::Date),
                    format!(
                        "у записей без даты включения дата неизвестна (до 01.01.2017 её не указывали): {} {}",
                        if undated.len() == 1 { "строка" } else { "строки" },
                        ranges(&undated)
                    ),
                )
                .to_string(),
        );
    }
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
    if entries.is_empty() {
        return Err(vec![places.problem(
            None,
            None,
            "в файле нет ни одной записи: под заголовками только пустые строки",
        )]);
    }
    Ok(ListFile { entries, warnings })
}

/// The state of reading the rows under the header.
struct Reader<'a> {
    places: &'a Places,
    entries: Vec<Entry>,
    warnings: Vec<String>,
    errors: Vec<Problem>,
    errors_total: usize,
    /// Number → the row it was first seen on.
    seen: HashMap<u32, u32>,
    /// Rows of entries with an empty date.
    undated: Vec<u32>,
    junk_dates: usize,
}

impl Reader<'_> {
    fn cell(&self, row: &RawRow, col: Col) -> String {
        self.places.columns.get(&col).map(|&i| clean(row.get(i))).unwrap_or_default()
    }

    fn warn(&mut self, row: u32, col: Option<Col>, message: String) {
        self.warnings.push(self.places.problem(Some(row), col, message).to_string());
    }

    fn error(&mut self, row: u32, col: Option<Col>, message: String) {
        self.errors_total += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(self.places.problem(Some(row), col, message));
        }
    }

    /// One row under the header; `order` is its place among them (the number when there is no
    /// «№» column: numbers are never reused, so the order is the number).
    fn row(&mut self, row: &RawRow, order: u32) {
        let at = row.number;
        let text = self.cell(row, Col::Material);
        let number = if self.places.columns.contains_key(&Col::Number) {
            let raw = self.cell(row, Col::Number);
            let digits = raw.trim_end_matches('.').trim();
            match digits.parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ if raw.is_empty() => {
                    self.error(at, Some(Col::Number), "нет номера записи".into());
                    return;
                }
                _ => {
                    self.error(at, Some(Col::Number), format!("«{raw}» — не номер записи: нужно целое число"));
                    return;
                }
            }
        } else {
            order
        };
        if text.is_empty() {
            self.warn(at, Some(Col::Material), format!("у записи № {number} нет текста; строка пропущена"));
            return;
        }
        if let Some(first) = self.seen.insert(number, at) {
            self.seen.insert(number, first);
            self.error(
                at,
                Some(Col::Number),
                format!("номер {number} повторяется: он уже есть в строке {first}; номера в перечне не повторяются"),
            );
            return;
        }
        let date_text = self.cell(row, Col::Date);
        let included_on = if date_text.is_empty() {
            if self.places.columns.contains_key(&Col::Date) {
                self.undated.push(at);
            }
            None
        } else if is_junk(&date_text) {
            self.junk_dates += 1;
            if self.junk_dates <= MAX_DATE_WARNINGS {
                self.warn(
                    at,
                    Some(Col::Date),
                    format!("«{date_text}» вместо даты включения (запись № {number}); запись сохранена без даты"),
                );
            }
            None
        } else {
            let date = parse_date(&date_text);
            if date.is_none() {
                self.warn(
                    at,
                    Some(Col::Date),
                    format!(
                        "дата «{date_text}» не читается (нужно ДД.ММ.ГГГГ) у записи № {number}; запись сохранена без даты"
                    ),
                );
            }
            date
        };
        self.entries.push(Entry { number, excluded: is_excluded(&text), text, included_on, row: at as usize });
    }
}

#[cfg(test)]
mod tests {
    use encoding_rs::WINDOWS_1251;
    use rust_xlsxwriter::Workbook;

    use super::*;

    const HEADER: &str = "Материал;Дата включения (указывается с 01.01.2017)\r\n";

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn bom(text: &str) -> Vec<u8> {
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()
    }

    fn texts(list: &ListFile) -> Vec<(u32, &str, Option<NaiveDate>, bool, usize)> {
        list.entries.iter().map(|e| (e.number, e.text.as_str(), e.included_on, e.excluded, e.row)).collect()
    }

    #[test]
    fn the_published_csv_is_read_in_either_encoding() {
        let text = format!(
            "{HEADER}\"Книга Засекина Р.Т. \"\"Чёрное знамя рассвета\"\" (М.: Заря, 2004)\";\r\n\
             \"Видеоролик «Поход», размещённый на сайте; решение суда от 01.02.2016\";\"15.03.2017\"\r\n\
             \"Брошюра «Слово о чистоте крови» (исключена решением суда от 01.02.2019)\";#N/A\r\n"
        );
        let (cp, _, bad) = WINDOWS_1251.encode(&text);
        assert!(!bad);
        for bytes in [bom(&text), cp.into_owned(), text.as_bytes().to_vec()] {
            let list = read(&bytes, "fsem.csv").unwrap();
            assert_eq!(
                texts(&list),
                vec![
                    (1, "Книга Засекина Р.Т. \"Чёрное знамя рассвета\" (М.: Заря, 2004)", None, false, 2),
                    (
                        2,
                        "Видеоролик «Поход», размещённый на сайте; решение суда от 01.02.2016",
                        d(2017, 3, 15),
                        false,
                        3
                    ),
                    (3, "Брошюра «Слово о чистоте крови» (исключена решением суда от 01.02.2019)", None, true, 4),
                ]
            );
            assert_eq!(list.warnings.len(), 2, "{:?}", list.warnings);
            assert_eq!(
                list.warnings[0],
                "Файл «fsem.csv», строка 4, столбец 2 («Дата включения»): «#N/A» вместо даты включения (запись № 3); запись сохранена без даты"
            );
            assert!(list.warnings[1].contains("строка 2"), "{}", list.warnings[1]);
        }
    }

    #[test]
    fn commas_in_unquoted_entries_do_not_make_the_separator() {
        let text = format!(
            "{HEADER}Книга «А», М., 2004, 100 с., решение суда, вступившее в силу;01.02.2018\r\nКнига «Б», Казань, 2001;02.02.2018\r\n"
        );
        let list = read(&bom(&text), "f.csv").unwrap();
        assert_eq!(list.entries[0].text, "Книга «А», М., 2004, 100 с., решение суда, вступившее в силу");
        assert_eq!(list.entries[1].included_on, d(2018, 2, 2));
    }

    #[test]
    fn a_number_column_is_used_and_a_repeated_number_names_both_rows() {
        let text = "Федеральный список экстремистских материалов\r\n\r\n№;Материал;Дата включения\r\n1;Книга «А»;\r\n5.;Книга «Б»;12.03.2018 г.\r\n7;Книга «В»;2018-03-13\r\n";
        let list = read(text.as_bytes(), "f.csv").unwrap();
        let numbers: Vec<(u32, Option<NaiveDate>, usize)> =
            list.entries.iter().map(|e| (e.number, e.included_on, e.row)).collect();
        assert_eq!(numbers, vec![(1, None, 4), (5, d(2018, 3, 12), 5), (7, d(2018, 3, 13), 6)]);

        let text = "№;Материал;Дата включения\r\n1;Книга «А»;\r\n2;Книга «Б»;\r\n1;Книга «В»;\r\nx;Книга «Г»;\r\n";
        let e = read(text.as_bytes(), "f.csv").unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "Файл «f.csv», строка 4, столбец 1 («№»): номер 1 повторяется: он уже есть в строке 2; номера в перечне не повторяются"
        );
        assert_eq!(e[1].row, Some(5));
        assert!(e[1].message.contains("«x» — не номер"), "{}", e[1]);
    }

    #[test]
    fn dates_that_do_not_read_are_warnings_and_empty_ones_are_summed_up() {
        let mut text = String::from(HEADER);
        for i in 0..5 {
            text.push_str(&format!("Книга «Н{i}»;\r\n"));
        }
        text.push_str("Книга «Д»;31.02.2018\r\nКнига «Е»;12.03.2019\r\nКнига «Ж»;\r\n");
        let list = read(&bom(&text), "f.csv").unwrap();
        assert_eq!(list.entries.len(), 8);
        assert_eq!(list.entries[7].number, 8);
        assert!(list.warnings[0].contains("строка 7, столбец 2 («Дата включения»): дата «31.02.2018» не читается"));
        assert!(list.warnings[1].ends_with("строки 2–6, 9"), "{}", list.warnings[1]);
    }

    #[test]
    fn the_same_table_in_xlsx_is_read() {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "№ п/п").unwrap();
        ws.write_string(0, 1, "Материал").unwrap();
        ws.write_string(0, 2, "Дата включения (указывается с 01.01.2017)").unwrap();
        ws.write_number(1, 0, 1.0).unwrap();
        ws.write_string(1, 1, "Книга «А»").unwrap();
        ws.write_number(2, 0, 2.0).unwrap();
        ws.write_string(2, 1, "Книга «Б»").unwrap();
        let date = rust_xlsxwriter::Format::new().set_num_format("dd.mm.yyyy");
        let when = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 5, 6).unwrap();
        ws.write_datetime_with_format(2, 2, &when, &date).unwrap();
        ws.write_number(3, 0, 3.0).unwrap();
        ws.write_string(3, 1, "Книга «В»").unwrap();
        ws.write_string(3, 2, "#N/A").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let list = read(&bytes, "f.xlsx").unwrap();
        assert_eq!(
            list.entries.iter().map(|e| (e.number, e.included_on)).collect::<Vec<_>>(),
            vec![(1, None), (2, d(2019, 5, 6)), (3, None)]
        );
        assert!(
            list.warnings.iter().any(|w| w.contains("строка 4, столбец C («Дата включения»)")),
            "{:?}",
            list.warnings
        );
    }

    #[test]
    fn limits_are_checked_while_reading() {
        let long = "я".repeat(MAX_ENTRY_CHARS + 1);
        let e = read(format!("{HEADER}Книга «{long}»;\r\n").as_bytes(), "f.csv").unwrap_err();
        assert_eq!((e[0].row, e[0].column.as_deref()), (Some(2), Some("1")));
        assert!(e[0].message.contains("больше 20 000 знаков"), "{}", e[0]);

        let small = Limits { max_rows: 3, ..limits() };
        let e = read_limited(format!("{HEADER}а;\r\nб;\r\nв;\r\n").as_bytes(), "f.csv", &small).unwrap_err();
        assert!(e[0].message.contains("больше 3 строк"), "{}", e[0]);
    }

    #[test]
    fn what_is_not_the_list_is_told() {
        let e = read("Название;Автор\r\nМастер и Маргарита;Булгаков\r\n".as_bytes(), "x.csv").unwrap_err();
        assert!(e[0].message.starts_with("не найдена строка заголовков"), "{}", e[0]);
        let e = read(HEADER.as_bytes(), "x.csv").unwrap_err();
        assert!(e[0].message.contains("нет ни одной записи"), "{}", e[0]);
        let e = read(b"%PDF-1.7", "x.csv").unwrap_err();
        assert!(e[0].message.contains("PDF"), "{}", e[0]);
        let e = read("Материал;Материал\r\nа;б\r\n".as_bytes(), "x.csv").unwrap_err();
        assert!(e[0].message.contains("встречается дважды"), "{}", e[0]);
    }

    #[test]
    fn an_entry_is_what_the_matcher_reads() {
        let list = read(format!("{HEADER}Книга «Исповедь воина» (исключена);\r\n").as_bytes(), "f.csv").unwrap();
        let e = list.entries[0].to_list_entry();
        assert_eq!((e.number, e.excluded), (1, true));
    }
}
