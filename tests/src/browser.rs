//! Starting ChromeDriver and a headless Chromium session, and stopping them by PID.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use thirtyfour::prelude::*;

/// A ChromeDriver process on a random loopback port; killed when dropped.
pub struct ChromeDriver {
    child: Child,
    pub url: String,
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path).chain([
        PathBuf::from("/usr/bin"),
        PathBuf::from("/usr/lib/chromium"),
    ]) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl ChromeDriver {
    /// Starts ChromeDriver; fails with a clear message when it is not installed
    /// (`tests/run` installs Debian's chromium and chromium-driver).
    pub fn start() -> Result<ChromeDriver> {
        let Some(bin) = find(&["chromedriver"]) else {
            bail!(
                "chromedriver is not installed: run tests/run (it installs the Debian packages chromium and chromium-driver)"
            );
        };
        let port = free_port()?;
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start chromedriver")?;
        let driver = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("chromedriver did not listen on {addr} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    /// A headless Chromium session with the given window size. Below [`PHONE_WIDTH`]
    /// the session emulates a phone of that size: Chromium will not make a window
    /// narrower than 500 px, so a 390 px window would quietly be 500 px wide.
    pub async fn session(&self, width: u32, height: u32) -> Result<WebDriver> {
        let mut caps = DesiredCapabilities::chrome();
        if let Some(chromium) = find(&["chromium", "chromium-browser"]) {
            caps.set_binary(&chromium.to_string_lossy())?;
        }
        if width < PHONE_WIDTH {
            caps.add_experimental_option(
                "mobileEmulation",
                serde_json::json!({
                    "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0, "mobile": true, "touch": true}
                }),
            )?;
        }
        let profile = tempfile::tempdir()?.keep();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            &format!("--window-size={width},{height}"),
            &format!("--user-data-dir={}", profile.display()),
        ] {
            caps.add_arg(arg)?;
        }
        WebDriver::new(&self.url, caps)
            .await
            .context("cannot open a Chromium session")
    }
}

/// Saves a PNG of the whole page, beyond the window's height (Chromium's DevTools
/// protocol: WebDriver's own screenshot stops at the bottom of the window).
pub async fn full_page_screenshot(driver: &WebDriver, path: &Path) -> Result<()> {
    use base64::Engine as _;
    use thirtyfour::cdp::domains::page::CaptureScreenshot;
    let shot = driver
        .cdp()
        .send(CaptureScreenshot {
            capture_beyond_viewport: Some(true),
            ..Default::default()
        })
        .await?;
    let png = base64::engine::general_purpose::STANDARD.decode(shot.data)?;
    std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))
}

/// Sessions narrower than this are phones (see [`ChromeDriver::session`]).
pub const PHONE_WIDTH: u32 = 500;

/// Where screenshots go: `target/screenshots/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Clicking the way a person does: the element is scrolled into view first, and a click that lands on something else while the page is still re-rendering
/// (an article collapsing, a status line appearing) is tried again for up to 5 s.
#[allow(async_fn_in_trait)]
pub trait ClickSurely {
    async fn click_surely(&self) -> WebDriverResult<()>;
}

impl ClickSurely for WebElement {
    async fn click_surely(&self) -> WebDriverResult<()> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            self.scroll_into_view().await?;
            match self.click().await {
                Err(e) if e.to_string().contains("intercepted") && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => return other,
            }
        }
    }
}
