//! madoguchi's API and servers. The same axum Router runs locally (`madoguchi serve`)
//! and under Lambda (`lambda`), over the embedded adapters or the AWS ones.

pub mod adapters;
#[cfg(feature = "local")]
pub mod admin;
pub mod app;
pub mod domain;
pub mod http;
#[cfg(feature = "lambda")]
pub mod lambda;
#[cfg(feature = "local")]
pub mod local;
pub mod ports;
