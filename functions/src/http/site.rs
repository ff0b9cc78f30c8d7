//! The built static site: files from `dist/site`, `index.html` for folders, and the
//! site's own 404 page (in English below `/en/`) with a real 404 status.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

pub fn router(site_dir: &Path) -> Router {
    let dir = site_dir.to_path_buf();
    let not_found = move |uri: Uri| {
        let dir = dir.clone();
        async move { not_found_page(&dir, uri.path()).await }
    };
    let ticket_page = |lang_prefix: &'static str, dir: PathBuf| {
        axum::routing::get(move || {
            let file = dir.join(lang_prefix).join("portal/ticket/index.html");
            async move { page(&file).await }
        })
    };
    Router::new()
        .route(
            "/portal/tickets/{number}",
            ticket_page("", site_dir.to_path_buf()),
        )
        .route(
            "/en/portal/tickets/{number}",
            ticket_page("en", site_dir.to_path_buf()),
        )
        .fallback_service(
            ServeDir::new(site_dir)
                .append_index_html_on_directories(true)
                .fallback(axum::routing::any(not_found)),
        )
}

/// The portal's ticket page, the same built page for every ticket number.
async fn page(file: &Path) -> Response {
    match tokio::fs::read(file).await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            Body::from(html),
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn not_found_page(dir: &Path, path: &str) -> Response {
    let candidates: Vec<PathBuf> = if path.starts_with("/en/") || path == "/en" {
        vec![dir.join("en/404.html"), dir.join("404.html")]
    } else {
        vec![dir.join("404.html")]
    };
    for file in candidates {
        if let Ok(html) = tokio::fs::read(&file).await {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                Body::from(html),
            )
                .into_response();
        }
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}
