//! A library catalog exported as a table (CSV or XLSX) rather than MARC: one record per row, the
//! columns of the id, the title and the author named by their header text, as the school chose
//! them last time, or found by their usual names («Заглавие», «Автор», «Инв. №»).

use crate::xlsx::{self, Limits, Problem, RawRow};

/// Header texts of the three columns; an empty one is found by its usual names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    pub id: String,
    pub title: String,
    pub author: String,
}

/// A row of the table as a catalog record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRecord {
    /// The row as a spreadsheet numbers it.
    pub row: u32,
    pub id: String,
    pub title: String,
    pub author: String,
}

#[derive(Debug, Clone)]
pub struct TableCatalog {
    pub records: Vec<TableRecord>,
    /// Rows left out (no title), each named by its row.
    pub skipped: Vec<Problem>,
    /// The columns as the header writes them ("" for a column the table has not).
    pub columns: Columns,
}

/// The most a catalog table may hold: a union catalog of a few schools.
pub const MAX_ROWS: u32 = 300_001;
/// Characters kept of a title or an author; longer text is cut (records, not essays).
pub const MAX_FIELD_CHARS: usize = 1000;

/// Whether a file is to be read as a table: by its name, or by being a ZIP (an XLSX book).
pub fn is_table(file_name: &str, head: &[u8]) -> bool {
    let lower = file_name.to_lowercase();
    [".csv", ".tsv", ".xlsx"].iter().any(|ext| lower.ends_with(ext)) || head.starts_with(b"PK\x03\x04")
}

fn key(s: &str) -> String {
    domain::text::normalize(s).replace(['.', ':', '№', '$'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The usual names of a column, as header words begin.
fn usual(which: &str, header: &str) -> bool {
    let h = key(header);
    let starts = |words: &[&str]| words.iter().any(|w| h == *w || h.starts_with(&format!("{w} ")) || h.starts_with(w));
    match which {
        "title" => starts(&["заглавие", "основное заглавие", "название", "наименование", "title", "200a", "245a"]),
        "author" => starts(&["автор", "авторы", "author", "700a", "100a"]),
        _ => starts(&["инв", "инвентарный", "шифр", "идентификатор", "id", "001", "№", "номер записи", "mfn"]),
    }
}

/// Reads the table: the first row holding the title column is the header. Every problem of the
/// file itself is an error (a missing column names the headers the file has); a row without a
/// title is left out and reported.
pub fn read_table(bytes: &[u8], file: &str, wanted: &Columns) -> Result<TableCatalog, Vec<Problem>> {
    let limits = Limits { max_rows: MAX_ROWS, ..Limits::default() };
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        xlsx::read_rows_limited(bytes, file, &limits)
    } else {
        crate::csv::read_rows_limited(bytes, file, &limits)
    }
    .map_err(|p| vec![p])?;
    let whole = |message: String| Problem { file: file.to_string(), sheet: None, row: None, column: None, message };
    let find = |row: &RawRow, which: &str, name: &str| -> Option<usize> {
        row.cells.iter().position(|c| if name.trim().is_empty() { usual(which, c) } else { key(c) == key(name) })
    };
    // The header is among the first rows (a title line or two may stand above it).
    let Some((at, title)) =
        rows.iter().take(10).enumerate().find_map(|(i, r)| find(r, "title", &wanted.title).map(|c| (i, c)))
    else {
        let first = rows.first().map(|r| r.cells.join(", ")).unwrap_or_default();
        let which = if wanted.title.trim().is_empty() {
            "столбец заглавия (ищется по заголовку «Заглавие», «Название» или «Title»)".to_string()
        } else {
            format!("столбец заглавия «{}»", wanted.title.trim())
        };
        return Err(vec![whole(format!(
            "не найден {which}; заголовки в первой строке: {first}. Укажите, какие столбцы что содержат"
        ))]);
    };
    let header = &rows[at];
    let mut problems = Vec::new();
    let mut optional = |which: &str, name: &str, label: &str| -> Option<usize> {
        let found = find(header, which, name);
        if found.is_none() && !name.trim().is_empty() {
            problems.push(Problem {
                file: file.to_string(),
                sheet: None,
                row: Some(header.number),
                column: None,
                message: format!("не найден столбец {label} «{}»; заголовки: {}", name.trim(), header.cells.join(", ")),
            });
        }
        found
    };
    let author = optional("author", &wanted.author, "автора");
    let id = optional("id", &wanted.id, "идентификатора записи");
    if !problems.is_empty() {
        return Err(problems);
    }
    let cut = |s: &str| domain::text::clean(s).chars().take(MAX_FIELD_CHARS).collect::<String>();
    let mut records = Vec::with_capacity(rows.len().saturating_sub(at + 1));
    let mut skipped = Vec::new();
    for r in &rows[at + 1..] {
        let t = cut(r.get(title));
        if t.is_empty() {
            skipped.push(Problem {
                file: file.to_string(),
                sheet: None,
                row: Some(r.number),
                column: Some(xlsx::column_letter(title as u32)),
                message: "нет заглавия — строка пропущена".into(),
            });
            continue;
        }
        records.push(TableRecord {
            row: r.number,
            id: id.map(|c| cut(r.get(c))).unwrap_or_default(),
            title: t,
            author: author.map(|c| cut(r.get(c))).unwrap_or_default(),
        });
    }
    if records.is_empty() {
        return Err(vec![whole("в таблице нет ни одной записи с заглавием".into())]);
    }
    let name = |c: Option<usize>| c.map(|c| header.get(c).to_string()).unwrap_or_default();
    let columns = Columns { id: name(id), title: header.get(title).to_string(), author: name(author) };
    Ok(TableCatalog { records, skipped, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_usual_columns_under_a_title_line() {
        let csv = "Каталог МБОУ СОШ № 1;;\nИнв. №;Автор;Заглавие\n101;Пушкин А. С.;Капитанская дочка\n102;;\n103;Гоголь Н. В.;Шинель\n";
        let t = read_table(csv.as_bytes(), "kat.csv", &Columns::default()).unwrap();
        assert_eq!(t.records.len(), 2);
        assert_eq!(t.records[0].id, "101");
        assert_eq!(t.records[1].title, "Шинель");
        assert_eq!(t.records[1].row, 5);
        assert_eq!(t.skipped.len(), 1);
        assert_eq!(t.skipped[0].row, Some(4));
        assert_eq!(t.columns, Columns { id: "Инв. №".into(), title: "Заглавие".into(), author: "Автор".into() });
    }

    #[test]
    fn a_named_column_missing_is_said_with_the_headers() {
        let csv = "Шифр;Книга;Кто написал\n1;Шинель;Гоголь\n";
        let err = read_table(csv.as_bytes(), "k.csv", &Columns::default()).unwrap_err();
        assert!(err[0].message.contains("не найден столбец заглавия"), "{}", err[0].message);
        assert!(err[0].message.contains("Книга, Кто написал"), "{}", err[0].message);
        let chosen =
            Columns { id: "Шифр".into(), title: "Книга".into(), author: "Автор книги".into() };
        let err = read_table(csv.as_bytes(), "k.csv", &chosen).unwrap_err();
        assert!(err[0].message.contains("столбец автора «Автор книги»"), "{}", err[0].message);
        let chosen = Columns { author: "кто  написал".into(), ..chosen };
        let t = read_table(csv.as_bytes(), "k.csv", &chosen).unwrap();
        assert_eq!((t.records[0].id.as_str(), t.records[0].author.as_str()), ("1", "Гоголь"));
    }

    #[test]
    fn not_a_table_is_refused() {
        assert!(read_table(b"%PDF-1.4 ...", "k.csv", &Columns::default()).is_err());
        assert!(read_table(b"", "k.csv", &Columns::default()).is_err());
    }
}
