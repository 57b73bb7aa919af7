//! Checking schools' catalogs against the federal list of extremist materials: a librarian's check
//! of the whole list, the background check of every stored catalog against what a new version of
//! the list brought, the review of candidates (confirmed → withdrawn by an act; dismissed with a
//! reason, never offered again), the commission, and the acts as DOCX.

use chrono::NaiveDate;
use domain::fsem::{CatalogRecord, Index, ListEntry};
use domain::text;
use formats::docx::{Document, Table};
use store::audit::Actor;
use store::compliance::{self as checks, Candidate, Check, Found, Member, NewCheck, Settings};
use store::directory::School;
use store::scope::Kind;
use store::{catalog, fsem, jobs, Db, Ex, Reach};

use crate::{Error, Result};

/// The background job that checks every stored catalog against a new version's entries.
pub const RECHECK: &str = "fsem_recheck";
/// Catalog records matched per step (a step's progress is written between steps).
const PAGE: i64 = 5000;
/// Longest reason of a dismissal kept.
const MAX_REASON: usize = 500;
/// Members of a commission.
const MAX_MEMBERS: usize = 12;

async fn writable_school(ex: &mut Ex<'_>, reach: &Reach, school: i64) -> Result<()> {
    let p = store::scope::parties(ex, Kind::School, school).await?.ok_or(Error::NotFound)?;
    if !reach.sees(&p) {
        return Err(Error::NotFound);
    }
    if !reach.may_write(&p) {
        return Err(Error::Invalid("сверку фонда школы ведёт её библиотекарь или руководитель МО".into()));
    }
    Ok(())
}

/// Starts a check of the school's catalog against the whole list in force; it runs in [`run_check`].
pub async fn begin_check(db: &Db, actor: &Actor, reach: &Reach, school: i64) -> Result<i64> {
    let mut c = db.conn().await?;
    writable_school(&mut c.ex(), reach, school).await?;
    let Some(cat) = catalog::current(&mut c.ex(), school).await? else {
        return Err(Error::Invalid("сначала загрузите каталог фонда школы".into()));
    };
    let Some(version) = fsem::latest_version(&mut c.ex()).await? else {
        return Err(Error::Invalid(
            "федеральный список ещё не загружен: его загружает руководитель МО на странице «ФСЭМ»".into(),
        ));
    };
    if checks::journal(&mut c.ex(), school).await?.iter().any(|k| k.is_running() && k.scope == "full") {
        return Err(Error::Invalid("сверка уже идёт — дождитесь её окончания".into()));
    }
    let settings = checks::settings(&mut c.ex(), reach.district()).await?;
    let new = NewCheck {
        school,
        catalog_id: cat.id,
        version_id: version.id,
        last_number: version.last_number,
        scope: "full",
        job_id: None,
        threshold_pct: settings.fsem_threshold_pct,
        records: cat.records,
        checked_by: actor.user_id,
    };
    checks::start_check(&mut c.ex(), &new).await?.ok_or_else(|| Error::Invalid("сверка уже идёт".into()))
}

/// The matcher over the entries a check reads.
async fn index_of(db: &Db, version: i64, only_new: bool) -> Result<Index> {
    let mut c = db.conn().await?;
    let rows = fsem::entries_for_check(&mut c.ex(), version, only_new).await?;
    drop(c);
    let entries: Vec<ListEntry> = rows
        .into_iter()
        .map(|(number, text, excluded)| ListEntry { number: number.clamp(0, u32::MAX as i64) as u32, text, excluded })
        .collect();
    tokio::task::spawn_blocking(move || Index::build(&entries))
        .await
        .map_err(|e| Error::Invalid(format!("список не разобран: {e}")))
}

/// Matches the check's catalog page by page (the progress written between pages) and stores what
/// it found. A failure is written into the check.
pub async fn run_check(db: &Db, actor: &Actor, district: i64, check: i64) -> Result<i64> {
    let result = matched(db, actor, district, check).await;
    if let Err(e) = &result {
        let mut c = db.conn().await?;
        checks::fail_check(&mut c.ex(), check, &e.to_string()).await?;
    }
    result
}

async fn matched(db: &Db, actor: &Actor, district: i64, check: i64) -> Result<i64> {
    let (_school, catalog_id, version, scope, threshold) = {
        let mut c = db.conn().await?;
        checks::check_plan(&mut c.ex(), check).await?
    };
    let index = std::sync::Arc::new(index_of(db, version, scope == "new").await?);
    let found = match_catalog(db, &index, catalog_id, threshold, Some(check)).await?;
    let mut tx = db.begin().await?;
    let n = checks::finish_check(&mut tx.ex(), actor, district, check, &found).await?;
    tx.commit().await?;
    Ok(n)
}

/// Every record of a catalog against the index; the progress goes into `check` when given.
async fn match_catalog(
    db: &Db,
    index: &std::sync::Arc<Index>,
    catalog_id: i64,
    threshold_pct: i64,
    check: Option<i64>,
) -> Result<Vec<Found>> {
    let threshold = (threshold_pct as f32 / 100.0).clamp(0.0, 1.0);
    let mut found = Vec::new();
    let (mut after, mut done) = (0i64, 0i64);
    loop {
        let page = {
            let mut c = db.conn().await?;
            catalog::records(&mut c.ex(), catalog_id, after, PAGE).await?
        };
        let Some(last) = page.last() else { break };
        after = last.id;
        done += page.len() as i64;
        let index = index.clone();
        let part = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for r in page {
                let probe = CatalogRecord { id: r.id, title: r.title.clone(), author: r.author.clone() };
                for c in index.candidates(&probe, threshold) {
                    out.push((r.clone(), c));
                }
            }
            out
        })
        .await
        .map_err(|e| Error::Invalid(format!("сверка прервана: {e}")))?;
        found.extend(part.into_iter().map(|(r, c)| Found {
            record_key: r.record_key,
            title: r.title,
            author: r.author,
            entry_number: i64::from(c.entry),
            entry_text: String::new(),
            score_pct: (c.score * 100.0).round() as i64,
            why: c.why,
            excluded: c.excluded,
        }));
        if let Some(check) = check {
            let mut c = db.conn().await?;
            checks::check_progress(&mut c.ex(), check, done).await?;
        }
    }
    // The entry's text, as the reviewer must read it.
    if !found.is_empty() {
        let mut c = db.conn().await?;
        let mut numbers: Vec<i64> = found.iter().map(|f| f.entry_number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let texts = fsem::texts(&mut c.ex(), &numbers).await?;
        for f in &mut found {
            f.entry_text = texts.get(&f.entry_number).cloned().unwrap_or_default();
        }
    }
    Ok(found)
}

/// The background job of a new list version: every stored catalog is checked against the entries
/// the version brought, once per school (a school already checked by this job is skipped, so a job
/// taken again after its holder died goes on where it stopped).
pub async fn recheck(db: &Db, job: &jobs::Job, worker: &str) -> Result<usize> {
    let version = job.subject;
    let index = std::sync::Arc::new(index_of(db, version, true).await?);
    let last_number = {
        let mut c = db.conn().await?;
        fsem::get_version(&mut c.ex(), version).await?.last_number
    };
    let schools = {
        let mut c = db.conn().await?;
        catalog::schools_with_catalog(&mut c.ex()).await?
    };
    let mut checked = 0;
    for (school, district, catalog_id) in schools {
        {
            let mut c = db.conn().await?;
            if !jobs::renew(&mut c.ex(), job.id, worker).await? {
                return Err(Error::Invalid("задание передано другому процессу".into()));
            }
            // A check this job began before its holder died: begun again.
            checks::drop_unfinished(&mut c.ex(), job.id, school).await?;
        }
        let records = {
            let mut c = db.conn().await?;
            catalog::get_import(&mut c.ex(), catalog_id).await?.records
        };
        let settings = {
            let mut c = db.conn().await?;
            checks::settings(&mut c.ex(), district).await?
        };
        let new = NewCheck {
            school,
            catalog_id,
            version_id: version,
            last_number,
            scope: "new",
            job_id: Some(job.id),
            threshold_pct: settings.fsem_threshold_pct,
            records,
            checked_by: None,
        };
        let id = {
            let mut c = db.conn().await?;
            checks::start_check(&mut c.ex(), &new).await?
        };
        let Some(id) = id else { continue };
        let found = match_catalog(db, &index, catalog_id, settings.fsem_threshold_pct, Some(id)).await?;
        let mut tx = db.begin().await?;
        let actor = Actor { user_id: None, district_id: Some(district) };
        checks::finish_check(&mut tx.ex(), &actor, district, id, &found).await?;
        tx.commit().await?;
        checked += 1;
    }
    Ok(checked)
}

/// Confirms a candidate: the copy is withdrawn into the school's draft act. Returns the act.
pub async fn confirm(db: &Db, actor: &Actor, reach: &Reach, school: i64, candidate: i64) -> Result<i64> {
    let mut tx = db.begin().await?;
    writable_school(&mut tx.ex(), reach, school).await?;
    let act = checks::confirm(&mut tx.ex(), actor, reach.district(), school, candidate, domain::clock::today()).await?;
    tx.commit().await?;
    Ok(act)
}

/// Dismisses a candidate with the reason (required).
pub async fn dismiss(db: &Db, actor: &Actor, reach: &Reach, school: i64, candidate: i64, reason: &str) -> Result<()> {
    let reason = text::clean(reason);
    if reason.is_empty() {
        return Err(crate::field_error("reason", "Укажите, почему это не материал из списка"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(crate::field_error("reason", format!("Причина длиннее {MAX_REASON} знаков")));
    }
    let mut tx = db.begin().await?;
    writable_school(&mut tx.ex(), reach, school).await?;
    checks::dismiss(&mut tx.ex(), actor, reach.district(), school, candidate, &reason).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes the draft act on its date (ДД.ММ.ГГГГ; empty: today).
pub async fn close_act(db: &Db, actor: &Actor, reach: &Reach, school: i64, act: i64, date: &str) -> Result<()> {
    let date = if date.trim().is_empty() {
        domain::clock::today()
    } else {
        domain::dates::parse(date.trim()).ok_or_else(|| crate::field_error("date", "Дата акта: ДД.ММ.ГГГГ"))?
    };
    let mut tx = db.begin().await?;
    writable_school(&mut tx.ex(), reach, school).await?;
    checks::close_act(&mut tx.ex(), actor, reach.district(), school, act, date).await?;
    tx.commit().await?;
    Ok(())
}

/// Reads a commission from lines «Фамилия И. О.; должность», the chair first.
pub fn parse_commission(lines: &str) -> Result<Vec<Member>> {
    let mut out = Vec::new();
    for (i, line) in lines.lines().enumerate() {
        let line = text::clean(line);
        if line.is_empty() {
            continue;
        }
        let (name, post) = match line.split_once(';') {
            Some((n, p)) => (text::clean(n), text::clean(p)),
            None => (line.clone(), String::new()),
        };
        if name.is_empty() || name.chars().count() > 150 || post.chars().count() > 200 {
            return Err(crate::field_error(
                "members",
                format!("Строка {}: «ФИО; должность», ФИО до 150 знаков, должность до 200", i + 1),
            ));
        }
        out.push(Member { name, post });
    }
    if out.len() > MAX_MEMBERS {
        return Err(crate::field_error("members", format!("В комиссии не больше {MAX_MEMBERS} человек")));
    }
    Ok(out)
}

pub async fn save_commission(db: &Db, actor: &Actor, reach: &Reach, school: i64, lines: &str) -> Result<()> {
    let members = parse_commission(lines)?;
    let mut tx = db.begin().await?;
    writable_school(&mut tx.ex(), reach, school).await?;
    checks::save_commission(&mut tx.ex(), actor, reach.district(), school, &members).await?;
    tx.commit().await?;
    Ok(())
}

/// The district's frequency (days, 1..=366) and threshold (percent, 30..=100).
pub async fn save_settings(db: &Db, actor: &Actor, reach: &Reach, every_days: &str, threshold: &str) -> Result<()> {
    if !reach.is_head() {
        return Err(Error::Invalid("настройки сверки меняет руководитель МО".into()));
    }
    let mut e = domain::FieldErrors::default();
    let days = every_days.trim().parse::<i64>().ok().filter(|d| (1..=366).contains(d));
    if days.is_none() {
        e.add("every_days", "Периодичность: число дней от 1 до 366");
    }
    let pct = threshold.trim().parse::<i64>().ok().filter(|p| (30..=100).contains(p));
    if pct.is_none() {
        e.add("threshold", "Порог: число процентов от 30 до 100");
    }
    if !e.is_empty() {
        return Err(Error::Fields(e));
    }
    let s = Settings { fsem_every_days: days.unwrap_or(30), fsem_threshold_pct: pct.unwrap_or(72) };
    let mut tx = db.begin().await?;
    checks::save_settings(&mut tx.ex(), actor, reach.district(), s).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a school is overdue: no full check, or the last one more than `every_days` ago.
pub fn overdue(last_check: Option<chrono::DateTime<chrono::Utc>>, every_days: i64, today: NaiveDate) -> bool {
    match last_check {
        None => true,
        Some(t) => (today - domain::clock::local(t).date()).num_days() > every_days,
    }
}

fn signatures(members: &[Member]) -> Vec<(String, String)> {
    members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let role = if i == 0 { "Председатель комиссии" } else { "Член комиссии" };
            let post = if m.post.is_empty() { role.to_string() } else { format!("{role}, {}", m.post) };
            (post, m.name.clone())
        })
        .collect()
}

/// The act of a check (акт сверки) as DOCX.
pub fn check_act_docx(school: &School, check: &Check, found: &[Candidate], members: &[Member]) -> Result<Vec<u8>> {
    let mut d = Document::new(false);
    d.title(&format!("АКТ\nсверки библиотечного фонда с Федеральным списком экстремистских материалов № {}", check.id));
    let date = check.finished_at.map(|t| domain::dates::format(domain::clock::local(t).date())).unwrap_or_default();
    d.paragraph(&format!("{}\t{date}", school.full_name));
    for line in check_act_lines(check, found, members) {
        d.paragraph(&line);
    }
    if !found.is_empty() {
        d.table(found_table(found));
    }
    d.signatures(&signatures(members));
    d.to_bytes().map_err(|p| Error::Invalid(p.to_string()))
}

/// The text of the act of a check, paragraph by paragraph (the printable page shows the same).
pub fn check_act_lines(check: &Check, found: &[Candidate], members: &[Member]) -> Vec<String> {
    let confirmed = found.iter().filter(|c| c.state == "confirmed").count();
    let list = format!(
        "Федеральный список экстремистских материалов (версия от {}, по № {} включительно)",
        domain::dates::format(domain::clock::local(check.version_imported_at).date()),
        check.last_number
    );
    let who = if members.is_empty() {
        "Комиссия (состав не указан)".to_string()
    } else {
        format!("Комиссия в составе: {}", members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "))
    };
    let mut out = vec![
        format!("{who} провела сверку библиотечного фонда с {list}."),
        format!(
            "Проверено записей электронного каталога: {}{}.",
            check.records,
            if check.scope == "new" {
                " (по записям, вновь внесённым в список)"
            } else {
                ""
            }
        ),
    ];
    if found.is_empty() {
        out.push("Документов, включённых в Федеральный список экстремистских материалов, не выявлено.".into());
    } else {
        out.push(format!(
            "Отобрано для рассмотрения записей: {}; признано материалами из списка: {confirmed}; изъятые экземпляры включены в акт об изъятии.",
            found.len()
        ));
    }
    out
}

fn found_table(found: &[Candidate]) -> Table {
    Table {
        header: vec![vec!["№".into(), "Запись каталога".into(), "№ в списке".into(), "Решение комиссии".into()]],
        rows: found
            .iter()
            .enumerate()
            .map(|(i, c)| vec![(i + 1).to_string(), record_text(c), c.entry_number.to_string(), decision(c)])
            .collect(),
        widths: vec![1, 7, 2, 5],
        numeric: vec![true, false, true, false],
        total_last: false,
    }
}

pub fn record_text(c: &Candidate) -> String {
    if c.author.is_empty() {
        c.title.clone()
    } else {
        format!("{} / {}", c.title, c.author)
    }
}

pub fn decision(c: &Candidate) -> String {
    match c.state.as_str() {
        "confirmed" => "материал из списка, изъят".into(),
        "dismissed" => format!("не является материалом из списка: {}", c.reason),
        _ => "на рассмотрении".into(),
    }
}

/// The act of withdrawal as DOCX.
pub fn withdrawal_act_docx(
    school: &School,
    act: &checks::Act,
    items: &[Candidate],
    members: &[Member],
) -> Result<Vec<u8>> {
    let mut d = Document::new(false);
    d.title(&format!(
        "АКТ № {}\nоб изъятии документов, включённых в Федеральный список экстремистских материалов",
        act.number
    ));
    d.paragraph(&format!("{}\t{}", school.full_name, domain::dates::format(act.act_date)));
    d.paragraph(&withdrawal_intro(items.len()));
    d.table(Table {
        header: vec![vec![
            "№".into(),
            "Документ (заглавие / автор)".into(),
            "Идентификатор записи".into(),
            "№ в списке".into(),
        ]],
        rows: items
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![(i + 1).to_string(), record_text(c), shown_key(&c.record_key), c.entry_number.to_string()]
            })
            .collect(),
        widths: vec![1, 8, 3, 2],
        numeric: vec![true, false, false, true],
        total_last: false,
    });
    d.paragraph("Изъятые документы исключены из учёта и переданы на хранение в закрытый фонд до их уничтожения с составлением акта.");
    d.signatures(&signatures(members));
    d.to_bytes().map_err(|p| Error::Invalid(p.to_string()))
}

pub fn withdrawal_intro(n: usize) -> String {
    format!(
        "Комиссия, проверив библиотечный фонд по Федеральному списку экстремистских материалов, изъяла из фонда документы, включённые в список, — всего {n}:"
    )
}

/// A record key as a person reads it: the 001 itself, nothing for a key made of the title.
pub fn shown_key(key: &str) -> String {
    if key.starts_with('~') {
        String::new()
    } else {
        key.to_string()
    }
}
