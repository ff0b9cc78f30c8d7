//! The one-machine mode: build the site, open the embedded store in the data folder,
//! and serve the site, the members' pages and the API, with the outbox sender and the
//! timer sweep running in-process, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::watch;

use crate::adapters::embedded::blob_dir::BlobDir;
use crate::adapters::embedded::smtp::{EmlAndSmtp, SmtpConfig, SmtpMailer, TlsMode};
use crate::adapters::embedded::{MailDir, SqliteStore};
use crate::app::auth::{JWT_KEYS_ENV, SigningKey, parse_signing_keys};
use crate::app::config::{Secrets, SmtpTls};
use crate::app::mail::MailComposer;
use crate::app::{Deps, PortalConfig, outbox, sweep};
use crate::http::list_cache::ListCache;
use crate::http::{ApiState, AppConfig, app};
use crate::ports::{Clock, Mailer, SystemClock};

#[derive(Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Serve this already built site instead of building one.
    pub site: Option<PathBuf>,
    /// The project folder holding `content/` and `templates/` (builds into `dist/`).
    pub root: PathBuf,
    /// Where the database, attachments, sent mail and keys live (`./var`).
    pub data: PathBuf,
    /// The clock (tests pass one they move).
    pub clock: Option<Arc<dyn Clock>>,
    /// How often the outbox is sent and the timers swept.
    pub tick: Duration,
    /// Seed demo companies, users, contracts and tickets into an empty store.
    pub demo: bool,
}

impl ServeOptions {
    pub fn new(root: &Path) -> ServeOptions {
        ServeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            site: None,
            root: root.to_path_buf(),
            data: root.join("var"),
            clock: None,
            tick: Duration::from_secs(5),
            demo: false,
        }
    }
}

/// The built site folders to serve: the public site and the members' pages.
pub struct Sites {
    pub site: PathBuf,
    pub members: Option<PathBuf>,
}

/// Builds the site from `root` (unless `site` is given) and returns the folders to serve.
pub fn prepare_site(opts: &ServeOptions, base_url: &str) -> Result<Sites> {
    if let Some(site) = &opts.site {
        anyhow::ensure!(
            site.join("index.html").is_file(),
            "{} has no index.html: build the site first or leave out --site",
            site.display()
        );
        let members = site
            .parent()
            .map(|p| p.join("members"))
            .filter(|m| m.is_dir());
        return Ok(Sites {
            site: site.clone(),
            members,
        });
    }
    let mut build = site_gen::BuildOptions::in_dir(&opts.root);
    build.base_url = Some(base_url.to_owned());
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
    Ok(Sites {
        site: build.out,
        members: Some(build.members_out),
    })
}

/// The JWT signing keys: `MADOGUCHI_JWT_KEYS` (`kid:secret,kid:secret`, the first signs),
/// or `DATA/jwt-keys` created with a random key on first start (readable by the owner only).
pub fn signing_keys(data: &Path) -> Result<Vec<SigningKey>> {
    if let Ok(v) = std::env::var(JWT_KEYS_ENV) {
        return parse_signing_keys(&v).context(JWT_KEYS_ENV);
    }
    let file = data.join("jwt-keys");
    if !file.exists() {
        let secret = crate::app::secrets::random_token(48)?;
        let kid = format!("k{}", jiff::Timestamp::now().as_second());
        write_private(&file, &format!("{kid}:{secret}\n"))?;
        tracing::info!(file = %file.display(), "created a JWT signing key");
    }
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    parse_signing_keys(text.trim()).with_context(|| file.display().to_string())
}

fn write_private(file: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o
        .open(file)
        .with_context(|| format!("cannot create {}", file.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// The portal configuration: `content/portal.yaml` under the project folder, or the
/// bundled example when the project has none. Every error is listed with file and line.
fn portal_config(root: &Path) -> Result<PortalConfig> {
    let file = root.join("content/portal.yaml");
    let config = if file.is_file() {
        PortalConfig::load(&file)
    } else {
        PortalConfig::bundled()
    };
    config.map_err(|e| anyhow::anyhow!("the portal configuration has errors:\n{e}"))
}

/// The size of the rendered-list cache: `MADOGUCHI_LIST_CACHE_MB` (default 32; 0 turns
/// it off, e.g. to measure lists without it).
fn list_cache_bytes() -> Result<u64> {
    match std::env::var("MADOGUCHI_LIST_CACHE_MB") {
        Ok(v) => v.trim().parse::<u64>().map(|mb| mb << 20).with_context(|| {
            format!("MADOGUCHI_LIST_CACHE_MB: {v:?} is not a number of megabytes")
        }),
        Err(_) => Ok(32 << 20),
    }
}

/// Where mail goes: always a `.eml` copy in `DATA/mail/`, and through the SMTP relay of
/// the configuration when it names one.
fn mailer(config: &PortalConfig, dir: MailDir) -> Result<Arc<dyn Mailer>> {
    let Some(s) = &config.smtp else {
        return Ok(Arc::new(dir));
    };
    let smtp = SmtpConfig {
        host: s.host.clone(),
        port: Some(s.port),
        tls: match s.tls {
            SmtpTls::None => TlsMode::None,
            SmtpTls::StartTls => TlsMode::Starttls,
            SmtpTls::Tls => TlsMode::Tls,
        },
        username: s.username.clone(),
        ca_file: s.ca_file.clone(),
        timeout_secs: s.timeout_secs,
        ..SmtpConfig::new(&s.host)
    };
    let password = Secrets::from_env()
        .smtp_password
        .map(|p| p.expose().to_owned());
    let relay = SmtpMailer::new(&smtp, password, &config.sender)
        .map_err(|e| anyhow::anyhow!("mail.smtp: {e}"))?;
    tracing::info!(host = %s.host, port = s.port, "sending mail through SMTP (and keeping .eml copies)");
    Ok(Arc::new(EmlAndSmtp {
        copy: dir,
        smtp: relay,
    }))
}

/// A running portal: its address, its dependencies (tests use them to look inside), and
/// the switch that stops it.
pub struct Running {
    pub addr: SocketAddr,
    pub deps: Deps,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<Result<()>>,
}

impl Running {
    /// Stops accepting, finishes requests in flight and the background work, and returns.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        self.server.await.context("the server task failed")?
    }
}

/// Opens everything in the data folder and starts serving on `opts.listen` (port 0
/// picks a free one).
pub async fn start(opts: ServeOptions) -> Result<Running> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let sites = prepare_site(&opts, &base_url)?;

    std::fs::create_dir_all(&opts.data)
        .with_context(|| format!("cannot create the data folder {}", opts.data.display()))?;
    let store = SqliteStore::open(&opts.data.join("madoguchi.db"))
        .with_context(|| format!("cannot open the database in {}", opts.data.display()))?;
    let mail_dir = MailDir::new(opts.data.join("mail"))
        .with_context(|| format!("cannot create {}", opts.data.join("mail").display()))?;
    let config = portal_config(&opts.root)?.with_base_url(&base_url);
    config
        .check_secrets(&Secrets::from_env())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let composer = MailComposer::new(config.name_in("ja"), &config.sender)?;
    let blobs = BlobDir::open(&opts.data.join("attachments"))
        .with_context(|| format!("cannot create {}", opts.data.join("attachments").display()))?;
    let mailer = mailer(&config, mail_dir)?;
    let clock: Arc<dyn Clock> = opts.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
    let deps = Deps {
        store: Arc::new(store),
        clock,
        config: Arc::new(config),
        mail: Arc::new(composer),
        blobs: Arc::new(blobs),
    };
    if opts.demo {
        seed_demo(&deps, &opts.data).await?;
    }
    let state = ApiState::with_list_cache(
        deps.clone(),
        signing_keys(&opts.data)?,
        &base_url,
        ListCache::new(list_cache_bytes()?),
    );
    let router = app(
        AppConfig {
            site_dir: sites.site,
            members_dir: sites.members,
        },
        state,
    );

    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(background(deps.clone(), mailer, opts.tick, stopped.clone()));
    let mut until = stopped;
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = until.wait_for(|s| *s).await;
        })
        .await
        .context("the server stopped with an error")?;
        worker.await.context("the background task failed")?;
        Ok(())
    });
    Ok(Running {
        addr,
        deps,
        stop,
        server,
    })
}

/// The outbox sender and the timer sweep, every `tick`, until stopped.
async fn background(
    deps: Deps,
    mailer: Arc<dyn Mailer>,
    tick: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        match outbox::deliver_due(&deps, mailer.as_ref()).await {
            Ok(r) if r != Default::default() => tracing::info!(report = ?r, "outbox"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "outbox"),
        }
        if let Err(e) = crate::app::uploads::sweep_uploads(&deps, 500).await {
            tracing::error!(error = %e, "upload sweep");
        }
        match sweep::sweep(&deps).await {
            Ok(r) if r != Default::default() => tracing::info!(report = ?r, "sweep"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sweep"),
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

/// Serves until a shutdown signal, finishing requests in flight.
pub async fn serve(opts: ServeOptions) -> Result<()> {
    let data = opts.data.clone();
    let running = start(opts).await?;
    println!(
        "madoguchi: serving at http://{}/  (data in {}; Ctrl-C to stop)",
        running.addr,
        data.display()
    );
    shutdown_signal().await;
    println!("madoguchi: stopping");
    running.stop().await?;
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
/// Seeds the demo (once) and prints its logins.
pub async fn seed_demo(deps: &Deps, data: &Path) -> Result<()> {
    let demo = crate::app::demo::seed(deps)
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
                l.customer_role
                    .map_or(l.role.as_str(), |r| r.as_str())
                    .to_owned(),
                l.company.clone().unwrap_or_else(|| "-".into()),
                if l.groups.is_empty() {
                    "-".into()
                } else {
                    l.groups.join(",")
                },
                l.name.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        crate::admin::table::render(
            &["LOGIN", "PASSWORD", "ROLE", "COMPANY", "GROUPS", "NAME"],
            &rows
        )
    );
    Ok(())
}
