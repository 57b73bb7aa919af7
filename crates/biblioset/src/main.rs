//! The `biblioset` command: serve the site, migrate, manage accounts, import, back up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use app::accounts::NewAccount;
use app::imports::{self, ImportError};
use clap::{Parser, Subcommand, ValueEnum};
use domain::Role;
use indicatif::{ProgressBar, ProgressStyle};
use store::accounts;
use store::audit::Actor;
use store::{demo, directory, Db, Reach};

#[derive(Parser)]
#[command(
    name = "biblioset",
    version,
    about = "Библиосеть: информационная система методического объединения школьных библиотекарей"
)]
struct Cli {
    /// sqlite://ПУТЬ or postgres://…; by default an SQLite file in the data folder.
    #[arg(long, env = "BIBLIOSET_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Folder of the embedded SQLite database.
    #[arg(long, env = "BIBLIOSET_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, env = "BIBLIOSET_LOG_JSON", global = true)]
    log_json: bool,
    /// The installation's time zone (IANA name): dates, times and the current school year follow it.
    #[arg(long, env = "BIBLIOSET_TIME_ZONE", default_value = "Europe/Moscow", global = true)]
    time_zone: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (migrations run first).
    Serve {
        #[arg(long, env = "BIBLIOSET_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Fill a demo district into an empty database (never touches real data).
        #[arg(long)]
        demo: bool,
        /// The site's address as users reach it, for invitation links.
        #[arg(long, env = "BIBLIOSET_PUBLIC_URL")]
        public_url: Option<String>,
        /// Mark cookies Secure (when served over HTTPS).
        #[arg(long, env = "BIBLIOSET_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Behind a load balancer: take client addresses from X-Forwarded-For.
        #[arg(long, env = "BIBLIOSET_TRUST_PROXY")]
        trust_proxy: bool,
    },
    /// Create or update the database schema and exit.
    Migrate,
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Districts.
    District {
        #[command(subcommand)]
        command: DistrictCommand,
    },
    /// Import schools or librarians of a district from XLSX (all or nothing).
    Import {
        what: ImportWhat,
        file: PathBuf,
        /// District id (see `district list`).
        #[arg(long)]
        district: i64,
    },
    /// A consistent copy of the SQLite database, safe while the server runs.
    Backup { file: PathBuf },
    /// The federal list of textbooks (ФПУ).
    Fpu {
        #[command(subcommand)]
        command: FpuCommand,
    },
    /// School library catalogs (ISO 2709: RUSMARC, UNIMARC, MARC 21; MARCXML).
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// The federal list of extremist materials (ФСЭМ).
    Fsem {
        #[command(subcommand)]
        command: FsemCommand,
    },
}

#[derive(Subcommand)]
enum FsemCommand {
    /// Check a catalog against the list on this computer, without a server: prints each
    /// candidate pair (record id from 001, list entry number, score, why) on stdout.
    Check {
        /// The list as published: CSV (UTF-8 or Windows-1251) or XLSX.
        #[arg(long)]
        list: PathBuf,
        /// The catalog: ISO 2709 or MARCXML.
        #[arg(long)]
        catalog: PathBuf,
        /// CSV (`;`, UTF-8) with a header instead of tab-separated lines.
        #[arg(long)]
        csv: bool,
        /// 0..1; lower shows more candidates.
        #[arg(long, default_value_t = domain::fsem::DEFAULT_THRESHOLD)]
        threshold: f32,
        #[arg(long, value_enum, default_value = "auto")]
        encoding: CatalogEncoding,
    },
    /// Store the list as a new version in the database (the same file twice changes nothing).
    ImportList {
        /// The list as published: CSV (UTF-8 or Windows-1251) or XLSX.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Convert a catalog to MARCXML or TSV (001, title, author) on stdout. Broken records are
    /// reported on stderr by number; the exit code is 0 when at least one record was read.
    Convert {
        file: PathBuf,
        #[arg(long, value_enum)]
        to: CatalogOutput,
        /// The file's encoding; by default told by the file (100$a, leader/09, the bytes).
        #[arg(long, value_enum, default_value = "auto")]
        encoding: CatalogEncoding,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CatalogOutput {
    Marcxml,
    Tsv,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogEncoding {
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "cp1251", alias = "windows-1251")]
    Cp1251,
}

#[derive(Subcommand)]
enum FpuCommand {
    /// Import an order's list from the ministry's spreadsheet (XLSX, or CSV in UTF-8/Windows-1251).
    Import {
        file: PathBuf,
        /// The order: number and date, «№ 119 от 21.02.2024».
        #[arg(long)]
        order: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportWhat {
    Schools,
    Librarians,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. Without --password an invitation link is printed.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "head", "observer"])]
        role: String,
        #[arg(long)]
        district: Option<i64>,
        #[arg(long, env = "BIBLIOSET_NEW_PASSWORD")]
        password: Option<String>,
        /// Site address for the invitation link.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum DistrictCommand {
    Add {
        name: String,
        #[arg(long, default_value = "")]
        region: String,
    },
    List,
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BIBLIOSET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(cli: &Cli) -> Result<Db> {
    let url = match &cli.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&cli.data_dir)
                .with_context(|| format!("cannot create the data folder {}", cli.data_dir.display()))?;
            format!("sqlite://{}", cli.data_dir.join("biblioset.db").display())
        }
    };
    let db = Db::connect(&url).await.with_context(|| format!("cannot open the database {}", redact(&url)))?;
    db.migrate().await.context("migrations failed")?;
    Ok(db)
}

/// The file of the SQLite database the options point at; None for PostgreSQL.
fn sqlite_path(cli: &Cli) -> Option<PathBuf> {
    match &cli.database_url {
        None => Some(cli.data_dir.join("biblioset.db")),
        Some(u) => u
            .strip_prefix("sqlite://")
            .or_else(|| u.strip_prefix("sqlite:"))
            .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p))),
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// glibc's malloc keeps freed memory for reuse: the 19 MiB buffers of password hashing fell under
/// a threshold that grows with them and stayed resident after a burst of sign-ins (740 MB). A
/// fixed mmap threshold gives every buffer over 1 MiB back to the system when it is freed.
fn return_memory_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it runs before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> Result<()> {
    return_memory_to_the_system();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_json);
    let zone = domain::clock::parse_zone(&cli.time_zone)
        .with_context(|| format!("unknown time zone «{}»: use an IANA name such as Europe/Moscow", cli.time_zone))?;
    domain::clock::set_zone(zone);
    match &cli.command {
        Command::Serve { listen, demo: with_demo, public_url, secure_cookies, trust_proxy } => {
            let db = open(&cli).await?;
            let listener =
                tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            let url = format!("http://{addr}");
            if *with_demo {
                let outcome = app::demo::seed(&db).await?;
                let is_demo = !matches!(outcome, demo::Outcome::RealData);
                print_demo(outcome);
                if is_demo {
                    app::demo::seed_compliance(&db).await?;
                }
            }
            println!("Библиосеть работает: {url}  (база: {})", db.kind());
            let config = web::Config {
                secure_cookies: *secure_cookies,
                public_url: public_url.clone().unwrap_or(url),
                trust_proxy: *trust_proxy,
            };
            web::serve(listener, db, config).await?;
        }
        Command::Migrate => {
            let db = open(&cli).await?;
            println!("Схема базы данных ({}) обновлена.", db.kind());
        }
        Command::User { command } => user(&cli, command).await?,
        Command::District { command } => district(&cli, command).await?,
        Command::Import { what, file, district } => import(&cli, *what, file, *district).await?,
        Command::Fpu { command: FpuCommand::Import { file, order } } => fpu_import(&cli, file, order).await?,
        Command::Catalog { command: CatalogCommand::Convert { file, to, encoding } } => {
            catalog_convert(file, *to, *encoding)?
        }
        Command::Fsem { command: FsemCommand::Check { list, catalog, csv, threshold, encoding } } => {
            fsem_check(list, catalog, *csv, *threshold, *encoding)?
        }
        Command::Fsem { command: FsemCommand::ImportList { file } } => fsem_import(&cli, file).await?,
        Command::Backup { file } => {
            if file.exists() {
                bail!("{} already exists: choose a new file name", file.display());
            }
            let source = sqlite_path(&cli)
                .context("backup copies the SQLite database; for PostgreSQL use pg_dump (see README)")?;
            if !source.exists() {
                bail!("there is no database at {}: check --data-dir or --database-url", source.display());
            }
            let db = open(&cli).await?;
            let pb = spinner("копирование базы данных…");
            // Written under a temporary name and renamed only when complete and checked, so an
            // interrupted backup never leaves a file that looks like a good one.
            let partial = file.with_file_name(format!(
                ".{}.partial",
                file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
            ));
            let journal = partial.with_file_name(format!(
                "{}-journal",
                partial.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
            ));
            // What an interrupted earlier run left behind.
            let _ = std::fs::remove_file(&partial);
            let _ = std::fs::remove_file(&journal);
            let made = async {
                db.backup_sqlite(&partial.to_string_lossy()).await?;
                store::db::check_sqlite_file(&partial).await
            }
            .await;
            pb.finish_and_clear();
            if let Err(e) = made {
                let _ = std::fs::remove_file(&partial);
                let _ = std::fs::remove_file(&journal);
                bail!("backup failed, nothing was written to {}: {e}", file.display());
            }
            std::fs::rename(&partial, file).with_context(|| format!("cannot write {}", file.display()))?;
            let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
            println!("Резервная копия готова: {} ({} КБ)", file.display(), size / 1024);
        }
    }
    Ok(())
}

fn print_demo(outcome: demo::Outcome) {
    match outcome {
        demo::Outcome::Seeded(logins) | demo::Outcome::AlreadyThere(logins) => {
            println!("Демонстрационный округ. Пароль у всех: {}", demo::PASSWORD);
            for (login, who) in logins {
                println!("  {login:<10} {who}");
            }
        }
        demo::Outcome::RealData => {
            println!("В базе уже есть данные: демонстрационный округ не добавлен.")
        }
    }
}

async fn user(cli: &Cli, command: &UserCommand) -> Result<()> {
    let db = open(cli).await?;
    match command {
        UserCommand::Add { login, name, role, district, password, public_url } => {
            let role = Role::parse(role).context("unknown role")?;
            if role != Role::Admin && district.is_none() {
                bail!("--district is required for the role {}", role.as_str());
            }
            let account = NewAccount {
                login: login.clone(),
                full_name: name.clone(),
                email: String::new(),
                role,
                district: *district,
                password: password.clone(),
            };
            let (_, link) = app::accounts::create_account(&db, &Actor::SYSTEM, account).await.map_err(russian)?;
            println!("Учётная запись {login} создана.");
            if let Some(token) = link {
                println!("Ссылка для задания пароля (7 дней): {}/invite/{token}", public_url.trim_end_matches('/'));
            }
        }
        UserCommand::List => {
            let mut c = db.conn().await?;
            for u in accounts::list_users(&mut c.ex(), None).await? {
                println!("{:<16} {:<10} {}", u.login, u.role, u.full_name);
            }
        }
    }
    Ok(())
}

/// A refusal of the use-case layer as the user should read it: the Russian message alone.
fn russian(e: store::Error) -> anyhow::Error {
    match e {
        store::Error::Fields(_) | store::Error::Invalid(_) | store::Error::NotFound => anyhow::anyhow!("{e}"),
        other => other.into(),
    }
}

async fn district(cli: &Cli, command: &DistrictCommand) -> Result<()> {
    let db = open(cli).await?;
    match command {
        DistrictCommand::Add { name, region } => {
            let id = app::accounts::create_district(&db, &Actor::SYSTEM, name, region).await.map_err(russian)?;
            println!("Округ «{name}» создан, id {id}.");
        }
        DistrictCommand::List => {
            let mut c = db.conn().await?;
            for d in directory::list_districts(&mut c.ex()).await? {
                println!("{:>4}  {}", d.id, d.name);
            }
        }
    }
    Ok(())
}

async fn fpu_import(cli: &Cli, file: &PathBuf, order: &str) -> Result<()> {
    let db = open(cli).await?;
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > 20 * 1024 * 1024 {
        bail!(
            "Файл «{}» больше 20 МБ: федеральный перечень занимает около 2 МБ; проверьте, тот ли это файл",
            file.display()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let pb = spinner("чтение перечня…");
    let result = app::fund::import_fpu(&db, &store::audit::Actor::SYSTEM, &bytes, &name, order).await;
    pb.finish_and_clear();
    report_import(result.map(|r| (r.summary(), r.warnings)), "Перечень не загружен")
}

/// Prints what an import read, or every problem of the file and exits 1 (nothing was written).
fn report_import(result: Result<(String, Vec<String>), ImportError>, refused: &str) -> Result<()> {
    match result {
        Ok((summary, warnings)) => {
            println!("{summary}");
            for w in &warnings {
                println!("  предупреждение: {w}");
            }
            Ok(())
        }
        Err(ImportError::Problems(p)) => {
            eprintln!("{refused}, в базе ничего не изменилось:");
            for x in &p {
                eprintln!("  {x}");
            }
            std::process::exit(1);
        }
        Err(ImportError::Upload(m)) => bail!(m),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

impl CatalogEncoding {
    fn marc(self) -> formats::marc::Encoding {
        match self {
            CatalogEncoding::Auto => formats::marc::Encoding::Auto,
            CatalogEncoding::Utf8 => formats::marc::Encoding::Utf8,
            CatalogEncoding::Cp1251 => formats::marc::Encoding::Windows1251,
        }
    }
}

/// `fsem import-list`: the same import as the web page, as the system.
async fn fsem_import(cli: &Cli, file: &PathBuf) -> Result<()> {
    let db = open(cli).await?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let pb = spinner("чтение списка…");
    let result = app::fsem::import_list(&db, &store::audit::Actor::SYSTEM, &bytes, &name).await;
    pb.finish_and_clear();
    report_import(result.map(|r| (r.summary(), r.warnings)), "Список не загружен")
}

/// `fsem check`: the list indexed once, every readable record of the catalog looked up in it.
/// Broken records and the list's warnings go to stderr; the exit code is 0 when both files were
/// read, whether or not there are candidates.
fn fsem_check(list: &Path, catalog: &Path, as_csv: bool, threshold: f32, encoding: CatalogEncoding) -> Result<()> {
    use formats::marc;
    use std::io::Write;

    if !(0.0..=1.0).contains(&threshold) {
        bail!("--threshold: {threshold} — нужно число от 0 до 1");
    }
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let bytes = std::fs::read(list).with_context(|| format!("cannot read {}", list.display()))?;
    let parsed = match formats::fsem::read(&bytes, &name(list)) {
        Ok(l) => l,
        Err(problems) => {
            for p in problems {
                eprintln!("{p}");
            }
            std::process::exit(1);
        }
    };
    for w in &parsed.warnings {
        eprintln!("{w}");
    }
    let entries: Vec<domain::fsem::ListEntry> = parsed.entries.iter().map(|e| e.to_list_entry()).collect();
    let index = domain::fsem::Index::build(&entries);
    let source = std::fs::File::open(catalog).with_context(|| format!("cannot read {}", catalog.display()))?;
    let size = source.metadata().map(|m| m.len()).unwrap_or(0);
    let cat_name = name(catalog);
    let mut reader =
        match marc::open_catalog(std::io::BufReader::new(source), &cat_name, encoding.marc(), &marc::Limits::default())
        {
            Ok(r) => r,
            Err(problem) => {
                eprintln!("{problem}");
                std::process::exit(1);
            }
        };
    let stdout = std::io::stdout().lock();
    let mut out = csv::WriterBuilder::new()
        .delimiter(if as_csv { b';' } else { b'\t' })
        .quote_style(if as_csv { csv::QuoteStyle::Necessary } else { csv::QuoteStyle::Never })
        .from_writer(std::io::BufWriter::new(stdout));
    if as_csv {
        out.write_record([
            "Запись (001)",
            "Заглавие",
            "Автор",
            "№ в списке",
            "Оценка",
            "Почему",
            "Исключён из списка",
        ])?;
    }
    let (mut read, mut broken, mut found) = (0usize, 0usize, 0usize);
    let mut first_broken = None;
    // Drawn on stderr only when it is a terminal.
    let pb = ProgressBar::new(size);
    pb.set_style(
        ProgressStyle::with_template("сверка каталога [{bar:30}] {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    while let Some(item) = reader.next() {
        pb.set_position(reader.bytes_read());
        if read % 1000 == 0 {
            pb.set_message(format!("записей {read}, кандидатов {found}"));
        }
        let record = match item {
            Ok(r) => r,
            Err(b) => {
                broken += 1;
                pb.suspend(|| eprintln!("{}", b.problem(&cat_name)));
                first_broken.get_or_insert(b);
                continue;
            }
        };
        read += 1;
        let id = record.id().map(str::to_string).unwrap_or_else(|| format!("#{read}"));
        let title = record.title().unwrap_or_default();
        let author = record.author().unwrap_or_default();
        let probe = domain::fsem::CatalogRecord { id: read as i64, title: title.clone(), author: author.clone() };
        for c in index.candidates(&probe, threshold) {
            found += 1;
            let score = format!("{:.2}", c.score);
            let excluded = if c.excluded { "да" } else { "" };
            // Tabs and line breaks inside a field would break a TSV line.
            let flat = |s: &str| if as_csv { s.to_string() } else { s.replace(['\t', '\n', '\r'], " ") };
            let row =
                [flat(&id), flat(&title), flat(&author), c.entry.to_string(), score, flat(&c.why), excluded.into()];
            match out.write_record(&row) {
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
                    return Ok(());
                }
                r => r?,
            }
        }
    }
    pb.finish_and_clear();
    if let Err(e) = out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e).context("cannot write the output");
        }
    }
    if read == 0 {
        eprintln!("{}", reader.nothing_read(broken, first_broken.as_ref()));
        std::process::exit(1);
    }
    eprintln!(
        "Записей каталога: {read}, повреждённых: {broken}; записей списка: {}; кандидатов: {found} (порог {threshold}).",
        entries.len()
    );
    let _ = std::io::stderr().flush();
    Ok(())
}

/// `catalog convert`: the catalog is read and written record by record, so a large file is never
/// held whole. No database is opened.
fn catalog_convert(file: &Path, to: CatalogOutput, encoding: CatalogEncoding) -> Result<()> {
    use formats::marc;
    use std::io::Write;

    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let source = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let size = source.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader =
        match marc::open_catalog(std::io::BufReader::new(source), &name, encoding.marc(), &marc::Limits::default()) {
            Ok(reader) => reader,
            Err(problem) => {
                eprintln!("{problem}");
                std::process::exit(1);
            }
        };
    // Drawn on stderr only when it is a terminal.
    let pb = ProgressBar::new(size);
    pb.set_style(
        ProgressStyle::with_template("чтение каталога [{bar:30}] {bytes}/{total_bytes}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut read, mut broken, mut first_broken) = (0usize, 0usize, None);
    let written = (|| -> std::io::Result<()> {
        let mut plain = Some(std::io::BufWriter::new(std::io::stdout().lock()));
        // The MARCXML header goes out with the first record: a file with none prints nothing.
        let mut xml = None;
        while let Some(item) = reader.next() {
            match item {
                Ok(record) => {
                    read += 1;
                    if to == CatalogOutput::Marcxml {
                        if let Some(out) = plain.take() {
                            xml = Some(marc::MarcXmlWriter::new(out)?);
                        }
                    }
                    match (xml.as_mut(), plain.as_mut()) {
                        (Some(w), _) => w.write(&record)?,
                        (None, Some(out)) => writeln!(out, "{}", marc::tsv_line(&record))?,
                        (None, None) => {}
                    }
                }
                Err(b) => {
                    broken += 1;
                    pb.suspend(|| eprintln!("{}", b.problem(&name)));
                    first_broken.get_or_insert(b);
                }
            }
            pb.set_position(reader.bytes_read());
        }
        match (xml, plain) {
            (Some(w), _) => w.finish().map(drop),
            (None, Some(mut out)) => out.flush(),
            (None, None) => Ok(()),
        }
    })();
    pb.finish_and_clear();
    match written {
        Ok(()) => {}
        // `… | head`: the reader of the output has had enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        Err(e) => return Err(e).context("cannot write the output"),
    }
    if read == 0 {
        eprintln!("{}", reader.nothing_read(broken, first_broken.as_ref()));
        std::process::exit(1);
    }
    if reader.format() == marc::Format::Iso2709 {
        if let Some(problem) = reader.failure() {
            eprintln!("{problem}");
        }
    }
    let mut summary = format!(
        "Файл «{name}»: прочитано записей: {read}, повреждённых: {broken}; кодировка {}",
        reader.encoding().name()
    );
    if let Some(declared) = reader.declared().filter(|d| *d != reader.encoding()) {
        summary.push_str(&format!(" (в файле указана {}, но байты говорят иное)", declared.name()));
    }
    eprintln!("{summary}");
    Ok(())
}

async fn import(cli: &Cli, what: ImportWhat, file: &PathBuf, district: i64) -> Result<()> {
    let db = open(cli).await?;
    {
        let mut c = db.conn().await?;
        directory::get_district(&mut c.ex(), district)
            .await
            .with_context(|| format!("no district with id {district}: see `biblioset district list`"))?;
    }
    // The same limit as an upload through the page.
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > 20 * 1024 * 1024 {
        bail!("Файл «{}» больше 20 МБ: столько данных об округе не бывает; проверьте, тот ли это файл", file.display());
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message("запись строк");
    let mut progress = |done: usize, total: usize| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    };
    let reach = Reach::whole_district(district);
    let result = match what {
        ImportWhat::Schools => {
            imports::import(&db, &reach, &mut imports::Schools::default(), &bytes, &name, &mut progress).await
        }
        ImportWhat::Librarians => {
            imports::import(&db, &reach, &mut imports::Librarians::default(), &bytes, &name, &mut progress).await
        }
    };
    pb.finish_and_clear();
    match result {
        Ok(r) => {
            println!("Импорт выполнен: {r}.");
            Ok(())
        }
        Err(ImportError::Problems(p)) => {
            eprintln!("Файл не загружен, в базе ничего не изменилось:");
            for p in p {
                eprintln!("  {p}");
            }
            std::process::exit(2);
        }
        Err(ImportError::Upload(m)) => bail!(m),
        Err(ImportError::Store(e)) => Err(russian(e)),
    }
}
