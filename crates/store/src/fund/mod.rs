//! The textbook fund: the federal list (ФПУ) in versions, curriculum choices, receipts and
//! write-offs, pupils per grade. Figures (provision, compliance) are computed by `domain::fund`
//! from what these queries return.

mod curriculum;
mod fpu;
mod holdings;
mod pupils;
mod summary;

pub use curriculum::*;
pub use fpu::*;
pub use holdings::*;
pub use pupils::*;
pub use summary::*;

/// `$N IS NULL OR school_id = $N` for a reach: a librarian reads their own school's fund only.
pub(crate) fn in_reach(school_col: &str, district: &str, school: &str) -> String {
    format!("{school_col} IN (SELECT id FROM schools WHERE district_id = {district} AND ({school} IS NULL OR id = {school}))")
}
