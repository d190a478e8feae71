//! `steward`: run the server, migrate, seed demo or benchmark data.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use server::config::Config;
use server::startup::{open_database, Application};
use server::{seed, telemetry};

#[derive(Parser)]
#[command(
    name = "steward",
    version,
    about = "Customer success for ERP software vendors"
)]
struct Cli {
    /// A TOML configuration file (values there are overridden by STEWARD_* variables).
    #[arg(long, global = true, env = "STEWARD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API and the web app.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Fill a demo workspace with realistic data and print how to sign in.
    SeedDemo,
    /// Write a backup of the database to FILE while the server keeps
    /// running (SQLite: VACUUM INTO; PostgreSQL: pg_dump, custom format).
    Backup { file: PathBuf },
    /// Restore a backup into the configured database, which must be empty.
    Restore { file: PathBuf },
    /// Stored files (attachments, visit reports, import files).
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Run a scheduled job once, now.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Create (or grow) a benchmark workspace: accounts, then tickets spread
    /// over them, knowledge-base articles and contracts.
    SeedBench {
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
        #[arg(long, default_value_t = 0)]
        tickets: usize,
        #[arg(long, default_value_t = 0)]
        articles: usize,
        /// Contracts (with renewals and the reminder log of earlier days),
        /// relative to today.
        #[arg(long, default_value_t = 0)]
        contracts: usize,
        /// Spread the tickets over this many last days, over 20 engineers
        /// and every service level (the service report's benchmark).
        #[arg(long)]
        ticket_days: Option<u32>,
    },
    /// Add to the benchmark workspace a CSM owning ACCOUNTS accounts with
    /// TASKS open tasks, and two days of health snapshots of every account
    /// (for the "my work" and playbook benchmarks).
    SeedWork {
        #[arg(long, default_value_t = 2_000)]
        accounts: usize,
        #[arg(long, default_value_t = 10_000)]
        tasks: usize,
    },
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Copy every stored file from one store to another, e.g. from
    /// file:///var/lib/steward to s3://bucket?endpoint=…&region=…; files
    /// already there with the same size are skipped, so an interrupted run
    /// is simply run again. The source is left as it is.
    Migrate {
        /// The store to copy from; default the configured one
        /// (STEWARD_STORAGE_URL, else file://<data_dir>).
        #[arg(long)]
        from: Option<String>,
        /// The store to copy to.
        #[arg(long)]
        to: String,
        /// Stop after copying this many files (run again to go on).
        #[arg(long)]
        max_objects: Option<u64>,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// `steward jobs run sla-monitor` (or email-outbox).
    Run { name: String },
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its v3 `mimalloc.h`, which
/// libmimalloc-sys builds by default).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Gives freed memory back to the system after 10 ms instead of mimalloc's
/// default second, so memory freed by a burst of requests does not pile up
/// (with arenas committed as used, `.cargo/config.toml`: about 64 MB at
/// start instead of 115 MB on the 1M-ticket bench). `MIMALLOC_PURGE_DELAY`
/// in the environment still decides.
#[allow(unsafe_code)] // the workspace's one exception: an FFI call to mimalloc
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` is not thread-safe; this runs first thing
        // in `main`, before any other thread exists.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    }
}

fn main() -> anyhow::Result<()> {
    tune_allocator();
    actix_web::rt::System::new().block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    telemetry::init(&config.log_format);
    match cli.command {
        Command::Serve => {
            let app = Application::build(config).await?;
            tracing::info!(port = app.port(), "Steward is listening");
            app.run_until_signalled().await?;
        }
        Command::Backup { file } => {
            server::backup::backup(&config, &file).await?;
            println!("backup written to {}", file.display());
        }
        Command::Restore { file } => {
            server::backup::restore(&config, &file).await?;
            open_database(&config).await?;
            println!("restored {}; migrations applied", file.display());
        }
        Command::Migrate => {
            open_database(&config).await?;
            println!("migrations applied");
        }
        Command::SeedDemo => {
            // The story runs up to now, and ends with the SLA monitor's pass
            // and today's health scores.
            let state = server::startup::build_state(
                config,
                std::sync::Arc::new(server::clock::SystemClock),
            )
            .await?;
            seed::demo_story(&state).await?;
        }
        Command::Storage {
            command:
                StorageCommand::Migrate {
                    from,
                    to,
                    max_objects,
                },
        } => migrate_storage(&config, from.as_deref(), &to, max_objects).await?,
        Command::Jobs {
            command: JobsCommand::Run { name },
        } => {
            let state = server::startup::build_state(
                config,
                std::sync::Arc::new(server::clock::SystemClock),
            )
            .await?;
            match server::jobs::run(&state, &name).await {
                Ok(report) => println!("{}", serde_json::to_string_pretty(&report)?),
                Err(server::error::AppError::NotFound) => anyhow::bail!(
                    "no job named {name}; jobs: {}",
                    server::jobs::names().join(", ")
                ),
                Err(e) => anyhow::bail!("{name} failed: {e}"),
            }
        }
        Command::SeedBench {
            accounts,
            tickets,
            articles,
            contracts,
            ticket_days,
        } => {
            let db = open_database(&config).await?;
            seed::bench(
                &db,
                seed::BenchSize {
                    accounts,
                    tickets,
                    articles,
                    contracts,
                    ticket_days,
                },
            )
            .await?;
        }
        Command::SeedWork { accounts, tasks } => {
            let db = open_database(&config).await?;
            seed::bench::work::work(&db, accounts, tasks).await?;
        }
    }
    Ok(())
}

/// `steward storage migrate`, printing its progress at most once a second.
async fn migrate_storage(
    config: &Config,
    from: Option<&str>,
    to: &str,
    max_objects: Option<u64>,
) -> anyhow::Result<()> {
    use server::storage::{migrate, Storage};
    let from = match from {
        Some(url) => Storage::from_url(url)?,
        None => Storage::from_config(config)?,
    };
    let to = Storage::from_url(to)?;
    println!(
        "copying stored files from {} to {}",
        from.describe(),
        to.describe()
    );
    let options = migrate::Options {
        max_objects,
        scratch: Some(config.data_dir.join("imports")),
    };
    let mut last = std::time::Instant::now();
    let line = |p: &migrate::Progress| {
        format!(
            "[{}/{}] copied {} ({:.1} MiB), already there {}",
            p.done(),
            p.total,
            p.copied,
            p.bytes as f64 / 1024.0 / 1024.0,
            p.skipped
        )
    };
    let done = migrate::run(&from, &to, &options, |p, key| {
        if last.elapsed() >= std::time::Duration::from_secs(1) {
            println!("{} … {key}", line(p));
            last = std::time::Instant::now();
        }
    })
    .await?;
    println!("{}", line(&done));
    if done.stopped_early {
        println!(
            "stopped after {} files; run the same command again to go on",
            done.copied
        );
    } else {
        println!("every stored file is in {}", to.describe());
    }
    Ok(())
}
