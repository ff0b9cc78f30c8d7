//! `spawn_app()`: the real portal (`madoguchi::local::start`) on a random port over a
//! fresh data folder, with a clock the test moves, and HTTP clients that keep cookies
//! like a browser.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use madoguchi::app::auth::hash_password;
use madoguchi::app::{outbox, sweep};
use madoguchi::domain::access::Role;
use madoguchi::local::{Running, ServeOptions, start};
use madoguchi::ports::FixedClock;
use madoguchi::ports::store::{CompanyRecord, UserRecord};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PASSWORD: &str = "窓口テスト用の長いパスワード";

pub struct TestApp {
    pub running: Option<Running>,
    pub base: String,
    pub clock: Arc<FixedClock>,
    pub data: tempfile::TempDir,
}

/// The site is built once per test binary; every app serves it.
fn site() -> PathBuf {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let out = root.join("target/test-site/api");
        let mut opts = site_gen::BuildOptions::in_dir(&root);
        opts.out = out.join("site");
        opts.members_out = out.join("members");
        opts.base_url = Some("http://127.0.0.1".into());
        site_gen::build(&opts).expect("the project's site builds");
        opts.out
    })
    .clone()
}

pub fn t0() -> Timestamp {
    "2026-11-23T01:00:00Z".parse().unwrap()
}

pub async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(t0()));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut opts = ServeOptions::new(&root);
    opts.listen = "127.0.0.1:0".parse().unwrap();
    opts.site = Some(site());
    opts.data = data.path().to_path_buf();
    opts.clock = Some(clock.clone());
    // The tests run the outbox and the sweep themselves, after moving the clock.
    opts.tick = Duration::from_secs(3600);
    let running = start(opts).await.expect("the portal starts");
    let base = format!("http://{}", running.addr);
    let app = TestApp {
        running: Some(running),
        base,
        clock,
        data,
    };
    app.seed().await;
    app
}

fn user(
    id: &str,
    email: &str,
    name: &str,
    role: Role,
    company: Option<&str>,
    lang: &str,
) -> UserRecord {
    static HASH: OnceLock<String> = OnceLock::new();
    UserRecord {
        customer_role: (role == Role::Customer)
            .then_some(madoguchi::domain::access::CustomerRole::UserAdmin),
        projects: Vec::new(),
        id: id.into(),
        email: email.into(),
        name: name.into(),
        role,
        company_id: company.map(str::to_owned),
        lang: lang.into(),
        time_zone: "Asia/Tokyo".into(),
        page_size: 25,
        refresh_secs: 0,
        mails_off: Vec::new(),
        mails_on: Vec::new(),
        password_hash: Some(
            HASH.get_or_init(|| hash_password(PASSWORD).unwrap())
                .clone(),
        ),
        disabled: false,
        mail_to: None,
        pending: false,
        created_at: t0(),
        version: 1,
    }
}

impl TestApp {
    pub fn deps(&self) -> &madoguchi::app::Deps {
        &self.running.as_ref().unwrap().deps
    }

    /// Two companies with two customers each, an agent and an admin.
    async fn seed(&self) {
        let store = &self.deps().store;
        for (id, name) in [
            ("acme", "株式会社アクメ"),
            ("globex", "グローベックス株式会社"),
        ] {
            store
                .create_company(CompanyRecord {
                    uses_groups: false,
                    id: id.into(),
                    name: name.into(),
                    created_at: t0(),
                })
                .await
                .unwrap();
        }
        for u in [
            user(
                "taro",
                "taro@acme.example.jp",
                "山田 太郎",
                Role::Customer,
                Some("acme"),
                "ja",
            ),
            user(
                "hanako",
                "hanako@acme.example.jp",
                "佐藤 花子",
                Role::Customer,
                Some("acme"),
                "ja",
            ),
            user(
                "jiro",
                "jiro@globex.example.jp",
                "鈴木 次郎",
                Role::Customer,
                Some("globex"),
                "ja",
            ),
            user(
                "emma",
                "emma@globex.example.jp",
                "Emma Brown",
                Role::Customer,
                Some("globex"),
                "en",
            ),
            user(
                "agent",
                "agent@netlink.example.jp",
                "窓口 担当",
                Role::Agent,
                None,
                "ja",
            ),
            user(
                "admin",
                "admin@netlink.example.jp",
                "管理 者",
                Role::Admin,
                None,
                "ja",
            ),
        ] {
            store.create_user(u).await.unwrap();
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        self.clock.advance(by);
    }

    pub async fn deliver_mail(&self) {
        let mailer =
            madoguchi::adapters::embedded::MailDir::new(self.data.path().join("mail")).unwrap();
        outbox::deliver_due(self.deps(), &mailer).await.unwrap();
    }

    pub async fn sweep(&self) {
        sweep::sweep(self.deps()).await.unwrap();
    }

    /// Every mail delivered so far: (recipients in To and Cc, subject, text body).
    pub async fn mails(&self) -> Vec<Mail> {
        self.deliver_mail().await;
        let mut out = Vec::new();
        let dir = self.data.path().join("mail");
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let raw = std::fs::read(e.path()).unwrap();
            let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let addrs = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
                a.map(|a| {
                    a.iter()
                        .filter_map(|x| x.address().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
            };
            let mut to = addrs(m.to());
            to.extend(addrs(m.cc()));
            out.push(Mail {
                to,
                subject: m.subject().unwrap_or_default().to_owned(),
                body: m.body_text(0).unwrap_or_default().into_owned(),
                raw: String::from_utf8_lossy(&raw).into_owned(),
            });
        }
        out
    }

    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            csrf: None,
            lang: "ja",
        }
    }

    /// A client logged in as `email`.
    pub async fn login(&self, email: &str) -> Client {
        self.login_with(email, PASSWORD).await
    }

    /// A client logged in as `email` with `password`.
    pub async fn login_with(&self, email: &str, password: &str) -> Client {
        let mut c = self.client();
        let (status, body) = c
            .post(
                "/api/v1/auth/login",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {email}: {body}");
        c
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            // Stop the server in the background; the runtime ends with the test anyway.
            tokio::spawn(async move {
                let _ = r.stop().await;
            });
        }
    }
}

#[derive(Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    pub raw: String,
}

/// A browser-like client: keeps cookies, echoes the CSRF cookie in `X-CSRF-Token`.
/// A GET as a browser sends it (the session's cookies, no JSON handling): status,
/// headers and the bytes of the body.
pub async fn fetch(c: &Client, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = c
        .http
        .get(format!("{}{path}", c.base))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    /// Overrides the CSRF header (None: the `mg_csrf` cookie's value).
    pub csrf: Option<String>,
    pub lang: &'static str,
}

impl Client {
    /// Sends like the portal's script: on `token_expired` it refreshes once and repeats.
    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let again = req.try_clone();
        let (status, value) = self.send_once(req).await;
        if status == StatusCode::UNAUTHORIZED
            && value["code"] == "token_expired"
            && let Some(again) = again
        {
            let refresh =
                self.with_csrf(self.http.post(format!("{}/api/v1/auth/refresh", self.base)));
            let (s, _) = self.send_once(refresh).await;
            if s == StatusCode::OK {
                return self.send_once(again).await;
            }
        }
        (status, value)
    }

    async fn send_once(&mut self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req
            .header("accept-language", self.lang)
            .send()
            .await
            .unwrap();
        let status = res.status();
        if let Some(c) = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("mg_csrf="))
        {
            let v = c["mg_csrf=".len()..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_owned();
            self.csrf = Some(v);
        }
        let text = res.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    fn with_csrf(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.csrf {
            Some(c) => req.header("x-csrf-token", c),
            None => req,
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, Value) {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> (StatusCode, Value) {
        let req = self.with_csrf(self.http.post(format!("{}{path}", self.base)).json(&body));
        self.send(req).await
    }

    pub async fn patch(&mut self, path: &str, body: Value) -> (StatusCode, Value) {
        let req = self.with_csrf(self.http.patch(format!("{}{path}", self.base)).json(&body));
        self.send(req).await
    }

    pub async fn delete(&mut self, path: &str) -> (StatusCode, Value) {
        let req = self.with_csrf(self.http.delete(format!("{}{path}", self.base)));
        self.send(req).await
    }

    pub async fn put(&mut self, path: &str, body: Value) -> (StatusCode, Value) {
        let req = self.with_csrf(self.http.put(format!("{}{path}", self.base)).json(&body));
        self.send(req).await
    }

    /// Opens a ticket and returns its number.
    pub async fn open(&mut self, subject: &str, body: &str) -> String {
        let (status, t) = self
            .post(
                "/api/v1/tickets",
                json!({"subject": subject, "body": body, "product": "other", "ticket_type": "question"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        t["ticket"]["number"].as_str().unwrap().to_owned()
    }
}
