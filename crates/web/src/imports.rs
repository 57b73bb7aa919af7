//! Imports of schools and librarians from XLSX, shared by the web pages and the CLI.
//! All-or-nothing: every row is checked first, then all are written in one transaction, and any
//! problem rolls the whole file back. Problems name the file, sheet, row and column.

use std::collections::HashMap;

use domain::directory::{LibrarianInput, SchoolInput};
use formats::xlsx::{self, Column, Problem, Row, Table};
use store::audit::{self, Actor, Change};
use store::{directory, Db};

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
    if v.trim().is_empty() {
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

/// Records the import in the audit log and commits every row at once.
async fn finish(
    mut tx: store::Tx,
    actor: &Actor,
    district: i64,
    entity: &str,
    summary: String,
) -> Result<(), ImportError> {
    let change = Change {
        action: "import",
        entity,
        entity_id: None,
        district_id: Some(district),
        summary,
        before: None,
        after: None,
    };
    audit::record(&mut tx.ex(), actor, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn import_schools(
    db: &Db,
    actor: &Actor,
    district: i64,
    bytes: &[u8],
    file: &str,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Report, ImportError> {
    let t = xlsx::read_table(bytes, file, SCHOOL_COLUMNS).map_err(|p| ImportError::Problems(vec![p]))?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut names = Duplicates {
        seen: HashMap::new(), what: "Краткое наименование повторяет строку"
    };
    let mut inns = Duplicates { seen: HashMap::new(), what: "ИНН повторяет строку" };
    let mut c = db.conn().await?;
    for r in &t.rows {
        let existing = directory::school_by_short_name(&mut c.ex(), district, &r.get("short_name")).await?;
        if let Some(s) = existing.as_ref().filter(|s| s.archived_at.is_some()) {
            let msg =
                format!("школа «{}» в архиве: верните её из архива или укажите другое наименование", s.short_name);
            problems.push(t.problem(r.number, Some("short_name"), msg));
            continue;
        }
        let input = match &existing {
            Some(s) => merged_school(r, s.input()),
            None => school_input(r),
        };
        match input.validate() {
            Ok(f) => {
                names.check(&t, r.number, "short_name", f.short_name.clone(), &mut problems);
                let inn = f.inn.as_ref().map(|i| i.as_str().to_string()).unwrap_or_default();
                inns.check(&t, r.number, "inn", inn, &mut problems);
                rows.push((r.number, existing.map(|s| s.id), f));
            }
            Err(e) => field_problems(&t, r.number, &e, &mut problems),
        }
    }
    drop(c);
    if !problems.is_empty() {
        return stop(problems);
    }
    let mut tx = db.begin().await?;
    let mut report = Report::default();
    let total = rows.len();
    for (i, (number, existing, f)) in rows.iter().enumerate() {
        let res = match existing {
            Some(id) => {
                directory::update_school(&mut tx.ex(), actor, *id, f).await.map(|changed| report.count(changed))
            }
            None => directory::create_school(&mut tx.ex(), actor, district, f).await.map(|_| report.created += 1),
        };
        if let Err(e) = res {
            store_problem(&t, *number, e, &mut problems)?;
        }
        progress(i + 1, total);
    }
    if !problems.is_empty() {
        return stop(problems); // the transaction is dropped: nothing is written
    }
    let summary = format!("Импорт школ из «{file}»: {report}");
    finish(tx, actor, district, "school", summary).await?;
    Ok(report)
}

pub async fn import_librarians(
    db: &Db,
    actor: &Actor,
    district: i64,
    bytes: &[u8],
    file: &str,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Report, ImportError> {
    let t = xlsx::read_table(bytes, file, LIBRARIAN_COLUMNS).map_err(|p| ImportError::Problems(vec![p]))?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut people = Duplicates { seen: HashMap::new(), what: "ФИО и школа повторяют строку" };
    let mut schools: HashMap<String, Option<i64>> = HashMap::new();
    let mut c = db.conn().await?;
    for r in &t.rows {
        let school_name = r.get("school");
        let school = match schools.get(&school_name) {
            Some(s) => *s,
            None => {
                let s = directory::school_by_short_name(&mut c.ex(), district, &school_name)
                    .await?
                    .filter(|s| s.archived_at.is_none())
                    .map(|s| s.id);
                schools.insert(school_name.clone(), s);
                s
            }
        };
        let Some(school) = school else {
            let msg = if school_name.is_empty() {
                "Школа: обязательное поле".to_string()
            } else {
                format!(
                    "школы «{school_name}» нет в справочнике округа; укажите краткое наименование, как в списке школ"
                )
            };
            problems.push(t.problem(r.number, Some("school"), msg));
            continue;
        };
        let existing = directory::librarian_by_name(&mut c.ex(), school, &r.get("full_name")).await?;
        if let Some(l) = existing.as_ref().filter(|l| l.archived_at.is_some()) {
            let msg = format!("запись «{}» в архиве: верните её из архива, прежде чем обновлять", l.full_name);
            problems.push(t.problem(r.number, Some("full_name"), msg));
            continue;
        }
        let input = match &existing {
            Some(l) => merged_librarian(r, l.input()),
            None => librarian_input(r),
        };
        match input.validate() {
            Ok(f) => {
                people.check(&t, r.number, "full_name", format!("{}|{school_name}", f.full_name), &mut problems);
                rows.push((r.number, school, existing.map(|l| l.id), f));
            }
            Err(e) => field_problems(&t, r.number, &e, &mut problems),
        }
    }
    drop(c);
    if !problems.is_empty() {
        return stop(problems);
    }
    let mut tx = db.begin().await?;
    let mut report = Report::default();
    let total = rows.len();
    for (i, (number, school, existing, f)) in rows.iter().enumerate() {
        let res = match existing {
            Some(id) => directory::update_librarian(&mut tx.ex(), actor, *id, *school, f)
                .await
                .map(|changed| report.count(changed)),
            None => directory::create_librarian(&mut tx.ex(), actor, *school, f).await.map(|_| report.created += 1),
        };
        if let Err(e) = res {
            store_problem(&t, *number, e, &mut problems)?;
        }
        progress(i + 1, total);
    }
    if !problems.is_empty() {
        return stop(problems);
    }
    let summary = format!("Импорт банка данных библиотекарей из «{file}»: {report}");
    finish(tx, actor, district, "librarian", summary).await?;
    Ok(report)
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
