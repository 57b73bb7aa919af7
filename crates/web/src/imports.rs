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
    Column {
        key: "short_name",
        header: "Краткое наименование",
        required: true,
    },
    Column {
        key: "full_name",
        header: "Полное наименование",
        required: true,
    },
    Column {
        key: "kind",
        header: "Тип",
        required: true,
    },
    Column {
        key: "address",
        header: "Адрес",
        required: false,
    },
    Column {
        key: "director",
        header: "Директор",
        required: false,
    },
    Column {
        key: "phone",
        header: "Телефон",
        required: false,
    },
    Column {
        key: "email",
        header: "Электронная почта",
        required: false,
    },
    Column {
        key: "inn",
        header: "ИНН",
        required: false,
    },
];

pub const LIBRARIAN_COLUMNS: &[Column] = &[
    Column {
        key: "full_name",
        header: "ФИО",
        required: true,
    },
    Column {
        key: "school",
        header: "Школа (краткое наименование)",
        required: true,
    },
    Column {
        key: "position",
        header: "Должность",
        required: false,
    },
    Column {
        key: "education",
        header: "Образование",
        required: false,
    },
    Column {
        key: "experience_years",
        header: "Стаж, лет",
        required: false,
    },
    Column {
        key: "category",
        header: "Квалификационная категория",
        required: false,
    },
    Column {
        key: "attestation_date",
        header: "Дата аттестации",
        required: false,
    },
    Column {
        key: "next_attestation_date",
        header: "Дата следующей аттестации",
        required: false,
    },
    Column {
        key: "self_education_theme",
        header: "Тема самообразования",
        required: false,
    },
    Column {
        key: "email",
        header: "Электронная почта",
        required: false,
    },
    Column {
        key: "phone",
        header: "Телефон",
        required: false,
    },
    Column {
        key: "consent_processing_date",
        header: "Согласие на обработку ПДн",
        required: false,
    },
    Column {
        key: "consent_publication_date",
        header: "Согласие на публикацию",
        required: false,
    },
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
    fn check(
        &mut self,
        t: &Table,
        row: u32,
        column: &str,
        key: String,
        problems: &mut Vec<Problem>,
    ) {
        if key.is_empty() {
            return;
        }
        if let Some(first) = self.seen.get(&key) {
            problems.push(t.problem(
                row,
                Some(column),
                format!("{} повторяет строку {first}", self.what),
            ));
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

fn store_problem(
    t: &Table,
    row: u32,
    e: store::Error,
    problems: &mut Vec<Problem>,
) -> Result<(), ImportError> {
    match e {
        store::Error::Fields(f) => field_problems(t, row, &f, problems),
        store::Error::Invalid(m) => problems.push(t.problem(row, None, m)),
        other => return Err(ImportError::Store(other)),
    }
    Ok(())
}

fn stop(mut problems: Vec<Problem>) -> Result<Report, ImportError> {
    problems.truncate(MAX_PROBLEMS);
    Err(ImportError::Problems(problems))
}

pub async fn import_schools(
    db: &Db,
    actor: &Actor,
    district: i64,
    bytes: &[u8],
    file: &str,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Report, ImportError> {
    let t = xlsx::read_table(bytes, file, SCHOOL_COLUMNS)
        .map_err(|p| ImportError::Problems(vec![p]))?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut names = Duplicates {
        seen: HashMap::new(),
        what: "Краткое наименование",
    };
    let mut inns = Duplicates {
        seen: HashMap::new(),
        what: "ИНН",
    };
    for r in &t.rows {
        match school_input(r).validate() {
            Ok(f) => {
                names.check(
                    &t,
                    r.number,
                    "short_name",
                    f.short_name.clone(),
                    &mut problems,
                );
                inns.check(
                    &t,
                    r.number,
                    "inn",
                    f.inn
                        .as_ref()
                        .map(|i| i.as_str().to_string())
                        .unwrap_or_default(),
                    &mut problems,
                );
                rows.push((r.number, f));
            }
            Err(e) => field_problems(&t, r.number, &e, &mut problems),
        }
    }
    if !problems.is_empty() {
        return stop(problems);
    }
    let mut tx = db.begin().await?;
    let mut report = Report::default();
    let total = rows.len();
    for (i, (number, f)) in rows.iter().enumerate() {
        let existing =
            directory::school_by_short_name(&mut tx.ex(), district, &f.short_name).await?;
        let res = match existing {
            Some(s) => directory::update_school(&mut tx.ex(), actor, s.id, f)
                .await
                .map(|_| report.updated += 1),
            None => directory::create_school(&mut tx.ex(), actor, district, f)
                .await
                .map(|_| report.created += 1),
        };
        if let Err(e) = res {
            store_problem(&t, *number, e, &mut problems)?;
        }
        progress(i + 1, total);
    }
    if !problems.is_empty() {
        return stop(problems); // the transaction is dropped: nothing is written
    }
    audit::record(
        &mut tx.ex(),
        actor,
        Change {
            action: "import",
            entity: "school",
            entity_id: None,
            district_id: Some(district),
            summary: format!(
                "Импорт школ из «{file}»: добавлено {}, обновлено {}",
                report.created, report.updated
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
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
    let t = xlsx::read_table(bytes, file, LIBRARIAN_COLUMNS)
        .map_err(|p| ImportError::Problems(vec![p]))?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut people = Duplicates {
        seen: HashMap::new(),
        what: "Этот сотрудник этой школы",
    };
    let mut schools: HashMap<String, Option<i64>> = HashMap::new();
    {
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
            if school.is_none() {
                let msg = if school_name.is_empty() {
                    "Школа: обязательное поле".to_string()
                } else {
                    format!("школы «{school_name}» нет в справочнике округа; укажите краткое наименование, как в списке школ")
                };
                problems.push(t.problem(r.number, Some("school"), msg));
            }
            match librarian_input(r).validate() {
                Ok(f) => {
                    people.check(
                        &t,
                        r.number,
                        "full_name",
                        format!("{}|{school_name}", f.full_name),
                        &mut problems,
                    );
                    if let Some(s) = school {
                        rows.push((r.number, s, f));
                    }
                }
                Err(e) => field_problems(&t, r.number, &e, &mut problems),
            }
        }
    }
    if !problems.is_empty() {
        return stop(problems);
    }
    let mut tx = db.begin().await?;
    let mut report = Report::default();
    let total = rows.len();
    for (i, (number, school, f)) in rows.iter().enumerate() {
        let existing = directory::librarian_by_name(&mut tx.ex(), *school, &f.full_name).await?;
        let res = match existing {
            Some(l) => directory::update_librarian(&mut tx.ex(), actor, l.id, *school, f)
                .await
                .map(|_| report.updated += 1),
            None => directory::create_librarian(&mut tx.ex(), actor, *school, f)
                .await
                .map(|_| report.created += 1),
        };
        if let Err(e) = res {
            store_problem(&t, *number, e, &mut problems)?;
        }
        progress(i + 1, total);
    }
    if !problems.is_empty() {
        return stop(problems);
    }
    audit::record(
        &mut tx.ex(),
        actor,
        Change {
            action: "import",
            entity: "librarian",
            entity_id: None,
            district_id: Some(district),
            summary: format!(
                "Импорт банка данных библиотекарей из «{file}»: добавлено {}, обновлено {}",
                report.created, report.updated
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// An empty import template: the header row, and a sheet that explains the columns.
pub fn template(columns: &[Column], notes: &[&str]) -> Result<Vec<u8>, xlsx::XlsxError> {
    let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
    let mut lines: Vec<String> = vec![
        "Как заполнять лист «Данные»: одна строка — одна запись, первая строка — заголовки.".into(),
        String::new(),
    ];
    lines.extend(columns.iter().map(|c| {
        format!(
            "{}{}",
            c.header,
            if c.required {
                " — обязательно"
            } else {
                ""
            }
        )
    }));
    lines.push(String::new());
    lines.extend(notes.iter().map(|s| s.to_string()));
    xlsx::write_table("Данные", &headers, &[], Some(("Инструкция", &lines)))
}
