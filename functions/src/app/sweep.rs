//! The timer sweep: reminders before auto-transitions, and the transitions themselves
//! (waiting for customer → pending close → closed). Idempotent: each write is
//! conditional on the version read, and the state machine refuses a timer that is not
//! due, so two sweeps at once, or one run late, give the same result as one.

use minijinja::context;

use crate::app::mail::{Envelope, MailKind, addressees, state_label};
use crate::app::{AppError, Deps};
use crate::domain::Email;
use crate::domain::ticket::Event;
use crate::domain::ticket::state::apply;
use crate::ports::store::Contact;
use crate::ports::*;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub reminded: usize,
    pub transitioned: usize,
    /// Changed by someone else meanwhile; looked at again next time.
    pub skipped: usize,
}

/// Tickets looked at per run.
const BATCH: u32 = 500;

pub async fn sweep(deps: &Deps) -> Result<SweepReport, AppError> {
    let now = deps.clock.now();
    let mut report = SweepReport::default();
    for current in deps.store.due_tickets(now, BATCH).await? {
        let Some(timer) = current.timer else { continue };
        let requester = deps
            .store
            .get_user(&current.requester_id)
            .await?
            .map(|u| Contact::of(&u));
        let company = deps
            .store
            .get_company(&current.company_id)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        let mut next = current.clone();
        next.version = current.version + 1;
        // Read afresh here, so the ticket's copies are brought up to date too.
        if requester.is_some() {
            next.contacts.requester = requester.clone();
            next.contacts.company_name = Some(company.clone());
        }
        let mut history = Vec::new();
        let mut kind = None;
        if timer.due <= now {
            let change = match apply(
                current.state,
                current.timer,
                current.closed_at,
                Event::TimerDue,
                now,
                &deps.config.timers,
            ) {
                Ok(c) => c,
                Err(_) => continue,
            };
            next.state = change.to;
            next.timer = change.timer;
            next.closed_at = (change.to == crate::domain::ticket::State::Closed).then_some(now);
            next.updated_at = now;
            history.push(HistoryRecord {
                ticket: current.number.clone(),
                at: now,
                actor_id: "system".into(),
                field: "state".into(),
                from: Some(change.from.as_str().into()),
                to: Some(change.to.as_str().into()),
                reason: format!("no reply from the customer by {}", timer.due),
            });
            kind = Some(MailKind::StateChanged);
        } else if timer.reminder_due(now) {
            next.timer = Some(timer.reminded());
            kind = Some(MailKind::Reminder);
        }
        let Some(kind) = kind else { continue };
        let mut mails = Vec::new();
        // The customer may have turned these mails off; the CC addresses still hear.
        if let Some(user) = &requester
            && let Ok(to) = Email::parse(&user.address)
            && let Some((to, cc)) = addressees(
                kind,
                user,
                to,
                next.cc
                    .iter()
                    .filter_map(|c| Email::parse(c).ok())
                    .collect(),
            )
        {
            let lang = user.lang.as_str();
            let due = timer
                .due
                .to_zoned(deps.config.time_zone.clone())
                .strftime(if lang == "ja" {
                    "%Y年%-m月%-d日 %H:%M"
                } else {
                    "%b %-d, %Y %H:%M"
                })
                .to_string();
            let vars = context! {
                site => deps.config.name_in(lang), url => deps.config.ticket_url(&next.number), due,
                state => state_label(if kind == MailKind::Reminder { current.state } else { next.state }, lang),
                state_key => if kind == MailKind::Reminder { current.state.as_str() } else { next.state.as_str() },
                reopen_days => deps.config.timers.reopen_window.as_hours() / 24,
                ticket => context! { number => next.number.clone(), subject => next.subject.clone(), product => next.product.as_deref().map(|k| deps.config.product_label(k, lang)), requester_name => user.name.clone(), company_name => company.clone() },
            };
            // The id names the timer, so a retried sweep cannot queue the same mail twice.
            let id = format!(
                "{}-{}-{}-{}",
                next.number,
                kind.name(),
                timer.kind.as_str(),
                timer.due.as_second()
            );
            let envelope = Envelope {
                id,
                kind,
                lang,
                to,
                cc,
                ticket_number: &next.number,
                product: next
                    .product
                    .as_deref()
                    .map(|k| deps.config.product_label(k, lang)),
                subject: &next.subject,
                vars,
            };
            mails.push(
                deps.mail
                    .compose(&envelope, now, Some(&next.number))
                    .map_err(|e| AppError::Unexpected(e.into()))?,
            );
        }
        match deps
            .store
            .update_ticket(TicketUpdate {
                ticket: next,
                expected_version: current.version,
                article: None,
                history,
                mails,
                claimed_uploads: vec![],
                previous_state: Some(current.state),
                relies_on: vec![],
            })
            .await
        {
            Ok(()) if kind == MailKind::Reminder => report.reminded += 1,
            Ok(()) => report.transitioned += 1,
            Err(StoreError::Conflict(_)) => report.skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
