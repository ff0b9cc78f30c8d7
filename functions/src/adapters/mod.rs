//! Adapters: the ports implemented on real systems.

#[cfg(feature = "local")]
pub mod embedded;
