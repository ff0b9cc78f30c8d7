//! The Blobs conformance suite on S3 (moto), and the direct paths a browser takes on
//! AWS: a presigned PUT bound to the size and the uploader, registered only after
//! HeadObject confirms both; a presigned GET that downloads under the original name;
//! and the HTTP layer answering downloads with a redirect to it.
#![cfg(all(feature = "aws", feature = "local"))]

mod blob_conformance;
mod moto;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use madoguchi::adapters::aws::s3::S3Blobs;
use madoguchi::adapters::embedded::SqliteStore;
use madoguchi::app::mail::MailComposer;
use madoguchi::app::{AppError, Deps, PortalConfig, uploads};
use madoguchi::domain::access::{Actor, Role};
use madoguchi::ports::FixedClock;
use madoguchi::ports::blobs::{BlobKey, Blobs, UploadPromise};

async fn s3_client() -> aws_sdk_s3::Client {
    let config = moto::moto().sdk_config().await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

/// A fresh bucket on the emulator.
async fn bucket(s3: &aws_sdk_s3::Client) -> String {
    let bucket = moto::unique("blobs");
    s3.create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::ApNortheast1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    bucket
}

async fn s3_blobs() -> (Arc<dyn Blobs>, ()) {
    let s3 = s3_client().await;
    let bucket = bucket(&s3).await;
    (Arc::new(S3Blobs::new(s3, bucket, "attachments/")), ())
}

blob_conformance_tests!(s3_blobs);

#[tokio::test]
async fn a_refused_upload_leaves_no_object_and_no_unfinished_multipart_upload() {
    let s3 = s3_client().await;
    let bucket = bucket(&s3).await;
    let blobs = S3Blobs::new(s3.clone(), &bucket, "attachments/");
    let meter = Arc::new(blob_conformance::Meter::default());
    let r = blobs
        .put(
            &blob_conformance::key("2026/11/big"),
            blob_conformance::generated(30 * blob_conformance::MB, meter),
            20 * blob_conformance::MB,
        )
        .await;
    assert!(r.is_err());
    // The abort runs on a spawned task when the upload's guard drops.
    let mut open = usize::MAX;
    for _ in 0..50 {
        let uploads = s3
            .list_multipart_uploads()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        open = uploads.uploads().len();
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(open, 0, "unfinished multipart uploads left");
    let objects = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(objects.key_count(), Some(0));
}

/// The use cases over SQLite and S3, with one user of each of two companies.
struct World {
    deps: Deps,
    s3: aws_sdk_s3::Client,
    bucket: String,
    _dir: tempfile::TempDir,
}

fn customer(id: &str) -> Actor {
    Actor::new(id, Role::Customer, Some("acme".into()))
}

async fn world() -> World {
    let s3 = s3_client().await;
    let bucket = bucket(&s3).await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
    let config = PortalConfig::example("https://support.example.jp");
    let mail = MailComposer::new(config.name_in("ja"), &config.sender).unwrap();
    let deps = Deps {
        store: Arc::new(store),
        blobs: Arc::new(S3Blobs::new(s3.clone(), &bucket, "attachments/")),
        clock: Arc::new(FixedClock::new("2026-11-23T01:00:00Z".parse().unwrap())),
        config: Arc::new(config),
        mail: Arc::new(mail),
    };
    World {
        deps,
        s3,
        bucket,
        _dir: dir,
    }
}

/// Does what a browser does with the presigned request: the method, the URL, the
/// headers as given, the body (reqwest sets Content-Length from it, like a browser).
async fn send(request: &madoguchi::ports::blobs::DirectUpload, body: Vec<u8>) -> u16 {
    let client = reqwest::Client::new();
    let mut req = client.request(request.method.parse().unwrap(), &request.url);
    for (k, v) in &request.headers {
        req = req.header(k, v);
    }
    req.body(body).send().await.unwrap().status().as_u16()
}

fn query(url: &str) -> HashMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn a_presigned_put_then_complete_registers_the_upload_with_its_sniffed_type() {
    let w = world().await;
    let taro = customer("taro");
    let pdf = b"%PDF-1.7\n...".to_vec();
    let offer = uploads::presign(&w.deps, &taro, "見積書.pdf", pdf.len() as u64)
        .await
        .unwrap();
    assert_eq!(offer.request.method, "PUT");
    let q = query(&offer.request.url);
    assert_eq!(q["X-Amz-Expires"], "600");
    let signed = &q["X-Amz-SignedHeaders"];
    for h in ["content-length", "x-amz-meta-owner", "x-amz-meta-size"] {
        assert!(
            signed.split(';').any(|s| s == h),
            "{h} not signed: {signed}"
        );
    }
    // What the browser must send beside the body is what the bucket's CORS rule allows
    // (infra/template.yaml).
    for (name, _) in &offer.request.headers {
        assert!(
            [
                "x-amz-meta-owner",
                "x-amz-meta-name",
                "x-amz-meta-size",
                "x-amz-tagging"
            ]
            .contains(&name.as_str()),
            "{name} is not allowed by the bucket's CORS rule"
        );
    }
    assert_eq!(offer.request.headers.len(), 4);
    assert!(
        offer
            .request
            .url
            .contains(&format!("/attachments/direct/taro/{}", offer.id)),
        "{}",
        offer.request.url
    );
    assert_eq!(send(&offer.request, pdf.clone()).await, 200);
    let object = format!("attachments/direct/taro/{}", offer.id);
    assert_eq!(
        tags(&w, &object).await,
        [("madoguchi-pending".to_owned(), "1".to_owned())],
        "abandoned until completed"
    );

    let upload = uploads::complete(&w.deps, &taro, &offer.id).await.unwrap();
    assert!(tags(&w, &object).await.is_empty(), "kept once completed");
    assert_eq!(upload.name, "見積書.pdf");
    assert_eq!(upload.size, pdf.len() as u64);
    assert_eq!(upload.content_type, "application/pdf");
    assert_eq!(upload.owner_id, "taro");
    assert_eq!(
        w.deps.store.uploads_of("taro").await.unwrap(),
        vec![upload.clone()]
    );
    // Completing again (a retried request) gives the same upload.
    assert_eq!(
        uploads::complete(&w.deps, &taro, &offer.id).await.unwrap(),
        upload
    );
}

async fn tags(w: &World, key: &str) -> Vec<(String, String)> {
    w.s3.get_object_tagging()
        .bucket(&w.bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_size_other_than_the_promised_one_is_refused_and_removed() {
    let w = world().await;
    let taro = customer("taro");
    let offer = uploads::presign(&w.deps, &taro, "a.txt", 10).await.unwrap();
    // moto checks no signatures: this stands for a client that got round the signed
    // Content-Length (S3 itself refuses the request).
    assert_eq!(
        send(&offer.request, b"much more than ten bytes".to_vec()).await,
        200
    );
    let r = uploads::complete(&w.deps, &taro, &offer.id).await;
    assert!(matches!(r, Err(AppError::Invalid(_))), "{r:?}");
    let objects =
        w.s3.list_objects_v2()
            .bucket(&w.bucket)
            .send()
            .await
            .unwrap();
    assert_eq!(objects.key_count(), Some(0), "the bytes are removed");
    assert!(w.deps.store.uploads_of("taro").await.unwrap().is_empty());
}

#[tokio::test]
async fn another_users_upload_cannot_be_completed_or_smuggled_under_ones_own_prefix() {
    let w = world().await;
    let (taro, hanako) = (customer("taro"), customer("hanako"));
    let offer = uploads::presign(&w.deps, &taro, "a.txt", 5).await.unwrap();
    assert_eq!(send(&offer.request, b"hello".to_vec()).await, 200);
    // Hanako names Taro's id: under her prefix there is nothing.
    assert!(matches!(
        uploads::complete(&w.deps, &hanako, &offer.id).await,
        Err(AppError::NotFound)
    ));
    // An object under Hanako's prefix signed for Taro (copied there) is not hers.
    let promise = UploadPromise {
        owner_id: "taro".into(),
        name: "x.txt".into(),
        size: 5,
    };
    let id = "0123456789abcdef0123456789abcdef";
    let key = BlobKey::parse(&format!("direct/hanako/{id}")).unwrap();
    let request = w
        .deps
        .blobs
        .presign_upload(&key, &promise, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(send(&request, b"hello".to_vec()).await, 200);
    assert!(matches!(
        uploads::complete(&w.deps, &hanako, id).await,
        Err(AppError::NotFound)
    ));
    // Nothing arrived: nothing to complete; an id that is no id: not found either.
    let unsent = uploads::presign(&w.deps, &taro, "b.txt", 5).await.unwrap();
    assert!(matches!(
        uploads::complete(&w.deps, &taro, &unsent.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        uploads::complete(&w.deps, &taro, "../../etc").await,
        Err(AppError::NotFound)
    ));
    // Taro's own completes.
    assert!(uploads::complete(&w.deps, &taro, &offer.id).await.is_ok());
}

#[tokio::test]
async fn an_offer_over_the_limit_or_empty_is_refused_before_signing() {
    let w = world().await;
    let max = w.deps.config.limits.max_attachment_bytes;
    assert!(matches!(
        uploads::presign(&w.deps, &customer("taro"), "big.iso", max + 1).await,
        Err(AppError::TooLarge { .. })
    ));
    assert!(matches!(
        uploads::presign(&w.deps, &customer("taro"), "empty.txt", 0).await,
        Err(AppError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_presigned_get_downloads_under_the_original_name_for_five_minutes() {
    let w = world().await;
    let key = BlobKey::parse("2026/11/abc").unwrap();
    w.deps
        .blobs
        .put(&key, uploads::stream_of("ログ本文"), 1024)
        .await
        .unwrap();
    let url = w
        .deps
        .blobs
        .presign_download(
            &key,
            "エラーログ 11月.txt",
            "text/plain; charset=utf-8",
            uploads::DOWNLOAD_LINK_FOR,
        )
        .await
        .unwrap()
        .expect("S3 presigns");
    let q = query(&url);
    assert_eq!(q["X-Amz-Expires"], "300");
    assert_eq!(
        q["response-content-disposition"],
        "attachment; filename=\"_____ 11_.txt\"; filename*=UTF-8''%E3%82%A8%E3%83%A9%E3%83%BC%E3%83%AD%E3%82%B0%2011%E6%9C%88.txt"
    );
    assert_eq!(q["response-content-type"], "text/plain; charset=utf-8");
    // The link works (moto honours the overrides).
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-disposition"].to_str().unwrap(),
        q["response-content-disposition"]
    );
    assert_eq!(res.text().await.unwrap(), "ログ本文");
}

/// A request to the router with the session's cookies and CSRF token.
fn request(
    method: &str,
    path: &str,
    cookies: &[(String, String)],
    body: Option<serde_json::Value>,
) -> axum::http::Request<axum::body::Body> {
    let mut b = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if !cookies.is_empty() {
        let jar: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        b = b.header("cookie", jar.join("; "));
    }
    if let Some((_, csrf)) = cookies.iter().find(|(k, _)| k == "mg_csrf") {
        b = b.header("x-csrf-token", csrf);
    }
    b.body(match body {
        Some(json) => axum::body::Body::from(json.to_string()),
        None => axum::body::Body::empty(),
    })
    .unwrap()
}

async fn call(
    router: &axum::Router,
    req: axum::http::Request<axum::body::Body>,
) -> (u16, axum::http::HeaderMap, serde_json::Value) {
    use tower::ServiceExt;
    let res = router.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (parts.status.as_u16(), parts.headers, json)
}

#[tokio::test]
async fn the_api_offers_direct_uploads_and_redirects_downloads_to_a_presigned_get() {
    use madoguchi::ports::store::{CompanyRecord, UserRecord};
    use serde_json::json;
    let w = world().await;
    let t0 = w.deps.clock.now();
    w.deps
        .store
        .create_company(CompanyRecord {
            uses_groups: false,
            id: "acme".into(),
            name: "アクメ株式会社".into(),
            created_at: t0,
        })
        .await
        .unwrap();
    let password = "窓口テスト用の長いパスワード";
    w.deps
        .store
        .create_user(UserRecord {
            customer_role: Some(madoguchi::domain::access::CustomerRole::UserAdmin),
            projects: Vec::new(),
            id: "taro".into(),
            email: "taro@acme.example.jp".into(),
            name: "山田 太郎".into(),
            role: Role::Customer,
            company_id: Some("acme".into()),
            lang: "ja".into(),
            time_zone: "Asia/Tokyo".into(),
            page_size: 25,
            refresh_secs: 0,
            mails_off: Vec::new(),
            mails_on: Vec::new(),
            password_hash: Some(madoguchi::app::auth::hash_password(password).unwrap()),
            disabled: false,
            mail_to: None,
            pending: false,
            created_at: t0,
            version: 1,
        })
        .await
        .unwrap();
    let keys =
        madoguchi::app::auth::parse_signing_keys("k1:0123456789abcdef0123456789abcdef").unwrap();
    let router = madoguchi::http::api_app(
        madoguchi::http::ApiState::new(w.deps.clone(), keys, "https://support.example.jp"),
        madoguchi::http::MemberPages::None,
    );
    let (status, headers, _) = call(
        &router,
        request(
            "POST",
            "/api/v1/auth/login",
            &[],
            Some(json!({ "email": "taro@acme.example.jp", "password": password })),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let cookies: Vec<(String, String)> = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| {
            let pair = v.to_str().ok()?.split(';').next()?;
            let (k, v) = pair.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect();

    let bytes = b"2026-11-23 01:00:00 ERROR 535 5.7.8".to_vec();
    let (status, _, offer) = call(
        &router,
        request(
            "POST",
            "/api/v1/uploads/presign",
            &cookies,
            Some(json!({ "name": "mail.log", "size": bytes.len() })),
        ),
    )
    .await;
    assert_eq!(status, 200, "{offer}");
    assert_eq!(offer["method"], "PUT");
    assert_eq!(offer["expires_in_secs"], 600);
    let direct = madoguchi::ports::blobs::DirectUpload {
        method: offer["method"].as_str().unwrap().to_owned(),
        url: offer["url"].as_str().unwrap().to_owned(),
        headers: offer["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect(),
    };
    assert_eq!(send(&direct, bytes.clone()).await, 200);
    let id = offer["id"].as_str().unwrap();
    let (status, _, upload) = call(
        &router,
        request(
            "POST",
            &format!("/api/v1/uploads/{id}/complete"),
            &cookies,
            None,
        ),
    )
    .await;
    assert_eq!(status, 201, "{upload}");
    assert_eq!(upload["name"], "mail.log");
    assert_eq!(upload["size"], bytes.len());

    let ticket = madoguchi::app::tickets::open_ticket(
        &w.deps,
        &customer("taro"),
        madoguchi::app::tickets::OpenTicket {
            subject: "ログ".into(),
            body: "メールが送信できません。".into(),
            product: Some("mail-gateway".into()),
            ticket_type: Some("trouble".into()),
            fields: std::collections::BTreeMap::from([
                ("contract_number".to_owned(), "NL-2026-012345".to_owned()),
                ("serial_number".to_owned(), "unknown".to_owned()),
            ]),
            attachments: vec![id.to_owned()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (status, headers, _) = call(
        &router,
        request(
            "GET",
            &format!("/api/v1/tickets/{}/attachments/{id}", ticket.number),
            &cookies,
            None,
        ),
    )
    .await;
    assert_eq!(status, 303);
    let location = headers["location"].to_str().unwrap();
    assert!(location.starts_with(&moto::moto().endpoint), "{location}");
    let q = query(location);
    assert_eq!(
        q["response-content-disposition"],
        "attachment; filename=\"mail.log\"; filename*=UTF-8''mail.log"
    );
    let res = reqwest::get(location).await.unwrap();
    assert_eq!(res.bytes().await.unwrap().to_vec(), bytes);
}
