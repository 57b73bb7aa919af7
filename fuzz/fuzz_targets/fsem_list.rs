//! Bytes as the ФСЭМ list. `fsem::read` tells XLSX from CSV by the bytes (a ZIP signature), not by
//! the name, so one call covers both; the corpus holds a small XLSX. A refusal says in Russian
//! what is wrong; a list read has entries.
#![no_main]

use formats_fuzz::is_russian;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match formats::fsem::read(data, "fsem.csv") {
        Ok(list) => {
            assert!(!list.entries.is_empty());
            for entry in &list.entries {
                assert!(entry.row >= 1);
                let _ = entry.to_list_entry();
            }
            for w in &list.warnings {
                assert!(is_russian(w), "{w}");
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            for p in &problems {
                assert!(is_russian(&p.message), "{p}");
            }
        }
    }
});
