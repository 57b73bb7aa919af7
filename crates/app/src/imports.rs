//! Imports from XLSX, shared by the web pages and the CLI: one mechanism that a record kind joins
//! by implementing [`Kind`]. All-or-nothing: the file is read as a stream within limits, every
//! row is checked and prepared with no transaction open, then all rows are written in one short
//! transaction, and any problem rolls the whole file back. Problems name file, sheet, row, column.

use std::collections::HashMap;
use std::future::Future;

use domain::directory::{LibrarianFields, LibrarianInput, SchoolFields, SchoolInput};
use domain::fields::{Field, Record};
use formats::xlsx::{self, Column, Problem, Row, Table};
use store::audit::{self, Change};
use store::{directory, Db, Ex, Reach};

/// At most this many problems are listed; a file with more is broken throughout.
const MAX_PROBLEMS: usize = 50;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    /// Rows that matched a record and changed nothing in it.
    pub unchanged: usize,
}

impl Report {
    fn count(&mut self, changed: bool) {
        if changed {
            self.updated += 1
        } else {
            self.unchanged += 1
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "добавлено {}, обновлено {}, без изменений {}", self.created, self.updated, self.unchanged)
    }
}

#[derive(Debug)]
pub enum ImportError {
    /// The upload itself failed (no file chosen, connection cut).
    Upload(String),
    Problems(Vec<Problem>),
    Store(store::Error),
}

impl From<store::Error> for ImportError {
    fn from(e: store::Error) -> Self {
        ImportError::Store(e)
    }
}

/// The columns of a record kind's file: its declared fields, those in `required` marked so, and
/// `extra` columns the record does not hold itself (a librarian's school) after the first.
fn columns_of(fields: &'static [Field], required: &[&str], extra: &[Column]) -> Vec<Column> {
    let mut cols: Vec<Column> =
        fields.iter().map(|f| Column { key: f.key, header: f.label, required: required.contains(&f.key) }).collect();
    let at = 1.min(cols.len());
    cols.splice(at..at, extra.iter().copied());
    cols
}

/// A record from a row of the file. Over a stored record, an empty cell or a column the file
/// lacks keeps the stored value: re-importing a short list never erases what it does not mention.
fn from_row<R: Record>(r: &Row, stored: Option<R>) -> R {
    let mut rec = stored.unwrap_or_default();
    for f in R::FIELDS {
        let v = r.get(f.key);
        if !domain::text::clean(&v).is_empty() {
            rec.set(f.key, v);
        }
    }
    rec
}

/// Remembers the first row of each key and reports later rows that repeat it.
struct Duplicates<'a> {
    seen: HashMap<String, u32>,
    what: &'a str,
}

impl Duplicates<'_> {
    fn check(&mut self, t: &Table, row: u32, column: &str, key: String, problems: &mut Vec<Problem>) {
        if key.is_empty() {
            return;
        }
        if let Some(first) = self.seen.get(&key) {
            problems.push(t.problem(row, Some(column), format!("{} {first}", self.what)));
        } else {
            self.seen.insert(key, row);
        }
    }
}

fn field_problems(t: &Table, row: u32, e: &domain::FieldErrors, problems: &mut Vec<Problem>) {
    for fe in &e.0 {
        problems.push(t.problem(row, Some(&fe.field), fe.message.clone()));
    }
}

fn store_problem(t: &Table, row: u32, e: store::Error, problems: &mut Vec<Problem>) -> Result<(), ImportError> {
    match e {
        store::Error::Fields(f) => field_problems(t, row, &f, problems),
        store::Error::Invalid(m) => problems.push(t.problem(row, None, m)),
        other => return Err(ImportError::Store(other)),
    }
    Ok(())
}

fn stop(mut problems: Vec<Problem>) -> Result<Report, ImportError> {
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        let mut last = problems[MAX_PROBLEMS - 1].clone();
        (last.row, last.column) = (None, None);
        last.message = format!("и ещё ошибок: {more} — исправьте показанные и загрузите файл снова");
        problems.push(last);
    }
    Err(ImportError::Problems(problems))
}

/// A record kind that can be imported: its columns, the most rows a district can have of it, how
/// one row is checked and prepared (reads only, no transaction open) and how it is written.
pub trait Kind: Send + Sync {
    type Prepared: Send + Sync;
    /// The columns a file of this kind may have, in the template's order.
    fn columns() -> Vec<Column>;
    /// More rows than this in one file is a mistake (a district has 10–60 schools).
    const MAX_ROWS: usize;
    /// «школ», «сотрудников»: what the rows are, in the genitive plural.
    const WHAT: &'static str;
    /// The audit entity and the words of its summary.
    const ENTITY: &'static str;
    const TITLE: &'static str;

    /// Checks one row, pushing every problem it has; Some when it can be written.
    fn prepare(
        &mut self,
        ex: &mut Ex<'_>,
        reach: &Reach,
        t: &Table,
        r: &Row,
        problems: &mut Vec<Problem>,
    ) -> impl Future<Output = Result<Option<Self::Prepared>, ImportError>> + Send;

    /// Writes a prepared row: Ok(None) created, Ok(Some(changed)) updated.
    fn write(
        &self,
        ex: &mut Ex<'_>,
        reach: &Reach,
        p: &Self::Prepared,
    ) -> impl Future<Output = Result<Option<bool>, store::Error>> + Send;

    fn row_of(p: &Self::Prepared) -> u32;
}

/// Reads, checks and writes one file of a kind, all or nothing.
pub async fn import<K: Kind>(
    db: &Db,
    reach: &Reach,
    kind: &mut K,
    bytes: &[u8],
    file: &str,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Report, ImportError> {
    // A header row and the rows a district can have; no part of a directory file needs more than
    // 32 MB unpacked (calamine holds the shared strings whole).
    let limits = xlsx::Limits {
        max_rows: (K::MAX_ROWS + 1) as u32,
        max_part_bytes: 32 * 1024 * 1024,
        ..xlsx::Limits::default()
    };
    let t =
        xlsx::read_table_limited(bytes, file, &K::columns(), &limits).map_err(|p| ImportError::Problems(vec![p]))?;
    if t.rows.len() > K::MAX_ROWS {
        let message = format!(
            "в файле больше {} строк данных, а столько {} в одном округе не бывает; проверьте, тот ли это файл",
            K::MAX_ROWS,
            K::WHAT
        );
        let p = Problem { file: t.file.clone(), sheet: Some(t.sheet.clone()), row: None, column: None, message };
        return Err(ImportError::Problems(vec![p]));
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut c = db.conn().await?;
    for r in &t.rows {
        if let Some(p) = kind.prepare(&mut c.ex(), reach, &t, r, &mut problems).await? {
            rows.push(p);
        }
    }
    drop(c);
    if !problems.is_empty() {
        return stop(problems);
    }
    let mut tx = db.begin().await?;
    let mut report = Report::default();
    let total = rows.len();
    for (i, p) in rows.iter().enumerate() {
        match kind.write(&mut tx.ex(), reach, p).await {
            Ok(None) => report.created += 1,
            Ok(Some(changed)) => report.count(changed),
            Err(e) => store_problem(&t, K::row_of(p), e, &mut problems)?,
        }
        progress(i + 1, total);
    }
    if !problems.is_empty() {
        return stop(problems); // the transaction is dropped: nothing is written
    }
    let change = Change {
        action: "import",
        entity: K::ENTITY,
        entity_id: None,
        district_id: Some(reach.district()),
        summary: format!("{} из «{file}»: {report}", K::TITLE),
        before: None,
        after: None,
    };
    audit::record(&mut tx.ex(), &reach.actor(), change).await?;
    tx.commit().await?;
    Ok(report)
}

/// Schools of the district, recognised by their short name.
pub struct Schools {
    names: Duplicates<'static>,
    inns: Duplicates<'static>,
}

impl Default for Schools {
    fn default() -> Self {
        Schools {
            names: Duplicates {
                seen: HashMap::new(), what: "Краткое наименование повторяет строку"
            },
            inns: Duplicates { seen: HashMap::new(), what: "ИНН повторяет строку" },
        }
    }
}

impl Kind for Schools {
    type Prepared = (u32, Option<i64>, SchoolFields);
    fn columns() -> Vec<Column> {
        // The full name is required of a new school (validation says so), not of a file that
        // updates known ones by their short name.
        columns_of(SchoolInput::FIELDS, &["short_name"], &[])
    }
    const MAX_ROWS: usize = 500;
    const WHAT: &'static str = "школ";
    const ENTITY: &'static str = "school";
    const TITLE: &'static str = "Импорт школ";

    async fn prepare(
        &mut self,
        ex: &mut Ex<'_>,
        reach: &Reach,
        t: &Table,
        r: &Row,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<Self::Prepared>, ImportError> {
        let existing = directory::school_by_short_name(ex, reach, &r.get("short_name")).await?;
        if let Some(s) = existing.as_ref().filter(|s| s.archived_at.is_some()) {
            let msg =
                format!("школа «{}» в архиве: верните её из архива или укажите другое наименование", s.short_name);
            problems.push(t.problem(r.number, Some("short_name"), msg));
            return Ok(None);
        }
        let input = from_row(r, existing.as_ref().map(|s| s.input()));
        match input.validate() {
            Ok(f) => {
                self.names.check(t, r.number, "short_name", f.short_name.clone(), problems);
                let inn = f.inn.as_ref().map(|i| i.as_str().to_string()).unwrap_or_default();
                self.inns.check(t, r.number, "inn", inn, problems);
                Ok(Some((r.number, existing.map(|s| s.id), f)))
            }
            Err(e) => {
                field_problems(t, r.number, &e, problems);
                Ok(None)
            }
        }
    }

    async fn write(&self, ex: &mut Ex<'_>, reach: &Reach, p: &Self::Prepared) -> Result<Option<bool>, store::Error> {
        match p.1 {
            Some(id) => directory::update_school(ex, &reach.actor(), id, &p.2).await.map(Some),
            None => directory::create_school(ex, reach, &p.2).await.map(|_| None),
        }
    }

    fn row_of(p: &Self::Prepared) -> u32 {
        p.0
    }
}

/// Librarians of the district, recognised by full name within their school.
pub struct Librarians {
    people: Duplicates<'static>,
    schools: HashMap<String, Option<i64>>,
}

impl Default for Librarians {
    fn default() -> Self {
        Librarians {
            people: Duplicates { seen: HashMap::new(), what: "ФИО и школа повторяют строку" },
            schools: HashMap::new(),
        }
    }
}

impl Kind for Librarians {
    type Prepared = (u32, i64, Option<i64>, LibrarianFields);
    fn columns() -> Vec<Column> {
        let school =
            Column { key: "school", header: "Школа (краткое наименование)", required: true };
        columns_of(LibrarianInput::FIELDS, &["full_name"], &[school])
    }
    const MAX_ROWS: usize = 2000;
    const WHAT: &'static str = "библиотекарей";
    const ENTITY: &'static str = "librarian";
    const TITLE: &'static str = "Импорт банка данных библиотекарей";

    async fn prepare(
        &mut self,
        ex: &mut Ex<'_>,
        reach: &Reach,
        t: &Table,
        r: &Row,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<Self::Prepared>, ImportError> {
        let school_name = r.get("school");
        let school = match self.schools.get(&school_name) {
            Some(s) => *s,
            None => {
                let s = directory::school_by_short_name(ex, reach, &school_name)
                    .await?
                    .filter(|s| s.archived_at.is_none())
                    .map(|s| s.id);
                self.schools.insert(school_name.clone(), s);
                s
            }
        };
        if school.is_none() {
            let msg = if school_name.is_empty() {
                "Школа: обязательное поле".to_string()
            } else {
                format!(
                    "школы «{school_name}» нет в справочнике округа; укажите краткое наименование, как в списке школ"
                )
            };
            problems.push(t.problem(r.number, Some("school"), msg));
        }
        let existing = match school {
            Some(s) => directory::librarian_by_name(ex, reach, s, &r.get("full_name")).await?,
            None => None,
        };
        if let Some(l) = existing.as_ref().filter(|l| l.archived_at.is_some()) {
            let msg = format!("запись «{}» в архиве: верните её из архива, прежде чем обновлять", l.full_name);
            problems.push(t.problem(r.number, Some("full_name"), msg));
            return Ok(None);
        }
        let input = from_row(r, existing.as_ref().map(|l| l.input()));
        // Every problem of the row is reported, the school's and the fields' alike.
        match (input.validate(), school) {
            (Ok(f), Some(school)) => {
                self.people.check(t, r.number, "full_name", format!("{}|{school_name}", f.full_name), problems);
                Ok(Some((r.number, school, existing.map(|l| l.id), f)))
            }
            (Ok(_), None) => Ok(None),
            (Err(e), _) => {
                field_problems(t, r.number, &e, problems);
                Ok(None)
            }
        }
    }

    async fn write(&self, ex: &mut Ex<'_>, reach: &Reach, p: &Self::Prepared) -> Result<Option<bool>, store::Error> {
        match p.2 {
            Some(id) => directory::update_librarian(ex, &reach.actor(), id, p.1, &p.3).await.map(Some),
            None => directory::create_librarian(ex, &reach.actor(), p.1, &p.3).await.map(|_| None),
        }
    }

    fn row_of(p: &Self::Prepared) -> u32 {
        p.0
    }
}

/// An empty import template: the header row, and a sheet that explains the columns.
pub fn template(columns: &[Column], notes: &[&str]) -> Result<Vec<u8>, xlsx::XlsxError> {
    let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
    let mut lines: Vec<String> = vec![
        "Как заполнять лист «Данные»: одна строка — одна запись, первая строка — заголовки.".into(),
        String::new(),
    ];
    lines.extend(columns.iter().map(|c| format!("{}{}", c.header, if c.required { " — обязательно" } else { "" })));
    lines.push(String::new());
    lines.extend(notes.iter().map(|s| s.to_string()));
    xlsx::write_table("Данные", &headers, &[], Some(("Инструкция", &lines)))
}
