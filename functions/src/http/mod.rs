//! The HTTP layer: one Router for every host.

mod headers;
mod site;

use std::path::PathBuf;

use axum::Router;

pub use headers::security_headers;

/// What the router serves.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// The built public site (`dist/site`).
    pub site_dir: PathBuf,
}

/// The whole application as one Router, so tests can call it without a server.
pub fn app(config: AppConfig) -> Router {
    security_headers(site::router(&config.site_dir))
}
