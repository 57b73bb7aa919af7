//! Bytes as an ISO 2709 catalog: every record through the reader in each encoding, each record
//! written back as MARCXML and as a TSV line, and the whole file through `read_catalog`.
#![no_main]

use formats::marc::{tsv_line, Encoding, Iso2709Reader};
use formats_fuzz::{check_catalog, check_written};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for encoding in [Encoding::Auto, Encoding::Utf8, Encoding::Windows1251] {
        let mut reader = Iso2709Reader::new(data, encoding);
        let mut records = Vec::new();
        let mut items = 0;
        while let Some(item) = reader.next() {
            items += 1;
            match item {
                Ok(record) => {
                    let _ = tsv_line(&record);
                    records.push(record);
                }
                Err(broken) => {
                    // Broken records are numbered in file order, within the file, with a reason.
                    assert_eq!(broken.number, items);
                    assert!(broken.offset <= data.len() as u64, "{broken:?}");
                    assert!(!broken.reason.is_empty());
                }
            }
        }
        assert!(reader.bytes_read() <= data.len() as u64);
        assert!(reader.read_error().is_none());
        assert_ne!(reader.encoding(), Encoding::Auto);
        check_written(&records);
    }
    check_catalog(data, "каталог.iso");
});
