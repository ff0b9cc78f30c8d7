//! The embedded adapters of the one-machine mode.

pub mod sqlite;

pub use sqlite::SqliteStore;
