//! The Router serving a built site, called directly (no server): files, folder indexes,
//! the site's 404 page with a real 404 status, and security headers on everything.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use madoguchi::http::{AppConfig, site_only};
use tower::ServiceExt;

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("faq/a")).unwrap();
    std::fs::create_dir_all(dir.path().join("en")).unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>ホーム</h1>").unwrap();
    std::fs::write(dir.path().join("faq/a/index.html"), "<h1>FAQ</h1>").unwrap();
    std::fs::write(
        dir.path().join("404.html"),
        "<h1>ページが見つかりません</h1>",
    )
    .unwrap();
    std::fs::write(dir.path().join("en/404.html"), "<h1>Page not found</h1>").unwrap();
    dir
}

async fn get(dir: &std::path::Path, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = site_only(AppConfig {
        site_dir: dir.to_path_buf(),
        members_dir: None,
    })
    .oneshot(Request::get(path).body(Body::empty()).unwrap())
    .await
    .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn folders_serve_their_index_html() {
    let dir = site();
    let (status, _, body) = get(dir.path(), "/faq/a/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "<h1>FAQ</h1>");
}

#[tokio::test]
async fn a_missing_page_is_a_404_with_the_sites_page_in_its_language() {
    let dir = site();
    let (status, headers, body) = get(dir.path(), "/no/such/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("ページが見つかりません"));
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let (status, _, body) = get(dir.path(), "/en/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dir = site();
    for path in ["/", "/missing"] {
        let (_, headers, _) = get(dir.path(), path).await;
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(
            headers[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin"
        );
    }
}

#[tokio::test]
async fn paths_cannot_climb_out_of_the_site() {
    let dir = site();
    let (status, _, body) = get(dir.path(), "/../../etc/passwd").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("root:"));
}
