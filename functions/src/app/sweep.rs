//! The timer sweep: reminders before auto-transitions, the transitions themselves
//! (waiting for customer → pending close → closed), and the SLA warnings to the team
//! (a target near, a target missed). Idempotent: each write is conditional on the
//! version read, the state machine refuses a timer that is not due, and a warning is
//! recorded on the ticket in the write that queues its mail, so two sweeps at once, or
//! one run late, give the same result as one.

use minijinja::context;

use jiff::{SignedDuration, Timestamp};

use crate::app::config::DEFAULT_LANGUAGE;
use crate::app::mail::{MailKind, addressees, mail_time, state_label, ticket_mail};
use crate::app::{AppError, Deps, sla};
use crate::domain::Email;
use crate::domain::ticket::Event;
use crate::domain::ticket::sla::{Point, SlaEvent, TargetKind};
use crate::domain::ticket::state::apply;
use crate::ports::store::Contact;
use crate::ports::*;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub reminded: usize,
    pub transitioned: usize,
    /// SLA warnings queued (near or missed).
    pub escalated: usize,
    /// Changed by someone else meanwhile; looked at again next time.
    pub skipped: usize,
    /// Search index changes a write committed but did not get to apply (DynamoDB,
    /// after a crash), applied now.
    pub indexed: usize,
}

/// Tickets looked at per run.
const BATCH: u32 = 500;

pub async fn sweep(deps: &Deps) -> Result<SweepReport, AppError> {
    let now = deps.clock.now();
    let mut report = SweepReport {
        indexed: deps.store.catch_up_search_index(BATCH).await? as usize,
        ..SweepReport::default()
    };
    for current in deps.store.due_tickets(now, BATCH).await? {
        let warnings = sla_warnings(deps, &current, now);
        let timer_due = current
            .timer
            .is_some_and(|t| t.due <= now || t.reminder_due(now));
        // Without `sla:` (the section was removed), points still pending are marked
        // as passed without mails, so that they leave the due-time index and cannot
        // crowd out the timers of the batch.
        let silenced = deps.config.sla.is_none()
            && current.state.is_open()
            && current
                .sla_clock
                .as_ref()
                .and_then(|c| c.next_point())
                .is_some_and(|p| p <= now);
        if warnings.is_empty() && !timer_due && !silenced {
            continue;
        }
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
        let mut mails = Vec::new();
        if let Some(timer) = current.timer.filter(|_| timer_due) {
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
                next.sla_clock = sla::after(&deps.config, &next, SlaEvent::StateChanged, now);
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
            if let Some(kind) = kind {
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
                    let due = mail_time(&deps.config.time_zone, timer.due, lang);
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
                    mails.push(ticket_mail(deps, kind, id, lang, to, cc, &next, vars, now)?);
                }
            }
        }
        if silenced && let Some(clock) = next.sla_clock.as_mut() {
            clock.warnings_due(now);
        }
        // The warnings are recorded on the ticket written with their mails.
        let escalated = if warnings.is_empty() {
            0
        } else {
            escalate(deps, &mut next, &company, now, &mut mails).await?
        };
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
            Ok(()) => {
                report.escalated += escalated;
                match kind {
                    Some(MailKind::Reminder) => report.reminded += 1,
                    Some(_) => report.transitioned += 1,
                    None => {}
                }
            }
            Err(StoreError::Conflict(_)) => report.skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}

/// The SLA warnings due on `t` at `now` (none without an `sla:` section, on a closed
/// ticket, or when all were sent).
fn sla_warnings(deps: &Deps, t: &TicketRecord, now: Timestamp) -> Vec<(TargetKind, Point)> {
    match (&deps.config.sla, &t.sla_clock) {
        (Some(_), Some(clock)) if t.state.is_open() => clock.clone().warnings_due(now),
        _ => Vec::new(),
    }
}

/// Records the SLA warnings due on `next` and composes one mail for each: to the owner
/// (the team's address when nobody owns the ticket, or the owner turned these off),
/// with the team in CC. Returns how many.
async fn escalate(
    deps: &Deps,
    next: &mut TicketRecord,
    company: &str,
    now: Timestamp,
    mails: &mut Vec<crate::ports::OutboxMail>,
) -> Result<usize, AppError> {
    let Some(clock) = next.sla_clock.as_mut() else {
        return Ok(0);
    };
    // A transition just made (e.g. closed) stops what it stops: only what still runs.
    let warnings = if next.state.is_open() {
        clock.warnings_due(now)
    } else {
        Vec::new()
    };
    if warnings.is_empty() {
        return Ok(0);
    }
    let clock = clock.clone();
    let owner = match &next.owner_id {
        Some(id) => deps.store.get_user(id).await?.map(|u| Contact::of(&u)),
        None => None,
    };
    let team = deps.config.team_address(next.department.as_deref());
    let (to, cc, lang) = match owner
        .as_ref()
        .filter(|o| MailKind::SlaEscalation.wanted_by(&o.mails_off))
        .and_then(|o| Some((o, Email::parse(&o.address).ok()?)))
    {
        Some((o, address)) => (vec![(o.name.clone(), address)], vec![team], o.lang.as_str()),
        None => (vec![(String::new(), team)], vec![], DEFAULT_LANGUAGE),
    };
    let requester = next
        .contacts
        .requester
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let calendar = deps.config.sla.as_ref().map(|s| &s.calendar);
    for (kind, point) in &warnings {
        let Some(deadline) = clock.get(*kind) else {
            continue;
        };
        let due = mail_time(&deps.config.time_zone, deadline.due, lang);
        let left = calendar.map_or(SignedDuration::ZERO, |c| deadline.left(c, now));
        let vars = context! {
            site => deps.config.name_in(lang), url => deps.config.ticket_url(&next.number),
            target => kind.label(lang), target_key => kind.as_str(), point => point.as_str(),
            due, left => business_time(left, lang),
            state => state_label(next.state, lang),
            owner => owner.as_ref().map_or(if lang == "ja" { "（未割り当て）" } else { "(nobody)" }, |o| o.name.as_str()),
            ticket => context! { number => next.number.clone(), subject => next.subject.clone(), priority => deps.config.priority_label(&next.priority, lang), requester_name => requester.clone(), company_name => company },
        };
        // The id names the point, so a retried sweep cannot queue the same mail twice.
        let id = format!(
            "{}-{}-{}-{}-{}",
            next.number,
            MailKind::SlaEscalation.name(),
            kind.as_str(),
            point.as_str(),
            deadline.due.as_second()
        );
        mails.push(ticket_mail(
            deps,
            MailKind::SlaEscalation,
            id,
            lang,
            to.clone(),
            cc.clone(),
            next,
            vars,
            now,
        )?);
    }
    Ok(warnings.len())
}

/// Business time as people read it: `2時間30分`, `2 h 30 min`.
pub fn business_time(d: SignedDuration, lang: &str) -> String {
    let m = d.as_mins().max(0);
    let (h, m) = (m / 60, m % 60);
    match (lang, h, m) {
        ("ja", 0, m) => format!("{m}分"),
        ("ja", h, 0) => format!("{h}時間"),
        ("ja", h, m) => format!("{h}時間{m}分"),
        (_, 0, m) => format!("{m} min"),
        (_, h, 0) => format!("{h} h"),
        (_, h, m) => format!("{h} h {m} min"),
    }
}
