//! Importing the federal list of textbooks: each order's spreadsheet becomes a version; nothing
//! stored is changed, and the same file twice changes nothing.

use std::collections::HashMap;

use chrono::NaiveDate;
use formats::xlsx::Problem;
use serde::Serialize;
use sha2::{Digest, Sha256};
use store::audit::Actor;
use store::fund::{self, NewListing};
use store::Db;

use crate::imports::ImportError;

/// What an import read and what it changed.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FpuReport {
    pub order: String,
    pub annex1: usize,
    pub annex2: usize,
    pub headings: usize,
    pub warnings: Vec<String>,
    /// The same file was imported before under this order: nothing changed.
    pub unchanged: bool,
    /// Against the order in force before: items new to Annex 1, items that moved to Annex 2 or
    /// left the list.
    pub added: usize,
    pub excluded: usize,
}

impl FpuReport {
    /// One line for a page or the terminal.
    pub fn summary(&self) -> String {
        if self.unchanged {
            return format!("Приказ {} уже загружен из этого файла — ничего не изменилось.", self.order);
        }
        format!(
            "Приказ {}: приложение 1 — {} поз., приложение 2 — {} поз., заголовков разделов {}; новых в перечне {}, исключено {}; предупреждений {}.",
            self.order,
            self.annex1,
            self.annex2,
            self.headings,
            self.added,
            self.excluded,
            self.warnings.len()
        )
    }
}

/// «№ 119 от 21.02.2024» → the title as written (cleaned) and the order's date.
pub fn parse_order(s: &str) -> Option<(String, NaiveDate)> {
    let s = domain::text::clean(s);
    let date = s.split_whitespace().rev().find_map(|w| domain::dates::parse(w.trim_end_matches(['.', 'г', ','])))?;
    (s.chars().count() <= 100 && s.chars().any(|c| c.is_ascii_digit())).then_some((s, date))
}

fn problem(file: &str, message: String) -> ImportError {
    ImportError::Problems(vec![Problem { file: file.into(), sheet: None, row: None, column: None, message }])
}

/// Reads a ministry spreadsheet (XLSX, or CSV in UTF-8 or Windows-1251) as the list of `order`.
pub async fn import_fpu(
    db: &Db,
    actor: &Actor,
    bytes: &[u8],
    file: &str,
    order: &str,
) -> Result<FpuReport, ImportError> {
    let Some((title, issued_on)) = parse_order(order) else {
        return Err(problem(
            file,
            format!("Приказ «{}»: укажите номер и дату, например «№ 119 от 21.02.2024»", domain::text::clean(order)),
        ));
    };
    let sha = format!("{:x}", Sha256::digest(bytes));
    if let Some(r) = stored_before(db, file, &title, &sha).await? {
        return Ok(r);
    }
    // Parsing a 2 MB sheet takes a moment of CPU: off the async workers, before any transaction.
    let owned = (bytes.to_vec(), file.to_string());
    let list = tokio::task::spawn_blocking(move || formats::fpu::read(&owned.0, &owned.1))
        .await
        .map_err(|e| problem(file, format!("файл не прочитан: {e}")))?
        .map_err(ImportError::Problems)?;
    let mut warnings: Vec<String> = list.warnings.iter().map(ToString::to_string).collect();
    let mut rows: Vec<NewListing> = Vec::with_capacity(list.items.len());
    let mut at: HashMap<String, usize> = HashMap::new();
    for it in list.items {
        let l = NewListing {
            row: it.row,
            annex: it.annex,
            number: it.number,
            number_key: it.number_key,
            title: it.title,
            authors: it.authors,
            publisher: it.publisher,
            grades: it.grades_text,
            grade_from: it.grades.map(|g| g.0),
            grade_to: it.grades.map(|g| g.1),
            level: it.level,
            area: it.area,
            subject: it.subject,
            until: it.until,
            until_text: it.until_text,
        };
        match at.get(&l.ident()) {
            // The same book twice: a row of Annex 1 wins, since the book is then in force (the
            // Annex 2 row is usually an older edition printed under the same title).
            Some(&i) => {
                let wins = l.annex < rows[i].annex;
                warnings.push(format!(
                    "Файл «{file}», строка {}: учебник «{}» ({}) уже есть в строке {} — учтена строка {}",
                    l.row,
                    l.title,
                    l.grades,
                    rows[i].row,
                    if wins { l.row } else { rows[i].row }
                ));
                if wins {
                    rows[i] = l;
                }
            }
            None => {
                at.insert(l.ident(), rows.len());
                rows.push(l);
            }
        }
    }
    let mut report = FpuReport {
        order: title.clone(),
        annex1: rows.iter().filter(|r| r.annex == 1).count(),
        annex2: rows.iter().filter(|r| r.annex == 2).count(),
        headings: list.headings,
        warnings,
        ..Default::default()
    };
    let mut tx = db.begin().await?;
    let before: HashMap<String, i64> = match fund::current_fpu_order(&mut tx.ex()).await? {
        Some(prev) if prev.issued_on <= issued_on => fund::fpu_by_number(&mut tx.ex(), prev.id)
            .await?
            .into_values()
            .flatten()
            .map(|l| {
                (
                    store::fund::ident_of(
                        &l.title,
                        &l.authors,
                        l.grade_from.map(|g| g as u8),
                        l.grade_to.map(|g| g as u8),
                    ),
                    l.annex,
                )
            })
            .collect(),
        _ => HashMap::new(),
    };
    if !before.is_empty() {
        // Each order is stored as the whole list; a file of amendments only would exclude all the
        // rest. Say so when the list shrinks to less than half.
        if rows.len() * 2 < before.len() {
            report.warnings.insert(0, format!(
                "В файле {} позиций, а в действующем перечне {}: загружайте перечень целиком (в редакции приказа), а не только изменения — иначе всё, чего нет в файле, считается исключённым",
                rows.len(),
                before.len()
            ));
        }
        let now: HashMap<String, u8> = rows.iter().map(|r| (r.ident(), r.annex)).collect();
        report.added = now.iter().filter(|(k, a)| **a == 1 && !before.contains_key(*k)).count();
        report.excluded = before.iter().filter(|(k, a)| **a == 1 && now.get(*k).is_none_or(|n| *n != 1)).count();
    }
    let json = serde_json::to_string(&report).unwrap_or_default();
    match fund::insert_fpu_order(&mut tx.ex(), actor, &title, issued_on, file, &sha, &json, &rows).await {
        Ok(_) => {}
        // The same order sent twice at once (a double click): the second is answered as if it
        // had come after the first.
        Err(store::Error::Fields(_)) => {
            drop(tx);
            return match stored_before(db, file, &title, &sha).await? {
                Some(r) => Ok(r),
                None => Err(problem(file, format!("Приказ {title} уже загружен"))),
            };
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(report)
}

/// An order of this title or this file already stored: the same file under the same title
/// changed nothing (its stored report, marked unchanged); anything else is refused.
async fn stored_before(db: &Db, file: &str, title: &str, sha: &str) -> Result<Option<FpuReport>, ImportError> {
    let mut c = db.conn().await?;
    let orders = fund::fpu_orders(&mut c.ex()).await?;
    if let Some(o) = orders.iter().find(|o| o.title == title) {
        if o.sha256 == sha {
            let mut r: FpuReport = serde_json::from_str(&o.report).unwrap_or_default();
            r.unchanged = true;
            return Ok(Some(r));
        }
        return Err(problem(file, format!(
            "Приказ {title} уже загружен {} из файла «{}»; загруженные перечни не меняются. Если это другой приказ, укажите его номер и дату",
            crate::directory::moment(o.imported_at), o.file_name)));
    }
    if let Some(o) = orders.iter().find(|o| o.sha256 == sha) {
        return Err(problem(file, format!("Этот файл уже загружен как приказ {}", o.title)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_titles() {
        let (t, d) = super::parse_order("№\u{A0}119 от 21.02.2024").unwrap();
        assert_eq!(t, "№ 119 от 21.02.2024");
        assert_eq!(d, chrono::NaiveDate::from_ymd_opt(2024, 2, 21).unwrap());
        assert!(super::parse_order("приказ 119").is_none());
        assert!(super::parse_order("№ 858 от 21.09.2022г.").is_some());
    }
}
