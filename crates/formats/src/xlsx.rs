//! Spreadsheet tables: read a sheet whose first row names the columns, write a list to XLSX.
//! Reading is calamine's, writing rust_xlsxwriter's; this module only maps headers to fields and
//! says in Russian where a file is wrong (sheet, row, column).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Cursor};

use calamine::{DataRef, Reader, Xlsx, XlsxError as ReadError};
use chrono::NaiveDate;
use quick_xml::events::Event;
pub use rust_xlsxwriter::XlsxError;
use rust_xlsxwriter::{Format, Workbook};
use zip::ZipArchive;

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

fn cell_text(d: &DataRef) -> Option<String> {
    Some(match d {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string().replace('.', ","),
        DataRef::Bool(b) => if *b { "да" } else { "нет" }.to_string(),
        DataRef::DateTime(dt) => dt.as_datetime().map(|d| d.date().format("%d.%m.%Y").to_string())?,
        DataRef::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_else(|| s.clone()),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) => return None,
    })
}

/// Whether a cell holds more than `max` characters of text (numbers, dates and booleans are short
/// by nature). A string has no more characters than bytes, so most cells are settled without counting.
fn longer_than(d: &DataRef, max: usize) -> bool {
    let s = match d {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.as_str(),
        DataRef::SharedString(s) => s,
        _ => return false,
    };
    s.len() > max && s.chars().count() > max
}

pub(crate) const MIB: u64 = 1024 * 1024;

/// Hard limits on one uploaded spreadsheet. Real import files are far below all of them; they exist
/// so that a broken or hostile file costs bounded memory and time instead of taking the server
/// down (a 1.7 KB file with one cell at XFD1048576 used to make the reader ask for 512 GiB).
/// Each limit is checked before the thing it limits is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The last row (as Excel numbers rows, header included) a filled cell may be in.
    pub max_rows: u32,
    /// The last column (A = 1) a filled cell may be in.
    pub max_columns: u32,
    /// Characters in any one cell.
    pub max_cell_chars: usize,
    /// Characters kept from the whole sheet: the recognised columns of all data rows.
    pub max_total_chars: usize,
    /// Declared uncompressed size of any one part of the XLSX (a ZIP entry such as
    /// xl/worksheets/sheet1.xml or xl/sharedStrings.xml).
    pub max_part_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Many times the largest list we import (all schools or librarians of a region):
            // 100 000 data rows under a header row.
            max_rows: 100_001,
            max_columns: 500,
            // Excel's own limit for a cell: anything longer was not made by Excel.
            max_cell_chars: 32_767,
            max_total_chars: 50_000_000,
            // 100 000 rows of a dozen filled cells are about 60 MB of sheet XML.
            max_part_bytes: 100 * MIB,
        }
    }
}

/// 1234567 → «1 234 567», as numbers are written in Russian text.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// A size as people read it. Rounded down, which stays true after «больше».
pub(crate) fn size_text(bytes: u64) -> String {
    if bytes >= MIB {
        format!("{} МБ", grouped(bytes / MIB))
    } else if bytes >= 1024 {
        format!("{} КБ", grouped(bytes / 1024))
    } else {
        format!("{bytes} байт")
    }
}

const NOT_XLSX: &str = "это не книга Excel в формате XLSX (файл повреждён или только назван .xlsx); сохраните таблицу как «Книга Excel (*.xlsx)»";
pub(crate) const HOSTILE: &str = "возможно, файл повреждён или создан, чтобы вывести систему из строя";

/// Looks into the ZIP container before calamine opens it. Opening already does the dangerous part:
/// calamine inflates sharedStrings.xml whole into memory and believes the counts written in it, so
/// this is the last point where a bomb can be refused for free.
///
/// The sizes declared in the central directory are a sound bound: the zip crate stops with an
/// error as soon as a part inflates past its declared size, so a part that understates its size
/// merely fails to open. For the same reason no compression-ratio check is needed: whatever the
/// ratio, no part calamine reads can inflate beyond `max_part_bytes`.
fn check_package(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| NOT_XLSX.to_string())?;
    let mut shared_strings = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|_| NOT_XLSX.to_string())?;
        let name = entry.name().map_err(|_| NOT_XLSX.to_string())?.into_owned();
        if entry.size() > limits.max_part_bytes {
            return Err(format!(
                "файл распаковывается в слишком большой объём (часть {name} — больше {}); {HOSTILE}",
                size_text(limits.max_part_bytes)
            ));
        }
        // calamine looks the table up case-insensitively in the workbook's folder, which the file
        // itself names; any entry that could be it gets checked.
        if name.replace('\\', "/").to_ascii_lowercase().ends_with("sharedstrings.xml") {
            shared_strings.push((i, name, entry.size()));
        }
    }
    for (i, name, size) in shared_strings {
        check_shared_strings_count(&mut zip, i, &name, size)?;
    }
    Ok(())
}

/// calamine reserves room for the number of strings the table's `<sst uniqueCount="…">` claims
/// before reading any of them, so a 1 KB file claiming 10¹² strings aborts the process. Every
/// string takes at least five bytes of XML (`<si/>`), which bounds an honest claim by the part's size.
fn check_shared_strings_count(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    name: &str,
    size: u64,
) -> Result<(), String> {
    // If the part does not open or parse, calamine fails on it the same way and the file is
    // refused as not an XLSX; there is nothing to check here then.
    let Ok(part) = zip.by_index(index) else { return Ok(()) };
    // The same parser and settings calamine uses, so both see the same first <sst> element.
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                let claimed = claimed_counts(e.attributes_raw(), "uniqueCount").max().unwrap_or(0);
                let possible = size / 5;
                if claimed > possible {
                    return Err(format!(
                        "в части {name} заявлено {} текстовых значений, а поместиться в ней может не больше {}; {HOSTILE}",
                        grouped(claimed),
                        grouped(possible)
                    ));
                }
                return Ok(());
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Every number given to `attr` in a raw attribute list, read the most generous way: any
/// occurrence of the name, digits up to the first non-digit, saturating. calamine's own reading
/// can only find fewer or smaller numbers, so bounding these bounds what calamine will reserve.
fn claimed_counts<'a>(raw: &'a str, attr: &'a str) -> impl Iterator<Item = u64> + 'a {
    raw.match_indices(attr).filter_map(move |(at, _)| {
        let rest = raw[at + attr.len()..].trim_start();
        let rest = rest.strip_prefix('=')?.trim_start();
        let rest = rest.strip_prefix(['"', '\''])?;
        Some(
            rest.bytes()
                .take_while(u8::is_ascii_digit)
                .fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))),
        )
    })
}

/// The header row mapped onto the columns the caller understands.
struct Header {
    /// Sheet column index → field key.
    keys: HashMap<u32, &'static str>,
    /// Field key → column as people see it: «C («ИНН»)».
    places: HashMap<&'static str, String>,
}

impl Header {
    /// «C («ИНН»)» for a recognised column.
    fn place(&self, column: u32) -> Option<String> {
        self.keys.get(&column).and_then(|k| self.places.get(k)).cloned()
    }
}

/// Headers are matched to columns case-insensitively by their beginning, so «ИНН организации»
/// fills «ИНН»; unknown columns are ignored. `cells` is the header row by column index. On error,
/// the column to blame (if one) and the message.
fn map_header(cells: &BTreeMap<u32, String>, columns: &[Column]) -> Result<Header, (Option<String>, String)> {
    let mut keys = HashMap::new();
    let mut places: HashMap<&'static str, String> = HashMap::new();
    for (&i, text) in cells {
        let h = norm(text);
        if h.is_empty() {
            continue;
        }
        if let Some(c) =
            columns.iter().find(|c| h.starts_with(&norm(c.header)) || norm(c.header).starts_with(&h) && h.len() >= 3)
        {
            let place = format!("{} («{}»)", column_letter(i), c.header);
            if places.contains_key(c.key) {
                return Err((Some(place), format!("столбец «{}» встречается дважды", c.header)));
            }
            places.insert(c.key, place);
            keys.insert(i, c.key);
        }
    }
    let missing: Vec<&str> =
        columns.iter().filter(|c| c.required && !places.contains_key(c.key)).map(|c| c.header).collect();
    if !missing.is_empty() {
        return Err((
            None,
            format!(
                "в строке заголовков нет обязательных столбцов: {}. Скачайте шаблон со страницы импорта и заполните его",
                missing.iter().map(|m| format!("«{m}»")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(Header { keys, places })
}

/// Ends a data row: keeps it if anything is in the recognised columns, with "" in the empty ones
/// (as the grid-based reader gave them, so callers may look at every key).
fn finish_row(number: u32, cells: &mut HashMap<&'static str, String>, header: &Header, rows: &mut Vec<Row>) {
    if cells.values().all(|v| v.is_empty()) {
        cells.clear();
        return;
    }
    let mut cells = std::mem::take(cells);
    for key in header.places.keys() {
        cells.entry(*key).or_default();
    }
    rows.push(Row { number, cells });
}

/// The file and sheet a streamed cell is in, for problems about it.
struct At<'a> {
    file: &'a str,
    sheet: &'a str,
}

impl At<'_> {
    fn problem(&self, row: Option<u32>, column: Option<String>, message: String) -> Problem {
        Problem { file: self.file.to_string(), sheet: Some(self.sheet.to_string()), row, column, message }
    }

    fn empty_sheet(&self) -> Problem {
        self.problem(None, None, "лист пустой: нет строки заголовков и данных".into())
    }

    fn too_much_text(&self, row: u32, limits: &Limits) -> Problem {
        self.problem(
            Some(row),
            None,
            format!(
                "в таблице больше {} знаков текста — для одного файла это слишком много; разделите файл на части",
                grouped(limits.max_total_chars as u64)
            ),
        )
    }
}

/// What the streaming reader hands the filled cells of the first sheet to.
trait Sink {
    /// Rows above the data (the header), so that the row limit is told in data rows.
    fn rows_above_data(&self) -> u32;
    /// The column as people see it in a message: «C («ИНН»)» once a header names it.
    fn place(&self, column: u32) -> String;
    /// A filled cell within the limits, rows in order; `r` and `c` 0-based as calamine gives them.
    fn cell(&mut self, at: &At, r: u32, c: u32, value: &DataRef) -> Result<(), Problem>;
}

/// Opens the first sheet of an XLSX file and streams its filled cells into `sink`, refusing a cell
/// beyond the limits before anything of it is kept. Returns the sheet's name.
///
/// The sheet is streamed cell by cell, so memory follows what the sink keeps, not where the cells
/// lie. calamine's `worksheet_range` must not be used here: it builds the whole rows × columns
/// grid, 512 GiB for a single cell at XFD1048576.
fn stream_first_sheet(bytes: &[u8], file: &str, limits: &Limits, sink: &mut impl Sink) -> Result<String, Problem> {
    let whole = |message: String| Problem { file: file.to_string(), sheet: None, row: None, column: None, message };
    if bytes.is_empty() {
        return Err(whole("файл пустой".into()));
    }
    check_package(bytes, limits).map_err(whole)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| whole(NOT_XLSX.into()))?;
    let sheet = book.sheet_names().first().cloned().ok_or_else(|| whole("в книге нет ни одного листа".into()))?;
    let at = At { file, sheet: &sheet };
    let unreadable = |e: ReadError| whole(format!("лист «{sheet}» не читается: {e}"));
    let mut cells = match book.worksheet_cells_reader(&sheet) {
        Ok(cells) => cells,
        // A chart sheet or the like: nothing to import, as worksheet_range would have said.
        Err(ReadError::NotAWorksheet(_)) => return Err(at.empty_sheet()),
        Err(e) => return Err(unreadable(e)),
    };

    let mut last_row = 0u32;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        let value = cell.get_value();
        // Cells that only carry formatting hold no data; worksheet_range skipped them too, and a
        // formatted but empty cell far away must not trip the limits below.
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let address = || format!("{}{}", column_letter(c), u64::from(r) + 1);
        // Where the cell is, before anything of it is kept: a filled cell far away usually means
        // someone typed where they should not have, and it is refused at once, not after reading on.
        if r >= limits.max_rows {
            let allowed = limits.max_rows - sink.rows_above_data();
            return Err(at.problem(
                None,
                None,
                format!(
                    "в файле больше {} строк — столько записей в одном файле не бывает; разделите файл или проверьте, нет ли на листе случайно заполненной ячейки далеко внизу (строка {}, ячейка {})",
                    grouped(allowed.into()),
                    u64::from(r) + 1,
                    address()
                ),
            ));
        }
        if c >= limits.max_columns {
            return Err(at.problem(
                None,
                None,
                format!(
                    "на листе больше {} столбцов — столько в таблице для импорта не бывает; проверьте, нет ли на листе случайно заполненной ячейки далеко справа (столбец {}, ячейка {})",
                    grouped(limits.max_columns.into()),
                    column_letter(c),
                    address()
                ),
            ));
        }
        // Grouping cells into rows as they stream needs rows in order, as Excel and other
        // programs save them; a file that is not could only be read by keeping all of it.
        if r < last_row {
            return Err(at.problem(
                Some(r + 1),
                None,
                format!(
                    "строки на листе записаны не по порядку (строка {} после строки {}); откройте файл в Excel и сохраните его заново",
                    r + 1,
                    last_row + 1
                ),
            ));
        }
        last_row = r;
        // The text is already decoded (calamine holds it); this stops it going any further.
        if longer_than(value, limits.max_cell_chars) {
            return Err(at.problem(
                Some(r + 1),
                Some(sink.place(c)),
                format!(
                    "в ячейке {} больше {} знаков — столько в одну ячейку таблицы не пишут; проверьте эту ячейку или сохраните файл в Excel заново",
                    address(),
                    grouped(limits.max_cell_chars as u64)
                ),
            ));
        }
        sink.cell(&at, r, c, value)?;
    }
    Ok(sheet.clone())
}

/// The header row and the data rows under it, mapped onto the caller's columns as they stream.
struct TableSink<'a> {
    columns: &'a [Column],
    limits: &'a Limits,
    // Rows and columns are 0-based here, as calamine gives them; people see row + 1.
    header_row: Option<u32>,
    header_cells: BTreeMap<u32, String>,
    /// Mapped when the first cell below the header row arrives, or at the end of the sheet.
    header: Option<Header>,
    /// The data row being collected and its recognised cells so far.
    row_at: u32,
    row_cells: HashMap<&'static str, String>,
    total_chars: usize,
    rows: Vec<Row>,
}

impl Sink for TableSink<'_> {
    fn rows_above_data(&self) -> u32 {
        self.header_row.map_or(0, |h| h + 1)
    }

    fn place(&self, column: u32) -> String {
        self.header.as_ref().and_then(|h| h.place(column)).unwrap_or_else(|| column_letter(column))
    }

    fn cell(&mut self, at: &At, r: u32, c: u32, value: &DataRef) -> Result<(), Problem> {
        let header_at = *self.header_row.get_or_insert(r);
        if r == header_at {
            self.header_cells.insert(c, cell_text(value).unwrap_or_default());
            return Ok(());
        }
        if self.header.is_none() {
            let mapped = map_header(&self.header_cells, self.columns)
                .map_err(|(column, message)| at.problem(Some(header_at + 1), column, message))?;
            self.header = Some(mapped);
        }
        let h = self.header.as_ref().expect("mapped just above");
        if r != self.row_at {
            finish_row(self.row_at + 1, &mut self.row_cells, h, &mut self.rows);
            self.row_at = r;
        }
        let Some(&key) = h.keys.get(&c) else { return Ok(()) };
        let text = cell_text(value).ok_or_else(|| {
            at.problem(Some(r + 1), h.place(c), "в ячейке ошибка формулы (#Н/Д, #ЗНАЧ! и т. п.)".into())
        })?;
        self.total_chars += text.chars().count();
        if self.total_chars > self.limits.max_total_chars {
            return Err(at.too_much_text(r + 1, self.limits));
        }
        self.row_cells.insert(key, text);
        Ok(())
    }
}

/// Reads the first sheet of an XLSX file within [`Limits::default`]; see [`read_table_limited`].
pub fn read_table(bytes: &[u8], file: &str, columns: &[Column]) -> Result<Table, Problem> {
    read_table_limited(bytes, file, columns, &Limits::default())
}

/// Reads the first sheet of an XLSX file. The header row is the first row with anything in it.
/// Headers are matched to columns case-insensitively by their beginning, so «ИНН организации»
/// fills «ИНН»; unknown columns are ignored; rows with nothing in the known columns are skipped.
/// Only the known columns are kept (see [`stream_first_sheet`] for why it streams).
pub fn read_table_limited(bytes: &[u8], file: &str, columns: &[Column], limits: &Limits) -> Result<Table, Problem> {
    let mut sink = TableSink {
        columns,
        limits,
        header_row: None,
        header_cells: BTreeMap::new(),
        header: None,
        row_at: 0,
        row_cells: HashMap::new(),
        total_chars: 0,
        rows: Vec::new(),
    };
    let sheet = stream_first_sheet(bytes, file, limits, &mut sink)?;
    let at = At { file, sheet: &sheet };
    let Some(header_at) = sink.header_row else { return Err(at.empty_sheet()) };
    let header = match sink.header {
        Some(h) => h,
        None => map_header(&sink.header_cells, columns)
            .map_err(|(column, message)| at.problem(Some(header_at + 1), column, message))?,
    };
    let mut rows = sink.rows;
    finish_row(sink.row_at + 1, &mut sink.row_cells, &header, &mut rows);
    if rows.is_empty() {
        return Err(at.problem(None, None, "в таблице нет ни одной строки данных под заголовками".into()));
    }
    Ok(Table { file: file.to_string(), sheet, rows, columns: header.places })
}

/// One row of a sheet or CSV file as it stands, for readers whose header is not the first row
/// or whose layout is not a plain table (the federal list of textbooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The row's number as Excel shows it (for CSV, as a spreadsheet opening the file would).
    pub number: u32,
    /// Cell texts by column index (A = 0), trimmed; empty cells are ""; none empty at the end.
    pub cells: Vec<String>,
}

impl RawRow {
    /// The cell in column `i` (0-based), "" when there is none.
    pub fn get(&self, i: usize) -> &str {
        self.cells.get(i).map_or("", String::as_str)
    }

    /// Keeps the row in `rows` if anything is in it, with the empty cells at its end dropped.
    pub(crate) fn finish(mut self, rows: &mut Vec<RawRow>) {
        while self.cells.last().is_some_and(String::is_empty) {
            self.cells.pop();
        }
        if !self.cells.is_empty() {
            rows.push(self);
        }
    }
}

/// Every filled row as it stands.
struct RawSink<'a> {
    limits: &'a Limits,
    current: Option<RawRow>,
    total_chars: usize,
    rows: Vec<RawRow>,
}

impl Sink for RawSink<'_> {
    fn rows_above_data(&self) -> u32 {
        0
    }

    fn place(&self, column: u32) -> String {
        column_letter(column)
    }

    fn cell(&mut self, at: &At, r: u32, c: u32, value: &DataRef) -> Result<(), Problem> {
        if self.current.as_ref().is_some_and(|row| row.number != r + 1) {
            self.current.take().expect("checked").finish(&mut self.rows);
        }
        let row = self.current.get_or_insert_with(|| RawRow { number: r + 1, cells: Vec::new() });
        // A formula error is kept as Excel shows it (#N/A), for the caller to judge the column.
        let text = match value {
            DataRef::Error(e) => e.to_string(),
            v => cell_text(v).unwrap_or_default(),
        };
        self.total_chars += text.chars().count();
        if self.total_chars > self.limits.max_total_chars {
            return Err(at.too_much_text(r + 1, self.limits));
        }
        // Within max_columns, checked before this cell was handed over.
        let c = c as usize;
        if row.cells.len() <= c {
            row.cells.resize(c + 1, String::new());
        }
        row.cells[c] = text;
        Ok(())
    }
}

/// Every row of the first sheet of an XLSX file that has anything in it, cells by column, with
/// the same streaming and limits as [`read_table_limited`] (all cells are kept, so
/// `max_total_chars` counts all of them). Formula errors come as Excel writes them (#N/A).
pub fn read_rows_limited(bytes: &[u8], file: &str, limits: &Limits) -> Result<Vec<RawRow>, Problem> {
    let mut sink = RawSink { limits, current: None, total_chars: 0, rows: Vec::new() };
    let sheet = stream_first_sheet(bytes, file, limits, &mut sink)?;
    if let Some(row) = sink.current.take() {
        row.finish(&mut sink.rows);
    }
    if sink.rows.is_empty() {
        return Err(At { file, sheet: &sheet }.empty_sheet());
    }
    Ok(sink.rows)
}

/// A cell of an exported list.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(Option<i64>),
    Float(Option<f64>),
    Date(Option<NaiveDate>),
}

impl Cell {
    /// Characters the value takes when shown, for the column's width.
    fn width(&self) -> usize {
        match self {
            Cell::Text(s) => s.chars().count(),
            Cell::Int(Some(i)) => i.to_string().len() + i.abs().to_string().len() / 3,
            Cell::Float(Some(f)) => f.to_string().len(),
            Cell::Date(Some(_)) => 10,
            _ => 0,
        }
    }
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
        // Sized to the longest value in the column (header words may wrap), within reason.
        let longest = rows.iter().filter_map(|r| r.get(c)).map(Cell::width).max().unwrap_or(0);
        let header = h.split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0);
        ws.set_column_width(c as u16, (longest.max(header) as f64 * 1.1 + 1.0).clamp(8.0, 60.0))?;
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

    // Hostile and broken files. Each is generated here; no fixtures are kept. The far-away cells
    // are written by rust_xlsxwriter, which keeps rows in a map, so making them costs nothing.

    use std::io::{Read, Write};
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    /// Sheet «Лист1» with the header «Наименование | ИНН», a row «Школа | 1» and the given text cells
    /// (0-based row, column, text).
    fn book_with(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet().set_name("Лист1").unwrap();
        ws.write_string(0, 0, "Наименование").unwrap();
        ws.write_string(0, 1, "ИНН").unwrap();
        ws.write_string(1, 0, "Школа").unwrap();
        ws.write_string(1, 1, "1").unwrap();
        for (r, c, text) in cells {
            ws.write_string(*r, *c, *text).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    /// The same package with part `name` rewritten by `write`, which gets the old text and the
    /// writer of the new part. The part is deflated as it is written, so even hundreds of MB cost
    /// the test little memory.
    fn replace_part(bytes: &[u8], name: &str, write: impl FnOnce(&str, &mut ZipWriter<Cursor<Vec<u8>>>)) -> Vec<u8> {
        let mut old = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut new = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        let mut write = Some(write);
        for i in 0..old.len() {
            let mut part = old.by_index(i).unwrap();
            if part.name().unwrap() == name {
                let mut text = String::new();
                part.read_to_string(&mut text).unwrap();
                new.start_file(name, options).unwrap();
                (write.take().unwrap())(&text, &mut new);
            } else {
                new.raw_copy_file(part).unwrap();
            }
        }
        assert!(write.is_none(), "no part {name}");
        new.finish().unwrap().into_inner()
    }

    /// A valid book whose shared string table ends with one string of `mb` MiB of «a». Nothing
    /// refers to it, so a reader that inflates the table whole still succeeds, after holding it all.
    fn with_huge_shared_string(mb: usize) -> Vec<u8> {
        replace_part(&book_with(&[]), "xl/sharedStrings.xml", |old, w| {
            let end = old.rfind("</sst>").unwrap();
            w.write_all(&old.as_bytes()[..end]).unwrap();
            w.write_all(b"<si><t>").unwrap();
            let chunk = vec![b'a'; 1 << 20];
            for _ in 0..mb {
                w.write_all(&chunk).unwrap();
            }
            w.write_all(b"</t></si></sst>").unwrap();
        })
    }

    const TWO: &[Column] = &[
        Column { key: "name", header: "Наименование", required: true },
        Column { key: "inn", header: "ИНН", required: false },
    ];

    #[test]
    fn a_cell_at_xfd1048576_is_refused_without_building_a_grid() {
        // The old reader asked for a 1 048 576 × 16 384 grid (512 GiB) here and aborted.
        let bytes = book_with(&[(1_048_575, 16_383, "x")]);
        assert!(bytes.len() < 10_000, "the hostile file is tiny: {} bytes", bytes.len());
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("Файл «x.xlsx», лист «Лист1»: в файле больше 100 000 строк"), "{text}");
        assert!(text.contains("строка 1048576, ячейка XFD1048576"), "{text}");
    }

    #[test]
    fn a_cell_at_zz300000_is_refused() {
        // The old reader built a 300 000 × 702 grid: 12 s and 6.4 GB, then succeeded.
        let e = read_table(&book_with(&[(299_999, 701, "x")]), "x.xlsx", TWO).unwrap_err();
        assert!(e.to_string().contains("больше 100 000 строк"), "{e}");
        assert!(e.to_string().contains("ZZ300000"), "{e}");
    }

    #[test]
    fn a_cell_beyond_the_column_limit_is_named() {
        let e = read_table(&book_with(&[(2, 600, "x")]), "x.xlsx", TWO).unwrap_err();
        let far = format!("столбец {}, ячейка {}3", column_letter(600), column_letter(600));
        assert!(e.to_string().contains("больше 500 столбцов"), "{e}");
        assert!(e.to_string().contains(&far), "{e}");
    }

    #[test]
    fn a_formatted_but_empty_cell_far_away_is_no_data() {
        // Excel users do format whole areas; such cells hold nothing and must not trip the limits.
        let mut book = Workbook::new();
        let ws = book.add_worksheet().set_name("Лист1").unwrap();
        ws.write_string(0, 0, "Наименование").unwrap();
        ws.write_string(1, 0, "Школа").unwrap();
        ws.write_blank(1_048_575, 16_383, &Format::new().set_bold()).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = read_table(&bytes, "x.xlsx", TWO).unwrap();
        assert_eq!(t.rows.len(), 1);
    }

    #[test]
    fn an_oversized_part_is_refused_before_it_is_inflated() {
        // 200 MiB of shared strings in a file of a few hundred KB. The old reader inflated it all
        // (1 GiB took 3.1 GB) and then succeeded.
        let bytes = with_huge_shared_string(200);
        assert!(bytes.len() < 2_000_000, "{} bytes", bytes.len());
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        assert_eq!(e.sheet, None);
        assert!(
            e.to_string().contains(
                "файл распаковывается в слишком большой объём (часть xl/sharedStrings.xml — больше 100 МБ); возможно, файл повреждён"
            ),
            "{e}"
        );
    }

    #[test]
    fn the_part_limit_follows_the_limits_given() {
        let bytes = with_huge_shared_string(2);
        let small = Limits { max_part_bytes: MIB, ..Limits::default() };
        let e = read_table_limited(&bytes, "x.xlsx", TWO, &small).unwrap_err();
        assert!(e.to_string().contains("больше 1 МБ"), "{e}");
        assert!(read_table(&bytes, "x.xlsx", TWO).is_ok(), "2 MiB is within the default");
    }

    #[test]
    fn a_part_that_understates_its_size_cannot_inflate_past_it() {
        // check_package trusts the declared sizes because the zip crate enforces them. Declare
        // 1 000 bytes for the 200 MiB part, in both headers, and the read fails early instead.
        let mut bytes = with_huge_shared_string(200);
        let name = b"xl/sharedStrings.xml";
        let mut patched = 0;
        for at in 0..bytes.len() - 46 {
            // Local file header and central directory record: where the name and the size are.
            let (name_at, size_at) = match &bytes[at..at + 4] {
                b"PK\x03\x04" => (at + 30, at + 22),
                b"PK\x01\x02" => (at + 46, at + 24),
                _ => continue,
            };
            if bytes.get(name_at..name_at + name.len()) == Some(&name[..]) {
                bytes[size_at..size_at + 4].copy_from_slice(&1000u32.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2);
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        assert!(e.to_string().contains("не книга Excel"), "{e}");
    }

    #[test]
    fn an_absurd_shared_string_count_is_refused() {
        // calamine reserves room for `uniqueCount` strings up front: 10¹² of them abort the
        // process from a file of a few KB, before any cell is read.
        let bytes = replace_part(&book_with(&[]), "xl/sharedStrings.xml", |old, w| {
            let at = old.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = at + old[at..].find('"').unwrap();
            w.write_all(format!("{}1000000000000{}", &old[..at], &old[end..]).as_bytes()).unwrap();
        });
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        assert!(e.to_string().contains("заявлено 1 000 000 000 000 текстовых значений"), "{e}");
        assert!(e.to_string().contains("xl/sharedStrings.xml"), "{e}");
    }

    #[test]
    fn an_overlong_cell_is_refused_and_named() {
        // Excel cannot hold 40 000 characters in a cell, so the file was made to be read.
        let bytes = replace_part(
            &book_with(&[(2, 0, "Лицей"), (2, 1, "ДЛИННО")]),
            "xl/sharedStrings.xml",
            |old, w| {
                w.write_all(old.replace("ДЛИННО", &"я".repeat(40_000)).as_bytes()).unwrap();
            },
        );
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        assert_eq!(e.row, Some(3));
        assert_eq!(e.column.as_deref(), Some("B («ИНН»)"));
        assert!(e.to_string().contains("в ячейке B3 больше 32 767 знаков"), "{e}");
    }

    #[test]
    fn the_cell_limit_follows_the_limits_given() {
        // «Наименование», the longest text before C3, has 12 characters.
        let small = Limits { max_cell_chars: 12, ..Limits::default() };
        let bytes = book_with(&[(2, 2, "Примечание к школе")]);
        let e = read_table_limited(&bytes, "x.xlsx", TWO, &small).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("C"), "an unrecognised column is named by its letter");
        assert!(e.to_string().contains("в ячейке C3 больше 12 знаков"), "{e}");
    }

    #[test]
    fn the_row_limit_follows_the_limits_given() {
        let cells: Vec<(u32, u16, String)> = (1..150).map(|r| (r, 0, format!("Школа {r}"))).collect();
        let cells: Vec<(u32, u16, &str)> = cells.iter().map(|(r, c, s)| (*r, *c, s.as_str())).collect();
        let bytes = book_with(&cells);
        let e = read_table_limited(&bytes, "x.xlsx", TWO, &Limits { max_rows: 100, ..Limits::default() }).unwrap_err();
        assert!(e.to_string().contains("в файле больше 99 строк"), "{e}"); // data rows under the header
        assert!(e.to_string().contains("строка 101, ячейка A101"), "{e}");
        let t = read_table_limited(&bytes, "x.xlsx", TWO, &Limits { max_rows: 150, ..Limits::default() }).unwrap();
        assert_eq!(t.rows.len(), 149);
        assert_eq!(t.rows[148].number, 150);
    }

    #[test]
    fn the_total_limit_counts_what_is_kept() {
        let bytes = book_with(&[(2, 0, "Гимназия"), (2, 5, "в неизвестном столбце много текста")]);
        // «Школа», «1», «Гимназия»: 14 characters kept; the unknown column is not kept.
        let fits = Limits { max_total_chars: 14, ..Limits::default() };
        assert_eq!(read_table_limited(&bytes, "x.xlsx", TWO, &fits).unwrap().rows.len(), 2);
        let tight = Limits { max_total_chars: 13, ..Limits::default() };
        let e = read_table_limited(&bytes, "x.xlsx", TWO, &tight).unwrap_err();
        assert_eq!(e.row, Some(3));
        assert!(e.to_string().contains("больше 13 знаков текста"), "{e}");
    }

    #[test]
    fn rows_out_of_order_are_refused() {
        let sheet = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Наименование</t></is></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><t>Лицей</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>Школа</t></is></c></row>
</sheetData></worksheet>"#;
        let bytes =
            replace_part(&book_with(&[]), "xl/worksheets/sheet1.xml", |_, w| w.write_all(sheet.as_bytes()).unwrap());
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        assert!(e.to_string().contains("строки на листе записаны не по порядку (строка 2 после строки 3)"), "{e}");
    }

    #[test]
    fn header_rows_and_numbers_are_as_excel_shows_them() {
        // A header that is not in row 1 or column A, an empty row, cells of a row out of column
        // order, and a row with something only in an unknown column.
        let sheet = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="3"><c r="C3" t="inlineStr"><is><t>ИНН</t></is></c><c r="B3" t="inlineStr"><is><t>Наименование</t></is></c></row>
<row r="4"><c r="C4"><v>7707083893</v></c><c r="B4" t="inlineStr"><is><t> Школа </t></is></c></row>
<row r="6"><c r="D6" t="inlineStr"><is><t>заметка</t></is></c></row>
<row r="7"><c r="B7" t="inlineStr"><is><t>Лицей</t></is></c></row>
</sheetData></worksheet>"#;
        let bytes =
            replace_part(&book_with(&[]), "xl/worksheets/sheet1.xml", |_, w| w.write_all(sheet.as_bytes()).unwrap());
        let t = read_table(&bytes, "x.xlsx", TWO).unwrap();
        assert_eq!(t.columns["name"], "B («Наименование»)");
        assert_eq!(t.columns["inn"], "C («ИНН»)");
        assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [4, 7]);
        assert_eq!(t.rows[0].get("name"), "Школа");
        assert_eq!(t.rows[0].get("inn"), "7707083893");
        assert_eq!(t.rows[1].cells.get("inn").map(String::as_str), Some(""), "every known column is there");
    }

    #[test]
    fn duplicate_headers_and_formula_errors_keep_their_messages() {
        let sheet = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Наименование</t></is></c><c r="B1" t="inlineStr"><is><t>ИНН</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>Школа</t></is></c><c r="B2" t="e"><v>#N/A</v></c></row>
</sheetData></worksheet>"#;
        let bytes =
            replace_part(&book_with(&[]), "xl/worksheets/sheet1.xml", |_, w| w.write_all(sheet.as_bytes()).unwrap());
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("B («ИНН»)")));
        assert!(e.message.contains("ошибка формулы"), "{e}");

        let bytes = write_table("Лист", &["Наименование", "ИНН", "Наименование школы"], &[], None).unwrap();
        let e = read_table(&bytes, "x.xlsx", TWO).unwrap_err();
        assert_eq!((e.row, e.column.as_deref()), (Some(1), Some("C («Наименование»)")));
        assert!(e.message.contains("встречается дважды"), "{e}");
    }
}
