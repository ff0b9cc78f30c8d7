//! The customer-only pages (`dist/members`), served to logged-in users only: from a
//! folder locally, from a private S3 prefix on AWS.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::http::ApiState;
use crate::http::session::Session;
use crate::ports::{BlobKey, Blobs};

/// Where the customer-only pages come from.
#[derive(Clone)]
pub enum MemberPages {
    /// None were built: every page is a 404 (after the login check).
    None,
    /// A folder (`dist/members`), in the local mode.
    Dir(PathBuf),
    /// A private store, on AWS the `members/` prefix of the private bucket, read by the
    /// API Lambda after the same session check as locally.
    ///
    /// Why not CloudFront signed cookies: they would need a CloudFront key pair whose
    /// private key the API holds, cookies scoped to the distribution's domain that
    /// outlive a logout or a disabled account until they expire, and a second notion
    /// of "logged in" beside the session. Through the API the check is the portal's own
    /// (revocation applies at once) and the code is the same as locally; the cost, a
    /// Lambda invocation per page, is small for a few pages read by logged-in
    /// customers, and the pages are `private, no-store`, so there is nothing to cache.
    Blobs(Arc<dyn Blobs>),
}

#[derive(Clone)]
struct Members {
    pages: MemberPages,
    api: ApiState,
}

pub fn router(pages: MemberPages, api: ApiState) -> Router {
    let members = Members { pages, api };
    Router::new()
        .route("/members", get(member_page))
        .route("/members/", get(member_page))
        .route("/members/{*path}", get(member_page))
        .with_state(members)
}

/// Where a visitor who is not logged in goes: the login page in the page's language,
/// coming back here afterwards.
fn login_redirect(path: &str) -> Response {
    let login = if path.starts_with("/members/en/") || path == "/members/en" {
        "/en/portal/login/"
    } else {
        "/portal/login/"
    };
    let next: String = path
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect();
    Redirect::to(&format!("{login}?next={next}")).into_response()
}

async fn member_page(State(m): State<Members>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if Session::of_headers(&m.api, req.headers()).is_err() {
        return login_redirect(&path);
    }
    let below = path.strip_prefix("/members").unwrap_or("/");
    let below = if below.is_empty() { "/" } else { below };
    let mut res = match &m.pages {
        MemberPages::None => StatusCode::NOT_FOUND.into_response(),
        MemberPages::Dir(dir) => from_dir(dir.clone(), below, req).await,
        MemberPages::Blobs(blobs) => from_blobs(blobs.as_ref(), &path, below).await,
    };
    // Personal pages: never kept by shared caches.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    res
}

/// A page from the folder; `below` is the path under `/members`.
async fn from_dir(dir: PathBuf, below: &str, req: Request) -> Response {
    // ServeDir sees the path below /members.
    let (mut parts, body) = req.into_parts();
    parts.uri = match below.parse() {
        Ok(u) => u,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let req = Request::from_parts(parts, body);
    match ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .oneshot(req)
        .await
    {
        Ok(res) => res.map(Body::new),
        Err(e) => match e {},
    }
}

/// A page from the store, as ServeDir would serve it from a folder: `index.html` for
/// a folder, a redirect to add the slash a folder's URL lacks.
async fn from_blobs(blobs: &dyn Blobs, path: &str, below: &str) -> Response {
    let rel = below.trim_start_matches('/');
    let key = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_owned()
    };
    let Some(key) = BlobKey::parse(&key) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match blobs.get(&key).await {
        Ok(Some(blob)) => {
            let length = blob.size.to_string();
            (
                [
                    (header::CONTENT_TYPE, content_type(key.as_str())),
                    (header::CONTENT_LENGTH, length.as_str()),
                ],
                Body::from_stream(blob.body),
            )
                .into_response()
        }
        Ok(None) if !rel.is_empty() && !rel.ends_with('/') => {
            match BlobKey::parse(&format!("{rel}/index.html")) {
                Some(index) if matches!(blobs.get(&index).await, Ok(Some(_))) => {
                    Redirect::permanent(&format!("{path}/")).into_response()
                }
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(key = %key, error = %e, "cannot read a members' page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The type of a built page's file, from its extension (what the site generator
/// writes: pages, styles, scripts, the search index, images).
fn content_type(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}
