//! The built public site in a real browser: home, an FAQ item, the status page, a
//! Japanese search, the English site, a phone-width screen and the 404 page.

use std::path::Path;
use std::time::Duration;

use madoguchi::http::{AppConfig, site_only};
use madoguchi_tests::browser::{ChromeDriver, screenshot_dir};
use thirtyfour::prelude::*;

struct Site {
    base: String,
    _dir: tempfile::TempDir,
}

/// Builds the shipped content and serves it with the real router on a random port.
async fn serve_site() -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut opts = site_gen::BuildOptions::in_dir(&root);
    opts.out = dir.path().join("site");
    opts.members_out = dir.path().join("members");
    opts.base_url = Some(format!("http://{addr}"));
    site_gen::build(&opts).expect("the shipped content builds");
    let router = site_only(AppConfig {
        site_dir: opts.out.clone(),
        members_dir: None,
    });
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Site {
        base: format!("http://{addr}"),
        _dir: dir,
    }
}

async fn wait_for(driver: &WebDriver, css: &str) -> WebElement {
    driver
        .query(By::Css(css))
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .first()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn shot(driver: &WebDriver, name: &str) {
    driver
        .screenshot(&screenshot_dir().join(name))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_site_works_in_a_real_browser() {
    let site = serve_site().await;
    let chromedriver = ChromeDriver::start().expect("chromedriver");
    let driver = chromedriver.session(1280, 1600).await.unwrap();
    let result = run_checks(&driver, &site.base).await;
    let phone = async {
        let phone = chromedriver.session(390, 844).await.unwrap();
        let r = phone_checks(&phone, &site.base).await;
        phone.quit().await.unwrap();
        r
    }
    .await;
    driver.quit().await.unwrap();
    result.unwrap();
    phone.unwrap();
}

async fn run_checks(driver: &WebDriver, base: &str) -> WebDriverResult<()> {
    // Home: the hero, the banner of active incidents, FAQ categories.
    driver.goto(format!("{base}/")).await?;
    assert_eq!(
        driver
            .find(By::Css("html"))
            .await?
            .attr("lang")
            .await?
            .as_deref(),
        Some("ja")
    );
    assert_eq!(
        driver.find(By::Css("main h1")).await?.text().await?,
        "サポートポータル"
    );
    assert!(
        !driver.find_all(By::Css(".banner li")).await?.is_empty(),
        "the incident banner"
    );
    assert!(
        driver.find_all(By::Css(".category-grid li")).await?.len() >= 6,
        "six or more FAQ categories"
    );
    shot(driver, "site-home-ja.png").await;

    // An FAQ item: number, breadcrumbs, and the vote control that JavaScript shows.
    driver.goto(format!("{base}/faq/")).await?;
    let first = driver.find(By::Css(".faq-table tbody a")).await?;
    let title = first.text().await?;
    first.click().await?;
    assert_eq!(wait_for(driver, "main h1").await.text().await?, title);
    assert!(
        !driver
            .find(By::Css(".faq-id"))
            .await?
            .text()
            .await?
            .is_empty()
    );
    assert!(driver.find_all(By::Css(".breadcrumbs li")).await?.len() >= 4);
    let vote = driver.find(By::Css("form.vote")).await?;
    assert!(vote.is_displayed().await?, "site.js shows the vote control");
    // With no API behind the site the vote fails quietly: no error, no thanks.
    vote.find(By::Css("button[value=yes]"))
        .await?
        .click()
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !driver
            .find(By::Css(".vote-thanks"))
            .await?
            .is_displayed()
            .await?
    );
    shot(driver, "site-faq-item-ja.png").await;

    // Status: every component from site.yaml with 90 days of history.
    driver.goto(format!("{base}/status/")).await?;
    let components = driver.find_all(By::Css(".component")).await?.len();
    assert_eq!(components, 6);
    assert_eq!(
        driver.find_all(By::Css(".component .day")).await?.len(),
        components * 90
    );
    assert!(
        driver
            .find(By::Css(".overall"))
            .await?
            .text()
            .await?
            .contains("障害"),
        "the ongoing incident shows"
    );
    shot(driver, "site-status-ja.png").await;

    // Japanese search: a two-character word finds pages.
    driver.goto(format!("{base}/search/")).await?;
    let q = driver.find(By::Css("#q")).await?;
    q.send_keys("障害").await?;
    q.send_keys(Key::Enter).await?;
    wait_for(driver, "#search-results li").await;
    let results = driver.find_all(By::Css("#search-results li a")).await?;
    assert!(results.len() >= 3, "障害 found {} pages", results.len());
    assert!(
        driver
            .find(By::Css("#search-status"))
            .await?
            .text()
            .await?
            .contains("件の結果")
    );
    shot(driver, "site-search-ja.png").await;

    // A mixed query ranks pages with both words first.
    driver
        .goto(format!("{base}/search/?q=SMTP%20%E9%80%81%E4%BF%A1"))
        .await?;
    let top = wait_for(driver, "#search-results li a").await;
    top.click().await?;
    let body = wait_for(driver, "main").await.text().await?.to_lowercase();
    assert!(
        body.contains("smtp") && body.contains("送信"),
        "the top result for 'SMTP 送信' has both words"
    );

    // English site and the language switch.
    driver.goto(format!("{base}/en/")).await?;
    assert_eq!(
        driver.find(By::Css("main h1")).await?.text().await?,
        "Support portal"
    );
    driver
        .find(By::Css(".lang a[hreflang=ja]"))
        .await?
        .click()
        .await?;
    assert_eq!(
        wait_for(driver, "main h1").await.text().await?,
        "サポートポータル"
    );
    driver.goto(format!("{base}/en/search/?q=delay")).await?;
    wait_for(driver, "#search-results li").await;
    shot(driver, "site-search-en.png").await;
    driver.goto(format!("{base}/en/status/")).await?;
    shot(driver, "site-status-en.png").await;

    // The 404 page, in the site's layout.
    driver.goto(format!("{base}/no/such/page/")).await?;
    assert_eq!(
        driver.find(By::Css("main h1")).await?.text().await?,
        "ページが見つかりません"
    );
    Ok(())
}

async fn phone_checks(driver: &WebDriver, base: &str) -> WebDriverResult<()> {
    for (path, name) in [
        ("/", "site-home-phone.png"),
        ("/faq/", "site-faq-phone.png"),
        ("/status/", "site-status-phone.png"),
    ] {
        driver.goto(format!("{base}{path}")).await?;
        let overflow = driver
            .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
            .await?
            .json()
            .as_i64()
            .unwrap_or(0);
        assert!(
            overflow <= 0,
            "{path} scrolls sideways by {overflow}px on a phone"
        );
        shot(driver, name).await;
    }
    Ok(())
}
