//! Pages that are not plain static files: the customer-only pages (`dist/members`),
//! served to logged-in users only, and the ticket page of the portal, one built page
//! for every `/portal/tickets/{number}`.

use std::path::PathBuf;

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

#[derive(Clone)]
struct Members {
    dir: Option<PathBuf>,
    api: ApiState,
}

pub fn router(members_dir: Option<PathBuf>, api: ApiState) -> Router {
    let members = Members {
        dir: members_dir,
        api,
    };
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
    let Some(dir) = m.dir.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // ServeDir sees the path below /members.
    let (mut parts, body) = req.into_parts();
    let below = path.strip_prefix("/members").unwrap_or("/");
    let below = if below.is_empty() { "/" } else { below };
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
        Ok(mut res) => {
            // Personal pages: never kept by shared caches.
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("private, no-store"),
            );
            res.map(Body::new)
        }
        Err(e) => match e {},
    }
}
