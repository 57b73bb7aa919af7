//! Bytes as a CSV table (UTF-8, UTF-16 or Windows-1251; `;`, `,` or tab): the rows come numbered
//! as a spreadsheet numbers them, or a Russian message says why not.
#![no_main]

use formats::csv::{decode, detect_delimiter, read_rows};
use formats_fuzz::is_russian;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = decode(data) {
        let _ = detect_delimiter(&text);
    }
    match read_rows(data, "таблица.csv") {
        Ok(rows) => {
            // Rows are numbered from 1, in order, and hold something.
            let mut last = 0;
            for row in &rows {
                assert!(row.number > last, "{} after {last}", row.number);
                last = row.number;
            }
        }
        Err(problem) => assert!(is_russian(&problem.message), "{problem}"),
    }
});
