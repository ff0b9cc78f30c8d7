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
use crate::ports::store::{HistoryRecord, OutboxMail};

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

/// What became of one mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Sent before (by another sender, or a stream record seen twice): nothing done.
    AlreadySent,
    /// A temporary failure: tried again later.
    Retrying,
    /// Waiting for its next attempt (after a temporary failure): not tried now.
    NotDue,
    /// A permanent failure (or the last attempt): recorded on the mail and its ticket.
    Failed,
}

/// Sends every due mail once.
pub async fn deliver_due(deps: &Deps, mailer: &dyn Mailer) -> Result<OutboxReport, AppError> {
    deliver_due_where(deps, mailer, |_| true).await
}

/// Sends the due mails that another sender should have sent by now: those tried
/// before (temporary failures whose pause is over) and those older than `grace` (their
/// stream record was lost). On AWS new mails go out from the table's stream at once;
/// leaving them to it keeps this run from sending them a second time meanwhile.
pub async fn deliver_retries(
    deps: &Deps,
    mailer: &dyn Mailer,
    grace: SignedDuration,
) -> Result<OutboxReport, AppError> {
    let now = deps.clock.now();
    let before = now.saturating_sub(grace).unwrap_or(now);
    deliver_due_where(deps, mailer, |m| m.attempts > 0 || m.created_at <= before).await
}

async fn deliver_due_where(
    deps: &Deps,
    mailer: &dyn Mailer,
    keep: impl Fn(&OutboxMail) -> bool,
) -> Result<OutboxReport, AppError> {
    let now = deps.clock.now();
    let mut report = OutboxReport::default();
    for mail in deps
        .store
        .due_mails(now, 100)
        .await?
        .iter()
        .filter(|m| keep(m))
    {
        match deliver(deps, mailer, mail).await? {
            Delivery::Sent => report.sent += 1,
            Delivery::Retrying => report.retrying += 1,
            Delivery::Failed => report.failed += 1,
            Delivery::AlreadySent | Delivery::NotDue => {}
        }
    }
    Ok(report)
}

/// Sends one mail by id (the AWS sender gets ids from the table's stream). A mail that
/// is gone, already sent, given up on, or not yet due is left alone.
pub async fn deliver_id(deps: &Deps, mailer: &dyn Mailer, id: &str) -> Result<Delivery, AppError> {
    let Some(mail) = deps.store.get_mail(id).await? else {
        return Ok(Delivery::AlreadySent);
    };
    match mail.next_attempt_at {
        _ if mail.sent_at.is_some() => Ok(Delivery::AlreadySent),
        None => Ok(Delivery::Failed),
        Some(due) if due > deps.clock.now() => Ok(Delivery::NotDue),
        Some(_) => deliver(deps, mailer, &mail).await,
    }
}

/// One attempt at one mail: marked sent after the Mailer accepted it; a temporary
/// failure is rescheduled with the backoff; a permanent one is recorded on the mail and
/// in its ticket's history, and never retried.
pub async fn deliver(
    deps: &Deps,
    mailer: &dyn Mailer,
    mail: &OutboxMail,
) -> Result<Delivery, AppError> {
    let now = deps.clock.now();
    match mailer.send(&mail.id, &mail.recipients, &mail.message).await {
        Ok(()) => Ok(if deps.store.mark_sent(&mail.id, deps.clock.now()).await? {
            Delivery::Sent
        } else {
            Delivery::AlreadySent
        }),
        Err(SendError::Temporary(e)) if mail.attempts + 1 < MAX_ATTEMPTS => {
            let next = now.saturating_add(backoff(mail.attempts)).unwrap_or(now);
            tracing::warn!(mail = %mail.id, attempts = mail.attempts + 1, error = %e, "mail not sent; will retry");
            deps.store.mark_failed(&mail.id, &e, Some(next)).await?;
            Ok(Delivery::Retrying)
        }
        Err(e) => {
            tracing::error!(mail = %mail.id, ticket = ?mail.ticket, error = %e, "mail failed for good");
            let error = e.to_string();
            deps.store.mark_failed(&mail.id, &error, None).await?;
            if let Some(ticket) = &mail.ticket {
                deps.store
                    .append_history(HistoryRecord {
                        ticket: ticket.clone(),
                        at: now,
                        actor_id: "system".into(),
                        field: "mail".into(),
                        from: None,
                        to: Some(format!("failed: {}", mail.recipients.join(", "))),
                        reason: error,
                    })
                    .await?;
            }
            Ok(Delivery::Failed)
        }
    }
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
