//! Staff ticket search: `GET /tickets/search`, words and filters (`app::search`).

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::search::{self, SearchInput};
use crate::http::ApiState;
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::Session;
use crate::http::tickets::TicketSummary;
use crate::ports::search::FilterField;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(search_tickets))
}

/// A staff search as query parameters. Filters take comma-separated values, any of
/// which may match; different filters must all match.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, all of which must appear in the subject, a reply or an internal note
    /// (Japanese is matched by two-character pieces: 障害, 遅延).
    pub q: Option<String>,
    /// States: `new`, `open`, `waiting_customer`, `pending_close`, `closed`.
    pub state: Option<String>,
    /// Importance: `low`, `normal`, `high`, `urgent`.
    pub priority: Option<String>,
    /// Classification (the ticket type's value).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub ticket_type: Option<String>,
    /// Company ids.
    pub company: Option<String>,
    /// Contract numbers (the ticket's contract number field).
    pub contract: Option<String>,
    /// Products.
    pub product: Option<String>,
    /// Requesters' user ids.
    pub requester: Option<String>,
    /// Owners' user ids, `me`, or `unassigned`.
    pub owner: Option<String>,
    /// How the inquiry came in: `web`, `phone`, `email`.
    pub channel: Option<String>,
    /// Departments (`assignment.departments` keys), or `none`.
    pub department: Option<String>,
    /// Received (opened) on or after this day, `YYYY-MM-DD` in the portal's time zone.
    pub received_from: Option<String>,
    /// Received on or before this day.
    pub received_to: Option<String>,
    /// Last activity on or after this day.
    pub updated_from: Option<String>,
    /// Last activity on or before this day.
    pub updated_to: Option<String>,
    /// `relevance` (default: most matches first, then newest), `newest` or `oldest`
    /// update first.
    pub order: Option<String>,
    /// Where the previous page ended (`next`).
    pub cursor: Option<String>,
    /// Page size, 1 to 100; the user's setting when absent.
    pub limit: Option<String>,
}

impl SearchParams {
    /// The parameter of a filter field (by its `FilterField::name`).
    fn filter(&self, field: FilterField) -> Option<&String> {
        match field {
            FilterField::State => self.state.as_ref(),
            FilterField::Priority => self.priority.as_ref(),
            FilterField::TicketType => self.ticket_type.as_ref(),
            FilterField::Company => self.company.as_ref(),
            FilterField::Contract => self.contract.as_ref(),
            FilterField::Product => self.product.as_ref(),
            FilterField::Requester => self.requester.as_ref(),
            FilterField::Owner => self.owner.as_ref(),
            FilterField::Channel => self.channel.as_ref(),
            FilterField::Department => self.department.as_ref(),
        }
    }

    /// The search as the use case takes it (a `limit` that is no number is out of range).
    pub fn input(&self) -> SearchInput {
        SearchInput {
            q: self.q.clone(),
            filters: FilterField::ALL
                .into_iter()
                .filter_map(|f| self.filter(f).map(|v| (f, v.clone())))
                .collect(),
            received_from: self.received_from.clone(),
            received_to: self.received_to.clone(),
            updated_from: self.updated_from.clone(),
            updated_to: self.updated_to.clone(),
            order: self.order.clone(),
            cursor: self.cursor.clone(),
            limit: self.limit.as_deref().map(|l| l.trim().parse().unwrap_or(0)),
        }
    }

    /// Whether it asks for anything beyond the whole desk in update order.
    pub fn narrows(&self) -> bool {
        let q = self.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        let filtered = FilterField::ALL
            .into_iter()
            .any(|f| self.filter(f).is_some_and(|v| !v.trim().is_empty()));
        let dated = [
            &self.received_from,
            &self.received_to,
            &self.updated_from,
            &self.updated_to,
        ]
        .iter()
        .any(|d| d.as_deref().is_some_and(|d| !d.trim().is_empty()));
        q || filtered || dated
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    pub items: Vec<TicketSummary>,
    /// The cursor of the next page; `null` on the last.
    pub next: Option<String>,
}

/// Staff search over every ticket: words in the subject, replies and internal notes,
/// and filters. Customers get 403.
#[utoipa::path(get, path = "/tickets/search", tag = "tickets", params(SearchParams),
    responses((status = 200, body = SearchResult),
        (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn search_tickets(
    State(state): State<ApiState>,
    session: Session,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResult>, AppError> {
    search::staff_only(&session.actor)?;
    let page_size = match p.limit {
        Some(_) => search::MAX_LIMIT,
        None => state
            .deps
            .store
            .get_user(&session.actor.user_id)
            .await?
            .map(|u| u.page_size)
            .unwrap_or(25),
    };
    let page = search::search(&state.deps, &session.actor, &p.input(), page_size).await?;
    let names = state.names(page.items.iter()).await?;
    Ok(Json(SearchResult {
        items: page
            .items
            .into_iter()
            .map(|t| TicketSummary::of(&state.deps.config, &names, t))
            .collect(),
        next: page.next,
    }))
}
