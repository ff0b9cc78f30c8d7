//! madoguchi's API and servers. The same axum Router runs locally (`madoguchi serve`)
//! and, later, under Lambda; today it serves the built static site with the security
//! headers every response carries.

pub mod adapters;
#[cfg(feature = "local")]
pub mod admin;
pub mod app;
pub mod domain;
pub mod http;
#[cfg(feature = "local")]
pub mod local;
pub mod ports;
