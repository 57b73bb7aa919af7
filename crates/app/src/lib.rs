//! Use cases: the multi-step work that the web pages, the JSON API and the CLI share — accounts,
//! invitations and sign-in, saving directory records by the rules of who may change what, and
//! all-or-nothing imports. Transaction boundaries and audit entries are decided here (or in the
//! store), never in a handler or in `main.rs`; front doors only translate requests and answers.

pub mod accounts;
pub mod catalog;
pub mod compliance;
pub mod demo;
pub mod directory;
pub mod fsem;
pub mod fund;
pub mod hashing;
pub mod imports;
pub mod jobs;
pub mod planning;

pub use store::Error;
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A field error as the store reports it, for rules decided here.
pub(crate) fn field_error(field: &str, message: impl Into<String>) -> Error {
    let mut f = domain::FieldErrors::default();
    f.add(field, message);
    Error::Fields(f)
}
