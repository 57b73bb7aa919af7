//! Library catalogs as library programs export them: ISO 2709 (RUSMARC/UNIMARC from ИРБИС64 and
//! МАРК-SQL in Windows-1251 or UTF-8, MARC 21 in UTF-8) and MARCXML. A small forgiving reader of our
//! own: the MARC crates on crates.io read MARC 21 in UTF-8 only, garble Windows-1251 or stop at the
//! first bad record (see shared/formats.md, «Library catalogs»).
//!
//! Records are found by the record terminator 0x1D, not by the length the leader claims; line
//! breaks anywhere are dropped; each broken record is reported by its number and the rest are kept.
//! Every record is at most `Limits::max_record_bytes` long before anything is parsed, so a broken or
//! hostile file costs bounded memory per record.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read, Write};

use encoding_rs::WINDOWS_1251;
use quick_xml::events::{BytesStart, Event};

use crate::xlsx::{grouped, Problem, HOSTILE};

/// Record terminator.
const RT: u8 = 0x1D;
/// Field terminator.
const FT: u8 = 0x1E;
/// Subfield delimiter.
const US: u8 = 0x1F;

/// The namespace of MARCXML («MARC 21 slim»), which RUSMARC in XML uses too.
pub const MARCXML_NAMESPACE: &str = "http://www.loc.gov/MARC21/slim";

/// One field of a record: a control field (001–009) holds a value, a data field indicators and
/// subfields in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Control { tag: String, value: String },
    Data { tag: String, ind1: char, ind2: char, subfields: Vec<(char, String)> },
}

impl Field {
    pub fn tag(&self) -> &str {
        match self {
            Field::Control { tag, .. } | Field::Data { tag, .. } => tag,
        }
    }

    /// The first subfield `code` of a data field.
    pub fn subfield(&self, code: char) -> Option<&str> {
        match self {
            Field::Data { subfields, .. } => subfields.iter().find(|(c, _)| *c == code).map(|(_, v)| v.as_str()),
            Field::Control { .. } => None,
        }
    }
}

/// The two families of MARC formats found in Russian school libraries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// RUSMARC and UNIMARC: title in 200, authors in 700/701/710.
    Unimarc,
    /// MARC 21: title in 245, author in 100.
    Marc21,
}

/// A catalog record: the leader as read (24 characters in a sound record) and the fields in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub leader: String,
    pub fields: Vec<Field>,
}

impl Record {
    /// The fields with this tag, in order.
    pub fn fields_tagged<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| f.tag() == tag)
    }

    /// The first non-blank subfield `code` of any field `tag`, trimmed.
    pub fn subfield(&self, tag: &str, code: char) -> Option<&str> {
        self.fields
            .iter()
            .filter(|f| f.tag() == tag)
            .filter_map(|f| f.subfield(code))
            .map(str::trim)
            .find(|v| !v.is_empty())
    }

    /// The value of control field `tag`.
    pub fn control(&self, tag: &str) -> Option<&str> {
        self.fields.iter().find_map(|f| match f {
            Field::Control { tag: t, value } if t == tag => Some(value.as_str()),
            _ => None,
        })
    }

    /// The record's identifier (001), trimmed.
    pub fn id(&self) -> Option<&str> {
        self.control("001").map(str::trim).filter(|v| !v.is_empty())
    }

    /// Which family the record is in: by its title field (200 or 245); when it has both or
    /// neither, by RUSMARC's general processing data (100$a starting with a date) or MARC 21's 008.
    pub fn flavor(&self) -> Flavor {
        let has = |tag: &str| self.fields_tagged(tag).next().is_some();
        match (has("200"), has("245")) {
            (true, false) => Flavor::Unimarc,
            (false, true) => Flavor::Marc21,
            _ if self.subfield("100", 'a').is_some_and(|a| general_processing_data(a.as_bytes())) => Flavor::Unimarc,
            _ if has("008") => Flavor::Marc21,
            _ => Flavor::Unimarc,
        }
    }

    /// The title proper: 200$a (RUSMARC/UNIMARC) or 245$a (MARC 21), without the ISBD
    /// punctuation that MARC 21 leaves at its end («Война и мир /»).
    pub fn title(&self) -> Option<String> {
        let tag = match self.flavor() {
            Flavor::Unimarc => "200",
            Flavor::Marc21 => "245",
        };
        self.subfield(tag, 'a').map(tidy).filter(|t| !t.is_empty())
    }

    /// The main author as a catalog card shows it: «Пушкин А. С.» from 700$a and the initials in
    /// 700$b (or made from the names in 700$g), else the organisation in 710$a; MARC 21's 100$a
    /// (else 110$a) as written.
    pub fn author(&self) -> Option<String> {
        match self.flavor() {
            Flavor::Unimarc => {
                if let Some(f) =
                    self.fields_tagged("700").find(|f| f.subfield('a').is_some_and(|a| !a.trim().is_empty()))
                {
                    let surname = tidy(f.subfield('a').unwrap_or_default());
                    let initials = match (f.subfield('b').map(str::trim), f.subfield('g').map(str::trim)) {
                        (Some(b), _) if !b.is_empty() => b.to_string(),
                        (_, Some(g)) if !g.is_empty() => initials(g),
                        _ => String::new(),
                    };
                    return Some(if initials.is_empty() { surname } else { format!("{surname} {initials}") });
                }
                self.subfield("710", 'a').map(tidy).filter(|a| !a.is_empty())
            }
            Flavor::Marc21 => self.subfield("100", 'a').or_else(|| self.subfield("110", 'a')).map(tidy),
        }
    }
}

/// Trims spaces and the ISBD punctuation that separates a subfield from the next (« /», « :»).
fn tidy(s: &str) -> String {
    s.trim().trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '/' | ':' | ';' | '=' | ',')).to_string()
}

/// «Лев Николаевич» → «Л. Н.»; words that already are initials stay as written.
fn initials(names: &str) -> String {
    names
        .split_whitespace()
        .map(|w| {
            if w.ends_with('.') && w.chars().count() <= 3 {
                w.to_string()
            } else {
                let first: String = w.chars().take(1).flat_map(char::to_uppercase).collect();
                format!("{first}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The character encoding of a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Tell by the file: 100$a, leader/09 and, above all, the bytes themselves.
    #[default]
    Auto,
    Utf8,
    Windows1251,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Auto => "определяется по файлу",
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1251 => "Windows-1251",
        }
    }
}

/// What the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Iso2709,
    MarcXml,
}

/// A record that could not be read: its number among the file's records (from 1), where it starts
/// (bytes from the start of the file; in MARCXML, of the text as read in UTF-8) and why, in Russian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRecord {
    pub number: usize,
    pub offset: u64,
    pub reason: String,
}

impl std::fmt::Display for BrokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "запись {}: {}", self.number, self.reason)
    }
}

impl BrokenRecord {
    /// The same, as a problem of `file`.
    pub fn problem(&self, file: &str) -> Problem {
        Problem { file: file.to_string(), sheet: None, row: None, column: None, message: self.to_string() }
    }
}

/// Hard limits on one catalog file, checked before the thing they limit is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one ISO 2709 record: five digits of length allow no more. A longer run without a
    /// record terminator is a broken record and is skipped to the next terminator.
    pub max_record_bytes: usize,
    /// Fields in one record.
    pub max_fields: usize,
    /// Records (read or broken) in one file.
    pub max_records: usize,
    /// Elements inside one another in MARCXML (a record is four deep).
    pub max_depth: usize,
    /// Bytes of MARCXML read as one piece: a text, a tag, a comment.
    pub max_xml_text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_bytes: 99_999,
            max_fields: 10_000,
            // A district's union catalog is a few hundred thousand records.
            max_records: 1_000_000,
            max_depth: 32,
            max_xml_text_bytes: 1024 * 1024,
        }
    }
}

/// A whole catalog file as read.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub format: Format,
    pub records: Vec<Record>,
    pub broken: Vec<BrokenRecord>,
    /// The encoding the text was read in (never `Auto`).
    pub encoding: Encoding,
    /// What the file says of itself (100$a or leader/09; MARCXML's declaration), when it says it.
    /// It differs from `encoding` when the file lies and the bytes were believed.
    pub declared: Option<Encoding>,
}

// ---------------------------------------------------------------------------------------------
// Text

/// The text of a field as people read it: ESC sequences (MARC-8 character set switches, or the
/// 7-bit non-sorting markers ESC H / ESC I) and the non-sorting markers U+0088/U+0089 (MARC 21's
/// U+0098/U+009C) are dropped with the text between them kept; other control characters, which no
/// catalog text holds and XML cannot carry, are dropped too, a tab becomes a space.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1B}' => {
                // ESC, intermediate bytes 0x20–0x2F, one final byte 0x30–0x7E (ISO 2022).
                while chars.next_if(|n| ('\u{20}'..='\u{2F}').contains(n)).is_some() {}
                chars.next_if(|n| ('\u{30}'..='\u{7E}').contains(n));
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Bytes of a field as text in `encoding` (Auto is read as UTF-8), cleaned.
fn decode(bytes: &[u8], encoding: Encoding) -> String {
    let text = match encoding {
        Encoding::Windows1251 => {
            // In an 8-bit RUSMARC file 0x88/0x89 are the non-sorting markers (ISO 6429), not the
            // «€» and «‰» Windows-1251 would make of them.
            let kept: Cow<[u8]> = if bytes.iter().any(|&b| b == 0x88 || b == 0x89) {
                Cow::Owned(bytes.iter().copied().filter(|&b| b != 0x88 && b != 0x89).collect())
            } else {
                Cow::Borrowed(bytes)
            };
            WINDOWS_1251.decode_without_bom_handling(&kept).0.into_owned()
        }
        Encoding::Utf8 | Encoding::Auto => String::from_utf8_lossy(bytes).into_owned(),
    };
    match clean(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(cleaned) => cleaned,
    }
}

/// Whether 100$a looks like RUSMARC/UNIMARC general processing data: a date of entry, then the
/// type of publication date (a letter), and room for the character sets at 26–29.
fn general_processing_data(a: &[u8]) -> bool {
    a.len() >= 30 && a[..8].iter().all(|b| b.is_ascii_digit() || *b == b' ') && a[8].is_ascii_alphabetic()
}

/// What 100$a positions 26–29 say: `50` is Unicode; `01` (ISO 646) with `89` (Windows-1251) is
/// how ИРБИС and МАРК-SQL mark Windows-1251.
fn declared_by_100a(a: &[u8]) -> Option<Encoding> {
    if !general_processing_data(a) {
        return None;
    }
    let sets = &a[26..30];
    if &sets[..2] == b"50" {
        Some(Encoding::Utf8)
    } else if &sets[..2] == b"01" || &sets[..2] == b"89" || &sets[2..] == b"89" {
        Some(Encoding::Windows1251)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// ISO 2709: raw records

/// How a piece of the stream between terminators ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// At a record terminator.
    Terminated,
    /// Where the next record's leader follows a field terminator: the terminator is missing.
    Split,
    /// At the end of the file without a terminator: cut off, unless it parses whole.
    Eof,
    /// More than the limit without a terminator; the bytes were not kept.
    Overflow,
}

#[derive(Debug)]
struct Chunk {
    offset: u64,
    bytes: Vec<u8>,
    end: End,
}

/// A record split into its parts, not yet decoded.
struct RawRecord<'a> {
    leader: &'a [u8],
    fields: Vec<(&'a [u8], &'a [u8])>,
}

fn digits(b: &[u8]) -> Option<usize> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0usize, |n, d| n * 10 + usize::from(d - b'0')))
}

/// Whether a leader starts here: lengths in digits where ISO 2709 has them, and the entry map
/// «45» that every MARC format uses, followed by a directory entry's tag.
fn looks_like_leader(b: &[u8]) -> bool {
    b.len() >= 27
        && b[..5].iter().all(u8::is_ascii_digit)
        && b[12..17].iter().all(u8::is_ascii_digit)
        && b[20] == b'4'
        && b[21] == b'5'
        && b[24..27].iter().all(u8::is_ascii_alphanumeric)
}

/// Where a record's leader follows a field terminator inside `b`: records whose terminator is
/// missing.
fn boundaries(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    (1..b.len()).filter(move |&p| b[p - 1] == FT && looks_like_leader(&b[p..]))
}

fn blank(b: &[u8]) -> bool {
    b.iter().all(|&x| matches!(x, b' ' | b'\t' | 0 | 0x1A | FT))
}

/// A data field's content starts here: two indicators and a subfield delimiter.
fn starts_data_field(b: &[u8]) -> bool {
    b.len() >= 3 && b[2] == US && b[0] != FT && b[1] != FT
}

fn is_control_tag(tag: &[u8]) -> bool {
    tag.len() == 3 && tag[0] == b'0' && tag[1] == b'0'
}

/// Splits a record into leader and fields, believing the directory only as far as the data bear it
/// out. Three readings are tried in turn:
/// - the directory's starts and lengths, when every field ends with a field terminator there;
/// - the data cut at field terminators, when there are as many pieces as directory entries (the
///   lengths are wrong, e.g. counted in characters rather than bytes);
/// - walking the data with the directory's lengths, taking a field's end where its terminator is,
///   or where the next data field visibly starts when a terminator is missing.
fn parse_raw<'a>(bytes: &'a [u8], end: End, limits: &Limits) -> Result<RawRecord<'a>, String> {
    let cut_off = || "запись обрывается: файл закончился раньше её конца".to_string();
    // Junk before the first record (a BOM, a line of text): the leader is where it looks like one.
    let start = (0..bytes.len()).find(|&p| looks_like_leader(&bytes[p..])).unwrap_or(0);
    let mut rec = &bytes[start..];
    if end == End::Eof {
        while let [rest @ .., b' ' | b'\t' | 0 | 0x1A] = rec {
            rec = rest;
        }
    }
    if rec.len() <= 24 {
        return Err(if end == End::Eof {
            cut_off()
        } else {
            "это не запись: в ней меньше 24 знаков маркера записи и справочника".to_string()
        });
    }
    let leader = &rec[..24];
    // The entry map: widths of a directory entry's length and start (and implementation part).
    let width = |b: u8, usual: usize| if (b'1'..=b'9').contains(&b) { usize::from(b - b'0') } else { usual };
    let declared = (width(leader[20], 4), width(leader[21], 5), width(leader[22], 0));
    let base = digits(&leader[12..17]);
    let first_ft = rec[24..].iter().position(|&b| b == FT).map(|i| i + 24);
    // Which entry map makes a whole directory of `len` bytes: the leader's, else the usual 4, 5, 0.
    let entry_for = |len: usize| [declared, (4, 5, 0)].into_iter().find(|&(l, s, i)| len.is_multiple_of(3 + l + s + i));
    // The directory holds no field terminator, so it ends at the first one whatever the base
    // address says; without one, the base address is believed.
    let (directory_end, data_start, entry) = if let Some((i, e)) = first_ft.and_then(|i| Some((i, entry_for(i - 24)?)))
    {
        (i, i + 1, e)
    } else if let Some((directory_end, b, e)) =
        base.filter(|&b| b > 24 && b <= first_ft.unwrap_or(rec.len())).and_then(|b| {
            // The terminator's byte is damaged (the directory ends just before the base address), or
            // was never written (the directory ends at it).
            [b - 1, b].into_iter().find_map(|d| Some((d, b, entry_for(d - 24)?)))
        })
    {
        (directory_end, b, e)
    } else if end == End::Eof && first_ft.is_none() {
        return Err(cut_off());
    } else {
        return Err("справочник полей повреждён: не найден его конец".to_string());
    };
    let (lw, sw, iw) = entry;
    let entry = 3 + lw + sw + iw;
    let count = (directory_end - 24) / entry;
    if count == 0 {
        return Err("в записи нет ни одного поля".to_string());
    }
    if count > limits.max_fields {
        return Err(format!(
            "в записи больше {} полей — таких записей не бывает; {HOSTILE}",
            grouped(limits.max_fields as u64)
        ));
    }
    let entries: Vec<(&[u8], Option<usize>, Option<usize>)> = rec[24..directory_end]
        .chunks_exact(entry)
        .map(|e| (&e[..3], digits(&e[3..3 + lw]), digits(&e[3 + lw..3 + lw + sw])))
        .collect();
    let data = &rec[data_start..];

    // 1. The directory as written.
    let by_directory: Option<Vec<_>> = entries
        .iter()
        .map(|&(tag, len, at)| {
            let (len, at) = (len?, at?);
            let stop = at.checked_add(len)?;
            (len > 0 && stop <= data.len() && data[stop - 1] == FT).then(|| (tag, &data[at..stop - 1]))
        })
        .collect();
    if let Some(fields) = by_directory {
        return Ok(RawRecord { leader, fields });
    }

    // 2. The data cut at field terminators. A cut-off record must end with one.
    let mut trimmed = data;
    while let [rest @ .., b' ' | b'\t' | 0 | 0x1A] = trimmed {
        trimmed = rest;
    }
    let mut pieces: Vec<&[u8]> = trimmed.split(|&b| b == FT).collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    if pieces.len() == count && (end != End::Eof || trimmed.ends_with(&[FT])) {
        let fields = entries.iter().zip(pieces).map(|(&(tag, _, _), piece)| (tag, piece)).collect();
        return Ok(RawRecord { leader, fields });
    }
    if end == End::Eof {
        return Err(cut_off());
    }

    // 3. Walking the data.
    let mut fields = Vec::with_capacity(count);
    let mut cursor = 0usize;
    for (k, &(tag, len, _)) in entries.iter().enumerate() {
        if cursor >= trimmed.len() {
            return Err(format!("поля записи не совпадают со справочником: данных хватило на {k} полей из {count}"));
        }
        let rest = &trimmed[cursor..];
        let next_ft = rest.iter().position(|&b| b == FT);
        let next_is_data = entries.get(k + 1).is_some_and(|(t, _, _)| !is_control_tag(t));
        let take = match len.filter(|&l| l > 0) {
            // The terminator is where the directory says.
            Some(l) if l <= rest.len() && rest[l - 1] == FT => Some((l - 1, l)),
            // A terminator earlier than the length says: the length is wrong.
            Some(l) if next_ft.is_some_and(|f| f < l - 1) => next_ft.map(|f| (f, f + 1)),
            // No terminator within the length: it is missing if the next field starts right after
            // the length (which counted a terminator, or did not).
            Some(l) if next_is_data => [l - 1, l]
                .into_iter()
                .find(|&c| c <= rest.len() && next_ft.is_none_or(|f| f >= c) && starts_data_field(&rest[c..]))
                .map(|c| (c, c)),
            _ => None,
        };
        let (content_len, advance) = match (take, next_ft) {
            (Some(t), _) => t,
            (None, Some(f)) => (f, f + 1),
            (None, None) => (rest.len(), rest.len()),
        };
        fields.push((tag, &rest[..content_len]));
        cursor += advance;
    }
    Ok(RawRecord { leader, fields })
}

/// Reads ISO 2709 records one by one from a stream. Each item is a record or a broken record with
/// its number; reading goes on after a broken one. Memory is bounded by one record.
pub struct Iso2709Reader<R> {
    source: R,
    buf: Box<[u8]>,
    at: usize,
    filled: usize,
    eof: bool,
    consumed: u64,
    limits: Limits,
    requested: Encoding,
    /// The file's encoding, once a record with non-ASCII bytes has shown it.
    chosen: Option<Encoding>,
    declared: Option<Encoding>,
    number: usize,
    /// The record being gathered (line breaks dropped), where it started, whether it overflowed.
    current: Vec<u8>,
    current_offset: Option<u64>,
    overflow: bool,
    pending: VecDeque<Chunk>,
    failed: Option<String>,
}

impl<R: Read> Iso2709Reader<R> {
    pub fn new(source: R, encoding: Encoding) -> Self {
        Self::with_limits(source, encoding, &Limits::default())
    }

    pub fn with_limits(source: R, encoding: Encoding, limits: &Limits) -> Self {
        Iso2709Reader {
            source,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            at: 0,
            filled: 0,
            eof: false,
            consumed: 0,
            limits: *limits,
            requested: encoding,
            chosen: None,
            declared: None,
            number: 0,
            current: Vec::new(),
            current_offset: None,
            overflow: false,
            pending: VecDeque::new(),
            failed: None,
        }
    }

    /// Bytes of the stream read so far.
    pub fn bytes_read(&self) -> u64 {
        self.consumed
    }

    /// The encoding text is read in: the caller's, else what the records showed so far.
    pub fn encoding(&self) -> Encoding {
        match self.requested {
            Encoding::Auto => self.chosen.or(self.declared).unwrap_or(Encoding::Utf8),
            e => e,
        }
    }

    /// What the file says its encoding is (the first 100$a or leader/09 that says).
    pub fn declared(&self) -> Option<Encoding> {
        self.declared
    }

    /// Why the stream could not be read to its end, if it could not.
    pub fn read_error(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    fn refill(&mut self) {
        loop {
            match self.source.read(&mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(n) => (self.at, self.filled) = (0, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.failed = Some(e.to_string());
                    self.eof = true;
                }
            }
            return;
        }
    }

    /// Appends bytes (no line breaks in them) to the current record within the limit. At the limit
    /// the records gathered so far whose terminators are missing are handed on; if there are none,
    /// the record is too long and the rest of it is skipped.
    fn gather(&mut self, mut run: &[u8]) {
        while !run.is_empty() && !self.overflow {
            let room = self.limits.max_record_bytes.saturating_sub(self.current.len());
            if room == 0 {
                match boundaries(&self.current).last() {
                    Some(p) => {
                        let offset = self.current_offset.unwrap_or(self.consumed);
                        let rest = self.current.split_off(p);
                        let front = std::mem::replace(&mut self.current, rest);
                        self.split_into_pending(offset, front, End::Split);
                        self.current_offset = Some(offset + p as u64);
                    }
                    None => {
                        self.overflow = true;
                        self.current = Vec::new();
                    }
                }
                continue;
            }
            let n = room.min(run.len());
            self.current.extend_from_slice(&run[..n]);
            run = &run[n..];
        }
    }

    /// Queues a gathered piece, cut where records without terminators follow one another.
    fn split_into_pending(&mut self, offset: u64, bytes: Vec<u8>, end: End) {
        let cuts: Vec<usize> = boundaries(&bytes).collect();
        let mut from = 0;
        for cut in cuts {
            self.pending.push_back(Chunk {
                offset: offset + from as u64,
                bytes: bytes[from..cut].to_vec(),
                end: End::Split,
            });
            from = cut;
        }
        let bytes = if from == 0 { bytes } else { bytes[from..].to_vec() };
        self.pending.push_back(Chunk { offset: offset + from as u64, bytes, end });
    }

    /// Ends the current record: queued unless it is only padding between records.
    fn close(&mut self, end: End) {
        let offset = self.current_offset.take().unwrap_or(self.consumed);
        let bytes = std::mem::take(&mut self.current);
        if std::mem::take(&mut self.overflow) {
            self.pending.push_back(Chunk { offset, bytes: Vec::new(), end: End::Overflow });
        } else if !blank(&bytes) {
            self.split_into_pending(offset, bytes, end);
        }
    }

    fn next_chunk(&mut self) -> Option<Chunk> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            if self.at == self.filled {
                if self.eof {
                    return None;
                }
                self.refill();
                if self.eof {
                    self.close(End::Eof);
                }
                continue;
            }
            let buf = std::mem::take(&mut self.buf);
            let slice = &buf[self.at..self.filled];
            let stop = slice.iter().position(|&b| b == RT);
            let upto = stop.unwrap_or(slice.len());
            // Line breaks between records or every 80 bytes were never part of the data.
            for run in slice[..upto].split(|&b| b == b'\r' || b == b'\n') {
                if !run.is_empty() && self.current_offset.is_none() {
                    let at = run.as_ptr() as usize - slice.as_ptr() as usize;
                    self.current_offset = Some(self.consumed + at as u64);
                }
                self.gather(run);
            }
            let used = upto + usize::from(stop.is_some());
            self.buf = buf;
            self.at += used;
            self.consumed += used as u64;
            if stop.is_some() {
                self.close(End::Terminated);
            }
        }
    }

    /// The encoding of one record. The caller's choice wins. Otherwise the file's encoding is taken
    /// from the first record with non-ASCII bytes: valid UTF-8 is UTF-8 (Russian text in
    /// Windows-1251 never is), anything else Windows-1251, whatever 100$a says; a later record that
    /// is not valid UTF-8 in a UTF-8 file is read as Windows-1251, as it can be nothing else here.
    fn choose(&mut self, raw: &RawRecord) -> Encoding {
        if self.declared.is_none() {
            self.declared = raw
                .fields
                .iter()
                .filter(|(tag, _)| *tag == b"100")
                .find_map(|(_, content)| {
                    let a = content.split(|&b| b == US).skip(1).find(|s| s.first() == Some(&b'a'))?;
                    declared_by_100a(&a[1..])
                })
                .or((raw.leader[9] == b'a').then_some(Encoding::Utf8));
        }
        if self.requested != Encoding::Auto {
            return self.requested;
        }
        let ascii = raw.fields.iter().all(|(_, c)| c.is_ascii());
        let utf8 = || raw.fields.iter().all(|(_, c)| std::str::from_utf8(c).is_ok());
        match self.chosen {
            // Either reads the same.
            _ if ascii => self.encoding(),
            None => {
                let e = if utf8() { Encoding::Utf8 } else { Encoding::Windows1251 };
                self.chosen = Some(e);
                e
            }
            Some(Encoding::Utf8) if !utf8() => Encoding::Windows1251,
            Some(e) => e,
        }
    }
}

/// A raw record decoded in `encoding`.
fn decode_record(raw: &RawRecord, encoding: Encoding) -> Record {
    let leader = raw.leader.iter().map(|&b| if b.is_ascii_graphic() { b as char } else { ' ' }).collect();
    let fields = raw
        .fields
        .iter()
        .map(|&(tag, content)| {
            let tag: String = tag.iter().map(|&b| if b.is_ascii_alphanumeric() { b as char } else { '?' }).collect();
            if is_control_tag(tag.as_bytes()) {
                return Field::Control { tag, value: decode(content, encoding) };
            }
            let first = content.iter().position(|&b| b == US).unwrap_or(content.len());
            let indicator = |i: usize| match content[..first].get(i) {
                Some(&b) if b.is_ascii_graphic() => b as char,
                _ => ' ',
            };
            let subfields = content[first..]
                .split(|&b| b == US)
                .skip(1)
                .filter_map(|part| {
                    // The code is one character in the file's encoding: ИРБИС allows Cyrillic ones.
                    let n = code_len(part, encoding);
                    let code = match encoding {
                        Encoding::Windows1251 => WINDOWS_1251.decode_without_bom_handling(&part[..n]).0.chars().next(),
                        _ => std::str::from_utf8(&part[..n]).ok().and_then(|c| c.chars().next()),
                    }?;
                    let code = if code.is_alphanumeric() || code.is_ascii_punctuation() { code } else { ' ' };
                    Some((code, decode(&part[n..], encoding)))
                })
                .collect();
            Field::Data { tag, ind1: indicator(0), ind2: indicator(1), subfields }
        })
        .collect();
    Record { leader, fields }
}

/// Bytes of the subfield code at the start of `part`: one, or a whole UTF-8 character.
fn code_len(part: &[u8], encoding: Encoding) -> usize {
    let n = match (encoding, part.first()) {
        (_, None) => return 0,
        (Encoding::Windows1251, _) => 1,
        (_, Some(&b)) if b >= 0xF0 => 4,
        (_, Some(&b)) if b >= 0xE0 => 3,
        (_, Some(&b)) if b >= 0xC0 => 2,
        _ => 1,
    };
    if n > 1 && part.get(..n).is_some_and(|c| std::str::from_utf8(c).is_ok()) {
        n
    } else {
        1
    }
}

impl<R: Read> Iterator for Iso2709Reader<R> {
    type Item = Result<Record, BrokenRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        let chunk = self.next_chunk()?;
        self.number += 1;
        let broken = |reason: String| BrokenRecord { number: self.number, offset: chunk.offset, reason };
        if chunk.end == End::Overflow {
            return Some(Err(broken(format!(
                "запись длиннее {} байт: признак конца записи не найден, всё до следующего пропущено",
                grouped(self.limits.max_record_bytes as u64)
            ))));
        }
        let raw = match parse_raw(&chunk.bytes, chunk.end, &self.limits) {
            Ok(raw) => raw,
            Err(reason) => return Some(Err(broken(reason))),
        };
        let encoding = self.choose(&raw);
        Some(Ok(decode_record(&raw, encoding)))
    }
}

// ---------------------------------------------------------------------------------------------
// MARCXML

const RECENT: usize = 64 * 1024;

/// Line and column (in characters, from 1) after `b`.
fn advance(at: &mut (u64, u64), b: u8) {
    if b == b'\n' {
        *at = (at.0 + 1, 1);
    } else if b & 0xC0 != 0x80 {
        at.1 += 1;
    }
}

/// A buffered stream that counts what the XML parser takes: bytes for progress, lines and columns
/// for messages (the last 64 KiB are kept, since the parser reports an error a little behind where
/// it stopped reading), and the bytes of one event against the limit: the parser gathers a whole
/// text or tag into memory before it returns it.
struct Tracked<R> {
    inner: BufReader<R>,
    consumed: u64,
    recent: VecDeque<u8>,
    /// Line and column where `recent` starts.
    base: (u64, u64),
    event_bytes: usize,
    max_event: usize,
    too_long: bool,
}

impl<R: Read> Tracked<R> {
    fn new(inner: R, max_event: usize) -> Self {
        Tracked {
            inner: BufReader::new(inner),
            consumed: 0,
            recent: VecDeque::new(),
            base: (1, 1),
            event_bytes: 0,
            max_event,
            too_long: false,
        }
    }

    /// Line and column of byte `offset`, as far back as the kept bytes reach.
    fn position(&self, offset: u64) -> (u64, u64) {
        let start = self.consumed - self.recent.len() as u64;
        let upto = (offset.clamp(start, self.consumed) - start) as usize;
        let mut at = self.base;
        for &b in self.recent.iter().take(upto) {
            advance(&mut at, b);
        }
        at
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Tracked<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.event_bytes > self.max_event {
            self.too_long = true;
            return Err(io::Error::other("the limit of one piece of XML is reached"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        let Tracked { inner, recent, base, .. } = self;
        let taken = &inner.buffer()[..amt.min(inner.buffer().len())];
        recent.extend(taken);
        if recent.len() > RECENT {
            let excess = recent.len() - RECENT;
            for b in recent.drain(..excess) {
                advance(base, b);
            }
        }
        self.event_bytes += amt;
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// The encoding an XML declaration at the start of `head` names, when it names one we know.
fn declared_xml_encoding(head: &[u8]) -> Option<Encoding> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let decl = head.strip_prefix(b"<?xml")?;
    let decl = &decl[..decl.windows(2).position(|w| w == b"?>")?];
    let at = decl.windows(8).position(|w| w.eq_ignore_ascii_case(b"encoding"))? + 8;
    let rest = &decl[at..];
    let open = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let quote = rest[open];
    let name = &rest[open + 1..];
    let name = String::from_utf8_lossy(&name[..name.iter().position(|&b| b == quote)?]).to_ascii_lowercase();
    match name.as_str() {
        "windows-1251" | "cp1251" | "cp-1251" | "win-1251" | "x-cp1251" => Some(Encoding::Windows1251),
        "utf-8" | "utf8" => Some(Encoding::Utf8),
        _ => None,
    }
}

/// Hands the XML parser UTF-8, which is all it reads: Windows-1251 is transcoded when the caller
/// or the XML declaration says so. Otherwise bytes pass as UTF-8 until one is not; if no other
/// letter was UTF-8 before it, the file is taken to be Windows-1251 from there on (a file with an
/// ASCII start and no declaration), else that one sequence is read as Windows-1251.
struct ToUtf8<R> {
    inner: R,
    requested: Encoding,
    declared: Option<Encoding>,
    /// Windows-1251 from here on.
    single_byte: bool,
    seen_utf8_letters: bool,
    started: bool,
    eof: bool,
    /// An incomplete UTF-8 sequence at the end of the last read.
    carry: Vec<u8>,
    out: Vec<u8>,
    out_at: usize,
    source_bytes: u64,
    failed: Option<io::Error>,
}

impl<R: Read> ToUtf8<R> {
    fn new(inner: R, requested: Encoding) -> Self {
        ToUtf8 {
            inner,
            requested,
            declared: None,
            single_byte: requested == Encoding::Windows1251,
            seen_utf8_letters: false,
            started: false,
            eof: false,
            carry: Vec::new(),
            out: Vec::new(),
            out_at: 0,
            source_bytes: 0,
            failed: None,
        }
    }

    fn encoding(&self) -> Encoding {
        if self.single_byte {
            Encoding::Windows1251
        } else {
            Encoding::Utf8
        }
    }

    /// Reads the next piece of the source into `out` as UTF-8; false at the end.
    fn fill(&mut self) -> io::Result<bool> {
        let mut raw = std::mem::take(&mut self.carry);
        let want = if self.started { 16 * 1024 } else { 1024 };
        let mut chunk = vec![0u8; 16 * 1024];
        // The first piece holds the whole XML declaration.
        while !self.eof && raw.len() < want {
            match self.inner.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.source_bytes += n as u64;
                    raw.extend_from_slice(&chunk[..n]);
                    if self.started {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if !self.started {
            self.started = true;
            self.declared = declared_xml_encoding(&raw);
            if self.requested == Encoding::Auto && self.declared == Some(Encoding::Windows1251) {
                self.single_byte = true;
            }
            if raw.starts_with(b"\xEF\xBB\xBF") {
                raw.drain(..3);
            }
        }
        if raw.is_empty() {
            return Ok(false);
        }
        self.out.clear();
        self.out_at = 0;
        let mut rest = &raw[..];
        while !rest.is_empty() {
            if self.single_byte {
                self.out.extend_from_slice(WINDOWS_1251.decode_without_bom_handling(rest).0.as_bytes());
                break;
            }
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.seen_utf8_letters |= !text.is_ascii();
                    self.out.extend_from_slice(rest);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    self.seen_utf8_letters |= !good.is_ascii();
                    self.out.extend_from_slice(good);
                    match e.error_len() {
                        None if !self.eof => {
                            self.carry = bad.to_vec();
                            break;
                        }
                        None => {
                            self.out.extend_from_slice(self.lone(bad).as_bytes());
                            break;
                        }
                        Some(n) => {
                            if self.requested == Encoding::Auto && !self.seen_utf8_letters {
                                self.single_byte = true;
                                rest = bad;
                                continue;
                            }
                            self.out.extend_from_slice(self.lone(&bad[..n]).as_bytes());
                            rest = &bad[n..];
                        }
                    }
                }
            }
        }
        Ok(true)
    }

    /// Bytes that are not UTF-8 in a UTF-8 file: Windows-1251 letters unless UTF-8 was asked for.
    fn lone(&self, bytes: &[u8]) -> String {
        if self.requested == Encoding::Utf8 {
            "\u{FFFD}".to_string()
        } else {
            WINDOWS_1251.decode_without_bom_handling(bytes).0.into_owned()
        }
    }
}

impl<R: Read> Read for ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_at == self.out.len() {
            if self.failed.is_some() {
                return Err(io::Error::other(self.failed.as_ref().map(|e| e.to_string()).unwrap_or_default()));
            }
            match self.fill() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(e) => {
                    let copy = io::Error::new(e.kind(), e.to_string());
                    self.failed = Some(e);
                    return Err(copy);
                }
            }
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
}

/// What text inside a record goes into.
enum Leaf {
    Leader,
    Control(String),
    Subfield(char),
}

/// A `<record>` being read.
struct Open {
    offset: u64,
    record: Record,
    text_bytes: usize,
    broken: Option<String>,
    /// Another record opened inside it: a wrapper such as SRU's, not a MARC record.
    wrapper: bool,
}

struct XmlFailure {
    line: u64,
    column: u64,
    message: String,
    io: bool,
}

/// Reads MARCXML records one by one from a stream: with or without the MARC 21 slim namespace,
/// with or without a prefix (`marc:record`), in a `<collection>` or a bare `<record>`, or in a
/// wrapper that has `record` elements of its own (SRU). Broken XML ends the reading with a message
/// naming the line and column; the records before it are kept.
pub struct MarcXmlReader<R> {
    xml: quick_xml::Reader<Tracked<ToUtf8<R>>>,
    buf: Vec<u8>,
    limits: Limits,
    number: usize,
    depth: usize,
    open: Vec<Open>,
    leaf: Option<(Leaf, String)>,
    in_datafield: bool,
    failure: Option<XmlFailure>,
    done: bool,
}

impl<R: Read> MarcXmlReader<R> {
    pub fn new(source: R, encoding: Encoding) -> Self {
        Self::with_limits(source, encoding, &Limits::default())
    }

    pub fn with_limits(source: R, encoding: Encoding, limits: &Limits) -> Self {
        let source = ToUtf8::new(source, encoding);
        let mut xml = quick_xml::Reader::from_reader(Tracked::new(source, limits.max_xml_text_bytes));
        xml.config_mut().trim_text(false);
        MarcXmlReader {
            xml,
            buf: Vec::new(),
            limits: *limits,
            number: 0,
            depth: 0,
            open: Vec::new(),
            leaf: None,
            in_datafield: false,
            failure: None,
            done: false,
        }
    }

    /// Bytes of the file read so far.
    pub fn bytes_read(&self) -> u64 {
        self.xml.get_ref().inner.get_ref().source_bytes
    }

    /// The encoding text was read in (never `Auto`).
    pub fn encoding(&self) -> Encoding {
        self.xml.get_ref().inner.get_ref().encoding()
    }

    /// The encoding the XML declaration names, when it names one we know.
    pub fn declared(&self) -> Option<Encoding> {
        self.xml.get_ref().inner.get_ref().declared
    }

    fn attribute(e: &BytesStart, name: &str) -> Option<String> {
        let a = e.attributes().with_checks(false).flatten().find(|a| a.key.local_name().as_ref() == name)?;
        Some(match quick_xml::escape::unescape(&a.value) {
            Ok(unescaped) => clean(&unescaped).into_owned(),
            Err(_) => clean(&a.value).into_owned(),
        })
    }

    fn fail(&mut self, message: String, io: bool) -> Option<Result<Record, BrokenRecord>> {
        self.done = true;
        let offset = self.xml.error_position();
        let (line, column) = self.xml.get_ref().position(offset);
        let reason = format!("{message} (строка {line}, столбец {column}); эта и следующие записи не прочитаны");
        self.failure = Some(XmlFailure { line, column, message, io });
        self.number += 1;
        Some(Err(BrokenRecord { number: self.number, offset, reason }))
    }

    fn start(&mut self, e: &BytesStart) {
        let name = e.local_name();
        if name.as_ref() == "record" {
            if let Some(outer) = self.open.last_mut() {
                outer.wrapper = true;
            }
            let offset = self.xml.buffer_position();
            self.open.push(Open { offset, record: Record::default(), text_bytes: 0, broken: None, wrapper: false });
            self.leaf = None;
            self.in_datafield = false;
            return;
        }
        let max_fields = self.limits.max_fields;
        let leaf = match name.as_ref() {
            "leader" => Some(Leaf::Leader),
            "controlfield" => Some(Leaf::Control(Self::attribute(e, "tag").unwrap_or_default())),
            "subfield" if self.in_datafield => {
                Some(Leaf::Subfield(Self::attribute(e, "code").and_then(|c| c.chars().next()).unwrap_or(' ')))
            }
            "datafield" => {
                let tag = Self::attribute(e, "tag").unwrap_or_default();
                let indicator = |v: Option<String>| v.and_then(|v| v.chars().next()).unwrap_or(' ');
                let (ind1, ind2) = (indicator(Self::attribute(e, "ind1")), indicator(Self::attribute(e, "ind2")));
                let Some(top) = self.open.last_mut() else { return };
                if top.broken.is_some() {
                    return;
                }
                if top.record.fields.len() >= max_fields {
                    top.broken = Some(format!(
                        "в записи больше {} полей — таких записей не бывает; {HOSTILE}",
                        grouped(max_fields as u64)
                    ));
                    return;
                }
                top.record.fields.push(Field::Data { tag, ind1, ind2, subfields: Vec::new() });
                self.in_datafield = true;
                None
            }
            _ => None,
        };
        if let Some(leaf) = leaf {
            if self.open.last().is_some_and(|top| top.broken.is_none()) {
                self.leaf = Some((leaf, String::new()));
            }
        }
    }

    fn text(&mut self, s: &str) {
        let max = self.limits.max_record_bytes.saturating_mul(2);
        let (Some((_, text)), Some(top)) = (self.leaf.as_mut(), self.open.last_mut()) else { return };
        top.text_bytes = top.text_bytes.saturating_add(s.len());
        // A record's limit in ISO 2709 is in bytes, and a letter in Windows-1251 takes two in UTF-8.
        if top.text_bytes > max {
            top.broken = Some(format!(
                "в записи больше {} байт текста — таких записей не бывает; {HOSTILE}",
                grouped(max as u64)
            ));
            self.leaf = None;
            return;
        }
        text.push_str(s);
    }

    fn end(&mut self, name: &str) -> Option<Result<Record, BrokenRecord>> {
        match name {
            "leader" | "controlfield" | "subfield" => {
                let (leaf, text) = self.leaf.take()?;
                let top = self.open.last_mut()?;
                if top.broken.is_some() {
                    return None;
                }
                let text = clean(&text).into_owned();
                match leaf {
                    Leaf::Leader => top.record.leader = text,
                    Leaf::Control(tag) => {
                        if top.record.fields.len() >= self.limits.max_fields {
                            top.broken = Some(format!(
                                "в записи больше {} полей — таких записей не бывает; {HOSTILE}",
                                grouped(self.limits.max_fields as u64)
                            ));
                        } else {
                            top.record.fields.push(Field::Control { tag, value: text });
                        }
                    }
                    Leaf::Subfield(code) => {
                        if let Some(Field::Data { subfields, .. }) = top.record.fields.last_mut() {
                            subfields.push((code, text));
                        }
                    }
                }
                None
            }
            "datafield" => {
                self.in_datafield = false;
                None
            }
            "record" => {
                let open = self.open.pop()?;
                self.leaf = None;
                self.in_datafield = false;
                if open.broken.is_none() && open.record.fields.is_empty() && open.record.leader.is_empty() {
                    // A wrapper, or an empty record: nothing to read.
                    return None;
                }
                if open.wrapper && open.broken.is_none() && open.record.fields.is_empty() {
                    return None;
                }
                self.number += 1;
                Some(match open.broken {
                    Some(reason) => Err(BrokenRecord { number: self.number, offset: open.offset, reason }),
                    None => Ok(open.record),
                })
            }
            _ => None,
        }
    }

    fn step(&mut self, buf: &mut Vec<u8>) -> Option<Result<Record, BrokenRecord>> {
        loop {
            buf.clear();
            self.xml.get_mut().event_bytes = 0;
            let event = match self.xml.read_event_into(buf) {
                Ok(event) => event,
                Err(e) => {
                    let too_long = self.xml.get_ref().too_long;
                    let io = matches!(e, quick_xml::Error::Io(_)) && !too_long;
                    let message = if too_long {
                        format!(
                            "в файле MARCXML кусок текста или разметки больше {}; {HOSTILE}",
                            crate::xlsx::size_text(self.limits.max_xml_text_bytes as u64)
                        )
                    } else if io {
                        format!("файл не удалось дочитать ({e})")
                    } else {
                        format!("разметка XML нарушена ({e})")
                    };
                    return self.fail(message, io);
                }
            };
            match event {
                Event::Start(e) => {
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        let message = format!(
                            "элементы XML вложены друг в друга глубже {} уровней; {HOSTILE}",
                            self.limits.max_depth
                        );
                        return self.fail(message, false);
                    }
                    self.start(&e);
                }
                Event::Empty(e) => {
                    self.start(&e);
                    if let Some(item) = self.end(e.local_name().as_ref()) {
                        return Some(item);
                    }
                }
                Event::End(e) => {
                    self.depth = self.depth.saturating_sub(1);
                    if let Some(item) = self.end(e.local_name().as_ref()) {
                        return Some(item);
                    }
                }
                Event::Text(t) if self.leaf.is_some() => self.text(&t),
                Event::CData(t) if self.leaf.is_some() => self.text(&t),
                Event::GeneralRef(r) if self.leaf.is_some() => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("&{};", &*r)),
                        Err(_) => String::new(),
                    };
                    self.text(&resolved);
                }
                Event::Eof => {
                    self.done = true;
                    // A record left open: the file was cut off inside it.
                    let open = self.open.drain(..).find(|o| !o.wrapper)?;
                    self.number += 1;
                    return Some(Err(BrokenRecord {
                        number: self.number,
                        offset: open.offset,
                        reason: "запись обрывается: файл закончился раньше её конца".to_string(),
                    }));
                }
                _ => {}
            }
        }
    }
}

impl<R: Read> Iterator for MarcXmlReader<R> {
    type Item = Result<Record, BrokenRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buf = std::mem::take(&mut self.buf);
        let item = self.step(&mut buf);
        self.buf = buf;
        item
    }
}

// ---------------------------------------------------------------------------------------------
// A catalog file

const EXPORT: &str = "выгрузите каталог из библиотечной программы (ИРБИС, МАРК-SQL и др.) в формате ISO 2709 (RUSMARC или MARC 21) или MARCXML";

/// What the first bytes say the file is, when it is a known kind of file that is not a catalog.
fn known_kind(head: &[u8]) -> Option<&'static str> {
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    Some(if head.starts_with(b"%PDF") {
        "документ PDF"
    } else if head.starts_with(b"PK\x03\x04") {
        if contains(b"xl/") {
            "книга Excel (.xlsx)"
        } else if contains(b"word/") {
            "документ Word (.docx)"
        } else {
            "архив ZIP (или документ Excel либо Word)"
        }
    } else if head.starts_with(b"\xD0\xCF\x11\xE0") {
        "книга Excel 97–2003 (.xls) или документ Word (.doc)"
    } else if head.starts_with(b"{\\rtf") {
        "документ RTF"
    } else if head.starts_with(b"\x1F\x8B") {
        "сжатый архив gzip"
    } else if head.starts_with(b"Rar!") {
        "архив RAR"
    } else if head.starts_with(b"7z\xBC\xAF\x27\x1C") {
        "архив 7-Zip"
    } else if head.starts_with(b"\x89PNG") || head.starts_with(b"\xFF\xD8\xFF") {
        "изображение"
    } else {
        return None;
    })
}

type Sniffed<R> = Chain<Cursor<Vec<u8>>, R>;

enum Inner<R> {
    Iso(Box<Iso2709Reader<Sniffed<R>>>),
    Xml(Box<MarcXmlReader<Sniffed<R>>>),
}

/// A catalog file being read record by record (see [`open_catalog`]).
pub struct CatalogReader<R> {
    inner: Inner<R>,
    file: String,
}

impl<R: Read> CatalogReader<R> {
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Iso(_) => Format::Iso2709,
            Inner::Xml(_) => Format::MarcXml,
        }
    }

    /// The encoding text is read in so far (never `Auto`).
    pub fn encoding(&self) -> Encoding {
        match &self.inner {
            Inner::Iso(r) => r.encoding(),
            Inner::Xml(r) => r.encoding(),
        }
    }

    /// What the file says its encoding is, when it says.
    pub fn declared(&self) -> Option<Encoding> {
        match &self.inner {
            Inner::Iso(r) => r.declared(),
            Inner::Xml(r) => r.declared(),
        }
    }

    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Iso(r) => r.bytes_read(),
            Inner::Xml(r) => r.bytes_read(),
        }
    }

    /// Why the file could not be read to its end: the stream failed, or the XML is broken (with
    /// the line and column). Records before it were read.
    pub fn failure(&self) -> Option<Problem> {
        let problem = |row: Option<u64>, column: Option<u64>, message: String| Problem {
            file: self.file.clone(),
            sheet: None,
            row: row.map(|r| r.min(u64::from(u32::MAX)) as u32),
            column: column.map(|c| c.to_string()),
            message,
        };
        match &self.inner {
            Inner::Iso(r) => r.read_error().map(|e| problem(None, None, format!("файл не удалось дочитать ({e})"))),
            Inner::Xml(r) => r.failure.as_ref().map(|f| {
                if f.io {
                    problem(None, None, f.message.clone())
                } else {
                    problem(Some(f.line), Some(f.column), f.message.clone())
                }
            }),
        }
    }

    /// Why a file that gave no record is refused, told the broken records it gave (how many, and
    /// the first).
    pub fn nothing_read(&self, broken: usize, first: Option<&BrokenRecord>) -> Problem {
        if let Some(problem) = self.failure() {
            return Problem {
                message: format!("{}: это не каталог MARCXML или файл повреждён; {EXPORT}", problem.message),
                ..problem
            };
        }
        let message = match (self.format(), first) {
            (Format::MarcXml, None) => format!("в файле XML нет записей MARCXML (элементов record с полями); {EXPORT}"),
            (Format::Iso2709, None) => format!("в файле нет записей; {EXPORT}"),
            (_, Some(first)) => format!(
                "не прочитано ни одной записи (повреждены все {}; {first}): это не каталог в формате ISO 2709 или MARCXML, или файл сильно повреждён; {EXPORT}",
                grouped(broken as u64)
            ),
        };
        Problem { file: self.file.clone(), sheet: None, row: None, column: None, message }
    }

    fn io_failed(&self) -> bool {
        match &self.inner {
            Inner::Iso(r) => r.read_error().is_some(),
            Inner::Xml(r) => r.failure.as_ref().is_some_and(|f| f.io),
        }
    }
}

impl<R: Read> Iterator for CatalogReader<R> {
    type Item = Result<Record, BrokenRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Iso(r) => r.next(),
            Inner::Xml(r) => r.next(),
        }
    }
}

/// Opens a catalog file for reading record by record: tells ISO 2709 from MARCXML by the first
/// bytes and refuses, in Russian, an empty file and the kinds of files people send instead of a
/// catalog (PDF, a spreadsheet, an archive renamed .iso).
pub fn open_catalog<R: Read>(
    mut reader: R,
    file_name: &str,
    encoding: Encoding,
    limits: &Limits,
) -> Result<CatalogReader<R>, Problem> {
    const SNIFF: usize = 4096;
    let whole =
        |message: String| Problem { file: file_name.to_string(), sheet: None, row: None, column: None, message };
    let mut head = Vec::with_capacity(SNIFF);
    loop {
        match (&mut reader).take(SNIFF as u64).read_to_end(&mut head) {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(whole(format!("файл не читается ({e})"))),
        }
    }
    if head.len() < SNIFF && head.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
        return Err(whole("файл пустой".into()));
    }
    if let Some(kind) = known_kind(&head) {
        return Err(whole(format!("это {kind}, а не каталог; {EXPORT}")));
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let xml = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    let source = Cursor::new(head).chain(reader);
    let inner = if xml {
        Inner::Xml(Box::new(MarcXmlReader::with_limits(source, encoding, limits)))
    } else {
        Inner::Iso(Box::new(Iso2709Reader::with_limits(source, encoding, limits)))
    };
    Ok(CatalogReader { inner, file: file_name.to_string() })
}

/// Reads a whole catalog file within [`Limits::default`]; see [`read_catalog_with`].
pub fn read_catalog<R: Read>(reader: R, file_name: &str, encoding: Encoding) -> Result<Catalog, Problem> {
    read_catalog_with(reader, file_name, encoding, &Limits::default(), &mut |_| {})
}

/// Reads a whole catalog file (ISO 2709 or MARCXML): the records, the broken records by number,
/// and the encoding used. `progress` is told the bytes read now and then. A file where no record
/// could be read is refused with a Russian message; so is a file that cannot be read to its end.
pub fn read_catalog_with<R: Read>(
    reader: R,
    file_name: &str,
    encoding: Encoding,
    limits: &Limits,
    progress: &mut dyn FnMut(u64),
) -> Result<Catalog, Problem> {
    let whole =
        |message: String| Problem { file: file_name.to_string(), sheet: None, row: None, column: None, message };
    let mut catalog = open_catalog(reader, file_name, encoding, limits)?;
    let (mut records, mut broken) = (Vec::new(), Vec::new());
    let mut told = 0u64;
    while let Some(item) = catalog.next() {
        if records.len() + broken.len() >= limits.max_records {
            return Err(whole(format!(
                "в файле больше {} записей — разделите каталог на части",
                grouped(limits.max_records as u64)
            )));
        }
        match item {
            Ok(record) => records.push(record),
            Err(b) => broken.push(b),
        }
        let now = catalog.bytes_read();
        if now - told >= 64 * 1024 {
            progress(now);
            told = now;
        }
    }
    progress(catalog.bytes_read());
    if catalog.io_failed() {
        return Err(catalog.failure().unwrap_or_else(|| whole("файл не удалось дочитать".into())));
    }
    if records.is_empty() {
        return Err(catalog.nothing_read(broken.len(), broken.first()));
    }
    Ok(Catalog {
        format: catalog.format(),
        records,
        broken,
        encoding: catalog.encoding(),
        declared: catalog.declared(),
    })
}

// ---------------------------------------------------------------------------------------------
// Writers

/// Text for XML 1.0: escaped, without the characters XML cannot carry.
fn xml_escape(s: &str) -> Cow<'_, str> {
    let allowed =
        |c: char| (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && !matches!(c, '\u{FFFE}' | '\u{FFFF}');
    if s.chars().all(allowed) {
        quick_xml::escape::escape(s)
    } else {
        Cow::Owned(quick_xml::escape::escape(s.chars().filter(|&c| allowed(c)).collect::<String>()).into_owned())
    }
}

/// An attribute value: escaped, with line breaks and tabs as spaces (XML would make them so).
fn xml_attribute(s: &str) -> String {
    xml_escape(&s.replace(['\t', '\n', '\r'], " ")).into_owned()
}

/// Writes MARCXML (MARC 21 slim namespace, UTF-8) one record at a time, for files too large to
/// hold whole.
pub struct MarcXmlWriter<W: Write> {
    out: W,
}

impl<W: Write> MarcXmlWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(out, "<collection xmlns=\"{MARCXML_NAMESPACE}\">")?;
        Ok(MarcXmlWriter { out })
    }

    /// Every field and subfield of the record, in order.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        let out = &mut self.out;
        writeln!(out, "<record>")?;
        writeln!(out, "  <leader>{}</leader>", xml_escape(&record.leader))?;
        for field in &record.fields {
            match field {
                Field::Control { tag, value } => writeln!(
                    out,
                    "  <controlfield tag=\"{}\">{}</controlfield>",
                    xml_attribute(tag),
                    xml_escape(value)
                )?,
                Field::Data { tag, ind1, ind2, subfields } => {
                    writeln!(
                        out,
                        "  <datafield tag=\"{}\" ind1=\"{}\" ind2=\"{}\">",
                        xml_attribute(tag),
                        xml_attribute(&ind1.to_string()),
                        xml_attribute(&ind2.to_string())
                    )?;
                    for (code, value) in subfields {
                        writeln!(
                            out,
                            "    <subfield code=\"{}\">{}</subfield>",
                            xml_attribute(&code.to_string()),
                            xml_escape(value)
                        )?;
                    }
                    writeln!(out, "  </datafield>")?;
                }
            }
        }
        writeln!(out, "</record>")
    }

    /// Closes the collection and gives the writer back.
    pub fn finish(mut self) -> io::Result<W> {
        writeln!(self.out, "</collection>")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The records as MARCXML: MARC 21 slim namespace, UTF-8, every field and subfield.
pub fn to_marcxml<'a, W: Write>(records: impl IntoIterator<Item = &'a Record>, out: W) -> io::Result<()> {
    let mut writer = MarcXmlWriter::new(out)?;
    for record in records {
        writer.write(record)?;
    }
    writer.finish().map(drop)
}

/// One line of the TSV listing: `001 TAB title TAB author`, tabs and line breaks in values as
/// spaces, other control characters left out.
pub fn tsv_line(record: &Record) -> String {
    let cell = |s: Option<&str>| clean(&s.unwrap_or("").replace(['\t', '\n', '\r'], " ")).into_owned();
    format!("{}\t{}\t{}", cell(record.id()), cell(record.title().as_deref()), cell(record.author().as_deref()))
}

/// The records as TSV, one line per record (see [`tsv_line`]).
pub fn to_tsv<'a, W: Write>(records: impl IntoIterator<Item = &'a Record>, mut out: W) -> io::Result<()> {
    for record in records {
        writeln!(out, "{}", tsv_line(record))?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ISO 2709 record: the fields' content without terminators; the directory made to match.
    fn iso(leader_09: u8, fields: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let (mut directory, mut data) = (Vec::new(), Vec::new());
        for (tag, content) in fields {
            directory.extend(format!("{tag}{:04}{:05}", content.len() + 1, data.len()).bytes());
            data.extend_from_slice(content);
            data.push(FT);
        }
        directory.push(FT);
        let base = 24 + directory.len();
        let total = base + data.len() + 1;
        let mut out = format!("{total:05}nam {}22{base:05}   450 ", leader_09 as char).into_bytes();
        out.extend(directory);
        out.extend(data);
        out.push(RT);
        out
    }

    fn data_field(ind: &str, subfields: &[(char, &str)]) -> Vec<u8> {
        let mut out = ind.as_bytes().to_vec();
        for (code, value) in subfields {
            out.push(US);
            out.push(*code as u8);
            out.extend_from_slice(value.as_bytes());
        }
        out
    }

    fn sample() -> Vec<u8> {
        iso(
            b' ',
            &[
                ("001", b"RU/1".to_vec()),
                ("200", data_field("1 ", &[('a', "Капитанская дочка"), ('f', "А. С. Пушкин")])),
                ("700", data_field(" 1", &[('a', "Пушкин"), ('g', "Александр Сергеевич")])),
            ],
        )
    }

    fn one(bytes: &[u8]) -> Result<Record, BrokenRecord> {
        let mut items: Vec<_> = Iso2709Reader::new(bytes, Encoding::Auto).collect();
        assert_eq!(items.len(), 1, "{items:?}");
        items.remove(0)
    }

    #[test]
    fn markers_and_escape_sequences_are_dropped_with_the_text_between_kept() {
        assert_eq!(clean("\u{88}The \u{89}Hobbit"), "The Hobbit");
        assert_eq!(clean("\u{98}Le \u{9C}monde"), "Le monde");
        assert_eq!(clean("\u{1B}HThe \u{1B}IHobbit"), "The Hobbit");
        assert_eq!(clean("a\u{1B}(Bb\u{1B}$1c\u{1B}bd"), "abcd");
        assert_eq!(clean("таб\tуляция\u{0}"), "таб уляция");
        assert!(matches!(clean("без изменений"), Cow::Borrowed(_)));
        // In Windows-1251 the markers are the bytes 0x88/0x89.
        assert_eq!(decode(b"\x88The \x89\xcc\xe8\xf0", Encoding::Windows1251), "The Мир");
    }

    #[test]
    fn initials_are_made_from_names() {
        assert_eq!(initials("Александр Сергеевич"), "А. С.");
        assert_eq!(initials("А. С."), "А. С.");
        assert_eq!(initials("лев"), "Л.");
        assert_eq!(tidy(" Война и мир / "), "Война и мир");
    }

    #[test]
    fn the_100a_character_sets_are_read() {
        let a = |sets: &str| format!("20240115d2024    k  y0rusy{sets}    ca");
        assert_eq!(declared_by_100a(a("50  ").as_bytes()), Some(Encoding::Utf8));
        assert_eq!(declared_by_100a(a("0189").as_bytes()), Some(Encoding::Windows1251));
        assert_eq!(declared_by_100a(a("01  ").as_bytes()), Some(Encoding::Windows1251));
        assert_eq!(declared_by_100a(a("    ").as_bytes()), None);
        assert_eq!(
            declared_by_100a("Толстой, Лев Николаевич, 1828-1910".as_bytes()),
            None,
            "MARC 21's 100$a is a name"
        );
    }

    #[test]
    fn a_sound_record_is_read_by_its_directory() {
        let r = one(&sample()).unwrap();
        assert_eq!(r.leader.len(), 24);
        assert_eq!(r.id(), Some("RU/1"));
        assert_eq!(r.title().as_deref(), Some("Капитанская дочка"));
        assert_eq!(r.author().as_deref(), Some("Пушкин А. С."));
        assert_eq!(r.flavor(), Flavor::Unimarc);
        let Field::Data { ind1, ind2, subfields, .. } = &r.fields[1] else { panic!() };
        assert_eq!((*ind1, *ind2), ('1', ' '));
        assert_eq!(subfields[1], ('f', "А. С. Пушкин".to_string()));
    }

    #[test]
    fn lengths_counted_in_characters_are_survived() {
        // A writer that counted characters, not bytes: every length and start after the first
        // Cyrillic field is wrong, the terminators are right.
        let mut bytes = sample();
        let directory = 24..24 + 36;
        let mut chars = 0;
        let mut entries = Vec::new();
        for (tag, content) in [
            ("001", "RU/1".to_string()),
            ("200", "1 \u{1F}aКапитанская дочка\u{1F}fА. С. Пушкин".to_string()),
            ("700", " 1\u{1F}aПушкин\u{1F}gАлександр Сергеевич".to_string()),
        ] {
            let len = content.chars().count() + 1;
            entries.extend(format!("{tag}{len:04}{chars:05}").bytes());
            chars += len;
        }
        bytes.splice(directory, entries);
        let r = one(&bytes).unwrap();
        assert_eq!(r.title().as_deref(), Some("Капитанская дочка"));
        assert_eq!(r.author().as_deref(), Some("Пушкин А. С."));
    }

    #[test]
    fn a_dropped_field_terminator_is_walked_over() {
        let sound = sample();
        let base = digits(&sound[12..17]).unwrap();
        // The terminator after 001 ("RU/1" + FT at base + 4).
        let mut bytes = sound.clone();
        assert_eq!(bytes[base + 4], FT);
        bytes.remove(base + 4);
        let r = one(&bytes).unwrap();
        assert_eq!(r.id(), Some("RU/1"));
        assert_eq!(r.title().as_deref(), Some("Капитанская дочка"));
        assert_eq!(r.author().as_deref(), Some("Пушкин А. С."));
    }

    #[test]
    fn a_missing_directory_terminator_and_a_lying_base_address() {
        let mut lying = sample();
        lying[12..17].copy_from_slice(b"00007");
        assert_eq!(one(&lying).unwrap().title().as_deref(), Some("Капитанская дочка"));
        let mut no_terminator = sample();
        let base = digits(&no_terminator[12..17]).unwrap();
        no_terminator[base - 1] = b' ';
        assert_eq!(one(&no_terminator).unwrap().author().as_deref(), Some("Пушкин А. С."));
        let mut never_written = sample();
        never_written.remove(base - 1);
        never_written[12..17].copy_from_slice(format!("{:05}", base - 1).as_bytes());
        assert_eq!(one(&never_written).unwrap().author().as_deref(), Some("Пушкин А. С."));
    }

    #[test]
    fn the_file_encoding_follows_the_bytes() {
        let cp = |s: &str| WINDOWS_1251.encode(s).0.into_owned();
        let ascii = iso(b' ', &[("001", b"1".to_vec()), ("200", data_field("1 ", &[('a', "English")]))]);
        let russian = iso(b' ', &[("001", b"2".to_vec()), ("200", [b"1 \x1Fa".to_vec(), cp("Русский")].concat())]);
        let mut reader = Iso2709Reader::new(Cursor::new([ascii, russian].concat()), Encoding::Auto);
        assert_eq!(reader.next().unwrap().unwrap().title().as_deref(), Some("English"));
        assert_eq!(reader.encoding(), Encoding::Utf8, "nothing tells yet");
        assert_eq!(reader.next().unwrap().unwrap().title().as_deref(), Some("Русский"));
        assert_eq!(reader.encoding(), Encoding::Windows1251);
    }

    #[test]
    fn subfield_codes_may_be_cyrillic() {
        let field = [b"  \x1F".to_vec(), "жЗначение".as_bytes().to_vec()].concat();
        let r = one(&iso(b'a', &[("900", field)])).unwrap();
        assert_eq!(r.fields[0].subfield('ж'), Some("Значение"));
        assert_eq!(code_len(b"\xff", Encoding::Utf8), 1);
        assert_eq!(code_len(b"", Encoding::Utf8), 0);
    }

    #[test]
    fn the_xml_declaration_is_read() {
        assert_eq!(
            declared_xml_encoding(b"<?xml version=\"1.0\" encoding=\"Windows-1251\"?><a/>"),
            Some(Encoding::Windows1251)
        );
        assert_eq!(declared_xml_encoding(b"\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?>"), Some(Encoding::Utf8));
        assert_eq!(declared_xml_encoding(b"<?xml version=\"1.0\"?>"), None);
        assert_eq!(declared_xml_encoding(b"<collection>"), None);
    }

    /// A reader that hands out one byte at a time, as a slow pipe might.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&b, rest)) = self.0.split_first() else { return Ok(0) };
            if buf.is_empty() {
                return Ok(0);
            }
            buf[0] = b;
            self.0 = rest;
            Ok(1)
        }
    }

    fn to_utf8(bytes: &[u8], requested: Encoding) -> (String, Encoding) {
        let mut reader = ToUtf8::new(Trickle(bytes), requested);
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        (out, reader.encoding())
    }

    #[test]
    fn xml_is_handed_on_as_utf8() {
        let text = "<a>Мир</a>";
        assert_eq!(
            to_utf8(text.as_bytes(), Encoding::Auto),
            (text.to_string(), Encoding::Utf8),
            "split sequences join"
        );
        let cp = [b"<?xml version=\"1.0\"?>\n<a>".as_slice(), &WINDOWS_1251.encode("Мир").0, b"</a>"].concat();
        assert_eq!(to_utf8(&cp, Encoding::Auto).0, "<?xml version=\"1.0\"?>\n<a>Мир</a>");
        assert_eq!(to_utf8(&cp, Encoding::Auto).1, Encoding::Windows1251);
        // A UTF-8 file with one bad byte stays UTF-8.
        let mixed = [text.as_bytes(), b"\xC0", text.as_bytes()].concat();
        assert_eq!(to_utf8(&mixed, Encoding::Auto), ("<a>Мир</a>А<a>Мир</a>".to_string(), Encoding::Utf8));
        assert_eq!(to_utf8(&mixed, Encoding::Utf8).0, "<a>Мир</a>\u{FFFD}<a>Мир</a>");
        assert_eq!(to_utf8(b"\xEF\xBB\xBF<a/>", Encoding::Auto).0, "<a/>");
        let declared =
            [b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>".as_slice(), &WINDOWS_1251.encode("Ёж").0].concat();
        assert!(to_utf8(&declared, Encoding::Auto).0.ends_with("<a>Ёж"));
    }

    #[test]
    fn xml_positions_are_lines_and_characters() {
        let text = "<a>\n  <б>ё</б>\n<c>";
        let mut t = Tracked::new(text.as_bytes(), 1024);
        let mut all = Vec::new();
        t.read_to_end(&mut all).unwrap();
        assert_eq!(t.position(0), (1, 1));
        assert_eq!(t.position(4), (2, 1));
        let c = text.find("<c>").unwrap() as u64;
        assert_eq!(t.position(c), (3, 1));
        let yo = text.find('ё').unwrap() as u64;
        assert_eq!(t.position(yo), (2, 6));
    }
}
