//! The embedded adapters of the one-machine mode.

pub mod outbox_dir;
pub mod sqlite;

pub use outbox_dir::MailDir;
pub use sqlite::SqliteStore;
