//! The seed corpus of the fuzz targets (fuzz/corpus/, made by fuzz/examples/seeds.rs) through the
//! readers in the ordinary test suite: every hostile file is read or refused with a Russian
//! message, never a panic, and the ones with a known outcome give it.

use std::path::PathBuf;

use formats::marc::{read_catalog, Encoding};

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    // At run time: a test binary built in another checkout must still read this one's files.
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{}: {} files", dir.display(), files.len());
    files
}

fn russian(message: &str) -> bool {
    message.chars().any(|c| ('А'..='я').contains(&c) || c == 'ё' || c == 'Ё')
}

/// (records read, broken) or the refusal.
fn catalog(name: &str, bytes: &[u8]) -> Result<(usize, usize), String> {
    match read_catalog(bytes, name, Encoding::Auto) {
        Ok(c) => {
            assert!(c.broken.iter().all(|b| russian(&b.reason)), "{name}: {:?}", c.broken);
            Ok((c.records.len(), c.broken.len()))
        }
        Err(p) => {
            assert!(russian(&p.message), "{name}: {p}");
            Err(p.message)
        }
    }
}

#[test]
fn catalog_seeds_are_read_or_refused_in_russian() {
    for target in ["iso2709", "marcxml"] {
        for (name, bytes) in corpus(target) {
            let got = catalog(&name, &bytes);
            let refused = |part: &str| matches!(&got, Err(m) if m.contains(part));
            match name.as_str() {
                "rusmarc_cp1251.iso" | "crlf.iso" | "missing_terminator.iso" => assert_eq!(got, Ok((2, 0)), "{name}"),
                "rusmarc_utf8.iso"
                | "marc21_utf8.iso"
                | "namespace.xml"
                | "prefix.xml"
                | "sru_wrapper.xml"
                | "cp1251_no_namespace.xml" => assert_eq!(got, Ok((1, 0)), "{name}"),
                "written.xml" => assert_eq!(got, Ok((2, 0)), "{name}"),
                "truncated.iso" | "cut_off.xml" => assert!(matches!(got, Ok((_, 1))), "{name}: {got:?}"),
                "empty.iso" | "empty.xml" => assert!(refused("файл пустой"), "{name}: {got:?}"),
                "pdf.iso" => assert!(refused("это документ PDF, а не каталог"), "{name}: {got:?}"),
                "broken.xml" => assert!(refused("разметка XML нарушена"), "{name}: {got:?}"),
                _ => {}
            }
        }
    }
}

#[test]
fn list_and_csv_seeds_are_read_or_refused_in_russian() {
    for (name, bytes) in corpus("fsem_list") {
        let got = formats::fsem::read(&bytes, &name);
        match &got {
            Ok(list) => assert!(list.warnings.iter().all(|w| russian(w)), "{name}: {:?}", list.warnings),
            Err(problems) => assert!(problems.iter().all(|p| russian(&p.message)), "{name}: {problems:?}"),
        }
        let entries = got.as_ref().map(|l| l.entries.len()).map_err(|p| p[0].message.clone());
        match name.as_str() {
            "bom_crlf.csv" => assert_eq!(entries, Ok(3), "{name}"),
            "list.xlsx" => assert_eq!(entries, Ok(1), "{name}"),
            "cp1251_numbered.csv" => assert!(matches!(&entries, Err(m) if m.contains("повторяется")), "{entries:?}"),
            "empty.csv" => assert!(matches!(&entries, Err(m) if m.contains("пустой")), "{entries:?}"),
            "pdf.csv" => assert!(matches!(&entries, Err(m) if m.contains("PDF")), "{entries:?}"),
            _ => {}
        }
    }
    for (name, bytes) in corpus("csv") {
        match formats::csv::read_rows(&bytes, &name) {
            Ok(rows) => {
                assert!(!rows.is_empty(), "{name}");
                assert!(rows.windows(2).all(|w| w[0].number < w[1].number), "{name}");
                if matches!(name.as_str(), "bom_crlf.csv" | "cp1251.csv" | "utf16le.txt") {
                    let numbers: Vec<u32> = rows.iter().map(|r| r.number).collect();
                    // A quoted line break is no row of its own.
                    assert_eq!(numbers, [1, 3, 4, 6, 7], "{name}");
                    assert_eq!(rows[2].cells, ["x\ny", "с \"кавычками\""], "{name}");
                }
            }
            Err(p) => {
                assert!(russian(&p.message), "{name}: {p}");
                assert!(
                    !matches!(name.as_str(), "bom_crlf.csv" | "cp1251.csv" | "utf16le.txt" | "comma_lf.csv"),
                    "{name}: {p}"
                );
            }
        }
    }
}
