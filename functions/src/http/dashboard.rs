//! The staff dashboard: counts by state, tickets to handle first, the latest updated
//! and the user's own (staff only).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::dashboard;
use crate::domain::ticket::State as TicketState;
use crate::http::ApiState;
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::Session;
use crate::http::tickets::TicketSummary;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(get_dashboard))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateCount {
    /// `new`, `open`, `waiting_customer`, `pending_close` or `closed`.
    pub state: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeskCountsDto {
    /// Every state, in the order of the state machine.
    pub states: Vec<StateCount>,
    /// Tickets not closed.
    pub open: u64,
    /// Open tickets nobody owns.
    pub unassigned: u64,
    /// Open tickets the logged-in user owns (at most the list's length when
    /// `mine_more` is set).
    pub mine: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PressingTicket {
    #[serde(flatten)]
    pub ticket: TicketSummary,
    /// Why it is here: `overdue` (an SLA target is past due), `urgent` (priority),
    /// `near` (an SLA target is past its near point) or `soon` (an SLA target or the
    /// ticket's timer falls due within a day).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardDto {
    pub counts: DeskCountsDto,
    /// Most pressing first: overdue, urgent, near, soon; within each, the earliest
    /// deadline first.
    pub handle_first: Vec<PressingTicket>,
    /// The latest updated tickets.
    pub recent: Vec<TicketSummary>,
    /// The logged-in user's open tickets, latest update first.
    pub mine: Vec<TicketSummary>,
    /// More of the user's tickets than `mine` shows.
    pub mine_more: bool,
}

/// The staff dashboard (staff only).
#[utoipa::path(get, path = "/dashboard", tag = "tickets",
    responses((status = 200, body = DashboardDto), (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_dashboard(
    State(state): State<ApiState>,
    session: Session,
) -> Result<Json<DashboardDto>, AppError> {
    let d = dashboard::dashboard(&state.deps, &session.actor).await?;
    let names = state
        .names(
            d.handle_first
                .iter()
                .map(|(t, _)| t)
                .chain(&d.recent)
                .chain(&d.mine.items),
        )
        .await?;
    let summary = |t| TicketSummary::of(&state.deps.config, &names, t);
    let states = TicketState::ALL
        .into_iter()
        .map(|s| StateCount {
            state: s.as_str().to_owned(),
            count: d.counts.of(s),
        })
        .collect::<Vec<_>>();
    Ok(Json(DashboardDto {
        counts: DeskCountsDto {
            open: TicketState::ALL
                .into_iter()
                .filter(|s| s.is_open())
                .map(|s| d.counts.of(s))
                .sum(),
            states,
            unassigned: d.counts.unassigned,
            mine: d.mine.items.len() as u64,
        },
        handle_first: d
            .handle_first
            .into_iter()
            .map(|(t, p)| PressingTicket {
                ticket: summary(t),
                reason: p.as_str().to_owned(),
            })
            .collect(),
        recent: d.recent.into_iter().map(summary).collect(),
        mine_more: d.mine.next.is_some(),
        mine: d.mine.items.into_iter().map(summary).collect(),
    }))
}
