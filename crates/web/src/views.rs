//! Helpers the page templates share: Russian dates, list state (search, sort, paging), XLSX answers.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use domain::fields::{Kind, Record};
use formats::xlsx::Cell;
use serde::Deserialize;

pub fn date(d: &Option<NaiveDate>) -> String {
    d.map(domain::dates::format).unwrap_or_default()
}

/// A date for an `<input type=date>`.
pub fn iso(d: &Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// The installation's time zone as a column header says it: «МСК» for Moscow time.
pub fn zone_name() -> String {
    match domain::clock::zone() {
        chrono_tz::Europe::Moscow => "МСК".into(),
        other => other.name().to_string(),
    }
}

/// An instant in the installation's time zone, ДД.ММ.ГГГГ ЧЧ:ММ.
pub fn moment(t: &DateTime<Utc>) -> String {
    app::directory::moment(*t)
}

/// The Russian plural form for a count: 1 округ, 2 округа, 5 округов.
pub fn plural(n: &i64, one: &'static str, few: &'static str, many: &'static str) -> &'static str {
    let n = n.abs();
    match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    }
}

/// A count as Russian tables print it: thousands apart by a narrow no-break space («14 100»).
pub fn num(n: &Option<i64>) -> String {
    n.map(grouped).unwrap_or_default()
}

pub use domain::text::grouped;

pub fn dec(n: &Option<f64>) -> String {
    n.map(|n| n.to_string().replace('.', ",")).unwrap_or_default()
}

/// Query string of a list page: `?q=…&sort=…&desc=1&page=2&archived=1`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub q: String,
    pub sort: String,
    pub desc: Option<String>,
    /// Text, parsed leniently: a hand-edited address gets page 1, not an error.
    pub page: String,
    pub archived: Option<String>,
    pub school: String,
    /// A named filter of the list (`no_consent`), as the dashboard's tiles link to it.
    pub filter: String,
}

pub const PER_PAGE: i64 = 25;

impl ListParams {
    pub fn query(&self) -> store::ListQuery {
        store::ListQuery {
            q: self.q.clone(),
            sort: self.sort.clone(),
            desc: self.desc.is_some(),
            page: self.page().max(1),
            per_page: PER_PAGE,
            archived: self.archived.is_some(),
            filter: self.filter.chars().take(32).collect(),
        }
    }
    pub fn page(&self) -> i64 {
        self.page.trim().parse().unwrap_or(1)
    }
    pub fn school(&self) -> Option<i64> {
        self.school.trim().parse().ok()
    }
    /// Every row, for an export: at most [`store::MAX_EXPORT`], which no district reaches.
    pub fn everything(&self) -> store::ListQuery {
        store::ListQuery { page: 1, per_page: store::MAX_EXPORT, ..self.query() }
    }
}

/// What a list page needs to draw its search box, sortable headers and page links.
pub struct ListView {
    pub base: &'static str,
    pub params: ListParams,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl ListView {
    pub fn new<T>(base: &'static str, params: ListParams, page: &store::Page<T>) -> ListView {
        ListView { base, params, total: page.total, page: page.page, pages: page.pages() }
    }
    fn link(&self, sort: &str, desc: bool, page: i64) -> String {
        let mut s = format!("{}?q={}&sort={}", self.base, enc(&self.params.q), enc(sort));
        if desc {
            s.push_str("&desc=1");
        }
        if self.params.archived.is_some() {
            s.push_str("&archived=1");
        }
        if !self.params.filter.is_empty() {
            s.push_str(&format!("&filter={}", enc(&self.params.filter)));
        }
        if page > 1 {
            s.push_str(&format!("&page={page}"));
        }
        s
    }
    /// Link of a column header: sorts by it, or flips the direction if it already does.
    pub fn sort_link(&self, key: &str) -> String {
        let desc = self.params.sort == key && self.params.desc.is_none();
        self.link(key, desc, 1)
    }
    pub fn arrow(&self, key: &str) -> &'static str {
        if self.params.sort != key {
            ""
        } else if self.params.desc.is_some() {
            " ▼"
        } else {
            " ▲"
        }
    }
    pub fn page_link(&self, page: i64) -> String {
        self.link(&self.params.sort, self.params.desc.is_some(), page)
    }
    pub fn export_link(&self, path: &str) -> String {
        let mut s = format!("{path}?q={}&sort={}", enc(&self.params.q), enc(&self.params.sort));
        if self.params.archived.is_some() {
            s.push_str("&archived=1");
        }
        if !self.params.filter.is_empty() {
            s.push_str(&format!("&filter={}", enc(&self.params.filter)));
        }
        s
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
}

/// One field of a form as the template draws it, from the record's declaration.
pub struct FormRow {
    pub key: &'static str,
    /// The label, with « *» for a required field.
    pub label: String,
    /// `text`, `date`, `email`, `tel`, `select` or `checkbox`.
    pub input: &'static str,
    /// Digits are typed (a phone keyboard shows them).
    pub numeric: bool,
    pub value: String,
    pub options: &'static [(&'static str, &'static str)],
    /// Shown but not editable here (a librarian's category: the head sets it).
    pub fixed: bool,
}

/// The form rows of a record, in its declared order; `fixed` keys are shown disabled.
pub fn form_rows<R: Record>(r: &R, fixed: &[&str]) -> Vec<FormRow> {
    R::FIELDS
        .iter()
        .map(|f| {
            let value = r.get(f.key).unwrap_or_default();
            let (input, numeric, options, value) = match f.kind {
                // A date input takes ГГГГ-ММ-ДД; a date typed another way is shown as typed.
                Kind::Date => {
                    let shown = domain::dates::parse(value).map_or_else(|| value.to_string(), |d| iso(&Some(d)));
                    ("date", false, &[][..], shown)
                }
                Kind::Count | Kind::Decimal => ("text", true, &[][..], value.to_string()),
                Kind::Choice(choices) => ("select", false, choices, value.to_string()),
                Kind::Flag => ("checkbox", false, &[][..], value.to_string()),
                Kind::Email => ("email", false, &[][..], value.to_string()),
                Kind::Phone => ("tel", false, &[][..], value.to_string()),
                Kind::Text => ("text", false, &[][..], value.to_string()),
            };
            let label = if f.required { format!("{} *", f.label) } else { f.label.to_string() };
            FormRow { key: f.key, label, input, numeric, value, options, fixed: fixed.contains(&f.key) }
        })
        .collect()
}

/// A record as a card lists it: (label, value as people read it) of each field, «—» when empty.
pub fn facts<R: Record>(r: &R) -> Vec<(&'static str, String)> {
    R::FIELDS
        .iter()
        .map(|f| {
            let v = r.get(f.key).unwrap_or_default();
            let shown = match (f.kind, v.trim().parse::<i64>()) {
                (Kind::Count, Ok(n)) => grouped(n),
                _ => f.show(v),
            };
            (f.label, if shown.trim().is_empty() { "—".to_string() } else { shown })
        })
        .collect()
}

/// The labels of a record's fields, as an export's header row.
pub fn headers<R: Record>() -> Vec<&'static str> {
    R::FIELDS.iter().map(|f| f.label).collect()
}

/// A record's fields as cells of an export, by their declared kinds: dates as dates, counts as
/// numbers, choices by their titles.
pub fn cells<R: Record>(r: &R) -> Vec<Cell> {
    R::FIELDS
        .iter()
        .map(|f| {
            let v = r.get(f.key).unwrap_or_default();
            match f.kind {
                Kind::Date => Cell::Date(domain::dates::parse(v)),
                Kind::Count => Cell::Int(v.trim().parse().ok()),
                Kind::Decimal => Cell::Float(v.trim().replace(',', ".").parse().ok()),
                Kind::Choice(_) | Kind::Flag => Cell::Text(f.show(v)),
                Kind::Text | Kind::Email | Kind::Phone => Cell::Text(v.to_string()),
            }
        })
        .collect()
}

/// An XLSX file download.
pub fn xlsx(file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition =
        format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}", enc(file_name).replace('+', "%20"));
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A Word (DOCX) file download.
pub fn docx(file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition =
        format!("attachment; filename=\"document.docx\"; filename*=UTF-8''{}", enc(file_name).replace('+', "%20"));
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// How values read on a Russian page: dates ДД.ММ.ГГГГ, empty for unknown numbers, decimal commas.
pub trait Show {
    fn ru(&self) -> String;
}

impl Show for NaiveDate {
    fn ru(&self) -> String {
        domain::dates::format(*self)
    }
}

impl Show for Option<NaiveDate> {
    fn ru(&self) -> String {
        date(self)
    }
}

impl Show for DateTime<Utc> {
    fn ru(&self) -> String {
        moment(self)
    }
}

impl Show for i64 {
    fn ru(&self) -> String {
        grouped(*self)
    }
}

/// A grade as people write it: «7», «1 доп.» for the preparatory class 0.
pub trait GradeName {
    fn grade_ru(&self) -> String;
}

impl GradeName for u8 {
    fn grade_ru(&self) -> String {
        domain::fund::grade_name(*self)
    }
}

impl GradeName for i64 {
    fn grade_ru(&self) -> String {
        domain::fund::grade_name(u8::try_from(*self).unwrap_or(u8::MAX))
    }
}

impl Show for Option<i64> {
    fn ru(&self) -> String {
        num(self)
    }
}

impl Show for Option<f64> {
    fn ru(&self) -> String {
        dec(self)
    }
}

/// Name/value pairs of a form body, in order (repeated names for the lines of a table).
pub fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The first value of a field, empty when absent.
pub fn one(p: &[(String, String)], key: &str) -> String {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Every value of a repeated field, in order.
pub fn all(p: &[(String, String)], key: &str) -> Vec<String> {
    p.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
}

/// The school years a page offers to choose: last, this and next.
pub fn years() -> Vec<domain::SchoolYear> {
    let now = domain::SchoolYear::current();
    vec![now.prev(), now, now.next()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped_by_a_narrow_space() {
        assert_eq!(super::grouped(14100), "14\u{202F}100");
        assert_eq!(super::grouped(1234567), "1\u{202F}234\u{202F}567");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(-1000), "−1\u{202F}000");
    }
}
