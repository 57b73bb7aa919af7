//! Bytes as MARCXML: the reader in each encoding, the records written back as MARCXML and as TSV
//! lines, and the whole file through `read_catalog`.
#![no_main]

use formats::marc::{tsv_line, Encoding, MarcXmlReader};
use formats_fuzz::{check_catalog, check_written};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for encoding in [Encoding::Auto, Encoding::Utf8, Encoding::Windows1251] {
        let mut records = Vec::new();
        let mut items = 0;
        for item in MarcXmlReader::new(data, encoding) {
            items += 1;
            match item {
                Ok(record) => {
                    let _ = tsv_line(&record);
                    records.push(record);
                }
                Err(broken) => {
                    assert_eq!(broken.number, items);
                    assert!(!broken.reason.is_empty());
                }
            }
        }
        check_written(&records);
    }
    check_catalog(data, "каталог.xml");
});
