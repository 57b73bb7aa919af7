//! Reading a hostile XLSX must cost little memory whatever the file claims. A counting global
//! allocator records the peak of live heap bytes while `read_table` runs. The grid-building reader
//! this replaced aborted on the first file (it asked for 512 GiB) and held the whole 200 MiB string
//! of the second; the third aborted calamine itself (it reserved room for 10¹² strings).
//!
//! Its own test binary, so no other test allocates while one of these measures; the tests in it
//! take turns through `ONE_AT_A_TIME`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use formats::xlsx::{read_table, Column};
use rust_xlsxwriter::Workbook;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// `System`, counting the bytes currently allocated and the most there have been.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const LIMIT: usize = 64 * 1024 * 1024;

/// Runs `f` and returns how far the heap grew above where it started.
fn peak_while<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = CURRENT.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - start)
}

const COLUMNS: &[Column] = &[
    Column { key: "name", header: "Наименование", required: true },
    Column { key: "inn", header: "ИНН", required: false },
];

/// Header, one ordinary row, and `far` if given: a text cell at (0-based row, column).
fn book(far: Option<(u32, u16)>) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet().set_name("Лист1").unwrap();
    ws.write_string(0, 0, "Наименование").unwrap();
    ws.write_string(0, 1, "ИНН").unwrap();
    ws.write_string(1, 0, "Школа").unwrap();
    if let Some((r, c)) = far {
        ws.write_string(r, c, "x").unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// `bytes` with xl/sharedStrings.xml rewritten by `write` (old text, new part's writer), deflated
/// as it is written so that the test itself stays small.
fn with_shared_strings(bytes: &[u8], write: impl FnOnce(&str, &mut ZipWriter<Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut old = ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut new = ZipWriter::new(Cursor::new(Vec::new()));
    let mut write = Some(write);
    for i in 0..old.len() {
        let mut part = old.by_index(i).unwrap();
        if part.name().unwrap() == "xl/sharedStrings.xml" {
            let mut text = String::new();
            part.read_to_string(&mut text).unwrap();
            let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
            new.start_file("xl/sharedStrings.xml", options).unwrap();
            (write.take().unwrap())(&text, &mut new);
        } else {
            new.raw_copy_file(part).unwrap();
        }
    }
    new.finish().unwrap().into_inner()
}

#[test]
fn a_cell_at_xfd1048576_costs_next_to_nothing() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = book(Some((1_048_575, 16_383)));
    let (result, peak) = peak_while(|| read_table(&bytes, "x.xlsx", COLUMNS));
    let e = result.unwrap_err();
    assert!(e.to_string().contains("XFD1048576"), "{e}");
    assert!(peak < LIMIT, "peak {peak} bytes");
}

#[test]
fn a_200_mib_shared_string_is_never_inflated() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = with_shared_strings(&book(None), |old, w| {
        let end = old.rfind("</sst>").unwrap();
        w.write_all(&old.as_bytes()[..end]).unwrap();
        w.write_all(b"<si><t>").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..200 {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"</t></si></sst>").unwrap();
    });
    let (result, peak) = peak_while(|| read_table(&bytes, "x.xlsx", COLUMNS));
    let e = result.unwrap_err();
    assert!(e.to_string().contains("слишком большой объём"), "{e}");
    assert!(peak < LIMIT, "peak {peak} bytes");
}

#[test]
fn a_claim_of_a_trillion_shared_strings_reserves_nothing() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = with_shared_strings(&book(None), |old, w| {
        let at = old.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = at + old[at..].find('"').unwrap();
        w.write_all(format!("{}1000000000000{}", &old[..at], &old[end..]).as_bytes()).unwrap();
    });
    let (result, peak) = peak_while(|| read_table(&bytes, "x.xlsx", COLUMNS));
    let e = result.unwrap_err();
    assert!(e.to_string().contains("заявлено"), "{e}");
    assert!(peak < LIMIT, "peak {peak} bytes");
}

#[test]
fn an_honest_file_reads_in_proportion_to_what_it_holds() {
    // A sanity check of the measurement: reading a real 20 000-row list succeeds, and the peak
    // is bounded by the kept data, far below the limit.
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut book = Workbook::new();
    let ws = book.add_worksheet().set_name("Лист1").unwrap();
    ws.write_string(0, 0, "Наименование").unwrap();
    ws.write_string(0, 1, "ИНН").unwrap();
    for r in 1..=20_000u32 {
        ws.write_string(r, 0, format!("Школа № {r}")).unwrap();
        ws.write_number(r, 1, 7_707_083_893.0 + f64::from(r)).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let (result, peak) = peak_while(|| read_table(&bytes, "x.xlsx", COLUMNS));
    assert_eq!(result.unwrap().rows.len(), 20_000);
    assert!(peak < LIMIT, "peak {peak} bytes");
}
