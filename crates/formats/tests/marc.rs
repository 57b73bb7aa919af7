//! The catalog reader against fixtures made here: every quirk of real ISO 2709 and MARCXML files
//! named in shared/formats.md («Library catalogs»), files that are not catalogs, and a few thousand
//! random mutations of a sound file, which must cost bounded memory and never panic.
//!
//! A counting allocator (per thread, so that tests running side by side do not disturb each
//! other's figures) records the peak of live heap bytes while a file is read.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Cursor, Read, Write};

use encoding_rs::WINDOWS_1251;
use formats::marc::{
    open_catalog, read_catalog, read_catalog_with, to_marcxml, to_tsv, tsv_line, Catalog, Encoding, Field, Flavor,
    Format, Limits, Record,
};
use formats::xlsx::Problem;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grew(bytes: usize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + bytes as isize);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn shrank(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - bytes as isize));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the most heap it held live at once (on this thread).
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let out = f();
    let peak = PEAK.with(Cell::get) - start;
    (out, peak.max(0) as usize)
}

// ---------------------------------------------------------------------------------------------
// A small ISO 2709 writer

const RT: u8 = 0x1D;
const FT: u8 = 0x1E;
const US: u8 = 0x1F;

#[derive(Clone, Copy, PartialEq)]
enum Enc {
    Utf8,
    Cp1251,
}

fn bytes(s: &str, enc: Enc) -> Vec<u8> {
    match enc {
        Enc::Utf8 => s.as_bytes().to_vec(),
        Enc::Cp1251 => {
            let (b, _, bad) = WINDOWS_1251.encode(s);
            assert!(!bad, "{s}");
            b.into_owned()
        }
    }
}

/// A field to write: control `("001", value, [])` or data `("200", "1 ", [(code, value)])`.
type F<'a> = (&'a str, &'a str, Vec<(char, String)>);

fn control<'a>(tag: &'a str, value: &'a str) -> F<'a> {
    (tag, value, Vec::new())
}

fn data<'a>(tag: &'a str, ind: &'a str, subfields: &[(char, &str)]) -> F<'a> {
    (tag, ind, subfields.iter().map(|(c, v)| (*c, v.to_string())).collect())
}

/// One ISO 2709 record with a directory that matches its data.
fn iso(leader_09: char, fields: &[F], enc: Enc) -> Vec<u8> {
    let (mut directory, mut body) = (Vec::new(), Vec::new());
    for (tag, value, subfields) in fields {
        let mut content = bytes(value, enc);
        if !tag.starts_with("00") {
            for (code, v) in subfields {
                content.push(US);
                content.extend(bytes(&code.to_string(), enc));
                content.extend(bytes(v, enc));
            }
        }
        directory.extend(format!("{tag}{:04}{:05}", content.len() + 1, body.len()).bytes());
        body.extend(content);
        body.push(FT);
    }
    directory.push(FT);
    let base = 24 + directory.len();
    let mut out = format!("{:05}nam {leader_09}22{base:05}   450 ", base + body.len() + 1).into_bytes();
    out.extend(directory);
    out.extend(body);
    out.push(RT);
    out
}

const TITLES: [&str; 5] = ["Капитанская дочка", "Война и мир", "Мёртвые души", "Ёжик в тумане", "Тихий Дон"];
const AUTHORS: [(&str, &str, &str); 5] = [
    ("Пушкин", "А. С.", ""),
    ("Толстой", "", "Лев Николаевич"),
    ("Гоголь", "Н. В.", ""),
    ("Козлов", "С. Г.", ""),
    ("Шолохов", "М. А.", ""),
];

/// RUSMARC book record `i`; `sets` goes to 100$a positions 26–29.
fn rusmarc(i: usize, sets: &str, leader_09: char, enc: Enc) -> Vec<u8> {
    let id = format!("RU/IS/{i}");
    let general = format!("20240115d2024    k  y0rusy{sets}    ca");
    let title = format!("{} (том {i})", TITLES[i % 5]);
    let (surname, b, g) = AUTHORS[i % 5];
    let mut author = vec![('a', surname)];
    if !b.is_empty() {
        author.push(('b', b));
    }
    if !g.is_empty() {
        author.push(('g', g));
    }
    let mut fields = vec![
        control("001", &id),
        data("010", "  ", &[('a', "978-5-08-005432-1")]),
        data("200", "1 ", &[('a', &title), ('f', "автор — классик")]),
        data("210", "  ", &[('c', "Детская литература"), ('d', "2024")]),
        data("700", " 1", &author),
    ];
    if !sets.is_empty() {
        fields.insert(1, data("100", "  ", &[('a', &general)]));
    }
    iso(leader_09, &fields, enc)
}

fn rusmarc_file(n: usize, sets: &str, leader_09: char, enc: Enc) -> Vec<u8> {
    (0..n).flat_map(|i| rusmarc(i, sets, leader_09, enc)).collect()
}

fn want_title(i: usize) -> String {
    format!("{} (том {i})", TITLES[i % 5])
}

fn want_author(i: usize) -> &'static str {
    ["Пушкин А. С.", "Толстой Л. Н.", "Гоголь Н. В.", "Козлов С. Г.", "Шолохов М. А."][i % 5]
}

fn read(bytes: &[u8]) -> Catalog {
    read_catalog(bytes, "каталог.iso", Encoding::Auto).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(bytes: &[u8], name: &str) -> Problem {
    read_catalog(bytes, name, Encoding::Auto).expect_err("refused")
}

/// Ids of the records read, by number as written.
fn ids(c: &Catalog) -> Vec<String> {
    c.records.iter().map(|r| r.id().unwrap_or("?").trim_start_matches("RU/IS/").to_string()).collect()
}

fn range(n: usize) -> Vec<String> {
    (0..n).map(|i| i.to_string()).collect()
}

fn assert_books(c: &Catalog, numbers: &[usize]) {
    assert_eq!(c.records.len(), numbers.len(), "{:?}", c.broken);
    for (r, &i) in c.records.iter().zip(numbers) {
        assert_eq!(r.id(), Some(format!("RU/IS/{i}").as_str()));
        assert_eq!(r.title(), Some(want_title(i)));
        assert_eq!(r.author().as_deref(), Some(want_author(i)));
        assert_eq!(r.subfield("210", 'c'), Some("Детская литература"));
    }
}

// ---------------------------------------------------------------------------------------------
// Encodings

#[test]
fn rusmarc_in_windows_1251_with_100a_saying_so() {
    let c = read(&rusmarc_file(10, "0189", ' ', Enc::Cp1251));
    assert_eq!(c.format, Format::Iso2709);
    assert_eq!((c.encoding, c.declared), (Encoding::Windows1251, Some(Encoding::Windows1251)));
    assert!(c.broken.is_empty());
    assert_books(&c, &(0..10).collect::<Vec<_>>());
    assert_eq!(c.records[0].flavor(), Flavor::Unimarc);
    assert_eq!(c.records[0].leader.len(), 24);
}

#[test]
fn utf8_rusmarc_with_a_blank_leader_09() {
    // 100$a says Unicode; leader/09 is blank, as RUSMARC leaves it.
    let c = read(&rusmarc_file(10, "50  ", ' ', Enc::Utf8));
    assert_eq!((c.encoding, c.declared), (Encoding::Utf8, Some(Encoding::Utf8)));
    assert_books(&c, &(0..10).collect::<Vec<_>>());
    // No 100 at all, nothing in the leader: the bytes tell.
    let c = read(&rusmarc_file(10, "", ' ', Enc::Utf8));
    assert_eq!((c.encoding, c.declared), (Encoding::Utf8, None));
    assert_books(&c, &(0..10).collect::<Vec<_>>());
    let c = read(&rusmarc_file(10, "", ' ', Enc::Cp1251));
    assert_eq!((c.encoding, c.declared), (Encoding::Windows1251, None));
    assert_books(&c, &(0..10).collect::<Vec<_>>());
}

#[test]
fn a_100a_that_lies_about_the_encoding_loses_to_the_bytes() {
    let c = read(&rusmarc_file(10, "50  ", ' ', Enc::Cp1251));
    assert_eq!((c.encoding, c.declared), (Encoding::Windows1251, Some(Encoding::Utf8)));
    assert_books(&c, &(0..10).collect::<Vec<_>>());
    let c = read(&rusmarc_file(10, "0189", ' ', Enc::Utf8));
    assert_eq!((c.encoding, c.declared), (Encoding::Utf8, Some(Encoding::Windows1251)));
    assert_books(&c, &(0..10).collect::<Vec<_>>());
}

#[test]
fn the_users_encoding_wins() {
    let cp = rusmarc_file(3, "0189", ' ', Enc::Cp1251);
    let c = read_catalog(&cp[..], "x.iso", Encoding::Utf8).unwrap();
    assert_eq!(c.encoding, Encoding::Utf8);
    assert!(c.records[0].title().unwrap().contains('\u{FFFD}'), "read as asked, however wrong");
    let utf8 = rusmarc_file(3, "50  ", ' ', Enc::Utf8);
    let c = read_catalog(&utf8[..], "x.iso", Encoding::Windows1251).unwrap();
    assert_eq!(c.encoding, Encoding::Windows1251);
    assert!(c.records[0].title().unwrap().starts_with("РљР°Рї"), "{:?}", c.records[0].title());
    let c = read_catalog(&cp[..], "x.iso", Encoding::Windows1251).unwrap();
    assert_books(&c, &[0, 1, 2]);
}

#[test]
fn marc21_in_utf8() {
    let record = iso(
        'a',
        &[
            control("001", "ocm0001"),
            control("008", "240115s2024    ru            000 1 rus d"),
            data("020", "  ", &[('a', "9785080054321")]),
            data("100", "1 ", &[('a', "Толстой, Лев Николаевич,"), ('d', "1828-1910.")]),
            data("245", "10", &[('a', "Война и мир /"), ('c', "Л. Н. Толстой.")]),
            data("264", " 1", &[('b', "Эксмо,"), ('c', "2024.")]),
        ],
        Enc::Utf8,
    );
    let c = read(&record);
    assert_eq!((c.encoding, c.declared), (Encoding::Utf8, Some(Encoding::Utf8)));
    let r = &c.records[0];
    assert_eq!(r.flavor(), Flavor::Marc21);
    assert_eq!(r.id(), Some("ocm0001"));
    assert_eq!(r.title().as_deref(), Some("Война и мир"));
    assert_eq!(r.author().as_deref(), Some("Толстой, Лев Николаевич"));
    assert_eq!(r.control("008").map(str::len), Some(40), "control fields are kept as they are");
}

#[test]
fn a_corporate_author_and_non_sorting_markers() {
    let utf8 = iso(
        ' ',
        &[
            control("001", "1"),
            data("200", "1 ", &[('a', "\u{88}The \u{89}Hobbit")]),
            data("710", "02", &[('a', "Министерство просвещения")]),
        ],
        Enc::Utf8,
    );
    let r = &read(&utf8).records[0];
    assert_eq!(r.title().as_deref(), Some("The Hobbit"));
    assert_eq!(r.author().as_deref(), Some("Министерство просвещения"));
    // Windows-1251: the markers as bytes 0x88/0x89 and as 7-bit ESC H / ESC I.
    let mut cp =
        iso(' ', &[control("001", "2"), data("200", "1 ", &[('a', "\u{1B}HДа \u{1B}Iбудет свет")])], Enc::Cp1251);
    // Placeholders of one byte each, so that the directory stays true.
    let bytes_marked = iso(' ', &[control("001", "3"), data("200", "1 ", &[('a', "{Эти }дни")])], Enc::Cp1251);
    cp.extend(bytes_marked.iter().map(|&b| match b {
        b'{' => 0x88,
        b'}' => 0x89,
        b => b,
    }));
    let c = read(&cp);
    assert!(c.broken.is_empty(), "{:?}", c.broken);
    assert_eq!(c.encoding, Encoding::Windows1251);
    assert_eq!(c.records[0].title().as_deref(), Some("Да будет свет"));
    assert_eq!(c.records[1].title().as_deref(), Some("Эти дни"), "{:?}", c.records[1]);
}

// ---------------------------------------------------------------------------------------------
// Damaged files

#[test]
fn wrong_lengths_in_30_of_100_leaders() {
    let mut file = Vec::new();
    for i in 0..100 {
        let mut r = rusmarc(i, "0189", ' ', Enc::Cp1251);
        if i % 10 < 3 {
            // As in the public test file: the length lies, too long, too short or zero.
            let lie = [99_999, 24, 0][i % 3];
            r[..5].copy_from_slice(format!("{lie:05}").as_bytes());
        }
        if i % 10 == 3 {
            // And a wrong base address now and then.
            r[12..17].copy_from_slice(b"00030");
        }
        file.extend(r);
    }
    let c = read(&file);
    assert!(c.broken.is_empty(), "{:?}", c.broken);
    assert_eq!(ids(&c), range(100));
    assert_books(&c, &(0..100).collect::<Vec<_>>());
}

#[test]
fn missing_terminators() {
    // Record 1 lost the terminator after 200 (the directory still counts it); the terminator
    // between records 2 and 3 is missing; the last record has none.
    let mut records: Vec<Vec<u8>> = (0..5).map(|i| rusmarc(i, "0189", ' ', Enc::Cp1251)).collect();
    let title_end = {
        let r = &records[1];
        let base: usize = std::str::from_utf8(&r[12..17]).unwrap().parse().unwrap();
        let dir = &r[24..base - 1];
        let entry = dir.chunks(12).find(|e| e.starts_with(b"200")).unwrap();
        let (len, at): (usize, usize) = (
            std::str::from_utf8(&entry[3..7]).unwrap().parse().unwrap(),
            std::str::from_utf8(&entry[7..12]).unwrap().parse().unwrap(),
        );
        base + at + len - 1
    };
    assert_eq!(records[1][title_end], FT);
    records[1].remove(title_end);
    assert_eq!(records[2].pop(), Some(RT));
    assert_eq!(records[4].pop(), Some(RT));
    let c = read(&records.concat());
    assert!(c.broken.is_empty(), "{:?}", c.broken);
    assert_books(&c, &[0, 1, 2, 3, 4]);

    // A writer that wrote no field terminators at all, its lengths counting the content only.
    let sound = rusmarc(7, "0189", ' ', Enc::Cp1251);
    let base: usize = std::str::from_utf8(&sound[12..17]).unwrap().parse().unwrap();
    let mut directory = Vec::new();
    let mut body = Vec::new();
    for e in sound[24..base - 1].chunks(12) {
        let len: usize = std::str::from_utf8(&e[3..7]).unwrap().parse().unwrap();
        let at: usize = std::str::from_utf8(&e[7..12]).unwrap().parse().unwrap();
        directory.extend(format!("{}{:04}{:05}", std::str::from_utf8(&e[..3]).unwrap(), len - 1, body.len()).bytes());
        body.extend_from_slice(&sound[base + at..base + at + len - 1]);
    }
    let mut bare = sound[..24].to_vec();
    bare.extend(directory);
    bare.push(FT);
    bare.extend(body);
    bare.push(RT);
    let c = read(&bare);
    assert!(c.broken.is_empty(), "{:?}", c.broken);
    assert_books(&c, &[7]);
}

#[test]
fn line_breaks_every_80_bytes_and_between_records() {
    let file = rusmarc_file(20, "0189", ' ', Enc::Cp1251);
    let mut wrapped = Vec::new();
    for line in file.chunks(80) {
        wrapped.extend_from_slice(line);
        wrapped.extend_from_slice(b"\r\n");
    }
    let c = read(&wrapped);
    assert!(c.broken.is_empty(), "{:?}", c.broken);
    assert_books(&c, &(0..20).collect::<Vec<_>>());
    let between: Vec<u8> =
        (0..20).flat_map(|i| [rusmarc(i, "50  ", ' ', Enc::Utf8), b"\n".to_vec()].concat()).collect();
    assert_books(&read(&between), &(0..20).collect::<Vec<_>>());
}

#[test]
fn a_record_cut_off_at_the_end_is_reported_and_the_rest_kept() {
    let file = rusmarc_file(5, "0189", ' ', Enc::Cp1251);
    let c = read(&file[..file.len() - 30]);
    assert_books(&c, &[0, 1, 2, 3]);
    assert_eq!(c.broken.len(), 1);
    assert_eq!(c.broken[0].number, 5);
    assert!(c.broken[0].to_string().starts_with("запись 5: запись обрывается"), "{}", c.broken[0]);
    // Cut inside the leader or the directory.
    for cut in [10, 40] {
        let last = file.len() - rusmarc(4, "0189", ' ', Enc::Cp1251).len();
        let c = read(&file[..last + cut]);
        assert_books(&c, &[0, 1, 2, 3]);
        assert_eq!(c.broken.len(), 1, "cut at {cut}");
        assert!(c.broken[0].reason.contains("обрывается"), "{}", c.broken[0]);
    }
}

#[test]
fn junk_before_the_first_record_and_padding_after_the_last() {
    let mut file = b"\xEF\xBB\xBF\xc2\xfb\xe3\xf0\xf3\xe7\xea\xe0 \xe8\xe7 \xc8\xd0\xc1\xc8\xd1\r\n".to_vec();
    file.extend(rusmarc_file(3, "0189", ' ', Enc::Cp1251));
    file.extend(b"\x1A\0\0  \r\n");
    let c = read(&file);
    assert!(c.broken.is_empty(), "{:?}", c.broken);
    assert_books(&c, &[0, 1, 2]);
}

#[test]
fn a_broken_record_in_the_middle_is_reported_by_its_number() {
    let mut file = rusmarc_file(3, "0189", ' ', Enc::Cp1251);
    file.extend(b"00042nam  22000000   4500 garbage");
    file.push(RT);
    file.extend(bytes("просто текст", Enc::Cp1251));
    file.push(RT);
    file.extend((3..6).flat_map(|i| rusmarc(i, "0189", ' ', Enc::Cp1251)));
    let c = read(&file);
    assert_books(&c, &[0, 1, 2, 3, 4, 5]);
    let numbers: Vec<usize> = c.broken.iter().map(|b| b.number).collect();
    assert_eq!(numbers, [4, 5]);
    assert!(c.broken.iter().all(|b| !b.reason.is_empty()));
}

#[test]
fn a_run_longer_than_a_record_can_be_is_skipped_in_bounded_memory() {
    let mut file = rusmarc(0, "0189", ' ', Enc::Cp1251);
    file.extend(std::iter::repeat_n(b'x', 150_000));
    file.push(RT);
    file.extend(rusmarc(1, "0189", ' ', Enc::Cp1251));
    let c = read(&file);
    assert_books(&c, &[0, 1]);
    assert_eq!(c.broken.len(), 1);
    assert_eq!(c.broken[0].number, 2);
    assert!(c.broken[0].reason.contains("длиннее 99 999 байт"), "{}", c.broken[0]);

    // 50 MB without a terminator, streamed: read with a fraction of that.
    let stream = Cursor::new(rusmarc(0, "0189", ' ', Enc::Cp1251)).chain(std::io::repeat(b'y').take(50 << 20));
    let (c, peak) = peak_of(|| read_catalog(stream, "big.iso", Encoding::Auto).unwrap());
    assert_eq!(c.records.len(), 1);
    assert_eq!(c.broken.len(), 1);
    assert!(peak < 2 << 20, "peak {peak} bytes");
}

#[test]
fn records_with_missing_terminators_are_split_even_past_the_record_limit() {
    // Six hundred records with no record terminator at all: found by their leaders.
    let file: Vec<u8> = (0..600)
        .flat_map(|i| {
            let mut r = rusmarc(i, "0189", ' ', Enc::Cp1251);
            r.pop();
            r
        })
        .collect();
    assert!(file.len() > 99_999);
    let c = read(&file);
    assert!(c.broken.is_empty(), "{:?}", c.broken.first());
    assert_books(&c, &(0..600).collect::<Vec<_>>());
}

#[test]
fn limits_are_kept() {
    let file = rusmarc_file(3, "0189", ' ', Enc::Cp1251);
    let few_fields = Limits { max_fields: 3, ..Limits::default() };
    let e = read_catalog_with(&file[..], "x.iso", Encoding::Auto, &few_fields, &mut |_| {}).unwrap_err();
    assert!(e.message.contains("больше 3 полей"), "{e}");
    let few_records = Limits { max_records: 2, ..Limits::default() };
    let e = read_catalog_with(&file[..], "x.iso", Encoding::Auto, &few_records, &mut |_| {}).unwrap_err();
    assert!(e.message.contains("больше 2 записей"), "{e}");
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let e = refused(deep.as_bytes(), "x.xml");
    assert!(e.message.contains("глубже 32 уровней"), "{e}");
    let long = format!("<collection><record><leader>{}</leader></record></collection>", "x".repeat(3 << 20));
    let (e, peak) = peak_of(|| refused(long.as_bytes(), "x.xml"));
    assert!(e.message.contains("больше 1 МБ"), "{e}");
    assert!(peak < 4 << 20, "peak {peak}");
}

#[test]
fn progress_is_told_in_bytes() {
    let file = rusmarc_file(400, "0189", ' ', Enc::Cp1251);
    let mut seen = Vec::new();
    let c = read_catalog_with(&file[..], "x.iso", Encoding::Auto, &Limits::default(), &mut |n| seen.push(n)).unwrap();
    assert_eq!(c.records.len(), 400);
    assert!(seen.len() > 1, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(seen.last(), Some(&(file.len() as u64)));
}

// ---------------------------------------------------------------------------------------------
// Not catalogs

#[test]
fn files_that_are_not_catalogs_are_refused_in_russian() {
    let e = refused(b"", "пусто.iso");
    assert_eq!(e.to_string(), "Файл «пусто.iso»: файл пустой");
    assert!(refused(b"\r\n  \n", "x.iso").message.contains("пустой"));
    let e = refused(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>", "каталог.iso");
    assert!(e.message.starts_with("это документ PDF, а не каталог"), "{e}");
    assert!(e.message.contains("ISO 2709"), "{e}");

    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "Заглавие").unwrap();
    let e = refused(&book.save_to_buffer().unwrap(), "каталог.iso");
    assert!(e.message.contains("Excel"), "{e}");
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(b"hello").unwrap();
    let e = refused(&zip.finish().unwrap().into_inner(), "каталог.iso");
    assert!(e.message.contains("архив ZIP"), "{e}");

    let e = refused("Заглавие;Автор\nВойна и мир;Толстой\n".as_bytes(), "каталог.iso");
    assert!(e.message.starts_with("не прочитано ни одной записи"), "{e}");
    let e = refused(&[0u8; 10_000], "нули.iso");
    assert!(e.message.contains("нет записей") || e.message.contains("не прочитано"), "{e}");
    let e = refused(b"<html><body>Not found</body></html>", "каталог.xml");
    assert!(e.message.contains("нет записей MARCXML"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// MARCXML

const RECORD_BODY: &str = r#"
    <leader>00000nam  2200000   450 </leader>
    <controlfield tag="001">RU/IS/0</controlfield>
    <datafield tag="200" ind1="1" ind2=" ">
      <subfield code="a">Капитанская дочка (том 0)</subfield>
      <subfield code="f">Пушкин &amp; &lt;сотоварищи&gt; &#1071;</subfield>
    </datafield>
    <datafield tag="700" ind1=" " ind2="1">
      <subfield code="a">Пушкин</subfield>
      <subfield code="b"><![CDATA[А. С.]]></subfield>
    </datafield>"#;

fn check_xml_record(r: &Record) {
    assert_eq!(r.id(), Some("RU/IS/0"));
    assert_eq!(r.title().as_deref(), Some("Капитанская дочка (том 0)"));
    assert_eq!(r.author().as_deref(), Some("Пушкин А. С."));
    assert_eq!(r.subfield("200", 'f'), Some("Пушкин & <сотоварищи> Я"));
    assert_eq!(r.leader, "00000nam  2200000   450 ");
    let Field::Data { ind1, ind2, .. } = &r.fields[1] else { panic!("{:?}", r.fields) };
    assert_eq!((*ind1, *ind2), ('1', ' '));
}

#[test]
fn marcxml_with_and_without_namespace_and_prefix() {
    let body = RECORD_BODY;
    let prefixed = body.replace("<", "<marc:").replace("<marc:/", "</marc:").replace("<marc:![CDATA[", "<![CDATA[");
    let files = [
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim"><record>{body}</record><record>{body}</record></collection>"#),
        format!(r#"<marc:collection xmlns:marc="http://www.loc.gov/MARC21/slim"><marc:record>{prefixed}</marc:record><marc:record>{prefixed}</marc:record></marc:collection>"#),
        format!("<collection>\n<record>{body}</record>\n<record>{body}</record>\n</collection>"),
        format!("\u{FEFF}<record xmlns=\"http://www.loc.gov/MARC21/slim\">{body}</record><!-- a second root is read too --><record>{body}</record>"),
        // SRU wraps each MARC record in a record of its own.
        format!(
            r#"<searchRetrieveResponse><records><record><recordSchema>marcxml</recordSchema><recordData><record xmlns="http://www.loc.gov/MARC21/slim">{body}</record></recordData></record><record><recordData><record>{body}</record></recordData></record></records></searchRetrieveResponse>"#
        ),
    ];
    for file in &files {
        let c = read_catalog(file.as_bytes(), "x.xml", Encoding::Auto).unwrap_or_else(|e| panic!("{e}\n{file}"));
        assert_eq!(c.format, Format::MarcXml);
        assert_eq!(c.records.len(), 2, "{file}");
        assert!(c.broken.is_empty(), "{:?}", c.broken);
        assert_eq!(c.encoding, Encoding::Utf8);
        c.records.iter().for_each(check_xml_record);
    }
    // Declared Windows-1251, and Windows-1251 without a declaration.
    let declared =
        format!(r#"<?xml version="1.0" encoding="windows-1251"?><collection><record>{body}</record></collection>"#);
    let c = read_catalog(&bytes(&declared, Enc::Cp1251)[..], "x.xml", Encoding::Auto).unwrap();
    assert_eq!((c.encoding, c.declared), (Encoding::Windows1251, Some(Encoding::Windows1251)));
    check_xml_record(&c.records[0]);
    let bare = format!("<collection><record>{body}</record></collection>");
    let c = read_catalog(&bytes(&bare, Enc::Cp1251)[..], "x.xml", Encoding::Auto).unwrap();
    assert_eq!((c.encoding, c.declared), (Encoding::Windows1251, None));
    check_xml_record(&c.records[0]);
}

#[test]
fn invalid_marcxml_is_told_with_line_and_column() {
    let e = refused(
        "<collection>\n<record>\n  <leader>x</leader>\n  <datafield tag=\"200\">\n</record>".as_bytes(),
        "x.xml",
    );
    assert_eq!((e.row, e.column.as_deref()), (Some(5), Some("1")), "{e}");
    assert!(e.to_string().starts_with("Файл «x.xml», строка 5, столбец 1: разметка XML нарушена"), "{e}");
    let e = refused(b"<collection><record a=\"1></collection>", "x.xml");
    assert!(e.message.contains("разметка XML нарушена"), "{e}");

    // Records before the damage are kept, and so is the record a cut-off file ends in.
    let good = format!("<collection><record>{RECORD_BODY}</record>\n<record>{RECORD_BODY}</record>\n");
    let c = read_catalog(
        format!("{good}<record><leader>x</leader><datafield></record>").as_bytes(),
        "x.xml",
        Encoding::Auto,
    )
    .unwrap();
    assert_eq!(c.records.len(), 2);
    assert_eq!(c.broken.len(), 1);
    assert_eq!(c.broken[0].number, 3);
    assert!(c.broken[0].reason.contains("строка"), "{}", c.broken[0]);
    let c = read_catalog(format!("{good}<record><leader>x</leader>").as_bytes(), "x.xml", Encoding::Auto).unwrap();
    assert_eq!((c.records.len(), c.broken.len()), (2, 1));
    assert!(c.broken[0].reason.contains("обрывается"), "{}", c.broken[0]);
}

// ---------------------------------------------------------------------------------------------
// Writers

#[test]
fn marcxml_and_tsv_written_read_back() {
    let c = read(&rusmarc_file(5, "0189", ' ', Enc::Cp1251));
    let mut xml = Vec::new();
    to_marcxml(&c.records, &mut xml).unwrap();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"http://www.loc.gov/MARC21/slim\">"
    ));
    assert!(text.contains("<subfield code=\"a\">Капитанская дочка (том 0)</subfield>"), "{text}");
    // quick-xml parses it whole.
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut subfields = 0;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) if e.local_name().as_ref() == "subfield" => subfields += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(subfields, 5 * 8);
    let back = read_catalog(&xml[..], "x.xml", Encoding::Auto).unwrap();
    assert_eq!(back.records, c.records, "every field and subfield");

    let mut tsv = Vec::new();
    to_tsv(&c.records, &mut tsv).unwrap();
    let tsv = String::from_utf8(tsv).unwrap();
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[1], "RU/IS/1\tВойна и мир (том 1)\tТолстой Л. Н.");

    // What XML cannot carry is escaped or left out.
    let odd = Record {
        leader: "00000nam  2200000   450 ".into(),
        fields: vec![
            Field::Control { tag: "001".into(), value: "a\tb".into() },
            Field::Data {
                tag: "200".into(),
                ind1: '"',
                ind2: '<',
                subfields: vec![('a', "x\u{1}y & \"z\" <w>".into()), ('&', "\u{FFFE}".into())],
            },
        ],
    };
    let mut xml = Vec::new();
    to_marcxml([&odd], &mut xml).unwrap();
    let back = read_catalog(&xml[..], "x.xml", Encoding::Auto).unwrap();
    let Field::Data { ind1, ind2, subfields, .. } = &back.records[0].fields[1] else { panic!() };
    assert_eq!((*ind1, *ind2), ('"', '<'));
    assert_eq!(subfields[0], ('a', "xy & \"z\" <w>".to_string()));
    assert_eq!(subfields[1].0, '&');
    assert_eq!(tsv_line(&odd), "a b\txy & \"z\" <w>\t");
}

#[test]
fn a_catalog_can_be_read_record_by_record() {
    let file = rusmarc_file(3, "0189", ' ', Enc::Cp1251);
    let mut reader = open_catalog(&file[..], "x.iso", Encoding::Auto, &Limits::default()).unwrap();
    assert_eq!(reader.format(), Format::Iso2709);
    let first = reader.next().unwrap().unwrap();
    assert_eq!(first.title(), Some(want_title(0)));
    assert_eq!(reader.encoding(), Encoding::Windows1251);
    assert_eq!(reader.by_ref().count(), 2);
    assert!(reader.failure().is_none());
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// One random mutation of `file`: flipped bytes, a truncation, inserted terminators and
/// delimiters, a deleted or a repeated range.
fn mutate(file: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut out = file.to_vec();
    for _ in 0..rng.gen_range(1..4) {
        if out.is_empty() {
            break;
        }
        let at = rng.gen_range(0..out.len());
        match rng.gen_range(0..6) {
            0 => {
                for _ in 0..rng.gen_range(1..16) {
                    let i = rng.gen_range(0..out.len());
                    out[i] ^= 1 << rng.gen_range(0..8);
                }
            }
            1 => out.truncate(at),
            2 => {
                for _ in 0..rng.gen_range(1..6) {
                    let i = rng.gen_range(0..=out.len());
                    out.insert(i, [RT, FT, US, b'\r', b'\n', b'<', b'0'][rng.gen_range(0..7)]);
                }
            }
            3 => {
                let end = (at + rng.gen_range(1..200)).min(out.len());
                out.drain(at..end);
            }
            4 => {
                let end = (at + rng.gen_range(1..300)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
            _ => {
                for _ in 0..rng.gen_range(1..8) {
                    let i = rng.gen_range(0..out.len());
                    out[i] = rng.gen();
                }
            }
        }
    }
    out
}

#[test]
fn thousands_of_mutations_never_panic_and_stay_within_memory() {
    let mut iso_file = rusmarc_file(20, "0189", ' ', Enc::Cp1251);
    iso_file.extend(rusmarc_file(10, "50  ", ' ', Enc::Utf8));
    let mut xml = Vec::new();
    to_marcxml(&read(&iso_file).records, &mut xml).unwrap();
    let mut rng = StdRng::seed_from_u64(2709);
    let (mut read_some, mut refused) = (0, 0);
    for (round, (base, n)) in [(&iso_file, 3000), (&xml, 500)].into_iter().enumerate() {
        for i in 0..n {
            let file = mutate(base, &mut rng);
            let (result, peak) = peak_of(|| {
                std::panic::catch_unwind(|| read_catalog(&file[..], "x", Encoding::Auto))
                    .unwrap_or_else(|_| panic!("round {round}, mutation {i} panicked: {file:?}"))
            });
            // The sound file reads in well under this; a mutation may not cost much more.
            assert!(peak < 2 << 20, "round {round}, mutation {i}: peak {peak} bytes");
            match result {
                Ok(c) => {
                    read_some += 1;
                    assert!(!c.records.is_empty());
                    for r in &c.records {
                        let _ = (r.title(), r.author(), r.id(), tsv_line(r));
                    }
                    for b in &c.broken {
                        assert!(b.number >= 1 && !b.reason.is_empty());
                    }
                }
                Err(e) => {
                    refused += 1;
                    assert!(!e.message.is_empty());
                }
            }
        }
    }
    assert!(read_some > 3000, "most mutations leave records to read: {read_some} read, {refused} refused");
}
