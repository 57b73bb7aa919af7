//! Imports from XLSX, shared by the web pages and the CLI: one mechanism that a record kind joins
//! by implementing [`Kind`]. All-or-nothing: the file is read as a stream within limits, every
//! row is checked and prepared with no transaction open, then all rows are written in one short
//! transaction, and any problem rolls the whole file back. Problems name file, sheet, row, column.

use std::collections::HashMap;
use std::future::Future;

use domain::directory::{LibrarianFields, LibrarianInput, SchoolFields, SchoolInput};
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

pub const SCHOOL_COLUMNS: &[Column] = &[
    Column { key: "short_name", header: "Краткое наименование", required: true },
    // Required for a new school (validation says so), not for a file that updates known ones.
    Column { key: "full_name", header: "Полное наименование", required: false },
    Column { key: "kind", header: "Тип", required: false },
    Column { key: "address", header: "Адрес", required: false },
    Column { key: "director", header: "Директор", required: false },
    Column { key: "phone", header: "Телефон", required: false },
    Column { key: "email", header: "Электронная почта", required: false },
    Column { key: "inn", header: "ИНН", required: false },
];

pub const LIBRARIAN_COLUMNS: &[Column] = &[
    Column { key: "full_name", header: "ФИО", required: true },
    Column { key: "school", header: "Школа (краткое наименование)", required: true },
    Column { key: "position", header: "Должность", required: false },
    Column { key: "education", header: "Образование", required: false },
    Column { key: "experience_years", header: "Стаж, лет", required: false },
    Column { key: "category", header: "Квалификационная категория", required: false },
    Column { key: "attestation_date", header: "Дата аттестации", required: false },
    Column {
        key: "next_attestation_date", header: "Дата следующей аттестации", required: false
    },
    Column { key: "self_education_theme", header: "Тема самообразования", required: false },
    Column { key: "email", header: "Электронная почта", required: false },
    Column { key: "phone", header: "Телефон", required: false },
    Column {
        key: "consent_processing_date", header: "Согласие на обработку ПДн", required: false
    },
    Column { key: "consent_publication_date", header: "Согласие на публикацию", required: false },
];

fn school_input(r: &Row) -> SchoolInput {
    SchoolInput {
        full_name: r.get("full_name"),
        short_name: r.get("short_name"),
        kind: r.get("kind"),
        address: r.get("address"),
        director: r.get("director"),
        phone: r.get("phone"),
        email: r.get("email"),
        inn: r.get("inn"),
    }
}

fn librarian_input(r: &Row) -> LibrarianInput {
    LibrarianInput {
        full_name: r.get("full_name"),
        position: r.get("position"),
        education: r.get("education"),
        experience_years: r.get("experience_years"),
        category: r.get("category"),
        attestation_date: r.get("attestation_date"),
        next_attestation_date: r.get("next_attestation_date"),
        self_education_theme: r.get("self_education_theme"),
        email: r.get("email"),
        phone: r.get("phone"),
        consent_processing_date: r.get("consent_processing_date"),
        consent_publication_date: r.get("consent_publication_date"),
    }
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

/// A cell's value, or the stored one when the cell is empty or its column is not in the file:
/// re-importing a short list never erases what the file does not mention.
fn keep(row: &Row, key: &str, stored: String) -> String {
    let v = row.get(key);
    if domain::text::clean(&v).is_empty() {
        stored
    } else {
        v
    }
}

fn merged_school(r: &Row, s: SchoolInput) -> SchoolInput {
    SchoolInput {
        full_name: keep(r, "full_name", s.full_name),
        short_name: keep(r, "short_name", s.short_name),
        kind: keep(r, "kind", s.kind),
        address: keep(r, "address", s.address),
        director: keep(r, "director", s.director),
        phone: keep(r, "phone", s.phone),
        email: keep(r, "email", s.email),
        inn: keep(r, "inn", s.inn),
    }
}

fn merged_librarian(r: &Row, l: LibrarianInput) -> LibrarianInput {
    LibrarianInput {
        full_name: keep(r, "full_name", l.full_name),
        position: keep(r, "position", l.position),
        education: keep(r, "education", l.education),
        experience_years: keep(r, "experience_years", l.experience_years),
        category: keep(r, "category", l.category),
        attestation_date: keep(r, "attestation_date", l.attestation_date),
        next_attestation_date: keep(r, "next_attestation_date", l.next_attestation_date),
        self_education_theme: keep(r, "self_education_theme", l.self_education_theme),
        email: keep(r, "email", l.email),
        phone: keep(r, "phone", l.phone),
        consent_processing_date: keep(r, "consent_processing_date", l.consent_processing_date),
        consent_publication_date: keep(r, "consent_publication_date", l.consent_publication_date),
    }
}

/// A record kind that can be imported: its columns, the most rows a district can have of it, how
/// one row is checked and prepared (reads only, no transaction open) and how it is written.
pub trait Kind: Send + Sync {
    type Prepared: Send + Sync;
    const COLUMNS: &'static [Column];
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
    // The header and one row more than allowed are enough to know the file is too long; no part of
    // a directory file needs more than 32 MB unpacked (calamine holds the shared strings whole).
    let limits = xlsx::Limits {
        max_rows: (K::MAX_ROWS + 2) as u32,
        max_part_bytes: 32 * 1024 * 1024,
        ..xlsx::Limits::default()
    };
    let t = xlsx::read_table_limited(bytes, file, K::COLUMNS, &limits).map_err(|p| ImportError::Problems(vec![p]))?;
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
    const COLUMNS: &'static [Column] = SCHOOL_COLUMNS;
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
        let input = match &existing {
            Some(s) => merged_school(r, s.input()),
            None => school_input(r),
        };
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
    const COLUMNS: &'static [Column] = LIBRARIAN_COLUMNS;
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
            Some(s) => directory::librarian_by_name(ex, s, &r.get("full_name")).await?,
            None => None,
        };
        if let Some(l) = existing.as_ref().filter(|l| l.archived_at.is_some()) {
            let msg = format!("запись «{}» в архиве: верните её из архива, прежде чем обновлять", l.full_name);
            problems.push(t.problem(r.number, Some("full_name"), msg));
            return Ok(None);
        }
        let input = match &existing {
            Some(l) => merged_librarian(r, l.input()),
            None => librarian_input(r),
        };
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
