//! Storage: migrations and queries, one module per area, on SQLite and PostgreSQL alike.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod compliance;
pub mod db;
pub mod demo;
pub mod directory;
mod error;
pub mod fsem;
pub mod fund;
pub mod jobs;
pub mod planning;
pub mod reach;
pub mod scope;
pub mod sql;
pub mod testing;

pub use db::{now, Db, Ex, Tx};
pub use error::{Error, OrTaken};
pub use reach::Reach;

/// One page of a list, with the total count for paging.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// Search, sort and paging of a list, as the user asked for them.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub q: String,
    pub sort: String,
    pub desc: bool,
    pub page: i64,
    pub per_page: i64,
    pub archived: bool,
    /// A named filter a list may know (`no_consent` for librarians); others ignore it.
    pub filter: String,
}

/// The most rows one export or «all» list returns; a district has tens of schools and at most
/// a few hundred people, so only a broken database reaches it.
pub const MAX_EXPORT: i64 = 10_000;

impl ListQuery {
    pub fn all() -> ListQuery {
        ListQuery { per_page: MAX_EXPORT, page: 1, ..Default::default() }
    }
    /// The total of a list without a COUNT query when this page shows everything there is: the
    /// first page, not full. Most district lists fit one page, and the count is a second query.
    fn known_total(&self, shown: usize) -> Option<i64> {
        let (limit, offset) = self.limit_offset();
        (offset == 0 && (shown as i64) < limit).then_some(shown as i64)
    }
    fn limit_offset(&self) -> (i64, i64) {
        let per = self.per_page.clamp(1, MAX_EXPORT);
        (per, (self.page.clamp(1, 1_000_000) - 1) * per)
    }
    /// `ORDER BY` text from a whitelist of (sort key, column); the first entry is the default.
    /// Empty values go last in both directions, on both databases (their defaults differ).
    fn order_by(&self, columns: &[(&str, &str)], id: &str) -> String {
        let col = columns.iter().find(|(k, _)| *k == self.sort).unwrap_or(&columns[0]).1;
        format!("{col} IS NULL, {col} {}, {id}", if self.desc { "DESC" } else { "ASC" })
    }
}
