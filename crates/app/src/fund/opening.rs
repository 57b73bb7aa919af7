//! A school's first start: its current textbook holdings from a spreadsheet, matched to the
//! current ФПУ by number, or by title, authors and grade; doubtful matches wait for a person to
//! settle them. Also the pupils per class from a spreadsheet. Both all-or-nothing.

use std::collections::{HashMap, HashSet};

use chrono::Datelike;
use domain::fund::{parse_class, parse_grade, parse_rubles};
use domain::{text, SchoolYear};
use formats::xlsx::{self, Column, Problem, Table};
use serde::{Deserialize, Serialize};
use store::fund::{self, ClassCount, Listed, NewBatch, NewReceipt};
use store::{Db, Reach};

use super::may_change;
use crate::imports::ImportError;

pub const HOLDINGS_COLUMNS: &[Column] = &[
    Column { key: "number", header: "Номер в ФПУ", required: false },
    Column { key: "title", header: "Название", required: false },
    Column { key: "authors", header: "Авторы", required: false },
    Column { key: "grade", header: "Класс", required: false },
    Column { key: "year", header: "Год поступления", required: false },
    Column { key: "copies", header: "Количество", required: true },
    Column { key: "price", header: "Цена, руб.", required: false },
];

pub const HOLDINGS_NOTES: &[&str] = &[
    "Одна строка — учебники одного названия одного года поступления. Комплект из нескольких частей — 1 экземпляр.",
    "Учебник находится по номеру в федеральном перечне; если номера нет — по названию, авторам и классу. Сомнительные совпадения система покажет для проверки.",
    "Год поступления — 4 цифры (по умолчанию текущий); цена — за экземпляр, например 450,50.",
];

/// Most rows of a holdings file: a large school holds a few thousand titles by year.
pub const MAX_HOLDING_ROWS: usize = 10_000;
const MAX_PROBLEMS: usize = 50;

/// A checked row of the file with what it was matched to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpeningRow {
    pub row: u32,
    pub title: String,
    pub authors: String,
    pub grade: String,
    pub year: i32,
    pub copies: i64,
    pub price: i64,
    /// The item when the match is sure.
    pub item: Option<i64>,
    /// Candidates (item id, description, score %) when it is not.
    pub candidates: Vec<(i64, String, u32)>,
}

/// What an upload came to: written, or waiting for review.
#[derive(Debug)]
pub enum Opening {
    Written { rows: usize, copies: i64 },
    Review { pending: i64, rows: Vec<OpeningRow> },
}

fn words(s: &str) -> HashSet<String> {
    text::normalize(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 || w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| w.chars().take(6).collect()) // a crude stem: «математика», «математике» agree
        .collect()
}

fn surnames(s: &str) -> HashSet<String> {
    text::normalize(s)
        .split([',', ';'])
        .filter_map(|a| a.split_whitespace().next())
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.chars().take(6).collect())
        .collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        0.0
    } else {
        a.intersection(b).count() as f64 / union as f64
    }
}

/// How much an item looks like a row, 0–1: mostly the title's words, then the authors' surnames.
fn likeness(title: &HashSet<String>, authors: &HashSet<String>, l: &Listed) -> f64 {
    let t = jaccard(title, &words(&l.title));
    if authors.is_empty() {
        return t;
    }
    let a = surnames(&l.authors);
    let found = authors.iter().filter(|s| a.contains(*s)).count() as f64 / authors.len() as f64;
    0.7 * t + 0.3 * found
}

pub fn describe(l: &Listed) -> String {
    format!("{} {} — {} ({} кл., {})", l.number, l.authors, l.title, l.grades, l.publisher)
}

/// Reads and matches a holdings file; writes it at once when every match is sure.
pub async fn import_holdings(
    db: &Db,
    reach: &Reach,
    school: i64,
    bytes: &[u8],
    file: &str,
) -> Result<Opening, ImportError> {
    {
        let mut c = db.conn().await?;
        may_change(&mut c.ex(), reach, school).await?;
    }
    let limits =
        xlsx::Limits { max_rows: MAX_HOLDING_ROWS as u32 + 1, max_part_bytes: 64 * 1024 * 1024, ..Default::default() };
    let t =
        xlsx::read_table_limited(bytes, file, HOLDINGS_COLUMNS, &limits).map_err(|p| ImportError::Problems(vec![p]))?;
    let sum = checksum(&t);
    let listed: Vec<Listed> = {
        let mut c = db.conn().await?;
        if let Some(day) = fund::opening_from(&mut c.ex(), school, &sum).await? {
            return Err(ImportError::Upload(format!(
                "Остатки из этого файла уже введены {}: повторная загрузка удвоила бы фонд. Исправления вносите поступлениями и списаниями",
                domain::dates::format(day)
            )));
        }
        let order = fund::current_fpu_order(&mut c.ex()).await?.ok_or_else(|| {
            ImportError::Problems(vec![Problem {
                file: file.into(),
                sheet: None,
                row: None,
                column: None,
                message: "Федеральный перечень учебников ещё не загружен: учебники не с чем сопоставить".into(),
            }])
        })?;
        // Textbooks of earlier orders too: a school's shelves hold books long gone from the list,
        // and compliance must see them. The list in force comes first.
        let mut all: Vec<Listed> = fund::fpu_by_number(&mut c.ex(), order.id).await?.into_values().flatten().collect();
        let current: std::collections::HashSet<i64> = all.iter().map(|l| l.item_id).collect();
        all.extend(fund::fpu_latest(&mut c.ex()).await?.into_iter().filter(|l| !current.contains(&l.item_id)));
        all
    };
    let rows = match_rows(&t, &listed)?;
    if rows.iter().any(|r| r.item.is_none()) {
        let payload = serde_json::to_string(&Pending { checksum: sum.clone(), rows: rows.clone() })
            .map_err(|e| store::Error::Config(e.to_string()))?;
        let mut c = db.conn().await?;
        let pending = fund::save_pending(&mut c.ex(), school, reach.user(), file, &payload).await?;
        return Ok(Opening::Review { pending, rows });
    }
    write_holdings(db, reach, school, file, &sum, &rows, None).await
}

/// What a pending upload keeps: the file's checksum and its matched rows.
#[derive(Serialize, Deserialize)]
struct Pending {
    checksum: String,
    rows: Vec<OpeningRow>,
}

/// A short SHA-256 of what the file says (its rows' cells in column order), written into the
/// receipt's note so the same holdings are not loaded twice. Not of the bytes: a workbook saved
/// again (by Excel, or a second export) differs in its timestamps but not in its holdings.
fn checksum(t: &xlsx::Table) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for r in &t.rows {
        for c in HOLDINGS_COLUMNS {
            h.update(domain::text::clean(&r.get(c.key)).as_bytes());
            h.update([0x1F]);
        }
        h.update([0x1E]);
    }
    format!("{:x}", h.finalize())[..16].to_string()
}

/// Settles a pending upload's doubtful rows with the person's choices (row → item) and writes it.
pub async fn settle_holdings(
    db: &Db,
    reach: &Reach,
    school: i64,
    pending: i64,
    choices: &HashMap<u32, i64>,
) -> Result<Opening, ImportError> {
    let (file, payload) = {
        let mut c = db.conn().await?;
        fund::pending(&mut c.ex(), pending, school, reach.user()).await?.ok_or(ImportError::Upload(
            "Эта загрузка уже завершена или устарела (хранится сутки): загрузите файл снова".into(),
        ))?
    };
    let Pending { checksum: sum, mut rows } =
        serde_json::from_str(&payload).map_err(|e| store::Error::Config(e.to_string()))?;
    let mut problems = Vec::new();
    for r in rows.iter_mut().filter(|r| r.item.is_none()) {
        match choices.get(&r.row) {
            Some(id) if r.candidates.iter().any(|c| c.0 == *id) => r.item = Some(*id),
            _ => problems.push(Problem {
                file: file.clone(),
                sheet: None,
                row: Some(r.row),
                column: None,
                message: format!("«{}»: выберите учебник из предложенных", r.title),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Problems(problems));
    }
    write_holdings(db, reach, school, &file, &sum, &rows, Some(pending)).await
}

/// Writes the rows as one «ввод остатков» receipt; a pending upload is taken in the same
/// transaction, so a second click on «Ввести остатки» finds it gone and writes nothing.
async fn write_holdings(
    db: &Db,
    reach: &Reach,
    school: i64,
    file: &str,
    sum: &str,
    rows: &[OpeningRow],
    pending: Option<i64>,
) -> Result<Opening, ImportError> {
    let today = domain::clock::today();
    let batches: Vec<NewBatch> = rows
        .iter()
        .filter_map(|r| r.item.map(|item_id| NewBatch { item_id, year: r.year, copies: r.copies, price: r.price }))
        .collect();
    let copies = batches.iter().map(|b| b.copies).sum();
    let receipt = NewReceipt {
        school_id: school,
        doc_number: format!("Ввод остатков {}", domain::dates::format(today)),
        doc_date: today,
        source: "opening".into(),
        note: format!("Из файла «{file}» (контрольная сумма {sum})"),
        batches,
    };
    let mut tx = db.begin().await?;
    may_change(&mut tx.ex(), reach, school).await?;
    if let Some(p) = pending {
        if !fund::take_pending(&mut tx.ex(), p).await? {
            return Err(ImportError::Upload("Эти остатки уже введены".into()));
        }
    }
    if fund::opening_from(&mut tx.ex(), school, sum).await?.is_some() {
        return Err(ImportError::Upload("Остатки из этого файла уже введены".into()));
    }
    fund::insert_receipt(&mut tx.ex(), &reach.actor(), &receipt).await?;
    tx.commit().await?;
    Ok(Opening::Written { rows: rows.len(), copies })
}

fn match_rows(t: &Table, listed: &[Listed]) -> Result<Vec<OpeningRow>, ImportError> {
    let mut by_number: HashMap<String, Vec<&Listed>> = HashMap::new();
    for l in listed {
        by_number.entry(l.number_key.clone()).or_default().push(l);
    }
    let this_year = domain::clock::today().year();
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String, String, String, i32, i64), u32> = HashMap::new();
    for r in &t.rows {
        let at = |key: &str, m: String| t.problem(r.number, Some(key), m);
        let (number, title, authors, grade_s) = (
            text::clean(&r.get("number")),
            text::clean(&r.get("title")),
            text::clean(&r.get("authors")),
            text::clean(&r.get("grade")),
        );
        for (k, v) in [("number", &number), ("title", &title), ("authors", &authors), ("grade", &grade_s)] {
            if v.chars().count() > 500 {
                problems.push(at(k, "слишком длинное значение (больше 500 знаков)".into()));
            }
        }
        // Every problem of the row is named, not only the first.
        let before = problems.len();
        let grade = match grade_s.as_str() {
            "" => None,
            g => parse_grade(g).or_else(|| {
                problems.push(at("grade", format!("класс «{grade_s}» — допустимы 1–11, 12 и «1 доп.»")));
                None
            }),
        };
        let copies_s = text::clean(&r.get("copies")).replace(' ', "");
        let copies = match copies_s.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            Ok(n) => {
                problems.push(at("copies", format!("количество {n} — нужно целое число от 1 до 100 000")));
                0
            }
            Err(_) => {
                problems.push(at("copies", format!("количество «{copies_s}» — нужно целое число")));
                0
            }
        };
        let year_s = text::clean(&r.get("year"));
        let year = match year_s.parse::<i32>() {
            _ if year_s.is_empty() => this_year,
            Ok(y) if (1990..=this_year).contains(&y) => y,
            _ => {
                problems.push(at("year", format!("год поступления «{year_s}» — от 1990 до {this_year}")));
                this_year
            }
        };
        let price_s = text::clean(&r.get("price"));
        let price = match price_s.as_str() {
            "" => 0,
            p => parse_rubles(p).unwrap_or_else(|| {
                problems.push(at("price", format!("цена «{price_s}» — нужна сумма в рублях, например 450,50")));
                0
            }),
        };
        if number.is_empty() && title.is_empty() {
            problems.push(at("number", "укажите номер учебника в ФПУ или его название".into()));
        }
        if problems.len() > before {
            continue;
        }
        let fits = |l: &Listed| {
            grade.is_none_or(|g| {
                l.grade_from.is_some_and(|f| f <= g as i64) && l.grade_to.is_some_and(|to| to >= g as i64)
            })
        };
        let mut row = OpeningRow {
            row: r.number,
            title: title.clone(),
            authors: authors.clone(),
            grade: grade_s.clone(),
            year,
            copies,
            price,
            item: None,
            candidates: vec![],
        };
        if !number.is_empty() {
            let hits: Vec<&&Listed> = by_number
                .get(&domain::fpu::number_key(&number))
                .map(|v| v.iter().filter(|l| fits(l)).collect())
                .unwrap_or_default();
            match hits.as_slice() {
                [one] => row.item = Some(one.item_id),
                [] if title.is_empty() => {
                    problems.push(at(
                        "number",
                        format!(
                            "учебника с номером {number}{} нет в действующем перечне",
                            grade.map(|g| format!(" для {} класса", domain::fund::grade_name(g))).unwrap_or_default()
                        ),
                    ));
                    continue;
                }
                [] => {}
                many => row.candidates = many.iter().map(|l| (l.item_id, describe(l), 100)).collect(),
            }
        }
        if row.item.is_none() && row.candidates.is_empty() {
            let (tw, aw) = (words(&title), surnames(&authors));
            let mut scored: Vec<(f64, &Listed)> = listed
                .iter()
                .filter(|l| fits(l))
                .map(|l| (likeness(&tw, &aw, l), l))
                .filter(|(s, _)| *s >= 0.3)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.number_key.cmp(&b.1.number_key)));
            match scored.as_slice() {
                [] => {
                    problems.push(at(
                        "title",
                        format!(
                            "учебник «{title}» не найден в действующем перечне{}",
                            grade.map(|g| format!(" для {} класса", domain::fund::grade_name(g))).unwrap_or_default()
                        ),
                    ));
                    continue;
                }
                [(best, l), rest @ ..] if *best >= 0.85 && rest.first().is_none_or(|(s, _)| *s < best - 0.15) => {
                    row.item = Some(l.item_id)
                }
                _ => {
                    row.candidates = scored
                        .iter()
                        .take(5)
                        .map(|(s, l)| (l.item_id, describe(l), (s * 100.0).round() as u32))
                        .collect()
                }
            }
        }
        let key = (
            text::normalize(&number),
            text::normalize(&title),
            text::normalize(&authors),
            grade_s.clone(),
            year,
            price,
        );
        if let Some(first) = seen.get(&key) {
            problems.push(at(
                "copies",
                format!("строка повторяет строку {first} (тот же учебник, год и цена): объедините их"),
            ));
            continue;
        }
        seen.insert(key, r.number);
        out.push(row);
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: t.file.clone(),
            sheet: Some(t.sheet.clone()),
            row: None,
            column: None,
            message: "в файле нет ни одной строки с учебниками".into(),
        });
    }
    if !problems.is_empty() {
        if problems.len() > MAX_PROBLEMS {
            let more = problems.len() - MAX_PROBLEMS;
            problems.truncate(MAX_PROBLEMS);
            problems.push(Problem {
                file: t.file.clone(),
                sheet: None,
                row: None,
                column: None,
                message: format!("и ещё ошибок: {more}"),
            });
        }
        return Err(ImportError::Problems(problems));
    }
    Ok(out)
}

pub const PUPIL_COLUMNS: &[Column] = &[
    Column { key: "class", header: "Класс", required: true },
    Column { key: "pupils", header: "Обучающихся", required: true },
];

/// Pupils per class for a school year from a spreadsheet («7А», 25); replaces the year's classes.
pub async fn import_pupils(
    db: &Db,
    reach: &Reach,
    school: i64,
    year: SchoolYear,
    bytes: &[u8],
    file: &str,
) -> Result<usize, ImportError> {
    let limits = xlsx::Limits { max_rows: 301, max_part_bytes: 8 * 1024 * 1024, ..Default::default() };
    let t =
        xlsx::read_table_limited(bytes, file, PUPIL_COLUMNS, &limits).map_err(|p| ImportError::Problems(vec![p]))?;
    let mut problems = Vec::new();
    let mut rows: Vec<ClassCount> = Vec::new();
    let mut seen: HashMap<(i64, String), u32> = HashMap::new();
    for r in &t.rows {
        let class = text::clean(&r.get("class"));
        let Some((grade, letter)) = parse_class(&class) else {
            problems.push(t.problem(
                r.number,
                Some("class"),
                format!("класс «{class}» — нужен номер от 1 до 12 и буква, например 7А"),
            ));
            continue;
        };
        let n_s = text::clean(&r.get("pupils")).replace(' ', "");
        let Some(n) = n_s.parse::<i64>().ok().filter(|n| (0..=1000).contains(n)) else {
            problems.push(t.problem(
                r.number,
                Some("pupils"),
                format!("обучающихся «{n_s}» — нужно целое число от 0 до 1000"),
            ));
            continue;
        };
        if let Some(first) = seen.insert((grade as i64, letter.clone()), r.number) {
            problems.push(t.problem(r.number, Some("class"), format!("класс {class} уже указан в строке {first}")));
            continue;
        }
        rows.push(ClassCount { grade: grade as i64, class_name: letter, pupils: n });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: t.file.clone(),
            sheet: Some(t.sheet.clone()),
            row: None,
            column: None,
            message: "в файле нет ни одного класса".into(),
        });
    }
    if !problems.is_empty() {
        problems.truncate(MAX_PROBLEMS);
        return Err(ImportError::Problems(problems));
    }
    super::save_contingent(db, reach, school, year, &rows).await?;
    Ok(rows.len())
}
