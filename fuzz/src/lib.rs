//! Checks shared by the fuzz targets. Each is cheap and holds for any input, hostile or not.

use formats::marc::{read_catalog, to_marcxml, Encoding, Field, MarcXmlReader, Record};

/// Whether a message is in Russian: it has Cyrillic letters (quoted English from a parser may
/// stand inside it).
pub fn is_russian(message: &str) -> bool {
    message.chars().any(|c| ('А'..='я').contains(&c) || c == 'ё' || c == 'Ё')
}

/// The whole file through `read_catalog`: records, or a refusal in Russian.
pub fn check_catalog(data: &[u8], file: &str) {
    match read_catalog(data, file, Encoding::Auto) {
        Ok(catalog) => {
            assert!(!catalog.records.is_empty());
            assert_ne!(catalog.encoding, Encoding::Auto);
            for b in &catalog.broken {
                assert!(is_russian(&b.reason), "{b}");
            }
        }
        Err(problem) => assert!(is_russian(&problem.message), "{problem}"),
    }
}

fn shape(record: &Record) -> Vec<(bool, usize)> {
    record
        .fields
        .iter()
        .map(|f| match f {
            Field::Control { .. } => (true, 0),
            Field::Data { subfields, .. } => (false, subfields.len()),
        })
        .collect()
}

/// The records written as MARCXML are well-formed UTF-8 that the reader takes back whole: as
/// many records, none broken, each with the same fields and subfields.
pub fn check_written(records: &[Record]) {
    let mut xml = Vec::new();
    to_marcxml(records, &mut xml).expect("writing to memory");
    assert!(std::str::from_utf8(&xml).is_ok());
    let back: Vec<_> = MarcXmlReader::new(&xml[..], Encoding::Utf8).collect();
    assert_eq!(back.len(), records.len());
    for (written, read) in records.iter().zip(back) {
        let read = read.unwrap_or_else(|b| panic!("written record read back broken: {b}"));
        assert_eq!(shape(written), shape(&read));
    }
}
