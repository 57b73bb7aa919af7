//! Readers and writers of the files users bring and take away. No SQL, no HTTP.

pub mod xlsx;
