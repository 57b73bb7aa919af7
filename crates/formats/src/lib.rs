//! Readers and writers of the files users bring and take away. No SQL, no HTTP.

pub mod catalog;
pub mod chart;
pub mod csv;
pub mod docx;
pub mod fpu;
pub mod fsem;
pub mod marc;
pub mod plan;
pub mod sheets;
pub mod xlsx;
