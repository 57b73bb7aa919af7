//! Word documents. Printable ones (acts, reports, plans) are written through docx-rs from the small
//! model below, which the app fills; the ones users bring are read back as paragraphs and tables in
//! document order, streaming word/document.xml within limits, as the XLSX reader does.

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, Write};

use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, PageMargin, PageOrientationType, Paragraph, Run, RunFonts,
    TableBorder, TableBorderPosition, TableCell, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};
use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::xlsx::{grouped, size_text, Problem, HOSTILE, MIB};

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

const FONT: &str = "Times New Roman";
/// Font sizes in half-points, as Word stores them: 12 pt text, 11 pt in tables, 14 pt title.
const BODY_SIZE: usize = 24;
const TABLE_SIZE: usize = 22;
const TITLE_SIZE: usize = 28;
/// A4 in twentieths of a point (twips).
const A4_SHORT: u32 = 11_906;
const A4_LONG: u32 = 16_838;
/// 2 cm on every side; header and footer 1.25 cm from the edge.
const MARGIN: u32 = 1_134;
const HEADER_DISTANCE: i32 = 709;
/// The line people sign on in a signature block.
const SIGNATURE_LINE: &str = "_______________";
/// What docx-rs writes for a row that must not break across pages; header rows carry it (see
/// [`mark_header_rows`]).
const CANT_SPLIT: &str = "<w:cantSplit />";

/// A table of a printable document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// One or more header rows: bold, centred and repeated at the top of every page the table
    /// runs onto. In them, a cell whose text equals its left neighbour's is merged with it, and a
    /// cell whose text equals the one above it (over the same columns) is merged with that one:
    /// `["№", "Школа", "Фонд", "Фонд"]` over `["№", "Школа", "экз.", "руб."]` gives «№» and
    /// «Школа» two rows high and «Фонд» two columns wide. Empty cells are never merged.
    pub header: Vec<Vec<String>>,
    pub rows: Vec<Vec<String>>,
    /// Relative column widths; if there are not as many as columns (or all are 0), the columns
    /// are equal.
    pub widths: Vec<u32>,
    /// Columns aligned right (numbers, sums); missing entries are `false`.
    pub numeric: Vec<bool>,
    /// The last row is a total («Итого») and is bold.
    pub total_last: bool,
}

impl Table {
    fn columns(&self) -> usize {
        self.header.iter().chain(&self.rows).map(Vec::len).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
enum Part {
    Title(String),
    Heading(String),
    Paragraph(String),
    Table(Table),
    Signatures(Vec<(String, String)>),
}

/// A printable document: A4, margins 2 cm, Times New Roman 12 pt. Parts appear in the order added.
#[derive(Debug, Clone)]
pub struct Document {
    landscape: bool,
    parts: Vec<Part>,
}

impl Document {
    /// An empty A4 document; `landscape` for wide tables.
    pub fn new(landscape: bool) -> Self {
        Document { landscape, parts: Vec::new() }
    }

    /// The centred bold heading of the document.
    pub fn title(&mut self, text: &str) {
        self.parts.push(Part::Title(text.to_string()));
    }

    /// A bold section heading, kept on the page of what follows it.
    pub fn heading(&mut self, text: &str) {
        self.parts.push(Part::Heading(text.to_string()));
    }

    /// Plain text; '\n' breaks the line, '\t' is a tab.
    pub fn paragraph(&mut self, text: &str) {
        self.parts.push(Part::Paragraph(text.to_string()));
    }

    /// A table with borders; nothing is added for a table without any cells.
    pub fn table(&mut self, table: Table) {
        self.parts.push(Part::Table(table));
    }

    /// Signature lines of an act, one per (position, name): «Директор ________ И. И. Иванова».
    pub fn signatures(&mut self, lines: &[(String, String)]) {
        self.parts.push(Part::Signatures(lines.to_vec()));
    }

    /// The DOCX file.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Problem> {
        let (width, height) = if self.landscape { (A4_LONG, A4_SHORT) } else { (A4_SHORT, A4_LONG) };
        let text_width = width - 2 * MARGIN;
        let margin = MARGIN as i32;
        let fonts = RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT);
        let mut docx = Docx::new()
            .page_size(width, height)
            .page_orient(if self.landscape { PageOrientationType::Landscape } else { PageOrientationType::Portrait })
            .page_margin(
                PageMargin::new()
                    .top(margin)
                    .bottom(margin)
                    .left(margin)
                    .right(margin)
                    .header(HEADER_DISTANCE)
                    .footer(HEADER_DISTANCE),
            )
            .default_fonts(fonts)
            .default_size(BODY_SIZE);
        let mut header_rows = 0;
        for part in &self.parts {
            docx = match part {
                Part::Title(text) => docx.add_paragraph(
                    paragraph(text, TITLE_SIZE, true)
                        .align(AlignmentType::Center)
                        .keep_next(true)
                        .line_spacing(LineSpacing::new().after(240)),
                ),
                Part::Heading(text) => docx.add_paragraph(
                    paragraph(text, BODY_SIZE, true)
                        .keep_next(true)
                        .line_spacing(LineSpacing::new().before(240).after(120)),
                ),
                Part::Paragraph(text) => docx.add_paragraph(
                    paragraph(text, BODY_SIZE, false)
                        .align(AlignmentType::Both)
                        .line_spacing(LineSpacing::new().after(120)),
                ),
                Part::Table(table) if table.columns() > 0 => {
                    header_rows += table.header.len();
                    // An empty paragraph after every table: two tables in a row would run together.
                    docx.add_table(word_table(table, text_width)).add_paragraph(Paragraph::new())
                }
                Part::Table(_) => docx,
                Part::Signatures(lines) if !lines.is_empty() => {
                    docx.add_paragraph(Paragraph::new()).add_table(signature_table(lines, text_width))
                }
                Part::Signatures(_) => docx,
            };
        }
        let mut xml = docx.build();
        xml.document = mark_header_rows(std::mem::take(&mut xml.document), header_rows);
        let mut stored = Cursor::new(Vec::new());
        let title = self.parts.iter().find_map(|p| match p {
            Part::Title(t) => Some(t.as_str()),
            _ => None,
        });
        xml.pack(&mut stored)
            .map_err(|e| e.to_string())
            .and_then(|()| repack(stored.get_ref(), &core_properties(title)).map_err(|e| e.to_string()))
            .map_err(|e| Problem {
                file: format!("{}.docx", title.unwrap_or("документ")),
                sheet: None,
                row: None,
                column: None,
                message: format!("не удалось собрать документ Word: {e}"),
            })
    }
}

/// docProps/core.xml: docx-rs writes «unknown» as the author and 1970 as the dates, and has no
/// setting for either.
fn core_properties(title: Option<&str>) -> String {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let title = title.map(|t| format!("<dc:title>{}</dc:title>", escape(clean(t)))).unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{title}<dc:creator>Библиосеть</dc:creator><cp:lastModifiedBy>Библиосеть</cp:lastModifiedBy><dc:language>ru-RU</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>"#
    )
}

/// docx-rs stores the package uncompressed (a long report would be several times its size);
/// this deflates every part and puts in the package's own properties.
fn repack(stored: &[u8], core: &str) -> zip::result::ZipResult<Vec<u8>> {
    let mut old = ZipArchive::new(Cursor::new(stored))?;
    let mut new = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for i in 0..old.len() {
        let mut part = old.by_index(i)?;
        if part.is_dir() {
            continue;
        }
        let name = part.name()?.into_owned();
        new.start_file(name.as_str(), options)?;
        if name == "docProps/core.xml" {
            new.write_all(core.as_bytes())?;
        } else {
            std::io::copy(&mut part, &mut new)?;
        }
    }
    Ok(new.finish()?.into_inner())
}

/// Text as Word may hold it: line ends as '\n', no control characters (they make the XML invalid
/// and Word refuses the whole file).
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|&c| c == '\n' || c == '\t' || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}'))
        .collect()
}

/// One run of text: '\n' becomes a line break, '\t' a tab.
fn run(text: &str, size: usize, bold: bool) -> Run {
    let mut run = Run::new().size(size);
    if bold {
        run = run.bold();
    }
    for (i, line) in clean(text).split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                run = run.add_tab();
            }
            if !piece.is_empty() {
                run = run.add_text(piece);
            }
        }
    }
    run
}

fn paragraph(text: &str, size: usize, bold: bool) -> Paragraph {
    Paragraph::new().add_run(run(text, size, bold))
}

fn cell_paragraph(text: &str, align: AlignmentType, bold: bool) -> Paragraph {
    paragraph(text, TABLE_SIZE, bold).align(align).line_spacing(LineSpacing::new().before(0).after(0))
}

/// Column widths in twips filling `total`, in proportion to `relative` when it fits the columns.
fn column_widths(relative: &[u32], columns: usize, total: u32) -> Vec<u32> {
    let sum: u64 = relative.iter().map(|&w| u64::from(w)).sum();
    let shares: Vec<u64> = if relative.len() == columns && sum > 0 {
        relative.iter().map(|&w| u64::from(w)).collect()
    } else {
        vec![1; columns]
    };
    let sum: u64 = shares.iter().sum();
    let mut widths: Vec<u32> = shares.iter().map(|&s| (s * u64::from(total) / sum) as u32).collect();
    // Rounding leaves a few twips; the last column takes them.
    let used: u32 = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += total - used;
    }
    widths
}

/// A header cell: the columns it spans and its text.
#[derive(Debug, Clone, PartialEq)]
struct Span {
    start: usize,
    len: usize,
    text: String,
}

/// Header rows cut into cells by the merging rule of [`Table::header`], with each cell's
/// vertical merge: None, Restart (the top of a tall cell) or Continue (a cell under it).
fn header_layout(header: &[Vec<String>], columns: usize) -> Vec<Vec<(Span, Option<VMergeType>)>> {
    let text = |row: &Vec<String>, c: usize| row.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
    let rows: Vec<Vec<Span>> = header
        .iter()
        .map(|row| {
            let mut spans: Vec<Span> = Vec::new();
            for c in 0..columns {
                let t = text(row, c);
                match spans.last_mut() {
                    Some(last) if !t.is_empty() && last.text == t => last.len += 1,
                    _ => spans.push(Span { start: c, len: 1, text: t }),
                }
            }
            spans
        })
        .collect();
    let continues = |r: usize, span: &Span| r > 0 && !span.text.is_empty() && rows[r - 1].contains(span);
    rows.iter()
        .enumerate()
        .map(|(r, spans)| {
            spans
                .iter()
                .map(|span| {
                    let merge = if continues(r, span) {
                        Some(VMergeType::Continue)
                    } else if rows.get(r + 1).is_some_and(|below| below.contains(span) && continues(r + 1, span)) {
                        Some(VMergeType::Restart)
                    } else {
                        None
                    };
                    (span.clone(), merge)
                })
                .collect()
        })
        .collect()
}

fn word_table(table: &Table, text_width: u32) -> docx_rs::Table {
    let columns = table.columns();
    let widths = column_widths(&table.widths, columns, text_width);
    let mut rows = Vec::with_capacity(table.header.len() + table.rows.len());
    for spans in header_layout(&table.header, columns) {
        let cells = spans
            .into_iter()
            .map(|(span, merge)| {
                let width: u32 = widths[span.start..span.start + span.len].iter().sum();
                let text = if matches!(merge, Some(VMergeType::Continue)) { "" } else { span.text.as_str() };
                let mut cell = TableCell::new()
                    .add_paragraph(cell_paragraph(text, AlignmentType::Center, true))
                    .width(width as usize, WidthType::Dxa)
                    .vertical_align(VAlignType::Center);
                if span.len > 1 {
                    cell = cell.grid_span(span.len);
                }
                if let Some(merge) = merge {
                    cell = cell.vertical_merge(merge);
                }
                cell
            })
            .collect();
        // The marker mark_header_rows turns into a repeated header row.
        rows.push(TableRow::new(cells).cant_split());
    }
    for (r, row) in table.rows.iter().enumerate() {
        let bold = table.total_last && r + 1 == table.rows.len();
        let cells = (0..columns)
            .map(|c| {
                let align = if table.numeric.get(c).copied().unwrap_or(false) {
                    AlignmentType::Right
                } else {
                    AlignmentType::Left
                };
                let text = row.get(c).map(String::as_str).unwrap_or("");
                TableCell::new()
                    .add_paragraph(cell_paragraph(text, align, bold))
                    .width(widths[c] as usize, WidthType::Dxa)
            })
            .collect();
        rows.push(TableRow::new(cells));
    }
    let mut word = docx_rs::Table::new(rows)
        .set_grid(widths.iter().map(|&w| w as usize).collect())
        .width(text_width as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed);
    for position in [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ] {
        // Half a point: visible on paper, unlike docx-rs's default quarter point.
        word = word.set_border(TableBorder::new(position).size(4));
    }
    word
}

/// «Должность ____ ФИО» lines as a table without borders, so the columns line up.
fn signature_table(lines: &[(String, String)], text_width: u32) -> docx_rs::Table {
    let widths = column_widths(&[45, 25, 30], 3, text_width);
    let spaced = |text: &str, align: AlignmentType| {
        paragraph(text, BODY_SIZE, false).align(align).line_spacing(LineSpacing::new().before(240).after(0))
    };
    let rows = lines
        .iter()
        .map(|(position, name)| {
            TableRow::new(vec![
                TableCell::new()
                    .add_paragraph(spaced(position, AlignmentType::Left))
                    .width(widths[0] as usize, WidthType::Dxa),
                TableCell::new()
                    .add_paragraph(spaced(SIGNATURE_LINE, AlignmentType::Center))
                    .width(widths[1] as usize, WidthType::Dxa),
                TableCell::new()
                    .add_paragraph(spaced(name, AlignmentType::Left))
                    .width(widths[2] as usize, WidthType::Dxa),
            ])
        })
        .collect();
    docx_rs::Table::without_borders(rows)
        .set_grid(widths.iter().map(|&w| w as usize).collect())
        .width(text_width as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// docx-rs has no setting for `<w:tblHeader/>` (repeat the row on every page), so header rows are
/// written with `<w:cantSplit />`, which no other row gets, and the mark is added beside it here.
/// Text cannot contain the marker: docx-rs escapes '<'. Should a docx-rs upgrade write the marker
/// differently, the document stays as it is (headers just do not repeat); a test watches for that.
fn mark_header_rows(document: Vec<u8>, expected: usize) -> Vec<u8> {
    if expected == 0 {
        return document;
    }
    match String::from_utf8(document) {
        Ok(xml) if xml.matches(CANT_SPLIT).count() == expected => {
            xml.replace(CANT_SPLIT, "<w:cantSplit /><w:tblHeader />").into_bytes()
        }
        Ok(xml) => xml.into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// A piece of a Word document's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph's text, trimmed; line breaks as '\n', tabs as '\t'. Empty paragraphs are left out.
    Paragraph(String),
    /// Rows of cells. A cell's paragraphs are joined by '\n'; a cell spanning several columns is
    /// one entry; a cell under a vertically merged one repeats its text; a table inside a cell
    /// becomes lines of that cell's text, its cells separated by '\t'.
    Table(Vec<Vec<String>>),
}

/// The body of a Word document: paragraphs and tables in document order. Headers, footers,
/// footnotes and comments are not part of it; tracked changes are read as if accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    pub blocks: Vec<Block>,
}

impl Body {
    /// The tables, in document order.
    pub fn tables(&self) -> impl Iterator<Item = &Vec<Vec<String>>> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(rows) => Some(rows),
            Block::Paragraph(_) => None,
        })
    }
}

/// Hard limits on one uploaded Word file, checked before the thing they limit is allocated.
/// Real documents (a year's plan is a few hundred KB of XML) are far below all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Declared uncompressed size of word/document.xml.
    pub max_part_bytes: u64,
    /// Characters of text kept from the whole document (a merged cell's repeated text counts
    /// each time).
    pub max_total_chars: usize,
    /// Table cells kept, nested tables included.
    pub max_cells: usize,
    /// Tables and text boxes inside one another.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_part_bytes: 50 * MIB, max_total_chars: 10_000_000, max_cells: 1_000_000, max_depth: 32 }
    }
}

const SAVE_AS_DOCX: &str = "откройте его в Word и сохраните как «Документ Word (*.docx)»";

/// Why the file is not a DOCX, when its kind can be told.
fn not_docx(kind: Option<&str>) -> String {
    match kind {
        Some(kind) => format!("это не документ Word в формате DOCX, а {kind}; {SAVE_AS_DOCX}"),
        None => format!("это не документ Word в формате DOCX (файл повреждён или только назван .docx); {SAVE_AS_DOCX}"),
    }
}

/// Kinds of files people bring instead of a DOCX, told by their first bytes.
fn kind_by_signature(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF") {
        Some("файл PDF")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // The old binary format; Word also keeps password-protected DOCX files in this container.
        Some("документ старого формата .doc или файл, защищённый паролем (пароль нужно снять)")
    } else if bytes.starts_with(b"{\\rtf") {
        Some("документ RTF")
    } else {
        None
    }
}

/// Kinds of ZIP packages that are not Word documents.
fn kind_by_parts<R: Read + Seek>(zip: &ZipArchive<R>) -> Option<&'static str> {
    if zip.index_for_name("xl/workbook.xml").is_some() {
        Some("книга Excel")
    } else if zip.index_for_name("ppt/presentation.xml").is_some() {
        Some("презентация PowerPoint")
    } else if zip.index_for_name("content.xml").is_some() && zip.index_for_name("mimetype").is_some() {
        Some("документ OpenDocument (.odt)")
    } else {
        None
    }
}

/// Reads the body of a Word (DOCX) file within [`Limits::default`]; see [`read_limited`].
pub fn read(bytes: &[u8], file: &str) -> Result<Body, Problem> {
    read_limited(bytes, file, &Limits::default())
}

/// Reads the body of a Word (DOCX) file: paragraphs and tables in document order. The main part
/// (word/document.xml) is streamed; its declared size is checked before it is inflated, and the
/// zip crate stops any part that inflates past what it declared (see `xlsx::check_package`).
pub fn read_limited(bytes: &[u8], file: &str, limits: &Limits) -> Result<Body, Problem> {
    let whole = |message: String| Problem { file: file.to_string(), sheet: None, row: None, column: None, message };
    if bytes.is_empty() {
        return Err(whole("файл пустой".into()));
    }
    if let Some(kind) = kind_by_signature(bytes) {
        return Err(whole(not_docx(Some(kind))));
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| whole(not_docx(None)))?;
    if let Some(kind) = kind_by_parts(&zip) {
        return Err(whole(not_docx(Some(kind))));
    }
    let name = main_part(&mut zip);
    if zip.index_for_name(&name).is_none() {
        return Err(whole(not_docx(None)));
    }
    let part = zip.by_name(&name).map_err(|_| whole(not_docx(None)))?;
    if part.size() > limits.max_part_bytes {
        return Err(whole(format!(
            "файл распаковывается в слишком большой объём (часть {name} — больше {}); {HOSTILE}",
            size_text(limits.max_part_bytes)
        )));
    }
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    xml.config_mut().trim_text(false);
    let mut walker = Walker::new(limits);
    walker.walk(&mut xml).map_err(|e| {
        whole(match e {
            Stop::Limit(message) => message,
            Stop::NotWord => not_docx(None),
            Stop::Broken(detail) => {
                format!("документ повреждён: часть {name} не читается ({detail}); {SAVE_AS_DOCX} заново")
            }
        })
    })?;
    Ok(Body { blocks: walker.blocks })
}

/// The main document part as the package's relationships name it; word/document.xml when they
/// do not (or cannot be read).
fn main_part<R: Read + Seek>(zip: &mut ZipArchive<R>) -> String {
    const DEFAULT: &str = "word/document.xml";
    let Ok(rels) = zip.by_name("_rels/.rels") else { return DEFAULT.into() };
    if rels.size() > MIB {
        return DEFAULT.into();
    }
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(rels));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let kind = attribute(&e, "Type").unwrap_or_default();
                // Transitional and Strict OOXML name the type differently; both end so.
                if kind.ends_with("/officeDocument") {
                    if let Some(target) = attribute(&e, "Target") {
                        return target.trim_start_matches('/').to_string();
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return DEFAULT.into(),
            Ok(_) => {}
        }
    }
}

/// An attribute's value by its local name (`w:val` → "val").
fn attribute(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find(|a| a.key.local_name().as_ref() == local).map(|a| {
        a.normalized_value(XmlVersion::Implicit1_0).map(Cow::into_owned).unwrap_or_else(|_| a.value.into_owned())
    })
}

/// A number attribute such as `w:gridSpan w:val="3"`; 1 when missing or unreadable.
fn count(e: &BytesStart) -> u32 {
    attribute(e, "val").and_then(|v| v.trim().parse().ok()).unwrap_or(1)
}

/// Why reading stopped.
enum Stop {
    /// A limit was reached: the whole message.
    Limit(String),
    /// The XML is broken: what the parser said.
    Broken(String),
    /// The main part is XML, but not a Word document.
    NotWord,
}

#[derive(Debug, Default)]
struct CellBuild {
    /// The grid column the cell starts at.
    start: u32,
    span: u32,
    paragraphs: Vec<String>,
    /// `Some(true)`: the top of a vertically merged cell; `Some(false)`: a cell under one.
    vmerge: Option<bool>,
    /// A legacy `<w:hMerge/>` continuation: part of the cell to its left.
    hmerge_continue: bool,
}

#[derive(Debug, Default)]
struct RowBuild {
    /// Grid start column and text of each cell so far.
    cells: Vec<(u32, String)>,
    /// The grid column the next cell starts at.
    column: u32,
    cell: Option<CellBuild>,
}

#[derive(Debug, Default)]
struct TableBuild {
    rows: Vec<Vec<String>>,
    /// The last row's cells by grid start column, for vertically merged cells below them.
    above: Vec<(u32, String)>,
    row: Option<RowBuild>,
}

/// What text is being collected into: the innermost open paragraph or table.
#[derive(Debug)]
enum Frame {
    Paragraph(String),
    Table(TableBuild),
}

/// The stream of word/document.xml turned into blocks. Paragraphs and tables nest (a table in a
/// cell, a text box in a paragraph); each open one is a frame, and a finished one is handed to
/// the frame under it, or becomes a block at the top.
struct Walker<'l> {
    limits: &'l Limits,
    frames: Vec<Frame>,
    blocks: Vec<Block>,
    chars: usize,
    cells: usize,
    /// Open `<w:r>` elements: tabs and breaks count only inside runs.
    runs: usize,
    /// Inside `<w:t>`: only its text is document text.
    in_text: bool,
    /// The root element was seen and is `<w:document>`.
    rooted: bool,
}

impl<'l> Walker<'l> {
    fn new(limits: &'l Limits) -> Self {
        Walker {
            limits,
            frames: Vec::new(),
            blocks: Vec::new(),
            chars: 0,
            cells: 0,
            runs: 0,
            in_text: false,
            rooted: false,
        }
    }

    fn walk<R: BufRead>(&mut self, xml: &mut quick_xml::Reader<R>) -> Result<(), Stop> {
        let mut buf = Vec::new();
        let mut skipped = Vec::new();
        loop {
            buf.clear();
            let event = xml.read_event_into(&mut buf).map_err(|e| Stop::Broken(e.to_string()))?;
            if !self.rooted {
                match &event {
                    Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() != "document" => {
                        return Err(Stop::NotWord)
                    }
                    Event::Start(_) | Event::Empty(_) => self.rooted = true,
                    Event::Eof => return Err(Stop::NotWord),
                    _ => {}
                }
            }
            match event {
                Event::Start(e) => match e.local_name().as_ref() {
                    // No document text inside: formatting, deleted or moved-away text (tracked
                    // changes read as accepted), and the old-format copy of a drawing whose
                    // modern form (a text box's text) is read from mc:Choice.
                    "pPr" | "rPr" | "del" | "moveFrom" | "Fallback" | "instrText" | "delText" => {
                        skipped.clear();
                        xml.read_to_end_into(e.name(), &mut skipped).map_err(|e| Stop::Broken(e.to_string()))?;
                    }
                    "p" => self.open(Frame::Paragraph(String::new()))?,
                    "tbl" => self.open(Frame::Table(TableBuild::default()))?,
                    "tr" => self.start_row(),
                    "tc" => self.start_cell(),
                    "r" => self.runs += 1,
                    "t" => self.in_text = true,
                    _ => self.element(&e)?,
                },
                Event::Empty(e) => match e.local_name().as_ref() {
                    "p" => {
                        self.open(Frame::Paragraph(String::new()))?;
                        self.close()?;
                    }
                    "tc" => {
                        self.start_cell();
                        self.end_cell()?;
                    }
                    _ => self.element(&e)?,
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "p" | "tbl" => self.close()?,
                    "tr" => self.end_row()?,
                    "tc" => self.end_cell()?,
                    "r" => self.runs = self.runs.saturating_sub(1),
                    "t" => self.in_text = false,
                    _ => {}
                },
                Event::Text(t) if self.in_text => self.text(&t.xml10_content())?,
                Event::CData(t) if self.in_text => self.text(&t.xml10_content())?,
                Event::GeneralRef(r) if self.in_text => {
                    let name = r.xml10_content();
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string),
                        Err(_) => None,
                    };
                    if let Some(s) = resolved {
                        self.text(&s)?;
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        // A well-formed document has closed everything; close what a cut-off one left open.
        while !self.frames.is_empty() {
            self.close()?;
        }
        Ok(())
    }

    /// Elements that are neither containers nor text: breaks, tabs, merge marks.
    fn element(&mut self, e: &BytesStart) -> Result<(), Stop> {
        match e.local_name().as_ref() {
            "tab" | "ptab" if self.runs > 0 => self.text("\t"),
            "br" | "cr" if self.runs > 0 => self.text("\n"),
            "noBreakHyphen" if self.runs > 0 => self.text("-"),
            "gridBefore" => {
                if let Some(row) = self.row() {
                    if row.cell.is_none() {
                        row.column = row.column.saturating_add(count(e));
                    }
                }
                Ok(())
            }
            "gridSpan" => {
                if let Some(cell) = self.cell() {
                    cell.span = count(e).max(1);
                }
                Ok(())
            }
            "vMerge" => {
                let restart = attribute(e, "val").is_some_and(|v| v == "restart");
                if let Some(cell) = self.cell() {
                    cell.vmerge = Some(restart);
                }
                Ok(())
            }
            "hMerge" => {
                let restart = attribute(e, "val").is_some_and(|v| v == "restart");
                if let Some(cell) = self.cell() {
                    cell.hmerge_continue = !restart;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn total_limit(&self) -> Stop {
        Stop::Limit(format!(
            "в документе больше {} знаков текста — для одного файла это слишком много; разделите документ на части",
            grouped(self.limits.max_total_chars as u64)
        ))
    }

    /// Counts `chars` more characters of kept text.
    fn keep(&mut self, chars: usize) -> Result<(), Stop> {
        self.chars = self.chars.saturating_add(chars);
        if self.chars > self.limits.max_total_chars {
            return Err(self.total_limit());
        }
        Ok(())
    }

    fn text(&mut self, s: &str) -> Result<(), Stop> {
        if matches!(self.frames.last(), Some(Frame::Paragraph(_))) {
            self.keep(s.chars().count())?;
            if let Some(Frame::Paragraph(p)) = self.frames.last_mut() {
                p.push_str(s);
            }
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame) -> Result<(), Stop> {
        if self.frames.len() >= self.limits.max_depth {
            return Err(Stop::Limit(format!(
                "в документе таблицы и надписи вложены друг в друга глубже {} уровней; {HOSTILE}",
                self.limits.max_depth
            )));
        }
        self.frames.push(frame);
        Ok(())
    }

    fn table(&mut self) -> Option<&mut TableBuild> {
        match self.frames.last_mut() {
            Some(Frame::Table(t)) => Some(t),
            _ => None,
        }
    }

    fn row(&mut self) -> Option<&mut RowBuild> {
        self.table().and_then(|t| t.row.as_mut())
    }

    fn cell(&mut self) -> Option<&mut CellBuild> {
        self.row().and_then(|r| r.cell.as_mut())
    }

    fn start_row(&mut self) {
        if let Some(t) = self.table() {
            t.row = Some(RowBuild::default());
        }
    }

    fn start_cell(&mut self) {
        if let Some(row) = self.row() {
            row.cell = Some(CellBuild { start: row.column, span: 1, ..CellBuild::default() });
        }
    }

    fn end_cell(&mut self) -> Result<(), Stop> {
        let Some(Frame::Table(TableBuild { above, row: Some(row), .. })) = self.frames.last_mut() else {
            return Ok(());
        };
        let Some(cell) = row.cell.take() else { return Ok(()) };
        row.column = cell.start.saturating_add(cell.span);
        let own = cell.paragraphs.iter().map(|p| p.trim()).collect::<Vec<_>>().join("\n").trim().to_string();
        if cell.hmerge_continue {
            if let Some((_, left)) = row.cells.last_mut() {
                if !own.is_empty() {
                    left.push('\n');
                    left.push_str(&own);
                }
                return Ok(());
            }
        }
        let mut copied = 0;
        let text = match cell.vmerge {
            Some(false) => {
                let upper = above.iter().find(|(start, _)| *start == cell.start).map(|(_, t)| t.as_str()).unwrap_or("");
                copied = upper.chars().count();
                match (upper.is_empty(), own.is_empty()) {
                    (_, true) => upper.to_string(),
                    (true, false) => own,
                    (false, false) => format!("{upper}\n{own}"),
                }
            }
            _ => own,
        };
        row.cells.push((cell.start, text));
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(Stop::Limit(format!(
                "в таблицах документа больше {} ячеек — для одного файла это слишком много; разделите документ на части",
                grouped(self.limits.max_cells as u64)
            )));
        }
        self.keep(copied)
    }

    fn end_row(&mut self) -> Result<(), Stop> {
        self.end_cell()?;
        let Some(t) = self.table() else { return Ok(()) };
        let Some(row) = t.row.take() else { return Ok(()) };
        if row.cells.is_empty() {
            return Ok(());
        }
        t.rows.push(row.cells.iter().map(|(_, text)| text.clone()).collect());
        t.above = row.cells;
        Ok(())
    }

    /// Closes the innermost paragraph or table and hands it to the frame under it.
    fn close(&mut self) -> Result<(), Stop> {
        if matches!(self.frames.last(), Some(Frame::Table(_))) {
            self.end_row()?;
        }
        let text = match self.frames.pop() {
            None => return Ok(()),
            Some(Frame::Paragraph(text)) => text,
            Some(Frame::Table(t)) => {
                if t.rows.is_empty() {
                    return Ok(());
                }
                if self.frames.is_empty() {
                    self.blocks.push(Block::Table(t.rows));
                    return Ok(());
                }
                // A table inside a cell or a text box: its rows become lines of text.
                t.rows.iter().map(|r| r.join("\t")).collect::<Vec<_>>().join("\n")
            }
        };
        match self.frames.last_mut() {
            None => {
                let text = text.trim();
                if !text.is_empty() {
                    self.blocks.push(Block::Paragraph(text.to_string()));
                }
            }
            // A text box inside a paragraph: its text joins the paragraph on lines of its own.
            Some(Frame::Paragraph(outer)) => {
                let text = text.trim();
                if !text.is_empty() {
                    if !outer.is_empty() && !outer.ends_with('\n') {
                        outer.push('\n');
                    }
                    outer.push_str(text);
                    outer.push('\n');
                }
            }
            Some(Frame::Table(t)) => {
                if let Some(cell) = t.row.as_mut().and_then(|r| r.cell.as_mut()) {
                    cell.paragraphs.push(text);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    }

    /// A DOCX as another program might write it: only [Content_Types].xml and the document part,
    /// no relationships, so the reader falls back to word/document.xml.
    fn package(body: &str) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"#,
        )
        .unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}<w:sectPr/></w:body></w:document>"#
            )
            .as_bytes(),
        )
        .unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn sample() -> Document {
        let mut d = Document::new(true);
        d.title("Акт проверки фонда № 5");
        d.paragraph("Школа: МБОУ «СОШ № 1» г. Ёлкино\nДата: 01.09.2025");
        d.heading("1. Результаты");
        d.table(Table {
            header: vec![s(&["№", "Школа", "Фонд", "Фонд"]), s(&["№", "Школа", "экз.", "руб."])],
            rows: vec![s(&["1", "Гимназия № 2", "1 200", "35 000,50"]), s(&["", "Итого", "1 200", "35 000,50"])],
            widths: vec![1, 6, 2, 2],
            numeric: vec![false, false, true, true],
            total_last: true,
        });
        d.paragraph("Комиссия: <без замечаний> & «в срок»");
        d.signatures(&[
            ("Председатель комиссии".to_string(), "И. И. Иванова".to_string()),
            ("Член комиссии".to_string(), "П. П. Петров".to_string()),
        ]);
        d
    }

    #[test]
    fn a_written_document_reads_back_in_order() {
        let bytes = sample().to_bytes().unwrap();
        let body = read(&bytes, "акт.docx").unwrap();
        assert_eq!(
            body.blocks,
            vec![
                Block::Paragraph("Акт проверки фонда № 5".into()),
                Block::Paragraph("Школа: МБОУ «СОШ № 1» г. Ёлкино\nДата: 01.09.2025".into()),
                Block::Paragraph("1. Результаты".into()),
                Block::Table(vec![
                    s(&["№", "Школа", "Фонд"]),
                    s(&["№", "Школа", "экз.", "руб."]),
                    s(&["1", "Гимназия № 2", "1 200", "35 000,50"]),
                    s(&["", "Итого", "1 200", "35 000,50"]),
                ]),
                Block::Paragraph("Комиссия: <без замечаний> & «в срок»".into()),
                Block::Table(vec![
                    s(&["Председатель комиссии", SIGNATURE_LINE, "И. И. Иванова"]),
                    s(&["Член комиссии", SIGNATURE_LINE, "П. П. Петров"]),
                ]),
            ]
        );
        assert_eq!(body.tables().count(), 2);
    }

    #[test]
    fn the_layout_is_as_asked() {
        let bytes = sample().to_bytes().unwrap();
        let doc = part(&bytes, "word/document.xml");
        // Both header rows repeat on every page; nothing else does.
        assert_eq!(doc.matches("<w:tblHeader />").count(), 2, "{doc}");
        assert!(doc.contains(r#"w:orient="landscape""#), "{doc}");
        assert!(doc.contains(r#"<w:pgSz w:w="16838" w:h="11906""#), "{doc}");
        assert!(doc.contains(r#"<w:gridSpan w:val="2" />"#), "{doc}");
        assert!(doc.contains(r#"<w:vMerge w:val="restart" />"#), "{doc}");
        assert!(doc.contains(r#"<w:jc w:val="right" />"#), "numeric columns are right-aligned");
        assert!(doc.contains(r#"<w:sz w:val="22" />"#), "11 pt in tables");
        let styles = part(&bytes, "word/styles.xml");
        assert!(styles.contains(r#"w:hAnsi="Times New Roman""#), "{styles}");
        assert!(styles.contains(r#"<w:sz w:val="24" />"#), "{styles}");

        let core = part(&bytes, "docProps/core.xml");
        assert!(core.contains("<dc:title>Акт проверки фонда № 5</dc:title>"), "{core}");
        assert!(core.contains("<dc:creator>Библиосеть</dc:creator>"), "{core}");
        assert!(!core.contains("1970"), "{core}");
        let mut zip = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        assert_eq!(zip.by_name("word/document.xml").unwrap().compression(), CompressionMethod::Deflated);

        let mut portrait = Document::new(false);
        portrait.paragraph("Текст");
        let doc = part(&portrait.to_bytes().unwrap(), "word/document.xml");
        assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "{doc}");
        assert!(doc.contains(r#"w:left="1134""#), "{doc}");
    }

    #[test]
    fn control_characters_and_empty_parts_do_not_break_the_file() {
        let mut d = Document::new(false);
        d.paragraph("до\u{1}после\r\nвторая\tс табуляцией");
        d.table(Table::default());
        d.signatures(&[]);
        d.table(Table { rows: vec![s(&["a"]), s(&["b", "c"])], ..Table::default() });
        let body = read(&d.to_bytes().unwrap(), "x.docx").unwrap();
        assert_eq!(
            body.blocks,
            vec![
                Block::Paragraph("допосле\nвторая\tс табуляцией".into()),
                Block::Table(vec![s(&["a", ""]), s(&["b", "c"])]),
            ]
        );
    }

    #[test]
    fn header_merges_follow_the_texts() {
        let header = vec![s(&["А", "Б", "Б", ""]), s(&["А", "в", "г", ""])];
        let layout = header_layout(&header, 4);
        let row0: Vec<_> = layout[0].iter().map(|(sp, m)| (sp.start, sp.len, *m)).collect();
        assert_eq!(row0, vec![(0, 1, Some(VMergeType::Restart)), (1, 2, None), (3, 1, None)]);
        let row1: Vec<_> = layout[1].iter().map(|(sp, m)| (sp.start, sp.len, *m)).collect();
        assert_eq!(row1, vec![(0, 1, Some(VMergeType::Continue)), (1, 1, None), (2, 1, None), (3, 1, None)]);
    }

    #[test]
    fn a_docx_from_another_program_reads_correctly() {
        // A table whose first row spans two columns, whose first column is merged down three
        // rows, with a table in a cell; a text box with its old-format copy; tracked changes;
        // entities, tabs and breaks.
        let body = r#"
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs><w:rPr><w:b/></w:rPr></w:pPr>
  <w:r><w:t xml:space="preserve">План работы </w:t></w:r><w:r><w:t>на 2025&#8211;2026 &amp; далее</w:t></w:r></w:p>
<w:p/>
<w:p><w:r><w:t>Первая</w:t><w:br/><w:t>вторая</w:t><w:tab/><w:t>после табуляции</w:t></w:r>
  <w:del w:id="1" w:author="x"><w:r><w:delText>удалено</w:delText></w:r></w:del><w:ins w:id="2" w:author="x"><w:r><w:t>, вставлено</w:t></w:r></w:ins></w:p>
<w:tbl>
  <w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>
  <w:tblGrid><w:gridCol w:w="1000"/><w:gridCol w:w="2000"/><w:gridCol w:w="3000"/></w:tblGrid>
  <w:tr>
    <w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>Сентябрь</w:t></w:r></w:p></w:tc>
    <w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>Мероприятия</w:t></w:r></w:p></w:tc>
  </w:tr>
  <w:tr>
    <w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>
    <w:tc><w:p><w:r><w:t>Выставка</w:t></w:r></w:p><w:p><w:r><w:t>новых книг</w:t></w:r></w:p></w:tc>
    <w:tc><w:p><w:r><w:t>1 неделя</w:t></w:r></w:p></w:tc>
  </w:tr>
  <w:tr>
    <w:tc><w:tcPr><w:vMerge w:val="continue"/></w:tcPr><w:p/></w:tc>
    <w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>а</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>б</w:t></w:r></w:p></w:tc></w:tr>
      <w:tr><w:tc><w:p><w:r><w:t>в</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl><w:p/></w:tc>
    <w:tc><w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>в надписи</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>
      <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>в надписи</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>Итог</w:t></w:r></w:p></w:tc>
  </w:tr>
  <w:tr>
    <w:trPr><w:gridBefore w:val="1"/></w:trPr>
    <w:tc><w:p><w:r><w:t>Октябрь</w:t></w:r></w:p></w:tc>
    <w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>
  </w:tr>
</w:tbl>
<w:p><w:r><w:t>Конец</w:t></w:r></w:p>"#;
        let got = read(&package(body), "план.docx").unwrap();
        assert_eq!(
            got.blocks,
            vec![
                Block::Paragraph("План работы на 2025–2026 & далее".into()),
                Block::Paragraph("Первая\nвторая\tпосле табуляции, вставлено".into()),
                Block::Table(vec![
                    s(&["Сентябрь", "Мероприятия"]),
                    s(&["Сентябрь", "Выставка\nновых книг", "1 неделя"]),
                    s(&["Сентябрь", "а\tб\nв", "в надписи\nИтог"]),
                    // gridBefore shifts the row: the merged cell is in the third column.
                    s(&["Октябрь", "в надписи\nИтог"]),
                ]),
                Block::Paragraph("Конец".into()),
            ]
        );
    }

    #[test]
    fn the_main_part_is_found_through_the_relationships() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        zip.start_file("_rels/.rels", options).unwrap();
        zip.write_all(br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="/word/main.xml"/></Relationships>"#).unwrap();
        zip.start_file("word/main.xml", options).unwrap();
        zip.write_all(r#"<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"><w:body><w:p><w:r><w:t>Строгий OOXML</w:t></w:r></w:p></w:body></w:document>"#.as_bytes()).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(read(&bytes, "x.docx").unwrap().blocks, vec![Block::Paragraph("Строгий OOXML".into())]);
    }

    #[test]
    fn other_files_are_refused_in_russian() {
        let pdf = read(b"%PDF-1.7\n1 0 obj\n", "план.docx").unwrap_err();
        assert_eq!(pdf.file, "план.docx");
        assert!(
            pdf.to_string().starts_with("Файл «план.docx»: это не документ Word в формате DOCX, а файл PDF"),
            "{pdf}"
        );
        let doc = read(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], "план.docx").unwrap_err();
        assert!(doc.message.contains("это не документ Word в формате DOCX, а документ старого формата .doc"), "{doc}");
        let junk = read(b"\x00\x01garbage", "план.docx").unwrap_err();
        assert!(junk.message.starts_with("это не документ Word в формате DOCX (файл повреждён"), "{junk}");
        assert!(junk.message.contains("«Документ Word (*.docx)»"), "{junk}");
        let xlsx = crate::xlsx::write_table("Лист", &["А"], &[], None).unwrap();
        let e = read(&xlsx, "план.docx").unwrap_err();
        assert!(e.message.contains("а книга Excel"), "{e}");
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("word/document.xml", SimpleFileOptions::default()).unwrap();
        zip.write_all(b"<html><body>not Word</body></html>").unwrap();
        let e = read(&zip.finish().unwrap().into_inner(), "план.docx").unwrap_err();
        assert!(e.message.starts_with("это не документ Word в формате DOCX (файл повреждён"), "{e}");
        let e = read(b"", "план.docx").unwrap_err();
        assert_eq!(e.message, "файл пустой");
        let broken = read(&package("<w:p><w:r><w:t>без конца</w:r></w:p>"), "план.docx").unwrap_err();
        assert!(broken.message.starts_with("документ повреждён: часть word/document.xml не читается"), "{broken}");
    }

    #[test]
    fn limits_are_kept() {
        let bytes = package(&"<w:p><w:r><w:t>Абвгд</w:t></w:r></w:p>".repeat(10));
        let e = read_limited(&bytes, "x.docx", &Limits { max_part_bytes: 100, ..Limits::default() }).unwrap_err();
        assert!(e.message.contains("часть word/document.xml — больше 100 байт"), "{e}");
        let e = read_limited(&bytes, "x.docx", &Limits { max_total_chars: 49, ..Limits::default() }).unwrap_err();
        assert!(e.message.contains("больше 49 знаков текста"), "{e}");
        assert_eq!(
            read_limited(&bytes, "x.docx", &Limits { max_total_chars: 50, ..Limits::default() }).unwrap().blocks.len(),
            10
        );

        // A merged cell's text repeated down a thousand rows counts each time.
        let rows = "<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>".repeat(1000);
        let merged = package(&format!(
            "<w:tbl><w:tr><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>{rows}</w:tbl>",
            "я".repeat(1000)
        ));
        let e = read_limited(&merged, "x.docx", &Limits { max_total_chars: 500_000, ..Limits::default() }).unwrap_err();
        assert!(e.message.contains("больше 500 000 знаков"), "{e}");
        let e = read_limited(&merged, "x.docx", &Limits { max_cells: 100, ..Limits::default() }).unwrap_err();
        assert!(e.message.contains("больше 100 ячеек"), "{e}");

        let deep = package(&format!("{}{}", "<w:tbl><w:tr><w:tc>".repeat(100), "</w:tc></w:tr></w:tbl>".repeat(100)));
        let e = read(&deep, "x.docx").unwrap_err();
        assert!(e.message.contains("глубже 32 уровней"), "{e}");
    }

    #[test]
    fn an_oversized_document_part_is_refused_before_it_is_inflated() {
        // 60 MiB of XML in a file of a few hundred KB.
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(b"<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..60 {
            zip.write_all(&chunk).unwrap();
        }
        zip.write_all(b"</w:t></w:r></w:p></w:body></w:document>").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 1_000_000, "{} bytes", bytes.len());
        let e = read(&bytes, "x.docx").unwrap_err();
        assert!(e.message.contains("слишком большой объём (часть word/document.xml — больше 50 МБ)"), "{e}");
    }
}
