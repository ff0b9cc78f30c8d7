//! `/api/v1/me/searches`: a staff user's saved searches.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppError, searches};
use crate::http::ApiState;
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::{Body, Session};
use crate::ports::store::SavedSearchRecord;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(remove))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedSearch {
    pub id: String,
    pub name: String,
    /// The staff list's query string, e.g. `state=open&owner=none`.
    pub query: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<SavedSearchRecord> for SavedSearch {
    fn from(s: SavedSearchRecord) -> SavedSearch {
        SavedSearch {
            id: s.id,
            name: s.name,
            query: s.query,
            created_at: s.created_at,
        }
    }
}

/// The caller's saved searches, oldest first (staff only).
#[utoipa::path(get, path = "/me/searches", tag = "me",
    responses((status = 200, body = Vec<SavedSearch>), (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn list(
    State(state): State<ApiState>,
    session: Session,
) -> Result<Json<Vec<SavedSearch>>, AppError> {
    let all = searches::list(&state.deps, &session.actor).await?;
    Ok(Json(all.into_iter().map(SavedSearch::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSearch {
    pub name: String,
    pub query: String,
}

/// Saves the list's current search under a name (at most 30; names unique per user).
#[utoipa::path(post, path = "/me/searches", tag = "me", request_body = NewSearch,
    responses((status = 201, body = SavedSearch), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn create(
    State(state): State<ApiState>,
    session: Session,
    Body(req): Body<NewSearch>,
) -> Result<(StatusCode, Json<SavedSearch>), AppError> {
    let saved = searches::save(&state.deps, &session.actor, &req.name, &req.query).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// Removes one of the caller's saved searches.
#[utoipa::path(delete, path = "/me/searches/{id}", tag = "me", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn remove(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    searches::delete(&state.deps, &session.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
