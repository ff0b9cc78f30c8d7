//! The customer-only pages (`dist/members`), served to logged-in users only: from a
//! folder locally, from a private S3 prefix on AWS. Project documents (pages limited to
//! projects, listed in site-gen's manifest) only to those `may_document` lets read them.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use futures_util::TryStreamExt;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::app::documents::{self, MANIFEST, Manifest};
use crate::domain::access::Actor;
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

/// The project documents' manifest of the members' pages, read where the pages are.
/// Locally it is read at start and again only when the build rewrites the file (one
/// `stat` per request); on AWS it is read from the store once, at the first request that
/// needs it, and kept for the life of the process (a Lambda container lives for many
/// requests; syncing pages whose projects changed is followed by starting fresh
/// containers, see `infra/README.md`). A missing or broken manifest fails closed: no
/// members' page is served until it is there.
#[derive(Clone)]
pub struct DocumentIndex(Arc<IndexInner>);

struct IndexInner {
    pages: MemberPages,
    /// The manifest, and (locally) the modification time and size of its file.
    cached: RwLock<Option<(Option<Stamp>, Arc<Manifest>)>>,
}

/// What tells that the build rewrote the local manifest.
type Stamp = (SystemTime, u64);

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(
        "the members' pages have no _documents.json (built by an older site-gen? rebuild the site)"
    )]
    Missing,
    #[error("cannot read _documents.json")]
    Read(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("_documents.json is not valid")]
    Invalid(#[from] documents::ManifestError),
}

impl DocumentIndex {
    pub fn new(pages: MemberPages) -> DocumentIndex {
        let index = DocumentIndex(Arc::new(IndexInner {
            pages,
            cached: RwLock::new(None),
        }));
        if let MemberPages::Dir(_) = &index.0.pages
            && let Err(e) = index.read_dir()
        {
            tracing::error!(error = %e, "project documents: no manifest");
        }
        index
    }

    fn cached(&self) -> Option<(Option<Stamp>, Arc<Manifest>)> {
        self.0.cached.read().ok().and_then(|c| c.clone())
    }

    fn keep(&self, stamp: Option<Stamp>, manifest: Arc<Manifest>) {
        if let Ok(mut c) = self.0.cached.write() {
            *c = Some((stamp, manifest));
        }
    }

    /// The manifest of the pages being served.
    pub async fn manifest(&self) -> Result<Arc<Manifest>, IndexError> {
        match &self.0.pages {
            MemberPages::None => Ok(Arc::default()),
            MemberPages::Dir(_) => self.read_dir(),
            MemberPages::Blobs(blobs) => {
                if let Some((_, m)) = self.cached() {
                    return Ok(m);
                }
                // Two first requests at once may both read it; either copy is the same.
                let key = BlobKey::parse(MANIFEST).ok_or(IndexError::Missing)?;
                let blob = blobs
                    .get(&key)
                    .await
                    .map_err(|e| IndexError::Read(Box::new(e)))?
                    .ok_or(IndexError::Missing)?;
                let bytes: Vec<u8> = blob
                    .body
                    .try_fold(Vec::new(), |mut all, chunk| async move {
                        all.extend_from_slice(&chunk);
                        Ok(all)
                    })
                    .await
                    .map_err(|e| IndexError::Read(Box::new(e)))?;
                let m = Arc::new(Manifest::parse(&bytes)?);
                self.keep(None, m.clone());
                Ok(m)
            }
        }
    }

    /// The folder's manifest, read again only when the file changed.
    fn read_dir(&self) -> Result<Arc<Manifest>, IndexError> {
        let MemberPages::Dir(dir) = &self.0.pages else {
            return Ok(Arc::default());
        };
        let file = dir.join(MANIFEST);
        let stamp = match std::fs::metadata(&file) {
            Ok(meta) => meta.modified().ok().map(|t| (t, meta.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(IndexError::Missing),
            Err(e) => return Err(IndexError::Read(Box::new(e))),
        };
        if let Some((seen, m)) = self.cached()
            && seen.is_some()
            && seen == stamp
        {
            return Ok(m);
        }
        let bytes = std::fs::read(&file).map_err(|e| IndexError::Read(Box::new(e)))?;
        let m = Arc::new(Manifest::parse(&bytes)?);
        self.keep(stamp, m.clone());
        Ok(m)
    }
}

#[derive(Clone)]
struct Members {
    pages: MemberPages,
    index: DocumentIndex,
    api: ApiState,
}

/// What the access check says about a path below `/members`.
enum Check {
    Serve,
    /// Not there, or not the caller's to read: the same 404.
    Hidden,
    Failed,
}

pub fn router(index: DocumentIndex, api: ApiState) -> Router {
    let members = Members {
        pages: index.0.pages.clone(),
        index,
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
    let Ok(session) = Session::of_headers(&m.api, req.headers()) else {
        return login_redirect(&path);
    };
    let below = path.strip_prefix("/members").unwrap_or("/");
    let below = if below.is_empty() { "/" } else { below };
    let mut res = match check(&m, &session.actor, below).await {
        Check::Hidden => StatusCode::NOT_FOUND.into_response(),
        Check::Failed => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Check::Serve => match &m.pages {
            MemberPages::None => StatusCode::NOT_FOUND.into_response(),
            MemberPages::Dir(dir) => from_dir(dir.clone(), below, req).await,
            MemberPages::Blobs(blobs) => from_blobs(blobs.as_ref(), &path, below).await,
        },
    };
    // Personal pages: never kept by shared caches.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    res
}

/// Whether the page or file at `below` may be served to `actor`: the manifest never;
/// a project document's page and files only if `may_document` says so; everything else
/// (the pages every logged-in customer reads) always.
async fn check(m: &Members, actor: &Actor, below: &str) -> Check {
    let Some(path) = documents::segments(below) else {
        return Check::Hidden;
    };
    if documents::is_manifest(&path) {
        return Check::Hidden;
    }
    let manifest = match m.index.manifest().await {
        Ok(manifest) => manifest,
        Err(e) => {
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "project documents: no manifest, no members' page served");
            return Check::Failed;
        }
    };
    let Some(doc) = manifest.covering(&path) else {
        return Check::Serve;
    };
    match documents::may_read(&m.api.deps, actor, doc).await {
        Ok(true) => Check::Serve,
        Ok(false) => Check::Hidden,
        Err(e) => {
            tracing::error!(error = %e, "project documents: cannot check access");
            Check::Failed
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(paths: &[&str]) -> String {
        let docs: Vec<String> = paths
            .iter()
            .map(|p| {
                format!(
                    r#"{{"path": "{p}", "lang": "ja", "key": "k", "title": "t", "section": "manuals", "date": null, "updated": null, "projects": ["p1"]}}"#
                )
            })
            .collect();
        format!(r#"{{"version": 1, "documents": [{}]}}"#, docs.join(","))
    }

    #[tokio::test]
    async fn the_local_manifest_is_read_again_when_the_build_rewrites_it_and_its_absence_fails_closed()
     {
        let dir = tempfile::tempdir().unwrap();
        let index = DocumentIndex::new(MemberPages::Dir(dir.path().to_path_buf()));
        assert!(matches!(index.manifest().await, Err(IndexError::Missing)));

        let file = dir.path().join(MANIFEST);
        std::fs::write(&file, manifest(&["/manuals/a/"])).unwrap();
        assert_eq!(index.manifest().await.unwrap().documents().count(), 1);
        std::fs::write(&file, manifest(&["/manuals/a/", "/manuals/b/"])).unwrap();
        assert_eq!(index.manifest().await.unwrap().documents().count(), 2);

        std::fs::write(&file, "{").unwrap();
        assert!(matches!(
            index.manifest().await,
            Err(IndexError::Invalid(_))
        ));
        std::fs::remove_file(&file).unwrap();
        assert!(matches!(index.manifest().await, Err(IndexError::Missing)));
    }
}
