//! The site-gen command: `build` and `watch`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use site_gen::{BuildOptions, build, content_errors};

#[derive(Parser)]
#[command(
    name = "site-gen",
    about = "Builds madoguchi's public site from content/ and templates/"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site once.
    Build(Paths),
    /// Build, then rebuild on every change.
    Watch(Paths),
}

#[derive(Args)]
struct Paths {
    #[arg(long, default_value = "content")]
    content: PathBuf,
    #[arg(long, default_value = "templates")]
    templates: PathBuf,
    #[arg(long, default_value = "dist/site")]
    out: PathBuf,
    #[arg(long, default_value = "dist/members")]
    members_out: PathBuf,
    /// Overrides base_url from content/site.yaml.
    #[arg(long)]
    base_url: Option<String>,
}

impl From<Paths> for BuildOptions {
    fn from(p: Paths) -> Self {
        BuildOptions {
            content: p.content,
            templates: p.templates,
            out: p.out,
            members_out: p.members_out,
            base_url: p.base_url,
            now: None,
            progress: true,
        }
    }
}

fn print_error(e: &anyhow::Error) {
    match content_errors(e) {
        Some(errors) => {
            for err in errors {
                eprintln!("error: {err}");
            }
            eprintln!(
                "site-gen: {} error{} in the content; nothing was published",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
        }
        None => eprintln!("site-gen: error: {e:#}"),
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Build(paths) => {
            let opts: BuildOptions = paths.into();
            match build(&opts) {
                Ok(summary) => {
                    println!("site-gen: {summary} → {}", opts.out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    print_error(&e);
                    ExitCode::FAILURE
                }
            }
        }
        Command::Watch(paths) => {
            let opts: BuildOptions = paths.into();
            eprintln!(
                "site-gen: watching {} and {} (Ctrl-C to stop)",
                opts.content.display(),
                opts.templates.display()
            );
            let result = site_gen::watch::watch(&opts, |r| match r {
                Ok(summary) => println!("site-gen: {summary}"),
                Err(e) => print_error(&e),
            });
            if let Err(e) = result {
                print_error(&e);
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
    }
}
