//! The directory: districts, schools, library passports, the librarians' data bank.

mod districts;
mod librarians;
mod passports;
mod schools;

pub use districts::*;
pub use librarians::*;
pub use passports::*;
pub use schools::*;
