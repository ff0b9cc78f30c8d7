//! The ticket portal in a real browser, against the real server with the demo data: a
//! customer logs in, opens a ticket with an attachment (and gets the thank-you mail),
//! closes it with a reply and reopens it with another; an agent adds an internal note
//! and a public reply; the customer sees the reply but never the note; the screens fit
//! a phone; the English screens speak English.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use madoguchi::local::{Running, ServeOptions, start};
use madoguchi_tests::browser::{ChromeDriver, ClickSurely, full_page_screenshot, screenshot_dir};
use serde_json::Value;
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

const CUSTOMER: (&str, &str) = ("yamada@tohoku-denki.example.jp", "demo-customer-2026");
const CUSTOMER_NAME: &str = "山田 太郎";
const AGENT: (&str, &str) = ("takahashi@netlink.example.jp", "demo-agent-2026");
const AGENT_NAME: &str = "高橋 健太";
const ATTACHMENT: &str = "2026-11-23 09:00 queue delayed 600s\n";

/// How long a screen may take to show what the test waits for.
const WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(100);

/// The portal with the demo data over a fresh data folder, on a random port.
struct Portal {
    running: Option<Running>,
    base: String,
    data: tempfile::TempDir,
    _site: tempfile::TempDir,
}

impl Portal {
    async fn start() -> Portal {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace")
            .to_path_buf();
        // Built once, into a temp dir: the worktree's dist/ stays as it is.
        let site = tempfile::tempdir().unwrap();
        let mut build = site_gen::BuildOptions::in_dir(&root);
        build.out = site.path().join("site");
        build.members_out = site.path().join("members");
        build.base_url = Some("http://127.0.0.1".into());
        site_gen::build(&build).expect("the shipped content builds");

        let data = tempfile::tempdir().unwrap();
        let mut opts = ServeOptions::new(&root);
        opts.listen = "127.0.0.1:0".parse().unwrap();
        opts.site = Some(build.out.clone());
        opts.data = data.path().to_path_buf();
        opts.demo = true;
        // The outbox worker writes the mails soon after each change.
        opts.tick = Duration::from_millis(250);
        let running = start(opts).await.expect("the portal starts with the demo");
        Portal {
            base: format!("http://{}", running.addr),
            running: Some(running),
            data,
            _site: site,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn mail_dir(&self) -> PathBuf {
        self.data.path().join("mail")
    }
}

/// One mail of the outbox folder.
#[derive(Debug)]
struct Mail {
    to: Vec<String>,
    subject: String,
    text: String,
}

fn mails(dir: &Path) -> Result<Vec<Mail>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let raw = std::fs::read(&path).with_context(|| path.display().to_string())?;
        let m = mail_parser::MessageParser::default()
            .parse(&raw)
            .with_context(|| format!("{} is not a mail", path.display()))?;
        let mut to: Vec<String> = Vec::new();
        for a in [m.to(), m.cc()].into_iter().flatten() {
            to.extend(a.iter().filter_map(|x| x.address().map(str::to_owned)));
        }
        out.push(Mail {
            to,
            subject: m.subject().unwrap_or_default().to_owned(),
            text: m.body_text(0).unwrap_or_default().into_owned(),
        });
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_and_an_agent_work_a_ticket_through_the_portal() {
    let mut portal = Portal::start().await;
    let chromedriver = ChromeDriver::start().expect("chromedriver");

    let desktop = chromedriver.session(1280, 1000).await.unwrap();
    let result = scenario(&desktop, &portal).await;
    if result.is_err() {
        let _ = shot(&desktop, "portal-failed.png").await;
    }
    desktop.quit().await.unwrap();
    let number = result.unwrap();

    let phone = chromedriver.session(390, 844).await.unwrap();
    let result = phone_checks(&phone, &portal, &number).await;
    if result.is_err() {
        let _ = shot(&phone, "portal-phone-failed.png").await;
    }
    phone.quit().await.unwrap();
    result.unwrap();

    if let Some(running) = portal.running.take() {
        running.stop().await.unwrap();
    }
}

/// さくら物流 uses project groups (demo): its inquiry member 加藤 sees of the company's
/// tickets only his group's project's and his own, and is offered only his project and
/// no contracts; its user admin 伊藤 is offered both projects and the company's contracts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_groups_narrow_what_each_customer_sees_in_the_portal() {
    let mut portal = Portal::start().await;
    let chromedriver = ChromeDriver::start().expect("chromedriver");
    let d = chromedriver.session(1280, 1000).await.unwrap();
    let result = groups_scenario(&d, &portal).await;
    if result.is_err() {
        let _ = shot(&d, "portal-groups-failed.png").await;
    }
    d.quit().await.unwrap();
    result.unwrap();
    if let Some(running) = portal.running.take() {
        running.stop().await.unwrap();
    }
}

/// A visitor registers against a demo contract from the login page (seed 002): the form
/// names every wrong field and keeps what was typed, the confirmation mail's link opens
/// the account, the completion mail follows, and the new user ID logs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_registers_against_a_contract_and_confirms_by_the_mailed_link() {
    let mut portal = Portal::start().await;
    let chromedriver = ChromeDriver::start().expect("chromedriver");
    let d = chromedriver.session(1280, 1000).await.unwrap();
    let result = registration_scenario(&d, &portal).await;
    if result.is_err() {
        let _ = shot(&d, "portal-register-failed.png").await;
    }
    d.quit().await.unwrap();
    result.unwrap();
    if let Some(running) = portal.running.take() {
        running.stop().await.unwrap();
    }
}

/// Polls the outbox folder for a mail to `to` whose text holds `needle`.
async fn wait_mail(portal: &Portal, to: &str, needle: &str) -> Result<Mail> {
    let start = Instant::now();
    loop {
        let found = mails(&portal.mail_dir())?
            .into_iter()
            .find(|m| m.to == [to] && (m.text.contains(needle) || m.subject.contains(needle)));
        if let Some(m) = found {
            return Ok(m);
        }
        ensure!(start.elapsed() < WAIT, "no mail to {to} with {needle}");
        tokio::time::sleep(POLL).await;
    }
}

async fn registration_scenario(d: &WebDriver, portal: &Portal) -> Result<()> {
    const USER_ID: &str = "kimura.tohoku";
    const EMAIL: &str = "kimura@tohoku-denki.example.jp";
    const NAME: &str = "木村 誠";
    const PASSWORD: &str = "東北電機の木村が決めたパスワード";
    // The demo's mail-gateway contract of 東北電機工業 (its number carries the year).
    let contract = portal
        .running
        .as_ref()
        .context("running")?
        .deps
        .store
        .list_contracts(Some("tohoku-denki"))
        .await?
        .into_iter()
        .find(|c| c.number.ends_with("-0101"))
        .context("the demo contract")?
        .number;

    d.goto(portal.url("/portal/login/")).await?;
    wait_displayed(d, "a[href='/portal/register/']")
        .await?
        .click_surely()
        .await?;
    wait_text(d, "main h1", "新規アカウント登録").await?;
    let privacy = d
        .find(By::Css("[data-field=consent] a"))
        .await?
        .attr("href")
        .await?;
    ensure!(privacy.as_deref() == Some("/privacy/"), "{privacy:?}");
    // Wrong on purpose: an address outside the contract's domain, a confirmation that
    // differs, no consent.
    for (id, text) in [
        ("reg-company", "東北電機工業株式会社"),
        ("reg-name", NAME),
        ("reg-user-id", USER_ID),
        ("reg-password", PASSWORD),
        (
            "reg-password-confirmation",
            "違うパスワードを入れてしまった",
        ),
        ("reg-email", "kimura@gmail.com"),
        ("reg-maintenance-email", "it-admin@tohoku-denki.example.jp"),
        ("reg-contract", contract.as_str()),
    ] {
        d.find(By::Id(id)).await?.send_keys(text).await?;
    }
    d.find(By::Css("#register-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-field=email] .field-error", "ドメイン").await?;
    wait_text(
        d,
        "[data-field=password_confirmation] .field-error",
        "一致しません",
    )
    .await?;
    wait_text(d, "[data-field=consent] .field-error", "同意").await?;
    let summary = wait_text(d, "#register-form [data-form-alert]", "ドメイン").await?;
    ensure!(
        summary.contains("同意"),
        "the summary names every field: {summary}"
    );
    shot(d, "portal-register-errors.png").await?;
    // What was typed is still there.
    ensure!(value(d, "reg-company").await? == "東北電機工業株式会社");
    ensure!(value(d, "reg-contract").await? == contract);
    ensure!(value(d, "reg-password").await? == PASSWORD);

    let email = d.find(By::Id("reg-email")).await?;
    email.clear().await?;
    email.send_keys(EMAIL).await?;
    let confirmation = d.find(By::Id("reg-password-confirmation")).await?;
    confirmation.clear().await?;
    confirmation.send_keys(PASSWORD).await?;
    d.find(By::Id("reg-consent")).await?.click_surely().await?;
    d.find(By::Css("#register-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_displayed(d, "[data-panel=sent]").await?;

    // The confirmation mail's link opens the account.
    let mail = wait_mail(portal, EMAIL, "/portal/register/?token=").await?;
    ensure!(mail.subject.contains("仮登録"), "{}", mail.subject);
    let at = mail
        .text
        .find("/portal/register/?token=")
        .context("the link")?;
    let token: String = mail.text[at + "/portal/register/?token=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    d.goto(portal.url(&format!("/portal/register/?token={token}")))
        .await?;
    wait_text(d, "[data-panel=confirmed]", USER_ID).await?;
    shot(d, "portal-register-confirmed.png").await?;
    wait_mail(portal, EMAIL, "本登録完了").await?;
    // The link works once.
    d.goto(portal.url(&format!("/portal/register/?token={token}")))
        .await?;
    wait_text(d, "[data-panel=bad_link]", "無効").await?;

    d.goto(portal.url("/portal/login/")).await?;
    login(d, (USER_ID, PASSWORD)).await?;
    wait_text(d, "[data-account-name]", NAME).await?;
    logout(d).await?;

    // The English page speaks English.
    d.goto(portal.url("/en/portal/register/")).await?;
    wait_text(d, "main h1", "Register an account").await?;
    no_raw_keys(d).await?;
    Ok(())
}

async fn groups_scenario(d: &WebDriver, portal: &Portal) -> Result<()> {
    const KATO: (&str, &str) = ("kato@sakura-logi.example.jp", "demo-customer-2026");
    const ITO: (&str, &str) = ("ito@sakura-logi.example.jp", "demo-customer-2026");
    d.goto(portal.url("/portal/login/")).await?;
    login(d, KATO).await?;
    wait_displayed(d, "[data-list-controls]").await?;
    d.find(By::Css("[data-of=company]"))
        .await?
        .click_surely()
        .await?;
    d.find(By::Css("[data-filter=all]"))
        .await?
        .click_surely()
        .await?;
    wait_displayed(d, "[data-panel=list]").await?;
    let mut subjects = Vec::new();
    for _ in 0..50 {
        subjects.clear();
        for row in d.find_all(By::Css("[data-rows] tr .subject")).await? {
            subjects.push(row.text().await?);
        }
        if subjects.iter().any(|s| s.contains("VPN")) {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    ensure!(
        subjects.iter().all(|s| s.contains("VPN")),
        "加藤 sees only the network project's tickets: {subjects:?}"
    );
    ensure!(
        subjects.iter().any(|s| s.contains("証明書")),
        "and 伊藤's ticket of that project: {subjects:?}"
    );
    ensure!(
        !subjects.iter().any(|s| s.contains("バックアップ")),
        "not the archive project's: {subjects:?}"
    );
    // Below the tickets, his project's document (案件の資料), not the archive project's;
    // its link opens the members' page.
    let docs = wait_text(d, "[data-documents]", "社内ネットワーク構成図").await?;
    ensure!(
        !docs.contains("文書アーカイブ") && docs.contains("社内ネットワーク案件"),
        "加藤 sees only his project's documents: {docs}"
    );
    shot(d, "portal-groups-list.png").await?;
    d.find(By::Css("[data-documents] a"))
        .await?
        .click_surely()
        .await?;
    wait_url(d, "/members/manuals/sakura-network-design/").await?;
    wait_text(d, "h1", "社内ネットワーク構成図").await?;

    d.goto(portal.url("/portal/new/")).await?;
    wait_displayed(d, "#new-ticket").await?;
    wait_displayed(d, "#nt-project").await?;
    let projects = SelectElement::new(&d.find(By::Id("nt-project")).await?).await?;
    let mut names = Vec::new();
    for o in projects.options().await? {
        names.push(o.text().await?);
    }
    ensure!(
        names.len() == 2 && names[1] == "社内ネットワーク案件",
        "加藤 is offered his project only: {names:?}"
    );
    SelectElement::new(&d.find(By::Id("nt-product")).await?)
        .await?
        .select_by_value("secure-vpn")
        .await?;
    wait_displayed(d, "[data-field='fields.contract_number']").await?;
    ensure!(
        d.find_all(By::Css("[data-contracts]")).await?.is_empty(),
        "an inquiry member is offered no contracts"
    );
    logout(d).await?;

    login(d, ITO).await?;
    let docs = wait_text(d, "[data-documents]", "文書アーカイブ").await?;
    ensure!(
        docs.contains("社内ネットワーク構成図"),
        "伊藤 is in both groups and sees both documents: {docs}"
    );
    d.goto(portal.url("/portal/new/")).await?;
    wait_displayed(d, "#nt-project").await?;
    let projects = SelectElement::new(&d.find(By::Id("nt-project")).await?).await?;
    ensure!(
        projects.options().await?.len() == 3,
        "伊藤 is offered both projects"
    );
    SelectElement::new(&d.find(By::Id("nt-product")).await?)
        .await?
        .select_by_value("secure-vpn")
        .await?;
    let hint = wait_text(d, "[data-contracts]", "ご契約").await?;
    ensure!(
        hint.contains("-0215") && hint.contains("-0216"),
        "a user admin is offered the company's contracts: {hint}"
    );
    shot(d, "portal-new-groups.png").await?;

    // The settings page lists the contracts a user admin may see (seed 002's table).
    d.goto(portal.url("/portal/settings/")).await?;
    let table = wait_text(d, "[data-contracts] table", "-0216").await?;
    ensure!(
        table.contains("-0215") && table.contains("サービス種類"),
        "伊藤's contracts: {table}"
    );
    let role = wait_text(d, "[data-v=customer_role]", "管理者").await?;
    ensure!(role == "ユーザー管理者", "the account type shows: {role}");
    shot(d, "portal-settings-contracts.png").await?;
    logout(d).await?;
    login(d, KATO).await?;
    d.goto(portal.url("/portal/settings/")).await?;
    wait_text(d, "[data-v=customer_role]", "問い合わせ担当者").await?;
    // Mail notifications: the customer's four, all on; the staff-only one not offered.
    mail_settings_scenario(d, portal).await?;
    ensure!(
        !d.find(By::Css("[data-contracts]"))
            .await?
            .is_displayed()
            .await?,
        "an inquiry member sees no contracts"
    );
    // Nor manages accounts: no menu entry, and the page says who may.
    ensure!(
        !d.find(By::Css("[data-nav-accounts]"))
            .await?
            .is_displayed()
            .await?,
        "an inquiry member has no account management"
    );
    d.goto(portal.url("/portal/accounts/")).await?;
    wait_text(d, "[data-panel=forbidden]", "ユーザー管理者").await?;
    logout(d).await?;
    accounts_scenario(d, portal, ITO).await
}

/// On the settings page a customer turns the reply mails off; the choice is saved and
/// shown again after a reload, then turned back on.
async fn mail_settings_scenario(d: &WebDriver, portal: &Portal) -> Result<()> {
    let reply = wait_displayed(d, "[data-mail=reply_customer] input").await?;
    ensure!(reply.is_selected().await?, "reply mails start on");
    ensure!(
        !d.find(By::Css("[data-mail=reply_staff]"))
            .await?
            .is_displayed()
            .await?,
        "a customer is not offered the staff's mails"
    );
    let legend = wait_text(d, "[data-field=mails_off] legend", "メール通知").await?;
    ensure!(legend == "メール通知", "{legend}");
    reply.click_surely().await?;
    d.find(By::Css("#settings-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#settings-form [data-submit-status]", "保存").await?;
    shot(d, "portal-settings-mails.png").await?;
    d.goto(portal.url("/portal/settings/")).await?;
    let reply = wait_displayed(d, "[data-mail=reply_customer] input").await?;
    ensure!(!reply.is_selected().await?, "the choice is kept");
    ensure!(
        d.find(By::Css("[data-mail=reminder] input"))
            .await?
            .is_selected()
            .await?,
        "the others stay on"
    );
    reply.click_surely().await?;
    d.find(By::Css("#settings-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#settings-form [data-submit-status]", "保存").await?;
    // The profile form saves a name; the password form refuses a confirmation that
    // differs before anything is sent.
    let name = d.find(By::Id("pf-name")).await?;
    let before = name.value().await?.unwrap_or_default();
    name.clear().await?;
    name.send_keys(format!("{before}(物流部)")).await?;
    d.find(By::Css("#profile-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#profile-form [data-submit-status]", "保存").await?;
    d.find(By::Id("pw-current"))
        .await?
        .send_keys("whatever")
        .await?;
    d.find(By::Id("pw-new"))
        .await?
        .send_keys("Kaigi-2026-xyz")
        .await?;
    d.find(By::Id("pw-confirm"))
        .await?
        .send_keys("Kaigi-2026-xya")
        .await?;
    d.find(By::Css("#password-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-field=new_password_confirm]", "一致しません").await?;
    Ok(())
}

/// A user admin invites a colleague as an inquiry member from the accounts page; the
/// colleague sets a password through the invitation mail's link and logs in; the admin
/// disables the account.
async fn accounts_scenario(d: &WebDriver, portal: &Portal, admin: (&str, &str)) -> Result<()> {
    const NEW: &str = "yoshida@sakura-logi.example.jp";
    login(d, admin).await?;
    wait_displayed(d, "[data-nav-accounts] a")
        .await?
        .click_surely()
        .await?;
    wait_text(d, "main h1", "アカウント管理").await?;
    let table = wait_text(d, "[data-account-rows]", "kato@sakura-logi.example.jp").await?;
    ensure!(table.contains("問い合わせ担当者"), "roles show: {table}");
    let roles = SelectElement::new(&d.find(By::Id("acc-role")).await?).await?;
    ensure!(
        roles.options().await?.len() == 4,
        "a user admin may give every role"
    );
    d.find(By::Id("acc-name"))
        .await?
        .send_keys("吉田 恵")
        .await?;
    d.find(By::Id("acc-email"))
        .await?
        .send_keys("not-an-address")
        .await?;
    roles.select_by_value("inquiry_member").await?;
    d.find(By::Css("#invite-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-field=email] .field-error", "メールアドレス").await?;
    d.find(By::Id("acc-email")).await?.clear().await?;
    d.find(By::Id("acc-email")).await?.send_keys(NEW).await?;
    d.find(By::Css("#invite-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#invite-form [data-submit-status]", "招待メール").await?;
    wait_text(d, "[data-account-rows]", NEW).await?;
    shot(d, "portal-accounts.png").await?;

    // The invitation mail's link sets the password.
    let start = Instant::now();
    let link = loop {
        let found = mails(&portal.mail_dir())?
            .into_iter()
            .find(|m| m.to == [NEW]);
        if let Some(m) = found {
            let at = m
                .text
                .find("/portal/reset/?token=")
                .context("a set-password link")?;
            let token: String = m.text[at + "/portal/reset/?token=".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            break format!("/portal/reset/?token={token}");
        }
        ensure!(start.elapsed() < WAIT, "no invitation mail for {NEW}");
        tokio::time::sleep(POLL).await;
    };
    logout(d).await?;
    d.goto(portal.url(&link)).await?;
    let password = "招待メールから設定したパスワード";
    wait_displayed(d, "#reset-form").await?;
    d.find(By::Id("reset-password"))
        .await?
        .send_keys(password)
        .await?;
    d.find(By::Id("reset-confirm"))
        .await?
        .send_keys(password)
        .await?;
    d.find(By::Css("#reset-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_displayed(d, "[data-panel=done]").await?;
    d.goto(portal.url("/portal/login/")).await?;
    login(d, (NEW, password)).await?;
    wait_text(d, "[data-account-name]", "吉田 恵").await?;
    logout(d).await?;

    // The admin disables the account.
    login(d, admin).await?;
    d.goto(portal.url("/portal/accounts/")).await?;
    wait_displayed(d, &format!("[data-toggle-of='{NEW}']"))
        .await?
        .click_surely()
        .await?;
    d.accept_alert().await?;
    // Wait for the button that only a disabled account has ("利用停止" is also the label
    // of the button that disables, there before the change: waiting for it raced the
    // page on a busy machine).
    let row = wait_text(d, &format!("[data-account-email='{NEW}']"), "利用再開").await?;
    ensure!(
        row.contains("利用停止") && !row.contains("利用中"),
        "the account shows as disabled, with the button to enable it again: {row}"
    );
    // The same page in English, every string translated.
    d.goto(portal.url("/en/portal/accounts/")).await?;
    wait_text(d, "main h1", "Accounts").await?;
    wait_text(d, &format!("[data-account-email='{NEW}']"), "Disabled").await?;
    no_raw_keys(d).await?;
    shot(d, "portal-en-accounts.png").await?;
    Ok(())
}

/// Steps 1–5 and the English screens in one desktop browser; returns the new ticket's number.
async fn scenario(d: &WebDriver, portal: &Portal) -> Result<String> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let subject = format!("ブラウザ試験 {stamp}: 受信メールが遅延する");
    let body = format!("本文マーカー-{stamp}\n\n今朝から受信が 10 分ほど遅れます。");
    let note_marker = format!("NOTE-MARKER-{stamp}");
    let staff_marker = format!("STAFF-REPLY-{stamp}");

    // 1. The customer logs in and lands on the list of their tickets.
    d.goto(portal.url("/portal/login/")).await?;
    wait_text(d, "main h1", "お客様ログイン").await?;
    shot(d, "portal-login.png").await?;
    login(d, CUSTOMER).await?;
    list_shows_the_customers_tickets(d).await?;
    shot(d, "portal-list.png").await?;

    // 2. A new ticket: an empty subject is refused at its field and the rest is kept.
    let number = new_ticket(d, portal, &subject, &body).await?;

    // 3. A reply that closes the ticket, then a follow-up reply that reopens it.
    reply_close_and_reopen(d, stamp, &body).await?;

    // 4. The agent adds an internal note and a public reply.
    logout(d).await?;
    login(d, AGENT).await?;
    staff_dashboard(d).await?;
    staff_note_and_reply(d, portal, &number, &note_marker, &staff_marker).await?;
    staff_exports(d, portal, &number, stamp).await?;
    staff_log_a_phone_inquiry(d, portal, &number, stamp).await?;

    // 5. The customer, in a new session, sees the reply but not the note.
    logout(d).await?;
    login(d, CUSTOMER).await?;
    customer_sees_reply_not_note(d, portal, &number, &note_marker, &staff_marker).await?;

    // 7. The English screens.
    english_screens(d, portal, &number).await?;
    Ok(number)
}

async fn list_shows_the_customers_tickets(d: &WebDriver) -> Result<()> {
    ensure!(
        d.current_url().await?.path() == "/portal/",
        "after login the customer is on {}",
        d.current_url().await?
    );
    wait_text(d, "[data-account-name]", CUSTOMER_NAME).await?;
    wait_displayed(d, "[data-list-controls]").await?;
    let all = count(d, "all").await?;
    let open = count(d, "open").await?;
    let closed = count(d, "closed").await?;
    ensure!(all >= 1, "All counts the demo's tickets");
    ensure!(
        all == open + closed,
        "All ({all}) is Open ({open}) plus Closed ({closed})"
    );
    let filters = d.find(By::Css(".segmented")).await?.text().await?;
    for label in ["すべて", "進行中", "クローズ"] {
        ensure!(
            filters.contains(label),
            "the filters show {label}: {filters}"
        );
    }
    // The list opens on the open tickets (which may be none); All shows every one.
    d.find(By::Css("[data-filter=all]"))
        .await?
        .click_surely()
        .await?;
    let status = wait_text(d, "[data-list-status]", &format!("{all} 件中")).await?;
    wait_displayed(d, "[data-panel=list]").await?;
    let rows = d.find_all(By::Css("[data-rows] tr")).await?;
    ensure!(!rows.is_empty(), "All lists the customer's tickets");
    let first = rows[0].find(By::Css(".subject")).await?.text().await?;
    ensure!(!first.is_empty(), "a ticket row shows its subject");
    ensure!(
        status.contains(&format!("{all} 件中 {} 件を表示", rows.len())),
        "the status line counts the rows shown: {status}"
    );
    Ok(())
}

/// The number in `(n)` next to a filter.
async fn count(d: &WebDriver, filter: &str) -> Result<u64> {
    let text = wait_text(d, &format!("[data-count={filter}]"), "(").await?;
    text.trim_matches(|c| c == '(' || c == ')')
        .parse()
        .with_context(|| format!("the {filter} count shows {text:?}"))
}

async fn new_ticket(d: &WebDriver, portal: &Portal, subject: &str, body: &str) -> Result<String> {
    d.find(By::Css(".page-head a.button-primary"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "main h1", "新規チケット").await?;
    wait_displayed(d, "#new-ticket").await?;

    d.find(By::Id("nt-body")).await?.send_keys(body).await?;
    let cc = "ops@tohoku-denki.example.jp";
    d.find(By::Id("nt-cc")).await?.send_keys(cc).await?;
    let choices = fill_choices(d).await?;

    d.find(By::Css("#new-ticket button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    let error = wait_text(d, "[data-field=subject] .field-error", "入力").await?;
    ensure!(
        error.contains("入力してください"),
        "the subject says what is wrong: {error}"
    );
    let summary = wait_text(d, "[data-form-alert]", "件名").await?;
    ensure!(
        summary.contains("入力内容をご確認ください"),
        "the summary heads the errors: {summary}"
    );
    // Everything else the form asks for was given: the subject is the only error.
    let items = d.find_all(By::Css("[data-form-alert] li")).await?;
    ensure!(
        items.len() == 1,
        "one error is listed, not {}: {summary}",
        items.len()
    );
    ensure!(
        d.find(By::Id("nt-subject"))
            .await?
            .attr("aria-invalid")
            .await?
            .as_deref()
            == Some("true"),
        "the subject is marked invalid"
    );
    ensure!(
        value(d, "nt-body").await? == body,
        "the body is kept after the error"
    );
    ensure!(value(d, "nt-cc").await? == cc, "the CC is kept");
    for (id, v) in &choices {
        ensure!(&value(d, id).await? == v, "{id} keeps {v:?}");
    }
    ensure!(
        d.current_url().await?.path() == "/portal/new/",
        "still on the form"
    );
    shot(d, "portal-new-error.png").await?;

    d.find(By::Id("nt-subject"))
        .await?
        .send_keys(subject)
        .await?;
    let files = tempfile::tempdir()?;
    let file = files.path().join("browser-log.txt");
    std::fs::write(&file, ATTACHMENT)?;
    d.find(By::Id("nt-files"))
        .await?
        .send_keys(file.to_string_lossy().as_ref())
        .await?;
    wait_text(d, "[data-upload-list] .upload.is-done", "browser-log.txt")
        .await
        .context("the attachment uploads (POST /api/v1/uploads)")?;
    d.find(By::Css("#new-ticket button[type=submit]"))
        .await?
        .click_surely()
        .await?;

    // The ticket's own page: subject, body, the attachment, and the thank-you flash.
    wait_url(d, "/portal/tickets/").await?;
    let number = d
        .current_url()
        .await?
        .path()
        .trim_start_matches("/portal/tickets/")
        .trim_end_matches('/')
        .to_owned();
    ensure!(!number.is_empty(), "the URL carries the ticket number");
    wait_text(d, "#ticket-subject", subject).await?;
    wait_text(d, "[data-v=number]", &number).await?;
    wait_text(d, "[data-flash]", &number).await?;
    wait_text(d, "[data-v=badges] .badge", "新規").await?;
    let article = wait_text(d, ".articles > li:last-child", body.lines().next().unwrap()).await?;
    ensure!(
        article.contains(CUSTOMER_NAME),
        "the article names its author: {article}"
    );
    wait_text(d, ".articles .article-files", "browser-log.txt").await?;
    // The link gives back the file that was attached.
    let download = d
        .execute_async(
            r"const done = arguments[arguments.length - 1];
              const a = document.querySelector('.articles .article-files a');
              fetch(a.href).then((r) => r.text()).then(done, (e) => done(String(e)));",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(
        download.as_str() == Some(ATTACHMENT),
        "the attachment link gives {download}"
    );
    let facts = wait_text(d, "[data-v=facts]", "ops@tohoku-denki.example.jp").await?;
    ensure!(
        facts.contains(CUSTOMER_NAME),
        "the details show the requester: {facts}"
    );
    shot(d, "portal-ticket.png").await?;

    // The thank-you mail reaches the customer, with the number in its subject.
    let tag = format!("[#{number}]");
    let deadline = Instant::now() + WAIT;
    loop {
        let all = mails(&portal.mail_dir())?;
        if let Some(m) = all
            .iter()
            .find(|m| m.to.iter().any(|a| a == CUSTOMER.0) && m.subject.contains(&tag))
        {
            ensure!(
                m.subject.contains(subject),
                "the mail's subject carries the ticket's: {}",
                m.subject
            );
            ensure!(
                m.to.iter().any(|a| a == cc),
                "the CC gets the thank-you mail too: {:?}",
                m.to
            );
            ensure!(
                m.text.contains(&number) && m.text.contains(body.lines().next().unwrap()),
                "the thank-you mail quotes the ticket: {}",
                m.text
            );
            break;
        }
        if Instant::now() > deadline {
            let subjects: Vec<_> = all.iter().map(|m| (&m.to, &m.subject)).collect();
            bail!(
                "no mail to {} with {tag} in its subject: {subjects:?}",
                CUSTOMER.0
            );
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(number)
}

/// Makes the choices the shipped form asks for, as a customer would: the first product
/// (when there are products), then every shown required choice or field still empty
/// (choosing may show more, hence two rounds). Returns `(id, value)` of each.
async fn fill_choices(d: &WebDriver) -> Result<Vec<(String, String)>> {
    let mut filled = Vec::new();
    let product = d.find(By::Id("nt-product")).await?;
    if product.is_displayed().await? {
        SelectElement::new(&product)
            .await?
            .select_by_index(1)
            .await?;
        filled.push((
            "nt-product".to_owned(),
            product.prop("value").await?.unwrap_or_default(),
        ));
    }
    for _ in 0..2 {
        for c in d
            .find_all(By::Css(
                "#new-ticket select[required], #new-ticket input[required]:not(#nt-subject), #new-ticket textarea[required]:not(#nt-body)",
            ))
            .await?
        {
            if !c.is_displayed().await? || !c.is_enabled().await? {
                continue;
            }
            let id = c.id().await?.unwrap_or_default();
            match c.attr("type").await?.as_deref() {
                Some("radio") => {
                    let name = c.attr("name").await?.unwrap_or_default();
                    let checked = d
                        .find_all(By::Css(format!("#new-ticket input[name='{name}']:checked")))
                        .await?;
                    if checked.is_empty() {
                        c.click_surely().await?;
                    }
                    continue;
                }
                _ if !c.prop("value").await?.unwrap_or_default().is_empty() => continue,
                _ if c.tag_name().await? == "select" => {
                    SelectElement::new(&c).await?.select_by_index(1).await?
                }
                _ => c.send_keys("TEST-0001").await?,
            }
            filled.push((id, c.prop("value").await?.unwrap_or_default()));
        }
    }
    Ok(filled)
}

async fn reply_close_and_reopen(d: &WebDriver, stamp: u128, body: &str) -> Result<()> {
    let first = format!("解決しました。ありがとうございました。({stamp}-1)");
    d.find(By::Id("reply-body"))
        .await?
        .send_keys(&first)
        .await?;
    let next = d.find(By::Id("reply-next")).await?;
    let choice = SelectElement::new(&next).await?;
    choice.select_by_value("closed").await?;
    let chosen = choice.first_selected_option().await?.text().await?;
    ensure!(
        chosen == "クローズ",
        "the next-state choice reads {chosen:?}"
    );
    d.find(By::Css("#reply-form [data-submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#reply-form [data-submit-status]", "返信を送信しました").await?;
    wait_text(d, "[data-v=badges] .badge", "クローズ").await?;
    wait_text(d, ".articles > li:last-child", &first).await?;
    // The first article is now collapsed to a one-line summary of its paragraphs.
    let summary: Vec<&str> = body.split_whitespace().take(2).collect();
    wait_text(d, ".articles > li:first-child summary", &summary.join(" ")).await?;
    // Closed, but within the window a reply still reopens it, and the page says until when.
    wait_text(d, "[data-reply-note]", "対応を再開します").await?;
    ensure!(
        !d.find(By::Css("[data-field=next_state]"))
            .await?
            .is_displayed()
            .await?,
        "a closed ticket offers no next state to a customer"
    );
    shot(d, "portal-ticket-closed.png").await?;

    let second = format!("すみません、また遅延が発生しました。({stamp}-2)");
    d.find(By::Id("reply-body"))
        .await?
        .send_keys(&second)
        .await?;
    d.find(By::Css("#reply-form [data-submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-v=badges] .badge", "対応中").await?;
    wait_text(d, ".articles > li:last-child", &second).await?;
    ensure!(
        value(d, "reply-body").await?.is_empty(),
        "the reply box is emptied after sending"
    );
    Ok(())
}

/// Staff land on the dashboard: the count of every state, the tickets to handle first
/// with the demo's SLA-overdue and urgent ones highlighted, and a count that opens the
/// list of its state.
async fn staff_dashboard(d: &WebDriver) -> Result<()> {
    wait_url(d, "/portal/dashboard/").await?;
    wait_text(d, "main h1", "ダッシュボード").await?;
    wait_displayed(d, "[data-panel=dashboard]").await?;
    let cards = d.find_all(By::Css("[data-state-count]")).await?;
    ensure!(
        cards.len() == 5,
        "a count for every state, {} shown",
        cards.len()
    );
    let counts = d.find(By::Css("[data-state-counts]")).await?.text().await?;
    for label in [
        "新規",
        "対応中",
        "お客様確認中",
        "クローズ確認中",
        "クローズ",
    ] {
        ensure!(counts.contains(label), "the counts name {label}: {counts}");
    }
    let overdue = d
        .find_all(By::Css(
            "[data-list=handle_first] tr.row-sla-overdue[data-reason=overdue]",
        ))
        .await?;
    ensure!(
        !overdue.is_empty(),
        "the demo's SLA-overdue tickets are highlighted first"
    );
    let urgent = d
        .find_all(By::Css("[data-list=handle_first] tr[data-reason=urgent], [data-list=handle_first] tr .priority-urgent"))
        .await?;
    ensure!(
        !urgent.is_empty(),
        "the demo's urgent ticket is listed to handle first"
    );
    no_raw_keys(d).await?;
    shot(d, "portal-dashboard.png").await?;

    // The waiting-for-customer count opens the list of that state.
    let card = d
        .find(By::Css("[data-state-count=waiting_customer]"))
        .await?;
    let n: u64 = card
        .find(By::Css(".count-value"))
        .await?
        .text()
        .await?
        .trim()
        .parse()?;
    ensure!(n >= 1, "the demo has tickets waiting for the customer");
    card.click_surely().await?;
    wait_url(d, "/portal/").await?;
    wait_displayed(d, "[data-state-chip]").await?;
    wait_text(d, "[data-state-chip]", "お客様確認中").await?;
    wait_displayed(d, "[data-panel=list]").await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = d.find_all(By::Css("[data-rows] tr")).await?;
        let waiting = d
            .find_all(By::Css("[data-rows] tr.row-waiting_customer"))
            .await?;
        if rows.len() as u64 == n && waiting.len() == rows.len() {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the list shows the {n} waiting tickets only: {} rows, {} waiting",
            rows.len(),
            waiting.len()
        );
        tokio::time::sleep(POLL).await;
    }
    shot(d, "portal-list-state.png").await?;
    Ok(())
}

async fn staff_note_and_reply(
    d: &WebDriver,
    portal: &Portal,
    number: &str,
    note: &str,
    reply: &str,
) -> Result<()> {
    d.goto(portal.url(&format!("/portal/tickets/{number}")))
        .await?;
    wait_text(d, "[data-account-name]", AGENT_NAME).await?;
    wait_text(d, "[data-v=number]", number).await?;
    wait_displayed(d, "#staff-form").await?;

    // The note, chosen explicitly: the button says what it will do.
    d.find(By::Css("input[name=kind][value=internal]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#reply-form [data-submit]", "社内メモを追加").await?;
    d.find(By::Id("reply-body"))
        .await?
        .send_keys(format!("回線事業者に確認中。{note}"))
        .await?;
    // Seed 003's time spent, for staff only.
    d.find(By::Id("reply-minutes"))
        .await?
        .send_keys("15")
        .await?;
    d.find(By::Css("#reply-form [data-submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(
        d,
        "#reply-form [data-submit-status]",
        "社内メモを追加しました",
    )
    .await?;
    let last = wait_text(d, ".articles > li:last-child", note).await?;
    ensure!(
        last.contains("社内メモ") && last.contains("作業 15 分"),
        "the note is marked internal, with its minutes: {last}"
    );
    wait_text(d, "[data-minutes-total]", "作業時間の合計: 15 分").await?;
    ensure!(
        value(d, "reply-minutes").await?.is_empty(),
        "the minutes box is emptied after sending"
    );

    d.find(By::Css("input[name=kind][value=public]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#reply-form [data-submit]", "返信を送信").await?;
    d.find(By::Id("reply-body"))
        .await?
        .send_keys(format!(
            "ご連絡ありがとうございます。調査いたします。{reply}"
        ))
        .await?;
    d.find(By::Css("#reply-form [data-submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#reply-form [data-submit-status]", "返信を送信しました").await?;
    let last = wait_text(d, ".articles > li:last-child", reply).await?;
    ensure!(
        last.contains("サポート担当") && last.contains(AGENT_NAME),
        "the reply is the agent's: {last}"
    );
    // The demo vendor's SLA: the public reply met the first response target.
    wait_text(d, "[data-v=sla] [data-sla=first_response]", "対応済み").await?;
    expand_all(d).await?;
    let history = d.find(By::Css("[data-v=articles]")).await?.text().await?;
    ensure!(
        history.contains(note) && history.contains(reply),
        "the staff view shows both the note and the reply"
    );
    shot(d, "portal-staff.png").await?;
    Ok(())
}

/// Staff log a phone inquiry for the customer (seed 004) with a staff-only field, answer
/// it with response fields (seed 003's 原因/対策 and メモ) and tick a staff field on the
/// ticket; the customer then sees the inquiry and the cause, never the staff's fields.
/// Ends logged in as the customer.
async fn staff_log_a_phone_inquiry(
    d: &WebDriver,
    portal: &Portal,
    earlier: &str,
    stamp: u128,
) -> Result<()> {
    let memo = format!("折り返し希望-{stamp}");
    let private = format!("MEMO-{stamp}");
    d.goto(portal.url("/portal/new/")).await?;
    wait_text(d, "main h1", "お問い合わせの代理登録").await?;
    wait_displayed(d, "[data-section=intake]").await?;
    ensure!(
        d.find(By::Css("input[name=channel][value=phone]"))
            .await?
            .is_selected()
            .await?,
        "phone is the default channel"
    );
    let customer = d
        .find(By::XPath(format!(
            "//select[@id='nt-customer']/option[contains(., '{}')]",
            CUSTOMER.0
        )))
        .await?;
    customer.click_surely().await?;
    d.find(By::Id("nt-subject"))
        .await?
        .send_keys(format!("電話受付 {stamp}: VPN に接続できない"))
        .await?;
    d.find(By::Id("nt-body"))
        .await?
        .send_keys("お電話にて受付。朝から VPN に接続できないとのこと。")
        .await?;
    fill_choices(d).await?;
    // Staff see and fill the staff-only fields, marked as such.
    let field = wait_displayed(d, "[data-field='fields.internal_memo']").await?;
    ensure!(
        field.text().await?.contains("非公開"),
        "a staff-only field is marked"
    );
    d.find(By::Id("nt-f-internal_memo"))
        .await?
        .send_keys(&memo)
        .await?;
    shot(d, "portal-staff-intake.png").await?;
    d.find(By::Css("#new-ticket button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_url(d, "/portal/tickets/").await?;
    let number = d
        .current_url()
        .await?
        .path()
        .trim_start_matches("/portal/tickets/")
        .trim_end_matches('/')
        .to_owned();
    let facts = wait_text(d, "[data-v=facts]", "電話").await?;
    ensure!(
        facts.contains(CUSTOMER_NAME) && facts.contains(&memo),
        "the customer is the requester and staff see their memo: {facts}"
    );

    // Triage: the agent takes the inquiry and raises its priority on the staff panel.
    let owner = d
        .find(By::XPath(format!(
            "//select[@id='st-owner']/option[contains(., '{AGENT_NAME}')]"
        )))
        .await?;
    owner.click_surely().await?;
    let high = d.find(By::Css("#st-priority option[value=high]")).await?;
    high.click_surely().await?;
    d.find(By::Css("#staff-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#staff-form [data-submit-status]", "更新しました").await?;
    let facts = wait_text(d, "[data-v=facts]", "高").await?;
    ensure!(
        facts.contains(AGENT_NAME),
        "the agent owns the ticket now: {facts}"
    );
    wait_displayed(d, "[data-history] [data-field=owner]").await?;

    // A public answer with the response fields.
    wait_displayed(d, "#rf-cause").await?;
    d.find(By::Id("rf-cause"))
        .await?
        .send_keys("VPN クライアントの証明書期限切れ")
        .await?;
    d.find(By::Id("rf-memo")).await?.send_keys(&private).await?;
    d.find(By::Id("reply-body"))
        .await?
        .send_keys("証明書を更新してください。手順をお送りします。")
        .await?;
    d.find(By::Css("#reply-form [data-submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#reply-form [data-submit-status]", "返信を送信しました").await?;
    let last = wait_text(d, ".articles > li:last-child", "原因/対策").await?;
    ensure!(
        last.contains("証明書期限切れ") && last.contains(&private),
        "staff see every response field: {last}"
    );
    // A staff-only checkbox on the fields panel.
    wait_displayed(d, "#fields-form").await?;
    d.find(By::Id("tf-onsite_needed"))
        .await?
        .click_surely()
        .await?;
    d.find(By::Css("#fields-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "#fields-form [data-submit-status]", "更新しました").await?;
    wait_text(d, "[data-v=facts]", "現地作業が必要").await?;
    // Linked to the customer's earlier ticket, shown on the panel with its subject.
    d.find(By::Id("link-number"))
        .await?
        .send_keys(earlier)
        .await?;
    d.find(By::Css("#link-form button[value=link]"))
        .await?
        .click_surely()
        .await?;
    let links = wait_text(d, "[data-links]", earlier).await?;
    ensure!(
        links.contains("関連"),
        "the link is listed as related: {links}"
    );
    shot(d, "portal-staff-fields.png").await?;

    logout(d).await?;
    login(d, CUSTOMER).await?;
    d.goto(portal.url(&format!("/portal/tickets/{number}")))
        .await?;
    wait_text(d, "[data-account-name]", CUSTOMER_NAME).await?;
    wait_text(d, "[data-v=facts]", "電話").await?;
    let last = wait_text(d, ".articles > li:last-child", "証明書期限切れ").await?;
    ensure!(last.contains("原因/対策"), "the cause is shown: {last}");
    let source = d.source().await?;
    ensure!(
        !source.contains(&private) && !source.contains(&memo) && !source.contains("現地作業"),
        "no staff-only field reaches the customer's page"
    );
    shot(d, "portal-customer-phone-inquiry.png").await?;
    Ok(())
}

/// Where the browser saves downloads: set through the DevTools protocol, so that the
/// test can open what the export buttons saved.
async fn downloads_to(d: &WebDriver) -> Result<PathBuf> {
    let dir = tempfile::tempdir()?.keep();
    let params = serde_json::json!({"behavior": "allow", "downloadPath": dir.to_string_lossy()});
    if d.cdp()
        .send_raw("Browser.setDownloadBehavior", params.clone())
        .await
        .is_err()
    {
        d.cdp()
            .send_raw("Page.setDownloadBehavior", params)
            .await
            .context("cannot set where downloads go")?;
    }
    Ok(dir)
}

/// A file the browser finished saving in `dir` whose name starts with `prefix`.
async fn downloaded(dir: &Path, prefix: &str) -> Result<(String, Vec<u8>)> {
    let start = Instant::now();
    loop {
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) && !name.ends_with(".crdownload") {
                return Ok((name.clone(), std::fs::read(dir.join(&name))?));
            }
        }
        if start.elapsed() > WAIT {
            bail!("no download starting with {prefix} in {}", dir.display());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// 4c. The agent searches with the filter panel, in Japanese: a word only the internal
/// note holds, unassigned, received today; a state that does not match finds nothing;
/// the searched list exports as it is shown.
async fn staff_search(
    d: &WebDriver,
    portal: &Portal,
    number: &str,
    stamp: u128,
    dir: &Path,
) -> Result<()> {
    d.goto(portal.url("/portal/?of=all")).await?;
    wait_displayed(d, "[data-search-panel]").await?;
    wait_text(d, "[data-search-panel] h2", "詳細検索").await?;
    let words = d.find(By::Id("list-q")).await?;
    words.clear().await?;
    words.send_keys(format!("回線事業者 {stamp}")).await?;
    d.find(By::Css("#sp-owner option[value=unassigned]"))
        .await?
        .click_surely()
        .await?;
    d.execute(
        "const today = new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Tokyo'});\
         document.getElementById('sp-received-from').value = today;\
         document.getElementById('sp-received-to').value = today;",
        vec![],
    )
    .await?;
    // Closed only: nothing.
    d.find(By::Css(
        "[data-search-panel] input[name=state][value=closed]",
    ))
    .await?
    .click_surely()
    .await?;
    d.find(By::Css("[data-search-panel] button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-empty-text]", "条件に合うチケットはありません").await?;
    ensure!(
        d.current_url().await?.as_str().contains("state=closed"),
        "the search is kept in the URL"
    );
    // Any state: the ticket, found by the note's word.
    d.find(By::Css(
        "[data-search-panel] input[name=state][value=closed]",
    ))
    .await?
    .click_surely()
    .await?;
    d.find(By::Css("[data-search-panel] button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, ".ticket-list [data-rows]", number).await?;
    let rows = d.find_all(By::Css(".ticket-list [data-rows] tr")).await?;
    ensure!(
        rows.len() == 1,
        "one ticket holds the note's word and the stamp"
    );
    shot(d, "portal-staff-search.png").await?;
    d.find(By::Css("[data-export] [data-format=csv]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-export-status]", "を保存しました").await?;
    let (csv_name, csv) = downloaded(dir, "tickets-").await?;
    let text = String::from_utf8(csv[3..].to_vec())?;
    let lines: Vec<&str> = text.lines().collect();
    ensure!(
        lines.len() == 2 && lines[1].starts_with(number),
        "the export holds the search's one ticket: {text}"
    );
    // The same search to Excel.
    std::fs::remove_file(dir.join(&csv_name))?;
    d.find(By::Css("[data-export] [data-format=xlsx]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-export-status]", "を保存しました").await?;
    let (xlsx_name, xlsx) = downloaded(dir, "tickets-").await?;
    ensure!(
        xlsx_name.ends_with(".xlsx") && xlsx.starts_with(b"PK"),
        "the search exports as an Excel file: {xlsx_name}"
    );
    // The search saved under a name, listed with the queues and opened again from there.
    d.find(By::Css("[data-save-search]"))
        .await?
        .click_surely()
        .await?;
    d.send_alert_text(format!("保存した検索 {stamp}")).await?;
    d.accept_alert().await?;
    let saved = wait_text(d, "[data-saved-searches]", &format!("保存した検索 {stamp}")).await?;
    ensure!(!saved.is_empty(), "the saved search is listed");
    d.find(By::Css("[data-saved-searches] a"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-rows]", number).await?;
    ensure!(
        d.current_url()
            .await?
            .query()
            .is_some_and(|q| q.contains("q=")),
        "the saved search's words come back in the URL"
    );
    // A queue is a link to a ready-made search.
    d.find(By::XPath("//a[@data-queue][contains(., '未割り当て')]"))
        .await?
        .click_surely()
        .await?;
    let deadline = Instant::now() + WAIT;
    while !d
        .current_url()
        .await?
        .query()
        .is_some_and(|q| q.contains("owner=unassigned"))
    {
        ensure!(Instant::now() < deadline, "the queue link opens its search");
        tokio::time::sleep(POLL).await;
    }
    wait_displayed(d, "[data-search-panel]").await?;
    shot(d, "portal-staff-queues.png").await?;
    Ok(())
}

/// 4b. The agent downloads the ticket's report, then searches the list for the ticket
/// and exports the result as CSV (seed 003): progress, then the saved file.
async fn staff_exports(d: &WebDriver, portal: &Portal, number: &str, stamp: u128) -> Result<()> {
    let dir = downloads_to(d).await?;
    // The ticket page is still open: its report.
    d.find(By::Css("[data-report]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-report-status]", "を保存しました").await?;
    let (name, xlsx) = downloaded(&dir, &format!("ticket-{number}")).await?;
    ensure!(name.ends_with(".xlsx"), "{name}");
    ensure!(xlsx.starts_with(b"PK"), "an Excel file is a zip package");

    d.goto(portal.url("/portal/")).await?;
    wait_displayed(d, "[data-export]").await?;
    d.find(By::Css("[data-filter=all]"))
        .await?
        .click_surely()
        .await?;
    let search = d.find(By::Id("list-q")).await?;
    search.send_keys(format!("ブラウザ試験 {stamp}")).await?;
    d.find(By::Css("[data-list-search] button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, ".ticket-list [data-rows]", number).await?;
    d.find(By::Css("[data-export] [data-format=csv]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-export-status]", "を保存しました").await?;
    shot(d, "portal-staff-export.png").await?;
    let (name, csv) = downloaded(&dir, "tickets-").await?;
    ensure!(name.ends_with(".csv"), "{name}");
    ensure!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with a byte-order mark"
    );
    let text = String::from_utf8(csv[3..].to_vec())?;
    let lines: Vec<&str> = text.lines().collect();
    ensure!(
        lines.len() == 2 && lines[1].starts_with(number),
        "the search's one ticket: {text}"
    );
    ensure!(lines[0].starts_with("チケット番号,件名,状態"), "{text}");
    std::fs::remove_file(dir.join(&name))?;
    staff_search(d, portal, number, stamp, &dir).await?;
    // Back on the ticket for what follows: its history in the staff panel records that
    // the agent looked at the internal note and downloaded the report.
    d.goto(portal.url(&format!("/portal/tickets/{number}")))
        .await?;
    wait_text(d, "[data-v=number]", number).await?;
    wait_displayed(d, "[data-history] [data-field=exported_report]").await?;
    wait_text(
        d,
        "[data-history] [data-field=viewed_internal]",
        "社内メモを含むチケットを閲覧",
    )
    .await?;
    let history = d.find(By::Css("[data-history]")).await?.text().await?;
    ensure!(
        history.contains(AGENT_NAME) && history.contains("状態"),
        "the history names who did what: {history}"
    );
    shot(d, "portal-staff-history.png").await?;
    Ok(())
}

async fn customer_sees_reply_not_note(
    d: &WebDriver,
    portal: &Portal,
    number: &str,
    note: &str,
    reply: &str,
) -> Result<()> {
    d.goto(portal.url(&format!("/portal/tickets/{number}")))
        .await?;
    wait_text(d, "[data-account-name]", CUSTOMER_NAME).await?;
    wait_text(d, ".articles > li:last-child", reply).await?;
    expand_all(d).await?;
    let history = d.find(By::Css("[data-v=articles]")).await?.text().await?;
    ensure!(
        history.contains(AGENT_NAME),
        "the agent's reply is signed: {history}"
    );
    ensure!(
        !history.contains("社内メモ"),
        "no internal article shows to the customer"
    );
    ensure!(
        !d.source().await?.contains(note),
        "the note's text is nowhere in the customer's page"
    );
    ensure!(
        !d.find(By::Css("[data-field=internal]"))
            .await?
            .is_displayed()
            .await?,
        "customers get no note choice"
    );
    shot(d, "portal-customer-reply.png").await?;

    // Nor in any mail to the customer; the reply did go out to them.
    let deadline = Instant::now() + WAIT;
    loop {
        let to_customer: Vec<Mail> = mails(&portal.mail_dir())?
            .into_iter()
            .filter(|m| m.to.iter().any(|a| a == CUSTOMER.0))
            .collect();
        ensure!(
            !to_customer.iter().any(|m| m.text.contains(note)),
            "a mail to the customer carries the internal note"
        );
        if to_customer.iter().any(|m| m.text.contains(reply)) {
            break;
        }
        if Instant::now() > deadline {
            bail!("the agent's reply was not mailed to the customer");
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

async fn english_screens(d: &WebDriver, portal: &Portal, number: &str) -> Result<()> {
    d.goto(portal.url("/en/portal/")).await?;
    wait_text(d, "main h1", "Tickets").await?;
    wait_displayed(d, "[data-panel=list]").await?;
    let filters = d.find(By::Css(".segmented")).await?.text().await?;
    for label in ["All", "Open", "Closed"] {
        ensure!(
            filters.contains(label),
            "the filters show {label}: {filters}"
        );
    }
    let head = d.find(By::Css("table.tickets thead")).await?.text().await?;
    ensure!(
        head.contains("Subject") && head.contains("State"),
        "the columns are in English: {head}"
    );
    wait_text(d, "[data-list-status]", "Showing").await?;
    no_raw_keys(d).await?;
    shot(d, "portal-en-list.png").await?;

    d.goto(portal.url(&format!("/en/portal/tickets/{number}")))
        .await?;
    wait_text(d, "[data-v=number]", number).await?;
    // Whatever state the agent's reply left it in, it is named in English.
    let state = d
        .find(By::Css("[data-v=badges] .badge"))
        .await?
        .text()
        .await?;
    ensure!(
        [
            "New",
            "In progress",
            "Waiting for you",
            "Pending close",
            "Closed"
        ]
        .contains(&state.as_str()),
        "the state shows as {state:?}"
    );
    wait_text(d, "#h-articles", "History").await?;
    wait_text(d, "#h-reply", "Reply").await?;
    wait_text(d, "#reply-form [data-submit]", "Send reply").await?;
    no_raw_keys(d).await?;
    shot(d, "portal-en-ticket.png").await?;

    d.goto(portal.url("/en/portal/new/")).await?;
    wait_text(d, "main h1", "New ticket").await?;
    wait_displayed(d, "#new-ticket").await?;
    no_raw_keys(d).await?;
    let form = d.find(By::Id("new-ticket")).await?.text().await?;
    ensure!(
        form.contains("Subject") && form.contains("Attachments"),
        "the form's own labels are in English: {form}"
    );
    // The labels from the portal configuration too, shown or not (every option, every
    // product's fields): no Japanese anywhere in the English form.
    let japanese = d
        .execute(
            r"const m = document.getElementById('new-ticket').textContent.match(/[\u3040-\u30ff\u3400-\u9fff].{0,20}/);
              return m ? m[0] : null;",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(japanese.is_null(), "the English form shows {japanese}");
    shot(d, "portal-en-new.png").await?;

    // Logged out, the English login page, and its error, in English.
    logout(d).await?;
    d.goto(portal.url("/en/portal/login/")).await?;
    wait_text(d, "main h1", "Customer login").await?;
    let form = d.find(By::Id("login-form")).await?.text().await?;
    ensure!(
        form.contains("User ID") && form.contains("Password") && form.contains("Log in"),
        "the login form is in English: {form}"
    );
    d.find(By::Id("login-email"))
        .await?
        .send_keys(CUSTOMER.0)
        .await?;
    d.find(By::Id("login-password"))
        .await?
        .send_keys("not-the-password")
        .await?;
    d.find(By::Css("#login-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_text(d, "[data-form-alert]", "not correct").await?;
    shot(d, "portal-en-login-error.png").await?;
    Ok(())
}

/// Step 6: the list and the ticket fit a phone's width.
async fn phone_checks(d: &WebDriver, portal: &Portal, number: &str) -> Result<()> {
    d.goto(portal.url("/portal/login/")).await?;
    // Desktop Chromium will not make a window this narrow; the session emulates a phone.
    let width = d
        .execute("return document.documentElement.clientWidth;", vec![])
        .await?
        .json()
        .as_i64();
    ensure!(
        width == Some(390),
        "the phone session is {width:?}px wide, not 390"
    );
    wait_text(d, "main h1", "お客様ログイン").await?;
    login(d, CUSTOMER).await?;
    wait_displayed(d, "[data-panel=list]").await?;
    no_sideways_scroll(d, "the list").await?;
    shot(d, "portal-phone-list.png").await?;

    d.goto(portal.url(&format!("/portal/tickets/{number}")))
        .await?;
    wait_displayed(d, "[data-panel=ticket]").await?;
    wait_text(d, "[data-v=number]", number).await?;
    no_sideways_scroll(d, "the ticket").await?;
    shot(d, "portal-phone-ticket.png").await?;

    d.goto(portal.url("/portal/new/")).await?;
    wait_displayed(d, "#new-ticket").await?;
    no_sideways_scroll(d, "the new-ticket form").await?;
    shot(d, "portal-phone-new.png").await?;
    Ok(())
}

async fn no_sideways_scroll(d: &WebDriver, what: &str) -> Result<()> {
    let overflow = d
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await?
        .json()
        .as_i64()
        .unwrap_or(0);
    ensure!(
        overflow <= 0,
        "{what} scrolls sideways by {overflow}px on a phone"
    );
    Ok(())
}

/// No string key shows instead of its text (t() falls back to the key).
async fn no_raw_keys(d: &WebDriver) -> Result<()> {
    let hit = d
        .execute(
            r"const m = document.body.innerText.match(/\b(?:portal|list|ticket|state|priority|reply|new|upload|error|form|editor|article|login|nav|timer|follow_up|staff|settings|password)\.[a-z_]+(?:\.[a-z_0-9]+)*\b/);
              return m ? m[0] : null;",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(hit.is_null(), "a raw string key shows: {hit}");
    Ok(())
}

async fn login(d: &WebDriver, (email, password): (&str, &str)) -> Result<()> {
    wait_displayed(d, "#login-form").await?;
    d.find(By::Id("login-email"))
        .await?
        .send_keys(email)
        .await?;
    d.find(By::Id("login-password"))
        .await?
        .send_keys(password)
        .await?;
    d.find(By::Css("#login-form button[type=submit]"))
        .await?
        .click_surely()
        .await?;
    wait_displayed(d, "[data-account]")
        .await
        .with_context(|| format!("{email} is logged in"))?;
    Ok(())
}

async fn logout(d: &WebDriver) -> Result<()> {
    // The header shows the account (and its button) once the page knows who is in.
    wait_displayed(d, "[data-logout]")
        .await?
        .click_surely()
        .await?;
    wait_url(d, "/portal/login/").await?;
    wait_displayed(d, "#login-form").await?;
    Ok(())
}

/// Opens every article when some are collapsed, with the page's own button.
async fn expand_all(d: &WebDriver) -> Result<()> {
    let all_open = d
        .execute(
            "return [...document.querySelectorAll('.articles details')].every((x) => x.open);",
            vec![],
        )
        .await?
        .json()
        .as_bool()
        .unwrap_or(false);
    if !all_open {
        d.find(By::Css("[data-expand-all]"))
            .await?
            .click_surely()
            .await?;
    }
    Ok(())
}

async fn value(d: &WebDriver, id: &str) -> Result<String> {
    Ok(d.find(By::Id(id))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Waits until the first element matching `css` shows `want` in its visible text;
/// returns that text. The error says what it showed instead.
async fn wait_text(d: &WebDriver, css: &str, want: &str) -> Result<String> {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    loop {
        if let Ok(e) = d.find(By::Css(css)).await
            && let Ok(text) = e.text().await
        {
            if text.contains(want) {
                return Ok(text);
            }
            last = Some(text);
        }
        if Instant::now() > deadline {
            bail!(
                "{css} did not show {want:?} within {WAIT:?}; it showed {last:?} (at {})",
                d.current_url().await?
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn wait_displayed(d: &WebDriver, css: &str) -> Result<WebElement> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = d.find(By::Css(css)).await
            && e.is_displayed().await.unwrap_or(false)
        {
            return Ok(e);
        }
        if Instant::now() > deadline {
            let flash = visible_problem(d).await;
            bail!(
                "{css} was not shown within {WAIT:?} (at {}){flash}",
                d.current_url().await?
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn wait_url(d: &WebDriver, path_part: &str) -> Result<()> {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = d.current_url().await?;
        if url.path().contains(path_part) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let problem = visible_problem(d).await;
            bail!("still at {url} instead of …{path_part}…{problem}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// What the page says went wrong, for a failure message: the form's error summary, the
/// "unavailable" panel or the flash.
async fn visible_problem(d: &WebDriver) -> String {
    let found = d
        .execute(
            "return [...document.querySelectorAll('[data-form-alert], [data-panel=unavailable], [data-flash]')]
               .filter((e) => !e.hidden && !e.closest('[hidden]'))
               .map((e) => e.innerText.trim()).filter(Boolean).join(' | ');",
            vec![],
        )
        .await
        .ok()
        .map(|r| r.json().clone());
    match found {
        Some(Value::String(s)) if !s.is_empty() => format!("; the page says: {s}"),
        _ => String::new(),
    }
}

/// The whole page, as the reader would scroll through it.
async fn shot(d: &WebDriver, name: &str) -> Result<()> {
    full_page_screenshot(d, &screenshot_dir().join(name))
        .await
        .with_context(|| format!("screenshot {name}"))
}
