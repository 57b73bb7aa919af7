//! Report workbooks in the shape education committees ask for: a merged title row and a
//! description row on top, a header row, the data, and an «ИТОГИ» row; leading columns that
//! identify the school (ИНН, name) may be hidden, as the regional forms have them.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// A decimal shown with `decimals` places (sums in thousands of rubles: 3).
    Num(f64, u8),
}

#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub title: String,
    pub description: String,
    pub headers: Vec<String>,
    /// How many leading columns are hidden.
    pub hidden: u16,
    pub rows: Vec<Vec<Value>>,
    /// The «ИТОГИ» row (its first visible cell is written «ИТОГИ» when empty); none when empty.
    pub totals: Vec<Value>,
}

/// Writes the sheets into one workbook.
pub fn write(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(13).set_align(FormatAlign::Center).set_text_wrap();
    let description = Format::new().set_italic().set_text_wrap().set_align(FormatAlign::Left);
    let header = Format::new().set_bold().set_text_wrap().set_border(FormatBorder::Thin).set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let int = Format::new().set_border(FormatBorder::Thin).set_num_format("# ##0");
    let total = Format::new().set_bold().set_border(FormatBorder::Thin);
    for s in sheets {
        let ws = book.add_worksheet();
        // Excel allows 31 characters and no []:*?/\ in a sheet name.
        let name: String = s.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        ws.set_name(&name)?;
        let last = s.headers.len().max(1) as u16 - 1;
        ws.merge_range(0, 0, 0, last, &s.title, &title)?;
        ws.set_row_height(0, 36)?;
        ws.merge_range(1, 0, 1, last, &s.description, &description)?;
        ws.set_row_height(1, 48)?;
        for (c, h) in s.headers.iter().enumerate() {
            ws.write_with_format(2, c as u16, h, &header)?;
            let width = h.chars().count().clamp(10, 40) as f64 * 0.9;
            ws.set_column_width(c as u16, width.max(12.0))?;
        }
        ws.set_row_height(2, 60)?;
        let put =
            |ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, v: &Value, bold: bool| -> Result<(), XlsxError> {
                let f = |base: &Format| if bold { total.clone() } else { base.clone() };
                match v {
                    Value::Text(t) => ws.write_with_format(r, c, t, &f(&cell)).map(|_| ()),
                    Value::Int(n) => {
                        ws.write_with_format(r, c, *n as f64, &f(&int).set_num_format("# ##0")).map(|_| ())
                    }
                    Value::Num(x, d) => {
                        let fmt =
                            if *d == 0 { "# ##0".to_string() } else { format!("# ##0.{}", "0".repeat(*d as usize)) };
                        ws.write_with_format(r, c, *x, &f(&int).set_num_format(&fmt)).map(|_| ())
                    }
                }
            };
        let mut r = 3u32;
        for row in &s.rows {
            for (c, v) in row.iter().enumerate() {
                put(ws, r, c as u16, v, false)?;
            }
            r += 1;
        }
        if !s.totals.is_empty() {
            for (c, v) in s.totals.iter().enumerate() {
                let v = match v {
                    Value::Text(t) if t.is_empty() && c == s.hidden as usize => Value::Text("ИТОГИ".into()),
                    other => other.clone(),
                };
                put(ws, r, c as u16, &v, true)?;
            }
        }
        for c in 0..s.hidden {
            ws.set_column_hidden(c)?;
        }
        ws.set_freeze_panes(3, 0)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn title_header_rows_and_totals_land_where_forms_have_them() {
        let s = Sheet {
            name: "Форма 3".into(),
            title: "Форма 3".into(),
            description: "1 комплект = 1 шт.".into(),
            headers: vec!["ИНН".into(), "ОО".into(), "Предмет".into(), "Класс".into(), "В наличии, шт.".into()],
            hidden: 2,
            rows: vec![vec![
                Value::Text("7701000001".into()),
                Value::Text("СОШ № 1".into()),
                Value::Text("Математика".into()),
                Value::Int(5),
                Value::Int(40),
            ]],
            totals: vec![
                Value::Text(String::new()),
                Value::Text(String::new()),
                Value::Text(String::new()),
                Value::Text(String::new()),
                Value::Int(40),
            ],
        };
        let bytes = write(&[s]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Форма 3").unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("Форма 3".into())));
        assert_eq!(range.get_value((2, 2)), Some(&Data::String("Предмет".into())));
        assert_eq!(range.get_value((3, 4)), Some(&Data::Float(40.0)));
        assert_eq!(range.get_value((4, 2)), Some(&Data::String("ИТОГИ".into())));
    }
}
