//! The one-machine mode: build the site, then serve it until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::http::{AppConfig, app};

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Serve this already built site instead of building one.
    pub site: Option<PathBuf>,
    /// The project folder holding `content/` and `templates/` (builds into `dist/`).
    pub root: PathBuf,
}

/// Builds the site from `root` (unless `site` is given) and returns the folder to serve.
pub fn prepare_site(opts: &ServeOptions) -> Result<PathBuf> {
    if let Some(site) = &opts.site {
        anyhow::ensure!(
            site.join("index.html").is_file(),
            "{} has no index.html: build the site first or leave out --site",
            site.display()
        );
        return Ok(site.clone());
    }
    let mut build = site_gen::BuildOptions::in_dir(&opts.root);
    build.base_url = Some(format!("http://{}", opts.listen));
    let summary = site_gen::build(&build).map_err(|e| match site_gen::content_errors(&e) {
        Some(errors) => anyhow::anyhow!(
            "the content has {} error(s):\n{}",
            errors.len(),
            errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        None => e,
    })?;
    tracing::info!(%summary, "site built");
    println!("madoguchi: site built: {summary}");
    Ok(build.out)
}

/// Serves until a shutdown signal, finishing requests in flight.
pub async fn serve(opts: ServeOptions) -> Result<()> {
    let site_dir = prepare_site(&opts)?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "madoguchi: serving {} at http://{addr}/  (Ctrl-C to stop)",
        site_dir.display()
    );
    axum::serve(
        listener,
        app(AppConfig { site_dir }).layer(tower_http::trace::TraceLayer::new_for_http()),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the server stopped with an error")?;
    println!("madoguchi: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `serve --demo`: fills the data folder's store with the demo (once) and prints the
/// demo logins.
pub async fn seed_demo(data: &std::path::Path, base_url: &str) -> Result<()> {
    let deps = crate::admin::local_deps(data, base_url)?;
    let demo = crate::app::demo::seed(&deps)
        .await
        .with_context(|| format!("cannot seed the demo into {}", data.display()))?;
    if demo.seeded_now {
        println!(
            "madoguchi: demo data written to {} ({} tickets)",
            data.display(),
            demo.tickets.len()
        );
    } else {
        println!("madoguchi: demo data already in {}", data.display());
    }
    let rows: Vec<Vec<String>> = demo
        .logins
        .iter()
        .map(|l| {
            vec![
                l.email.clone(),
                l.password.to_owned(),
                l.role.as_str().to_owned(),
                l.company.clone().unwrap_or_else(|| "-".into()),
                l.name.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        crate::admin::table::render(&["LOGIN", "PASSWORD", "ROLE", "COMPANY", "NAME"], &rows)
    );
    Ok(())
}
