//! Importing the federal list of extremist materials (ФСЭМ): each file becomes a version beside
//! the others; the file is read whole before anything is written, and the same file twice
//! changes nothing.

use std::collections::HashMap;

use formats::xlsx::Problem;
use serde::Serialize;
use sha2::{Digest, Sha256};
use store::audit::Actor;
use store::fsem::{self, NewEntry};
use store::Db;

use crate::imports::ImportError;

/// What an import read and what it changed against the version before.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ImportReport {
    pub file: String,
    pub entries: usize,
    /// Entries marked excluded in the whole list.
    pub excluded_total: usize,
    /// No version before this one.
    pub first: bool,
    pub added: usize,
    pub newly_excluded: usize,
    pub changed: usize,
    pub warnings: Vec<String>,
    /// The same file was imported before: nothing changed.
    pub unchanged: bool,
}

impl ImportReport {
    /// One line for a page or the terminal.
    pub fn summary(&self) -> String {
        if self.unchanged {
            return format!("Файл «{}» уже загружен — список не изменился.", self.file);
        }
        if self.first {
            return format!(
                "Список загружен (первая версия): записей {}, из них исключённых {}; предупреждений {}.",
                self.entries,
                self.excluded_total,
                self.warnings.len()
            );
        }
        format!(
            "Список загружен: записей {}; новых с прошлой версии {}, вновь исключённых {}, изменённых {}; предупреждений {}.",
            self.entries,
            self.added,
            self.newly_excluded,
            self.changed,
            self.warnings.len()
        )
    }
}

fn problem(file: &str, message: String) -> ImportError {
    ImportError::Problems(vec![Problem { file: file.into(), sheet: None, row: None, column: None, message }])
}

/// Reads the list as published (CSV or XLSX) and stores it as a new version.
pub async fn import_list(db: &Db, actor: &Actor, bytes: &[u8], file: &str) -> Result<ImportReport, ImportError> {
    let sha = format!("{:x}", Sha256::digest(bytes));
    if let Some(r) = stored_before(db, &sha).await? {
        return Ok(r);
    }
    // Reading 5 000 entries is CPU work: off the async workers, before any transaction.
    let owned = (bytes.to_vec(), file.to_string());
    let list = tokio::task::spawn_blocking(move || formats::fsem::read(&owned.0, &owned.1))
        .await
        .map_err(|e| problem(file, format!("файл не прочитан: {e}")))?
        .map_err(ImportError::Problems)?;
    let mut warnings = list.warnings;
    let mut entries: Vec<NewEntry> = Vec::with_capacity(list.entries.len());
    let mut at: HashMap<u32, usize> = HashMap::new();
    for e in list.entries {
        // The reader refuses repeated numbers; should one pass, two states of one entry would be
        // stored at once, so the first row is kept.
        if let Some(&i) = at.get(&e.number) {
            warnings.push(format!(
                "Файл «{file}», строка {}: номер {} уже есть в строке {} — учтена она",
                e.row, e.number, entries[i].row
            ));
            continue;
        }
        at.insert(e.number, entries.len());
        entries.push(NewEntry {
            number: i64::from(e.number),
            text: e.text,
            included_on: e.included_on,
            excluded: e.excluded,
            row: e.row as i64,
        });
    }
    let mut report = ImportReport {
        file: file.to_string(),
        entries: entries.len(),
        excluded_total: entries.iter().filter(|e| e.excluded).count(),
        ..Default::default()
    };
    let mut tx = db.begin().await?;
    let last = fsem::latest_version(&mut tx.ex()).await?;
    let diff = fsem::diff(&mut tx.ex(), &entries).await?;
    match &last {
        None => report.first = true,
        Some(v) => {
            // The list only grows; a shorter file is likely a part of it or an old copy.
            if (entries.len() as i64) < v.entries {
                warnings.insert(0, format!(
                    "В файле {} записей, а в прошлой версии ({}) их было {}: список не сокращается — проверьте, что файл полный и свежий; записей, которых нет в файле, в этой версии нет ({})",
                    entries.len(),
                    v.file_name,
                    v.entries,
                    diff.dropped.len()
                ));
            }
        }
    }
    report.added = diff.count("new");
    report.newly_excluded = diff.count("excluded");
    report.changed = diff.count("changed");
    report.warnings = warnings;
    let json = serde_json::to_string(&report).unwrap_or_default();
    match fsem::insert_version(&mut tx.ex(), actor, file, &sha, &json, &entries, &diff).await {
        // Every stored catalog is checked against what the version brought, in the background.
        Ok(id) => store::jobs::enqueue(&mut tx.ex(), crate::compliance::RECHECK, id).await?,
        // The same file sent twice at once: the second is answered as if it had come after.
        Err(store::Error::Fields(_)) => {
            drop(tx);
            return match stored_before(db, &sha).await? {
                Some(r) => Ok(r),
                None => Err(problem(file, format!("Файл «{file}» уже загружен"))),
            };
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(report)
}

/// The same file stored before: its stored report, marked unchanged.
async fn stored_before(db: &Db, sha: &str) -> Result<Option<ImportReport>, ImportError> {
    let mut c = db.conn().await?;
    Ok(fsem::version_by_sha(&mut c.ex(), sha).await?.map(|v| {
        let mut r: ImportReport = serde_json::from_str(&v.report).unwrap_or_default();
        r.file = v.file_name;
        r.unchanged = true;
        r
    }))
}
