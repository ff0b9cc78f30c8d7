//! The embedded adapters of the one-machine mode.

pub mod blob_dir;
pub mod outbox_dir;
pub mod smtp;
pub mod sqlite;

pub use blob_dir::BlobDir;
pub use outbox_dir::MailDir;
pub use smtp::{EmlAndSmtp, SmtpConfig, SmtpMailer, TlsMode};
pub use sqlite::SqliteStore;
