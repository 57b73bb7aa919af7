//! The textbook fund at a region's scale: a generated region of `BENCH_SCHOOLS` schools (default
//! 2 000) in districts of 60, each school with pupils in grades 1–11, about 300 curriculum lines
//! and about 300 holding batches (≈ 600 000 batch rows in all), on SQLite and, when
//! `BENCH_POSTGRES_URL` names a server, on PostgreSQL in a database it creates and drops.
//!
//! Times the full ФПУ import (2 500 items), the district provision report of a 60-school district,
//! the whole region's report (every district's), a holdings import of 10 000 rows; reports the
//! process's peak memory during the region report and the memory of a real `biblioset serve`
//! after it served `/fund` to every district's head. Plain `Instant` timings: medians of several
//! runs, as the machine is shared (see bench/RESULTS.md).
//!
//!   cargo bench -p biblioset --bench fund
//!   BENCH_SCHOOLS=600 BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p biblioset --bench fund
//!
//! Or `bash bench/fund.sh`, which runs both. `BENCH_KEEP=1` keeps the region's databases.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use domain::directory::SchoolInput;
use domain::fund::Figures;
use domain::{Role, SchoolYear};
use reqwest::cookie::{CookieStore, Jar};
use store::accounts::{self, NewUser};
use store::audit::Actor;
use store::fund::{self, ClassCount, Listed, NewBatch, NewLine, NewReceipt};
use store::{directory, Db, Reach};

/// Schools per district, as the issue sets the district report's size.
const PER_DISTRICT: usize = 60;
/// Items of the generated ФПУ: about the size of a real list (both annexes).
const FPU_ITEMS: usize = 2_500;
/// Rows of the holdings file: the import's own limit (`app::fund::MAX_HOLDING_ROWS`).
const HOLDING_ROWS: usize = app::fund::MAX_HOLDING_ROWS;
const ORDER: &str = "№ 119 от 21.02.2024";
const NEXT_ORDER: &str = "№ 700 от 15.08.2025";
const PASSWORD: &str = "bench-parol-2026";

const TARGET_DISTRICT: Duration = Duration::from_millis(50);
const TARGET_REGION: Duration = Duration::from_secs(1);
const TARGET_HOLDINGS: Duration = Duration::from_secs(1);
const TARGET_FPU: Duration = Duration::from_secs(2);

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

/// One measured line of the table.
struct Line {
    db: &'static str,
    what: String,
    runs: Vec<Duration>,
    target: Option<Duration>,
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn print_table(lines: &[Line]) {
    println!();
    println!(
        "{:<9} {:<58} {:>4} {:>10} {:>10} {:>10} {:>10}  verdict",
        "database", "what", "runs", "median ms", "min ms", "max ms", "target ms"
    );
    for l in lines {
        let m = median(&l.runs);
        let (target, verdict) = match l.target {
            Some(t) => (ms(t), if m <= t { "meets" } else { "MISSES" }),
            None => ("—".to_string(), ""),
        };
        println!(
            "{:<9} {:<58} {:>4} {:>10} {:>10} {:>10} {:>10}  {verdict}",
            l.db,
            l.what,
            l.runs.len(),
            ms(m),
            ms(*l.runs.iter().min().unwrap()),
            ms(*l.runs.iter().max().unwrap()),
            target
        );
    }
}

fn env_usize(name: &str, default: usize) -> Result<usize> {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().with_context(|| format!("{name}={v}: a whole number")),
        Err(_) => Ok(default),
    }
}

async fn run() -> Result<()> {
    domain::clock::set_zone(domain::clock::parse_zone("Europe/Moscow").context("time zone")?);
    if let Ok(url) = std::env::var("BENCH_DB") {
        return reports_only(&url).await;
    }
    let schools = env_usize("BENCH_SCHOOLS", 2_000)?;
    let pg = std::env::var("BENCH_POSTGRES_URL").ok().filter(|s| !s.is_empty());
    let work = std::env::temp_dir().join(format!("biblioset-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    println!(
        "machine: {} cores, {}; region: {schools} schools in districts of {PER_DISTRICT}; ФПУ {FPU_ITEMS} items; holdings file {HOLDING_ROWS} rows",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        mem_total()
    );
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    let result = async {
        let sqlite = Backend::Sqlite { dir: work.clone() };
        bench(&sqlite, schools, &mut lines, &mut notes).await?;
        if let Some(url) = &pg {
            let postgres = Backend::Postgres { admin: url.clone() };
            bench(&postgres, schools, &mut lines, &mut notes).await?;
        } else {
            notes.push("PostgreSQL skipped: set BENCH_POSTGRES_URL to run it".into());
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    if !keep() {
        let _ = std::fs::remove_dir_all(&work);
    }
    print_table(&lines);
    println!();
    for n in &notes {
        println!("{n}");
    }
    result
}

/// Where fresh databases come from.
enum Backend {
    Sqlite { dir: PathBuf },
    Postgres { admin: String },
}

/// A fresh, migrated database and what removes it.
struct Fresh {
    db: Db,
    url: String,
    drop: Option<(String, String)>,
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    async fn fresh(&self, label: &str) -> Result<Fresh> {
        let tag = format!("{label}_{}", &accounts::random_token()[..10]);
        let (url, drop) = match self {
            Backend::Sqlite { dir } => (format!("sqlite://{}", dir.join(format!("{tag}.db")).display()), None),
            Backend::Postgres { admin } => {
                let name = format!("biblioset_bench_{tag}");
                let Db::Postgres(p) = Db::connect(admin).await? else { bail!("BENCH_POSTGRES_URL is not postgres://") };
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&p).await?;
                p.close().await;
                (with_database(admin, &name), Some((admin.clone(), name)))
            }
        };
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        Ok(Fresh { db, url, drop })
    }
}

impl Fresh {
    async fn remove(self) -> Result<()> {
        self.db.close().await;
        match self.drop {
            Some((admin, name)) => {
                let Db::Postgres(p) = Db::connect(&admin).await? else { unreachable!() };
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&p).await?;
                p.close().await;
            }
            None => {
                if let Some(path) = self.url.strip_prefix("sqlite://") {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{path}{suffix}"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The server's URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

async fn count(db: &Db, table: &str) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let (n,): (i64,) = match db {
        Db::Sqlite(p) => sqlx::query_as(&sql).fetch_one(p).await?,
        Db::Postgres(p) => sqlx::query_as(&sql).fetch_one(p).await?,
    };
    Ok(n)
}

async fn bench(backend: &Backend, schools: usize, lines: &mut Vec<Line>, notes: &mut Vec<String>) -> Result<()> {
    let dbn = backend.name();
    println!("\n== {dbn} ==");
    let fpu = formats::fpu::sample_xlsx(FPU_ITEMS, 2024);
    let next_fpu = formats::fpu::sample_xlsx(FPU_ITEMS, 2025);

    // The full ФПУ: the first run into the region's database, the others into fresh ones; then a
    // next order over a stored list (what every later import is: it compares with the one before).
    let main = backend.fresh("region").await?;
    let mut first = Vec::new();
    let t = Instant::now();
    let report = app::fund::import_fpu(&main.db, &Actor::SYSTEM, &fpu, "fpu.xlsx", ORDER)
        .await
        .map_err(|e| anyhow!("ФПУ import: {e:?}"))?;
    first.push(t.elapsed());
    println!("ФПУ: {}", report.summary());
    for _ in 0..4 {
        let f = backend.fresh("fpu").await?;
        let t = Instant::now();
        app::fund::import_fpu(&f.db, &Actor::SYSTEM, &fpu, "fpu.xlsx", ORDER)
            .await
            .map_err(|e| anyhow!("ФПУ import: {e:?}"))?;
        first.push(t.elapsed());
        f.remove().await?;
    }
    lines.push(Line {
        db: dbn,
        what: format!("ФПУ import, {FPU_ITEMS} items, empty database"),
        runs: first,
        target: Some(TARGET_FPU),
    });
    let mut next = Vec::new();
    for _ in 0..3 {
        let f = backend.fresh("fpu").await?;
        app::fund::import_fpu(&f.db, &Actor::SYSTEM, &fpu, "fpu.xlsx", ORDER)
            .await
            .map_err(|e| anyhow!("ФПУ import: {e:?}"))?;
        let t = Instant::now();
        app::fund::import_fpu(&f.db, &Actor::SYSTEM, &next_fpu, "fpu-next.xlsx", NEXT_ORDER)
            .await
            .map_err(|e| anyhow!("ФПУ import: {e:?}"))?;
        next.push(t.elapsed());
        f.remove().await?;
    }
    lines.push(Line {
        db: dbn,
        what: format!("ФПУ import, {FPU_ITEMS} items, next order over a stored one"),
        runs: next,
        target: Some(TARGET_FPU),
    });

    // The region.
    let t = Instant::now();
    let region = generate(&main.db, schools).await?;
    let took = t.elapsed();
    if let Db::Postgres(p) = &main.db {
        // What autovacuum does within a minute of a bulk load; the plans should not depend on
        // whether it has run yet.
        sqlx::query("ANALYZE").execute(p).await?;
    }
    let (batches, curriculum, contingent) = (
        count(&main.db, "fund_batches").await?,
        count(&main.db, "curriculum").await?,
        count(&main.db, "contingent").await?,
    );
    let note = format!(
        "{dbn}: region generated in {:.0} s: {} districts, {} schools, {batches} batch rows, {curriculum} curriculum lines, {contingent} classes",
        took.as_secs_f64(),
        region.len(),
        region.iter().map(|d| d.schools.len()).sum::<usize>()
    );
    println!("{note}");
    notes.push(note);

    // The district report of a 60-school district. Each school's figures are kept until its fund
    // changes (store::fund::summary), so the report is timed three ways: every school counted
    // (the first report of a day, or after an ФПУ import), one school counted after a change to
    // its fund (the usual case), and every school's figures kept.
    let year = SchoolYear::current();
    let today = domain::clock::today();
    let d0 = &region[0];
    let reach = Reach::whole_district(d0.id);
    let ids: Vec<i64> = d0.schools.clone();
    let p = app::fund::district_provision(&main.db, &reach, year, today).await?;
    for (what, changed) in [("every school counted", ids.len()), ("one school counted", 1), ("figures kept", 0)] {
        let mut runs = Vec::new();
        for _ in 0..10 {
            touch(&main.db, &ids[..changed]).await?;
            let t = Instant::now();
            let p = app::fund::district_provision(&main.db, &reach, year, today).await?;
            runs.push(t.elapsed());
            std::hint::black_box(p);
        }
        lines.push(Line {
            db: dbn,
            what: format!("district provision report, {} schools, {what}", d0.schools.len()),
            runs,
            target: Some(TARGET_DISTRICT),
        });
    }
    println!("district of {} schools: provision {}", p.schools.len(), p.total.percent_text());
    // The district's compliance report (/fund/compliance): no target was set, shown for scale.
    let mut runs = Vec::new();
    let mut problems = 0;
    for _ in 0..5 {
        let t = Instant::now();
        problems = app::fund::compliance(&main.db, &reach, None, year, today).await?.len();
        runs.push(t.elapsed());
    }
    lines.push(Line {
        db: dbn,
        what: format!("district compliance report, {} schools, {problems} rows", d0.schools.len()),
        runs,
        target: None,
    });

    // The whole region: every district's report. Peak memory counted from here (the kernel's
    // high-water mark is reset first, so the generator's own allocations do not count).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = rss();
    let all: Vec<i64> = region.iter().flat_map(|d| d.schools.iter().copied()).collect();
    let mut total = Figures::default();
    for (what, counted) in [("every school counted", true), ("figures kept", false)] {
        let mut runs = Vec::new();
        for _ in 0..5 {
            if counted {
                touch(&main.db, &all).await?;
            }
            let t = Instant::now();
            let mut sum = Figures::default();
            for d in &region {
                let p = app::fund::district_provision(&main.db, &Reach::whole_district(d.id), year, today).await?;
                sum.add(&p.total);
            }
            runs.push(t.elapsed());
            total = sum;
        }
        lines.push(Line {
            db: dbn,
            what: format!("region report, {} districts (sum of district reports), {what}", region.len()),
            runs,
            target: Some(TARGET_REGION),
        });
    }
    let after = rss();
    println!("region: provision {} ({} copies needed)", total.percent_text(), total.need);
    notes.push(format!(
        "{dbn}: bench process memory: {} MiB resident before the region reports, {} MiB after; peak during them {} MiB{}",
        before.0,
        after.0,
        after.1,
        if reset { "" } else { " (the peak could not be reset: it is the process's lifetime peak)" }
    ));

    // The real server over the same database: every district's head signs in and opens /fund.
    match serve_region(&main.url, &region).await {
        Ok(s) => {
            lines.push(Line {
                db: dbn,
                what: format!("server: GET /fund, {PER_DISTRICT}-school districts, each once"),
                runs: s.pages,
                target: None,
            });
            notes.push(format!(
                "{dbn}: `biblioset serve` memory: {} MiB resident after start, {} MiB after serving /fund to all {} districts, peak {} MiB",
                s.start_rss, s.rss, region.len(), s.hwm
            ));
        }
        Err(e) => notes.push(format!("{dbn}: the server part failed: {e:#}")),
    }

    // Holdings imports of 10 000 rows, each into another school of the last district.
    let xlsx = holdings_xlsx(&main.db).await?;
    let last = region.last().expect("a district");
    let mut runs = Vec::new();
    for &school in last.schools.iter().rev().take(5) {
        let reach = Reach::whole_district(last.id);
        let t = Instant::now();
        let out = app::fund::import_holdings(&main.db, &reach, school, &xlsx, "остатки.xlsx")
            .await
            .map_err(|e| anyhow!("holdings import: {e:?}"))?;
        runs.push(t.elapsed());
        match out {
            app::fund::Opening::Written { rows, .. } if rows == HOLDING_ROWS => {}
            app::fund::Opening::Written { rows, .. } => bail!("holdings import wrote {rows} rows, not {HOLDING_ROWS}"),
            app::fund::Opening::Review { rows, .. } => bail!(
                "holdings import asks for review of {} rows: the file's numbers should all match",
                rows.iter().filter(|r| r.item.is_none()).count()
            ),
        }
    }
    lines.push(Line {
        db: dbn,
        what: format!("holdings import, {HOLDING_ROWS} rows, one school each"),
        runs,
        target: Some(TARGET_HOLDINGS),
    });
    if keep() {
        println!("{dbn}: the region's database is kept (BENCH_KEEP): {}", main.url);
    } else {
        main.remove().await?;
    }
    Ok(())
}

/// `BENCH_DB=<url of a kept region>`: only the district and region reports, `BENCH_RUNS` times
/// each (default 10), for a look with a profiler.
async fn reports_only(url: &str) -> Result<()> {
    let db = Db::connect(url).await?;
    let districts = {
        let mut c = db.conn().await?;
        directory::list_districts(&mut c.ex()).await?
    };
    let runs = env_usize("BENCH_RUNS", 10)?;
    let (year, today) = (SchoolYear::current(), domain::clock::today());
    let mut one = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        app::fund::district_provision(&db, &Reach::whole_district(districts[0].id), year, today).await?;
        one.push(t.elapsed());
    }
    let mut all = Vec::new();
    for _ in 0..runs.div_ceil(10) {
        let t = Instant::now();
        for d in &districts {
            app::fund::district_provision(&db, &Reach::whole_district(d.id), year, today).await?;
        }
        all.push(t.elapsed());
    }
    let mut compliance = Vec::new();
    for _ in 0..runs.div_ceil(2) {
        let t = Instant::now();
        app::fund::compliance(&db, &Reach::whole_district(districts[0].id), None, year, today).await?;
        compliance.push(t.elapsed());
    }
    let dbn = db.kind();
    print_table(&[
        Line { db: dbn, what: "district provision report".into(), runs: one, target: Some(TARGET_DISTRICT) },
        Line { db: dbn, what: "district compliance report".into(), runs: compliance, target: None },
        Line {
            db: dbn,
            what: format!("region report, {} districts", districts.len()),
            runs: all,
            target: Some(TARGET_REGION),
        },
    ]);
    Ok(())
}

/// Marks these schools' funds changed, as a receipt or a write-off does, so that the next report
/// counts their figures again.
async fn touch(db: &Db, schools: &[i64]) -> Result<()> {
    if schools.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    fund::touch(&mut tx.ex(), schools).await?;
    tx.commit().await?;
    Ok(())
}

/// `BENCH_KEEP=1` keeps the region's databases for a look with sqlite3 or psql afterwards.
fn keep() -> bool {
    std::env::var("BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// (VmRSS, VmHWM) of a process in MiB.
fn status_mib(path: &Path) -> (u64, u64) {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let get = |key: &str| {
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

fn rss() -> (u64, u64) {
    status_mib(Path::new("/proc/self/status"))
}

fn mem_total() -> String {
    let s = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kb: u64 = s
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    format!("{:.0} GiB", kb as f64 / 1_048_576.0)
}

/// A generated district: its head's login and its schools.
struct District {
    id: i64,
    head: String,
    schools: Vec<i64>,
}

/// The current list's Annex 1 and Annex 2 items of a grade and subject.
type Choices<'a> = BTreeMap<(u8, &'a str), (Vec<&'a Listed>, Vec<&'a Listed>)>;

/// Fills the region: districts of [`PER_DISTRICT`] schools, each with a head who signs in with
/// [`PASSWORD`]; every school teaches grades 1–11 in one to three classes, chooses up to three
/// textbooks per grade and subject (groups of 50, 30 and 20 %), and holds copies of them in one
/// or two batches (some none, some plenty), as an opening receipt and this year's delivery.
/// Store functions only, one transaction per district's directory and one per school's fund.
async fn generate(db: &Db, schools: usize) -> Result<Vec<District>> {
    let listed: Vec<Listed> = {
        let mut c = db.conn().await?;
        let order = fund::current_fpu_order(&mut c.ex()).await?.context("no ФПУ")?;
        let mut l: Vec<Listed> = fund::fpu_by_number(&mut c.ex(), order.id).await?.into_values().flatten().collect();
        l.sort_by(|a, b| (&a.number_key, a.item_id).cmp(&(&b.number_key, b.item_id)));
        l
    };
    let mut choices: Choices = BTreeMap::new();
    for l in &listed {
        let (Some(from), Some(to)) = (l.grade_from, l.grade_to) else { continue };
        for g in from.max(1)..=to.min(11) {
            let e = choices.entry((g as u8, l.subject.as_str())).or_default();
            if l.annex == 1 {
                e.0.push(l)
            } else {
                e.1.push(l)
            }
        }
    }
    let year = SchoolYear::current();
    let today = domain::clock::today();
    let hash = domain::password::hash(PASSWORD);
    let mut region = Vec::new();
    let mut n = 0usize;
    let mut d = 0usize;
    while n < schools {
        let here = PER_DISTRICT.min(schools - n);
        let mut tx = db.begin().await?;
        let name = format!("Муниципальный округ № {}", d + 1);
        let id = directory::create_district(&mut tx.ex(), &Actor::SYSTEM, &name, "Тестовая область").await?;
        let head = format!("head{:02}", d + 1);
        accounts::create_user(
            &mut tx.ex(),
            NewUser {
                login: &head,
                full_name: &format!("Руководитель МО округа № {}", d + 1),
                email: "",
                role: Role::Head,
                district_id: Some(id),
                school_id: None,
                password_hash: Some(hash.clone()),
            },
        )
        .await?;
        let reach = Reach::whole_district(id);
        let mut ids = Vec::new();
        for k in 0..here {
            let g = n + k + 1;
            let input = SchoolInput {
                full_name: format!(
                    "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № {}» округа № {}",
                    k + 1,
                    d + 1
                ),
                short_name: format!("МБОУ СОШ № {}", k + 1),
                kind: "sosh".into(),
                address: format!("Тестовая обл., округ № {}, ул. Школьная, д. {}", d + 1, k + 1),
                director: String::new(),
                phone: String::new(),
                email: String::new(),
                inn: store::demo::inn_from(300_000_000 + g as u64 * 7),
            }
            .validate()
            .map_err(|e| anyhow!("school {g}: {e:?}"))?;
            ids.push(directory::create_school(&mut tx.ex(), &reach, &input).await?);
        }
        tx.commit().await?;
        let actor = Actor { user_id: None, district_id: Some(id) };
        for (k, &school) in ids.iter().enumerate() {
            school_fund(db, &actor, school, n + k, &choices, year, today).await?;
        }
        region.push(District { id, head, schools: ids });
        n += here;
        d += 1;
        if d.is_multiple_of(5) {
            println!("  generated {n} schools");
        }
    }
    Ok(region)
}

async fn school_fund(
    db: &Db,
    actor: &Actor,
    school: i64,
    si: usize,
    choices: &Choices<'_>,
    year: SchoolYear,
    today: NaiveDate,
) -> Result<()> {
    let mut classes = Vec::new();
    let mut pupils = [0i64; 12];
    for g in 1..=11u8 {
        for k in 0..1 + (si + g as usize) % 3 {
            let n = 18 + ((si * 31 + g as usize * 7 + k * 3) % 12) as i64;
            pupils[g as usize] += n;
            classes.push(ClassCount { grade: g as i64, class_name: ["А", "Б", "В"][k].into(), pupils: n });
        }
    }
    let mut curriculum = Vec::new();
    let (mut opening, mut delivery) = (Vec::new(), Vec::new());
    for (&(grade, subject), (current, excluded)) in choices {
        if current.is_empty() {
            continue;
        }
        for (k, share) in [50u32, 30, 20].into_iter().enumerate() {
            // Every fifth school still teaches one group from an excluded textbook.
            let item = if k == 2 && si.is_multiple_of(5) && !excluded.is_empty() {
                excluded[(si + grade as usize) % excluded.len()]
            } else {
                current[(si * 7 + grade as usize + k * 5) % current.len()]
            };
            if curriculum
                .iter()
                .any(|l: &NewLine| l.grade == grade && l.subject == subject && l.item_id == Some(item.item_id))
            {
                continue;
            }
            curriculum.push(NewLine {
                school_id: school,
                year: year.start_year(),
                grade,
                subject: subject.to_string(),
                item_id: Some(item.item_id),
                aid: String::new(),
                share,
            });
            let need = pupils[grade as usize] * share as i64 / 100;
            // Batches per line: mostly one, some two (old and new), some none (a deficit).
            let turn = (si * 13 + grade as usize * 3 + k) % 7;
            let copies = (need * [100, 90, 110, 75, 100, 120, 95][turn] / 100).max(1);
            let price = 30_000 + 1_000 * grade as i64 + 500 * k as i64;
            match turn {
                4 => {}
                2 => {
                    opening.push(NewBatch {
                        item_id: item.item_id,
                        year: 2019 + (grade as i32 % 4),
                        copies: copies / 2 + 1,
                        price,
                    });
                    delivery.push(NewBatch {
                        item_id: item.item_id,
                        year: year.start_year(),
                        copies: copies / 2,
                        price: price + 15_000,
                    });
                }
                _ => opening.push(NewBatch { item_id: item.item_id, year: 2020 + (grade as i32 % 4), copies, price }),
            }
        }
    }
    delivery.retain(|b| b.copies > 0);
    let mut tx = db.begin().await?;
    fund::set_contingent(&mut tx.ex(), actor, school, year.start_year(), &classes).await?;
    fund::insert_curriculum(&mut tx.ex(), actor, &curriculum).await?;
    for (number, date, source, batches) in [
        ("ВО-1", NaiveDate::from_ymd_opt(year.prev().start_year(), 9, 1).expect("a date"), "opening", opening),
        ("1-Т", NaiveDate::from_ymd_opt(year.start_year(), 9, 1).expect("a date").min(today), "regional", delivery),
    ] {
        if batches.is_empty() {
            continue;
        }
        let r = NewReceipt {
            school_id: school,
            doc_number: number.into(),
            doc_date: date,
            source: source.into(),
            note: String::new(),
            batches,
        };
        fund::insert_receipt(&mut tx.ex(), actor, &r).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A holdings file of [`HOLDING_ROWS`] rows in the columns of `app::fund::HOLDINGS_COLUMNS`:
/// items of the current list by their numbers (only numbers that name one item), each in
/// several years of receipt, so that every row matches by number.
async fn holdings_xlsx(db: &Db) -> Result<Vec<u8>> {
    {
        let listed: Vec<Listed> = {
            let mut c = db.conn().await?;
            let order = fund::current_fpu_order(&mut c.ex()).await?.context("no ФПУ")?;
            let mut l: Vec<Listed> = fund::fpu_by_number(&mut c.ex(), order.id)
                .await?
                .into_values()
                .filter(|v| v.len() == 1)
                .flatten()
                .filter(|l| l.grade_from.is_some())
                .collect();
            l.sort_by(|a, b| (&a.number_key, a.item_id).cmp(&(&b.number_key, b.item_id)));
            l
        };
        if listed.is_empty() {
            bail!("no items to list");
        }
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (c, col) in app::fund::HOLDINGS_COLUMNS.iter().enumerate() {
            ws.write_string(0, c as u16, col.header)?;
        }
        let this_year = domain::clock::today().format("%Y").to_string().parse::<u32>()?;
        for i in 0..HOLDING_ROWS {
            let l = &listed[i % listed.len()];
            let r = i as u32 + 1;
            let year = this_year - (i / listed.len()) as u32;
            ws.write_string(r, 0, &l.number)?;
            ws.write_string(r, 1, &l.title)?;
            ws.write_string(r, 2, &l.authors)?;
            ws.write_number(r, 3, l.grade_from.unwrap_or(1) as f64)?;
            ws.write_number(r, 4, year as f64)?;
            ws.write_number(r, 5, (20 + i % 60) as f64)?;
            ws.write_number(r, 6, 350.0 + (i % 40) as f64 * 12.5)?;
        }
        Ok(book.save_to_buffer()?)
    }
}

/// What the real server did: each /fund page's time, and its memory in MiB.
struct Served {
    pages: Vec<Duration>,
    start_rss: u64,
    rss: u64,
    hwm: u64,
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `biblioset serve` over the database, signs in as every district's head and opens
/// /fund once per district; the pages of the 60-school districts are timed.
async fn serve_region(db_url: &str, region: &[District]) -> Result<Served> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = std::env::temp_dir().join(format!("biblioset-bench-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let log = std::fs::File::create(dir.join("server.log"))?;
    let child = Command::new(env!("CARGO_BIN_EXE_biblioset"))
        .args(["--database-url", db_url, "--data-dir"])
        .arg(&dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("BIBLIOSET_LOG", "warn")
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()
        .context("starting biblioset serve")?;
    let server = Server(child);
    let status = PathBuf::from(format!("/proc/{}/status", server.0.id()));
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if probe.get(format!("{base}/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !up {
        bail!("the server did not start: {}", std::fs::read_to_string(dir.join("server.log")).unwrap_or_default());
    }
    let start_rss = status_mib(&status).0;
    let mut pages = Vec::new();
    for d in region {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        http.get(format!("{base}/login")).send().await?;
        let url: reqwest::Url = base.parse()?;
        let cookies = jar.cookies(&url).map(|h| h.to_str().unwrap_or_default().to_string()).unwrap_or_default();
        let csrf = cookies
            .split("; ")
            .find_map(|kv| kv.strip_prefix("bs_csrf="))
            .context("no CSRF cookie from GET /login")?
            .to_string();
        let r = http
            .post(format!("{base}/login"))
            .form(&[("login", d.head.as_str()), ("password", PASSWORD), ("_csrf", csrf.as_str())])
            .send()
            .await?;
        if r.status() != reqwest::StatusCode::SEE_OTHER {
            bail!("sign-in of {} answered {}", d.head, r.status());
        }
        let t = Instant::now();
        let r = http.get(format!("{base}/fund")).send().await?;
        let status_code = r.status();
        let body = r.text().await?;
        let took = t.elapsed();
        if !status_code.is_success() || body.len() < 10_000 {
            bail!("GET /fund of {} answered {status_code} with {} bytes", d.head, body.len());
        }
        if d.schools.len() == PER_DISTRICT || region.len() == 1 {
            pages.push(took);
        }
    }
    let (rss, hwm) = status_mib(&status);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Served { pages, start_rss, rss, hwm })
}
