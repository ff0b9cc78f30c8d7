//! The audit of staff looking at internal data: who opened a ticket that has internal
//! notes, or downloaded its report, and when, kept in the ticket's history. At most one
//! record per person, ticket, kind of look and clock hour (`TicketStore::
//! append_history_once`), so a page that refreshes every minute writes one an hour.

use crate::app::tickets::TicketView;
use crate::app::{AppError, Deps};
use crate::domain::access::Actor;
use crate::ports::store::HistoryRecord;

/// What staff looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// The ticket page, with its internal notes.
    TicketPage,
    /// The per-ticket report (internal notes included).
    Report,
}

impl Look {
    /// The history record's field (the ticket page's staff panel labels it).
    pub fn field(self) -> &'static str {
        match self {
            Look::TicketPage => "viewed_internal",
            Look::Report => "exported_report",
        }
    }
}

/// Records that `actor` looked at `view`'s internal data, when they are staff and it
/// has any (a report always has: it is staff-only and carries the notes).
pub async fn record(
    deps: &Deps,
    actor: &Actor,
    view: &TicketView,
    look: Look,
) -> Result<(), AppError> {
    let internal = look == Look::Report || view.articles.iter().any(|a| a.internal);
    if !actor.is_staff() || !internal {
        return Ok(());
    }
    let now = deps.clock.now();
    let hour = now.as_second().div_euclid(3600);
    let once = format!("{}:{}:{hour}", look.field(), actor.user_id);
    deps.store
        .append_history_once(
            HistoryRecord {
                ticket: view.ticket.number.clone(),
                at: now,
                actor_id: actor.user_id.clone(),
                field: look.field().into(),
                from: None,
                to: None,
                reason: "audit".into(),
            },
            &once,
        )
        .await?;
    Ok(())
}
