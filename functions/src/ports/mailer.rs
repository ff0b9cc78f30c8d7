//! Delivering a finished message. The outbox worker calls it; adapters write an .eml
//! file (local), talk SMTP, or call SES.

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (connection refused, 4xx, throttled).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Never going to work (bad recipient, 5xx): recorded, not retried.
    #[error("permanent: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `message` (RFC 5322 bytes) to `recipients`. Delivering the same `id`
    /// twice must not make two copies where the adapter can prevent it.
    async fn send(&self, id: &str, recipients: &[String], message: &[u8]) -> Result<(), SendError>;
}
