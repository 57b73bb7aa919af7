//! CSV files as spreadsheets and old systems save them: UTF-8 with or without a BOM, UTF-16 from
//! Excel's «Текст Юникод», or Windows-1251; `;` (Russian Excel), `,` or tab between fields; quotes
//! doubled inside quoted fields; CRLF. Rows come as [`RawRow`]s numbered as a spreadsheet opening
//! the file would number them, so that messages point where people look.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1251};

use crate::xlsx::{Limits, Problem, RawRow};

const UNKNOWN_ENCODING: &str = "не удалось определить кодировку файла: это не UTF-8 и не Windows-1251; сохраните таблицу в Excel как «CSV UTF-8» или «CSV (разделители — точки с запятой)»";
const NOT_TEXT: &str = "это не таблица CSV: в файле двоичные данные, а не текст";

/// What the first bytes say the file really is, when it is a known kind of non-text.
fn known_binary(bytes: &[u8]) -> Option<&'static str> {
    let kinds: [(&[u8], &str); 5] = [
        (b"%PDF", "это документ PDF, а не таблица: сохраните таблицу из Excel как CSV или XLSX"),
        (b"PK\x03\x04", "это архив ZIP (или книга Excel .xlsx, названная .csv), а не таблица CSV"),
        (
            b"\xD0\xCF\x11\xE0",
            "это книга Excel 97–2003 (.xls) или документ Word, а не CSV: сохраните таблицу как «Книга Excel (*.xlsx)» или CSV",
        ),
        (b"{\\rtf", "это документ RTF, а не таблица CSV"),
        (b"\x1F\x8B", "это сжатый архив (gzip), а не таблица CSV"),
    ];
    kinds.iter().find(|(magic, _)| bytes.starts_with(magic)).map(|(_, message)| *message)
}

/// Decodes `bytes` as UTF-8 (a BOM is dropped), UTF-16 with a BOM, or else Windows-1251, and
/// refuses what is not text. The message says in Russian what is wrong.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if bytes.is_empty() {
        return Err("файл пустой".into());
    }
    if let Some(message) = known_binary(bytes) {
        return Err(message.into());
    }
    let utf16: Option<&'static Encoding> = if bytes.starts_with(b"\xFF\xFE") {
        Some(UTF_16LE)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(UTF_16BE)
    } else {
        None
    };
    let (text, single_byte) = if let Some(enc) = utf16 {
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(UNKNOWN_ENCODING.into());
        }
        (text.into_owned(), false)
    } else {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(body) {
            Ok(text) => (text.to_string(), false),
            Err(_) => {
                // Windows-1251 maps every byte but 0x98 to a character, so decoding alone does not
                // tell a wrong guess; plausible() below does.
                let (text, had_errors) = WINDOWS_1251.decode_without_bom_handling(body);
                if had_errors {
                    return Err(UNKNOWN_ENCODING.into());
                }
                (text.into_owned(), true)
            }
        }
    };
    let controls = text.chars().filter(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\u{C}')).count();
    if text.contains('\0') || controls * 100 > text.chars().count() {
        return Err(NOT_TEXT.into());
    }
    if single_byte && !plausible_cyrillic(&text) {
        return Err(UNKNOWN_ENCODING.into());
    }
    Ok(text)
}

/// Whether non-ASCII text decoded as Windows-1251 reads as Russian. DOS (866) or Mac text read as
/// 1251 turns into «ЂЃ‚ѓ„…Ў¤Ґ¦§©Є¬®» and the like, which Russian text has little of.
fn plausible_cyrillic(text: &str) -> bool {
    let mut other = 0usize;
    let mut russian = 0usize;
    for ch in text.chars().filter(|c| !c.is_ascii()) {
        match ch {
            'А'..='я' | 'Ё' | 'ё' | '«' | '»' | '—' | '–' | '№' | '\u{A0}' | '…' | '“' | '”' | '„' | '‘' | '’' => {
                russian += 1
            }
            _ => other += 1,
        }
    }
    // A handful of odd characters proves nothing either way.
    other < 20 || other * 5 < russian
}

/// The field separator: whichever of `;`, tab and `,` appears most often (outside quotes) in any
/// of the first records, `;` on a tie, as Russian Excel writes it. More than the first line is
/// looked at because a title line above the table may hold commas and nothing else.
pub fn detect_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 3] = [b';', b'\t', b','];
    let mut best = [0usize; 3];
    let mut counts = [0usize; 3];
    let mut quoted = false;
    let mut records = 0;
    for ch in text.chars().take(64 * 1024) {
        match ch {
            '"' => quoted = !quoted,
            '\n' if !quoted => {
                for i in 0..3 {
                    best[i] = best[i].max(counts[i]);
                }
                counts = [0; 3];
                records += 1;
                if records == 20 {
                    break;
                }
            }
            c if !quoted && c.is_ascii() => {
                if let Some(i) = CANDIDATES.iter().position(|&d| d == c as u8) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    for i in 0..3 {
        best[i] = best[i].max(counts[i]);
    }
    let mut pick = 0;
    for i in 1..3 {
        if best[i] > best[pick] {
            pick = i;
        }
    }
    CANDIDATES[pick]
}

/// Reads a CSV file within [`Limits::default`]; see [`read_rows_limited`].
pub fn read_rows(bytes: &[u8], file: &str) -> Result<Vec<RawRow>, Problem> {
    read_rows_limited(bytes, file, &Limits::default())
}

/// Every row of a CSV file that has anything in it, cells trimmed. The limits are those of a
/// spreadsheet: `max_part_bytes` bounds the file itself (checked before it is decoded),
/// `max_rows` the last row, `max_columns` the fields of a row, `max_cell_chars` one field and
/// `max_total_chars` all of them; each is checked before the row is copied out of the parser.
/// Rows are numbered as a spreadsheet shows them: a blank line is a row, a quoted line break is not.
pub fn read_rows_limited(bytes: &[u8], file: &str, limits: &Limits) -> Result<Vec<RawRow>, Problem> {
    read_rows_separated(bytes, file, limits, None)
}

/// [`read_rows_limited`] with the separator given (None: [`detect_delimiter`]), for a reader
/// that knows its header line better than the counting does: a list whose entries hold several
/// commas each and are quoted only when they hold a `;` would count as comma-separated.
pub fn read_rows_separated(
    bytes: &[u8],
    file: &str,
    limits: &Limits,
    delimiter: Option<u8>,
) -> Result<Vec<RawRow>, Problem> {
    let problem = |row: Option<u32>, column: Option<String>, message: String| Problem {
        file: file.to_string(),
        sheet: None,
        row,
        column,
        message,
    };
    if bytes.len() as u64 > limits.max_part_bytes {
        return Err(problem(
            None,
            None,
            format!(
                "файл больше {} — таких таблиц для импорта не бывает; разделите файл на части",
                crate::xlsx::size_text(limits.max_part_bytes)
            ),
        ));
    }
    let text = decode(bytes).map_err(|m| problem(None, None, m))?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.unwrap_or_else(|| detect_delimiter(&text)))
        .from_reader(text.as_bytes());
    let mut record = ::csv::StringRecord::new();
    let mut rows = Vec::new();
    let mut total_chars = 0usize;
    // The line the previous record ended on, and its row number as a spreadsheet shows it.
    let (mut last_line, mut last_row) = (0u64, 0u64);
    // Bytes of the text looked at so far, and the line breaks in them.
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // The text is valid UTF-8 and the reader flexible, so this is not expected.
            Err(e) => return Err(problem(Some(last_row as u32 + 1), None, format!("строка не читается: {e}"))),
        }
        // The reader skips blank lines, which a spreadsheet shows as empty rows. Its own line count
        // is past the terminator after LF but not after CRLF, so the lines are counted here: the
        // record ends on the line its terminator is on, and began as many lines earlier as it has
        // line breaks inside quotes.
        let mut at = (reader.position().byte() as usize).min(text.len());
        for t in [b'\n', b'\r'] {
            if at > counted_to && text.as_bytes()[at - 1] == t {
                at -= 1;
            }
        }
        newlines += text.as_bytes()[counted_to..at].iter().filter(|&&b| b == b'\n').count() as u64;
        counted_to = at;
        let end = newlines + 1;
        let breaks = record.iter().map(|f| f.matches('\n').count() as u64).sum::<u64>();
        let start = end.saturating_sub(breaks).max(last_line + 1);
        let number = last_row + (start - last_line);
        (last_line, last_row) = (end, number);
        if number > u64::from(limits.max_rows) {
            return Err(problem(
                None,
                None,
                format!(
                    "в файле больше {} строк — столько записей в одном файле не бывает; разделите файл на части",
                    crate::xlsx::grouped(limits.max_rows.into())
                ),
            ));
        }
        let number = number as u32;
        if record.len() > limits.max_columns as usize {
            return Err(problem(
                Some(number),
                None,
                format!(
                    "в строке больше {} столбцов — столько в таблице для импорта не бывает; проверьте разделители в этой строке",
                    crate::xlsx::grouped(limits.max_columns.into())
                ),
            ));
        }
        for (i, field) in record.iter().enumerate() {
            let chars = if field.len() > limits.max_cell_chars { field.chars().count() } else { field.len() };
            if chars > limits.max_cell_chars {
                return Err(problem(
                    Some(number),
                    Some((i + 1).to_string()),
                    format!(
                        "в ячейке больше {} знаков — столько в одну ячейку таблицы не пишут; проверьте кавычки в этой строке и выше",
                        crate::xlsx::grouped(limits.max_cell_chars as u64)
                    ),
                ));
            }
            total_chars += field.trim().chars().count();
        }
        if total_chars > limits.max_total_chars {
            return Err(problem(
                Some(number),
                None,
                format!(
                    "в таблице больше {} знаков текста — для одного файла это слишком много; разделите файл на части",
                    crate::xlsx::grouped(limits.max_total_chars as u64)
                ),
            ));
        }
        RawRow { number, cells: record.iter().map(|f| f.trim().to_string()).collect() }.finish(&mut rows);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp1251(s: &str) -> Vec<u8> {
        let (bytes, _, bad) = WINDOWS_1251.encode(s);
        assert!(!bad);
        bytes.into_owned()
    }

    fn cells(rows: &[RawRow]) -> Vec<(u32, Vec<&str>)> {
        rows.iter().map(|r| (r.number, r.cells.iter().map(String::as_str).collect())).collect()
    }

    #[test]
    fn utf8_with_and_without_bom_and_windows_1251_read_alike() {
        let text = "Название;Класс\r\n\"Русский язык: учебник; в 2 частях\";5\r\n";
        let want = vec![(1, vec!["Название", "Класс"]), (2, vec!["Русский язык: учебник; в 2 частях", "5"])];
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for bytes in [text.as_bytes().to_vec(), with_bom, cp1251(text)] {
            assert_eq!(cells(&read_rows(&bytes, "x.csv").unwrap()), want);
        }
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(cells(&read_rows(&le, "x.txt").unwrap()), want);
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(detect_delimiter("a;b;c\n1;2;3"), b';');
        assert_eq!(detect_delimiter("a,b,c\n1,2,3"), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3"), b'\t');
        assert_eq!(detect_delimiter("\"a,b\";c\n"), b';', "commas inside quotes do not count");
        assert_eq!(detect_delimiter("Перечень, утверждённый приказом\nа;б;в;г\n"), b';');
        assert_eq!(detect_delimiter("одна колонка\n"), b';');
        let rows = read_rows("Класс,Название\n5,\"Алгебра, 7 класс\"\n".as_bytes(), "x.csv").unwrap();
        assert_eq!(rows[1].cells, ["5", "Алгебра, 7 класс"]);
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let crlf = "a;b\r\n\r\n\"x\ny\";\"с \"\"кавычками\"\"\"\r\n\r\n;;\r\n last ; 1 \r\nкороткая";
        for text in [crlf.to_string(), crlf.replace("\r\n", "\n"), format!("{crlf}\r\n")] {
            assert_eq!(
                cells(&read_rows(text.as_bytes(), "x.csv").unwrap()),
                vec![
                    (1, vec!["a", "b"]),
                    (3, vec!["x\ny", "с \"кавычками\""]),
                    (6, vec!["last", "1"]),
                    (7, vec!["короткая"]),
                ],
                "{text:?}"
            );
        }
    }

    #[test]
    fn what_is_not_csv_is_told() {
        let e = read_rows(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", "list.csv").unwrap_err();
        assert!(e.to_string().starts_with("Файл «list.csv»: это документ PDF"), "{e}");
        assert!(read_rows(b"", "x.csv").unwrap_err().message.contains("пустой"));
        assert!(read_rows(b"\xD0\xCF\x11\xE0\xA1\xB1", "x.csv").unwrap_err().message.contains(".xls"));
        assert!(read_rows(b"PK\x03\x04", "x.csv").unwrap_err().message.contains("ZIP"));
        assert_eq!(read_rows(b"a;b\0c\n", "x.csv").unwrap_err().message, NOT_TEXT);
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00";
        assert_eq!(read_rows(png, "x.csv").unwrap_err().message, NOT_TEXT);
        // DOS (866) Russian: valid as 1251 byte by byte, but not Russian when read so.
        let russian = "Порядковый номер;Наименование учебника;Автор\r\n".repeat(3);
        let (dos, _, _) = encoding_rs::IBM866.encode(&russian);
        assert_eq!(read_rows(&dos, "x.csv").unwrap_err().message, UNKNOWN_ENCODING);
    }

    #[test]
    fn limits_are_checked() {
        let text = "a;b\n1;2\n3;4\n";
        let e = read_rows_limited(text.as_bytes(), "x.csv", &Limits { max_rows: 2, ..Limits::default() }).unwrap_err();
        assert!(e.message.contains("больше 2 строк"), "{e}");
        let e =
            read_rows_limited(text.as_bytes(), "x.csv", &Limits { max_columns: 1, ..Limits::default() }).unwrap_err();
        assert_eq!(e.row, Some(1));
        let e = read_rows_limited("a;ёёёё\n".as_bytes(), "x.csv", &Limits { max_cell_chars: 3, ..Limits::default() })
            .unwrap_err();
        assert_eq!((e.row, e.column.as_deref()), (Some(1), Some("2")));
        assert!(e.to_string().contains("строка 1, столбец 2: в ячейке больше 3 знаков"), "{e}");
        assert!(read_rows_limited("a;ёёё\n".as_bytes(), "x.csv", &Limits { max_cell_chars: 3, ..Limits::default() })
            .is_ok());
        let e = read_rows_limited(text.as_bytes(), "x.csv", &Limits { max_total_chars: 5, ..Limits::default() })
            .unwrap_err();
        assert_eq!(e.row, Some(3));
        let e = read_rows_limited(text.as_bytes(), "x.csv", &Limits { max_part_bytes: 4, ..Limits::default() })
            .unwrap_err();
        assert!(e.message.starts_with("файл больше 4 байт"), "{e}");
    }
}
