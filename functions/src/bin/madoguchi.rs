//! `madoguchi`: the portal on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use madoguchi::local::{ServeOptions, serve};

/// mimalloc: the server allocates and frees small buffers for every request from two
/// worker threads, which glibc's allocator served at a seventh of a cached list's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "madoguchi", about = "madoguchi support portal, on one machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site from content/ and templates/ and serve it with the portal and its API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Serve an already built site instead of building one.
        #[arg(long)]
        site: Option<PathBuf>,
        /// The project folder with content/ and templates/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Fill an empty data folder with demo companies, users, contracts and tickets,
        /// and print the demo logins.
        #[arg(long)]
        demo: bool,
        /// Where the database (DIR/madoguchi.db), attachments, sent mail and keys live.
        #[arg(long, value_name = "DIR", default_value = "var")]
        data: PathBuf,
    },
    /// Manage companies, users and contracts; import them from CSV.
    Admin(madoguchi::admin::AdminArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The whole cause chain, once, without a backtrace.
            eprintln!("madoguchi: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if std::env::var("MADOGUCHI_LOG").as_deref() == Ok("json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        // Colours only for a person at a terminal: a log file or journal gets plain
        // lines (and formatting every request's span without them costs less).
        tracing_subscriber::fmt()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_env_filter(filter)
            .init();
    }
    match Cli::parse().command {
        Command::Serve {
            listen,
            site,
            root,
            demo,
            data,
        } => {
            let mut opts = ServeOptions::new(&root);
            opts.listen = listen;
            opts.site = site;
            opts.demo = demo;
            opts.data = if data.is_absolute() {
                data
            } else {
                root.join(data)
            };
            serve(opts).await
        }
        Command::Admin(args) => madoguchi::admin::run(args).await,
    }
}
