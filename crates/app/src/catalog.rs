//! A school's library catalog, imported for the check against the federal list of extremist
//! materials: ISO 2709 (RUSMARC, UNIMARC, MARC 21) or MARCXML, or a CSV/XLSX table with the
//! columns the school chose (remembered). The file is read on a blocking thread and its records
//! are written in batches as they come, with the progress, so a large catalog neither waits for
//! memory nor holds a lock; it becomes the school's catalog only when read to its end.

use std::path::{Path, PathBuf};

use formats::catalog::{self as table, Columns};
use formats::marc::{self, Encoding};
use formats::xlsx::Problem;
use store::audit::Actor;
use store::catalog::{self, CatalogImport, Mapping, NewRecord};
use store::scope::Kind;
use store::{Db, Reach};

use crate::imports::ImportError;

/// Records per batch written while the file is read.
const BATCH: usize = 2000;
/// Broken records listed one by one in the report; the rest are counted.
const LISTED: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// For ISO 2709 and MARCXML: the encoding, or `Auto` to tell by the file.
    pub encoding: Encoding,
    /// For a table: which columns hold what ("" to find them by their usual names).
    pub columns: Columns,
}

/// How far the reading has got.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub bytes: u64,
    pub records: u64,
    pub broken: u64,
    pub format: &'static str,
    pub encoding: &'static str,
}

/// What reading a whole file gave besides its records.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub progress: Progress,
    /// Broken records or rows, each named by number.
    pub problems: Vec<Problem>,
    /// The columns a table was read by.
    pub columns: Option<Columns>,
}

/// A record's lasting key: its 001 (or id column), else its title and author normalised.
pub fn record_key(id: &str, title: &str, author: &str) -> String {
    let id = id.trim();
    if !id.is_empty() {
        return id.chars().take(200).collect();
    }
    let t = domain::text::normalize(title);
    let a = domain::text::normalize(author);
    format!("~{}|{}", t.chars().take(300).collect::<String>(), a.chars().take(100).collect::<String>())
}

fn record(id: &str, title: String, author: String) -> NewRecord {
    let cut = |s: String| {
        if s.chars().count() > table::MAX_FIELD_CHARS {
            s.chars().take(table::MAX_FIELD_CHARS).collect()
        } else {
            s
        }
    };
    NewRecord { record_key: record_key(id, &title, &author), title: cut(title), author: cut(author) }
}

/// Reads a catalog file, handing its records on in batches with the progress; `on_batch`
/// returns false to stop. Blocking: run it on a blocking thread. The file's own problems (not a
/// catalog, nothing readable, a table without the title column) are the error.
pub fn read_file(
    path: &Path,
    file_name: &str,
    options: &Options,
    on_batch: &mut dyn FnMut(Vec<NewRecord>, &Progress) -> bool,
) -> Result<Summary, Vec<Problem>> {
    let whole =
        |message: String| vec![Problem { file: file_name.into(), sheet: None, row: None, column: None, message }];
    let file = std::fs::File::open(path).map_err(|e| whole(format!("файл не читается ({e})")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = [0u8; 4];
    let _ = std::io::Read::read(&mut &file, &mut head);
    if table::is_table(file_name, &head) {
        if size > 200 * 1024 * 1024 {
            return Err(whole("таблица больше 200 МБ — выгрузите каталог в формате ISO 2709 или MARCXML".into()));
        }
        let bytes = std::fs::read(path).map_err(|e| whole(format!("файл не читается ({e})")))?;
        let t = table::read_table(&bytes, file_name, &options.columns)?;
        let format = if bytes.starts_with(b"PK") { "XLSX" } else { "CSV" };
        let total = t.records.len();
        let mut p = Progress { format, encoding: "", broken: t.skipped.len() as u64, ..Progress::default() };
        let mut rows = t.records.into_iter().peekable();
        while rows.peek().is_some() {
            let batch: Vec<NewRecord> = rows.by_ref().take(BATCH).map(|r| record(&r.id, r.title, r.author)).collect();
            p.records += batch.len() as u64;
            p.bytes = size * p.records / total.max(1) as u64;
            if !on_batch(batch, &p) {
                break;
            }
        }
        return Ok(Summary { progress: p, problems: t.skipped, columns: Some(t.columns) });
    }
    let file = std::fs::File::open(path).map_err(|e| whole(format!("файл не читается ({e})")))?;
    let limits = marc::Limits::default();
    let mut reader =
        marc::open_catalog(std::io::BufReader::new(file), file_name, options.encoding, &limits).map_err(|p| vec![p])?;
    let format = match reader.format() {
        marc::Format::Iso2709 => "ISO 2709",
        marc::Format::MarcXml => "MARCXML",
    };
    let mut p = Progress { format, ..Progress::default() };
    let mut problems = Vec::new();
    let mut first_broken = None;
    let mut batch = Vec::with_capacity(BATCH);
    let mut go_on = true;
    while let Some(item) = reader.next() {
        if (p.records + p.broken) as usize >= limits.max_records {
            return Err(whole(format!("в файле больше {} записей — разделите каталог на части", limits.max_records)));
        }
        match item {
            Ok(r) => {
                p.records += 1;
                batch.push(record(r.id().unwrap_or(""), r.title().unwrap_or_default(), r.author().unwrap_or_default()));
            }
            Err(b) => {
                p.broken += 1;
                if problems.len() < LISTED {
                    problems.push(b.problem(file_name));
                }
                first_broken.get_or_insert(b);
            }
        }
        if batch.len() >= BATCH {
            p.bytes = reader.bytes_read();
            p.encoding = reader.encoding().name();
            go_on = on_batch(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)), &p);
            if !go_on {
                break;
            }
        }
    }
    if go_on {
        // A stream that failed, or XML that breaks off: nothing of it is kept.
        if let Some(failure) = reader.failure() {
            return Err(vec![failure]);
        }
        if p.records == 0 {
            return Err(vec![reader.nothing_read(p.broken as usize, first_broken.as_ref())]);
        }
    }
    if p.broken as usize > LISTED {
        problems.push(Problem {
            file: file_name.into(),
            sheet: None,
            row: None,
            column: None,
            message: format!("и ещё повреждённых записей: {}", p.broken as usize - LISTED),
        });
    }
    p.bytes = reader.bytes_read();
    p.encoding = reader.encoding().name();
    if !batch.is_empty() && go_on {
        on_batch(batch, &p);
    }
    Ok(Summary { progress: p, problems, columns: None })
}

/// Starts an import of a school's catalog: the caller may change the school's records. The file
/// is then read by [`run`].
pub async fn begin(
    db: &Db,
    actor: &Actor,
    reach: &Reach,
    school: i64,
    file_name: &str,
    size: u64,
) -> crate::Result<i64> {
    let mut c = db.conn().await?;
    let p = store::scope::parties(&mut c.ex(), Kind::School, school).await?.ok_or(store::Error::NotFound)?;
    if !reach.sees(&p) {
        return Err(store::Error::NotFound);
    }
    if !reach.may_write(&p) {
        return Err(store::Error::Invalid("каталог школы загружает её библиотекарь или руководитель МО".into()));
    }
    let name: String = file_name.chars().take(200).collect();
    catalog::start_import(&mut c.ex(), actor, school, &name, size as i64).await
}

/// Reads the file of import `id` and writes its records as they come; at the end the import
/// becomes the school's catalog, or fails with its problems and changes nothing. The file at
/// `path` is removed when `remove` is set (an upload kept for the import).
pub async fn run(
    db: &Db,
    actor: &Actor,
    district: i64,
    id: i64,
    path: PathBuf,
    remove: bool,
    options: Options,
) -> Result<CatalogImport, ImportError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<NewRecord>, Progress)>(2);
    let name = {
        let mut c = db.conn().await?;
        catalog::get_import(&mut c.ex(), id).await?.file_name
    };
    let reading = {
        let (path, name, options) = (path.clone(), name.clone(), options.clone());
        tokio::task::spawn_blocking(move || {
            read_file(&path, &name, &options, &mut |batch, p| tx.blocking_send((batch, p.clone())).is_ok())
        })
    };
    let mut written: Result<(), store::Error> = Ok(());
    while let Some((batch, p)) = rx.recv().await {
        let step = async {
            let mut c = db.conn().await?;
            catalog::add_records(&mut c.ex(), id, &batch).await?;
            catalog::progress(&mut c.ex(), id, p.bytes as i64, p.records as i64, p.broken as i64, p.format, p.encoding)
                .await
        };
        if let Err(e) = step.await {
            written = Err(e);
            break;
        }
    }
    drop(rx);
    let read = reading.await.map_err(|e| {
        vec![Problem {
            file: name.clone(),
            sheet: None,
            row: None,
            column: None,
            message: format!("файл не прочитан: {e}"),
        }]
    });
    if remove {
        let _ = tokio::fs::remove_file(&path).await;
    }
    let lines = |ps: &[Problem]| ps.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
    let outcome = match (read.and_then(|r| r), written) {
        (_, Err(e)) => Err(ImportError::Store(e)),
        (Err(problems), _) => Err(ImportError::Problems(problems)),
        (Ok(summary), Ok(())) => Ok(summary),
    };
    let mut c = db.conn().await?;
    match outcome {
        Ok(summary) => {
            let p = &summary.progress;
            catalog::progress(&mut c.ex(), id, p.bytes as i64, p.records as i64, p.broken as i64, p.format, p.encoding)
                .await?;
            let mut tx = db.begin().await?;
            if let Some(cols) = &summary.columns {
                let school = catalog::get_import(&mut tx.ex(), id).await?.school_id;
                let m = Mapping {
                    id_column: cols.id.clone(),
                    title_column: cols.title.clone(),
                    author_column: cols.author.clone(),
                };
                catalog::save_mapping(&mut tx.ex(), school, &m).await?;
            }
            let finished = catalog::finish_import(&mut tx.ex(), actor, district, id, &lines(&summary.problems)).await?;
            tx.commit().await?;
            if !finished {
                return Err(ImportError::Upload("Загрузка прервана: начните её заново".into()));
            }
            // The records of the catalog this one replaced.
            catalog::purge(&mut c.ex()).await?;
            Ok(catalog::get_import(&mut c.ex(), id).await?)
        }
        Err(e) => {
            let report = match &e {
                ImportError::Problems(p) => lines(p),
                ImportError::Upload(m) => m.clone(),
                ImportError::Store(e) => format!("ошибка базы данных: {e}"),
            };
            catalog::fail_import(&mut c.ex(), id, &report).await?;
            catalog::purge(&mut c.ex()).await?;
            Err(e)
        }
    }
}

/// The columns a school's table catalog was last read by.
pub async fn mapping(db: &Db, school: i64) -> crate::Result<Option<Mapping>> {
    let mut c = db.conn().await?;
    catalog::mapping(&mut c.ex(), school).await
}
