//! Spreadsheet tables: read a sheet whose first row names the columns, write a list to XLSX.
//! Reading is calamine's, writing rust_xlsxwriter's; this module only maps headers to fields and
//! says in Russian where a file is wrong (sheet, row, column).

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
pub use rust_xlsxwriter::XlsxError;
use rust_xlsxwriter::{Format, Workbook};

/// A column the importer understands: field key, the header people see, and whether it must be there.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub header: &'static str,
    pub required: bool,
}

/// Where in a file something is wrong, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Файл «{}»", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", лист «{s}»")?;
        }
        if let Some(r) = self.row {
            write!(f, ", строка {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", столбец {c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Problem {}

/// One data row: its number in the sheet (as Excel shows it) and the cells by field key.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: u32,
    pub cells: HashMap<&'static str, String>,
}

impl Row {
    pub fn get(&self, key: &str) -> String {
        self.cells.get(key).cloned().unwrap_or_default()
    }
}

#[derive(Debug)]
pub struct Table {
    pub file: String,
    pub sheet: String,
    pub rows: Vec<Row>,
    /// Field key → column as people see it: «C («ИНН»)».
    pub columns: HashMap<&'static str, String>,
}

impl Table {
    /// A problem located at a row and (if known) the column holding `key`.
    pub fn problem(&self, row: u32, key: Option<&str>, message: impl Into<String>) -> Problem {
        Problem {
            file: self.file.clone(),
            sheet: Some(self.sheet.clone()),
            row: Some(row),
            column: key.and_then(|k| self.columns.get(k).cloned()),
            message: message.into(),
        }
    }
}

/// Excel's column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(mut i: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace('ё', "е").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cell_text(d: &Data) -> Option<String> {
    Some(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string().replace('.', ","),
        Data::Bool(b) => if *b { "да" } else { "нет" }.to_string(),
        Data::DateTime(dt) => dt.as_datetime().map(|d| d.date().format("%d.%m.%Y").to_string())?,
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_else(|| s.clone()),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) => return None,
    })
}

/// Reads the first sheet of an XLSX file. Headers are matched to columns case-insensitively by
/// their beginning, so «ИНН организации» fills «ИНН»; unknown columns are ignored.
pub fn read_table(bytes: &[u8], file: &str, columns: &[Column]) -> Result<Table, Problem> {
    let whole = |message: String| Problem { file: file.to_string(), sheet: None, row: None, column: None, message };
    if bytes.is_empty() {
        return Err(whole("файл пустой".into()));
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| {
        whole("это не книга Excel в формате XLSX (файл повреждён или только назван .xlsx); сохраните таблицу как «Книга Excel (*.xlsx)»".into())
    })?;
    let sheet = book.sheet_names().first().cloned().ok_or_else(|| whole("в книге нет ни одного листа".into()))?;
    let range = book.worksheet_range(&sheet).map_err(|e| whole(format!("лист «{sheet}» не читается: {e}")))?;
    let at_sheet = |row: Option<u32>, column: Option<String>, message: String| Problem {
        file: file.to_string(),
        sheet: Some(sheet.clone()),
        row,
        column,
        message,
    };
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let header =
        rows.next().ok_or_else(|| at_sheet(None, None, "лист пустой: нет строки заголовков и данных".into()))?;

    let mut by_index: Vec<(usize, &'static str)> = Vec::new();
    let mut where_is: HashMap<&'static str, String> = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        let h = norm(&cell_text(cell).unwrap_or_default());
        if h.is_empty() {
            continue;
        }
        if let Some(c) =
            columns.iter().find(|c| h.starts_with(&norm(c.header)) || norm(c.header).starts_with(&h) && h.len() >= 3)
        {
            let place = format!("{} («{}»)", column_letter(col0 + i as u32), c.header);
            if where_is.contains_key(c.key) {
                return Err(at_sheet(
                    Some(row0 + 1),
                    Some(place),
                    format!("столбец «{}» встречается дважды", c.header),
                ));
            }
            where_is.insert(c.key, place);
            by_index.push((i, c.key));
        }
    }
    let missing: Vec<&str> =
        columns.iter().filter(|c| c.required && !where_is.contains_key(c.key)).map(|c| c.header).collect();
    if !missing.is_empty() {
        return Err(at_sheet(
            Some(row0 + 1),
            None,
            format!(
                "в строке заголовков нет обязательных столбцов: {}. Скачайте шаблон со страницы импорта и заполните его",
                missing.iter().map(|m| format!("«{m}»")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }

    let mut out = Vec::new();
    for (n, r) in rows.enumerate() {
        let number = row0 + 2 + n as u32;
        let mut cells = HashMap::new();
        for (i, key) in &by_index {
            let d = r.get(*i).unwrap_or(&Data::Empty);
            let text = cell_text(d).ok_or_else(|| {
                at_sheet(
                    Some(number),
                    where_is.get(key).cloned(),
                    "в ячейке ошибка формулы (#Н/Д, #ЗНАЧ! и т. п.)".into(),
                )
            })?;
            cells.insert(*key, text);
        }
        if cells.values().all(|v| v.is_empty()) {
            continue;
        }
        out.push(Row { number, cells });
    }
    if out.is_empty() {
        return Err(at_sheet(None, None, "в таблице нет ни одной строки данных под заголовками".into()));
    }
    Ok(Table { file: file.to_string(), sheet, rows: out, columns: where_is })
}

/// A cell of an exported list.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(Option<i64>),
    Float(Option<f64>),
    Date(Option<NaiveDate>),
}

/// One sheet with a bold, frozen header row; dates as ДД.ММ.ГГГГ. Extra sheets are (name, lines).
pub fn write_table(
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
    notes: Option<(&str, &[String])>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap().set_background_color("#E8EEF7");
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let ws = book.add_worksheet().set_name(sheet)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, (h.chars().count() as f64 * 1.1).clamp(10.0, 40.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) if !s.is_empty() => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Int(Some(i)) => {
                    ws.write_number(r, c, *i as f64)?;
                }
                Cell::Float(Some(f)) => {
                    ws.write_number(r, c, *f)?;
                }
                Cell::Date(Some(d)) => {
                    let xd = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        chrono::Datelike::year(d) as u16,
                        chrono::Datelike::month(d) as u8,
                        chrono::Datelike::day(d) as u8,
                    )?;
                    ws.write_datetime_with_format(r, c, &xd, &date)?;
                }
                _ => {}
            }
        }
    }
    if let Some((name, lines)) = notes {
        let ns = book.add_worksheet().set_name(name)?;
        ns.set_column_width(0, 110)?;
        for (i, l) in lines.iter().enumerate() {
            ns.write_string(i as u32, 0, l)?;
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column { key: "name", header: "Наименование", required: true },
        Column { key: "inn", header: "ИНН", required: false },
        Column { key: "date", header: "Дата", required: false },
    ];

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn round_trip_matches_headers_by_their_beginning() {
        let d = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        let bytes = write_table(
            "Лист",
            &["ИНН организации", "НАИМЕНОВАНИЕ", "Дата"],
            &[
                vec![Cell::Int(Some(7707083893)), Cell::Text("Школа".into()), Cell::Date(Some(d))],
                vec![Cell::Text(String::new()), Cell::Text(String::new()), Cell::Date(None)],
                vec![Cell::Text("1".into()), Cell::Text("Гимназия".into()), Cell::Date(None)],
            ],
            None,
        )
        .unwrap();
        let t = read_table(&bytes, "x.xlsx", COLS).unwrap();
        assert_eq!(t.rows.len(), 2, "the empty row is skipped");
        assert_eq!(t.rows[0].get("inn"), "7707083893");
        assert_eq!(t.rows[0].get("date"), "01.09.2025");
        assert_eq!(t.rows[1].number, 4);
        assert_eq!(t.columns["name"], "B («Наименование»)");
    }

    #[test]
    fn missing_required_column_is_named() {
        let bytes = write_table("Лист", &["ИНН"], &[vec![Cell::Text("1".into())]], None).unwrap();
        let e = read_table(&bytes, "x.xlsx", COLS).unwrap_err();
        assert!(e.to_string().contains("«Наименование»"), "{e}");
        assert!(e.to_string().contains("лист «Лист»"), "{e}");
    }

    #[test]
    fn not_an_xlsx_and_empty_files_are_told_apart() {
        let e = read_table(b"name;inn\n", "schools.xlsx", COLS).unwrap_err();
        assert!(e.to_string().contains("не книга Excel"), "{e}");
        let e = read_table(b"", "schools.xlsx", COLS).unwrap_err();
        assert!(e.to_string().contains("пустой"), "{e}");
        let bytes = write_table("Лист", &["Наименование"], &[], None).unwrap();
        let e = read_table(&bytes, "x.xlsx", COLS).unwrap_err();
        assert!(e.to_string().contains("нет ни одной строки"), "{e}");
    }
}
