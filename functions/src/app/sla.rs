//! The SLA clock as the use cases keep it: started when a ticket is opened, moved by
//! replies and state changes, counted again when staff change the priority. Without an
//! `sla:` section in the configuration a ticket's clock is left as it was stored.

use jiff::Timestamp;

use crate::app::config::PortalConfig;
use crate::domain::ticket::SlaClock;
use crate::domain::ticket::sla::SlaEvent;
use crate::ports::TicketRecord;

/// The clock of a ticket just opened (its priority, service and service level chosen).
pub fn opened(config: &PortalConfig, t: &TicketRecord) -> Option<SlaClock> {
    let sla = config.sla.as_ref()?;
    let policy = sla.policy(&t.priority, t.service.as_deref(), t.sla.as_deref());
    SlaClock::open(t.created_at, &policy)
}

/// The clock after `event` left the ticket as `t` (its new state) at `now`.
pub fn after(
    config: &PortalConfig,
    t: &TicketRecord,
    event: SlaEvent,
    now: Timestamp,
) -> Option<SlaClock> {
    let clock = t.sla_clock.clone()?;
    let Some(sla) = config.sla.as_ref() else {
        return Some(clock);
    };
    let policy = sla.policy(&t.priority, t.service.as_deref(), t.sla.as_deref());
    Some(clock.after(event, t.state, now, &policy))
}

/// The clock after staff changed the ticket's priority: each target counted again from
/// when it started, with the new priority's targets. A ticket opened without targets
/// gets them now, counted from its creation.
pub fn retargeted(config: &PortalConfig, t: &TicketRecord) -> Option<SlaClock> {
    let Some(sla) = config.sla.as_ref() else {
        return t.sla_clock.clone();
    };
    let policy = sla.policy(&t.priority, t.service.as_deref(), t.sla.as_deref());
    match t.sla_clock.clone() {
        Some(clock) => clock.retarget(t.created_at, &policy),
        None => SlaClock::open(t.created_at, &policy),
    }
}
