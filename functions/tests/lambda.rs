//! The Lambda handlers fed synthetic events, on the embedded store (no DynamoDB
//! needed): stream batches of outbox records, scheduled runs at the same moment, and
//! API Gateway v2 requests through the same Router the API function runs.
#![cfg(all(feature = "lambda", feature = "local"))]

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use madoguchi::adapters::embedded::{BlobDir, SqliteStore};
use madoguchi::app::auth::{hash_password, parse_signing_keys};
use madoguchi::app::mail::MailComposer;
use madoguchi::app::tickets::{self, OpenTicket, Reply};
use madoguchi::app::{Deps, PortalConfig, uploads};
use madoguchi::domain::access::{Actor, Role};
use madoguchi::domain::ticket::State;
use madoguchi::http::MemberPages;
use madoguchi::lambda;
use madoguchi::ports::blobs::{Blob, BlobError, BlobKey, Blobs, ByteStream};
use madoguchi::ports::store::*;
use madoguchi::ports::{Clock, FixedClock, Mailer, SendError};
use serde_json::{Value, json};
use tower::ServiceExt;

const PASSWORD: &str = "窓口テスト用の長いパスワード";
const BASE_URL: &str = "https://support.example.jp";

fn t0() -> Timestamp {
    "2026-11-23T01:00:00Z".parse().unwrap()
}

struct World {
    deps: Deps,
    clock: Arc<FixedClock>,
    dir: tempfile::TempDir,
}

fn customer(id: &str, company: &str) -> Actor {
    Actor::new(id, Role::Customer, Some(company.into()))
}

fn agent() -> Actor {
    Actor::new("agent", Role::Agent, None)
}

/// The attachments folder, which also hands out links, as S3 does: the API must
/// redirect to them after its own check.
struct Linking(BlobDir);

#[async_trait]
impl Blobs for Linking {
    async fn put(&self, key: &BlobKey, body: ByteStream, max: u64) -> Result<u64, BlobError> {
        self.0.put(key, body, max).await
    }
    async fn get(&self, key: &BlobKey) -> Result<Option<Blob>, BlobError> {
        self.0.get(key).await
    }
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        self.0.delete(key).await
    }
    async fn presign_download(
        &self,
        key: &BlobKey,
        _name: &str,
        _content_type: &str,
        ttl: Duration,
    ) -> Result<Option<String>, BlobError> {
        Ok(Some(format!(
            "https://blobs.example/{key}?expires={}",
            ttl.as_secs()
        )))
    }
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite")).unwrap());
    let blobs = Linking(BlobDir::open(&dir.path().join("attachments")).unwrap());
    let clock = Arc::new(FixedClock::new(t0()));
    let config = PortalConfig::example(BASE_URL);
    let mail = MailComposer::new(config.name_in("ja"), &config.sender).unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    for (id, name) in [("acme", "アクメ株式会社"), ("globex", "Globex Corp.")] {
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
    for (id, email, role, company) in [
        ("taro", "taro@acme.example.jp", Role::Customer, Some("acme")),
        (
            "jiro",
            "jiro@globex.example.com",
            Role::Customer,
            Some("globex"),
        ),
        ("agent", "ichiro@netlink.example.jp", Role::Agent, None),
    ] {
        store
            .create_user(UserRecord {
                customer_role: (role == Role::Customer)
                    .then_some(madoguchi::domain::access::CustomerRole::UserAdmin),
                projects: Vec::new(),
                id: id.into(),
                email: email.into(),
                name: id.into(),
                role,
                company_id: company.map(str::to_owned),
                lang: "ja".into(),
                time_zone: "Asia/Tokyo".into(),
                page_size: 25,
                refresh_secs: 0,
                mails_off: Vec::new(),
                mails_on: Vec::new(),
                password_hash: Some(hash.clone()),
                disabled: false,
                mail_to: None,
                pending: false,
                created_at: t0(),
                version: 1,
            })
            .await
            .unwrap();
    }
    let deps = Deps {
        store,
        blobs: Arc::new(blobs),
        clock: clock.clone(),
        config: Arc::new(config),
        mail: Arc::new(mail),
    };
    World { deps, clock, dir }
}

fn form(subject: &str, attachments: Vec<String>) -> OpenTicket {
    OpenTicket {
        subject: subject.into(),
        body: "メールが送信できません。".into(),
        product: Some("mail-gateway".into()),
        ticket_type: Some("trouble".into()),
        fields: BTreeMap::from([
            ("contract_number".to_owned(), "NL-2026-012345".to_owned()),
            ("serial_number".to_owned(), "unknown".to_owned()),
        ]),
        attachments,
        ..Default::default()
    }
}

/// A mailer that records what it sent and fails, once, temporarily for chosen ids.
#[derive(Default)]
struct Recorder {
    fail_once: Mutex<HashSet<String>>,
    sent: Mutex<Vec<String>>,
}

#[async_trait]
impl Mailer for Recorder {
    async fn send(&self, id: &str, _: &[String], _: &[u8]) -> Result<(), SendError> {
        if self.fail_once.lock().unwrap().remove(id) {
            return Err(SendError::Temporary("454 throttled".into()));
        }
        self.sent.lock().unwrap().push(id.to_owned());
        Ok(())
    }
}

impl Recorder {
    fn sent(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }
}

/// A stream record from the fixture: `event_name` of an item whose `PK` is `pk`.
fn record(seq: u32, event_name: &str, pk: &str, mail_id: Option<&str>) -> Value {
    let mut r: Value = serde_json::from_str(include_str!("lambda/dynamodb_insert.json")).unwrap();
    r["eventName"] = json!(event_name);
    r["dynamodb"]["SequenceNumber"] = json!(format!("1000000000000000000{seq:02}"));
    r["dynamodb"]["Keys"]["PK"]["S"] = json!(pk);
    r["dynamodb"]["NewImage"]["PK"]["S"] = json!(pk);
    match mail_id {
        Some(id) => r["dynamodb"]["NewImage"]["mail_id"]["S"] = json!(id),
        None => {
            r["dynamodb"]["NewImage"]
                .as_object_mut()
                .unwrap()
                .remove("mail_id");
        }
    }
    r
}

fn mail_record(seq: u32, id: &str) -> Value {
    record(seq, "INSERT", &format!("MAIL#{id}"), Some(id))
}

fn batch(records: Vec<Value>) -> DynamoDbEvent {
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn failed(r: &aws_lambda_events::event::streams::DynamoDbEventResponse) -> Vec<String> {
    r.batch_item_failures
        .iter()
        .filter_map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test]
async fn a_stream_batch_sends_each_mail_once_and_reports_only_the_record_that_failed() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &customer("taro", "acme"), form("件名", vec![]))
        .await
        .unwrap();
    let due = w.deps.store.due_mails(w.clock.now(), 10).await.unwrap();
    assert_eq!(due.len(), 2, "the thank-you and the team's mail");
    let (a, b) = (due[0].id.clone(), due[1].id.clone());
    let mailer = Recorder::default();
    mailer.fail_once.lock().unwrap().insert(b.clone());

    let event = batch(vec![
        mail_record(1, &a),
        mail_record(2, &b),
        // The same record again (a stream delivers at least once).
        mail_record(3, &a),
        // Not for the sender: a ticket item, a change to a mail, a mail without an id.
        record(4, "INSERT", &format!("TICKET#{}", t.number), None),
        record(5, "MODIFY", &format!("MAIL#{a}"), Some(&a)),
        record(6, "INSERT", "MAIL#x", None),
    ]);
    let response = lambda::deliver_stream(&w.deps, &mailer, event.clone()).await;
    assert_eq!(failed(&response), vec!["100000000000000000002"]);
    assert_eq!(mailer.sent(), vec![a.clone()], "a once, b failed");

    // Lambda retries the batch from the failed record: b waits for its backoff, the
    // record succeeds, and nothing is sent twice.
    let retry = lambda::deliver_stream(&w.deps, &mailer, event).await;
    assert!(failed(&retry).is_empty(), "{:?}", failed(&retry));
    assert_eq!(mailer.sent(), vec![a.clone()]);

    // The schedule sends b once its pause is over.
    w.clock.advance(SignedDuration::from_mins(2));
    let run = lambda::scheduled(&w.deps, &mailer).await.unwrap();
    assert_eq!(run.outbox.sent, 1);
    assert_eq!(mailer.sent(), vec![a, b]);
}

#[tokio::test]
async fn the_schedule_leaves_new_mails_to_the_stream_until_their_record_must_have_been_lost() {
    let w = world().await;
    tickets::open_ticket(&w.deps, &customer("taro", "acme"), form("件名", vec![]))
        .await
        .unwrap();
    let mailer = Recorder::default();
    assert_eq!(
        lambda::scheduled(&w.deps, &mailer)
            .await
            .unwrap()
            .outbox
            .sent,
        0
    );
    w.clock.advance(lambda::STREAM_GRACE);
    assert_eq!(
        lambda::scheduled(&w.deps, &mailer)
            .await
            .unwrap()
            .outbox
            .sent,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_scheduled_runs_at_once_change_a_due_ticket_once() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &customer("taro", "acme"), form("件名", vec![]))
        .await
        .unwrap();
    let ask = Reply {
        body: "ログをお送りください。".into(),
        next_state: Some(State::WaitingCustomer),
        ..Default::default()
    };
    tickets::reply(&w.deps, &agent(), &t.number, ask)
        .await
        .unwrap();
    // The mails so far are sent; what the runs queue is what is left.
    madoguchi::app::outbox::deliver_due(&w.deps, &Recorder::default())
        .await
        .unwrap();
    w.clock.set(
        t0().checked_add(SignedDuration::from_hours(24 * 14))
            .unwrap(),
    );

    let mailer = Arc::new(Recorder::default());
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (deps, mailer) = (w.deps.clone(), mailer.clone());
            tokio::spawn(async move { lambda::scheduled(&deps, mailer.as_ref()).await })
        })
        .collect();
    let mut transitioned = 0;
    for run in runs {
        transitioned += run.await.unwrap().unwrap().sweep.transitioned;
    }
    assert_eq!(transitioned, 1);
    let ticket = w.deps.store.get_ticket(&t.number).await.unwrap().unwrap();
    assert_eq!(ticket.state, State::PendingClose);
    let changes = w
        .deps
        .store
        .history(&t.number)
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.to.as_deref() == Some("pending_close"))
        .count();
    assert_eq!(changes, 1);
    let queued = w.deps.store.due_mails(w.clock.now(), 100).await.unwrap();
    assert_eq!(queued.len(), 1, "one state-change mail: {queued:?}");
}

/// An API Gateway v2 request from the fixture.
fn apigw(
    method: &str,
    path: &str,
    body: Option<Value>,
    cookies: &[String],
) -> lambda_http::Request {
    let mut v: Value = serde_json::from_str(include_str!("lambda/apigw_v2_request.json")).unwrap();
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    v["rawQueryString"] = json!(query);
    v["rawPath"] = json!(path);
    v["requestContext"]["http"]["path"] = json!(path);
    v["requestContext"]["http"]["method"] = json!(method);
    if let Some(body) = body {
        v["body"] = json!(body.to_string());
    }
    if !cookies.is_empty() {
        v["cookies"] = json!(cookies);
    }
    lambda_http::request::from_str(&v.to_string()).unwrap()
}

async fn call(router: &Router, req: lambda_http::Request) -> (StatusCode, HeaderMap, Value) {
    let res = router.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

fn router(w: &World, members: MemberPages) -> Router {
    let keys = parse_signing_keys("k1:0123456789abcdef0123456789abcdef").unwrap();
    lambda::api_router(w.deps.clone(), keys, BASE_URL, members)
}

/// Logs in through the router; the cookies as API Gateway passes them back.
async fn login(router: &Router, email: &str) -> Vec<String> {
    let (status, headers, me) = call(
        router,
        apigw(
            "POST",
            "/api/v1/auth/login",
            Some(json!({ "email": email, "password": PASSWORD })),
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let set: Vec<&str> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        set.iter().all(|c| c.contains("Secure")),
        "cookies are Secure on https: {set:?}"
    );
    set.iter()
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_api_function_answers_me_with_401_then_200_after_a_login() {
    let w = world().await;
    let router = router(&w, MemberPages::None);
    let (status, headers, problem) = call(&router, apigw("GET", "/api/v1/me", None, &[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(problem["status"], 401);
    assert!(headers.contains_key("x-request-id"));
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));

    let cookies = login(&router, "taro@acme.example.jp").await;
    let (status, _, me) = call(&router, apigw("GET", "/api/v1/me", None, &cookies)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "taro@acme.example.jp");
}

#[tokio::test]
async fn login_failures_are_throttled_per_viewer_address_not_for_everyone_behind_cloudfront() {
    let w = world().await;
    let router = router(&w, MemberPages::None);
    let (status, _, _) = call(
        &router,
        apigw(
            "POST",
            "/api/v1/auth/login",
            Some(json!({ "email": "taro@acme.example.jp", "password": "wrong password!" })),
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let throttle = w.deps.store.throttle("ip:203.0.113.10").await.unwrap();
    assert!(
        throttle.is_some(),
        "the failure counts against the viewer's address from CloudFront-Viewer-Address"
    );
}

#[tokio::test]
async fn a_download_redirects_to_the_stores_link_only_for_those_who_may_see_it() {
    let w = world().await;
    let taro = customer("taro", "acme");
    let up = uploads::receive(&w.deps, &taro, "ログ.txt", uploads::stream_of("log"))
        .await
        .unwrap();
    let t = tickets::open_ticket(&w.deps, &taro, form("添付", vec![up.id.clone()]))
        .await
        .unwrap();
    let router = router(&w, MemberPages::None);
    let path = format!("/api/v1/tickets/{}/attachments/{}", t.number, up.id);

    let cookies = login(&router, "taro@acme.example.jp").await;
    let (status, headers, _) = call(&router, apigw("GET", &path, None, &cookies)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[header::LOCATION],
        format!(
            "https://blobs.example/{}?expires=300",
            up_key(&w, &t.number).await
        )
    );
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");

    let other = login(&router, "jiro@globex.example.com").await;
    let (status, headers, _) = call(&router, apigw("GET", &path, None, &other)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!headers.contains_key(header::LOCATION));
    let (status, _, _) = call(&router, apigw("GET", &path, None, &[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// On AWS an export is put in the private store and the browser sent to a short link:
/// a Lambda answer is buffered and at most 6 MB.
#[tokio::test]
async fn an_export_is_stored_and_answered_with_a_short_link() {
    let w = world().await;
    let taro = customer("taro", "acme");
    for subject in ["=1+2", "メール遅延"] {
        tickets::open_ticket(&w.deps, &taro, form(subject, vec![]))
            .await
            .unwrap();
    }
    let router = router(&w, MemberPages::None);
    let staff = login(&router, "ichiro@netlink.example.jp").await;
    for format in ["csv", "xlsx"] {
        let path = format!("/api/v1/tickets/export?format={format}");
        let (status, headers, _) = call(&router, apigw("GET", &path, None, &staff)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{format}");
        assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
        let location = headers[header::LOCATION].to_str().unwrap();
        let key = location
            .strip_prefix("https://blobs.example/")
            .and_then(|k| k.strip_suffix("?expires=300"))
            .unwrap_or_else(|| panic!("a link to the store: {location}"));
        assert!(
            key.starts_with("exports/agent/") && key.ends_with(&format!(".{format}")),
            "{key}"
        );
        let blob = w
            .deps
            .blobs
            .get(&BlobKey::parse(key).unwrap())
            .await
            .unwrap()
            .expect("the export is in the store");
        let bytes: Vec<u8> = blob
            .body
            .map(|c| c.unwrap().to_vec())
            .collect::<Vec<_>>()
            .await
            .concat();
        assert_eq!(bytes.len() as u64, blob.size);
        if format == "csv" {
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.starts_with("\u{feff}チケット番号,件名"), "{text}");
            assert!(
                text.contains(",'=1+2,") && text.contains("メール遅延"),
                "{text}"
            );
        } else {
            assert!(bytes.starts_with(b"PK"), "an Excel package");
        }
    }
    let customer = login(&router, "taro@acme.example.jp").await;
    let (status, headers, _) = call(
        &router,
        apigw("GET", "/api/v1/tickets/export", None, &customer),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!headers.contains_key(header::LOCATION));
}

async fn up_key(w: &World, number: &str) -> String {
    w.deps.store.articles(number).await.unwrap()[0].attachments[0]
        .blob_key
        .clone()
}

#[tokio::test]
async fn members_pages_come_from_the_private_store_after_the_session_check() {
    let w = world().await;
    let pages = Arc::new(BlobDir::open(&w.dir.path().join("members")).unwrap());
    for (key, text) in [
        ("index.html", "<h1>会員ページ</h1>"),
        ("manuals/setup/index.html", "<h1>設定手順</h1>"),
        ("manuals/plan/index.html", "<h1>案件計画書</h1>"),
        (
            "_documents.json",
            r#"{"version": 1, "documents": [{"path": "/manuals/plan/", "lang": "ja",
                "key": "manuals/plan", "title": "案件計画書", "section": "manuals",
                "date": null, "updated": null, "projects": ["acme-net"]}]}"#,
        ),
    ] {
        pages
            .put(
                &BlobKey::parse(key).unwrap(),
                uploads::stream_of(text),
                1024,
            )
            .await
            .unwrap();
    }
    madoguchi::app::projects::add_project(
        &w.deps,
        &madoguchi::app::projects::ProjectInput {
            id: "acme-net".into(),
            company: "acme".into(),
            name: "社内ネットワーク案件".into(),
            group_name: String::new(),
        },
    )
    .await
    .unwrap();
    let router = router(&w, MemberPages::Blobs(pages.clone()));

    let res = router
        .clone()
        .oneshot(apigw("GET", "/members/", None, &[]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        "/portal/login/?next=/members/"
    );

    let cookies = login(&router, "taro@acme.example.jp").await;
    for (path, expected) in [
        ("/members/", "会員ページ"),
        ("/members/manuals/setup/", "設定手順"),
    ] {
        let res = router
            .clone()
            .oneshot(apigw("GET", path, None, &cookies))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains(expected), "{path}");
    }
    let res = router
        .clone()
        .oneshot(apigw("GET", "/members/manuals/setup", None, &cookies))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    let res = router
        .clone()
        .oneshot(apigw("GET", "/members/../secret", None, &cookies))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The project document: taro's company's project; not globex's; the manifest never.
    let get = |path: &'static str, cookies: Vec<String>| {
        let router = router.clone();
        async move {
            router
                .oneshot(apigw("GET", path, None, &cookies))
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        get("/members/manuals/plan/", cookies.clone()).await,
        StatusCode::OK
    );
    let other = login(&router, "jiro@globex.example.com").await;
    assert_eq!(
        get("/members/manuals/plan/", other.clone()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get("/members/manuals/setup/", other).await, StatusCode::OK);
    assert_eq!(
        get("/members/_documents.json", cookies.clone()).await,
        StatusCode::NOT_FOUND
    );
    // Read once per process: gone from the store, it still guards the page.
    pages
        .delete(&BlobKey::parse("_documents.json").unwrap())
        .await
        .unwrap();
    let other = login(&router, "jiro@globex.example.com").await;
    assert_eq!(
        get("/members/manuals/plan/", other).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get("/members/manuals/plan/", cookies).await, StatusCode::OK);
}

#[tokio::test]
async fn without_a_manifest_no_members_page_is_served() {
    let w = world().await;
    let pages = BlobDir::open(&w.dir.path().join("members")).unwrap();
    pages
        .put(
            &BlobKey::parse("index.html").unwrap(),
            uploads::stream_of("<h1>会員ページ</h1>"),
            1024,
        )
        .await
        .unwrap();
    let router = router(&w, MemberPages::Blobs(Arc::new(pages)));
    let cookies = login(&router, "taro@acme.example.jp").await;
    let res = router
        .oneshot(apigw("GET", "/members/", None, &cookies))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn settings_name_the_variable_that_is_missing_or_wrong() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    };
    let full: &'static [(&str, &str)] = &[
        ("MADOGUCHI_TABLE", "madoguchi"),
        ("MADOGUCHI_BUCKET", "madoguchi-private"),
        ("MADOGUCHI_BASE_URL", "https://support.example.jp"),
        ("MADOGUCHI_JWT_KEYS", "k1:0123456789abcdef0123456789abcdef"),
    ];
    let s = lambda::Settings::from_lookup(env(full)).unwrap();
    assert_eq!((s.table.as_str(), s.keys.len()), ("madoguchi", 1));
    assert_eq!(s.ses_configuration_set, None);

    let e = lambda::Settings::from_lookup(env(&full[1..]))
        .err()
        .unwrap();
    assert!(format!("{e:#}").contains("MADOGUCHI_TABLE"), "{e:#}");
    let short: &'static [(&str, &str)] = &[
        ("MADOGUCHI_TABLE", "madoguchi"),
        ("MADOGUCHI_BUCKET", "madoguchi-private"),
        ("MADOGUCHI_BASE_URL", "https://support.example.jp"),
        ("MADOGUCHI_JWT_KEYS", "k1:short"),
    ];
    let e = lambda::Settings::from_lookup(env(short)).err().unwrap();
    assert!(format!("{e:#}").contains("MADOGUCHI_JWT_KEYS"), "{e:#}");
}
