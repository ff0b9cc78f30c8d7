//! The outbox worker: sends what the use cases queued, marks it sent, and on failure
//! tries again with growing pauses (1, 2, 4 … minutes, at most an hour, for two days),
//! while a permanent failure is recorded and not retried.
//!
//! Crash safety: a mail is marked sent only after the Mailer accepted it, so a crash in
//! between sends it again on the next run; the Mailer gets the mail's stable id, so the
//! local adapter overwrites the same file and SES/SMTP adapters can de-duplicate.

use jiff::SignedDuration;

use crate::app::{AppError, Deps};
use crate::ports::mailer::{Mailer, SendError};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutboxReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Attempts before giving up on temporary failures (about two days with the backoff).
pub const MAX_ATTEMPTS: u32 = 60;

/// The pause after the `attempts`-th failure.
pub fn backoff(attempts: u32) -> SignedDuration {
    SignedDuration::from_mins(1i64 << attempts.min(6)).min(SignedDuration::from_hours(1))
}

/// Sends every due mail once.
pub async fn deliver_due(deps: &Deps, mailer: &dyn Mailer) -> Result<OutboxReport, AppError> {
    let now = deps.clock.now();
    let mut report = OutboxReport::default();
    for mail in deps.store.due_mails(now, 100).await? {
        match mailer.send(&mail.id, &mail.recipients, &mail.message).await {
            Ok(()) => {
                deps.store.mark_sent(&mail.id, deps.clock.now()).await?;
                report.sent += 1;
            }
            Err(SendError::Temporary(e)) if mail.attempts + 1 < MAX_ATTEMPTS => {
                let next = now.saturating_add(backoff(mail.attempts)).unwrap_or(now);
                tracing::warn!(mail = %mail.id, attempts = mail.attempts + 1, error = %e, "mail not sent; will retry");
                deps.store.mark_failed(&mail.id, &e, Some(next)).await?;
                report.retrying += 1;
            }
            Err(e) => {
                tracing::error!(mail = %mail.id, ticket = ?mail.ticket, error = %e, "mail failed for good");
                deps.store
                    .mark_failed(&mail.id, &e.to_string(), None)
                    .await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), SignedDuration::from_mins(1));
        assert_eq!(backoff(3), SignedDuration::from_mins(8));
        assert_eq!(backoff(6), SignedDuration::from_hours(1));
        assert_eq!(backoff(40), SignedDuration::from_hours(1));
    }
}
