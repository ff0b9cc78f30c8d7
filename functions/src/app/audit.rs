//! The audit of staff looking at internal data: who opened a ticket that has internal
//! notes, or downloaded its report, and when, kept in the ticket's history. At most one
//! record per person, ticket, kind of look and clock hour (`TicketStore::
//! append_history_once`), so a page that refreshes every minute writes one an hour; and
//! the process remembers what it recorded this hour (`Recorded`), so such a refresh does
//! not even try the store's conditional write again.

use std::collections::HashSet;
use std::sync::Mutex;

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

/// The looks this process recorded in the current clock hour (forgotten when the hour
/// turns). Another process (a second server, another Lambda instance) may still try
/// once more; the store keeps one record either way.
#[derive(Default)]
pub struct Recorded(Mutex<(i64, HashSet<String>)>);

impl Recorded {
    fn has(&self, hour: i64, key: &str) -> bool {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.0 == hour && seen.1.contains(key)
    }

    fn keep(&self, hour: i64, key: String) {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if seen.0 != hour {
            *seen = (hour, HashSet::new());
        }
        seen.1.insert(key);
    }
}

/// Records that `actor` looked at `view`'s internal data, when they are staff and it
/// has any (a report always has: it is staff-only and carries the notes).
pub async fn record(
    deps: &Deps,
    recorded: &Recorded,
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
    let key = format!("{}:{once}", view.ticket.number);
    if recorded.has(hour, &key) {
        return Ok(());
    }
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
    recorded.keep(hour, key);
    Ok(())
}
