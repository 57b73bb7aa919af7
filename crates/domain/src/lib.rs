//! Types and rules of the field, free of I/O: what a valid school, librarian or passport is,
//! school years, roles, the installation's clock, and the text cleaning and normalisation used
//! for storage and search.

pub mod clock;
pub mod dates;
pub mod directory;
pub mod errors;
pub mod fields;
pub mod fpu;
pub mod fsem;
pub mod fund;
pub mod password;
pub mod planning;
pub mod role;
#[cfg(feature = "sqlx")]
pub mod rows;
pub mod school_year;
pub mod text;

pub use errors::FieldErrors;
pub use role::Role;
pub use school_year::SchoolYear;
