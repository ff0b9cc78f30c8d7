//! `madoguchi`: the portal on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use madoguchi::local::{ServeOptions, serve};

#[derive(Parser)]
#[command(name = "madoguchi", about = "madoguchi support portal, on one machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site from content/ and templates/ and serve it.
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
        /// The data folder (the database is DIR/madoguchi.db).
        #[arg(long, value_name = "DIR", default_value = "var")]
        data: PathBuf,
    },
    /// Manage companies, users and contracts; import them from CSV.
    Admin(madoguchi::admin::AdminArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            listen,
            site,
            root,
            demo,
            data,
        } => {
            if demo {
                madoguchi::local::seed_demo(&data, &format!("http://{listen}")).await?;
            }
            serve(ServeOptions { listen, site, root }).await
        }
        Command::Admin(args) => madoguchi::admin::run(args).await,
    }
}
