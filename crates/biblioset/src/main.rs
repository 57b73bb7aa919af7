//! The `biblioset` command: serve the site, migrate, manage accounts, import, back up.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use domain::Role;
use indicatif::{ProgressBar, ProgressStyle};
use store::accounts::{self, NewUser};
use store::audit::Actor;
use store::{demo, directory, Db};

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
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
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

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_json);
    match &cli.command {
        Command::Serve { listen, demo: with_demo, public_url, secure_cookies, trust_proxy } => {
            let db = open(&cli).await?;
            let listener =
                tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            let url = format!("http://{addr}");
            if *with_demo {
                print_demo(demo::seed(&db).await?);
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
            db.backup_sqlite(&file.to_string_lossy()).await?;
            pb.finish_and_clear();
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
            if let Some(p) = password {
                if let Some(w) = domain::password::weakness(p) {
                    bail!("{w}");
                }
            }
            let mut tx = db.begin().await?;
            let id = accounts::create_user(
                &mut tx.ex(),
                NewUser {
                    login,
                    full_name: name,
                    email: "",
                    role,
                    district_id: if role == Role::Admin { None } else { *district },
                    school_id: None,
                    password_hash: password.as_deref().map(domain::password::hash),
                },
            )
            .await?;
            store::audit::record(
                &mut tx.ex(),
                &Actor::SYSTEM,
                store::audit::Change {
                    action: "create",
                    entity: "user",
                    entity_id: Some(id),
                    district_id: if role == Role::Admin { None } else { *district },
                    summary: format!("Создана учётная запись {login} ({}) из командной строки", role.title_ru()),
                    before: None,
                    after: None,
                },
            )
            .await?;
            let link = if password.is_none() {
                Some(accounts::create_invite(&mut tx.ex(), id, id, chrono::Duration::days(7)).await?)
            } else {
                None
            };
            tx.commit().await?;
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

async fn district(cli: &Cli, command: &DistrictCommand) -> Result<()> {
    let db = open(cli).await?;
    match command {
        DistrictCommand::Add { name, region } => {
            let mut tx = db.begin().await?;
            let id = directory::create_district(&mut tx.ex(), &Actor::SYSTEM, name, region).await?;
            tx.commit().await?;
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

async fn import(cli: &Cli, what: ImportWhat, file: &PathBuf, district: i64) -> Result<()> {
    let db = open(cli).await?;
    {
        let mut c = db.conn().await?;
        directory::get_district(&mut c.ex(), district)
            .await
            .with_context(|| format!("no district with id {district}: see `biblioset district list`"))?;
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
    let actor = Actor { user_id: None, district_id: Some(district) };
    let result = match what {
        ImportWhat::Schools => web::imports::import_schools(&db, &actor, district, &bytes, &name, &mut progress).await,
        ImportWhat::Librarians => {
            web::imports::import_librarians(&db, &actor, district, &bytes, &name, &mut progress).await
        }
    };
    pb.finish_and_clear();
    match result {
        Ok(r) => {
            println!("Импорт выполнен: {r}.");
            Ok(())
        }
        Err(web::imports::ImportError::Problems(p)) => {
            eprintln!("Файл не загружен, в базе ничего не изменилось:");
            for p in p {
                eprintln!("  {p}");
            }
            std::process::exit(2);
        }
        Err(web::imports::ImportError::Upload(m)) => bail!(m),
        Err(web::imports::ImportError::Store(e)) => Err(e.into()),
    }
}
