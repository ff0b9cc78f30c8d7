//! The HTTP layer: one Router for every host (locally under `axum::serve`, on AWS under
//! lambda_http). Handlers are thin: extract, call one use case, map the answer.

mod auth;
mod companies;
mod company_accounts;
mod contracts;
mod dashboard;
mod documents;
mod export;
mod headers;
pub mod lang;
pub mod list_cache;
mod members;
mod names;
pub mod problem;
mod registration;
mod search;
mod searches;
pub mod session;
mod site;
mod tickets;
mod uploads;

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use headers::security_headers;
pub use members::{DocumentIndex, MemberPages};

use crate::app::Deps;
use crate::app::auth::{SigningKey, Tokens};
use crate::app::sessions::{Auth, SessionConfig};

/// What the router serves.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// The built public site (`dist/site`).
    pub site_dir: PathBuf,
    /// The customer-only pages (`dist/members`), served to logged-in users only.
    pub members_dir: Option<PathBuf>,
}

/// What the API's handlers share, built once at start-up.
pub struct ApiInner {
    pub deps: Deps,
    pub auth: Arc<Auth>,
    /// `Secure` cookies: true unless the portal runs on plain-HTTP localhost.
    pub secure_cookies: bool,
    pub names: names::NameCache,
    /// Rendered list pages by scope generation.
    pub lists: list_cache::ListCache,
    /// The audit records of looks at internal data this process wrote this hour.
    pub audited: crate::app::audit::Recorded,
}

#[derive(Clone)]
pub struct ApiState(pub Arc<ApiInner>);

impl ApiState {
    /// The API's state for a portal at `base_url`: access tokens signed with `keys`
    /// (the first signs), ten minutes long; `Secure` cookies unless on plain HTTP.
    pub fn new(deps: Deps, keys: Vec<SigningKey>, base_url: &str) -> ApiState {
        ApiState::with_list_cache(deps, keys, base_url, Default::default())
    }

    /// The same with a rendered-list cache of another size.
    pub fn with_list_cache(
        deps: Deps,
        keys: Vec<SigningKey>,
        base_url: &str,
        lists: list_cache::ListCache,
    ) -> ApiState {
        ApiState(Arc::new(ApiInner {
            deps,
            auth: Arc::new(Auth {
                tokens: Tokens::new(keys, "madoguchi", "portal", 10 * 60),
                config: SessionConfig::default(),
            }),
            secure_cookies: !base_url.starts_with("http://"),
            names: Default::default(),
            lists,
            audited: Default::default(),
        }))
    }
}

impl Deref for ApiState {
    type Target = ApiInner;
    fn deref(&self) -> &ApiInner {
        &self.0
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "madoguchi API", description = "The support portal's API: tickets, articles, attachments and the caller's account. Errors are application/problem+json."),
    servers((url = "/api/v1")),
    tags((name = "auth"), (name = "me"), (name = "tickets"), (name = "attachments"), (name = "contracts"), (name = "accounts"), (name = "companies"), (name = "documents"), (name = "registration"))
)]
struct ApiDoc;

/// The API under `/api/v1` and its OpenAPI document, generated from the same routes.
/// `documents` is the members' pages' manifest, for the list of project documents.
pub fn api(state: ApiState, documents: DocumentIndex) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(tickets::router())
        .merge(dashboard::router())
        .merge(search::router())
        .merge(export::router())
        .merge(contracts::router())
        .merge(documents::router())
        .merge(company_accounts::router())
        .merge(companies::router())
        .merge(registration::router())
        .merge(uploads::router())
        .merge(searches::router())
        .split_for_parts();
    (
        router.with_state(state).layer(axum::Extension(documents)),
        doc,
    )
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as one Router, so tests can call it without a server.
pub fn app(config: AppConfig, state: ApiState) -> Router {
    let members = match config.members_dir {
        Some(dir) => MemberPages::Dir(dir),
        None => MemberPages::None,
    };
    layered(portal(state, members).merge(site::router(&config.site_dir)))
}

/// The API and the members' pages without the static site: what runs in Lambda, where
/// the public site is on S3 behind CloudFront.
pub fn api_app(state: ApiState, members: MemberPages) -> Router {
    layered(portal(state, members))
}

/// The API under `/api/v1` (with its OpenAPI document) and the members' pages.
fn portal(state: ApiState, members: MemberPages) -> Router {
    let documents = DocumentIndex::new(members);
    let (api, doc) = api(state.clone(), documents.clone());
    let doc = Arc::new(doc);
    let api = api
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
                .layer(axum::middleware::from_fn(problem::localize)),
        );
    Router::new()
        .nest("/api/v1", api)
        .merge(members::router(documents, state))
}

/// Request ids, tracing and the security headers around every response. The layers are
/// stacked before the router gets them: it boxes each layer it is given and clones the
/// boxes for every request.
fn layered(router: Router) -> Router {
    let traced = router.layer(
        tower::ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, RequestIds::new()))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
            })),
    );
    security_headers(traced)
}

/// Request ids: a random prefix per process and a counter (`3f9c2a71-000000000001a4`),
/// unique across restarts and cheaper than a random UUID (one system call) per request.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> RequestIds {
        let prefix = crate::app::secrets::random_hex(4)
            .unwrap_or_else(|_| format!("{:08x}", std::process::id()));
        RequestIds {
            prefix: prefix.into(),
            next: Default::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n:014x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// The static site only (no API), for serving a built site.
pub fn site_only(config: AppConfig) -> Router {
    security_headers(site::router(&config.site_dir))
}
