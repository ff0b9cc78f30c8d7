//! The staff dashboard (seed 003's トップ画面): the counts by state, the tickets to
//! handle first, the latest updated, and the logged-in staff user's own.

use jiff::Timestamp;

use crate::app::{AppError, Deps};
use crate::domain::access::Actor;
use crate::domain::ticket::sla::{Standing, TargetKind};
use crate::ports::store::{
    ATTENTION_AHEAD, DeskCounts, ListFilter, ListQuery, Page, Scope, TicketRecord, URGENT,
};

/// Rows in each of the dashboard's lists.
pub const ROWS: u32 = 15;

/// Why a ticket is in the "handle first" list; the most pressing reason when several
/// apply, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pressing {
    /// A running SLA target is past its due time.
    Overdue,
    /// Urgent priority.
    Urgent,
    /// A running SLA target is past its near point.
    Near,
    /// An SLA target or the ticket's timer falls due within `ATTENTION_AHEAD`.
    Soon,
}

impl Pressing {
    pub fn as_str(self) -> &'static str {
        match self {
            Pressing::Overdue => "overdue",
            Pressing::Urgent => "urgent",
            Pressing::Near => "near",
            Pressing::Soon => "soon",
        }
    }

    /// Why `t` asks for attention at `now`, if it does.
    pub fn of(t: &TicketRecord, now: Timestamp) -> Option<Pressing> {
        if !t.state.is_open() {
            return None;
        }
        let standings = t.sla_clock.as_ref().map_or(Vec::new(), |c| {
            TargetKind::ALL
                .iter()
                .filter_map(|k| c.get(*k))
                .map(|d| d.standing(now))
                .collect()
        });
        if standings.contains(&Standing::Overdue) {
            Some(Pressing::Overdue)
        } else if t.priority == URGENT {
            Some(Pressing::Urgent)
        } else if standings.contains(&Standing::Near) {
            Some(Pressing::Near)
        } else {
            t.attention_at()
                .filter(|at| *at <= now + ATTENTION_AHEAD)
                .map(|_| Pressing::Soon)
        }
    }
}

/// What the dashboard shows.
pub struct Dashboard {
    pub counts: DeskCounts,
    /// Most pressing first, with why.
    pub handle_first: Vec<(TicketRecord, Pressing)>,
    /// Latest update first.
    pub recent: Vec<TicketRecord>,
    /// The actor's open tickets, latest update first; `next` is set when there are more.
    pub mine: Page<TicketRecord>,
}

/// The dashboard of a staff user; customers are refused. The four reads are
/// independent and go out at once (on DynamoDB: a GetItem and three Queries).
pub async fn dashboard(deps: &Deps, actor: &Actor) -> Result<Dashboard, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let now = deps.clock.now();
    let recent_query = ListQuery {
        scope: Scope::All,
        filter: ListFilter::All,
        oldest_first: false,
        limit: ROWS,
        cursor: None,
    };
    let (counts, attention, recent, mine) = tokio::try_join!(
        deps.store.desk_counts(),
        deps.store.attention_tickets(now + ATTENTION_AHEAD, ROWS),
        deps.store.list_tickets(&recent_query),
        deps.store.owned_open_tickets(&actor.user_id, ROWS),
    )?;
    // Staff limited to their departments' queues see only those tickets in the lists
    // (the counts stay the desk's).
    let theirs = |t: &TicketRecord| actor.in_queue(t.department.as_deref());
    let mut handle_first: Vec<(TicketRecord, Pressing)> = attention
        .into_iter()
        .filter(|t| theirs(t))
        .filter_map(|t| Pressing::of(&t, now).map(|p| (t, p)))
        .collect();
    // Overdue before urgent before near before soon; within each, the store's order
    // (the earliest deadline first).
    handle_first.sort_by_key(|(_, p)| *p);
    Ok(Dashboard {
        counts,
        handle_first,
        recent: recent.items.into_iter().filter(|t| theirs(t)).collect(),
        mine,
    })
}
