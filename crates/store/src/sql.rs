//! SQL text that differs between SQLite and PostgreSQL, in one place. Every query is written once;
//! where the two databases disagree, the difference is a helper here, tested on both in
//! `tests/dual_db.rs`. See ARCHITECTURE.md, «Two databases, one code path».

use crate::Ex;

/// `SUM` as BIGINT on both: PostgreSQL's `SUM(bigint)` is NUMERIC, which sqlx will not decode as
/// i64; an empty set sums to 0, not NULL.
pub fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

/// `COUNT` as BIGINT on both (SQLite's is INTEGER, PostgreSQL's bigint already; the cast keeps
/// the rule the same for every aggregate).
pub fn count(expr: &str) -> String {
    format!("CAST(COUNT({expr}) AS BIGINT)")
}

/// The values of a group joined by `sep` (a plain literal, no quotes): `group_concat` on SQLite,
/// `string_agg` on PostgreSQL. Order within the group is not promised by SQLite: sort in Rust
/// when it matters.
pub fn list_agg(ex: &Ex<'_>, expr: &str, sep: &str) -> String {
    assert!(!sep.contains('\''), "separator must be a plain literal");
    match ex {
        Ex::Sqlite(_) => format!("group_concat({expr}, '{sep}')"),
        Ex::Postgres(_) => format!("string_agg(CAST({expr} AS TEXT), '{sep}')"),
    }
}
