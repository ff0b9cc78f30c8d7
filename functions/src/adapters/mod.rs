//! Adapters: the ports implemented on real systems.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "local")]
pub mod embedded;
